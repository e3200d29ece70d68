// Static servers for the demo and the end-to-end tests, two origins as in Zendesk:
//
//   the local CRM page (www/crm/)   http://127.0.0.1:8788   plays Zendesk's agent page
//   the plugin (dist/plugin/)       http://localhost:8789   the app's iframe, a different origin
//
// The CRM origin also serves /config.json: where the relay and the plugin are, the relay token
// and the Zendesk API token (the CRM page plays Zendesk, which holds the app's secure settings;
// neither token goes to the plugin's origin), and it passes /api/v2/* and /__double/* through to
// the Zendesk double (crates/zendesk-double), so the page and the app's `client.request` reach
// the Zendesk API at relative URLs on the CRM's own origin, as in Zendesk. No framework:
// node:http and node:fs only.
//
// POST /__telegram/simulate plays Telegram's side: it sends the relay's demo bot webhook a real
// Bot API update (a private message from a new person, or, with {"sender_id": "..."}, another
// message from one it made before), as Telegram's servers would. The webhook secret stays here.
//
//   node www/serve.mjs [--crm HOST:PORT] [--plugin HOST:PORT] [--plugin-dir DIR]
//                      [--relay URL] [--token TOKEN] [--zendesk URL] [--zendesk-token TOKEN]

import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** Passes the request to `target` (an origin) and its answer back; 502 when it does not answer. */
async function proxy(req, res, target) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const headers = {};
  for (const name of ["authorization", "content-type", "accept", "x-double-internal"]) {
    if (req.headers[name] !== undefined) headers[name] = req.headers[name];
  }
  headers["x-forwarded-host"] = req.headers.host;
  headers["x-forwarded-proto"] = "http";
  try {
    const answer = await fetch(new URL(req.url, target), {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks),
    });
    const out = { "cache-control": "no-store" };
    for (const [k, v] of answer.headers) {
      if (["content-type", "retry-after", "x-rate-limit", "x-rate-limit-remaining"].includes(k)) out[k] = v;
    }
    res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
  } catch (e) {
    res.writeHead(502, { "content-type": "application/json" })
      .end(JSON.stringify({ error: "BadGateway", description: `the Zendesk double at ${target} did not answer (${e.cause?.code ?? e.message}); is it running?` }));
  }
}

// New Telegram customers for the simulator: names in the scripts the sidebar serves.
const NEW_PEOPLE = [
  { first_name: "Sofía", last_name: "Martín", username: "sofia_martin", language_code: "es", text: "¡Hola! ¿Hacéis envíos a Valencia?" },
  { first_name: "Дмитрий", last_name: "Орлов", username: "dorlov", language_code: "ru", text: "Здравствуйте, где мой заказ?" },
  { first_name: "Aiko", last_name: "Tanaka", username: "aiko_t", language_code: "en", text: "Hi, can I change my delivery address?" },
  { first_name: "Kwame", last_name: "Mensah", username: null, language_code: "en", text: "Hello, is the blue one back in stock?" },
  { first_name: "Priya", last_name: "Nair", username: "priya_nair", language_code: "en", text: "Hi! I was charged twice for order 5521." },
  { first_name: "Lukas", last_name: "Weber", username: "lukas_w", language_code: "de", text: "Hallo, I need an invoice for my order." },
];

/**
 * The Telegram side of the demo: people it made, and the next update ID. Each update is the
 * Bot API's `Update` with a private `Message` (https://core.telegram.org/bots/api#update,
 * #message, #user, #chat), posted with the secret token header as Telegram does
 * (https://core.telegram.org/bots/api#setwebhook).
 */
function telegramSimulator(config) {
  const people = new Map();
  let nextUpdate = Date.now();
  return async (req, res) => {
    const answer = (status, body) => res.writeHead(status, { "content-type": TYPES[".json"], "cache-control": "no-store" }).end(JSON.stringify(body));
    if (req.method !== "POST") return answer(405, { error: "POST only" });
    const chunks = [];
    for await (const c of req) chunks.push(c);
    let asked = {};
    try {
      asked = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
    } catch {
      return answer(400, { error: "the body must be JSON: {} for a new person or {\"sender_id\": \"...\"}" });
    }
    let person;
    if (asked.sender_id !== undefined) {
      person = people.get(String(asked.sender_id));
      if (!person) return answer(404, { error: `the simulator made no Telegram person ${asked.sender_id}; ask for a new one with {}` });
      person = { ...person, text: "Me again: any news?" };
    } else {
      const id = 7_300_000_000 + Math.floor(Math.random() * 90_000_000);
      person = { id, ...NEW_PEOPLE[people.size % NEW_PEOPLE.length] };
      people.set(String(id), person);
    }
    const from = { id: person.id, is_bot: false, first_name: person.first_name, last_name: person.last_name, language_code: person.language_code };
    if (person.username) from.username = person.username;
    const updateId = nextUpdate++;
    const update = {
      update_id: updateId,
      message: {
        message_id: updateId % 1_000_000_000,
        from,
        chat: { id: person.id, type: "private", first_name: person.first_name, last_name: person.last_name, ...(person.username ? { username: person.username } : {}) },
        date: Math.floor(Date.now() / 1000),
        text: person.text,
      },
    };
    try {
      const sent = await fetch(`${config.relayUrl}/telegram/webhook/${encodeURIComponent(config.webhookId)}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": config.webhookSecret },
        body: JSON.stringify(update),
      });
      if (!sent.ok) return answer(502, { error: `the relay refused the update: ${sent.status} ${await sent.text()}` });
    } catch (e) {
      return answer(502, { error: `the relay at ${config.relayUrl} did not answer (${e.cause?.code ?? e.message}); is it running?` });
    }
    return answer(200, { sender_id: String(person.id), name: `${person.first_name} ${person.last_name}`, username: person.username, text: person.text, update_id: updateId });
  };
}

/** Answers GET/HEAD for files under `root` ("/" is index.html); `extra(path)` may answer first. */
function staticHandler(root, extra = () => null) {
  root = resolve(root);
  return async (req, res) => {
    const url = new URL(req.url, "http://x");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const special = extra(url.pathname);
    if (special) {
      res.writeHead(200, { "content-type": TYPES[".json"], "cache-control": "no-store" });
      res.end(JSON.stringify(special));
      return;
    }
    let path = decodeURIComponent(url.pathname);
    if (path.endsWith("/")) path += "index.html";
    const file = normalize(join(root, path));
    if (!file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
      });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end(`not found: ${path}\n`);
    }
  };
}

function listen(server, host, port) {
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host === "localhost" ? "127.0.0.1" : host, () => ok(server.address().port));
  });
}

/**
 * Starts both servers. Ports may be 0 (any free port). `config.relayUrl`, `config.relayToken` and
 * `config.zendeskUrl` can be changed after start (the e2e tests start the relay and the double
 * once the page ports are known).
 * Returns { crmUrl, pluginUrl, config, close() }.
 */
export async function startServers({
  crm = "127.0.0.1:8788",
  plugin = "localhost:8789",
  pluginDir = join(here, "..", "dist", "plugin"),
  relayUrl = "http://127.0.0.1:8787",
  relayToken = "demo-install-token",
  zendeskUrl = "http://127.0.0.1:8790",
  zendeskToken = "demo-zendesk-token",
} = {}) {
  const [crmHost, crmPort] = crm.split(":");
  const [pluginHost, pluginPort] = plugin.split(":");
  const config = { relayUrl, relayToken, zendeskToken, zendeskUrl, pluginUrl: null };
  // The demo bot (crates/relay/src/demo): kept here, never in config.json.
  const telegram = telegramSimulator({ get relayUrl() { return config.relayUrl; }, webhookId: "demo", webhookSecret: "demo-webhook-secret" });
  const pages = staticHandler(join(here, "crm"), (p) => (p === "/config.json" ? config : null));
  const crmServer = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (path === "/__telegram/simulate") return telegram(req, res);
    if (path.startsWith("/api/v2/") || path.startsWith("/__double/")) return proxy(req, res, config.zendeskUrl);
    return pages(req, res);
  });
  const pluginServer = createServer(staticHandler(pluginDir));
  const cp = await listen(crmServer, crmHost, Number(crmPort));
  const pp = await listen(pluginServer, pluginHost, Number(pluginPort));
  config.pluginUrl = `http://${pluginHost}:${pp}`;
  return {
    crmUrl: `http://${crmHost}:${cp}`,
    pluginUrl: config.pluginUrl,
    config,
    close: () => Promise.all([crmServer, pluginServer].map((s) => new Promise((ok) => s.close(ok)))),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "").replace(/-(.)/g, (_, c) => c.toUpperCase());
    if (!["crm", "plugin", "pluginDir", "relay", "token", "zendesk", "zendeskToken"].includes(key) || argv[i + 1] === undefined) {
      console.error(`serve.mjs: unknown or incomplete option ${argv[i]}; see the comment at the top of www/serve.mjs`);
      process.exit(2);
    }
    args[{ relay: "relayUrl", token: "relayToken", zendesk: "zendeskUrl" }[key] ?? key] = argv[i + 1];
  }
  const s = await startServers(args);
  console.error(`serve.mjs: CRM page ${s.crmUrl}/  plugin ${s.pluginUrl}/`);
  const stop = () => s.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
