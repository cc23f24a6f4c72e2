//! `lockstep advisory convert`: advisory files from RustSec or OSV to OSV, CSAF,
//! OpenVEX, CycloneDX VEX or CVE 5, offline.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use lockstep_advisory::convert::{self, ConvertOptions};
use lockstep_advisory::export::Format;
use lockstep_advisory::import::SourceFormat;
use lockstep_advisory::Publisher;
use lockstep_core::Tlp;

#[path = "advisory_export.rs"]
mod advisory_export;

#[derive(clap::Subcommand)]
pub enum AdvisoryCommand {
    /// Convert advisory files (or directories of them) to another format, offline.
    #[command(
        after_help = "Writes one JSON document per advisory: one per line on stdout, or one file per advisory in --out.\nCVE 5 records are made only for vulnerabilities with a CVE id; the others are listed on stderr.\nExit codes: 0 converted, 2 usage error or a bad input file (each is named with what is wrong)."
    )]
    Convert(ConvertArgs),
    /// Export a case's advisory from the server (OSV, CSAF, OpenVEX, CycloneDX VEX, CVE 5).
    Export(advisory_export::ExportArgs),
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum From {
    Rustsec,
    Osv,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum To {
    Osv,
    /// CSAF 2.0, security advisory profile.
    Csaf,
    /// CSAF 2.0, VEX profile.
    CsafVex,
    Openvex,
    Cyclonedx,
    Cve5,
}

#[derive(clap::Args)]
pub struct ConvertArgs {
    /// Input format.
    #[arg(long, value_enum)]
    pub from: From,
    /// Output format.
    #[arg(long, value_enum)]
    pub to: To,
    /// Files or directories (walked recursively for *.md, or *.json/*.yaml/*.yml).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Write one file per advisory into this directory instead of stdout.
    #[arg(long, env = "LOCKSTEP_OUT")]
    pub out: Option<PathBuf>,
    /// Merge records that are aliases of one another (CVE, GHSA, RUSTSEC, OSV ids) first.
    #[arg(long)]
    pub merge_aliases: bool,
    /// TLP label of the documents.
    #[arg(long, default_value = "CLEAR", env = "LOCKSTEP_TLP")]
    pub tlp: Tlp,
    /// Publisher name written into the documents.
    #[arg(long, default_value = "Lockstep", env = "LOCKSTEP_PUBLISHER_NAME")]
    pub publisher_name: String,
    /// Publisher namespace URL (CSAF `publisher.namespace`, OpenVEX `@id` base).
    #[arg(
        long,
        default_value = "https://lockstep.invalid",
        env = "LOCKSTEP_PUBLISHER_NAMESPACE"
    )]
    pub publisher_namespace: String,
    /// CVE Program org id (UUID) of the publisher, for CVE 5 records.
    #[arg(long, env = "LOCKSTEP_CNA_ORG_ID")]
    pub cna_org_id: Option<String>,
}

pub fn run(command: AdvisoryCommand) -> anyhow::Result<ExitCode> {
    match command {
        AdvisoryCommand::Convert(args) => convert(args),
        AdvisoryCommand::Export(args) => advisory_export::run(args),
    }
}

fn convert(args: ConvertArgs) -> anyhow::Result<ExitCode> {
    let from = match args.from {
        From::Rustsec => SourceFormat::Rustsec,
        From::Osv => SourceFormat::Osv,
    };
    let to = match args.to {
        To::Osv => Format::Osv,
        To::Csaf => Format::CsafAdvisory,
        To::CsafVex => Format::CsafVex,
        To::Openvex => Format::OpenVex,
        To::Cyclonedx => Format::CycloneDx,
        To::Cve5 => Format::Cve5,
    };
    let options = ConvertOptions {
        publisher: Publisher {
            name: args.publisher_name,
            namespace: args.publisher_namespace,
            contact: None,
            cna_org_id: args.cna_org_id,
        },
        tlp: args.tlp,
        merge_aliases: args.merge_aliases,
    };
    let converted = match convert::convert(&args.paths, from, to, &options) {
        Ok(converted) => converted,
        Err(errors) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            return Ok(ExitCode::from(2));
        }
    };
    match converted.skipped.as_slice() {
        [] => {}
        [one] => eprintln!("skipped: {one}"),
        many => eprintln!(
            "skipped {} records that have no {to} document, for example: {}",
            many.len(),
            many[0]
        ),
    }
    match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            for (name, doc) in &converted.documents {
                let file: String = name
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect();
                let path = dir.join(format!("{file}.{to}.json"));
                let text = serde_json::to_string_pretty(doc)?;
                std::fs::write(&path, text + "\n").with_context(|| format!("writing {}", path.display()))?;
            }
            eprintln!("wrote {} documents to {}", converted.documents.len(), dir.display());
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            for (_, doc) in &converted.documents {
                let mut line = serde_json::to_vec(doc)?;
                line.push(b'\n');
                match stdout.write_all(&line) {
                    // A reader that stops early (`| head`) is not an error.
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
                    result => result?,
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
