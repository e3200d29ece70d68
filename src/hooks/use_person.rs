use telegram_identity::SenderId;
use telegram_relay_api::Person;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::context::use_env;
use crate::errors::AppError;
use crate::services::relay;

/// The relay's profile of one person.
#[derive(Clone, Debug, PartialEq)]
pub enum PersonLoad {
    /// On its way.
    Loading,
    /// Arrived.
    Ready(Box<Person>),
    /// Failed (404 included: an unknown person).
    Failed(AppError),
}

/// Loads `GET /v1/people/{id}`; the returned callback loads it again (Retry).
#[hook]
pub fn use_person(id: SenderId) -> (PersonLoad, Callback<()>) {
    let env = use_env();
    let state = use_state(|| PersonLoad::Loading);
    let generation = use_state(|| 0u32);
    {
        let state = state.clone();
        use_effect_with((id, *generation), move |_| {
            state.set(PersonLoad::Loading);
            spawn_local(async move {
                match relay::person(&env.host, id).await {
                    Ok(p) => state.set(PersonLoad::Ready(Box::new(p))),
                    Err(e) => state.set(PersonLoad::Failed(e.into())),
                }
            });
        });
    }
    let retry = Callback::from(move |()| generation.set(generation.wrapping_add(1)));
    ((*state).clone(), retry)
}
