//! The offline tools as a user runs them: the compiled `lockstep` binary on real
//! data from ../shared/data and the graph crate's fixtures, checking output and
//! exit codes (0 nothing found, 1 found something, 2 bad input).

#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

const OLD_DEPS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../graph/fixtures/old-deps/Cargo.lock");
const RUSTSEC_DB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/rustsec-advisory-db");
const RUSTSEC_OSV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/rustsec-osv/crates");

fn lockstep(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(args)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn scan_of_real_rustsec_db_finds_known_advisories_and_exits_1() {
    let out = lockstep(&["scan", "--advisories", RUSTSEC_DB, OLD_DEPS, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hit = |id: &str, package: &str| {
        findings
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == id && f["package"] == package)
    };
    assert!(hit("RUSTSEC-2020-0159", "chrono"), "{findings}");
    assert!(hit("RUSTSEC-2023-0034", "h2"), "{findings}");
}

#[test]
fn malformed_lockfile_is_named_with_its_line_and_exits_2() {
    let dir = std::env::temp_dir().join(format!("lockstep-offline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("Cargo.lock");
    std::fs::write(&bad, "version = 3\n[[package]]\nname = \"x\"\nversion = 1.0\n").unwrap();
    let out = lockstep(&["scan", "--advisories", RUSTSEC_DB, bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("Cargo.lock:4"), "{}", stderr(&out));
}

#[test]
fn impact_names_dependents_of_a_package_in_a_lockfile() {
    let out = lockstep(&["impact", "--lockfile", OLD_DEPS, "--package", "h2", "--format", "names"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let names: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(names.contains(&"hyper".to_owned()), "{names:?}");
    assert!(
        !names.contains(&"h2".to_owned()),
        "the queried package is left out: {names:?}"
    );
}

#[test]
fn cvss_scores_and_names_a_bad_metric() {
    let out = lockstep(&[
        "cvss",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let score: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (score["base_score"].as_f64(), score["base_severity"].as_str()),
        (Some(9.8), Some("CRITICAL"))
    );
    let out = lockstep(&["cvss", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("AV"), "{}", stderr(&out));
}

#[test]
fn advisory_convert_turns_real_osv_into_openvex() {
    let first = std::fs::read_dir(RUSTSEC_OSV)
        .unwrap()
        .map(|e| e.unwrap().path())
        .min()
        .unwrap();
    let out = lockstep(&[
        "advisory",
        "convert",
        "--from",
        "osv",
        "--to",
        "openvex",
        first.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(doc["@context"], "https://openvex.dev/ns/v0.2.0", "{doc}");
}
