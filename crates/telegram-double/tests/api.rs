//! The double over real HTTP on loopback, against the Bot API's documented shapes
//! (<https://core.telegram.org/bots/api>; each method cites its section in src/lib.rs).

use reqwest::StatusCode;
use serde_json::{Value, json};
use telegram_double::{Bot, BusinessConnection, Double, Faults};

async fn start() -> (Double, String, reqwest::Client) {
    let double = Double::new(vec![Bot::new(777_000, "shop_bot")]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, telegram_double::app(double.clone())).into_future());
    let _ = rustls::crypto::ring::default_provider().install_default();
    (double, url, reqwest::Client::new())
}

async fn call(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    method: &str,
    params: Value,
) -> (StatusCode, Value) {
    let r = http
        .post(format!("{url}/bot{token}/{method}"))
        .json(&params)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

#[tokio::test]
async fn get_me_set_webhook_and_send_message_answer_in_the_api_envelope() {
    let (double, url, http) = start().await;
    let token = Bot::new(777_000, "shop_bot").token;
    let (status, me) = call(&http, &url, &token, "getMe", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(
        (me["ok"].as_bool(), me["result"]["username"].as_str()),
        (Some(true), Some("shop_bot"))
    );
    let (status, wrong) = call(&http, &url, "1:nope", "getMe", json!({})).await;
    assert_eq!(
        (status.as_u16(), wrong["error_code"].as_u64()),
        (401, Some(401))
    );

    let (status, bad) = call(
        &http,
        &url,
        &token,
        "setWebhook",
        json!({"url": "http://plain.example"}),
    )
    .await;
    assert_eq!(status, 400, "{bad}");
    let (_, set) = call(&http, &url, &token, "setWebhook", json!({"url": "https://relay.example/telegram/webhook/x", "secret_token": "s3cret_-x", "allowed_updates": ["message"]})).await;
    assert_eq!(set["result"], true);
    let hook = double.webhook(777_000).unwrap();
    assert_eq!(
        (hook.secret_token.as_deref(), hook.allowed_updates),
        (Some("s3cret_-x"), Some(vec!["message".to_owned()]))
    );

    let (_, sent) = call(
        &http,
        &url,
        &token,
        "sendMessage",
        json!({"chat_id": 42, "text": "Hola"}),
    )
    .await;
    assert_eq!(sent["result"]["chat"]["id"], 42);
    assert_eq!(sent["result"]["text"], "Hola");
    assert!(sent["result"]["message_id"].as_i64().is_some());
    let (status, long) = call(
        &http,
        &url,
        &token,
        "sendMessage",
        json!({"chat_id": 42, "text": "x".repeat(4097)}),
    )
    .await;
    assert_eq!(status, 400, "{long}");
    assert_eq!(
        double.sent().len(),
        1,
        "only the accepted message counts as sent"
    );
}

#[tokio::test]
async fn business_replies_need_an_enabled_connection_with_the_reply_right() {
    let (double, url, http) = start().await;
    let token = Bot::new(777_000, "shop_bot").token;
    let send = |id: &str| json!({"chat_id": 42, "text": "hi", "business_connection_id": id});
    let (status, _) = call(&http, &url, &token, "sendMessage", send("nope")).await;
    assert_eq!(status, 400);
    double.connect_business(BusinessConnection {
        id: "bc1".into(),
        bot_id: 777_000,
        can_reply: false,
        is_enabled: true,
    });
    let (status, _) = call(&http, &url, &token, "sendMessage", send("bc1")).await;
    assert_eq!(status, 403);
    double.connect_business(BusinessConnection {
        id: "bc1".into(),
        bot_id: 777_000,
        can_reply: true,
        is_enabled: true,
    });
    let (status, ok) = call(&http, &url, &token, "sendMessage", send("bc1")).await;
    assert_eq!(status, 200);
    assert_eq!(ok["result"]["business_connection_id"], "bc1");
}

#[tokio::test]
async fn faults_block_flood_and_fail_as_telegram_does() {
    let (double, url, http) = start().await;
    let token = Bot::new(777_000, "shop_bot").token;
    double.set_faults(Faults {
        blocked: vec![42],
        flood: 1,
        flood_retry_after: 3,
        burst_5xx: 1,
        ..Faults::default()
    });
    let send = json!({"chat_id": 42, "text": "hi"});
    let (s1, _) = call(&http, &url, &token, "sendMessage", send.clone()).await;
    let (s2, flood) = call(&http, &url, &token, "sendMessage", send.clone()).await;
    let (s3, blocked) = call(&http, &url, &token, "sendMessage", send).await;
    assert_eq!((s1.as_u16(), s2.as_u16(), s3.as_u16()), (502, 429, 403));
    assert_eq!(flood["parameters"]["retry_after"], 3);
    assert!(blocked["description"].as_str().unwrap().contains("blocked"));
    assert!(double.sent().is_empty());
    assert_eq!(double.calls().len(), 3, "every call is recorded");
}
