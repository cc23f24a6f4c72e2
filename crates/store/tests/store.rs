//! The store on both back ends: the audit chain catches edits and deletions, signed
//! checkpoints catch a chain rewritten whole, verifying reads one snapshot while
//! writers go on, and the case workflow keeps to its state machines.

#![allow(clippy::unwrap_used)]

use jiff::Timestamp;
use lockstep_core::UserId;
use lockstep_core::{EmbargoPolicy, EmbargoState, GlobalRole, Phase};
use lockstep_store::audit::{AuditKey, Checkpoint, Untrusted, VerifiedCheckpoint};
use lockstep_store::{audit, Backend, EmbargoChange, NewCase, NewUser, Store, StoreError};
use lockstep_testkit::{both_backends, fresh_database_url};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Connection, Executor, Row};

fn now() -> Timestamp {
    "2026-11-26T10:00:00Z".parse().unwrap()
}

async fn store_with_url(backend: Backend) -> Option<(Store, String)> {
    let url = fresh_database_url(backend).await?;
    Some((Store::connect(&url).await.unwrap(), url))
}

async fn seed(store: &Store) -> UserId {
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
    user.id
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

async fn add_cases(store: &Store, user: UserId, n: usize) {
    for i in 0..n {
        let case = NewCase {
            title: format!("later case {i}"),
            summary: String::new(),
            tlp: None,
        };
        store.create_case(user, now(), case).await.unwrap();
    }
}

/// Signs the current head, as `lockstep audit checkpoint` does.
async fn checkpoint(store: &Store, key: &AuditKey) -> Checkpoint {
    let head = audit::verify(store).await.unwrap().head.unwrap();
    key.sign(&head, now())
}

fn trusted(checkpoint: &Checkpoint, key: &AuditKey) -> VerifiedCheckpoint {
    checkpoint.verify(Some(&key.public_key())).unwrap()
}

/// The chain's hash as the store computes it: SHA-256 over length-prefixed fields.
fn chain_hash(fields: [&str; 8]) -> String {
    let mut h = Sha256::new();
    for part in fields {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// What an attacker with database access does: edits event `seq`'s detail, then
/// recomputes every hash from there to the head so that the chain is consistent again.
async fn rewrite_chain_from(url: &str, seq: i64, detail: &str) {
    let mut conn = AnyConnection::connect(url).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("UPDATE audit_events SET detail = $1 WHERE seq = $2")
        .bind(detail)
        .bind(seq)
        .execute(&mut *tx)
        .await
        .unwrap();
    let mut prev: String = sqlx::query("SELECT hash FROM audit_events WHERE seq = $1")
        .bind(seq - 1)
        .fetch_one(&mut *tx)
        .await
        .unwrap()
        .get("hash");
    let rows = sqlx::query(
        "SELECT seq, at, actor_id, action, case_id, subject, detail FROM audit_events WHERE seq >= $1 ORDER BY seq",
    )
    .bind(seq)
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    for row in rows {
        let seq: i64 = row.get("seq");
        let at: i64 = row.get("at");
        let actor: Option<String> = row.get("actor_id");
        let case_id: Option<String> = row.get("case_id");
        let action: String = row.get("action");
        let subject: String = row.get("subject");
        let detail: String = row.get("detail");
        let hash = chain_hash([
            &seq.to_string(),
            &at.to_string(),
            actor.as_deref().unwrap_or(""),
            &action,
            case_id.as_deref().unwrap_or(""),
            &subject,
            &detail,
            &prev,
        ]);
        sqlx::query("UPDATE audit_events SET prev_hash = $1, hash = $2 WHERE seq = $3")
            .bind(&prev)
            .bind(&hash)
            .bind(seq)
            .execute(&mut *tx)
            .await
            .unwrap();
        prev = hash;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&prev)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    conn.close().await.unwrap();
}

both_backends!(log_extends_its_checkpoint_after_more_writes, |backend| async move {
    let Some((store, _)) = store_with_url(backend).await else {
        return;
    };
    let user = seed(&store).await;
    let key = AuditKey::generate().unwrap();
    let cp = checkpoint(&store, &key).await;
    add_cases(&store, user, 3).await;
    let report = audit::verify_extends(&store, &trusted(&cp, &key)).await.unwrap();
    assert_eq!(report.first_bad, None);
    assert_eq!(report.events, 8);
});

both_backends!(
    chain_rewritten_whole_passes_plain_verify_but_not_the_checkpoint,
    |backend| async move {
        let Some((store, url)) = store_with_url(backend).await else {
            return;
        };
        let user = seed(&store).await;
        let key = AuditKey::generate().unwrap();
        let cp = checkpoint(&store, &key).await;
        assert_eq!(cp.seq(), 5);
        add_cases(&store, user, 2).await;
        rewrite_chain_from(&url, 3, r#"{"title":"nothing to see"}"#).await;
        assert_eq!(audit::verify(&store).await.unwrap().first_bad, None);
        let bad = audit::verify_extends(&store, &trusted(&cp, &key))
            .await
            .unwrap()
            .first_bad
            .unwrap();
        assert_eq!(bad.seq, 5);
        assert!(bad.reason.contains("rewritten"), "{}", bad.reason);
    }
);

both_backends!(log_cut_back_below_its_checkpoint_is_caught, |backend| async move {
    let Some((store, url)) = store_with_url(backend).await else {
        return;
    };
    seed(&store).await;
    let key = AuditKey::generate().unwrap();
    let cp = checkpoint(&store, &key).await;
    // Drop the last two events and move the head back onto event 3: a consistent, shorter chain.
    tamper(&url, "DELETE FROM audit_events WHERE seq > 3").await;
    tamper(
        &url,
        "UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_events WHERE seq = 3) WHERE id = 1",
    )
    .await;
    assert_eq!(audit::verify(&store).await.unwrap().first_bad, None);
    let bad = audit::verify_extends(&store, &trusted(&cp, &key))
        .await
        .unwrap()
        .first_bad
        .unwrap();
    assert_eq!(bad.seq, 4);
    assert!(bad.reason.contains("deleted"), "{}", bad.reason);
});

both_backends!(checkpoint_signed_by_another_key_is_refused, |backend| async move {
    let Some((store, _)) = store_with_url(backend).await else {
        return;
    };
    seed(&store).await;
    let ours = AuditKey::generate().unwrap();
    let theirs = AuditKey::generate().unwrap();
    let cp = checkpoint(&store, &theirs).await;
    let err = cp.verify(Some(&ours.public_key())).unwrap_err();
    assert_eq!(
        err,
        Untrusted::OtherKey {
            found: theirs.public_key(),
            trusted: ours.public_key()
        }
    );
});

both_backends!(
    checkpoint_with_an_edited_hash_fails_its_signature,
    |backend| async move {
        let Some((store, url)) = store_with_url(backend).await else {
            return;
        };
        seed(&store).await;
        let key = AuditKey::generate().unwrap();
        let cp = checkpoint(&store, &key).await;
        // The attacker rewrites the chain, then edits the checkpoint file to match the new head.
        rewrite_chain_from(&url, 2, "{}").await;
        let new_head = audit::verify(&store).await.unwrap().head.unwrap();
        let mut doc: serde_json::Value = serde_json::from_str(&cp.to_json()).unwrap();
        doc["hash"] = new_head.hash.into();
        let forged = Checkpoint::parse(&doc.to_string()).unwrap();
        assert_eq!(forged.verify(Some(&key.public_key())), Err(Untrusted::BadSignature));
        assert_eq!(forged.verify(None), Err(Untrusted::BadSignature));
    }
);

/// Runs `check` over and over while three writers append 75 cases; returns how many
/// checks ran while writes were still going on.
async fn during_concurrent_writes(store: &Store, user: UserId, check: impl AsyncFn() -> ()) -> usize {
    let writers: Vec<_> = (0..3)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { add_cases(&store, user, 25).await })
        })
        .collect();
    let mut checks = 0;
    while !writers.iter().all(|w| w.is_finished()) {
        check().await;
        checks += 1;
    }
    for w in writers {
        w.await.unwrap();
    }
    checks
}

both_backends!(
    verify_during_concurrent_writes_sees_an_intact_log,
    |backend| async move {
        let Some((store, _)) = store_with_url(backend).await else {
            return;
        };
        let user = seed(&store).await;
        let checks = during_concurrent_writes(&store, user, async || {
            let report = audit::verify(&store).await.unwrap();
            assert_eq!(report.first_bad, None, "after {} events", report.events);
        })
        .await;
        assert!(checks > 0);
        assert_eq!(audit::verify(&store).await.unwrap().events, 80);
    }
);

both_backends!(
    checkpoint_verify_during_concurrent_writes_passes,
    |backend| async move {
        let Some((store, _)) = store_with_url(backend).await else {
            return;
        };
        let user = seed(&store).await;
        let key = AuditKey::generate().unwrap();
        let cp = trusted(&checkpoint(&store, &key).await, &key);
        let checks = during_concurrent_writes(&store, user, async || {
            let report = audit::verify_extends(&store, &cp).await.unwrap();
            assert_eq!(report.first_bad, None, "after {} events", report.events);
        })
        .await;
        assert!(checks > 0);
    }
);
