//! Any bytes as a webhook body: no panic, and whatever is to be stored has entities inside its
//! text (the relay's promise to the plugin).
#![no_main]

use libfuzzer_sys::fuzz_target;
use telegram_relay::store::UpdateContent;
use telegram_relay::telegram::{Event, utf16_len};

fuzz_target!(|data: &[u8]| {
    let Ok(parsed) = telegram_relay::api::webhook::prepare(data) else {
        return;
    };
    if let UpdateContent::Events(events) = parsed.content {
        for event in events {
            if let Event::Message(m) = event {
                let len = utf16_len(&m.text);
                for e in &m.entities {
                    assert!(
                        e.length > 0 && e.offset < len && e.length <= len - e.offset,
                        "{e:?} in {:?}",
                        m.text
                    );
                }
            }
        }
    }
});
