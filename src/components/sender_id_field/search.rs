use telegram_identity::SenderId;
use telegram_relay_api::PersonSummary;
use yew::prelude::*;

use crate::context::AppEnv;
use crate::hooks::PeopleSearch;
use crate::i18n::{Locale, Text, fill};

/// The people the relay found for the typed text, each a button that checks that person's ID.
pub fn search_results(env: &AppEnv, search: &PeopleSearch, on_pick: &Callback<SenderId>) -> Html {
    let status = |text: String| html! { <p class="muted small" role="status" data-testid="search-status">{ text }</p> };
    match search {
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
                    { for people.iter().map(|p| result_row(p, on_pick, env.locale)) }
                </ul>
            </section>
        },
    }
}

/// One found person: name and @username, then ID, phone and when last seen.
fn result_row(p: &PersonSummary, on_pick: &Callback<SenderId>, locale: Locale) -> Html {
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
