//! Authentication for the Qualys gateway.
//!
//! * [`TokenSource`]: where tokens come from. [`ClientCredentials`] posts `clientId` / `clientSecret`
//!   headers to `/auth/oidc` (or `/auth/oauth`) and reads the raw JWT from the body.
//! * [`Token`]: a token whose value is a secret (redacted in `Debug`, zeroized on drop) and whose
//!   expiry is read from the JWT's `exp` claim **without verifying the signature** (the client has no
//!   key; the expiry only schedules refresh). A token that is not a decodable JWT — the vendor's own
//!   documentation sample is one — is treated as opaque and assumed to live
//!   [`DEFAULT_TOKEN_LIFETIME`] (4 hours).
//! * [`TokenCache`]: lazy (no background task), single-flight (any number of concurrent callers share
//!   one fetch), refreshing a margin plus a little jitter before expiry.
//!
//! This crate does not depend on an HTTP client: it sends through the small [`HttpSend`] trait, which
//! `qualys-transport` implements with the same configured client it uses for API calls.
//!
//! ```
//! use qualys_auth::{ClientCredentials, TokenCache, GatewayUrl};
//! # fn demo(http: std::sync::Arc<dyn qualys_auth::HttpSend>) -> Result<(), qualys_auth::AuthError> {
//! let gateway = GatewayUrl::parse("https://gateway.qg2.apps.qualys.com/")?;
//! let source = ClientCredentials::new("my-client-id", "my-client-secret");
//! let cache = TokenCache::new(source, gateway, http);
//! // let token = cache.token().await?;  // fetched once, shared, refreshed before expiry
//! # Ok(()) }
//! ```

mod cache;
mod clock;
pub mod diagnostics;
mod error;
mod form;
mod gateway;
mod http;
mod source;
mod token;

pub use cache::{TokenCache, TokenCacheBuilder};
pub use clock::{Clock, ManualClock, SystemClock, TokioClock};
pub use error::AuthError;
pub use gateway::{GatewayUrl, Platform};
pub use http::{BoxError, BoxFuture, HttpSend};
pub use secrecy::{ExposeSecret, SecretString};
pub use source::{
    ClientCredentials, CredentialsEndpoint, PasswordCredentials, StaticToken, TokenEncryption,
    TokenSource,
};
pub use token::{Claims, ExpirySource, Token, parse_token_body};

/// How long a gateway token lives when its expiry cannot be read (the vendor documents 4 hours).
pub const DEFAULT_TOKEN_LIFETIME: std::time::Duration = std::time::Duration::from_secs(4 * 3600);

/// How long before expiry a cached token is refreshed by default.
pub const DEFAULT_REFRESH_MARGIN: std::time::Duration = std::time::Duration::from_secs(5 * 60);
