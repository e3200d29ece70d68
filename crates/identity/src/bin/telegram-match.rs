//! `telegram-match`: links CRM contacts to Telegram people from two CSV files.
//!
//! ```text
//! telegram-match --crm CRM.csv --telegram TG.csv [--region ES] [--out links.csv]
//! ```
//!
//! Writes the one-to-one assignment as CSV (`crm_id,sender_id,score,tier,reasons`) to `--out` or
//! standard output, and a summary to standard error. Standard library only: the engine's wasm
//! build never sees this file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use telegram_identity::csv::{
    CsvRead, RowError, read_crm_contacts, read_telegram_contacts, write_assignment,
};
use telegram_identity::matching::{MatchOptions, Tier, assign};
use telegram_identity::normalize::Region;

const USAGE: &str = "\
usage: telegram-match --crm CRM.csv --telegram TG.csv [--region ES] [--out links.csv]

  --crm PATH       CRM contact export (Zendesk user export or any CSV with id/name/phone/email/...
                   columns; `,` or `;` separated, UTF-8)
  --telegram PATH  Telegram contact-info export (First Name,Last Name,Phone,Username,senderId)
  --region CODE    default region for CRM phone numbers without a country code (ISO code: ES, GB,
                   US, DE, FR, IT, RU, UA, BR, MX, AR, IN...)
  --out PATH       write the links here (replaced only once complete) instead of standard output
";

struct Args {
    crm: PathBuf,
    telegram: PathBuf,
    region: Option<String>,
    out: Option<PathBuf>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut crm, mut telegram, mut region, mut out) = (None, None, None, None);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--crm" => crm = Some(PathBuf::from(value("--crm")?)),
            "--telegram" => telegram = Some(PathBuf::from(value("--telegram")?)),
            "--region" => {
                let code = value("--region")?;
                if Region::from_code(&code).is_none() {
                    let known: Vec<&str> = telegram_identity::normalize::REGIONS
                        .iter()
                        .map(|r| r.code)
                        .collect();
                    return Err(format!(
                        "unknown region {code:?}: use one of {}",
                        known.join(", ")
                    ));
                }
                region = Some(code);
            }
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Args {
        crm: crm.ok_or("--crm CRM.csv is required")?,
        telegram: telegram.ok_or("--telegram TG.csv is required")?,
        region,
        out,
    })
}

fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        format!(
            "{} is not UTF-8 (line {line}): save it as \"CSV UTF-8\" from your spreadsheet or CRM",
            path.display()
        )
    })
}

fn report_errors<T>(path: &Path, read: &CsvRead<T>) {
    const SHOWN: usize = 20;
    for RowError {
        line,
        column,
        column_name,
        message,
    } in read.errors.iter().take(SHOWN)
    {
        let name = column_name
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        eprintln!(
            "{}: line {line}, column {column}{name}: {message}",
            path.display()
        );
    }
    if read.errors.len() > SHOWN {
        eprintln!(
            "{}: {} more bad rows not shown",
            path.display(),
            read.errors.len() - SHOWN
        );
    }
}

/// Writes next to the target, then renames: an existing file is replaced only by a complete one.
fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    let file_name = path
        .file_name()
        .ok_or_else(|| format!("{} is not a file path", path.display()))?;
    let tmp = path.with_file_name(format!(".{}.partial", file_name.to_string_lossy()));
    std::fs::write(&tmp, text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot replace {}: {e}", path.display())
    })
}

fn run(args: Args) -> Result<(), String> {
    let start = Instant::now();
    let crm = read_crm_contacts(&read_text(&args.crm)?)
        .map_err(|e| format!("{}: {e}", args.crm.display()))?;
    let tg = read_telegram_contacts(&read_text(&args.telegram)?)
        .map_err(|e| format!("{}: {e}", args.telegram.display()))?;
    report_errors(&args.crm, &crm);
    report_errors(&args.telegram, &tg);
    let options = MatchOptions {
        region: args.region,
    };
    let result = assign(&crm.records, &tg.records, &options);
    let csv = write_assignment(&result.proposals);
    match &args.out {
        Some(path) => write_atomically(path, &csv)?,
        None => print!("{csv}"),
    }
    const SHOWN: usize = 20;
    for c in result.conflicts.iter().take(SHOWN) {
        eprintln!(
            "conflict: senderId {} is held by {}",
            c.sender_id,
            c.crm_ids.join(", ")
        );
    }
    if result.conflicts.len() > SHOWN {
        eprintln!(
            "{} more conflicts not shown",
            result.conflicts.len() - SHOWN
        );
    }
    eprintln!(
        "crm: {} rows read, {} skipped; telegram: {} rows read, {} skipped",
        crm.records.len(),
        crm.skipped(),
        tg.records.len(),
        tg.skipped()
    );
    eprintln!(
        "links: {} auto, {} review; {} contacts unmatched; {} existing links, {} conflicts; {:.3} s",
        result.count(Tier::Auto),
        result.count(Tier::Review),
        result.unmatched_contacts,
        result.existing.len(),
        result.conflicts.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) if message.is_empty() => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("telegram-match: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("telegram-match: {message}");
            ExitCode::FAILURE
        }
    }
}
