//! Severity, severity disputes, advisory authoring, exports and publishing, through the
//! real router on both back ends: vectors are scored and bad ones rejected naming the
//! metric, each party's proposal is shown and one adopted, every export validates
//! against its official schema in `../shared/data/schemas`, and an advisory is on no
//! public route before its case leaves the embargo and the coordinator publishes it.

#![allow(clippy::unwrap_used)]

mod common;

use common::{now, TestApp};
use jsonschema::{Registry, Resource, Validator};
use lockstep_advisory::cvss::Vector;
use lockstep_advisory::{Affected, Event, Package, Range, RangeKind};
use lockstep_store::NewVulnerability;
use lockstep_testkit::both_backends;
use serde_json::{json, Value};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");
const CRITICAL: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const V4: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";

fn case_uri(t: &TestApp, rest: &str) -> String {
    format!("/api/v1/cases/{}{rest}", t.case.id)
}

both_backends!(vectors_are_scored_and_bad_ones_name_the_metric, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let uri = case_uri(&t, "/severity");
    let v = t.vulnerability.id;
    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            &uri,
            Some(json!({"vulnerability_id": v, "cvss_vector": CRITICAL, "cwe": "cwe-787"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["cvss"]["version"], "3.1");
    assert_eq!(body["cvss"]["base_score"], 9.8);
    assert_eq!(body["cvss"]["rating"], "CRITICAL");
    assert_eq!(body["cwe"], "CWE-787");
    assert_eq!(body["cwe_name"], "Out-of-bounds Write");

    let bad = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:X/A:H";
    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            &uri,
            Some(json!({"vulnerability_id": v, "cvss_vector": bad})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let message = body["error"]["fields"]["cvss_vector"].as_str().unwrap();
    assert!(message.contains("metric I "), "{message}");
    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            &uri,
            Some(json!({"vulnerability_id": v, "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["fields"]["cvss_vector"]
            .as_str()
            .unwrap()
            .contains("A is missing"),
        "{body}"
    );
    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            &uri,
            Some(json!({"vulnerability_id": v, "cwe": "CWE-99999"})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["fields"]["cwe"].as_str().unwrap().contains("99999"),
        "{body}"
    );
    let (status, _) = t
        .api(
            "participant",
            "POST",
            &uri,
            Some(json!({"vulnerability_id": v, "cvss_vector": V4})),
        )
        .await;
    assert_eq!(status, 403);

    // A field left out is kept; null clears.
    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            &uri,
            Some(json!({"vulnerability_id": v, "cvss_vector": CRITICAL})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["cwe"], "CWE-787", "{body}");
    let (_, body) = t
        .api(
            "coordinator",
            "POST",
            &uri,
            Some(json!({"vulnerability_id": v, "cwe": null})),
        )
        .await;
    assert!(body["cwe"].is_null() && body["cvss_vector"] == CRITICAL, "{body}");
    let (_, body) = t
        .api(
            "coordinator",
            "POST",
            &uri,
            Some(json!({"vulnerability_id": v, "cwe": "CWE-787"})),
        )
        .await;
    assert_eq!(body["cwe"], "CWE-787", "{body}");

    // Nothing of the refused writes stuck; everyone read in sees the score.
    let (status, body) = t.api("participant", "GET", &uri, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["vulnerabilities"][0]["cvss_vector"], CRITICAL);
    assert_eq!(body["vulnerabilities"][0]["cvss"]["base_score"], 9.8);
    assert_eq!(body["vulnerabilities"][0]["cwe_name"], "Out-of-bounds Write");
    let (_, case) = t.api("participant", "GET", &case_uri(&t, ""), None).await;
    assert_eq!(case["vulnerabilities"][0]["cvss_vector"], CRITICAL);

    // The case page shows version, score and rating too.
    let (status, page) = t
        .raw(
            "participant",
            "GET",
            &format!("/cases/{}", t.case.id),
            "text/html",
            vec![],
            true,
        )
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("CVSS 3.1 · 9.8 CRITICAL"), "{page}");
    assert!(page.contains("Out-of-bounds Write"), "{page}");
});

both_backends!(parties_propose_and_a_coordinator_adopts, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let v = t.vulnerability.id;
    let proposals = case_uri(&t, "/severity/proposals");
    let (status, mine) = t
        .api("participant", "POST", &proposals,
            Some(json!({"vulnerability_id": v, "cvss_vector": V4, "rationale": "reachable from the network without login"})))
        .await;
    assert_eq!(status, 201, "{mine}");
    assert_eq!(mine["party"], "libfoo");
    assert_eq!(mine["cvss"]["version"], "4.0");
    let (status, theirs) = t
        .api("coordinator", "POST", &proposals,
            Some(json!({"vulnerability_id": v, "cvss_vector": "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", "rationale": "local only"})))
        .await;
    assert_eq!(status, 201, "{theirs}");
    assert_eq!(theirs["party"], "coordinators");
    let (status, body) = t
        .api(
            "participant",
            "POST",
            &proposals,
            Some(json!({"vulnerability_id": v, "cvss_vector": "CVSS:4.0/AV:N", "rationale": "x"})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["fields"]["cvss_vector"]
            .as_str()
            .unwrap()
            .contains("missing"),
        "{body}"
    );
    let (status, body) = t
        .api(
            "participant",
            "POST",
            &proposals,
            Some(json!({"vulnerability_id": v, "cvss_vector": V4, "rationale": " "})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["fields"]["rationale"].is_string(), "{body}");
    let (status, _) = t
        .api(
            "participant",
            "POST",
            &proposals,
            Some(json!({"vulnerability_id": v, "cvss_vector": V4, "rationale": "r", "project_id": t.other_project})),
        )
        .await;
    assert_eq!(status, 403, "a participant speaks only for its own project");

    // Side by side, for everyone read in.
    let (_, view) = t.api("participant", "GET", &case_uri(&t, "/severity"), None).await;
    let parties: Vec<&str> = view["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["party"].as_str().unwrap())
        .collect();
    assert_eq!(parties, ["libfoo", "coordinators"], "{view}");
    assert_eq!(
        view["proposals"][0]["rationale"],
        "reachable from the network without login"
    );
    assert_eq!(view["proposals"][1]["cvss"]["rating"], "LOW");

    let adopt = |id: &Value| case_uri(&t, &format!("/severity/proposals/{}/adopt", id.as_str().unwrap()));
    let (status, _) = t
        .api(
            "participant",
            "POST",
            &adopt(&mine["id"]),
            Some(json!({"rationale": "mine is right"})),
        )
        .await;
    assert_eq!(status, 403);
    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            &adopt(&mine["id"]),
            Some(json!({"rationale": ""})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, adoption) = t
        .api(
            "coordinator",
            "POST",
            &adopt(&mine["id"]),
            Some(json!({"rationale": "the maintainers showed it is reachable without login"})),
        )
        .await;
    assert_eq!(status, 201, "{adoption}");
    assert_eq!(adoption["proposal_id"], mine["id"]);
    assert_eq!(adoption["cvss_vector"], V4);
    let missing = json!(uuid::Uuid::new_v4().to_string());
    let (status, _) = t
        .api("coordinator", "POST", &adopt(&missing), Some(json!({"rationale": "r"})))
        .await;
    assert_eq!(status, 404);

    let (_, view) = t.api("participant", "GET", &case_uri(&t, "/severity"), None).await;
    assert_eq!(
        view["vulnerabilities"][0]["cvss_vector"], V4,
        "adopting sets the vector"
    );
    assert_eq!(view["proposals"][0]["adopted"], true);
    assert_eq!(view["proposals"][1]["adopted"], false);
    assert_eq!(
        view["adoptions"][0]["rationale"],
        "the maintainers showed it is reachable without login"
    );

    let (_, audit) = t.api("coordinator", "GET", &case_uri(&t, "/audit"), None).await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "severity.propose").count(),
        2,
        "{actions:?}"
    );
    assert!(actions.contains(&"severity.adopt"), "{actions:?}");

    // The advisory page shows the proposals side by side.
    let (status, page) = t
        .raw(
            "participant",
            "GET",
            &format!("/cases/{}/advisory", t.case.id),
            "text/html",
            vec![],
            true,
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("reachable from the network without login") && page.contains("local only"),
        "{page}"
    );
    assert!(page.contains("adopted"), "{page}");
});

fn schema(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{DATA}/schemas/{name}")).unwrap()).unwrap()
}

/// The official schemas, with the ones they reference registered locally (no network).
fn validator(name: &str) -> Validator {
    let mut registry = Registry::new();
    for (uri, file) in [
        ("https://www.first.org/cvss/cvss-v2.0.json", "cvss-v2.0.json"),
        ("https://www.first.org/cvss/cvss-v3.0.json", "cvss-v3.0.json"),
        ("https://www.first.org/cvss/cvss-v3.1.json", "cvss-v3.1.json"),
        ("http://cyclonedx.org/schema/spdx.schema.json", "spdx.schema.json"),
        (
            "http://cyclonedx.org/schema/jsf-0.82.schema.json",
            "jsf-0.82.schema.json",
        ),
    ] {
        registry = registry.add(uri, Resource::from_contents(schema(file))).unwrap();
    }
    let registry = registry.prepare().unwrap();
    jsonschema::options()
        .with_registry(&registry)
        .build(&schema(name))
        .unwrap()
}

fn assert_valid(validator: &Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what} does not validate: {errors:#?}\n{doc:#}");
}

/// Gives the case a second vulnerability with a CVE id, an OSV range and a score, a
/// participant statement, and an advisory revision.
async fn author(t: &TestApp) -> Value {
    let coordinator = t.actor("coordinator").unwrap().user.id;
    let range = Range {
        kind: RangeKind::Semver,
        repo: None,
        events: vec![Event::Introduced("1.0.0".into()), Event::Fixed("1.4.2".into())],
    };
    let second = t
        .store
        .add_vulnerability(
            coordinator,
            now(),
            t.case.id,
            NewVulnerability {
                title: "use after free in the parser".into(),
                cwe: Some("CWE-416".parse().unwrap()),
                cvss: Some(Vector::parse(V4).unwrap()),
                aliases: vec!["CVE-2026-12345".into()],
                affected: vec![Affected {
                    package: Package {
                        ecosystem: "crates.io".into(),
                        name: "libfoo-parser".into(),
                        purl: None,
                    },
                    ranges: vec![range],
                    versions: vec![],
                    functions: vec![],
                }],
            },
        )
        .await
        .unwrap();
    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            &case_uri(t, "/severity"),
            Some(json!({"vulnerability_id": t.vulnerability.id, "cvss_vector": CRITICAL, "cwe": "CWE-787"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let statuses = case_uri(t, &format!("/participants/{}/statuses", t.project));
    for (vid, statement) in [
        (t.vulnerability.id, json!({"status": "fixed", "fixed_version": "1.2.3"})),
        (
            second.id,
            json!({"status": "affected", "impact_statement": "the parser is always reachable"}),
        ),
    ] {
        let mut statement = statement;
        statement["vulnerability_id"] = json!(vid);
        let (status, body) = t.api("participant", "POST", &statuses, Some(statement)).await;
        assert_eq!(status, 204, "{body}");
    }
    let (status, advisory) = t
        .api(
            "coordinator",
            "PUT",
            &case_uri(t, "/advisory"),
            Some(json!({
                "title": "libfoo: heap overflow and use after free",
                "summary": "Two memory-safety flaws in libfoo let a remote attacker run code. Upgrade to 1.2.3.",
                "details": "A crafted header overflows a heap buffer in frobnicate().",
                "remediation": "Upgrade libfoo to 1.2.3 or later.",
                "mitigations": "Reject headers longer than 4 KiB at the proxy.",
                "credits": [{"name": "Ada Finder", "kind": "finder"}],
            })),
        )
        .await;
    assert_eq!(status, 200, "{advisory}");
    advisory
}

both_backends!(every_export_validates_against_its_schema, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let export = |format: &str| case_uri(&t, &format!("/advisory/export?format={format}"));
    let (status, body) = t.api("participant", "GET", &export("osv"), None).await;
    assert_eq!(status, 409, "no advisory yet: {body}");
    author(&t).await;

    let osv = validator("osv.schema.json");
    let csaf = validator("csaf-2.0.schema.json");
    let (status, docs) = t.api("participant", "GET", &export("osv"), None).await;
    assert_eq!(status, 200, "{docs}");
    let docs = docs.as_array().unwrap().clone();
    assert_eq!(docs.len(), 2, "one OSV record per vulnerability");
    for doc in &docs {
        assert_valid(&osv, doc, "OSV");
    }
    // Both were created at the same instant, so their order is the store's tie-break.
    let with_cve = |d: &&Value| {
        d["aliases"]
            .as_array()
            .is_some_and(|a| a.contains(&json!("CVE-2026-12345")))
    };
    let second = docs.iter().find(with_cve).unwrap();
    let first = docs.iter().find(|d| !with_cve(d)).unwrap().to_string();
    assert!(
        first.contains("\"fixed\":\"1.2.3\"") && first.contains("crates.io"),
        "{first}"
    );
    assert!(second.to_string().contains("\"fixed\":\"1.4.2\""), "{second}");

    for (format, schema_name) in [
        ("csaf", "csaf-2.0.schema.json"),
        ("csaf-vex", "csaf-2.0.schema.json"),
        ("openvex", "openvex.schema.json"),
        ("cyclonedx", "bom-1.6.schema.json"),
        ("cve5", "cve-5.1.1-bundled.schema.json"),
    ] {
        let (status, doc) = t.api("coordinator", "GET", &export(format), None).await;
        assert_eq!(status, 200, "{format}: {doc}");
        let own;
        let checker = if schema_name == "csaf-2.0.schema.json" {
            &csaf
        } else {
            own = validator(schema_name);
            &own
        };
        assert_valid(checker, &doc, format);
        if format == "cve5" {
            assert_eq!(doc["cveMetadata"]["cveId"], "CVE-2026-12345", "{doc}");
            assert_valid(
                &validator("cve-5.1.1-cna-published-container.schema.json"),
                &doc["containers"]["cna"],
                "CVE 5 CNA container",
            );
        }
        if format == "openvex" {
            assert!(
                doc.to_string().contains("the parser is always reachable"),
                "the draft has it: {doc}"
            );
        }
        if format == "csaf" {
            // A draft carries the case's TLP (CSAF 2.0 still spells TLP 1.0).
            assert_eq!(doc["document"]["distribution"]["tlp"]["label"], "AMBER", "{doc}");
        }
    }
    let (status, body) = t.api("coordinator", "GET", &export("pdf"), None).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["fields"]["format"].as_str().unwrap().contains("openvex"),
        "{body}"
    );
    let (status, body) = t.api("outsider", "GET", &export("osv"), None).await;
    assert_eq!(status, 404, "{body}");
});

/// The public list and feed work and show nothing of the advisory.
async fn hidden_everywhere(t: &TestApp, id: &str) {
    for path in ["/advisories", "/advisories/feed.atom"] {
        let (status, body) = t.raw("anonymous", "GET", path, "text/html", vec![], true).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            !body.contains(id) && !body.contains("heap overflow"),
            "{path} shows the draft: {body}"
        );
    }
}

/// Answers of every public route for a published advisory's id, as anonymous.
async fn public_answers(t: &TestApp, id: &str) -> Vec<(u16, String)> {
    let mut out = Vec::new();
    for path in [
        format!("/advisories/{id}"),
        format!("/advisories/{id}/osv.json"),
        format!("/advisories/{id}-1/osv.json"),
    ] {
        let (status, body) = t.raw("anonymous", "GET", &path, "text/html", vec![], true).await;
        out.push((status.as_u16(), body));
    }
    out
}

both_backends!(
    an_advisory_is_public_only_after_the_embargo_and_publication,
    |backend| async move {
        let Some(t) = TestApp::new(backend).await else { return };
        let advisory = author(&t).await;
        let id = advisory["advisory_id"].as_str().unwrap().to_owned();
        assert!(id.starts_with("LOCKSTEP-"), "{id}");
        assert_eq!(advisory["tlp"], "AMBER", "a draft takes the case's TLP");
        assert_eq!(advisory["revisions"][0]["changelog"], "Initial draft.");
        let title = "libfoo: heap overflow and use after free";

        // Participants read the draft; they do not write or publish it.
        let (status, view) = t.api("participant", "GET", &case_uri(&t, "/advisory"), None).await;
        assert_eq!(status, 200, "{view}");
        assert_eq!(view["status"], "draft");
        assert_eq!(view["advisory"]["revisions"][0]["title"], title);
        let (status, _) = t
            .api(
                "participant",
                "PUT",
                &case_uri(&t, "/advisory"),
                Some(json!({"title": "mine"})),
            )
            .await;
        assert_eq!(status, 403);
        let (status, _) = t
            .api("participant", "POST", &case_uri(&t, "/advisory/publish"), None)
            .await;
        assert_eq!(status, 403);
        // A revision says what it changes.
        let (status, body) = t
            .api(
                "coordinator",
                "PUT",
                &case_uri(&t, "/advisory"),
                Some(json!({"title": title, "summary": "s"})),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        assert!(body["error"]["fields"]["changelog"].is_string(), "{body}");

        // Before publication nothing of it is on any public route: exactly like an id that
        // does not exist.
        let unknown = public_answers(&t, "LOCKSTEP-2222-3333-4444").await;
        let check_hidden = |answers: Vec<(u16, String)>, when: &str| {
            assert_eq!(answers, unknown, "{when}: differs from an advisory that does not exist");
            assert!(answers.iter().all(|(s, _)| *s == 404), "{when}");
        };
        check_hidden(public_answers(&t, &id).await, "draft");
        hidden_everywhere(&t, &id).await;

        // Embargoed: publishing is refused and says why.
        let embargo = case_uri(&t, "/embargo");
        for change in [
            json!({"state": "proposed", "public_at": "2026-12-10T14:00:00Z", "time_zone": "UTC"}),
            json!({"state": "active"}),
        ] {
            let (status, body) = t.api("coordinator", "POST", &embargo, Some(change)).await;
            assert_eq!(status, 200, "{body}");
        }
        let (status, body) = t
            .api("coordinator", "POST", &case_uri(&t, "/advisory/publish"), None)
            .await;
        assert_eq!(status, 409, "{body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains("embargo is active"),
            "{body}"
        );
        let (_, view) = t.api("coordinator", "GET", &case_uri(&t, "/advisory"), None).await;
        assert!(view["publish_blocker"].as_str().unwrap().contains("embargo"), "{view}");

        // Out of embargo but not yet disclosed: still refused, still hidden.
        let (status, body) = t
            .api("coordinator", "POST", &embargo, Some(json!({"state": "exited"})))
            .await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = t
            .api("coordinator", "POST", &case_uri(&t, "/advisory/publish"), None)
            .await;
        assert_eq!(status, 409, "{body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains("disclosed"),
            "{body}"
        );
        check_hidden(public_answers(&t, &id).await, "exited, not disclosed");
        for to in ["coordinating", "disclosed"] {
            let (status, body) = t
                .api("coordinator", "POST", &case_uri(&t, "/phase"), Some(json!({"to": to})))
                .await;
            assert_eq!(status, 200, "{body}");
        }
        // Disclosed, but the coordinator has not published: still hidden.
        check_hidden(public_answers(&t, &id).await, "disclosed, not published");
        hidden_everywhere(&t, &id).await;

        let (status, published) = t
            .api("coordinator", "POST", &case_uri(&t, "/advisory/publish"), None)
            .await;
        assert_eq!(status, 200, "{published}");
        assert_eq!(published["published_revision"], 1);
        assert_eq!(published["tlp"], "CLEAR");
        let (status, _) = t
            .api("coordinator", "POST", &case_uri(&t, "/advisory/publish"), None)
            .await;
        assert_eq!(status, 409, "nothing new to publish");

        // A later draft revision stays private until published.
        let (status, body) = t
            .api(
                "coordinator",
                "PUT",
                &case_uri(&t, "/advisory"),
                Some(json!({"title": title, "summary": "SECRET-DRAFT-TEXT", "changelog": "Draft of an update"})),
            )
            .await;
        assert_eq!(status, 200, "{body}");

        // Coordinators see each security action with the revision it belongs to.
        let (_, view) = t.api("coordinator", "GET", &case_uri(&t, "/advisory"), None).await;
        let actions = view["security_actions"].as_array().unwrap();
        let revision_of = |action: &str| {
            actions
                .iter()
                .find(|a| a["action"] == action)
                .map(|a| a["revision"].clone())
                .unwrap()
        };
        assert_eq!(revision_of("status.state"), json!(1), "{actions:?}");
        assert_eq!(revision_of("embargo.change"), json!(2), "{actions:?}");
        assert_eq!(revision_of("advisory.publish"), json!(2), "{actions:?}");
        let (_, view) = t.api("participant", "GET", &case_uri(&t, "/advisory"), None).await;
        assert!(
            view["security_actions"].is_null(),
            "participants do not read the audit trail: {view}"
        );
        let (status, page) = t
            .raw(
                "anonymous",
                "GET",
                &format!("/advisories/{id}"),
                "text/html",
                vec![],
                true,
            )
            .await;
        assert_eq!(status, 200, "{page}");
        for expected in [
            title,
            "Upgrade to 1.2.3",
            "Ada Finder",
            "CVE-2026-12345",
            "9.8",
            "CRITICAL",
            "Out-of-bounds Write",
            "Initial draft.",
        ] {
            assert!(page.contains(expected), "public page lacks {expected}: {page}");
        }
        assert!(
            !page.contains("SECRET-DRAFT-TEXT") && !page.contains("Draft of an update"),
            "{page}"
        );
        assert!(
            !page.contains("secret details of"),
            "the case's own summary is not the advisory: {page}"
        );
        assert!(
            !page.contains("the parser is always reachable"),
            "a participant that does not share keeps its impact statement private: {page}"
        );

        let osv = validator("osv.schema.json");
        for record_id in [id.clone(), format!("{id}-2")] {
            let (status, record) = t
                .api("anonymous", "GET", &format!("/advisories/{record_id}/osv.json"), None)
                .await;
            assert_eq!(status, 200, "{record}");
            assert_valid(&osv, &record, "public OSV record");
            assert_eq!(record["id"], format!("x_{record_id}"), "unregistered prefixes are x_");
            assert_eq!(record["published"], "2026-11-26T10:00:00Z");
        }
        for missing in ["-1", "-3", "-x"] {
            let (status, _) = t
                .api("anonymous", "GET", &format!("/advisories/{id}{missing}/osv.json"), None)
                .await;
            assert_eq!(status, 404, "{missing}");
        }

        let (status, list) = t
            .raw("anonymous", "GET", "/advisories", "text/html", vec![], true)
            .await;
        assert_eq!(status, 200);
        assert!(list.contains(&id) && list.contains(title), "{list}");
        let (status, feed) = t
            .raw("anonymous", "GET", "/advisories/feed.atom", "text/html", vec![], true)
            .await;
        assert_eq!(status, 200);
        assert!(
            feed.starts_with("<?xml") && feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"),
            "{feed}"
        );
        assert!(feed.contains(&format!("<id>urn:lockstep:advisory:{id}</id>")), "{feed}");
        assert!(
            feed.contains(&format!("href=\"/advisories/{id}-2/osv.json\"")),
            "{feed}"
        );
        assert!(!feed.contains("SECRET-DRAFT-TEXT"), "{feed}");

        let (_, audit) = t.api("coordinator", "GET", &case_uri(&t, "/audit"), None).await;
        let actions: Vec<&str> = audit
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions.iter().filter(|a| **a == "advisory.revise").count(),
            2,
            "{actions:?}"
        );
        assert_eq!(
            actions.iter().filter(|a| **a == "advisory.publish").count(),
            1,
            "{actions:?}"
        );
        assert!(lockstep_store::audit::verify(&t.store)
            .await
            .unwrap()
            .first_bad
            .is_none());
    }
);

/// Posts a form as `role` (with its CSRF token); returns status and body.
async fn post_form(t: &TestApp, role: &str, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let csrf = t.actor(role).unwrap().csrf.clone();
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("csrf", &csrf);
    for (k, v) in fields {
        form.append_pair(k, v);
    }
    let (status, body) = t
        .raw(
            role,
            "POST",
            path,
            "application/x-www-form-urlencoded",
            form.finish().into_bytes(),
            true,
        )
        .await;
    (status.as_u16(), body)
}

both_backends!(the_advisory_page_works_through_plain_forms, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let page = format!("/cases/{}/advisory", t.case.id);
    let get = |role: &'static str| {
        let page = page.clone();
        let t = &t;
        async move { t.raw(role, "GET", &page, "text/html", vec![], true).await }
    };
    let (status, html) = get("coordinator").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Write the first draft") && html.contains("Initial draft."),
        "{html}"
    );
    let (_, html) = get("participant").await;
    assert!(
        !html.contains("Write the first draft") && !html.contains("/advisory/publish\""),
        "{html}"
    );

    let revision = [
        ("title", "libfoo: overflow"),
        ("summary", "Upgrade <script>alert(1)</script> now."),
        ("credits", "Ada Finder (FINDER)\nBob"),
        ("tlp", "AMBER"),
        ("changelog", "Initial draft."),
    ];
    assert_eq!(post_form(&t, "participant", &page, &revision).await.0, 403);
    let (status, body) = post_form(&t, "coordinator", &page, &revision).await;
    assert_eq!(status, 303, "{body}");
    let (status, body) = post_form(&t, "coordinator", &page, &revision[..4]).await;
    assert_eq!(status, 422, "a revision without a changelog entry: {body}");
    let (_, view) = t.api("participant", "GET", &case_uri(&t, "/advisory"), None).await;
    let credits = &view["advisory"]["revisions"][0]["credits"];
    assert_eq!(
        credits,
        &json!([{"name": "Ada Finder", "kind": "FINDER", "contact": []}, {"name": "Bob", "kind": null, "contact": []}])
    );

    // The page offers the exports as downloads, the same documents as the API's.
    let download = format!("/cases/{}/advisory/export?format=openvex", t.case.id);
    let (status, text) = t.raw("participant", "GET", &download, "text/html", vec![], true).await;
    assert_eq!(status, 200, "{text}");
    let (_, api) = t
        .api(
            "participant",
            "GET",
            &case_uri(&t, "/advisory/export?format=openvex"),
            None,
        )
        .await;
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), api);
    let (status, _) = t.raw("outsider", "GET", &download, "text/html", vec![], true).await;
    assert_eq!(status, 404);

    // Severity dispute through the forms.
    let propose = format!("/cases/{}/severity/proposals", t.case.id);
    let v = t.vulnerability.id.to_string();
    let (status, body) = post_form(
        &t,
        "participant",
        &propose,
        &[
            ("vulnerability_id", &v),
            ("cvss_vector", "CVSS:3.1/AV:Z"),
            ("rationale", "r"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("AV"), "{body}");
    let (status, _) = post_form(
        &t,
        "participant",
        &propose,
        &[
            ("vulnerability_id", &v),
            ("cvss_vector", V4),
            ("rationale", "network reachable"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, view) = t.api("coordinator", "GET", &case_uri(&t, "/severity"), None).await;
    let proposal = view["proposals"][0]["id"].as_str().unwrap().to_owned();
    let adopt = format!("/cases/{}/severity/adopt", t.case.id);
    assert_eq!(
        post_form(
            &t,
            "participant",
            &adopt,
            &[("proposal_id", &proposal), ("rationale", "x")]
        )
        .await
        .0,
        403
    );
    let (status, _) = post_form(
        &t,
        "coordinator",
        &adopt,
        &[("proposal_id", &proposal), ("rationale", "agreed")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = get("participant").await;
    assert!(html.contains("network reachable") && html.contains("agreed"), "{html}");

    // Publishing through the form: refused until disclosed, then public.
    let publish = format!("/cases/{}/advisory/publish", t.case.id);
    let (status, body) = post_form(&t, "coordinator", &publish, &[]).await;
    assert_eq!(status, 409, "{body}");
    for to in ["coordinating", "disclosed"] {
        let (status, body) = t
            .api("coordinator", "POST", &case_uri(&t, "/phase"), Some(json!({"to": to})))
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, _) = post_form(&t, "coordinator", &publish, &[]).await;
    assert_eq!(status, 303);
    let id = view_id(&t).await;
    let (status, html) = t
        .raw(
            "anonymous",
            "GET",
            &format!("/advisories/{id}"),
            "text/html",
            vec![],
            true,
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Ada Finder") && html.contains("(finder)") && html.contains("9.3"),
        "{html}"
    );
    assert!(
        html.contains("Upgrade &lt;script&gt;") && !html.contains("<script>alert"),
        "text is escaped: {html}"
    );
});

async fn view_id(t: &TestApp) -> String {
    let (_, view) = t.api("coordinator", "GET", &case_uri(t, "/advisory"), None).await;
    assert_eq!(view["status"], "published", "{view}");
    view["advisory"]["advisory_id"].as_str().unwrap().to_owned()
}

both_backends!(public_feed_and_osv_record_snapshots, |backend| async move {
    let Some(t) = TestApp::new(backend).await else { return };
    let v = t.vulnerability.id;
    let (status, body) = t
        .api(
            "coordinator",
            "POST",
            &case_uri(&t, "/severity"),
            Some(json!({"vulnerability_id": v, "cvss_vector": CRITICAL})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let statuses = case_uri(&t, &format!("/participants/{}/statuses", t.project));
    let statement = json!({"vulnerability_id": v, "status": "fixed", "fixed_version": "1.2.3"});
    assert_eq!(t.api("participant", "POST", &statuses, Some(statement)).await.0, 204);
    // The participant agrees to have its status published (without that it stays out).
    let publication = case_uri(&t, &format!("/participants/{}/publication", t.project));
    assert_eq!(
        t.api("participant", "POST", &publication, Some(json!({"publish": true})))
            .await
            .0,
        204
    );
    let (status, advisory) = t
        .api("coordinator", "PUT", &case_uri(&t, "/advisory"), Some(json!({
            "title": "libfoo: heap overflow",
            "summary": "A remote attacker can run code in programs that parse untrusted headers with libfoo. Upgrade to 1.2.3.",
            "details": "frobnicate() copies the header into a fixed buffer.",
            "remediation": "Upgrade libfoo to 1.2.3.",
            "credits": [{"name": "Ada Finder", "kind": "FINDER"}],
        })))
        .await;
    assert_eq!(status, 200, "{advisory}");
    let id = advisory["advisory_id"].as_str().unwrap().to_owned();
    for to in ["coordinating", "disclosed"] {
        assert_eq!(
            t.api("coordinator", "POST", &case_uri(&t, "/phase"), Some(json!({"to": to})))
                .await
                .0,
            200
        );
    }
    assert_eq!(
        t.api("coordinator", "POST", &case_uri(&t, "/advisory/publish"), None)
            .await
            .0,
        200
    );
    // The id is random; the snapshots name it LOCKSTEP-ID.
    let stable = |text: String| text.replace(&id, "LOCKSTEP-ID");
    let (_, feed) = t
        .raw("anonymous", "GET", "/advisories/feed.atom", "text/html", vec![], true)
        .await;
    insta::assert_snapshot!("public_atom_feed", stable(feed));
    let (_, record) = t
        .api("anonymous", "GET", &format!("/advisories/{id}/osv.json"), None)
        .await;
    insta::assert_snapshot!(
        "public_osv_record",
        stable(serde_json::to_string_pretty(&record).unwrap())
    );
});
