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

/// Reads an export from its bytes (both passes of [`stream_export`], events collected).
pub fn parse_export(bytes: &[u8]) -> Result<DesktopExport, ExportError> {
    let (_, plan) = stream_export(bytes, &Plan::default(), &mut |_| Ok(()))?;
    let mut events = Vec::new();
    let (counts, _) = stream_export(bytes, &plan, &mut |e| {
        events.push(e);
        Ok(())
    })?;
    Ok(DesktopExport {
        account: plan.account,
        events,
        chats: counts.chats,
        chats_skipped: counts.chats_skipped,
        contacts: counts.contacts,
        messages: counts.messages,
    })
}

/// What a first pass over an export learns for the second: who exported it, and the name profile
/// each personal chat gives its person (emitted before the chat's messages, with the time of its
/// last message, which only the end of the chat tells).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// The exporting account.
    pub account: Option<SenderId>,
    names: std::collections::HashMap<usize, Profile>,
    /// The contact list's events, stored before any chat wherever the list sits in the file (a
    /// person's names and phone must be there before their messages).
    contacts: Vec<Event>,
    contact_count: usize,
    /// Whether this plan comes from a first pass (the reader then stores).
    second: bool,
}

/// Counts of one pass.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Personal chats read.
    pub chats: usize,
    /// Other chats skipped.
    pub chats_skipped: usize,
    /// Contact-list entries read.
    pub contacts: usize,
    /// Messages read.
    pub messages: usize,
}

/// Reads an export from `reader` as it arrives, handing `sink` each event in file order: a
/// message list is never held whole, so memory does not grow with the export. Run it twice: first
/// with `Plan::default()` (every field is checked, nothing need be stored; the answer's plan
/// holds the account and the chats' names), then with that plan to store. A `sink` error stops
/// the reading (the caller keeps the reason); the answer is then an error too.
pub fn stream_export<R: std::io::Read>(
    reader: R,
    plan: &Plan,
    sink: &mut dyn FnMut(Event) -> Result<(), ()>,
) -> Result<(Counts, Plan), ExportError> {
    let mut ctx = Ctx {
        plan,
        learned: Plan::default(),
        weak: Vec::new(),
        counts: Counts::default(),
        contact_names: std::collections::HashSet::new(),
        sink,
        error: None,
        chat_index: 0,
        saw_chats: false,
        root: ChatFields::default(),
        root_messages: false,
    };
    let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::new(reader));
    let read =
        serde::de::DeserializeSeed::deserialize(Root(&mut ctx), &mut de).and_then(|()| de.end());
    if let Some(e) = ctx.error.take() {
        return Err(e);
    }
    if let Err(e) = read {
        return Err(ExportError(if e.is_eof() {
            format!(
                "the file ends in the middle of its JSON (line {}, column {}): it is truncated; \
                 copy it again, or {HOW_TO_EXPORT}",
                e.line(),
                e.column()
            )
        } else if e.is_data() {
            format!("the file's JSON is not an object; {HOW_TO_EXPORT}")
        } else {
            format!("the file is not JSON ({e}); {HOW_TO_EXPORT}")
        }));
    }
    if !ctx.saw_chats && !ctx.root_messages {
        return Err(ExportError(format!(
            "this JSON is not a Telegram Desktop export: it has neither `chats` (full export) nor \
             `messages` (single-chat export) at the top level; {HOW_TO_EXPORT}"
        )));
    }
    let mut learned = ctx.learned;
    learned.second = true;
    learned.contact_count = ctx.counts.contacts;
    // A personal chat's name is a weak observation: only for people the contact list does not name.
    for (chat, profile) in ctx.weak {
        if !ctx.contact_names.contains(&profile.sender_id) {
            learned.names.insert(chat, profile);
        }
    }
    Ok((ctx.counts, learned))
}

struct Ctx<'p, 's> {
    plan: &'p Plan,
    learned: Plan,
    weak: Vec<(usize, Profile)>,
    counts: Counts,
    contact_names: std::collections::HashSet<SenderId>,
    sink: &'s mut dyn FnMut(Event) -> Result<(), ()>,
    /// The first problem found, in the export's words (serde's error only stops the reading).
    error: Option<ExportError>,
    chat_index: usize,
    saw_chats: bool,
    /// A single-chat export's own fields (its root is the chat).
    root: ChatFields,
    root_messages: bool,
}

impl Ctx<'_, '_> {
    /// Records `message` as the reason to stop, and the serde error that stops.
    fn fail<E: serde::de::Error>(&mut self, message: String) -> E {
        if self.error.is_none() {
            self.error = Some(ExportError(message));
        }
        E::custom("stopped")
    }

    fn emit<E: serde::de::Error>(&mut self, event: Event) -> Result<(), E> {
        (self.sink)(event).map_err(|()| E::custom("stopped by the store"))
    }

    /// The exporting account as far as known: stated by the file, else learned by a first pass.
    fn account(&self) -> Option<SenderId> {
        self.learned.account.or(self.plan.account)
    }
}

/// A chat's fields that come before its `messages`.
#[derive(Default)]
struct ChatFields {
    name: Option<String>,
    kind: Option<String>,
    id: Option<Value>,
}

impl ChatFields {
    /// Reads one of the chat's small fields; `false` when `key` is not one of them.
    fn take<'de, A: serde::de::MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        ctx: &mut Ctx<'_, '_>,
        place: &str,
    ) -> Result<bool, A::Error> {
        match key {
            "name" => {
                self.name = map
                    .next_value::<Option<Value>>()?
                    .and_then(|v| v.as_str().map(str::to_owned))
            }
            "type" => {
                let v: Value = map.next_value()?;
                let holder = serde_json::json!({ "type": v });
                self.kind = text(&holder, "type", place)
                    .map_err(|e| ctx.fail(e))?
                    .map(str::to_owned);
            }
            "id" => self.id = Some(map.next_value()?),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

struct Root<'c, 'p, 's>(&'c mut Ctx<'p, 's>);

impl<'de> serde::de::DeserializeSeed<'de> for Root<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Root<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a Telegram Desktop export object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.0;
        let mut root_kept = None;
        if ctx.plan.second {
            for event in ctx.plan.contacts.clone() {
                ctx.emit(event)?;
            }
            ctx.counts.contacts = ctx.plan.contact_count;
        }
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "personal_information" => {
                    let p: Value = map.next_value()?;
                    if let Some(id) =
                        number(&p, "user_id", "personal_information").map_err(|e| ctx.fail(e))?
                    {
                        ctx.learned.account = SenderId::new(id).ok();
                    }
                }
                "contacts" if ctx.plan.second => {
                    map.next_value::<serde::de::IgnoredAny>()?; // stored first, from the plan
                }
                "contacts" => {
                    let c: Value = map.next_value()?;
                    contacts(ctx, &c)?;
                }
                "chats" => {
                    ctx.saw_chats = true;
                    map.next_value_seed(Chats(ctx))?;
                }
                "messages" if !ctx.saw_chats => {
                    // A single-chat export: the root is the chat.
                    ctx.root_messages = true;
                    let fields = std::mem::take(&mut ctx.root);
                    root_kept = read_messages(ctx, &fields, &mut map)?;
                    ctx.root = fields;
                }
                k => {
                    let mut fields = std::mem::take(&mut ctx.root);
                    let taken = fields.take(k, &mut map, ctx, "chat #0")?;
                    ctx.root = fields;
                    if !taken {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
            }
        }
        if let Some(kept) = root_kept {
            let fields = std::mem::take(&mut ctx.root);
            read_kept_messages::<A::Error>(ctx, &fields, kept)?;
        }
        Ok(())
    }
}

/// The contact list: names and phones of people with a user ID.
fn contacts<E: serde::de::Error>(ctx: &mut Ctx<'_, '_>, c: &Value) -> Result<(), E> {
    let Some(list) = c.get("list").and_then(Value::as_array) else {
        return Ok(());
    };
    for (i, c) in list.iter().enumerate() {
        let place = || format!("contacts.list[{i}]");
        let Some(id) = number(c, "user_id", &place())
            .map_err(|e| ctx.fail::<E>(e))?
            .filter(|id| *id > 0)
        else {
            continue; // a phone-book entry of someone not on Telegram
        };
        let sender_id = SenderId::new(id)
            .map_err(|e| ctx.fail::<E>(format!("{}: user_id {id}: {e}", place())))?;
        let at = unix_time(c, "date").map_err(|e| ctx.fail::<E>(format!("{}: {e}", place())))?;
        let first_name = str_field(c, "first_name").unwrap_or_default();
        let last_name = str_field(c, "last_name").filter(|s| !s.is_empty());
        ctx.learned.contacts.push(Event::Profile(Profile {
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
            ctx.learned.contacts.push(Event::Phone {
                sender_id,
                phone,
                source: PhoneSource::ContactList,
                at,
            });
        }
        ctx.contact_names.insert(sender_id);
        ctx.counts.contacts += 1;
    }
    Ok(())
}

/// `chats`: `{"about": …, "list": [chat, …]}`.
struct Chats<'c, 'p, 's>(&'c mut Ctx<'p, 's>);

impl<'de> serde::de::DeserializeSeed<'de> for Chats<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Chats<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the `chats` object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.0;
        let mut saw_list = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "list" {
                saw_list = true;
                map.next_value_seed(ChatList(ctx))?;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        if !saw_list {
            return Err(ctx.fail("`chats` has no `list` array; is the file complete?".into()));
        }
        Ok(())
    }
}

struct ChatList<'c, 'p, 's>(&'c mut Ctx<'p, 's>);

impl<'de> serde::de::DeserializeSeed<'de> for ChatList<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ChatList<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the `chats.list` array")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let ctx = self.0;
        while seq.next_element_seed(Chat(ctx))?.is_some() {
            ctx.chat_index += 1;
        }
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(self
            .0
            .fail("`chats` has no `list` array; is the file complete?".into()))
    }
}

/// One chat of `chats.list`.
struct Chat<'c, 'p, 's>(&'c mut Ctx<'p, 's>);

impl<'de> serde::de::DeserializeSeed<'de> for Chat<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Chat<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a chat object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.0;
        let place = format!("chat #{}", ctx.chat_index);
        let mut fields = ChatFields::default();
        let mut saw_messages = false;
        let mut kept = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "messages" {
                saw_messages = true;
                kept = read_messages(ctx, &fields, &mut map)?;
            } else if !fields.take(&key, &mut map, ctx, &place)? {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        if let Some(kept) = kept {
            read_kept_messages::<A::Error>(ctx, &fields, kept)?;
        }
        if !saw_messages {
            if fields.kind.as_deref() == Some("personal_chat") {
                let peer = peer(ctx, &fields, &place)?;
                return Err(ctx.fail(format!("{place} (user {peer}): no `messages` array")));
            }
            ctx.counts.chats_skipped += 1;
        }
        Ok(())
    }
}

/// The chat's user ID, for a personal chat.
fn peer<E: serde::de::Error>(
    ctx: &mut Ctx<'_, '_>,
    fields: &ChatFields,
    place: &str,
) -> Result<SenderId, E> {
    fields
        .id
        .as_ref()
        .and_then(Value::as_u64)
        .and_then(|id| SenderId::new(id).ok())
        .ok_or_else(|| ctx.fail(format!("{place}: a personal chat needs a user `id`")))
}

/// Reads one personal chat's messages, one at a time, whichever way they arrive.
struct ChatReader {
    peer: SenderId,
    place: String,
    index: usize,
    last_at: Option<i64>,
    messages: usize,
}

impl ChatReader {
    /// Starts a chat: its name profile first (from the first pass), then its messages.
    fn begin<E: serde::de::Error>(
        ctx: &mut Ctx<'_, '_>,
        fields: &ChatFields,
    ) -> Result<Option<ChatReader>, E> {
        let place = format!("chat #{}", ctx.chat_index);
        if fields.kind.as_deref() != Some("personal_chat") {
            ctx.counts.chats_skipped += 1;
            return Ok(None);
        }
        let peer = peer(ctx, fields, &place)?;
        if let Some(profile) = ctx.plan.names.get(&ctx.chat_index) {
            ctx.emit(Event::Profile(profile.clone()))?;
        }
        Ok(Some(ChatReader {
            peer,
            place: format!("{place} (user {peer})"),
            index: 0,
            last_at: None,
            messages: 0,
        }))
    }

    fn message<E: serde::de::Error>(&mut self, ctx: &mut Ctx<'_, '_>, m: Value) -> Result<(), E> {
        let place = format!("{}, messages[{}]", self.place, self.index);
        self.index += 1;
        if text(&m, "type", &place).map_err(|e| ctx.fail::<E>(e))? != Some("message") {
            return Ok(()); // service messages: calls, pins, joins
        }
        // A single-chat export names its account only through who wrote: the first author who
        // is not the peer (learned by the first pass, used by the second).
        if ctx.account().is_none() {
            ctx.learned.account = m
                .get("from_id")
                .and_then(Value::as_str)
                .and_then(|f| f.strip_prefix("user"))
                .and_then(|n| n.parse::<u64>().ok())
                .filter(|&n| n != self.peer.get())
                .and_then(|n| SenderId::new(n).ok());
        }
        let account = ctx.plan.account;
        let space = Space::Desktop(account.map_or(0, SenderId::get));
        let message = parse_message(&m, self.peer, account, &space)
            .map_err(|e| ctx.fail::<E>(format!("{place}: {e}")))?;
        self.last_at = self.last_at.max(Some(message.sent_at));
        self.messages += 1;
        ctx.emit(Event::Message(message))
    }

    fn end(self, ctx: &mut Ctx<'_, '_>, fields: &ChatFields) {
        if let (Some(name), Some(at)) = (fields.name.clone(), self.last_at) {
            ctx.weak.push((
                ctx.chat_index,
                Profile {
                    sender_id: self.peer,
                    deleted: looks_deleted(&name, None),
                    first_name: name,
                    last_name: None,
                    username: None,
                    username_known: false,
                    weak: true,
                    at,
                },
            ));
        }
        ctx.counts.messages += self.messages;
        ctx.counts.chats += 1;
    }
}

/// What a chat object's visitor does with `messages`: streams them when the chat's `type` and
/// `id` came first (as Telegram Desktop writes them), or keeps them until the end of the object
/// when a tool reordered the keys (sorted them, say).
fn read_messages<'de, A: serde::de::MapAccess<'de>>(
    ctx: &mut Ctx<'_, '_>,
    fields: &ChatFields,
    map: &mut A,
) -> Result<Option<Value>, A::Error> {
    let known = fields.kind.is_some()
        && (fields.id.is_some() || fields.kind.as_deref() != Some("personal_chat"));
    if known {
        map.next_value_seed(Messages { ctx, fields })?;
        Ok(None)
    } else {
        Ok(Some(map.next_value()?))
    }
}

/// Reads messages kept whole because they came before the chat's `type` or `id`.
fn read_kept_messages<E: serde::de::Error>(
    ctx: &mut Ctx<'_, '_>,
    fields: &ChatFields,
    kept: Value,
) -> Result<(), E> {
    let Value::Array(list) = kept else {
        return Err(not_an_array(ctx, &kept));
    };
    if let Some(mut reader) = ChatReader::begin::<E>(ctx, fields)? {
        for m in list {
            reader.message::<E>(ctx, m)?;
        }
        reader.end(ctx, fields);
    }
    Ok(())
}

fn not_an_array<E: serde::de::Error>(ctx: &mut Ctx<'_, '_>, what: &Value) -> E {
    let place = format!("chat #{}", ctx.chat_index);
    ctx.fail(format!(
        "{place}: `messages` is {}, not the array of messages Telegram Desktop writes; \
         {HOW_TO_EXPORT}",
        type_name(what)
    ))
}

/// A chat's `messages`, read one at a time.
struct Messages<'c, 'p, 's, 'f> {
    ctx: &'c mut Ctx<'p, 's>,
    fields: &'f ChatFields,
}

impl<'de> serde::de::DeserializeSeed<'de> for Messages<'_, '_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Messages<'_, '_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of messages")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let ctx = self.ctx;
        match ChatReader::begin::<A::Error>(ctx, self.fields)? {
            None => while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {},
            Some(mut reader) => {
                while let Some(m) = seq.next_element::<Value>()? {
                    reader.message::<A::Error>(ctx, m)?;
                }
                reader.end(ctx, self.fields);
            }
        }
        Ok(())
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
        Err(not_an_array(self.ctx, &Value::String(v.to_owned())))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<(), E> {
        Err(not_an_array(self.ctx, &Value::from(v)))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<(), E> {
        Err(not_an_array(self.ctx, &Value::from(v)))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<(), E> {
        Err(not_an_array(self.ctx, &Value::from(v)))
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<(), E> {
        Err(not_an_array(self.ctx, &Value::Bool(v)))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Err(not_an_array(self.ctx, &Value::Null))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(not_an_array(self.ctx, &Value::Object(Map::new())))
    }
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
        // Desktop exports keep bots in `bot_chat`s, which are not imported.
        from_bot: false,
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

/// A generated full export of `chats` personal chats of `per_chat` messages each, in Telegram
/// Desktop's key order, for the import tests and the relay's performance report: the account is
/// user 5000 (every third message is its own), chat `c` is with user `7_200_000_000 + c`, named
/// "Person c".
#[doc(hidden)]
pub fn generated_export(chats: u64, per_chat: u64) -> String {
    let mut out = String::from(
        r#"{"about":"generated","personal_information":{"user_id":5000,"first_name":"Shop"},"chats":{"about":"y","list":["#,
    );
    for c in 0..chats {
        let peer = 7_200_000_000 + c;
        if c > 0 {
            out.push(',');
        }
        out.push_str(&format!(
            r#"{{"name":"Person {c}","type":"personal_chat","id":{peer},"messages":["#
        ));
        for m in 0..per_chat {
            if m > 0 {
                out.push(',');
            }
            let from = if m % 3 == 0 { 5000 } else { peer };
            out.push_str(&format!(
                r#"{{"id":{id},"type":"message","date_unixtime":"{t}","from_id":"user{from}","text":"message {m} of {c}"}}"#,
                id = m + 1,
                t = 1_700_000_000 + m,
            ));
        }
        out.push_str("]}");
    }
    out.push_str("]}}");
    out
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
