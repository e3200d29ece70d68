//! The senderId field in headless Chromium: validation, resolve preview, never-seen, conflict,
//! save with journal, undo, unlink, and the error banners. Run: see tests/README.md.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use telegram_relay_api::ErrorCode;
use telegram_sidebar::host::ContactRef;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn invalid_input_shows_the_engines_message_and_saves_nothing() {
    let host = FakeHost::new(None);
    let root = mount(&host).await;
    assert_eq!(
        text(&root, "sender-id-value"),
        "Not linked to a Telegram person"
    );
    assert_eq!(focused(), None, "loading the sidebar focuses nothing");
    click(&root, "edit").await;
    type_into(&root, "sender-id-input", "1.23457E+09").await;
    click(&root, "check").await;
    let error = text(&root, "sender-id-error");
    assert!(error.contains("scientific notation"), "{error}");
    let input = get(&root, "sender-id-input");
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(
        input.get_attribute("aria-describedby").as_deref(),
        Some("sender-id-error")
    );
    assert!(host.state.borrow().writes.is_empty(), "nothing written");
    assert!(host.posts().is_empty(), "nothing journaled");
    let asked: Vec<String> = host
        .state
        .borrow()
        .requests
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        asked,
        ["/v1/directory"],
        "only the suggestions' directory, no resolve of a bad ID"
    );
}

#[wasm_bindgen_test]
async fn validation_messages_follow_the_locale() {
    let host = FakeHost::new(None).locale("es-ES");
    let root = mount(&host).await;
    click(&root, "edit").await;
    type_into(&root, "sender-id-input", "@lucia_fg").await;
    click(&root, "check").await;
    assert!(text(&root, "sender-id-error").contains("nombre de usuario"));
}

#[wasm_bindgen_test]
async fn resolve_preview_then_save_journals_and_undo_restores() {
    let host = FakeHost::new(Some("41"));
    host.person(&lucia());
    let root = mount(&host).await;
    assert_eq!(text(&root, "sender-id-value"), "41");
    click(&root, "edit").await;
    type_into(&root, "sender-id-input", "tg://user?id=7100000001").await;
    click(&root, "check").await;
    let preview = text(&root, "resolve-preview");
    assert!(preview.contains("Lucía Fernández García"), "{preview}");
    assert!(preview.contains("@lucia_fg"), "{preview}");
    assert!(
        preview.contains("¿Tenéis stock?"),
        "last message shown: {preview}"
    );
    assert!(
        host.state.borrow().writes.is_empty(),
        "nothing saved before Save"
    );
    assert!(
        text(&root, "replaces").contains("41"),
        "the preview says which value Save replaces"
    );
    // Lucía shares nothing with the open contact (Jon Perk): the preview says so, Save is a
    // deliberate "Link anyway" and keyboard focus goes to the safe Cancel.
    assert!(
        text(&root, "preview-disagrees").contains("share nothing"),
        "{}",
        root.inner_html()
    );
    assert_eq!(text(&root, "save"), "Link anyway");
    assert_eq!(
        focused().as_deref(),
        Some("cancel"),
        "keyboard focus follows to Cancel for a stranger"
    );

    click(&root, "save").await;
    assert_eq!(host.state.borrow().field.as_deref(), Some("7100000001"));
    assert_eq!(text(&root, "sender-id-value"), "7100000001");
    let posts = host.posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["action"], "link");
    assert_eq!(posts[0]["contact_id"], "501");
    assert_eq!(posts[0]["old_value"], "41");
    assert_eq!(posts[0]["new_value"], "7100000001");
    assert_eq!(posts[0]["actor"], "agent 7 Ann");
    assert_eq!(focused().as_deref(), Some("undo"), "then to Undo");

    click(&root, "undo").await;
    assert_eq!(host.state.borrow().field.as_deref(), Some("41"));
    assert_eq!(text(&root, "sender-id-value"), "41");
    let posts = host.posts();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[1]["action"], "undo");
    assert_eq!(posts[1]["undoes"], "ev-1");
    assert_eq!(posts[1]["new_value"], "41");
    assert!(
        find(&root, "undo").is_none(),
        "an undo is not undoable again"
    );
}

#[wasm_bindgen_test]
async fn never_seen_ids_say_so_before_saving() {
    let host = FakeHost::new(None);
    let root = mount(&host).await;
    click(&root, "edit").await;
    type_into(&root, "sender-id-input", "7 100 000 099").await;
    click(&root, "check").await;
    assert!(text(&root, "never-seen").contains("never seen"));
    assert!(
        find(&root, "replaces").is_none(),
        "an empty field replaces nothing"
    );
    click(&root, "save").await;
    assert_eq!(host.state.borrow().field.as_deref(), Some("7100000099"));
}

#[wasm_bindgen_test]
async fn conflict_names_the_other_contact_and_needs_confirmation() {
    let host = FakeHost::new(None);
    host.person(&lucia());
    host.state.borrow_mut().holders.insert(
        "7100000001".into(),
        vec![ContactRef {
            id: "777".into(),
            name: "Lucía F. (old)".into(),
        }],
    );
    let root = mount(&host).await;
    click(&root, "edit").await;
    type_into(&root, "sender-id-input", "7100000001").await;
    click(&root, "check").await;
    let conflict = get(&root, "conflict");
    assert!(conflict.text_content().unwrap().contains("Lucía F. (old)"));
    assert_eq!(
        get(&get(&root, "conflict-contact"), "contact-link")
            .get_attribute("data-contact-id")
            .as_deref(),
        Some("777")
    );
    assert!(
        host.state.borrow().writes.is_empty(),
        "not double-linked silently"
    );
    assert_eq!(
        focused().as_deref(),
        Some("cancel"),
        "in a conflict, focus lands on the safe choice"
    );
    click(&root, "save").await; // "Link anyway"
    assert_eq!(host.state.borrow().field.as_deref(), Some("7100000001"));
    assert_eq!(host.posts()[0]["reason"], "conflict-confirmed");
}

#[wasm_bindgen_test]
async fn unlink_clears_the_field_and_can_be_undone() {
    let host = FakeHost::new(Some("7100000001"));
    host.person(&lucia());
    let root = mount(&host).await;
    click(&root, "unlink").await;
    assert_eq!(host.state.borrow().field, None);
    assert_eq!(host.posts()[0]["action"], "unlink");
    click(&root, "undo").await;
    assert_eq!(host.state.borrow().field.as_deref(), Some("7100000001"));
}

#[wasm_bindgen_test]
async fn a_change_made_in_the_crm_shows_up() {
    let host = FakeHost::new(Some("7100000001"));
    host.person(&lucia());
    let root = mount(&host).await;
    let listeners = host.state.borrow().listeners.clone();
    assert_eq!(listeners.len(), 1, "the sidebar listens for field changes");
    listeners[0](Some("7100000002".into()));
    settle().await;
    assert_eq!(text(&root, "sender-id-value"), "7100000002");
}

#[wasm_bindgen_test]
async fn wrong_token_says_which_setting_to_fix() {
    let host = FakeHost::new(Some("7100000001"));
    let denied = Answer::Json(401, error_body(ErrorCode::Unauthorized, "bad token"));
    host.route("/v1/people/7100000001", denied.clone());
    host.route("/v1/people/7100000001/messages", denied);
    let root = mount(&host).await;
    let banners: Vec<String> = all(&root, "[data-testid=error-banner]")
        .iter()
        .filter_map(|e| e.text_content())
        .collect();
    // One cause, one banner: the conversation points at the profile's instead of repeating it.
    assert_eq!(banners.len(), 1, "one banner: {}", root.inner_html());
    assert!(
        text(&root, "conversation-not-loaded").contains("shown above"),
        "{}",
        root.inner_html()
    );
    assert!(
        banners
            .iter()
            .all(|b| b.contains("“Relay token” setting is wrong")),
        "{banners:?}"
    );
}

#[wasm_bindgen_test]
async fn unreachable_relay_and_unknown_person_and_missing_field() {
    let host = FakeHost::new(Some("7100000001"));
    host.route("/v1/people/7100000001", Answer::Down);
    let root = mount(&host).await;
    assert!(text(&root, "error-banner").contains("cannot be reached"));
    assert!(
        find(&root, "retry").is_some(),
        "transient failures offer Retry"
    );

    let host = FakeHost::new(Some("7100000002"));
    let root = mount(&host).await;
    assert!(text(&root, "error-banner").contains("does not know this Telegram person"));

    let host = FakeHost::new(None);
    host.state.borrow_mut().field_missing = true;
    let root = mount(&host).await;
    assert!(text(&root, "error-banner").contains("no custom field “senderId”"));
    assert!(
        find(&root, "edit").is_none(),
        "cannot edit a field that does not exist"
    );
}

#[wasm_bindgen_test]
async fn a_stored_value_that_is_not_an_id_is_explained() {
    let host = FakeHost::new(Some("1.23457E+09"));
    let root = mount(&host).await;
    assert_eq!(text(&root, "sender-id-value"), "1.23457E+09");
    assert!(text(&root, "sender-id-invalid-stored").contains("scientific notation"));
    assert!(find(&root, "unlink").is_some(), "it can be cleared");
    assert!(
        host.state
            .borrow()
            .requests
            .iter()
            .all(|r| !r.path.starts_with("/v1/people/")),
        "nothing resolved"
    );
}
