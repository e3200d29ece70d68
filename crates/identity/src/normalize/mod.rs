//! Normalisation of the evidence: names, usernames and phone numbers.
//!
//! Every function here is total: any input string gives a value (possibly empty), never a panic.

mod fold_table;
mod name;
mod phone;
mod username;

pub use name::{NAME_TEXT, NAME_TOKENS, NameKey, fold_name, is_particle, phonetic_key};
pub use phone::{PhoneKey, REGIONS, Region};
pub use username::{UsernameError, normalize_username};
