//! SQLite specifics of [`Database`](super::Database): opening the file (WAL, `synchronous=FULL`),
//! refusing one that takes no writes, and the numbered migrations of
//! [`migrations`](super::migrations).

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::migrations::{MIGRATIONS, REFOLD_SEARCH_KEYS};
use super::sql::{Backend, Conn};
use super::{StoreError, apply};

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Backend {
            backend: Backend::Sqlite.name(),
            message: e.to_string(),
        }
    }
}

/// Opens the writer's connection to `path` (creating the file and its directory), checks that it
/// takes writes and brings its schema up to date.
pub(super) fn open_for_writing(path: &Path) -> Result<Connection, StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Unusable(format!(
                "cannot create the directory {} for the database: {e}; pass another --db",
                dir.display()
            ))
        })?;
    }
    open_connection(path, false)
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
        })
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

/// The start-up write probe, with a message naming the file.
pub(crate) fn probe_write(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    super::database::write_health_row(&Conn::Sqlite(conn), super::database::unix_now()).map_err(
        |e| {
            StoreError::Unusable(format!(
                "the database {} does not take writes ({e}): check the disk's free space and \
                 the file's permissions",
                path.display()
            ))
        },
    )
}

pub(super) fn open_connection(path: &Path, read_only: bool) -> Result<Connection, StoreError> {
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
            apply::refold_search_keys(&Conn::Sqlite(&tx))?;
        }
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        tracing::info!(migration = i + 1, "applied schema migration");
    }
    Ok(())
}
