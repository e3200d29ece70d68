//! [`ZafHost`]: the sidebar inside Zendesk, through the real ZAF SDK (`window.ZAFClient`, loaded by
//! `index.html` from Zendesk's CDN in production and from the npm copy on the local CRM page).
//!
//! # Every ZAF call and Zendesk API request this adapter makes
//!
//! The parent page (Zendesk, or the local CRM page of `www/`) must answer exactly these.
//! `<key>` is the field key setting (default `senderId`); `<id>` a Zendesk user ID.
//!
//! Start-up (`ZafHost::connect`):
//! 1. `ZAFClient.init()` — the SDK reads `origin` and `app_guid` from the iframe URL.
//! 2. `client.context()` → `{ location: "user_sidebar" | "ticket_sidebar" | "nav_bar", … }`.
//! 3. `client.metadata()` → `{ settings: { relay_url: "http://…", sender_id_field?: "senderId",
//!    default_phone_region?: "ES" } }` (the secure `relay_token` is never in it).
//! 4. `client.get(["currentUser.id", "currentUser.name", "currentUser.locale"])`
//!    → `{ "currentUser.id": 7, "currentUser.name": "Ann", "currentUser.locale": "es" }`.
//! 5. user_sidebar: `client.get(["user.id", "user.name", "user.email", "user.identities"])`;
//!    ticket_sidebar: `client.get(["ticket.requester.id", "ticket.requester.name",
//!    "ticket.requester.email", "ticket.requester.identities"])` → same shape keyed by path (missing
//!    paths may be absent). The contact's phone is the first identity `{ type: "phone_number",
//!    value: "+44 …" }` (ZAF's user object has no phone property).
//!
//! The senderId field:
//! - user_sidebar read: `client.get("user.customField:<key>")` → `{ "user.customField:<key>":
//!   "7100000001" | null }`; a rejection (unknown field) is shown as "field missing".
//! - user_sidebar write: `client.set("user.customField:<key>", "7100000001" | null)`.
//! - user_sidebar changes: `client.on("user.<key>.changed", handler)`; the handler re-reads the field.
//! - both sidebars: `client.on("app.activated", handler)` re-reads the field (a change made in
//!   another tab or by another agent sends no event; the agent coming back to the app does).
//! - ticket_sidebar: `ticket.requester` has no settable custom fields, so read and write go through
//!   the Users API with `client.request` (the agent's own Zendesk session, no `secure`):
//!   - read: `{ url: "/api/v2/users/<id>.json", type: "GET", dataType: "json" }` → `{ user: { id, name,
//!     user_fields: { "<key>": "…" | null } } }`; a `user_fields` without `<key>` means the field
//!     does not exist.
//!   - write: `{ url: "/api/v2/users/<id>.json", type: "PUT", contentType: "application/json",
//!     dataType: "json", data: "{\"user\":{\"user_fields\":{\"<key>\":\"7100000001\"|null}}}" }`.
//!   - changes: `client.on("ticket.requester.id.changed", …)` reloads the sidebar (a new contact).
//! - conflict check (both locations): `{ url: "/api/v2/users/search.json?query=<key>%3A<value>",
//!   type: "GET", dataType: "json" }` → `{ users: [{ id, name, user_fields: { … } }] }`; the result
//!   is filtered exactly (`user_fields[<key>] == value`, id ≠ the open contact).
//!
//! The relay (every `/v1/…` call of `services::relay`):
//! `client.request({ url: relayUrl + "/v1/…", type: "GET" | "POST", contentType: "application/json",
//! data: "<JSON body>" (POST only), headers: { Authorization: "Bearer {{setting.relay_token}}" },
//! secure: true, httpCompleteResponse: true })`. Zendesk's proxy substitutes the secure setting, so
//! the token never reaches the browser. Resolves (2xx) or rejects (other statuses) with
//! `{ status: 200, responseText: "…", responseJSON?: … }`; a rejection without a `status` (or
//! status 0) means the relay was unreachable.
//!
//! Size: `client.invoke("resize", { width: "100%", height: "<n>px" })`.
//!
//! Colour scheme: the iframe URL's `colorScheme=light|dark`, then `client.on("colorScheme.changed",
//! scheme)` (https://developer.zendesk.com/documentation/apps/app-developer-guide/dark-mode).
//! Another contact: `client.invoke("routeTo", "user", id)`.
//!
//! The bulk page (`crm_api`): `client.request({ url: "/api/v2/…", type: "GET" | "PUT",
//! contentType: "application/json", data: "<JSON>"?, httpCompleteResponse: true })` → `{ status,
//! headers: { "retry-after"?: "30", … }, responseText }`. Calls: `users/me.json`,
//! `users.json?page[size]=100&role=end-user[&page[after]=…]`, `user_fields.json`,
//! `users/show_many.json?ids=…`, `users/update_many.json` (`{"users":[{"id":…,"user_fields":{…}}]}`),
//! `job_statuses/<id>.json`.

use std::rc::Rc;

use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::standalone::js_error_text;
use super::{
    ConnectError, Contact, ContactRef, CrmApi, CrmHost, CrmReply, CrmRequest, HostContext,
    HostError, HostFuture, Location, RelayReply, RelayRequest, Unreachable, encode_component,
};

#[wasm_bindgen]
extern "C" {
    /// A ZAF client (`ZAFClient.init()`).
    #[derive(Clone)]
    pub type ZafClient;

    #[wasm_bindgen(js_namespace = ZAFClient, js_name = init, catch)]
    fn zaf_init() -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn get(this: &ZafClient, paths: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn set(this: &ZafClient, key: &str, value: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method)]
    fn on(this: &ZafClient, name: &str, handler: &js_sys::Function);

    #[wasm_bindgen(method)]
    fn request(this: &ZafClient, options: &JsValue) -> Promise;

    #[wasm_bindgen(method, catch)]
    fn invoke(this: &ZafClient, name: &str, arg: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method, catch, js_name = invoke)]
    fn invoke2(this: &ZafClient, name: &str, a: &JsValue, b: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(method)]
    fn context(this: &ZafClient) -> Promise;

    #[wasm_bindgen(method)]
    fn metadata(this: &ZafClient) -> Promise;
}

/// Whether `window.ZAFClient` exists.
pub fn sdk_present() -> bool {
    Reflect::has(&js_sys::global(), &"ZAFClient".into()).unwrap_or(false)
}

/// The Zendesk adapter. Cheap to clone.
#[derive(Clone)]
pub struct ZafHost {
    inner: Rc<Inner>,
}

struct Inner {
    client: ZafClient,
    /// The relay's base URL, or why the setting cannot be used (the field still works).
    relay_url: Result<String, ConnectError>,
    context: HostContext,
}

fn get_path(obj: &JsValue, path: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(path)).unwrap_or(JsValue::UNDEFINED)
}

/// A JS value as text: strings as they are, numbers in decimal (Zendesk IDs are numbers).
fn text(v: &JsValue) -> Option<String> {
    if let Some(s) = v.as_string() {
        return Some(s);
    }
    // Zendesk IDs are integers below 2^53: exact in an f64.
    v.as_f64()
        .filter(|n| n.fract() == 0.0 && *n >= 0.0)
        .map(|n| (n as u64).to_string())
}

fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

fn paths(list: &[&str]) -> JsValue {
    list.iter()
        .map(|p| JsValue::from_str(p))
        .collect::<Array>()
        .into()
}

async fn wait(p: Result<Promise, JsValue>) -> Result<JsValue, String> {
    let p = p.map_err(|e| js_error_text(&e))?;
    JsFuture::from(p).await.map_err(|e| js_error_text(&e))
}

impl ZafHost {
    /// Initialises the SDK and gathers the context, settings, agent and contact.
    pub async fn connect() -> Result<ZafHost, ConnectError> {
        let client: ZafClient = zaf_init()
            .map_err(|e| js_error_text(&e))?
            .dyn_into::<Object>()
            .map_err(|_| {
                "ZAFClient.init() returned no client: the page URL lacks origin/app_guid"
                    .to_string()
            })?
            .unchecked_into();
        // The agent switched Zendesk between light and dark.
        let scheme = Closure::<dyn Fn(JsValue)>::new(|v: JsValue| {
            // Anything but "light" or "dark" leaves the scheme as it is.
            if let Some(scheme) = v.as_string().filter(|s| s == "light" || s == "dark") {
                super::apply_color_scheme(Some(&scheme));
            }
        });
        client.on("colorScheme.changed", scheme.as_ref().unchecked_ref());
        scheme.forget(); // lives as long as the page
        let ctx = wait(Ok(client.context())).await?;
        let location = match text(&get_path(&ctx, "location")).as_deref() {
            Some("user_sidebar") => Location::UserSidebar,
            Some("ticket_sidebar") => Location::TicketSidebar,
            Some("nav_bar") => Location::NavBar,
            other => {
                return Err(ConnectError::Other(format!(
                    "unsupported ZAF location “{}”",
                    other.unwrap_or_default()
                )));
            }
        };
        let meta = wait(Ok(client.metadata())).await?;
        let settings = get_path(&meta, "settings");
        let setting = |k: &str| text(&get_path(&settings, k)).filter(|s| !s.trim().is_empty());
        // A missing or unusable relay URL stops relay calls, not the app: the field the CRM holds
        // is still shown and editable, and the relay's panels say which setting to fix.
        let relay_url = setting("relay_url")
            .ok_or(ConnectError::RelayUrlMissing)
            .and_then(|url| super::relay_base_url(&url));
        let field_key = setting("sender_id_field").unwrap_or_else(|| "senderId".into());
        let me = wait(client.get(&paths(&[
            "currentUser.id",
            "currentUser.name",
            "currentUser.locale",
        ])))
        .await?;
        let agent_name = text(&get_path(&me, "currentUser.name")).unwrap_or_default();
        let agent = format!(
            "zendesk agent {} {}",
            text(&get_path(&me, "currentUser.id")).unwrap_or_default(),
            agent_name
        );
        let prefix = match location {
            Location::UserSidebar => Some("user"),
            Location::TicketSidebar => Some("ticket.requester"),
            _ => None,
        };
        let contact = match prefix {
            Some(prefix) => {
                let keys = ["id", "name", "email", "identities"].map(|k| format!("{prefix}.{k}"));
                let got = wait(client.get(&paths(&keys.each_ref().map(String::as_str)))).await?;
                // The ZAF user object has no phone property: phones are `phone_number` identities.
                let identities: Array = get_path(&got, &keys[3]).dyn_into().unwrap_or_default();
                let phone = identities
                    .iter()
                    .find(|i| text(&get_path(i, "type")).as_deref() == Some("phone_number"))
                    .and_then(|i| text(&get_path(&i, "value")));
                text(&get_path(&got, &keys[0])).map(|id| Contact {
                    id,
                    name: text(&get_path(&got, &keys[1])).unwrap_or_default(),
                    email: text(&get_path(&got, &keys[2])),
                    phone,
                })
            }
            None => None,
        };
        let context = HostContext {
            location,
            locale: text(&get_path(&me, "currentUser.locale")),
            contact,
            field_key,
            agent: agent.trim().to_string(),
            agent_name: agent_name.trim().to_string(),
            phone_region: setting("default_phone_region"),
        };
        Ok(ZafHost {
            inner: Rc::new(Inner {
                client,
                relay_url,
                context,
            }),
        })
    }

    fn contact_id(&self) -> Result<String, HostError> {
        self.inner
            .context
            .contact
            .as_ref()
            .map(|c| c.id.clone())
            .ok_or(HostError::NoContact)
    }

    /// `client.request(options)` with `data: body` when there is one; the settled value and
    /// whether it resolved (a rejection carries the response too).
    async fn request_settled(
        &self,
        mut options: Vec<(&str, JsValue)>,
        body: Option<&str>,
    ) -> (JsValue, bool) {
        if let Some(body) = body {
            options.push(("data", body.into()));
        }
        match JsFuture::from(self.inner.client.request(&object(&options))).await {
            Ok(v) => (v, true),
            Err(e) => (e, false),
        }
    }

    /// `client.request` to Zendesk's own API, answering the parsed JSON.
    async fn zendesk_api(&self, options: JsValue) -> Result<JsValue, HostError> {
        JsFuture::from(self.inner.client.request(&options))
            .await
            .map_err(|e| {
                let status = text(&get_path(&e, "status")).unwrap_or_default();
                let body = text(&get_path(&e, "responseText")).unwrap_or_else(|| js_error_text(&e));
                HostError::Failed(format!("Zendesk API {status} {body}"))
            })
    }

    fn user_url(id: &str) -> String {
        format!("/api/v2/users/{}.json", encode_component(id))
    }
}

impl CrmHost for ZafHost {
    fn context(&self) -> HostContext {
        self.inner.context.clone()
    }

    fn read_sender_field(&self) -> HostFuture<Result<Option<String>, HostError>> {
        let this = self.clone();
        Box::pin(async move {
            let key = this.inner.context.field_key.clone();
            let missing = || HostError::FieldMissing { key: key.clone() };
            let value = match this.inner.context.location {
                Location::UserSidebar => {
                    let path = format!("user.customField:{key}");
                    let got = wait(this.inner.client.get(&JsValue::from_str(&path)))
                        .await
                        .map_err(|_| missing())?;
                    get_path(&got, &path)
                }
                Location::TicketSidebar => {
                    let id = this.contact_id()?;
                    let url = ZafHost::user_url(&id);
                    let got = this
                        .zendesk_api(object(&[
                            ("url", url.into()),
                            ("type", "GET".into()),
                            ("dataType", "json".into()),
                        ]))
                        .await?;
                    let fields = get_path(&get_path(&got, "user"), "user_fields");
                    if !Reflect::has(&fields, &JsValue::from_str(&key)).unwrap_or(false) {
                        return Err(missing());
                    }
                    get_path(&fields, &key)
                }
                _ => return Err(HostError::NoContact),
            };
            Ok(text(&value)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()))
        })
    }

    fn write_sender_field(&self, value: Option<String>) -> HostFuture<Result<(), HostError>> {
        let this = self.clone();
        Box::pin(async move {
            let key = this.inner.context.field_key.clone();
            let js_value = value
                .as_deref()
                .map(JsValue::from_str)
                .unwrap_or(JsValue::NULL);
            match this.inner.context.location {
                Location::UserSidebar => {
                    let path = format!("user.customField:{key}");
                    wait(this.inner.client.set(&path, &js_value))
                        .await
                        .map_err(HostError::Failed)?;
                    Ok(())
                }
                Location::TicketSidebar => {
                    let id = this.contact_id()?;
                    let fields = object(&[(key.as_str(), js_value)]);
                    let body = object(&[("user", object(&[("user_fields", fields)]))]);
                    let data = js_sys::JSON::stringify(&body)
                        .map(String::from)
                        .unwrap_or_default();
                    this.zendesk_api(object(&[
                        ("url", ZafHost::user_url(&id).into()),
                        ("type", "PUT".into()),
                        ("contentType", "application/json".into()),
                        ("dataType", "json".into()),
                        ("data", data.into()),
                    ]))
                    .await?;
                    Ok(())
                }
                _ => Err(HostError::NoContact),
            }
        })
    }

    fn on_sender_field_changed(&self, callback: Box<dyn Fn(Option<String>)>) {
        let callback: Rc<dyn Fn(Option<String>)> = callback.into();
        // Re-reads the field and reports it; the sidebar ignores a value it already shows.
        let reread = {
            let this = self.clone();
            move || {
                let (this, callback) = (this.clone(), callback.clone());
                Closure::<dyn Fn(JsValue)>::new(move |_: JsValue| {
                    let (this, callback) = (this.clone(), callback.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        if let Ok(v) = this.read_sender_field().await {
                            callback(v);
                        }
                    });
                })
            }
        };
        let listen = |event: &str, handler: Closure<dyn Fn(JsValue)>| {
            self.inner
                .client
                .on(event, handler.as_ref().unchecked_ref());
            handler.forget(); // lives as long as the page
        };
        match self.inner.context.location {
            Location::UserSidebar => {
                let event = format!("user.{}.changed", self.inner.context.field_key);
                listen(&event, reread());
            }
            Location::TicketSidebar => {
                // A different requester is a different contact: start over.
                listen(
                    "ticket.requester.id.changed",
                    Closure::new(|_: JsValue| {
                        if let Some(w) = web_sys::window() {
                            let _ = w.location().reload();
                        }
                    }),
                );
            }
            _ => return,
        }
        // Zendesk sends no event when the field is changed elsewhere (another tab, another agent,
        // the Users API): read it again whenever the agent comes back to this app.
        listen("app.activated", reread());
    }

    fn relay_unusable(&self) -> Option<ConnectError> {
        self.inner.relay_url.as_ref().err().cloned()
    }

    fn relay(&self, request: RelayRequest) -> HostFuture<Result<RelayReply, Unreachable>> {
        let this = self.clone();
        Box::pin(async move {
            // Not reached through `services::relay`, which asks `relay_unusable` first.
            if this.inner.relay_url.is_err() {
                return Err(Unreachable("the Relay URL setting cannot be used".into()));
            }
            let headers = object(&[("Authorization", "Bearer {{setting.relay_token}}".into())]);
            let options = vec![
                (
                    "url",
                    JsValue::from_str(&format!(
                        "{}{}",
                        this.inner.relay_url.as_deref().unwrap_or_default(),
                        request.path
                    )),
                ),
                ("type", request.method.as_str().into()),
                ("contentType", "application/json".into()),
                ("headers", headers),
                ("secure", true.into()),
                ("httpCompleteResponse", true.into()),
            ];
            let (settled, ok) = this.request_settled(options, request.body.as_deref()).await;
            complete_response(&settled, ok)
        })
    }

    fn contacts_with_sender_id(
        &self,
        sender_id: String,
    ) -> HostFuture<Result<Vec<ContactRef>, HostError>> {
        let this = self.clone();
        Box::pin(async move {
            let key = this.inner.context.field_key.clone();
            let own = this.contact_id().ok();
            let query = encode_component(&format!("{key}:{sender_id}"));
            let got = this
                .zendesk_api(object(&[
                    (
                        "url",
                        format!("/api/v2/users/search.json?query={query}").into(),
                    ),
                    ("type", "GET".into()),
                    ("dataType", "json".into()),
                ]))
                .await?;
            let users: Array = get_path(&got, "users").dyn_into().unwrap_or_default();
            Ok(users
                .iter()
                .filter_map(|u| {
                    let id = text(&get_path(&u, "id"))?;
                    let value = text(&get_path(&get_path(&u, "user_fields"), &key))?;
                    (value.trim() == sender_id && Some(&id) != own.as_ref()).then(|| ContactRef {
                        name: text(&get_path(&u, "name")).unwrap_or_else(|| id.clone()),
                        id,
                    })
                })
                .collect())
        })
    }

    fn contact_link(&self, _id: &str) -> super::ContactOpen {
        super::ContactOpen::Route
    }

    fn open_contact(&self, id: &str) {
        // `client.invoke("routeTo", "user", id)` opens the user's page in the agent's interface
        // (Support Apps API, "routeTo": https://developer.zendesk.com/api-reference/apps/apps-support-api/all_locations/#routeto).
        let _ = self
            .inner
            .client
            .invoke2("routeTo", &"user".into(), &id.into());
    }

    fn resize(&self, height_px: u32) {
        let size = object(&[
            ("width", "100%".into()),
            ("height", format!("{height_px}px").into()),
        ]);
        let _ = self.inner.client.invoke("resize", &size);
    }
}

impl CrmApi for ZafHost {
    fn crm_api(&self, request: CrmRequest) -> HostFuture<Result<CrmReply, Unreachable>> {
        let this = self.clone();
        Box::pin(async move {
            let options = vec![
                ("url", JsValue::from_str(&request.path)),
                ("type", request.method.into()),
                ("contentType", "application/json".into()),
                ("httpCompleteResponse", true.into()),
            ];
            let (settled, ok) = this.request_settled(options, request.body.as_deref()).await;
            let headers = get_path(&settled, "headers");
            let retry_after = ["retry-after", "Retry-After"]
                .iter()
                .find_map(|h| text(&get_path(&headers, h)))
                .and_then(|v| v.trim().parse().ok());
            let reply = complete_response(&settled, ok)?;
            Ok(CrmReply {
                status: reply.status,
                retry_after,
                body: reply.body,
            })
        })
    }
}

/// Reads a settled `client.request` with `httpCompleteResponse: true`.
fn complete_response(v: &JsValue, resolved: bool) -> Result<RelayReply, Unreachable> {
    let status = get_path(v, "status").as_f64().map(|s| s as u16);
    let body = || match get_path(v, "responseText").as_string() {
        Some(t) => t,
        None => {
            let json = get_path(v, "responseJSON");
            let json = if json.is_undefined() { v.clone() } else { json };
            json.as_string()
                .or_else(|| js_sys::JSON::stringify(&json).ok().map(String::from))
                .unwrap_or_default()
        }
    };
    match status {
        Some(s) if s != 0 => Ok(RelayReply {
            status: s,
            body: body(),
        }),
        // An SDK that ignored httpCompleteResponse resolves with the body itself.
        None if resolved => Ok(RelayReply {
            status: 200,
            body: body(),
        }),
        _ => Err(Unreachable(
            text(&get_path(v, "statusText"))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| js_error_text(v)),
        )),
    }
}
