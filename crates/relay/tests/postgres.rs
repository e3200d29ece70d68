//! The throwaway PostgreSQL cluster that the PostgreSQL backend's tests run on (issue: the relay
//! on PostgreSQL). Never skipped: without PostgreSQL this fails and says how to install it.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::postgres::Cluster;
use common::process::{Server, start};
use serde_json::{Value, json};

#[test]
fn a_throwaway_cluster_starts_answers_and_is_gone_after_the_test() {
    let cluster = Cluster::start();
    assert_eq!(cluster.psql("postgres", "SELECT 1"), "1");
    cluster.psql("postgres", "CREATE DATABASE relay");
    // The relay's search needs trigram indexes, as SQLite's FTS5 trigram table gives it.
    cluster.psql("relay", "CREATE EXTENSION pg_trgm");
    assert_eq!(
        cluster.psql(
            "relay",
            "SELECT similarity('Андрей Иванов', 'Андрей Иванов')"
        ),
        "1"
    );
    assert_eq!(
        cluster.psql("relay", "SHOW listen_addresses"),
        "127.0.0.1",
        "loopback only"
    );
    let (port, data) = (cluster.port(), cluster.data().to_owned());
    drop(cluster);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the server stopped"
    );
    assert!(!data.exists(), "its files are gone");
}

const BIN: &str = env!("CARGO_BIN_EXE_telegram-relay");
const SECRET: &str = "two-relays-secret";
const PERSON: u64 = 4_300_000_001;

fn relay_command(db: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(BIN)
        .args(args)
        .args(["--db", db])
        .env_remove("TELEGRAM_RELAY_DB")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn serve(db: &str) -> Server {
    start(std::process::Command::new(BIN).args(["serve", "--listen", "127.0.0.1:0", "--db", db]))
}

fn update(update_id: i64) -> Value {
    json!({"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_700_000_000 + update_id,
        "from": {"id": PERSON, "is_bot": false, "first_name": "Two"},
        "chat": {"id": PERSON, "type": "private", "first_name": "Two"},
        "text": format!("update {update_id}")}})
}

/// Every message of the person through `url`, walking the pages back from the newest.
async fn all_pages(client: &reqwest::Client, url: &str, token: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut before = String::new();
    loop {
        let page: Value = client
            .get(format!(
                "{url}/v1/people/{PERSON}/messages?limit=1000{before}"
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.extend(
            page["messages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["telegram_message_id"].as_i64().unwrap()),
        );
        match page["older"].as_str() {
            Some(older) => before = format!("&before={older}"),
            None => return ids,
        }
    }
}

/// Polls `after=cursor` through `url` once, adding what changed to `seen`; answers the new cursor.
async fn poll(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    cursor: &str,
    seen: &mut Vec<i64>,
) -> String {
    let response = client
        .get(format!(
            "{url}/v1/people/{PERSON}/messages?limit=1000&after={cursor}"
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    if response.status() == 404 {
        return cursor.to_owned(); // the person has not written yet
    }
    let page: Value = response.json().await.unwrap();
    seen.extend(
        page["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["telegram_message_id"].as_i64().unwrap()),
    );
    page["newer"].as_str().unwrap().to_owned()
}

/// Two relay processes on one PostgreSQL database behind a "load balancer" (clients spread their
/// webhooks over both, some sent to both, as Telegram retries do), one killed with SIGKILL
/// mid-stream: every acknowledged update is stored exactly once, and a poller that followed
/// `after` through the surviving process while both wrote saw every message.
#[test]
fn two_relays_on_one_database_lose_nothing_when_one_is_killed() {
    let cluster = Cluster::start();
    cluster.psql("postgres", "CREATE DATABASE relay");
    let db = cluster.url("relay");
    let token = relay_command(&db, &["tenant", "create", "acme"]);
    let webhook = relay_command(&db, &["bot", "add", "--tenant", "acme", "--secret", SECRET]);
    let mut first = serve(&db);
    let second = serve(&db);
    let urls = [first.url.clone(), second.url.clone()];
    let acknowledged = Arc::new(Mutex::new(Vec::<i64>::new()));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = telegram_relay::tls::client().build().unwrap();

    let polled = runtime.block_on(async {
        let stop = Arc::new(tokio::sync::Notify::new());
        let poller = {
            let (client, url, token, stop) =
                (client.clone(), urls[1].clone(), token.clone(), stop.clone());
            tokio::spawn(async move {
                let (mut seen, mut cursor) = (Vec::new(), "r0".to_owned());
                loop {
                    cursor = poll(&client, &url, &token, &cursor, &mut seen).await;
                    tokio::select! {
                        () = stop.notified() => break,
                        () = tokio::time::sleep(Duration::from_millis(20)) => {}
                    }
                }
                // One last poll after every write has been answered.
                poll(&client, &url, &token, &cursor, &mut seen).await;
                seen
            })
        };
        let mut clients = tokio::task::JoinSet::new();
        for connection in 0..8i64 {
            let (client, urls, webhook) = (client.clone(), urls.clone(), webhook.clone());
            let acknowledged = acknowledged.clone();
            clients.spawn(async move {
                let post = |url: &str, id: i64| {
                    client
                        .post(format!("{url}/telegram/webhook/{webhook}"))
                        .header("x-telegram-bot-api-secret-token", SECRET)
                        .json(&update(id))
                        .send()
                };
                // Even connections go to the first relay until it dies, odd ones to the second.
                let mut target = (connection % 2) as usize;
                for i in 0..400i64 {
                    let id = 1 + connection + 8 * i;
                    let mut answered = false;
                    for _ in 0..2 {
                        match post(&urls[target], id).await {
                            Ok(r) if r.status() == 200 => {
                                answered = true;
                                break;
                            }
                            // The balancer sends the retry to the other relay.
                            _ => target = 1,
                        }
                    }
                    assert!(answered, "update {id} was answered by neither relay");
                    acknowledged.lock().unwrap().push(id);
                    // Every tenth update is delivered again to the other relay: a duplicate.
                    if id % 10 == 0 {
                        let other = &urls[1 - target];
                        if let Ok(r) = post(other, id).await {
                            assert_eq!(r.status(), 200);
                            assert_eq!(r.headers()["x-relay-outcome"], "duplicate", "{id}");
                        }
                    }
                }
            });
        }
        for _ in 0..600 {
            if acknowledged.lock().unwrap().len() >= 600 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        first.child.kill().unwrap(); // SIGKILL
        first.child.wait().unwrap();
        let at_kill = acknowledged.lock().unwrap().len();
        clients.join_all().await;
        assert!(
            at_kill < 3_200,
            "the kill came mid-stream ({at_kill} acknowledged)"
        );
        stop.notify_one();
        poller.await.unwrap()
    });

    let mut acknowledged = acknowledged.lock().unwrap().clone();
    acknowledged.sort();
    assert_eq!(
        acknowledged.len(),
        3_200,
        "every update was acknowledged once"
    );
    let mut restarted = serve(&db);
    runtime.block_on(async {
        for url in [&urls[1], &restarted.url] {
            let mut stored = all_pages(&client, url, &token).await;
            stored.sort();
            assert_eq!(
                stored, acknowledged,
                "through {url}: each update stored exactly once"
            );
        }
    });
    let mut polled = polled;
    polled.sort();
    polled.dedup();
    assert_eq!(
        polled, acknowledged,
        "polling through one relay skipped nothing"
    );
    restarted.child.kill().unwrap();
    let mut second = second;
    second.child.kill().unwrap();
}
