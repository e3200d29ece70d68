use telegram_relay_api::NewLinkEvent;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::context::{AppEnv, use_env};
use crate::errors::AppError;
use crate::services::relay;
use crate::state::sender_field::{Action, AutoLink, FieldState, Op, Phase};

/// The senderId field's state, with its effects: the first read, outside changes, resolving
/// (relay profile + conflict check) and saving (host write, then the relay's link journal).
#[hook]
pub fn use_sender_field() -> UseReducerHandle<FieldState> {
    let env = use_env();
    let state = use_reducer(FieldState::default);
    {
        let (env, dispatcher) = (env.clone(), state.dispatcher());
        use_effect_with((), move |_| {
            let d = dispatcher.clone();
            env.host
                .on_sender_field_changed(Box::new(move |v| d.dispatch(Action::ExternalChange(v))));
            spawn_local(async move {
                let read = env.host.read_sender_field().await;
                let current = read.as_ref().ok().cloned().flatten();
                dispatcher.dispatch(Action::Loaded(read));
                // A link the relay's sync made is shown with its own Undo. The line is a
                // courtesy: if the journal cannot be read, the field works as before.
                let (Some(current), Some(contact)) = (current, env.ctx.contact.as_ref()) else {
                    return;
                };
                if let Ok(Some(entry)) = relay::latest_link_event(&env.host, &contact.id).await
                    && let Some(auto) = AutoLink::from_entry(&entry, current.trim())
                {
                    dispatcher.dispatch(Action::AutoLinked(auto));
                }
            });
        });
    }
    {
        let dispatcher = state.dispatcher();
        use_effect_with(state.phase.clone(), move |phase| match phase.clone() {
            Phase::Resolving { id, .. } => spawn_local(async move {
                let result = resolve(&env, id).await;
                dispatcher.dispatch(Action::Resolved { id, result });
            }),
            Phase::Saving(op) => spawn_local(save(env, op, dispatcher)),
            _ => {}
        });
    }
    state
}

type Resolution = (
    Option<telegram_relay_api::Person>,
    Vec<crate::host::ContactRef>,
);

async fn resolve(env: &AppEnv, id: telegram_identity::SenderId) -> Result<Resolution, AppError> {
    let person = relay::person_if_known(&env.host, id).await?;
    let holders = env.host.contacts_with_sender_id(id.to_string()).await?;
    Ok((person, holders))
}

async fn save(env: AppEnv, op: Op, dispatcher: UseReducerDispatcher<FieldState>) {
    let written = env.host.write_sender_field(op.new.clone()).await;
    let ok = written.is_ok();
    dispatcher.dispatch(Action::Written {
        op: op.clone(),
        result: written,
    });
    if !ok {
        return;
    }
    let event = NewLinkEvent {
        action: op.action,
        contact_id: env
            .ctx
            .contact
            .as_ref()
            .map(|c| c.id.clone())
            .unwrap_or_default(),
        old_value: op.old.clone(),
        new_value: op.new.clone(),
        actor: env.ctx.agent.clone(),
        batch_id: None,
        undoes: op.undoes.clone(),
        reason: Some(op.reason.as_str().to_owned()),
    };
    let result = relay::record_link(&env.host, &event).await;
    dispatcher.dispatch(Action::Journaled { op, result });
}
