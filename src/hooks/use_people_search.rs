use std::cell::RefCell;
use std::rc::Rc;

use gloo::timers::callback::Timeout;
use telegram_identity::SenderId;
use telegram_relay_api::PersonSummary;
use yew::prelude::*;

use crate::context::use_env;
use crate::errors::AppError;
use crate::services::relay;

/// How many people the editor's search lists.
pub const SEARCH_LIMIT: u32 = 6;
/// Typing pauses this long before the relay is asked, so each keystroke is not a request.
const DEBOUNCE_MS: u32 = 250;

/// What the field editor's search shows for the text typed so far.
#[derive(Clone, Debug, PartialEq)]
pub enum PeopleSearch {
    /// The text is an ID (or too short): nothing to search.
    Idle,
    /// Asking the relay for `query`.
    Searching(String),
    /// The relay's answer for `query` (possibly nobody).
    Found {
        /// The text searched.
        query: String,
        /// Best first (an equal username first), at most [`SEARCH_LIMIT`].
        people: Vec<PersonSummary>,
    },
    /// The relay could not answer for `query`.
    Failed {
        /// The text searched.
        query: String,
        /// Why.
        error: AppError,
    },
}

/// The text to search for, when `input` is worth a search: not a sender ID (those are resolved
/// directly), at least two characters, and something a person would type to find someone: a
/// name, an `@username`, a `t.me/…` link or a phone number with a `+` or separators.
pub fn search_text(input: &str) -> Option<String> {
    let text = input.trim();
    if text.chars().count() < 2 || SenderId::parse(text).is_ok() {
        return None;
    }
    let wanted = text.chars().any(char::is_alphabetic) || text.starts_with(['@', '+']);
    wanted.then(|| text.to_owned())
}

/// Searches the relay for `query` (see [`search_text`]), [`DEBOUNCE_MS`] after it last changed.
/// An answer for an older query never replaces the newer one's.
#[hook]
pub fn use_people_search(query: Option<String>) -> PeopleSearch {
    let env = use_env();
    let state = use_state(|| PeopleSearch::Idle);
    let current: Rc<RefCell<Option<String>>> = use_mut_ref(|| None);
    {
        let state = state.clone();
        use_effect_with(query, move |query| {
            *current.borrow_mut() = query.clone();
            let timer = match query.clone() {
                None => {
                    state.set(PeopleSearch::Idle);
                    None
                }
                Some(q) => {
                    state.set(PeopleSearch::Searching(q.clone()));
                    let host = env.host.clone();
                    Some(Timeout::new(DEBOUNCE_MS, move || {
                        wasm_bindgen_futures::spawn_local(async move {
                            let result = relay::search(&host, &q, SEARCH_LIMIT).await;
                            if current.borrow().as_deref() != Some(q.as_str()) {
                                return;
                            }
                            state.set(match result {
                                Ok(people) => PeopleSearch::Found { query: q, people },
                                Err(e) => PeopleSearch::Failed {
                                    query: q,
                                    error: AppError::Relay(e),
                                },
                            });
                        });
                    }))
                }
            };
            move || drop(timer)
        });
    }
    (*state).clone()
}

#[cfg(test)]
mod tests {
    use super::search_text;

    #[test]
    fn searches_what_people_type_to_find_someone_and_not_ids() {
        for (input, expected) in [
            ("andrei", Some("andrei")),
            ("  Lucía Fernández ", Some("Lucía Fernández")),
            ("@andrey_iv", Some("@andrey_iv")),
            ("t.me/lucia_fg", Some("t.me/lucia_fg")),
            ("+34 612 345 678", Some("+34 612 345 678")),
            ("Андрей", Some("Андрей")),
            ("7100000001", None),
            ("user7100000001", None),
            ("tg://user?id=7100000001", None),
            ("a", None),
            ("", None),
            ("12", None),
        ] {
            assert_eq!(search_text(input).as_deref(), expected, "{input:?}");
        }
    }
}
