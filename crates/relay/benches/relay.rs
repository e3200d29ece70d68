//! The relay's performance report (not a test): `cargo bench -p telegram-relay --bench relay`.
//!
//! Prints, from one run on this machine, for SQLite and then for PostgreSQL (a throwaway cluster
//! with `fsync` on, started by the report itself):
//! 1. durable webhook ingest with 40 concurrent connections against the real binary, next to a
//!    trivial axum handler (this same executable in `ceiling-server` mode) as the ceiling; on
//!    PostgreSQL also two relay processes sharing the database, the connections spread over both;
//! 2. conversation page latency (p50/p99 over HTTP) with 1,000,000 stored messages;
//! 3. directory download time for 100,000 people, and search among them;
//! 4. the relay process's resident memory (VmRSS now, VmHWM peak);
//!
//! and once, on SQLite:
//!
//! 5. a Telegram Desktop import of 1,000,000 messages (`import-desktop`, a separate process) into
//!    the database a serving relay uses: its time and peak memory against the file's size, and
//!    webhook latency while it runs against the same relay idle (baseline, same run).
//!
//! Environment: `BENCH_INGEST_UPDATES` (default 30000), `BENCH_MESSAGES` (default 1000000) and
//! `BENCH_IMPORT_MESSAGES` (default 1000000).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

use serde_json::{Value, json};
use telegram_identity::SenderId;
use telegram_relay::cursor;
use telegram_relay::store::{Database, MessagePosition, Storage};

#[allow(dead_code)] // the tests use all of it
#[path = "../tests/common/postgres.rs"]
mod cluster;

const BIN: &str = env!("CARGO_BIN_EXE_telegram-relay");
const SECRET: &str = "bench-secret";
const CONNECTIONS: usize = 40;

fn main() {
    if std::env::args().any(|a| a == "ceiling-server") {
        ceiling_server();
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this executable without it.
    // Then a smoke run with small sizes checks that the report still works, quickly.
    let full = std::env::args().any(|a| a == "--bench");
    let env_num = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let ingest_updates = env_num("BENCH_INGEST_UPDATES", if full { 30_000 } else { 400 }) as i64;
    let message_count = env_num("BENCH_MESSAGES", if full { 1_000_000 } else { 2_000 });
    let people_count = if full { 100_000 } else { 1_000 };
    let import_messages = env_num(
        "BENCH_IMPORT_MESSAGES",
        if full { 1_000_000 } else { 5_000 },
    );
    let samples = if full { 1_000 } else { 20 };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();

    if !full {
        println!(
            "smoke run of the performance report (sizes reduced; run `cargo bench` for figures)"
        );
    }
    println!(
        "telegram-relay performance report ({} cores)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();

    let exe = std::env::current_exe().unwrap();
    let mut ceiling = serve_exe(exe.to_str().unwrap(), &["ceiling-server"]);
    let ceiling_rate = runtime.block_on(ingest(
        &[format!("{}/telegram/webhook/x", ceiling.url)],
        ingest_updates,
        false,
    ));
    stop(&mut ceiling);
    println!(
        "trivial axum handler, {CONNECTIONS} concurrent connections: {ceiling_rate:.0} requests/s \
         (the ceiling: same client, no storage)"
    );
    println!();
    let sizes = Sizes {
        ingest_updates,
        message_count,
        people_count,
        samples,
    };
    backend_report(
        &runtime,
        &Databases::Sqlite(dir.path()),
        &sizes,
        ceiling_rate,
    );
    let cluster = cluster::Cluster::start_durable();
    backend_report(
        &runtime,
        &Databases::Postgres(&cluster),
        &sizes,
        ceiling_rate,
    );
    drop(cluster);

    // 5. A Desktop import while webhooks arrive.
    let db = dir.path().join("import.db");
    let (_, webhook) = setup(db.to_str().unwrap());
    let chats = (import_messages / 1_000).max(1);
    let export = dir.path().join("result.json");
    std::fs::write(
        &export,
        telegram_relay::telegram::desktop::generated_export(chats, import_messages / chats),
    )
    .unwrap();
    let file_mb = std::fs::metadata(&export).unwrap().len() as f64 / 1_048_576.0;
    let mut relay = serve(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--db",
        db.to_str().unwrap(),
    ]);
    let url = format!("{}/telegram/webhook/{webhook}", relay.url);
    let idle = runtime.block_on(webhook_latencies(&url, None));
    let started = Instant::now();
    let import = Command::new(BIN)
        .args([
            "import-desktop",
            "--tenant",
            "bench",
            "--db",
            db.to_str().unwrap(),
        ])
        .arg(&export)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = import.id();
    // The peak so far (VmHWM), read until the process exits: its last reading is the peak.
    let peak = std::thread::spawn(move || {
        let mut last = String::from("?");
        while let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            if let Some(l) = status.lines().find(|l| l.starts_with("VmHWM:")) {
                last = l["VmHWM:".len()..].trim().to_owned();
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        last
    });
    let finished = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let waiter = {
        let finished = finished.clone();
        std::thread::spawn(move || {
            let out = import.wait_with_output().unwrap();
            finished.store(true, Ordering::SeqCst);
            out
        })
    };
    let during = runtime.block_on(webhook_latencies(&url, Some(finished)));
    let out = waiter.join().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seconds = started.elapsed().as_secs_f64();
    let peak = peak.join().unwrap();
    stop(&mut relay);
    let (idle_p50, idle_p99) = percentiles(idle);
    let (busy_p50, busy_p99) = percentiles(during.clone());
    println!(
        "5. Desktop import of {import_messages} messages in {chats} chats ({file_mb:.0} MB file) beside a serving relay:"
    );
    println!(
        "   import: {seconds:.1} s ({:.0} messages/s), peak memory of the import process {peak} ({file_mb:.0} MB file)",
        import_messages as f64 / seconds
    );
    println!(
        "   webhook latency, relay idle:        p50 {idle_p50:>6.2} ms   p99 {idle_p99:>6.2} ms"
    );
    println!(
        "   webhook latency, during the import: p50 {busy_p50:>6.2} ms   p99 {busy_p99:>6.2} ms   ({} webhooks; p50 ratio {:.2}, p99 ratio {:.2})",
        during.len(),
        busy_p50 / idle_p50,
        busy_p99 / idle_p99
    );
}

/// How big the report's data is.
struct Sizes {
    ingest_updates: i64,
    message_count: u64,
    people_count: u64,
    samples: usize,
}

/// Where the report's databases are made.
enum Databases<'a> {
    /// SQLite files in this directory.
    Sqlite(&'a Path),
    /// Databases of this cluster.
    Postgres(&'a cluster::Cluster),
}

impl Databases<'_> {
    /// A new database named `name`, as `--db` takes it.
    fn create(&self, name: &str) -> String {
        match self {
            Databases::Sqlite(dir) => dir.join(format!("{name}.db")).to_str().unwrap().to_owned(),
            Databases::Postgres(cluster) => {
                cluster.psql("postgres", &format!("CREATE DATABASE {name}"));
                cluster.url(name)
            }
        }
    }

    fn label(&self) -> &'static str {
        match self {
            Databases::Sqlite(_) => "SQLite",
            Databases::Postgres(_) => "PostgreSQL",
        }
    }

    fn open(&self, db: &str) -> Database {
        match self {
            Databases::Sqlite(_) => Database::open_sqlite(db.as_ref()).unwrap(),
            Databases::Postgres(_) => Database::open_postgres(db).unwrap(),
        }
    }
}

/// Sections 1 to 4 on one backend.
fn backend_report(
    runtime: &tokio::runtime::Runtime,
    databases: &Databases<'_>,
    sizes: &Sizes,
    ceiling_rate: f64,
) {
    let Sizes {
        ingest_updates,
        message_count,
        people_count,
        samples,
    } = *sizes;
    println!("== {} ==", databases.label());
    // 1. Ingest.
    let db = databases.create("ingest");
    let (_, webhook) = setup(&db);
    let mut relay = serve(&["serve", "--listen", "127.0.0.1:0", "--db", &db]);
    let relay_rate = runtime.block_on(ingest(
        &[format!("{}/telegram/webhook/{webhook}", relay.url)],
        ingest_updates,
        true,
    ));
    let relay_memory = memory(relay.child.id());
    stop(&mut relay);
    println!(
        "1. webhook ingest, {CONNECTIONS} concurrent connections, {ingest_updates} updates, each durable (committed, fsync'd) before its 200:"
    );
    println!("   relay:                 {relay_rate:>8.0} updates/s");
    println!(
        "   ratio relay/ceiling:   {:>8.2}",
        relay_rate / ceiling_rate
    );
    println!("   relay memory after ingest: {relay_memory}");
    if let Databases::Postgres(_) = databases {
        let db = databases.create("ingest_two");
        let (_, webhook) = setup(&db);
        let mut relays = [0, 1].map(|_| serve(&["serve", "--listen", "127.0.0.1:0", "--db", &db]));
        let urls = relays
            .each_ref()
            .map(|r| format!("{}/telegram/webhook/{webhook}", r.url));
        let two_rate = runtime.block_on(ingest(&urls, ingest_updates, true));
        relays.iter_mut().for_each(stop);
        println!(
            "   two relay processes on the database, connections spread over both: {two_rate:.0} \
             updates/s (ratio to one process {:.2})",
            two_rate / relay_rate
        );
    }
    println!();

    // 2. Conversation pages at 1,000,000 messages, and 3. the directory of 100,000 people.
    let db = databases.create("big");
    let (token, webhook) = setup(&db);
    let fill_started = Instant::now();
    let person = SenderId::new(4_100_000_001).unwrap();
    {
        let store = databases.open(&db);
        let tenant = store.tenant_by_name("bench").unwrap().unwrap();
        // The person arrives through the webhook code path first; the bulk rows follow.
        let update = json!({"update_id": 1, "message": {"message_id": 1, "date": 1_600_000_000,
            "from": {"id": person.get(), "is_bot": false, "first_name": "Bench"},
            "chat": {"id": person.get(), "first_name": "Bench", "type": "private"}, "text": "first"}});
        let parsed = telegram_relay::api::webhook::prepare(update.to_string().as_bytes()).unwrap();
        let bot = store.bot(&webhook).unwrap().unwrap();
        store.ingest_update(&bot, parsed, 0).unwrap();
        store
            .bulk_insert_messages(tenant, person, message_count, 1_600_000_100)
            .unwrap();
        store.bulk_insert_people(tenant, people_count).unwrap();
        store.close();
    }
    if let Databases::Postgres(cluster) = databases {
        // What autovacuum does soon after a bulk load: without statistics the planner reads
        // every person for a search.
        cluster.psql("big", "ANALYZE");
    }
    let fill_seconds = fill_started.elapsed().as_secs_f64();
    let mut relay = serve(&["serve", "--listen", "127.0.0.1:0", "--db", &db]);
    let (newest, deep, polls) =
        runtime.block_on(pages(&relay.url, &token, person, message_count, samples));
    println!(
        "2. conversation pages of 50 over HTTP, one person with {message_count} messages (bulk fill took {fill_seconds:.1} s):"
    );
    println!(
        "   newest page:              p50 {:>6.2} ms   p99 {:>6.2} ms",
        newest.0, newest.1
    );
    println!(
        "   `before` at random depth: p50 {:>6.2} ms   p99 {:>6.2} ms",
        deep.0, deep.1
    );
    println!(
        "   `after` poll (no news):   p50 {:>6.2} ms   p99 {:>6.2} ms",
        polls.0, polls.1
    );
    println!();
    let (median, bytes) = runtime.block_on(directory(&relay.url, &token, people_count + 1));
    println!(
        "3. directory download, {} people in pages of 10,000: median {median:.0} ms over 5 runs ({:.1} MB JSON)",
        people_count + 1,
        bytes as f64 / 1e6
    );
    let search = runtime.block_on(search(&relay.url, &token, people_count, samples));
    println!(
        "   search among them (`q` = a folded name, `ivanova` for Иванова): p50 {:>6.2} ms   p99 {:>6.2} ms",
        search.0, search.1
    );
    println!();
    println!(
        "4. relay memory after serving the {message_count}-message database: {}",
        memory(relay.child.id())
    );
    stop(&mut relay);
    println!();
}

/// Posts webhook updates one after another (each waits for its 200) and answers each one's
/// latency in ms: 300 of them, or, with `until`, until it is set.
async fn webhook_latencies(
    url: &str,
    until: Option<Arc<std::sync::atomic::AtomicBool>>,
) -> Vec<f64> {
    let client = telegram_relay::tls::client().build().unwrap();
    let count = if until.is_some() { usize::MAX } else { 300 };
    let mut out = Vec::new();
    static NEXT: AtomicI64 = AtomicI64::new(10_000_000);
    for _ in 0..count {
        if until.as_ref().is_some_and(|f| f.load(Ordering::SeqCst)) {
            break;
        }
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        let body = json!({"update_id": id, "message": {"message_id": id, "date": 1_700_000_000,
            "from": {"id": 5_100_000_000i64 + id % 100, "is_bot": false, "first_name": "Live"},
            "chat": {"id": 5_100_000_000i64 + id % 100, "first_name": "Live", "type": "private"},
            "text": "¿Está abierta la tienda?"}});
        let started = Instant::now();
        let response = client
            .post(url)
            .header("x-telegram-bot-api-secret-token", SECRET)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        out.push(started.elapsed().as_secs_f64() * 1e3);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    if out.is_empty() {
        out.push(0.0);
    }
    out
}

/// Creates tenant `bench` and a bot with the real commands; answers (install token, webhook ID).
fn setup(db_arg: &str) -> (String, String) {
    let run = |args: &[&str]| {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let token = run(&["tenant", "create", "bench", "--db", db_arg]);
    let webhook = run(&[
        "bot", "add", "--tenant", "bench", "--secret", SECRET, "--db", db_arg,
    ]);
    (token, webhook)
}

struct Server {
    child: Child,
    url: String,
}

/// Starts the relay with `args`, without the per-token rate limit: the report measures latency,
/// and it sends thousands of requests a minute with one token.
fn serve(args: &[&str]) -> Server {
    let mut all = args.to_vec();
    all.extend(["--rate-limit", "0"]);
    serve_exe(BIN, &all)
}

fn serve_exe(exe: &str, args: &[&str]) -> Server {
    let mut child = Command::new(exe)
        .args(args)
        .env("RUST_LOG", "warn,telegram_relay::cli=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("the server logs `listening`").unwrap();
        if let Some(addr) = line
            .split("addr=")
            .nth(1)
            .filter(|_| line.contains("listening"))
        {
            break format!("http://{}", addr.split_whitespace().next().unwrap());
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Server { child, url }
}

fn stop(server: &mut Server) {
    let _ = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status();
    let _ = server.child.wait();
}

fn memory(pid: u32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .map(|l| l[name.len()..].trim().to_owned())
            .unwrap_or_else(|| "?".into())
    };
    format!("VmRSS {}, VmHWM {}", field("VmRSS:"), field("VmHWM:"))
}

/// Sends `total` updates over `CONNECTIONS` connections spread over `urls`; updates per second.
async fn ingest(urls: &[String], total: i64, check: bool) -> f64 {
    let next = Arc::new(AtomicI64::new(1));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for connection in 0..CONNECTIONS {
        let (url, next) = (urls[connection % urls.len()].clone(), next.clone());
        tasks.spawn(async move {
            let client = telegram_relay::tls::client().build().unwrap();
            loop {
                let id = next.fetch_add(1, Ordering::Relaxed);
                if id > total {
                    break;
                }
                let user = 5_000_000_000 + id % 5_000; // 5,000 people
                let body = json!({"update_id": id, "message": {"message_id": id, "date": 1_700_000_000 + id,
                    "from": {"id": user, "is_bot": false, "first_name": "Load", "last_name": "Test"},
                    "chat": {"id": user, "first_name": "Load", "last_name": "Test", "type": "private"},
                    "text": "Hola, ¿tenéis tazas azules en stock? Necesito doce para un regalo."}});
                let response = client
                    .post(&url)
                    .header("x-telegram-bot-api-secret-token", SECRET)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200);
                if check {
                    assert_eq!(response.headers()["x-relay-outcome"], "stored");
                }
            }
        });
    }
    tasks.join_all().await;
    total as f64 / started.elapsed().as_secs_f64()
}

fn percentiles(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    (at(0.50), at(0.99))
}

async fn timed_get(client: &reqwest::Client, url: &str, token: &str) -> (f64, Value) {
    let started = Instant::now();
    let response = client.get(url).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    let body: Value = response.json().await.unwrap();
    (started.elapsed().as_secs_f64() * 1e3, body)
}

async fn pages(
    url: &str,
    token: &str,
    person: SenderId,
    count: u64,
    samples: usize,
) -> ((f64, f64), (f64, f64), (f64, f64)) {
    let client = telegram_relay::tls::client().build().unwrap();
    let base = format!("{url}/v1/people/{person}/messages");
    let mut newest = Vec::new();
    let mut newer = String::new();
    for i in 0..samples + samples / 10 {
        let (ms, body) = timed_get(&client, &format!("{base}?limit=50"), token).await;
        assert_eq!(body["messages"].as_array().unwrap().len(), 50);
        newer = body["newer"].as_str().unwrap().to_owned();
        if i >= samples / 10 {
            newest.push(ms); // the first tenth warms the connection and the page cache
        }
    }
    // Random depths: bulk message i (row id i + 2) was sent at 1_600_000_100 + 60 i.
    let mut deep = Vec::new();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..samples {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let i = (x % count) as i64;
        let c = cursor::before(MessagePosition {
            sent_at: 1_600_000_100 + 60 * i,
            id: i + 2,
        });
        let (ms, body) = timed_get(&client, &format!("{base}?limit=50&before={c}"), token).await;
        assert!(!body["messages"].as_array().unwrap().is_empty() || i < 2);
        deep.push(ms);
    }
    let mut polls = Vec::new();
    for _ in 0..samples {
        let (ms, body) = timed_get(&client, &format!("{base}?after={newer}"), token).await;
        assert_eq!(body["messages"], json!([]));
        polls.push(ms);
    }
    (percentiles(newest), percentiles(deep), percentiles(polls))
}

async fn search(url: &str, token: &str, people: u64, samples: usize) -> (f64, f64) {
    let client = telegram_relay::tls::client().build().unwrap();
    let mut ms = Vec::new();
    for q in telegram_relay::store::bench_search_words(people, samples) {
        let url = format!("{url}/v1/people?q={}&limit=20", q.replace(' ', "%20"));
        let (t, body) = timed_get(&client, &url, token).await;
        assert!(!body["people"].as_array().unwrap().is_empty(), "{q}");
        ms.push(t);
    }
    percentiles(ms)
}

async fn directory(url: &str, token: &str, expected: u64) -> (f64, usize) {
    let client = telegram_relay::tls::client().build().unwrap();
    let mut runs = Vec::new();
    let mut bytes = 0;
    for _ in 0..5 {
        let started = Instant::now();
        let mut after = String::new();
        let mut people = 0;
        bytes = 0;
        loop {
            let response = client
                .get(format!("{url}/v1/directory?limit=10000{after}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            let text = response.text().await.unwrap();
            bytes += text.len();
            let page: Value = serde_json::from_str(&text).unwrap();
            people += page["people"].as_array().unwrap().len();
            after = format!("&after={}", page["next"].as_str().unwrap());
            if page["has_more"] == false {
                break;
            }
        }
        assert_eq!(people as u64, expected);
        runs.push(started.elapsed().as_secs_f64() * 1e3);
    }
    runs.sort_by(f64::total_cmp);
    (runs[runs.len() / 2], bytes)
}

/// The ceiling: an axum server whose webhook handler reads the body and answers 200.
fn ceiling_server() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let app = axum::Router::new().route(
            "/telegram/webhook/{id}",
            axum::routing::post(|body: axum::body::Bytes| async move {
                std::hint::black_box(body);
                ""
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        eprintln!("listening addr={}", listener.local_addr().unwrap());
        axum::serve(listener, app).await.unwrap();
    });
}
