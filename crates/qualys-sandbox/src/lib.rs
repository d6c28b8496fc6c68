//! `qualys-sandbox`: a local emulator of the Qualys gateway, for offline tests and demos.
//!
//! A real HTTP/1.1 server on `127.0.0.1` (an ephemeral port by default) that serves:
//!
//! * `POST /auth/oidc` — checks the `clientId` / `clientSecret` headers and answers with a freshly
//!   signed HS512 JWT as plain text (claims as the vendor's: `sub`, `iss`/`aud` `"qas"`, `iat`,
//!   `exp = iat + 4h` by default, `jti`…). Wrong or missing credentials: 401. With an `encrypted`
//!   header (e.g. `RSA512`) the token is opaque — not a decodable JWT — as the vendor's may be.
//! * `POST /auth/oauth` — the same, under the OAuth guide's path.
//! * `POST /auth` — the password flow: a form body `username=…&password=…&token=true` (percent-decoded
//!   once), answered `201 Created` with the token; wrong credentials: 401.
//! * `POST /caui/v1/activation-keys/manage` — the activation-key search, behind
//!   `Authorization: Bearer <jwt>` (expired or foreign tokens: 401 with the vendor's JSON body),
//!   with `limit`, `sortOrder`, `orderBy`, `query` and zero-based `pageNumber`, answering
//!   `{pageSize, totalCount, noOfPages, content}`.
//!
//! * `GET`, `PATCH` (toggle: answers `Successfully disabled activation key` / `… enabled …` as text)
//!   and `DELETE` (`Successfully deleted activation key`; refused while agents use the key) on
//!   `/caui/v1/activation-keys/manage/{id}`; 404 for unknown ids.
//! * `POST /caui/v1/activation-keys/manage/activation-key` (create) and `PATCH …/activation-key/{id}`
//!   (update): unique titles (a duplicate gets `CA_1001_DUPLICATE_KEY`), `maxAgentsAllowed` in
//!   1–1,000,000, dates as `YYYY-MM-DD`, licenses added and removed case-insensitively.
//!
//! * Fault injection ([`FaultPlan`]): per route and call number, answer with any status, headers
//!   and body; delay the headers or the body; drop the connection; truncate the body; expire or
//!   revoke tokens. JSON answers over 1 KiB are gzip-compressed when the client accepts it.
//!
//! Its data are the five keys of the vendor's sample response, with their exact field values, plus
//! any number of generated keys, deterministic from a seed.
//!
//! ```no_run
//! # async fn demo() -> Result<(), qualys_sandbox::SandboxError> {
//! use qualys_sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start(SandboxConfig::default().generated_keys(100)).await?;
//! println!("gateway at {}", sandbox.base_url());
//! sandbox.stop().await;
//! # Ok(()) }
//! ```

mod data;
mod faults;
mod jwt;
mod query;
mod server;
#[cfg(feature = "tls")]
pub mod tls;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use data::{FIXTURE_SEARCH_RESPONSE, GENERATED_ID_BASE, fixture_keys, generate_keys};
pub use faults::{Calls, Fault, FaultPlan, FaultRule, Route};

/// The client id the sandbox accepts by default.
pub const DEFAULT_CLIENT_ID: &str = "sandbox-client";
/// The client secret the sandbox accepts by default.
pub const DEFAULT_CLIENT_SECRET: &str = "sandbox-secret";

/// The username the sandbox's password flow accepts by default.
pub const DEFAULT_USERNAME: &str = "sandbox-user";
/// The password the sandbox's password flow accepts by default (special characters on purpose).
pub const DEFAULT_PASSWORD: &str = "p@ss+w%rd&1=#";

/// How a sandbox is set up.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SandboxConfig {
    /// Address to listen on (default `127.0.0.1:0`, an ephemeral port).
    pub addr: SocketAddr,
    /// The accepted `clientId`.
    pub client_id: String,
    /// The accepted `clientSecret`.
    pub client_secret: String,
    /// Lifetime of the tokens it mints (default 4 hours, as the vendor's).
    pub token_lifetime: Duration,
    /// Whether to serve the five keys of the vendor's sample response (default true).
    pub fixture_keys: bool,
    /// How many generated keys to serve after the fixture keys (default 0).
    pub generated_keys: usize,
    /// Seed of the generated keys.
    pub seed: u64,
    /// The largest page the server returns, whatever `limit` asks (default 200).
    pub max_page_size: u32,
    /// Faults to inject (none by default).
    pub faults: FaultPlan,
    /// Serve over TLS with this identity (feature `tls`).
    #[cfg(feature = "tls")]
    pub tls: Option<Arc<tls::TlsIdentity>>,
    /// The accepted username of the password flow (`POST /auth`).
    pub username: String,
    /// The accepted password of the password flow.
    pub password: String,
    /// When set, `/auth/oidc` answers with exactly this body (e.g. the vendor's undecodable sample
    /// token, wrapped over lines) and accepts the token it holds (whitespace removed) as valid for
    /// `token_lifetime`.
    pub fixed_token: Option<String>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            client_id: DEFAULT_CLIENT_ID.into(),
            client_secret: DEFAULT_CLIENT_SECRET.into(),
            token_lifetime: Duration::from_secs(4 * 3600),
            fixture_keys: true,
            generated_keys: 0,
            seed: 42,
            max_page_size: 200,
            fixed_token: None,
            faults: FaultPlan::default(),
            #[cfg(feature = "tls")]
            tls: None,
            username: DEFAULT_USERNAME.into(),
            password: DEFAULT_PASSWORD.into(),
        }
    }
}

impl SandboxConfig {
    /// Sets the listening address.
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }
    /// Sets the accepted client credentials.
    pub fn credentials(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.client_id = id.into();
        self.client_secret = secret.into();
        self
    }
    /// Serves over TLS (`https://127.0.0.1:PORT`) with `identity` (feature `tls`).
    #[cfg(feature = "tls")]
    pub fn tls(mut self, identity: Arc<tls::TlsIdentity>) -> Self {
        self.tls = Some(identity);
        self
    }
    /// Injects faults (see [`FaultPlan`]).
    pub fn faults(mut self, plan: FaultPlan) -> Self {
        self.faults = plan;
        self
    }
    /// Sets the accepted username and password of `POST /auth`.
    pub fn password_login(
        mut self,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        self.username = username.into();
        self.password = password.into();
        self
    }
    /// Sets the lifetime of minted tokens.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }
    /// Serves (or not) the vendor's five sample keys.
    pub fn fixture_keys(mut self, on: bool) -> Self {
        self.fixture_keys = on;
        self
    }
    /// Adds `n` generated keys.
    pub fn generated_keys(mut self, n: usize) -> Self {
        self.generated_keys = n;
        self
    }
    /// Sets the seed of the generated keys.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Makes `/auth/oidc` answer with exactly `body` (see [`SandboxConfig::fixed_token`]).
    pub fn fixed_token(mut self, body: impl Into<String>) -> Self {
        self.fixed_token = Some(body.into());
        self
    }
    /// Caps the page size the server answers with.
    pub fn max_page_size(mut self, n: u32) -> Self {
        self.max_page_size = n.max(1);
        self
    }
}

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The listening socket could not be bound.
    #[error("could not listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The JWT signing backend is missing or ambiguous in this build.
    #[error(
        "no JWT crypto provider is available in this build (enable exactly one jsonwebtoken backend)"
    )]
    NoCryptoProvider,
    /// The TLS identity could not be built.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// The signing key could not be built.
    #[error("could not build the sandbox's signing key: {0}")]
    Signing(String),
}

/// Counters a test can read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SandboxStats {
    /// Tokens minted by the auth endpoints.
    pub tokens_issued: u64,
    /// Requests received, on every route.
    pub requests: u64,
    /// Requests rejected for authentication (401).
    pub unauthorized: u64,
    /// Search requests answered.
    pub searches: u64,
}

/// A running sandbox. Dropping it stops the server too; [`stop`](Self::stop) waits for it.
pub struct Sandbox {
    base_url: String,
    addr: SocketAddr,
    state: Arc<server::State>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Sandbox {
    /// Binds the listener and starts serving on the current tokio runtime.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        if jsonwebtoken::crypto::CryptoProvider::try_get_default().is_none() {
            return Err(SandboxError::NoCryptoProvider);
        }
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| SandboxError::Bind {
                addr: config.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: config.addr,
            source,
        })?;
        let state = Arc::new(server::State::new(&config)?);
        let (tx, rx) = tokio::sync::oneshot::channel();
        #[cfg(feature = "tls")]
        let acceptor = match &config.tls {
            Some(id) => Some(tokio_rustls::TlsAcceptor::from(id.server_config()?)),
            None => None,
        };
        #[cfg(not(feature = "tls"))]
        let acceptor: Option<server::NoTls> = None;
        let scheme = if acceptor.is_some() { "https" } else { "http" };
        let task = tokio::spawn(server::serve(listener, state.clone(), rx, acceptor));
        tracing::info!(%addr, keys = state.key_count(), "sandbox listening");
        Ok(Sandbox {
            base_url: format!("{scheme}://{addr}"),
            addr,
            state,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The base URL to use as the gateway URL, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The accepted client id.
    pub fn client_id(&self) -> &str {
        &self.state.client_id
    }

    /// The accepted client secret (sandbox credentials are not secret).
    pub fn client_secret(&self) -> &str {
        &self.state.client_secret
    }

    /// How many keys the sandbox holds.
    pub fn key_count(&self) -> usize {
        self.state.key_count()
    }

    /// Counters since start.
    pub fn stats(&self) -> SandboxStats {
        self.state.stats()
    }

    /// Mints a token directly, as `/auth/oidc` would, with the given lifetime (may be zero or in
    /// the past, to test expiry).
    pub fn mint_token(&self, lifetime_secs: i64) -> String {
        self.state.jwt.mint(&self.state.client_id, lifetime_secs)
    }

    /// Sets how many agents use a key (a key in use cannot be deleted). `false` for an unknown id.
    pub fn set_count_used(&self, id: u64, used: u64) -> bool {
        self.state.set_count_used(id, used)
    }

    /// Changes the lifetime of tokens minted from now on.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.state.set_token_lifetime(lifetime);
    }

    /// Expires every token issued so far: they are answered `401 JWT expired` from now on.
    pub fn expire_tokens(&self) {
        self.state.expire_tokens();
    }

    /// Revokes every token issued so far: they are answered `401 Not authenticated` from now on.
    pub fn revoke_tokens(&self) {
        self.state.revoke_tokens();
    }

    /// The accepted username of the password flow.
    pub fn username(&self) -> &str {
        &self.state.username
    }

    /// The accepted password of the password flow (sandbox credentials are not secret).
    pub fn password(&self) -> &str {
        &self.state.password
    }

    /// Stops accepting connections, closes open ones and waits for the server task.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url)
            .field("keys", &self.key_count())
            .finish()
    }
}
