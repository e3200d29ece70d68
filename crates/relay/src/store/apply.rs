//! Applying [`Event`]s inside the writer's transaction. Every function here runs on the writer
//! connection, within a savepoint of the current batch: it reads the rows, asks [`rules`] what
//! the event changes, and writes what they say.

use telegram_relay_api::{LinkEvent, NewLinkEvent, PhoneSource, SenderId};

use super::codes::Code;
use super::rules::{
    self, DeletionUpdate, FieldChange, MessageUpdate, PhoneUpdate, ProfileUpdate, StoredPerson,
    non_empty,
};
use super::sql::{Conn, Row};
use super::{StoreError, TenantId};
use crate::telegram::{Event, NewMessage, Profile, Space};

/// Applies one event. Returns whether it stored a message the relay did not have.
pub fn event(
    conn: &Conn<'_>,
    tenant: TenantId,
    bot: Option<&str>,
    event: &Event,
    now: i64,
) -> Result<bool, StoreError> {
    match event {
        Event::Profile(p) => profile(conn, tenant, p).map(|_| false),
        Event::Phone {
            sender_id,
            phone,
            source,
            at,
        } => self::phone(conn, tenant, *sender_id, phone, *source, *at).map(|_| false),
        Event::Message(m) => message(conn, tenant, bot, m),
        Event::Deleted {
            space,
            chat_id,
            message_ids,
        } => {
            let space = space_key(space, bot);
            for id in message_ids {
                deleted(conn, tenant, &space, *chat_id, *id, now)?;
            }
            Ok(false)
        }
        Event::BusinessConnection {
            id,
            owner,
            enabled,
            at,
        } => {
            conn.execute(
                "INSERT INTO business_connections (tenant_id, id, owner_id, enabled, updated_at,
                                                   webhook_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (tenant_id, id) DO UPDATE SET
                   owner_id = excluded.owner_id, enabled = excluded.enabled,
                   updated_at = excluded.updated_at,
                   webhook_id = coalesce(excluded.webhook_id, business_connections.webhook_id)
                 WHERE excluded.updated_at >= business_connections.updated_at",
                &[&tenant, id, &(owner.get() as i64), enabled, at, &bot],
            )?;
            Ok(false)
        }
    }
}

/// The `space` column of a conversation.
pub fn space_key(space: &Space, bot: Option<&str>) -> String {
    match space {
        Space::Bot => format!("bot:{}", bot.unwrap_or("")),
        Space::Business(id) => format!("bc:{id}"),
        Space::Desktop(account) => format!("desktop:{account}"),
    }
}

fn next_rev(conn: &Conn<'_>) -> Result<i64, StoreError> {
    conn.query_one(
        "UPDATE counters SET value = value + 1 WHERE name = 'rev' RETURNING value",
        &[],
        |r| r.get(0),
    )
}

/// The `search_key` column: the lower-cased names, username and phone digits as written, then
/// after ` |` the names as the identity engine folds them (accents removed, Cyrillic, Greek and
/// Georgian transliterated) where that differs, and the sound-alike key of each folded name of
/// three letters or more between tildes (`~antr~`), so that "Andrei", "andrey" and "Андрей" find
/// each other. [`read::search_query`](super::read::search_query) folds the query the same way.
pub(crate) fn search_key(
    first: &str,
    last: Option<&str>,
    username: Option<&str>,
    phone: Option<&str>,
) -> String {
    let digits: String = phone
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let mut key = [first, last.unwrap_or(""), username.unwrap_or(""), &digits]
        .join(" ")
        .to_lowercase();
    let folded =
        telegram_identity::normalize::fold_name(&format!("{first} {}", last.unwrap_or("")));
    key.push_str(" |");
    let written: Vec<&str> = key.split_whitespace().collect::<Vec<_>>();
    let extra: Vec<&String> = folded
        .iter()
        .filter(|t| !written.contains(&t.as_str()))
        .collect();
    let mut tail = String::new();
    for t in extra {
        tail.push(' ');
        tail.push_str(t);
    }
    for t in folded.iter().filter(|t| t.len() >= 3) {
        tail.push_str(" ~");
        tail.push_str(&telegram_identity::normalize::phonetic_key(t));
        tail.push('~');
    }
    key.push_str(&tail);
    key
}

/// Recomputes every person's `search_key` (migration 8), in the caller's transaction, a thousand
/// people at a time in key order (no statement reads the table while it is being written).
pub(super) fn refold_search_keys(conn: &Conn<'_>) -> Result<(), StoreError> {
    type Row = (
        i64,
        i64,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let mut after = (i64::MIN, i64::MIN);
    loop {
        let rows: Vec<Row> = conn.query(
            "SELECT tenant_id, sender_id, first_name, last_name, username, phone FROM people
             WHERE (tenant_id, sender_id) > (?1, ?2) ORDER BY tenant_id, sender_id LIMIT 1000",
            &[&after.0, &after.1],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = (last.0, last.1);
        for (tenant, sender, first, last, username, phone) in &rows {
            let key = search_key(
                first,
                last.as_deref(),
                username.as_deref(),
                phone.as_deref(),
            );
            conn.execute(
                "UPDATE people SET search_key = ?3 WHERE tenant_id = ?1 AND sender_id = ?2",
                &[tenant, sender, &key],
            )?;
        }
    }
}

/// The columns [`stored_person`] reads.
const STORED_PERSON: &str =
    "first_name, last_name, username, phone, phone_source, deleted, profile_at";

fn stored_person(r: &Row<'_>) -> Result<StoredPerson, StoreError> {
    let source: Option<String> = r.get(4)?;
    Ok(StoredPerson {
        first_name: r.get(0)?,
        last_name: r.get(1)?,
        username: r.get(2)?,
        phone: r.get(3)?,
        phone_source: source.map(|s| PhoneSource::decode(4, &s)).transpose()?,
        deleted: r.get(5)?,
        profile_at: r.get(6)?,
    })
}

fn load_person(
    conn: &Conn<'_>,
    tenant: TenantId,
    id: SenderId,
) -> Result<Option<StoredPerson>, StoreError> {
    conn.query_opt(
        &format!("SELECT {STORED_PERSON} FROM people WHERE tenant_id = ?1 AND sender_id = ?2"),
        &[&tenant, &(id.get() as i64)],
        stored_person,
    )
}

fn record_change(
    conn: &Conn<'_>,
    tenant: TenantId,
    id: SenderId,
    change: &FieldChange,
    at: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO profile_changes (tenant_id, sender_id, field, old_value, new_value, valid_until)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &[
            &tenant,
            &(id.get() as i64),
            &change.field.code(),
            &change.old,
            &change.new,
            &at,
        ],
    )?;
    Ok(())
}

/// Creates or refreshes a person. Changes of names and username are kept in `profile_changes`;
/// an observation older than the stored one changes nothing but `first_seen`.
fn profile(conn: &Conn<'_>, tenant: TenantId, p: &Profile) -> Result<(), StoreError> {
    let sid = p.sender_id.get() as i64;
    // The observation widens first/last seen whatever else it changes; the same statement
    // answers what is stored (one round trip to a database server, not two).
    let stored = conn.query_opt(
        &format!(
            "UPDATE people SET first_seen = min(first_seen, ?3), last_seen = max(last_seen, ?3)
             WHERE tenant_id = ?1 AND sender_id = ?2 RETURNING {STORED_PERSON}"
        ),
        &[&tenant, &sid, &p.at],
        stored_person,
    )?;
    let Some(old) = stored else {
        let rev = next_rev(conn)?;
        let key = search_key(
            &p.first_name,
            non_empty(&p.last_name),
            non_empty(&p.username),
            None,
        );
        conn.execute(
            "INSERT INTO people (tenant_id, sender_id, first_name, last_name, username, deleted,
                                 first_seen, last_seen, profile_at, rev, search_key)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?7, ?8, ?9)",
            &[
                &tenant,
                &sid,
                &p.first_name,
                &non_empty(&p.last_name),
                &non_empty(&p.username),
                &p.deleted,
                &p.at,
                &rev,
                &key,
            ],
        )?;
        return Ok(());
    };
    let ProfileUpdate::Refresh {
        first_name,
        last_name,
        username,
        deleted,
        changes,
        new_revision,
    } = rules::profile_update(&old, p)
    else {
        return Ok(());
    };
    for change in &changes {
        record_change(conn, tenant, p.sender_id, change, p.at)?;
    }
    let rev = if new_revision {
        Some(next_rev(conn)?)
    } else {
        None
    };
    let key = search_key(
        &first_name,
        last_name.as_deref(),
        username.as_deref(),
        old.phone.as_deref(),
    );
    conn.execute(
        "UPDATE people SET first_name = ?3, last_name = ?4, username = ?5, deleted = ?6,
                           profile_at = ?7, rev = coalesce(?8, rev), search_key = ?9
         WHERE tenant_id = ?1 AND sender_id = ?2",
        &[
            &tenant,
            &sid,
            &first_name,
            &last_name,
            &username,
            &deleted,
            &p.at,
            &rev,
            &key,
        ],
    )?;
    Ok(())
}

/// Records a phone number. The person's own shared phone outranks the business's contact list.
fn phone(
    conn: &Conn<'_>,
    tenant: TenantId,
    id: SenderId,
    phone: &str,
    source: PhoneSource,
    at: i64,
) -> Result<(), StoreError> {
    let Some(old) = load_person(conn, tenant, id)? else {
        return Ok(()); // parsers always send the person's profile first
    };
    let PhoneUpdate::Set { change } = rules::phone_update(&old, phone, source) else {
        return Ok(());
    };
    if let Some(change) = &change {
        record_change(conn, tenant, id, change, at)?;
    }
    let rev = next_rev(conn)?;
    let key = search_key(
        &old.first_name,
        old.last_name.as_deref(),
        old.username.as_deref(),
        Some(phone),
    );
    conn.execute(
        "UPDATE people SET phone = ?3, phone_source = ?4, rev = ?5, search_key = ?6
         WHERE tenant_id = ?1 AND sender_id = ?2",
        &[
            &tenant,
            &(id.get() as i64),
            &phone,
            &source.code(),
            &rev,
            &key,
        ],
    )?;
    Ok(())
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("relay-api types serialise")
}

/// Stores a message or an edited version of it. Returns whether the message is new.
fn message(
    conn: &Conn<'_>,
    tenant: TenantId,
    bot: Option<&str>,
    m: &NewMessage,
) -> Result<bool, StoreError> {
    let space = space_key(&m.space, bot);
    let at_key: [&dyn super::sql::Param; 4] = [&tenant, &space, &m.chat_id, &m.message_id];
    let entities = (!m.entities.is_empty()).then(|| to_json(&m.entities));
    let media = m.media.as_ref().map(to_json);
    // Most messages are new: the insert comes first, taking a deletion that arrived before the
    // message with it, and a message already stored refuses it and takes the edit path below.
    // (Four round trips to a database server for a new message instead of five. The revision a
    // refused insert took is never used, which polling allows: revisions only have to grow.
    // No RETURNING: on SQLite it made a Desktop import of 1,000,000 messages 30 % slower.)
    let rev = next_rev(conn)?;
    let inserted = conn.execute(
        "INSERT INTO messages (tenant_id, space, chat_id, tg_id, person, direction, sent_at, text,
                               entities, media, reply_to, reply_text, edited_at, rev, deleted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,
                 (SELECT deleted_at FROM pending_deletions
                   WHERE tenant_id = ?1 AND space = ?2 AND chat_id = ?3 AND tg_id = ?4))
         ON CONFLICT (tenant_id, space, chat_id, tg_id) DO NOTHING",
        &[
            &tenant,
            &space,
            &m.chat_id,
            &m.message_id,
            &m.person.map(|p| p.get() as i64),
            &m.direction.code(),
            &m.sent_at,
            &m.text,
            &entities,
            &media,
            &m.reply_to.as_ref().map(|r| r.0),
            &m.reply_to.as_ref().and_then(|r| r.1.clone()),
            &m.edited_at,
            &rev,
        ],
    )?;
    if inserted == 1 {
        conn.execute(
            "DELETE FROM pending_deletions
             WHERE tenant_id = ?1 AND space = ?2 AND chat_id = ?3 AND tg_id = ?4",
            &at_key,
        )?;
        if let Some(person) = m.person {
            conn.execute(
                "UPDATE people SET message_count = message_count + 1,
                                   last_seen = max(last_seen, ?3), first_seen = min(first_seen, ?3)
                 WHERE tenant_id = ?1 AND sender_id = ?2",
                &[&tenant, &(person.get() as i64), &m.sent_at],
            )?;
        }
        return Ok(true);
    }
    let (row_id, old_text, old_edited): (i64, String, Option<i64>) = conn.query_one(
        "SELECT id, text, edited_at FROM messages
         WHERE tenant_id = ?1 AND space = ?2 AND chat_id = ?3 AND tg_id = ?4",
        &at_key,
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let versions_stored = || -> Result<bool, StoreError> {
        Ok(conn
            .query_opt(
                "SELECT 1 FROM message_versions WHERE message_id = ?1 LIMIT 1",
                &[&row_id],
                |_| Ok(()),
            )?
            .is_some())
    };
    match rules::message_update(&old_text, old_edited, &m.text, m.edited_at, versions_stored)? {
        MessageUpdate::Nothing => {}
        MessageUpdate::AddVersion { text, valid_until } => {
            add_version(conn, row_id, &text, valid_until)?;
        }
        MessageUpdate::Edit {
            previous,
            edited_at,
        } => {
            if let Some(previous) = previous {
                add_version(conn, row_id, &previous, edited_at)?;
            }
            let rev = next_rev(conn)?;
            conn.execute(
                "UPDATE messages SET text = ?2, entities = ?3, media = ?4, edited_at = ?5, rev = ?6
                 WHERE id = ?1",
                &[&row_id, &m.text, &entities, &media, &edited_at, &rev],
            )?;
        }
    }
    Ok(false)
}

fn add_version(
    conn: &Conn<'_>,
    message: i64,
    text: &str,
    valid_until: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO message_versions (message_id, text, valid_until) VALUES (?1, ?2, ?3)",
        &[&message, &text, &valid_until],
    )?;
    Ok(())
}

/// Marks a message deleted (content kept), or remembers the deletion until the message arrives.
fn deleted(
    conn: &Conn<'_>,
    tenant: TenantId,
    space: &str,
    chat_id: i64,
    tg_id: i64,
    now: i64,
) -> Result<(), StoreError> {
    let exists: Option<Option<i64>> = conn.query_opt(
        "SELECT deleted_at FROM messages
         WHERE tenant_id = ?1 AND space = ?2 AND chat_id = ?3 AND tg_id = ?4",
        &[&tenant, &space, &chat_id, &tg_id],
        |r| r.get(0),
    )?;
    match rules::deletion_update(exists.map(|d| d.is_some())) {
        DeletionUpdate::Mark => {
            let rev = next_rev(conn)?;
            conn.execute(
                "UPDATE messages SET deleted_at = ?5, rev = ?6
                 WHERE tenant_id = ?1 AND space = ?2 AND chat_id = ?3 AND tg_id = ?4",
                &[&tenant, &space, &chat_id, &tg_id, &now, &rev],
            )?;
        }
        DeletionUpdate::Nothing => {}
        DeletionUpdate::Remember => {
            conn.execute(
                "INSERT INTO pending_deletions (tenant_id, space, chat_id, tg_id, deleted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                &[&tenant, &space, &chat_id, &tg_id, &now],
            )?;
        }
    }
    Ok(())
}

/// Records a link journal entry.
pub fn link_event(
    conn: &Conn<'_>,
    tenant: TenantId,
    e: NewLinkEvent,
    now: i64,
) -> Result<LinkEvent, StoreError> {
    let parse = |v: &Option<String>| v.as_deref().and_then(|v| SenderId::parse(v).ok());
    let (old_sender, new_sender) = (parse(&e.old_value), parse(&e.new_value));
    let action = e.action.code();
    let id: i64 = conn.query_one(
        "INSERT INTO link_events (tenant_id, recorded_at, action, contact_id, old_value, new_value,
                                  old_sender, new_sender, actor, batch_id, undoes, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
        &[
            &tenant,
            &now,
            &action,
            &e.contact_id,
            &e.old_value,
            &e.new_value,
            &old_sender.map(|s| s.get() as i64),
            &new_sender.map(|s| s.get() as i64),
            &e.actor,
            &e.batch_id,
            &e.undoes,
            &e.reason,
        ],
        |r| r.get(0),
    )?;
    Ok(LinkEvent {
        id: id.to_string(),
        recorded_at: now,
        sender_id: new_sender.or(old_sender),
        event: e,
    })
}

/// Journals `events` (one savepoint: all or none), skipping any whose batch, contact and action
/// are already journaled. Answers (recorded, already there).
pub fn link_events(
    conn: &Conn<'_>,
    tenant: TenantId,
    events: Vec<NewLinkEvent>,
    now: i64,
) -> Result<(usize, usize), StoreError> {
    let (mut recorded, mut already) = (0, 0);
    for e in events {
        if let Some(batch) = &e.batch_id {
            let seen = conn.query_opt(
                "SELECT 1 FROM link_events
                  WHERE tenant_id = ?1 AND batch_id = ?2 AND contact_id = ?3 AND action = ?4
                  LIMIT 1",
                &[&tenant, batch, &e.contact_id, &e.action.code()],
                |_| Ok(()),
            )?;
            if seen.is_some() {
                already += 1;
                continue;
            }
        }
        link_event(conn, tenant, e, now)?;
        recorded += 1;
    }
    Ok((recorded, already))
}

/// Benchmarks only: `n` text messages for one person, numbered from `start`, one a minute.
pub fn bulk_messages(
    conn: &Conn<'_>,
    tenant: TenantId,
    person: SenderId,
    start: u64,
    n: u64,
    first_sent_at: i64,
) -> Result<(), StoreError> {
    let p = person.get() as i64;
    for i in start..start + n {
        let i = i as i64;
        let direction = if i % 3 == 0 { "out" } else { "in" };
        conn.execute(
            "INSERT INTO messages (tenant_id, space, chat_id, tg_id, person, direction, sent_at,
                                   text, rev)
             VALUES (?1, 'bench', ?2, ?3, ?2, ?4, ?5, ?6, ?3)",
            &[
                &tenant,
                &p,
                &(i + 1),
                &direction,
                &(first_sent_at + i * 60),
                &format!("message number {i}"),
            ],
        )?;
    }
    conn.execute(
        "UPDATE people SET message_count = message_count + ?3 WHERE tenant_id = ?1 AND sender_id = ?2",
        &[&tenant, &p, &(n as i64)],
    )?;
    conn.execute(
        "UPDATE counters SET value = max(value, (SELECT max(rev) FROM messages)) WHERE name = 'rev'",
        &[],
    )?;
    Ok(())
}

/// Benchmarks only: `count` people with synthetic names.
/// The generated Telegram people that [`bulk_people`] stores (at least one).
fn bench_crowd(count: u64) -> Vec<telegram_identity::TelegramPerson> {
    let size = (count as usize * 100 / 85).max(2);
    let people = telegram_identity::testdata::generate(size, 0x5EA4C4).people;
    if people.is_empty() {
        vec![telegram_identity::TelegramPerson {
            sender_id: telegram_identity::SenderId::new(1).expect("1 is an ID"),
            first_name: "Ana".into(),
            last_name: String::new(),
            username: None,
            phone: None,
        }]
    } else {
        people
    }
}

/// Search words for the benchmark: `n` queries a person would type for people [`bulk_people`]
/// stored, as the engine folds them (an ASCII surname, or a given name and a surname), so that
/// most must be found through folding or sound (`ivanova` for Иванова).
pub fn bench_search_words(count: u64, n: usize) -> Vec<String> {
    let crowd = bench_crowd(count);
    let stored = (count as usize).min(crowd.len()).max(1);
    (0..n)
        .map(|i| {
            let p = &crowd[(i * 7919) % stored];
            let first = telegram_identity::normalize::fold_name(&p.first_name);
            let last = telegram_identity::normalize::fold_name(&p.last_name);
            match (first.first(), last.first()) {
                (Some(f), Some(l)) if i % 2 == 0 => format!("{f} {l}"),
                (_, Some(l)) => l.clone(),
                (Some(f), None) => f.clone(),
                _ => "ana".into(),
            }
        })
        .collect()
}

pub fn bulk_people(conn: &Conn<'_>, tenant: TenantId, count: u64) -> Result<(), StoreError> {
    // Names, usernames and phones from the identity engine's generated crowd (Spanish, Russian,
    // Ukrainian, English... names, with accents, Cyrillic, emoji), so that search meets real
    // spellings; the same crowd as `bench_search_words`.
    let crowd = bench_crowd(count);
    for i in 0..count as i64 {
        let rev = next_rev(conn)?;
        let p = &crowd[i as usize % crowd.len()];
        let (first, last) = (p.first_name.clone(), p.last_name.clone());
        let (username, phone) = (p.username.clone(), p.phone.clone());
        let key = search_key(&first, Some(&last), username.as_deref(), phone.as_deref());
        conn.execute(
            "INSERT INTO people (tenant_id, sender_id, first_name, last_name, username, phone,
                                 phone_source, first_seen, last_seen, profile_at, rev, search_key)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'contact_list', 0, 0, 0, ?7, ?8)
             ON CONFLICT DO NOTHING",
            &[
                &tenant,
                &(8_000_000_000 + i),
                &first,
                &last,
                &username,
                &phone,
                &rev,
                &key,
            ],
        )?;
    }
    Ok(())
}
