//! Writes a generated labelled data set as two CSV files for trying `telegram-match`:
//! a CRM export (`id,name,phone,email,username,senderId`) and a Telegram contact-info export.
//!
//! `cargo run --release -p telegram-identity --example generate_csv -- SIZE CRM.csv TG.csv [SEED]`
//! then `cargo run --release -p telegram-identity --bin telegram-match -- --crm CRM.csv --telegram TG.csv --region ES`.

use telegram_identity::csv::write_telegram_contacts;
use telegram_identity::testdata::generate;

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(['=', '+', '-', '@']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [size, crm_path, tg_path, rest @ ..] = args.as_slice() else {
        eprintln!("usage: generate_csv SIZE CRM.csv TG.csv [SEED]");
        std::process::exit(2);
    };
    let size: usize = size.parse().expect("SIZE is a number");
    let seed = rest
        .first()
        .map_or(20_261_122, |s| s.parse().expect("SEED is a number"));
    let data = generate(size, seed);
    let mut crm = String::from("id,name,phone,email,username,senderId\r\n");
    for c in &data.contacts {
        crm.push_str(&format!(
            "{},{},{},{},{},{}\r\n",
            quote(&c.id),
            quote(&c.name),
            quote(&c.phones.join("; ")),
            quote(&c.emails.join("; ")),
            quote(c.username.as_deref().unwrap_or("")),
            c.sender_id.map(|s| s.to_string()).unwrap_or_default()
        ));
    }
    std::fs::write(crm_path, crm)?;
    std::fs::write(tg_path, write_telegram_contacts(&data.people))?;
    eprintln!(
        "{} contacts -> {crm_path}, {} Telegram people -> {tg_path}",
        data.contacts.len(),
        data.people.len()
    );
    Ok(())
}
