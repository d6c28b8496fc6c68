//! The retry layer and the shared limiter in virtual time, against a scripted inner service: exact
//! waits, exact attempt counts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use qualys_transport::{Error, RateLimiter, RequestMeta, RetryLayer, RetryPolicy};
use tokio::time::Instant;
use tower::{Layer, ServiceExt};

type Answer = Result<http::Response<Bytes>, Error>;

fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> Answer {
    let mut b = http::Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    Ok(b.body(Bytes::from(body.to_owned())).unwrap())
}

fn dropped(before_sending: bool) -> Answer {
    Err(Error::Connection {
        operation: "op".into(),
        method: "POST".into(),
        uri: "https://gateway.example.test/x".into(),
        message: "connection reset".into(),
        before_sending,
    })
}

/// Answers from a script and records when each attempt arrived (virtual time since start).
#[derive(Clone)]
struct Script {
    answers: Arc<Mutex<VecDeque<Answer>>>,
    times: Arc<Mutex<Vec<Duration>>>,
    start: Instant,
}

impl Script {
    fn new(answers: Vec<Answer>) -> Self {
        Self {
            answers: Arc::new(Mutex::new(answers.into())),
            times: Arc::new(Mutex::new(Vec::new())),
            start: Instant::now(),
        }
    }
    fn service(
        &self,
    ) -> impl tower::Service<
        http::Request<Bytes>,
        Response = http::Response<Bytes>,
        Error = Error,
        Future = impl Send,
    > + Clone
    + Send
    + 'static {
        let me = self.clone();
        tower::service_fn(move |_req: http::Request<Bytes>| {
            let me = me.clone();
            async move {
                me.times.lock().unwrap().push(me.start.elapsed());
                me.answers
                    .lock()
                    .unwrap()
                    .pop_front()
                    .expect("script exhausted")
            }
        })
    }
    fn times(&self) -> Vec<Duration> {
        self.times.lock().unwrap().clone()
    }
}

fn request(idempotent: bool) -> http::Request<Bytes> {
    let mut r = http::Request::post("https://gateway.example.test/x")
        .body(Bytes::from_static(b"{}"))
        .unwrap();
    RequestMeta::new("op").idempotent(idempotent).attach(&mut r);
    r
}

fn policy() -> RetryPolicy {
    let mut p = RetryPolicy::default();
    p.initial_backoff = Duration::from_secs(1);
    p.max_backoff = Duration::from_secs(8);
    p.max_wait = Duration::from_secs(60);
    p
}

const S: fn(u64) -> Duration = Duration::from_secs;

#[tokio::test(start_paused = true)]
async fn the_servers_wait_is_honoured_exactly() {
    let script = Script::new(vec![
        resp(429, &[("X-RateLimit-ToWait-Sec", "7")], ""),
        resp(
            409,
            &[("Retry-After", "3")],
            "<SIMPLE_RETURN><RESPONSE><CODE>1965</CODE></RESPONSE></SIMPLE_RETURN>",
        ),
        resp(
            200,
            &[
                ("X-RateLimit-Remaining", "299"),
                ("X-RateLimit-Limit", "300"),
            ],
            "ok",
        ),
    ]);
    let limiter = RateLimiter::new();
    let svc = RetryLayer::new(policy(), limiter.clone()).layer(script.service());
    let out = svc.oneshot(request(false)).await.unwrap();
    assert_eq!(out.status(), 200);
    assert_eq!(script.times(), [S(0), S(7), S(10)]);
    assert_eq!(limiter.last().remaining, Some(299));
    assert_eq!(limiter.last().limit, Some(300));
}

#[tokio::test(start_paused = true)]
async fn unusable_hints_fall_back_to_capped_exponential_backoff_never_zero() {
    let script = Script::new(vec![
        resp(429, &[("X-RateLimit-ToWait-Sec", "")], ""),
        resp(429, &[("X-RateLimit-ToWait-Sec", "-5")], ""),
        resp(429, &[("X-RateLimit-ToWait-Sec", "0")], ""),
        resp(429, &[("Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT")], ""),
        resp(200, &[], "ok"),
    ]);
    let svc = RetryLayer::new(policy(), RateLimiter::new()).layer(script.service());
    assert_eq!(svc.oneshot(request(true)).await.unwrap().status(), 200);
    let t = script.times();
    let gaps: Vec<Duration> = t.windows(2).map(|w| w[1] - w[0]).collect();
    // Backoff n is in [base/2, base] with base 1, 2, 4, 8 s.
    for (gap, base) in gaps.iter().zip([1u64, 2, 4, 8]) {
        assert!(
            *gap >= S(base) / 2 && *gap <= S(base),
            "{gap:?} for base {base}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn one_limiter_makes_every_clone_wait() {
    let script = Script::new(vec![
        resp(429, &[("X-RateLimit-ToWait-Sec", "30")], ""),
        resp(200, &[], "a"),
        resp(200, &[], "b"),
    ]);
    let limiter = RateLimiter::new();
    let layer = RetryLayer::new(policy(), limiter.clone());
    let first = layer.layer(script.service());
    let second = layer.layer(script.service());
    let a = tokio::spawn(first.oneshot(request(true)));
    tokio::time::sleep(Duration::from_millis(1)).await; // let the 429 arrive first
    let b = tokio::spawn(second.oneshot(request(true)));
    assert_eq!(a.await.unwrap().unwrap().status(), 200);
    assert_eq!(b.await.unwrap().unwrap().status(), 200);
    let t = script.times();
    assert_eq!(t[0], S(0));
    // Both later calls waited out the 30 s the server asked of the first.
    assert!(t[1] >= S(30) && t[2] >= S(30), "{t:?}");
}

#[tokio::test(start_paused = true)]
async fn the_concurrency_limit_caps_calls_in_flight() {
    let limiter = RateLimiter::new();
    let mut headers = http::HeaderMap::new();
    headers.insert("X-ConcurrencyLimit-Limit", "2".parse().unwrap());
    limiter.observe(
        &qualys_transport::RateLimitInfo::from_headers(&headers),
        None,
    );
    assert_eq!(limiter.concurrency_limit(), Some(2));
    let in_flight = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let peak = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let limiter = limiter.clone();
            let (in_flight, peak) = (in_flight.clone(), peak.clone());
            tokio::spawn(async move {
                let _slot = limiter.acquire().await;
                let n = in_flight.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                peak.fetch_max(n, std::sync::atomic::Ordering::SeqCst);
                tokio::time::sleep(S(1)).await;
                in_flight.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(peak.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn only_safe_requests_are_resent() {
    // Idempotent: a reset connection and a 503 are retried.
    let script = Script::new(vec![
        dropped(false),
        resp(503, &[], ""),
        resp(200, &[], "ok"),
    ]);
    let svc = RetryLayer::new(policy(), RateLimiter::new()).layer(script.service());
    assert_eq!(svc.oneshot(request(true)).await.unwrap().status(), 200);
    assert_eq!(script.times().len(), 3);
    // Not idempotent: a reset after sending, or a 503, is final...
    let script = Script::new(vec![dropped(false)]);
    let svc = RetryLayer::new(policy(), RateLimiter::new()).layer(script.service());
    assert!(matches!(
        svc.oneshot(request(false)).await,
        Err(Error::Connection { .. })
    ));
    let script = Script::new(vec![resp(503, &[], "")]);
    let svc = RetryLayer::new(policy(), RateLimiter::new()).layer(script.service());
    assert_eq!(svc.oneshot(request(false)).await.unwrap().status(), 503);
    // ...but a connection refused before sending, and throttling, are safe to re-send.
    let script = Script::new(vec![
        dropped(true),
        resp(429, &[("Retry-After", "2")], ""),
        resp(201, &[], "made"),
    ]);
    let svc = RetryLayer::new(policy(), RateLimiter::new()).layer(script.service());
    assert_eq!(svc.oneshot(request(false)).await.unwrap().status(), 201);
    assert_eq!(script.times().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn attempts_and_total_time_are_bounded() {
    let mut p = policy();
    p.max_attempts = 3;
    let script = Script::new(vec![
        resp(503, &[], ""),
        resp(503, &[], ""),
        resp(503, &[], ""),
        resp(200, &[], ""),
    ]);
    let svc = RetryLayer::new(p, RateLimiter::new()).layer(script.service());
    assert_eq!(svc.oneshot(request(true)).await.unwrap().status(), 503);
    assert_eq!(script.times().len(), 3);

    let mut p = policy();
    p.max_total = S(10);
    let script = Script::new(vec![
        resp(429, &[("X-RateLimit-ToWait-Sec", "6")], ""),
        resp(429, &[("X-RateLimit-ToWait-Sec", "6")], ""),
        resp(200, &[], ""),
    ]);
    let svc = RetryLayer::new(p, RateLimiter::new()).layer(script.service());
    let err = svc.oneshot(request(true)).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "op: throttled by the server (HTTP 429); it asks to wait 6 s — retries exhausted"
    );
    assert_eq!(script.times(), [S(0), S(6)]);
}

#[tokio::test(start_paused = true)]
async fn absurd_or_zero_hints_are_handled() {
    // A wait that would overflow the clock is just a wait beyond the maximum: a typed error.
    let script = Script::new(vec![resp(
        429,
        &[("X-RateLimit-ToWait-Sec", "9223372036854775807")],
        "",
    )]);
    let limiter = RateLimiter::new();
    let svc = RetryLayer::new(policy(), limiter.clone()).layer(script.service());
    let err = svc.oneshot(request(true)).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Throttled {
                gave_up_waiting: true,
                ..
            }
        ),
        "{err:?}"
    );
    // ...and it is not imposed on the next call, which goes out at once.
    let script2 = Script::new(vec![resp(200, &[], "")]);
    let svc = RetryLayer::new(policy(), limiter.clone()).layer(script2.service());
    svc.oneshot(request(true)).await.unwrap();
    assert_eq!(script2.times(), [S(0)]);
    // A zero ToWait does not hide a usable Retry-After.
    let script = Script::new(vec![
        resp(
            429,
            &[("X-RateLimit-ToWait-Sec", "0"), ("Retry-After", "30")],
            "",
        ),
        resp(200, &[], ""),
    ]);
    let svc = RetryLayer::new(policy(), RateLimiter::new()).layer(script.service());
    svc.oneshot(request(true)).await.unwrap();
    assert_eq!(script.times(), [S(0), S(30)]);
}

#[tokio::test(start_paused = true)]
async fn a_call_queued_for_a_slot_honours_a_wait_imposed_meanwhile() {
    let limiter = RateLimiter::new();
    let mut h = http::HeaderMap::new();
    h.insert("X-Concurrency-Limit-Limit", "1".parse().unwrap());
    limiter.observe(&qualys_transport::RateLimitInfo::from_headers(&h), None);
    // A: slow 429 asking for 30 s; B queues behind A for the single slot.
    let start = Instant::now();
    let times = Arc::new(Mutex::new(Vec::new()));
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let svc = {
        let times = times.clone();
        let calls = calls.clone();
        tower::service_fn(move |_req: http::Request<Bytes>| {
            let times = times.clone();
            let n = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move {
                times.lock().unwrap().push(start.elapsed());
                if n == 0 {
                    tokio::time::sleep(S(1)).await;
                    resp(429, &[("X-RateLimit-ToWait-Sec", "30")], "")
                } else {
                    resp(200, &[], "")
                }
            }
        })
    };
    let layer = RetryLayer::new(policy(), limiter.clone());
    let a = tokio::spawn(layer.layer(svc.clone()).oneshot(request(true)));
    tokio::time::sleep(Duration::from_millis(10)).await;
    let b = tokio::spawn(layer.layer(svc).oneshot(request(true)));
    a.await.unwrap().unwrap();
    b.await.unwrap().unwrap();
    let t = times.lock().unwrap().clone();
    assert_eq!(t[0], S(0));
    assert!(
        t[1] >= S(31) && t[2] >= S(31),
        "both later attempts waited for the 30 s: {t:?}"
    );
}
