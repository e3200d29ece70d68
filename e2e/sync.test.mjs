// Relay → CRM sync end to end: the CRM page's "Simulate a new Telegram customer" posts a real Bot
// API update to the relay's demo webhook (www/serve.mjs plays Telegram), the relay's sync saves
// the person in the Zendesk double, the CRM lists them, and the sidebar shows the conversation.
// An agent's rename in the CRM survives the customer's next message.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";

import { SCREENSHOTS, hostFieldIs, launchBrowser, openCrm, screenshot, simulateNewCustomer, startStack, text } from "./stack.mjs";
import { join } from "node:path";

let stack, context;

before(async () => {
  stack = await startStack();
  context = await launchBrowser(stack.tmp);
});

after(async () => {
  await context?.close();
  await stack?.stop();
});

/** Waits until the relay's sync has nothing left to do (its /healthz backlog). */
async function syncSettled() {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const health = await (await fetch(`${stack.relayUrl}/healthz`)).json();
    assert.ok(health.sync, `the demo relay reports sync in /healthz: ${JSON.stringify(health)}`);
    if (health.sync.backlog === 0) return health.sync;
    assert.ok(Date.now() < deadline, `the sync backlog did not drain: ${JSON.stringify(health)}`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

test("a new Telegram customer appears in the CRM by themselves, and the agent's rename stands", async () => {
  await stack.resetCrm();
  const { page } = await openCrm(context, stack.crmUrl, "?view=users");
  const senderId = await simulateNewCustomer(page);
  const item = page.locator(".list a.new").first();
  assert.match(await text(item), new RegExp(`senderId ${senderId}`));
  await screenshot(page, "30-sync-new-customer");

  // Opening the contact: the senderId is filled and the sidebar shows the conversation.
  await item.click();
  await hostFieldIs(page, senderId);
  const app = page.frameLocator("[data-testid=plugin-frame]");
  assert.equal(await text(app.getByTestId("sender-id-value")), senderId);
  assert.match(await text(app.getByTestId("auto-linked")), /automatically/);
  await app.getByTestId("message").first().waitFor({ timeout: 15_000 });
  assert.equal(await app.getByTestId("message").count(), 1);

  // The agent renames the contact; the customer writes again; the name stays the agent's.
  const original = await text(page.getByTestId("record-name"));
  await page.getByTestId("host-name").fill(`${original} (VIP)`);
  await page.getByTestId("host-name-save").click();
  await page.waitForFunction((n) => document.querySelector("[data-testid=record-name]")?.textContent === n, `${original} (VIP)`);
  await page.getByTestId("sim-again").click();
  await page.waitForFunction(() => /wrote again/.test(document.querySelector("[data-testid=sim-status]")?.textContent ?? ""), null, { timeout: 30_000 });
  await syncSettled();
  await app.getByTestId("message").nth(1).waitFor({ timeout: 15_000 });
  await page.reload();
  assert.equal(await text(page.getByTestId("record-name")), `${original} (VIP)`);
  await hostFieldIs(page, senderId);
  await app.getByTestId("message").nth(1).waitFor({ timeout: 15_000 });

  // Exactly one contact holds the new senderId.
  const auth = `Basic ${Buffer.from("ann@example.com/token:demo-zendesk-token").toString("base64")}`;
  const found = await (await fetch(`${stack.zendeskUrl}/api/v2/users/search.json?query=${encodeURIComponent(`senderId:${senderId}`)}`, { headers: { authorization: auth } })).json();
  assert.equal(found.users.length, 1, JSON.stringify(found));
  await screenshot(page, "31-sync-rename-stands");
  await page.close();
});

test("undoing an automatic link clears the field, keeps the contact, and the next message does not link it again", async () => {
  await stack.resetCrm();
  const { page } = await openCrm(context, stack.crmUrl, "?view=users");
  const senderId = await simulateNewCustomer(page);
  await page.locator(".list a.new").first().click();
  await hostFieldIs(page, senderId);
  const app = page.frameLocator("[data-testid=plugin-frame]");
  const frame = page.locator("[data-testid=plugin-frame]");
  await app.getByTestId("auto-linked").waitFor({ timeout: 15_000 });
  // The sidebar at its real width, in each language it speaks.
  const userUrl = page.url();
  for (const locale of ["en-US", "es-ES", "ru-RU"]) {
    await page.goto(`${stack.crmUrl}/?view=settings`);
    await page.locator("#s-locale").fill(locale);
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.goto(userUrl);
    await app.getByTestId("auto-linked").waitFor({ timeout: 15_000 });
    await app.getByTestId("message").first().waitFor({ timeout: 15_000 });
    await frame.evaluate((f) => { f.style.width = "320px"; });
    await frame.screenshot({ path: join(SCREENSHOTS, `32-sync-auto-linked-${locale.slice(0, 2)}.png`) });
  }

  await app.getByTestId("auto-undo").click();
  await hostFieldIs(page, "");
  assert.equal(await app.getByTestId("auto-linked").count(), 0);
  await page.getByTestId("sim-again").click();
  await page.waitForFunction(() => /wrote again/.test(document.querySelector("[data-testid=sim-status]")?.textContent ?? ""), null, { timeout: 30_000 });
  await syncSettled();
  await page.reload();
  await hostFieldIs(page, "");
  // The contact is still there, and nobody holds the ID: the agent's undo stands.
  const auth = `Basic ${Buffer.from("ann@example.com/token:demo-zendesk-token").toString("base64")}`;
  const kept = await (await fetch(`${stack.zendeskUrl}/api/v2/users/show_many.json?external_ids=telegram:${senderId}`, { headers: { authorization: auth } })).json();
  assert.equal(kept.users.length, 1);
  assert.equal(kept.users[0].user_fields.senderId, null);
  const holders = await (await fetch(`${stack.zendeskUrl}/api/v2/users/search.json?query=${encodeURIComponent(`senderId:${senderId}`)}`, { headers: { authorization: auth } })).json();
  assert.equal(holders.users.length, 0, JSON.stringify(holders));
  await page.close();
});
