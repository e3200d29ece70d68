//! Prints precision, recall and F1 (all proposals, and the `auto` tier) of the one-to-one
//! assignment on generated labelled data at several sizes.
//!
//! ```text
//! cargo run --release -p telegram-identity --example quality [-- SIZE... [--seed N] [--details K]]
//! ```
//!
//! SIZE is the number of generated persons (each side holds about 85 % of them); the defaults are
//! 3,000 (the size of the quality test), 10,000 and 117,647 (about 100,000 on each side).
//! `--details K` adds, for the first size: precision per score band, K wrong proposals, the missed
//! links counted by the best evidence they had, and K missed links with their ranked candidates.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use telegram_identity::matching::{Directory, MatchOptions, Reason, Tier, assign};
use telegram_identity::normalize::normalize_username;
use telegram_identity::normalize::{NameKey, PhoneKey, Region};
use telegram_identity::testdata::{
    Dataset, Quality, Scenario, baseline, generate_with, truth_links,
};
use telegram_identity::{SenderId, TelegramPerson};

fn main() {
    let mut sizes = Vec::new();
    let mut seed = 20_261_122;
    let mut details = 0;
    let mut scenario = Scenario::default();
    let mut peer: Option<String> = None;
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
            "--telegram-phones" => {
                scenario.telegram_phones = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .expect("--telegram-phones SHARE (0 to 1)")
            }
            "--peer" => peer = Some(args.next().expect("--peer PYTHON")),
            s => sizes.push(s.parse::<usize>().expect("sizes are numbers")),
        }
    }
    if sizes.is_empty() {
        sizes = vec![3_000, 10_000, 117_647];
    }
    println!(
        "seed {seed}, {:.0} % of Telegram people show their phone",
        scenario.telegram_phones * 100.0
    );
    println!(
        "{:>8} {:>8} {:>8} {:>7} | {:>9} {:>7} {:>7} | {:>8} {:>7} {:>7} | {:>8} | {:>7} {:>7} | {:>7} {:>7} {:>7} | {:>7} {:>7} {:>7} {:>5} {:>7}",
        "persons",
        "contacts",
        "people",
        "truth",
        "precision",
        "recall",
        "F1",
        "auto P",
        "auto R",
        "auto n",
        "assign s",
        "distin.",
        "R dist",
        "base P",
        "base R",
        "base F1",
        "peer P",
        "peer R",
        "peer F1",
        "thr",
        "peer s"
    );
    for (k, &size) in sizes.iter().enumerate() {
        let data = generate_with(size, seed, scenario);
        let options = MatchOptions {
            region: Some(data.region.to_string()),
        };
        let start = Instant::now();
        let result = assign(&data.contacts, &data.people, &options);
        let secs = start.elapsed().as_secs_f64();
        let q = Quality::measure(&data, &result);
        let (distinguishable, found) = distinguishable(&data, &result);
        let base = baseline::run(&data);
        let peer = peer.as_deref().map(|python| run_peer(python, &data));
        let peer = match peer {
            Some(p) => format!(
                "{:>7.4} {:>7.4} {:>7.4} {:>5.2} {:>7.1}",
                p.precision, p.recall, p.f1, p.threshold, p.secs
            ),
            None => format!("{:>7} {:>7} {:>7} {:>5} {:>7}", "-", "-", "-", "-", "-"),
        };
        println!(
            "{:>8} {:>8} {:>8} {:>7} | {:>9.4} {:>7.4} {:>7.4} | {:>8.5} {:>7.4} {:>7} | {:>8.3} | {:>7} {:>7.4} | {:>7.4} {:>7.4} {:>7.4} | {peer}",
            size,
            data.contacts.len(),
            data.people.len(),
            q.truth_links,
            q.precision(),
            q.recall(),
            q.f1(),
            q.auto_precision(),
            q.auto_recall(),
            q.auto_proposed,
            secs,
            distinguishable,
            found as f64 / distinguishable as f64,
            base.precision(),
            base.recall(),
            base.f1(),
        );
        if k == 0 && details > 0 {
            print_details(&data, &result, &options, details);
        }
    }
}

/// The peer's figures on one data set, at the threshold that gives it the best F1.
struct Peer {
    precision: f64,
    recall: f64,
    f1: f64,
    threshold: f64,
    secs: f64,
}

/// Runs `tools/peer_recordlinkage.py` with `python` on the data (written to two CSV files in a
/// temporary folder) and scores its links against the truth.
fn run_peer(python: &str, data: &Dataset) -> Peer {
    fn field(s: &str) -> String {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    }
    // PEER_KEEP=DIR keeps the files (and the links, DIR/links.csv) for a closer look.
    let keep = std::env::var_os("PEER_KEEP").map(std::path::PathBuf::from);
    let dir = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("identity-peer-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let (crm_path, tg_path) = (dir.join("crm.csv"), dir.join("tg.csv"));
    let mut crm = String::from("id,name,phones,emails,username,sender_id\n");
    for c in &data.contacts {
        let row = [
            field(&c.id),
            field(&c.name),
            field(&c.phones.join(";")),
            field(&c.emails.join(";")),
            field(c.username.as_deref().unwrap_or("")),
            c.sender_id.map(|s| s.to_string()).unwrap_or_default(),
        ];
        crm.push_str(&row.join(","));
        crm.push('\n');
    }
    let mut tg = String::from("sender_id,first_name,last_name,username,phone\n");
    for p in &data.people {
        let row = [
            p.sender_id.to_string(),
            field(&p.first_name),
            field(&p.last_name),
            field(p.username.as_deref().unwrap_or("")),
            field(p.phone.as_deref().unwrap_or("")),
        ];
        tg.push_str(&row.join(","));
        tg.push('\n');
    }
    std::fs::write(&crm_path, crm).expect("write the CRM file");
    std::fs::write(&tg_path, tg).expect("write the Telegram file");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/peer_recordlinkage.py");
    let start = Instant::now();
    let out = std::process::Command::new(python)
        .args([
            script,
            crm_path.to_str().unwrap(),
            tg_path.to_str().unwrap(),
            data.region,
            "0.3",
        ])
        .stderr(std::process::Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("--peer {python}: {e} (run tools/quality-report.sh)"));
    let secs = start.elapsed().as_secs_f64();
    match keep {
        Some(dir) => std::fs::write(dir.join("links.csv"), &out.stdout).expect("write the links"),
        None => {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    assert!(out.status.success(), "the peer failed: {}", out.status);
    let truth: BTreeMap<&str, SenderId> = data
        .contacts
        .iter()
        .zip(&data.truth)
        .filter_map(|(c, t)| Some((c.id.as_str(), (*t)?)))
        .collect();
    // Links best first with whether each is right; the best F1 over every cut, as for the baseline.
    let links: Vec<(f64, bool)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split(',');
            let (crm, sender, score) = (f.next()?, f.next()?, f.next()?);
            let right = truth.get(crm).map(|s| s.to_string()).as_deref() == Some(sender);
            Some((score.parse().ok()?, right))
        })
        .collect();
    let cut = baseline::best_cut(truth_links(data), &links);
    Peer {
        precision: cut.precision(),
        recall: cut.recall(),
        f1: cut.f1(),
        threshold: cut.threshold,
        secs,
    }
}

/// True links that anyone could make one-to-one from the fields alone, and how many of them the
/// assignment found. A link is *ambiguous by construction* (not counted) when the two records share
/// no identifier (phone key, username, email local part = username) and the Telegram person has no
/// name, or a name (folded tokens, in any order) that another Telegram person also has, or the
/// contact has no name or one that another contact also has.
fn distinguishable(
    data: &Dataset,
    result: &telegram_identity::matching::Assignment,
) -> (usize, usize) {
    let region = Region::from_code(data.region);
    let name_of = |p: &TelegramPerson| {
        let key = NameKey::new(&p.first_name, &p.last_name);
        let mut t: Vec<String> = key.tokens().map(String::from).collect();
        t.sort_unstable();
        t
    };
    let mut names = BTreeMap::<Vec<String>, usize>::new();
    for p in &data.people {
        *names.entry(name_of(p)).or_default() += 1;
    }
    let contact_name = |c: &telegram_identity::CrmContact| {
        let key = NameKey::new(&c.name, "");
        let mut t: Vec<String> = key.tokens().map(String::from).collect();
        t.sort_unstable();
        t
    };
    let mut contact_names = BTreeMap::<Vec<String>, usize>::new();
    for c in &data.contacts {
        *contact_names.entry(contact_name(c)).or_default() += 1;
    }
    let by_id: BTreeMap<SenderId, &TelegramPerson> =
        data.people.iter().map(|p| (p.sender_id, p)).collect();
    let mut ok = vec![false; data.contacts.len()];
    for (i, c) in data.contacts.iter().enumerate() {
        let Some(t) = data.truth[i].filter(|_| c.sender_id.is_none()) else {
            continue;
        };
        let p = by_id[&t];
        let tg_phone = p
            .phone
            .as_deref()
            .and_then(|x| PhoneKey::parse_telegram(x, region));
        let phone = tg_phone.is_some()
            && c.phones
                .iter()
                .any(|x| PhoneKey::parse(x, region) == tg_phone);
        let user = p
            .username
            .as_deref()
            .and_then(|u| normalize_username(u).ok());
        let username = user.is_some()
            && c.username
                .as_deref()
                .and_then(|u| normalize_username(u).ok())
                == user;
        let handle = user.as_deref().is_some_and(|u| {
            c.emails.iter().any(|e| {
                e.rsplit_once('@')
                    .is_some_and(|(l, _)| baseline::handle(l) == baseline::handle(u))
            })
        });
        let name = name_of(p);
        let cname = contact_name(c);
        ok[i] = phone
            || username
            || handle
            || (!name.is_empty()
                && names[&name] == 1
                && !cname.is_empty()
                && contact_names[&cname] == 1);
    }
    let found = result
        .proposals
        .iter()
        .filter(|x| ok[x.crm_index] && data.truth[x.crm_index] == Some(x.sender_id))
        .count();
    (ok.iter().filter(|&&b| b).count(), found)
}

fn print_details(
    data: &Dataset,
    result: &telegram_identity::matching::Assignment,
    options: &MatchOptions,
    k: usize,
) {
    let by_id: BTreeMap<SenderId, &TelegramPerson> =
        data.people.iter().map(|p| (p.sender_id, p)).collect();
    let mut bands = BTreeMap::<u32, (usize, usize)>::new();
    for p in &result.proposals {
        let e = bands.entry((p.score * 20.0).floor() as u32).or_default();
        e.0 += 1;
        e.1 += usize::from(data.truth[p.crm_index] == Some(p.sender_id));
    }
    println!("\nprecision per score band:");
    for (b, (n, ok)) in bands {
        println!(
            "  {:.2}..: {n:>6} proposals, precision {:.3}",
            f64::from(b) / 20.0,
            ok as f64 / n as f64
        );
    }
    println!("\nwrong proposals (auto first):");
    let mut wrong: Vec<_> = result
        .proposals
        .iter()
        .filter(|p| data.truth[p.crm_index] != Some(p.sender_id))
        .collect();
    wrong.sort_by_key(|p| p.tier != Tier::Auto);
    for p in wrong.iter().take(k) {
        let c = &data.contacts[p.crm_index];
        println!("  {:?} {:?} {:?}", c.name, c.phones, c.emails);
        println!(
            "    -> {:?} {} {}: {}",
            by_id.get(&p.sender_id),
            p.score,
            p.tier,
            Reason::describe_all(&p.reasons)
        );
        println!(
            "    truth {:?}",
            data.truth[p.crm_index].and_then(|t| by_id.get(&t))
        );
    }
    let proposed: BTreeSet<usize> = result.proposals.iter().map(|p| p.crm_index).collect();
    let missed: Vec<usize> = (0..data.contacts.len())
        .filter(|&i| {
            data.contacts[i].sender_id.is_none()
                && data.truth[i].is_some()
                && !proposed.contains(&i)
        })
        .collect();
    let region = Region::from_code(data.region);
    let mut categories = BTreeMap::<&str, usize>::new();
    for &i in &missed {
        let (c, p) = (
            &data.contacts[i],
            by_id[&data.truth[i].expect("missed links have a truth")],
        );
        let tg_phone = p
            .phone
            .as_deref()
            .and_then(|x| PhoneKey::parse_telegram(x, region));
        let phone_equal = tg_phone.is_some()
            && c.phones
                .iter()
                .any(|x| PhoneKey::parse(x, region) == tg_phone);
        let tokens = NameKey::new(&p.first_name, &p.last_name).len();
        let category = if phone_equal {
            "phone equal"
        } else if tokens >= 2 {
            "telegram full name"
        } else if tokens == 1 {
            "telegram one name"
        } else {
            "telegram no name"
        };
        *categories.entry(category).or_default() += 1;
    }
    println!("\nmissed links by the best evidence they had: {categories:?}");
    let directory = Directory::new(&data.people);
    for &i in missed.iter().take(k) {
        let c = &data.contacts[i];
        let t = by_id[&data.truth[i].expect("missed links have a truth")];
        println!(
            "  {:?} {:?} {:?} -> truth {} {:?} {:?}",
            c.name, c.phones, c.emails, t.sender_id, t.first_name, t.last_name
        );
        for r in directory.rank(c, options, 3) {
            println!(
                "      candidate {} {} {}",
                r.sender_id,
                r.score,
                Reason::describe_all(&r.reasons)
            );
        }
        if let Some(taken) = result.proposals.iter().find(|x| x.sender_id == t.sender_id) {
            println!(
                "      taken by {:?} ({})",
                data.contacts[taken.crm_index].name, taken.score
            );
        }
    }
}
