//! Need-to-know through the side doors (the walk of every case route after joining,
//! leaving or being taken out is in `route_roles.rs`): membership audited on the
//! case, publication as a frozen snapshot, statuses public only by consent,
//! reply audiences and thread depth. Each test is one way an embargoed fact could
//! reach the wrong person, on both back ends.

#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use lockstep_testkit::both_backends;
use serde_json::{json, Value};
use sqlx::{AnyConnection, Connection};

fn case_path(t: &TestApp, rest: &str) -> String {
    format!("/api/v1/cases/{}{rest}", t.case.id)
}

both_backends!(
    adding_a_member_is_audited_on_every_case_of_the_project,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let (status, body) = t
            .api(
                "participant",
                "POST",
                &format!("/api/v1/projects/{}/members", t.project),
                Some(json!({"user_id": t.extra_user, "role": "liaison"})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let (status, events) = t.api("coordinator", "GET", &case_path(&t, "/audit"), None).await;
        assert_eq!(status, 200);
        let joined: Vec<&Value> = events
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| {
                e["action"] == "membership.add" && e["detail"].as_str().unwrap().contains(&t.extra_user.to_string())
            })
            .collect();
        assert_eq!(joined.len(), 1, "{events}");
        // The other case, which the project is not in, does not hear of it.
        let (_, other) = t
            .api(
                "other_coordinator",
                "GET",
                &format!("/api/v1/cases/{}/audit", t.other_case.id),
                None,
            )
            .await;
        assert!(!other.to_string().contains("membership.add"), "{other}");
    }
);

/// Writes an advisory, discloses the case and publishes; returns the advisory id.
async fn publish_first_edition(t: &TestApp) -> String {
    let (status, draft) = t
        .api(
            "coordinator",
            "PUT",
            &case_path(t, "/advisory"),
            Some(json!({"title": "Overflow in libfoo", "summary": "Upgrade.", "changelog": "Initial."})),
        )
        .await;
    assert_eq!(status, 200, "{draft}");
    for to in ["coordinating", "disclosed"] {
        let (status, body) = t
            .api("coordinator", "POST", &case_path(t, "/phase"), Some(json!({"to": to})))
            .await;
        assert_eq!(status, 200, "{body}");
    }
    publish(t).await;
    draft["advisory_id"].as_str().unwrap().to_owned()
}

async fn publish(t: &TestApp) {
    let (status, body) = t
        .api("coordinator", "POST", &case_path(t, "/advisory/publish"), None)
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn public(t: &TestApp, path: &str) -> (u16, String) {
    let (status, body) = t.raw("anonymous", "GET", path, "text/html", vec![], false).await;
    (status.as_u16(), body)
}

both_backends!(
    a_vulnerability_added_after_publication_stays_private,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let id = publish_first_edition(&t).await;
        let (status, body) = t
            .api(
                "coordinator",
                "POST",
                &case_path(&t, "/vulnerabilities"),
                Some(json!({"title": "Second flaw nobody published", "aliases": ["CVE-2026-9999"]})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        for path in [
            format!("/advisories/{id}"),
            "/advisories/feed.atom".to_owned(),
            format!("/advisories/{id}/osv.json"),
        ] {
            let (status, body) = public(&t, &path).await;
            assert_eq!(status, 200, "{path}");
            assert!(
                !body.contains("Second flaw") && !body.contains("CVE-2026-9999"),
                "{path}: {body}"
            );
        }
        assert_eq!(public(&t, &format!("/advisories/{id}-2/osv.json")).await.0, 404);
        // Published again, the new vulnerability is public.
        let (status, body) = t
            .api(
                "coordinator",
                "PUT",
                &case_path(&t, "/advisory"),
                Some(json!({"title": "Overflow in libfoo", "changelog": "Adds the second flaw."})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        publish(&t).await;
        let (status, osv) = public(&t, &format!("/advisories/{id}-2/osv.json")).await;
        assert_eq!(status, 200);
        assert!(osv.contains("CVE-2026-9999"), "{osv}");
    }
);

both_backends!(
    a_revision_written_after_publication_stays_a_draft,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let id = publish_first_edition(&t).await;
        let (status, _) = t
            .api(
                "coordinator",
                "PUT",
                &case_path(&t, "/advisory"),
                Some(json!({"title": "Renamed before anyone agreed", "changelog": "Draft."})),
            )
            .await;
        assert_eq!(status, 200);
        let (_, page) = public(&t, &format!("/advisories/{id}")).await;
        assert!(
            page.contains("Overflow in libfoo") && !page.contains("Renamed before"),
            "{page}"
        );
    }
);

/// The participant states "fixed in 1.2.4" for the test vulnerability, shared with co-participants.
async fn state_fixed(t: &TestApp) {
    let project = t.project;
    let (status, body) = t
        .api(
            "participant",
            "POST",
            &case_path(t, &format!("/participants/{project}/statuses")),
            Some(
                json!({"vulnerability_id": t.vulnerability.id, "status": "fixed", "fixed_version": "1.2.4",
                "impact_statement": "only our internal fork is hit"}),
            ),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let (status, _) = t
        .api(
            "participant",
            "POST",
            &case_path(t, &format!("/participants/{project}/sharing")),
            Some(json!({"share": true})),
        )
        .await;
    assert_eq!(status, 204);
}

both_backends!(a_shared_status_is_not_published_without_consent, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    state_fixed(&t).await;
    let id = publish_first_edition(&t).await;
    let (_, osv) = public(&t, &format!("/advisories/{id}/osv.json")).await;
    let (_, page) = public(&t, &format!("/advisories/{id}")).await;
    for text in [&osv, &page] {
        assert!(
            !text.contains("1.2.4") && !text.contains("pkg:cargo/libfoo") && !text.contains("internal fork"),
            "{text}"
        );
    }
});

both_backends!(
    a_status_the_participant_agreed_to_publish_appears_in_the_next_edition,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        state_fixed(&t).await;
        let id = publish_first_edition(&t).await;
        let project = t.project;
        // Coordinators may not agree for the participant.
        let (status, _) = t
            .api(
                "coordinator",
                "POST",
                &case_path(&t, &format!("/participants/{project}/publication")),
                Some(json!({"publish": true})),
            )
            .await;
        assert_eq!(status, 403);
        let (status, body) = t
            .api(
                "participant",
                "POST",
                &case_path(&t, &format!("/participants/{project}/publication")),
                Some(json!({"publish": true})),
            )
            .await;
        assert_eq!(status, 204, "{body}");
        // Consent alone publishes nothing: the frozen edition stays as it was.
        assert!(!public(&t, &format!("/advisories/{id}/osv.json"))
            .await
            .1
            .contains("1.2.4"));
        let (status, _) = t
            .api(
                "coordinator",
                "PUT",
                &case_path(&t, "/advisory"),
                Some(json!({"title": "Overflow in libfoo", "changelog": "libfoo's fix."})),
            )
            .await;
        assert_eq!(status, 200);
        publish(&t).await;
        let (_, osv) = public(&t, &format!("/advisories/{id}/osv.json")).await;
        let osv: Value = serde_json::from_str(&osv).unwrap();
        let fixed: Vec<&str> = osv["affected"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|a| a["ranges"].as_array().unwrap().iter())
            .flat_map(|r| r["events"].as_array().unwrap().iter())
            .filter_map(|e| e["fixed"].as_str())
            .collect();
        assert_eq!(fixed, ["1.2.4"], "{osv}");
    }
);

async fn post_message(t: &TestApp, role: &str, body: Value) -> (u16, Value) {
    let (status, answer) = t.api(role, "POST", &case_path(t, "/messages"), Some(body)).await;
    (status.as_u16(), answer)
}

both_backends!(
    a_reply_to_a_coordinators_only_message_stays_with_the_coordinators,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let (status, parent) = post_message(
            &t,
            "coordinator",
            json!({"body": "between us", "audience": "coordinators"}),
        )
        .await;
        assert_eq!(status, 201, "{parent}");
        let (status, reply) = post_message(
            &t,
            "admin",
            json!({"body": "agreed, quietly", "parent_id": parent["id"]}),
        )
        .await;
        assert_eq!(status, 201, "{reply}");
        assert_eq!(reply["audience"], "coordinators");
        let (_, seen) = t.api("participant", "GET", &case_path(&t, "/messages"), None).await;
        assert!(!seen.to_string().contains("quietly"), "{seen}");
    }
);

both_backends!(a_reply_may_not_widen_its_parents_audience, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let (_, parent) = post_message(
        &t,
        "coordinator",
        json!({"body": "between us", "audience": "coordinators"}),
    )
    .await;
    let (status, answer) = post_message(
        &t,
        "coordinator",
        json!({"body": "to everyone", "parent_id": parent["id"], "audience": "all"}),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer["error"]["fields"].to_string().contains("audience"), "{answer}");
});

both_backends!(replies_beyond_the_depth_cap_are_refused, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let (status, mut parent) = post_message(&t, "participant", json!({"body": "root"})).await;
    assert_eq!(status, 201);
    for _ in 0..lockstep_core::thread::MAX_DEPTH {
        let (status, reply) =
            post_message(&t, "participant", json!({"body": "deeper", "parent_id": parent["id"]})).await;
        assert_eq!(status, 201, "{reply}");
        parent = reply;
    }
    assert_eq!(parent["depth"], lockstep_core::thread::MAX_DEPTH);
    let (status, answer) = post_message(
        &t,
        "participant",
        json!({"body": "too deep", "parent_id": parent["id"]}),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer["error"]["fields"].to_string().contains("parent_id"), "{answer}");
});

both_backends!(a_case_page_with_a_20000_deep_thread_renders, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    // Older data may predate the cap: write the chain straight into the database.
    let author = t.actor("participant").unwrap().user.id.to_string();
    let mut conn = AnyConnection::connect(&t.db_url).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    let mut parent: Option<String> = None;
    for depth in 0..20_000i64 {
        let id = lockstep_core::MessageId::new().to_string();
        sqlx::query(
            "INSERT INTO messages (id, case_id, parent_id, author_id, audience, audience_project_id, tlp, body, depth, \
             created_at) VALUES ($1, $2, $3, $4, 'all', NULL, 'AMBER', $5, $6, $7)",
        )
        .bind(&id)
        .bind(t.case.id.to_string())
        .bind(parent.clone())
        .bind(&author)
        .bind(format!("reply {depth}"))
        .bind(depth)
        .bind(common::now().as_millisecond() + depth)
        .execute(&mut *tx)
        .await
        .unwrap();
        parent = Some(id);
    }
    tx.commit().await.unwrap();
    conn.close().await.unwrap();
    let (status, page) = t
        .raw(
            "participant",
            "GET",
            &format!("/cases/{}", t.case.id),
            "text/html",
            vec![],
            true,
        )
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("reply 19999"));
    // And the server is still up.
    let (status, _) = t.api("participant", "GET", "/api/v1/cases", None).await;
    assert_eq!(status, 200);
});

both_backends!(
    the_case_page_shows_its_coordinators_who_joined_a_participating_project,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let (status, _) = t
            .api(
                "admin",
                "POST",
                &format!("/api/v1/projects/{}/members", t.project),
                Some(json!({"user_id": t.extra_user, "role": "liaison"})),
            )
            .await;
        assert_eq!(status, 201);
        let page = format!("/cases/{}", t.case.id);
        let (status, html) = t.raw("coordinator", "GET", &page, "text/html", vec![], true).await;
        assert_eq!(status, 200);
        assert!(html.contains("extra joined libfoo as liaison"), "{html}");
        let (_, html) = t.raw("participant", "GET", &page, "text/html", vec![], true).await;
        assert!(
            !html.contains("Who was read in"),
            "participants see the case, not its read-in trail"
        );
    }
);
