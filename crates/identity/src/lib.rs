//! The identity engine of Telegram Sidebar: which Telegram person a CRM contact is.
//!
//! The Telegram user ID ([`SenderId`]) is the anchor; names, usernames and phones are evidence.
//! This crate parses IDs the way people paste them, normalises the evidence, matches CRM contacts
//! to Telegram people, and reads and writes the CSV files admins exchange.
//!
//! It is pure and deterministic: no IO, no clock, no randomness except the seeded generator in
//! [`testdata`]; the same input gives the same output in the same order. It builds for
//! `wasm32-unknown-unknown` (the plugin runs it in the browser) and its only dependency is serde.
//!
//! # A tour
//!
//! A typed ID is checked before anything is saved:
//!
//! ```
//! use telegram_identity::SenderId;
//!
//! assert_eq!(SenderId::parse("user7100000001").unwrap().get(), 7_100_000_001);
//! let err = SenderId::parse("@lucia_fg").unwrap_err();
//! assert!(err.to_string().contains("username, which its owner can change"));
//! ```
//!
//! A contact is ranked against the Telegram people the relay knows (the sidebar's suggestions):
//!
//! ```
//! use telegram_identity::matching::{Directory, MatchOptions, Tier};
//! use telegram_identity::{CrmContact, SenderId, TelegramPerson};
//!
//! let people = vec![TelegramPerson {
//!     sender_id: SenderId::new(7_100_000_003).unwrap(),
//!     first_name: "Jon".into(),
//!     last_name: "Perk".into(),
//!     username: None,
//!     phone: Some("+44 7700 900123".into()),
//! }];
//! let directory = Directory::new(&people);
//! let contact = CrmContact {
//!     id: "101".into(),
//!     name: "John Perk".into(),
//!     phones: vec!["07700 900123".into()],
//!     ..CrmContact::default()
//! };
//! let ranked = directory.rank(&contact, &MatchOptions { region: Some("GB".into()) }, 5);
//! assert_eq!(ranked[0].tier, Tier::Auto);
//! let why: Vec<String> = ranked[0].reasons.iter().map(|r| r.describe()).collect();
//! assert_eq!(why, ["phone equal", "name close: John Perk ~ Jon Perk"]);
//! ```
//!
//! Whole sets are linked one to one with [`matching::assign`], from CSV files read with
//! [`csv::read_crm_contacts`] and [`csv::read_telegram_contacts`]; the `telegram-match` command does
//! exactly that.
#![deny(missing_docs)]

pub mod csv;
mod people;
mod sender_id;

pub use people::{CrmContact, TelegramPerson};
pub use sender_id::{SenderId, SenderIdError};
pub mod matching;
pub mod normalize;
pub mod testdata;
