//! `/v1/link-events`: the journal of senderId writes in the CRM.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use telegram_relay_api::{
    LinkEvent, LinkEventList, LinkEventsQuery, MAX_LINK_EVENTS_PER_BATCH, NewLinkEvent,
    NewLinkEvents, RecordedLinkEvents,
};

use super::{ApiJson, ApiQuery, Tenant, blocking, sender_id};
use crate::error::ApiError;
use crate::store::LinkFilter;
use crate::{AppState, now};

/// The routes of this resource.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/link-events", get(list).post(record))
        .route("/v1/link-events/batch", post(record_batch))
}

async fn record(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ApiJson(event): ApiJson<NewLinkEvent>,
) -> Result<(StatusCode, Json<LinkEvent>), ApiError> {
    check(&event).map_err(ApiError::BadRequest)?;
    let now = now();
    let recorded = blocking(&state, move |s| s.add_link_event(tenant, event, now)).await?;
    Ok((StatusCode::CREATED, Json(recorded)))
}

/// `POST /v1/link-events/batch`: a bulk batch's writes in one transaction; every event is
/// checked before any is stored, and one already journaled (same batch, contact, action) is not
/// stored twice.
async fn record_batch(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ApiJson(batch): ApiJson<NewLinkEvents>,
) -> Result<(StatusCode, Json<RecordedLinkEvents>), ApiError> {
    if batch.events.len() > MAX_LINK_EVENTS_PER_BATCH {
        return Err(ApiError::BadRequest(format!(
            "{} events in one batch; send at most {MAX_LINK_EVENTS_PER_BATCH} per request",
            batch.events.len()
        )));
    }
    for (i, event) in batch.events.iter().enumerate() {
        check(event).map_err(|why| ApiError::BadRequest(format!("events[{i}]: {why}")))?;
    }
    let now = now();
    let (recorded, already) = blocking(&state, move |s| {
        s.add_link_events(tenant, batch.events, now)
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(RecordedLinkEvents { recorded, already }),
    ))
}

/// What makes an event unfit for the journal, in words that say how to fix it.
fn check(event: &NewLinkEvent) -> Result<(), String> {
    if event.contact_id.trim().is_empty() {
        return Err("`contact_id` is empty; give the CRM contact's ID".into());
    }
    if event.actor.trim().is_empty() {
        return Err("`actor` is empty; say who made the change".into());
    }
    for (name, value) in [
        ("old_value", &event.old_value),
        ("new_value", &event.new_value),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty())
            && v.len() > 200
        {
            return Err(format!(
                "`{name}` is {} bytes long; a senderId field holds at most 200",
                v.len()
            ));
        }
    }
    Ok(())
}

async fn list(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ApiQuery(query): ApiQuery<LinkEventsQuery>,
) -> Result<Json<LinkEventList>, ApiError> {
    let filter = match (&query.sender_id, &query.contact_id, &query.batch_id) {
        (Some(s), None, None) => LinkFilter::Sender(sender_id(s)?),
        (None, Some(c), None) => LinkFilter::Contact(c.clone()),
        (None, None, Some(b)) => LinkFilter::Batch(b.clone()),
        _ => {
            return Err(ApiError::BadRequest(
                "give exactly one of `sender_id`, `contact_id` or `batch_id`".into(),
            ));
        }
    };
    let events = blocking(&state, move |s| s.link_events(tenant, &filter)).await?;
    Ok(Json(LinkEventList { events }))
}
