//! Tool installation. Each step checks first and does nothing when the right tool is present.

use std::process::Command;

use crate::run;

pub fn all() -> Result<(), String> {
    wasm_target()
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
