//! `lockstep impact`: who depends on an affected package, offline, from Debian
//! indexes, lockfiles and SBOMs that together form one graph.

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use lockstep_graph::impact::{self, Verdict};
use lockstep_graph::ingest::{self, Format as InputFormat, Input};
use lockstep_graph::{osv, Affected, Ecosystem, Graph};

/// Output format of `lockstep impact`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per dependent: depth, package, verdict, path.
    Table,
    /// The full report: affected versions, fixed versions, hits with paths.
    Json,
    /// Each dependent's name once per line, the queried package left out.
    Names,
}

#[derive(clap::Args)]
#[command(
    after_help = "All inputs form one graph: a distribution's main, updates and security indexes \
together, or many projects' lockfiles and SBOMs.\n\n\
Exit codes: 0 no dependent reached, 1 dependents found, 2 usage or input error (the message names the file \
and line or JSON path)."
)]
pub struct ImpactArgs {
    /// A Debian `Packages` index, plain or as apt keeps it (`/var/lib/apt/lists/*_Packages.lz4`); repeatable.
    #[arg(long = "debian-packages", value_name = "FILE")]
    pub debian_packages: Vec<PathBuf>,
    /// A lockfile: Cargo.lock, package-lock.json, poetry.lock, uv.lock or a pinned requirements.txt; repeatable.
    #[arg(long, value_name = "PATH")]
    pub lockfile: Vec<PathBuf>,
    /// A CycloneDX 1.4-1.6 or SPDX 2.3 JSON SBOM; repeatable.
    #[arg(long, value_name = "PATH")]
    pub sbom: Vec<PathBuf>,
    /// The affected package's name.
    #[arg(long, value_name = "NAME")]
    pub package: String,
    /// The affected package's ecosystem (crates.io, npm, PyPI, Debian); guessed from the inputs when they hold one.
    #[arg(long, value_name = "ECOSYSTEM")]
    pub ecosystem: Option<String>,
    /// Affected versions: `introduced=1.0.0,fixed=1.2.3` (also `last_affected=`, `limit=`, `versions=a|b`) or an
    /// OSV range or affected object in JSON. Default: every version.
    #[arg(long, value_name = "OSV-LIKE-RANGE")]
    pub range: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table", env = "LOCKSTEP_FORMAT")]
    pub format: Format,
}

/// Reads every input, with a progress bar when stderr is a terminal.
pub fn read_inputs(files: &[(PathBuf, Option<InputFormat>)]) -> anyhow::Result<Vec<Input>> {
    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(files.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {bar:30} {pos}/{len} reading {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b.enable_steady_tick(std::time::Duration::from_millis(100));
        Some(b)
    } else {
        None
    };
    let mut out = Vec::with_capacity(files.len());
    for (path, format) in files {
        if let Some(b) = &bar {
            b.set_message(path.display().to_string());
        }
        out.push(read_one(path, *format)?);
        if let Some(b) = &bar {
            b.inc(1);
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(out)
}

fn read_one(path: &Path, format: Option<InputFormat>) -> anyhow::Result<Input> {
    Ok(ingest::read(path, format)?)
}

/// The ecosystem of `--package`: the flag, else the only one the graph names it in.
fn ecosystem_of(graph: &Graph, args: &ImpactArgs, only_debian: bool) -> anyhow::Result<Option<Ecosystem>> {
    if let Some(e) = &args.ecosystem {
        return Ok(Some(Ecosystem::from_osv(e)));
    }
    if only_debian {
        return Ok(Some(Ecosystem::Debian));
    }
    let mut found: BTreeSet<Ecosystem> = BTreeSet::new();
    for eco in [Ecosystem::CratesIo, Ecosystem::Npm, Ecosystem::PyPI, Ecosystem::Debian] {
        let name = eco.normalize_name(&args.package);
        for &n in graph.find(&name) {
            found.insert(graph.ecosystem(lockstep_graph::NodeId(n)).clone());
        }
    }
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.into_iter().next()),
        _ => bail!(
            "{} is in several ecosystems ({}); choose one with --ecosystem",
            args.package,
            found.iter().map(|e| e.to_string()).collect::<Vec<_>>().join(", ")
        ),
    }
}

pub fn run(args: ImpactArgs) -> anyhow::Result<ExitCode> {
    let mut files: Vec<(PathBuf, Option<InputFormat>)> = Vec::new();
    files.extend(
        args.debian_packages
            .iter()
            .map(|p| (p.clone(), Some(InputFormat::DebianPackages))),
    );
    files.extend(args.lockfile.iter().map(|p| (p.clone(), None)));
    files.extend(args.sbom.iter().map(|p| (p.clone(), None)));
    if files.is_empty() {
        bail!("give at least one --debian-packages, --lockfile or --sbom");
    }
    let inputs = read_inputs(&files)?;
    let graph = ingest::build(inputs);
    let only_debian = args.lockfile.is_empty() && args.sbom.is_empty();
    let Some(eco) = ecosystem_of(&graph, &args, only_debian)? else {
        eprintln!("note: no package named {} in the inputs", args.package);
        if args.format == Format::Json {
            println!(
                "{}",
                serde_json::json!({"package": args.package, "affected_versions": [], "hits": []})
            );
        }
        return Ok(ExitCode::SUCCESS);
    };
    let affected = match &args.range {
        Some(r) => osv::parse_cli_range(&eco, &args.package, r).map_err(anyhow::Error::msg)?,
        None => Affected::all_versions(eco.clone(), &args.package),
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let found = match args.format {
        Format::Names => {
            let roots = impact::affected_nodes(&graph, &affected);
            let closure = impact::closure(&graph, &roots);
            let names = impact::names(&graph, &closure, affected.name());
            for n in &names {
                writeln!(out, "{n}")?;
            }
            !names.is_empty()
        }
        Format::Json => {
            let report = impact::report(&graph, &affected);
            serde_json::to_writer_pretty(&mut out, &report).context("writing JSON")?;
            writeln!(out)?;
            !report.hits.is_empty()
        }
        Format::Table => {
            let report = impact::report(&graph, &affected);
            writeln!(
                out,
                "{} {}: {} affected version(s) in the inputs, {} dependent(s); fixed: {}",
                report.ecosystem,
                report.package,
                report.affected_versions.len(),
                report.hits.len(),
                if report.fixed_versions.is_empty() {
                    "none known".to_string()
                } else {
                    report.fixed_versions.join(", ")
                }
            )?;
            if !report.hits.is_empty() {
                writeln!(out, "{:<5} {:<50} {:<30} PATH", "DEPTH", "PACKAGE", "VERDICT")?;
            }
            for h in &report.hits {
                let verdict = match &h.verdict {
                    Verdict::UpdateLockfile { fixed, .. } => format!("update to {fixed}"),
                    Verdict::BumpRequirement { .. } if h.depth > 1 => {
                        // The direct dependent on the path must release first.
                        let direct = &h.path[h.path.len().saturating_sub(2)];
                        format!("after {} releases", direct.name)
                    }
                    Verdict::BumpRequirement { .. } => "bump requirement".to_string(),
                    Verdict::NoFix => "no fix yet".to_string(),
                    Verdict::Unknown => "unknown".to_string(),
                };
                let path: Vec<String> = h
                    .path
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        let next = h.path.get(i + 1).map(|n| n.name.as_str()).unwrap_or("");
                        match &s.requires {
                            // Show the requirement when it names something else (a virtual package).
                            Some(r) if r.split([' ', ':']).next() != Some(next) => {
                                format!("{}@{} [{}]", s.name, s.version, r)
                            }
                            _ => format!("{}@{}", s.name, s.version),
                        }
                    })
                    .collect();
                writeln!(
                    out,
                    "{:<5} {:<50} {:<30} {}",
                    h.depth,
                    format!("{}@{}", h.name, h.version),
                    verdict,
                    path.join(" -> ")
                )?;
            }
            !report.hits.is_empty()
        }
    };
    out.flush()?;
    // The process ends here: leaving the graph (hundreds of thousands of
    // allocations for a distribution) to the OS is faster than dropping it.
    std::mem::forget(graph);
    Ok(if found { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(lockfile: &str, package: &str, range: Option<&str>) -> ImpactArgs {
        ImpactArgs {
            debian_packages: vec![],
            lockfile: vec![PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../graph/fixtures")).join(lockfile)],
            sbom: vec![],
            package: package.to_string(),
            ecosystem: None,
            range: range.map(str::to_string),
            format: Format::Json,
        }
    }

    #[test]
    fn dependents_exit_1_none_exit_0_bad_range_is_an_error() {
        let lock = "npm-web-app/package-lock.json";
        assert_eq!(run(args(lock, "qs", Some("fixed=6.7.3"))).unwrap(), ExitCode::from(1));
        assert_eq!(run(args(lock, "qs", Some("fixed=6.0.0"))).unwrap(), ExitCode::SUCCESS);
        assert_eq!(run(args(lock, "no-such-package", None)).unwrap(), ExitCode::SUCCESS);
        assert!(run(args(lock, "qs", Some("fixed=banana"))).is_err());
        let mut none = args(lock, "qs", None);
        none.lockfile.clear();
        assert!(run(none).is_err());
    }
}
