//! The `lockstep` binary: argument parsing and wiring only. Every command calls a
//! library function; nothing is computed here.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod audit;
mod client;
mod contacts;
mod server_cmds;

// Offline tool modules (one file per command family):
mod advisory;
mod cvss;
mod impact;
mod scan;
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
    /// Run the server (API and web pages).
    Serve(server_cmds::ServeArgs),
    /// Run the server on a SQLite file seeded with a realistic embargoed case; prints the URL and a login (a new password at every start).
    Demo(server_cmds::DemoArgs),
    /// Administration against the database: users and API tokens.
    #[command(subcommand)]
    Admin(server_cmds::AdminCommand),
    /// The tamper-evident audit log: verify it, and sign checkpoints of it with a key kept outside the database.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Cases, over the API (--server, --token).
    Case {
        #[command(flatten)]
        client: client::ClientArgs,
        #[command(subcommand)]
        command: client::CaseCommand,
    },
    /// Projects, over the API (--server, --token).
    Project {
        #[command(flatten)]
        client: client::ClientArgs,
        #[command(subcommand)]
        command: client::ProjectCommand,
    },
    /// Your own API tokens, over the API (--server, --token): list and revoke.
    Token {
        #[command(flatten)]
        client: client::ClientArgs,
        #[command(subcommand)]
        command: client::TokenCommand,
    },
    /// Parse and score a CVSS v2.0/v3.0/v3.1/v4.0 vector.
    Cvss(cvss::CvssArgs),
    /// Who depends on an affected package: blast radius with shortest paths, from Debian indexes, lockfiles, SBOMs.
    Impact(impact::ImpactArgs),
    /// Match lockfiles, SBOMs or Debian indexes against an advisory directory (RustSec, OSV JSON/YAML).
    Scan(scan::ScanArgs),
    /// Advisory files offline: convert between RustSec, OSV, CSAF, OpenVEX, CycloneDX and CVE 5.
    #[command(subcommand)]
    Advisory(advisory::AdvisoryCommand),
    // [offline-commands]
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: anyhow::Result<ExitCode> = match cli.command {
        Command::Serve(args) => server_cmds::serve(args),
        Command::Demo(args) => server_cmds::demo(args),
        Command::Admin(cmd) => server_cmds::admin(cmd),
        Command::Audit(cmd) => audit::run(cmd),
        Command::Case { client, command } => client::case(client, command),
        Command::Project { client, command } => client::project(client, command),
        Command::Token { client, command } => client::token(client, command),
        Command::Cvss(args) => cvss::run(args),
        Command::Impact(args) => impact::run(args),
        Command::Scan(args) => scan::run(args),
        Command::Advisory(command) => advisory::run(command),
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
