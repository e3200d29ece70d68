//! The conversation panel and profile card in headless Chromium: entities (with emoji before them),
//! media placeholders, edited/deleted marks, replies, day separators, windowed rendering of 10,000
//! messages, and a corpus of hostile texts and usernames that must render inert.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use serde_json::{Value, json};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

const ID: &str = "7100000001";

/// A message as the relay serialises it.
fn message(id: &str, at: i64, text: &str, extra: Value) -> Value {
    let mut m = json!({"id": id, "telegram_message_id": at, "origin": "business", "direction": "in",
                       "sent_at": at, "text": text});
    if let (Some(m), Some(extra)) = (m.as_object_mut(), extra.as_object()) {
        m.extend(extra.clone());
    }
    m
}

/// Serves `messages` (given oldest first) as the newest page, and a profile.
async fn show(messages: Vec<Value>, profile: Value) -> (FakeHost, Element) {
    let host = FakeHost::new(Some(ID));
    let mut newest_first = messages;
    newest_first.reverse();
    let page = json!({"messages": newest_first, "newer": "c-newest"});
    host.route(
        &format!("/v1/people/{ID}/messages"),
        Answer::Json(200, page.to_string()),
    );
    host.person(&person(profile));
    let root = mount(&host).await;
    (host, root)
}

fn lucia_json() -> Value {
    serde_json::to_value(lucia()).unwrap()
}

fn messages_in(root: &Element) -> Vec<Element> {
    all(root, "[data-testid=message]")
}

#[wasm_bindgen_test]
async fn entities_after_emoji_land_on_the_right_characters() {
    // "👋🏽 Hola " is 2+2+1+4+1 = 10 UTF-16 units: bold "Lucía" starts at 10, is 5 long.
    let text = "👋🏽 Hola Lucía, see https://example.com or `x`";
    let entities = json!([
        {"type": "bold", "offset": 10, "length": 5},
        {"type": "url", "offset": 21, "length": 19},
        {"type": "italic", "offset": 0, "length": 4}
    ]);
    let (_, root) = show(
        vec![message(
            "m1",
            1_746_000_000,
            text,
            json!({"entities": entities}),
        )],
        lucia_json(),
    )
    .await;
    let msg = &messages_in(&root)[0];
    let strong = msg
        .query_selector("strong")
        .unwrap()
        .expect("bold rendered");
    assert_eq!(strong.text_content().unwrap(), "Lucía");
    let em = msg.query_selector("em").unwrap().expect("italic rendered");
    assert_eq!(em.text_content().unwrap(), "👋🏽");
    let a = msg.query_selector("a").unwrap().expect("url is a link");
    assert_eq!(a.text_content().unwrap(), "https://example.com");
    assert_eq!(
        a.get_attribute("href").as_deref(),
        Some("https://example.com")
    );
    assert_eq!(
        a.get_attribute("rel").as_deref(),
        Some("noopener noreferrer nofollow")
    );
    assert!(
        msg.text_content().unwrap().contains(text),
        "all text kept in order"
    );
}

/// Regression: on wasm32 `usize` is 32 bits, and an entity whose `offset + length` passed u32::MAX
/// overflowed there (a panic in a debug build), so one bad entity hid the whole message.
#[wasm_bindgen_test]
async fn an_entity_ending_past_u32_max_keeps_the_message() {
    let entities = json!([
        {"type": "bold", "offset": 3, "length": u32::MAX},
        {"type": "italic", "offset": u32::MAX, "length": u32::MAX}
    ]);
    let (_, root) = show(
        vec![message(
            "m1",
            1_746_000_000,
            "la factura",
            json!({"entities": entities}),
        )],
        lucia_json(),
    )
    .await;
    let msg = &messages_in(&root)[0];
    assert!(msg.text_content().unwrap().contains("la factura"));
    let strong = msg
        .query_selector("strong")
        .unwrap()
        .expect("bold clamped to the text");
    assert_eq!(strong.text_content().unwrap(), "factura");
    assert!(
        msg.query_selector("em").unwrap().is_none(),
        "empty entity dropped"
    );
}

#[wasm_bindgen_test]
async fn media_marks_replies_and_days() {
    let day1 = 1_746_000_000; // 2025-04-30
    let day2 = day1 + 2 * 86_400;
    let messages = vec![
        message(
            "m1",
            day1,
            "",
            json!({"media": {"kind": "voice", "duration_seconds": 7}}),
        ),
        message(
            "m2",
            day1 + 60,
            "contract attached",
            json!({"direction": "out",
            "media": {"kind": "document", "file_name": "contrato.pdf"}}),
        ),
        message("m3", day2, "fixed typo", json!({"edited_at": day2 + 30})),
        message(
            "m4",
            day2 + 60,
            "oops",
            json!({"deleted": true, "deleted_at": day2 + 90}),
        ),
        message(
            "m5",
            day2 + 120,
            "yes",
            json!({"reply_to": {"telegram_message_id": 3, "id": "m3", "text": "fixed typo"}}),
        ),
    ];
    let (_, root) = show(messages, lucia_json()).await;
    let rows = messages_in(&root);
    assert_eq!(rows.len(), 5);
    assert_eq!(
        all(&root, "[data-testid=day-separator]").len(),
        2,
        "two days"
    );
    assert_eq!(
        rows[0].get_attribute("data-direction").as_deref(),
        Some("in")
    );
    assert_eq!(
        rows[1].get_attribute("data-direction").as_deref(),
        Some("out")
    );
    let media: Vec<String> = all(&root, "[data-testid=media]")
        .iter()
        .map(|m| m.text_content().unwrap())
        .collect();
    assert!(
        media[0].contains("Voice message") && media[0].contains("0:07"),
        "{media:?}"
    );
    assert!(
        media[1].contains("File") && media[1].contains("contrato.pdf"),
        "{media:?}"
    );
    // Each kind has its own icon, not one glyph for all.
    let icons: Vec<String> = all(&root, "[data-testid=media] .media-icon")
        .iter()
        .map(|m| m.text_content().unwrap())
        .collect();
    assert_eq!(icons.len(), 2);
    assert_ne!(icons[0], icons[1], "voice and file share an icon");
    assert!(
        rows[2]
            .query_selector("[data-testid=edited]")
            .unwrap()
            .is_some()
    );
    assert!(
        rows[3]
            .query_selector("[data-testid=deleted]")
            .unwrap()
            .is_some()
    );
    assert!(
        rows[3].text_content().unwrap().contains("oops"),
        "deleted content is kept, marked"
    );
    let reply = rows[4]
        .query_selector("[data-testid=reply]")
        .unwrap()
        .expect("reply quoted");
    assert!(reply.text_content().unwrap().contains("fixed typo"));
    // Newest at the bottom.
    assert_eq!(
        rows.last().unwrap().get_attribute("data-mid").as_deref(),
        Some("m5")
    );
}

#[wasm_bindgen_test]
async fn profile_card_shows_username_link_phone_history_and_deleted() {
    let mut andrey = json!({"sender_id": "7100000002", "first_name": "Андрей", "last_name": "Иванов",
        "username": "andrey_iv", "deleted": false, "message_count": 3,
        "history": [{"field": "username", "old_value": "andrei_old", "new_value": "andrey_iv", "valid_until": 1_746_230_400}]});
    andrey["sender_id"] = ID.into();
    let (_, root) = show(vec![], andrey).await;
    assert_eq!(text(&root, "profile-name"), "Андрей Иванов");
    let username = get(&root, "profile-username");
    assert_eq!(
        username.get_attribute("href").as_deref(),
        Some("https://t.me/andrey_iv")
    );
    assert_eq!(username.text_content().unwrap(), "@andrey_iv");
    assert_eq!(
        text(&root, "profile-phone"),
        "hidden by the person's privacy settings"
    );
    let change = text(&root, "profile-change");
    assert!(
        get(&root, "profile-change")
            .closest("details")
            .unwrap()
            .is_none(),
        "the latest change is in view, not behind the collapsed history"
    );
    assert!(
        change.starts_with("Username was @andrei_old until "),
        "{change}"
    );
    assert!(change.contains("2025"), "{change}");
    assert!(find(&root, "profile-deleted").is_none());
    assert!(find(&root, "no-messages").is_some());

    let (_, root) = show(vec![], lucia_json()).await;
    assert_eq!(text(&root, "profile-phone"), "+34 612 345 678");

    let deleted = json!({"sender_id": ID, "first_name": "", "deleted": true, "message_count": 2, "history": []});
    let (_, root) = show(vec![], deleted).await;
    assert!(text(&root, "profile-deleted").contains("Deleted account"));
    assert_eq!(text(&root, "profile-name"), format!("#{ID}"));
}

#[wasm_bindgen_test]
async fn ten_thousand_messages_render_a_window() {
    let base = 1_700_000_000;
    let messages: Vec<Value> = (0..10_000)
        .map(|i| {
            message(
                &format!("m{i}"),
                base + i * 600,
                &format!("message {i}"),
                json!({}),
            )
        })
        .collect();
    let (_, root) = show(messages, lucia_json()).await;
    let rows = messages_in(&root);
    assert!(
        rows.len() <= telegram_sidebar::state::conversation::WINDOW,
        "{} rows in the DOM",
        rows.len()
    );
    assert_eq!(
        rows.last().unwrap().get_attribute("data-mid").as_deref(),
        Some("m9999"),
        "newest shown"
    );
    let list = root.query_selector(".messages").unwrap().unwrap();
    assert_eq!(list.get_attribute("data-total").as_deref(), Some("10000"));
    // Scrolling to the top moves the window up instead of rendering everything.
    let list: web_sys::HtmlElement = list.unchecked_into();
    list.set_scroll_top(0);
    list.dispatch_event(&web_sys::Event::new("scroll").unwrap())
        .unwrap();
    settle().await;
    let start: usize = list
        .get_attribute("data-window-start")
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        start < 10_000 - telegram_sidebar::state::conversation::WINDOW,
        "window moved up: start {start}"
    );
    assert!(messages_in(&root).len() <= telegram_sidebar::state::conversation::WINDOW);

    // All the way up to the first message, then back down to the newest, one scroll at a time.
    let window_start = |list: &web_sys::HtmlElement| {
        list.get_attribute("data-window-start")
            .unwrap()
            .parse::<usize>()
            .unwrap()
    };
    for _ in 0..400 {
        if window_start(&list) == 0 {
            break;
        }
        list.set_scroll_top(0);
        list.dispatch_event(&web_sys::Event::new("scroll").unwrap())
            .unwrap();
        settle().await;
    }
    assert_eq!(window_start(&list), 0);
    assert_eq!(
        messages_in(&root)[0].get_attribute("data-mid").as_deref(),
        Some("m0")
    );
    for _ in 0..400 {
        if messages_in(&root)
            .last()
            .unwrap()
            .get_attribute("data-mid")
            .as_deref()
            == Some("m9999")
        {
            break;
        }
        list.set_scroll_top(list.scroll_height());
        list.dispatch_event(&web_sys::Event::new("scroll").unwrap())
            .unwrap();
        settle().await;
    }
    assert_eq!(
        messages_in(&root)
            .last()
            .unwrap()
            .get_attribute("data-mid")
            .as_deref(),
        Some("m9999")
    );
    assert!(messages_in(&root).len() <= telegram_sidebar::state::conversation::WINDOW);
}

#[wasm_bindgen_test]
async fn scrolling_to_the_top_fetches_the_older_page() {
    let host = FakeHost::new(Some(ID));
    host.person(&lucia());
    let newest: Vec<Value> = (100..130)
        .rev()
        .map(|i| {
            message(
                &format!("m{i}"),
                1_746_000_000 + i * 60,
                &format!("new {i}"),
                json!({}),
            )
        })
        .collect();
    let older: Vec<Value> = (70..100)
        .rev()
        .map(|i| {
            message(
                &format!("m{i}"),
                1_746_000_000 + i * 60,
                &format!("old {i}"),
                json!({}),
            )
        })
        .collect();
    host.route(
        &format!("/v1/people/{ID}/messages?limit=50"),
        Answer::Json(
            200,
            json!({"messages": newest, "older": "c/old 1", "newer": "n1"}).to_string(),
        ),
    );
    host.route(
        &format!("/v1/people/{ID}/messages?limit=50&before=c%2Fold%201"),
        Answer::Json(200, json!({"messages": older, "newer": "x"}).to_string()),
    );
    let root = mount(&host).await;
    assert_eq!(messages_in(&root).len(), 30);
    let list: web_sys::HtmlElement = root
        .query_selector(".messages")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert!(
        list.scroll_top() > 0,
        "starts at the newest message, at the bottom"
    );
    list.set_scroll_top(0);
    list.dispatch_event(&web_sys::Event::new("scroll").unwrap())
        .unwrap();
    settle().await;
    let rows = messages_in(&root);
    assert_eq!(rows.len(), 60, "older page prepended");
    assert_eq!(rows[0].get_attribute("data-mid").as_deref(), Some("m70"));
    assert!(
        root.text_content()
            .unwrap()
            .contains("Start of the conversation"),
        "no older cursor: the start"
    );
    let before: Vec<String> = host
        .state
        .borrow()
        .requests
        .iter()
        .map(|r| r.path.clone())
        .filter(|p| p.contains("before="))
        .collect();
    assert_eq!(
        before,
        [format!(
            "/v1/people/{ID}/messages?limit=50&before=c%2Fold%201"
        )],
        "cursor passed back verbatim, encoded"
    );
}

/// Texts and usernames an attacker controls. Each must show as the same characters, and nothing in
/// it may become markup, a script, or a non-http(s)/tg link.
const HOSTILE: &[&str] = &[
    "<img src=x onerror=\"window.__pwned=1\">",
    "<script>window.__pwned=1</script>",
    "\"><svg onload=window.__pwned=1>",
    "javascript:window.__pwned=1",
    "<a href=\"javascript:window.__pwned=1\">click</a>",
    "\u{202E}gnp.exe\u{202C} invoice",
    "&lt;b&gt;not bold&lt;/b&gt;",
    "{{setting.relay_token}}",
    "<iframe srcdoc=\"<script>parent.__pwned=1</script>\">",
    "\u{0000}\u{FEFF}zero\u{200B}width",
];

#[wasm_bindgen_test]
async fn hostile_texts_and_usernames_render_inert() {
    let mut messages = Vec::new();
    for (i, text) in HOSTILE.iter().enumerate() {
        let len = text.encode_utf16().count() as u32;
        let entities = json!([
            {"type": "text_link", "offset": 0, "length": len, "url": "javascript:window.__pwned=1"},
            {"type": "bold", "offset": 0, "length": len}
        ]);
        messages.push(message(
            &format!("h{i}"),
            1_746_000_000 + i as i64,
            text,
            json!({"entities": entities}),
        ));
        messages.push(message(
            &format!("u{i}"),
            1_746_100_000 + i as i64,
            text,
            json!({
                "entities": [{"type": "url", "offset": 0, "length": len}],
                "reply_to": {"telegram_message_id": 1, "text": text},
                "media": {"kind": "document", "file_name": text}
            }),
        ));
    }
    let profile = json!({"sender_id": ID, "first_name": HOSTILE[0], "last_name": HOSTILE[5],
        "username": "x\"><img src=x onerror=window.__pwned=1>", "phone": HOSTILE[1], "deleted": false,
        "message_count": 1, "history": [{"field": "username", "old_value": HOSTILE[2], "valid_until": 1}]});
    let (_, root) = show(messages, profile).await;

    for tag in ["img", "script", "svg", "iframe"] {
        assert!(
            all(&root, tag).is_empty(),
            "a <{tag}> appeared: {}",
            root.inner_html()
        );
    }
    for a in all(&root, "a") {
        let href = a
            .get_attribute("href")
            .unwrap_or_default()
            .to_ascii_lowercase();
        assert!(
            href.starts_with("http://") || href.starts_with("https://") || href.starts_with("tg:"),
            "unsafe href {href:?}"
        );
    }
    for el in all(&root, "*") {
        let attrs = el.get_attribute_names();
        for name in attrs.iter().filter_map(|n| n.as_string()) {
            assert!(
                !name.starts_with("on"),
                "event handler attribute {name} on <{}>",
                el.tag_name()
            );
        }
    }
    let pwned = js_sys::Reflect::get(&js_sys::global(), &"__pwned".into()).unwrap();
    assert!(pwned.is_undefined(), "a script ran");
    // The characters are all there, as text.
    let shown = root.text_content().unwrap();
    for text in HOSTILE.iter().filter(|t| !t.contains('\u{0}')) {
        assert!(shown.contains(text), "{text:?} not shown as text");
    }
    // Direction overrides stay inside isolated message text.
    for row in messages_in(&root) {
        if let Some(t) = row.query_selector(".text").unwrap() {
            assert_eq!(t.get_attribute("dir").as_deref(), Some("auto"));
        }
    }
    assert_eq!(
        get(&root, "profile-username").tag_name(),
        "SPAN",
        "an invalid username is not a link"
    );
    let name_el = get(&root, "profile-name");
    assert_eq!(name_el.tag_name(), "BDI", "names are bidi-isolated");
}

/// Real time: polling runs on the browser's timers (5 s, then back-off), so this test waits for
/// them; nothing else in these tests does.
async fn wait_ms(ms: u32) {
    gloo::timers::future::TimeoutFuture::new(ms).await;
    settle().await;
}

#[wasm_bindgen_test]
async fn polling_adds_new_messages_then_says_why_it_pauses() {
    let (host, root) = show(
        vec![message("m1", 1_746_000_000, "first", json!({}))],
        lucia_json(),
    )
    .await;
    let new =
        json!({"messages": [message("m2", 1_746_000_060, "second", json!({}))], "newer": "c-2"});
    host.route(
        &format!("/v1/people/{ID}/messages?limit=50&after=c-newest"),
        Answer::Json(200, new.to_string()),
    );
    host.route(
        &format!("/v1/people/{ID}/messages?limit=50&after=c-2"),
        Answer::Json(
            401,
            error_body(telegram_relay_api::ErrorCode::Unauthorized, "bad token"),
        ),
    );
    assert!(find(&root, "polling-paused").is_none());
    wait_ms(5_300).await;
    let texts: Vec<String> = messages_in(&root)
        .iter()
        .map(|m| m.get_attribute("data-mid").unwrap())
        .collect();
    assert_eq!(
        texts,
        ["m1", "m2"],
        "the polled message is added at the bottom"
    );
    wait_ms(5_300).await;
    let paused = text(&root, "polling-paused");
    assert!(paused.contains("10 s"), "backs off to 10 s: {paused}");
    assert!(
        paused.contains("“Relay token” setting is wrong"),
        "says why and what to do: {paused}"
    );
    assert_eq!(messages_in(&root).len(), 2, "what was shown stays");
}

/// Types `text` into the reply box and presses `key` (Enter sends, Shift+Enter adds a line).
async fn write_reply(root: &Element, text: &str, key: &str, shift: bool) {
    let input = get(root, "reply-input");
    let type_and_press = js_sys::Function::new_with_args(
        "el, v, key, shift",
        "el.value = v; el.dispatchEvent(new InputEvent('input', {bubbles: true})); \
         el.dispatchEvent(new KeyboardEvent('keydown', {key, shiftKey: shift, bubbles: true, cancelable: true}));",
    );
    type_and_press
        .call4(
            &wasm_bindgen::JsValue::NULL,
            &input,
            &text.into(),
            &key.into(),
            &shift.into(),
        )
        .unwrap();
    settle().await;
    settle().await;
}

#[wasm_bindgen_test]
async fn enter_sends_a_reply_that_the_relays_copy_replaces() {
    let (host, root) = show(
        vec![message("1", 100, "¿Me pasáis la factura?", json!({}))],
        lucia_json(),
    )
    .await;
    let sent = message(
        "2",
        200,
        "Claro, hoy mismo.",
        json!({"direction": "out", "sent_by": "Ann <b>Agent</b>"}),
    );
    host.route(
        &format!("POST /v1/people/{ID}/messages"),
        Answer::Json(201, sent.to_string()),
    );
    // Shift+Enter does not send.
    write_reply(&root, "Claro, hoy mismo.", "Enter", true).await;
    assert!(host.posts().is_empty());
    write_reply(&root, "Claro, hoy mismo.", "Enter", false).await;
    let posts = host.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["text"], "Claro, hoy mismo.");
    assert!(
        posts[0]["client_id"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    );
    assert!(posts[0]["agent"].as_str().is_some_and(|a| !a.is_empty()));
    let out = all(&root, "[data-testid=message][data-direction=out]");
    assert_eq!(out.len(), 1);
    // Who sent it, as text (a name is untrusted: it never becomes markup).
    assert_eq!(text(&root, "sent-by"), "Ann <b>Agent</b>");
    assert!(find(&root, "pending-message").is_none());
    assert_eq!(
        get(&root, "reply-input")
            .unchecked_into::<web_sys::HtmlTextAreaElement>()
            .value(),
        ""
    );
}

#[wasm_bindgen_test]
async fn a_refusal_keeps_the_reply_with_its_reason_and_closes_the_composer() {
    let (host, root) = show(vec![message("1", 100, "hola", json!({}))], lucia_json()).await;
    host.route(
        &format!("POST /v1/people/{ID}/messages"),
        Answer::Json(
            409,
            error_body(
                telegram_relay_api::ErrorCode::ReplyWindowClosed,
                "window closed",
            ),
        ),
    );
    write_reply(&root, "¿Sigues ahí?", "Enter", false).await;
    let failed = get(&root, "pending-message");
    assert_eq!(
        failed.get_attribute("data-state").as_deref(),
        Some("failed")
    );
    assert!(
        failed.text_content().unwrap().contains("24 hours"),
        "{:?}",
        failed.text_content()
    );
    assert!(text(&root, "reply-closed").contains("24 hours"));
    let input: web_sys::HtmlTextAreaElement = get(&root, "reply-input").unchecked_into();
    assert!(input.disabled());
    // Discard drops it.
    click(&root, "pending-discard").await;
    assert!(find(&root, "pending-message").is_none());
}
