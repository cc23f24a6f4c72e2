//! The durable outbox. An event that people must hear of writes a notification and
//! its deliveries in its own transaction (`WriteTx::notify`), so an event is never
//! committed without them nor they without it. Who gets a delivery and how much of the
//! content it carries is decided then, by `lockstep_core::notify::delivery`.
//!
//! Delivery bookkeeping (claims, attempts, outcomes) is operational state, not a
//! domain write: it is not appended to the audit chain (a fan-out to 10,000
//! recipients would otherwise write 10,000 audit events and queue every writer behind
//! them). The notification's creation is audited with its event.

use std::time::Duration;

use jiff::Timestamp;
use lockstep_core::notify::{self, Channel, Content, DeliveryState, NotificationKind};
use lockstep_core::publication;
use lockstep_core::{CaseId, ContactRole, EmbargoState, Phase, ProjectId, Tlp};
use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::rows::{instant, instant_opt, parsed};
use crate::{get, Result, Store, StoreError, WriteTx};

/// Who within a case a notification is addressed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addressees {
    /// One participating project (a message to it; its being read in).
    Project(ProjectId),
    /// Every participating project.
    Participants,
}

/// An event announced to the people who must hear of it.
#[derive(Debug, Clone)]
pub struct Announcement {
    pub case: CaseId,
    pub kind: NotificationKind,
    pub to: Addressees,
    /// The facts the message is rendered from.
    pub payload: Value,
    /// A label stricter than the case's (a message's own); the stricter one applies.
    pub tlp: Option<Tlp>,
}

impl Announcement {
    pub fn new(case: CaseId, kind: NotificationKind, to: Addressees, payload: Value) -> Self {
        Announcement {
            case,
            kind,
            to,
            payload,
            tlp: None,
        }
    }
}

/// One delivery of a notification, as coordinators see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delivery {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    /// `email` or `webhook`.
    pub channel: String,
    /// The email address or webhook URL.
    pub address: String,
    pub name: String,
    pub content: Content,
    pub state: DeliveryState,
    pub attempts: i64,
    pub last_error: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sent_at: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    pub next_attempt_at: Timestamp,
}

/// A notification of a case with its deliveries.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notification {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub case_id: Option<CaseId>,
    pub kind: NotificationKind,
    pub tlp: Tlp,
    /// Whether the case was not yet public when it was written.
    pub embargoed: bool,
    #[schema(value_type = Object)]
    pub payload: Value,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    pub deliveries: Vec<Delivery>,
}

/// A delivery a worker claimed: everything it needs to send it.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    /// The idempotency key: the email's Message-ID, the webhook's id.
    pub id: Uuid,
    pub notification_id: Uuid,
    pub case_id: Option<CaseId>,
    pub kind: NotificationKind,
    pub tlp: Tlp,
    pub payload: Value,
    pub created_at: Timestamp,
    /// `email` or `webhook`.
    pub channel: String,
    pub address: String,
    pub name: String,
    pub content: Content,
    pub pgp_key: Option<String>,
    pub language: Option<String>,
    pub attempts: i64,
    /// The webhook's signing secret (webhooks only; `None` if it was removed since).
    pub webhook_secret: Option<String>,
}

struct Recipient {
    channel: Channel,
    channel_name: &'static str,
    contact_id: Option<String>,
    webhook_id: Option<String>,
    address: String,
    name: String,
    pgp_key: Option<String>,
    language: Option<String>,
}

impl WriteTx {
    /// Writes a notification and one delivery per recipient who may hear of it, in
    /// this write's transaction. The case's TLP label and whether it is public are
    /// read here, after the write's own changes.
    pub(crate) async fn notify(&mut self, a: Announcement) -> Result<()> {
        let now = self.now();
        let seq = self.seq;
        let conn = self.conn();
        let case = sqlx::query("SELECT tlp, phase, embargo_state FROM cases WHERE id = $1")
            .bind(a.case.to_string())
            .fetch_one(&mut *conn)
            .await?;
        let tlp: Tlp = parsed(&case, "tlp")?;
        let tlp = a.tlp.map_or(tlp, |t| t.max(tlp));
        let phase: Phase = parsed(&case, "phase")?;
        let embargo: EmbargoState = parsed(&case, "embargo_state")?;
        let embargoed = !publication::case_may_be_public(phase, embargo);
        let projects: Vec<String> = match a.to {
            Addressees::Project(p) => vec![p.to_string()],
            Addressees::Participants => {
                sqlx::query("SELECT project_id FROM participants WHERE case_id = $1 ORDER BY project_id")
                    .bind(a.case.to_string())
                    .fetch_all(&mut *conn)
                    .await?
                    .iter()
                    .map(|r| get(r, "project_id"))
                    .collect::<Result<_>>()?
            }
        };
        let mut recipients = Vec::new();
        for project in &projects {
            for r in sqlx::query(
                "SELECT id, email, name, role, pgp_key, language FROM contacts WHERE project_id = $1 ORDER BY email",
            )
            .bind(project)
            .fetch_all(&mut *conn)
            .await?
            {
                let role: ContactRole = parsed(&r, "role")?;
                let pgp_key: Option<String> = get(&r, "pgp_key")?;
                recipients.push(Recipient {
                    channel: Channel::Email {
                        role,
                        has_key: pgp_key.is_some(),
                    },
                    channel_name: "email",
                    contact_id: Some(get(&r, "id")?),
                    webhook_id: None,
                    address: get(&r, "email")?,
                    name: get(&r, "name")?,
                    pgp_key,
                    language: get(&r, "language")?,
                });
            }
            for r in sqlx::query("SELECT id, url FROM webhooks WHERE project_id = $1 ORDER BY url")
                .bind(project)
                .fetch_all(&mut *conn)
                .await?
            {
                recipients.push(Recipient {
                    channel: Channel::Webhook,
                    channel_name: "webhook",
                    contact_id: None,
                    webhook_id: Some(get(&r, "id")?),
                    address: get(&r, "url")?,
                    name: "webhook".to_owned(),
                    pgp_key: None,
                    language: None,
                });
            }
        }
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO notifications (id, case_id, kind, tlp, embargoed, payload, created_at, seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.to_string())
        .bind(a.case.to_string())
        .bind(a.kind.as_str())
        .bind(tlp.as_str())
        .bind(i64::from(embargoed))
        .bind(a.payload.to_string())
        .bind(now.as_millisecond())
        .bind(seq)
        .execute(&mut *conn)
        .await?;
        for r in recipients {
            let Some(content) = notify::delivery(a.kind, r.channel, tlp, embargoed) else {
                continue;
            };
            sqlx::query(
                "INSERT INTO deliveries (id, notification_id, channel, contact_id, webhook_id, address, name, content, \
                 pgp_key, language, state, attempts, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', 0, $11, $11)",
            )
            .bind(Uuid::new_v4().to_string())
            .bind(id.to_string())
            .bind(r.channel_name)
            .bind(r.contact_id)
            .bind(r.webhook_id)
            .bind(r.address)
            .bind(r.name)
            .bind(content.as_str())
            .bind(r.pgp_key.filter(|_| content == Content::Encrypted))
            .bind(r.language)
            .bind(now.as_millisecond())
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }
}

impl WriteTx {
    /// Tells a finder, at the email they gave, that there is news on their report
    /// (in this write's transaction): a notification of no case with one email
    /// delivery carrying only what `notify::finder_delivery` allows.
    pub(crate) async fn notify_finder(&mut self, report: lockstep_core::ReportId, email: &str) -> Result<()> {
        let now = self.now();
        let seq = self.seq;
        let conn = self.conn();
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO notifications (id, case_id, kind, tlp, embargoed, payload, created_at, seq) \
             VALUES ($1, NULL, $2, $3, 1, $4, $5, $6)",
        )
        .bind(id.to_string())
        .bind(NotificationKind::ReportUpdate.as_str())
        // A report is between its finder and the coordinators.
        .bind(Tlp::Amber.as_str())
        .bind(serde_json::json!({"report": report}).to_string())
        .bind(now.as_millisecond())
        .bind(seq)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO deliveries (id, notification_id, channel, contact_id, webhook_id, address, name, content, \
             pgp_key, language, state, attempts, next_attempt_at, created_at) \
             VALUES ($1, $2, 'email', NULL, NULL, $3, 'finder', $4, NULL, NULL, 'pending', 0, $5, $5)",
        )
        .bind(Uuid::new_v4().to_string())
        .bind(id.to_string())
        .bind(email)
        .bind(notify::finder_delivery().as_str())
        .bind(now.as_millisecond())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}

fn delivery_from_row(row: &AnyRow) -> Result<Delivery> {
    Ok(Delivery {
        id: parsed(row, "id")?,
        channel: get(row, "channel")?,
        address: get(row, "address")?,
        name: get(row, "name")?,
        content: parsed(row, "content")?,
        state: parsed(row, "state")?,
        attempts: get(row, "attempts")?,
        last_error: get(row, "last_error")?,
        sent_at: instant_opt(row, "sent_at")?,
        next_attempt_at: instant(row, "next_attempt_at")?,
    })
}

fn payload(row: &AnyRow) -> Result<Value> {
    let text: String = get(row, "payload")?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("notification payload: {e}")))
}

impl Store {
    /// A case's notifications, newest first, each with its deliveries.
    pub async fn case_notifications(&self, case: CaseId) -> Result<Vec<Notification>> {
        let rows = sqlx::query(
            "SELECT id, case_id, kind, tlp, embargoed, payload, created_at FROM notifications \
             WHERE case_id = $1 ORDER BY seq DESC",
        )
        .bind(case.to_string())
        .fetch_all(self.pool())
        .await?;
        let delivery_rows = sqlx::query(
            "SELECT d.id, d.notification_id, d.channel, d.address, d.name, d.content, d.state, d.attempts, \
             d.last_error, d.sent_at, d.next_attempt_at FROM deliveries d JOIN notifications n ON n.id = d.notification_id \
             WHERE n.case_id = $1 ORDER BY d.channel, d.address",
        )
        .bind(case.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(Notification {
                    id: parsed(r, "id")?,
                    case_id: crate::rows::parsed_opt(r, "case_id")?,
                    kind: parsed(r, "kind")?,
                    tlp: parsed(r, "tlp")?,
                    embargoed: get::<i64>(r, "embargoed")? != 0,
                    payload: payload(r)?,
                    created_at: instant(r, "created_at")?,
                    deliveries: Vec::new(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        for r in &delivery_rows {
            let nid: Uuid = parsed(r, "notification_id")?;
            if let Some(n) = out.iter_mut().find(|n| n.id == nid) {
                n.deliveries.push(delivery_from_row(r)?);
            }
        }
        Ok(out)
    }

    /// Claims up to `limit` due deliveries for `lease`: no other worker takes them
    /// until the lease ends (a worker that dies mid-send leaves them to be claimed
    /// again, and resent with the same idempotency key). On PostgreSQL concurrent
    /// workers skip each other's rows (`FOR UPDATE SKIP LOCKED`).
    pub async fn claim_deliveries(&self, now: Timestamp, limit: i64, lease: Duration) -> Result<Vec<ClaimedDelivery>> {
        self.claim(now, limit, lease, "").await
    }

    /// Like [`Store::claim_deliveries`], but webhook deliveries only: a server without
    /// a mail relay leaves email pending instead of claiming it again and again.
    pub async fn claim_webhook_deliveries(
        &self,
        now: Timestamp,
        limit: i64,
        lease: Duration,
    ) -> Result<Vec<ClaimedDelivery>> {
        self.claim(now, limit, lease, "AND channel = 'webhook'").await
    }

    async fn claim(&self, now: Timestamp, limit: i64, lease: Duration, only: &str) -> Result<Vec<ClaimedDelivery>> {
        let until = now
            .as_millisecond()
            .saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
        let lock = match self.backend() {
            crate::Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            // SQLite has one writer at a time: the claim is atomic as it is.
            crate::Backend::Sqlite => "",
        };
        let _writer = self.sqlite_writer_lock().await;
        let mut tx = self.pool().begin().await?;
        let ids: Vec<String> = sqlx::query(&format!(
            "SELECT id FROM deliveries WHERE state = 'pending' AND next_attempt_at <= $1 \
             AND (claimed_until IS NULL OR claimed_until <= $1) {only} ORDER BY next_attempt_at, id LIMIT $2 {lock}"
        ))
        .bind(now.as_millisecond())
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>("id").map_err(StoreError::from))
        .collect::<Result<_>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in &ids {
            sqlx::query("UPDATE deliveries SET claimed_until = $1 WHERE id = $2")
                .bind(until)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let r = sqlx::query(
                "SELECT d.id, d.notification_id, n.case_id, n.kind, n.tlp, n.payload, n.created_at, d.channel, d.address, \
                 d.name, d.content, d.pgp_key, d.language, d.attempts, w.secret FROM deliveries d \
                 JOIN notifications n ON n.id = d.notification_id LEFT JOIN webhooks w ON w.id = d.webhook_id \
                 WHERE d.id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            out.push(ClaimedDelivery {
                id: parsed(&r, "id")?,
                notification_id: parsed(&r, "notification_id")?,
                case_id: crate::rows::parsed_opt(&r, "case_id")?,
                kind: parsed(&r, "kind")?,
                tlp: parsed(&r, "tlp")?,
                payload: payload(&r)?,
                created_at: instant(&r, "created_at")?,
                channel: get(&r, "channel")?,
                address: get(&r, "address")?,
                name: get(&r, "name")?,
                content: parsed(&r, "content")?,
                pgp_key: get(&r, "pgp_key")?,
                language: get(&r, "language")?,
                attempts: get(&r, "attempts")?,
                webhook_secret: get(&r, "secret")?,
            });
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Records that a delivery was accepted by its receiver.
    pub async fn delivery_sent(&self, id: Uuid, now: Timestamp) -> Result<()> {
        let _writer = self.sqlite_writer_lock().await;
        sqlx::query(
            "UPDATE deliveries SET state = 'sent', sent_at = $1, attempts = attempts + 1, claimed_until = NULL, \
             last_error = NULL WHERE id = $2",
        )
        .bind(now.as_millisecond())
        .bind(id.to_string())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records that these deliveries were accepted, in one transaction (one commit for a
    /// whole batch instead of one per recipient).
    pub async fn deliveries_sent(&self, ids: &[Uuid], now: Timestamp) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let _writer = self.sqlite_writer_lock().await;
        let mut tx = self.pool().begin().await?;
        for id in ids {
            sqlx::query(
                "UPDATE deliveries SET state = 'sent', sent_at = $1, attempts = attempts + 1, claimed_until = NULL, \
                 last_error = NULL WHERE id = $2",
            )
            .bind(now.as_millisecond())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records a failure no retry can mend (the webhook was removed, the address is
    /// not one): the delivery is dead at once, with `error` as the reason.
    pub async fn delivery_dead(&self, id: Uuid, now: Timestamp, error: &str) -> Result<()> {
        let _writer = self.sqlite_writer_lock().await;
        let error: String = error.chars().take(1000).collect();
        sqlx::query(
            "UPDATE deliveries SET state = 'dead', attempts = attempts + 1, next_attempt_at = $1, claimed_until = NULL, \
             last_error = $2 WHERE id = $3",
        )
        .bind(now.as_millisecond())
        .bind(&error)
        .bind(id.to_string())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records a failed attempt: the delivery is tried again after a back-off that
    /// doubles, or is dead after `notify::MAX_ATTEMPTS`. Returns its new state.
    pub async fn delivery_failed(&self, id: Uuid, now: Timestamp, error: &str) -> Result<DeliveryState> {
        let _writer = self.sqlite_writer_lock().await;
        let row = sqlx::query("SELECT attempts FROM deliveries WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound("delivery"))?;
        let attempts = get::<i64>(&row, "attempts")?.saturating_add(1);
        let attempts_u32 = u32::try_from(attempts).unwrap_or(u32::MAX);
        let state = if attempts_u32 >= notify::MAX_ATTEMPTS {
            DeliveryState::Dead
        } else {
            DeliveryState::Pending
        };
        let delay =
            i64::try_from(notify::retry_after_seconds(attempts_u32 - 1).saturating_mul(1000)).unwrap_or(i64::MAX);
        let error: String = error.chars().take(1000).collect();
        sqlx::query(
            "UPDATE deliveries SET state = $1, attempts = $2, next_attempt_at = $3, claimed_until = NULL, last_error = $4 \
             WHERE id = $5",
        )
        .bind(state.as_str())
        .bind(attempts)
        .bind(now.as_millisecond().saturating_add(delay))
        .bind(&error)
        .bind(id.to_string())
        .execute(self.pool())
        .await?;
        Ok(state)
    }
}
