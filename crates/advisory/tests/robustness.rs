//! Parsers of outside input never panic: every prefix and many byte-level mutations of
//! real CVSS vectors, OSV records and RustSec advisories give a value or an error.
//! (A cheap, deterministic stand-in for fuzzing that runs on every `cargo test`.)
#![allow(clippy::unwrap_used)]

use lockstep_advisory::{cvss::Vector, osv, rustsec};

const VECTORS: &str = include_str!("fixtures/cvss_expected.tsv");
const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

/// Deterministic mutations: every prefix (on char boundaries), and each position with
/// its character replaced by a few troublesome ones.
fn mutations(input: &str, stride: usize) -> Vec<String> {
    let mut out = Vec::new();
    let bounds: Vec<usize> = input.char_indices().map(|(i, _)| i).step_by(stride).collect();
    for &i in &bounds {
        out.push(input[..i].to_owned());
        for replacement in ["", ":", "/", "\"", "\n", "é", "9", "{", "]"] {
            let next = input[i..].chars().next().map_or(i, |c| i + c.len_utf8());
            out.push(format!("{}{replacement}{}", &input[..i], &input[next..]));
        }
    }
    out
}

#[test]
fn cvss_parser_never_panics() {
    let mut parsed = 0;
    for line in VECTORS.lines().step_by(25) {
        let vector = line.split('\t').nth(1).unwrap();
        for m in mutations(vector, 1) {
            if let Ok(v) = Vector::parse(&m) {
                let s = v.scores();
                assert!((0.0..=10.0).contains(&s.base_score), "{m}: {}", s.base_score);
                parsed += 1;
            }
        }
    }
    assert!(parsed > 100, "{parsed}");
}

#[test]
fn osv_and_rustsec_parsers_never_panic_real_data() {
    let json = std::fs::read_to_string(format!("{DATA}/rustsec-osv/crates/RUSTSEC-2016-0001.json")).unwrap();
    let yaml = std::fs::read_to_string(format!("{DATA}/pypa-advisory-db/vulns/aiohttp/PYSEC-2021-76.yaml")).unwrap();
    let md = std::fs::read_to_string(format!(
        "{DATA}/rustsec-advisory-db/crates/abi_stable/RUSTSEC-2020-0105.md"
    ))
    .unwrap();
    let mut errors = 0;
    for m in mutations(&json, 7) {
        errors += usize::from(osv::from_json(&m).is_err());
    }
    for m in mutations(&yaml, 7) {
        errors += usize::from(osv::from_yaml(&m).is_err());
    }
    for m in mutations(&md, 3) {
        errors += usize::from(rustsec::from_markdown(&m).is_err());
    }
    assert!(errors > 1000, "{errors}");
}
