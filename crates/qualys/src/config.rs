//! Where settings come from: explicit builder calls, then the environment, then a profile file.
//!
//! * Environment: `QUALYS_GATEWAY_URL`, `QUALYS_PLATFORM`, `QUALYS_CLIENT_ID`, `QUALYS_CLIENT_SECRET`,
//!   `QUALYS_USERNAME`, `QUALYS_PASSWORD`, `QUALYS_TOKEN`, `QUALYS_AUTH_ENDPOINT` (`oidc` | `oauth`),
//!   `QUALYS_TOKEN_ENCRYPTION` (e.g. `RSA512`).
//! * Profile file: `$XDG_CONFIG_HOME/qualys/config.toml` (or `~/.config/qualys/config.toml`), one
//!   table per profile with the same settings in snake case; `QUALYS_PROFILE` picks one (default
//!   `default`):
//!
//! ```toml
//! [default]
//! platform = "US2"
//! client_id = "abc"
//! client_secret = "..."   # keep the file private: chmod 600
//!
//! [eu]
//! gateway_url = "https://gateway.qg1.apps.qualys.eu"
//! token = "eyJ..."
//! ```
//!
//! The gateway comes from the first layer that names one (within a layer a URL beats a platform);
//! the credential from the first layer that holds a complete one (client credentials, else
//! username and password, else a static token). A half-given credential is an error naming what is
//! missing. A secret in a profile file that other users can read gets a warning.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use qualys_auth::{
    ClientCredentials, CredentialsEndpoint, GatewayUrl, PasswordCredentials, Platform, StaticToken,
    TokenEncryption, TokenSource,
};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::Error;

/// Reads an environment-like variable.
pub type LookupFn = dyn Fn(&str) -> Option<String>;

/// Settings of one layer (explicit, environment or a profile).
#[derive(Default, Deserialize)]
#[serde(default)]
pub(crate) struct Layer {
    pub gateway_url: Option<String>,
    pub platform: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<Zeroizing<String>>,
    pub username: Option<String>,
    pub password: Option<Zeroizing<String>>,
    pub token: Option<Zeroizing<String>>,
    pub auth_endpoint: Option<String>,
    pub token_encryption: Option<String>,
}

impl Layer {
    fn has_secret(&self) -> bool {
        self.client_secret.is_some() || self.password.is_some() || self.token.is_some()
    }

    fn from_lookup(lookup: &LookupFn) -> Layer {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        Layer {
            gateway_url: get("QUALYS_GATEWAY_URL"),
            platform: get("QUALYS_PLATFORM"),
            client_id: get("QUALYS_CLIENT_ID"),
            client_secret: get("QUALYS_CLIENT_SECRET").map(Zeroizing::new),
            username: get("QUALYS_USERNAME"),
            password: get("QUALYS_PASSWORD").map(Zeroizing::new),
            token: get("QUALYS_TOKEN").map(Zeroizing::new),
            auth_endpoint: get("QUALYS_AUTH_ENDPOINT"),
            token_encryption: get("QUALYS_TOKEN_ENCRYPTION"),
        }
    }
}

/// The names a layer's settings go by, for messages.
struct Names {
    origin: String,
    client_id: &'static str,
    client_secret: &'static str,
    username: &'static str,
    password: &'static str,
}

const ENV_NAMES: Names = Names {
    origin: String::new(),
    client_id: "QUALYS_CLIENT_ID",
    client_secret: "QUALYS_CLIENT_SECRET",
    username: "QUALYS_USERNAME",
    password: "QUALYS_PASSWORD",
};

fn names(origin: &str) -> Names {
    match origin {
        "environment" => Names {
            origin: origin.into(),
            ..ENV_NAMES
        },
        _ => Names {
            origin: origin.into(),
            client_id: "client_id",
            client_secret: "client_secret",
            username: "username",
            password: "password",
        },
    }
}

/// What the layers resolve to.
pub(crate) struct Resolved {
    pub gateway: GatewayUrl,
    pub source: Option<Arc<dyn TokenSource>>,
    pub warnings: Vec<String>,
}

/// The profile file's path: `$XDG_CONFIG_HOME/qualys/config.toml`, else
/// `$HOME/.config/qualys/config.toml`.
pub fn profile_path(lookup: &LookupFn) -> Option<PathBuf> {
    let base = lookup("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| lookup("HOME").map(|h| Path::new(&h).join(".config")))?;
    Some(base.join("qualys").join("config.toml"))
}

/// Reads the chosen profile, if the file exists. An explicitly chosen profile that is missing is an
/// error; so is a file that does not parse (the error gives the line, never the text).
fn load_profile(
    lookup: &LookupFn,
    chosen: Option<&str>,
    warnings: &mut Vec<String>,
) -> Result<Option<(Layer, String)>, Error> {
    let explicit_choice = chosen
        .map(str::to_owned)
        .or_else(|| lookup("QUALYS_PROFILE").filter(|p| !p.is_empty()));
    let name = explicit_choice.clone().unwrap_or_else(|| "default".into());
    let Some(path) = profile_path(lookup) else {
        return Ok(None);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => Zeroizing::new(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return match explicit_choice {
                Some(p) => Err(Error::Config(format!(
                    "profile \"{p}\" was asked for, but {} does not exist",
                    path.display()
                ))),
                None => Ok(None),
            };
        }
        Err(e) => {
            return Err(Error::Config(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    let mut profiles: std::collections::BTreeMap<String, Layer> =
        toml::from_str(&text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1))
                .unwrap_or(0);
            Error::Config(format!(
                "{} is not a valid profile file (line {line}): {}",
                path.display(),
                e.message()
            ))
        })?;
    let Some(layer) = profiles.remove(&name) else {
        return match explicit_choice {
            Some(p) => Err(Error::Config(format!(
                "profile \"{p}\" is not in {} (it has: {})",
                path.display(),
                profiles.keys().cloned().collect::<Vec<_>>().join(", ")
            ))),
            None => Ok(None),
        };
    };
    if layer.has_secret() && readable_by_others(&path) {
        let msg = format!(
            "{} holds a secret and other users can read it: run `chmod 600 {}`",
            path.display(),
            path.display()
        );
        tracing::warn!("{msg}");
        warnings.push(msg);
    }
    Ok(Some((layer, format!("profile \"{name}\""))))
}

#[cfg(unix)]
fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o044 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn readable_by_others(_path: &Path) -> bool {
    false
}

/// Resolves explicit settings, then the environment, then the profile.
pub(crate) fn resolve(
    explicit: Layer,
    explicit_source: Option<Arc<dyn TokenSource>>,
    lookup: Option<&LookupFn>,
    profile: Option<&str>,
) -> Result<Resolved, Error> {
    let mut warnings = Vec::new();
    let mut layers: Vec<(Layer, Names)> = vec![(explicit, names("explicit settings"))];
    if let Some(lookup) = lookup {
        layers.push((Layer::from_lookup(lookup), names("environment")));
        if let Some((layer, origin)) = load_profile(lookup, profile, &mut warnings)? {
            layers.push((layer, names(&origin)));
        }
    }
    let first = |f: fn(&Layer) -> Option<&String>| layers.iter().find_map(|(l, _)| f(l).cloned());
    let endpoint = first(|l| l.auth_endpoint.as_ref())
        .map(|e| e.parse::<CredentialsEndpoint>())
        .transpose()?
        .unwrap_or_default();
    let encryption = first(|l| l.token_encryption.as_ref()).map(|e| {
        let Ok(enc) = e.parse::<TokenEncryption>();
        enc
    });

    let mut gateway = None;
    for (layer, _) in &layers {
        if let Some(url) = &layer.gateway_url {
            gateway = Some(GatewayUrl::parse(url)?);
        } else if let Some(platform) = &layer.platform {
            gateway = Some(platform.parse::<Platform>()?.gateway());
        }
        if gateway.is_some() {
            break;
        }
    }

    let mut source = explicit_source;
    if source.is_none() {
        for (layer, names) in &layers {
            if let Some(s) = credential(layer, names, &endpoint, &encryption)? {
                source = Some(s);
                break;
            }
        }
    }

    let Some(gateway) = gateway else {
        let mut missing = vec!["QUALYS_GATEWAY_URL (or QUALYS_PLATFORM)"];
        if source.is_none() {
            missing.push(CREDENTIAL_VARS);
        }
        return Err(Error::Config(format!("not set: {}", missing.join("; "))));
    };
    Ok(Resolved {
        gateway,
        source,
        warnings,
    })
}

/// The environment variables a credential can come from, for messages.
pub(crate) const CREDENTIAL_VARS: &str = "QUALYS_CLIENT_ID and QUALYS_CLIENT_SECRET (or \
     QUALYS_USERNAME and QUALYS_PASSWORD, or QUALYS_TOKEN)";

fn credential(
    layer: &Layer,
    names: &Names,
    endpoint: &CredentialsEndpoint,
    encryption: &Option<TokenEncryption>,
) -> Result<Option<Arc<dyn TokenSource>>, Error> {
    let half = |given: &str, missing: &str| {
        let within = if names.origin == "environment" {
            String::new()
        } else {
            format!(" in {}", names.origin)
        };
        Error::Config(format!("{given} is set but {missing} is not{within}"))
    };
    match (&layer.client_id, &layer.client_secret) {
        (Some(id), Some(secret)) => {
            let mut c = ClientCredentials::new(id.clone(), secret.as_str())
                .endpoint(*endpoint)
                .origin(names.origin.clone());
            if let Some(enc) = encryption {
                c = c.encryption(enc.clone());
            }
            return Ok(Some(Arc::new(c)));
        }
        (Some(_), None) => return Err(half(names.client_id, names.client_secret)),
        (None, Some(_)) => return Err(half(names.client_secret, names.client_id)),
        (None, None) => {}
    }
    match (&layer.username, &layer.password) {
        (Some(user), Some(password)) => {
            return Ok(Some(Arc::new(
                PasswordCredentials::new(user.clone(), password.as_str())
                    .origin(names.origin.clone()),
            )));
        }
        (Some(_), None) => return Err(half(names.username, names.password)),
        (None, Some(_)) => return Err(half(names.password, names.username)),
        (None, None) => {}
    }
    Ok(layer.token.as_ref().map(|t| {
        Arc::new(StaticToken::new(t.as_str()).origin(names.origin.clone())) as Arc<dyn TokenSource>
    }))
}

impl std::fmt::Debug for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redact = |s: &Option<Zeroizing<String>>| s.as_ref().map(|_| "[REDACTED]");
        f.debug_struct("Layer")
            .field("gateway_url", &self.gateway_url)
            .field("platform", &self.platform)
            .field("client_id", &self.client_id)
            .field("client_secret", &redact(&self.client_secret))
            .field("username", &self.username)
            .field("password", &redact(&self.password))
            .field("token", &redact(&self.token))
            .finish()
    }
}
