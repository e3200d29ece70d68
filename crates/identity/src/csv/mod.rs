//! CSV formats: RFC 4180, UTF-8 with or without a byte-order mark.

mod writer;

pub use writer::write_telegram_contacts;
