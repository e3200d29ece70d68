//! Component state as plain values: each feature has a state type implementing `yew::Reducible` and
//! an `Action` enum, and every transition is one `match`. No IO here: the hooks and components run
//! the effects and dispatch their results. All of it is tested natively.

pub mod conversation;
pub mod sender_field;
pub mod suggestions;
