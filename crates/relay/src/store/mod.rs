//! Storage: the [`Storage`] trait the HTTP layer and the commands use, and its implementation on
//! SQLite or PostgreSQL ([`Database`]).
//!
//! The trait speaks in the relay's terms (tenants, bots, parsed updates, pages of the plugin API), not
//! in SQL. Its methods block; the HTTP layer calls them from `spawn_blocking`. A method that writes
//! returns only once its transaction is durable. Both backends run the same statements
//! ([`sql`](self::sql) bridges the two drivers) and the same rules ([`rules`](self::rules), pure
//! functions).

mod apply;
mod codes;
#[cfg(test)]
mod conformance;
mod copy;
mod database;
mod migrations;
mod outbox;
mod postgres;
mod read;
mod replies;
mod rules;
mod sql;
mod sqlite;

#[doc(hidden)]
pub use apply::bench_search_words;
pub use database::{Database, TableCopy};
pub use sql::Backend;

use telegram_identity::TelegramPerson;
use telegram_relay_api::{
    DirectoryPage, LinkEvent, MessagePage, NewLinkEvent, Person, PersonSummary, SenderId,
};

use crate::crm;
use crate::telegram::Event;
use crate::telegram::desktop::DesktopExport;

/// A tenant: the business whose bots, people and messages are kept apart from every other's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TenantId(pub i64);

impl std::fmt::Display for TenantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A registered bot webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bot {
    /// The `{id}` of `/telegram/webhook/{id}`.
    pub webhook_id: String,
    /// The tenant that owns the bot.
    pub tenant_id: TenantId,
    /// SHA-256 of the webhook's secret token.
    pub secret_hash: [u8; 32],
}

/// A webhook update after parsing, ready to store.
#[derive(Debug)]
pub struct ParsedUpdate {
    /// The update's `update_id`, when it has one.
    pub update_id: Option<i64>,
    /// What to do with it.
    pub content: UpdateContent,
}

/// What an update amounts to.
#[derive(Debug)]
pub enum UpdateContent {
    /// Facts to apply.
    Events(Vec<Event>),
    /// A valid update with nothing to store; only its `update_id` is remembered.
    Ignored(String),
    /// An update the relay cannot interpret: kept raw for an operator.
    Quarantine {
        /// Why.
        reason: String,
        /// The body as received.
        raw: String,
    },
}

/// What storing an update did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IngestOutcome {
    /// Its facts are stored.
    Stored,
    /// This bot's `update_id` was stored before; nothing changed.
    Duplicate,
    /// Nothing to store; the `update_id` is remembered.
    Ignored(String),
    /// Kept in the quarantine.
    Quarantined(String),
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Personal chats read.
    pub chats: usize,
    /// Other chats skipped.
    pub chats_skipped: usize,
    /// Contact-list entries read.
    pub contacts: usize,
    /// Messages read from the file.
    pub messages: usize,
    /// Of those, messages the relay did not have (zero on a re-import of the same file).
    pub messages_new: usize,
}

/// A quarantined update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuarantinedUpdate {
    /// Row ID.
    pub id: i64,
    /// Tenant name.
    pub tenant: String,
    /// The bot it came to.
    pub webhook_id: String,
    /// Its `update_id`, when readable.
    pub update_id: Option<i64>,
    /// When it arrived (Unix seconds).
    pub received_at: i64,
    /// Why it was quarantined.
    pub reason: String,
    /// The raw body.
    pub body: String,
}

/// A point in a tenant's change order. Every write that adds or changes a message or a person
/// takes the next revision; "everything after revision N" is how the plugin polls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Revision(pub i64);

/// A message's place in its conversation, which pages go through newest first: by `sent_at`,
/// then by the stored row's ID (two messages can share a second).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessagePosition {
    /// When it was sent, Unix seconds.
    pub sent_at: i64,
    /// The stored message's ID.
    pub id: i64,
}

/// Where a conversation page starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageStart {
    /// The newest messages.
    Newest,
    /// Messages older than this one.
    Before(MessagePosition),
    /// Messages created or changed after this revision.
    After(Revision),
}

/// A filter on the link journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkFilter {
    /// Entries whose old or new value is this sender.
    Sender(SenderId),
    /// Entries about this CRM contact.
    Contact(String),
    /// Entries of a batch.
    Batch(String),
}

/// Errors of the storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed: which backend, and what it said. Backend-neutral, so the trait's
    /// callers never see a driver's error type.
    #[error("database error ({backend}): {message}")]
    Backend {
        /// `sqlite` or `postgres`.
        backend: &'static str,
        /// The driver's message.
        message: String,
    },
    /// The input conflicts with what is stored (a duplicate name, …). The message says what.
    #[error("{0}")]
    Conflict(String),
    /// Something named does not exist. The message says what.
    #[error("{0}")]
    NotFound(String),
    /// The database file is not one this relay can use.
    #[error("{0}")]
    Unusable(String),
    /// The storage is shutting down.
    #[error("the storage is shutting down")]
    Closed,
}

/// The relay's storage. See the module documentation.
///
/// What every backend promises:
///
/// - **Durable before acknowledged**: a write method returns `Ok` only once its transaction is
///   committed and would survive a crash of the process (the webhook answers 200 after that).
/// - **At most once per (bot, `update_id`)**: [`Storage::ingest_update`] of an update already
///   stored changes nothing and answers [`IngestOutcome::Duplicate`], whichever process stored it.
/// - **One snapshot per read**: a read method sees one committed state, never half a write.
/// - **Polling never skips**: revisions ([`Revision`]) are handed out in commit order *as readers
///   see them*: once a read has seen revision N, no write can later become visible with a
///   revision at or below N. The plugin polls "changed after the newest revision I saw", so a
///   revision that became visible late would be skipped forever. SQLite's single writer gives
///   this for free (revisions are taken inside the one write transaction). A backend with
///   concurrent writers (PostgreSQL with several relay processes) must take revisions under a
///   lock held to commit, or serve polls only up to the highest revision below which every
///   transaction has finished.
/// - **Closing**: [`Storage::close`] finishes what was accepted; later writes answer
///   [`StoreError::Closed`].
pub trait Storage: Send + Sync + 'static {
    /// Checks that the storage answers reads and commits a write.
    fn health(&self) -> Result<(), StoreError>;
    /// Finishes the writes already accepted, then refuses new ones with [`StoreError::Closed`].
    /// Called once at shutdown; when it returns, every acknowledged write is durable.
    fn close(&self);

    /// Creates a tenant whose install token hashes to `token_hash`.
    fn create_tenant(
        &self,
        name: &str,
        token_hash: [u8; 32],
        now: i64,
    ) -> Result<TenantId, StoreError>;
    /// Finds a tenant by name.
    fn tenant_by_name(&self, name: &str) -> Result<Option<TenantId>, StoreError>;
    /// Finds the tenant whose install token hashes to `token_hash`.
    fn tenant_by_token(&self, token_hash: &[u8; 32]) -> Result<Option<TenantId>, StoreError>;

    /// Gives tenant `name` a new install token (the old one stops working) and lifts a
    /// revocation.
    fn rotate_token(&self, name: &str, token_hash: [u8; 32]) -> Result<(), StoreError>;
    /// Revokes tenant `name`'s install token: nobody authenticates as the tenant until a rotation.
    fn revoke_token(&self, name: &str, now: i64) -> Result<(), StoreError>;
    /// Registers a bot webhook.
    fn add_bot(&self, bot: &Bot, now: i64) -> Result<(), StoreError>;
    /// The webhook IDs of tenant `name`'s bots, oldest first.
    fn bots_of(&self, name: &str) -> Result<Vec<String>, StoreError>;
    /// Removes one of tenant `name`'s bots: its webhook answers 404 from then on. What it stored
    /// stays.
    fn remove_bot(&self, name: &str, webhook_id: &str) -> Result<(), StoreError>;
    /// Finds a bot by webhook ID.
    fn bot(&self, webhook_id: &str) -> Result<Option<Bot>, StoreError>;

    /// Stores one webhook update exactly once per (bot, `update_id`); durable when it returns.
    fn ingest_update(
        &self,
        bot: &Bot,
        update: ParsedUpdate,
        now: i64,
    ) -> Result<IngestOutcome, StoreError>;
    /// Stores a Desktop export in one transaction ([`Storage::import_events`] with all of its
    /// events); durable when it returns.
    fn import_desktop(
        &self,
        tenant: TenantId,
        export: DesktopExport,
        now: i64,
    ) -> Result<ImportReport, StoreError> {
        Ok(ImportReport {
            chats: export.chats,
            chats_skipped: export.chats_skipped,
            contacts: export.contacts,
            messages: export.messages,
            messages_new: self.import_events(tenant, export.events, now)?,
        })
    }
    /// Stores one chunk of a Desktop export's events in one transaction (a large import commits
    /// chunk by chunk, so webhooks are served between them); answers how many messages were new.
    /// Applying the same events again changes nothing, so an import cut short is finished by
    /// running it again.
    fn import_events(
        &self,
        tenant: TenantId,
        events: Vec<crate::telegram::Event>,
        now: i64,
    ) -> Result<usize, StoreError>;
    /// Lists quarantined updates, oldest first.
    fn quarantine(&self, tenant: Option<TenantId>) -> Result<Vec<QuarantinedUpdate>, StoreError>;

    /// A person's profile and history.
    fn person(&self, tenant: TenantId, sender: SenderId) -> Result<Option<Person>, StoreError>;
    /// A page of a person's conversation; `None` when the person is unknown.
    fn messages(
        &self,
        tenant: TenantId,
        sender: SenderId,
        start: PageStart,
        limit: u32,
    ) -> Result<Option<MessagePage>, StoreError>;
    /// People whose name, username or phone contains `q`.
    fn search(
        &self,
        tenant: TenantId,
        q: &str,
        limit: u32,
    ) -> Result<Vec<PersonSummary>, StoreError>;
    /// People changed after revision `after`, in revision order.
    fn directory(
        &self,
        tenant: TenantId,
        after: Revision,
        limit: u32,
    ) -> Result<DirectoryPage, StoreError>;
    /// Every person, for the contact-info CSV.
    fn all_people(&self, tenant: TenantId) -> Result<Vec<TelegramPerson>, StoreError>;

    /// Records a journal entry.
    fn add_link_event(
        &self,
        tenant: TenantId,
        event: NewLinkEvent,
        now: i64,
    ) -> Result<LinkEvent, StoreError>;
    /// Journals several events in one transaction, skipping those whose batch, contact and
    /// action are already journaled; answers (recorded, already there).
    fn add_link_events(
        &self,
        tenant: TenantId,
        events: Vec<NewLinkEvent>,
        now: i64,
    ) -> Result<(usize, usize), StoreError>;
    /// Journal entries, newest first.
    fn link_events(
        &self,
        tenant: TenantId,
        filter: &LinkFilter,
    ) -> Result<Vec<LinkEvent>, StoreError>;

    /// Stores (or replaces) the plugin's document `key`.
    fn put_document(
        &self,
        tenant: TenantId,
        key: String,
        body: String,
        now: i64,
    ) -> Result<(), StoreError>;
    /// The plugin's documents whose key starts with `prefix`, in key order.
    fn documents(
        &self,
        tenant: TenantId,
        prefix: &str,
    ) -> Result<Vec<telegram_relay_api::Document>, StoreError>;

    // Relay → CRM sync (see `crate::crm`). Storing a webhook update queues a sync of its sender
    // in the same transaction when the tenant has a connection (an outbox).

    /// Stores a tenant's CRM connection (replacing one) and makes it active.
    fn crm_connect(&self, connection: crm::Connection, now: i64) -> Result<(), StoreError>;
    /// Sets a connection's state, recording `error` as its last error; disconnecting also
    /// empties its outbox.
    fn crm_set_state(
        &self,
        tenant: TenantId,
        state: crm::State,
        error: Option<String>,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Every connection that is not disconnected.
    fn crm_connections(&self) -> Result<Vec<(crm::Connection, crm::State)>, StoreError>;
    /// A tenant's connection, counters, backlog and dead letters.
    fn crm_status(&self, tenant: TenantId) -> Result<Option<crm::Status>, StoreError>;
    /// Jobs waiting on active connections, and when the oldest was queued (seconds).
    fn crm_lag(&self) -> Result<(u64, Option<i64>), StoreError>;
    /// Leases up to `limit` due jobs of one tenant until `now_ms + lease_ms`.
    fn crm_claim(
        &self,
        tenant: TenantId,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<crm::Job>, StoreError>;
    /// When the next job of an active connection falls due (ms).
    fn crm_next_due(&self) -> Result<Option<i64>, StoreError>;
    /// What sync needs to know about a sender.
    fn crm_subject(&self, tenant: TenantId, sender: SenderId) -> Result<crm::Subject, StoreError>;
    /// Ends a claimed job (journal, counters, outbox) in one transaction; `false` (nothing
    /// recorded) when the job's lease ran out and another claim holds it now.
    fn crm_finish(
        &self,
        job: crm::Job,
        outcome: crm::Outcome,
        now: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
    /// Re-queues a tenant's dead letters; answers how many.
    fn crm_retry(&self, tenant: TenantId, now_ms: i64) -> Result<usize, StoreError>;
    /// How a tenant's people stand before a backfill.
    fn crm_backfill_plan(&self, tenant: TenantId) -> Result<crm::BackfillPlan, StoreError>;
    /// Queues syncs of these senders (a backfill); answers how many were not queued already.
    fn crm_enqueue(
        &self,
        tenant: TenantId,
        senders: Vec<SenderId>,
        now: i64,
    ) -> Result<usize, StoreError>;

    // Replies from the sidebar (see `crate::reply`).

    /// Stores a bot's token (sealed) and @username; `false` when no bot has this webhook ID.
    fn set_bot_token(
        &self,
        webhook_id: &str,
        sealed: Vec<u8>,
        username: String,
    ) -> Result<bool, StoreError>;
    /// Records a reply as being sent and answers its route, or what its client ID recorded
    /// before, or why it cannot be sent now.
    fn reply_begin(
        &self,
        tenant: TenantId,
        draft: crate::reply::Draft,
        now: i64,
    ) -> Result<crate::reply::Begin, StoreError>;
    /// Records how a send ended; a sent reply is stored as an outgoing message and answered.
    fn reply_finish(
        &self,
        tenant: TenantId,
        draft: crate::reply::Draft,
        outcome: crate::reply::Finish,
        now: i64,
    ) -> Result<Option<telegram_relay_api::Message>, StoreError>;
}
