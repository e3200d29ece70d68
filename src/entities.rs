//! Telegram message entities → a tree of safe display nodes.
//!
//! Telegram gives entity offsets and lengths in UTF-16 code units; Rust strings are UTF-8. This
//! module converts them (an emoji before an entity counts two units), nests entities (Telegram
//! promises proper nesting; hostile data may not keep it, so partial overlaps are clipped to the
//! enclosing entity), and decides which links are allowed: only `http`, `https` and `tg`. Nothing
//! here produces HTML text; the components turn [`Node`]s into DOM nodes with text content.

use telegram_relay_api::Entity;

/// How a run of text is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Style {
    /// `bold`.
    Bold,
    /// `italic`.
    Italic,
    /// `underline`.
    Underline,
    /// `strikethrough`.
    Strike,
    /// `spoiler`.
    Spoiler,
    /// Inline `code`.
    Code,
    /// A `pre` block, with its language when given.
    Pre(Option<String>),
    /// `blockquote` and `expandable_blockquote`.
    Quote,
    /// A link to an allowed URL.
    Link(String),
    /// A mention, hashtag, command, email or phone: marked, but not a link unless it got one above.
    Plain,
}

/// A display node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// Text, shown as a text node.
    Text(String),
    /// Styled children.
    Styled(Style, Vec<Node>),
}

/// The href for a link target, or `None` when the scheme is not `http`, `https` or `tg`.
/// A bare domain (`example.com/x`, as Telegram's `url` entities allow) becomes `https://…`.
pub fn safe_href(raw: &str) -> Option<String> {
    let url = raw.trim();
    if url.is_empty() || url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    match url.find(':') {
        Some(colon)
            if url[..colon]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            let scheme = url[..colon].to_ascii_lowercase();
            let allowed = matches!(scheme.as_str(), "http" | "https" | "tg");
            // `host:port/…` without a scheme has digits after the colon.
            let is_port = url[colon + 1..].starts_with(|c: char| c.is_ascii_digit());
            match (allowed, is_port) {
                (true, _) => Some(url.to_string()),
                (false, true) if !url.starts_with("//") => Some(format!("https://{url}")),
                _ => None,
            }
        }
        // No scheme: a domain if it has a dot before any slash and starts with a letter or digit.
        None => {
            let host = url.split(['/', '?', '#']).next().unwrap_or("");
            (host.contains('.') && url.starts_with(|c: char| c.is_alphanumeric()))
                .then(|| format!("https://{url}"))
        }
        Some(_) => None,
    }
}

/// `t.me` link for a username, when it is a valid one: 4–32 of `A–Z a–z 0–9 _` (ordinary
/// usernames have at least 5; collectible ones from Fragment can have 4). Anything else, such as
/// `a/../x` or markup, gets no link and is shown as text.
pub fn username_href(username: &str) -> Option<String> {
    let name = username.trim().trim_start_matches('@');
    let valid = (4..=32).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then(|| format!("https://t.me/{name}"))
}

/// Byte index in `text` of UTF-16 offset `units`, clamped to the text; an offset inside a surrogate
/// pair rounds down to the character's start.
pub fn utf16_to_byte(text: &str, units: usize) -> usize {
    let mut seen = 0;
    for (byte, c) in text.char_indices() {
        if seen >= units {
            return byte;
        }
        seen += c.len_utf16();
        if seen > units {
            return byte;
        }
    }
    text.len()
}

struct Span {
    start: usize,
    end: usize,
    style: Style,
}

fn style_of(e: &Entity, text: &str) -> Style {
    match e.kind.as_str() {
        "bold" => Style::Bold,
        "italic" => Style::Italic,
        "underline" => Style::Underline,
        "strikethrough" => Style::Strike,
        "spoiler" => Style::Spoiler,
        "code" => Style::Code,
        "pre" => Style::Pre(e.language.clone().filter(|l| !l.is_empty())),
        "blockquote" | "expandable_blockquote" => Style::Quote,
        "url" => safe_href(text).map_or(Style::Plain, Style::Link),
        "text_link" => e
            .url
            .as_deref()
            .and_then(safe_href)
            .map_or(Style::Plain, Style::Link),
        "mention" => username_href(text).map_or(Style::Plain, Style::Link),
        "text_mention" => e
            .user_id
            .map_or(Style::Plain, |id| Style::Link(format!("tg://user?id={id}"))),
        _ => Style::Plain,
    }
}

/// Builds the display tree of `text` with `entities`.
pub fn render(text: &str, entities: &[Entity]) -> Vec<Node> {
    let mut spans: Vec<Span> = entities
        .iter()
        .filter_map(|e| {
            // Added in u32 with saturation: on wasm32 `usize` is 32 bits, so `offset + length` of a
            // hostile entity (both near u32::MAX) would overflow there and take the message down.
            let start = utf16_to_byte(text, e.offset as usize);
            let end = utf16_to_byte(text, e.offset.saturating_add(e.length) as usize);
            (start < end).then(|| Span {
                start,
                end,
                style: style_of(e, &text[start..end]),
            })
        })
        .collect();
    // Outer entities first: by start, then longest.
    // Insertion sort: messages carry a handful of entities, and a std sort would add kilobytes.
    for i in 1..spans.len() {
        let mut j = i;
        while j > 0
            && (spans[j - 1].start, std::cmp::Reverse(spans[j - 1].end))
                > (spans[j].start, std::cmp::Reverse(spans[j].end))
        {
            spans.swap(j - 1, j);
            j -= 1;
        }
    }
    let mut pos = 0;
    build(text, &spans, &mut 0, text.len(), &mut pos)
}

/// Consumes spans starting before `limit` into nodes covering `pos..limit`.
fn build(text: &str, spans: &[Span], next: &mut usize, limit: usize, pos: &mut usize) -> Vec<Node> {
    let mut out = Vec::new();
    while *next < spans.len() && spans[*next].start < limit {
        let span = &spans[*next];
        *next += 1;
        let start = span.start.max(*pos);
        let end = span.end.min(limit);
        if start >= end {
            continue; // fully inside text already emitted (a partial overlap was clipped)
        }
        if *pos < start {
            out.push(Node::Text(text[*pos..start].to_string()));
        }
        *pos = start;
        let children = build(text, spans, next, end, pos);
        out.push(Node::Styled(span.style.clone(), children));
    }
    if *pos < limit {
        out.push(Node::Text(text[*pos..limit].to_string()));
        *pos = limit;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(kind: &str, offset: u32, length: u32) -> Entity {
        Entity {
            kind: kind.into(),
            offset,
            length,
            url: None,
            user_id: None,
            language: None,
            custom_emoji_id: None,
        }
    }

    fn t(s: &str) -> Node {
        Node::Text(s.into())
    }

    fn s(style: Style, children: Vec<Node>) -> Node {
        Node::Styled(style, children)
    }

    #[test]
    fn utf16_offsets() {
        // "😀" is 2 UTF-16 units and 4 bytes; "é" is 1 unit and 2 bytes.
        let text = "😀é bold";
        let cases = [(0, 0), (1, 0), (2, 4), (3, 6), (4, 7), (8, 11), (99, 11)];
        for (units, byte) in cases {
            assert_eq!(utf16_to_byte(text, units), byte, "unit {units}");
        }
    }

    #[test]
    fn entities_after_emoji() {
        // Bold "bold" starts at UTF-16 offset 4 (2 for the emoji, 1 for é, 1 for the space).
        let got = render("😀é bold!", &[e("bold", 4, 4)]);
        assert_eq!(
            got,
            vec![t("😀é "), s(Style::Bold, vec![t("bold")]), t("!")]
        );
    }

    #[test]
    fn nesting_and_partial_overlap() {
        let got = render("abcdef", &[e("bold", 0, 4), e("italic", 1, 2)]);
        assert_eq!(
            got,
            vec![
                s(
                    Style::Bold,
                    vec![t("a"), s(Style::Italic, vec![t("bc")]), t("d")]
                ),
                t("ef")
            ]
        );
        // Hostile: italic 2..6 overlaps bold 0..4 partially; it is clipped to 2..4, the rest is plain.
        let got = render("abcdef", &[e("bold", 0, 4), e("italic", 2, 4)]);
        assert_eq!(
            got,
            vec![
                s(Style::Bold, vec![t("ab"), s(Style::Italic, vec![t("cd")])]),
                t("ef")
            ]
        );
        // Out of range and empty entities are dropped.
        let got = render("ab", &[e("bold", 5, 3), e("italic", 1, 0)]);
        assert_eq!(got, vec![t("ab")]);
        // Regression: an end past u32::MAX is clamped to the text, not overflowed.
        let got = render(
            "ab",
            &[e("bold", 1, u32::MAX), e("italic", u32::MAX, u32::MAX)],
        );
        assert_eq!(got, vec![t("a"), s(Style::Bold, vec![t("b")])]);
    }

    #[test]
    fn links_only_for_http_https_tg() {
        let link = |kind: &str, text: &str, url: Option<&str>| {
            let mut ent = e(kind, 0, text.encode_utf16().count() as u32);
            ent.url = url.map(String::from);
            render(text, &[ent])
        };
        let cases: &[(&str, &str, Option<&str>, Style)] = &[
            (
                "url",
                "https://example.com/a?b=1",
                None,
                Style::Link("https://example.com/a?b=1".into()),
            ),
            (
                "url",
                "example.com",
                None,
                Style::Link("https://example.com".into()),
            ),
            ("url", "javascript:alert(1)", None, Style::Plain),
            (
                "text_link",
                "click",
                Some("JavaScript:alert(1)"),
                Style::Plain,
            ),
            (
                "text_link",
                "click",
                Some(" java\tscript:alert(1)"),
                Style::Plain,
            ),
            (
                "text_link",
                "click",
                Some("data:text/html,<script>"),
                Style::Plain,
            ),
            ("text_link", "click", Some("vbscript:x"), Style::Plain),
            (
                "text_link",
                "click",
                Some("tg://resolve?domain=x"),
                Style::Link("tg://resolve?domain=x".into()),
            ),
            (
                "text_link",
                "click",
                Some("HTTP://EXAMPLE.COM"),
                Style::Link("HTTP://EXAMPLE.COM".into()),
            ),
            (
                "mention",
                "@lucia_fg",
                None,
                Style::Link("https://t.me/lucia_fg".into()),
            ),
            ("mention", "@a\"b", None, Style::Plain),
            ("email", "a@b.c", None, Style::Plain),
            ("hashtag", "#tag", None, Style::Plain),
        ];
        for (kind, text, url, want) in cases {
            let got = link(kind, text, *url);
            assert_eq!(
                got,
                vec![s(want.clone(), vec![t(text)])],
                "{kind} {text:?} {url:?}"
            );
        }
        let mut m = e("text_mention", 0, 3);
        m.user_id = Some(telegram_identity::SenderId::new(42).unwrap());
        assert_eq!(
            render("Jon", &[m]),
            vec![s(Style::Link("tg://user?id=42".into()), vec![t("Jon")])]
        );
    }

    #[test]
    fn usernames() {
        for (name, want) in [
            ("lucia_fg", Some("https://t.me/lucia_fg")),
            ("@andrey_iv", Some("https://t.me/andrey_iv")),
            ("a/../x", None),
            ("<img src=x>", None),
            ("", None),
        ] {
            assert_eq!(username_href(name).as_deref(), want, "{name:?}");
        }
    }
}
