//! Pacing ACM's per-certificate calls ourselves: a token bucket per API and region,
//! shared by every task of the run, at ACM's per-region request rates; a throttled (or
//! briefly unavailable) call is retried within that same pace.
//!
//! The bucket is the generic cell rate algorithm in a dozen lines (a slot is reserved
//! under a lock, then waited for). `governor` does this too, but adding it changes the
//! features of crates the AWS SDK shares and rebuilds the whole SDK.
//!
//! Why not the SDK's adaptive retry: with a share of calls answered
//! `ThrottlingException` whatever the rate (measured with a proxy in front of moto
//! answering 30% of ACM calls so), its client-side limiter kept halving its send rate and
//! 1,000 certificates took 1,177 s instead of ~11 s, far past the function's timeout.
//! Calls sent at the quota and retried at that pace cost the retries only.
//!
//! Rates (requests per second per account and region): `DescribeCertificate` and
//! `GetCertificate` 10, `ListCertificates` 5 — ACM's published API rate quotas as the
//! reference notes give them (older documentation; a quota raised for the account only
//! makes the pace conservative, never throttled).

use crate::aws::{ApiError, ApiErrorKind};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The paced ACM operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcmCall {
    List,
    Describe,
    Get,
}

impl AcmCall {
    fn per_second(self) -> u32 {
        match self {
            AcmCall::List => 5,
            AcmCall::Describe | AcmCall::Get => 10,
        }
    }
}

/// Tries of one call (the first and its retries) before its error is returned.
pub const ATTEMPTS: u32 = 8;

/// A token bucket per region for one call: `rate` per second, bursts of `rate`.
struct Buckets {
    interval: Duration,
    burst: Duration,
    /// The theoretical arrival time of the next call, per region.
    next: Mutex<HashMap<String, Instant>>,
}

impl Buckets {
    fn new(rate: u32) -> Buckets {
        let interval = Duration::from_secs(1) / rate.max(1);
        Buckets {
            interval,
            burst: interval * (rate.max(1) - 1),
            next: Mutex::new(HashMap::new()),
        }
    }

    /// Takes the next slot in `region`'s bucket and returns when it may be used; with
    /// `only_if_free`, takes it only when that is `now`.
    fn take(&self, region: &str, now: Instant, only_if_free: bool) -> Option<Instant> {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let tat = next.entry(region.to_string()).or_insert(now);
        let start = (*tat).max(now);
        let at = start.checked_sub(self.burst).unwrap_or(now).max(now);
        if only_if_free && at > now {
            return None;
        }
        *tat = start + self.interval;
        Some(at)
    }

    /// Reserves the next slot in `region`'s bucket; returns when it may be used.
    fn reserve(&self, region: &str, now: Instant) -> Instant {
        self.take(region, now, false).unwrap_or(now)
    }

    /// Takes a slot only if it is free now (for tests).
    #[cfg(test)]
    fn try_take(&self, region: &str, now: Instant) -> bool {
        self.take(region, now, true).is_some()
    }

    async fn wait(&self, region: &str) {
        let at = self.reserve(region, Instant::now());
        tokio::time::sleep_until(at.into()).await;
    }
}

/// One bucket per paced call, keyed by region.
pub struct Pace {
    list: Buckets,
    describe: Buckets,
    get: Buckets,
    /// Base wait after a throttled answer before the call queues for a token again.
    backoff: Duration,
}

impl std::fmt::Debug for Pace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pace").finish_non_exhaustive()
    }
}

impl Default for Pace {
    fn default() -> Self {
        Pace::scaled(1.0, Duration::from_millis(200))
    }
}

impl Pace {
    /// ACM's rates times `scale` (tests run faster clocks), with `backoff` after a throttle.
    pub fn scaled(scale: f64, backoff: Duration) -> Pace {
        let rate = |c: AcmCall| ((f64::from(c.per_second()) * scale).round() as u32).max(1);
        Pace {
            list: Buckets::new(rate(AcmCall::List)),
            describe: Buckets::new(rate(AcmCall::Describe)),
            get: Buckets::new(rate(AcmCall::Get)),
            backoff,
        }
    }

    fn bucket(&self, call: AcmCall) -> &Buckets {
        match call {
            AcmCall::List => &self.list,
            AcmCall::Describe => &self.describe,
            AcmCall::Get => &self.get,
        }
    }

    /// Runs `send` at the pace of `call` in `region`, retrying throttled answers (after a
    /// short, growing wait, then at the pace again) up to [`ATTEMPTS`], and a failed
    /// connection or an HTTP error without an answer twice, as the SDK's standard retry
    /// would. A timeout is not retried: the call already waited its operation timeout.
    pub async fn run<T, F, Fut>(&self, call: AcmCall, region: &str, send: F) -> Result<T, ApiError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, ApiError>>,
    {
        let mut attempt = 0;
        loop {
            self.bucket(call).wait(region).await;
            match send().await {
                Err(e)
                    if (e.kind == ApiErrorKind::Throttled && attempt + 1 < ATTEMPTS)
                        || (e.kind == ApiErrorKind::Unavailable && attempt < 2) =>
                {
                    attempt += 1;
                    tracing::debug!(?call, region, attempt, error = %e, "retrying at the pace");
                    tokio::time::sleep(self.backoff * attempt.min(5)).await;
                }
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn throttled() -> ApiError {
        ApiError {
            service: "acm",
            operation: "DescribeCertificate",
            region: Some("us-east-1".into()),
            kind: ApiErrorKind::Throttled,
            message: "ThrottlingException: Rate exceeded".into(),
        }
    }

    /// A throttled call is retried until it succeeds; one that stays throttled gives up
    /// after ATTEMPTS with its error; an unavailable endpoint is tried three times; other
    /// errors (AccessDenied, a timeout) are not retried. (Rates scaled up a
    /// hundredfold: the count of calls is what is asserted.)
    #[tokio::test]
    async fn throttled_calls_are_retried_within_the_pace_and_others_are_not() {
        let pace = Pace::scaled(100.0, Duration::from_millis(1));
        let n = AtomicU32::new(0);
        let r = pace
            .run(AcmCall::Describe, "us-east-1", || async {
                if n.fetch_add(1, Ordering::SeqCst) < 2 {
                    Err(throttled())
                } else {
                    Ok(7)
                }
            })
            .await;
        assert_eq!(r.unwrap(), 7);
        assert_eq!(n.load(Ordering::SeqCst), 3);
        let n = AtomicU32::new(0);
        let r: Result<(), _> = pace
            .run(AcmCall::Describe, "us-east-1", || async {
                n.fetch_add(1, Ordering::SeqCst);
                Err(throttled())
            })
            .await;
        assert_eq!(r.unwrap_err().kind, ApiErrorKind::Throttled);
        assert_eq!(n.load(Ordering::SeqCst), ATTEMPTS);
        // Twin: AccessDenied is an answer, not a reason to wait.
        let n = AtomicU32::new(0);
        let r: Result<(), _> = pace
            .run(AcmCall::Get, "eu-west-1", || async {
                n.fetch_add(1, Ordering::SeqCst);
                Err(ApiError {
                    kind: ApiErrorKind::AccessDenied,
                    ..throttled()
                })
            })
            .await;
        assert!(r.is_err());
        assert_eq!(n.load(Ordering::SeqCst), 1);
        for (kind, tries) in [(ApiErrorKind::Unavailable, 3), (ApiErrorKind::TimedOut, 1)] {
            let n = AtomicU32::new(0);
            let _ = pace
                .run(AcmCall::List, "eu-west-1", || async {
                    n.fetch_add(1, Ordering::SeqCst);
                    Err::<(), _>(ApiError {
                        kind,
                        ..throttled()
                    })
                })
                .await;
            assert_eq!(n.load(Ordering::SeqCst), tries, "{kind:?}");
        }
    }

    /// One bucket per call and region, at ACM's rate: after the burst of 10 describes
    /// in a region the next must wait, while another region and another call still go.
    #[test]
    fn each_call_and_region_has_its_own_bucket_at_acms_rate() {
        let pace = Pace::default();
        let (us, t0) = ("us-east-1", Instant::now());
        for _ in 0..AcmCall::Describe.per_second() {
            assert!(pace.describe.try_take(us, t0));
        }
        assert!(!pace.describe.try_take(us, t0), "the 11th waits");
        assert!(
            pace.describe.try_take(us, t0 + Duration::from_millis(100)),
            "a tenth of a second later one more may go"
        );
        assert!(!pace.describe.try_take(us, t0 + Duration::from_millis(100)));
        assert!(
            pace.describe.try_take("eu-west-1", t0),
            "each region has its own"
        );
        assert!(pace.get.try_take(us, t0), "GetCertificate has its own");
        for _ in 0..AcmCall::List.per_second() {
            assert!(pace.list.try_take(us, t0));
        }
        assert!(!pace.list.try_take(us, t0), "ListCertificates is 5/s");
        // A reserved slot is when the call may go: the 12th of a burst at 10/s is
        // 200 ms out.
        let p = Pace::default();
        let at: Vec<Instant> = (0..12).map(|_| p.describe.reserve(us, t0)).collect();
        assert_eq!(at[9], t0);
        assert_eq!(at[11] - t0, Duration::from_millis(200));
    }
}
