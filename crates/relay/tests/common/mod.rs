//! A relay on loopback over a real database, and a client for it. The database is a SQLite file
//! in a temporary directory, or, with `RELAY_TEST_DB=postgres`, a database on a throwaway
//! PostgreSQL cluster of the test's own (`cargo xtask test` runs the HTTP tests both ways).
#![allow(dead_code)]

pub mod postgres;
pub mod process;

use std::path::PathBuf;
use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::Value;
use telegram_relay::store::{Bot, Database, Storage, TenantId};
use telegram_relay::{AppState, Config, app, auth};

pub const SECRET: &str = "test-secret_123";

pub struct Relay {
    pub url: String,
    pub store: Arc<Database>,
    pub tenant: TenantId,
    pub token: String,
    pub webhook: String,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
    /// What the webhook notifies when it stored an update (the sync worker listens).
    pub wake: Arc<tokio::sync::Notify>,
    /// The PostgreSQL cluster of this relay, when it runs on one; stopped after the store.
    pub cluster: Option<postgres::Cluster>,
}

/// Runs `f` on a thread of its own: the store's methods block, and PostgreSQL's driver refuses to
/// block a thread that drives async tasks (the relay itself calls the store from
/// `spawn_blocking`).
pub fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().unwrap())
}

/// Creates tenant `name` with install token `token` and a bot at `webhook` whose secret is
/// [`SECRET`].
fn tenant_with_bot(store: &dyn Storage, name: &str, token: &str, webhook: &str) -> TenantId {
    let tenant = store
        .create_tenant(name, auth::hash(token.as_bytes()), 1_000)
        .unwrap();
    let bot = Bot {
        webhook_id: webhook.to_owned(),
        tenant_id: tenant,
        secret_hash: auth::hash(SECRET.as_bytes()),
    };
    store.add_bot(&bot, 1_000).unwrap();
    tenant
}

/// A new, empty database of the backend `RELAY_TEST_DB` names (`sqlite`, the default, or
/// `postgres`), and the cluster it lives on.
pub fn test_database(dir: &std::path::Path) -> (Arc<Database>, Option<postgres::Cluster>) {
    match std::env::var("RELAY_TEST_DB").as_deref() {
        Ok("postgres") => {
            let cluster = postgres::Cluster::start();
            cluster.psql("postgres", "CREATE DATABASE relay");
            let store = Database::open_postgres(&cluster.url("relay")).unwrap();
            (Arc::new(store), Some(cluster))
        }
        Ok("sqlite") | Err(_) => (
            Arc::new(Database::open_sqlite(&dir.join("relay.db")).unwrap()),
            None,
        ),
        Ok(other) => panic!("RELAY_TEST_DB is {other:?}: give sqlite or postgres"),
    }
}

pub fn fixture(path: &str) -> Vec<u8> {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

impl Relay {
    pub async fn start() -> Relay {
        Relay::start_with(Config {
            allowed_origins: vec!["http://localhost:8789".parse().unwrap()],
            max_body: 16 * 1024,
            ..Config::default()
        })
        .await
    }

    pub async fn start_with(config: Config) -> Relay {
        Relay::start_shaped(config, |state| state).await
    }

    /// Like [`Relay::start_with`], with the state shaped by `shape` (sending replies).
    pub async fn start_shaped(config: Config, shape: impl FnOnce(AppState) -> AppState) -> Relay {
        let dir = tempfile::tempdir().unwrap();
        let token = auth::new_token();
        let webhook = auth::new_webhook_id();
        let (store, cluster, tenant) = off_runtime(|| {
            let (store, cluster) = test_database(dir.path());
            let tenant = tenant_with_bot(&*store, "acme", &token, &webhook);
            (store, cluster, tenant)
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = shape(AppState::new(store.clone(), config));
        let wake = state.sync_wake();
        let service = app(state);
        tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
        Relay {
            url,
            store,
            tenant,
            token,
            webhook,
            http: telegram_relay::tls::client().build().unwrap(),
            dir,
            wake,
            cluster,
        }
    }

    /// Adds a second tenant with its own bot; returns (tenant, token, webhook id).
    pub fn add_tenant(&self, name: &str) -> (TenantId, String, String) {
        let token = auth::new_token();
        let webhook = auth::new_webhook_id();
        let tenant = off_runtime(|| tenant_with_bot(&*self.store, name, &token, &webhook));
        (tenant, token, webhook)
    }

    /// Posts a raw body to this relay's bot webhook; returns the status and the outcome header.
    pub async fn post_update_to(
        &self,
        webhook: &str,
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, String) {
        let response = self
            .http
            .post(format!("{}/telegram/webhook/{webhook}", self.url))
            .header("x-telegram-bot-api-secret-token", SECRET)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let outcome = response
            .headers()
            .get("x-relay-outcome")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (response.status(), outcome)
    }

    pub async fn post_update(&self, body: impl Into<reqwest::Body>) -> (StatusCode, String) {
        self.post_update_to(&self.webhook.clone(), body).await
    }

    pub async fn post_json(&self, update: &Value) -> String {
        let (status, outcome) = self.post_update(serde_json::to_vec(update).unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{update}");
        outcome
    }

    /// GET with this tenant's token; returns the status and the JSON body.
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.get_as(&self.token.clone(), path).await
    }

    pub async fn get_as(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, body)
    }

    /// GET that must succeed.
    pub async fn ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }
}

/// A private text message update from `user` (first name `name`).
pub fn text_update(update_id: i64, user: i64, message_id: i64, date: i64, text: &str) -> Value {
    serde_json::json!({
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "from": {"id": user, "is_bot": false, "first_name": "Ana", "username": "ana"},
            "chat": {"id": user, "first_name": "Ana", "username": "ana", "type": "private"},
            "date": date,
            "text": text
        }
    })
}

/// Asserts an error response has the relay's error shape with this code.
pub fn assert_error(status: StatusCode, body: &Value, expected_status: u16, code: &str) {
    assert_eq!(status.as_u16(), expected_status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}
