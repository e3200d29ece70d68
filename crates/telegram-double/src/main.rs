//! `telegram-double`: serves the Telegram Bot API double on loopback for the demo and the
//! browser tests.
//!
//!   telegram-double [--listen 127.0.0.1:8791] [--bot ID:USERNAME]… [--business CONNECTION_ID]…
//!
//! Without `--bot`, it knows the demo bot (`telegram_relay`'s demo token). Each `--business`
//! connection belongs to the first bot, enabled and allowed to reply.

use std::net::SocketAddr;
use std::process::ExitCode;

use telegram_double::{Bot, BusinessConnection, DEMO_BOT_ID, DEMO_BOT_USERNAME, Double, app};

fn parse() -> Result<(SocketAddr, Vec<Bot>, Vec<String>), String> {
    let mut listen: SocketAddr = "127.0.0.1:8791".parse().expect("a valid address");
    let (mut bots, mut business) = (Vec::new(), Vec::new());
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value; see the top of src/main.rs"))?;
        match flag.as_str() {
            "--listen" => {
                listen = value
                    .parse()
                    .map_err(|e| format!("--listen {value:?}: {e}; write it as 127.0.0.1:8791"))?;
            }
            "--bot" => {
                let (id, username) = value
                    .split_once(':')
                    .and_then(|(id, u)| Some((id.parse::<i64>().ok()?, u)))
                    .ok_or_else(|| format!("--bot {value:?}: write it as ID:USERNAME"))?;
                bots.push(Bot::new(id, username));
            }
            "--business" => business.push(value),
            other => {
                return Err(format!(
                    "unknown option {other}; see the top of src/main.rs"
                ));
            }
        }
    }
    if bots.is_empty() {
        bots.push(Bot::new(DEMO_BOT_ID, DEMO_BOT_USERNAME));
    }
    Ok((listen, bots, business))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let (listen, bots, business) = match parse() {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("telegram-double: {message}");
            return ExitCode::from(2);
        }
    };
    let first = bots[0].id;
    let double = Double::new(bots);
    for id in business {
        double.connect_business(BusinessConnection {
            id,
            bot_id: first,
            can_reply: true,
            is_enabled: true,
        });
    }
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "telegram-double: could not listen on {listen} ({e}); pass --listen with a free address"
            );
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "telegram-double: listening on http://{}",
        listener.local_addr().map_or(listen, |a| a)
    );
    let serve = axum::serve(listener, app(double)).with_graceful_shutdown(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    });
    match serve.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("telegram-double: {e}");
            ExitCode::FAILURE
        }
    }
}
