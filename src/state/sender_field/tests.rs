//! The field's transitions as a table: a start value, a script of actions, and the phase it
//! must end in, both written in a few words (see [`script`] and [`summary`]).

use super::*;

fn id(n: u64) -> SenderId {
    SenderId::new(n).unwrap()
}

fn person(n: u64) -> Person {
    serde_json::from_value(serde_json::json!({
        "sender_id": n.to_string(), "first_name": "Lucía", "deleted": false, "message_count": 1, "history": []
    }))
    .unwrap()
}

fn holder(id: &str) -> ContactRef {
    ContactRef {
        id: id.into(),
        name: format!("Contact {id}"),
    }
}

fn idle(current: Option<&str>) -> FieldState {
    FieldState::default().next(Action::Loaded(Ok(current.map(String::from))))
}

/// Actions from words separated by `;`:
/// `edit`, `type TEXT`, `submit`, `cancel`, `confirm`, `unlink`, `undo`,
/// `search N` and `suggest N` / `suggest! N` (a review / a confident suggestion),
/// `known N` / `unknown N` (the relay answers), `held N BY` (another contact holds it),
/// `failed N` (the relay is unreachable), `wrote` (the host wrote the pending op),
/// `journaled EVENT` / `unjournaled` (the journal answers for the write on show),
/// `late EVENT` / `late-failure` (an answer for the write before it), `outside VALUE` (the
/// field changed in the CRM).
fn script(start: FieldState, words: &str) -> FieldState {
    let mut s = start;
    for step in words.split(';').map(str::trim).filter(|w| !w.is_empty()) {
        let (verb, arg) = step.split_once(' ').unwrap_or((step, ""));
        let n = || arg.split(' ').next().unwrap().parse::<u64>().map(id);
        let pending = || match &s.phase {
            Phase::Saving(op) => op.clone(),
            other => panic!("`{step}` needs a pending write, the phase is {other:?}"),
        };
        let action = match verb {
            "edit" => Action::StartEdit,
            "type" => Action::Input(arg.into()),
            "submit" => Action::Submit,
            "cancel" => Action::Cancel,
            "confirm" => Action::Confirm,
            "unlink" => Action::Unlink,
            "undo" => Action::Undo,
            "search" => Action::Propose(n().unwrap(), Origin::Search),
            "suggest" => Action::Propose(n().unwrap(), Origin::Suggestion { confident: false }),
            "suggest!" => Action::Propose(n().unwrap(), Origin::Suggestion { confident: true }),
            "known" | "unknown" | "held" | "failed" => {
                let who = n().unwrap();
                let result = match verb {
                    "known" => Ok((Some(person(who.get())), vec![])),
                    "unknown" => Ok((None, vec![])),
                    "held" => Ok((None, vec![holder(arg.split(' ').nth(1).unwrap())])),
                    _ => Err(RelayError::Unreachable("x".into()).into()),
                };
                Action::Resolved { id: who, result }
            }
            "wrote" => Action::Written {
                op: pending(),
                result: Ok(()),
            },
            "journaled" | "unjournaled" | "late" | "late-failure" => {
                // The journal answers for the write on show, or (late) for the one before it,
                // with the same values.
                let Phase::Done { undo, action } = &s.phase else {
                    panic!(
                        "`{step}` needs a finished write, the phase is {:?}",
                        s.phase
                    )
                };
                let late = verb.starts_with("late");
                Action::Journaled {
                    op: Op {
                        action: *action,
                        old: undo.restore.clone(),
                        new: undo.written.clone(),
                        undoes: None,
                        reason: LinkReason::Manual,
                        seq: if late { undo.seq - 1 } else { undo.seq },
                    },
                    result: match verb {
                        "journaled" | "late" => Ok(arg.into()),
                        _ => Err(RelayError::Unauthorized),
                    },
                }
            }
            "outside" => {
                Action::ExternalChange(Some(arg.into()).filter(|v: &String| !v.is_empty()))
            }
            other => panic!("unknown step {other:?}"),
        };
        s = s.next(action);
    }
    s
}

fn word(action: LinkAction) -> &'static str {
    match action {
        LinkAction::Link => "link",
        LinkAction::Unlink => "unlink",
        LinkAction::Undo => "undo",
    }
}

/// The phase in a few words: `idle`, `editing TEXT [!]` (! with an error), `resolving N [auto]
/// REASON`, `preview N [unknown] REASON`, `conflict N BY`, `saving ACTION OLD>NEW REASON`, `done
/// ACTION [undoable]`.
fn summary(s: &FieldState) -> String {
    let v = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    match &s.phase {
        Phase::Loading => "loading".into(),
        Phase::Idle => "idle".into(),
        Phase::Editing { input, error } => {
            format!("editing {input}{}", if error.is_some() { " !" } else { "" })
        }
        Phase::Resolving {
            id,
            reason,
            auto_save,
        } => format!(
            "resolving {id}{} {}",
            if *auto_save { " auto" } else { "" },
            reason.as_str()
        ),
        Phase::Preview { id, person, reason } => format!(
            "preview {id}{} {}",
            if person.is_none() { " unknown" } else { "" },
            reason.as_str()
        ),
        Phase::Conflict { id, holders, .. } => format!(
            "conflict {id} {}",
            holders
                .iter()
                .map(|h| h.id.as_str())
                .collect::<Vec<_>>()
                .join(",")
        ),
        Phase::Saving(op) => format!(
            "saving {} {}>{} {}",
            word(op.action),
            v(&op.old),
            v(&op.new),
            op.reason.as_str()
        ),
        Phase::Done { action, .. } => format!(
            "done {}{}",
            word(*action),
            if s.can_undo() { " undoable" } else { "" }
        ),
    }
}

#[test]
fn transitions() {
    #[rustfmt::skip]
    let cases: &[(&str, Option<&str>, &str, &str)] = &[
        // (case, field value at start, script, phase at the end)
        ("a blank value is no value", Some("  "), "edit", "editing "),
        ("edit starts with the value", Some("7100000001"), "edit", "editing 7100000001"),
        ("invalid shows the engine's error", None, "edit; type @lucia_fg; submit", "editing @lucia_fg !"),
        ("typing clears the error", None, "edit; type x; submit; type 7", "editing 7"),
        ("valid input resolves first", None, "edit; type user7100000001; submit", "resolving 7100000001 manual"),
        ("the same value changes nothing", Some("7100000001"), "edit; submit", "idle"),
        ("a known person is previewed", None, "edit; type 42; submit; known 42", "preview 42 manual"),
        ("an unknown ID is previewed too", None, "edit; type 42; submit; unknown 42", "preview 42 unknown manual"),
        ("a stale answer is ignored", None, "edit; type 42; submit; unknown 43", "resolving 42 manual"),
        ("a conflict names the holders", None, "edit; type 42; submit; held 42 9", "conflict 42 9"),
        ("a conflict needs Link anyway", None, "edit; type 42; submit; held 42 9; confirm", "saving link ->42 conflict-confirmed"),
        ("Save replaces the old value", Some("41"), "edit; type 42; submit; unknown 42; confirm", "saving link 41>42 manual"),
        ("a search result is previewed", None, "edit; type ana; search 42; known 42", "preview 42 search"),
        ("a search result saves as search", None, "search 42; known 42; confirm", "saving link ->42 search"),
        ("picking the person already linked changes nothing", Some("42"), "edit; type ana; search 42", "idle"),
        ("a confident suggestion saves at once", None, "suggest! 42; known 42", "saving link ->42 suggestion"),
        ("a suggestion to review is previewed", None, "suggest 42; known 42", "preview 42 suggestion"),
        ("a reviewed suggestion saves as one", None, "suggest 42; known 42; confirm", "saving link ->42 suggestion"),
        ("a suggestion never replaces a value unasked", Some("not-an-id"), "suggest! 42; unknown 42", "preview 42 unknown suggestion"),
        ("a suggestion stops at a conflict", None, "suggest! 42; held 42 9", "conflict 42 9"),
        ("a failed lookup returns to the editor", None, "suggest! 42; failed 42", "editing 42"),
        ("Cancel leaves a conflict", None, "suggest 5; held 5 1; cancel", "idle"),
        ("Cancel leaves a preview", None, "search 5; unknown 5; cancel", "idle"),
        ("Confirm with nothing to confirm", None, "confirm", "idle"),
        ("unlink", Some("7"), "unlink", "saving unlink 7>- unlink"),
        ("unlink of an empty field", None, "unlink", "idle"),
        ("undo waits for the journal", Some("41"), "edit; type 42; submit; unknown 42; confirm; wrote", "done link"),
        ("Undo before the journal does nothing", Some("41"), "edit; type 42; submit; unknown 42; confirm; wrote; undo", "done link"),
        ("undo once journaled", Some("41"), "edit; type 42; submit; unknown 42; confirm; wrote; journaled e1", "done link undoable"),
        ("undo restores and names the write", Some("41"), "edit; type 42; submit; unknown 42; confirm; wrote; journaled e1; undo", "saving undo 42>41 undo"),
        ("a failed journal still allows Undo", Some("41"), "edit; type 42; submit; unknown 42; confirm; wrote; unjournaled", "done link undoable"),
        ("a late answer for an earlier write changes no Undo", None, "suggest! 42; unknown 42; wrote; late e0", "done link"),
        ("a late failure for an earlier write changes no Undo", None, "suggest! 42; unknown 42; wrote; late-failure", "done link"),
        ("an undo cannot be undone", Some("41"), "edit; type 42; submit; unknown 42; confirm; wrote; journaled e1; undo; wrote; undo", "idle"),
        ("the host's echo keeps Undo", None, "suggest! 42; unknown 42; wrote; journaled e1; outside 42", "done link undoable"),
        ("an outside change drops Undo", None, "suggest! 42; unknown 42; wrote; journaled e1; outside 77", "idle"),
        ("an edit survives an outside change", None, "edit; type 4; outside 77", "editing 4"),
        ("an outside change ends a preview", None, "search 42; known 42; outside 77", "idle"),
        ("editing after a write ends its Undo", Some("41"), "unlink; wrote; journaled e1; edit; cancel; undo", "idle"),
    ];
    let mut failures = Vec::new();
    for (case, start, words, want) in cases {
        let got = summary(&script(idle(*start), words));
        if got != *want {
            failures.push(format!("{case}: want `{want}`, got `{got}`"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn values_follow_the_field() {
    assert_eq!(idle(Some("  ")).current, None, "a blank value is no value");
    let s = script(
        idle(None),
        "suggest! 42; unknown 42; wrote; journaled e1; outside 77",
    );
    assert_eq!(s.current.as_deref(), Some("77"), "the CRM's value wins");
    // A late failure for an earlier write is still said.
    let s = script(idle(None), "suggest! 42; unknown 42; wrote; late-failure");
    assert_eq!(s.journal_warning, Some(RelayError::Unauthorized));
}

#[test]
fn the_write_and_its_undo_carry_the_values_and_the_journal_event() {
    let s = script(
        idle(Some("41")),
        "edit; type 42; submit; unknown 42; confirm; wrote",
    );
    assert_eq!(s.current.as_deref(), Some("42"));
    let s = script(s, "journaled ev-1; undo");
    let Phase::Saving(undo) = &s.phase else {
        panic!("{:?}", s.phase)
    };
    assert_eq!(
        (
            undo.old.as_deref(),
            undo.new.as_deref(),
            undo.undoes.as_deref()
        ),
        (Some("42"), Some("41"), Some("ev-1"))
    );
    assert_eq!(script(s, "wrote").current.as_deref(), Some("41"));
}

#[test]
fn a_failed_journal_is_a_warning_and_does_not_block_undo() {
    let s = script(idle(None), "suggest! 42; unknown 42; wrote");
    let Phase::Done { action, undo } = s.phase.clone() else {
        unreachable!()
    };
    let s = s.next(Action::Journaled {
        op: Op {
            action,
            old: undo.restore,
            new: undo.written,
            undoes: None,
            reason: LinkReason::Suggestion,
            seq: undo.seq,
        },
        result: Err(RelayError::Unauthorized),
    });
    assert_eq!(s.current.as_deref(), Some("42"), "the write stands");
    assert_eq!(s.journal_warning, Some(RelayError::Unauthorized));
    let Phase::Saving(undo) = script(s, "undo").phase else {
        panic!("undo after a failed journal")
    };
    assert_eq!(undo.undoes, None, "nothing to name");
}

#[test]
fn a_failed_write_keeps_the_old_value_and_says_why() {
    let s = script(idle(None), "suggest! 42; unknown 42");
    let Phase::Saving(op) = s.phase.clone() else {
        unreachable!()
    };
    let missing = HostError::FieldMissing {
        key: "senderId".into(),
    };
    let s = s.next(Action::Written {
        op,
        result: Err(missing.clone()),
    });
    assert_eq!((s.current.clone(), s.phase.clone()), (None, Phase::Idle));
    assert_eq!(s.error, Some(AppError::Host(missing)));
    assert!(s.unavailable());
}

#[test]
fn a_failed_lookup_shows_why() {
    let s = script(idle(None), "suggest! 42; failed 42");
    assert_eq!(
        s.error,
        Some(AppError::Relay(RelayError::Unreachable("x".into())))
    );
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
    for (actor, old, current) in [
        ("ann@example.com", None, "42"),
        (sync, Some("42"), "42"),
        (sync, None, "77"),
    ] {
        assert_eq!(
            AutoLink::from_entry(&entry(actor, old, Some("42")), current),
            None,
            "{actor} {old:?} {current}"
        );
    }
}

#[test]
fn undoing_an_automatic_link_clears_the_field_and_names_the_entry() {
    let auto = AutoLink::from_entry(
        &entry(telegram_relay_api::SYNC_ACTOR, None, Some("42")),
        "42",
    )
    .unwrap();
    let s = idle(Some("42"))
        .next(Action::AutoLinked(auto.clone()))
        .next(Action::UndoAutoLink);
    let Phase::Saving(op) = s.phase.clone() else {
        panic!("{:?}", s.phase)
    };
    assert_eq!(
        (op.action, op.new.clone(), op.undoes.as_deref(), op.reason),
        (LinkAction::Undo, None, Some("e9"), LinkReason::Undo)
    );
    // A failed write keeps the offer; a written one ends it.
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
    let s = idle(Some("42"))
        .next(Action::AutoLinked(auto))
        .next(Action::ExternalChange(Some("77".into())))
        .next(Action::UndoAutoLink);
    assert_eq!((s.phase, s.auto), (Phase::Idle, None));
}
