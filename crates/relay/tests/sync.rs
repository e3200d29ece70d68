//! Relay → CRM sync over real HTTP on loopback: Telegram updates posted to the relay's webhook, a
//! real SQLite file, the sync worker, and the Zendesk double (the project's one stand-in for
//! Zendesk's servers) answering in Zendesk's documented shapes with its rate limits and faults.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Relay, off_runtime};
use serde_json::{Value, json};
use telegram_relay::crm::secret::{Key, Secret, generate};
use telegram_relay::crm::{Auth, Connection, State, Status, sync};
use telegram_relay::store::Storage;
use tokio::sync::Notify;
use zendesk_double::limits::Faults;
use zendesk_double::model::User;
use zendesk_double::{Double, seed};

const ADMIN: &str = "alex@example.com";
const AGENT: &str = "ann@example.com";

/// The relay, the double, and the sync workers running between them.
struct Stack {
    relay: Relay,
    double: Double,
    zendesk: String,
    key: Arc<Key>,
    stops: Vec<Arc<Notify>>,
}

impl Drop for Stack {
    fn drop(&mut self) {
        for stop in &self.stops {
            stop.notify_one();
        }
    }
}

/// Paces the worker for tests: a short wait between writes to one contact (the per-user limit
/// of the double still holds), a short idle poll.
fn options() -> sync::Options {
    sync::Options {
        idle: Duration::from_millis(100),
        contact_spacing: Duration::from_millis(300),
        ..sync::Options::default()
    }
}

async fn stack() -> Stack {
    let double = Double::open(None, seed::hand_made(), seed::DEMO_API_TOKEN.into()).unwrap();
    double
        .set_faults(Faults {
            rate_limit: 2_500,
            ..Faults::default()
        })
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let zendesk = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, zendesk_double::app(double.clone())).into_future());
    let key = Arc::new(Key::from_hex(&generate(), "the test key").unwrap());
    let stack = Stack {
        relay: Relay::start().await,
        double,
        zendesk,
        key,
        stops: Vec::new(),
    };
    stack.connect(seed::DEMO_API_TOKEN, true);
    stack
}

impl Stack {
    /// What `crm connect` stores after its checks.
    fn connect(&self, token: &str, create: bool) {
        let tenant = self.relay.tenant;
        let connection = Connection {
            tenant,
            url: self.zendesk.clone(),
            auth: Auth::ApiToken {
                email: ADMIN.into(),
            },
            sealed_token: self.key.seal(tenant, &Secret::new(token.into())),
            sender_field: seed::SENDER_ID_FIELD.into(),
            username_field: Some(seed::USERNAME_FIELD.into()),
            create,
            rate: 2_500,
        };
        off_runtime(|| {
            self.relay
                .store
                .crm_connect(connection, telegram_relay::now())
        })
        .unwrap();
    }

    fn worker(&mut self, options: sync::Options) {
        let stop = Arc::new(Notify::new());
        self.stops.push(stop.clone());
        tokio::spawn(sync::run(
            self.relay.store.clone(),
            self.key.clone(),
            self.relay.wake.clone(),
            options,
            async move { stop.notified().await },
        ));
    }

    fn status(&self) -> Status {
        off_runtime(|| self.relay.store.crm_status(self.relay.tenant))
            .unwrap()
            .unwrap()
    }

    /// Waits until nothing is waiting for a sync (dead letters aside).
    async fn settle(&self) -> Status {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let status = self.status();
            if status.backlog == 0 {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the backlog did not drain: {status:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The contacts the relay created, by sender ID.
    fn created(&self) -> Vec<User> {
        self.double
            .snapshot()
            .users
            .into_values()
            .filter(|u| {
                u.external_id
                    .as_deref()
                    .is_some_and(|e| e.starts_with("telegram:"))
            })
            .collect()
    }

    fn holders(&self, sender: i64) -> Vec<User> {
        let sender = Value::String(sender.to_string());
        self.double
            .snapshot()
            .users
            .into_values()
            .filter(|u| u.user_fields.get(seed::SENDER_ID_FIELD) == Some(&sender))
            .collect()
    }

    async fn say(&self, update_id: i64, from: i64, first_name: &str, username: &str) {
        let outcome = self
            .relay
            .post_json(&message(update_id, from, first_name, username))
            .await;
        assert_eq!(outcome, "stored", "update {update_id}");
    }

    /// An agent's write through the API (Update User).
    async fn agent_edits(&self, contact: u64, user: Value) {
        let response = self
            .relay
            .http
            .put(format!("{}/api/v2/users/{contact}.json", self.zendesk))
            .basic_auth(format!("{AGENT}/token"), Some(seed::DEMO_API_TOKEN))
            .json(&json!({ "user": user }))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
    }
}

/// A private message from `from`.
fn message(update_id: i64, from: i64, first_name: &str, username: &str) -> Value {
    json!({
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": {"id": from, "is_bot": false, "first_name": first_name, "username": username},
            "chat": {"id": from, "first_name": first_name, "username": username, "type": "private"},
            "date": 1_760_000_000 + update_id,
            "text": format!("message {update_id}")
        }
    })
}

fn field<'a>(user: &'a User, key: &str) -> &'a Value {
    &user.user_fields[key]
}

#[tokio::test]
async fn the_first_message_creates_one_linked_contact_and_repeats_create_nothing() {
    let mut s = stack().await;
    s.worker(options());
    s.say(1, 5_550_001, "Ana", "ana_t").await;
    let status = s.settle().await;
    let created = s.created();
    assert_eq!(created.len(), 1, "{created:?}");
    let ana = &created[0];
    assert_eq!(ana.name, "Ana");
    assert_eq!(ana.external_id.as_deref(), Some("telegram:5550001"));
    assert_eq!(field(ana, seed::SENDER_ID_FIELD), "5550001");
    assert_eq!(field(ana, seed::USERNAME_FIELD), "ana_t");
    assert_eq!(ana.email, None);
    assert_eq!((status.counts.created, status.counts.linked), (1, 0));

    // The sidebar's history shows the automatic link, with the contact it names.
    let events = s.relay.ok("/v1/link-events?sender_id=5550001").await;
    let events = events["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["action"], "link");
    assert_eq!(events[0]["contact_id"], ana.id.to_string());
    assert_eq!(events[0]["actor"], "telegram-relay sync");
    assert!(events[0]["old_value"].is_null());

    for n in 2..=5 {
        s.say(n, 5_550_001, "Ana", "ana_t").await;
    }
    let status = s.settle().await;
    assert_eq!(s.created().len(), 1);
    assert_eq!(s.holders(5_550_001).len(), 1);
    assert_eq!(
        (status.counts.created, status.counts.updated),
        (1, 0),
        "{status:?}"
    );
    let events = s.relay.ok("/v1/link-events?sender_id=5550001").await;
    assert_eq!(events["events"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_messages_from_a_hundred_people_over_forty_connections_make_a_hundred() {
    let mut s = stack().await;
    s.worker(options());
    let s = Arc::new(s);
    let mut tasks = tokio::task::JoinSet::new();
    for lane in 0..40i64 {
        let s = s.clone();
        tasks.spawn(async move {
            // Each lane has its own client, so 40 connections reach the relay at once.
            let client = telegram_relay::tls::client().build().unwrap();
            for n in (lane..1_000).step_by(40) {
                let person = 6_000_000 + n % 100;
                let response = client
                    .post(format!(
                        "{}/telegram/webhook/{}",
                        s.relay.url, s.relay.webhook
                    ))
                    .header("x-telegram-bot-api-secret-token", common::SECRET)
                    .json(&message(n + 1, person, &format!("Person {}", n % 100), "p"))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200);
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let status = s.settle().await;
    let created = s.created();
    let senders: BTreeSet<String> = created
        .iter()
        .map(|u| field(u, seed::SENDER_ID_FIELD).as_str().unwrap().to_owned())
        .collect();
    assert_eq!((created.len(), senders.len()), (100, 100));
    assert_eq!(status.counts.created, 100, "{status:?}");
    assert!(status.dead.is_empty(), "{:?}", status.dead);
}

#[tokio::test]
async fn a_username_change_updates_only_that_field_and_an_agents_edits_stand() {
    let mut s = stack().await;
    s.worker(options());
    s.say(1, 5_550_002, "Boris", "boris").await;
    s.settle().await;
    let boris = s.created().pop().unwrap();
    s.agent_edits(
        boris.id,
        json!({ "name": "Boris Petrov (VIP)", "email": "boris@example.org", "notes": "Call first." }),
    )
    .await;

    // A new display name and a new username in Telegram.
    s.say(2, 5_550_002, "Borya", "boris_new").await;
    let status = s.settle().await;
    let after = s.double.snapshot().users[&boris.id].clone();
    assert_eq!(field(&after, seed::USERNAME_FIELD), "boris_new");
    assert_eq!(after.name, "Boris Petrov (VIP)");
    assert_eq!(after.email.as_deref(), Some("boris@example.org"));
    assert_eq!(after.notes, "Call first.");
    assert_eq!(field(&after, seed::SENDER_ID_FIELD), "5550002");
    assert_eq!(status.counts.updated, 1, "{status:?}");

    // The same username again writes nothing.
    let before = s.double.snapshot().users[&boris.id].updated_at.clone();
    s.say(3, 5_550_002, "Borya", "boris_new").await;
    let status = s.settle().await;
    assert_eq!(status.counts.updated, 1);
    assert_eq!(s.double.snapshot().users[&boris.id].updated_at, before);
    assert_eq!(s.created().len(), 1);
}

#[tokio::test]
async fn a_contact_already_holding_the_sender_id_is_linked_not_duplicated() {
    let mut s = stack().await;
    s.worker(options());
    // The seed's Lucía (user 1001) holds 7100000001.
    s.say(1, 7_100_000_001, "Lucía", "lucia").await;
    let status = s.settle().await;
    assert!(s.created().is_empty());
    assert_eq!(s.holders(7_100_000_001).len(), 1);
    assert_eq!((status.counts.created, status.counts.linked), (0, 1));
    let events = s.relay.ok("/v1/link-events?sender_id=7100000001").await;
    assert_eq!(events["events"][0]["contact_id"], "1001");
}

#[tokio::test]
async fn with_create_off_unknown_senders_are_only_looked_up() {
    let mut s = stack().await;
    s.connect(seed::DEMO_API_TOKEN, false);
    s.worker(options());
    s.say(1, 5_550_003, "Nobody", "nobody").await;
    s.say(2, 7_100_000_005, "Олена", "olena").await;
    let status = s.settle().await;
    assert!(s.created().is_empty());
    assert_eq!((status.counts.linked, status.counts.skipped), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_with_lapsing_leases_and_a_lagging_search_make_no_duplicate() {
    let mut s = stack().await;
    // A first attempt (search, then create) takes two slow answers, longer than a lease, so the
    // other worker takes the job over midway; the takeover (one lookup by external ID) fits in
    // a lease with room to spare, so every job ends. Search sees nothing written in the last
    // minute.
    s.double
        .set_faults(Faults {
            rate_limit: 2_500,
            slow_ms: 250,
            search_lag_ms: 60_000,
            ..Faults::default()
        })
        .unwrap();
    let short = sync::Options {
        lease: Duration::from_millis(400),
        per_round: 4,
        ..options()
    };
    s.worker(short.clone());
    s.worker(short);
    for n in 0..12 {
        s.say(n + 1, 5_560_000 + n, &format!("Lagging {n}"), "lag")
            .await;
    }
    let status = s.settle().await;
    let created = s.created();
    let senders: BTreeSet<String> = created
        .iter()
        .map(|u| field(u, seed::SENDER_ID_FIELD).to_string())
        .collect();
    assert_eq!((created.len(), senders.len()), (12, 12), "{created:?}");
    // Each person's link is journaled once, by whichever worker held the lease at the end.
    assert_eq!(status.counts.created, 12, "{status:?}");
    for n in 0..12 {
        let events = s
            .relay
            .ok(&format!("/v1/link-events?sender_id={}", 5_560_000 + n))
            .await;
        assert_eq!(events["events"].as_array().unwrap().len(), 1, "{events}");
    }
}

#[tokio::test]
async fn a_429_storm_and_5xx_bursts_drain_without_loss() {
    let mut s = stack().await;
    s.double
        .set_faults(Faults {
            rate_limit: 2_500,
            storm_429: 8,
            storm_retry_after: 1,
            burst_5xx: 15,
            ..Faults::default()
        })
        .unwrap();
    s.worker(options());
    for n in 0..30 {
        s.say(n + 1, 5_570_000 + n, &format!("Stormy {n}"), "storm")
            .await;
    }
    let status = s.settle().await;
    assert_eq!(s.created().len(), 30);
    assert_eq!(status.counts.created, 30);
    assert!(status.dead.is_empty(), "{:?}", status.dead);
    let left = s.double.faults();
    assert_eq!(
        (left.storm_429, left.burst_5xx),
        (0, 0),
        "every fault was met"
    );
}

#[tokio::test]
async fn a_wrong_credential_pauses_loses_nothing_and_syncing_resumes_once_fixed() {
    let mut s = stack().await;
    s.connect("not-the-token", true);
    s.worker(options());
    s.say(1, 5_550_004, "Dana", "dana").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        let status = s.status();
        if status.state == State::Paused {
            break status;
        }
        assert!(Instant::now() < deadline, "never paused: {status:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let (error, _) = status.last_error.clone().unwrap();
    assert!(error.contains("crm connect"), "{error}");
    assert!(!error.contains("not-the-token"), "{error}");
    assert_eq!(status.backlog, 1);
    // Paused: more messages queue, nothing is sent.
    s.say(2, 5_550_005, "Eli", "eli").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(s.status().backlog, 2);
    assert!(s.created().is_empty());

    s.connect(seed::DEMO_API_TOKEN, true);
    let status = s.settle().await;
    assert_eq!(status.state, State::Active);
    assert_eq!(s.created().len(), 2);
}

#[tokio::test]
async fn a_write_zendesk_keeps_refusing_becomes_a_dead_letter_and_crm_retry_requeues_it() {
    let mut s = stack().await;
    s.double
        .set_faults(Faults {
            rate_limit: 2_500,
            reject_writes: sync::REJECTED_ATTEMPTS,
            ..Faults::default()
        })
        .unwrap();
    s.worker(options());
    s.say(1, 5_550_006, "Refused", "refused").await;
    let status = s.settle().await;
    assert_eq!(status.dead.len(), 1, "{status:?}");
    let dead = &status.dead[0];
    assert_eq!(dead.sender.get(), 5_550_006);
    assert_eq!(dead.failures, sync::REJECTED_ATTEMPTS);
    assert!(dead.error.contains("422"), "{}", dead.error);
    assert!(
        dead.error.contains("refused"),
        "Zendesk's message is kept: {}",
        dead.error
    );
    assert!(s.created().is_empty());
    // The relay's health says nothing waits (a dead letter is not backlog).
    let health = s.relay.ok("/healthz").await;
    assert_eq!(health["sync"]["backlog"], 0, "{health}");

    // `crm retry` once Zendesk accepts again.
    let requeued = off_runtime(|| {
        s.relay
            .store
            .crm_retry(s.relay.tenant, telegram_relay::now() * 1000)
    })
    .unwrap();
    assert_eq!(requeued, 1);
    let status = s.settle().await;
    assert!(status.dead.is_empty(), "{status:?}");
    assert_eq!(s.created().len(), 1);
}

#[tokio::test]
async fn groups_channels_bots_and_the_business_owners_own_messages_create_nothing() {
    let mut s = stack().await;
    s.worker(options());
    let group = json!({"update_id": 1, "message": {"message_id": 1, "date": 1_760_000_000,
        "from": {"id": 5_550_020, "is_bot": false, "first_name": "In a group"},
        "chat": {"id": -1_001_234_567_890i64, "type": "supergroup", "title": "Shop fans"},
        "text": "hi all"}});
    let channel = json!({"update_id": 2, "channel_post": {"message_id": 2, "date": 1_760_000_001,
        "sender_chat": {"id": -1_009_876_543_210i64, "type": "channel", "title": "Shop news"},
        "chat": {"id": -1_009_876_543_210i64, "type": "channel", "title": "Shop news"},
        "text": "sale"}});
    let bot = json!({"update_id": 3, "message": {"message_id": 3, "date": 1_760_000_002,
        "from": {"id": 5_550_021, "is_bot": true, "first_name": "Some bot"},
        "chat": {"id": 5_550_021, "type": "private", "first_name": "Some bot"},
        "text": "beep"}});
    // The business account's owner (user 12345 of the fixture's connection) writes to a customer.
    let connection = common::fixture("bot-api/nutgram__business_connection.json");
    let owner_writes = json!({"update_id": 4, "business_message": {"message_id": 4,
        "business_connection_id": "123456", "date": 1_760_000_003,
        "from": {"id": 12_345, "is_bot": false, "first_name": "Mario"},
        "chat": {"id": 5_550_022, "type": "private", "first_name": "Customer"},
        "text": "Your order shipped"}});
    for update in [&group, &channel, &bot] {
        let outcome = s.relay.post_json(update).await;
        assert_eq!(s.status().backlog, 0, "{outcome}: {update}");
    }
    let (status, _) = s.relay.post_update(connection).await;
    assert_eq!(status, 200);
    s.relay.post_json(&owner_writes).await;
    assert_eq!(s.status().backlog, 0, "nothing was queued");
    // A customer who writes does get one (the control).
    s.say(5, 5_550_023, "Writes first", "first").await;
    let status = s.settle().await;
    let created = s.created();
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(field(&created[0], seed::SENDER_ID_FIELD), "5550023");
    // Nothing else was queued and then skipped or linked by the worker.
    assert_eq!(
        (
            status.counts.created,
            status.counts.skipped,
            status.counts.linked
        ),
        (1, 0, 0)
    );
}

#[tokio::test]
async fn a_first_message_that_arrives_edited_still_makes_the_contact() {
    let mut s = stack().await;
    s.worker(options());
    // The edited version comes first (Telegram does not promise order); the original after.
    let mut edited = message(2, 5_550_030, "Edited First", "ef");
    let body = edited["message"].take();
    edited["edited_message"] = body;
    edited["edited_message"]["edit_date"] = json!(1_760_000_100);
    edited.as_object_mut().unwrap().remove("message");
    s.relay.post_json(&edited).await;
    s.relay
        .post_json(&message(1, 5_550_030, "Edited First", "ef"))
        .await;
    let status = s.settle().await;
    assert_eq!(s.holders(5_550_030).len(), 1);
    assert_eq!(status.counts.created, 1);
}

#[tokio::test]
async fn one_contacts_update_limit_holds_back_that_contact_only() {
    let mut s = stack().await;
    s.worker(options());
    s.say(1, 5_550_040, "Busy", "busy").await;
    s.settle().await;
    let busy = s.created().pop().unwrap();
    // Agents use up Update User's 5 a minute for this contact.
    for n in 0..5 {
        s.agent_edits(busy.id, json!({ "notes": format!("call {n}") }))
            .await;
    }
    s.say(2, 5_550_040, "Busy", "busy_new").await;
    // Its update is refused with the per-user 429 (Retry-After near a minute) ...
    tokio::time::sleep(Duration::from_millis(800)).await;
    // ... and new people who write now are not held back by it.
    for n in 0..3 {
        s.say(10 + n, 5_550_050 + n, &format!("Other {n}"), "other")
            .await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while s.created().len() < 4 {
        assert!(
            Instant::now() < deadline,
            "the others waited behind one contact's limit: {:?}",
            s.status()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = s.status();
    assert_eq!(
        status.backlog, 1,
        "only the limited contact waits: {status:?}"
    );
    assert_eq!(
        field(&s.double.snapshot().users[&busy.id], seed::USERNAME_FIELD),
        "busy",
        "not written yet"
    );
}
