// The real demo stack for end-to-end tests and reports, on free loopback ports:
// `telegram-relay demo` on a temporary database, the Zendesk double (`zendesk-double`, the one
// stand-in for Zendesk's servers) on a temporary account file, the local CRM page and the plugin
// origin (www/serve.mjs), and Debian's Chromium driven by playwright-core.
//
// Environment (set by `cargo xtask test` / `cargo xtask report`):
//   RELAY_BIN    path of the telegram-relay binary
//   ZENDESK_BIN  path of the zendesk-double binary
//   TELEGRAM_BIN path of the telegram-double binary
//   PLUGIN_DIR   the built plugin (dist/plugin)

import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

import { startServers } from "../www/serve.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const SCREENSHOTS = join(root, "artifacts", "screenshots");
export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the end-to-end tests through \`cargo xtask test\``);
  return value;
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function waitForHealth(url, child, name, output) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${output()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not answer ${url} within 60 s:\n${output()}`);
}

/** Spawns `bin args`, keeping the last 20,000 characters of its output. */
function spawnLogged(bin, args) {
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  child.log = "";
  const keep = (chunk) => {
    child.log = (child.log + chunk).slice(-20_000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  return child;
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once("exit", r)));
}

/**
 * Starts the Zendesk double on a free port with its account file in `dir`.
 * Returns { url, child, reset(), faults(f), stop() }.
 */
export async function startZendesk(dir) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawnLogged(need("ZENDESK_BIN"), ["--listen", `127.0.0.1:${port}`, "--data", join(dir, "zendesk.json")]);
  try {
    await waitForHealth(`${url}/__double/health`, child, "zendesk-double", () => child.log);
  } catch (e) {
    await stopChild(child);
    throw e;
  }
  return {
    url,
    child,
    /** The CRM's contacts back to the seed, no jobs, no faults. */
    async reset() {
      const res = await fetch(`${url}/__double/reset`, { method: "POST" });
      if (res.status !== 204) throw new Error(`resetting the Zendesk double answered ${res.status}: ${await res.text()}`);
    },
    /** Replaces the double's faults (see crates/zendesk-double/src/limits.rs). */
    async faults(faults) {
      const res = await fetch(`${url}/__double/faults`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(faults) });
      if (!res.ok) throw new Error(`setting faults answered ${res.status}: ${await res.text()}`);
    },
    stop: () => stopChild(child),
  };
}

/**
 * Starts relay + Zendesk double + pages. `relayArgs` are extra arguments for `telegram-relay demo`.
 * Returns { crmUrl, pluginUrl, relayUrl, zendeskUrl, tmp, relayLog(), resetCrm(), faults(f), stop() }.
 */
export async function startStack({ relayArgs = [] } = {}) {
  const relayBin = need("RELAY_BIN");
  const pluginDir = need("PLUGIN_DIR");
  if (!existsSync(join(pluginDir, "index.html"))) throw new Error(`${pluginDir}/index.html is missing: run \`cargo xtask build\``);
  const tmp = mkdtempSync(join(tmpdir(), "telegram-sidebar-e2e-"));
  const pages = await startServers({ crm: "127.0.0.1:0", plugin: "localhost:0", pluginDir });
  const relayPort = await freePort();
  const relayUrl = `http://127.0.0.1:${relayPort}`;
  let zendesk = null;
  let relay = null;
  let telegram = null;
  const telegramPort = await freePort();
  const telegramUrl = `http://127.0.0.1:${telegramPort}`;
  const stopAll = async () => {
    await Promise.all([relay && stopChild(relay), zendesk?.stop(), telegram && stopChild(telegram)]);
    await pages.close();
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    zendesk = await startZendesk(tmp);
    // Telegram's side: the demo bot and the demo's business connection; replies land here.
    telegram = spawnLogged(need("TELEGRAM_BIN"), ["--listen", `127.0.0.1:${telegramPort}`, "--business", "demo-business-connection"]);
    await waitForHealth(`${telegramUrl}/__double/health`, telegram, "telegram-double", () => telegram.log);
    // The demo tenant is connected to the Zendesk double: new Telegram customers are saved there.
    relay = spawnLogged(relayBin, [
      "demo", "--listen", `127.0.0.1:${relayPort}`, "--db", join(tmp, "relay.db"),
      "--allow-origin", pages.crmUrl, "--allow-origin", pages.pluginUrl,
      "--zendesk-url", zendesk.url, "--telegram-api-url", telegramUrl, ...relayArgs,
    ]);
    await waitForHealth(`${relayUrl}/healthz`, relay, "telegram-relay demo", () => relay.log);
  } catch (e) {
    await stopAll();
    throw e;
  }
  pages.config.relayUrl = relayUrl;
  pages.config.zendeskUrl = zendesk.url;
  return {
    crmUrl: pages.crmUrl,
    pluginUrl: pages.pluginUrl,
    relayUrl,
    zendeskUrl: zendesk.url,
    telegramUrl,
    /** Every call the Telegram double received (see crates/telegram-double). */
    telegramCalls: async () => (await fetch(`${telegramUrl}/__double/calls`)).json(),
    tmp,
    relayLog: () => relay.log,
    resetCrm: zendesk.reset,
    faults: zendesk.faults,
    stop: stopAll,
  };
}

/** Debian's Chromium, headless, with a fresh user-data-dir under `tmp`. Returns a browser context. */
export async function launchBrowser(tmp, options = {}) {
  const profile = join(tmp, "chromium-profile");
  mkdirSync(profile, { recursive: true });
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    ...options,
  });
}

/** Saves a screenshot of `page` as artifacts/screenshots/<name>.png. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/**
 * Saves a screenshot of the plugin's frame alone (the sidebar at its real width) as
 * artifacts/screenshots/<name>.png.
 */
export async function screenshotApp(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.getByTestId("plugin-frame").screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** Opens the CRM page at `path` in a new tab; `app` locates inside the plugin's iframe. */
export async function openCrm(context, crmUrl, path) {
  const page = await context.newPage();
  await page.goto(`${crmUrl}/${path}`);
  return { page, app: page.frameLocator("[data-testid=plugin-frame]") };
}

/** Waits until the CRM's own senderId field (the host's truth) holds `value`. */
export async function hostFieldIs(page, value) {
  await page.waitForFunction((v) => document.querySelector("[data-testid=host-field]")?.value === v, value, { timeout: 15_000 });
}

/** Types `value` into the sidebar's field editor and submits it (Edit, then Check). */
export async function checkId(app, value) {
  await app.getByTestId("edit").click();
  await app.getByTestId("sender-id-input").fill(value);
  await app.getByTestId("check").click();
}

/** The plugin page's background colour, which the colour scheme decides. */
export async function background(app) {
  return app.locator("body").evaluate((b) => getComputedStyle(b).backgroundColor);
}

/** The trimmed text of `locator` once it is visible. */
export async function text(locator) {
  await locator.waitFor({ timeout: 15_000 });
  return (await locator.textContent()).trim();
}

/** ZAF messages the app sent to the CRM, parsed (the CRM logs them in window.zafLog). */
export async function appMessages(page) {
  return (await page.evaluate(() => window.zafLog)).filter((m) => m.dir === "in").map((m) => m.msg);
}

/** Clicks the CRM page's "Simulate a new Telegram customer"; answers their sender ID once the
 * relay's sync saved them in the CRM. */
export async function simulateNewCustomer(page) {
  await page.getByTestId("sim-new").click();
  await page.waitForFunction(() => /Saved in the CRM/.test(document.querySelector("[data-testid=sim-status]")?.textContent ?? ""), null, { timeout: 30_000 });
  return (await text(page.getByTestId("sim-status"))).match(/senderId (\d+)/)[1];
}
