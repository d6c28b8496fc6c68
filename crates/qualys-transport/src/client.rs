//! The hyper + rustls client.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioExecutor;
use qualys_auth::diagnostics::error_chain;
use qualys_auth::{BoxError, BoxFuture, HttpSend};

use crate::{Error, Request, Response};

/// Which proxy to use for https requests (tunnelled with `CONNECT`). `Debug` hides any password in
/// the proxy URL.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Proxy {
    /// `HTTPS_PROXY` (or `ALL_PROXY`) and `NO_PROXY` from the environment (the default).
    #[default]
    FromEnv,
    /// No proxy, whatever the environment says.
    None,
    /// This proxy URL (`http://[user:pass@]host:port`), except for the hosts in `no_proxy`
    /// (comma-separated, as `NO_PROXY`).
    Url {
        /// The proxy.
        url: String,
        /// Hosts reached directly.
        no_proxy: String,
    },
}

/// Settings of the HTTP stack. One [`HttpClient`] is built from them and used for token fetches,
/// API calls and every retry.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TransportConfig {
    /// Time allowed to open a TCP connection (default 10 s).
    pub connect_timeout: Duration,
    /// Time allowed for one attempt, from sending to the last byte of the body (default 120 s,
    /// generous because large search pages are slow to produce).
    pub request_timeout: Duration,
    /// Time allowed for a whole call, retries and waits included (default 10 min).
    pub total_timeout: Duration,
    /// How long an idle pooled connection is kept (default 90 s).
    pub pool_idle_timeout: Duration,
    /// `User-Agent` sent with every request.
    pub user_agent: String,
    /// Retries of transient failures.
    pub retry: crate::RetryPolicy,
    /// Proxy for https requests.
    pub proxy: Proxy,
    /// Extra trusted CA certificates (a PEM file), added to the built-in roots.
    pub ca_bundle: Option<std::path::PathBuf>,
}

impl Default for TransportConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
            total_timeout: Duration::from_secs(600),
            pool_idle_timeout: Duration::from_secs(90),
            user_agent: concat!("qualys-rs/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: crate::RetryPolicy::default(),
            proxy: Proxy::FromEnv,
            ca_bundle: None,
        }
    }
}

impl TransportConfig {
    /// Sets the per-attempt timeout.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }
    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
    /// Sets the timeout of a whole call, retries included.
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = timeout;
        self
    }
    /// Sets the retry policy.
    pub fn retry(mut self, policy: crate::RetryPolicy) -> Self {
        self.retry = policy;
        self
    }
    /// Sets the proxy.
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = proxy;
        self
    }
    /// Trusts the CA certificates of a PEM file too.
    pub fn ca_bundle(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.ca_bundle = Some(path.into());
        self
    }
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Proxy::FromEnv => f.write_str("FromEnv"),
            Proxy::None => f.write_str("None"),
            Proxy::Url { url, no_proxy } => f
                .debug_struct("Url")
                .field("url", &redact_userinfo(url))
                .field("no_proxy", no_proxy)
                .finish(),
        }
    }
}

/// `http://user:pass@host` → `http://[REDACTED]@host`.
fn redact_userinfo(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}[REDACTED]{}", &url[..s + 3], &url[at..]),
        _ => url.to_owned(),
    }
}

/// Checks an explicit proxy URL: `http://host:port`, optionally with credentials.
fn check_proxy(proxy: &Proxy) -> Result<(), Error> {
    let Proxy::Url { url, .. } = proxy else {
        return Ok(());
    };
    let bad = |why: &str| {
        Error::Config(format!(
            "invalid proxy URL `{}`: {why}",
            redact_userinfo(url)
        ))
    };
    let uri: http::Uri = url.parse().map_err(|_| bad("not a URL"))?;
    if uri.scheme_str() != Some("http") {
        return Err(bad("only http:// proxies (CONNECT tunnels) are supported"));
    }
    if uri.host().is_none() {
        return Err(bad("it has no host"));
    }
    Ok(())
}

/// Connects directly, or through a `CONNECT` tunnel when the proxy rules say so (https only: plain
/// http is only ever used for loopback hosts).
#[derive(Clone)]
struct ProxyConnector {
    direct: HttpConnector,
    matcher: Arc<Matcher>,
}

impl tower::Service<http::Uri> for ProxyConnector {
    type Response = <HttpConnector as tower::Service<http::Uri>>::Response;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Self::Response, BoxError>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), BoxError>> {
        tower::Service::<http::Uri>::poll_ready(&mut self.direct, cx).map_err(Into::into)
    }

    fn call(&mut self, dst: http::Uri) -> Self::Future {
        let direct = self.direct.clone();
        let intercept = (dst.scheme() == Some(&http::uri::Scheme::HTTPS))
            .then(|| self.matcher.intercept(&dst))
            .flatten();
        Box::pin(async move {
            use tower::ServiceExt;
            match intercept {
                Some(proxy) => {
                    tracing::debug!(
                        host = dst.host().unwrap_or(""),
                        "connecting through the proxy"
                    );
                    let mut tunnel = Tunnel::new(proxy.uri().clone(), direct);
                    if let Some(auth) = proxy.basic_auth() {
                        tunnel = tunnel.with_auth(auth.clone());
                    }
                    tunnel.oneshot(dst).await.map_err(Into::into)
                }
                None => direct.oneshot(dst).await.map_err(Into::into),
            }
        })
    }
}

fn matcher(proxy: &Proxy) -> Matcher {
    match proxy {
        Proxy::FromEnv => Matcher::from_env(),
        Proxy::None => Matcher::builder().build(),
        Proxy::Url { url, no_proxy } => Matcher::builder()
            .all(url.clone())
            .no(no_proxy.clone())
            .build(),
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
    inner: Client<HttpsConnector<ProxyConnector>, Full<Bytes>>,
    config: Arc<TransportConfig>,
    user_agent: http::HeaderValue,
}

impl HttpClient {
    /// Builds the client. Needs a tokio runtime when requests are sent, not when built.
    pub fn new(config: &TransportConfig) -> Result<Self, Error> {
        check_proxy(&config.proxy)?;
        let tls = tls_config(config.ca_bundle.as_deref())?;
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(config.connect_timeout));
        let proxied = ProxyConnector {
            direct: http,
            matcher: Arc::new(matcher(&config.proxy)),
        };
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(proxied);
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

    /// Sends a buffered request and buffers the response (any status), under the per-attempt
    /// timeout. A gzip-encoded body is decoded.
    pub async fn execute(&self, request: Request) -> Result<Response, Error> {
        let meta = crate::RequestMeta::of(&request);
        // Cheap clones; formatted only if an error needs them.
        let method = request.method().clone();
        let uri = request.uri().clone();
        let timeout = self.config.request_timeout;
        let (mut parts, body) = request.into_parts();
        parts
            .headers
            .entry(http::header::USER_AGENT)
            .or_insert_with(|| self.user_agent.clone());
        parts
            .headers
            .entry(http::header::ACCEPT_ENCODING)
            .or_insert_with(|| http::HeaderValue::from_static("gzip"));
        let request = http::Request::from_parts(parts, Full::new(body));
        let connection_error = |message: String, before_sending: bool| Error::Connection {
            operation: meta.operation.clone(),
            method: method.to_string(),
            uri: uri.to_string(),
            message,
            before_sending,
        };
        let exchange = async {
            let response = self
                .inner
                .request(request)
                .await
                .map_err(|e| connection_error(error_chain(&e), e.is_connect()))?;
            let (mut parts, body) = response.into_parts();
            let body = body
                .collect()
                .await
                .map_err(|e| {
                    connection_error(
                        format!("reading the response body: {}", error_chain(&e)),
                        false,
                    )
                })?
                .to_bytes();
            let body =
                decode_content(&mut parts.headers, body).map_err(|e| connection_error(e, false))?;
            Ok(http::Response::from_parts(parts, body))
        };
        match tokio::time::timeout(timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout {
                operation: meta.operation.clone(),
                stage: "waiting for the response".into(),
                after: timeout,
                hint: meta.suggest_smaller_pages.then(|| {
                    "large pages take long to produce: try a smaller page size (limit)".to_owned()
                }),
            }),
        }
    }
}

/// The most a compressed body may expand to.
const MAX_DECODED: u64 = 1 << 30;

/// Decodes a `Content-Encoding: gzip` body; other encodings pass through untouched.
fn decode_content(headers: &mut http::HeaderMap, body: Bytes) -> Result<Bytes, String> {
    let gzip = headers
        .get(http::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"));
    if !gzip {
        return Ok(body);
    }
    use std::io::Read;
    let mut out = Vec::with_capacity(body.len() * 4);
    flate2::read::GzDecoder::new(&body[..])
        .take(MAX_DECODED + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("the gzip-encoded body is corrupt: {e}"))?;
    if out.len() as u64 > MAX_DECODED {
        return Err(format!(
            "the gzip-encoded body expands beyond {} MiB",
            MAX_DECODED >> 20
        ));
    }
    headers.remove(http::header::CONTENT_ENCODING);
    headers.remove(http::header::CONTENT_LENGTH);
    Ok(Bytes::from(out))
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
        Box::pin(async move {
            self.execute(request).await.map_err(|e| match e {
                // The token source names the endpoint itself: pass only the cause.
                Error::Connection { message, .. } => BoxError::from(message),
                other => BoxError::from(other),
            })
        })
    }
}

/// rustls with the ring provider passed explicitly, so a second provider linked into the same
/// binary can never make start-up panic; webpki roots plus any CA bundle configured.
fn tls_config(ca_bundle: Option<&std::path::Path>) -> Result<rustls::ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    #[allow(unused_mut)]
    let mut roots = rustls::RootCertStore::empty();
    #[cfg(feature = "webpki-roots")]
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    #[cfg(feature = "native-roots")]
    {
        let native = rustls_native_certs::load_native_certs();
        for e in &native.errors {
            tracing::warn!(error = %e, "could not read part of the system's root store");
        }
        let (added, ignored) = roots.add_parsable_certificates(native.certs);
        tracing::debug!(added, ignored, "system roots loaded");
    }
    if let Some(path) = ca_bundle {
        use rustls::pki_types::pem::PemObject;
        let shown = path.display();
        let certs = rustls::pki_types::CertificateDer::pem_file_iter(path)
            .map_err(|e| Error::Config(format!("cannot read the CA bundle {shown}: {e}")))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::Config(format!("the CA bundle {shown} is not valid PEM: {e}")))?;
        if certs.is_empty() {
            return Err(Error::Config(format!(
                "the CA bundle {shown} holds no certificate"
            )));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| Error::Config(format!("a certificate in {shown} is unusable: {e}")))?;
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS configuration: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}
