use std::time::Instant;
use telegram_identity::matching::{Directory, MatchOptions};
use telegram_identity::testdata::generate;
fn main() {
    let n: usize = std::env::args().nth(1).unwrap().parse().unwrap();
    let threads: usize = std::env::args()
        .nth(2)
        .unwrap_or("1".into())
        .parse()
        .unwrap();
    let data = generate(n, 20261122);
    let options = MatchOptions {
        region: Some("ES".into()),
    };
    let t = Instant::now();
    let dir = Directory::with_threads(&data.people, threads);
    eprintln!("directory {:?}", t.elapsed());
    let t = Instant::now();
    let r = dir.assign_with_threads(&data.contacts, &options, threads);
    eprintln!("assign {:?} {}", t.elapsed(), r.proposals.len());
}
