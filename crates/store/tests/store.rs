//! The store on both back ends: the audit chain catches edits and deletions, and the
//! case workflow keeps to its state machines.

#![allow(clippy::unwrap_used)]

use jiff::Timestamp;
use lockstep_core::{EmbargoPolicy, EmbargoState, GlobalRole, Phase};
use lockstep_store::{audit, Backend, EmbargoChange, NewCase, NewUser, Store, StoreError};
use lockstep_testkit::{both_backends, fresh_database_url};
use sqlx::{AnyConnection, Connection, Executor};

fn now() -> Timestamp {
    "2026-11-26T10:00:00Z".parse().unwrap()
}

async fn store_with_url(backend: Backend) -> Option<(Store, String)> {
    let url = fresh_database_url(backend).await?;
    Some((Store::connect(&url).await.unwrap(), url))
}

async fn seed(store: &Store) {
    let user = store
        .create_user(
            None,
            now(),
            NewUser {
                email: "c@example.org".into(),
                name: "Coordinator".into(),
                role: GlobalRole::Coordinator,
                password_hash: None,
            },
        )
        .await
        .unwrap();
    for i in 0..4 {
        store
            .create_case(
                user.id,
                now(),
                NewCase {
                    title: format!("case {i}"),
                    summary: String::new(),
                    tlp: None,
                },
            )
            .await
            .unwrap();
    }
}

async fn tamper(url: &str, sql: &str) {
    let mut conn = AnyConnection::connect(url).await.unwrap();
    conn.execute(sql).await.unwrap();
    conn.close().await.unwrap();
}

both_backends!(intact_log_verifies, |backend| async move {
    let Some((store, _)) = store_with_url(backend).await else {
        return;
    };
    seed(&store).await;
    let report = audit::verify(&store).await.unwrap();
    assert_eq!(report.events, 5);
    assert_eq!(report.first_bad, None);
});

both_backends!(edited_event_is_named, |backend| async move {
    let Some((store, url)) = store_with_url(backend).await else {
        return;
    };
    seed(&store).await;
    tamper(
        &url,
        "UPDATE audit_events SET detail = '{\"title\":\"nothing to see\"}' WHERE seq = 3",
    )
    .await;
    let report = audit::verify(&store).await.unwrap();
    let bad = report.first_bad.unwrap();
    assert_eq!(bad.seq, 3);
    assert!(bad.reason.contains("edited"), "{}", bad.reason);
});

both_backends!(deleted_event_is_named, |backend| async move {
    let Some((store, url)) = store_with_url(backend).await else {
        return;
    };
    seed(&store).await;
    tamper(&url, "DELETE FROM audit_events WHERE seq = 2").await;
    let bad = audit::verify(&store).await.unwrap().first_bad.unwrap();
    assert_eq!(bad.seq, 2);
    assert!(bad.reason.contains("missing"), "{}", bad.reason);
});

both_backends!(deleted_tail_is_noticed, |backend| async move {
    let Some((store, url)) = store_with_url(backend).await else {
        return;
    };
    seed(&store).await;
    tamper(&url, "DELETE FROM audit_events WHERE seq = 5").await;
    let bad = audit::verify(&store).await.unwrap().first_bad.unwrap();
    assert_eq!(bad.seq, 5);
});

both_backends!(rewritten_chain_is_caught_at_the_first_edit, |backend| async move {
    let Some((store, url)) = store_with_url(backend).await else {
        return;
    };
    seed(&store).await;
    // Editing a row and recomputing its own hash still breaks the link from the next one.
    tamper(&url, "UPDATE audit_events SET hash = 'ffff' WHERE seq = 4").await;
    let bad = audit::verify(&store).await.unwrap().first_bad.unwrap();
    assert_eq!(bad.seq, 4);
});

both_backends!(phase_and_embargo_follow_the_state_machines, |backend| async move {
    let Some(store) = lockstep_testkit::fresh_store(backend).await else {
        return;
    };
    let user = store
        .create_user(
            None,
            now(),
            NewUser {
                email: "c@example.org".into(),
                name: "C".into(),
                role: GlobalRole::Coordinator,
                password_hash: None,
            },
        )
        .await
        .unwrap();
    let case = store
        .create_case(
            user.id,
            now(),
            NewCase {
                title: "t".into(),
                summary: String::new(),
                tlp: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(case.phase, Phase::Triage);
    let err = store
        .change_phase(user.id, now(), case.id, Phase::Deploying)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Transition(ref t) if t.allowed == ["coordinating", "closed"]),
        "{err}"
    );
    store
        .change_phase(user.id, now(), case.id, Phase::Coordinating)
        .await
        .unwrap();
    let public_at: Timestamp = "2026-12-05T14:00:00Z".parse().unwrap();
    let change = |state, public_at| EmbargoChange {
        state,
        policy: Some(EmbargoPolicy::Distros14),
        public_at,
        time_zone: Some("Europe/Berlin".into()),
    };
    store
        .change_embargo(user.id, now(), case.id, change(EmbargoState::Proposed, Some(public_at)))
        .await
        .unwrap();
    let case2 = store
        .change_embargo(
            user.id,
            now(),
            case.id,
            EmbargoChange {
                state: EmbargoState::Active,
                policy: None,
                public_at: None,
                time_zone: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(case2.embargo.state, EmbargoState::Active);
    assert_eq!(case2.embargo.public_at, Some(public_at));
    // Disclosure waits for the embargo.
    let err = store
        .change_phase(user.id, now(), case.id, Phase::Disclosed)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("exit it"), "{err}");
    // A date beyond the policy is refused and nothing changes.
    let too_late: Timestamp = "2027-01-30T00:00:00Z".parse().unwrap();
    let err = store
        .change_embargo(user.id, now(), case.id, change(EmbargoState::Revising, Some(too_late)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid { ref field, .. } if field == "public_at"),
        "{err}"
    );
    assert_eq!(store.case(case.id).await.unwrap().embargo.state, EmbargoState::Active);
    store
        .change_embargo(
            user.id,
            now(),
            case.id,
            EmbargoChange {
                state: EmbargoState::Exited,
                policy: None,
                public_at: None,
                time_zone: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .change_phase(user.id, now(), case.id, Phase::Disclosed)
            .await
            .unwrap()
            .phase,
        Phase::Disclosed
    );
    // Every successful write left one audit event, and the chain holds.
    let report = audit::verify(&store).await.unwrap();
    assert_eq!(report.first_bad, None);
    assert_eq!(report.events, 7);
});

#[tokio::test]
async fn sqlite_file_is_in_wal_mode() {
    let url = fresh_database_url(Backend::Sqlite).await.unwrap();
    let _store = Store::connect(&url).await.unwrap();
    let mut conn = AnyConnection::connect(&url).await.unwrap();
    let row: (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(row.0.to_lowercase(), "wal");
}
