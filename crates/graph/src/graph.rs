//! The compact dependency graph: interned names, one node per package version,
//! and reverse edges in compressed sparse rows.
//!
//! Nodes are package versions identified by (ecosystem, name, version,
//! qualifier), the qualifier being the Debian architecture. Edges point from a
//! dependent to a dependency and carry the index of a [`Label`]: the dependent's
//! own requirement as written (`libssl3 (>= 3.0.0)`, `^1.2`), parsed when its
//! ecosystem's syntax allows. Only reverse rows are kept: every query walks from
//! a dependency to its dependents.

use rustc_hash::FxHashMap as HashMap;

use crate::version::{Ecosystem, Requirement};

/// A package version in a [`Graph`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

/// A dependent's requirement on a dependency, as written and parsed.
#[derive(Debug, Clone)]
pub struct Label {
    /// The dependency as the dependent wrote it (`pinentry-curses | pinentry`).
    pub text: String,
    /// The version requirement, when it has one in a syntax we read.
    pub requirement: Option<Requirement>,
}

/// No label on an edge.
pub const NO_LABEL: u32 = u32::MAX;

/// Interned strings in one buffer.
#[derive(Debug, Default, Clone)]
pub(crate) struct Interner {
    buf: String,
    ends: Vec<u32>,
    map: HashMap<Box<str>, u32>,
}

impl Interner {
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = self.ends.len() as u32;
        self.buf.push_str(s);
        self.ends.push(self.buf.len() as u32);
        self.map.insert(s.into(), id);
        id
    }

    pub(crate) fn get(&self, id: u32) -> &str {
        let end = self.ends[id as usize] as usize;
        let start = if id == 0 {
            0
        } else {
            self.ends[id as usize - 1] as usize
        };
        &self.buf[start..end]
    }

    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(crate) fn lookup(&self, s: &str) -> Option<u32> {
        self.map.get(s).copied()
    }
}

/// Collects nodes and edges, then builds a [`Graph`].
#[derive(Debug, Default)]
pub struct GraphBuilder {
    pub(crate) strings: Interner,
    ecosystems: Vec<Ecosystem>,
    node_eco: Vec<u8>,
    pub(crate) node_name: Vec<u32>,
    node_version: Vec<u32>,
    node_qual: Vec<u32>,
    node_source: Vec<u32>,
    extra_sources: HashMap<u32, Vec<u32>>,
    index: HashMap<(u8, u32, u32, u32), u32>,
    edges: Vec<(u32, u32, u32)>,
    labels: Vec<Label>,
    label_index: HashMap<String, u32>,
    pub(crate) debian: Vec<crate::debian::DebIndex>,
}

impl GraphBuilder {
    /// An empty builder.
    pub fn new() -> GraphBuilder {
        GraphBuilder::default()
    }

    /// A builder with room for `nodes` nodes and `edges` edges.
    pub fn with_capacity(nodes: usize, edges: usize) -> GraphBuilder {
        let mut b = GraphBuilder::default();
        b.node_eco.reserve(nodes);
        b.node_name.reserve(nodes);
        b.node_version.reserve(nodes);
        b.node_qual.reserve(nodes);
        b.node_source.reserve(nodes);
        b.index.reserve(nodes);
        b.edges.reserve(edges);
        b
    }

    fn eco_id(&mut self, eco: &Ecosystem) -> u8 {
        if let Some(i) = self.ecosystems.iter().position(|e| e == eco) {
            return i as u8;
        }
        self.ecosystems.push(eco.clone());
        (self.ecosystems.len() - 1) as u8
    }

    /// Interns a source name (a file or an uploaded document's name).
    pub fn source(&mut self, name: &str) -> u32 {
        self.strings.intern(name)
    }

    /// Adds (or finds) the node of `name` at `version` with `qualifier` (the
    /// Debian architecture; empty elsewhere), recording `source` as one of the
    /// inputs that name it.
    pub fn node(&mut self, eco: &Ecosystem, name: &str, version: &str, qualifier: &str, source: u32) -> NodeId {
        let e = self.eco_id(eco);
        let n = self.strings.intern(name);
        let v = self.strings.intern(version);
        let q = self.strings.intern(qualifier);
        let next = self.node_eco.len() as u32;
        let id = *self.index.entry((e, n, v, q)).or_insert(next);
        if id == next {
            self.node_eco.push(e);
            self.node_name.push(n);
            self.node_version.push(v);
            self.node_qual.push(q);
            self.node_source.push(source);
        } else if self.node_source[id as usize] != source {
            let extra = self.extra_sources.entry(id).or_default();
            if !extra.contains(&source) {
                extra.push(source);
            }
        }
        NodeId(id)
    }

    /// Interns a label; equal texts share one.
    pub fn label(&mut self, text: &str, requirement: Option<Requirement>) -> u32 {
        self.label_with(text, || requirement)
    }

    /// Interns a label, parsing its requirement only the first time the text is seen.
    pub fn label_with(&mut self, text: &str, requirement: impl FnOnce() -> Option<Requirement>) -> u32 {
        if let Some(&id) = self.label_index.get(text) {
            return id;
        }
        let requirement = requirement();
        let id = self.labels.len() as u32;
        self.labels.push(Label {
            text: text.to_string(),
            requirement,
        });
        self.label_index.insert(text.to_string(), id);
        id
    }

    /// Adds an edge: `dependent` depends on `dependency`, as `label` says
    /// ([`NO_LABEL`] for none).
    pub fn edge(&mut self, dependent: NodeId, dependency: NodeId, label: u32) {
        self.edges.push((dependent.0, dependency.0, label));
    }

    /// Adds `count` nodes with no name lookup, for synthetic graphs: node `i`
    /// is named `prefix{i}` at version `version`.
    pub fn bulk_nodes(&mut self, eco: &Ecosystem, prefix: &str, version: &str, count: usize) -> NodeId {
        let first = self.node_eco.len() as u32;
        let e = self.eco_id(eco);
        let v = self.strings.intern(version);
        let q = self.strings.intern("");
        let src = self.strings.intern("synthetic");
        let mut name = String::with_capacity(prefix.len() + 8);
        for i in 0..count {
            name.clear();
            name.push_str(prefix);
            name.push_str(&i.to_string());
            let n = self.strings.intern(&name);
            self.node_eco.push(e);
            self.node_name.push(n);
            self.node_version.push(v);
            self.node_qual.push(q);
            self.node_source.push(src);
        }
        NodeId(first)
    }

    /// Makes room for `nodes` more nodes and `edges` more edges.
    pub fn reserve(&mut self, nodes: usize, edges: usize) {
        self.node_eco.reserve(nodes);
        self.node_name.reserve(nodes);
        self.node_version.reserve(nodes);
        self.node_qual.reserve(nodes);
        self.node_source.reserve(nodes);
        self.index.reserve(nodes);
        self.strings.map.reserve(nodes * 2);
        self.strings.ends.reserve(nodes * 2);
        self.edges.reserve(edges);
    }

    /// Number of nodes so far.
    pub fn node_count(&self) -> usize {
        self.node_eco.len()
    }

    /// Builds the graph: resolves Debian dependencies across every index added,
    /// then lays out reverse edges in compressed sparse rows.
    pub fn build(mut self) -> Graph {
        let debian = std::mem::take(&mut self.debian);
        if !debian.is_empty() {
            crate::debian::resolve(&mut self, &debian);
        }
        let n = self.node_eco.len();
        let mut offsets = vec![0u32; n + 1];
        for &(_, to, _) in &self.edges {
            offsets[to as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let m = self.edges.len();
        let mut cursor = offsets.clone();
        let mut rev_src = vec![0u32; m];
        let mut rev_label = vec![NO_LABEL; m];
        for &(from, to, label) in &self.edges {
            let slot = &mut cursor[to as usize];
            rev_src[*slot as usize] = from;
            rev_label[*slot as usize] = label;
            *slot += 1;
        }
        drop(cursor);
        self.edges = Vec::new();
        self.index = HashMap::default();
        // Nodes by name, as compressed rows over string ids.
        let s = self.strings.ends.len();
        let mut name_offsets = vec![0u32; s + 1];
        for &name in &self.node_name {
            name_offsets[name as usize + 1] += 1;
        }
        for i in 0..s {
            name_offsets[i + 1] += name_offsets[i];
        }
        let mut cursor = name_offsets.clone();
        let mut name_nodes = vec![0u32; n];
        for (i, &name) in self.node_name.iter().enumerate() {
            name_nodes[cursor[name as usize] as usize] = i as u32;
            cursor[name as usize] += 1;
        }
        Graph {
            strings: self.strings,
            ecosystems: self.ecosystems,
            node_eco: self.node_eco,
            node_name: self.node_name,
            node_version: self.node_version,
            node_qual: self.node_qual,
            node_source: self.node_source,
            extra_sources: self.extra_sources,
            name_offsets,
            name_nodes,
            offsets,
            rev_src,
            rev_label,
            labels: self.labels,
            debian,
        }
    }
}

/// An immutable dependency graph with reverse adjacency in compressed rows.
#[derive(Debug)]
pub struct Graph {
    strings: Interner,
    ecosystems: Vec<Ecosystem>,
    node_eco: Vec<u8>,
    node_name: Vec<u32>,
    node_version: Vec<u32>,
    node_qual: Vec<u32>,
    node_source: Vec<u32>,
    extra_sources: HashMap<u32, Vec<u32>>,
    name_offsets: Vec<u32>,
    name_nodes: Vec<u32>,
    offsets: Vec<u32>,
    rev_src: Vec<u32>,
    rev_label: Vec<u32>,
    labels: Vec<Label>,
    // Debian edges are labelled by the relation atom they come from, read
    // from the index's text when asked for (see [`DEB_LABEL`]).
    debian: Vec<crate::debian::DebIndex>,
}

/// Label ids with this bit set name a Debian relation atom: the rest is the
/// atom's position across the graph's indexes, in the order they were added.
pub(crate) const DEB_LABEL: u32 = 1 << 31;

impl Graph {
    /// Number of package versions.
    pub fn node_count(&self) -> usize {
        self.node_eco.len()
    }

    /// Number of dependency edges.
    pub fn edge_count(&self) -> usize {
        self.rev_src.len()
    }

    /// Every node.
    pub fn nodes(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.node_eco.len() as u32).map(NodeId)
    }

    /// The node's ecosystem.
    pub fn ecosystem(&self, n: NodeId) -> &Ecosystem {
        &self.ecosystems[self.node_eco[n.0 as usize] as usize]
    }

    /// The node's package name.
    pub fn name(&self, n: NodeId) -> &str {
        self.strings.get(self.node_name[n.0 as usize])
    }

    /// The interned id of the node's name (equal names, equal ids).
    pub fn name_id(&self, n: NodeId) -> u32 {
        self.node_name[n.0 as usize]
    }

    /// An interned string by id.
    pub fn string(&self, id: u32) -> &str {
        self.strings.get(id)
    }

    /// The node's version as written (empty for a project root without one).
    pub fn version(&self, n: NodeId) -> &str {
        self.strings.get(self.node_version[n.0 as usize])
    }

    /// The node's qualifier (Debian architecture), empty elsewhere.
    pub fn qualifier(&self, n: NodeId) -> &str {
        self.strings.get(self.node_qual[n.0 as usize])
    }

    /// The inputs that name the node.
    pub fn sources(&self, n: NodeId) -> Vec<&str> {
        let mut out = vec![self.strings.get(self.node_source[n.0 as usize])];
        if let Some(extra) = self.extra_sources.get(&n.0) {
            out.extend(extra.iter().map(|&s| self.strings.get(s)));
        }
        out
    }

    /// The node's PURL, e.g. `pkg:deb/debian/libssl3@3.0.17-1~deb12u2?arch=amd64`.
    pub fn purl(&self, n: NodeId) -> String {
        crate::purl::format(self.ecosystem(n), self.name(n), self.version(n), self.qualifier(n))
    }

    /// Nodes named `name` (any ecosystem, any version).
    pub fn find(&self, name: &str) -> &[u32] {
        match self.strings.lookup(name) {
            Some(id) => {
                let (a, b) = (self.name_offsets[id as usize], self.name_offsets[id as usize + 1]);
                &self.name_nodes[a as usize..b as usize]
            }
            None => &[],
        }
    }

    /// The dependents of `n`: `(dependent, label index)` pairs.
    pub fn dependents(&self, n: NodeId) -> impl Iterator<Item = (NodeId, u32)> + '_ {
        let (a, b) = (
            self.offsets[n.0 as usize] as usize,
            self.offsets[n.0 as usize + 1] as usize,
        );
        self.rev_src[a..b]
            .iter()
            .zip(&self.rev_label[a..b])
            .map(|(&s, &l)| (NodeId(s), l))
    }

    /// Raw reverse rows: `(offsets, dependents)`, for tight loops.
    pub fn reverse_rows(&self) -> (&[u32], &[u32]) {
        (&self.offsets, &self.rev_src)
    }

    /// A label by index.
    pub fn label(&self, id: u32) -> Option<Label> {
        if id == NO_LABEL {
            return None;
        }
        if id & DEB_LABEL != 0 {
            let mut at = (id & !DEB_LABEL) as usize;
            for index in &self.debian {
                if at < index.atom_count() {
                    return Some(index.label(at));
                }
                at -= index.atom_count();
            }
            return None;
        }
        self.labels.get(id as usize).cloned()
    }
}
