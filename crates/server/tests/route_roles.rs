//! Walks every route of the router (the API's from its own OpenAPI document, the web
//! pages' from the route table they are built from) with every role, and fails on
//! any leak: an actor not read into a case must get exactly what a case that does
//! not exist gets.

#![allow(clippy::unwrap_used)]

mod common;

use common::{TestApp, ROLES};
use lockstep_testkit::both_backends;
use serde_json::{json, Value};

/// What a route requires.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Rule {
    /// Any logged-in user.
    AnyUser,
    /// Coordinators and admins (global action).
    Coordinators,
    /// Read into the case (participant, its coordinator, admin).
    ReadIn,
    /// The case's coordinators and admins; participants see it but may not (403).
    RunsCase,
    /// Members of the project (`participant` is a member of the test project),
    /// coordinators and admins; other users get 403 (projects are not secret).
    ProjectMembers,
    /// The project's maintainers (`participant` maintains the test project) and
    /// admins; everyone else 403, global coordinators included.
    ProjectMaintainers,
    /// The participant itself (`participant`, for the test project); the case's
    /// coordinators see the case but may not (403); others 404.
    ParticipantItself,
    /// The owner of the API token in the path (the walk fills in one of `coordinator`'s);
    /// anyone else's answer is the 404 of a token that does not exist.
    OwnToken,
    /// No login needed: every role alike (finders submit and track reports this way).
    Public,
    /// Admins only; everyone else 403.
    Admins,
}

/// The expectation and a valid sample body for every API route. A route missing here
/// fails the test: a new route is tested the day it is added.
fn api_rule(t: &TestApp, method: &str, path: &str) -> Option<(Rule, Option<Value>)> {
    let v = t.vulnerability.id;
    Some(match (method, path) {
        ("get", "/api/v1/me") | ("get", "/api/v1/cases") | ("get", "/api/v1/projects") => (Rule::AnyUser, None),
        // The caller's own tokens and sessions (api/account.rs).
        ("get", "/api/v1/me/tokens") | ("delete", "/api/v1/me/sessions") => (Rule::AnyUser, None),
        ("delete", "/api/v1/me/tokens/{token_id}") => (Rule::OwnToken, None),
        ("post", "/api/v1/cases") => (Rule::Coordinators, Some(json!({"title": "new case"}))),
        ("post", "/api/v1/projects") => (
            Rule::Coordinators,
            Some(json!({"name": "newproj", "purls": ["pkg:cargo/newproj"]})),
        ),
        // A spare user joins and leaves the test project (the walk re-adds it first).
        ("post", "/api/v1/projects/{project_id}/members") => (
            Rule::ProjectMaintainers,
            Some(json!({"user_id": spare_user(t), "role": "liaison"})),
        ),
        ("delete", "/api/v1/projects/{project_id}/members/{user_id}") => (Rule::ProjectMaintainers, None),
        // The notification registry: members, coordinators and admins read it; only
        // admins and maintainers change it (a contact hears of the project's cases).
        ("get", "/api/v1/projects/{project_id}/contacts") | ("get", "/api/v1/projects/{project_id}/webhooks") => {
            (Rule::ProjectMembers, None)
        }
        ("post", "/api/v1/projects/{project_id}/contacts") => (
            Rule::ProjectMaintainers,
            Some(json!({"email": "sec@libfoo.example", "name": "libfoo security", "role": "security"})),
        ),
        ("post", "/api/v1/projects/{project_id}/contacts/import") => (
            Rule::ProjectMaintainers,
            Some(json!({"contacts": [{"email": "list@libfoo.example", "name": "users", "role": "consumer"}]})),
        ),
        ("post", "/api/v1/projects/{project_id}/contacts/security-txt") => (
            Rule::ProjectMaintainers,
            Some(json!({"text": "Contact: mailto:txt@libfoo.example\nExpires: 2030-01-01T00:00:00Z\n"})),
        ),
        ("delete", "/api/v1/projects/{project_id}/contacts/{contact_id}")
        | ("delete", "/api/v1/projects/{project_id}/webhooks/{webhook_id}") => (Rule::ProjectMaintainers, None),
        ("post", "/api/v1/projects/{project_id}/webhooks") => (
            Rule::ProjectMaintainers,
            Some(json!({"url": "https://hooks.libfoo.example/lockstep", "secret": "whsec_0123456789abcdef"})),
        ),
        ("post", "/api/v1/cases/{id}/participants/{project_id}/publication") => {
            (Rule::ParticipantItself, Some(json!({"publish": true})))
        }
        // The spare project is read in before each attempt; the walk removes it.
        ("delete", "/api/v1/cases/{id}/participants/{project_id}") => (Rule::RunsCase, None),
        ("get", "/api/v1/cases/{id}")
        | ("get", "/api/v1/cases/{id}/vulnerabilities")
        | ("get", "/api/v1/cases/{id}/participants")
        | ("get", "/api/v1/cases/{id}/messages")
        | ("get", "/api/v1/cases/{id}/tasks")
        | ("get", "/api/v1/cases/{id}/decisions") => (Rule::ReadIn, None),
        ("post", "/api/v1/cases/{id}/messages") => (Rule::ReadIn, Some(json!({"body": "hello"}))),
        ("post", "/api/v1/cases/{id}/participants/{project_id}/statuses") => {
            (Rule::ReadIn, Some(json!({"vulnerability_id": v, "status": "affected"})))
        }
        ("post", "/api/v1/cases/{id}/participants/{project_id}/sharing") => {
            (Rule::ReadIn, Some(json!({"share": true})))
        }
        ("get", "/api/v1/cases/{id}/audit") | ("get", "/api/v1/cases/{id}/notifications") => (Rule::RunsCase, None),
        ("post", "/api/v1/cases/{id}/phase") => (Rule::RunsCase, Some(json!({"to": "coordinating"}))),
        ("post", "/api/v1/cases/{id}/embargo") => (
            Rule::RunsCase,
            Some(json!({"state": "proposed", "public_at": "2026-12-10T14:00:00Z", "time_zone": "UTC"})),
        ),
        ("post", "/api/v1/cases/{id}/vulnerabilities") => (Rule::RunsCase, Some(json!({"title": "second flaw"}))),
        ("post", "/api/v1/cases/{id}/participants") => (Rule::RunsCase, Some(json!({"project_id": t.spare_project}))),
        ("post", "/api/v1/cases/{id}/tasks") => {
            (Rule::RunsCase, Some(json!({"title": "a task", "due_on": "2026-12-01"})))
        }
        ("patch", "/api/v1/cases/{id}/tasks/{task_id}") => (Rule::RunsCase, Some(json!({"status": "done"}))),
        ("post", "/api/v1/cases/{id}/decisions") => (Rule::RunsCase, Some(json!({"title": "d", "outcome": "o"}))),
        ("get", "/api/v1/cases/{id}/impact") => (Rule::RunsCase, None),
        ("get", "/api/v1/cases/{id}/escalation") | ("get", "/api/v1/cases/{id}/cadence") => (Rule::ReadIn, None),
        ("put", "/api/v1/cases/{id}/cadence") => (Rule::RunsCase, Some(json!({"status_every_hours": 48}))),
        ("post", "/api/v1/cases/{id}/triggers") => (Rule::RunsCase, Some(json!({"trigger": "kev_listed"}))),
        ("put", "/api/v1/cases/{id}/ssvc") => (
            Rule::RunsCase,
            Some(json!({"automatable": "yes", "mission_impact": "high"})),
        ),
        ("get", "/api/v1/projects/{project_id}/manifests") => (Rule::ProjectMembers, None),
        ("put", "/api/v1/projects/{project_id}/manifests/{name}") => (
            Rule::ProjectMembers,
            Some(json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": []})),
        ),
        // Severity and advisories (api/advisories.rs).
        ("get", "/api/v1/cases/{id}/severity")
        | ("get", "/api/v1/cases/{id}/advisory")
        | ("get", "/api/v1/cases/{id}/advisory/export") => (Rule::ReadIn, None),
        ("post", "/api/v1/cases/{id}/severity/proposals") => (
            Rule::ReadIn,
            Some(
                json!({"vulnerability_id": v, "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "rationale": "r"}),
            ),
        ),
        ("post", "/api/v1/cases/{id}/severity") => (
            Rule::RunsCase,
            Some(
                json!({"vulnerability_id": v, "cvss_vector": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}),
            ),
        ),
        ("post", "/api/v1/cases/{id}/severity/proposals/{proposal_id}/adopt") => (
            Rule::RunsCase,
            Some(json!({"rationale": "the maintainers' analysis holds"})),
        ),
        ("put", "/api/v1/cases/{id}/advisory") => (Rule::RunsCase, Some(json!({"title": "t", "changelog": "c"}))),
        // 409 until the case is out of embargo and disclosed.
        ("post", "/api/v1/cases/{id}/advisory/publish") => (Rule::RunsCase, None),
        // Researcher intake (api/reports.rs): submitting and tracking need no account.
        ("get", "/api/v1/policy") | ("get", "/api/v1/reports/track/{token}") => (Rule::Public, None),
        ("post", "/api/v1/reports") => (Rule::Public, Some(intake_report("walked report"))),
        ("post", "/api/v1/reports/track/{token}/messages") => (Rule::Public, Some(json!({"body": "more details"}))),
        ("put", "/api/v1/policy") => (
            Rule::Admins,
            Some(
                json!({"scope": "s", "how_to_report": "h", "safe_harbor": "sh", "embargo_policy": "e",
                "promises": {"acknowledge_days": 3, "triage_days": 10, "fix_days": 90}, "preferred_languages": "en"}),
            ),
        ),
        ("get", "/api/v1/reports")
        | ("get", "/api/v1/reports/{report_id}")
        | ("get", "/api/v1/reports/{report_id}/attachments/{sha256}")
        | ("post", "/api/v1/reports/{report_id}/acknowledge")
        | ("post", "/api/v1/reports/{report_id}/validate") => (Rule::Coordinators, None),
        ("post", "/api/v1/reports/{report_id}/messages") => {
            (Rule::Coordinators, Some(json!({"body": "which version?"})))
        }
        ("post", "/api/v1/reports/{report_id}/decline") => (Rule::Coordinators, Some(json!({"reason": "not a flaw"}))),
        ("post", "/api/v1/reports/{report_id}/duplicate") => {
            (Rule::Coordinators, Some(json!({"of_report": Value::Null})))
        }
        ("post", "/api/v1/reports/{report_id}/accept") => (Rule::Coordinators, Some(json!({}))),
        // A finder with an account claims a report by its link (the walk fills in the token).
        ("post", "/api/v1/reports/claim") => (Rule::AnyUser, Some(json!({"token": "{token}"}))),
        ("get", "/api/v1/me/reports") => (Rule::AnyUser, None),
        // Attachments of the reports accepted into the case (the walk accepts one and
        // shares its file first): participants read shared ones, coordinators share.
        ("get", "/api/v1/cases/{id}/attachments") | ("get", "/api/v1/cases/{id}/attachments/{sha256}") => {
            (Rule::ReadIn, None)
        }
        ("post", "/api/v1/cases/{id}/attachments/{sha256}/share") => (Rule::RunsCase, None),
        _ => return None,
    })
}

/// A finder's report as the API takes it.
fn intake_report(title: &str) -> Value {
    json!({"title": title, "project": "libfoo", "package": "pkg:cargo/libfoo", "description": "a flaw",
        "exposure": "private", "credit": "handle", "credit_name": "finder",
        "attachments": [{"filename": "poc.txt", "content_type": "text/plain", "content_base64": "cG9j"}]})
}

/// A report submitted before the walk, for the routes that name one: its id, its
/// tracking token and its attachment's hash.
struct Seeded {
    report: String,
    token: String,
    sha256: String,
}

/// A report accepted into the case under test, its attachment shared with the
/// participants; returns the report the routes that name one are walked with.
async fn seed_report_and_case_attachment(t: &TestApp) -> Seeded {
    let accepted = seed_report(t).await;
    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            &format!("/api/v1/reports/{}/accept", accepted.report),
            Some(json!({"case_id": t.case.id})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            &format!("/api/v1/cases/{}/attachments/{}/share", t.case.id, accepted.sha256),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    seed_report(t).await
}

async fn seed_report(t: &TestApp) -> Seeded {
    let (status, body) = t
        .api(
            "anonymous",
            "POST",
            "/api/v1/reports",
            Some(intake_report("seeded report")),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let report = body["id"].as_str().unwrap().to_owned();
    let token = body["token"].as_str().unwrap().to_owned();
    let (_, track) = t
        .api("anonymous", "GET", &format!("/api/v1/reports/track/{token}"), None)
        .await;
    let sha256 = track["attachments"][0]["sha256"].as_str().unwrap().to_owned();
    Seeded { report, token, sha256 }
}

fn fill_intake(path: &str, seeded: &Seeded, report: &str, token: &str) -> String {
    path.replace("{report_id}", report)
        .replace("{token}", token)
        .replace("{sha256}", &seeded.sha256)
}

/// The user the membership routes add and remove: not one of the walked roles.
fn spare_user(t: &TestApp) -> lockstep_core::UserId {
    t.extra_user
}

/// Puts back what a route walked before may have taken away, so that every role
/// meets the same state: the spare user's membership, the spare project read in.
/// Returns the ids of what it put back, for the path's placeholders.
async fn prepare(t: &TestApp, method: &str, path: &str) -> Vec<(&'static str, String)> {
    let ok_or_duplicate = |r: Result<_, lockstep_store::StoreError>| match r {
        Ok(_) | Err(lockstep_store::StoreError::Duplicate { .. }) => {}
        Err(e) => panic!("preparing {method} {path}: {e}"),
    };
    match (method, path) {
        ("delete", "/api/v1/projects/{project_id}/members/{user_id}") => ok_or_duplicate(
            t.store
                .add_membership(
                    None,
                    common::now(),
                    t.project,
                    spare_user(t),
                    lockstep_core::MembershipRole::Liaison,
                )
                .await
                .map(|_| ()),
        ),
        ("post", "/api/v1/projects/{project_id}/members") => {
            let _ = t
                .store
                .remove_membership(None, common::now(), t.project, spare_user(t))
                .await;
        }
        ("delete", "/api/v1/cases/{id}/participants/{project_id}") => {
            let coordinator = t.actor("coordinator").unwrap().user.id;
            let new = lockstep_store::NewParticipant {
                project_id: t.spare_project,
                role: lockstep_core::ParticipantRole::Downstream,
            };
            ok_or_duplicate(
                t.store
                    .add_participant(coordinator, common::now(), t.case.id, new)
                    .await
                    .map(|_| ()),
            );
        }
        ("delete", "/api/v1/projects/{project_id}/contacts/{contact_id}")
        | ("post", "/projects/{project_id}/contacts/{contact_id}/remove") => {
            let new = lockstep_store::NewContact {
                email: format!("walk-{}@example.org", lockstep_core::ContactId::new()),
                name: "walk".into(),
                role: lockstep_core::ContactRole::Security,
                pgp_key: None,
                language: None,
                encryption_uri: None,
            };
            let admin = t.actor("admin").unwrap().user.id;
            let added = t
                .store
                .add_contacts(
                    admin,
                    common::now(),
                    t.project,
                    &[new],
                    lockstep_store::ContactSource::Api,
                    "",
                )
                .await
                .unwrap();
            return vec![("{contact_id}", added[0].id.to_string())];
        }
        ("delete", "/api/v1/projects/{project_id}/webhooks/{webhook_id}") => {
            let admin = t.actor("admin").unwrap().user.id;
            let new = lockstep_store::NewWebhook {
                url: "https://hooks.example.org/lockstep".into(),
                secret: "a-secret-of-sixteen-plus".into(),
            };
            let hook = t
                .store
                .add_webhook(admin, common::now(), t.project, &new)
                .await
                .unwrap();
            return vec![("{webhook_id}", hook.id.to_string())];
        }
        _ => {}
    }
    Vec::new()
}

fn fill(t: &TestApp, path: &str, case: &str) -> String {
    let project = if path == "/api/v1/cases/{id}/participants/{project_id}" {
        t.spare_project
    } else {
        t.project
    };
    path.replace("{id}", case)
        .replace("{project_id}", &project.to_string())
        .replace("{user_id}", &spare_user(t).to_string())
        .replace("{task_id}", &t.task.id.to_string())
        .replace("{name}", "bom.cdx.json")
}

/// Whether `role` passes `rule` on the case under test.
fn allowed(rule: Rule, role: &str) -> Result<(), u16> {
    let read_in = matches!(role, "participant" | "coordinator" | "admin");
    match (rule, role) {
        (Rule::Public, _) => Ok(()),
        (_, "anonymous") => Err(401),
        (Rule::Admins, "admin") => Ok(()),
        (Rule::Admins, _) => Err(403),
        (Rule::AnyUser, _) => Ok(()),
        (Rule::Coordinators, "coordinator" | "other_coordinator" | "admin") => Ok(()),
        (Rule::Coordinators, _) => Err(403),
        (Rule::ReadIn, _) if read_in => Ok(()),
        (Rule::RunsCase, "coordinator" | "admin") => Ok(()),
        (Rule::RunsCase, "participant") => Err(403),
        (Rule::ProjectMembers, "participant" | "coordinator" | "other_coordinator" | "admin") => Ok(()),
        (Rule::ProjectMembers, _) => Err(403),
        (Rule::ProjectMaintainers, "participant" | "admin") => Ok(()),
        (Rule::ProjectMaintainers, _) => Err(403),
        (Rule::ParticipantItself, "participant") => Ok(()),
        (Rule::ParticipantItself, "coordinator" | "admin") => Err(403),
        (Rule::ParticipantItself, _) => Err(404),
        (Rule::OwnToken, "coordinator") => Ok(()),
        (Rule::ReadIn | Rule::RunsCase | Rule::OwnToken, _) => Err(404),
    }
}

/// Settings for the walks: every role submits from the same (unknown) address, more
/// often than finders may.
fn walk_config() -> lockstep_server::Config {
    let mut config = lockstep_server::Config::default();
    config.intake.max_submissions = 1000;
    config
}

both_backends!(every_api_route_by_every_role, |backend| async move {
    let Some(t) = TestApp::with_config(backend, walk_config()).await else {
        return;
    };
    let seeded = seed_report_and_case_attachment(&t).await;
    let missing_report = lockstep_core::ReportId::new().to_string();
    let missing_token = "0".repeat(64);
    let openapi = lockstep_server::openapi();
    let missing_case = lockstep_core::CaseId::new().to_string();
    let proposal = seed_severity_proposal(&t).await;
    let spare_token = seed_spare_token(&t).await;
    let missing_token_id = lockstep_core::TokenId::new().to_string();
    let mut walked = 0;
    for (path, item) in &openapi.paths.paths {
        for (method, op) in [
            ("get", &item.get),
            ("post", &item.post),
            ("patch", &item.patch),
            ("put", &item.put),
            ("delete", &item.delete),
        ] {
            if op.is_none() {
                continue;
            }
            let (rule, body) = api_rule(&t, method, path)
                .unwrap_or_else(|| panic!("route {method} {path} has no rule in this test: add one"));
            let body =
                body.map(|b| serde_json::from_str::<Value>(&b.to_string().replace("{token}", &seeded.token)).unwrap());
            for role in ROLES {
                let prepared = prepare(&t, method, path).await;
                let mut uri = fill_intake(
                    &fill(&t, path, &t.case.id.to_string())
                        .replace("{proposal_id}", &proposal)
                        .replace("{token_id}", &spare_token),
                    &seeded,
                    &seeded.report,
                    &seeded.token,
                );
                for (placeholder, id) in &prepared {
                    uri = uri.replace(placeholder, id);
                }
                let (status, answer) = t.api(role, &method.to_uppercase(), &uri, body.clone()).await;
                let text = answer.to_string();
                match allowed(rule, role) {
                    Ok(()) => assert!(
                        status.is_success() || status.as_u16() == 409,
                        "{role} {method} {path}: expected success, got {status} {text}"
                    ),
                    Err(code) => {
                        assert_eq!(status.as_u16(), code, "{role} {method} {path}: {text}");
                        if code == 404
                            && (path.contains("{id}") || path.contains("{token_id}") || path.contains("{report_id}"))
                        {
                            // Exactly what a case (or token) that does not exist answers.
                            let (s2, a2) = t
                                .api(
                                    role,
                                    &method.to_uppercase(),
                                    &fill_intake(
                                        &fill(&t, path, &missing_case)
                                            .replace("{proposal_id}", &proposal)
                                            .replace("{token_id}", &missing_token_id),
                                        &seeded,
                                        &missing_report,
                                        &missing_token,
                                    ),
                                    body.clone(),
                                )
                                .await;
                            assert_eq!(
                                (status, &answer),
                                (s2, &a2),
                                "{role} {method} {path} differs from a missing case"
                            );
                        }
                    }
                }
                assert!(
                    !text.contains("secret details of Embargoed flaw")
                        || matches!(*role, "participant" | "coordinator" | "admin"),
                    "{role} {method} {path} leaked the case: {text}"
                );
                walked += 1;
            }
        }
    }
    assert!(walked >= 20 * ROLES.len(), "walked only {walked} route×role pairs");
});

both_backends!(case_lists_show_only_read_in_cases, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    for role in &ROLES[1..] {
        let (_, cases) = t.api(role, "GET", "/api/v1/cases", None).await;
        let titles: Vec<&str> = cases
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["title"].as_str().unwrap())
            .collect();
        let expect_main = matches!(*role, "participant" | "coordinator" | "admin");
        let expect_other = matches!(*role, "other_participant" | "other_coordinator" | "admin");
        assert_eq!(
            titles.contains(&"Embargoed flaw in libfoo"),
            expect_main,
            "{role}: {titles:?}"
        );
        assert_eq!(
            titles.contains(&"Other flaw in libbar"),
            expect_other,
            "{role}: {titles:?}"
        );
    }
});

/// Expected status of a web route for a role on the case under test.
fn web_expectation(method: &str, path: &str, role: &str) -> u16 {
    let anonymous = role == "anonymous";
    let read_in = matches!(role, "participant" | "coordinator" | "admin");
    let coordinator = matches!(role, "coordinator" | "other_coordinator" | "admin");
    let maintainer = matches!(role, "participant" | "admin");
    let project_member = matches!(role, "participant" | "coordinator" | "other_coordinator" | "admin");
    match (method, path) {
        ("get", "/") => 303,
        ("get", "/login") if anonymous => 200,
        ("get", "/login") => 303,
        // Without the login form's cookie the post is refused.
        ("post", "/login") => 403,
        ("post", "/logout" | "/logout-everywhere") => 303,
        // Anonymous visitors are sent to the login page.
        (_, _) if anonymous => 303,
        ("get", "/cases") => 200,
        // The notification registry: projects are not secret (403, not 404); members,
        // coordinators and admins read a project's contacts, maintainers and admins change them.
        ("get", "/projects") => 200,
        ("get", "/projects/{project_id}/contacts") if project_member => 200,
        ("post", "/projects/{project_id}/contacts" | "/projects/{project_id}/contacts/{contact_id}/remove")
            if maintainer =>
        {
            303
        }
        ("get" | "post", "/projects/{project_id}/contacts" | "/projects/{project_id}/contacts/{contact_id}/remove") => {
            403
        }
        ("get", "/cases/new") if coordinator => 200,
        ("post", "/cases") if coordinator => 303,
        ("get" | "post", "/cases/new" | "/cases") => 403,
        ("get", "/cases/{id}") if read_in => 200,
        ("post", "/cases/{id}/messages") if read_in => 303,
        // Reading in is for whoever runs the case; a participant sees the case but may not.
        ("post", "/cases/{id}/participants") if matches!(role, "coordinator" | "admin") => 303,
        ("post", "/cases/{id}/participants") if role == "participant" => 403,
        // Running the case from its page: coordinators; participants see the case but may not.
        // The walk's form moves triage -> coordinating and proposes an embargo: the coordinator's
        // move succeeds; the admin, walked next, asks for the same move from the new state (409).
        ("post", "/cases/{id}/phase" | "/cases/{id}/embargo") if role == "coordinator" => 303,
        ("post", "/cases/{id}/phase" | "/cases/{id}/embargo") if role == "admin" => 409,
        ("post", "/cases/{id}/triggers") if matches!(role, "coordinator" | "admin") => 303,
        ("post", "/cases/{id}/phase" | "/cases/{id}/embargo" | "/cases/{id}/triggers") if role == "participant" => 403,
        // Stating the status of the participant's own project (the form names it).
        ("post", "/cases/{id}/status") if read_in => 303,
        (
            "get" | "post",
            "/cases/{id}"
            | "/cases/{id}/messages"
            | "/cases/{id}/participants"
            | "/cases/{id}/phase"
            | "/cases/{id}/embargo"
            | "/cases/{id}/triggers"
            | "/cases/{id}/status",
        ) => 404,
        // Severity and advisory page and forms; the walk's form lacks their fields.
        ("get", "/cases/{id}/advisory") if read_in => 200,
        // No advisory is written in this test: nothing to export yet.
        ("get", "/cases/{id}/advisory/export") if read_in => 409,
        ("post", "/cases/{id}/severity/proposals") if read_in => 422,
        ("post", "/cases/{id}/severity/adopt") if matches!(role, "coordinator" | "admin") => 422,
        // The revision form always asks what changed; the walk's form does not say.
        ("post", "/cases/{id}/advisory") if matches!(role, "coordinator" | "admin") => 422,
        // Publishing before the case is disclosed is refused.
        ("post", "/cases/{id}/advisory/publish") if matches!(role, "coordinator" | "admin") => 409,
        ("post", "/cases/{id}/severity/adopt" | "/cases/{id}/advisory" | "/cases/{id}/advisory/publish")
            if role == "participant" =>
        {
            403
        }
        (
            "get" | "post",
            "/cases/{id}/advisory"
            | "/cases/{id}/advisory/export"
            | "/cases/{id}/severity/proposals"
            | "/cases/{id}/severity/adopt"
            | "/cases/{id}/advisory/publish",
        ) => 404,
        // Attachments of the case's reports (one accepted and shared before the walk).
        ("get", "/cases/{id}/attachments/{sha256}") if read_in => 200,
        ("post", "/cases/{id}/attachments/{sha256}/share") if matches!(role, "coordinator" | "admin") => 303,
        ("post", "/cases/{id}/attachments/{sha256}/share") if role == "participant" => 403,
        ("get" | "post", "/cases/{id}/attachments/{sha256}" | "/cases/{id}/attachments/{sha256}/share") => 404,
        // The triage queue and its forms: global coordinators and admins. The walk's form
        // names no triage action (422); writing to the finder works.
        ("get", "/reports" | "/reports/{report_id}" | "/reports/{report_id}/attachments/{sha256}") if coordinator => {
            200
        }
        ("post", "/reports/{report_id}/messages") if coordinator => 303,
        ("post", "/reports/{report_id}/move") if coordinator => 422,
        (
            "get" | "post",
            "/reports"
            | "/reports/{report_id}"
            | "/reports/{report_id}/attachments/{sha256}"
            | "/reports/{report_id}/messages"
            | "/reports/{report_id}/move",
        ) => 403,
        // The policy form: admins; the walk's form lacks the policy's fields.
        ("get", "/admin/policy") if role == "admin" => 200,
        ("post", "/admin/policy") if role == "admin" => 422,
        ("get" | "post", "/admin/policy") => 403,
        _ => panic!("web route {method} {path} has no expectation in this test: add one"),
    }
}

/// The web routes that end sessions, walked after all others.
const ENDS_SESSIONS: &[&str] = &["/logout", "/logout-everywhere"];

both_backends!(every_web_route_by_every_role, |backend| async move {
    let Some(t) = TestApp::with_config(backend, walk_config()).await else {
        return;
    };
    let seeded = seed_report_and_case_attachment(&t).await;
    let missing_case = lockstep_core::CaseId::new().to_string();
    for (method, path) in lockstep_server::web_routes() {
        // Logging out last, or it would end the sessions the other routes use.
        if ENDS_SESSIONS.contains(&path) {
            continue;
        }
        for role in ROLES {
            let csrf = t.actor(role).map(|a| a.csrf.clone()).unwrap_or_default();
            // The status form names the participant's own project; reading in names a spare one.
            let project = if path.ends_with("/status") {
                t.project
            } else {
                t.spare_project
            };
            let form = format!(
                "csrf={csrf}&title=From+the+web&body=hello&project_id={project}&vulnerability_id={}&status=affected\
                 &to=coordinating&state=proposed&public_at=2026-12-10T15:00&time_zone=Europe%2FBerlin\
                 &trigger=exploit_public&email=web-{role}%40libfoo.example&name=Web&role=security",
                t.vulnerability.id
            );
            let mut uri = fill_intake(
                &fill(&t, path, &t.case.id.to_string()),
                &seeded,
                &seeded.report,
                &seeded.token,
            );
            for (placeholder, id) in prepare(&t, method, path).await {
                uri = uri.replace(placeholder, &id);
            }
            let (status, body) = t
                .raw(
                    role,
                    &method.to_uppercase(),
                    &uri,
                    "application/x-www-form-urlencoded",
                    form.clone().into_bytes(),
                    true,
                )
                .await;
            let expected = web_expectation(method, path, role);
            assert_eq!(status.as_u16(), expected, "{role} {method} {path}: {body}");
            if expected == 404 {
                let (s2, b2) = t
                    .raw(
                        role,
                        &method.to_uppercase(),
                        &fill_intake(&fill(&t, path, &missing_case), &seeded, &seeded.report, &seeded.token),
                        "application/x-www-form-urlencoded",
                        form.into_bytes(),
                        true,
                    )
                    .await;
                assert_eq!(
                    (status, &body),
                    (s2, &b2),
                    "{role} {method} {path} differs from a missing case"
                );
            }
            if !matches!(*role, "participant" | "coordinator" | "admin") {
                assert!(
                    !body.contains("Embargoed flaw"),
                    "{role} {method} {path} leaked the case"
                );
            }
        }
    }
    for role in ROLES {
        for (i, path) in ENDS_SESSIONS.iter().enumerate() {
            let csrf = t.actor(role).map(|a| a.csrf.clone()).unwrap_or_default();
            if let Some(actor) = t.actor(role).filter(|_| i > 0) {
                // The previous route ended it: the same session again.
                let expires = "2026-11-27T10:00:00Z".parse().unwrap();
                t.store
                    .create_session(
                        common::now(),
                        actor.user.id,
                        &lockstep_server::auth::secret_hash(&actor.session),
                        &csrf,
                        expires,
                    )
                    .await
                    .unwrap();
            }
            let (status, _) = t
                .raw(
                    role,
                    "POST",
                    path,
                    "application/x-www-form-urlencoded",
                    format!("csrf={csrf}").into_bytes(),
                    true,
                )
                .await;
            assert_eq!(status.as_u16(), web_expectation("post", path, role), "{role} {path}");
            let (status, _) = t.raw(role, "GET", "/cases", "text/html", vec![], true).await;
            assert_eq!(status.as_u16(), 303, "{role} still logged in after {path}");
        }
    }
    let walked: Vec<&str> = lockstep_server::web_routes().iter().map(|(_, p)| *p).collect();
    assert!(
        ENDS_SESSIONS.iter().all(|p| walked.contains(p)),
        "{ENDS_SESSIONS:?} are not all routes"
    );
});

both_backends!(forms_without_csrf_are_refused, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let uri = format!("/cases/{}/messages", t.case.id);
    let (status, _) = t
        .raw(
            "participant",
            "POST",
            &uri,
            "application/x-www-form-urlencoded",
            b"body=forged".to_vec(),
            true,
        )
        .await;
    assert_eq!(status.as_u16(), 403);
    let (status, _) = t
        .raw(
            "participant",
            "POST",
            &uri,
            "application/x-www-form-urlencoded",
            b"csrf=0000&body=forged".to_vec(),
            true,
        )
        .await;
    assert_eq!(status.as_u16(), 403);
    let (_, messages) = t
        .api(
            "coordinator",
            "GET",
            &format!("/api/v1/cases/{}/messages", t.case.id),
            None,
        )
        .await;
    assert_eq!(messages.as_array().unwrap().len(), 0, "a forged post was written");
});

/// A second API token of `coordinator`'s, for the revocation route to revoke (the walk
/// goes on with the first).
async fn seed_spare_token(t: &TestApp) -> String {
    lockstep_server::admin::create_token(&t.store, common::now(), "coordinator@example.org", "spare")
        .await
        .unwrap();
    let (status, tokens) = t.api("coordinator", "GET", "/api/v1/me/tokens", None).await;
    assert_eq!(status, 200, "{tokens}");
    let spare = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["label"] == "spare")
        .unwrap();
    spare["id"].as_str().unwrap().to_owned()
}

/// A participant's severity proposal on the case under test, for the adopt route.
async fn seed_severity_proposal(t: &TestApp) -> String {
    let (status, body) = t
        .api(
            "participant",
            "POST",
            &format!("/api/v1/cases/{}/severity/proposals", t.case.id),
            Some(json!({"vulnerability_id": t.vulnerability.id,
                "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "rationale": "remote"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

/// What a public route (no login needed) answers every role alike: the list and the
/// feed always, an advisory's own routes only once it is published.
fn public_expectation(method: &str, path: &str, published: bool) -> u16 {
    match (method, path) {
        (_, "/advisories" | "/advisories/feed.atom") => 200,
        (_, "/advisories/{advisory_id}" | "/advisories/{advisory_id}/osv.json") if published => 200,
        (_, "/advisories/{advisory_id}" | "/advisories/{advisory_id}/osv.json") => 404,
        // The intake: policy, security.txt, the report form and the tracking page.
        ("get", "/security" | "/.well-known/security.txt" | "/report" | "/reports/track/{token}") => 200,
        // No OpenPGP key is set in this test.
        ("get", "/security/openpgp.asc") => 404,
        // Without the form's double-submit cookie.
        ("post", "/report") => 403,
        // The walk sends no multipart form.
        ("post", "/reports/track/{token}/messages") => 415,
        _ => panic!("public route {method} {path} has no expectation in this test: add one"),
    }
}

both_backends!(every_public_route_by_every_role, |backend| async move {
    let Some(t) = TestApp::with_config(backend, walk_config()).await else {
        return;
    };
    let seeded = seed_report(&t).await;
    let case = format!("/api/v1/cases/{}", t.case.id);
    let (status, draft) = t
        .api(
            "coordinator",
            "PUT",
            &format!("{case}/advisory"),
            Some(json!({"title": "Embargoed flaw advisory", "summary": "secret details of Embargoed flaw"})),
        )
        .await;
    assert_eq!(status, 200, "{draft}");
    let id = draft["advisory_id"].as_str().unwrap().to_owned();
    let unknown = "LOCKSTEP-2222-3333-4444";
    for published in [false, true] {
        if published {
            // The case has no embargo; disclosing it lets the coordinator publish.
            for (uri, body) in [
                ("phase", json!({"to": "coordinating"})),
                ("phase", json!({"to": "disclosed"})),
            ] {
                let (status, answer) = t.api("coordinator", "POST", &format!("{case}/{uri}"), Some(body)).await;
                assert_eq!(status, 200, "{answer}");
            }
            let (status, answer) = t
                .api("coordinator", "POST", &format!("{case}/advisory/publish"), None)
                .await;
            assert_eq!(status, 200, "{answer}");
        }
        for (method, path) in lockstep_server::public_routes() {
            let expected = public_expectation(method, path, published);
            for role in ROLES {
                // By cookie and by token: the answer is the same for everyone.
                for web in [true, false] {
                    let (status, body) = t
                        .raw(
                            role,
                            &method.to_uppercase(),
                            &path.replace("{advisory_id}", &id).replace("{token}", &seeded.token),
                            "text/html",
                            vec![],
                            web,
                        )
                        .await;
                    assert_eq!(
                        status.as_u16(),
                        expected,
                        "{role} {method} {path} published={published}: {body}"
                    );
                    if expected == 404 {
                        let missing = t
                            .raw(
                                role,
                                &method.to_uppercase(),
                                &path
                                    .replace("{advisory_id}", unknown)
                                    .replace("{token}", &"0".repeat(64)),
                                "text/html",
                                vec![],
                                web,
                            )
                            .await;
                        assert_eq!(
                            (status, &body),
                            (missing.0, &missing.1),
                            "{role} {path} differs from a missing advisory"
                        );
                    }
                    if !published {
                        assert!(
                            !body.contains(&id) && !body.contains("Embargoed flaw"),
                            "{role} {method} {path} shows the unpublished advisory: {body}"
                        );
                    } else if path == "/advisories" || path == "/advisories/{advisory_id}" {
                        assert!(body.contains("Embargoed flaw advisory"), "{role} {path}: {body}");
                    }
                }
            }
        }
    }
});

/// Walks every case route that reads (GET, from the OpenAPI document, and the case's
/// web pages) as `role` and checks each answers exactly as for a case that does not exist.
async fn case_is_gone_for(t: &TestApp, role: &str) {
    let missing_case = lockstep_core::CaseId::new().to_string();
    let openapi = lockstep_server::openapi();
    let mut walked = 0;
    for (path, item) in &openapi.paths.paths {
        if item.get.is_none() || !path.contains("{id}") {
            continue;
        }
        let (status, answer) = t.api(role, "GET", &fill(t, path, &t.case.id.to_string()), None).await;
        let missing = t.api(role, "GET", &fill(t, path, &missing_case), None).await;
        assert_eq!(status.as_u16(), 404, "{role} GET {path}: {answer}");
        assert_eq!((status, &answer), (missing.0, &missing.1), "{role} GET {path}");
        walked += 1;
    }
    for (method, path) in lockstep_server::web_routes() {
        if method != "get" || !path.contains("{id}") {
            continue;
        }
        let (status, page) = t
            .raw(
                role,
                "GET",
                &fill(t, path, &t.case.id.to_string()),
                "text/html",
                vec![],
                true,
            )
            .await;
        let missing = t
            .raw(role, "GET", &fill(t, path, &missing_case), "text/html", vec![], true)
            .await;
        assert_eq!(status.as_u16(), 404, "{role} GET {path}");
        assert_eq!((status, &page), (missing.0, &missing.1), "{role} GET {path}");
        walked += 1;
    }
    assert!(walked >= 10, "walked only {walked} case routes");
}

both_backends!(
    a_coordinator_of_another_case_cannot_join_the_project_into_the_case,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let me = t.actor("other_coordinator").unwrap().user.id;
        let (status, body) = t
            .api(
                "other_coordinator",
                "POST",
                &format!("/api/v1/projects/{}/members", t.project),
                Some(json!({"user_id": me, "role": "maintainer"})),
            )
            .await;
        assert_eq!(status, 403, "{body}");
        case_is_gone_for(&t, "other_coordinator").await;
    }
);

both_backends!(
    a_member_removed_from_the_project_loses_every_case_route,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let member = t.actor("participant").unwrap().user.id;
        let (status, body) = t
            .api(
                "admin",
                "DELETE",
                &format!("/api/v1/projects/{}/members/{member}", t.project),
                None,
            )
            .await;
        assert_eq!(status, 204, "{body}");
        // By token and by session alike.
        case_is_gone_for(&t, "participant").await;
    }
);

both_backends!(
    a_participant_taken_out_of_the_case_loses_every_case_route,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let (status, body) = t
            .api(
                "coordinator",
                "DELETE",
                &format!("/api/v1/cases/{}/participants/{}", t.case.id, t.project),
                None,
            )
            .await;
        assert_eq!(status, 204, "{body}");
        case_is_gone_for(&t, "participant").await;
    }
);

both_backends!(
    tracking_routes_answer_a_wrong_token_exactly_like_an_unknown_one,
    |backend| async move {
        let Some(t) = TestApp::with_config(backend, walk_config()).await else {
            return;
        };
        let seeded = seed_report(&t).await;
        let other = seed_report(&t).await;
        let unknown = "0".repeat(64);
        // One character changed, cut short, lengthened, upper-cased, the report's id.
        let mut changed = seeded.token.clone();
        let last = if changed.ends_with('0') { "1" } else { "0" };
        changed.replace_range(changed.len() - 1.., last);
        let wrong = [
            changed,
            seeded.token[..32].to_owned(),
            format!("{}0", seeded.token),
            seeded.token.to_uppercase(),
            seeded.report.clone(),
        ];
        let openapi = lockstep_server::openapi();
        let api_paths: Vec<(String, &str)> = openapi
            .paths
            .paths
            .iter()
            .filter(|(p, _)| p.contains("{token}"))
            .flat_map(|(p, item)| {
                let mut v = Vec::new();
                if item.get.is_some() {
                    v.push((p.clone(), "GET"));
                }
                if item.post.is_some() {
                    v.push((p.clone(), "POST"));
                }
                v
            })
            .collect();
        assert_eq!(api_paths.len(), 2, "{api_paths:?}");
        for role in ["anonymous", "coordinator"] {
            for (path, method) in &api_paths {
                let body = (*method == "POST").then(|| json!({"body": "hello"}));
                let expected = t
                    .api(role, method, &path.replace("{token}", &unknown), body.clone())
                    .await;
                assert_eq!(expected.0, 404, "{path}: {}", expected.1);
                for token in &wrong {
                    let got = t.api(role, method, &path.replace("{token}", token), body.clone()).await;
                    assert_eq!(got, expected, "{role} {method} {path} with a wrong token");
                }
                // Another report's token opens that report, never this one.
                if *method == "GET" {
                    let (_, theirs) = t.api(role, method, &path.replace("{token}", &other.token), None).await;
                    assert!(!theirs.to_string().contains(&seeded.sha256) || seeded.sha256 == other.sha256);
                }
            }
            for (method, path) in lockstep_server::public_routes() {
                if !path.contains("{token}") {
                    continue;
                }
                let send = |token: String| {
                    let uri = path.replace("{token}", &token);
                    let t = &t;
                    async move {
                        t.raw(
                            role,
                            &method.to_uppercase(),
                            &uri,
                            "multipart/form-data; boundary=x",
                            b"--x--\r\n".to_vec(),
                            true,
                        )
                        .await
                    }
                };
                let expected = send(unknown.clone()).await;
                assert_eq!(expected.0, 404, "{path}: {}", expected.1);
                for token in &wrong {
                    assert_eq!(
                        send(token.clone()).await,
                        expected,
                        "{role} {method} {path} with a wrong token"
                    );
                }
            }
        }
        // Nothing was written by the wrong tokens: the thread is empty.
        let (_, track) = t
            .api(
                "anonymous",
                "GET",
                &format!("/api/v1/reports/track/{}", seeded.token),
                None,
            )
            .await;
        assert_eq!(track["messages"].as_array().unwrap().len(), 0, "{track}");
    }
);
