//! Quality gate: on a fixed-seed generated set of a few thousand labelled contacts, the `auto` tier
//! makes essentially no wrong links and the whole assignment keeps a high F1. Deterministic: the
//! generator is seeded and matching has no randomness. `examples/quality.rs` prints the same
//! figures at several sizes.

use telegram_identity::matching::{MatchOptions, assign};
use telegram_identity::testdata::{Quality, Scenario, generate, generate_with};

fn measure(size: usize, seed: u64) -> Quality {
    measure_in(size, seed, Scenario::default())
}

fn measure_in(size: usize, seed: u64, scenario: Scenario) -> Quality {
    let data = generate_with(size, seed, scenario);
    let result = assign(
        &data.contacts,
        &data.people,
        &MatchOptions {
            region: Some(data.region.into()),
        },
    );
    Quality::measure(&data, &result)
}

#[test]
fn auto_precision_and_f1_on_generated_data() {
    let q = measure(3_000, 20_261_122);
    assert!(
        q.truth_links > 1_900,
        "the set is big enough to mean something: {q:?}"
    );
    assert!(q.auto_proposed > 500, "auto links are made: {q:?}");
    assert!(
        q.auto_precision() >= 0.999,
        "auto precision {:.5}: {q:?}",
        q.auto_precision()
    );
    assert!(q.f1() >= 0.95, "F1 {:.4}: {q:?}", q.f1());
}

#[test]
fn auto_stays_precise_on_other_seeds() {
    for seed in [1, 2, 3] {
        let q = measure(2_000, seed);
        assert!(
            q.auto_precision() >= 0.999,
            "seed {seed}: auto precision {:.5}: {q:?}",
            q.auto_precision()
        );
        assert!(q.f1() >= 0.93, "seed {seed}: F1 {:.4}: {q:?}", q.f1());
    }
}

#[test]
fn beats_a_tuned_classic_pipeline() {
    // The baseline (Soundex/phone/username blocking, Jaro–Winkler names, Fellegi–Sunter weights
    // with m/u counted from the labels, the best threshold on this very data) on the same set.
    let (size, seed) = (3_000, 20_261_122);
    let ours = measure(size, seed);
    let base = telegram_identity::testdata::baseline::run(&generate(size, seed));
    assert_eq!(
        base.truth_links, ours.truth_links,
        "both are scored on the same links"
    );
    assert!(
        base.proposed > 1_000,
        "the baseline links something: {base:?}"
    );
    assert!(
        ours.f1() > base.f1() + 0.02,
        "F1 ours {:.4} vs baseline {:.4}: {ours:?} {base:?}",
        ours.f1(),
        base.f1()
    );
}

#[test]
fn auto_links_most_people_who_show_their_phone() {
    // A business whose customers share their contact with its bot: phones on both sides make
    // most links safe to make without review, and still no wrong ones.
    let q = measure_in(
        3_000,
        20_261_122,
        Scenario {
            telegram_phones: 1.0,
        },
    );
    assert!(
        q.auto_precision() >= 0.999,
        "auto precision {:.5}: {q:?}",
        q.auto_precision()
    );
    assert!(
        q.auto_recall() >= 0.6,
        "auto recall {:.4}: {q:?}",
        q.auto_recall()
    );
    assert!(q.f1() >= 0.96, "F1 {:.4}: {q:?}", q.f1());
}
