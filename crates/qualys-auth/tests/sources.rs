//! Token sources: the exact requests they send (snapshots, secrets redacted) and how they read
//! answers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Mutex;

use bytes::Bytes;
use qualys_auth::{
    AuthError, BoxError, BoxFuture, ClientCredentials, CredentialsEndpoint, ExposeSecret,
    GatewayUrl, HttpSend, PasswordCredentials, StaticToken, TokenEncryption, TokenSource,
};

/// Records requests and answers each with a canned response.
struct Recorder {
    status: u16,
    body: &'static str,
    seen: Mutex<Vec<http::Request<Bytes>>>,
}

impl Recorder {
    fn new(status: u16, body: &'static str) -> Self {
        Self {
            status,
            body,
            seen: Mutex::new(Vec::new()),
        }
    }

    /// The recorded request as text, with the given secrets replaced.
    fn rendered(&self, secrets: &[&str]) -> String {
        let seen = self.seen.lock().unwrap();
        let req = seen.last().expect("no request");
        let mut headers: Vec<String> = req
            .headers()
            .iter()
            .map(|(k, v)| {
                let sensitive = if v.is_sensitive() { " (sensitive)" } else { "" };
                format!("{k}: {}{sensitive}", v.to_str().unwrap())
            })
            .collect();
        headers.sort();
        let mut text = format!(
            "{} {}\n{}\n\n{}",
            req.method(),
            req.uri(),
            headers.join("\n"),
            String::from_utf8_lossy(req.body())
        );
        for s in secrets {
            text = text.replace(s, "[REDACTED]");
        }
        text
    }
}

impl HttpSend for Recorder {
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, BoxError>> {
        self.seen.lock().unwrap().push(request);
        let resp = http::Response::builder()
            .status(self.status)
            .body(Bytes::from_static(self.body.as_bytes()))
            .unwrap();
        Box::pin(async move { Ok(resp) })
    }
}

fn gateway() -> GatewayUrl {
    GatewayUrl::parse("https://gateway.qg2.apps.qualys.com").unwrap()
}

#[tokio::test]
async fn oidc_request_is_pinned() {
    let http = Recorder::new(200, "eyJhbGciOiJIUzUxMiJ9.e30.c2ln\n");
    let source = ClientCredentials::new("client-123", "s3cr3t+/=");
    let token = source.fetch(&gateway(), &http).await.unwrap();
    assert_eq!(token.expose_secret(), "eyJhbGciOiJIUzUxMiJ9.e30.c2ln");
    let text = http.rendered(&["s3cr3t+/="]);
    assert!(
        text.contains("clientsecret: [REDACTED] (sensitive)"),
        "{text}"
    );
    insta::assert_snapshot!("oidc_request", text);
}

#[tokio::test]
async fn oauth_with_encryption_request_is_pinned() {
    let http = Recorder::new(200, "opaque-0123");
    let source = ClientCredentials::new("client-123", "s3cr3t")
        .endpoint(CredentialsEndpoint::OAuth)
        .encryption(TokenEncryption::Rsa512);
    source.fetch(&gateway(), &http).await.unwrap();
    insta::assert_snapshot!("oauth_rsa512_request", http.rendered(&["s3cr3t"]));
}

#[tokio::test]
async fn password_request_encodes_each_field_once_and_accepts_201() {
    let http = Recorder::new(201, "tok-201");
    let source = PasswordCredentials::new("alice smith", "p@ss+w%rd&1=#");
    let token = source.fetch(&gateway(), &http).await.unwrap();
    assert_eq!(token.expose_secret(), "tok-201");
    let raw = http.rendered(&[]);
    assert!(
        raw.ends_with("username=alice+smith&password=p%40ss%2Bw%25rd%261%3D%23&token=true"),
        "{raw}"
    );
    insta::assert_snapshot!(
        "password_request",
        http.rendered(&["p%40ss%2Bw%25rd%261%3D%23"])
    );
}

#[tokio::test]
async fn rejected_credentials_are_final_and_name_the_client_not_the_secret() {
    let http = Recorder::new(
        401,
        r#"{"status":401,"error":"Unauthorized","message":"Bad credentials"}"#,
    );
    let source = ClientCredentials::new("client-123", "hunter2").origin("profile \"prod\"");
    let err = source.fetch(&gateway(), &http).await.unwrap_err();
    assert_eq!(
        err,
        AuthError::Rejected {
            status: 401,
            endpoint: "https://gateway.qg2.apps.qualys.com/auth/oidc".into(),
            credential: "client credentials for clientId \"client-123\" (from profile \"prod\")"
                .into(),
            message: Some("Bad credentials".into()),
        }
    );
    assert!(!err.is_retryable());
    assert!(!err.to_string().contains("hunter2"));
}

#[tokio::test]
async fn token_bodies_that_are_not_tokens_are_clear_errors() {
    for (status, body, expected) in [
        (200, "", "the body is empty"),
        (
            200,
            "<html><head><title>Qualys - Login</title></head></html>",
            "the body is an HTML page (\"Qualys - Login\"), not a token: is the URL your platform's gateway?",
        ),
    ] {
        let http = Recorder::new(status, body);
        let err = ClientCredentials::new("a", "b")
            .fetch(&gateway(), &http)
            .await
            .unwrap_err();
        assert_eq!(
            err,
            AuthError::InvalidTokenBody {
                endpoint: "https://gateway.qg2.apps.qualys.com/auth/oidc".into(),
                reason: expected.into()
            }
        );
    }
    for (body, token) in [
        ("\"quoted.token\"", "quoted.token"),
        ("{\"access_token\":\"a.b.c\",\"expires_in\":14400}", "a.b.c"),
        ("{\"token\":\"t\"}", "t"),
        ("  \r\n  spaced.token \r\n", "spaced.token"),
    ] {
        let http = Recorder::new(200, body);
        let got = ClientCredentials::new("a", "b")
            .fetch(&gateway(), &http)
            .await
            .unwrap();
        assert_eq!(got.expose_secret(), token);
    }
    let http = Recorder::new(
        404,
        "<!DOCTYPE html><html><title>404 Not Found</title></html>",
    );
    let err = PasswordCredentials::new("a", "b")
        .fetch(&gateway(), &http)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the token endpoint https://gateway.qg2.apps.qualys.com/auth answered HTTP 404: HTML page \"404 Not Found\""
    );
}

#[tokio::test]
async fn a_static_token_is_returned_as_given() {
    let http = Recorder::new(500, "unused");
    let t = StaticToken::new("  \"abc.def.ghi\"\n").origin("environment");
    assert_eq!(
        t.fetch(&gateway(), &http).await.unwrap().expose_secret(),
        "abc.def.ghi"
    );
    assert!(http.seen.lock().unwrap().is_empty());
    assert!(!format!("{t:?}").contains("abc.def"));
}
