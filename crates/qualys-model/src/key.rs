//! The activation-key object.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::codes::{KeyType, KeyTypeKind, License};

/// One Cloud Agent activation key, as returned by search and get.
///
/// Every field but `id` is optional because list items may omit fields that get returns. A field that
/// was absent stays absent when the key is serialised again, and fields this crate does not know are
/// kept in [`extra`](Self::extra), so `serde_json::to_value(key)` reproduces what the vendor sent.
///
/// ```
/// use qualys_model::{ActivationKey, AgentLimit, Expiry};
/// let key: ActivationKey = serde_json::from_str(
///     r#"{"id": 1, "countPurchased": 0, "keyType": "Unlimited", "expireDate": null, "newField": 3}"#,
/// )?;
/// assert_eq!(key.agent_limit(), Some(AgentLimit::Unlimited));
/// assert_eq!(key.expire_date, Some(Expiry::Never));
/// assert_eq!(key.extra["newField"], 3);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ActivationKey {
    /// The key's numeric id (used by get, update, toggle and delete).
    pub id: u64,
    /// The key's title (unique per subscription by convention).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The activation key itself, a GUID-like string agents are installed with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation_key: Option<String>,
    /// The network id, `0` when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_id: Option<u64>,
    /// Number of agents using the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count_used: Option<u64>,
    /// Maximum number of agents; **`0` means unlimited** — prefer [`agent_limit`](Self::agent_limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count_purchased: Option<u64>,
    /// Creation time as sent: a zone-less local date-time with 0–9 fractional digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_purchased: Option<String>,
    /// First name of the key's creator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name of the key's creator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// User name of the key's creator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// The key type (`Unlimited`, or a legacy / unknown type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_type: Option<KeyType>,
    /// Whether the key is disabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_disabled: Option<bool>,
    /// Expiry: absent (`None`), `null` ([`Expiry::Never`]) or a date.
    #[serde(
        default,
        deserialize_with = "expiry_present",
        skip_serializing_if = "Option::is_none"
    )]
    pub expire_date: Option<Expiry>,
    /// License codes; a single string or `null` where a list is expected is accepted.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Option::is_none"
    )]
    pub licenses: Option<Vec<License>>,
    /// Tags (documented as integer tag ids; kept as raw JSON because responses are undocumented).
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Option::is_none"
    )]
    pub tags: Option<Vec<Value>>,
    /// Whether changes apply to agents already installed with the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_to_existing_agents: Option<bool>,
    /// Fields this version of the crate does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ActivationKey {
    /// A key with only its id set; the other fields absent.
    pub fn new(id: u64) -> Self {
        Self {
            id,
            title: None,
            activation_key: None,
            network_id: None,
            count_used: None,
            count_purchased: None,
            date_purchased: None,
            first_name: None,
            last_name: None,
            user_name: None,
            key_type: None,
            is_disabled: None,
            expire_date: None,
            licenses: None,
            tags: None,
            apply_to_existing_agents: None,
            extra: Map::new(),
        }
    }

    /// How many agents may use the key, with the vendor's "`0` means unlimited" rule applied.
    ///
    /// `None` when the response carried neither `countPurchased` nor an unlimited key type.
    pub fn agent_limit(&self) -> Option<AgentLimit> {
        match self.count_purchased {
            Some(0) => Some(AgentLimit::Unlimited),
            Some(n) => Some(AgentLimit::Limited(n)),
            None => match self.key_type.as_ref().map(KeyType::code) {
                Some(KeyTypeKind::Unlimited) => Some(AgentLimit::Unlimited),
                _ => None,
            },
        }
    }
}

/// The number of agents a key admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AgentLimit {
    /// No cap (`countPurchased: 0` on the wire).
    Unlimited,
    /// At most this many agents.
    Limited(u64),
}

/// A key's expiry, when the field is present.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Expiry {
    /// `null` on the wire: the key never expires.
    Never,
    /// A date or date-time, as the vendor wrote it (format undocumented).
    On(String),
}

impl Serialize for Expiry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Expiry::Never => s.serialize_none(),
            Expiry::On(text) => s.serialize_str(text),
        }
    }
}

impl<'de> Deserialize<'de> for Expiry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Option::<Value>::deserialize(d)? {
            None => Expiry::Never,
            Some(Value::String(s)) => Expiry::On(s),
            // Epoch numbers or anything else: keep the raw text rather than fail the page.
            Some(other) => Expiry::On(other.to_string()),
        })
    }
}

/// Called only when the field is present: `null` becomes `Some(Expiry::Never)`.
fn expiry_present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Expiry>, D::Error> {
    Expiry::deserialize(d).map(Some)
}

/// A list, a single value, or `null` (kept as absent).
fn one_or_many<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
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
