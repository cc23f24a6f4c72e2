//! Importing advisory files (OSV JSON/YAML, RustSec Markdown) and merging the records
//! of one flaw: a CVE, its GHSA, its RUSTSEC or PYSEC advisory and any OSV record that
//! names one another as aliases become one [`Vulnerability`], not four.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::model::Vulnerability;
use crate::{osv, rustsec, ImportError};

/// The input formats of `lockstep advisory convert --from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceFormat {
    /// RustSec advisory files (`*.md`, TOML front matter + Markdown).
    Rustsec,
    /// OSV records, `*.json`, `*.yaml` or `*.yml`.
    Osv,
}

impl SourceFormat {
    fn takes(self, path: &Path) -> bool {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        match self {
            Self::Rustsec => {
                ext == "md"
                    && path
                        .file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.contains('-'))
            }
            Self::Osv => matches!(ext, "json" | "yaml" | "yml"),
        }
    }
}

/// A file that could not be read or imported, with what is wrong in it.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: {source}", path.display())]
    Import { path: PathBuf, source: ImportError },
}

/// Parses one document; `name` decides between OSV JSON and YAML by its extension.
pub fn parse(name: &Path, text: &str, format: SourceFormat) -> Result<Vulnerability, ImportError> {
    match format {
        SourceFormat::Rustsec => rustsec::from_markdown(text),
        SourceFormat::Osv => match name.extension().and_then(|e| e.to_str()) {
            Some("yaml" | "yml") => osv::from_yaml(text),
            _ => osv::from_json(text),
        },
    }
}

/// The files a list of paths names: files as given, directories walked recursively
/// for the format's files, each directory's files in name order.
pub fn files(paths: &[PathBuf], format: SourceFormat) -> Result<Vec<PathBuf>, FileError> {
    fn walk(dir: &Path, format: SourceFormat, out: &mut Vec<PathBuf>) -> Result<(), FileError> {
        let io = |source| FileError::Io {
            path: dir.to_owned(),
            source,
        };
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(io)?;
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, format, out)?;
            } else if format.takes(&path) {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, format, &mut out)?;
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

/// Reads and parses one file.
pub fn read(path: &Path, format: SourceFormat) -> Result<Vulnerability, FileError> {
    let text = std::fs::read_to_string(path).map_err(|source| FileError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse(path, &text, format).map_err(|source| FileError::Import {
        path: path.to_owned(),
        source,
    })
}

/// Merges records that share an id (primary or alias), transitively. The merged record
/// keeps the id of the first record of its group (in input order) and every other id
/// as an alias; lists are united without duplicates; `published` is the earliest,
/// `modified` the latest. Groups keep the order of their first record.
pub fn merge_aliases(records: Vec<Vulnerability>) -> Vec<Vulnerability> {
    // Union-find over record indexes, joined through the ids they name.
    let mut parent: Vec<usize> = (0..records.len()).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut owner: HashMap<&str, usize> = HashMap::new();
    for (i, record) in records.iter().enumerate() {
        for id in record.ids() {
            match owner.get(id) {
                Some(&j) => {
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    if a != b {
                        // The earlier record stays the root, so its id stays primary.
                        let (root, child) = if a < b { (a, b) } else { (b, a) };
                        parent[child] = root;
                    }
                }
                None => {
                    owner.insert(id, i);
                }
            }
        }
    }
    let roots: Vec<usize> = (0..records.len()).map(|i| find(&mut parent, i)).collect();
    let mut merged: Vec<Option<Vulnerability>> = Vec::with_capacity(records.len());
    let mut slot: HashMap<usize, usize> = HashMap::new();
    for (i, record) in records.into_iter().enumerate() {
        let root = roots[i];
        match slot.get(&root) {
            Some(&s) => {
                if let Some(target) = merged[s].as_mut() {
                    absorb(target, record);
                }
            }
            None => {
                slot.insert(root, merged.len());
                merged.push(Some(record));
            }
        }
    }
    merged.into_iter().flatten().collect()
}

fn push_unique<T: PartialEq>(into: &mut Vec<T>, items: impl IntoIterator<Item = T>) {
    for item in items {
        if !into.contains(&item) {
            into.push(item);
        }
    }
}

fn absorb(target: &mut Vulnerability, other: Vulnerability) {
    let other_ids: Vec<String> = other.ids().map(str::to_owned).collect();
    push_unique(&mut target.aliases, other_ids.into_iter().filter(|id| *id != target.id));
    push_unique(&mut target.related, other.related);
    target
        .related
        .retain(|r| *r != target.id && !target.aliases.contains(r));
    if target.summary.as_deref().is_none_or(|s| s.trim().is_empty()) {
        target.summary = other.summary;
    }
    if target.details.as_deref().is_none_or(|s| s.trim().is_empty()) {
        target.details = other.details;
    }
    push_unique(&mut target.severity, other.severity);
    push_unique(&mut target.cwes, other.cwes);
    push_unique(&mut target.affected, other.affected);
    for reference in other.references {
        if !target.references.iter().any(|r| r.url == reference.url) {
            target.references.push(reference);
        }
    }
    push_unique(&mut target.credits, other.credits);
    push_unique(&mut target.statements, other.statements);
    target.published = match (target.published, other.published) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    target.modified = target.modified.max(other.modified);
    target.withdrawn = target.withdrawn.or(other.withdrawn);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, aliases: &[&str]) -> Vulnerability {
        let mut v = Vulnerability::new(id, "2024-01-01T00:00:00Z".parse().unwrap_or_default());
        v.aliases = aliases.iter().map(|a| (*a).to_owned()).collect();
        v
    }

    #[test]
    fn one_flaw_under_four_ids_becomes_one_record() {
        let merged = merge_aliases(vec![
            record("RUSTSEC-2024-0001", &["CVE-2024-1"]),
            record("GHSA-aaaa-bbbb-cccc", &["CVE-2024-1"]),
            record("PYSEC-2024-9", &[]),
            record("CVE-2024-1", &["OSV-2024-5"]),
            record("OSV-2024-5", &["GHSA-aaaa-bbbb-cccc"]),
        ]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].id, "RUSTSEC-2024-0001");
        assert_eq!(merged[0].aliases, ["CVE-2024-1", "GHSA-aaaa-bbbb-cccc", "OSV-2024-5"]);
        assert_eq!(merged[1].id, "PYSEC-2024-9");
    }

    #[test]
    fn parse_errors_name_the_field() {
        let err = parse(
            Path::new("x.json"),
            r#"{"id": "OSV-1", "modified": "yesterday"}"#,
            SourceFormat::Osv,
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("modified:"), "{err}");
        let err = parse(
            Path::new("x.yaml"),
            "id: OSV-1\nmodified: 2024-01-01T00:00:00Z\naffected:\n- package: {ecosystem: PyPI, name: a}\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: '0'\n      fixed: '1'\n",
            SourceFormat::Osv,
        )
        .unwrap_err();
        assert!(err.to_string().contains("affected[0].ranges[0].events[0]"), "{err}");
    }
}
