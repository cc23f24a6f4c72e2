//! The demo's logins: a random password at every start that logs in to every demo
//! account, never a constant in the source.

#![allow(clippy::unwrap_used)]

use jiff::Timestamp;
use lockstep_server::{admin, auth, demo};
use lockstep_store::Store;
use lockstep_testkit::{both_backends, fresh_store};

const DEMO_ACCOUNTS: [&str; 6] = [
    "admin@lockstep.example",
    "alice@coord.example",
    "maria@zlib.example",
    "ravi@flate2.example",
    "dana@debian.example",
    "omar@outside.example",
];

fn now() -> Timestamp {
    "2026-11-26T10:00:00Z".parse().unwrap()
}

/// What the login form checks.
async fn logs_in(store: &Store, email: &str, password: &str) -> bool {
    match store.user_by_email(email).await.unwrap() {
        Some((_, Some(hash))) => auth::verify_password(password, &hash),
        _ => false,
    }
}

both_backends!(demo_password_logs_in_to_every_demo_account, |backend| async move {
    let Some(store) = fresh_store(backend).await else {
        return;
    };
    let login = demo::start(&store, now()).await.unwrap();
    assert!(login.seeded);
    for email in DEMO_ACCOUNTS {
        assert!(logs_in(&store, email, &login.password).await, "{email}");
    }
});

both_backends!(two_seedings_give_different_passwords, |backend| async move {
    let (Some(first), Some(second)) = (fresh_store(backend).await, fresh_store(backend).await) else {
        return;
    };
    let a = demo::start(&first, now()).await.unwrap().password;
    let b = demo::start(&second, now()).await.unwrap().password;
    assert_ne!(a, b);
});

both_backends!(
    restarted_demo_gets_a_new_password_and_the_old_one_stops_working,
    |backend| async move {
        let Some(store) = fresh_store(backend).await else {
            return;
        };
        let old = demo::start(&store, now()).await.unwrap().password;
        let again = demo::start(&store, now()).await.unwrap();
        assert!(!again.seeded);
        assert_ne!(again.password, old);
        assert!(logs_in(&store, demo::DEMO_COORDINATOR, &again.password).await);
        assert!(!logs_in(&store, demo::DEMO_COORDINATOR, &old).await);
        assert_eq!(lockstep_store::audit::verify(&store).await.unwrap().first_bad, None);
    }
);

both_backends!(demo_refuses_a_database_with_other_users, |backend| async move {
    let Some(store) = fresh_store(backend).await else {
        return;
    };
    admin::create_user(
        &store,
        now(),
        "someone@example.org",
        "Someone",
        lockstep_core::GlobalRole::Admin,
        "a real password of theirs",
    )
    .await
    .unwrap();
    let err = demo::start(&store, now()).await.unwrap_err();
    assert!(err.to_string().contains("none of the demo's"), "{err}");
    assert!(logs_in(&store, "someone@example.org", "a real password of theirs").await);
});

#[test]
fn demo_passwords_are_long_and_readable() {
    let password = demo::new_password().unwrap();
    assert_eq!(password.len(), 23, "{password}");
    assert!(
        password
            .chars()
            .all(|c| c == '-' || c.is_ascii_lowercase() || c.is_ascii_digit()),
        "{password}"
    );
}

/// Every string literal of at least 12 characters (the shortest password allowed) in
/// the demo's source and in the command that starts it: none may log in.
#[tokio::test]
async fn no_string_in_the_demo_source_logs_in() {
    let store = fresh_store(lockstep_store::Backend::Sqlite).await.unwrap();
    demo::start(&store, now()).await.unwrap();
    let (_, hash) = store.user_by_email(demo::DEMO_COORDINATOR).await.unwrap().unwrap();
    let hash = hash.unwrap();
    let sources = [
        include_str!("../src/demo.rs"),
        include_str!("../../cli/src/server_cmds.rs"),
    ];
    let literals: Vec<&str> = sources
        .iter()
        .flat_map(|src| src.split('"').skip(1).step_by(2))
        .filter(|s| s.chars().count() >= 12 && !s.contains('\n'))
        .collect();
    assert!(literals.len() > 10, "found {} literals", literals.len());
    for literal in literals {
        assert!(!auth::verify_password(literal, &hash), "`{literal}` logs in");
    }
}

both_backends!(
    the_demo_shows_a_policy_a_valid_security_txt_and_a_pending_report,
    |backend| async move {
        use http_body_util::BodyExt;
        let Some(store) = fresh_store(backend).await else {
            return;
        };
        demo::start(&store, now()).await.unwrap();
        let token = admin::create_token(&store, now(), demo::DEMO_COORDINATOR, "test")
            .await
            .unwrap();
        let router = lockstep_server::router(lockstep_server::App::new(
            store.clone(),
            lockstep_core::Clock::fixed(now()),
            lockstep_server::Config::default(),
        ));
        let get = |uri: &str, auth: Option<String>| {
            let mut req = axum::http::Request::builder().uri(uri).header("host", "127.0.0.1:8080");
            if let Some(auth) = auth {
                req = req.header("authorization", auth);
            }
            let req = req.body(axum::body::Body::empty()).unwrap();
            let router = router.clone();
            async move {
                let resp = tower::ServiceExt::oneshot(router, req).await.unwrap();
                let status = resp.status().as_u16();
                let bytes = resp.into_body().collect().await.unwrap().to_bytes();
                (status, String::from_utf8_lossy(&bytes).into_owned())
            }
        };
        let (status, page) = get("/security", None).await;
        assert_eq!(status, 200);
        assert!(page.contains("Safe harbor"), "{page}");
        let (status, text) = get("/.well-known/security.txt", None).await;
        assert_eq!(status, 200);
        assert_eq!(
            lockstep_core::intake::check_security_txt(&text, now()),
            Vec::<String>::new(),
            "{text}"
        );
        let (status, queue) = get("/api/v1/reports", Some(format!("Bearer {token}"))).await;
        assert_eq!(status, 200, "{queue}");
        let queue: serde_json::Value = serde_json::from_str(&queue).unwrap();
        assert_eq!(queue.as_array().unwrap().len(), 1, "{queue}");
        assert_eq!(queue[0]["report"]["state"], "received");
        assert_eq!(
            queue[0]["report"]["attachments"].as_array().map(Vec::len),
            Some(0),
            "the queue lists no contents"
        );
    }
);

both_backends!(
    the_demo_case_has_told_its_participants_security_teams_only_that_there_is_news,
    |backend| async move {
        let Some(store) = fresh_store(backend).await else {
            return;
        };
        demo::start(&store, now()).await.unwrap();
        let admin = store.user_by_email("admin@lockstep.example").await.unwrap().unwrap().0;
        let case = store
            .cases_visible_to(&admin)
            .await
            .unwrap()
            .into_iter()
            .next()
            .unwrap();
        let deliveries: Vec<lockstep_store::Delivery> = store
            .case_notifications(case.id)
            .await
            .unwrap()
            .into_iter()
            .flat_map(|n| n.deliveries)
            .collect();
        assert!(deliveries.iter().any(|d| d.address == "team@security.debian.example"));
        // Embargoed and without keys: teasers only; the users' list hears nothing yet.
        assert!(deliveries
            .iter()
            .all(|d| d.content == lockstep_core::notify::Content::Teaser));
        assert!(deliveries.iter().all(|d| d.address != "announce@lists.debian.example"));
    }
);
