//! The search request and its page.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

use crate::{ActivationKey, SearchPage, SearchRequest};

/// Builder-style setters for the generated [`SearchRequest`] (only the fields that are set are
/// sent).
///
/// ```
/// use qualys_model::{OrderBy, SearchRequest, SortOrder};
/// let req = SearchRequest::new()
///     .limit(200)
///     .sort_order(SortOrder::Dsc)
///     .order_by(OrderBy::Title)
///     .query("activationKey.isDisabled:false");
/// assert_eq!(
///     serde_json::to_string(&req)?,
///     r#"{"limit":200,"sortOrder":"DSC","orderBy":"TITLE","query":"activationKey.isDisabled:false"}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
impl SearchRequest {
    /// An empty request: every field left to the server's default.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets `limit`.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
    /// Sets `sortOrder`.
    pub fn sort_order(mut self, order: SortOrder) -> Self {
        self.sort_order = Some(order);
        self
    }
    /// Sets `orderBy`.
    pub fn order_by(mut self, field: OrderBy) -> Self {
        self.order_by = Some(field);
        self
    }
    /// Sets `query`.
    pub fn query(mut self, query: impl Into<String>) -> Self {
        self.query = Some(query.into());
        self
    }
    /// Sets `pageNumber`.
    pub fn page_number(mut self, page: u32) -> Self {
        self.page_number = Some(page);
        self
    }
}

/// Sort direction. The wire spells descending `DSC`, not `DESC`.
///
/// ```
/// use qualys_model::SortOrder;
/// assert_eq!("desc".parse::<SortOrder>(), Ok(SortOrder::Dsc));
/// assert_eq!(SortOrder::Dsc.to_string(), "DSC");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum SortOrder {
    /// Ascending (`ASC`).
    #[serde(rename = "ASC")]
    Asc,
    /// Descending (`DSC`).
    #[serde(rename = "DSC")]
    Dsc,
}

impl fmt::Display for SortOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SortOrder::Asc => "ASC",
            SortOrder::Dsc => "DSC",
        })
    }
}

impl FromStr for SortOrder {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("asc") || t.eq_ignore_ascii_case("ascending") {
            Ok(SortOrder::Asc)
        } else if ["dsc", "desc", "descending"]
            .iter()
            .any(|d| t.eq_ignore_ascii_case(d))
        {
            Ok(SortOrder::Dsc)
        } else {
            Err(format!(
                "unknown sort order `{s}`: expected ASC or DSC (desc)"
            ))
        }
    }
}

impl<'de> Deserialize<'de> for SortOrder {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The field to sort by. Unknown fields are passed through in [`OrderBy::Other`].
///
/// ```
/// use qualys_model::OrderBy;
/// assert_eq!("created_on".parse::<OrderBy>().unwrap(), OrderBy::CreatedOn);
/// assert_eq!(OrderBy::ActivationKey.as_str(), "ACTIVATION_KEY");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OrderBy {
    /// `TITLE`
    Title,
    /// `ACTIVATION_KEY`
    ActivationKey,
    /// `AGENTS`
    Agents,
    /// `CREATED_ON`
    CreatedOn,
    /// `STATUS`
    Status,
    /// `EXPIRES`
    Expires,
    /// Any other field name, sent verbatim.
    Other(String),
}

impl OrderBy {
    /// The documented fields, in the vendor's order.
    pub const DOCUMENTED: [OrderBy; 6] = [
        OrderBy::Title,
        OrderBy::ActivationKey,
        OrderBy::Agents,
        OrderBy::CreatedOn,
        OrderBy::Status,
        OrderBy::Expires,
    ];

    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            OrderBy::Title => "TITLE",
            OrderBy::ActivationKey => "ACTIVATION_KEY",
            OrderBy::Agents => "AGENTS",
            OrderBy::CreatedOn => "CREATED_ON",
            OrderBy::Status => "STATUS",
            OrderBy::Expires => "EXPIRES",
            OrderBy::Other(s) => s,
        }
    }
}

impl fmt::Display for OrderBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrderBy {
    type Err = std::convert::Infallible;
    /// Case-insensitive; `-` and `_` are interchangeable. Never fails: unknown names become `Other`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().replace('-', "_");
        Ok(Self::DOCUMENTED
            .into_iter()
            .find(|o| o.as_str().eq_ignore_ascii_case(&norm))
            .unwrap_or_else(|| OrderBy::Other(s.trim().to_owned())))
    }
}

impl Serialize for OrderBy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for OrderBy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let Ok(o) = s.parse();
        Ok(o)
    }
}

impl SearchPage {
    /// Builds a page from its parts.
    pub fn new(
        page_size: Option<u64>,
        total_count: Option<u64>,
        no_of_pages: Option<u64>,
        content: Vec<ActivationKey>,
    ) -> Self {
        Self {
            page_size,
            total_count,
            no_of_pages,
            content,
        }
    }
}
