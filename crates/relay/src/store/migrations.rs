//! Numbered schema migrations. A released migration is never edited: add a new one.
//!
//! `PRAGMA user_version` holds the number of the last migration applied; each migration runs in its
//! own transaction together with the version bump.

/// The migrations, in order. Index `i` is migration `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: the initial schema.
    r#"
    -- One row per CRM install. The install token is stored only as its SHA-256.
    CREATE TABLE tenants (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,
        token_hash  BLOB NOT NULL UNIQUE,
        created_at  INTEGER NOT NULL
    );

    -- A bot whose webhook posts to /telegram/webhook/{webhook_id}. The secret is stored hashed.
    CREATE TABLE bots (
        webhook_id   TEXT PRIMARY KEY,
        tenant_id    INTEGER NOT NULL REFERENCES tenants(id),
        secret_hash  BLOB NOT NULL,
        created_at   INTEGER NOT NULL
    );

    -- The seen-set that makes webhook ingest idempotent: one row per (bot, update_id) ever stored,
    -- written in the same transaction as the update's effects. Not a high-water mark: IDs can jump.
    CREATE TABLE seen_updates (
        webhook_id  TEXT NOT NULL,
        update_id   INTEGER NOT NULL,
        PRIMARY KEY (webhook_id, update_id)
    ) WITHOUT ROWID;

    -- Updates the relay could not interpret, kept raw for an operator.
    CREATE TABLE quarantine (
        id           INTEGER PRIMARY KEY,
        tenant_id    INTEGER NOT NULL REFERENCES tenants(id),
        webhook_id   TEXT NOT NULL,
        update_id    INTEGER,
        received_at  INTEGER NOT NULL,
        reason       TEXT NOT NULL,
        body         TEXT NOT NULL
    );

    -- Telegram Business connections seen by a tenant's bots.
    CREATE TABLE business_connections (
        tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
        id          TEXT NOT NULL,
        owner_id    INTEGER NOT NULL,
        enabled     INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, id)
    );

    -- A global change counter. Every insert or visible change of a person or message takes the next
    -- value as its `rev`; the plugin polls with "changed after rev N".
    CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO counters VALUES ('rev', 0);

    -- Telegram people, one row per (tenant, user ID). `profile_at` is the time of the observation
    -- the names come from, so an older update arriving late never overwrites a newer name.
    -- `search_key` is the lower-cased names, username and phone digits, for search.
    CREATE TABLE people (
        tenant_id      INTEGER NOT NULL REFERENCES tenants(id),
        sender_id      INTEGER NOT NULL,
        first_name     TEXT NOT NULL,
        last_name      TEXT,
        username       TEXT,
        phone          TEXT,
        phone_source   TEXT,
        deleted        INTEGER NOT NULL DEFAULT 0,
        first_seen     INTEGER NOT NULL,
        last_seen      INTEGER NOT NULL,
        profile_at     INTEGER NOT NULL,
        message_count  INTEGER NOT NULL DEFAULT 0,
        rev            INTEGER NOT NULL,
        search_key     TEXT NOT NULL,
        PRIMARY KEY (tenant_id, sender_id)
    ) WITHOUT ROWID;
    CREATE INDEX people_by_rev ON people (tenant_id, rev);

    -- Every change of a profile field: the old value was valid until `valid_until`.
    CREATE TABLE profile_changes (
        id           INTEGER PRIMARY KEY,
        tenant_id    INTEGER NOT NULL,
        sender_id    INTEGER NOT NULL,
        field        TEXT NOT NULL,
        old_value    TEXT,
        new_value    TEXT,
        valid_until  INTEGER NOT NULL
    );
    CREATE INDEX profile_changes_by_person ON profile_changes (tenant_id, sender_id, valid_until);

    -- Messages. A conversation is (space, chat_id): space is 'bot:<webhook id>', 'bc:<business
    -- connection id>' or 'desktop:<account id>'. `person` is the private chat's peer (NULL for
    -- groups): a person's conversation is every message with that person, across spaces.
    -- Entities and media are JSON in the relay-api shapes. Deleted messages keep their content.
    CREATE TABLE messages (
        id           INTEGER PRIMARY KEY,
        tenant_id    INTEGER NOT NULL REFERENCES tenants(id),
        space        TEXT NOT NULL,
        chat_id      INTEGER NOT NULL,
        tg_id        INTEGER NOT NULL,
        person       INTEGER,
        direction    TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        sent_at      INTEGER NOT NULL,
        text         TEXT NOT NULL,
        entities     TEXT,
        media        TEXT,
        reply_to     INTEGER,
        reply_text   TEXT,
        edited_at    INTEGER,
        deleted_at   INTEGER,
        rev          INTEGER NOT NULL,
        UNIQUE (tenant_id, space, chat_id, tg_id)
    );
    -- Conversation pages (newest first, keyset pagination) and polling by revision.
    CREATE INDEX messages_by_person_time ON messages (tenant_id, person, sent_at, id);
    CREATE INDEX messages_by_person_rev ON messages (tenant_id, person, rev);

    -- Earlier texts of edited messages.
    CREATE TABLE message_versions (
        message_id   INTEGER NOT NULL REFERENCES messages(id),
        text         TEXT NOT NULL,
        valid_until  INTEGER NOT NULL
    );
    CREATE INDEX message_versions_by_message ON message_versions (message_id, valid_until);

    -- Deletions that arrived before the message they delete (updates come out of order).
    CREATE TABLE pending_deletions (
        tenant_id   INTEGER NOT NULL,
        space       TEXT NOT NULL,
        chat_id     INTEGER NOT NULL,
        tg_id       INTEGER NOT NULL,
        deleted_at  INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, space, chat_id, tg_id)
    ) WITHOUT ROWID;

    -- The link journal: writes of the senderId field in the CRM, as the plugin reports them.
    CREATE TABLE link_events (
        id           INTEGER PRIMARY KEY,
        tenant_id    INTEGER NOT NULL REFERENCES tenants(id),
        recorded_at  INTEGER NOT NULL,
        action       TEXT NOT NULL,
        contact_id   TEXT NOT NULL,
        old_value    TEXT,
        new_value    TEXT,
        old_sender   INTEGER,
        new_sender   INTEGER,
        actor        TEXT NOT NULL,
        batch_id     TEXT,
        undoes       TEXT,
        reason       TEXT
    );
    CREATE INDEX link_events_by_contact ON link_events (tenant_id, contact_id);
    CREATE INDEX link_events_by_old_sender ON link_events (tenant_id, old_sender);
    CREATE INDEX link_events_by_new_sender ON link_events (tenant_id, new_sender);
    CREATE INDEX link_events_by_batch ON link_events (tenant_id, batch_id);
    "#,
    // 2: a trigram index for search.
    r#"
    -- Search: an FTS5 trigram index over `people.search_key`, so that query words of three or more
    -- characters find their people without reading every row (substring semantics are kept: the
    -- query still checks each word with instr). `search_rowid` links a person to its index row;
    -- the triggers keep the index in step with every insert and every change of a search key.
    ALTER TABLE people ADD COLUMN search_rowid INTEGER;
    CREATE VIRTUAL TABLE people_search USING fts5 (search_key, tokenize = 'trigram');
    UPDATE people SET search_rowid = numbered.n
      FROM (SELECT tenant_id AS t, sender_id AS s,
                   row_number() OVER (ORDER BY tenant_id, sender_id) AS n FROM people) AS numbered
     WHERE people.tenant_id = numbered.t AND people.sender_id = numbered.s;
    INSERT INTO counters VALUES ('search_rowid', (SELECT count(*) FROM people));
    INSERT INTO people_search (rowid, search_key) SELECT search_rowid, search_key FROM people;
    CREATE INDEX people_by_search_rowid ON people (search_rowid);

    CREATE TRIGGER people_search_insert AFTER INSERT ON people BEGIN
        UPDATE counters SET value = value + 1 WHERE name = 'search_rowid';
        UPDATE people SET search_rowid = (SELECT value FROM counters WHERE name = 'search_rowid')
         WHERE tenant_id = new.tenant_id AND sender_id = new.sender_id;
        INSERT INTO people_search (rowid, search_key)
            SELECT value, new.search_key FROM counters WHERE name = 'search_rowid';
    END;
    CREATE TRIGGER people_search_update AFTER UPDATE OF search_key ON people
    WHEN old.search_key IS NOT new.search_key BEGIN
        DELETE FROM people_search WHERE rowid = new.search_rowid;
        INSERT INTO people_search (rowid, search_key) VALUES (new.search_rowid, new.search_key);
    END;
    "#,
    // 3: documents the plugin keeps per tenant.
    r#"
    -- The bulk page's runs (and anything else the plugin must find again after a reload, from any
    -- browser): opaque JSON text, stored and answered without being read.
    CREATE TABLE plugin_documents (
        tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
        key         TEXT NOT NULL,
        body        TEXT NOT NULL,
        updated_at  INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, key)
    ) WITHOUT ROWID;
    "#,
    // 4: one row that /healthz and the start-up check write, to prove the database takes writes.
    r#"
    CREATE TABLE relay_health (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        checked_at  INTEGER NOT NULL
    );
    "#,
    // 5: an install token can be revoked (`tenant revoke`); a revoked tenant authenticates nobody
    // until `tenant rotate-token` gives it a new token.
    r#"
    ALTER TABLE tenants ADD COLUMN revoked_at INTEGER;
    "#,
    // 6: relay → CRM sync (`telegram-relay crm …`).
    r#"
    -- A tenant's CRM connection. `secret` is the API or OAuth token sealed with the operator's key
    -- (ChaCha20-Poly1305: nonce, then ciphertext and tag); the relay never stores it in the clear.
    -- `state`: 'active', 'paused' (the CRM refused the credentials; `crm connect` resumes) or
    -- 'disconnected' (nothing is queued or sent).
    CREATE TABLE crm_connections (
        tenant_id       INTEGER PRIMARY KEY REFERENCES tenants(id),
        kind            TEXT NOT NULL CHECK (kind IN ('zendesk')),
        url             TEXT NOT NULL,
        email           TEXT,
        secret          BLOB NOT NULL,
        sender_field    TEXT NOT NULL,
        username_field  TEXT,
        create_contacts INTEGER NOT NULL,
        rate            INTEGER NOT NULL,
        state           TEXT NOT NULL CHECK (state IN ('active', 'paused', 'disconnected')),
        last_error      TEXT,
        last_error_at   INTEGER,
        connected_at    INTEGER NOT NULL,
        created         INTEGER NOT NULL DEFAULT 0,
        linked          INTEGER NOT NULL DEFAULT 0,
        updated         INTEGER NOT NULL DEFAULT 0,
        skipped         INTEGER NOT NULL DEFAULT 0
    );

    -- The sync outbox: one row per sender to bring up to date, written in the transaction of the
    -- update that asks for it. The job reads the sender's state when it runs, so later messages
    -- only bump `generation` (a job finishing while a newer message arrived runs again).
    -- `claims` counts leases taken (a job claimed before may have written to the CRM already);
    -- `failures` drives the back-off; `dead_at` marks a dead letter (`crm retry` re-queues it).
    -- Times: `enqueued_at` in seconds, `due_at` and `lease_until` in milliseconds.
    CREATE TABLE crm_outbox (
        tenant_id    INTEGER NOT NULL REFERENCES tenants(id),
        sender_id    INTEGER NOT NULL,
        generation   INTEGER NOT NULL DEFAULT 1,
        enqueued_at  INTEGER NOT NULL,
        due_at       INTEGER NOT NULL,
        lease_until  INTEGER NOT NULL DEFAULT 0,
        claims       INTEGER NOT NULL DEFAULT 0,
        failures     INTEGER NOT NULL DEFAULT 0,
        last_error   TEXT,
        dead_at      INTEGER,
        PRIMARY KEY (tenant_id, sender_id)
    ) WITHOUT ROWID;
    CREATE INDEX crm_outbox_due ON crm_outbox (due_at) WHERE dead_at IS NULL;

    -- What sync last wrote for a sender: the contact and the username value, and when (ms), so a
    -- username is written only when it changed and a contact at most 5 times a minute.
    CREATE TABLE crm_synced (
        tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
        sender_id   INTEGER NOT NULL,
        contact_id  TEXT NOT NULL,
        username    TEXT,
        written_at  INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, sender_id)
    ) WITHOUT ROWID;

    "#,
    r#"
    -- Replies from the sidebar. A bot's token, sealed with the operator's key like the CRM
    -- credentials (the tenant ID as associated data), and its @username from getMe.
    ALTER TABLE bots ADD COLUMN token BLOB;
    ALTER TABLE bots ADD COLUMN username TEXT;
    -- Which bot received the business connection (the one that may send in its chats).
    ALTER TABLE business_connections ADD COLUMN webhook_id TEXT;
    -- Sync: the CRM's refusals (4xx) of a job, counted apart from network and 5xx failures, so an
    -- outage does not bring a job nearer to the dead-letter list.
    ALTER TABLE crm_outbox ADD COLUMN rejections INTEGER NOT NULL DEFAULT 0;

    -- One row per reply the plugin asked to send, keyed by its client ID (a retried POST finds
    -- it). `state`: 'sending' (Telegram was or is being asked; if the relay stopped meanwhile the
    -- outcome is unknown and the reply is never sent again: at most once), 'sent' (`message_id`
    -- is the stored outgoing message) or 'failed' (Telegram refused; nothing was sent, a retry
    -- may try again). `agent` is who sent it, as the host names them.
    CREATE TABLE replies (
        tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
        client_id   TEXT NOT NULL,
        sender_id   INTEGER NOT NULL,
        text        TEXT NOT NULL,
        reply_to    INTEGER,
        agent       TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'failed')),
        message_id  INTEGER REFERENCES messages(id),
        error       TEXT,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, client_id)
    ) WITHOUT ROWID;
    -- A conversation page names the agent of each reply it shows.
    CREATE INDEX replies_by_message ON replies (tenant_id, message_id) WHERE message_id IS NOT NULL;
    "#,
    // 8: search keys also hold the names as the identity engine folds them and their sound-alike
    // keys. SQL cannot fold: the relay recomputes every key in the same transaction
    // ([`REFOLD_SEARCH_KEYS`]), and the triggers of migration 3 keep the trigram index in step.
    "-- 8: search keys fold accents and transliterate (recomputed by the relay)",
];

/// The migration after which every `people.search_key` is recomputed in Rust.
pub const REFOLD_SEARCH_KEYS: usize = 8;
