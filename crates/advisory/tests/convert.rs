//! The offline converter (`lockstep advisory convert`) on small inline fixtures and on
//! a directory of real RustSec advisories: bad input names the file and what is wrong.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use lockstep_advisory::convert::{convert, ConvertOptions};
use lockstep_advisory::export::Format;
use lockstep_advisory::import::SourceFormat;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lockstep-advisory-convert-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn bad_files_are_all_named_with_what_is_wrong() {
    let dir = scratch("bad");
    std::fs::write(
        dir.join("GOOD-1.json"),
        r#"{"id": "OSV-2024-1", "modified": "2024-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("BAD-1.json"),
        r#"{"id": "OSV-2024-2", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "npm", "name": "x"}, "ranges": [{"type": "SEMVER", "events": [{"fixed": 1.5}]}]}]}"#,
    )
    .unwrap();
    std::fs::write(dir.join("BAD-2.yaml"), "id: OSV-2024-3\n").unwrap();
    std::fs::write(dir.join("notes.txt"), "not an advisory").unwrap();
    let errors = convert(
        std::slice::from_ref(&dir),
        SourceFormat::Osv,
        Format::Osv,
        &ConvertOptions::default(),
    )
    .unwrap_err();
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].contains("BAD-1.json: affected[0].ranges[0].events[0]"),
        "{}",
        messages[0]
    );
    assert!(
        messages[1].contains("BAD-2.yaml") && messages[1].contains("modified"),
        "{}",
        messages[1]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_directory_converts_one_document_per_advisory_real_data() {
    let dir = PathBuf::from(format!("{DATA}/rustsec-advisory-db/crates/openssl"));
    let count = std::fs::read_dir(&dir).unwrap().count();
    let out = convert(
        std::slice::from_ref(&dir),
        SourceFormat::Rustsec,
        Format::OpenVex,
        &ConvertOptions::default(),
    )
    .unwrap();
    assert_eq!(out.documents.len(), count);
    assert!(out
        .documents
        .iter()
        .all(|(name, doc)| doc["@id"].as_str().unwrap().ends_with(name.as_str())));

    // CVE 5 only for those with a CVE id; the others are reported, not errors.
    let out = convert(&[dir], SourceFormat::Rustsec, Format::Cve5, &ConvertOptions::default()).unwrap();
    assert_eq!(out.documents.len() + out.skipped.len(), count);
    assert!(out.documents.iter().all(|(name, _)| name.starts_with("CVE-")));
}

#[test]
fn merging_aliases_makes_one_document_per_flaw_real_data() {
    // The same advisory as RustSec Markdown and as published OSV, merged: one record.
    let md = PathBuf::from(format!(
        "{DATA}/rustsec-advisory-db/crates/openssl/RUSTSEC-2016-0001.md"
    ));
    let json = PathBuf::from(format!("{DATA}/rustsec-osv/crates/RUSTSEC-2016-0001.json"));
    let options = ConvertOptions {
        merge_aliases: true,
        ..ConvertOptions::default()
    };
    let from_md = convert(std::slice::from_ref(&md), SourceFormat::Rustsec, Format::Osv, &options).unwrap();
    let from_json = convert(&[json.clone(), json], SourceFormat::Osv, Format::Osv, &options).unwrap();
    assert_eq!(from_json.documents.len(), 1);
    let (a, b) = (&from_md.documents[0].1, &from_json.documents[0].1);
    assert_eq!(a["aliases"], b["aliases"]);
    assert_eq!(a["affected"][0]["ranges"], b["affected"][0]["ranges"]);
}
