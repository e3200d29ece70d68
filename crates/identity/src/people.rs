//! The two sides of matching: Telegram people and CRM contacts, as plain values.

use serde::{Deserialize, Serialize};

use crate::SenderId;

/// A Telegram person as the relay knows them (or as a Telegram contact-info CSV lists them).
///
/// Names, username and phone are evidence, never keys: only [`TelegramPerson::sender_id`] identifies
/// the person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TelegramPerson {
    /// The stable Telegram user ID.
    pub sender_id: SenderId,
    /// First name as the person set it (may be empty for deleted accounts).
    pub first_name: String,
    /// Last name (often empty).
    pub last_name: String,
    /// Username without `@`, if the person has one.
    pub username: Option<String>,
    /// Phone number as shared (usually hidden by the person's privacy settings).
    pub phone: Option<String>,
}
