//! The records the double stores, in the JSON shapes of Zendesk's REST API.
//!
//! - User: <https://developer.zendesk.com/api-reference/ticketing/users/users/#json-format>
//! - User field: <https://developer.zendesk.com/api-reference/ticketing/users/user_fields/#json-format>
//! - Ticket: <https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#json-format>
//! - Job status: <https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/#json-format>
//!
//! Only the properties a sidebar app, a bulk tool or a sync service reads are kept; every one kept
//! has Zendesk's name and type. `url` is filled in when a record is answered (it depends on the
//! host the request came to), so it is not stored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A user's role (`role`): Zendesk's three values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// A customer.
    #[serde(rename = "end-user")]
    EndUser,
    /// A staff member who answers tickets.
    #[serde(rename = "agent")]
    Agent,
    /// An administrator.
    #[serde(rename = "admin")]
    Admin,
}

impl Role {
    /// Zendesk's spelling, as in the `role` filter of the list endpoint.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::EndUser => "end-user",
            Role::Agent => "agent",
            Role::Admin => "admin",
        }
    }

    /// The role a `role` query value names.
    pub fn parse(text: &str) -> Option<Role> {
        [Role::EndUser, Role::Agent, Role::Admin]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

/// `role_type` of a light agent: may view users but not edit them
/// (<https://support.zendesk.com/hc/en-us/articles/4408832171034>, "Light agents").
pub const ROLE_TYPE_LIGHT_AGENT: u8 = 1;

/// A Zendesk user (customer, agent or admin).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Assigned by Zendesk, never reused.
    pub id: u64,
    /// The full name.
    pub name: String,
    /// Primary email; `null` for a user known only by phone or by a messaging channel.
    pub email: Option<String>,
    /// Primary phone number, as typed (Zendesk does not normalise it).
    pub phone: Option<String>,
    /// `end-user`, `agent` or `admin`.
    pub role: Role,
    /// For agents: 0 custom, 1 light agent, 2 chat, 3 contributor, 4 admin, 5 billing admin.
    pub role_type: Option<u8>,
    /// A unique identifier from another system; matched case-insensitively by `create_or_update`.
    pub external_id: Option<String>,
    /// Free text about the user.
    pub notes: String,
    /// The user's locale (BCP 47).
    pub locale: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Whether the user is active (not deleted).
    pub active: bool,
    /// ISO 8601, UTC.
    pub created_at: String,
    /// ISO 8601, UTC; changes on every write.
    pub updated_at: String,
    /// Custom user fields by key. Every defined field is present, `null` when unset.
    pub user_fields: BTreeMap<String, Value>,
}

impl User {
    /// The JSON Zendesk answers for this user, with its `url` under `base`.
    pub fn to_json(&self, base: &str) -> Value {
        let mut v = serde_json::to_value(self).expect("a user serialises");
        v["url"] = Value::String(format!("{base}/api/v2/users/{}.json", self.id));
        v["verified"] = Value::Bool(true);
        v["suspended"] = Value::Bool(false);
        v
    }
}

/// A custom user field definition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserField {
    /// Assigned by Zendesk.
    pub id: u64,
    /// The key used in `user_fields` and in search (`<key>:<value>`).
    pub key: String,
    /// `text`, `integer`, `checkbox`, … (the double stores every value as given).
    #[serde(rename = "type")]
    pub kind: String,
    /// Shown to agents.
    pub title: String,
    /// Whether the field is in use.
    pub active: bool,
    /// Order in the agent interface.
    pub position: u32,
}

/// A ticket: only what the local CRM page shows (the ticket sidebar's requester).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// Assigned by Zendesk.
    pub id: u64,
    /// The subject line.
    pub subject: String,
    /// `new`, `open`, `pending`, `hold`, `solved`, `closed`.
    pub status: String,
    /// The user who asked.
    pub requester_id: u64,
}

/// One item of a job's `results`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum JobResult {
    /// The item was written.
    Done {
        /// The user.
        id: u64,
        /// `update`.
        action: String,
        /// Always true here.
        success: bool,
        /// `Updated`.
        status: String,
    },
    /// The item was refused; the others go on. Zendesk documents `{id, action, success: false,
    /// error, details}`; `status: "Failed"` is added as its job results also carry a status.
    Failed {
        /// The user.
        id: u64,
        /// `update`.
        action: String,
        /// Always false here.
        success: bool,
        /// A Zendesk error code such as `Forbidden`, `RecordInvalid` or `RecordNotFound`.
        error: String,
        /// The human-readable reason.
        details: String,
        /// `Failed`.
        status: String,
    },
}

/// A background job, as `GET /api/v2/job_statuses/{id}` answers it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobStatus {
    /// A 32-hex-digit ID.
    pub id: String,
    /// How many items the job has.
    pub total: usize,
    /// How many are done; `null` until the job starts.
    pub progress: Option<usize>,
    /// `queued`, `working`, `completed`, `failed` or `killed`.
    pub status: String,
    /// A message while the job runs or why it failed.
    pub message: Option<String>,
    /// One entry per item once the job has finished.
    pub results: Option<Vec<JobResult>>,
}

impl JobStatus {
    /// Whether the job still counts against the limit of jobs in flight.
    pub fn in_flight(&self) -> bool {
        self.status == "queued" || self.status == "working"
    }

    /// The JSON Zendesk answers for this job, with its `url` under `base`.
    pub fn to_json(&self, base: &str) -> Value {
        let mut v = serde_json::to_value(self).expect("a job status serialises");
        v["url"] = Value::String(format!("{base}/api/v2/job_statuses/{}.json", self.id));
        v
    }
}

/// `2026-12-02T10:41:07Z` for Unix seconds `secs` (ISO 8601 in UTC, as Zendesk writes times).
pub fn iso8601(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_writes_utc_dates() {
        for (secs, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_796_208_067, "2026-12-02T10:41:07Z"),
            (-1, "1969-12-31T23:59:59Z"),
        ] {
            assert_eq!(iso8601(secs), text, "{secs}");
        }
    }

    #[test]
    fn roles_use_zendesk_spellings() {
        for role in [Role::EndUser, Role::Agent, Role::Admin] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(
                serde_json::to_value(role).unwrap(),
                Value::String(role.as_str().into())
            );
        }
        assert_eq!(Role::parse("end_user"), None);
    }
}
