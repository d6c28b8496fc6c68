//! The activation-key object.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::codes::{KeyType, KeyTypeKind};
use crate::{ActivationKey, VendorDateTime};

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

impl Expiry {
    /// The expiry date, when the key expires and the text parses.
    pub fn date(&self) -> Option<crate::Date> {
        match self {
            Expiry::Never => None,
            Expiry::On(when) => when.date(),
        }
    }
}

/// A key's expiry, when the field is present.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Expiry {
    /// `null` on the wire: the key never expires.
    Never,
    /// A date or date-time, kept as the vendor wrote it (format undocumented).
    On(VendorDateTime),
}

impl Serialize for Expiry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Expiry::Never => s.serialize_none(),
            Expiry::On(when) => when.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Expiry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Option::<Value>::deserialize(d)? {
            None => Expiry::Never,
            Some(Value::String(s)) => Expiry::On(VendorDateTime::from(s)),
            // Epoch numbers or anything else: keep the raw text rather than fail the page.
            Some(other) => Expiry::On(VendorDateTime::from(other.to_string())),
        })
    }
}
