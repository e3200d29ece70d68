//! The requests sync makes to Zendesk Support's REST API, each with its reference page, and the one
//! mapping of Zendesk's answers to [`Failure`]s.
//!
//! Authentication is an API token (`{email}/token:{token}` in Basic) or an OAuth access token
//! (Bearer) (<https://developer.zendesk.com/api-reference/introduction/security-and-auth/>); the
//! header is marked sensitive, so it never appears in a log or a debug print. Every request first
//! takes a token from the connection's [`Bucket`], which keeps the relay within the rate the
//! operator gave (Zendesk's plans allow 200 to 2,500 requests a minute per account:
//! <https://developer.zendesk.com/api-reference/introduction/rate-limits/>).

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde_json::{Value, json};
use tokio::time::Instant;

use super::Auth;
use super::secret::Secret;

/// How long one request may take before it counts as a network failure.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Why a request failed, as sync must treat it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// 401: the credentials are wrong or revoked. Retrying cannot help; the operator must run
    /// `crm connect` again. (A 403 is about one record, so it is [`Failure::Rejected`].)
    Credentials(String),
    /// 429: wait this many seconds (`Retry-After`).
    RateLimited(u64),
    /// A 5xx, a timeout or a network error: retry with back-off.
    Transient(String),
    /// Another 4xx: Zendesk refused this request; its message.
    Rejected(String),
    /// 404: the record is gone (deleted or merged in Zendesk); its message.
    NotFound(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Credentials(m)
            | Failure::Transient(m)
            | Failure::Rejected(m)
            | Failure::NotFound(m) => f.write_str(m),
            Failure::RateLimited(s) => write!(f, "Zendesk asked to wait {s} s (429)"),
        }
    }
}

/// A Zendesk user as sync reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    /// Zendesk's ID.
    pub id: u64,
    /// `end-user`, `agent` or `admin`.
    pub role: String,
    /// Light agents and other custom roles have a `role_type`.
    pub role_type: Option<i64>,
    /// Custom field values by key.
    pub user_fields: serde_json::Map<String, Value>,
    /// `external_id`.
    pub external_id: Option<String>,
}

impl User {
    fn from_json(v: &Value) -> Option<User> {
        Some(User {
            id: v.get("id")?.as_u64()?,
            role: v.get("role")?.as_str().unwrap_or_default().to_owned(),
            role_type: v.get("role_type").and_then(Value::as_i64),
            user_fields: v
                .get("user_fields")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            external_id: v
                .get("external_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }

    /// The text of custom field `key`, when set.
    pub fn field(&self, key: &str) -> Option<String> {
        match self.user_fields.get(key)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

/// A custom user field's definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserField {
    /// Its key.
    pub key: String,
    /// `text`, `integer`, `dropdown`, …
    pub kind: String,
    /// Whether it is active.
    pub active: bool,
}

/// A token bucket: `rate` requests a minute, bursts of a few seconds' worth, and a pause when
/// Zendesk answers 429. No lock is held while waiting, so a pause takes effect at once for every
/// waiter.
#[derive(Debug)]
pub struct Bucket {
    state: std::sync::Mutex<BucketState>,
    per_second: f64,
    capacity: f64,
}

#[derive(Debug)]
struct BucketState {
    tokens: f64,
    at: Instant,
    paused_until: Option<Instant>,
}

impl Bucket {
    /// A full bucket for `rate` requests a minute (at least 1).
    pub fn new(rate: u32) -> Bucket {
        let per_second = f64::from(rate.max(1)) / 60.0;
        let capacity = (per_second * 3.0).max(1.0);
        Bucket {
            state: std::sync::Mutex::new(BucketState {
                tokens: capacity,
                at: Instant::now(),
                paused_until: None,
            }),
            per_second,
            capacity,
        }
    }

    /// Waits for a token (and out any pause).
    pub async fn take(&self) {
        loop {
            let wait = {
                let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                match s.paused_until {
                    Some(until) if until > now => until - now,
                    _ => {
                        s.paused_until = None;
                        let elapsed = now.duration_since(s.at).as_secs_f64();
                        s.tokens = (s.tokens + elapsed * self.per_second).min(self.capacity);
                        s.at = now;
                        if s.tokens >= 1.0 {
                            s.tokens -= 1.0;
                            return;
                        }
                        Duration::from_secs_f64((1.0 - s.tokens) / self.per_second)
                    }
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// No request leaves before `after` from now (Zendesk's `Retry-After`).
    pub fn pause(&self, after: Duration) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let until = Instant::now() + after;
        s.paused_until = Some(s.paused_until.map_or(until, |u| u.max(until)));
        s.tokens = 0.0;
        s.at = until;
    }
}

/// A client of one Zendesk account.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    authorization: HeaderValue,
    bucket: Arc<Bucket>,
}

/// Checks a Zendesk URL: `https://…`, or `http://` only to this machine (the double); no path.
pub fn check_url(url: &str) -> Result<Url, String> {
    let parsed = Url::parse(url.trim()).map_err(|e| {
        format!("--url {url:?} is not a URL ({e}); write it as https://SUBDOMAIN.zendesk.com")
    })?;
    let loopback = matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    let scheme_ok = parsed.scheme() == "https" || (parsed.scheme() == "http" && loopback);
    if !scheme_ok || parsed.path() != "/" || parsed.query().is_some() {
        return Err(format!(
            "--url {url:?} must be the account's address with https and no path, like \
             https://SUBDOMAIN.zendesk.com (plain http only to this machine, for a test double)"
        ));
    }
    Ok(parsed)
}

/// Standard base64 with padding (RFC 4648 §4), for the Basic credentials.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

impl Client {
    /// A client of the account at `url`, sending at most `rate` requests a minute.
    pub fn new(url: &str, auth: &Auth, token: &Secret, rate: u32) -> Result<Client, String> {
        let base = check_url(url)?;
        let credentials = match auth {
            Auth::ApiToken { email } => format!(
                "Basic {}",
                base64(format!("{email}/token:{}", token.expose()).as_bytes())
            ),
            Auth::OAuth => format!("Bearer {}", token.expose()),
        };
        let mut authorization = HeaderValue::from_str(&credentials).map_err(|_| {
            "the token or email holds characters an HTTP header cannot carry; copy the token again"
                .to_owned()
        })?;
        authorization.set_sensitive(true);
        let http = crate::tls::client()
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("telegram-relay/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot start the HTTP client: {e}"))?;
        Ok(Client {
            http,
            base,
            authorization,
            bucket: Arc::new(Bucket::new(rate)),
        })
    }

    /// The rate bucket (sync pauses it on a 429).
    pub fn bucket(&self) -> &Bucket {
        &self.bucket
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<Value>,
    ) -> Result<(StatusCode, Value), Failure> {
        self.send_paced(method, url, body, true).await
    }

    /// `account_limit`: a 429 is the account's limit and pauses every request of this client;
    /// otherwise (Update User's 5 a minute per user) it concerns this request alone.
    async fn send_paced(
        &self,
        method: Method,
        url: Url,
        body: Option<Value>,
        account_limit: bool,
    ) -> Result<(StatusCode, Value), Failure> {
        self.bucket.take().await;
        let mut request = self
            .http
            .request(method, url)
            .header(AUTHORIZATION, self.authorization.clone());
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| {
            Failure::Transient(format!(
                "cannot reach Zendesk at {}: {}",
                self.base,
                if e.is_timeout() {
                    "no answer in time".to_owned()
                } else {
                    e.without_url().to_string()
                }
            ))
        })?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let text = response
            .text()
            .await
            .map_err(|e| Failure::Transient(format!("Zendesk's answer was cut off: {e}")))?;
        if status.is_success() {
            let value = serde_json::from_str(&text).map_err(|e| {
                Failure::Transient(format!(
                    "Zendesk answered {status} with a body that is not JSON ({e})"
                ))
            })?;
            return Ok((status, value));
        }
        let message = error_message(status, &text);
        Err(match status.as_u16() {
            429 => {
                let wait = retry_after.unwrap_or(10).clamp(1, 3_600);
                if account_limit {
                    self.bucket.pause(Duration::from_secs(wait));
                }
                Failure::RateLimited(wait)
            }
            401 => Failure::Credentials(format!(
                "Zendesk refused the credentials ({message}); check the email and the token \
                 (Admin Center → Apps and integrations → Zendesk API) and run `telegram-relay crm \
                 connect` again"
            )),
            403 => Failure::Rejected(format!(
                "Zendesk refused the request for lack of permission ({message}); connect with an \
                 admin's or a full agent's credentials (light agents cannot create users), or \
                 check who may edit this user"
            )),
            404 => Failure::NotFound(format!("Zendesk answered {status}: {message}")),
            500..=599 => Failure::Transient(format!("Zendesk answered {status}: {message}")),
            _ => Failure::Rejected(format!("Zendesk answered {status}: {message}")),
        })
    }

    fn url(&self, path: &str) -> Url {
        self.base.join(path).expect("paths here are valid")
    }

    /// `GET /api/v2/users/me.json`: whose credentials these are.
    /// <https://developer.zendesk.com/api-reference/ticketing/users/users/#show-the-currently-authenticated-user>
    pub async fn me(&self) -> Result<User, Failure> {
        let (_, v) = self
            .send(Method::GET, self.url("/api/v2/users/me.json"), None)
            .await?;
        user_of(&v)
    }

    /// `GET /api/v2/user_fields.json`, every page.
    /// <https://developer.zendesk.com/api-reference/ticketing/users/user_fields/#list-user-fields>
    pub async fn user_fields(&self) -> Result<Vec<UserField>, Failure> {
        let mut fields = Vec::new();
        let mut next = Some(self.url("/api/v2/user_fields.json"));
        while let Some(url) = next.take() {
            let (_, v) = self.send(Method::GET, url, None).await?;
            for f in v["user_fields"].as_array().into_iter().flatten() {
                fields.push(UserField {
                    key: f["key"].as_str().unwrap_or_default().to_owned(),
                    kind: f["type"].as_str().unwrap_or_default().to_owned(),
                    active: f["active"].as_bool().unwrap_or(true),
                });
            }
            next = v["next_page"].as_str().and_then(|n| Url::parse(n).ok());
        }
        Ok(fields)
    }

    /// `GET /api/v2/users/search.json?external_id=…`: answered from the database, not the
    /// search index, so a user created a moment ago is found.
    /// <https://developer.zendesk.com/api-reference/ticketing/users/users/#search-users>
    pub async fn by_external_id(&self, external_id: &str) -> Result<Vec<User>, Failure> {
        let mut url = self.url("/api/v2/users/search.json");
        url.query_pairs_mut()
            .append_pair("external_id", external_id);
        let (_, v) = self.send(Method::GET, url, None).await?;
        Ok(users_of(&v))
    }

    /// `GET /api/v2/users/search.json?query=KEY:VALUE`: users whose custom field holds the
    /// value. Reads the search index, which lags behind writes.
    /// <https://developer.zendesk.com/api-reference/ticketing/users/users/#search-users>
    pub async fn by_field(&self, key: &str, value: &str) -> Result<Vec<User>, Failure> {
        let mut url = self.url("/api/v2/users/search.json");
        url.query_pairs_mut()
            .append_pair("query", &format!("{key}:{value}"));
        let (_, v) = self.send(Method::GET, url, None).await?;
        Ok(users_of(&v)
            .into_iter()
            .filter(|u| u.field(key).as_deref() == Some(value))
            .collect())
    }

    /// `POST /api/v2/users/create_or_update.json`: creates the user, or updates the one with the
    /// same `external_id`. Answers the user and whether it was created (201).
    /// <https://developer.zendesk.com/api-reference/ticketing/users/users/#create-or-update-user>
    pub async fn create_or_update(&self, user: Value) -> Result<(bool, User), Failure> {
        let (status, v) = self
            .send(
                Method::POST,
                self.url("/api/v2/users/create_or_update.json"),
                Some(json!({ "user": user })),
            )
            .await?;
        Ok((status == StatusCode::CREATED, user_of(&v)?))
    }

    /// `PUT /api/v2/users/{id}.json` with only `user_fields`: other attributes are left as the
    /// agents wrote them.
    /// <https://developer.zendesk.com/api-reference/ticketing/users/users/#update-user>
    pub async fn update_fields(&self, id: u64, fields: Value) -> Result<(), Failure> {
        self.send_paced(
            Method::PUT,
            self.url(&format!("/api/v2/users/{id}.json")),
            Some(json!({ "user": { "user_fields": fields } })),
            false,
        )
        .await
        .map(|_| ())
    }

    /// `GET /api/v2/users.json?role=end-user&page[size]=100`, one page (cursor pagination);
    /// answers the users and the next page's URL.
    /// <https://developer.zendesk.com/api-reference/ticketing/users/users/#list-users>
    pub async fn end_users_page(
        &self,
        next: Option<&str>,
    ) -> Result<(Vec<User>, Option<String>), Failure> {
        let url = match next {
            Some(next) => Url::parse(next)
                .map_err(|e| Failure::Transient(format!("Zendesk gave a bad next page ({e})")))?,
            None => {
                let mut url = self.url("/api/v2/users.json");
                url.query_pairs_mut()
                    .append_pair("role", "end-user")
                    .append_pair("page[size]", "100");
                url
            }
        };
        let (_, v) = self.send(Method::GET, url, None).await?;
        let more = v["meta"]["has_more"].as_bool().unwrap_or(false);
        let next = more
            .then(|| v["links"]["next"].as_str().map(str::to_owned))
            .flatten();
        Ok((users_of(&v), next))
    }
}

fn users_of(v: &Value) -> Vec<User> {
    v["users"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(User::from_json)
        .collect()
}

fn user_of(v: &Value) -> Result<User, Failure> {
    User::from_json(&v["user"])
        .ok_or_else(|| Failure::Transient("Zendesk's answer holds no user".into()))
}

/// Zendesk's message from an error body: `{"error": "RecordInvalid", "description": …,
/// "details": {field: [{description}]}}`, `{"error": {"title", "message"}}`, or plain text.
/// <https://developer.zendesk.com/api-reference/introduction/requests/#400-range>
fn error_message(status: StatusCode, text: &str) -> String {
    let short = |s: &str| s.chars().take(300).collect::<String>();
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return if text.trim().is_empty() {
            status.to_string()
        } else {
            short(text.trim())
        };
    };
    let mut parts = Vec::new();
    match &v["error"] {
        Value::String(e) => parts.push(e.clone()),
        Value::Object(o) => {
            parts.extend(o.get("title").and_then(Value::as_str).map(str::to_owned));
            parts.extend(o.get("message").and_then(Value::as_str).map(str::to_owned));
        }
        _ => {}
    }
    parts.extend(v["description"].as_str().map(str::to_owned));
    if let Some(details) = v["details"].as_object() {
        for list in details.values() {
            for d in list.as_array().into_iter().flatten() {
                parts.extend(d["description"].as_str().map(str::to_owned));
            }
        }
    }
    if parts.is_empty() {
        short(text)
    } else {
        short(&parts.join(": "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_the_standard_alphabet_with_padding() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            (
                "agent@example.com/token:abc",
                "YWdlbnRAZXhhbXBsZS5jb20vdG9rZW46YWJj",
            ),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain:?}");
        }
    }

    #[test]
    fn only_https_or_loopback_http_addresses_without_a_path_are_accepted() {
        assert!(check_url("https://acme.zendesk.com").is_ok());
        assert!(check_url("http://127.0.0.1:9000").is_ok());
        assert!(check_url("http://localhost:9000/").is_ok());
        for bad in [
            "http://acme.zendesk.com",
            "acme.zendesk.com",
            "https://acme.zendesk.com/api/v2",
            "ftp://acme.zendesk.com",
        ] {
            let e = check_url(bad).unwrap_err();
            assert!(
                e.contains("--url") && e.contains("SUBDOMAIN.zendesk.com"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn zendesk_error_bodies_become_one_line() {
        let invalid = r#"{"error":"RecordInvalid","description":"Record validation errors",
            "details":{"name":[{"description":"Name: is too short (minimum one character)"}]}}"#;
        assert_eq!(
            error_message(StatusCode::UNPROCESSABLE_ENTITY, invalid),
            "RecordInvalid: Record validation errors: Name: is too short (minimum one character)"
        );
        assert_eq!(
            error_message(
                StatusCode::FORBIDDEN,
                r#"{"error":{"title":"Forbidden","message":"You do not have access"}}"#
            ),
            "Forbidden: You do not have access"
        );
        assert_eq!(
            error_message(StatusCode::BAD_GATEWAY, ""),
            "502 Bad Gateway"
        );
        assert_eq!(
            error_message(StatusCode::TOO_MANY_REQUESTS, "Too many"),
            "Too many"
        );
    }
}
