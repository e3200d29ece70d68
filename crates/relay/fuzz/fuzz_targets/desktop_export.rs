//! Any bytes as a Telegram Desktop export: no panic; an error is a sentence, and what is to be
//! stored has entities inside its text and messages in personal chats only.
#![no_main]

use libfuzzer_sys::fuzz_target;
use telegram_relay::telegram::desktop::parse_export;
use telegram_relay::telegram::{Event, utf16_len};

fuzz_target!(|data: &[u8]| {
    match parse_export(data) {
        Err(e) => assert!(!e.to_string().is_empty()),
        Ok(export) => {
            let messages = export
                .events
                .iter()
                .filter(|e| matches!(e, Event::Message(_)))
                .count();
            assert_eq!(messages, export.messages);
            for event in export.events {
                if let Event::Message(m) = event {
                    let len = utf16_len(&m.text);
                    for e in &m.entities {
                        assert!(
                            e.offset.checked_add(e.length).is_some_and(|end| end <= len),
                            "{e:?} in {:?}",
                            m.text
                        );
                    }
                }
            }
        }
    }
});
