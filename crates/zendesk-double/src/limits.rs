//! The account's rate limit and the faults tests and the demo switch on.
//!
//! Zendesk limits requests per minute per account by plan (Team 200, Growth and Professional 400,
//! Enterprise 700, with the High Volume API add-on 2,500), reports the limit in `X-Rate-Limit` and
//! what is left in `X-Rate-Limit-Remaining`, and answers `429 Too Many Requests` with `Retry-After`
//! (seconds) when it is used up
//! (<https://developer.zendesk.com/api-reference/introduction/rate-limits/>). The double counts
//! requests in a sliding minute.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

const MINUTE: Duration = Duration::from_secs(60);

/// Faults and limits, read and replaced as one JSON object at `/__double/faults`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Requests per minute the account allows (Zendesk plans: 200 to 2,500).
    pub rate_limit: u32,
    /// Answer this many of the next API requests with 429, whatever the limit says.
    pub storm_429: u32,
    /// The `Retry-After` of storm answers, in seconds.
    pub storm_retry_after: u32,
    /// Answer this many of the next API requests with 503.
    pub burst_5xx: u32,
    /// Answer this many of the next API writes (POST, PUT) with 422 `RecordInvalid`.
    pub reject_writes: u32,
    /// Delay every API answer by this many milliseconds (after the request is handled: a write
    /// is made before its caller hears of it).
    pub slow_ms: u64,
    /// Users whose items fail in bulk jobs (`update_many`), with a Zendesk-style error.
    pub fail_items: Vec<u64>,
    /// A write reaches search only after this many milliseconds.
    pub search_lag_ms: u64,
    /// How long a job takes per item, in milliseconds (Zendesk's jobs take seconds per batch).
    pub job_item_ms: u64,
}

impl Default for Faults {
    fn default() -> Faults {
        Faults {
            rate_limit: 700,
            storm_429: 0,
            storm_retry_after: 2,
            burst_5xx: 0,
            reject_writes: 0,
            slow_ms: 0,
            fail_items: Vec::new(),
            search_lag_ms: 0,
            job_item_ms: 2,
        }
    }
}

impl Faults {
    /// Refuses values that would make the double useless rather than faulty.
    pub fn check(&self) -> Result<(), String> {
        if self.rate_limit == 0 {
            return Err("rate_limit must be at least 1 request per minute (Zendesk plans allow 200 to 2,500)".into());
        }
        if self.slow_ms > 60_000 || self.job_item_ms > 60_000 || self.search_lag_ms > 3_600_000 {
            return Err(
                "slow_ms and job_item_ms are at most 60000, search_lag_ms at most 3600000".into(),
            );
        }
        if self.storm_retry_after == 0 {
            return Err("storm_retry_after must be at least 1 second".into());
        }
        Ok(())
    }
}

/// What the limiter decided for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Go on; `remaining` requests are left in the current minute.
    Allowed {
        /// `X-Rate-Limit-Remaining`.
        remaining: u32,
    },
    /// 429; try again in this many seconds.
    Limited {
        /// `Retry-After`.
        retry_after: u32,
    },
}

/// Requests seen in the last minute.
#[derive(Debug, Default)]
pub struct RateLimiter {
    seen: VecDeque<Instant>,
}

impl RateLimiter {
    /// Counts a request at `now` against `limit` per minute. A refused request is not counted.
    pub fn admit(&mut self, now: Instant, limit: u32) -> Admission {
        while self
            .seen
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= MINUTE)
        {
            self.seen.pop_front();
        }
        let limit = limit as usize;
        if self.seen.len() >= limit {
            // The request frees a slot when the oldest counted one leaves the window.
            let oldest = self.seen[self.seen.len() - limit];
            let wait = MINUTE.saturating_sub(now.saturating_duration_since(oldest));
            let secs = wait.as_millis().div_ceil(1000).max(1);
            return Admission::Limited {
                retry_after: u32::try_from(secs).unwrap_or(60),
            };
        }
        self.seen.push_back(now);
        Admission::Allowed {
            remaining: (limit - self.seen.len()) as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_counts_a_sliding_minute() {
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        let mut l = RateLimiter::default();
        assert_eq!(l.admit(at(0), 3), Admission::Allowed { remaining: 2 });
        assert_eq!(l.admit(at(10), 3), Admission::Allowed { remaining: 1 });
        assert_eq!(l.admit(at(20), 3), Admission::Allowed { remaining: 0 });
        // Full: the first request leaves the window at 60 s.
        assert_eq!(l.admit(at(30), 3), Admission::Limited { retry_after: 30 });
        assert_eq!(l.admit(at(59), 3), Admission::Limited { retry_after: 1 });
        assert_eq!(l.admit(at(60), 3), Admission::Allowed { remaining: 0 });
        // A lower limit set meanwhile counts what is already in the window.
        assert_eq!(l.admit(at(61), 1), Admission::Limited { retry_after: 59 });
    }

    #[test]
    fn faults_refuse_values_that_would_stop_the_double() {
        assert!(Faults::default().check().is_ok());
        for broken in [
            Faults {
                rate_limit: 0,
                ..Faults::default()
            },
            Faults {
                storm_retry_after: 0,
                ..Faults::default()
            },
            Faults {
                slow_ms: 60_001,
                ..Faults::default()
            },
        ] {
            assert!(broken.check().is_err(), "{broken:?}");
        }
        let unknown = serde_json::from_str::<Faults>(r#"{"rate_limt": 5}"#).unwrap_err();
        assert!(unknown.to_string().contains("rate_limt"), "{unknown}");
    }
}
