//! The sync worker: drains the outbox of every active connection.
//!
//! One round: read the connections, lease up to [`Options::per_round`] due jobs of each (a lease
//! keeps every other worker, in this process or another, off that sender until it is finished or
//! runs out), run them concurrently within the connection's rate, and end each in one transaction
//! with its journal entry. With nothing due the worker sleeps until the next job falls due, a
//! webhook wakes it, or a second passes (jobs queued by another process).
//!
//! The decision for one sender ([`sync_one`]):
//! - deleted accounts and business owners: nothing;
//! - the journal links the sender to a contact: only the username field, when configured and
//!   changed, and at most once every 15 seconds per contact (Zendesk allows 5 updates of one user
//!   a minute; the margin is for the agents' own edits); name, email, phone and notes are never
//!   written after creation;
//! - the journal says an agent took the link off: nothing (their decision stands);
//! - unknown: a contact holding the senderId is linked; else one is created with
//!   `create_or_update` keyed by `external_id` `telegram:<id>`. A job leased before (its worker
//!   may have created the contact and died before committing) first looks the external ID up,
//!   which Zendesk answers from its database, not the lagging search index. So neither a crash,
//!   a retry, a second worker nor the search lag makes a second contact.
//!
//! Failures: an account 429 pauses the connection's requests for `Retry-After` (not a failure;
//! a per-user 429 waits for that job alone); 5xx and network errors retry with capped
//! exponential back-off, forever (a backlog drains when Zendesk is back); another 4xx (a 403 on
//! one record included) is retried twice, counted apart from outages, and then becomes a dead
//! letter with Zendesk's message; a 404 on a linked contact is a dead letter at once, saying it
//! was deleted or merged; a 401 pauses the connection (the jobs stay queued) until `crm connect`
//! checks new credentials.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use telegram_relay_api::{LinkAction, NewLinkEvent};
use tokio::sync::Notify;
use tokio::task::JoinSet;

use super::secret::Key;
use super::zendesk::{Client, Failure};
use super::{ACTOR, Connection, Counted, Job, Journal, Outcome, State, Subject, external_id};
use crate::store::{Storage, StoreError, TenantId};

/// How the worker paces itself.
#[derive(Clone, Debug)]
pub struct Options {
    /// Jobs leased per connection and round (run concurrently).
    pub per_round: u32,
    /// How long a lease lasts: longer than a job can take (three requests of 20 s at most).
    pub lease: Duration,
    /// The longest sleep with nothing due.
    pub idle: Duration,
    /// The shortest time between writes to one contact.
    pub contact_spacing: Duration,
    /// The longest back-off.
    pub max_backoff: Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            per_round: 8,
            lease: Duration::from_secs(120),
            idle: Duration::from_secs(1),
            contact_spacing: Duration::from_secs(15),
            max_backoff: Duration::from_secs(300),
        }
    }
}

/// A rejected (4xx) job becomes a dead letter after this many attempts.
pub const REJECTED_ATTEMPTS: u32 = 3;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

async fn blocking<T: Send + 'static>(
    store: &Arc<dyn Storage>,
    f: impl FnOnce(&dyn Storage) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || f(store.as_ref()))
        .await
        .map_err(|e| StoreError::Unusable(format!("a storage task failed: {e}")))?
}

/// A connection's client, rebuilt when the connection changes (`crm connect` again).
struct Live {
    connection: Connection,
    client: Client,
}

/// Runs the worker until `shutdown` completes. `wake` is notified when a webhook stored an
/// update (a job may be due now).
///
/// Each connection's jobs run in batches of their own, so one account's 429 pause or slow
/// answers never hold up another's. On `shutdown` no new job is claimed; the batches in flight
/// finish (each request is bounded by its timeout) and then `run` returns.
pub async fn run(
    store: Arc<dyn Storage>,
    key: Arc<Key>,
    wake: Arc<Notify>,
    options: Options,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut live: BTreeMap<TenantId, Live> = BTreeMap::new();
    let mut busy: BTreeSet<TenantId> = BTreeSet::new();
    let mut batches: JoinSet<TenantId> = JoinSet::new();
    let mut stopping = false;
    loop {
        if stopping {
            if batches.join_next().await.is_none() {
                return;
            }
            continue;
        }
        match claim(&store, &key, &mut live, &busy, &options).await {
            Ok(claimed) => {
                for (tenant, batch) in claimed {
                    busy.insert(tenant);
                    let (store, options) = (store.clone(), options.clone());
                    batches.spawn(async move {
                        run_batch(&store, &options, batch).await;
                        tenant
                    });
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "claiming sync jobs failed; retrying in a second")
            }
        }
        let sleep = match blocking(&store, |s| s.crm_next_due()).await {
            Ok(Some(due)) => Duration::from_millis((due - now_ms()).clamp(0, i64::MAX) as u64),
            _ => options.idle,
        }
        .min(options.idle);
        tokio::select! {
            () = &mut shutdown => stopping = true,
            Some(done) = batches.join_next(), if !batches.is_empty() => {
                match done {
                    Ok(tenant) => { busy.remove(&tenant); }
                    Err(e) => {
                        tracing::error!(error = %e, "a sync batch failed");
                        // Its tenant cannot be named; start over (leases keep jobs safe).
                        busy.clear();
                    }
                }
            }
            () = tokio::time::sleep(sleep) => {}
            () = wake.notified() => {
                // Let the other webhooks of a burst commit: one lease for many updates.
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

/// One connection's claimed jobs, with its client.
struct Batch {
    connection: Connection,
    client: Client,
    jobs: Vec<Job>,
}

/// Leases due jobs of every active connection that has no batch in flight.
async fn claim(
    store: &Arc<dyn Storage>,
    key: &Arc<Key>,
    live: &mut BTreeMap<TenantId, Live>,
    busy: &BTreeSet<TenantId>,
    options: &Options,
) -> Result<Vec<(TenantId, Batch)>, StoreError> {
    let connections = blocking(store, |s| s.crm_connections()).await?;
    live.retain(|t, _| connections.iter().any(|(c, _)| c.tenant == *t));
    let mut claimed = Vec::new();
    for (connection, state) in connections {
        let tenant = connection.tenant;
        if state != State::Active || busy.contains(&tenant) {
            continue;
        }
        if live.get(&tenant).is_none_or(|l| l.connection != connection) {
            let client = key
                .open(tenant, &connection.sealed_token)
                .and_then(|token| {
                    Client::new(&connection.url, &connection.auth, &token, connection.rate)
                });
            match client {
                Ok(client) => {
                    live.insert(
                        tenant,
                        Live {
                            connection: connection.clone(),
                            client,
                        },
                    );
                }
                Err(e) => {
                    tracing::error!(tenant = tenant.0, error = %e, "CRM connection paused");
                    let now = crate::now();
                    blocking(store, move |s| {
                        s.crm_set_state(tenant, State::Paused, Some(e), now)
                    })
                    .await?;
                    continue;
                }
            }
        }
        let (lease, limit) = (options.lease.as_millis() as i64, options.per_round);
        let jobs = blocking(store, move |s| s.crm_claim(tenant, now_ms(), lease, limit)).await?;
        if jobs.is_empty() {
            continue;
        }
        let Some(l) = live.get(&tenant) else { continue };
        claimed.push((
            tenant,
            Batch {
                connection: l.connection.clone(),
                client: l.client.clone(),
                jobs,
            },
        ));
    }
    Ok(claimed)
}

/// Runs one connection's jobs concurrently (the client's bucket paces them).
async fn run_batch(store: &Arc<dyn Storage>, options: &Options, batch: Batch) {
    let mut set = JoinSet::new();
    for job in batch.jobs {
        let (store, connection, client, options) = (
            store.clone(),
            batch.connection.clone(),
            batch.client.clone(),
            options.clone(),
        );
        set.spawn(async move { run_job(&store, &connection, &client, &options, job).await });
    }
    while let Some(result) = set.join_next().await {
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::error!(error = %e, "a sync job could not be recorded; its lease will run out and it runs again")
            }
            Err(e) => tracing::error!(error = %e, "a sync job failed"),
        }
    }
}

async fn run_job(
    store: &Arc<dyn Storage>,
    connection: &Connection,
    client: &Client,
    options: &Options,
    job: Job,
) -> Result<(), StoreError> {
    let (tenant, sender) = (job.tenant, job.sender);
    let subject = blocking(store, move |s| s.crm_subject(tenant, sender)).await?;
    let outcome = match sync_one(connection, client, options, &job, &subject).await {
        Ok(outcome) => outcome,
        Err(failure) => {
            let outcome = on_failure(options, &job, &failure);
            tracing::warn!(tenant = tenant.0, error = %failure, "sync of one sender failed");
            if let Failure::Credentials(message) = failure {
                let now = crate::now();
                blocking(store, move |s| {
                    s.crm_set_state(tenant, State::Paused, Some(message), now)
                })
                .await?;
            }
            outcome
        }
    };
    let recorded = blocking(store, move |s| {
        s.crm_finish(job, outcome, crate::now(), now_ms())
    })
    .await?;
    if !recorded {
        tracing::warn!(
            tenant = tenant.0,
            "a sync job outlived its lease and was taken over; its result was left to the new holder"
        );
    }
    Ok(())
}

/// What a failure does to its job.
fn on_failure(options: &Options, job: &Job, failure: &Failure) -> Outcome {
    let now = now_ms();
    match failure {
        Failure::RateLimited(seconds) => Outcome::Retry {
            due_ms: now + *seconds as i64 * 1000,
            error: failure.to_string(),
            failed: false,
            rejected: false,
        },
        Failure::Credentials(m) => Outcome::Retry {
            due_ms: now,
            error: m.clone(),
            failed: false,
            rejected: false,
        },
        Failure::Rejected(m) | Failure::NotFound(m) if job.rejections + 1 >= REJECTED_ATTEMPTS => {
            Outcome::Dead { error: m.clone() }
        }
        Failure::Rejected(m) | Failure::NotFound(m) => Outcome::Retry {
            due_ms: now + backoff(options, job.failures).as_millis() as i64,
            error: m.clone(),
            failed: true,
            rejected: true,
        },
        Failure::Transient(m) => Outcome::Retry {
            due_ms: now + backoff(options, job.failures).as_millis() as i64,
            error: m.clone(),
            failed: true,
            rejected: false,
        },
    }
}

/// 1 s, 2 s, 4 s … up to `max_backoff`, plus up to a fifth more at random, so a fleet of jobs
/// failed together does not come back together.
pub fn backoff(options: &Options, failures: u32) -> Duration {
    let base = Duration::from_secs(1u64 << failures.min(20)).min(options.max_backoff);
    let mut byte = [0u8; 1];
    let jitter = getrandom::fill(&mut byte).map_or(0, |()| u32::from(byte[0]));
    base + base * jitter / (255 * 5)
}

fn link(contact: u64, sender: String, old: Option<String>, reason: &str) -> NewLinkEvent {
    NewLinkEvent {
        action: LinkAction::Link,
        contact_id: contact.to_string(),
        old_value: old,
        new_value: Some(sender),
        actor: ACTOR.into(),
        batch_id: None,
        undoes: None,
        reason: Some(reason.into()),
    }
}

/// Syncs one sender (see the module documentation); an `Err` is a CRM failure to retry or give
/// up on.
pub async fn sync_one(
    connection: &Connection,
    client: &Client,
    options: &Options,
    job: &Job,
    subject: &Subject,
) -> Result<Outcome, Failure> {
    let skip = Outcome::Done {
        link: None,
        synced: None,
        counted: Counted::Skipped,
    };
    if subject.deleted || subject.owner {
        return Ok(skip);
    }
    let sender = job.sender.to_string();
    let username = subject.username.clone();
    match &subject.journal {
        Journal::Unlinked => Ok(skip),
        Journal::Linked(contact) => {
            let nothing = Outcome::Done {
                link: None,
                synced: None,
                counted: Counted::Nothing,
            };
            let (Some(field), Ok(id)) = (&connection.username_field, contact.parse::<u64>()) else {
                return Ok(nothing);
            };
            if let Some((synced_contact, synced_username, written_at)) = &subject.synced {
                if synced_contact == contact && *synced_username == username {
                    return Ok(nothing);
                }
                let next = written_at + options.contact_spacing.as_millis() as i64;
                if synced_contact == contact && next > now_ms() {
                    return Ok(Outcome::Retry {
                        due_ms: next,
                        error: "waiting: Zendesk allows 5 updates of one user a minute".into(),
                        failed: false,
                        rejected: false,
                    });
                }
            }
            match client.update_fields(id, json!({ field: username })).await {
                Err(Failure::NotFound(_)) => {
                    return Ok(Outcome::Dead {
                        error: format!(
                            "contact {id}, to which this Telegram person is linked, no longer exists \
                             in Zendesk (deleted or merged); link the person again from the sidebar \
                             of the contact that remains, then `crm retry`"
                        ),
                    });
                }
                other => other?,
            }
            Ok(Outcome::Done {
                link: None,
                synced: Some((contact.clone(), username)),
                counted: Counted::Updated,
            })
        }
        Journal::Unknown => {
            let external = external_id(job.sender);
            if job.claims > 1
                && let Some(user) = client
                    .by_external_id(&external)
                    .await?
                    .into_iter()
                    .min_by_key(|u| u.id)
            {
                // An earlier attempt created it and stopped before recording it.
                let written = connection.username_field.as_ref().map(|f| user.field(f));
                return Ok(Outcome::Done {
                    link: Some(link(
                        user.id,
                        sender,
                        None,
                        "created by the relay when this Telegram person first wrote",
                    )),
                    synced: Some((user.id.to_string(), written.flatten())),
                    counted: Counted::Created,
                });
            }
            let holders = client.by_field(&connection.sender_field, &sender).await?;
            if let Some(user) = holders.iter().min_by_key(|u| u.id) {
                let reason = if holders.len() > 1 {
                    format!(
                        "this contact already held the senderId ({} contacts hold it; the oldest is linked)",
                        holders.len()
                    )
                } else {
                    "this contact already held the senderId".to_owned()
                };
                let written = connection
                    .username_field
                    .as_ref()
                    .and_then(|f| user.field(f));
                return Ok(Outcome::Done {
                    link: Some(link(user.id, sender.clone(), Some(sender), &reason)),
                    synced: Some((user.id.to_string(), written)),
                    counted: Counted::Linked,
                });
            }
            if !connection.create {
                return Ok(skip);
            }
            let name = subject
                .name
                .clone()
                .unwrap_or_else(|| format!("Telegram user {sender}"));
            let mut fields = Map::new();
            fields.insert(
                connection.sender_field.clone(),
                Value::String(sender.clone()),
            );
            if let Some(field) = &connection.username_field {
                fields.insert(
                    field.clone(),
                    username.clone().map_or(Value::Null, Value::String),
                );
            }
            let (_, user) = client
                .create_or_update(json!({
                    "name": name,
                    "external_id": external,
                    "skip_verify_email": true,
                    "user_fields": fields,
                }))
                .await?;
            Ok(Outcome::Done {
                link: Some(link(
                    user.id,
                    sender,
                    None,
                    "created by the relay when this Telegram person first wrote",
                )),
                synced: Some((user.id.to_string(), username)),
                counted: Counted::Created,
            })
        }
    }
}
