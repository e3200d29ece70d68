//! Prints precision, recall and F1 (all proposals and `auto`) of the one-to-one assignment on
//! generated labelled data at several sizes.
//!
//! `cargo run --release -p telegram-identity --example quality [-- SIZE... [--seed N] [--details K]]`
//! `--details K` also prints K wrong proposals and K missed links of the first size.

use std::time::Instant;
use telegram_identity::matching::{MatchOptions, Reason, assign};
use telegram_identity::testdata::{Quality, generate};

fn main() {
    let mut sizes = Vec::new();
    let mut seed = 20_261_122;
    let mut details = 0;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => seed = args.next().and_then(|s| s.parse().ok()).expect("--seed N"),
            "--details" => {
                details = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .expect("--details K")
            }
            s => sizes.push(s.parse::<usize>().expect("sizes are numbers")),
        }
    }
    if sizes.is_empty() {
        sizes = vec![2_000, 10_000, 100_000];
    }
    println!("seed {seed}");
    println!(
        "{:>9} {:>9} {:>9} | {:>9} {:>9} {:>9} | {:>9} {:>9} {:>9} | {:>8}",
        "size",
        "contacts",
        "truth",
        "precision",
        "recall",
        "F1",
        "auto P",
        "auto R",
        "auto n",
        "assign s"
    );
    for (k, &size) in sizes.iter().enumerate() {
        let data = generate(size, seed);
        let options = MatchOptions {
            region: Some(data.region.to_string()),
        };
        let start = Instant::now();
        let result = assign(&data.contacts, &data.people, &options);
        let secs = start.elapsed().as_secs_f64();
        let q = Quality::measure(&data, &result);
        println!(
            "{:>9} {:>9} {:>9} | {:>9.4} {:>9.4} {:>9.4} | {:>9.5} {:>9.4} {:>9} | {:>8.3}",
            size,
            data.contacts.len(),
            q.truth_links,
            q.precision(),
            q.recall(),
            q.f1(),
            q.auto_precision(),
            q.auto_recall(),
            q.auto_proposed,
            secs
        );
        if k == 0 && details > 0 {
            let by_id = |id| data.people.iter().find(|p| p.sender_id == id);
            let mut bands = std::collections::BTreeMap::<u32, (usize, usize)>::new();
            for p in &result.proposals {
                let band = (p.score * 20.0).floor() as u32;
                let e = bands.entry(band).or_default();
                e.0 += 1;
                e.1 += usize::from(data.truth[p.crm_index] == Some(p.sender_id));
            }
            for (b, (n, ok)) in bands {
                println!(
                    "  score {:.2}..: {n} proposals, precision {:.3}",
                    b as f64 / 20.0,
                    ok as f64 / n as f64
                );
            }
            println!("\nwrong proposals:");
            let auto_only = std::env::var("AUTO").is_ok();
            for p in result
                .proposals
                .iter()
                .filter(|p| {
                    data.truth[p.crm_index] != Some(p.sender_id)
                        && (!auto_only || p.tier == telegram_identity::matching::Tier::Auto)
                })
                .take(details)
            {
                let c = &data.contacts[p.crm_index];
                println!(
                    "  {} {:?} {:?} {:?}\n    -> {:?} {} {}: {}\n    truth {:?}",
                    c.id,
                    c.name,
                    c.phones,
                    c.emails,
                    by_id(p.sender_id),
                    p.score,
                    p.tier,
                    Reason::describe_all(&p.reasons),
                    data.truth[p.crm_index].and_then(by_id)
                );
            }
            let mut categories = std::collections::BTreeMap::<&str, usize>::new();
            let proposed: std::collections::BTreeSet<usize> =
                result.proposals.iter().map(|p| p.crm_index).collect();
            for (i, c) in data.contacts.iter().enumerate() {
                let Some(t) =
                    data.truth[i].filter(|_| c.sender_id.is_none() && !proposed.contains(&i))
                else {
                    continue;
                };
                let p = by_id(t).unwrap();
                let region = telegram_identity::normalize::Region::from_code("ES");
                let tg_phone = p
                    .phone
                    .as_deref()
                    .and_then(telegram_identity::normalize::PhoneKey::parse_international);
                let phone_eq = c.phones.iter().any(|x| {
                    telegram_identity::normalize::PhoneKey::parse(x, region) == tg_phone
                        && tg_phone.is_some()
                });
                let tokens =
                    telegram_identity::normalize::NameKey::new(&p.first_name, &p.last_name)
                        .tokens
                        .len();
                let cat = if phone_eq {
                    "phone equal"
                } else if p.username.is_some()
                    && c.emails
                        .iter()
                        .any(|e| e.starts_with(p.username.as_deref().unwrap()))
                {
                    "email=username"
                } else if tokens >= 2 {
                    "telegram full name"
                } else if tokens == 1 {
                    "telegram one name"
                } else {
                    "no name"
                };
                *categories.entry(cat).or_default() += 1;
                if cat == "telegram full name" && std::env::var("DIAG").is_ok() {
                    let dir = telegram_identity::matching::Directory::new(&data.people);
                    let ranked = dir.rank(c, &options, 3);
                    println!(
                        "  MISS {:?} {:?} -> truth {} {:?} {:?}",
                        c.name, c.phones, p.sender_id, p.first_name, p.last_name
                    );
                    for r in ranked {
                        println!(
                            "      {} {} {}",
                            r.sender_id,
                            r.score,
                            Reason::describe_all(&r.reasons)
                        );
                    }
                    if let Some(t) = result.proposals.iter().find(|x| x.sender_id == p.sender_id) {
                        println!(
                            "      TAKEN by {:?} {} {}",
                            data.contacts[t.crm_index].name,
                            t.score,
                            data.truth[t.crm_index] == Some(t.sender_id)
                        );
                    }
                }
            }
            println!("\nmissed links by best available evidence: {categories:?}");
            println!("\nmissed links:");
            let proposed: std::collections::BTreeSet<usize> =
                result.proposals.iter().map(|p| p.crm_index).collect();
            for (i, c) in data.contacts.iter().enumerate() {
                if c.sender_id.is_none() && data.truth[i].is_some() && !proposed.contains(&i) {
                    if details == 0 {
                        break;
                    }
                    details -= 1;
                    println!(
                        "  {} {:?} {:?} {:?} {:?}\n    truth {:?}",
                        c.id,
                        c.name,
                        c.phones,
                        c.emails,
                        c.username,
                        data.truth[i].and_then(by_id)
                    );
                }
            }
        }
    }
}
