//! Who may call what, by which credential, on both back ends: the API takes tokens and
//! JSON only, the pages cookies only, and the login form is throttled per account and
//! per address.

#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, Response, StatusCode};
use common::{now, TestApp};
use http_body_util::BodyExt;
use jiff::SignedDuration;
use lockstep_core::GlobalRole;
use lockstep_server::{admin, auth};
use lockstep_store::audit;
use lockstep_testkit::both_backends;
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery staple";

/// A member who logs in with [`PASSWORD`] (the harness's users are token-only).
async fn user_with_password(t: &TestApp, email: &str) {
    admin::create_user(&t.store, now(), email, "Pat", GlobalRole::Member, PASSWORD)
        .await
        .unwrap();
}

/// Posts the login form as a browser does, with the form's double-submit cookie, from
/// `address` when given (as `serve` records the peer), else from nowhere known.
async fn log_in(t: &TestApp, email: &str, password: &str, address: Option<&str>) -> Response<Body> {
    let csrf = "the-login-forms-token";
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("csrf", csrf)
        .append_pair("email", email)
        .append_pair("password", password)
        .finish();
    let cookie = auth::LOGIN_CSRF_COOKIE;
    let mut req = Request::builder()
        .method("POST")
        .uri("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("{cookie}={csrf}"))
        .body(Body::from(form))
        .unwrap();
    if let Some(ip) = address {
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(ip.parse().unwrap(), 50_000)));
    }
    tower::ServiceExt::oneshot(t.router.clone(), req).await.unwrap()
}

/// Sends a request with exactly these headers.
async fn send(t: &TestApp, method: &str, uri: &str, headers: &[(&str, &str)], body: &str) -> (StatusCode, String) {
    let mut req = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let resp = tower::ServiceExt::oneshot(t.router.clone(), req.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn session_cookie(t: &TestApp, role: &str) -> String {
    format!("{}={}", auth::SESSION_COOKIE, t.actor(role).unwrap().session)
}

async fn case_titles(t: &TestApp) -> Vec<String> {
    let (_, cases) = t.api("admin", "GET", "/api/v1/cases", None).await;
    cases
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap().to_owned())
        .collect()
}

// The API takes tokens and JSON only.

both_backends!(
    cookie_only_text_plain_post_to_the_api_is_401_and_creates_nothing,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        // What a cross-site form with enctype=text/plain makes a logged-in browser send.
        let cookie = session_cookie(&t, "coordinator");
        let (status, body) = send(
            &t,
            "POST",
            "/api/v1/cases",
            &[("content-type", "text/plain"), ("cookie", &cookie)],
            r#"{"title": "forged", "ignored": "="}"#,
        )
        .await;
        assert_eq!(status, 401, "{body}");
        assert!(!case_titles(&t).await.contains(&"forged".to_owned()));
    }
);

both_backends!(token_post_with_text_plain_is_415, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let (status, body) = t
        .raw(
            "coordinator",
            "POST",
            "/api/v1/cases",
            "text/plain",
            br#"{"title": "sent as text"}"#.to_vec(),
            false,
        )
        .await;
    assert_eq!(status, 415, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error"]["code"], "unsupported_media_type", "{body}");
    assert!(body["error"]["fields"].is_object(), "{body}");
    assert!(!case_titles(&t).await.contains(&"sent as text".to_owned()));
});

both_backends!(session_cookie_on_an_api_get_is_401, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let (status, body) = t
        .raw("coordinator", "GET", "/api/v1/cases", "application/json", vec![], true)
        .await;
    assert_eq!(status, 401, "{body}");
});

both_backends!(
    api_takes_json_types_with_parameters_and_suffixes,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        for content_type in ["application/json; charset=utf-8", "application/vnd.lockstep+json"] {
            let title = format!("sent as {content_type}");
            let body = json!({ "title": title }).to_string().into_bytes();
            let (status, answer) = t
                .raw("coordinator", "POST", "/api/v1/cases", content_type, body, false)
                .await;
            assert_eq!(status, 201, "{content_type}: {answer}");
        }
    }
);

both_backends!(a_token_on_a_web_page_is_ignored, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let bearer = format!("Bearer {}", t.actor("coordinator").unwrap().token);
    let (status, _) = send(&t, "GET", "/cases", &[("authorization", &bearer)], "").await;
    assert_eq!(status, 303, "a page took an API token");
});

both_backends!(manifest_upload_takes_a_text_body, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let uri = format!("/api/v1/projects/{}/manifests/requirements.txt", t.project);
    let (status, body) = t
        .raw(
            "participant",
            "PUT",
            &uri,
            "text/plain",
            b"requests==2.31.0\n".to_vec(),
            false,
        )
        .await;
    assert_eq!(status, 200, "{body}");
});

#[test]
fn every_route_that_takes_json_documents_415() {
    let openapi = lockstep_server::openapi();
    let mut json_routes = 0;
    for (path, item) in &openapi.paths.paths {
        for op in [&item.post, &item.put, &item.patch, &item.delete].into_iter().flatten() {
            let Some(body) = &op.request_body else { continue };
            let json = body.content.contains_key("application/json");
            assert_eq!(
                op.responses.responses.contains_key("415"),
                json,
                "{path}: 415 documented if and only if the body is JSON"
            );
            json_routes += usize::from(json);
        }
    }
    assert!(json_routes >= 10, "only {json_routes} routes take JSON");
}

// Login throttling.

both_backends!(
    ten_wrong_passwords_then_the_right_one_is_429_with_retry_after,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        user_with_password(&t, "pat@example.org").await;
        for _ in 0..10 {
            let resp = log_in(&t, "pat@example.org", "wrong password!", None).await;
            assert_eq!(resp.status(), 401);
        }
        let resp = log_in(&t, "pat@example.org", PASSWORD, None).await;
        assert_eq!(resp.status(), 429);
        assert_eq!(resp.headers()[header::RETRY_AFTER], "900");
        let cookies: Vec<_> = resp.headers().get_all(header::SET_COOKIE).iter().collect();
        assert!(
            cookies
                .iter()
                .all(|c| !c.to_str().unwrap().contains("lockstep_session=")),
            "{cookies:?}"
        );
    }
);

both_backends!(
    the_right_password_works_again_fifteen_minutes_later,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        user_with_password(&t, "pat@example.org").await;
        for _ in 0..10 {
            log_in(&t, "pat@example.org", "wrong password!", None).await;
        }
        assert_eq!(log_in(&t, "pat@example.org", PASSWORD, None).await.status(), 429);
        t.clock.advance(SignedDuration::from_mins(15));
        let resp = log_in(&t, "pat@example.org", PASSWORD, None).await;
        assert_eq!(resp.status(), 303);
        assert_eq!(resp.headers()[header::LOCATION], "/cases");
    }
);

both_backends!(one_address_is_throttled_across_accounts, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    user_with_password(&t, "pat@example.org").await;
    for i in 0..10 {
        let resp = log_in(&t, &format!("guess{i}@example.org"), "123456", Some("192.0.2.1")).await;
        assert_eq!(resp.status(), 401);
    }
    let from_there = log_in(&t, "pat@example.org", PASSWORD, Some("192.0.2.1")).await;
    assert_eq!(from_there.status(), 429);
    let from_elsewhere = log_in(&t, "pat@example.org", PASSWORD, Some("198.51.100.1")).await;
    assert_eq!(from_elsewhere.status(), 303);
});

both_backends!(an_unknown_email_is_throttled_too, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    for i in 0..10 {
        let resp = log_in(&t, "nobody@example.org", "123456", Some(&format!("192.0.2.{i}"))).await;
        assert_eq!(resp.status(), 401);
    }
    let resp = log_in(&t, "Nobody@Example.org", "123456", Some("198.51.100.1")).await;
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key(header::RETRY_AFTER));
});

both_backends!(a_successful_login_forgets_the_accounts_failures, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    user_with_password(&t, "pat@example.org").await;
    let mut address = 0;
    let mut fail_nine_times = async || {
        for _ in 0..9 {
            address += 1;
            let from = format!("192.0.2.{address}");
            assert_eq!(log_in(&t, "pat@example.org", "typo", Some(&from)).await.status(), 401);
        }
    };
    fail_nine_times().await;
    assert_eq!(
        log_in(&t, "pat@example.org", PASSWORD, Some("198.51.100.1"))
            .await
            .status(),
        303
    );
    fail_nine_times().await;
    assert_eq!(
        log_in(&t, "pat@example.org", PASSWORD, Some("198.51.100.1"))
            .await
            .status(),
        303
    );
});

both_backends!(
    failed_logins_are_in_the_audit_log_without_the_password,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        user_with_password(&t, "pat@example.org").await;
        for _ in 0..3 {
            log_in(&t, "pat@example.org", "my secret guess", Some("192.0.2.9")).await;
        }
        let failures = audit::events_with_action(&t.store, "session.login_failed")
            .await
            .unwrap();
        assert_eq!(failures.len(), 3);
        for event in &failures {
            assert_eq!(event.subject, "pat@example.org");
            assert!(event.detail.contains("192.0.2.9"), "{}", event.detail);
            assert!(!event.detail.contains("my secret guess"), "{}", event.detail);
        }
        assert!(audit::verify(&t.store).await.unwrap().first_bad.is_none());
    }
);

both_backends!(throttled_logins_are_in_the_audit_log, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    for _ in 0..11 {
        log_in(&t, "nobody@example.org", "123456", None).await;
    }
    let throttled = audit::events_with_action(&t.store, "session.login_throttled")
        .await
        .unwrap();
    assert_eq!(throttled.len(), 1);
    let detail: Value = serde_json::from_str(&throttled[0].detail).unwrap();
    assert_eq!(detail["retry_after_seconds"], 900, "{detail}");
});

both_backends!(a_served_app_counts_failures_by_the_peer_address, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(lockstep_server::serve(t.app.clone(), listener));
    let resp = reqwest::Client::new()
        .post(format!("{base}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("{}=t", auth::LOGIN_CSRF_COOKIE))
        .body("csrf=t&email=nobody%40example.org&password=123456")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    server.abort();
    let failures = audit::events_with_action(&t.store, "session.login_failed")
        .await
        .unwrap();
    let detail: Value = serde_json::from_str(&failures[0].detail).unwrap();
    assert_eq!(detail["address"], "127.0.0.1", "{detail}");
});
