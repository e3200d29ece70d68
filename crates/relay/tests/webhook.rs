//! Webhook ingest over real HTTP on loopback into a real SQLite file: every Bot API fixture, then
//! duplicates, reordering, concurrency, authentication, size limits, malformed and quarantined bodies.

mod common;

use common::{Relay, SECRET, assert_error, fixture, off_runtime, text_update};
use reqwest::StatusCode;
use serde_json::{Value, json};
use telegram_relay::store::Storage;

/// A person and their conversation, rendered compactly so expectations read as text.
async fn summary(relay: &Relay, sender: i64) -> String {
    let (status, p) = relay.get(&format!("/v1/people/{sender}")).await;
    if status == StatusCode::NOT_FOUND {
        return format!("person {sender}: unknown");
    }
    let opt = |v: &Value| v.as_str().map_or("-".to_owned(), str::to_owned);
    let mut out = format!(
        "person {sender}: {} | {} | @{} | phone {} {} | deleted {} | messages {}",
        opt(&p["first_name"]),
        opt(&p["last_name"]),
        opt(&p["username"]),
        opt(&p["phone"]),
        opt(&p["phone_source"]),
        p["deleted"],
        p["message_count"],
    );
    for change in p["history"].as_array().unwrap() {
        out += &format!(
            "\n  {} was {} until {} (now {})",
            opt(&change["field"]),
            opt(&change["old_value"]),
            change["valid_until"],
            opt(&change["new_value"])
        );
    }
    let page = relay
        .ok(&format!("/v1/people/{sender}/messages?limit=100"))
        .await;
    for m in page["messages"].as_array().unwrap() {
        out += &format!(
            "\n  #{} {} {}{} {:?}",
            m["telegram_message_id"],
            opt(&m["direction"]),
            opt(&m["origin"]),
            m["business_connection_id"]
                .as_str()
                .map(|b| format!("[{b}]"))
                .unwrap_or_default(),
            m["text"].as_str().unwrap()
        );
        if let Some(media) = m.get("media") {
            // Through the API type, so fields print in its declared order.
            let media: telegram_relay_api::Media = serde_json::from_value(media.clone()).unwrap();
            out += &format!(" media={}", serde_json::to_string(&media).unwrap());
        }
        if let Some(entities) = m.get("entities") {
            let list: Vec<String> = entities
                .as_array()
                .unwrap()
                .iter()
                .map(|e| format!("{} {}+{}", opt(&e["type"]), e["offset"], e["length"]))
                .collect();
            out += &format!(" entities=[{}]", list.join(", "));
        }
        if let Some(r) = m.get("reply_to") {
            out += &format!(" reply_to={} {}", r["telegram_message_id"], opt(&r["text"]));
        }
        if let Some(e) = m.get("edited_at") {
            out += &format!(" edited@{e}");
        }
        for v in m
            .get("previous_versions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out += &format!(" was={:?}", v["text"].as_str().unwrap());
        }
        if m.get("deleted") == Some(&json!(true)) {
            out += " DELETED";
        }
    }
    out
}

/// Posts one fixture file as a webhook body to a fresh relay and compares the outcome and the stored
/// state of `sender` with `expected`.
async fn check(file: &str, outcome: &str, sender: i64, expected: &str) {
    let relay = Relay::start().await;
    let (status, got) = relay.post_update(fixture(&format!("bot-api/{file}"))).await;
    assert_eq!(status, StatusCode::OK, "{file}");
    assert_eq!(got, outcome, "{file}");
    let actual = summary(&relay, sender).await;
    assert_eq!(
        actual.trim(),
        expected.trim(),
        "{file}\n--- actual:\n{actual}\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_bot_api_fixture_is_ingested_as_expected() {
    let cases: &[(&str, &str, i64, &str)] = &[
        (
            "nutgram__message.json",
            "stored",
            456,
            r#"
person 456: Mario | - | @Bros | phone - - | deleted false | messages 1
  #123 in bot "Ciao""#,
        ),
        (
            "nutgram__text.json",
            "stored",
            12345678,
            r#"
person 12345678: Mario | Bros | @MarioLovesPeach | phone - - | deleted false | messages 1
  #123456 in bot "aaaaaaaaaa""#,
        ),
        // An address-book card (no user_id): a placeholder, and no phone for the sender.
        (
            "nutgram__contact.json",
            "stored",
            12345,
            r#"
person 12345: Mario | Bros | @MarioBros | phone - - | deleted false | messages 1
  #123456 in bot "" media={"kind":"contact","title":"911"}"#,
        ),
        (
            "nutgram__edited_message.json",
            "stored",
            999999999,
            r#"
person 999999999: Mario | - | @super | phone - - | deleted false | messages 1
  #23762 in bot "Editing this message" reply_to=23758 This message edited@1584985245"#,
        ),
        (
            "nutgram__photo.json",
            "stored",
            11111111,
            r#"
person 11111111: Mario | - | @Bros | phone - - | deleted false | messages 1
  #456901 in bot "asdasdasdasdasdasd" media={"kind":"photo","file_size":104893}"#,
        ),
        (
            "nutgram__message_forward_origin.json",
            "stored",
            456,
            r#"
person 456: Mario | - | @Bros | phone - - | deleted false | messages 1
  #123 in bot "Ciao""#,
        ),
        // Offsets stay in UTF-16 code units as Telegram sent them (the text has emoji).
        (
            "nutgram__entities.json",
            "stored",
            321654,
            r#"
person 321654: John | Doe | @johndoe | phone - - | deleted false | messages 1
  #123 in bot "test bold underline 😆👍 look here" entities=[bold 5+4, underline 10+9, text_link 25+9, bold 30+4]"#,
        ),
        (
            "nutgram__command_with_parameters.json",
            "stored",
            456,
            r#"
person 456: Mario | - | @Bros | phone - - | deleted false | messages 1
  #123 in bot "/register HR John Doe""#,
        ),
        (
            "nutgram__document.json",
            "stored",
            456,
            r#"
person 456: Mario | - | @Bros | phone - - | deleted false | messages 1
  #123 in bot "" media={"kind":"document","file_name":"document.pdf","mime_type":"application/pdf","file_size":123456}"#,
        ),
        (
            "nutgram__voice.json",
            "stored",
            12345,
            r#"
person 12345: Mario | Bros | @MarioBros | phone - - | deleted false | messages 1
  #123456 in bot "" media={"kind":"voice","mime_type":"audio/ogg","duration_seconds":2,"file_size":6448}"#,
        ),
        (
            "nutgram__location.json",
            "stored",
            12345,
            r#"
person 12345: Mario | Bros | @MarioBros | phone - - | deleted false | messages 1
  #123456 in bot "" media={"kind":"location"}"#,
        ),
        (
            "nutgram__venue.json",
            "stored",
            12345,
            r#"
person 12345: Mario | Bros | @MarioBros | phone - - | deleted false | messages 1
  #123456 in bot "" media={"kind":"venue","title":"McDonald's, Via Giolitti 65"}"#,
        ),
        // Service messages: the profile is refreshed, the conversation gets nothing. The chat
        // object (the private chat's peer) is the source of the name.
        (
            "nutgram__users_shared.json",
            "stored",
            123456789,
            r#"
person 123456789: Mario | Bros | @SuperMario | phone - - | deleted false | messages 0"#,
        ),
        // `from` (Mario Bros) and the chat object (Mario Patera) disagree: the sender's `from` wins.
        (
            "nutgram__chat_shared.json",
            "stored",
            123456789,
            r#"
person 123456789: Mario | Bros | @SuperMario | phone - - | deleted false | messages 0"#,
        ),
        (
            "nutgram__message_reaction.json",
            "ignored",
            456,
            "person 456: unknown",
        ),
        // The business account's owner is not a customer: no person is created for them.
        (
            "nutgram__business_connection.json",
            "stored",
            12345,
            "person 12345: unknown",
        ),
        // The fixture lacks business_connection_id (real ones carry it): stored under the
        // connection "" and reported without a connection ID.
        (
            "nutgram__business_message.json",
            "stored",
            456,
            r#"
person 456: Mario | - | @Bros | phone - - | deleted false | messages 1
  #123 in business "Ciao""#,
        ),
        (
            "nutgram__edited_business_message.json",
            "stored",
            456,
            r#"
person 456: Mario | - | @Bros | phone - - | deleted false | messages 1
  #123 in business "Ciao" edited@1684984664"#,
        ),
        // Deletion of messages the relay never saw: remembered (see the reordering test), no person.
        (
            "nutgram__deleted_business_messages.json",
            "stored",
            456,
            "person 456: unknown",
        ),
        // Five payloads in one Update (the API allows one): quarantined, acknowledged, nothing stored.
        (
            "telegrambots__Update_legacy_multifield.json",
            "quarantined",
            1111111,
            "person 1111111: unknown",
        ),
        // A getUpdates envelope is not an Update.
        (
            "telegrambots__getUpdates_ResponseWithoutError.json",
            "quarantined",
            1111111,
            "person 1111111: unknown",
        ),
        (
            "telegrambots__getUpdates_write_access_allowed.json",
            "quarantined",
            11111111,
            "person 11111111: unknown",
        ),
    ];
    let mut covered: Vec<&str> = cases.iter().map(|c| c.0).collect();
    for (file, outcome, sender, expected) in cases {
        check(file, outcome, *sender, expected).await;
    }
    // Every JSON file in the fixture folder has an expectation here.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bot-api");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|f| f.ends_with(".json"))
        .collect();
    files.sort();
    covered.sort();
    assert_eq!(files, covered);
}

#[tokio::test(flavor = "multi_thread")]
async fn get_updates_envelopes_posted_element_by_element() {
    let relay = Relay::start().await;
    for (file, outcomes) in [
        (
            "telegrambots__getUpdates_ResponseWithoutError.json",
            vec!["quarantined"],
        ),
        (
            "telegrambots__getUpdates_write_access_allowed.json",
            vec!["stored"],
        ),
    ] {
        let envelope: Value = serde_json::from_slice(&fixture(&format!("bot-api/{file}"))).unwrap();
        let mut got = Vec::new();
        for update in envelope["result"].as_array().unwrap() {
            got.push(relay.post_json(update).await);
        }
        assert_eq!(got, outcomes, "{file}");
    }
    assert_eq!(
        summary(&relay, 11111111).await,
        "person 11111111: Alice Bob | - | @alicebob | phone - - | deleted false | messages 0"
    );
    // The quarantine keeps the raw body and says why.
    let quarantined = off_runtime(|| relay.store.quarantine(Some(relay.tenant))).unwrap();
    assert_eq!(quarantined.len(), 1);
    assert_eq!(quarantined[0].update_id, Some(10000));
    assert!(
        quarantined[0].reason.contains("at most one payload"),
        "{}",
        quarantined[0].reason
    );
    assert!(quarantined[0].body.contains("inline_query"));
    // A retry of the quarantined update is recognised and not quarantined twice.
    let legacy: Value = serde_json::from_slice(&fixture(
        "bot-api/telegrambots__Update_legacy_multifield.json",
    ))
    .unwrap();
    assert_eq!(relay.post_json(&legacy).await, "duplicate");
    assert_eq!(
        off_runtime(|| relay.store.quarantine(None)).unwrap().len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicates_are_stored_once() {
    let relay = Relay::start().await;
    let update = text_update(7, 500, 1, 1_700_000_000, "hola");
    assert_eq!(relay.post_json(&update).await, "stored");
    assert_eq!(relay.post_json(&update).await, "duplicate");
    // Same update_id with another body: still the seen update (Telegram never reuses IDs).
    assert_eq!(
        relay
            .post_json(&text_update(7, 500, 2, 1_700_000_001, "otra"))
            .await,
        "duplicate"
    );
    // A lower update_id after a higher one is new (a seen-set, not a high-water mark).
    assert_eq!(
        relay
            .post_json(&text_update(3, 500, 3, 1_700_000_002, "antes"))
            .await,
        "stored"
    );
    let person = relay.ok("/v1/people/500").await;
    assert_eq!(person["message_count"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn out_of_order_updates_converge() {
    let relay = Relay::start().await;
    let chat = json!({"id": 900, "first_name": "Eva", "type": "private", "username": "eva_new"});
    let from = json!({"id": 900, "is_bot": false, "first_name": "Eva", "username": "eva_new"});
    // The edit arrives before the original.
    let edit = json!({"update_id": 11, "edited_business_message": {
        "business_connection_id": "bc1", "message_id": 5, "from": from, "chat": chat,
        "date": 1_000, "edit_date": 1_100, "text": "second version"}});
    let original = json!({"update_id": 10, "business_message": {
        "business_connection_id": "bc1", "message_id": 5, "from": from, "chat": chat,
        "date": 1_000, "text": "first version"}});
    // The deletion of message 6 arrives before message 6.
    let deletion = json!({"update_id": 13, "deleted_business_messages": {
        "business_connection_id": "bc1", "chat": chat, "message_ids": [6]}});
    let six = json!({"update_id": 12, "business_message": {
        "business_connection_id": "bc1", "message_id": 6, "from": from, "chat": chat,
        "date": 1_200, "text": "oops"}});
    // An older profile (username eva_old, date 500) arrives last: it must not win.
    let mut old_profile = text_update(9, 900, 4, 500, "early");
    old_profile["message"]["chat"]["username"] = json!("eva_old");
    old_profile["message"]["from"]["username"] = json!("eva_old");
    old_profile["message"]["chat"]["first_name"] = json!("Eva");
    old_profile["message"]["from"]["first_name"] = json!("Eva");
    for u in [&edit, &original, &deletion, &six, &old_profile] {
        assert_eq!(relay.post_json(u).await, "stored", "{u}");
    }
    assert_eq!(
        summary(&relay, 900).await,
        r#"person 900: Eva | - | @eva_new | phone - - | deleted false | messages 3
  #6 in business[bc1] "oops" DELETED
  #5 in business[bc1] "second version" edited@1100 was="first version"
  #4 in bot "early""#
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn profile_changes_are_kept_with_their_time() {
    let relay = Relay::start().await;
    relay.post_json(&text_update(1, 77, 1, 1_000, "a")).await;
    let mut renamed = text_update(2, 77, 2, 2_000, "b");
    for who in ["from", "chat"] {
        renamed["message"][who]["username"] = json!("ana_new");
        renamed["message"][who]["last_name"] = json!("Pérez");
    }
    relay.post_json(&renamed).await;
    // A contact whose user_id is the sender: the person's own phone, recorded as shared.
    let shared = json!({"update_id": 3, "message": {
        "message_id": 3, "from": renamed["message"]["from"], "chat": renamed["message"]["chat"],
        "date": 3_000, "contact": {"phone_number": "+34600111222", "first_name": "Ana", "user_id": 77}}});
    relay.post_json(&shared).await;
    assert_eq!(
        summary(&relay, 77).await,
        r#"person 77: Ana | Pérez | @ana_new | phone +34600111222 shared | deleted false | messages 3
  phone was - until 3000 (now +34600111222)
  username was ana until 2000 (now ana_new)
  last_name was - until 2000 (now Pérez)
  #3 in bot "" media={"kind":"contact","title":"Ana"}
  #2 in bot "b"
  #1 in bot "a""#
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn forty_concurrent_connections_store_each_update_once() {
    let relay = std::sync::Arc::new(Relay::start().await);
    let updates: Vec<Value> = (0..300)
        .map(|i| text_update(10_000 + i, 4242, i + 1, 1_700_000_000 + i, "x"))
        .collect();
    let updates = std::sync::Arc::new(updates);
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..40usize {
        let relay = relay.clone();
        let updates = updates.clone();
        tasks.spawn(async move {
            // Each connection sends every update whose index ≡ worker (mod 20): every update is
            // sent by two connections at about the same time.
            let client = telegram_relay::tls::client().build().unwrap();
            let mut stored = 0;
            for u in updates.iter().skip(worker % 20).step_by(20) {
                let response = client
                    .post(format!("{}/telegram/webhook/{}", relay.url, relay.webhook))
                    .header("x-telegram-bot-api-secret-token", SECRET)
                    .json(u)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::OK);
                if response.headers()["x-relay-outcome"] == "stored" {
                    stored += 1;
                }
            }
            stored
        });
    }
    let stored: usize = tasks.join_all().await.into_iter().sum();
    assert_eq!(
        stored, 300,
        "exactly one of the two deliveries of each update stores it"
    );
    let person = relay.ok("/v1/people/4242").await;
    assert_eq!(person["message_count"], 300);
    let page = relay.ok("/v1/people/4242/messages?limit=1000").await;
    let mut ids: Vec<i64> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["telegram_message_id"].as_i64().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, (1..=300).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_or_missing_secret_is_rejected_and_nothing_stored() {
    let relay = Relay::start().await;
    let url = format!("{}/telegram/webhook/{}", relay.url, relay.webhook);
    let body = text_update(1, 31, 1, 1_000, "hi").to_string();
    for secret in [
        Some("wrong"),
        Some(""),
        None,
        Some("test-secret_12"),
        Some("test-secret_1234"),
    ] {
        let mut request = relay.http.post(&url).body(body.clone());
        if let Some(s) = secret {
            request = request.header("x-telegram-bot-api-secret-token", s);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let json: Value = response.json().await.unwrap();
        assert_error(status, &json, 401, "unauthorized");
    }
    let (status, body) = relay.get("/v1/people/31").await;
    assert_error(status, &body, 404, "not_found");
    // An unknown webhook path.
    let response = relay
        .http
        .post(format!("{}/telegram/webhook/nope", relay.url))
        .header("x-telegram-bot-api-secret-token", SECRET)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn oversize_and_malformed_bodies() {
    let relay = Relay::start().await; // 16 KiB limit
    let mut big = text_update(1, 31, 1, 1_000, "");
    big["message"]["text"] = json!("a".repeat(20 * 1024));
    let response = relay
        .http
        .post(format!("{}/telegram/webhook/{}", relay.url, relay.webhook))
        .header("x-telegram-bot-api-secret-token", SECRET)
        .json(&big)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_error(status, &body, 413, "payload_too_large");

    for bad in ["not json", "{\"update_id\": 1,", ""] {
        let response = relay
            .http
            .post(format!("{}/telegram/webhook/{}", relay.url, relay.webhook))
            .header("x-telegram-bot-api-secret-token", SECRET)
            .body(bad)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_error(status, &body, 400, "invalid_json");
    }
    // JSON that is not an Update: acknowledged and quarantined with its reason.
    for (body, reason) in [
        ("[1,2]", "not a JSON object"),
        ("{\"message\": {}}", "update_id"),
        ("{\"update_id\": 5}", "no payload"),
        (
            "{\"update_id\": 6, \"message\": {\"text\": 3}}",
            "does not have the Bot API shape",
        ),
    ] {
        let (status, outcome) = relay.post_update(body).await;
        assert_eq!(
            (status.as_u16(), outcome.as_str()),
            (200, "quarantined"),
            "{body}"
        );
        let q = off_runtime(|| relay.store.quarantine(None)).unwrap();
        let last = q.last().unwrap();
        assert!(last.reason.contains(reason), "{body}: {}", last.reason);
        assert_eq!(last.body, body);
    }
    assert_eq!(relay.ok("/v1/directory").await["people"], json!([]));
}

/// Guards against acknowledging an update the storage did not commit: Telegram retries only on a
/// non-2xx answer.
#[tokio::test(flavor = "multi_thread")]
async fn an_update_the_storage_cannot_commit_is_answered_5xx() {
    let relay = Relay::start().await;
    off_runtime(|| relay.store.close());
    let response = relay
        .http
        .post(format!("{}/telegram/webhook/{}", relay.url, relay.webhook))
        .header("x-telegram-bot-api-secret-token", SECRET)
        .header("content-type", "application/json")
        .body(text_update(1, 31, 1, 1_000, "hello").to_string())
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert!(response.headers().get("x-relay-outcome").is_none());
    assert_error(status, &response.json().await.unwrap(), 503, "unavailable");
    let (status, _) = relay.get("/v1/people/31").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Guards against edits overwriting history, deletions dropping content, and someone else's
/// contact card being taken as the sender's own phone.
#[tokio::test(flavor = "multi_thread")]
async fn edits_keep_history_deletions_keep_content_and_only_own_contacts_give_a_phone() {
    let relay = Relay::start().await;
    relay
        .post_json(&text_update(1, 81, 1, 1_000, "version one"))
        .await;
    let from = json!({"id": 81, "is_bot": false, "first_name": "Ana", "username": "ana"});
    let chat = json!({"id": 81, "first_name": "Ana", "username": "ana", "type": "private"});
    for (update_id, edit_date, text) in [(2, 1_100, "version two"), (3, 1_200, "version three")] {
        let edit = json!({"update_id": update_id, "edited_message": {
            "message_id": 1, "from": from, "chat": chat, "date": 1_000, "edit_date": edit_date,
            "text": text}});
        assert_eq!(relay.post_json(&edit).await, "stored");
    }
    // Someone else's card (user_id 82) sent by 81: a contact placeholder, no phone for anyone.
    let card = json!({"update_id": 4, "message": {
        "message_id": 2, "from": from, "chat": chat, "date": 1_300,
        "contact": {"phone_number": "+44 7700 900999", "first_name": "Bea", "user_id": 82}}});
    assert_eq!(relay.post_json(&card).await, "stored");
    // A business message, then its deletion: marked, content kept.
    let business = json!({"update_id": 5, "business_message": {
        "business_connection_id": "bc9", "message_id": 7, "from": from, "chat": chat,
        "date": 1_400, "text": "soon gone"}});
    let deletion = json!({"update_id": 6, "deleted_business_messages": {
        "business_connection_id": "bc9", "chat": chat, "message_ids": [7]}});
    for u in [&business, &deletion] {
        assert_eq!(relay.post_json(u).await, "stored");
    }
    assert_eq!(
        summary(&relay, 81).await,
        r#"person 81: Ana | - | @ana | phone - - | deleted false | messages 3
  #7 in business[bc9] "soon gone" DELETED
  #2 in bot "" media={"kind":"contact","title":"Bea"}
  #1 in bot "version three" edited@1200 was="version two" was="version one""#
    );
    assert_eq!(summary(&relay, 82).await, "person 82: unknown");
}

/// Regression: a shared contact card whose chat object lacks the username erased the person's
/// username ("username removed"). When the peer sent the message, its `from` is the truth.
#[tokio::test(flavor = "multi_thread")]
async fn the_senders_own_from_is_the_profile_whatever_the_chat_object_lacks() {
    let relay = Relay::start().await;
    relay.post_json(&text_update(1, 77, 1, 1_000, "hola")).await;
    let from = json!({"id": 77, "is_bot": false, "first_name": "Ana", "username": "ana"});
    let bare_chat = json!({"id": 77, "type": "private"});
    let kinds = [
        json!({"contact": {"phone_number": "+34600111222", "first_name": "Ana", "user_id": 77}}),
        json!({"text": "otra"}),
        json!({"caption": "foto", "photo": [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]}),
    ];
    for (i, extra) in kinds.iter().enumerate() {
        let id = i as i64 + 2;
        let mut message =
            json!({"message_id": id, "from": from, "chat": bare_chat, "date": 1_000 + id});
        message
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let update = json!({"update_id": id, "message": message});
        assert_eq!(relay.post_json(&update).await, "stored", "{update}");
    }
    // An edit carries `from` too.
    let edited = json!({"update_id": 10, "edited_message": {"message_id": 3, "from": from, "chat": bare_chat,
                        "date": 1_003, "edit_date": 1_010, "text": "otra, editada"}});
    assert_eq!(relay.post_json(&edited).await, "stored", "{edited}");
    let got = summary(&relay, 77).await;
    assert!(
        got.starts_with("person 77: Ana | - | @ana | phone +34600111222 shared"),
        "{got}"
    );
    assert!(!got.contains("username was"), "no username change: {got}");

    // Business chats: the customer's `from` in a new and in an edited business message.
    let connection = json!({"update_id": 20, "business_connection": {"id": "bc1",
        "user": {"id": 900, "is_bot": false, "first_name": "Owner"}, "user_chat_id": 900,
        "date": 1_000, "can_reply": true, "is_enabled": true}});
    assert_eq!(relay.post_json(&connection).await, "stored");
    let bea = json!({"id": 78, "is_bot": false, "first_name": "Bea", "last_name": "Gil", "username": "bea"});
    let chat78 = json!({"id": 78, "type": "private"});
    for (i, key) in ["business_message", "edited_business_message"]
        .iter()
        .enumerate()
    {
        let update = json!({"update_id": 21 + i, *key: {"message_id": 5, "business_connection_id": "bc1",
            "from": bea, "chat": chat78, "date": 1_020, "edit_date": 1_030, "text": "hola"}});
        assert_eq!(relay.post_json(&update).await, "stored", "{update}");
    }
    let got = summary(&relay, 78).await;
    assert!(got.starts_with("person 78: Bea | Gil | @bea |"), "{got}");
    assert!(!got.contains(" was "), "no profile change: {got}");
}

#[tokio::test(flavor = "multi_thread")]
async fn entities_outside_the_text_are_cut_or_dropped_at_ingest() {
    let relay = Relay::start().await;
    let update = json!({"update_id": 1, "message": {"message_id": 1, "date": 1_000,
    "from": {"id": 79, "is_bot": false, "first_name": "Eva"}, "chat": {"id": 79, "type": "private"},
    "text": "hola 😆",
    "entities": [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "italic", "offset": 5, "length": 4_000_000_000u32},
        {"type": "code", "offset": 4_294_967_295u32, "length": 4_294_967_295u32},
        {"type": "underline", "offset": 7, "length": 1},
        {"type": "strikethrough", "offset": 2, "length": 0}
    ]}});
    assert_eq!(relay.post_json(&update).await, "stored");
    let page = relay.ok("/v1/people/79/messages").await;
    let entities: Vec<(String, u64, u64)> = page["messages"][0]["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_owned(),
                e["offset"].as_u64().unwrap(),
                e["length"].as_u64().unwrap(),
            )
        })
        .collect();
    // "hola 😆" is 7 UTF-16 units: the italic is cut to the emoji's 2, the rest are dropped.
    assert_eq!(
        entities,
        [("bold".to_owned(), 0, 4), ("italic".to_owned(), 5, 2)]
    );
}

/// Guards against an update that PostgreSQL cannot store (U+0000 in a text) failing with a 5xx
/// that Telegram would retry for a day: both backends keep it raw in the quarantine instead.
#[tokio::test(flavor = "multi_thread")]
async fn an_update_with_a_nul_character_is_quarantined_not_failed() {
    let relay = Relay::start().await;
    let update = text_update(77, 7_300_000_001, 1, 1_700_000_000, "nul \u{0} inside");
    assert_eq!(relay.post_json(&update).await, "quarantined");
    let quarantined = off_runtime(|| relay.store.quarantine(None)).unwrap();
    assert_eq!(quarantined.len(), 1);
    assert!(
        quarantined[0].reason.contains("NUL"),
        "{:?}",
        quarantined[0]
    );
    assert!(quarantined[0].body.contains("\\u0000"));
    // The same update again is a duplicate: its update_id is remembered.
    assert_eq!(relay.post_json(&update).await, "duplicate");
}
