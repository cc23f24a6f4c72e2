//! `lockstep cvss VECTOR`: parse and score a CVSS vector offline.

use std::process::ExitCode;

use lockstep_advisory::cvss::Vector;

/// Output format of `lockstep cvss`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(clap::Args)]
#[command(after_help = "Exit codes: 0 scored, 2 invalid vector (the message names the metric).")]
pub struct CvssArgs {
    /// A CVSS v3.0, v3.1 or v4.0 vector with its `CVSS:x.y/` prefix, or a v2.0 vector.
    pub vector: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "table", env = "LOCKSTEP_FORMAT")]
    pub format: Format,
}

pub fn run(args: CvssArgs) -> anyhow::Result<ExitCode> {
    let vector = Vector::parse(&args.vector)?;
    let scores = vector.scores();
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&scores)?),
        Format::Table => {
            println!("version        {}", scores.version);
            println!("vector         {}", scores.vector);
            println!("base score     {:.1} {}", scores.base_score, scores.base_severity);
            if let (Some(s), Some(r)) = (scores.temporal_score, scores.temporal_severity) {
                println!("temporal       {s:.1} {r}");
            }
            if let (Some(s), Some(r)) = (scores.environmental_score, scores.environmental_severity) {
                println!("environmental  {s:.1} {r}");
            }
            if let Some(n) = &scores.nomenclature {
                println!("nomenclature   {n}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
