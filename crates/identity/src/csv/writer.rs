//! Writing CSV that spreadsheets open safely and CRMs import exactly.

use std::borrow::Cow;

use crate::TelegramPerson;
use crate::matching::{Proposal, Reason};

/// The header of the Telegram contact-info export.
pub const TELEGRAM_CONTACTS_HEADER: [&str; 5] =
    ["First Name", "Last Name", "Phone", "Username", "senderId"];

/// Writes the Telegram contact-info export: `First Name,Last Name,Phone,Username,senderId`.
///
/// The output starts with a UTF-8 byte-order mark (so that Excel reads it as UTF-8), separates
/// fields with `,` and ends records with CRLF, as RFC 4180 says.
///
/// * **senderId** is written as plain digits inside quotes (`"7100000001"`). Plain digits are what a
///   CRM import must receive: any decoration (`="…"`, an apostrophe, a `user` prefix) would be stored
///   verbatim in the CRM field. Quoting marks the cell as text for readers that honour it (LibreOffice's
///   "format quoted field as text", pandas with `dtype=str`), and is transparent to every RFC 4180
///   reader. Excel ignores quotes when it guesses types; it keeps 15 significant digits, so every
///   ID below 10^15 (all Telegram IDs issued so far have at most 10 digits) survives opening in Excel
///   exactly. See the crate README for opening the file in Excel with the column typed as text.
/// * **Formula injection**: a cell that a spreadsheet would run as a formula (starting with `=`, `+`,
///   `-`, `@`, tab or carriage return) gets a leading apostrophe, and so does a cell that already
///   starts with an apostrophe; [`read_telegram_contacts`](super::read_telegram_contacts) removes it
///   again, so the file round-trips exactly.
pub fn write_telegram_contacts(people: &[TelegramPerson]) -> String {
    let mut out = String::with_capacity(16 + people.len() * 64);
    out.push('\u{FEFF}');
    write_record(
        &mut out,
        TELEGRAM_CONTACTS_HEADER.iter().map(|h| Cow::Borrowed(*h)),
        &[],
    );
    for p in people {
        let id = p.sender_id.to_string();
        let fields = [
            neutralise(&p.first_name),
            neutralise(&p.last_name),
            neutralise(p.phone.as_deref().unwrap_or("")),
            neutralise(p.username.as_deref().unwrap_or("")),
            Cow::Owned(id),
        ];
        write_record(&mut out, fields.into_iter(), &[4]);
    }
    out
}

/// The header of [`write_assignment`].
pub const ASSIGNMENT_HEADER: [&str; 5] = ["crm_id", "sender_id", "score", "tier", "reasons"];

/// Writes proposals as `crm_id,sender_id,score,tier,reasons` (the `telegram-match` output), with
/// the same safety as [`write_telegram_contacts`]: UTF-8 byte-order mark, CRLF, quoted
/// `sender_id`, formula cells neutralised. `reasons` joins [`Reason::describe`] phrases with `; `.
///
/// [`Reason::describe`]: crate::matching::Reason::describe
pub fn write_assignment(proposals: &[Proposal]) -> String {
    let mut out = String::with_capacity(16 + proposals.len() * 96);
    out.push('\u{FEFF}');
    write_record(
        &mut out,
        ASSIGNMENT_HEADER.iter().map(|h| Cow::Borrowed(*h)),
        &[],
    );
    for p in proposals {
        let fields = [
            neutralise(&p.crm_id).into_owned(),
            p.sender_id.to_string(),
            format!("{:.3}", p.score),
            p.tier.to_string(),
            neutralise(&Reason::describe_all(&p.reasons)).into_owned(),
        ];
        write_record(&mut out, fields.into_iter().map(Cow::Owned), &[1]);
    }
    out
}

/// Prefixes an apostrophe to a cell a spreadsheet would treat as a formula.
pub(crate) fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Undoes [`neutralise`].
pub(crate) fn unneutralise(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']) => rest,
        _ => cell,
    }
}

/// Appends one record; `always_quote` lists the field positions quoted even when not needed.
pub(crate) fn write_record<'a>(
    out: &mut String,
    fields: impl Iterator<Item = Cow<'a, str>>,
    always_quote: &[usize],
) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        let needs_quotes = always_quote.contains(&i)
            || field.contains([',', ';', '"', '\n', '\r'])
            || field.starts_with(' ')
            || field.ends_with(' ');
        if needs_quotes {
            out.push('"');
            for c in field.chars() {
                if c == '"' {
                    out.push('"');
                }
                out.push(c);
            }
            out.push('"');
        } else {
            out.push_str(&field);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::person;

    /// `expected` lists the records; each ends with CRLF in the output.
    fn check(people: &[TelegramPerson], expected: &[&str]) {
        let got = write_telegram_contacts(people);
        let got = got.strip_prefix('\u{FEFF}').expect("starts with a BOM");
        let expected: String = expected.iter().map(|r| format!("{r}\r\n")).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn writes_header_and_rows() {
        check(&[], &["First Name,Last Name,Phone,Username,senderId"]);
        check(
            &[
                person(
                    7100000001,
                    "Lucía",
                    "Fernández García",
                    Some("lucia_fg"),
                    Some("+34 612 345 678"),
                ),
                person(7100000002, "Андрей", "Иванов", Some("andrey_iv"), None),
                person(7100000006, "", "", None, None),
            ],
            &[
                "First Name,Last Name,Phone,Username,senderId",
                "Lucía,Fernández García,'+34 612 345 678,lucia_fg,\"7100000001\"",
                "Андрей,Иванов,,andrey_iv,\"7100000002\"",
                ",,,,\"7100000006\"",
            ],
        );
    }

    #[test]
    fn quotes_and_neutralises() {
        check(
            &[
                person(1, "=HYPERLINK(\"http://x\")", "-2+3", None, None),
                person(2, "@SUM(A1)", "\tTab", Some("+cmd|' /C calc'!A0"), None),
                person(3, "'quoted", "a,b", None, Some("line\nbreak")),
                person(4, " padded ", "semi;colon", None, None),
            ],
            &[
                "First Name,Last Name,Phone,Username,senderId",
                "\"'=HYPERLINK(\"\"http://x\"\")\",'-2+3,,,\"1\"",
                "'@SUM(A1),'\tTab,,'+cmd|' /C calc'!A0,\"2\"",
                "''quoted,\"a,b\",\"line\nbreak\",,\"3\"",
                "\" padded \",\"semi;colon\",,,\"4\"",
            ],
        );
    }

    #[test]
    fn neutralise_round_trips() {
        for cell in [
            "", "a", "=1", "+34", "-", "@x", "\t", "\r", "'", "''=", "'a", "O'Neil",
        ] {
            assert_eq!(unneutralise(&neutralise(cell)), cell, "{cell:?}");
        }
    }
}
