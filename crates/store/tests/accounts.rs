//! Sessions on both back ends: what a login purges, read back from the table itself.

#![allow(clippy::unwrap_used)]

use jiff::{SignedDuration, Timestamp};
use lockstep_core::GlobalRole;
use lockstep_store::{NewUser, Store};
use lockstep_testkit::{both_backends, fresh_database_url};
use sqlx::{AnyConnection, Connection, Row};

fn now() -> Timestamp {
    "2026-11-26T10:00:00Z".parse().unwrap()
}

async fn session_hashes(url: &str) -> Vec<String> {
    let mut conn = AnyConnection::connect(url).await.unwrap();
    let rows = sqlx::query("SELECT id_hash FROM sessions ORDER BY id_hash")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    rows.iter().map(|r| r.try_get("id_hash").unwrap()).collect()
}

both_backends!(logging_in_purges_expired_sessions, |backend| async move {
    let Some(url) = fresh_database_url(backend).await else {
        return;
    };
    let store = Store::connect(&url).await.unwrap();
    let new_user = |email: &str| NewUser {
        email: email.into(),
        name: email.into(),
        role: GlobalRole::Member,
        password_hash: None,
    };
    let pat = store
        .create_user(None, now(), new_user("pat@example.org"))
        .await
        .unwrap();
    let kim = store
        .create_user(None, now(), new_user("kim@example.org"))
        .await
        .unwrap();
    let hour = SignedDuration::from_hours(1);
    store
        .create_session(now(), pat.id, "a-expires-in-an-hour", "csrf", now() + hour)
        .await
        .unwrap();
    store
        .create_session(now(), pat.id, "b-expires-in-a-day", "csrf", now() + hour * 24)
        .await
        .unwrap();
    // Two hours later someone else logs in: the expired session goes, the live one stays.
    let later = now() + hour * 2;
    store
        .create_session(later, kim.id, "c-new", "csrf", later + hour)
        .await
        .unwrap();
    assert_eq!(session_hashes(&url).await, ["b-expires-in-a-day", "c-new"]);
});
