//! [`StandaloneHost`]: the sidebar in a plain iframe, for development and for CRMs without an app
//! framework.
//!
//! Configuration comes from the page's query string:
//!
//! | parameter | meaning | default |
//! |---|---|---|
//! | `relay` | relay base URL (required), e.g. `http://127.0.0.1:8787` | |
//! | `token` | relay install token, sent as `Authorization: Bearer …` | none |
//! | `contact`, `name`, `email`, `phone` | the open contact | no contact |
//! | `field` | custom field key | `senderId` |
//! | `value` | initial field value when nothing is stored yet | empty |
//! | `locale`, `agent`, `region` | agent locale, agent name, default phone region | browser, `standalone`, none |
//! | `contact_url` | where another contact opens, `{id}` standing for its ID, e.g. `https://crm.example.com/contacts/{id}` | names shown as text |
//! | `colorScheme` | `light` or `dark` to match the embedding page | the OS preference |
//!
//! A token in a URL is visible to whoever can see the page: this adapter is for development and for
//! deployments where the iframe URL is itself private. Zendesk uses [`super::zaf::ZafHost`], where the
//! token never reaches the browser.
//!
//! The field lives in `localStorage` under `telegram-sidebar/<field>/<contact>` (in memory when
//! storage is unavailable), so the conflict check can scan the other contacts stored there.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::{
    Contact, ContactRef, CrmHost, HostContext, HostError, HostFuture, Location, RelayReply,
    RelayRequest, Unreachable, query_param,
};

/// The standalone adapter. Cheap to clone.
#[derive(Clone)]
pub struct StandaloneHost {
    inner: Rc<Inner>,
}

struct Inner {
    relay: String,
    token: Option<String>,
    context: HostContext,
    /// Used when `localStorage` is unavailable (sandboxed iframes, tests).
    memory: RefCell<BTreeMap<String, String>>,
    initial: Option<String>,
    contact_url: Option<String>,
}

impl StandaloneHost {
    /// Reads the configuration from a query string (`?relay=…&contact=…`).
    pub fn from_query(query: &str) -> Result<StandaloneHost, String> {
        let p = |n: &str| query_param(query, n).filter(|v| !v.trim().is_empty());
        let relay = p("relay").ok_or(
            "the page URL has no `relay` parameter: add ?relay=<relay base URL>, e.g. ?relay=http://127.0.0.1:8787",
        )?;
        let contact = p("contact").map(|id| Contact {
            name: p("name").unwrap_or_else(|| id.clone()),
            id,
            email: p("email"),
            phone: p("phone"),
        });
        let locale = p("locale").or_else(browser_locale);
        let context = HostContext {
            location: Location::Standalone,
            locale,
            contact,
            field_key: p("field").unwrap_or_else(|| "senderId".into()),
            agent: p("agent").unwrap_or_else(|| "standalone".into()),
            agent_name: p("agent").unwrap_or_else(|| "Agent".into()),
            phone_region: p("region"),
        };
        Ok(StandaloneHost {
            inner: Rc::new(Inner {
                relay: relay.trim_end_matches('/').to_string(),
                token: p("token"),
                context,
                memory: RefCell::new(BTreeMap::new()),
                initial: p("value"),
                // Only web addresses: a `javascript:` template would run in the sidebar.
                contact_url: p("contact_url").filter(|u| {
                    u.contains("{id}") && (u.starts_with("https://") || u.starts_with("http://"))
                }),
            }),
        })
    }

    fn prefix(&self) -> String {
        format!("telegram-sidebar/{}/", self.inner.context.field_key)
    }

    fn key(&self) -> Result<String, HostError> {
        let contact = self
            .inner
            .context
            .contact
            .as_ref()
            .ok_or(HostError::NoContact)?;
        Ok(format!("{}{}", self.prefix(), contact.id))
    }

    fn load(&self, key: &str) -> Option<String> {
        match local_storage() {
            Some(s) => s.get_item(key).ok().flatten(),
            None => self.inner.memory.borrow().get(key).cloned(),
        }
    }

    fn store(&self, key: &str, value: Option<&str>) -> Result<(), HostError> {
        let failed = |e: wasm_bindgen::JsValue| {
            HostError::Failed(format!("localStorage: {}", js_error_text(&e)))
        };
        match (local_storage(), value) {
            (Some(s), Some(v)) => s.set_item(key, v).map_err(failed),
            // An empty field is stored as "" so it is not replaced by the `value` parameter again.
            (Some(s), None) => s.set_item(key, "").map_err(failed),
            (None, v) => {
                self.inner
                    .memory
                    .borrow_mut()
                    .insert(key.to_string(), v.unwrap_or("").to_string());
                Ok(())
            }
        }
    }

    /// Every stored (contact id, value) pair of this field.
    fn all(&self) -> Vec<(String, String)> {
        let prefix = self.prefix();
        match local_storage() {
            Some(s) => {
                let len = s.length().unwrap_or(0);
                (0..len)
                    .filter_map(|i| s.key(i).ok().flatten())
                    .filter_map(|k| {
                        let id = k.strip_prefix(&prefix)?.to_string();
                        Some((id, s.get_item(&k).ok().flatten()?))
                    })
                    .collect()
            }
            None => self
                .inner
                .memory
                .borrow()
                .iter()
                .filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?.to_string(), v.clone())))
                .collect(),
        }
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    if !cfg!(target_arch = "wasm32") {
        return None;
    }
    web_sys::window()?.local_storage().ok().flatten()
}

fn browser_locale() -> Option<String> {
    if !cfg!(target_arch = "wasm32") {
        return None;
    }
    web_sys::window()?.navigator().language()
}

impl CrmHost for StandaloneHost {
    fn context(&self) -> HostContext {
        self.inner.context.clone()
    }

    fn read_sender_field(&self) -> HostFuture<Result<Option<String>, HostError>> {
        let result = self.key().map(|key| match self.load(&key) {
            Some(v) => Some(v).filter(|v| !v.is_empty()),
            None => self.inner.initial.clone(),
        });
        Box::pin(async move { result })
    }

    fn write_sender_field(&self, value: Option<String>) -> HostFuture<Result<(), HostError>> {
        let result = self
            .key()
            .and_then(|key| self.store(&key, value.as_deref()));
        // Remember the contact's name, so other contacts' conflict checks can say who holds an ID.
        if let (Ok(()), Some(c)) = (&result, &self.inner.context.contact) {
            let _ = self.store(&format!("telegram-sidebar-name/{}", c.id), Some(&c.name));
        }
        Box::pin(async move { result })
    }

    fn on_sender_field_changed(&self, callback: Box<dyn Fn(Option<String>)>) {
        // Other tabs' writes arrive as `storage` events; this tab's own writes go through the UI.
        let Ok(key) = self.key() else { return };
        let Some(window) = web_sys::window().filter(|_| cfg!(target_arch = "wasm32")) else {
            return;
        };
        let listener = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::StorageEvent)>::new(
            move |e: web_sys::StorageEvent| {
                if e.key().as_deref() == Some(key.as_str()) {
                    callback(e.new_value().filter(|v| !v.is_empty()));
                }
            },
        );
        let _ =
            window.add_event_listener_with_callback("storage", listener.as_ref().unchecked_ref());
        listener.forget(); // lives as long as the page
    }

    fn relay(&self, request: RelayRequest) -> HostFuture<Result<RelayReply, Unreachable>> {
        let url = format!("{}{}", self.inner.relay, request.path);
        let token = self.inner.token.clone();
        Box::pin(async move { fetch(&url, &request, token.as_deref()).await })
    }

    fn contact_link(&self, id: &str) -> super::ContactOpen {
        match &self.inner.contact_url {
            Some(template) => {
                super::ContactOpen::Url(template.replace("{id}", &super::encode_component(id)))
            }
            None => super::ContactOpen::NotOpenable,
        }
    }

    fn contacts_with_sender_id(
        &self,
        sender_id: String,
    ) -> HostFuture<Result<Vec<ContactRef>, HostError>> {
        let own = self.inner.context.contact.as_ref().map(|c| c.id.clone());
        let found = self
            .all()
            .into_iter()
            .filter(|(id, v)| v.trim() == sender_id && Some(id) != own.as_ref())
            .map(|(id, _)| {
                let name = self
                    .load(&format!("telegram-sidebar-name/{id}"))
                    .unwrap_or_else(|| format!("#{id}"));
                ContactRef { name, id }
            })
            .collect();
        Box::pin(async move { Ok(found) })
    }

    fn resize(&self, _height_px: u32) {}
}

/// `fetch` with the browser; any failure before a status arrives is [`Unreachable`].
async fn fetch(
    url: &str,
    request: &RelayRequest,
    token: Option<&str>,
) -> Result<RelayReply, Unreachable> {
    let js = |e: wasm_bindgen::JsValue| Unreachable(js_error_text(&e));
    let init = web_sys::RequestInit::new();
    init.set_method(request.method.as_str());
    let headers = web_sys::Headers::new().map_err(js)?;
    headers.set("Accept", "application/json").map_err(js)?;
    if let Some(token) = token {
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(js)?;
    }
    if let Some(body) = &request.body {
        headers
            .set("Content-Type", "application/json")
            .map_err(js)?;
        init.set_body(&wasm_bindgen::JsValue::from_str(body));
    }
    init.set_headers(&headers);
    let req = web_sys::Request::new_with_str_and_init(url, &init).map_err(js)?;
    let window = web_sys::window().ok_or_else(|| Unreachable("no window".into()))?;
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_request(&req))
        .await
        .map_err(js)?
        .unchecked_into();
    let text = JsFuture::from(resp.text().map_err(js)?).await.map_err(js)?;
    Ok(RelayReply {
        status: resp.status(),
        body: text.as_string().unwrap_or_default(),
    })
}

/// A JS exception or rejection as text (its `message` when it has one).
pub(crate) fn js_error_text(e: &wasm_bindgen::JsValue) -> String {
    if let Some(s) = e.as_string() {
        return s;
    }
    js_sys::Reflect::get(e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_configures_the_host() {
        let h = StandaloneHost::from_query(
            "?relay=http%3A%2F%2F127.0.0.1%3A8787%2F&contact=c1&name=Jon%20Perk&locale=ru",
        )
        .unwrap();
        let ctx = h.context();
        assert_eq!(h.inner.relay, "http://127.0.0.1:8787");
        assert_eq!(ctx.contact.unwrap().name, "Jon Perk");
        assert_eq!(ctx.field_key, "senderId");
        assert_eq!(ctx.locale.as_deref(), Some("ru"));
        assert_eq!(ctx.location, Location::Standalone);
    }

    #[test]
    fn missing_relay_says_how_to_fix() {
        let err = StandaloneHost::from_query("?contact=1").err().unwrap();
        assert!(err.contains("?relay="), "{err}");
    }
}
