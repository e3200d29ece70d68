//! One way to run the store's SQL on either backend. The store's functions (`apply`, `read`,
//! `outbox`, `replies`) take a [`Conn`] and write their statements once, in the dialect SQLite
//! and PostgreSQL share: `?N` placeholders (rewritten to `$N` for PostgreSQL), `ON CONFLICT`,
//! `RETURNING`, row values, `IS DISTINCT FROM`. Where the dialects differ the caller asks
//! [`Conn::backend`]; the PostgreSQL schema also defines the two-argument `min`/`max` that SQLite
//! has built in.
//!
//! Values cross as [`Param`] (in) and [`Value`] (out): the Rust types both drivers convert the
//! same way. PostgreSQL is strict about types: integers are `BIGINT` (`i64`), flags `BOOLEAN`
//! (`bool`), bytes `BYTEA`, so a statement that needs a type the context does not give casts.

use std::cell::RefCell;
use std::collections::HashMap;

use super::{StoreError, TenantId};

/// Which database a [`Conn`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, the embedded default.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// The name errors and reports use.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Prepared statements a PostgreSQL connection keeps (SQLite's cache is bounded the same way).
const STATEMENTS_KEPT: usize = 256;

/// A PostgreSQL connection with the statements it has prepared.
pub struct PgClient {
    pub(super) client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

impl PgClient {
    pub(super) fn new(client: postgres::Client) -> PgClient {
        PgClient {
            client,
            statements: HashMap::new(),
        }
    }

    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(&dollar_placeholders(sql))?;
        // Search makes a statement per shape of query; the cache keeps the last few hundred.
        if self.statements.len() >= STATEMENTS_KEPT {
            self.statements.clear();
        }
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    fn rows(
        &mut self,
        sql: &str,
        params: &[&dyn Param],
    ) -> Result<Vec<postgres::Row>, postgres::Error> {
        let statement = self.statement(sql)?;
        self.client.query(&statement, &pg_values(params))
    }
}

fn sqlite_values<'a>(
    params: &'a [&'a dyn Param],
) -> rusqlite::ParamsFromIter<impl Iterator<Item = &'a dyn rusqlite::ToSql>> {
    rusqlite::params_from_iter(params.iter().map(|p| p.sqlite()))
}

fn pg_values<'a>(params: &[&'a dyn Param]) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
    params.iter().map(|p| p.pg()).collect()
}

/// A connection inside a transaction the caller began.
pub enum Conn<'a> {
    /// A SQLite connection.
    Sqlite(&'a rusqlite::Connection),
    /// A PostgreSQL connection (its driver needs `&mut` for every statement).
    Postgres(RefCell<&'a mut PgClient>),
}

/// A value a statement takes.
pub trait Param {
    /// As SQLite takes it.
    fn sqlite(&self) -> &dyn rusqlite::ToSql;
    /// As PostgreSQL takes it.
    fn pg(&self) -> &(dyn postgres::types::ToSql + Sync);
}

impl<T: rusqlite::ToSql + postgres::types::ToSql + Sync> Param for T {
    fn sqlite(&self) -> &dyn rusqlite::ToSql {
        self
    }
    fn pg(&self) -> &(dyn postgres::types::ToSql + Sync) {
        self
    }
}

impl Param for TenantId {
    fn sqlite(&self) -> &dyn rusqlite::ToSql {
        &self.0
    }
    fn pg(&self) -> &(dyn postgres::types::ToSql + Sync) {
        &self.0
    }
}

/// An owned value of any column type, for statements whose values are built at run time (a
/// search's words, a copied row). `None` is SQL `NULL` of that type.
pub enum Cell {
    Int(Option<i64>),
    Flag(Option<bool>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
}

impl Param for Cell {
    fn sqlite(&self) -> &dyn rusqlite::ToSql {
        match self {
            Cell::Int(v) => v,
            Cell::Flag(v) => v,
            Cell::Text(v) => v,
            Cell::Bytes(v) => v,
        }
    }
    fn pg(&self) -> &(dyn postgres::types::ToSql + Sync) {
        match self {
            Cell::Int(v) => v,
            Cell::Flag(v) => v,
            Cell::Text(v) => v,
            Cell::Bytes(v) => v,
        }
    }
}

/// A value a result column gives.
pub trait Value: Sized {
    /// Column `i` of a SQLite row.
    fn sqlite(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self>;
    /// Column `i` of a PostgreSQL row.
    fn pg(row: &postgres::Row, i: usize) -> Result<Self, postgres::Error>;
}

impl<T: rusqlite::types::FromSql + for<'b> postgres::types::FromSql<'b>> Value for T {
    fn sqlite(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
        row.get(i)
    }
    fn pg(row: &postgres::Row, i: usize) -> Result<Self, postgres::Error> {
        row.try_get(i)
    }
}

impl Value for TenantId {
    fn sqlite(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Self> {
        row.get(i).map(TenantId)
    }
    fn pg(row: &postgres::Row, i: usize) -> Result<Self, postgres::Error> {
        row.try_get(i).map(TenantId)
    }
}

/// One result row.
pub enum Row<'a> {
    /// Of SQLite.
    Sqlite(&'a rusqlite::Row<'a>),
    /// Of PostgreSQL.
    Postgres(&'a postgres::Row),
}

impl Row<'_> {
    /// Column `i`, converted to `T`.
    pub fn get<T: Value>(&self, i: usize) -> Result<T, StoreError> {
        match self {
            Row::Sqlite(r) => Ok(T::sqlite(r, i)?),
            Row::Postgres(r) => Ok(T::pg(r, i)?),
        }
    }
}

/// A stored value this relay cannot read: the database was written by something else.
pub fn unreadable(column: usize, what: impl std::fmt::Display) -> StoreError {
    StoreError::Unusable(format!(
        "a stored value cannot be read (result column {column}): {what}"
    ))
}

/// The server's own message (and its detail) rather than the driver's summary "db error".
pub fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_owned(),
        },
        None => e.to_string(),
    }
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> StoreError {
        StoreError::Backend {
            backend: Backend::Postgres.name(),
            message: pg_message(&e),
        }
    }
}

impl Conn<'_> {
    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match self {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Postgres(_) => Backend::Postgres,
        }
    }

    /// Whether a transaction is still open (SQLite ends one by itself on a full disk or an I/O
    /// error; a PostgreSQL connection can be lost).
    pub fn in_transaction(&self) -> bool {
        match self {
            Conn::Sqlite(c) => !c.is_autocommit(),
            Conn::Postgres(c) => !c.borrow().client.is_closed(),
        }
    }

    /// Runs a statement; answers how many rows it changed.
    pub fn execute(&self, sql: &str, params: &[&dyn Param]) -> Result<usize, StoreError> {
        match self {
            Conn::Sqlite(c) => Ok(c.prepare_cached(sql)?.execute(sqlite_values(params))?),
            Conn::Postgres(c) => {
                let mut c = c.borrow_mut();
                let statement = c.statement(sql)?;
                Ok(c.client.execute(&statement, &pg_values(params))? as usize)
            }
        }
    }

    /// Runs a query; answers `f` of every row.
    pub fn query<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        mut f: impl FnMut(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::new();
        match self {
            Conn::Sqlite(c) => {
                let mut statement = c.prepare_cached(sql)?;
                let mut rows = statement.query(sqlite_values(params))?;
                while let Some(row) = rows.next()? {
                    out.push(f(&Row::Sqlite(row))?);
                }
            }
            Conn::Postgres(c) => {
                // The borrow ends before `f` runs, which may run statements of its own.
                let rows = c.borrow_mut().rows(sql, params)?;
                for row in rows {
                    out.push(f(&Row::Postgres(&row))?);
                }
            }
        }
        Ok(out)
    }

    /// Runs a query and hands every row to `f` as it arrives, without holding them all (a copy
    /// of a large table). `f` must not use this connection: on PostgreSQL its rows are still
    /// arriving on it.
    pub fn for_each(
        &self,
        sql: &str,
        params: &[&dyn Param],
        mut f: impl FnMut(&Row<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        match self {
            Conn::Sqlite(_) => self.query(sql, params, f).map(|_| ()),
            Conn::Postgres(c) => {
                use postgres::fallible_iterator::FallibleIterator;
                let mut c = c.borrow_mut();
                let statement = c.statement(sql)?;
                let mut rows = c.client.query_raw(&statement, pg_values(params))?;
                while let Some(row) = rows.next()? {
                    f(&Row::Postgres(&row))?;
                }
                Ok(())
            }
        }
    }

    /// Runs a query; answers `f` of its first row, `None` when it has none.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        f: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        match self {
            Conn::Sqlite(c) => {
                let mut statement = c.prepare_cached(sql)?;
                let mut rows = statement.query(sqlite_values(params))?;
                rows.next()?.map(|row| f(&Row::Sqlite(row))).transpose()
            }
            Conn::Postgres(c) => {
                let rows = c.borrow_mut().rows(sql, params)?;
                rows.first().map(|row| f(&Row::Postgres(row))).transpose()
            }
        }
    }

    /// Runs a query that always gives a row (an aggregate, `RETURNING`); answers `f` of it.
    pub fn query_one<T>(
        &self,
        sql: &str,
        params: &[&dyn Param],
        f: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.query_opt(sql, params, f)?
            .ok_or_else(|| StoreError::Backend {
                backend: self.backend().name(),
                message: format!("a statement gave no row: {}", sql.trim()),
            })
    }

    /// Runs statements without parameters (schema changes, transaction control).
    pub fn batch(&self, sql: &str) -> Result<(), StoreError> {
        match self {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Postgres(c) => Ok(c.borrow_mut().client.batch_execute(sql)?),
        }
    }
}

/// `sql` with SQLite's `?N` placeholders written as PostgreSQL's `$N`. A `?` inside a quoted
/// literal or identifier is left alone.
fn dollar_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if q == c => quote = None,
            (None, '?') if chars.peek().is_some_and(char::is_ascii_digit) => {
                out.push('$');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_dollars_outside_quotes_only() {
        assert_eq!(
            dollar_placeholders("SELECT a FROM t WHERE b = ?1 AND c IN (?2, ?10)"),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $10)"
        );
        assert_eq!(
            dollar_placeholders("SELECT '?1', \"?2\" WHERE x = ?3 AND y = '?'"),
            "SELECT '?1', \"?2\" WHERE x = $3 AND y = '?'"
        );
    }
}
