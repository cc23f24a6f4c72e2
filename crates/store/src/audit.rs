//! The tamper-evident audit log. Each event carries the hash of the one before it,
//! so editing or deleting any row breaks the chain at that row, and [`verify`] names
//! the first broken one. Someone with write access to the database could still
//! rewrite the whole chain consistently; signed [`checkpoint`]s, kept outside the
//! database, catch that ([`verify_extends`]).

use jiff::Timestamp;
use lockstep_core::{CaseId, UserId};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{Any, AnyConnection, Row};

use crate::{get, Backend, Result, Store, StoreError};

pub mod checkpoint;

pub use checkpoint::{AuditKey, Checkpoint, CheckpointError, KeyError, PublicKey, Untrusted, VerifiedCheckpoint};

/// What a write did, as the audit log records it.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// Dotted verb, for example `case.create`, `message.post`, `embargo.set`.
    pub action: &'static str,
    pub case_id: Option<CaseId>,
    /// The id of the thing written.
    pub subject: String,
    /// What changed, as JSON.
    pub detail: serde_json::Value,
}

impl AuditEntry {
    pub fn new(
        action: &'static str,
        case_id: Option<CaseId>,
        subject: impl ToString,
        detail: serde_json::Value,
    ) -> Self {
        AuditEntry {
            action,
            case_id,
            subject: subject.to_string(),
            detail,
        }
    }
}

/// One stored event.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEvent {
    pub seq: i64,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    #[schema(value_type = Option<String>)]
    pub actor_id: Option<UserId>,
    pub action: String,
    #[schema(value_type = Option<String>)]
    pub case_id: Option<CaseId>,
    pub subject: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

#[allow(clippy::too_many_arguments)]
fn chain_hash(
    seq: i64,
    at_ms: i64,
    actor: &str,
    action: &str,
    case_id: &str,
    subject: &str,
    detail: &str,
    prev_hash: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [
        &seq.to_string(),
        &at_ms.to_string(),
        actor,
        action,
        case_id,
        subject,
        detail,
        prev_hash,
    ] {
        // Length-prefix each field so that moving text between fields changes the hash.
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

pub(crate) async fn append(
    conn: &mut AnyConnection,
    seq: i64,
    prev_hash: &str,
    at: Timestamp,
    actor: Option<UserId>,
    entry: &AuditEntry,
) -> Result<String> {
    let actor = actor.map(|a| a.to_string()).unwrap_or_default();
    let case_id = entry.case_id.map(|c| c.to_string()).unwrap_or_default();
    let detail = entry.detail.to_string();
    let at_ms = at.as_millisecond();
    let hash = chain_hash(
        seq,
        at_ms,
        &actor,
        entry.action,
        &case_id,
        &entry.subject,
        &detail,
        prev_hash,
    );
    sqlx::query(
        "INSERT INTO audit_events (seq, at, actor_id, action, case_id, subject, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(seq)
    .bind(at_ms)
    .bind((!actor.is_empty()).then_some(actor))
    .bind(entry.action)
    .bind((!case_id.is_empty()).then_some(case_id))
    .bind(&entry.subject)
    .bind(&detail)
    .bind(prev_hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    Ok(hash)
}

/// The outcome of [`verify`] and [`verify_extends`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// How many events were checked.
    pub events: i64,
    /// The first event that breaks the chain and why, if any.
    pub first_bad: Option<BadEntry>,
    /// The newest event of the chain, when it is intact: what a checkpoint signs.
    pub head: Option<AuditHead>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadEntry {
    pub seq: i64,
    pub reason: String,
}

/// The newest event of the chain: its sequence number and hash. Before the first
/// event, `seq` is 0 and `hash` is [`GENESIS_HASH`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

/// The "previous hash" of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn event_from_row(row: &sqlx::any::AnyRow) -> Result<AuditEvent> {
    let opt_id = |col: &str| -> Result<Option<uuid::Uuid>> {
        get::<Option<String>>(row, col)?
            .map(|s| {
                s.parse()
                    .map_err(|_| StoreError::Corrupt(format!("audit {col} `{s}` is not an id")))
            })
            .transpose()
    };
    Ok(AuditEvent {
        seq: get(row, "seq")?,
        at: crate::rows::ts(get(row, "at")?)?,
        actor_id: opt_id("actor_id")?.map(UserId),
        action: get(row, "action")?,
        case_id: opt_id("case_id")?.map(CaseId),
        subject: get(row, "subject")?,
        detail: get(row, "detail")?,
        prev_hash: get(row, "prev_hash")?,
        hash: get(row, "hash")?,
    })
}

/// Walks the whole chain in order and reports the first event that was edited,
/// deleted or inserted out of order. Reads one snapshot, so writers may go on
/// appending while it runs.
pub async fn verify(store: &Store) -> Result<VerifyReport> {
    let mut tx = begin_snapshot(store).await?;
    let report = walk(&mut tx, None).await?;
    tx.rollback().await?;
    Ok(report)
}

/// Like [`verify`], and also proves that the log still extends a signed checkpoint:
/// the event the checkpoint names still has the hash it signed. Someone who rewrote
/// the whole chain consistently (every hash recomputed) passes [`verify`] but not
/// this, because they cannot sign a new checkpoint without the key.
///
/// Takes a [`VerifiedCheckpoint`], so an unchecked signature cannot get this far.
pub async fn verify_extends(store: &Store, checkpoint: &VerifiedCheckpoint) -> Result<VerifyReport> {
    let mut tx = begin_snapshot(store).await?;
    let report = walk(&mut tx, Some(checkpoint)).await?;
    tx.rollback().await?;
    Ok(report)
}

/// A read-only transaction that sees one snapshot of the log.
///
/// Verifying reads the events page by page and then the head; without one snapshot,
/// a writer that commits in between makes an intact log look truncated (the head
/// moved on past the last event read). Every write bumps the head and inserts its
/// event in one transaction, so any single snapshot holds a matching head and chain.
/// We take a snapshot rather than reading up to a head fixed at the start because a
/// snapshot also keeps the checkpoint comparison and the walk on the same data, and
/// costs writers nothing:
/// - PostgreSQL: `REPEATABLE READ` fixes the snapshot at the first query and keeps it
///   for the transaction; `READ ONLY` because verifying never writes. MVCC means no
///   writer waits for it.
/// - SQLite: a plain (deferred) `BEGIN` takes no lock; under WAL (which
///   `Store::connect` turns on) its first read fixes the snapshot every later read
///   sees, while writers keep appending to the WAL past it.
async fn begin_snapshot(store: &Store) -> Result<sqlx::Transaction<'static, Any>> {
    let begin = match store.backend() {
        Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
        Backend::Sqlite => "BEGIN",
    };
    Ok(store.pool().begin_with(begin).await?)
}

async fn walk(conn: &mut AnyConnection, checkpoint: Option<&VerifiedCheckpoint>) -> Result<VerifyReport> {
    const PAGE: i64 = 1000;
    // The head first: on SQLite this first read is what fixes the snapshot.
    let head = sqlx::query::<Any>("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    let head_seq: i64 = head.try_get("seq")?;
    let head_hash: String = head.try_get("hash")?;
    let broken = |events: i64, seq: i64, reason: String| VerifyReport {
        events,
        first_bad: Some(BadEntry { seq, reason }),
        head: None,
    };
    if let Some(cp) = checkpoint {
        if cp.seq() == 0 && cp.hash() != GENESIS_HASH {
            return Ok(broken(
                0,
                0,
                "the checkpoint names the start of the log with a hash other than the start's".into(),
            ));
        }
    }
    let mut expected_seq = 1i64;
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut events = 0i64;
    loop {
        let rows = sqlx::query::<Any>(
            "SELECT seq, at, actor_id, action, case_id, subject, detail, prev_hash, hash \
             FROM audit_events WHERE seq >= $1 ORDER BY seq LIMIT $2",
        )
        .bind(expected_seq)
        .bind(PAGE)
        .fetch_all(&mut *conn)
        .await?;
        let page_len = rows.len() as i64;
        for row in rows {
            let seq: i64 = get(&row, "seq")?;
            if seq != expected_seq {
                let reason = format!("event {expected_seq} is missing (deleted?): the next stored event is {seq}");
                return Ok(broken(events, expected_seq, reason));
            }
            let at: i64 = get(&row, "at")?;
            let actor = get::<Option<String>>(&row, "actor_id")?.unwrap_or_default();
            let action: String = get(&row, "action")?;
            let case_id = get::<Option<String>>(&row, "case_id")?.unwrap_or_default();
            let subject: String = get(&row, "subject")?;
            let detail: String = get(&row, "detail")?;
            let stored_prev: String = get(&row, "prev_hash")?;
            let stored_hash: String = get(&row, "hash")?;
            if stored_prev != prev_hash {
                let reason = "its link to the previous event does not match (an earlier event was changed or removed)";
                return Ok(broken(events, seq, reason.into()));
            }
            let hash = chain_hash(seq, at, &actor, &action, &case_id, &subject, &detail, &prev_hash);
            if hash != stored_hash {
                let reason = "its contents do not match its hash (the row was edited)";
                return Ok(broken(events, seq, reason.into()));
            }
            if let Some(cp) = checkpoint.filter(|cp| cp.seq() == seq) {
                if stored_hash != cp.hash() {
                    let reason = format!(
                        "its hash is not the one the checkpoint of {} signed: the log up to this event was \
                         rewritten (every hash recomputed) since then",
                        cp.at()
                    );
                    return Ok(broken(events, seq, reason));
                }
            }
            prev_hash = stored_hash;
            expected_seq += 1;
            events += 1;
        }
        if page_len < PAGE {
            break;
        }
    }
    if head_seq != events || head_hash != prev_hash {
        let reason =
            format!("the log ends at event {events} but {head_seq} were written (the last events were deleted)");
        return Ok(broken(events, events + 1, reason));
    }
    if let Some(cp) = checkpoint.filter(|cp| cp.seq() > events) {
        let reason = format!(
            "the log ends at event {events} but the checkpoint of {} signed event {} (the events after {events} \
             were deleted and the head moved back)",
            cp.at(),
            cp.seq()
        );
        return Ok(broken(events, events + 1, reason));
    }
    Ok(VerifyReport {
        events,
        first_bad: None,
        head: Some(AuditHead {
            seq: events,
            hash: prev_hash,
        }),
    })
}

/// The audit events of one case, oldest first.
pub async fn case_events(store: &Store, case_id: CaseId) -> Result<Vec<AuditEvent>> {
    let rows = sqlx::query::<Any>(
        "SELECT seq, at, actor_id, action, case_id, subject, detail, prev_hash, hash \
         FROM audit_events WHERE case_id = $1 ORDER BY seq",
    )
    .bind(case_id.to_string())
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(event_from_row).collect()
}

/// The audit events of one action (for example `session.login_failed`), oldest first.
pub async fn events_with_action(store: &Store, action: &str) -> Result<Vec<AuditEvent>> {
    let rows = sqlx::query::<Any>(
        "SELECT seq, at, actor_id, action, case_id, subject, detail, prev_hash, hash \
         FROM audit_events WHERE action = $1 ORDER BY seq",
    )
    .bind(action)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(event_from_row).collect()
}
