//! One HTTP client for everything: through a proxy, trusting a custom CA, for the first attempt and
//! the retry alike.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use qualys_auth::{ClientCredentials, GatewayUrl};
use qualys_sandbox::tls::TlsIdentity;
use qualys_sandbox::{Calls, Fault, FaultPlan, Route, Sandbox, SandboxConfig};
use qualys_transport::{Error, Proxy, RetryPolicy, Transport, TransportConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A minimal `CONNECT` proxy that records the target of every tunnel.
async fn connect_proxy() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let (mut client, _) = listener.accept().await.unwrap();
            let log = log.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).to_string();
                let target = head.split_whitespace().nth(1).unwrap_or("").to_owned();
                assert!(head.starts_with("CONNECT "), "{head}");
                log.lock().unwrap().push(target.clone());
                let mut upstream = tokio::net::TcpStream::connect(&target).await.unwrap();
                client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await
                    .unwrap();
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (addr, seen)
}

fn search(gateway: &GatewayUrl) -> http::Request<Bytes> {
    let mut req = http::Request::post(gateway.join("/caui/v1/activation-keys/manage").unwrap())
        .header("content-type", "application/json")
        .body(Bytes::from_static(b"{}"))
        .unwrap();
    qualys_transport::RequestMeta::new("search activation keys")
        .idempotent(true)
        .attach(&mut req);
    req
}

#[tokio::test]
async fn token_fetch_api_call_and_retry_all_go_through_the_same_proxy_and_trust_the_same_ca() {
    let identity = Arc::new(TlsIdentity::generate().unwrap());
    // The second search drops the connection: the retry needs a new tunnel.
    let plan = FaultPlan::new().rule(Route::Search, Calls::Nth(vec![2]), Fault::DropConnection);
    let s = Sandbox::start(SandboxConfig::default().tls(identity.clone()).faults(plan))
        .await
        .unwrap();
    assert!(s.base_url().starts_with("https://127.0.0.1:"));
    let ca = std::env::temp_dir().join(format!("qualys-test-ca-{}.pem", std::process::id()));
    std::fs::write(&ca, identity.ca_pem()).unwrap();
    let (proxy, tunnels) = connect_proxy().await;

    let mut retry = RetryPolicy::default();
    retry.initial_backoff = std::time::Duration::from_millis(10);
    let config = TransportConfig::default()
        .proxy(Proxy::Url {
            url: format!("http://{proxy}"),
            no_proxy: String::new(),
        })
        .ca_bundle(&ca)
        .retry(retry);
    let gateway = GatewayUrl::parse(s.base_url()).unwrap();
    let t = Transport::new(
        gateway.clone(),
        ClientCredentials::new(s.client_id(), s.client_secret()),
        config,
    )
    .unwrap();
    assert_eq!(t.send(search(&gateway)).await.unwrap().status(), 200);
    assert_eq!(t.send(search(&gateway)).await.unwrap().status(), 200);

    let tunnels = tunnels.lock().unwrap().clone();
    let target = s.addr().to_string();
    assert!(
        tunnels.len() >= 2,
        "the retry opened a new tunnel: {tunnels:?}"
    );
    assert!(tunnels.iter().all(|t| *t == target), "{tunnels:?}");
    // One token, three searches (the dropped one and its retry included).
    assert_eq!(s.stats().requests, 4);
    assert_eq!(s.stats().tokens_issued, 1);

    // Without the CA bundle, the sandbox's certificate is refused.
    let untrusting = Transport::new(
        gateway.clone(),
        ClientCredentials::new(s.client_id(), s.client_secret()),
        TransportConfig::default().proxy(Proxy::None),
    )
    .unwrap();
    let err = untrusting.send(search(&gateway)).await.unwrap_err();
    match &err {
        Error::Auth(qualys_auth::AuthError::Unreachable { message, .. }) => {
            assert!(message.contains("UnknownIssuer"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let _ = std::fs::remove_file(&ca);
}

#[test]
fn a_bad_ca_bundle_is_a_clear_configuration_error() {
    let path = std::env::temp_dir().join(format!("qualys-test-not-pem-{}.pem", std::process::id()));
    std::fs::write(&path, "not a certificate").unwrap();
    let err = qualys_transport::HttpClient::new(&TransportConfig::default().ca_bundle(&path))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "configuration error: the CA bundle {} holds no certificate",
            path.display()
        )
    );
    let missing = std::path::Path::new("/nonexistent/ca.pem");
    let err = qualys_transport::HttpClient::new(&TransportConfig::default().ca_bundle(missing))
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("configuration error: cannot read the CA bundle /nonexistent/ca.pem"),
        "{err}"
    );
    let _ = std::fs::remove_file(&path);
}

#[test]
fn proxy_urls_are_checked_and_their_passwords_hidden() {
    let config = TransportConfig::default().proxy(Proxy::Url {
        url: "socks5://alice:hunter2@proxy:1080".into(),
        no_proxy: String::new(),
    });
    let err = qualys_transport::HttpClient::new(&config).unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration error: invalid proxy URL `socks5://[REDACTED]@proxy:1080`: only http:// proxies (CONNECT tunnels) are supported"
    );
    let ok = TransportConfig::default().proxy(Proxy::Url {
        url: "http://alice:hunter2@proxy:3128".into(),
        no_proxy: "localhost".into(),
    });
    let client = qualys_transport::HttpClient::new(&ok).unwrap();
    let shown = format!("{ok:?} {client:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("http://[REDACTED]@proxy:3128"), "{shown}");
}
