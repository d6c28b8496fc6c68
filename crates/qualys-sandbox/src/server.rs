//! The HTTP server: routing, authentication and the search endpoint.

// Handlers return ready-made error responses as their `Err` values: one per request, never hot.
#![allow(clippy::result_large_err)]

use std::cmp::Ordering as CmpOrdering;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use qualys_model::{ActivationKey, Expiry, OrderBy};
use serde::Serialize;
use serde_json::Value;

use crate::faults::{Fault, Injector, Route};
use crate::jwt::{Jwt, Rejection};
use crate::{SandboxConfig, SandboxError, SandboxStats, data, query};

const MAX_BODY: usize = 1 << 20;
const SEARCH_PATH: &str = "/caui/v1/activation-keys/manage";
const KEY_PREFIX: &str = "/caui/v1/activation-keys/manage/";
const CREATE_PATH: &str = "/caui/v1/activation-keys/manage/activation-key";
const UPDATE_PREFIX: &str = "/caui/v1/activation-keys/manage/activation-key/";

/// The keys, with an index by id.
pub(crate) struct Store {
    keys: Vec<ActivationKey>,
    by_id: HashMap<u64, usize>,
    next_id: u64,
}

impl Store {
    fn new(keys: Vec<ActivationKey>) -> Self {
        let next_id = keys
            .iter()
            .map(|k| k.id)
            .max()
            .unwrap_or(0)
            .max(800_000_000)
            + 1;
        let mut store = Store {
            keys,
            by_id: HashMap::new(),
            next_id,
        };
        store.reindex();
        store
    }

    fn reindex(&mut self) {
        self.by_id = self
            .keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.id, i))
            .collect();
    }

    fn get(&self, id: u64) -> Option<&ActivationKey> {
        self.by_id.get(&id).map(|&i| &self.keys[i])
    }

    fn get_mut(&mut self, id: u64) -> Option<&mut ActivationKey> {
        let i = *self.by_id.get(&id)?;
        self.keys.get_mut(i)
    }

    fn title_taken(&self, title: &str, except: Option<u64>) -> bool {
        self.keys
            .iter()
            .any(|k| k.title.as_deref() == Some(title) && Some(k.id) != except)
    }
}

fn parse_id(s: &str) -> Option<u64> {
    s.parse().ok()
}

type IndexKey = (Option<String>, bool, String);

pub(crate) struct State {
    pub client_id: String,
    pub client_secret: String,
    pub username: String,
    pub password: String,
    /// Tokens with a sequence number up to this one are revoked.
    revoked_through: AtomicU64,
    /// Tokens with a sequence number up to this one are expired.
    expired_through: AtomicU64,
    faults: Injector,
    pub jwt: Jwt,
    token_lifetime_secs: AtomicU64,
    keys: RwLock<Store>,
    /// Sorted, filtered views of `keys` by (orderBy, descending, query), so paging a large list
    /// does not re-sort it for every page.
    views: Mutex<HashMap<IndexKey, Arc<Vec<u32>>>>,
    max_page_size: u32,
    /// Opaque (non-JWT) tokens issued or configured, with their expiry (Unix seconds).
    opaque: Mutex<HashMap<String, i64>>,
    fixed_token: Option<String>,
    tokens_issued: AtomicU64,
    requests: AtomicU64,
    unauthorized: AtomicU64,
    searches: AtomicU64,
}

impl State {
    pub fn new(config: &SandboxConfig) -> Result<Self, SandboxError> {
        let mut keys = if config.fixture_keys {
            data::fixture_keys()
        } else {
            Vec::new()
        };
        keys.extend(data::generate_keys(config.generated_keys, config.seed));
        let keys = Store::new(keys);
        Ok(Self {
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            username: config.username.clone(),
            password: config.password.clone(),
            revoked_through: AtomicU64::new(0),
            expired_through: AtomicU64::new(0),
            faults: Injector::new(config.faults.clone()),
            jwt: Jwt::new()?,
            token_lifetime_secs: AtomicU64::new(config.token_lifetime.as_secs()),
            keys: RwLock::new(keys),
            views: Mutex::new(HashMap::new()),
            max_page_size: config.max_page_size.max(1),
            opaque: Mutex::new(HashMap::new()),
            fixed_token: config.fixed_token.clone(),
            tokens_issued: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            unauthorized: AtomicU64::new(0),
            searches: AtomicU64::new(0),
        })
    }

    pub fn key_count(&self) -> usize {
        self.keys.read().map(|k| k.keys.len()).unwrap_or(0)
    }

    /// Applies a change to the store and drops the cached search views.
    fn mutate<T>(&self, f: impl FnOnce(&mut Store) -> T) -> Option<T> {
        let mut store = self.keys.write().ok()?;
        let out = f(&mut store);
        if let Ok(mut views) = self.views.lock() {
            views.clear();
        }
        Some(out)
    }

    /// Sets `countUsed` of a key (to test deletion of keys in use).
    pub fn set_count_used(&self, id: u64, used: u64) -> bool {
        self.mutate(|store| match store.get_mut(id) {
            Some(k) => {
                k.count_used = Some(used);
                true
            }
            None => false,
        })
        .unwrap_or(false)
    }

    pub fn stats(&self) -> SandboxStats {
        SandboxStats {
            tokens_issued: self.tokens_issued.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            unauthorized: self.unauthorized.load(Ordering::Relaxed),
            searches: self.searches.load(Ordering::Relaxed),
        }
    }

    pub fn revoke_tokens(&self) {
        self.revoked_through
            .store(self.jwt.issued(), Ordering::Relaxed);
        if let Ok(mut opaque) = self.opaque.lock() {
            opaque.clear();
        }
    }

    pub fn expire_tokens(&self) {
        self.expired_through
            .store(self.jwt.issued(), Ordering::Relaxed);
        if let Ok(mut opaque) = self.opaque.lock() {
            for exp in opaque.values_mut() {
                *exp = 0;
            }
        }
    }

    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.token_lifetime_secs
            .store(lifetime.as_secs(), Ordering::Relaxed);
    }
}

#[cfg(feature = "tls")]
pub(crate) type Acceptor = tokio_rustls::TlsAcceptor;
/// Without the `tls` feature there is no acceptor.
#[cfg(not(feature = "tls"))]
#[derive(Clone)]
pub(crate) enum NoTls {}
#[cfg(not(feature = "tls"))]
pub(crate) type Acceptor = NoTls;

pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<State>,
    mut shutdown: tokio::sync::oneshot::Receiver<()>,
    acceptor: Option<Acceptor>,
) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                let acceptor = acceptor.clone();
                connections.spawn(async move {
                    match acceptor {
                        #[cfg(feature = "tls")]
                        Some(acceptor) => {
                            if let Ok(tls) = acceptor.accept(stream).await {
                                serve_connection(tls, state).await;
                            }
                        }
                        #[cfg(not(feature = "tls"))]
                        Some(never) => match never {},
                        None => serve_connection(stream, state).await,
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

async fn serve_connection<IO>(io: IO, state: Arc<State>)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req| {
        let state = state.clone();
        async move { serve_request(req, &state).await }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(io), service)
        .await;
}

/// The response body: whole, late, or cut short.
pub(crate) struct FaultBody {
    data: Option<Bytes>,
    delay: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
    fail_after: bool,
}

impl hyper::body::Body for FaultBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, std::io::Error>>> {
        use std::task::Poll;
        if let Some(delay) = self.delay.as_mut() {
            if delay.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.delay = None;
        }
        if let Some(data) = self.data.take() {
            return Poll::Ready(Some(Ok(hyper::body::Frame::data(data))));
        }
        if self.fail_after {
            self.fail_after = false;
            return Poll::Ready(Some(Err(std::io::Error::other("fault: body truncated"))));
        }
        Poll::Ready(None)
    }
}

/// Closing the connection without an answer (a fault).
#[derive(Debug)]
pub(crate) struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fault: connection dropped")
    }
}

impl std::error::Error for Dropped {}

fn route_of(method: &Method, path: &str) -> Option<Route> {
    let path = path.trim_end_matches('/');
    Some(match (method, path) {
        (&Method::POST, "/auth" | "/auth/oidc" | "/auth/oauth") => Route::Auth,
        (&Method::POST, SEARCH_PATH) => Route::Search,
        (&Method::POST, CREATE_PATH) => Route::Create,
        (&Method::PATCH, p) if p.starts_with(UPDATE_PREFIX) => Route::Update,
        (&Method::GET, p) if p.starts_with(KEY_PREFIX) => Route::Get,
        (&Method::PATCH, p) if p.starts_with(KEY_PREFIX) => Route::Toggle,
        (&Method::DELETE, p) if p.starts_with(KEY_PREFIX) => Route::Delete,
        _ => return None,
    })
}

/// Applies the fault plan around the normal handler, and gzip when the client accepts it.
async fn serve_request(
    req: Request<Incoming>,
    state: &State,
) -> Result<Response<FaultBody>, Dropped> {
    state.requests.fetch_add(1, Ordering::Relaxed);
    let route = route_of(req.method(), req.uri().path());
    let fault = route.and_then(|r| state.faults.next(r));
    let gzip_ok = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("gzip"));
    let mut delay_body = None;
    let mut truncate = None;
    match &fault {
        Some(Fault::Respond {
            status,
            headers,
            body,
            body_bytes,
        }) => {
            let mut resp = Response::new(FaultBody {
                data: Some(
                    body_bytes
                        .clone()
                        .map(Bytes::from)
                        .unwrap_or_else(|| Bytes::from(body.clone())),
                ),
                delay: None,
                fail_after: false,
            });
            *resp.status_mut() =
                StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            for (k, v) in headers {
                if let (Ok(name), Ok(value)) = (
                    http::HeaderName::from_bytes(k.as_bytes()),
                    http::HeaderValue::from_str(v),
                ) {
                    resp.headers_mut().append(name, value);
                }
            }
            return Ok(resp);
        }
        Some(Fault::DropConnection) => return Err(Dropped),
        Some(Fault::DelayHeaders { ms }) => {
            tokio::time::sleep(Duration::from_millis(*ms)).await;
        }
        Some(Fault::DelayBody { ms }) => delay_body = Some(Duration::from_millis(*ms)),
        Some(Fault::TruncateBody { bytes }) => truncate = Some(*bytes),
        Some(Fault::ExpireTokens) => state.expire_tokens(),
        Some(Fault::RevokeTokens) => state.revoke_tokens(),
        None => {}
    }
    let resp = handle(req, state).await;
    let (mut parts, body) = resp.into_parts();
    let mut bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if gzip_ok && is_json && bytes.len() > 1024 {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        if enc.write_all(&bytes).is_ok()
            && let Ok(zipped) = enc.finish()
        {
            bytes = Bytes::from(zipped);
            parts.headers.insert(
                header::CONTENT_ENCODING,
                http::HeaderValue::from_static("gzip"),
            );
        }
    }
    parts
        .headers
        .insert(header::CONTENT_LENGTH, http::HeaderValue::from(bytes.len()));
    let body = match truncate {
        Some(n) => FaultBody {
            data: Some(bytes.slice(..n.min(bytes.len()))),
            delay: None,
            fail_after: true,
        },
        None => FaultBody {
            data: Some(bytes),
            delay: delay_body.map(|d| Box::pin(tokio::time::sleep(d))),
            fail_after: false,
        },
    };
    Ok(Response::from_parts(parts, body))
}

async fn handle(req: Request<Incoming>, state: &State) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().trim_end_matches('/').to_owned();
    tracing::debug!(method = %parts.method, path, "sandbox request");
    // API routes authenticate before reading the body, as a gateway does.
    if path.starts_with("/caui/")
        && let Err(message) = authenticate(&parts.headers, state)
    {
        return json_error(message.0, message.1);
    }
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return json_error(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large"),
    };
    match (parts.method.clone(), path.as_str()) {
        (Method::POST, "/auth/oidc" | "/auth/oauth") => client_credentials(&parts.headers, state),
        (Method::POST, "/auth") => password_login(&body, state),
        (Method::POST, SEARCH_PATH) => search(&body, state),
        (Method::POST, CREATE_PATH) => create(&body, state),
        (method, p) if p.starts_with(UPDATE_PREFIX) => match parse_id(&p[UPDATE_PREFIX.len()..]) {
            Some(id) if method == Method::PATCH => update(id, &body, state),
            Some(_) => json_error(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed"),
            None => json_error(StatusCode::NOT_FOUND, "No such endpoint"),
        },
        (method, p) if p.starts_with(KEY_PREFIX) => match parse_id(&p[KEY_PREFIX.len()..]) {
            Some(id) if method == Method::GET => get(id, state),
            Some(id) if method == Method::PATCH => toggle(id, state),
            Some(id) if method == Method::DELETE => delete(id, state),
            Some(_) => json_error(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed"),
            None => json_error(StatusCode::NOT_FOUND, "No such endpoint"),
        },
        (_, "/auth" | "/auth/oidc" | "/auth/oauth" | SEARCH_PATH) => {
            json_error(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed")
        }
        _ => json_error(StatusCode::NOT_FOUND, "No such endpoint"),
    }
}

fn client_credentials(headers: &HeaderMap, state: &State) -> Response<Full<Bytes>> {
    let id = headers.get("clientId").and_then(|v| v.to_str().ok());
    let secret = headers.get("clientSecret").and_then(|v| v.to_str().ok());
    if id != Some(state.client_id.as_str()) || secret != Some(state.client_secret.as_str()) {
        state.unauthorized.fetch_add(1, Ordering::Relaxed);
        return json_error(StatusCode::UNAUTHORIZED, "Invalid client credentials");
    }
    issue_token(headers.contains_key("encrypted"), StatusCode::OK, state)
}

fn password_login(body: &[u8], state: &State) -> Response<Full<Bytes>> {
    let form = form_decode(body);
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if field("username") != Some(state.username.as_str())
        || field("password") != Some(state.password.as_str())
    {
        state.unauthorized.fetch_add(1, Ordering::Relaxed);
        return json_error(StatusCode::UNAUTHORIZED, "Invalid username or password");
    }
    if field("token") != Some("true") {
        return json_error(StatusCode::BAD_REQUEST, "token=true is required");
    }
    issue_token(false, StatusCode::CREATED, state)
}

/// Decodes `application/x-www-form-urlencoded` (once): `+` is a space, `%XX` a byte.
fn form_decode(body: &[u8]) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    match std::str::from_utf8(&bytes[i + 1..i + 3])
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                    {
                        Some(b) => {
                            out.push(b);
                            i += 2;
                        }
                        None => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn issue_token(encrypted: bool, status: StatusCode, state: &State) -> Response<Full<Bytes>> {
    state.tokens_issued.fetch_add(1, Ordering::Relaxed);
    let lifetime =
        i64::try_from(state.token_lifetime_secs.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
    let exp = crate::jwt::now_secs().saturating_add(lifetime);
    if let Some(body) = &state.fixed_token {
        let token: String = body.split_whitespace().collect();
        if let Ok(mut opaque) = state.opaque.lock() {
            opaque.insert(token, exp);
        }
        return text(status, body.clone());
    }
    if encrypted {
        let token = crate::jwt::opaque_token();
        if let Ok(mut opaque) = state.opaque.lock() {
            opaque.insert(token.clone(), exp);
        }
        return text(status, token);
    }
    let token = state.jwt.mint(&state.client_id, lifetime);
    text(status, token)
}

/// An opaque token's expiry, if the sandbox issued it.
fn opaque_expiry(state: &State, token: &str) -> Option<i64> {
    state.opaque.lock().ok()?.get(token).copied()
}

/// `Err` carries the status and the vendor's message for the error body.
fn authenticate(headers: &HeaderMap, state: &State) -> Result<(), (StatusCode, &'static str)> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let rejection = match token {
        None => "Not authenticated",
        // Like some gateway services, a token that is not even shaped like a JWT is a 500.
        Some(t) if opaque_expiry(state, t).is_none() && t.split('.').count() != 3 => {
            state.unauthorized.fetch_add(1, Ordering::Relaxed);
            return Err((StatusCode::INTERNAL_SERVER_ERROR, "JWT parsing failed"));
        }
        Some(t) if opaque_expiry(state, t).is_some() => {
            if opaque_expiry(state, t).is_some_and(|exp| exp >= crate::jwt::now_secs()) {
                return Ok(());
            }
            "JWT expired"
        }
        Some(t) => match state.jwt.verify(t) {
            Ok(claims) if claims.seq() <= state.revoked_through.load(Ordering::Relaxed) => {
                "Not authenticated"
            }
            Ok(claims) if claims.seq() <= state.expired_through.load(Ordering::Relaxed) => {
                "JWT expired"
            }
            Ok(_) => return Ok(()),
            Err(Rejection::Expired) => "JWT expired",
            Err(Rejection::Invalid) => "Not authenticated",
        },
    };
    state.unauthorized.fetch_add(1, Ordering::Relaxed);
    Err((StatusCode::UNAUTHORIZED, rejection))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageOut<'a> {
    page_size: u64,
    total_count: u64,
    no_of_pages: u64,
    content: Vec<&'a ActivationKey>,
}

fn search(body: &[u8], state: &State) -> Response<Full<Bytes>> {
    state.searches.fetch_add(1, Ordering::Relaxed);
    let params = match SearchParams::parse(body, state.max_page_size) {
        Ok(p) => p,
        Err(msg) => return json_error(StatusCode::BAD_REQUEST, &msg),
    };
    let Ok(store) = state.keys.read() else {
        return json_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal error");
    };
    let keys = &store.keys;
    let view = view(state, keys, &params);
    let total = view.len() as u64;
    let page_size = params.page_size;
    let start = (params.page_number as usize)
        .saturating_mul(page_size as usize)
        .min(view.len());
    let end = start.saturating_add(page_size as usize).min(view.len());
    let content: Vec<&ActivationKey> = view[start..end]
        .iter()
        .map(|&i| &keys[i as usize])
        .collect();
    let page = PageOut {
        page_size,
        total_count: total,
        no_of_pages: total.div_ceil(page_size),
        content,
    };
    match serde_json::to_vec(&page) {
        Ok(bytes) => json(StatusCode::OK, bytes),
        Err(_) => json_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal error"),
    }
}

fn not_found(id: u64) -> Response<Full<Bytes>> {
    json_error(
        StatusCode::NOT_FOUND,
        &format!("Activation key {id} not found"),
    )
}

fn key_json(key: &ActivationKey) -> Response<Full<Bytes>> {
    match serde_json::to_vec(key) {
        Ok(bytes) => json(StatusCode::OK, bytes),
        Err(_) => json_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal error"),
    }
}

fn get(id: u64, state: &State) -> Response<Full<Bytes>> {
    let Ok(store) = state.keys.read() else {
        return json_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal error");
    };
    match store.get(id) {
        Some(k) => key_json(k),
        None => not_found(id),
    }
}

fn toggle(id: u64, state: &State) -> Response<Full<Bytes>> {
    let outcome = state.mutate(|store| {
        let key = store.get_mut(id)?;
        let disabled = !key.is_disabled.unwrap_or(false);
        key.is_disabled = Some(disabled);
        Some(disabled)
    });
    match outcome.flatten() {
        Some(true) => text(
            StatusCode::OK,
            "Successfully disabled activation key".into(),
        ),
        Some(false) => text(StatusCode::OK, "Successfully enabled activation key".into()),
        None => not_found(id),
    }
}

fn delete(id: u64, state: &State) -> Response<Full<Bytes>> {
    let outcome = state.mutate(|store| {
        let used = store.get(id)?.count_used.unwrap_or(0);
        if used > 0 {
            return Some(Err(used));
        }
        store.keys.retain(|k| k.id != id);
        store.reindex();
        Some(Ok(()))
    });
    match outcome.flatten() {
        Some(Ok(())) => text(StatusCode::OK, "Successfully deleted activation key".into()),
        Some(Err(used)) => json_error(
            StatusCode::BAD_REQUEST,
            &format!("Activation key {id} is used by {used} agent(s) and cannot be deleted"),
        ),
        None => not_found(id),
    }
}

/// The fields create and update accept, read leniently so the sandbox can say what is wrong.
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct KeyInput {
    title: Option<String>,
    network_id: Option<u64>,
    expire_date: Option<String>,
    remove_expire_date: Option<bool>,
    max_agents_allowed: Option<i64>,
    remove_max_agents_allowed: Option<bool>,
    apply_to_existing_agents: Option<bool>,
    licenses: Option<Vec<String>>,
    add_licenses: Option<Vec<String>>,
    remove_licenses: Option<Vec<String>>,
    tags: Option<Vec<serde_json::Value>>,
}

impl KeyInput {
    fn parse(body: &[u8]) -> Result<Self, Response<Full<Bytes>>> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        serde_json::from_slice(body).map_err(|e| {
            json_error(
                StatusCode::BAD_REQUEST,
                &format!("Malformed JSON request: {e}"),
            )
        })
    }

    fn check(&self) -> Result<(), Response<Full<Bytes>>> {
        let bad = |m: String| Err(json_error(StatusCode::BAD_REQUEST, &m));
        if let Some(n) = self.max_agents_allowed
            && !(1..=1_000_000).contains(&n)
        {
            return bad(format!(
                "maxAgentsAllowed must be between 1 and 1000000, got {n}"
            ));
        }
        if let Some(d) = &self.expire_date
            && d.parse::<qualys_model::Date>().is_err()
        {
            return bad(format!("expireDate must be a date (YYYY-MM-DD), got `{d}`"));
        }
        if let Some(t) = &self.title
            && t.trim().is_empty()
        {
            return bad("title must not be empty".into());
        }
        Ok(())
    }
}

/// The legacy key type that matches a key's cap and expiry (`0` agents = unlimited).
fn key_type_for(key: &ActivationKey) -> qualys_model::KeyType {
    let counted = key.count_purchased.unwrap_or(0) > 0;
    let timed = matches!(key.expire_date, Some(Expiry::On(_)));
    qualys_model::KeyType::from(match (counted, timed) {
        (false, false) => "Unlimited",
        (false, true) => "TIME_LIMITED",
        (true, false) => "COUNT_LIMITED",
        (true, true) => "COUNT_TIME_LIMITED",
    })
}

fn duplicate(title: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({
        "errorCode": "CA_1001_DUPLICATE_KEY",
        "message": format!("An activation key titled '{title}' already exists"),
    });
    json(StatusCode::BAD_REQUEST, body.to_string().into_bytes())
}

fn licenses(list: &[String]) -> Vec<qualys_model::License> {
    list.iter()
        .map(|l| qualys_model::License::from(l.as_str()))
        .collect()
}

fn create(body: &[u8], state: &State) -> Response<Full<Bytes>> {
    let input = match KeyInput::parse(body).and_then(|i| i.check().map(|()| i)) {
        Ok(i) => i,
        Err(resp) => return resp,
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let created = state.mutate(|store| {
        if let Some(t) = &input.title
            && store.title_taken(t, None)
        {
            return Err(duplicate(t));
        }
        let id = store.next_id;
        store.next_id += 1;
        let mut key = ActivationKey::new(id);
        key.title = input.title.clone();
        key.activation_key = Some(data::activation_key_for(id));
        key.network_id = Some(input.network_id.unwrap_or(0));
        key.count_used = Some(0);
        // [DOC] an absent maxAgentsAllowed means 1,000,000.
        let cap = input.max_agents_allowed.unwrap_or(1_000_000) as u64;
        key.count_purchased = Some(cap);
        key.date_purchased = Some(
            qualys_model::LocalDateTime::from_unix(now.as_secs() as i64, now.subsec_nanos())
                .to_string()
                .into(),
        );
        key.first_name = Some("Sandbox".into());
        key.last_name = Some("User".into());
        key.user_name = Some(state.client_id.clone());
        key.is_disabled = Some(false);
        key.expire_date = Some(match &input.expire_date {
            Some(d) => Expiry::On(d.as_str().into()),
            None => Expiry::Never,
        });
        key.key_type = Some(key_type_for(&key));
        key.licenses = Some(licenses(input.licenses.as_deref().unwrap_or_default()));
        key.tags = Some(input.tags.clone().unwrap_or_default());
        key.apply_to_existing_agents = Some(false);
        store.keys.push(key.clone());
        store.reindex();
        Ok(key)
    });
    match created {
        Some(Ok(key)) => key_json(&key),
        Some(Err(resp)) => resp,
        None => json_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal error"),
    }
}

fn update(id: u64, body: &[u8], state: &State) -> Response<Full<Bytes>> {
    let input = match KeyInput::parse(body).and_then(|i| i.check().map(|()| i)) {
        Ok(i) => i,
        Err(resp) => return resp,
    };
    let updated = state.mutate(|store| {
        if store.get(id).is_none() {
            return Err(not_found(id));
        }
        if let Some(t) = &input.title
            && store.title_taken(t, Some(id))
        {
            return Err(duplicate(t));
        }
        let Some(key) = store.get_mut(id) else {
            return Err(not_found(id));
        };
        if let Some(t) = &input.title {
            key.title = Some(t.clone());
        }
        if let Some(n) = input.network_id {
            key.network_id = Some(n);
        }
        if let Some(d) = &input.expire_date {
            key.expire_date = Some(Expiry::On(d.as_str().into()));
        }
        if input.remove_expire_date == Some(true) {
            key.expire_date = Some(Expiry::Never);
        }
        if let Some(n) = input.max_agents_allowed {
            key.count_purchased = Some(n as u64);
        }
        if input.remove_max_agents_allowed == Some(true) {
            key.count_purchased = Some(0);
        }
        key.key_type = Some(key_type_for(key));
        if let Some(apply) = input.apply_to_existing_agents {
            key.apply_to_existing_agents = Some(apply);
        }
        let list = key.licenses.get_or_insert_with(Vec::new);
        for l in licenses(input.add_licenses.as_deref().unwrap_or_default()) {
            if !list.contains(&l) {
                list.push(l);
            }
        }
        let remove = licenses(input.remove_licenses.as_deref().unwrap_or_default());
        list.retain(|l| !remove.contains(l));
        Ok(key.clone())
    });
    match updated {
        Some(Ok(key)) => key_json(&key),
        Some(Err(resp)) => resp,
        None => json_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal error"),
    }
}

struct SearchParams {
    page_size: u64,
    page_number: u64,
    order_by: Option<String>,
    descending: bool,
    terms: Vec<query::Term>,
    query: String,
}

impl SearchParams {
    fn parse(body: &[u8], max_page_size: u32) -> Result<Self, String> {
        let v: Value = if body.iter().all(u8::is_ascii_whitespace) {
            Value::Object(Default::default())
        } else {
            serde_json::from_slice(body).map_err(|e| format!("Malformed JSON request: {e}"))?
        };
        let Value::Object(obj) = v else {
            return Err("Malformed JSON request: expected an object".into());
        };
        let int = |name: &str| -> Result<Option<i64>, String> {
            match obj.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => n
                    .as_i64()
                    .map(Some)
                    .ok_or_else(|| format!("{name} must be an integer")),
                Some(_) => Err(format!("{name} must be an integer")),
            }
        };
        let string = |name: &str| -> Result<Option<String>, String> {
            match obj.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(format!("{name} must be a string")),
            }
        };
        let limit = int("limit")?.unwrap_or(10);
        if limit < 1 {
            return Err(format!("limit must be at least 1, got {limit}"));
        }
        let page_number = int("pageNumber")?.unwrap_or(0);
        if page_number < 0 {
            return Err(format!(
                "pageNumber must not be negative, got {page_number}"
            ));
        }
        let descending = match string("sortOrder")?.as_deref() {
            None | Some("ASC") => false,
            Some("DSC") => true,
            Some(other) => return Err(format!("Invalid sortOrder `{other}`: use ASC or DSC")),
        };
        let order_by = string("orderBy")?;
        if let Some(o) = &order_by
            && !OrderBy::DOCUMENTED.iter().any(|d| d.as_str() == o)
        {
            return Err(format!("Invalid orderBy `{o}`"));
        }
        let query = string("query")?.unwrap_or_default();
        let terms = query::parse(&query)?;
        Ok(Self {
            page_size: (limit as u64).min(max_page_size as u64),
            page_number: page_number as u64,
            order_by,
            descending,
            terms,
            query: query.split_whitespace().collect::<Vec<_>>().join(" "),
        })
    }
}

fn view(state: &State, keys: &[ActivationKey], p: &SearchParams) -> Arc<Vec<u32>> {
    let cache_key: IndexKey = (p.order_by.clone(), p.descending, p.query.clone());
    if let Ok(views) = state.views.lock()
        && let Some(v) = views.get(&cache_key)
    {
        return v.clone();
    }
    let mut idx: Vec<u32> = (0..keys.len() as u32)
        .filter(|&i| query::matches(&p.terms, &keys[i as usize]))
        .collect();
    if let Some(field) = &p.order_by {
        idx.sort_by(|&a, &b| {
            let (ka, kb) = (&keys[a as usize], &keys[b as usize]);
            let ord = compare(field, ka, kb).then(ka.id.cmp(&kb.id));
            if p.descending { ord.reverse() } else { ord }
        });
    } else if p.descending {
        idx.reverse();
    }
    let view = Arc::new(idx);
    if let Ok(mut views) = state.views.lock() {
        if views.len() > 64 {
            views.clear();
        }
        views.insert(cache_key, view.clone());
    }
    view
}

fn compare(field: &str, a: &ActivationKey, b: &ActivationKey) -> CmpOrdering {
    match field {
        "TITLE" => a.title.cmp(&b.title),
        "ACTIVATION_KEY" => a.activation_key.cmp(&b.activation_key),
        "AGENTS" => a.count_used.cmp(&b.count_used),
        "CREATED_ON" => a.date_purchased.cmp(&b.date_purchased),
        "STATUS" => a.is_disabled.cmp(&b.is_disabled),
        "EXPIRES" => expiry_rank(a).cmp(&expiry_rank(b)),
        _ => CmpOrdering::Equal,
    }
}

/// Keys that expire sort before keys that never do.
fn expiry_rank(k: &ActivationKey) -> (bool, Option<&str>) {
    match &k.expire_date {
        Some(Expiry::On(d)) => (false, Some(d.as_str())),
        _ => (true, None),
    }
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    respond(status, "text/plain;charset=UTF-8", Bytes::from(body))
}

fn json(status: StatusCode, body: Vec<u8>) -> Response<Full<Bytes>> {
    respond(status, "application/json", Bytes::from(body))
}

/// A Spring-style error body, as the gateway's services send.
fn json_error(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({
        "status": status.as_u16(),
        "error": status.canonical_reason().unwrap_or("Error"),
        "message": message,
    });
    json(status, body.to_string().into_bytes())
}

fn respond(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    resp
}
