//! `cargo xtask demo`: the relay's demo tenant, the Zendesk double, the local CRM page and the
//! plugin, on loopback.
//!
//! | what | where |
//! |---|---|
//! | relay (`telegram-relay demo`, fresh database `data/demo.db`) | `http://127.0.0.1:8787` |
//! | local CRM page (`www/crm/`, plays Zendesk's agent page) | `http://127.0.0.1:8788` |
//! | plugin assets (`dist/plugin/`) | `http://localhost:8789` |
//! | Zendesk double (`zendesk-double`, contacts kept in `data/zendesk.json`) | `http://127.0.0.1:8790` |
//! | Telegram Bot API double (`telegram-double`, the demo bot; replies land here) | `http://127.0.0.1:8791` |
//!
//! The contacts survive restarts (the CRM page's "Reset demo data" or `--reset` start over);
//! the relay's demo database is made fresh each time.
//!
//! Runs until Ctrl-C (which reaches the children too: they share the terminal's process group) or
//! until one child stops, in which case the others are stopped as well.

use std::process::{Child, Command};
use std::thread;
use std::time::Duration;

use crate::{build, root, setup};

const RELAY: &str = "127.0.0.1:8787";
const CRM: &str = "127.0.0.1:8788";
const PLUGIN: &str = "localhost:8789";
const ZENDESK: &str = "127.0.0.1:8790";
const TELEGRAM: &str = "127.0.0.1:8791";

pub fn run(args: &[String]) -> Result<(), String> {
    let reset = match args {
        [] => false,
        [flag] if flag == "--reset" => true,
        _ => return Err(
            "usage: cargo xtask demo [--reset]   (--reset: the CRM's contacts back to the seed)"
                .into(),
        ),
    };
    setup::all()?;
    build::plugin()?;
    let services = build::services(true)?;
    let relay_bin = services.relay;
    let data = root().join("data");
    std::fs::create_dir_all(&data).map_err(|e| format!("{}: {e}", data.display()))?;

    let relay = Command::new(&relay_bin)
        .args(["demo", "--listen", RELAY, "--db"])
        .arg(data.join("demo.db"))
        .args([
            "--allow-origin",
            &format!("http://{CRM}"),
            "--allow-origin",
            &format!("http://{PLUGIN}"),
            // New Telegram customers are saved in the double's account by the relay's sync.
            "--zendesk-url",
            &format!("http://{ZENDESK}"),
            // The agents' replies go to the Telegram double's demo bot.
            "--telegram-api-url",
            &format!("http://{TELEGRAM}"),
        ])
        .current_dir(root())
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", relay_bin.display()))?;
    let mut children = vec![("relay", relay)];
    let mut zendesk = Command::new(&services.zendesk);
    zendesk
        .args(["--listen", ZENDESK, "--data"])
        .arg(data.join("zendesk.json"));
    if reset {
        zendesk.arg("--reset");
    }
    match zendesk.current_dir(root()).spawn() {
        Ok(child) => children.push(("Zendesk double", child)),
        Err(e) => {
            stop(&mut children);
            return Err(format!(
                "could not start {}: {e}",
                services.zendesk.display()
            ));
        }
    }
    match Command::new(&services.telegram)
        .args([
            "--listen",
            TELEGRAM,
            "--business",
            "demo-business-connection",
        ])
        .current_dir(root())
        .spawn()
    {
        Ok(child) => children.push(("Telegram double", child)),
        Err(e) => {
            stop(&mut children);
            return Err(format!(
                "could not start {}: {e}",
                services.telegram.display()
            ));
        }
    }
    let pages = Command::new("node")
        .arg("www/serve.mjs")
        .args([
            "--crm",
            CRM,
            "--plugin",
            PLUGIN,
            "--relay",
            &format!("http://{RELAY}"),
        ])
        .args(["--zendesk", &format!("http://{ZENDESK}")])
        .arg("--plugin-dir")
        .arg(build::plugin_dir())
        .current_dir(root())
        .spawn();
    match pages {
        Ok(child) => children.push(("page server", child)),
        Err(e) => {
            stop(&mut children);
            return Err(format!("could not start node www/serve.mjs: {e}"));
        }
    }

    eprintln!(
        "\nTelegram Sidebar demo\n  open  http://{CRM}/   (the local CRM; the plugin is in its sidebar)\n  \
         relay http://{RELAY}   (tenant `demo`, token `demo-install-token`: demo only)\n  \
         Zendesk double http://{ZENDESK}   (contacts in data/zendesk.json; `cargo xtask demo --reset` starts over)\n  \
         stop  Ctrl-C\n"
    );
    loop {
        for i in 0..children.len() {
            if let Ok(Some(status)) = children[i].1.try_wait() {
                let name = children[i].0;
                children.remove(i);
                stop(&mut children);
                return if status.success() {
                    Ok(())
                } else {
                    Err(format!("the {name} stopped ({status})"))
                };
            }
        }
        thread::sleep(Duration::from_millis(200));
    }
}

fn stop(children: &mut [(&str, Child)]) {
    for (_, child) in children.iter_mut() {
        let _ = child.kill();
        let _ = child.wait();
    }
}
