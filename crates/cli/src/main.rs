//! The `lockstep` binary: argument parsing and wiring only. Every command calls a
//! library function; nothing is computed here.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

// Offline tool modules (one file per command family):
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
    // [offline-commands]
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: anyhow::Result<ExitCode> = match cli.command {
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
