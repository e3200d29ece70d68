//! One Zendesk account: its users, user fields and tickets, the rules for changing them, and the
//! search index that lags behind writes. No IO, no clock: times are passed in.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::ZdError;
use crate::model::{ROLE_TYPE_LIGHT_AGENT, Role, Ticket, User, UserField, iso8601};

/// What is kept on disk: everything but the search index and the jobs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Users by ID.
    pub users: BTreeMap<u64, User>,
    /// Custom user field definitions.
    pub user_fields: Vec<UserField>,
    /// Tickets by ID.
    pub tickets: BTreeMap<u64, Ticket>,
    /// The ID the next created user gets.
    pub next_user_id: u64,
}

/// The account in memory.
#[derive(Debug)]
pub struct Account {
    data: Snapshot,
    /// What search sees: users as they were when last indexed.
    index: BTreeMap<u64, User>,
    /// Writes not yet in the index: (when written, the user as written).
    pending: VecDeque<(Instant, User)>,
    /// How many times each user's custom fields were changed (for tests: "no contact written twice").
    field_writes: BTreeMap<u64, u32>,
}

/// How a user object in a request may change a user (`PUT /users/{id}`, `update_many`,
/// `create_or_update`). Properties the double does not model are ignored, as Zendesk ignores
/// read-only ones.
const WRITABLE: [&str; 8] = [
    "name",
    "email",
    "phone",
    "notes",
    "external_id",
    "locale",
    "tags",
    "user_fields",
];

impl Account {
    /// An account holding `data`, fully indexed. A user missing a defined field gets it as
    /// `null`, as Zendesk shows every field on every user.
    pub fn new(mut data: Snapshot) -> Account {
        for user in data.users.values_mut() {
            for field in &data.user_fields {
                user.user_fields
                    .entry(field.key.clone())
                    .or_insert(Value::Null);
            }
        }
        let index = data.users.clone();
        Account {
            data,
            index,
            pending: VecDeque::new(),
            field_writes: BTreeMap::new(),
        }
    }

    /// The stored state.
    pub fn snapshot(&self) -> &Snapshot {
        &self.data
    }

    /// The user `id`.
    pub fn user(&self, id: u64) -> Option<&User> {
        self.data.users.get(&id)
    }

    /// Every user, by ID.
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.data.users.values()
    }

    /// The custom user field definitions.
    pub fn user_fields(&self) -> &[UserField] {
        &self.data.user_fields
    }

    /// Tickets by ID.
    pub fn tickets(&self) -> impl Iterator<Item = &Ticket> {
        self.data.tickets.values()
    }

    /// The ticket `id`.
    pub fn ticket(&self, id: u64) -> Option<&Ticket> {
        self.data.tickets.get(&id)
    }

    /// The agent or admin who holds `email` (case-insensitive), for authentication.
    pub fn staff_by_email(&self, email: &str) -> Option<&User> {
        self.data.users.values().find(|u| {
            u.role != Role::EndUser
                && u.active
                && u.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
    }

    /// Users in ID order, optionally only those with one of `roles`, starting after (or ending
    /// before) an ID. Returns one page and whether more exist in the direction of travel.
    pub fn list(
        &self,
        roles: &[Role],
        after: Option<u64>,
        before: Option<u64>,
        size: usize,
    ) -> (Vec<&User>, bool) {
        let keep = |u: &&User| roles.is_empty() || roles.contains(&u.role);
        if let Some(before) = before {
            let mut page: Vec<&User> = self
                .data
                .users
                .range(..before)
                .rev()
                .map(|(_, u)| u)
                .filter(keep)
                .take(size.saturating_add(1))
                .collect();
            let more = page.len() > size;
            page.truncate(size);
            page.reverse();
            return (page, more);
        }
        let from = after.map_or(0, |a| a.saturating_add(1));
        let mut page: Vec<&User> = self
            .data
            .users
            .range(from..)
            .map(|(_, u)| u)
            .filter(keep)
            .take(size.saturating_add(1))
            .collect();
        let more = page.len() > size;
        page.truncate(size);
        (page, more)
    }

    /// Whether `actor` may change `target`: admins any user; agents end users and themselves;
    /// light agents nobody but themselves
    /// (<https://developer.zendesk.com/api-reference/ticketing/users/users/#update-user>: "Agents
    /// can only update end users. Administrators can update end users, agents, and
    /// administrators").
    pub fn may_update(actor: &User, target: &User) -> Result<(), ZdError> {
        if actor.id == target.id || actor.role == Role::Admin {
            return Ok(());
        }
        if actor.role == Role::Agent && actor.role_type == Some(ROLE_TYPE_LIGHT_AGENT) {
            return Err(ZdError::forbidden(
                "Light agents cannot edit users: an admin must give this agent a role whose end_user_profile_access is edit or full.",
            ));
        }
        if actor.role == Role::Agent && target.role == Role::EndUser {
            return Ok(());
        }
        Err(ZdError::forbidden(
            "Agents can only update end users; an admin can update agents and admins.",
        ))
    }

    /// Applies the request's `user` object to user `id` as `actor`, at `now` (Unix seconds, also
    /// the moment the write enters the index queue).
    pub fn update(
        &mut self,
        actor: &User,
        id: u64,
        patch: &Value,
        now: i64,
        at: Instant,
    ) -> Result<&User, ZdError> {
        let target = self.data.users.get(&id).ok_or_else(ZdError::not_found)?;
        Self::may_update(actor, target)?;
        let mut next = target.clone();
        self.apply(&mut next, patch)?;
        if next != *target {
            next.updated_at = iso8601(now);
            self.store(next, at);
        }
        Ok(&self.data.users[&id])
    }

    /// `create_or_update`: the user with the request's `external_id` (case-insensitive), else its
    /// `email` (case-insensitive), is updated; otherwise a new end user is created. Returns whether
    /// one was created.
    pub fn create_or_update(
        &mut self,
        actor: &User,
        patch: &Value,
        now: i64,
        at: Instant,
    ) -> Result<(bool, &User), ZdError> {
        let text = |key: &str| patch.get(key).and_then(Value::as_str).map(str::to_owned);
        let external_id = text("external_id");
        let email = text("email");
        let found = self.data.users.values().find(|u| {
            let same = |a: &Option<String>, b: &Option<String>| {
                matches!((a, b), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b))
            };
            if external_id.is_some() { same(&u.external_id, &external_id) } else { same(&u.email, &email) }
        });
        if let Some(found) = found {
            let id = found.id;
            return self.update(actor, id, patch, now, at).map(|u| (false, u));
        }
        let Some(name) = text("name").filter(|n| !n.trim().is_empty()) else {
            return Err(ZdError::invalid(
                "name",
                "Name: is too short (minimum one character)",
            ));
        };
        if actor.role == Role::Agent && actor.role_type == Some(ROLE_TYPE_LIGHT_AGENT) {
            return Err(ZdError::forbidden("Light agents cannot create users."));
        }
        if patch
            .get("role")
            .and_then(Value::as_str)
            .is_some_and(|r| r != "end-user")
            && actor.role != Role::Admin
        {
            return Err(ZdError::forbidden("Only admins can create agents."));
        }
        let id = self.data.next_user_id.max(
            self.data
                .users
                .keys()
                .next_back()
                .map_or(1, |k| k.saturating_add(1)),
        );
        self.data.next_user_id = id + 1;
        let mut user = User {
            id,
            name,
            email: None,
            phone: None,
            role: Role::EndUser,
            role_type: None,
            external_id: None,
            notes: String::new(),
            locale: "en-US".into(),
            tags: Vec::new(),
            active: true,
            created_at: iso8601(now),
            updated_at: iso8601(now),
            user_fields: self
                .data
                .user_fields
                .iter()
                .map(|f| (f.key.clone(), Value::Null))
                .collect(),
        };
        self.apply(&mut user, patch)?;
        self.store(user, at);
        Ok((true, &self.data.users[&id]))
    }

    /// Changes the ticket's requester (the local CRM page's "Requester" select).
    pub fn set_requester(&mut self, ticket: u64, requester: u64) -> Result<&Ticket, ZdError> {
        if !self.data.users.contains_key(&requester) {
            return Err(ZdError::invalid(
                "requester_id",
                format!("Requester: no user {requester}"),
            ));
        }
        let t = self
            .data
            .tickets
            .get_mut(&ticket)
            .ok_or_else(ZdError::not_found)?;
        t.requester_id = requester;
        Ok(t)
    }

    fn apply(&self, user: &mut User, patch: &Value) -> Result<(), ZdError> {
        let Some(patch) = patch.as_object() else {
            return Err(ZdError::bad_request(
                "the body must be {\"user\": {...}} with a JSON object",
            ));
        };
        for (key, value) in patch {
            if !WRITABLE.contains(&key.as_str()) {
                continue;
            }
            let text = |v: &Value| -> Result<Option<String>, ZdError> {
                match v {
                    Value::Null => Ok(None),
                    Value::String(s) if s.is_empty() => Ok(None),
                    Value::String(s) => Ok(Some(s.clone())),
                    _ => Err(ZdError::invalid(
                        key,
                        format!("{key}: must be a string or null"),
                    )),
                }
            };
            match key.as_str() {
                "name" => match text(value)? {
                    Some(name) => user.name = name,
                    None => {
                        return Err(ZdError::invalid(
                            "name",
                            "Name: is too short (minimum one character)",
                        ));
                    }
                },
                "email" => user.email = text(value)?,
                "phone" => user.phone = text(value)?,
                "notes" => user.notes = text(value)?.unwrap_or_default(),
                "external_id" => user.external_id = text(value)?,
                "locale" => user.locale = text(value)?.unwrap_or_else(|| "en-US".into()),
                "tags" => {
                    user.tags = value
                        .as_array()
                        .and_then(|a| a.iter().map(|t| t.as_str().map(str::to_owned)).collect())
                        .ok_or_else(|| {
                            ZdError::invalid("tags", "tags: must be an array of strings")
                        })?;
                }
                "user_fields" => self.apply_fields(user, value)?,
                _ => unreachable!("WRITABLE lists the keys handled here"),
            }
        }
        Ok(())
    }

    /// Custom field values: keys that name no field are ignored, as Zendesk does; a text field takes
    /// a string or null, and an empty string clears it.
    fn apply_fields(&self, user: &mut User, value: &Value) -> Result<(), ZdError> {
        let Some(fields) = value.as_object() else {
            return Err(ZdError::invalid(
                "user_fields",
                "user_fields: must be an object of field key to value",
            ));
        };
        for (key, value) in fields {
            let Some(def) = self
                .data
                .user_fields
                .iter()
                .find(|f| &f.key == key && f.active)
            else {
                continue;
            };
            let value = match value {
                Value::String(s) if s.is_empty() => Value::Null,
                Value::String(_) | Value::Null => value.clone(),
                _ if def.kind != "text" => value.clone(),
                _ => {
                    return Err(ZdError::invalid(
                        key,
                        format!("{}: a text field takes a string or null", def.title),
                    ));
                }
            };
            user.user_fields.insert(key.clone(), value);
        }
        Ok(())
    }

    /// How many times each user's custom fields changed since the account was opened or reset.
    pub fn field_writes(&self) -> &BTreeMap<u64, u32> {
        &self.field_writes
    }

    fn store(&mut self, user: User, at: Instant) {
        if self
            .data
            .users
            .get(&user.id)
            .is_none_or(|old| old.user_fields != user.user_fields)
        {
            *self.field_writes.entry(user.id).or_default() += 1;
        }
        self.pending.push_back((at, user.clone()));
        self.data.users.insert(user.id, user);
    }

    /// Moves writes older than `lag` into the search index.
    pub fn reindex(&mut self, now: Instant, lag: Duration) {
        while let Some((at, _)) = self.pending.front() {
            if now.saturating_duration_since(*at) < lag {
                break;
            }
            let (_, user) = self.pending.pop_front().expect("front exists");
            self.index.insert(user.id, user);
        }
    }

    /// `GET /api/v2/users/search.json?query=`: every term must hold. `key:value` compares `email`,
    /// `name`, `phone`, `external_id`, `role`, `tags` or a custom field exactly (case-insensitive;
    /// `"quoted values"` may hold spaces); a bare word must appear in the name, email or phone.
    /// Users are taken from the lagging index, then shown as they are now.
    pub fn search(&self, query: &str) -> Vec<&User> {
        let terms = split_terms(query);
        if terms.is_empty() {
            return Vec::new();
        }
        self.index
            .values()
            .filter(|u| terms.iter().all(|t| self.term_holds(u, t)))
            .filter_map(|u| self.data.users.get(&u.id))
            .collect()
    }

    fn term_holds(&self, user: &User, (key, value): &(Option<String>, String)) -> bool {
        let eq = |a: Option<&str>| a.is_some_and(|a| a.eq_ignore_ascii_case(value));
        let Some(key) = key else {
            let needle = value.to_lowercase();
            return [
                Some(user.name.as_str()),
                user.email.as_deref(),
                user.phone.as_deref(),
            ]
            .into_iter()
            .flatten()
            .any(|h| h.to_lowercase().contains(&needle));
        };
        match key.as_str() {
            "email" => eq(user.email.as_deref()),
            "name" => eq(Some(&user.name)),
            "phone" => eq(user.phone.as_deref()),
            "external_id" => eq(user.external_id.as_deref()),
            "role" => eq(Some(user.role.as_str())),
            "tags" | "tag" => user.tags.iter().any(|t| eq(Some(t))),
            field => match self
                .data
                .user_fields
                .iter()
                .find(|f| f.key.eq_ignore_ascii_case(field))
            {
                None => false,
                Some(def) => match user.user_fields.get(&def.key) {
                    Some(Value::String(s)) => eq(Some(s)),
                    Some(Value::Null) | None => value == "none",
                    Some(other) => eq(Some(&other.to_string())),
                },
            },
        }
    }

    /// Users whose `external_id` equals `external_id` (case-insensitive); not lagging: Zendesk
    /// answers this parameter from the database.
    pub fn by_external_id(&self, external_id: &str) -> Vec<&User> {
        self.data
            .users
            .values()
            .filter(|u| {
                u.external_id
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(external_id))
            })
            .collect()
    }
}

/// Splits a search query into `(key, value)` terms; quotes group words.
fn split_terms(query: &str) -> Vec<(Option<String>, String)> {
    let mut terms = Vec::new();
    let mut chars = query.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return terms;
        }
        let mut key = None;
        let mut word = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            chars.next();
            if c == ':' && key.is_none() && !word.is_empty() {
                key = Some(std::mem::take(&mut word).to_lowercase());
            } else if c == '"' {
                for q in chars.by_ref() {
                    if q == '"' {
                        break;
                    }
                    word.push(q);
                }
            } else {
                word.push(c);
            }
        }
        if !word.is_empty() {
            terms.push((key, word));
        }
    }
}

/// The `user` object of a request body `{"user": {...}}`.
pub fn user_object(body: &Value) -> Result<&Value, ZdError> {
    body.get("user")
        .filter(|u| u.is_object())
        .ok_or_else(|| ZdError::bad_request("the body must be {\"user\": {...}}"))
}

/// A user object with only `id` removed (update_many items carry their `id` next to the changes).
pub fn without_id(item: &Map<String, Value>) -> Value {
    let mut item = item.clone();
    item.remove("id");
    Value::Object(item)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_terms_split_keys_values_and_quotes() {
        let t = |k: Option<&str>, v: &str| (k.map(str::to_owned), v.to_owned());
        for (query, want) in [
            (
                "senderId:7100000001",
                vec![t(Some("senderid"), "7100000001")],
            ),
            ("  john   perk ", vec![t(None, "john"), t(None, "perk")]),
            (
                "name:\"Maria Ruiz\" role:end-user",
                vec![t(Some("name"), "Maria Ruiz"), t(Some("role"), "end-user")],
            ),
            (
                "email:a:b@example.com",
                vec![t(Some("email"), "a:b@example.com")],
            ),
            ("", vec![]),
        ] {
            assert_eq!(split_terms(query), want, "{query:?}");
        }
    }
}
