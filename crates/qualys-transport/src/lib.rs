//! The HTTP stack of qualys-rs.
//!
//! * [`HttpClient`]: a hyper-util client over hyper-rustls — rustls with the `ring` provider passed
//!   explicitly (never a process-wide default) and the webpki root store — speaking HTTP/1.1 and
//!   HTTP/2. It implements [`qualys_auth::HttpSend`], so token fetches go through the same
//!   configured client as API calls.
//! * [`BearerAuthLayer`]: a tower layer that asks the [`TokenCache`] for a token on **every**
//!   request, puts it in a sensitive `Authorization` header — only for the configured gateway host —
//!   and, on a 401, invalidates exactly the token it sent, fetches a new one and retries once.
//! * [`Transport`]: the assembled stack, cheap to clone, with one `send` for buffered requests.
//!
//! Requests and responses are fully buffered (`Bytes`), so a retry re-sends the same bytes.
//!
//! ```no_run
//! use qualys_auth::{ClientCredentials, GatewayUrl};
//! use qualys_transport::{Transport, TransportConfig};
//! # async fn demo() -> Result<(), qualys_transport::Error> {
//! let gateway = GatewayUrl::parse("https://gateway.qg2.apps.qualys.com")?;
//! let transport = Transport::new(
//!     gateway.clone(),
//!     ClientCredentials::new("id", "secret"),
//!     TransportConfig::default(),
//! )?;
//! let request = http::Request::post(gateway.join("/caui/v1/activation-keys/manage")?)
//!     .header("content-type", "application/json")
//!     .body(bytes::Bytes::from_static(b"{}"))
//!     .map_err(|e| qualys_transport::Error::Config(e.to_string()))?;
//! let response = transport.send(request).await?;
//! # Ok(()) }
//! ```

mod bearer;
mod client;
mod error;
mod meta;
mod ratelimit;
mod retry;
mod transport;

pub use bearer::{BearerAuth, BearerAuthLayer};
pub use client::{HttpClient, Proxy, TransportConfig};
pub use error::{ApiError, Error};
pub use meta::RequestMeta;
pub use ratelimit::{RateLimitInfo, RateLimiter, Slot, Throttle, classify_throttle};
pub use retry::{Attempts, Retry, RetryLayer, RetryPolicy};
pub use transport::Transport;

/// A random duration in `[0, max]`.
pub(crate) fn jitter(max: std::time::Duration) -> std::time::Duration {
    use std::hash::BuildHasher;
    if max.is_zero() {
        return max;
    }
    let r = std::collections::hash_map::RandomState::new().hash_one(std::time::SystemTime::now());
    let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
    std::time::Duration::from_nanos(r % nanos.saturating_add(1))
}

pub use qualys_auth::{GatewayUrl, TokenCache, diagnostics};

/// A fully buffered request, as every layer of the stack sees it.
pub type Request = http::Request<bytes::Bytes>;
/// A fully buffered response.
pub type Response = http::Response<bytes::Bytes>;
