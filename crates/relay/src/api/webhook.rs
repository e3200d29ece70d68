//! `POST /telegram/webhook/{id}`: Telegram Bot API updates.
//!
//! Order of checks: the bot must exist (404), the secret token header must match (401, compared as
//! SHA-256 hashes in constant time), the body must fit the limit (413) and be JSON (400). Then the
//! update is parsed and stored; the 200 is sent only after the storage committed it durably. An
//! update that cannot be interpreted is quarantined and still acknowledged, so Telegram stops
//! retrying it.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use super::blocking;
use crate::error::ApiError;
use crate::store::{Bot, IngestOutcome, ParsedUpdate, UpdateContent};
use crate::telegram::bot_api::{self, Parsed};
use crate::{AppState, auth, now};

/// The header Telegram sends with the `secret_token` given to `setWebhook`.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// The response header that says what happened to the update (`stored`, `duplicate`, `ignored`,
/// `quarantined`), for operators and tests. Telegram ignores it.
pub const OUTCOME_HEADER: &str = "x-relay-outcome";

/// The routes of this resource. The body limit is the application's (see [`crate::app`]).
pub fn routes() -> Router<AppState> {
    Router::new().route("/telegram/webhook/{id}", post(webhook))
}

/// The bot of a webhook path, read from the database every time (no cache), so a removed bot's
/// webhook answers 404 at once.
async fn find_bot(state: &AppState, id: String) -> Result<Bot, ApiError> {
    let key = id.clone();
    let bot = blocking(state, move |s| s.bot(&key))
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(
            "no bot is registered for this webhook path; register one with `telegram-relay bot add`"
                .into(),
        )
        })?;
    Ok(bot)
}

/// Reads a webhook body: 400 when it is not JSON; otherwise the update to store (possibly as a
/// quarantine entry). The demo replays its updates through this same function.
pub fn prepare(body: &[u8]) -> Result<ParsedUpdate, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::InvalidJson(format!(
            "the body is not JSON ({e}); Telegram sends one Update object"
        ))
    })?;
    Ok(match bot_api::parse_update(&value) {
        // PostgreSQL cannot store U+0000 in text; SQLite could, but both backends keep the same
        // data: such an update is kept raw (its JSON has the escape, not the character).
        Ok((update_id, Parsed::Events(_))) if holds_nul(&value) => ParsedUpdate {
            update_id: Some(update_id),
            content: UpdateContent::Quarantine {
                reason:
                    "the update holds a NUL character (\\u0000), which the relay does not store"
                        .into(),
                raw: String::from_utf8_lossy(body).into_owned(),
            },
        },
        Ok((update_id, Parsed::Events(events))) => ParsedUpdate {
            update_id: Some(update_id),
            content: UpdateContent::Events(events),
        },
        Ok((update_id, Parsed::Ignored(reason))) => ParsedUpdate {
            update_id: Some(update_id),
            content: UpdateContent::Ignored(reason),
        },
        Err(q) => ParsedUpdate {
            update_id: q.update_id,
            content: UpdateContent::Quarantine {
                reason: q.reason,
                raw: String::from_utf8_lossy(body).into_owned(),
            },
        },
    })
}

/// Whether a string anywhere in `value` holds U+0000.
fn holds_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(holds_nul),
        serde_json::Value::Object(fields) => {
            fields.iter().any(|(k, v)| k.contains('\0') || holds_nul(v))
        }
        _ => false,
    }
}

async fn webhook(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let bot = find_bot(&state, id).await?;
    let given = headers
        .get(SECRET_HEADER)
        .map(HeaderValue::as_bytes)
        .unwrap_or_default();
    if given.is_empty() || !auth::constant_time_eq(&auth::hash(given), &bot.secret_hash) {
        // Only the start of the webhook ID: enough to tell bots apart, not to address the webhook.
        let webhook = bot.webhook_id.get(..6).unwrap_or_default();
        tracing::warn!(webhook = %format_args!("{webhook}…"), "webhook call with a missing or wrong secret token");
        return Err(ApiError::Unauthorized(format!(
            "missing or wrong `{SECRET_HEADER}` header; pass the bot's secret as `secret_token` to setWebhook"
        )));
    }
    let body = body?;
    let update = prepare(&body)?;
    let update_id = update.update_id;
    let now = now();
    let outcome = blocking(&state, move |s| s.ingest_update(&bot, update, now)).await?;
    let label = match &outcome {
        IngestOutcome::Stored => {
            state.sync_wake().notify_one();
            "stored"
        }
        IngestOutcome::Duplicate => "duplicate",
        IngestOutcome::Ignored(reason) => {
            tracing::debug!(update_id, reason = %reason, "update ignored");
            "ignored"
        }
        IngestOutcome::Quarantined(reason) => {
            tracing::warn!(update_id, reason = %reason, "update quarantined");
            "quarantined"
        }
    };
    Ok(([(OUTCOME_HEADER, label)], "").into_response())
}
