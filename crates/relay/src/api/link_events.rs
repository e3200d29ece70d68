//! `/v1/link-events`: the journal of senderId writes in the CRM.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use telegram_relay_api::{LinkEvent, LinkEventList, LinkEventsQuery, NewLinkEvent};

use super::{ApiJson, ApiQuery, Tenant, blocking, sender_id};
use crate::error::ApiError;
use crate::store::LinkFilter;
use crate::{AppState, now};

/// The routes of this resource.
pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/link-events", get(list).post(record))
}

async fn record(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ApiJson(event): ApiJson<NewLinkEvent>,
) -> Result<(StatusCode, Json<LinkEvent>), ApiError> {
    if event.contact_id.trim().is_empty() {
        return Err(ApiError::BadRequest(
            "`contact_id` is empty; give the CRM contact's ID".into(),
        ));
    }
    if event.actor.trim().is_empty() {
        return Err(ApiError::BadRequest(
            "`actor` is empty; say who made the change".into(),
        ));
    }
    for (name, value) in [
        ("old_value", &event.old_value),
        ("new_value", &event.new_value),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty())
            && v.len() > 200
        {
            return Err(ApiError::BadRequest(format!(
                "`{name}` is {} bytes long; a senderId field holds at most 200",
                v.len()
            )));
        }
    }
    let now = now();
    let recorded = blocking(&state, move |s| s.add_link_event(tenant, event, now)).await?;
    Ok((StatusCode::CREATED, Json(recorded)))
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
