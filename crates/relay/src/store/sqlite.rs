//! [`SqliteStorage`]: one SQLite file in WAL mode, one writer thread with group commit, a small pool
//! of read connections.
//!
//! Durability: the writer connection runs with `synchronous=FULL`, so in WAL mode every commit syncs
//! the WAL to disk before it returns. A write method returns only after the commit of the transaction
//! holding its changes; a webhook is answered only after that. This survives `kill -9` of the relay
//! and also a crash of the operating system or a power loss (on a disk that honours fsync).
//!
//! Group commit: every write is a job sent to the writer thread. The writer takes the first job, then
//! every job already waiting (up to [`MAX_BATCH`]), runs each inside its own savepoint of one
//! transaction, commits once, and only then answers each job. One fsync serves the whole batch; a job
//! that fails rolls back to its savepoint without touching the others.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
#[cfg(test)]
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::sync::{Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use telegram_identity::TelegramPerson;
use telegram_relay_api::{
    DirectoryPage, LinkEvent, MessagePage, NewLinkEvent, Person, PersonSummary, SenderId,
};

use super::migrations::{MIGRATIONS, REFOLD_SEARCH_KEYS};
use super::{
    Bot, IngestOutcome, LinkFilter, PageStart, ParsedUpdate, QuarantinedUpdate, Revision, Storage,
    StoreError, TenantId, UpdateContent, apply, outbox, read, replies,
};
use crate::crm;

/// The most jobs one transaction takes.
pub const MAX_BATCH: usize = 1024;

/// Read connections kept open for reuse.
const READERS_KEPT: usize = 8;

type Completion = Box<dyn FnOnce(Result<(), String>) + Send>;
type Run = Box<dyn FnOnce(&Connection) -> (bool, Completion) + Send>;
/// A write: `run` applies it inside a savepoint and says whether it succeeded, returning how to
/// answer once the commit is known; `abort` answers it without running (the transaction could not
/// start).
struct Job {
    run: Run,
    abort: Box<dyn FnOnce(String) + Send>,
}

/// The SQLite implementation of [`Storage`]. See the module documentation.
pub struct SqliteStorage {
    path: PathBuf,
    jobs: Mutex<Option<Sender<Job>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
}

impl rusqlite::ToSql for TenantId {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        self.0.to_sql()
    }
}

impl rusqlite::types::FromSql for TenantId {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        i64::column_result(value).map(TenantId)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Backend {
            backend: "sqlite",
            message: e.to_string(),
        }
    }
}

impl SqliteStorage {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStorage, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Unusable(format!(
                    "cannot create the directory {} for the database: {e}; pass another --db",
                    dir.display()
                ))
            })?;
        }
        let conn = open_connection(path, false)
            .and_then(|conn| check_writable(&conn, path).map(|()| conn))
            .and_then(|mut conn| migrate(&mut conn, path).map(|()| conn))
            .and_then(|conn| probe_write(&conn, path).map(|()| conn))
            .map_err(|e| match e {
                StoreError::Backend { message, .. } => StoreError::Unusable(format!(
                    "{} is not a database this relay can use ({message}); pass --db with the \
                     relay's database file, or a new path to create one",
                    path.display()
                )),
                other => other,
            })?;
        let (tx, rx) = channel::<Job>();
        let writer = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(conn, rx))
            .map_err(|e| StoreError::Unusable(format!("cannot start the writer thread: {e}")))?;
        Ok(SqliteStorage {
            path: path.to_owned(),
            jobs: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in the writer's transaction and waits until it is committed.
    pub fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (job, done_rx) = job(f);
        {
            let jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
            // The channel is open until `close`; a failed send means the writer thread is gone.
            jobs.as_ref()
                .ok_or(StoreError::Closed)?
                .send(job)
                .map_err(|_| writer_stopped())?;
        }
        done_rx.recv().map_err(|_| {
            StoreError::Unusable(
                "the write failed unexpectedly and was rolled back; see the logs".into(),
            )
        })?
    }

    /// Runs `f` on a read connection, in one read transaction (a consistent snapshot).
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = self
            .readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => open_connection(&self.path, true)?,
        };
        // One read transaction: every statement of `f` sees the same snapshot, so a page and the
        // polling cursor computed after it cannot straddle a commit (which would skip a message).
        let result = conn
            .unchecked_transaction()
            .map_err(StoreError::from)
            .and_then(|tx| f(&tx));
        let mut readers = self.readers.lock().unwrap_or_else(PoisonError::into_inner);
        if readers.len() < READERS_KEPT {
            readers.push(conn);
        }
        result
    }

    /// Benchmarks only: inserts `count` messages for one person in large transactions, bypassing
    /// the webhook path, to fill a database quickly.
    #[doc(hidden)]
    pub fn bulk_insert_messages(
        &self,
        tenant: TenantId,
        person: SenderId,
        count: u64,
        first_sent_at: i64,
    ) -> Result<(), StoreError> {
        let mut done = 0;
        while done < count {
            let n = (count - done).min(100_000);
            let start = done;
            self.write(move |conn| {
                apply::bulk_messages(conn, tenant, person, start, n, first_sent_at)
            })?;
            done += n;
        }
        Ok(())
    }

    /// Benchmarks only: inserts `count` people with synthetic names in one transaction.
    #[doc(hidden)]
    pub fn bulk_insert_people(&self, tenant: TenantId, count: u64) -> Result<(), StoreError> {
        self.write(move |conn| apply::bulk_people(conn, tenant, count))
    }
}

/// A write job running `f`, and where its answer arrives.
fn job<T: Send + 'static>(
    f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
) -> (Job, Receiver<Result<T, StoreError>>) {
    let (done_tx, done_rx): (SyncSender<Result<T, StoreError>>, Receiver<_>) = sync_channel(1);
    let abort_tx = done_tx.clone();
    let abort = Box::new(move |message: String| {
        let _ = abort_tx.send(Err(StoreError::Unusable(format!(
            "cannot write: {message}"
        ))));
    });
    let run = Box::new(move |conn: &Connection| {
        let result = f(conn);
        let ok = result.is_ok();
        let completion: Completion = Box::new(move |commit| {
            let answer = match commit {
                Ok(()) => result,
                Err(e) => Err(StoreError::Unusable(format!("the commit failed: {e}"))),
            };
            let _ = done_tx.send(answer);
        });
        (ok, completion)
    });
    (Job { run, abort }, done_rx)
}

fn writer_stopped() -> StoreError {
    StoreError::Unusable(
        "the database writer thread stopped unexpectedly; restart the relay (its logs say why)"
            .into(),
    )
}

impl Drop for SqliteStorage {
    fn drop(&mut self) {
        self.close();
    }
}

fn no_tenant(name: &str) -> StoreError {
    StoreError::NotFound(format!(
        "no tenant named {name:?}; create it with `telegram-relay tenant create {name}`"
    ))
}

/// Refuses a database SQLite opened read-only (the file or its directory is not writable): the
/// relay would start, answer reads, and fail every webhook.
pub(crate) fn check_writable(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    if conn.is_readonly(rusqlite::MAIN_DB)? {
        return Err(StoreError::Unusable(format!(
            "{} is read-only for this relay: make the file and its directory writable by the \
             relay's user, or pass another --db",
            path.display()
        )));
    }
    Ok(())
}

/// Writes the health row: proves the database takes writes now (not read-only, disk not full).
/// Used at start-up and, committed by the writer, by `/healthz`.
fn write_health_row(conn: &Connection) -> Result<(), rusqlite::Error> {
    conn.execute(
        "INSERT INTO relay_health (id, checked_at) VALUES (1, CAST(strftime('%s', 'now') AS INTEGER))
         ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
        [],
    )
    .map(|_| ())
}

/// The start-up write probe, with a message naming the file.
pub(crate) fn probe_write(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    write_health_row(conn).map_err(|e| {
        StoreError::Unusable(format!(
            "the database {} does not take writes ({e}): check the disk's free space and the \
             file's permissions",
            path.display()
        ))
    })
}

fn open_connection(path: &Path, read_only: bool) -> Result<Connection, StoreError> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags).map_err(|e| {
        StoreError::Unusable(format!(
            "cannot open the database {}: {e}; check that the path names a file in a writable \
             directory, or pass another --db",
            path.display()
        ))
    })?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.set_prepared_statement_cache_capacity(64);
    if !read_only {
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Unusable(format!(
                "{} cannot use write-ahead logging (journal_mode is {mode}); put it on a local disk",
                path.display()
            )));
        }
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
    }
    Ok(conn)
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let version: usize =
        conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize;
    if version > MIGRATIONS.len() {
        return Err(StoreError::Unusable(format!(
            "{} has schema version {version}, newer than this relay knows ({}); run a newer relay",
            path.display(),
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        if i + 1 == REFOLD_SEARCH_KEYS {
            apply::refold_search_keys(&tx)?;
        }
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        tracing::info!(migration = i + 1, "applied schema migration");
    }
    Ok(())
}

fn writer_loop(conn: Connection, jobs: Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run_batch(&conn, batch);
    }
}

/// Runs `batch` in one transaction, each job in its own savepoint, commits once, then answers every
/// job. A job is answered with success only when the commit that holds it succeeded.
fn run_batch(conn: &Connection, batch: Vec<Job>) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        tracing::error!(error = %e, "cannot begin a write transaction");
        for job in batch {
            (job.abort)(e.to_string());
        }
        return;
    }
    let mut completions = Vec::with_capacity(batch.len());
    // Set when the transaction is gone: nothing of this batch will be committed.
    let mut lost: Option<String> = None;
    let mut jobs = batch.into_iter();
    for job in jobs.by_ref() {
        if let Err(e) = conn.execute_batch("SAVEPOINT job") {
            (job.abort)(e.to_string());
            continue;
        }
        // A panicking job is rolled back alone; its caller sees the write fail.
        let run = job.run;
        let (ok, done) = match std::panic::catch_unwind(AssertUnwindSafe(|| run(conn))) {
            Ok((ok, done)) => (ok, Some(done)),
            Err(_) => {
                tracing::error!("a write job panicked; it was rolled back");
                (false, None)
            }
        };
        let end = if ok {
            "RELEASE job"
        } else {
            "ROLLBACK TO job; RELEASE job"
        };
        completions.extend(done);
        if let Err(e) = conn.execute_batch(end) {
            // The failed job's changes might still be in the transaction: drop all of it.
            tracing::error!(error = %e, "cannot end a savepoint; the batch is rolled back");
            let _ = conn.execute_batch("ROLLBACK");
            lost = Some(format!("cannot end a savepoint: {e}"));
            break;
        }
        // SQLite rolls the whole transaction back by itself on some errors (disk full, I/O
        // error). Then the jobs before this one are lost too, and the next ones must not run
        // outside a transaction (each would commit on its own, unanswered).
        if conn.is_autocommit() {
            tracing::error!(
                "the database rolled the write transaction back (disk full or I/O error?)"
            );
            lost = Some("the database rolled the transaction back".into());
            break;
        }
    }
    let commit = match lost {
        Some(reason) => {
            for job in jobs {
                (job.abort)(reason.clone());
            }
            Err(reason)
        }
        None => conn.execute_batch("COMMIT").map_err(|e| {
            tracing::error!(error = %e, batch = completions.len(), "commit failed; batch rolled back");
            let _ = conn.execute_batch("ROLLBACK");
            e.to_string()
        }),
    };
    let batch_size = completions.len();
    for done in completions {
        done(commit.clone());
    }
    tracing::trace!(batch = batch_size, "committed");
}

impl Storage for SqliteStorage {
    fn health(&self) -> Result<(), StoreError> {
        match &*self.writer.lock().unwrap_or_else(PoisonError::into_inner) {
            None => return Err(StoreError::Closed),
            Some(writer) if writer.is_finished() => return Err(writer_stopped()),
            Some(_) => {}
        }
        // The reason without the path: /healthz is public.
        self.write(|conn| {
            write_health_row(conn).map_err(|e| {
                StoreError::Unusable(format!(
                    "the database does not take writes ({e}): check the disk's free space and \
                     the file's permissions"
                ))
            })
        })?;
        self.read(|conn| Ok(conn.query_row("SELECT count(*) FROM tenants", [], |_| Ok(()))?))
    }

    fn close(&self) {
        // Stops the writer after the jobs already queued; later writes fail with Closed.
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(handle) = self
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            let _ = handle.join();
        }
    }

    fn create_tenant(
        &self,
        name: &str,
        token_hash: [u8; 32],
        now: i64,
    ) -> Result<TenantId, StoreError> {
        let name = name.to_owned();
        self.write(move |conn| {
            let exists: Option<i64> = conn
                .query_row("SELECT id FROM tenants WHERE name = ?1", [&name], |r| {
                    r.get(0)
                })
                .optional()?;
            if exists.is_some() {
                return Err(StoreError::Conflict(format!(
                    "a tenant named {name:?} already exists; choose another name"
                )));
            }
            conn.execute(
                "INSERT INTO tenants (name, token_hash, created_at) VALUES (?1, ?2, ?3)",
                params![name, &token_hash[..], now],
            )?;
            Ok(TenantId(conn.last_insert_rowid()))
        })
    }

    fn tenant_by_name(&self, name: &str) -> Result<Option<TenantId>, StoreError> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached("SELECT id FROM tenants WHERE name = ?1")?
                .query_row([name], |r| r.get(0))
                .optional()?)
        })
    }

    fn tenant_by_token(&self, token_hash: &[u8; 32]) -> Result<Option<TenantId>, StoreError> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT id FROM tenants WHERE token_hash = ?1 AND revoked_at IS NULL",
                )?
                .query_row([&token_hash[..]], |r| r.get(0))
                .optional()?)
        })
    }

    fn rotate_token(&self, name: &str, token_hash: [u8; 32]) -> Result<(), StoreError> {
        let name = name.to_owned();
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE tenants SET token_hash = ?2, revoked_at = NULL WHERE name = ?1",
                params![name, &token_hash[..]],
            )?;
            match changed {
                0 => Err(no_tenant(&name)),
                _ => Ok(()),
            }
        })
    }

    fn revoke_token(&self, name: &str, now: i64) -> Result<(), StoreError> {
        let name = name.to_owned();
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE tenants SET revoked_at = ?2 WHERE name = ?1",
                params![name, now],
            )?;
            match changed {
                0 => Err(no_tenant(&name)),
                _ => Ok(()),
            }
        })
    }

    fn bots_of(&self, name: &str) -> Result<Vec<String>, StoreError> {
        self.read(|conn| {
            if conn
                .query_row("SELECT 1 FROM tenants WHERE name = ?1", [name], |_| Ok(()))
                .optional()?
                .is_none()
            {
                return Err(no_tenant(name));
            }
            let mut stmt = conn.prepare_cached(
                "SELECT b.webhook_id FROM bots b JOIN tenants t ON t.id = b.tenant_id
                  WHERE t.name = ?1 ORDER BY b.created_at, b.webhook_id",
            )?;
            let ids = stmt.query_map([name], |r| r.get(0))?;
            Ok(ids.collect::<Result<Vec<String>, _>>()?)
        })
    }

    fn remove_bot(&self, name: &str, webhook_id: &str) -> Result<(), StoreError> {
        let (name, webhook_id) = (name.to_owned(), webhook_id.to_owned());
        self.write(move |conn| {
            let removed = conn.execute(
                "DELETE FROM bots WHERE webhook_id = ?2
                   AND tenant_id = (SELECT id FROM tenants WHERE name = ?1)",
                params![name, webhook_id],
            )?;
            match removed {
                0 => Err(StoreError::NotFound(format!(
                    "tenant {name:?} has no bot with webhook ID {webhook_id:?}; \
                     `telegram-relay bot list --tenant {name}` lists them"
                ))),
                _ => Ok(()),
            }
        })
    }

    fn add_bot(&self, bot: &Bot, now: i64) -> Result<(), StoreError> {
        let bot = bot.clone();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO bots (webhook_id, tenant_id, secret_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![bot.webhook_id, bot.tenant_id, &bot.secret_hash[..], now],
            )?;
            Ok(())
        })
    }

    fn bot(&self, webhook_id: &str) -> Result<Option<Bot>, StoreError> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached("SELECT tenant_id, secret_hash FROM bots WHERE webhook_id = ?1")?
                .query_row([webhook_id], |r| {
                    let hash: Vec<u8> = r.get(1)?;
                    Ok((r.get::<_, TenantId>(0)?, hash))
                })
                .optional()?
                .and_then(|(tenant_id, hash)| {
                    Some(Bot {
                        webhook_id: webhook_id.to_owned(),
                        tenant_id,
                        secret_hash: hash.try_into().ok()?,
                    })
                }))
        })
    }

    fn ingest_update(
        &self,
        bot: &Bot,
        update: ParsedUpdate,
        now: i64,
    ) -> Result<IngestOutcome, StoreError> {
        let bot = bot.clone();
        self.write(move |conn| {
            if let Some(update_id) = update.update_id {
                let fresh = conn
                    .prepare_cached(
                        "INSERT OR IGNORE INTO seen_updates (webhook_id, update_id) VALUES (?1, ?2)",
                    )?
                    .execute(params![bot.webhook_id, update_id])?;
                if fresh == 0 {
                    return Ok(IngestOutcome::Duplicate);
                }
            }
            match update.content {
                UpdateContent::Events(events) => {
                    let space_bot = Some(bot.webhook_id.as_str());
                    for event in &events {
                        let new = apply::event(conn, bot.tenant_id, space_bot, event, now)?;
                        // The outbox: a new incoming message in a private chat, from a person
                        // (not a bot), asks for a sync of its sender, committed with the message.
                        // "New" includes an edited version that arrived before its original.
                        if let (true, crate::telegram::Event::Message(m)) = (new, event)
                            && m.direction == telegram_relay_api::Direction::In
                            && !m.from_bot
                            && let Some(person) = m.person
                        {
                            outbox::enqueue(conn, bot.tenant_id, person, now)?;
                        }
                    }
                    Ok(IngestOutcome::Stored)
                }
                UpdateContent::Ignored(reason) => Ok(IngestOutcome::Ignored(reason)),
                UpdateContent::Quarantine { reason, raw } => {
                    conn.execute(
                        "INSERT INTO quarantine (tenant_id, webhook_id, update_id, received_at, reason, body)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![bot.tenant_id, bot.webhook_id, update.update_id, now, reason, raw],
                    )?;
                    Ok(IngestOutcome::Quarantined(reason))
                }
            }
        })
    }

    fn import_events(
        &self,
        tenant: TenantId,
        events: Vec<crate::telegram::Event>,
        now: i64,
    ) -> Result<usize, StoreError> {
        self.write(move |conn| {
            let mut new = 0;
            for event in &events {
                if apply::event(conn, tenant, None, event, now)? {
                    new += 1;
                }
            }
            Ok(new)
        })
    }

    fn quarantine(&self, tenant: Option<TenantId>) -> Result<Vec<QuarantinedUpdate>, StoreError> {
        self.read(|conn| read::quarantine(conn, tenant))
    }

    fn person(&self, tenant: TenantId, sender: SenderId) -> Result<Option<Person>, StoreError> {
        self.read(|conn| read::person(conn, tenant, sender))
    }

    fn messages(
        &self,
        tenant: TenantId,
        sender: SenderId,
        start: PageStart,
        limit: u32,
    ) -> Result<Option<MessagePage>, StoreError> {
        self.read(|conn| read::messages(conn, tenant, sender, start, limit))
    }

    fn search(
        &self,
        tenant: TenantId,
        q: &str,
        limit: u32,
    ) -> Result<Vec<PersonSummary>, StoreError> {
        self.read(|conn| read::search(conn, tenant, q, limit))
    }

    fn directory(
        &self,
        tenant: TenantId,
        after: Revision,
        limit: u32,
    ) -> Result<DirectoryPage, StoreError> {
        self.read(|conn| read::directory(conn, tenant, after, limit))
    }

    fn all_people(&self, tenant: TenantId) -> Result<Vec<TelegramPerson>, StoreError> {
        self.read(|conn| read::all_people(conn, tenant))
    }

    fn add_link_event(
        &self,
        tenant: TenantId,
        event: NewLinkEvent,
        now: i64,
    ) -> Result<LinkEvent, StoreError> {
        self.write(move |conn| apply::link_event(conn, tenant, event, now))
    }

    fn add_link_events(
        &self,
        tenant: TenantId,
        events: Vec<NewLinkEvent>,
        now: i64,
    ) -> Result<(usize, usize), StoreError> {
        self.write(move |conn| apply::link_events(conn, tenant, events, now))
    }

    fn link_events(
        &self,
        tenant: TenantId,
        filter: &LinkFilter,
    ) -> Result<Vec<LinkEvent>, StoreError> {
        self.read(|conn| read::link_events(conn, tenant, filter))
    }

    fn put_document(
        &self,
        tenant: TenantId,
        key: String,
        body: String,
        now: i64,
    ) -> Result<(), StoreError> {
        self.write(move |conn| {
            conn.prepare_cached(
                "INSERT INTO plugin_documents (tenant_id, key, body, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (tenant_id, key) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            )?
            .execute(rusqlite::params![tenant, key, body, now])?;
            Ok(())
        })
    }

    fn documents(
        &self,
        tenant: TenantId,
        prefix: &str,
    ) -> Result<Vec<telegram_relay_api::Document>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT key, body, updated_at FROM plugin_documents
                  WHERE tenant_id = ?1 AND substr(key, 1, length(?2)) = ?2 ORDER BY key",
            )?;
            let rows = stmt.query_map(rusqlite::params![tenant, prefix], |r| {
                Ok(telegram_relay_api::Document {
                    key: r.get(0)?,
                    body: r.get(1)?,
                    updated_at: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn crm_connect(&self, connection: crm::Connection, now: i64) -> Result<(), StoreError> {
        self.write(move |conn| outbox::connect(conn, &connection, now))
    }

    fn crm_set_state(
        &self,
        tenant: TenantId,
        state: crm::State,
        error: Option<String>,
        now: i64,
    ) -> Result<(), StoreError> {
        self.write(move |conn| outbox::set_state(conn, tenant, state, error.as_deref(), now))
    }

    fn crm_connections(&self) -> Result<Vec<(crm::Connection, crm::State)>, StoreError> {
        self.read(outbox::connections)
    }

    fn crm_status(&self, tenant: TenantId) -> Result<Option<crm::Status>, StoreError> {
        self.read(|conn| outbox::status(conn, tenant))
    }

    fn crm_lag(&self) -> Result<(u64, Option<i64>), StoreError> {
        self.read(outbox::lag)
    }

    fn crm_claim(
        &self,
        tenant: TenantId,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<crm::Job>, StoreError> {
        self.write(move |conn| outbox::claim(conn, tenant, now_ms, lease_ms, limit))
    }

    fn crm_next_due(&self) -> Result<Option<i64>, StoreError> {
        self.read(outbox::next_due)
    }

    fn crm_subject(&self, tenant: TenantId, sender: SenderId) -> Result<crm::Subject, StoreError> {
        self.read(|conn| outbox::subject(conn, tenant, sender))
    }

    fn crm_finish(
        &self,
        job: crm::Job,
        outcome: crm::Outcome,
        now: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        self.write(move |conn| outbox::finish(conn, &job, outcome, now, now_ms))
    }

    fn crm_retry(&self, tenant: TenantId, now_ms: i64) -> Result<usize, StoreError> {
        self.write(move |conn| outbox::retry(conn, tenant, now_ms))
    }

    fn crm_backfill_plan(&self, tenant: TenantId) -> Result<crm::BackfillPlan, StoreError> {
        self.read(|conn| outbox::backfill_plan(conn, tenant))
    }

    fn crm_enqueue(
        &self,
        tenant: TenantId,
        senders: Vec<SenderId>,
        now: i64,
    ) -> Result<usize, StoreError> {
        self.write(move |conn| outbox::enqueue_all(conn, tenant, &senders, now))
    }

    fn set_bot_token(
        &self,
        webhook_id: &str,
        sealed: Vec<u8>,
        username: String,
    ) -> Result<bool, StoreError> {
        let webhook_id = webhook_id.to_owned();
        self.write(move |conn| replies::set_token(conn, &webhook_id, &sealed, &username))
    }

    fn reply_begin(
        &self,
        tenant: TenantId,
        draft: crate::reply::Draft,
        now: i64,
    ) -> Result<crate::reply::Begin, StoreError> {
        self.write(move |conn| replies::begin(conn, tenant, &draft, now))
    }

    fn reply_finish(
        &self,
        tenant: TenantId,
        draft: crate::reply::Draft,
        outcome: crate::reply::Finish,
        now: i64,
    ) -> Result<Option<telegram_relay_api::Message>, StoreError> {
        self.write(move |conn| replies::finish(conn, tenant, &draft, outcome, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_that_takes_no_writes_is_named_and_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relay.db");
        let store = SqliteStorage::open(&path).unwrap();
        store.health().unwrap();
        let checked: i64 = store
            .read(|c| Ok(c.query_row("SELECT checked_at FROM relay_health", [], |r| r.get(0))?))
            .unwrap();
        assert!(
            checked > 1_700_000_000,
            "the health check committed a write ({checked})"
        );
        store.close();
        // As SQLite opens a file it may not write (root ignores file modes, so the test opens it
        // read-only itself).
        let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let StoreError::Unusable(why) = check_writable(&conn, &path).unwrap_err() else {
            panic!("not an unusable-database error");
        };
        assert!(
            why.contains("relay.db is read-only") && why.contains("--db"),
            "{why}"
        );
        let StoreError::Unusable(why) = probe_write(&conn, &path).unwrap_err() else {
            panic!("not an unusable-database error");
        };
        assert!(
            why.contains("relay.db does not take writes") && why.contains("readonly"),
            "{why}"
        );
    }

    #[test]
    fn a_failing_or_panicking_job_does_not_spoil_its_batch() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStorage::open(&dir.path().join("t.db")).unwrap());
        let threads: Vec<_> = (0..24)
            .map(|i| {
                let store = store.clone();
                // Names t0..t11 twice: one of each pair must fail with a conflict.
                std::thread::spawn(move || {
                    store.create_tenant(&format!("t{}", i % 12), [i as u8; 32], 0)
                })
            })
            .collect();
        let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        let conflicts = results
            .iter()
            .filter(|r| matches!(r, Err(StoreError::Conflict(_))))
            .count();
        assert_eq!(
            (conflicts, results.iter().filter(|r| r.is_ok()).count()),
            (12, 12)
        );

        let panicked = store.write(|conn| -> Result<(), StoreError> {
            conn.execute("INSERT INTO counters VALUES ('half-written', 1)", [])?;
            panic!("a bug in a job");
        });
        assert!(matches!(panicked, Err(StoreError::Unusable(_))));
        let leftover: i64 = store
            .read(|c| {
                Ok(c.query_row(
                    "SELECT count(*) FROM counters WHERE name = 'half-written'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert_eq!(leftover, 0, "the panicking job's insert was rolled back");
        for i in 0..12 {
            assert!(store.tenant_by_name(&format!("t{i}")).unwrap().is_some());
        }
        store.create_tenant("after", [99; 32], 0).unwrap();
    }

    fn counter(store: &SqliteStorage, name: &'static str) -> i64 {
        store
            .read(|c| {
                Ok(c.query_row(
                    "SELECT count(*) FROM counters WHERE name = ?1",
                    [name],
                    |r| r.get(0),
                )?)
            })
            .unwrap()
    }

    /// Guards against answering "stored" for work SQLite rolled back by itself (disk full, I/O
    /// error), and against running the rest of the batch outside a transaction.
    #[test]
    fn a_batch_whose_transaction_sqlite_rolled_back_answers_every_job_with_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let store = SqliteStorage::open(&path).unwrap();
        let conn = open_connection(&path, false).unwrap();
        let insert = |name: &'static str| {
            move |c: &Connection| -> Result<(), StoreError> {
                c.execute("INSERT INTO counters VALUES (?1, 1)", [name])?;
                Ok(())
            }
        };
        let (before, before_rx) = job(insert("before"));
        // What SQLite does on SQLITE_FULL or SQLITE_IOERR: the transaction is gone.
        let (rollback, rollback_rx) = job(|c: &Connection| -> Result<(), StoreError> {
            c.execute_batch("ROLLBACK")?;
            Ok(())
        });
        let (after, after_rx) = job(insert("after"));
        run_batch(&conn, vec![before, rollback, after]);
        for (name, rx) in [
            ("before", before_rx),
            ("rollback", rollback_rx),
            ("after", after_rx),
        ] {
            assert!(
                rx.recv().unwrap().is_err(),
                "{name} must be answered with an error"
            );
        }
        assert!(conn.is_autocommit(), "no transaction is left open");
        assert_eq!(
            (counter(&store, "before"), counter(&store, "after")),
            (0, 0)
        );
        // The writer goes on with the next batch.
        let (next, next_rx) = job(insert("next"));
        run_batch(&conn, vec![next]);
        next_rx.recv().unwrap().unwrap();
        assert_eq!(counter(&store, "next"), 1);
    }

    /// Guards against a relay whose writer thread died still reporting healthy, or answering
    /// writes as if it were shutting down on purpose.
    #[test]
    fn a_dead_writer_fails_health_and_every_write_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStorage::open(&dir.path().join("t.db")).unwrap();
        store.health().unwrap();
        // A completion that panics is outside the writer's per-job guard: it ends the thread.
        let fatal = Job {
            run: Box::new(|_| (true, Box::new(|_| panic!("simulated writer crash")))),
            abort: Box::new(|_| {}),
        };
        store
            .jobs
            .lock()
            .unwrap()
            .as_ref()
            .unwrap()
            .send(fatal)
            .unwrap();
        while !store.writer.lock().unwrap().as_ref().unwrap().is_finished() {
            std::thread::sleep(Duration::from_millis(5));
        }
        let health = store.health().unwrap_err().to_string();
        assert!(health.contains("writer thread stopped"), "{health}");
        let write = store.create_tenant("x", [1; 32], 0).unwrap_err();
        assert!(
            matches!(&write, StoreError::Unusable(m) if m.contains("restart the relay")),
            "{write:?}"
        );
    }

    /// Guards against a read that straddles a commit: a conversation page and its polling cursor
    /// from two different snapshots would make the plugin skip a message for good.
    #[test]
    fn a_read_sees_one_snapshot_even_when_a_write_commits_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStorage::open(&dir.path().join("t.db")).unwrap());
        store.create_tenant("a", [1; 32], 0).unwrap();
        let count = |c: &Connection| -> Result<i64, StoreError> {
            Ok(c.query_row("SELECT count(*) FROM tenants", [], |r| r.get(0))?)
        };
        let (first, second) = store
            .read(|c| {
                let first = count(c)?;
                let writer = store.clone();
                std::thread::spawn(move || writer.create_tenant("b", [2; 32], 0))
                    .join()
                    .unwrap()?;
                Ok((first, count(c)?))
            })
            .unwrap();
        assert_eq!((first, second), (1, 1));
        assert_eq!(
            store.read(count).unwrap(),
            2,
            "the next read sees the commit"
        );
    }

    /// Guards against the search index missing people: those of a database made before the index
    /// existed, people inserted later, and changed search keys; and against search falling back to
    /// reading every person when the query has a word of three or more characters.
    #[test]
    fn the_search_index_covers_old_new_and_changed_people_and_is_used() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        {
            // A database at schema version 1, with people.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute_batch(
                "INSERT INTO tenants VALUES (1, 'a', x'00', 0);
                 INSERT INTO people (tenant_id, sender_id, first_name, last_name, username,
                                     phone, first_seen, last_seen, profile_at, rev, search_key)
                 VALUES (1, 11, 'Lucía', 'Fernández', 'lucia_fg', '+34612345678', 0, 0, 0, 1,
                         'lucía fernández lucia_fg 34612345678'),
                        (1, 12, 'Jon', 'Perk', NULL, '447700900123', 0, 0, 0, 2,
                         'jon perk  447700900123'),
                        (1, 14, 'Андрей', 'Иванов', NULL, NULL, 0, 0, 0, 3, 'андрей иванов  ');",
            )
            .unwrap();
        }
        let store = SqliteStorage::open(&path).unwrap();
        let found = |q: &str| -> Vec<u64> {
            let mut ids: Vec<u64> = store
                .search(TenantId(1), q, 10)
                .unwrap()
                .iter()
                .map(|p| p.sender_id.get())
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(found("fernández"), [11]);
        // Migration 8 refolded the keys written before it, and the index followed.
        assert_eq!(found("fernandez lucia"), [11]);
        assert_eq!(found("andrei"), [14]);
        assert_eq!(found("7700900"), [12]);
        assert_eq!(found("jo"), [12], "short words are found without the index");
        store
            .write(|c| {
                c.execute_batch(
                    "INSERT INTO people (tenant_id, sender_id, first_name, first_seen, last_seen,
                                         profile_at, rev, search_key)
                     VALUES (1, 13, 'Олена', 0, 0, 0, 3, 'олена коваленко olena_k ');
                     UPDATE people SET search_key = 'jon perk jperk 447700900123'
                      WHERE sender_id = 12;",
                )?;
                Ok(())
            })
            .unwrap();
        assert_eq!(found("коваленко"), [13]);
        assert_eq!(found("jperk"), [12]);
        assert_eq!(found("perk jon"), [12]);
        assert_eq!(found("lucia_fg perk"), Vec::<u64>::new());
        for q in ["perk", "perk jon", "+44 7700"] {
            let (sql, values) = read::search_query(TenantId(1), q, 10).unwrap();
            let plan: Vec<String> = store
                .read(|c| {
                    let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                    let rows = stmt.query_map(rusqlite::params_from_iter(values), |r| {
                        r.get::<_, String>(3)
                    })?;
                    Ok(rows.collect::<Result<_, _>>()?)
                })
                .unwrap();
            let plan = plan.join("\n");
            assert!(
                plan.contains("people_search VIRTUAL TABLE")
                    && plan.contains("people_by_search_rowid"),
                "{q}: {plan}"
            );
        }
    }
}
