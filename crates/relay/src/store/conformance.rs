//! The conformance suite: what every [`Storage`] backend must do, checked through the trait
//! alone. A backend passes by running [`suite`] with a [`Backend`] that opens it; SQLite's run
//! is at the bottom. The crash test (SIGKILL mid-stream) needs a process and is in
//! `tests/cli.rs`.

use std::sync::Arc;

use telegram_relay_api::{Direction, PhoneSource, SenderId};

use super::{
    Bot, IngestOutcome, PageStart, ParsedUpdate, Revision, Storage, StoreError, TenantId,
    UpdateContent,
};
use crate::cursor;
use crate::telegram::{Event, NewMessage, Profile, Space};

/// How the suite opens the backend under test.
pub(crate) trait Backend {
    /// A new, empty storage.
    fn open(&self) -> Arc<dyn Storage>;
    /// The storage `closed` was, opened again after [`Storage::close`].
    fn reopen(&self, closed: Arc<dyn Storage>) -> Arc<dyn Storage>;
}

/// Every check, in turn; a failure names the check.
pub(crate) fn suite(backend: &dyn Backend) {
    at_most_once_per_bot_and_update_id(backend);
    tenants_never_see_each_other(backend);
    edits_and_deletions_in_any_order(backend);
    pages_cover_a_conversation_once(backend);
    polling_never_skips_while_several_writers_commit(backend);
    a_closed_storage_refuses_writes_and_keeps_what_it_acknowledged(backend);
}

const NOW: i64 = 1_764_000_000;

fn person(n: u64) -> SenderId {
    SenderId::new(7_100_000_000 + n).unwrap()
}

fn tenant(store: &dyn Storage, name: &str) -> (TenantId, Bot) {
    let id = store
        .create_tenant(name, [name.len() as u8; 32], NOW)
        .unwrap();
    let bot = Bot {
        webhook_id: format!("hook-{name}"),
        tenant_id: id,
        secret_hash: [7; 32],
    };
    store.add_bot(&bot, NOW).unwrap();
    (id, bot)
}

fn profile(who: SenderId, first: &str, at: i64) -> Event {
    Event::Profile(Profile {
        sender_id: who,
        first_name: first.into(),
        last_name: None,
        username: None,
        username_known: true,
        weak: false,
        deleted: false,
        at,
    })
}

fn message(who: SenderId, id: i64, text: &str, sent_at: i64, edited_at: Option<i64>) -> Event {
    Event::Message(NewMessage {
        space: Space::Bot,
        chat_id: who.get() as i64,
        message_id: id,
        person: Some(who),
        direction: Direction::In,
        sent_at,
        text: text.into(),
        entities: Vec::new(),
        media: None,
        reply_to: None,
        edited_at,
        from_bot: false,
    })
}

fn update(update_id: i64, events: Vec<Event>) -> ParsedUpdate {
    ParsedUpdate {
        update_id: Some(update_id),
        content: UpdateContent::Events(events),
    }
}

/// A person's first message, as one update.
fn first_message(who: SenderId, update_id: i64, message_id: i64) -> ParsedUpdate {
    update(
        update_id,
        vec![
            profile(who, "Ana", NOW),
            message(
                who,
                message_id,
                &format!("m{message_id}"),
                NOW + message_id,
                None,
            ),
        ],
    )
}

fn at_most_once_per_bot_and_update_id(backend: &dyn Backend) {
    let store = backend.open();
    let (a, bot_a) = tenant(store.as_ref(), "acme");
    let (_, bot_b) = tenant(store.as_ref(), "globex");
    let ingest = |bot: &Bot, id| store.ingest_update(bot, first_message(person(1), id, id), NOW);
    assert_eq!(ingest(&bot_a, 1).unwrap(), IngestOutcome::Stored);
    assert_eq!(
        ingest(&bot_a, 1).unwrap(),
        IngestOutcome::Duplicate,
        "the same update twice"
    );
    assert_eq!(
        ingest(&bot_b, 1).unwrap(),
        IngestOutcome::Stored,
        "another bot's update 1 is another update"
    );
    let stored = store.person(a, person(1)).unwrap().unwrap();
    assert_eq!(stored.message_count, 1, "stored once");
}

fn tenants_never_see_each_other(backend: &dyn Backend) {
    let store = backend.open();
    let (a, bot_a) = tenant(store.as_ref(), "acme");
    let (b, _) = tenant(store.as_ref(), "globex");
    store
        .ingest_update(&bot_a, first_message(person(2), 1, 1), NOW)
        .unwrap();
    assert!(store.person(a, person(2)).unwrap().is_some());
    assert!(store.person(b, person(2)).unwrap().is_none());
    assert!(
        store
            .messages(b, person(2), PageStart::Newest, 10)
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .directory(b, Revision::default(), 10)
            .unwrap()
            .people
            .is_empty()
    );
    assert!(store.search(b, "Ana", 10).unwrap().is_empty());
    assert_eq!(store.search(a, "Ana", 10).unwrap().len(), 1);
}

fn edits_and_deletions_in_any_order(backend: &dyn Backend) {
    let store = backend.open();
    let (t, _) = tenant(store.as_ref(), "acme");
    let who = person(3);
    // The second edit, then the original, then the first edit, then the phone twice.
    let events = vec![
        profile(who, "Ana", NOW),
        message(who, 1, "v2", NOW, Some(NOW + 20)),
        message(who, 1, "original", NOW, None),
        message(who, 1, "v1", NOW, Some(NOW + 10)),
        Event::Phone {
            sender_id: who,
            phone: "+34612345678".into(),
            source: PhoneSource::Shared,
            at: NOW,
        },
        Event::Phone {
            sender_id: who,
            phone: "+34600000000".into(),
            source: PhoneSource::ContactList,
            at: NOW + 1,
        },
        // Deleted before it arrives.
        Event::Deleted {
            space: Space::Bot,
            chat_id: who.get() as i64,
            message_ids: vec![2],
        },
        message(who, 2, "gone", NOW + 30, None),
    ];
    store.import_events(t, events, NOW).unwrap();
    let page = store
        .messages(t, who, PageStart::Newest, 10)
        .unwrap()
        .unwrap();
    let [second, first] = &page.messages[..] else {
        panic!("two messages: {:?}", page.messages)
    };
    assert_eq!(first.text, "v2", "the newest edit wins");
    let versions: Vec<&str> = first
        .previous_versions
        .iter()
        .map(|v| v.text.as_str())
        .collect();
    assert_eq!(versions, ["original"], "the original kept once");
    assert!(second.deleted, "a deletion before its message is kept");
    let p = store.person(t, who).unwrap().unwrap();
    assert_eq!(
        p.phone.as_deref(),
        Some("+34612345678"),
        "the shared phone outranks the contact list"
    );
}

fn pages_cover_a_conversation_once(backend: &dyn Backend) {
    let store = backend.open();
    let (t, _) = tenant(store.as_ref(), "acme");
    let who = person(4);
    let mut events = vec![profile(who, "Ana", NOW)];
    // Pairs sharing a second, so the order needs the row ID too.
    events.extend((0..25).map(|i| message(who, i + 1, &format!("m{i}"), NOW + i / 2, None)));
    store.import_events(t, events, NOW).unwrap();
    let (mut seen, mut start) = (Vec::new(), PageStart::Newest);
    loop {
        let page = store.messages(t, who, start, 10).unwrap().unwrap();
        seen.extend(page.messages.iter().map(|m| m.telegram_message_id));
        match page.older {
            Some(older) => start = PageStart::Before(cursor::parse_before(older.as_str()).unwrap()),
            None => break,
        }
    }
    let want: Vec<i64> = (1..=25).rev().collect();
    assert_eq!(seen, want, "newest first, each once");
}

fn polling_never_skips_while_several_writers_commit(backend: &dyn Backend) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let store = backend.open();
    let (t, bot) = tenant(store.as_ref(), "acme");
    let who = person(5);
    store
        .ingest_update(&bot, first_message(who, 1, 1), NOW)
        .unwrap();
    const WRITERS: i64 = 4;
    const EACH: i64 = 40;
    let writing = AtomicUsize::new(WRITERS as usize);
    let seen = std::thread::scope(|scope| {
        for w in 0..WRITERS {
            let (store, bot, writing) = (store.clone(), bot.clone(), &writing);
            scope.spawn(move || {
                for i in 0..EACH {
                    let id = 2 + w * EACH + i;
                    let up = update(id, vec![message(who, id, "x", NOW + id, None)]);
                    store.ingest_update(&bot, up, NOW).unwrap();
                }
                writing.fetch_sub(1, Ordering::Release);
            });
        }
        // Poll as the sidebar does, from the newest revision seen, while they write. Once every
        // writer has returned, everything it stored is acknowledged and must be found.
        let (mut seen, mut after) = (Vec::new(), Revision::default());
        loop {
            let finished = writing.load(Ordering::Acquire) == 0;
            let page = store
                .messages(t, who, PageStart::After(after), 50)
                .unwrap()
                .unwrap();
            let next = cursor::parse_rev(page.newer.as_str()).unwrap();
            assert!(next >= after, "the polling cursor never goes back");
            after = next;
            seen.extend(page.messages.iter().map(|m| m.telegram_message_id));
            if finished && page.messages.is_empty() {
                break seen;
            }
        }
    });
    // No message changed after it was stored, so each is polled exactly once.
    let mut sorted = seen.clone();
    sorted.sort_unstable();
    let want: Vec<i64> = (1..=1 + WRITERS * EACH).collect();
    assert_eq!(sorted, want, "every message polled exactly once");
}

fn a_closed_storage_refuses_writes_and_keeps_what_it_acknowledged(backend: &dyn Backend) {
    let store = backend.open();
    let (t, bot) = tenant(store.as_ref(), "acme");
    store
        .ingest_update(&bot, first_message(person(6), 1, 1), NOW)
        .unwrap();
    store.close();
    assert!(matches!(
        store.ingest_update(&bot, first_message(person(6), 2, 2), NOW),
        Err(StoreError::Closed)
    ));
    let store = backend.reopen(store);
    let p = store.person(t, person(6)).unwrap().unwrap();
    assert_eq!(p.message_count, 1, "what was acknowledged survives");
}

/// SQLite, a new file per check.
struct Sqlite {
    dir: tempfile::TempDir,
    files: std::sync::atomic::AtomicUsize,
}

impl Backend for Sqlite {
    fn open(&self) -> Arc<dyn Storage> {
        let n = self
            .files
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = self.dir.path().join(format!("relay-{n}.db"));
        Arc::new(super::Database::open_sqlite(&path).unwrap())
    }

    fn reopen(&self, closed: Arc<dyn Storage>) -> Arc<dyn Storage> {
        // The last file opened is the one closed.
        drop(closed);
        let n = self.files.load(std::sync::atomic::Ordering::Relaxed) - 1;
        let path = self.dir.path().join(format!("relay-{n}.db"));
        Arc::new(super::Database::open_sqlite(&path).unwrap())
    }
}

#[test]
fn sqlite_passes_the_conformance_suite() {
    suite(&Sqlite {
        dir: tempfile::tempdir().unwrap(),
        files: std::sync::atomic::AtomicUsize::new(0),
    });
}

#[allow(dead_code)] // the integration tests use all of it
#[path = "../../tests/common/postgres.rs"]
mod cluster;

/// PostgreSQL: a throwaway cluster for the run, a new database per check.
struct Postgres {
    cluster: cluster::Cluster,
    databases: std::sync::atomic::AtomicUsize,
}

impl Postgres {
    fn url(&self, n: usize) -> String {
        self.cluster.url(&format!("relay_{n}"))
    }
}

impl Backend for Postgres {
    fn open(&self) -> Arc<dyn Storage> {
        let n = self
            .databases
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.cluster
            .psql("postgres", &format!("CREATE DATABASE relay_{n}"));
        Arc::new(super::Database::open_postgres(&self.url(n)).unwrap())
    }

    fn reopen(&self, closed: Arc<dyn Storage>) -> Arc<dyn Storage> {
        drop(closed);
        let n = self.databases.load(std::sync::atomic::Ordering::Relaxed) - 1;
        Arc::new(super::Database::open_postgres(&self.url(n)).unwrap())
    }
}

#[test]
fn postgres_passes_the_conformance_suite() {
    suite(&Postgres {
        cluster: cluster::Cluster::start(),
        databases: std::sync::atomic::AtomicUsize::new(0),
    });
}
