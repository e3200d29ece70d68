//! The senderId field: the value with Edit, Unlink, Copy and Open in Telegram; the editor, which
//! is also a search box; the check before saving ([`check`]); Saved with Undo.

mod check;
mod search;

use telegram_identity::SenderId;
use telegram_relay_api::LinkAction;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::contact_link::contact_links;
use crate::components::error_banner::error_banner;
use crate::context::use_env;
use crate::errors::AppError;
use crate::hooks::{search_text, use_people_search, use_shared_holders};
use crate::i18n::{Text, fill, sender_id_error};
use crate::state::sender_field::{Action, FieldState, Origin, Phase};
use crate::state::suggestions::{Agreement, agreement};
use check::{Check, check, deliberate, escape_cancels};
use search::search_results;

/// Props of [`SenderIdField`].
#[derive(Properties, PartialEq, Clone)]
pub struct SenderIdFieldProps {
    /// The field's state (owned by `App`, shared with the suggestions' Link buttons).
    pub state: UseReducerHandle<FieldState>,
}

/// The senderId custom field: view, edit with validation, resolve before save, conflict check,
/// save, undo, unlink.
#[function_component]
pub fn SenderIdField(props: &SenderIdFieldProps) -> Html {
    let env = use_env();
    let state = &props.state;
    let send = |a: Action| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(a.clone()))
    };
    let act = |a: Action| {
        let state = state.clone();
        Callback::from(move |()| state.dispatch(a.clone()))
    };
    let input_ref = use_node_ref();
    // Focus the input when editing starts (keyboard users land in it).
    {
        let input_ref = input_ref.clone();
        let editing = matches!(state.phase, Phase::Editing { .. });
        use_effect_with(editing, move |editing| {
            if let Some(input) = input_ref.cast::<HtmlInputElement>().filter(|_| *editing) {
                let _ = input.focus();
            }
        });
    }

    // How the previewed person compares with the open contact. An ID nobody has written from,
    // or a person who shares nothing with the contact, is saved only by a deliberate choice.
    let compare = match (&state.phase, env.ctx.contact.as_ref()) {
        (
            Phase::Preview {
                person: Some(p), ..
            },
            Some(c),
        ) => agreement(c, p, env.ctx.phone_region.clone()),
        _ => Agreement::NothingToCompare,
    };
    // Keyboard and screen-reader users keep their place: when a step replaces the button they
    // used, focus moves to the next step's main control (the safe one in a conflict). Only when
    // focus was lost (on <body>) or already inside the field: an outside change never steals it.
    let section_ref = use_node_ref();
    {
        let section_ref = section_ref.clone();
        let target = match &state.phase {
            Phase::Preview { person, .. } if deliberate(person.as_ref(), &compare) => {
                Some("cancel")
            }
            Phase::Preview { .. } => Some("save"),
            Phase::Conflict { .. } => Some("cancel"),
            Phase::Done { .. } if state.can_undo() => Some("undo"),
            Phase::Idle if !state.unavailable() => Some("edit"),
            _ => None,
        };
        // Nothing is focused by the first read of the field (page load).
        let loaded = state.phase != Phase::Loading;
        let settled = use_mut_ref(|| false);
        use_effect_with(target, move |target| {
            let was_settled = std::mem::replace(&mut *settled.borrow_mut(), loaded);
            if let (Some(testid), Some(section), true) =
                (target, section_ref.cast::<web_sys::Element>(), was_settled)
            {
                move_focus(&section, testid);
            }
        });
    }

    // The editor doubles as a search box: a name, @username, t.me link or phone lists the people
    // the relay knows; picking one goes through the same check → conflict → save → undo path.
    let search = use_people_search(match &state.phase {
        Phase::Editing { input, .. } => search_text(input),
        _ => None,
    });
    // Another contact holding the same ID stays visible whenever the value is shown.
    let shared = use_shared_holders(if state.showing() {
        state.current.clone()
    } else {
        None
    });
    let shared = (!shared.is_empty()).then(|| {
        html! {
            <p class="banner warn" role="status" data-testid="shared-id">
                { env.t(Text::SharedId) }{ " " }{ contact_links(&env, &shared) }{ ". " }{ env.t(Text::SharedIdAdvice) }
            </p>
        }
    });
    let pick = {
        let state = state.clone();
        Callback::from(move |id: SenderId| state.dispatch(Action::Propose(id, Origin::Search)))
    };

    let value = match &state.current {
        Some(v) => {
            html! { <output class="value" data-testid="sender-id-value" for="sender-id-input">{ v.clone() }</output> }
        }
        // A field the host cannot read is not an empty one: never say "Not linked" then.
        None if state.unavailable() => {
            html! { <output class="value muted" data-testid="sender-id-value">{ env.t(Text::FieldUnreadable) }</output> }
        }
        None => {
            html! { <output class="value muted" data-testid="sender-id-value">{ env.t(Text::NotLinked) }</output> }
        }
    };
    // Copy the ID (to paste into Telegram's search or a colleague's chat), and Telegram's own link
    // to a user by ID, which opens the chat in the agent's Telegram app.
    let copied = use_state(|| false);
    {
        let copied = copied.clone();
        use_effect_with(state.current.clone(), move |_| copied.set(false));
    }
    let id_tools = state.linked_id().map(|id| {
        let onclick = {
            let copied = copied.clone();
            Callback::from(move |_: MouseEvent| {
                let Some(w) = web_sys::window() else { return };
                let write = w.navigator().clipboard().write_text(&id.to_string());
                let copied = copied.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    // "Copied" only once the clipboard took it (a frame without the
                    // clipboard-write permission refuses).
                    if wasm_bindgen_futures::JsFuture::from(write).await.is_ok() {
                        copied.set(true);
                    }
                });
            })
        };
        html! {
            <div class="row small" aria-live="polite">
                <button type="button" class="link" data-testid="copy-id" {onclick}>
                    { env.t(if *copied { Text::Copied } else { Text::CopyId }) }
                </button>
                <a data-testid="open-in-telegram" href={format!("tg://user?id={id}")} target="_blank" rel="noopener">{ env.t(Text::OpenInTelegram) }</a>
            </div>
        }
    });

    // The preview, or the conflict when others hold the ID: one check before saving.
    let checking = |id, person: &Option<telegram_relay_api::Person>, holders| {
        check(
            &env,
            Check {
                id,
                person: person.clone(),
                holders,
                compare: compare.clone(),
                current: state.current.clone(),
                on_confirm: act(Action::Confirm),
                on_cancel: act(Action::Cancel),
            },
        )
    };
    let body = match &state.phase {
        Phase::Loading => html! { <p class="muted" role="status">{ env.t(Text::Loading) }</p> },
        Phase::Idle | Phase::Done { .. } => {
            let can_edit = !state.unavailable();
            let done = match &state.phase {
                Phase::Done { action, .. } => {
                    let text = if *action == LinkAction::Unlink {
                        Text::Unlinked
                    } else {
                        Text::Saved
                    };
                    html! {
                        <p class="notice" role="status" data-testid="saved">
                            { env.t(text) }{ " " }
                            if state.can_undo() {
                                <button type="button" data-testid="undo" onclick={send(Action::Undo)}>{ env.t(Text::Undo) }</button>
                            }
                        </p>
                    }
                }
                Phase::Idle => match &state.auto {
                    Some(auto) => html! {
                        <p class="muted small" data-testid="auto-linked">
                            { fill(env.t(Text::AutoLinked), &[&crate::time::short_day(auto.recorded_at, env.locale)]) }{ " " }
                            if can_edit {
                                <button type="button" class="secondary" data-testid="auto-undo" onclick={send(Action::UndoAutoLink)}>{ env.t(Text::Undo) }</button>
                            }
                        </p>
                    },
                    None => html! {},
                },
                _ => html! {},
            };
            html! {
                <>
                    <div class="row">
                        { value }
                        if can_edit {
                            <button type="button" data-testid="edit" onclick={send(Action::StartEdit)}>{ env.t(Text::Edit) }</button>
                            if state.current.is_some() {
                                <button type="button" class="secondary" data-testid="unlink" onclick={send(Action::Unlink)}>{ env.t(Text::Unlink) }</button>
                            }
                        }
                    </div>
                    { for id_tools }
                    { done }
                </>
            }
        }
        Phase::Editing { input, error } => {
            let oninput = {
                let state = state.clone();
                Callback::from(move |e: InputEvent| {
                    let el: HtmlInputElement = e.target_unchecked_into();
                    state.dispatch(Action::Input(el.value()));
                })
            };
            let onsubmit = {
                let state = state.clone();
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    state.dispatch(Action::Submit);
                })
            };
            let onkeydown = escape_cancels(act(Action::Cancel));
            let message = error.as_ref().map(|e| sender_id_error(env.locale, e));
            html! {
                // Escape anywhere in the editor (the input, a search result) cancels it.
                <form class="edit" onsubmit={onsubmit} novalidate=true {onkeydown}>
                    <input id="sender-id-input" data-testid="sender-id-input" ref={input_ref}
                        type="text" autocomplete="off" spellcheck="false"
                        value={input.clone()} oninput={oninput}
                        placeholder={env.t(Text::InputHint)}
                        aria-invalid={if message.is_some() { "true" } else { "false" }}
                        aria-describedby={if message.is_some() { "sender-id-error" } else { "sender-id-hint" }} />
                    <div class="row">
                        <button type="submit" data-testid="check">{ env.t(Text::Check) }</button>
                        <button type="button" class="secondary" data-testid="cancel" onclick={send(Action::Cancel)}>{ env.t(Text::Cancel) }</button>
                    </div>
                    if let Some(m) = message {
                        <p id="sender-id-error" class="field-error" role="alert" data-testid="sender-id-error">{ m }</p>
                    } else {
                        <p id="sender-id-hint" class="muted small">{ env.t(Text::InputHint) }</p>
                    }
                    { search_results(&env, &search, &pick) }
                </form>
            }
        }
        Phase::Resolving { id, .. } => html! {
            <p class="muted" role="status" data-testid="resolving">{ env.t(Text::Resolving) }{ " " }<code>{ id.to_string() }</code></p>
        },
        Phase::Preview { id, person, .. } => checking(*id, person, Vec::new()),
        Phase::Conflict {
            id,
            person,
            holders,
        } => checking(*id, person, holders.clone()),
        Phase::Saving(_) => {
            html! { <p class="muted" role="status" data-testid="saving">{ env.t(Text::Saving) }</p> }
        }
    };

    // A value someone typed into the CRM by hand may not be an ID at all: say so, never a blank panel.
    let stored_invalid = state
        .current
        .as_deref()
        .filter(|_| state.showing())
        .and_then(|v| SenderId::parse(v).err())
        .map(|e| {
            let why = sender_id_error(env.locale, &e);
            html! { <p class="banner warn" role="alert" data-testid="sender-id-invalid-stored">{ fill(env.t(Text::StoredInvalid), &[&why]) }</p> }
        });
    let dismiss = {
        let state = state.clone();
        Callback::from(move |()| state.dispatch(Action::DismissError))
    };
    let journal = state.journal_warning.as_ref().map(|w| {
        let detail = AppError::Relay(w.clone()).message(env.locale);
        html! { <p class="banner warn" role="status" data-testid="journal-warning">{ fill(env.t(Text::JournalFailed), &[&detail]) }</p> }
    });
    html! {
        <section class="card field" aria-labelledby="sender-id-label" ref={section_ref}>
            <h2 id="sender-id-label"><label for="sender-id-input">{ env.t(Text::SenderIdLabel) }</label></h2>
            if let Some(err) = state.error.clone() {
                { error_banner(&env, &err, None, (!state.unavailable()).then_some(dismiss)) }
            }
            { body }
            { for shared }
            { for stored_invalid }
            { for journal }
        </section>
    }
}

/// Focuses the control `testid` inside `section` when focus is lost or already in `section`.
fn move_focus(section: &web_sys::Element, testid: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    // The agent works elsewhere in the CRM: never pull focus into the sidebar's frame.
    if !doc.has_focus().unwrap_or(false) {
        return;
    }
    let active = doc.active_element();
    let lost = match &active {
        None => true,
        Some(a) => doc.body().is_some_and(|b| b.is_same_node(Some(a))) || section.contains(Some(a)),
    };
    if !lost {
        return;
    }
    if let Some(el) = section
        .query_selector(&format!("[data-testid={testid}]"))
        .ok()
        .flatten()
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
    {
        let _ = el.focus();
    }
}
