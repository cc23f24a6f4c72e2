//! Commands that open the database themselves: `serve`, `demo`, `admin` (and the
//! database and runtime plumbing `audit` shares).

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use lockstep_core::{Clock, GlobalRole};
use lockstep_server::{admin, demo, App, Config};
use lockstep_store::{redact_url, Store};

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

    pub(crate) async fn open(&self, default_file: &str) -> anyhow::Result<Store> {
        let url = self.url(default_file);
        Store::connect(&url)
            .await
            .with_context(|| format!("opening database {}", redact_url(&url)))
    }
}

/// Where to listen, how the cookies go out, and how much each project may upload.
#[derive(Args, Debug)]
pub struct ListenArgs {
    /// Address to listen on. Beyond loopback (127.0.0.0/8, ::1, localhost) without --secure-cookies,
    /// a warning is printed: session cookies would cross the network in clear text.
    #[arg(long, env = "LOCKSTEP_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Mark cookies Secure (set when Lockstep is served over HTTPS, directly or behind a proxy).
    #[arg(long, env = "LOCKSTEP_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// How many manifests (lockfiles, SBOMs, indexes) one project may keep; an upload
    /// beyond it is refused with 413 (replacing one by name is always allowed).
    #[arg(long, env = "LOCKSTEP_MANIFEST_QUOTA_COUNT", default_value_t = 100, value_parser = clap::value_parser!(i64).range(1..))]
    pub manifest_quota_count: i64,
    /// How many bytes of manifests one project may keep in all; beyond it, 413.
    #[arg(long, env = "LOCKSTEP_MANIFEST_QUOTA_BYTES", default_value_t = 256 * 1024 * 1024, value_parser = clap::value_parser!(i64).range(1..))]
    pub manifest_quota_bytes: i64,
    /// Seconds between scheduler runs (embargoes ending at their public date, reminders,
    /// status updates, nudges); 0 turns the scheduler off in this process. With
    /// PostgreSQL only one process at a time runs it.
    #[arg(long, env = "LOCKSTEP_SCHEDULE_EVERY", default_value_t = 60)]
    pub schedule_every: u64,
    /// Days a participant may leave a case unopened before it is nudged.
    #[arg(long, env = "LOCKSTEP_NUDGE_AFTER_DAYS", default_value_t = 3, value_parser = clap::value_parser!(i64).range(1..=365))]
    pub nudge_after_days: i64,
    /// The URL finders reach this server at, for security.txt's Canonical and the
    /// tracking links (for example https://lockstep.example.org); default: each request's Host.
    #[arg(long, env = "LOCKSTEP_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The largest attachment a finder may send with a report, in bytes; beyond it, 413.
    #[arg(long, env = "LOCKSTEP_MAX_ATTACHMENT_BYTES", default_value_t = 10 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1..=32 * 1024 * 1024))]
    pub max_attachment_bytes: u64,
    /// How many reports and finder messages one address may send per hour; beyond it, 429.
    #[arg(long, env = "LOCKSTEP_MAX_SUBMISSIONS_PER_HOUR", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_submissions_per_hour: u64,
}

/// How notifications leave: the mail relay, the sender, the links to cases.
#[derive(Args, Debug)]
pub struct DeliveryArgs {
    /// Mail relay for email notifications: smtp://[USER:PASSWORD@]HOST[:PORT] (STARTTLS
    /// when the relay offers it) or smtps://... (TLS from the start). Without it, email
    /// notifications wait in the outbox; webhooks are delivered regardless.
    #[arg(long = "smtp", env = "LOCKSTEP_SMTP_URL", value_name = "URL", hide_env_values = true)]
    pub smtp: Option<String>,
    /// The sender of email notifications.
    #[arg(long, env = "LOCKSTEP_SMTP_FROM", default_value = "lockstep@localhost")]
    pub smtp_from: String,
    /// How many SMTP connections to keep open and reuse.
    #[arg(long, env = "LOCKSTEP_SMTP_CONNECTIONS", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub smtp_connections: u32,
    /// Where people reach Lockstep, for the links to cases in notifications
    /// (default: http:// and the listening address).
    #[arg(long, env = "LOCKSTEP_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,
    /// How long a worker holds the deliveries it claimed; a worker that dies leaves them
    /// to another (with the same Message-ID) after this many seconds.
    #[arg(long, env = "LOCKSTEP_DELIVERY_LEASE", value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub delivery_lease: u64,
}

impl DeliveryArgs {
    fn config(&self, bound: std::net::SocketAddr) -> anyhow::Result<lockstep_server::delivery::DeliveryConfig> {
        let smtp = self
            .smtp
            .as_deref()
            .map(|url| lockstep_server::delivery::SmtpSettings::parse(url, &self.smtp_from))
            .transpose()?;
        Ok(lockstep_server::delivery::DeliveryConfig {
            smtp,
            smtp_connections: self.smtp_connections,
            lease: std::time::Duration::from_secs(self.delivery_lease),
            base_url: self.base_url.clone().unwrap_or_else(|| format!("http://{bound}")),
            ..Default::default()
        })
    }
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    #[command(flatten)]
    pub listen: ListenArgs,
    #[command(flatten)]
    pub delivery: DeliveryArgs,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    #[command(flatten)]
    pub listen: ListenArgs,
    #[command(flatten)]
    pub delivery: DeliveryArgs,
    /// Seed the database (or give the demo accounts a new password), print the login and exit instead of serving.
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

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LOCKSTEP_LOG").unwrap_or_else(|_| "info".into());
    // Colour only for a person at a terminal, and never with NO_COLOR set.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .try_init();
}

/// Binds the address and warns (stderr) when it reaches beyond this machine while
/// cookies are not marked Secure. Decided on the bound address, so that a host name
/// counts as what it resolved to.
async fn listen(args: &ListenArgs) -> anyhow::Result<tokio::net::TcpListener> {
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let bound = listener.local_addr()?;
    if !args.secure_cookies && !lockstep_server::is_loopback(&bound.to_string()) {
        eprintln!(
            "warning: listening on {bound}, which is reachable beyond this machine, without --secure-cookies: \
             session cookies and passwords cross the network in clear text unless Lockstep is served over \
             HTTPS (then pass --secure-cookies); to keep it local, --listen 127.0.0.1:PORT"
        );
    }
    Ok(listener)
}

fn config(args: &ListenArgs, delivery: lockstep_server::delivery::DeliveryConfig) -> Config {
    Config {
        delivery,
        secure_cookies: args.secure_cookies,
        manifest_quota: lockstep_store::ManifestQuota {
            max_count: args.manifest_quota_count,
            max_bytes: args.manifest_quota_bytes,
        },
        schedule_every: (args.schedule_every > 0).then(|| std::time::Duration::from_secs(args.schedule_every)),
        nudge_after_days: args.nudge_after_days,
        public_url: args.public_url.clone(),
        intake: lockstep_server::intake::IntakeLimits {
            max_attachment_bytes: usize::try_from(args.max_attachment_bytes).unwrap_or(usize::MAX),
            max_submissions: usize::try_from(args.max_submissions_per_hour).unwrap_or(usize::MAX),
            ..Default::default()
        },
        ..Config::default()
    }
}

pub fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    init_logging();
    runtime()?.block_on(async {
        // A bad --smtp or --base-url is reported before the database is opened.
        args.delivery.config(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let store = args.db.open("lockstep.sqlite").await?;
        let listener = listen(&args.listen).await?;
        let bound = listener.local_addr()?;
        let delivery = args.delivery.config(bound)?;
        tracing::info!("Lockstep listening on http://{bound}");
        lockstep_server::serve(
            App::new(store, Clock::system(), config(&args.listen, delivery)),
            listener,
        )
        .await?;
        Ok(ExitCode::SUCCESS)
    })
}

pub fn demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    init_logging();
    runtime()?.block_on(async {
        let store = args.db.open("demo.sqlite").await?;
        let clock = Clock::system();
        let database = redact_url(&args.db.url("demo.sqlite"));
        let login = demo::start(&store, clock.now()).await?;
        if login.seeded {
            eprintln!("Seeded the demo case into {database}");
        } else {
            eprintln!("Re-using the demo in {database}; its accounts have a new password");
        }
        let print_login = || {
            println!("Log in as {} with password {}", demo::DEMO_COORDINATOR, login.password);
            println!("(participants: maria@zlib.example, ravi@flate2.example, dana@debian.example; same password)");
        };
        if args.seed_only {
            print_login();
            return Ok(ExitCode::SUCCESS);
        }
        let listener = listen(&args.listen).await?;
        let bound = listener.local_addr()?;
        let delivery = args.delivery.config(bound)?;
        println!("Lockstep demo: http://{bound}/");
        println!("Finders: the policy at http://{bound}/security, security.txt at http://{bound}/.well-known/security.txt, the form at http://{bound}/report");
        print_login();
        println!("Ctrl-C stops.");
        lockstep_server::serve(App::new(store, clock, config(&args.listen, delivery)), listener).await?;
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
