//! Suggestions in headless Chromium: the relay's directory ranked in the browser, reasons shown,
//! Link through the field's save path (resolve, conflict check, write, journal).
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use serde_json::json;
use telegram_sidebar::host::ContactRef;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn host_with_directory() -> FakeHost {
    let host = FakeHost::new(None); // contact "Jon Perk", +44 7700 900123
    let page = json!({"people": [
        {"sender_id": "7100000001", "first_name": "Lucía", "last_name": "Fernández García", "username": "lucia_fg", "phone": "+34 612 345 678"},
        {"sender_id": "7100000003", "first_name": "Jon", "last_name": "Perk", "phone": "+44 7700 900123"}
    ], "next": "d1", "has_more": false});
    host.route("/v1/directory", Answer::Json(200, page.to_string()));
    host.person(&person(json!({"sender_id": "7100000003", "first_name": "Jon", "last_name": "Perk",
        "phone": "+44 7700 900123", "phone_source": "contact_list", "deleted": false, "message_count": 12, "history": []})));
    host.route(
        "/v1/people/7100000003/messages",
        Answer::Json(200, json!({"messages": [], "newer": "n"}).to_string()),
    );
    host
}

#[wasm_bindgen_test]
async fn unlinked_contact_gets_ranked_suggestions_with_reasons() {
    let host = host_with_directory();
    let root = mount(&host).await;
    let rows = all(&root, "[data-testid=suggestion]");
    assert!(!rows.is_empty(), "{}", root.inner_html());
    assert_eq!(
        rows[0].get_attribute("data-sender-id").as_deref(),
        Some("7100000003")
    );
    let reasons = rows[0]
        .query_selector("[data-testid=suggestion-reasons]")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert!(reasons.contains("phone equal"), "{reasons}");
    assert!(
        rows.iter()
            .all(|r| r.get_attribute("data-sender-id").as_deref() != Some("7100000001")),
        "Lucía is no match for Jon"
    );
}

#[wasm_bindgen_test]
async fn link_saves_through_the_field_and_shows_the_person() {
    let host = host_with_directory();
    let root = mount(&host).await;
    click(&root, "suggestion-link").await;
    assert_eq!(host.state.borrow().field.as_deref(), Some("7100000003"));
    assert_eq!(text(&root, "sender-id-value"), "7100000003");
    let posts = host.posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["reason"], "suggestion");
    assert_eq!(posts[0]["new_value"], "7100000003");
    assert_eq!(text(&root, "profile-name"), "Jon Perk");
    assert!(find(&root, "conversation").is_some());
    assert!(
        find(&root, "suggestions").is_none(),
        "suggestions are for unlinked contacts"
    );
    click(&root, "undo").await;
    assert_eq!(host.state.borrow().field, None);
    assert!(
        find(&root, "suggestions").is_some(),
        "back to suggestions after undo"
    );
}

#[wasm_bindgen_test]
async fn link_stops_at_a_conflict() {
    let host = host_with_directory();
    host.state.borrow_mut().holders.insert(
        "7100000003".into(),
        vec![ContactRef {
            id: "9".into(),
            name: "J. Perk".into(),
        }],
    );
    let root = mount(&host).await;
    click(&root, "suggestion-link").await;
    assert!(text(&root, "conflict").contains("J. Perk"));
    assert!(host.state.borrow().writes.is_empty());
}

#[wasm_bindgen_test]
async fn directory_failures_say_what_to_do() {
    let host = FakeHost::new(None);
    host.route("/v1/directory", Answer::Down);
    let root = mount(&host).await;
    assert!(text(&root, "error-banner").contains("cannot be reached"));
}

#[wasm_bindgen_test]
async fn hostile_directory_entries_render_inert() {
    let host = FakeHost::new(None); // Jon Perk, +44 7700 900123
    let page = json!({"people": [
        {"sender_id": "7100000010", "first_name": "<img src=x onerror=window.__pwned=1>", "last_name": "Perk",
         "username": "javascript:alert(1)", "phone": "+44 7700 900123"},
        {"sender_id": "7100000011", "first_name": "Jon\u{202E}kreP", "username": "jon\"><script>window.__pwned=1</script>",
         "phone": "+44 7700 900123"}
    ], "next": "d1", "has_more": false});
    host.route("/v1/directory", Answer::Json(200, page.to_string()));
    let root = mount(&host).await;
    assert_eq!(
        all(&root, "[data-testid=suggestion]").len(),
        2,
        "{}",
        root.inner_html()
    );
    assert!(all(&root, "img").is_empty() && all(&root, "script").is_empty());
    assert!(
        all(&root, "[data-testid=suggestions] a").is_empty(),
        "invalid usernames are not links"
    );
    assert!(
        root.text_content()
            .unwrap()
            .contains("<img src=x onerror=window.__pwned=1>"),
        "shown as text"
    );
    assert!(
        js_sys::Reflect::get(&js_sys::global(), &"__pwned".into())
            .unwrap()
            .is_undefined()
    );
    for name in all(&root, "[data-testid=suggestion-name]") {
        assert_eq!(name.tag_name(), "BDI", "names are bidi-isolated");
    }
}
