//! The storage rules as pure functions: what is stored and what arrived go in, what to write
//! comes out. A backend runs them inside its own transaction (SQLite's in `apply.rs`) and only
//! reads and writes rows, so two backends cannot disagree on a rule. Tested here, without a
//! database.

use telegram_relay_api::{PhoneSource, ProfileField};

use crate::telegram::Profile;

/// A person as stored, as far as the rules need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StoredPerson {
    pub(crate) first_name: String,
    pub(crate) last_name: Option<String>,
    pub(crate) username: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) phone_source: Option<PhoneSource>,
    pub(crate) deleted: bool,
    /// When the stored profile was observed (Unix seconds).
    pub(crate) profile_at: i64,
}

/// One change of a profile field, for the person's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FieldChange {
    pub(crate) field: ProfileField,
    pub(crate) old: Option<String>,
    pub(crate) new: Option<String>,
}

/// What a profile observation does to a person the relay knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ProfileUpdate {
    /// Only when the person was first and last seen moves: a weak observation (a Desktop
    /// export's chat name) or one older than the stored profile.
    SeenOnly,
    /// The profile as observed, the history entries it makes, and whether the person visibly
    /// changed (a new revision, so polling clients see it).
    Refresh {
        first_name: String,
        last_name: Option<String>,
        username: Option<String>,
        deleted: bool,
        changes: Vec<FieldChange>,
        new_revision: bool,
    },
}

/// Empty strings are no value.
pub(crate) fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// A profile observation against the stored person. A source that cannot tell the username
/// (`username_known` false) keeps the stored one.
pub(crate) fn profile_update(old: &StoredPerson, seen: &Profile) -> ProfileUpdate {
    if seen.weak || seen.at < old.profile_at {
        return ProfileUpdate::SeenOnly;
    }
    let last_name = non_empty(&seen.last_name).map(str::to_owned);
    let username = if seen.username_known {
        non_empty(&seen.username).map(str::to_owned)
    } else {
        old.username.clone()
    };
    let mut changes = Vec::new();
    let mut change = |field, old: Option<&str>, new: Option<&str>| {
        if old != new {
            changes.push(FieldChange {
                field,
                old: old.map(str::to_owned),
                new: new.map(str::to_owned),
            });
        }
    };
    change(
        ProfileField::FirstName,
        Some(&old.first_name),
        Some(&seen.first_name),
    );
    change(
        ProfileField::LastName,
        old.last_name.as_deref(),
        last_name.as_deref(),
    );
    change(
        ProfileField::Username,
        old.username.as_deref(),
        username.as_deref(),
    );
    let new_revision = !changes.is_empty() || old.deleted != seen.deleted;
    ProfileUpdate::Refresh {
        first_name: seen.first_name.clone(),
        last_name,
        username,
        deleted: seen.deleted,
        changes,
        new_revision,
    }
}

/// What a phone observation does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PhoneUpdate {
    /// Nothing: the same phone from the same source, or the contact list's phone for a person
    /// who shared their own.
    Keep,
    /// Store the phone and its source (a new revision); `change` for the history when the
    /// number itself changed.
    Set { change: Option<FieldChange> },
}

/// A phone observation against the stored person: the person's own shared phone outranks the
/// business's contact list.
pub(crate) fn phone_update(old: &StoredPerson, phone: &str, source: PhoneSource) -> PhoneUpdate {
    if old.phone_source == Some(PhoneSource::Shared) && source == PhoneSource::ContactList {
        return PhoneUpdate::Keep;
    }
    if old.phone.as_deref() == Some(phone) && old.phone_source == Some(source) {
        return PhoneUpdate::Keep;
    }
    PhoneUpdate::Set {
        change: (old.phone.as_deref() != Some(phone)).then(|| FieldChange {
            field: ProfileField::Phone,
            old: old.phone.clone(),
            new: Some(phone.to_owned()),
        }),
    }
}

/// What a message that is already stored (same conversation and Telegram ID) does when it
/// arrives again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum MessageUpdate {
    /// Nothing: the same message again, or an edit older than the stored one.
    Nothing,
    /// Keep `text`, valid until `valid_until`, as a previous version; the message stays as it
    /// is (the original arriving after its edit).
    AddVersion { text: String, valid_until: i64 },
    /// A newer edit: the message takes the new text and `edited_at`, and the stored text, when
    /// it differs, becomes a previous version valid until the edit.
    Edit {
        previous: Option<String>,
        edited_at: i64,
    },
}

/// An arrival of a stored message. `versions_stored` is asked only when the original arrives
/// after an edit (whether a first version is already kept).
pub(crate) fn message_update<E>(
    stored_text: &str,
    stored_edited_at: Option<i64>,
    text: &str,
    edited_at: Option<i64>,
    versions_stored: impl FnOnce() -> Result<bool, E>,
) -> Result<MessageUpdate, E> {
    Ok(match (edited_at, stored_edited_at) {
        // The original after an edit: its text is the first version, once.
        (None, Some(edit)) if stored_text != text && !versions_stored()? => {
            MessageUpdate::AddVersion {
                text: text.to_owned(),
                valid_until: edit,
            }
        }
        (Some(edit), old) if old.is_none_or(|old| edit > old) => MessageUpdate::Edit {
            previous: (stored_text != text).then(|| stored_text.to_owned()),
            edited_at: edit,
        },
        _ => MessageUpdate::Nothing,
    })
}

/// What a deletion does, given whether the message is stored and already marked deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DeletionUpdate {
    /// Mark it deleted now (content kept; a new revision).
    Mark,
    /// It is already marked: nothing.
    Nothing,
    /// It has not arrived: remember the deletion, which the message takes when it comes.
    Remember,
}

/// A deletion against the stored message: `None` when it is not stored, `Some(deleted)`
/// otherwise.
pub(crate) fn deletion_update(stored: Option<bool>) -> DeletionUpdate {
    match stored {
        Some(false) => DeletionUpdate::Mark,
        Some(true) => DeletionUpdate::Nothing,
        None => DeletionUpdate::Remember,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use telegram_identity::SenderId;

    fn stored() -> StoredPerson {
        StoredPerson {
            first_name: "Lucía".into(),
            last_name: Some("Fernández".into()),
            username: Some("lucia_fg".into()),
            phone: None,
            phone_source: None,
            deleted: false,
            profile_at: 100,
        }
    }

    fn seen(first: &str, last: Option<&str>, username: Option<&str>, at: i64) -> Profile {
        Profile {
            sender_id: SenderId::new(7_100_000_001).unwrap(),
            first_name: first.into(),
            last_name: last.map(String::from),
            username: username.map(String::from),
            username_known: true,
            weak: false,
            deleted: false,
            at,
        }
    }

    fn fields(update: &ProfileUpdate) -> Vec<(ProfileField, Option<&str>, Option<&str>)> {
        match update {
            ProfileUpdate::SeenOnly => Vec::new(),
            ProfileUpdate::Refresh { changes, .. } => changes
                .iter()
                .map(|c| (c.field, c.old.as_deref(), c.new.as_deref()))
                .collect(),
        }
    }

    #[test]
    fn a_profile_changes_only_forward_in_time_and_records_each_field() {
        let old = stored();
        // The same profile again: refreshed, nothing to record, no new revision.
        let same = profile_update(
            &old,
            &seen("Lucía", Some("Fernández"), Some("lucia_fg"), 200),
        );
        assert!(matches!(
            same,
            ProfileUpdate::Refresh {
                new_revision: false,
                ..
            }
        ));
        assert!(fields(&same).is_empty());
        // A new username and an emptied last name: two history entries.
        let moved = profile_update(&old, &seen("Lucía", Some(""), Some("lucia_new"), 200));
        assert_eq!(
            fields(&moved),
            [
                (ProfileField::LastName, Some("Fernández"), None),
                (ProfileField::Username, Some("lucia_fg"), Some("lucia_new")),
            ]
        );
        assert!(matches!(
            moved,
            ProfileUpdate::Refresh {
                new_revision: true,
                ..
            }
        ));
        // Older than what is stored, or weak: only the seen times move.
        assert_eq!(
            profile_update(&old, &seen("Lu", None, None, 99)),
            ProfileUpdate::SeenOnly
        );
        let weak = Profile {
            weak: true,
            ..seen("Chat name", None, None, 500)
        };
        assert_eq!(profile_update(&old, &weak), ProfileUpdate::SeenOnly);
        // A source that cannot tell the username keeps the stored one.
        let export = Profile {
            username_known: false,
            ..seen("Lucía", Some("Fernández"), None, 300)
        };
        let ProfileUpdate::Refresh { username, .. } = profile_update(&old, &export) else {
            panic!("a newer observation refreshes")
        };
        assert_eq!(username.as_deref(), Some("lucia_fg"));
        // Only the deleted flag: a new revision without a history entry.
        let gone = Profile {
            deleted: true,
            ..seen("Lucía", Some("Fernández"), Some("lucia_fg"), 300)
        };
        let update = profile_update(&old, &gone);
        assert!(fields(&update).is_empty());
        assert!(matches!(
            update,
            ProfileUpdate::Refresh {
                new_revision: true,
                deleted: true,
                ..
            }
        ));
    }

    #[test]
    fn a_shared_phone_outranks_the_contact_list() {
        use PhoneSource::{ContactList, Shared};
        let with = |phone: &str, source| StoredPerson {
            phone: Some(phone.into()),
            phone_source: Some(source),
            ..stored()
        };
        let set = |old: Option<&str>, new: &str| PhoneUpdate::Set {
            change: Some(FieldChange {
                field: ProfileField::Phone,
                old: old.map(String::from),
                new: Some(new.into()),
            }),
        };
        // (stored, arriving phone, its source, expected)
        for (old, phone, source, want) in [
            (
                stored(),
                "+34612345678",
                ContactList,
                set(None, "+34612345678"),
            ),
            (
                with("+34612345678", Shared),
                "+34600000000",
                ContactList,
                PhoneUpdate::Keep,
            ),
            (
                with("+34612345678", Shared),
                "+34600000000",
                Shared,
                set(Some("+34612345678"), "+34600000000"),
            ),
            (
                with("+34612345678", ContactList),
                "+34612345678",
                ContactList,
                PhoneUpdate::Keep,
            ),
            // The same number, now shared by the person: the source is upgraded, no history.
            (
                with("+34612345678", ContactList),
                "+34612345678",
                Shared,
                PhoneUpdate::Set { change: None },
            ),
        ] {
            assert_eq!(
                phone_update(&old, phone, source),
                want,
                "{old:?} {phone} {source:?}"
            );
        }
    }

    #[test]
    fn edits_keep_their_versions_whatever_order_they_arrive_in() {
        let none = || Ok::<bool, ()>(false);
        let some = || Ok::<bool, ()>(true);
        // A newer edit: the old text becomes a version.
        assert_eq!(
            message_update("hola", None, "hola!", Some(20), none),
            Ok(MessageUpdate::Edit {
                previous: Some("hola".into()),
                edited_at: 20
            })
        );
        // An edit that changes only entities or media: no version, still the newer edit.
        assert_eq!(
            message_update("hola", Some(10), "hola", Some(20), none),
            Ok(MessageUpdate::Edit {
                previous: None,
                edited_at: 20
            })
        );
        // An older edit, or the same message again: nothing.
        assert_eq!(
            message_update("v2", Some(20), "v1", Some(10), none),
            Ok(MessageUpdate::Nothing)
        );
        assert_eq!(
            message_update("hola", None, "hola", None, none),
            Ok(MessageUpdate::Nothing)
        );
        // The original after its edit: kept once as the first version.
        assert_eq!(
            message_update("edited", Some(20), "original", None, none),
            Ok(MessageUpdate::AddVersion {
                text: "original".into(),
                valid_until: 20
            })
        );
        assert_eq!(
            message_update("edited", Some(20), "original", None, some),
            Ok(MessageUpdate::Nothing),
            "already kept"
        );
        // The store is asked about versions only when the answer matters.
        let asked = std::cell::Cell::new(false);
        let _ = message_update("a", Some(1), "b", Some(2), || {
            asked.set(true);
            Ok::<bool, ()>(false)
        });
        assert!(!asked.get());
    }

    #[test]
    fn a_deletion_before_its_message_is_remembered() {
        assert_eq!(deletion_update(None), DeletionUpdate::Remember);
        assert_eq!(deletion_update(Some(false)), DeletionUpdate::Mark);
        assert_eq!(deletion_update(Some(true)), DeletionUpdate::Nothing);
    }
}
