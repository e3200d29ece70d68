//! Normalised records and the blocking index that finds candidates without comparing all pairs.

use crate::normalize::{NameKey, PhoneKey, Region, normalize_username};
use crate::{CrmContact, TelegramPerson};

/// A Telegram person reduced to what scoring and blocking need, built once per person. It holds
/// no heap memory and 248 bytes: a directory of a million people is a few blocks of memory,
/// and scoring a candidate reads a few neighbouring cache lines.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Person {
    pub(crate) name: NameKey,
    /// The phone key, read without a region.
    phone: Option<PhoneKey>,
    /// The phone's digits as written (with their count) when it has no `+` or `00`, and so may be
    /// a national number that only the contact's region resolves ([`PhoneKey::parse_telegram`]);
    /// a count of 0 when not.
    written: (u64, u8),
    /// The normalised username.
    pub(crate) username: Option<Handle>,
}

/// A CRM contact reduced to what scoring and blocking need. Built for each contact as it is
/// matched, on the stack.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Contact {
    pub(crate) name: NameKey,
    phones: [PhoneKey; MAX_PHONES],
    phone_count: u8,
    /// The normalised username field.
    pub(crate) username: Option<Handle>,
    /// Email local parts folded like [`fold_handle`], sorted, without repeats.
    email_handles: [Handle; MAX_EMAIL_HANDLES],
    email_handle_count: u8,
    /// The default region its national numbers were read with.
    region: Option<&'static Region>,
}

/// Phone numbers of a contact that take part in matching; more are ignored. A contact lives on the
/// stack while it is matched, so room is cheap.
const MAX_PHONES: usize = 8;
/// Email addresses of a contact that take part in matching; more are ignored.
const MAX_EMAIL_HANDLES: usize = 8;

/// A username or a folded handle, inline: Telegram usernames have at most 32 characters, so a
/// longer handle could never equal one and is not kept.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Handle {
    bytes: [u8; 32],
    len: u8,
}

impl Handle {
    fn new(s: &str) -> Option<Handle> {
        let mut h = Handle::default();
        h.bytes.get_mut(..s.len())?.copy_from_slice(s.as_bytes());
        h.len = s.len() as u8;
        Some(h)
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII usernames and handles are stored.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }

    /// A username folded like [`fold_handle`]: usernames are lowercase letters, digits and `_`, so
    /// only the underscores go.
    fn folded(&self) -> Handle {
        let mut h = Handle::default();
        for &b in self.as_str().as_bytes().iter().filter(|&&b| b != b'_') {
            h.bytes[usize::from(h.len)] = b;
            h.len += 1;
        }
        h
    }
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

impl Person {
    pub(crate) fn new(p: &TelegramPerson) -> Person {
        Person {
            name: NameKey::new(&p.first_name, &p.last_name),
            phone: p
                .phone
                .as_deref()
                .and_then(|x| PhoneKey::parse_telegram(x, None)),
            written: p
                .phone
                .as_deref()
                .and_then(PhoneKey::telegram_written)
                .unwrap_or((0, 0)),
            username: p
                .username
                .as_deref()
                .and_then(|u| normalize_username(u).ok())
                .and_then(|u| Handle::new(&u)),
        }
    }

    /// Reads the record's parts that scoring reads first, to bring them into the cache.
    pub(crate) fn touch(&self) {
        std::hint::black_box((
            self.name.len(),
            self.phone.is_some(),
            self.username.is_some(),
        ));
    }

    /// The phone key as read without a region.
    pub(crate) fn phone(&self) -> Option<PhoneKey> {
        self.phone
    }

    /// The username folded like [`fold_handle`], to meet a contact's email local parts.
    pub(crate) fn handle(&self) -> Option<Handle> {
        self.username.map(|u| u.folded())
    }

    /// The phone key as `contact` reads it: a number written without `+` or `00` is read again
    /// with the contact's region, which may make it national (`0409 239 102`).
    pub(crate) fn phone_for(&self, contact: &Contact) -> Option<PhoneKey> {
        match (self.written, contact.region) {
            ((digits, count), Some(region)) if count > 0 => {
                PhoneKey::parse_telegram_digits((digits, count), Some(*region))
            }
            _ => self.phone,
        }
    }
}

impl Contact {
    pub(crate) fn new(c: &CrmContact, region: Option<&'static Region>) -> Contact {
        let mut contact = Contact {
            name: NameKey::new(&c.name, ""),
            phones: [PhoneKey::UNUSED; MAX_PHONES],
            phone_count: 0,
            username: c
                .username
                .as_deref()
                .and_then(|u| normalize_username(u).ok())
                .and_then(|u| Handle::new(&u)),
            email_handles: [Handle::default(); MAX_EMAIL_HANDLES],
            email_handle_count: 0,
            region,
        };
        let phones = c
            .phones
            .iter()
            .filter_map(|p| PhoneKey::parse(p, region.copied()));
        contact.phone_count = keep_distinct(&mut contact.phones, phones);
        let handles = c.emails.iter().filter_map(|e| {
            let (local, _) = e.trim().rsplit_once('@')?;
            Handle::new(&fold_handle(local)).filter(|h| h.len >= 5)
        });
        contact.email_handle_count = keep_distinct(&mut contact.email_handles, handles);
        contact
    }

    /// The contact's phone keys, sorted, without repeats.
    pub(crate) fn phones(&self) -> &[PhoneKey] {
        &self.phones[..usize::from(self.phone_count)]
    }

    /// The contact's email handles.
    pub(crate) fn email_handles(&self) -> &[Handle] {
        &self.email_handles[..usize::from(self.email_handle_count)]
    }
}

/// Fills `slots` with the first distinct `items` that fit, sorted, and returns how many.
fn keep_distinct<T: Copy + PartialEq + PartialOrd>(
    slots: &mut [T],
    items: impl Iterator<Item = T>,
) -> u8 {
    let mut n = 0;
    for item in items {
        if n == slots.len() {
            break;
        }
        if !slots[..n].contains(&item) {
            slots[n] = item;
            n += 1;
        }
    }
    super::sort_small_by(&mut slots[..n], |a, b| a < b);
    n as u8
}

/// A handle reduced for comparing an email local part with a username: lowercase letters and
/// digits only, `+tag` dropped (`Lucia.FG+crm` → `luciafg`).
pub(crate) fn fold_handle(s: &str) -> String {
    let s = s.split('+').next().unwrap_or(s);
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Key namespaces, so that a phone and a name never share a key by accident.
#[derive(Clone, Copy)]
enum Ns {
    Phone = 1,
    PhoneSuffix = 2,
    Username = 3,
    Handle = 4,
    NameFull = 5,
    NamePartial = 6,
    NameInitial = 7,
    NameSingle = 8,
}

/// Which lookups a key belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Always looked up: identifiers and same-sounding full names.
    First,
    /// Looked up only when the first stage found nothing good: typo-tolerant partial name keys,
    /// initials and single given names.
    Fallback,
}

/// Name keys whose block is larger than its cap are skipped: a name that common cannot pick anyone
/// out, and skipping keeps the cost linear. This cap is for a sound and an initial.
const NAME_BLOCK_CAP: usize = 24;
/// The cap for a pair of full sounds: namesakes, whose blocks grow with the data (24 before 4 Dec
/// 2026: F1 at 100,000 higher by 0.0004, a 1,000,000 run about a third slower).
const FULL_BLOCK_CAP: usize = 12;
/// The same for partial keys and single given names, which are weaker evidence.
const WEAK_BLOCK_CAP: usize = 12;
/// Identifier keys (phones, usernames) have no cap.
const NO_CAP: usize = usize::MAX;

/// FNV-1a, 64 bits: deterministic on every platform (unlike `std`'s randomly seeded hasher).
fn key(ns: Ns, parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ ns as u64;
    for part in parts {
        for &b in *part {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        h = (h ^ 0xff).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A blocking key with the largest block worth reading and its stage.
pub(crate) type Key = (u64, usize, Stage);

/// What blocking reads of a record, on either side.
struct Parts<'a> {
    name: &'a NameKey,
    phones: &'a [PhoneKey],
    username: Option<Handle>,
    /// The Telegram username folded, or the contact's email local parts.
    handles: &'a [Handle],
}

impl Person {
    fn keys(&self, out: &mut Vec<Key>) {
        let handle = self.handle();
        let parts = Parts {
            name: &self.name,
            phones: self.phone.as_slice(),
            username: self.username,
            handles: handle.as_slice(),
        };
        keys(&parts, true, out);
    }
}

impl Contact {
    /// Appends the contact's keys, to pass to [`Index::lookup`].
    pub(crate) fn keys(&self, out: &mut Vec<Key>) {
        let parts = Parts {
            name: &self.name,
            phones: self.phones(),
            username: self.username,
            handles: self.email_handles(),
        };
        keys(&parts, false, out);
    }
}

/// Blocking keys of a record. `telegram` selects the directory side (indexed) or the query side.
fn keys(p: &Parts<'_>, telegram: bool, out: &mut Vec<Key>) {
    use Stage::{Fallback, First};
    for phone in p.phones {
        if phone.is_international() {
            out.push((
                key(Ns::Phone, &[&phone.digits().to_le_bytes()]),
                NO_CAP,
                First,
            ));
        }
        out.push((
            key(Ns::PhoneSuffix, &[&phone.suffix().to_le_bytes()]),
            NO_CAP,
            First,
        ));
    }
    if let Some(u) = &p.username {
        out.push((key(Ns::Username, &[u.as_str().as_bytes()]), NO_CAP, First));
    }
    for h in p.handles {
        out.push((key(Ns::Handle, &[h.as_str().as_bytes()]), NO_CAP, First));
    }
    let (sig, partners) = name_positions(p);
    let (sig, partners) = (&sig.0[..sig.1], &partners.0[..partners.1]);
    let ph = |i: usize| p.name.sound(i);
    for (a, &i) in sig.iter().enumerate() {
        for &j in &sig[a + 1..] {
            // Same-sounding pair in either order: transliteration variants and swapped names.
            let (x, y) = if ph(i) <= ph(j) {
                (ph(i), ph(j))
            } else {
                (ph(j), ph(i))
            };
            out.push((key(Ns::NameFull, &[x, y]), FULL_BLOCK_CAP, First));
        }
    }
    // Ordered pairs: the sound of one token and the first two sounds of the other, so that a
    // typo in either token (past its first sounds) still shares a key.
    for &i in sig {
        for &j in sig {
            if i != j {
                let partner = &ph(j)[..ph(j).len().min(2)];
                out.push((
                    key(Ns::NamePartial, &[ph(i), partner]),
                    WEAK_BLOCK_CAP,
                    Fallback,
                ));
            }
        }
    }
    // The sound of one token and the first sound of another: "J. Perk" meets "Jon Perk", and a
    // typo in the second sound of a name ("Aprtem" for "Artem") is still found.
    for &i in sig {
        for &j in partners {
            if i != j {
                out.push((
                    key(Ns::NameInitial, &[ph(i), &ph(j)[..1]]),
                    NAME_BLOCK_CAP,
                    Fallback,
                ));
            }
        }
    }
    if telegram && sig.len() == 1 {
        out.push((key(Ns::NameSingle, &[ph(sig[0])]), WEAK_BLOCK_CAP, Fallback));
    }
    if !telegram {
        // A contact's tokens meet Telegram people who give a single name.
        for &i in sig.iter().take(3) {
            out.push((key(Ns::NameSingle, &[ph(i)]), WEAK_BLOCK_CAP, Fallback));
        }
    }
}

/// Up to four significant tokens and up to five partner tokens (initials included), without
/// allocating.
type Positions = ([usize; 5], usize);

fn name_positions(p: &Parts<'_>) -> (Positions, Positions) {
    let (mut sig, mut partners) = (([0; 5], 0), ([0; 5], 0));
    for i in 0..p.name.len() {
        if p.name.is_particle_at(i) || p.name.sound(i).is_empty() {
            continue;
        }
        if partners.1 < 5 {
            partners.0[partners.1] = i;
            partners.1 += 1;
        }
        if sig.1 < 4 && p.name.token_bytes(i).len() >= 2 {
            sig.0[sig.1] = i;
            sig.1 += 1;
        }
    }
    (sig, partners)
}

/// The 32 bits of `key` below its top `bits`, as an index entry keeps them.
fn mid_bits(key: u64, bits: u32) -> u32 {
    ((key << bits) >> 32) as u32
}

/// Sorted `(key, person)` pairs: a deterministic multimap without hashing order.
pub(crate) struct Index {
    /// Each key is kept as its 32 bits after the top `bits` (which the directory holds), so an
    /// entry is 8 bytes: keys are told apart by `bits + 32` bits. Two keys that agree on all of
    /// them (about one lookup in 2^29, with eight entries per bucket) share a block: the lookup
    /// then scores a stranger as well, or, for a capped name key, may find the block one over its
    /// cap and skip it. A rare, deterministic approximation, the same on every platform.
    entries: Vec<(u32, u32)>,
    /// `directory[b]` is the first entry whose key's top `bits` bits are at least `b`, so a lookup
    /// reads one or two cache lines instead of a binary search over all entries.
    directory: Vec<u32>,
    bits: u32,
}

impl Index {
    /// The sorted entries of `people`, numbered from `first`: one part of an index, made on one
    /// thread, for [`Index::merge`].
    pub(crate) fn part(people: &[Person], first: usize) -> Vec<(u64, u32)> {
        let mut entries = Vec::with_capacity(people.len() * 8);
        let mut buf = Vec::new();
        for (i, p) in people.iter().enumerate() {
            buf.clear();
            p.keys(&mut buf);
            entries.extend(buf.iter().map(|&(k, _, _)| (k, (first + i) as u32)));
        }
        entries.sort_unstable();
        entries.dedup();
        entries
    }

    /// The index of parts from [`Index::part`] over disjoint people.
    pub(crate) fn merge(parts: Vec<Vec<(u64, u32)>>) -> Index {
        let total: usize = parts.iter().map(Vec::len).sum();
        // About eight entries (one cache line) per bucket: the directory is then an eighth as long
        // as the entries (4 MB for a million people) and mostly stays in the cache, and a bucket is
        // searched within the line its first entry brings.
        let bits = (usize::BITS - total.leading_zeros())
            .saturating_sub(3)
            .clamp(1, 24);
        let mut entries = Vec::with_capacity(total);
        let mut directory = Vec::with_capacity((1 << bits) + 1);
        for (key, person) in super::merged(&parts) {
            // Every bucket up to this key's starts here unless it started before.
            let bucket = (key >> (64 - bits)) as usize;
            while directory.len() <= bucket {
                directory.push(entries.len() as u32);
            }
            entries.push((mid_bits(key, bits), person));
        }
        drop(parts);
        while directory.len() <= 1 << bits {
            directory.push(entries.len() as u32);
        }
        Index {
            entries,
            directory,
            bits,
        }
    }

    /// Appends the people sharing a key of `stage` with the contact, sorted, without repeats
    /// and without those already in `out[..start]`.
    pub(crate) fn lookup(&self, keys: &[Key], stage: Stage, out: &mut Vec<u32>) {
        let start = out.len();
        // In three passes over a few keys at a time, so that the memory reads of different keys
        // (each a likely cache miss in a large directory) are in flight together instead of one
        // after another: the buckets' bounds, then the buckets' first entries, then the searches.
        let mut buckets = [(0u32, 0usize, 0usize, 0usize); 16];
        let mut of_stage = keys.iter().filter(|&&(_, _, s)| s == stage).peekable();
        while of_stage.peek().is_some() {
            let mut n = 0;
            for &(k, cap, _) in of_stage.by_ref().take(buckets.len()) {
                let b = (k >> (64 - self.bits)) as usize;
                buckets[n] = (
                    mid_bits(k, self.bits),
                    cap,
                    self.directory[b] as usize,
                    self.directory[b + 1] as usize,
                );
                n += 1;
            }
            for &(_, _, lo, hi) in &buckets[..n] {
                if lo < hi {
                    std::hint::black_box(self.entries[lo].0);
                }
            }
            for &(k, cap, from, to) in &buckets[..n] {
                let bucket = &self.entries[from..to];
                let lo = bucket.partition_point(|&(e, _)| e < k);
                let hi = lo + bucket[lo..].partition_point(|&(e, _)| e == k);
                if hi - lo <= cap {
                    out.extend(bucket[lo..hi].iter().map(|&(_, i)| i));
                }
            }
        }
        out[..start].sort_unstable();
        out[start..].sort_unstable();
        // Keep each new id once, and only if the earlier stage did not have it.
        let mut write = start;
        for read in start..out.len() {
            let id = out[read];
            if (write > start && out[write - 1] == id) || out[..start].binary_search(&id).is_ok() {
                continue;
            }
            out[write] = id;
            write += 1;
        }
        out.truncate(write);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folded_username_is_its_handle() {
        for u in ["lucia_fg", "a_b_c_d", "john1990", "x________y"] {
            let handle = Handle::new(u).unwrap();
            assert_eq!(handle.folded().as_str(), fold_handle(u), "{u}");
        }
    }

    #[test]
    fn a_contact_keeps_a_few_distinct_phones_and_short_handles() {
        // Ten numbers, one written twice: the first eight distinct ones count.
        let phones: Vec<String> = [9, 1, 9, 2, 3, 4, 5, 6, 7, 8]
            .iter()
            .map(|n| format!("+34 600 000 00{n}"))
            .collect();
        let long = format!("{}@example.com", "a".repeat(33));
        let c = CrmContact {
            id: "1".into(),
            name: "Ana Ruiz".into(),
            phones,
            emails: vec![
                "Ana.Ruiz+crm@example.com".into(),
                long,
                "anaruiz@other.org".into(),
                "ab@x.org".into(),
            ],
            username: None,
            sender_id: None,
        };
        let contact = Contact::new(&c, None);
        let digits: Vec<u64> = contact.phones().iter().map(|p| p.digits()).collect();
        // The first eight distinct numbers, sorted.
        let expected: Vec<u64> = [1, 2, 3, 4, 5, 6, 7, 9]
            .iter()
            .map(|n| 34_600_000_000 + n)
            .collect();
        assert_eq!(digits, expected);
        // One handle for both spellings; too long for a username and too short are left out.
        let handles: Vec<&str> = contact.email_handles().iter().map(Handle::as_str).collect();
        assert_eq!(handles, ["anaruiz"]);
    }

    #[test]
    fn an_index_in_parts_finds_what_one_part_finds() {
        let people: Vec<Person> = crate::testdata::generate(300, 5)
            .people
            .iter()
            .map(Person::new)
            .collect();
        let whole = Index::merge(vec![Index::part(&people, 0)]);
        let split = Index::merge(vec![
            Index::part(&people[..100], 0),
            Index::part(&people[100..250], 100),
            Index::part(&people[250..], 250),
        ]);
        assert_eq!(whole.entries, split.entries);
        assert_eq!(whole.directory, split.directory);
        let (mut keys, mut selves) = (Vec::new(), 0);
        for (i, p) in people.iter().enumerate() {
            keys.clear();
            p.keys(&mut keys);
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for stage in [Stage::First, Stage::Fallback] {
                whole.lookup(&keys, stage, &mut a);
                split.lookup(&keys, stage, &mut b);
            }
            assert_eq!(a, b);
            selves += usize::from(a.contains(&(i as u32)));
        }
        // Every person shares its own keys, unless all of them are in blocks over their caps.
        assert!(
            selves > people.len() * 9 / 10,
            "{selves} of {}",
            people.len()
        );
    }
}
