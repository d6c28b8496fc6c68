//! Activation-key operations.

use bytes::Bytes;
use qualys_model::{OrderBy, SearchPage, SearchRequest, SortOrder};
use qualys_transport::{ApiError, Error, Transport};
use serde::de::DeserializeOwned;

use crate::Pager;

/// Path of the search endpoint.
pub const SEARCH_PATH: &str = "/caui/v1/activation-keys/manage";

/// Activation-key operations over a [`Transport`]. Cheap to clone.
#[derive(Clone, Debug)]
pub struct ActivationKeys {
    transport: Transport,
}

impl ActivationKeys {
    /// Operations sent through `transport`.
    pub fn new(transport: Transport) -> Self {
        Self { transport }
    }

    /// Starts a search (`POST /caui/v1/activation-keys/manage`).
    pub fn search(&self) -> SearchBuilder {
        SearchBuilder {
            transport: self.transport.clone(),
            request: SearchRequest::default(),
            max_items: None,
        }
    }
}

/// A search being built: set any of `limit`, `sort_order`, `order_by`, `query`, then
/// [`send`](Self::send) for one page or [`pages`](Self::pages) to walk them all.
#[derive(Clone, Debug)]
#[must_use = "a search does nothing until sent"]
pub struct SearchBuilder {
    transport: Transport,
    request: SearchRequest,
    max_items: Option<u64>,
}

impl SearchBuilder {
    /// Page size to ask for (server default 10; the server may answer with fewer per page).
    pub fn limit(mut self, limit: u32) -> Self {
        self.request.limit = Some(limit);
        self
    }

    /// Sort direction (`ASC` / `DSC`).
    pub fn sort_order(mut self, order: SortOrder) -> Self {
        self.request.sort_order = Some(order);
        self
    }

    /// Sort field.
    pub fn order_by(mut self, field: OrderBy) -> Self {
        self.request.order_by = Some(field);
        self
    }

    /// Query terms, passed through verbatim (e.g. `activationKey.isDisabled:false`).
    pub fn query(mut self, query: impl Into<String>) -> Self {
        self.request.query = Some(query.into());
        self
    }

    /// Zero-based page to fetch with [`send`](Self::send), or to start from with
    /// [`pages`](Self::pages).
    pub fn page_number(mut self, page: u32) -> Self {
        self.request.page_number = Some(page);
        self
    }

    /// Stop a [`pages`](Self::pages) walk after this many keys (the result then says it is truncated
    /// if more were available).
    pub fn max_items(mut self, n: u64) -> Self {
        self.max_items = Some(n);
        self
    }

    /// The request body as it will be sent.
    pub fn request(&self) -> &SearchRequest {
        &self.request
    }

    /// Fetches one page.
    pub async fn send(self) -> Result<SearchPage, Error> {
        search_page(&self.transport, &self.request).await
    }

    /// Walks every page from `page_number` (default 0). See [`Pager`].
    pub fn pages(self) -> Pager {
        Pager::new(self.transport, self.request, self.max_items)
    }
}

pub(crate) async fn search_page(
    transport: &Transport,
    request: &SearchRequest,
) -> Result<SearchPage, Error> {
    let operation = match request.page_number {
        Some(p) => format!("search activation keys (page {p})"),
        None => "search activation keys".to_owned(),
    };
    let body = serde_json::to_vec(request)
        .map_err(|e| Error::Config(format!("could not encode the search request: {e}")))?;
    let http_request = http::Request::post(transport.gateway().join(SEARCH_PATH)?)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::ACCEPT, "application/json")
        .body(Bytes::from(body))
        .map_err(|e| Error::Config(format!("could not build the request: {e}")))?;
    let response = transport.send(http_request).await?;
    decode(&operation, response)
}

/// Decodes a success body, naming the JSON path of any mismatch; turns error statuses into
/// [`ApiError`].
pub(crate) fn decode<T: DeserializeOwned>(
    operation: &str,
    response: http::Response<Bytes>,
) -> Result<T, Error> {
    if !response.status().is_success() {
        return Err(ApiError::from_response(operation, &response).into());
    }
    let mut de = serde_json::Deserializer::from_slice(response.body());
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        Error::Decode {
            operation: operation.to_owned(),
            path,
            message: e.into_inner().to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &'static str) -> http::Response<Bytes> {
        http::Response::builder()
            .status(status)
            .body(Bytes::from_static(body.as_bytes()))
            .unwrap()
    }

    #[test]
    fn decode_errors_name_the_json_path() {
        let err = decode::<SearchPage>(
            "search activation keys",
            response(200, r#"{"pageSize":1,"content":[{"id":1},{"id":"x"}]}"#),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "search activation keys: unexpected response body at `content[1].id`: invalid type: \
             string \"x\", expected u64 at line 1 column 43"
        );
        let err = decode::<SearchPage>("search activation keys", response(200, "{}")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "search activation keys: unexpected response body at `.`: missing field `content` at line 1 column 2"
        );
    }

    #[test]
    fn error_statuses_become_api_errors() {
        let err = decode::<SearchPage>(
            "search activation keys",
            response(503, "<html><title>Maintenance</title></html>"),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "search activation keys failed: HTTP 503: HTML page \"Maintenance\""
        );
        assert!(err.is_retryable());
    }
}
