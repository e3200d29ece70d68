//! The standalone adapter in a real browser: the field in localStorage, the conflict scan over the
//! other contacts stored there, and relay requests over real `fetch` (to an address nobody listens
//! on, which must come back as "unreachable", not a panic).
#![cfg(target_arch = "wasm32")]

use telegram_sidebar::host::standalone::StandaloneHost;
use telegram_sidebar::host::{CrmHost, HostError, Method, RelayRequest};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn host(contact: &str) -> StandaloneHost {
    StandaloneHost::from_query(&format!(
        "?relay=http%3A%2F%2F127.0.0.1%3A9&contact={contact}&name=Ann%20One&field=tgTest"
    ))
    .unwrap()
}

#[wasm_bindgen_test]
async fn field_round_trips_and_conflicts_are_found() {
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
    let a = host("a1");
    let b = host("b2");
    assert_eq!(a.read_sender_field().await, Ok(None));
    a.write_sender_field(Some("7100000001".into()))
        .await
        .unwrap();
    assert_eq!(a.read_sender_field().await, Ok(Some("7100000001".into())));
    let holders = b
        .contacts_with_sender_id("7100000001".into())
        .await
        .unwrap();
    assert_eq!(
        holders.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        ["a1"]
    );
    assert_eq!(
        holders[0].name, "Ann One",
        "named by what the other contact's page said"
    );
    assert!(
        a.contacts_with_sender_id("7100000001".into())
            .await
            .unwrap()
            .is_empty(),
        "not itself"
    );
    a.write_sender_field(None).await.unwrap();
    assert_eq!(a.read_sender_field().await, Ok(None));
    assert!(
        b.contacts_with_sender_id("7100000001".into())
            .await
            .unwrap()
            .is_empty()
    );
}

#[wasm_bindgen_test]
async fn initial_value_and_missing_contact() {
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
    let h = StandaloneHost::from_query("?relay=http://x&contact=c9&value=user7100000003").unwrap();
    assert_eq!(
        h.read_sender_field().await,
        Ok(Some("user7100000003".into()))
    );
    let none = StandaloneHost::from_query("?relay=http://x").unwrap();
    assert_eq!(none.read_sender_field().await, Err(HostError::NoContact));
}

#[wasm_bindgen_test]
async fn a_relay_nobody_listens_on_is_unreachable() {
    let h = host("a1");
    let got = h
        .relay(RelayRequest {
            method: Method::Get,
            path: "/v1/directory".into(),
            body: None,
        })
        .await;
    assert!(got.is_err(), "{got:?}");
}

#[wasm_bindgen_test]
fn other_contacts_open_through_the_pages_url_template_when_it_has_one() {
    use telegram_sidebar::host::ContactOpen;
    let with = StandaloneHost::from_query(
        "?relay=http://x&contact_url=https%3A%2F%2Fcrm.example.com%2Fcontacts%2F%7Bid%7D",
    )
    .unwrap();
    assert_eq!(
        with.contact_link("a b"),
        ContactOpen::Url("https://crm.example.com/contacts/a%20b".into())
    );
    // No template, a template without {id}, or one that would run script: the name stays text.
    for query in [
        "?relay=http://x",
        "?relay=http://x&contact_url=https%3A%2F%2Fcrm.example.com%2Fcontacts",
        "?relay=http://x&contact_url=javascript%3Aalert(%7Bid%7D)",
    ] {
        let host = StandaloneHost::from_query(query).unwrap();
        assert_eq!(host.contact_link("7"), ContactOpen::NotOpenable, "{query}");
    }
}
