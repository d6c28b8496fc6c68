//! Authentication errors. They name the endpoint and the credential used, never a secret.

/// Why a token could not be obtained.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The configuration is unusable (bad gateway URL, missing credential…).
    #[error("configuration error: {0}")]
    Config(String),
    /// The token endpoint refused the credentials (401/403). Never retried: repeated bad logins can
    /// lock an account.
    #[error(
        "authentication failed: {endpoint} answered {status} for {credential}{}; check the client id \
         and secret, and that the URL is your platform's gateway",
        message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default()
    )]
    Rejected {
        /// HTTP status (401 or 403).
        status: u16,
        /// The URL of the token endpoint.
        endpoint: String,
        /// Which credential was used, without its secret (e.g. `client credentials for clientId "abc"`).
        credential: String,
        /// The server's message, when the body had one.
        message: Option<String>,
    },
    /// The token endpoint answered an unexpected status.
    #[error("the token endpoint {endpoint} answered HTTP {status}: {snippet}{}", hint.as_deref().map(|h| format!(" (hint: {h})")).unwrap_or_default())]
    Status {
        /// HTTP status.
        status: u16,
        /// The URL of the token endpoint.
        endpoint: String,
        /// A short, single-line excerpt of the body (an HTML page's title).
        snippet: String,
        /// A hint when the cause is common (e.g. the UI or classic API host instead of the gateway).
        hint: Option<String>,
    },
    /// No response from the token endpoint (connection refused, DNS, TLS, timeout…).
    #[error("could not reach the token endpoint {endpoint}: {message}")]
    Unreachable {
        /// The URL of the token endpoint.
        endpoint: String,
        /// The underlying error, as text.
        message: String,
    },
    /// A static token (one that cannot be refreshed) has expired or was rejected by the server.
    #[error(
        "the {credential} {detail}; it cannot be refreshed: provide a new token, or client \
         credentials so the client can fetch its own"
    )]
    StaticTokenExpired {
        /// Which token (e.g. `static token (from environment)`).
        credential: String,
        /// `expired at …` or `was rejected by the server`.
        detail: String,
    },
    /// A 2xx answer whose body is not a token (empty, an HTML page…).
    #[error("the token endpoint {endpoint} returned no usable token: {reason}")]
    InvalidTokenBody {
        /// The URL of the token endpoint.
        endpoint: String,
        /// What was wrong with the body (never the body itself).
        reason: String,
    },
}

impl AuthError {
    /// Whether the cache must stop asking: rejected credentials (asking again can lock the account),
    /// unusable configuration, or an expired static token.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            AuthError::Config(_)
                | AuthError::Rejected { .. }
                | AuthError::StaticTokenExpired { .. }
        )
    }

    /// Whether trying again later may succeed. Rejected credentials and bad configuration never do.
    pub fn is_retryable(&self) -> bool {
        match self {
            AuthError::Config(_) | AuthError::Rejected { .. } => false,
            AuthError::StaticTokenExpired { .. } => false,
            // A maintenance page or a half-deployed gateway: worth another try later.
            AuthError::InvalidTokenBody { .. } => true,
            // A certificate the client does not trust will not become trusted by waiting.
            AuthError::Unreachable { message, .. } => !message.contains("invalid peer certificate"),
            AuthError::Status { status, .. } => matches!(status, 429 | 500..=599),
        }
    }
}

/// A short, single-line description of a response body (see
/// [`diagnostics::describe_body`](crate::diagnostics::describe_body)).
pub(crate) fn snippet(body: &[u8]) -> String {
    crate::diagnostics::describe_body(body)
        .0
        .unwrap_or_else(|| "(empty body)".into())
}
