//! Escalation triggers move a case's tier, the CISA SSVC decision, on both back ends.

#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use lockstep_testkit::both_backends;
use serde_json::json;

both_backends!(triggers_move_the_tier, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let case = t.case.id;
    let esc = format!("/api/v1/cases/{case}/escalation");
    let triggers = format!("/api/v1/cases/{case}/triggers");
    let (_, e) = t.api("participant", "GET", &esc, None).await;
    assert_eq!(
        (e["tier"].as_str(), e["exploitation"].as_str()),
        (Some("track"), Some("none")),
        "{e}"
    );

    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            &triggers,
            Some(json!({"trigger": "exploit_public", "note": "PoC on a mailing list"})),
        )
        .await;
    assert_eq!(status.as_u16(), 201, "{body}");
    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            &triggers,
            Some(json!({"trigger": "exploit_public"})),
        )
        .await;
    assert_eq!(status.as_u16(), 409, "{body}");
    let (status, _) = t
        .api("coordinator", "POST", &triggers, Some(json!({"trigger": "rumour"})))
        .await;
    assert_eq!(status.as_u16(), 422);
    let (status, _) = t
        .api("participant", "POST", &triggers, Some(json!({"trigger": "kev_listed"})))
        .await;
    assert_eq!(status.as_u16(), 403);
    let (_, e) = t.api("participant", "GET", &esc, None).await;
    assert_eq!(e["exploitation"], "public poc");

    // A critical vector implies the critical-rating trigger.
    let vulns = format!("/api/v1/cases/{case}/vulnerabilities");
    let critical = json!({"title": "RCE", "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"});
    let (status, body) = t.api("coordinator", "POST", &vulns, Some(critical)).await;
    assert_eq!(status.as_u16(), 201, "{body}");
    let (_, e) = t.api("coordinator", "GET", &esc, None).await;
    assert_eq!(
        (e["technical_impact"].as_str(), e["implied"][0].as_str()),
        (Some("total"), Some("critical_rating")),
        "{e}"
    );

    let ssvc = format!("/api/v1/cases/{case}/ssvc");
    let (status, body) = t
        .api(
            "coordinator",
            "PUT",
            &ssvc,
            Some(json!({"automatable": "maybe", "mission_impact": "high"})),
        )
        .await;
    assert_eq!(status.as_u16(), 422);
    assert!(body["error"]["fields"]["automatable"].is_string(), "{body}");
    let (status, e) = t
        .api(
            "coordinator",
            "PUT",
            &ssvc,
            Some(json!({"automatable": "yes", "mission_impact": "high"})),
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{e}");
    // public poc, yes, total, high is `attend` in CISA's table; attacks in the wild make it `act`.
    assert_eq!(e["tier"], "attend", "{e}");
    t.api(
        "coordinator",
        "POST",
        &triggers,
        Some(json!({"trigger": "attacks_observed"})),
    )
    .await;
    let (_, detail) = t
        .api("participant", "GET", &format!("/api/v1/cases/{case}"), None)
        .await;
    assert_eq!(detail["escalation"]["tier"], "act", "{detail}");
    assert_eq!(detail["escalation"]["exploitation"], "active");
    // Outsiders learn nothing.
    let (status, _) = t.api("outsider", "GET", &esc, None).await;
    assert_eq!(status.as_u16(), 404);
});
