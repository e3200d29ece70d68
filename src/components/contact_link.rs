use yew::prelude::*;

use crate::context::AppEnv;
use crate::host::{ContactOpen, ContactRef};

/// Other contacts' names, comma-separated, each a link that opens that contact when the host can
/// (ZAF routes the agent's interface to the user; the standalone host has a URL template),
/// otherwise text. Plain functions rather than components: each component type costs the
/// plugin's bundle about a kilobyte.
pub fn contact_links(env: &AppEnv, contacts: &[ContactRef]) -> Html {
    contacts
        .iter()
        .enumerate()
        .map(|(i, c)| html! { <>{ if i > 0 { ", " } else { "" } }{ contact_link(env, c) }</> })
        .collect()
}

fn contact_link(env: &AppEnv, c: &ContactRef) -> Html {
    let name = html! { <bdi>{ c.name.clone() }</bdi> };
    let id = c.id.clone();
    match env.host.contact_link(&c.id) {
        ContactOpen::Url(href) => html! {
            <a href={href} target="_blank" rel="noopener noreferrer" data-testid="contact-link" data-contact-id={id}>{ name }</a>
        },
        ContactOpen::Route => {
            let host = env.host.clone();
            let target = id.clone();
            let onclick = Callback::from(move |_: MouseEvent| host.open_contact(&target));
            // A button: it acts through the host, there is no address to open in a new tab.
            html! { <button type="button" class="link" {onclick} data-testid="contact-link" data-contact-id={id}>{ name }</button> }
        }
        ContactOpen::NotOpenable => {
            html! { <span data-testid="contact-link" data-contact-id={id}>{ name }</span> }
        }
    }
}
