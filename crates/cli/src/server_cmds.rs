//! Commands that open the database themselves: `serve`, `demo`, `admin`, `audit`.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use lockstep_core::{Clock, GlobalRole};
use lockstep_server::{admin, demo, App, Config};
use lockstep_store::{audit, redact_url, Store};

/// Where the database is.
#[derive(Args, Debug, Clone)]
pub struct DatabaseArgs {
    /// Database URL: sqlite://PATH (the default, one file) or postgres://USER@HOST/DB.
    /// Default: a SQLite file in the data directory ($LOCKSTEP_DATA_DIR, else
    /// $XDG_DATA_HOME/lockstep, else ~/.local/share/lockstep).
    #[arg(long = "database", env = "LOCKSTEP_DATABASE_URL", value_name = "URL")]
    pub url: Option<String>,
}

fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("LOCKSTEP_DATA_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(dir).join("lockstep");
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".local/share/lockstep"),
        None => PathBuf::from(".lockstep"),
    }
}

impl DatabaseArgs {
    fn url(&self, default_file: &str) -> String {
        self.url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", data_dir().join(default_file).display()))
    }

    async fn open(&self, default_file: &str) -> anyhow::Result<Store> {
        let url = self.url(default_file);
        Store::connect(&url)
            .await
            .with_context(|| format!("opening database {}", redact_url(&url)))
    }
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Address to listen on.
    #[arg(long, env = "LOCKSTEP_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Mark cookies Secure (set when Lockstep is served over HTTPS, directly or behind a proxy).
    #[arg(long, env = "LOCKSTEP_SECURE_COOKIES")]
    pub secure_cookies: bool,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// Address to listen on.
    #[arg(long, env = "LOCKSTEP_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Seed the database and exit instead of serving.
    #[arg(long)]
    pub seed_only: bool,
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create a user; the password is read from stdin (one line; empty for a token-only account).
    CreateUser {
        #[command(flatten)]
        db: DatabaseArgs,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, coordinator or member.
        #[arg(long)]
        role: GlobalRole,
    },
    /// Create an API token for a user; prints the token alone on stdout (shown once).
    /// Its owner lists and revokes their tokens with `lockstep token list|revoke`.
    CreateToken {
        #[command(flatten)]
        db: DatabaseArgs,
        #[arg(long)]
        email: String,
        /// A label to recognise the token by.
        #[arg(long)]
        name: String,
        /// The token stops working this many days from now (1 to 3650); without it, it
        /// works until revoked.
        #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u16).range(1..=3650))]
        expires_in: Option<u16>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the audit log's hash chain; exit 0 if intact, 1 naming the first bad entry.
    Verify {
        #[command(flatten)]
        db: DatabaseArgs,
        /// Output format.
        #[arg(long, default_value = "table")]
        format: crate::client::Format,
    },
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LOCKSTEP_LOG").unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn listen(addr: &str) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))
}

pub fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    init_logging();
    runtime()?.block_on(async {
        let store = args.db.open("lockstep.sqlite").await?;
        let listener = listen(&args.listen).await?;
        let config = Config {
            secure_cookies: args.secure_cookies,
            ..Config::default()
        };
        tracing::info!("Lockstep listening on http://{}", listener.local_addr()?);
        lockstep_server::serve(App::new(store, Clock::system(), config), listener).await?;
        Ok(ExitCode::SUCCESS)
    })
}

pub fn demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    init_logging();
    runtime()?.block_on(async {
        let store = args.db.open("demo.sqlite").await?;
        let clock = Clock::system();
        if demo::seed(&store, clock.now()).await? {
            eprintln!("Seeded the demo case into {}", redact_url(&args.db.url("demo.sqlite")));
        }
        if args.seed_only {
            return Ok(ExitCode::SUCCESS);
        }
        let listener = listen(&args.listen).await?;
        println!("Lockstep demo: http://{}/", listener.local_addr()?);
        println!("Log in as {} with password {}", demo::DEMO_COORDINATOR, demo::DEMO_PASSWORD);
        println!("(participants: maria@zlib.example, ravi@flate2.example, dana@debian.example; same password). Ctrl-C stops.");
        lockstep_server::serve(App::new(store, clock, Config::default()), listener).await?;
        Ok(ExitCode::SUCCESS)
    })
}

pub fn admin(cmd: AdminCommand) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        match cmd {
            AdminCommand::CreateUser { db, email, name, role } => {
                let mut password = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut password)
                    .context("reading the password from stdin")?;
                let store = db.open("lockstep.sqlite").await?;
                let user = admin::create_user(
                    &store,
                    Clock::system().now(),
                    &email,
                    &name,
                    role,
                    password.trim_end_matches(['\r', '\n']),
                )
                .await?;
                eprintln!("created {} ({}) as {}", user.email, user.id, user.role);
            }
            AdminCommand::CreateToken {
                db,
                email,
                name,
                expires_in,
            } => {
                let store = db.open("lockstep.sqlite").await?;
                let now = Clock::system().now();
                let expires_at = expires_in
                    .map(|days| now.checked_add(jiff::SignedDuration::from_hours(24 * i64::from(days))))
                    .transpose()
                    .context("--expires-in")?;
                println!(
                    "{}",
                    admin::create_token_expiring(&store, now, &email, &name, expires_at).await?
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn audit(cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let AuditCommand::Verify { db, format } = cmd;
        let store = db.open("lockstep.sqlite").await?;
        let report = audit::verify(&store).await?;
        match format {
            crate::client::Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
            crate::client::Format::Table => match &report.first_bad {
                None => println!("audit log intact: {} events verified", report.events),
                Some(bad) => println!(
                    "audit log BROKEN at event {}: {} ({} events before it verified)",
                    bad.seq, bad.reason, report.events
                ),
            },
        }
        Ok(if report.first_bad.is_none() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    })
}
