//! Builds the synthetic ecosystem and reports build time, closure time from
//! the hub and peak resident memory: `cargo run --release -p lockstep-graph
//! --example synthetic -- [NODES] [EDGES]`.

use std::time::Instant;

use lockstep_graph::{impact, synthetic, NodeId};

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let nodes: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let edges: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(10_000_000);
    let t = Instant::now();
    let g = synthetic::ecosystem(nodes, edges, 42);
    let build = t.elapsed();
    let mut times = Vec::new();
    let mut reached = 0;
    for _ in 0..7 {
        let t = Instant::now();
        let c = impact::closure(&g, &[NodeId(0)]);
        times.push(t.elapsed());
        reached = c.len();
    }
    times.sort();
    println!(
        "synthetic nodes={} edges={} build_s={:.2} closure_median_ms={:.1} closure_min_ms={:.1} reached={} peak_rss_mib={:.0}",
        g.node_count(),
        g.edge_count(),
        build.as_secs_f64(),
        times[times.len() / 2].as_secs_f64() * 1000.0,
        times[0].as_secs_f64() * 1000.0,
        reached,
        peak_rss_mib().unwrap_or(f64::NAN)
    );
}
