//! The token cache: lazy, single-flight, refresh-before-expiry.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use futures_util::future::Shared;

use crate::{
    AuthError, BoxFuture, Clock, DEFAULT_REFRESH_MARGIN, GatewayUrl, HttpSend, SystemClock, Token,
    TokenSource,
};

type SharedFetch = Shared<BoxFuture<'static, Result<Arc<Token>, AuthError>>>;

/// Caches the current token and refreshes it lazily.
///
/// * **Lazy**: no background task; a caller that finds the token at or past its refresh point
///   (`expires_at - margin - jitter`) triggers the refresh.
/// * **Single flight**: concurrent callers needing a token share one fetch and all receive its
///   result, success or error. The fetch is driven by whichever caller polls it, so a cancelled
///   caller does not strand the others.
/// * **Never drops a valid token**: if a refresh fails while the current token has not yet expired,
///   callers keep getting the current token (and the refresh is tried again a little later).
/// * A token that arrives already expired (clock skew) is returned to the callers that asked for it
///   but not cached as valid.
///
/// Cloning is cheap and clones share the cache.
#[derive(Clone)]
pub struct TokenCache {
    inner: Arc<Inner>,
}

struct Inner {
    source: Arc<dyn TokenSource>,
    gateway: GatewayUrl,
    http: Arc<dyn HttpSend>,
    clock: Arc<dyn Clock>,
    margin: Duration,
    jitter: Duration,
    state: Mutex<State>,
    fetches: AtomicU64,
    generation: AtomicU64,
    /// A freshly fetched token that the API still rejected: a permission problem, not a token one.
    rejected_fresh: AtomicU64,
}

#[derive(Default)]
struct State {
    current: Option<Cached>,
    inflight: Option<SharedFetch>,
    /// A final error (rejected credentials, unusable configuration): returned without asking again.
    fatal: Option<AuthError>,
    /// Consecutive failed fetches, and when the next one may be tried.
    failures: u32,
    retry_at: Option<tokio::time::Instant>,
}

struct Cached {
    token: Arc<Token>,
    refresh_at: SystemTime,
}

/// Configures a [`TokenCache`].
pub struct TokenCacheBuilder {
    source: Arc<dyn TokenSource>,
    gateway: GatewayUrl,
    http: Arc<dyn HttpSend>,
    clock: Arc<dyn Clock>,
    margin: Duration,
    jitter: Duration,
}

impl TokenCacheBuilder {
    /// How long before expiry to refresh (default 5 minutes). Capped at half the token's remaining
    /// lifetime so short-lived tokens are still used.
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The maximum random extra margin, so a fleet does not refresh at the same second
    /// (default 30 seconds; `Duration::ZERO` for none).
    pub fn jitter(mut self, jitter: Duration) -> Self {
        self.jitter = jitter;
        self
    }

    /// The clock used to judge expiry (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Builds the cache. Nothing is fetched until the first [`TokenCache::token`] call.
    pub fn build(self) -> TokenCache {
        TokenCache {
            inner: Arc::new(Inner {
                source: self.source,
                gateway: self.gateway,
                http: self.http,
                clock: self.clock,
                margin: self.margin,
                jitter: self.jitter,
                state: Mutex::new(State::default()),
                fetches: AtomicU64::new(0),
                generation: AtomicU64::new(0),
                rejected_fresh: AtomicU64::new(0),
            }),
        }
    }
}

impl TokenCache {
    /// A cache with default settings.
    pub fn new(
        source: impl TokenSource + 'static,
        gateway: GatewayUrl,
        http: Arc<dyn HttpSend>,
    ) -> Self {
        Self::builder(Arc::new(source), gateway, http).build()
    }

    /// A builder to set the margin, jitter and clock.
    pub fn builder(
        source: Arc<dyn TokenSource>,
        gateway: GatewayUrl,
        http: Arc<dyn HttpSend>,
    ) -> TokenCacheBuilder {
        TokenCacheBuilder {
            source,
            gateway,
            http,
            clock: Arc::new(SystemClock),
            margin: DEFAULT_REFRESH_MARGIN,
            jitter: Duration::from_secs(30),
        }
    }

    /// A token that is valid now: the cached one, or a fresh one fetched (once, for all concurrent
    /// callers) when the cached one is missing or past its refresh point.
    pub async fn token(&self) -> Result<Arc<Token>, AuthError> {
        let fetch = {
            let mut state = self.inner.lock();
            let now = self.inner.clock.now();
            if let Some(cached) = &state.current {
                // Before the refresh point; or past it but still valid while refreshing is
                // impossible (a final failure) or backing off after a failed attempt.
                let backing_off = state
                    .retry_at
                    .is_some_and(|at| at > tokio::time::Instant::now());
                if now < cached.refresh_at
                    || ((state.fatal.is_some() || backing_off) && !cached.token.is_expired_at(now))
                {
                    return Ok(cached.token.clone());
                }
            }
            if let Some(fatal) = &state.fatal {
                return Err(fatal.clone());
            }
            match &state.inflight {
                Some(fetch) => fetch.clone(),
                None => {
                    let inner = self.inner.clone();
                    let fetch: BoxFuture<'static, _> = Box::pin(inner.refresh());
                    let fetch = fetch.shared();
                    state.inflight = Some(fetch.clone());
                    fetch
                }
            }
        };
        fetch.await
    }

    /// Forgets `token` if it is still the cached one (after the server rejected it). A newer token
    /// that another task already fetched is kept.
    pub fn invalidate(&self, token: &Token) {
        let mut state = self.inner.lock();
        if state
            .current
            .as_ref()
            .is_some_and(|c| c.token.generation() == token.generation())
        {
            tracing::debug!(generation = token.generation(), "token invalidated");
            state.current = None;
        }
    }

    /// Records that `token`, fetched to replace a rejected one, was rejected too: the API refuses
    /// this credential, and fetching again would not help.
    pub fn note_rejected_after_refresh(&self, token: &Token) {
        self.inner
            .rejected_fresh
            .store(token.generation(), Ordering::Relaxed);
    }

    /// Whether `token` was already found rejected right after a refresh (see
    /// [`note_rejected_after_refresh`](Self::note_rejected_after_refresh)).
    pub fn is_known_rejected(&self, token: &Token) -> bool {
        self.inner.rejected_fresh.load(Ordering::Relaxed) == token.generation()
    }

    /// Whether the source can mint new tokens (`false` for a static token).
    pub fn can_refresh(&self) -> bool {
        self.inner.source.can_refresh()
    }

    /// Forgets everything: the cached token, a final error, the backoff. The next call fetches.
    pub fn reset(&self) {
        let mut state = self.inner.lock();
        state.current = None;
        state.fatal = None;
        state.failures = 0;
        state.retry_at = None;
    }

    /// The cached token, if any, without fetching.
    pub fn peek(&self) -> Option<Arc<Token>> {
        self.inner.lock().current.as_ref().map(|c| c.token.clone())
    }

    /// How many times the cache has asked its source for a token.
    pub fn fetch_count(&self) -> u64 {
        self.inner.fetches.load(Ordering::Relaxed)
    }

    /// Which credential the cache uses (never the secret).
    pub fn describe_source(&self) -> String {
        self.inner.source.describe()
    }

    /// The gateway tokens are fetched from.
    pub fn gateway(&self) -> &GatewayUrl {
        &self.inner.gateway
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn refresh(self: Arc<Self>) -> Result<Arc<Token>, AuthError> {
        let retry_at = self.lock().retry_at;
        if let Some(at) = retry_at {
            tracing::debug!("waiting before asking the token endpoint again");
            tokio::time::sleep_until(at).await;
        }
        self.fetches.fetch_add(1, Ordering::Relaxed);
        // A panicking source must not poison the shared fetch for every later caller.
        let result = AssertUnwindSafe(self.source.fetch(&self.gateway, &*self.http))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| {
                Err(AuthError::Config(format!(
                    "the token source ({}) panicked",
                    self.source.describe()
                )))
            });
        let now = self.clock.now();
        let mut state = self.lock();
        state.inflight = None;
        let result = result.and_then(|value| {
            let generation = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
            let token = Token::new(value, now, generation).map_err(|reason| {
                AuthError::InvalidTokenBody {
                    endpoint: self.gateway.to_string(),
                    reason,
                }
            })?;
            if !self.source.can_refresh() && token.is_expired_at(now) {
                return Err(AuthError::StaticTokenExpired {
                    credential: self.source.describe(),
                    detail: format!("expired {} s ago", secs_between(token.expires_at(), now)),
                });
            }
            Ok(token)
        });
        match result {
            Ok(token) => {
                state.failures = 0;
                state.retry_at = None;
                let generation = token.generation();
                let token = Arc::new(token);
                if token.is_expired_at(now) {
                    // Used once, not cached; a still-valid cached token is kept, and the next
                    // fetch waits a little so a skewed clock does not turn into a fetch per call.
                    state.failures = state.failures.saturating_add(1);
                    state.retry_at = Some(tokio::time::Instant::now() + backoff(state.failures));
                    tracing::warn!(
                        generation,
                        "the new token is already expired (clock skew?): using it once, not caching it"
                    );
                    if state
                        .current
                        .as_ref()
                        .is_some_and(|c| c.token.is_expired_at(now))
                    {
                        state.current = None;
                    }
                } else {
                    let refresh_at = self.refresh_point(&token, now);
                    tracing::debug!(
                        generation,
                        expiry_source = ?token.expiry_source(),
                        expires_in_s = secs_between(now, token.expires_at()),
                        refresh_in_s = secs_between(now, refresh_at),
                        "token refreshed"
                    );
                    state.current = Some(Cached {
                        token: token.clone(),
                        refresh_at,
                    });
                }
                Ok(token)
            }
            Err(error) => {
                if error.is_final() {
                    tracing::warn!(%error, "token fetch failed for good: not asking again");
                    state.fatal = Some(error.clone());
                    if let Some(cached) = &state.current
                        && !cached.token.is_expired_at(now)
                    {
                        return Ok(cached.token.clone());
                    }
                    return Err(error);
                }
                state.failures = state.failures.saturating_add(1);
                let backoff = backoff(state.failures);
                state.retry_at = Some(tokio::time::Instant::now() + backoff);
                if let Some(cached) = state.current.as_mut()
                    && !cached.token.is_expired_at(now)
                {
                    let remaining = cached
                        .token
                        .expires_at()
                        .duration_since(now)
                        .unwrap_or_default();
                    let retry_in = (remaining / 2).min(Duration::from_secs(30));
                    cached.refresh_at = now + retry_in;
                    tracing::warn!(
                        %error,
                        retry_in_s = retry_in.as_secs(),
                        "token refresh failed; keeping the current token, which is still valid"
                    );
                    return Ok(cached.token.clone());
                }
                tracing::warn!(%error, retry_in_ms = backoff.as_millis() as u64, "token fetch failed");
                Err(error)
            }
        }
    }

    fn refresh_point(&self, token: &Token, now: SystemTime) -> SystemTime {
        let remaining = token.expires_at().duration_since(now).unwrap_or_default();
        let lead = (self.margin + random_below(self.jitter)).min(remaining / 2);
        token.expires_at() - lead
    }
}

/// Exponential backoff between failed token fetches: 1 s, 2 s, 4 s … capped at 60 s, plus up to
/// 10 % jitter.
fn backoff(failures: u32) -> Duration {
    let base =
        Duration::from_secs(1u64 << failures.saturating_sub(1).min(6)).min(Duration::from_secs(60));
    base + random_below(base / 10)
}

fn secs_between(from: SystemTime, to: SystemTime) -> u64 {
    to.duration_since(from).unwrap_or_default().as_secs()
}

/// A random duration in `[0, max]`, from the standard library's per-process random hash keys.
fn random_below(max: Duration) -> Duration {
    use std::hash::BuildHasher;
    if max.is_zero() {
        return Duration::ZERO;
    }
    let r = std::collections::hash_map::RandomState::new().hash_one(SystemTime::now());
    let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(r % nanos.saturating_add(1))
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("source", &self.inner.source)
            .field("gateway", &self.inner.gateway)
            .field("margin", &self.inner.margin)
            .field("fetches", &self.fetch_count())
            .field("current", &self.peek())
            .finish()
    }
}
