//! Researcher intake: the disclosure policy and security.txt, reports submitted
//! without an account, tracking by token, limits that refuse without saving anything,
//! and the coordinators' triage.

#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use common::TestApp;
use http_body_util::BodyExt;
use lockstep_server::Config;
use lockstep_testkit::both_backends;
use serde_json::{json, Value};

/// Sends a request with extra headers; answers status, headers and body text.
async fn send(
    t: &TestApp,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (StatusCode, HeaderMap, String) {
    let mut req = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let resp = tower::ServiceExt::oneshot(t.router.clone(), req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&bytes).into_owned())
}

fn report(title: &str) -> Value {
    json!({"title": title, "project": "zlib", "package": "pkg:generic/zlib", "versions": "1.3.1",
        "description": "inflate() writes past the window", "impact": "remote code execution",
        "how_found": "fuzzing", "exposure": "private", "disclosure_plans": "a talk in March",
        "credit": "name", "credit_name": "Ada Finder", "email": "ada@finder.example",
        "attachments": [{"filename": "poc.py", "content_type": "text/x-python", "content_base64": "cHJpbnQoMSkK"}]})
}

/// Submits a report as an anonymous finder; answers (id, token).
async fn submit(t: &TestApp, title: &str) -> (String, String) {
    let (status, body) = t.api("anonymous", "POST", "/api/v1/reports", Some(report(title))).await;
    assert_eq!(status, 201, "{body}");
    (
        body["id"].as_str().unwrap().to_owned(),
        body["token"].as_str().unwrap().to_owned(),
    )
}

async fn report_count(t: &TestApp) -> usize {
    let (_, queue) = t.api("coordinator", "GET", "/api/v1/reports", None).await;
    queue.as_array().unwrap().len()
}

both_backends!(security_txt_validates_and_expires_in_the_future, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let (status, headers, text) = send(
        &t,
        "GET",
        "/.well-known/security.txt",
        &[("host", "localhost:8080")],
        vec![],
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/plain"));
    assert_eq!(
        lockstep_core::intake::check_security_txt(&text, common::now()),
        Vec::<String>::new(),
        "{text}"
    );
    assert!(text.contains("Contact: http://localhost:8080/report\n"), "{text}");
    assert!(
        text.contains("Canonical: http://localhost:8080/.well-known/security.txt\n"),
        "{text}"
    );
    assert!(text.contains("Policy: http://localhost:8080/security\n"), "{text}");
    assert!(text.contains("Expires: 2027-05-25T10:00:00Z\n"), "{text}");
    assert!(!text.contains("Encryption:"), "no key is set: {text}");
    // The same for everyone and public: caches may keep it for a minute.
    assert_eq!(headers["cache-control"], "public, max-age=60");
});

both_backends!(the_policy_page_shows_the_promises, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let (status, headers, page) = send(&t, "GET", "/security", &[], vec![]).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Safe harbor") && page.contains("3 days") && page.contains("90 days"),
        "{page}"
    );
    assert_eq!(headers["cache-control"], "public, max-age=60");
});

fn policy_with_key() -> Value {
    json!({"scope": "zlib and its bindings", "how_to_report": "the form", "safe_harbor": "good faith research is welcome",
        "embargo_policy": "90 days", "promises": {"acknowledge_days": 2, "triage_days": 7, "fix_days": 60},
        "preferred_languages": "en, de", "contacts": ["mailto:security@coord.example"],
        "openpgp_key": "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ...\n-----END PGP PUBLIC KEY BLOCK-----"})
}

both_backends!(
    an_admin_sets_the_policy_and_security_txt_follows,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let (status, body) = t.api("admin", "PUT", "/api/v1/policy", Some(policy_with_key())).await;
        assert_eq!(status, 200, "{body}");
        let (_, _, text) = send(&t, "GET", "/.well-known/security.txt", &[("host", "localhost")], vec![]).await;
        assert!(text.contains("Contact: mailto:security@coord.example\n"), "{text}");
        assert!(
            text.contains("Encryption: http://localhost/security/openpgp.asc\n"),
            "{text}"
        );
        assert!(text.contains("Preferred-Languages: en, de\n"), "{text}");
        let (status, _, key) = send(&t, "GET", "/security/openpgp.asc", &[], vec![]).await;
        assert_eq!(status, 200);
        assert!(key.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"));
        let (_, policy) = t.api("anonymous", "GET", "/api/v1/policy", None).await;
        assert_eq!(policy["promises"]["triage_days"], 7);
    }
);

both_backends!(only_admins_change_the_policy, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let before = t.audit_events().await;
    let (status, body) = t
        .api("coordinator", "PUT", "/api/v1/policy", Some(policy_with_key()))
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(t.audit_events().await, before);
});

both_backends!(a_bad_policy_field_is_named, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let mut policy = policy_with_key();
    policy["openpgp_key"] = json!("not a key");
    let (status, body) = t.api("admin", "PUT", "/api/v1/policy", Some(policy)).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["openpgp_key"].is_string(), "{body}");
});

both_backends!(
    a_finder_submits_without_an_account_and_tracks_by_token,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let (status, body) = t
            .api(
                "anonymous",
                "POST",
                "/api/v1/reports",
                Some(report("Overflow in inflate")),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let token = body["token"].as_str().unwrap();
        assert_eq!(token.len(), 64);
        assert!(body["tracking_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/reports/track/{token}")));
        let (status, track) = t
            .api("anonymous", "GET", &format!("/api/v1/reports/track/{token}"), None)
            .await;
        assert_eq!(status, 200, "{track}");
        assert_eq!(track["state"], "received");
        assert_eq!(track["promises"].as_array().unwrap().len(), 3);
        assert_eq!(track["promises"][0]["standing"], "pending");
        assert_eq!(track["attachments"][0]["filename"], "poc.py");
    }
);

both_backends!(the_tracking_token_is_stored_only_hashed, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let (id, token) = submit(&t, "Overflow").await;
    let pool = sqlx::AnyPool::connect(&t.db_url).await.unwrap();
    let row: (String,) = sqlx::query_as("SELECT token_hash FROM reports WHERE id = $1")
        .bind(&id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(row.0, lockstep_server::auth::secret_hash(&token));
    assert_ne!(row.0, token);
});

both_backends!(a_submission_is_audited, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let before = t.audit_events().await;
    submit(&t, "Overflow").await;
    assert_eq!(t.audit_events().await, before + 1);
});

both_backends!(
    a_bad_field_is_422_naming_it_and_nothing_is_saved,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let before = t.audit_events().await;
        let mut body = report("No credit name");
        body["credit_name"] = json!("");
        let (status, answer) = t.api("anonymous", "POST", "/api/v1/reports", Some(body)).await;
        assert_eq!(status, 422, "{answer}");
        assert!(answer["error"]["fields"]["credit_name"].is_string(), "{answer}");
        assert_eq!(t.audit_events().await, before);
        assert_eq!(report_count(&t).await, 0);
    }
);

both_backends!(
    an_oversized_attachment_is_413_and_nothing_is_saved,
    |backend| async move {
        let mut config = Config::default();
        config.intake.max_attachment_bytes = 4;
        let Some(t) = TestApp::with_config(backend, config).await else {
            return;
        };
        let before = t.audit_events().await;
        let (status, answer) = t.api("anonymous", "POST", "/api/v1/reports", Some(report("Big"))).await;
        assert_eq!(status, 413, "{answer}");
        assert!(answer["error"]["fields"]["attachments[0]"].is_string(), "{answer}");
        assert_eq!(t.audit_events().await, before);
        assert_eq!(report_count(&t).await, 0);
    }
);

both_backends!(
    submissions_beyond_the_limit_are_429_with_retry_after,
    |backend| async move {
        let mut config = Config::default();
        config.intake.max_submissions = 2;
        let Some(t) = TestApp::with_config(backend, config).await else {
            return;
        };
        submit(&t, "one").await;
        submit(&t, "two").await;
        let before = t.audit_events().await;
        let body = serde_json::to_vec(&report("three")).unwrap();
        let (status, headers, answer) = send(
            &t,
            "POST",
            "/api/v1/reports",
            &[("content-type", "application/json")],
            body.clone(),
        )
        .await;
        assert_eq!(status, 429, "{answer}");
        assert_eq!(headers["retry-after"], "3600");
        assert_eq!(t.audit_events().await, before);
        assert_eq!(report_count(&t).await, 2);
        // An hour later the address may submit again.
        t.clock.advance(jiff::SignedDuration::from_secs(3601));
        let (status, _, answer) = send(
            &t,
            "POST",
            "/api/v1/reports",
            &[("content-type", "application/json")],
            body,
        )
        .await;
        assert_eq!(status, 201, "{answer}");
    }
);

both_backends!(a_report_sent_as_text_is_415, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let body = serde_json::to_vec(&report("as text")).unwrap();
    let (status, _, answer) = send(&t, "POST", "/api/v1/reports", &[("content-type", "text/plain")], body).await;
    assert_eq!(status, 415, "{answer}");
});

/// A multipart body for the report form.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    if let Some((filename, content)) = file {
        body.extend_from_slice(
            format!("--XyZ\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"{filename}\"\r\nContent-Type: text/html\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--XyZ--\r\n");
    body
}

const FORM: &[(&str, &str)] = &[
    ("csrf", "formtoken"),
    ("title", "From the form"),
    ("project", "zlib"),
    ("description", "a flaw"),
    ("exposure", "exploited"),
    ("credit", "anonymous"),
    ("website", ""),
];

both_backends!(
    the_report_form_takes_an_attachment_and_shows_the_link_once,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let (status, _, page) = send(&t, "GET", "/report", &[], vec![]).await;
        assert_eq!(status, 200);
        assert!(page.contains("enctype=\"multipart/form-data\""), "{page}");
        let body = multipart(FORM, Some(("poc.html", b"<script>alert(1)</script>")));
        let (status, _, page) = send(
            &t,
            "POST",
            "/report",
            &[
                ("content-type", "multipart/form-data; boundary=XyZ"),
                ("cookie", "lockstep_login_csrf=formtoken"),
            ],
            body,
        )
        .await;
        assert_eq!(status, 201, "{page}");
        // minijinja escapes `/` in HTML as `&#x2f;`.
        let page = page.replace("&#x2f;", "/");
        let start = page.find("/reports/track/").unwrap() + "/reports/track/".len();
        let token = &page[start..start + 64];
        let (_, track) = t
            .api("anonymous", "GET", &format!("/api/v1/reports/track/{token}"), None)
            .await;
        assert_eq!(track["title"], "From the form");
        // The file comes back as a download, never inline, never sniffed.
        let (_, queue) = t.api("coordinator", "GET", "/api/v1/reports", None).await;
        let id = queue[0]["report"]["id"].as_str().unwrap();
        let sha = track["attachments"][0]["sha256"].as_str().unwrap();
        let token_header = format!("Bearer {}", t.actor("coordinator").unwrap().token);
        let (status, headers, content) = send(
            &t,
            "GET",
            &format!("/api/v1/reports/{id}/attachments/{sha}"),
            &[("authorization", &token_header)],
            vec![],
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(content, "<script>alert(1)</script>");
        assert_eq!(headers["content-disposition"], "attachment; filename=\"poc.html\"");
        assert_eq!(headers["content-type"], "application/octet-stream");
        assert_eq!(headers["x-content-type-options"], "nosniff");
    }
);

both_backends!(the_honeypot_refuses_and_saves_nothing, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let before = t.audit_events().await;
    let mut fields = FORM.to_vec();
    fields.retain(|(n, _)| *n != "website");
    fields.push(("website", "http://spam.example"));
    let (status, _, page) = send(
        &t,
        "POST",
        "/report",
        &[
            ("content-type", "multipart/form-data; boundary=XyZ"),
            ("cookie", "lockstep_login_csrf=formtoken"),
        ],
        multipart(&fields, None),
    )
    .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("website"), "{page}");
    assert_eq!(t.audit_events().await, before);
});

both_backends!(the_report_form_without_its_cookie_is_refused, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let (status, _, _) = send(
        &t,
        "POST",
        "/report",
        &[("content-type", "multipart/form-data; boundary=XyZ")],
        multipart(FORM, None),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(report_count(&t).await, 0);
});

both_backends!(
    participants_cannot_read_the_queue_or_attachments,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let (id, _) = submit(&t, "Overflow").await;
        for uri in ["/api/v1/reports".to_owned(), format!("/api/v1/reports/{id}")] {
            let (status, body) = t.api("participant", "GET", &uri, None).await;
            assert_eq!(status, 403, "{uri}: {body}");
        }
    }
);

both_backends!(
    a_coordinators_question_and_the_finders_answer_form_a_thread,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let (id, token) = submit(&t, "Overflow").await;
        let (status, body) = t
            .api(
                "coordinator",
                "POST",
                &format!("/api/v1/reports/{id}/messages"),
                Some(json!({"body": "Which compiler?"})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let (status, body) = t
            .api(
                "anonymous",
                "POST",
                &format!("/api/v1/reports/track/{token}/messages"),
                Some(json!({"body": "gcc 14"})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let (_, track) = t
            .api("anonymous", "GET", &format!("/api/v1/reports/track/{token}"), None)
            .await;
        let thread: Vec<(&str, bool)> = track["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["body"].as_str().unwrap(), m["from_finder"].as_bool().unwrap()))
            .collect();
        assert_eq!(thread, vec![("Which compiler?", false), ("gcc 14", true)]);
    }
);

both_backends!(accepting_opens_a_case_with_the_reports_facts, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let (id, token) = submit(&t, "Overflow in inflate").await;
    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            &format!("/api/v1/reports/{id}/acknowledge"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, accepted) = t
        .api(
            "coordinator",
            "POST",
            &format!("/api/v1/reports/{id}/accept"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 200, "{accepted}");
    assert_eq!(accepted["state"], "accepted");
    let case = accepted["case_id"].as_str().unwrap();
    let (status, detail) = t
        .api("coordinator", "GET", &format!("/api/v1/cases/{case}"), None)
        .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["case"]["title"], "Overflow in inflate");
    let (_, messages) = t
        .api("coordinator", "GET", &format!("/api/v1/cases/{case}/messages"), None)
        .await;
    let facts = messages[0]["body"].as_str().unwrap();
    assert!(
        facts.contains("Credit: Ada Finder (name)") && facts.contains("poc.py"),
        "{facts}"
    );
    assert_eq!(messages[0]["audience"], "coordinators");
    // The finder sees the state, not the case.
    let (_, track) = t
        .api("anonymous", "GET", &format!("/api/v1/reports/track/{token}"), None)
        .await;
    assert_eq!(track["state"], "accepted");
    assert!(!track.to_string().contains(case), "{track}");
    // A decision is final.
    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            &format!("/api/v1/reports/{id}/decline"),
            Some(json!({"reason": "r"})),
        )
        .await;
    assert_eq!(status, 409, "{body}");
});

both_backends!(accepting_into_a_case_one_does_not_run_is_404, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let (id, _) = submit(&t, "Overflow").await;
    let (status, body) = t
        .api(
            "other_coordinator",
            "POST",
            &format!("/api/v1/reports/{id}/accept"),
            Some(json!({"case_id": t.case.id})),
        )
        .await;
    assert_eq!(status, 404, "{body}");
});

both_backends!(a_declined_report_shows_its_reason_to_the_finder, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let (id, token) = submit(&t, "Overflow").await;
    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            &format!("/api/v1/reports/{id}/decline"),
            Some(json!({"reason": "works as documented"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, track) = t
        .api("anonymous", "GET", &format!("/api/v1/reports/track/{token}"), None)
        .await;
    assert_eq!(track["state"], "declined");
    assert_eq!(track["decline_reason"], "works as documented");
    assert_eq!(track["promises"][2]["standing"], "not_applicable");
});

both_backends!(
    a_report_on_the_same_package_is_suggested_as_a_duplicate,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let (first, _) = submit(&t, "Overflow in inflate").await;
        let (second, _) = submit(&t, "Crash when decompressing").await;
        let (_, detail) = t
            .api("coordinator", "GET", &format!("/api/v1/reports/{second}"), None)
            .await;
        let hints = detail["likely_duplicates"].as_array().unwrap();
        assert!(hints.iter().any(|h| h["id"] == first.as_str()), "{detail}");
        let (status, body) = t
            .api(
                "coordinator",
                "POST",
                &format!("/api/v1/reports/{second}/duplicate"),
                Some(json!({"of_report": first})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["state"], "duplicate");
    }
);

both_backends!(the_queue_flags_reports_past_their_promises, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    submit(&t, "Overflow").await;
    let (_, queue) = t.api("coordinator", "GET", "/api/v1/reports", None).await;
    assert_eq!(queue[0]["overdue"], false);
    t.clock.advance(jiff::SignedDuration::from_hours(4 * 24));
    let (_, queue) = t.api("coordinator", "GET", "/api/v1/reports", None).await;
    assert_eq!(queue[0]["overdue"], true, "{queue}");
    assert_eq!(queue[0]["age_hours"], 96);
    assert_eq!(queue[0]["promises"][0]["standing"], "overdue");
});

both_backends!(the_finders_credit_flows_into_the_advisory, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let (id, _) = submit(&t, "Overflow").await;
    let (_, accepted) = t
        .api(
            "coordinator",
            "POST",
            &format!("/api/v1/reports/{id}/accept"),
            Some(json!({})),
        )
        .await;
    let case = accepted["case_id"].as_str().unwrap();
    let (status, advisory) = t
        .api(
            "coordinator",
            "PUT",
            &format!("/api/v1/cases/{case}/advisory"),
            Some(json!({"title": "Overflow in zlib"})),
        )
        .await;
    assert_eq!(status, 200, "{advisory}");
    let credits = &advisory["revisions"][0]["credits"];
    assert_eq!(
        credits,
        &json!([{"name": "Ada Finder", "kind": "FINDER", "contact": []}]),
        "{advisory}"
    );
});

both_backends!(an_anonymous_finder_is_not_credited, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let mut body = report("Overflow");
    body["credit"] = json!("anonymous");
    let (_, submitted) = t.api("anonymous", "POST", "/api/v1/reports", Some(body)).await;
    let id = submitted["id"].as_str().unwrap();
    let (_, accepted) = t
        .api(
            "coordinator",
            "POST",
            &format!("/api/v1/reports/{id}/accept"),
            Some(json!({})),
        )
        .await;
    let case = accepted["case_id"].as_str().unwrap();
    let (_, advisory) = t
        .api(
            "coordinator",
            "PUT",
            &format!("/api/v1/cases/{case}/advisory"),
            Some(json!({"title": "Overflow"})),
        )
        .await;
    assert_eq!(advisory["revisions"][0]["credits"], json!([]), "{advisory}");
    assert!(!advisory.to_string().contains("Ada Finder"), "{advisory}");
});

both_backends!(
    a_finder_with_an_account_claims_a_report_by_its_link,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let (_, token) = submit(&t, "Overflow").await;
        let (status, body) = t
            .api(
                "outsider",
                "POST",
                "/api/v1/reports/claim",
                Some(json!({"token": token})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (_, mine) = t.api("outsider", "GET", "/api/v1/me/reports", None).await;
        assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
        assert_eq!(mine[0]["title"], "Overflow");
        let (_, theirs) = t.api("participant", "GET", "/api/v1/me/reports", None).await;
        assert_eq!(theirs, json!([]));
        let (status, _) = t
            .api(
                "participant",
                "POST",
                "/api/v1/reports/claim",
                Some(json!({"token": "0".repeat(64)})),
            )
            .await;
        assert_eq!(status, 404);
    }
);

/// A report accepted into the test case; answers the attachment's hash.
async fn accepted_into_the_case(t: &TestApp) -> String {
    let (id, token) = submit(t, "Overflow").await;
    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            &format!("/api/v1/reports/{id}/accept"),
            Some(json!({"case_id": t.case.id})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, track) = t
        .api("anonymous", "GET", &format!("/api/v1/reports/track/{token}"), None)
        .await;
    track["attachments"][0]["sha256"].as_str().unwrap().to_owned()
}

both_backends!(
    participants_read_only_the_attachments_shared_with_them,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let sha = accepted_into_the_case(&t).await;
        let case = t.case.id;
        let list = format!("/api/v1/cases/{case}/attachments");
        let file = format!("/api/v1/cases/{case}/attachments/{sha}");
        let (_, theirs) = t.api("participant", "GET", &list, None).await;
        assert_eq!(theirs, json!([]));
        let (status, unshared) = t.api("participant", "GET", &file, None).await;
        let missing = t
            .api(
                "participant",
                "GET",
                &format!("/api/v1/cases/{case}/attachments/{}", "0".repeat(64)),
                None,
            )
            .await;
        assert_eq!(
            (status, &unshared),
            (missing.0, &missing.1),
            "an unshared file answers like a missing one"
        );
        let (_, ours) = t.api("coordinator", "GET", &list, None).await;
        assert_eq!(ours[0]["shared"], false, "{ours}");
        let before = t.audit_events().await;
        let (status, body) = t.api("participant", "POST", &format!("{file}/share"), None).await;
        assert_eq!(status, 403, "{body}");
        let (status, body) = t.api("coordinator", "POST", &format!("{file}/share"), None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(t.audit_events().await, before + 1);
        let (status, content) = t.api("participant", "GET", &file, None).await;
        assert_eq!(status, 200);
        assert_eq!(content, json!("print(1)\n"));
        let (status, _) = t.api("other_participant", "GET", &file, None).await;
        assert_eq!(status, 404);
    }
);

both_backends!(
    the_case_page_links_its_coordinators_to_the_report_it_came_from,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        accepted_into_the_case(&t).await;
        let uri = format!("/cases/{}", t.case.id);
        let (status, page) = t.raw("coordinator", "GET", &uri, "text/html", vec![], true).await;
        assert_eq!(status, 200);
        assert!(
            page.contains("From finders&#x27; reports") || page.contains("From finders' reports"),
            "{page}"
        );
        assert!(page.contains("Share with participants"), "{page}");
        let (status, page) = t.raw("participant", "GET", &uri, "text/html", vec![], true).await;
        assert_eq!(status, 200);
        assert!(!page.contains("From finders"), "participants do not see the report");
        assert!(!page.contains("poc.py"), "nor an unshared file");
    }
);

both_backends!(
    a_report_body_beyond_the_routes_limit_is_413_naming_it,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let body = vec![b' '; lockstep_server::intake::MAX_REPORT_BODY_BYTES + 1];
        let (status, _, answer) = send(
            &t,
            "POST",
            "/api/v1/reports",
            &[("content-type", "application/json")],
            body,
        )
        .await;
        assert_eq!(status, 413, "{answer}");
        assert!(
            answer.contains(&lockstep_server::intake::MAX_REPORT_BODY_BYTES.to_string()),
            "{answer}"
        );
        assert_eq!(report_count(&t).await, 0);
    }
);
