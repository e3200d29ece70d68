use telegram_identity::SenderId;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::context::use_env;
use crate::host::ContactRef;

/// The other contacts whose field holds the same sender ID as the open one (`value`), however
/// the field was written: a "Link anyway", a value typed into the CRM, an import. Empty while
/// unknown, for an empty or invalid value, and when the host cannot say (the line is a warning,
/// not a step: its failure never blocks the field).
#[hook]
pub fn use_shared_holders(value: Option<String>) -> Vec<ContactRef> {
    let env = use_env();
    let holders = use_state(Vec::new);
    {
        let holders = holders.clone();
        let id = value
            .as_deref()
            .and_then(|v| SenderId::parse(v).ok())
            .map(|id| id.to_string());
        use_effect_with(id, move |id| {
            holders.set(Vec::new());
            if let Some(id) = id.clone() {
                spawn_local(async move {
                    if let Ok(found) = env.host.contacts_with_sender_id(id).await {
                        holders.set(found);
                    }
                });
            }
        });
    }
    (*holders).clone()
}
