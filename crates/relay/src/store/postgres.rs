//! PostgreSQL specifics of [`Database`](super::Database): the address, connecting, the lock that
//! orders the writers of several relay processes, and the schema with its numbered migrations.
//!
//! The driver is the blocking `postgres` crate. [`Storage`](super::Storage) is a blocking trait
//! (the HTTP layer calls it from `spawn_blocking`, the CLI outside any runtime) and the store's
//! functions run inside one transaction closure on either backend ([`Conn`]); an async driver
//! would need a second shape of every one of them. The connection pool is the same small one
//! SQLite's readers use, plus the writer's own connection.

use super::database::{unix_now, write_health_row};
use super::sql::{Conn, PgClient};
use super::{StoreError, apply};

/// The transaction-level advisory lock every write batch takes first, in every process: the
/// batches of all relay processes on one database commit one at a time, so revisions become
/// visible in the order they were taken (see [`Storage`](super::Storage)) and two writers never
/// deadlock. The key is "tgrelay1" in ASCII.
pub const WRITE_LOCK: i64 = 0x7467_7265_6c61_7931;

/// How a write batch begins on PostgreSQL.
pub(super) const BEGIN_WRITE: &str = "BEGIN; SELECT pg_advisory_xact_lock(8387798610936428849)";

const _: () = assert!(WRITE_LOCK == 8_387_798_610_936_428_849);

/// Reads `--db postgres://…`. The error never repeats the address: it may hold a password.
pub(super) fn parse_url(url: &str) -> Result<postgres::Config, StoreError> {
    let mut config: postgres::Config = url.parse().map_err(|e| {
        StoreError::Unusable(format!(
            "the PostgreSQL address in --db (or TELEGRAM_RELAY_DB) cannot be read ({e}); write it \
             as postgres://USER:PASSWORD@HOST:PORT/DATABASE"
        ))
    })?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(10));
    }
    if config.get_application_name().is_none() {
        config.application_name("telegram-relay");
    }
    // A relay whose machine died or froze must not hold the write lock (every other process
    // waits on it) until TCP gives up after hours: the client notices a dead server within about
    // 30 s, and the server ends a transaction left idle for 30 s (a relay sends a batch's
    // statements back to back).
    config
        .keepalives_idle(std::time::Duration::from_secs(15))
        .keepalives_interval(std::time::Duration::from_secs(5))
        .keepalives_retries(3)
        .tcp_user_timeout(std::time::Duration::from_secs(30));
    let options = config.get_options().unwrap_or("").to_owned();
    config.options(&format!(
        "{options} -c idle_in_transaction_session_timeout=30s"
    ));
    Ok(config)
}

/// Opens a connection: with `sslmode=require`, over TLS, the server's certificate verified
/// against the operating system's store and its name (as libpq's `verify-full` does); otherwise
/// in the clear (`prefer`, the default, does not try TLS: a self-signed certificate, as Debian's
/// own server has, would fail verification).
pub(super) fn connect(config: &postgres::Config) -> Result<PgClient, StoreError> {
    let connected = if matches!(config.get_ssl_mode(), postgres::config::SslMode::Require) {
        crate::tls::install();
        let tls = <rustls::ClientConfig as rustls_platform_verifier::ConfigVerifierExt>::with_platform_verifier()
            .map_err(|e| {
                StoreError::Unusable(format!(
                    "cannot load the operating system's certificates for TLS to PostgreSQL: {e}"
                ))
            })?;
        config.connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls))
    } else {
        config.connect(postgres::NoTls)
    };
    let client = connected.map_err(|e| {
        StoreError::Unusable(format!(
            "cannot connect to the PostgreSQL database ({}); check that the server runs and the \
             host, port, user, password and database in --db",
            super::sql::pg_message(&e)
        ))
    })?;
    Ok(PgClient::new(client))
}

/// Opens the writer's connection, brings the schema up to date and checks that the database
/// takes writes and acknowledges a commit only once it is durable. With `existing`, a database
/// without the relay's tables is refused (a mistyped `--db` must not become a relay database).
pub(super) fn open_for_writing(
    config: &postgres::Config,
    existing: bool,
) -> Result<PgClient, StoreError> {
    let mut client = connect(config)?;
    let conn = Conn::Postgres(std::cell::RefCell::new(&mut client));
    if existing {
        let has_tables: bool =
            conn.query_one("SELECT to_regclass('relay_schema') IS NOT NULL", &[], |r| {
                r.get(0)
            })?;
        if !has_tables {
            return Err(StoreError::NotFound(
                "the PostgreSQL database in --db holds no relay tables; check --db (or \
                 TELEGRAM_RELAY_DB), or create them with `telegram-relay tenant create NAME`"
                    .into(),
            ));
        }
    }
    // `off` answers a commit before its WAL is flushed: a crash of the server would lose
    // webhooks already answered 200. (`local`, `remote_write`, `on`, `remote_apply` are durable.)
    let mode: String = conn.query_one("SHOW synchronous_commit", &[], |r| r.get(0))?;
    if mode == "off" {
        return Err(StoreError::Unusable(
            "the PostgreSQL database answers commits before they are durable \
             (synchronous_commit = off): set it to on for the relay's user or database \
             (ALTER ROLE … SET synchronous_commit = on)"
                .into(),
        ));
    }
    migrate(&mut client)?;
    write_health_row(
        &Conn::Postgres(std::cell::RefCell::new(&mut client)),
        unix_now(),
    )
    .map_err(|e| {
        StoreError::Unusable(format!(
            "the PostgreSQL database does not take writes ({e}): a read-only replica, or a user \
             without the right to write? Give --db the primary and a user that owns the schema"
        ))
    })?;
    Ok(client)
}

/// Applies the migrations this database lacks, each in its own transaction with the version,
/// under the write lock (two relays starting at once do not both migrate).
fn migrate(client: &mut PgClient) -> Result<(), StoreError> {
    let conn = Conn::Postgres(std::cell::RefCell::new(client));
    // Under the lock too: two relays starting on a new database would both create the table.
    conn.batch(&format!(
        "{BEGIN_WRITE};
         CREATE TABLE IF NOT EXISTS relay_schema (version BIGINT NOT NULL);
         INSERT INTO relay_schema SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM relay_schema);
         COMMIT"
    ))?;
    loop {
        conn.batch(BEGIN_WRITE)?;
        let done = (|| {
            let version: i64 =
                conn.query_one("SELECT version FROM relay_schema", &[], |r| r.get(0))?;
            let version = version as usize;
            if version > MIGRATIONS.len() {
                return Err(StoreError::Unusable(format!(
                    "the PostgreSQL database has schema version {version}, newer than this relay \
                     knows ({}); run a newer relay",
                    MIGRATIONS.len()
                )));
            }
            let Some(sql) = MIGRATIONS.get(version) else {
                return Ok(true);
            };
            conn.batch(sql)?;
            if version + 1 == REFOLD_SEARCH_KEYS {
                apply::refold_search_keys(&conn)?;
            }
            conn.execute(
                "UPDATE relay_schema SET version = ?1",
                &[&(version as i64 + 1)],
            )?;
            tracing::info!(
                migration = version + 1,
                "applied PostgreSQL schema migration"
            );
            Ok(false)
        })();
        match done {
            Ok(finished) => {
                conn.batch("COMMIT")?;
                if finished {
                    return Ok(());
                }
            }
            Err(e) => {
                let _ = conn.batch("ROLLBACK");
                return Err(e);
            }
        }
    }
}

/// The migration after which every `people.search_key` is recomputed in Rust (none yet: the
/// first schema already has the folded keys).
const REFOLD_SEARCH_KEYS: usize = 0;

/// PostgreSQL's migrations. Index `i` is migration `i + 1`. A released migration is never edited.
/// The first is SQLite's schema after its eighth migration, in PostgreSQL's types: integers are
/// `BIGINT`, flags `BOOLEAN`, bytes `BYTEA`, IDs identity columns, keys whose order is answered
/// in the "C" collation (byte order, as SQLite compares).
pub const MIGRATIONS: &[&str] = &[r#"
    CREATE EXTENSION IF NOT EXISTS pg_trgm;

    -- SQLite's two-argument scalar min and max, which the store's statements use.
    CREATE FUNCTION min(a BIGINT, b BIGINT) RETURNS BIGINT
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS 'SELECT least(a, b)';
    CREATE FUNCTION max(a BIGINT, b BIGINT) RETURNS BIGINT
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS 'SELECT greatest(a, b)';

    CREATE TABLE tenants (
        id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,
        token_hash  BYTEA NOT NULL UNIQUE,
        created_at  BIGINT NOT NULL,
        revoked_at  BIGINT
    );

    CREATE TABLE bots (
        webhook_id   TEXT COLLATE "C" PRIMARY KEY,
        tenant_id    BIGINT NOT NULL REFERENCES tenants(id),
        secret_hash  BYTEA NOT NULL,
        created_at   BIGINT NOT NULL,
        token        BYTEA,
        username     TEXT
    );

    CREATE TABLE seen_updates (
        webhook_id  TEXT NOT NULL,
        update_id   BIGINT NOT NULL,
        PRIMARY KEY (webhook_id, update_id)
    );

    CREATE TABLE quarantine (
        id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        tenant_id    BIGINT NOT NULL REFERENCES tenants(id),
        webhook_id   TEXT NOT NULL,
        update_id    BIGINT,
        received_at  BIGINT NOT NULL,
        reason       TEXT NOT NULL,
        body         TEXT NOT NULL
    );

    CREATE TABLE business_connections (
        tenant_id   BIGINT NOT NULL REFERENCES tenants(id),
        id          TEXT NOT NULL,
        owner_id    BIGINT NOT NULL,
        enabled     BOOLEAN NOT NULL,
        updated_at  BIGINT NOT NULL,
        webhook_id  TEXT,
        PRIMARY KEY (tenant_id, id)
    );

    CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
    INSERT INTO counters VALUES ('rev', 0);

    CREATE TABLE people (
        tenant_id      BIGINT NOT NULL REFERENCES tenants(id),
        sender_id      BIGINT NOT NULL,
        first_name     TEXT NOT NULL,
        last_name      TEXT,
        username       TEXT,
        phone          TEXT,
        phone_source   TEXT,
        deleted        BOOLEAN NOT NULL DEFAULT FALSE,
        first_seen     BIGINT NOT NULL,
        last_seen      BIGINT NOT NULL,
        profile_at     BIGINT NOT NULL,
        message_count  BIGINT NOT NULL DEFAULT 0,
        rev            BIGINT NOT NULL,
        search_key     TEXT NOT NULL,
        PRIMARY KEY (tenant_id, sender_id)
    );
    CREATE INDEX people_by_rev ON people (tenant_id, rev);
    -- Search: each query word is a LIKE '%word%' that this trigram index serves.
    CREATE INDEX people_search ON people USING gin (search_key gin_trgm_ops);

    CREATE TABLE profile_changes (
        id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        tenant_id    BIGINT NOT NULL,
        sender_id    BIGINT NOT NULL,
        field        TEXT NOT NULL,
        old_value    TEXT,
        new_value    TEXT,
        valid_until  BIGINT NOT NULL
    );
    CREATE INDEX profile_changes_by_person ON profile_changes (tenant_id, sender_id, valid_until);

    CREATE TABLE messages (
        id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        tenant_id    BIGINT NOT NULL REFERENCES tenants(id),
        space        TEXT NOT NULL,
        chat_id      BIGINT NOT NULL,
        tg_id        BIGINT NOT NULL,
        person       BIGINT,
        direction    TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        sent_at      BIGINT NOT NULL,
        text         TEXT NOT NULL,
        entities     TEXT,
        media        TEXT,
        reply_to     BIGINT,
        reply_text   TEXT,
        edited_at    BIGINT,
        deleted_at   BIGINT,
        rev          BIGINT NOT NULL,
        UNIQUE (tenant_id, space, chat_id, tg_id)
    );
    CREATE INDEX messages_by_person_time ON messages (tenant_id, person, sent_at, id);
    CREATE INDEX messages_by_person_rev ON messages (tenant_id, person, rev);

    CREATE TABLE message_versions (
        message_id   BIGINT NOT NULL REFERENCES messages(id),
        text         TEXT NOT NULL,
        valid_until  BIGINT NOT NULL
    );
    CREATE INDEX message_versions_by_message ON message_versions (message_id, valid_until);

    CREATE TABLE pending_deletions (
        tenant_id   BIGINT NOT NULL,
        space       TEXT NOT NULL,
        chat_id     BIGINT NOT NULL,
        tg_id       BIGINT NOT NULL,
        deleted_at  BIGINT NOT NULL,
        PRIMARY KEY (tenant_id, space, chat_id, tg_id)
    );

    CREATE TABLE link_events (
        id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        tenant_id    BIGINT NOT NULL REFERENCES tenants(id),
        recorded_at  BIGINT NOT NULL,
        action       TEXT NOT NULL,
        contact_id   TEXT NOT NULL,
        old_value    TEXT,
        new_value    TEXT,
        old_sender   BIGINT,
        new_sender   BIGINT,
        actor        TEXT NOT NULL,
        batch_id     TEXT,
        undoes       TEXT,
        reason       TEXT
    );
    CREATE INDEX link_events_by_contact ON link_events (tenant_id, contact_id);
    CREATE INDEX link_events_by_old_sender ON link_events (tenant_id, old_sender);
    CREATE INDEX link_events_by_new_sender ON link_events (tenant_id, new_sender);
    CREATE INDEX link_events_by_batch ON link_events (tenant_id, batch_id);

    CREATE TABLE plugin_documents (
        tenant_id   BIGINT NOT NULL REFERENCES tenants(id),
        key         TEXT COLLATE "C" NOT NULL,
        body        TEXT NOT NULL,
        updated_at  BIGINT NOT NULL,
        PRIMARY KEY (tenant_id, key)
    );

    CREATE TABLE relay_health (
        id          BIGINT PRIMARY KEY CHECK (id = 1),
        checked_at  BIGINT NOT NULL
    );

    CREATE TABLE crm_connections (
        tenant_id       BIGINT PRIMARY KEY REFERENCES tenants(id),
        kind            TEXT NOT NULL CHECK (kind IN ('zendesk')),
        url             TEXT NOT NULL,
        email           TEXT,
        secret          BYTEA NOT NULL,
        sender_field    TEXT NOT NULL,
        username_field  TEXT,
        create_contacts BOOLEAN NOT NULL,
        rate            BIGINT NOT NULL,
        state           TEXT NOT NULL CHECK (state IN ('active', 'paused', 'disconnected')),
        last_error      TEXT,
        last_error_at   BIGINT,
        connected_at    BIGINT NOT NULL,
        created         BIGINT NOT NULL DEFAULT 0,
        linked          BIGINT NOT NULL DEFAULT 0,
        updated         BIGINT NOT NULL DEFAULT 0,
        skipped         BIGINT NOT NULL DEFAULT 0
    );

    CREATE TABLE crm_outbox (
        tenant_id    BIGINT NOT NULL REFERENCES tenants(id),
        sender_id    BIGINT NOT NULL,
        generation   BIGINT NOT NULL DEFAULT 1,
        enqueued_at  BIGINT NOT NULL,
        due_at       BIGINT NOT NULL,
        lease_until  BIGINT NOT NULL DEFAULT 0,
        claims       BIGINT NOT NULL DEFAULT 0,
        failures     BIGINT NOT NULL DEFAULT 0,
        last_error   TEXT,
        dead_at      BIGINT,
        rejections   BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, sender_id)
    );
    CREATE INDEX crm_outbox_due ON crm_outbox (due_at) WHERE dead_at IS NULL;

    CREATE TABLE crm_synced (
        tenant_id   BIGINT NOT NULL REFERENCES tenants(id),
        sender_id   BIGINT NOT NULL,
        contact_id  TEXT NOT NULL,
        username    TEXT,
        written_at  BIGINT NOT NULL,
        PRIMARY KEY (tenant_id, sender_id)
    );

    CREATE TABLE replies (
        tenant_id   BIGINT NOT NULL REFERENCES tenants(id),
        client_id   TEXT NOT NULL,
        sender_id   BIGINT NOT NULL,
        text        TEXT NOT NULL,
        reply_to    BIGINT,
        agent       TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'failed')),
        message_id  BIGINT REFERENCES messages(id),
        error       TEXT,
        created_at  BIGINT NOT NULL,
        updated_at  BIGINT NOT NULL,
        PRIMARY KEY (tenant_id, client_id)
    );
    CREATE INDEX replies_by_message ON replies (tenant_id, message_id) WHERE message_id IS NOT NULL;
"#];
