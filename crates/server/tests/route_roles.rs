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
}

/// The expectation and a valid sample body for every API route. A route missing here
/// fails the test: a new route is tested the day it is added.
fn api_rule(t: &TestApp, method: &str, path: &str) -> Option<(Rule, Option<Value>)> {
    let v = t.vulnerability.id;
    Some(match (method, path) {
        ("get", "/api/v1/me") | ("get", "/api/v1/cases") | ("get", "/api/v1/projects") => (Rule::AnyUser, None),
        ("post", "/api/v1/cases") => (Rule::Coordinators, Some(json!({"title": "new case"}))),
        ("post", "/api/v1/projects") => (
            Rule::Coordinators,
            Some(json!({"name": "newproj", "purls": ["pkg:cargo/newproj"]})),
        ),
        ("post", "/api/v1/projects/{project_id}/members") => {
            let outsider = t.actor("outsider").unwrap().user.id;
            (
                Rule::Coordinators,
                Some(json!({"user_id": outsider, "role": "liaison"})),
            )
        }
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
        ("get", "/api/v1/cases/{id}/audit") => (Rule::RunsCase, None),
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
        ("get", "/api/v1/projects/{project_id}/manifests") => (Rule::ProjectMembers, None),
        ("put", "/api/v1/projects/{project_id}/manifests/{name}") => (
            Rule::ProjectMembers,
            Some(json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": []})),
        ),
        _ => return None,
    })
}

fn fill(t: &TestApp, path: &str, case: &str) -> String {
    path.replace("{id}", case)
        .replace("{project_id}", &t.project.to_string())
        .replace("{task_id}", &t.task.id.to_string())
        .replace("{name}", "bom.cdx.json")
}

/// Whether `role` passes `rule` on the case under test.
fn allowed(rule: Rule, role: &str) -> Result<(), u16> {
    let read_in = matches!(role, "participant" | "coordinator" | "admin");
    match (rule, role) {
        (_, "anonymous") => Err(401),
        (Rule::AnyUser, _) => Ok(()),
        (Rule::Coordinators, "coordinator" | "other_coordinator" | "admin") => Ok(()),
        (Rule::Coordinators, _) => Err(403),
        (Rule::ReadIn, _) if read_in => Ok(()),
        (Rule::RunsCase, "coordinator" | "admin") => Ok(()),
        (Rule::RunsCase, "participant") => Err(403),
        (Rule::ProjectMembers, "participant" | "coordinator" | "other_coordinator" | "admin") => Ok(()),
        (Rule::ProjectMembers, _) => Err(403),
        (Rule::ReadIn | Rule::RunsCase, _) => Err(404),
    }
}

both_backends!(every_api_route_by_every_role, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let openapi = lockstep_server::openapi();
    let missing_case = lockstep_core::CaseId::new().to_string();
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
            for role in ROLES {
                let uri = fill(&t, path, &t.case.id.to_string());
                let (status, answer) = t.api(role, &method.to_uppercase(), &uri, body.clone()).await;
                let text = answer.to_string();
                match allowed(rule, role) {
                    Ok(()) => assert!(
                        status.is_success() || status.as_u16() == 409,
                        "{role} {method} {path}: expected success, got {status} {text}"
                    ),
                    Err(code) => {
                        assert_eq!(status.as_u16(), code, "{role} {method} {path}: {text}");
                        if code == 404 && path.contains("{id}") {
                            // Exactly what a case that does not exist answers.
                            let (s2, a2) = t
                                .api(
                                    role,
                                    &method.to_uppercase(),
                                    &fill(&t, path, &missing_case),
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
    match (method, path) {
        ("get", "/") => 303,
        ("get", "/login") if anonymous => 200,
        ("get", "/login") => 303,
        // Without the login form's cookie the post is refused.
        ("post", "/login") => 403,
        ("post", "/logout") => 303,
        // Anonymous visitors are sent to the login page.
        (_, _) if anonymous => 303,
        ("get", "/cases") => 200,
        ("get", "/cases/new") if coordinator => 200,
        ("post", "/cases") if coordinator => 303,
        ("get" | "post", "/cases/new" | "/cases") => 403,
        ("get", "/cases/{id}") if read_in => 200,
        ("post", "/cases/{id}/messages") if read_in => 303,
        // Reading in is for whoever runs the case; a participant sees the case but may not.
        ("post", "/cases/{id}/participants") if matches!(role, "coordinator" | "admin") => 303,
        ("post", "/cases/{id}/participants") if role == "participant" => 403,
        ("get" | "post", "/cases/{id}" | "/cases/{id}/messages" | "/cases/{id}/participants") => 404,
        _ => panic!("web route {method} {path} has no expectation in this test: add one"),
    }
}

both_backends!(every_web_route_by_every_role, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let missing_case = lockstep_core::CaseId::new().to_string();
    for (method, path) in lockstep_server::web_routes() {
        // Logout last, or it would end the sessions the other routes use.
        if path == "/logout" {
            continue;
        }
        for role in ROLES {
            let csrf = t.actor(role).map(|a| a.csrf.clone()).unwrap_or_default();
            let form = format!(
                "csrf={csrf}&title=From+the+web&body=hello&project_id={}",
                t.spare_project
            );
            let uri = fill(&t, path, &t.case.id.to_string());
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
                        &fill(&t, path, &missing_case),
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
    for role in &ROLES[1..] {
        let csrf = t.actor(role).unwrap().csrf.clone();
        let (status, _) = t
            .raw(
                role,
                "POST",
                "/logout",
                "application/x-www-form-urlencoded",
                format!("csrf={csrf}").into_bytes(),
                true,
            )
            .await;
        assert_eq!(status.as_u16(), 303, "{role} logout");
        let (status, _) = t.raw(role, "GET", "/cases", "text/html", vec![], true).await;
        assert_eq!(status.as_u16(), 303, "{role} still logged in after logout");
    }
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
