//! For `cargo xtask report`: writes a generated data set as the bulk page's matcher receives it,
//! and times the same matcher natively, so the report can run it in headless Chromium and give
//! the ratio to native in the same run.
//!
//! `cargo run --release -p telegram-bulk --example match_data -- SIZE OUT.json [RUNS]`
//! writes `{"contacts": [...], "people": [...], "options": {...}}` (the `ToWorker` payloads) and
//! prints one JSON line: `{"contacts", "people", "native_ms": [one per run], "rows"}`. Native
//! runs on one thread, as the worker does.

use std::time::Instant;

use telegram_bulk::matcher::{FromWorker, MatchWorker, ToWorker, chunks};
use telegram_identity::matching::MatchOptions;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [size, out, rest @ ..] = args.as_slice() else {
        eprintln!("usage: match_data SIZE OUT.json [RUNS]");
        std::process::exit(2);
    };
    let size: usize = size.parse().expect("SIZE is a number");
    let runs: usize = rest
        .first()
        .map_or(3, |r| r.parse().expect("RUNS is a number"));
    let data = telegram_identity::testdata::generate(size, 20_261_202);
    let options = MatchOptions {
        region: Some(data.region.into()),
    };
    let json = serde_json::json!({
        "contacts": data.contacts,
        "people": data.people,
        "options": options,
    });
    std::fs::write(out, json.to_string()).expect("OUT.json can be written");

    let mut native_ms = Vec::new();
    let mut rows = 0;
    for _ in 0..runs {
        let mut worker = MatchWorker::default();
        let start = Instant::now();
        let count = std::sync::atomic::AtomicUsize::new(0);
        let post = |m: FromWorker| {
            if let FromWorker::Rows { items } = m {
                count.fetch_add(items.len(), std::sync::atomic::Ordering::Relaxed);
            }
        };
        for message in chunks(&data.contacts, &data.people) {
            worker.handle(message, &post);
        }
        worker.handle(
            ToWorker::Match {
                options: options.clone(),
            },
            &post,
        );
        native_ms.push(start.elapsed().as_secs_f64() * 1000.0);
        rows = count.into_inner();
    }
    println!(
        "{}",
        serde_json::json!({
            "contacts": data.contacts.len(),
            "people": data.people.len(),
            "native_ms": native_ms,
            "rows": rows,
        })
    );
}
