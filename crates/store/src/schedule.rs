//! The scheduler's work in the store: each thing `lockstep_core::schedule` says a case
//! is owed is done once, in one write that marks it, announces it to the outbox and
//! appends its audit event (by Lockstep itself: no actor). With PostgreSQL, one
//! process runs the scheduler at a time, under an advisory lock.

use jiff::Timestamp;
use lockstep_core::notify::NotificationKind;
use lockstep_core::schedule::{self, Due};
use lockstep_core::{CaseId, EmbargoState, ProjectId, TaskId, UserId};
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::Executor;
use utoipa::ToSchema;

use crate::rows::{instant, instant_opt, parsed, parsed_opt};
use crate::{get, Addressees, Announcement, AuditEntry, Backend, EmbargoChange, Result, Store, StoreError};

/// What one run of the scheduler did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScheduleReport {
    pub embargoes_ended: usize,
    pub public_date_reminders: usize,
    pub status_updates: usize,
    pub task_reminders: usize,
    pub nudges: usize,
}

/// A case's status-update cadence.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusCadence {
    pub case_id: CaseId,
    /// Hours between status updates while the embargo is active; 0 sends none.
    pub status_every_hours: i64,
}

/// The scheduler's lock (PostgreSQL: a session advisory lock on a connection kept
/// for as long as this lives; SQLite: the one process is the scheduler).
pub struct SchedulerLock {
    /// Detached from the pool: when the lock is dropped the connection closes, and
    /// PostgreSQL frees the session's advisory lock with it.
    _conn: Option<sqlx::AnyConnection>,
}

/// An arbitrary but fixed key: the advisory lock the scheduler replicas contend for.
const SCHEDULER_LOCK_KEY: i64 = 0x4c6f_636b_7374_6570; // "Lockstep"

impl Store {
    /// Takes the scheduler's lock if no other process holds it.
    pub async fn scheduler_lock(&self) -> Result<Option<SchedulerLock>> {
        if self.backend() == Backend::Sqlite {
            return Ok(Some(SchedulerLock { _conn: None }));
        }
        let mut conn = self.pool().acquire().await?;
        let row = sqlx::query("SELECT pg_try_advisory_lock($1) AS got")
            .bind(SCHEDULER_LOCK_KEY)
            .fetch_one(&mut *conn)
            .await?;
        let got: bool = get(&row, "got")?;
        Ok(got.then(|| SchedulerLock {
            _conn: Some(conn.detach()),
        }))
    }

    /// Sets how often a case's participants get a status update while its embargo
    /// is active (0: never).
    pub async fn set_status_cadence(
        &self,
        actor: UserId,
        now: Timestamp,
        case: CaseId,
        hours: i64,
    ) -> Result<StatusCadence> {
        if !(0..=24 * 30).contains(&hours) {
            return Err(StoreError::invalid(
                "status_every_hours",
                "must be 0 (none) to 720 hours",
            ));
        }
        let mut w = self.write(Some(actor), now).await?;
        sqlx::query("DELETE FROM case_schedules WHERE case_id = $1")
            .bind(case.to_string())
            .execute(w.conn())
            .await?;
        sqlx::query("INSERT INTO case_schedules (case_id, status_cadence_hours) VALUES ($1, $2)")
            .bind(case.to_string())
            .bind(hours)
            .execute(w.conn())
            .await?;
        w.commit(AuditEntry::new(
            "case.cadence",
            Some(case),
            case,
            json!({"status_every_hours": hours}),
        ))
        .await?;
        Ok(StatusCadence {
            case_id: case,
            status_every_hours: hours,
        })
    }

    /// A case's status-update cadence (the default when none was set).
    pub async fn status_cadence(&self, case: CaseId) -> Result<StatusCadence> {
        let row = sqlx::query("SELECT status_cadence_hours FROM case_schedules WHERE case_id = $1")
            .bind(case.to_string())
            .fetch_optional(self.pool())
            .await?;
        Ok(StatusCadence {
            case_id: case,
            status_every_hours: match row {
                Some(r) => get(&r, "status_cadence_hours")?,
                None => schedule::DEFAULT_CADENCE_HOURS,
            },
        })
    }

    async fn marked(&self, case: CaseId, mark: &str) -> Result<bool> {
        Ok(
            sqlx::query("SELECT 1 AS one FROM schedule_marks WHERE case_id = $1 AND mark = $2")
                .bind(case.to_string())
                .bind(mark)
                .fetch_optional(self.pool())
                .await?
                .is_some(),
        )
    }

    /// Does, once each, what is owed at `now` (see `lockstep_core::schedule`).
    /// `nudge_after_days`: how long a participant may leave a case unopened.
    pub async fn run_schedule(&self, now: Timestamp, nudge_after_days: i64) -> Result<ScheduleReport> {
        let mut report = ScheduleReport::default();
        let cases = sqlx::query(
            "SELECT c.id, c.embargo_state, c.embargo_public_at, c.created_at, s.status_cadence_hours \
             FROM cases c LEFT JOIN case_schedules s ON s.case_id = c.id WHERE c.embargo_state = 'active' ORDER BY c.id",
        )
        .fetch_all(self.pool())
        .await?;
        for row in &cases {
            let case: CaseId = parsed(row, "id")?;
            let embargo: EmbargoState = parsed(row, "embargo_state")?;
            let public_at = instant_opt(row, "embargo_public_at")?;
            let cadence = get::<Option<i64>>(row, "status_cadence_hours")?.unwrap_or(schedule::DEFAULT_CADENCE_HOURS);
            for due in schedule::due(now, embargo, public_at, instant(row, "created_at")?, cadence) {
                let mark = due.mark(public_at);
                if self.marked(case, &mark).await? {
                    continue;
                }
                match due {
                    Due::EmbargoEnds => {
                        // Through the embargo's own state machine, announced and audited
                        // like any change. Needs no mark: an exited embargo is not
                        // active any more, and a failed attempt is tried at the next run.
                        let change = EmbargoChange {
                            state: EmbargoState::Exited,
                            policy: None,
                            public_at: None,
                            time_zone: None,
                        };
                        self.change_embargo_as(None, now, case, change).await?;
                        report.embargoes_ended += 1;
                    }
                    Due::PublicDateSoon { hours } => {
                        let payload = json!({"reminder": "public_date", "hours": hours, "public_at": public_at});
                        self.owed(
                            now,
                            case,
                            &mark,
                            NotificationKind::Reminder,
                            Addressees::Participants,
                            payload,
                        )
                        .await?;
                        report.public_date_reminders += 1;
                    }
                    Due::StatusUpdate { period } => {
                        let c = self.case(case).await?;
                        let payload = json!({"period": period, "phase": c.phase, "embargo": c.embargo.state,
                            "public_at": c.embargo.public_at, "time_zone": c.embargo.time_zone});
                        self.owed(
                            now,
                            case,
                            &mark,
                            NotificationKind::StatusUpdate,
                            Addressees::Participants,
                            payload,
                        )
                        .await?;
                        report.status_updates += 1;
                    }
                }
            }
        }
        let tasks = sqlx::query(
            "SELECT t.id, t.case_id, t.title, t.due_on FROM tasks t JOIN cases c ON c.id = t.case_id \
             WHERE t.status <> 'done' AND t.due_on IS NOT NULL AND c.phase <> 'closed' ORDER BY t.id",
        )
        .fetch_all(self.pool())
        .await?;
        for row in &tasks {
            let task: TaskId = parsed(row, "id")?;
            let case: CaseId = parsed(row, "case_id")?;
            let Some(due_on) = parsed_opt::<jiff::civil::Date>(row, "due_on")? else {
                continue;
            };
            let mark = format!("task:{task}:{due_on}");
            if !schedule::task_reminder_due(now, due_on) || self.marked(case, &mark).await? {
                continue;
            }
            let title: String = get(row, "title")?;
            let payload = json!({"reminder": "task", "task": task, "title": title, "due_on": due_on});
            self.owed(
                now,
                case,
                &mark,
                NotificationKind::Reminder,
                Addressees::Participants,
                payload,
            )
            .await?;
            report.task_reminders += 1;
        }
        let unseen = sqlx::query(
            "SELECT p.case_id, p.project_id, p.notified_at FROM participants p JOIN cases c ON c.id = p.case_id \
             WHERE p.first_seen_at IS NULL AND c.phase <> 'closed' ORDER BY p.case_id, p.project_id",
        )
        .fetch_all(self.pool())
        .await?;
        for row in &unseen {
            let case: CaseId = parsed(row, "case_id")?;
            let project: ProjectId = parsed(row, "project_id")?;
            let mark = format!("nudge:{project}");
            if !schedule::nudge_due(now, instant(row, "notified_at")?, nudge_after_days)
                || self.marked(case, &mark).await?
            {
                continue;
            }
            let payload = json!({"days": nudge_after_days});
            self.owed(
                now,
                case,
                &mark,
                NotificationKind::Nudge,
                Addressees::Project(project),
                payload,
            )
            .await?;
            report.nudges += 1;
        }
        Ok(report)
    }

    /// One owed thing: its mark, its notification and its audit event, in one write.
    async fn owed(
        &self,
        now: Timestamp,
        case: CaseId,
        mark: &str,
        kind: NotificationKind,
        to: Addressees,
        payload: Value,
    ) -> Result<()> {
        let mut w = self.write(None, now).await?;
        insert_mark(w.conn(), case, mark, now).await?;
        w.notify(Announcement::new(case, kind, to, payload.clone())).await?;
        w.commit(AuditEntry::new(
            "schedule.notify",
            Some(case),
            case,
            json!({"kind": kind, "mark": mark, "payload": payload}),
        ))
        .await
    }
}

async fn insert_mark(conn: &mut sqlx::AnyConnection, case: CaseId, mark: &str, now: Timestamp) -> Result<()> {
    conn.execute(
        sqlx::query("INSERT INTO schedule_marks (case_id, mark, at) VALUES ($1, $2, $3)")
            .bind(case.to_string())
            .bind(mark)
            .bind(now.as_millisecond()),
    )
    .await?;
    Ok(())
}
