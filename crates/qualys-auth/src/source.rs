//! Token sources.

use std::fmt;

use bytes::Bytes;
use secrecy::{ExposeSecret, SecretString};

use crate::diagnostics::error_chain;
use crate::error::snippet;
use crate::{AuthError, BoxFuture, GatewayUrl, HttpSend, parse_token_body};

/// Something that can mint a new access token.
///
/// Implementations return the raw token; the [`TokenCache`](crate::TokenCache) reads its expiry and
/// decides when to ask again.
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// Obtains a fresh token from `gateway`, sending through `http`.
    fn fetch<'a>(
        &'a self,
        gateway: &'a GatewayUrl,
        http: &'a dyn HttpSend,
    ) -> BoxFuture<'a, Result<SecretString, AuthError>>;

    /// Says which credential this is, for errors and `auth status` — never the secret.
    fn describe(&self) -> String;

    /// Whether asking again can yield a new token. `false` for a static token: once it is
    /// rejected or expired, the cache reports a clear error instead of retrying.
    fn can_refresh(&self) -> bool {
        true
    }
}

/// Appends where a credential came from (`explicit`, `environment`, `profile "x"`) to a description.
fn with_origin(description: String, origin: &Option<String>) -> String {
    match origin {
        Some(o) => format!("{description} (from {o})"),
        None => description,
    }
}

/// Which client-credentials endpoint to use. The vendor documents both, inconsistently.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialsEndpoint {
    /// `POST /auth/oidc` (the Cloud Agent release note's endpoint; the default).
    #[default]
    Oidc,
    /// `POST /auth/oauth` (named by the OAuth guide for subscription-level clients).
    OAuth,
}

impl std::str::FromStr for CredentialsEndpoint {
    type Err = AuthError;
    /// `oidc` or `oauth` (any case, with or without a leading `/auth/`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s
            .trim()
            .trim_start_matches("/auth/")
            .trim_start_matches('/');
        if t.eq_ignore_ascii_case("oidc") {
            Ok(CredentialsEndpoint::Oidc)
        } else if t.eq_ignore_ascii_case("oauth") {
            Ok(CredentialsEndpoint::OAuth)
        } else {
            Err(AuthError::Config(format!(
                "unknown auth endpoint `{s}`: expected oidc or oauth"
            )))
        }
    }
}

impl CredentialsEndpoint {
    /// The request path.
    pub fn path(self) -> &'static str {
        match self {
            CredentialsEndpoint::Oidc => "/auth/oidc",
            CredentialsEndpoint::OAuth => "/auth/oauth",
        }
    }
}

/// The optional `encrypted` input of the client-credentials flow.
///
/// The vendor does not document what it changes; an encrypted token may not be a decodable JWT, in
/// which case the cache works from the default lifetime.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenEncryption {
    /// `RSA512`.
    Rsa512,
    /// Any other value, sent verbatim.
    Other(String),
}

impl std::str::FromStr for TokenEncryption {
    type Err = std::convert::Infallible;
    /// `RSA512` in any case; anything else is [`TokenEncryption::Other`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        Ok(if t.eq_ignore_ascii_case("RSA512") {
            TokenEncryption::Rsa512
        } else {
            TokenEncryption::Other(t.to_owned())
        })
    }
}

impl TokenEncryption {
    /// The header value sent.
    pub fn as_str(&self) -> &str {
        match self {
            TokenEncryption::Rsa512 => "RSA512",
            TokenEncryption::Other(s) => s,
        }
    }
}

/// Client credentials (`clientId` / `clientSecret` headers) exchanged for a JWT.
///
/// ```
/// use qualys_auth::{ClientCredentials, CredentialsEndpoint, TokenEncryption, TokenSource};
/// let creds = ClientCredentials::new("abc", "top-secret")
///     .endpoint(CredentialsEndpoint::OAuth)
///     .encryption(TokenEncryption::Rsa512);
/// assert_eq!(creds.describe(), "client credentials for clientId \"abc\"");
/// assert!(!format!("{creds:?}").contains("top-secret"));
/// ```
pub struct ClientCredentials {
    client_id: String,
    client_secret: SecretString,
    endpoint: CredentialsEndpoint,
    encryption: Option<TokenEncryption>,
    origin: Option<String>,
}

impl ClientCredentials {
    /// Credentials for `/auth/oidc`, without encryption.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<SecretString>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            endpoint: CredentialsEndpoint::Oidc,
            encryption: None,
            origin: None,
        }
    }

    /// Records where the credentials came from, for errors and `auth status`.
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Chooses the token endpoint.
    pub fn endpoint(mut self, endpoint: CredentialsEndpoint) -> Self {
        self.endpoint = endpoint;
        self
    }

    /// Asks for an encrypted token (sent as the `encrypted` header).
    pub fn encryption(mut self, encryption: TokenEncryption) -> Self {
        self.encryption = Some(encryption);
        self
    }

    /// The client id (not a secret).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Builds the token request. The secret header is marked sensitive.
    fn request(&self, gateway: &GatewayUrl) -> Result<http::Request<Bytes>, AuthError> {
        let uri = gateway.join(self.endpoint.path())?;
        let header = |name: &str, value: &str| {
            http::HeaderValue::from_str(value).map_err(|_| {
                AuthError::Config(format!(
                    "the {name} contains characters that cannot be sent in an HTTP header"
                ))
            })
        };
        let mut secret = header("client secret", self.client_secret.expose_secret())?;
        secret.set_sensitive(true);
        let mut builder = http::Request::post(uri)
            .header("clientId", header("client id", &self.client_id)?)
            .header("clientSecret", secret)
            .header(http::header::ACCEPT, "text/plain, application/json, */*");
        if let Some(enc) = &self.encryption {
            builder = builder.header("encrypted", header("encryption", enc.as_str())?);
        }
        builder
            .body(Bytes::new())
            .map_err(|e| AuthError::Config(format!("could not build the token request: {e}")))
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("endpoint", &self.endpoint)
            .field("encryption", &self.encryption)
            .field("origin", &self.origin)
            .finish()
    }
}

impl TokenSource for ClientCredentials {
    fn fetch<'a>(
        &'a self,
        gateway: &'a GatewayUrl,
        http: &'a dyn HttpSend,
    ) -> BoxFuture<'a, Result<SecretString, AuthError>> {
        Box::pin(async move {
            let request = self.request(gateway)?;
            tracing::debug!(endpoint = %request.uri(), client_id = %self.client_id, "requesting a token");
            send_token_request(http, request, gateway, || self.describe()).await
        })
    }

    fn describe(&self) -> String {
        with_origin(
            format!("client credentials for clientId {:?}", self.client_id),
            &self.origin,
        )
    }
}

/// Sends a token request and reads the token from the response.
async fn send_token_request(
    http: &dyn HttpSend,
    request: http::Request<Bytes>,
    gateway: &GatewayUrl,
    credential: impl FnOnce() -> String,
) -> Result<SecretString, AuthError> {
    let endpoint = request.uri().to_string();
    let response = http
        .send(request)
        .await
        .map_err(|e| AuthError::Unreachable {
            endpoint: endpoint.clone(),
            message: error_chain(&*e),
        })?;
    read_token_response(response, &endpoint, credential).map_err(|e| match e {
        AuthError::Status {
            status,
            endpoint,
            snippet,
            hint: None,
        } => AuthError::Status {
            status,
            endpoint,
            snippet,
            hint: gateway.host_hint(),
        },
        other => other,
    })
}

/// Username and password exchanged for a JWT on `POST /auth`.
///
/// The form body is `username=…&password=…&token=true`, each value percent-encoded exactly once, so
/// passwords with `+ & % = #` arrive intact. Any 2xx answer carries the token (the vendor answers
/// 201).
///
/// ```
/// use qualys_auth::{PasswordCredentials, TokenSource};
/// let creds = PasswordCredentials::new("alice", "p@ss+w%rd&1=#");
/// assert_eq!(creds.describe(), "password for user \"alice\"");
/// assert!(!format!("{creds:?}").contains("p@ss"));
/// ```
pub struct PasswordCredentials {
    username: String,
    password: SecretString,
    origin: Option<String>,
}

impl PasswordCredentials {
    /// Credentials for `POST /auth`.
    pub fn new(username: impl Into<String>, password: impl Into<SecretString>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
            origin: None,
        }
    }

    /// Records where the credentials came from.
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    fn request(&self, gateway: &GatewayUrl) -> Result<http::Request<Bytes>, AuthError> {
        let body = crate::form::encode(&[
            ("username", self.username.as_str()),
            ("password", self.password.expose_secret()),
            ("token", "true"),
        ]);
        http::Request::post(gateway.join("/auth")?)
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(http::header::ACCEPT, "text/plain, application/json, */*")
            .body(Bytes::from(body))
            .map_err(|e| AuthError::Config(format!("could not build the token request: {e}")))
    }
}

impl fmt::Debug for PasswordCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordCredentials")
            .field("username", &self.username)
            .field("password", &"[REDACTED]")
            .field("origin", &self.origin)
            .finish()
    }
}

impl TokenSource for PasswordCredentials {
    fn fetch<'a>(
        &'a self,
        gateway: &'a GatewayUrl,
        http: &'a dyn HttpSend,
    ) -> BoxFuture<'a, Result<SecretString, AuthError>> {
        Box::pin(async move {
            let request = self.request(gateway)?;
            tracing::debug!(endpoint = %request.uri(), username = %self.username, "requesting a token");
            send_token_request(http, request, gateway, || self.describe()).await
        })
    }

    fn describe(&self) -> String {
        with_origin(
            format!("password for user {:?}", self.username),
            &self.origin,
        )
    }
}

/// A token obtained elsewhere (e.g. `QUALYS_TOKEN`). It cannot be refreshed: when it expires or is
/// rejected, requests fail with [`AuthError::StaticTokenExpired`].
///
/// ```
/// use qualys_auth::{StaticToken, TokenSource};
/// let t = StaticToken::new("eyJ...").origin("environment");
/// assert_eq!(t.describe(), "static token (from environment)");
/// assert!(!t.can_refresh());
/// ```
pub struct StaticToken {
    token: SecretString,
    origin: Option<String>,
}

impl StaticToken {
    /// Wraps a token. Whitespace, quotes and line breaks around it are tolerated.
    pub fn new(token: impl Into<SecretString>) -> Self {
        Self {
            token: token.into(),
            origin: None,
        }
    }

    /// Records where the token came from.
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }
}

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticToken")
            .field("token", &"[REDACTED]")
            .field("origin", &self.origin)
            .finish()
    }
}

impl TokenSource for StaticToken {
    fn fetch<'a>(
        &'a self,
        _gateway: &'a GatewayUrl,
        _http: &'a dyn HttpSend,
    ) -> BoxFuture<'a, Result<SecretString, AuthError>> {
        let parsed = parse_token_body(self.token.expose_secret().as_bytes())
            .map_err(|reason| AuthError::Config(format!("the static token is unusable: {reason}")));
        Box::pin(async move { parsed })
    }

    fn describe(&self) -> String {
        with_origin("static token".to_owned(), &self.origin)
    }

    fn can_refresh(&self) -> bool {
        false
    }
}

/// Interprets a token endpoint's response: any 2xx carries the token in its body.
pub(crate) fn read_token_response(
    response: http::Response<Bytes>,
    endpoint: &str,
    credential: impl FnOnce() -> String,
) -> Result<SecretString, AuthError> {
    let status = response.status();
    let body = response.into_body();
    if status.is_success() {
        return parse_token_body(&body).map_err(|reason| AuthError::InvalidTokenBody {
            endpoint: endpoint.to_owned(),
            reason,
        });
    }
    if status == http::StatusCode::UNAUTHORIZED || status == http::StatusCode::FORBIDDEN {
        let message = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
            .or_else(|| {
                let s = snippet(&body);
                (s != "(empty body)").then_some(s)
            });
        return Err(AuthError::Rejected {
            status: status.as_u16(),
            endpoint: endpoint.to_owned(),
            credential: credential(),
            message,
        });
    }
    Err(AuthError::Status {
        status: status.as_u16(),
        endpoint: endpoint.to_owned(),
        snippet: snippet(&body),
        hint: None,
    })
}
