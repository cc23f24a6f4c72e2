//! Escalation: the triggers recorded on a case and the SSVC decision points its
//! coordinators set. The tier itself is computed from them (by the server, with the
//! advisory crate's SSVC tables), never stored, so it cannot drift.

use jiff::Timestamp;
use lockstep_core::{CaseId, Trigger, UserId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::accounts::unique;
use crate::rows::{instant, optional, parsed};
use crate::{get, Addressees, Announcement, AuditEntry, Result, Store, StoreError};
use lockstep_core::notify::NotificationKind;

/// A trigger as recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TriggerRecord {
    pub trigger: Trigger,
    /// Evidence: a link or a sentence.
    pub note: String,
    pub recorded_by: UserId,
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: Timestamp,
}

/// Input for recording a trigger.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTrigger {
    pub trigger: Trigger,
    #[serde(default)]
    pub note: Option<String>,
}

/// The SSVC decision points a coordinator judges (CISA coordinator tree).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SsvcJudgement {
    /// Automatable: `no` or `yes`.
    pub automatable: String,
    /// Mission and Well-Being Impact: `low`, `medium` or `high`.
    pub mission_impact: String,
}

impl Default for SsvcJudgement {
    fn default() -> Self {
        SsvcJudgement {
            automatable: "no".into(),
            mission_impact: "medium".into(),
        }
    }
}

impl SsvcJudgement {
    fn check(&self) -> Result<()> {
        if !matches!(self.automatable.as_str(), "no" | "yes") {
            return Err(StoreError::invalid(
                "automatable",
                format!("`{}` is not one of: no, yes", self.automatable),
            ));
        }
        if !matches!(self.mission_impact.as_str(), "low" | "medium" | "high") {
            return Err(StoreError::invalid(
                "mission_impact",
                format!("`{}` is not one of: low, medium, high", self.mission_impact),
            ));
        }
        Ok(())
    }
}

impl Store {
    /// Records an escalation trigger on a case (once per trigger).
    pub async fn record_trigger(
        &self,
        actor: UserId,
        now: Timestamp,
        case: CaseId,
        new: NewTrigger,
    ) -> Result<TriggerRecord> {
        let note = optional("note", new.note.as_deref(), 2000)?.unwrap_or_default();
        let record = TriggerRecord {
            trigger: new.trigger,
            note,
            recorded_by: actor,
            recorded_at: now,
        };
        let mut w = self.write(Some(actor), now).await?;
        sqlx::query(
            "INSERT INTO case_triggers (case_id, trigger_name, note, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(case.to_string())
        .bind(record.trigger.as_str())
        .bind(&record.note)
        .bind(actor.to_string())
        .bind(now.as_millisecond())
        .execute(w.conn())
        .await
        .map_err(unique("trigger", format!("trigger {}", record.trigger)))?;
        // An escalation alert: exploitation news changes everyone's plans at once.
        w.notify(Announcement::new(
            case,
            NotificationKind::CaseChange,
            Addressees::Participants,
            json!({"change": "trigger", "trigger": record.trigger, "note": record.note}),
        ))
        .await?;
        w.commit(AuditEntry::new(
            "case.trigger",
            Some(case),
            case,
            json!({"trigger": record.trigger, "note": record.note}),
        ))
        .await?;
        Ok(record)
    }

    /// The triggers recorded on a case, oldest first.
    pub async fn case_triggers(&self, case: CaseId) -> Result<Vec<TriggerRecord>> {
        let rows = sqlx::query(
            "SELECT trigger_name, note, recorded_by, recorded_at FROM case_triggers WHERE case_id = $1 \
             ORDER BY recorded_at, trigger_name",
        )
        .bind(case.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TriggerRecord {
                    trigger: parsed(r, "trigger_name")?,
                    note: get(r, "note")?,
                    recorded_by: parsed(r, "recorded_by")?,
                    recorded_at: instant(r, "recorded_at")?,
                })
            })
            .collect()
    }

    /// Sets the coordinator-judged SSVC decision points of a case.
    pub async fn set_ssvc(&self, actor: UserId, now: Timestamp, case: CaseId, judgement: SsvcJudgement) -> Result<()> {
        judgement.check()?;
        let mut w = self.write(Some(actor), now).await?;
        sqlx::query("DELETE FROM case_ssvc WHERE case_id = $1")
            .bind(case.to_string())
            .execute(w.conn())
            .await?;
        sqlx::query(
            "INSERT INTO case_ssvc (case_id, automatable, mission_impact, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(case.to_string())
        .bind(&judgement.automatable)
        .bind(&judgement.mission_impact)
        .bind(actor.to_string())
        .bind(now.as_millisecond())
        .execute(w.conn())
        .await?;
        w.commit(AuditEntry::new("case.ssvc", Some(case), case, json!(judgement)))
            .await
    }

    /// The coordinator-judged SSVC decision points (defaults until set).
    pub async fn case_ssvc(&self, case: CaseId) -> Result<SsvcJudgement> {
        let row = sqlx::query("SELECT automatable, mission_impact FROM case_ssvc WHERE case_id = $1")
            .bind(case.to_string())
            .fetch_optional(self.pool())
            .await?;
        match row {
            None => Ok(SsvcJudgement::default()),
            Some(r) => Ok(SsvcJudgement {
                automatable: get(&r, "automatable")?,
                mission_impact: get(&r, "mission_impact")?,
            }),
        }
    }
}
