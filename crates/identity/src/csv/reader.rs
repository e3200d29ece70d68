//! An RFC 4180 reader: quoted fields with delimiters, newlines and doubled quotes; UTF-8 with or
//! without a byte-order mark; `,` or `;` detected from the header line; CRLF, LF or CR line ends.
//!
//! Lenient where spreadsheets are sloppy (a quote inside an unquoted field is kept as text; blank
//! lines are skipped), strict where data would shift (text after a closing quote, a quote never
//! closed, a row with more or fewer fields than the header). A bad row becomes a [`RowError`] and
//! reading continues with the next line.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One problem in one row: where, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// 1-based line where the row starts.
    pub line: usize,
    /// 1-based column (field number) of the problem.
    pub column: usize,
    /// The header name of that column, when the row got that far.
    pub column_name: Option<String>,
    /// What is wrong and what would fix it.
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)?;
        if let Some(name) = &self.column_name {
            write!(f, " ({name})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A row as text fields, with the line it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawRow {
    pub(crate) line: usize,
    pub(crate) fields: Vec<String>,
}

/// A header and its rows.
pub(crate) type Table = (Vec<String>, Vec<Result<RawRow, RowError>>);

/// Splits a whole CSV text into its header and rows. Rows with syntax errors or the wrong number
/// of fields come back as errors. `None` when there is no header line at all.
pub(crate) fn read_table(text: &str) -> Option<Table> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let delimiter = detect_delimiter(text);
    let mut reader = Reader {
        text,
        pos: 0,
        line: 1,
        delimiter,
    };
    let header = loop {
        match reader.next_row()? {
            Ok(row) if row.fields.iter().all(|f| f.trim().is_empty()) => continue,
            Ok(row) => break row.fields,
            Err(_) => return None,
        }
    };
    let header: Vec<String> = header.into_iter().map(|h| h.trim().to_string()).collect();
    let mut rows = Vec::new();
    while let Some(row) = reader.next_row() {
        let row = row.and_then(|row| {
            if row.fields.len() == 1 && row.fields[0].trim().is_empty() {
                return Ok(None); // a blank line
            }
            if row.fields.len() != header.len() {
                let column = row.fields.len().min(header.len()) + 1;
                return Err(RowError {
                    line: row.line,
                    column,
                    column_name: header.get(column - 1).cloned(),
                    message: format!(
                        "the row has {} fields but the header has {}: quote fields that contain \
                         the delimiter {:?} or a line break",
                        row.fields.len(),
                        header.len(),
                        char::from(delimiter)
                    ),
                });
            }
            Ok(Some(row))
        });
        match row {
            Ok(Some(row)) => rows.push(Ok(row)),
            Ok(None) => {}
            Err(e) => rows.push(Err(e)),
        }
    }
    Some((header, rows))
}

/// `;` when the first line (outside quotes) has more semicolons than commas, else `,`.
fn detect_delimiter(text: &str) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for b in text.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semicolons += 1,
            b'\n' | b'\r' if !quoted => break,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

struct Reader<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
    delimiter: u8,
}

impl Reader<'_> {
    fn next_row(&mut self) -> Option<Result<RawRow, RowError>> {
        if self.pos >= self.text.len() {
            return None;
        }
        let bytes = self.text.as_bytes();
        let start_line = self.line;
        let start_pos = self.pos;
        let mut fields = Vec::new();
        loop {
            let column = fields.len() + 1;
            let field = if bytes.get(self.pos) == Some(&b'"') {
                match self.quoted_field() {
                    Ok(f) => f,
                    Err(message) => {
                        let error = RowError {
                            line: start_line,
                            column,
                            column_name: None,
                            message,
                        };
                        self.recover(start_pos, start_line);
                        return Some(Err(error));
                    }
                }
            } else {
                let end = bytes[self.pos..]
                    .iter()
                    .position(|&b| b == self.delimiter || b == b'\n' || b == b'\r')
                    .map_or(bytes.len(), |i| self.pos + i);
                let f = self.text[self.pos..end].to_string();
                self.pos = end;
                f
            };
            fields.push(field);
            match bytes.get(self.pos) {
                Some(&b) if b == self.delimiter => self.pos += 1,
                Some(b'\r') => {
                    self.pos += if bytes.get(self.pos + 1) == Some(&b'\n') {
                        2
                    } else {
                        1
                    };
                    self.line += 1;
                    break;
                }
                Some(b'\n') => {
                    self.pos += 1;
                    self.line += 1;
                    break;
                }
                None => break,
                Some(_) => {
                    let error = RowError {
                        line: start_line,
                        column,
                        column_name: None,
                        message:
                            "text follows the closing quote of a quoted field: inside quotes, \
                                  write a quote as two quotes (\"\")"
                                .to_string(),
                    };
                    self.skip_line();
                    return Some(Err(error));
                }
            }
        }
        Some(Ok(RawRow {
            line: start_line,
            fields,
        }))
    }

    /// Reads `"…"` with `""` escapes; leaves `pos` after the closing quote.
    fn quoted_field(&mut self) -> Result<String, String> {
        let bytes = self.text.as_bytes();
        let mut out = String::new();
        let mut i = self.pos + 1;
        let mut chunk = i;
        let mut lines = 0;
        loop {
            match bytes.get(i) {
                None => {
                    return Err(
                        "a quote opens a field that is never closed: close the quote, or write a \
                         quote inside a field as two quotes (\"\")"
                            .to_string(),
                    );
                }
                Some(b'"') if bytes.get(i + 1) == Some(&b'"') => {
                    out.push_str(&self.text[chunk..=i]);
                    i += 2;
                    chunk = i;
                }
                Some(b'"') => {
                    out.push_str(&self.text[chunk..i]);
                    self.pos = i + 1;
                    self.line += lines;
                    return Ok(out);
                }
                Some(b'\n') => {
                    lines += 1;
                    i += 1;
                }
                Some(b'\r') => {
                    if bytes.get(i + 1) != Some(&b'\n') {
                        lines += 1;
                    }
                    i += 1;
                }
                Some(_) => i += 1,
            }
        }
    }

    /// After a quote that never closes: continue with the line after the row's first line (line
    /// breaks inside the row's earlier quoted fields no longer count).
    fn recover(&mut self, start_pos: usize, start_line: usize) {
        self.pos = start_pos;
        self.line = start_line;
        self.skip_line();
    }

    fn skip_line(&mut self) {
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(self.pos) {
            self.pos += 1;
            if b == b'\n' || (b == b'\r' && bytes.get(self.pos) != Some(&b'\n')) {
                self.line += 1;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders a table as `header` then one line per row: `L<line>: a|b` or `L<line> C<col>: error`.
    fn render(text: &str) -> String {
        let Some((header, rows)) = read_table(text) else {
            return "no header".to_string();
        };
        let mut out = header.join("|");
        for row in rows {
            out.push('\n');
            match row {
                Ok(r) => out.push_str(&format!("L{}: {}", r.line, r.fields.join("|"))),
                Err(e) => out.push_str(&format!(
                    "L{} C{}: {}",
                    e.line,
                    e.column,
                    e.message.split(':').next().unwrap()
                )),
            }
        }
        out
    }

    fn check(text: &str, expected: &str) {
        assert_eq!(render(text), expected, "input: {text:?}");
    }

    #[test]
    fn reads_rfc4180() {
        check("", "no header");
        check("\n\n", "no header");
        check("a,b\n1,2\n", "a|b\nL2: 1|2");
        check("a,b\r\n1,2\r\n3,4", "a|b\nL2: 1|2\nL3: 3|4");
        check("a,b\r1,2\r", "a|b\nL2: 1|2");
        check("\u{FEFF}a,b\n1,2", "a|b\nL2: 1|2");
        check("a,b\n\"x,y\",2", "a|b\nL2: x,y|2");
        check("a,b\n\"say \"\"hi\"\"\",2", "a|b\nL2: say \"hi\"|2");
        check(
            "a,b\n\"two\nlines\",2\n3,4",
            "a|b\nL2: two\nlines|2\nL4: 3|4",
        );
        check(
            "a,b\n\"two\r\nlines\",2\r\n3,4",
            "a|b\nL2: two\r\nlines|2\nL4: 3|4",
        );
        check("a,b\n,\n", "a|b\nL2: |");
        check("a,b\n\"\",\"\"", "a|b\nL2: |");
        check("a,b\n\n1,2\n\n", "a|b\nL3: 1|2");
        check(" a , b \n1,2", "a|b\nL2: 1|2");
        check("a,b\nO\"Neil,2", "a|b\nL2: O\"Neil|2");
        check("a\n1\n2", "a\nL2: 1\nL3: 2");
    }

    #[test]
    fn detects_semicolons() {
        check("a;b\n1,5;2", "a|b\nL2: 1,5|2");
        check("\"x;y\",b\n1,2", "x;y|b\nL2: 1|2");
        check("a;b,c;d\n1;2,3;4", "a|b,c|d\nL2: 1|2,3|4");
    }

    #[test]
    fn bad_rows_are_reported_and_skipped() {
        check(
            "a,b\n1,2,3\n4,5",
            "a|b\nL2 C3: the row has 3 fields but the header has 2\nL3: 4|5",
        );
        check(
            "a,b\n1\n4,5",
            "a|b\nL2 C2: the row has 1 fields but the header has 2\nL3: 4|5",
        );
        check(
            "a,b\n\"1\"x,2\n4,5",
            "a|b\nL2 C1: text follows the closing quote of a quoted field\nL3: 4|5",
        );
        check(
            "a,b\n1,\"open\n4,5\n6,7",
            "a|b\nL2 C2: a quote opens a field that is never closed\nL3: 4|5\nL4: 6|7",
        );
    }

    /// Regression (fuzz `csv_reader` crash-dc5618d5, a wrong check in the fuzz target): a lone CR
    /// ends a line, so the row after it is on the next line.
    #[test]
    fn lone_cr_line_ends_count_as_lines() {
        check(
            "Fna,Last\r\u{2}Lu,\"71me,Phone\"\r1",
            "Fna|Last\nL2: \u{2}Lu|71me,Phone\nL3 C2: the row has 1 fields but the header has 2",
        );
    }

    /// Regression (fuzz `csv_reader` crash-ed6ee495): a row with a multi-line quoted field and then
    /// a quote never closed was reported, and reading resumed, one line too far.
    #[test]
    fn recovery_after_an_unclosed_quote_keeps_line_numbers() {
        check(
            "a,b\nx,\"two\nlines\",\"open\n4,5",
            "a|b\n\
             L2 C3: a quote opens a field that is never closed\n\
             L3 C2: a quote opens a field that is never closed\n\
             L4: 4|5",
        );
    }

    #[test]
    fn row_error_display_names_line_column_and_header() {
        let e = RowError {
            line: 7,
            column: 5,
            column_name: Some("senderId".into()),
            message: "bad".into(),
        };
        assert_eq!(e.to_string(), "line 7, column 5 (senderId): bad");
    }
}
