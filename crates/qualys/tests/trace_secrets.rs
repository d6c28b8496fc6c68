//! A full run (auth, refresh, 401 retry, password flow, errors) traced at TRACE level, with no
//! secret or token in the output. Alone in its test binary: it installs the global subscriber, so no
//! other test's callsites can race it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use qualys::Client;
use qualys::auth::{ExposeSecret, ManualClock};
use qualys_sandbox::{Sandbox, SandboxConfig};

/// Collects everything written by the fmt subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_full_run_traced_at_trace_level_leaks_no_secret() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    // `log` records (rustls, hyper-util) are bridged into tracing too.
    let _ = tracing_log::LogTracer::init();

    let secret = "cl13nt-s3cr3t-VALUE";
    let password = "pa55-w0rd-VALUE";
    let s = Sandbox::start(
        SandboxConfig::default()
            .credentials("trace-client", secret)
            .password_login("trace-user", password),
    )
    .await
    .unwrap();
    let clock = Arc::new(ManualClock::new(std::time::SystemTime::now()));
    let c = Client::builder()
        .gateway_url(s.base_url())
        .client_credentials("trace-client", secret)
        .clock(clock.clone())
        .build()
        .unwrap();
    let mut tokens = Vec::new();
    // Auth.
    c.activation_keys().search().send().await.unwrap();
    tokens.push(
        c.token_cache()
            .peek()
            .unwrap()
            .secret()
            .expose_secret()
            .to_owned(),
    );
    // Refresh before expiry.
    clock.advance(Duration::from_secs(4 * 3600 - 200));
    c.activation_keys().search().send().await.unwrap();
    tokens.push(
        c.token_cache()
            .peek()
            .unwrap()
            .secret()
            .expose_secret()
            .to_owned(),
    );
    // 401 and retry with a new token.
    s.revoke_tokens();
    c.activation_keys().search().send().await.unwrap();
    tokens.push(
        c.token_cache()
            .peek()
            .unwrap()
            .secret()
            .expose_secret()
            .to_owned(),
    );
    // Password flow, and an error with a wrong secret and a wrong password.
    let p = Client::builder()
        .gateway_url(s.base_url())
        .password("trace-user", password)
        .build()
        .unwrap();
    p.activation_keys().search().send().await.unwrap();
    tokens.push(
        p.token_cache()
            .peek()
            .unwrap()
            .secret()
            .expose_secret()
            .to_owned(),
    );
    let bad = Client::builder()
        .gateway_url(s.base_url())
        .client_credentials("trace-client", "wrong-VALUE-1")
        .build()
        .unwrap();
    let err = bad.activation_keys().search().send().await.unwrap_err();
    tracing::error!(error = %err, debug = ?err, client = ?c, "the run's error");
    assert_eq!(s.stats().tokens_issued, 4);

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("token refreshed"),
        "the capture must hold the run's events:\n{log}"
    );
    assert!(
        log.contains("token rejected: refreshing once and retrying"),
        "{log}"
    );
    assert!(log.contains("authentication failed"), "{log}");
    let encoded_password = "pa55-w0rd-VALUE"; // no characters that form-encoding would change
    for needle in [secret, password, encoded_password, "wrong-VALUE-1"] {
        assert!(!log.contains(needle), "secret {needle:?} leaked:\n{log}");
    }
    for token in &tokens {
        let signature = token.rsplit('.').next().unwrap();
        let claims = token.split('.').nth(1).unwrap();
        assert!(!log.contains(signature), "a token signature leaked:\n{log}");
        assert!(!log.contains(claims), "a token payload leaked:\n{log}");
    }
}
