//! Hooks: where the effects live. Each watches a piece of state and runs host and relay calls,
//! dispatching the results back to the reducer.

mod use_conversation;
mod use_people_search;
mod use_person;
mod use_sender_field;
mod use_shared_holders;
mod use_suggestions;

pub use use_conversation::use_conversation;
pub use use_people_search::{PeopleSearch, search_text, use_people_search};
pub use use_person::{PersonLoad, use_person};
pub use use_sender_field::use_sender_field;
pub use use_shared_holders::use_shared_holders;
pub use use_suggestions::use_suggestions;
