//! The relay's plugin API (`/v1`), one typed function per endpoint.
//!
//! Every call goes through [`CrmHost::relay`], so the adapter decides how to reach the relay and how
//! to authenticate (Zendesk substitutes the secure token in its proxy). [`request`] is the one
//! generic function: it maps the HTTP status and the relay's `{"error":{"code","message"}}` body to a
//! [`RelayError`] that fits in component state.

use std::fmt;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use telegram_relay_api::{
    Cursor, DirectoryPage, ErrorBody, ErrorCode, Message, MessagePage, NewLinkEvent, Person,
    SenderId,
};

use crate::host::{CrmHost, Method, RelayReply, RelayRequest, encode_component};

/// Why a relay call failed. Each variant has a message that says what to do (see `crate::errors`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelayError {
    /// No HTTP answer at all: wrong relay URL, relay down, network or CORS. Carries the cause.
    Unreachable(String),
    /// 401: the relay token setting is wrong.
    Unauthorized,
    /// 404: the relay does not know this person (or this endpoint).
    NotFound,
    /// 4xx other than 401/404: the relay's own message.
    Rejected {
        /// HTTP status.
        status: u16,
        /// The relay's error message.
        message: String,
    },
    /// 5xx: the relay failed.
    Server {
        /// HTTP status.
        status: u16,
        /// The relay's error message, when it sent one.
        message: String,
    },
    /// A 2xx whose body is not what this version of the plugin expects.
    BadResponse(String),
    /// No answer within [`RELAY_TIMEOUT_MS`]: the relay took the request and went quiet.
    NoAnswer,
    /// No call was made: the app's relay settings cannot be used (which one, and why).
    NotConfigured(crate::host::ConnectError),
}

/// How long a relay call may take before the agent is told the relay is not answering (with
/// Retry). Generous: a search or a page over a large database answers in milliseconds.
pub const RELAY_TIMEOUT_MS: u32 = 15_000;

/// Sends `request` through the host, giving up after [`RELAY_TIMEOUT_MS`].
async fn call(host: &Rc<dyn CrmHost>, request: RelayRequest) -> Result<RelayReply, RelayError> {
    if let Some(e) = host.relay_unusable() {
        return Err(RelayError::NotConfigured(e));
    }
    let answer = host.relay(request);
    let timeout = Box::pin(gloo::timers::future::TimeoutFuture::new(RELAY_TIMEOUT_MS));
    match First(answer, timeout).await {
        Either::Answer(reply) => reply.map_err(|u| RelayError::Unreachable(u.0)),
        Either::TimedOut => Err(RelayError::NoAnswer),
    }
}

enum Either<T> {
    Answer(T),
    TimedOut,
}

/// Whichever of an answer and a timer comes first (the other is dropped).
struct First<A, B>(std::pin::Pin<Box<A>>, std::pin::Pin<Box<B>>)
where
    A: std::future::Future + ?Sized,
    B: std::future::Future<Output = ()> + ?Sized;

impl<A, B> std::future::Future for First<A, B>
where
    A: std::future::Future + ?Sized,
    B: std::future::Future<Output = ()> + ?Sized,
{
    type Output = Either<A::Output>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        use std::task::Poll;
        if let Poll::Ready(answer) = self.0.as_mut().poll(cx) {
            return Poll::Ready(Either::Answer(answer));
        }
        match self.1.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Either::TimedOut),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl fmt::Display for RelayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RelayError::Unreachable(cause) => write!(f, "relay unreachable: {cause}"),
            RelayError::Unauthorized => f.write_str("relay token rejected (401)"),
            RelayError::NotFound => f.write_str("not found (404)"),
            RelayError::Rejected { status, message } => write!(f, "rejected ({status}): {message}"),
            RelayError::Server { status, message } => {
                write!(f, "relay failed ({status}): {message}")
            }
            RelayError::BadResponse(cause) => write!(f, "unexpected relay response: {cause}"),
            RelayError::NoAnswer => write!(f, "no answer from the relay in {RELAY_TIMEOUT_MS} ms"),
            // Not `{:?}`: Debug formatting of strings links Unicode tables into the wasm.
            RelayError::NotConfigured(e) => match e {
                crate::host::ConnectError::RelayUrlMissing => {
                    f.write_str("relay_url setting empty")
                }
                crate::host::ConnectError::RelayUrlInvalid(url) => {
                    write!(f, "relay_url setting not https: {url}")
                }
                crate::host::ConnectError::Other(cause) => write!(f, "relay settings: {cause}"),
            },
        }
    }
}

/// Maps a reply to its body (2xx) or to a [`RelayError`]. Pure; the heart of [`request`].
pub fn classify(reply: RelayReply) -> Result<String, RelayError> {
    if (200..=299).contains(&reply.status) {
        // Parsed once, by the caller: a directory page is too big to parse twice.
        return Ok(reply.body);
    }
    let error = decode::<ErrorBody>(&reply.body).ok();
    let code = error.as_ref().map(|b| b.error.code);
    let message = || match &error {
        Some(body) => body.error.message.clone(),
        None => reply.body.chars().take(200).collect(),
    };
    match reply.status {
        401 => Err(RelayError::Unauthorized),
        404 if code.is_none_or(|c| c == ErrorCode::NotFound) => Err(RelayError::NotFound),
        status @ 400..=499 => Err(RelayError::Rejected {
            status,
            message: message(),
        }),
        status => Err(RelayError::Server {
            status,
            message: message(),
        }),
    }
}

/// Parses a 2xx body.
///
/// In the browser the JSON is parsed by the browser (`JSON.parse`) and read with
/// [`super::js_value`], which keeps a JSON parser (and float formatting) out of the wasm; natively
/// (tests) `serde_json`.
pub fn decode<T: DeserializeOwned>(body: &str) -> Result<T, RelayError> {
    #[cfg(target_arch = "wasm32")]
    {
        let value = js_sys::JSON::parse(body).map_err(|_| {
            RelayError::BadResponse(format!(
                "not JSON: {}",
                body.chars().take(80).collect::<String>()
            ))
        })?;
        super::js_value::from_value(value).map_err(|e| RelayError::BadResponse(e.0))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        serde_json::from_str(body).map_err(|e| RelayError::BadResponse(e.to_string()))
    }
}

/// Serialises a request body (in the browser through `JSON.stringify`, natively `serde_json`).
pub fn encode<T: serde::Serialize>(value: &T) -> Result<String, RelayError> {
    #[cfg(target_arch = "wasm32")]
    {
        let js = value
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(|e| RelayError::BadResponse(e.to_string()))?;
        js_sys::JSON::stringify(&js)
            .map(String::from)
            .map_err(|_| RelayError::BadResponse("unserialisable".into()))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        serde_json::to_string(value).map_err(|e| RelayError::BadResponse(e.to_string()))
    }
}

/// Sends one request through the host and decodes the answer.
pub async fn request<T: DeserializeOwned>(
    host: &Rc<dyn CrmHost>,
    method: Method,
    path: String,
    body: Option<String>,
) -> Result<T, RelayError> {
    let reply = call(host, RelayRequest { method, path, body }).await?;
    decode(&classify(reply)?)
}

/// `GET /v1/people/{id}`.
pub async fn person(host: &Rc<dyn CrmHost>, id: SenderId) -> Result<Person, RelayError> {
    request(host, Method::Get, format!("/v1/people/{id}"), None).await
}

/// `GET /v1/people/{id}` where "never seen" is an answer, not an error.
pub async fn person_if_known(
    host: &Rc<dyn CrmHost>,
    id: SenderId,
) -> Result<Option<Person>, RelayError> {
    match person(host, id).await {
        Ok(p) => Ok(Some(p)),
        Err(RelayError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The path of a conversation page: newest first, older than `before` (or the newest page).
pub fn messages_path(
    id: SenderId,
    before: Option<&Cursor>,
    after: Option<&Cursor>,
    limit: u32,
) -> String {
    let mut path = format!("/v1/people/{id}/messages?limit={limit}");
    if let Some(c) = before {
        path.push_str("&before=");
        path.push_str(&encode_component(c.as_str()));
    }
    if let Some(c) = after {
        path.push_str("&after=");
        path.push_str(&encode_component(c.as_str()));
    }
    path
}

/// `GET /v1/people/{id}/messages?before=…` (older pages; `None` for the newest page).
pub async fn messages_before(
    host: &Rc<dyn CrmHost>,
    id: SenderId,
    before: Option<&Cursor>,
    limit: u32,
) -> Result<MessagePage, RelayError> {
    request(
        host,
        Method::Get,
        messages_path(id, before, None, limit),
        None,
    )
    .await
}

/// `GET /v1/people/{id}/messages?after=…` (polling for new messages).
pub async fn messages_after(
    host: &Rc<dyn CrmHost>,
    id: SenderId,
    after: &Cursor,
    limit: u32,
) -> Result<MessagePage, RelayError> {
    request(
        host,
        Method::Get,
        messages_path(id, None, Some(after), limit),
        None,
    )
    .await
}

/// `GET /v1/people?q=…&limit=…`: people whose names (folded like the identity engine's),
/// username or phone digits contain every word of `q`; `@name` and `t.me/name` are the username.
pub async fn search(
    host: &Rc<dyn CrmHost>,
    q: &str,
    limit: u32,
) -> Result<Vec<telegram_relay_api::PersonSummary>, RelayError> {
    let path = format!("/v1/people?q={}&limit={limit}", encode_component(q));
    let list: telegram_relay_api::PeopleList = request(host, Method::Get, path, None).await?;
    Ok(list.people)
}

/// `GET /v1/directory?after=…`.
pub async fn directory(
    host: &Rc<dyn CrmHost>,
    after: Option<&Cursor>,
) -> Result<DirectoryPage, RelayError> {
    let path = match after {
        Some(c) => format!("/v1/directory?after={}", encode_component(c.as_str())),
        None => "/v1/directory".to_string(),
    };
    request(host, Method::Get, path, None).await
}

/// The whole directory, following cursors (bounded, so a misbehaving relay cannot loop us).
pub async fn whole_directory(
    host: &Rc<dyn CrmHost>,
) -> Result<Vec<telegram_relay_api::PersonSummary>, RelayError> {
    let mut people = Vec::new();
    let mut after: Option<Cursor> = None;
    for _ in 0..1000 {
        let page = directory(host, after.as_ref()).await?;
        people.extend(page.people);
        if !page.has_more || after.as_ref() == Some(&page.next) {
            break;
        }
        after = Some(page.next);
    }
    Ok(people)
}

/// The part of a recorded [`telegram_relay_api::LinkEvent`] the sidebar needs. `LinkEvent` itself
/// flattens its `NewLinkEvent`, and serde's flatten support costs kilobytes of wasm.
#[derive(serde::Deserialize)]
struct Recorded {
    id: String,
}

/// The part of a listed journal entry the sidebar reads (no flatten, as for [`Recorded`]).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct JournalEntry {
    /// The entry's ID (what an undo names).
    pub id: String,
    /// When the relay recorded it, Unix seconds.
    pub recorded_at: i64,
    /// What was done.
    pub action: telegram_relay_api::LinkAction,
    /// Who did it.
    pub actor: String,
    /// The field before.
    #[serde(default)]
    pub old_value: Option<String>,
    /// The field after.
    #[serde(default)]
    pub new_value: Option<String>,
}

#[derive(serde::Deserialize)]
struct Journal {
    events: Vec<JournalEntry>,
}

/// `GET /v1/link-events?contact_id=…`: the newest journal entry about a contact, if any.
pub async fn latest_link_event(
    host: &Rc<dyn CrmHost>,
    contact_id: &str,
) -> Result<Option<JournalEntry>, RelayError> {
    let path = format!(
        "/v1/link-events?contact_id={}",
        encode_component(contact_id)
    );
    let journal: Journal = request(host, Method::Get, path, None).await?;
    // The relay lists the newest first.
    Ok(journal.events.into_iter().next())
}

/// Why a reply was not sent: the relay's error code (to say in the agent's language what to do)
/// and the error itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplyFailure {
    /// The relay's code, when it answered with one.
    pub code: Option<ErrorCode>,
    /// The failure.
    pub error: RelayError,
}

/// `POST /v1/people/{id}/messages`: sends a reply; answers the relay's stored copy.
pub async fn send_reply(
    host: &Rc<dyn CrmHost>,
    id: SenderId,
    reply: &telegram_relay_api::NewReply,
) -> Result<Message, ReplyFailure> {
    let fail = |error| ReplyFailure { code: None, error };
    let body = encode(reply).map_err(fail)?;
    // A reply that timed out may still have gone out: Retry sends the same client_id, which the
    // relay answers with the stored copy instead of sending twice.
    let answer = call(
        host,
        RelayRequest {
            method: Method::Post,
            path: format!("/v1/people/{id}/messages"),
            body: Some(body),
        },
    )
    .await
    .map_err(fail)?;
    let code = (!(200..=299).contains(&answer.status))
        .then(|| decode::<ErrorBody>(&answer.body).ok().map(|b| b.error.code))
        .flatten();
    classify(answer)
        .and_then(|body| decode(&body))
        .map_err(|error| ReplyFailure { code, error })
}

/// `POST /v1/link-events`; answers the recorded event's id.
pub async fn record_link(
    host: &Rc<dyn CrmHost>,
    event: &NewLinkEvent,
) -> Result<String, RelayError> {
    let body = encode(event)?;
    let recorded: Recorded =
        request(host, Method::Post, "/v1/link-events".into(), Some(body)).await?;
    Ok(recorded.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(status: u16, body: &str, want: Result<&str, RelayError>) {
        let got = classify(RelayReply {
            status,
            body: body.into(),
        });
        assert_eq!(
            got.as_deref().map_err(Clone::clone),
            want,
            "status {status} body {body:?}"
        );
    }

    #[test]
    fn statuses_map_to_errors() {
        let err =
            |code: &str, msg: &str| format!(r#"{{"error":{{"code":"{code}","message":"{msg}"}}}}"#);
        check(200, "{}", Ok("{}"));
        check(201, "{\"id\":\"1\"}", Ok("{\"id\":\"1\"}"));
        check(
            401,
            &err("unauthorized", "bad token"),
            Err(RelayError::Unauthorized),
        );
        check(401, "", Err(RelayError::Unauthorized));
        check(
            404,
            &err("not_found", "no person"),
            Err(RelayError::NotFound),
        );
        check(404, "<html>nginx</html>", Err(RelayError::NotFound));
        check(
            400,
            &err("invalid_cursor", "cursor x is not one the relay gave"),
            Err(RelayError::Rejected {
                status: 400,
                message: "cursor x is not one the relay gave".into(),
            }),
        );
        check(
            503,
            &err("unavailable", "database busy"),
            Err(RelayError::Server {
                status: 503,
                message: "database busy".into(),
            }),
        );
        check(
            502,
            "Bad Gateway",
            Err(RelayError::Server {
                status: 502,
                message: "Bad Gateway".into(),
            }),
        );
    }

    #[test]
    fn bad_bodies_are_bad_responses() {
        assert!(matches!(
            decode::<Person>("{\"nope\":1}"),
            Err(RelayError::BadResponse(_))
        ));
        assert!(matches!(
            decode::<Person>("not json"),
            Err(RelayError::BadResponse(_))
        ));
    }

    #[test]
    fn message_paths_encode_cursors() {
        let id = SenderId::new(7_100_000_001).unwrap();
        assert_eq!(
            messages_path(id, None, None, 50),
            "/v1/people/7100000001/messages?limit=50"
        );
        assert_eq!(
            messages_path(id, Some(&Cursor("a b/=".into())), None, 50),
            "/v1/people/7100000001/messages?limit=50&before=a%20b%2F%3D"
        );
        assert_eq!(
            messages_path(id, None, Some(&Cursor("9".into())), 100),
            "/v1/people/7100000001/messages?limit=100&after=9"
        );
    }
}
