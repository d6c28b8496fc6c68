//! Walking every page of a search, honestly.

use std::collections::HashSet;
use std::fmt;

use qualys_model::{SearchPage, SearchRequest};
use qualys_transport::{Error, Transport};

use crate::keys::search_page;

/// Whether a finished walk saw everything.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Completeness {
    /// Every matching key was returned (as far as the server's counts tell).
    Complete,
    /// The walk stopped before the server's `totalCount`, or cannot vouch for its result.
    Truncated(Truncation),
}

impl Completeness {
    /// `true` for [`Completeness::Complete`].
    pub fn is_complete(&self) -> bool {
        matches!(self, Completeness::Complete)
    }
}

/// How a walk fell short.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Truncation {
    /// Why.
    pub reason: TruncationReason,
    /// Keys received.
    pub received: u64,
    /// The server's `totalCount`, when it sent one.
    pub expected: Option<u64>,
}

/// Why a walk is truncated.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TruncationReason {
    /// The caller's `max_items` cap was reached.
    ItemLimit(u64),
    /// A page repeated keys of the previous page: the server does not honour `pageNumber`.
    PagingIgnored {
        /// The page that repeated keys.
        page: u32,
    },
    /// `totalCount` changed during the walk (keys were added or removed): keys may have been missed
    /// or seen twice.
    TotalCountChanged {
        /// The count at the first page.
        from: u64,
        /// The count that differed.
        to: u64,
    },
    /// The server ran out of pages (empty page, or `noOfPages` reached) before `totalCount` keys.
    EndedEarly,
}

impl fmt::Display for Truncation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.expected {
            Some(total) => write!(f, "got {} of {} keys: ", self.received, total)?,
            None => write!(f, "got {} keys: ", self.received)?,
        }
        match &self.reason {
            TruncationReason::ItemLimit(n) => write!(f, "stopped at the limit of {n} keys"),
            TruncationReason::PagingIgnored { page } => write!(
                f,
                "page {page} repeated keys of the previous page (the server ignores pageNumber)"
            ),
            TruncationReason::TotalCountChanged { from, to } => write!(
                f,
                "the total changed from {from} to {to} during the walk (keys may be missing or repeated)"
            ),
            TruncationReason::EndedEarly => write!(f, "the server returned no more pages"),
        }
    }
}

/// Walks the pages of a search with a zero-based `pageNumber`.
///
/// It holds one page at a time and the ids of the previous page (to notice a server that ignores
/// `pageNumber`). It stops when a page is empty, when `noOfPages` pages or `totalCount` keys have been
/// read, or at the caller's cap; [`completeness`](Self::completeness) then says whether everything was
/// received, and if not, why. The server's `pageSize` — not the `limit` asked for — is trusted for
/// the arithmetic.
#[derive(Debug)]
pub struct Pager {
    transport: Transport,
    request: SearchRequest,
    next: u32,
    max_items: Option<u64>,
    received: u64,
    first_total: Option<u64>,
    total_changed: Option<(u64, u64)>,
    previous_ids: HashSet<u64>,
    finished: Option<Completeness>,
}

impl Pager {
    pub(crate) fn new(
        transport: Transport,
        request: SearchRequest,
        max_items: Option<u64>,
    ) -> Self {
        let next = request.page_number.unwrap_or(0);
        Self {
            transport,
            request,
            next,
            max_items,
            received: 0,
            first_total: None,
            total_changed: None,
            previous_ids: HashSet::new(),
            finished: None,
        }
    }

    /// The next page, or `None` when the walk is over. After an error the walk can be resumed by
    /// calling again: the failed page is requested again.
    pub async fn next_page(&mut self) -> Result<Option<SearchPage>, Error> {
        if self.finished.is_some() {
            return Ok(None);
        }
        let page_number = self.next;
        let mut request = self.request.clone();
        request.page_number = Some(page_number);
        let mut page = search_page(&self.transport, &request).await?;
        self.next = page_number.saturating_add(1);

        if page.content.is_empty() {
            self.finish(false);
            return Ok(None);
        }
        if page
            .content
            .iter()
            .any(|k| self.previous_ids.contains(&k.id))
        {
            self.finish_truncated(TruncationReason::PagingIgnored { page: page_number });
            return Ok(None);
        }
        match (self.first_total, page.total_count) {
            (None, Some(t)) => self.first_total = Some(t),
            (Some(first), Some(t)) if t != first && self.total_changed.is_none() => {
                self.total_changed = Some((first, t));
            }
            _ => {}
        }
        if let Some(cap) = self.max_items {
            let room = cap.saturating_sub(self.received);
            if (page.content.len() as u64) > room {
                page.content.truncate(room as usize);
            }
        }
        self.previous_ids = page.content.iter().map(|k| k.id).collect();
        self.received += page.content.len() as u64;

        let total = page.total_count.or(self.first_total);
        let all_counted = total.is_some_and(|t| self.received >= t);
        let last_page = page
            .no_of_pages
            .is_some_and(|n| u64::from(page_number) + 1 >= n);
        if all_counted || last_page {
            self.finish(all_counted);
        } else if let Some(cap) = self.max_items.filter(|&c| self.received >= c) {
            self.finish_truncated(TruncationReason::ItemLimit(cap));
        }
        Ok(Some(page))
    }

    /// Keys received so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The server's `totalCount` at the first page.
    pub fn total_count(&self) -> Option<u64> {
        self.first_total
    }

    /// `None` while the walk goes on; then whether it was complete.
    pub fn completeness(&self) -> Option<&Completeness> {
        self.finished.as_ref()
    }

    /// Reads every remaining page into memory. Prefer [`next_page`](Self::next_page) for large
    /// lists.
    pub async fn collect_all(
        mut self,
    ) -> Result<(Vec<qualys_model::ActivationKey>, Completeness), Error> {
        let mut keys = Vec::new();
        while let Some(page) = self.next_page().await? {
            keys.extend(page.content);
        }
        let done = self.finished.unwrap_or(Completeness::Complete);
        Ok((keys, done))
    }

    /// Ends the walk; `counted` says the items reached `totalCount`.
    fn finish(&mut self, counted: bool) {
        if let Some((from, to)) = self.total_changed {
            self.finish_truncated(TruncationReason::TotalCountChanged { from, to });
        } else if counted || self.first_total.is_none_or(|t| self.received >= t) {
            self.finished = Some(Completeness::Complete);
        } else {
            self.finish_truncated(TruncationReason::EndedEarly);
        }
    }

    fn finish_truncated(&mut self, reason: TruncationReason) {
        self.finished = Some(Completeness::Truncated(Truncation {
            reason,
            received: self.received,
            expected: self.first_total,
        }));
    }
}
