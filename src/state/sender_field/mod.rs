//! The senderId field: view, edit, validate, resolve, conflict check, save, undo, unlink.
//!
//! ```text
//! Loading ─Loaded─▶ Idle ─StartEdit─▶ Editing ─Submit(invalid)─▶ Editing{error}
//!                     ▲                 │ Submit(valid)
//!                     │                 ▼
//!                     │             Resolving ─▶ Preview ─Confirm─▶ Saving ─Written─▶ Done{undo}
//!                     │                 │                               ▲              │ Undo
//!                     │                 └──▶ Conflict ─Confirm─────────┘              ▼
//!                     └──────────────────────────── Cancel ◀──────────────────── Saving(undo)
//! ```
//!
//! Effects (reading the host field, resolving with the relay, writing, journaling) belong to
//! `hooks::use_sender_field`, which watches [`Phase`] and dispatches the results back.

use std::rc::Rc;

use telegram_identity::{SenderId, SenderIdError};
use telegram_relay_api::{LinkAction, Person};
use yew::Reducible;

use crate::errors::AppError;
use crate::host::{ContactRef, HostError};
use crate::services::relay::RelayError;

/// A write to perform: the field's new value, and what the journal records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Op {
    /// Link, unlink or undo.
    pub action: LinkAction,
    /// The value before the write.
    pub old: Option<String>,
    /// The value to write (`None` clears the field).
    pub new: Option<String>,
    /// The journal event this undoes.
    pub undoes: Option<String>,
    /// Why, for the journal.
    pub reason: LinkReason,
    /// Which write this is (counted per open contact), so a late journal answer is matched to
    /// its own write and never to a later one with the same values.
    pub seq: u32,
}

/// Why a write was made, as the relay's link journal records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkReason {
    /// The agent typed or pasted the ID.
    Manual,
    /// The agent picked the person from the search results.
    Search,
    /// The agent linked a suggestion.
    Suggestion,
    /// The agent linked although another contact holds the ID.
    ConflictConfirmed,
    /// The agent cleared the field.
    Unlink,
    /// The agent undid a write.
    Undo,
}

impl LinkReason {
    /// The journal's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkReason::Manual => "manual",
            LinkReason::Search => "search",
            LinkReason::Suggestion => "suggestion",
            LinkReason::ConflictConfirmed => "conflict-confirmed",
            LinkReason::Unlink => "unlink",
            LinkReason::Undo => "undo",
        }
    }
}

/// Where an ID proposed without typing came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A search result.
    Search,
    /// A suggestion; `confident` for the engine's `auto` tier, which saves without a preview.
    Suggestion {
        /// The engine's `auto` tier.
        confident: bool,
    },
}

/// What can be undone after a write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UndoInfo {
    /// The value to restore.
    pub restore: Option<String>,
    /// The value the write put in the field.
    pub written: Option<String>,
    /// The write's [`Op::seq`].
    pub seq: u32,
    /// What the journal said of this write.
    pub journal: Journal,
}

/// The link journal's answer about one write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Journal {
    /// Not yet answered: Undo waits, so the undo event can name the write.
    Pending,
    /// Recorded as this event.
    Recorded(String),
    /// Not recorded: Undo is offered anyway (it names no event).
    Failed,
}

/// A link the relay's sync made (it created this contact, or wrote the field), offered for undo
/// while the field still holds what it wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutoLink {
    /// The journal entry.
    pub event_id: String,
    /// When, Unix seconds.
    pub recorded_at: i64,
    /// The value the field held before (what Undo writes back; `None` clears it).
    pub restore: Option<String>,
    /// The value sync wrote.
    pub written: String,
}

impl AutoLink {
    /// The link sync made, if `entry` (a contact's newest journal entry) is one that wrote
    /// `current` into the field.
    pub fn from_entry(
        entry: &crate::services::relay::JournalEntry,
        current: &str,
    ) -> Option<AutoLink> {
        (entry.action == LinkAction::Link
            && entry.actor == telegram_relay_api::SYNC_ACTOR
            && entry.new_value.as_deref() == Some(current)
            && entry.old_value.as_deref() != Some(current))
        .then(|| AutoLink {
            event_id: entry.id.clone(),
            recorded_at: entry.recorded_at,
            restore: entry.old_value.clone(),
            written: current.to_owned(),
        })
    }
}

/// Where the field is in its life.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    /// Reading the field from the host.
    Loading,
    /// Showing the current value.
    Idle,
    /// The agent is typing; `error` is the last validation failure.
    Editing {
        /// Text typed so far.
        input: String,
        /// Why the last submitted text is not a sender ID.
        error: Option<SenderIdError>,
    },
    /// Asking the relay who this is and the host who else holds it.
    Resolving {
        /// The ID being resolved.
        id: SenderId,
        /// Why it would be written.
        reason: LinkReason,
        /// Save right away when nobody else holds it (a confident suggestion's Link button).
        auto_save: bool,
    },
    /// Who it is (`None`: the relay has never seen this ID); waiting for Save.
    Preview {
        /// The ID.
        id: SenderId,
        /// The relay's profile.
        person: Option<Person>,
        /// Why it would be written.
        reason: LinkReason,
    },
    /// Other contacts already hold this ID; saving needs an explicit "link anyway".
    Conflict {
        /// The ID.
        id: SenderId,
        /// The relay's profile.
        person: Option<Person>,
        /// The contacts holding it.
        holders: Vec<ContactRef>,
    },
    /// Writing through the host.
    Saving(Op),
    /// Written (a link or an unlink); `undo` says what Undo restores.
    Done {
        /// What was written.
        action: LinkAction,
        /// How to take it back.
        undo: UndoInfo,
    },
}

/// The field's whole state.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldState {
    /// The value the host holds, as last read or written.
    pub current: Option<String>,
    /// Where the field is.
    pub phase: Phase,
    /// A failure to show.
    pub error: Option<AppError>,
    /// The write succeeded but the journal did not record it.
    pub journal_warning: Option<RelayError>,
    /// The relay's sync linked this contact, and the field still holds what it wrote.
    pub auto: Option<AutoLink>,
    /// Writes made so far (the next [`Op::seq`]).
    pub writes: u32,
}

impl Default for FieldState {
    fn default() -> Self {
        FieldState {
            current: None,
            phase: Phase::Loading,
            error: None,
            journal_warning: None,
            auto: None,
            writes: 0,
        }
    }
}

impl FieldState {
    /// The current value as a sender ID, when it is one.
    pub fn linked_id(&self) -> Option<SenderId> {
        self.current
            .as_deref()
            .and_then(|v| SenderId::parse(v).ok())
    }

    /// Whether Undo is offered: after a write, once the journal has answered (recorded, so the
    /// undo event names the write it undoes; or failed, so waiting would not help).
    pub fn can_undo(&self) -> bool {
        matches!(&self.phase, Phase::Done { undo, .. } if undo.journal != Journal::Pending)
    }

    /// Whether the current value is on show (not being edited, checked or written).
    pub fn showing(&self) -> bool {
        matches!(self.phase, Phase::Idle | Phase::Done { .. })
    }

    /// Whether the host field could not be read at all (missing field, no contact).
    pub fn unavailable(&self) -> bool {
        matches!(
            self.error,
            Some(AppError::Host(
                HostError::FieldMissing { .. } | HostError::NoContact
            ))
        ) && self.phase == Phase::Idle
    }
}

/// Everything that can happen to the field.
// An action lives for one dispatch; boxing the resolved profile would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The host answered the initial read.
    Loaded(Result<Option<String>, HostError>),
    /// The field changed outside the sidebar.
    ExternalChange(Option<String>),
    /// The agent clicked Edit.
    StartEdit,
    /// The agent typed.
    Input(String),
    /// The agent cancelled editing, preview or conflict.
    Cancel,
    /// The agent submitted the typed text.
    Submit,
    /// A search result or a suggestion's Link button: resolve this ID, then preview it (or, for a
    /// confident suggestion, save it unless someone else holds it).
    Propose(SenderId, Origin),
    /// The relay and host answered for `id`.
    Resolved {
        /// The ID that was resolved.
        id: SenderId,
        /// The profile (or never seen) and the other holders, or why it failed.
        result: Result<(Option<Person>, Vec<ContactRef>), AppError>,
    },
    /// Save (from Preview) or Link anyway (from Conflict).
    Confirm,
    /// Clear the field.
    Unlink,
    /// Restore the value before the last write.
    Undo,
    /// The host answered the write of `op`.
    Written {
        /// The write.
        op: Op,
        /// Its outcome.
        result: Result<(), HostError>,
    },
    /// The relay's journal answered for the write of `op` (the event id, or why not).
    Journaled {
        /// The write.
        op: Op,
        /// The journal event id.
        result: Result<String, RelayError>,
    },
    /// Hide the error banner.
    DismissError,
    /// The contact's newest journal entry is a link the relay's sync made.
    AutoLinked(AutoLink),
    /// Undo the link the relay's sync made.
    UndoAutoLink,
}

impl Reducible for FieldState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new(self.as_ref().clone().next(action))
    }
}

impl FieldState {
    /// The transition function (also used by tests).
    pub fn next(mut self, action: Action) -> FieldState {
        match (action, self.phase.clone()) {
            (Action::Loaded(Ok(v)), _) => {
                self.current = v.filter(|v| !v.trim().is_empty());
                self.phase = Phase::Idle;
                self.error = None;
            }
            (Action::Loaded(Err(e)), _) => {
                self.phase = Phase::Idle;
                self.error = Some(e.into());
            }
            // The host echoes our own writes as change events: the same value changes nothing.
            (Action::ExternalChange(v), _)
                if v.as_deref().map(str::trim).filter(|v| !v.is_empty())
                    == self.current.as_deref() => {}
            (Action::ExternalChange(v), phase) => {
                self.current = v.filter(|v| !v.trim().is_empty());
                self.auto = None;
                // An edit in progress stays; a pending preview was about the old value.
                if !matches!(phase, Phase::Editing { .. } | Phase::Saving(_)) {
                    self.phase = Phase::Idle;
                }
            }
            (Action::StartEdit, Phase::Idle | Phase::Done { .. }) => {
                self.phase = Phase::Editing {
                    input: self.current.clone().unwrap_or_default(),
                    error: None,
                };
                self.error = None;
            }
            (Action::Input(text), Phase::Editing { .. }) => {
                self.phase = Phase::Editing {
                    input: text,
                    error: None,
                };
            }
            (
                Action::Cancel,
                Phase::Editing { .. } | Phase::Preview { .. } | Phase::Conflict { .. },
            ) => {
                self.phase = Phase::Idle;
            }
            (Action::Submit, Phase::Editing { input, .. }) => match SenderId::parse(&input) {
                Err(error) => {
                    self.phase = Phase::Editing {
                        input,
                        error: Some(error),
                    }
                }
                Ok(id) => self.resolve(id, LinkReason::Manual, false),
            },
            (
                Action::Propose(id, origin),
                Phase::Idle | Phase::Done { .. } | Phase::Editing { .. },
            ) => match origin {
                Origin::Search => self.resolve(id, LinkReason::Search, false),
                Origin::Suggestion { confident } => {
                    self.resolve(id, LinkReason::Suggestion, confident)
                }
            },
            (
                Action::Resolved { id, result },
                Phase::Resolving {
                    id: want,
                    reason,
                    auto_save,
                },
            ) if id == want => match result {
                Err(e) => {
                    self.phase = Phase::Editing {
                        input: id.to_string(),
                        error: None,
                    };
                    self.error = Some(e);
                }
                Ok((person, holders)) if !holders.is_empty() => {
                    self.phase = Phase::Conflict {
                        id,
                        person,
                        holders,
                    };
                }
                // A suggestion saves at once only into an empty field: replacing a value someone
                // stored (even one that is not a valid ID) waits for the agent's Save.
                Ok((_, _)) if auto_save && self.current.is_none() => {
                    self.phase = Phase::Saving(self.link_op(id, reason));
                }
                Ok((person, _)) => {
                    self.phase = Phase::Preview { id, person, reason };
                }
            },
            (Action::Confirm, Phase::Preview { id, reason, .. }) => {
                self.phase = Phase::Saving(self.link_op(id, reason));
            }
            (Action::Confirm, Phase::Conflict { id, .. }) => {
                self.phase = Phase::Saving(self.link_op(id, LinkReason::ConflictConfirmed));
            }
            (Action::Unlink, Phase::Idle | Phase::Done { .. }) if self.current.is_some() => {
                self.phase = Phase::Saving(Op {
                    action: LinkAction::Unlink,
                    old: self.current.clone(),
                    new: None,
                    undoes: None,
                    reason: LinkReason::Unlink,
                    seq: self.next_seq(),
                });
                self.error = None;
            }
            (Action::Undo, Phase::Done { undo, .. }) if self.can_undo() => {
                self.phase = Phase::Saving(Op {
                    action: LinkAction::Undo,
                    old: self.current.clone(),
                    new: undo.restore,
                    undoes: match undo.journal {
                        Journal::Recorded(event) => Some(event),
                        _ => None,
                    },
                    reason: LinkReason::Undo,
                    seq: self.next_seq(),
                });
                self.error = None;
            }
            (Action::AutoLinked(auto), Phase::Idle)
                if self.current.as_deref() == Some(auto.written.as_str()) =>
            {
                self.auto = Some(auto);
            }
            (Action::UndoAutoLink, Phase::Idle | Phase::Done { .. }) => {
                // Kept until the write succeeds, so a failed write can be undone again.
                if let Some(auto) = self
                    .auto
                    .clone()
                    .filter(|a| self.current.as_deref() == Some(a.written.as_str()))
                {
                    self.phase = Phase::Saving(Op {
                        action: LinkAction::Undo,
                        old: self.current.clone(),
                        new: auto.restore,
                        undoes: Some(auto.event_id),
                        reason: LinkReason::Undo,
                        seq: self.next_seq(),
                    });
                    self.error = None;
                }
            }
            (Action::Written { op, result }, _) => match result {
                Ok(()) => {
                    self.current = op.new.clone();
                    self.auto = None;
                    // An undo cannot itself be undone.
                    self.phase = if op.action == LinkAction::Undo {
                        Phase::Idle
                    } else {
                        Phase::Done {
                            action: op.action,
                            undo: UndoInfo {
                                restore: op.old,
                                written: op.new,
                                seq: op.seq,
                                journal: Journal::Pending,
                            },
                        }
                    };
                    self.journal_warning = None;
                }
                Err(e) => {
                    self.phase = Phase::Idle;
                    self.error = Some(e.into());
                }
            },
            (Action::Journaled { op, result }, _) => {
                // Only the write on show takes the answer; an earlier write's late answer changes
                // no Undo (a failure is still said, as a warning).
                let journal = match &result {
                    Ok(event) => Journal::Recorded(event.clone()),
                    Err(_) => Journal::Failed,
                };
                if let Phase::Done { undo, .. } = &mut self.phase
                    && undo.seq == op.seq
                {
                    undo.journal = journal;
                }
                if let Err(e) = result {
                    self.journal_warning = Some(e);
                }
            }
            (Action::DismissError, _) => {
                self.error = None;
                self.journal_warning = None;
            }
            // Anything else is stale (a late answer, a double click): nothing changes.
            _ => {}
        }
        self
    }

    /// Asks who `id` is before it is written, however it was chosen; choosing the ID the field
    /// already holds changes nothing.
    fn resolve(&mut self, id: SenderId, reason: LinkReason, auto_save: bool) {
        if self.linked_id() == Some(id) {
            self.phase = Phase::Idle;
            return;
        }
        self.phase = Phase::Resolving {
            id,
            reason,
            auto_save,
        };
        self.error = None;
    }

    fn link_op(&mut self, id: SenderId, reason: LinkReason) -> Op {
        Op {
            action: LinkAction::Link,
            old: self.current.clone(),
            new: Some(id.to_string()),
            undoes: None,
            reason,
            seq: self.next_seq(),
        }
    }

    fn next_seq(&mut self) -> u32 {
        self.writes = self.writes.wrapping_add(1);
        self.writes
    }
}

#[cfg(test)]
mod tests;
