//! `lockstep project contacts ...` and `lockstep project webhooks ...`: a project's
//! notification registry over the API. A CSV import is parsed here and sent whole; the
//! server writes all of it or nothing, and a refused row is named by its line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use serde_json::{json, Value};

use crate::client::{print, runtime, ApiFailure, Client, ClientArgs};

#[derive(Subcommand, Debug)]
pub enum ContactsCommand {
    /// List the project's contacts.
    List {
        #[arg(long)]
        project: String,
    },
    /// Add one contact.
    Add {
        #[arg(long)]
        project: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// security, maintainer, liaison or consumer.
        #[arg(long)]
        role: String,
        /// A file with the contact's ASCII-armored OpenPGP public key.
        #[arg(long)]
        pgp_key: Option<PathBuf>,
        /// Language tag of their notifications, for example de.
        #[arg(long)]
        language: Option<String>,
    },
    /// Remove one contact by its id.
    Remove {
        #[arg(long)]
        project: String,
        id: String,
    },
    /// Import contacts from a CSV file with the columns email,name,role (a header row
    /// first): all of them, or none when a row is refused (its line is named).
    Import {
        #[arg(long)]
        project: String,
        file: PathBuf,
    },
    /// Read the project's RFC 9116 security.txt (a file) into security contacts; an
    /// expired or malformed file is refused with the reason.
    SecurityTxt {
        #[arg(long)]
        project: String,
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum WebhooksCommand {
    /// List the project's webhooks (never their secrets).
    List {
        #[arg(long)]
        project: String,
    },
    /// Add a webhook; the secret signs every delivery (Standard Webhooks).
    Add {
        #[arg(long)]
        project: String,
        #[arg(long)]
        url: String,
        /// The shared secret, 16 to 512 characters (env LOCKSTEP_WEBHOOK_SECRET).
        #[arg(long, env = "LOCKSTEP_WEBHOOK_SECRET", hide_env_values = true)]
        secret: String,
    },
    /// Remove a webhook by its id.
    Remove {
        #[arg(long)]
        project: String,
        id: String,
    },
}

const CONTACT_COLUMNS: &[(&str, &str)] = &[
    ("ID", "/id"),
    ("EMAIL", "/email"),
    ("NAME", "/name"),
    ("ROLE", "/role"),
    ("LANGUAGE", "/language"),
    ("SOURCE", "/source"),
];

/// The rows of a contacts CSV as the API takes them, or the line that is wrong.
pub(crate) fn csv_rows(file: &Path, text: &str) -> anyhow::Result<Vec<Value>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .with_context(|| format!("{}: no header row", file.display()))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(email), Some(name), Some(role)) = (column("email"), column("name"), column("role")) else {
        anyhow::bail!(
            "{} line 1: the header must name the columns email,name,role (found: {})",
            file.display(),
            headers.iter().collect::<Vec<_>>().join(",")
        );
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            anyhow::anyhow!("{} line {line}: {e}", file.display())
        })?;
        let cell = |i: usize| record.get(i).unwrap_or_default().to_owned();
        rows.push(json!({"email": cell(email), "name": cell(name), "role": cell(role)}));
    }
    if rows.is_empty() {
        anyhow::bail!("{}: no contacts below the header", file.display());
    }
    Ok(rows)
}

/// A refused import, its fields (`contacts[i].email`) named by the CSV line.
fn by_line(file: &Path, error: anyhow::Error) -> anyhow::Error {
    let Some(failure) = error.downcast_ref::<ApiFailure>() else {
        return error;
    };
    let lines: Vec<String> = failure
        .fields
        .iter()
        .map(|(field, message)| {
            let line = field
                .strip_prefix("contacts[")
                .and_then(|rest| rest.split_once(']'))
                .and_then(|(i, rest)| Some((i.parse::<usize>().ok()? + 2, rest.trim_start_matches('.'))));
            match line {
                Some((line, column)) => format!("{} line {line}: {column}: {message}", file.display()),
                None => format!("{field}: {message}"),
            }
        })
        .collect();
    if lines.is_empty() {
        return error;
    }
    anyhow::anyhow!("{}; nothing was imported", lines.join("; "))
}

pub fn contacts(args: ClientArgs, cmd: ContactsCommand) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args)?;
    runtime()?.block_on(async {
        let value = match cmd {
            ContactsCommand::List { project } => {
                client
                    .call(reqwest::Method::GET, &format!("/projects/{project}/contacts"), None)
                    .await?
            }
            ContactsCommand::Add {
                project,
                email,
                name,
                role,
                pgp_key,
                language,
            } => {
                let pgp_key = pgp_key
                    .map(|p| std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display())))
                    .transpose()?;
                let body =
                    json!({"email": email, "name": name, "role": role, "pgp_key": pgp_key, "language": language});
                client
                    .call(
                        reqwest::Method::POST,
                        &format!("/projects/{project}/contacts"),
                        Some(body),
                    )
                    .await?
            }
            ContactsCommand::Remove { project, id } => {
                client
                    .call(
                        reqwest::Method::DELETE,
                        &format!("/projects/{project}/contacts/{id}"),
                        None,
                    )
                    .await?;
                eprintln!("removed contact {id}");
                return Ok(ExitCode::SUCCESS);
            }
            ContactsCommand::Import { project, file } => {
                let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
                let rows = csv_rows(&file, &text)?;
                client
                    .call(
                        reqwest::Method::POST,
                        &format!("/projects/{project}/contacts/import"),
                        Some(json!({"contacts": rows})),
                    )
                    .await
                    .map_err(|e| by_line(&file, e))?
            }
            ContactsCommand::SecurityTxt { project, file } => {
                let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
                let answer = client
                    .call(
                        reqwest::Method::POST,
                        &format!("/projects/{project}/contacts/security-txt"),
                        Some(json!({"text": text})),
                    )
                    .await?;
                answer.get("added").cloned().unwrap_or(Value::Null)
            }
        };
        print(args.format, &value, CONTACT_COLUMNS)?;
        Ok(ExitCode::SUCCESS)
    })
}

pub fn webhooks(args: ClientArgs, cmd: WebhooksCommand) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args)?;
    runtime()?.block_on(async {
        let value = match cmd {
            WebhooksCommand::List { project } => {
                client
                    .call(reqwest::Method::GET, &format!("/projects/{project}/webhooks"), None)
                    .await?
            }
            WebhooksCommand::Add { project, url, secret } => {
                client
                    .call(
                        reqwest::Method::POST,
                        &format!("/projects/{project}/webhooks"),
                        Some(json!({"url": url, "secret": secret})),
                    )
                    .await?
            }
            WebhooksCommand::Remove { project, id } => {
                client
                    .call(
                        reqwest::Method::DELETE,
                        &format!("/projects/{project}/webhooks/{id}"),
                        None,
                    )
                    .await?;
                eprintln!("removed webhook {id}");
                return Ok(ExitCode::SUCCESS);
            }
        };
        print(
            args.format,
            &value,
            &[("ID", "/id"), ("URL", "/url"), ("CREATED", "/created_at")],
        )?;
        Ok(ExitCode::SUCCESS)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_take_their_columns_by_name() {
        let rows = csv_rows(Path::new("c.csv"), "role,email,name\nconsumer, a@x.org ,A\n").unwrap();
        assert_eq!(rows, [json!({"email": "a@x.org", "name": "A", "role": "consumer"})]);
    }

    #[test]
    fn a_ragged_row_names_its_line() {
        let e = csv_rows(Path::new("c.csv"), "email,name,role\na@x.org,A,consumer\nb@x.org,B\n").unwrap_err();
        assert!(e.to_string().contains("c.csv line 3"), "{e}");
        let e = csv_rows(Path::new("c.csv"), "mail,name\n").unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
    }

    #[test]
    fn refused_rows_are_named_by_their_line() {
        let failure = ApiFailure {
            status: 422,
            message: "contacts[1].email: `x` is not an email address".into(),
            fields: vec![("contacts[1].email".into(), "`x` is not an email address".into())],
        };
        let e = by_line(Path::new("c.csv"), failure.into());
        assert_eq!(
            e.to_string(),
            "c.csv line 3: email: `x` is not an email address; nothing was imported"
        );
    }
}
