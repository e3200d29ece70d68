//! The crate's contract, checked on its own sources: the library does no IO, reads no clock, uses
//! no unseeded randomness, depends on nothing but serde, and builds for wasm32.

use std::path::Path;

fn library_sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n == "bin") {
                    continue; // the CLI is the one place that does IO
                }
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push((
                    path.display().to_string(),
                    std::fs::read_to_string(&path).unwrap(),
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out.sort();
    out
}

#[test]
fn library_does_no_io_reads_no_clock_and_has_no_hidden_randomness() {
    let forbidden = [
        "std::fs",
        "std::net",
        "std::io::stdin",
        "std::env",
        "std::process",
        "Instant",
        "SystemTime",
        "HashMap",
        "HashSet",
        "RandomState",
        "thread_rng",
        "getrandom",
        "println!",
        "eprintln!",
    ];
    let sources = library_sources();
    assert!(sources.len() > 10, "found the sources: {}", sources.len());
    for (path, text) in &sources {
        for needle in forbidden {
            assert!(!text.contains(needle), "{path} uses {needle}");
        }
    }
}

#[test]
fn depends_on_serde_only() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let deps: Vec<&str> = manifest
        .split("\n[dependencies]\n")
        .nth(1)
        .expect("a [dependencies] table")
        .lines()
        .take_while(|l| !l.starts_with('['))
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| l.split('=').next().unwrap().trim())
        .collect();
    assert_eq!(deps, ["serde"]);
}

#[test]
fn builds_for_wasm32() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args([
            "check",
            "--quiet",
            "--lib",
            "-p",
            "telegram-identity",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the library must build for wasm32-unknown-unknown (install it with \
         `rustup target add wasm32-unknown-unknown`):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
