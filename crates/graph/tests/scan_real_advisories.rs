//! Scanning against the real RustSec and PyPA databases in ../shared/data.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use lockstep_graph::advisory::{scan, AdvisoryDb};
use lockstep_graph::ingest;

fn data(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(rel)
}

const LOCK: &str = r#"
version = 3

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["smallvec", "time", "aes-gcm", "daemonize"]

[[package]]
name = "smallvec"
version = "0.6.9"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "time"
version = "0.1.45"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "aes-gcm"
version = "0.10.1"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "daemonize"
version = "0.4.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

fn ids(db: &AdvisoryDb) -> Vec<String> {
    let g = ingest::build(vec![ingest::parse_detect("Cargo.lock", LOCK.as_bytes()).unwrap()]);
    scan(&g, db)
        .iter()
        .map(|f| format!("{} {}@{}", f.id, f.package, f.version))
        .collect()
}

#[test]
fn rustsec_markdown_and_osv_json_give_the_same_findings_on_real_data() {
    let md = AdvisoryDb::load_dir(&data("rustsec-advisory-db")).unwrap();
    assert!(md.rejected().is_empty(), "{:?}", md.rejected());
    let osv = AdvisoryDb::load_dir(&data("rustsec-osv")).unwrap();
    assert!(osv.rejected().is_empty(), "{:?}", osv.rejected());
    let expected = [
        "RUSTSEC-2023-0096 aes-gcm@0.10.1",
        "RUSTSEC-2025-0069 daemonize@0.4.1",
        "RUSTSEC-2018-0018 smallvec@0.6.9",
        "RUSTSEC-2019-0009 smallvec@0.6.9",
        "RUSTSEC-2019-0012 smallvec@0.6.9",
        "RUSTSEC-2021-0003 smallvec@0.6.9",
        "RUSTSEC-2020-0071 time@0.1.45",
    ];
    // daemonize's RUSTSEC-2021-0147 (every version) is withdrawn: left out.
    assert_eq!(ids(&md), expected);
    assert_eq!(ids(&osv), expected);
    let g = ingest::build(vec![ingest::parse_detect("Cargo.lock", LOCK.as_bytes()).unwrap()]);
    let f = scan(&g, &md);
    assert_eq!(f[2].informational.as_deref(), Some("unsound"));
    assert_eq!(f[3].informational, None);
    assert_eq!(f[3].fixed, [">=0.6.10"]);
    assert_eq!(f[3].purl, "pkg:cargo/smallvec@0.6.9");
}

#[test]
fn pypa_yaml_matches_pinned_requirements_with_alias_dedup_on_real_data() {
    let db = AdvisoryDb::load_dir(&data("pypa-advisory-db")).unwrap();
    assert_eq!(
        db.rejected().len(),
        2,
        "two advisories with versions PEP 440 cannot read"
    );
    let req = "Jinja2==2.10\nrequests==2.31.0\n";
    let g = ingest::build(vec![ingest::parse_detect("requirements.txt", req.as_bytes()).unwrap()]);
    let findings = scan(&g, &db);
    assert!(findings
        .iter()
        .all(|f| f.package == "jinja2" || f.package == "requests"));
    let jinja: Vec<&str> = findings
        .iter()
        .filter(|f| f.package == "jinja2")
        .map(|f| f.id.as_str())
        .collect();
    assert!(jinja.contains(&"PYSEC-2019-217"), "{jinja:?}");
    // No two findings for one package version share an id or alias.
    for (i, a) in findings.iter().enumerate() {
        for b in &findings[i + 1..] {
            if (&a.package, &a.version) == (&b.package, &b.version) {
                assert!(
                    !b.aliases.contains(&a.id) && !a.aliases.contains(&b.id),
                    "{} {}",
                    a.id,
                    b.id
                );
            }
        }
    }
}
