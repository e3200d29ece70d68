//! What every component can reach: the host bridge, the locale, the host's context.

use std::rc::Rc;

use crate::host::{CrmHost, HostContext};
use crate::i18n::{Locale, Text};

/// Shared services, provided once by `components::app::App` through a `ContextProvider`.
#[derive(Clone)]
pub struct AppEnv {
    /// The host adapter.
    pub host: Rc<dyn CrmHost>,
    /// The host's context, read once at start-up.
    pub ctx: Rc<HostContext>,
    /// The interface language.
    pub locale: Locale,
}

impl PartialEq for AppEnv {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.host, &other.host) && self.locale == other.locale && self.ctx == other.ctx
    }
}

impl AppEnv {
    /// Builds the environment; the locale follows the host, then the browser, then English.
    pub fn new(host: Rc<dyn CrmHost>) -> AppEnv {
        let ctx = host.context();
        let locale = ctx
            .locale
            .as_deref()
            .map(Locale::from_tag)
            .unwrap_or_default();
        AppEnv {
            host,
            ctx: Rc::new(ctx),
            locale,
        }
    }

    /// A text in this environment's locale.
    pub fn t(&self, key: Text) -> &'static str {
        key.get(self.locale)
    }
}

/// The environment from context. Components are only ever mounted under `App`, which provides it.
#[yew::hook]
pub fn use_env() -> AppEnv {
    yew::use_context::<AppEnv>().expect("components are mounted under App, which provides AppEnv")
}
