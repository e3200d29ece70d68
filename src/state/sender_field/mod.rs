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
    /// Why (for the journal): `manual`, `suggestion`, `conflict-confirmed`, `unlink`, `undo`.
    pub reason: &'static str,
}

/// What can be undone after a write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UndoInfo {
    /// The value to restore.
    pub restore: Option<String>,
    /// The value the write put in the field.
    pub written: Option<String>,
    /// The journal event of the write, once recorded.
    pub event_id: Option<String>,
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
        /// Save right away when nobody else holds it (the Link button of a suggestion).
        auto_save: bool,
    },
    /// Who it is (`None`: the relay has never seen this ID); waiting for Save.
    Preview {
        /// The ID.
        id: SenderId,
        /// The relay's profile.
        person: Option<Person>,
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
    /// Written; `FieldState::undo` says what Undo restores.
    Done(LinkAction),
}

/// The field's whole state.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldState {
    /// The value the host holds, as last read or written.
    pub current: Option<String>,
    /// Where the field is.
    pub phase: Phase,
    /// What Undo would restore.
    pub undo: Option<UndoInfo>,
    /// A failure to show.
    pub error: Option<AppError>,
    /// The write succeeded but the journal did not record it.
    pub journal_warning: Option<RelayError>,
    /// The relay's sync linked this contact, and the field still holds what it wrote.
    pub auto: Option<AutoLink>,
}

impl Default for FieldState {
    fn default() -> Self {
        FieldState {
            current: None,
            phase: Phase::Loading,
            undo: None,
            error: None,
            journal_warning: None,
            auto: None,
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
        matches!(self.phase, Phase::Done(_))
            && self
                .undo
                .as_ref()
                .is_some_and(|u| u.event_id.is_some() || self.journal_warning.is_some())
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
    /// A suggestion's Link button: resolve this ID and save it unless someone else holds it.
    Propose(SenderId),
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
                self.undo = None;
                self.auto = None;
                // An edit in progress stays; a pending preview was about the old value.
                if !matches!(phase, Phase::Editing { .. } | Phase::Saving(_)) {
                    self.phase = Phase::Idle;
                }
            }
            (Action::StartEdit, Phase::Idle | Phase::Done(_)) => {
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
                Ok(id) if self.linked_id() == Some(id) => self.phase = Phase::Idle,
                Ok(id) => {
                    self.phase = Phase::Resolving {
                        id,
                        auto_save: false,
                    };
                    self.error = None;
                }
            },
            (Action::Propose(id), Phase::Idle | Phase::Done(_) | Phase::Editing { .. }) => {
                self.phase = Phase::Resolving {
                    id,
                    auto_save: true,
                };
                self.error = None;
            }
            (
                Action::Resolved { id, result },
                Phase::Resolving {
                    id: want,
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
                    self.phase = Phase::Saving(self.link_op(id, "suggestion"));
                }
                Ok((person, _)) => self.phase = Phase::Preview { id, person },
            },
            (Action::Confirm, Phase::Preview { id, .. }) => {
                self.phase = Phase::Saving(self.link_op(id, "manual"));
            }
            (Action::Confirm, Phase::Conflict { id, .. }) => {
                self.phase = Phase::Saving(self.link_op(id, "conflict-confirmed"));
            }
            (Action::Unlink, Phase::Idle | Phase::Done(_)) if self.current.is_some() => {
                self.phase = Phase::Saving(Op {
                    action: LinkAction::Unlink,
                    old: self.current.clone(),
                    new: None,
                    undoes: None,
                    reason: "unlink",
                });
                self.error = None;
            }
            (Action::Undo, Phase::Done(_)) if self.can_undo() => {
                if let Some(undo) = self.undo.clone() {
                    self.phase = Phase::Saving(Op {
                        action: LinkAction::Undo,
                        old: self.current.clone(),
                        new: undo.restore,
                        undoes: undo.event_id,
                        reason: "undo",
                    });
                    self.error = None;
                }
            }
            (Action::AutoLinked(auto), Phase::Idle)
                if self.current.as_deref() == Some(auto.written.as_str()) =>
            {
                self.auto = Some(auto);
            }
            (Action::UndoAutoLink, Phase::Idle | Phase::Done(_)) => {
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
                        reason: "undo",
                    });
                    self.error = None;
                }
            }
            (Action::Written { op, result }, _) => match result {
                Ok(()) => {
                    self.current = op.new.clone();
                    self.auto = None;
                    self.undo = (op.action != LinkAction::Undo).then(|| UndoInfo {
                        restore: op.old.clone(),
                        written: op.new.clone(),
                        event_id: None,
                    });
                    self.phase = if op.action == LinkAction::Undo {
                        Phase::Idle
                    } else {
                        Phase::Done(op.action)
                    };
                    self.journal_warning = None;
                }
                Err(e) => {
                    self.phase = Phase::Idle;
                    self.error = Some(e.into());
                }
            },
            (Action::Journaled { op, result }, _) => match result {
                Ok(event_id) => {
                    if let Some(undo) = self
                        .undo
                        .as_mut()
                        .filter(|u| u.written == op.new && u.restore == op.old)
                    {
                        undo.event_id = Some(event_id);
                    }
                }
                Err(e) => self.journal_warning = Some(e),
            },
            (Action::DismissError, _) => {
                self.error = None;
                self.journal_warning = None;
            }
            // Anything else is stale (a late answer, a double click): nothing changes.
            _ => {}
        }
        self
    }

    fn link_op(&self, id: SenderId, reason: &'static str) -> Op {
        Op {
            action: LinkAction::Link,
            old: self.current.clone(),
            new: Some(id.to_string()),
            undoes: None,
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u64) -> SenderId {
        SenderId::new(n).unwrap()
    }

    fn person(n: u64, name: &str) -> Person {
        serde_json::from_value(serde_json::json!({
            "sender_id": n.to_string(), "first_name": name, "deleted": false, "message_count": 1, "history": []
        }))
        .unwrap()
    }

    fn holder(id: &str) -> ContactRef {
        ContactRef {
            id: id.into(),
            name: format!("Contact {id}"),
        }
    }

    /// Runs `actions` from `start` and returns the final state.
    fn run(start: FieldState, actions: Vec<Action>) -> FieldState {
        actions.into_iter().fold(start, FieldState::next)
    }

    fn idle(current: Option<&str>) -> FieldState {
        FieldState::default().next(Action::Loaded(Ok(current.map(String::from))))
    }

    fn op(action: LinkAction, old: Option<&str>, new: Option<&str>, reason: &'static str) -> Op {
        Op {
            action,
            old: old.map(String::from),
            new: new.map(String::from),
            undoes: None,
            reason,
        }
    }

    #[test]
    fn transitions() {
        let s7 = Some("7100000001");
        // (name, start, actions, expected phase)
        let cases: Vec<(&str, FieldState, Vec<Action>, Phase)> = vec![
            (
                "load empty",
                FieldState::default(),
                vec![Action::Loaded(Ok(Some("  ".into())))],
                Phase::Idle,
            ),
            (
                "edit starts with value",
                idle(s7),
                vec![Action::StartEdit],
                Phase::Editing {
                    input: "7100000001".into(),
                    error: None,
                },
            ),
            (
                "invalid shows engine error",
                idle(None),
                vec![
                    Action::StartEdit,
                    Action::Input("@lucia_fg".into()),
                    Action::Submit,
                ],
                Phase::Editing {
                    input: "@lucia_fg".into(),
                    error: Some(SenderIdError::Username {
                        username: "lucia_fg".into(),
                    }),
                },
            ),
            (
                "typing clears the error",
                idle(None),
                vec![
                    Action::StartEdit,
                    Action::Input("x".into()),
                    Action::Submit,
                    Action::Input("7".into()),
                ],
                Phase::Editing {
                    input: "7".into(),
                    error: None,
                },
            ),
            (
                "valid resolves first",
                idle(None),
                vec![
                    Action::StartEdit,
                    Action::Input("user7100000001".into()),
                    Action::Submit,
                ],
                Phase::Resolving {
                    id: id(7_100_000_001),
                    auto_save: false,
                },
            ),
            (
                "same value is a no-op",
                idle(s7),
                vec![Action::StartEdit, Action::Submit],
                Phase::Idle,
            ),
            (
                "preview of a known person",
                idle(None),
                vec![
                    Action::StartEdit,
                    Action::Input("7100000001".into()),
                    Action::Submit,
                    Action::Resolved {
                        id: id(7_100_000_001),
                        result: Ok((Some(person(7_100_000_001, "Lucía")), vec![])),
                    },
                ],
                Phase::Preview {
                    id: id(7_100_000_001),
                    person: Some(person(7_100_000_001, "Lucía")),
                },
            ),
            (
                "never seen is a preview too",
                idle(None),
                vec![
                    Action::StartEdit,
                    Action::Input("42".into()),
                    Action::Submit,
                    Action::Resolved {
                        id: id(42),
                        result: Ok((None, vec![])),
                    },
                ],
                Phase::Preview {
                    id: id(42),
                    person: None,
                },
            ),
            (
                "stale resolution is ignored",
                idle(None),
                vec![
                    Action::StartEdit,
                    Action::Input("42".into()),
                    Action::Submit,
                    Action::Resolved {
                        id: id(43),
                        result: Ok((None, vec![])),
                    },
                ],
                Phase::Resolving {
                    id: id(42),
                    auto_save: false,
                },
            ),
            (
                "conflict names holders",
                idle(None),
                vec![
                    Action::StartEdit,
                    Action::Input("42".into()),
                    Action::Submit,
                    Action::Resolved {
                        id: id(42),
                        result: Ok((None, vec![holder("9")])),
                    },
                ],
                Phase::Conflict {
                    id: id(42),
                    person: None,
                    holders: vec![holder("9")],
                },
            ),
            (
                "conflict needs explicit confirm",
                idle(None),
                vec![
                    Action::StartEdit,
                    Action::Input("42".into()),
                    Action::Submit,
                    Action::Resolved {
                        id: id(42),
                        result: Ok((None, vec![holder("9")])),
                    },
                    Action::Confirm,
                ],
                Phase::Saving(op(LinkAction::Link, None, Some("42"), "conflict-confirmed")),
            ),
            (
                "suggestion saves without preview",
                idle(None),
                vec![
                    Action::Propose(id(42)),
                    Action::Resolved {
                        id: id(42),
                        result: Ok((None, vec![])),
                    },
                ],
                Phase::Saving(op(LinkAction::Link, None, Some("42"), "suggestion")),
            ),
            (
                "suggestion never replaces a stored value without Save",
                idle(Some("not-an-id")),
                vec![
                    Action::Propose(id(42)),
                    Action::Resolved {
                        id: id(42),
                        result: Ok((None, vec![])),
                    },
                ],
                Phase::Preview {
                    id: id(42),
                    person: None,
                },
            ),
            (
                "suggestion still stops on conflict",
                idle(None),
                vec![
                    Action::Propose(id(42)),
                    Action::Resolved {
                        id: id(42),
                        result: Ok((None, vec![holder("9")])),
                    },
                ],
                Phase::Conflict {
                    id: id(42),
                    person: None,
                    holders: vec![holder("9")],
                },
            ),
            (
                "save from preview replaces old value",
                idle(Some("41")),
                vec![
                    Action::StartEdit,
                    Action::Input("42".into()),
                    Action::Submit,
                    Action::Resolved {
                        id: id(42),
                        result: Ok((None, vec![])),
                    },
                    Action::Confirm,
                ],
                Phase::Saving(op(LinkAction::Link, Some("41"), Some("42"), "manual")),
            ),
            (
                "unlink",
                idle(s7),
                vec![Action::Unlink],
                Phase::Saving(op(LinkAction::Unlink, s7, None, "unlink")),
            ),
            (
                "unlink of empty does nothing",
                idle(None),
                vec![Action::Unlink],
                Phase::Idle,
            ),
            (
                "cancel from preview",
                idle(None),
                vec![
                    Action::Propose(id(5)),
                    Action::Resolved {
                        id: id(5),
                        result: Ok((None, vec![holder("1")])),
                    },
                    Action::Cancel,
                ],
                Phase::Idle,
            ),
            (
                "confirm without preview is ignored",
                idle(None),
                vec![Action::Confirm],
                Phase::Idle,
            ),
        ];
        for (name, start, actions, want) in cases {
            let got = run(start, actions);
            assert_eq!(got.phase, want, "case {name:?}");
        }
    }

    #[test]
    fn save_then_journal_then_undo_restores_previous_value() {
        let link = op(LinkAction::Link, Some("41"), Some("42"), "manual");
        let s = run(
            idle(Some("41")),
            vec![
                Action::Written {
                    op: link.clone(),
                    result: Ok(()),
                },
                Action::Journaled {
                    op: link.clone(),
                    result: Ok("ev-1".into()),
                },
            ],
        );
        assert_eq!(s.current.as_deref(), Some("42"));
        assert_eq!(s.phase, Phase::Done(LinkAction::Link));
        assert_eq!(
            s.undo,
            Some(UndoInfo {
                restore: Some("41".into()),
                written: Some("42".into()),
                event_id: Some("ev-1".into())
            })
        );
        let s = s.next(Action::Undo);
        let Phase::Saving(undo) = s.phase.clone() else {
            panic!("{:?}", s.phase)
        };
        assert_eq!(undo.action, LinkAction::Undo);
        assert_eq!(undo.new.as_deref(), Some("41"));
        assert_eq!(undo.old.as_deref(), Some("42"));
        assert_eq!(undo.undoes.as_deref(), Some("ev-1"));
        let s = s.next(Action::Written {
            op: undo,
            result: Ok(()),
        });
        assert_eq!(s.current.as_deref(), Some("41"));
        assert_eq!(s.undo, None, "an undo cannot be undone again");
        assert_eq!(s.phase, Phase::Idle);
    }

    #[test]
    fn undo_waits_for_the_journal_so_it_can_name_the_write() {
        let link = op(LinkAction::Link, Some("41"), Some("42"), "manual");
        let written = idle(Some("41")).next(Action::Written {
            op: link.clone(),
            result: Ok(()),
        });
        assert!(!written.can_undo());
        let early = written.clone().next(Action::Undo);
        assert_eq!(early.phase, Phase::Done(LinkAction::Link), "not yet");
        let recorded = written.clone().next(Action::Journaled {
            op: link.clone(),
            result: Ok("ev-9".into()),
        });
        assert!(recorded.can_undo());
        let failed = written.next(Action::Journaled {
            op: link,
            result: Err(RelayError::Unreachable("x".into())),
        });
        assert!(
            failed.can_undo(),
            "a failed journal does not block the undo"
        );
        let Phase::Saving(undo) = failed.next(Action::Undo).phase else {
            panic!("undo after a failed journal")
        };
        assert_eq!(undo.undoes, None);
    }

    #[test]
    fn failed_write_keeps_old_value_and_says_why() {
        let link = op(LinkAction::Link, None, Some("42"), "manual");
        let s = idle(None).next(Action::Written {
            op: link,
            result: Err(HostError::FieldMissing {
                key: "senderId".into(),
            }),
        });
        assert_eq!(s.current, None);
        assert_eq!(s.undo, None);
        assert_eq!(
            s.error,
            Some(AppError::Host(HostError::FieldMissing {
                key: "senderId".into()
            }))
        );
        assert!(s.unavailable());
    }

    #[test]
    fn journal_failure_is_a_warning_not_a_rollback() {
        let link = op(LinkAction::Link, None, Some("42"), "manual");
        let s = run(
            idle(None),
            vec![
                Action::Written {
                    op: link.clone(),
                    result: Ok(()),
                },
                Action::Journaled {
                    op: link,
                    result: Err(RelayError::Unauthorized),
                },
            ],
        );
        assert_eq!(s.current.as_deref(), Some("42"));
        assert_eq!(s.journal_warning, Some(RelayError::Unauthorized));
        assert!(s.undo.is_some());
    }

    #[test]
    fn resolve_failure_returns_to_editing_with_banner() {
        let s = run(
            idle(None),
            vec![
                Action::Propose(id(42)),
                Action::Resolved {
                    id: id(42),
                    result: Err(RelayError::Unreachable("x".into()).into()),
                },
            ],
        );
        assert_eq!(
            s.phase,
            Phase::Editing {
                input: "42".into(),
                error: None
            }
        );
        assert_eq!(
            s.error,
            Some(AppError::Relay(RelayError::Unreachable("x".into())))
        );
    }

    #[test]
    fn the_hosts_echo_of_our_write_keeps_undo() {
        let link = op(LinkAction::Link, Some("41"), Some("42"), "manual");
        let s = run(
            idle(Some("41")),
            vec![
                Action::Written {
                    op: link,
                    result: Ok(()),
                },
                Action::ExternalChange(Some("42".into())),
            ],
        );
        assert!(s.undo.is_some());
        assert_eq!(s.phase, Phase::Done(LinkAction::Link));
    }

    #[test]
    fn external_change_replaces_value_and_drops_undo() {
        let link = op(LinkAction::Link, None, Some("42"), "manual");
        let s = run(
            idle(None),
            vec![
                Action::Written {
                    op: link,
                    result: Ok(()),
                },
                Action::ExternalChange(Some("77".into())),
            ],
        );
        assert_eq!(s.current.as_deref(), Some("77"));
        assert_eq!(s.undo, None);
        assert_eq!(s.phase, Phase::Idle);
        assert_eq!(s.linked_id(), Some(id(77)));
    }

    fn entry(
        actor: &str,
        old: Option<&str>,
        new: Option<&str>,
    ) -> crate::services::relay::JournalEntry {
        crate::services::relay::JournalEntry {
            id: "e9".into(),
            recorded_at: 1_764_000_000,
            action: LinkAction::Link,
            actor: actor.into(),
            old_value: old.map(String::from),
            new_value: new.map(String::from),
        }
    }

    #[test]
    fn only_a_link_sync_wrote_into_the_field_is_offered_for_undo() {
        let sync = telegram_relay_api::SYNC_ACTOR;
        let made = AutoLink::from_entry(&entry(sync, None, Some("42")), "42").unwrap();
        assert_eq!((made.restore, made.event_id.as_str()), (None, "e9"));
        // An agent's link, a value sync found already there, or an older value: nothing to offer.
        assert_eq!(
            AutoLink::from_entry(&entry("ann@example.com", None, Some("42")), "42"),
            None
        );
        assert_eq!(
            AutoLink::from_entry(&entry(sync, Some("42"), Some("42")), "42"),
            None
        );
        assert_eq!(
            AutoLink::from_entry(&entry(sync, None, Some("42")), "77"),
            None
        );
    }

    #[test]
    fn undoing_an_automatic_link_clears_the_field_and_names_the_entry() {
        let auto = AutoLink::from_entry(
            &entry(telegram_relay_api::SYNC_ACTOR, None, Some("42")),
            "42",
        )
        .unwrap();
        let s = run(
            idle(Some("42")),
            vec![Action::AutoLinked(auto.clone()), Action::UndoAutoLink],
        );
        assert_eq!(
            s.phase,
            Phase::Saving(Op {
                action: LinkAction::Undo,
                old: Some("42".into()),
                new: None,
                undoes: Some("e9".into()),
                reason: "undo",
            })
        );
        // A failed write keeps the offer; a written one ends it.
        let Phase::Saving(op) = s.phase.clone() else {
            unreachable!()
        };
        let failed = s.clone().next(Action::Written {
            op: op.clone(),
            result: Err(HostError::NoContact),
        });
        assert_eq!(
            (failed.phase.clone(), failed.auto.is_some()),
            (Phase::Idle, true)
        );
        let written = s.next(Action::Written { op, result: Ok(()) });
        assert_eq!((written.current, written.auto), (None, None));
        // Once the field changed elsewhere, the offer is gone and Undo does nothing.
        let s = run(
            idle(Some("42")),
            vec![
                Action::AutoLinked(auto),
                Action::ExternalChange(Some("77".into())),
                Action::UndoAutoLink,
            ],
        );
        assert_eq!((s.phase, s.auto), (Phase::Idle, None));
    }
}
