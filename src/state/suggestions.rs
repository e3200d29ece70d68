//! Suggestions for an unlinked contact: the relay's directory, ranked in the browser by the
//! identity engine (`telegram_identity::matching`). No IO here: `hooks::use_suggestions` downloads
//! the directory and dispatches it.

use std::rc::Rc;

use telegram_identity::matching::{Directory, MatchOptions, Reason, Tier};
use telegram_identity::{CrmContact, TelegramPerson};
use telegram_relay_api::{Person, PersonSummary};
use yew::Reducible;

use crate::errors::AppError;
use crate::host::Contact;
use crate::services::relay::RelayError;

/// Suggestions shown at most.
pub const LIMIT: usize = 5;

/// One ranked Telegram person with the engine's reasons.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    /// The person as the directory lists them.
    pub person: PersonSummary,
    /// Safe to link without review, or a person should decide.
    pub tier: Tier,
    /// The engine's score in `[0, 1]`.
    pub score: f64,
    /// The evidence, strongest first.
    pub reasons: Vec<Reason>,
}

/// Where the suggestions are.
#[derive(Clone, Debug, PartialEq)]
pub enum Suggestions {
    /// Downloading and ranking the directory.
    Loading,
    /// Ranked (possibly none).
    Ready(Vec<Suggestion>),
    /// The directory could not be downloaded.
    Failed(AppError),
}

/// What can happen.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Start again (Retry).
    Reload,
    /// The directory arrived for `contact` (or failed).
    Loaded {
        /// The open contact.
        contact: Contact,
        /// The default phone region setting.
        region: Option<String>,
        /// The relay's directory.
        people: Result<Vec<PersonSummary>, RelayError>,
    },
}

impl Reducible for Suggestions {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new(match action {
            Action::Reload => Suggestions::Loading,
            Action::Loaded { people: Err(e), .. } => Suggestions::Failed(e.into()),
            Action::Loaded {
                contact,
                region,
                people: Ok(people),
            } => Suggestions::Ready(rank(&contact, &people, region)),
        })
    }
}

/// The matcher's view of a person in the relay's directory.
pub fn telegram_person(p: &PersonSummary) -> TelegramPerson {
    TelegramPerson {
        sender_id: p.sender_id,
        first_name: p.first_name.clone(),
        last_name: p.last_name.clone().unwrap_or_default(),
        username: p.username.clone(),
        phone: p.phone.clone(),
    }
}

/// How a person the agent is about to link compares with the open contact, in the identity
/// engine's words.
#[derive(Clone, Debug, PartialEq)]
pub enum Agreement {
    /// The engine would propose this person for the contact: its reasons (phone equal, name
    /// close: …).
    Agrees(Vec<Reason>),
    /// Nothing agrees (name, phone and email share nothing, or contradict): linking needs a
    /// deliberate choice.
    SharesNothing,
    /// The contact holds nothing to compare (no name, phone or email).
    NothingToCompare,
}

/// Compares `person` with `contact` as the suggestions do.
pub fn agreement(contact: &Contact, person: &Person, region: Option<String>) -> Agreement {
    if contact.name.trim().is_empty() && contact.phone.is_none() && contact.email.is_none() {
        return Agreement::NothingToCompare;
    }
    let summary = PersonSummary {
        sender_id: person.sender_id,
        first_name: person.first_name.clone(),
        last_name: person.last_name.clone(),
        username: person.username.clone(),
        phone: person.phone.clone(),
        deleted: false,
        last_seen: person.last_seen,
    };
    match rank(contact, std::slice::from_ref(&summary), region)
        .into_iter()
        .next()
    {
        Some(s) => Agreement::Agrees(s.reasons),
        None => Agreement::SharesNothing,
    }
}

/// Ranks the directory for one contact, best first, at most [`LIMIT`]. Deleted accounts are never
/// suggested.
pub fn rank(
    contact: &Contact,
    people: &[PersonSummary],
    region: Option<String>,
) -> Vec<Suggestion> {
    let live: Vec<&PersonSummary> = people.iter().filter(|p| !p.deleted).collect();
    let telegram: Vec<TelegramPerson> = live.iter().map(|p| telegram_person(p)).collect();
    let crm = CrmContact {
        id: contact.id.clone(),
        name: contact.name.clone(),
        phones: contact.phone.iter().cloned().collect(),
        emails: contact.email.iter().cloned().collect(),
        username: None,
        sender_id: None,
    };
    Directory::new(&telegram)
        .rank(&crm, &MatchOptions { region }, LIMIT)
        .into_iter()
        .filter_map(|p| {
            Some(Suggestion {
                person: (*live.iter().find(|x| x.sender_id == p.sender_id)?).clone(),
                tier: p.tier,
                score: p.score,
                reasons: p.reasons,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use telegram_identity::matching::{EvidenceField, Strength};

    fn summary(json: serde_json::Value) -> PersonSummary {
        serde_json::from_value(json).unwrap()
    }

    /// The demo directory (see the demo contract in the project notes).
    fn directory() -> Vec<PersonSummary> {
        vec![
            summary(
                serde_json::json!({"sender_id": "7100000001", "first_name": "Lucía", "last_name": "Fernández García", "username": "lucia_fg", "phone": "+34 612 345 678"}),
            ),
            summary(
                serde_json::json!({"sender_id": "7100000002", "first_name": "Андрей", "last_name": "Иванов", "username": "andrey_iv"}),
            ),
            summary(
                serde_json::json!({"sender_id": "7100000003", "first_name": "Jon", "last_name": "Perk", "phone": "+44 7700 900123"}),
            ),
            summary(
                serde_json::json!({"sender_id": "7100000004", "first_name": "María José", "last_name": "Ruiz"}),
            ),
            summary(
                serde_json::json!({"sender_id": "7100000006", "first_name": "Jon", "last_name": "Perk", "deleted": true}),
            ),
        ]
    }

    #[test]
    fn a_previewed_person_agrees_shares_nothing_or_has_nothing_to_compare() {
        let person = |json: serde_json::Value| -> Person { serde_json::from_value(json).unwrap() };
        let andrey = person(
            serde_json::json!({"sender_id": "7100000002", "first_name": "Андрей", "last_name": "Иванов", "message_count": 3, "deleted": false, "history": []}),
        );
        let jon = person(
            serde_json::json!({"sender_id": "7100000003", "first_name": "Jon", "last_name": "Perk", "phone": "+44 7700 900123", "message_count": 1, "deleted": false, "history": []}),
        );
        let region = Some("GB".to_string());
        match agreement(
            &contact("Andrei Ivanov", None, None),
            &andrey,
            region.clone(),
        ) {
            Agreement::Agrees(reasons) => assert_eq!(reasons[0].field, EvidenceField::Name),
            other => panic!("a transliteration agrees: {other:?}"),
        }
        match agreement(
            &contact("Grace Hopper", Some("07700 900123"), None),
            &jon,
            region.clone(),
        ) {
            Agreement::Agrees(reasons) => {
                assert!(
                    reasons
                        .iter()
                        .any(|r| r.field == EvidenceField::Phone && r.strength == Strength::Equal)
                )
            }
            other => panic!("an equal phone is evidence, even with another name: {other:?}"),
        }
        assert_eq!(
            agreement(
                &contact(
                    "Grace Hopper",
                    Some("+1 202 555 0143"),
                    Some("grace@example.net")
                ),
                &andrey,
                region.clone()
            ),
            Agreement::SharesNothing
        );
        assert_eq!(
            agreement(&contact("", None, None), &andrey, region),
            Agreement::NothingToCompare
        );
    }

    fn contact(name: &str, phone: Option<&str>, email: Option<&str>) -> Contact {
        Contact {
            id: "c1".into(),
            name: name.into(),
            phone: phone.map(String::from),
            email: email.map(String::from),
        }
    }

    #[test]
    fn phone_and_name_rank_first_with_reasons() {
        let got = rank(
            &contact("John Perk", Some("07700 900123"), None),
            &directory(),
            Some("GB".into()),
        );
        let first = &got[0];
        assert_eq!(first.person.sender_id.to_string(), "7100000003");
        assert!(
            first
                .reasons
                .iter()
                .any(|r| r.field == EvidenceField::Phone && r.strength == Strength::Equal),
            "{:?}",
            first.reasons
        );
        assert!(
            got.iter()
                .all(|s| s.person.sender_id.to_string() != "7100000006"),
            "deleted accounts never suggested"
        );
    }

    #[test]
    fn nothing_to_suggest_for_a_stranger() {
        let got = rank(
            &contact(
                "Zhang Wei",
                Some("+86 138 0000 0000"),
                Some("zw@example.cn"),
            ),
            &directory(),
            None,
        );
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn directory_failure_is_shown() {
        let s = Rc::new(Suggestions::Loading).reduce(Action::Loaded {
            contact: contact("x", None, None),
            region: None,
            people: Err(RelayError::Unauthorized),
        });
        assert_eq!(
            *s,
            Suggestions::Failed(AppError::Relay(RelayError::Unauthorized))
        );
        assert_eq!(*s.reduce(Action::Reload), Suggestions::Loading);
    }
}
