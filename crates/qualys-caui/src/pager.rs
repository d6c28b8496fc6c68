//! Walking every page of a search, honestly.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;
use qualys_model::ActivationKey;

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

impl Truncation {
    /// A truncation record (for tests and for callers that build their own walks).
    pub fn new(reason: TruncationReason, received: u64, expected: Option<u64>) -> Self {
        Self {
            reason,
            received,
            expected,
        }
    }
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
    /// The server returned more keys than its `totalCount`: the counts cannot be trusted.
    MoreThanTotal,
    /// The safety limit on the number of pages was reached (a server that never ends the list).
    PageLimit(u32),
    /// The same page failed [`MAX_PAGE_FAILURES`] times in a row (the errors were returned).
    PageFailed {
        /// The page that kept failing.
        page: u32,
    },
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
            TruncationReason::MoreThanTotal => {
                write!(f, "the server returned more keys than its totalCount")
            }
            TruncationReason::PageFailed { page } => {
                write!(f, "page {page} failed {MAX_PAGE_FAILURES} times in a row")
            }
            TruncationReason::PageLimit(n) => {
                write!(
                    f,
                    "stopped after {n} pages (the safety limit) while the server still had more"
                )
            }
        }
    }
}

/// Walks the pages of a search with a zero-based `pageNumber`.
///
/// It holds one page at a time and the ids of the previous page (to notice a server that ignores
/// `pageNumber`). It stops when a page is empty, when `noOfPages` pages or `totalCount` keys have been
/// read, at the caller's cap, or at a safety limit on the number of pages; then
/// [`completeness`](Self::completeness) says whether everything was received, and if not, why. When
/// the walk starts at a later page, the keys of the skipped pages (at the server's `pageSize`, not
/// the `limit` asked for) are not expected.
#[derive(Debug)]
pub struct Pager {
    transport: Transport,
    request: SearchRequest,
    start: u32,
    next: u32,
    max_items: Option<u64>,
    max_pages: u32,
    pages: u32,
    received: u64,
    first_total: Option<u64>,
    skipped: u64,
    total_changed: Option<(u64, u64)>,
    previous_ids: HashSet<u64>,
    finished: Option<Completeness>,
    /// Keys the server sent, before any cap: compared with `totalCount`.
    seen: u64,
    /// Consecutive failed attempts at the current page.
    failures: u32,
}

/// After this many consecutive failures of the same page (each already retried by the transport),
/// the walk ends as truncated instead of asking again.
pub const MAX_PAGE_FAILURES: u32 = 3;

/// The default safety limit on pages walked (a million keys at the default page size of 10, far
/// more at larger ones).
pub const DEFAULT_MAX_PAGES: u32 = 100_000;

impl Pager {
    pub(crate) fn new(
        transport: Transport,
        request: SearchRequest,
        max_items: Option<u64>,
    ) -> Self {
        let start = request.page_number.unwrap_or(0);
        Self {
            transport,
            request,
            start,
            next: start,
            max_items,
            max_pages: DEFAULT_MAX_PAGES,
            pages: 0,
            received: 0,
            first_total: None,
            skipped: 0,
            total_changed: None,
            previous_ids: HashSet::new(),
            finished: None,
            seen: 0,
            failures: 0,
        }
    }

    /// Changes the safety limit on the number of pages walked.
    pub fn max_pages(mut self, n: u32) -> Self {
        self.max_pages = n.max(1);
        self
    }

    /// The next page, or `None` when the walk is over. After an error the walk can be resumed by
    /// calling again: the failed page is requested again, up to [`MAX_PAGE_FAILURES`] times in a
    /// row; then the walk ends, truncated.
    pub async fn next_page(&mut self) -> Result<Option<SearchPage>, Error> {
        loop {
            let Some((page_number, fetch)) = self.begin() else {
                return Ok(None);
            };
            let page = match fetch.await {
                Ok(page) => page,
                Err(e) => {
                    self.failed(page_number);
                    return Err(e);
                }
            };
            if let Some(page) = self.accept(page_number, page) {
                return Ok(Some(page));
            }
            if self.finished.is_some() {
                return Ok(None);
            }
        }
    }

    /// Turns the walk into a stream of keys, one page in memory at a time. After the stream ends,
    /// [`KeyStream::completeness`] says whether it saw everything.
    pub fn into_stream(self) -> KeyStream {
        KeyStream {
            pager: self,
            fetch: None,
            buffer: VecDeque::new(),
        }
    }

    /// Records a failed attempt at `page`; too many in a row end the walk.
    fn failed(&mut self, page: u32) {
        self.failures += 1;
        if self.failures >= MAX_PAGE_FAILURES {
            self.finish_truncated(TruncationReason::PageFailed { page });
        }
    }

    /// The request for the next page, as an owned future; `None` when the walk is over.
    fn begin(&mut self) -> Option<(u32, PageFetch)> {
        if self.finished.is_some() {
            return None;
        }
        if self.pages >= self.max_pages {
            self.finish_truncated(TruncationReason::PageLimit(self.max_pages));
            return None;
        }
        let page_number = self.next;
        let mut request = self.request.clone();
        request.page_number = Some(page_number);
        let transport = self.transport.clone();
        Some((
            page_number,
            Box::pin(async move { search_page(&transport, &request).await }),
        ))
    }

    /// Takes a fetched page into account; returns it unless the walk ended on it.
    fn accept(&mut self, page_number: u32, mut page: SearchPage) -> Option<SearchPage> {
        self.next = page_number.saturating_add(1);
        self.pages += 1;
        self.failures = 0;

        if let Some(t) = page.total_count {
            match self.first_total {
                None => {
                    self.first_total = Some(t);
                    let page_size = page.page_size.unwrap_or(page.content.len() as u64);
                    self.skipped = u64::from(self.start).saturating_mul(page_size);
                }
                Some(first) if first != t && self.total_changed.is_none() => {
                    self.total_changed = Some((first, t));
                }
                Some(_) => {}
            }
        }
        if page.content.is_empty() {
            self.finish();
            return None;
        }
        if page
            .content
            .iter()
            .any(|k| self.previous_ids.contains(&k.id))
        {
            // Repeats after the total changed are keys shifting between pages, not a server that
            // ignores pageNumber.
            let reason = match self.total_changed {
                Some((from, to)) => TruncationReason::TotalCountChanged { from, to },
                None => TruncationReason::PagingIgnored { page: page_number },
            };
            self.finish_truncated(reason);
            return None;
        }
        self.seen += page.content.len() as u64;
        let mut cut = false;
        if let Some(cap) = self.max_items {
            let room = cap.saturating_sub(self.received);
            if (page.content.len() as u64) > room {
                page.content.truncate(room as usize);
                cut = true;
            }
        }
        self.previous_ids = page.content.iter().map(|k| k.id).collect();
        self.received += page.content.len() as u64;

        let expected = self.expected();
        let last_page = page
            .no_of_pages
            .is_some_and(|n| u64::from(page_number) + 1 >= n);
        let capped = self.max_items.is_some_and(|c| self.received >= c);
        let all_counted = expected.is_some_and(|e| self.received == e);
        if expected.is_some_and(|e| self.seen > e) {
            // More keys than the server counted: no cap can make that trustworthy.
            self.finish_truncated(TruncationReason::MoreThanTotal);
        } else if all_counted && !cut {
            self.finish();
        } else if capped && (cut || !last_page) && !all_counted {
            self.finish_truncated(TruncationReason::ItemLimit(self.max_items.unwrap_or(0)));
        } else if last_page || all_counted {
            self.finish();
        }
        Some(page)
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

    /// Keys this walk should receive: `totalCount` minus the pages skipped before the start.
    fn expected(&self) -> Option<u64> {
        self.first_total.map(|t| t.saturating_sub(self.skipped))
    }

    /// Ends the walk where the server says the list ends, judging completeness by the counts.
    fn finish(&mut self) {
        if let Some((from, to)) = self.total_changed {
            self.finish_truncated(TruncationReason::TotalCountChanged { from, to });
            return;
        }
        match self.expected() {
            Some(e) if self.seen > e => self.finish_truncated(TruncationReason::MoreThanTotal),
            Some(e) if self.received < e => self.finish_truncated(TruncationReason::EndedEarly),
            _ => self.finished = Some(Completeness::Complete),
        }
    }

    fn finish_truncated(&mut self, reason: TruncationReason) {
        self.finished = Some(Completeness::Truncated(Truncation {
            reason,
            received: self.received,
            expected: self.expected(),
        }));
    }
}

type PageFetch = Pin<Box<dyn std::future::Future<Output = Result<SearchPage, Error>> + Send>>;

/// The keys of a walk as a [`Stream`], fetched a page at a time (see [`Pager::into_stream`]).
///
/// An error is yielded as an item; polling again retries the page that failed.
///
/// ```no_run
/// # async fn demo(keys: qualys_caui::ActivationKeys) -> Result<(), qualys_caui::Error> {
/// use futures_util::TryStreamExt;
/// let mut stream = keys.search().limit(200).pages().into_stream();
/// while let Some(key) = stream.try_next().await? {
///     println!("{}", key.id);
/// }
/// assert!(stream.completeness().is_some_and(|c| c.is_complete()));
/// # Ok(()) }
/// ```
pub struct KeyStream {
    pager: Pager,
    fetch: Option<(u32, PageFetch)>,
    buffer: VecDeque<ActivationKey>,
}

impl KeyStream {
    /// `None` until the stream has ended; then whether it was complete.
    pub fn completeness(&self) -> Option<&Completeness> {
        self.pager.completeness()
    }

    /// Keys received so far.
    pub fn received(&self) -> u64 {
        self.pager.received()
    }

    /// The server's `totalCount` at the first page.
    pub fn total_count(&self) -> Option<u64> {
        self.pager.total_count()
    }
}

impl std::fmt::Debug for KeyStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyStream")
            .field("pager", &self.pager)
            .field("buffered", &self.buffer.len())
            .finish()
    }
}

impl Stream for KeyStream {
    type Item = Result<ActivationKey, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(key) = this.buffer.pop_front() {
                return Poll::Ready(Some(Ok(key)));
            }
            if this.fetch.is_none() {
                match this.pager.begin() {
                    Some(f) => this.fetch = Some(f),
                    None => return Poll::Ready(None),
                }
            }
            let Some((page_number, fetch)) = this.fetch.as_mut() else {
                return Poll::Ready(None);
            };
            let page_number = *page_number;
            match fetch.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(result) => {
                    this.fetch = None;
                    match result {
                        Ok(page) => {
                            if let Some(page) = this.pager.accept(page_number, page) {
                                this.buffer.extend(page.content);
                            }
                        }
                        Err(e) => {
                            this.pager.failed(page_number);
                            return Poll::Ready(Some(Err(e)));
                        }
                    }
                }
            }
        }
    }
}
