//! Debian relation semantics on hand-made indexes: virtual packages, versioned
//! Provides, `:any`, alternatives, and versions spread over several indexes.
#![allow(clippy::unwrap_used)]

use lockstep_graph::impact;
use lockstep_graph::{ingest, Affected, Ecosystem, Format};

const MAIN: &str = "\
Package: libfoo1
Version: 1.0-1
Architecture: amd64

Package: mta-a
Version: 1
Architecture: amd64
Depends: libfoo1 (>= 1.0)
Provides: mail-transport-agent

Package: uses-mta
Version: 1
Architecture: all
Depends: mail-transport-agent

Package: wants-new-mta
Version: 1
Architecture: all
Depends: mail-transport-agent (>= 2)

Package: py
Version: 3.11-1
Architecture: amd64
Multi-Arch: allowed
Depends: libfoo1

Package: py-mod
Version: 1
Architecture: all
Depends: py:any (>= 3.9)

Package: not-allowed
Version: 1
Architecture: amd64
Depends: libfoo1

Package: wants-not-allowed-any
Version: 1
Architecture: all
Depends: not-allowed:any

Package: versioned-provider
Version: 5
Architecture: amd64
Depends: libfoo1
Provides: api (= 2.0)

Package: needs-api-2
Version: 1
Architecture: all
Depends: api (>= 2.0)

Package: needs-api-3
Version: 1
Architecture: all
Depends: api (>= 3.0)

Package: alt
Version: 1
Architecture: all
Pre-Depends: nothing-here | libfoo1 (<< 0.5) | mta-a

Package: pins-old
Version: 1
Architecture: amd64
Depends: libfoo1 (<< 1.0-2)
";

const SECURITY: &str = "\
Package: libfoo1
Version: 1.0-2
Architecture: amd64

Package: needs-fixed
Version: 1
Architecture: amd64
Depends: libfoo1 (>= 1.0-2)
";

fn graph() -> lockstep_graph::Graph {
    ingest::build(vec![
        ingest::parse(Format::DebianPackages, "main", MAIN.as_bytes()).unwrap(),
        ingest::parse(Format::DebianPackages, "security", SECURITY.as_bytes()).unwrap(),
    ])
}

fn names(g: &lockstep_graph::Graph, a: &Affected) -> Vec<String> {
    let c = impact::closure(g, &impact::affected_nodes(g, a));
    impact::names(g, &c, a.name()).into_iter().map(str::to_string).collect()
}

#[test]
fn virtual_versioned_provides_any_and_alternatives() {
    let g = graph();
    let all = names(&g, &Affected::all_versions(Ecosystem::Debian, "libfoo1"));
    assert_eq!(
        all,
        [
            "alt",
            "mta-a",
            "needs-api-2",
            "needs-fixed",
            "not-allowed",
            "pins-old",
            "py",
            "py-mod",
            "uses-mta",
            "versioned-provider",
        ],
        "unversioned Provides never meets `(>= 2)`; `api (= 2.0)` does not meet `(>= 3.0)`; \
         `:any` needs Multi-Arch: allowed"
    );
}

#[test]
fn versions_across_indexes_and_verdicts() {
    let g = graph();
    let a = lockstep_graph::osv::parse_cli_range(&Ecosystem::Debian, "libfoo1", "fixed=1.0-2").unwrap();
    let r = impact::report(&g, &a);
    assert_eq!(r.affected_versions, ["pkg:deb/debian/libfoo1@1.0-1?arch=amd64"]);
    assert_eq!(r.fixed_versions, ["1.0-2"]);
    // needs-fixed depends only on the fixed version from security: not reached.
    assert!(r.hits.iter().all(|h| h.name != "needs-fixed"));
    let verdict = |n: &str| r.hits.iter().find(|h| h.name == n).unwrap().verdict.clone();
    assert!(matches!(verdict("mta-a"), impact::Verdict::UpdateLockfile { fixed, .. } if fixed == "1.0-2"));
    assert!(
        matches!(verdict("pins-old"), impact::Verdict::BumpRequirement { requirement, .. } if requirement == "libfoo1 (<< 1.0-2)")
    );
    let uses = r.hits.iter().find(|h| h.name == "uses-mta").unwrap();
    assert_eq!(uses.depth, 2);
    assert_eq!(uses.path[0].requires.as_deref(), Some("mail-transport-agent"));
    assert_eq!(uses.path[1].name, "mta-a");
}
