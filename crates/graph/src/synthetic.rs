//! A synthetic ecosystem for benchmarks: package versions whose dependencies
//! favour a few popular packages, as real registries do.

use crate::graph::{Graph, GraphBuilder, NodeId, NO_LABEL};
use crate::version::Ecosystem;

/// A small, fast, deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Builds `nodes` package versions with `edges` dependencies in total. Node
/// `i` depends only on nodes below `i` (no cycles, like a registry where a
/// release can only name what exists), chosen as `i * u^3` for uniform `u`, so
/// low ids are hubs: node 0 is depended on, directly or not, by nearly all.
/// Names are `pkg{i}`; each fifth node starts a new package name in spirit,
/// but every node gets its own name so lookups stay unambiguous.
pub fn ecosystem(nodes: usize, edges: usize, seed: u64) -> Graph {
    let mut b = GraphBuilder::with_capacity(nodes, edges);
    let first = b.bulk_nodes(&Ecosystem::CratesIo, "pkg", "1.0.0", nodes);
    let mut rng = Rng(seed | 1);
    let per_node = edges / nodes.max(1);
    let extra = edges - per_node * nodes;
    for i in 1..nodes {
        let count = per_node + usize::from(i <= extra);
        for _ in 0..count {
            let u = rng.unit();
            let t = ((i as f64) * u * u * u) as u32;
            b.edge(NodeId(first.0 + i as u32), NodeId(first.0 + t), NO_LABEL);
        }
    }
    b.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_synthetic_ecosystem_has_a_hub() {
        let g = ecosystem(1000, 10_000, 7);
        assert_eq!(g.node_count(), 1000);
        assert!(g.edge_count() >= 9_990);
        let c = crate::impact::closure(&g, &[NodeId(0)]);
        assert!(c.len() > 900, "{}", c.len());
        assert_eq!(g.find("pkg0"), &[0]);
    }
}
