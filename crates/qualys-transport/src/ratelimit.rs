//! Rate and concurrency limits: reading the vendor's headers, classifying throttling answers, and
//! one limiter shared by every clone of a client.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// What the server said about its limits, as far as its headers tell. Every field is optional:
/// the headers are unreliable (sometimes empty, non-numeric or missing), and an unusable value is
/// "unknown", never zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimitInfo {
    /// `X-RateLimit-Limit`: calls allowed per window.
    pub limit: Option<u64>,
    /// `X-RateLimit-Remaining`: calls left in the window.
    pub remaining: Option<u64>,
    /// `X-RateLimit-Window-Sec`: the window length.
    pub window_secs: Option<u64>,
    /// `X-RateLimit-ToWait-Sec`: how long to wait before the next call.
    pub to_wait_secs: Option<u64>,
    /// `Retry-After` (seconds form).
    pub retry_after_secs: Option<u64>,
    /// `X-Concurrency-Limit-Limit` (or `X-ConcurrencyLimit-Limit`): calls allowed in flight.
    pub concurrency_limit: Option<u64>,
    /// `X-Concurrency-Limit-Running` (or `X-ConcurrencyLimit-Running`): calls in flight.
    pub concurrency_running: Option<u64>,
}

impl RateLimitInfo {
    /// Reads the headers, case-insensitively, in both spellings of the concurrency headers.
    ///
    /// ```
    /// use qualys_transport::RateLimitInfo;
    /// let mut h = http::HeaderMap::new();
    /// h.insert("x-ratelimit-remaining", "0".parse().unwrap());
    /// h.insert("X-RateLimit-ToWait-Sec", " 42 ".parse().unwrap());
    /// h.insert("x-concurrencylimit-limit", "2".parse().unwrap());
    /// h.insert("Retry-After", "soon".parse().unwrap());
    /// let info = RateLimitInfo::from_headers(&h);
    /// assert_eq!(info.remaining, Some(0));
    /// assert_eq!(info.to_wait_secs, Some(42));
    /// assert_eq!(info.concurrency_limit, Some(2));
    /// assert_eq!(info.retry_after_secs, None);
    /// ```
    pub fn from_headers(headers: &http::HeaderMap) -> Self {
        let num = |names: &[&str]| {
            names.iter().find_map(|n| {
                headers
                    .get(*n)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<i64>().ok())
                    .and_then(|v| u64::try_from(v).ok())
            })
        };
        RateLimitInfo {
            limit: num(&["x-ratelimit-limit"]),
            remaining: num(&["x-ratelimit-remaining"]),
            window_secs: num(&["x-ratelimit-window-sec"]),
            to_wait_secs: num(&["x-ratelimit-towait-sec"]),
            retry_after_secs: num(&["retry-after"]),
            concurrency_limit: num(&["x-concurrency-limit-limit", "x-concurrencylimit-limit"]),
            concurrency_running: num(&[
                "x-concurrency-limit-running",
                "x-concurrencylimit-running",
            ]),
        }
    }

    /// Whether any header was present and usable.
    pub fn is_empty(&self) -> bool {
        *self == RateLimitInfo::default()
    }

    /// The server's hint of how long to wait: `X-RateLimit-ToWait-Sec`, else `Retry-After`. A hint of
    /// zero is no hint (it must not become a tight loop).
    pub fn wait_hint(&self) -> Option<Duration> {
        [self.to_wait_secs, self.retry_after_secs]
            .into_iter()
            .flatten()
            .find(|&s| s > 0)
            .map(Duration::from_secs)
    }
}

/// Why the server refused a call for load reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Throttle {
    /// 429, or 409 with vendor code 1965: too many calls in the window.
    Rate,
    /// 409 with vendor code 1960: too many calls in flight.
    Concurrency,
}

/// Classifies a response as throttling: 429, or 409 whose body carries vendor code 1965 (rate) or
/// 1960 (concurrency), in XML `SIMPLE_RETURN` or JSON.
pub fn classify_throttle(status: u16, body: &[u8]) -> Option<Throttle> {
    match status {
        429 => Some(Throttle::Rate),
        409 => {
            let (_, code) = qualys_auth::diagnostics::describe_body(body);
            match code.as_deref().map(str::trim) {
                Some("1965") => Some(Throttle::Rate),
                Some("1960") => Some(Throttle::Concurrency),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The most calls in flight before the server has told us its limit.
const UNBOUNDED: usize = 1024;

/// One limiter for every clone of a client: waits imposed by the server apply to all tasks, and once
/// the server has stated its concurrency limit, at most that many calls are in flight.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    semaphore: Arc<Semaphore>,
    state: Mutex<State>,
    /// Permits still to take out of circulation after the limit shrank while calls were in flight.
    deficit: std::sync::atomic::AtomicUsize,
}

/// A call slot; returned to the limiter on drop (or retired, if the limit shrank meanwhile).
#[derive(Debug)]
pub struct Slot {
    permit: Option<OwnedSemaphorePermit>,
    limiter: Arc<Inner>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        use std::sync::atomic::Ordering;
        let Some(permit) = self.permit.take() else {
            return;
        };
        let retired = self
            .limiter
            .deficit
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |d| d.checked_sub(1))
            .is_ok();
        if retired {
            permit.forget();
        }
    }
}

#[derive(Debug, Default)]
struct State {
    not_before: Option<Instant>,
    last: RateLimitInfo,
    concurrency: Option<usize>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl RateLimiter {
    /// A limiter that has seen nothing yet.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Inner {
                semaphore: Arc::new(Semaphore::new(UNBOUNDED)),
                state: Mutex::new(State::default()),
                deficit: std::sync::atomic::AtomicUsize::new(0),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until the server's wait (if any) has passed and a slot is free; the permit is held for
    /// the call.
    pub async fn acquire(&self) -> Slot {
        loop {
            self.wait_turn().await;
            let slot = Slot {
                permit: self.inner.semaphore.clone().acquire_owned().await.ok(),
                limiter: self.inner.clone(),
            };
            // A wait may have been imposed while this call queued for its slot.
            match self.lock().not_before {
                Some(at) if at > Instant::now() => drop(slot),
                _ => return slot,
            }
        }
    }

    async fn wait_turn(&self) {
        loop {
            let not_before = self.lock().not_before;
            match not_before {
                Some(at) if at > Instant::now() => tokio::time::sleep_until(at).await,
                _ => break,
            }
        }
    }

    /// Records what a response said: its rate-limit headers, and a wait every task must honour.
    pub fn observe(&self, info: &RateLimitInfo, wait: Option<Duration>) {
        let mut state = self.lock();
        if !info.is_empty() {
            state.last = *info;
        }
        if let Some(wait) = wait {
            // Waits come from server headers: never let one overflow the clock.
            let wait = wait.min(Duration::from_secs(24 * 3600));
            if let Some(until) = Instant::now().checked_add(wait)
                && state.not_before.is_none_or(|t| t < until)
            {
                state.not_before = Some(until);
            }
        }
        if let Some(limit) = info.concurrency_limit.filter(|&l| l > 0) {
            let limit = usize::try_from(limit).unwrap_or(UNBOUNDED).min(UNBOUNDED);
            let current = state.concurrency.unwrap_or(UNBOUNDED);
            if limit < current {
                // Shrink to the stated limit: idle permits now, busy ones as they return.
                let forgotten = self.inner.semaphore.forget_permits(current - limit);
                self.inner.deficit.fetch_add(
                    current - limit - forgotten,
                    std::sync::atomic::Ordering::AcqRel,
                );
                state.concurrency = Some(limit);
                tracing::debug!(limit, "server concurrency limit applied");
            }
        }
    }

    /// The last rate-limit headers seen (remaining calls, window…).
    pub fn last(&self) -> RateLimitInfo {
        self.lock().last
    }

    /// The concurrency limit in force, once the server has stated one.
    pub fn concurrency_limit(&self) -> Option<usize> {
        self.lock().concurrency
    }
}
