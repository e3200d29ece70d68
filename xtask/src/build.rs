//! Building the plugin, the relay and the Zendesk package.
//!
//! `dist/plugin/` is what the demo and the end-to-end tests serve as the plugin origin:
//!
//! | file | from |
//! |---|---|
//! | `index.html` | `www/index.html` (loads the bundled SDK) |
//! | `zaf_sdk.js` | `node_modules/zendesk_app_framework_sdk/lib/*.js`, bundled here |
//! | `start.js`, icons | `assets/` |
//! | `logo.png`, `logo-small.png` | drawn by `logo.rs` |
//! | `bulk.html` | `www/bulk.html` (the nav bar's bulk linking page, same SDK) |
//! | `telegram_sidebar.js`, `telegram_sidebar_bg.wasm` | the root crate via `wasm-bindgen` and `wasm-opt -Oz` |
//! | `telegram_bulk.js`, `telegram_bulk_bg.wasm` | `crates/bulk`, the same way |
//!
//! The package zip holds `manifest.json`, `translations/` and `assets/` (the committed assets, whose
//! `index.html` loads the SDK from Zendesk's CDN), the wasm and its glue, and the logos.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::archive::zip_stored;
use crate::{cargo, logo, manifest, root, run, setup, target_dir};

/// The wasm bundles: (package, the name wasm-bindgen gives its outputs). Each is its own page:
/// the sidebar (`index.html`) and the bulk linking page (`bulk.html`, the nav bar), so the
/// sidebar never downloads the bulk page's code.
pub const BUNDLES: [(&str, &str); 2] = [
    ("telegram-sidebar", "telegram_sidebar"),
    ("telegram-bulk", "telegram_bulk"),
];

/// Where `cargo xtask build` puts the plugin.
pub fn plugin_dir() -> PathBuf {
    root().join("dist/plugin")
}

/// Builds the plugin into `dist/plugin/`.
pub fn plugin() -> Result<(), String> {
    let target = target_dir();
    let out = plugin_dir();
    if out.exists() {
        fs::remove_dir_all(&out).map_err(|e| format!("could not clear {}: {e}", out.display()))?;
    }
    fs::create_dir_all(&out).map_err(|e| format!("could not create {}: {e}", out.display()))?;
    for (package, name) in BUNDLES {
        // One cargo run per bundle: built together, cargo would unify the sidebar's `start`
        // feature into the bulk bundle, which would then have two start functions.
        run(cargo().args([
            "build",
            "--profile",
            "wasm-release",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            package,
            "--lib",
        ]))?;
        let wasm = target.join(format!("wasm32-unknown-unknown/wasm-release/{name}.wasm"));
        let bindgen_out = target.join("wasm-bindgen");
        run(Command::new("wasm-bindgen")
            .args(["--target", "web", "--no-typescript", "--out-dir"])
            .arg(&bindgen_out)
            .arg(&wasm))?;
        run(Command::new(setup::wasm_opt())
            .args(["-Oz", "--strip-debug", "--strip-producers"])
            .args(WASM_FEATURES)
            .arg(bindgen_out.join(format!("{name}_bg.wasm")))
            .arg("-o")
            .arg(out.join(format!("{name}_bg.wasm"))))?;
        copy(
            &bindgen_out.join(format!("{name}.js")),
            &out.join(format!("{name}.js")),
        )?;
    }
    for entry in read_dir(&root().join("assets"))? {
        if entry
            .file_name()
            .is_some_and(|n| n != "index.html" && n != "bulk.html")
        {
            copy(&entry, &out.join(entry.file_name().unwrap()))?;
        }
    }
    copy(&root().join("www/index.html"), &out.join("index.html"))?;
    copy(&root().join("www/bulk.html"), &out.join("bulk.html"))?;
    for (file, size) in logo::LOGOS {
        write(&out.join(file), &logo::png(size))?;
    }
    write(
        &out.join("zaf_sdk.js"),
        zaf_sdk_bundle(&root().join("node_modules/zendesk_app_framework_sdk"))?.as_bytes(),
    )
}

/// Features the Rust wasm32 target emits by default; wasm-opt must accept them.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// The native services the demo, the end-to-end tests and the report run.
pub struct Services {
    /// `telegram-relay`.
    pub relay: PathBuf,
    /// `zendesk-double`, the stand-in for Zendesk's servers.
    pub zendesk: PathBuf,
    /// `telegram-double`, the stand-in for Telegram's Bot API servers.
    pub telegram: PathBuf,
}

/// Builds the relay and the two doubles in one cargo run and returns their paths.
pub fn services(release: bool) -> Result<Services, String> {
    let mut cmd = cargo();
    cmd.args([
        "build",
        "-p",
        "telegram-relay",
        "--bin",
        "telegram-relay",
        "-p",
        "zendesk-double",
        "--bin",
        "zendesk-double",
        "-p",
        "telegram-double",
        "--bin",
        "telegram-double",
    ]);
    if release {
        cmd.arg("--release");
    }
    run(&mut cmd)?;
    let dir = target_dir().join(if release { "release" } else { "debug" });
    let found = |name: &str| {
        let bin = dir.join(name);
        if bin.exists() {
            Ok(bin)
        } else {
            Err(format!("the build produced no {}", bin.display()))
        }
    };
    Ok(Services {
        relay: found("telegram-relay")?,
        zendesk: found("zendesk-double")?,
        telegram: found("telegram-double")?,
    })
}

/// `cargo test` of the root crate's `tests/*.rs` for wasm32, run by `wasm-bindgen-test-runner` in
/// Debian's headless Chromium through chromedriver (`webdriver.json` at the root gives Chromium's
/// path and flags: headless, no sandbox as root).
pub fn wasm_bindgen_tests() -> Command {
    let mut cmd = cargo();
    cmd.args([
        "test",
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        "telegram-sidebar",
        "--test",
        "*",
    ])
    .env(
        "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
        "wasm-bindgen-test-runner",
    )
    .env("CHROMEDRIVER", setup::CHROMEDRIVER)
    .env("WASM_BINDGEN_TEST_TIMEOUT", "120");
    cmd
}

/// Builds the plugin and writes the Zendesk app zip; returns its path.
pub fn package() -> Result<PathBuf, String> {
    let root = root();
    let (manifest_json, translations) = manifest::load(&root)?;
    let has_file = |path: &str| root.join(path).is_file();
    let problems = manifest::check(&manifest::App {
        manifest: manifest_json,
        translations,
        has_file: &has_file,
    });
    if !problems.is_empty() {
        return Err(format!(
            "manifest.json or translations/ break Zendesk's rules:\n  {}",
            problems.join("\n  ")
        ));
    }
    let page = String::from_utf8(read(&root.join("assets/index.html"))?).unwrap_or_default();
    if !page.contains(manifest::ZAF_SDK_CDN) {
        return Err(format!(
            "assets/index.html must load the ZAF SDK from Zendesk's CDN ({})",
            manifest::ZAF_SDK_CDN
        ));
    }
    plugin()?;
    let entries = package_entries(&root, &plugin_dir())?;
    let version = env!("CARGO_PKG_VERSION");
    let zip = root.join(format!("dist/telegram-sidebar-{version}.zip"));
    write(&zip, &zip_stored(&entries))?;
    Ok(zip)
}

/// The files of the Zendesk package, by their path inside the zip.
fn package_entries(root: &Path, plugin: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut entries = vec![(
        "manifest.json".to_string(),
        read(&root.join("manifest.json"))?,
    )];
    for path in read_dir(&root.join("translations"))? {
        entries.push((format!("translations/{}", name(&path)), read(&path)?));
    }
    for path in read_dir(&root.join("assets"))? {
        entries.push((format!("assets/{}", name(&path)), read(&path)?));
    }
    for (_, bundle) in BUNDLES {
        for file in [format!("{bundle}.js"), format!("{bundle}_bg.wasm")] {
            entries.push((format!("assets/{file}"), read(&plugin.join(&file))?));
        }
    }
    for (file, size) in logo::LOGOS {
        entries.push((format!("assets/{file}"), logo::png(size)));
    }
    Ok(entries)
}

/// Bundles the npm copy of the ZAF SDK (CommonJS modules under `lib/`) into one classic script
/// that defines `window.ZAFClient`, as Zendesk's CDN build does.
pub fn zaf_sdk_bundle(package: &Path) -> Result<String, String> {
    let lib = package.join("lib");
    let meta = fs::read_to_string(package.join("package.json")).map_err(|e| {
        format!(
            "{}: {e}; run `cargo xtask setup` (npm ci)",
            package.display()
        )
    })?;
    let version = meta
        .split("\"version\":")
        .nth(1)
        .and_then(|s| s.split('"').nth(1))
        .unwrap_or("unknown");
    let mut out = format!(
        "/* zendesk_app_framework_sdk {version} from npm (Apache-2.0, (c) Zendesk, see its LICENSE),\n   \
         bundled by `cargo xtask build`: each lib/ module wrapped in a function, with a minimal require. */\n\
         (function () {{\nvar defs = {{}}, cache = {{}};\n\
         function require(id) {{\n  id = id.replace(/^\\.\\//, '').replace(/\\.js$/, '');\n  \
         if (!cache[id]) {{ var module = {{ exports: {{}} }}; cache[id] = module; defs[id](module, module.exports, require); }}\n  \
         return cache[id].exports;\n}}\n"
    );
    for id in ["index", "client", "utils", "vendor/native-promise-only"] {
        let path = lib.join(format!("{id}.js"));
        let source = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        out.push_str(&format!(
            "defs[{id:?}] = function (module, exports, require) {{\n{source}\n}};\n"
        ));
    }
    out.push_str("window.ZAFClient = require('index');\n}());\n");
    Ok(out)
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// The files (not directories) of `dir`, sorted by name.
fn read_dir(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    fs::copy(from, to)
        .map(drop)
        .map_err(|e| format!("copying {} to {}: {e}", from.display(), to.display()))
}

#[cfg(test)]
mod tests {
    use std::env;

    use super::*;
    use crate::archive::{png_size, unzip_stored};

    #[test]
    fn package_zip_holds_the_app_files() {
        // A stand-in plugin build: package_entries only copies each bundle's two files.
        let plugin = env::temp_dir().join(format!("xtask-package-test-{}", std::process::id()));
        fs::create_dir_all(&plugin).unwrap();
        for (_, bundle) in BUNDLES {
            fs::write(
                plugin.join(format!("{bundle}.js")),
                "export default function init() {}",
            )
            .unwrap();
            fs::write(plugin.join(format!("{bundle}_bg.wasm")), b"\0asm\x01\0\0\0").unwrap();
        }

        let zip = zip_stored(&package_entries(&root(), &plugin).unwrap());
        fs::remove_dir_all(&plugin).unwrap();
        let entries = unzip_stored(&zip).unwrap();
        let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
        for required in [
            "manifest.json",
            "translations/en.json",
            "translations/es.json",
            "translations/ru.json",
            "assets/index.html",
            "assets/start.js",
            "assets/icon_nav_bar.svg",
            "assets/telegram_sidebar.js",
            "assets/telegram_sidebar_bg.wasm",
            "assets/bulk.html",
            "assets/bulk.js",
            "assets/match-worker.js",
            "assets/telegram_bulk.js",
            "assets/telegram_bulk_bg.wasm",
            "assets/logo.png",
            "assets/logo-small.png",
        ] {
            assert!(
                names.contains(&required),
                "{required} missing from {names:?}"
            );
        }
        let file = |n: &str| &entries.iter().find(|(name, _)| name == n).unwrap().1;
        assert_eq!(png_size(file("assets/logo.png")), Some((320, 320)));
        assert_eq!(png_size(file("assets/logo-small.png")), Some((128, 128)));
        let index = String::from_utf8(file("assets/index.html").clone()).unwrap();
        assert!(
            index.contains(manifest::ZAF_SDK_CDN),
            "the packaged page loads Zendesk's CDN SDK"
        );
        assert!(
            !names.iter().any(|n| n.contains("zaf_sdk.js")),
            "the npm SDK copy stays out of the package"
        );
    }

    #[test]
    fn zaf_bundle_defines_the_global_client() {
        let package = root().join("node_modules/zendesk_app_framework_sdk");
        let bundle = zaf_sdk_bundle(&package).unwrap();
        assert!(bundle.contains("window.ZAFClient = require('index');"));
        assert!(bundle.contains("defs[\"client\"]"));
        assert!(bundle.starts_with("/* zendesk_app_framework_sdk 2.0.11 from npm (Apache-2.0"));
    }
}
