//! How the API's enums are stored in TEXT columns. Each enum has one table, and both the writes
//! (`apply.rs`) and the reads (`read.rs`) go through it, so the two directions cannot drift apart.

use telegram_relay_api::{Direction, LinkAction, PhoneSource, ProfileField};

use super::StoreError;
use crate::crm::State;

/// An enum stored as text: every variant with its column value.
pub(super) trait Code: Copy + PartialEq + 'static {
    const CODES: &'static [(Self, &'static str)];

    /// The column value of `self`.
    fn code(self) -> &'static str {
        Self::CODES
            .iter()
            .find(|(v, _)| *v == self)
            .map(|(_, c)| *c)
            .expect("every variant is in its CODES table")
    }

    /// The variant stored as `text` in result column `column`; a value no table holds is a
    /// conversion error (the database was written by something else), not a silent default.
    fn decode(column: usize, text: &str) -> Result<Self, StoreError> {
        Self::CODES
            .iter()
            .find(|(_, c)| *c == text)
            .map(|(v, _)| *v)
            .ok_or_else(|| super::sql::unreadable(column, format!("unknown value {text:?}")))
    }
}

impl Code for Direction {
    const CODES: &'static [(Self, &'static str)] =
        &[(Direction::In, "in"), (Direction::Out, "out")];
}

impl Code for LinkAction {
    const CODES: &'static [(Self, &'static str)] = &[
        (LinkAction::Link, "link"),
        (LinkAction::Unlink, "unlink"),
        (LinkAction::Undo, "undo"),
    ];
}

impl Code for PhoneSource {
    const CODES: &'static [(Self, &'static str)] = &[
        (PhoneSource::Shared, "shared"),
        (PhoneSource::ContactList, "contact_list"),
    ];
}

impl Code for ProfileField {
    const CODES: &'static [(Self, &'static str)] = &[
        (ProfileField::FirstName, "first_name"),
        (ProfileField::LastName, "last_name"),
        (ProfileField::Username, "username"),
        (ProfileField::Phone, "phone"),
    ];
}

impl Code for State {
    const CODES: &'static [(Self, &'static str)] = &[
        (State::Active, "active"),
        (State::Paused, "paused"),
        (State::Disconnected, "disconnected"),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T: Code + std::fmt::Debug>() {
        for (variant, code) in T::CODES {
            assert_eq!(variant.code(), *code);
            assert_eq!(T::decode(0, code).unwrap(), *variant);
        }
        assert!(T::decode(3, "no such value").is_err());
    }

    #[test]
    fn every_stored_enum_round_trips_and_rejects_unknown_text() {
        round_trips::<Direction>();
        round_trips::<LinkAction>();
        round_trips::<PhoneSource>();
        round_trips::<ProfileField>();
    }

    /// Every variant of today has a code (one missing from CODES would panic in `code`).
    #[test]
    fn tables_hold_every_variant() {
        let _ = [Direction::In, Direction::Out].map(Code::code);
        let _ = [LinkAction::Link, LinkAction::Unlink, LinkAction::Undo].map(Code::code);
        let _ = [PhoneSource::Shared, PhoneSource::ContactList].map(Code::code);
        let _ = [
            ProfileField::FirstName,
            ProfileField::LastName,
            ProfileField::Username,
            ProfileField::Phone,
        ]
        .map(Code::code);
    }
}
