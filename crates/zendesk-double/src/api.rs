//! The HTTP surface: Zendesk's `/api/v2` endpoints behind one gate (authentication, faults, the
//! rate limit), and the double's own controls under `/__double`.
//!
//! Paths end in `.json` as Zendesk documents them; the same paths without it are accepted too, as
//! Zendesk does.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use crate::account::{user_object, without_id};
use crate::error::ZdError;
use crate::limits::{Admission, Faults};
use crate::model::{Role, User};
use crate::{Double, MAX_BULK_ITEMS, USER_UPDATES_PER_MINUTE, jobs, unix_now};

/// The double's HTTP service.
pub fn app(double: Double) -> Router {
    let v2 = Router::new()
        .route("/api/v2/users", get(list_users))
        .route("/api/v2/users.json", get(list_users))
        .route("/api/v2/users/me.json", get(me))
        .route("/api/v2/users/count.json", get(count_users))
        .route("/api/v2/users/show_many.json", get(show_many))
        .route("/api/v2/users/search.json", get(search_users))
        .route(
            "/api/v2/users/create_or_update.json",
            post(create_or_update),
        )
        .route("/api/v2/users/update_many.json", put(update_many))
        .route("/api/v2/users/{id}", get(show_user).put(update_user))
        .route("/api/v2/user_fields.json", get(user_fields))
        .route("/api/v2/job_statuses/{id}", get(job_status))
        .route("/api/v2/tickets.json", get(list_tickets))
        .route("/api/v2/tickets/{id}", get(show_ticket).put(update_ticket))
        .fallback(|| async { ZdError::new(StatusCode::NOT_FOUND, "InvalidEndpoint", "Not found") })
        .layer(middleware::from_fn_with_state(double.clone(), gate));
    Router::new()
        .merge(v2)
        .route(
            "/__double/health",
            get(|| async { Json(json!({ "status": "ok" })) }),
        )
        .route("/__double/faults", get(show_faults).put(set_faults))
        .route("/__double/reset", post(reset))
        .route("/__double/field-writes", get(field_writes))
        .with_state(double)
}

/// Marks a request of the agent interface itself (the local CRM page rendering a record, or
/// answering the app's ZAF `get`/`set`). In Zendesk those are not API requests, so the double
/// neither counts them against the rate limit nor fails them with faults; they still need
/// credentials. Requests an app makes with `client.request` never carry it.
pub const INTERNAL: &str = "x-double-internal";

/// Who is calling: the agent or admin the credentials belong to.
#[derive(Clone)]
struct Actor(User);

/// Authentication, then the faults and the rate limit, then the handler; every answer carries the
/// rate-limit headers.
///
/// Authentication: see [`authenticate`].
async fn gate(State(double): State<Double>, mut request: Request, next: Next) -> Response {
    let Some(actor) = authenticate(&double, request.headers()) else {
        return ZdError::unauthenticated().into_response();
    };
    let now = Instant::now();
    let internal = request.headers().contains_key(INTERNAL);
    let (faults, admission, burst, reject) = {
        let mut s = double.lock();
        let admission = if internal {
            Admission::Allowed {
                remaining: s.faults.rate_limit,
            }
        } else if s.faults.storm_429 > 0 {
            s.faults.storm_429 -= 1;
            Admission::Limited {
                retry_after: s.faults.storm_retry_after,
            }
        } else {
            let limit = s.faults.rate_limit;
            s.limiter.admit(now, limit)
        };
        let allowed = !internal && matches!(admission, Admission::Allowed { .. });
        let burst = allowed && s.faults.burst_5xx > 0;
        if burst {
            s.faults.burst_5xx -= 1;
        }
        let write = matches!(
            *request.method(),
            axum::http::Method::POST | axum::http::Method::PUT
        );
        let reject = allowed && !burst && write && s.faults.reject_writes > 0;
        if reject {
            s.faults.reject_writes -= 1;
        }
        (s.faults.clone(), admission, burst, reject)
    };
    let limit = HeaderValue::from(faults.rate_limit);
    let mut response = match admission {
        Admission::Limited { retry_after } => too_many(retry_after),
        Admission::Allowed { .. } if burst => ZdError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "Zendesk is temporarily unavailable (a fault switched on in the double); retry with back-off",
        )
        .into_response(),
        Admission::Allowed { .. } if reject => ZdError::invalid(
            "base",
            "the record was refused (a fault switched on in the double); retrying the same write fails the same way",
        )
        .into_response(),
        Admission::Allowed { remaining } => {
            request.extensions_mut().insert(Actor(actor));
            let mut r = next.run(request).await;
            r.headers_mut().insert("x-rate-limit-remaining", HeaderValue::from(remaining));
            r
        }
    };
    response.headers_mut().insert("x-rate-limit", limit);
    // A slow answer: the request has been handled (a write is made) and the caller waits, as
    // when a reply is lost or late on the way back.
    if faults.slow_ms > 0 && !internal {
        tokio::time::sleep(Duration::from_millis(faults.slow_ms)).await;
    }
    response
}

/// Zendesk's 429: this plain-text body; `Retry-After` (seconds) is what clients read.
fn too_many(retry_after: u32) -> Response {
    let mut r = (
        StatusCode::TOO_MANY_REQUESTS,
        "Number of allowed API requests per minute exceeded",
    )
        .into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    r.headers_mut()
        .insert("x-rate-limit-remaining", HeaderValue::from(0));
    r
}

/// Basic with `{email}/token:{api_token}`, or an OAuth access token as `Bearer {token}`
/// (<https://developer.zendesk.com/api-reference/introduction/security-and-auth/>); either way
/// the staff member must be an active agent or admin.
fn authenticate(double: &Double, headers: &HeaderMap) -> Option<User> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, credentials) = value.split_once(' ')?;
    let email = if scheme.eq_ignore_ascii_case("bearer") {
        double.lock().oauth.get(credentials.trim())?.clone()
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = String::from_utf8(base64_decode(credentials.trim())?).ok()?;
        let (email, token) = decoded.split_once("/token:")?;
        if token != double.inner.api_token {
            return None;
        }
        email.to_owned()
    } else {
        return None;
    };
    double.lock().account.staff_by_email(&email).cloned()
}

/// Standard base64 (RFC 4648 §4) with padding; `None` for anything else.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for chunk in bytes.chunks(4) {
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || chunk[..4 - pad].contains(&b'=') {
            return None;
        }
        let mut n = 0u32;
        for &c in &chunk[..4 - pad] {
            n = n << 6 | u32::from(value(c)?);
        }
        n <<= 6 * pad as u32;
        out.extend_from_slice(&n.to_be_bytes()[1..4 - pad]);
    }
    Some(out)
}

/// `scheme://host` the caller used, for `url` and `links` (a proxy may say so in
/// `X-Forwarded-Host` and `X-Forwarded-Proto`).
fn base(headers: &HeaderMap) -> String {
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let host = h("x-forwarded-host")
        .or_else(|| h("host"))
        .unwrap_or("localhost");
    let proto = h("x-forwarded-proto").unwrap_or("http");
    format!("{proto}://{host}")
}

/// The pairs of a query string, percent- and `+`-decoded, in order (repeated keys such as
/// `role[]` stay separate).
fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = |b: u8| char::from(b).to_digit(16);
            match (
                bytes[i],
                bytes.get(i + 1).and_then(|&b| hex(b)),
                bytes.get(i + 2).and_then(|&b| hex(b)),
            ) {
                (b'%', Some(hi), Some(lo)) => {
                    out.push((hi * 16 + lo) as u8);
                    i += 3;
                }
                (b, _, _) => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// A number parameter within `range`, or a 400 naming it.
fn number(
    pairs: &[(String, String)],
    key: &str,
    default: usize,
    max: usize,
) -> Result<usize, ZdError> {
    match param(pairs, key) {
        None => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                ZdError::bad_request(format!(
                    "{key} must be a whole number from 1 to {max}, not {v:?}"
                ))
            }),
    }
}

/// A resource ID from a path segment that may end in `.json`.
fn path_id(segment: &str) -> Result<u64, ZdError> {
    segment
        .strip_suffix(".json")
        .unwrap_or(segment)
        .parse()
        .map_err(|_| ZdError::not_found())
}

/// The items of a comma-separated bulk parameter (`ids=1,2`, `external_ids=a,b`), at most
/// [`MAX_BULK_ITEMS`].
fn bulk_list(text: &str) -> Result<Vec<&str>, ZdError> {
    let items: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .collect();
    if items.len() > MAX_BULK_ITEMS {
        return Err(ZdError::bad_request(format!(
            "at most {MAX_BULK_ITEMS} users per request, not {}",
            items.len()
        )));
    }
    Ok(items)
}

/// `ids=1,2,3` as user IDs.
fn user_ids(text: &str) -> Result<Vec<u64>, ZdError> {
    bulk_list(text)?
        .into_iter()
        .map(|id| {
            id.parse().map_err(|_| {
                ZdError::bad_request(format!(
                    "ids must be user IDs separated by commas, not {id:?}"
                ))
            })
        })
        .collect()
}

fn parse_body(body: &Bytes) -> Result<Value, ZdError> {
    serde_json::from_slice(body)
        .map_err(|e| ZdError::bad_request(format!("the request body is not JSON ({e})")))
}

/// Cursors are opaque to callers; here they carry the user ID the page ends at.
fn cursor(id: u64) -> String {
    format!("u{id:x}")
}

fn uncursor(text: &str) -> Result<u64, ZdError> {
    text.strip_prefix('u')
        .and_then(|h| u64::from_str_radix(h, 16).ok())
        .ok_or_else(|| {
            ZdError::new(
                StatusCode::BAD_REQUEST,
                "InvalidPaginationParameter",
                format!("{text:?} is not a cursor this endpoint gave out"),
            )
        })
}

fn users_json(users: &[&User], base: &str) -> Vec<Value> {
    users.iter().map(|u| u.to_json(base)).collect()
}

/// Offset pagination (`page`, `per_page`), Zendesk's older style: `next_page`, `previous_page`, `count`.
fn offset_page(
    items: Vec<Value>,
    key: &str,
    pairs: &[(String, String)],
    url: &str,
) -> Result<Value, ZdError> {
    let per_page = number(pairs, "per_page", 100, 100)?;
    let page = number(pairs, "page", 1, usize::MAX)?;
    let count = items.len();
    let start = (page - 1).saturating_mul(per_page).min(count);
    let end = start.saturating_add(per_page).min(count);
    let link = |p: usize| Value::String(format!("{url}?page={p}&per_page={per_page}"));
    Ok(json!({
        key: items[start..end].to_vec(),
        "next_page": if end < count { link(page + 1) } else { Value::Null },
        "previous_page": if page > 1 { link(page - 1) } else { Value::Null },
        "count": count,
    }))
}

/// `GET /api/v2/users.json`: cursor pagination with `page[size]` (at most 100), `page[after]`,
/// `page[before]`, answering `meta.has_more`, `meta.after_cursor`, `meta.before_cursor` and
/// `links.next`/`links.prev`; without `page[...]` parameters, offset pagination. `role=` or
/// `role[]=` (repeatable) filters.
/// <https://developer.zendesk.com/api-reference/ticketing/users/users/#list-users>,
/// <https://developer.zendesk.com/api-reference/introduction/pagination/#using-cursor-pagination>
async fn list_users(
    State(double): State<Double>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ZdError> {
    let pairs = query_pairs(q.as_deref());
    let base = base(&headers);
    let mut roles = Vec::new();
    for (k, v) in &pairs {
        if k == "role" || k == "role[]" {
            roles.push(Role::parse(v).ok_or_else(|| {
                ZdError::bad_request(format!("role must be end-user, agent or admin, not {v:?}"))
            })?);
        }
    }
    let s = double.lock();
    let cursor_style = pairs.iter().any(|(k, _)| k.starts_with("page["));
    if !cursor_style {
        let all: Vec<&User> = s.account.list(&roles, None, None, usize::MAX).0;
        return offset_page(
            users_json(&all, &base),
            "users",
            &pairs,
            &format!("{base}/api/v2/users.json"),
        )
        .map(Json);
    }
    let size = number(&pairs, "page[size]", 100, 100)?;
    let after = param(&pairs, "page[after]").map(uncursor).transpose()?;
    let before = param(&pairs, "page[before]").map(uncursor).transpose()?;
    let (page, more) = s.account.list(&roles, after, before, size);
    let first = page.first().map(|u| cursor(u.id));
    let last = page.last().map(|u| cursor(u.id));
    let roles_q: String = roles
        .iter()
        .map(|r| format!("&role[]={}", r.as_str()))
        .collect();
    let link = |dir: &str, c: &Option<String>| match c {
        Some(c) => Value::String(format!(
            "{base}/api/v2/users.json?page[size]={size}&page[{dir}]={c}{roles_q}"
        )),
        None => Value::Null,
    };
    // Travelling forwards, `more` is about what follows; backwards, about what precedes.
    let has_more = if before.is_some() {
        page.len() == size
    } else {
        more
    };
    Ok(Json(json!({
        "users": users_json(&page, &base),
        "meta": { "has_more": has_more, "after_cursor": last, "before_cursor": first },
        "links": { "next": if has_more || before.is_some() { link("after", &last) } else { Value::Null }, "prev": link("before", &first) },
    })))
}

/// `GET /api/v2/users/count.json`: `{"count": {"value", "refreshed_at"}}`, with the same `role`
/// filters as the list. Zendesk's count is approximate (refreshed daily above 100,000 users);
/// the double's is exact, which is one of the values Zendesk may answer.
/// <https://developer.zendesk.com/api-reference/ticketing/users/users/#count-users>
async fn count_users(
    State(double): State<Double>,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ZdError> {
    let mut roles = Vec::new();
    for (k, v) in &query_pairs(q.as_deref()) {
        if k == "role" || k == "role[]" {
            roles.push(Role::parse(v).ok_or_else(|| {
                ZdError::bad_request(format!("role must be end-user, agent or admin, not {v:?}"))
            })?);
        }
    }
    let s = double.lock();
    let value = s.account.list(&roles, None, None, usize::MAX).0.len();
    Ok(Json(json!({
        "count": { "value": value, "refreshed_at": crate::model::iso8601(crate::unix_now()) }
    })))
}

/// `GET /api/v2/users/me.json`: the authenticated user.
/// <https://developer.zendesk.com/api-reference/ticketing/users/users/#show-the-currently-authenticated-user>
async fn me(Extension(Actor(actor)): Extension<Actor>, headers: HeaderMap) -> Json<Value> {
    Json(json!({ "user": actor.to_json(&base(&headers)) }))
}

/// `GET /api/v2/users/{id}.json`.
/// <https://developer.zendesk.com/api-reference/ticketing/users/users/#show-user>
async fn show_user(
    State(double): State<Double>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ZdError> {
    let id = path_id(&id)?;
    let s = double.lock();
    let user = s.account.user(id).ok_or_else(ZdError::not_found)?;
    Ok(Json(json!({ "user": user.to_json(&base(&headers)) })))
}

/// `PUT /api/v2/users/{id}.json` with `{"user": {...}}`; custom fields in `user_fields` by key.
/// <https://developer.zendesk.com/api-reference/ticketing/users/users/#update-user>
async fn update_user(
    State(double): State<Double>,
    Extension(Actor(actor)): Extension<Actor>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ZdError> {
    let id = path_id(&id)?;
    let body = parse_body(&body)?;
    let patch = user_object(&body)?;
    let now = Instant::now();
    let user = {
        let mut s = double.lock();
        // Update User allows 5 requests a minute per user
        // (<https://developer.zendesk.com/api-reference/introduction/rate-limits/>, "Endpoint
        // rate limits"); the agent interface is not held to it.
        if !headers.contains_key(INTERNAL)
            && let Admission::Limited { retry_after } = s
                .user_updates
                .entry(id)
                .or_default()
                .admit(now, USER_UPDATES_PER_MINUTE)
        {
            return Ok(too_many(retry_after));
        }
        s.account
            .update(&actor, id, patch, unix_now(), now)?
            .to_json(&base(&headers))
    };
    double.save().await.map_err(save_failed)?;
    Ok(Json(json!({ "user": user })).into_response())
}

fn save_failed(e: std::io::Error) -> ZdError {
    ZdError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "SaveFailed",
        format!("the double could not save its account file: {e}"),
    )
}

/// `GET /api/v2/users/show_many.json?ids=1,2` (or `external_ids=`), at most 100; unknown IDs are
/// left out of the answer.
/// <https://developer.zendesk.com/api-reference/ticketing/users/users/#show-many-users>
async fn show_many(
    State(double): State<Double>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ZdError> {
    let pairs = query_pairs(q.as_deref());
    let base = base(&headers);
    let s = double.lock();
    let users: Vec<&User> = if let Some(ids) = param(&pairs, "ids") {
        user_ids(ids)?
            .into_iter()
            .filter_map(|id| s.account.user(id))
            .collect()
    } else if let Some(ext) = param(&pairs, "external_ids") {
        bulk_list(ext)?
            .iter()
            .flat_map(|e| s.account.by_external_id(e))
            .collect()
    } else {
        return Err(ZdError::bad_request(
            "show_many needs ids=1,2,3 or external_ids=a,b,c",
        ));
    };
    Ok(Json(
        json!({ "users": users_json(&users, &base), "next_page": null, "previous_page": null, "count": users.len() }),
    ))
}

/// `GET /api/v2/users/search.json?query=` (or `external_id=`). Search reads an index that a write
/// reaches only after `search_lag_ms` (Zendesk: newly created or updated users can take a while to
/// appear in search results).
/// <https://developer.zendesk.com/api-reference/ticketing/users/users/#search-users>
async fn search_users(
    State(double): State<Double>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ZdError> {
    let pairs = query_pairs(q.as_deref());
    let base = base(&headers);
    let mut s = double.lock();
    let lag = Duration::from_millis(s.faults.search_lag_ms);
    s.account.reindex(Instant::now(), lag);
    let found = if let Some(ext) = param(&pairs, "external_id") {
        s.account.by_external_id(ext)
    } else if let Some(query) = param(&pairs, "query") {
        s.account.search(query)
    } else {
        return Err(ZdError::bad_request(
            "search needs query=… or external_id=…",
        ));
    };
    offset_page(
        users_json(&found, &base),
        "users",
        &pairs,
        &format!("{base}/api/v2/users/search.json"),
    )
    .map(Json)
}

/// `POST /api/v2/users/create_or_update.json` with `{"user": {...}}`: matched by `external_id`, else
/// by `email`; 201 with the new user, 200 with the updated one.
/// <https://developer.zendesk.com/api-reference/ticketing/users/users/#create-or-update-user>
async fn create_or_update(
    State(double): State<Double>,
    Extension(Actor(actor)): Extension<Actor>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ZdError> {
    let body = parse_body(&body)?;
    let patch = user_object(&body)?;
    let (created, user) = {
        let mut s = double.lock();
        let (created, user) =
            s.account
                .create_or_update(&actor, patch, unix_now(), Instant::now())?;
        (created, user.to_json(&base(&headers)))
    };
    double.save().await.map_err(save_failed)?;
    let mut response = Json(json!({ "user": user })).into_response();
    if created {
        *response.status_mut() = StatusCode::CREATED;
        let location = format!("/api/v2/users/{}.json", user["id"]);
        let location = HeaderValue::from_str(&location).expect("an ID is a valid header");
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `PUT /api/v2/users/update_many.json`: `{"users": [{"id": 1, ...}, ...]}` (each its own
/// changes) or `?ids=1,2` with one `{"user": {...}}` for all; at most 100 users. Answers a
/// `job_status` at once; the job runs in the background.
/// <https://developer.zendesk.com/api-reference/ticketing/users/users/#update-many-users>
async fn update_many(
    State(double): State<Double>,
    Extension(Actor(actor)): Extension<Actor>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Result<Json<Value>, ZdError> {
    let pairs = query_pairs(q.as_deref());
    let body = parse_body(&body)?;
    let mut items = Vec::new();
    if let Some(ids) = param(&pairs, "ids") {
        let patch = user_object(&body)?;
        for id in user_ids(ids)? {
            items.push((id, patch.clone()));
        }
    } else {
        let Some(users) = body.get("users").and_then(Value::as_array) else {
            return Err(ZdError::bad_request(
                "update_many needs {\"users\": [{\"id\": …, …}]} or ?ids=… with {\"user\": {…}}",
            ));
        };
        for (i, item) in users.iter().enumerate() {
            let id = item.get("id").and_then(Value::as_u64);
            match (item.as_object(), id) {
                (Some(obj), Some(id)) => items.push((id, without_id(obj))),
                _ => {
                    return Err(ZdError::bad_request(format!(
                        "users[{i}] must be an object with a numeric id"
                    )));
                }
            }
        }
    }
    if items.is_empty() || items.len() > MAX_BULK_ITEMS {
        return Err(ZdError::bad_request(format!(
            "update_many takes 1 to {MAX_BULK_ITEMS} users, not {}",
            items.len()
        )));
    }
    // Someone who may edit no user at all is refused up front, as a PUT on one user would be.
    if let Some(&(first, _)) = items.first()
        && actor.role == Role::Agent
        && actor.role_type == Some(crate::model::ROLE_TYPE_LIGHT_AGENT)
    {
        let target = double.lock().account.user(first).cloned();
        if let Some(target) = target {
            crate::account::Account::may_update(&actor, &target)?;
        }
    }
    let job = jobs::start(&double, actor, items)?;
    Ok(Json(json!({ "job_status": job.to_json(&base(&headers)) })))
}

/// `GET /api/v2/job_statuses/{id}.json`.
/// <https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/#show-job-status>
async fn job_status(
    State(double): State<Double>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ZdError> {
    let id = id.strip_suffix(".json").unwrap_or(&id);
    let s = double.lock();
    let job = s.jobs.get(id).ok_or_else(ZdError::not_found)?;
    Ok(Json(json!({ "job_status": job.to_json(&base(&headers)) })))
}

/// `GET /api/v2/user_fields.json`.
/// <https://developer.zendesk.com/api-reference/ticketing/users/user_fields/#list-user-fields>
async fn user_fields(State(double): State<Double>, headers: HeaderMap) -> Json<Value> {
    let base = base(&headers);
    let s = double.lock();
    let fields: Vec<Value> = s
        .account
        .user_fields()
        .iter()
        .map(|f| {
            let mut v = serde_json::to_value(f).expect("a field serialises");
            v["url"] = Value::String(format!("{base}/api/v2/user_fields/{}.json", f.id));
            v
        })
        .collect();
    Json(
        json!({ "count": fields.len(), "user_fields": fields, "next_page": null, "previous_page": null }),
    )
}

/// `GET /api/v2/tickets.json` (offset pagination).
/// <https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#list-tickets>
async fn list_tickets(
    State(double): State<Double>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ZdError> {
    let base = base(&headers);
    let s = double.lock();
    let tickets: Vec<Value> = s
        .account
        .tickets()
        .map(|t| serde_json::to_value(t).expect("a ticket serialises"))
        .collect();
    offset_page(
        tickets,
        "tickets",
        &query_pairs(q.as_deref()),
        &format!("{base}/api/v2/tickets.json"),
    )
    .map(Json)
}

/// `GET /api/v2/tickets/{id}.json`.
/// <https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#show-ticket>
async fn show_ticket(
    State(double): State<Double>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ZdError> {
    let id = path_id(&id)?;
    let s = double.lock();
    let t = s.account.ticket(id).ok_or_else(ZdError::not_found)?;
    Ok(Json(json!({ "ticket": t })))
}

/// `PUT /api/v2/tickets/{id}.json` with `{"ticket": {"requester_id": …}}`: only the requester is
/// modelled (the local CRM page changes it to test the ticket sidebar).
/// <https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#update-ticket>
async fn update_ticket(
    State(double): State<Double>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ZdError> {
    let id = path_id(&id)?;
    let body = parse_body(&body)?;
    let Some(requester) = body.pointer("/ticket/requester_id").and_then(Value::as_u64) else {
        return Err(ZdError::bad_request(
            "the double changes only {\"ticket\": {\"requester_id\": …}}",
        ));
    };
    let ticket = serde_json::to_value(double.lock().account.set_requester(id, requester)?)
        .expect("a ticket serialises");
    double.save().await.map_err(save_failed)?;
    Ok(Json(json!({ "ticket": ticket })))
}

async fn show_faults(State(double): State<Double>) -> Json<Faults> {
    Json(double.faults())
}

/// `PUT /__double/faults` with the whole faults object (missing keys take their defaults).
async fn set_faults(State(double): State<Double>, body: Bytes) -> Response {
    let faults = match serde_json::from_slice::<Faults>(&body) {
        Ok(f) => f,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("not a faults object: {e}\n"),
            )
                .into_response();
        }
    };
    match double.set_faults(faults) {
        Ok(()) => Json(double.faults()).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    }
}

/// `GET /__double/field-writes`: `{"<user id>": <times its custom fields changed>}` since start
/// or reset, so a test can check that no contact was written twice.
async fn field_writes(State(double): State<Double>) -> Json<Value> {
    let s = double.lock();
    let map: serde_json::Map<String, Value> = s
        .account
        .field_writes()
        .iter()
        .map(|(id, n)| (id.to_string(), json!(n)))
        .collect();
    Json(Value::Object(map))
}

/// `POST /__double/reset`: the seed again, no jobs, no faults.
async fn reset(State(double): State<Double>) -> Response {
    match double.reset().await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => save_failed(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_rfc4648_and_refuses_the_rest() {
        for (text, want) in [
            ("", Some(&b""[..])),
            ("Zg==", Some(b"f")),
            ("Zm8=", Some(b"fo")),
            ("Zm9v", Some(b"foo")),
            (
                "YW5uQGV4YW1wbGUuY29tL3Rva2VuOmFiYw==",
                Some(b"ann@example.com/token:abc"),
            ),
            ("Zm9", None),
            ("Zm=v", None),
            ("Z===", None),
            ("Zm9v!A==", None),
        ] {
            assert_eq!(base64_decode(text).as_deref(), want, "{text:?}");
        }
    }

    #[test]
    fn query_pairs_decode_and_keep_repeats() {
        let pairs = query_pairs(Some("role[]=agent&role%5B%5D=admin&query=senderId%3A7+1&x"));
        let want = [
            ("role[]", "agent"),
            ("role[]", "admin"),
            ("query", "senderId:7 1"),
            ("x", ""),
        ];
        assert_eq!(pairs, want.map(|(k, v)| (k.to_owned(), v.to_owned())));
        assert_eq!(
            query_pairs(Some("bad=%zz%4")),
            [("bad".to_owned(), "%zz%4".to_owned())]
        );
    }

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        for id in [0, 1, 1001, u64::MAX] {
            assert_eq!(uncursor(&cursor(id)), Ok(id));
        }
        for bad in ["", "u", "1001", "uzz"] {
            assert_eq!(
                uncursor(bad).unwrap_err().status,
                StatusCode::BAD_REQUEST,
                "{bad:?}"
            );
        }
    }
}
