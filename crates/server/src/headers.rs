//! Headers on every answer: a Content-Security-Policy without inline script,
//! `nosniff`, no referrer, no framing, and `Cache-Control: no-store` on everything
//! except what anyone may read (published advisories, the OpenAPI document), whose
//! routes say so with [`may_be_cached`].

use axum::extract::Request;
use axum::http::header::{self, CACHE_CONTROL, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// Scripts only from files this server serves (there are none today: the pages work
/// without JavaScript), never inline, so an injected `<script>` or `onclick=` does not
/// run. Inline style stays allowed: the templates use `style` attributes and one
/// `<style>` block, and style cannot run code.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                          img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// Middleware for the whole router: the security headers, and `no-store` unless the
/// route said it may be cached. Everything else may be behind a login, and a shared
/// computer's browser cache or a proxy must not keep an embargoed case.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Middleware for routes whose answer is the same for everyone and public (they render
/// no user, no CSRF token): caches may keep it for a minute.
pub async fn may_be_cached(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    response
}
