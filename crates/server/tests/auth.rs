//! Who may call what, by which credential, on both back ends: the API takes tokens and
//! JSON only, the login form is throttled per account and per address, tokens expire
//! and are revoked, sessions end everywhere, cookies are `__Host-` over TLS.

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
use lockstep_server::{admin, auth, Config};
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
    let cookie = auth::login_csrf_cookie_name(t.app.config());
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
    let name = auth::session_cookie_name(t.app.config());
    format!("{name}={}", t.actor(role).unwrap().session)
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

// API tokens.

/// The caller's tokens, as `GET /api/v1/me/tokens` lists them.
async fn tokens(t: &TestApp, role: &str) -> Vec<Value> {
    let (status, tokens) = t.api(role, "GET", "/api/v1/me/tokens", None).await;
    assert_eq!(status, 200, "{tokens}");
    tokens.as_array().unwrap().clone()
}

both_backends!(the_owner_lists_their_tokens_without_secrets, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let (_, answer) = t.api("participant", "GET", "/api/v1/me/tokens", None).await;
    let listed = answer.as_array().unwrap();
    assert_eq!(listed.len(), 1, "{answer}");
    let fields: Vec<&String> = listed[0].as_object().unwrap().keys().collect();
    assert_eq!(fields, ["created_at", "expires_at", "id", "label"], "{answer}");
    assert_eq!(listed[0]["label"], "tests");
    let secret = &t.actor("participant").unwrap().token;
    let text = answer.to_string();
    assert!(!text.contains(secret.as_str()) && !text.contains(&auth::secret_hash(secret)));
});

both_backends!(a_revoked_token_answers_401_at_once, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let id = tokens(&t, "participant").await[0]["id"].as_str().unwrap().to_owned();
    let (status, body) = t
        .api("participant", "DELETE", &format!("/api/v1/me/tokens/{id}"), None)
        .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = t.api("participant", "GET", "/api/v1/me", None).await;
    assert_eq!(status, 401, "{body}");
});

both_backends!(revoking_another_users_token_is_404, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let id = tokens(&t, "participant").await[0]["id"].as_str().unwrap().to_owned();
    let theirs = t.api("admin", "DELETE", &format!("/api/v1/me/tokens/{id}"), None).await;
    let missing = lockstep_core::TokenId::new();
    let nobodys = t
        .api("admin", "DELETE", &format!("/api/v1/me/tokens/{missing}"), None)
        .await;
    assert_eq!(theirs.0, 404);
    assert_eq!(theirs, nobodys);
    assert_eq!(t.api("participant", "GET", "/api/v1/me", None).await.0, 200);
});

both_backends!(an_expired_token_answers_401, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let expires = now() + SignedDuration::from_hours(24);
    let token = admin::create_token_expiring(&t.store, now(), "outsider@example.org", "a day", Some(expires))
        .await
        .unwrap();
    let bearer = format!("Bearer {token}");
    let me = async || send(&t, "GET", "/api/v1/me", &[("authorization", &bearer)], "").await.0;
    assert_eq!(me().await, 200);
    t.clock.advance(SignedDuration::from_hours(24));
    assert_eq!(me().await, 401);
    let listed = tokens(&t, "outsider").await;
    let day = listed.iter().find(|t| t["label"] == "a day").unwrap();
    assert_eq!(day["expires_at"], "2026-11-27T10:00:00Z", "{listed:?}");
});

both_backends!(revoking_a_token_is_audited, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let id = tokens(&t, "participant").await[0]["id"].as_str().unwrap().to_owned();
    t.api("participant", "DELETE", &format!("/api/v1/me/tokens/{id}"), None)
        .await;
    let events = audit::events_with_action(&t.store, "token.revoke").await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].subject, id);
    assert_eq!(events[0].actor_id, Some(t.actor("participant").unwrap().user.id));
});

// Web sessions.

/// A second session of `role`'s, as another browser would hold; returns its cookie.
async fn second_session(t: &TestApp, role: &str) -> String {
    let secret = auth::random_secret().unwrap();
    let expires = now() + SignedDuration::from_hours(12);
    let user = t.actor(role).unwrap().user.id;
    t.store
        .create_session(now(), user, &auth::secret_hash(&secret), "csrf", expires)
        .await
        .unwrap();
    format!("{}={secret}", auth::session_cookie_name(t.app.config()))
}

async fn page_status(t: &TestApp, cookie: &str) -> StatusCode {
    send(t, "GET", "/cases", &[("cookie", cookie)], "").await.0
}

both_backends!(
    ending_all_sessions_over_the_api_ends_every_session,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let other = second_session(&t, "participant").await;
        let first = session_cookie(&t, "participant");
        assert_eq!(page_status(&t, &other).await, 200);
        let (status, body) = t.api("participant", "DELETE", "/api/v1/me/sessions", None).await;
        assert_eq!(status, 204, "{body}");
        assert_eq!(page_status(&t, &first).await, 303);
        assert_eq!(page_status(&t, &other).await, 303);
        // Someone else's session lives on.
        assert_eq!(page_status(&t, &session_cookie(&t, "coordinator")).await, 200);
    }
);

both_backends!(logging_out_everywhere_ends_every_session, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let other = second_session(&t, "participant").await;
    let csrf = &t.actor("participant").unwrap().csrf;
    let (status, _) = t
        .raw(
            "participant",
            "POST",
            "/logout-everywhere",
            "application/x-www-form-urlencoded",
            format!("csrf={csrf}").into_bytes(),
            true,
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(page_status(&t, &session_cookie(&t, "participant")).await, 303);
    assert_eq!(page_status(&t, &other).await, 303);
    let events = audit::events_with_action(&t.store, "session.logout_everywhere")
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
});

both_backends!(logging_out_everywhere_needs_the_csrf_token, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let (status, _) = t
        .raw(
            "participant",
            "POST",
            "/logout-everywhere",
            "application/x-www-form-urlencoded",
            b"csrf=forged".to_vec(),
            true,
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(page_status(&t, &session_cookie(&t, "participant")).await, 200);
});

fn secure() -> Config {
    Config {
        secure_cookies: true,
        ..Config::default()
    }
}

fn session_set_cookie(resp: &Response<Body>) -> String {
    resp.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .find(|c| c.contains("lockstep_session="))
        .unwrap_or_else(|| panic!("no session cookie in {:?}", resp.headers()))
}

both_backends!(secure_cookies_use_the_host_prefix, |backend| async move {
    let Some(t) = TestApp::with_config(backend, secure()).await else {
        return;
    };
    user_with_password(&t, "pat@example.org").await;
    let resp = log_in(&t, "pat@example.org", PASSWORD, None).await;
    assert_eq!(resp.status(), 303);
    let cookie = session_set_cookie(&resp);
    assert!(cookie.starts_with("__Host-lockstep_session="), "{cookie}");
    for attribute in ["Secure", "HttpOnly", "Path=/", "SameSite=Lax"] {
        assert!(
            cookie.split("; ").any(|a| a == attribute),
            "{attribute} missing: {cookie}"
        );
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
});

both_backends!(plain_cookies_without_tls_use_the_plain_name, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    user_with_password(&t, "pat@example.org").await;
    let resp = log_in(&t, "pat@example.org", PASSWORD, None).await;
    let cookie = session_set_cookie(&resp);
    assert!(cookie.starts_with("lockstep_session="), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
});

both_backends!(
    an_unprefixed_session_cookie_is_ignored_when_cookies_are_secure,
    |backend| async move {
        let Some(t) = TestApp::with_config(backend, secure()).await else {
            return;
        };
        let secret = &t.actor("participant").unwrap().session;
        let plain = format!("{}={secret}", auth::SESSION_COOKIE);
        let prefixed = format!("{}={secret}", auth::SECURE_SESSION_COOKIE);
        assert_eq!(page_status(&t, &plain).await, 303);
        assert_eq!(page_status(&t, &prefixed).await, 200);
    }
);

both_backends!(
    logging_out_removes_the_host_cookie_with_its_attributes,
    |backend| async move {
        let Some(t) = TestApp::with_config(backend, secure()).await else {
            return;
        };
        let actor = t.actor("participant").unwrap();
        let req = Request::builder()
            .method("POST")
            .uri("/logout")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, session_cookie(&t, "participant"))
            .body(Body::from(format!("csrf={}", actor.csrf)))
            .unwrap();
        let resp = tower::ServiceExt::oneshot(t.router.clone(), req).await.unwrap();
        assert_eq!(resp.status(), 303);
        let cookie = session_set_cookie(&resp);
        assert!(cookie.starts_with("__Host-lockstep_session=;"), "{cookie}");
        for attribute in ["Secure", "Path=/", "Max-Age=0"] {
            assert!(
                cookie.split("; ").any(|a| a == attribute),
                "{attribute} missing: {cookie}"
            );
        }
    }
);
