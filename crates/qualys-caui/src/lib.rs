//! Cloud Agent (CAUI v1) operations: activation keys.
//!
//! ```no_run
//! # async fn demo(transport: qualys_transport::Transport) -> Result<(), qualys_transport::Error> {
//! use qualys_caui::ActivationKeys;
//! use qualys_model::{OrderBy, SortOrder};
//!
//! let keys = ActivationKeys::new(transport);
//! // One page:
//! let page = keys.search().query("activationKey.isDisabled:false").limit(50).send().await?;
//! // Every page, never mistaking a partial list for a complete one:
//! let mut pager = keys.search().order_by(OrderBy::Title).sort_order(SortOrder::Asc).pages();
//! while let Some(page) = pager.next_page().await? {
//!     for key in &page.content {
//!         println!("{} {:?}", key.id, key.title);
//!     }
//! }
//! assert!(pager.completeness().is_some_and(|c| c.is_complete()));
//! # Ok(()) }
//! ```

mod keys;
mod pager;
mod query;

pub use keys::{ActivationKeys, CREATE_PATH, Change, KeyState, SEARCH_PATH, SearchBuilder};
pub use pager::{
    Completeness, DEFAULT_MAX_PAGES, KeyStream, MAX_PAGE_FAILURES, Pager, Truncation,
    TruncationReason,
};
pub use qualys_transport::Error;
pub use query::KeyQuery;
