//! Normalised records and the blocking index that finds candidates without comparing all pairs.

use crate::normalize::{NameKey, PhoneKey, Region, normalize_username};
use crate::{CrmContact, TelegramPerson};

/// A record reduced to what scoring and blocking need; built once per record.
#[derive(Clone, Debug, Default)]
pub(crate) struct Prepared {
    pub(crate) name: NameKey,
    pub(crate) phones: Vec<PhoneKey>,
    /// Normalised usernames (Telegram: at most one; CRM: the username field).
    pub(crate) username: Option<String>,
    /// Email local parts folded like [`fold_handle`] (CRM side only).
    pub(crate) email_handles: Vec<String>,
    /// The username folded like [`fold_handle`] (Telegram side only).
    pub(crate) handle: Option<String>,
    /// Telegram side: the phone as written, when it has no `+` or `00` and so may be a national
    /// number that only the contact's region resolves ([`PhoneKey::parse_telegram`]).
    pub(crate) phone_written: Option<(u64, u8)>,
    /// CRM side: the default region its national numbers were read with.
    pub(crate) region: Option<Region>,
}

impl Prepared {
    pub(crate) fn telegram(p: &TelegramPerson) -> Prepared {
        let username = p
            .username
            .as_deref()
            .and_then(|u| normalize_username(u).ok());
        Prepared {
            name: NameKey::new(&p.first_name, &p.last_name),
            phones: p
                .phone
                .as_deref()
                .and_then(|x| PhoneKey::parse_telegram(x, None))
                .into_iter()
                .collect(),
            phone_written: p.phone.as_deref().and_then(PhoneKey::telegram_written),
            handle: username.as_deref().map(fold_handle),
            username,
            email_handles: Vec::new(),
            region: None,
        }
    }

    pub(crate) fn crm(c: &CrmContact, region: Option<Region>) -> Prepared {
        let mut phones: Vec<PhoneKey> = c
            .phones
            .iter()
            .filter_map(|p| PhoneKey::parse(p, region))
            .collect();
        super::sort_small_by(&mut phones, |a, b| a < b);
        phones.dedup();
        let mut email_handles: Vec<String> = c
            .emails
            .iter()
            .filter_map(|e| {
                e.trim()
                    .rsplit_once('@')
                    .map(|(local, _)| fold_handle(local))
            })
            .filter(|h| h.len() >= 5)
            .collect();
        super::sort_small_by(&mut email_handles, |a, b| a < b);
        email_handles.dedup();
        Prepared {
            name: NameKey::new(&c.name, ""),
            phones,
            username: c
                .username
                .as_deref()
                .and_then(|u| normalize_username(u).ok()),
            email_handles,
            handle: None,
            phone_written: None,
            region,
        }
    }
}

impl Prepared {
    /// A Telegram person's phone keys as `contact` reads them: a number written without `+` or
    /// `00` is read again with the contact's region, which may make it national (`0409 239 102`).
    pub(crate) fn telegram_phone_for(&self, contact: &Prepared) -> Option<PhoneKey> {
        let key = self.phones.first().copied();
        match (self.phone_written, contact.region) {
            (Some(written), Some(region)) => PhoneKey::parse_telegram_digits(written, Some(region)),
            _ => key,
        }
    }
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

/// Name keys whose block is larger than this are skipped: a name that common cannot pick anyone
/// out, and skipping keeps the cost linear.
const NAME_BLOCK_CAP: usize = 24;
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
type Key = (u64, usize, Stage);

/// Blocking keys of a record. `telegram` selects the directory side (indexed) or the query side.
fn keys(p: &Prepared, telegram: bool, out: &mut Vec<Key>) {
    use Stage::{Fallback, First};
    for phone in &p.phones {
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
        out.push((key(Ns::Username, &[u.as_bytes()]), NO_CAP, First));
    }
    if let Some(h) = p.handle.as_deref().filter(|_| telegram) {
        out.push((key(Ns::Handle, &[h.as_bytes()]), NO_CAP, First));
    }
    if !telegram {
        for h in &p.email_handles {
            out.push((key(Ns::Handle, &[h.as_bytes()]), NO_CAP, First));
        }
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
            out.push((key(Ns::NameFull, &[x, y]), NAME_BLOCK_CAP, First));
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

fn name_positions(p: &Prepared) -> (Positions, Positions) {
    let (mut sig, mut partners) = (([0; 5], 0), ([0; 5], 0));
    for i in 0..p.name.tokens.len() {
        if p.name.is_particle_at(i) || p.name.sound(i).is_empty() {
            continue;
        }
        if partners.1 < 5 {
            partners.0[partners.1] = i;
            partners.1 += 1;
        }
        if sig.1 < 4 && p.name.tokens[i].len() >= 2 {
            sig.0[sig.1] = i;
            sig.1 += 1;
        }
    }
    (sig, partners)
}

/// Sorted `(key, person)` pairs: a deterministic multimap without hashing order.
pub(crate) struct Index {
    entries: Vec<(u64, u32)>,
    /// `directory[b]` is the first entry whose key's top `bits` bits are at least `b`, so a lookup
    /// reads one or two cache lines instead of a binary search over all entries.
    directory: Vec<u32>,
    bits: u32,
}

impl Index {
    pub(crate) fn build(people: &[Prepared]) -> Index {
        let mut entries = Vec::with_capacity(people.len() * 6);
        let mut buf = Vec::new();
        for (i, p) in people.iter().enumerate() {
            buf.clear();
            keys(p, true, &mut buf);
            entries.extend(buf.iter().map(|&(k, _, _)| (k, i as u32)));
        }
        entries.sort_unstable();
        entries.dedup();
        let bits = (usize::BITS - entries.len().leading_zeros()).clamp(1, 24);
        let mut directory = Vec::with_capacity((1 << bits) + 1);
        let mut pos = 0;
        for b in 0..=(1u64 << bits) {
            while pos < entries.len() && (entries[pos].0 >> (64 - bits)) < b {
                pos += 1;
            }
            directory.push(pos as u32);
        }
        Index {
            entries,
            directory,
            bits,
        }
    }

    /// The keys of a contact, to pass to [`Index::lookup`].
    pub(crate) fn query_keys(contact: &Prepared) -> Vec<Key> {
        let mut buf = Vec::new();
        keys(contact, false, &mut buf);
        buf
    }

    /// Appends the people sharing a key of `stage` with the contact, sorted, without repeats
    /// and without those already in `out[..start]`.
    pub(crate) fn lookup(&self, keys: &[Key], stage: Stage, out: &mut Vec<u32>) {
        let start = out.len();
        for &(k, cap, s) in keys {
            if s != stage {
                continue;
            }
            let b = (k >> (64 - self.bits)) as usize;
            let bucket = &self.entries[self.directory[b] as usize..self.directory[b + 1] as usize];
            let lo = bucket.partition_point(|&(e, _)| e < k);
            let hi = lo + bucket[lo..].partition_point(|&(e, _)| e == k);
            let (lo, hi) = (
                lo + self.directory[b] as usize,
                hi + self.directory[b] as usize,
            );
            if hi - lo > cap {
                continue;
            }
            out.extend(self.entries[lo..hi].iter().map(|&(_, i)| i));
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
