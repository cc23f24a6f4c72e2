//! OSV range evaluation on the real advisory databases in ../shared/data.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use lockstep_graph::advisory::{self, Advisory, Rule};
use lockstep_graph::osv::Event;

fn data(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(rel)
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Versions around every boundary of an advisory: each event version, and its
/// neighbours one patch, minor and major up and down.
fn candidates(adv: &Advisory) -> Vec<semver::Version> {
    let mut out = vec![
        semver::Version::new(0, 0, 0),
        semver::Version::new(0, 1, 0),
        semver::Version::new(1, 0, 0),
        semver::Version::new(99, 0, 0),
    ];
    for rule in &adv.rules {
        let Rule::Osv(a) = rule else { continue };
        for r in a.ranges() {
            for e in r.events() {
                let Ok(v) = semver::Version::parse(e.version()) else {
                    continue;
                };
                let (ma, mi, pa) = (v.major, v.minor, v.patch);
                out.push(semver::Version::new(ma, mi, pa));
                out.push(semver::Version::new(ma, mi, pa + 1));
                out.push(semver::Version::new(ma, mi + 1, 0));
                out.push(semver::Version::new(ma + 1, 0, 0));
                if pa > 0 {
                    out.push(semver::Version::new(ma, mi, pa - 1));
                }
                if mi > 0 {
                    out.push(semver::Version::new(ma, mi - 1, 99));
                }
                if ma > 0 {
                    out.push(semver::Version::new(ma - 1, 99, 99));
                }
                let _ = matches!(e, Event::Introduced(_));
            }
        }
    }
    out
}

#[test]
fn every_rustsec_osv_advisory_agrees_with_its_rustsec_source_on_real_data() {
    let osv_files = files(&data("rustsec-osv/crates"), "json");
    assert_eq!(osv_files.len(), 1206, "the snapshot holds 1,206 OSV advisories");
    let mut md: HashMap<String, Advisory> = HashMap::new();
    for f in files(&data("rustsec-advisory-db/crates"), "md") {
        let a = advisory::load_file(&f).unwrap().unwrap();
        md.insert(a.id.clone(), a);
    }
    let (mut compared, mut checks) = (0, 0);
    let mut disagreements = Vec::new();
    for f in &osv_files {
        let text = std::fs::read_to_string(f).unwrap();
        let osv = advisory::parse_osv_json(f, &text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(osv.rules.len(), 1, "{}", osv.id);
        let Some(src) = md.get(&osv.id) else { continue };
        // Withdrawn advisories are never reported; RUSTSEC-2020-0055's `> 0` is
        // read as `> 0.0.0` by the OSV export and as `>= 1.0.0` by Cargo's rules.
        if osv.withdrawn {
            continue;
        }
        compared += 1;
        assert_eq!(osv.rules[0].name(), src.rules[0].name(), "{}", osv.id);
        assert_eq!(osv.withdrawn, src.withdrawn, "{}", osv.id);
        assert_eq!(osv.informational, src.informational, "{}", osv.id);
        for v in candidates(&osv) {
            checks += 1;
            let s = v.to_string();
            let (a, b) = (osv.rules[0].affects(&s), src.rules[0].affects(&s));
            if a != b {
                disagreements.push(format!("{} {s}: osv {a}, rustsec {b}", osv.id));
            }
        }
    }
    assert!(compared >= 1150, "compared {compared}");
    assert!(checks > 15_000, "checks {checks}");
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

#[test]
fn every_pypa_advisory_parses_and_its_listed_versions_lie_in_its_ranges_on_real_data() {
    let dir = data("pypa-advisory-db/vulns");
    let yaml = files(&dir, "yaml");
    assert!(yaml.len() >= 2600, "{}", yaml.len());
    let mut listed = 0;
    let mut outside = Vec::new();
    let mut rejected = Vec::new();
    for f in &yaml {
        let text = std::fs::read_to_string(f).unwrap();
        let adv = match advisory::parse_osv_yaml(f, &text) {
            Ok(a) => a,
            Err(e) => {
                rejected.push(e.to_string());
                continue;
            }
        };
        for rule in &adv.rules {
            let Rule::Osv(a) = rule else { continue };
            let ranges_only =
                lockstep_graph::Affected::new(a.ecosystem().clone(), a.name(), a.ranges().to_vec(), vec![]);
            let has_eco_range = a
                .ranges()
                .iter()
                .any(|r| r.kind() != lockstep_graph::osv::RangeKind::Git);
            if !has_eco_range {
                continue;
            }
            for v in a.versions() {
                listed += 1;
                // Listed versions that PEP 440 cannot read, or pre-releases below
                // an `introduced` of the same release (`3.2a1` vs `3.2`), are
                // affected only through the list, as OSV says they should be.
                let parsed = pep440_rs::Version::from_str(v);
                let explained = match &parsed {
                    Err(_) => true,
                    Ok(p) => p.any_prerelease() || p.is_post() || p.is_dev(),
                };
                if !ranges_only.affects(v) && !explained && a.affects(v) {
                    outside.push(format!("{} {} {v}", adv.id, a.name()));
                }
            }
        }
    }
    assert!(listed > 50_000, "{listed}");
    // Two quirks of the data, where the spec's walk and the list disagree:
    // gevent lists its own fix (23.9.0, from a GIT range); wagtail's range
    // overlaps itself ([0, 2.11.6) and [2.11, 2.11.7) in one event list), and
    // the spec's walk leaves 2.11.6 out. Both stay affected through `versions`.
    outside.retain(|o| o != "PYSEC-2023-177 gevent 23.9.0" && o != "PYSEC-2021-114 wagtail 2.11.6");
    // The two advisories whose fixed versions PEP 440 cannot read are rejected
    // with the file and JSON path (and left out of a scan).
    assert_eq!(rejected.len(), 2, "{}", rejected.join("\n"));
    assert!(rejected[0].contains("PYSEC-2021-371.yaml: at affected[0].ranges[1].events[1].fixed"));
    assert!(
        outside.is_empty(),
        "{} listed versions outside ranges:\n{}",
        outside.len(),
        outside[..outside.len().min(30)].join("\n")
    );
}
