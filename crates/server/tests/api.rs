//! The API's behaviour on both back ends: bad input is refused with the field named
//! and nothing written; transitions answer 409 with the allowed states; participants
//! see only what they may.

#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use lockstep_testkit::both_backends;
use serde_json::json;

both_backends!(bad_input_names_the_field_and_writes_nothing, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let before = t.audit_events().await;
    let (status, body) = t
        .raw(
            "coordinator",
            "POST",
            "/api/v1/cases",
            "application/json",
            b"{\"title\": ".to_vec(),
            false,
        )
        .await;
    assert_eq!(status.as_u16(), 400, "{body}");
    assert!(body.contains("\"code\":\"malformed_json\""), "{body}");

    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            "/api/v1/cases",
            Some(json!({"title": "x", "tlp": "PURPLE"})),
        )
        .await;
    assert_eq!(status.as_u16(), 422);
    assert!(
        body["error"]["fields"]["tlp"]
            .as_str()
            .unwrap()
            .contains("unknown variant"),
        "{body}"
    );

    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            "/api/v1/cases",
            Some(json!({"title": "x", "colour": 1})),
        )
        .await;
    assert_eq!(status.as_u16(), 422, "{body}");

    let (status, body) = t
        .api("coordinator", "POST", "/api/v1/cases", Some(json!({"title": "   "})))
        .await;
    assert_eq!(
        (status.as_u16(), body["error"]["fields"]["title"].as_str()),
        (422, Some("must not be empty")),
        "{body}"
    );

    let uri = format!("/api/v1/cases/{}/embargo", t.case.id);
    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            &uri,
            Some(json!({"state": "proposed", "public_at": "2026-13-45T00:00:00Z"})),
        )
        .await;
    assert_eq!(status.as_u16(), 422);
    assert!(body["error"]["fields"]["public_at"].is_string(), "{body}");

    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            &uri,
            Some(json!({"state": "proposed", "public_at": "2026-12-10T00:00:00Z", "time_zone": "Mars/Base"})),
        )
        .await;
    assert_eq!(status.as_u16(), 422);
    assert!(body["error"]["fields"]["time_zone"].is_string(), "{body}");

    let tasks = format!("/api/v1/cases/{}/tasks", t.case.id);
    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            &tasks,
            Some(json!({"title": "t", "due_on": "2026-02-30"})),
        )
        .await;
    assert_eq!(status.as_u16(), 422);
    assert!(body["error"]["fields"]["due_on"].is_string(), "{body}");

    let huge = format!("{{\"title\":\"{}\"}}", "a".repeat(lockstep_server::MAX_BODY_BYTES + 1));
    let (status, body) = t
        .raw(
            "coordinator",
            "POST",
            "/api/v1/cases",
            "application/json",
            huge.into_bytes(),
            false,
        )
        .await;
    assert_eq!(status.as_u16(), 413, "{}", &body[..body.len().min(200)]);
    assert!(body.contains("payload_too_large"));

    // A project with one bad package URL among good ones is not created at all.
    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            "/api/v1/projects",
            Some(json!({"name": "half", "purls": ["pkg:cargo/ok", "not a purl"]})),
        )
        .await;
    assert_eq!(status.as_u16(), 422);
    assert!(body["error"]["fields"]["purls[1]"].is_string(), "{body}");
    let (_, projects) = t.api("coordinator", "GET", "/api/v1/projects", None).await;
    assert!(!projects.to_string().contains("\"half\""));

    assert_eq!(t.audit_events().await, before, "a refused request wrote something");
});

both_backends!(invalid_transitions_are_409_with_allowed_states, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let uri = format!("/api/v1/cases/{}/phase", t.case.id);
    let (status, body) = t
        .api("coordinator", "POST", &uri, Some(json!({"to": "deploying"})))
        .await;
    assert_eq!(status.as_u16(), 409);
    assert_eq!(body["error"]["code"], "invalid_transition");
    assert_eq!(body["error"]["allowed"], json!(["coordinating", "closed"]));
    let (status, body) = t
        .api("coordinator", "POST", &uri, Some(json!({"to": "coordinating"})))
        .await;
    assert_eq!(status.as_u16(), 200, "{body}");
    assert_eq!(body["phase"], "coordinating");
    let embargo = format!("/api/v1/cases/{}/embargo", t.case.id);
    let (status, _) = t
        .api(
            "coordinator",
            "POST",
            &embargo,
            Some(json!({"state": "proposed", "public_at": "2026-12-01T14:00:00Z", "time_zone": "Europe/Berlin"})),
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    let (status, _) = t
        .api("coordinator", "POST", &embargo, Some(json!({"state": "active"})))
        .await;
    assert_eq!(status.as_u16(), 200);
    let (status, body) = t
        .api("coordinator", "POST", &uri, Some(json!({"to": "disclosed"})))
        .await;
    assert_eq!(status.as_u16(), 409);
    assert!(body["error"]["message"].as_str().unwrap().contains("embargo"), "{body}");
    let (_, detail) = t
        .api("participant", "GET", &format!("/api/v1/cases/{}", t.case.id), None)
        .await;
    assert_eq!(
        detail["embargo_display"],
        "2026-12-01 15:00 CET (Europe/Berlin) = 2026-12-01 14:00 UTC"
    );
});

both_backends!(participants_see_what_they_may, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let case = t.case.id;
    // A second participant project, whose member states a status without sharing it.
    let second = t.spare_project;
    t.api(
        "coordinator",
        "POST",
        &format!("/api/v1/cases/{case}/participants"),
        Some(json!({"project_id": second})),
    )
    .await;
    let (status, _) = t
        .api(
            "coordinator",
            "POST",
            &format!("/api/v1/cases/{case}/participants/{second}/statuses"),
            Some(json!({"vulnerability_id": t.vulnerability.id, "status": "not_affected", "justification": "component_not_present"})),
        )
        .await;
    assert_eq!(status.as_u16(), 204);
    // The participant states its own status; it may not state another project's.
    let own = format!("/api/v1/cases/{case}/participants/{}/statuses", t.project);
    let (status, body) = t
        .api(
            "participant",
            "POST",
            &own,
            Some(json!({"vulnerability_id": t.vulnerability.id, "status": "fixed"})),
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["error"]["fields"]["fixed_version"].is_string()),
        (422, true),
        "{body}"
    );
    let (status, _) = t
        .api(
            "participant",
            "POST",
            &own,
            Some(json!({"vulnerability_id": t.vulnerability.id, "status": "fixed", "fixed_version": "1.2.4"})),
        )
        .await;
    assert_eq!(status.as_u16(), 204);
    let theirs = format!("/api/v1/cases/{case}/participants/{second}/statuses");
    let (status, _) = t
        .api(
            "participant",
            "POST",
            &theirs,
            Some(json!({"vulnerability_id": t.vulnerability.id, "status": "affected"})),
        )
        .await;
    assert_eq!(status.as_u16(), 403);

    let (_, parts) = t
        .api(
            "participant",
            "GET",
            &format!("/api/v1/cases/{case}/participants"),
            None,
        )
        .await;
    let find = |name: &str| {
        parts
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["project_name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(find("libfoo")["statuses"][0]["status"], "fixed");
    assert_eq!(
        find("libspare")["statuses_visible"],
        false,
        "unshared status leaked: {parts}"
    );
    assert_eq!(find("libspare")["statuses"], json!([]));
    let (_, parts) = t
        .api(
            "coordinator",
            "GET",
            &format!("/api/v1/cases/{case}/participants"),
            None,
        )
        .await;
    assert!(parts.to_string().contains("component_not_present"));
    // Once shared, the others see it.
    t.api(
        "coordinator",
        "POST",
        &format!("/api/v1/cases/{case}/participants/{second}/sharing"),
        Some(json!({"share": true})),
    )
    .await;
    let (_, parts) = t
        .api(
            "participant",
            "GET",
            &format!("/api/v1/cases/{case}/participants"),
            None,
        )
        .await;
    assert!(parts.to_string().contains("component_not_present"), "{parts}");

    // Messages for coordinators only stay with them.
    let messages = format!("/api/v1/cases/{case}/messages");
    t.api(
        "coordinator",
        "POST",
        &messages,
        Some(json!({"body": "between us", "audience": "coordinators"})),
    )
    .await;
    t.api("coordinator", "POST", &messages, Some(json!({"body": "to all"})))
        .await;
    let (_, seen) = t.api("participant", "GET", &messages, None).await;
    let bodies: Vec<&str> = seen
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["to all"]);
    let (_, seen) = t.api("admin", "GET", &messages, None).await;
    assert_eq!(seen.as_array().unwrap().len(), 2);
    // Viewing the case notes the participant's first look, once.
    let (_, detail) = t
        .api("participant", "GET", &format!("/api/v1/cases/{case}"), None)
        .await;
    let libfoo = detail["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["project_name"] == "libfoo")
        .unwrap();
    assert_eq!(libfoo["first_seen_at"], "2026-11-26T10:00:00Z");
});

both_backends!(openapi_document_describes_every_route, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let (status, doc) = t.api("anonymous", "GET", "/api/v1/openapi.json", None).await;
    assert_eq!(status.as_u16(), 200);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert!(doc["paths"]["/api/v1/cases/{id}/messages"]["post"].is_object());
    assert!(doc["components"]["schemas"]["NewCase"].is_object());
    let (status, body) = t.raw("anonymous", "GET", "/healthz", "text/plain", vec![], false).await;
    assert_eq!((status.as_u16(), body.as_str()), (200, "ok"));
    let (status, body) = t.api("anonymous", "GET", "/no/such/page", None).await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
});

both_backends!(vulnerabilities_are_checked_against_cvss_and_cwe, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let before = t.audit_events().await;
    let uri = format!("/api/v1/cases/{}/vulnerabilities", t.case.id);
    let bad_vector = json!({"title": "x", "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q"});
    let (status, body) = t.api("coordinator", "POST", &uri, Some(bad_vector)).await;
    assert_eq!(status.as_u16(), 422, "{body}");
    assert!(
        body["error"]["fields"]["cvss_vector"].as_str().unwrap().contains("A"),
        "{body}"
    );
    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            &uri,
            Some(json!({"title": "x", "cwe": "CWE-999999"})),
        )
        .await;
    assert_eq!(status.as_u16(), 422, "{body}");
    assert!(body["error"]["fields"]["cwe"].is_string(), "{body}");
    assert_eq!(t.audit_events().await, before, "a refused vulnerability was written");
    let good = json!({"title": "x", "cwe": "CWE-787", "cvss_vector": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"});
    let (status, body) = t.api("coordinator", "POST", &uri, Some(good)).await;
    assert_eq!(status.as_u16(), 201, "{body}");
});
