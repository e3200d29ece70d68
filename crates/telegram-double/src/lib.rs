//! A test double of the Telegram Bot API, for the relay's tests and the demo: the one stand-in
//! for Telegram's servers in this project.
//!
//! It answers the methods the relay calls, at `/bot<token>/<method>` with parameters as a JSON
//! body or a query string, in the API's envelope: `{"ok": true, "result": …}`, or `{"ok": false,
//! "error_code": …, "description": …, "parameters"?: {"retry_after": …}}`
//! (<https://core.telegram.org/bots/api#making-requests>):
//! - `getMe` (<https://core.telegram.org/bots/api#getme>): the bot's `User`;
//! - `setWebhook` (<https://core.telegram.org/bots/api#setwebhook>): `url` must be HTTPS,
//!   `secret_token` 1–256 of `A-Z a-z 0-9 _ -`; answers `true`;
//! - `sendMessage` (<https://core.telegram.org/bots/api#sendmessage>): `chat_id`, `text` (1–4096
//!   characters after entity parsing), optional `business_connection_id` and `reply_parameters`;
//!   answers the sent `Message`.
//!
//! It records every call, so tests can say exactly what Telegram received, and fails on purpose
//! through [`Faults`] (a chat that blocked the bot, a chat not found, flood control with
//! `retry_after`, 5xx), set in process or at `PUT /__double/faults`.
#![deny(missing_docs)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// The demo bot's user ID (the relay's demo gives this bot the token [`Bot::new`] makes).
pub const DEMO_BOT_ID: i64 = 7_000_000_000;
/// The demo bot's @username.
pub const DEMO_BOT_USERNAME: &str = "telegram_sidebar_demo_bot";

/// A bot the double knows: its token and its `User`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bot {
    /// `<bot id>:<secret>`, as BotFather gives it.
    pub token: String,
    /// The bot's user ID (the token's prefix).
    pub id: i64,
    /// `@username` without the `@`.
    pub username: String,
    /// Display name.
    pub first_name: String,
}

impl Bot {
    /// A bot with `id` and `username`; its token is `<id>:double-<username>`.
    pub fn new(id: i64, username: &str) -> Bot {
        Bot {
            token: format!("{id}:double-{username}"),
            id,
            username: username.into(),
            first_name: username.replace('_', " "),
        }
    }
}

/// A business connection the double knows (<https://core.telegram.org/bots/api#businessconnection>).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessConnection {
    /// The connection's ID.
    pub id: String,
    /// The bot it belongs to.
    pub bot_id: i64,
    /// Whether the bot may reply in the account's chats.
    pub can_reply: bool,
    /// Whether the connection is active.
    pub is_enabled: bool,
}

/// Failures switched on by tests and the demo.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Chats whose user blocked the bot (or never started it): 403.
    pub blocked: Vec<i64>,
    /// Chats Telegram does not know: 400 "chat not found".
    pub not_found: Vec<i64>,
    /// Answer this many of the next calls with 429 and `retry_after`.
    pub flood: u32,
    /// The `retry_after` of flood answers, in seconds.
    pub flood_retry_after: u32,
    /// Answer this many of the next calls with 502.
    pub burst_5xx: u32,
    /// Delay every answer by this many milliseconds, after the call is handled (a message is
    /// sent before its caller hears of it).
    pub slow_ms: u64,
}

/// One call the double received.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Call {
    /// The bot's ID (from the token), or 0 for an unknown token.
    pub bot_id: i64,
    /// The method, as called (`sendMessage`).
    pub method: String,
    /// The parameters.
    pub params: Value,
    /// Whether it succeeded.
    pub ok: bool,
}

/// The webhook a bot set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Webhook {
    /// Its URL.
    pub url: String,
    /// The secret token Telegram sends in `X-Telegram-Bot-Api-Secret-Token`.
    pub secret_token: Option<String>,
    /// The update types asked for.
    pub allowed_updates: Option<Vec<String>>,
}

struct Shared {
    bots: Vec<Bot>,
    connections: BTreeMap<String, BusinessConnection>,
    faults: Faults,
    calls: Vec<Call>,
    webhooks: BTreeMap<i64, Webhook>,
    next_message_id: i64,
}

/// A running double; cheap to clone (one shared state).
#[derive(Clone)]
pub struct Double {
    inner: Arc<Mutex<Shared>>,
}

impl Double {
    /// A double that knows `bots`.
    pub fn new(bots: Vec<Bot>) -> Double {
        Double {
            inner: Arc::new(Mutex::new(Shared {
                bots,
                connections: BTreeMap::new(),
                faults: Faults::default(),
                calls: Vec::new(),
                webhooks: BTreeMap::new(),
                // Far above the message IDs of the demo's (and tests') made-up chats, which Telegram
                // would never repeat within a chat.
                next_message_id: 1_000_000,
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds (or replaces) a business connection.
    pub fn connect_business(&self, connection: BusinessConnection) {
        self.lock()
            .connections
            .insert(connection.id.clone(), connection);
    }

    /// Replaces the faults.
    pub fn set_faults(&self, faults: Faults) {
        self.lock().faults = faults;
    }

    /// Every call so far, oldest first.
    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    /// The successful `sendMessage` calls, oldest first.
    pub fn sent(&self) -> Vec<Value> {
        self.lock()
            .calls
            .iter()
            .filter(|c| c.ok && c.method == "sendMessage")
            .map(|c| c.params.clone())
            .collect()
    }

    /// The webhook bot `bot_id` set, if any.
    pub fn webhook(&self, bot_id: i64) -> Option<Webhook> {
        self.lock().webhooks.get(&bot_id).cloned()
    }
}

/// The double's HTTP service.
pub fn app(double: Double) -> Router {
    Router::new()
        .route("/{bot}/{method}", any(method))
        .route(
            "/__double/health",
            get(|| async { Json(json!({ "status": "ok" })) }),
        )
        .route(
            "/__double/faults",
            get(|State(d): State<Double>| async move { Json(d.lock().faults.clone()) }).put(
                |State(d): State<Double>, Json(f): Json<Faults>| async move {
                    d.set_faults(f);
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .route(
            "/__double/calls",
            get(|State(d): State<Double>| async move { Json(d.calls()) }),
        )
        .with_state(double)
}

/// A refusal in the Bot API's envelope.
struct Refusal {
    code: u16,
    description: String,
    retry_after: Option<u32>,
}

impl Refusal {
    fn new(code: u16, description: impl Into<String>) -> Refusal {
        Refusal {
            code,
            description: description.into(),
            retry_after: None,
        }
    }
}

fn answer(result: Result<Value, Refusal>) -> Response {
    match result {
        Ok(result) => Json(json!({ "ok": true, "result": result })).into_response(),
        Err(r) => {
            let mut body =
                json!({ "ok": false, "error_code": r.code, "description": r.description });
            if let Some(s) = r.retry_after {
                body["parameters"] = json!({ "retry_after": s });
            }
            let status = StatusCode::from_u16(r.code).unwrap_or(StatusCode::BAD_REQUEST);
            (status, Json(body)).into_response()
        }
    }
}

/// The parameters: the JSON body, else the query string (both are allowed by the API).
fn params(query: Option<&str>, body: &[u8]) -> Result<Map<String, Value>, Refusal> {
    if !body.is_empty() {
        return match serde_json::from_slice(body) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(Refusal::new(
                400,
                "Bad Request: the body must be a JSON object",
            )),
        };
    }
    let mut map = Map::new();
    for pair in query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        map.insert(k.to_owned(), Value::String(v.to_owned()));
    }
    Ok(map)
}

async fn method(
    State(double): State<Double>,
    Path((bot, method)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    body: axum::body::Bytes,
) -> Response {
    let parsed = params(query.as_deref(), &body);
    let (result, slow) = {
        let mut s = double.lock();
        let token = bot.strip_prefix("bot").unwrap_or_default();
        let me = s.bots.iter().find(|b| b.token == token).cloned();
        let bot_id = me.as_ref().map_or(0, |b| b.id);
        let recorded = parsed
            .as_ref()
            .map_or(Value::Null, |p| Value::Object(p.clone()));
        let result = match (me, parsed) {
            (None, _) => Err(Refusal::new(401, "Unauthorized")),
            (Some(_), Err(r)) => Err(r),
            (Some(me), Ok(p)) => handle(&mut s, &me, &method, &p),
        };
        s.calls.push(Call {
            bot_id,
            method: method.clone(),
            params: recorded,
            ok: result.is_ok(),
        });
        (result, s.faults.slow_ms)
    };
    if slow > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(slow)).await;
    }
    answer(result)
}

fn handle(
    s: &mut Shared,
    me: &Bot,
    method: &str,
    p: &Map<String, Value>,
) -> Result<Value, Refusal> {
    if s.faults.burst_5xx > 0 {
        s.faults.burst_5xx -= 1;
        return Err(Refusal::new(502, "Bad Gateway"));
    }
    if s.faults.flood > 0 {
        s.faults.flood -= 1;
        let after = s.faults.flood_retry_after.max(1);
        return Err(Refusal {
            code: 429,
            description: format!("Too Many Requests: retry after {after}"),
            retry_after: Some(after),
        });
    }
    match method {
        "getMe" => Ok(json!({
            "id": me.id, "is_bot": true, "first_name": me.first_name, "username": me.username,
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "can_connect_to_business": true,
        })),
        "setWebhook" => {
            let url = text(p, "url").unwrap_or_default();
            if !url.starts_with("https://") {
                return Err(Refusal::new(
                    400,
                    "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
                ));
            }
            let secret = text(p, "secret_token");
            if let Some(secret) = &secret
                && (secret.is_empty()
                    || secret.len() > 256
                    || !secret
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
            {
                return Err(Refusal::new(
                    400,
                    "Bad Request: secret token contains unallowed characters",
                ));
            }
            let allowed_updates = p.get("allowed_updates").and_then(|v| match v {
                Value::Array(a) => Some(
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect(),
                ),
                Value::String(t) => serde_json::from_str(t).ok(),
                _ => None,
            });
            s.webhooks.insert(
                me.id,
                Webhook {
                    url,
                    secret_token: secret,
                    allowed_updates,
                },
            );
            Ok(Value::Bool(true))
        }
        "sendMessage" => send_message(s, me, p),
        _ => Err(Refusal::new(404, "Not Found")),
    }
}

fn text(p: &Map<String, Value>, key: &str) -> Option<String> {
    match p.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn send_message(s: &mut Shared, me: &Bot, p: &Map<String, Value>) -> Result<Value, Refusal> {
    let chat_id = text(p, "chat_id")
        .and_then(|c| c.parse::<i64>().ok())
        .ok_or_else(|| Refusal::new(400, "Bad Request: chat_id is empty"))?;
    let body = text(p, "text").unwrap_or_default();
    // Telegram counts characters in UTF-16 code units for entities; the length limit is in
    // characters, which for this check we count as UTF-16 code units too (an emoji outside the
    // BMP is two), as the relay does.
    let length = body.encode_utf16().count();
    if body.trim().is_empty() {
        return Err(Refusal::new(400, "Bad Request: message text is empty"));
    }
    if length > 4096 {
        return Err(Refusal::new(400, "Bad Request: message is too long"));
    }
    let business = text(p, "business_connection_id");
    if let Some(id) = &business {
        match s.connections.get(id) {
            Some(c) if c.bot_id == me.id && c.is_enabled && c.can_reply => {}
            Some(c) if c.bot_id == me.id && !c.is_enabled => {
                return Err(Refusal::new(
                    400,
                    "Bad Request: BUSINESS_CONNECTION_DISABLED",
                ));
            }
            Some(c) if c.bot_id == me.id => {
                return Err(Refusal::new(403, "Forbidden: BOT_BUSINESS_MISSING_RIGHTS"));
            }
            _ => {
                return Err(Refusal::new(
                    400,
                    "Bad Request: BUSINESS_CONNECTION_INVALID",
                ));
            }
        }
    }
    if s.faults.not_found.contains(&chat_id) {
        return Err(Refusal::new(400, "Bad Request: chat not found"));
    }
    if s.faults.blocked.contains(&chat_id) {
        return Err(Refusal::new(403, "Forbidden: bot was blocked by the user"));
    }
    s.next_message_id += 1;
    let date = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut message = json!({
        "message_id": s.next_message_id,
        "from": { "id": me.id, "is_bot": true, "first_name": me.first_name, "username": me.username },
        "chat": { "id": chat_id, "type": "private" },
        "date": date,
        "text": body,
    });
    if let Some(id) = business {
        message["business_connection_id"] = Value::String(id);
    }
    if let Some(reply) = p
        .get("reply_parameters")
        .and_then(|r| r.get("message_id"))
        .cloned()
    {
        message["reply_to_message"] = json!({ "message_id": reply, "chat": { "id": chat_id, "type": "private" }, "date": date });
    }
    Ok(message)
}
