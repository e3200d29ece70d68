// The sidebar end to end: the real relay demo (fresh database), the local CRM page speaking ZAF to
// the real SDK, and the built plugin, in headless Chromium. Each test resets the Zendesk double
// and opens its own tab, so each starts from the CRM's seeded contacts.
// data-testid names are the plugin's contract (src/components/README.md).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";

import { appMessages, background, checkId, launchBrowser, openCrm, screenshot, screenshotApp, startStack, text } from "./stack.mjs";

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

test("a linked contact shows its senderId, profile and conversation", async () => {
  const { page, app } = await open("?user=1001");
  assert.equal(await text(app.getByTestId("sender-id-value")), "7100000001");
  assert.match(await text(app.getByTestId("profile-name")), /Lucía/);
  await app.getByTestId("message").first().waitFor({ timeout: 15_000 });
  assert.ok((await app.getByTestId("message").count()) > 5, "conversation rows rendered");
  assert.ok((await app.getByTestId("day-separator").count()) > 0, "messages are grouped by day");
  await screenshot(page, "1-linked-contact");
  // The token stays in the CRM: nothing the app received contains it.
  const log = JSON.stringify(await page.evaluate(() => window.zafLog));
  assert.ok(!log.includes("demo-install-token"), "the relay token reached the app");
  await page.close();
});

test("an invalid manual ID shows an error and saves nothing", async () => {
  const { page, app } = await open("?user=1005");
  await checkId(app, "71000abc");
  assert.ok((await text(app.getByTestId("sender-id-error"))).length > 0, "an error message is shown");
  await screenshot(page, "5-invalid-manual-id");
  assert.equal(await page.getByTestId("host-field").inputValue(), "");
  const writes = (await appMessages(page)).filter(
    (m) => m.request === "set" || (typeof m.key === "string" && m.key.startsWith("request:") && /PUT|POST/i.test(m.message?.type ?? "")),
  );
  assert.deepEqual(writes, [], "nothing was written to the host or the relay");
  await page.close();
});

test("the editor finds a Telegram person by name, @username or t.me link, and links them", async () => {
  const { page, app } = await open("?user=1004"); // Andrei Ivanov, unlinked
  await app.getByTestId("edit").click();
  const input = app.getByTestId("sender-id-input");
  const results = app.getByTestId("search-result");
  // A transliterated name finds the person written in Cyrillic.
  await input.fill("andrei ivanov");
  await app.locator("[data-testid=search-result][data-sender-id='7100000002']").waitFor({ timeout: 15_000 });
  assert.match(await text(app.locator("[data-testid=search-result][data-sender-id='7100000002']")), /Андрей Иванов.*@andrey_iv/s);
  await screenshot(page, "35-search-by-name-en");
  // An @username or a t.me link puts that person first.
  await input.fill("@andrey_iv");
  await app.locator("[data-testid=search-status]", { hasText: "@andrey_iv" }).waitFor({ timeout: 15_000 });
  await results.first().waitFor({ timeout: 15_000 });
  assert.equal(await results.first().getAttribute("data-sender-id"), "7100000002");
  await input.fill("t.me/lucia_fg");
  await app.locator("[data-testid=search-status]", { hasText: "t.me/lucia_fg" }).waitFor({ timeout: 15_000 });
  await results.first().waitFor({ timeout: 15_000 });
  assert.equal(await results.first().getAttribute("data-sender-id"), "7100000001");
  // Nobody: said in words, not an empty list.
  await input.fill("zzqx nobody");
  assert.match(await text(app.getByTestId("search-status")), /zzqx nobody/);
  assert.equal(await results.count(), 0);
  // Picking a result checks it like a typed ID: preview, then Save writes the field.
  await input.fill("@andrey_iv");
  await results.first().waitFor({ timeout: 15_000 });
  await results.first().click();
  await app.getByTestId("resolve-preview").waitFor({ timeout: 15_000 });
  assert.match(await text(app.getByTestId("resolve-preview")), /7100000002/);
  await app.getByTestId("save").click();
  await app.getByTestId("saved").waitFor({ timeout: 15_000 });
  assert.equal(await page.getByTestId("host-field").inputValue(), "7100000002");
  await page.close();
});

test("the editor's search speaks Spanish and Russian", async () => {
  for (const [locale, word] of [["es-ES", "coinciden"], ["ru-RU", "запросу"]]) {
    const page = await context.newPage();
    await stack.resetCrm();
    await setSettings(page, { locale });
    await page.goto(`${stack.crmUrl}/?user=1004`);
    const app = page.frameLocator("[data-testid=plugin-frame]");
    await app.getByTestId("edit").click();
    await app.getByTestId("sender-id-input").fill("andrei ivanov");
    await app.locator("[data-testid=search-result][data-sender-id='7100000002']").waitFor({ timeout: 15_000 });
    assert.match(await text(app.getByTestId("search-status")), new RegExp(word));
    await screenshot(page, `35-search-by-name-${locale.slice(0, 2)}`);
    await page.close();
  }
});

test("a preview compares the person with the contact; a stranger or an unknown ID needs a deliberate Save", async () => {
  // A typo that resolves to a stranger: Андрей Иванов for Grace Hopper.
  let { page, app } = await open("?user=1005");
  await checkId(app, "7100000002");
  assert.match(await text(app.getByTestId("preview-disagrees")), /share nothing/);
  assert.match(await app.getByTestId("save").getAttribute("class"), /danger/);
  assert.match(await text(app.getByTestId("save")), /Link anyway/);
  await screenshot(page, "41-preview-stranger");
  await app.getByTestId("cancel").click();
  // An ID nobody has written from is not "belongs to".
  await checkId(app, "7199999999");
  await app.getByTestId("never-seen").waitFor({ timeout: 15_000 });
  assert.doesNotMatch(await text(app.getByTestId("resolve-preview")), /belongs to/);
  assert.match(await text(app.getByTestId("save")), /Link anyway/);
  await page.close();
  // The right person says why, and Save is the ordinary button.
  ({ page, app } = await open("?user=1004"));
  await checkId(app, "7100000002");
  assert.match(await text(app.getByTestId("preview-agrees")), /name close: Andrei Ivanov ~ Андрей Иванов/);
  assert.doesNotMatch(await app.getByTestId("save").getAttribute("class") ?? "", /danger/);
  await page.close();
});

test("an ID another contact holds is a named conflict, not a silent double link", async () => {
  const { page, app } = await open("?user=1007");
  await checkId(app, "7100000004");
  assert.match(await text(app.getByTestId("conflict-contact")), /María José Ruiz/);
  await screenshot(page, "8-conflict");
  await app.getByTestId("cancel").first().click();
  assert.equal(await page.getByTestId("host-field").inputValue(), "");
  await page.close();
});

test("an ID two contacts hold stays visible on both, however it was written", async () => {
  // Link anyway from the sidebar: both contacts say who else holds the ID.
  let { page, app } = await open("?user=1007"); // Maria Ruiz; María José Ruiz holds 7100000004
  await checkId(app, "7100000004");
  await app.getByTestId("conflict").waitFor({ timeout: 15_000 });
  await app.getByTestId("save").click();
  await app.getByTestId("saved").waitFor({ timeout: 15_000 });
  assert.match(await text(app.getByTestId("shared-id")), /María José Ruiz/);
  await screenshot(page, "38-shared-id");
  await page.close();
  page = await context.newPage();
  await page.goto(`${stack.crmUrl}/?user=1006`);
  app = page.frameLocator("[data-testid=plugin-frame]");
  assert.match(await text(app.getByTestId("shared-id")), /Maria Ruiz/);
  await page.close();
  // Typed into the CRM by hand: the sidebar follows the change and says it too.
  ({ page, app } = await openCrm(context, stack.crmUrl, "?user=1005"));
  await app.getByTestId("sender-id-value").waitFor({ timeout: 15_000 });
  assert.equal(await app.getByTestId("shared-id").count(), 0, "no warning before");
  await page.getByTestId("host-field").fill("7100000001");
  await page.getByTestId("host-field-save").click();
  assert.match(await text(app.getByTestId("shared-id")), /Lucía Fernández García/);
  await page.close();
});

test("small things agents notice: Open in Telegram, full dates, Escape, deleted and unreadable", async () => {
  let { page, app } = await open("?user=1001");
  assert.equal(await app.getByTestId("open-in-telegram").getAttribute("href"), "tg://user?id=7100000001");
  await app.getByTestId("message").first().waitFor({ timeout: 15_000 });
  assert.match(await app.locator("[data-testid=message] time").first().getAttribute("title"), /2026/, "the full date on hover");
  await page.close();
  // Escape steps back from the preview; nothing is written.
  ({ page, app } = await open("?user=1005"));
  await checkId(app, "7100000003");
  await app.getByTestId("save").waitFor({ timeout: 15_000 });
  await app.getByTestId("save").press("Escape");
  await app.getByTestId("edit").waitFor({ timeout: 15_000 });
  assert.equal(await app.getByTestId("resolve-preview").count(), 0);
  assert.equal(await page.getByTestId("host-field").inputValue(), "");
  await page.close();
  // A deleted account's phone is gone with it, not "hidden by privacy settings".
  ({ page, app } = await open("?user=1008"));
  await app.getByTestId("profile-deleted").waitFor({ timeout: 15_000 });
  assert.match(await text(app.getByTestId("profile-phone")), /deleted/);
  await screenshot(page, "39-deleted-account");
  await page.close();
  // A field key the host cannot read never says "Not linked".
  page = await context.newPage();
  await setSettings(page, { sender_id_field: "noSuchField" });
  await page.goto(`${stack.crmUrl}/?user=1001`);
  app = page.frameLocator("[data-testid=plugin-frame]");
  assert.match(await text(app.getByTestId("sender-id-value")), /cannot be read/);
  await screenshot(page, "40-field-unreadable");
  await page.close();
});

test("the ticket sidebar shows the requester's Telegram identity", async () => {
  const { page, app } = await open("?ticket=101");
  assert.match(await text(app.getByTestId("requester")), /Lucía Fernández García/, "the requester is named");
  assert.equal(await text(app.getByTestId("profile-initials")), "LF");
  assert.equal(await text(app.getByTestId("sender-id-value")), "7100000001");
  assert.match(await text(app.getByTestId("profile-name")), /Lucía/);
  await screenshot(page, "9-ticket-sidebar");
  // The requester's field is read through the Users API, as in Zendesk.
  const requests = (await appMessages(page)).filter((m) => typeof m.key === "string" && /^request:\d+$/.test(m.key));
  assert.ok(requests.some((m) => m.message.url === "/api/v2/users/1001.json"), "read through /api/v2/users/1001.json");
  await page.close();
});

test("the sidebar follows the agent's locale from the host", async () => {
  const page = await context.newPage();
  await page.goto(`${stack.crmUrl}/?view=settings`);
  await page.locator("#s-locale").fill("ru-RU");
  await page.getByRole("button", { name: "Save settings" }).click();
  await page.goto(`${stack.crmUrl}/?user=1002&scheme=dark`);
  const app = page.frameLocator("[data-testid=plugin-frame]");
  assert.equal(await text(app.getByTestId("sender-id-value")), "7100000005");
  assert.equal(await app.locator("main").getAttribute("lang"), "ru");
  await screenshot(page, "11-russian-dark");
  await page.close();
});

/** Changes the CRM's app settings through its settings form (as an admin would in Zendesk). */
async function setSettings(page, values) {
  await page.goto(`${stack.crmUrl}/?view=settings`);
  for (const [name, value] of Object.entries(values)) await page.locator(`#s-${name}`).fill(value);
  await page.getByRole("button", { name: "Save settings" }).click();
}

test("a wrong relay token says which setting to fix", async () => {
  const page = await context.newPage();
  await setSettings(page, { relay_token: "not-the-token" });
  await page.goto(`${stack.crmUrl}/?user=1001`);
  const app = page.frameLocator("[data-testid=plugin-frame]");
  assert.match(await text(app.getByTestId("error-banner").first()), /token/i);
  await app.getByTestId("conversation-not-loaded").waitFor({ timeout: 15_000 });
  assert.equal(await app.getByTestId("error-banner").count(), 1, "one banner, one Retry, for one wrong token");
  await screenshot(page, "12-wrong-token");
  await page.close();
});

test("a relay URL that is not https:// names the setting, not the contact's ID", async () => {
  const page = await context.newPage();
  await setSettings(page, { relay_url: "relay.example.com" });
  await page.goto(`${stack.crmUrl}/?user=1001`);
  const app = page.frameLocator("[data-testid=plugin-frame]");
  const banner = await text(app.getByTestId("error-banner").first());
  assert.match(banner, /Relay URL/);
  assert.match(banner, /relay\.example\.com/);
  // The field the CRM holds stays visible and editable.
  assert.equal(await text(app.getByTestId("sender-id-value")), "7100000001");
  assert.equal(await app.getByTestId("edit").count(), 1);
  await app.getByTestId("conversation-not-loaded").waitFor({ timeout: 15_000 });
  assert.equal(await app.getByTestId("error-banner").count(), 1, "one banner for one cause");
  await screenshot(page, "36-relay-url-not-https");
  // An empty setting: the same, naming the setting as empty.
  await setSettings(page, { relay_url: "" });
  await page.goto(`${stack.crmUrl}/?user=1001`);
  assert.match(await text(app.getByTestId("error-banner").first()), /setting is empty/);
  assert.equal(await text(app.getByTestId("sender-id-value")), "7100000001");
  await page.close();
});

test("a relay that takes the request and never answers is a message with Retry, not Loading forever", async () => {
  // A server that accepts connections and never writes a byte.
  const sockets = [];
  const silent = net.createServer((socket) => sockets.push(socket));
  await new Promise((resolve) => silent.listen(0, "127.0.0.1", resolve));
  try {
    const page = await context.newPage();
    await setSettings(page, { relay_url: `http://127.0.0.1:${silent.address().port}` });
    await page.goto(`${stack.crmUrl}/?user=1001`);
    const app = page.frameLocator("[data-testid=plugin-frame]");
    const banner = app.getByTestId("error-banner").filter({ hasText: "has not answered" }).first();
    await banner.waitFor({ timeout: 30_000 });
    assert.ok((await banner.getByRole("button").count()) > 0, "the banner offers Retry");
    // One cause, one banner: the conversation says it is the same problem instead of repeating it.
    await app.getByTestId("conversation-not-loaded").waitFor({ timeout: 30_000 });
    assert.equal(await app.getByTestId("error-banner").count(), 1, "one banner for one cause");
    // The field the CRM holds stays readable while the relay is silent.
    assert.equal(await text(app.getByTestId("sender-id-value")), "7100000001");
    await screenshot(page, "37-relay-silent");
    await page.close();
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});

test("an unreachable relay is a message, not a blank panel", async () => {
  const page = await context.newPage();
  await setSettings(page, { relay_url: "http://127.0.0.1:9" });
  await page.goto(`${stack.crmUrl}/?user=1001`);
  const app = page.frameLocator("[data-testid=plugin-frame]");
  assert.ok((await text(app.getByTestId("error-banner").first())).length > 0);
  assert.equal(await text(app.getByTestId("sender-id-value")), "7100000001", "the host's field still shows");
  await screenshot(page, "13-relay-unreachable");
  await page.close();
});

test("changing a ticket's requester shows the new requester's identity", async () => {
  const { page, app } = await open("?ticket=101");
  assert.match(await text(app.getByTestId("requester")), /Lucía Fernández García/, "the requester is named");
  assert.equal(await text(app.getByTestId("profile-initials")), "LF");
  assert.equal(await text(app.getByTestId("sender-id-value")), "7100000001");
  await page.getByTestId("ticket-requester").selectOption("1002");
  await app.getByTestId("sender-id-value").filter({ hasText: "7100000005" }).waitFor({ timeout: 15_000 });
  assert.match(await text(app.getByTestId("profile-name")), /Олена/);
  await page.close();
});

test("scrolling a long conversation by wheel moves the conversation, not the whole panel", async () => {
  const { page, app } = await open("?user=1001");
  await app.getByTestId("message").first().waitFor({ timeout: 15_000 });
  const frame = page.frames().find((f) => f.name() === "telegram-sidebar");
  const field = () => frame.evaluate(() => document.querySelector("[data-testid=sender-id-value]").getBoundingClientRect().top);
  const fieldTop = await field();
  const box = await app.locator(".messages").boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  for (let i = 0; i < 6; i++) {
    await page.mouse.wheel(0, i < 3 ? -600 : 600);
    await page.waitForTimeout(100);
  }
  assert.equal(await field(), fieldTop, "the senderId field stays where it was");
  const sizes = await frame.evaluate(() => ({
    scroll: document.documentElement.scrollHeight,
    content: Math.ceil(document.body.getBoundingClientRect().bottom + window.scrollY),
    scrolled: window.scrollY,
  }));
  assert.equal(sizes.scrolled, 0, "the panel itself did not scroll");
  assert.ok(sizes.scroll <= Math.max(sizes.content, await frame.evaluate(() => window.innerHeight)) + 2, `the document is no taller than its content: ${JSON.stringify(sizes)}`);
  await page.close();
});

test("a suggestion shows the Telegram side before Link, and who already holds it opens in the CRM", async () => {
  const { page, app } = await open("?user=1007"); // Maria Ruiz; María José Ruiz (1006) holds 7100000004
  const s = app.locator('[data-testid=suggestion][data-sender-id="7100000004"]');
  await s.waitFor({ timeout: 15_000 });
  assert.match(await text(s.getByTestId("suggestion-who")), /7100000004/);
  await s.getByTestId("suggestion-conversation").waitFor({ timeout: 15_000 });
  assert.match(await text(s.getByTestId("suggestion-conversation")), /\d+ messages? · Last message on /);
  await s.getByTestId("suggestion-held").waitFor({ timeout: 15_000 });
  assert.match(await text(s.getByTestId("suggestion-held")), /Already linked to María José Ruiz/);
  await screenshotApp(page, "42-suggestion-held");
  // Link on a held suggestion stops at the conflict; Cancel brings back the same suggestions
  // without downloading the directory or searching the CRM again.
  const asked = async () => (await appMessages(page)).filter((m) => /\/v1\/directory|search\.json/.test(m.message?.url ?? "")).length;
  const before = await asked();
  await s.getByTestId("suggestion-link").click();
  await app.getByTestId("conflict").waitFor({ timeout: 15_000 });
  assert.equal(await app.getByTestId("suggestions").isVisible(), false, "hidden while the ID is checked");
  await app.getByTestId("cancel").click();
  await s.getByTestId("suggestion-held").waitFor({ timeout: 15_000 });
  assert.equal(await asked(), before + 1, "only the conflict check asked the CRM");
  // The other contact is a link: ZAF's routeTo opens it in the agent's interface.
  await s.getByTestId("contact-link").click();
  await page.waitForURL(/\?user=1006$/, { timeout: 15_000 });
  const other = page.frameLocator("[data-testid=plugin-frame]");
  assert.equal(await text(other.getByTestId("sender-id-value")), "7100000004");
  await page.close();
});

test("copy the ID; the theme follows the host's colour scheme, otherwise the OS", async () => {
  const { page, app } = await open("?user=1001&scheme=dark");
  await app.getByTestId("copy-id").click();
  await app.getByTestId("copy-id").filter({ hasText: "Copied" }).waitFor({ timeout: 15_000 });
  assert.equal(await background(app), "rgb(22, 25, 29)", "Zendesk says dark");
  await app.getByTestId("message").first().waitFor({ timeout: 15_000 });
  await screenshotApp(page, "43-linked-dark-en");
  await page.evaluate(() => window.zafParent.trigger("colorScheme.changed", "light"));
  for (let i = 0; i < 50 && (await background(app)) !== "rgb(255, 255, 255)"; i++) await page.waitForTimeout(100);
  assert.equal(await background(app), "rgb(255, 255, 255)", "the agent switched Zendesk to light");
  await page.emulateMedia({ colorScheme: "dark" });
  assert.equal(await background(app), "rgb(255, 255, 255)", "the host's choice wins over the OS");
  await page.close();
  // A host that says nothing: the OS decides.
  const os = await openCrm(context, stack.crmUrl, "?user=1001&scheme=none");
  await os.page.emulateMedia({ colorScheme: "dark" });
  await os.app.getByTestId("sender-id-value").waitFor({ timeout: 15_000 });
  assert.equal(await background(os.app), "rgb(22, 25, 29)");
  await os.page.emulateMedia({ colorScheme: "light" });
  assert.equal(await background(os.app), "rgb(255, 255, 255)");
  await os.page.close();
});

test("screenshots at the sidebar's width: linked and unlinked, en es ru, light and dark", async () => {
  for (const locale of ["en-US", "es-ES", "ru-RU"]) {
    const page = await context.newPage();
    await stack.resetCrm();
    await setSettings(page, { locale });
    for (const scheme of ["light", "dark"]) {
      const tag = `${locale.slice(0, 2)}-${scheme}`;
      await page.goto(`${stack.crmUrl}/?user=1001&scheme=${scheme}`);
      let app = page.frameLocator("[data-testid=plugin-frame]");
      await app.getByTestId("message").first().waitFor({ timeout: 15_000 });
      assert.equal(await app.locator("main").getAttribute("lang"), locale.slice(0, 2));
      const dark = (await background(app)) !== "rgb(255, 255, 255)";
      assert.equal(dark, scheme === "dark", `${tag}: the host's scheme`);
      await screenshotApp(page, `44-linked-${tag}`);
      await page.goto(`${stack.crmUrl}/?user=1007&scheme=${scheme}`);
      app = page.frameLocator("[data-testid=plugin-frame]");
      await app.getByTestId("suggestion-held").first().waitFor({ timeout: 15_000 });
      await app.getByTestId("suggestion-conversation").first().waitFor({ timeout: 15_000 });
      // Nothing of the interface is left in English outside the names and messages.
      const held = await text(app.getByTestId("suggestion-held").first());
      if (locale !== "en-US") assert.doesNotMatch(held, /Already linked/, tag);
      await screenshotApp(page, `45-suggestions-${tag}`);
    }
    await page.close();
  }
});

test("the conversation stays at the newest message when the panel's width changes", async () => {
  const { page, app } = await open("?user=1001");
  await app.getByTestId("message").first().waitFor({ timeout: 15_000 });
  const list = app.locator("ol.messages");
  const gap = () => list.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
  assert.ok(await list.evaluate((el) => el.scrollHeight > el.clientHeight + 200), "the conversation overflows");
  assert.ok((await gap()) <= 8, "it opens at the newest message");
  for (const width of ["260px", "200px", "320px", "180px"]) {
    // The agent drags the sidebar narrower or wider: every row wraps again (narrower: the
    // content grows below the view, which is what loses the newest message).
    await page.getByTestId("plugin-frame").evaluate((f, w) => { f.style.width = w; }, width);
    // Waits for the frame that lays the rows out again: up to 5 s, since the e2e files run side
    // by side on two cores and a busy Chromium can take over a second to render one (CI saw it).
    let g = await gap();
    for (let i = 0; i < 50 && g > 8; i++) {
      await page.waitForTimeout(100);
      g = await gap();
    }
    assert.ok(g <= 8, `at ${width} the newest message is ${g}px below the view`);
  }
  await page.close();
});
