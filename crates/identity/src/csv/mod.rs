//! CSV formats: RFC 4180, UTF-8 with or without a byte-order mark, `,` or `;` detected.
//!
//! * [`read_crm_contacts`]: a CRM's contact export (Zendesk user export or similar).
//! * [`read_telegram_contacts`] / [`write_telegram_contacts`]: the Telegram contact-info export,
//!   `First Name,Last Name,Phone,Username,senderId`, safe to open in a spreadsheet.
//! * [`write_assignment`]: proposed links, `crm_id,sender_id,score,tier,reasons`.
//!
//! A bad row never stops a read: it becomes a [`RowError`] (line, column, message) in
//! [`CsvRead::errors`] and the other rows go through.
//!
//! The reader is our own (about 200 lines) rather than the `csv` crate: it is all the formats
//! need, works on `&str` (the plugin has the file as text), and adds nothing to the wasm build
//! beyond its own code.

mod formats;
mod reader;
mod writer;

pub use formats::{
    CsvError, CsvRead, IdSource, read_crm_contacts, read_crm_contacts_with_sources,
    read_telegram_contacts,
};
pub use reader::RowError;
pub use writer::{
    ASSIGNMENT_HEADER, TELEGRAM_CONTACTS_HEADER, write_assignment, write_telegram_contacts,
};
