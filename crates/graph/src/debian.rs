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

/// A byte range of an index's text. The parser copies nothing: a `Packages`
/// file holds about 400,000 relation atoms, and one allocation each would cost
/// more than the whole query.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    fn is_empty(self) -> bool {
        self.start == self.end
    }
}

#[derive(Debug, Clone, Copy)]
struct Atom {
    name: Span,
    arch: Span,
    rel: Option<DebRelation>,
    version: Span,
    text: Span,
}

#[derive(Debug, Clone, Copy)]
struct Provide {
    name: Span,
    version: Span,
}

#[derive(Debug, Clone, Copy)]
struct Pkg {
    name: Span,
    version: Span,
    arch: Span,
    multi_arch: MultiArch,
    atoms: (u32, u32),
    clauses: (u32, u32),
    provides: (u32, u32),
    line: u32,
}

/// A parsed `Packages` index: the text and, over it, every stanza's fields.
#[derive(Debug, Clone)]
pub struct DebIndex {
    source: String,
    text: String,
    packages: Vec<Pkg>,
    atoms: Vec<Atom>,
    /// Clause boundaries: `clause_ends[k]` is one past the last atom of clause `k`.
    clause_ends: Vec<u32>,
    provides: Vec<Provide>,
}

/// One stanza of a [`DebIndex`].
#[derive(Debug, Clone, Copy)]
pub struct DebPackage<'a> {
    index: &'a DebIndex,
    pkg: Pkg,
}

impl DebIndex {
    /// The input's name.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Number of stanzas.
    pub fn len(&self) -> usize {
        self.packages.len()
    }

    /// Whether the index has no stanza.
    pub fn is_empty(&self) -> bool {
        self.packages.is_empty()
    }

    /// The stanzas.
    pub fn packages(&self) -> impl Iterator<Item = DebPackage<'_>> + '_ {
        self.packages.iter().map(move |&pkg| DebPackage { index: self, pkg })
    }

    fn s(&self, span: Span) -> &str {
        &self.text[span.start as usize..span.end as usize]
    }

    /// Number of relation atoms (alternatives) across all stanzas.
    pub(crate) fn atom_count(&self) -> usize {
        self.atoms.len()
    }

    /// The graph label of atom `i`: as written, with its version requirement.
    pub(crate) fn label(&self, i: usize) -> crate::graph::Label {
        let a = self.atoms[i];
        crate::graph::Label {
            text: self.s(a.text).to_string(),
            requirement: a.rel.map(|r| Requirement::Deb(r, self.s(a.version).to_string())),
        }
    }
}

impl<'a> DebPackage<'a> {
    /// `Package`.
    pub fn name(&self) -> &'a str {
        self.index.s(self.pkg.name)
    }

    /// `Version`.
    pub fn version(&self) -> &'a str {
        self.index.s(self.pkg.version)
    }

    /// `Architecture`.
    pub fn arch(&self) -> &'a str {
        self.index.s(self.pkg.arch)
    }

    /// `Multi-Arch`.
    pub fn multi_arch(&self) -> MultiArch {
        self.pkg.multi_arch
    }

    /// Line of the stanza's first field.
    pub fn line(&self) -> usize {
        self.pkg.line as usize
    }

    /// `Provides`: each name with its version for a versioned `Provides`.
    pub fn provides(&self) -> Vec<(&'a str, Option<&'a str>)> {
        let (a, b) = self.pkg.provides;
        self.index.provides[a as usize..b as usize]
            .iter()
            .map(|p| {
                (
                    self.index.s(p.name),
                    (!p.version.is_empty()).then(|| self.index.s(p.version)),
                )
            })
            .collect()
    }

    /// `Pre-Depends` then `Depends`: each clause as its alternatives, written.
    pub fn depends(&self) -> Vec<Vec<&'a str>> {
        let (ca, cb) = self.pkg.clauses;
        let mut start = self.pkg.atoms.0;
        let mut out = Vec::new();
        for &end in &self.index.clause_ends[ca as usize..cb as usize] {
            out.push(
                self.index.atoms[start as usize..end as usize]
                    .iter()
                    .map(|a| self.index.s(a.text))
                    .collect(),
            );
            start = end;
        }
        out
    }
}

fn err(file: &str, line: usize, message: impl Into<String>) -> IngestError {
    IngestError {
        file: file.to_string(),
        location: Location::Line(line),
        message: message.into(),
    }
}

/// What one chunk of an index parses to.
#[derive(Default)]
struct Chunk {
    packages: Vec<Pkg>,
    atoms: Vec<Atom>,
    clause_ends: Vec<u32>,
    provides: Vec<Provide>,
    lines: usize,
}

/// Parses a `Packages` index. Only the fields the graph needs are read; any
/// malformed stanza or relation fails the whole index. A large index is split
/// at stanza boundaries and parsed on all cores.
pub fn parse_packages(source: &str, bytes: &[u8]) -> Result<DebIndex, IngestError> {
    parse_packages_owned(source, bytes.to_vec())
}

/// [`parse_packages`] on bytes the index may keep (no copy of a 50 MB file).
pub fn parse_packages_owned(source: &str, bytes: Vec<u8>) -> Result<DebIndex, IngestError> {
    let owned = String::from_utf8(bytes).map_err(|e| {
        let b = e.as_bytes();
        let valid = e.utf8_error().valid_up_to();
        let line = b[..valid].iter().filter(|&&c| c == b'\n').count() + 1;
        err(source, line, "not UTF-8")
    })?;
    let text = owned.as_str();
    let bytes = text.as_bytes();
    if text.len() >= u32::MAX as usize {
        return Err(err(source, 1, "index larger than 4 GiB"));
    }
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let parts = if text.len() < (1 << 20) { 1 } else { threads.clamp(1, 8) };
    let mut bounds = Vec::with_capacity(parts);
    let mut start = 0;
    for k in 1..parts {
        let target = (text.len() * k / parts).max(start);
        // Cut after the first newline of a blank line, so each chunk starts a stanza.
        match memchr::memmem::find(&bytes[target..], b"\n\n") {
            Some(i) => {
                let cut = target + i + 1;
                bounds.push((start, cut));
                start = cut;
            }
            None => break,
        }
    }
    bounds.push((start, text.len()));
    let results: Vec<Result<Chunk, IngestError>> = if bounds.len() == 1 {
        vec![parse_chunk(source, text, bounds[0])]
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = bounds
                .iter()
                .map(|&b| s.spawn(move || parse_chunk(source, text, b)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(err(source, 0, "parser thread panicked")))
                })
                .collect()
        })
    };
    let mut chunks = Vec::with_capacity(results.len());
    let mut line_offset = 0;
    for r in results {
        match r {
            Ok(c) => {
                let lines = c.lines;
                chunks.push((c, line_offset));
                line_offset += lines;
            }
            Err(mut e) => {
                // Lines are relative to the failing chunk.
                if let Location::Line(l) = &mut e.location {
                    *l += line_offset;
                }
                return Err(e);
            }
        }
    }
    let mut index = DebIndex {
        source: source.to_string(),
        text: String::new(),
        packages: Vec::with_capacity(chunks.iter().map(|c| c.0.packages.len()).sum()),
        atoms: Vec::with_capacity(chunks.iter().map(|c| c.0.atoms.len()).sum()),
        clause_ends: Vec::with_capacity(chunks.iter().map(|c| c.0.clause_ends.len()).sum()),
        provides: Vec::with_capacity(chunks.iter().map(|c| c.0.provides.len()).sum()),
    };
    for (mut c, line_offset) in chunks {
        let (a, k, p) = (
            index.atoms.len() as u32,
            index.clause_ends.len() as u32,
            index.provides.len() as u32,
        );
        for pkg in &mut c.packages {
            pkg.atoms = (pkg.atoms.0 + a, pkg.atoms.1 + a);
            pkg.clauses = (pkg.clauses.0 + k, pkg.clauses.1 + k);
            pkg.provides = (pkg.provides.0 + p, pkg.provides.1 + p);
            pkg.line += line_offset as u32;
        }
        index.clause_ends.extend(c.clause_ends.iter().map(|e| e + a));
        index.packages.append(&mut c.packages);
        index.atoms.append(&mut c.atoms);
        index.provides.append(&mut c.provides);
    }
    index.text = owned;
    Ok(index)
}

#[derive(Default)]
struct Stanza {
    start: usize,
    package: (Span, usize),
    version: (Span, usize),
    arch: (Span, usize),
    multi_arch: (Span, usize),
    provides: (Span, usize),
    depends: (Span, usize),
    pre_depends: (Span, usize),
}

fn span_of(text: &str, value: &str) -> Span {
    let start = value.as_ptr() as usize - text.as_ptr() as usize;
    Span {
        start: start as u32,
        end: (start + value.len()) as u32,
    }
}

/// Selects the slot of one of the fields we read.
type FieldSlot = fn(&mut Stanza) -> &mut (Span, usize);

/// Parses the stanzas of `text[bounds]`; line numbers are relative to the chunk.
fn parse_chunk(source: &str, text: &str, bounds: (usize, usize)) -> Result<Chunk, IngestError> {
    let body = &text[bounds.0..bounds.1];
    let mut chunk = Chunk {
        packages: Vec::with_capacity(body.len() / 900),
        atoms: Vec::with_capacity(body.len() / 120),
        ..Default::default()
    };
    let mut cur = Stanza::default();
    let mut line_no = 0usize;
    // The field a continuation line extends: only ours, whose span grows.
    let mut folding: Option<FieldSlot> = None;
    let mut pos = 0usize;
    let bytes = body.as_bytes();
    while pos <= bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[pos..])
            .map(|i| pos + i)
            .unwrap_or(bytes.len());
        line_no += 1;
        let mut line = &body[pos..end];
        let line_end_abs = bounds.0 + end;
        pos = end + 1;
        if let Some(l) = line.strip_suffix('\r') {
            line = l;
        }
        if line.is_empty() {
            if cur.start != 0 {
                finish(source, text, std::mem::take(&mut cur), &mut chunk)?;
            }
            folding = None;
            if end == bytes.len() {
                break;
            }
            continue;
        }
        let first = line.as_bytes()[0];
        if first == b' ' || first == b'\t' {
            if let Some(f) = folding {
                f(&mut cur).0.end = line_end_abs as u32 - u32::from(body[..end].ends_with('\r'));
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
        folding = match &line[..colon] {
            "Package" => Some(|s| &mut s.package),
            "Version" => Some(|s| &mut s.version),
            "Architecture" => Some(|s| &mut s.arch),
            "Multi-Arch" => Some(|s| &mut s.multi_arch),
            "Provides" => Some(|s| &mut s.provides),
            "Depends" => Some(|s| &mut s.depends),
            "Pre-Depends" => Some(|s| &mut s.pre_depends),
            _ => None,
        };
        if let Some(f) = folding {
            *f(&mut cur) = (span_of(text, line[colon + 1..].trim()), line_no);
        }
    }
    if cur.start != 0 {
        finish(source, text, cur, &mut chunk)?;
    }
    chunk.lines = bytes.iter().filter(|&&b| b == b'\n').count();
    Ok(chunk)
}

fn finish(source: &str, text: &str, st: Stanza, chunk: &mut Chunk) -> Result<(), IngestError> {
    let get = |s: Span| text[s.start as usize..s.end as usize].trim();
    let name = get(st.package.0);
    let version = get(st.version.0);
    if name.is_empty() {
        return Err(err(source, st.start, "stanza without a Package field"));
    }
    if version.is_empty() {
        return Err(err(source, st.start, format!("package {name} has no Version")));
    }
    if !valid_version(version) {
        return Err(err(source, st.version.1, format!("invalid version {version:?}")));
    }
    let multi_arch = match get(st.multi_arch.0) {
        "" | "no" => MultiArch::No,
        "same" => MultiArch::Same,
        "foreign" => MultiArch::Foreign,
        "allowed" => MultiArch::Allowed,
        other => {
            return Err(err(
                source,
                st.multi_arch.1,
                format!("unknown Multi-Arch value {other:?}"),
            ))
        }
    };
    let atoms_start = chunk.atoms.len() as u32;
    let clauses_start = chunk.clause_ends.len() as u32;
    for (field, line) in [st.pre_depends, st.depends] {
        let value = get(field);
        if value.is_empty() {
            continue;
        }
        for clause in value.split(',') {
            let clause = clause.trim();
            if clause.is_empty() {
                continue;
            }
            for alt in clause.split('|') {
                let atom = parse_atom(text, alt.trim()).map_err(|m| err(source, line, m))?;
                chunk.atoms.push(atom);
            }
            chunk.clause_ends.push(chunk.atoms.len() as u32);
        }
    }
    let provides_start = chunk.provides.len() as u32;
    let value = get(st.provides.0);
    if !value.is_empty() {
        for p in value.split(',') {
            let p = p.trim();
            if p.is_empty() {
                continue;
            }
            let atom = parse_atom(text, p).map_err(|m| err(source, st.provides.1, m))?;
            match atom.rel {
                None | Some(DebRelation::Eq) => chunk.provides.push(Provide {
                    name: atom.name,
                    version: atom.version,
                }),
                Some(_) => return Err(err(source, st.provides.1, format!("Provides {p:?} must use `=`"))),
            }
        }
    }
    chunk.packages.push(Pkg {
        name: span_of(text, name),
        version: span_of(text, version),
        arch: span_of(text, get(st.arch.0)),
        multi_arch,
        atoms: (atoms_start, chunk.atoms.len() as u32),
        clauses: (clauses_start, chunk.clause_ends.len() as u32),
        provides: (provides_start, chunk.provides.len() as u32),
        line: st.start as u32,
    });
    Ok(())
}

fn valid_version(v: &str) -> bool {
    !v.is_empty()
        && v.as_bytes()[0].is_ascii_alphanumeric()
        && v.bytes().all(|b| b.is_ascii_alphanumeric() || b".+-~:".contains(&b))
}

/// Parses one relation atom `name[:arch] [(op version)]` found in `text`.
fn parse_atom(text: &str, atom: &str) -> Result<Atom, String> {
    let bytes = atom.as_bytes();
    let name_end = bytes
        .iter()
        .position(|&b| b.is_ascii_whitespace() || b == b'(' || b == b'[' || b == b'<')
        .unwrap_or(bytes.len());
    let full = &atom[..name_end];
    let (name, arch) = match full.split_once(':') {
        Some((n, a)) => (n, a),
        None => (full, &full[full.len()..]),
    };
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) {
        return Err(format!("invalid package name in {atom:?}"));
    }
    let rest = atom[name_end..].trim_start();
    let (rel, version) = if let Some(r) = rest.strip_prefix('(') {
        let close = r.find(')').ok_or_else(|| format!("unclosed `(` in {atom:?}"))?;
        let inner = r[..close].trim();
        let op_end = inner.find(|c: char| !"<>=".contains(c)).unwrap_or(inner.len());
        let rel = DebRelation::parse(&inner[..op_end]).ok_or_else(|| format!("unknown relation in {atom:?}"))?;
        let v = inner[op_end..].trim();
        if !valid_version(v) {
            return Err(format!("invalid version in {atom:?}"));
        }
        (Some(rel), span_of(text, v))
    } else {
        (None, Span::default())
    };
    Ok(Atom {
        name: span_of(text, name),
        arch: span_of(text, arch),
        rel,
        version,
        text: span_of(text, atom),
    })
}

/// Compressed rows over interned name ids: the entries for name `n` are
/// `entries[offsets[n]..offsets[n + 1]]`.
struct ByName<T> {
    offsets: Vec<u32>,
    entries: Vec<T>,
}

impl<T: Copy + Default> ByName<T> {
    fn new(names: usize, items: &[(u32, T)]) -> ByName<T> {
        let mut offsets = vec![0u32; names + 1];
        for &(n, _) in items {
            offsets[n as usize + 1] += 1;
        }
        for i in 0..names {
            offsets[i + 1] += offsets[i];
        }
        let mut cursor = offsets.clone();
        let mut entries = vec![T::default(); items.len()];
        for &(n, t) in items {
            entries[cursor[n as usize] as usize] = t;
            cursor[n as usize] += 1;
        }
        ByName { offsets, entries }
    }

    fn get(&self, n: u32) -> &[T] {
        match (self.offsets.get(n as usize), self.offsets.get(n as usize + 1)) {
            (Some(&a), Some(&b)) => &self.entries[a as usize..b as usize],
            _ => &[],
        }
    }
}

/// A package version that can satisfy a name: its node, the version it
/// offers (its own, or a versioned `Provides`; `None` for an unversioned one)
/// and its `Multi-Arch`.
#[derive(Clone, Copy, Default)]
struct Candidate<'a> {
    node: u32,
    version: Option<&'a str>,
    allowed: bool,
}

/// Adds every package of `indexes` to `builder` and an edge for every
/// alternative that a package version satisfies. Edges are labelled with the
/// atom's position ([`crate::graph::DEB_LABEL`]), so nothing is allocated per
/// relation.
pub(crate) fn resolve(builder: &mut GraphBuilder, indexes: &[DebIndex]) {
    let eco = Ecosystem::Debian;
    let total: usize = indexes.iter().map(DebIndex::len).sum();
    let atoms: usize = indexes.iter().map(|i| i.atoms.len()).sum();
    builder.reserve(total, atoms);
    let mut first_seen: Vec<(u32, usize, usize)> = Vec::with_capacity(total);
    let mut real: Vec<(u32, Candidate)> = Vec::with_capacity(total);
    let mut provided: Vec<(u32, Candidate)> = Vec::with_capacity(total / 4);
    let mut bases = Vec::with_capacity(indexes.len());
    let mut atom_base = 0u32;
    for (k, index) in indexes.iter().enumerate() {
        bases.push(atom_base);
        let src = builder.source(&index.source);
        for (i, p) in index.packages().enumerate() {
            let before = builder.node_count();
            let node = builder.node(&eco, p.name(), p.version(), p.arch(), src);
            if builder.node_count() == before {
                continue; // the same package version in two indexes
            }
            first_seen.push((node.0, k, i));
            let allowed = p.multi_arch() == MultiArch::Allowed;
            let name = builder.node_name[node.0 as usize];
            real.push((
                name,
                Candidate {
                    node: node.0,
                    version: Some(p.version()),
                    allowed,
                },
            ));
            let (a, b) = p.pkg.provides;
            for pr in &index.provides[a as usize..b as usize] {
                let version = (!pr.version.is_empty()).then(|| index.s(pr.version));
                let name = builder.strings.intern(index.s(pr.name));
                provided.push((
                    name,
                    Candidate {
                        node: node.0,
                        version,
                        allowed,
                    },
                ));
            }
        }
        atom_base += index.atoms.len() as u32;
    }
    let names = builder.strings.len();
    let real = ByName::new(names, &real);
    let provided = ByName::new(names, &provided);
    for &(node, k, i) in &first_seen {
        let (index, base) = (&indexes[k], bases[k]);
        let pkg = index.packages[i];
        for ai in pkg.atoms.0..pkg.atoms.1 {
            let atom = index.atoms[ai as usize];
            let Some(name) = builder.strings.lookup(index.s(atom.name)) else {
                continue; // nothing is called that
            };
            let any = index.s(atom.arch) == "any";
            let constraint = atom.rel.map(|r| (r, index.s(atom.version)));
            let label = crate::graph::DEB_LABEL | (base + ai);
            for cands in [real.get(name), provided.get(name)] {
                for c in cands {
                    if (any && !c.allowed) || c.node == node {
                        continue;
                    }
                    if let Some((rel, v)) = constraint {
                        // An unversioned Provides never satisfies a versioned dependency.
                        match c.version {
                            Some(have) if rel.holds(have, v) => {}
                            _ => continue,
                        }
                    }
                    builder.edge(NodeId(node), NodeId(c.node), label);
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
        let t = "python3:any (>= 3.11~)";
        let a = parse_atom(t, t).unwrap();
        let s = |sp: Span| &t[sp.start as usize..sp.end as usize];
        assert_eq!(s(a.name), "python3");
        assert_eq!(s(a.arch), "any");
        assert_eq!((a.rel, s(a.version)), (Some(DebRelation::GreaterEq), "3.11~"));
        for bad in ["foo (>= )", "foo (~~ 1)", "foo (>= 1"] {
            assert!(parse_atom(bad, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn folded_fields_and_fields_read() {
        let text = "Package: a\nVersion: 1:2.0-1\nArchitecture: amd64\nMulti-Arch: allowed\nDepends: b (>= 1),\n c | d:any\nProvides: v (= 2)\nDescription: x\n more\n\nPackage: b\nVersion: 1\n";
        let idx = parse_packages("P", text.as_bytes()).unwrap();
        let p: Vec<_> = idx.packages().collect();
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].name(), p[0].version(), p[0].arch()), ("a", "1:2.0-1", "amd64"));
        assert_eq!(p[0].multi_arch(), MultiArch::Allowed);
        assert_eq!(p[0].depends(), vec![vec!["b (>= 1)"], vec!["c", "d:any"]]);
        assert_eq!(p[0].provides(), vec![("v", Some("2"))]);
        assert_eq!((p[1].name(), p[1].line()), ("b", 11));
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
