//! Projects upload their manifests; a case's impact view lists the registered
//! projects that reach its affected packages, with their paths. On both back ends.

#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use lockstep_testkit::both_backends;
use serde_json::json;

const LIBFOO_LOCK: &str = r#"version = 3

[[package]]
name = "libfoo"
version = "0.1.0"
dependencies = [
 "flate2",
]

[[package]]
name = "flate2"
version = "1.0.28"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "libz-sys",
]

[[package]]
name = "libz-sys"
version = "1.1.20"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

const SPARE_LOCK: &str = r#"version = 3

[[package]]
name = "libspare"
version = "2.0.0"
dependencies = [
 "libz-sys",
]

[[package]]
name = "libz-sys"
version = "1.1.22"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

async fn upload(t: &TestApp, role: &str, project: impl std::fmt::Display, name: &str, body: &str) -> (u16, String) {
    let uri = format!("/api/v1/projects/{project}/manifests/{name}");
    let (status, text) = t
        .raw(
            role,
            "PUT",
            &uri,
            "application/octet-stream",
            body.as_bytes().to_vec(),
            false,
        )
        .await;
    (status.as_u16(), text)
}

both_backends!(manifests_are_parsed_before_they_are_stored, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let before = t.audit_events().await;
    let broken = LIBFOO_LOCK.replace("version = \"1.0.28\"", "version = 1.0.28");
    let (status, body) = upload(&t, "participant", t.project, "Cargo.lock", &broken).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("Cargo.lock:12:"),
        "the error names the file and line: {body}"
    );
    assert_eq!(t.audit_events().await, before, "a refused manifest was written");
    // Members of another project may not upload for this one.
    let (status, _) = upload(&t, "other_participant", t.project, "Cargo.lock", LIBFOO_LOCK).await;
    assert_eq!(status, 403);
    let (status, body) = upload(&t, "participant", t.project, "Cargo.lock", LIBFOO_LOCK).await;
    assert_eq!(status, 200, "{body}");
    let manifest: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(manifest["package_count"], 3);
    // Uploading under the same name replaces it.
    upload(&t, "participant", t.project, "Cargo.lock", LIBFOO_LOCK).await;
    let (_, list) = t
        .api(
            "participant",
            "GET",
            &format!("/api/v1/projects/{}/manifests", t.project),
            None,
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
});

both_backends!(case_impact_lists_projects_with_paths, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    upload(&t, "participant", t.project, "Cargo.lock", LIBFOO_LOCK).await;
    let (status, _) = upload(&t, "coordinator", t.spare_project, "Cargo.lock", SPARE_LOCK).await;
    assert_eq!(status, 200);
    let vulns = format!("/api/v1/cases/{}/vulnerabilities", t.case.id);
    // A bad range names its path and nothing is added.
    let bad = json!({"title": "zlib overflow", "affected": [{"ecosystem": "crates.io", "name": "libz-sys",
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "not.a.version"}]}]}]});
    let (status, body) = t.api("coordinator", "POST", &vulns, Some(bad)).await;
    assert_eq!(status.as_u16(), 422, "{body}");
    assert!(body["error"]["fields"]["affected[0].ranges[0]"].is_string(), "{body}");
    let good = json!({"title": "zlib overflow", "affected": [{"ecosystem": "crates.io", "name": "libz-sys",
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.1.21"}]}]}]});
    let (status, body) = t.api("coordinator", "POST", &vulns, Some(good)).await;
    assert_eq!(status.as_u16(), 201, "{body}");

    let (status, impact) = t
        .api(
            "coordinator",
            "GET",
            &format!("/api/v1/cases/{}/impact", t.case.id),
            None,
        )
        .await;
    assert_eq!(status.as_u16(), 200, "{impact}");
    let projects = impact["projects"].as_array().unwrap();
    // libspare depends on libz-sys 1.1.22, which is fixed: not affected.
    let names: Vec<&str> = projects.iter().map(|p| p["project_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["libfoo"], "{impact}");
    let libfoo = &projects[0];
    assert_eq!(libfoo["participant"], true);
    // Every package version of the project that reaches it: its own package first.
    let paths: Vec<Vec<&str>> = libfoo["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(
        paths,
        [
            vec![
                "pkg:cargo/libfoo@0.1.0",
                "pkg:cargo/flate2@1.0.28",
                "pkg:cargo/libz-sys@1.1.20"
            ],
            vec!["pkg:cargo/flate2@1.0.28", "pkg:cargo/libz-sys@1.1.20"],
        ],
        "the project's own package first, then the rest nearest first: {impact}"
    );
    assert_eq!(libfoo["paths"][0]["depth"], 2);

    // Participants may not see the impact view; outsiders do not see the case at all.
    let (status, _) = t
        .api(
            "participant",
            "GET",
            &format!("/api/v1/cases/{}/impact", t.case.id),
            None,
        )
        .await;
    assert_eq!(status.as_u16(), 403);
    let (status, _) = t
        .api("outsider", "GET", &format!("/api/v1/cases/{}/impact", t.case.id), None)
        .await;
    assert_eq!(status.as_u16(), 404);
});

both_backends!(oversized_manifest_is_refused, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let huge = "#".repeat(lockstep_server::MAX_MANIFEST_BYTES + 1);
    let (status, body) = upload(&t, "participant", t.project, "requirements.txt", &huge).await;
    assert_eq!(status, 413, "{}", &body[..body.len().min(200)]);
});

both_backends!(
    the_impact_view_sees_a_manifest_uploaded_after_the_graph_was_cached,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let vulns = format!("/api/v1/cases/{}/vulnerabilities", t.case.id);
        let flaw = json!({"title": "zlib overflow", "affected": [{"ecosystem": "crates.io", "name": "libz-sys",
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.1.21"}]}]}]});
        assert_eq!(t.api("coordinator", "POST", &vulns, Some(flaw)).await.0.as_u16(), 201);
        let impact = format!("/api/v1/cases/{}/impact", t.case.id);
        let (_, before) = t.api("coordinator", "GET", &impact, None).await;
        assert_eq!(before["projects"].as_array().unwrap().len(), 0, "{before}");
        // The graph is cached now; an upload changes the manifests' hashes.
        upload(&t, "participant", t.project, "Cargo.lock", LIBFOO_LOCK).await;
        let (_, after) = t.api("coordinator", "GET", &impact, None).await;
        assert_eq!(after["manifests"], 1, "{after}");
        assert_eq!(after["projects"][0]["project_name"], "libfoo", "{after}");
    }
);

both_backends!(
    an_upload_beyond_the_projects_quota_is_413_and_not_stored,
    |backend| async move {
        let config = lockstep_server::Config {
            manifest_quota: lockstep_store::ManifestQuota {
                max_count: 1,
                max_bytes: 1024 * 1024,
            },
            ..lockstep_server::Config::default()
        };
        let Some(t) = TestApp::with_config(backend, config).await else {
            return;
        };
        assert_eq!(
            upload(&t, "participant", t.project, "Cargo.lock", LIBFOO_LOCK).await.0,
            200
        );
        let (status, body) = upload(
            &t,
            "participant",
            t.project,
            "bom.cdx.json",
            r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": []}"#,
        )
        .await;
        assert_eq!(status, 413, "{body}");
        assert!(body.contains("quota"), "{body}");
        let (_, list) = t
            .api(
                "participant",
                "GET",
                &format!("/api/v1/projects/{}/manifests", t.project),
                None,
            )
            .await;
        assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    }
);
