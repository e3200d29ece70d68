//! A test double of Zendesk Support's REST API, for the demo, the browser tests and the relay's
//! tests alike: the one stand-in for Zendesk's servers in this project.
//!
//! It holds one account (users, custom user fields, tickets) in memory, saved as JSON to a file so
//! the demo keeps its contacts across restarts, and answers the endpoints a sidebar app, a bulk
//! linking tool and a sync service use, in Zendesk's documented shapes (each handler cites its
//! page). It enforces what real Zendesk enforces and callers must cope with: authentication, role
//! permissions, the per-minute rate limit with `Retry-After`, at most 30 jobs in flight, and a
//! search index that lags behind writes. Faults (429 storms, 5xx bursts, slow answers, failing
//! bulk items) are switched on through `/__double/faults`, outside Zendesk's `/api/v2` space.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use zendesk_double::{Double, seed};
//!
//! let double = Double::open(None, seed::demo(), "demo-zendesk-token".into())?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! axum::serve(listener, zendesk_double::app(double)).await?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod account;
mod api;
pub mod error;
mod jobs;
pub mod limits;
pub mod model;
pub mod seed;

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::account::{Account, Snapshot};
use crate::limits::{Faults, RateLimiter};
use crate::model::JobStatus;

pub use api::{INTERNAL, app};

/// The most jobs one account may have queued or running at once
/// (<https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/>).
pub const MAX_JOBS_IN_FLIGHT: usize = 30;

/// The most items one bulk request may carry (`update_many`, `show_many`).
pub const MAX_BULK_ITEMS: usize = 100;

/// How often one user may be updated through Update User (`PUT /api/v2/users/{id}`)
/// (<https://developer.zendesk.com/api-reference/introduction/rate-limits/>).
pub const USER_UPDATES_PER_MINUTE: u32 = 5;

/// A running double; cheap to clone (one shared account).
#[derive(Clone)]
pub struct Double {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Mutex<Shared>,
    /// Where the account is saved; `None` keeps it in memory only.
    file: Option<PathBuf>,
    /// Held while a snapshot is taken and written, so files are written in the order of changes.
    save_lock: tokio::sync::Mutex<()>,
    /// The account's API token (`{email}/token:{api_token}` in Basic authentication).
    api_token: String,
    /// What `reset` restores.
    seed: Snapshot,
}

/// Everything behind the one lock.
struct Shared {
    account: Account,
    jobs: BTreeMap<String, JobStatus>,
    faults: Faults,
    limiter: RateLimiter,
    /// Update User requests per user, against [`USER_UPDATES_PER_MINUTE`].
    user_updates: BTreeMap<u64, RateLimiter>,
    /// OAuth access tokens granted, and the staff email each acts as.
    oauth: BTreeMap<String, String>,
    jobs_created: u64,
}

impl Double {
    /// Opens the account saved at `file`, or starts from `seed` (and saves it there) when the file
    /// does not exist. A file that exists but is not a saved account is an error naming it.
    pub fn open(file: Option<&Path>, seed: Snapshot, api_token: String) -> io::Result<Double> {
        let data = match file {
            Some(path) if path.exists() => {
                let text = std::fs::read(path)?;
                serde_json::from_slice(&text).map_err(|e| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "{} is not a saved Zendesk double account ({e}); delete it or start with --reset to begin from the seed",
                            path.display()
                        ),
                    )
                })?
            }
            _ => seed.clone(),
        };
        let double = Double {
            inner: Arc::new(Inner {
                shared: Mutex::new(Shared {
                    account: Account::new(data),
                    jobs: BTreeMap::new(),
                    faults: Faults::default(),
                    limiter: RateLimiter::default(),
                    user_updates: BTreeMap::new(),
                    oauth: BTreeMap::new(),
                    jobs_created: 0,
                }),
                file: file.map(Path::to_path_buf),
                save_lock: tokio::sync::Mutex::new(()),
                api_token,
                seed,
            }),
        };
        if let Some(path) = file.filter(|p| !p.exists()) {
            write_atomically(path, &serde_json::to_vec(double.lock().account.snapshot())?)?;
        }
        Ok(double)
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.inner
            .shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The account as it is now (for tests and the relay's tests).
    pub fn snapshot(&self) -> Snapshot {
        self.lock().account.snapshot().clone()
    }

    /// Grants an OAuth access token that acts as the staff member with `email`
    /// (`Authorization: Bearer {token}`); the demo and tests grant their own.
    pub fn grant_oauth(&self, token: &str, email: &str) {
        self.lock().oauth.insert(token.into(), email.into());
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.lock().faults.clone()
    }

    /// Replaces the faults; refuses values that would stop the double.
    pub fn set_faults(&self, faults: Faults) -> Result<(), String> {
        faults.check()?;
        self.lock().faults = faults;
        Ok(())
    }

    /// Restores the seed, forgets jobs and faults, and saves.
    pub async fn reset(&self) -> io::Result<()> {
        {
            let mut s = self.lock();
            s.account = Account::new(self.inner.seed.clone());
            s.jobs.clear();
            s.faults = Faults::default();
            s.limiter = RateLimiter::default();
            s.user_updates.clear();
        }
        self.save().await
    }

    /// Writes the account to its file (if it has one), replacing the file atomically.
    pub async fn save(&self) -> io::Result<()> {
        let Some(path) = self.inner.file.clone() else {
            return Ok(());
        };
        let _order = self.inner.save_lock.lock().await;
        let bytes = serde_json::to_vec(self.lock().account.snapshot())?;
        tokio::task::spawn_blocking(move || write_atomically(&path, &bytes))
            .await
            .map_err(io::Error::other)?
    }
}

/// Writes `bytes` to a temporary file beside `path`, syncs it and renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// The current time in Unix seconds.
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
