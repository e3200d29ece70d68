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

/// The wire name of a media kind (as the relay spells it), for `data-kind`.
fn kind_name(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Photo => "photo",
        MediaKind::Video => "video",
        MediaKind::VideoNote => "video_note",
        MediaKind::Animation => "animation",
        MediaKind::Voice => "voice",
        MediaKind::Audio => "audio",
        MediaKind::Document => "document",
        MediaKind::Sticker => "sticker",
        MediaKind::Location => "location",
        MediaKind::Venue => "venue",
        MediaKind::Contact => "contact",
        MediaKind::Poll => "poll",
        MediaKind::Other => "other",
    }
}

fn media_label(kind: MediaKind) -> Text {
    match kind {
        MediaKind::Photo => Text::MediaPhoto,
        MediaKind::Video => Text::MediaVideo,
        MediaKind::VideoNote => Text::MediaVideoNote,
        MediaKind::Animation => Text::MediaAnimation,
        MediaKind::Voice => Text::MediaVoice,
        MediaKind::Audio => Text::MediaAudio,
        MediaKind::Document => Text::MediaDocument,
        MediaKind::Sticker => Text::MediaSticker,
        MediaKind::Location => Text::MediaLocation,
        MediaKind::Venue => Text::MediaVenue,
        MediaKind::Contact => Text::MediaContact,
        MediaKind::Poll => Text::MediaPoll,
        MediaKind::Other => Text::MediaOther,
    }
}

/// "Voice message · 0:07", "File · contract.pdf": a label, never the media itself.
fn media_placeholder(media: &Media, locale: Locale) -> Html {
    let mut parts = vec![media_label(media.kind).get(locale).to_string()];
    if let Some(name) = media.file_name.as_ref().or(media.title.as_ref()) {
        parts.push(name.clone());
    }
    if let Some(d) = media.duration_seconds {
        parts.push(format!("{}:{:02}", d / 60, d % 60));
    }
    html! {
        <div class="media" data-testid="media" data-kind={kind_name(media.kind)}>
            <span class="media-icon" aria-hidden="true">{ "▣" }</span>
            <span dir="auto">{ parts.join(" · ") }</span>
        </div>
    }
}
