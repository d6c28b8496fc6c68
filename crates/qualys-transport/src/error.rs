//! Transport errors.

use qualys_auth::AuthError;

/// An error from the HTTP stack.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A token could not be obtained.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// No response: connection refused or reset, DNS, TLS, or the body could not be read.
    #[error("{operation}: {method} {uri} failed: {message}")]
    Connection {
        /// The operation, e.g. `search activation keys (page 3)`.
        operation: String,
        /// Request method.
        method: String,
        /// Request URI.
        uri: String,
        /// What went wrong, with its causes.
        message: String,
        /// `true` when the connection failed before the request was sent (so the server cannot
        /// have acted on it).
        before_sending: bool,
    },
    /// A timeout elapsed.
    #[error("{operation} timed out after {} {stage}{}", secs(after), hint.as_deref().map(|h| format!("; {h}")).unwrap_or_default())]
    Timeout {
        /// The operation, e.g. `search activation keys (page 3)`.
        operation: String,
        /// What was being waited for: `connecting`, `waiting for the response`, or `in total,
        /// retries included`.
        stage: String,
        /// The timeout that elapsed.
        after: std::time::Duration,
        /// What to do about it, when there is something (e.g. a smaller page size).
        hint: Option<String>,
    },
    /// The server is throttling and asked for a wait longer than allowed, or kept throttling until
    /// the retries ran out.
    #[error("{operation}: throttled by the server (HTTP {status}){}{}",
        retry_after.map(|d| format!("; it asks to wait {} s", d.as_secs())).unwrap_or_default(),
        if *gave_up_waiting { " — longer than the configured maximum wait, so not waiting" } else { " — retries exhausted" })]
    Throttled {
        /// The operation.
        operation: String,
        /// 429, or 409 with vendor code 1965/1960.
        status: u16,
        /// The server's wait hint, when it gave one.
        retry_after: Option<std::time::Duration>,
        /// The rate-limit headers of the last answer.
        limits: Box<crate::RateLimitInfo>,
        /// `true` when the hint exceeded the maximum wait; `false` when retries ran out.
        gave_up_waiting: bool,
    },
    /// The server answered with an error status.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// A success response whose body does not have the expected shape.
    #[error("{operation}: unexpected response body at `{path}`: {message}")]
    Decode {
        /// The operation, e.g. `search activation keys (page 3)`.
        operation: String,
        /// The JSON path of the offending value (`.` for the root).
        path: String,
        /// What was wrong.
        message: String,
    },
    /// The request was refused before sending: the server would reject it.
    #[error("{operation}: invalid {field}: {message}")]
    Invalid {
        /// The operation.
        operation: String,
        /// The wire name of the offending field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The resource changed under us (e.g. a key toggled by someone else meanwhile).
    #[error("{operation}: {message}")]
    Conflict {
        /// The operation.
        operation: String,
        /// What happened.
        message: String,
    },
    /// The client is misconfigured.
    #[error("configuration error: {0}")]
    Config(String),
}

/// `120 s`, or `0.7 s` below ten seconds when not whole.
fn secs(d: &std::time::Duration) -> String {
    if d.subsec_millis() == 0 || d.as_secs() >= 10 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

impl Error {
    /// Whether trying again later may succeed. This is not whether re-sending is *safe*: a create
    /// or toggle that timed out may already have taken effect (the stack's own retries consult
    /// [`RequestMeta`](crate::RequestMeta) for that, and `Connection::before_sending`).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Auth(e) => e.is_retryable(),
            Error::Connection { .. } | Error::Timeout { .. } | Error::Throttled { .. } => true,
            Error::Api(e) => matches!(e.status, 429 | 502 | 503 | 504),
            Error::Config(_) | Error::Decode { .. } | Error::Invalid { .. } => false,
            Error::Conflict { .. } => false,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Throttled { status, .. } => Some(*status),
            Error::Auth(AuthError::Rejected { status, .. } | AuthError::Status { status, .. }) => {
                Some(*status)
            }
            _ => None,
        }
    }
}

/// An error answer from the API, with what the body said.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation} failed: HTTP {status}{}{}", 
    message.as_deref().map(|m| format!(": {m}")).unwrap_or_default(),
    hint.as_deref().map(|h| format!(" (hint: {h})")).unwrap_or_default())]
#[non_exhaustive]
pub struct ApiError {
    /// The operation, e.g. `search activation keys`.
    pub operation: String,
    /// HTTP status.
    pub status: u16,
    /// The server's message (from a JSON `message`, an XML `TEXT`, an HTML `<title>`, or a text
    /// snippet).
    pub message: Option<String>,
    /// The vendor's error code, when the body had one.
    pub code: Option<String>,
    /// A hint when the cause is common.
    pub hint: Option<String>,
}

impl ApiError {
    /// Builds the error for a non-success response of `operation`.
    pub fn from_response(operation: &str, response: &http::Response<bytes::Bytes>) -> Self {
        let status = response.status().as_u16();
        let (message, code) = qualys_auth::diagnostics::describe_body(response.body());
        let hint = match status {
            300..=399 => Some(format!(
                "the server redirects to {}; redirects are not followed so the token never leaves \
                 the gateway — if that is your platform's gateway, use it as the gateway URL",
                response
                    .headers()
                    .get(http::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .unwrap_or("another URL")
            )),
            401 => Some("the token was rejected twice; check the credentials' permissions".into()),
            403 => Some("the credentials lack permission for this operation".into()),
            404 if message.as_deref().is_some_and(|m| m.contains("HTML")) => {
                Some("is the URL your platform's gateway (gateway.qgN.apps.qualys.*)?".into())
            }
            _ => None,
        };
        ApiError {
            operation: operation.to_owned(),
            status,
            message,
            code,
            hint,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(status: u16, body: &str) -> ApiError {
        let resp = http::Response::builder()
            .status(status)
            .body(bytes::Bytes::from(body.to_owned()))
            .unwrap();
        ApiError::from_response("search activation keys", &resp)
    }

    #[test]
    fn bodies_are_described() {
        let e = err(
            400,
            r#"{"status":400,"error":"Bad Request","message":"Invalid orderBy `X`"}"#,
        );
        assert_eq!(
            e.to_string(),
            "search activation keys failed: HTTP 400: Invalid orderBy `X`"
        );
        let e = err(500, r#"{"errorCode":"CA_1001","message":"dup"}"#);
        assert_eq!(
            (e.message.as_deref(), e.code.as_deref()),
            (Some("dup"), Some("CA_1001"))
        );
        let e = err(
            409,
            "<SIMPLE_RETURN><RESPONSE><CODE>1965</CODE><TEXT>cannot be run again for another 20 seconds</TEXT></RESPONSE></SIMPLE_RETURN>",
        );
        assert_eq!(e.code.as_deref(), Some("1965"));
        assert_eq!(
            e.message.as_deref(),
            Some("cannot be run again for another 20 seconds")
        );
        let e = err(
            404,
            "<!DOCTYPE html><html><head><title>404 Not Found</title></head></html>",
        );
        assert_eq!(
            e.to_string(),
            "search activation keys failed: HTTP 404: HTML page \"404 Not Found\" \
             (hint: is the URL your platform's gateway (gateway.qgN.apps.qualys.*)?)"
        );
        assert_eq!(
            err(503, "").to_string(),
            "search activation keys failed: HTTP 503"
        );
    }
}
