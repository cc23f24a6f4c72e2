//! Damaged input (truncated, bytes flipped) never panics a parser: it is read
//! or rejected with an error.
#![allow(clippy::unwrap_used)]

use lockstep_graph::ingest::{self, Format};

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/").to_string() + rel).unwrap()
}

const DEB: &str = "Package: a\nVersion: 1:2.0-1\nArchitecture: amd64\nMulti-Arch: allowed\nPre-Depends: b (>= 1)\nDepends: b (>= 1), c | d:any (<< 3~), e [amd64]\nProvides: v (= 2), w\n\nPackage: b\nVersion: 1\nDescription: x\n more\n";
const BOM: &str = r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"bom-ref": "a", "name": "a", "purl": "pkg:npm/%40s/a@1.0.0"}, {"bom-ref": "b", "name": "b", "version": "2"}], "dependencies": [{"ref": "a", "dependsOn": ["b"]}]}"#;
const SPDX: &str = r#"{"spdxVersion": "SPDX-2.3", "packages": [{"SPDXID": "SPDXRef-a", "name": "a", "externalRefs": [{"referenceType": "purl", "referenceLocator": "pkg:pypi/a@1.0"}]}], "relationships": [{"spdxElementId": "SPDXRef-a", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-a"}]}"#;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn truncated_and_flipped_inputs_of_every_format_are_read_or_rejected() {
    let inputs: Vec<(&str, Format, Vec<u8>)> = vec![
        ("Cargo.lock", Format::CargoLock, fixture("old-deps/Cargo.lock")),
        ("package-lock.json", Format::NpmLock, fixture("npm-web-app/package-lock.json")),
        ("Packages", Format::DebianPackages, DEB.as_bytes().to_vec()),
        ("bom.json", Format::CycloneDx, BOM.as_bytes().to_vec()),
        ("spdx.json", Format::Spdx, SPDX.as_bytes().to_vec()),
        ("requirements.txt", Format::Requirements, b"a==1.0 \\\n --hash=x\nb[c]===2.0 ; x\n".to_vec()),
        ("poetry.lock", Format::PoetryLock, b"[[package]]\nname = \"a\"\nversion = \"1.0\"\n[package.dependencies]\nb = \"^1.2\"\n[[package]]\nname = \"b\"\nversion = \"1.3\"\n".to_vec()),
        ("uv.lock", Format::UvLock, b"version = 1\n[[package]]\nname = \"a\"\nversion = \"1.0\"\ndependencies = [{ name = \"b\" }]\n[[package]]\nname = \"b\"\nversion = \"2\"\n".to_vec()),
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let damage = b"\0\n :,|()<>=~^*\"{}[]\\\xff";
    for (name, format, bytes) in inputs {
        assert!(ingest::parse(format, name, &bytes).is_ok(), "{name} as given");
        let step = (bytes.len() / 200).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            let _ = ingest::parse(format, name, &bytes[..cut]);
        }
        for _ in 0..300 {
            let mut b = bytes.clone();
            for _ in 0..3 {
                let at = (rng.next() as usize) % b.len();
                b[at] = damage[(rng.next() as usize) % damage.len()];
            }
            if let Ok(input) = ingest::parse(format, name, &b) {
                let g = ingest::build(vec![input]);
                for n in g.nodes() {
                    let _ = g.purl(n);
                }
            }
        }
    }
}

#[test]
fn damaged_real_advisories_are_read_or_rejected() {
    use lockstep_graph::advisory;
    use std::path::Path;
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/");
    let files = [
        "rustsec-advisory-db/crates/smallvec/RUSTSEC-2021-0003.md",
        "rustsec-osv/crates/RUSTSEC-2021-0003.json",
        "pypa-advisory-db/vulns/jinja2/PYSEC-2019-217.yaml",
    ];
    let mut rng = Rng(42);
    for f in files {
        let path = format!("{data}{f}");
        let text = std::fs::read_to_string(&path).unwrap();
        let p = Path::new(&path);
        let parse = |t: &str| match p.extension().and_then(|e| e.to_str()) {
            Some("md") => advisory::parse_rustsec_md(p, t).map(|_| ()),
            Some("json") => advisory::parse_osv_json(p, t).map(|_| ()),
            _ => advisory::parse_osv_yaml(p, t).map(|_| ()),
        };
        assert!(parse(&text).is_ok(), "{f}");
        let chars: Vec<char> = text.chars().collect();
        for _ in 0..200 {
            let mut c = chars.clone();
            for _ in 0..3 {
                let at = (rng.next() as usize) % c.len();
                c[at] = ['`', '"', '\n', '[', '{', ':', '0', ' '][(rng.next() as usize) % 8];
            }
            let damaged: String = c.into_iter().collect();
            let _ = parse(&damaged);
            let cut: String = damaged.chars().take((rng.next() as usize) % damaged.len()).collect();
            let _ = parse(&cut);
        }
    }
}
