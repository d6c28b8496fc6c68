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
