//! The Telegram relay: ingest, storage and the plugin API.
//!
//! The relay receives Telegram Bot API webhooks (`POST /telegram/webhook/{id}`) and Telegram Desktop
//! exports (`telegram-relay import-desktop`), stores people and conversations in SQLite, and answers
//! the sidebar plugin's `/v1` API (types in `telegram-relay-api`).
//!
//! The layers, from the outside in:
//!
//! - [`app`] builds the axum [`Router`] from an [`AppState`]; [`api`] has one module per resource.
//!   Every failure is an [`error::ApiError`] answered as `{"error":{"code","message"}}`.
//! - [`telegram`] parses Telegram's formats into [`telegram::Event`]s, with no IO.
//! - [`store`] applies events and answers queries behind the [`store::Storage`] trait;
//!   [`store::Database`] is the implementation on SQLite or PostgreSQL, with one writer thread
//!   doing group commit.
//!
//! A test or another binary builds the same service the command line does:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use telegram_relay::{AppState, Config, app, store::Database};
//!
//! let store = Arc::new(Database::open_sqlite("relay.db".as_ref())?);
//! let state = AppState::new(store, Config::default());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! axum::serve(listener, app(state)).await?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod api;
pub mod auth;
pub mod cli;
pub mod crm;
pub mod cursor;
pub mod demo;
pub mod error;
pub mod limits;
pub mod reply;
pub mod server;
pub mod store;
pub mod telegram;
pub mod tls;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::routing::get;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::store::{Storage, StoreError};

/// The largest request body accepted by default (Telegram updates are a few kilobytes).
pub const DEFAULT_MAX_BODY: usize = 256 * 1024;

/// How the service behaves, from flags or the environment.
#[derive(Clone, Debug)]
pub struct Config {
    /// Origins allowed to call `/v1` from a browser (CORS). Empty: none.
    pub allowed_origins: Vec<HeaderValue>,
    /// Largest request body in bytes, on every route (webhook updates, link events).
    pub max_body: usize,
    /// Requests per minute one install token may make to `/v1` (0: no limit).
    pub rate_limit: u32,
}

/// Default per-token rate: generous for an account's agents (every open sidebar polls), low
/// enough to blunt a leaked token.
pub const DEFAULT_RATE_LIMIT: u32 = 6_000;

impl Default for Config {
    fn default() -> Config {
        Config {
            allowed_origins: Vec::new(),
            max_body: DEFAULT_MAX_BODY,
            rate_limit: DEFAULT_RATE_LIMIT,
        }
    }
}

/// What every handler shares: the storage, the configuration and the per-token rate limiter.
/// Tokens and bots are looked up in the database on every request (an indexed read), not cached:
/// a token rotated or revoked, or a bot removed, by another process stops working at once.
#[derive(Clone)]
pub struct AppState {
    store: Arc<dyn Storage>,
    config: Arc<Config>,
    limiter: Arc<limits::TokenLimiter>,
    sync_wake: Arc<tokio::sync::Notify>,
    sending: Option<Arc<Sending>>,
}

/// What sending replies needs: the key that opens the bots' tokens, and where the Bot API is.
#[derive(Debug)]
pub struct Sending {
    /// The operator's key.
    pub key: Arc<crm::secret::Key>,
    /// The Bot API's base address (Telegram's, or a double).
    pub telegram_api: String,
}

impl AppState {
    /// A state over `store`.
    pub fn new(store: Arc<dyn Storage>, config: Config) -> AppState {
        let limiter = Arc::new(limits::TokenLimiter::new(config.rate_limit));
        AppState {
            store,
            config: Arc::new(config),
            limiter,
            sync_wake: Arc::new(tokio::sync::Notify::new()),
            sending: None,
        }
    }

    /// Lets the relay send replies, opening bot tokens with `key` and calling the Bot API at
    /// `telegram_api`. Without it a reply is refused, saying the relay needs its key.
    pub fn with_sending(mut self, key: Arc<crm::secret::Key>, telegram_api: String) -> AppState {
        self.sending = Some(Arc::new(Sending { key, telegram_api }));
        self
    }

    /// The sending configuration, if any.
    pub fn sending(&self) -> Option<Arc<Sending>> {
        self.sending.clone()
    }

    /// What a stored webhook update notifies: the sync worker's wake-up (see
    /// [`crm::sync::run`]).
    pub fn sync_wake(&self) -> Arc<tokio::sync::Notify> {
        self.sync_wake.clone()
    }
}

/// The relay's HTTP service.
pub fn app(state: AppState) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(
            state.config.allowed_origins.iter().cloned(),
        ))
        .allow_methods([Method::GET, Method::POST, Method::PUT])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .expose_headers([HeaderName::from_static("x-relay-outcome")])
        .max_age(std::time::Duration::from_secs(600));
    // The 405 fallback is set before CORS wraps the routes, so preflight requests still get CORS.
    let v1 = Router::new()
        .merge(api::people::routes())
        .merge(api::directory::routes())
        .merge(api::link_events::routes())
        .merge(api::documents::routes())
        .method_not_allowed_fallback(method_not_allowed)
        .layer(cors);
    let rest = Router::new()
        .route("/healthz", get(health))
        .merge(api::webhook::routes())
        .method_not_allowed_fallback(method_not_allowed);
    Router::new()
        .merge(v1)
        .merge(rest)
        .fallback(|| async {
            ApiError::NotFound(
                "no such endpoint; the API is under /v1 (see the relay's README)".into(),
            )
        })
        .layer(DefaultBodyLimit::max(state.config.max_body))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            refuse_declared_oversize,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// Refuses a request whose declared `Content-Length` is over the limit before reading any of its
/// body (a client announcing 10 GB is answered at once, not after the first 256 KiB arrive).
async fn refuse_declared_oversize(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let max = state.config.max_body;
    if let Some(n) = declared.filter(|&n| n > max as u64) {
        return ApiError::PayloadTooLarge(format!(
            "the body declares {n} bytes; this relay accepts at most {max} (its --max-body)"
        ))
        .into_response();
    }
    next.run(request).await
}

/// The span of a request names its method and route template (`/v1/people/{sender_id}`), never
/// the path itself, the query or the headers: paths hold webhook IDs, queries hold the names and
/// phone numbers agents search for, headers hold install tokens and webhook secrets.
fn request_span(request: &axum::extract::Request) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(no route)", MatchedPath::as_str);
    tracing::debug_span!("request", method = %request.method(), route)
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed(format!(
        "{method} is not allowed here; see the relay's README"
    ))
}

async fn health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<axum::Json<telegram_relay_api::Health>, ApiError> {
    let sync = api::blocking(&state, |s| {
        s.health()?;
        Ok((s.crm_lag()?, !s.crm_connections()?.is_empty()))
    })
    .await
    .map_err(|e| match e {
        ApiError::Store(StoreError::Closed) => ApiError::Store(StoreError::Closed),
        ApiError::Store(e) => {
            tracing::error!(error = %e, "health check failed");
            ApiError::Unhealthy(e.to_string())
        }
        other => other,
    })?;
    let ((backlog, oldest), connected) = sync;
    Ok(axum::Json(telegram_relay_api::Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        sync: (connected || backlog > 0).then(|| telegram_relay_api::SyncHealth {
            backlog,
            lag_seconds: oldest.map_or(0, |o| (now() - o).max(0)),
        }),
    }))
}

/// The current time in Unix seconds. The clock is read only at the edges (handlers, commands) and
/// passed down as a value.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
