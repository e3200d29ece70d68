//! What the `crm` commands do beyond parsing flags: check a connection before storing it, word the
//! status, and count a backfill.

use std::collections::BTreeSet;

use super::zendesk::{Client, Failure};
use super::{Auth, BackfillPlan, Connection, State, Status, external_id};

/// Zendesk's `role_type` of light agents, who may not create users
/// (<https://developer.zendesk.com/api-reference/ticketing/users/users/#json-format>).
const LIGHT_AGENT: i64 = 1;

fn unreachable(url: &str, f: &Failure) -> String {
    match f {
        Failure::Credentials(m) | Failure::Rejected(m) | Failure::NotFound(m) => m.clone(),
        Failure::RateLimited(s) => {
            format!("Zendesk at {url} is rate-limiting this account: try again in {s} s")
        }
        Failure::Transient(m) => format!("{m}; check --url and the network, then try again"),
    }
}

/// Checks the credentials (who they belong to, and that they may create users) and the fields
/// the connection names; the error says what is wrong and how to fix it.
pub async fn check(client: &Client, c: &Connection) -> Result<String, String> {
    let me = client.me().await.map_err(|f| unreachable(&c.url, &f))?;
    let who = match &c.auth {
        Auth::ApiToken { email } => email.clone(),
        Auth::OAuth => "the OAuth token's user".into(),
    };
    if me.role != "admin" && me.role != "agent" {
        return Err(format!(
            "{who} is not an agent or admin of {} (role {:?}); connect with an admin's or a \
             full agent's credentials",
            c.url, me.role
        ));
    }
    if c.create && me.role == "agent" && me.role_type == Some(LIGHT_AGENT) {
        return Err(format!(
            "{who} is a light agent, and light agents cannot create users; connect with an \
             admin's or a full agent's credentials, or pass --create off"
        ));
    }
    let fields = client
        .user_fields()
        .await
        .map_err(|f| unreachable(&c.url, &f))?;
    let known = fields
        .iter()
        .filter(|f| f.active)
        .map(|f| f.key.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    for (flag, key) in std::iter::once(("--field", &c.sender_field))
        .chain(c.username_field.as_ref().map(|k| ("--username-field", k)))
    {
        match fields.iter().find(|f| f.key == *key) {
            None => {
                return Err(format!(
                    "{} has no user field with the key {key:?} ({flag}); create it in Admin \
                     Center → People → Configuration → User fields (type Text, field key \
                     {key}), or pass {flag} with one of: {}",
                    c.url,
                    if known.is_empty() { "(none)" } else { &known }
                ));
            }
            Some(f) if !f.active => {
                return Err(format!(
                    "the user field {key:?} ({flag}) is inactive in {}; activate it in Admin \
                     Center → People → Configuration → User fields",
                    c.url
                ));
            }
            Some(f) if f.kind != "text" => {
                return Err(format!(
                    "the user field {key:?} ({flag}) is of type {:?}; it must be a Text field \
                     (sender IDs are up to 16 digits, and usernames are text)",
                    f.kind
                ));
            }
            Some(_) => {}
        }
    }
    Ok(format!("{who} ({}) on {}", me.role, c.url))
}

fn state_name(state: State) -> &'static str {
    match state {
        State::Active => "active",
        State::Paused => {
            "paused (the last error says why: the CRM refused the credentials, or this relay's key \
             does not open them); `crm connect` with working credentials resumes it"
        }
        State::Disconnected => "disconnected",
    }
}

/// `crm status` as text (never the token).
pub fn format_status(tenant: &str, s: &Status, now: i64) -> String {
    let c = &s.connection;
    let auth = match &c.auth {
        Auth::ApiToken { email } => format!("API token of {email}"),
        Auth::OAuth => "OAuth token".into(),
    };
    let mut out = format!(
        "tenant {tenant:?}: Zendesk {} ({auth})\n\
         fields: senderId in {:?}, username in {}; create contacts: {}; rate: {} requests/min\n\
         state: {}\n",
        c.url,
        c.sender_field,
        c.username_field
            .as_deref()
            .map_or("(none)".to_owned(), |f| format!("{f:?}")),
        if c.create { "on" } else { "off" },
        c.rate,
        state_name(s.state),
    );
    out += &match s.oldest_queued {
        Some(t) => format!(
            "backlog: {} sender(s) waiting, the oldest for {} s\n",
            s.backlog,
            (now - t).max(0)
        ),
        None => "backlog: none\n".into(),
    };
    out += &format!(
        "counts: {} created, {} linked, {} updated, {} skipped\n",
        s.counts.created, s.counts.linked, s.counts.updated, s.counts.skipped
    );
    out += &match &s.last_error {
        Some((e, at)) => format!("last error ({} s ago): {e}\n", (now - at).max(0)),
        None => "last error: none\n".into(),
    };
    out += &format!("dead letters: {}", s.dead.len());
    if !s.dead.is_empty() {
        out += " (`crm retry` queues them again)";
    }
    out.push('\n');
    for d in &s.dead {
        out += &format!(
            "  sender {} after {} attempt(s): {}\n",
            d.sender, d.failures, d.error
        );
    }
    out
}

/// A backfill's exact counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Contacts that hold the sender's ID (or the relay's external ID): would be linked.
    pub link: u64,
    /// Would be created.
    pub create: u64,
    /// Left alone: already linked, unlinked by an agent, deleted or owners, and with
    /// `--create off` those no contact holds.
    pub skip: u64,
    /// Of `skip`, those no contact holds (`--create off`).
    pub not_found: u64,
}

/// Counts what a backfill would do, reading every end user of the account (pages of 100, one
/// request each) rather than searching sender by sender.
pub async fn dry_run(
    client: &Client,
    c: &Connection,
    plan: &BackfillPlan,
) -> Result<Counts, String> {
    let mut held = BTreeSet::new();
    let mut next = None;
    loop {
        let (users, more) = client
            .end_users_page(next.as_deref())
            .await
            .map_err(|f| unreachable(&c.url, &f))?;
        for u in users {
            held.extend(u.field(&c.sender_field));
            held.extend(u.external_id.clone());
        }
        match more {
            Some(more) => next = Some(more),
            None => break,
        }
    }
    let mut counts = Counts {
        skip: plan.linked + plan.unlinked + plan.ineligible,
        ..Counts::default()
    };
    for s in &plan.candidates {
        if held.contains(&s.to_string()) || held.contains(&external_id(*s)) {
            counts.link += 1;
        } else if c.create {
            counts.create += 1;
        } else {
            counts.skip += 1;
            counts.not_found += 1;
        }
    }
    Ok(counts)
}
