//! Real data: every RustSec advisory in `../shared/data/rustsec-advisory-db`, converted
//! to OSV, agrees with the OSV file RustSec published for it in `rustsec-osv` on id,
//! aliases, related ids, affected package and ranges; and every published OSV file
//! imports.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;

use lockstep_advisory::{osv, rustsec};
use serde_json::Value;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

fn files(dir: &Path, ext: &str, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

fn compared(doc: &Value) -> Value {
    let pick = |v: &Value, keys: &[&str]| {
        let mut m = serde_json::Map::new();
        for k in keys {
            m.insert((*k).to_owned(), v.get(*k).cloned().unwrap_or(Value::Null));
        }
        Value::Object(m)
    };
    let affected: Vec<Value> = doc["affected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| serde_json::json!({ "package": a["package"], "ranges": a["ranges"] }))
        .collect();
    let mut out = pick(doc, &["id", "aliases", "related", "summary", "published", "withdrawn"]);
    out["affected"] = Value::from(affected);
    for key in ["aliases", "related"] {
        if out[key].is_null() {
            out[key] = Value::Array(Vec::new());
        }
    }
    out
}

#[test]
fn rustsec_to_osv_agrees_with_published_osv_real_data() {
    let mut published = BTreeMap::new();
    let mut osv_files = Vec::new();
    files(&Path::new(DATA).join("rustsec-osv/crates"), "json", &mut osv_files);
    for path in &osv_files {
        let text = std::fs::read_to_string(path).unwrap();
        osv::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let doc: Value = serde_json::from_str(&text).unwrap();
        published.insert(doc["id"].as_str().unwrap().to_owned(), doc);
    }
    assert_eq!(published.len(), 1206);

    let mut md_files = Vec::new();
    files(&Path::new(DATA).join("rustsec-advisory-db/crates"), "md", &mut md_files);
    let mut agree = 0;
    let mut differ = Vec::new();
    let mut unpublished = Vec::new();
    for path in &md_files {
        let text = std::fs::read_to_string(path).unwrap();
        let vulnerability = rustsec::from_markdown(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let ours = osv::to_json(&vulnerability);
        let Some(theirs) = published.get(&vulnerability.id) else {
            unpublished.push(vulnerability.id.clone());
            continue;
        };
        let (ours, theirs) = (compared(&ours), compared(theirs));
        if ours == theirs {
            agree += 1;
        } else {
            differ.push(format!("{}:\n  ours   {ours}\n  theirs {theirs}", vulnerability.id));
        }
    }
    eprintln!("{agree} of {} agree; not published: {unpublished:?}", md_files.len());
    assert!(differ.is_empty(), "{} differ:\n{}", differ.len(), differ.join("\n"));
    assert_eq!(agree, md_files.len() - unpublished.len());
    assert!(agree >= 1200, "{agree}");
}

#[test]
fn osv_round_trips_through_the_model_real_data() {
    // What the model holds comes back out as it went in, for every published RustSec
    // OSV record and every PyPA record.
    let keys = [
        "id",
        "aliases",
        "related",
        "summary",
        "details",
        "severity",
        "references",
        "credits",
        "published",
        "modified",
        "withdrawn",
    ];
    let mut files_seen = Vec::new();
    files(&Path::new(DATA).join("rustsec-osv/crates"), "json", &mut files_seen);
    files(&Path::new(DATA).join("pypa-advisory-db/vulns"), "yaml", &mut files_seen);
    assert!(files_seen.len() > 3800, "{}", files_seen.len());
    let mut differ = Vec::new();
    for path in &files_seen {
        let text = std::fs::read_to_string(path).unwrap();
        let (original, v): (Value, _) = if path.extension().is_some_and(|e| e == "yaml") {
            (serde_yaml::from_str(&text).unwrap(), osv::from_yaml(&text).unwrap())
        } else {
            (serde_json::from_str(&text).unwrap(), osv::from_json(&text).unwrap())
        };
        let exported = osv::to_json(&v);
        for key in keys {
            let empty = |x: &Value| x.is_null() || x.as_array().is_some_and(Vec::is_empty);
            let (a, b) = (&original[key], &exported[key]);
            let same = match (a.as_str(), b.as_str()) {
                // Timestamps compare as instants (`...:00Z` and `...:00.000Z` are one).
                (Some(x), Some(y)) if key == "published" || key == "modified" || key == "withdrawn" => {
                    x.parse::<jiff::Timestamp>().ok() == y.parse::<jiff::Timestamp>().ok()
                }
                _ => a == b || (empty(a) && empty(b)),
            };
            if !same {
                differ.push(format!("{} {key}: {a} != {b}", path.display()));
            }
        }
        for (i, affected) in original["affected"].as_array().unwrap().iter().enumerate() {
            for field in ["package", "ranges", "versions"] {
                let (a, b) = (&affected[field], &exported["affected"][i][field]);
                let empty = |x: &Value| x.is_null() || x.as_array().is_some_and(Vec::is_empty);
                if a != b && !(empty(a) && empty(b)) {
                    differ.push(format!("{} affected[{i}].{field}: {a} != {b}", path.display()));
                }
            }
        }
    }
    differ.truncate(20);
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
