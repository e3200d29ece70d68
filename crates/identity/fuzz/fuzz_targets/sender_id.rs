//! Any text through `SenderId::parse`: no panic, and an accepted ID prints and parses back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use telegram_identity::SenderId;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(id) = SenderId::parse(text) {
        assert!((1..=SenderId::MAX).contains(&id.get()));
        assert_eq!(SenderId::parse(&id.to_string()), Ok(id));
    } else if let Err(e) = SenderId::parse(text) {
        assert!(!e.to_string().is_empty());
    }
});
