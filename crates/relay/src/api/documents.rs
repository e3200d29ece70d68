//! `/v1/documents`: JSON documents the plugin keeps per tenant (the bulk page's runs), so they are
//! found again after a reload, in another browser or by another agent. The relay validates the
//! key and that the body is JSON, and otherwise never reads them.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use telegram_relay_api::{DocumentList, DocumentsQuery};

use super::{ApiQuery, Tenant, blocking};
use crate::error::ApiError;
use crate::{AppState, now};

/// The routes of this resource.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/documents", get(list))
        .route("/v1/documents/{*key}", put(store))
}

/// Keys are 1 to 200 characters of `A-Z a-z 0-9 . _ : / -`.
fn check_key(key: &str) -> Result<(), ApiError> {
    let ok = (1..=200).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:/-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ApiError::BadRequest(format!(
            "document key {:?} is not 1 to 200 characters of A-Z a-z 0-9 . _ : / -",
            key.chars().take(60).collect::<String>()
        )))
    }
}

async fn store(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    Path(key): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    check_key(&key)?;
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&body) {
        return Err(ApiError::BadRequest(format!(
            "the document is not JSON ({e}); send a JSON body"
        )));
    }
    let body = String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::BadRequest("the document is not UTF-8".into()))?;
    let now = now();
    blocking(&state, move |s| s.put_document(tenant, key, body, now)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ApiQuery(query): ApiQuery<DocumentsQuery>,
) -> Result<Json<DocumentList>, ApiError> {
    let prefix = query.prefix.unwrap_or_default();
    if !prefix.is_empty() {
        check_key(&prefix)?;
    }
    let documents = blocking(&state, move |s| s.documents(tenant, &prefix)).await?;
    Ok(Json(DocumentList { documents }))
}
