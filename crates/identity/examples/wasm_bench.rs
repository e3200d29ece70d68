//! The matching workload of `benches/identity.rs`, exported for a wasm32-unknown-unknown build
//! (`crate-type = ["cdylib"]`, no imports, no wasm-bindgen) and timed from `benches/wasm_bench.mjs`
//! under Node.
//!
//! Exports: `prepare(size, seed)` generates the labelled set and a directory of its Telegram
//! people (not timed); `assign()` (the bulk assignment, directory included; returns the number of
//! proposals) and `rank_one(i)` (ranks contact `i` against the directory) are timed.
// `#[unsafe(no_mangle)]` is the only way to export a function without wasm-bindgen.
#![allow(unsafe_code)]

use std::sync::Mutex;

use telegram_identity::matching::{Directory, MatchOptions};
use telegram_identity::testdata::{Dataset, generate};

static DATA: Mutex<Option<(&'static Dataset, Directory<'static>)>> = Mutex::new(None);

fn with_data<R>(f: impl FnOnce(&'static Dataset, &Directory<'static>) -> R) -> R {
    let guard = DATA.lock().expect("single-threaded");
    let (data, directory) = guard.as_ref().expect("prepare() first");
    f(data, directory)
}

/// Generates the data set (kept for the life of the instance) and its directory.
#[unsafe(no_mangle)]
pub extern "C" fn prepare(size: u32, seed: u32) -> u32 {
    let data: &'static Dataset = Box::leak(Box::new(generate(size as usize, u64::from(seed))));
    let directory = Directory::new(&data.people);
    let n = data.contacts.len() as u32;
    *DATA.lock().expect("single-threaded") = Some((data, directory));
    n
}

/// The bulk one-to-one assignment, directory included; returns the number of proposals.
#[unsafe(no_mangle)]
pub extern "C" fn assign() -> u32 {
    with_data(|d, _| {
        let options = MatchOptions {
            region: Some(d.region.into()),
        };
        telegram_identity::matching::assign(&d.contacts, &d.people, &options)
            .proposals
            .len() as u32
    })
}

/// Ranks contact `i` against the prepared directory; returns the number of candidates.
#[unsafe(no_mangle)]
pub extern "C" fn rank_one(i: u32) -> u32 {
    with_data(|d, directory| {
        let options = MatchOptions {
            region: Some(d.region.into()),
        };
        let contact = &d.contacts[i as usize % d.contacts.len()];
        directory.rank(contact, &options, 10).len() as u32
    })
}
