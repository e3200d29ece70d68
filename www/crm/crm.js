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

import { Account, requestOutcome, USER_FIELDS } from "./zendesk.js";

const STORE_KEY = "local-crm-store-v1";
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

/** The account, persisted in sessionStorage so that edits survive moving between records in this tab. */
function loadAccount(config) {
  const saved = JSON.parse(sessionStorage.getItem(STORE_KEY) ?? "null");
  const account = new Account(saved ?? {});
  if (!saved) {
    account.settings.relay_url = config.relayUrl;
    account.secureSettings.relay_token = config.relayToken;
  }
  return account;
}

function saveAccount(account) {
  const { users, tickets, agent, settings, secureSettings } = account;
  sessionStorage.setItem(STORE_KEY, JSON.stringify({ users, tickets, agent, settings, secureSettings }));
}

/** The parent side of ZAF for one app iframe. */
class ZafParent {
  constructor({ iframe, pluginOrigin, appGuid, where, account, onFieldWritten }) {
    Object.assign(this, { iframe, pluginOrigin, appGuid, where, account, onFieldWritten });
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
    if (msg.id !== undefined && msg.request) return this.call(msg);
  }

  registered() {
    const { location, userId, ticketId } = this.where;
    const context = { host: "zendesk", product: "support", location, instanceGuid: this.appGuid, account: { subdomain: "localcrm" } };
    if (userId !== undefined) context.userId = userId;
    if (ticketId !== undefined) context.ticketId = ticketId;
    const metadata = {
      appId: 0, installationId: 1, name: "Telegram Sidebar", version: "local",
      settings: { title: "Telegram Sidebar", ...this.account.settings }, // secure settings are never sent
    };
    this.post({ key: "zaf.app.registered", message: { context, metadata }, appGuid: this.appGuid });
  }

  call({ id, request, params }) {
    let result;
    if (request === "get") {
      result = this.account.get(this.where, Array.isArray(params) ? params : []);
    } else if (request === "set") {
      const { result: r, changed } = this.account.set(this.where, params ?? {});
      result = r;
      if (changed.length) {
        saveAccount(this.account);
        this.onFieldWritten();
      }
      this.post({ id, result });
      for (const [name, value] of changed) this.trigger(name, value);
      return;
    } else if (request === "invoke") {
      result = { errors: {} };
      for (const [name, args] of Object.entries(params ?? {})) {
        if (name === "resize") {
          const h = String(args?.[0]?.height ?? "");
          if (/^\d+(px)?$/.test(h)) this.iframe.style.height = `${Math.min(parseInt(h, 10), 4000)}px`;
          result[name] = null;
        } else if (name === "notify") {
          toast(args?.[0] ?? "", args?.[1] === "error" ? "error" : "notice");
          result[name] = null;
        } else {
          result.errors[name] = { name: "Error", message: `Could not find handler for: "${name}"`, path: name };
        }
      }
    } else {
      this.post({ id, error: { name: "Error", message: `unknown request ${request}` } });
      return;
    }
    this.post({ id, result });
  }

  async request(key, options) {
    const reply = (outcome) => {
      const [suffix, responseArgs] = outcome.done ? ["done", outcome.done] : ["fail", outcome.fail];
      this.trigger(`${key}.${suffix}`, { responseArgs });
    };
    let req;
    try {
      req = this.account.prepareRequest(options);
    } catch (e) {
      reply(requestOutcome(options, 403, "Forbidden", JSON.stringify({ error: e.message })));
      return;
    }
    if (req.url.startsWith("/api/v2/")) {
      const { status, body, changedUser } = this.account.api(req.method, req.url, req.body);
      if (changedUser !== undefined) {
        saveAccount(this.account);
        this.onFieldWritten();
      }
      reply(requestOutcome(options, status, status === 200 ? "OK" : "error", JSON.stringify(body), { "content-type": "application/json" }));
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

function renderList(account, r) {
  const list = $("list");
  list.replaceChildren();
  if (r.view === "ticket" || r.view === "tickets") {
    for (const t of account.tickets) {
      const who = account.user(t.requester_id)?.name ?? "?";
      list.append(listItem(`?ticket=${t.id}`, `#${t.id} ${t.subject}`, who, r.id === String(t.id)));
    }
  } else {
    for (const u of account.users) {
      const sid = u.user_fields.senderId;
      list.append(listItem(`?user=${u.id}`, u.name, sid ? `senderId ${sid}` : "no senderId", r.id === String(u.id)));
    }
  }
}

function renderUser(account, user, onSave) {
  const key = account.settings.sender_id_field;
  const input = el("input", { id: "host-field", "data-testid": "host-field", "aria-label": `Custom field ${key}`, value: user.user_fields[key] ?? "" });
  input.value = user.user_fields[key] ?? "";
  const save = el("button", { type: "button", "data-testid": "host-field-save", onclick: () => onSave(input.value.trim() || null) }, "Update");
  const dl = el("dl", {},
    el("dt", {}, "Email"), el("dd", {}, user.email ?? "—"),
    el("dt", {}, "Phone"), el("dd", {}, user.phone ?? "—"),
    el("dt", {}, "Notes"), el("dd", {}, user.notes || "—"),
    el("dt", {}, USER_FIELDS.includes(key) ? key : `${key} (no such user field)`), el("dd", {}, input, " ", save),
  );
  return [el("h2", { "data-testid": "record-name" }, user.name), dl];
}

function renderSettings(account) {
  const form = el("form", { class: "settings", "data-testid": "settings" });
  const field = (label, name, value, type = "text") =>
    form.append(el("label", { for: `s-${name}` }, label), el("input", { id: `s-${name}`, name, type, value: value ?? "" }));
  field("Relay URL (relay_url)", "relay_url", account.settings.relay_url);
  field("Relay token (relay_token, secure: kept by the CRM, never sent to the app)", "relay_token", account.secureSettings.relay_token, "password");
  field("Custom field key (sender_id_field)", "sender_id_field", account.settings.sender_id_field);
  field("Default phone region (default_phone_region)", "default_phone_region", account.settings.default_phone_region);
  field("Agent locale (currentUser.locale)", "locale", account.agent.locale);
  form.append(el("p", {}, el("button", { type: "submit" }, "Save settings")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const f = new FormData(form);
    account.settings = { relay_url: f.get("relay_url"), sender_id_field: f.get("sender_id_field"), default_phone_region: f.get("default_phone_region") };
    account.secureSettings = { relay_token: f.get("relay_token") };
    account.agent.locale = f.get("locale");
    saveAccount(account);
    toast("Settings saved; open a customer to see the app with them.");
  });
  return form;
}

async function main() {
  const config = await (await fetch("config.json")).json();
  const account = loadAccount(config);
  const r = route();
  $("reset").addEventListener("click", () => {
    sessionStorage.removeItem(STORE_KEY);
    location.reload();
  });
  for (const a of document.querySelectorAll(".rail a")) {
    const href = new URL(a.href);
    const current = (r.view === "nav" && href.searchParams.has("nav")) || href.searchParams.get("view") === r.view
      || (r.view === "user" && href.searchParams.get("view") === "users") || (r.view === "ticket" && href.searchParams.get("view") === "tickets");
    if (current) a.setAttribute("aria-current", "page");
  }
  renderList(account, r);

  const main = $("main");
  let where = null;
  let user = null;
  if (r.view === "user") {
    user = account.user(r.id);
    if (user) where = { location: "user_sidebar", userId: user.id };
  } else if (r.view === "ticket") {
    const t = account.ticket(r.id);
    if (t) {
      where = { location: "ticket_sidebar", ticketId: t.id };
      user = account.user(t.requester_id);
      $("title").textContent = `Ticket #${t.id}: ${t.subject}`;
    }
  } else if (r.view === "nav") {
    where = { location: "nav_bar" };
    main.className = "full";
    $("title").textContent = "Telegram (app page)";
  } else if (r.view === "settings") {
    main.className = "wide";
    $("list").replaceChildren(renderSettings(account));
    $("apps").hidden = true;
    return;
  }
  if (!where) {
    main.className = "wide";
    $("apps").hidden = true;
    return;
  }

  const renderRecord = () => {
    if (!user) return;
    const requester = [];
    if (where.location === "ticket_sidebar") {
      // The ticket's requester can be changed, as in Zendesk: ticket.requester.id.changed reaches the app.
      const t = account.ticket(where.ticketId);
      const select = el("select", { "data-testid": "ticket-requester", "aria-label": "Requester" },
        ...account.users.map((u) => {
          const o = el("option", { value: String(u.id) }, u.name);
          o.selected = u.id === t.requester_id;
          return o;
        }));
      select.addEventListener("change", () => {
        t.requester_id = Number(select.value);
        user = account.user(t.requester_id);
        saveAccount(account);
        renderRecord();
        parent.trigger("ticket.requester.id.changed", t.requester_id);
      });
      requester.push(el("p", {}, "Requester: ", select));
    }
    $("record").replaceChildren(...requester, ...renderUser(account, user, (value) => {
      // The agent edits the field in the CRM itself: Zendesk fires user.<key>.changed to the app.
      const key = account.settings.sender_id_field;
      try {
        if (account.setUserField(user.id, key, value)) {
          saveAccount(account);
          if (where.location === "user_sidebar") parent.trigger(`user.${key}.changed`, value);
          renderList(account, r);
        }
      } catch (e) {
        toast(e.message, "error");
      }
    }));
  };

  const pluginOrigin = new URL(config.pluginUrl).origin;
  const appGuid = crypto.randomUUID();
  const src = `${config.pluginUrl}/index.html?origin=${encodeURIComponent(location.origin)}&app_guid=${appGuid}`;
  const iframe = el("iframe", { title: "Telegram Sidebar app", "data-testid": "plugin-frame", name: "telegram-sidebar" });
  const parent = new ZafParent({
    iframe, pluginOrigin, appGuid, where, account,
    onFieldWritten: () => {
      renderRecord();
      renderList(account, r);
    },
  });
  window.zafParent = parent;
  renderRecord();
  iframe.src = src;
  $("apps").append(iframe);
}

main().catch((e) => toast(`The local CRM page failed to start: ${e.message}`, "error"));
