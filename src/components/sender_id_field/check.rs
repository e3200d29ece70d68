//! The two steps between choosing an ID and saving it: the preview (who this is, and how they
//! compare with the open contact) and the conflict (another contact already holds the ID).

use telegram_identity::SenderId;
use telegram_relay_api::Person;
use yew::prelude::*;

use crate::components::contact_link::contact_links;
use crate::components::message_text::MessageText;
use crate::components::profile_card::person_view;
use crate::context::AppEnv;
use crate::host::{Contact, ContactRef};
use crate::i18n::{Text, fill, reason_text};
use crate::state::suggestions::Agreement;

/// What [`check`] shows.
pub struct Check {
    /// The ID about to be saved.
    pub id: SenderId,
    /// The relay's profile (`None`: never seen).
    pub person: Option<Person>,
    /// Other contacts holding the ID (a conflict when not empty).
    pub holders: Vec<ContactRef>,
    /// How the person compares with the open contact.
    pub compare: Agreement,
    /// The value the field holds now, which Save replaces.
    pub current: Option<String>,
    /// Save, or Link anyway.
    pub on_confirm: Callback<()>,
    /// Back to the value.
    pub on_cancel: Callback<()>,
}

/// Whether saving `person` needs a deliberate choice: an ID nobody has written from, or a
/// person who shares nothing with the contact.
pub fn deliberate(person: Option<&Person>, compare: &Agreement) -> bool {
    person.is_none() || *compare == Agreement::SharesNothing
}

/// The preview, or the conflict when `holders` is not empty: who the ID belongs to, how they
/// compare with the contact, what Save replaces, and Save / Cancel (Escape cancels too).
pub fn check(env: &AppEnv, props: Check) -> Html {
    let conflict = !props.holders.is_empty();
    let danger = conflict || deliberate(props.person.as_ref(), &props.compare);
    let onkeydown = escape_cancels(props.on_cancel.clone());
    let title = match (conflict, props.person.is_some()) {
        (true, _) => Text::ConflictIntro,
        (false, true) => Text::PreviewTitle,
        (false, false) => Text::PreviewUnknown,
    };
    let compare = match &props.compare {
        Agreement::Agrees(reasons) => html! {
            <p class="small" data-testid="preview-agrees">{ env.t(Text::PreviewAgrees) }{ " " }{
                reasons.iter().map(|r| reason_text(env.locale, r)).collect::<Vec<_>>().join("; ")
            }</p>
        },
        Agreement::SharesNothing => html! {
            <p class="banner warn" data-testid="preview-disagrees">{ env.t(Text::PreviewDisagrees) }</p>
        },
        Agreement::NothingToCompare => html! {},
    };
    let holders = conflict.then(|| {
        html! {
            <>
                <p data-testid="conflict-contact">{ contact_links(env, &props.holders) }</p>
                <p class="small">{ env.t(Text::ConflictAdvice) }</p>
            </>
        }
    });
    let replaces = props.current.as_ref().map(|old| {
        html! { <p class="banner warn" data-testid="replaces">{ fill(env.t(Text::Replaces), &[old]) }</p> }
    });
    let (confirm, cancel) = (props.on_confirm.clone(), props.on_cancel.clone());
    let save = if danger {
        html! {
            <button type="button" class="danger" data-testid="save" onclick={move |_| confirm.emit(())}>{ env.t(Text::SaveAnyway) }</button>
        }
    } else {
        html! {
            <button type="button" data-testid="save" onclick={move |_| confirm.emit(())}>{ env.t(Text::Save) }</button>
        }
    };
    html! {
        <section class={if conflict { "conflict" } else { "preview" }}
            data-testid={if conflict { "conflict" } else { "resolve-preview" }}
            role={conflict.then_some("alert")} aria-live={(!conflict).then_some("polite")} {onkeydown}>
            <p><strong>{ env.t(title) }</strong>{ " " }<code>{ props.id.to_string() }</code></p>
            { for holders }
            { who(env, props.person.as_ref()) }
            if let Some(contact) = env.ctx.contact.as_ref() { { contact_line(contact, env.t(Text::ThisContact)) } }
            if !conflict { { compare } }
            { for replaces }
            <div class="row">
                { save }
                <button type="button" class="secondary" data-testid="cancel" onclick={move |_| cancel.emit(())}>{ env.t(Text::Cancel) }</button>
            </div>
        </section>
    }
}

/// A key handler that calls `cancel` on Escape (the editor, the preview and the conflict).
pub fn escape_cancels(cancel: Callback<()>) -> Callback<KeyboardEvent> {
    Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Escape" {
            cancel.emit(());
        }
    })
}

/// What the open contact holds, to read beside the Telegram side: "This contact: name · phone ·
/// email".
fn contact_line(c: &Contact, label: &str) -> Html {
    let held: Vec<&str> = [
        Some(c.name.as_str()),
        c.phone.as_deref(),
        c.email.as_deref(),
    ]
    .into_iter()
    .flatten()
    .filter(|v| !v.trim().is_empty())
    .collect();
    if held.is_empty() {
        return html! {};
    }
    html! {
        <p class="small muted" data-testid="preview-contact">{ label }{ " " }<bdi>{ held.join(" · ") }</bdi></p>
    }
}

/// Who the ID belongs to (compact profile, last message and when), or "never seen".
fn who(env: &AppEnv, person: Option<&Person>) -> Html {
    match person {
        None => {
            html! { <p class="banner warn" data-testid="never-seen">{ env.t(Text::NeverSeen) }</p> }
        }
        Some(p) => {
            let last = p.last_message.as_ref().filter(|m| !m.text.is_empty()).map(|m| {
                html! {
                    <div class="last-message" data-testid="preview-last-message">
                        <span class="muted small">{ env.t(Text::LastMessage) }{ " · " }
                            <time title={crate::time::full(m.sent_at, env.locale)}>{ crate::time::short_day(m.sent_at, env.locale) }</time>
                        </span>
                        <MessageText text={AttrValue::from(m.text.clone())} entities={m.entities.clone()} />
                    </div>
                }
            });
            html! { <>{ person_view(env, p, true) }{ for last }</> }
        }
    }
}
