//! Tolerant readers used by the generated wire structs.

use serde::{Deserialize, Deserializer};

use crate::{ActivationKey, Expiry};

/// Called only when the field is present: `null` becomes `Some(Expiry::Never)`.
pub(crate) fn expiry_present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Expiry>, D::Error> {
    Expiry::deserialize(d).map(Some)
}

/// A list, a single value, or `null` (kept as absent).
pub(crate) fn one_or_many<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany<T> {
        Many(Vec<T>),
        One(T),
    }
    Ok(match Option::<OneOrMany<T>>::deserialize(d)? {
        None => None,
        Some(OneOrMany::Many(v)) => Some(v),
        Some(OneOrMany::One(t)) => Some(vec![t]),
    })
}

/// `null` is an empty list; a missing field is still an error (the struct has no default).
pub(crate) fn null_as_empty<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Vec<ActivationKey>, D::Error> {
    Ok(Option::<Vec<ActivationKey>>::deserialize(d)?.unwrap_or_default())
}

/// A number, or a numeric string; anything else (text, negative, fractional) is absent.
pub(crate) fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// A boolean, or `"true"` / `"false"` in any case; anything else is absent.
pub(crate) fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Bool(b) => Some(b),
        serde_json::Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        serde_json::Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    })
}

/// A string, or a number or boolean as its text; objects and arrays are absent.
pub(crate) fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}
