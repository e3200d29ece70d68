//! The relay's cursors. Clients see opaque strings; only this module knows their shape.
//!
//! - `b<sent_at>.<id>`: a position in a conversation, for `before`.
//! - `r<rev>`: a revision of the change counter, for `after` (messages) and the directory.

use telegram_relay_api::Cursor;

/// The cursor for "messages older than (sent_at, id)".
pub fn before(sent_at: i64, id: i64) -> Cursor {
    Cursor(format!("b{sent_at}.{id}"))
}

/// The cursor for "changes after revision `rev`".
pub fn rev(rev: i64) -> Cursor {
    Cursor(format!("r{rev}"))
}

/// Reads a [`before`] cursor.
pub fn parse_before(s: &str) -> Option<(i64, i64)> {
    let (sent_at, id) = s.strip_prefix('b')?.split_once('.')?;
    Some((sent_at.parse().ok()?, id.parse().ok()?))
}

/// Reads a [`rev`] cursor.
pub fn parse_rev(s: &str) -> Option<i64> {
    s.strip_prefix('r')?.parse().ok().filter(|r| *r >= 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_foreign_strings() {
        assert_eq!(
            parse_before(before(1_700_000_000, 42).as_str()),
            Some((1_700_000_000, 42))
        );
        assert_eq!(parse_rev(rev(7).as_str()), Some(7));
        for bad in ["", "b", "b1", "bx.1", "r", "r-1", "7", "r7.1", "b1.2x"] {
            assert_eq!((parse_before(bad), parse_rev(bad)), (None, None), "{bad:?}");
        }
    }
}
