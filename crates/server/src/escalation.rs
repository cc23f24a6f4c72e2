//! A case's tier: the CISA SSVC coordinator decision (track, track*, attend, act)
//! from its decision points. Escalation triggers raise Exploitation and Technical
//! Impact (`lockstep_core::case::{exploitation, technical_impact}`); a vulnerability
//! rated critical counts as the critical-rating trigger even before anyone records it;
//! the coordinators judge Automatable and Mission and Well-Being Impact.

use lockstep_advisory::cvss::{Rating, Vector};
use lockstep_advisory::ssvc::{cisa_decision, CisaInputs};
use lockstep_core::case::{exploitation, technical_impact};
use lockstep_core::{CaseId, Trigger};
use lockstep_store::{SsvcJudgement, Store, TriggerRecord, Vulnerability};
use serde::Serialize;
use utoipa::ToSchema;

use crate::ApiError;

/// How far a case has escalated.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Escalation {
    /// Triggers recorded on the case.
    pub triggers: Vec<TriggerRecord>,
    /// Triggers the case's data implies without being recorded (a critical CVSS rating).
    #[schema(value_type = Vec<String>)]
    pub implied: Vec<Trigger>,
    /// SSVC decision points.
    pub exploitation: String,
    pub automatable: String,
    pub technical_impact: String,
    pub mission_impact: String,
    /// The CISA SSVC decision: `track`, `track*`, `attend` or `act`.
    pub tier: String,
}

/// Computes a case's escalation from what the store holds.
pub async fn escalation(store: &Store, case: CaseId) -> Result<Escalation, ApiError> {
    let vulnerabilities = store.vulnerabilities(case).await?;
    escalation_with(store, case, &vulnerabilities).await
}

/// The same, for a caller that has the case's vulnerabilities at hand already.
pub async fn escalation_with(
    store: &Store,
    case: CaseId,
    vulnerabilities: &[Vulnerability],
) -> Result<Escalation, ApiError> {
    let triggers = store.case_triggers(case).await?;
    let judgement: SsvcJudgement = store.case_ssvc(case).await?;
    let mut all: Vec<Trigger> = triggers.iter().map(|t| t.trigger).collect();
    let critical = vulnerabilities.iter().any(|v| {
        v.cvss_vector
            .as_deref()
            .and_then(|text| Vector::parse(text).ok())
            .is_some_and(|vector| vector.scores().base_severity == Rating::Critical)
    });
    let mut implied = Vec::new();
    if critical && !all.contains(&Trigger::CriticalRating) {
        implied.push(Trigger::CriticalRating);
        all.push(Trigger::CriticalRating);
    }
    let (exploitation, technical_impact) = (exploitation(&all), technical_impact(&all));
    let tier = cisa_decision(CisaInputs {
        exploitation,
        automatable: &judgement.automatable,
        technical_impact,
        mission_and_well_being: &judgement.mission_impact,
    })
    .map_err(ApiError::internal)?;
    Ok(Escalation {
        triggers,
        implied,
        exploitation: exploitation.into(),
        automatable: judgement.automatable,
        technical_impact: technical_impact.into(),
        mission_impact: judgement.mission_impact,
        tier: tier.as_str().into(),
    })
}
