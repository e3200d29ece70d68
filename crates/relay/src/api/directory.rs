//! `/v1/directory` (all people, incrementally) and `/v1/export/telegram-contacts.csv`.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use telegram_relay_api::{DEFAULT_DIRECTORY_LIMIT, DirectoryPage, DirectoryQuery};

use super::{ApiQuery, Tenant, blocking, limit};
use crate::error::ApiError;
use crate::store::Revision;
use crate::{AppState, cursor};

/// The routes of this resource.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/directory", get(directory))
        .route("/v1/export/telegram-contacts.csv", get(contacts_csv))
}

async fn directory(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ApiQuery(query): ApiQuery<DirectoryQuery>,
) -> Result<Json<DirectoryPage>, ApiError> {
    let after = match &query.after {
        None => Revision::default(),
        Some(c) => cursor::parse_rev(c.as_str()).ok_or_else(|| {
            ApiError::InvalidCursor(format!(
                "`after={c}` is not a directory cursor; pass a page's `next` value"
            ))
        })?,
    };
    let limit = limit(query.limit, DEFAULT_DIRECTORY_LIMIT)?;
    Ok(Json(
        blocking(&state, move |s| s.directory(tenant, after, limit)).await?,
    ))
}

/// The identity engine's Telegram contact-info CSV of every person (UTF-8 with BOM, safe against
/// spreadsheet formula injection).
async fn contacts_csv(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
) -> Result<impl IntoResponse, ApiError> {
    let people = blocking(&state, move |s| s.all_people(tenant)).await?;
    let csv = telegram_identity::csv::write_telegram_contacts(&people);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"telegram-contacts.csv\"",
            ),
        ],
        csv,
    ))
}
