//! Telegram Desktop export import, through the same code as `telegram-relay import-desktop`, and the
//! demo data (which goes through the webhook ingest and import code).

mod common;

use common::{Relay, fixture, off_runtime};
use serde_json::{Value, json};
use telegram_relay::cli::import_file;
use telegram_relay::telegram::desktop::generated_export;

fn write(relay: &Relay, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = relay.dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

async fn directory_ids(relay: &Relay) -> Vec<String> {
    relay.ok("/v1/directory").await["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sender_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn fixture_exports_import_and_reimport_changes_nothing() {
    let relay = Relay::start().await;
    // A full export with only a group chat: nothing personal to import.
    let group = write(
        &relay,
        "group.json",
        &fixture("desktop-export/vorot93__json_export_result.json"),
    );
    let report = off_runtime(|| import_file(&*relay.store, relay.tenant, &group)).unwrap();
    assert_eq!(
        (report.chats, report.chats_skipped, report.messages),
        (0, 1, 0)
    );
    assert_eq!(directory_ids(&relay).await, Vec::<String>::new());

    // A personal chat with user 42; the message is from user 12345, so outgoing.
    let voice = write(
        &relay,
        "voice.json",
        &fixture("desktop-export/vorot93__voice_export_result.json"),
    );
    let report = off_runtime(|| import_file(&*relay.store, relay.tenant, &voice)).unwrap();
    assert_eq!(
        (report.chats, report.messages, report.messages_new),
        (1, 1, 1)
    );
    let person = relay.ok("/v1/people/42").await;
    assert_eq!(person["first_name"], "Voice Chat");
    let page = relay.ok("/v1/people/42/messages").await;
    assert_eq!(
        page["messages"][0],
        json!({"id": page["messages"][0]["id"], "telegram_message_id": 1, "origin": "desktop_export",
               "direction": "out", "sent_at": 1739349468, "text": "",
               "media": {"kind": "voice", "mime_type": "audio/ogg", "duration_seconds": 12}})
    );
    let before = relay.ok("/v1/directory").await;
    let report = off_runtime(|| import_file(&*relay.store, relay.tenant, &voice)).unwrap();
    assert_eq!(report.messages_new, 0);
    assert_eq!(
        relay.ok("/v1/directory").await,
        before,
        "re-import changes no person"
    );
    assert_eq!(
        relay.ok("/v1/people/42/messages").await["messages"],
        page["messages"]
    );
    assert_eq!(relay.ok("/v1/people/42").await, person);
}

fn full_export() -> Value {
    json!({
        "personal_information": {"user_id": 5000, "first_name": "Shop"},
        "contacts": {"list": [
            {"user_id": 7100000003u64, "first_name": "Jon", "last_name": "Perk",
             "phone_number": "+44 7700 900123", "date_unixtime": "1700000000"},
            {"user_id": 0, "first_name": "No", "last_name": "Telegram", "phone_number": "+1 555", "date_unixtime": "1700000000"}
        ]},
        "chats": {"list": [
            {"name": "Jon Perk", "type": "personal_chat", "id": 7100000003u64, "messages": [
                {"id": 1, "type": "message", "date_unixtime": "1700000100", "from_id": "user7100000003",
                 "text": [{"type": "plain", "text": "👋 Hi "}, {"type": "bold", "text": "there"}],
                 "text_entities": [{"type": "plain", "text": "👋 Hi "}, {"type": "bold", "text": "there"}]},
                {"id": 2, "type": "service", "date_unixtime": "1700000150", "action": "phone_call"},
                {"id": 3, "type": "message", "date_unixtime": "1700000200", "from_id": "user5000",
                 "edited_unixtime": "1700000300", "reply_to_message_id": 1, "text": "Hello Jon"},
                {"id": 4, "type": "message", "date": "2023-11-14T22:16:40", "from_id": "user7100000003",
                 "file": "files/a.pdf", "file_name": "a.pdf", "mime_type": "application/pdf", "text": ""}
            ]},
            {"name": "Saved Messages", "type": "saved_messages", "id": 5000, "messages": []}
        ]}
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn full_export_contacts_and_history() {
    let relay = Relay::start().await;
    let file = write(&relay, "result.json", full_export().to_string().as_bytes());
    let report = off_runtime(|| import_file(&*relay.store, relay.tenant, &file)).unwrap();
    assert_eq!(
        (
            report.chats,
            report.chats_skipped,
            report.contacts,
            report.messages
        ),
        (1, 1, 1, 3)
    );
    let person = relay.ok("/v1/people/7100000003").await;
    assert_eq!(
        (&person["first_name"], &person["last_name"]),
        (&json!("Jon"), &json!("Perk"))
    );
    assert_eq!(
        (&person["phone"], &person["phone_source"]),
        (&json!("+44 7700 900123"), &json!("contact_list"))
    );
    let page = relay.ok("/v1/people/7100000003/messages").await;
    let m = page["messages"].as_array().unwrap();
    assert_eq!(m.len(), 3);
    assert_eq!(m[0]["media"]["file_name"], "a.pdf");
    assert_eq!(
        m[0]["sent_at"], 1_700_000_200,
        "`date` without `date_unixtime` is read as UTC"
    );
    assert_eq!(
        (&m[1]["direction"], &m[1]["edited_at"]),
        (&json!("out"), &json!(1_700_000_300))
    );
    assert_eq!(
        m[1]["reply_to"],
        json!({"telegram_message_id": 1, "id": m[2]["id"], "text": "👋 Hi there"})
    );
    assert_eq!(m[2]["direction"], "in");
    assert_eq!(
        m[2]["entities"],
        json!([{"type": "bold", "offset": 6, "length": 5}])
    );

    // A later Bot API update with a username does not lose the contact list's phone, and the
    // export's names do not overwrite newer names on a re-import.
    let mut u = common::text_update(1, 7100000003, 99, 1_800_000_000, "via bot");
    for who in ["from", "chat"] {
        u["message"][who]["first_name"] = json!("Jonathan");
        u["message"][who]["last_name"] = json!("Perk");
        u["message"][who]["username"] = json!("jperk");
    }
    relay.post_json(&u).await;
    off_runtime(|| import_file(&*relay.store, relay.tenant, &file)).unwrap();
    let person = relay.ok("/v1/people/7100000003").await;
    assert_eq!(
        (&person["first_name"], &person["username"], &person["phone"]),
        (
            &json!("Jonathan"),
            &json!("jperk"),
            &json!("+44 7700 900123")
        )
    );
    assert_eq!(person["message_count"], 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_files_are_rejected_and_nothing_is_half_imported() {
    let relay = Relay::start().await;
    let mut broken = full_export();
    // A second personal chat whose last message has no date: the whole file is refused.
    broken["chats"]["list"].as_array_mut().unwrap().push(json!(
        {"name": "Bad", "type": "personal_chat", "id": 888, "messages": [
            {"id": 1, "type": "message", "from_id": "user888", "text": "no date"}]}));
    let cases: &[(&str, Vec<u8>, &str)] = &[
        (
            "broken.json",
            broken.to_string().into_bytes(),
            "chat #2 (user 888), messages[0]: no `date`",
        ),
        (
            "update.json",
            fixture("bot-api/nutgram__message.json"),
            "not a Telegram Desktop export",
        ),
        (
            "truncated.json",
            b"{\"chats\": {\"list\": [".to_vec(),
            "it is truncated",
        ),
        ("notjson.json", b"chats: []".to_vec(), "is not JSON"),
        ("list.json", b"[]".to_vec(), "not an object"),
        ("nolist.json", b"{\"chats\": {}}".to_vec(), "no `list`"),
    ];
    for (name, bytes, expected) in cases {
        let path = write(&relay, name, bytes);
        let err = off_runtime(|| import_file(&*relay.store, relay.tenant, &path))
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{name}: {err}");
        assert!(
            err.contains(name) && err.contains("nothing was imported"),
            "{name}: {err}"
        );
    }
    let missing = relay.dir.path().join("missing.json");
    assert!(
        off_runtime(|| import_file(&*relay.store, relay.tenant, &missing))
            .unwrap_err()
            .to_string()
            .contains("missing.json: No such file")
    );
    assert_eq!(
        directory_ids(&relay).await,
        Vec::<String>::new(),
        "nothing stored"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_data_meets_the_demo_contract() {
    let relay = Relay::start().await;
    let now = 1_795_000_000;
    off_runtime(|| telegram_relay::demo::fill(&*relay.store, now)).unwrap();
    let token = telegram_relay::demo::DEMO_TOKEN;
    assert_eq!(token, "demo-install-token");
    let get = |path: String| {
        let relay = &relay;
        async move {
            let (status, body) = relay.get_as(token, &path).await;
            assert_eq!(status, 200, "{path}: {body}");
            body
        }
    };
    let expected = [
        (
            7100000001u64,
            "Lucía",
            Some("Fernández García"),
            Some("lucia_fg"),
            Some("+34 612 345 678"),
        ),
        (
            7100000002,
            "Андрей",
            Some("Иванов"),
            Some("andrey_iv"),
            None,
        ),
        (
            7100000003,
            "Jon",
            Some("Perk"),
            None,
            Some("+44 7700 900123"),
        ),
        (7100000004, "María José", Some("Ruiz"), None, None),
        (
            7100000005,
            "Олена",
            Some("Коваленко"),
            Some("olena_k"),
            None,
        ),
    ];
    for (id, first, last, username, phone) in expected {
        let p = get(format!("/v1/people/{id}")).await;
        assert_eq!(p["first_name"], first, "{id}");
        assert_eq!(p["last_name"].as_str(), last, "{id}");
        assert_eq!(p["username"].as_str(), username, "{id}");
        assert_eq!(p["phone"].as_str(), phone, "{id}");
        assert_eq!(p["deleted"], false);
        assert!(
            p["message_count"].as_u64().unwrap() >= 3,
            "{id}: a few messages at least"
        );
    }
    let deleted = get("/v1/people/7100000006".into()).await;
    assert_eq!(
        (&deleted["deleted"], deleted.get("username")),
        (&json!(true), None)
    );
    let andrey = get("/v1/people/7100000002".into()).await;
    assert_eq!(
        andrey["history"][0],
        json!({"field": "username", "old_value": "andrei_old",
                                            "new_value": "andrey_iv", "valid_until": andrey["history"][0]["valid_until"]})
    );
    assert_eq!(
        get("/v1/people/7100000001".into()).await["phone_source"],
        "shared"
    );

    // The generated crowd, through the same ingest: each person with their name, username and,
    // where the generator shows it, the phone they shared.
    let crowd = telegram_identity::testdata::demo_crowd();
    let writers: Vec<_> = crowd
        .people
        .iter()
        .filter(|p| !p.first_name.is_empty())
        .collect();
    assert!(writers.len() > 1_900, "{}", writers.len());
    for p in writers.iter().step_by(97) {
        let got = get(format!("/v1/people/{}", p.sender_id)).await;
        assert_eq!(got["first_name"], p.first_name.as_str(), "{}", p.sender_id);
        assert_eq!(
            got["username"].as_str(),
            p.username.as_deref(),
            "{}",
            p.sender_id
        );
        assert_eq!(got["phone"].as_str(), p.phone.as_deref(), "{}", p.sender_id);
        if p.phone.is_some() {
            assert_eq!(got["phone_source"], "shared", "{}", p.sender_id);
        }
    }

    // Lucía's conversation: > 60 messages over several days, ending just before `now`, with
    // business messages, entities after emoji, media, an edit, a deletion and a reply.
    let page = get("/v1/people/7100000001/messages?limit=1000".into()).await;
    let messages = page["messages"].as_array().unwrap();
    assert!(messages.len() > 60, "{}", messages.len());
    let newest = messages[0]["sent_at"].as_i64().unwrap();
    let oldest = messages.last().unwrap()["sent_at"].as_i64().unwrap();
    assert!(newest < now && now - newest < 3600, "recent");
    assert!(newest - oldest > 4 * 86_400, "several days");
    let has = |f: &dyn Fn(&Value) -> bool| messages.iter().any(f);
    assert!(messages.iter().all(|m| m["origin"] == "business"));
    assert!(has(&|m| m["direction"] == "out") && has(&|m| m["direction"] == "in"));
    for kind in ["photo", "voice", "document", "contact"] {
        assert!(has(&|m| m["media"]["kind"] == kind), "{kind}");
    }
    for entity in ["bold", "italic", "code", "text_link", "mention", "url"] {
        assert!(
            has(&|m| m["entities"]
                .as_array()
                .is_some_and(|e| e.iter().any(|e| e["type"] == entity))),
            "{entity}"
        );
    }
    assert!(has(&|m| m["text"].as_str().unwrap().starts_with("🎉")));
    assert!(has(
        &|m| m["previous_versions"].is_array() && m["edited_at"].is_i64()
    ));
    assert!(has(
        &|m| m["deleted"] == true && !m["text"].as_str().unwrap().is_empty()
    ));
    assert!(has(&|m| m["reply_to"]["id"].is_string()));
    // Jon's history comes from the Desktop export, from before the integration.
    let jon = get("/v1/people/7100000003/messages".into()).await;
    assert!(
        jon["messages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["origin"] == "desktop_export")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_single_chat_export_and_a_full_export_of_the_same_account_do_not_duplicate() {
    let relay = Relay::start().await;
    let full = full_export();
    // "Export chat history" on one chat: the chat object is the root, with no personal_information.
    let single = write(
        &relay,
        "chat.json",
        full["chats"]["list"][0].to_string().as_bytes(),
    );
    let report = off_runtime(|| import_file(&*relay.store, relay.tenant, &single)).unwrap();
    assert_eq!((report.chats, report.messages_new), (1, 3));
    let page = relay.ok("/v1/people/7100000003/messages").await;
    let directions: Vec<&Value> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["direction"])
        .collect();
    assert_eq!(directions, [&json!("in"), &json!("out"), &json!("in")]);
    // The account (user 5000) is inferred from its own message, so the full export matches.
    let full = write(&relay, "result.json", full.to_string().as_bytes());
    let report = off_runtime(|| import_file(&*relay.store, relay.tenant, &full)).unwrap();
    assert_eq!((report.messages, report.messages_new), (3, 0));
    assert_eq!(relay.ok("/v1/people/7100000003").await["message_count"], 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_large_import_is_stored_in_chunks_and_running_it_again_stores_nothing_twice() {
    let relay = Relay::start().await;
    // More events than one transaction takes, so the import commits several chunks.
    let (people, per_chat) = (30, 250);
    assert!(people * per_chat > 3 * telegram_relay::cli::IMPORT_CHUNK as u64);
    // First only part of it (an import cut short stores a prefix), then the whole file.
    let part = write(
        &relay,
        "part.json",
        generated_export(12, per_chat).as_bytes(),
    );
    let first = off_runtime(|| import_file(&*relay.store, relay.tenant, &part)).unwrap();
    assert_eq!(first.messages_new, 12 * per_chat as usize);
    let whole = write(
        &relay,
        "whole.json",
        generated_export(people, per_chat).as_bytes(),
    );
    let report = off_runtime(|| import_file(&*relay.store, relay.tenant, &whole)).unwrap();
    assert_eq!(
        (report.chats, report.messages, report.messages_new),
        (
            people as usize,
            (people * per_chat) as usize,
            ((people - 12) * per_chat) as usize
        ),
        "what was stored is not stored again"
    );
    let again = off_runtime(|| import_file(&*relay.store, relay.tenant, &whole)).unwrap();
    assert_eq!(again.messages_new, 0);
    let person = relay.ok("/v1/people/7200000029").await;
    assert_eq!(person["first_name"], "Person 29");
    assert_eq!(person["message_count"], per_chat);
    let page = relay.ok("/v1/people/7200000029/messages?limit=3").await;
    let directions: Vec<&str> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["direction"].as_str().unwrap())
        .collect();
    // Newest first: messages 249, 248, 247; every third (from 5000, the account) is outgoing.
    assert_eq!(directions, ["out", "in", "in"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_whose_keys_were_reordered_reads_the_same() {
    // A tool that sorts keys puts `messages` before `type` and `id`, and `chats` before `contacts`.
    let relay = Relay::start().await;
    let sorted: Value = serde_json::from_str(&generated_export(2, 5)).unwrap(); // serde_json sorts keys
    let file = write(&relay, "sorted.json", sorted.to_string().as_bytes());
    let report = off_runtime(|| import_file(&*relay.store, relay.tenant, &file)).unwrap();
    assert_eq!(
        (report.chats, report.messages, report.messages_new),
        (2, 10, 10)
    );
    let person = relay.ok("/v1/people/7200000001").await;
    assert_eq!(person["first_name"], "Person 1");
}
