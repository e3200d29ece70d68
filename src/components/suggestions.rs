use telegram_identity::SenderId;
use telegram_identity::matching::Tier;
use yew::prelude::*;

use crate::components::contact_link::contact_links;
use crate::components::error_banner::error_banner;
use crate::context::use_env;
use crate::entities::username_href;
use crate::hooks::{PersonLoad, use_person, use_shared_holders, use_suggestions};
use crate::i18n::{Text, fill, reason_text};
use crate::state::suggestions::{Action, Suggestion, Suggestions as State};

/// Props of [`Suggestions`].
#[derive(Properties, PartialEq, Clone)]
pub struct SuggestionsProps {
    /// Called with the chosen person's ID and whether the match is confident (the engine's `auto`
    /// tier, nobody else holding it); the field then resolves, checks conflicts and saves (or
    /// previews, when not confident) through its one save path.
    pub on_link: Callback<(SenderId, bool)>,
}

/// Telegram people who may be this contact, ranked in the browser by the identity engine, each
/// with the engine's reasons and a Link button.
#[function_component]
pub fn Suggestions(props: &SuggestionsProps) -> Html {
    let env = use_env();
    let state = use_suggestions();
    let retry = {
        let state = state.clone();
        Callback::from(move |()| state.dispatch(Action::Reload))
    };
    let body = match &*state {
        State::Loading => html! { <p class="muted" role="status">{ env.t(Text::Searching) }</p> },
        State::Failed(err) => error_banner(&env, err, Some(retry), None),
        State::Ready(list) if list.is_empty() => {
            html! { <p class="muted" data-testid="no-suggestions">{ env.t(Text::NoSuggestions) }</p> }
        }
        State::Ready(list) => html! {
            <ul>{ for list.iter().map(|s| html! { <SuggestionRow key={s.person.sender_id.to_string()} suggestion={s.clone()} on_link={props.on_link.clone()} /> }) }</ul>
        },
    };
    html! {
        <section class="card suggestions" data-testid="suggestions" aria-labelledby="suggestions-title">
            <h2 id="suggestions-title">{ env.t(Text::SuggestionsTitle) }</h2>
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq, Clone)]
struct SuggestionRowProps {
    suggestion: Suggestion,
    on_link: Callback<(SenderId, bool)>,
}

/// One suggestion: who (name, @username, ID, phone or why it is hidden), their conversation
/// (message count, last message and when), the engine's reasons, and whether another contact
/// already holds the ID, all before Link.
#[function_component]
fn SuggestionRow(props: &SuggestionRowProps) -> Html {
    let env = use_env();
    let s = &props.suggestion;
    let p = &s.person;
    let id = p.sender_id;
    // The full profile for the conversation line; the row stands without it.
    let (load, _) = use_person(id);
    let holders = use_shared_holders(Some(id.to_string()));
    let name = [Some(p.first_name.as_str()), p.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let username = p.username.as_ref().map(|u| match username_href(u) {
        Some(href) => html! { <a href={href} target="_blank" rel="noopener noreferrer">{ format!("@{u}") }</a> },
        None => html! { <span>{ format!("@{u}") }</span> },
    });
    let (tier_class, tier_text) = match s.tier {
        Tier::Auto => ("badge ok", env.t(Text::TierAuto)),
        Tier::Review => ("badge warn", env.t(Text::TierReview)),
    };
    let phone = match &p.phone {
        Some(phone) => phone.clone(),
        None if p.deleted => format!("{}: {}", env.t(Text::Phone), env.t(Text::PhoneGone)),
        None => format!("{}: {}", env.t(Text::Phone), env.t(Text::PhoneHidden)),
    };
    let conversation = match load {
        PersonLoad::Ready(person) => {
            let mut line = crate::i18n::message_count(person.message_count, env.locale);
            let last = person.last_message.as_ref();
            if let Some(m) = last {
                line.push_str(" · ");
                line.push_str(&fill(
                    env.t(Text::LastSeen),
                    &[&crate::time::short_day(m.sent_at, env.locale)],
                ));
            }
            html! {
                <div class="small" data-testid="suggestion-conversation">
                    <span class="muted">{ line }</span>
                    if let Some(m) = last.filter(|m| !m.text.is_empty()) {
                        <p class="clamp" dir="auto" data-testid="suggestion-last-message">{ m.text.clone() }</p>
                    }
                </div>
            }
        }
        _ => html! {},
    };
    let held = (!holders.is_empty()).then(|| {
        html! {
            <p class="banner warn small" data-testid="suggestion-held">{ env.t(Text::LinkedElsewhere) }{ " " }{ contact_links(&env, &holders) }</p>
        }
    });
    // A confident match nobody else holds links in one click; anything else is previewed first.
    let confident = s.tier == Tier::Auto && holders.is_empty();
    let on_link = props.on_link.clone();
    html! {
        <li class="suggestion" data-testid="suggestion" data-sender-id={id.to_string()} data-tier={s.tier.to_string()}>
            <div class="row">
                <strong><bdi data-testid="suggestion-name">{ name.clone() }</bdi></strong>
                { for username }
                <span class={tier_class}>{ tier_text }</span>
            </div>
            <p class="small muted" data-testid="suggestion-who"><code>{ id.to_string() }</code>{ " · " }<bdi>{ phone }</bdi></p>
            { conversation }
            <ul class="reasons" data-testid="suggestion-reasons">
                { for s.reasons.iter().map(|r| html! { <li dir="auto">{ reason_text(env.locale, r) }</li> }) }
            </ul>
            { for held }
            <button type="button" data-testid="suggestion-link" aria-label={fill(env.t(Text::LinkPerson), &[&name])}
                onclick={move |_| on_link.emit((id, confident))}>{ env.t(Text::Link) }</button>
        </li>
    }
}
