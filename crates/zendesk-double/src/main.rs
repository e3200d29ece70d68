//! `zendesk-double`: serves the Zendesk API double on loopback for the demo and the tests.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use zendesk_double::{Double, app, seed};

/// A stand-in for Zendesk Support's REST API (demo and tests only: its token is public).
#[derive(Parser, Debug)]
#[command(name = "zendesk-double", version)]
struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8790")]
    listen: SocketAddr,
    /// JSON file holding the account; created from the demo seed when missing. Without it the
    /// account lives in memory only.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Start from the demo seed even if the data file exists (it is overwritten).
    #[arg(long)]
    reset: bool,
    /// The account's API token (Basic authentication as `{email}/token:{token}`).
    #[arg(long, default_value = seed::DEMO_API_TOKEN)]
    token: String,
    /// Requests per minute before 429 (Zendesk plans: 200 to 2,500).
    #[arg(long)]
    rate_limit: Option<u32>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match serve(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("zendesk-double: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(cli: Cli) -> Result<(), String> {
    if cli.reset
        && let Some(path) = &cli.data
        && path.exists()
    {
        std::fs::remove_file(path)
            .map_err(|e| format!("--reset: could not remove {}: {e}", path.display()))?;
    }
    let double =
        Double::open(cli.data.as_deref(), seed::demo(), cli.token).map_err(|e| e.to_string())?;
    if let Some(limit) = cli.rate_limit {
        let faults = zendesk_double::limits::Faults {
            rate_limit: limit,
            ..double.faults()
        };
        double
            .set_faults(faults)
            .map_err(|e| format!("--rate-limit: {e}"))?;
    }
    let listener = tokio::net::TcpListener::bind(cli.listen)
        .await
        .map_err(|e| {
            format!(
                "could not listen on {} ({e}); pass --listen with a free address",
                cli.listen
            )
        })?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    eprintln!("zendesk-double: listening on http://{addr}");
    axum::serve(listener, app(double.clone()))
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| e.to_string())?;
    double
        .save()
        .await
        .map_err(|e| format!("could not save the account on exit: {e}"))
}

async fn shutdown() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
