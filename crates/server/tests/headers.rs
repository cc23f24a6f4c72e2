//! The headers every answer carries (Content-Security-Policy, nosniff, no referrer,
//! no framing) and `Cache-Control: no-store` on all but the public routes.

#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use common::TestApp;
use lockstep_server::auth;
use lockstep_testkit::both_backends;

/// Sends a GET as `role` by token (API paths) or session cookie (pages); None: anonymous.
async fn get(t: &TestApp, role: Option<&str>, uri: &str) -> (StatusCode, HeaderMap) {
    let mut req = Request::builder().method("GET").uri(uri);
    if let Some(actor) = role.and_then(|r| t.actor(r)) {
        req = if uri.starts_with("/api/") {
            req.header("authorization", format!("Bearer {}", actor.token))
        } else {
            let name = auth::session_cookie_name(t.app.config());
            req.header("cookie", format!("{name}={}", actor.session))
        };
    }
    let resp = tower::ServiceExt::oneshot(t.router.clone(), req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    (resp.status(), resp.headers().clone())
}

fn assert_security_headers(headers: &HeaderMap) {
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["x-frame-options"], "DENY");
}

both_backends!(a_page_carries_the_security_headers, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let (status, headers) = get(&t, None, "/login").await;
    assert_eq!(status, 200);
    assert_security_headers(&headers);
});

both_backends!(an_api_answer_carries_the_security_headers, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let (status, headers) = get(&t, Some("participant"), "/api/v1/cases").await;
    assert_eq!(status, 200);
    assert_security_headers(&headers);
});

both_backends!(a_404_carries_the_security_headers, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let (status, headers) = get(&t, None, "/no/such/page").await;
    assert_eq!(status, 404);
    assert_security_headers(&headers);
    assert_eq!(headers["cache-control"], "no-store");
});

both_backends!(
    a_public_advisory_route_carries_the_security_headers_and_may_be_cached,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let (status, headers) = get(&t, None, "/advisories").await;
        assert_eq!(status, 200);
        assert_security_headers(&headers);
        let cache = headers["cache-control"].to_str().unwrap();
        assert!(cache.starts_with("public"), "{cache}");
    }
);

both_backends!(logged_in_answers_are_not_stored, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let case = format!("/cases/{}", t.case.id);
    let api_case = format!("/api/v1/cases/{}", t.case.id);
    for uri in ["/cases", case.as_str(), "/api/v1/me", api_case.as_str()] {
        let (status, headers) = get(&t, Some("coordinator"), uri).await;
        assert_eq!(status, 200, "{uri}");
        assert_eq!(headers["cache-control"], "no-store", "{uri}");
    }
});

#[test]
fn the_policy_allows_no_inline_script() {
    let csp = lockstep_server::CONTENT_SECURITY_POLICY;
    let script = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src"))
        .unwrap();
    assert_eq!(script, "script-src 'self'");
}

/// The first event handler attribute (`onclick=`, `onsubmit=`, ...) in `html`, if any:
/// those are inline script too.
fn event_handler(html: &str) -> Option<&str> {
    html.match_indices(" on").map(|(i, _)| &html[i + 1..]).find_map(|rest| {
        let name_len = rest[2..].bytes().take_while(u8::is_ascii_alphabetic).count();
        (name_len > 0 && rest[2 + name_len..].starts_with('=')).then(|| &rest[..2 + name_len])
    })
}

#[test]
fn templates_hold_no_inline_script() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let html = std::fs::read_to_string(&path).unwrap().to_lowercase();
        assert!(!html.contains("<script"), "{} has a <script>", path.display());
        let handler = event_handler(&html);
        assert!(
            handler.is_none(),
            "{} has an event handler: {handler:?}",
            path.display()
        );
    }
}

#[test]
fn the_template_check_finds_event_handlers() {
    assert_eq!(event_handler(r#"<button onclick="go()">"#), Some("onclick"));
    assert_eq!(event_handler(r#"<p class="note on-call">"#), None);
}
