//! Telegram Sidebar: the CRM sidebar plugin (Yew, WebAssembly).
//!
//! The sidebar shows a contact's Telegram identity: the **senderId** custom field (view, edit,
//! validate, resolve before save, conflict check, undo), the relay's profile of the person, their
//! conversation, and suggestions for contacts not linked yet.
//!
//! How it is put together:
//! - [`host`]: the [`host::CrmHost`] bridge and its adapters (Zendesk's ZAF SDK, a standalone
//!   iframe). [`host::connect`] picks one at start-up.
//! - [`services::relay`]: the relay's `/v1` API through the host, with typed errors.
//! - [`state`]: plain reducers (`yew::Reducible`), tested natively with `cargo test`.
//! - [`hooks`]: the effects (host and relay calls) that feed the reducers.
//! - [`components`]: one component per file; `data-testid`s are listed in `components/README.md`.
//! - [`entities`]: Telegram's UTF-16 entity offsets → safe display nodes.
//! - [`i18n`]: English, Spanish and Russian.
//!
//! Untrusted text (messages, names, usernames, relay errors) only ever becomes DOM text content or
//! a checked `href`: nothing is rendered as HTML.
#![deny(missing_docs)]

pub mod components;
pub mod context;
pub mod entities;
pub mod errors;
pub mod hooks;
pub mod host;
pub mod i18n;
pub mod resize;
pub mod services;
pub mod state;
pub mod style;
pub mod time;

use std::rc::Rc;

use components::app::{App, AppProps};
use context::AppEnv;
use host::CrmHost;

/// Mounts the sidebar for `host` into `root`. Tests call this with a fake host.
pub fn mount(host: Rc<dyn CrmHost>, root: web_sys::Element) -> yew::AppHandle<App> {
    style::inject();
    yew::Renderer::<App>::with_root_and_props(
        root,
        AppProps {
            env: AppEnv::new(host),
        },
    )
    .render()
}

/// The element to render into: `#app` when the page has one, otherwise a new `<div>` in `<body>`.
#[cfg(target_arch = "wasm32")]
pub fn root_element() -> Option<web_sys::Element> {
    let doc = web_sys::window()?.document()?;
    if let Some(el) = doc.get_element_by_id("app") {
        return Some(el);
    }
    let el = doc.create_element("div").ok()?;
    doc.body()?.append_child(&el).ok()?;
    Some(el)
}

/// Entry point: picks the host adapter and mounts the sidebar. If no adapter can start, the page
/// says why and what to do (never a blank panel).
#[cfg(all(target_arch = "wasm32", feature = "start"))]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    wasm_bindgen_futures::spawn_local(async {
        let Some(root) = root_element() else { return };
        match host::connect().await {
            Ok(host) => {
                // The app lives as long as the page.
                std::mem::forget(mount(host, root));
            }
            Err(error) => {
                style::inject();
                let text = errors::AppError::from(error).message(i18n::Locale::from_tag(
                    &web_sys::window()
                        .and_then(|w| w.navigator().language())
                        .unwrap_or_default(),
                ));
                let p = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.create_element("p").ok());
                if let Some(p) = p {
                    p.set_class_name("banner error");
                    p.set_attribute("role", "alert").ok();
                    p.set_attribute("data-testid", "error-banner").ok();
                    p.set_text_content(Some(&text));
                    root.append_child(&p).ok();
                }
            }
        }
    });
}

#[cfg(test)]
mod tidy {
    /// Guards the "never render untrusted text as HTML" invariant: no source file under `src/`
    /// may call the DOM's HTML setters or Yew's unchecked-HTML constructor.
    #[test]
    fn no_html_injection_points_in_src() {
        let forbidden = [
            concat!("inner", "_html"),
            concat!("outer", "_html"),
            concat!("from_html", "_unchecked"),
            concat!("insert_adjacent", "_html"),
        ];
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        let mut checked = 0;
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for word in forbidden {
                    assert!(!text.contains(word), "{} uses {word}", path.display());
                }
                checked += 1;
            }
        }
        assert!(checked > 20, "only {checked} files scanned");
    }
}
