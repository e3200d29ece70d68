//! The CRM sync's performance report (not a test): `cargo bench -p telegram-relay --bench sync`.
//!
//! Against the Zendesk double over loopback HTTP, with the relay's webhook, a real SQLite file and
//! the sync worker, all in this process:
//! 1. throughput: new Telegram people queued at once, drained at the connection's rate, for
//!    Zendesk's smallest plan (200 requests/min, the default `--rate`) and the High Volume add-on
//!    (2,500/min), next to the same work with no rate limit (the worker's own ceiling) and the
//!    rate's ideal (two requests a new person: a search, a create);
//! 2. latency: from the webhook's 200 to the contact visible in the CRM, one new person at a
//!    time (median and p99).
//!
//! `cargo test --all-targets` runs this executable without `--bench`: a smoke run with small
//! sizes checks the report still works, quickly.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use telegram_relay::crm::secret::{Key, Secret, generate};
use telegram_relay::crm::{Auth, Connection, sync};
use telegram_relay::store::{Bot, Database, Storage, TenantId};
use telegram_relay::{AppState, Config, app, auth};
use tokio::sync::Notify;
use zendesk_double::limits::Faults;
use zendesk_double::{Double, seed};

const SECRET: &str = "bench-secret";

/// One relay + double + worker, connected at `rate` requests/min (the double allows as many).
struct Stack {
    relay: String,
    webhook: String,
    store: Arc<Database>,
    tenant: TenantId,
    double: Double,
    http: reqwest::Client,
    stop: Arc<Notify>,
    _dir: tempfile::TempDir,
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.stop.notify_one();
    }
}

async fn stack(rate: u32) -> Stack {
    let double = Double::open(None, seed::hand_made(), seed::DEMO_API_TOKEN.into()).unwrap();
    double
        .set_faults(Faults {
            rate_limit: rate,
            ..Faults::default()
        })
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let zendesk = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, zendesk_double::app(double.clone())).into_future());

    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Database::open_sqlite(&dir.path().join("relay.db")).unwrap());
    let tenant = store
        .create_tenant("bench", auth::hash(auth::new_token().as_bytes()), 1)
        .unwrap();
    let webhook = auth::new_webhook_id();
    store
        .add_bot(
            &Bot {
                webhook_id: webhook.clone(),
                tenant_id: tenant,
                secret_hash: auth::hash(SECRET.as_bytes()),
            },
            1,
        )
        .unwrap();
    let key = Arc::new(Key::from_hex(&generate(), "the bench key").unwrap());
    store
        .crm_connect(
            Connection {
                tenant,
                url: zendesk,
                auth: Auth::ApiToken {
                    email: "alex@example.com".into(),
                },
                sealed_token: key.seal(tenant, &Secret::new(seed::DEMO_API_TOKEN.into())),
                sender_field: seed::SENDER_ID_FIELD.into(),
                username_field: Some(seed::USERNAME_FIELD.into()),
                create: true,
                rate,
            },
            telegram_relay::now(),
        )
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let relay = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(store.clone(), Config::default());
    let wake = state.sync_wake();
    tokio::spawn(axum::serve(listener, app(state)).into_future());
    let stop = Arc::new(Notify::new());
    let stopped = stop.clone();
    tokio::spawn(sync::run(
        store.clone(),
        key,
        wake,
        sync::Options::default(),
        async move { stopped.notified().await },
    ));
    Stack {
        relay,
        webhook,
        store,
        tenant,
        double,
        http: telegram_relay::tls::client().build().unwrap(),
        stop,
        _dir: dir,
    }
}

impl Stack {
    async fn say(&self, update_id: i64, from: i64) {
        let response = self
            .http
            .post(format!("{}/telegram/webhook/{}", self.relay, self.webhook))
            .header("x-telegram-bot-api-secret-token", SECRET)
            .json(&json!({"update_id": update_id, "message": {
                "message_id": update_id, "date": 1_760_000_000 + update_id,
                "from": {"id": from, "is_bot": false, "first_name": format!("Person {from}")},
                "chat": {"id": from, "first_name": format!("Person {from}"), "type": "private"},
                "text": "hello"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }

    fn backlog(&self) -> u64 {
        self.store.crm_status(self.tenant).unwrap().unwrap().backlog
    }

    fn visible(&self, sender: i64) -> bool {
        let external = format!("telegram:{sender}");
        self.double
            .snapshot()
            .users
            .values()
            .any(|u| u.external_id.as_deref() == Some(external.as_str()))
    }
}

/// Queues `people` new people, then times the drain; answers contacts per minute.
async fn throughput(rate: u32, people: i64) -> f64 {
    let s = stack(rate).await;
    // The connection is paused while queueing, so the clock starts with the whole backlog.
    s.store
        .crm_set_state(
            s.tenant,
            telegram_relay::crm::State::Paused,
            None,
            telegram_relay::now(),
        )
        .unwrap();
    for n in 0..people {
        s.say(n + 1, 8_000_000 + n).await;
    }
    assert_eq!(s.backlog(), people as u64);
    let start = Instant::now();
    s.store
        .crm_set_state(
            s.tenant,
            telegram_relay::crm::State::Active,
            None,
            telegram_relay::now(),
        )
        .unwrap();
    while s.backlog() > 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let minutes = start.elapsed().as_secs_f64() / 60.0;
    let created = s
        .store
        .crm_status(s.tenant)
        .unwrap()
        .unwrap()
        .counts
        .created;
    assert_eq!(created, people as u64, "every person got one contact");
    people as f64 / minutes
}

/// One new person at a time: milliseconds from the webhook's 200 to the contact in the CRM.
async fn latencies(samples: i64) -> Vec<f64> {
    let s = stack(2_500).await;
    let mut out = Vec::new();
    for n in 0..samples {
        let sender = 9_000_000 + n;
        s.say(n + 1, sender).await;
        let start = Instant::now();
        while !s.visible(sender) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        out.push(start.elapsed().as_secs_f64() * 1000.0);
        // Let the worker record it before the next one.
        while s.backlog() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    out
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    if !full {
        println!("smoke run of the sync report (sizes reduced; run `cargo bench` for figures)");
    }
    println!(
        "telegram-relay CRM sync report ({} cores), against the Zendesk double on loopback",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    // About a minute of work at each rate (two requests a new person).
    let (small, large, ceiling) = if full {
        (100, 1_250, 1_250)
    } else {
        (4, 20, 20)
    };
    runtime.block_on(async {
        let unlimited = throughput(600_000, ceiling).await;
        println!(
            "1. throughput, new people queued at once (contacts/min; ideal = rate / 2 requests):"
        );
        println!("   no rate limit (the worker's ceiling): {unlimited:>8.0}  ({ceiling} people)");
        for (rate, people) in [(200, small), (2_500, large)] {
            let got = throughput(rate, people).await;
            let ideal = f64::from(rate) / 2.0;
            println!(
                "   at {rate:>5}/min:                       {got:>8.0}  ideal {ideal:>5.0}, ratio {:.2}; {:.3} of the ceiling  ({people} people)",
                got / ideal,
                got / unlimited
            );
        }
        let mut ms = latencies(if full { 200 } else { 5 }).await;
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
        println!(
            "2. webhook 200 → contact visible in the CRM, one new person at a time ({} samples): median {:.0} ms, p99 {:.0} ms",
            ms.len(),
            at(0.5),
            at(0.99)
        );
    });
}
