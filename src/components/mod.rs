//! The sidebar's components, one per file (a piece without hooks is a plain function returning
//! `Html`: each component type costs the bundle about a kilobyte). `data-testid` attributes are
//! a stable contract with the end-to-end tests: see `README.md` in this folder.

/// The root component and the contact sidebar layout.
pub mod app;
/// The reply box under the conversation.
pub mod composer;
/// Another contact's name as a link that opens it.
pub mod contact_link;
/// The conversation panel (windowed message list).
pub mod conversation_panel;
/// Error banners that say what to do.
pub mod error_banner;
/// Message text with Telegram entities.
pub mod message_text;
/// One message row.
pub mod message_view;
/// The nav_bar placeholder page.
pub mod nav_placeholder;
/// The relay's profile of a person.
pub mod profile_card;
/// The senderId field.
pub mod sender_id_field;
/// Suggestions for an unlinked contact.
pub mod suggestions;
