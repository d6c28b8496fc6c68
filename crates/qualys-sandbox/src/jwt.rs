//! Signing and checking the sandbox's tokens (HS512, like the gateway's).

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    pub jwt_expiry_minute: String,
    pub modules_allowed: Vec<String>,
}

impl Claims {
    /// The issue sequence number encoded in `jti` (`sbx-<seq>-<random>`).
    pub fn seq(&self) -> u64 {
        self.jti
            .split('-')
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
}

pub(crate) enum Rejection {
    Expired,
    Invalid,
}

pub(crate) struct Jwt {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    seq: AtomicU64,
}

fn random_u64(salt: u64) -> u64 {
    RandomState::new().hash_one((salt, std::time::SystemTime::now()))
}

pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Jwt {
    pub fn new() -> Result<Self, crate::SandboxError> {
        let secret: Vec<u8> = (0..8u64)
            .flat_map(|i| random_u64(i).to_le_bytes())
            .collect();
        let mut validation = Validation::new(Algorithm::HS512);
        validation.set_issuer(&["qas"]);
        validation.set_audience(&["qas"]);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let key_error =
            |e: jsonwebtoken::errors::Error| crate::SandboxError::Signing(e.to_string());
        Ok(Self {
            encoding: EncodingKey::from_secret(&secret).map_err(key_error)?,
            decoding: DecodingKey::from_secret(&secret).map_err(key_error)?,
            validation,
            seq: AtomicU64::new(0),
        })
    }

    /// How many tokens have been minted.
    pub fn issued(&self) -> u64 {
        self.seq.load(Ordering::Relaxed)
    }

    /// A signed token for `sub` that expires `lifetime_secs` from now.
    pub fn mint(&self, sub: &str, lifetime_secs: i64) -> String {
        let iat = now_secs();
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let claims = Claims {
            sub: sub.to_owned(),
            iss: "qas".into(),
            aud: "qas".into(),
            iat,
            exp: iat.saturating_add(lifetime_secs),
            jti: format!("sbx-{seq}-{:016x}", random_u64(seq)),
            jwt_expiry_minute: (lifetime_secs / 60).to_string(),
            modules_allowed: vec!["CA".into(), "VM".into(), "PC".into()],
        };
        // HMAC signing with a key we built cannot fail; an empty token would simply be rejected.
        jsonwebtoken::encode(&Header::new(Algorithm::HS512), &claims, &self.encoding)
            .unwrap_or_default()
    }

    pub fn verify(&self, token: &str) -> Result<Claims, Rejection> {
        match jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation) {
            Ok(data) => Ok(data.claims),
            Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature) => {
                Err(Rejection::Expired)
            }
            Err(_) => Err(Rejection::Invalid),
        }
    }
}

/// A random opaque token (hex, not a JWT), like an encrypted gateway token.
pub(crate) fn opaque_token() -> String {
    (0..6u64)
        .map(|i| format!("{:016x}", random_u64(i)))
        .collect()
}
