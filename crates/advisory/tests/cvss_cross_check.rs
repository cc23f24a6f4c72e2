//! Cross-checks every CVSS score against Red Hat's independent Python `cvss` package:
//! `fixtures/cvss_expected.tsv` was written by `fixtures/gen_cvss.py` from every vector
//! in the shared advisory data and thousands of seeded random vectors of each version.

use lockstep_advisory::cvss::{CvssVersion, Vector};

const EXPECTED: &str = include_str!("fixtures/cvss_expected.tsv");

fn close(expected: &str, actual: Option<f64>) -> bool {
    match (expected.parse::<f64>(), actual) {
        (Ok(e), Some(a)) => (e - a).abs() < 1e-9,
        _ => false,
    }
}

#[test]
fn every_vector_scores_as_the_independent_implementation_does() {
    let mut failures = Vec::new();
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for line in EXPECTED.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let [version, vector, base, temporal, environmental, severity] = cols[..] else {
            panic!("bad fixture line {line:?}");
        };
        *counts.entry(version).or_default() += 1;
        let parsed = match Vector::parse(vector) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{vector}: {e}"));
                continue;
            }
        };
        assert_eq!(parsed.version().as_str(), version, "{vector}");
        let s = parsed.scores();
        if !close(base, Some(s.base_score)) {
            failures.push(format!("{vector}: base {} != {base}", s.base_score));
        }
        if !temporal.is_empty() && !close(temporal, s.temporal_score) {
            failures.push(format!("{vector}: temporal {:?} != {temporal}", s.temporal_score));
        }
        if !environmental.is_empty() && !close(environmental, s.environmental_score) {
            failures.push(format!(
                "{vector}: environmental {:?} != {environmental}",
                s.environmental_score
            ));
        }
        if parsed.version() != CvssVersion::V2 && !s.base_severity.as_str().eq_ignore_ascii_case(severity) {
            failures.push(format!("{vector}: severity {} != {severity}", s.base_severity));
        }
    }
    assert!(counts.values().all(|&n| n >= 400), "{counts:?}");
    assert!(
        failures.is_empty(),
        "{} of {} disagree:\n{}",
        failures.len(),
        EXPECTED.lines().count(),
        failures.join("\n")
    );
}
