//! The relay's client of the Telegram Bot API: `getMe`, `setWebhook` and `sendMessage`
//! (<https://core.telegram.org/bots/api#making-requests>).
//!
//! The token is part of every URL (`/bot<token>/<method>`), so no error or log line here carries
//! the URL: reqwest's errors are stripped of it, and the base address is named instead.

use std::time::Duration;

use reqwest::Url;
use serde_json::{Value, json};

use crate::crm::secret::Secret;

/// Telegram's Bot API server.
pub const TELEGRAM_API: &str = "https://api.telegram.org";

/// How long one call may take.
const TIMEOUT: Duration = Duration::from_secs(20);

/// Why a call did not succeed, from Telegram's answer
/// (`{"ok": false, "error_code", "description", "parameters"?}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// 401: the token is not a bot's token (revoked, or mistyped).
    Unauthorized,
    /// 403 with Telegram's description (the user blocked the bot or never started it; the
    /// business connection lacks the reply right).
    Forbidden(String),
    /// 400 with Telegram's description (chat not found, connection invalid or disabled, …).
    BadRequest(String),
    /// 429: flood control; retry after this many seconds.
    Flood(u32),
    /// Telegram could not be reached, or answered 5xx or something that is not the API's
    /// envelope.
    Unavailable(String),
}

/// One bot's client.
#[derive(Clone, Debug)]
pub struct BotClient {
    http: reqwest::Client,
    base: Url,
    token: Secret,
}

impl BotClient {
    /// A client of the bot with `token` at `base` (Telegram's server, or a double).
    pub fn new(base: &str, token: Secret) -> Result<BotClient, String> {
        let base = Url::parse(base)
            .ok()
            .filter(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some())
            .ok_or_else(|| {
                format!(
                    "--telegram-api-url {base:?} is not an http(s) address such as {TELEGRAM_API}"
                )
            })?;
        let http = crate::tls::client()
            .timeout(TIMEOUT)
            .user_agent(concat!("telegram-relay/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot start the HTTP client: {e}"))?;
        Ok(BotClient { http, base, token })
    }

    async fn call(&self, method: &str, params: Value) -> Result<Value, Refused> {
        let mut url = self.base.clone();
        url.set_path(&format!("/bot{}/{method}", self.token.expose()));
        let host = self.base.host_str().unwrap_or("Telegram").to_owned();
        let response = self
            .http
            .post(url)
            .json(&params)
            .send()
            .await
            .map_err(|e| {
                Refused::Unavailable(format!(
                    "cannot reach the Bot API at {host}: {}",
                    e.without_url()
                ))
            })?;
        let status = response.status();
        let body: Value = response.json().await.map_err(|e| {
            Refused::Unavailable(format!(
                "the Bot API at {host} answered {status} with a body that is not its JSON ({})",
                e.without_url()
            ))
        })?;
        if body["ok"] == Value::Bool(true) {
            return Ok(body["result"].clone());
        }
        let description = body["description"]
            .as_str()
            .unwrap_or("no description")
            .to_owned();
        Err(
            match body["error_code"]
                .as_u64()
                .unwrap_or(status.as_u16().into())
            {
                401 => Refused::Unauthorized,
                403 => Refused::Forbidden(description),
                429 => Refused::Flood(
                    body["parameters"]["retry_after"]
                        .as_u64()
                        .map_or(5, |s| s.clamp(1, 3_600) as u32),
                ),
                400..=499 => Refused::BadRequest(description),
                _ => Refused::Unavailable(format!(
                    "the Bot API at {host} answered {status}: {description}"
                )),
            },
        )
    }

    /// `getMe`: the bot's `@username` (without `@`).
    pub async fn username(&self) -> Result<String, Refused> {
        let me = self.call("getMe", json!({})).await?;
        me["username"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| Refused::Unavailable("getMe answered without a username".into()))
    }

    /// `setWebhook` with the relay's URL, the secret and the update types the relay reads.
    pub async fn set_webhook(&self, url: &str, secret: &str) -> Result<(), Refused> {
        self.call(
            "setWebhook",
            json!({ "url": url, "secret_token": secret, "allowed_updates": ALLOWED_UPDATES }),
        )
        .await
        .map(|_| ())
    }

    /// `sendMessage`; answers Telegram's `message_id` and `date`.
    pub async fn send_message(
        &self,
        chat_id: i64,
        text: &str,
        business_connection_id: Option<&str>,
        reply_to: Option<i64>,
    ) -> Result<(i64, i64), Refused> {
        let mut params = json!({ "chat_id": chat_id, "text": text });
        if let Some(id) = business_connection_id {
            params["business_connection_id"] = Value::String(id.into());
        }
        if let Some(id) = reply_to {
            // Sent even if the message is gone: the reply then goes out as a plain message.
            params["reply_parameters"] =
                json!({ "message_id": id, "allow_sending_without_reply": true });
        }
        let sent = self.call("sendMessage", params).await?;
        match (sent["message_id"].as_i64(), sent["date"].as_i64()) {
            (Some(id), Some(date)) => Ok((id, date)),
            _ => Err(Refused::Unavailable(
                "sendMessage answered without message_id and date".into(),
            )),
        }
    }
}

/// The update types the relay ingests (what `setWebhook` asks Telegram for).
pub const ALLOWED_UPDATES: &[&str] = &[
    "message",
    "edited_message",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
];
