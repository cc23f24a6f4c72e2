//! The notification registry of a project: contacts one by one, by CSV import and
//! from a security.txt, and webhooks. Who may change it, what is refused and how.

#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use lockstep_testkit::both_backends;
use serde_json::{json, Value};

fn contacts(t: &TestApp) -> String {
    format!("/api/v1/projects/{}/contacts", t.project)
}

async fn listed(t: &TestApp) -> Vec<Value> {
    let (status, list) = t.api("participant", "GET", &contacts(t), None).await;
    assert_eq!(status, 200, "{list}");
    list.as_array().unwrap().clone()
}

both_backends!(a_maintainer_adds_lists_and_removes_a_contact, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let (status, added) = t
        .api(
            "participant",
            "POST",
            &contacts(&t),
            Some(
                json!({"email": "Sec@LibFoo.example", "name": "libfoo security", "role": "security", "language": "de"}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["email"], "sec@libfoo.example");
    assert_eq!(listed(&t).await.len(), 1);
    let (status, _) = t
        .api(
            "participant",
            "DELETE",
            &format!("{}/{}", contacts(&t), added["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status, 204);
    assert!(listed(&t).await.is_empty());
});

both_backends!(
    a_global_coordinator_cannot_add_a_contact_to_anothers_project,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let (status, body) = t
            .api(
                "other_coordinator",
                "POST",
                &contacts(&t),
                Some(json!({"email": "me@elsewhere.example", "name": "me", "role": "security"})),
            )
            .await;
        assert_eq!(status, 403, "{body}");
        assert!(listed(&t).await.is_empty());
    }
);

both_backends!(
    an_import_with_a_bad_row_names_it_and_adds_nothing,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let before = t.audit_events().await;
        let rows = json!({"contacts": [
            {"email": "a@libfoo.example", "name": "A", "role": "maintainer"},
            {"email": "not an address", "name": "B", "role": "consumer"},
        ]});
        let (status, body) = t
            .api("participant", "POST", &format!("{}/import", contacts(&t)), Some(rows))
            .await;
        assert_eq!(status, 422, "{body}");
        assert!(body["error"]["fields"]["contacts[1].email"].is_string(), "{body}");
        assert!(listed(&t).await.is_empty());
        assert_eq!(t.audit_events().await, before);
    }
);

both_backends!(
    an_import_repeating_a_known_email_is_refused_whole,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let one = json!({"email": "a@libfoo.example", "name": "A", "role": "maintainer"});
        assert_eq!(
            t.api("participant", "POST", &contacts(&t), Some(one.clone())).await.0,
            201
        );
        let rows = json!({"contacts": [{"email": "b@libfoo.example", "name": "B", "role": "consumer"}, one]});
        let (status, body) = t
            .api("participant", "POST", &format!("{}/import", contacts(&t)), Some(rows))
            .await;
        assert_eq!(status, 409, "{body}");
        assert!(body["error"]["fields"]["contacts[1].email"].is_string(), "{body}");
        assert_eq!(listed(&t).await.len(), 1);
    }
);

both_backends!(a_security_txt_gives_its_mailto_contacts, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let text = "# libfoo\nContact: mailto:security@libfoo.example\nContact: https://libfoo.example/report\n\
                Expires: 2027-06-30T00:00:00Z\nPreferred-Languages: fr, en\nPolicy: https://libfoo.example/policy\n";
    let (status, body) = t
        .api(
            "participant",
            "POST",
            &format!("{}/security-txt", contacts(&t)),
            Some(json!({"text": text})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["other_contacts"], json!(["https://libfoo.example/report"]));
    let list = listed(&t).await;
    assert_eq!(list.len(), 1);
    assert_eq!(
        (
            &list[0]["email"],
            &list[0]["role"],
            &list[0]["language"],
            &list[0]["source"]
        ),
        (
            &json!("security@libfoo.example"),
            &json!("security"),
            &json!("fr"),
            &json!("security.txt")
        )
    );
});

both_backends!(
    an_expired_security_txt_is_refused_with_its_reason,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let text = "Contact: mailto:security@libfoo.example\nExpires: 2026-01-01T00:00:00Z\n";
        let (status, body) = t
            .api(
                "participant",
                "POST",
                &format!("{}/security-txt", contacts(&t)),
                Some(json!({"text": text})),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        let reason = body["error"]["fields"]["text"].as_str().unwrap();
        assert!(reason.contains("line 2") && reason.contains("expired"), "{reason}");
        assert!(listed(&t).await.is_empty());
    }
);

both_backends!(a_key_that_is_not_armored_openpgp_is_refused, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let (status, body) = t
        .api(
            "participant",
            "POST",
            &contacts(&t),
            Some(json!({"email": "a@libfoo.example", "name": "A", "role": "security", "pgp_key": "ssh-ed25519 AAAA"})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["pgp_key"].is_string(), "{body}");
});

both_backends!(
    an_armored_block_that_is_no_usable_key_is_refused,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let broken =
            "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ0000BYJKwYBBAHaRw8BAQdA\n-----END PGP PUBLIC KEY BLOCK-----";
        let rows = json!({"contacts": [
            {"email": "a@libfoo.example", "name": "A", "role": "security", "pgp_key": include_str!("fixtures/contact-key.asc")},
            {"email": "b@libfoo.example", "name": "B", "role": "security", "pgp_key": broken},
        ]});
        let (status, body) = t
            .api("participant", "POST", &format!("{}/import", contacts(&t)), Some(rows))
            .await;
        assert_eq!(status, 422, "{body}");
        assert!(body["error"]["fields"]["contacts[1].pgp_key"].is_string(), "{body}");
        assert!(listed(&t).await.is_empty());
    }
);

both_backends!(a_webhook_secret_is_never_shown_again, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let hooks = format!("/api/v1/projects/{}/webhooks", t.project);
    let secret = "whsec_do-not-show-me-0123456789";
    let (status, added) = t
        .api(
            "participant",
            "POST",
            &hooks,
            Some(json!({"url": "https://hooks.libfoo.example/x", "secret": secret})),
        )
        .await;
    assert_eq!(status, 201, "{added}");
    let (_, list) = t.api("coordinator", "GET", &hooks, None).await;
    let audit = lockstep_store::audit::events_with_action(&t.store, "webhook.add")
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    for text in [added.to_string(), list.to_string(), audit[0].detail.clone()] {
        assert!(!text.contains(secret), "{text}");
    }
    assert!(list.to_string().contains("hooks.libfoo.example"));
    let (status, body) = t
        .api(
            "participant",
            "POST",
            &hooks,
            Some(json!({"url": "ftp://x.example", "secret": secret})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["url"].is_string(), "{body}");
});
