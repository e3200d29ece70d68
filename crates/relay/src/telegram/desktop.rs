//! Telegram Desktop exports (`result.json`, "Machine-readable JSON") into [`Event`]s.
//!
//! Two shapes exist: a full export (`personal_information`, `contacts.list`, `chats.list`) and a
//! single-chat export whose root is the chat itself. The relay takes the contact list (names and
//! phone numbers of people with a `user_id`) and the personal chats (`type: "personal_chat"`, whose
//! `id` is the other person's user ID); other chat types are counted and skipped. `from_id` is
//! `user<N>`: a message is incoming when N is the chat's peer. The whole file is parsed before anything
//! is stored, so a bad file stores nothing.

use serde_json::{Map, Value};
use telegram_relay_api::{Direction, Entity, Media, MediaKind, PhoneSource, SenderId};

use super::{Event, NewMessage, Profile, Space, looks_deleted, utf16_len};

/// The result of reading an export.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DesktopExport {
    /// The exporting account, when the file says (full exports).
    pub account: Option<SenderId>,
    /// Facts to store, in file order.
    pub events: Vec<Event>,
    /// Personal chats read.
    pub chats: usize,
    /// Chats of other types (groups, channels, bots, saved messages) skipped.
    pub chats_skipped: usize,
    /// Contact-list entries read (those with a user ID).
    pub contacts: usize,
    /// Messages read.
    pub messages: usize,
}

/// Why a file is not a usable export. The message names the place in the file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct ExportError(String);

const HOW_TO_EXPORT: &str = "export it from Telegram Desktop with Settings → Advanced → Export \
                             Telegram data, format \"Machine-readable JSON\", and pass result.json";

/// Reads an export from its bytes.
pub fn parse_export(bytes: &[u8]) -> Result<DesktopExport, ExportError> {
    let root_value: Value = serde_json::from_slice(bytes).map_err(|e| {
        ExportError(if e.is_eof() {
            format!(
                "the file ends in the middle of its JSON (line {}, column {}): it is truncated; \
                 copy it again, or {HOW_TO_EXPORT}",
                e.line(),
                e.column()
            )
        } else {
            format!("the file is not JSON ({e}); {HOW_TO_EXPORT}")
        })
    })?;
    let Some(root) = root_value.as_object() else {
        return Err(ExportError(format!(
            "the file's JSON is not an object; {HOW_TO_EXPORT}"
        )));
    };
    let mut out = DesktopExport::default();

    let chats: Vec<&Value> = if let Some(chats) = root.get("chats") {
        chats
            .get("list")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                ExportError("`chats` has no `list` array; is the file complete?".into())
            })?
            .iter()
            .collect()
    } else if root.contains_key("messages") {
        vec![&root_value]
    } else {
        return Err(ExportError(format!(
            "this JSON is not a Telegram Desktop export: it has neither `chats` (full export) nor \
             `messages` (single-chat export) at the top level; {HOW_TO_EXPORT}"
        )));
    };

    // The exporting account: from `personal_information`, or in a single-chat export the author of
    // any message in a personal chat who is not the chat's peer.
    let stated_account = match root.get("personal_information") {
        Some(p) => number(p, "user_id", "personal_information").map_err(ExportError)?,
        None => None,
    };
    let account_id = stated_account
        .or_else(|| {
            chats
                .iter()
                .filter(|c| c.get("type").and_then(Value::as_str) == Some("personal_chat"))
                .find_map(|c| {
                    let peer = c.get("id").and_then(Value::as_u64)?;
                    c.get("messages")?.as_array()?.iter().find_map(|m| {
                        let from = m
                            .get("from_id")?
                            .as_str()?
                            .strip_prefix("user")?
                            .parse::<u64>()
                            .ok()?;
                        (from != peer).then_some(from)
                    })
                })
        })
        .and_then(|id| SenderId::new(id).ok());
    out.account = account_id;

    let mut contact_names = std::collections::HashSet::new();
    if let Some(list) = root
        .get("contacts")
        .and_then(|c| c.get("list"))
        .and_then(Value::as_array)
    {
        for (i, c) in list.iter().enumerate() {
            let place = || format!("contacts.list[{i}]");
            let Some(id) = number(c, "user_id", &place())
                .map_err(ExportError)?
                .filter(|id| *id > 0)
            else {
                continue; // a phone-book entry of someone not on Telegram
            };
            let sender_id = SenderId::new(id)
                .map_err(|e| ExportError(format!("{}: user_id {id}: {e}", place())))?;
            let at = unix_time(c, "date").map_err(|e| ExportError(format!("{}: {e}", place())))?;
            let first_name = str_field(c, "first_name").unwrap_or_default();
            let last_name = str_field(c, "last_name").filter(|s| !s.is_empty());
            out.events.push(Event::Profile(Profile {
                sender_id,
                deleted: looks_deleted(&first_name, last_name.as_deref()),
                first_name,
                last_name,
                username: None,
                username_known: false,
                weak: false,
                at,
            }));
            if let Some(phone) = str_field(c, "phone_number").filter(|p| !p.trim().is_empty()) {
                out.events.push(Event::Phone {
                    sender_id,
                    phone,
                    source: PhoneSource::ContactList,
                    at,
                });
            }
            contact_names.insert(sender_id);
            out.contacts += 1;
        }
    }

    for (ci, chat) in chats.into_iter().enumerate() {
        let place = format!("chat #{ci}");
        // A field present with the wrong type is a broken file, not a chat to skip.
        let kind = text(chat, "type", &place).map_err(ExportError)?;
        if let Some(m) = chat.get("messages").filter(|m| !m.is_array()) {
            return Err(ExportError(format!(
                "{place}: `messages` is {}, not the array of messages Telegram Desktop writes; \
                 {HOW_TO_EXPORT}",
                type_name(m)
            )));
        }
        if kind != Some("personal_chat") {
            out.chats_skipped += 1;
            continue;
        }
        let peer = chat
            .get("id")
            .and_then(Value::as_u64)
            .and_then(|id| SenderId::new(id).ok())
            .ok_or_else(|| ExportError(format!("{place}: a personal chat needs a user `id`")))?;
        let messages = chat
            .get("messages")
            .and_then(Value::as_array)
            .ok_or_else(|| ExportError(format!("{place} (user {peer}): no `messages` array")))?;
        let space = Space::Desktop(account_id.map_or(0, SenderId::get));
        let mut parsed = Vec::new();
        for (mi, m) in messages.iter().enumerate() {
            let place = format!("{place} (user {peer}), messages[{mi}]");
            if text(m, "type", &place).map_err(ExportError)? != Some("message") {
                continue; // service messages: calls, pins, joins
            }
            parsed.push(
                parse_message(m, peer, account_id, &space)
                    .map_err(|e| ExportError(format!("{place}: {e}")))?,
            );
        }
        // The chat's name is the person's name as the exporting account saw it: a weak observation
        // (one string, first and last name together) that only fills in a person not seen before.
        let last_at = parsed.iter().map(|m| m.sent_at).max();
        if !contact_names.contains(&peer)
            && let (Some(name), Some(at)) = (str_field(chat, "name"), last_at)
        {
            out.events.push(Event::Profile(Profile {
                sender_id: peer,
                deleted: looks_deleted(&name, None),
                first_name: name,
                last_name: None,
                username: None,
                username_known: false,
                weak: true,
                at,
            }));
        }
        out.messages += parsed.len();
        out.events.extend(parsed.into_iter().map(Event::Message));
        out.chats += 1;
    }
    Ok(out)
}

fn parse_message(
    m: &Value,
    peer: SenderId,
    account: Option<SenderId>,
    space: &Space,
) -> Result<NewMessage, String> {
    let id = m
        .get("id")
        .and_then(Value::as_i64)
        .ok_or("no integer `id`")?;
    let sent_at = unix_time(m, "date")?;
    let edited_at = if m.get("edited_unixtime").is_some() || m.get("edited").is_some() {
        Some(unix_time(m, "edited")?)
    } else {
        None
    };
    let from = text(m, "from_id", "the message")?.unwrap_or("");
    // Outgoing when written by the exporting account; without it, incoming when written by the peer.
    let direction = match account {
        Some(account) if from == format!("user{account}") => Direction::Out,
        Some(_) => Direction::In,
        None if from == format!("user{peer}") => Direction::In,
        None => Direction::Out,
    };
    let (text, entities) = text_and_entities(m.get("text_entities").or_else(|| m.get("text")))?;
    Ok(NewMessage {
        space: space.clone(),
        chat_id: peer.get() as i64,
        message_id: id,
        person: Some(peer),
        direction,
        sent_at,
        text,
        entities,
        media: media(m),
        reply_to: m
            .get("reply_to_message_id")
            .and_then(Value::as_i64)
            .map(|r| (r, None)),
        edited_at,
    })
}

/// `date_unixtime` (a string of digits), or failing that the local-time `date` read as UTC.
fn unix_time(v: &Value, key: &str) -> Result<i64, String> {
    let unix_key = format!("{key}_unixtime");
    if let Some(u) = v.get(&unix_key) {
        return u
            .as_str()
            .and_then(|s| s.parse().ok())
            .or_else(|| u.as_i64())
            .ok_or_else(|| format!("`{unix_key}` is not a number of seconds: {u}"));
    }
    let text = v
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("no `{key}`"))?;
    parse_local_datetime(text)
        .ok_or_else(|| format!("`{key}` is not a date like 2025-02-12T08:37:48: {text:?}"))
}

/// `YYYY-MM-DDTHH:MM:SS` as seconds since the epoch (UTC).
fn parse_local_datetime(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, se) = (
        n(0..4)?,
        n(5..7)?,
        n(8..10)?,
        n(11..13)?,
        n(14..16)?,
        n(17..19)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if mo > 2 { mo - 3 } else { mo + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + se)
}

/// Joins the export's text parts into one string with Bot API entities (UTF-16 offsets).
fn text_and_entities(v: Option<&Value>) -> Result<(String, Vec<Entity>), String> {
    let mut text = String::new();
    let mut entities = Vec::new();
    let parts: &[Value] = match v {
        None | Some(Value::Null) => &[],
        Some(Value::String(s)) => return Ok((s.clone(), Vec::new())),
        Some(Value::Array(parts)) => parts,
        Some(other) => return Err(format!("`text` is neither a string nor an array: {other}")),
    };
    for part in parts {
        match part {
            Value::String(s) => text.push_str(s),
            Value::Object(o) => {
                let piece = o.get("text").and_then(Value::as_str).unwrap_or("");
                let kind = o.get("type").and_then(Value::as_str).unwrap_or("plain");
                let offset = utf16_len(&text);
                text.push_str(piece);
                if let Some(entity) = entity(kind, o, offset, utf16_len(piece)) {
                    entities.push(entity);
                }
            }
            other => {
                return Err(format!(
                    "a text part is neither a string nor an object: {other}"
                ));
            }
        }
    }
    Ok((text, entities))
}

fn entity(kind: &str, o: &Map<String, Value>, offset: u32, length: u32) -> Option<Entity> {
    // The exporter's names, mapped to the Bot API's.
    let kind = match kind {
        "plain" => return None,
        "link" => "url",
        "phone" => "phone_number",
        "mention_name" => "text_mention",
        "bank_card" => "bank_card_number",
        other => other,
    };
    Some(Entity {
        kind: kind.to_owned(),
        offset,
        length,
        url: o.get("href").and_then(Value::as_str).map(str::to_owned),
        user_id: o
            .get("user_id")
            .and_then(Value::as_u64)
            .and_then(|id| SenderId::new(id).ok()),
        language: o.get("language").and_then(Value::as_str).map(str::to_owned),
        custom_emoji_id: o
            .get("document_id")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

fn media(m: &Value) -> Option<Media> {
    let s = |k: &str| str_field(m, k);
    let placeholder = |kind| Media {
        kind,
        file_name: s("file_name"),
        mime_type: s("mime_type"),
        duration_seconds: m
            .get("duration_seconds")
            .and_then(Value::as_u64)
            .map(|d| d as u32),
        file_size: m.get("file_size").and_then(Value::as_u64),
        title: s("title").or_else(|| s("sticker_emoji")),
    };
    if m.get("photo").is_some() {
        return Some(Media {
            file_size: m.get("photo_file_size").and_then(Value::as_u64),
            ..placeholder(MediaKind::Photo)
        });
    }
    if let Some(kind) = m.get("media_type").and_then(Value::as_str) {
        let kind = match kind {
            "voice_message" => MediaKind::Voice,
            "video_message" => MediaKind::VideoNote,
            "video_file" => MediaKind::Video,
            "audio_file" => MediaKind::Audio,
            "animation" => MediaKind::Animation,
            "sticker" => MediaKind::Sticker,
            _ => MediaKind::Document,
        };
        return Some(placeholder(kind));
    }
    if m.get("file").is_some() {
        return Some(placeholder(MediaKind::Document));
    }
    if let Some(poll) = m.get("poll") {
        let question = poll
            .get("question")
            .and_then(Value::as_str)
            .map(str::to_owned);
        return Some(Media {
            title: question,
            ..placeholder(MediaKind::Poll)
        });
    }
    if m.get("location_information").is_some() {
        return Some(placeholder(if m.get("place_name").is_some() {
            MediaKind::Venue
        } else {
            MediaKind::Location
        }));
    }
    if let Some(c) = m.get("contact_information") {
        let name = [str_field(c, "first_name"), str_field(c, "last_name")]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        return Some(Media {
            title: Some(name),
            ..placeholder(MediaKind::Contact)
        });
    }
    None
}

/// `key` of `v` as a whole number: `None` when absent or null, an error naming `place` when it
/// holds something else (a string of digits included: Telegram Desktop writes numbers).
fn number(v: &Value, key: &str, place: &str) -> Result<Option<u64>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(n) => n.as_u64().map(Some).ok_or_else(|| {
            format!(
                "{place}: `{key}` is {}, where Telegram Desktop writes a whole number",
                type_name(n)
            )
        }),
    }
}

/// `key` of `v` as a string: `None` when absent or null, an error naming `place` otherwise.
fn text<'a>(v: &'a Value, key: &str, place: &str) -> Result<Option<&'a str>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(s) => s.as_str().map(Some).ok_or_else(|| {
            format!(
                "{place}: `{key}` is {}, where Telegram Desktop writes a string",
                type_name(s)
            )
        }),
    }
}

/// A JSON value's kind and a short quote of it, for error messages.
fn type_name(v: &Value) -> String {
    let kind = match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    let quote: String = v.to_string().chars().take(40).collect();
    format!("{kind} ({quote})")
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrongly_typed_fields_are_refused_with_their_place() {
        let chat = |extra: serde_json::Value| {
            let mut c = serde_json::json!({"id": 4200000001u64, "name": "Ana", "type": "personal_chat",
                "messages": [{"id": 1, "type": "message", "date": "2025-02-12T08:37:48",
                              "date_unixtime": "1739349468", "from": "Ana", "from_id": "user4200000001", "text": "hi"}]});
            for (k, v) in extra.as_object().unwrap() {
                c[k] = v.clone();
            }
            c
        };
        let with_message = |field: &str, value: serde_json::Value| {
            let mut c = chat(serde_json::json!({}));
            c["messages"][0][field] = value;
            c
        };
        let cases = [
            (
                serde_json::json!({"contacts": {"list": [{"user_id": "4200000001", "first_name": "Ana", "date_unixtime": "1"}]},
                                   "chats": {"list": []}}),
                "contacts.list[0]: `user_id` is a string",
            ),
            (
                serde_json::json!({"chats": {"list": [with_message("from_id", serde_json::json!(4200000001u64))]}}),
                "messages[0]: the message: `from_id` is a number",
            ),
            (
                serde_json::json!({"chats": {"list": [chat(serde_json::json!({"type": 3}))]}}),
                "chat #0: `type` is a number",
            ),
            (
                serde_json::json!({"personal_information": {"user_id": "4200000009"}, "chats": {"list": []}}),
                "personal_information: `user_id` is a string",
            ),
            (
                serde_json::json!({"name": "Ana", "type": "personal_chat", "id": 4200000001u64, "messages": "x"}),
                "chat #0: `messages` is a string",
            ),
            (
                serde_json::json!({"chats": {"list": [with_message("type", serde_json::json!(["message"]))]}}),
                "messages[0]: `type` is an array",
            ),
        ];
        for (file, expected) in cases {
            let err = parse_export(file.to_string().as_bytes())
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{expected:?} not in {err:?}");
        }
        // The same files with the right types read.
        let good = serde_json::json!({"personal_information": {"user_id": 4200000009u64},
            "contacts": {"list": [{"user_id": 4200000001u64, "first_name": "Ana", "date_unixtime": "1"}]},
            "chats": {"list": [chat(serde_json::json!({}))]}});
        let read = parse_export(good.to_string().as_bytes()).unwrap();
        assert_eq!((read.contacts, read.chats, read.messages), (1, 1, 1));
        assert_eq!(read.account.map(SenderId::get), Some(4200000009));
    }

    #[test]
    fn local_dates_read_as_utc() {
        assert_eq!(
            parse_local_datetime("2025-02-12T08:37:48"),
            Some(1_739_349_468)
        );
        assert_eq!(parse_local_datetime("1970-01-01T00:00:00"), Some(0));
        assert_eq!(parse_local_datetime("2025-13-12T08:37:48"), None);
        assert_eq!(parse_local_datetime("yesterday"), None);
    }

    #[test]
    fn text_parts_become_utf16_entities() {
        let v: Value = serde_json::json!([
            {"type": "plain", "text": "😆 "},
            {"type": "bold", "text": "bold"},
            " and ",
            {"type": "text_link", "text": "link", "href": "https://example.com"}
        ]);
        let (text, entities) = text_and_entities(Some(&v)).unwrap();
        assert_eq!(text, "😆 bold and link");
        assert_eq!(
            (
                entities[0].kind.as_str(),
                entities[0].offset,
                entities[0].length
            ),
            ("bold", 3, 4)
        );
        assert_eq!(entities[1].offset, 12);
        assert_eq!(entities[1].url.as_deref(), Some("https://example.com"));
    }
}
