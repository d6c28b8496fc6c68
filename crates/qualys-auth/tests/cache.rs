//! The token cache in controlled time: single flight, refresh before expiry, opaque tokens,
//! failed refreshes, skewed tokens and targeted invalidation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use qualys_auth::{
    AuthError, BoxError, BoxFuture, Clock, ExpirySource, ExposeSecret, GatewayUrl, HttpSend,
    ManualClock, SecretString, StaticToken, TokenCache, TokenSource, TokioClock,
};

const START: u64 = 1_800_000_000;

fn t(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// A signed JWT like the gateway's (HS512, iss/aud "qas").
fn jwt(iat: u64, exp: u64, jti: &str) -> String {
    let claims = serde_json::json!({"sub": "client-1", "iss": "qas", "aud": "qas",
        "iat": iat, "exp": exp, "jti": jti});
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"test-key").unwrap(),
    )
    .unwrap()
}

/// A token source that answers from a script, after a short delay, counting calls.
#[derive(Debug)]
struct Scripted {
    answers: Mutex<VecDeque<Result<String, AuthError>>>,
    calls: AtomicUsize,
    delay: Duration,
}

impl Scripted {
    fn new(answers: Vec<Result<String, AuthError>>) -> Arc<Self> {
        Arc::new(Self {
            answers: Mutex::new(answers.into()),
            calls: AtomicUsize::new(0),
            delay: Duration::from_millis(20),
        })
    }
}

impl TokenSource for Scripted {
    fn fetch<'a>(
        &'a self,
        _gateway: &'a GatewayUrl,
        _http: &'a dyn HttpSend,
    ) -> BoxFuture<'a, Result<SecretString, AuthError>> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(self.delay).await;
            let next = self.answers.lock().unwrap().pop_front();
            next.expect("script exhausted")
                .map(|body| qualys_auth::parse_token_body(body.as_bytes()).unwrap())
        })
    }
    fn describe(&self) -> String {
        "scripted".into()
    }
}

struct NoHttp;
impl HttpSend for NoHttp {
    fn send(
        &self,
        _: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, BoxError>> {
        Box::pin(async { Err("no network in this test".into()) })
    }
}

fn cache(source: Arc<Scripted>, clock: Arc<ManualClock>) -> TokenCache {
    TokenCache::builder(
        source,
        GatewayUrl::parse("https://gateway.example.test").unwrap(),
        Arc::new(NoHttp),
    )
    .clock(clock)
    .jitter(Duration::ZERO)
    .refresh_margin(Duration::from_secs(300))
    .build()
}

fn unreachable() -> AuthError {
    AuthError::Unreachable {
        endpoint: "https://gateway.example.test/auth/oidc".into(),
        message: "connection refused".into(),
    }
}

#[tokio::test(start_paused = true)]
async fn concurrent_callers_share_one_fetch() {
    let clock = Arc::new(ManualClock::new(t(START)));
    let source = Scripted::new(vec![Ok(jwt(START, START + 14_400, "a"))]);
    let cache = cache(source.clone(), clock);
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let c = cache.clone();
            tokio::spawn(async move { c.token().await.map(|t| t.generation()) })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), Ok(1));
    }
    assert_eq!(source.calls.load(Ordering::SeqCst), 1);
    assert_eq!(cache.fetch_count(), 1);
}

#[tokio::test(start_paused = true)]
async fn concurrent_callers_share_one_failure_and_the_next_caller_retries() {
    let clock = Arc::new(ManualClock::new(t(START)));
    let source = Scripted::new(vec![
        Err(unreachable()),
        Ok(jwt(START, START + 14_400, "b")),
    ]);
    let cache = cache(source.clone(), clock);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let c = cache.clone();
            tokio::spawn(async move { c.token().await.map(|t| t.generation()) })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), Err(unreachable()));
    }
    assert_eq!(source.calls.load(Ordering::SeqCst), 1);
    // A failure is not cached: the next caller fetches again.
    assert_eq!(cache.token().await.unwrap().generation(), 1);
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn token_past_its_refresh_point_is_replaced_before_use() {
    let clock = Arc::new(ManualClock::new(t(START)));
    let source = Scripted::new(vec![
        Ok(jwt(START, START + 14_400, "first")),
        Ok(jwt(START + 14_100, START + 28_500, "second")),
    ]);
    let cache = cache(source.clone(), clock.clone());
    let first = cache.token().await.unwrap();
    assert_eq!(first.expiry_source(), ExpirySource::Jwt);
    assert_eq!(first.expires_at(), t(START + 14_400));
    assert_eq!(first.claims().unwrap().jti.as_deref(), Some("first"));

    // One second before the refresh point (exp - 5 min): still the cached token.
    clock.set(t(START + 14_400 - 301));
    assert_eq!(cache.token().await.unwrap().generation(), 1);
    assert_eq!(source.calls.load(Ordering::SeqCst), 1);

    // At the refresh point, the old token is still valid but is replaced before use.
    clock.set(t(START + 14_100));
    let second = cache.token().await.unwrap();
    assert_eq!(second.generation(), 2);
    assert_eq!(second.claims().unwrap().jti.as_deref(), Some("second"));
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn vendor_sample_token_is_opaque_and_lives_four_hours_minus_margin() {
    let sample = include_str!("../../qualys-sandbox/fixtures/seed-oidc-token-response.txt");
    let clock = Arc::new(ManualClock::new(t(START)));
    let source = Scripted::new(vec![Ok(sample.to_owned()), Ok(sample.to_owned())]);
    let cache = cache(source.clone(), clock.clone());
    let token = cache.token().await.unwrap();
    assert_eq!(token.claims(), None);
    assert_eq!(token.expiry_source(), ExpirySource::AssumedLifetime);
    assert_eq!(token.expires_at(), t(START + 14_400));
    assert!(
        token
            .authorization()
            .to_str()
            .unwrap()
            .starts_with("Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIi")
    );
    clock.set(t(START + 14_400 - 301));
    assert_eq!(cache.token().await.unwrap().generation(), 1);
    clock.set(t(START + 14_400 - 300));
    assert_eq!(cache.token().await.unwrap().generation(), 2);
}

#[tokio::test(start_paused = true)]
async fn failed_refresh_keeps_a_token_that_is_still_valid() {
    let clock = Arc::new(ManualClock::new(t(START)));
    let source = Scripted::new(vec![
        Ok(jwt(START, START + 14_400, "a")),
        Err(unreachable()),
        Ok(jwt(START, START + 30_000, "b")),
    ]);
    let cache = cache(source.clone(), clock.clone());
    cache.token().await.unwrap();
    clock.set(t(START + 14_200)); // past the refresh point, 200 s before expiry
    let kept = cache.token().await.unwrap();
    assert_eq!(kept.generation(), 1);
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
    // The failed refresh is not retried on every call: 30 s later at the earliest.
    assert_eq!(cache.token().await.unwrap().generation(), 1);
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
    // Wall clock and monotonic time both move on past the retry point.
    clock.advance(Duration::from_secs(30));
    tokio::time::advance(Duration::from_secs(30)).await;
    assert_eq!(cache.token().await.unwrap().generation(), 2);
    assert_eq!(source.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn token_expired_on_arrival_is_used_once_and_not_cached() {
    let clock = Arc::new(ManualClock::new(t(START)));
    let source = Scripted::new(vec![
        Ok(jwt(START - 20_000, START - 5_600, "stale")),
        Ok(jwt(START, START + 14_400, "fresh")),
    ]);
    let cache = cache(source.clone(), clock);
    let stale = cache.token().await.unwrap();
    assert_eq!(stale.claims().unwrap().jti.as_deref(), Some("stale"));
    assert!(cache.peek().is_none());
    let fresh = cache.token().await.unwrap();
    assert_eq!(fresh.claims().unwrap().jti.as_deref(), Some("fresh"));
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn invalidate_forgets_only_the_token_it_names() {
    let clock = Arc::new(ManualClock::new(t(START)));
    let source = Scripted::new(vec![
        Ok(jwt(START, START + 14_400, "a")),
        Ok(jwt(START, START + 14_400, "b")),
    ]);
    let cache = cache(source.clone(), clock);
    let a = cache.token().await.unwrap();
    cache.invalidate(&a);
    let b = cache.token().await.unwrap();
    assert_eq!(b.generation(), 2);
    cache.invalidate(&a); // stale: b must survive
    assert_eq!(cache.token().await.unwrap().generation(), 2);
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn short_lived_tokens_are_still_used() {
    // A 60 s token with a 5 min margin: the margin is capped at half the lifetime.
    let clock = Arc::new(ManualClock::new(t(START)));
    let source = Scripted::new(vec![Ok(jwt(START, START + 60, "short"))]);
    let cache = cache(source.clone(), clock.clone());
    cache.token().await.unwrap();
    clock.advance(Duration::from_secs(29));
    assert_eq!(cache.token().await.unwrap().generation(), 1);
    assert_eq!(source.calls.load(Ordering::SeqCst), 1);
}

#[test]
fn secrets_never_reach_debug_output() {
    let clock = Arc::new(ManualClock::new(t(START)));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let token_text = jwt(START, START + 14_400, "x");
    let source = Scripted::new(vec![Ok(token_text.clone())]);
    let cache = cache(source, clock.clone());
    let token = rt.block_on(cache.token()).unwrap();
    let dbg = format!("{cache:?} {token:?}");
    let signature = token_text.rsplit('.').next().unwrap();
    let claims = token_text.split('.').nth(1).unwrap();
    assert!(!dbg.contains(signature) && !dbg.contains(claims), "{dbg}");
    assert_eq!(token.secret().expose_secret(), token_text);
    assert!(clock.now() == t(START));
}

fn rejected() -> AuthError {
    AuthError::Rejected {
        status: 401,
        endpoint: "https://gateway.example.test/auth/oidc".into(),
        credential: "scripted".into(),
        message: None,
    }
}

#[tokio::test(start_paused = true)]
async fn failed_fetches_back_off_exponentially() {
    let clock = Arc::new(ManualClock::new(t(START)));
    let source = Scripted::new(vec![
        Err(unreachable()),
        Err(unreachable()),
        Ok(jwt(START, START + 14_400, "ok")),
    ]);
    let cache = cache(source.clone(), clock);
    let t0 = tokio::time::Instant::now();
    assert_eq!(cache.token().await.unwrap_err(), unreachable());
    let first_done = t0.elapsed();
    assert_eq!(cache.token().await.unwrap_err(), unreachable());
    let waited = t0.elapsed() - first_done;
    // 1 s backoff (+ up to 10 % jitter) plus the source's 20 ms.
    assert!(
        waited >= Duration::from_millis(1_020) && waited <= Duration::from_millis(1_121),
        "{waited:?}"
    );
    let before_third = t0.elapsed();
    assert_eq!(cache.token().await.unwrap().generation(), 1);
    let waited = t0.elapsed() - before_third;
    assert!(
        waited >= Duration::from_millis(2_020) && waited <= Duration::from_millis(2_221),
        "{waited:?}"
    );
    assert_eq!(source.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn rejected_credentials_are_never_retried() {
    let clock = Arc::new(ManualClock::new(t(START)));
    let source = Scripted::new(vec![
        Err(rejected()),
        Ok(jwt(START, START + 14_400, "after-reset")),
    ]);
    let cache = cache(source.clone(), clock);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let c = cache.clone();
            tokio::spawn(async move { c.token().await.map(|t| t.generation()) })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), Err(rejected()));
    }
    for _ in 0..5 {
        assert_eq!(cache.token().await.unwrap_err(), rejected());
    }
    assert_eq!(source.calls.load(Ordering::SeqCst), 1);
    cache.reset();
    assert_eq!(cache.token().await.unwrap().generation(), 1);
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn a_rejected_refresh_keeps_the_valid_token_until_it_expires() {
    let clock = Arc::new(ManualClock::new(t(START)));
    let source = Scripted::new(vec![Ok(jwt(START, START + 14_400, "a")), Err(rejected())]);
    let cache = cache(source.clone(), clock.clone());
    cache.token().await.unwrap();
    clock.set(t(START + 14_200));
    assert_eq!(cache.token().await.unwrap().generation(), 1);
    clock.set(t(START + 14_399));
    assert_eq!(cache.token().await.unwrap().generation(), 1);
    clock.set(t(START + 14_400));
    assert_eq!(cache.token().await.unwrap_err(), rejected());
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
}

/// Mints a JWT valid for `lifetime` from the clock's now, counting calls.
#[derive(Debug)]
struct Minting {
    clock: Arc<dyn Clock>,
    lifetime: u64,
    calls: AtomicUsize,
}

impl TokenSource for Minting {
    fn fetch<'a>(
        &'a self,
        _: &'a GatewayUrl,
        _: &'a dyn HttpSend,
    ) -> BoxFuture<'a, Result<SecretString, AuthError>> {
        Box::pin(async move {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            let iat = self
                .clock
                .now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs();
            Ok(SecretString::from(jwt(
                iat,
                iat + self.lifetime,
                &format!("m{n}"),
            )))
        })
    }
    fn describe(&self) -> String {
        "minting".into()
    }
}

fn minting_cache(clock: Arc<dyn Clock>) -> (TokenCache, Arc<Minting>) {
    let source = Arc::new(Minting {
        clock: clock.clone(),
        lifetime: 14_400,
        calls: AtomicUsize::new(0),
    });
    let cache = TokenCache::builder(
        source.clone(),
        GatewayUrl::parse("https://gateway.example.test").unwrap(),
        Arc::new(NoHttp),
    )
    .clock(clock)
    .jitter(Duration::ZERO)
    .build();
    (cache, source)
}

#[tokio::test(start_paused = true)]
async fn an_eight_and_a_half_hour_run_never_uses_an_expired_token() {
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new());
    let (cache, source) = minting_cache(clock.clone());
    let start = clock.now();
    let mut generations = Vec::new();
    // One call a minute for 8.5 hours of virtual time.
    for _ in 0..(8 * 60 + 30) {
        let token = cache.token().await.unwrap();
        let now = clock.now();
        assert!(
            token.expires_at() > now + Duration::from_secs(240),
            "a token this close to expiry must have been refreshed"
        );
        if generations.last() != Some(&token.generation()) {
            generations.push(token.generation());
        }
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    assert!(clock.now().duration_since(start).unwrap() >= Duration::from_secs(30_600));
    // Fetched at the start, after ~3 h 55 min and after ~7 h 50 min.
    assert_eq!(generations, [1, 2, 3]);
    assert_eq!(source.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn a_28_hour_old_token_is_never_used() {
    // The machine slept for 28 hours: the cached token is long dead and must be replaced.
    let clock = Arc::new(ManualClock::new(t(START)));
    let clock_dyn: Arc<dyn Clock> = clock.clone();
    let (cache, source) = minting_cache(clock_dyn);
    let old = cache.token().await.unwrap();
    clock.advance(Duration::from_secs(28 * 3600));
    let new = cache.token().await.unwrap();
    assert_ne!(new.generation(), old.generation());
    assert!(!new.is_expired_at(clock.now()));
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn a_28_hour_old_static_token_is_a_clear_error() {
    let clock = Arc::new(ManualClock::new(t(START)));
    // Issued 28 hours ago, expired 24 hours ago.
    let stale = jwt(START - 28 * 3600, START - 24 * 3600, "old");
    let cache = TokenCache::builder(
        Arc::new(StaticToken::new(stale).origin("environment")),
        GatewayUrl::parse("https://gateway.example.test").unwrap(),
        Arc::new(NoHttp),
    )
    .clock(clock)
    .build();
    let err = cache.token().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "the static token (from environment) expired 86400 s ago; it cannot be refreshed: provide a \
         new token, or client credentials so the client can fetch its own"
    );
    assert!(!cache.can_refresh());
}

#[tokio::test(start_paused = true)]
async fn a_thousand_callers_at_the_refresh_edge_trigger_one_fetch() {
    let clock = Arc::new(ManualClock::new(t(START)));
    let clock_dyn: Arc<dyn Clock> = clock.clone();
    let (cache, source) = minting_cache(clock_dyn);
    let first = cache.token().await.unwrap();
    // Exactly at the refresh point (exp - 5 min, no jitter).
    clock.set(first.expires_at() - Duration::from_secs(300));
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let c = cache.clone();
            tokio::spawn(async move { c.token().await.unwrap().generation() })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 2);
    }
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn callers_with_a_valid_token_do_not_wait_out_a_backoff() {
    let clock = Arc::new(ManualClock::new(t(START)));
    let source = Scripted::new(vec![
        Ok(jwt(START, START + 14_400, "a")),
        Err(unreachable()),
        Ok(jwt(START, START + 30_000, "b")),
    ]);
    let cache = cache(source.clone(), clock.clone());
    cache.token().await.unwrap();
    clock.set(t(START + 14_200));
    assert_eq!(cache.token().await.unwrap().generation(), 1); // refresh failed, kept
    // 31 s later by the wall clock, but still inside the 1 s backoff by tokio's: no wait, no fetch.
    clock.advance(Duration::from_secs(31));
    let before = tokio::time::Instant::now();
    assert_eq!(cache.token().await.unwrap().generation(), 1);
    assert_eq!(before.elapsed(), Duration::ZERO);
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn a_panicking_source_is_an_error_not_a_poisoned_cache() {
    #[derive(Debug)]
    struct Panics(AtomicUsize);
    impl TokenSource for Panics {
        fn fetch<'a>(
            &'a self,
            _: &'a GatewayUrl,
            _: &'a dyn HttpSend,
        ) -> BoxFuture<'a, Result<SecretString, AuthError>> {
            Box::pin(async move {
                if self.0.fetch_add(1, Ordering::SeqCst) == 0 {
                    panic!("boom");
                }
                Ok(SecretString::from("opaque-after-panic"))
            })
        }
        fn describe(&self) -> String {
            "panicky".into()
        }
    }
    let cache = TokenCache::builder(
        Arc::new(Panics(AtomicUsize::new(0))),
        GatewayUrl::parse("https://gateway.example.test").unwrap(),
        Arc::new(NoHttp),
    )
    .build();
    assert_eq!(
        cache.token().await.unwrap_err(),
        AuthError::Config("the token source (panicky) panicked".into())
    );
    cache.reset();
    assert_eq!(cache.token().await.unwrap().claims(), None);
}

#[tokio::test(start_paused = true)]
async fn skewed_tokens_do_not_replace_a_valid_one_or_cause_a_fetch_per_call() {
    let clock = Arc::new(ManualClock::new(t(START)));
    let source = Scripted::new(vec![
        Ok(jwt(START, START + 14_400, "good")),
        Ok(jwt(START - 9_000, START - 1, "skewed")),
        Ok(jwt(START, START + 30_000, "later")),
    ]);
    let cache = cache(source.clone(), clock.clone());
    cache.token().await.unwrap();
    clock.set(t(START + 14_200)); // past the refresh point, still valid
    let skewed = cache.token().await.unwrap();
    assert_eq!(skewed.claims().unwrap().jti.as_deref(), Some("skewed")); // used once
    // The good token is still cached and used while backing off.
    assert_eq!(
        cache
            .token()
            .await
            .unwrap()
            .claims()
            .unwrap()
            .jti
            .as_deref(),
        Some("good")
    );
    assert_eq!(source.calls.load(Ordering::SeqCst), 2);
}
