//! The demo account: three staff members (an agent, an admin and a light agent, to try every
//! permission), the hand-made contacts whose sender IDs are the relay demo's people (see the demo
//! contract in ARCHITECTURE.md), the tickets of the ticket sidebar, the `senderId` field, and the
//! generated crowd of about 2,000 customers whose Telegram side the relay demo holds
//! (`telegram_identity::testdata::demo_crowd`), so bulk linking has real work.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::account::Snapshot;
use crate::model::{ROLE_TYPE_LIGHT_AGENT, Role, Ticket, User, UserField};

/// The API token of the demo account. Public: demo and tests only.
pub const DEMO_API_TOKEN: &str = "demo-zendesk-token";

/// The key of the custom user field holding the Telegram sender ID.
pub const SENDER_ID_FIELD: &str = "senderId";

/// The key of the text field holding the Telegram @username, which the relay's sync keeps current.
pub const USERNAME_FIELD: &str = "telegramUsername";

/// When the seeded records were created.
const CREATED: &str = "2026-01-05T09:00:00Z";

fn user(
    id: u64,
    name: &str,
    email: &str,
    phone: Option<&str>,
    sender_id: Option<&str>,
    notes: &str,
) -> User {
    User {
        id,
        name: name.into(),
        email: Some(email.into()),
        phone: phone.map(Into::into),
        role: Role::EndUser,
        role_type: None,
        external_id: None,
        notes: notes.into(),
        locale: "en-US".into(),
        tags: Vec::new(),
        active: true,
        created_at: CREATED.into(),
        updated_at: CREATED.into(),
        user_fields: BTreeMap::from([
            (
                SENDER_ID_FIELD.into(),
                sender_id.map_or(Value::Null, |s| Value::String(s.into())),
            ),
            (USERNAME_FIELD.into(), Value::Null),
        ]),
    }
}

fn staff(id: u64, name: &str, email: &str, role: Role, role_type: Option<u8>) -> User {
    User {
        role,
        role_type,
        ..user(id, name, email, None, None, "")
    }
}

/// The first Zendesk ID of the generated crowd (contact `i` of the crowd is user `CROWD_FIRST_ID + i`).
pub const CROWD_FIRST_ID: u64 = 20_000;

/// The demo account: the hand-made part and the generated crowd.
pub fn demo() -> Snapshot {
    let mut account = hand_made();
    let crowd = telegram_identity::testdata::demo_crowd();
    for (i, c) in crowd.contacts.iter().enumerate() {
        let id = CROWD_FIRST_ID + i as u64;
        let name = if c.name.trim().is_empty() {
            "(no name)"
        } else {
            &c.name
        };
        let email = c
            .emails
            .first()
            .map_or_else(|| format!("customer{id}@example.invalid"), Clone::clone);
        let sender_id = c.sender_id.map(|s| s.to_string());
        let mut u = user(
            id,
            name,
            &email,
            c.phones.first().map(String::as_str),
            sender_id.as_deref(),
            "Generated customer.",
        );
        if c.emails.is_empty() {
            u.email = None;
        }
        account.users.insert(id, u);
    }
    account.next_user_id = CROWD_FIRST_ID + crowd.contacts.len() as u64;
    account
}

/// The hand-made part of the demo account alone (the double's own tests use it: small and exact).
pub fn hand_made() -> Snapshot {
    let users = vec![
        staff(7, "Ann Agent", "ann@example.com", Role::Agent, Some(0)),
        staff(8, "Alex Admin", "alex@example.com", Role::Admin, Some(4)),
        staff(
            9,
            "Lee Light",
            "lee@example.com",
            Role::Agent,
            Some(ROLE_TYPE_LIGHT_AGENT),
        ),
        user(
            1001,
            "Lucía Fernández García",
            "lucia.fernandez@example.es",
            Some("+34 612 345 678"),
            Some("7100000001"),
            "Linked; long conversation.",
        ),
        user(
            1002,
            "Олена Коваленко",
            "olena.k@example.com",
            None,
            Some("7100000005"),
            "Linked.",
        ),
        user(
            1003,
            "John Perk",
            "john.perk@example.co.uk",
            Some("+44 7700 900123"),
            None,
            "Unlinked; the relay knows a Jon Perk with this phone.",
        ),
        user(
            1004,
            "Andrei Ivanov",
            "a.ivanov@example.org",
            None,
            None,
            "Unlinked; only the name resembles a Telegram person.",
        ),
        user(
            1005,
            "Grace Hopper",
            "grace@example.net",
            Some("+1 202 555 0143"),
            None,
            "Unlinked; nobody in Telegram matches.",
        ),
        user(
            1006,
            "María José Ruiz",
            "mj.ruiz@example.es",
            None,
            Some("7100000004"),
            "Linked.",
        ),
        user(
            1007,
            "Maria Ruiz",
            "maria.ruiz@example.com",
            None,
            None,
            "Unlinked; her Telegram ID is already on user 1006.",
        ),
        user(
            1008,
            "Former customer",
            "former@example.com",
            None,
            Some("7100000006"),
            "Linked to a deleted Telegram account.",
        ),
    ];
    let tickets = [
        (101, "Where is my order?", "open", 1001),
        (102, "Refund for a double charge", "pending", 1003),
        (103, "Привет! Question about delivery", "new", 1004),
    ];
    Snapshot {
        next_user_id: 1009,
        users: users.into_iter().map(|u| (u.id, u)).collect(),
        user_fields: vec![
            UserField {
                id: 360_000_000,
                key: SENDER_ID_FIELD.into(),
                kind: "text".into(),
                title: "Telegram sender ID".into(),
                active: true,
                position: 0,
            },
            UserField {
                id: 360_000_001,
                key: USERNAME_FIELD.into(),
                kind: "text".into(),
                title: "Telegram username".into(),
                active: true,
                position: 1,
            },
        ],
        tickets: tickets
            .into_iter()
            .map(|(id, subject, status, requester_id)| {
                (
                    id,
                    Ticket {
                        id,
                        subject: subject.into(),
                        status: status.into(),
                        requester_id,
                    },
                )
            })
            .collect(),
    }
}
