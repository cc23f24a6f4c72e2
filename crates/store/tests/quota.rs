//! A project's manifests stay within its quota: the count and the total bytes.

#![allow(clippy::unwrap_used)]

use lockstep_core::{GlobalRole, UserId};
use lockstep_store::{ManifestQuota, NewManifest, NewProject, NewUser, Store, StoreError};
use lockstep_testkit::both_backends;

fn now() -> jiff::Timestamp {
    "2026-11-26T10:00:00Z".parse().unwrap()
}

fn manifest(name: &str, bytes: usize) -> NewManifest {
    NewManifest {
        name: name.into(),
        format: "CargoLock".into(),
        content: "x".repeat(bytes),
        package_count: 1,
    }
}

async fn setup(store: &Store) -> (UserId, lockstep_core::ProjectId) {
    let user = store
        .create_user(
            None,
            now(),
            NewUser {
                email: "m@example.org".into(),
                name: "m".into(),
                role: GlobalRole::Member,
                password_hash: None,
            },
        )
        .await
        .unwrap();
    let project = store
        .create_project(
            None,
            now(),
            NewProject {
                name: "libfoo".into(),
                repository: None,
                security_contact: None,
                purls: vec!["pkg:cargo/libfoo".into()],
            },
        )
        .await
        .unwrap();
    (user.id, project.id)
}

both_backends!(
    a_manifest_beyond_the_count_quota_is_refused_and_nothing_written,
    |backend| async move {
        let Some(store) = lockstep_testkit::fresh_store(backend).await else {
            return;
        };
        let (user, project) = setup(&store).await;
        let quota = ManifestQuota {
            max_count: 2,
            max_bytes: 1000,
        };
        for name in ["a.lock", "b.lock"] {
            store
                .put_manifest(user, now(), project, manifest(name, 10), quota)
                .await
                .unwrap();
        }
        let before = lockstep_store::audit::verify(&store).await.unwrap().events;
        let err = store
            .put_manifest(user, now(), project, manifest("c.lock", 10), quota)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::QuotaExceeded(ref m) if m.contains("quota is 2")),
            "{err}"
        );
        assert_eq!(store.manifests(project).await.unwrap().len(), 2);
        assert_eq!(lockstep_store::audit::verify(&store).await.unwrap().events, before);
        // Replacing one by name stays within the count.
        store
            .put_manifest(user, now(), project, manifest("a.lock", 20), quota)
            .await
            .unwrap();
    }
);

both_backends!(a_manifest_beyond_the_byte_quota_is_refused, |backend| async move {
    let Some(store) = lockstep_testkit::fresh_store(backend).await else {
        return;
    };
    let (user, project) = setup(&store).await;
    let quota = ManifestQuota {
        max_count: 10,
        max_bytes: 100,
    };
    store
        .put_manifest(user, now(), project, manifest("a.lock", 60), quota)
        .await
        .unwrap();
    let err = store
        .put_manifest(user, now(), project, manifest("b.lock", 50), quota)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::QuotaExceeded(ref m) if m.contains("100 bytes")),
        "{err}"
    );
    // The replaced manifest's own bytes do not count against its replacement.
    store
        .put_manifest(user, now(), project, manifest("a.lock", 90), quota)
        .await
        .unwrap();
});
