//! Relay → CRM sync: a Telegram person who writes first gets a contact in the CRM, linked by the
//! senderId field, exactly once; later messages keep the Telegram-owned username field current.
//!
//! - [`secret`]: the operator's key and the sealed credentials (nothing is stored in the clear).
//! - [`zendesk`]: the Zendesk API client (the requests sync makes, with Zendesk's errors mapped
//!   to [`zendesk::Failure`]).
//! - [`sync`]: the worker that drains the outbox: the decision for one sender, the token bucket,
//!   retries, back-off and dead letters.
//!
//! The outbox is written by the storage in the transaction of the webhook update that asks for a
//! sync (see `store::crm`), so the webhook's answer never waits for the CRM and no acknowledged
//! update loses its sync.

pub mod admin;
pub mod secret;
pub mod sync;
pub mod zendesk;

use telegram_relay_api::SenderId;

use crate::store::TenantId;

/// The external ID of a contact the relay creates: Zendesk's `create_or_update` matches on it, so
/// a retried or repeated creation updates the same contact instead of making a second one.
pub fn external_id(sender: SenderId) -> String {
    format!("telegram:{sender}")
}

/// Who the journal names as the author of sync's links.
pub const ACTOR: &str = telegram_relay_api::SYNC_ACTOR;

/// How the relay authenticates to Zendesk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Auth {
    /// An API token of this agent's email (`{email}/token:{token}`, Basic).
    ApiToken {
        /// The agent's sign-in email.
        email: String,
    },
    /// An OAuth access token (Bearer).
    OAuth,
}

/// A tenant's CRM connection as stored (the token sealed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    /// The tenant.
    pub tenant: TenantId,
    /// `https://SUBDOMAIN.zendesk.com`, without a trailing slash.
    pub url: String,
    /// How to authenticate.
    pub auth: Auth,
    /// The token, sealed by [`secret::Key::seal`].
    pub sealed_token: Vec<u8>,
    /// The key of the user field holding the senderId.
    pub sender_field: String,
    /// The key of a text user field Telegram owns (the username), if any.
    pub username_field: Option<String>,
    /// Whether unknown senders get a new contact (else they are only looked up).
    pub create: bool,
    /// Requests per minute the relay allows itself against this account.
    pub rate: u32,
}

/// Whether a connection syncs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Syncing.
    Active,
    /// The CRM refused the credentials; nothing is sent until `crm connect` checks new ones.
    /// Jobs stay queued.
    Paused,
    /// `crm disconnect`: nothing is queued or sent.
    Disconnected,
}

/// What `crm status` shows (never the token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// The connection.
    pub connection: Connection,
    /// Its state.
    pub state: State,
    /// The last error, and when (Unix seconds).
    pub last_error: Option<(String, i64)>,
    /// Contacts created, linked (found holding the senderId), updated (username), and senders
    /// skipped (deleted accounts, the business owner, links an agent removed, `--create off`).
    pub counts: Counts,
    /// Senders waiting for a sync (dead letters excluded).
    pub backlog: u64,
    /// When the oldest waiting job was queued (Unix seconds).
    pub oldest_queued: Option<i64>,
    /// Jobs that failed for good.
    pub dead: Vec<DeadLetter>,
}

/// Sync's counters for one connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Contacts created.
    pub created: u64,
    /// Existing contacts linked.
    pub linked: u64,
    /// Username fields updated.
    pub updated: u64,
    /// Senders left alone.
    pub skipped: u64,
}

/// A job that failed for good, with the CRM's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadLetter {
    /// Whose.
    pub sender: SenderId,
    /// Attempts made.
    pub failures: u32,
    /// Why (the CRM's answer).
    pub error: String,
    /// When it was given up (Unix seconds).
    pub dead_at: i64,
}

/// A claimed outbox job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// Whose connection.
    pub tenant: TenantId,
    /// The sender to sync.
    pub sender: SenderId,
    /// The row's generation when claimed.
    pub generation: i64,
    /// Leases taken so far, this one included.
    pub claims: u32,
    /// Failed attempts so far (any failure: drives the back-off).
    pub failures: u32,
    /// Of those, the CRM's refusals (4xx): drive the dead-letter decision.
    pub rejections: u32,
    /// When this lease runs out (ms); with `claims`, it names the lease, so a worker whose lease
    /// ran out and was taken over cannot record its result over the new holder's.
    pub lease_until: i64,
}

/// What the journal says of a sender.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Journal {
    /// Nothing: the relay has never linked or seen this sender linked.
    Unknown,
    /// The latest entry links this contact to the sender.
    Linked(String),
    /// The latest entry took the senderId off a contact (an unlink, an undo, or the field
    /// changed to another sender): an agent decided, and sync leaves the sender alone.
    Unlinked,
}

/// What sync needs to know about a sender, read in one snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    /// Display name, when the person is known and has one.
    pub name: Option<String>,
    /// Current username.
    pub username: Option<String>,
    /// The account is deleted.
    pub deleted: bool,
    /// The sender owns one of the tenant's business connections.
    pub owner: bool,
    /// The journal's verdict.
    pub journal: Journal,
    /// What sync last wrote: contact, username, when (ms).
    pub synced: Option<(String, Option<String>, i64)>,
}

/// How a job ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Done: journal this link (in the same transaction), remember what was written, bump a
    /// counter.
    Done {
        /// A link to journal.
        link: Option<telegram_relay_api::NewLinkEvent>,
        /// The contact and username now in the CRM, when something was written or learned.
        synced: Option<(String, Option<String>)>,
        /// Which counter.
        counted: Counted,
    },
    /// Try again at `due_ms`; `failed` says whether this counts as a failure (a 429 or the
    /// per-contact write spacing do not).
    Retry {
        /// When, in ms.
        due_ms: i64,
        /// The reason, for `crm status`.
        error: String,
        /// Whether to count a failure.
        failed: bool,
        /// Whether the failure was the CRM's refusal (a 4xx).
        rejected: bool,
    },
    /// Give up: a dead letter with the CRM's message.
    Dead {
        /// Why.
        error: String,
    },
}

/// Which counter a finished job bumps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    /// A contact was created.
    Created,
    /// An existing contact was linked.
    Linked,
    /// The username field was written.
    Updated,
    /// The sender was left alone.
    Skipped,
    /// Nothing to do (a known sender, nothing changed).
    Nothing,
}

/// The first backfill step: how the relay's people stand, before asking the CRM.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BackfillPlan {
    /// People the journal knows nothing about: to look up (and perhaps create).
    pub candidates: Vec<SenderId>,
    /// Already linked in the journal.
    pub linked: u64,
    /// Links an agent removed: left alone.
    pub unlinked: u64,
    /// Deleted accounts and business owners.
    pub ineligible: u64,
}
