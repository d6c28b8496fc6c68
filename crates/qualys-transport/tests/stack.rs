//! The transport stack against the sandbox over real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::VecDeque;
use std::sync::Mutex;

use bytes::Bytes;
use qualys_auth::{
    AuthError, BoxFuture, ClientCredentials, GatewayUrl, HttpSend, SecretString, TokenSource,
};
use qualys_sandbox::{Sandbox, SandboxConfig};
use qualys_transport::{Error, Transport, TransportConfig};

fn search_request(gateway: &GatewayUrl) -> http::Request<Bytes> {
    http::Request::post(gateway.join("/caui/v1/activation-keys/manage").unwrap())
        .header("content-type", "application/json")
        .body(Bytes::from_static(br#"{"limit":2}"#))
        .unwrap()
}

fn transport(s: &Sandbox) -> Transport {
    let gateway = GatewayUrl::parse(s.base_url()).unwrap();
    Transport::new(
        gateway,
        ClientCredentials::new(s.client_id(), s.client_secret()),
        TransportConfig::default(),
    )
    .unwrap()
}

/// Hands out scripted tokens, counting calls.
#[derive(Debug)]
struct Tokens(Mutex<VecDeque<String>>);

impl TokenSource for Tokens {
    fn fetch<'a>(
        &'a self,
        _: &'a GatewayUrl,
        _: &'a dyn HttpSend,
    ) -> BoxFuture<'a, Result<SecretString, AuthError>> {
        let next = self.0.lock().unwrap().pop_front().unwrap();
        Box::pin(async move { Ok(SecretString::from(next)) })
    }
    fn describe(&self) -> String {
        "scripted tokens".into()
    }
}

fn scripted(s: &Sandbox, tokens: Vec<String>) -> Transport {
    let gateway = GatewayUrl::parse(s.base_url()).unwrap();
    Transport::new(
        gateway,
        Tokens(Mutex::new(tokens.into())),
        TransportConfig::default(),
    )
    .unwrap()
}

#[tokio::test]
async fn authenticated_search_through_the_stack() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let t = transport(&s);
    let resp = t.send(search_request(t.gateway())).await.unwrap();
    assert_eq!(resp.status(), 200);
    let page: serde_json::Value = serde_json::from_slice(resp.body()).unwrap();
    assert_eq!(page["content"].as_array().unwrap().len(), 2);
    assert_eq!(page["totalCount"], 5);
    assert_eq!(s.stats().tokens_issued, 1);
}

#[tokio::test]
async fn many_concurrent_requests_share_one_token_fetch() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let t = transport(&s);
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let t = t.clone();
            tokio::spawn(async move { t.send(search_request(t.gateway())).await.unwrap().status() })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    assert_eq!(s.stats().tokens_issued, 1);
    assert_eq!(t.token_cache().fetch_count(), 1);
    assert_eq!(s.stats().searches, 64);
}

#[tokio::test]
async fn a_rejected_token_is_replaced_and_the_request_retried_once() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let foreign = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let t = scripted(&s, vec![foreign.mint_token(3600), s.mint_token(3600)]);
    let resp = t.send(search_request(t.gateway())).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(t.token_cache().fetch_count(), 2);
    assert_eq!(s.stats().unauthorized, 1);
    assert_eq!(s.stats().searches, 1);
}

#[tokio::test]
async fn a_second_401_is_returned_without_looping() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let t = scripted(
        &s,
        vec![s.mint_token(-60), s.mint_token(-60), s.mint_token(-60)],
    );
    let resp = t.send(search_request(t.gateway())).await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.body().as_ref(),
        br#"{"error":"Unauthorized","message":"JWT expired","status":401}"#
    );
    assert_eq!(t.token_cache().fetch_count(), 2);
    assert_eq!(s.stats().unauthorized, 2);
}

#[tokio::test]
async fn the_token_only_goes_to_the_configured_gateway() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let elsewhere = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let t = transport(&s);
    let other = GatewayUrl::parse(elsewhere.base_url()).unwrap();
    let resp = t.send(search_request(&other)).await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.body().as_ref(),
        br#"{"error":"Unauthorized","message":"Not authenticated","status":401}"#
    );
    assert_eq!(t.token_cache().fetch_count(), 0);
}

#[tokio::test]
async fn https_gateways_really_speak_tls() {
    // The sandbox speaks plain HTTP: an https:// URL to it must fail in the TLS handshake.
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let url = format!("https://{}", s.addr());
    let t = Transport::new(
        GatewayUrl::parse(&url).unwrap(),
        ClientCredentials::new("a", "b"),
        TransportConfig::default(),
    )
    .unwrap();
    let err = t.send(search_request(t.gateway())).await.unwrap_err();
    match err {
        Error::Auth(AuthError::Unreachable { endpoint, message }) => {
            assert_eq!(endpoint, format!("{url}/auth/oidc"));
            assert!(message.contains("client error (Connect)"), "{message}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(s.stats().tokens_issued, 0);
}

#[tokio::test]
async fn wrong_credentials_are_an_auth_error_naming_the_client_not_the_secret() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let t = Transport::new(
        GatewayUrl::parse(s.base_url()).unwrap(),
        ClientCredentials::new("sandbox-client", "not-the-secret-xyz"),
        TransportConfig::default(),
    )
    .unwrap();
    let err = t.send(search_request(t.gateway())).await.unwrap_err();
    let text = err.to_string();
    assert_eq!(
        text,
        format!(
            "authentication failed: {}/auth/oidc answered 401 for client credentials for clientId \
             \"sandbox-client\" (Invalid client credentials); check the client id and secret, and \
             that the URL is your platform's gateway",
            s.base_url()
        )
    );
    assert!(!text.contains("not-the-secret-xyz"));
    assert!(!format!("{err:?}").contains("not-the-secret-xyz"));
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_500_jwt_parsing_failed_is_treated_like_a_401() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let t = scripted(&s, vec!["not-a-jwt".into(), s.mint_token(3600)]);
    let resp = t.send(search_request(t.gateway())).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(t.token_cache().fetch_count(), 2);
    assert_eq!(s.stats().unauthorized, 1);
}

#[tokio::test]
async fn a_fresh_token_rejected_too_is_not_refetched_on_every_call() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    // Valid-looking tokens this gateway refuses (signed by another sandbox): a credential that
    // authenticates but lacks access, as far as the client can tell.
    let foreign = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let t = scripted(&s, (0..10).map(|_| foreign.mint_token(3600)).collect());
    for _ in 0..3 {
        assert_eq!(
            t.send(search_request(t.gateway())).await.unwrap().status(),
            401
        );
    }
    // First call: the token, one refetch, both refused. Later calls: the known-refused token is
    // not replaced again (a login per call could lock the account).
    assert_eq!(t.token_cache().fetch_count(), 2);
    assert_eq!(s.stats().unauthorized, 4);
}
