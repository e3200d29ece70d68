// The local CRM's Zendesk side (www/crm/zendesk.js) without a browser: ZAF paths, the Users and
// Search API shapes, and the secure-setting rules of client.request.

import { test } from "node:test";
import assert from "node:assert/strict";

import { Account, requestOutcome } from "../www/crm/zendesk.js";

const user = (id) => ({ location: "user_sidebar", userId: id });
const ticket = (id) => ({ location: "ticket_sidebar", ticketId: id });

test("get resolves ZAF user paths keyed by path, with errors keyed by path", () => {
  const a = new Account();
  assert.deepEqual(a.get(user(1001), ["user.id", "user.name", "user.customField:senderId"]), {
    errors: {},
    "user.id": 1001,
    "user.name": "Lucía Fernández García",
    "user.customField:senderId": "7100000001",
  });
  assert.equal(a.get(user(1003), ["user.customField:senderId"])["user.customField:senderId"], null);
  const missing = a.get(user(1001), ["user.customField:telegramId"]);
  assert.equal(missing.errors["user.customField:telegramId"].path, "user.customField:telegramId");
  assert.equal("user.customField:telegramId" in missing, false);
});

test("ticket sidebar sees the requester; user paths do not exist there", () => {
  const a = new Account();
  const r = a.get(ticket(102), ["ticket.requester.id", "ticket.requester.name", "ticket.requester.email", "user.id"]);
  assert.equal(r["ticket.requester.id"], 1003);
  assert.equal(r["ticket.requester.name"], "John Perk");
  assert.equal(r["ticket.requester.email"], "john.perk@example.co.uk");
  assert.ok(r.errors["user.id"], "no user object in the ticket sidebar");
  assert.equal(a.get(ticket(102), ["currentUser.locale"])["currentUser.locale"], "en-US");
});

test("set writes the open user's field and reports the change event", () => {
  const a = new Account();
  const { result, changed } = a.set(user(1003), { "user.customField:senderId": "7100000003" });
  assert.deepEqual(result, { errors: {}, "user.customField:senderId": "7100000003" });
  assert.deepEqual(changed, [["user.senderId.changed", "7100000003"]]);
  assert.equal(a.user(1003).user_fields.senderId, "7100000003");
  // Same value again: no event.
  assert.deepEqual(a.set(user(1003), { "user.customField:senderId": "7100000003" }).changed, []);
  // Clearing is null.
  assert.deepEqual(a.set(user(1003), { "user.customField:senderId": null }).changed, [["user.senderId.changed", null]]);
});

test("set refuses the ticket requester, unknown fields and non-strings, storing nothing", () => {
  const a = new Account();
  const r1 = a.set(ticket(102), { "ticket.requester.customField:senderId": "7100000003" });
  assert.ok(r1.result.errors["ticket.requester.customField:senderId"]);
  const r2 = a.set(user(1003), { "user.customField:nope": "1", "user.customField:senderId": 7100000003 });
  assert.equal(Object.keys(r2.result.errors).length, 2);
  assert.deepEqual(r2.changed, []);
  assert.equal(a.user(1003).user_fields.senderId, null);
});

test("users API: show, update user_fields, 404 and unknown fields", () => {
  const a = new Account();
  assert.equal(a.api("GET", "/api/v2/users/1001.json").body.user.user_fields.senderId, "7100000001");
  assert.equal(a.api("GET", "/api/v2/users/999.json").status, 404);
  const put = a.api("PUT", "/api/v2/users/1003.json", JSON.stringify({ user: { user_fields: { senderId: "7100000003" } } }));
  assert.equal(put.status, 200);
  assert.equal(put.changedUser, 1003);
  assert.equal(put.body.user.user_fields.senderId, "7100000003");
  const bad = a.api("PUT", "/api/v2/users/1003.json", JSON.stringify({ user: { user_fields: { other: "x" } } }));
  assert.equal(bad.status, 422);
  assert.equal(a.api("PUT", "/api/v2/users/1003.json", "{not json").status, 400);
  assert.equal(a.user(1003).user_fields.senderId, "7100000003", "failed updates change nothing");
});

test("user search by custom field finds exactly the holders (the conflict check)", () => {
  const a = new Account();
  const r = a.api("GET", `/api/v2/users/search.json?query=${encodeURIComponent("senderId:7100000004")}`);
  assert.deepEqual(r.body.users.map((u) => u.id), [1006]);
  assert.equal(r.body.count, 1);
  assert.deepEqual(a.api("GET", "/api/v2/users/search.json?query=senderId%3A7100000009").body.users, []);
  const s = a.api("GET", `/api/v2/search.json?query=${encodeURIComponent("type:user senderId:7100000001")}`);
  assert.deepEqual(s.body.results.map((u) => [u.id, u.result_type]), [[1001, "user"]]);
});

test("secure settings are substituted only in headers and only with secure: true", () => {
  const a = new Account();
  const opts = { url: "{{setting.relay_url}}/v1/people/7100000001", type: "GET", headers: { Authorization: "Bearer {{setting.relay_token}}" } };
  assert.equal(a.prepareRequest({ ...opts, secure: true }).headers.Authorization, "Bearer demo-install-token");
  assert.equal(a.prepareRequest({ ...opts, secure: true }).url, "http://127.0.0.1:8787/v1/people/7100000001");
  assert.equal(a.prepareRequest(opts).headers.Authorization, "Bearer {{setting.relay_token}}", "not secure: left as written");
  assert.throws(() => a.prepareRequest({ url: "http://x/?t={{setting.relay_token}}", secure: true }), /only be used in headers/);
  const post = a.prepareRequest({ url: "http://x/v1/links", type: "POST", contentType: "application/json", data: '{"a":1}', secure: true });
  assert.deepEqual([post.method, post.body, post.headers["Content-Type"]], ["POST", '{"a":1}', "application/json"]);
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
  const a = new Account();
  const r = a.get(user(1003), ["user.identities", "user.phone"]);
  assert.deepEqual(r["user.identities"].map((i) => [i.type, i.value]), [["email", "john.perk@example.co.uk"], ["phone_number", "07700 900123"]]);
  assert.ok(r.errors["user.phone"], "ZAF's user object has no phone property");
  const t = a.get(ticket(102), ["ticket.requester.identities"]);
  assert.equal(t["ticket.requester.identities"][1].value, "07700 900123");
});
