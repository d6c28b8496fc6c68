//! The Rust SDK for the Qualys Cloud Agent API.
//!
//! ```no_run
//! use qualys::Client;
//! # async fn demo() -> Result<(), qualys::Error> {
//! let client = Client::builder()
//!     .gateway_url("https://gateway.qg2.apps.qualys.com")
//!     .client_credentials("my-client-id", "my-client-secret")
//!     .build()?;
//! let page = client.activation_keys().search().query("activationKey.isDisabled:false").send().await?;
//! for key in &page.content {
//!     println!("{:>10} {}", key.id, key.title.as_deref().unwrap_or(""));
//! }
//! # Ok(()) }
//! ```
//!
//! The layers underneath are re-exported as modules: [`model`] (wire types), [`auth`] (token sources
//! and cache), [`transport`] (the HTTP stack), [`caui`] (activation-key operations).

use std::sync::Arc;
use std::time::Duration;

pub use qualys_auth as auth;
pub use qualys_caui as caui;
pub use qualys_model as model;
pub use qualys_transport as transport;

pub use qualys_caui::{
    ActivationKeys, Change, Completeness, KeyQuery, KeyState, KeyStream, Pager, SearchBuilder,
};
pub use qualys_model::{
    ActivationKey, CreateKeyRequest, Date, License, LicenseCode, OrderBy, SearchPage, SortOrder,
    UpdateKeyRequest,
};
pub use qualys_transport::{ApiError, Error};

use qualys_auth::{Clock, CredentialsEndpoint, Platform, TokenCache, TokenEncryption, TokenSource};
use qualys_transport::{HttpClient, Transport, TransportConfig};
use zeroize::Zeroizing;

pub mod config;

/// Environment variable naming the gateway base URL.
pub const ENV_GATEWAY_URL: &str = "QUALYS_GATEWAY_URL";
/// Environment variable holding the client id.
pub const ENV_CLIENT_ID: &str = "QUALYS_CLIENT_ID";
/// Environment variable holding the client secret.
pub const ENV_CLIENT_SECRET: &str = "QUALYS_CLIENT_SECRET";

type Lookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// A Qualys API client. Cheap to clone; clones share connections and the token cache.
#[derive(Clone, Debug)]
pub struct Client {
    transport: Transport,
    keys: ActivationKeys,
    warnings: Arc<Vec<String>>,
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment and the profile file (see [`config`]).
    ///
    /// The error names every setting that is missing, e.g. `QUALYS_CLIENT_SECRET`.
    pub fn from_env() -> Result<Client, Error> {
        Client::builder().load_environment().build()
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup` (for tests and
    /// embedding).
    ///
    /// ```
    /// let err = qualys::Client::from_lookup(|name| match name {
    ///     "QUALYS_GATEWAY_URL" => Some("https://gateway.qg2.apps.qualys.com".into()),
    ///     "QUALYS_CLIENT_ID" => Some("abc".into()),
    ///     _ => None,
    /// })
    /// .unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "configuration error: QUALYS_CLIENT_ID is set but QUALYS_CLIENT_SECRET is not"
    /// );
    /// ```
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Result<Client, Error> {
        Client::builder().lookup(lookup).build()
    }

    /// Activation-key operations.
    pub fn activation_keys(&self) -> &ActivationKeys {
        &self.keys
    }

    /// The HTTP stack, for requests the SDK does not cover yet.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Sends any request to the gateway through the authenticated stack (token, refresh and retry
    /// on 401) and returns the raw response, whatever its status: the escape hatch for endpoints
    /// the SDK does not cover yet. `path` is relative to the gateway (`/caui/v1/...`).
    ///
    /// ```no_run
    /// # async fn demo(client: qualys::Client) -> Result<(), qualys::Error> {
    /// let response = client
    ///     .raw(http::Method::GET, "/caui/v1/activation-keys/manage/12345678", None)
    ///     .await?;
    /// println!("{} {}", response.status(), String::from_utf8_lossy(response.body()));
    /// # Ok(()) }
    /// ```
    pub async fn raw(
        &self,
        method: http::Method,
        path: &str,
        json: Option<&serde_json::Value>,
    ) -> Result<http::Response<bytes::Bytes>, Error> {
        let body = json
            .map(|v| {
                serde_json::to_vec(v)
                    .map(bytes::Bytes::from)
                    .map_err(|e| Error::Config(format!("could not encode the request body: {e}")))
            })
            .transpose()?;
        let meta = qualys_transport::RequestMeta::new(format!("{method} {path}"))
            .idempotent(method.is_idempotent());
        let request = self.transport.json_request(method, path, body, meta)?;
        self.transport.send(request).await
    }

    /// The token cache.
    pub fn token_cache(&self) -> &TokenCache {
        self.transport.token_cache()
    }

    /// Warnings found while reading the configuration (e.g. a profile file others can read).
    pub fn config_warnings(&self) -> &[String] {
        &self.warnings
    }
}

/// Configures a [`Client`]. Explicit settings win over the environment, which wins over the
/// profile file; the environment and profile are read only after
/// [`load_environment`](Self::load_environment) (or [`lookup`](Self::lookup)).
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    explicit: config::Layer,
    source: Option<Arc<dyn TokenSource>>,
    lookup: Option<Lookup>,
    profile: Option<String>,
    config: TransportConfig,
    refresh_margin: Option<Duration>,
    clock: Option<Arc<dyn Clock>>,
}

impl ClientBuilder {
    /// The gateway base URL of your platform, e.g. `https://gateway.qg2.apps.qualys.com`.
    /// A missing scheme means https; plain http is accepted only for loopback hosts. Wins over a
    /// platform.
    pub fn gateway_url(mut self, url: impl Into<String>) -> Self {
        self.explicit.gateway_url = Some(url.into());
        self
    }

    /// The platform (POD) whose gateway to use.
    pub fn platform(mut self, platform: Platform) -> Self {
        self.explicit.platform = Some(platform.name().to_owned());
        self
    }

    /// Authenticate with client credentials (`/auth/oidc` unless
    /// [`auth_endpoint`](Self::auth_endpoint) says otherwise).
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.explicit.client_id = Some(client_id.into());
        self.explicit.client_secret = Some(Zeroizing::new(client_secret.into()));
        self
    }

    /// Authenticate with a username and password on `POST /auth`.
    pub fn password(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.explicit.username = Some(username.into());
        self.explicit.password = Some(Zeroizing::new(password.into()));
        self
    }

    /// Use a token obtained elsewhere; it cannot be refreshed.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.explicit.token = Some(Zeroizing::new(token.into()));
        self
    }

    /// The client-credentials endpoint (`/auth/oidc` by default).
    pub fn auth_endpoint(mut self, endpoint: CredentialsEndpoint) -> Self {
        self.explicit.auth_endpoint = Some(endpoint.path().trim_start_matches("/auth/").to_owned());
        self
    }

    /// Ask for an encrypted token (the `encrypted` input, e.g. `RSA512`).
    pub fn token_encryption(mut self, encryption: TokenEncryption) -> Self {
        self.explicit.token_encryption = Some(encryption.as_str().to_owned());
        self
    }

    /// Authenticate with any token source (wins over every other credential).
    pub fn token_source(mut self, source: impl TokenSource + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// Also read settings not given explicitly from the environment, then from the profile file.
    pub fn load_environment(self) -> Self {
        self.lookup(|name| std::env::var(name).ok())
    }

    /// Like [`load_environment`](Self::load_environment), reading variables through `lookup`.
    pub fn lookup(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.lookup = Some(Arc::new(lookup));
        self
    }

    /// The profile to read from the profile file (default: `QUALYS_PROFILE`, else `default`).
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// Per-request timeout (default 120 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.config.request_timeout = timeout;
        self
    }

    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// Timeout of a whole call, retries and waits included (default 10 min).
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.config.total_timeout = timeout;
        self
    }

    /// How transient failures (throttling, 502/503/504, connection failures, timeouts) are retried.
    pub fn retry_policy(mut self, policy: qualys_transport::RetryPolicy) -> Self {
        self.config.retry = policy;
        self
    }

    /// The proxy for https requests (default: `HTTPS_PROXY` / `NO_PROXY` from the environment).
    pub fn proxy(mut self, proxy: qualys_transport::Proxy) -> Self {
        self.config.proxy = proxy;
        self
    }

    /// Trusts the CA certificates of a PEM file too (e.g. a TLS-inspecting corporate proxy).
    pub fn ca_bundle(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.config.ca_bundle = Some(path.into());
        self
    }

    /// How long before expiry tokens are refreshed (default 5 minutes).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = Some(margin);
        self
    }

    /// The clock the token cache judges expiry by (default: the system clock). For tests.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Builds the client. Nothing is sent until the first request.
    pub fn build(self) -> Result<Client, Error> {
        let lookup = self.lookup.clone();
        let lookup_ref: Option<&config::LookupFn> =
            lookup.as_deref().map(|f| f as &config::LookupFn);
        let resolved = config::resolve(
            self.explicit,
            self.source,
            lookup_ref,
            self.profile.as_deref(),
        )?;
        let mut warnings = resolved.warnings;
        warnings.extend(resolved.gateway.host_hint());
        let source = resolved
            .source
            .ok_or_else(|| Error::Config(format!("not set: {}", config::CREDENTIAL_VARS)))?;
        let http = HttpClient::new(&self.config)?;
        let mut cache = TokenCache::builder(source, resolved.gateway, Arc::new(http.clone()));
        if let Some(margin) = self.refresh_margin {
            cache = cache.refresh_margin(margin);
        }
        if let Some(clock) = self.clock {
            cache = cache.clock(clock);
        }
        let transport = Transport::from_parts(http, cache.build(), &self.config);
        Ok(Client {
            keys: ActivationKeys::new(transport.clone()),
            transport,
            warnings: Arc::new(warnings),
        })
    }
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("explicit", &self.explicit)
            .field("source", &self.source)
            .field("profile", &self.profile)
            .finish()
    }
}

/// The README's and the guides' Rust examples, compiled as doctests.
#[cfg(doctest)]
mod doc_examples {
    #[doc = include_str!("../../../README.md")]
    pub struct Readme;
    #[doc = include_str!("../../../docs/guides/getting-started.md")]
    pub struct GettingStarted;
    #[doc = include_str!("../../../docs/guides/authentication.md")]
    pub struct Authentication;
    #[doc = include_str!("../../../docs/guides/activation-keys.md")]
    pub struct ActivationKeys;
    #[doc = include_str!("../../../docs/guides/pagination.md")]
    pub struct Pagination;
    #[doc = include_str!("../../../docs/guides/errors-and-retries.md")]
    pub struct ErrorsAndRetries;
    #[doc = include_str!("../../../docs/guides/sandbox.md")]
    pub struct Sandbox;
    #[doc = include_str!("../../../docs/guides/cli.md")]
    pub struct Cli;
}
