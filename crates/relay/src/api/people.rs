//! `/v1/people`: profiles, conversations and search.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use telegram_relay_api::{
    DEFAULT_MESSAGE_LIMIT, MessagePage, MessagesQuery, PeopleList, Person, SearchQuery,
};

use super::{ApiQuery, Tenant, blocking, limit, sender_id};
use crate::error::ApiError;
use crate::store::PageStart;
use crate::{AppState, cursor};

/// The routes of this resource.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/people", get(search))
        .route("/v1/people/{sender_id}", get(person))
        .route("/v1/people/{sender_id}/messages", get(messages))
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
            let (sent_at, id) = cursor::parse_before(before.as_str()).ok_or_else(|| {
                ApiError::InvalidCursor(format!(
                    "`before={before}` is not a cursor this relay issued; pass a page's `older` value"
                ))
            })?;
            PageStart::Before(sent_at, id)
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
