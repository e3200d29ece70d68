//! String and name similarity on folded tokens.

use crate::normalize::NameKey;

/// Jaro–Winkler similarity of two byte strings, in [0, 1]. Only the first 64 bytes count.
pub(crate) fn jaro_winkler(a: &[u8], b: &[u8]) -> f64 {
    let (a, b) = (&a[..a.len().min(64)], &b[..b.len().min(64)]);
    if a == b {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut a_used = [false; 64];
    let mut b_used = [false; 64];
    let mut matches = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_used[j] && b[j] == ca {
                a_used[i] = true;
                b_used[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0;
    for (i, &ca) in a.iter().enumerate() {
        if a_used[i] {
            while !b_used[j] {
                j += 1;
            }
            if ca != b[j] {
                transpositions += 1;
            }
            j += 1;
        }
    }
    let m = matches as f64;
    let jaro =
        (m / a.len() as f64 + m / b.len() as f64 + (m - (transpositions / 2) as f64) / m) / 3.0;
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count() as f64;
    jaro + prefix * 0.1 * (1.0 - jaro)
}

/// Optimal string alignment distance (Damerau–Levenshtein with adjacent transpositions) of two
/// byte strings; only the first 64 bytes count.
pub(crate) fn edit_distance(a: &[u8], b: &[u8]) -> usize {
    let (a, b) = (&a[..a.len().min(64)], &b[..b.len().min(64)]);
    // Three rolling rows (i - 2, i - 1, i); distances fit a byte.
    let mut rows = [[0u8; 65]; 3];
    for (j, cell) in rows[0].iter_mut().enumerate().take(b.len() + 1) {
        *cell = j as u8;
    }
    for i in 1..=a.len() {
        let (cur, prev, prev2) = (i % 3, (i + 2) % 3, (i + 1) % 3);
        rows[cur][0] = i as u8;
        for j in 1..=b.len() {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[prev][j] + 1)
                .min(rows[cur][j - 1] + 1)
                .min(rows[prev][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[prev2][j - 2] + 1);
            }
            rows[cur][j] = d;
        }
    }
    usize::from(rows[a.len() % 3][b.len()])
}

/// Letter sets sharing less than 60 % (Jaccard) cannot reach [`PAIR_FLOOR`] in practice ("maria"
/// against "garcia"); checking that first skips most of the work on unrelated tokens.
fn disjointish(a: u32, b: u32) -> bool {
    a != 0 && b != 0 && (a & b).count_ones() * 5 < (a | b).count_ones() * 3
}

/// Similarity of two folded tokens: equal 1; an initial against a name 0.8; otherwise the mean of
/// Jaro–Winkler and normalised edit similarity, raised by 0.1 (up to 0.9) when they sound alike.
/// `same_sound` says whether their phonetic keys are equal; `sound_len` is the length of `a`'s.
fn token_similarity(x: &[u8], y: &[u8], same_sound: bool, sound_len: usize) -> f64 {
    if x == y {
        return 1.0;
    }
    if x.len() == 1 || y.len() == 1 {
        return if x[0] == y[0] { 0.8 } else { 0.0 };
    }
    let edit = 1.0 - edit_distance(x, y) as f64 / x.len().max(y.len()) as f64;
    let s = 0.5 * jaro_winkler(x, y) + 0.5 * edit;
    match sound_len {
        // Long sound-alike keys are transliteration variants ("grigorij" and "hryhoriy").
        n if n >= 4 && same_sound => s.max(0.8).max((s + 0.1).min(0.9)),
        n if n >= 2 && same_sound => s.max((s + 0.1).min(0.9)),
        _ => s,
    }
}

/// How well two names agree.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct NameAgreement {
    /// In [0, 1]: coverage of the shorter name by good token pairs, discounted for single-token
    /// names and extra tokens.
    pub(crate) quality: f64,
    /// Token pairs that agree well (similarity ≥ 0.85).
    pub(crate) agreeing: usize,
}

/// Token pairs below this count as not agreeing at all.
const PAIR_FLOOR: f64 = 0.75;

/// Compares two names token by token, in any order (so swapped first and last names agree).
/// `None` when either name has no tokens.
pub(crate) fn compare_names(a: &NameKey, b: &NameKey) -> Option<NameAgreement> {
    let (ia, na) = indices(a);
    let (ib, nb) = indices(b);
    if na == 0 || nb == 0 {
        return None;
    }
    let (ia, ib) = (&ia[..na], &ib[..nb]);
    // All pair similarities; names have few tokens, so this is a handful of comparisons.
    let mut pairs = [(0.0f64, 0u8, 0u8); MAX_TOKENS * MAX_TOKENS];
    let mut len = 0;
    for &i in ia {
        for &j in ib {
            let (ta, tb) = (a.token_bytes(i), b.token_bytes(j));
            // Equal tokens use the same letters: most unequal pairs are told apart without a
            // byte comparison.
            let s = if a.letters(i) == b.letters(j) && ta == tb {
                1.0
            } else {
                let (sa, sb) = (a.sound(i), b.sound(j));
                let same_sound = sa == sb;
                let short = ta.len() < 3 || tb.len() < 3;
                if !short && !same_sound && disjointish(a.letters(i), b.letters(j)) {
                    0.0
                } else {
                    token_similarity(ta, tb, same_sound, sa.len())
                }
            };
            if s >= PAIR_FLOOR {
                pairs[len] = (s, i as u8, j as u8);
                len += 1;
            }
        }
    }
    let pairs = &mut pairs[..len];
    super::sort_small_by(pairs, |x, y| {
        y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)) == std::cmp::Ordering::Less
    });
    let plain = agreement(pairs, (0, 0), (0.0, 0), (na, nb));
    if plain.quality >= 0.99 || (na < 2 && nb < 2) {
        return Some(plain);
    }
    // A name split or joined by a space ("Nyg Aard" and "Nygaard"): the two neighbours count as
    // one token equal to the other side's. Tried only when the plain pairing left room.
    let with_join = if let Some((i, k, j)) = joined(a, ia, b, ib) {
        let used = ((1 << (i % 64)) | (1 << (k % 64)), 1 << (j % 64));
        agreement(pairs, used, (1.0, 1), (na - 1, nb))
    } else if let Some((j, k, i)) = joined(b, ib, a, ia) {
        let used = (1 << (i % 64), (1 << (j % 64)) | (1 << (k % 64)));
        agreement(pairs, used, (1.0, 1), (na, nb - 1))
    } else {
        return Some(plain);
    };
    Some(if with_join.quality > plain.quality {
        with_join
    } else {
        plain
    })
}

/// The greedy pairing of sorted `pairs` (best first, each token used once) after the tokens in
/// `used` were paired already with `start` (sum of similarities, agreeing pairs), and its quality
/// for names of `counts` tokens.
fn agreement(
    pairs: &[(f64, u8, u8)],
    (mut used_a, mut used_b): (u64, u64),
    (mut sum, mut agreeing): (f64, usize),
    (na, nb): (usize, usize),
) -> NameAgreement {
    for &(s, i, j) in pairs {
        let (bit_a, bit_b) = (1u64 << (i % 64), 1u64 << (j % 64));
        if used_a & bit_a != 0 || used_b & bit_b != 0 {
            continue;
        }
        used_a |= bit_a;
        used_b |= bit_b;
        sum += s;
        if s >= 0.85 {
            agreeing += 1;
        }
    }
    let n = na.min(nb);
    let m = na.max(nb);
    let coverage = sum / n as f64;
    let quality = if n == 1 {
        coverage * 0.75
    } else {
        coverage * (1.0 - 0.05 * (m - n).min(4) as f64)
    };
    NameAgreement { quality, agreeing }
}

/// Two neighbouring tokens of `a` (positions `i`, `k`) that, joined, are a token `j` of `b` of
/// five letters or more.
fn joined(a: &NameKey, ia: &[usize], b: &NameKey, ib: &[usize]) -> Option<(usize, usize, usize)> {
    for w in ia.windows(2) {
        let (x, y) = (a.token_bytes(w[0]), a.token_bytes(w[1]));
        let letters = a.letters(w[0]) | a.letters(w[1]);
        for &j in ib {
            // The letter sets must be equal: a cheap test that rejects almost every pair.
            if b.letters(j) != letters {
                continue;
            }
            let t = b.token_bytes(j);
            if t.len() >= 5 && t.len() == x.len() + y.len() && t.starts_with(x) && t.ends_with(y) {
                return Some((w[0], w[1], j));
            }
        }
    }
    None
}

const MAX_TOKENS: usize = 6;

/// Tokens that are not particles (initials included), or all tokens when none is; at most 6.
fn indices(name: &NameKey) -> ([usize; MAX_TOKENS], usize) {
    let mut out = [0; MAX_TOKENS];
    let mut n = 0;
    for i in 0..name.len() {
        if n < MAX_TOKENS && !name.is_particle_at(i) {
            out[n] = i;
            n += 1;
        }
    }
    if n == 0 {
        n = name.len().min(MAX_TOKENS);
        for (k, slot) in out.iter_mut().enumerate().take(n) {
            *slot = k;
        }
    }
    (out, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_known_values() {
        let check = |a: &str, b: &str, expected: usize| {
            assert_eq!(
                edit_distance(a.as_bytes(), b.as_bytes()),
                expected,
                "{a} ~ {b}"
            );
        };
        check("", "", 0);
        check("abc", "", 3);
        check("kitten", "sitting", 3);
        check("emilai", "emilia", 1);
        check("emilai", "emil", 2);
        check("oleg", "olga", 2);
        check("ca", "abc", 3);
    }

    #[test]
    fn jaro_winkler_known_values() {
        let check = |a: &str, b: &str, expected: f64| {
            let got = jaro_winkler(a.as_bytes(), b.as_bytes());
            assert!((got - expected).abs() < 0.001, "{a} ~ {b}: {got}");
        };
        check("martha", "marhta", 0.961);
        check("dwayne", "duane", 0.84);
        check("dixon", "dicksonx", 0.813);
        check("abc", "abc", 1.0);
        check("abc", "", 0.0);
        check("abc", "xyz", 0.0);
    }

    fn check(a: &str, b: &str, expected_quality: f64, expected_agreeing: usize) {
        let got = compare_names(&NameKey::new(a, ""), &NameKey::new(b, "")).unwrap();
        assert!(
            (got.quality - expected_quality).abs() < 0.01 && got.agreeing == expected_agreeing,
            "{a:?} ~ {b:?}: {got:?}"
        );
    }

    #[test]
    fn names_agree_across_noise() {
        check("Jon Perk", "Jon Perk", 1.0, 2);
        check("Perk Jon", "Jon Perk", 1.0, 2);
        check("Андрей Иванов", "Andrei Ivanov", 0.95, 2);
        check("Jon Perk", "John Perk", 0.95, 2);
        check("Lucía Fernández García", "Lucia Fernandez", 0.95, 2);
        check("Lucía Fernández García", "Lucía", 0.75, 1);
        check("J. Perk", "Jon Perk", 0.9, 1);
        check("Jon Perk", "Maria Ruiz", 0.0, 0);
        check("Hans van der Berg", "Hans Berg", 1.0, 2);
        check("Mary-Jane O'Neil", "Mary Jane ONeil", 1.0, 3);
        check("Grigorij Bojko", "Григорій Бойко", 0.85, 1);
        check("Nyg Aard", "Nygaard", 0.75, 1);
        check("Caitlin Moran", "Cait lin Moran", 1.0, 2);
        check("Mariajose Ruiz", "María José Ruiz", 1.0, 2);
        check("Ann Marie", "Annmarie Lee", 0.75, 1);
    }

    #[test]
    fn empty_names_do_not_compare() {
        assert_eq!(
            compare_names(&NameKey::new("🙂", ""), &NameKey::new("Jon", "")),
            None
        );
    }
}
