//! The identity engine of Telegram Sidebar.
//!
//! Deterministic and pure: no IO, no clock, no randomness outside seeded test-data generators.
//! Builds for `wasm32-unknown-unknown`.
#![deny(missing_docs)]

pub mod csv;
mod people;
mod sender_id;

pub use people::{CrmContact, TelegramPerson};
pub use sender_id::{SenderId, SenderIdError};
pub mod matching;
pub mod normalize;
pub mod testdata;
