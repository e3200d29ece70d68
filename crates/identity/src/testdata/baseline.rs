//! A classic record-linkage pipeline, the yardstick the quality report and one test hold the
//! engine against: standard blocking, Jaro–Winkler on first and last names, exact identifier
//! agreement, Fellegi–Sunter summed log-weights, and a greedy one-to-one assignment.
//!
//! It is tuned as well as labelled data allows: the m and u probabilities of every field level
//! are counted on the candidate pairs of the data it is scored on, and the threshold is the one
//! with the best F1 there. Real deployments have neither, so its figures are an upper bound.
//!
//! * Blocking: equal phone key (international form); Soundex of the surname with the first
//!   initial; equal username.
//! * Fields (levels): first name and last name (Jaro–Winkler ≥ 0.92 agree, ≥ 0.80 close,
//!   else disagree, or missing); phone, username, and email local part against the username
//!   (equal, different, or missing).

use std::collections::BTreeMap;

use super::Dataset;
use crate::matching::similarity::jaro_winkler;
use crate::normalize::{PhoneKey, Region, fold_name, normalize_username};

/// Precision and recall of the baseline on a dataset, with what it chose.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BaselineQuality {
    /// True links that could be found (as [`super::Quality::truth_links`]).
    pub truth_links: usize,
    /// Links proposed at the best threshold.
    pub proposed: usize,
    /// Proposed links that are true.
    pub correct: usize,
    /// Candidate pairs compared after blocking.
    pub candidate_pairs: usize,
    /// The summed log-weight threshold with the best F1.
    pub threshold: f64,
}

impl BaselineQuality {
    /// Correct links among proposed ones (1 when none).
    pub fn precision(&self) -> f64 {
        ratio(self.correct, self.proposed)
    }
    /// True links found.
    pub fn recall(&self) -> f64 {
        ratio(self.correct, self.truth_links)
    }
    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        f1(self.correct, self.proposed, self.truth_links)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

fn f1(correct: usize, proposed: usize, truth: usize) -> f64 {
    if correct == 0 {
        0.0
    } else {
        2.0 * correct as f64 / (proposed + truth) as f64
    }
}

struct Rec {
    first: String,
    last: String,
    phones: Vec<u64>,
    usernames: Vec<String>,
    handles: Vec<String>,
}

/// Levels per field: 0 missing, 1 disagree, 2 close, 3 agree.
const FIELDS: usize = 5;
type Pattern = [u8; FIELDS];

fn name_level(a: &str, b: &str) -> u8 {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    let s = jaro_winkler(a.as_bytes(), b.as_bytes());
    if s >= 0.92 {
        3
    } else if s >= 0.80 {
        2
    } else {
        1
    }
}

fn set_level<T: PartialEq>(a: &[T], b: &[T]) -> u8 {
    if a.is_empty() || b.is_empty() {
        0
    } else if a.iter().any(|x| b.contains(x)) {
        3
    } else {
        1
    }
}

fn compare(c: &Rec, p: &Rec) -> Pattern {
    [
        name_level(&c.first, &p.first),
        name_level(&c.last, &p.last),
        set_level(&c.phones, &p.phones),
        set_level(&c.usernames, &p.usernames),
        // An email local part equal to the username agrees; a different one says nothing.
        if set_level(&c.handles, &p.handles) == 3 {
            3
        } else {
            0
        },
    ]
}

/// American Soundex of an ASCII-folded token (`robert` → `R163`).
pub fn soundex(token: &str) -> String {
    fn code(c: u8) -> u8 {
        match c {
            b'b' | b'f' | b'p' | b'v' => b'1',
            b'c' | b'g' | b'j' | b'k' | b'q' | b's' | b'x' | b'z' => b'2',
            b'd' | b't' => b'3',
            b'l' => b'4',
            b'm' | b'n' => b'5',
            b'r' => b'6',
            b'h' | b'w' => b'h',
            _ => b'0',
        }
    }
    let letters: Vec<u8> = token.bytes().filter(u8::is_ascii_lowercase).collect();
    let Some(&first) = letters.first() else {
        return String::new();
    };
    let mut out = vec![first.to_ascii_uppercase()];
    let mut last = code(first);
    for &c in &letters[1..] {
        let d = code(c);
        if d == b'h' {
            continue; // h and w do not separate equal codes
        }
        if d != b'0' && d != last {
            out.push(d);
            if out.len() == 4 {
                break;
            }
        }
        last = d;
    }
    out.resize(4, b'0');
    String::from_utf8(out).expect("ASCII")
}

fn split(first: &str, last: &str) -> (String, String) {
    let (f, l) = (fold_name(first), fold_name(last));
    if l.is_empty() {
        // One field holding the whole name: first token given name, last token surname.
        match f.len() {
            0 => (String::new(), String::new()),
            1 => (f[0].clone(), String::new()),
            n => (f[0].clone(), f[n - 1].clone()),
        }
    } else {
        (
            f.first().cloned().unwrap_or_default(),
            l[l.len() - 1].clone(),
        )
    }
}

/// An email local part or a username reduced for comparison: no `+tag`, only ASCII letters and
/// digits, lower case (`John.Perk+crm` and `john_perk` both become `johnperk`).
pub fn handle(s: &str) -> String {
    s.split('+')
        .next()
        .unwrap_or(s)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Runs the baseline on `data` and scores it against the truth.
pub fn run(data: &Dataset) -> BaselineQuality {
    let region = Region::from_code(data.region);
    let crm: Vec<Option<Rec>> = data
        .contacts
        .iter()
        .map(|c| {
            c.sender_id.is_none().then(|| {
                let (first, last) = split(&c.name, "");
                Rec {
                    first,
                    last,
                    phones: c
                        .phones
                        .iter()
                        .filter_map(|x| PhoneKey::parse(x, region))
                        .map(PhoneKey::digits)
                        .collect(),
                    usernames: c
                        .username
                        .iter()
                        .filter_map(|u| normalize_username(u).ok())
                        .collect(),
                    handles: c
                        .emails
                        .iter()
                        .filter_map(|e| e.rsplit_once('@').map(|(l, _)| handle(l)))
                        .collect(),
                }
            })
        })
        .collect();
    let tg: Vec<Rec> = data
        .people
        .iter()
        .map(|p| {
            let (first, last) = split(&p.first_name, &p.last_name);
            let usernames: Vec<String> = p
                .username
                .iter()
                .filter_map(|u| normalize_username(u).ok())
                .collect();
            Rec {
                first,
                last,
                phones: p
                    .phone
                    .iter()
                    .filter_map(|x| PhoneKey::parse_telegram(x, region))
                    .map(PhoneKey::digits)
                    .collect(),
                handles: usernames.iter().map(|u| handle(u)).collect(),
                usernames,
            }
        })
        .collect();

    // Blocking: one sorted multimap of keys over the Telegram side.
    let block_keys = |r: &Rec| -> Vec<String> {
        let mut k: Vec<String> = r.phones.iter().map(|d| format!("p{d}")).collect();
        k.extend(r.usernames.iter().map(|u| format!("u{u}")));
        if !r.last.is_empty() {
            let initial = r.first.chars().next().map(String::from).unwrap_or_default();
            k.push(format!("n{}{initial}", soundex(&r.last)));
        }
        k
    };
    let mut index: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for (i, r) in tg.iter().enumerate() {
        for k in block_keys(r) {
            index.entry(k).or_default().push(i as u32);
        }
    }
    let mut pairs: Vec<(u32, u32, Pattern)> = Vec::new();
    let mut cands = Vec::new();
    for (ci, c) in crm.iter().enumerate() {
        let Some(c) = c else { continue };
        cands.clear();
        for k in block_keys(c) {
            if let Some(v) = index.get(&k) {
                cands.extend_from_slice(v);
            }
        }
        cands.sort_unstable();
        cands.dedup();
        pairs.extend(
            cands
                .iter()
                .map(|&pi| (ci as u32, pi, compare(c, &tg[pi as usize]))),
        );
    }

    // m and u of every field level, counted on the candidate pairs with the labels.
    let truth_of = |ci: u32| data.truth[ci as usize];
    let is_true = |ci: u32, pi: u32| truth_of(ci) == Some(data.people[pi as usize].sender_id);
    let mut counts = [[[1.0f64; 4]; FIELDS]; 2]; // add-one smoothing
    let mut totals = [4.0f64; 2];
    for &(ci, pi, pat) in &pairs {
        let t = usize::from(is_true(ci, pi));
        totals[t] += 1.0;
        for (f, &level) in pat.iter().enumerate() {
            counts[t][f][level as usize] += 1.0;
        }
    }
    let weight = |pat: &Pattern| -> f64 {
        pat.iter()
            .enumerate()
            .map(|(f, &l)| {
                let m = counts[1][f][l as usize] / totals[1];
                let u = counts[0][f][l as usize] / totals[0];
                (m / u).ln()
            })
            .sum()
    };
    let mut scored: Vec<(f64, u32, u32)> = pairs
        .iter()
        .map(|&(ci, pi, pat)| (weight(&pat), ci, pi))
        .collect();
    // Best first; ties by contact then person, so the result is deterministic.
    scored.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));

    // Greedy one-to-one over all pairs: the links at threshold t are the prefix of these with
    // weight ≥ t, so one pass gives every threshold.
    let mut crm_taken = vec![false; data.contacts.len()];
    let mut tg_taken = vec![false; data.people.len()];
    let mut taken: Vec<(f64, bool)> = Vec::new();
    for &(w, ci, pi) in &scored {
        if !crm_taken[ci as usize] && !tg_taken[pi as usize] {
            crm_taken[ci as usize] = true;
            tg_taken[pi as usize] = true;
            taken.push((w, is_true(ci, pi)));
        }
    }
    BaselineQuality {
        candidate_pairs: pairs.len(),
        ..best_cut(super::truth_links(data), &taken)
    }
}

/// The cut with the best F1 of links taken best first (`(score, is true)`, scores descending),
/// as a threshold tuned on the labels would choose it; cuts fall only between different scores,
/// since equal scores cannot be told apart. `candidate_pairs` is left 0 for the caller.
pub fn best_cut(truth_links: usize, taken: &[(f64, bool)]) -> BaselineQuality {
    let mut best = (0.0, 0, 0, f64::INFINITY);
    let mut correct = 0;
    for (n, &(w, right)) in taken.iter().enumerate() {
        correct += usize::from(right);
        if taken.get(n + 1).is_some_and(|next| next.0 == w) {
            continue;
        }
        let f = f1(correct, n + 1, truth_links);
        if f > best.0 {
            best = (f, n + 1, correct, w);
        }
    }
    BaselineQuality {
        truth_links,
        proposed: best.1,
        correct: best.2,
        candidate_pairs: 0,
        threshold: best.3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soundex_known_values() {
        for (word, code) in [
            ("robert", "R163"),
            ("rupert", "R163"),
            ("ashcraft", "A261"),
            ("tymczak", "T522"),
            ("pfister", "P236"),
            ("lee", "L000"),
            ("", ""),
        ] {
            assert_eq!(soundex(word), code, "{word}");
        }
    }
}
