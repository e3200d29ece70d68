use std::cell::RefCell;
use std::rc::Rc;

use telegram_identity::SenderId;
use telegram_relay_api::Message;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::composer::{Composer, closed_text};
use crate::components::error_banner::error_banner;
use crate::components::message_view::MessageView;
use crate::context::use_env;
use crate::hooks::use_conversation;
use crate::i18n::{Text, fill};
use crate::state::conversation::{Action, RowWindow, poll_delay_ms};
use crate::time;

/// Props of [`ConversationPanel`].
#[derive(Properties, PartialEq, Clone)]
pub struct ConversationPanelProps {
    /// Whose conversation.
    pub id: SenderId,
    /// An error the profile above already shows with its Retry: the same failure here is not
    /// shown twice.
    #[prop_or_default]
    pub covered_by: Option<crate::errors::AppError>,
    /// Changes when that Retry is clicked: the conversation loads again too.
    #[prop_or_default]
    pub retry_token: u32,
}

/// Distance in pixels from an edge at which the window moves or an older page loads.
const EDGE_PX: i32 = 120;

/// Keeps the view still while rows are added or removed above it: the row `mid` was `top` pixels
/// below the container's top before the change.
struct Anchor {
    mid: String,
    top: f64,
}

/// The conversation: newest at the bottom, grouped by day, older pages on scroll, polled for new
/// messages. Only a window of at most [`WINDOW`](crate::state::conversation::WINDOW) rows is in the DOM, so 10,000 messages cost what
/// 80 do; the window moves when the agent scrolls near its edges.
#[function_component]
pub fn ConversationPanel(props: &ConversationPanelProps) -> Html {
    let env = use_env();
    let conv = use_conversation(props.id);
    // Which rows are in the DOM (at the newest: following new messages).
    let window = use_state(RowWindow::default);
    let list_ref = use_node_ref();
    let anchor: Rc<RefCell<Option<Anchor>>> = use_mut_ref(|| None);
    let stick_to_bottom = use_mut_ref(|| true);

    let len = conv.messages.len();
    let range = window.range(len);

    // After each render: restore the anchor, or follow the newest message. If the view is still at
    // the top with rows above the window (an older page just arrived), move the window up.
    {
        let (list_ref, anchor, stick) = (list_ref.clone(), anchor.clone(), stick_to_bottom.clone());
        let (window, range) = (window.clone(), range.clone());
        let first_mid = conv.messages.get(range.start).map(|m| m.id.clone());
        use_effect(move || {
            if let Some(el) = list_ref.cast::<web_sys::HtmlElement>() {
                if let Some(a) = anchor.borrow_mut().take() {
                    if let Some(row) = find_row(&el, &a.mid) {
                        el.set_scroll_top(el.scroll_top() + (offset_in(&el, &row) - a.top) as i32);
                    }
                } else if *stick.borrow() {
                    el.set_scroll_top(el.scroll_height());
                } else if let Some(row) = first_mid
                    .as_deref()
                    .filter(|_| el.scroll_top() < EDGE_PX && range.start > 0)
                    .and_then(|m| find_row(&el, m))
                {
                    *anchor.borrow_mut() = Some(Anchor {
                        mid: first_mid.clone().unwrap_or_default(),
                        top: offset_in(&el, &row),
                    });
                    window.set(window.older(len));
                }
            }
        });
    }
    // A narrower or wider panel wraps the rows again: stay at the newest message if there.
    {
        let (list_ref, stick) = (list_ref.clone(), stick_to_bottom.clone());
        use_effect_with(len > 0, move |_| {
            let watch = list_ref.cast::<web_sys::Element>().and_then(|el| {
                let list = el.clone();
                crate::resize::watch_size(&el, move || {
                    if *stick.borrow() {
                        list.set_scroll_top(list.scroll_height());
                    }
                })
            });
            move || drop(watch)
        });
    }

    let onscroll = {
        let (conv, window, anchor, stick) = (
            conv.clone(),
            window.clone(),
            anchor.clone(),
            stick_to_bottom.clone(),
        );
        let first_mid = conv.messages.get(range.start).map(|m| m.id.clone());
        let last_mid = range
            .end
            .checked_sub(1)
            .and_then(|i| conv.messages.get(i))
            .map(|m| m.id.clone());
        let range = range.clone();
        Callback::from(move |e: Event| {
            let Some(el) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
            else {
                return;
            };
            let bottom_gap = el.scroll_height() - el.scroll_top() - el.client_height();
            *stick.borrow_mut() = bottom_gap < 8 && window.at_newest();
            let remember = |mid: &Option<String>| {
                if let Some(row) = mid.as_deref().and_then(|m| find_row(&el, m)) {
                    *anchor.borrow_mut() = Some(Anchor {
                        mid: mid.clone().unwrap_or_default(),
                        top: offset_in(&el, &row),
                    });
                }
            };
            if el.scroll_top() < EDGE_PX {
                if range.start > 0 {
                    remember(&first_mid);
                    window.set(window.older(len));
                } else if conv.can_load_older() {
                    remember(&first_mid);
                    conv.dispatch(Action::LoadOlder);
                }
            } else if bottom_gap < EDGE_PX && !window.at_newest() {
                remember(&last_mid);
                window.set(window.newer());
            }
        })
    };

    let retry = {
        let conv = conv.clone();
        Callback::from(move |()| conv.dispatch(Action::Reset))
    };
    // The profile's Retry retries this too (one banner, one Retry for one cause).
    {
        let retry = retry.clone();
        let first = use_mut_ref(|| true);
        use_effect_with(props.retry_token, move |_| {
            if !std::mem::replace(&mut *first.borrow_mut(), false) {
                retry.emit(());
            }
        });
    }

    let pending = conv.pending.iter().map(|p| {
        let (state, status) = match &p.failed {
            None => ("sending", html! { <span role="status">{ env.t(Text::ReplySending) }</span> }),
            Some(f) => {
                // Say what to do in the agent's language: the relay's code when it gave one.
                let why = match f.code.filter(|c| crate::state::conversation::closes_composer(*c)) {
                    Some(code) => env.t(closed_text(code)).to_owned(),
                    None => crate::errors::AppError::Relay(f.error.clone()).message(env.locale),
                };
                let (retry, discard) = (p.client_id.clone(), p.client_id.clone());
                let (c1, c2) = (conv.clone(), conv.clone());
                (
                    "failed",
                    html! {
                        <span role="alert">
                            { fill(env.t(Text::ReplyFailed), &[&why]) }{ " " }
                            <button type="button" class="secondary" data-testid="pending-retry"
                                onclick={Callback::from(move |_| c1.dispatch(Action::RetrySend(retry.clone())))}>{ env.t(Text::Retry) }</button>
                            <button type="button" class="secondary" data-testid="pending-discard"
                                onclick={Callback::from(move |_| c2.dispatch(Action::Discard(discard.clone())))}>{ env.t(Text::ReplyDiscard) }</button>
                        </span>
                    },
                )
            }
        };
        html! {
            <li class="msg out pending" key={format!("pending-{}", p.client_id)} data-testid="pending-message" data-state={state}>
                <div class="text">{ p.text.clone() }</div>
                <footer>{ status }</footer>
            </li>
        }
    });
    let body = if !conv.loaded {
        match &conv.error {
            Some(err) if props.covered_by.as_ref().is_some_and(|c| c.same_cause(err)) => {
                html! { <p class="muted small" role="status" data-testid="conversation-not-loaded">{ env.t(Text::SameProblemAbove) }</p> }
            }
            Some(err) => html! { { error_banner(&env, err, Some(retry.clone()), None) } },
            None => html! { <p class="muted" role="status">{ env.t(Text::Loading) }</p> },
        }
    } else if len == 0 && conv.pending.is_empty() {
        html! { <p class="muted" data-testid="no-messages">{ env.t(Text::NoMessages) }</p> }
    } else {
        let rows = rows(&conv.messages, range.clone(), env.locale);
        html! {
            <ol class="messages" ref={list_ref} onscroll={onscroll} tabindex="0"
                aria-label={env.t(Text::ConversationTitle)} data-total={len.to_string()}
                data-window-start={range.start.to_string()}>
                if range.start == 0 && conv.older.is_none() {
                    <li class="edge muted" role="presentation">{ env.t(Text::StartOfConversation) }</li>
                } else if conv.loading_older {
                    <li class="edge muted" role="status">{ env.t(Text::LoadingOlder) }</li>
                }
                { rows }
                if window.at_newest() {
                    { for pending }
                }
            </ol>
        }
    };
    let later_error = conv.error.clone().filter(|_| conv.loaded);
    let polling = (conv.poll_failures > 0).then(|| {
        let secs = (poll_delay_ms(conv.poll_failures) / 1000).to_string();
        // Why, in words that say what to do (a wrong token, an unreachable relay).
        let why = conv
            .poll_error
            .as_ref()
            .map(|e| e.message(env.locale))
            .unwrap_or_default();
        html! { <p class="muted small" role="status" data-testid="polling-paused">{ fill(env.t(Text::PollingPaused), &[&secs]) }{ " " }{ why }</p> }
    });
    html! {
        <section class="conversation" data-testid="conversation" aria-labelledby="conversation-title">
            <h2 id="conversation-title">{ env.t(Text::ConversationTitle) }</h2>
            if let Some(err) = later_error {
                { error_banner(&env, &err, None, None) }
            }
            { body }
            { for polling }
            if conv.loaded {
                <Composer conv={conv.clone()} />
            }
        </section>
    }
}

/// Message rows of `range` with a day separator wherever the local day changes.
fn rows(messages: &[Message], range: std::ops::Range<usize>, locale: crate::i18n::Locale) -> Html {
    let mut out = Vec::with_capacity(range.len() + 8);
    let mut day = range
        .start
        .checked_sub(1)
        .map(|i| time::day_key(messages[i].sent_at));
    for m in &messages[range] {
        let d = time::day_key(m.sent_at);
        if day != Some(d) {
            day = Some(d);
            out.push(html! {
                <li class="day" role="separator" data-testid="day-separator" key={format!("day-{}-{}-{}", d.0, d.1, d.2)}>
                    <span>{ time::long_day(m.sent_at, locale) }</span>
                </li>
            });
        }
        out.push(html! { <MessageView key={m.id.clone()} message={m.clone()} /> });
    }
    out.into_iter().collect()
}

fn find_row(list: &web_sys::HtmlElement, mid: &str) -> Option<web_sys::HtmlElement> {
    let rows = list.children();
    (0..rows.length())
        .filter_map(|i| rows.item(i))
        .find(|r| r.get_attribute("data-mid").as_deref() == Some(mid))
        .and_then(|r| r.dyn_into().ok())
}

fn offset_in(list: &web_sys::HtmlElement, row: &web_sys::HtmlElement) -> f64 {
    row.get_bounding_client_rect().top() - list.get_bounding_client_rect().top()
}
