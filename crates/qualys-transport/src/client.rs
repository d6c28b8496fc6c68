//! The hyper + rustls client.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use qualys_auth::diagnostics::error_chain;
use qualys_auth::{BoxError, BoxFuture, HttpSend};

use crate::{Error, Request, Response};

/// Settings of the HTTP client.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TransportConfig {
    /// Time allowed to open a TCP connection (default 10 s).
    pub connect_timeout: Duration,
    /// Time allowed for one request, from sending to the last byte of the body (default 120 s,
    /// generous because large search pages are slow to produce).
    pub request_timeout: Duration,
    /// How long an idle pooled connection is kept (default 90 s).
    pub pool_idle_timeout: Duration,
    /// `User-Agent` sent with every request.
    pub user_agent: String,
}

impl Default for TransportConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
            pool_idle_timeout: Duration::from_secs(90),
            user_agent: concat!("qualys-rs/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

impl TransportConfig {
    /// Sets the per-request timeout.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }
    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
}

/// A pooled HTTP/1.1 + HTTP/2 client over rustls (ring provider, webpki roots). Cheap to clone.
///
/// ```
/// use qualys_transport::{HttpClient, TransportConfig};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let client = HttpClient::new(&TransportConfig::default()).unwrap();
/// # }
/// ```
#[derive(Clone)]
pub struct HttpClient {
    inner: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    config: Arc<TransportConfig>,
    user_agent: http::HeaderValue,
}

impl HttpClient {
    /// Builds the client. Needs a tokio runtime when requests are sent, not when built.
    pub fn new(config: &TransportConfig) -> Result<Self, Error> {
        let tls = tls_config()?;
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(config.connect_timeout));
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(http);
        let inner = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(config.pool_idle_timeout)
            .build(connector);
        let user_agent = http::HeaderValue::from_str(&config.user_agent)
            .map_err(|_| Error::Config("the user agent is not a valid header value".into()))?;
        Ok(Self {
            inner,
            config: Arc::new(config.clone()),
            user_agent,
        })
    }

    /// Sends a buffered request and buffers the response (any status).
    pub async fn execute(&self, request: Request) -> Result<Response, Error> {
        let method = request.method().to_string();
        let uri = request.uri().to_string();
        let timeout = self.config.request_timeout;
        let (mut parts, body) = request.into_parts();
        parts
            .headers
            .entry(http::header::USER_AGENT)
            .or_insert_with(|| self.user_agent.clone());
        let request = http::Request::from_parts(parts, Full::new(body));
        let exchange = async {
            let response = self
                .inner
                .request(request)
                .await
                .map_err(|e| Error::Connection {
                    method: method.clone(),
                    uri: uri.clone(),
                    message: error_chain(&e),
                })?;
            let (parts, body) = response.into_parts();
            let body = body
                .collect()
                .await
                .map_err(|e| Error::Connection {
                    method: method.clone(),
                    uri: uri.clone(),
                    message: format!("reading the response body: {}", error_chain(&e)),
                })?
                .to_bytes();
            Ok(http::Response::from_parts(parts, body))
        };
        match tokio::time::timeout(timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout {
                method,
                uri,
                seconds: timeout.as_secs(),
            }),
        }
    }
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("config", &self.config)
            .finish()
    }
}

impl HttpSend for HttpClient {
    fn send(&self, request: Request) -> BoxFuture<'_, Result<Response, BoxError>> {
        Box::pin(async move { self.execute(request).await.map_err(BoxError::from) })
    }
}

/// rustls with the ring provider passed explicitly, so a second provider linked into the same
/// binary can never make start-up panic.
fn tls_config() -> Result<rustls::ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    #[allow(unused_mut)]
    let mut roots = rustls::RootCertStore::empty();
    #[cfg(feature = "webpki-roots")]
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS configuration: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}
