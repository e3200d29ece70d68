//! A relay on loopback over a real SQLite file in a temporary directory, and a client for it.
#![allow(dead_code)]

pub mod postgres;

use std::path::PathBuf;
use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::Value;
use telegram_relay::store::{Bot, SqliteStorage, Storage, TenantId};
use telegram_relay::{AppState, Config, app, auth};

pub const SECRET: &str = "test-secret_123";

pub struct Relay {
    pub url: String,
    pub store: Arc<SqliteStorage>,
    pub tenant: TenantId,
    pub token: String,
    pub webhook: String,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
    /// What the webhook notifies when it stored an update (the sync worker listens).
    pub wake: Arc<tokio::sync::Notify>,
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
        let store = Arc::new(SqliteStorage::open(&dir.path().join("relay.db")).unwrap());
        let token = auth::new_token();
        let tenant = store
            .create_tenant("acme", auth::hash(token.as_bytes()), 1_000)
            .unwrap();
        let webhook = auth::new_webhook_id();
        store
            .add_bot(
                &Bot {
                    webhook_id: webhook.clone(),
                    tenant_id: tenant,
                    secret_hash: auth::hash(SECRET.as_bytes()),
                },
                1_000,
            )
            .unwrap();
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
        }
    }

    /// Adds a second tenant with its own bot; returns (tenant, token, webhook id).
    pub fn add_tenant(&self, name: &str) -> (TenantId, String, String) {
        let token = auth::new_token();
        let tenant = self
            .store
            .create_tenant(name, auth::hash(token.as_bytes()), 1_000)
            .unwrap();
        let webhook = auth::new_webhook_id();
        self.store
            .add_bot(
                &Bot {
                    webhook_id: webhook.clone(),
                    tenant_id: tenant,
                    secret_hash: auth::hash(SECRET.as_bytes()),
                },
                1_000,
            )
            .unwrap();
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
