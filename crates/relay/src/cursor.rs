//! The relay's cursors. Clients see opaque strings; only this module knows their shape.
//!
//! - `b<sent_at>.<id>`: a position in a conversation, for `before`.
//! - `r<rev>`: a revision of the change counter, for `after` (messages) and the directory.

use telegram_relay_api::Cursor;

use crate::store::{MessagePosition, Revision};

/// The cursor for "messages older than `at`".
pub fn before(at: MessagePosition) -> Cursor {
    Cursor(format!("b{}.{}", at.sent_at, at.id))
}

/// The cursor for "changes after revision `rev`".
pub fn rev(rev: Revision) -> Cursor {
    Cursor(format!("r{}", rev.0))
}

/// Reads a [`before`] cursor.
pub fn parse_before(s: &str) -> Option<MessagePosition> {
    let (sent_at, id) = s.strip_prefix('b')?.split_once('.')?;
    Some(MessagePosition {
        sent_at: sent_at.parse().ok()?,
        id: id.parse().ok()?,
    })
}

/// Reads a [`rev`] cursor.
pub fn parse_rev(s: &str) -> Option<Revision> {
    s.strip_prefix('r')?
        .parse()
        .ok()
        .filter(|r| *r >= 0)
        .map(Revision)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_foreign_strings() {
        let at = MessagePosition {
            sent_at: 1_700_000_000,
            id: 42,
        };
        assert_eq!(parse_before(before(at).as_str()), Some(at));
        assert_eq!(parse_rev(rev(Revision(7)).as_str()), Some(Revision(7)));
        for bad in ["", "b", "b1", "bx.1", "r", "r-1", "7", "r7.1", "b1.2x"] {
            assert_eq!((parse_before(bad), parse_rev(bad)), (None, None), "{bad:?}");
        }
    }
}
