//! Criterion benches for the impact engine: Debian bookworm (cold parse and
//! build, warm closure), the synthetic 1,000,000-version ecosystem (build and
//! closure from the hub), and a RustSec scan. Run with `cargo bench -p
//! lockstep-graph`; the repository's `bench` script runs the peers beside it.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use lockstep_graph::advisory::{scan, AdvisoryDb};
use lockstep_graph::{impact, ingest, synthetic, Affected, Ecosystem, Format, NodeId};

/// The bookworm main, updates and security indexes, decompressed once.
fn bookworm() -> Option<Vec<(String, Vec<u8>)>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("/var/lib/apt/lists")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.to_string_lossy();
            n.contains("bookworm") && n.ends_with("_main_binary-amd64_Packages.lz4")
        })
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let o = Command::new("/usr/lib/apt/apt-helper")
            .arg("cat-file")
            .arg(&f)
            .output()
            .ok()?;
        out.push((f.display().to_string(), o.stdout));
    }
    (!out.is_empty()).then_some(out)
}

fn debian(c: &mut Criterion) {
    let Some(indexes) = bookworm() else {
        eprintln!("note: Debian bookworm indexes not found (apt-get update); Debian benches skipped");
        return;
    };
    let build = || {
        let inputs = indexes
            .iter()
            .map(|(name, bytes)| ingest::parse(Format::DebianPackages, name, bytes).unwrap())
            .collect();
        ingest::build(inputs)
    };
    let mut g = c.benchmark_group("debian");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("cold_parse_build_query_libssl3", |b| {
        b.iter(|| {
            let graph = build();
            let a = Affected::all_versions(Ecosystem::Debian, "libssl3");
            impact::closure(&graph, &impact::affected_nodes(&graph, &a)).len()
        })
    });
    let graph = build();
    for name in ["libc6", "libssl3", "zlib1g"] {
        let a = Affected::all_versions(Ecosystem::Debian, name);
        // The query: affected versions, then the reverse closure with a
        // shortest-path parent for every package version reached.
        g.bench_function(format!("warm_query_{name}"), |b| {
            b.iter(|| impact::closure(&graph, &impact::affected_nodes(&graph, &a)).len())
        });
        // The query plus the sorted list of distinct names (`--format names`).
        g.bench_function(format!("warm_query_and_names_{name}"), |b| {
            b.iter(|| {
                let c = impact::closure(&graph, &impact::affected_nodes(&graph, &a));
                impact::names(&graph, &c, name).len()
            })
        });
    }
    g.finish();
}

fn synthetic_ecosystem(c: &mut Criterion) {
    let mut g = c.benchmark_group("synthetic_1m_versions_10m_edges");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("build", |b| {
        b.iter(|| synthetic::ecosystem(1_000_000, 10_000_000, 42).edge_count())
    });
    let graph = synthetic::ecosystem(1_000_000, 10_000_000, 42);
    g.bench_function("closure_from_hub", |b| {
        b.iter(|| impact::closure(&graph, &[NodeId(0)]).len())
    });
    g.finish();
}

fn rustsec_scan(c: &mut Criterion) {
    let data = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/rustsec-advisory-db"
    ));
    let lock = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock"));
    let mut g = c.benchmark_group("scan");
    g.sample_size(20);
    g.bench_function("rustsec_db_this_cargo_lock", |b| {
        b.iter(|| {
            let db = AdvisoryDb::load_dir(data).unwrap();
            let graph = ingest::build(vec![ingest::read(lock, None).unwrap()]);
            scan(&graph, &db).len()
        })
    });
    g.finish();
}

criterion_group!(benches, debian, synthetic_ecosystem, rustsec_scan);
criterion_main!(benches);
