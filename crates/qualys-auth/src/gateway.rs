//! The gateway base URL: validated once, joined with paths cheaply.

use std::fmt;
use std::net::IpAddr;

use crate::AuthError;

/// The base URL of a Qualys gateway (e.g. `https://gateway.qg2.apps.qualys.com`).
///
/// Parsing normalises what people paste: a missing scheme becomes `https://`, trailing slashes are
/// dropped. Plain `http://` is accepted only for loopback hosts (`127.0.0.0/8`, `::1`, `localhost`) —
/// bearer tokens never travel unencrypted over a network.
///
/// ```
/// use qualys_auth::GatewayUrl;
/// let g = GatewayUrl::parse("gateway.qg2.apps.qualys.com/")?;
/// assert_eq!(g.as_str(), "https://gateway.qg2.apps.qualys.com");
/// assert_eq!(g.join("/auth/oidc")?.to_string(), "https://gateway.qg2.apps.qualys.com/auth/oidc");
/// assert!(GatewayUrl::parse("http://127.0.0.1:8080").is_ok());
/// assert!(GatewayUrl::parse("http://gateway.qg2.apps.qualys.com").is_err());
/// # Ok::<(), qualys_auth::AuthError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct GatewayUrl {
    /// Normalised, without trailing slash.
    base: String,
    authority: http::uri::Authority,
    scheme: http::uri::Scheme,
}

impl GatewayUrl {
    /// Parses and validates a gateway base URL.
    pub fn parse(input: &str) -> Result<Self, AuthError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(AuthError::Config("the gateway URL is empty".into()));
        }
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_owned()
        } else {
            format!("https://{trimmed}")
        };
        let base = with_scheme.trim_end_matches('/').to_owned();
        let uri: http::Uri = base.parse().map_err(|e| {
            // Never echo a URL that might hold credentials.
            let shown = if trimmed.contains('@') {
                "(hidden)"
            } else {
                trimmed
            };
            AuthError::Config(format!("invalid gateway URL `{shown}`: {e}"))
        })?;
        let (Some(scheme), Some(authority)) = (uri.scheme().cloned(), uri.authority().cloned())
        else {
            return Err(AuthError::Config(format!(
                "invalid gateway URL `{trimmed}`: it needs a host"
            )));
        };
        if authority.as_str().contains('@') {
            return Err(AuthError::Config(
                "the gateway URL must not contain a user name or password: give credentials \
                 separately"
                    .into(),
            ));
        }
        if uri.query().is_some() {
            return Err(AuthError::Config(format!(
                "invalid gateway URL `{trimmed}`: a base URL has no query string"
            )));
        }
        if scheme == http::uri::Scheme::HTTP {
            if !is_loopback(authority.host()) {
                return Err(AuthError::Config(format!(
                    "refusing plain http:// for `{}`: bearer tokens are only sent over https \
                     (http is allowed for loopback hosts such as the sandbox)",
                    authority.host()
                )));
            }
        } else if scheme != http::uri::Scheme::HTTPS {
            return Err(AuthError::Config(format!(
                "invalid gateway URL `{trimmed}`: the scheme must be https"
            )));
        }
        Ok(Self {
            base,
            authority,
            scheme,
        })
    }

    /// The normalised base URL, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.base
    }

    /// The host and port requests are sent to (bearer tokens go to this authority only).
    pub fn authority(&self) -> &http::uri::Authority {
        &self.authority
    }

    /// `https`, or `http` for a loopback host.
    pub fn scheme(&self) -> &http::uri::Scheme {
        &self.scheme
    }

    /// A hint when the host looks like the UI (`qualysguard.*`) or the classic API server
    /// (`qualysapi.*`): token and activation-key APIs live on the gateway
    /// (`gateway.qgN.apps.qualys.*`).
    ///
    /// ```
    /// use qualys_auth::GatewayUrl;
    /// let g = GatewayUrl::parse("https://qualysapi.qg2.apps.qualys.com").unwrap();
    /// assert_eq!(
    ///     g.host_hint().unwrap(),
    ///     "qualysapi.qg2.apps.qualys.com is a classic API server; these APIs live on the gateway, \
    ///      e.g. https://gateway.qg2.apps.qualys.com"
    /// );
    /// ```
    pub fn host_hint(&self) -> Option<String> {
        let host = self.authority.host().to_ascii_lowercase();
        let (kind, rest) = if let Some(rest) = host.strip_prefix("qualysapi.") {
            ("a classic API server", rest)
        } else if let Some(rest) = host.strip_prefix("qualysguard.") {
            ("the web UI", rest)
        } else {
            return None;
        };
        // qualysapi.qualys.com (US1) has no qgN part: its gateway is qg1.
        let gateway = if rest.starts_with("qg") || rest.starts_with("gov") {
            format!("https://gateway.{rest}")
        } else {
            format!("https://gateway.qg1.apps.{rest}")
        };
        Some(format!(
            "{host} is {kind}; these APIs live on the gateway, e.g. {gateway}"
        ))
    }

    /// Whether the host is a loopback address.
    pub fn is_loopback(&self) -> bool {
        is_loopback(self.authority.host())
    }

    /// The absolute URI of `path` (which should start with `/`) on this gateway.
    pub fn join(&self, path: &str) -> Result<http::Uri, AuthError> {
        let sep = if path.starts_with('/') { "" } else { "/" };
        format!("{}{sep}{path}", self.base)
            .parse()
            .map_err(|e| AuthError::Config(format!("invalid request path `{path}`: {e}")))
    }
}

fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

impl fmt::Debug for GatewayUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("GatewayUrl").field(&self.base).finish()
    }
}

impl fmt::Display for GatewayUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_rule() {
        for ok in [
            "http://127.0.0.1:1",
            "http://127.5.6.7",
            "http://[::1]:80",
            "http://localhost:3000/",
            "https://example.com",
        ] {
            assert!(GatewayUrl::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.1",
            "http://example.com",
            "ftp://x",
            "http://",
            "",
        ] {
            assert!(GatewayUrl::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            GatewayUrl::parse("http://example.com")
                .unwrap_err()
                .to_string(),
            "configuration error: refusing plain http:// for `example.com`: bearer tokens are only \
             sent over https (http is allowed for loopback hosts such as the sandbox)"
        );
    }

    #[test]
    fn credentials_in_the_url_are_refused_and_not_echoed() {
        let err =
            GatewayUrl::parse("https://alice:hunter2@gateway.qg2.apps.qualys.com").unwrap_err();
        assert_eq!(
            err.to_string(),
            "configuration error: the gateway URL must not contain a user name or password: give \
             credentials separately"
        );
        let err = GatewayUrl::parse("https://alice:hunter2@[bad").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn every_platform_has_a_valid_gateway() {
        for (p, name, url) in Platform::ALL {
            assert_eq!(p.gateway().as_str(), url);
            assert_eq!(name.parse::<Platform>().unwrap(), p);
            assert_eq!(name.to_lowercase().parse::<Platform>().unwrap(), p);
        }
        assert_eq!(
            "mars1".parse::<Platform>().unwrap_err().to_string(),
            "configuration error: unknown platform `mars1`: expected one of US1, US2, US3, US4, EU1, \
             EU2, EU3, IN1, CA1, AE1, UK1, AU1, KSA1, GOV1 (or give the gateway URL)"
        );
    }

    #[test]
    fn normalises() {
        let g = GatewayUrl::parse("  https://gateway.qg1.apps.qualys.eu//  ").unwrap();
        assert_eq!(g.as_str(), "https://gateway.qg1.apps.qualys.eu");
        assert_eq!(
            g.join("caui/v1/x").unwrap().to_string(),
            "https://gateway.qg1.apps.qualys.eu/caui/v1/x"
        );
    }
}

/// A Qualys platform (POD) and its gateway. An explicit gateway URL always wins over a platform.
///
/// ```
/// use qualys_auth::Platform;
/// let p: Platform = "us2".parse()?;
/// assert_eq!(p, Platform::Us2);
/// assert_eq!(p.gateway().as_str(), "https://gateway.qg2.apps.qualys.com");
/// assert!("XX9".parse::<Platform>().is_err());
/// # Ok::<(), qualys_auth::AuthError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Platform {
    /// US1
    Us1,
    /// US2
    Us2,
    /// US3
    Us3,
    /// US4
    Us4,
    /// EU1
    Eu1,
    /// EU2
    Eu2,
    /// EU3
    Eu3,
    /// IN1
    In1,
    /// CA1
    Ca1,
    /// AE1
    Ae1,
    /// UK1
    Uk1,
    /// AU1
    Au1,
    /// KSA1
    Ksa1,
    /// GOV1
    Gov1,
}

impl Platform {
    /// Every platform, with its name and gateway (the vendor's table; peers disagree on EU3, AE1, UK1
    /// and KSA1 — pass an explicit gateway URL if yours differs).
    pub const ALL: [(Platform, &'static str, &'static str); 14] = [
        (Platform::Us1, "US1", "https://gateway.qg1.apps.qualys.com"),
        (Platform::Us2, "US2", "https://gateway.qg2.apps.qualys.com"),
        (Platform::Us3, "US3", "https://gateway.qg3.apps.qualys.com"),
        (Platform::Us4, "US4", "https://gateway.qg4.apps.qualys.com"),
        (Platform::Eu1, "EU1", "https://gateway.qg1.apps.qualys.eu"),
        (Platform::Eu2, "EU2", "https://gateway.qg2.apps.qualys.eu"),
        (Platform::Eu3, "EU3", "https://gateway.qg3.apps.qualys.it"),
        (Platform::In1, "IN1", "https://gateway.qg1.apps.qualys.in"),
        (Platform::Ca1, "CA1", "https://gateway.qg1.apps.qualys.ca"),
        (Platform::Ae1, "AE1", "https://gateway.qg1.apps.qualys.ae"),
        (
            Platform::Uk1,
            "UK1",
            "https://gateway.qg1.apps.qualys.co.uk",
        ),
        (
            Platform::Au1,
            "AU1",
            "https://gateway.qg1.apps.qualys.com.au",
        ),
        (
            Platform::Ksa1,
            "KSA1",
            "https://gateway.qg1.apps.qualysksa.com",
        ),
        (Platform::Gov1, "GOV1", "https://gateway.gov1.qualys.us"),
    ];

    fn entry(self) -> (Platform, &'static str, &'static str) {
        Self::ALL
            .into_iter()
            .find(|(p, _, _)| *p == self)
            .unwrap_or(Self::ALL[0])
    }

    /// The platform's name, e.g. `US2`.
    pub fn name(self) -> &'static str {
        self.entry().1
    }

    /// The platform's gateway URL.
    pub fn gateway(self) -> GatewayUrl {
        let url = self.entry().2;
        // The table holds valid https URLs; parsing cannot fail.
        GatewayUrl::parse(url).unwrap_or_else(|_| GatewayUrl {
            base: url.to_owned(),
            authority: http::uri::Authority::from_static("gateway.qg1.apps.qualys.com"),
            scheme: http::uri::Scheme::HTTPS,
        })
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Platform {
    type Err = AuthError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|(_, name, _)| name.eq_ignore_ascii_case(t))
            .map(|(p, _, _)| p)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|(_, n, _)| *n).collect();
                AuthError::Config(format!(
                    "unknown platform `{t}`: expected one of {} (or give the gateway URL)",
                    names.join(", ")
                ))
            })
    }
}
