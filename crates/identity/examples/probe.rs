//! Profiling aid: times `Directory::with_threads` and `assign_with_threads` on generated data.
//! `cargo run --release -p telegram-identity --example probe -- SIZE [THREADS [RUNS]]`
use std::time::Instant;
use telegram_identity::matching::{Directory, MatchOptions};
use telegram_identity::testdata::generate;
fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(117_647, |s| s.parse().expect("SIZE"));
    let threads: usize = std::env::args()
        .nth(2)
        .map_or(1, |s| s.parse().expect("THREADS"));
    let data = generate(n, 20_261_122);
    let options = MatchOptions {
        region: Some(data.region.into()),
    };
    let runs: usize = std::env::args()
        .nth(3)
        .map_or(1, |s| s.parse().expect("RUNS"));
    for _ in 0..runs {
        let t = Instant::now();
        let dir = Directory::with_threads(&data.people, threads);
        eprintln!("directory {:?}", t.elapsed());
        let t = Instant::now();
        let r = dir.assign_with_threads(&data.contacts, &options, threads);
        eprintln!("assign {:?} ({} proposals)", t.elapsed(), r.proposals.len());
    }
}
