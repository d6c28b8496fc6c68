//! What an operation tells the stack about a request: its name (for errors) and whether re-sending
//! it is safe.

/// Attached to a request (as an `http` extension) by the operation that builds it.
///
/// ```
/// use qualys_transport::RequestMeta;
/// let mut req = http::Request::new(bytes::Bytes::new());
/// RequestMeta::new("search activation keys (page 2)").idempotent(true).page_size_hint(true).attach(&mut req);
/// assert_eq!(RequestMeta::of(&req).operation, "search activation keys (page 2)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestMeta {
    /// The operation, as error messages name it.
    pub operation: String,
    /// Whether sending the request twice has the same effect as once (search, get, delete).
    /// Creates and toggles are not: they are re-sent only when the server refused them outright
    /// (throttling) or the connection failed before sending.
    pub idempotent: bool,
    /// Whether a timeout error should suggest a smaller page size.
    pub suggest_smaller_pages: bool,
}

impl RequestMeta {
    /// Metadata for `operation`, not idempotent until said otherwise.
    pub fn new(operation: impl Into<String>) -> Self {
        Self {
            operation: operation.into(),
            idempotent: false,
            suggest_smaller_pages: false,
        }
    }

    /// Marks the request as safe to re-send.
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = yes;
        self
    }

    /// Marks the request as a page fetch, so timeouts suggest a smaller `limit`.
    pub fn page_size_hint(mut self, yes: bool) -> Self {
        self.suggest_smaller_pages = yes;
        self
    }

    /// Attaches the metadata to a request.
    pub fn attach<B>(self, request: &mut http::Request<B>) {
        request.extensions_mut().insert(self);
    }

    /// The request's metadata; without any, the method decides idempotency (GET, HEAD, PUT,
    /// DELETE, OPTIONS are).
    pub fn of<B>(request: &http::Request<B>) -> RequestMeta {
        request
            .extensions()
            .get::<RequestMeta>()
            .cloned()
            .unwrap_or_else(|| RequestMeta {
                operation: format!("{} {}", request.method(), request.uri().path()),
                idempotent: request.method().is_idempotent(),
                suggest_smaller_pages: false,
            })
    }
}
