//! The two CSV formats: CRM contact exports and the Telegram contact-info export.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::reader::{RawRow, RowError, read_table};
use super::writer::unneutralise;
use crate::{CrmContact, SenderId, TelegramPerson};

/// What a CSV read produced: the good records, and one error per skipped row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsvRead<T> {
    /// Records from the rows that were read.
    pub records: Vec<T>,
    /// One error per skipped row, in file order.
    pub errors: Vec<RowError>,
}

impl<T> CsvRead<T> {
    /// Number of rows skipped because of an error.
    pub fn skipped(&self) -> usize {
        self.errors.len()
    }
}

/// A CSV that cannot be read at all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CsvError {
    /// The text has no header line.
    NoHeader,
    /// No header names a column the format needs.
    MissingColumn {
        /// What the column holds.
        wanted: String,
        /// Header names accepted for it.
        accepted: Vec<String>,
        /// The header as found.
        found: Vec<String>,
    },
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CsvError::NoHeader => f.write_str(
                "the file is empty or has no header line: the first line must name the columns",
            ),
            CsvError::MissingColumn {
                wanted,
                accepted,
                found,
            } => write!(
                f,
                "no column holds the {wanted}: name one of the columns {} (found: {})",
                accepted.join(", "),
                if found.is_empty() {
                    "nothing".to_string()
                } else {
                    found.join(", ")
                },
            ),
        }
    }
}

impl std::error::Error for CsvError {}

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Id,
    ExternalId,
    Name,
    First,
    Last,
    Phone,
    Email,
    Username,
    SenderId,
}

/// Header names per field, compared after [`header_key`] (lowercase letters and digits only).
const SYNONYMS: &[(Field, &[&str])] = &[
    (
        Field::Id,
        &[
            "id",
            "contactid",
            "userid",
            "crmid",
            "recordid",
            "customerid",
        ],
    ),
    (Field::ExternalId, &["externalid"]),
    (
        Field::Name,
        &[
            "name",
            "fullname",
            "displayname",
            "contactname",
            "customername",
        ],
    ),
    (
        Field::First,
        &["firstname", "givenname", "first", "forename"],
    ),
    (Field::Last, &["lastname", "surname", "familyname", "last"]),
    (
        Field::Phone,
        &[
            "phone",
            "phones",
            "mobile",
            "mobilephone",
            "phonenumber",
            "mobilenumber",
            "cell",
            "cellphone",
            "telephone",
            "tel",
            "workphone",
            "homephone",
            "primaryphone",
        ],
    ),
    (
        Field::Email,
        &[
            "email",
            "emails",
            "emailaddress",
            "mail",
            "primaryemail",
            "workemail",
        ],
    ),
    (
        Field::Username,
        &[
            "username",
            "telegram",
            "telegramusername",
            "tgusername",
            "telegramhandle",
            "tg",
        ],
    ),
    (
        Field::SenderId,
        &[
            "senderid",
            "telegramid",
            "telegramuserid",
            "tguserid",
            "tgid",
        ],
    ),
];

/// `user_fields.Sender-ID` → `senderid`: the part after the last `.`, `:` or `[`, lowercase
/// letters and digits only.
fn header_key(header: &str) -> String {
    let tail = header.rsplit(['.', ':', '[']).next().unwrap_or(header);
    tail.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn classify(header: &[String]) -> Vec<Option<Field>> {
    header
        .iter()
        .map(|h| {
            let key = header_key(h);
            SYNONYMS
                .iter()
                .find(|(_, names)| names.contains(&key.as_str()))
                .map(|(f, _)| *f)
        })
        .collect()
}

fn missing(wanted: &str, fields: &[Field], header: &[String]) -> CsvError {
    let accepted = SYNONYMS
        .iter()
        .filter(|(f, _)| fields.contains(f))
        .flat_map(|(_, names)| names.iter().map(|n| n.to_string()))
        .collect();
    CsvError::MissingColumn {
        wanted: wanted.to_string(),
        accepted,
        found: header.to_vec(),
    }
}

/// Turns every row into a record with `record`, keeping file order; a row the tokenizer rejected,
/// or one `record` rejects, becomes an error naming its line, column and header instead.
fn collect_rows<T>(
    rows: Vec<Result<RawRow, RowError>>,
    header: &[String],
    mut record: impl FnMut(&RawRow) -> Result<T, RowError>,
) -> CsvRead<T> {
    let mut out = CsvRead {
        records: Vec::new(),
        errors: Vec::new(),
    };
    for row in rows {
        let result = row
            .map_err(|mut e| {
                e.column_name = header.get(e.column - 1).cloned();
                e
            })
            .and_then(|row| record(&row));
        match result {
            Ok(r) => out.records.push(r),
            Err(e) => out.errors.push(e),
        }
    }
    out
}

fn row_error(row: &RawRow, header: &[String], column: usize, message: String) -> RowError {
    RowError {
        line: row.line,
        column: column + 1,
        column_name: header.get(column).cloned(),
        message,
    }
}

/// Splits a cell that lists several values (`a@x.com; b@y.com`).
fn split_list(cell: &str) -> impl Iterator<Item = String> + '_ {
    cell.split([';', '|', '\n', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// Reads a CRM contact export (a Zendesk user export, or any CSV with recognisable headers).
///
/// Header names are matched case-insensitively, ignoring spaces, `_`, `-` and a prefix such as
/// `user_fields.`; synonyms: id (`id`, `contact id`, `user id`...), `external_id` (used when there
/// is empty; then the email, as in Zendesk's bulk-import format, where the email identifies the
/// user), name (`name`, `full name`...), first (`first name`, `given name`...), last
/// (`last name`, `surname`, `family name`...), phone (`phone`, `mobile`, `cell`..., several
/// columns allowed), email, username (`username`, `telegram`...) and senderId (`senderId`,
/// `sender_id`, `telegram id`...). Other columns are ignored.
///
/// A row without an id, or with a senderId that [`SenderId::parse`] rejects, is skipped with an
/// error naming its line and column; a contact with a broken senderId must not be re-matched.
pub fn read_crm_contacts(text: &str) -> Result<CsvRead<CrmContact>, CsvError> {
    let read = read_crm_contacts_with_sources(text)?;
    Ok(CsvRead {
        records: read.records.into_iter().map(|(c, _)| c).collect(),
        errors: read.errors,
    })
}

/// Which column gave a CRM contact its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdSource {
    /// The id column: the CRM's own ID.
    Id,
    /// The external id column: another system's ID, which the CRM must look up.
    ExternalId,
    /// The email column (Zendesk's bulk-import format identifies users by email).
    Email,
}

/// [`read_crm_contacts`] that also says, per contact, which column its id came from: a numeric
/// external id is not the CRM's ID, and must not be written to as one.
pub fn read_crm_contacts_with_sources(
    text: &str,
) -> Result<CsvRead<(CrmContact, IdSource)>, CsvError> {
    let (header, rows) = read_table(text).ok_or(CsvError::NoHeader)?;
    let kinds = classify(&header);
    // Where the contact's id comes from, in order: id, external id, email (the first non-empty).
    let id_cols: Vec<usize> = [Field::Id, Field::ExternalId, Field::Email]
        .iter()
        .flat_map(|f| {
            kinds
                .iter()
                .enumerate()
                .filter(move |(_, k)| **k == Some(*f))
                .map(|(i, _)| i)
        })
        .collect();
    if id_cols.is_empty() {
        return Err(missing(
            "contact id",
            &[Field::Id, Field::ExternalId, Field::Email],
            &header,
        ));
    }
    Ok(collect_rows(rows, &header, |row| {
        crm_row(row, &header, &kinds, &id_cols)
    }))
}

fn crm_row(
    row: &RawRow,
    header: &[String],
    kinds: &[Option<Field>],
    id_cols: &[usize],
) -> Result<(CrmContact, IdSource), RowError> {
    let Some((id, source)) = id_cols
        .iter()
        .map(|&i| (row.fields[i].trim(), kinds[i]))
        .find(|(v, _)| !v.is_empty())
        .map(|(v, kind)| {
            let source = match kind {
                Some(Field::Id) => IdSource::Id,
                Some(Field::ExternalId) => IdSource::ExternalId,
                _ => IdSource::Email,
            };
            (v, source)
        })
    else {
        let message =
            "the contact has no id (nor external id or email): every contact needs one".to_string();
        return Err(row_error(row, header, id_cols[0], message));
    };
    let mut contact = CrmContact {
        id: id.to_string(),
        ..CrmContact::default()
    };
    let (mut first, mut last) = (String::new(), String::new());
    for (i, (kind, cell)) in kinds.iter().zip(&row.fields).enumerate() {
        let cell = unneutralise(cell.trim()).trim();
        if cell.is_empty() {
            continue;
        }
        match kind {
            Some(Field::Name) if contact.name.is_empty() => contact.name = cell.to_string(),
            Some(Field::First) if first.is_empty() => first = cell.to_string(),
            Some(Field::Last) if last.is_empty() => last = cell.to_string(),
            Some(Field::Phone) => contact.phones.extend(split_list(cell)),
            Some(Field::Email) => contact.emails.extend(split_list(cell)),
            Some(Field::Username) if contact.username.is_none() => {
                contact.username = Some(cell.to_string())
            }
            Some(Field::SenderId) if contact.sender_id.is_none() => match SenderId::parse(cell) {
                Ok(id) => contact.sender_id = Some(id),
                Err(e) => {
                    let message = format!("{cell:?} is not a valid senderId: {e}");
                    return Err(row_error(row, header, i, message));
                }
            },
            _ => {}
        }
    }
    if contact.name.is_empty() {
        contact.name = match (first.is_empty(), last.is_empty()) {
            (false, false) => format!("{first} {last}"),
            (false, true) => first,
            _ => last,
        };
    }
    Ok((contact, source))
}

/// Reads the Telegram contact-info export written by
/// [`write_telegram_contacts`](super::write_telegram_contacts), or the same columns from elsewhere
/// (any order, same synonyms as [`read_crm_contacts`]; a single name column is split at the first
/// space). Only the senderId column is required. Apostrophes added against formula injection are
/// removed again; other text is kept as written; empty phone and username cells become `None`.
pub fn read_telegram_contacts(text: &str) -> Result<CsvRead<TelegramPerson>, CsvError> {
    let (header, rows) = read_table(text).ok_or(CsvError::NoHeader)?;
    let kinds = classify(&header);
    let id_col = kinds
        .iter()
        .position(|k| *k == Some(Field::SenderId))
        .ok_or_else(|| missing("senderId", &[Field::SenderId], &header))?;
    Ok(collect_rows(rows, &header, |row| {
        let cell = |i: usize| unneutralise(&row.fields[i]).to_string();
        let sender_id = SenderId::parse(&row.fields[id_col]).map_err(|e| {
            let message = format!("{:?} is not a valid senderId: {e}", row.fields[id_col]);
            row_error(row, &header, id_col, message)
        })?;
        let mut person = TelegramPerson {
            sender_id,
            first_name: String::new(),
            last_name: String::new(),
            username: None,
            phone: None,
        };
        let mut full_name = None;
        for (i, kind) in kinds.iter().enumerate() {
            match kind {
                Some(Field::First) => person.first_name = cell(i),
                Some(Field::Last) => person.last_name = cell(i),
                Some(Field::Name) => full_name = Some(cell(i)),
                Some(Field::Phone) if person.phone.is_none() => {
                    person.phone = Some(cell(i)).filter(|p| !p.is_empty())
                }
                Some(Field::Username) if person.username.is_none() => {
                    person.username = Some(cell(i)).filter(|u| !u.is_empty())
                }
                _ => {}
            }
        }
        if let Some(name) =
            full_name.filter(|_| person.first_name.is_empty() && person.last_name.is_empty())
        {
            let (first, last) = name.trim().split_once(' ').unwrap_or((name.trim(), ""));
            person.first_name = first.to_string();
            person.last_name = last.trim().to_string();
        }
        Ok(person)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv::write_telegram_contacts;

    /// Renders contacts one per line as `id|name|phones|emails|username|senderId`, then errors.
    fn render_crm(text: &str) -> String {
        let read = match read_crm_contacts(text) {
            Ok(read) => read,
            Err(e) => return format!("error: {e}"),
        };
        let mut lines: Vec<String> = read
            .records
            .iter()
            .map(|c| {
                format!(
                    "{}|{}|{}|{}|{}|{}",
                    c.id,
                    c.name,
                    c.phones.join(","),
                    c.emails.join(","),
                    c.username.as_deref().unwrap_or(""),
                    c.sender_id.map(|s| s.to_string()).unwrap_or_default()
                )
            })
            .collect();
        lines.extend(
            read.errors
                .iter()
                .map(|e| format!("! {}", e.to_string().split(':').next().unwrap())),
        );
        lines.join("\n")
    }

    fn check_crm(text: &str, expected: &str) {
        assert_eq!(render_crm(text), expected, "input: {text:?}");
    }

    #[test]
    fn each_contact_says_which_column_gave_its_id() {
        let read = read_crm_contacts_with_sources(
            "id,external_id,email,name\n20001,,,A\n,48213,b@example.com,B\n,,c@example.com,C\n",
        )
        .unwrap();
        let got: Vec<(&str, IdSource)> = read
            .records
            .iter()
            .map(|(c, s)| (c.id.as_str(), *s))
            .collect();
        assert_eq!(
            got,
            [
                ("20001", IdSource::Id),
                ("48213", IdSource::ExternalId),
                ("c@example.com", IdSource::Email)
            ]
        );
    }

    #[test]
    fn reads_zendesk_bulk_import_format() {
        // The columns of Zendesk's user bulk-import CSV (support.zendesk.com "Bulk importing
        // users"), custom user fields as `custom_fields.<key>`: no id column, the email identifies.
        check_crm(
            "name,email,external_id,details,notes,phone,role,restriction,organization,tags,brand,custom_fields.senderId\n\
             Jon Perk,jon@example.co.uk,,,,+44 7700 900123,end-user,,,vip,,user7100000003\n\
             Ana Ruiz,ana@example.es,,\"Calle Mayor 1, Madrid\",,,end-user,,,,,\n",
            "jon@example.co.uk|Jon Perk|+44 7700 900123|jon@example.co.uk||7100000003\n\
             ana@example.es|Ana Ruiz||ana@example.es||",
        );
    }

    #[test]
    fn reads_zendesk_user_export() {
        // The fields of Zendesk's User object (Users API) flattened into columns, as a user export
        // writes them, with a `senderId` custom user field under `user_fields.`.
        let header = "id,url,name,email,created_at,updated_at,time_zone,iana_time_zone,phone,\
                      shared_phone_number,photo,locale_id,locale,organization_id,role,verified,\
                      external_id,tags,alias,active,shared,shared_agent,last_login_at,\
                      two_factor_auth_enabled,signature,details,notes,role_type,custom_role_id,\
                      moderator,ticket_restriction,only_private_comments,restricted_agent,suspended,\
                      default_group_id,report_csv,user_fields.senderId,user_fields.telegram";
        let row1 = "36000000001,https://acme.zendesk.com/api/v2/users/36000000001.json,\
                    Lucía Fernández García,lucia@example.es,2024-05-01T10:00:00Z,\
                    2024-05-02T10:00:00Z,Madrid,Europe/Madrid,+34 612 345 678,false,,1176,es,,\
                    end-user,true,CRM-0001,vip,,true,false,false,,false,,,,,,false,requested,true,\
                    false,false,,false,7100000001,@lucia_fg";
        let row2 = "36000000002,https://acme.zendesk.com/api/v2/users/36000000002.json,Jon Perk,\
                    jon@example.co.uk,2024-05-01T10:00:00Z,2024-05-02T10:00:00Z,London,\
                    Europe/London,07700 900123,false,,1,en-US,,end-user,true,,,,true,false,false,,\
                    false,,,,,,false,requested,true,false,false,,false,,";
        let row3 = "36000000003,https://acme.zendesk.com/api/v2/users/36000000003.json,Bad Id,,,,,,,\
                    false,,1,en-US,,end-user,true,,,,true,false,false,,false,,,,,,false,requested,\
                    true,false,false,,false,1.23457E+09,";
        check_crm(
            &format!("{header}\n{row1}\n{row2}\n{row3}\n"),
            "36000000001|Lucía Fernández García|+34 612 345 678|lucia@example.es|@lucia_fg|7100000001\n\
             36000000002|Jon Perk|07700 900123|jon@example.co.uk||\n\
             ! line 4, column 37 (user_fields.senderId)",
        );
    }

    #[test]
    fn matches_header_synonyms() {
        check_crm(
            "ID;Given Name;Family Name;Mobile;E-Mail\n7;Jon;Perk;0770;j@x",
            "7|Jon Perk|0770|j@x||",
        );
        check_crm(
            "Contact ID,First Name,Surname\n7,Jon,\n8,,Perk",
            "7|Jon||||\n8|Perk||||",
        );
        check_crm(
            "external_id,Full Name,sender_id\nX1,Jon Perk,user123",
            "X1|Jon Perk||||123",
        );
        check_crm("id,external_id,name\n1,X1,A", "1|A||||");
        check_crm(
            "id,Phone,Work Phone,Emails\n1,+1 555,+1 666,a@x; b@y",
            "1||+1 555,+1 666|a@x,b@y||",
        );
        check_crm(
            "id,Telegram ID,Telegram\n1,7 100 000 001,t.me/jon",
            "1||||t.me/jon|7100000001",
        );
        check_crm("id,name\n1,'=cmd", "1|=cmd||||");
    }

    #[test]
    fn reports_bad_rows_and_keeps_the_rest() {
        check_crm(
            "id,name,senderId\n1,A,-100123\n,B,\n3,C,@c_name\n4,\"D, Jr\",\n5,E,F,G",
            "4|D, Jr||||\n\
             ! line 2, column 3 (senderId)\n\
             ! line 3, column 1 (id)\n\
             ! line 4, column 3 (senderId)\n\
             ! line 6, column 4",
        );
        let read = read_crm_contacts("id,senderId\n1,0\n2,5").unwrap();
        assert_eq!(read.skipped(), 1);
        assert!(
            read.errors[0]
                .message
                .contains("0 is not a Telegram user ID"),
            "{:?}",
            read.errors
        );
    }

    #[test]
    fn fatal_errors_name_what_is_missing() {
        check_crm(
            "",
            "error: the file is empty or has no header line: the first line must name the columns",
        );
        let msg = render_crm("name,phone\nA,1");
        assert!(msg.contains("no column holds the contact id") && !msg.contains("external_id"));
        assert!(
            msg.contains("externalid") && msg.contains("found: name, phone"),
            "{msg}"
        );
    }

    #[test]
    fn telegram_export_round_trips() {
        let people = vec![
            TelegramPerson {
                sender_id: SenderId::new(7100000001).unwrap(),
                first_name: "Lucía".into(),
                last_name: "Fernández García".into(),
                username: Some("lucia_fg".into()),
                phone: Some("+34 612 345 678".into()),
            },
            TelegramPerson {
                sender_id: SenderId::new(SenderId::MAX).unwrap(),
                first_name: "=HYPERLINK(\"x\")".into(),
                last_name: "\"quoted\", with\r\nbreak".into(),
                username: None,
                phone: None,
            },
            TelegramPerson {
                sender_id: SenderId::new(1).unwrap(),
                first_name: "'apostrophe".into(),
                last_name: " padded ".into(),
                username: Some("@x".into()),
                phone: Some("-".into()),
            },
        ];
        let text = write_telegram_contacts(&people);
        let read = read_telegram_contacts(&text).unwrap();
        assert_eq!(read.errors, []);
        assert_eq!(read.records, people);
    }

    #[test]
    fn reads_telegram_contacts_from_elsewhere() {
        let read = read_telegram_contacts(
            "Name;Telegram ID;Username\nJon Perk;7100000003;\nAndrey;user7100000002;@andrey_iv\n\
             Bad;1.2e9;\n",
        )
        .unwrap();
        let got: Vec<String> = read
            .records
            .iter()
            .map(|p| {
                format!(
                    "{}|{}|{}|{:?}",
                    p.sender_id, p.first_name, p.last_name, p.username
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                "7100000003|Jon|Perk|None",
                "7100000002|Andrey||Some(\"@andrey_iv\")"
            ]
        );
        assert_eq!(read.skipped(), 1);
        assert_eq!(read.errors[0].line, 4);
        assert_eq!(read.errors[0].column_name.as_deref(), Some("Telegram ID"));
        let err = read_telegram_contacts("First Name,Last Name\nA,B").unwrap_err();
        assert!(err.to_string().contains("senderId"), "{err}");
    }
}
