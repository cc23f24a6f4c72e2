//! Every input format: packages named by PURL, dependencies resolved, and
//! malformed input rejected whole with the file and line or JSON path.
#![allow(clippy::unwrap_used)]

use lockstep_graph::impact::{self, Verdict};
use lockstep_graph::ingest::{self, Format, Input, Location};
use lockstep_graph::lockfiles;
use lockstep_graph::osv::parse_cli_range;
use lockstep_graph::{Ecosystem, Graph};

fn graph(name: &str, text: &str) -> Graph {
    ingest::build(vec![ingest::parse_detect(name, text.as_bytes()).unwrap()])
}

fn purls(g: &Graph) -> Vec<String> {
    let mut v: Vec<String> = g.nodes().map(|n| g.purl(n)).collect();
    v.sort();
    v
}

fn reached(g: &Graph, eco: Ecosystem, name: &str, range: &str) -> impact::Impact {
    impact::report(g, &parse_cli_range(&eco, name, range).unwrap())
}

const CARGO_LOCK_V3: &str = r#"
version = 3

[[package]]
name = "app"
version = "0.1.0"
dependencies = [
 "hyper",
 "openssl 0.10.50",
]

[[package]]
name = "hyper"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["openssl 0.9.24"]

[[package]]
name = "openssl"
version = "0.9.24"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "openssl"
version = "0.10.50"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

#[test]
fn cargo_lock_resolves_ambiguous_names_by_version() {
    let g = graph("Cargo.lock", CARGO_LOCK_V3);
    assert_eq!(
        purls(&g),
        [
            "pkg:cargo/app@0.1.0",
            "pkg:cargo/hyper@1.0.0",
            "pkg:cargo/openssl@0.10.50",
            "pkg:cargo/openssl@0.9.24"
        ]
    );
    let r = reached(&g, Ecosystem::CratesIo, "openssl", "fixed=0.9.25");
    assert_eq!(r.affected_versions, ["pkg:cargo/openssl@0.9.24"]);
    let names: Vec<(&str, u32)> = r.hits.iter().map(|h| (h.name.as_str(), h.depth)).collect();
    assert_eq!(names, [("hyper", 1), ("app", 2)]);
    // Cargo.lock records no requirements.
    assert_eq!(r.hits[0].verdict, Verdict::Unknown);
    let path: Vec<&str> = r.hits[1].path.iter().map(|s| s.purl.as_str()).collect();
    assert_eq!(
        path,
        [
            "pkg:cargo/app@0.1.0",
            "pkg:cargo/hyper@1.0.0",
            "pkg:cargo/openssl@0.9.24"
        ]
    );
}

#[test]
fn cargo_lock_v1_and_v4_read() {
    let v1 = r#"
[[package]]
name = "a"
version = "1.0.0"
dependencies = ["b 2.0.0 (registry+https://github.com/rust-lang/crates.io-index)"]

[[package]]
name = "b"
version = "2.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[metadata]
"checksum b 2.0.0 (registry+https://github.com/rust-lang/crates.io-index)" = "00"
"#;
    assert_eq!(graph("Cargo.lock", v1).edge_count(), 1);
    let v4 = "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\ndependencies = [\"b\"]\n\n[[package]]\nname = \"b\"\nversion = \"2.0.0\"\n";
    assert_eq!(graph("Cargo.lock", v4).edge_count(), 1);
}

#[test]
fn this_projects_real_cargo_lock_reads() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock");
    let input = ingest::read(std::path::Path::new(path), None).unwrap();
    assert!(input.package_count() > 100);
    let g = ingest::build(vec![input]);
    let r = impact::report(
        &g,
        &lockstep_graph::Affected::all_versions(Ecosystem::CratesIo, "serde_core"),
    );
    assert!(
        r.hits.iter().any(|h| h.name == "lockstep-graph"),
        "lockstep-graph uses serde"
    );
}

#[test]
fn malformed_lockfiles_name_the_line_or_json_path() {
    let bad_dep = "version = 3\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\ndependencies = [\n \"missing\",\n]\n";
    let e = ingest::parse_detect("x/Cargo.lock", bad_dep.as_bytes()).unwrap_err();
    assert_eq!(
        (e.file.as_str(), &e.location),
        ("x/Cargo.lock", &Location::Line(7)),
        "{e}"
    );
    let bad_version = "version = 3\n\n[[package]]\nname = \"a\"\nversion = \"one\"\n";
    assert_eq!(
        ingest::parse_detect("Cargo.lock", bad_version.as_bytes())
            .unwrap_err()
            .location,
        Location::Line(5)
    );
    let bad_toml = "version = 3\n[[package]\n";
    assert_eq!(
        ingest::parse_detect("Cargo.lock", bad_toml.as_bytes())
            .unwrap_err()
            .location,
        Location::Line(2)
    );
    let npm = r#"{"lockfileVersion": 3, "packages": {"": {"name": "r"}, "node_modules/a": {"version": 7}}}"#;
    let e = ingest::parse_detect("package-lock.json", npm.as_bytes()).unwrap_err();
    assert!(
        matches!(&e.location, Location::JsonPath(p) if p.contains("node_modules/a")),
        "{e}"
    );
    let npm_syntax = "{\n\"lockfileVersion\": 3,\n\"packages\": {,}\n}";
    let e = ingest::parse_detect("package-lock.json", npm_syntax.as_bytes()).unwrap_err();
    assert_eq!(e.location, Location::Line(3), "{e}");
    let req = "requests==2.31.0\nflask>=2\n";
    let e = ingest::parse_detect("requirements.txt", req.as_bytes()).unwrap_err();
    assert_eq!(e.location, Location::Line(2));
    assert!(e.to_string().starts_with("requirements.txt:2: "), "{e}");
}

const NPM_V3: &str = r#"{
  "name": "web", "version": "1.0.0", "lockfileVersion": 3,
  "packages": {
    "": {"name": "web", "version": "1.0.0", "dependencies": {"express": "^4.18.0", "@scope/util": "1.x"}},
    "node_modules/express": {"version": "4.18.2", "dependencies": {"qs": "6.11.0", "debug": "2.6.9"}},
    "node_modules/qs": {"version": "6.11.0"},
    "node_modules/debug": {"version": "2.6.9"},
    "node_modules/@scope/util": {"version": "1.2.0", "dependencies": {"debug": "^4.0.0"}},
    "node_modules/@scope/util/node_modules/debug": {"version": "4.3.4"}
  }
}"#;

#[test]
fn npm_lock_v3_resolves_nested_node_modules_and_judges_requirements() {
    let g = graph("package-lock.json", NPM_V3);
    assert!(purls(&g).contains(&"pkg:npm/%40scope/util@1.2.0".to_string()));
    // qs 6.11.0 is pinned exactly by express: a fix needs express to release.
    let r = reached(&g, Ecosystem::Npm, "qs", "introduced=6.0.0,fixed=6.11.1");
    let express = &r.hits[0];
    assert_eq!((express.name.as_str(), express.depth), ("express", 1));
    assert!(
        matches!(&express.verdict, Verdict::BumpRequirement { dependent, .. } if dependent == "pkg:npm/express@4.18.2")
    );
    // debug 4.3.4 under ^4.0.0 can move to 4.3.5: update the lockfile.
    let r = reached(&g, Ecosystem::Npm, "debug", "introduced=4.0.0,fixed=4.3.5");
    assert_eq!(r.affected_versions, ["pkg:npm/debug@4.3.4"]);
    let util = &r.hits[0];
    assert_eq!(util.name, "@scope/util");
    assert_eq!(
        util.verdict,
        Verdict::UpdateLockfile {
            fixed: "4.3.5".into(),
            requirement: "debug ^4.0.0".into()
        }
    );
    assert_eq!(r.hits[1].name, "web");
}

#[test]
fn npm_lock_v1_reads_nested_dependencies() {
    let v1 = r#"{"name": "old", "version": "0.0.1", "lockfileVersion": 1, "requires": true,
      "dependencies": {
        "a": {"version": "1.0.0", "requires": {"b": "^2.0.0"}},
        "b": {"version": "2.1.0"}
      }}"#;
    let g = graph("package-lock.json", v1);
    let r = reached(&g, Ecosystem::Npm, "b", "fixed=2.1.1");
    let hits: Vec<&str> = r.hits.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(hits, ["a", "old"]);
    assert!(matches!(r.hits[0].verdict, Verdict::UpdateLockfile { .. }));
}

#[test]
fn poetry_uv_and_requirements_read() {
    let poetry = r#"
[[package]]
name = "Flask"
version = "2.3.2"
[package.dependencies]
Werkzeug = ">=2.3.3"
itsdangerous = "^2.1.2"

[[package]]
name = "werkzeug"
version = "2.3.6"

[[package]]
name = "itsdangerous"
version = "2.1.2"

[metadata]
content-hash = "00"
"#;
    let inv = match ingest::parse_detect("poetry.lock", poetry.as_bytes()).unwrap() {
        Input::Inventory(i) => i,
        Input::Debian(_) => unreachable!(),
    };
    let inv = lockfiles::with_project(inv, Ecosystem::PyPI, "my-app");
    let g = ingest::build(vec![Input::Inventory(inv)]);
    let r = reached(&g, Ecosystem::PyPI, "itsdangerous", "fixed=2.1.3");
    let names: Vec<&str> = r.hits.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["flask", "my-app"]);
    assert_eq!(
        r.hits[0].verdict,
        Verdict::UpdateLockfile {
            fixed: "2.1.3".into(),
            requirement: "itsdangerous >=2.1.2,<3".into()
        }
    );
    let r = reached(&g, Ecosystem::PyPI, "itsdangerous", "fixed=3.0");
    assert!(matches!(r.hits[0].verdict, Verdict::BumpRequirement { .. }));

    let uv = r#"
version = 1
requires-python = ">=3.11"

[[package]]
name = "proj"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "jinja2" }]
[package.metadata]
requires-dist = [{ name = "jinja2", specifier = "==3.1.2" }]

[[package]]
name = "jinja2"
version = "3.1.2"
source = { registry = "https://pypi.org/simple" }
"#;
    let g = graph("uv.lock", uv);
    let r = reached(&g, Ecosystem::PyPI, "Jinja2", "fixed=3.1.3");
    assert_eq!(r.hits[0].name, "proj");
    assert!(
        matches!(r.hits[0].verdict, Verdict::BumpRequirement { .. }),
        "{:?}",
        r.hits[0].verdict
    );

    let req = "# pinned\nDjango==4.2.1 \\\n    --hash=sha256:00\nrequests[socks]==2.31.0 ; python_version >= \"3.8\"\n-r other.txt\n";
    let g = graph("requirements.txt", req);
    assert_eq!(purls(&g), ["pkg:pypi/django@4.2.1", "pkg:pypi/requests@2.31.0"]);
}

#[test]
fn cyclonedx_and_spdx_read_with_purls_and_edges() {
    let bom = r#"{"bomFormat": "CycloneDX", "specVersion": "1.5",
      "metadata": {"component": {"bom-ref": "app", "name": "app", "version": "1", "purl": "pkg:npm/app@1"}},
      "components": [
        {"bom-ref": "lodash", "name": "lodash", "version": "4.17.20", "purl": "pkg:npm/lodash@4.17.20"},
        {"bom-ref": "tool", "name": "tool", "version": "2", "components": [{"bom-ref": "inner", "name": "inner", "version": "0.1"}]}
      ],
      "dependencies": [{"ref": "app", "dependsOn": ["lodash", "tool"]}, {"ref": "tool", "dependsOn": ["inner"]}]}"#;
    let g = graph("bom.json", bom);
    assert_eq!(g.edge_count(), 3);
    let r = reached(&g, Ecosystem::Npm, "lodash", "fixed=4.17.21");
    assert_eq!(r.hits[0].purl, "pkg:npm/app@1");
    let bad = bom.replace(r#""dependsOn": ["inner"]"#, r#""dependsOn": ["nowhere"]"#);
    let e = ingest::parse_detect("bom.json", bad.as_bytes()).unwrap_err();
    assert_eq!(e.location, Location::JsonPath("dependencies[1].dependsOn[0]".into()));
    let old = bom.replace("\"1.5\"", "\"1.2\"");
    assert_eq!(
        ingest::parse_detect("bom.json", old.as_bytes()).unwrap_err().location,
        Location::JsonPath("specVersion".into())
    );

    let spdx = r#"{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT",
      "packages": [
        {"SPDXID": "SPDXRef-app", "name": "app", "versionInfo": "1.0"},
        {"SPDXID": "SPDXRef-serde", "name": "serde", "versionInfo": "1.0.100",
         "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:cargo/serde@1.0.100"}]},
        {"SPDXID": "SPDXRef-zlib", "name": "zlib1g", "externalRefs": [{"referenceCategory": "PACKAGE_MANAGER", "referenceType": "purl", "referenceLocator": "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64"}]}
      ],
      "relationships": [
        {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-app"},
        {"spdxElementId": "SPDXRef-app", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-serde"},
        {"spdxElementId": "SPDXRef-zlib", "relationshipType": "DEPENDENCY_OF", "relatedSpdxElement": "SPDXRef-app"}
      ]}"#;
    let g = graph("sbom.spdx.json", spdx);
    assert_eq!(g.edge_count(), 2);
    let r = reached(&g, Ecosystem::Debian, "zlib1g", "fixed=1:1.2.13.dfsg-1+deb12u1");
    assert_eq!(
        r.affected_versions,
        ["pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64"]
    );
    assert_eq!(r.hits[0].purl, "pkg:generic/app@1.0");
    let bad = spdx.replace("pkg:cargo/serde@1.0.100", "cargo/serde");
    let e = ingest::parse_detect("sbom.spdx.json", bad.as_bytes()).unwrap_err();
    assert_eq!(
        e.location,
        Location::JsonPath("packages[1].externalRefs[0].referenceLocator".into())
    );
}

#[test]
fn many_inputs_form_one_graph() {
    let a = ingest::parse_detect("a/Cargo.lock", CARGO_LOCK_V3.as_bytes()).unwrap();
    let other = "version = 3\n\n[[package]]\nname = \"svc\"\nversion = \"2.0.0\"\ndependencies = [\"openssl\"]\n\n[[package]]\nname = \"openssl\"\nversion = \"0.9.24\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
    let b = ingest::parse_detect("b/Cargo.lock", other.as_bytes()).unwrap();
    let g = ingest::build(vec![a, b]);
    let r = reached(&g, Ecosystem::CratesIo, "openssl", "fixed=0.9.25");
    assert_eq!(r.affected_versions.len(), 1, "one node for the shared package version");
    let names: Vec<&str> = r.hits.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["hyper", "svc", "app"]);
    let shared = g
        .nodes()
        .find(|&n| g.name(n) == "openssl" && g.version(n) == "0.9.24")
        .unwrap();
    assert_eq!(g.sources(shared), ["a/Cargo.lock", "b/Cargo.lock"]);
}

#[test]
fn format_detection() {
    assert_eq!(Format::detect("dir/Cargo.lock", b""), Some(Format::CargoLock));
    assert_eq!(
        Format::detect("x.json", br#"{"bomFormat":"CycloneDX"}"#),
        Some(Format::CycloneDx)
    );
    assert_eq!(
        Format::detect("x.json", br#"{"spdxVersion":"SPDX-2.3"}"#),
        Some(Format::Spdx)
    );
    assert_eq!(Format::detect("x_Packages", b""), Some(Format::DebianPackages));
    assert_eq!(Format::detect("x.bin", b"\x00"), None);
    assert!(ingest::parse_detect("x.bin", b"\x00").is_err());
}

#[test]
fn real_npm_lockfile_written_by_npm_reads_with_verdicts() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/npm-web-app/package-lock.json");
    let g = ingest::build(vec![ingest::read(std::path::Path::new(path), None).unwrap()]);
    // qs 6.7.0 (CVE-2022-24999, fixed in 6.7.3) is pinned exactly by express
    // 4.17.1 and body-parser 1.19.0: both must release.
    let r = reached(&g, Ecosystem::Npm, "qs", "introduced=6.7.0,fixed=6.7.3");
    assert_eq!(r.affected_versions, ["pkg:npm/qs@6.7.0"]);
    let direct: Vec<(&str, bool)> = r
        .hits
        .iter()
        .filter(|h| h.depth == 1)
        .map(|h| (h.name.as_str(), matches!(h.verdict, Verdict::BumpRequirement { .. })))
        .collect();
    assert_eq!(direct, [("body-parser", true), ("express", true)]);
    assert!(r.hits.iter().any(|h| h.name == "web-app" && h.depth == 2));
}

#[test]
fn real_cargo_lockfile_written_by_cargo_reads() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/old-deps/Cargo.lock");
    let g = ingest::build(vec![ingest::read(std::path::Path::new(path), None).unwrap()]);
    let r = reached(&g, Ecosystem::CratesIo, "smallvec", "fixed=0.6.14");
    assert_eq!(r.affected_versions, ["pkg:cargo/smallvec@0.6.10"]);
    assert!(r.hits.iter().any(|h| h.name == "old-deps" && h.depth == 1));
}

#[test]
fn uploaded_documents_form_one_graph_or_fail_whole() {
    let a: (&str, &[u8]) = ("project-a/Cargo.lock", CARGO_LOCK_V3.as_bytes());
    let b: (&str, &[u8]) = ("project-b/requirements.txt", b"django==4.2.1\n");
    let g = ingest::graph_from_documents([a, b]).unwrap();
    assert_eq!(g.node_count(), 5);
    let bad: (&str, &[u8]) = ("project-c/requirements.txt", b"django>=4\n");
    let e = ingest::graph_from_documents([a, bad]).unwrap_err();
    assert_eq!(
        (e.file.as_str(), &e.location),
        ("project-c/requirements.txt", &Location::Line(1))
    );
}
