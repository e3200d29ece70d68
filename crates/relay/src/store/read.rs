//! Reads for the plugin API, on read-only connections.

use telegram_identity::TelegramPerson;
use telegram_relay_api::{
    Direction, DirectoryPage, LinkAction, LinkEvent, Message, MessagePage, NewLinkEvent, Person,
    PersonSummary, PhoneSource, PreviousVersion, ProfileChange, ProfileField, ReplyRef, SenderId,
};

use super::codes::Code;
use super::sql::{Backend, Cell, Conn, Param, Row};
use super::{
    LinkFilter, MessagePosition, PageStart, QuarantinedUpdate, Revision, StoreError, TenantId,
};
use crate::cursor;

/// A stored sender ID column.
pub(super) fn sender(v: i64) -> Result<SenderId, StoreError> {
    SenderId::new(v as u64).map_err(|e| super::sql::unreadable(0, e))
}

const SUMMARY_COLUMNS: &str =
    "sender_id, first_name, last_name, username, phone, deleted, last_seen, rev";

fn summary(r: &Row<'_>) -> Result<(PersonSummary, i64), StoreError> {
    Ok((
        PersonSummary {
            sender_id: sender(r.get(0)?)?,
            first_name: r.get(1)?,
            last_name: r.get(2)?,
            username: r.get(3)?,
            phone: r.get(4)?,
            deleted: r.get(5)?,
            last_seen: r.get(6)?,
        },
        r.get(7)?,
    ))
}

/// A person's profile, history and newest message.
pub fn person(
    conn: &Conn<'_>,
    tenant: TenantId,
    id: SenderId,
) -> Result<Option<Person>, StoreError> {
    let key: [&dyn Param; 2] = [&tenant, &(id.get() as i64)];
    let row = conn.query_opt(
        "SELECT first_name, last_name, username, phone, phone_source, deleted, first_seen,
                last_seen, message_count
         FROM people WHERE tenant_id = ?1 AND sender_id = ?2",
        &key,
        |r| {
            let source: Option<String> = r.get(4)?;
            Ok(Person {
                sender_id: id,
                first_name: r.get(0)?,
                last_name: r.get(1)?,
                username: r.get(2)?,
                phone: r.get(3)?,
                phone_source: source.map(|s| PhoneSource::decode(4, &s)).transpose()?,
                deleted: r.get(5)?,
                first_seen: r.get(6)?,
                last_seen: r.get(7)?,
                message_count: r.get::<i64>(8)? as u64,
                last_message: None,
                history: Vec::new(),
            })
        },
    )?;
    let Some(mut person) = row else {
        return Ok(None);
    };
    person.history = conn.query(
        "SELECT field, old_value, new_value, valid_until FROM profile_changes
         WHERE tenant_id = ?1 AND sender_id = ?2 ORDER BY valid_until DESC, id DESC",
        &key,
        |r| {
            let field: String = r.get(0)?;
            Ok(ProfileChange {
                field: ProfileField::decode(0, &field)?,
                old_value: r.get(1)?,
                new_value: r.get(2)?,
                valid_until: r.get(3)?,
            })
        },
    )?;
    person.last_message = page(conn, tenant, id, PageStart::Newest, 1)?.messages.pop();
    Ok(Some(person))
}

const MESSAGE_COLUMNS: &str =
    "id, space, chat_id, tg_id, direction, sent_at, text, entities, media,
                               reply_to, reply_text, edited_at, deleted_at, rev,
                               (SELECT agent FROM replies r WHERE r.tenant_id = messages.tenant_id
                                  AND r.message_id = messages.id)";

struct MessageRow {
    message: Message,
    /// The stored row's ID (`message.id` is its text for the API).
    row_id: i64,
    space: String,
    chat_id: i64,
    rev: i64,
}

fn message_row(r: &Row<'_>) -> Result<MessageRow, StoreError> {
    let space: String = r.get(1)?;
    let json_err = |i: usize| move |e: serde_json::Error| super::sql::unreadable(i, e);
    let entities: Option<String> = r.get(7)?;
    let media: Option<String> = r.get(8)?;
    let direction: String = r.get(4)?;
    let (origin, business_connection_id) = match space.split_once(':') {
        Some(("bc", id)) => (
            telegram_relay_api::MessageOrigin::Business,
            Some(id.to_owned()).filter(|s| !s.is_empty()),
        ),
        Some(("desktop", _)) => (telegram_relay_api::MessageOrigin::DesktopExport, None),
        _ => (telegram_relay_api::MessageOrigin::Bot, None),
    };
    let reply_to: Option<i64> = r.get(9)?;
    let deleted_at: Option<i64> = r.get(12)?;
    Ok(MessageRow {
        message: Message {
            id: r.get::<i64>(0)?.to_string(),
            telegram_message_id: r.get(3)?,
            origin,
            business_connection_id,
            direction: Direction::decode(4, &direction)?,
            sent_at: r.get(5)?,
            text: r.get(6)?,
            entities: entities
                .map(|e| serde_json::from_str(&e).map_err(json_err(7)))
                .transpose()?
                .unwrap_or_default(),
            media: media
                .map(|m| serde_json::from_str(&m).map_err(json_err(8)))
                .transpose()?,
            reply_to: reply_to.map(|id| ReplyRef {
                telegram_message_id: id,
                id: None,
                text: None,
            }),
            edited_at: r.get(11)?,
            previous_versions: Vec::new(),
            deleted: deleted_at.is_some(),
            deleted_at,
            sent_by: r.get(14)?,
        },
        row_id: r.get(0)?,
        chat_id: r.get(2)?,
        space,
        rev: r.get(13)?,
    })
    .and_then(|mut row| {
        if let Some(reply) = &mut row.message.reply_to {
            reply.text = r.get(10)?;
        }
        Ok(row)
    })
}

/// One stored message by its row ID, as a page shows it.
pub fn message_by_row(
    conn: &Conn<'_>,
    tenant: TenantId,
    row_id: i64,
) -> Result<Option<Message>, StoreError> {
    let row = conn.query_opt(
        &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE tenant_id = ?1 AND id = ?2"),
        &[&tenant, &row_id],
        message_row,
    )?;
    let Some(mut row) = row else { return Ok(None) };
    complete(conn, tenant, &mut row)?;
    Ok(Some(row.message))
}

/// Fills in what a page needs beyond the row: previous versions and the replied-to message.
fn complete(conn: &Conn<'_>, tenant: TenantId, row: &mut MessageRow) -> Result<(), StoreError> {
    if row.message.edited_at.is_some() {
        row.message.previous_versions = conn.query(
            "SELECT text, valid_until FROM message_versions WHERE message_id = ?1
             ORDER BY valid_until DESC",
            &[&row.row_id],
            |r| {
                Ok(PreviousVersion {
                    text: r.get(0)?,
                    valid_until: r.get(1)?,
                })
            },
        )?;
    }
    if let Some(reply) = &mut row.message.reply_to {
        let found: Option<(i64, String)> = conn.query_opt(
            "SELECT id, text FROM messages
             WHERE tenant_id = ?1 AND space = ?2 AND chat_id = ?3 AND tg_id = ?4",
            &[
                &tenant,
                &row.space,
                &row.chat_id,
                &reply.telegram_message_id,
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if let Some((id, text)) = found {
            reply.id = Some(id.to_string());
            if reply.text.is_none() {
                reply.text = Some(text.chars().take(200).collect());
            }
        }
    }
    Ok(())
}

/// A conversation page; `None` when the person is unknown in the tenant.
pub fn messages(
    conn: &Conn<'_>,
    tenant: TenantId,
    id: SenderId,
    start: PageStart,
    limit: u32,
) -> Result<Option<MessagePage>, StoreError> {
    let known = conn.query_opt(
        "SELECT 1 FROM people WHERE tenant_id = ?1 AND sender_id = ?2",
        &[&tenant, &(id.get() as i64)],
        |_| Ok(()),
    )?;
    if known.is_none() {
        return Ok(None);
    }
    page(conn, tenant, id, start, limit).map(Some)
}

fn page(
    conn: &Conn<'_>,
    tenant: TenantId,
    id: SenderId,
    start: PageStart,
    limit: u32,
) -> Result<MessagePage, StoreError> {
    let person = id.get() as i64;
    let fetch = i64::from(limit) + 1;
    let mut rows: Vec<MessageRow> = match start {
        PageStart::Newest => conn.query(
            &format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE tenant_id = ?1 AND person = ?2
                 ORDER BY sent_at DESC, id DESC LIMIT ?3"
            ),
            &[&tenant, &person, &fetch],
            message_row,
        )?,
        PageStart::Before(at) => conn.query(
            &format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE tenant_id = ?1 AND person = ?2
                   AND (sent_at, id) < (?3, ?4)
                 ORDER BY sent_at DESC, id DESC LIMIT ?5"
            ),
            &[&tenant, &person, &at.sent_at, &at.id, &fetch],
            message_row,
        )?,
        PageStart::After(rev) => conn.query(
            &format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE tenant_id = ?1 AND person = ?2
                   AND rev > ?3
                 ORDER BY rev LIMIT ?4"
            ),
            &[&tenant, &person, &rev.0, &fetch],
            message_row,
        )?,
    };
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    for row in &mut rows {
        complete(conn, tenant, row)?;
    }
    let (older, newer) = match start {
        PageStart::After(rev) => {
            let newest = rows.iter().map(|r| Revision(r.rev)).max().unwrap_or(rev);
            // When more changes wait, the client polls again at once from where this page ended.
            (None, newest)
        }
        _ => {
            let older = if more {
                rows.last().map(|r| {
                    cursor::before(MessagePosition {
                        sent_at: r.message.sent_at,
                        id: r.row_id,
                    })
                })
            } else {
                None
            };
            let newest: Option<i64> = conn.query_one(
                "SELECT max(rev) FROM messages WHERE tenant_id = ?1 AND person = ?2",
                &[&tenant, &person],
                |r| r.get(0),
            )?;
            (older, Revision(newest.unwrap_or(0)))
        }
    };
    Ok(MessagePage {
        messages: rows.into_iter().map(|r| r.message).collect(),
        older,
        newer: cursor::rev(newer),
    })
}

/// The most words of a query that count; later words are ignored.
const MAX_SEARCH_WORDS: usize = 8;

/// People whose search key contains every word of `q`, in any order ("garcía lucía" finds Lucía
/// Fernández García). A word also matches as the identity engine folds it ("jose nunez" finds José
/// Núñez, "andrei" Андрей) and by its sound-alike key ("andrey" finds Andrei). A query that looks
/// like a phone number is one word: its digits; `@name` and `t.me/name` links are the username.
pub fn search(
    conn: &Conn<'_>,
    tenant: TenantId,
    q: &str,
    limit: u32,
) -> Result<Vec<PersonSummary>, StoreError> {
    let Some((sql, values)) = search_query(conn.backend(), tenant, q, limit) else {
        return Ok(Vec::new());
    };
    let params: Vec<&dyn Param> = values.iter().map(|v| v as &dyn Param).collect();
    conn.query(&sql, &params, |r| summary(r).map(|(s, _)| s))
}

/// The forms one query word may take in a search key (see
/// [`apply::search_key`](super::apply::search_key)): as typed (lower-cased), folded, and the
/// sound-alike key of a folded word of three letters or more.
fn word_forms(word: &str) -> Vec<String> {
    let mut forms = vec![word.to_owned()];
    // Only words of letters fold: `per*` or `near(per` stay as typed (a symbol is no wildcard).
    if !word.chars().all(|c| c.is_alphabetic() || "'’-".contains(c)) {
        return forms;
    }
    let folded = telegram_identity::normalize::fold_name(word);
    let joined = folded.join(" ");
    if !joined.is_empty() && joined != word {
        forms.push(joined);
    }
    if let [one] = folded.as_slice()
        && one.len() >= 3
    {
        forms.push(format!(
            "~{}~",
            telegram_identity::normalize::phonetic_key(one)
        ));
    }
    forms
}

/// The statement and parameters of [`search`]; `None` when `q` has no word.
pub(super) fn search_query(
    backend: Backend,
    tenant: TenantId,
    q: &str,
    limit: u32,
) -> Option<(String, Vec<Cell>)> {
    let q = q.trim().to_lowercase();
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    let phone_like = !digits.is_empty()
        && q.chars()
            .all(|c| c.is_ascii_digit() || c.is_whitespace() || "+-().".contains(c));
    // `@name`, `t.me/name` and `https://t.me/name` are a username.
    let link = (!q.contains(char::is_whitespace) && (q.starts_with('@') || q.contains("t.me/")))
        .then(|| telegram_identity::normalize::normalize_username(&q).ok())
        .flatten();
    let words: Vec<Vec<String>> = if phone_like {
        vec![vec![digits]]
    } else if let Some(name) = &link {
        vec![vec![name.clone()]]
    } else {
        q.split_whitespace()
            .map(|w| w.trim_start_matches('@'))
            .filter(|w| !w.is_empty())
            .take(MAX_SEARCH_WORDS)
            .map(word_forms)
            .collect()
    };
    if words.is_empty() {
        return None;
    }
    let username = link.unwrap_or_else(|| q.trim_start_matches('@').to_owned());
    let mut values = vec![
        Cell::Int(Some(tenant.0)),
        Cell::Text(Some(username)),
        Cell::Int(Some(i64::from(limit))),
    ];
    if backend == Backend::Postgres {
        return Some(postgres_search(words, values));
    }
    // Only placeholders are formatted into the SQL; every value is a parameter. Words whose forms
    // all have three or more characters narrow the search through the trigram index (each form a
    // quoted FTS5 phrase, the forms of a word joined by OR: a substring); every word is then
    // checked exactly with instr.
    let phrases: Vec<String> = words
        .iter()
        .filter(|forms| forms.iter().all(|f| f.chars().count() >= 3))
        .map(|forms| {
            let quoted: Vec<String> = forms
                .iter()
                .map(|f| format!("\"{}\"", f.replace('"', "\"\"")))
                .collect();
            format!("({})", quoted.join(" OR "))
        })
        .collect();
    let mut conditions = String::new();
    // Without statistics the planner would rather walk the tenant's whole primary-key range.
    let mut index = "";
    if !phrases.is_empty() {
        values.push(Cell::Text(Some(phrases.join(" AND "))));
        conditions +=
            " AND search_rowid IN (SELECT rowid FROM people_search WHERE people_search MATCH ?4)";
        index = " INDEXED BY people_by_search_rowid";
    }
    for forms in words {
        let mut any = Vec::new();
        for form in forms {
            values.push(Cell::Text(Some(form)));
            any.push(format!("instr(search_key, ?{}) > 0", values.len()));
        }
        conditions += &format!(" AND ({})", any.join(" OR "));
    }
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM people{index} WHERE tenant_id = ?1{conditions}
         ORDER BY (lower(username) = ?2) IS TRUE DESC, last_seen DESC LIMIT ?3"
    );
    Some((sql, values))
}

/// People changed after `after`.
pub fn directory(
    conn: &Conn<'_>,
    tenant: TenantId,
    after: Revision,
    limit: u32,
) -> Result<DirectoryPage, StoreError> {
    let mut rows = conn.query(
        &format!(
            "SELECT {SUMMARY_COLUMNS} FROM people WHERE tenant_id = ?1 AND rev > ?2
             ORDER BY rev LIMIT ?3"
        ),
        &[&tenant, &after.0, &(i64::from(limit) + 1)],
        summary,
    )?;
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = rows.last().map_or(after, |(_, rev)| Revision(*rev));
    Ok(DirectoryPage {
        people: rows.into_iter().map(|(p, _)| p).collect(),
        next: cursor::rev(next),
        has_more,
    })
}

/// Every person, ordered by sender ID.
pub fn all_people(conn: &Conn<'_>, tenant: TenantId) -> Result<Vec<TelegramPerson>, StoreError> {
    conn.query(
        "SELECT sender_id, first_name, last_name, username, phone FROM people
         WHERE tenant_id = ?1 ORDER BY sender_id",
        &[&tenant],
        |r| {
            Ok(TelegramPerson {
                sender_id: sender(r.get(0)?)?,
                first_name: r.get(1)?,
                last_name: r.get::<Option<String>>(2)?.unwrap_or_default(),
                username: r.get(3)?,
                phone: r.get(4)?,
            })
        },
    )
}

/// Journal entries, newest first.
pub fn link_events(
    conn: &Conn<'_>,
    tenant: TenantId,
    filter: &LinkFilter,
) -> Result<Vec<LinkEvent>, StoreError> {
    let sender_id;
    let (condition, value): (&str, &dyn Param) = match filter {
        LinkFilter::Sender(s) => {
            sender_id = s.get() as i64;
            ("(old_sender = ?2 OR new_sender = ?2)", &sender_id)
        }
        LinkFilter::Contact(c) => ("contact_id = ?2", c),
        LinkFilter::Batch(b) => ("batch_id = ?2", b),
    };
    let sql = format!(
        "SELECT id, recorded_at, action, contact_id, old_value, new_value, old_sender, new_sender,
                actor, batch_id, undoes, reason
         FROM link_events WHERE tenant_id = ?1 AND {condition} ORDER BY id DESC"
    );
    conn.query(&sql, &[&tenant, value], |r| {
        let action: String = r.get(2)?;
        let old_sender: Option<i64> = r.get(6)?;
        let new_sender: Option<i64> = r.get(7)?;
        Ok(LinkEvent {
            id: r.get::<i64>(0)?.to_string(),
            recorded_at: r.get(1)?,
            sender_id: new_sender.or(old_sender).map(sender).transpose()?,
            event: NewLinkEvent {
                action: LinkAction::decode(2, &action)?,
                contact_id: r.get(3)?,
                old_value: r.get(4)?,
                new_value: r.get(5)?,
                actor: r.get(8)?,
                batch_id: r.get(9)?,
                undoes: r.get(10)?,
                reason: r.get(11)?,
            },
        })
    })
}

/// Quarantined updates, oldest first.
pub fn quarantine(
    conn: &Conn<'_>,
    tenant: Option<TenantId>,
) -> Result<Vec<QuarantinedUpdate>, StoreError> {
    conn.query(
        "SELECT q.id, t.name, q.webhook_id, q.update_id, q.received_at, q.reason, q.body
         FROM quarantine q JOIN tenants t ON t.id = q.tenant_id
         WHERE CAST(?1 AS BIGINT) IS NULL OR q.tenant_id = ?1 ORDER BY q.id",
        &[&tenant.map(|t| t.0)],
        |r| {
            Ok(QuarantinedUpdate {
                id: r.get(0)?,
                tenant: r.get(1)?,
                webhook_id: r.get(2)?,
                update_id: r.get(3)?,
                received_at: r.get(4)?,
                reason: r.get(5)?,
                body: r.get(6)?,
            })
        },
    )
}

/// [`search_query`] for PostgreSQL: each form of a word is a `LIKE '%form%'`, which the trigram
/// index on `search_key` (pg_trgm) serves for forms of three characters or more.
fn postgres_search(words: Vec<Vec<String>>, mut values: Vec<Cell>) -> (String, Vec<Cell>) {
    let mut conditions = String::new();
    for forms in words {
        let mut any = Vec::new();
        for form in forms {
            let escaped = form
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            values.push(Cell::Text(Some(format!("%{escaped}%"))));
            any.push(format!("search_key LIKE ?{} ESCAPE '\\'", values.len()));
        }
        conditions += &format!(" AND ({})", any.join(" OR "));
    }
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM people WHERE tenant_id = ?1{conditions}
         ORDER BY (lower(username) = ?2) IS TRUE DESC, last_seen DESC LIMIT ?3"
    );
    (sql, values)
}
