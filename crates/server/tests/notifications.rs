//! Who hears what, when: the outbox a case's events write, tier by tier. Delivery
//! itself (SMTP, webhooks) is tested against real receivers elsewhere; here the
//! decisions written in the event's transaction.

#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use lockstep_testkit::both_backends;
use serde_json::{json, Value};

/// A real OpenPGP public key (GnuPG, ed25519 with a cv25519 encryption subkey; its
/// secret half was thrown away).
const KEY: &str = include_str!("fixtures/contact-key.asc");

/// Gives the spare project a security contact, a keyed security contact, a consumer
/// list and a webhook.
async fn registry(t: &TestApp, project: lockstep_core::ProjectId) {
    let contacts = json!({"contacts": [
        {"email": "sec@spare.example", "name": "Security", "role": "security"},
        {"email": "keyed@spare.example", "name": "Keyed", "role": "maintainer", "pgp_key": KEY},
        {"email": "users@spare.example", "name": "Users", "role": "consumer"},
    ]});
    let (status, body) = t
        .api(
            "admin",
            "POST",
            &format!("/api/v1/projects/{project}/contacts/import"),
            Some(contacts),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let hook = json!({"url": "https://hooks.spare.example/in", "secret": "whsec_0123456789abcdef"});
    let (status, body) = t
        .api(
            "admin",
            "POST",
            &format!("/api/v1/projects/{project}/webhooks"),
            Some(hook),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

async fn read_in(t: &TestApp, project: lockstep_core::ProjectId) {
    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            &format!("/api/v1/cases/{}/participants", t.case.id),
            Some(json!({"project_id": project})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

async fn notifications(t: &TestApp) -> Vec<Value> {
    let (status, list) = t
        .api(
            "coordinator",
            "GET",
            &format!("/api/v1/cases/{}/notifications", t.case.id),
            None,
        )
        .await;
    assert_eq!(status, 200, "{list}");
    list.as_array().unwrap().clone()
}

/// (address, content) of each delivery of the newest notification of `kind`.
fn deliveries(list: &[Value], kind: &str) -> Vec<(String, String)> {
    let n = list
        .iter()
        .find(|n| n["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {list:?}"));
    let mut out: Vec<(String, String)> = n["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["address"].as_str().unwrap().to_owned(),
                d["content"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = items.iter().map(|(a, c)| (a.to_string(), c.to_string())).collect();
    out.sort();
    out
}

both_backends!(
    reading_in_tells_security_contacts_only_that_there_is_news,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        registry(&t, t.spare_project).await;
        read_in(&t, t.spare_project).await;
        // Embargoed (the case is in triage): a keyed contact gets it encrypted, the others
        // only that there is news; the consumer list hears nothing.
        assert_eq!(
            deliveries(&notifications(&t).await, "read_in"),
            pairs(&[
                ("https://hooks.spare.example/in", "teaser"),
                ("keyed@spare.example", "encrypted"),
                ("sec@spare.example", "teaser"),
            ])
        );
    }
);

both_backends!(
    a_message_to_the_coordinators_notifies_no_participant,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        registry(&t, t.spare_project).await;
        read_in(&t, t.spare_project).await;
        let before = notifications(&t).await.len();
        let (status, _) = t
            .api(
                "coordinator",
                "POST",
                &format!("/api/v1/cases/{}/messages", t.case.id),
                Some(json!({"body": "between us", "audience": "coordinators"})),
            )
            .await;
        assert_eq!(status, 201);
        assert_eq!(notifications(&t).await.len(), before);
        let (status, _) = t
            .api(
                "coordinator",
                "POST",
                &format!("/api/v1/cases/{}/messages", t.case.id),
                Some(json!({"body": "to libfoo only", "audience": "project", "audience_project_id": t.project})),
            )
            .await;
        assert_eq!(status, 201);
        // Addressed to libfoo, which has no contacts: nobody at the spare project hears.
        assert!(deliveries(&notifications(&t).await, "message").is_empty());
    }
);

both_backends!(a_red_message_reaches_no_webhook_and_no_list, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    registry(&t, t.spare_project).await;
    read_in(&t, t.spare_project).await;
    let (status, _) = t
        .api(
            "coordinator",
            "POST",
            &format!("/api/v1/cases/{}/messages", t.case.id),
            Some(json!({"body": "names of victims", "tlp": "RED"})),
        )
        .await;
    assert_eq!(status, 201);
    let list = notifications(&t).await;
    let message = list.iter().find(|n| n["kind"] == "message").unwrap();
    assert_eq!(message["tlp"], "RED");
    assert_eq!(
        deliveries(&list, "message"),
        pairs(&[("keyed@spare.example", "encrypted"), ("sec@spare.example", "teaser")])
    );
});

both_backends!(consumers_hear_the_disclosure_and_nothing_before, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    registry(&t, t.spare_project).await;
    read_in(&t, t.spare_project).await;
    for to in ["coordinating", "disclosed"] {
        let (status, body) = t
            .api(
                "coordinator",
                "POST",
                &format!("/api/v1/cases/{}/phase", t.case.id),
                Some(json!({"to": to})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let list = notifications(&t).await;
    for n in &list {
        let to_users = n["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["address"] == "users@spare.example");
        assert_eq!(to_users, n["kind"] == "disclosure", "{n}");
    }
    // Disclosed: the case is public, so mail goes in clear where there is no key.
    assert_eq!(
        deliveries(&list, "disclosure"),
        pairs(&[
            ("https://hooks.spare.example/in", "full"),
            ("keyed@spare.example", "encrypted"),
            ("sec@spare.example", "full"),
            ("users@spare.example", "full"),
        ])
    );
});

both_backends!(participants_do_not_see_the_deliveries, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let (status, _) = t
        .api(
            "participant",
            "GET",
            &format!("/api/v1/cases/{}/notifications", t.case.id),
            None,
        )
        .await;
    assert_eq!(status, 403);
});

both_backends!(
    claimed_deliveries_are_not_claimed_twice_and_failures_back_off,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        registry(&t, t.spare_project).await;
        read_in(&t, t.spare_project).await;
        let now = common::now();
        let lease = std::time::Duration::from_secs(60);
        let first = t.store.claim_deliveries(now, 100, lease).await.unwrap();
        assert_eq!(first.len(), 3);
        assert!(
            t.store.claim_deliveries(now, 100, lease).await.unwrap().is_empty(),
            "claimed twice"
        );
        let failed = first[0].id;
        let state = t
            .store
            .delivery_failed(failed, now, "connection refused")
            .await
            .unwrap();
        assert_eq!(state, lockstep_core::notify::DeliveryState::Pending);
        t.store.delivery_sent(first[1].id, now).await.unwrap();
        // The failed one is due after its 30-second back-off; the third when its lease ends.
        let at = |secs| now.checked_add(jiff::SignedDuration::from_secs(secs)).unwrap();
        let ids = |claimed: Vec<lockstep_store::ClaimedDelivery>| claimed.into_iter().map(|d| d.id).collect::<Vec<_>>();
        assert!(t.store.claim_deliveries(at(10), 100, lease).await.unwrap().is_empty());
        assert_eq!(
            ids(t.store.claim_deliveries(at(31), 100, lease).await.unwrap()),
            vec![failed]
        );
        assert_eq!(
            ids(t.store.claim_deliveries(at(61), 100, lease).await.unwrap()),
            vec![first[2].id]
        );
        let list = notifications(&t).await;
        let d = list[0]["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == failed.to_string())
            .unwrap()
            .clone();
        assert_eq!(
            (d["attempts"].as_i64(), d["last_error"].as_str()),
            (Some(1), Some("connection refused"))
        );
    }
);

both_backends!(the_case_page_shows_coordinators_who_was_told, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    registry(&t, t.spare_project).await;
    read_in(&t, t.spare_project).await;
    let page = format!("/cases/{}", t.case.id);
    let (status, html) = t.raw("coordinator", "GET", &page, "text/html", vec![], true).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Who was told") && html.contains("keyed@spare.example"),
        "{html}"
    );
    assert!(html.contains("encrypted") && html.contains("teaser"), "{html}");
    let (_, html) = t.raw("participant", "GET", &page, "text/html", vec![], true).await;
    assert!(!html.contains("Who was told") && !html.contains("keyed@spare.example"));
});
