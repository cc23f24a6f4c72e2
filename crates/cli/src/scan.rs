//! `lockstep scan`: match lockfiles, SBOMs and Debian indexes against an advisory
//! directory offline, as `cargo audit` and `osv-scanner` do.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use lockstep_graph::advisory::{self, AdvisoryDb};
use lockstep_graph::ingest;

/// Output format of `lockstep scan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per finding.
    Table,
    /// Every finding with its aliases, fixed versions and sources.
    Json,
}

#[derive(clap::Args)]
#[command(
    after_help = "Advisories: RustSec Markdown (as in rustsec/advisory-db), OSV JSON or OSV YAML files, \
found recursively. Withdrawn advisories are left out; informational ones (unmaintained, unsound, notice) are \
reported as warnings, as `cargo audit` does.\n\n\
Exit codes: 0 no vulnerability found, 1 vulnerabilities found, 2 usage or input error (the message names the \
file and line or JSON path)."
)]
pub struct ScanArgs {
    /// The advisory directory.
    #[arg(long, value_name = "DIR", env = "LOCKSTEP_ADVISORIES")]
    pub advisories: PathBuf,
    /// Lockfiles, SBOMs or Debian `Packages` indexes (format detected from name and content).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table", env = "LOCKSTEP_FORMAT")]
    pub format: Format,
}

pub fn run(args: ScanArgs) -> anyhow::Result<ExitCode> {
    if !args.advisories.is_dir() {
        bail!("{}: not a directory", args.advisories.display());
    }
    // Advisories load on their own threads while the inputs are parsed.
    let dir = args.advisories.clone();
    let loader = std::thread::spawn(move || AdvisoryDb::load_dir(&dir));
    let files: Vec<(PathBuf, Option<ingest::Format>)> = args.inputs.iter().map(|p| (p.clone(), None)).collect();
    let inputs = crate::impact::read_inputs(&files)?;
    let graph = ingest::build(inputs);
    let db = loader
        .join()
        .map_err(|_| anyhow::anyhow!("advisory loader panicked"))??;
    for r in db.rejected() {
        eprintln!("warning: advisory left out: {r}");
    }
    let findings = advisory::scan(&graph, &db);
    let vulnerable = findings.iter().filter(|f| f.informational.is_none()).count();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &findings).context("writing JSON")?;
            writeln!(out)?;
        }
        Format::Table => {
            if !findings.is_empty() {
                writeln!(
                    out,
                    "{:<20} {:<14} {:<32} {:<14} {:<24} SUMMARY",
                    "ID", "KIND", "PACKAGE", "VERSION", "FIXED"
                )?;
            }
            for f in &findings {
                writeln!(
                    out,
                    "{:<20} {:<14} {:<32} {:<14} {:<24} {}",
                    f.id,
                    f.informational.as_deref().unwrap_or("vulnerability"),
                    f.package,
                    f.version,
                    if f.fixed.is_empty() {
                        "none".to_string()
                    } else {
                        f.fixed.join(", ")
                    },
                    f.summary
                )?;
            }
            writeln!(
                out,
                "{} package version(s) scanned against {} advisories: {} vulnerability finding(s), {} warning(s)",
                graph.node_count(),
                db.advisories().len(),
                vulnerable,
                findings.len() - vulnerable
            )?;
        }
    }
    out.flush()?;
    Ok(if vulnerable > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(rel: &str) -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../graph/fixtures")).join(rel)
    }

    fn rustsec() -> PathBuf {
        PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/rustsec-advisory-db"
        ))
    }

    #[test]
    fn findings_exit_1_clean_exits_0_bad_input_is_an_error_on_real_data() {
        let args = |input: PathBuf| ScanArgs {
            advisories: rustsec(),
            inputs: vec![input],
            format: Format::Json,
        };
        assert_eq!(run(args(fixture("old-deps/Cargo.lock"))).unwrap(), ExitCode::from(1));
        let dir = std::env::temp_dir().join(format!("lockstep-scan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let clean = dir.join("Cargo.lock");
        std::fs::write(
            &clean,
            "version = 3\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.200\"\n",
        )
        .unwrap();
        assert_eq!(run(args(clean.clone())).unwrap(), ExitCode::SUCCESS);
        std::fs::write(
            &clean,
            "version = 3\n\n[[package]]\nname = \"serde\"\nversion = \"x\"\n",
        )
        .unwrap();
        let e = run(args(clean.clone())).unwrap_err().to_string();
        assert!(e.contains("Cargo.lock:5:"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
