//! The real binary: its commands, graceful shutdown, and the crash test (SIGKILL mid-stream, then
//! every acknowledged update is found stored exactly once).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

mod common;

use common::process::{Server, conversation, start};

const BIN: &str = env!("CARGO_BIN_EXE_telegram-relay");
const SECRET: &str = "crash-test-secret";

fn relay(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("TELEGRAM_RELAY_DB")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Creates tenant `acme` and a bot; returns (token, webhook id).
fn setup(db: &Path) -> (String, String) {
    let db = db.to_str().unwrap();
    let token = stdout(&relay(&["tenant", "create", "acme", "--db", db]));
    let webhook = stdout(&relay(&[
        "bot", "add", "--tenant", "acme", "--secret", SECRET, "--db", db,
    ]));
    (token.trim().to_owned(), webhook.trim().to_owned())
}

/// Starts `telegram-relay serve` on a free loopback port and waits for its "listening" log line.
fn serve(db: &Path) -> Server {
    start(Command::new(BIN).args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--db",
        db.to_str().unwrap(),
    ]))
}

fn update(update_id: i64) -> Value {
    json!({"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_700_000_000 + update_id,
        "from": {"id": 4_200_000_001u64, "is_bot": false, "first_name": "Crash"},
        "chat": {"id": 4_200_000_001u64, "first_name": "Crash", "type": "private"},
        "text": format!("update {update_id}")}})
}

#[test]
fn commands_print_only_their_result_and_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("relay.db");
    let db_arg = db.to_str().unwrap();
    let (token, webhook) = setup(&db);
    assert!(
        token.starts_with("tgr_") && token.len() == 68 && !token.contains('\n'),
        "{token:?}"
    );
    assert!(
        webhook.len() == 24 && webhook.chars().all(|c| c.is_ascii_hexdigit()),
        "{webhook:?}"
    );

    let again = relay(&["tenant", "create", "acme", "--db", db_arg]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    let unknown = relay(&[
        "bot", "add", "--tenant", "nobody", "--secret", "s", "--db", db_arg,
    ]);
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("telegram-relay tenant create nobody"),
        "{}",
        stderr(&unknown)
    );
    let bad_secret = relay(&[
        "bot",
        "add",
        "--tenant",
        "acme",
        "--secret",
        "white space",
        "--db",
        db_arg,
    ]);
    assert!(!bad_secret.status.success());
    assert!(
        stderr(&bad_secret).contains("--secret"),
        "{}",
        stderr(&bad_secret)
    );
    assert!(
        !stderr(&bad_secret).contains("white space"),
        "secrets are not echoed"
    );

    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let export = fixtures.join("desktop-export/vorot93__voice_export_result.json");
    let imported = relay(&[
        "import-desktop",
        "--tenant",
        "acme",
        "--db",
        db_arg,
        export.to_str().unwrap(),
    ]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    assert!(
        stderr(&imported).contains("1 messages (1 new)"),
        "{}",
        stderr(&imported)
    );
    let not_export = fixtures.join("bot-api/nutgram__message.json");
    let refused = relay(&[
        "import-desktop",
        "--tenant",
        "acme",
        "--db",
        db_arg,
        not_export.to_str().unwrap(),
    ]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("not a Telegram Desktop export"),
        "{}",
        stderr(&refused)
    );

    let empty = relay(&["quarantine", "list", "--db", db_arg]);
    assert_eq!(stdout(&empty), "");
    assert!(stderr(&empty).contains("0 quarantined"));

    // A served relay: quarantine an update, then list it; then a graceful shutdown on SIGTERM.
    let mut server = serve(&db);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let legacy =
            std::fs::read(fixtures.join("bot-api/telegrambots__Update_legacy_multifield.json"))
                .unwrap();
        let response = telegram_relay::tls::client()
            .build()
            .unwrap()
            .post(format!("{}/telegram/webhook/{webhook}", server.url))
            .header("x-telegram-bot-api-secret-token", SECRET)
            .body(legacy)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["x-relay-outcome"], "quarantined");
    });
    let listed = relay(&["quarantine", "list", "--tenant", "acme", "--db", db_arg]);
    let listed_out = stdout(&listed);
    assert!(
        listed_out.contains("update_id=10000") && listed_out.contains("at most one payload"),
        "{listed_out}"
    );

    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = server.child.wait().unwrap();
    assert!(exit.success(), "graceful shutdown exits 0: {exit:?}");
    let logs: Vec<String> = server.logs.try_iter().collect();
    assert!(
        logs.iter().any(|l| l.contains("shutdown requested")),
        "{logs:?}"
    );
    assert!(
        !logs
            .iter()
            .any(|l| l.contains(&token) || l.contains(SECRET)),
        "no secrets in logs"
    );

    let bad_listen = relay(&["serve", "--listen", "nonsense", "--db", db_arg]);
    assert!(!bad_listen.status.success());
    let bad_origin = relay(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--allow-origin",
        "localhost:8789",
        "--db",
        db_arg,
    ]);
    assert!(
        stderr(&bad_origin).contains("scheme://host"),
        "{}",
        stderr(&bad_origin)
    );
}

#[test]
fn sigkill_mid_stream_loses_no_acknowledged_update() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("relay.db");
    let (token, webhook) = setup(&db);
    let mut server = serve(&db);
    let acknowledged = Arc::new(Mutex::new(Vec::<i64>::new()));
    let runtime = tokio::runtime::Runtime::new().unwrap();

    runtime.block_on(async {
        let mut clients = tokio::task::JoinSet::new();
        for connection in 0..8i64 {
            let url = format!("{}/telegram/webhook/{webhook}", server.url);
            let acknowledged = acknowledged.clone();
            clients.spawn(async move {
                let client = telegram_relay::tls::client().build().unwrap();
                // At most 5,000 updates per connection; stops at the first failure (the kill).
                for i in 0..5_000i64 {
                    let id = 1 + connection + 8 * i;
                    let sent = client
                        .post(&url)
                        .header("x-telegram-bot-api-secret-token", SECRET)
                        .json(&update(id))
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status() == 200 => acknowledged.lock().unwrap().push(id),
                        _ => break,
                    }
                }
            });
        }
        // Kill once a good number of updates are acknowledged, while the clients are still sending.
        for _ in 0..600 {
            if acknowledged.lock().unwrap().len() >= 400 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server.child.kill().unwrap(); // SIGKILL on Unix
        server.child.wait().unwrap();
        clients.join_all().await;
    });
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        !acknowledged.is_empty(),
        "nothing was acknowledged before the kill"
    );
    assert!(acknowledged.len() < 40_000, "the kill came mid-stream");

    let mut restarted = serve(&db);
    runtime.block_on(async {
        let client = telegram_relay::tls::client().build().unwrap();
        let mut stored = conversation(&client, &restarted.url, &token, 4_200_000_001).await;
        stored.sort();
        let count = stored.len();
        stored.dedup();
        assert_eq!(stored.len(), count, "no update stored twice");
        let missing: Vec<&i64> = acknowledged
            .iter()
            .filter(|id| stored.binary_search(id).is_err())
            .collect();
        assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
        // Telegram retries what it did not see acknowledged, and may resend acknowledged ones:
        // every acknowledged update is recognised as a duplicate after the restart.
        for id in acknowledged.iter().take(100) {
            let response = client
                .post(format!("{}/telegram/webhook/{webhook}", restarted.url))
                .header("x-telegram-bot-api-secret-token", SECRET)
                .json(&update(*id))
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.headers()["x-relay-outcome"],
                "duplicate",
                "update {id}"
            );
        }
    });
    restarted.child.kill().unwrap();
    restarted.child.wait().unwrap();
}

#[test]
fn demo_serves_the_demo_tenant_with_default_origins() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    // Fresh on every run: a second run replaces the first one's database.
    let mut first = start(Command::new(BIN).args([
        "demo",
        "--listen",
        "127.0.0.1:0",
        "--db",
        db.to_str().unwrap(),
    ]));
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    let mut demo = start(Command::new(BIN).args([
        "demo",
        "--listen",
        "127.0.0.1:0",
        "--db",
        db.to_str().unwrap(),
    ]));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = telegram_relay::tls::client().build().unwrap();
        let person: Value = client
            .get(format!("{}/v1/people/7100000002", demo.url))
            .bearer_auth("demo-install-token")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(person["username"], "andrey_iv");
        for origin in ["http://127.0.0.1:8788", "http://localhost:8789"] {
            let preflight = client
                .request(
                    reqwest::Method::OPTIONS,
                    format!("{}/v1/people/7100000001", demo.url),
                )
                .header("origin", origin)
                .header("access-control-request-method", "GET")
                .header("access-control-request-headers", "authorization")
                .send()
                .await
                .unwrap();
            assert_eq!(preflight.headers()["access-control-allow-origin"], origin);
        }
    });
    demo.child.kill().unwrap();
    demo.child.wait().unwrap();
}

#[test]
fn serve_reads_its_configuration_from_the_environment_and_logs_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("env.db");
    let mut child = Command::new(BIN)
        .arg("serve")
        .env("TELEGRAM_RELAY_DB", &db)
        .env("TELEGRAM_RELAY_LISTEN", "127.0.0.1:0")
        .env("TELEGRAM_RELAY_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut listening = None;
    for _ in 0..20 {
        let Some(Ok(line)) = lines.next() else { break };
        let event: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        if event["fields"]["message"] == "listening" {
            listening = Some(event["fields"]["addr"].as_str().unwrap().to_owned());
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(listening.is_some_and(|a| a.starts_with("127.0.0.1:")));
    assert!(
        db.exists(),
        "the database named by TELEGRAM_RELAY_DB was created"
    );
}

/// Guards against install tokens, webhook secrets, webhook paths or searched text reaching the
/// logs, even at the most verbose level.
#[test]
fn logs_hold_no_token_secret_webhook_path_or_query_even_at_trace() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("relay.db");
    let (token, webhook) = setup(&db);
    let mut server = start(
        Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--db"])
            .arg(&db)
            .env("RUST_LOG", "trace"),
    );
    let wrong_secret = "Wrong_secret-4711";
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = telegram_relay::tls::client().build().unwrap();
        let search = client
            .get(format!("{}/v1/people?q=Searched4711", server.url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(search.status(), 200);
        for (secret, status) in [(SECRET, 200), (wrong_secret, 401)] {
            let response = client
                .post(format!("{}/telegram/webhook/{webhook}", server.url))
                .header("x-telegram-bot-api-secret-token", secret)
                .json(&update(1))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), status);
        }
    });
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let logs: Vec<String> =
        std::iter::from_fn(|| server.logs.recv_timeout(Duration::from_secs(5)).ok()).collect();
    let logs = logs.join("\n");
    for leak in [
        token.as_str(),
        SECRET,
        wrong_secret,
        webhook.as_str(),
        "Searched4711",
    ] {
        assert!(!logs.contains(leak), "the logs contain {leak:?}:\n{logs}");
    }
    // The requests are logged, by route template.
    for route in [r#"route="/v1/people""#, r#"route="/telegram/webhook/{id}""#] {
        assert!(logs.contains(route), "no {route:?} in the logs:\n{logs}");
    }
}

/// Guards against errors that do not name the bad path or file and the fix, against a zero exit
/// code on failure, and against a mistyped `--db` leaving an empty database behind.
#[test]
fn bad_paths_and_files_fail_with_the_path_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("relay.db");
    let db_arg = db.to_str().unwrap();
    setup(&db);
    let fail = |args: &[&str], expected: &[&str]| {
        let output = relay(args);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {err}");
        for part in expected {
            assert!(err.contains(part), "{args:?}: no {part:?} in {err}");
        }
    };
    let missing = dir.path().join("missing.json");
    fail(
        &[
            "import-desktop",
            "--tenant",
            "acme",
            "--db",
            db_arg,
            missing.to_str().unwrap(),
        ],
        &["missing.json", "result.json", "nothing was imported"],
    );
    let export = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/desktop-export/vorot93__json_export_result.json");
    let truncated = dir.path().join("truncated.json");
    std::fs::write(&truncated, &std::fs::read(export).unwrap()[..2000]).unwrap();
    fail(
        &[
            "import-desktop",
            "--tenant",
            "acme",
            "--db",
            db_arg,
            truncated.to_str().unwrap(),
        ],
        &["truncated.json", "it is truncated", "nothing was imported"],
    );
    let typo = dir.path().join("typo.db");
    fail(
        &[
            "import-desktop",
            "--tenant",
            "acme",
            "--db",
            typo.to_str().unwrap(),
            truncated.to_str().unwrap(),
        ],
        &["no database at", "typo.db", "tenant create"],
    );
    fail(
        &["quarantine", "list", "--db", typo.to_str().unwrap()],
        &["no database at", "typo.db"],
    );
    assert!(!typo.exists(), "a mistyped --db creates nothing");

    let not_db = dir.path().join("notes.txt");
    std::fs::write(
        &not_db,
        "not a database, just some text that is long enough",
    )
    .unwrap();
    fail(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            not_db.to_str().unwrap(),
        ],
        &["notes.txt", "not a database this relay can use", "--db"],
    );
    let under_file = not_db.join("relay.db");
    fail(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            under_file.to_str().unwrap(),
        ],
        &["notes.txt", "pass another --db"],
    );
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    fail(
        &["serve", "--listen", &addr, "--db", db_arg],
        &[&format!("cannot listen on {addr}"), "--listen"],
    );
}

#[test]
fn a_db_address_of_another_scheme_is_refused_and_not_repeated() {
    let dir = tempfile::tempdir().unwrap();
    // A PostgreSQL address is taken, and a server that does not answer is named as such (port 1
    // on loopback refuses at once), without the password.
    for (args, env, expected) in [
        (
            vec![
                "tenant",
                "create",
                "acme",
                "--db",
                "postgres://relay:s3cret@127.0.0.1:1/relay",
            ],
            None,
            &["cannot connect to the PostgreSQL database", "--db"][..],
        ),
        (
            vec!["serve", "--listen", "127.0.0.1:0"],
            Some("mysql://root:s3cret@localhost/x"),
            &[
                "--db",
                "sqlite://PATH",
                "./data/relay.db",
                "postgres://USER",
            ][..],
        ),
    ] {
        let mut command = Command::new(BIN);
        command
            .current_dir(dir.path())
            .args(&args)
            .env_remove("TELEGRAM_RELAY_DB");
        if let Some(url) = env {
            command.env("TELEGRAM_RELAY_DB", url);
        }
        let output = command.output().unwrap();
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {err}");
        for part in expected {
            assert!(err.contains(part), "{args:?}: no {part:?} in {err}");
        }
        assert!(
            !err.contains("s3cret"),
            "the address's password reached stderr: {err}"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{args:?} created something"
        );
    }
    // `sqlite://PATH` names a file.
    let db = dir.path().join("relay.db");
    stdout(&relay(&[
        "tenant",
        "create",
        "acme",
        "--db",
        &format!("sqlite://{}", db.display()),
    ]));
    assert!(db.exists());
}

/// Guards against `demo --db` deleting a database (or any file) that the demo did not make.
#[test]
fn demo_refuses_to_replace_a_database_it_did_not_make() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("relay.db");
    setup(&real);
    let text = dir.path().join("notes.db");
    std::fs::write(&text, "someone's notes").unwrap();
    for path in [&real, &text] {
        let output = relay(&[
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--db",
            path.to_str().unwrap(),
        ]);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{err}");
        assert!(
            err.contains("is not a demo database") && err.contains("--db"),
            "{err}"
        );
    }
    assert_eq!(std::fs::read_to_string(&text).unwrap(), "someone's notes");
    let still_there = relay(&[
        "quarantine",
        "list",
        "--tenant",
        "acme",
        "--db",
        real.to_str().unwrap(),
    ]);
    assert!(still_there.status.success(), "{}", stderr(&still_there));
}

#[test]
fn idle_and_half_sent_connections_do_not_lock_others_out() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("relay.db");
    let (_token, webhook) = setup(&db);
    let server = start(Command::new(BIN).args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--db",
        db.to_str().unwrap(),
        "--max-connections",
        "64",
        "--header-timeout",
        "2",
    ]));
    let addr = server.url.strip_prefix("http://").unwrap().to_owned();
    // 300 connections, far over the cap: half send nothing, half stop inside their headers.
    let held: Vec<std::net::TcpStream> = (0..300)
        .map(|i| {
            let mut s = std::net::TcpStream::connect(&addr).unwrap();
            if i % 2 == 1 {
                s.write_all(b"POST /telegram/webhook/x HTTP/1.1\r\nHost: relay\r\nContent-Le")
                    .unwrap();
            }
            s
        })
        .collect();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        // Generous bounds: they catch a relay that never answers, they time nothing.
        let client = telegram_relay::tls::client()
            .timeout(Duration::from_secs(90))
            .build()
            .unwrap();
        let health = client
            .get(format!("{}/healthz", server.url))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
        let hook = client
            .post(format!("{}/telegram/webhook/{webhook}", server.url))
            .header("x-telegram-bot-api-secret-token", SECRET)
            .json(&update(1))
            .send()
            .await
            .unwrap();
        assert_eq!(hook.status(), 200, "a webhook still gets through");
    });
    // The relay closed the idle and the half-sent ones (end of stream, or a reset).
    for (i, mut s) in held.into_iter().enumerate().take(20) {
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut buf = [0u8; 256];
        let read = s.read(&mut buf);
        assert!(
            matches!(read, Ok(0))
                || read
                    .as_ref()
                    .is_err_and(|e| e.kind() != std::io::ErrorKind::WouldBlock
                        && e.kind() != std::io::ErrorKind::TimedOut),
            "connection {i} was left open: {read:?}"
        );
    }
    let logs: Vec<String> = server.logs.try_iter().collect();
    assert!(
        logs.iter().any(|l| l.contains("connection cap reached")),
        "the cap is logged: {logs:?}"
    );
    let mut child = server.child;
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn sigterm_exits_within_the_deadline_despite_a_half_sent_request() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("relay.db");
    setup(&db);
    let mut server = start(Command::new(BIN).args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--db",
        db.to_str().unwrap(),
        "--header-timeout",
        "120",
        "--shutdown-deadline",
        "2",
    ]));
    let addr = server.url.strip_prefix("http://").unwrap().to_owned();
    let _held: Vec<std::net::TcpStream> = (0..20)
        .map(|_| {
            let mut s = std::net::TcpStream::connect(&addr).unwrap();
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: rel").unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300)); // accepted by now
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    // Without the deadline the relay would wait for the 120 s header timeout.
    let mut exited = None;
    for _ in 0..600 {
        if let Some(code) = server.child.try_wait().unwrap() {
            exited = Some(code);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let Some(code) = exited else {
        server.child.kill().unwrap();
        panic!("the relay did not exit within 60 s of SIGTERM");
    };
    assert!(code.success(), "{code:?}");
    let logs: Vec<String> = server.logs.try_iter().collect();
    assert!(
        logs.iter().any(|l| l.contains("shutdown deadline passed")),
        "{logs:?}"
    );
}

#[test]
fn a_rotated_or_revoked_token_and_a_removed_bot_stop_working_at_once_in_a_running_relay() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("relay.db");
    let db_arg = db.to_str().unwrap();
    let (token, webhook) = setup(&db);
    let mut server = serve(&db);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let status_with = |token: &str| {
        runtime.block_on(async {
            telegram_relay::tls::client()
                .build()
                .unwrap()
                .get(format!("{}/v1/directory", server.url))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    };
    let post_update = |id: i64| {
        runtime.block_on(async {
            telegram_relay::tls::client()
                .build()
                .unwrap()
                .post(format!("{}/telegram/webhook/{webhook}", server.url))
                .header("x-telegram-bot-api-secret-token", SECRET)
                .json(&update(id))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    };
    assert_eq!(status_with(&token), 200);
    assert_eq!(post_update(1), 200);

    // Another process rotates the token: the running relay refuses the old one on its next request.
    let rotated = relay(&["tenant", "rotate-token", "acme", "--db", db_arg]);
    assert!(rotated.status.success(), "{}", stderr(&rotated));
    let new_token = stdout(&rotated).trim().to_owned();
    assert!(new_token.starts_with("tgr_") && new_token != token);
    assert_eq!(status_with(&token), 401, "the old token stops at once");
    assert_eq!(status_with(&new_token), 200);

    let revoked = relay(&["tenant", "revoke", "acme", "--db", db_arg]);
    assert!(revoked.status.success(), "{}", stderr(&revoked));
    assert!(stderr(&revoked).contains("rotate-token"));
    assert_eq!(
        status_with(&new_token),
        401,
        "a revoked token stops at once"
    );
    let again = relay(&["tenant", "rotate-token", "acme", "--db", db_arg]);
    assert_eq!(
        status_with(stdout(&again).trim()),
        200,
        "a rotation lifts the revocation"
    );
    let missing = relay(&["tenant", "revoke", "nobody", "--db", db_arg]);
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("no tenant named \"nobody\""),
        "{}",
        stderr(&missing)
    );

    let listed = relay(&["bot", "list", "--tenant", "acme", "--db", db_arg]);
    assert_eq!(stdout(&listed).trim(), webhook);
    let wrong = relay(&["bot", "remove", "--tenant", "acme", "nope", "--db", db_arg]);
    assert!(!wrong.status.success());
    assert!(
        stderr(&wrong).contains("bot list --tenant acme"),
        "{}",
        stderr(&wrong)
    );
    let removed = relay(&[
        "bot", "remove", "--tenant", "acme", &webhook, "--db", db_arg,
    ]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    assert_eq!(
        post_update(2),
        404,
        "the removed bot's webhook answers 404 at once"
    );
    assert_eq!(
        stdout(&relay(&["bot", "list", "--tenant", "acme", "--db", db_arg])),
        ""
    );
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}

/// Serves `app` (a double's router) on a free loopback port from a thread of its own, since
/// these tests drive the relay binary synchronously; answers its address.
fn serve_double(app: axum::Router) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            listener.set_nonblocking(true).unwrap();
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    url
}

/// The Zendesk double on loopback; returns it and its address.
fn zendesk_double(faults: zendesk_double::limits::Faults) -> (zendesk_double::Double, String) {
    use zendesk_double::{Double, seed};
    let double = Double::open(None, seed::hand_made(), seed::DEMO_API_TOKEN.into()).unwrap();
    double.set_faults(faults).unwrap();
    let url = serve_double(zendesk_double::app(double.clone()));
    (double, url)
}

/// A relay database with tenant `acme` and a bot, a key file, and the double.
struct CrmSetup {
    dir: tempfile::TempDir,
    db: std::path::PathBuf,
    webhook: String,
    key: std::path::PathBuf,
    double: zendesk_double::Double,
    zendesk: String,
}

impl CrmSetup {
    fn new(faults: zendesk_double::limits::Faults) -> CrmSetup {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("relay.db");
        let (_token, webhook) = setup(&db);
        let key = dir.path().join("relay.key");
        std::fs::write(&key, stdout(&relay(&["key", "generate"]))).unwrap();
        let (double, zendesk) = zendesk_double(faults);
        CrmSetup {
            dir,
            db,
            webhook,
            key,
            double,
            zendesk,
        }
    }

    fn db_arg(&self) -> &str {
        self.db.to_str().unwrap()
    }

    fn key_arg(&self) -> &str {
        self.key.to_str().unwrap()
    }
}

#[test]
fn sigkill_with_a_thousand_sync_jobs_queued_ends_with_one_contact_per_person() {
    use zendesk_double::limits::Faults;
    use zendesk_double::seed;
    const PEOPLE: i64 = 1_000;
    // Slow answers, after the write: a contact exists for 40 ms before the relay hears of it.
    let c = CrmSetup::new(Faults {
        rate_limit: 60_000,
        slow_ms: 40,
        ..Faults::default()
    });
    let (db, double, zendesk, webhook) = (&c.db, &c.double, &c.zendesk, &c.webhook);
    let (db_arg, key_arg) = (c.db_arg(), c.key_arg());
    let status = || {
        stdout(&relay(&[
            "crm", "status", "--tenant", "acme", "--db", db_arg,
        ]))
    };
    let created = || {
        double
            .snapshot()
            .users
            .into_values()
            .filter(|u| u.external_id.is_some())
            .collect::<Vec<_>>()
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();

    // 1,000 people write before the tenant is connected (as after a Desktop import).
    let mut before = serve(db);
    runtime.block_on(async {
        let client = telegram_relay::tls::client().build().unwrap();
        for n in 0..PEOPLE {
            let person = 4_300_000_000 + n;
            let response = client
                .post(format!("{}/telegram/webhook/{webhook}", before.url))
                .header("x-telegram-bot-api-secret-token", SECRET)
                .json(&json!({"update_id": n + 1, "message": {
                    "message_id": n + 1, "date": 1_700_000_000 + n,
                    "from": {"id": person, "is_bot": false, "first_name": format!("Queued {n}")},
                    "chat": {"id": person, "first_name": format!("Queued {n}"), "type": "private"},
                    "text": "hello"}}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
        }
    });
    before.child.kill().unwrap();
    before.child.wait().unwrap();

    let connect = Command::new(BIN)
        .args([
            "crm",
            "connect",
            "zendesk",
            "--tenant",
            "acme",
            "--url",
            zendesk,
            "--email",
            "alex@example.com",
            "--username-field",
            "telegramUsername",
            "--rate",
            "60000",
            "--key-file",
            key_arg,
            "--db",
            db_arg,
        ])
        .env("TELEGRAM_RELAY_ZENDESK_TOKEN", seed::DEMO_API_TOKEN)
        .output()
        .unwrap();
    stdout(&connect);
    let dry = stdout(&relay(&[
        "crm",
        "backfill",
        "--tenant",
        "acme",
        "--dry-run",
        "--key-file",
        key_arg,
        "--db",
        db_arg,
    ]));
    assert!(dry.contains("create 1000"), "{dry}");
    let queued = stdout(&relay(&[
        "crm", "backfill", "--tenant", "acme", "--db", db_arg,
    ]));
    assert!(queued.starts_with("queued 1000 sender(s)"), "{queued}");
    assert!(
        status().contains("backlog: 1000 sender(s) waiting"),
        "{}",
        status()
    );
    assert!(created().is_empty());

    // Sync, and kill -9 midway.
    let serve_synced = || {
        start(Command::new(BIN).args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            db_arg,
            "--key-file",
            key_arg,
            // The killed relay's jobs are taken again 2 s after the restart, not 2 min.
            "--sync-lease",
            "2",
        ]))
    };
    let mut syncing = serve_synced();
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    // Killed just after the 100th contact is written, before the relay can have recorded it.
    while created().len() < 100 {
        assert!(std::time::Instant::now() < deadline, "{}", status());
        std::thread::sleep(Duration::from_millis(2));
    }
    syncing.child.kill().unwrap();
    syncing.child.wait().unwrap();
    let at_kill = created().len();
    assert!(at_kill < PEOPLE as usize, "the kill came midway");

    let mut restarted = serve_synced();
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    while !status().contains("backlog: none") {
        assert!(std::time::Instant::now() < deadline, "{}", status());
        std::thread::sleep(Duration::from_millis(200));
    }
    restarted.child.kill().unwrap();
    restarted.child.wait().unwrap();

    let contacts = created();
    let mut senders: Vec<String> = contacts
        .iter()
        .map(|u| u.user_fields["senderId"].as_str().unwrap().to_owned())
        .collect();
    senders.sort();
    senders.dedup();
    assert_eq!(
        (contacts.len(), senders.len()),
        (PEOPLE as usize, PEOPLE as usize)
    );
    let report = status();
    assert!(
        report.contains(&format!("counts: {PEOPLE} created, 0 linked")),
        "created {at_kill} before the kill; {report}"
    );
    assert!(report.contains("dead letters: 0"), "{report}");
}

#[test]
fn crm_commands_check_before_storing_seal_the_token_and_never_show_it() {
    use zendesk_double::limits::Faults;
    use zendesk_double::seed;
    let c = CrmSetup::new(Faults::default());
    let (double, zendesk, webhook) = (&c.double, &c.zendesk, &c.webhook);
    let (db_arg, key_arg) = (c.db_arg(), c.key_arg());
    let connect = |token: &str, extra: &[&str], with_key: bool| {
        let mut args = vec![
            "crm", "connect", "zendesk", "--tenant", "acme", "--url", &zendesk, "--db", db_arg,
        ];
        args.extend_from_slice(extra);
        if with_key {
            args.extend_from_slice(&["--key-file", key_arg]);
        }
        Command::new(BIN)
            .args(&args)
            .env("TELEGRAM_RELAY_ZENDESK_TOKEN", token)
            .env_remove("TELEGRAM_RELAY_KEY")
            .output()
            .unwrap()
    };
    let status = || relay(&["crm", "status", "--tenant", "acme", "--db", db_arg]);
    let admin = ["--email", "alex@example.com"];

    // Each refusal names what is wrong and how to fix it, and stores nothing.
    let no_key = connect(seed::DEMO_API_TOKEN, &admin, false);
    assert!(!no_key.status.success());
    assert!(
        stderr(&no_key).contains("key generate"),
        "{}",
        stderr(&no_key)
    );
    let wrong = connect("not-the-token", &admin, true);
    assert!(!wrong.status.success());
    assert!(
        stderr(&wrong).contains("check the email and the token"),
        "{}",
        stderr(&wrong)
    );
    assert!(!stderr(&wrong).contains("not-the-token"));
    let light = connect(seed::DEMO_API_TOKEN, &["--email", "lee@example.com"], true);
    assert!(stderr(&light).contains("light agent"), "{}", stderr(&light));
    let field = connect(
        seed::DEMO_API_TOKEN,
        &["--email", "alex@example.com", "--field", "telegramId"],
        true,
    );
    let said = stderr(&field);
    assert!(
        said.contains("\"telegramId\"") && said.contains("senderId, telegramUsername"),
        "{said}"
    );
    assert!(!status().status.success(), "nothing was stored");

    // An OAuth access token (Bearer) is accepted as well; then the API token replaces it.
    double.grant_oauth("oauth-access-token", "alex@example.com");
    stdout(&connect("oauth-access-token", &["--oauth"], true));
    assert!(stdout(&status()).contains("(OAuth token)"));
    stdout(&connect(
        seed::DEMO_API_TOKEN,
        &[
            "--email",
            "alex@example.com",
            "--username-field",
            "telegramUsername",
        ],
        true,
    ));
    let shown = stdout(&status());
    assert!(shown.contains("state: active"), "{shown}");
    assert!(shown.contains("API token of alex@example.com"), "{shown}");

    // A message is synced by `serve`, logging at trace; the token is in no log line, no status
    // and no byte of the database.
    let mut server = start(
        Command::new(BIN)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--db",
                db_arg,
                "--key-file",
                key_arg,
            ])
            .env("RUST_LOG", "trace"),
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let response = telegram_relay::tls::client()
            .build()
            .unwrap()
            .post(format!("{}/telegram/webhook/{webhook}", server.url))
            .header("x-telegram-bot-api-secret-token", SECRET)
            .json(&update(1))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !stdout(&status()).contains("counts: 1 created") {
        assert!(
            std::time::Instant::now() < deadline,
            "{}",
            stdout(&status())
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let logs: Vec<String> = server.logs.try_iter().collect();
    assert!(logs.len() > 10, "trace logging ran: {logs:?}");
    for line in &logs {
        assert!(!line.contains(seed::DEMO_API_TOKEN), "{line}");
        assert!(!line.contains("oauth-access-token"), "{line}");
    }
    assert!(!stdout(&status()).contains(seed::DEMO_API_TOKEN));
    for file in std::fs::read_dir(c.dir.path()).unwrap() {
        let path = file.unwrap().path();
        if path.to_str().unwrap().contains("relay.db") {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes
                    .windows(seed::DEMO_API_TOKEN.len())
                    .any(|w| w == seed::DEMO_API_TOKEN.as_bytes()),
                "{} holds the token in the clear",
                path.display()
            );
        }
    }

    // Disconnect: nothing is queued any more, nothing in Zendesk is deleted.
    let before = double.snapshot().users.len();
    stdout(&relay(&[
        "crm",
        "disconnect",
        "--tenant",
        "acme",
        "--db",
        db_arg,
    ]));
    assert!(stdout(&status()).contains("state: disconnected"));
    assert_eq!(double.snapshot().users.len(), before);
}

/// The Telegram Bot API double on loopback; returns it and its address.
fn telegram_double(bot: &telegram_double::Bot) -> (telegram_double::Double, String) {
    let double = telegram_double::Double::new(vec![bot.clone()]);
    let url = serve_double(telegram_double::app(double.clone()));
    (double, url)
}

#[test]
fn bot_tokens_are_checked_and_sealed_and_a_crash_mid_send_never_sends_twice() {
    let bot = telegram_double::Bot::new(7_000_002, "crash_shop_bot");
    let (telegram, api) = telegram_double(&bot);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("relay.db");
    let db_arg = db.to_str().unwrap();
    let token = stdout(&relay(&["tenant", "create", "acme", "--db", db_arg]))
        .trim()
        .to_owned();
    let key = dir.path().join("relay.key");
    std::fs::write(&key, stdout(&relay(&["key", "generate"]))).unwrap();
    let key_arg = key.to_str().unwrap();
    let add = |token_var: &str, extra: &[&str]| {
        let mut args = vec![
            "bot",
            "add",
            "--tenant",
            "acme",
            "--secret",
            SECRET,
            "--token-env",
            "BOT_TOKEN",
            "--telegram-api-url",
            &api,
            "--key-file",
            key_arg,
            "--db",
            db_arg,
        ];
        args.extend_from_slice(extra);
        Command::new(BIN)
            .args(&args)
            .env("BOT_TOKEN", token_var)
            .output()
            .unwrap()
    };
    // A wrong token is refused before anything is stored, and says where to get the right one.
    let wrong = add("1:not-a-token", &[]);
    assert!(!wrong.status.success());
    assert!(stderr(&wrong).contains("BotFather"), "{}", stderr(&wrong));
    assert!(!stderr(&wrong).contains("not-a-token"));
    assert_eq!(
        stdout(&relay(&["bot", "list", "--tenant", "acme", "--db", db_arg])),
        ""
    );
    // With --public-url the relay sets the webhook itself.
    let added = add(&bot.token, &["--public-url", "https://relay.example.com/"]);
    let webhook = stdout(&added).trim().to_owned();
    assert!(
        stderr(&added).contains("@crash_shop_bot"),
        "{}",
        stderr(&added)
    );
    let hook = telegram.webhook(bot.id).unwrap();
    assert_eq!(
        hook.url,
        format!("https://relay.example.com/telegram/webhook/{webhook}")
    );
    assert_eq!(hook.secret_token.as_deref(), Some(SECRET));
    assert!(
        hook.allowed_updates
            .unwrap()
            .contains(&"business_message".to_owned())
    );
    // set-token replaces it (same check).
    let set = Command::new(BIN)
        .args([
            "bot",
            "set-token",
            "--webhook",
            &webhook,
            "--token-env",
            "BOT_TOKEN",
            "--telegram-api-url",
            &api,
            "--key-file",
            key_arg,
            "--db",
            db_arg,
        ])
        .env("BOT_TOKEN", &bot.token)
        .output()
        .unwrap();
    assert!(stderr(&set).contains("@crash_shop_bot"), "{}", stderr(&set));
    let bytes = std::fs::read(&db).unwrap();
    assert!(
        !bytes
            .windows(bot.token.len())
            .any(|w| w == bot.token.as_bytes()),
        "the bot token is sealed at rest"
    );

    let serve_it = || {
        start(Command::new(BIN).args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            db_arg,
            "--key-file",
            key_arg,
            "--telegram-api-url",
            &api,
        ]))
    };
    let mut server = serve_it();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let http = telegram_relay::tls::client().build().unwrap();
    let reply = |url: String| {
        let http = http.clone();
        let token = token.clone();
        async move {
            http.post(format!("{url}/v1/people/4200000001/messages"))
                .bearer_auth(&token)
                .json(&json!({"text": "Enviado hoy", "client_id": "crash-1", "agent": "Ann"}))
                .send()
                .await
        }
    };
    runtime.block_on(async {
        let r = http
            .post(format!("{}/telegram/webhook/{webhook}", server.url))
            .header("x-telegram-bot-api-secret-token", SECRET)
            .json(&update(1))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    });
    // Telegram takes the message, then its answer is slow: the relay is killed before it hears.
    telegram.set_faults(telegram_double::Faults {
        slow_ms: 3_000,
        ..telegram_double::Faults::default()
    });
    let pending = runtime.spawn(reply(server.url.clone()));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while telegram.sent().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the reply never reached Telegram"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    assert!(
        runtime.block_on(pending).unwrap().is_err(),
        "the POST saw the relay die"
    );
    telegram.set_faults(telegram_double::Faults::default());

    // The retried POST is refused: the outcome is unknown, and sending again could double it.
    let mut restarted = serve_it();
    let (status, body) = runtime.block_on(async {
        let r = reply(restarted.url.clone()).await.unwrap();
        (r.status(), r.json::<Value>().await.unwrap())
    });
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "send_in_progress");
    assert_eq!(telegram.sent().len(), 1, "sent at most once");
    restarted.child.kill().unwrap();
    restarted.child.wait().unwrap();
    let logs: Vec<String> = restarted.logs.try_iter().collect();
    assert!(logs.iter().all(|l| !l.contains(&bot.token)));
}
