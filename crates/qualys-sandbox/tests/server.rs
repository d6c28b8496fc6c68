//! The sandbox over real HTTP: auth, the search contract, paging, queries and sorting.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use qualys_sandbox::{FIXTURE_SEARCH_RESPONSE, Sandbox, SandboxConfig};
use serde_json::{Value, json};

async fn post(url: String, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut req = http::Request::post(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = client
        .request(req.body(Full::new(Bytes::from(body.to_owned()))).unwrap())
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

async fn token(s: &Sandbox) -> String {
    let (status, body) = post(
        format!("{}/auth/oidc", s.base_url()),
        &[
            ("clientId", s.client_id()),
            ("clientSecret", s.client_secret()),
        ],
        "",
    )
    .await;
    assert_eq!(status, 200);
    body
}

async fn search(s: &Sandbox, token: &str, body: Value) -> (u16, Value) {
    let auth = format!("Bearer {token}");
    let (status, text) = post(
        format!("{}/caui/v1/activation-keys/manage", s.base_url()),
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        &body.to_string(),
    )
    .await;
    (status, serde_json::from_str(&text).unwrap())
}

#[tokio::test]
async fn oidc_issues_vendor_like_jwts_and_rejects_bad_credentials() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let jwt = token(&s).await;
    let header = jsonwebtoken::decode_header(&jwt).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::HS512);
    let claims: Value = jsonwebtoken::dangerous::insecure_decode_claims(&jwt).unwrap();
    assert_eq!(claims["sub"], "sandbox-client");
    assert_eq!(claims["iss"], "qas");
    assert_eq!(claims["aud"], "qas");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        14_400
    );
    assert_eq!(claims["jwtExpiryMinute"], "240");
    assert!(claims["jti"].as_str().unwrap().starts_with("sbx-1-"));

    let url = format!("{}/auth/oidc", s.base_url());
    for headers in [
        vec![("clientId", "sandbox-client"), ("clientSecret", "wrong")],
        vec![("clientId", "sandbox-client")],
        vec![],
    ] {
        let (status, body) = post(url.clone(), &headers, "").await;
        assert_eq!(status, 401);
        assert_eq!(
            body,
            r#"{"error":"Unauthorized","message":"Invalid client credentials","status":401}"#
        );
    }
    assert_eq!(s.stats().tokens_issued, 1);
    s.stop().await;
}

#[tokio::test]
async fn search_requires_a_valid_unexpired_sandbox_token() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let url = format!("{}/caui/v1/activation-keys/manage", s.base_url());
    let (status, body) = post(url.clone(), &[], "{}").await;
    assert_eq!(
        (status, body.as_str()),
        (
            401,
            r#"{"error":"Unauthorized","message":"Not authenticated","status":401}"#
        )
    );
    let expired = s.mint_token(-10);
    let (status, body) = search(&s, &expired, json!({})).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"status":401,"error":"Unauthorized","message":"JWT expired"})
    );
    // A token signed by another sandbox is not accepted.
    let other = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let (status, body) = search(&s, &other.mint_token(3600), json!({})).await;
    assert_eq!(status, 401);
    assert_eq!(body["message"], "Not authenticated");
    assert_eq!(s.stats().unauthorized, 3);
}

#[tokio::test]
async fn search_returns_the_vendor_sample_keys_exactly() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let t = token(&s).await;
    let (status, page) = search(&s, &t, json!({})).await;
    assert_eq!(status, 200);
    let fixture: Value = serde_json::from_str(FIXTURE_SEARCH_RESPONSE).unwrap();
    assert_eq!(page["content"], fixture["content"]);
    assert_eq!(page["pageSize"], 10);
    assert_eq!(page["totalCount"], 5);
    assert_eq!(page["noOfPages"], 1);
    // The vendor's own sample request is accepted.
    let (status, page) = search(
        &s,
        &t,
        json!({"limit": 200, "sortOrder": "ASC", "orderBy": "TITLE", "query": "activationKey.isDisabled:false"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(page["pageSize"], 200);
    assert_eq!(page["totalCount"], 5);
}

#[tokio::test]
async fn paging_is_zero_based_and_capped_by_the_server() {
    let s = Sandbox::start(SandboxConfig::default().generated_keys(40).max_page_size(8))
        .await
        .unwrap();
    let t = token(&s).await;
    let mut seen = Vec::new();
    for page in 0..6 {
        let (_, p) = search(&s, &t, json!({"limit": 200, "pageNumber": page})).await;
        assert_eq!(p["pageSize"], 8);
        assert_eq!(p["totalCount"], 45);
        assert_eq!(p["noOfPages"], 6);
        seen.extend(
            p["content"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["id"].as_u64().unwrap()),
        );
    }
    assert_eq!(seen.len(), 45);
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 45);
    let (_, past_end) = search(&s, &t, json!({"limit": 8, "pageNumber": 6})).await;
    assert_eq!(past_end["content"], json!([]));
}

#[tokio::test]
async fn queries_and_sorting() {
    let s = Sandbox::start(
        SandboxConfig::default()
            .generated_keys(300)
            .max_page_size(1000),
    )
    .await
    .unwrap();
    let t = token(&s).await;
    let ids = |p: &Value| -> Vec<u64> {
        p["content"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["id"].as_u64().unwrap())
            .collect()
    };
    let (_, p) = search(&s, &t, json!({"query": "activationKey.id: 34567891"})).await;
    assert_eq!(ids(&p), [34567891]);
    let (_, p) = search(
        &s,
        &t,
        json!({"query": "qualys.agent.activationKey:123456-1a2b-1a2b-1a2b-12ab12b2b124"}),
    )
    .await;
    assert_eq!(ids(&p), [34567891, 456789123, 567891234]);
    let (_, p) = search(
        &s,
        &t,
        json!({"query": "activationKey.isDisabled:true", "limit": 1000}),
    )
    .await;
    assert!(
        p["content"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["isDisabled"] == true)
    );
    assert!(p["totalCount"].as_u64().unwrap() > 0);
    let (_, p) = search(
        &s,
        &t,
        json!({"query": "activationKey.countPurchased:0", "limit": 1000}),
    )
    .await;
    assert!(
        p["content"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["countPurchased"] == 0)
    );

    let (_, asc) = search(
        &s,
        &t,
        json!({"orderBy": "TITLE", "sortOrder": "ASC", "limit": 1000}),
    )
    .await;
    let titles: Vec<&str> = asc["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["title"].as_str().unwrap())
        .collect();
    let mut sorted = titles.clone();
    sorted.sort();
    assert_eq!(titles, sorted);
    let (_, dsc) = search(
        &s,
        &t,
        json!({"orderBy": "TITLE", "sortOrder": "DSC", "limit": 1}),
    )
    .await;
    assert_eq!(dsc["content"][0]["title"], *titles.iter().max().unwrap());

    for (body, message) in [
        (
            json!({"sortOrder": "DESC"}),
            "Invalid sortOrder `DESC`: use ASC or DSC",
        ),
        (json!({"orderBy": "NAME"}), "Invalid orderBy `NAME`"),
        (json!({"limit": 0}), "limit must be at least 1, got 0"),
        (
            json!({"query": "title:x"}),
            "unsupported query token `title`",
        ),
    ] {
        let (status, err) = search(&s, &t, body).await;
        assert_eq!(status, 400);
        assert_eq!(err["message"], message);
    }
}

async fn post_status(url: String, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    post(url, headers, body).await
}

#[tokio::test]
async fn password_login_decodes_the_form_once_and_answers_201() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let url = format!("{}/auth", s.base_url());
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    // The default password is p@ss+w%rd&1=# — encoded once:
    let (status, token) = post_status(
        url.clone(),
        &form,
        "username=sandbox-user&password=p%40ss%2Bw%25rd%261%3D%23&token=true",
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = search(&s, &token, json!({})).await;
    assert_eq!(status, 200);
    // Encoded twice, or not at all: wrong password.
    for body in [
        "username=sandbox-user&password=p%2540ss%252Bw%2525rd%25261%253D%2523&token=true",
        "username=sandbox-user&password=p@ss+w%rd&1=#&token=true",
    ] {
        let (status, text) = post_status(url.clone(), &form, body).await;
        assert_eq!(
            (status, text.as_str()),
            (
                401,
                r#"{"error":"Unauthorized","message":"Invalid username or password","status":401}"#
            )
        );
    }
}

#[tokio::test]
async fn oauth_path_and_encrypted_tokens() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let creds = [
        ("clientId", s.client_id()),
        ("clientSecret", s.client_secret()),
    ];
    let (status, jwt) = post(format!("{}/auth/oauth", s.base_url()), &creds, "").await;
    assert_eq!(status, 200);
    assert_eq!(jwt.split('.').count(), 3);
    let mut enc = creds.to_vec();
    enc.push(("encrypted", "RSA512"));
    let (status, opaque) = post(format!("{}/auth/oidc", s.base_url()), &enc, "").await;
    assert_eq!(status, 200);
    assert!(
        !opaque.contains('.'),
        "an encrypted token is opaque: {opaque}"
    );
    assert!(jsonwebtoken::dangerous::insecure_decode_claims::<Value>(&opaque).is_err());
    let (status, _) = search(&s, &opaque, json!({})).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn revoked_tokens_are_refused() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let before = token(&s).await;
    s.revoke_tokens();
    let (status, body) = search(&s, &before, json!({})).await;
    assert_eq!(status, 401);
    assert_eq!(body["message"], "Not authenticated");
    let after = token(&s).await;
    assert_eq!(search(&s, &after, json!({})).await.0, 200);
}

#[tokio::test]
async fn unauthenticated_requests_are_refused_before_the_body_is_read() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let big = "x".repeat(2 << 20);
    let (status, body) = post(
        format!("{}/caui/v1/activation-keys/manage", s.base_url()),
        &[],
        &big,
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (
            401,
            r#"{"error":"Unauthorized","message":"Not authenticated","status":401}"#
        )
    );
    // Absurd lifetimes saturate instead of overflowing.
    let t = s.mint_token(i64::MAX);
    assert_eq!(search(&s, &t, json!({})).await.0, 200);
}
