use telegram_relay_api::Entity;
use yew::prelude::*;

use crate::entities::{Node, Style, render};

/// Props of [`MessageText`].
#[derive(Properties, PartialEq, Clone)]
pub struct MessageTextProps {
    /// The message text.
    pub text: AttrValue,
    /// Its Telegram entities (UTF-16 offsets).
    #[prop_or_default]
    pub entities: Vec<Entity>,
}

/// Message text with Telegram formatting, built as DOM nodes: text is only ever text content, links
/// only `http`, `https`, `tg`. Isolated (`dir="auto"`, `unicode-bidi: isolate`) so direction overrides in
/// the text cannot spill into the sidebar.
#[function_component]
pub fn MessageText(props: &MessageTextProps) -> Html {
    let nodes = render(&props.text, &props.entities);
    html! { <div class="text" dir="auto">{ for nodes.iter().map(node) }</div> }
}

fn node(n: &Node) -> Html {
    match n {
        Node::Text(t) => html! { { t.clone() } },
        Node::Styled(style, children) => {
            let inner: Html = children.iter().map(node).collect();
            match style {
                Style::Bold => html! { <strong>{ inner }</strong> },
                Style::Italic => html! { <em>{ inner }</em> },
                Style::Underline => html! { <u>{ inner }</u> },
                Style::Strike => html! { <s>{ inner }</s> },
                Style::Spoiler => html! { <span class="spoiler" tabindex="0">{ inner }</span> },
                Style::Code => html! { <code>{ inner }</code> },
                Style::Pre(lang) => {
                    html! { <pre><code data-lang={lang.clone()}>{ inner }</code></pre> }
                }
                Style::Quote => html! { <blockquote>{ inner }</blockquote> },
                Style::Link(href) => html! {
                    <a href={href.clone()} target="_blank" rel="noopener noreferrer nofollow">{ inner }</a>
                },
                Style::Plain => html! { <span class="entity">{ inner }</span> },
            }
        }
    }
}
