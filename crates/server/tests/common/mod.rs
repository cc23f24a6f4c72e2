//! The test harness (after crates.io's TestApp): one call gives the real router on a
//! fresh database with a user of every role, each with an API token and a web session.

#![allow(clippy::unwrap_used, dead_code)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use jiff::Timestamp;
use lockstep_core::{Clock, GlobalRole, MembershipRole, ParticipantRole, ProjectId};
use lockstep_server::{admin, auth, router, App, Config};
use lockstep_store::{
    Backend, Case, NewCase, NewParticipant, NewProject, NewTask, NewVulnerability, Store, Task, User, Vulnerability,
};
use serde_json::Value;

/// The roles every route is walked with.
pub const ROLES: &[&str] = &[
    "anonymous",
    "outsider",
    "other_participant",
    "other_coordinator",
    "participant",
    "coordinator",
    "admin",
];

pub struct Actor {
    pub user: User,
    pub token: String,
    pub session: String,
    pub csrf: String,
}

pub struct TestApp {
    pub app: App,
    pub router: Router,
    pub store: Store,
    pub clock: Clock,
    pub actors: Vec<(&'static str, Actor)>,
    /// The case under test: `coordinator` runs it, `participant`'s project is read in.
    pub case: Case,
    /// Another case: `other_coordinator` runs it, `other_participant`'s project is read in.
    pub other_case: Case,
    pub project: ProjectId,
    pub other_project: ProjectId,
    /// A registered project not yet read into any case.
    pub spare_project: ProjectId,
    pub vulnerability: Vulnerability,
    pub task: Task,
    /// A user with no role in the walk, for routes that add and remove members.
    pub extra_user: lockstep_core::UserId,
    /// The database's URL, for tests that write what the API cannot (old data).
    pub db_url: String,
}

pub fn now() -> Timestamp {
    "2026-11-26T10:00:00Z".parse().unwrap()
}

impl TestApp {
    /// A fresh app on `backend`, or None when that back end is not configured here.
    pub async fn new(backend: Backend) -> Option<TestApp> {
        TestApp::with_config(backend, Config::default()).await
    }

    /// A fresh app with these settings on `backend` (see [`TestApp::new`]).
    pub async fn with_config(backend: Backend, config: Config) -> Option<TestApp> {
        let db_url = lockstep_testkit::fresh_database_url(backend).await?;
        let store = Store::connect(&db_url).await.unwrap();
        let clock = Clock::fixed(now());
        let app = App::new(store.clone(), clock.clone(), config);
        let mut actors = Vec::new();
        for (name, role) in [
            ("outsider", GlobalRole::Member),
            ("other_participant", GlobalRole::Member),
            ("other_coordinator", GlobalRole::Coordinator),
            ("participant", GlobalRole::Member),
            ("coordinator", GlobalRole::Coordinator),
            ("admin", GlobalRole::Admin),
        ] {
            let email = format!("{name}@example.org");
            let user = admin::create_user(&store, now(), &email, name, role, "").await.unwrap();
            let token = admin::create_token(&store, now(), &email, "tests").await.unwrap();
            let session = auth::random_secret().unwrap();
            let csrf = auth::random_secret().unwrap();
            let expires = "2026-11-27T10:00:00Z".parse().unwrap();
            store
                .create_session(now(), user.id, &auth::secret_hash(&session), &csrf, expires)
                .await
                .unwrap();
            actors.push((
                name,
                Actor {
                    user,
                    token,
                    session,
                    csrf,
                },
            ));
        }
        let id = |name: &str| actors.iter().find(|(n, _)| *n == name).unwrap().1.user.id;
        let project = |name: &str, purl: &str| NewProject {
            name: name.into(),
            repository: None,
            security_contact: Some(format!("security@{name}.example")),
            purls: vec![purl.into()],
        };
        let p = store
            .create_project(None, now(), project("libfoo", "pkg:cargo/libfoo"))
            .await
            .unwrap()
            .id;
        let op = store
            .create_project(None, now(), project("libbar", "pkg:npm/libbar"))
            .await
            .unwrap()
            .id;
        let sp = store
            .create_project(None, now(), project("libspare", "pkg:pypi/libspare"))
            .await
            .unwrap()
            .id;
        store
            .add_membership(None, now(), p, id("participant"), MembershipRole::Maintainer)
            .await
            .unwrap();
        store
            .add_membership(None, now(), op, id("other_participant"), MembershipRole::Maintainer)
            .await
            .unwrap();
        let new_case = |title: &str| NewCase {
            title: title.into(),
            summary: format!("secret details of {title}"),
            tlp: None,
        };
        let case = store
            .create_case(id("coordinator"), now(), new_case("Embargoed flaw in libfoo"))
            .await
            .unwrap();
        let other_case = store
            .create_case(id("other_coordinator"), now(), new_case("Other flaw in libbar"))
            .await
            .unwrap();
        let read_in = |project| NewParticipant {
            project_id: project,
            role: ParticipantRole::Upstream,
        };
        store
            .add_participant(id("coordinator"), now(), case.id, read_in(p))
            .await
            .unwrap();
        store
            .add_participant(id("other_coordinator"), now(), other_case.id, read_in(op))
            .await
            .unwrap();
        let vulnerability = store
            .add_vulnerability(
                id("coordinator"),
                now(),
                case.id,
                NewVulnerability {
                    title: "overflow".into(),
                    cwe: Some("CWE-787".parse().unwrap()),
                    cvss: None,
                    aliases: vec![],
                    affected: vec![],
                },
            )
            .await
            .unwrap();
        let task = store
            .create_task(
                id("coordinator"),
                now(),
                case.id,
                NewTask {
                    title: "patch".into(),
                    owner_id: None,
                    due_on: None,
                },
            )
            .await
            .unwrap();
        let extra_user = admin::create_user(&store, now(), "extra@example.org", "extra", GlobalRole::Member, "")
            .await
            .unwrap()
            .id;
        let router = router(app.clone());
        Some(TestApp {
            app,
            router,
            store,
            clock,
            actors,
            case,
            other_case,
            project: p,
            other_project: op,
            spare_project: sp,
            vulnerability,
            task,
            extra_user,
            db_url,
        })
    }

    pub fn actor(&self, role: &str) -> Option<&Actor> {
        self.actors.iter().find(|(n, _)| *n == role).map(|(_, a)| a)
    }

    /// Calls the API as `role` with an optional JSON body; returns status and parsed body.
    pub async fn api(&self, role: &str, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let (status, text) = self
            .raw(role, method, path, "application/json", body.into_bytes(), false)
            .await;
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// Sends a request as `role`, by token (API) or by session cookie (`web`).
    pub async fn raw(
        &self,
        role: &str,
        method: &str,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        web: bool,
    ) -> (StatusCode, String) {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", content_type);
        if let Some(actor) = self.actor(role) {
            req = if web {
                let name = auth::session_cookie_name(self.app.config());
                req.header("cookie", format!("{name}={}", actor.session))
            } else {
                req.header("authorization", format!("Bearer {}", actor.token))
            };
        }
        let resp = tower::ServiceExt::oneshot(self.router.clone(), req.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    pub async fn audit_events(&self) -> i64 {
        lockstep_store::audit::verify(&self.store).await.unwrap().events
    }
}
