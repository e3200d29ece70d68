//! The Zendesk REST calls of the bulk page, through [`CrmApi::crm_api`] (ZAF's `client.request`
//! with the agent's session), with Zendesk's limits handled here: on `429` wait `Retry-After` and
//! say so, on `5xx` or a lost request retry with back-off, everything else is an [`ApiError`] that
//! says what to do.
//!
//! Shapes: <https://developer.zendesk.com/api-reference/ticketing/users/users/> (list with cursor
//! pagination, show_many, update_many), `.../ticketing/ticket-management/job_statuses/`,
//! `.../ticketing/users/user_fields/`.

use std::collections::BTreeMap;
use std::rc::Rc;

use serde::Deserialize;
use telegram_sidebar::host::{CrmApi, CrmRequest, encode_component};

use crate::run::backoff_ms;

/// A failure the run cannot retry away.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// 403: the signed-in agent may not update users.
    Forbidden(String),
    /// 401: the session ended.
    Unauthenticated,
    /// Kept failing with 5xx or no answer after every back-off.
    GaveUp(String),
    /// Any other status, with Zendesk's words.
    Refused(u16, String),
    /// The answer was not what Zendesk documents.
    BadAnswer(String),
    /// The agent paused the run while the request waited.
    Paused,
}

impl ApiError {
    /// The message for the agent: what happened and what to do.
    pub fn message(&self) -> String {
        match self {
            ApiError::Forbidden(why) => format!(
                "Zendesk refused to update users: {why} Linking in bulk needs an admin, or an agent whose role may edit end-user profiles (Admin Center → People → Roles)."
            ),
            ApiError::Unauthenticated => {
                "Zendesk says you are signed out. Sign in again and reload this page.".into()
            }
            ApiError::GaveUp(why) => format!(
                "Zendesk kept failing ({why}). The run is paused: resume it later; nothing is written twice."
            ),
            ApiError::Refused(status, why) => format!("Zendesk answered {status}: {why}"),
            ApiError::BadAnswer(why) => format!(
                "Zendesk answered in an unexpected shape ({why}). Reload the page and retry."
            ),
            ApiError::Paused => "Paused.".into(),
        }
    }
}

/// Something the page should show while a request waits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Waiting {
    /// Zendesk asked us to wait this many seconds.
    RateLimited(u32),
    /// Retrying after a failure, in this many seconds.
    Retrying(u32),
}

/// A Zendesk user as the bulk page needs it.
#[derive(Clone, Debug, Deserialize)]
pub struct User {
    /// Zendesk ID.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Primary email.
    #[serde(default)]
    pub email: Option<String>,
    /// Primary phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// The ID another system gave the user.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Custom fields, values as text (`None` when empty).
    #[serde(default)]
    pub user_fields: BTreeMap<String, FieldValue>,
}

/// A custom field value read as text: strings as they are, numbers and booleans written out,
/// `null` as `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldValue(pub Option<String>);

impl<'de> Deserialize<'de> for FieldValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<FieldValue, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = FieldValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a custom field value")
            }
            fn visit_str<E>(self, v: &str) -> Result<FieldValue, E> {
                Ok(FieldValue(
                    Some(v.trim().to_owned()).filter(|s| !s.is_empty()),
                ))
            }
            fn visit_u64<E>(self, v: u64) -> Result<FieldValue, E> {
                Ok(FieldValue(Some(v.to_string())))
            }
            fn visit_i64<E>(self, v: i64) -> Result<FieldValue, E> {
                Ok(FieldValue(Some(v.to_string())))
            }
            fn visit_f64<E>(self, _: f64) -> Result<FieldValue, E> {
                // Not a sender ID, but not empty either (no float formatting in the wasm).
                Ok(FieldValue(Some("(a number)".into())))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<FieldValue, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(FieldValue(Some("(a list)".into())))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<FieldValue, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(FieldValue(Some("(an object)".into())))
            }
            fn visit_bool<E>(self, v: bool) -> Result<FieldValue, E> {
                Ok(FieldValue(Some(if v { "true" } else { "false" }.into())))
            }
            fn visit_unit<E>(self) -> Result<FieldValue, E> {
                Ok(FieldValue(None))
            }
            fn visit_none<E>(self) -> Result<FieldValue, E> {
                Ok(FieldValue(None))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
struct Meta {
    has_more: bool,
    #[serde(default)]
    after_cursor: Option<String>,
}

#[derive(Deserialize)]
struct UsersPage {
    users: Vec<User>,
    meta: Meta,
}

#[derive(Deserialize)]
struct Users {
    users: Vec<User>,
}

#[derive(Deserialize)]
struct UserField {
    key: String,
    #[serde(default)]
    active: Option<bool>,
}

#[derive(Deserialize)]
struct UserCount {
    count: CountValue,
}

#[derive(Deserialize)]
struct CountValue {
    value: usize,
}

#[derive(Deserialize)]
struct UserFields {
    user_fields: Vec<UserField>,
}

#[derive(Deserialize)]
struct Me {
    user: MeUser,
}

#[derive(Deserialize)]
struct MeUser {
    id: u64,
    name: String,
}

#[derive(Deserialize)]
struct JobEnvelope {
    job_status: Job,
}

#[derive(Deserialize)]
struct Job {
    id: String,
    status: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    results: Option<Vec<JobResult>>,
}

#[derive(Deserialize)]
struct JobResult {
    id: u64,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    details: Option<String>,
}

/// Where a job is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Queued or working.
    Running,
    /// Completed; the refused items with Zendesk's words.
    Completed(Vec<(String, String)>),
    /// Failed as a whole.
    Failed(String),
    /// Zendesk no longer knows it.
    Lost,
}

/// The Zendesk API of the page's host.
#[derive(Clone)]
pub struct Zendesk {
    host: Rc<dyn CrmApi>,
    /// Called while a request waits, so the page can say why.
    on_wait: Rc<dyn Fn(Option<Waiting>)>,
    /// Whether the agent paused: a wait ends early when it says so.
    paused: Rc<dyn Fn() -> bool>,
}

impl Zendesk {
    /// The API of `host`; `on_wait` hears about waits (and `None` when they end); `paused` is
    /// asked every second of a wait.
    pub fn new(
        host: Rc<dyn CrmApi>,
        on_wait: Rc<dyn Fn(Option<Waiting>)>,
        paused: Rc<dyn Fn() -> bool>,
    ) -> Zendesk {
        Zendesk {
            host,
            on_wait,
            paused,
        }
    }

    /// Sleeps `ms`, in one-second slices; `Err(Paused)` as soon as the agent pauses.
    async fn wait(&self, ms: u64) -> Result<(), ApiError> {
        let mut left = ms;
        while left > 0 {
            if (self.paused)() {
                (self.on_wait)(None);
                return Err(ApiError::Paused);
            }
            let slice = left.min(1_000);
            gloo::timers::future::sleep(std::time::Duration::from_millis(slice)).await;
            left -= slice;
        }
        Ok(())
    }

    /// One request, retried on 429 (after `Retry-After`: nothing was done) and, for reads only, on
    /// 5xx and lost answers (with back-off); answers the 2xx body, or 404 as `Ok(None)`.
    async fn call(
        &self,
        method: &'static str,
        path: String,
        body: Option<String>,
    ) -> Result<Option<String>, ApiError> {
        let mut attempt = 0;
        loop {
            let reply = self
                .host
                .crm_api(CrmRequest {
                    method,
                    path: path.clone(),
                    body: body.clone(),
                })
                .await;
            let failure = match reply {
                Ok(r) if (200..300).contains(&r.status) => {
                    (self.on_wait)(None);
                    return Ok(Some(r.body));
                }
                Ok(r) if r.status == 404 => return Ok(None),
                Ok(r) if r.status == 429 => {
                    let secs = r.retry_after.unwrap_or(60).clamp(1, 3_600);
                    (self.on_wait)(Some(Waiting::RateLimited(secs)));
                    self.wait(u64::from(secs) * 1_000).await?;
                    continue; // a 429 is not a failure: Zendesk said when to come back
                }
                Ok(r) if r.status == 401 => return Err(ApiError::Unauthenticated),
                Ok(r) if r.status == 403 => return Err(ApiError::Forbidden(describe(&r.body))),
                Ok(r) if r.status >= 500 => format!("status {}", r.status),
                Ok(r) => return Err(ApiError::Refused(r.status, describe(&r.body))),
                Err(unreachable) => unreachable.0,
            };
            attempt += 1;
            // A write that got a 5xx or no answer may have happened: retrying it blind could
            // write over a change made since. The caller re-reads instead.
            let retry = if method == "GET" {
                backoff_ms(attempt)
            } else {
                None
            };
            let Some(ms) = retry else {
                (self.on_wait)(None);
                return Err(ApiError::GaveUp(failure));
            };
            (self.on_wait)(Some(Waiting::Retrying(ms / 1000)));
            self.wait(u64::from(ms)).await?;
        }
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: String,
    ) -> Result<Option<T>, ApiError> {
        match self.call("GET", path, None).await? {
            Some(body) => telegram_sidebar::services::relay::decode(&body)
                .map(Some)
                .map_err(|e| ApiError::BadAnswer(format!("{e:?}"))),
            None => Ok(None),
        }
    }

    /// The signed-in agent, for the journal ("agent 7 Ann Agent").
    pub async fn me(&self) -> Result<String, ApiError> {
        let me: Me = self
            .get("/api/v2/users/me.json".into())
            .await?
            .ok_or_else(|| ApiError::BadAnswer("no current user".into()))?;
        Ok(format!("agent {} {}", me.user.id, me.user.name))
    }

    /// The keys of the account's active custom user fields.
    pub async fn field_keys(&self) -> Result<Vec<String>, ApiError> {
        let f: UserFields = self
            .get("/api/v2/user_fields.json".into())
            .await?
            .ok_or_else(|| ApiError::BadAnswer("no user fields".into()))?;
        Ok(f.user_fields
            .into_iter()
            .filter(|f| f.active != Some(false))
            .map(|f| f.key)
            .collect())
    }

    /// About how many end users the account has (Zendesk's count is approximate and refreshed
    /// daily above 100,000), for progress while they load.
    /// <https://developer.zendesk.com/api-reference/ticketing/users/users/#count-users>
    pub async fn end_user_count(&self) -> Result<usize, ApiError> {
        let c: UserCount = self
            .get("/api/v2/users/count.json?role=end-user".into())
            .await?
            .ok_or_else(|| ApiError::BadAnswer("no count".into()))?;
        Ok(c.count.value)
    }

    /// One page of end users (100) after `cursor`; answers the users and the next cursor.
    pub async fn end_users(
        &self,
        cursor: Option<&str>,
    ) -> Result<(Vec<User>, Option<String>), ApiError> {
        let mut path = "/api/v2/users.json?page[size]=100&role=end-user".to_string();
        if let Some(c) = cursor {
            path.push_str("&page[after]=");
            path.push_str(&encode_component(c));
        }
        let page: UsersPage = self
            .get(path)
            .await?
            .ok_or_else(|| ApiError::BadAnswer("the users list is missing".into()))?;
        let next = if page.meta.has_more {
            page.meta.after_cursor
        } else {
            None
        };
        Ok((page.users, next))
    }

    /// The current value of `key` for each of `ids` (at most 100); contacts Zendesk no longer has
    /// are absent.
    pub async fn field_values(
        &self,
        ids: &[String],
        key: &str,
    ) -> Result<BTreeMap<String, Option<String>>, ApiError> {
        let path = format!("/api/v2/users/show_many.json?ids={}", ids.join(","));
        let users: Users = self
            .get(path)
            .await?
            .ok_or_else(|| ApiError::BadAnswer("show_many answered nothing".into()))?;
        Ok(users
            .users
            .into_iter()
            .map(|u| {
                let value = u.user_fields.get(key).cloned().unwrap_or_default().0;
                (u.id.to_string(), value)
            })
            .collect())
    }

    /// The users with these external IDs (at most 100), for an uploaded export that identifies
    /// contacts by external ID. <https://developer.zendesk.com/api-reference/ticketing/users/users/#show-many-users>
    pub async fn users_by_external_id(
        &self,
        external_ids: &[String],
    ) -> Result<Vec<User>, ApiError> {
        let list: Vec<String> = external_ids.iter().map(|e| encode_component(e)).collect();
        let path = format!(
            "/api/v2/users/show_many.json?external_ids={}",
            list.join(",")
        );
        let users: Users = self
            .get(path)
            .await?
            .ok_or_else(|| ApiError::BadAnswer("show_many answered nothing".into()))?;
        Ok(users.users)
    }

    /// Submits one `update_many` job writing `key` for each (contact ID, value); answers its ID.
    pub async fn update_many(
        &self,
        writes: &[(String, Option<String>)],
        key: &str,
    ) -> Result<String, ApiError> {
        #[derive(serde::Serialize)]
        struct Body<'a> {
            users: Vec<Item<'a>>,
        }
        #[derive(serde::Serialize)]
        struct Item<'a> {
            id: u64,
            user_fields: BTreeMap<&'a str, Option<&'a str>>,
        }
        let users = writes
            .iter()
            .map(|(id, value)| {
                let id = id
                    .parse()
                    .map_err(|_| ApiError::BadAnswer(format!("{id} is not a Zendesk user ID")))?;
                Ok(Item {
                    id,
                    user_fields: BTreeMap::from([(key, value.as_deref())]),
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let body = telegram_sidebar::services::relay::encode(&Body { users })
            .map_err(|e| ApiError::BadAnswer(format!("{e:?}")))?;
        let answer = self
            .call("PUT", "/api/v2/users/update_many.json".into(), Some(body))
            .await?;
        let answer =
            answer.ok_or_else(|| ApiError::BadAnswer("update_many is not available".into()))?;
        let job: JobEnvelope = telegram_sidebar::services::relay::decode(&answer)
            .map_err(|e| ApiError::BadAnswer(format!("{e:?}")))?;
        Ok(job.job_status.id)
    }

    /// Where job `id` is.
    pub async fn job(&self, id: &str) -> Result<JobState, ApiError> {
        let Some(job) = self
            .get::<JobEnvelope>(format!(
                "/api/v2/job_statuses/{}.json",
                encode_component(id)
            ))
            .await?
        else {
            return Ok(JobState::Lost);
        };
        let job = job.job_status;
        Ok(match job.status.as_str() {
            "queued" | "working" => JobState::Running,
            "completed" => JobState::Completed(
                job.results
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|r| {
                        let error = r.error?;
                        Some((
                            r.id.to_string(),
                            r.details.map_or(error.clone(), |d| format!("{error}: {d}")),
                        ))
                    })
                    .collect(),
            ),
            _ => JobState::Failed(job.message.unwrap_or(job.status)),
        })
    }
}

/// Zendesk's `description` (or `error`) from an error body, else the body's start.
fn describe(body: &str) -> String {
    #[derive(Deserialize)]
    struct Err {
        #[serde(default)]
        error: Option<String>,
        #[serde(default)]
        description: Option<String>,
    }
    match telegram_sidebar::services::relay::decode::<Err>(body) {
        Ok(e) => e.description.or(e.error).unwrap_or_default(),
        Err(_) => body.chars().take(200).collect(),
    }
}
