//! Resilience against the sandbox's fault injection: a fault matrix over a large walk, and each
//! non-recoverable fault with its exact error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use qualys::transport::RetryPolicy;
use qualys::{Client, Completeness, CreateKeyRequest, Error};
use qualys_sandbox::{Calls, Fault, FaultPlan, Route, Sandbox, SandboxConfig};

fn fast_retries() -> RetryPolicy {
    let mut p = RetryPolicy::default();
    p.initial_backoff = Duration::from_millis(20);
    p.max_backoff = Duration::from_millis(200);
    p.max_wait = Duration::from_secs(5);
    p
}

fn client(s: &Sandbox) -> Client {
    Client::builder()
        .gateway_url(s.base_url())
        .client_credentials(s.client_id(), s.client_secret())
        .retry_policy(fast_retries())
        .request_timeout(Duration::from_millis(700))
        .build()
        .unwrap()
}

fn respond(status: u16, headers: &[(&str, &str)], body: &str) -> Fault {
    let mut h = BTreeMap::new();
    for (k, v) in headers {
        h.insert(k.to_string(), v.to_string());
    }
    serde_json::from_value(serde_json::json!({
        "type": "respond", "status": status, "headers": h, "body": body
    }))
    .unwrap()
}

fn nth(n: u64) -> Calls {
    Calls::Nth(vec![n])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_walk_through_every_recoverable_fault_gets_every_key_exactly_once() {
    let html503 = "<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body>maintenance</body></html>";
    let xml1965 = "<?xml version=\"1.0\"?><SIMPLE_RETURN><RESPONSE><CODE>1965</CODE><TEXT>This API cannot be run again for another 1 seconds</TEXT></RESPONSE></SIMPLE_RETURN>";
    let xml1960 = "<SIMPLE_RETURN><RESPONSE><CODE>1960</CODE><TEXT>concurrency limit reached</TEXT></RESPONSE></SIMPLE_RETURN>";
    let plan = FaultPlan::new()
        .rule(
            Route::Search,
            nth(3),
            respond(
                429,
                &[
                    ("X-RateLimit-ToWait-Sec", "1"),
                    ("X-RateLimit-Remaining", "0"),
                ],
                "",
            ),
        )
        .rule(
            Route::Search,
            nth(6),
            respond(503, &[("Content-Type", "text/html")], html503),
        )
        .rule(Route::Search, nth(9), Fault::DropConnection)
        .rule(Route::Search, nth(12), Fault::TruncateBody { bytes: 100 })
        .rule(
            Route::Search,
            nth(15),
            respond(
                500,
                &[],
                r#"{"status":500,"error":"Internal Server Error","message":"JWT parsing failed"}"#,
            ),
        )
        .rule(Route::Search, nth(18), Fault::RevokeTokens)
        .rule(Route::Search, nth(21), Fault::ExpireTokens)
        .rule(
            Route::Search,
            nth(24),
            respond(409, &[("X-RateLimit-ToWait-Sec", "1")], xml1965),
        )
        .rule(
            Route::Search,
            nth(27),
            respond(
                409,
                &[
                    ("X-Concurrency-Limit-Limit", "2"),
                    ("X-Concurrency-Limit-Running", "2"),
                ],
                xml1960,
            ),
        )
        .rule(Route::Search, nth(30), Fault::DelayHeaders { ms: 1500 })
        .rule(Route::Search, nth(33), respond(502, &[], "Bad Gateway"))
        .rule(
            Route::Search,
            nth(36),
            respond(
                429,
                &[("Retry-After", ""), ("X-RateLimit-ToWait-Sec", "soon")],
                "",
            ),
        )
        .rule(
            Route::Search,
            Calls::Range { from: 40, to: 41 },
            respond(504, &[], ""),
        )
        .rule(Route::Search, nth(45), Fault::DelayBody { ms: 100 })
        .rule(
            Route::Auth,
            nth(3),
            respond(503, &[], "token service restarting"),
        );
    let s = Sandbox::start(SandboxConfig::default().generated_keys(20_000).faults(plan))
        .await
        .unwrap();
    let c = client(&s);
    let started = Instant::now();
    let mut pager = c.activation_keys().search().limit(200).pages();
    let mut ids = HashSet::new();
    let mut dup = 0;
    while let Some(page) = pager.next_page().await.unwrap() {
        for k in page.content {
            if !ids.insert(k.id) {
                dup += 1;
            }
        }
    }
    assert_eq!(dup, 0);
    assert_eq!(ids.len(), 20_005);
    assert_eq!(pager.completeness(), Some(&Completeness::Complete));
    let stats = s.stats();
    // 101 pages of ≤200 keys; every injected fault cost one more request.
    assert!(stats.requests >= 101 + 15, "{stats:?}");
    assert!(
        stats.tokens_issued >= 4,
        "revoke, expire and the JWT-parsing 500 each cost a token: {stats:?}"
    );
    assert_eq!(c.transport().rate_limiter().concurrency_limit(), Some(2));
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn a_wait_longer_than_allowed_is_a_typed_error_with_the_hint() {
    let plan = FaultPlan::new().rule(
        Route::Search,
        Calls::All,
        respond(
            429,
            &[
                ("X-RateLimit-ToWait-Sec", "3600"),
                ("X-RateLimit-Limit", "300"),
                ("X-RateLimit-Window-Sec", "3600"),
                ("X-RateLimit-Remaining", "0"),
            ],
            "",
        ),
    );
    let s = Sandbox::start(SandboxConfig::default().faults(plan))
        .await
        .unwrap();
    let c = client(&s);
    let started = Instant::now();
    let err = c.activation_keys().search().send().await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "it must not sleep for an hour"
    );
    assert_eq!(
        err.to_string(),
        "search activation keys: throttled by the server (HTTP 429); it asks to wait 3600 s — longer than the configured maximum wait, so not waiting"
    );
    let Error::Throttled {
        retry_after,
        limits,
        gave_up_waiting,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*retry_after, Some(Duration::from_secs(3600)));
    assert!(*gave_up_waiting);
    assert_eq!(
        (limits.limit, limits.remaining, limits.window_secs),
        (Some(300), Some(0), Some(3600))
    );
    assert!(err.is_retryable());
    // The state is exposed to callers.
    assert_eq!(c.transport().rate_limits().remaining, Some(0));
}

#[tokio::test]
async fn throttling_that_never_ends_exhausts_the_retries() {
    let plan = FaultPlan::new().rule(
        Route::Search,
        Calls::All,
        respond(429, &[("X-RateLimit-ToWait-Sec", "")], ""),
    );
    let s = Sandbox::start(SandboxConfig::default().faults(plan))
        .await
        .unwrap();
    let c = client(&s);
    let started = Instant::now();
    let err = c.activation_keys().search().send().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "search activation keys: throttled by the server (HTTP 429) — retries exhausted"
    );
    assert_eq!(s.stats().requests, 1 + 5, "one token, five attempts");
    // Unusable headers mean backoff, never a wait of 0: 4 backoffs of at least 10, 20, 40, 80 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn persistent_server_errors_end_with_the_server_error() {
    let html = "<html><head><title>502 Proxy Error</title></head></html>";
    let plan = FaultPlan::new().rule(Route::Search, Calls::All, respond(502, &[], html));
    let s = Sandbox::start(SandboxConfig::default().faults(plan))
        .await
        .unwrap();
    let err = client(&s)
        .activation_keys()
        .search()
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "search activation keys failed: HTTP 502: HTML page \"502 Proxy Error\""
    );
    assert!(err.is_retryable());
    assert_eq!(s.stats().requests, 1 + 5);
}

#[tokio::test]
async fn creates_and_toggles_are_never_resent_once_they_may_have_arrived() {
    let plan = FaultPlan::new()
        .rule(Route::Create, Calls::All, Fault::DropConnection)
        .rule(Route::Toggle, Calls::All, respond(502, &[], ""))
        .rule(Route::Update, Calls::All, Fault::DelayHeaders { ms: 1500 });
    let s = Sandbox::start(SandboxConfig::default().faults(plan))
        .await
        .unwrap();
    let c = client(&s);
    let keys = c.activation_keys();
    let err = keys
        .create(&CreateKeyRequest::new("once"))
        .await
        .unwrap_err();
    let Error::Connection {
        before_sending,
        ref operation,
        ..
    } = err
    else {
        panic!("{err:?}")
    };
    assert!(!before_sending);
    assert_eq!(operation, "create activation key");
    let err = keys.toggle(12345678).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "toggle activation key 12345678 failed: HTTP 502"
    );
    let err = keys
        .update(12345678, &qualys::UpdateKeyRequest::new().title("t"))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "update activation key 12345678 timed out after 0.7 s waiting for the response"
    );
    // One token, then exactly one attempt of each.
    assert_eq!(s.stats().requests, 1 + 3);
}

#[tokio::test]
async fn a_search_that_always_times_out_suggests_a_smaller_page() {
    let plan = FaultPlan::new().rule(Route::Search, Calls::All, Fault::DelayHeaders { ms: 1500 });
    let s = Sandbox::start(SandboxConfig::default().faults(plan))
        .await
        .unwrap();
    let c = Client::builder()
        .gateway_url(s.base_url())
        .client_credentials(s.client_id(), s.client_secret())
        .retry_policy({
            let mut p = fast_retries();
            p.max_attempts = 2;
            p
        })
        .request_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let err = c
        .activation_keys()
        .search()
        .limit(1000)
        .page_number(3)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "search activation keys (page 3) timed out after 1 s waiting for the response; large pages take long to produce: try a smaller page size (limit)"
    );
}

#[tokio::test]
async fn bodies_that_are_not_what_they_claim_are_clear_errors() {
    let plan = FaultPlan::new()
        .rule(Route::Search, nth(1), respond(200, &[("Content-Type", "text/html")], "<html><head><title>Scheduled Maintenance</title></head></html>"))
        .rule(Route::Search, nth(2), respond(200, &[], r#"{"errorCode":"CA_9999","message":"Internal failure, try later"}"#))
        .rule(Route::Search, nth(3), serde_json::from_value(serde_json::json!({"type":"respond","status":200,"body_bytes":[123,34,99,111,110,116,101,110,116,34,58,91,123,34,105,100,34,58,49,44,34,116,105,116,108,101,34,58,34,255,254,34,125,93,125]})).unwrap())
        .rule(Route::Search, nth(4), respond(200, &[], r#"{"pageSize":5,"totalCount":5}"#))
        .rule(Route::Get, nth(1), respond(200, &[], r#"{"status":404,"error":"Not Found","message":"no such key"}"#));
    let s = Sandbox::start(SandboxConfig::default().faults(plan))
        .await
        .unwrap();
    let c = client(&s);
    let keys = c.activation_keys();
    let e = keys.search().send().await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "search activation keys: unexpected response body at `.`: expected JSON, got HTML page \"Scheduled Maintenance\""
    );
    let e = keys.search().send().await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "search activation keys failed: HTTP 500: Internal failure, try later (hint: the server answered HTTP 200 with this error in the body)"
    );
    let e = keys.search().send().await.unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    assert!(
        e.to_string().contains("invalid unicode code point") || e.to_string().contains("UTF-8"),
        "{e}"
    );
    let e = keys.search().send().await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "search activation keys: unexpected response body at `.`: missing field `content` at line 1 column 29"
    );
    let e = keys.get(12345678).await.unwrap_err();
    assert_eq!(e.status(), Some(404));
}

#[tokio::test]
async fn gzip_answers_are_decoded() {
    // The sandbox compresses JSON over 1 KiB when the client accepts gzip, which it always does.
    let s = Sandbox::start(SandboxConfig::default().generated_keys(100))
        .await
        .unwrap();
    let page = client(&s)
        .activation_keys()
        .search()
        .limit(100)
        .send()
        .await
        .unwrap();
    assert_eq!(page.content.len(), 100);
    let raw = client(&s)
        .raw(
            http::Method::POST,
            "/caui/v1/activation-keys/manage",
            Some(&serde_json::json!({"limit": 50})),
        )
        .await
        .unwrap();
    assert_eq!(
        raw.headers().get("content-encoding"),
        None,
        "decoded bodies lose the header"
    );
    assert!(serde_json::from_slice::<serde_json::Value>(raw.body()).is_ok());
}

#[test]
fn gateway_host_mistakes_get_a_hint() {
    let c = Client::builder()
        .gateway_url("qualysguard.qg2.apps.qualys.com/")
        .client_credentials("a", "b")
        .build()
        .unwrap();
    assert_eq!(
        c.config_warnings(),
        [
            "qualysguard.qg2.apps.qualys.com is the web UI; these APIs live on the gateway, e.g. https://gateway.qg2.apps.qualys.com"
        ]
    );
}

#[tokio::test]
async fn redirects_are_not_followed_and_the_total_timeout_holds() {
    let plan = FaultPlan::new()
        .rule(
            Route::Get,
            Calls::All,
            respond(
                302,
                &[("Location", "https://elsewhere.example.com/caui")],
                "",
            ),
        )
        .rule(Route::Search, Calls::All, Fault::DelayHeaders { ms: 800 });
    let s = Sandbox::start(SandboxConfig::default().faults(plan))
        .await
        .unwrap();
    let c = Client::builder()
        .gateway_url(s.base_url())
        .client_credentials(s.client_id(), s.client_secret())
        .retry_policy(fast_retries())
        .request_timeout(Duration::from_millis(500))
        .total_timeout(Duration::from_millis(1200))
        .build()
        .unwrap();
    let err = c.activation_keys().get(12345678).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "get activation key 12345678 failed: HTTP 302 (hint: the server redirects to \
         https://elsewhere.example.com/caui; redirects are not followed so the token never leaves \
         the gateway — if that is your platform's gateway, use it as the gateway URL)"
    );
    let err = c.activation_keys().search().send().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "search activation keys timed out after 1.2 s in total, retries included"
    );
}

#[tokio::test]
async fn a_delete_whose_answer_was_lost_is_not_reported_as_not_found() {
    // The first DELETE deletes the key but its answer is cut; the retry then finds no key.
    let plan = FaultPlan::new().rule(Route::Delete, nth(1), Fault::TruncateBody { bytes: 3 });
    let s = Sandbox::start(SandboxConfig::default().faults(plan))
        .await
        .unwrap();
    let c = client(&s);
    c.activation_keys().delete(23456789).await.unwrap();
    assert_eq!(
        c.activation_keys()
            .get(23456789)
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
    // A plain 404 on the first attempt is still an error.
    assert_eq!(
        c.activation_keys().delete(1).await.unwrap_err().status(),
        Some(404)
    );
}
