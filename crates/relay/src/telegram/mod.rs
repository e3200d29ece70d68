//! Telegram's formats, parsed into [`Event`]s: what happened, as plain values.
//!
//! Parsing does no IO and reads no clock: the Bot API parser ([`bot_api`]) and the Desktop export
//! parser ([`desktop`]) turn bytes into events, and the storage applies them in one transaction. Both
//! ingest paths (webhook and import) therefore share every rule about people and messages.

pub mod bot_api;
pub mod client;
pub mod desktop;

use telegram_relay_api::{Direction, Entity, Media, MessageOrigin, PhoneSource, SenderId};

/// One fact learned from Telegram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A person's profile as Telegram showed it at time `at`.
    Profile(Profile),
    /// A person's phone number, from a source we trust for that person.
    Phone {
        /// Whose phone.
        sender_id: SenderId,
        /// The number as given.
        phone: String,
        /// Shared by the person, or from the business's contact list.
        source: PhoneSource,
        /// When it was learned (Unix seconds).
        at: i64,
    },
    /// A message, new or (with `edited_at`) in an edited version.
    Message(NewMessage),
    /// Messages deleted in a conversation (`deleted_business_messages`).
    Deleted {
        /// The conversation.
        space: Space,
        /// Its chat ID.
        chat_id: i64,
        /// Telegram message IDs.
        message_ids: Vec<i64>,
    },
    /// A Telegram Business account connected (or disconnected) the bot.
    BusinessConnection {
        /// The connection ID that later business messages carry.
        id: String,
        /// The business account's user ID.
        owner: SenderId,
        /// Whether the connection is active.
        enabled: bool,
        /// When (Unix seconds).
        at: i64,
    },
}

/// A person's names as seen at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// Who.
    pub sender_id: SenderId,
    /// First name ("Deleted Account" for deleted accounts, as Telegram shows them).
    pub first_name: String,
    /// Last name.
    pub last_name: Option<String>,
    /// Username, when the source tells (`None` also when the source cannot tell).
    pub username: Option<String>,
    /// Whether the source says anything about the username (Desktop exports do not).
    pub username_known: bool,
    /// A weak observation (a Desktop export chat's display name) only fills in a person the relay
    /// has not seen; it never changes a known person's names.
    pub weak: bool,
    /// The account is deleted.
    pub deleted: bool,
    /// When the profile was observed (Unix seconds).
    pub at: i64,
}

/// The key space of a conversation: together with the chat ID it names one conversation, and with
/// the Telegram message ID one message.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Space {
    /// A chat with the bot receiving the webhook.
    Bot,
    /// A chat of a Telegram Business connection (`""` when the update did not say which).
    Business(String),
    /// A chat from a Telegram Desktop export of the account with this ID (`0` when unknown).
    Desktop(u64),
}

impl Space {
    /// The origin reported to the plugin.
    pub fn origin(&self) -> MessageOrigin {
        match self {
            Space::Bot => MessageOrigin::Bot,
            Space::Business(_) => MessageOrigin::Business,
            Space::Desktop(_) => MessageOrigin::DesktopExport,
        }
    }
}

/// A message as parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMessage {
    /// Which conversation space.
    pub space: Space,
    /// The chat.
    pub chat_id: i64,
    /// Telegram's ID of the message in the chat.
    pub message_id: i64,
    /// The person whose conversation this is: the peer of a private chat (`None` for groups).
    pub person: Option<SenderId>,
    /// Incoming or outgoing.
    pub direction: Direction,
    /// When sent (Unix seconds).
    pub sent_at: i64,
    /// Text, or caption for media.
    pub text: String,
    /// Formatting of `text` (UTF-16 offsets).
    pub entities: Vec<Entity>,
    /// Media placeholder.
    pub media: Option<Media>,
    /// The message replied to, with its text when the update carried it.
    pub reply_to: Option<(i64, Option<String>)>,
    /// Set when this is an edited version.
    pub edited_at: Option<i64>,
    /// The sender is a bot: its messages are kept, but no CRM contact is made for it.
    pub from_bot: bool,
}

/// UTF-16 length of a string: Telegram's unit for entity offsets.
pub fn utf16_len(s: &str) -> u32 {
    s.encode_utf16().count() as u32
}

/// Entities as stored: those that start inside `text` (in UTF-16 units, as Telegram counts), with
/// their length cut at the text's end; empty ones and those past the end are dropped. A hostile or
/// buggy sender's offsets never reach the plugin.
pub fn fit_entities(text: &str, entities: Vec<Entity>) -> Vec<Entity> {
    let len = utf16_len(text);
    entities
        .into_iter()
        .filter(|e| e.offset < len && e.length > 0)
        .map(|e| Entity {
            length: e.length.min(len - e.offset),
            ..e
        })
        .collect()
}

/// A Telegram name pair is "deleted" when Telegram shows the placeholder it uses for deleted
/// accounts. The Bot API has no flag for it; this is the documented appearance.
pub fn looks_deleted(first_name: &str, last_name: Option<&str>) -> bool {
    first_name == "Deleted Account" && last_name.is_none_or(str::is_empty)
}
