//! The plugin API (`/v1`) over real HTTP: authentication, tenant isolation, conversation pages and
//! polling, search, the directory, the contact-info CSV, the link journal, CORS and error bodies.

mod common;

use common::{Relay, assert_error, text_update};
use reqwest::StatusCode;
use serde_json::{Value, json};
use telegram_relay::Config;

async fn fill(relay: &Relay, sender: i64, count: i64) {
    for i in 0..count {
        let u = text_update(
            sender * 1000 + i,
            sender,
            i + 1,
            1_700_000_000 + i * 60,
            &format!("m{i}"),
        );
        assert_eq!(relay.post_json(&u).await, "stored");
    }
}

fn texts(page: &Value) -> Vec<String> {
    page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_are_required_and_errors_have_one_shape() {
    let relay = Relay::start().await;
    fill(&relay, 55, 1).await;
    for token in ["", "nope", "tgr_0000"] {
        let (status, body) = relay.get_as(token, "/v1/people/55").await;
        assert_error(status, &body, 401, "unauthorized");
    }
    let response = relay
        .http
        .get(format!("{}/v1/people/55", relay.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let (status, body) = relay.get("/v1/people/12abc").await;
    assert_error(status, &body, 400, "invalid_sender_id");
    let (status, body) = relay.get("/v1/people/0").await;
    assert_error(status, &body, 400, "invalid_sender_id");
    let (status, body) = relay.get("/v1/people/56").await;
    assert_error(status, &body, 404, "not_found");
    let (status, body) = relay.get("/v1/people/55/messages?before=zzz").await;
    assert_error(status, &body, 400, "invalid_cursor");
    let (status, body) = relay.get("/v1/people/55/messages?limit=minus").await;
    assert_error(status, &body, 400, "bad_request");
    let (status, body) = relay.get("/v1/nothing-here").await;
    assert_error(status, &body, 404, "not_found");
    let response = relay
        .http
        .delete(format!("{}/v1/people/55", relay.url))
        .bearer_auth(&relay.token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert_error(
        status,
        &response.json().await.unwrap(),
        405,
        "method_not_allowed",
    );
    let (status, body) = relay.get("/v1/people?q=%20").await;
    assert_error(status, &body, 400, "bad_request");
    // Guards against a case-sensitive auth scheme: `bearer` is `Bearer` (RFC 9110).
    for scheme in ["bearer", "BEARER"] {
        let response = relay
            .http
            .get(format!("{}/v1/people/55", relay.url))
            .header("authorization", format!("{scheme} {}", relay.token))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{scheme}");
    }
    let response = relay
        .http
        .get(format!("{}/v1/people/55", relay.url))
        .header("authorization", format!("Basic {}", relay.token))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    // The sender ID is accepted the way people paste it (the identity engine's parser).
    assert_eq!(relay.ok("/v1/people/user55").await["sender_id"], "55");
    let health: Value = relay
        .http
        .get(format!("{}/healthz", relay.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tenant_sees_only_its_own_data() {
    let relay = Relay::start().await;
    let (_other, other_token, other_webhook) = relay.add_tenant("other");
    fill(&relay, 61, 2).await;
    let u = text_update(1, 62, 1, 1_700_000_000, "other tenant's");
    let (status, _) = relay.post_update_to(&other_webhook, u.to_string()).await;
    assert_eq!(status, 200);
    // Each tenant sees its own person and a plain 404 for the other's.
    let (status, _) = relay.get_as(&other_token, "/v1/people/62").await;
    assert_eq!(status, 200);
    for path in ["/v1/people/61", "/v1/people/61/messages"] {
        let (status, body) = relay.get_as(&other_token, path).await;
        assert_error(status, &body, 404, "not_found");
    }
    let (status, _) = relay.get("/v1/people/62").await;
    assert_eq!(status, 404);
    let (_, dir) = relay.get_as(&other_token, "/v1/directory").await;
    let ids: Vec<&str> = dir["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sender_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["62"]);
    let (_, found) = relay.get_as(&other_token, "/v1/people?q=ana").await;
    assert_eq!(found["people"].as_array().unwrap().len(), 1);
    let (_, csv) = relay
        .get_as(&other_token, "/v1/export/telegram-contacts.csv")
        .await;
    assert!(csv.as_str().unwrap().contains("\"62\"") && !csv.as_str().unwrap().contains("\"61\""));
    // The same update_id on another tenant's bot is a different update.
    let (_, outcome) = relay
        .post_update_to(
            &other_webhook,
            text_update(61_000, 62, 2, 1_700_000_100, "x").to_string(),
        )
        .await;
    assert_eq!(outcome, "stored");
}

#[tokio::test(flavor = "multi_thread")]
async fn conversation_pages_newest_first_and_polling() {
    let relay = Relay::start().await;
    fill(&relay, 70, 120).await;
    let first = relay.ok("/v1/people/70/messages?limit=50").await;
    assert_eq!(texts(&first)[..3], ["m119", "m118", "m117"]);
    let second = relay
        .ok(&format!(
            "/v1/people/70/messages?limit=50&before={}",
            first["older"].as_str().unwrap()
        ))
        .await;
    assert_eq!(texts(&second)[0], "m69");
    let third = relay
        .ok(&format!(
            "/v1/people/70/messages?limit=50&before={}",
            second["older"].as_str().unwrap()
        ))
        .await;
    assert_eq!(texts(&third).len(), 20);
    assert_eq!(texts(&third).last().unwrap(), "m0");
    assert!(
        third.get("older").is_none(),
        "no older page after the first message"
    );

    // Polling: nothing new, then a new message and an edit of an old one.
    let newer = first["newer"].as_str().unwrap().to_owned();
    let quiet = relay
        .ok(&format!("/v1/people/70/messages?after={newer}"))
        .await;
    assert_eq!(quiet["messages"], json!([]));
    assert_eq!(quiet["newer"], newer);
    relay
        .post_json(&text_update(1, 70, 500, 1_700_100_000, "new one"))
        .await;
    let mut edit = text_update(2, 70, 3, 1_700_000_120, "m2, corrected");
    let message = edit.as_object_mut().unwrap().remove("message").unwrap();
    edit["edited_message"] = message;
    edit["edited_message"]["edit_date"] = json!(1_700_100_100);
    relay.post_json(&edit).await;
    let changes = relay
        .ok(&format!("/v1/people/70/messages?after={newer}"))
        .await;
    assert_eq!(texts(&changes), ["new one", "m2, corrected"]);
    assert_eq!(changes["messages"][1]["previous_versions"][0]["text"], "m2");
    let after = changes["newer"].as_str().unwrap();
    assert_eq!(
        relay
            .ok(&format!("/v1/people/70/messages?after={after}"))
            .await["messages"],
        json!([])
    );
    let (status, body) = relay
        .get(&format!(
            "/v1/people/70/messages?after={after}&before={after}"
        ))
        .await;
    assert_error(status, &body, 400, "bad_request");
}

#[tokio::test(flavor = "multi_thread")]
async fn search_directory_and_csv() {
    let relay = Relay::start().await;
    let people = [
        (101, "Lucía", Some("Fernández"), Some("lucia_fg")),
        (102, "Андрей", Some("Иванов"), None),
        (103, "Jon", Some("Perk"), Some("jperk")),
        (104, "José", Some("Núñez"), None),
    ];
    for (i, (id, first, last, username)) in people.iter().enumerate() {
        let mut u = text_update(i as i64, *id, 1, 1_700_000_000, "hi");
        for who in ["from", "chat"] {
            u["message"][who]["first_name"] = json!(first);
            u["message"][who]["last_name"] = json!(last);
            u["message"][who]["username"] = json!(username);
        }
        relay.post_json(&u).await;
    }
    let ids = |v: &Value| -> Vec<String> {
        v["people"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["sender_id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&relay.ok("/v1/people?q=LUC%C3%8DA").await), ["101"]);
    assert_eq!(
        ids(&relay.ok("/v1/people?q=%D0%B8%D0%B2%D0%B0%D0%BD").await),
        ["102"],
        "Cyrillic, any case"
    );
    assert_eq!(ids(&relay.ok("/v1/people?q=@jperk").await), ["103"]);
    // Guards against matching the query only as one contiguous string: every word, any order.
    assert_eq!(
        ids(&relay.ok("/v1/people?q=fern%C3%A1ndez%20luc%C3%ADa").await),
        ["101"]
    );
    assert_eq!(
        ids(&relay.ok("/v1/people?q=perk%20%40jperk").await),
        ["103"]
    );
    assert_eq!(
        ids(&relay.ok("/v1/people?q=perk%20luc%C3%ADa").await),
        Vec::<String>::new(),
        "no one person has both words"
    );
    // Guards against FTS5 query syntax in `q` reaching the index unquoted (a 500 or wrong hits).
    for q in ["%22%22%22", "per*", "NEAR(per", "jon%20OR%20zzz", "%5Eperk"] {
        let found = relay.ok(&format!("/v1/people?q={q}")).await;
        assert_eq!(ids(&found), Vec::<String>::new(), "{q}");
    }
    // A username equal to the query ranks first, whatever its case.
    assert_eq!(ids(&relay.ok("/v1/people?q=JPERK").await), ["103"]);
    // Names are found as the identity engine folds them: without accents, transliterated, and
    // by sound-alike keys; links to a username find its owner.
    for (q, expected) in [
        ("andrei", "102"),
        ("Andrey", "102"),
        ("andrei%20ivanov", "102"),
        ("ivanov", "102"),
        ("Jose%20Nunez", "104"),
        ("nunez", "104"),
        ("lucia%20fernandez", "101"),
        ("t.me/jperk", "103"),
        ("https://t.me/JPerk", "103"),
    ] {
        assert_eq!(
            ids(&relay.ok(&format!("/v1/people?q={q}")).await),
            [expected],
            "{q}"
        );
    }
    // Folding does not make unrelated words meet.
    for q in ["andreas", "josefina", "perkins", "luc%C3%ADa%20ivanov"] {
        let found = relay.ok(&format!("/v1/people?q={q}")).await;
        assert_eq!(ids(&found), Vec::<String>::new(), "{q}");
    }

    // The directory: everything, in pages, then only what changed.
    let page1 = relay.ok("/v1/directory?limit=2").await;
    assert_eq!(ids(&page1), ["101", "102"]);
    assert_eq!(page1["has_more"], true);
    let page2 = relay
        .ok(&format!(
            "/v1/directory?limit=2&after={}",
            page1["next"].as_str().unwrap()
        ))
        .await;
    assert_eq!(ids(&page2), ["103", "104"]);
    assert_eq!(page2["has_more"], false);
    let next = page2["next"].as_str().unwrap().to_owned();
    assert_eq!(
        ids(&relay.ok(&format!("/v1/directory?after={next}")).await),
        Vec::<String>::new()
    );
    let mut renamed = text_update(10, 102, 2, 1_700_000_500, "hi");
    for who in ["from", "chat"] {
        renamed["message"][who]["first_name"] = json!("Андрей");
        renamed["message"][who]["last_name"] = json!("Иванов");
        renamed["message"][who]["username"] = json!("andrey_iv");
    }
    relay.post_json(&renamed).await;
    // New messages alone do not resend a person; a changed username does.
    let mut more = text_update(11, 101, 2, 1_700_000_600, "more");
    for who in ["from", "chat"] {
        more["message"][who]["first_name"] = json!("Lucía");
        more["message"][who]["last_name"] = json!("Fernández");
        more["message"][who]["username"] = json!("lucia_fg");
    }
    relay.post_json(&more).await;
    let changed = relay.ok(&format!("/v1/directory?after={next}")).await;
    assert_eq!(ids(&changed), ["102"]);
    assert_eq!(changed["people"][0]["username"], "andrey_iv");

    // The contact-info CSV, written by the identity engine.
    let response = relay
        .http
        .get(format!("{}/v1/export/telegram-contacts.csv", relay.url))
        .bearer_auth(&relay.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let csv = response.text().await.unwrap();
    let expected = telegram_identity::csv::write_telegram_contacts(&[
        person(101, "Lucía", "Fernández", Some("lucia_fg")),
        person(102, "Андрей", "Иванов", Some("andrey_iv")),
        person(103, "Jon", "Perk", Some("jperk")),
        person(104, "José", "Núñez", None),
    ]);
    assert_eq!(csv, expected);
}

fn person(
    id: u64,
    first: &str,
    last: &str,
    username: Option<&str>,
) -> telegram_identity::TelegramPerson {
    telegram_identity::TelegramPerson {
        sender_id: telegram_identity::SenderId::new(id).unwrap(),
        first_name: first.into(),
        last_name: last.into(),
        username: username.map(Into::into),
        phone: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn link_journal() {
    let relay = Relay::start().await;
    let post = |body: Value| {
        let request = relay
            .http
            .post(format!("{}/v1/link-events", relay.url))
            .bearer_auth(&relay.token)
            .json(&body);
        async move {
            let response = request.send().await.unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        }
    };
    let (status, linked) = post(json!({"action": "link", "contact_id": "z-1", "new_value": "7100000001",
                                        "actor": "agent 9", "batch_id": "b1", "reason": "phone equal"})).await;
    assert_eq!(status, StatusCode::CREATED, "{linked}");
    assert_eq!(linked["sender_id"], "7100000001");
    let (_, undone) = post(
        json!({"action": "undo", "contact_id": "z-1", "old_value": "7100000001",
                                  "actor": "agent 9", "undoes": linked["id"]}),
    )
    .await;
    post(json!({"action": "link", "contact_id": "z-2", "new_value": "55", "actor": "agent 9"}))
        .await;

    let by_sender = relay.ok("/v1/link-events?sender_id=7100000001").await;
    let ids: Vec<&Value> = by_sender["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["id"])
        .collect();
    assert_eq!(
        ids,
        [&undone["id"], &linked["id"]],
        "newest first, old and new values both match"
    );
    assert_eq!(
        relay.ok("/v1/link-events?contact_id=z-2").await["events"][0]["new_value"],
        "55"
    );
    assert_eq!(
        relay.ok("/v1/link-events?batch_id=b1").await["events"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let (status, body) = post(json!({"action": "link", "contact_id": "", "actor": "a"})).await;
    assert_error(status, &body, 400, "bad_request");
    let (status, body) = post(json!({"action": "merge", "contact_id": "z", "actor": "a"})).await;
    assert_error(status, &body, 400, "invalid_json");
    let response = relay
        .http
        .post(format!("{}/v1/link-events", relay.url))
        .bearer_auth(&relay.token)
        .body("{}")
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert_error(
        status,
        &response.json().await.unwrap(),
        415,
        "unsupported_media_type",
    );
    let (status, body) = relay.get("/v1/link-events").await;
    assert_error(status, &body, 400, "bad_request");
    // Another tenant sees none of it.
    let (_, other_token, _) = relay.add_tenant("other");
    let (_, theirs) = relay
        .get_as(&other_token, "/v1/link-events?contact_id=z-2")
        .await;
    assert_eq!(theirs["events"], json!([]));
    for path in [
        "/v1/link-events?sender_id=7100000001",
        "/v1/link-events?batch_id=b1",
    ] {
        let (status, theirs) = relay.get_as(&other_token, path).await;
        assert_eq!((status, &theirs["events"]), (StatusCode::OK, &json!([])));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bulk_batch_is_journaled_at_once_and_never_twice() {
    // The production body limit: a batch of 100 is about 15 KB, 1,001 small events fit too.
    let relay = Relay::start_with(Config {
        allowed_origins: Vec::new(),
        max_body: telegram_relay::DEFAULT_MAX_BODY,
        ..Config::default()
    })
    .await;
    let post = |body: Value| {
        let request = relay
            .http
            .post(format!("{}/v1/link-events/batch", relay.url))
            .bearer_auth(&relay.token)
            .json(&body);
        async move {
            let response = request.send().await.unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        }
    };
    let event = |contact: u32, action: &str| {
        json!({"action": action, "contact_id": format!("c-{contact}"), "new_value": format!("71000{contact:05}"),
               "actor": "agent 7 Ann", "batch_id": "bulk-1", "reason": "phone equal"})
    };
    let first: Vec<Value> = (0..60).map(|c| event(c, "link")).collect();
    let (status, body) = post(json!({ "events": first })).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body, json!({"recorded": 60, "already": 0}));

    // The answer was lost and the whole batch is sent again, with the rest of it.
    let again: Vec<Value> = (0..100).map(|c| event(c, "link")).collect();
    let (_, body) = post(json!({ "events": again })).await;
    assert_eq!(body, json!({"recorded": 40, "already": 60}));
    let journal = relay.ok("/v1/link-events?batch_id=bulk-1").await;
    let mut contacts: Vec<&str> = journal["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["contact_id"].as_str().unwrap())
        .collect();
    contacts.sort_unstable();
    contacts.dedup();
    assert_eq!(journal["events"].as_array().unwrap().len(), 100);
    assert_eq!(contacts.len(), 100, "one entry per contact");

    // One bad event: the request names it and stores none of the others.
    let mut bad: Vec<Value> = (100..110).map(|c| event(c, "link")).collect();
    bad[7]["actor"] = json!(" ");
    let (status, body) = post(json!({ "events": bad })).await;
    assert_error(status, &body, 400, "bad_request");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("events[7]"),
        "{body}"
    );
    assert_eq!(
        relay.ok("/v1/link-events?contact_id=c-100").await["events"],
        json!([])
    );
    let too_many: Vec<Value> = (0..1_001)
        .map(|c| json!({"action": "undo", "contact_id": c.to_string(), "actor": "a"}))
        .collect();
    let (status, body) = post(json!({ "events": too_many })).await;
    assert_error(status, &body, 400, "bad_request");
    // The same contacts in an undo of the batch are new entries.
    let undo: Vec<Value> = (0..3).map(|c| event(c, "undo")).collect();
    let (_, body) = post(json!({ "events": undo })).await;
    assert_eq!(body["recorded"], 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_install_token_over_its_rate_gets_429_with_retry_after() {
    let relay = Relay::start_with(Config {
        rate_limit: 60, // one a second, ten in a burst
        ..Config::default()
    })
    .await;
    for i in 0..10 {
        let (status, body) = relay.get("/v1/directory").await;
        assert_eq!(status, StatusCode::OK, "request {i}: {body}");
    }
    let response = relay
        .http
        .get(format!("{}/v1/directory", relay.url))
        .bearer_auth(&relay.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    let body: Value = response.json().await.unwrap();
    assert_error(StatusCode::TOO_MANY_REQUESTS, &body, 429, "rate_limited");
    // Another tenant's token has its own allowance.
    let (_, other_token, _) = relay.add_tenant("other");
    let (status, _) = relay.get_as(&other_token, "/v1/directory").await;
    assert_eq!(status, StatusCode::OK);
}

/// Guards against a route without the relay's body limit (axum's own default is 2 MB).
#[tokio::test(flavor = "multi_thread")]
async fn every_route_applies_the_body_limit() {
    let relay = Relay::start().await; // max_body: 16 KiB
    let big = json!({"action": "link", "contact_id": "z-big", "actor": "a",
                     "reason": "x".repeat(20_000)});
    let response = relay
        .http
        .post(format!("{}/v1/link-events", relay.url))
        .bearer_auth(&relay.token)
        .json(&big)
        .send()
        .await
        .unwrap();
    let status = response.status();
    assert_error(
        status,
        &response.json().await.unwrap(),
        413,
        "payload_too_large",
    );
    let stored = relay.ok("/v1/link-events?contact_id=z-big").await;
    assert_eq!(stored["events"], json!([]));

    // A body declared far too large is refused from its headers, before any of it is sent.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = relay.url.strip_prefix("http://").unwrap();
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /v1/link-events HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n",
        relay.token
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 4096];
    // Generous: it guards against waiting for a body that never comes, it does not time anything.
    let n = tokio::time::timeout(std::time::Duration::from_secs(30), socket.read(&mut answer))
        .await
        .expect("the relay answered without waiting for the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("declares 10000000000 bytes"), "{answer}");
}

#[tokio::test(flavor = "multi_thread")]
async fn cors_only_for_allowed_origins() {
    let relay = Relay::start().await; // allows http://localhost:8789
    let preflight = |origin: &'static str| {
        relay
            .http
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/v1/people/1", relay.url),
            )
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
    };
    let allowed = preflight("http://localhost:8789").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "http://localhost:8789"
    );
    let denied = preflight("https://evil.example").await.unwrap();
    assert!(
        denied
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    // The webhook is not for browsers.
    let webhook = relay
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/telegram/webhook/{}", relay.url, relay.webhook),
        )
        .header("origin", "http://localhost:8789")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(
        webhook
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

/// Guards against bad sender IDs answered as 404/500 instead of the identity engine's 400, against
/// `limit=0` silently answered with one item, and against tampered cursors being accepted.
#[tokio::test(flavor = "multi_thread")]
async fn bad_ids_limits_and_cursors_are_400_with_the_reason() {
    let relay = Relay::start().await;
    fill(&relay, 57, 3).await;
    for (id, reason) in [
        ("abc", "'a' cannot appear"),
        ("0", "start at 1"),
        ("-100123", "group or channel"),
        ("4503599627370496", "52 bits"),
    ] {
        for path in [
            format!("/v1/people/{id}"),
            format!("/v1/people/{id}/messages"),
        ] {
            let (status, body) = relay.get(&path).await;
            assert_error(status, &body, 400, "invalid_sender_id");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(message.contains(reason), "{path}: {message}");
        }
    }
    let (status, body) = relay.get("/v1/people?q=an%00a").await;
    assert_error(status, &body, 400, "bad_request");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("NUL"),
        "{body}"
    );
    for path in [
        "/v1/people/57/messages?limit=0",
        "/v1/people?q=ana&limit=0",
        "/v1/directory?limit=0",
        "/v1/people/57/messages?limit=-5",
        "/v1/people/57/messages?limit=99999999999",
    ] {
        let (status, body) = relay.get(path).await;
        assert_error(status, &body, 400, "bad_request");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("from 1 to 10000"), "{path}: {message}");
    }
    // Larger than the maximum: clamped, not refused.
    let page = relay.ok("/v1/people/57/messages?limit=20000").await;
    assert_eq!(texts(&page), ["m2", "m1", "m0"]);
    for path in [
        "/v1/people/57/messages?before=r3",
        "/v1/people/57/messages?before=b1",
        "/v1/people/57/messages?after=b1.2",
        "/v1/people/57/messages?after=r-1",
        "/v1/directory?after=b1.2",
        "/v1/directory?after=r1x",
    ] {
        let (status, body) = relay.get(path).await;
        assert_error(status, &body, 400, "invalid_cursor");
    }
    let (status, body) = relay
        .get("/v1/people/57/messages?before=b1.1&after=r1")
        .await;
    assert_error(status, &body, 400, "bad_request");
}

#[tokio::test]
async fn documents_are_kept_per_tenant_and_listed_by_prefix() {
    let relay = Relay::start().await;
    let put = |token: String, key: &str, body: &'static str| {
        let request = relay
            .http
            .put(format!("{}/v1/documents/{key}", relay.url))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body);
        async move { request.send().await.unwrap() }
    };
    let me = relay.token.clone();
    for (key, body) in [
        ("bulk-run/r1/head", r#"{"id":"r1"}"#),
        ("bulk-run/r1/batch/00000", r#"{"items":[1]}"#),
        ("bulk-run/r2/head", r#"{"id":"r2"}"#),
        ("other", "[]"),
    ] {
        assert_eq!(
            put(me.clone(), key, body).await.status(),
            StatusCode::NO_CONTENT,
            "{key}"
        );
    }
    // Writing again replaces.
    put(me.clone(), "bulk-run/r1/batch/00000", r#"{"items":[1,2]}"#).await;
    let list = relay.ok("/v1/documents?prefix=bulk-run/r1/").await;
    let keys: Vec<&str> = list["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["bulk-run/r1/batch/00000", "bulk-run/r1/head"]);
    assert_eq!(list["documents"][0]["body"], r#"{"items":[1,2]}"#);
    assert_eq!(
        relay.ok("/v1/documents").await["documents"]
            .as_array()
            .unwrap()
            .len(),
        4
    );

    // Bad keys and bodies are refused, naming what is wrong; nothing is stored.
    for (key, body, code) in [
        ("bad%20key", "{}", "bad_request"),
        ("x", "{not json", "bad_request"),
    ] {
        let response = put(me.clone(), key, body).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_error(status, &body, 400, code);
    }
    let too_long = "k".repeat(201);
    assert_eq!(
        put(me.clone(), &too_long, "{}").await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        relay.ok("/v1/documents").await["documents"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let (status, body) = relay.get("/v1/documents?prefix=no%20spaces").await;
    assert_error(status, &body, 400, "bad_request");

    // Another tenant sees none of them; without a token, nothing at all.
    let (_, other, _) = relay.add_tenant("other");
    let (_, theirs) = relay.get_as(&other, "/v1/documents").await;
    assert_eq!(theirs["documents"], json!([]));
    let anonymous = relay
        .http
        .put(format!("{}/v1/documents/x", relay.url))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}
