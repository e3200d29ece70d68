//! `/v1/people`: profiles, conversations and search.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use telegram_relay_api::{
    DEFAULT_MESSAGE_LIMIT, ErrorCode, Message, MessagePage, MessagesQuery, NewReply, PeopleList,
    Person, SearchQuery,
};

use super::{ApiJson, ApiQuery, Tenant, blocking, limit, sender_id};
use crate::error::ApiError;
use crate::reply::{self, Begin, Closed, Draft, Finish};
use crate::store::PageStart;
use crate::telegram::client::{BotClient, Refused};
use crate::{AppState, cursor, now};

/// The routes of this resource.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/people", get(search))
        .route("/v1/people/{sender_id}", get(person))
        .route("/v1/people/{sender_id}/messages", get(messages).post(send))
}

/// The longest flood-control wait the relay sits out itself before answering 429.
const FLOOD_WAIT: u32 = 3;

fn coded(code: ErrorCode, message: impl Into<String>) -> ApiError {
    ApiError::Coded(code, message.into(), None)
}

fn closed(c: Closed) -> ApiError {
    match c {
        Closed::NoConversation => coded(
            ErrorCode::MustWriteFirst,
            "this person has not written to the bot or the business account yet; Telegram lets a bot answer only after they write first",
        ),
        Closed::WindowClosed(at) => coded(
            ErrorCode::ReplyWindowClosed,
            format!(
                "the customer's last business message is more than 24 hours old (Unix time {at}); Telegram lets a business bot answer only within 24 hours of it: wait for them to write again"
            ),
        ),
        Closed::ConnectionDisabled => coded(
            ErrorCode::BusinessConnectionDisabled,
            "the business account's connection to the bot is off or unknown; reconnect the bot in Telegram Business settings (Chatbots) with the right to reply",
        ),
        Closed::NoToken(webhook) => coded(
            ErrorCode::NoBotToken,
            format!(
                "the bot of this chat (webhook {webhook}) has no token in the relay; the operator runs `telegram-relay bot set-token --webhook {webhook}`"
            ),
        ),
    }
}

fn refused(r: &Refused) -> ApiError {
    match r {
        Refused::Forbidden(d) if d.contains("BUSINESS") => coded(
            ErrorCode::BusinessConnectionDisabled,
            format!(
                "Telegram refused: {d}; give the bot the right to reply in Telegram Business settings (Chatbots)"
            ),
        ),
        Refused::Forbidden(d) => coded(
            ErrorCode::MustWriteFirst,
            format!(
                "Telegram refused: {d}; the person must write to the bot (or unblock it) before it can answer"
            ),
        ),
        Refused::BadRequest(d) if d.contains("chat not found") => coded(
            ErrorCode::MustWriteFirst,
            format!("Telegram refused: {d}; the person must write to the bot first"),
        ),
        Refused::BadRequest(d) if d.contains("BUSINESS_CONNECTION") => coded(
            ErrorCode::BusinessConnectionDisabled,
            format!(
                "Telegram refused: {d}; reconnect the bot in Telegram Business settings (Chatbots)"
            ),
        ),
        Refused::BadRequest(d) => {
            ApiError::BadRequest(format!("Telegram refused the message: {d}"))
        }
        Refused::Unauthorized => coded(
            ErrorCode::NoBotToken,
            "Telegram refused the bot's token (revoked or replaced in BotFather); the operator runs `telegram-relay bot set-token` with the current one",
        ),
        Refused::Flood(s) => ApiError::Coded(
            ErrorCode::TelegramRateLimited,
            format!("Telegram asks the bot to slow down; nothing was sent: retry in {s} s"),
            Some(u64::from(*s)),
        ),
        Refused::Unavailable(d) => coded(
            ErrorCode::TelegramUnavailable,
            format!("{d}; nothing was sent: retry"),
        ),
    }
}

/// `POST /v1/people/{sender_id}/messages`: sends a reply (see `crate::reply`). 201 with the
/// stored message; 200 with it when a retried POST finds it sent.
async fn send(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewReply>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    let sender = sender_id(&id)?;
    reply::check(&body.text, &body.client_id).map_err(ApiError::BadRequest)?;
    let agent = body.agent.trim().to_owned();
    if agent.is_empty() || agent.chars().count() > 200 {
        return Err(ApiError::BadRequest(
            "`agent` must name who sends the reply (1 to 200 characters), as the CRM names them"
                .into(),
        ));
    }
    let Some(sending) = state.sending() else {
        return Err(ApiError::Unhealthy(
            "this relay was started without its key (--key-file), so it cannot open a bot's token to send; the operator restarts `serve` with --key-file".into(),
        ));
    };
    let draft = Draft {
        client_id: body.client_id,
        sender,
        text: body.text,
        reply_to: body.reply_to,
        agent,
    };
    let d = draft.clone();
    let route = match blocking(&state, move |s| s.reply_begin(tenant, d, now())).await? {
        Begin::Send(route) => route,
        Begin::Sent(message) => return Ok((StatusCode::OK, Json(*message))),
        Begin::InFlight => {
            return Err(coded(
                ErrorCode::SendInProgress,
                "a reply with this client_id is being sent, or the relay stopped while sending it and cannot know whether Telegram delivered it; look at the conversation before sending it again (with a new client_id)",
            ));
        }
        Begin::Reused => {
            return Err(coded(
                ErrorCode::ClientIdReused,
                "this client_id was used for another reply; send each new reply with a new client_id",
            ));
        }
        Begin::Closed(c) => return Err(closed(c)),
    };
    let client = sending
        .key
        .open(tenant, &route.sealed_token)
        .and_then(|token| BotClient::new(&sending.telegram_api, token));
    let mut result = match client {
        Ok(client) => {
            let send = || {
                client.send_message(
                    route.chat_id,
                    &draft.text,
                    route.business_connection(),
                    draft.reply_to,
                )
            };
            let mut result = send().await;
            if let Err(Refused::Flood(s)) = result
                && s <= FLOOD_WAIT
            {
                tokio::time::sleep(std::time::Duration::from_secs(s.into())).await;
                result = send().await;
            }
            result.map_err(|r| (refused(&r), format!("{r:?}")))
        }
        Err(e) => Err((ApiError::Unhealthy(e.clone()), e)),
    };
    let outcome = match &mut result {
        Ok((telegram_id, date)) => Finish::Sent {
            route,
            telegram_id: *telegram_id,
            date: *date,
        },
        Err((_, why)) => Finish::Failed(std::mem::take(why)),
    };
    let stored = blocking(&state, move |s| {
        s.reply_finish(tenant, draft, outcome, now())
    })
    .await?;
    match (result, stored) {
        (Ok(_), Some(message)) => Ok((StatusCode::CREATED, Json(message))),
        (Ok(_), None) => Err(ApiError::Task(
            "a sent reply was not found after storing it".into(),
        )),
        (Err((error, _)), _) => Err(error),
    }
}

fn not_found(id: impl std::fmt::Display) -> ApiError {
    ApiError::NotFound(format!(
        "the relay has no Telegram person {id} in this tenant"
    ))
}

async fn person(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    Path(id): Path<String>,
) -> Result<Json<Person>, ApiError> {
    let id = sender_id(&id)?;
    let person = blocking(&state, move |s| s.person(tenant, id)).await?;
    person.map(Json).ok_or_else(|| not_found(id))
}

async fn messages(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<MessagesQuery>,
) -> Result<Json<MessagePage>, ApiError> {
    let id = sender_id(&id)?;
    let start = match (&query.before, &query.after) {
        (Some(_), Some(_)) => {
            return Err(ApiError::BadRequest(
                "give either `before` (older messages) or `after` (polling), not both".into(),
            ));
        }
        (Some(before), None) => {
            PageStart::Before(cursor::parse_before(before.as_str()).ok_or_else(|| {
                ApiError::InvalidCursor(format!(
                    "`before={before}` is not a cursor this relay issued; pass a page's `older` value"
                ))
            })?)
        }
        (None, Some(after)) => {
            PageStart::After(cursor::parse_rev(after.as_str()).ok_or_else(|| {
                ApiError::InvalidCursor(format!(
                    "`after={after}` is not a cursor this relay issued; pass a page's `newer` value"
                ))
            })?)
        }
        (None, None) => PageStart::Newest,
    };
    let limit = limit(query.limit, DEFAULT_MESSAGE_LIMIT)?;
    let page = blocking(&state, move |s| s.messages(tenant, id, start, limit)).await?;
    page.map(Json).ok_or_else(|| not_found(id))
}

async fn search(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<Json<PeopleList>, ApiError> {
    if query.q.trim().is_empty() {
        return Err(ApiError::BadRequest(
            "`q` is empty; give a name, a username or phone digits to search for".into(),
        ));
    }
    if query.q.contains('\0') {
        return Err(ApiError::BadRequest(
            "`q` contains a NUL character; search for names, usernames or phone digits".into(),
        ));
    }
    let limit = limit(query.limit, 20)?;
    let people = blocking(&state, move |s| s.search(tenant, &query.q, limit)).await?;
    Ok(Json(PeopleList { people }))
}
