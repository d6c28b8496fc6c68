//! The bearer-token layer: a fresh token on every attempt, one retry on 401.

use std::sync::Arc;
use std::task::{Context, Poll};

use qualys_auth::{AuthError, Token, TokenCache};
use tower::{Layer, Service, ServiceExt};

use crate::{Error, Request, Response};

/// Adds `Authorization: Bearer <token>` from a [`TokenCache`].
///
/// * The cache is asked on every call, so an outer retry carries the current token.
/// * The header goes only to the configured gateway's scheme and authority; a request to any other
///   host is sent without it.
/// * On a 401 (or a 500 whose body says the JWT could not be parsed — the request was refused
///   before it was processed, so re-sending is safe), the token that was sent — and only that one —
///   is invalidated, a new one is fetched, and the request is retried **once**. A second 401 is
///   returned as it is: no loop. A fresh token that is rejected too marks a permission problem: later
///   401s on that same token are returned without fetching again.
#[derive(Clone, Debug)]
pub struct BearerAuthLayer {
    cache: TokenCache,
}

impl BearerAuthLayer {
    /// A layer using `cache`.
    pub fn new(cache: TokenCache) -> Self {
        Self { cache }
    }
}

impl<S> Layer<S> for BearerAuthLayer {
    type Service = BearerAuth<S>;
    fn layer(&self, inner: S) -> BearerAuth<S> {
        BearerAuth {
            inner,
            cache: self.cache.clone(),
        }
    }
}

/// The service made by [`BearerAuthLayer`].
#[derive(Clone, Debug)]
pub struct BearerAuth<S> {
    inner: S,
    cache: TokenCache,
}

impl<S> Service<Request> for BearerAuth<S>
where
    S: Service<Request, Response = Response, Error = Error> + Clone + Send + 'static,
    S::Future: Send,
{
    type Response = Response;
    type Error = Error;
    type Future = qualys_auth::BoxFuture<'static, Result<Response, Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        // Readiness is checked on the clone that sends, in `call`.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let inner = self.inner.clone();
        let cache = self.cache.clone();
        Box::pin(async move {
            let gateway = cache.gateway();
            let ours = request.uri().authority() == Some(gateway.authority())
                && request.uri().scheme() == Some(gateway.scheme());
            if !ours {
                tracing::debug!(uri = %request.uri(), "not the gateway: sending without a token");
                return inner.oneshot(request).await;
            }
            let token = cache.token().await?;
            let retry_copy = clone_request(&request);
            let response = inner.clone().oneshot(authorize(request, &token)).await?;
            if !rejects_token(&response) || cache.is_known_rejected(&token) {
                // Success, or a token the API already refused right after a refresh: fetching
                // yet another one would only cost a login per call.
                return Ok(response);
            }
            tracing::debug!(
                status = response.status().as_u16(),
                generation = token.generation(),
                "token rejected: refreshing once and retrying"
            );
            cache.invalidate(&token);
            if !cache.can_refresh() {
                return Err(AuthError::StaticTokenExpired {
                    credential: cache.describe_source(),
                    detail: format!(
                        "was rejected by the server (HTTP {})",
                        response.status().as_u16()
                    ),
                }
                .into());
            }
            let fresh = cache.token().await?;
            let response = inner.oneshot(authorize(retry_copy, &fresh)).await?;
            if rejects_token(&response) {
                tracing::debug!(
                    generation = fresh.generation(),
                    "a fresh token was rejected too: the credential lacks access; not retrying"
                );
                cache.note_rejected_after_refresh(&fresh);
            }
            Ok(response)
        })
    }
}

fn authorize(mut request: Request, token: &Arc<Token>) -> Request {
    request
        .headers_mut()
        .insert(http::header::AUTHORIZATION, token.authorization().clone());
    request
}

/// 401, or the 500 "JWT parsing failed" some gateway services answer for a malformed token.
fn rejects_token(response: &Response) -> bool {
    match response.status().as_u16() {
        401 => true,
        500 => {
            let body = response.body();
            body.len() < 4096 && {
                let text = String::from_utf8_lossy(body).to_ascii_lowercase();
                text.contains("jwt") && text.contains("pars")
            }
        }
        _ => false,
    }
}

/// `http::Request` is not `Clone` (extensions); the body is `Bytes`, so this copy is cheap.
pub(crate) fn clone_request(request: &Request) -> Request {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    if let Some(meta) = request.extensions().get::<crate::RequestMeta>() {
        copy.extensions_mut().insert(meta.clone());
    }
    copy
}
