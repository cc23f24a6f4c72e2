//! Paths through Debian bookworm's real index that dose3 finds and
//! `apt-cache rdepends` misses: through virtual packages and `:any`.
//!
//! The index comes from apt's lists (`apt-get update` must have run); without
//! them the test is skipped with a note, or fails under
//! `LOCKSTEP_TEST_REQUIRE_ALL=true`.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;
use std::str::FromStr;

use lockstep_graph::impact;
use lockstep_graph::{ingest, Affected, Ecosystem, Format};

fn bookworm_indexes() -> Option<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/var/lib/apt/lists").ok()? {
        let p = entry.ok()?.path();
        let name = p.file_name()?.to_string_lossy().to_string();
        if name.contains("bookworm") && name.ends_with("_main_binary-amd64_Packages.lz4") {
            out.push(p);
        }
    }
    out.sort();
    let has_main = out
        .iter()
        .any(|p| p.to_string_lossy().contains("_dists_bookworm_main_"));
    (has_main && std::path::Path::new("/usr/lib/apt/apt-helper").exists()).then_some(out)
}

fn require_all() -> bool {
    std::env::var("LOCKSTEP_TEST_REQUIRE_ALL").is_ok_and(|v| v == "true")
}

#[test]
fn virtual_packages_and_any_are_followed_on_real_debian_bookworm_index() {
    let Some(files) = bookworm_indexes() else {
        let msg =
            "Debian bookworm indexes not found in /var/lib/apt/lists (run `apt-get update` on a bookworm machine)";
        assert!(!require_all(), "{msg}");
        eprintln!("note: skipped: {msg}");
        return;
    };
    let mut inputs = Vec::new();
    for f in &files {
        if f.to_string_lossy().contains("_dists_bookworm_main_") {
            // apt's own LZ4 list, read directly.
            inputs.push(ingest::read(f, None).unwrap());
            continue;
        }
        let out = Command::new("/usr/lib/apt/apt-helper")
            .arg("cat-file")
            .arg(f)
            .output()
            .unwrap();
        assert!(out.status.success(), "apt-helper cat-file {}", f.display());
        let name = f.display().to_string();
        inputs.push(ingest::parse(Format::DebianPackages, &name, &out.stdout).unwrap());
    }
    let graph = ingest::build(inputs);
    assert!(graph.node_count() > 60_000, "{}", graph.node_count());

    // The zero-allocation dpkg comparison orders every version of the index as
    // debversion does: sort by one, check each neighbouring pair by the other.
    // Where they disagree, dpkg itself decides (debversion reads `ds0` as above
    // `ds`; dpkg, and we, read the trailing 0 as equal to nothing).
    let mut versions: Vec<&str> = graph.nodes().map(|n| graph.version(n)).collect();
    versions.sort_unstable();
    versions.dedup();
    versions.sort_by(|a, b| lockstep_graph::version::dpkg_cmp(a, b));
    let mut disagreements = 0;
    for w in versions.windows(2) {
        let (a, b) = (
            debversion::Version::from_str(w[0]).unwrap(),
            debversion::Version::from_str(w[1]).unwrap(),
        );
        let ours = lockstep_graph::version::dpkg_cmp(w[0], w[1]);
        if a.cmp(&b) != ours {
            disagreements += 1;
            let op = match ours {
                std::cmp::Ordering::Less => "lt",
                std::cmp::Ordering::Equal => "eq",
                std::cmp::Ordering::Greater => "gt",
            };
            let dpkg = Command::new("dpkg")
                .args(["--compare-versions", w[0], op, w[1]])
                .status()
                .unwrap();
            assert!(dpkg.success(), "dpkg disagrees: {} {op} {}", w[0], w[1]);
        }
    }
    assert!(versions.len() > 20_000, "{}", versions.len());
    assert!(disagreements < 50, "{disagreements} pairs where debversion differs");

    let libssl3 = Affected::all_versions(Ecosystem::Debian, "libssl3");
    let report = impact::report(&graph, &libssl3);
    let hit = |name: &str| {
        report
            .hits
            .iter()
            .find(|h| h.name == name)
            .unwrap_or_else(|| panic!("{name} not reached"))
    };

    // gpg-agent reaches libssl3 only through the virtual package `pinentry`.
    let gpg = hit("gpg-agent");
    let first = gpg.path[0].requires.as_deref().unwrap();
    assert!(first == "pinentry" || first.starts_with("pinentry "), "{first}");
    assert_eq!(gpg.path.last().unwrap().name, "libssl3");
    assert_eq!(gpg.depth as usize, gpg.path.len() - 1);

    // python3-comm reaches it only through `python3:any`.
    let comm = hit("python3-comm");
    assert!(
        comm.path[0].requires.as_deref().unwrap().starts_with("python3:any"),
        "{:?}",
        comm.path[0]
    );
    assert_eq!(comm.path[1].name, "python3");

    // Direct dependents are at depth 1 with the dependency as written.
    let direct = hit("libssl-dev");
    assert_eq!(direct.depth, 1);
    assert!(direct.purl.starts_with("pkg:deb/debian/libssl-dev@"), "{}", direct.purl);

    // A fixed version that meets the dependents' own `>= 3.0.x` requirement:
    // updating is enough; one that does not (a `<<` pin) needs a new release.
    let fixed = lockstep_graph::osv::parse_cli_range(&Ecosystem::Debian, "libssl3", "fixed=99.0-1").unwrap();
    let r = impact::report(&graph, &fixed);
    let openssl = r.hits.iter().find(|h| h.name == "openssl" && h.depth == 1).unwrap();
    assert!(
        matches!(&openssl.verdict, impact::Verdict::UpdateLockfile { fixed, .. } if fixed == "99.0-1"),
        "{:?}",
        openssl.verdict
    );

    // Every name is reported once by `names`, without the package itself.
    let roots = impact::affected_nodes(&graph, &libssl3);
    let names = impact::names(&graph, &impact::closure(&graph, &roots), "libssl3");
    assert!(!names.contains(&"libssl3"));
    assert!(names.contains(&"gpg-agent") && names.contains(&"python3-comm"));
    assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted, each once");
    assert_eq!(names.len(), report.names().len());
}
