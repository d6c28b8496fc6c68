//! Activation-key operations.

use bytes::Bytes;
use http::Method;
use qualys_model::{
    ActivationKey, CreateKeyRequest, OrderBy, RequestError, SearchPage, SearchRequest, SortOrder,
    UpdateKeyRequest,
};
use qualys_transport::{ApiError, Error, RequestMeta, Transport};
use serde::de::DeserializeOwned;

use crate::{KeyQuery, Pager};

/// Path of the search endpoint (and the prefix of get, toggle and delete).
pub const SEARCH_PATH: &str = "/caui/v1/activation-keys/manage";
/// Path of create (and the prefix of update).
pub const CREATE_PATH: &str = "/caui/v1/activation-keys/manage/activation-key";

/// The state of a key after a toggle, as the server's text answer says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    /// `Successfully enabled activation key`.
    Enabled,
    /// `Successfully disabled activation key`.
    Disabled,
}

/// Whether an `ensure_*` call had to change the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The key was already in the wanted state: nothing was sent but the read.
    Unchanged,
    /// The key was toggled into the wanted state.
    Toggled,
}

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

    /// The key with this id (`GET …/manage/{id}`). An unknown id is `Error::Api` with status 404.
    pub async fn get(&self, id: u64) -> Result<ActivationKey, Error> {
        let op = format!("get activation key {id}");
        let response = self.transport.send(self.get_request(id)?).await?;
        decode(&op, response)
    }

    /// Creates a key (`POST …/manage/activation-key`). The request is validated first
    /// (`maxAgentsAllowed` 1–1,000,000, a non-empty title); never retried, as a retry could create
    /// the key twice.
    pub async fn create(&self, request: &CreateKeyRequest) -> Result<ActivationKey, Error> {
        let op = "create activation key";
        let response = self.transport.send(self.create_request(request)?).await?;
        decode(op, response)
    }

    /// Updates a key (`PATCH …/manage/activation-key/{id}`): only what the request sets changes.
    /// The vendor does not document the answer; when it is the key, it is returned.
    pub async fn update(
        &self,
        id: u64,
        request: &UpdateKeyRequest,
    ) -> Result<Option<ActivationKey>, Error> {
        let op = format!("update activation key {id}");
        let response = self
            .transport
            .send(self.update_request(id, request)?)
            .await?;
        if !response.status().is_success() {
            return Err(ApiError::from_response(&op, &response).into());
        }
        let body = response.body();
        if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
            decode(&op, response).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Flips the key between enabled and disabled (`PATCH …/manage/{id}`, no body) and returns the
    /// new state from the server's text answer. The endpoint **toggles**: sending it twice restores
    /// the original state, so it is never retried.
    pub async fn toggle(&self, id: u64) -> Result<KeyState, Error> {
        let op = format!("toggle activation key {id}");
        let response = success(&op, self.transport.send(self.toggle_request(id)?).await?)?;
        let text = String::from_utf8_lossy(response.body()).to_ascii_lowercase();
        if text.contains("successfully disabled") {
            return Ok(KeyState::Disabled);
        }
        if text.contains("successfully enabled") {
            return Ok(KeyState::Enabled);
        }
        // Tolerated: a JSON key instead of the documented text.
        match serde_json::from_slice::<ActivationKey>(response.body()) {
            Ok(key) => key_state(&op, &key),
            Err(_) => Err(unexpected_text(&op, &text)),
        }
    }

    /// Enables the key if it is disabled: reads it, and toggles only if needed.
    ///
    /// **Race:** between the read and the toggle another client may toggle the key. The toggle's
    /// answer tells the resulting state; if it is not "enabled", this returns `Error::Conflict`
    /// (and the key is left as the server says — call again to settle it).
    pub async fn ensure_enabled(&self, id: u64) -> Result<Change, Error> {
        self.ensure(id, KeyState::Enabled).await
    }

    /// Disables the key if it is enabled. Same race as [`ensure_enabled`](Self::ensure_enabled).
    pub async fn ensure_disabled(&self, id: u64) -> Result<Change, Error> {
        self.ensure(id, KeyState::Disabled).await
    }

    async fn ensure(&self, id: u64, wanted: KeyState) -> Result<Change, Error> {
        let Some(current) = self.needs_toggle(id, wanted).await? else {
            return Ok(Change::Unchanged);
        };
        let now = self.toggle(id).await?;
        if now == wanted {
            Ok(Change::Toggled)
        } else {
            Err(Error::Conflict {
                operation: format!("ensure activation key {id} is {wanted:?}").to_lowercase(),
                message: format!(
                    "the key was {current:?} when read but is {now:?} after toggling: another \
                     client changed it meanwhile"
                )
                .to_lowercase(),
            })
        }
    }

    /// Reads the key: `Some(current state)` when it must be toggled to reach `wanted`, `None` when
    /// it is there already. An answer without `isDisabled` is an error, not a guess.
    pub async fn needs_toggle(&self, id: u64, wanted: KeyState) -> Result<Option<KeyState>, Error> {
        let key = self.get(id).await?;
        let current = key_state(&format!("get activation key {id}"), &key)?;
        Ok((current != wanted).then_some(current))
    }

    /// Deletes the key (`DELETE …/manage/{id}`). The server refuses while agents use the key.
    pub async fn delete(&self, id: u64) -> Result<(), Error> {
        let op = format!("delete activation key {id}");
        let response = self.transport.send(self.delete_request(id)?).await?;
        let retried = response
            .extensions()
            .get::<qualys_transport::Attempts>()
            .is_some_and(|a| a.0 > 1);
        if retried && response.status() == http::StatusCode::NOT_FOUND {
            // The first attempt's answer was lost but it did its work: the key is gone.
            tracing::debug!(
                id,
                "delete retried and answered 404: the first attempt deleted it"
            );
            return Ok(());
        }
        success(&op, response).map(|_| ())
    }

    /// The request [`get`](Self::get) sends.
    pub fn get_request(&self, id: u64) -> Result<http::Request<Bytes>, Error> {
        let meta = RequestMeta::new(format!("get activation key {id}")).idempotent(true);
        self.build(Method::GET, &format!("{SEARCH_PATH}/{id}"), None, meta)
    }

    /// The request [`create`](Self::create) sends (validated), e.g. for a dry run.
    pub fn create_request(
        &self,
        request: &CreateKeyRequest,
    ) -> Result<http::Request<Bytes>, Error> {
        request
            .validate()
            .map_err(|e| invalid("create activation key", e))?;
        let meta = RequestMeta::new("create activation key");
        self.build(Method::POST, CREATE_PATH, Some(json_body(request)?), meta)
    }

    /// The request [`update`](Self::update) sends (validated), e.g. for a dry run.
    pub fn update_request(
        &self,
        id: u64,
        request: &UpdateKeyRequest,
    ) -> Result<http::Request<Bytes>, Error> {
        request
            .validate()
            .map_err(|e| invalid(&format!("update activation key {id}"), e))?;
        let meta = RequestMeta::new(format!("update activation key {id}"));
        self.build(
            Method::PATCH,
            &format!("{CREATE_PATH}/{id}"),
            Some(json_body(request)?),
            meta,
        )
    }

    /// The request [`toggle`](Self::toggle) sends.
    pub fn toggle_request(&self, id: u64) -> Result<http::Request<Bytes>, Error> {
        // Never re-sent once it may have reached the server: a second toggle undoes the first.
        let meta = RequestMeta::new(format!("toggle activation key {id}"));
        self.build(Method::PATCH, &format!("{SEARCH_PATH}/{id}"), None, meta)
    }

    /// The request [`delete`](Self::delete) sends.
    pub fn delete_request(&self, id: u64) -> Result<http::Request<Bytes>, Error> {
        let meta = RequestMeta::new(format!("delete activation key {id}")).idempotent(true);
        self.build(Method::DELETE, &format!("{SEARCH_PATH}/{id}"), None, meta)
    }

    fn build(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        meta: RequestMeta,
    ) -> Result<http::Request<Bytes>, Error> {
        build_request(&self.transport, method, path, body, meta)
    }
}

/// A 2xx whose JSON body is an error (`{"errorCode":…}`, or `{"status":4xx|5xx,"message":…}`
/// without data fields): the vendor does this; it is an error, not an empty result.
fn error_payload(operation: &str, response: &http::Response<Bytes>) -> Option<ApiError> {
    let v: serde_json::Value = serde_json::from_slice(response.body()).ok()?;
    let obj = v.as_object()?;
    if obj.contains_key("content") || obj.contains_key("id") {
        return None;
    }
    let status = obj
        .get("status")
        .and_then(|s| {
            s.as_u64()
                .or_else(|| s.as_str().and_then(|t| t.parse().ok()))
        })
        .filter(|s| (400..600).contains(s));
    if status.is_none() && !obj.contains_key("errorCode") {
        return None;
    }
    let mut fake = http::Response::new(response.body().clone());
    *fake.status_mut() = http::StatusCode::from_u16(status.unwrap_or(500) as u16)
        .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut api = ApiError::from_response(operation, &fake);
    api.hint = Some(format!(
        "the server answered HTTP {} with this error in the body",
        response.status().as_u16()
    ));
    Some(api)
}

fn key_state(operation: &str, key: &ActivationKey) -> Result<KeyState, Error> {
    match key.is_disabled {
        Some(true) => Ok(KeyState::Disabled),
        Some(false) => Ok(KeyState::Enabled),
        None => Err(Error::Decode {
            operation: operation.to_owned(),
            path: "isDisabled".into(),
            message: "the answer does not say whether the key is enabled".into(),
        }),
    }
}

/// Turns an error status into [`ApiError`]; passes success through.
fn success(
    operation: &str,
    response: http::Response<Bytes>,
) -> Result<http::Response<Bytes>, Error> {
    if response.status().is_success() {
        Ok(response)
    } else {
        Err(ApiError::from_response(operation, &response).into())
    }
}

fn invalid(operation: &str, e: RequestError) -> Error {
    Error::Invalid {
        operation: operation.to_owned(),
        field: e.field.to_owned(),
        message: e.message,
    }
}

fn unexpected_text(operation: &str, text: &str) -> Error {
    Error::Decode {
        operation: operation.to_owned(),
        path: ".".into(),
        message: format!(
            "expected `Successfully enabled/disabled activation key`, got `{}`",
            text.chars().take(120).collect::<String>()
        ),
    }
}

fn json_body<T: serde::Serialize>(value: &T) -> Result<Bytes, Error> {
    serde_json::to_vec(value)
        .map(Bytes::from)
        .map_err(|e| Error::Config(format!("could not encode the request: {e}")))
}

/// A request to `path` on the transport's gateway; JSON when there is a body.
pub(crate) fn build_request(
    transport: &Transport,
    method: Method,
    path: &str,
    body: Option<Bytes>,
    meta: RequestMeta,
) -> Result<http::Request<Bytes>, Error> {
    transport.json_request(method, path, body, meta)
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

    /// The query: a raw string passed through verbatim (e.g. `activationKey.isDisabled:false`), or
    /// a typed [`KeyQuery`].
    pub fn query(mut self, query: impl Into<KeyQuery>) -> Self {
        self.request.query = Some(query.into().to_string());
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
    // Searching is read-only: safe to re-send although it is a POST.
    let meta = RequestMeta::new(operation.clone())
        .idempotent(true)
        .page_size_hint(true);
    let http_request = build_request(
        transport,
        Method::POST,
        SEARCH_PATH,
        Some(json_body(request)?),
        meta,
    )?;
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
    let body = response.body();
    let first = body.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if !matches!(first, Some(b'{' | b'[')) {
        // An HTML page or text with a 200: say what it is, not a JSON parse error.
        let (what, _) = qualys_transport::diagnostics::describe_body(body);
        return Err(Error::Decode {
            operation: operation.to_owned(),
            path: ".".into(),
            message: format!(
                "expected JSON, got {}",
                what.unwrap_or_else(|| "an empty body".into())
            ),
        });
    }
    // Fast path: one decode straight into the model. Only a failure is looked at again — as an
    // error payload, then for the JSON path of the problem.
    if let Ok(value) = serde_json::from_slice(response.body()) {
        return Ok(value);
    }
    if let Some(api) = error_payload(operation, &response) {
        return Err(api.into());
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
