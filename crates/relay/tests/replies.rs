//! Replies from the sidebar over real HTTP on loopback: the plugin's `POST
//! /v1/people/{id}/messages`, a real SQLite file, and the Telegram Bot API double (the project's
//! one stand-in for Telegram's servers), which records what Telegram received.

mod common;

use std::sync::Arc;

use common::Relay;
use reqwest::StatusCode;
use serde_json::{Value, json};
use telegram_double::{Bot, BusinessConnection, Double, Faults};
use telegram_relay::crm::secret::{Key, Secret, generate};
use telegram_relay::store::Storage;
use telegram_relay::{Config, now};

const CUSTOMER: i64 = 5_660_001;

struct Stack {
    relay: Relay,
    telegram: Double,
    bot: Bot,
}

async fn stack() -> Stack {
    let bot = Bot::new(7_000_001, "shop_bot");
    let telegram = Double::new(vec![bot.clone()]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, telegram_double::app(telegram.clone())).into_future());
    let key = Arc::new(Key::from_hex(&generate(), "the test key").unwrap());
    let sealing = key.clone();
    let relay =
        Relay::start_shaped(Config::default(), move |state| state.with_sending(key, api)).await;
    let sealed = sealing.seal(relay.tenant, &Secret::new(bot.token.clone()));
    assert!(
        relay
            .store
            .set_bot_token(&relay.webhook, sealed, bot.username.clone())
            .unwrap()
    );
    Stack {
        relay,
        telegram,
        bot,
    }
}

impl Stack {
    /// The customer writes to the bot at `date`.
    async fn customer_writes(&self, update_id: i64, date: i64) {
        self.relay
            .post_json(&common::text_update(
                update_id,
                CUSTOMER,
                update_id,
                date,
                "¿Me pasáis la factura?",
            ))
            .await;
    }

    async fn reply(&self, body: Value) -> (StatusCode, Value, Option<String>) {
        let response = self
            .relay
            .http
            .post(format!("{}/v1/people/{CUSTOMER}/messages", self.relay.url))
            .bearer_auth(&self.relay.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let retry = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, response.json().await.unwrap(), retry)
    }
}

fn body(client_id: &str, text: &str) -> Value {
    json!({ "text": text, "client_id": client_id, "agent": "Ann Agent" })
}

#[tokio::test]
async fn a_reply_is_sent_once_stored_as_outgoing_and_a_retry_sends_nothing() {
    let s = stack().await;
    s.customer_writes(1, now()).await;
    let (status, sent, _) = s.reply(body("c-1", "Claro, te la envío hoy.")).await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["direction"], "out");
    assert_eq!(sent["text"], "Claro, te la envío hoy.");
    assert_eq!(
        sent["sent_by"], "Ann Agent",
        "the host's name for the agent"
    );
    let calls = s.telegram.sent();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["chat_id"], CUSTOMER);
    assert!(calls[0].get("business_connection_id").is_none());
    assert!(
        sent["telegram_message_id"]
            .as_i64()
            .is_some_and(|id| id > 1_000),
        "{sent}"
    );

    // The retried POST (same client_id) answers the same message and sends nothing.
    let (status, again, _) = s.reply(body("c-1", "Claro, te la envío hoy.")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["id"], sent["id"]);
    assert_eq!(s.telegram.sent().len(), 1);
    // The same client_id for another text is refused.
    let (status, reused, _) = s.reply(body("c-1", "Otra cosa")).await;
    assert_eq!(
        (status.as_u16(), reused["error"]["code"].as_str()),
        (409, Some("client_id_reused"))
    );

    // The conversation shows it, newest first, once.
    let page = s.relay.ok(&format!("/v1/people/{CUSTOMER}/messages")).await;
    let messages = page["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["id"], sent["id"]);
    assert_eq!(messages[0]["direction"], "out");
    assert_eq!(messages[0]["sent_by"], "Ann Agent");
    assert!(
        messages[1].get("sent_by").is_none(),
        "the customer's message has no agent"
    );
}

#[tokio::test]
async fn bad_replies_are_refused_with_the_limit_or_the_fix() {
    let s = stack().await;
    s.customer_writes(1, now()).await;
    let (status, long, _) = s.reply(body("c-2", &"x".repeat(4097))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        long["error"]["message"].as_str().unwrap().contains("4096"),
        "{long}"
    );
    let (status, _, _) = s
        .reply(json!({ "text": "hi", "client_id": "c-3", "agent": " " }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(s.telegram.calls().is_empty(), "nothing reached Telegram");

    // Someone who never wrote: they must write first.
    let response = s
        .relay
        .http
        .post(format!("{}/v1/people/5660999/messages", s.relay.url))
        .bearer_auth(&s.relay.token)
        .json(&body("c-4", "hi"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "must_write_first");
}

#[tokio::test]
async fn telegrams_refusals_become_clear_errors_and_nothing_is_stored() {
    let s = stack().await;
    s.customer_writes(1, now()).await;
    s.telegram.set_faults(Faults {
        blocked: vec![CUSTOMER],
        ..Faults::default()
    });
    let (status, blocked, _) = s.reply(body("c-5", "hola")).await;
    assert_eq!(
        (status.as_u16(), blocked["error"]["code"].as_str()),
        (409, Some("must_write_first"))
    );
    assert!(
        blocked["error"]["message"]
            .as_str()
            .unwrap()
            .contains("blocked"),
        "{blocked}"
    );

    // Flood control: a short wait is sat out by the relay, a long one is the caller's 429.
    s.telegram.set_faults(Faults {
        flood: 1,
        flood_retry_after: 1,
        ..Faults::default()
    });
    let (status, sent, _) = s.reply(body("c-5", "hola")).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "a failed reply may be tried again: {sent}"
    );
    s.telegram.set_faults(Faults {
        flood: 1,
        flood_retry_after: 30,
        ..Faults::default()
    });
    let (status, flood, retry) = s.reply(body("c-6", "¿algo más?")).await;
    assert_eq!(
        (status.as_u16(), flood["error"]["code"].as_str()),
        (429, Some("telegram_rate_limited"))
    );
    assert_eq!(retry.as_deref(), Some("30"));
    s.telegram.set_faults(Faults {
        burst_5xx: 1,
        ..Faults::default()
    });
    let (status, down, _) = s.reply(body("c-7", "¿algo más?")).await;
    assert_eq!(
        (status.as_u16(), down["error"]["code"].as_str()),
        (502, Some("telegram_unavailable"))
    );
    assert_eq!(
        s.telegram.sent().len(),
        1,
        "only the reply Telegram accepted was sent"
    );
    let page = s.relay.ok(&format!("/v1/people/{CUSTOMER}/messages")).await;
    assert_eq!(
        page["messages"].as_array().unwrap().len(),
        2,
        "the refused replies are not stored"
    );
}

#[tokio::test]
async fn a_business_chat_is_answered_through_its_connection_within_24_hours() {
    let s = stack().await;
    s.telegram.connect_business(BusinessConnection {
        id: "bc-7".into(),
        bot_id: s.bot.id,
        can_reply: true,
        is_enabled: true,
    });
    let connection = |enabled: bool, at: i64| {
        json!({"update_id": at, "business_connection": {
        "id": "bc-7", "user": {"id": 12_345, "is_bot": false, "first_name": "Shop owner"},
        "user_chat_id": 12_345, "date": at, "can_reply": true, "is_enabled": enabled}})
    };
    let business_message = |update_id: i64, from: i64, message_id: i64, date: i64| {
        json!({
        "update_id": update_id, "business_message": {"message_id": message_id,
        "business_connection_id": "bc-7", "date": date, "text": "hola",
        "from": {"id": from, "is_bot": false, "first_name": "Lucía"},
        "chat": {"id": from, "type": "private", "first_name": "Lucía"}}})
    };
    s.relay.post_json(&connection(true, now() - 10)).await;
    s.relay
        .post_json(&business_message(2, CUSTOMER, 50, now() - 5))
        .await;
    let (status, sent, _) = s.reply(body("b-1", "¡Hola Lucía!")).await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["business_connection_id"], "bc-7");
    assert_eq!(s.telegram.sent()[0]["business_connection_id"], "bc-7");

    // Telegram echoes the business account's outgoing message: it is not stored twice.
    s.relay
        .post_json(&json!({"update_id": 3, "business_message": {
        "message_id": sent["telegram_message_id"], "business_connection_id": "bc-7",
        "date": now(), "text": "¡Hola Lucía!",
        "from": {"id": 12_345, "is_bot": false, "first_name": "Shop owner"},
        "chat": {"id": CUSTOMER, "type": "private", "first_name": "Lucía"}}}))
        .await;
    let page = s.relay.ok(&format!("/v1/people/{CUSTOMER}/messages")).await;
    assert_eq!(page["messages"].as_array().unwrap().len(), 2, "{page}");

    // A chat whose customer wrote more than a day ago: the window is closed.
    s.relay
        .post_json(&business_message(4, 5_660_002, 60, now() - 25 * 3600))
        .await;
    let response = s
        .relay
        .http
        .post(format!("{}/v1/people/5660002/messages", s.relay.url))
        .bearer_auth(&s.relay.token)
        .json(&body("b-2", "¿Sigues ahí?"))
        .send()
        .await
        .unwrap();
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "reply_window_closed", "{error}");

    // A disabled connection: refused before Telegram is asked.
    s.relay.post_json(&connection(false, now())).await;
    let (status, off, _) = s.reply(body("b-3", "¿hola?")).await;
    assert_eq!(
        (status.as_u16(), off["error"]["code"].as_str()),
        (409, Some("business_connection_disabled"))
    );
    assert_eq!(s.telegram.sent().len(), 1);
}

#[tokio::test]
async fn a_bot_without_a_token_or_a_relay_without_its_key_says_who_fixes_it() {
    // No token stored for the bot.
    let s = stack().await;
    let (status, unset) = {
        // Another tenant's bot, registered without a token, receives the customer.
        let (_, token, webhook) = s.relay.add_tenant("other");
        let (status, _) = s
            .relay
            .post_update_to(
                &webhook,
                serde_json::to_vec(&common::text_update(1, CUSTOMER, 1, now(), "hi")).unwrap(),
            )
            .await;
        assert_eq!(status, 200);
        let response = s
            .relay
            .http
            .post(format!("{}/v1/people/{CUSTOMER}/messages", s.relay.url))
            .bearer_auth(&token)
            .json(&body("n-1", "hi"))
            .send()
            .await
            .unwrap();
        (response.status(), response.json::<Value>().await.unwrap())
    };
    assert_eq!(
        (status.as_u16(), unset["error"]["code"].as_str()),
        (409, Some("no_bot_token")),
        "{unset}"
    );
    assert!(
        unset["error"]["message"]
            .as_str()
            .unwrap()
            .contains("bot set-token")
    );

    // A relay started without the key.
    let plain = Relay::start().await;
    plain
        .post_json(&common::text_update(1, CUSTOMER, 1, now(), "hi"))
        .await;
    let response = plain
        .http
        .post(format!("{}/v1/people/{CUSTOMER}/messages", plain.url))
        .bearer_auth(&plain.token)
        .json(&body("k-1", "hi"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let error: Value = response.json().await.unwrap();
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--key-file"),
        "{error}"
    );
}
