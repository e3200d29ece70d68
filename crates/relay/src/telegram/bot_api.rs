//! Bot API `Update` objects (webhook bodies) into [`Event`]s.
//!
//! An update is one JSON object with an `update_id` and exactly one payload key. The relay reads the
//! payloads it needs (`message`, `edited_message`, `business_connection`, `business_message`,
//! `edited_business_message`, `deleted_business_messages`); other payload kinds are valid but
//! ignored. An object it cannot interpret (no `update_id`, several payloads, a payload of the wrong
//! shape) is a [`Quarantine`]: kept raw by the storage and acknowledged, so Telegram stops retrying.

use serde::Deserialize;
use serde_json::Value;
use telegram_relay_api::{Direction, Entity, Media, MediaKind, PhoneSource, SenderId};

use super::{Event, NewMessage, Profile, Space, looks_deleted};

/// What an update means.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Facts to store.
    Events(Vec<Event>),
    /// A valid update the relay has no use for (the reason names its kind).
    Ignored(String),
}

/// An update that cannot be interpreted, and why.
#[derive(Debug, PartialEq, Eq)]
pub struct Quarantine {
    /// The `update_id`, when it could be read (so that a retry is recognised as a duplicate).
    pub update_id: Option<i64>,
    /// What is wrong, for the operator.
    pub reason: String,
}

/// The payload kinds the relay stores.
const HANDLED: [&str; 6] = [
    "message",
    "edited_message",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
];

/// Reads one update. `Ok((update_id, parsed))`, or a [`Quarantine`].
pub fn parse_update(update: &Value) -> Result<(i64, Parsed), Quarantine> {
    let Some(object) = update.as_object() else {
        return Err(Quarantine {
            update_id: None,
            reason: "the body is not a JSON object".into(),
        });
    };
    let update_id = match object.get("update_id").and_then(Value::as_i64) {
        Some(id) if id >= 0 => id,
        _ => {
            let reason = if object.contains_key("result") {
                "this is a getUpdates response ({\"ok\":…,\"result\":[…]}), not one Update; \
                 post each element of `result` separately"
            } else {
                "no non-negative integer `update_id`"
            };
            return Err(Quarantine {
                update_id: None,
                reason: reason.into(),
            });
        }
    };
    let payloads: Vec<&str> = object
        .keys()
        .map(String::as_str)
        .filter(|k| *k != "update_id")
        .collect();
    let quarantine = |reason: String| Quarantine {
        update_id: Some(update_id),
        reason,
    };
    let kind = match payloads.as_slice() {
        [one] => *one,
        [] => {
            return Err(quarantine(
                "the update has no payload besides `update_id`".into(),
            ));
        }
        many => {
            return Err(quarantine(format!(
                "an Update carries at most one payload, this one has {}: {}",
                many.len(),
                many.join(", ")
            )));
        }
    };
    if !HANDLED.contains(&kind) {
        return Ok((
            update_id,
            Parsed::Ignored(format!("`{kind}` updates are not stored")),
        ));
    }
    let payload = &object[kind];
    let shape_error =
        |e: serde_json::Error| quarantine(format!("`{kind}` does not have the Bot API shape: {e}"));
    let events = match kind {
        "message" | "edited_message" | "business_message" | "edited_business_message" => {
            let message = Message::deserialize(payload).map_err(shape_error)?;
            let business = kind.contains("business");
            let edited = kind.starts_with("edited");
            message_events(message, business, edited).map_err(quarantine)?
        }
        "business_connection" => {
            let c = BusinessConnection::deserialize(payload).map_err(shape_error)?;
            let owner = sender(c.user.id).map_err(quarantine)?;
            vec![Event::BusinessConnection {
                id: c.id,
                owner,
                enabled: c.is_enabled,
                at: c.date,
            }]
        }
        "deleted_business_messages" => {
            let d = DeletedBusinessMessages::deserialize(payload).map_err(shape_error)?;
            vec![Event::Deleted {
                space: Space::Business(d.business_connection_id),
                chat_id: d.chat.id,
                message_ids: d.message_ids,
            }]
        }
        _ => unreachable!("HANDLED lists every kind matched above"),
    };
    if events.is_empty() {
        return Ok((
            update_id,
            Parsed::Ignored(format!("`{kind}` carried nothing to store")),
        ));
    }
    Ok((update_id, Parsed::Events(events)))
}

fn sender(id: i64) -> Result<SenderId, String> {
    u64::try_from(id)
        .ok()
        .and_then(|id| SenderId::new(id).ok())
        .ok_or_else(|| format!("user id {id} is not a valid Telegram user ID"))
}

fn message_events(m: Message, business: bool, edited: bool) -> Result<Vec<Event>, String> {
    let mut events = Vec::new();
    let private = m.chat.kind == "private";
    let at = if edited {
        m.edit_date.unwrap_or(m.date)
    } else {
        m.date
    };
    let person = if private {
        Some(sender(m.chat.id)?)
    } else {
        None
    };
    let from_peer = m.from.as_ref().is_some_and(|f| f.id == m.chat.id);

    // Profiles: the private chat's peer, and in bot chats any human sender (group members). When
    // the peer sent the message, `from` describes them and wins over the chat object (which may
    // lack the username, as in a shared contact card); otherwise the chat object is all there is.
    if let Some(from) = &m.from
        && private
        && from_peer
    {
        events.push(Event::Profile(from.profile(at)?));
    } else if let Some(person) = person {
        let first_name = m.chat.first_name.clone().unwrap_or_default();
        events.push(Event::Profile(Profile {
            sender_id: person,
            deleted: looks_deleted(&first_name, m.chat.last_name.as_deref()),
            first_name,
            last_name: m.chat.last_name.clone(),
            username: m.chat.username.clone(),
            username_known: true,
            weak: false,
            at,
        }));
    }
    if let Some(from) = &m.from
        && !from.is_bot
        && !business
        && !(private && from_peer)
    {
        events.push(Event::Profile(from.profile(at)?));
    }

    let direction = if business && !from_peer {
        Direction::Out
    } else {
        Direction::In
    };

    if let (Some(contact), Some(from)) = (&m.contact, &m.from)
        && contact.user_id == Some(from.id)
        && direction == Direction::In
    {
        events.push(Event::Phone {
            sender_id: sender(from.id)?,
            phone: contact.phone_number.clone(),
            source: PhoneSource::Shared,
            at,
        });
    }

    let (text, entities) = match (&m.text, &m.caption) {
        (Some(text), _) => (text.clone(), m.entities.as_deref().unwrap_or_default()),
        (None, Some(caption)) => (
            caption.clone(),
            m.caption_entities.as_deref().unwrap_or_default(),
        ),
        (None, None) => (String::new(), &[][..]),
    };
    let media = m.media();
    if text.is_empty() && media.is_none() {
        // A service message (users_shared, write_access_allowed, …): the profiles above are kept,
        // there is nothing to show in the conversation.
        return Ok(events);
    }
    let entities = entities
        .iter()
        .map(RawEntity::to_api)
        .collect::<Result<_, _>>()?;
    let entities = super::fit_entities(&text, entities);
    let space = if business {
        Space::Business(m.business_connection_id.clone().unwrap_or_default())
    } else {
        Space::Bot
    };
    events.push(Event::Message(NewMessage {
        space,
        chat_id: m.chat.id,
        message_id: m.message_id,
        person,
        direction,
        sent_at: m.date,
        text,
        entities,
        media,
        reply_to: m.reply_to_message.as_ref().map(|r| {
            (
                r.message_id,
                r.text
                    .clone()
                    .or_else(|| r.caption.clone())
                    .map(|t| preview(&t)),
            )
        }),
        edited_at: if edited { Some(at) } else { None },
        from_bot: m.from.as_ref().is_some_and(|f| f.is_bot),
    }));
    Ok(events)
}

/// The start of a quoted text: at most 200 characters.
fn preview(text: &str) -> String {
    text.chars().take(200).collect()
}

#[derive(Deserialize)]
struct User {
    id: i64,
    #[serde(default)]
    is_bot: bool,
    #[serde(default)]
    first_name: String,
    last_name: Option<String>,
    username: Option<String>,
}

impl User {
    fn profile(&self, at: i64) -> Result<Profile, String> {
        Ok(Profile {
            sender_id: sender(self.id)?,
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            username: self.username.clone(),
            username_known: true,
            weak: false,
            deleted: looks_deleted(&self.first_name, self.last_name.as_deref()),
            at,
        })
    }
}

#[derive(Deserialize)]
struct Chat {
    id: i64,
    #[serde(rename = "type")]
    kind: String,
    first_name: Option<String>,
    last_name: Option<String>,
    username: Option<String>,
}

#[derive(Deserialize)]
struct Message {
    message_id: i64,
    from: Option<User>,
    chat: Chat,
    date: i64,
    edit_date: Option<i64>,
    business_connection_id: Option<String>,
    text: Option<String>,
    entities: Option<Vec<RawEntity>>,
    caption: Option<String>,
    caption_entities: Option<Vec<RawEntity>>,
    reply_to_message: Option<Box<Message>>,
    photo: Option<Vec<FileInfo>>,
    document: Option<FileInfo>,
    voice: Option<FileInfo>,
    audio: Option<FileInfo>,
    video: Option<FileInfo>,
    video_note: Option<FileInfo>,
    animation: Option<FileInfo>,
    sticker: Option<FileInfo>,
    contact: Option<Contact>,
    location: Option<serde::de::IgnoredAny>,
    venue: Option<Venue>,
    poll: Option<Poll>,
}

impl Message {
    fn media(&self) -> Option<Media> {
        let file = |kind: MediaKind, f: &FileInfo| Media {
            kind,
            file_name: f.file_name.clone(),
            mime_type: f.mime_type.clone(),
            duration_seconds: f.duration,
            file_size: f.file_size,
            title: f.title.clone().or_else(|| f.emoji.clone()),
        };
        let titled = |kind: MediaKind, title: Option<String>| Media {
            kind,
            file_name: None,
            mime_type: None,
            duration_seconds: None,
            file_size: None,
            title,
        };
        // Animations also carry `document`; check them first. Venues also carry `location`.
        if let Some(f) = &self.animation {
            Some(file(MediaKind::Animation, f))
        } else if let Some(sizes) = &self.photo {
            let largest = sizes.iter().max_by_key(|s| s.file_size.unwrap_or(0));
            Some(Media {
                file_size: largest.and_then(|s| s.file_size),
                ..titled(MediaKind::Photo, None)
            })
        } else if let Some(f) = &self.video {
            Some(file(MediaKind::Video, f))
        } else if let Some(f) = &self.video_note {
            Some(file(MediaKind::VideoNote, f))
        } else if let Some(f) = &self.voice {
            Some(file(MediaKind::Voice, f))
        } else if let Some(f) = &self.audio {
            Some(file(MediaKind::Audio, f))
        } else if let Some(f) = &self.document {
            Some(file(MediaKind::Document, f))
        } else if let Some(f) = &self.sticker {
            Some(file(MediaKind::Sticker, f))
        } else if let Some(v) = &self.venue {
            let title = match &v.address {
                Some(address) => format!("{}, {address}", v.title),
                None => v.title.clone(),
            };
            Some(titled(MediaKind::Venue, Some(title)))
        } else if self.location.is_some() {
            Some(titled(MediaKind::Location, None))
        } else if let Some(c) = &self.contact {
            let name = [Some(c.first_name.as_str()), c.last_name.as_deref()]
                .into_iter()
                .flatten()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            Some(titled(MediaKind::Contact, Some(name)))
        } else {
            self.poll
                .as_ref()
                .map(|p| titled(MediaKind::Poll, Some(p.question.clone())))
        }
    }
}

#[derive(Deserialize)]
struct FileInfo {
    file_name: Option<String>,
    mime_type: Option<String>,
    duration: Option<u32>,
    file_size: Option<u64>,
    title: Option<String>,
    emoji: Option<String>,
}

#[derive(Deserialize)]
struct Contact {
    phone_number: String,
    #[serde(default)]
    first_name: String,
    last_name: Option<String>,
    user_id: Option<i64>,
}

#[derive(Deserialize)]
struct Venue {
    title: String,
    address: Option<String>,
}

#[derive(Deserialize)]
struct Poll {
    question: String,
}

#[derive(Deserialize)]
struct RawEntity {
    #[serde(rename = "type")]
    kind: String,
    offset: u32,
    length: u32,
    url: Option<String>,
    user: Option<User>,
    language: Option<String>,
    custom_emoji_id: Option<String>,
}

impl RawEntity {
    fn to_api(&self) -> Result<Entity, String> {
        Ok(Entity {
            kind: self.kind.clone(),
            offset: self.offset,
            length: self.length,
            url: self.url.clone(),
            user_id: self.user.as_ref().map(|u| sender(u.id)).transpose()?,
            language: self.language.clone(),
            custom_emoji_id: self.custom_emoji_id.clone(),
        })
    }
}

#[derive(Deserialize)]
struct BusinessConnection {
    id: String,
    user: User,
    date: i64,
    #[serde(default = "yes")]
    is_enabled: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct DeletedBusinessMessages {
    business_connection_id: String,
    chat: Chat,
    message_ids: Vec<i64>,
}
