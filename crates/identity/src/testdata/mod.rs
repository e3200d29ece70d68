//! Labelled test data: CRM contacts and Telegram people with known true links, from a seeded
//! generator with a realistic noise model. Used by the quality test, the quality report and the
//! benchmarks; the plugin never calls it, so the linker drops it from the wasm build.
//!
//! The model, per generated person (percentages are of people, rounded):
//! * **Who is where**: 70 % on both sides, 15 % only in the CRM, 15 % only on Telegram.
//! * **Locales**: Spain 20 %, Russia 15 %, UK and US 10 % each, Ukraine and Brazil 8 %, Germany 7 %,
//!   France and Italy 6 %, Mexico and India 5 %; given names from common-name pools, surnames half
//!   from common pools and half from a long tail built from the locale's syllables (as real surname
//!   distributions are), so common names are shared; 1 % more copy another person's name outright.
//! * **CRM names**: Cyrillic names transliterated with one of four systems (30 % kept in
//!   Cyrillic), 40 % of accents dropped, one typo (insert, delete, substitute, transpose) in 5 % of
//!   first and of last names, first and last swapped 8 %, initial only 3 %, Spanish second surname 75 %.
//! * **Telegram names**: 60 % of Cyrillic names in Cyrillic (else another transliteration), first
//!   name only 10 %, typos 3 %, lowercase 10 %, emoji 8 %, decorative Unicode letters 2 %,
//!   a nickname instead of the name 1 %, deleted accounts 0.5 %; 3 % of those who show a phone
//!   carry another person's whole name (the account set up by someone else, or a relative's).
//! * **Split and joined names**: 2 % of CRM names split a long token with a space (`Nyg aard`,
//!   `Cait lin`), 0.5 % join two (`Mariajose`); 1 % of Telegram names split one.
//! * **Phones**: 80 % of CRM contacts have the number (a tenth of them a second one), written in
//!   the formats of their region (national forms only for the dataset's home region, Spain); 3 %
//!   of them are an old number, 2 % carry one typo (a digit changed, or two swapped). 50 % of
//!   Telegram people show their number ([`Scenario::telegram_phones`]), international digits,
//!   except 5 % of the home region's, typed in national form. 2 % of Telegram-only people share a
//!   family member's phone (same surname), and 2 % of CRM-only contacts hold one.
//! * **Usernames**: 60 % of Telegram people have one (unique), often built from the name; 5 % of
//!   CRM contacts record it (a tenth of those stale); 80 % of contacts have an email whose local
//!   part is, 15 % of the time, the Telegram username.
//! * **Existing links**: 3 % of contacts already hold their senderId; 0.3 % are duplicates holding
//!   another contact's senderId (conflicts).

pub mod baseline;
mod pools;

use std::collections::BTreeSet;

use crate::matching::{Assignment, Tier};
use crate::normalize::fold_name;
use crate::{CrmContact, SenderId, TelegramPerson};
use pools::{LOCALES, Locale};

/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny, fast, seeded generator, good enough for test
/// data and identical on every platform.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`), by multiply-shift (bias below 2^-32 for our sizes).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    /// A random element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Shuffles in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// Contacts and people with the true links.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// CRM contacts, in random order.
    pub contacts: Vec<CrmContact>,
    /// Telegram people, in random order.
    pub people: Vec<TelegramPerson>,
    /// For each contact (same position), the senderId of the same person on Telegram, if any.
    pub truth: Vec<Option<SenderId>>,
    /// The home region for CRM phone numbers (pass it as [`MatchOptions::region`](crate::matching::MatchOptions)).
    pub region: &'static str,
}

/// The demo's generated crowd, about 2,000 CRM contacts and 2,000 Telegram people: the relay's
/// demo ingests the people and the Zendesk double seeds its contacts from the same call, so the
/// demo's bulk linking has real work (exact, noisy and name-only matches, namesakes, existing
/// links and a few conflicts). No sender ID is one of the hand-made demo people's
/// (7100000001 …; a test checks).
pub fn demo_crowd() -> Dataset {
    generate(DEMO_CROWD_SIZE, DEMO_CROWD_SEED)
}

/// See [`demo_crowd`].
pub const DEMO_CROWD_SIZE: usize = 2_350;
/// See [`demo_crowd`].
pub const DEMO_CROWD_SEED: u64 = 0x2026_1202;

/// The dataset's home region: national phone formats are only used for it.
const HOME: &str = "ES";

struct Person {
    locale: &'static Locale,
    first: String,
    last: String,
    national: String,
    sender_id: SenderId,
}

/// What differs between the generator's scenarios.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scenario {
    /// Share of Telegram people who show their phone number (0.5 by default; 1.0 for a business
    /// whose customers share their contact with its bot).
    pub telegram_phones: f64,
}

impl Default for Scenario {
    fn default() -> Scenario {
        Scenario {
            telegram_phones: 0.5,
        }
    }
}

/// Generates about `size` contacts and `size` Telegram people (each side holds 85 % of `size`
/// generated persons) from `seed`. Linear in `size`; 1,000,000 takes a few seconds.
pub fn generate(size: usize, seed: u64) -> Dataset {
    generate_with(size, seed, Scenario::default())
}

/// [`generate`] in another [`Scenario`].
pub fn generate_with(size: usize, seed: u64, scenario: Scenario) -> Dataset {
    let mut rng = SplitMix64::new(seed);
    let pools: Vec<(Vec<&str>, Vec<&str>)> = LOCALES
        .iter()
        .map(|l| {
            fn words(s: &'static str) -> Vec<&'static str> {
                s.split_whitespace()
                    .filter(|w| !crate::normalize::is_particle(&w.to_lowercase()))
                    .collect()
            }
            (words(l.first), words(l.last))
        })
        .collect();
    let total_weight: u32 = LOCALES.iter().map(|l| l.weight).sum();
    let mut used_usernames = BTreeSet::new();
    let mut contacts = Vec::with_capacity(size);
    let mut people = Vec::with_capacity(size);
    let mut truth = Vec::with_capacity(size);
    let mut persons: Vec<Person> = Vec::with_capacity(size);
    // Sender IDs: distinct, spread over today's range (up to ten digits).
    let id_step = (7_000_000_000 / (size as u64 + 1)).max(1);
    for n in 0..size {
        let mut w = rng.below(u64::from(total_weight)) as u32;
        let li = LOCALES
            .iter()
            .position(|l| {
                if w < l.weight {
                    true
                } else {
                    w -= l.weight;
                    false
                }
            })
            .unwrap_or(0);
        let locale = &LOCALES[li];
        let (firsts, lasts) = &pools[li];
        let (first, last) = if n > 0 && rng.chance(0.01) {
            // A namesake: the name of someone generated before, from the same locale if possible.
            let other = &persons[rng.below(n as u64) as usize];
            (other.first.clone(), other.last.clone())
        } else {
            let first = rng.pick(firsts.as_slice()).to_string();
            let surname = |rng: &mut SplitMix64| -> String {
                // Half the surnames come from the common pool, half from the long tail.
                if rng.chance(0.5) {
                    rng.pick(lasts.as_slice()).to_string()
                } else {
                    tail_surname(locale, rng)
                }
            };
            let mut last = gendered(locale, &first, &surname(&mut rng));
            if locale.two_surnames {
                last = format!("{last} {}", surname(&mut rng));
            }
            (first, last)
        };
        let sender_id = SenderId::new(1_000_000_000 + n as u64 * id_step + rng.below(id_step))
            .expect("generated IDs stay below 2^52");
        let person = Person {
            locale,
            first,
            last,
            national: mobile_number(locale.region, &mut rng),
            sender_id,
        };

        let side = rng.below(100);
        let on_crm = side < 85;
        let on_tg = !(70..85).contains(&side);
        let mut tg_username = None;
        if on_tg {
            let (tg, username) = telegram_side(
                &person,
                &persons,
                &mut rng,
                &mut used_usernames,
                !on_crm,
                scenario,
            );
            tg_username = username;
            people.push(tg);
        }
        if on_crm {
            let mut contact = crm_side(&person, n, tg_username.as_deref(), on_tg, &mut rng);
            if !on_tg && !persons.is_empty() && rng.chance(0.02) {
                // A family member's phone on a contact of their own: same surname, another person.
                let other = &persons[rng.below(persons.len() as u64) as usize];
                contact.phones = vec![format!(
                    "+{}{}",
                    calling_code(other.locale.region),
                    other.national
                )];
                let first = contact.name.split(' ').next().unwrap_or("").to_string();
                contact.name = format!("{first} {}", other.last);
            }
            truth.push(on_tg.then_some(person.sender_id));
            let duplicate = contact.sender_id.is_some() && rng.chance(0.1);
            if duplicate {
                // A duplicate contact holding the same senderId: a conflict.
                let mut dup = contact.clone();
                dup.id = format!("{}-dup", dup.id);
                dup.name = typo_name(&dup.name, &mut rng);
                contacts.push(dup);
                truth.push(Some(person.sender_id));
            }
            contacts.push(contact);
        }
        persons.push(person);
    }
    // Random order, keeping each contact with its truth.
    let mut order: Vec<usize> = (0..contacts.len()).collect();
    rng.shuffle(&mut order);
    let contacts_sorted: Vec<CrmContact> = order.iter().map(|&i| contacts[i].clone()).collect();
    let truth_sorted = order.iter().map(|&i| truth[i]).collect();
    rng.shuffle(&mut people);
    Dataset {
        contacts: contacts_sorted,
        people,
        truth: truth_sorted,
        region: HOME,
    }
}

/// A rarer surname built from the locale's syllables ("Palanez", "Ворованов").
fn tail_surname(locale: &Locale, rng: &mut SplitMix64) -> String {
    let part = |s: &'static str, rng: &mut SplitMix64| -> &'static str {
        let words: Vec<&str> = s.split_whitespace().collect();
        words[rng.below(words.len() as u64) as usize]
    };
    let start = part(locale.tail[0], rng);
    let middle = if rng.chance(0.5) {
        part(locale.tail[1], rng)
    } else {
        ""
    };
    format!("{start}{middle}{}", part(locale.tail[2], rng))
}

/// Russian surnames take the feminine form with a feminine given name.
fn gendered(locale: &Locale, first: &str, last: &str) -> String {
    let feminine = locale.region == "RU" && (first.ends_with('а') || first.ends_with('я'));
    if !feminine {
        return last.to_string();
    }
    if let Some(stem) = last.strip_suffix("ий") {
        return format!("{stem}ая");
    }
    if ["ов", "ев", "ёв", "ин", "ын"]
        .iter()
        .any(|s| last.ends_with(s))
    {
        return format!("{last}а");
    }
    last.to_string()
}

/// A random mobile number of the region, as national significant digits.
fn mobile_number(region: &str, rng: &mut SplitMix64) -> String {
    let digits = |rng: &mut SplitMix64, n: usize| -> String {
        (0..n)
            .map(|_| char::from(b'0' + rng.below(10) as u8))
            .collect()
    };
    let (prefix, rest): (String, usize) = match region {
        "ES" => (rng.pick(&["6", "7"]).to_string(), 8),
        "GB" => ("7".into(), 9),
        "US" => (format!("{}", 201 + rng.below(780)), 7),
        "DE" => (rng.pick(&["151", "160", "170", "176"]).to_string(), 8),
        "FR" => (rng.pick(&["6", "7"]).to_string(), 8),
        "IT" => (format!("3{}", rng.below(10)), 8),
        "RU" => (format!("9{}", rng.below(10)), 8),
        "UA" => (
            rng.pick(&[
                "50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99",
            ])
            .to_string(),
            7,
        ),
        "BR" => (format!("{}9", 11 + rng.below(88)), 8),
        "MX" => (rng.pick(&["55", "33", "81"]).to_string(), 8),
        _ => (rng.pick(&["9", "8", "7"]).to_string(), 9), // IN
    };
    format!("{prefix}{}", digits(rng, rest))
}

fn calling_code(region: &str) -> &'static str {
    match region {
        "ES" => "34",
        "GB" => "44",
        "US" => "1",
        "DE" => "49",
        "FR" => "33",
        "IT" => "39",
        "RU" => "7",
        "UA" => "380",
        "BR" => "55",
        "MX" => "52",
        _ => "91",
    }
}

/// Groups digits for display: `groups` lists group sizes, the rest forms the last group.
fn grouped(digits: &str, groups: &[usize], sep: &str) -> String {
    let mut out = String::new();
    let mut pos = 0;
    for &g in groups {
        if pos + g >= digits.len() {
            break;
        }
        out.push_str(&digits[pos..pos + g]);
        out.push_str(sep);
        pos += g;
    }
    out.push_str(&digits[pos..]);
    out
}

/// The number as a CRM user would type it.
fn crm_phone(region: &str, national: &str, rng: &mut SplitMix64) -> String {
    let cc = calling_code(region);
    let international = region != HOME || rng.chance(0.4);
    if international {
        return match rng.below(4) {
            0 => format!("+{cc}{national}"),
            1 => format!("+{cc} {}", grouped(national, &[3, 3, 3], " ")),
            2 => format!("00{cc} {national}"),
            _ if region == "GB" || region == "DE" => {
                format!("+{cc} (0){}", grouped(national, &[4], " "))
            }
            _ => format!("+{cc}-{}", grouped(national, &[3, 3], "-")),
        };
    }
    // Home (Spain): no trunk prefix.
    match rng.below(4) {
        0 => national.to_string(),
        1 => grouped(national, &[3, 3], " "),
        2 => grouped(national, &[3, 2, 2], " "),
        _ => grouped(national, &[3, 3], "-"),
    }
}

fn telegram_side(
    p: &Person,
    earlier: &[Person],
    rng: &mut SplitMix64,
    used: &mut BTreeSet<String>,
    telegram_only: bool,
    scenario: Scenario,
) -> (TelegramPerson, Option<String>) {
    if rng.chance(0.005) {
        let deleted = TelegramPerson {
            sender_id: p.sender_id,
            first_name: "Deleted Account".into(),
            last_name: String::new(),
            username: None,
            phone: None,
        };
        return (deleted, None);
    }
    let render = spelling(p, if p.locale.cyrillic { 0.6 } else { 0.7 }, rng);
    let mut first = render(&p.first);
    let mut last = if rng.chance(0.10) {
        String::new()
    } else if p.locale.two_surnames && rng.chance(0.6) {
        render(p.last.split(' ').next().unwrap_or(""))
    } else {
        render(&p.last)
    };
    if rng.chance(0.03) {
        first = typo_name(&first, rng);
    }
    if rng.chance(0.1) {
        first = first.to_lowercase();
        last = last.to_lowercase();
    }
    if rng.chance(0.01) {
        first = rng
            .pick(&["Mom", "Boss", "Sunshine", "Tiger", "Bunny", "Doc"])
            .to_string();
        last = String::new();
    }
    if rng.chance(0.08) {
        let emoji = rng.pick(&["🌸", "🚀", "⭐️", "😊", "🇪🇸", "❤️", "🔥"]);
        first = format!("{emoji} {first}");
    }
    if rng.chance(0.02) {
        first = math_bold(&first);
    }
    if rng.chance(0.01) {
        first = split_token(&first, rng);
    }
    let phone = if telegram_only && !earlier.is_empty() && rng.chance(0.02) {
        // A family member's phone: same surname, another person.
        let other = &earlier[rng.below(earlier.len() as u64) as usize];
        last = render(&other.last);
        Some(format!(
            "{}{}",
            calling_code(other.locale.region),
            other.national
        ))
    } else if rng.chance(scenario.telegram_phones) {
        let cc = calling_code(p.locale.region);
        if !earlier.is_empty() && rng.chance(0.03) {
            // Someone else's whole name on the account that shows this person's phone.
            let other = &earlier[rng.below(earlier.len() as u64) as usize];
            first = render(&other.first);
            last = render(&other.last);
        }
        Some(if p.locale.region == HOME && rng.chance(0.05) {
            grouped(&p.national, &[3, 3], " ")
        } else if rng.chance(0.5) {
            format!("{cc}{}", p.national)
        } else {
            format!("+{cc}{}", p.national)
        })
    } else {
        None
    };
    let username = rng.chance(0.6).then(|| unique_username(p, rng, used));
    let person = TelegramPerson {
        sender_id: p.sender_id,
        first_name: first,
        last_name: last,
        username: username.clone(),
        phone,
    };
    (person, username)
}

fn unique_username(p: &Person, rng: &mut SplitMix64, used: &mut BTreeSet<String>) -> String {
    let first = fold_name(&p.first).concat();
    let last = fold_name(&p.last).concat();
    let base = match rng.below(4) {
        0 => format!("{first}_{}", &last[..last.len().min(2)]),
        1 => format!("{first}{last}"),
        2 => format!("{}{last}", &first[..first.len().min(1)]),
        _ => format!(
            "{}{}",
            rng.pick(&["sunny", "cool", "real", "the", "mr", "just"]),
            first
        ),
    };
    let mut name: String = base
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(24)
        .collect();
    if name.len() < 5 || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name = format!("user{name}");
    }
    while used.contains(&name) {
        name = format!("{name}{}", rng.below(10));
    }
    used.insert(name.clone());
    name
}

/// How one side spells a person's names: in their own script with probability `keep`, otherwise
/// transliterated (Cyrillic, by one of four systems) or without accents.
fn spelling<'a>(p: &'a Person, keep: f64, rng: &mut SplitMix64) -> impl Fn(&str) -> String + 'a {
    let keep_script = rng.chance(keep);
    let system = rng.below(4) as u8;
    move |s| {
        if keep_script {
            s.to_string()
        } else if p.locale.cyrillic {
            transliterate(s, system)
        } else {
            strip_accents(s)
        }
    }
}

fn crm_side(
    p: &Person,
    n: usize,
    tg_username: Option<&str>,
    on_tg: bool,
    rng: &mut SplitMix64,
) -> CrmContact {
    let render = spelling(p, if p.locale.cyrillic { 0.3 } else { 0.6 }, rng);
    let mut first = render(&p.first);
    let mut last = if p.locale.two_surnames && rng.chance(0.25) {
        render(p.last.split(' ').next().unwrap_or(""))
    } else {
        render(&p.last)
    };
    if rng.chance(0.05) {
        first = typo_name(&first, rng);
    }
    if rng.chance(0.05) {
        last = typo_name(&last, rng);
    }
    if rng.chance(0.03) {
        first = format!("{}.", first.chars().next().unwrap_or('X'));
    }
    if rng.chance(0.02) {
        last = split_token(&last, rng);
    } else if rng.chance(0.005) {
        first = format!(
            "{first}{}",
            last.split(' ').next().unwrap_or("").to_lowercase()
        );
        last = last
            .split_once(' ')
            .map(|(_, r)| r.to_string())
            .unwrap_or_default();
    }
    let name = if rng.chance(0.08) {
        if rng.chance(0.5) {
            format!("{last} {first}")
        } else {
            format!("{last}, {first}")
        }
    } else {
        format!("{first} {last}")
    };
    let mut phones = Vec::new();
    if rng.chance(0.8) {
        let national = if rng.chance(0.03) {
            mobile_number(p.locale.region, rng)
        } else if rng.chance(0.02) {
            typo_digits(&p.national, rng)
        } else {
            p.national.clone()
        };
        phones.push(crm_phone(p.locale.region, &national, rng));
        if rng.chance(0.1) {
            let other = mobile_number(HOME, rng);
            phones.push(crm_phone(HOME, &other, rng));
        }
    }
    let mut emails = Vec::new();
    if rng.chance(0.8) {
        let f = fold_name(&p.first).concat();
        let l = fold_name(&p.last).join("");
        let local = match (tg_username, rng.below(100)) {
            (Some(u), 0..15) => u.to_string(),
            (_, k) if k < 50 => format!("{f}.{l}"),
            (_, k) if k < 70 => format!("{}{l}", &f[..f.len().min(1)]),
            (_, k) if k < 85 => format!("{f}{}", rng.below(100)),
            _ => format!("{f}_{l}"),
        };
        let domain = rng.pick(&[
            "gmail.com",
            "yahoo.com",
            "outlook.com",
            "mail.ru",
            "example.es",
            "web.de",
            "acme.co.uk",
        ]);
        emails.push(format!("{local}@{domain}"));
    }
    let username = match tg_username {
        Some(u) if rng.chance(0.05) => Some(if rng.chance(0.1) {
            format!("{u}_old")
        } else {
            format!("@{u}")
        }),
        _ => None,
    };
    let sender_id = (on_tg && rng.chance(0.03)).then_some(p.sender_id);
    CrmContact {
        id: format!("c{n}"),
        name,
        phones,
        emails,
        username,
        sender_id,
    }
}

/// Applies one typo (insert, delete, substitute or transpose) to one token of length ≥ 3.
fn typo_name(name: &str, rng: &mut SplitMix64) -> String {
    let mut tokens: Vec<Vec<char>> = name.split(' ').map(|t| t.chars().collect()).collect();
    let candidates: Vec<usize> = (0..tokens.len())
        .filter(|&i| tokens[i].len() >= 3)
        .collect();
    if candidates.is_empty() {
        return name.to_string();
    }
    let t = &mut tokens[*rng.pick(&candidates)];
    // Not the first letter: people rarely mistype it.
    let pos = 1 + rng.below(t.len() as u64 - 1) as usize;
    let letter = char::from(b'a' + rng.below(26) as u8);
    match rng.below(4) {
        0 => t.insert(pos, letter),
        1 => {
            t.remove(pos);
        }
        2 => t[pos] = letter,
        _ if pos + 1 < t.len() => t.swap(pos, pos + 1),
        _ => t.swap(pos - 1, pos),
    }
    tokens
        .iter()
        .map(|t| t.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Splits the longest token of six letters or more with a space (`Nygaard` → `Nyg aard`).
fn split_token(name: &str, rng: &mut SplitMix64) -> String {
    let mut tokens: Vec<String> = name.split(' ').map(str::to_string).collect();
    let Some(t) = tokens
        .iter_mut()
        .filter(|t| t.chars().count() >= 6)
        .max_by_key(|t| t.chars().count())
    else {
        return name.to_string();
    };
    let chars: Vec<char> = t.chars().collect();
    let at = 3 + rng.below(chars.len() as u64 - 5) as usize;
    let (a, b) = chars.split_at(at);
    let b: String = b.iter().collect();
    // Half the time the second part is capitalised, as when typed as two names.
    let b = if rng.chance(0.5) { capitalise(&b) } else { b };
    *t = format!("{} {b}", a.iter().collect::<String>());
    tokens.join(" ")
}

/// One typo in a phone's digits, past the first two: a digit changed, or two neighbours swapped.
fn typo_digits(digits: &str, rng: &mut SplitMix64) -> String {
    let mut d: Vec<u8> = digits.bytes().collect();
    let pos = 2 + rng.below(d.len() as u64 - 3) as usize;
    if rng.chance(0.5) && d[pos] != d[pos + 1] {
        d.swap(pos, pos + 1);
    } else {
        d[pos] = b'0' + ((d[pos] - b'0' + 1 + rng.below(9) as u8) % 10);
    }
    String::from_utf8(d).expect("digits are ASCII")
}

fn strip_accents(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let folded = fold_name(w).concat();
            capitalise(&folded)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Transliterates Cyrillic with one of four systems: 0 passport style (this crate's own fold),
/// 1 ISO-like (`ia`, `iu`, `i`), 2 German-like (`ja`, `ju`, `j`, `sch`, `w`), 3 English-like
/// (`h`, `y`, `yo`, `-iy` → `-y`).
fn transliterate(s: &str, system: u8) -> String {
    if system == 0 {
        return strip_accents(s);
    }
    let words = s.split(' ').map(|w| {
        let lower = w.to_lowercase();
        let mut out = String::new();
        let chars: Vec<char> = lower.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            let at_end = i + 1 == chars.len();
            let special: Option<&str> = match (system, c) {
                (1, 'я') => Some("ia"),
                (1, 'ю') => Some("iu"),
                (1, 'й') => Some("i"),
                (1, 'є') => Some("ie"),
                (2, 'я') => Some("ja"),
                (2, 'ю') => Some("ju"),
                (2, 'й') => Some("j"),
                (2, 'х') => Some("ch"),
                (2, 'ш') => Some("sch"),
                (2, 'ж') => Some("sh"),
                (2, 'в') => Some("w"),
                (2, 'ё') => Some("jo"),
                (2, 'є') => Some("je"),
                (3, 'х') => Some("h"),
                (3, 'ё') => Some("yo"),
                (3, 'й') if at_end && out.ends_with('i') => {
                    out.pop();
                    Some("y")
                }
                (3, 'й') => Some("y"),
                _ => None,
            };
            match special {
                Some(s) => out.push_str(s),
                None => out.push_str(&fold_name(&c.to_string()).concat()),
            }
        }
        capitalise(&out)
    });
    words.collect::<Vec<_>>().join(" ")
}

/// Mathematical bold letters, as decorated Telegram names use them.
fn math_bold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'A'..='Z' => char::from_u32(0x1D400 + (c as u32 - 'A' as u32)).unwrap_or(c),
            'a'..='z' => char::from_u32(0x1D41A + (c as u32 - 'a' as u32)).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Precision, recall and F1 of an assignment against the truth.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Quality {
    /// True links that matching should find: contacts without a senderId whose person is on
    /// Telegram.
    pub truth_links: usize,
    /// Proposals made (all tiers).
    pub proposed: usize,
    /// Proposals that are true links.
    pub correct: usize,
    /// `auto` proposals made.
    pub auto_proposed: usize,
    /// `auto` proposals that are true links.
    pub auto_correct: usize,
}

impl Quality {
    /// Scores `assignment` (made on `dataset`) against the truth.
    pub fn measure(dataset: &Dataset, assignment: &Assignment) -> Quality {
        let mut q = Quality {
            truth_links: truth_links(dataset),
            ..Quality::default()
        };
        for p in &assignment.proposals {
            let right = dataset.truth[p.crm_index] == Some(p.sender_id);
            q.proposed += 1;
            q.correct += usize::from(right);
            if p.tier == Tier::Auto {
                q.auto_proposed += 1;
                q.auto_correct += usize::from(right);
            }
        }
        q
    }

    /// Correct proposals among all proposals (1 when none).
    pub fn precision(&self) -> f64 {
        ratio(self.correct, self.proposed)
    }

    /// True links found.
    pub fn recall(&self) -> f64 {
        ratio(self.correct, self.truth_links)
    }

    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    /// Correct `auto` proposals among `auto` proposals (1 when none).
    pub fn auto_precision(&self) -> f64 {
        ratio(self.auto_correct, self.auto_proposed)
    }

    /// True links found as `auto`.
    pub fn auto_recall(&self) -> f64 {
        ratio(self.auto_correct, self.truth_links)
    }
}

/// True links that matching should find: contacts without a senderId whose person is on
/// Telegram.
pub fn truth_links(dataset: &Dataset) -> usize {
    dataset
        .contacts
        .iter()
        .zip(&dataset.truth)
        .filter(|(c, t)| c.sender_id.is_none() && t.is_some())
        .count()
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_is_deterministic_and_spread() {
        let mut a = SplitMix64::new(42);
        let mut b = SplitMix64::new(42);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        // Reference value of SplitMix64 for seed 0 (first output).
        assert_eq!(SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
        let mut counts = [0u32; 10];
        for _ in 0..10_000 {
            counts[a.below(10) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (900..1100).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn generation_is_deterministic_and_labelled() {
        let a = generate(500, 7);
        let b = generate(500, 7);
        assert_eq!(a.contacts, b.contacts);
        assert_eq!(a.people, b.people);
        assert_eq!(a.truth, b.truth);
        assert_ne!(generate(500, 8).contacts, a.contacts);
        let ids: BTreeSet<SenderId> = a.people.iter().map(|p| p.sender_id).collect();
        assert_eq!(ids.len(), a.people.len(), "sender IDs are unique");
        for t in a.truth.iter().flatten() {
            assert!(ids.contains(t), "truth points at a generated person");
        }
        let n = a.contacts.len() as f64;
        assert!((400.0..480.0).contains(&n), "{n}");
        let with_phone = a.people.iter().filter(|p| p.phone.is_some()).count() as f64;
        assert!((0.4..0.6).contains(&(with_phone / a.people.len() as f64)));
        let usernames: BTreeSet<&str> = a
            .people
            .iter()
            .filter_map(|p| p.username.as_deref())
            .collect();
        assert_eq!(
            usernames.len(),
            a.people.iter().filter(|p| p.username.is_some()).count()
        );
    }

    #[test]
    fn noise_helpers() {
        assert_eq!(transliterate("Андрей Иванов", 0), "Andrey Ivanov");
        assert_eq!(transliterate("Юлия", 1), "Iuliia");
        assert_eq!(
            transliterate("Юлия Щербакова", 2),
            "Julija Schtschscherbakowa"
                .replace("Schtschscherbakowa", &transliterate("Щербакова", 2))
        );
        assert_eq!(transliterate("Андрей", 3), "Andrey");
        assert_eq!(transliterate("Дмитрий", 3), "Dmitry");
        assert_eq!(strip_accents("Lucía Fernández"), "Lucia Fernandez");
        assert_eq!(math_bold("Jo"), "𝐉𝐨");
        assert_eq!(gendered(&LOCALES[1], "Анна", "Иванов"), "Иванова");
        assert_eq!(gendered(&LOCALES[1], "Андрей", "Иванов"), "Иванов");
        assert_eq!(grouped("612345678", &[3, 3], " "), "612 345 678");
        let mut rng = SplitMix64::new(1);
        for _ in 0..100 {
            let t = typo_name("Fernandez", &mut rng);
            assert!(t != "Fernandez" || t.len() == 9, "{t}");
            assert!((8..=10).contains(&t.chars().count()), "{t}");
            assert!(t.starts_with('F'));
        }
    }
}

#[cfg(test)]
mod demo_crowd_tests {
    use super::*;

    #[test]
    fn the_demo_crowd_is_about_two_thousand_on_each_side_and_clear_of_the_hand_made_ids() {
        let crowd = demo_crowd();
        for n in [crowd.contacts.len(), crowd.people.len()] {
            assert!((1_900..=2_100).contains(&n), "{n}");
        }
        let hand_made = 7_100_000_000..7_100_000_100;
        assert!(
            crowd
                .people
                .iter()
                .all(|p| !hand_made.contains(&p.sender_id.get()))
        );
        let linked = crowd
            .contacts
            .iter()
            .filter(|c| c.sender_id.is_some())
            .count();
        assert!(linked > 20, "some contacts are linked already: {linked}");
    }
}
