//! Speed report of the identity engine (not a test: it prints, it asserts nothing).
//!
//! `cargo bench -p telegram-identity --bench identity` prints, on generated labelled data:
//! * bulk one-to-one assignment, 100,000 × 100,000: median of 5 runs (all threads) and of 3 runs
//!   (one thread), with the quality of the result;
//! * ranking one contact against a 100,000-person directory: median and 99th percentile of 1,000;
//! * the same bulk run and ranking compiled to wasm32 (built here with the `wasm-release` profile)
//!   under Node, against the one-thread native run: the wasm/native ratio;
//! * bulk assignment 1,000,000 × 1,000,000: median of 5 runs, the first also shown alone.
//!
//! Arguments after `--`: `--quick` skips the 1,000,000 run, `--no-wasm` skips wasm.
//!
//! Under `cargo test --all-targets` (no `--bench` argument) it only runs a small smoke check, so
//! that the test suite does not run the benchmark.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use telegram_identity::matching::{Directory, MatchOptions, assign_with_threads};
use telegram_identity::testdata::{Quality, generate};

const SEED: u64 = 20_261_122;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn percentile(mut xs: Vec<f64>, p: f64) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[((xs.len() as f64 * p) as usize).min(xs.len() - 1)]
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        // `cargo test` runs harness-less benches without `--bench`: a smoke check only.
        let data = generate(500, SEED);
        let options = MatchOptions {
            region: Some(data.region.into()),
        };
        let result = assign_with_threads(&data.contacts, &data.people, &options, 2);
        assert!(!result.proposals.is_empty());
        println!("benchmark smoke check passed (run `cargo bench` for the report)");
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let no_wasm = args.iter().any(|a| a == "--no-wasm");
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    println!("identity engine benchmark (seed {SEED}, {threads} threads available)\n");

    let start = Instant::now();
    let data = generate(sides(100_000), SEED);
    let options = MatchOptions {
        region: Some(data.region.into()),
    };
    println!(
        "generated: {} contacts, {} Telegram people in {:.2} s",
        data.contacts.len(),
        data.people.len(),
        secs(start.elapsed())
    );

    // Bulk, all threads and one thread.
    let mut runs = Vec::new();
    let mut result = None;
    for _ in 0..5 {
        let t = Instant::now();
        let r = assign_with_threads(&data.contacts, &data.people, &options, threads);
        runs.push(secs(t.elapsed()));
        result = Some(r);
    }
    let bulk_all = median(runs.clone());
    let result = result.expect("ran");
    println!(
        "bulk 100k x 100k, {threads} threads: median {bulk_all:.3} s of {:?}",
        rounded(&runs)
    );
    let mut runs1 = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let r = assign_with_threads(&data.contacts, &data.people, &options, 1);
        runs1.push(secs(t.elapsed()));
        assert_eq!(
            r.proposals.len(),
            result.proposals.len(),
            "threads never change the result"
        );
    }
    let bulk_one = median(runs1.clone());
    println!(
        "bulk 100k x 100k, 1 thread: median {bulk_one:.3} s of {:?}",
        rounded(&runs1)
    );
    let q = Quality::measure(&data, &result);
    println!(
        "  quality: precision {:.4} recall {:.4} F1 {:.4}; auto precision {:.5} ({} auto, {} review)",
        q.precision(),
        q.recall(),
        q.f1(),
        q.auto_precision(),
        q.auto_proposed,
        q.proposed - q.auto_proposed
    );

    // Rank one contact against the 100k directory.
    let t = Instant::now();
    let directory = Directory::with_threads(&data.people, 1);
    let build = secs(t.elapsed());
    let mut per_contact = Vec::new();
    for c in data.contacts.iter().take(1_000) {
        let t = Instant::now();
        std::hint::black_box(directory.rank(c, &options, 10));
        per_contact.push(secs(t.elapsed()) * 1e3);
    }
    let rank_median = median(per_contact.clone());
    println!(
        "rank one contact vs 100k directory: median {:.4} ms, p99 {:.4} ms (directory built once in {:.3} s)",
        rank_median,
        percentile(per_contact, 0.99),
        build
    );
    // The same contacts in batches of 100, as the wasm run times them.
    let mut batches = Vec::new();
    for chunk in data.contacts[..1_000].chunks(100) {
        let t = Instant::now();
        for c in chunk {
            std::hint::black_box(directory.rank(c, &options, 10));
        }
        batches.push(secs(t.elapsed()) * 1e3 / chunk.len() as f64);
    }
    let rank_batched = median(batches);
    println!("  in batches of 100: median {rank_batched:.4} ms per contact");

    if !no_wasm {
        wasm(bulk_one, rank_median, rank_batched);
    }

    if !quick {
        let t = Instant::now();
        let big = generate(sides(1_000_000), SEED);
        let generated = secs(t.elapsed());
        let big_options = MatchOptions {
            region: Some(big.region.into()),
        };
        // Five runs, as for the 100k median; the first is shown apart, since it also pays for the
        // process's first use of that much memory.
        let mut big_runs = Vec::new();
        let mut r = None;
        for _ in 0..5 {
            let t = Instant::now();
            r = Some(assign_with_threads(
                &big.contacts,
                &big.people,
                &big_options,
                threads,
            ));
            big_runs.push(secs(t.elapsed()));
        }
        let r = r.expect("ran");
        let took = median(big_runs.clone());
        let q = Quality::measure(&big, &r);
        println!(
            "\nbulk 1M x 1M ({} contacts, {} people; generated in {generated:.1} s), {threads} threads: median {took:.2} s of {:?}",
            big.contacts.len(),
            big.people.len(),
            rounded(&big_runs)
        );
        println!(
            "  {:.1}x the 100k run's median for {:.1}x the contacts (first run alone {:.1}x); peak memory of this process {}",
            took / bulk_all,
            big.contacts.len() as f64 / data.contacts.len() as f64,
            big_runs[0] / bulk_all,
            peak_memory()
        );
        println!(
            "  quality: precision {:.4} recall {:.4} F1 {:.4}; auto precision {:.5} ({} auto)",
            q.precision(),
            q.recall(),
            q.f1(),
            q.auto_precision(),
            q.auto_proposed
        );
    }
}

/// The process's peak resident memory (Linux `VmHWM`), or why it is unknown.
fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_string())
        })
        .unwrap_or_else(|| "unknown (no /proc/self/status)".into())
}

/// The generator puts 85 % of its persons on each side: this many persons give about `n` contacts
/// and `n` Telegram people.
fn sides(n: usize) -> usize {
    n * 20 / 17
}

fn rounded(xs: &[f64]) -> Vec<f64> {
    xs.iter().map(|x| (x * 1000.0).round() / 1000.0).collect()
}

/// Builds `examples/wasm_bench.rs` for wasm32 and runs the same workload under Node.
fn wasm(native_bulk: f64, native_rank_ms: f64, native_batch_ms: f64) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    println!("\nwasm32 (profile wasm-release) under Node, same workload, against 1 native thread:");
    let status = Command::new(&cargo)
        .current_dir(&root)
        .args([
            "build",
            "--quiet",
            "--profile",
            "wasm-release",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "telegram-identity",
            "--example",
            "wasm_bench",
        ])
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        println!(
            "  skipped: the wasm build failed ({status:?}); `rustup target add wasm32-unknown-unknown`?"
        );
        return;
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("../../target"));
    let wasm = target.join("wasm32-unknown-unknown/wasm-release/examples/wasm_bench.wasm");
    let out = Command::new("node")
        .arg(root.join("benches/wasm_bench.mjs"))
        .arg(&wasm)
        .args([&sides(100_000).to_string(), "3", "1000"])
        .output();
    let out = match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        Ok(o) => {
            return println!(
                "  skipped: node failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        Err(e) => return println!("  skipped: cannot run node: {e}"),
    };
    let numbers = |key: &str| -> Vec<f64> {
        let start = out
            .find(&format!("\"{key}\":["))
            .map(|i| i + key.len() + 4)
            .unwrap_or(0);
        let end = out[start..].find(']').map_or(start, |i| start + i);
        out[start..end]
            .split(',')
            .filter_map(|x| x.trim().parse().ok())
            .collect()
    };
    let bulk = median(numbers("assign_ms")) / 1e3;
    let rank = median(numbers("rank_ms"));
    let batch = median(numbers("rank_batch_ms"));
    println!(
        "  bulk 100k x 100k: wasm median {bulk:.3} s, native {native_bulk:.3} s, ratio {:.2}",
        bulk / native_bulk
    );
    println!(
        "  rank one contact: wasm median {rank:.4} ms, native {native_rank_ms:.4} ms, ratio {:.2}",
        rank / native_rank_ms
    );
    println!(
        "  rank in batches of 100: wasm {batch:.4} ms per contact, native {native_batch_ms:.4} ms, ratio {:.2}",
        batch / native_batch_ms
    );
    if let Ok(meta) = std::fs::metadata(&wasm) {
        println!(
            "  ({} bytes of wasm, names section included, no wasm-opt)",
            meta.len()
        );
    }
}
