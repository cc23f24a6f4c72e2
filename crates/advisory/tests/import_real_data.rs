//! Real data: every OSV file (1,206 RustSec JSON, 2,660 PyPA YAML) and every RustSec
//! Markdown advisory imports, and alias de-duplication merges the records of one flaw.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::PathBuf;

use lockstep_advisory::import::{self, SourceFormat};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

fn read_all(dir: &str, format: SourceFormat) -> Vec<lockstep_advisory::Vulnerability> {
    let files = import::files(&[PathBuf::from(format!("{DATA}/{dir}"))], format).unwrap();
    files
        .iter()
        .map(|f| import::read(f, format).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

#[test]
fn every_advisory_imports_and_aliases_merge_real_data() {
    let rustsec_osv = read_all("rustsec-osv/crates", SourceFormat::Osv);
    let rustsec_md = read_all("rustsec-advisory-db/crates", SourceFormat::Rustsec);
    let pypa = read_all("pypa-advisory-db/vulns", SourceFormat::Osv);
    assert_eq!(rustsec_osv.len(), 1206);
    assert_eq!(rustsec_md.len(), 1205);
    assert_eq!(pypa.len(), 2661);
    assert!(pypa
        .iter()
        .all(|v| v.affected.iter().all(|a| a.package.ecosystem == "PyPI")));

    // The same RustSec advisories from both sources collapse onto one record each.
    let rustsec_total = rustsec_osv.len() + rustsec_md.len();
    let merged_rust = import::merge_aliases(rustsec_osv.iter().chain(&rustsec_md).cloned().collect());
    assert!(merged_rust.len() <= 1206, "{}", merged_rust.len());

    let all: Vec<_> = rustsec_osv.into_iter().chain(rustsec_md).chain(pypa).collect();
    let total = all.len();
    let merged = import::merge_aliases(all);
    // No id names two records after merging.
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for v in &merged {
        for id in v.ids() {
            if let Some(other) = seen.insert(id, &v.id) {
                panic!("{id} is in both {other} and {}", v.id);
            }
        }
    }
    let pypa_merged = merged.len() - merged_rust.len();
    eprintln!(
        "{total} records -> {} ({rustsec_total} RustSec -> {}, 2661 PyPA -> {pypa_merged})",
        merged.len(),
        merged_rust.len()
    );
    assert!(pypa_merged < 2661 && pypa_merged > 2000, "{pypa_merged}");
}
