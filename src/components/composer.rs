use telegram_relay_api::ErrorCode;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::context::use_env;
use crate::i18n::{Text, fill};
use crate::state::conversation::{Action, Conversation};

/// Telegram's limit, in UTF-16 code units (as the relay counts).
const MAX_TEXT: usize = telegram_relay_api::MAX_REPLY_UTF16;
/// The counter shows from here on.
const COUNT_FROM: usize = 3_500;

/// Props of [`Composer`].
#[derive(Properties, PartialEq, Clone)]
pub struct ComposerProps {
    /// The conversation the reply joins.
    pub conv: UseReducerHandle<Conversation>,
}

/// A new random client ID for a reply (the relay sends each at most once).
fn client_id() -> String {
    let now = js_sys::Date::now() as u64;
    let random = (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
    format!("r{now:x}{random:08x}")
}

/// What the composer says when replying is not possible now.
pub fn closed_text(code: ErrorCode) -> Text {
    match code {
        ErrorCode::ReplyWindowClosed => Text::ReplyWindowClosed,
        ErrorCode::BusinessConnectionDisabled => Text::ReplyConnectionOff,
        ErrorCode::NoBotToken => Text::ReplyNoToken,
        _ => Text::ReplyMustWriteFirst,
    }
}

/// The reply box under the conversation: Enter sends, Shift+Enter adds a line; a counter near
/// Telegram's limit; disabled, with the reason, when the relay said no reply can go out now.
#[function_component]
pub fn Composer(props: &ComposerProps) -> Html {
    let env = use_env();
    let text = use_state(String::new);
    let input = use_node_ref();
    let closed = props.conv.closed;
    let units = text.encode_utf16().count();
    let too_long = units > MAX_TEXT;
    let send = {
        let (conv, text, input) = (props.conv.clone(), text.clone(), input.clone());
        move || {
            let body = (*text).clone();
            if body.trim().is_empty() || body.encode_utf16().count() > MAX_TEXT {
                return;
            }
            conv.dispatch(Action::Send {
                client_id: client_id(),
                text: body,
            });
            text.set(String::new());
            if let Some(el) = input.cast::<HtmlTextAreaElement>() {
                el.set_value("");
                let _ = el.focus();
            }
        }
    };
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            let el: HtmlTextAreaElement = e.target_unchecked_into();
            text.set(el.value());
        })
    };
    let onkeydown = {
        let send = send.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
                e.prevent_default();
                send();
            }
        })
    };
    let onsubmit = Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        send();
    });
    let hint = match closed {
        Some(code) => {
            html! { <p id="reply-hint" class="banner warn small" role="status" data-testid="reply-closed">{ env.t(closed_text(code)) }</p> }
        }
        None => html! { <p id="reply-hint" class="muted small">{ env.t(Text::ReplyHint) }</p> },
    };
    html! {
        <form class="composer" onsubmit={onsubmit} data-testid="composer">
            <label for="reply-input" class="sr-only">{ env.t(Text::ReplyLabel) }</label>
            <textarea id="reply-input" data-testid="reply-input" ref={input} rows="2"
                placeholder={env.t(Text::ReplyPlaceholder)} disabled={closed.is_some()}
                aria-describedby="reply-hint" aria-invalid={if too_long { "true" } else { "false" }}
                oninput={oninput} onkeydown={onkeydown} value={(*text).clone()} />
            <div class="row">
                if units >= COUNT_FROM {
                    <span class={classes!("small", if too_long { "field-error" } else { "muted" })} data-testid="reply-count" aria-live="polite">
                        { fill(env.t(Text::ReplyCount), &[&units.to_string(), &MAX_TEXT.to_string()]) }
                    </span>
                }
                <button type="submit" data-testid="reply-send"
                    disabled={closed.is_some() || too_long || text.trim().is_empty()}>{ env.t(Text::ReplySend) }</button>
            </div>
            { hint }
        </form>
    }
}
