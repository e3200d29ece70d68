//! The conversation panel's data: messages oldest first, cursors both ways, polling back-off, and the
//! window of rows actually rendered.

use std::ops::Range;
use std::rc::Rc;

use telegram_relay_api::{Cursor, Direction, ErrorCode, Message, MessagePage};
use yew::Reducible;

use crate::errors::AppError;
use crate::services::relay::{RelayError, ReplyFailure};

/// A reply written in the composer, shown at once, until the relay's copy replaces it.
#[derive(Clone, Debug, PartialEq)]
pub struct Pending {
    /// Sent with the reply; the same on Retry, so the relay sends it at most once.
    pub client_id: String,
    /// The text.
    pub text: String,
    /// `None` while sending; why, once it failed.
    pub failed: Option<ReplyFailure>,
}

/// The relay's codes that mean no reply can be sent until the person writes (again) or the
/// operator acts: the composer is disabled with the reason.
pub fn closes_composer(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::MustWriteFirst
            | ErrorCode::ReplyWindowClosed
            | ErrorCode::BusinessConnectionDisabled
            | ErrorCode::NoBotToken
    )
}

/// Messages per page requested from the relay.
pub const PAGE_SIZE: u32 = 50;
/// Polling interval while all is well, in milliseconds.
pub const POLL_BASE_MS: u32 = 5_000;
/// Longest polling interval after repeated failures.
pub const POLL_MAX_MS: u32 = 60_000;
/// Rows rendered at most; the rest of a long conversation stays out of the DOM.
pub const WINDOW: usize = 80;
/// Rows the window moves by when the agent scrolls to its edge.
pub const WINDOW_STEP: usize = 40;

/// The conversation with one Telegram person.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conversation {
    /// Oldest first, unique by `id`.
    pub messages: Vec<Message>,
    /// Cursor for the next older page; `None` once the start is reached (or before the first page).
    pub older: Option<Cursor>,
    /// Cursor for polling; `None` until the first page.
    pub newer: Option<Cursor>,
    /// The first page has arrived.
    pub loaded: bool,
    /// An older page is on its way.
    pub loading_older: bool,
    /// Why the last load failed (first page or older page).
    pub error: Option<AppError>,
    /// Consecutive polling failures (drives the back-off).
    pub poll_failures: u32,
    /// Why the last poll failed (shown with the back-off, so a wrong token is named), until one
    /// succeeds.
    pub poll_error: Option<AppError>,
    /// Polls answered so far (each answer schedules the next poll).
    pub polls: u32,
    /// Replies being sent or failed, oldest first.
    pub pending: Vec<Pending>,
    /// Why replying is not possible now (a code of [`closes_composer`]); cleared when the person
    /// writes again.
    pub closed: Option<ErrorCode>,
}

/// What can happen to the conversation.
// An action lives for one dispatch; boxing the sent message would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Start over (a different person, or Retry).
    Reset,
    /// The newest page arrived (or failed).
    FirstPage(Result<MessagePage, RelayError>),
    /// The agent scrolled to the top: fetch an older page if there is one.
    LoadOlder,
    /// An older page arrived (or failed).
    OlderPage(Result<MessagePage, RelayError>),
    /// A polling answer: new (or edited) messages since `newer`.
    Polled(Result<MessagePage, RelayError>),
    /// The agent sends a reply.
    Send {
        /// A new random ID.
        client_id: String,
        /// The text.
        text: String,
    },
    /// The relay answered a reply.
    Sent {
        /// Which.
        client_id: String,
        /// The stored copy, or why not.
        result: Result<Message, ReplyFailure>,
    },
    /// Send a failed reply again (same client ID).
    RetrySend(String),
    /// Drop a failed reply.
    Discard(String),
}

impl Reducible for Conversation {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new(self.as_ref().clone().next(action))
    }
}

impl Conversation {
    /// Whether an older page can be requested now.
    pub fn can_load_older(&self) -> bool {
        self.loaded && self.older.is_some() && !self.loading_older
    }

    /// The transition function.
    pub fn next(mut self, action: Action) -> Conversation {
        match action {
            Action::Reset => self = Conversation::default(),
            Action::FirstPage(Ok(page)) => {
                self.messages.clear();
                self.older = page.older.clone();
                self.newer = Some(page.newer.clone());
                self.merge(page.messages);
                self.loaded = true;
                self.error = None;
            }
            Action::FirstPage(Err(e)) => {
                self.loaded = false;
                self.error = Some(e.into());
            }
            Action::LoadOlder => {
                if self.can_load_older() {
                    self.loading_older = true;
                }
            }
            Action::OlderPage(Ok(page)) => {
                self.loading_older = false;
                self.older = page.older.clone();
                self.merge(page.messages);
                self.error = None;
            }
            Action::OlderPage(Err(e)) => {
                self.loading_older = false;
                self.error = Some(e.into());
            }
            Action::Polled(Ok(page)) => {
                self.polls = self.polls.wrapping_add(1);
                self.poll_failures = 0;
                self.poll_error = None;
                self.newer = Some(page.newer.clone());
                // The person wrote again: the reply window (or the bot chat) may be open again.
                if page.messages.iter().any(|m| m.direction == Direction::In) {
                    self.closed = None;
                }
                self.merge(page.messages);
            }
            Action::Send { client_id, text } => {
                if !text.trim().is_empty() && self.closed.is_none() {
                    self.pending.push(Pending {
                        client_id,
                        text,
                        failed: None,
                    });
                }
            }
            Action::Sent { client_id, result } => {
                let Some(i) = self.pending.iter().position(|p| p.client_id == client_id) else {
                    return self;
                };
                match result {
                    Ok(message) => {
                        self.pending.remove(i);
                        // A reply went out: whatever closed the composer has passed.
                        self.closed = None;
                        self.merge(vec![message]);
                    }
                    Err(failure) => {
                        if let Some(code) = failure.code.filter(|c| closes_composer(*c)) {
                            self.closed = Some(code);
                        }
                        self.pending[i].failed = Some(failure);
                    }
                }
            }
            Action::RetrySend(client_id) => {
                if let Some(p) = self.pending.iter_mut().find(|p| p.client_id == client_id) {
                    p.failed = None;
                }
            }
            Action::Discard(client_id) => self.pending.retain(|p| p.client_id != client_id),
            Action::Polled(Err(e)) => {
                self.polls = self.polls.wrapping_add(1);
                self.poll_failures = self.poll_failures.saturating_add(1);
                self.poll_error = Some(e.into());
            }
        }
        self
    }

    /// Adds messages (any order; relay pages come newest first), replacing ones with the same id
    /// (edits, deletions), keeping the list oldest first. Linear: no hash map and no generic sort,
    /// which would cost kilobytes of wasm.
    fn merge(&mut self, mut incoming: Vec<Message>) {
        let key = |m: &Message| (m.sent_at, m.telegram_message_id);
        incoming.reverse();
        // Insertion sort: pages are almost always already in order, so this is one pass.
        for i in 1..incoming.len() {
            let mut j = i;
            while j > 0 && key(&incoming[j - 1]) > key(&incoming[j]) {
                incoming.swap(j - 1, j);
                j -= 1;
            }
        }
        let mut fresh = Vec::with_capacity(incoming.len());
        for m in incoming {
            // A known message keeps its time: look among the messages with the same key.
            let at = self.messages.partition_point(|x| key(x) < key(&m));
            let same = self.messages[at..]
                .iter()
                .take_while(|x| key(x) == key(&m))
                .position(|x| x.id == m.id);
            match same {
                Some(i) => self.messages[at + i] = m,
                None if fresh.last().is_some_and(|f: &Message| f.id == m.id) => {
                    *fresh.last_mut().unwrap() = m
                }
                None => fresh.push(m),
            }
        }
        if fresh.is_empty() {
            return;
        }
        if self
            .messages
            .last()
            .is_none_or(|last| key(last) <= key(&fresh[0]))
        {
            self.messages.extend(fresh);
            return;
        }
        let old = std::mem::take(&mut self.messages);
        let mut merged = Vec::with_capacity(old.len() + fresh.len());
        let (mut a, mut b) = (old.into_iter().peekable(), fresh.into_iter().peekable());
        loop {
            let take_old = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) => key(x) <= key(y),
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            merged.extend(if take_old { a.next() } else { b.next() });
        }
        self.messages = merged;
    }
}

/// Milliseconds to wait before the next poll after `failures` consecutive failures:
/// 5 s, 10 s, 20 s, 40 s, then 60 s.
pub fn poll_delay_ms(failures: u32) -> u32 {
    POLL_BASE_MS
        .saturating_mul(1u32 << failures.min(8))
        .min(POLL_MAX_MS)
}

/// Which rows of a conversation are in the DOM: at most [`WINDOW`] of them, ending
/// `from_bottom` rows above the newest. Counted from the newest, so an older page arriving at the
/// top leaves it on the same rows (a message arriving at the bottom moves it down by one).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RowWindow {
    from_bottom: usize,
}

impl RowWindow {
    /// The rows to render out of `len`: never fewer than there are, up to [`WINDOW`] (a
    /// conversation loaded again, shorter than before, shows its oldest rows, not none).
    pub fn range(self, len: usize) -> Range<usize> {
        let end = len - self.from_bottom.min(len.saturating_sub(WINDOW));
        end.saturating_sub(WINDOW)..end
    }

    /// [`WINDOW_STEP`] rows older (the agent scrolled near the top), never past the oldest.
    pub fn older(self, len: usize) -> RowWindow {
        let below = len - self.range(len).end;
        RowWindow {
            from_bottom: (below + WINDOW_STEP).min(len.saturating_sub(WINDOW)),
        }
    }

    /// [`WINDOW_STEP`] rows newer (the agent scrolled near the bottom), never past the newest.
    pub fn newer(self) -> RowWindow {
        RowWindow {
            from_bottom: self.from_bottom.saturating_sub(WINDOW_STEP),
        }
    }

    /// Whether the newest message is in the window (new messages are followed).
    pub fn at_newest(self) -> bool {
        self.from_bottom == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use telegram_relay_api::Direction;

    #[test]
    fn the_row_window_moves_by_steps_and_stops_at_both_ends() {
        let newest = RowWindow::default();
        // (rows, steps older, steps newer, expected range)
        for (len, up, down, want) in [
            (0, 0, 0, 0..0),
            (10, 0, 0, 0..10),
            (10, 3, 0, 0..10),
            (WINDOW, 1, 0, 0..WINDOW),
            (1000, 0, 0, 1000 - WINDOW..1000),
            (1000, 1, 0, 1000 - WINDOW - WINDOW_STEP..1000 - WINDOW_STEP),
            (1000, 2, 1, 1000 - WINDOW - WINDOW_STEP..1000 - WINDOW_STEP),
            (1000, 100, 0, 0..WINDOW),
            (1000, 100, 100, 1000 - WINDOW..1000),
            (WINDOW + 10, 1, 0, 0..WINDOW),
        ] {
            let mut w = newest;
            for _ in 0..up {
                w = w.older(len);
            }
            for _ in 0..down {
                w = w.newer();
            }
            assert_eq!(w.range(len), want, "{len} rows, {up} up, {down} down");
            assert!(w.range(len).len() <= WINDOW);
        }
        assert!(newest.at_newest() && !newest.older(1000).at_newest());
        assert!(
            newest.older(10).at_newest(),
            "a short conversation has nowhere to go"
        );
        // Far up a long conversation, then it loads again with one page: rows, not none.
        let far = (0..5).fold(newest, |w, _| w.older(1000));
        assert_eq!(far.range(50), 0..50);
        assert_eq!(far.range(100), 0..WINDOW);
        // Counted from the newest: an older page of 100 arriving at the top leaves the window on
        // the same rows (their indices grow by 100).
        let w = newest.older(1000);
        let before = w.range(1000);
        assert_eq!(w.range(1100), before.start + 100..before.end + 100);
    }

    fn msg(id: &str, at: i64) -> Message {
        serde_json::from_value(serde_json::json!({
            "id": id, "telegram_message_id": at, "origin": "bot", "direction": "in", "sent_at": at, "text": id
        }))
        .unwrap()
    }

    /// A page as the relay sends it: newest first.
    fn page(ids: &[(&str, i64)], older: Option<&str>, newer: &str) -> MessagePage {
        let mut messages: Vec<Message> = ids.iter().map(|(id, at)| msg(id, *at)).collect();
        messages.reverse();
        MessagePage {
            messages,
            older: older.map(|c| Cursor(c.into())),
            newer: Cursor(newer.into()),
        }
    }

    fn ids(c: &Conversation) -> Vec<&str> {
        c.messages.iter().map(|m| m.id.as_str()).collect()
    }

    #[test]
    fn pages_merge_oldest_first() {
        let c = Conversation::default()
            .next(Action::FirstPage(Ok(page(
                &[("c", 3), ("d", 4)],
                Some("o1"),
                "n1",
            ))))
            .next(Action::LoadOlder);
        assert!(c.loading_older);
        let c = c.next(Action::OlderPage(Ok(page(
            &[("a", 1), ("b", 2)],
            None,
            "ignored",
        ))));
        assert_eq!(ids(&c), ["a", "b", "c", "d"]);
        assert_eq!(c.older, None);
        assert!(!c.can_load_older(), "start of conversation reached");
        let c = c.next(Action::Polled(Ok(page(&[("e", 5)], None, "n2"))));
        assert_eq!(ids(&c), ["a", "b", "c", "d", "e"]);
        assert_eq!(c.newer, Some(Cursor("n2".into())));
    }

    #[test]
    fn edits_replace_by_id_and_duplicates_collapse() {
        let c = Conversation::default().next(Action::FirstPage(Ok(page(
            &[("a", 1), ("b", 2)],
            None,
            "n",
        ))));
        let mut edited = msg("a", 1);
        edited.text = "a (edited)".into();
        edited.edited_at = Some(9);
        edited.direction = Direction::Out;
        let c = c.next(Action::Polled(Ok(MessagePage {
            messages: vec![msg("b", 2), edited.clone()],
            older: None,
            newer: Cursor("n".into()),
        })));
        assert_eq!(ids(&c), ["a", "b"]);
        assert_eq!(c.messages[0], edited);
    }

    #[test]
    fn late_messages_land_in_time_order() {
        let c = Conversation::default()
            .next(Action::FirstPage(Ok(page(
                &[("a", 1), ("c", 3), ("e", 5)],
                None,
                "n",
            ))))
            .next(Action::Polled(Ok(page(
                &[("b", 2), ("d", 4), ("f", 6)],
                None,
                "n2",
            ))))
            .next(Action::Polled(Ok(page(&[("d", 4)], None, "n3"))));
        assert_eq!(ids(&c), ["a", "b", "c", "d", "e", "f"]);
        let big: Vec<(String, i64)> = (0..10_000).map(|i| (format!("m{i}"), i)).collect();
        let refs: Vec<(&str, i64)> = big.iter().map(|(s, i)| (s.as_str(), *i)).collect();
        let c = Conversation::default().next(Action::FirstPage(Ok(page(&refs, None, "n"))));
        assert_eq!(c.messages.len(), 10_000);
        assert!(c.messages.windows(2).all(|w| w[0].sent_at < w[1].sent_at));
    }

    #[test]
    fn failures() {
        let c = Conversation::default().next(Action::FirstPage(Err(RelayError::Unauthorized)));
        assert!(!c.loaded);
        assert_eq!(c.error, Some(AppError::Relay(RelayError::Unauthorized)));
        assert!(!c.can_load_older());
        let c = c.next(Action::FirstPage(Ok(page(&[("a", 1)], Some("o"), "n"))));
        assert_eq!(c.error, None);
        let c = c.next(Action::Polled(Err(RelayError::Unreachable("x".into()))));
        let c = c.next(Action::Polled(Err(RelayError::Unauthorized)));
        assert_eq!(c.poll_failures, 2);
        assert_eq!(
            c.poll_error,
            Some(AppError::Relay(RelayError::Unauthorized)),
            "the last polling failure is kept to be shown"
        );
        assert_eq!(ids(&c), ["a"], "polling failures keep what was shown");
        let c = c.next(Action::Polled(Ok(page(&[], None, "n"))));
        assert_eq!(c.poll_failures, 0);
        assert_eq!(c.poll_error, None);
        let c = c
            .next(Action::LoadOlder)
            .next(Action::OlderPage(Err(RelayError::NotFound)));
        assert!(!c.loading_older);
        assert!(c.can_load_older(), "a failed older page can be retried");
    }

    #[test]
    fn poll_back_off() {
        let cases = [
            (0, 5_000),
            (1, 10_000),
            (2, 20_000),
            (3, 40_000),
            (4, 60_000),
            (40, 60_000),
        ];
        for (failures, want) in cases {
            assert_eq!(poll_delay_ms(failures), want, "after {failures} failures");
        }
    }

    #[test]
    fn a_reply_is_pending_until_the_relays_copy_replaces_it_once() {
        let c = Conversation::default().next(Action::FirstPage(Ok(page(&[("a", 1)], None, "n"))));
        let c = c.next(Action::Send {
            client_id: "r1".into(),
            text: "hola".into(),
        });
        assert_eq!(c.pending.len(), 1);
        assert!(c.pending[0].failed.is_none());
        let mut stored = msg("b", 2);
        stored.direction = Direction::Out;
        let c = c.next(Action::Sent {
            client_id: "r1".into(),
            result: Ok(stored.clone()),
        });
        assert!(c.pending.is_empty());
        // Polling brings the same message again: still one copy.
        let c = c.next(Action::Polled(Ok(MessagePage {
            messages: vec![stored],
            older: None,
            newer: Cursor("n2".into()),
        })));
        assert_eq!(ids(&c), ["a", "b"]);
    }

    #[test]
    fn a_refusal_that_closes_replies_disables_them_until_the_person_writes_again() {
        let c = Conversation::default().next(Action::FirstPage(Ok(page(&[("a", 1)], None, "n"))));
        let c = c.next(Action::Send {
            client_id: "r1".into(),
            text: "hola".into(),
        });
        let failure = ReplyFailure {
            code: Some(ErrorCode::ReplyWindowClosed),
            error: RelayError::Rejected {
                status: 409,
                message: "window".into(),
            },
        };
        let c = c.next(Action::Sent {
            client_id: "r1".into(),
            result: Err(failure),
        });
        assert_eq!(c.closed, Some(ErrorCode::ReplyWindowClosed));
        assert!(
            c.pending[0].failed.is_some(),
            "kept, with Retry and Discard"
        );
        // Nothing new can be sent while closed.
        let c = c.next(Action::Send {
            client_id: "r2".into(),
            text: "¿hola?".into(),
        });
        assert_eq!(c.pending.len(), 1);
        // Retry sends the same reply (same client ID) again; Discard drops it.
        let retried = c.clone().next(Action::RetrySend("r1".into()));
        assert!(retried.pending[0].failed.is_none());
        assert!(
            c.clone()
                .next(Action::Discard("r1".into()))
                .pending
                .is_empty()
        );
        // The person writes: replies are possible again.
        let c = c.next(Action::Polled(Ok(page(&[("z", 9)], None, "n2"))));
        assert_eq!(c.closed, None);
        // A failure that does not close (Telegram down) leaves the composer open.
        let c = c.next(Action::RetrySend("r1".into())).next(Action::Sent {
            client_id: "r1".into(),
            result: Err(ReplyFailure {
                code: Some(ErrorCode::TelegramUnavailable),
                error: RelayError::Server {
                    status: 502,
                    message: "down".into(),
                },
            }),
        });
        assert_eq!(c.closed, None);
    }
}
