//! `services::js_value` in headless Chromium: the relay's types, serialised by `serde_json` exactly
//! as the relay does, parsed by the browser's `JSON.parse` and read back equal; bad values are clear
//! errors (a fractional number is named without formatting it). Run: see tests/README.md.
#![cfg(target_arch = "wasm32")]

use serde_json::json;
use telegram_relay_api::{
    DirectoryPage, ErrorBody, ErrorCode, Message, MessagePage, Person, PersonSummary,
};
use telegram_sidebar::services::js_value::from_value;
use telegram_sidebar::services::relay::{RelayError, decode};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// `JSON.parse(text)`, as `services::relay::decode` does.
fn parse(text: &str) -> wasm_bindgen::JsValue {
    js_sys::JSON::parse(text).unwrap()
}

/// Serialises with `serde_json` (the relay's side), reads back with the browser reader.
fn round_trip<T>(value: &T) -> T
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    from_value(parse(&serde_json::to_string(value).unwrap())).unwrap()
}

fn message() -> Message {
    serde_json::from_value(json!({
        "id": "m1", "telegram_message_id": 42, "origin": "business", "business_connection_id": "bc1",
        "direction": "in", "sent_at": 1_700_000_000_i64, "text": "😀 bold and a link",
        "entities": [{"type": "bold", "offset": 3, "length": 4},
                     {"type": "text_link", "offset": 15, "length": 4, "url": "https://example.com"},
                     {"type": "text_mention", "offset": 0, "length": 2, "user_id": "7100000002"}],
        "media": {"kind": "voice", "duration_seconds": 7, "file_size": 4_500_000_000_u64},
        "reply_to": {"telegram_message_id": 41, "id": "m0", "text": "earlier"},
        "edited_at": 1_700_000_100_i64, "deleted": true, "deleted_at": 1_700_000_200_i64
    }))
    .unwrap()
}

#[wasm_bindgen_test]
fn relay_types_read_back_equal() {
    let person: Person = serde_json::from_value(json!({
        "sender_id": "7100000001", "first_name": "Lucía", "last_name": "Fernández García",
        "username": "lucia_fg", "phone": "+34 612 345 678", "phone_source": "shared", "deleted": false,
        "first_seen": 1_690_000_000_i64, "last_seen": 1_700_000_000_i64, "message_count": 64,
        "last_message": message(),
        "history": [{"field": "username", "old_value": "lucia_old", "valid_until": 1_695_000_000_i64}]
    }))
    .unwrap();
    assert_eq!(round_trip(&person), person);

    let page = MessagePage {
        messages: vec![message(), message()],
        older: None,
        newer: telegram_relay_api::Cursor("n:1".into()),
    };
    assert_eq!(round_trip(&page), page);

    let summary: PersonSummary = serde_json::from_value(json!({
        "sender_id": "4503599627370495", "first_name": "Max", "deleted": true
    }))
    .unwrap();
    let dir = DirectoryPage {
        people: vec![summary],
        next: telegram_relay_api::Cursor("d".into()),
        has_more: false,
    };
    assert_eq!(round_trip(&dir), dir, "the largest sender ID is exact");
}

#[wasm_bindgen_test]
fn unknown_enum_values_and_fields_are_tolerated_where_the_api_says_so() {
    let body: ErrorBody = from_value(parse(
        r#"{"error":{"code":"brand_new","message":"m"},"extra":1}"#,
    ))
    .unwrap();
    assert_eq!(body.error.code, ErrorCode::Other);
}

#[wasm_bindgen_test]
fn bad_values_are_clear_errors() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"id":"m","telegram_message_id":1.5,"origin":"bot","direction":"in","sent_at":1,"text":""}"#,
            "a fractional number",
        ),
        (
            r#"{"id":"m","telegram_message_id":1,"origin":"bot","direction":"sideways","sent_at":1,"text":""}"#,
            "sideways",
        ),
        (
            r#"{"id":"m","telegram_message_id":1,"origin":"bot","direction":"in","text":""}"#,
            "sent_at",
        ),
        (
            r#"{"id":7,"telegram_message_id":1,"origin":"bot","direction":"in","sent_at":1,"text":""}"#,
            "integer `7`",
        ),
        (r#""hello""#, "string \"hello\", expected struct Message"),
    ];
    for (text, want) in cases {
        let got = decode::<Message>(text);
        match got {
            Err(RelayError::BadResponse(msg)) => assert!(msg.contains(want), "{text}: {msg}"),
            other => panic!("{text}: {other:?}"),
        }
    }
    assert!(matches!(
        decode::<Message>("not json"),
        Err(RelayError::BadResponse(m)) if m.contains("not JSON")
    ));
}
