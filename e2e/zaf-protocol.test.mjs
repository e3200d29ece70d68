// The local CRM page speaks ZAF's wire protocol to the REAL SDK (the npm zendesk_app_framework_sdk,
// bundled by xtask into zaf_sdk.js): a probe app in the plugin origin calls context, metadata,
// get, set, on, request and invoke exactly as an app would, in headless Chromium. No relay here
// (its address points at a closed port): relay traffic is covered by sidebar.test.mjs.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { startServers } from "../www/serve.mjs";
import { launchBrowser, screenshot, startZendesk } from "./stack.mjs";

const PROBE = `
const client = ZAFClient.init();
const events = [];
window.events = events;
window.probe = (async () => {
  const out = {};
  out.context = await client.context();
  out.metadata = await client.metadata();
  out.get = await client.get(["user.id", "user.name", "user.customField:senderId", "currentUser.locale"]);
  out.missing = await client.get("user.customField:nope").then(() => "resolved", (e) => e.message);
  client.on("user.senderId.changed", (v) => events.push(v));
  out.set = await client.set("user.customField:senderId", "7100000003");
  out.search = await client.request({ url: "/api/v2/users/search.json?query=senderId%3A7100000004", type: "GET", dataType: "json" });
  out.notFound = await client.request({ url: "/api/v2/users/999.json", type: "GET", dataType: "json" }).then(() => "resolved", (e) => e.status);
  out.unreachable = await client.request({
    url: out.metadata.settings.relay_url + "/healthz", type: "GET", secure: true, httpCompleteResponse: true,
    headers: { Authorization: "Bearer {{setting.relay_token}}" },
  }).then(() => "resolved", (e) => e.status);
  out.resize = await client.invoke("resize", { width: "100%", height: "321px" });
  return out;
})().catch((e) => ({ failed: String(e) }));
`;

let pages, context, tmp, zendesk;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "zaf-protocol-"));
  const plugin = join(tmp, "plugin");
  const { mkdirSync } = await import("node:fs");
  mkdirSync(plugin);
  copyFileSync(join(process.env.PLUGIN_DIR ?? "dist/plugin", "zaf_sdk.js"), join(plugin, "zaf_sdk.js"));
  writeFileSync(join(plugin, "probe.js"), PROBE);
  writeFileSync(join(plugin, "index.html"), '<!doctype html><meta charset="utf-8"><script src="zaf_sdk.js"></script><script src="probe.js"></script><p>probe</p>');
  // Nothing listens on port 9 (discard): the relay is "unreachable".
  zendesk = await startZendesk(tmp);
  pages = await startServers({
    crm: "127.0.0.1:0", plugin: "localhost:0", pluginDir: plugin, relayUrl: "http://127.0.0.1:9", relayToken: "secret-demo-token", zendeskUrl: zendesk.url,
  });
  context = await launchBrowser(tmp);
});

after(async () => {
  await context?.close();
  await pages?.close();
  await zendesk?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function probeOn(path) {
  await zendesk.reset(); // every probe writes user.customField:senderId
  const page = await context.newPage();
  await page.goto(`${pages.crmUrl}/${path}`);
  const frame = await (await page.waitForSelector("[data-testid=plugin-frame]")).contentFrame();
  await frame.waitForFunction(() => window.probe !== undefined);
  const out = await frame.evaluate(() => window.probe);
  return { page, frame, out };
}

test("handshake, context, metadata and get over the real SDK", async () => {
  const { page, out } = await probeOn("?user=1001");
  assert.equal(out.failed, undefined, out.failed);
  assert.equal(out.context.location, "user_sidebar");
  assert.equal(out.context.userId, 1001);
  assert.equal(out.metadata.settings.relay_url, "http://127.0.0.1:9");
  assert.equal(out.metadata.settings.sender_id_field, "senderId");
  assert.equal("relay_token" in out.metadata.settings, false, "secure settings stay in the CRM");
  assert.equal(out.get["user.name"], "Lucía Fernández García");
  assert.equal(out.get["user.customField:senderId"], "7100000001");
  assert.equal(out.get["currentUser.locale"], "en-US");
  assert.match(out.missing, /"user.customField:nope"/, "an unknown field rejects, naming the path");
  await page.close();
});

test("set writes the host field, fires user.<key>.changed, and the CRM's own edits reach the app", async () => {
  const { page, frame, out } = await probeOn("?user=1003");
  assert.equal(out.set["user.customField:senderId"], "7100000003");
  assert.equal(await page.getByTestId("host-field").inputValue(), "7100000003");
  await page.getByTestId("host-field").fill("7100000002");
  await page.getByTestId("host-field-save").click();
  await frame.waitForFunction(() => window.events.length === 2);
  assert.deepEqual(await frame.evaluate(() => window.events), ["7100000003", "7100000002"]);
  await screenshot(page, "zaf-probe-user-1003");
  await page.close();
});

test("request answers Zendesk's API and reports an unreachable relay as status 0", async () => {
  const { page, out } = await probeOn("?user=1007");
  assert.deepEqual(out.search.users.map((u) => [u.id, u.user_fields.senderId]), [[1006, "7100000004"]]);
  assert.equal(out.notFound, 404);
  assert.equal(out.unreachable, 0);
  await page.close();
});

test("invoke resize sizes the iframe; the token never crosses into the app", async () => {
  const { page } = await probeOn("?user=1005");
  const height = await page.getByTestId("plugin-frame").evaluate((f) => f.style.height);
  assert.equal(height, "321px");
  const log = await page.evaluate(() => JSON.stringify(window.zafLog));
  assert.ok(log.includes("zaf.app.registered"));
  assert.ok(!log.includes("secret-demo-token"), "the relay token appeared in a ZAF message");
  assert.ok(!log.includes("demo-zendesk-token"), "the CRM's API token appeared in a ZAF message");
  await page.close();
});
