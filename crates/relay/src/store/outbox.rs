//! The SQL of relay → CRM sync: connections, the outbox and what sync wrote (migration 6).
//! Writes run on the writer connection inside a savepoint; reads in one read transaction.

use telegram_relay_api::SenderId;

use super::codes::Code;
use super::read::sender;
use super::sql::{Conn, Row, unreadable};
use super::{StoreError, TenantId, apply};
use crate::crm::{
    Auth, BackfillPlan, Connection, Counted, Counts, DeadLetter, Job, Journal, Outcome, State,
    Status, Subject,
};

/// Queues a sync of `sender` when the tenant's connection is not disconnected (a dead letter stays
/// dead; its generation moves so `crm retry` syncs the latest state). Runs in the transaction of
/// the update that asks for it.
pub fn enqueue(
    conn: &Conn<'_>,
    tenant: TenantId,
    sender: SenderId,
    now: i64,
) -> Result<bool, StoreError> {
    let n = conn.execute(
        "INSERT INTO crm_outbox (tenant_id, sender_id, enqueued_at, due_at)
         SELECT ?1, ?2, ?3, CAST(?3 AS BIGINT) * 1000 FROM crm_connections
          WHERE tenant_id = ?1 AND state != 'disconnected'
         ON CONFLICT (tenant_id, sender_id) DO UPDATE SET generation = crm_outbox.generation + 1",
        &[&tenant, &(sender.get() as i64), &now],
    )?;
    Ok(n > 0)
}

/// Stores (or replaces) a tenant's connection and makes it active; its counters and outbox stay.
pub fn connect(conn: &Conn<'_>, c: &Connection, now: i64) -> Result<(), StoreError> {
    let email = match &c.auth {
        Auth::ApiToken { email } => Some(email.as_str()),
        Auth::OAuth => None,
    };
    conn.execute(
        "INSERT INTO crm_connections (tenant_id, kind, url, email, secret, sender_field,
                                      username_field, create_contacts, rate, state, connected_at)
         VALUES (?1, 'zendesk', ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'active', ?9)
         ON CONFLICT (tenant_id) DO UPDATE SET
           url = excluded.url, email = excluded.email, secret = excluded.secret,
           sender_field = excluded.sender_field, username_field = excluded.username_field,
           create_contacts = excluded.create_contacts, rate = excluded.rate, state = 'active',
           last_error = NULL, last_error_at = NULL, connected_at = excluded.connected_at",
        &[
            &c.tenant,
            &c.url,
            &email,
            &c.sealed_token,
            &c.sender_field,
            &c.username_field,
            &c.create,
            &i64::from(c.rate),
            &now,
        ],
    )?;
    Ok(())
}

/// Sets a connection's state, with the error that caused it (`None` keeps the last one).
pub fn set_state(
    conn: &Conn<'_>,
    tenant: TenantId,
    state: State,
    error: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    let n = conn.execute(
        "UPDATE crm_connections SET state = ?2,
                last_error = coalesce(?3, last_error),
                last_error_at = CASE WHEN ?3 IS NULL THEN last_error_at ELSE ?4 END
          WHERE tenant_id = ?1",
        &[&tenant, &state.code(), &error, &now],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound(
            "this tenant has no CRM connection; make one with `telegram-relay crm connect`".into(),
        ));
    }
    if state == State::Disconnected {
        conn.execute("DELETE FROM crm_outbox WHERE tenant_id = ?1", &[&tenant])?;
    }
    Ok(())
}

/// Column `i`, an `INTEGER` that must fit a `u32` (a count, a rate).
fn get_u32(r: &Row<'_>, i: usize) -> Result<u32, StoreError> {
    let v: i64 = r.get(i)?;
    u32::try_from(v).map_err(|_| unreadable(i, format!("{v} is out of range")))
}

fn connection_row(r: &Row<'_>) -> Result<(Connection, State), StoreError> {
    let email: Option<String> = r.get(2)?;
    let state: String = r.get(8)?;
    Ok((
        Connection {
            tenant: r.get(0)?,
            url: r.get(1)?,
            auth: email.map_or(Auth::OAuth, |email| Auth::ApiToken { email }),
            sealed_token: r.get(3)?,
            sender_field: r.get(4)?,
            username_field: r.get(5)?,
            create: r.get(6)?,
            rate: get_u32(r, 7)?,
        },
        State::decode(8, &state)?,
    ))
}

const CONNECTION_COLUMNS: &str = "tenant_id, url, email, secret, sender_field, username_field,
     create_contacts, rate, state";

/// Every connection that is not disconnected.
pub fn connections(conn: &Conn<'_>) -> Result<Vec<(Connection, State)>, StoreError> {
    conn.query(
        &format!(
            "SELECT {CONNECTION_COLUMNS} FROM crm_connections WHERE state != 'disconnected'
              ORDER BY tenant_id"
        ),
        &[],
        connection_row,
    )
}

/// A tenant's connection and its state.
pub fn connection(
    conn: &Conn<'_>,
    tenant: TenantId,
) -> Result<Option<(Connection, State)>, StoreError> {
    conn.query_opt(
        &format!("SELECT {CONNECTION_COLUMNS} FROM crm_connections WHERE tenant_id = ?1"),
        &[&tenant],
        connection_row,
    )
}

/// What `crm status` shows.
pub fn status(conn: &Conn<'_>, tenant: TenantId) -> Result<Option<Status>, StoreError> {
    let Some((connection, state)) = self::connection(conn, tenant)? else {
        return Ok(None);
    };
    let (last_error, counts) = conn.query_one(
        "SELECT last_error, last_error_at, created, linked, updated, skipped
           FROM crm_connections WHERE tenant_id = ?1",
        &[&tenant],
        |r| {
            let error: Option<String> = r.get(0)?;
            let at: Option<i64> = r.get(1)?;
            Ok((
                error.zip(at),
                Counts {
                    created: r.get::<i64>(2)? as u64,
                    linked: r.get::<i64>(3)? as u64,
                    updated: r.get::<i64>(4)? as u64,
                    skipped: r.get::<i64>(5)? as u64,
                },
            ))
        },
    )?;
    let (backlog, oldest_queued) = conn.query_one(
        "SELECT count(*), min(enqueued_at) FROM crm_outbox
          WHERE tenant_id = ?1 AND dead_at IS NULL",
        &[&tenant],
        |r| Ok((r.get::<i64>(0)? as u64, r.get(1)?)),
    )?;
    let dead = conn.query(
        "SELECT sender_id, failures, coalesce(last_error, ''), dead_at FROM crm_outbox
          WHERE tenant_id = ?1 AND dead_at IS NOT NULL ORDER BY dead_at, sender_id",
        &[&tenant],
        |r| {
            Ok(DeadLetter {
                sender: sender(r.get(0)?)?,
                failures: get_u32(r, 1)?,
                error: r.get(2)?,
                dead_at: r.get(3)?,
            })
        },
    )?;
    Ok(Some(Status {
        connection,
        state,
        last_error,
        counts,
        backlog,
        oldest_queued,
        dead,
    }))
}

/// The waiting jobs of all active connections and the oldest one's queue time (for `/healthz`).
pub fn lag(conn: &Conn<'_>) -> Result<(u64, Option<i64>), StoreError> {
    conn.query_one(
        "SELECT count(*), min(o.enqueued_at) FROM crm_outbox o
           JOIN crm_connections c ON c.tenant_id = o.tenant_id
          WHERE o.dead_at IS NULL AND c.state != 'disconnected'",
        &[],
        |r| Ok((r.get::<i64>(0)? as u64, r.get(1)?)),
    )
}

/// Leases up to `limit` due jobs of `tenant` (active connections only) until `now_ms + lease_ms`.
/// A job leased by another worker whose lease has not run out is not taken, so two workers never
/// sync the same sender at once.
pub fn claim(
    conn: &Conn<'_>,
    tenant: TenantId,
    now_ms: i64,
    lease_ms: i64,
    limit: u32,
) -> Result<Vec<Job>, StoreError> {
    conn.query(
        "UPDATE crm_outbox SET lease_until = ?2 + ?3, claims = claims + 1
          WHERE (tenant_id, sender_id) IN (
                SELECT o.tenant_id, o.sender_id FROM crm_outbox o
                  JOIN crm_connections c ON c.tenant_id = o.tenant_id AND c.state = 'active'
                 WHERE o.tenant_id = ?1 AND o.dead_at IS NULL AND o.due_at <= ?2
                   AND o.lease_until <= ?2
                 ORDER BY o.due_at, o.sender_id LIMIT ?4)
         RETURNING tenant_id, sender_id, generation, claims, failures, lease_until, rejections",
        &[&tenant, &now_ms, &lease_ms, &i64::from(limit)],
        |r| {
            Ok(Job {
                tenant: r.get(0)?,
                sender: sender(r.get(1)?)?,
                generation: r.get(2)?,
                claims: get_u32(r, 3)?,
                failures: get_u32(r, 4)?,
                lease_until: r.get(5)?,
                rejections: get_u32(r, 6)?,
            })
        },
    )
}

/// When the next job of an active connection falls due (ms), to sleep until then.
pub fn next_due(conn: &Conn<'_>) -> Result<Option<i64>, StoreError> {
    conn.query_one(
        "SELECT min(max(o.due_at, o.lease_until)) FROM crm_outbox o
           JOIN crm_connections c ON c.tenant_id = o.tenant_id AND c.state = 'active'
          WHERE o.dead_at IS NULL",
        &[],
        |r| r.get(0),
    )
}

/// The journal's latest word on a sender.
fn journal(conn: &Conn<'_>, tenant: TenantId, s: i64) -> Result<Journal, StoreError> {
    let latest: Option<(String, Option<i64>)> = conn.query_opt(
        "SELECT contact_id, new_sender FROM link_events
          WHERE id = (SELECT max(id) FROM (
                SELECT max(id) AS id FROM link_events WHERE tenant_id = ?1 AND new_sender = ?2
                UNION ALL
                SELECT max(id) FROM link_events WHERE tenant_id = ?1 AND old_sender = ?2
                ) AS latest)",
        &[&tenant, &s],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(match latest {
        None => Journal::Unknown,
        Some((contact, Some(new))) if new == s => Journal::Linked(contact),
        Some(_) => Journal::Unlinked,
    })
}

/// Everything sync needs to decide about a sender, in one snapshot.
pub fn subject(conn: &Conn<'_>, tenant: TenantId, who: SenderId) -> Result<Subject, StoreError> {
    let s = who.get() as i64;
    let person: Option<(String, Option<String>, Option<String>, bool)> = conn.query_opt(
        "SELECT first_name, last_name, username, deleted FROM people
          WHERE tenant_id = ?1 AND sender_id = ?2",
        &[&tenant, &s],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let owner: bool = conn.query_one(
        "SELECT EXISTS (SELECT 1 FROM business_connections WHERE tenant_id = ?1 AND owner_id = ?2)",
        &[&tenant, &s],
        |r| r.get(0),
    )?;
    let synced = conn.query_opt(
        "SELECT contact_id, username, written_at FROM crm_synced
          WHERE tenant_id = ?1 AND sender_id = ?2",
        &[&tenant, &s],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let (name, username, deleted) = match person {
        Some((first, last, username, deleted)) => {
            let name = [Some(first.trim()), last.as_deref().map(str::trim)]
                .into_iter()
                .flatten()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            ((!name.is_empty()).then_some(name), username, deleted)
        }
        None => (None, None, false),
    };
    Ok(Subject {
        name,
        username,
        deleted,
        owner,
        journal: journal(conn, tenant, s)?,
        synced,
    })
}

/// Ends a claimed job: journals its link and what it wrote and bumps its counter, all in this
/// transaction; removes the job unless a newer message arrived meanwhile (then it runs again at
/// once), or reschedules it, or makes it a dead letter. Answers `false`, having recorded
/// nothing, when the job's lease ran out and another claim holds it.
pub fn finish(
    conn: &Conn<'_>,
    job: &Job,
    outcome: Outcome,
    now: i64,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let (tenant, s) = (job.tenant, job.sender.get() as i64);
    // Only the lease's holder records: a worker that outlived its lease (another took the job
    // over, and may have finished it) leaves no second journal entry or count. What it did in the
    // CRM is safe to have done twice (`create_or_update` by external ID, idempotent writes).
    let holder: Option<(u32, i64)> = conn.query_opt(
        "SELECT claims, lease_until FROM crm_outbox WHERE tenant_id = ?1 AND sender_id = ?2",
        &[&tenant, &s],
        |r| Ok((get_u32(r, 0)?, r.get(1)?)),
    )?;
    if holder != Some((job.claims, job.lease_until)) {
        return Ok(false);
    }
    match outcome {
        Outcome::Done {
            link,
            synced,
            counted,
        } => {
            if let Some(link) = link {
                apply::link_event(conn, tenant, link, now)?;
            }
            if let Some((contact, username)) = synced {
                conn.execute(
                    "INSERT INTO crm_synced (tenant_id, sender_id, contact_id, username, written_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (tenant_id, sender_id) DO UPDATE SET
                       contact_id = excluded.contact_id, username = excluded.username,
                       written_at = excluded.written_at",
                    &[&tenant, &s, &contact, &username, &now_ms],
                )?;
            }
            let column = match counted {
                Counted::Created => Some("created"),
                Counted::Linked => Some("linked"),
                Counted::Updated => Some("updated"),
                Counted::Skipped => Some("skipped"),
                Counted::Nothing => None,
            };
            if let Some(column) = column {
                // `column` is one of four names above, never a value.
                conn.execute(
                    &format!(
                        "UPDATE crm_connections SET {column} = {column} + 1 WHERE tenant_id = ?1"
                    ),
                    &[&tenant],
                )?;
            }
            conn.execute(
                "DELETE FROM crm_outbox
                  WHERE tenant_id = ?1 AND sender_id = ?2 AND generation = ?3",
                &[&tenant, &s, &job.generation],
            )?;
            conn.execute(
                "UPDATE crm_outbox SET lease_until = 0, failures = 0, rejections = 0, claims = 0,
                        due_at = ?3, last_error = NULL
                  WHERE tenant_id = ?1 AND sender_id = ?2",
                &[&tenant, &s, &now_ms],
            )?;
        }
        Outcome::Retry {
            due_ms,
            error,
            failed,
            rejected,
        } => {
            conn.execute(
                "UPDATE crm_outbox SET lease_until = 0, due_at = ?3, last_error = ?4,
                        failures = failures + ?5, rejections = rejections + ?6
                  WHERE tenant_id = ?1 AND sender_id = ?2",
                &[
                    &tenant,
                    &s,
                    &due_ms,
                    &error,
                    &i64::from(failed),
                    &i64::from(rejected),
                ],
            )?;
        }
        Outcome::Dead { error } => {
            conn.execute(
                "UPDATE crm_outbox SET lease_until = 0, dead_at = ?3, last_error = ?4,
                        failures = failures + 1
                  WHERE tenant_id = ?1 AND sender_id = ?2",
                &[&tenant, &s, &now, &error],
            )?;
            conn.execute(
                "UPDATE crm_connections SET last_error = ?2, last_error_at = ?3
                  WHERE tenant_id = ?1",
                &[&tenant, &format!("sender {}: {error}", job.sender), &now],
            )?;
        }
    }
    Ok(true)
}

/// Re-queues every dead letter of a tenant; answers how many.
pub fn retry(conn: &Conn<'_>, tenant: TenantId, now_ms: i64) -> Result<usize, StoreError> {
    conn.execute(
        "UPDATE crm_outbox SET dead_at = NULL, failures = 0, rejections = 0, claims = 0,
                lease_until = 0, due_at = ?2
          WHERE tenant_id = ?1 AND dead_at IS NOT NULL",
        &[&tenant, &now_ms],
    )
}

/// Sorts a tenant's people for a backfill: the candidates (the journal knows nothing of them), and
/// counts of those already linked, unlinked by an agent, or never synced (deleted, owners).
pub fn backfill_plan(conn: &Conn<'_>, tenant: TenantId) -> Result<BackfillPlan, StoreError> {
    let people = conn.query(
        "SELECT sender_id, deleted OR EXISTS (SELECT 1 FROM business_connections b
                 WHERE b.tenant_id = p.tenant_id AND b.owner_id = p.sender_id)
           FROM people p WHERE tenant_id = ?1 ORDER BY sender_id",
        &[&tenant],
        |r| Ok((r.get::<i64>(0)?, r.get::<bool>(1)?)),
    )?;
    let mut plan = BackfillPlan::default();
    for (s, ineligible) in people {
        if ineligible {
            plan.ineligible += 1;
            continue;
        }
        match journal(conn, tenant, s)? {
            Journal::Unknown => plan.candidates.push(sender(s)?),
            Journal::Linked(_) => plan.linked += 1,
            Journal::Unlinked => plan.unlinked += 1,
        }
    }
    Ok(plan)
}

/// Queues these senders (a backfill); answers how many were not queued already.
pub fn enqueue_all(
    conn: &Conn<'_>,
    tenant: TenantId,
    senders: &[SenderId],
    now: i64,
) -> Result<usize, StoreError> {
    let mut fresh = 0;
    for s in senders {
        let before: i64 = conn.query_one(
            "SELECT count(*) FROM crm_outbox WHERE tenant_id = ?1 AND sender_id = ?2",
            &[&tenant, &(s.get() as i64)],
            |r| r.get(0),
        )?;
        if enqueue(conn, tenant, *s, now)? && before == 0 {
            fresh += 1;
        }
    }
    Ok(fresh)
}
