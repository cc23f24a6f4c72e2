//! The scheduler, driven by the test's clock: the embargo ends by itself at its public
//! date, participants are reminded before it and updated on the case's cadence, a
//! participant that never opened the case is nudged, a task's due date is announced;
//! each once, however often the scheduler runs.

#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use jiff::{SignedDuration, Timestamp};
use lockstep_testkit::both_backends;
use serde_json::json;

fn hours(h: i64) -> Timestamp {
    common::now().checked_add(SignedDuration::from_hours(h)).unwrap()
}

/// An active embargo ending 100 hours from the test's now.
async fn active_embargo(t: &TestApp) {
    let uri = format!("/api/v1/cases/{}/embargo", t.case.id);
    let public_at = hours(100).to_string();
    for state in ["proposed", "active"] {
        let body = json!({"state": state, "public_at": public_at, "time_zone": "UTC"});
        let (status, answer) = t.api("coordinator", "POST", &uri, Some(body)).await;
        assert_eq!(status, 200, "{answer}");
    }
}

async fn kinds(t: &TestApp) -> Vec<String> {
    let mut out: Vec<String> = t
        .store
        .case_notifications(t.case.id)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.kind.as_str().to_owned())
        .collect();
    out.sort();
    out
}

both_backends!(the_public_date_is_reminded_once_72_hours_before, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    active_embargo(&t).await;
    t.store
        .set_status_cadence(t.actor("coordinator").unwrap().user.id, common::now(), t.case.id, 0)
        .await
        .unwrap();
    let before = kinds(&t).await;
    assert_eq!(
        t.store.run_schedule(hours(20), 3).await.unwrap().public_date_reminders,
        0
    );
    let report = t.store.run_schedule(hours(30), 3).await.unwrap();
    assert_eq!(report.public_date_reminders, 1);
    assert_eq!(
        t.store.run_schedule(hours(31), 3).await.unwrap().public_date_reminders,
        0,
        "sent twice"
    );
    assert_eq!(
        t.store.run_schedule(hours(80), 3).await.unwrap().public_date_reminders,
        1,
        "the 24-hour one"
    );
    let after = kinds(&t).await;
    assert_eq!(after.len() - before.len(), 2 + 1, "{after:?}"); // two reminders and the nudge
});

both_backends!(the_embargo_ends_by_itself_at_its_public_date, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    active_embargo(&t).await;
    let report = t.store.run_schedule(hours(100), 3).await.unwrap();
    assert_eq!(report.embargoes_ended, 1);
    let case = t.store.case(t.case.id).await.unwrap();
    assert_eq!(case.embargo.state, lockstep_core::EmbargoState::Exited);
    let events = lockstep_store::audit::case_events(&t.store, t.case.id).await.unwrap();
    let ended = events.iter().rev().find(|e| e.action == "embargo.change").unwrap();
    assert!(ended.actor_id.is_none(), "the scheduler, not a person, ended it");
    assert!(ended.detail.contains("exited"), "{}", ended.detail);
    assert_eq!(t.store.run_schedule(hours(101), 3).await.unwrap().embargoes_ended, 0);
});

both_backends!(status_updates_follow_the_cases_cadence, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    active_embargo(&t).await;
    let (status, body) = t
        .api(
            "coordinator",
            "PUT",
            &format!("/api/v1/cases/{}/cadence", t.case.id),
            Some(json!({"status_every_hours": 24})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(t.store.run_schedule(hours(23), 3).await.unwrap().status_updates, 0);
    assert_eq!(t.store.run_schedule(hours(25), 3).await.unwrap().status_updates, 1);
    assert_eq!(t.store.run_schedule(hours(26), 3).await.unwrap().status_updates, 0);
    assert_eq!(t.store.run_schedule(hours(49), 3).await.unwrap().status_updates, 1);
    let (status, _) = t
        .api(
            "coordinator",
            "PUT",
            &format!("/api/v1/cases/{}/cadence", t.case.id),
            Some(json!({"status_every_hours": 9999})),
        )
        .await;
    assert_eq!(status, 422);
});

both_backends!(
    a_participant_that_never_opened_the_case_is_nudged_once,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        // The other case's participant opens its case; the main case's never does.
        let (status, _) = t
            .api(
                "other_participant",
                "GET",
                &format!("/api/v1/cases/{}", t.other_case.id),
                None,
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(t.store.run_schedule(hours(71), 3).await.unwrap().nudges, 0);
        assert_eq!(t.store.run_schedule(hours(72), 3).await.unwrap().nudges, 1);
        assert_eq!(t.store.run_schedule(hours(200), 3).await.unwrap().nudges, 0);
        let nudged = |n: &lockstep_store::Notification| n.kind == lockstep_core::notify::NotificationKind::Nudge;
        assert!(t.store.case_notifications(t.case.id).await.unwrap().iter().any(nudged));
        assert!(!t
            .store
            .case_notifications(t.other_case.id)
            .await
            .unwrap()
            .iter()
            .any(nudged));
    }
);

both_backends!(a_task_due_tomorrow_is_announced_once, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            &format!("/api/v1/cases/{}/tasks", t.case.id),
            Some(json!({"title": "ship the fix", "due_on": "2026-11-28"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    // Due 2026-11-28; the test's now is 2026-11-26T10:00Z: reminded from 2026-11-27T00:00Z.
    assert_eq!(t.store.run_schedule(hours(13), 30).await.unwrap().task_reminders, 0);
    assert_eq!(t.store.run_schedule(hours(14), 30).await.unwrap().task_reminders, 1);
    assert_eq!(t.store.run_schedule(hours(15), 30).await.unwrap().task_reminders, 0);
});

both_backends!(one_process_at_a_time_holds_the_schedulers_lock, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let first = t.store.scheduler_lock().await.unwrap();
    assert!(first.is_some());
    if backend == lockstep_store::Backend::Postgres {
        assert!(
            t.store.scheduler_lock().await.unwrap().is_none(),
            "two schedulers at once"
        );
        drop(first);
        // The lock goes with the connection; a moment later another process takes it.
        let mut again = None;
        for _ in 0..50 {
            again = t.store.scheduler_lock().await.unwrap();
            if again.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(again.is_some());
    }
});
