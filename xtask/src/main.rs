//! Project automation, run as `cargo xtask <command>`.
//!
//! Every command does its own set-up and skips the steps that are already done, so the same
//! command works on a fresh machine and is quick on a warm one.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod setup;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  test     run every test of the workspace (native, wasm builds, end-to-end)
  demo     build everything and run the demo: relay with sample data, plugin in a local CRM page
  setup    install the tools the other commands need (skips what is present)
";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(&args[1..]),
        Some("demo") => demo(&args[1..]),
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

/// The workspace root (the parent of this crate's directory).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
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
    setup::wasm_target()?;
    // Native tests of every crate.
    run(cargo().args(["test", "--workspace", "--all-targets"]))?;
    run(cargo().args(["test", "--workspace", "--doc"]))?;
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
    Ok(())
}

fn demo(_args: &[String]) -> Result<(), String> {
    run(cargo().args(["run", "--release", "-p", "telegram-relay", "--", "demo"]))
}
