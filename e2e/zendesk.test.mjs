// The local CRM's ZAF side (www/crm/zendesk.js) without a browser: ZAF paths over users and
// tickets as the Zendesk double answers them, set rules, the ZAF user object, API-token
// authorization and the secure-setting rules of client.request. The REST API itself is tested
// against the double in crates/zendesk-double/tests/api.rs.

import { test } from "node:test";
import assert from "node:assert/strict";

import { apiAuthorization, get, planSet, prepareRequest, recordsFor, requestOutcome, zafUser } from "../www/crm/zendesk.js";

const FIELDS = ["senderId"];
const agent = { id: 7, name: "Ann Agent", email: "ann@example.com", role: "agent", locale: "en-US", user_fields: {} };
const lucia = {
  id: 1001, name: "Lucía Fernández García", email: "lucia.fernandez@example.es", phone: "+34 612 345 678", role: "end-user",
  locale: "en-US", notes: "", tags: [], user_fields: { senderId: "7100000001" },
};
const john = { ...lucia, id: 1003, name: "John Perk", email: "john.perk@example.co.uk", phone: "07700 900123", user_fields: { senderId: null } };

test("get resolves ZAF user paths keyed by path, with errors keyed by path", () => {
  const roots = { currentUser: agent, user: lucia };
  assert.deepEqual(get(roots, FIELDS, ["user.id", "user.name", "user.customField:senderId", "currentUser.locale"]), {
    errors: {},
    "user.id": 1001,
    "user.name": "Lucía Fernández García",
    "user.customField:senderId": "7100000001",
    "currentUser.locale": "en-US",
  });
  assert.equal(get({ user: john }, FIELDS, ["user.customField:senderId"])["user.customField:senderId"], null);
  const missing = get(roots, FIELDS, ["user.customField:telegramId"]);
  assert.equal(missing.errors["user.customField:telegramId"].path, "user.customField:telegramId");
  assert.equal("user.customField:telegramId" in missing, false);
});

test("the records a get needs are named by the paths' heads", () => {
  assert.deepEqual([...recordsFor(["user.id", "user.name", "currentUser.locale"])].sort(), ["currentUser", "user"]);
  assert.deepEqual([...recordsFor(["ticket.requester.id"])], ["ticket"]);
});

test("ticket sidebar sees the requester; user paths do not exist there", () => {
  const roots = { currentUser: agent, ticket: { id: 102, subject: "Refund", status: "pending", requester_id: 1003, requester: john } };
  const r = get(roots, FIELDS, ["ticket.requester.id", "ticket.requester.name", "ticket.requester.email", "user.id", "currentUser.locale"]);
  assert.equal(r["ticket.requester.id"], 1003);
  assert.equal(r["ticket.requester.name"], "John Perk");
  assert.equal(r["ticket.requester.email"], "john.perk@example.co.uk");
  assert.equal(r["currentUser.locale"], "en-US");
  assert.ok(r.errors["user.id"], "no user object in the ticket sidebar");
});

test("set plans writes of the open user's fields only, strings or null", () => {
  assert.deepEqual(planSet("user_sidebar", FIELDS, { "user.customField:senderId": "7100000003" }), {
    writes: [{ path: "user.customField:senderId", key: "senderId", value: "7100000003" }],
    errors: {},
  });
  assert.equal(planSet("user_sidebar", FIELDS, { "user.customField:senderId": "" }).writes[0].value, null, "empty clears");
  const refused = planSet("user_sidebar", FIELDS, { "user.customField:nope": "1", "user.customField:senderId": 7100000003 });
  assert.deepEqual([refused.writes, Object.keys(refused.errors).sort()], [[], ["user.customField:nope", "user.customField:senderId"]]);
  const ticket = planSet("ticket_sidebar", FIELDS, { "ticket.requester.customField:senderId": "7100000003", "user.customField:senderId": "1" });
  assert.deepEqual([ticket.writes, Object.keys(ticket.errors).length], [[], 2], "the requester is read-only in ZAF");
});

test("secure settings are substituted only in headers and only with secure: true", () => {
  const settings = { relay_url: "http://127.0.0.1:8787" };
  const secure = { relay_token: "demo-install-token" };
  const prep = (o) => prepareRequest(settings, secure, o);
  const opts = { url: "{{setting.relay_url}}/v1/people/7100000001", type: "GET", headers: { Authorization: "Bearer {{setting.relay_token}}" } };
  assert.equal(prep({ ...opts, secure: true }).headers.Authorization, "Bearer demo-install-token");
  assert.equal(prep({ ...opts, secure: true }).url, "http://127.0.0.1:8787/v1/people/7100000001");
  assert.equal(prep(opts).headers.Authorization, "Bearer {{setting.relay_token}}", "not secure: left as written");
  assert.throws(() => prep({ url: "http://x/?t={{setting.relay_token}}", secure: true }), /only be used in headers/);
  const post = prep({ url: "http://x/v1/links", type: "POST", contentType: "application/json", data: '{"a":1}', secure: true });
  assert.deepEqual([post.method, post.body, post.headers["Content-Type"]], ["POST", '{"a":1}', "application/json"]);
});

test("API-token authorization is Basic {email}/token:{token}", () => {
  const header = apiAuthorization("ann@example.com", "abc");
  assert.equal(header, `Basic ${Buffer.from("ann@example.com/token:abc").toString("base64")}`);
  assert.equal(Buffer.from(apiAuthorization("zoë@example.com", "t").slice(6), "base64").toString(), "zoë@example.com/token:t");
});

test("request outcomes follow jqXHR and httpCompleteResponse shapes", () => {
  assert.deepEqual(requestOutcome({ dataType: "json" }, 200, "OK", '{"a":1}').done[0], { a: 1 });
  const fail = requestOutcome({}, 401, "Unauthorized", '{"error":"bad token"}').fail[0];
  assert.deepEqual([fail.status, fail.responseJSON], [401, { error: "bad token" }]);
  const full = requestOutcome({ httpCompleteResponse: true }, 200, "OK", "[1]", { "content-type": "application/json" }).done[0];
  assert.deepEqual(full, { status: 200, headers: { "content-type": "application/json" }, responseText: "[1]", responseJSON: [1] });
  assert.equal(requestOutcome({ httpCompleteResponse: true }, 500, "Server Error", "oops").fail[0].status, 500);
});

test("the ZAF user object carries the phone as a phone_number identity, not a phone property", () => {
  const u = zafUser(john);
  assert.deepEqual(u.identities.map((i) => [i.type, i.value]), [["email", "john.perk@example.co.uk"], ["phone_number", "07700 900123"]]);
  const r = get({ user: john }, FIELDS, ["user.identities", "user.phone"]);
  assert.equal(r["user.identities"][1].value, "07700 900123");
  assert.ok(r.errors["user.phone"], "ZAF's user object has no phone property");
});
