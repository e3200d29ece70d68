//! `ZafHost` against a stand-in for `window.ZAFClient` that records every call: the shapes the
//! adapter sends (the contract documented at the top of `src/host/zaf.rs`) and how it reads
//! Zendesk's answers. The real SDK over the real wire protocol is covered end to end in `e2e/`.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Reflect};
use telegram_sidebar::host::zaf::ZafHost;
use telegram_sidebar::host::{
    ConnectError, ContactOpen, ContactRef, CrmHost, Location, Method, RelayReply, RelayRequest,
    Unreachable,
};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Installs the stand-in SDK: `user_sidebar`, field key `tg`, relay `https://relay.test/`.
fn install(location: &str) {
    let script = r#"
        window.__zaf = [];
        const ok = (v) => Promise.resolve(v);
        const data = {
            'currentUser.id': 7, 'currentUser.name': 'Ann', 'currentUser.locale': 'es-ES',
            'user.id': 1001, 'user.name': 'Jon Perk', 'user.email': 'jon@example.com',
            'user.identities': [{type: 'email', value: 'jon@example.com'}, {type: 'phone_number', value: '+44 7700 900123'}],
            'user.customField:tg': 7100000003,
            'ticket.requester.id': 1001, 'ticket.requester.name': 'Jon Perk',
        };
        window.ZAFClient = { init() { return {
            context() { return ok({location: window.__location}); },
            metadata() { return ok({settings: window.__settings || {relay_url: 'https://relay.test/', sender_id_field: 'tg'}}); },
            get(paths) { __zaf.push(['get', paths]); const r = {}; for (const p of [].concat(paths)) if (p in data) r[p] = data[p]; return ok(r); },
            set(k, v) { __zaf.push(['set', k, v]); return ok({[k]: v}); },
            on(name, handler) { __zaf.push(['on', name]); (window.__on ||= {})[name] = handler; },
            invoke(name, ...args) { __zaf.push(['invoke', name, ...args]); return ok({}); },
            request(o) {
                __zaf.push(['request', o]);
                if (o.url.includes('/down')) return Promise.reject({status: 0, statusText: 'error'});
                if (o.url.includes('/denied')) return Promise.reject({status: 401, responseText: '{"error":{"code":"unauthorized","message":"m"}}'});
                if (o.url.startsWith('https://relay.test')) return ok({status: 200, responseText: '{"ok":true}', responseJSON: {ok: true}});
                if (o.url.startsWith('/api/v2/users/search')) return ok({users: [
                    {id: 2002, name: 'Jon (old)', user_fields: {tg: '7100000003'}},
                    {id: 1001, name: 'Jon Perk', user_fields: {tg: '7100000003'}},
                    {id: 3003, name: 'Near miss', user_fields: {tg: '71000000031'}}]});
                if (o.url === '/api/v2/users/1001.json' && o.type === 'GET') return ok({user: {id: 1001, user_fields: {tg: '7100000003'}}});
                return ok({user: {id: 1001}});
            },
        }; } };
    "#;
    Reflect::set(&js_sys::global(), &"__location".into(), &location.into()).unwrap();
    js_sys::Function::new_no_args(script)
        .call0(&JsValue::NULL)
        .unwrap();
}

/// The recorded calls named `kind`, as JS values.
fn calls(kind: &str) -> Vec<Array> {
    let log: Array = Reflect::get(&js_sys::global(), &"__zaf".into())
        .unwrap()
        .into();
    log.iter()
        .map(|v| Array::from(&v))
        .filter(|c| c.get(0).as_string().as_deref() == Some(kind))
        .collect()
}

fn prop(v: &JsValue, path: &str) -> JsValue {
    path.split('.')
        .fold(v.clone(), |v, k| Reflect::get(&v, &k.into()).unwrap())
}

#[wasm_bindgen_test]
async fn user_sidebar_context_field_and_conflicts() {
    install("user_sidebar");
    let host = ZafHost::connect().await.unwrap();
    let ctx = host.context();
    assert_eq!(ctx.location, Location::UserSidebar);
    assert_eq!(ctx.locale.as_deref(), Some("es-ES"));
    assert_eq!(ctx.field_key, "tg");
    let contact = ctx.contact.unwrap();
    assert_eq!(
        (contact.id.as_str(), contact.name.as_str()),
        ("1001", "Jon Perk")
    );
    assert_eq!(
        contact.phone.as_deref(),
        Some("+44 7700 900123"),
        "phone from the phone_number identity"
    );
    assert_eq!(ctx.agent, "zendesk agent 7 Ann");

    assert_eq!(
        host.read_sender_field().await,
        Ok(Some("7100000003".into())),
        "a numeric field value is read exactly"
    );
    host.write_sender_field(Some("7100000001".into()))
        .await
        .unwrap();
    let set = calls("set");
    assert_eq!(
        set[0].get(1).as_string().as_deref(),
        Some("user.customField:tg")
    );
    assert_eq!(set[0].get(2).as_string().as_deref(), Some("7100000001"));
    host.write_sender_field(None).await.unwrap();
    assert!(calls("set")[1].get(2).is_null(), "unlinking writes null");

    let holders = host
        .contacts_with_sender_id("7100000003".into())
        .await
        .unwrap();
    assert_eq!(
        holders,
        vec![ContactRef {
            id: "2002".into(),
            name: "Jon (old)".into()
        }],
        "exact value, not the open contact"
    );
    let search = calls("request")
        .into_iter()
        .map(|c| prop(&c.get(1), "url").as_string().unwrap())
        .find(|u| u.contains("search"))
        .unwrap();
    assert_eq!(search, "/api/v2/users/search.json?query=tg%3A7100000003");

    host.on_sender_field_changed(Box::new(|_| {}));
    let events: Vec<String> = calls("on")
        .iter()
        .filter_map(|c| c.get(1).as_string())
        .collect();
    // Zendesk's light/dark switch is followed from the start.
    assert_eq!(
        events,
        ["colorScheme.changed", "user.tg.changed", "app.activated"]
    );
    host.resize(321);
    let invoke = &calls("invoke")[0];
    assert_eq!(invoke.get(1).as_string().as_deref(), Some("resize"));
    assert_eq!(
        prop(&invoke.get(2), "height").as_string().as_deref(),
        Some("321px")
    );
    // Another contact opens through routeTo.
    assert_eq!(host.contact_link("1006"), ContactOpen::Route);
    host.open_contact("1006");
    let route = &calls("invoke")[1];
    let args: Vec<Option<String>> = (1..4).map(|i| route.get(i).as_string()).collect();
    assert_eq!(
        args,
        [
            Some("routeTo".into()),
            Some("user".into()),
            Some("1006".into())
        ]
    );
}

#[wasm_bindgen_test]
async fn relay_requests_carry_the_secure_placeholder_never_a_token() {
    install("user_sidebar");
    let host = ZafHost::connect().await.unwrap();
    let reply = host
        .relay(RelayRequest {
            method: Method::Post,
            path: "/v1/link-events".into(),
            body: Some("{\"a\":1}".into()),
        })
        .await;
    assert_eq!(
        reply,
        Ok(RelayReply {
            status: 200,
            body: "{\"ok\":true}".into()
        })
    );
    let sent = calls("request").pop().unwrap().get(1);
    assert_eq!(
        prop(&sent, "url").as_string().as_deref(),
        Some("https://relay.test/v1/link-events")
    );
    assert_eq!(prop(&sent, "type").as_string().as_deref(), Some("POST"));
    assert_eq!(
        prop(&sent, "headers.Authorization").as_string().as_deref(),
        Some("Bearer {{setting.relay_token}}")
    );
    assert_eq!(prop(&sent, "secure").as_bool(), Some(true));
    assert_eq!(prop(&sent, "httpCompleteResponse").as_bool(), Some(true));
    assert_eq!(
        prop(&sent, "data").as_string().as_deref(),
        Some("{\"a\":1}")
    );

    let denied = host
        .relay(RelayRequest {
            method: Method::Get,
            path: "/v1/denied".into(),
            body: None,
        })
        .await;
    assert_eq!(
        denied.map(|r| r.status),
        Ok(401),
        "an HTTP error status is an answer, not unreachable"
    );
    let down = host
        .relay(RelayRequest {
            method: Method::Get,
            path: "/v1/down".into(),
            body: None,
        })
        .await;
    assert!(matches!(down, Err(Unreachable(_))), "{down:?}");
}

#[wasm_bindgen_test]
async fn ticket_sidebar_goes_through_the_users_api() {
    install("ticket_sidebar");
    let host = ZafHost::connect().await.unwrap();
    assert_eq!(host.context().location, Location::TicketSidebar);
    assert_eq!(
        host.read_sender_field().await,
        Ok(Some("7100000003".into()))
    );
    host.write_sender_field(Some("7100000001".into()))
        .await
        .unwrap();
    assert!(calls("set").is_empty(), "ticket.requester is not settable");
    let put = calls("request")
        .into_iter()
        .map(|c| c.get(1))
        .find(|o| prop(o, "type").as_string().as_deref() == Some("PUT"))
        .unwrap();
    assert_eq!(
        prop(&put, "url").as_string().as_deref(),
        Some("/api/v2/users/1001.json")
    );
    assert_eq!(
        prop(&put, "data").as_string().as_deref(),
        Some("{\"user\":{\"user_fields\":{\"tg\":\"7100000001\"}}}")
    );
    assert!(
        prop(&put, "secure").is_undefined(),
        "Zendesk's own API needs no secure setting"
    );

    // A change made elsewhere sends no event; coming back to the app re-reads the field.
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let sink = seen.clone();
    host.on_sender_field_changed(Box::new(move |v| sink.borrow_mut().push(v)));
    let events: Vec<String> = calls("on")
        .iter()
        .filter_map(|c| c.get(1).as_string())
        .collect();
    assert_eq!(
        events,
        [
            "colorScheme.changed",
            "ticket.requester.id.changed",
            "app.activated"
        ]
    );
    let gets_before = calls("request").len();
    let handlers = Reflect::get(&js_sys::global(), &"__on".into()).unwrap();
    let activated: js_sys::Function = Reflect::get(&handlers, &"app.activated".into())
        .unwrap()
        .into();
    activated.call0(&JsValue::NULL).unwrap();
    for _ in 0..5 {
        wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&JsValue::NULL))
            .await
            .unwrap();
    }
    assert_eq!(*seen.borrow(), [Some("7100000003".to_string())]);
    let reread = calls("request").pop().unwrap().get(1);
    assert_eq!(calls("request").len(), gets_before + 1);
    assert_eq!(
        prop(&reread, "url").as_string().as_deref(),
        Some("/api/v2/users/1001.json")
    );
    assert_eq!(prop(&reread, "type").as_string().as_deref(), Some("GET"));
}

#[wasm_bindgen_test]
async fn an_empty_relay_url_setting_is_named() {
    install("user_sidebar");
    let settings = js_sys::JSON::parse(r#"{"relay_url": "  ", "sender_id_field": "tg"}"#).unwrap();
    Reflect::set(&js_sys::global(), &"__settings".into(), &settings).unwrap();
    // The app still starts (the field works); relay calls say which setting to fix.
    let got = ZafHost::connect().await.unwrap().relay_unusable();
    Reflect::delete_property(&js_sys::global(), &"__settings".into()).unwrap();
    assert_eq!(got, Some(ConnectError::RelayUrlMissing));
}

#[wasm_bindgen_test]
async fn a_relay_url_that_is_not_https_is_named() {
    install("user_sidebar");
    let settings =
        js_sys::JSON::parse(r#"{"relay_url": "relay.example.com", "sender_id_field": "tg"}"#)
            .unwrap();
    Reflect::set(&js_sys::global(), &"__settings".into(), &settings).unwrap();
    // The app still starts (the field works); relay calls say which setting to fix.
    let got = ZafHost::connect().await.unwrap().relay_unusable();
    Reflect::delete_property(&js_sys::global(), &"__settings".into()).unwrap();
    assert_eq!(
        got,
        Some(ConnectError::RelayUrlInvalid("relay.example.com".into()))
    );
}
