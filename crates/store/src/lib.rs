//! Lockstep's persistence: one [`Store`] over SQLite (the embedded default) or
//! PostgreSQL (for scale), chosen by the URL scheme. Every write goes through a
//! [`WriteTx`], which cannot be committed without appending an audit event in the
//! same transaction.

mod accounts;
mod advisories;
pub mod audit;
mod case_items;
mod cases;
mod contacts;
mod escalation;
mod logins;
mod manifests;
mod model;
mod outbox;
mod projects;
mod reports;
mod rows;
mod schedule;

use std::borrow::Cow;

use jiff::Timestamp;
use lockstep_core::UserId;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{Any, AnyConnection, AnyPool, Executor, Row};

pub use accounts::{ApiToken, NewUser, SessionInfo};
pub use advisories::{
    AdvisoryCredit, AdvisoryRecord, AdvisoryRevision, NewAdvisoryRevision, PublishedEdition, SeverityAdoption,
    SeverityProposal,
};
pub use audit::{AuditEntry, AuditEvent, VerifyReport};
pub use contacts::{Contact, ContactSource, NewContact, NewWebhook, Webhook};
pub use escalation::{NewTrigger, SsvcJudgement, TriggerRecord};
pub use logins::{LoginAttempt, RecentLoginFailures};
pub use manifests::{Manifest, ManifestQuota, NewManifest};
pub use model::*;
pub use outbox::{Addressees, Announcement, ClaimedDelivery, Delivery, Notification};
pub use reports::{
    Attachment, AttachmentInfo, CaseAttachment, DisclosurePolicy, NewAttachment, NewReport, Report, ReportMessage,
    ReportMove,
};
pub use schedule::{ScheduleReport, SchedulerLock, StatusCadence};

/// What went wrong in the store, in terms the API can answer with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing does not exist (or, for a case, is not visible: the server decides).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Input that breaks a rule, naming the field.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// A state machine said no.
    #[error("{0}")]
    Transition(#[from] lockstep_core::InvalidTransition),
    /// A project's manifests would exceed its quota (count or total bytes).
    #[error("{0}")]
    QuotaExceeded(String),
    /// A unique value already taken.
    #[error("{field}: {message}")]
    Duplicate { field: String, message: String },
    /// The database holds something Lockstep did not write (a hand edit, a newer schema).
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Self {
        StoreError::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a store speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database handle; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer at a time. Queueing writers here, in the process,
    /// keeps them in order; left to SQLite they would poll its lock with growing
    /// sleeps (busy_timeout), which turns a short queue into long tail latencies.
    /// PostgreSQL queues writers on the audit head's row lock instead.
    sqlite_writer: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// A database URL with any password replaced, for logs and error messages.
pub fn redact_url(url: &str) -> String {
    // scheme://user:password@host/...: keep the user, hide the password.
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((auth, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

fn migrator() -> Migrator {
    let migration = |version, name, sql| {
        Migration::new(
            version,
            Cow::Borrowed(name),
            MigrationType::Simple,
            Cow::Borrowed(sql),
            false,
        )
    };
    let migrations = vec![
        migration(1, "init", include_str!("../migrations/0001_init.sql")),
        migration(2, "manifests", include_str!("../migrations/0002_manifests.sql")),
        migration(3, "advisories", include_str!("../migrations/0003_advisories.sql")),
        migration(4, "escalation", include_str!("../migrations/0004_escalation.sql")),
        migration(5, "auth", include_str!("../migrations/0005_auth.sql")),
        migration(6, "need_to_know", include_str!("../migrations/0006_need_to_know.sql")),
        migration(7, "intake", include_str!("../migrations/0007_intake.sql")),
        migration(8, "notifications", include_str!("../migrations/0008_notifications.sql")),
        migration(9, "outbox", include_str!("../migrations/0009_outbox.sql")),
        migration(10, "schedule", include_str!("../migrations/0010_schedule.sql")),
    ];
    Migrator {
        migrations: Cow::Owned(migrations),
        ignore_missing: false,
        locking: true,
        no_tx: false,
    }
}

impl Store {
    /// Opens the database at `url` (`sqlite://PATH` or `postgres://...`), creating a
    /// SQLite file if missing, switching it to WAL, and running the migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::invalid(
                "database",
                format!("`{}` is neither sqlite://PATH nor postgres://...", redact_url(url)),
            ));
        };
        let url = match backend {
            Backend::Sqlite => sqlite_url(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let max = if backend == Backend::Sqlite { 8 } else { 16 };
        let pool = AnyPoolOptions::new().max_connections(max).connect(&url).await?;
        if backend == Backend::Sqlite {
            pool.execute("PRAGMA journal_mode = WAL").await?;
        }
        migrator().run(&pool).await?;
        let sqlite_writer = (backend == Backend::Sqlite).then(|| std::sync::Arc::new(tokio::sync::Mutex::new(())));
        Ok(Store {
            pool,
            backend,
            sqlite_writer,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a write: opens a transaction and reserves the next audit sequence
    /// number, which takes the write lock at once (SQLite) or the head row's lock
    /// (PostgreSQL), so concurrent writers queue instead of failing half-way.
    pub async fn write(&self, actor: Option<UserId>, now: Timestamp) -> Result<WriteTx> {
        let writer = match &self.sqlite_writer {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        let mut tx = self.pool.begin().await?;
        let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *tx)
            .await?;
        let seq: i64 = head.try_get("seq")?;
        let prev_hash: String = head.try_get("hash")?;
        Ok(WriteTx {
            tx,
            seq,
            prev_hash,
            now,
            actor,
            _writer: writer,
        })
    }

    /// SQLite's one writer, for writes outside the audit chain (outbox bookkeeping):
    /// they queue with the audited writers instead of polling SQLite's lock.
    pub(crate) async fn sqlite_writer_lock(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match &self.sqlite_writer {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        }
    }

    /// Closes the pool (waits for connections to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn sqlite_url(url: &str) -> Result<String> {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() {
        return Err(StoreError::invalid(
            "database",
            "sqlite URL names no file (sqlite://PATH)",
        ));
    }
    if path != ":memory:" {
        if let Some(dir) = std::path::Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::invalid("database", format!("cannot create directory {}: {e}", dir.display()))
            })?;
        }
    }
    Ok(if url.contains('?') {
        url.to_owned()
    } else {
        format!("{url}?mode=rwc")
    })
}

/// An open write transaction. The only way to commit it is [`WriteTx::commit`],
/// which appends the audit event describing the write: a write without an audit
/// event cannot be made.
pub struct WriteTx {
    tx: sqlx::Transaction<'static, Any>,
    seq: i64,
    prev_hash: String,
    now: Timestamp,
    actor: Option<UserId>,
    /// Held until commit or drop (SQLite only): see `Store::sqlite_writer`.
    _writer: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// The instant of this write, as the app's clock gave it.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// Who is writing (None for the system itself, e.g. `admin` commands).
    pub fn actor(&self) -> Option<UserId> {
        self.actor
    }

    /// Appends the audit event and commits everything written in this transaction.
    pub async fn commit(self, entry: AuditEntry) -> Result<()> {
        self.commit_all(entry, Vec::new()).await
    }

    /// Appends `entry` and then each of `more` (consecutive sequence numbers, one
    /// chain) and commits: for a write that several cases must see in their own
    /// audit trails, such as a membership change of a project read into several cases.
    pub async fn commit_all(mut self, entry: AuditEntry, more: Vec<AuditEntry>) -> Result<()> {
        let mut prev = audit::append(&mut self.tx, self.seq, &self.prev_hash, self.now, self.actor, &entry).await?;
        for entry in &more {
            let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq")
                .fetch_one(&mut *self.tx)
                .await?;
            let seq: i64 = head.try_get("seq")?;
            prev = audit::append(&mut self.tx, seq, &prev, self.now, self.actor, entry).await?;
        }
        self.tx.commit().await?;
        Ok(())
    }
}

pub(crate) fn get<T>(row: &AnyRow, col: &str) -> Result<T>
where
    T: for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    row.try_get(col).map_err(StoreError::from)
}
