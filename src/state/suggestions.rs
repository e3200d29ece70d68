//! Suggestions for an unlinked contact.
