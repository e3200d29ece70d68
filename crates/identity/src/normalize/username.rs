//! Telegram usernames: `@name`, `t.me/name` and `https://t.me/name` all mean `name`.

use std::fmt;

/// Normalises a username as people write it and checks Telegram's rules.
///
/// Strips surrounding whitespace, a leading `@`, and `t.me/`, `telegram.me/` links (with or without
/// `https://`, with trailing path or query); lowercases (Telegram usernames are case-insensitive).
/// Then checks: 5–32 characters of `a–z`, `0–9`, `_`, starting with a letter, not ending with `_`.
///
/// ```
/// use telegram_identity::normalize::normalize_username;
/// assert_eq!(normalize_username(" https://t.me/Lucia_FG ").unwrap(), "lucia_fg");
/// assert!(normalize_username("@abc").is_err());
/// ```
pub fn normalize_username(input: &str) -> Result<String, UsernameError> {
    let text = input.trim();
    let lower = text.to_ascii_lowercase();
    let mut rest: &str = &lower;
    for scheme in ["https://", "http://"] {
        if let Some(r) = rest.strip_prefix(scheme) {
            rest = r;
        }
    }
    let mut linked = false;
    for host in ["www.t.me/", "t.me/", "telegram.me/", "telegram.dog/"] {
        if let Some(r) = rest.strip_prefix(host) {
            rest = r.split(['/', '?', '#']).next().unwrap_or("");
            linked = true;
            break;
        }
    }
    if !linked {
        rest = rest.strip_prefix('@').unwrap_or(rest);
    }
    let name = rest;
    if name.is_empty() {
        return Err(UsernameError::Empty);
    }
    if let Some(found) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Err(UsernameError::BadChar { found });
    }
    let len = name.len();
    if len < 5 {
        return Err(UsernameError::TooShort { len });
    }
    if len > 32 {
        return Err(UsernameError::TooLong { len });
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(UsernameError::BadStart);
    }
    if name.ends_with('_') {
        return Err(UsernameError::TrailingUnderscore);
    }
    Ok(name.to_string())
}

/// Why a text is not a Telegram username.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UsernameError {
    /// Nothing after stripping `@` or the link.
    Empty,
    /// A character outside `a–z`, `0–9`, `_`.
    BadChar {
        /// The first offending character.
        found: char,
    },
    /// Fewer than 5 characters.
    TooShort {
        /// Length found.
        len: usize,
    },
    /// More than 32 characters.
    TooLong {
        /// Length found.
        len: usize,
    },
    /// Starts with a digit or `_`.
    BadStart,
    /// Ends with `_`.
    TrailingUnderscore,
}

impl fmt::Display for UsernameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const RULE: &str = "a Telegram username has 5 to 32 characters of a-z, 0-9 and _";
        match self {
            UsernameError::Empty => write!(f, "the username is empty: {RULE}"),
            UsernameError::BadChar { found } => {
                write!(f, "{found:?} cannot appear in a username: {RULE}")
            }
            UsernameError::TooShort { len } => {
                write!(f, "the username has only {len} characters: {RULE}")
            }
            UsernameError::TooLong { len } => {
                write!(f, "the username has {len} characters: {RULE}")
            }
            UsernameError::BadStart => write!(f, "a Telegram username starts with a letter"),
            UsernameError::TrailingUnderscore => write!(f, "a Telegram username cannot end with _"),
        }
    }
}

impl std::error::Error for UsernameError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<&str, UsernameError>) {
        let got = normalize_username(input);
        assert_eq!(
            got.as_deref().map_err(Clone::clone),
            expected,
            "input: {input:?}"
        );
    }

    #[test]
    fn accepts_common_forms() {
        check("lucia_fg", Ok("lucia_fg"));
        check("@lucia_fg", Ok("lucia_fg"));
        check("  @Lucia_FG ", Ok("lucia_fg"));
        check("t.me/lucia_fg", Ok("lucia_fg"));
        check("https://t.me/lucia_fg", Ok("lucia_fg"));
        check("http://t.me/Lucia_FG/", Ok("lucia_fg"));
        check("HTTPS://T.ME/lucia_fg?start=1", Ok("lucia_fg"));
        check("https://telegram.me/lucia_fg", Ok("lucia_fg"));
        check("www.t.me/lucia_fg", Ok("lucia_fg"));
        check("andrey_iv", Ok("andrey_iv"));
        check("a1234", Ok("a1234"));
        check(
            "abcdefghijklmnopqrstuvwxyz012345",
            Ok("abcdefghijklmnopqrstuvwxyz012345"),
        );
    }

    #[test]
    fn rejects_with_reason() {
        use UsernameError::*;
        check("", Err(Empty));
        check("@", Err(Empty));
        check("https://t.me/", Err(Empty));
        check("@abc", Err(TooShort { len: 3 }));
        check(
            "abcdefghijklmnopqrstuvwxyz0123456",
            Err(TooLong { len: 33 }),
        );
        check("lucia.fg", Err(BadChar { found: '.' }));
        check("lucía_fg", Err(BadChar { found: 'í' }));
        check("lucia fg", Err(BadChar { found: ' ' }));
        check("@@lucia", Err(BadChar { found: '@' }));
        check("1lucia", Err(BadStart));
        check("_lucia", Err(BadStart));
        check("lucia_", Err(TrailingUnderscore));
        check("t.me/+AbCdEf", Err(BadChar { found: '+' }));
    }

    #[test]
    fn messages_state_the_rule() {
        let msg = normalize_username("ab").unwrap_err().to_string();
        assert!(
            msg.contains("only 2 characters") && msg.contains("5 to 32"),
            "{msg}"
        );
    }
}
