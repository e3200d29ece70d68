//! Types of the relay's HTTP API (`/v1`), shared by the relay and the plugin.
//!
//! Every request and response body of the relay's plugin API is a type in this crate, so that the
//! relay (which serialises them) and the plugin (which deserialises them, in wasm) cannot drift apart.
//! The crate has no server dependencies and builds for `wasm32-unknown-unknown`.
//!
//! # Conventions
//!
//! - Every call carries `Authorization: Bearer <install token>`; a token sees only its own tenant.
//! - Sender IDs are [`SenderId`]s and travel as decimal **strings** (`"7100000001"`), never as JSON
//!   numbers, so no client truncates them to 32 bits or rounds them through a float.
//! - Times are Unix seconds (UTC) as JSON integers.
//! - Cursors ([`Cursor`]) are opaque strings: pass back exactly what the relay gave you.
//! - Optional fields that are absent are omitted from responses; clients must treat a missing field and
//!   `null` alike.
//! - Every error is an [`ErrorBody`]: `{"error":{"code":"not_found","message":"…"}}`.
//!
//! # Endpoints
//!
//! | method and path | request | response |
//! |---|---|---|
//! | `GET /healthz` (no token) | | [`Health`] |
//! | `GET /v1/people/{sender_id}` | | [`Person`] |
//! | `GET /v1/people/{sender_id}/messages?before=&limit=` | [`MessagesQuery`] | [`MessagePage`] |
//! | `GET /v1/people/{sender_id}/messages?after=&limit=` | [`MessagesQuery`] | [`MessagePage`] |
//! | `GET /v1/people?q=&limit=` | [`SearchQuery`] | [`PeopleList`] |
//! | `GET /v1/directory?after=&limit=` | [`DirectoryQuery`] | [`DirectoryPage`] |
//! | `GET /v1/export/telegram-contacts.csv` | | `text/csv` (the identity engine's contact-info CSV) |
//! | `POST /v1/link-events` | [`NewLinkEvent`] | [`LinkEvent`] (201) |
//! | `GET /v1/link-events?sender_id=` or `?contact_id=` | [`LinkEventsQuery`] | [`LinkEventList`] |
//!
//! ```
//! use telegram_relay_api::{ErrorBody, ErrorCode, Person};
//!
//! let body = r#"{"error":{"code":"not_found","message":"no Telegram person 42 in this tenant"}}"#;
//! let err: ErrorBody = serde_json::from_str(body).unwrap();
//! assert_eq!(err.error.code, ErrorCode::NotFound);
//!
//! let person: Person = serde_json::from_str(r#"{
//!     "sender_id": "7100000001", "first_name": "Lucía", "deleted": false,
//!     "message_count": 3, "history": []
//! }"#).unwrap();
//! assert_eq!(person.sender_id.get(), 7_100_000_001);
//! ```
#![deny(missing_docs)]

use serde::{Deserialize, Serialize};

pub use telegram_identity::SenderId;

/// The largest `limit` any list endpoint accepts; larger values are clamped, `0` is refused (400).
pub const MAX_PAGE_LIMIT: u32 = 10_000;

/// The `limit` a conversation page uses when the request gives none.
pub const DEFAULT_MESSAGE_LIMIT: u32 = 50;

/// The `limit` a directory page uses when the request gives none.
pub const DEFAULT_DIRECTORY_LIMIT: u32 = 5_000;

/// An opaque position in a list. Pass it back unchanged; never parse it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(pub String);

impl Cursor {
    /// The cursor as the string to put in a query parameter.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

/// The body of every error response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// A machine-readable code and a human-readable message that names the bad input and the fix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable, machine-readable code.
    pub code: ErrorCode,
    /// English sentence for people; may change between versions.
    pub message: String,
}

/// Stable error codes. Clients should treat unknown codes like [`ErrorCode::Other`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: a query parameter, path segment or body field is invalid.
    BadRequest,
    /// 400: the body is not JSON, or not the JSON this endpoint expects.
    InvalidJson,
    /// 400: a sender ID is not a positive decimal integer that fits in 52 bits.
    InvalidSenderId,
    /// 400: a cursor was not one this relay issued for this list.
    InvalidCursor,
    /// 401: missing or wrong install token (or webhook secret).
    Unauthorized,
    /// 404: no such resource in this tenant.
    NotFound,
    /// 405: the path exists but not with this HTTP method.
    MethodNotAllowed,
    /// 413: the body is larger than the relay accepts.
    PayloadTooLarge,
    /// 415: the body is not declared as `application/json`.
    UnsupportedMediaType,
    /// 500: the relay failed; its logs say why.
    Internal,
    /// 503: the relay is shutting down or its storage is unavailable; retry later.
    Unavailable,
    /// 429: the install token made too many requests; retry after `Retry-After` seconds.
    RateLimited,
    /// 409: a reply cannot reach this person until they write (again) to the bot or business:
    /// they never wrote, blocked the bot, or Telegram does not know the chat.
    MustWriteFirst,
    /// 409: the business chat's last incoming message is more than 24 hours old; Telegram lets a
    /// business bot answer only within that window.
    ReplyWindowClosed,
    /// 409: the business connection is disabled, or the bot lacks the right to reply in it.
    BusinessConnectionDisabled,
    /// 409: the bot that would send has no token in the relay (`telegram-relay bot set-token`).
    NoBotToken,
    /// 409: a reply with this `client_id` is being sent, or its outcome is unknown (the relay
    /// stopped while sending); look at the conversation before sending again.
    SendInProgress,
    /// 409: this `client_id` was used for another reply.
    ClientIdReused,
    /// 429: Telegram's flood control; retry after `Retry-After` seconds.
    TelegramRateLimited,
    /// 502: Telegram could not be reached or failed; nothing was sent.
    TelegramUnavailable,
    /// Any code this version of the crate does not know.
    #[serde(other)]
    Other,
}

impl ErrorCode {
    /// The HTTP status that carries this code.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest
            | ErrorCode::InvalidJson
            | ErrorCode::InvalidSenderId
            | ErrorCode::InvalidCursor => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::Internal | ErrorCode::Other => 500,
            ErrorCode::Unavailable => 503,
            ErrorCode::RateLimited | ErrorCode::TelegramRateLimited => 429,
            ErrorCode::MustWriteFirst
            | ErrorCode::ReplyWindowClosed
            | ErrorCode::BusinessConnectionDisabled
            | ErrorCode::NoBotToken
            | ErrorCode::SendInProgress
            | ErrorCode::ClientIdReused => 409,
            ErrorCode::TelegramUnavailable => 502,
        }
    }
}

/// The longest reply, in UTF-16 code units: Telegram allows 4,096 characters and counts entity
/// offsets in UTF-16 code units; counting the text the same way is never more than it allows (a
/// character outside the Basic Multilingual Plane, such as most emoji, counts two).
pub const MAX_REPLY_UTF16: usize = 4096;

/// `POST /v1/people/{sender_id}/messages`: a reply to send in the person's conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewReply {
    /// The text: 1 to 4,096 UTF-16 code units (Telegram's limit, counted as Telegram counts).
    pub text: String,
    /// Telegram's ID of the message this answers (`telegram_message_id` of a message in the
    /// same conversation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<i64>,
    /// A new random ID per reply, the same when the POST is retried: it is sent at most once.
    pub client_id: String,
    /// Who sends it, as the CRM names the agent.
    pub agent: String,
}

/// `GET /healthz`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `"ok"` when the relay can read its storage.
    pub status: String,
    /// The relay's version.
    pub version: String,
    /// The relay → CRM sync, when a tenant has an active connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncHealth>,
}

/// The sync part of `/healthz`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncHealth {
    /// Senders waiting for a sync (dead letters excluded).
    pub backlog: u64,
    /// Seconds the oldest waiting sync has been queued (0 with none).
    pub lag_seconds: i64,
}

// ---------------------------------------------------------------------------------------------
// People

/// `GET /v1/people/{sender_id}`: everything the relay knows about one Telegram person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// The person's Telegram user ID, the anchor of identity.
    pub sender_id: SenderId,
    /// Current first name as Telegram last showed it (empty for a deleted account).
    pub first_name: String,
    /// Current last name, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Current username without `@`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Phone number, only when the person shared it or it came from the business's own contact list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Where [`Person::phone`] came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_source: Option<PhoneSource>,
    /// Telegram reports the account as deleted.
    pub deleted: bool,
    /// First time the relay saw this person (message, update or import), Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<i64>,
    /// Last time the relay saw this person, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<i64>,
    /// Number of messages in the person's conversation (deleted ones included).
    pub message_count: u64,
    /// The newest message of the conversation, to show who this is before linking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<Message>,
    /// Every change of name, username or phone, newest first.
    pub history: Vec<ProfileChange>,
}

/// Where a phone number came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneSource {
    /// The person shared their own contact in the chat (`contact.user_id` equal to the sender).
    Shared,
    /// The business's own Telegram contact list (a Telegram Desktop export).
    ContactList,
}

/// A profile field whose changes are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileField {
    /// `first_name`.
    FirstName,
    /// `last_name`.
    LastName,
    /// `username`.
    Username,
    /// `phone`.
    Phone,
}

/// "`field` was `old_value` until `valid_until`, then became `new_value`".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileChange {
    /// The field that changed.
    pub field: ProfileField,
    /// The value before the change (absent when the field was empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_value: Option<String>,
    /// The value after the change (absent when the field was cleared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_value: Option<String>,
    /// When the relay first saw the new value (the old value was valid until then), Unix seconds.
    pub valid_until: i64,
}

/// A short description of a person, used by search and the directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonSummary {
    /// Telegram user ID.
    pub sender_id: SenderId,
    /// First name.
    pub first_name: String,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Username without `@`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Phone, when known (see [`Person::phone`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Deleted account.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deleted: bool,
    /// Last time the relay saw this person, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<i64>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// `GET /v1/people?q=TEXT&limit=N`: search by name, username (with or without `@`) or phone digits.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchQuery {
    /// The text to look for.
    pub q: String,
    /// At most this many results (default 20, at most [`MAX_PAGE_LIMIT`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// Response of search: a person whose username equals the query first, then the most recently seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeopleList {
    /// The people found.
    pub people: Vec<PersonSummary>,
}

/// `GET /v1/directory?after=CURSOR&limit=N`: every person of the tenant, for matching in the browser.
///
/// Without `after`, the list starts from the beginning. Each page gives `next`; call again with
/// `after=next` while `has_more` is true. Later, calling with the last `next` returns only the people
/// created or changed since (the directory is incremental).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryQuery {
    /// Where the previous page ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Cursor>,
    /// Page size (default [`DEFAULT_DIRECTORY_LIMIT`], at most [`MAX_PAGE_LIMIT`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// One page of the directory, in change order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryPage {
    /// People created or changed after the request's cursor.
    pub people: Vec<PersonSummary>,
    /// Pass as `after` to continue, or later to fetch only changes.
    pub next: Cursor,
    /// More people are waiting right now.
    pub has_more: bool,
}

// ---------------------------------------------------------------------------------------------
// Messages

/// `GET /v1/people/{sender_id}/messages`: give `before` (or nothing) to page back in time, or `after`
/// to poll for messages created, edited or deleted since an earlier page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagesQuery {
    /// A [`MessagePage::older`] cursor: return messages older than it, newest first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Cursor>,
    /// A [`MessagePage::newer`] cursor: return messages created or changed since, oldest change first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Cursor>,
    /// Page size (default [`DEFAULT_MESSAGE_LIMIT`], at most [`MAX_PAGE_LIMIT`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// One page of a person's conversation: the private chats with that sender across every bot and
/// business connection of the tenant, and any Desktop export history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePage {
    /// Newest first for `before` pages; in change order (oldest change first) for `after` pages.
    /// A message seen again in an `after` page replaces the earlier copy (same `id`).
    pub messages: Vec<Message>,
    /// Pass as `before` for the next older page; absent when there is nothing older.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub older: Option<Cursor>,
    /// Pass as `after` to poll for new, edited or deleted messages.
    pub newer: Cursor,
}

/// Who wrote a message, seen from the business.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    /// From the Telegram person to the business.
    #[serde(rename = "in")]
    In,
    /// From the business (its account, bot or staff) to the person.
    #[serde(rename = "out")]
    Out,
}

/// How a message reached the relay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageOrigin {
    /// A chat with the business's bot (Bot API `message`).
    Bot,
    /// A chat of a Telegram Business account connected to the bot (`business_message`).
    Business,
    /// A Telegram Desktop export imported by an operator.
    DesktopExport,
}

/// A message of a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// The relay's stable ID of the message (unique in the tenant).
    pub id: String,
    /// Telegram's message ID within its chat.
    pub telegram_message_id: i64,
    /// How the message arrived.
    pub origin: MessageOrigin,
    /// The Telegram Business connection, for business chats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_connection_id: Option<String>,
    /// Incoming or outgoing.
    pub direction: Direction,
    /// When it was sent, Unix seconds.
    pub sent_at: i64,
    /// The text, or for media the caption (empty when there is none).
    pub text: String,
    /// Formatting of [`Message::text`], offsets and lengths in UTF-16 code units as Telegram sends.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<Entity>,
    /// What the message carries besides text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<Media>,
    /// The message this one replies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<ReplyRef>,
    /// When it was last edited, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<i64>,
    /// Earlier versions of the text, newest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous_versions: Vec<PreviousVersion>,
    /// The message was deleted in Telegram; its content is kept here.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deleted: bool,
    /// When the relay learned of the deletion, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<i64>,
    /// Who sent it from the CRM (a reply written in the sidebar), as the host named the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_by: Option<String>,
}

/// A Telegram `MessageEntity`: a span of formatting. Offsets are UTF-16 code units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    /// Telegram's entity type (`bold`, `italic`, `code`, `pre`, `text_link`, `mention`, …). Render
    /// unknown types as plain text.
    #[serde(rename = "type")]
    pub kind: String,
    /// Start, in UTF-16 code units.
    pub offset: u32,
    /// Length, in UTF-16 code units.
    pub length: u32,
    /// Target of a `text_link`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The user of a `text_mention`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<SenderId>,
    /// Language of a `pre` block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// ID of a `custom_emoji`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_emoji_id: Option<String>,
}

/// A placeholder for media: what it is, never the file itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    /// The kind of media.
    pub kind: MediaKind,
    /// Original file name (documents, some audio and video).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// MIME type, when Telegram gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Duration of audio, voice or video, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<u32>,
    /// Size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_size: Option<u64>,
    /// A title: venue name, audio title, poll question, shared contact's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// What kind of media a message carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// A photo.
    Photo,
    /// A video.
    Video,
    /// A round video message.
    VideoNote,
    /// A GIF or silent video.
    Animation,
    /// A voice message.
    Voice,
    /// A music file.
    Audio,
    /// Any other file.
    Document,
    /// A sticker.
    Sticker,
    /// A map point.
    Location,
    /// A place with a name and address.
    Venue,
    /// A shared contact card.
    Contact,
    /// A poll.
    Poll,
    /// Something else (a service message, a game, a dice…).
    Other,
}

/// A reference to the message replied to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyRef {
    /// Telegram's ID of the replied-to message, in the same chat.
    pub telegram_message_id: i64,
    /// The relay's ID of it, when the relay has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The start of its text, when known, to quote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// The text of a message before an edit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousVersion {
    /// The old text.
    pub text: String,
    /// Until when it was current (the time of the edit that replaced it), Unix seconds.
    pub valid_until: i64,
}

// ---------------------------------------------------------------------------------------------
// Link journal

/// The `actor` of the journal entries the relay's CRM sync writes (a contact it created or found
/// for a Telegram person who wrote first).
pub const SYNC_ACTOR: &str = "telegram-relay sync";

/// What a journal entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkAction {
    /// The senderId field was set (from empty, or replacing another value with the agent's consent).
    Link,
    /// The senderId field was cleared.
    Unlink,
    /// An earlier entry (or batch) was reverted; `old_value`/`new_value` say what was written.
    Undo,
}

/// `POST /v1/link-events`: record a write of the senderId field in the CRM.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLinkEvent {
    /// What was done.
    pub action: LinkAction,
    /// The CRM's ID of the contact written.
    pub contact_id: String,
    /// The field's value before the write, exactly as the CRM held it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_value: Option<String>,
    /// The field's value after the write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_value: Option<String>,
    /// Who did it (the CRM user's ID or name).
    pub actor: String,
    /// The bulk-linking batch this write belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<String>,
    /// For [`LinkAction::Undo`]: the entry being undone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undoes: Option<String>,
    /// Why (match reasons, "manual entry", …); free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `POST /v1/link-events/batch`: the writes of one bulk batch, recorded together (all or none).
/// An event whose `batch_id`, `contact_id` and `action` are already journaled is not recorded
/// again, so a batch re-sent after a lost answer leaves one entry per write.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLinkEvents {
    /// The events, at most [`MAX_LINK_EVENTS_PER_BATCH`].
    pub events: Vec<NewLinkEvent>,
}

/// The most events one `POST /v1/link-events/batch` takes.
pub const MAX_LINK_EVENTS_PER_BATCH: usize = 1_000;

/// The answer to `POST /v1/link-events/batch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedLinkEvents {
    /// Events recorded now.
    pub recorded: usize,
    /// Events that were already in the journal, left as they were.
    pub already: usize,
}

/// A recorded journal entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkEvent {
    /// The relay's ID of the entry.
    pub id: String,
    /// When the relay recorded it, Unix seconds.
    pub recorded_at: i64,
    /// The sender ID involved: the new value's, or for an unlink the old value's (when valid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_id: Option<SenderId>,
    /// The entry as posted.
    #[serde(flatten)]
    pub event: NewLinkEvent,
}

/// `GET /v1/link-events?sender_id=…` or `?contact_id=…` (exactly one of them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkEventsQuery {
    /// Entries whose old or new value is this sender ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_id: Option<String>,
    /// Entries about this CRM contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    /// Entries of this batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<String>,
}

/// Journal entries, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkEventList {
    /// The entries.
    pub events: Vec<LinkEvent>,
}

/// `PUT /v1/documents/{key}` stores any JSON body under `key` for the tenant; `GET
/// /v1/documents?prefix=…` answers the documents whose key starts with `prefix`, in key order.
/// The relay keeps them for the plugin (the bulk page's runs) and never reads them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// `[A-Za-z0-9._:/-]`, 1 to 200 characters.
    pub key: String,
    /// The JSON stored, as text.
    pub body: String,
    /// When it was last written, Unix seconds.
    pub updated_at: i64,
}

/// `GET /v1/documents?prefix=…`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentsQuery {
    /// Only keys starting with this (all when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
}

/// The answer of `GET /v1/documents`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentList {
    /// In key order.
    pub documents: Vec<Document>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sender_ids_travel_as_strings() {
        let s = PersonSummary {
            sender_id: SenderId::new(7_100_000_001).unwrap(),
            first_name: "Lucía".into(),
            last_name: None,
            username: None,
            phone: None,
            deleted: false,
            last_seen: None,
        };
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v, json!({"sender_id": "7100000001", "first_name": "Lucía"}));
        assert_eq!(serde_json::from_value::<PersonSummary>(v).unwrap(), s);
    }

    #[test]
    fn error_body_shape_and_unknown_codes() {
        let body = ErrorBody {
            error: ErrorDetail {
                code: ErrorCode::InvalidSenderId,
                message: "x".into(),
            },
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"error": {"code": "invalid_sender_id", "message": "x"}})
        );
        let future: ErrorBody =
            serde_json::from_value(json!({"error": {"code": "teapot", "message": "m"}})).unwrap();
        assert_eq!(future.error.code, ErrorCode::Other);
        assert_eq!(ErrorCode::PayloadTooLarge.http_status(), 413);
    }

    #[test]
    fn message_direction_and_omitted_fields() {
        let m = Message {
            id: "m1".into(),
            telegram_message_id: 5,
            origin: MessageOrigin::Business,
            business_connection_id: Some("bc".into()),
            direction: Direction::Out,
            sent_at: 1_700_000_000,
            text: "hi".into(),
            entities: vec![],
            media: None,
            reply_to: None,
            edited_at: None,
            previous_versions: vec![],
            deleted: false,
            deleted_at: None,
            sent_by: None,
        };
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(
            v,
            json!({"id": "m1", "telegram_message_id": 5, "origin": "business",
                   "business_connection_id": "bc", "direction": "out",
                   "sent_at": 1_700_000_000, "text": "hi"})
        );
        assert_eq!(serde_json::from_value::<Message>(v).unwrap(), m);
    }

    #[test]
    fn link_event_is_flat() {
        let e = LinkEvent {
            id: "1".into(),
            recorded_at: 10,
            sender_id: Some(SenderId::new(42).unwrap()),
            event: NewLinkEvent {
                action: LinkAction::Link,
                contact_id: "c9".into(),
                old_value: None,
                new_value: Some("42".into()),
                actor: "agent 7".into(),
                batch_id: None,
                undoes: None,
                reason: None,
            },
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            json!({"id": "1", "recorded_at": 10, "sender_id": "42", "action": "link",
                   "contact_id": "c9", "new_value": "42", "actor": "agent 7"})
        );
        assert_eq!(serde_json::from_value::<LinkEvent>(v).unwrap(), e);
    }
}
