// Replying from the sidebar end to end: a simulated Telegram customer writes to the demo bot, the
// agent answers in the sidebar's composer, the relay sends through the Telegram double (the one
// stand-in for Telegram's servers) and the reply appears in the conversation as sent. A person
// who blocked the bot gets a reason in the agent's language, with Retry.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";

import { SCREENSHOTS, hostFieldIs, launchBrowser, openCrm, simulateNewCustomer, startStack, text } from "./stack.mjs";

let stack, context;

before(async () => {
  stack = await startStack();
  context = await launchBrowser(stack.tmp);
});

after(async () => {
  await context?.close();
  await stack?.stop();
});

async function telegramFaults(faults) {
  const res = await fetch(`${stack.telegramUrl}/__double/faults`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(faults) });
  assert.equal(res.status, 204);
}

/** A new simulated customer, opened in the CRM; answers the page, the app frame and the ID. */
async function newCustomer() {
  await stack.resetCrm();
  const { page } = await openCrm(context, stack.crmUrl, "?view=users");
  const senderId = await simulateNewCustomer(page);
  await page.locator(".list a.new").first().click();
  await hostFieldIs(page, senderId);
  const app = page.frameLocator("[data-testid=plugin-frame]");
  await app.getByTestId("message").first().waitFor({ timeout: 15_000 });
  return { page, app, senderId };
}

test("an agent replies from the sidebar: sent once, in the customer's chat, shown as sent", async () => {
  const { page, app, senderId } = await newCustomer();
  const before = (await stack.telegramCalls()).filter((c) => c.method === "sendMessage").length;
  const input = app.getByTestId("reply-input");
  await input.fill("Hola, ¿en qué te puedo ayudar?");
  await input.press("Enter");
  const sent = app.locator('[data-testid=message][data-direction=out]', { hasText: "¿en qué te puedo ayudar?" });
  await sent.waitFor({ timeout: 15_000 });
  assert.equal(await text(sent.getByTestId("sent-by")), "Ann Agent", "the agent's name, not the journal's form");
  assert.equal(await app.getByTestId("pending-message").count(), 0, "the pending copy was replaced");
  assert.equal(await input.inputValue(), "", "the box is empty for the next reply");
  const calls = (await stack.telegramCalls()).filter((c) => c.method === "sendMessage" && c.ok);
  assert.equal(calls.length - before, 1, "exactly one sendMessage");
  const call = calls.at(-1);
  assert.equal(String(call.params.chat_id), senderId);
  assert.equal(call.params.text, "Hola, ¿en qué te puedo ayudar?");
  assert.equal(call.params.business_connection_id, undefined, "a bot chat, not a business one");
  // Shift+Enter adds a line instead of sending.
  await input.fill("Línea uno");
  await input.press("Shift+Enter");
  await input.pressSequentially("línea dos");
  assert.equal(await input.inputValue(), "Línea uno\nlínea dos");
  assert.equal((await stack.telegramCalls()).filter((c) => c.method === "sendMessage").length - before, 1);

  // The sidebar at its real width, in each language, with a sent reply.
  const frame = page.locator("[data-testid=plugin-frame]");
  const userUrl = page.url();
  for (const locale of ["en-US", "es-ES", "ru-RU"]) {
    await page.goto(`${stack.crmUrl}/?view=settings`);
    await page.locator("#s-locale").fill(locale);
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.goto(userUrl);
    await app.locator('[data-testid=message][data-direction=out]').first().waitFor({ timeout: 15_000 });
    await frame.evaluate((f) => { f.style.width = "320px"; });
    await frame.screenshot({ path: join(SCREENSHOTS, `33-reply-sent-${locale.slice(0, 2)}.png`) });
  }
  await page.close();
});

test("a person who blocked the bot: the reply is not sent, the reason is named, Retry sends it once unblocked", async () => {
  const { page, app, senderId } = await newCustomer();
  await telegramFaults({ blocked: [Number(senderId)] });
  const input = app.getByTestId("reply-input");
  await input.fill("¿Sigues ahí?");
  await app.getByTestId("reply-send").click();
  const failed = app.locator("[data-testid=pending-message][data-state=failed]");
  await failed.waitFor({ timeout: 15_000 });
  assert.match(await text(failed), /write to the bot first/);
  assert.equal(await app.getByTestId("reply-input").isDisabled(), true, "the composer says why it is closed");
  assert.match(await text(app.getByTestId("reply-closed")), /write to the bot first/);
  const frame = page.locator("[data-testid=plugin-frame]");
  await frame.evaluate((f) => { f.style.width = "320px"; });
  await frame.screenshot({ path: join(SCREENSHOTS, "34-reply-blocked-en.png") });

  await telegramFaults({});
  await app.getByTestId("pending-retry").click();
  await app.locator('[data-testid=message][data-direction=out]', { hasText: "¿Sigues ahí?" }).waitFor({ timeout: 15_000 });
  const calls = (await stack.telegramCalls()).filter((c) => c.method === "sendMessage" && String(c.params.chat_id) === senderId);
  assert.deepEqual(calls.map((c) => c.ok), [false, true], "refused once, then sent once");
  await page.close();
});

test("a reply in the demo's business chat goes through the business connection", async () => {
  await stack.resetCrm();
  const { page, app } = await openCrm(context, stack.crmUrl, "?user=1001"); // Lucía: a business chat
  await app.getByTestId("message").first().waitFor({ timeout: 15_000 });
  const input = app.getByTestId("reply-input");
  await input.fill("Te enviamos la factura ahora mismo.");
  await input.press("Enter");
  await app.locator('[data-testid=message][data-direction=out]', { hasText: "factura ahora mismo" }).waitFor({ timeout: 15_000 });
  const call = (await stack.telegramCalls()).filter((c) => c.method === "sendMessage" && c.ok).at(-1);
  assert.equal(String(call.params.chat_id), "7100000001");
  assert.equal(call.params.business_connection_id, "demo-business-connection");
  await page.close();
});
