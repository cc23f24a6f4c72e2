//! The `lockstep` binary: argument parsing and wiring only. Every command calls a
//! library function; nothing is computed here.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

// Offline tool modules (one file per command family):
mod cvss;
// [offline-modules]

#[derive(Parser)]
#[command(
    name = "lockstep",
    version,
    about = "Coordinate security disclosures and patch roll-outs across interdependent open-source projects.",
    after_help = "Exit codes: 0 success, 1 found something (scan findings, failed audit verify), 2 usage or input error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and score a CVSS v2.0/v3.0/v3.1/v4.0 vector.
    Cvss(cvss::CvssArgs),
    // [offline-commands]
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: anyhow::Result<ExitCode> = match cli.command {
        Command::Cvss(args) => cvss::run(args),
        // [offline-dispatch]
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
