//! Bulk linking: every CRM contact matched with the Telegram people the relay knows, reviewed,
//! written in batches with a dry run first, journaled, resumable and undoable.
//!
//! - [`review`]: the engine's assignment → categories (confident, to decide, conflicts, already
//!   linked, unmatched), the agent's decisions, and the [`review::Plan`] Apply would write.
//! - [`run`]: Apply and undo as a state machine over batches of 100, with no IO, so that it is
//!   tested natively and resumed from storage after a reload.
//! - [`zendesk`]: the Zendesk REST calls through the host (rate limits and retries handled).
//! - [`matcher`]: the matching Web Worker's messages and its side of them.
//! - [`page`]: the page itself (Yew), mounted by [`start`] in its own wasm bundle, so the sidebar's
//!   bundle does not carry any of this.
#![deny(missing_docs)]

pub mod matcher;
pub mod page;
pub mod review;
pub mod run;
pub mod zendesk;

/// Entry point of the bulk bundle (`bulk.html`): connects to Zendesk through ZAF and mounts the
/// page. Bulk linking needs the CRM's REST API, so outside Zendesk the page says so.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    use std::rc::Rc;
    use telegram_sidebar::host::{CrmApi, CrmHost, zaf};
    wasm_bindgen_futures::spawn_local(async {
        let Some(root) = telegram_sidebar::root_element() else {
            return;
        };
        telegram_sidebar::style::inject();
        telegram_sidebar::style::inject_sheet("telegram-bulk-style", page::CSS);
        let locale = telegram_sidebar::i18n::Locale::from_tag(
            &web_sys::window()
                .and_then(|w| w.navigator().language())
                .unwrap_or_default(),
        );
        if !zaf::sdk_present() {
            root.set_text_content(Some(page::Text::NeedsZendesk.get(locale)));
            return;
        }
        match zaf::ZafHost::connect().await {
            Ok(host) => {
                let host = Rc::new(host);
                let env =
                    telegram_sidebar::context::AppEnv::new(Rc::clone(&host) as Rc<dyn CrmHost>);
                let api = host as Rc<dyn CrmApi>;
                std::mem::forget(
                    yew::Renderer::<page::BulkPage>::with_root_and_props(
                        root,
                        page::BulkProps { env, api },
                    )
                    .render(),
                );
            }
            Err(error) => {
                root.set_text_content(Some(
                    &telegram_sidebar::errors::AppError::from(error).message(locale),
                ));
            }
        }
    });
}
