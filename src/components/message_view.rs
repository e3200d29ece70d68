use telegram_relay_api::{Direction, Media, MediaKind, Message};
use yew::prelude::*;

use crate::components::message_text::MessageText;
use crate::context::use_env;
use crate::i18n::{Locale, Text};
use crate::time;

/// Props of [`MessageView`].
#[derive(Properties, PartialEq, Clone)]
pub struct MessageViewProps {
    /// The message.
    pub message: Message,
}

/// One message: quoted reply, media placeholder, text, time and edited/deleted marks.
#[function_component]
pub fn MessageView(props: &MessageViewProps) -> Html {
    let env = use_env();
    let m = &props.message;
    let (class, who) = match m.direction {
        Direction::In => ("msg in", env.t(Text::Incoming)),
        Direction::Out => ("msg out", env.t(Text::Outgoing)),
    };
    let class = classes!(class, m.deleted.then_some("deleted"));
    let reply = m.reply_to.as_ref().map(|r| {
        let quoted = r
            .text
            .clone()
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| env.t(Text::UnknownMessage).into());
        html! {
            <blockquote class="reply" data-testid="reply">
                <span class="label">{ env.t(Text::ReplyTo) }{ ": " }</span>
                <span class="quoted" dir="auto">{ quoted }</span>
            </blockquote>
        }
    });
    let media = m
        .media
        .as_ref()
        .map(|media| media_placeholder(media, env.locale));
    let edited = m.edited_at.map(|at| {
        html! { <span class="mark" data-testid="edited" title={time::full(at, env.locale)}>{ env.t(Text::Edited) }</span> }
    });
    let deleted = m.deleted.then(
        || html! { <span class="mark" data-testid="deleted">{ env.t(Text::Deleted) }</span> },
    );
    html! {
        <li class={class} data-testid="message" data-mid={m.id.clone()} data-direction={if m.direction == Direction::In { "in" } else { "out" }}>
            <span class="sr-only">{ who }{ ": " }</span>
            { for reply }
            { for media }
            if m.deleted {
                <p class="deleted-note">{ env.t(Text::DeletedMessage) }</p>
            }
            if !m.text.is_empty() {
                <MessageText text={AttrValue::from(m.text.clone())} entities={m.entities.clone()} />
            }
            <footer>
                if let Some(agent) = &m.sent_by {
                    <span class="agent" data-testid="sent-by"><bdi>{ agent.clone() }</bdi></span>
                }
                <time datetime={time::iso(m.sent_at)} title={time::full(m.sent_at, env.locale)}>{ time::clock(m.sent_at, env.locale) }</time>
                { for edited }
                { for deleted }
            </footer>
        </li>
    }
}

/// A media kind's wire name (as the relay spells it, for `data-kind`), its icon and its label.
/// The icons are plain symbols that DejaVu Sans and the system fonts of every desktop carry, so
/// they never show as empty boxes where no emoji font is installed.
fn kind(kind: MediaKind) -> (&'static str, &'static str, Text) {
    match kind {
        MediaKind::Photo => ("photo", "▨", Text::MediaPhoto),
        MediaKind::Video => ("video", "▶", Text::MediaVideo),
        MediaKind::VideoNote => ("video_note", "◉", Text::MediaVideoNote),
        MediaKind::Animation => ("animation", "↻", Text::MediaAnimation),
        MediaKind::Voice => ("voice", "∿", Text::MediaVoice),
        MediaKind::Audio => ("audio", "♫", Text::MediaAudio),
        MediaKind::Document => ("document", "▤", Text::MediaDocument),
        MediaKind::Sticker => ("sticker", "☺", Text::MediaSticker),
        MediaKind::Location => ("location", "⚑", Text::MediaLocation),
        MediaKind::Venue => ("venue", "⌂", Text::MediaVenue),
        MediaKind::Contact => ("contact", "☎", Text::MediaContact),
        MediaKind::Poll => ("poll", "☰", Text::MediaPoll),
        MediaKind::Other => ("other", "▣", Text::MediaOther),
    }
}

/// "Voice message · 0:07", "File · contract.pdf": a label, never the media itself.
fn media_placeholder(media: &Media, locale: Locale) -> Html {
    let (name, icon, label) = kind(media.kind);
    let mut parts = vec![label.get(locale).to_string()];
    if let Some(name) = media.file_name.as_ref().or(media.title.as_ref()) {
        parts.push(name.clone());
    }
    if let Some(d) = media.duration_seconds {
        parts.push(format!("{}:{:02}", d / 60, d % 60));
    }
    html! {
        <div class="media" data-testid="media" data-kind={name}>
            <span class="media-icon" aria-hidden="true">{ icon }</span>
            <span dir="auto">{ parts.join(" · ") }</span>
        </div>
    }
}
