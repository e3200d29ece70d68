//! Tool installation. Each step checks first and does nothing when the right tool is present, so
//! `cargo xtask setup` is quick on a warm machine and complete on a fresh one.
//!
//! | tool | check | install |
//! |---|---|---|
//! | wasm32 target | `rustup target list --installed` | `rustup target add` |
//! | rustfmt, clippy (the test command's gate) | `rustup component list --installed` | `rustup component add` |
//! | wasm-bindgen CLI | `wasm-bindgen --version` equals `Cargo.lock` | `cargo install wasm-bindgen-cli --version X` |
//! | npm packages (ZAF SDK, Playwright, binaryen's `wasm-opt`) | `node_modules/.package-lock.json` newer than `package-lock.json` | `npm ci` |
//! | Chromium and chromedriver | `/usr/bin/chromium`, `/usr/bin/chromedriver` | `apt-get install chromium chromium-driver` |
//! | PostgreSQL server binaries (the relay's tests start a throwaway cluster) | `/usr/lib/postgresql/*/bin/initdb` | `apt-get install postgresql` |

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cargo, root, run};

/// Where Debian puts its Chromium; the e2e tests and `wasm-bindgen-test-runner` use it.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's chromedriver (package `chromium-driver`), for `wasm-bindgen-test-runner`.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Every step, in the order the other commands need them.
pub fn all() -> Result<(), String> {
    wasm_target()?;
    components()?;
    wasm_bindgen_cli()?;
    npm_packages()?;
    chromium()?;
    postgresql()
}

/// `rustup target add wasm32-unknown-unknown`, unless it is installed.
pub fn wasm_target() -> Result<(), String> {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("could not run rustup (needed for the wasm32 target): {e}"))?;
    if String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// `rustup component add rustfmt clippy`, unless both are installed (a `minimal` rustup profile
/// has neither).
pub fn components() -> Result<(), String> {
    let out = Command::new("rustup")
        .args(["component", "list", "--installed"])
        .output()
        .map_err(|e| format!("could not run rustup (needed for rustfmt and clippy): {e}"))?;
    let installed = String::from_utf8_lossy(&out.stdout);
    let missing: Vec<&str> = ["rustfmt", "clippy"]
        .into_iter()
        .filter(|c| !installed.lines().any(|l| l.starts_with(&format!("{c}-"))))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    run(Command::new("rustup")
        .args(["component", "add"])
        .args(&missing))
}

/// The version of `package` recorded in a `Cargo.lock` text, if the lock has exactly one.
pub fn locked_version(lock: &str, package: &str) -> Option<String> {
    let wanted = format!("name = \"{package}\"");
    let mut versions = Vec::new();
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let version = lines.next()?.trim();
            let version = version.strip_prefix("version = \"")?.strip_suffix('"')?;
            versions.push(version.to_string());
        }
    }
    match versions.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// The `wasm-bindgen` CLI at exactly the version of the `wasm-bindgen` crate in `Cargo.lock`
/// (the CLI refuses wasm from any other version). Nothing to do while no crate uses wasm-bindgen.
pub fn wasm_bindgen_cli() -> Result<(), String> {
    let lock_path = root().join("Cargo.lock");
    let lock = fs::read_to_string(&lock_path)
        .map_err(|e| format!("could not read {}: {e}", lock_path.display()))?;
    let Some(wanted) = locked_version(&lock, "wasm-bindgen") else {
        return Ok(());
    };
    let installed = Command::new("wasm-bindgen")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if installed.as_deref() == Some(&format!("wasm-bindgen {wanted}")) {
        return Ok(());
    }
    eprintln!(
        "xtask: installing wasm-bindgen-cli {wanted} (found {}); this takes about 15 minutes on two cores",
        installed.as_deref().unwrap_or("none")
    );
    // Not `--locked`: the CLI's own lock file names a crate version the registry no longer has.
    run(cargo().args(["install", "wasm-bindgen-cli", "--version", &wanted]))
}

/// `npm ci` when `node_modules` is missing or older than `package-lock.json`.
pub fn npm_packages() -> Result<(), String> {
    let root = root();
    let lock = root.join("package-lock.json");
    let installed = root.join("node_modules/.package-lock.json");
    if is_fresh(&installed, &[&lock, &root.join("package.json")]) {
        return Ok(());
    }
    let command = if lock.exists() { "ci" } else { "install" };
    run(Command::new("npm").args([command, "--no-audit", "--no-fund"]))
        .map_err(|e| format!("{e}\nnpm is needed for the ZAF SDK, Playwright and wasm-opt: install Node.js 20 or newer with npm"))
}

/// Debian's Chromium and chromedriver, installed with apt when missing.
pub fn chromium() -> Result<(), String> {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return Ok(());
    }
    let hint = "install Debian's `chromium` and `chromium-driver` packages (as root: \
                apt-get update && apt-get install -y chromium chromium-driver)";
    run(Command::new("apt-get").arg("update")).map_err(|e| format!("{e}\n{hint}"))?;
    run(Command::new("apt-get")
        .args([
            "install",
            "-y",
            "--no-install-recommends",
            "chromium",
            "chromium-driver",
        ])
        .env("DEBIAN_FRONTEND", "noninteractive"))
    .map_err(|e| format!("{e}\n{hint}"))
}

/// Debian's PostgreSQL server binaries, installed with apt when missing. Only the binaries are
/// used: the tests run `initdb` and `pg_ctl` on a temporary directory and port of their own, so
/// no system cluster needs to run.
pub fn postgresql() -> Result<(), String> {
    let installed = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| e.path().join("bin/initdb").exists());
    if installed {
        return Ok(());
    }
    let hint = "install Debian's `postgresql` package (as root: apt-get update && apt-get \
                install -y postgresql)";
    run(Command::new("apt-get").arg("update")).map_err(|e| format!("{e}\n{hint}"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends", "postgresql"])
        .env("DEBIAN_FRONTEND", "noninteractive"))
    .map_err(|e| format!("{e}\n{hint}"))
}

/// `wasm-opt` from the npm package `binaryen` (Debian's is too old for current Rust wasm).
pub fn wasm_opt() -> PathBuf {
    root().join("node_modules/.bin/wasm-opt")
}

/// True when `target` exists and is at least as new as every existing `source`.
fn is_fresh(target: &Path, sources: &[&Path]) -> bool {
    let Ok(target_time) = fs::metadata(target).and_then(|m| m.modified()) else {
        return false;
    };
    sources
        .iter()
        .all(|s| match fs::metadata(s).and_then(|m| m.modified()) {
            Ok(t) => t <= target_time,
            Err(_) => true,
        })
}

#[cfg(test)]
mod tests {
    use super::locked_version;

    #[test]
    fn locked_version_reads_the_package_entry() {
        let lock = "\
[[package]]
name = \"wasm-bindgen\"
version = \"0.2.130\"
source = \"registry+https://github.com/rust-lang/crates.io-index\"

[[package]]
name = \"wasm-bindgen-futures\"
version = \"0.4.55\"
";
        assert_eq!(
            locked_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(
            locked_version(lock, "wasm-bindgen-futures").as_deref(),
            Some("0.4.55")
        );
        assert_eq!(locked_version(lock, "yew"), None);
    }

    #[test]
    fn two_versions_of_one_package_are_ambiguous() {
        let lock = "name = \"wasm-bindgen\"\nversion = \"0.2.1\"\nname = \"wasm-bindgen\"\nversion = \"0.2.2\"\n";
        assert_eq!(locked_version(lock, "wasm-bindgen"), None);
    }
}
