//! [`Database`]: the [`Storage`] of the relay on a SQL database, SQLite (one file, the embedded
//! default) or PostgreSQL (a server several relay processes share). One writer thread per process
//! does group commit; reads run on a small pool of connections, each in one transaction.
//!
//! Durability: a write method returns only after the commit of the transaction holding its
//! changes; a webhook is answered only after that. SQLite runs in WAL mode with
//! `synchronous=FULL`, so every commit syncs the WAL before it returns; PostgreSQL commits with its
//! default `synchronous_commit = on` (the WAL is flushed before the commit is acknowledged). Both
//! survive `kill -9` of the relay and a crash of the machine (on a disk that honours fsync).
//!
//! Group commit: every write is a job sent to the writer thread. The writer takes the first job,
//! then every job already waiting (up to [`MAX_BATCH`]), runs each inside its own savepoint of one
//! transaction, commits once, and only then answers each job. One fsync serves the whole batch; a
//! job that fails rolls back to its savepoint without touching the others.
//!
//! Several processes on one PostgreSQL database: each batch first takes a transaction-level
//! advisory lock ([`postgres::WRITE_LOCK`]), so the batches of all processes commit one after
//! another, exactly as SQLite's single writer does. That keeps the polling promise of
//! [`Storage`] (revisions become visible in increasing order, because the revision counter is
//! taken and committed under the lock) and rules out deadlocks between writers. Several processes
//! buy availability and read capacity, not write throughput: that stays one writer's group commit.

use std::cell::RefCell;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
#[cfg(test)]
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::sync::{Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

use telegram_identity::TelegramPerson;
use telegram_relay_api::{
    DirectoryPage, LinkEvent, MessagePage, NewLinkEvent, Person, PersonSummary, SenderId,
};

pub use super::copy::TableCopy;
use super::sql::{Backend, Conn, PgClient};
use super::{
    Bot, IngestOutcome, LinkFilter, PageStart, ParsedUpdate, QuarantinedUpdate, Revision, Storage,
    StoreError, TenantId, UpdateContent, apply, copy, outbox, postgres, read, replies, sqlite,
};
use crate::crm;

/// The most jobs one transaction takes.
pub const MAX_BATCH: usize = 1024;

/// The most jobs one PostgreSQL transaction takes: each job's savepoint is a subtransaction, and
/// past 64 in one transaction every snapshot on the server overflows its subtransaction cache
/// (a known slowdown for all sessions).
const MAX_PG_BATCH: usize = 64;

/// The most read connections open at once, per process; a read waits for one when all are busy
/// (an HTTP burst must not open a PostgreSQL connection per request).
const MAX_READERS: usize = 16;

type Completion = Box<dyn FnOnce(Result<(), String>) + Send>;
type Run = Box<dyn FnOnce(&Conn<'_>) -> (bool, Completion) + Send>;
/// A write: `run` applies it inside a savepoint and says whether it succeeded, returning how to
/// answer once the commit is known; `abort` answers it without running (the transaction could not
/// start).
struct Job {
    run: Run,
    abort: Box<dyn FnOnce(String) + Send>,
}

/// Where the database is.
#[derive(Clone)]
pub(super) enum Location {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL server and database.
    Postgres(Box<::postgres::Config>),
}

/// An open connection of either backend.
pub(super) enum Connection {
    Sqlite(rusqlite::Connection),
    Postgres(Box<PgClient>),
}

impl Connection {
    /// Runs `f` with this connection as a [`Conn`].
    fn with<T>(&mut self, f: impl FnOnce(&Conn<'_>) -> T) -> T {
        match self {
            Connection::Sqlite(c) => f(&Conn::Sqlite(c)),
            Connection::Postgres(c) => f(&Conn::Postgres(RefCell::new(c))),
        }
    }

    /// Whether the connection can no longer be used (the server closed it).
    fn is_broken(&self) -> bool {
        match self {
            Connection::Sqlite(_) => false,
            Connection::Postgres(c) => c.client.is_closed(),
        }
    }
}

impl Location {
    fn connect(&self, read_only: bool) -> Result<Connection, StoreError> {
        match self {
            Location::Sqlite(path) => {
                sqlite::open_connection(path, read_only).map(Connection::Sqlite)
            }
            Location::Postgres(config) => {
                postgres::connect(config).map(|c| Connection::Postgres(Box::new(c)))
            }
        }
    }

    fn backend(&self) -> Backend {
        match self {
            Location::Sqlite(_) => Backend::Sqlite,
            Location::Postgres(_) => Backend::Postgres,
        }
    }
}

/// The SQL implementation of [`Storage`]. See the module documentation.
pub struct Database {
    location: Location,
    jobs: Mutex<Option<Sender<Job>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    readers: ReadPool,
}

/// The read connections: at most [`MAX_READERS`] open, the idle ones reused.
struct ReadPool {
    state: Mutex<PoolState>,
    freed: Condvar,
}

struct PoolState {
    idle: Vec<Connection>,
    /// Connections open: idle or leased (or being opened).
    open: usize,
}

/// A read connection in use; it goes back to the pool when dropped, if `reusable`.
struct Lease<'a> {
    pool: &'a ReadPool,
    conn: Option<Connection>,
    /// Set once its read transaction ended cleanly: a connection left inside a transaction (a
    /// failed `ROLLBACK`, a panic) would serve the next read an old snapshot.
    reusable: bool,
}

impl ReadPool {
    fn new() -> ReadPool {
        ReadPool {
            state: Mutex::new(PoolState {
                idle: Vec::new(),
                open: 0,
            }),
            freed: Condvar::new(),
        }
    }

    fn take(&self, location: &Location) -> Result<Lease<'_>, StoreError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(conn) = state.idle.pop() {
                return Ok(Lease {
                    pool: self,
                    conn: Some(conn),
                    reusable: false,
                });
            }
            if state.open < MAX_READERS {
                state.open += 1;
                drop(state);
                // Counted before it exists: if opening fails, the lease's drop gives the slot back.
                let mut lease = Lease {
                    pool: self,
                    conn: None,
                    reusable: false,
                };
                lease.conn = Some(location.connect(true)?);
                return Ok(lease);
            }
            state = self
                .freed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Takes the idle connections out (at shutdown).
    fn drain(&self) -> Vec<Connection> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let idle = std::mem::take(&mut state.idle);
        state.open -= idle.len();
        idle
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let mut state = self
            .pool
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match self.conn.take() {
            Some(conn) if self.reusable && !conn.is_broken() => state.idle.push(conn),
            _ => state.open -= 1,
        }
        drop(state);
        self.pool.freed.notify_one();
    }
}

impl Database {
    /// Opens (creating if needed) the SQLite database at `path` and brings its schema up to date.
    pub fn open_sqlite(path: &Path) -> Result<Database, StoreError> {
        let conn = sqlite::open_for_writing(path)?;
        Database::start(Location::Sqlite(path.to_owned()), Connection::Sqlite(conn))
    }

    /// Connects to the PostgreSQL database `url` (`postgres://user:password@host:port/db`, or
    /// `postgresql://…`, with the driver's query parameters such as `host=/run/postgresql` for a
    /// socket) and brings its schema up to date. Errors never repeat the URL (it may hold a
    /// password).
    pub fn open_postgres(url: &str) -> Result<Database, StoreError> {
        Database::postgres(url, false)
    }

    /// Like [`Database::open_postgres`], for a database that must hold the relay's tables
    /// already (the commands that read or change a relay's data).
    pub fn open_existing_postgres(url: &str) -> Result<Database, StoreError> {
        Database::postgres(url, true)
    }

    fn postgres(url: &str, existing: bool) -> Result<Database, StoreError> {
        let config = postgres::parse_url(url)?;
        let conn = postgres::open_for_writing(&config, existing)?;
        Database::start(
            Location::Postgres(Box::new(config)),
            Connection::Postgres(Box::new(conn)),
        )
    }

    fn start(location: Location, writer_conn: Connection) -> Result<Database, StoreError> {
        let (tx, rx) = channel::<Job>();
        let reconnect = location.clone();
        let writer = std::thread::Builder::new()
            .name(format!("{}-writer", location.backend().name()))
            .spawn(move || writer_loop(writer_conn, &reconnect, rx))
            .map_err(|e| StoreError::Unusable(format!("cannot start the writer thread: {e}")))?;
        Ok(Database {
            location,
            jobs: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
            readers: ReadPool::new(),
        })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.location.backend()
    }

    /// Runs `f` in the writer's transaction and waits until it is committed.
    pub fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Conn<'_>) -> Result<T, StoreError> + Send + 'static,
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
        f: impl FnOnce(&Conn<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut lease = self.readers.take(&self.location)?;
        let conn = lease.conn.as_mut().expect("a lease holds its connection");
        // One read transaction: every statement of `f` sees the same snapshot, so a page and the
        // polling cursor computed after it cannot straddle a commit (which would skip a message).
        let (result, ended) = conn.with(|c| {
            let begin = match c.backend() {
                Backend::Sqlite => "BEGIN DEFERRED",
                Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
            };
            if let Err(e) = c.batch(begin) {
                return (Err(e), false);
            }
            let result = f(c);
            // Nothing was written: ending the transaction either way only lets the snapshot go.
            let end = c.batch(if result.is_ok() { "COMMIT" } else { "ROLLBACK" });
            let ended = end.is_ok();
            (result.and_then(|value| end.map(|()| value)), ended)
        });
        lease.reusable = ended;
        result
    }

    /// Copies every table, or `tenant`'s rows, into `to` (which must hold no tenant yet): one
    /// snapshot of this database, one transaction of `to`, each table verified by its row count
    /// and checksum read back (see [`copy`](super::copy)). Nothing is committed unless all of it
    /// is.
    pub fn copy_to(
        &self,
        to: &Database,
        tenant: Option<TenantId>,
    ) -> Result<Vec<TableCopy>, StoreError> {
        self.read(|from| {
            let mut conn = to.location.connect(false)?;
            conn.with(|to| {
                to.batch(begin_write(to.backend()))?;
                match copy::copy(from, to, tenant) {
                    Ok(report) => to.batch("COMMIT").map(|()| report),
                    Err(e) => {
                        let _ = to.batch("ROLLBACK");
                        Err(e)
                    }
                }
            })
        })
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
    f: impl FnOnce(&Conn<'_>) -> Result<T, StoreError> + Send + 'static,
) -> (Job, Receiver<Result<T, StoreError>>) {
    let (done_tx, done_rx): (SyncSender<Result<T, StoreError>>, Receiver<_>) = sync_channel(1);
    let abort_tx = done_tx.clone();
    let abort = Box::new(move |message: String| {
        let _ = abort_tx.send(Err(StoreError::Unusable(format!(
            "cannot write: {message}"
        ))));
    });
    let run = Box::new(move |conn: &Conn<'_>| {
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

impl Drop for Database {
    fn drop(&mut self) {
        self.close();
    }
}

fn no_tenant(name: &str) -> StoreError {
    StoreError::NotFound(format!(
        "no tenant named {name:?}; create it with `telegram-relay tenant create {name}`"
    ))
}

/// Writes the health row: proves the database takes writes now (not read-only, disk not full).
/// Used at start-up and, committed by the writer, by `/healthz`.
pub(super) fn write_health_row(conn: &Conn<'_>, now: i64) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO relay_health (id, checked_at) VALUES (1, ?1)
         ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
        &[&now],
    )
    .map(|_| ())
}

pub(super) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn writer_loop(mut conn: Connection, location: &Location, jobs: Receiver<Job>) {
    let most = match location.backend() {
        Backend::Sqlite => MAX_BATCH,
        Backend::Postgres => MAX_PG_BATCH,
    };
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < most {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        // A PostgreSQL server that restarted closed the connection: open another.
        if conn.is_broken() {
            match location.connect(false) {
                Ok(fresh) => conn = fresh,
                Err(e) => {
                    tracing::error!(error = %e, "cannot reconnect the writer");
                    for job in batch {
                        (job.abort)(e.to_string());
                    }
                    continue;
                }
            }
        }
        conn.with(|c| run_batch(c, batch));
    }
}

/// Runs `batch` in one transaction, each job in its own savepoint, commits once, then answers every
/// job. A job is answered with success only when the commit that holds it succeeded.
/// How a write transaction begins (on PostgreSQL, with the write lock).
fn begin_write(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => postgres::BEGIN_WRITE,
    }
}

fn run_batch(conn: &Conn<'_>, batch: Vec<Job>) {
    // Transaction control rides along with the next statement where it can ("RELEASE job;
    // SAVEPOINT job" between two jobs): each batch is one round trip to a database server.
    if let Err(e) = conn.batch(&format!("{}; SAVEPOINT job", begin_write(conn.backend()))) {
        tracing::error!(error = %e, "cannot begin a write transaction");
        // The transaction may have begun before its first savepoint failed.
        let _ = conn.batch("ROLLBACK");
        for job in batch {
            (job.abort)(e.to_string());
        }
        return;
    }
    let mut completions = Vec::with_capacity(batch.len());
    // Set when the transaction is gone: nothing of this batch will be committed.
    let mut lost: Option<String> = None;
    let mut jobs = batch.into_iter().peekable();
    while let Some(job) = jobs.next() {
        // A panicking job is rolled back alone; its caller sees the write fail.
        let run = job.run;
        let (ok, done) = match std::panic::catch_unwind(AssertUnwindSafe(|| run(conn))) {
            Ok((ok, done)) => (ok, Some(done)),
            Err(_) => {
                tracing::error!("a write job panicked; it was rolled back");
                (false, None)
            }
        };
        let end = match (ok, jobs.peek().is_some()) {
            (true, false) => "RELEASE job",
            (true, true) => "RELEASE job; SAVEPOINT job",
            (false, false) => "ROLLBACK TO job; RELEASE job",
            (false, true) => "ROLLBACK TO job; RELEASE job; SAVEPOINT job",
        };
        completions.extend(done);
        if let Err(e) = conn.batch(end) {
            // The failed job's changes might still be in the transaction: drop all of it.
            tracing::error!(error = %e, "cannot end a savepoint; the batch is rolled back");
            let _ = conn.batch("ROLLBACK");
            lost = Some(format!("cannot end a savepoint: {e}"));
            break;
        }
        // SQLite rolls the whole transaction back by itself on some errors (disk full, I/O
        // error); a PostgreSQL connection can drop. Then the jobs before this one are lost too,
        // and the next ones must not run outside a transaction (each would commit on its own,
        // unanswered).
        if !conn.in_transaction() {
            tracing::error!(
                "the database rolled the write transaction back (disk full, I/O error or a \
                 lost connection?)"
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
        None => conn.batch("COMMIT").map_err(|e| {
            tracing::error!(error = %e, batch = completions.len(), "commit failed; batch rolled back");
            let _ = conn.batch("ROLLBACK");
            e.to_string()
        }),
    };
    let batch_size = completions.len();
    for done in completions {
        done(commit.clone());
    }
    tracing::trace!(batch = batch_size, "committed");
}

impl Storage for Database {
    fn health(&self) -> Result<(), StoreError> {
        match &*self.writer.lock().unwrap_or_else(PoisonError::into_inner) {
            None => return Err(StoreError::Closed),
            Some(writer) if writer.is_finished() => return Err(writer_stopped()),
            Some(_) => {}
        }
        // The reason without the path: /healthz is public.
        let checked = self
            .write(|conn| {
                write_health_row(conn, unix_now()).map_err(|e| {
                    StoreError::Unusable(format!(
                        "the database does not take writes ({e}): check the disk's free space \
                         and the file's permissions"
                    ))
                })
            })
            .and_then(|()| {
                self.read(|conn| conn.query_one("SELECT count(*) FROM tenants", &[], |_| Ok(())))
            });
        match (checked, self.backend()) {
            // A server's own words can name its hosts, users and databases: logged, not answered.
            (Err(e), Backend::Postgres) => {
                tracing::error!(error = %e, "the PostgreSQL database failed the health check");
                Err(StoreError::Unusable(
                    "the PostgreSQL database does not answer or take writes; the relay's log \
                     says why"
                        .into(),
                ))
            }
            (checked, _) => checked,
        }
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
        let readers = self.readers.drain();
        // On a thread of their own: closing a PostgreSQL connection blocks on the driver's
        // runtime, which panics on a thread that drives async tasks (the last `Arc` of the
        // storage may be dropped on one).
        std::thread::scope(|s| {
            s.spawn(move || drop(readers));
        });
    }

    fn create_tenant(
        &self,
        name: &str,
        token_hash: [u8; 32],
        now: i64,
    ) -> Result<TenantId, StoreError> {
        let name = name.to_owned();
        self.write(move |conn| {
            let exists =
                conn.query_opt("SELECT id FROM tenants WHERE name = ?1", &[&name], |_| {
                    Ok(())
                })?;
            if exists.is_some() {
                return Err(StoreError::Conflict(format!(
                    "a tenant named {name:?} already exists; choose another name"
                )));
            }
            conn.query_one(
                "INSERT INTO tenants (name, token_hash, created_at) VALUES (?1, ?2, ?3)
                 RETURNING id",
                &[&name, &&token_hash[..], &now],
                |r| r.get(0),
            )
        })
    }

    fn tenant_by_name(&self, name: &str) -> Result<Option<TenantId>, StoreError> {
        self.read(|conn| {
            conn.query_opt("SELECT id FROM tenants WHERE name = ?1", &[&name], |r| {
                r.get(0)
            })
        })
    }

    fn tenant_by_token(&self, token_hash: &[u8; 32]) -> Result<Option<TenantId>, StoreError> {
        self.read(|conn| {
            conn.query_opt(
                "SELECT id FROM tenants WHERE token_hash = ?1 AND revoked_at IS NULL",
                &[&&token_hash[..]],
                |r| r.get(0),
            )
        })
    }

    fn rotate_token(&self, name: &str, token_hash: [u8; 32]) -> Result<(), StoreError> {
        let name = name.to_owned();
        self.write(move |conn| {
            let changed = conn.execute(
                "UPDATE tenants SET token_hash = ?2, revoked_at = NULL WHERE name = ?1",
                &[&name, &&token_hash[..]],
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
                &[&name, &now],
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
                .query_opt(
                    "SELECT 1 FROM tenants WHERE name = ?1",
                    &[&name],
                    |_| Ok(()),
                )?
                .is_none()
            {
                return Err(no_tenant(name));
            }
            conn.query(
                "SELECT b.webhook_id FROM bots b JOIN tenants t ON t.id = b.tenant_id
                  WHERE t.name = ?1 ORDER BY b.created_at, b.webhook_id",
                &[&name],
                |r| r.get(0),
            )
        })
    }

    fn remove_bot(&self, name: &str, webhook_id: &str) -> Result<(), StoreError> {
        let (name, webhook_id) = (name.to_owned(), webhook_id.to_owned());
        self.write(move |conn| {
            let removed = conn.execute(
                "DELETE FROM bots WHERE webhook_id = ?2
                   AND tenant_id = (SELECT id FROM tenants WHERE name = ?1)",
                &[&name, &webhook_id],
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
                "INSERT INTO bots (webhook_id, tenant_id, secret_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4)",
                &[&bot.webhook_id, &bot.tenant_id, &&bot.secret_hash[..], &now],
            )?;
            Ok(())
        })
    }

    fn bot(&self, webhook_id: &str) -> Result<Option<Bot>, StoreError> {
        self.read(|conn| {
            Ok(conn
                .query_opt(
                    "SELECT tenant_id, secret_hash FROM bots WHERE webhook_id = ?1",
                    &[&webhook_id],
                    |r| {
                        let hash: Vec<u8> = r.get(1)?;
                        Ok((r.get::<TenantId>(0)?, hash))
                    },
                )?
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
                let fresh = conn.execute(
                    "INSERT INTO seen_updates (webhook_id, update_id) VALUES (?1, ?2)
                     ON CONFLICT DO NOTHING",
                    &[&bot.webhook_id, &update_id],
                )?;
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
                        &[
                            &bot.tenant_id,
                            &bot.webhook_id,
                            &update.update_id,
                            &now,
                            &reason,
                            &raw,
                        ],
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
            conn.execute(
                "INSERT INTO plugin_documents (tenant_id, key, body, updated_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (tenant_id, key) DO UPDATE SET body = excluded.body,
                                                           updated_at = excluded.updated_at",
                &[&tenant, &key, &body, &now],
            )?;
            Ok(())
        })
    }

    fn documents(
        &self,
        tenant: TenantId,
        prefix: &str,
    ) -> Result<Vec<telegram_relay_api::Document>, StoreError> {
        self.read(|conn| {
            // A prefix is compared, not matched as a pattern: `%` and `_` in it are plain.
            conn.query(
                "SELECT key, body, updated_at FROM plugin_documents
                  WHERE tenant_id = ?1 AND substr(key, 1, length(CAST(?2 AS TEXT))) = ?2
                  ORDER BY key",
                &[&tenant, &prefix],
                |r| {
                    Ok(telegram_relay_api::Document {
                        key: r.get(0)?,
                        body: r.get(1)?,
                        updated_at: r.get(2)?,
                    })
                },
            )
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
    use std::time::Duration;

    use rusqlite::{Connection, OpenFlags};

    use super::super::migrations::MIGRATIONS;
    use super::super::sqlite::{check_writable, open_connection, probe_write};
    use super::*;

    #[test]
    fn a_database_that_takes_no_writes_is_named_and_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relay.db");
        let store = Database::open_sqlite(&path).unwrap();
        store.health().unwrap();
        let checked: i64 = store
            .read(|c| c.query_one("SELECT checked_at FROM relay_health", &[], |r| r.get(0)))
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
        let store = Arc::new(Database::open_sqlite(&dir.path().join("t.db")).unwrap());
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
            conn.execute("INSERT INTO counters VALUES ('half-written', 1)", &[])?;
            panic!("a bug in a job");
        });
        assert!(matches!(panicked, Err(StoreError::Unusable(_))));
        let leftover: i64 = store
            .read(|c| {
                c.query_one(
                    "SELECT count(*) FROM counters WHERE name = 'half-written'",
                    &[],
                    |r| r.get(0),
                )
            })
            .unwrap();
        assert_eq!(leftover, 0, "the panicking job's insert was rolled back");
        for i in 0..12 {
            assert!(store.tenant_by_name(&format!("t{i}")).unwrap().is_some());
        }
        store.create_tenant("after", [99; 32], 0).unwrap();
    }

    fn counter(store: &Database, name: &'static str) -> i64 {
        store
            .read(|c| {
                c.query_one(
                    "SELECT count(*) FROM counters WHERE name = ?1",
                    &[&name],
                    |r| r.get(0),
                )
            })
            .unwrap()
    }

    /// Guards against answering "stored" for work SQLite rolled back by itself (disk full, I/O
    /// error), and against running the rest of the batch outside a transaction.
    #[test]
    fn a_batch_whose_transaction_sqlite_rolled_back_answers_every_job_with_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let store = Database::open_sqlite(&path).unwrap();
        let conn = open_connection(&path, false).unwrap();
        let insert = |name: &'static str| {
            move |c: &Conn<'_>| -> Result<(), StoreError> {
                c.execute("INSERT INTO counters VALUES (?1, 1)", &[&name])?;
                Ok(())
            }
        };
        let (before, before_rx) = job(insert("before"));
        // What SQLite does on SQLITE_FULL or SQLITE_IOERR: the transaction is gone.
        let (rollback, rollback_rx) =
            job(|c: &Conn<'_>| -> Result<(), StoreError> { c.batch("ROLLBACK") });
        let (after, after_rx) = job(insert("after"));
        run_batch(&Conn::Sqlite(&conn), vec![before, rollback, after]);
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
        run_batch(&Conn::Sqlite(&conn), vec![next]);
        next_rx.recv().unwrap().unwrap();
        assert_eq!(counter(&store, "next"), 1);
    }

    /// Guards against a relay whose writer thread died still reporting healthy, or answering
    /// writes as if it were shutting down on purpose.
    #[test]
    fn a_dead_writer_fails_health_and_every_write_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let store = Database::open_sqlite(&dir.path().join("t.db")).unwrap();
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

    /// Guards against a burst of reads opening a connection each (on PostgreSQL, one server
    /// process per connection), and against a failed read losing its pool slot.
    #[test]
    fn reads_share_a_bounded_pool_and_a_failed_read_gives_its_connection_back() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Database::open_sqlite(&dir.path().join("t.db")).unwrap());
        let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let threads: Vec<_> = (0..3 * MAX_READERS)
            .map(|i| {
                let (store, now, most) = (store.clone(), now.clone(), most.clone());
                std::thread::spawn(move || {
                    store.read(|c| {
                        let inside = now.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(inside, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(20));
                        now.fetch_sub(1, Ordering::SeqCst);
                        if i % 2 == 0 {
                            c.query_one("SELECT count(*) FROM no_such_table", &[], |_| Ok(()))
                        } else {
                            c.query_one("SELECT count(*) FROM tenants", &[], |_| Ok(()))
                        }
                    })
                })
            })
            .collect();
        let failed = threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .filter(Result::is_err)
            .count();
        assert_eq!(
            failed,
            3 * MAX_READERS / 2,
            "the reads of a missing table failed"
        );
        let most = most.load(Ordering::SeqCst);
        assert!(most <= MAX_READERS, "{most} reads ran at once");
        assert!(most > 1, "reads ran side by side");
        let state = store.readers.state.lock().unwrap();
        assert_eq!(state.open, state.idle.len(), "every slot came back");
    }

    /// Guards against a read that straddles a commit: a conversation page and its polling cursor
    /// from two different snapshots would make the plugin skip a message for good.
    #[test]
    fn a_read_sees_one_snapshot_even_when_a_write_commits_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Database::open_sqlite(&dir.path().join("t.db")).unwrap());
        store.create_tenant("a", [1; 32], 0).unwrap();
        let count = |c: &Conn<'_>| -> Result<i64, StoreError> {
            c.query_one("SELECT count(*) FROM tenants", &[], |r| r.get(0))
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
        let store = Database::open_sqlite(&path).unwrap();
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
                c.batch(
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
            let (sql, values) = read::search_query(Backend::Sqlite, TenantId(1), q, 10).unwrap();
            let plan: Vec<String> = store
                .read(|c| {
                    let params: Vec<&dyn super::super::sql::Param> =
                        values.iter().map(|v| v as _).collect();
                    c.query(&format!("EXPLAIN QUERY PLAN {sql}"), &params, |r| r.get(3))
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
