//! Replies from the sidebar: `POST /v1/people/{sender_id}/messages` sends through the Bot API in
//! the conversation's chat, and stores what was sent as an outgoing message.
//!
//! Where it goes: the chat of the person's newest incoming message (Desktop imports aside). A
//! business chat is answered through its business connection, when the connection is enabled and
//! the person wrote in the last 24 hours (Telegram's reply window); a bot chat through the bot
//! that received it.
//!
//! Delivery is at most once. The reply is recorded as `sending` (committed) before Telegram is
//! asked, and as `sent`, with the stored message, once it answered. A retried POST with the same
//! `client_id` answers the stored message and never sends again. If the relay stops between
//! Telegram's answer and its own commit, the outcome is unknown: the row stays `sending`, a retry
//! is refused with a message saying to look at the conversation, and a business chat's copy still
//! arrives through Telegram's own echo of the message. Telegram has no idempotency key for
//! `sendMessage`, so sending again could not be de-duplicated: a lost reply is better than a
//! doubled one in a customer's chat.

use telegram_relay_api::{Message, SenderId};

use crate::telegram::Space;

/// The most UTF-16 code units a reply may hold (see the constant's documentation).
pub const MAX_TEXT: usize = telegram_relay_api::MAX_REPLY_UTF16;

/// How long after a customer's last message a business chat may be answered, in seconds.
pub const BUSINESS_WINDOW: i64 = 24 * 60 * 60;

/// A reply to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    /// The plugin's ID of this reply (a retried POST carries the same one).
    pub client_id: String,
    /// To whom.
    pub sender: SenderId,
    /// The text.
    pub text: String,
    /// Telegram's ID of the message it answers, in the same chat.
    pub reply_to: Option<i64>,
    /// Who sends it, as the host names them.
    pub agent: String,
}

/// Where a reply goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The bot that sends it (its webhook ID).
    pub webhook_id: String,
    /// The bot's token, sealed.
    pub sealed_token: Vec<u8>,
    /// The chat's space (bot or business connection).
    pub space: Space,
    /// The chat.
    pub chat_id: i64,
}

impl Route {
    /// The business connection to send through, for a business chat.
    pub fn business_connection(&self) -> Option<&str> {
        match &self.space {
            Space::Business(id) => Some(id),
            _ => None,
        }
    }
}

/// Why no reply can be sent now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Closed {
    /// The person never wrote to a bot or business account of this tenant.
    NoConversation,
    /// The business chat's last incoming message is older than 24 hours (when, Unix seconds).
    WindowClosed(i64),
    /// The business connection is disabled (or unknown) in Telegram.
    ConnectionDisabled,
    /// The bot that would send has no token (its webhook ID).
    NoToken(String),
}

/// What the storage found for a reply about to be sent.
#[derive(Clone, Debug, PartialEq)]
pub enum Begin {
    /// Recorded as `sending`: send it this way.
    Send(Route),
    /// Sent before (a retried POST): the stored message.
    Sent(Box<Message>),
    /// Being sent, or its outcome is unknown (the relay stopped while sending).
    InFlight,
    /// The client ID was used for another reply (another text or person).
    Reused,
    /// Cannot be sent now.
    Closed(Closed),
}

/// How a send ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finish {
    /// Telegram accepted it: its message ID and date.
    Sent {
        /// The route it took.
        route: Route,
        /// Telegram's `message_id`.
        telegram_id: i64,
        /// Telegram's `date`.
        date: i64,
    },
    /// Telegram refused it (nothing was sent); why, for the record.
    Failed(String),
}

/// Checks a reply's text and client ID; the error says what to fix.
pub fn check(text: &str, client_id: &str) -> Result<(), String> {
    let units = text.encode_utf16().count();
    if text.trim().is_empty() {
        return Err("`text` is empty: write the reply first".into());
    }
    if units > MAX_TEXT {
        return Err(format!(
            "`text` is {units} characters (UTF-16 code units, as Telegram counts); Telegram takes at most {MAX_TEXT}: shorten it or split it into two messages"
        ));
    }
    if client_id.is_empty()
        || client_id.len() > 64
        || !client_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(
            "`client_id` must be 1 to 64 characters of A-Z a-z 0-9 - _ (a new random ID per reply, the same on a retry)"
                .into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_counted_as_telegram_counts_them() {
        assert!(check("hola", "c1").is_ok());
        assert!(check(&"x".repeat(MAX_TEXT), "c1").is_ok());
        let over = check(&"x".repeat(MAX_TEXT + 1), "c1").unwrap_err();
        assert!(over.contains("4097") && over.contains("4096"), "{over}");
        // 2,048 emoji are 4,096 UTF-16 code units: the limit; one more is over.
        assert!(check(&"😀".repeat(2048), "c1").is_ok());
        assert!(check(&"😀".repeat(2049), "c1").is_err());
        assert!(check("  \n", "c1").unwrap_err().contains("empty"));
        for bad in ["", "has space", &"x".repeat(65)] {
            assert!(
                check("hi", bad).unwrap_err().contains("client_id"),
                "{bad:?}"
            );
        }
    }
}
