//! Who may call what, by which credential, on both back ends: the API takes tokens and
//! JSON only, the pages cookies only.

#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::TestApp;
use http_body_util::BodyExt;
use lockstep_server::auth;
use lockstep_testkit::both_backends;
use serde_json::{json, Value};

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
