//! The bridge between the sidebar and the CRM that embeds it.
//!
//! The UI knows only [`CrmHost`]. Each CRM gets an adapter: [`zaf::ZafHost`] speaks to Zendesk
//! through the real ZAF SDK; [`standalone::StandaloneHost`] serves development and CRMs that embed
//! a plain iframe. [`connect`] picks one at start-up. Tests implement the trait with fakes.
//!
//! Every method returns a `'static` future so a component can `spawn_local` it: adapters clone
//! what they need out of `&self` before the `async` block.

pub mod standalone;
pub mod zaf;

use std::future::Future;
use std::pin::Pin;

/// A future returned by a host; the sidebar runs on one thread, so it need not be `Send`.
pub type HostFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// Where in the CRM the sidebar is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// Zendesk's user profile sidebar: the contact is the user.
    UserSidebar,
    /// Zendesk's ticket sidebar: the contact is the ticket's requester.
    TicketSidebar,
    /// Zendesk's top navigation page (bulk linking).
    NavBar,
    /// A plain iframe outside any CRM framework.
    Standalone,
}

/// The CRM contact the sidebar is about.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contact {
    /// The CRM's ID of the contact (Zendesk user ID as decimal text).
    pub id: String,
    /// Display name in the CRM.
    pub name: String,
    /// Email, when the CRM has one (evidence for suggestions).
    pub email: Option<String>,
    /// Phone, when the CRM has one (evidence for suggestions).
    pub phone: Option<String>,
}

/// Another CRM contact, as named in a conflict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactRef {
    /// The CRM's ID of that contact.
    pub id: String,
    /// Its display name.
    pub name: String,
}

/// What the host tells the sidebar when it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct HostContext {
    /// Where the sidebar is shown.
    pub location: Location,
    /// The agent's locale tag (such as `es-ES`), when the host knows it.
    pub locale: Option<String>,
    /// The open contact, if any.
    pub contact: Option<Contact>,
    /// The key of the custom field that holds the sender ID (default `senderId`).
    pub field_key: String,
    /// Who is working, for the link journal ("agent 123 Ann Smith").
    pub agent: String,
    /// The agent's name as people read it ("Ann Smith"): what a reply says it was sent by.
    pub agent_name: String,
    /// The default phone region setting (ISO 3166 alpha-2), for matching phones without `+`.
    pub phone_region: Option<String>,
}

/// A failure of the host itself (not of the relay).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostError {
    /// The contact has no custom field with this key.
    FieldMissing {
        /// The configured field key.
        key: String,
    },
    /// No contact is open (a ticket without requester, the nav bar).
    NoContact,
    /// The host refused or failed; the text is the host's own message.
    Failed(String),
}

/// Why no adapter could start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectError {
    /// The app's "Relay URL" setting is empty (an admin must fill it in).
    RelayUrlMissing,
    /// The app's "Relay URL" setting is not an `https://` address (nor `http://localhost` or
    /// a loopback address, for development): the text as set.
    RelayUrlInvalid(String),
    /// Anything else, in the words of its cause.
    Other(String),
}

impl From<String> for ConnectError {
    fn from(cause: String) -> ConnectError {
        ConnectError::Other(cause)
    }
}

/// HTTP method of a relay request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST` with a JSON body.
    Post,
    /// `PUT` with a JSON body (the bulk page's stored runs).
    Put,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }
}

/// A request to the relay. The host adds the relay's base URL and the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayRequest {
    /// `GET` or `POST`.
    pub method: Method,
    /// Path and query under the relay's base URL, starting with `/v1/`.
    pub path: String,
    /// JSON body for `POST`.
    pub body: Option<String>,
}

/// The relay's answer: any HTTP status, with its body as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayReply {
    /// HTTP status code.
    pub status: u16,
    /// Response body.
    pub body: String,
}

/// The relay could not be reached at all (network, CORS, proxy refusal); the text says why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreachable(pub String);

/// A request to the CRM's own REST API (Zendesk: a relative `/api/v2/…` URL, authenticated by
/// the agent's session).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrmRequest {
    /// `GET`, `PUT` or `POST`.
    pub method: &'static str,
    /// Path and query, starting with `/api/`.
    pub path: String,
    /// JSON body.
    pub body: Option<String>,
}

/// The CRM API's answer: any HTTP status, its `Retry-After` (seconds) when it sent one, the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrmReply {
    /// HTTP status code.
    pub status: u16,
    /// `Retry-After` in seconds, on 429 and some 503 answers.
    pub retry_after: Option<u32>,
    /// Response body.
    pub body: String,
}

/// Everything the sidebar needs from the CRM that embeds it.
pub trait CrmHost {
    /// Location, locale, contact, field key and agent, fixed for the life of the page.
    fn context(&self) -> HostContext;
    /// Reads the sender-ID custom field of the open contact (`None` when empty).
    fn read_sender_field(&self) -> HostFuture<Result<Option<String>, HostError>>;
    /// Writes the field (`None` clears it).
    fn write_sender_field(&self, value: Option<String>) -> HostFuture<Result<(), HostError>>;
    /// Calls `callback` whenever the field changes outside the sidebar.
    fn on_sender_field_changed(&self, callback: Box<dyn Fn(Option<String>)>);
    /// Sends a request to the relay; the host supplies base URL and credentials.
    fn relay(&self, request: RelayRequest) -> HostFuture<Result<RelayReply, Unreachable>>;
    /// Other contacts (not the open one) whose field already holds `sender_id`.
    fn contacts_with_sender_id(
        &self,
        sender_id: String,
    ) -> HostFuture<Result<Vec<ContactRef>, HostError>>;
    /// Asks the host to make the sidebar this many pixels tall.
    fn resize(&self, height_px: u32);
    /// Why relay calls cannot be made at all (the "Relay URL" setting is empty or not an https://
    /// address), while the field itself still works; `None` when they can.
    fn relay_unusable(&self) -> Option<ConnectError> {
        None
    }
    /// How the agent can open contact `id` in the CRM (its name in a conflict, a shared ID, a
    /// suggestion held by another contact).
    fn contact_link(&self, _id: &str) -> ContactOpen {
        ContactOpen::NotOpenable
    }
    /// Shows contact `id` in the CRM, for [`ContactOpen::Route`].
    fn open_contact(&self, _id: &str) {}
}

/// How another contact can be opened from the sidebar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContactOpen {
    /// A plain link (the standalone host's `contact_url` template).
    Url(String),
    /// The host routes its own interface there ([`CrmHost::open_contact`]; ZAF's `routeTo`).
    Route,
    /// The host cannot: the name is shown as text.
    NotOpenable,
}

/// The CRM's own REST API, which only the bulk page uses. A trait of its own rather than a
/// method of [`CrmHost`], so the sidebar's bundle (which holds hosts as `dyn CrmHost`) does not
/// carry its code.
pub trait CrmApi {
    /// Sends a request to the CRM's REST API, authenticated as the signed-in agent.
    fn crm_api(&self, request: CrmRequest) -> HostFuture<Result<CrmReply, Unreachable>>;
}

/// Percent-encodes a query parameter value (RFC 3986 unreserved characters pass through).
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
        }
    }
    out
}

/// Decodes `%XX` and `+` in a query string value; bad escapes pass through unchanged.
pub fn decode_component(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The value of `name` in a query string such as `?a=1&b=2` (first occurrence, decoded).
pub fn query_param(query: &str, name: &str) -> Option<String> {
    query
        .trim_start_matches(['?', '#'])
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(k, _)| decode_component(k) == name)
        .map(|(_, v)| decode_component(v))
}

/// Picks the adapter for this page: ZAF when the SDK is loaded and the URL carries the `origin`
/// and `app_guid` parameters Zendesk adds, otherwise the standalone adapter configured from the
/// query string. Fails with a message for the agent when neither can start.
#[cfg(target_arch = "wasm32")]
pub async fn connect() -> Result<std::rc::Rc<dyn CrmHost>, ConnectError> {
    let location = web_sys::window()
        .ok_or_else(|| ConnectError::Other("no window".into()))?
        .location();
    let search = location.search().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    let param = |n: &str| query_param(&search, n).or_else(|| query_param(&hash, n));
    // Zendesk puts its colour scheme in the iframe URL before the SDK starts (and then sends
    // `colorScheme.changed`); the standalone page may pass the same parameter.
    apply_color_scheme(param("colorScheme").as_deref());
    if zaf::sdk_present() && param("origin").is_some() && param("app_guid").is_some() {
        let host = zaf::ZafHost::connect().await?;
        Ok(std::rc::Rc::new(host))
    } else {
        let host = standalone::StandaloneHost::from_query(&search)?;
        Ok(std::rc::Rc::new(host))
    }
}

/// Pins the sidebar to the host's colour scheme (`light` or `dark`); anything else follows the
/// OS. The stylesheet's colours are `light-dark()` pairs, so `color-scheme` picks them.
pub fn apply_color_scheme(scheme: Option<&str>) {
    let scheme = match scheme {
        Some("light") => "light",
        Some("dark") => "dark",
        _ => "light dark",
    };
    use wasm_bindgen::JsCast;
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = root.style().set_property("color-scheme", scheme);
    }
}

/// The relay's base URL from the app's setting, without a trailing `/`: an absolute `https://`
/// URL, or `http://` to `localhost` or a loopback address (development and the demo). Anything
/// else (no scheme, another scheme, a space) would send every request somewhere that answers
/// nothing useful, and each contact would blame its own ID.
pub fn relay_base_url(setting: &str) -> Result<String, ConnectError> {
    let url = setting.trim();
    let invalid = || ConnectError::RelayUrlInvalid(url.to_owned());
    let lower = url.to_ascii_lowercase();
    let (secure, rest) = match (
        lower.strip_prefix("https://"),
        lower.strip_prefix("http://"),
    ) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        (None, None) => return Err(invalid()),
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if !secure {
        let name = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => host.split(':').next().unwrap_or(""),
        };
        if !(name == "localhost" || name == "::1" || name.starts_with("127.")) {
            return Err(invalid());
        }
    }
    if host.is_empty() || url.contains(char::is_whitespace) {
        return Err(invalid());
    }
    Ok(url.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_round_trips() {
        for s in ["abc", "a b&c=d", "Лучия", "🙂+%", ""] {
            assert_eq!(decode_component(&encode_component(s)), s, "{s:?}");
        }
        assert_eq!(encode_component("a b/c"), "a%20b%2Fc");
    }

    #[test]
    fn query_params() {
        let q = "?relay=http%3A%2F%2F127.0.0.1%3A8787&contact=42&name=Jon+Perk&bad=%zz&empty";
        for (name, want) in [
            ("relay", Some("http://127.0.0.1:8787")),
            ("contact", Some("42")),
            ("name", Some("Jon Perk")),
            ("bad", Some("%zz")),
            ("empty", Some("")),
            ("missing", None),
        ] {
            assert_eq!(query_param(q, name).as_deref(), want, "{name}");
        }
    }
}

#[cfg(test)]
mod relay_url_tests {
    use super::{ConnectError, relay_base_url};

    #[test]
    fn the_relay_url_is_https_or_a_local_address() {
        for (setting, expected) in [
            (
                "https://relay.example.com",
                Some("https://relay.example.com"),
            ),
            (
                " https://relay.example.com/ ",
                Some("https://relay.example.com"),
            ),
            (
                "https://relay.example.com:8443/base/",
                Some("https://relay.example.com:8443/base"),
            ),
            (
                "HTTPS://Relay.Example.com",
                Some("HTTPS://Relay.Example.com"),
            ),
            ("http://localhost:8787", Some("http://localhost:8787")),
            ("http://127.0.0.1:8787/", Some("http://127.0.0.1:8787")),
            ("http://[::1]:8787", Some("http://[::1]:8787")),
            ("http://relay.example.com", None),
            ("http://localhost.evil.example", None),
            ("relay.example.com", None),
            ("127.0.0.1:8787", None),
            ("ftp://relay.example.com", None),
            ("https://", None),
            ("https://relay example.com", None),
        ] {
            let got = relay_base_url(setting);
            match expected {
                Some(url) => assert_eq!(got, Ok(url.to_owned()), "{setting:?}"),
                None => assert_eq!(
                    got,
                    Err(ConnectError::RelayUrlInvalid(setting.trim().to_owned())),
                    "{setting:?}"
                ),
            }
        }
    }
}
