//! Retries: transient failures, with backoff, within attempt and time budgets — and only when
//! re-sending is safe.

use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::Instant;
use tower::{Layer, Service, ServiceExt};

use crate::bearer::clone_request;
use crate::ratelimit::{RateLimitInfo, RateLimiter, classify_throttle};
use crate::{Error, Request, RequestMeta, Response};

/// How many attempts a response took (an `http` extension on every response from the stack).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts(pub u32);

/// How transient failures are retried.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (default 5).
    pub max_attempts: u32,
    /// Backoff before the first retry when the server gives no hint (default 500 ms); it doubles
    /// each time, with jitter.
    pub initial_backoff: Duration,
    /// The longest backoff (default 30 s).
    pub max_backoff: Duration,
    /// No retry starts after this much time since the first attempt (default 5 min).
    pub max_total: Duration,
    /// The longest server-requested wait honoured; a longer one is returned as
    /// [`Error::Throttled`] with the server's hint instead of sleeping (default 2 min).
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_total: Duration::from_secs(300),
            max_wait: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Exponential backoff with jitter for `attempt` (1 = before the first retry): never zero.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let capped = exp.min(self.max_backoff).max(Duration::from_millis(10));
        // Full jitter between half and all of the capped backoff.
        let half = capped / 2;
        half + crate::jitter(half)
    }
}

/// The retrying layer. It sits outside the bearer layer, so each attempt asks the token cache again.
#[derive(Debug, Clone)]
pub struct RetryLayer {
    policy: RetryPolicy,
    limiter: RateLimiter,
}

impl RetryLayer {
    /// A layer with this policy, sharing `limiter`.
    pub fn new(policy: RetryPolicy, limiter: RateLimiter) -> Self {
        Self { policy, limiter }
    }
}

impl<S> Layer<S> for RetryLayer {
    type Service = Retry<S>;
    fn layer(&self, inner: S) -> Retry<S> {
        Retry {
            inner,
            policy: self.policy.clone(),
            limiter: self.limiter.clone(),
        }
    }
}

/// The service made by [`RetryLayer`].
#[derive(Debug, Clone)]
pub struct Retry<S> {
    inner: S,
    policy: RetryPolicy,
    limiter: RateLimiter,
}

enum Next {
    Done,
    RetryAfter(Duration),
}

impl<S> Service<Request> for Retry<S>
where
    S: Service<Request, Response = Response, Error = Error> + Clone + Send + 'static,
    S::Future: Send,
{
    type Response = Response;
    type Error = Error;
    type Future = qualys_auth::BoxFuture<'static, Result<Response, Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let inner = self.inner.clone();
        let policy = self.policy.clone();
        let limiter = self.limiter.clone();
        Box::pin(async move {
            let meta = RequestMeta::of(&request);
            let started = Instant::now();
            let mut attempt = 0u32;
            loop {
                attempt += 1;
                let slot = limiter.acquire().await;
                let mut result = inner.clone().oneshot(clone_request(&request)).await;
                // Recorded while the slot is still held, so calls queued for it see the wait.
                let decision = decide(&result, &meta, &policy, &limiter, attempt);
                drop(slot);
                let (next, throttled) = decision?;
                if let Ok(response) = result.as_mut() {
                    response.extensions_mut().insert(Attempts(attempt));
                }
                let Next::RetryAfter(wait) = next else {
                    return result;
                };
                let out_of_budget =
                    attempt >= policy.max_attempts || started.elapsed() + wait > policy.max_total;
                if out_of_budget {
                    if let Some((status, info)) = throttled {
                        return Err(Error::Throttled {
                            operation: meta.operation.clone(),
                            status,
                            retry_after: info.wait_hint(),
                            limits: Box::new(info),
                            gave_up_waiting: false,
                        });
                    }
                    return result;
                }
                tracing::debug!(
                    operation = %meta.operation,
                    attempt,
                    wait_ms = wait.as_millis() as u64,
                    reason = %describe(&result),
                    "retrying"
                );
                tokio::time::sleep(wait).await;
            }
        })
    }
}

type Decision = (Next, Option<(u16, RateLimitInfo)>);

/// Whether to retry, and after how long. Throttling answers are safe to re-send for any operation
/// (the server refused the call); other failures only for idempotent operations, or when the
/// connection failed before the request was sent.
fn decide(
    result: &Result<Response, Error>,
    meta: &RequestMeta,
    policy: &RetryPolicy,
    limiter: &RateLimiter,
    attempt: u32,
) -> Result<Decision, Error> {
    match result {
        Ok(response) => {
            let status = response.status().as_u16();
            let info = RateLimitInfo::from_headers(response.headers());
            if classify_throttle(status, response.body()).is_some() {
                let hint = info.wait_hint();
                if let Some(h) = hint.filter(|h| *h > policy.max_wait) {
                    // Not imposed on other calls: each gets the same typed error from the server
                    // rather than sleeping out a wait nobody will honour.
                    limiter.observe(&info, None);
                    return Err(Error::Throttled {
                        operation: meta.operation.clone(),
                        status,
                        retry_after: Some(h),
                        limits: Box::new(info),
                        gave_up_waiting: true,
                    });
                }
                let wait = hint.unwrap_or_else(|| policy.backoff(attempt));
                limiter.observe(&info, Some(wait));
                return Ok((Next::RetryAfter(wait), Some((status, info))));
            }
            limiter.observe(&info, None);
            if meta.idempotent && matches!(status, 502..=504) {
                return Ok((Next::RetryAfter(policy.backoff(attempt)), None));
            }
            Ok((Next::Done, None))
        }
        Err(Error::Connection { before_sending, .. }) if meta.idempotent || *before_sending => {
            Ok((Next::RetryAfter(policy.backoff(attempt)), None))
        }
        // The token could not be fetched (endpoint down): the API call was never sent. Once only:
        // the token cache keeps its own backoff for later callers.
        Err(Error::Auth(e)) if e.is_retryable() && attempt < 2 => {
            Ok((Next::RetryAfter(policy.backoff(attempt)), None))
        }
        Err(Error::Timeout { .. }) if meta.idempotent => {
            Ok((Next::RetryAfter(policy.backoff(attempt)), None))
        }
        Err(_) => Ok((Next::Done, None)),
    }
}

fn describe(result: &Result<Response, Error>) -> String {
    match result {
        Ok(r) => format!("HTTP {}", r.status().as_u16()),
        Err(e) => e.to_string(),
    }
}
