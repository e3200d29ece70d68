//! [`SenderId`]: the Telegram user ID, parsed from what people actually paste.

use std::fmt;
use std::num::NonZeroU64;
use std::str::FromStr;

/// A Telegram user ID: the one identity of a Telegram person that never changes.
///
/// A `SenderId` that exists is valid: its value is in `1 ..= 2^52 − 1` (Telegram promises at most
/// 52 significant bits, so every ID is exact in an `f64` and in JSON numbers, but it needs more than 32
/// bits). It prints as plain digits and serialises as a decimal string; it deserialises from a string
/// (anything [`SenderId::parse`] accepts) or an integer.
///
/// ```
/// use telegram_identity::SenderId;
///
/// let id = SenderId::parse(" tg://user?id=7100000001 ").unwrap();
/// assert_eq!(id.get(), 7_100_000_001);
/// assert_eq!(id.to_string(), "7100000001");
/// assert_eq!(SenderId::parse("user7100000001"), Ok(id));
/// assert_eq!(SenderId::parse("7 100 000 001"), Ok(id));
///
/// let err = SenderId::parse("1.23457E+09").unwrap_err();
/// assert!(err.to_string().contains("spreadsheet"));
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SenderId(NonZeroU64);

impl SenderId {
    /// The largest valid ID, `2^52 − 1` = 4 503 599 627 370 495.
    pub const MAX: u64 = (1 << 52) - 1;

    /// Checks a number: `1 ..= 2^52 − 1`.
    pub fn new(value: u64) -> Result<SenderId, SenderIdError> {
        if value > Self::MAX {
            return Err(SenderIdError::TooLarge);
        }
        NonZeroU64::new(value)
            .map(SenderId)
            .ok_or(SenderIdError::Zero)
    }

    /// The numeric value.
    pub fn get(self) -> u64 {
        self.0.get()
    }

    /// Parses an ID the way people paste it.
    ///
    /// Accepted: surrounding whitespace; digit groups separated by spaces (`7 100 000 001`, also
    /// no-break and thin spaces); the `user7100000001` form of a Telegram Desktop export;
    /// `tg://user?id=7100000001` links. Everything else is rejected with a [`SenderIdError`] whose
    /// message says what is wrong and what to do.
    pub fn parse(input: &str) -> Result<SenderId, SenderIdError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(SenderIdError::Empty);
        }
        let digits = strip_prefix_ci(text, "tg://user?id=")
            .or_else(|| {
                strip_prefix_ci(text, "user").filter(|rest| {
                    rest.is_empty() || rest.starts_with(|c: char| c.is_ascii_digit())
                })
            })
            .map(str::trim)
            .unwrap_or(text);
        if digits.is_empty() {
            return Err(SenderIdError::Empty);
        }
        if let Some(err) = explain_non_id(digits) {
            return Err(err);
        }
        let mut value: u64 = 0;
        let mut seen_digit = false;
        let mut last_was_space = false;
        for c in digits.chars() {
            if let Some(d) = c.to_digit(10).filter(|_| c.is_ascii_digit()) {
                // Saturate: anything past MAX is reported as TooLarge below.
                value = value.saturating_mul(10).saturating_add(u64::from(d));
                seen_digit = true;
                last_was_space = false;
            } else if is_group_space(c) && seen_digit && !last_was_space {
                last_was_space = true;
            } else {
                return Err(SenderIdError::NotDigits { found: c });
            }
        }
        SenderId::new(value)
    }
}

/// Recognises the common mistakes that deserve their own message, before the digit scan.
fn explain_non_id(text: &str) -> Option<SenderIdError> {
    let lower = text.to_ascii_lowercase();
    if let Some(name) = username_in(&lower, text) {
        return Some(SenderIdError::Username { username: name });
    }
    let first = text.chars().next()?;
    let rest = &text[first.len_utf8()..];
    let all = |s: &str, f: fn(char) -> bool| !s.is_empty() && s.chars().all(f);
    fn numberish(c: char) -> bool {
        c.is_ascii_digit() || is_group_space(c)
    }
    if (first == '-' || first == '\u{2212}') && all(rest.trim_start(), numberish) {
        return Some(SenderIdError::Negative);
    }
    if first == '+' && all(rest, |c| numberish(c) || "()-.".contains(c)) {
        return Some(SenderIdError::PhoneNumber);
    }
    // Scientific notation: a mantissa with an optional decimal separator, `e`/`E`, an exponent.
    if let Some(pos) = lower.find('e') {
        let (mantissa, exponent) = (&lower[..pos], &lower[pos + 1..]);
        let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        let mantissa_ok = mantissa.chars().any(|c| c.is_ascii_digit())
            && mantissa
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == ',');
        if mantissa_ok && all(exponent, |c| c.is_ascii_digit()) {
            return Some(SenderIdError::Scientific);
        }
    }
    // A decimal part (`7100000001.0`, `7100000001,00`): a spreadsheet or script stored a number.
    if let Some(pos) = text.find(['.', ',']) {
        let (whole, frac) = (&text[..pos], &text[pos + 1..]);
        if all(whole, |c| c.is_ascii_digit()) && all(frac, |c| c.is_ascii_digit()) {
            return Some(SenderIdError::Decimal);
        }
    }
    None
}

/// Finds a username in `@name`, `t.me/name`, `https://t.me/name`, `telegram.me/name`.
fn username_in(lower: &str, original: &str) -> Option<String> {
    if let Some(rest) = original.strip_prefix('@') {
        return Some(rest.to_string());
    }
    let without_scheme = ["https://", "http://"]
        .iter()
        .find_map(|s| lower.strip_prefix(s))
        .unwrap_or(lower);
    let offset = lower.len() - without_scheme.len();
    for host in ["t.me/", "telegram.me/", "telegram.dog/", "www.t.me/"] {
        if without_scheme.starts_with(host) {
            let start = offset + host.len();
            let name = original[start..]
                .split(['/', '?', '#'])
                .next()
                .unwrap_or("");
            return Some(name.to_string());
        }
    }
    None
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Spaces people use between digit groups: ASCII space, no-break space, thin and narrow spaces.
fn is_group_space(c: char) -> bool {
    matches!(c, ' ' | '\u{00A0}' | '\u{2009}' | '\u{202F}')
}

impl fmt::Display for SenderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for SenderId {
    type Err = SenderIdError;
    fn from_str(s: &str) -> Result<SenderId, SenderIdError> {
        SenderId::parse(s)
    }
}

impl From<SenderId> for u64 {
    fn from(id: SenderId) -> u64 {
        id.get()
    }
}

impl TryFrom<u64> for SenderId {
    type Error = SenderIdError;
    fn try_from(value: u64) -> Result<SenderId, SenderIdError> {
        SenderId::new(value)
    }
}

/// Why a text or number is not a Telegram user ID. `Display` gives the message for the person who
/// typed it: what is wrong, and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SenderIdError {
    /// Nothing but whitespace (or a bare `user` / `tg://user?id=` prefix).
    Empty,
    /// The number 0.
    Zero,
    /// A character that is not a digit or a group space.
    NotDigits {
        /// The first offending character.
        found: char,
    },
    /// More than 52 bits.
    TooLarge,
    /// A negative number: the ID of a group or channel.
    Negative,
    /// Scientific notation such as `1.23457E+09`: a spreadsheet rewrote the number.
    Scientific,
    /// A number with a decimal part such as `7100000001.0`.
    Decimal,
    /// A `@username` or `t.me/name` link.
    Username {
        /// The username as written (without `@` or the link part).
        username: String,
    },
    /// Looks like a phone number (`+34 612 345 678`).
    PhoneNumber,
}

impl fmt::Display for SenderIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SenderIdError::Empty => f.write_str(
                "the sender ID is empty: paste the person's numeric Telegram user ID, such as 7100000001",
            ),
            SenderIdError::Zero => f.write_str(
                "0 is not a Telegram user ID (they start at 1): check that the whole ID was copied",
            ),
            SenderIdError::NotDigits { found } => write!(
                f,
                "{found:?} cannot appear in a sender ID: it is a whole number made of digits \
                 (spaces between digit groups, a `user123` prefix and tg://user?id= links are accepted)",
            ),
            SenderIdError::TooLarge => write!(
                f,
                "the number is larger than any Telegram user ID (at most {}, 52 bits): \
                 check for extra digits or two IDs pasted together",
                SenderId::MAX,
            ),
            SenderIdError::Negative => f.write_str(
                "a negative ID belongs to a group or channel, not a person: \
                 use the user ID of the person who wrote the message",
            ),
            SenderIdError::Scientific => f.write_str(
                "a spreadsheet rewrote this number in scientific notation (like 1.23457E+09) and its \
                 last digits are lost: format the column as text and copy the ID again from the source",
            ),
            SenderIdError::Decimal => f.write_str(
                "a sender ID is a whole number, but this has a decimal part (a spreadsheet or script \
                 stored it as a number): copy the ID again as text, digits only",
            ),
            SenderIdError::Username { username } => write!(
                f,
                "@{username} is a username, which its owner can change at any time: paste the numeric \
                 sender ID instead, or pick the person from the search results",
            ),
            SenderIdError::PhoneNumber => f.write_str(
                "this looks like a phone number, not a sender ID: paste the person's numeric Telegram \
                 user ID, or pick the person from the search results",
            ),
        }
    }
}

impl std::error::Error for SenderIdError {}

impl serde::Serialize for SenderId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for SenderId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<SenderId, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = SenderId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Telegram user ID as a decimal string or an integer")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SenderId, E> {
                SenderId::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<SenderId, E> {
                SenderId::new(v).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<SenderId, E> {
                if v < 0 {
                    return Err(E::custom(SenderIdError::Negative));
                }
                self.visit_u64(v.unsigned_abs())
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<u64, SenderIdError>) {
        let got = SenderId::parse(input).map(SenderId::get);
        assert_eq!(got, expected, "input: {input:?}");
    }

    #[test]
    fn accepted_forms() {
        check("7100000001", Ok(7100000001));
        check("  7100000001\t\n", Ok(7100000001));
        check("7 100 000 001", Ok(7100000001));
        check("7\u{00A0}100\u{00A0}000\u{00A0}001", Ok(7100000001));
        check("7\u{202F}100\u{202F}000\u{202F}001", Ok(7100000001));
        check("user7100000001", Ok(7100000001));
        check("User7100000001", Ok(7100000001));
        check("tg://user?id=7100000001", Ok(7100000001));
        check("TG://USER?ID=7100000001", Ok(7100000001));
        check("1", Ok(1));
        check("007", Ok(7));
        check("4503599627370495", Ok(SenderId::MAX));
        check("4 503 599 627 370 495", Ok(SenderId::MAX));
    }

    #[test]
    fn rejected_forms() {
        use SenderIdError::*;
        check("", Err(Empty));
        check("   ", Err(Empty));
        check("user", Err(Empty));
        check("tg://user?id=", Err(Empty));
        check("0", Err(Zero));
        check("000", Err(Zero));
        check("4503599627370496", Err(TooLarge));
        check("99999999999999999999999999", Err(TooLarge));
        check("-1001234567890", Err(Negative));
        check("-123456", Err(Negative));
        check("\u{2212}123456", Err(Negative));
        check("1.23457E+09", Err(Scientific));
        check("1,23457E+09", Err(Scientific));
        check("1.2e9", Err(Scientific));
        check("7E9", Err(Scientific));
        check("7100000001.0", Err(Decimal));
        check("7100000001,00", Err(Decimal));
        check(
            "@lucia_fg",
            Err(Username {
                username: "lucia_fg".into(),
            }),
        );
        check(
            "t.me/lucia_fg",
            Err(Username {
                username: "lucia_fg".into(),
            }),
        );
        check(
            "https://t.me/lucia_fg",
            Err(Username {
                username: "lucia_fg".into(),
            }),
        );
        check(
            "HTTPS://T.ME/Lucia_FG/12",
            Err(Username {
                username: "Lucia_FG".into(),
            }),
        );
        check(
            "telegram.me/lucia_fg",
            Err(Username {
                username: "lucia_fg".into(),
            }),
        );
        check("+34 612 345 678", Err(PhoneNumber));
        check("+1 (555) 010-0000", Err(PhoneNumber));
        check("abc", Err(NotDigits { found: 'a' }));
        check("71000x0001", Err(NotDigits { found: 'x' }));
        check("7100  000001", Err(NotDigits { found: ' ' }));
        check("7100-000-001", Err(NotDigits { found: '-' }));
        check("user-5", Err(NotDigits { found: 'u' }));
        check("username", Err(NotDigits { found: 'u' }));
        check("٧١٠٠", Err(NotDigits { found: '٧' }));
        check("1 2 3.5", Err(NotDigits { found: '.' }));
    }

    #[test]
    fn messages_say_what_is_wrong_and_what_to_do() {
        fn check_msg(input: &str, needles: &[&str]) {
            let msg = SenderId::parse(input).unwrap_err().to_string();
            for needle in needles {
                assert!(msg.contains(needle), "{input:?}: {msg:?} lacks {needle:?}");
            }
        }
        check_msg("", &["empty", "paste"]);
        check_msg("-1001234567890", &["group or channel", "user ID"]);
        check_msg("1.23457E+09", &["spreadsheet", "digits are lost", "text"]);
        check_msg(
            "@lucia_fg",
            &["@lucia_fg", "username", "change", "search results"],
        );
        check_msg("t.me/lucia_fg", &["@lucia_fg", "username"]);
        check_msg("4503599627370496", &["4503599627370495", "52 bits"]);
        check_msg("12a", &["'a'", "digits"]);
    }

    #[test]
    fn new_checks_range() {
        assert_eq!(SenderId::new(0), Err(SenderIdError::Zero));
        assert_eq!(SenderId::new(1).map(SenderId::get), Ok(1));
        assert_eq!(
            SenderId::new(SenderId::MAX).map(SenderId::get),
            Ok(SenderId::MAX)
        );
        assert_eq!(
            SenderId::new(SenderId::MAX + 1),
            Err(SenderIdError::TooLarge)
        );
        assert_eq!(SenderId::new(u64::MAX), Err(SenderIdError::TooLarge));
    }

    #[test]
    fn display_and_from_str() {
        let id: SenderId = "7 100 000 001".parse().unwrap();
        assert_eq!(id.to_string(), "7100000001");
        assert_eq!(format!("{id:>12}"), "  7100000001");
    }

    #[test]
    fn serde_writes_string_reads_string_or_integer() {
        let id = SenderId::new(7100000001).unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""7100000001""#);
        let check_json = |json: &str, expected: Result<u64, &str>| {
            let got = serde_json::from_str::<SenderId>(json).map(SenderId::get);
            match (got, expected) {
                (Ok(v), Ok(e)) => assert_eq!(v, e, "{json}"),
                (Err(err), Err(needle)) => {
                    assert!(err.to_string().contains(needle), "{json}: {err}")
                }
                (got, expected) => panic!("{json}: got {got:?}, expected {expected:?}"),
            }
        };
        check_json(r#""7100000001""#, Ok(7100000001));
        check_json("7100000001", Ok(7100000001));
        check_json(r#""user7100000001""#, Ok(7100000001));
        check_json("4503599627370495", Ok(SenderId::MAX));
        check_json("0", Err("0 is not"));
        check_json("-100123", Err("group or channel"));
        check_json("4503599627370496", Err("52 bits"));
        check_json("7100000001.0", Err("a Telegram user ID"));
        check_json("null", Err("a Telegram user ID"));
        check_json(r#""1.2e9""#, Err("spreadsheet"));
    }
}
