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

pub use qualys_caui::{ActivationKeys, Completeness, Pager, SearchBuilder};
pub use qualys_model::{ActivationKey, OrderBy, SearchPage, SortOrder};
pub use qualys_transport::{ApiError, Error};

use qualys_auth::{ClientCredentials, Clock, GatewayUrl, TokenCache, TokenSource};
use qualys_transport::{HttpClient, Transport, TransportConfig};

/// Environment variable naming the gateway base URL.
pub const ENV_GATEWAY_URL: &str = "QUALYS_GATEWAY_URL";
/// Environment variable holding the client id.
pub const ENV_CLIENT_ID: &str = "QUALYS_CLIENT_ID";
/// Environment variable holding the client secret.
pub const ENV_CLIENT_SECRET: &str = "QUALYS_CLIENT_SECRET";

/// A Qualys API client. Cheap to clone; clones share connections and the token cache.
#[derive(Clone, Debug)]
pub struct Client {
    transport: Transport,
    keys: ActivationKeys,
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from `QUALYS_GATEWAY_URL`, `QUALYS_CLIENT_ID` and `QUALYS_CLIENT_SECRET`.
    ///
    /// The error names every variable that is missing or empty.
    pub fn from_env() -> Result<Client, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup`.
    ///
    /// ```
    /// let err = qualys::Client::from_lookup(|name| match name {
    ///     "QUALYS_GATEWAY_URL" => Some("https://gateway.qg2.apps.qualys.com".into()),
    ///     _ => None,
    /// })
    /// .unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "configuration error: QUALYS_CLIENT_ID and QUALYS_CLIENT_SECRET are not set"
    /// );
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Client, Error> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let (url, id, secret) = (
            get(ENV_GATEWAY_URL),
            get(ENV_CLIENT_ID),
            get(ENV_CLIENT_SECRET),
        );
        let missing: Vec<&str> = [
            (ENV_GATEWAY_URL, url.is_none()),
            (ENV_CLIENT_ID, id.is_none()),
            (ENV_CLIENT_SECRET, secret.is_none()),
        ]
        .into_iter()
        .filter_map(|(name, absent)| absent.then_some(name))
        .collect();
        let (Some(url), Some(id), Some(secret)) = (url, id, secret) else {
            let list = match missing.as_slice() {
                [one] => format!("{one} is not set"),
                [init @ .., last] => format!("{} and {last} are not set", init.join(", ")),
                [] => String::new(),
            };
            return Err(Error::Config(list));
        };
        Client::builder()
            .gateway_url(url)
            .client_credentials(id, secret)
            .build()
    }

    /// Activation-key operations.
    pub fn activation_keys(&self) -> &ActivationKeys {
        &self.keys
    }

    /// The HTTP stack, for requests the SDK does not cover yet.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The token cache.
    pub fn token_cache(&self) -> &TokenCache {
        self.transport.token_cache()
    }
}

/// Configures a [`Client`].
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    gateway_url: Option<String>,
    source: Option<Arc<dyn TokenSource>>,
    config: TransportConfig,
    refresh_margin: Option<Duration>,
    clock: Option<Arc<dyn Clock>>,
}

impl ClientBuilder {
    /// The gateway base URL of your platform, e.g. `https://gateway.qg2.apps.qualys.com`.
    /// A missing scheme means https; plain http is accepted only for loopback hosts.
    pub fn gateway_url(mut self, url: impl Into<String>) -> Self {
        self.gateway_url = Some(url.into());
        self
    }

    /// Authenticate with client credentials on `/auth/oidc`.
    pub fn client_credentials(
        self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        let secret: String = client_secret.into();
        self.token_source(ClientCredentials::new(client_id, secret))
    }

    /// Authenticate with any token source.
    pub fn token_source(mut self, source: impl TokenSource + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// Per-request timeout (default 120 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.config.request_timeout = timeout;
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
        let url = self
            .gateway_url
            .ok_or_else(|| Error::Config("no gateway URL: call gateway_url(..)".into()))?;
        let gateway = GatewayUrl::parse(&url)?;
        let source = self.source.ok_or_else(|| {
            Error::Config("no credentials: call client_credentials(..) or token_source(..)".into())
        })?;
        let http = HttpClient::new(&self.config)?;
        let mut cache = TokenCache::builder(source, gateway, Arc::new(http.clone()));
        if let Some(margin) = self.refresh_margin {
            cache = cache.refresh_margin(margin);
        }
        if let Some(clock) = self.clock {
            cache = cache.clock(clock);
        }
        let transport = Transport::from_parts(http, cache.build());
        Ok(Client {
            keys: ActivationKeys::new(transport.clone()),
            transport,
        })
    }
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("gateway_url", &self.gateway_url)
            .field("source", &self.source)
            .finish()
    }
}

/// The README's Rust examples, compiled as doctests.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
