//! The facade against the sandbox: the main job, end to end.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use qualys::auth::ManualClock;

use qualys::model::{AgentLimit, Expiry, KeyTypeKind, LicenseCode};
use qualys::{Client, Completeness};
use qualys_sandbox::{FIXTURE_SEARCH_RESPONSE, Sandbox, SandboxConfig};

fn client(s: &Sandbox) -> Client {
    Client::builder()
        .gateway_url(s.base_url())
        .client_credentials(s.client_id(), s.client_secret())
        .build()
        .unwrap()
}

#[tokio::test]
async fn search_returns_the_five_vendor_keys_with_exact_fields() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let page = client(&s).activation_keys().search().send().await.unwrap();
    assert_eq!(page.total_count, Some(5));
    assert_eq!(page.content.len(), 5);

    let expected = [
        (
            12345678,
            "activation_key_title_1",
            "123456-1a2b-1a2b-1a2b-12ab12b2b123",
            "2025-01-09T18:01:02",
            "<username01>",
            &["PM", "VM", "FIM", "PA", "EDR"][..],
        ),
        (
            23456789,
            "activation_key_title_2",
            "123456-1a2b-1a2b-1a2b-12ab12b2b122",
            "2025-01-29T12:26:26",
            "<username01>",
            &[][..],
        ),
        (
            34567891,
            "activation_key_title3",
            "123456-1a2b-1a2b-1a2b-12ab12b2b124",
            "2025-01-29T09:41:04",
            "<username01>",
            &["VM", "FIM", "EDR"][..],
        ),
        (
            456789123,
            "activation_key_title4",
            "123456-1a2b-1a2b-1a2b-12ab12b2b124",
            "2025-01-29T09:46:07",
            "<username01>",
            &[][..],
        ),
        (
            567891234,
            "activation_key_title5",
            "123456-1a2b-1a2b-1a2b-12ab12b2b124",
            "2024-08-14T18:08:36",
            "username01",
            &[][..],
        ),
    ];
    for (key, (id, title, akey, date, user, licenses)) in page.content.iter().zip(expected) {
        assert_eq!(key.id, id);
        assert_eq!(key.title.as_deref(), Some(title));
        assert_eq!(key.activation_key.as_deref(), Some(akey));
        assert_eq!(key.count_used, Some(0));
        assert_eq!(key.count_purchased, Some(0));
        assert_eq!(key.agent_limit(), Some(AgentLimit::Unlimited));
        assert_eq!(key.date_purchased.as_deref(), Some(date));
        assert_eq!(key.first_name.as_deref(), Some("John"));
        assert_eq!(key.last_name.as_deref(), Some("Doe"));
        assert_eq!(key.user_name.as_deref(), Some(user));
        assert_eq!(
            key.key_type.as_ref().unwrap().code(),
            &KeyTypeKind::Unlimited
        );
        assert_eq!(key.is_disabled, Some(false));
        assert_eq!(key.expire_date, Some(Expiry::Never));
        let got: Vec<&str> = key
            .licenses
            .as_ref()
            .unwrap()
            .iter()
            .map(|l| l.as_str())
            .collect();
        assert_eq!(got, licenses);
        assert!(key.extra.is_empty());
    }
    assert_eq!(
        page.content[0].licenses.as_ref().unwrap()[3].code(),
        &LicenseCode::Pa
    );
    // And as JSON, byte for byte the vendor's objects.
    let fixture: serde_json::Value = serde_json::from_str(FIXTURE_SEARCH_RESPONSE).unwrap();
    assert_eq!(
        serde_json::to_value(&page.content).unwrap(),
        fixture["content"]
    );
}

#[tokio::test]
async fn many_concurrent_searches_fetch_one_token() {
    let s = Sandbox::start(SandboxConfig::default().generated_keys(50))
        .await
        .unwrap();
    let c = client(&s);
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let c = c.clone();
            tokio::spawn(async move {
                c.activation_keys()
                    .search()
                    .limit(5)
                    .page_number(i % 11)
                    .send()
                    .await
                    .map(|p| p.total_count)
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), Some(55));
    }
    assert_eq!(s.stats().tokens_issued, 1);
    assert_eq!(c.token_cache().fetch_count(), 1);
}

#[tokio::test]
async fn a_token_past_its_refresh_point_is_replaced_before_use() {
    // The client's clock is moved forward past the refresh point (exp - 5 min - jitter) while the
    // token is still valid at the server: the client must replace it before sending.
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let clock = Arc::new(ManualClock::new(SystemTime::now()));
    let c = Client::builder()
        .gateway_url(s.base_url())
        .client_credentials(s.client_id(), s.client_secret())
        .clock(clock.clone())
        .build()
        .unwrap();
    c.activation_keys().search().send().await.unwrap();
    let first = c.token_cache().peek().unwrap();
    assert_eq!(first.expiry_source(), qualys::auth::ExpirySource::Jwt);
    // Three hours later: same token.
    clock.advance(Duration::from_secs(3 * 3600));
    c.activation_keys().search().send().await.unwrap();
    assert_eq!(s.stats().tokens_issued, 1);
    // One second inside the 5-minute margin: replaced before use.
    clock.set(first.expires_at() - Duration::from_secs(299));
    c.activation_keys().search().send().await.unwrap();
    assert_eq!(s.stats().tokens_issued, 2);
    assert_eq!(s.stats().unauthorized, 0);
    assert_eq!(
        c.token_cache().peek().unwrap().generation(),
        first.generation() + 1
    );
}

#[tokio::test]
async fn the_vendors_undecodable_sample_token_works_as_an_opaque_token() {
    let sample = include_str!("../../qualys-sandbox/fixtures/seed-oidc-token-response.txt");
    let s = Sandbox::start(SandboxConfig::default().fixed_token(sample))
        .await
        .unwrap();
    let c = client(&s);
    let before = SystemTime::now();
    let page = c.activation_keys().search().send().await.unwrap();
    assert_eq!(page.content.len(), 5);
    let token = c.token_cache().peek().unwrap();
    assert_eq!(token.claims(), None);
    assert_eq!(
        token.expiry_source(),
        qualys::auth::ExpirySource::AssumedLifetime
    );
    let lifetime = token.expires_at().duration_since(before).unwrap();
    assert!(lifetime >= Duration::from_secs(14_400) && lifetime < Duration::from_secs(14_460));
    // Reused, not refetched.
    c.activation_keys().search().send().await.unwrap();
    assert_eq!(s.stats().tokens_issued, 1);
}

#[tokio::test]
async fn walking_all_pages_returns_every_key_once() {
    let s = Sandbox::start(SandboxConfig::default().generated_keys(237))
        .await
        .unwrap();
    let (keys, done) = client(&s)
        .activation_keys()
        .search()
        .limit(25)
        .pages()
        .collect_all()
        .await
        .unwrap();
    assert_eq!(done, Completeness::Complete);
    let mut ids: Vec<u64> = keys.iter().map(|k| k.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 242);
}

#[tokio::test]
async fn from_env_names_missing_variables() {
    let none = |name: &str| (name == "XDG_CONFIG_HOME").then(|| "/nonexistent-qualys-test".into());
    let err = Client::from_lookup(none).unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration error: not set: QUALYS_GATEWAY_URL (or QUALYS_PLATFORM); QUALYS_CLIENT_ID and \
         QUALYS_CLIENT_SECRET (or QUALYS_USERNAME and QUALYS_PASSWORD, or QUALYS_TOKEN)"
    );
    let err = Client::from_lookup(|n| {
        matches!(n, "QUALYS_GATEWAY_URL" | "QUALYS_CLIENT_ID").then(|| "x".into())
    })
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration error: QUALYS_CLIENT_ID is set but QUALYS_CLIENT_SECRET is not"
    );
    let err = Client::from_lookup(|n| match n {
        "QUALYS_GATEWAY_URL" => Some("http://gateway.qg2.apps.qualys.com".into()),
        "QUALYS_CLIENT_ID" | "QUALYS_CLIENT_SECRET" => Some("x".into()),
        _ => None,
    })
    .unwrap_err();
    assert!(err.to_string().contains("refusing plain http://"), "{err}");
}
