//! Cases: creation, who coordinates them, and their phase and embargo, moved only
//! through the state machines in `lockstep_core::case`.

use jiff::Timestamp;
use lockstep_core::authz::CaseRelation;
use lockstep_core::notify::NotificationKind;
use lockstep_core::{CaseId, Embargo, EmbargoState, GlobalRole, Phase, Tlp, UserId};
use serde_json::json;
use sqlx::any::AnyRow;

use crate::rows::{instant, instant_opt, parsed, required};
use crate::{get, Addressees, Announcement, AuditEntry, Case, EmbargoChange, NewCase, Result, Store, StoreError, User};

const CASE_COLUMNS: &str = "id, title, summary, phase, tlp, embargo_state, embargo_policy, embargo_public_at, \
                            embargo_time_zone, created_at, updated_at";

fn case_from_row(row: &AnyRow) -> Result<Case> {
    Ok(Case {
        id: parsed(row, "id")?,
        title: get(row, "title")?,
        summary: get(row, "summary")?,
        phase: parsed(row, "phase")?,
        tlp: parsed(row, "tlp")?,
        embargo: Embargo {
            state: parsed(row, "embargo_state")?,
            policy: parsed(row, "embargo_policy")?,
            public_at: instant_opt(row, "embargo_public_at")?,
            time_zone: get(row, "embargo_time_zone")?,
        },
        created_at: instant(row, "created_at")?,
        updated_at: instant(row, "updated_at")?,
    })
}

impl Store {
    /// Opens a case in triage, with its creator as coordinator.
    pub async fn create_case(&self, actor: UserId, now: Timestamp, new: NewCase) -> Result<Case> {
        let mut w = self.write(Some(actor), now).await?;
        let case = insert_case(w.conn(), actor, now, new).await?;
        w.commit(AuditEntry::new(
            "case.create",
            Some(case.id),
            case.id,
            json!({"title": case.title, "tlp": case.tlp}),
        ))
        .await?;
        Ok(case)
    }

    /// A case by id, whoever asks (the server decides who may).
    pub async fn case(&self, id: CaseId) -> Result<Case> {
        let row = sqlx::query(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound("case"))?;
        case_from_row(&row)
    }

    /// How a user stands to a case: the input to `lockstep_core::authz::decide`.
    /// A case that does not exist and one the user is not read into both give
    /// `CaseRelation::None`.
    pub async fn case_relation(&self, id: CaseId, user: &User) -> Result<(Option<Case>, CaseRelation)> {
        let case = match self.case(id).await {
            Ok(case) => case,
            Err(StoreError::NotFound(_)) => return Ok((None, CaseRelation::None)),
            Err(e) => return Err(e),
        };
        if user.role == GlobalRole::Admin {
            return Ok((Some(case), CaseRelation::Admin));
        }
        let coordinates = sqlx::query("SELECT 1 AS one FROM case_coordinators WHERE case_id = $1 AND user_id = $2")
            .bind(id.to_string())
            .bind(user.id.to_string())
            .fetch_optional(self.pool())
            .await?
            .is_some();
        if coordinates {
            return Ok((Some(case), CaseRelation::Coordinator));
        }
        let rows = sqlx::query(
            "SELECT p.project_id FROM participants p JOIN memberships m ON m.project_id = p.project_id \
             WHERE p.case_id = $1 AND m.user_id = $2",
        )
        .bind(id.to_string())
        .bind(user.id.to_string())
        .fetch_all(self.pool())
        .await?;
        if rows.is_empty() {
            return Ok((None, CaseRelation::None));
        }
        let projects = rows
            .iter()
            .map(|r| parsed(r, "project_id"))
            .collect::<Result<Vec<_>>>()?;
        Ok((Some(case), CaseRelation::Participant { projects }))
    }

    /// The cases a user may see, newest first: all for an admin; otherwise those
    /// they coordinate or that a project of theirs is read into.
    pub async fn cases_visible_to(&self, user: &User) -> Result<Vec<Case>> {
        let rows = if user.role == GlobalRole::Admin {
            sqlx::query(&format!("SELECT {CASE_COLUMNS} FROM cases ORDER BY created_at DESC"))
                .fetch_all(self.pool())
                .await?
        } else {
            sqlx::query(&format!(
                "SELECT {CASE_COLUMNS} FROM cases c WHERE \
                 EXISTS (SELECT 1 FROM case_coordinators cc WHERE cc.case_id = c.id AND cc.user_id = $1) \
                 OR EXISTS (SELECT 1 FROM participants p JOIN memberships m ON m.project_id = p.project_id \
                            WHERE p.case_id = c.id AND m.user_id = $1) \
                 ORDER BY created_at DESC"
            ))
            .bind(user.id.to_string())
            .fetch_all(self.pool())
            .await?
        };
        rows.iter().map(case_from_row).collect()
    }

    /// The users coordinating a case.
    pub async fn case_coordinators(&self, id: CaseId) -> Result<Vec<User>> {
        let rows = sqlx::query(
            "SELECT u.id, u.email, u.name, u.role FROM case_coordinators cc JOIN users u ON u.id = cc.user_id \
             WHERE cc.case_id = $1 ORDER BY u.name",
        )
        .bind(id.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(crate::accounts::user_from_row).collect()
    }

    /// Adds a coordinator (who must hold the coordinator or admin role).
    pub async fn add_case_coordinator(&self, actor: UserId, now: Timestamp, case: CaseId, user: UserId) -> Result<()> {
        let target = self.user(user).await?;
        if target.role == GlobalRole::Member {
            return Err(StoreError::invalid(
                "user_id",
                format!("{} is not a coordinator", target.email),
            ));
        }
        let mut w = self.write(Some(actor), now).await?;
        sqlx::query("INSERT INTO case_coordinators (case_id, user_id) VALUES ($1, $2)")
            .bind(case.to_string())
            .bind(user.to_string())
            .execute(w.conn())
            .await
            .map_err(crate::accounts::unique(
                "user_id",
                format!("{} as coordinator", target.email),
            ))?;
        w.commit(AuditEntry::new("case.add_coordinator", Some(case), user, json!({})))
            .await
    }

    /// Moves a case to another phase, if the state machine allows it.
    pub async fn change_phase(&self, actor: UserId, now: Timestamp, id: CaseId, to: Phase) -> Result<Case> {
        let mut case = self.case(id).await?;
        let from = case.phase;
        case.phase = from.transition(to, case.embargo.state)?;
        case.updated_at = now;
        let mut w = self.write(Some(actor), now).await?;
        // The WHERE on the old phase makes a concurrent change fail instead of being overwritten.
        let done = sqlx::query("UPDATE cases SET phase = $1, updated_at = $2 WHERE id = $3 AND phase = $4")
            .bind(case.phase.as_str())
            .bind(now.as_millisecond())
            .bind(id.to_string())
            .bind(from.as_str())
            .execute(w.conn())
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::invalid(
                "phase",
                "the case changed meanwhile; reload and try again",
            ));
        }
        w.notify(Announcement::new(
            id,
            NotificationKind::CaseChange,
            Addressees::Participants,
            json!({"change": "phase", "from": from, "to": case.phase}),
        ))
        .await?;
        if case.phase == Phase::Disclosed {
            w.notify(Announcement::new(
                id,
                NotificationKind::Disclosure,
                Addressees::Participants,
                json!({"title": case.title}),
            ))
            .await?;
        }
        w.commit(AuditEntry::new(
            "case.phase",
            Some(id),
            id,
            json!({"from": from, "to": case.phase}),
        ))
        .await?;
        Ok(case)
    }

    /// Moves the embargo through its state machine. Proposing or revising needs a
    /// public date the policy allows.
    pub async fn change_embargo(
        &self,
        actor: UserId,
        now: Timestamp,
        id: CaseId,
        change: EmbargoChange,
    ) -> Result<Case> {
        self.change_embargo_as(Some(actor), now, id, change).await
    }

    /// `change_embargo` by a person or (`None`) by Lockstep itself, as when the
    /// scheduler ends an embargo at its public date.
    pub(crate) async fn change_embargo_as(
        &self,
        actor: Option<UserId>,
        now: Timestamp,
        id: CaseId,
        change: EmbargoChange,
    ) -> Result<Case> {
        let mut case = self.case(id).await?;
        let from = case.embargo.state;
        let state = from.transition(change.state)?;
        let mut embargo = case.embargo.clone();
        embargo.state = state;
        if let Some(policy) = change.policy {
            embargo.policy = policy;
        }
        if let Some(tz) = &change.time_zone {
            embargo.time_zone = tz.trim().to_owned();
        }
        if let Some(at) = change.public_at {
            embargo.public_at = Some(at);
        }
        match state {
            EmbargoState::Proposed | EmbargoState::Revising | EmbargoState::Active => {
                let Some(at) = embargo.public_at else {
                    return Err(StoreError::invalid("public_at", "an embargo needs a public date"));
                };
                // A date already agreed is not re-checked when it is merely accepted.
                if change.public_at.is_some() || change.policy.is_some() || change.time_zone.is_some() {
                    Embargo::check_date(embargo.policy, at, &embargo.time_zone, now)
                        .map_err(|e| StoreError::invalid(e.field, e.message))?;
                }
            }
            EmbargoState::None => embargo.public_at = None,
            EmbargoState::Exited => {}
        }
        case.embargo = embargo;
        case.updated_at = now;
        let mut w = self.write(actor, now).await?;
        let done = sqlx::query(
            "UPDATE cases SET embargo_state = $1, embargo_policy = $2, embargo_public_at = $3, embargo_time_zone = $4, \
             updated_at = $5 WHERE id = $6 AND embargo_state = $7",
        )
        .bind(case.embargo.state.as_str())
        .bind(case.embargo.policy.as_str())
        .bind(case.embargo.public_at.map(|t| t.as_millisecond()))
        .bind(&case.embargo.time_zone)
        .bind(now.as_millisecond())
        .bind(id.to_string())
        .bind(from.as_str())
        .execute(w.conn())
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::invalid(
                "state",
                "the embargo changed meanwhile; reload and try again",
            ));
        }
        w.notify(Announcement::new(
            id,
            NotificationKind::CaseChange,
            Addressees::Participants,
            json!({"change": "embargo", "from": from, "to": case.embargo.state,
                   "public_at": case.embargo.public_at, "time_zone": case.embargo.time_zone}),
        ))
        .await?;
        w.commit(AuditEntry::new(
            "embargo.change",
            Some(id),
            id,
            json!({"from": from, "to": case.embargo.state, "policy": case.embargo.policy,
                   "public_at": case.embargo.public_at, "time_zone": case.embargo.time_zone}),
        ))
        .await?;
        Ok(case)
    }
}

/// Writes a new case in triage with `actor` as its coordinator, inside a write the
/// caller commits (with the `case.create` audit event): opening a case and accepting
/// a report into it are one transaction.
pub(crate) async fn insert_case(
    conn: &mut sqlx::AnyConnection,
    actor: UserId,
    now: Timestamp,
    new: NewCase,
) -> Result<Case> {
    let case = Case {
        id: CaseId::new(),
        title: required("title", &new.title, 300)?,
        summary: new.summary.trim().to_owned(),
        phase: Phase::Triage,
        tlp: new.tlp.unwrap_or(Tlp::Amber),
        embargo: Embargo::none(),
        created_at: now,
        updated_at: now,
    };
    sqlx::query(&format!(
        "INSERT INTO cases ({CASE_COLUMNS}, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(case.id.to_string())
    .bind(&case.title)
    .bind(&case.summary)
    .bind(case.phase.as_str())
    .bind(case.tlp.as_str())
    .bind(case.embargo.state.as_str())
    .bind(case.embargo.policy.as_str())
    .bind(None::<i64>)
    .bind(&case.embargo.time_zone)
    .bind(now.as_millisecond())
    .bind(now.as_millisecond())
    .bind(actor.to_string())
    .execute(&mut *conn)
    .await?;
    sqlx::query("INSERT INTO case_coordinators (case_id, user_id) VALUES ($1, $2)")
        .bind(case.id.to_string())
        .bind(actor.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(case)
}
