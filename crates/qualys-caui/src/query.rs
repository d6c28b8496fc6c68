//! A small typed builder for the documented query tokens.

use std::fmt;

/// A search query: typed terms for the documented tokens, or a raw string sent verbatim.
///
/// How the vendor combines several terms is undocumented; terms are joined with ` and ` (the
/// sandbox accepts that and bare spaces). A raw string on its own is sent unaltered; typed terms
/// added to it are joined to it the same way. A key containing spaces or quotes is quoted, so it
/// stays one term.
///
/// ```
/// use qualys_caui::KeyQuery;
/// assert_eq!(KeyQuery::new().is_disabled(false).to_string(), "activationKey.isDisabled:false");
/// assert_eq!(
///     KeyQuery::new().count_purchased(0).id(42).to_string(),
///     "activationKey.countPurchased:0 and activationKey.id:42"
/// );
/// assert_eq!(
///     KeyQuery::new().key("123456-1a2b-1a2b-1a2b-12ab12b2b123").to_string(),
///     "activationKey:123456-1a2b-1a2b-1a2b-12ab12b2b123"
/// );
/// assert_eq!(KeyQuery::raw("qualys.agent.activationKey.id: 7").to_string(), "qualys.agent.activationKey.id: 7");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyQuery {
    terms: Vec<String>,
    raw: Option<String>,
}

impl KeyQuery {
    /// An empty query (every key).
    pub fn new() -> Self {
        Self::default()
    }

    /// A query sent exactly as given.
    pub fn raw(text: impl Into<String>) -> Self {
        Self {
            terms: Vec::new(),
            raw: Some(text.into()),
        }
    }

    fn term(mut self, term: String) -> Self {
        self.terms.push(term);
        self
    }

    /// `activationKey.isDisabled:<bool>`.
    pub fn is_disabled(self, disabled: bool) -> Self {
        self.term(format!("activationKey.isDisabled:{disabled}"))
    }

    /// `activationKey.countPurchased:<n>` (`0` matches unlimited keys).
    pub fn count_purchased(self, n: u64) -> Self {
        self.term(format!("activationKey.countPurchased:{n}"))
    }

    /// `activationKey.id:<id>`.
    pub fn id(self, id: u64) -> Self {
        self.term(format!("activationKey.id:{id}"))
    }

    /// `activationKey:<key>` (the activation key's GUID-like text).
    pub fn key(self, key: impl AsRef<str>) -> Self {
        let k = key.as_ref();
        if k.chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '\'')
        {
            let escaped = k.replace('"', "");
            self.term(format!("activationKey:\"{escaped}\""))
        } else {
            self.term(format!("activationKey:{k}"))
        }
    }
}

impl fmt::Display for KeyQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<&str> = self.raw.iter().map(String::as_str).collect();
        parts.extend(self.terms.iter().map(String::as_str));
        f.write_str(&parts.join(" and "))
    }
}

impl From<&str> for KeyQuery {
    fn from(s: &str) -> Self {
        KeyQuery::raw(s)
    }
}

impl From<String> for KeyQuery {
    fn from(s: String) -> Self {
        KeyQuery::raw(s)
    }
}
