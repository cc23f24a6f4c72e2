//! The tamper-evident audit log. Each event carries the hash of the one before it,
//! so editing or deleting any row breaks the chain at that row, and [`verify`] names
//! the first broken one.

use jiff::Timestamp;
use lockstep_core::{CaseId, UserId};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{Any, AnyConnection, Row};

use crate::{get, Result, Store, StoreError};

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
) -> Result<()> {
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
    Ok(())
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// How many events were checked.
    pub events: i64,
    /// The first event that breaks the chain and why, if any.
    pub first_bad: Option<BadEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadEntry {
    pub seq: i64,
    pub reason: String,
}

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
/// deleted or inserted out of order.
pub async fn verify(store: &Store) -> Result<VerifyReport> {
    const PAGE: i64 = 1000;
    let mut expected_seq = 1i64;
    let mut prev_hash = "0".repeat(64);
    let mut events = 0i64;
    loop {
        let rows = sqlx::query::<Any>(
            "SELECT seq, at, actor_id, action, case_id, subject, detail, prev_hash, hash \
             FROM audit_events WHERE seq >= $1 ORDER BY seq LIMIT $2",
        )
        .bind(expected_seq)
        .bind(PAGE)
        .fetch_all(store.pool())
        .await?;
        let page_len = rows.len() as i64;
        for row in rows {
            let seq: i64 = get(&row, "seq")?;
            let bad = |reason: String| {
                Ok(VerifyReport {
                    events,
                    first_bad: Some(BadEntry { seq, reason }),
                })
            };
            if seq != expected_seq {
                let reason = format!("event {expected_seq} is missing (deleted?): the next stored event is {seq}");
                return Ok(VerifyReport {
                    events,
                    first_bad: Some(BadEntry {
                        seq: expected_seq,
                        reason,
                    }),
                });
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
                return bad(
                    "its link to the previous event does not match (an earlier event was changed or removed)".into(),
                );
            }
            let hash = chain_hash(seq, at, &actor, &action, &case_id, &subject, &detail, &prev_hash);
            if hash != stored_hash {
                return bad("its contents do not match its hash (the row was edited)".into());
            }
            prev_hash = stored_hash;
            expected_seq += 1;
            events += 1;
        }
        if page_len < PAGE {
            break;
        }
    }
    let head = sqlx::query::<Any>("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(store.pool())
        .await?;
    let head_seq: i64 = head.try_get("seq")?;
    let head_hash: String = head.try_get("hash")?;
    if head_seq != events || head_hash != prev_hash {
        return Ok(VerifyReport {
            events,
            first_bad: Some(BadEntry {
                seq: events + 1,
                reason: format!(
                    "the log ends at event {events} but {head_seq} were written (the last events were deleted)"
                ),
            }),
        });
    }
    Ok(VerifyReport {
        events,
        first_bad: None,
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
