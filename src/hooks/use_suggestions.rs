use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::context::use_env;
use crate::services::relay;
use crate::state::suggestions::{Action, Suggestions};

/// Downloads the relay's directory (all pages) and ranks it for the open contact; again after
/// `Action::Reload`.
#[hook]
pub fn use_suggestions() -> UseReducerHandle<Suggestions> {
    let env = use_env();
    let state = use_reducer(|| Suggestions::Loading);
    let loading = *state == Suggestions::Loading;
    let d = state.dispatcher();
    use_effect_with(loading, move |loading| {
        if let (true, Some(contact)) = (*loading, env.ctx.contact.clone()) {
            spawn_local(async move {
                let people = relay::whole_directory(&env.host).await;
                d.dispatch(Action::Loaded {
                    contact,
                    region: env.ctx.phone_region.clone(),
                    people,
                });
            });
        }
    });
    state
}
