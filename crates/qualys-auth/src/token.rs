//! Tokens: the secret value, the claims read without verification, and the expiry.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};

use crate::DEFAULT_TOKEN_LIFETIME;

/// The claims of a gateway JWT that the client uses, read **without verifying the signature**.
///
/// They schedule refresh and feed `qualys auth status`; never base a security decision on them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Claims {
    /// Subject (the user or client).
    #[serde(default, deserialize_with = "lenient_string")]
    pub sub: Option<String>,
    /// Issuer (`qas` on the gateway).
    #[serde(default, deserialize_with = "lenient_string")]
    pub iss: Option<String>,
    /// Issue time, seconds since the Unix epoch.
    #[serde(default, deserialize_with = "lenient_seconds")]
    pub iat: Option<i64>,
    /// Expiry, seconds since the Unix epoch.
    #[serde(default, deserialize_with = "lenient_seconds")]
    pub exp: Option<i64>,
    /// Token id.
    #[serde(default, deserialize_with = "lenient_string")]
    pub jti: Option<String>,
}

impl Claims {
    /// Reads the claims of a JWT without verifying it. `None` when the token is not a decodable JWT.
    ///
    /// ```
    /// // The vendor's documentation sample is missing a character: it is opaque.
    /// let sample = include_str!("../../qualys-sandbox/fixtures/seed-oidc-token-response.txt");
    /// let sample: String = sample.split_whitespace().collect();
    /// assert_eq!(qualys_auth::Claims::decode_unverified(&sample), None);
    /// ```
    pub fn decode_unverified(token: &str) -> Option<Claims> {
        jsonwebtoken::dangerous::insecure_decode_claims::<Claims>(token).ok()
    }
}

/// Accepts a string or a number; anything else (arrays, objects) is "absent" rather than a reason
/// to ignore the whole token.
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// Accepts integer, float or numeric-string seconds; anything else is "absent".
fn lenient_seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        serde_json::Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    })
}

/// Where a token's expiry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpirySource {
    /// The JWT's `exp` claim.
    Jwt,
    /// The token was opaque (or had no `exp`): the documented lifetime from the time it was received.
    AssumedLifetime,
}

/// An access token. Its value is a secret: `Debug` shows only its metadata, and the token's own
/// buffer is zeroized when the last reference is dropped. (The prepared `Authorization` header value
/// is a separate copy that `http::HeaderValue` cannot zeroize; it is marked sensitive.)
pub struct Token {
    value: SecretString,
    authorization: http::HeaderValue,
    claims: Option<Claims>,
    received_at: SystemTime,
    expires_at: SystemTime,
    expiry_source: ExpirySource,
    generation: u64,
}

impl Token {
    /// Builds a token from its raw value, received at `received_at`; `generation` identifies this
    /// token within a cache. Fails only if the value cannot be an HTTP header (validated by
    /// [`parse_token_body`] already).
    pub fn new(
        value: SecretString,
        received_at: SystemTime,
        generation: u64,
    ) -> Result<Self, String> {
        let header_text = zeroize::Zeroizing::new(format!("Bearer {}", value.expose_secret()));
        let mut authorization = http::HeaderValue::from_str(&header_text)
            .map_err(|_| "the token contains characters not allowed in a header".to_owned())?;
        authorization.set_sensitive(true);
        let claims = Claims::decode_unverified(value.expose_secret());
        let (expires_at, expiry_source) = match claims.as_ref().and_then(|c| c.exp) {
            Some(exp) => (epoch_seconds(exp), ExpirySource::Jwt),
            None => (
                received_at + DEFAULT_TOKEN_LIFETIME,
                ExpirySource::AssumedLifetime,
            ),
        };
        Ok(Self {
            value,
            authorization,
            claims,
            received_at,
            expires_at,
            expiry_source,
            generation,
        })
    }

    /// The raw token. Handle with care: this is the bearer credential.
    pub fn secret(&self) -> &SecretString {
        &self.value
    }

    /// The `Authorization: Bearer …` header value, marked sensitive.
    pub fn authorization(&self) -> &http::HeaderValue {
        &self.authorization
    }

    /// The decoded (unverified) claims; `None` for an opaque token.
    pub fn claims(&self) -> Option<&Claims> {
        self.claims.as_ref()
    }

    /// When the token was received.
    pub fn received_at(&self) -> SystemTime {
        self.received_at
    }

    /// When the token expires (from `exp`, or the assumed lifetime).
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// Where [`expires_at`](Self::expires_at) came from.
    pub fn expiry_source(&self) -> ExpirySource {
        self.expiry_source
    }

    /// The cache generation of this token (increases with every fetch).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether the token has expired at `now`.
    pub fn is_expired_at(&self, now: SystemTime) -> bool {
        now >= self.expires_at
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("value", &"[REDACTED]")
            .field("sub", &self.claims.as_ref().and_then(|c| c.sub.as_deref()))
            .field("expires_at", &self.expires_at)
            .field("expiry_source", &self.expiry_source)
            .field("generation", &self.generation)
            .finish()
    }
}

fn epoch_seconds(secs: i64) -> SystemTime {
    if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    }
}

/// Extracts the token from a token endpoint's response body.
///
/// The gateway answers with the raw JWT as text. Surrounding whitespace and line breaks are trimmed
/// (and a token wrapped over lines is joined: a JWT has no whitespace), a token in quotes or in a small
/// JSON object (`access_token` / `token`) is accepted. An empty body or an HTML page is an error; the
/// error never contains the body.
///
/// ```
/// use qualys_auth::{ExposeSecret, parse_token_body};
/// assert_eq!(parse_token_body(b"  eyJa.eyJb.c\r\n").unwrap().expose_secret(), "eyJa.eyJb.c");
/// assert_eq!(parse_token_body(br#"{"access_token":"abc"}"#).unwrap().expose_secret(), "abc");
/// assert_eq!(
///     parse_token_body(b"<html><title>404 Not Found</title></html>").unwrap_err(),
///     "the body is an HTML page (\"404 Not Found\"), not a token: is the URL your platform's gateway?"
/// );
/// ```
pub fn parse_token_body(body: &[u8]) -> Result<SecretString, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8 text".to_owned())?;
    let text = text.trim();
    if text.is_empty() {
        return Err("the body is empty".into());
    }
    if text.starts_with('<') {
        let title = crate::error::snippet(text.as_bytes());
        let title = title.strip_prefix("HTML page ").unwrap_or("untitled");
        return Err(format!(
            "the body is an HTML page ({title}), not a token: is the URL your platform's gateway?"
        ));
    }
    let unwrapped: SecretString = if text.starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(text)
            .map_err(|_| "the body is neither a token nor valid JSON".to_owned())?;
        ["access_token", "accessToken", "token"]
            .iter()
            .find_map(|k| v.get(*k).and_then(|t| t.as_str()))
            .map(SecretString::from)
            .ok_or_else(|| {
                "the body is a JSON object without an `access_token` or `token` field".to_owned()
            })?
    } else if text.starts_with('"') {
        let s: String = serde_json::from_str(text)
            .map_err(|_| "the body is a quoted string that is not valid JSON".to_owned())?;
        SecretString::from(s)
    } else {
        SecretString::from(text)
    };
    let joined: String = unwrapped.expose_secret().split_ascii_whitespace().collect();
    if joined.is_empty() {
        return Err("the body holds an empty token".into());
    }
    if !joined.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("the body contains characters a token cannot have".into());
    }
    Ok(SecretString::from(joined))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../qualys-sandbox/fixtures/seed-oidc-token-response.txt");

    #[test]
    fn vendor_sample_is_opaque_with_four_hour_lifetime() {
        let value = parse_token_body(SAMPLE.as_bytes()).unwrap();
        assert!(!value.expose_secret().contains('\n'));
        assert!(
            value
                .expose_secret()
                .starts_with("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIi")
        );
        let t0 = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let token = Token::new(value, t0, 1).unwrap();
        assert_eq!(token.claims(), None);
        assert_eq!(token.expiry_source(), ExpirySource::AssumedLifetime);
        assert_eq!(token.expires_at(), t0 + Duration::from_secs(14_400));
    }

    #[test]
    fn odd_claim_types_do_not_hide_the_expiry() {
        // Unsigned token with a numeric jti and an array iss: exp must still be read.
        let claims = r#"{"sub":7,"iss":["a","b"],"jti":123,"iat":1800000000,"exp":1800003600}"#;
        let b64 = |s: &str| {
            const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let bytes = s.as_bytes();
            let mut out = String::new();
            for chunk in bytes.chunks(3) {
                let n = chunk
                    .iter()
                    .enumerate()
                    .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
                for i in 0..=chunk.len() {
                    out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
                }
            }
            out
        };
        let token = format!(
            "{}.{}.sig",
            b64(r#"{"alg":"HS512","typ":"JWT"}"#),
            b64(claims)
        );
        let t = Token::new(SecretString::from(token), UNIX_EPOCH, 1).unwrap();
        assert_eq!(t.expiry_source(), ExpirySource::Jwt);
        assert_eq!(
            t.expires_at(),
            UNIX_EPOCH + Duration::from_secs(1_800_003_600)
        );
        let c = t.claims().unwrap();
        assert_eq!(
            (c.sub.as_deref(), c.iss.as_deref(), c.jti.as_deref()),
            (Some("7"), None, Some("123"))
        );
    }

    #[test]
    fn debug_redacts() {
        let token = Token::new(SecretString::from("s3cr3t-token"), UNIX_EPOCH, 7).unwrap();
        let dbg = format!("{token:?}");
        assert!(!dbg.contains("s3cr3t"), "{dbg}");
        assert!(dbg.contains("[REDACTED]"));
        assert!(!format!("{:?}", token.authorization()).contains("s3cr3t"));
    }

    #[test]
    fn bodies() {
        assert_eq!(parse_token_body(b"").unwrap_err(), "the body is empty");
        assert_eq!(
            parse_token_body(b" \r\n ").unwrap_err(),
            "the body is empty"
        );
        assert_eq!(
            parse_token_body(br#""abc.def""#).unwrap().expose_secret(),
            "abc.def"
        );
        assert_eq!(
            parse_token_body(br#"{"token":"t1"}"#)
                .unwrap()
                .expose_secret(),
            "t1"
        );
        assert_eq!(
            parse_token_body(br#"{"nope":1}"#).unwrap_err(),
            "the body is a JSON object without an `access_token` or `token` field"
        );
        assert_eq!(
            parse_token_body(&[0xff, 0xfe]).unwrap_err(),
            "the body is not UTF-8 text"
        );
        assert_eq!(
            parse_token_body("tok\u{7f}en".as_bytes()).unwrap_err(),
            "the body contains characters a token cannot have"
        );
    }
}
