//! Every token flow through the facade, against the sandbox; where credentials come from; and a
//! full run traced at TRACE level without a secret in sight.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use qualys::auth::{AuthError, CredentialsEndpoint, ExpirySource, TokenEncryption};
use qualys::{Client, Error};
use qualys_sandbox::{Sandbox, SandboxConfig};

/// A fresh directory to act as `$XDG_CONFIG_HOME`.
fn config_home(profile_file: Option<&str>, mode: u32) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "qualys-auth-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(dir.join("qualys")).unwrap();
    if let Some(text) = profile_file {
        let path = dir.join("qualys").join("config.toml");
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
    }
    dir
}

fn env(
    vars: &[(&str, &str)],
    home: &std::path::Path,
) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let mut map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    map.insert("XDG_CONFIG_HOME".into(), home.display().to_string());
    move |name| map.get(name).cloned()
}

fn source_of(client: &Client) -> String {
    client.token_cache().describe_source()
}

#[tokio::test]
async fn explicit_beats_environment_beats_profile() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let profile = format!(
        "[default]\ngateway_url = \"{}\"\nclient_id = \"{}\"\nclient_secret = \"{}\"\n\n[other]\nplatform = \"EU1\"\ntoken = \"abc.def.ghi\"\n",
        s.base_url(),
        s.client_id(),
        s.client_secret()
    );
    let home = config_home(Some(&profile), 0o600);

    // Profile only: it works end to end.
    let c = Client::builder().lookup(env(&[], &home)).build().unwrap();
    assert_eq!(
        source_of(&c),
        "client credentials for clientId \"sandbox-client\" (from profile \"default\")"
    );
    assert!(c.config_warnings().is_empty());
    assert_eq!(
        c.activation_keys()
            .search()
            .send()
            .await
            .unwrap()
            .content
            .len(),
        5
    );

    // The environment beats the profile.
    let c = Client::builder()
        .lookup(env(
            &[("QUALYS_USERNAME", "u"), ("QUALYS_PASSWORD", "p")],
            &home,
        ))
        .build()
        .unwrap();
    assert_eq!(source_of(&c), "password for user \"u\" (from environment)");
    assert_eq!(c.token_cache().gateway().as_str(), s.base_url());

    // Explicit beats both.
    let c = Client::builder()
        .token("x.y.z")
        .platform(qualys::auth::Platform::Us3)
        .lookup(env(
            &[("QUALYS_USERNAME", "u"), ("QUALYS_PASSWORD", "p")],
            &home,
        ))
        .build()
        .unwrap();
    assert_eq!(source_of(&c), "static token (from explicit settings)");
    assert_eq!(
        c.token_cache().gateway().as_str(),
        "https://gateway.qg3.apps.qualys.com"
    );

    // QUALYS_PROFILE picks another profile; within it, the platform names the gateway.
    let c = Client::builder()
        .lookup(env(&[("QUALYS_PROFILE", "other")], &home))
        .build()
        .unwrap();
    assert_eq!(source_of(&c), "static token (from profile \"other\")");
    assert_eq!(
        c.token_cache().gateway().as_str(),
        "https://gateway.qg1.apps.qualys.eu"
    );
    // The builder's profile() wins over QUALYS_PROFILE.
    let c = Client::builder()
        .profile("default")
        .lookup(env(&[("QUALYS_PROFILE", "other")], &home))
        .build()
        .unwrap();
    assert!(source_of(&c).ends_with("(from profile \"default\")"));

    // Environment settings of the endpoint and encryption apply to profile credentials.
    let c = Client::builder()
        .lookup(env(
            &[
                ("QUALYS_AUTH_ENDPOINT", "oauth"),
                ("QUALYS_TOKEN_ENCRYPTION", "rsa512"),
            ],
            &home,
        ))
        .build()
        .unwrap();
    let token = c.token_cache().token().await.unwrap();
    assert_eq!(
        token.expiry_source(),
        ExpirySource::AssumedLifetime,
        "RSA512 tokens are opaque"
    );
}

#[test]
fn profile_errors_are_clear_and_never_echo_secrets() {
    let home = config_home(
        Some("[default]\nclient_id = \"abc\"\nclient_secret = \"hunter2\"\n"),
        0o600,
    );
    let err = Client::builder()
        .lookup(env(&[("QUALYS_PROFILE", "prod")], &home))
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "configuration error: profile \"prod\" is not in {} (it has: default)",
            home.join("qualys/config.toml").display()
        )
    );
    let err = Client::builder()
        .lookup(env(&[], &home))
        .build()
        .unwrap_err();
    // The profile's credentials count: only the gateway is missing.
    assert_eq!(
        err.to_string(),
        "configuration error: not set: QUALYS_GATEWAY_URL (or QUALYS_PLATFORM)"
    );

    let home = config_home(
        Some("[default]\nclient_secret = \"hunter2\"\nplatform = \"US1\"\n"),
        0o600,
    );
    let err = Client::builder()
        .lookup(env(&[], &home))
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration error: client_secret is set but client_id is not in profile \"default\""
    );

    let home = config_home(
        Some("[default]\nclient_secret = \"hunter2\nplatform = 3\n"),
        0o600,
    );
    let err = Client::builder()
        .lookup(env(&[], &home))
        .build()
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("is not a valid profile file (line 2)"),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");

    let home = config_home(None, 0o600);
    let err = Client::builder()
        .lookup(env(&[("QUALYS_PROFILE", "x")], &home))
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .ends_with("qualys/config.toml does not exist"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn a_secret_in_a_readable_profile_file_gets_a_warning() {
    let text = "[default]\nplatform = \"US2\"\nclient_id = \"abc\"\nclient_secret = \"hunter2\"\n";
    let home = config_home(Some(text), 0o644);
    let c = Client::builder().lookup(env(&[], &home)).build().unwrap();
    let path = home.join("qualys/config.toml");
    assert_eq!(
        c.config_warnings(),
        [format!(
            "{} holds a secret and other users can read it: run `chmod 600 {}`",
            path.display(),
            path.display()
        )]
    );
    let home = config_home(Some(text), 0o600);
    assert!(
        Client::builder()
            .lookup(env(&[], &home))
            .build()
            .unwrap()
            .config_warnings()
            .is_empty()
    );
    // No secret, no warning.
    let home = config_home(Some("[default]\nplatform = \"US2\"\n"), 0o644);
    let c = Client::builder()
        .lookup(env(&[("QUALYS_TOKEN", "t")], &home))
        .build()
        .unwrap();
    assert!(c.config_warnings().is_empty());
}

#[tokio::test]
async fn password_flow_with_special_characters() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    assert_eq!(s.password(), "p@ss+w%rd&1=#");
    let c = Client::builder()
        .gateway_url(s.base_url())
        .password(s.username(), s.password())
        .build()
        .unwrap();
    assert_eq!(
        c.activation_keys()
            .search()
            .send()
            .await
            .unwrap()
            .content
            .len(),
        5
    );
    assert_eq!(s.stats().tokens_issued, 1);
    let c = Client::builder()
        .gateway_url(s.base_url())
        .password(s.username(), "p@ss+w%rd&1=")
        .build()
        .unwrap();
    let err = c.activation_keys().search().send().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "authentication failed: {}/auth answered 401 for password for user \"sandbox-user\" \
             (from explicit settings) (Invalid username or password); check the client id and \
             secret, and that the URL is your platform's gateway",
            s.base_url()
        )
    );
}

#[tokio::test]
async fn oauth_endpoint_and_encrypted_tokens() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let c = Client::builder()
        .gateway_url(s.base_url())
        .client_credentials(s.client_id(), s.client_secret())
        .auth_endpoint(CredentialsEndpoint::OAuth)
        .token_encryption(TokenEncryption::Rsa512)
        .build()
        .unwrap();
    assert_eq!(
        c.activation_keys()
            .search()
            .send()
            .await
            .unwrap()
            .content
            .len(),
        5
    );
    let token = c.token_cache().peek().unwrap();
    assert_eq!(token.claims(), None);
    assert_eq!(token.expiry_source(), ExpirySource::AssumedLifetime);
}

#[tokio::test]
async fn revoked_tokens_are_replaced_transparently() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let c = Client::builder()
        .gateway_url(s.base_url())
        .client_credentials(s.client_id(), s.client_secret())
        .build()
        .unwrap();
    c.activation_keys().search().send().await.unwrap();
    s.revoke_tokens();
    c.activation_keys().search().send().await.unwrap();
    assert_eq!(s.stats().tokens_issued, 2);
    assert_eq!(s.stats().unauthorized, 1);
}

#[tokio::test]
async fn a_static_token_works_until_it_is_refused() {
    let s = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let c = Client::builder()
        .gateway_url(s.base_url())
        .token(s.mint_token(3600))
        .build()
        .unwrap();
    assert_eq!(
        c.activation_keys()
            .search()
            .send()
            .await
            .unwrap()
            .content
            .len(),
        5
    );
    s.revoke_tokens();
    let err = c.activation_keys().search().send().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "the static token (from explicit settings) was rejected by the server (HTTP 401); it cannot \
         be refreshed: provide a new token, or client credentials so the client can fetch its own"
    );
    assert!(matches!(
        err,
        Error::Auth(AuthError::StaticTokenExpired { .. })
    ));
    assert_eq!(s.stats().tokens_issued, 0);
}
