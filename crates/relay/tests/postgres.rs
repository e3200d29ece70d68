//! The throwaway PostgreSQL cluster that the PostgreSQL backend's tests run on (issue: the relay
//! on PostgreSQL). Never skipped: without PostgreSQL this fails and says how to install it.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::postgres::Cluster;
use common::process::{Server, conversation, start};
use serde_json::{Value, json};
use telegram_relay::store::Storage;

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
            let mut stored = conversation(&client, url, &token, PERSON).await;
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

fn migrate(args: &[&str]) -> std::process::Output {
    std::process::Command::new(BIN)
        .arg("migrate")
        .args(args)
        .env_remove("TELEGRAM_RELAY_DB")
        .output()
        .unwrap()
}

/// What the plugin sees of the demo tenant through a relay on `db`: the directory (every page),
/// the contacts CSV, a search, and every person's profile, conversation and journal.
fn plugin_view(db: &str) -> Vec<(String, String)> {
    let mut server = start(std::process::Command::new(BIN).args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--rate-limit",
        "0",
        "--db",
        db,
    ]));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let view = runtime.block_on(async {
        let client = telegram_relay::tls::client().build().unwrap();
        let mut view = Vec::new();
        let mut get = async |path: String| -> Value {
            let response = client
                .get(format!("{}{path}", server.url))
                .bearer_auth(telegram_relay::demo::DEMO_TOKEN)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{path}");
            let body = response.text().await.unwrap();
            view.push((path, body.clone()));
            serde_json::from_str(&body).unwrap_or(Value::Null)
        };
        get("/v1/export/telegram-contacts.csv".into()).await;
        get("/v1/people?q=andrei".into()).await;
        let mut people = Vec::new();
        let mut after = String::new();
        loop {
            let page = get(format!("/v1/directory?limit=200{after}")).await;
            for p in page["people"].as_array().unwrap() {
                people.push(p["sender_id"].as_str().unwrap().to_owned());
            }
            if page["has_more"] != true {
                break;
            }
            after = format!("&after={}", page["next"].as_str().unwrap());
        }
        assert!(people.len() > 3, "the demo has people");
        for id in people {
            get(format!("/v1/people/{id}")).await;
            get(format!("/v1/people/{id}/messages?limit=200")).await;
            get(format!("/v1/link-events?sender_id={id}")).await;
        }
        view
    });
    server.child.kill().unwrap();
    view
}

/// `migrate` copies a SQLite relay into PostgreSQL exactly (the plugin sees the same answers),
/// prints each table's rows and checksum, refuses a destination that holds data (changing
/// nothing), and copies one tenant alone.
#[test]
fn migrate_copies_a_sqlite_relay_into_postgres_exactly_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("relay.db");
    {
        let store = telegram_relay::store::Database::open_sqlite(&sqlite).unwrap();
        telegram_relay::demo::fill(&store, telegram_relay::now()).unwrap();
        store
            .create_tenant("other", [9; 32], telegram_relay::now())
            .unwrap();
    }
    let sqlite = sqlite.to_str().unwrap().to_owned();
    let cluster = Cluster::start();
    cluster.psql("postgres", "CREATE DATABASE everything");
    cluster.psql("postgres", "CREATE DATABASE one");
    let everything = cluster.url("everything");

    let out = migrate(&["--from", &sqlite, "--to", &everything]);
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = |table: &str| -> u64 {
        let line = printed
            .lines()
            .find(|l| l.split_whitespace().next() == Some(table))
            .unwrap_or_else(|| panic!("no {table} in {printed}"));
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    assert_eq!(rows("tenants"), 2);
    let messages = rows("messages");
    assert!(messages > 10 && rows("people") > 3, "{printed}");
    assert_eq!(
        cluster.psql("everything", "SELECT count(*) FROM messages"),
        messages.to_string()
    );
    let (copied, original) = (plugin_view(&everything), plugin_view(&sqlite));
    assert_eq!(copied.len(), original.len());
    for (copied, original) in copied.iter().zip(&original) {
        assert_eq!(copied, original, "the plugin sees the same");
    }
    // And back: PostgreSQL into a new SQLite file.
    let back = dir.path().join("back.db");
    let back = back.to_str().unwrap();
    let out = migrate(&["--from", &everything, "--to", back]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        printed,
        "the same rows and checksums"
    );
    assert!(
        plugin_view(back) == original,
        "the plugin sees the same after the way back"
    );

    // Into a database that holds a relay already: refused, nothing added.
    let again = migrate(&["--from", &sqlite, "--to", &everything]);
    let err = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(1), "{err}");
    assert!(err.contains("already holds 2 tenant(s)"), "{err}");
    assert_eq!(
        cluster.psql("everything", "SELECT count(*) FROM messages"),
        messages.to_string()
    );

    // One tenant alone.
    let one = cluster.url("one");
    let out = migrate(&["--from", &sqlite, "--to", &one, "--tenant", "demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        cluster.psql("one", "SELECT string_agg(name, ',') FROM tenants"),
        "demo"
    );
    assert_eq!(
        cluster.psql("one", "SELECT count(*) FROM messages"),
        messages.to_string()
    );

    // A row in the way half-way (an update the demo bot has seen, in a database with no
    // tenant): the copy fails at that table and nothing of it stays.
    cluster.psql("postgres", "CREATE DATABASE blocked");
    let blocked = cluster.url("blocked");
    drop(telegram_relay::store::Database::open_postgres(&blocked).unwrap()); // its tables
    let seen = cluster.psql(
        "everything",
        "SELECT format('(%L, %s)', webhook_id, update_id) FROM seen_updates LIMIT 1",
    );
    cluster.psql(
        "blocked",
        &format!("INSERT INTO seen_updates VALUES {seen}"),
    );
    let out = migrate(&["--from", &sqlite, "--to", &blocked]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("seen_updates"),
        "the failure names the table: {err}"
    );
    assert_eq!(
        cluster.psql(
            "blocked",
            "SELECT (SELECT count(*) FROM tenants) + (SELECT count(*) FROM bots)"
        ),
        "0",
        "all or nothing"
    );
}

/// A PostgreSQL database is refused when it is not one a relay can keep its promises on, or when
/// a command that reads a relay's data is pointed at a database without one; the password in the
/// address never shows, not even in `--help`.
#[test]
fn a_postgres_database_is_checked_before_it_is_used() {
    let cluster = Cluster::start();
    cluster.psql("postgres", "CREATE DATABASE other_app");
    cluster.psql("postgres", "CREATE DATABASE lazy");
    cluster.psql(
        "postgres",
        "ALTER DATABASE lazy SET synchronous_commit = off",
    );
    let run = |args: &[&str], db: &str| {
        std::process::Command::new(BIN)
            .args(args)
            .env("TELEGRAM_RELAY_DB", db)
            .output()
            .unwrap()
    };
    let with_password = cluster.url("other_app").replace("relay@", "relay:s3cret@");
    let out = run(&["bot", "list", "--tenant", "acme"], &with_password);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("holds no relay tables"), "{err}");
    assert_eq!(
        cluster.psql(
            "other_app",
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ),
        "0",
        "nothing was created in another application's database"
    );
    let help = run(&["serve", "--help"], &with_password);
    assert!(help.status.success());
    assert!(!String::from_utf8_lossy(&help.stdout).contains("s3cret"));

    // `sslmode=require` asks for TLS, which the test server does not offer: refused, not sent in
    // the clear.
    let out = run(
        &["tenant", "create", "acme"],
        &format!("{}?sslmode=require", cluster.url("other_app")),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot connect") && err.contains("TLS"),
        "{err}"
    );

    let out = run(&["tenant", "create", "acme"], &cluster.url("lazy"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("synchronous_commit = off"), "{err}");

    let out = migrate(&[
        "--from",
        &cluster.url("other_app"),
        "--to",
        &cluster.url("lazy"),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("holds no relay tables"), "{err}");
}
