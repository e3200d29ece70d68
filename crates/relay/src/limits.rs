//! The per-token rate limit on `/v1`: a token bucket per tenant (every agent of an account shares
//! its install token), refilled at the configured requests per minute and holding ten seconds'
//! worth, so a burst (a sidebar opening, the bulk page saving a batch) passes and a leaked token
//! hammering the relay gets `429` with `Retry-After`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::store::TenantId;

/// Buckets per tenant.
pub struct TokenLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<TenantId, Bucket>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl TokenLimiter {
    /// A limiter allowing `per_minute` requests a minute per tenant (0: no limit).
    pub fn new(per_minute: u32) -> TokenLimiter {
        TokenLimiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `tenant`'s bucket at `now`; `Err(seconds)` to wait when it is empty.
    pub fn take(&self, tenant: TenantId, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let rate = f64::from(self.per_minute) / 60.0; // per second
        let capacity = (rate * 10.0).max(1.0);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = buckets.entry(tenant).or_insert(Bucket {
            tokens: capacity,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_bucket_lets_ten_seconds_of_requests_through_then_refills_at_the_rate() {
        let limiter = TokenLimiter::new(60); // one a second, ten in a burst
        let start = Instant::now();
        for i in 0..10 {
            assert_eq!(
                limiter.take(TenantId(1), start),
                Ok(()),
                "request {i} of the burst"
            );
        }
        assert_eq!(limiter.take(TenantId(1), start), Err(1));
        assert_eq!(
            limiter.take(TenantId(2), start),
            Ok(()),
            "another tenant has its own bucket"
        );
        assert_eq!(
            limiter.take(TenantId(1), start + Duration::from_millis(1_100)),
            Ok(())
        );
        assert_eq!(
            limiter.take(TenantId(1), start + Duration::from_millis(1_200)),
            Err(1)
        );
        // A long quiet spell refills at most the burst.
        let later = start + Duration::from_secs(3_600);
        for _ in 0..10 {
            assert_eq!(limiter.take(TenantId(1), later), Ok(()));
        }
        assert!(limiter.take(TenantId(1), later).is_err());
        assert_eq!(
            TokenLimiter::new(0).take(TenantId(1), start),
            Ok(()),
            "0 means no limit"
        );
    }
}
