//! The HTTP server: the relay's router on hyper's HTTP/1 connections, with the limits
//! `axum::serve` does not offer.
//!
//! - **Header-read timeout**: a connection that does not finish a request's headers in time is
//!   closed, and the same clock runs while a kept-alive connection waits for its next request
//!   (hyper starts it again after each response), so idle and half-sent connections do not pile up.
//! - **Connection cap**: at most `max_connections` are served at once. At the cap the relay stops
//!   accepting (logging it, at most once a minute); new connections wait in the kernel's backlog
//!   until a slot frees, instead of failing `accept` on the process's file limit.
//! - **Shutdown deadline**: on SIGTERM the relay stops accepting, lets requests in flight finish,
//!   and closes what is still open when the deadline passes, so a half-sent request cannot keep a
//!   restart waiting.
//!
//! Telegram and browsers (through the CRM's proxy) speak HTTP/1.1 to the relay; TLS and HTTP/2 are
//! the reverse proxy's business.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// The server's limits; see the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Time allowed for a request's headers, and for an idle kept-alive connection.
    pub header_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// Time allowed after SIGTERM before open connections are closed.
    pub shutdown_deadline: Duration,
}

/// Default header-read and idle timeout.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default connection cap: well under the usual file limit of 1,024, with room for the database
/// and the logs.
pub const DEFAULT_MAX_CONNECTIONS: usize = 768;
/// Default shutdown deadline: below the 30 s most supervisors wait before SIGKILL.
pub const DEFAULT_SHUTDOWN_DEADLINE: Duration = Duration::from_secs(20);

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            shutdown_deadline: DEFAULT_SHUTDOWN_DEADLINE,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then drains within the deadline.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let capacity = limits.max_connections.max(1);
    let slots = Arc::new(Semaphore::new(capacity));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let mut told_full: Option<Instant> = None;
    tokio::pin!(shutdown);
    loop {
        if slots.available_permits() == 0
            && told_full.is_none_or(|t| t.elapsed() > Duration::from_secs(60))
        {
            tracing::warn!(
                max_connections = limits.max_connections,
                "connection cap reached; new connections wait until one closes (--max-connections)"
            );
            told_full = Some(Instant::now());
        }
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A client that goes away or times out is not the relay's error.
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    let open = capacity - slots.available_permits();
    tracing::info!(open, "no longer accepting; finishing requests in flight");
    if tokio::time::timeout(limits.shutdown_deadline, graceful.shutdown())
        .await
        .is_err()
    {
        let open = capacity - slots.available_permits();
        tracing::warn!(
            open,
            deadline_s = limits.shutdown_deadline.as_secs(),
            "shutdown deadline passed; closing the connections still open"
        );
    }
}
