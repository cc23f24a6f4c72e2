//! Client commands over the API: `case`, `project` and `token`, with `--server` / `--token`.

use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use comfy_table::Table;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub struct ClientArgs {
    /// Lockstep server URL.
    #[arg(
        long,
        env = "LOCKSTEP_SERVER",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub server: String,
    /// API token (from `lockstep admin create-token`).
    #[arg(long, env = "LOCKSTEP_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// Output format.
    #[arg(long, default_value = "table", global = true)]
    pub format: Format,
}

#[derive(Subcommand, Debug)]
pub enum CaseCommand {
    /// List the cases you are read into.
    List,
    /// Show one case.
    Show { id: String },
    /// Which registered projects reach the case's affected packages, with their paths (coordinators).
    Impact { id: String },
    /// Open a new case (coordinators).
    New {
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        summary: String,
        /// TLP label: CLEAR, GREEN, AMBER, AMBER+STRICT, RED.
        #[arg(long)]
        tlp: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ProjectCommand {
    /// List projects.
    List,
    /// Upload lockfiles, SBOMs or Debian indexes of a project (each replaces the one of the same file name).
    Upload {
        /// The project's id.
        #[arg(long)]
        project: String,
        /// Files to upload: Cargo.lock, package-lock.json, poetry.lock, uv.lock, requirements.txt, CycloneDX or SPDX JSON, Packages.
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
    /// Register a project (coordinators).
    New {
        #[arg(long)]
        name: String,
        /// Package URL the project publishes (repeatable).
        #[arg(long = "purl")]
        purls: Vec<String>,
        #[arg(long)]
        repository: Option<String>,
        /// Security contact: email or https URL.
        #[arg(long)]
        security_contact: Option<String>,
    },
    /// Who hears of the project's cases: list, add, remove, import a CSV or a security.txt.
    Contacts {
        #[command(subcommand)]
        command: crate::contacts::ContactsCommand,
    },
    /// Where the project's notifications go as signed JSON: list, add, remove.
    Webhooks {
        #[command(subcommand)]
        command: crate::contacts::WebhooksCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// List your API tokens: id, label, when created, when they expire (never the secret).
    List,
    /// Revoke one of your API tokens by its id (from `token list`); it stops working at once.
    Revoke { id: String },
}

/// A refusal from the server: its status, message and the fields it names.
#[derive(Debug)]
pub(crate) struct ApiFailure {
    pub status: u16,
    pub message: String,
    pub fields: Vec<(String, String)>,
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.message)?;
        for (field, message) in &self.fields {
            if !self.message.contains(message.as_str()) {
                write!(f, "; {field}: {message}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ApiFailure {}

pub(crate) struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    pub(crate) fn new(args: &ClientArgs) -> anyhow::Result<Client> {
        Client::connect(&args.server, args.token.as_deref())
    }

    fn connect(server: &str, token: Option<&str>) -> anyhow::Result<Client> {
        let token = token
            .context("no API token: pass --token or set LOCKSTEP_TOKEN")?
            .to_owned();
        Ok(Client {
            http: reqwest::Client::new(),
            base: server.trim_end_matches('/').to_owned(),
            token,
        })
    }

    pub(crate) async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let url = format!("{}/api/v1{path}", self.base);
        let mut req = self.http.request(method, &url).bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        self.send(req, &url).await
    }

    async fn upload(&self, path: &str, bytes: Vec<u8>) -> anyhow::Result<Value> {
        let url = format!("{}/api/v1{path}", self.base);
        let req = self
            .http
            .put(&url)
            .bearer_auth(&self.token)
            .header("content-type", "application/octet-stream")
            .body(bytes);
        self.send(req, &url).await
    }

    async fn send(&self, req: reqwest::RequestBuilder, url: &str) -> anyhow::Result<Value> {
        let resp = req.send().await.with_context(|| format!("calling {url}"))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .with_context(|| format!("reading the answer of {url}"))?;
        // 204 No Content (a revocation) has no body.
        let value: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).with_context(|| format!("reading the answer of {url}"))?
        };
        if !status.is_success() {
            let message = value
                .pointer("/error/message")
                .and_then(Value::as_str)
                .unwrap_or("request failed");
            return Err(ApiFailure {
                status: status.as_u16(),
                message: message.to_owned(),
                fields: value
                    .pointer("/error/fields")
                    .and_then(Value::as_object)
                    .map(|f| {
                        f.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                            .collect()
                    })
                    .unwrap_or_default(),
            }
            .into());
        }
        Ok(value)
    }
}

pub(crate) fn print(format: Format, value: &Value, columns: &[(&str, &str)]) -> anyhow::Result<()> {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(value)?),
        Format::Table => {
            let rows: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            let mut table = Table::new();
            table.set_header(columns.iter().map(|(h, _)| *h));
            for row in rows {
                table.add_row(columns.iter().map(|(_, ptr)| {
                    match row.pointer(ptr) {
                        Some(Value::String(s)) => s.clone(),
                        Some(Value::Null) | None => "-".into(),
                        Some(Value::Array(a)) => a
                            .iter()
                            .map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()))
                            .collect::<Vec<_>>()
                            .join(", "),
                        Some(v) => v.to_string(),
                    }
                }));
            }
            println!("{table}");
        }
    }
    Ok(())
}

const CASE_COLUMNS: &[(&str, &str)] = &[
    ("ID", "/id"),
    ("TITLE", "/title"),
    ("PHASE", "/phase"),
    ("EMBARGO", "/embargo/state"),
    ("PUBLIC AT (UTC)", "/embargo/public_at"),
    ("TLP", "/tlp"),
];

/// One GET over the API (`path` below `/api/v1`): the JSON answer, or the server's
/// error message with its status.
pub(crate) fn get(server: &str, token: Option<&str>, path: &str) -> anyhow::Result<Value> {
    let client = Client::connect(server, token)?;
    runtime()?.block_on(client.call(reqwest::Method::GET, path, None))
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

pub fn case(args: ClientArgs, cmd: CaseCommand) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args)?;
    runtime()?.block_on(async {
        match cmd {
            CaseCommand::List => print(
                args.format,
                &client.call(reqwest::Method::GET, "/cases", None).await?,
                CASE_COLUMNS,
            )?,
            CaseCommand::Show { id } => {
                let detail = client.call(reqwest::Method::GET, &format!("/cases/{id}"), None).await?;
                match args.format {
                    Format::Json => println!("{}", serde_json::to_string_pretty(&detail)?),
                    Format::Table => {
                        print(Format::Table, &detail["case"], CASE_COLUMNS)?;
                        if let Some(display) = detail["embargo_display"].as_str() {
                            println!("Public date: {display}");
                        }
                        print(
                            Format::Table,
                            &detail["participants"],
                            &[
                                ("PROJECT", "/project_name"),
                                ("ROLE", "/role"),
                                ("SHARES", "/shares_status"),
                            ],
                        )?;
                    }
                }
            }
            CaseCommand::Impact { id } => {
                let impact = client
                    .call(reqwest::Method::GET, &format!("/cases/{id}/impact"), None)
                    .await?;
                match args.format {
                    Format::Json => println!("{}", serde_json::to_string_pretty(&impact)?),
                    Format::Table => {
                        let mut table = Table::new();
                        table.set_header(["PROJECT", "READ IN", "DEPTH", "NEAREST PATH", "FIX"]);
                        for p in impact["projects"].as_array().into_iter().flatten() {
                            let first = &p["paths"][0];
                            let path = first["path"]
                                .as_array()
                                .map(|steps| steps.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" -> "));
                            table.add_row([
                                p["project_name"].as_str().unwrap_or("-").to_owned(),
                                if p["participant"] == true { "yes" } else { "no" }.to_owned(),
                                first["depth"]
                                    .as_u64()
                                    .map(|d| d.to_string())
                                    .unwrap_or_else(|| "-".into()),
                                path.unwrap_or_else(|| "publishes the affected package".into()),
                                first["verdict"]["action"].as_str().unwrap_or("-").replace('_', " "),
                            ]);
                        }
                        println!("{table}");
                        eprintln!(
                            "from {} manifests, {} package versions",
                            impact["manifests"], impact["packages"]
                        );
                    }
                }
            }
            CaseCommand::New { title, summary, tlp } => {
                let body = json!({"title": title, "summary": summary, "tlp": tlp});
                print(
                    args.format,
                    &client.call(reqwest::Method::POST, "/cases", Some(body)).await?,
                    CASE_COLUMNS,
                )?;
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn project(args: ClientArgs, cmd: ProjectCommand) -> anyhow::Result<ExitCode> {
    let cmd = match cmd {
        ProjectCommand::Contacts { command } => return crate::contacts::contacts(args, command),
        ProjectCommand::Webhooks { command } => return crate::contacts::webhooks(args, command),
        other => other,
    };
    let client = Client::new(&args)?;
    let columns: &[(&str, &str)] = &[
        ("ID", "/id"),
        ("NAME", "/name"),
        ("PURLS", "/purls"),
        ("SECURITY CONTACT", "/security_contact"),
    ];
    runtime()?.block_on(async {
        let value = match cmd {
            ProjectCommand::List => client.call(reqwest::Method::GET, "/projects", None).await?,
            ProjectCommand::Upload { project, files } => {
                let mut stored = Vec::new();
                for file in files {
                    let name = file
                        .file_name()
                        .and_then(|n| n.to_str())
                        .with_context(|| format!("{}: no file name", file.display()))?
                        .to_owned();
                    let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
                    let path = format!("/projects/{project}/manifests/{name}");
                    stored.push(client.upload(&path, bytes).await.with_context(|| format!("uploading {}", file.display()))?);
                }
                let columns: &[(&str, &str)] = &[("NAME", "/name"), ("FORMAT", "/format"), ("PACKAGES", "/package_count"), ("SHA-256", "/sha256")];
                print(args.format, &Value::Array(stored), columns)?;
                return Ok(ExitCode::SUCCESS);
            }
            ProjectCommand::New { name, purls, repository, security_contact } => {
                let body = json!({"name": name, "purls": purls, "repository": repository, "security_contact": security_contact});
                client.call(reqwest::Method::POST, "/projects", Some(body)).await?
            }
            ProjectCommand::Contacts { .. } | ProjectCommand::Webhooks { .. } => {
                unreachable!("handled before connecting")
            }
        };
        print(args.format, &value, columns)?;
        Ok(ExitCode::SUCCESS)
    })
}

pub fn token(args: ClientArgs, cmd: TokenCommand) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args)?;
    runtime()?.block_on(async {
        match cmd {
            TokenCommand::List => print(
                args.format,
                &client.call(reqwest::Method::GET, "/me/tokens", None).await?,
                &[
                    ("ID", "/id"),
                    ("LABEL", "/label"),
                    ("CREATED (UTC)", "/created_at"),
                    ("EXPIRES (UTC)", "/expires_at"),
                ],
            )?,
            TokenCommand::Revoke { id } => {
                client
                    .call(reqwest::Method::DELETE, &format!("/me/tokens/{id}"), None)
                    .await?;
                eprintln!("revoked token {id}");
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
