// The Zendesk side of the local CRM page that is not the REST API, without the DOM: the ZAF data
// paths (`client.get`/`client.set`) resolved over users and tickets fetched from the Zendesk double
// (crates/zendesk-double, which holds the contacts), the ZAF user object, and the secure-setting
// rules of `client.request`. Formats follow Zendesk's documentation (ZAF user and ticket objects,
// https://developer.zendesk.com/api-reference/apps/apps-support-api/); everything else is refused
// the way Zendesk refuses it. Runs in the browser (crm.js) and in node (e2e/zendesk.test.mjs).

/** Zendesk's error for a path ZAF cannot resolve, keyed by path in `errors` (see the SDK's processResponse). */
function pathError(path, message) {
  return { name: "Error", message, path };
}

const noHandler = (path) => `Could not find handler for: "${path}"`;

/** The ZAF user object (camelCase) for a REST API user (snake_case). */
export function zafUser(user) {
  return {
    id: user.id, name: user.name, email: user.email, externalId: user.external_id ?? null, role: user.role, locale: user.locale,
    timeZone: { ianaName: "Europe/London" }, tags: user.tags ?? [], notes: user.notes ?? "", details: "", organizations: [],
    // ZAF's Identity objects; the phone is only here (the ZAF user object has no `phone` property).
    identities: [{ id: user.id * 10 + 1, type: "email", value: user.email, verified: true, primary: true }].concat(
      user.phone ? [{ id: user.id * 10 + 2, type: "phone_number", value: user.phone, verified: true, primary: true }] : [],
    ),
  };
}

/**
 * Which records a `get` of `paths` needs fetched: "user" (the open user), "ticket" (the open
 * ticket and its requester), "currentUser".
 */
export function recordsFor(paths) {
  return new Set(paths.map((p) => p.split(".")[0]));
}

/**
 * Resolves ZAF `get` paths. `roots` holds what the page fetched: `currentUser` (REST user of the
 * signed-in agent, with `locale` possibly overridden), `user` (REST user, user_sidebar only),
 * `ticket` (REST ticket with `requester` as a REST user, ticket_sidebar only); `fields` the keys
 * of the account's user fields. Returns values keyed by path, plus `errors` keyed by path.
 */
export function get(roots, fields, paths) {
  const result = { errors: {} };
  for (const path of paths) {
    try {
      result[path] = resolve(roots, fields, path);
    } catch (e) {
      result.errors[path] = pathError(path, e.message);
    }
  }
  return result;
}

function resolve(roots, fields, path) {
  const tree = { currentAccount: { subdomain: "localcrm", planName: "demo" } };
  if (roots.currentUser) tree.currentUser = { ...zafUser(roots.currentUser), role: roots.currentUser.role };
  if (roots.user) tree.user = roots.user;
  if (roots.ticket) {
    const t = roots.ticket;
    tree.ticket = { id: t.id, subject: t.subject, status: t.status, requester: t.requester };
  }
  const [head, ...rest] = path.split(".");
  if (!(head in tree)) throw new Error(noHandler(path));
  let value = tree[head];
  let isUser = head === "user";
  for (const seg of rest) {
    if (isUser && seg.startsWith("customField:")) {
      const key = seg.slice("customField:".length);
      if (!fields.includes(key)) throw new Error(noHandler(path));
      value = value.user_fields[key] ?? null;
      isUser = false;
      continue;
    }
    const obj = isUser ? zafUser(value) : value;
    if (obj === null || typeof obj !== "object" || !(seg in obj)) throw new Error(noHandler(path));
    value = obj[seg];
    isUser = head === "ticket" && seg === "requester";
  }
  return isUser ? zafUser(value) : value;
}

/**
 * Checks ZAF `set` pairs. Only the open user's custom fields are settable (user_sidebar), as in
 * Zendesk; `ticket.requester` is read-only; a text field takes a string or null. Returns the
 * writes to make (`{ path, key, value }`, "" written as null) and the refused paths in `errors`.
 */
export function planSet(location, fields, pairs) {
  const writes = [];
  const errors = {};
  for (const [path, value] of Object.entries(pairs ?? {})) {
    const m = /^user\.customField:(.+)$/.exec(path);
    if (location !== "user_sidebar" || !m || !fields.includes(m[1])) {
      errors[path] = pathError(path, noHandler(path));
    } else if (value !== null && typeof value !== "string") {
      errors[path] = pathError(path, "custom text fields take a string or null");
    } else {
      writes.push({ path, key: m[1], value: value === "" ? null : value });
    }
  }
  return { writes, errors };
}

/**
 * Applies Zendesk's secure-setting rules to a `client.request` options object and returns the
 * request to send: `{{setting.name}}` placeholders of secure settings are substituted only when
 * `secure: true`, and only in headers (the manifest's `scopes: ["header"]`); non-secure settings
 * are substituted anywhere. A secure placeholder outside the headers is refused.
 */
export function prepareRequest(settings, secureSettings, options) {
  const secure = options.secure === true;
  const fill = (text, allowSecure) =>
    String(text).replace(/\{\{setting\.([A-Za-z0-9_]+)\}\}/g, (whole, name) => {
      if (name in settings) return settings[name] ?? "";
      if (name in secureSettings) {
        if (!secure) return whole;
        if (!allowSecure) throw new Error(`secure setting "${name}" may only be used in headers`);
        return secureSettings[name];
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

/** `Authorization` for the Zendesk API as `email` with the account's API token (Basic, `{email}/token:{token}`). */
export function apiAuthorization(email, token) {
  const bytes = new TextEncoder().encode(`${email}/token:${token}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
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
