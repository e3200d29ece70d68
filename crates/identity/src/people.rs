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

/// A CRM contact as the matcher needs it. Everything but `id` may be empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrmContact {
    /// The CRM's own ID of the contact (Zendesk user ID, external ID...), echoed in results.
    pub id: String,
    /// Display name; first and last names joined with a space when the CRM keeps them apart.
    pub name: String,
    /// Phone numbers as written in the CRM.
    #[serde(default)]
    pub phones: Vec<String>,
    /// Email addresses.
    #[serde(default)]
    pub emails: Vec<String>,
    /// Telegram username, if the CRM has such a field.
    #[serde(default)]
    pub username: Option<String>,
    /// The senderId the contact already holds.
    #[serde(default)]
    pub sender_id: Option<SenderId>,
}

/// A Telegram person for unit tests: `person(7100000003, "Jon", "Perk", None, Some("+44 …"))`.
#[cfg(test)]
pub(crate) fn person(
    id: u64,
    first: &str,
    last: &str,
    username: Option<&str>,
    phone: Option<&str>,
) -> TelegramPerson {
    TelegramPerson {
        sender_id: SenderId::new(id).unwrap(),
        first_name: first.into(),
        last_name: last.into(),
        username: username.map(Into::into),
        phone: phone.map(Into::into),
    }
}
