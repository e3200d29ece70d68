use gloo::timers::callback::Timeout;
use telegram_identity::SenderId;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::context::use_env;
use crate::services::relay;
use crate::state::conversation::{Action, Conversation, PAGE_SIZE, poll_delay_ms};

/// The conversation with `id`: the newest page at mount, older pages on `Action::LoadOlder`, and
/// polling for new messages with back-off. Mount one per person (key the component by ID).
#[hook]
pub fn use_conversation(id: SenderId) -> UseReducerHandle<Conversation> {
    let env = use_env();
    let state = use_reducer(Conversation::default);
    let generation = state.loaded || state.error.is_some();
    // First page (again after Reset).
    {
        let (env, d) = (env.clone(), state.dispatcher());
        use_effect_with((id, generation), move |(id, done)| {
            if !*done {
                let id = *id;
                spawn_local(async move {
                    let page = relay::messages_before(&env.host, id, None, PAGE_SIZE).await;
                    d.dispatch(Action::FirstPage(page));
                });
            }
        });
    }
    // Older page.
    {
        let (env, d) = (env.clone(), state.dispatcher());
        let older = state.older.clone().filter(|_| state.loading_older);
        use_effect_with(older, move |older| {
            if let Some(cursor) = older.clone() {
                spawn_local(async move {
                    let page =
                        relay::messages_before(&env.host, id, Some(&cursor), PAGE_SIZE).await;
                    d.dispatch(Action::OlderPage(page));
                });
            }
        });
    }
    // Polling: one timer per answered poll; dropping the timer (unmount, new cursor) cancels it.
    {
        let d = state.dispatcher();
        let deps = (state.newer.clone(), state.polls, state.poll_failures);
        use_effect_with(deps, move |(newer, _, failures)| {
            let timer = newer.clone().map(|cursor| {
                Timeout::new(poll_delay_ms(*failures), move || {
                    spawn_local(async move {
                        let page = relay::messages_after(&env.host, id, &cursor, PAGE_SIZE).await;
                        d.dispatch(Action::Polled(page));
                    });
                })
            });
            move || drop(timer)
        });
    }
    state
}
