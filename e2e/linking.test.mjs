// Linking end to end (suggestions, manual entry, undo): the real relay demo (fresh database), the local CRM page speaking ZAF to
// the real SDK, and the built plugin, in headless Chromium. Each test resets the Zendesk double
// and opens its own tab, so each starts from the CRM's seeded contacts.
// data-testid names are the plugin's contract (src/components/README.md).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";

import { appMessages, checkId, hostFieldIs, launchBrowser, openCrm, screenshot, startStack, text } from "./stack.mjs";

let stack, context;

before(async () => {
  stack = await startStack();
  context = await launchBrowser(stack.tmp);
});

after(async () => {
  await context?.close();
  await stack?.stop();
});

async function open(path) {
  await stack.resetCrm();
  return openCrm(context, stack.crmUrl, path);
}

test("an unlinked contact gets a suggestion that links it and updates the host field", async () => {
  const { page, app } = await open("?user=1003");
  assert.equal(await page.getByTestId("host-field").inputValue(), "");
  const suggestion = app.locator('[data-testid=suggestion][data-sender-id="7100000003"]');
  await suggestion.waitFor({ timeout: 15_000 });
  assert.match(await text(suggestion.getByTestId("suggestion-name")), /Jon Perk/);
  const reasons = await text(suggestion.getByTestId("suggestion-reasons"));
  assert.match(reasons, /phone/i, "the phone (+44 7700 900123) is a reason");
  await screenshot(page, "2-suggestion");
  // One click: resolve, conflict check and save through the host.
  await suggestion.getByTestId("suggestion-link").click();
  await hostFieldIs(page, "7100000003");
  assert.equal(await text(app.getByTestId("sender-id-value")), "7100000003");
  await screenshot(page, "3-linked-from-suggestion");
  await page.close();
});

test("a name-only match is only offered for review, never linked on the name alone", async () => {
  const { page, app } = await open("?user=1004");
  const suggestion = app.locator('[data-testid=suggestion][data-sender-id="7100000002"]');
  await suggestion.waitFor({ timeout: 15_000 });
  assert.equal(await suggestion.getAttribute("data-tier"), "review");
  await screenshot(page, "5-name-only-suggestion");
  // Link opens the check, beside what the contact holds; nothing is written until Save.
  await suggestion.getByTestId("suggestion-link").click();
  await app.getByTestId("resolve-preview").waitFor({ timeout: 15_000 });
  assert.match(await text(app.getByTestId("preview-contact")), /Andrei Ivanov/);
  assert.match(await text(app.getByTestId("preview-agrees")), /name close/);
  assert.equal(await page.getByTestId("host-field").inputValue(), "");
  await app.getByTestId("save").click();
  await hostFieldIs(page, "7100000002");
  await page.waitForFunction(() => (window.zafLog ?? []).some((m) => m.dir === "in" && /link-events/.test(m.msg?.message?.url ?? "")));
  const posts = (await appMessages(page)).filter((m) => /link-events/.test(m.message?.url ?? ""));
  assert.match(posts.at(-1)?.message?.data ?? "", /"reason":"suggestion"/, "journaled as a reviewed suggestion");
  await page.close();
});


test("ticket sidebar: linking the requester from a suggestion writes through the Users API, and undo restores it", async () => {
  const { page, app } = await open("?ticket=102");
  await app.locator('[data-testid=suggestion][data-sender-id="7100000003"]').getByTestId("suggestion-link").click();
  await hostFieldIs(page, "7100000003");
  await screenshot(page, "14-ticket-linked");
  await app.getByTestId("undo").click();
  await hostFieldIs(page, "");
  await screenshot(page, "15-ticket-undo");
  await page.close();
});

test("ticket sidebar: undo restores the previous value after a manual relink", async () => {
  const { page, app } = await open("?ticket=101");
  assert.equal(await text(app.getByTestId("sender-id-value")), "7100000001");
  await checkId(app, "7100000003");
  await app.getByTestId("resolve-preview").waitFor({ timeout: 15_000 });
  await screenshot(page, "16-resolve-preview");
  await app.getByTestId("save").click();
  await hostFieldIs(page, "7100000003");
  await app.getByTestId("undo").click();
  await hostFieldIs(page, "7100000001");
  assert.equal(await text(app.getByTestId("sender-id-value")), "7100000001");
  await screenshot(page, "17-undo-restored");
  await page.close();
});

test("undo after linking from a suggestion leaves the contact unlinked again", async () => {
  const { page, app } = await open("?user=1003");
  await app.locator('[data-testid=suggestion][data-sender-id="7100000003"]').getByTestId("suggestion-link").click();
  await hostFieldIs(page, "7100000003");
  await app.getByTestId("undo").click();
  await hostFieldIs(page, "");
  await screenshot(page, "4-undo-after-suggestion");
  await page.close();
});

test("undo restores the previous value after a manual relink", async () => {
  const { page, app } = await open("?user=1002");
  assert.equal(await text(app.getByTestId("sender-id-value")), "7100000005");
  await checkId(app, "7100000003");
  await app.getByTestId("resolve-preview").waitFor({ timeout: 15_000 });
  await screenshot(page, "6-resolve-preview");
  await app.getByTestId("save").click();
  await hostFieldIs(page, "7100000003");
  await app.getByTestId("undo").click();
  await hostFieldIs(page, "7100000005");
  assert.equal(await text(app.getByTestId("sender-id-value")), "7100000005");
  await screenshot(page, "7-undo-restored");
  await page.close();
});

