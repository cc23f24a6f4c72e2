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
use crate::version::{Requirement, Version};

const UNSEEN: u32 = u32::MAX;

/// The result of a reverse transitive closure.
#[derive(Debug, Clone)]
pub struct Closure {
    roots: Vec<NodeId>,
    order: Vec<u32>,
    parent: Vec<u32>,
    parent_label: Vec<u32>,
    depth: Vec<u32>,
}

impl Closure {
    /// The affected package versions the search started from.
    pub fn roots(&self) -> &[NodeId] {
        &self.roots
    }

    /// Every dependent reached, nearest first (roots excluded).
    pub fn reached(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.order.iter().map(|&n| NodeId(n))
    }

    /// Number of dependents reached.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether no dependent was reached.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Whether `n` was reached (roots included).
    pub fn contains(&self, n: NodeId) -> bool {
        self.parent[n.0 as usize] != UNSEEN
    }

    /// Number of edges from `n` to the nearest affected version.
    pub fn depth(&self, n: NodeId) -> Option<u32> {
        self.contains(n).then(|| self.depth[n.0 as usize])
    }

    /// A shortest path from `n` down to an affected version, `n` first. Each
    /// step carries the label of the edge to the next step.
    pub fn path(&self, n: NodeId) -> Vec<(NodeId, u32)> {
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
            out.push((NodeId(cur), self.parent_label[cur as usize]));
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
    let mut parent_label = vec![NO_LABEL; n];
    let mut depth = vec![0u32; n];
    let mut order: Vec<u32> = Vec::new();
    let (offsets, src) = graph.reverse_rows();
    let mut frontier: Vec<u32> = Vec::new();
    for r in roots {
        if parent[r.0 as usize] == UNSEEN {
            parent[r.0 as usize] = r.0;
            frontier.push(r.0);
        }
    }
    let mut head = 0;
    let mut queue = frontier;
    while head < queue.len() {
        let v = queue[head];
        head += 1;
        let d = depth[v as usize] + 1;
        let (a, b) = (offsets[v as usize] as usize, offsets[v as usize + 1] as usize);
        for (i, &u) in src[a..b].iter().enumerate() {
            if parent[u as usize] == UNSEEN {
                parent[u as usize] = v;
                parent_label[u as usize] = a as u32 + i as u32;
                depth[u as usize] = d;
                queue.push(u);
                order.push(u);
            }
        }
    }
    // Edge positions to label ids, only for the nodes reached.
    for &u in &order {
        let e = parent_label[u as usize];
        parent_label[u as usize] = graph.edge_label(e as usize);
    }
    Closure {
        roots: roots.to_vec(),
        order,
        parent,
        parent_label,
        depth,
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

/// Distinct names of the nodes a closure reached, the affected package's own
/// name left out: the cheap answer to "who must be read in".
pub fn names<'g>(graph: &'g Graph, closure: &Closure, package: &str) -> BTreeSet<&'g str> {
    closure
        .reached()
        .map(|n| graph.name(n))
        .filter(|n| *n != package)
        .collect()
}

/// Runs the query and materializes every hit with its path and verdict.
pub fn report(graph: &Graph, affected: &Affected) -> Impact {
    let roots = affected_nodes(graph, affected);
    let c = closure(graph, &roots);
    let fixed = fixed_versions(graph, affected);
    let mut hits: Vec<Hit> = c
        .reached()
        .map(|n| {
            let path = c.path(n);
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
                depth: c.depth(n).unwrap_or(0),
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

/// Whether `req` admits a fixed version (exposed for the server's case view).
pub fn admits_fix(req: &Requirement, fixed: &[Version]) -> bool {
    fixed.iter().any(|v| req.matches(v) == Some(true))
}
