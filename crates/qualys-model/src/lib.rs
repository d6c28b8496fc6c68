//! Wire types of the Qualys Cloud Agent API (CAUI v1 activation keys).
//!
//! The types follow one rule: **tolerant reader, strict writer**.
//!
//! * Unknown fields are kept (in [`ActivationKey::extra`]) and written back unchanged, so a field the
//!   vendor adds tomorrow survives a round trip through this crate.
//! * Enum-like strings ([`License`], [`KeyType`], [`OrderBy`]) have an `Other(String)` case and keep the
//!   vendor's original spelling on output.
//! * `null`, a missing list, and a single value where a list is expected are all accepted.
//! * Requests ([`SearchRequest`]) serialise only what was set, with the vendor's exact spellings
//!   (`DSC`, not `DESC`).
//!
//! ```
//! use qualys_model::{SearchPage, License, LicenseCode};
//!
//! let page: SearchPage = serde_json::from_str(r#"{
//!     "pageSize": 1, "totalCount": 1, "noOfPages": 1,
//!     "content": [{"id": 7, "title": "k", "licenses": ["vm", "NEW_THING"], "expireDate": null}]
//! }"#)?;
//! let licenses = page.content[0].licenses.as_deref().unwrap_or_default();
//! assert_eq!(licenses[0].code(), &LicenseCode::Vm);
//! assert_eq!(licenses[0].as_str(), "vm"); // original spelling kept
//! assert_eq!(licenses[1].code(), &LicenseCode::Other("NEW_THING".into()));
//! # Ok::<(), serde_json::Error>(())
//! ```

mod codes;
mod dates;
mod generated;
mod key;
mod requests;
mod search;
mod tolerant;

pub use codes::{KeyType, KeyTypeKind, License, LicenseCode};
pub use dates::{Date, LocalDateTime, VendorDateTime};
pub use generated::{ActivationKey, CreateKeyRequest, SearchPage, SearchRequest, UpdateKeyRequest};
pub use key::{AgentLimit, Expiry};
pub use requests::{MAX_AGENTS_ALLOWED, RequestError};
pub use search::{OrderBy, SortOrder};
