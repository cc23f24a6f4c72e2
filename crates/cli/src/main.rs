//! The `lockstep` binary: argument parsing and wiring only.

use clap::Parser;

#[derive(Parser)]
#[command(name = "lockstep", version, about)]
struct Cli {}

fn main() -> anyhow::Result<()> {
    let _cli = Cli::parse();
    Ok(())
}
