use telegram_identity::SenderId;
use telegram_relay_api::{LinkAction, Person, PersonSummary};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::error_banner::ErrorBanner;
use crate::components::message_text::MessageText;
use crate::components::profile_card::PersonView;
use crate::context::use_env;
use crate::errors::AppError;
use crate::hooks::{PeopleSearch, search_text, use_people_search, use_shared_holders};
use crate::i18n::{Text, fill, reason_text, sender_id_error};
use crate::state::sender_field::{Action, FieldState, Phase};
use crate::state::suggestions::{Agreement, agreement};

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

    // Keyboard and screen-reader users keep their place: when a step replaces the button they
    // used, focus moves to the next step's main control (the safe one in a conflict). Only when
    // focus was lost (on <body>) or already inside the field: an outside change never steals it.
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
    let deliberate = matches!(&state.phase, Phase::Preview { person: None, .. })
        || compare == Agreement::SharesNothing;
    let section_ref = use_node_ref();
    {
        let section_ref = section_ref.clone();
        let target = match &state.phase {
            Phase::Preview { .. } if deliberate => Some("cancel"),
            Phase::Preview { .. } => Some("save"),
            Phase::Conflict { .. } => Some("cancel"),
            Phase::Done(_) if state.can_undo() => Some("undo"),
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
    let shared = use_shared_holders(match &state.phase {
        Phase::Idle | Phase::Done(_) => state.current.clone(),
        _ => None,
    });
    let shared = (!shared.is_empty()).then(|| {
        let names: Vec<String> = shared.iter().map(|h| h.name.clone()).collect();
        html! {
            <p class="banner warn" role="status" data-testid="shared-id">
                { fill(env.t(Text::SharedId), &[&names.join(", ")]) }
            </p>
        }
    });
    let pick = {
        let state = state.clone();
        Callback::from(move |id: SenderId| {
            state.dispatch(Action::Input(id.to_string()));
            state.dispatch(Action::Submit);
        })
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
    // Telegram's own link to a user by ID: opens the chat in the agent's Telegram app.
    let open_in_telegram = state
        .current
        .as_deref()
        .and_then(|v| SenderId::parse(v).ok())
        .map(|id| html! {
            <a class="small" data-testid="open-in-telegram" href={format!("tg://user?id={id}")} target="_blank" rel="noopener">{ env.t(Text::OpenInTelegram) }</a>
        });

    // Escape steps back from a preview or a conflict, as it does from the editor.
    let escape = {
        let state = state.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                state.dispatch(Action::Cancel);
            }
        })
    };
    let body = match &state.phase {
        Phase::Loading => html! { <p class="muted" role="status">{ env.t(Text::Loading) }</p> },
        Phase::Idle | Phase::Done(_) => {
            let can_edit = !state.unavailable();
            let done = match &state.phase {
                Phase::Done(action) => {
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
                    { for open_in_telegram }
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
            let onkeydown = {
                let state = state.clone();
                Callback::from(move |e: KeyboardEvent| {
                    if e.key() == "Escape" {
                        state.dispatch(Action::Cancel);
                    }
                })
            };
            let message = error.as_ref().map(|e| sender_id_error(env.locale, e));
            html! {
                <form class="edit" onsubmit={onsubmit} novalidate=true>
                    <input id="sender-id-input" data-testid="sender-id-input" ref={input_ref}
                        type="text" autocomplete="off" spellcheck="false"
                        value={input.clone()} oninput={oninput} onkeydown={onkeydown}
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
                    <SearchResults search={search.clone()} on_pick={pick.clone()} />
                </form>
            }
        }
        Phase::Resolving { id, .. } => html! {
            <p class="muted" role="status" data-testid="resolving">{ env.t(Text::Resolving) }{ " " }<code>{ id.to_string() }</code></p>
        },
        Phase::Preview { id, person } => html! {
            <section class="preview" data-testid="resolve-preview" aria-live="polite" onkeydown={escape.clone()}>
                <p><strong>{ env.t(if person.is_some() { Text::PreviewTitle } else { Text::PreviewUnknown }) }</strong>{ " " }<code>{ id.to_string() }</code></p>
                { who(person.as_ref()) }
                { match &compare {
                    Agreement::Agrees(reasons) => html! {
                        <p class="small" data-testid="preview-agrees">{ env.t(Text::PreviewAgrees) }{ " " }{
                            reasons.iter().map(|r| reason_text(env.locale, r)).collect::<Vec<_>>().join("; ")
                        }</p>
                    },
                    Agreement::SharesNothing => html! {
                        <p class="banner warn" data-testid="preview-disagrees">{ env.t(Text::PreviewDisagrees) }</p>
                    },
                    Agreement::NothingToCompare => html! {},
                } }
                { replaces(state.current.as_deref(), env.t(Text::Replaces)) }
                <div class="row">
                    if deliberate {
                        <button type="button" class="danger" data-testid="save" onclick={send(Action::Confirm)}>{ env.t(Text::SaveAnyway) }</button>
                    } else {
                        <button type="button" data-testid="save" onclick={send(Action::Confirm)}>{ env.t(Text::Save) }</button>
                    }
                    <button type="button" class="secondary" data-testid="cancel" onclick={send(Action::Cancel)}>{ env.t(Text::Cancel) }</button>
                </div>
            </section>
        },
        Phase::Conflict {
            id,
            person,
            holders,
        } => html! {
            <section class="conflict" data-testid="conflict" role="alert" onkeydown={escape.clone()}>
                <p><strong>{ env.t(Text::ConflictIntro) }</strong>{ " " }<code>{ id.to_string() }</code></p>
                <ul>
                    { for holders.iter().map(|h| html! {
                        <li data-testid="conflict-contact" data-contact-id={h.id.clone()}><bdi>{ h.name.clone() }</bdi></li>
                    }) }
                </ul>
                { who(person.as_ref()) }
                <p class="small">{ env.t(Text::ConflictAdvice) }</p>
                { replaces(state.current.as_deref(), env.t(Text::Replaces)) }
                <div class="row">
                    <button type="button" class="danger" data-testid="save" onclick={send(Action::Confirm)}>{ env.t(Text::SaveAnyway) }</button>
                    <button type="button" class="secondary" data-testid="cancel" onclick={send(Action::Cancel)}>{ env.t(Text::Cancel) }</button>
                </div>
            </section>
        },
        Phase::Saving(_) => {
            html! { <p class="muted" role="status" data-testid="saving">{ env.t(Text::Saving) }</p> }
        }
    };

    // A value someone typed into the CRM by hand may not be an ID at all: say so, never a blank panel.
    let stored_invalid = match (&state.phase, state.current.as_deref()) {
        (Phase::Idle | Phase::Done(_), Some(v)) => telegram_identity::SenderId::parse(v).err().map(|e| {
            let why = sender_id_error(env.locale, &e);
            html! { <p class="banner warn" role="alert" data-testid="sender-id-invalid-stored">{ fill(env.t(Text::StoredInvalid), &[&why]) }</p> }
        }),
        _ => None,
    };
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
                <ErrorBanner error={err} on_dismiss={(!state.unavailable()).then_some(dismiss)} />
            }
            { body }
            { for shared }
            { for stored_invalid }
            { for journal }
        </section>
    }
}

#[derive(Properties, PartialEq, Clone)]
struct SearchResultsProps {
    search: PeopleSearch,
    on_pick: Callback<SenderId>,
}

/// The people the relay found for the typed text, each a button that checks that person's ID.
#[function_component]
fn SearchResults(props: &SearchResultsProps) -> Html {
    let env = use_env();
    let status = |text: String| html! { <p class="muted small" role="status" data-testid="search-status">{ text }</p> };
    match &props.search {
        PeopleSearch::Idle => html! {},
        PeopleSearch::Searching(q) => status(fill(env.t(Text::SearchSearching), &[q])),
        PeopleSearch::Failed { error, .. } => html! {
            <p class="field-error" role="status" data-testid="search-status">{ fill(env.t(Text::SearchFailed), &[&error.message(env.locale)]) }</p>
        },
        PeopleSearch::Found { query, people } if people.is_empty() => {
            status(fill(env.t(Text::SearchNone), &[query]))
        }
        PeopleSearch::Found { query, people } => html! {
            <section class="search" aria-label={fill(env.t(Text::SearchFound), &[query])} data-testid="search-results">
                { status(fill(env.t(Text::SearchFound), &[query])) }
                <ul class="results">
                    { for people.iter().map(|p| result_row(p, &props.on_pick, env.locale)) }
                </ul>
            </section>
        },
    }
}

/// One found person: name and @username, then ID, phone and when last seen.
fn result_row(
    p: &PersonSummary,
    on_pick: &Callback<SenderId>,
    locale: crate::i18n::Locale,
) -> Html {
    let id = p.sender_id;
    let name = [p.first_name.as_str(), p.last_name.as_deref().unwrap_or("")].join(" ");
    let mut details = vec![id.to_string()];
    details.extend(p.phone.clone());
    details.extend(p.last_seen.map(|t| crate::time::short_day(t, locale)));
    let onclick = {
        let on_pick = on_pick.clone();
        Callback::from(move |_: MouseEvent| on_pick.emit(id))
    };
    html! {
        <li>
            <button type="button" class="result" data-testid="search-result" data-sender-id={id.to_string()} {onclick}>
                <span><bdi>{ name.trim().to_owned() }</bdi>
                    if let Some(u) = &p.username { <span class="muted">{ " @" }{ u.clone() }</span> }
                </span>
                <span class="muted small">{ details.join(" · ") }</span>
            </button>
        </li>
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

/// "Saving replaces …" when the field already holds a value, so Save is an informed choice.
fn replaces(current: Option<&str>, template: &str) -> Html {
    match current {
        Some(old) => html! {
            <p class="banner warn" data-testid="replaces">{ fill(template, &[old]) }</p>
        },
        None => html! {},
    }
}

/// Who the ID belongs to (compact profile and last message), or "never seen".
fn who(person: Option<&Person>) -> Html {
    html! { <Who person={person.cloned()} /> }
}

#[derive(Properties, PartialEq, Clone)]
struct WhoProps {
    person: Option<Person>,
}

#[function_component]
fn Who(props: &WhoProps) -> Html {
    let env = use_env();
    match &props.person {
        None => {
            html! { <p class="banner warn" data-testid="never-seen">{ env.t(Text::NeverSeen) }</p> }
        }
        Some(p) => {
            let last = p.last_message.as_ref().filter(|m| !m.text.is_empty()).map(|m| {
                html! {
                    <div class="last-message" data-testid="preview-last-message">
                        <span class="muted small">{ env.t(Text::LastMessage) }</span>
                        <MessageText text={AttrValue::from(m.text.clone())} entities={m.entities.clone()} />
                    </div>
                }
            });
            html! { <><PersonView person={p.clone()} compact=true />{ for last }</> }
        }
    }
}
