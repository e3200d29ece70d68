// The local CRM page: plays Zendesk's agent interface around the plugin iframe, and speaks the
// parent side of the ZAF SDK's postMessage protocol (zendesk_app_framework_sdk 2.0.x, lib/client.js):
//
//   iframe URL     <plugin>/index.html?origin=<this origin>&app_guid=<guid>
//   app → parent   JSON strings posted to `origin`:
//                    { key: "iframe.handshake", message: { version } }
//                    { key: "iframe.on:<event>" | "iframe.off:<event>", message: { subscriberCount } }
//                    { key: "request:<n>", message: <request options> }          (client.request)
//                    { id, request: "get" | "set" | "invoke", params }          (client.get/set/invoke)
//   parent → app   { key: "zaf.app.registered", message: { context, metadata } }
//                    { key: "zaf.<event>", message: <data> }                    (subscribed events)
//                    { key: "zaf.request:<n>.done" | ".fail", message: { responseArgs } }
//                    { id, result } or { id, error }                             (get/set/invoke)
//
// Messages are accepted only from the iframe's window and the plugin's origin. Relay requests are
// fetched here with the secure token substituted (as Zendesk's proxy does), so the token never
// reaches the iframe. Every message both ways is kept in `window.zafLog` for the tests.
// Untrusted text (names, notes, app messages) is only ever set as textContent.

import { apiAuthorization, get as zafGet, planSet, prepareRequest, recordsFor, requestOutcome } from "./zendesk.js";

const INSTALL_KEY = "local-crm-install-v2";
// The Telegram people this tab simulated ({ sender_id, name }), newest last.
const SIM_KEY = "local-crm-telegram-sim";
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function toast(text, kind = "notice") {
  const t = el("div", { class: `toast ${kind}` }, String(text));
  $("toasts").append(t);
  setTimeout(() => t.remove(), 5000);
}

/**
 * The app install (its settings and secure settings) and who is signed in, kept in this tab's
 * sessionStorage: Zendesk keeps them per install, the local page per tab so each test tab starts
 * from the defaults. The contacts are not here: they live in the Zendesk double.
 */
function loadInstall(config) {
  const saved = JSON.parse(sessionStorage.getItem(INSTALL_KEY) ?? "null");
  return saved ?? {
    agentEmail: "ann@example.com",
    locale: null, // null: the agent's own locale from Zendesk
    settings: { relay_url: config.relayUrl, sender_id_field: "senderId", default_phone_region: "ES" },
    secureSettings: { relay_token: config.relayToken },
  };
}

function saveInstall(install) {
  sessionStorage.setItem(INSTALL_KEY, JSON.stringify(install));
}

/**
 * The page's client of the Zendesk double, through this origin's /api/v2 proxy (www/serve.mjs),
 * signed in as the install's agent with the account's API token. `internal` marks the agent
 * interface's own reads and writes (rendering, ZAF get/set), which in Zendesk are not API
 * requests: the double does not count them against the rate limit or fail them with faults.
 */
class Zendesk {
  constructor(config, install) {
    this.config = config;
    this.install = install;
    this.fieldKeysCache = null;
  }

  async call(method, path, body, { internal = true, contentType } = {}) {
    const headers = { authorization: apiAuthorization(this.install.agentEmail, this.config.zendeskToken) };
    if (internal) headers["x-double-internal"] = "agent-ui";
    if (body !== undefined) headers["content-type"] = contentType ?? "application/json";
    const res = await fetch(path, { method, headers, body: body === undefined || typeof body === "string" ? body : JSON.stringify(body) });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, statusText: res.statusText, text, json, headers: Object.fromEntries(res.headers.entries()) };
  }

  /** The JSON of a 2xx answer, or an error saying what Zendesk answered. */
  async must(method, path, body) {
    const r = await this.call(method, path, body);
    if (r.status < 200 || r.status > 299) {
      const why = r.json?.description ?? r.json?.error ?? r.text;
      throw new Error(`${method} ${path} answered ${r.status}: ${why}`);
    }
    return r.json;
  }

  async me() {
    const user = (await this.must("GET", "/api/v2/users/me.json")).user;
    return this.install.locale ? { ...user, locale: this.install.locale } : user;
  }

  async user(id) {
    return (await this.must("GET", `/api/v2/users/${encodeURIComponent(id)}.json`)).user;
  }

  async ticket(id) {
    return (await this.must("GET", `/api/v2/tickets/${encodeURIComponent(id)}.json`)).ticket;
  }

  async fieldKeys() {
    this.fieldKeysCache ??= (await this.must("GET", "/api/v2/user_fields.json")).user_fields.filter((f) => f.active).map((f) => f.key);
    return this.fieldKeysCache;
  }

  /** Writes one custom field; returns the user as stored. */
  async setField(id, key, value) {
    return (await this.must("PUT", `/api/v2/users/${encodeURIComponent(id)}.json`, { user: { user_fields: { [key]: value } } })).user;
  }
}

/** The parent side of ZAF for one app iframe. */
class ZafParent {
  constructor({ iframe, pluginOrigin, appGuid, where, zendesk, install, onFieldWritten }) {
    Object.assign(this, { iframe, pluginOrigin, appGuid, where, zendesk, install, onFieldWritten });
    this.subscribers = new Map();
    this.log = (window.zafLog ??= []);
    window.addEventListener("message", (e) => this.receive(e));
  }

  post(msg) {
    this.log.push({ dir: "out", msg });
    this.iframe.contentWindow.postMessage(JSON.stringify(msg), this.pluginOrigin);
  }

  /** Fires a framework event to the app if it subscribed (`client.on`). */
  trigger(name, data) {
    if ((this.subscribers.get(name) ?? 0) > 0) this.post({ key: `zaf.${name}`, message: data, appGuid: this.appGuid });
  }

  receive(event) {
    if (event.source !== this.iframe.contentWindow || event.origin !== this.pluginOrigin) return;
    let msg;
    try {
      msg = typeof event.data === "string" ? JSON.parse(event.data) : event.data;
    } catch {
      return;
    }
    this.log.push({ dir: "in", msg });
    if (msg.appGuid !== undefined && msg.appGuid !== this.appGuid) return;
    const key = msg.key ?? "";
    if (key === "iframe.handshake") {
      // A (re)loaded app starts with no subscriptions.
      this.subscribers.clear();
      return this.registered();
    }
    if (key.startsWith("iframe.on:")) return this.subscribers.set(key.slice(10), msg.message?.subscriberCount ?? 1);
    if (key.startsWith("iframe.off:")) return this.subscribers.set(key.slice(11), msg.message?.subscriberCount ?? 0);
    if (/^request:\d+$/.test(key)) return this.request(key, msg.message ?? {});
    if (msg.id !== undefined && msg.request) {
      this.call(msg).catch((e) => this.post({ id: msg.id, error: { name: "Error", message: e.message } }));
    }
  }

  registered() {
    const { location, userId, ticketId } = this.where;
    const context = { host: "zendesk", product: "support", location, instanceGuid: this.appGuid, account: { subdomain: "localcrm" } };
    if (userId !== undefined) context.userId = userId;
    if (ticketId !== undefined) context.ticketId = ticketId;
    const metadata = {
      appId: 0, installationId: 1, name: "Telegram Sidebar", version: "local",
      settings: { title: "Telegram Sidebar", ...this.install.settings }, // secure settings are never sent
    };
    this.post({ key: "zaf.app.registered", message: { context, metadata }, appGuid: this.appGuid });
  }

  /** The records a `get` needs, fresh from the double (another tab or the relay may have changed them). */
  async roots(needs) {
    const roots = {};
    if (needs.has("currentUser")) roots.currentUser = await this.zendesk.me();
    if (needs.has("user") && this.where.location === "user_sidebar") roots.user = await this.zendesk.user(this.where.userId);
    if (needs.has("ticket") && this.where.location === "ticket_sidebar") {
      const t = await this.zendesk.ticket(this.where.ticketId);
      roots.ticket = { ...t, requester: await this.zendesk.user(t.requester_id) };
    }
    return roots;
  }

  async call({ id, request, params }) {
    if (request === "get") {
      const paths = Array.isArray(params) ? params : [];
      const roots = await this.roots(recordsFor(paths));
      this.post({ id, result: zafGet(roots, await this.zendesk.fieldKeys(), paths) });
    } else if (request === "set") {
      const { writes, errors } = planSet(this.where.location, await this.zendesk.fieldKeys(), params);
      const result = { errors };
      const changed = [];
      for (const w of writes) {
        try {
          const before = (await this.zendesk.user(this.where.userId)).user_fields[w.key] ?? null;
          await this.zendesk.setField(this.where.userId, w.key, w.value);
          result[w.path] = w.value;
          if (before !== w.value) changed.push([`user.${w.key}.changed`, w.value]);
        } catch (e) {
          result.errors[w.path] = { name: "Error", message: e.message, path: w.path };
        }
      }
      this.post({ id, result });
      if (changed.length) this.onFieldWritten();
      for (const [name, value] of changed) this.trigger(name, value);
    } else if (request === "invoke") {
      const result = { errors: {} };
      for (const [name, args] of Object.entries(params ?? {})) {
        if (name === "resize") {
          const h = String(args?.[0]?.height ?? "");
          if (/^\d+(px)?$/.test(h)) this.iframe.style.height = `${Math.min(parseInt(h, 10), 4000)}px`;
          result[name] = null;
        } else if (name === "routeTo" && args?.[0] === "user" && /^\d+$/.test(String(args?.[1] ?? ""))) {
          // Support Apps API "routeTo": the agent's interface opens that user's page.
          result[name] = null;
          setTimeout(() => location.assign(`?user=${String(args[1])}`), 0);
        } else if (name === "notify") {
          toast(args?.[0] ?? "", args?.[1] === "error" ? "error" : "notice");
          result[name] = null;
        } else {
          result.errors[name] = { name: "Error", message: `Could not find handler for: "${name}"`, path: name };
        }
      }
      this.post({ id, result });
    } else {
      this.post({ id, error: { name: "Error", message: `unknown request ${request}` } });
    }
  }

  async request(key, options) {
    const reply = (outcome) => {
      const [suffix, responseArgs] = outcome.done ? ["done", outcome.done] : ["fail", outcome.fail];
      this.trigger(`${key}.${suffix}`, { responseArgs });
    };
    let req;
    try {
      req = prepareRequest(this.install.settings, this.install.secureSettings, options);
    } catch (e) {
      reply(requestOutcome(options, 403, "Forbidden", JSON.stringify({ error: e.message })));
      return;
    }
    if (req.url.startsWith("/api/v2/")) {
      // The app's own Zendesk API requests: the agent's session authenticates them, and they count
      // against the account's rate limit like any API request.
      const r = await this.zendesk.call(req.method, req.url, req.body, { internal: false, contentType: req.headers["Content-Type"] });
      if (req.method !== "GET" && r.status >= 200 && r.status < 300) this.onFieldWritten();
      reply(requestOutcome(options, r.status, r.statusText, r.text, r.headers));
      return;
    }
    if (!/^https?:\/\//.test(req.url)) {
      reply(requestOutcome(options, 404, "Not Found", ""));
      return;
    }
    try {
      const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body });
      const text = await res.text();
      const headers = Object.fromEntries(res.headers.entries());
      reply(requestOutcome(options, res.status, res.statusText, text, headers));
    } catch (e) {
      // The relay is unreachable: jQuery reports status 0.
      reply(options.httpCompleteResponse
        ? { fail: [{ status: 0, headers: {}, responseText: "" }, "error", String(e)] }
        : { fail: [{ readyState: 0, status: 0, statusText: "error", responseText: "" }, "error", String(e)] });
    }
  }
}

function route() {
  const q = new URLSearchParams(location.search);
  if (q.has("user")) return { view: "user", id: q.get("user") };
  if (q.has("ticket")) return { view: "ticket", id: q.get("ticket") };
  if (q.has("nav")) return { view: "nav" };
  return { view: q.get("view") ?? "users" };
}

function listItem(href, title, sub, current) {
  return el("a", { href, "aria-current": current ? "page" : null, "data-testid": `item-${href.replace(/\W+/g, "-").replace(/^-|-$/g, "")}` },
    title, el("small", {}, sub));
}

/** The left column: tickets, or customers a page of 100 at a time (cursor pagination). */
async function renderList(zendesk, install, r) {
  const list = $("list");
  list.replaceChildren();
  if (r.view === "ticket" || r.view === "tickets") {
    const { tickets } = await zendesk.must("GET", "/api/v2/tickets.json");
    const ids = [...new Set(tickets.map((t) => t.requester_id))].join(",");
    const { users } = await zendesk.must("GET", `/api/v2/users/show_many.json?ids=${ids}`);
    for (const t of tickets) {
      const who = users.find((u) => u.id === t.requester_id)?.name ?? "?";
      list.append(listItem(`?ticket=${t.id}`, `#${t.id} ${t.subject}`, who, r.id === String(t.id)));
    }
    return;
  }
  const key = install.settings.sender_id_field;
  // Customers the relay created for simulated Telegram people come first, as a CRM shows new ones.
  const simulated = simulatedPeople();
  if (simulated.length) {
    const ids = simulated.map((p) => `telegram:${p.sender_id}`).join(",");
    const { users } = await zendesk.must("GET", `/api/v2/users/show_many.json?external_ids=${encodeURIComponent(ids)}`);
    for (const u of users.sort((a, b) => b.id - a.id)) {
      const item = listItem(`?user=${u.id}`, u.name, `new from Telegram · ${key} ${u.user_fields[key] ?? "—"}`, r.id === String(u.id));
      item.classList.add("new");
      list.append(item);
    }
  }
  const more = el("button", { type: "button", class: "more", "data-testid": "list-more" }, "More customers");
  const load = async (path) => {
    const page = await zendesk.must("GET", path);
    for (const u of page.users) {
      const sid = u.user_fields[key];
      more.before(listItem(`?user=${u.id}`, u.name, sid ? `${key} ${sid}` : `no ${key}`, r.id === String(u.id)));
    }
    more.hidden = !page.meta.has_more;
    more.onclick = () => load(`/api/v2/users.json?page[size]=100&role=end-user&page[after]=${encodeURIComponent(page.meta.after_cursor)}`);
  };
  list.append(more);
  await load("/api/v2/users.json?page[size]=100&role=end-user");
}

function simulatedPeople() {
  return JSON.parse(sessionStorage.getItem(SIM_KEY) ?? "[]");
}

/** Waits up to 30 s for the contact the relay creates for `senderId` (its external ID). */
async function contactFor(zendesk, senderId) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { users } = await zendesk.must("GET", `/api/v2/users/show_many.json?external_ids=${encodeURIComponent(`telegram:${senderId}`)}`);
    if (users.length) return users[0];
    await new Promise((ok) => setTimeout(ok, 500));
  }
  return null;
}

/**
 * The Telegram side of the demo, in the header: new customers write to the demo bot through the
 * relay's real webhook (www/serve.mjs plays Telegram), and the relay's sync saves them here.
 */
function telegramPanel(zendesk, onSaved) {
  const status = el("span", { class: "sim-status", "data-testid": "sim-status", role: "status" });
  const fresh = el("button", { type: "button", "data-testid": "sim-new" }, "Simulate a new Telegram customer");
  const again = el("button", { type: "button", "data-testid": "sim-again" });
  const refresh = () => {
    const last = simulatedPeople().at(-1);
    again.hidden = !last;
    if (last) again.textContent = `Another message from ${last.name}`;
  };
  const send = async (body) => {
    fresh.disabled = again.disabled = true;
    try {
      const res = await fetch("/__telegram/simulate", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const sent = await res.json();
      if (!res.ok) throw new Error(sent.error);
      const people = simulatedPeople();
      if (!people.some((p) => p.sender_id === sent.sender_id)) {
        people.push({ sender_id: sent.sender_id, name: sent.name });
        sessionStorage.setItem(SIM_KEY, JSON.stringify(people));
      }
      status.textContent = `${sent.name} wrote on Telegram: “${sent.text}” Waiting for the relay…`;
      const contact = await contactFor(zendesk, sent.sender_id);
      if (!contact) {
        status.textContent = `No contact for Telegram ID ${sent.sender_id} after 30 s: is the relay connected to this CRM? (cargo xtask demo connects it)`;
        return;
      }
      status.textContent = body.sender_id
        ? `${sent.name} wrote again; the contact stays “${contact.name}”, as the CRM has it.`
        : `Saved in the CRM as “${contact.name}”, senderId ${sent.sender_id}.`;
      await onSaved(contact);
    } catch (e) {
      status.textContent = "";
      toast(`The simulated message was not sent: ${e.message}`, "error");
    } finally {
      fresh.disabled = again.disabled = false;
      refresh();
    }
  };
  fresh.addEventListener("click", () => send({}));
  again.addEventListener("click", () => send({ sender_id: simulatedPeople().at(-1).sender_id }));
  refresh();
  return el("div", { class: "sim", "aria-label": "Telegram (simulated)" }, el("strong", {}, "Telegram "), fresh, " ", again, " ", status);
}

function renderUser(install, fieldKeys, user, onSave, onRename) {
  const key = install.settings.sender_id_field;
  const name = el("input", { id: "host-name", "data-testid": "host-name", "aria-label": "Name" });
  name.value = user.name;
  const rename = el("button", { type: "button", "data-testid": "host-name-save", onclick: () => name.value.trim() && onRename(name.value.trim()) }, "Rename");
  const input = el("input", { id: "host-field", "data-testid": "host-field", "aria-label": `Custom field ${key}` });
  input.value = user.user_fields[key] ?? "";
  const save = el("button", { type: "button", "data-testid": "host-field-save", onclick: () => onSave(input.value.trim() || null) }, "Update");
  const dl = el("dl", {},
    el("dt", {}, "Name"), el("dd", {}, name, " ", rename),
    el("dt", {}, "Email"), el("dd", {}, user.email ?? "—"),
    el("dt", {}, "Phone"), el("dd", {}, user.phone ?? "—"),
    el("dt", {}, "Notes"), el("dd", {}, user.notes || "—"),
    el("dt", {}, fieldKeys.includes(key) ? key : `${key} (no such user field)`), el("dd", {}, input, " ", save),
    // The other custom fields, read only (the relay's sync keeps a Telegram username field).
    ...fieldKeys.filter((k) => k !== key).flatMap((k) => [el("dt", {}, k), el("dd", { "data-testid": `host-field-${k}` }, String(user.user_fields[k] ?? "—"))]),
  );
  return [el("h2", { "data-testid": "record-name" }, user.name), dl];
}

/** The settings page: the app install's settings, who is signed in, and the double's faults. */
async function renderSettings(zendesk, install) {
  const form = el("form", { class: "settings", "data-testid": "settings" });
  const field = (label, name, value, type = "text") =>
    form.append(el("label", { for: `s-${name}` }, label), el("input", { id: `s-${name}`, name, type, value: value ?? "" }));
  form.append(el("h2", {}, "App settings"));
  field("Relay URL (relay_url)", "relay_url", install.settings.relay_url);
  field("Relay token (relay_token, secure: kept by the CRM, never sent to the app)", "relay_token", install.secureSettings.relay_token, "password");
  field("Custom field key (sender_id_field)", "sender_id_field", install.settings.sender_id_field);
  field("Default phone region (default_phone_region)", "default_phone_region", install.settings.default_phone_region);
  form.append(el("h2", {}, "Signed-in agent"));
  const { users: staff } = await zendesk.must("GET", "/api/v2/users.json?page[size]=100&role[]=agent&role[]=admin");
  const agent = el("select", { id: "s-agent", name: "agent", "data-testid": "settings-agent" },
    ...staff.map((u) => {
      const kind = u.role === "admin" ? "admin" : u.role_type === 1 ? "light agent: may not edit users" : "agent";
      const o = el("option", { value: u.email }, `${u.name} (${kind})`);
      o.selected = u.email === install.agentEmail;
      return o;
    }));
  form.append(el("label", { for: "s-agent" }, "Agent (currentUser)"), agent);
  field("Agent locale override (currentUser.locale; empty: the agent's own)", "locale", install.locale ?? "");

  form.append(el("h2", {}, "Zendesk faults (the double's /__double/faults)"));
  const faults = await (await fetch("/__double/faults")).json();
  const numbers = [
    ["rate_limit", "Requests per minute (plans: 200 to 2,500)"],
    ["storm_429", "Answer the next N API requests with 429"],
    ["storm_retry_after", "Retry-After of those 429s, seconds"],
    ["burst_5xx", "Answer the next N API requests with 503"],
    ["reject_writes", "Answer the next N API writes with 422"],
    ["slow_ms", "Delay every API answer, ms"],
    ["search_lag_ms", "Writes reach search after, ms"],
    ["job_item_ms", "Bulk job time per user, ms"],
  ];
  for (const [name, label] of numbers) field(label, `f-${name}`, String(faults[name]), "number");
  field("Users whose bulk updates fail (IDs, comma-separated)", "f-fail_items", faults.fail_items.join(","));

  form.append(el("p", {}, el("button", { type: "submit", "data-testid": "settings-save" }, "Save settings")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    install.settings = { relay_url: f.get("relay_url"), sender_id_field: f.get("sender_id_field"), default_phone_region: f.get("default_phone_region") };
    install.secureSettings = { relay_token: f.get("relay_token") };
    install.agentEmail = f.get("agent");
    install.locale = f.get("locale") || null;
    saveInstall(install);
    const next = Object.fromEntries(numbers.map(([name]) => [name, Number(f.get(`f-${name}`))]));
    next.fail_items = String(f.get("f-fail_items")).split(",").map((s) => s.trim()).filter(Boolean).map(Number);
    const res = await fetch("/__double/faults", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(next) });
    if (res.ok) toast("Settings saved; open a customer to see the app with them.");
    else toast(`The faults were not saved: ${await res.text()}`, "error");
  });
  return form;
}

async function main() {
  const config = await (await fetch("config.json")).json();
  const install = loadInstall(config);
  const zendesk = new Zendesk(config, install);
  const r = route();
  $("reset").addEventListener("click", async () => {
    const res = await fetch("/__double/reset", { method: "POST" });
    if (!res.ok) return toast(`The demo data could not be reset: ${await res.text()}`, "error");
    sessionStorage.removeItem(INSTALL_KEY);
    location.reload();
  });
  for (const a of document.querySelectorAll(".rail a")) {
    const href = new URL(a.href);
    const current = (r.view === "nav" && href.searchParams.has("nav")) || href.searchParams.get("view") === r.view
      || (r.view === "user" && href.searchParams.get("view") === "users") || (r.view === "ticket" && href.searchParams.get("view") === "tickets");
    if (current) a.setAttribute("aria-current", "page");
  }

  const main = $("main");
  if (r.view === "settings") {
    main.className = "page";
    $("list").replaceChildren(await renderSettings(zendesk, install));
    $("apps").hidden = true;
    return;
  }
  await renderList(zendesk, install, r);
  $("sim").replaceChildren(telegramPanel(zendesk, async () => {
    if (r.view === "users" || r.view === "user") await renderList(zendesk, install, r);
  }));
  const fieldKeys = await zendesk.fieldKeys();
  let where = null;
  let user = null;
  let ticket = null;
  const found = (p) => p.catch((e) => (/ 404:/.test(e.message) ? null : Promise.reject(e)));
  if (r.view === "user") {
    user = await found(zendesk.user(r.id));
    if (user) where = { location: "user_sidebar", userId: user.id };
  } else if (r.view === "ticket") {
    ticket = await found(zendesk.ticket(r.id));
    if (ticket) {
      where = { location: "ticket_sidebar", ticketId: ticket.id };
      user = await zendesk.user(ticket.requester_id);
      $("title").textContent = `Ticket #${ticket.id}: ${ticket.subject}`;
    }
  } else if (r.view === "nav") {
    where = { location: "nav_bar" };
    main.className = "full";
    $("title").textContent = "Telegram (app page)";
  }
  if (!where) {
    // No record open: say where the app is, rather than an empty column.
    main.className = "wide";
    $("apps").hidden = true;
    const what = r.view === "tickets" || r.view === "ticket" ? "a ticket" : "a customer";
    const missing = r.id !== undefined ? `No record ${r.id} here. ` : "";
    $("record").replaceChildren(el("p", { class: "empty", "data-testid": "record-empty" },
      `${missing}Open ${what} to see the Telegram Sidebar beside it.`));
    return;
  }

  const renderRecord = async () => {
    if (!user) return;
    const requester = [];
    if (where.location === "ticket_sidebar") {
      // The ticket's requester can be changed, as in Zendesk: ticket.requester.id.changed reaches the app.
      const { users } = await zendesk.must("GET", "/api/v2/users.json?page[size]=100&role=end-user");
      if (!users.some((u) => u.id === user.id)) users.unshift(user);
      const select = el("select", { "data-testid": "ticket-requester", "aria-label": "Requester" },
        ...users.map((u) => {
          const o = el("option", { value: String(u.id) }, u.name);
          o.selected = u.id === user.id;
          return o;
        }));
      select.addEventListener("change", async () => {
        try {
          ticket = (await zendesk.must("PUT", `/api/v2/tickets/${ticket.id}.json`, { ticket: { requester_id: Number(select.value) } })).ticket;
          user = await zendesk.user(ticket.requester_id);
          await renderRecord();
          parent.trigger("ticket.requester.id.changed", ticket.requester_id);
        } catch (e) {
          toast(e.message, "error");
        }
      });
      requester.push(el("p", {}, "Requester: ", select));
    }
    $("record").replaceChildren(...requester, ...renderUser(install, fieldKeys, user, async (value) => {
      // The agent edits the field in the CRM itself: Zendesk fires user.<key>.changed to the app.
      const key = install.settings.sender_id_field;
      try {
        const before = user.user_fields[key] ?? null;
        user = await zendesk.setField(user.id, key, value);
        if (before !== (user.user_fields[key] ?? null)) {
          if (where.location === "user_sidebar") parent.trigger(`user.${key}.changed`, value);
          await renderList(zendesk, install, r);
        }
      } catch (e) {
        toast(e.message, "error");
      }
    }, async (name) => {
      try {
        user = (await zendesk.must("PUT", `/api/v2/users/${user.id}.json`, { user: { name } })).user;
        await renderRecord();
        await renderList(zendesk, install, r);
      } catch (e) {
        toast(e.message, "error");
      }
    }));
  };

  const pluginOrigin = new URL(config.pluginUrl).origin;
  const appGuid = crypto.randomUUID();
  // Each location loads the page the manifest names for it: the nav bar has its own bundle.
  const page = where.location === "nav_bar" ? "bulk.html" : "index.html";
  // Zendesk adds its colour scheme to the iframe URL (developer.zendesk.com, "Dark mode" in the
  // app developer guide); here it is the page's own `scheme` parameter, light by default, and
  // `scheme=none` plays a host that says nothing (the OS decides).
  const asked = new URLSearchParams(location.search).get("scheme");
  const scheme = asked === "none" ? "" : `&colorScheme=${asked === "dark" ? "dark" : "light"}`;
  const src = `${config.pluginUrl}/${page}?origin=${encodeURIComponent(location.origin)}&app_guid=${appGuid}${scheme}`;
  const iframe = el("iframe", { title: "Telegram Sidebar app", "data-testid": "plugin-frame", name: "telegram-sidebar", allow: "clipboard-write" });
  const parent = new ZafParent({
    iframe, pluginOrigin, appGuid, where, zendesk, install,
    onFieldWritten: async () => {
      if (user) user = await zendesk.user(user.id);
      await renderRecord();
      await renderList(zendesk, install, r);
    },
  });
  window.zafParent = parent;
  await renderRecord();
  iframe.src = src;
  $("apps").append(iframe);
}

main().catch((e) => toast(`The local CRM page failed to start: ${e.message}`, "error"));
