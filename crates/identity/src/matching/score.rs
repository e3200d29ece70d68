//! The one scoring of a contact against a Telegram person.
//!
//! The score is a hand-calibrated sum of evidence (see `score`), clamped to [0, 1]; it was tuned on
//! the generated labelled data (`testdata`) so that `auto` stays above 0.999 precision. Its parts
//! are the [`Reason`]s.

use super::index::{Contact, Person, fold_handle};
use super::similarity::{NameAgreement, compare_names};
use super::{EvidenceField, Reason, Strength};
use crate::normalize::PhoneKey;
use crate::{CrmContact, TelegramPerson};

/// Proposals below this score are not made.
pub const REVIEW_MIN: f64 = 0.6;
/// `auto` needs at least this score (and a strong identifier, no contradiction).
pub const AUTO_MIN: f64 = 0.9;
/// `auto` needs every competitor at least this far behind.
pub const AUTO_MARGIN: f64 = 0.1;

/// Names agreeing less than this contradict a strong identifier (no `auto`): one of two names
/// differs, as with a family member sharing a phone.
const NAME_CONTRADICTS: f64 = 0.7;
/// Names agreeing less than this disagree outright.
const NAME_DIFFERENT: f64 = 0.5;

/// The evidence and score of one pair.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scored {
    pub(crate) person: u32,
    pub(crate) score: f64,
    pub(crate) auto_eligible: bool,
    /// An equal phone key or an equal username.
    pub(crate) strong: bool,
    /// Backed by more than names: an equal or partly equal phone, an equal username, or an email
    /// matching the username.
    pub(crate) identifier: bool,
    phone: Option<(Strength, PhoneKey)>,
    username: Option<Strength>,
    email_handle: bool,
    name: Option<NameAgreement>,
}

pub(crate) fn score(contact: &Contact, person: &Person, index: u32) -> Option<Scored> {
    let phone_evidence = compare_phones(contact, person);
    let phone = phone_evidence.map(|(s, _)| s);
    let username = match (contact.username, person.username) {
        (Some(a), Some(b)) if a == b => Some(Strength::Equal),
        (Some(_), Some(_)) => Some(Strength::Different),
        _ => None,
    };
    let handle = person
        .handle()
        .filter(|_| !contact.email_handles().is_empty());
    let email_handle = handle.is_some_and(|h| contact.email_handles().contains(&h));
    // A handle made of the names alone is shared by namesakes: it breaks ties, no more.
    let distinctive_handle =
        email_handle && !handle.is_some_and(|h| name_derived(h.as_str(), contact, person));
    let handle_name = handle_names(contact, person).is_some();
    let name = compare_names(&contact.name, &person.name);
    let q = name.map(|n| n.quality);

    let phone_equal = phone == Some(Strength::Equal);
    let username_equal = username == Some(Strength::Equal);
    let strong = phone_equal || username_equal;
    let name_contradicts = q.is_some_and(|q| q < NAME_CONTRADICTS);
    let contradiction = name_contradicts
        || username == Some(Strength::Different)
        || phone == Some(Strength::Different);

    let mut s = if strong {
        let mut s = if phone_equal && username_equal {
            0.95
        } else {
            0.88
        };
        s += match q {
            None => 0.04,
            Some(q) if q >= 0.85 => 0.10,
            Some(q) if q >= NAME_CONTRADICTS => 0.05,
            // One of two names differs: most often a family member sharing the phone.
            Some(q) if q >= NAME_DIFFERENT => -0.20,
            // Nothing of the names agrees: the name was typed differently, or the account is a
            // relative's. Worth a look, below any proposal whose names agree.
            Some(_) => REVIEW_MIN - s,
        };
        s
    } else {
        let mut s = q.unwrap_or(0.0) * 0.8;
        match phone {
            Some(Strength::Partial) => s += 0.2,
            // One keystroke apart: a typo in one of the records, when the names agree.
            Some(Strength::Close) => s += 0.15,
            _ => {}
        }
        if handle_name {
            s += 0.12;
        }
        s
    };
    if email_handle {
        s += if strong {
            0.02
        } else if distinctive_handle {
            0.1
        } else {
            0.04
        };
    }
    if username == Some(Strength::Different) {
        s -= if strong { 0.3 } else { 0.15 };
    }
    if phone == Some(Strength::Different) {
        s -= if strong { 0.1 } else { 0.15 };
    }
    if s <= 0.0 && !strong {
        return None;
    }
    s = s.clamp(0.0, 1.0);
    Some(Scored {
        person: index,
        score: s,
        auto_eligible: strong && !contradiction,
        strong,
        identifier: strong
            || distinctive_handle
            || matches!(phone, Some(Strength::Partial | Strength::Close)),
        phone: phone_evidence,
        username,
        email_handle,
        name,
    })
}

/// Whether a handle is just the names of either side (`anacavalcanti`, `jperk`, `olena_k`): two
/// namesakes easily share such a handle, so an email matching it says nothing the names did not.
fn name_derived(handle: &str, contact: &Contact, person: &Person) -> bool {
    // At most 32 bytes (a handle equal to a username), so it fits on the stack.
    let mut rest = [0u8; 32];
    let mut len = handle.len().min(32);
    rest[..len].copy_from_slice(&handle.as_bytes()[..len]);
    let mut tokens = [""; 2 * crate::normalize::NAME_TOKENS];
    let mut n = 0;
    for t in contact.name.tokens().chain(person.name.tokens()) {
        if t.len() >= 2 && t.is_ascii() {
            tokens[n] = t;
            n += 1;
        }
    }
    super::sort_small_by(&mut tokens[..n], |a, b| a.len() > b.len());
    for t in &tokens[..n] {
        let t = t.as_bytes();
        if let Some(pos) = rest[..len].windows(t.len()).position(|w| w == t) {
            rest.copy_within(pos + t.len()..len, pos);
            len -= t.len();
        }
    }
    len <= 2
}

/// A contact name token (4 letters or more) that the Telegram username contains but the Telegram
/// name lacks: `seidel` in `@luisseidel` for "Luis Seidel" against a Telegram "Luis".
fn handle_names<'a>(contact: &'a Contact, person: &Person) -> Option<&'a str> {
    // Only a Telegram person who gives less than a full name needs the username's help.
    if person.name.len() >= 2 {
        return None;
    }
    let handle = person.handle()?;
    let handle = handle.as_str();
    contact.name.tokens().find(|t| {
        t.len() >= 4 && t.is_ascii() && handle.contains(t) && !person.name.tokens().any(|p| p == *t)
    })
}

/// Equal (the same key), partial (the last eight digits), close (one digit changed or two
/// neighbours swapped, in numbers of the same length: a typo) or different.
fn compare_phones(contact: &Contact, person: &Person) -> Option<(Strength, PhoneKey)> {
    let stored = person.phone()?;
    let phones = contact.phones();
    let &first = phones.first()?;
    // Reading the number again with the contact's region keeps its last eight digits: only a
    // number that already agrees that far needs it.
    let b = if phones.iter().any(|a| a.suffix() == stored.suffix()) {
        person.phone_for(contact).unwrap_or(stored)
    } else {
        stored
    };
    let mut best = (Strength::Different, first);
    for &a in phones {
        if a == b || (a.is_international() && b.is_international() && a.digits() == b.digits()) {
            return Some((Strength::Equal, a));
        }
        if a.suffix() == b.suffix() {
            best = (Strength::Partial, a);
        } else if best.0 == Strength::Different
            && a.is_international() == b.is_international()
            && one_typo_apart(a.digits(), b.digits())
        {
            best = (Strength::Close, a);
        }
    }
    Some(best)
}

/// Whether two numbers of the same digit count differ by one digit or by one swap of neighbours.
fn one_typo_apart(a: u64, b: u64) -> bool {
    if a == b || a.checked_ilog10() != b.checked_ilog10() {
        return false;
    }
    // Positions (from the right) of the first two differing digits, and whether more differ.
    let (mut x, mut y, mut at) = (a, b, 0u32);
    let mut diffs = [(0u32, 0u8, 0u8); 2];
    let mut n = 0;
    while x > 0 {
        let (dx, dy) = ((x % 10) as u8, (y % 10) as u8);
        if dx != dy {
            if n == 2 {
                return false;
            }
            diffs[n] = (at, dx, dy);
            n += 1;
        }
        x /= 10;
        y /= 10;
        at += 1;
    }
    match n {
        1 => true,
        _ => {
            let [(i, xi, yi), (j, xj, yj)] = diffs;
            j == i + 1 && xi == yj && xj == yi
        }
    }
}

/// A username as the text a reason shows (empty when there is none).
fn owned(username: Option<super::index::Handle>) -> String {
    username.map(|u| u.as_str().to_string()).unwrap_or_default()
}

/// Renders the evidence of a scored pair, strongest first.
pub(crate) fn reasons(
    contact: &CrmContact,
    cp: &Contact,
    person: &TelegramPerson,
    pp: &Person,
    s: &Scored,
) -> Vec<Reason> {
    let mut out = Vec::with_capacity(3);
    if let Some((strength, crm)) = s.phone {
        let telegram = pp.phone_for(cp);
        out.push(Reason {
            field: EvidenceField::Phone,
            strength,
            crm: crm.to_string(),
            telegram: telegram.map(|k| k.to_string()).unwrap_or_default(),
        });
    }
    if let Some(strength) = s.username {
        out.push(Reason {
            field: EvidenceField::Username,
            strength,
            crm: owned(cp.username),
            telegram: owned(pp.username),
        });
    }
    if s.email_handle {
        let username = owned(pp.username);
        let h = fold_handle(&username);
        let email = contact
            .emails
            .iter()
            .find(|e| e.rsplit_once('@').is_some_and(|(l, _)| fold_handle(l) == h))
            .cloned()
            .unwrap_or_default();
        out.push(Reason {
            field: EvidenceField::EmailUsername,
            strength: Strength::Equal,
            crm: email,
            telegram: username,
        });
    }
    if let Some(token) = handle_names(cp, pp) {
        out.push(Reason {
            field: EvidenceField::UsernameName,
            strength: Strength::Partial,
            crm: token.to_string(),
            telegram: owned(pp.username),
        });
    }
    if let Some(n) = s.name {
        let strength = if n.quality >= 0.99 {
            Strength::Equal
        } else if n.quality >= 0.85 {
            Strength::Close
        } else if n.quality >= NAME_DIFFERENT {
            Strength::Partial
        } else {
            Strength::Different
        };
        let telegram = format!("{} {}", person.first_name.trim(), person.last_name.trim());
        out.push(Reason {
            field: EvidenceField::Name,
            strength,
            crm: contact.name.trim().to_string(),
            telegram: telegram.trim().to_string(),
        });
    }
    super::sort_small_by(&mut out, |a, b| {
        (a.strength, a.field) < (b.strength, b.field)
    });
    out
}
