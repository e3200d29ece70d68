// The Zendesk side of the local CRM page, without the DOM: the contact store, the ZAF data paths
// (`client.get`/`client.set`), the Users and Search API answers, and the secure-setting rules of
// `client.request`. Formats follow Zendesk's documentation (Users API, Search API, ZAF user and
// ticket objects); only what the plugin uses is implemented, and everything else is refused the
// way Zendesk refuses it. Runs in the browser (crm.js) and in node (e2e/zendesk.test.mjs).

/** The custom user fields this account defines (Zendesk "user fields", by key). */
export const USER_FIELDS = ["senderId"];

/**
 * Demo contacts. Sender IDs are the relay demo's people (see the demo contract in ARCHITECTURE.md):
 * some linked, one with a strong match (phone + name), one with a name-only match, one with no
 * match, and one that conflicts (7100000004 is already held by user 1006).
 */
export function seedUsers() {
  const u = (id, name, email, phone, senderId, notes = "") => ({
    id, name, email, phone, notes, role: "end-user", locale: "en-US", time_zone: "London",
    user_fields: { senderId }, created_at: "2026-01-05T09:00:00Z", updated_at: "2026-01-05T09:00:00Z",
  });
  return [
    u(1001, "Lucía Fernández García", "lucia.fernandez@example.es", "+34 612 345 678", "7100000001", "Linked; long conversation."),
    u(1002, "Олена Коваленко", "olena.k@example.com", null, "7100000005", "Linked."),
    u(1003, "John Perk", "john.perk@example.co.uk", "07700 900123", null, "Unlinked; the relay knows a Jon Perk with this phone."),
    u(1004, "Andrei Ivanov", "a.ivanov@example.org", null, null, "Unlinked; only the name resembles a Telegram person."),
    u(1005, "Grace Hopper", "grace@example.net", "+1 202 555 0143", null, "Unlinked; nobody in Telegram matches."),
    u(1006, "María José Ruiz", "mj.ruiz@example.es", null, "7100000004", "Linked."),
    u(1007, "Maria Ruiz", "maria.ruiz@example.com", null, null, "Unlinked; her Telegram ID is already on user 1006."),
    u(1008, "Former customer", "former@example.com", null, "7100000006", "Linked to a deleted Telegram account."),
  ];
}

/** Demo tickets; the requester is the contact the ticket sidebar shows. */
export function seedTickets() {
  return [
    { id: 101, subject: "Where is my order?", status: "open", requester_id: 1001 },
    { id: 102, subject: "Refund for a double charge", status: "pending", requester_id: 1003 },
    { id: 103, subject: "Привет! Question about delivery", status: "new", requester_id: 1004 },
  ];
}

/** Zendesk's error for a path ZAF cannot resolve, keyed by path in `errors` (see the SDK's processResponse). */
function pathError(path, message) {
  return { name: "Error", message, path };
}

/** The ZAF user object (camelCase) for a stored user (snake_case, as the REST API). */
function zafUser(user) {
  return {
    id: user.id, name: user.name, email: user.email, externalId: null, role: user.role, locale: user.locale,
    timeZone: { ianaName: "Europe/London" }, tags: [], notes: user.notes, details: "", organizations: [],
    // ZAF's Identity objects; the phone is only here (the ZAF user object has no `phone` property).
    identities: [{ id: user.id * 10 + 1, type: "email", value: user.email, verified: true, primary: true }].concat(
      user.phone ? [{ id: user.id * 10 + 2, type: "phone_number", value: user.phone, verified: true, primary: true }] : [],
    ),
  };
}

export class Account {
  constructor({ users = seedUsers(), tickets = seedTickets(), agent, settings, secureSettings } = {}) {
    this.users = users;
    this.tickets = tickets;
    this.agent = agent ?? { id: 7, name: "Ann Agent", email: "ann@example.com", locale: "en-US", role: "agent" };
    this.settings = settings ?? { relay_url: "http://127.0.0.1:8787", sender_id_field: "senderId", default_phone_region: "GB" };
    this.secureSettings = secureSettings ?? { relay_token: "demo-install-token" };
  }

  user(id) {
    return this.users.find((u) => String(u.id) === String(id)) ?? null;
  }

  ticket(id) {
    return this.tickets.find((t) => String(t.id) === String(id)) ?? null;
  }

  /** Writes a custom field; returns whether the value changed. Unknown keys throw. */
  setUserField(id, key, value) {
    const user = this.user(id);
    if (!user) throw new Error(`no user ${id}`);
    if (!USER_FIELDS.includes(key)) throw new Error(`no user field with key "${key}"`);
    const next = value === "" || value === undefined ? null : value;
    const changed = user.user_fields[key] !== next;
    user.user_fields[key] = next;
    user.updated_at = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    return changed;
  }

  /**
   * Resolves ZAF `get` paths for an app instance at `where` = { location, userId?, ticketId? }.
   * Returns the result object ZAF posts back: values keyed by path, plus `errors` keyed by path.
   */
  get(where, paths) {
    const result = { errors: {} };
    for (const path of paths) {
      try {
        result[path] = this.resolve(where, path);
      } catch (e) {
        result.errors[path] = pathError(path, e.message);
      }
    }
    return result;
  }

  resolve(where, path) {
    const roots = {
      currentUser: this.agent,
      currentAccount: { subdomain: "localcrm", planName: "demo" },
    };
    if (where.location === "user_sidebar") roots.user = this.user(where.userId);
    if (where.location === "ticket_sidebar") {
      const t = this.ticket(where.ticketId);
      roots.ticket = t && { id: t.id, subject: t.subject, status: t.status, requester: this.user(t.requester_id) };
    }
    const [head, ...rest] = path.split(".");
    if (!(head in roots)) throw new Error(`Could not find handler for: "${path}"`);
    let value = roots[head];
    let isUser = head === "user";
    for (let i = 0; i < rest.length; i++) {
      const seg = rest[i];
      if (isUser && seg.startsWith("customField:")) {
        const key = seg.slice("customField:".length);
        if (!USER_FIELDS.includes(key)) throw new Error(`Could not find handler for: "${path}"`);
        value = value.user_fields[key] ?? null;
        isUser = false;
        continue;
      }
      const obj = isUser ? zafUser(value) : value;
      if (obj === null || typeof obj !== "object" || !(seg in obj)) throw new Error(`Could not find handler for: "${path}"`);
      value = obj[seg];
      isUser = head === "ticket" && seg === "requester";
    }
    return isUser ? zafUser(value) : value;
  }

  /**
   * Applies ZAF `set` pairs. Only the open user's custom fields are settable (user_sidebar), as in
   * Zendesk; `ticket.requester` is read-only. Returns { result, changed: [[eventName, value]] }.
   */
  set(where, pairs) {
    const result = { errors: {} };
    const changed = [];
    for (const [path, value] of Object.entries(pairs)) {
      const m = /^user\.customField:(.+)$/.exec(path);
      if (where.location !== "user_sidebar" || !m) {
        result.errors[path] = pathError(path, `Could not find handler for: "${path}"`);
        continue;
      }
      try {
        if (value !== null && typeof value !== "string") throw new Error("custom text fields take a string or null");
        if (this.setUserField(where.userId, m[1], value)) changed.push([`user.${m[1]}.changed`, value]);
        result[path] = value;
      } catch (e) {
        result.errors[path] = pathError(path, e.message);
      }
    }
    return { result, changed };
  }

  /**
   * Answers a Zendesk REST API request (`client.request` with a `/api/v2/` URL). Returns
   * { status, body, changedUser? } with Zendesk's JSON shapes.
   */
  api(method, url, body) {
    const u = new URL(url, "https://localcrm.zendesk.com");
    const path = u.pathname.replace(/\.json$/, "");
    const notFound = { status: 404, body: { error: "RecordNotFound", description: "Not found" } };
    let m;
    if (method === "GET" && path === "/api/v2/users") {
      return { status: 200, body: { users: this.users, next_page: null, previous_page: null, count: this.users.length } };
    }
    if (method === "GET" && path === "/api/v2/user_fields") {
      const fields = USER_FIELDS.map((key, i) => ({ id: 360000000 + i, key, type: "text", title: key, active: true, position: i }));
      return { status: 200, body: { user_fields: fields, next_page: null, previous_page: null, count: fields.length } };
    }
    if (method === "GET" && path === "/api/v2/users/search") {
      const users = this.search(u.searchParams.get("query") ?? "");
      return { status: 200, body: { users, next_page: null, previous_page: null, count: users.length } };
    }
    if (method === "GET" && path === "/api/v2/search") {
      const query = u.searchParams.get("query") ?? "";
      if (!/(^|\s)type:user(\s|$)/.test(query)) {
        return { status: 422, body: { error: "InvalidSearch", description: "the local CRM searches users only: add type:user" } };
      }
      const results = this.search(query.replace(/(^|\s)type:user(\s|$)/, " ")).map((x) => ({ ...x, result_type: "user" }));
      return { status: 200, body: { results, facets: null, next_page: null, previous_page: null, count: results.length } };
    }
    if ((m = /^\/api\/v2\/users\/(\d+)$/.exec(path))) {
      const user = this.user(m[1]);
      if (!user) return notFound;
      if (method === "GET") return { status: 200, body: { user } };
      if (method === "PUT") {
        let fields;
        try {
          fields = (typeof body === "string" ? JSON.parse(body) : body)?.user?.user_fields ?? {};
        } catch {
          return { status: 400, body: { error: "Unprocessable Entity", description: "request body is not JSON" } };
        }
        const unknown = Object.keys(fields).filter((k) => !USER_FIELDS.includes(k));
        if (unknown.length) {
          return { status: 422, body: { error: "RecordInvalid", description: `unknown user field ${unknown.join(", ")}` } };
        }
        const changed = Object.entries(fields).filter(([k, v]) => this.setUserField(user.id, k, v));
        return { status: 200, body: { user }, changedUser: changed.length ? user.id : undefined };
      }
    }
    return notFound;
  }

  /** Zendesk user search: `key:value` terms match custom fields (or email/name), other words the name or email. */
  search(query) {
    const terms = query.trim().split(/\s+/).filter(Boolean);
    return this.users.filter((user) =>
      terms.every((term) => {
        const colon = term.indexOf(":");
        if (colon > 0) {
          const key = term.slice(0, colon);
          const value = term.slice(colon + 1).replace(/^"|"$/g, "");
          if (key === "email") return user.email === value;
          if (key === "name") return user.name.toLowerCase().includes(value.toLowerCase());
          return USER_FIELDS.includes(key) && user.user_fields[key] === value;
        }
        const t = term.toLowerCase();
        return user.name.toLowerCase().includes(t) || (user.email ?? "").toLowerCase().includes(t);
      }),
    );
  }

  /**
   * Applies Zendesk's secure-setting rules to a `client.request` options object and returns the
   * request to send: `{{setting.name}}` placeholders of secure settings are substituted only when
   * `secure: true`, and only in headers (the manifest's `scopes: ["header"]`); non-secure settings
   * are substituted anywhere. A secure placeholder outside the headers is refused.
   */
  prepareRequest(options) {
    const secure = options.secure === true;
    const fill = (text, allowSecure) =>
      String(text).replace(/\{\{setting\.([A-Za-z0-9_]+)\}\}/g, (whole, name) => {
        if (name in this.settings) return this.settings[name] ?? "";
        if (name in this.secureSettings) {
          if (!secure) return whole;
          if (!allowSecure) throw new Error(`secure setting "${name}" may only be used in headers`);
          return this.secureSettings[name];
        }
        return whole;
      });
    const headers = {};
    for (const [k, v] of Object.entries(options.headers ?? {})) headers[k] = fill(v, true);
    const method = String(options.type ?? options.method ?? "GET").toUpperCase();
    let url = fill(options.url, false);
    let body;
    if (options.data !== undefined && options.data !== null) {
      if (typeof options.data === "string") body = fill(options.data, false);
      else if (method === "GET") {
        const q = new URLSearchParams(options.data).toString();
        url += (url.includes("?") ? "&" : "?") + q;
      } else if (/json/.test(options.contentType ?? "")) body = fill(JSON.stringify(options.data), false);
      else body = new URLSearchParams(options.data).toString();
    }
    if (body !== undefined) headers["Content-Type"] ??= options.contentType ?? "application/x-www-form-urlencoded; charset=UTF-8";
    return { method, url, headers, body };
  }
}

/**
 * What `client.request` resolves or rejects with, built from an HTTP status and body text, as
 * jQuery's jqXHR serialises (ZAF passes it through postMessage) or, with
 * `httpCompleteResponse: true`, Zendesk's complete response object.
 */
export function requestOutcome(options, status, statusText, text, headers = {}) {
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const ok = status >= 200 && status < 300;
  const xhr = { readyState: 4, status, statusText, responseText: text };
  if (json !== undefined) xhr.responseJSON = json;
  if (options.httpCompleteResponse) {
    const full = { status, headers, responseText: text };
    if (json !== undefined) full.responseJSON = json;
    return ok ? { done: [full, "success", xhr] } : { fail: [full, "error", statusText] };
  }
  if (!ok) return { fail: [xhr, "error", statusText] };
  const data = options.dataType === "text" ? text : json !== undefined ? json : text;
  return { done: [data, "success", xhr] };
}
