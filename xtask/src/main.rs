//! Project automation, run as `cargo xtask <command>`.
//!
//! Every command does its own set-up and skips the steps that are already done, so the same
//! command works on a fresh machine and is quick on a warm one.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod archive;
mod build;
mod demo;
mod logo;
mod manifest;
mod setup;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  test     run every test of the workspace (native, wasm in headless Chromium, end-to-end)
  demo     build everything and run the demo: relay with sample data, Zendesk double, plugin in a
           local CRM page (`--reset`: the CRM contacts back to the seed)
  package  build the Zendesk app zip into dist/
  build    build the plugin into dist/plugin/ (wasm, JS glue, host pages, bundled ZAF SDK)
  report   print size, start-up time and scrolling figures of the plugin (not a test)
  setup    install the tools the other commands need (skips what is present)
";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(&args[1..]),
        Some("demo") => demo::run(&args[1..]),
        Some("package") => setup::all().and_then(|()| build::package()).map(|zip| {
            eprintln!("xtask: wrote {}", zip.display());
        }),
        Some("build") => setup::all().and_then(|()| build::plugin()),
        Some("report") => report(),
        Some("setup") => setup::all(),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
        None => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of this crate's directory). `cargo run` gives the manifest
/// directory at run time; the compile-time value is only a fallback, because a binary in a shared
/// target directory may have been compiled from another checkout.
pub fn root() -> PathBuf {
    let manifest_dir = env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    Path::new(&manifest_dir)
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// Cargo's target directory (honours `CARGO_TARGET_DIR`).
pub fn target_dir() -> PathBuf {
    env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

/// Runs a command in the workspace root, echoing it, and fails if it fails.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    eprintln!("$ {}", describe(cmd));
    let status = cmd
        .current_dir(root())
        .status()
        .map_err(|e| format!("could not start `{}`: {e}", describe(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", describe(cmd)))
    }
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

pub fn cargo() -> Command {
    Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn test(_args: &[String]) -> Result<(), String> {
    setup::all()?;
    // Formatting and lints first: cheap, and a failure here is the author's to fix.
    run(cargo().args(["fmt", "--all", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    run(cargo().args([
        "clippy",
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        "telegram-sidebar",
        "-p",
        "telegram-bulk",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    // Native tests of every crate.
    run(cargo().args(["test", "--workspace", "--all-targets"]))?;
    run(cargo().args(["test", "--workspace", "--doc"]))?;
    // The relay's HTTP tests again, over PostgreSQL (each test on a throwaway cluster of its
    // own); the conformance suite already ran on both backends.
    run(cargo()
        .args(["test", "-p", "telegram-relay"])
        .args(["--test", "api", "--test", "webhook", "--test", "import"])
        .args(["--test", "replies", "--test", "sync"])
        .env("RELAY_TEST_DB", "postgres"))?;
    // The pure crates must build for the browser.
    run(cargo().args([
        "build",
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        "telegram-identity",
        "-p",
        "telegram-relay-api",
        "--lib",
    ]))?;
    // The plugin's component tests, in headless Chromium.
    if root().join("tests").is_dir() {
        run(&mut build::wasm_bindgen_tests())?;
    }
    // End to end: the real relay demo, the Zendesk double, the local CRM page and the built
    // plugin in Chromium.
    build::plugin()?;
    let services = build::services(false)?;
    run(Command::new("node")
        .args(["--test", "--test-reporter=spec", "e2e/"])
        .env("RELAY_BIN", &services.relay)
        .env("ZENDESK_BIN", &services.zendesk)
        .env("TELEGRAM_BIN", &services.telegram)
        .env("PLUGIN_DIR", build::plugin_dir()))
}

fn report() -> Result<(), String> {
    setup::all()?;
    build::plugin()?;
    let services = build::services(true)?;
    run(Command::new("node")
        .arg("e2e/report.mjs")
        .env("RELAY_BIN", &services.relay)
        .env("ZENDESK_BIN", &services.zendesk)
        .env("TELEGRAM_BIN", &services.telegram)
        .env("PLUGIN_DIR", build::plugin_dir()))
}
