//! `lockstep audit`: verify the hash chain, make a signing key, take signed
//! checkpoints of the chain's head and prove the log still extends them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use lockstep_core::Clock;
use lockstep_store::audit::{self, AuditKey, Checkpoint, PublicKey, VerifyReport};
use serde_json::json;

use crate::client::Format;
use crate::server_cmds::{runtime, DatabaseArgs};

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the audit log's hash chain, and with --checkpoint that it still extends a signed checkpoint.
    #[command(
        after_help = "Exit codes: 0 the log is intact (and extends the checkpoint); 1 it is broken or \
                            does not extend the checkpoint (names the event), or the checkpoint's signature \
                            fails; 2 usage or input error (unreadable file, malformed checkpoint, bad key)."
    )]
    Verify {
        #[command(flatten)]
        db: DatabaseArgs,
        /// A checkpoint from `lockstep audit checkpoint`: the log must still hold its event with its hash.
        /// Catches a chain rewritten whole (every hash recomputed), which the chain alone cannot.
        #[arg(long, env = "LOCKSTEP_AUDIT_CHECKPOINT", value_name = "FILE")]
        checkpoint: Option<PathBuf>,
        /// The public key that signs your checkpoints: 64 hex digits as `audit keygen` prints them, or a
        /// file holding them or a PEM `PUBLIC KEY`. Without it, the key named in the checkpoint is used,
        /// which shows only that the file was not edited.
        #[arg(long, env = "LOCKSTEP_AUDIT_PUBLIC_KEY", value_name = "KEY")]
        public_key: Option<String>,
        /// Output format.
        #[arg(long, default_value = "table")]
        format: Format,
    },
    /// Make an Ed25519 key to sign checkpoints with; writes the private key (mode 0600) and prints the public key.
    #[command(
        after_help = "Keep the key off the database's machine if you can, and the public key where \
                            verifiers can find it. `openssl genpkey -algorithm ed25519 -out FILE` makes an \
                            equivalent key. Exit codes: 0 written, 2 FILE exists or cannot be written."
    )]
    Keygen {
        /// Where to write the private key (PKCS#8 PEM); never overwritten.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Sign the head of the audit chain (sequence number and hash) and print the checkpoint as JSON.
    #[command(
        after_help = "Run it regularly (cron) and keep the checkpoints away from the database: \
                            someone who can rewrite the database cannot rewrite them. Exit codes: 0 \
                            written; 1 the log is broken, so nothing is signed; 2 usage or input error."
    )]
    Checkpoint {
        #[command(flatten)]
        db: DatabaseArgs,
        /// The private key from `lockstep audit keygen` (or any Ed25519 PKCS#8 PEM key).
        #[arg(long, env = "LOCKSTEP_AUDIT_KEY", value_name = "FILE")]
        key: PathBuf,
        /// Write the checkpoint to FILE instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

pub fn run(cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::Verify {
            db,
            checkpoint,
            public_key,
            format,
        } => verify(&db, checkpoint.as_deref(), public_key.as_deref(), format),
        AuditCommand::Keygen { out } => keygen(&out),
        AuditCommand::Checkpoint { db, key, out } => checkpoint(&db, &key, out.as_deref()),
    }
}

fn exit_code(report: &VerifyReport) -> ExitCode {
    if report.first_bad.is_none() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn print_broken(report: &VerifyReport) {
    if let Some(bad) = &report.first_bad {
        println!(
            "audit log BROKEN at event {}: {} ({} events before it verified)",
            bad.seq, bad.reason, report.events
        );
    }
}

fn verify(
    db: &DatabaseArgs,
    checkpoint: Option<&Path>,
    public_key: Option<&str>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    // Read and check every input before touching the database: a bad one is exit 2.
    let checkpoint = checkpoint.map(read_checkpoint).transpose()?;
    // The key matters only with a checkpoint (it may come from the environment for every run).
    let trusted = match checkpoint {
        Some(_) => public_key.map(read_public_key).transpose()?,
        None => None,
    };
    let verified = match &checkpoint {
        None => None,
        Some(cp) => match cp.verify(trusted.as_ref()) {
            Ok(verified) => Some(verified),
            Err(untrusted) => {
                match format {
                    Format::Json => println!(
                        "{}",
                        serde_json::to_string_pretty(&json!({
                            "checkpoint": checkpoint_json(cp, Some(&untrusted.to_string())),
                        }))?
                    ),
                    Format::Table => println!("checkpoint NOT TRUSTED: {untrusted}"),
                }
                return Ok(ExitCode::from(1));
            }
        },
    };
    if let (Some(cp), None) = (&verified, &trusted) {
        eprintln!(
            "note: checked the checkpoint against the key it names ({}); pass --public-key to require your own",
            cp.public_key()
        );
    }
    runtime()?.block_on(async {
        let store = db.open("lockstep.sqlite").await?;
        let report = match &verified {
            None => audit::verify(&store).await?,
            Some(cp) => audit::verify_extends(&store, cp).await?,
        };
        match format {
            Format::Json => {
                let mut out = serde_json::to_value(&report)?;
                if let Some(cp) = &checkpoint {
                    out["checkpoint"] = checkpoint_json(cp, None);
                }
                println!("{}", serde_json::to_string_pretty(&out)?);
            }
            Format::Table => match (&report.first_bad, &verified) {
                (None, None) => println!("audit log intact: {} events verified", report.events),
                (None, Some(cp)) => println!(
                    "audit log intact: {} events verified; it extends the checkpoint of event {} taken {} \
                     (key {})",
                    report.events,
                    cp.seq(),
                    cp.at(),
                    cp.public_key()
                ),
                (Some(_), _) => print_broken(&report),
            },
        }
        Ok(exit_code(&report))
    })
}

fn checkpoint_json(cp: &Checkpoint, error: Option<&str>) -> serde_json::Value {
    json!({
        "seq": cp.seq(),
        "hash": cp.hash(),
        "at": cp.at().to_string(),
        "public_key": cp.public_key().to_string(),
        "trusted": error.is_none(),
        "error": error,
    })
}

fn read_checkpoint(path: &Path) -> anyhow::Result<Checkpoint> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading checkpoint {}", path.display()))?;
    Checkpoint::parse(&text).with_context(|| format!("checkpoint {}", path.display()))
}

/// 64 hex digits, or a file holding them or a PEM public key.
fn read_public_key(arg: &str) -> anyhow::Result<PublicKey> {
    if arg.len() == 64 && arg.bytes().all(|b| b.is_ascii_hexdigit()) {
        return PublicKey::parse(arg).context("--public-key");
    }
    let text = std::fs::read_to_string(arg)
        .with_context(|| format!("--public-key: `{arg}` is neither 64 hex digits nor a readable file"))?;
    PublicKey::parse(&text).with_context(|| format!("--public-key: {arg}"))
}

fn read_key(path: &Path) -> anyhow::Result<AuditKey> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading audit key {}", path.display()))?;
    warn_if_readable_by_others(path);
    AuditKey::from_pem(&text).with_context(|| format!("audit key {}", path.display()))
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            eprintln!(
                "warning: audit key {} is open to other users (mode {mode:04o}); `chmod 600` it",
                path.display()
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

fn keygen(out: &Path) -> anyhow::Result<ExitCode> {
    let key = AuditKey::generate()?;
    let pem = key.to_pem()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(out).with_context(|| {
        format!(
            "creating {} (an existing key is never overwritten; remove it first if you mean to)",
            out.display()
        )
    })?;
    file.write_all(pem.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", out.display()))?;
    eprintln!(
        "wrote the private key to {}; the public key (for `audit verify --public-key`) is:",
        out.display()
    );
    println!("{}", key.public_key());
    Ok(ExitCode::SUCCESS)
}

fn checkpoint(db: &DatabaseArgs, key: &Path, out: Option<&Path>) -> anyhow::Result<ExitCode> {
    let key = read_key(key)?;
    runtime()?.block_on(async {
        let store = db.open("lockstep.sqlite").await?;
        let report = audit::verify(&store).await?;
        // Signing a broken log would vouch for the damage.
        let Some(head) = report.head.as_ref().filter(|_| report.first_bad.is_none()) else {
            print_broken(&report);
            eprintln!("no checkpoint taken: the log is broken");
            return Ok(ExitCode::from(1));
        };
        let checkpoint = key.sign(head, Clock::system().now());
        let json = checkpoint.to_json();
        match out {
            None => println!("{json}"),
            Some(path) => {
                write_replacing(path, &json)?;
                eprintln!(
                    "checkpoint of event {} ({}) written to {}",
                    checkpoint.seq(),
                    checkpoint.hash(),
                    path.display()
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Writes `text` to `path` through a temporary file and a rename, so that a reader
/// (or a crash) never sees half a checkpoint.
fn write_replacing(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, format!("{text}\n")).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_key_argument_reads_hex_or_a_file_naming_what_it_is_not() {
        let key = AuditKey::generate().expect("randomness").public_key();
        assert_eq!(read_public_key(&key.to_string()).expect("hex"), key);
        let err = read_public_key("/nonexistent/key.pub").expect_err("refused");
        assert!(format!("{err:#}").contains("neither 64 hex digits"), "{err:#}");
    }
}
