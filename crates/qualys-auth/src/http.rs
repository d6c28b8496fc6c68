//! The small HTTP abstraction token sources send through.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

/// A boxed, `Send` future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A boxed error from the HTTP layer.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Sends one fully-buffered HTTP request and returns the fully-buffered response.
///
/// `qualys-transport` implements this with the configured hyper client (proxy, CA, timeouts), without
/// the bearer layer. Any status is a successful send; only a failure to get a response is an error.
///
/// ```
/// use bytes::Bytes;
/// use qualys_auth::{BoxError, BoxFuture, HttpSend};
///
/// /// Answers every request with the same token (a test double).
/// struct Fixed;
/// impl HttpSend for Fixed {
///     fn send(&self, _req: http::Request<Bytes>) -> BoxFuture<'_, Result<http::Response<Bytes>, BoxError>> {
///         Box::pin(async { Ok(http::Response::new(Bytes::from_static(b"opaque-token"))) })
///     }
/// }
/// ```
pub trait HttpSend: Send + Sync {
    /// Sends `request`.
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, BoxError>>;
}
