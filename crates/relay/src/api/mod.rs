//! The HTTP layer: one module per resource, each owning its routes.

pub mod directory;
pub mod documents;
pub mod link_events;
pub mod people;
pub mod webhook;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use telegram_relay_api::SenderId;

use crate::error::ApiError;
use crate::store::{Storage, TenantId};
use crate::{AppState, auth};

/// Runs a blocking storage call on Tokio's blocking pool.
pub async fn blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&dyn Storage) -> Result<T, crate::store::StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || f(&*store))
        .await
        .map_err(|e| ApiError::Task(e.to_string()))?
        .map_err(ApiError::from)
}

/// The tenant of the request's `Authorization: Bearer <install token>`.
pub struct Tenant(pub TenantId);

impl FromRequestParts<AppState> for Tenant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Tenant, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(|| {
                ApiError::Unauthorized(
                    "no Authorization header; send `Authorization: Bearer <install token>`".into(),
                )
            })?;
        let token = header
            .to_str()
            .ok()
            // The scheme is case-insensitive (RFC 9110 §11.1).
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::Unauthorized(
                    "the Authorization header is not `Bearer <install token>`".into(),
                )
            })?;
        let hash = auth::hash(token.as_bytes());
        // Looked up every time (no cache), so a rotated or revoked token fails at once.
        let found = blocking(state, move |s| s.tenant_by_token(&hash)).await?;
        let id = found.ok_or_else(|| {
            ApiError::Unauthorized(
                "the install token is not valid for this relay; check the app's relay token setting"
                    .into(),
            )
        })?;
        state
            .limiter
            .take(id, std::time::Instant::now())
            .map_err(ApiError::RateLimited)?;
        Ok(Tenant(id))
    }
}

/// A JSON body whose rejections are answered in the relay's error format.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<ApiJson<T>, ApiError> {
        let axum::Json(value) = axum::Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(value))
    }
}

/// A query string whose rejections are answered in the relay's error format.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<ApiQuery<T>, ApiError> {
        let axum::extract::Query(value) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(ApiQuery(value))
    }
}

/// Parses a sender ID from a path or query, with the identity engine's explanation when it is bad.
pub fn sender_id(input: &str) -> Result<SenderId, ApiError> {
    SenderId::parse(input).map_err(|e| {
        ApiError::InvalidSenderId(format!("{input:?} is not a Telegram sender ID: {e}"))
    })
}

/// A page size: the default when absent, at most `MAX_PAGE_LIMIT` (larger values are clamped);
/// `limit=0` is refused rather than silently answered with one item.
pub fn limit(requested: Option<u32>, default: u32) -> Result<u32, ApiError> {
    match requested {
        Some(0) => Err(ApiError::BadRequest(format!(
            "`limit=0` asks for an empty page; give a page size from 1 to {}",
            telegram_relay_api::MAX_PAGE_LIMIT
        ))),
        requested => Ok(requested
            .unwrap_or(default)
            .min(telegram_relay_api::MAX_PAGE_LIMIT)),
    }
}
