//! The assembled stack.

use std::sync::Arc;

use qualys_auth::{GatewayUrl, TokenCache, TokenSource};
use tower::util::BoxCloneSyncService;
use tower::{ServiceBuilder, ServiceExt};

use crate::{
    BearerAuthLayer, Error, HttpClient, RateLimiter, Request, Response, RetryLayer, TransportConfig,
};

/// The HTTP stack used by every operation: bearer auth over the hyper client. Cheap to clone;
/// clones share the connection pool and the token cache.
#[derive(Clone)]
pub struct Transport {
    service: BoxCloneSyncService<Request, Response, Error>,
    gateway: GatewayUrl,
    cache: TokenCache,
    http: HttpClient,
    limiter: RateLimiter,
    total_timeout: std::time::Duration,
}

impl Transport {
    /// Builds the stack for `gateway`, with tokens from `source`.
    pub fn new(
        gateway: GatewayUrl,
        source: impl TokenSource + 'static,
        config: TransportConfig,
    ) -> Result<Self, Error> {
        let http = HttpClient::new(&config)?;
        let cache = TokenCache::new(source, gateway.clone(), Arc::new(http.clone()));
        Ok(Self::from_parts(http, cache, &config))
    }

    /// Builds the stack from a client and a token cache (which should send through the same
    /// client): retry (sharing one rate limiter) → bearer auth → the client.
    pub fn from_parts(http: HttpClient, cache: TokenCache, config: &TransportConfig) -> Self {
        let client = http.clone();
        let base = tower::service_fn(move |request: Request| {
            let client = client.clone();
            async move { client.execute(request).await }
        });
        let limiter = RateLimiter::new();
        let service = ServiceBuilder::new()
            .layer(RetryLayer::new(config.retry.clone(), limiter.clone()))
            .layer(BearerAuthLayer::new(cache.clone()))
            .service(base);
        Self {
            service: BoxCloneSyncService::new(service),
            gateway: cache.gateway().clone(),
            cache,
            http,
            limiter,
            total_timeout: config.total_timeout,
        }
    }

    /// Sends a request through the stack. Any HTTP status is returned as a response; only a
    /// failure to get one (or to get a token) is an error.
    pub async fn send(&self, request: Request) -> Result<Response, Error> {
        let span = tracing::debug_span!(
            "qualys.http",
            method = %request.method(),
            path = request.uri().path()
        );
        let meta = crate::RequestMeta::of(&request);
        let total = self.total_timeout;
        let call = async {
            let result =
                match tokio::time::timeout(total, self.service.clone().oneshot(request)).await {
                    Ok(result) => result,
                    Err(_) => Err(Error::Timeout {
                        operation: meta.operation.clone(),
                        stage: "in total, retries included".into(),
                        after: total,
                        hint: None,
                    }),
                };
            match &result {
                Ok(r) => tracing::debug!(status = r.status().as_u16(), "response"),
                Err(e) => tracing::debug!(error = %e, "request failed"),
            }
            result
        };
        tracing::Instrument::instrument(call, span).await
    }

    /// A request to `path` (relative to the gateway) with a JSON body when there is one, and the
    /// operation's metadata attached.
    pub fn json_request(
        &self,
        method: http::Method,
        path: &str,
        body: Option<bytes::Bytes>,
        meta: crate::RequestMeta,
    ) -> Result<Request, Error> {
        let mut builder = http::Request::builder()
            .method(method)
            .uri(self.gateway.join(path)?)
            .header(http::header::ACCEPT, "application/json, text/plain");
        if body.is_some() {
            builder = builder.header(http::header::CONTENT_TYPE, "application/json");
        }
        let mut request = builder
            .body(body.unwrap_or_default())
            .map_err(|e| Error::Config(format!("could not build the request: {e}")))?;
        meta.attach(&mut request);
        Ok(request)
    }

    /// The gateway requests are sent to.
    pub fn gateway(&self) -> &GatewayUrl {
        &self.gateway
    }

    /// The token cache.
    pub fn token_cache(&self) -> &TokenCache {
        &self.cache
    }

    /// The rate limiter shared by every clone of this transport.
    pub fn rate_limiter(&self) -> &RateLimiter {
        &self.limiter
    }

    /// The last rate-limit state the server reported (remaining calls, window…).
    pub fn rate_limits(&self) -> crate::RateLimitInfo {
        self.limiter.last()
    }

    /// The underlying HTTP client (shared with the token cache).
    pub fn http_client(&self) -> &HttpClient {
        &self.http
    }
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("gateway", &self.gateway)
            .field("tokens", &self.cache)
            .finish()
    }
}
