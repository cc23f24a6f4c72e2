//! Debian `Packages` indexes: parsing, and resolving `Depends` / `Pre-Depends`
//! to package versions the way dpkg and dose3 read them.
//!
//! Each alternative of each dependency is an edge to every package version that
//! can satisfy it: a real package of that name whose version meets the
//! constraint, or a package that `Provides` the name (an unversioned `Provides`
//! never satisfies a versioned dependency; a versioned one does when its version
//! meets the constraint). `name:any` is satisfied only by packages marked
//! `Multi-Arch: allowed`. Several indexes (main, updates, security) resolve
//! together, so a package in main may depend on a version only security has.

use std::collections::HashMap;

use crate::graph::{GraphBuilder, NodeId};
use crate::ingest::{IngestError, Location};
use crate::version::{DebRelation, Ecosystem, Requirement};

/// A package's `Multi-Arch` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MultiArch {
    /// No field, or `no`.
    No,
    /// `same`.
    Same,
    /// `foreign`.
    Foreign,
    /// `allowed`: may satisfy `name:any`.
    Allowed,
}

/// One alternative of a dependency: `name[:arch] [(op version)]`.
#[derive(Debug, Clone)]
pub struct DebAtom {
    /// Package (or virtual package) name.
    pub name: String,
    /// Architecture qualifier (`any`, `native`, `amd64`).
    pub arch: Option<String>,
    /// Version constraint.
    pub constraint: Option<(DebRelation, String)>,
    /// The atom as written.
    pub text: String,
}

/// A `Provides` entry, optionally versioned.
#[derive(Debug, Clone)]
pub struct DebProvide {
    /// The provided name.
    pub name: String,
    /// `Some` for `name (= version)`.
    pub version: Option<String>,
}

/// One stanza of a `Packages` index.
#[derive(Debug, Clone)]
pub struct DebPackage {
    /// `Package`.
    pub name: String,
    /// `Version`.
    pub version: String,
    /// `Architecture`.
    pub arch: String,
    /// `Multi-Arch`.
    pub multi_arch: MultiArch,
    /// `Provides`.
    pub provides: Vec<DebProvide>,
    /// `Pre-Depends` then `Depends`: each clause is a list of alternatives.
    pub depends: Vec<Vec<DebAtom>>,
    /// Line of the stanza's first field.
    pub line: usize,
}

/// A parsed `Packages` index.
#[derive(Debug, Clone)]
pub struct DebIndex {
    /// The input's name (file path or upload name).
    pub source: String,
    /// Its packages.
    pub packages: Vec<DebPackage>,
}

fn err(file: &str, line: usize, message: impl Into<String>) -> IngestError {
    IngestError {
        file: file.to_string(),
        location: Location::Line(line),
        message: message.into(),
    }
}

/// Parses a `Packages` index. Only the fields the graph needs are read; any
/// malformed stanza or relation fails the whole index.
pub fn parse_packages(source: &str, bytes: &[u8]) -> Result<DebIndex, IngestError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
        err(source, line, "not UTF-8")
    })?;
    let mut packages = Vec::with_capacity(text.len() / 900);
    let mut cur = Stanza::default();
    let mut line_no = 0usize;
    let mut last_field: Option<Field> = None;
    for line in text.split('\n') {
        line_no += 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            if cur.start != 0 {
                packages.push(cur.finish(source)?);
                cur = Stanza::default();
            }
            last_field = None;
            continue;
        }
        let first = line.as_bytes()[0];
        if first == b' ' || first == b'\t' {
            // Continuation of a folded field.
            if let Some(f) = last_field {
                if let Some(slot) = cur.slot(f) {
                    slot.0.push(' ');
                    slot.0.push_str(line.trim());
                }
            } else if cur.start == 0 {
                return Err(err(source, line_no, "continuation line outside a stanza"));
            }
            continue;
        }
        if first == b'#' && cur.start == 0 {
            continue;
        }
        let Some(colon) = memchr::memchr(b':', line.as_bytes()) else {
            return Err(err(source, line_no, format!("expected `Field: value`, found {line:?}")));
        };
        if cur.start == 0 {
            cur.start = line_no;
        }
        let key = &line[..colon];
        let value = line[colon + 1..].trim();
        last_field = Field::of(key);
        if let Some(f) = last_field {
            if let Some(slot) = cur.slot(f) {
                *slot = (value.to_string(), line_no);
            }
        }
    }
    if cur.start != 0 {
        packages.push(cur.finish(source)?);
    }
    Ok(DebIndex {
        source: source.to_string(),
        packages,
    })
}

#[derive(Clone, Copy)]
enum Field {
    Package,
    Version,
    Architecture,
    MultiArch,
    Provides,
    Depends,
    PreDepends,
}

impl Field {
    fn of(key: &str) -> Option<Field> {
        Some(match key {
            "Package" => Field::Package,
            "Version" => Field::Version,
            "Architecture" => Field::Architecture,
            "Multi-Arch" => Field::MultiArch,
            "Provides" => Field::Provides,
            "Depends" => Field::Depends,
            "Pre-Depends" => Field::PreDepends,
            _ => return None,
        })
    }
}

#[derive(Default)]
struct Stanza {
    start: usize,
    package: (String, usize),
    version: (String, usize),
    arch: (String, usize),
    multi_arch: (String, usize),
    provides: (String, usize),
    depends: (String, usize),
    pre_depends: (String, usize),
}

impl Stanza {
    fn slot(&mut self, f: Field) -> Option<&mut (String, usize)> {
        Some(match f {
            Field::Package => &mut self.package,
            Field::Version => &mut self.version,
            Field::Architecture => &mut self.arch,
            Field::MultiArch => &mut self.multi_arch,
            Field::Provides => &mut self.provides,
            Field::Depends => &mut self.depends,
            Field::PreDepends => &mut self.pre_depends,
        })
    }

    fn finish(self, source: &str) -> Result<DebPackage, IngestError> {
        if self.package.0.is_empty() {
            return Err(err(source, self.start, "stanza without a Package field"));
        }
        if self.version.0.is_empty() {
            return Err(err(
                source,
                self.start,
                format!("package {} has no Version", self.package.0),
            ));
        }
        if !valid_version(&self.version.0) {
            return Err(err(
                source,
                self.version.1,
                format!("invalid version {:?}", self.version.0),
            ));
        }
        let multi_arch = match self.multi_arch.0.as_str() {
            "" | "no" => MultiArch::No,
            "same" => MultiArch::Same,
            "foreign" => MultiArch::Foreign,
            "allowed" => MultiArch::Allowed,
            other => {
                return Err(err(
                    source,
                    self.multi_arch.1,
                    format!("unknown Multi-Arch value {other:?}"),
                ))
            }
        };
        let mut depends = Vec::new();
        for (field, line) in [&self.pre_depends, &self.depends] {
            if field.is_empty() {
                continue;
            }
            for clause in field.split(',') {
                let clause = clause.trim();
                if clause.is_empty() {
                    continue;
                }
                let mut alts = Vec::with_capacity(1);
                for atom in clause.split('|') {
                    alts.push(parse_atom(atom.trim()).map_err(|m| err(source, *line, m))?);
                }
                depends.push(alts);
            }
        }
        let mut provides = Vec::new();
        if !self.provides.0.is_empty() {
            for p in self.provides.0.split(',') {
                let p = p.trim();
                if p.is_empty() {
                    continue;
                }
                let atom = parse_atom(p).map_err(|m| err(source, self.provides.1, m))?;
                let version = match atom.constraint {
                    None => None,
                    Some((DebRelation::Eq, v)) => Some(v),
                    Some(_) => return Err(err(source, self.provides.1, format!("Provides {p:?} must use `=`"))),
                };
                provides.push(DebProvide {
                    name: atom.name,
                    version,
                });
            }
        }
        Ok(DebPackage {
            name: self.package.0,
            version: self.version.0,
            arch: self.arch.0,
            multi_arch,
            provides,
            depends,
            line: self.start,
        })
    }
}

fn valid_version(v: &str) -> bool {
    !v.is_empty()
        && v.as_bytes()[0].is_ascii_alphanumeric()
        && v.bytes().all(|b| b.is_ascii_alphanumeric() || b".+-~:".contains(&b))
}

/// Parses one relation atom: `name[:arch] [(op version)] [[archs]] [<profiles>]`.
fn parse_atom(text: &str) -> Result<DebAtom, String> {
    let bytes = text.as_bytes();
    let name_end = bytes
        .iter()
        .position(|&b| b == b' ' || b == b'(' || b == b'[' || b == b'<')
        .unwrap_or(bytes.len());
    let full = &text[..name_end];
    let (name, arch) = match full.split_once(':') {
        Some((n, a)) => (n, Some(a.to_string())),
        None => (full, None),
    };
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) {
        return Err(format!("invalid package name in {text:?}"));
    }
    let rest = text[name_end..].trim_start();
    let constraint = if let Some(r) = rest.strip_prefix('(') {
        let close = r.find(')').ok_or_else(|| format!("unclosed `(` in {text:?}"))?;
        let inner = r[..close].trim();
        let op_end = inner.find(|c: char| !"<>=".contains(c)).unwrap_or(inner.len());
        let rel = DebRelation::parse(&inner[..op_end]).ok_or_else(|| format!("unknown relation in {text:?}"))?;
        let v = inner[op_end..].trim();
        if !valid_version(v) {
            return Err(format!("invalid version in {text:?}"));
        }
        Some((rel, v.to_string()))
    } else {
        None
    };
    Ok(DebAtom {
        name: name.to_string(),
        arch,
        constraint,
        text: text.to_string(),
    })
}

/// A package version that provides a name: (node, provided version, its Multi-Arch).
type Provider<'a> = (u32, Option<&'a str>, MultiArch);

struct Real {
    node: u32,
    pkg: (u32, u32),
}

/// Adds every package of `indexes` to `builder` and an edge for every
/// alternative that a package version satisfies.
pub(crate) fn resolve(builder: &mut GraphBuilder, indexes: Vec<DebIndex>) {
    let eco = Ecosystem::Debian;
    let mut real: HashMap<&str, Vec<Real>> = HashMap::new();
    let mut provided: HashMap<&str, Vec<Provider>> = HashMap::new();
    let mut first_seen: Vec<(u32, (u32, u32))> = Vec::new();
    let mut seen_nodes = std::collections::HashSet::new();
    for (i, index) in indexes.iter().enumerate() {
        let src = builder.source(&index.source);
        for (j, p) in index.packages.iter().enumerate() {
            let node = builder.node(&eco, &p.name, &p.version, &p.arch, src);
            if !seen_nodes.insert(node.0) {
                continue; // the same package version in two indexes
            }
            let at = (i as u32, j as u32);
            first_seen.push((node.0, at));
            real.entry(p.name.as_str())
                .or_default()
                .push(Real { node: node.0, pkg: at });
            for pr in &p.provides {
                provided
                    .entry(pr.name.as_str())
                    .or_default()
                    .push((node.0, pr.version.as_deref(), p.multi_arch));
            }
        }
    }
    let pkg = |at: (u32, u32)| &indexes[at.0 as usize].packages[at.1 as usize];
    let mut targets: Vec<u32> = Vec::new();
    for &(node, at) in &first_seen {
        let p = pkg(at);
        targets.clear();
        for clause in &p.depends {
            for atom in clause {
                let any = atom.arch.as_deref() == Some("any");
                let mut hits: Vec<u32> = Vec::new();
                if let Some(cands) = real.get(atom.name.as_str()) {
                    for c in cands {
                        let cp = pkg(c.pkg);
                        if any && cp.multi_arch != MultiArch::Allowed {
                            continue;
                        }
                        if let Some((rel, v)) = &atom.constraint {
                            if !rel.holds(&cp.version, v) {
                                continue;
                            }
                        }
                        hits.push(c.node);
                    }
                }
                if let Some(provs) = provided.get(atom.name.as_str()) {
                    for &(pnode, pver, ma) in provs {
                        if any && ma != MultiArch::Allowed {
                            continue;
                        }
                        if let Some((rel, v)) = &atom.constraint {
                            match pver {
                                Some(pv) if rel.holds(pv, v) => {}
                                _ => continue,
                            }
                        }
                        hits.push(pnode);
                    }
                }
                if hits.is_empty() {
                    continue;
                }
                let req = atom
                    .constraint
                    .as_ref()
                    .map(|(rel, v)| Requirement::Deb(*rel, v.clone()));
                let label = builder.label(&atom.text, req);
                for h in hits {
                    if h != node {
                        builder.edge(NodeId(node), NodeId(h), label);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoms_parse_with_arch_and_constraint() {
        let a = parse_atom("python3:any (>= 3.11~)").unwrap();
        assert_eq!(a.name, "python3");
        assert_eq!(a.arch.as_deref(), Some("any"));
        assert_eq!(a.constraint, Some((DebRelation::GreaterEq, "3.11~".to_string())));
        assert!(parse_atom("foo (>= )").is_err());
        assert!(parse_atom("foo (~~ 1)").is_err());
        assert!(parse_atom("foo (>= 1").is_err());
    }

    #[test]
    fn malformed_stanza_names_file_and_line() {
        let text = "Package: a\nVersion: 1\n\nPackage: b\nVersion: 1\nDepends: c (>> )\n";
        let e = parse_packages("Packages", text.as_bytes()).unwrap_err();
        assert_eq!((e.file.as_str(), &e.location), ("Packages", &Location::Line(6)));
        let e = parse_packages("P", b"Package: a\nno colon here\n").unwrap_err();
        assert_eq!(e.location, Location::Line(2));
        let e = parse_packages("P", b"Version: 1\n").unwrap_err();
        assert_eq!(e.location, Location::Line(1));
    }
}
