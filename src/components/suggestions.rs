use telegram_identity::SenderId;
use telegram_identity::matching::Tier;
use yew::prelude::*;

use crate::components::error_banner::ErrorBanner;
use crate::context::use_env;
use crate::entities::username_href;
use crate::hooks::use_suggestions;
use crate::i18n::{Text, fill, reason_text};
use crate::state::suggestions::{Action, Suggestion, Suggestions as State};

/// Props of [`Suggestions`].
#[derive(Properties, PartialEq, Clone)]
pub struct SuggestionsProps {
    /// Called with the chosen person's ID; the field then resolves, checks conflicts and saves
    /// through its one save path.
    pub on_link: Callback<SenderId>,
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
        State::Failed(err) => html! { <ErrorBanner error={err.clone()} on_retry={retry} /> },
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
    on_link: Callback<SenderId>,
}

#[function_component]
fn SuggestionRow(props: &SuggestionRowProps) -> Html {
    let env = use_env();
    let s = &props.suggestion;
    let p = &s.person;
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
    let id = p.sender_id;
    let on_link = props.on_link.clone();
    html! {
        <li class="suggestion" data-testid="suggestion" data-sender-id={id.to_string()} data-tier={s.tier.to_string()}>
            <div class="row">
                <strong><bdi data-testid="suggestion-name">{ name.clone() }</bdi></strong>
                { for username }
                <span class={tier_class}>{ tier_text }</span>
            </div>
            <ul class="reasons" data-testid="suggestion-reasons">
                { for s.reasons.iter().map(|r| html! { <li dir="auto">{ reason_text(env.locale, r) }</li> }) }
            </ul>
            <button type="button" data-testid="suggestion-link" aria-label={fill(env.t(Text::LinkPerson), &[&name])}
                onclick={move |_| on_link.emit(id)}>{ env.t(Text::Link) }</button>
        </li>
    }
}
