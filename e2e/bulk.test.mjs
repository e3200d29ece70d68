// Bulk linking end to end: the nav bar page (its own wasm bundle) against the real demo stack,
// whose Zendesk double holds the generated crowd of ~2,000 customers and whose relay holds their
// Telegram side. What the page shows is checked against what the double then holds.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";

import { appMessages, launchBrowser, openCrm, screenshot, startStack, text } from "./stack.mjs";

let stack, context;

before(async () => {
  stack = await startStack();
  context = await launchBrowser(stack.tmp);
});

after(async () => {
  await context?.close();
  await stack?.stop();
});

const ADMIN = `Basic ${Buffer.from("alex@example.com/token:demo-zendesk-token").toString("base64")}`;

/** Every end user's senderId in the double, by user ID (read as the admin, not rate-limited). */
async function senderIds() {
  const out = new Map();
  let path = "/api/v2/users.json?page[size]=100&role=end-user";
  for (;;) {
    const res = await fetch(`${stack.zendeskUrl}${path}`, { headers: { authorization: ADMIN, "x-double-internal": "test" } });
    const page = await res.json();
    for (const u of page.users) out.set(String(u.id), u.user_fields.senderId ?? null);
    if (!page.meta.has_more) return out;
    path = new URL(page.links.next).pathname + new URL(page.links.next).search;
  }
}

async function fieldWrites() {
  return (await fetch(`${stack.zendeskUrl}/__double/field-writes`)).json();
}

/** The values that changed between two senderIds() maps. */
function changes(before, afterMap) {
  const out = new Map();
  for (const [id, v] of afterMap) if (before.get(id) !== v) out.set(id, v);
  return out;
}

async function openBulk() {
  await stack.resetCrm();
  const { page, app } = await openCrm(context, stack.crmUrl, "?nav=telegram");
  await app.getByTestId("bulk-page").waitFor({ timeout: 20_000 });
  return { page, app };
}

async function matchAll(app) {
  await app.getByTestId("match").click();
  await app.getByTestId("review").waitFor({ timeout: 120_000 });
}

/** The numbers of the dry-run line: [link, skip, conflicts]. */
async function dryRun(app) {
  const line = await text(app.getByTestId("dry-run-counts"));
  return line.match(/\d[\d,]*/g).map((n) => Number(n.replace(/,/g, "")));
}

async function finished(app, runIndex = 0) {
  await app.getByTestId("run").nth(runIndex).getByText(/Finished/).waitFor({ timeout: 180_000 });
}

// First, while the relay holds no run yet: runs stored before heads had their own prefix.
test("runs stored in the earlier layout are moved once, listed, and can still be undone", async () => {
  const relay = (path, init = {}) =>
    fetch(`${stack.relayUrl}${path}`, { ...init, headers: { authorization: "Bearer demo-install-token", "content-type": "application/json", ...init.headers } });
  const ids = await senderIds();
  const contact = [...ids].find(([, v]) => v === null)[0];
  const id = "bulk-1764670000-0000abcd";
  const head = { id, kind: { kind: "Link" }, started_at: 1764670000, agent: "agent 7 Ann Agent", batches: 1, paused: false, stopped: null };
  const batch = {
    items: [{ contact_id: contact, name: "Legacy Contact", expect: null, write: "7100000777", reason: "phone equal" }],
    states: [{ state: "Written" }],
    state: { state: "Done" },
  };
  for (const [key, body] of [[`bulk-run/${id}/head`, head], [`bulk-run/${id}/batch/00000`, batch]]) {
    const res = await relay(`/v1/documents/${key}`, { method: "PUT", body: JSON.stringify(body) });
    assert.ok(res.ok, `${key}: ${res.status}`);
  }
  const { page, app } = await openBulk();
  // What that run wrote, as the CRM holds it now (openBulk reset the CRM).
  await fetch(`${stack.zendeskUrl}/api/v2/users/${contact}.json`, {
    method: "PUT", headers: { authorization: ADMIN, "content-type": "application/json", "x-double-internal": "test" },
    body: JSON.stringify({ user: { user_fields: { senderId: "7100000777" } } }),
  });
  const run = app.locator(`[data-testid=run][data-run="${id}"]`);
  assert.match(await text(run.getByTestId("run-line")), /1 written/);
  const moved = await (await relay("/v1/documents?prefix=bulk-head/")).json();
  assert.deepEqual(moved.documents.map((d) => d.key), [`bulk-head/${id}`]);
  assert.equal(JSON.parse(moved.documents[0].body).summary.written_batches[0], 0);
  const layout = await (await relay("/v1/documents?prefix=bulk-meta/")).json();
  assert.equal(layout.documents.length, 1, "the move is marked, so later loads read heads only");
  await run.getByTestId("undo-batch-0").click();
  // The undo is a run of its own, listed first; the legacy run also says "Finished", so wait
  // for the new one (a loaded machine lists it later than the click).
  await app.locator(`[data-testid=run]:not([data-run="${id}"])`).first().getByText(/Finished/).waitFor({ timeout: 60_000 });
  assert.equal((await senderIds()).get(contact), null, "the legacy run's write was undone");
  await page.close();
});

test("match, review, dry run and apply on the generated crowd: the counts shown are what the CRM then holds", async () => {
  const { page, app } = await openBulk();
  const before = await senderIds();
  assert.ok(before.size > 1_900, `the crowd is seeded (${before.size})`);
  await matchAll(app);
  await screenshot(page, "bulk-1-review");
  const tabs = {};
  for (const name of ["confident", "review", "conflict", "linked", "unmatched"]) {
    const label = await text(app.getByTestId(`tab-${name}`));
    tabs[name] = Number(label.split("·").pop().trim().replace(/,/g, ""));
  }
  assert.equal(Object.values(tabs).reduce((a, b) => a + b, 0), before.size, "every contact is in one category");
  assert.ok(tabs.confident > 300 && tabs.review > 20 && tabs.linked > 20 && tabs.unmatched > 100, JSON.stringify(tabs));
  const [link, skip, conflicts] = await dryRun(app);
  assert.deepEqual([link, skip, conflicts], [tabs.confident, tabs.review, tabs.conflict], "by default only confident matches are linked");
  assert.deepEqual(await senderIds(), before, "a dry run writes nothing");

  // Accept one "to decide" row: it joins the plan.
  await app.getByTestId("tab-review").click();
  await app.getByTestId("bulk-row").first().getByTestId("accept").check();
  assert.equal((await dryRun(app))[0], link + 1);

  await app.getByTestId("apply").click();
  await finished(app);
  await screenshot(page, "bulk-2-applied");
  const afterApply = await senderIds();
  const written = changes(before, afterApply);
  assert.equal(written.size, link + 1, "exactly the planned contacts were linked");
  for (const [id, v] of written) assert.ok(before.get(id) === null && /^\d+$/.test(v), `contact ${id}: an empty field got ${v}`);
  const writes = await fieldWrites();
  assert.ok(Object.values(writes).every((n) => n === 1), "no contact was written twice");
  const line = await text(app.getByTestId("run-line").first());
  assert.match(line, new RegExp(`${link + 1} written`), line);

  // The journal holds one link event per write, under the run's batch ID.
  const runId = await app.getByTestId("run").first().getAttribute("data-run");
  const journal = async (batch) =>
    (await (await fetch(`${stack.relayUrl}/v1/link-events?batch_id=${batch}`, { headers: { authorization: "Bearer demo-install-token" } })).json()).events;
  const ours = await journal(runId);
  assert.equal(ours.length, link + 1, `journal of ${runId}`);
  assert.deepEqual(new Set(ours.map((e) => e.contact_id)), new Set(written.keys()), "one event per contact written");
  assert.ok(ours.every((e) => e.action === "link" && e.old_value === undefined && e.new_value === written.get(e.contact_id) && /^agent 7 /.test(e.actor)));

  // Undo one batch: exactly those 100 contacts get their empty field back.
  await app.getByTestId("undo-batch-0").click();
  await finished(app, 0);
  const afterUndo = await senderIds();
  const restored = changes(afterApply, afterUndo);
  assert.equal(restored.size, 100);
  for (const [id, v] of restored) assert.equal(v, null, `contact ${id} restored`);
  const undoId = await app.getByTestId("run").first().getAttribute("data-run");
  const undone = await journal(undoId);
  assert.equal(undone.length, 100);
  assert.ok(undone.every((e) => e.action === "undo" && e.undoes === runId && e.new_value === undefined), "the undo is journaled");
  const linkRun = app.locator(`[data-testid=run][data-run="${runId}"]`);
  assert.equal(await linkRun.getByTestId("undo-batch-0").count(), 0, "an undone batch is not offered again");
  assert.equal(await linkRun.getByTestId("undo-batch-1").count(), 1);
  await screenshot(page, "bulk-3-undo-batch");
  await page.close();
});

test("loading shows progress against Zendesk's count and Cancel stops it; the list renders only rows in view; a row can take another candidate", async () => {
  const { page, app } = await openBulk();
  const before = await senderIds();
  await stack.faults({ slow_ms: 250 }); // 20 pages of 100: about 5 s of loading
  await app.getByTestId("match").click();
  const line = app.getByTestId("bulk-busy-line");
  await line.getByText(/Loading contacts from Zendesk: [1-9][\d,]* of about 2,\d{3}/).waitFor({ timeout: 20_000 });
  assert.ok(Number(await app.getByTestId("bulk-progress").getAttribute("value")) > 0);
  await screenshot(page, "bulk-7-loading");
  const usersRequests = async () =>
    (await appMessages(page)).filter((m) => /^request:\d+$/.test(m.key ?? "") && String(m.message?.url ?? "").startsWith("/api/v2/users.json")).length;
  await app.getByTestId("cancel").click();
  await app.getByTestId("bulk-notice").getByText(/Matching cancelled/).waitFor();
  const atCancel = await usersRequests();
  // The page in flight when Cancel came (250 ms) answers; nothing is asked after it.
  await new Promise((r) => setTimeout(r, 1_500));
  assert.ok((await usersRequests()) <= atCancel + 1, "loading stopped at Cancel");
  assert.equal(await app.getByTestId("bulk-busy").count(), 0, "nothing revived the busy line");
  assert.equal(await app.getByTestId("review").count(), 0, "no review after Cancel");
  assert.equal(await app.getByTestId("match").isEnabled(), true);
  await stack.faults({});

  await matchAll(app);
  await app.getByTestId("tab-review").click();
  const listed = Number((await text(app.getByTestId("row-count"))).match(/[\d,]+/)[0].replace(/,/g, ""));
  assert.ok(listed > 200, `rows to decide: ${listed}`);
  const rendered = await app.getByTestId("bulk-row").count();
  assert.ok(rendered > 0 && rendered <= 15, `only the rows in view exist in the page (${rendered} of ${listed})`);
  const list = app.getByTestId("bulk-list");
  const firstId = await app.getByTestId("bulk-row").first().getAttribute("data-contact");
  await list.evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await app.locator(`[data-testid=bulk-row][data-contact="${firstId}"]`).waitFor({ state: "detached" });
  assert.ok((await app.getByTestId("bulk-row").count()) <= 15);

  // Find a row offering other candidates, and pick the first of them.
  await list.evaluate((el) => { el.scrollTop = 0; });
  let row = null;
  for (let top = 0; top < listed * 112 && !row; top += 112 * 6) {
    await list.evaluate((el, y) => { el.scrollTop = y; }, top);
    await page.waitForTimeout(30);
    const picks = app.getByTestId("bulk-row").filter({ has: app.getByTestId("pick") });
    if ((await picks.count()) > 0) row = app.locator(`[data-testid=bulk-row][data-contact="${await picks.first().getAttribute("data-contact")}"]`);
  }
  assert.ok(row, "some row to decide offers another candidate");
  const [link] = await dryRun(app);
  const proposed = await text(row.locator(".small").first());
  const option = await row.getByTestId("pick").locator("option").nth(1).textContent();
  await row.getByTestId("pick").selectOption({ index: 1 });
  const now = await text(row.locator(".small").first());
  assert.notEqual(now, proposed);
  assert.ok(now.includes(option.split(" · ")[1]), `the row now proposes the picked person: ${now} / ${option}`);
  assert.equal(await row.getByTestId("accept").isChecked(), true, "picking accepts the row");
  assert.equal(await row.getByTestId("pick").inputValue(), "", "the menu offers the others again, the old proposal among them");
  assert.equal((await dryRun(app))[0], link + 1);
  await screenshot(page, "bulk-8-pick");
  assert.deepEqual(await senderIds(), before, "nothing was written");

  // A second match on the same page downloads only what changed in the directory since.
  const directoryAnswers = async () => {
    const log = await page.evaluate(() => window.zafLog);
    const keys = log.filter((m) => m.dir === "in" && /^request:\d+$/.test(m.msg.key ?? "") && String(m.msg.message?.url ?? "").includes("/v1/directory")).map((m) => m.msg.key);
    return keys.map((k) => {
      const reply = log.find((m) => m.dir === "out" && m.msg.key === `zaf.${k}.done`);
      const args = reply.msg.message.responseArgs[0];
      return (args.responseJSON ?? JSON.parse(args.responseText ?? args)).people.length;
    });
  };
  const firstLoad = await directoryAnswers();
  assert.ok(firstLoad.reduce((a, b) => a + b, 0) > 1_500, `the first match read the whole directory (${firstLoad})`);
  await matchAll(app);
  const again = (await directoryAnswers()).slice(firstLoad.length);
  assert.deepEqual(again, [0], "the second asks for changes since and gets none");
  assert.equal(Number((await text(app.getByTestId("tab-review"))).split("·").pop().trim().replace(/,/g, "")), listed, "the same review from the kept directory");
  await page.close();
});

test("a field changed between the review and Apply is not overwritten; a 429 storm still ends correct", async () => {
  const { page, app } = await openBulk();
  const before = await senderIds();
  await matchAll(app);
  const [link] = await dryRun(app);
  // Someone links one planned contact meanwhile.
  const first = await app.getByTestId("bulk-row").first().getAttribute("data-contact");
  const res = await fetch(`${stack.zendeskUrl}/api/v2/users/${first}.json`, {
    method: "PUT", headers: { authorization: ADMIN, "content-type": "application/json", "x-double-internal": "test" },
    body: JSON.stringify({ user: { user_fields: { senderId: "7999999999" } } }),
  });
  assert.equal(res.status, 200);
  await stack.faults({ storm_429: 4, storm_retry_after: 1 });
  await app.getByTestId("apply").click();
  await app.getByTestId("bulk-waiting").waitFor({ timeout: 20_000 });
  assert.match(await text(app.getByTestId("bulk-waiting")), /wait 1 s/);
  await finished(app);
  const afterApply = await senderIds();
  assert.equal(afterApply.get(first), "7999999999", "the other agent's link stays");
  assert.equal(changes(before, afterApply).size, link, "the rest were written (the changed one by the other agent)");
  assert.match(await text(app.getByTestId("run-line").first()), / 1 changed/);
  await page.close();
});

test("Pause during a rate-limit wait stops at once, and Resume finishes the run", async () => {
  const { page, app } = await openBulk();
  const before = await senderIds();
  await matchAll(app);
  const [link] = await dryRun(app);
  await stack.faults({ storm_429: 1, storm_retry_after: 60 });
  await app.getByTestId("apply").click();
  await app.getByTestId("bulk-waiting").getByText(/wait 60 s/).waitFor({ timeout: 20_000 });
  const paused = Date.now();
  await app.getByTestId("pause").click();
  await app.getByTestId("resume-offer").waitFor({ timeout: 10_000 });
  assert.ok(Date.now() - paused < 10_000, "the 60 s wait was cut short");
  assert.equal(await app.getByTestId("bulk-waiting").count(), 0);
  await app.getByTestId("resume").click();
  await finished(app);
  assert.equal(changes(before, await senderIds()).size, link);
  await page.close();
});

test("closing the page mid-run and resuming writes no contact twice", async () => {
  const { page, app } = await openBulk();
  const before = await senderIds();
  await matchAll(app);
  const [link] = await dryRun(app);
  await stack.faults({ job_item_ms: 15 }); // about 1.5 s per batch
  await app.getByTestId("apply").click();
  await app.getByTestId("run-progress").getByText(/^(1\d\d|[2-9]\d\d) of/).waitFor({ timeout: 60_000 });
  await page.reload();
  const frame = page.frameLocator("[data-testid=plugin-frame]");
  const offer = frame.getByTestId("resume-offer");
  await offer.waitFor({ timeout: 20_000 });
  assert.match(await text(offer), new RegExp(`Resume the run of .* \\(\\d+ of ${link} done\\)`));
  await screenshot(page, "bulk-4-resume-offer");
  await frame.getByTestId("resume").click();
  await finished(frame);
  assert.equal(changes(before, await senderIds()).size, link, "every planned contact is linked");
  const writes = await fieldWrites();
  const twice = Object.entries(writes).filter(([, n]) => n > 1);
  assert.deepEqual(twice, [], "no contact was written twice");
  assert.equal(Object.keys(writes).length, link);
  await page.close();
});

test("an uploaded CSV export is matched like the CRM, with skipped rows listed; a file that is not one is named", async () => {
  const { page, app } = await openBulk();
  // A Zendesk-style user export of the first 300 customers, plus two broken rows.
  const ids = await senderIds();
  const users = [];
  for (const id of [...ids.keys()].slice(0, 300)) {
    const res = await fetch(`${stack.zendeskUrl}/api/v2/users/${id}.json`, { headers: { authorization: ADMIN, "x-double-internal": "test" } });
    users.push((await res.json()).user);
  }
  const cell = (v) => (v == null ? "" : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  const lines = ["id,name,email,phone,user_fields.senderId"];
  for (const u of users) lines.push([u.id, u.name, u.email, u.phone, u.user_fields.senderId].map(cell).join(","));
  lines.push(",No Id,,,"); // no id and no email: nothing identifies the contact
  lines.push("99999,Bad Sender,bad@example.com,,abc");
  await app.getByTestId("upload-csv").setInputFiles({ name: "users.csv", mimeType: "text/csv", buffer: Buffer.from(lines.join("\r\n")) });
  await app.getByTestId("review").waitFor({ timeout: 60_000 });
  const skipped = await text(app.getByTestId("skipped-rows"));
  assert.match(skipped, /skipped: 2/);
  assert.match(skipped, /line 302/);
  assert.match(skipped, /line 303/);
  let total = 0;
  for (const name of ["confident", "review", "conflict", "linked", "unmatched"]) {
    total += Number((await text(app.getByTestId(`tab-${name}`))).split("·").pop().trim().replace(/,/g, ""));
  }
  assert.equal(total, 300, "every good row is one contact in the review");
  await screenshot(page, "bulk-6-csv-upload");

  // Zendesk's own user export has no id column: the email identifies each row, and the page
  // finds the users by it; an email no user has is listed, not guessed.
  const withEmail = users.filter((u) => u.email).slice(0, 80);
  const exportLines = ["name,email,external_id,phone,custom_fields.senderId"];
  for (const u of withEmail) exportLines.push([u.name, u.email.toUpperCase(), "", u.phone, u.user_fields.senderId].map(cell).join(","));
  exportLines.push("Nobody Known,nobody.known@example.invalid,,,");
  await app.getByTestId("upload-csv").setInputFiles({ name: "export.csv", mimeType: "text/csv", buffer: Buffer.from(exportLines.join("\n")) });
  await app.getByTestId("skipped-rows").getByText(/skipped: 1/).waitFor({ timeout: 60_000 });
  await app.getByTestId("review").waitFor();
  assert.match(await text(app.getByTestId("skipped-rows")), /NOBODY.KNOWN@EXAMPLE.INVALID|nobody\.known@example\.invalid/i);
  let byEmail = 0;
  for (const name of ["confident", "review", "conflict", "linked", "unmatched"]) {
    byEmail += Number((await text(app.getByTestId(`tab-${name}`))).split("·").pop().trim().replace(/,/g, ""));
  }
  assert.equal(byEmail, withEmail.length, "every row with a known email is its Zendesk user in the review");
  const rowIds = await app.getByTestId("bulk-row").evaluateAll((els) => els.map((e) => e.dataset.contact));
  assert.ok(rowIds.length > 0 && rowIds.every((id) => /^\d+$/.test(id) && ids.has(id)), `rows carry Zendesk user IDs: ${rowIds}`);

  await app.getByTestId("upload-csv").setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello\nworld\n") });
  const error = await text(app.getByTestId("bulk-error"));
  assert.match(error, /not a contacts CSV/);
  assert.match(error, /found: hello/);
  await page.close();
});

test("an agent whose role may not edit users gets a message naming the role needed", async () => {
  await stack.resetCrm();
  const page = await context.newPage();
  await page.goto(`${stack.crmUrl}/?view=settings`);
  await page.getByTestId("settings-agent").selectOption("lee@example.com");
  await page.getByTestId("settings-save").click();
  await page.goto(`${stack.crmUrl}/?nav=telegram`);
  const app = page.frameLocator("[data-testid=plugin-frame]");
  await matchAll(app);
  await app.getByTestId("apply").click();
  const stop = app.getByTestId("run").first().getByRole("alert");
  assert.match(await text(stop), /role may edit end-user profiles/);
  await screenshot(page, "bulk-5-forbidden");
  await page.close();
});

test("the bulk page speaks the agent's language from the host (es, ru)", async () => {
  const page = await context.newPage();
  const cases = [
    ["es-ES", "Vinculación masiva", /Seguros · \d+/, /Prueba: Aplicar vincularía \d+ contactos/],
    ["ru-RU", "Массовое связывание", /Уверенные · \d+/, /Пробный запуск: будет связано \d+ контактов/],
  ];
  for (const [locale, title, tab, dry] of cases) {
    await stack.resetCrm();
    await page.goto(`${stack.crmUrl}/?view=settings`);
    await page.locator("#s-locale").fill(locale);
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.goto(`${stack.crmUrl}/?nav=telegram`);
    const app = page.frameLocator("[data-testid=plugin-frame]");
    await app.getByText(title).waitFor({ timeout: 20_000 });
    await matchAll(app);
    assert.match(await text(app.getByTestId("tab-confident")), tab);
    assert.match(await text(app.getByTestId("dry-run-counts")), dry);
    await app.getByTestId("tab-review").click();
    await screenshot(page, `bulk-9-review-${locale.slice(0, 2)}`);
  }
  await page.goto(`${stack.crmUrl}/?view=settings`);
  await page.locator("#s-locale").fill("en-US");
  await page.getByRole("button", { name: "Save settings" }).click();
  await page.close();
});
