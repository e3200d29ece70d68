//! A relay process for the tests that need the real binary: started with its text logs read on a
//! thread, ready once it logs `listening`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The Telegram message IDs of `person`'s whole conversation through the relay at `url`, every
/// page back from the newest (so that a capped page cannot hide a lost or doubled message).
pub async fn conversation(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    person: u64,
) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut before = String::new();
    loop {
        let page: serde_json::Value = client
            .get(format!(
                "{url}/v1/people/{person}/messages?limit=1000{before}"
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.extend(
            page["messages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["telegram_message_id"].as_i64().unwrap()),
        );
        match page["older"].as_str() {
            Some(older) => before = format!("&before={older}"),
            None => return ids,
        }
    }
}

/// A running relay.
pub struct Server {
    pub child: Child,
    pub url: String,
    pub logs: mpsc::Receiver<String>,
}

/// Starts a serving command (text logs) and waits for its "listening" log line.
pub fn start(command: &mut Command) -> Server {
    if !command.get_envs().any(|(k, _)| k == "RUST_LOG") {
        command.env("RUST_LOG", "info");
    }
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, logs) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let url = loop {
        let line = match logs.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => line,
            // Say why: the relay exited (its stderr closed) or stayed silent, with what it logged.
            Err(e) => panic!(
                "the relay did not log `listening` ({e}); exit status {:?}; its log:\n{}",
                child.try_wait(),
                seen.join("\n")
            ),
        };
        seen.push(line.clone());
        if let Some(addr) = line
            .split("addr=")
            .nth(1)
            .filter(|_| line.contains("listening"))
        {
            break format!("http://{}", addr.split_whitespace().next().unwrap());
        }
    };
    Server { child, url, logs }
}
