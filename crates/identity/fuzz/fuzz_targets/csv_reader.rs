//! Any bytes, read as both CSV formats: no panic, every error names a line and column that exist,
//! and the Telegram format written from what was read reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use telegram_identity::csv::{read_crm_contacts, read_telegram_contacts, write_telegram_contacts};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Line ends as RFC 4180 readers see them: CRLF, LF, or a lone CR (`str::lines` misses the last).
    let lines = 1 + text
        .replace("\r\n", "\n")
        .chars()
        .filter(|&c| c == '\n' || c == '\r')
        .count();
    if let Ok(read) = read_crm_contacts(text) {
        for e in &read.errors {
            assert!(e.line >= 1 && e.line <= lines && e.column >= 1, "{e:?}");
        }
    }
    if let Ok(read) = read_telegram_contacts(text) {
        for e in &read.errors {
            assert!(e.line >= 1 && e.line <= lines && e.column >= 1, "{e:?}");
        }
        let again = read_telegram_contacts(&write_telegram_contacts(&read.records))
            .expect("own output has a header");
        assert_eq!(again.errors, vec![]);
        assert_eq!(again.records, read.records);
    }
});
