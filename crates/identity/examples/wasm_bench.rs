//! The matching workload of `benches/identity.rs`, exported for a wasm32-unknown-unknown build
//! (`crate-type = ["cdylib"]`, no imports, no wasm-bindgen) and timed from `benches/wasm_bench.mjs`
//! under Node.
//!
//! Exports: `prepare(size, seed)` generates the labelled set and a directory of its Telegram
//! people (not timed); `assign()` (the bulk assignment, directory included; returns the number of
//! proposals) and `rank_many(start, count)` (ranks those contacts against the directory) are timed.
// `#[unsafe(no_mangle)]` is the only way to export a function without wasm-bindgen.
#![allow(unsafe_code)]

use std::sync::Mutex;

use telegram_identity::matching::{Directory, MatchOptions};
use telegram_identity::testdata::{Dataset, generate};

type State = (&'static Dataset, Directory<'static>, MatchOptions);

static DATA: Mutex<Option<State>> = Mutex::new(None);

fn with_data<R>(f: impl FnOnce(&'static Dataset, &Directory<'static>, &MatchOptions) -> R) -> R {
    let guard = DATA.lock().expect("single-threaded");
    let (data, directory, options) = guard.as_ref().expect("prepare() first");
    f(data, directory, options)
}

/// Generates the data set (kept for the life of the instance) and its directory.
#[unsafe(no_mangle)]
pub extern "C" fn prepare(size: u32, seed: u32) -> u32 {
    let data: &'static Dataset = Box::leak(Box::new(generate(size as usize, u64::from(seed))));
    let directory = Directory::new(&data.people);
    let options = MatchOptions {
        region: Some(data.region.into()),
    };
    let n = data.contacts.len() as u32;
    *DATA.lock().expect("single-threaded") = Some((data, directory, options));
    n
}

/// The bulk one-to-one assignment, directory included; returns the number of proposals.
#[unsafe(no_mangle)]
pub extern "C" fn assign() -> u32 {
    with_data(|d, _, options| {
        telegram_identity::matching::assign(&d.contacts, &d.people, options)
            .proposals
            .len() as u32
    })
}

/// Ranks contacts `start .. start + count` against the prepared directory; returns the number of
/// candidates.
#[unsafe(no_mangle)]
pub extern "C" fn rank_many(start: u32, count: u32) -> u32 {
    with_data(|d, directory, options| {
        (start..start + count)
            .map(|i| {
                let contact = &d.contacts[i as usize % d.contacts.len()];
                directory.rank(contact, options, 10).len() as u32
            })
            .sum()
    })
}
