//! Every export validates against its official schema in `../shared/data/schemas`
//! (no network: the schemas CSAF and CycloneDX reference are registered locally),
//! for a hand-made advisory that uses every statement kind and for real data: all
//! RustSec advisories and a sample of PyPA's.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use jiff::Timestamp;
use jsonschema::{Registry, Resource, Validator};
use lockstep_advisory::export::{self, Format};
use lockstep_advisory::{
    osv, rustsec, Advisory, Affected, Credit, Event, Package, Publisher, Range, RangeKind, Reference, Revision,
    Sections, Severity, SeverityKind, Statement, Vulnerability,
};
use lockstep_core::{Justification, Tlp, VexStatus};
use serde_json::Value;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

fn schema(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{DATA}/schemas/{name}")).unwrap()).unwrap()
}

struct Validators {
    osv: Validator,
    csaf: Validator,
    openvex: Validator,
    cyclonedx: Validator,
    cve5: Validator,
    cna: Validator,
}

fn validators() -> Validators {
    let registry = Registry::new()
        .add(
            "https://www.first.org/cvss/cvss-v2.0.json",
            Resource::from_contents(schema("cvss-v2.0.json")),
        )
        .unwrap()
        .add(
            "https://www.first.org/cvss/cvss-v3.0.json",
            Resource::from_contents(schema("cvss-v3.0.json")),
        )
        .unwrap()
        .add(
            "https://www.first.org/cvss/cvss-v3.1.json",
            Resource::from_contents(schema("cvss-v3.1.json")),
        )
        .unwrap()
        .add(
            "http://cyclonedx.org/schema/spdx.schema.json",
            Resource::from_contents(schema("spdx.schema.json")),
        )
        .unwrap()
        .add(
            "http://cyclonedx.org/schema/jsf-0.82.schema.json",
            Resource::from_contents(schema("jsf-0.82.schema.json")),
        )
        .unwrap()
        .prepare()
        .unwrap();
    let build = |name: &str| {
        jsonschema::options()
            .with_registry(&registry)
            .build(&schema(name))
            .unwrap()
    };
    Validators {
        osv: build("osv.schema.json"),
        csaf: build("csaf-2.0.schema.json"),
        openvex: build("openvex.schema.json"),
        cyclonedx: build("bom-1.6.schema.json"),
        cve5: build("cve-5.1.1-bundled.schema.json"),
        cna: build("cve-5.1.1-cna-published-container.schema.json"),
    }
}

impl Validators {
    fn check(&self, advisory: &Advisory) -> Vec<String> {
        let mut problems = Vec::new();
        for format in Format::ALL {
            let docs = match export::export(advisory, *format) {
                Ok(docs) => docs,
                Err(export::ExportError::NoCveId { .. }) if *format == Format::Cve5 => continue,
                Err(e) => {
                    problems.push(format!("{} {format}: {e}", advisory.id));
                    continue;
                }
            };
            for (name, doc) in docs {
                let validator = match format {
                    Format::Osv => &self.osv,
                    Format::CsafAdvisory | Format::CsafVex => &self.csaf,
                    Format::OpenVex => &self.openvex,
                    Format::CycloneDx => &self.cyclonedx,
                    Format::Cve5 => &self.cve5,
                };
                for error in validator.iter_errors(&doc).take(3) {
                    problems.push(format!(
                        "{name} {format}: {:.300} at {}",
                        error.to_string(),
                        error.instance_path()
                    ));
                }
                if *format == Format::Cve5 {
                    for error in self.cna.iter_errors(&doc["containers"]["cna"]).take(3) {
                        problems.push(format!(
                            "{name} cna: {:.300} at {}",
                            error.to_string(),
                            error.instance_path()
                        ));
                    }
                }
            }
        }
        problems
    }
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// An advisory with one vulnerability and one statement of each kind.
fn sample() -> Advisory {
    let mut v = Vulnerability::new("LOCKSTEP-2026-0001", ts("2026-03-02T10:00:00Z"));
    v.aliases = vec!["CVE-2026-12345".into(), "GHSA-abcd-efgh-ijkl".into()];
    v.summary = Some("Heap overflow in frobnicate()".into());
    v.details = Some("A crafted header overflows a heap buffer.".into());
    v.severity = vec![
        Severity {
            kind: SeverityKind::CvssV3,
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
        },
        Severity {
            kind: SeverityKind::CvssV4,
            vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N".into(),
        },
    ];
    v.cwes = vec!["CWE-122".parse().unwrap()];
    v.affected = vec![Affected {
        package: Package {
            ecosystem: "crates.io".into(),
            name: "frob".into(),
            purl: Some("pkg:cargo/frob".into()),
        },
        ranges: vec![Range {
            kind: RangeKind::Semver,
            repo: None,
            events: vec![Event::Introduced("1.0.0".into()), Event::Fixed("1.4.2".into())],
        }],
        versions: vec![],
        functions: vec!["frob::frobnicate".into()],
    }];
    v.references = vec![Reference {
        kind: "FIX".into(),
        url: "https://example.org/frob/commit/1".into(),
    }];
    v.credits = vec![Credit {
        name: "Ada Finder".into(),
        contact: vec![],
        kind: Some("FINDER".into()),
    }];
    let statement = |product: &str, version: Option<&str>, status| Statement {
        product: product.into(),
        version: version.map(Into::into),
        status,
        justification: None,
        impact_statement: None,
        action_statement: None,
    };
    v.statements = vec![
        Statement {
            action_statement: Some("Upgrade to 1.4.2.".into()),
            ..statement("pkg:cargo/frob", Some("1.4.1"), VexStatus::Affected)
        },
        statement("pkg:cargo/frob", Some("1.4.2"), VexStatus::Fixed),
        Statement {
            justification: Some(Justification::VulnerableCodeNotInExecutePath),
            impact_statement: Some("frobnicate() is never called on input.".into()),
            ..statement("pkg:cargo/frob-cli", Some("2.0.0"), VexStatus::NotAffected)
        },
        statement("pkg:cargo/frob-web", Some("0.3.0"), VexStatus::UnderInvestigation),
    ];
    v.published = Some(ts("2026-03-01T12:00:00Z"));
    Advisory {
        id: "LOCKSTEP-2026-0001".into(),
        title: "frob: heap overflow".into(),
        publisher: Publisher::default(),
        tlp: Tlp::AmberStrict,
        sections: Sections {
            summary: Some("frob before 1.4.2 lets a remote attacker run code; upgrade now.".into()),
            details: None,
            remediation: Some("Upgrade frob to 1.4.2 or later.".into()),
            mitigation: Some("Reject headers longer than 4 KiB at the proxy.".into()),
        },
        revisions: vec![
            Revision {
                number: "1".into(),
                date: ts("2026-03-01T12:00:00Z"),
                summary: "Initial release.".into(),
            },
            Revision {
                number: "2".into(),
                date: ts("2026-03-02T10:00:00Z"),
                summary: "Fixed version named.".into(),
            },
        ],
        vulnerabilities: vec![v],
    }
}

#[test]
fn sample_advisory_validates_in_every_format() {
    let validators = validators();
    let problems = validators.check(&sample());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_broken_export_is_caught_by_the_schema() {
    // The validators must be able to fail: a CSAF document without its tracking id.
    let validators = validators();
    let mut doc = export::csaf(&sample(), export::CsafProfile::Vex).unwrap();
    doc["document"]["tracking"].as_object_mut().unwrap().remove("id");
    assert!(!validators.csaf.is_valid(&doc));
    let mut vex = export::openvex(&sample()).unwrap();
    vex["statements"][0]["status"] = "maybe".into();
    assert!(!validators.openvex.is_valid(&vex));
}

#[test]
fn cve5_needs_a_cve_id() {
    let mut advisory = sample();
    advisory.vulnerabilities[0].aliases.retain(|a| !a.starts_with("CVE-"));
    let err = export::export(&advisory, Format::Cve5).unwrap_err();
    assert!(err.to_string().contains("CVE id"), "{err}");
    // In an advisory about two flaws, the one with a CVE id gets its record.
    let mut two = sample();
    two.vulnerabilities.push(advisory.vulnerabilities[0].clone());
    let docs = export::export(&two, Format::Cve5).unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].0, "CVE-2026-12345");
}

#[test]
fn snapshots_of_the_sample_advisory() {
    insta::assert_json_snapshot!("openvex", export::openvex(&sample()).unwrap());
    insta::assert_json_snapshot!("csaf_vex", export::csaf(&sample(), export::CsafProfile::Vex).unwrap());
}

#[test]
fn real_advisories_validate_in_every_format_real_data() {
    let validators = validators();
    let mut problems = Vec::new();
    let mut count = 0;
    let dir = Path::new(DATA).join("rustsec-advisory-db/crates");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    paths.sort();
    for path in &paths {
        let v = rustsec::from_markdown(&std::fs::read_to_string(path).unwrap()).unwrap();
        problems.extend(validators.check(&Advisory::from_vulnerability(v, Publisher::default(), Tlp::Clear)));
        count += 1;
    }
    let pypa = Path::new(DATA).join("pypa-advisory-db/vulns");
    let mut yaml: Vec<_> = std::fs::read_dir(&pypa)
        .unwrap()
        .filter(|d| d.as_ref().unwrap().path().is_dir())
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .map(|e| e.unwrap().path())
        .collect();
    yaml.sort();
    // Every 10th PyPA advisory keeps the test fast; the import test reads them all.
    for path in yaml.iter().step_by(10) {
        let v = osv::from_yaml(&std::fs::read_to_string(path).unwrap()).unwrap();
        problems.extend(validators.check(&Advisory::from_vulnerability(v, Publisher::default(), Tlp::Clear)));
        count += 1;
    }
    assert!(count > 1400, "{count}");
    problems.truncate(40);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The CSAF 2.0 mandatory tests the schema cannot check (section 6.1): every product
/// id used is defined (6.1.1), and for the VEX profile (6.1.27.x): an id per
/// vulnerability, a product status, an impact statement for every known_not_affected
/// product and an action statement for every known_affected one.
fn csaf_profile_problems(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let defined: Vec<&str> = doc["product_tree"]["full_product_names"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["product_id"].as_str()).collect())
        .unwrap_or_default();
    let vex = doc["document"]["category"] == "csaf_vex";
    let notes = doc["document"]["notes"].as_array().cloned().unwrap_or_default();
    if !notes
        .iter()
        .any(|n| ["description", "details", "general", "summary"].contains(&n["category"].as_str().unwrap_or("")))
    {
        problems.push("6.1.27.1: no document note of category description/details/general/summary".into());
    }
    let ids_in = |v: &Value, key: &str, inner: &str| -> Vec<String> {
        v[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .flat_map(|x| x[inner].as_array().cloned().unwrap_or_default())
                    .filter_map(|p| p.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    for (i, v) in doc["vulnerabilities"].as_array().unwrap().iter().enumerate() {
        let status = &v["product_status"];
        let list = |k: &str| -> Vec<String> {
            status[k]
                .as_array()
                .map(|a| a.iter().filter_map(|p| p.as_str().map(str::to_owned)).collect())
                .unwrap_or_default()
        };
        let all: Vec<String> = ["fixed", "known_affected", "known_not_affected", "under_investigation"]
            .iter()
            .flat_map(|k| list(k))
            .chain(ids_in(v, "remediations", "product_ids"))
            .chain(ids_in(v, "flags", "product_ids"))
            .chain(ids_in(v, "threats", "product_ids"))
            .chain(ids_in(v, "scores", "products"))
            .collect();
        for id in &all {
            if !defined.contains(&id.as_str()) {
                problems.push(format!("6.1.1: vulnerabilities[{i}] uses undefined product {id}"));
            }
        }
        if !vex {
            continue;
        }
        if v["cve"].is_null() && v["ids"].is_null() {
            problems.push(format!("6.1.27.7: vulnerabilities[{i}] has neither cve nor ids"));
        }
        if all.is_empty() {
            problems.push(format!("6.1.27.8: vulnerabilities[{i}] has no product status"));
        }
        let covered = ids_in(v, "flags", "product_ids")
            .into_iter()
            .chain(ids_in(v, "threats", "product_ids"))
            .collect::<Vec<_>>();
        for id in list("known_not_affected") {
            if !covered.contains(&id) {
                problems.push(format!(
                    "6.1.27.9: vulnerabilities[{i}] {id} is not affected without an impact statement"
                ));
            }
        }
        let remediated = ids_in(v, "remediations", "product_ids");
        for id in list("known_affected") {
            if !remediated.contains(&id) {
                problems.push(format!(
                    "6.1.27.10: vulnerabilities[{i}] {id} is affected without an action statement"
                ));
            }
        }
    }
    problems
}

#[test]
fn csaf_exports_pass_the_profile_tests_real_data() {
    let mut problems = Vec::new();
    for profile in [export::CsafProfile::SecurityAdvisory, export::CsafProfile::Vex] {
        problems.extend(csaf_profile_problems(&export::csaf(&sample(), profile).unwrap()));
    }
    let dir = Path::new(DATA).join("rustsec-advisory-db/crates");
    let files = lockstep_advisory::import::files(&[dir], lockstep_advisory::import::SourceFormat::Rustsec).unwrap();
    for path in &files {
        let v = rustsec::from_markdown(&std::fs::read_to_string(path).unwrap()).unwrap();
        let advisory = Advisory::from_vulnerability(v, Publisher::default(), Tlp::Clear);
        for problem in csaf_profile_problems(&export::csaf(&advisory, export::CsafProfile::Vex).unwrap()) {
            problems.push(format!("{}: {problem}", advisory.id));
        }
    }
    // The check itself can fail: a not-affected product without a reason.
    let mut broken = export::csaf(&sample(), export::CsafProfile::Vex).unwrap();
    broken["vulnerabilities"][0].as_object_mut().unwrap().remove("flags");
    broken["vulnerabilities"][0].as_object_mut().unwrap().remove("threats");
    assert!(csaf_profile_problems(&broken).iter().any(|p| p.starts_with("6.1.27.9")));
    problems.truncate(20);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
