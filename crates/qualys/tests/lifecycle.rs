//! The whole activation-key lifecycle through the facade, against the sandbox, with the faults the
//! sandbox enforces.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures_util::TryStreamExt;
use qualys::model::{AgentLimit, Expiry, LicenseCode};
use qualys::{Change, Client, CreateKeyRequest, Error, KeyQuery, KeyState, UpdateKeyRequest};
use qualys_sandbox::{Sandbox, SandboxConfig};

fn client(s: &Sandbox) -> Client {
    Client::builder()
        .gateway_url(s.base_url())
        .client_credentials(s.client_id(), s.client_secret())
        .build()
        .unwrap()
}

#[tokio::test]
async fn create_get_search_update_disable_enable_delete() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let c = client(&s);
    let keys = c.activation_keys();

    // Create.
    let created = keys
        .create(
            &CreateKeyRequest::new("golden-image-2027")
                .max_agents_allowed(250)
                .expire_date("2027-06-30".parse().unwrap())
                .license(LicenseCode::Vm)
                .license(LicenseCode::SwCa)
                .tag(17),
        )
        .await
        .unwrap();
    let id = created.id;
    assert_eq!(created.title.as_deref(), Some("golden-image-2027"));
    assert_eq!(created.agent_limit(), Some(AgentLimit::Limited(250)));
    assert_eq!(
        created
            .expire_date
            .as_ref()
            .and_then(Expiry::date)
            .unwrap()
            .to_string(),
        "2027-06-30"
    );
    let licenses: Vec<_> = created
        .licenses
        .iter()
        .flatten()
        .map(|l| l.as_str())
        .collect();
    assert_eq!(licenses, ["VM", "SwCA"]);
    assert_eq!(created.is_disabled, Some(false));
    assert!(created.date_purchased.as_ref().unwrap().parsed().is_some());

    // Get.
    assert_eq!(keys.get(id).await.unwrap(), created);

    // Search finds it, by typed query.
    let page = keys
        .search()
        .query(KeyQuery::new().id(id))
        .send()
        .await
        .unwrap();
    assert_eq!(page.content, std::slice::from_ref(&created));
    let page = keys
        .search()
        .query(KeyQuery::new().key(created.activation_key.as_deref().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(page.total_count, Some(1));

    // Update: rename, unlimited, no expiry, swap a license.
    let updated = keys
        .update(
            id,
            &UpdateKeyRequest::new()
                .title("golden-image-forever")
                .unlimited_agents()
                .remove_expire_date()
                .add_license(LicenseCode::Edr)
                .remove_license("swca")
                .apply_to_existing_agents(true),
        )
        .await
        .unwrap()
        .expect("the sandbox answers with the key");
    assert_eq!(updated.title.as_deref(), Some("golden-image-forever"));
    assert_eq!(updated.agent_limit(), Some(AgentLimit::Unlimited));
    assert_eq!(updated.expire_date, Some(Expiry::Never));
    let licenses: Vec<_> = updated
        .licenses
        .iter()
        .flatten()
        .map(|l| l.as_str())
        .collect();
    assert_eq!(licenses, ["VM", "EDR"]);
    assert_eq!(updated.apply_to_existing_agents, Some(true));

    // Disable, idempotently; then enable.
    assert_eq!(keys.ensure_disabled(id).await.unwrap(), Change::Toggled);
    assert_eq!(keys.ensure_disabled(id).await.unwrap(), Change::Unchanged);
    assert_eq!(keys.get(id).await.unwrap().is_disabled, Some(true));
    let disabled = keys
        .search()
        .query(KeyQuery::new().is_disabled(true))
        .send()
        .await
        .unwrap();
    assert!(disabled.content.iter().any(|k| k.id == id));
    assert_eq!(keys.ensure_enabled(id).await.unwrap(), Change::Toggled);
    assert_eq!(keys.ensure_enabled(id).await.unwrap(), Change::Unchanged);
    // The raw toggle flips, and says so.
    assert_eq!(keys.toggle(id).await.unwrap(), KeyState::Disabled);
    assert_eq!(keys.toggle(id).await.unwrap(), KeyState::Enabled);

    // Delete; then it is gone.
    keys.delete(id).await.unwrap();
    let err = keys.get(id).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(
        err.to_string(),
        format!("get activation key {id} failed: HTTP 404: Activation key {id} not found")
    );
}

#[tokio::test]
async fn the_sandbox_enforces_what_the_vendor_does() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let c = client(&s);
    let keys = c.activation_keys();

    // Duplicate titles.
    let err = keys
        .create(&CreateKeyRequest::new("activation_key_title_1"))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "create activation key failed: HTTP 400: An activation key titled 'activation_key_title_1' already exists"
    );
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.code.as_deref(), Some("CA_1001_DUPLICATE_KEY"));
    let err = keys
        .update(
            23456789,
            &UpdateKeyRequest::new().title("activation_key_title3"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));

    // maxAgentsAllowed is checked before sending: nothing reaches the server.
    let before = s.stats().requests;
    let err = keys
        .create(&CreateKeyRequest::new("x").max_agents_allowed(1_000_001))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "create activation key: invalid maxAgentsAllowed: 1000001 is outside 1–1,000,000"
    );
    assert!(matches!(err, Error::Invalid { .. }));
    assert_eq!(s.stats().requests, before);
    // ...and by the server, for clients that do not check.
    let resp = c
        .raw(
            http::Method::POST,
            "/caui/v1/activation-keys/manage/activation-key",
            Some(&serde_json::json!({"title": "raw", "maxAgentsAllowed": 0})),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        String::from_utf8_lossy(resp.body()),
        r#"{"error":"Bad Request","message":"maxAgentsAllowed must be between 1 and 1000000, got 0","status":400}"#
    );

    // A key in use cannot be deleted.
    assert!(s.set_count_used(12345678, 3));
    let err = keys.delete(12345678).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "delete activation key 12345678 failed: HTTP 400: Activation key 12345678 is used by 3 agent(s) and cannot be deleted"
    );

    // Unknown ids are 404 everywhere.
    for err in [
        keys.get(1).await.unwrap_err(),
        keys.toggle(1).await.unwrap_err(),
        keys.delete(1).await.unwrap_err(),
        keys.update(1, &UpdateKeyRequest::new().title("t"))
            .await
            .unwrap_err(),
        keys.ensure_enabled(1).await.unwrap_err(),
    ] {
        assert_eq!(err.status(), Some(404), "{err}");
    }
}

#[tokio::test]
async fn the_stream_yields_every_key_once_and_says_it_is_complete() {
    let s = Sandbox::start(SandboxConfig::default().generated_keys(333))
        .await
        .unwrap();
    let c = client(&s);
    let mut stream = c.activation_keys().search().limit(50).pages().into_stream();
    let mut ids = std::collections::HashSet::new();
    while let Some(key) = stream.try_next().await.unwrap() {
        assert!(ids.insert(key.id));
    }
    assert_eq!(ids.len(), 338);
    assert!(stream.completeness().unwrap().is_complete());
    assert_eq!(stream.total_count(), Some(338));
}
