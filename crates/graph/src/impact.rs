//! Blast radius: every package version that reaches an affected one, with its
//! shortest dependency path, its depth and what it takes to fix.
//!
//! [`closure`] is the query (a breadth-first search over the reverse rows, so
//! the first visit of a node is along a shortest path); [`report`] turns a
//! closure into [`Hit`]s with PURLs, paths and verdicts.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use serde::Serialize;

use crate::graph::{Graph, NodeId, NO_LABEL};
use crate::osv::Affected;
use crate::version::Version;

const UNSEEN: u32 = u32::MAX;

/// The result of a reverse transitive closure. Only a parent per node is kept
/// during the search (so it is a plain breadth-first search over compressed
/// rows); depths and edge labels are recovered along the parent chain.
#[derive(Debug, Clone)]
pub struct Closure {
    roots: usize,
    queue: Vec<u32>,
    parent: Vec<u32>,
}

impl Closure {
    /// The affected package versions the search started from.
    pub fn roots(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.queue[..self.roots].iter().map(|&n| NodeId(n))
    }

    /// Every dependent reached, nearest first (roots excluded).
    pub fn reached(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.queue[self.roots..].iter().map(|&n| NodeId(n))
    }

    /// Number of dependents reached.
    pub fn len(&self) -> usize {
        self.queue.len() - self.roots
    }

    /// Whether no dependent was reached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `n` was reached (roots included).
    pub fn contains(&self, n: NodeId) -> bool {
        self.parent.get(n.0 as usize).is_some_and(|&p| p != UNSEEN)
    }

    /// Number of edges from `n` to the nearest affected version.
    pub fn depth(&self, n: NodeId) -> Option<u32> {
        if !self.contains(n) {
            return None;
        }
        let (mut cur, mut d) = (n.0, 0);
        while self.parent[cur as usize] != cur {
            cur = self.parent[cur as usize];
            d += 1;
        }
        Some(d)
    }

    /// A shortest path from `n` down to an affected version, `n` first. Each
    /// step carries the label of its edge to the next step ([`NO_LABEL`] on the
    /// last step).
    pub fn path(&self, graph: &Graph, n: NodeId) -> Vec<(NodeId, u32)> {
        let mut out = Vec::new();
        if !self.contains(n) {
            return out;
        }
        let mut cur = n.0;
        loop {
            let p = self.parent[cur as usize];
            if p == cur {
                out.push((NodeId(cur), NO_LABEL));
                return out;
            }
            let label = graph
                .dependents(NodeId(p))
                .find(|&(d, _)| d.0 == cur)
                .map(|(_, l)| l)
                .unwrap_or(NO_LABEL);
            out.push((NodeId(cur), label));
            cur = p;
        }
    }
}

impl Closure {
    /// The label of every reached node's edge to its parent, in one pass over
    /// the rows of the closure (for materializing many paths at once).
    pub fn parent_labels(&self, graph: &Graph) -> Vec<u32> {
        let mut labels = vec![NO_LABEL; self.parent.len()];
        let mut done = vec![false; self.parent.len()];
        for &v in &self.queue {
            for (d, l) in graph.dependents(NodeId(v)) {
                let i = d.0 as usize;
                if self.parent[i] == v && !done[i] && d.0 != v {
                    labels[i] = l;
                    done[i] = true;
                }
            }
        }
        labels
    }

    fn path_with(&self, labels: &[u32], n: NodeId) -> Vec<(NodeId, u32)> {
        let mut out = Vec::new();
        if !self.contains(n) {
            return out;
        }
        let mut cur = n.0;
        loop {
            let p = self.parent[cur as usize];
            if p == cur {
                out.push((NodeId(cur), NO_LABEL));
                return out;
            }
            out.push((NodeId(cur), labels[cur as usize]));
            cur = p;
        }
    }
}

/// The versions of `affected`'s package in `graph` that its ranges cover.
pub fn affected_nodes(graph: &Graph, affected: &Affected) -> Vec<NodeId> {
    graph
        .find(affected.name())
        .iter()
        .map(|&n| NodeId(n))
        .filter(|&n| graph.ecosystem(n) == affected.ecosystem() && affected.affects(graph.version(n)))
        .collect()
}

/// Every node that depends, directly or not, on one of `roots`.
pub fn closure(graph: &Graph, roots: &[NodeId]) -> Closure {
    let n = graph.node_count();
    let mut parent = vec![UNSEEN; n];
    let (offsets, src) = graph.reverse_rows();
    let mut queue: Vec<u32> = Vec::with_capacity(64);
    for r in roots {
        if parent[r.0 as usize] == UNSEEN {
            parent[r.0 as usize] = r.0;
            queue.push(r.0);
        }
    }
    let root_count = queue.len();
    let mut head = 0;
    while head < queue.len() {
        let v = queue[head];
        head += 1;
        let (a, b) = (offsets[v as usize] as usize, offsets[v as usize + 1] as usize);
        for &u in &src[a..b] {
            let slot = &mut parent[u as usize];
            if *slot == UNSEEN {
                *slot = v;
                queue.push(u);
            }
        }
    }
    Closure {
        roots: root_count,
        queue,
        parent,
    }
}

/// What a dependent must do once a fix is published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Verdict {
    /// A published fixed version satisfies the direct dependent's own
    /// requirement: updating the lockfile (or upgrading the package) is enough.
    UpdateLockfile {
        /// The lowest fixed version that fits.
        fixed: String,
        /// The requirement it satisfies.
        requirement: String,
    },
    /// No published fixed version satisfies the direct dependent's requirement:
    /// that dependent must release with a bumped requirement.
    BumpRequirement {
        /// The dependent that must release.
        dependent: String,
        /// Its requirement, as written.
        requirement: String,
    },
    /// No fixed version is known (no `fixed` event, and no unaffected newer
    /// version in the graph).
    NoFix,
    /// The input records no requirement (e.g. `Cargo.lock`, SBOMs).
    Unknown,
}

/// One step of a dependency path.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// The package version's PURL.
    pub purl: String,
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// How it names the next step (absent on the last step).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires: Option<String>,
}

/// A package version that reaches an affected one.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// PURL.
    pub purl: String,
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Edges to the nearest affected version (1: a direct dependent).
    pub depth: u32,
    /// A shortest path, this package first, the affected version last.
    pub path: Vec<Step>,
    /// What fixing takes.
    pub verdict: Verdict,
    /// The inputs this package version comes from.
    pub sources: Vec<String>,
}

/// The blast radius of an affected package.
#[derive(Debug, Clone, Serialize)]
pub struct Impact {
    /// Ecosystem of the affected package.
    pub ecosystem: String,
    /// Its name.
    pub package: String,
    /// PURLs of its affected versions present in the graph.
    pub affected_versions: Vec<String>,
    /// Fixed versions known (from the range and from the graph).
    pub fixed_versions: Vec<String>,
    /// Every dependent, nearest first, then by name and version.
    pub hits: Vec<Hit>,
}

impl Impact {
    /// Distinct names of the dependents, sorted, the affected package left out.
    pub fn names(&self) -> BTreeSet<&str> {
        self.hits
            .iter()
            .map(|h| h.name.as_str())
            .filter(|n| *n != self.package)
            .collect()
    }
}

/// Distinct names of the nodes a closure reached, sorted, the affected
/// package's own name left out: the cheap answer to "who must be read in".
pub fn names<'g>(graph: &'g Graph, closure: &Closure, package: &str) -> Vec<&'g str> {
    let mut ids: Vec<u32> = closure.reached().map(|n| graph.name_id(n)).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out: Vec<&str> = ids
        .into_iter()
        .map(|id| graph.string(id))
        .filter(|n| *n != package)
        .collect();
    out.sort_unstable();
    out
}

/// Runs the query and materializes every hit with its path and verdict.
pub fn report(graph: &Graph, affected: &Affected) -> Impact {
    let roots = affected_nodes(graph, affected);
    let c = closure(graph, &roots);
    let fixed = fixed_versions(graph, affected);
    let labels = c.parent_labels(graph);
    let mut hits: Vec<Hit> = c
        .reached()
        .map(|n| {
            let path = c.path_with(&labels, n);
            let steps: Vec<Step> = path
                .iter()
                .map(|&(node, label)| Step {
                    purl: graph.purl(node),
                    name: graph.name(node).to_string(),
                    version: graph.version(node).to_string(),
                    requires: graph.label(label).map(|l| l.text.clone()),
                })
                .collect();
            // The edge into the affected version is the second-to-last step's.
            let verdict = match path.len().checked_sub(2).map(|i| path[i]) {
                Some((dependent, label)) => verdict(graph, &fixed, dependent, label),
                None => Verdict::Unknown,
            };
            Hit {
                purl: graph.purl(n),
                name: graph.name(n).to_string(),
                version: graph.version(n).to_string(),
                depth: (path.len() - 1) as u32,
                path: steps,
                verdict,
                sources: graph.sources(n).iter().map(|s| s.to_string()).collect(),
            }
        })
        .collect();
    hits.sort_by(|a, b| (a.depth, &a.name, &a.version).cmp(&(b.depth, &b.name, &b.version)));
    Impact {
        ecosystem: affected.ecosystem().to_string(),
        package: affected.name().to_string(),
        affected_versions: roots.iter().map(|&r| graph.purl(r)).collect(),
        fixed_versions: fixed.iter().map(|v| v.to_string()).collect(),
        hits,
    }
}

/// Fixed versions: the ranges' `fixed` events, and versions of the package in
/// the graph that the ranges do not cover; lowest first.
fn fixed_versions(graph: &Graph, affected: &Affected) -> Vec<Version> {
    let mut out: Vec<Version> = affected.fixed_versions().into_iter().cloned().collect();
    for &n in graph.find(affected.name()) {
        let n = NodeId(n);
        if graph.ecosystem(n) != affected.ecosystem() || affected.affects(graph.version(n)) {
            continue;
        }
        if let Ok(v) = Version::parse(affected.ecosystem(), graph.version(n)) {
            out.push(v);
        }
    }
    out.sort_by(|a, b| a.compare(b).unwrap_or(Ordering::Equal));
    out.dedup_by(|a, b| a.compare(b) == Some(Ordering::Equal));
    out
}

fn verdict(graph: &Graph, fixed: &[Version], dependent: NodeId, label: u32) -> Verdict {
    if fixed.is_empty() {
        return Verdict::NoFix;
    }
    let Some(label) = graph.label(label) else {
        return Verdict::Unknown;
    };
    let Some(req) = &label.requirement else {
        return match label.text.contains(['<', '>', '=', '^', '~']) {
            true => Verdict::Unknown,
            // An unversioned dependency accepts any fixed version.
            false => Verdict::UpdateLockfile {
                fixed: fixed[0].to_string(),
                requirement: label.text.clone(),
            },
        };
    };
    match fixed.iter().find(|v| req.matches(v) == Some(true)) {
        Some(v) => Verdict::UpdateLockfile {
            fixed: v.to_string(),
            requirement: label.text.clone(),
        },
        None if fixed.iter().all(|v| req.matches(v).is_none()) => Verdict::Unknown,
        None => Verdict::BumpRequirement {
            dependent: graph.purl(dependent),
            requirement: label.text.clone(),
        },
    }
}
