use yew::prelude::*;

use crate::context::AppEnv;
use crate::i18n::Text;

/// What the sidebar bundle shows if a manifest points the nav bar at it: bulk linking is its own
/// page (`bulk.html`, crates/bulk).
pub fn nav_placeholder(env: &AppEnv) -> Html {
    html! {
        <section class="card" data-testid="nav-placeholder" aria-labelledby="bulk-title">
            <h1 id="bulk-title">{ env.t(Text::BulkTitle) }</h1>
            <p>{ env.t(Text::BulkLater) }</p>
        </section>
    }
}
