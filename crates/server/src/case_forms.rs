//! The case page's forms for the actions people take most: a participant states its
//! status and whether it shares it, a coordinator moves the phase and the embargo and
//! records escalation triggers, anyone read in replies in a thread. Each calls the
//! same store function as its API route.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use lockstep_core::authz::CaseAction;
use lockstep_core::{CaseId, EmbargoPolicy, EmbargoState, Justification, Phase, ProjectId, Trigger, VexStatus};
use lockstep_store::{EmbargoChange, NewTrigger, StatusStatement};

use crate::api::Id;
use crate::auth::Actor;
use crate::web::{check_csrf, form, invalid, PageResult};
use crate::App;
use crate::{authz, ApiError};

/// A required form field parsed into one of Lockstep's words.
fn word<T: std::str::FromStr>(form: &std::collections::HashMap<String, String>, field: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    let value = form.get(field).map(String::as_str).unwrap_or_default();
    value.parse().map_err(|e: T::Err| invalid(field, e.to_string()))
}

/// A blank form field is `None`.
fn optional(form: &std::collections::HashMap<String, String>, field: &str) -> Option<String> {
    form.get(field).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn back(id: CaseId, anchor: &str) -> PageResult {
    Ok(Redirect::to(&format!("/cases/{id}#{anchor}")).into_response())
}

/// Handles the status form: a participant states its project's status for one vulnerability.
pub async fn state_status(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>, body: Bytes) -> PageResult {
    let user = actor.require()?;
    let form = form(&body);
    let project: ProjectId = word(&form, "project_id")?;
    authz::case_for_project(&app, user, id, project).await?;
    check_csrf(&actor, &form)?;
    let justification = optional(&form, "justification")
        .map(|j| {
            j.parse::<Justification>()
                .map_err(|e| invalid("justification", e.to_string()))
        })
        .transpose()?;
    let statement = StatusStatement {
        vulnerability_id: word(&form, "vulnerability_id")?,
        status: word::<VexStatus>(&form, "status")?,
        justification,
        impact_statement: optional(&form, "impact_statement"),
        fixed_version: optional(&form, "fixed_version"),
    };
    app.store()
        .state_status(user.id, app.clock().now(), id, project, statement)
        .await?;
    if let Some(share) = form.get("share") {
        app.store()
            .set_sharing(user.id, app.clock().now(), id, project, share == "yes")
            .await?;
    }
    if let Some(publish) = form.get("publish") {
        // Only the participant itself agrees to publication, never a coordinator for it.
        authz::participant_itself(&app, user, id, project).await?;
        app.store()
            .set_publishing(user.id, app.clock().now(), id, project, publish == "yes")
            .await?;
    }
    back(id, "participants")
}

/// Handles the phase form (coordinators).
pub async fn change_phase(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>, body: Bytes) -> PageResult {
    let user = actor.require()?;
    authz::case(&app, user, id, CaseAction::ChangePhase).await?;
    let form = form(&body);
    check_csrf(&actor, &form)?;
    let to: Phase = word(&form, "to")?;
    app.store().change_phase(user.id, app.clock().now(), id, to).await?;
    back(id, "phase")
}

/// Handles the embargo form (coordinators). The public date is typed as local time
/// in the chosen zone and stored as the UTC instant it names.
pub async fn change_embargo(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>, body: Bytes) -> PageResult {
    let user = actor.require()?;
    authz::case(&app, user, id, CaseAction::ChangeEmbargo).await?;
    let form = form(&body);
    check_csrf(&actor, &form)?;
    let state: EmbargoState = word(&form, "state")?;
    let policy = optional(&form, "policy")
        .map(|p| p.parse::<EmbargoPolicy>().map_err(|e| invalid("policy", e.to_string())))
        .transpose()?;
    let time_zone = optional(&form, "time_zone");
    let public_at = match optional(&form, "public_at") {
        None => None,
        Some(local) => {
            let zone_name = time_zone.clone().unwrap_or_else(|| "UTC".into());
            let zone = TimeZone::get(&zone_name)
                .map_err(|_| invalid("time_zone", format!("`{zone_name}` is not an IANA time zone")))?;
            let civil: DateTime = local.parse().map_err(|e| {
                invalid(
                    "public_at",
                    format!("`{local}` is not a date and time (YYYY-MM-DDTHH:MM): {e}"),
                )
            })?;
            Some(
                civil
                    .to_zoned(zone)
                    .map_err(|e| invalid("public_at", e.to_string()))?
                    .timestamp(),
            )
        }
    };
    let change = EmbargoChange {
        state,
        policy,
        public_at,
        time_zone,
    };
    app.store()
        .change_embargo(user.id, app.clock().now(), id, change)
        .await?;
    back(id, "embargo")
}

/// Handles the escalation form (coordinators).
pub async fn record_trigger(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>, body: Bytes) -> PageResult {
    let user = actor.require()?;
    authz::case(&app, user, id, CaseAction::Edit).await?;
    let form = form(&body);
    check_csrf(&actor, &form)?;
    let new = NewTrigger {
        trigger: word::<Trigger>(&form, "trigger")?,
        note: optional(&form, "note"),
    };
    match app.store().record_trigger(user.id, app.clock().now(), id, new).await {
        // Recorded already: the page shows it; nothing to do.
        Ok(_) | Err(lockstep_store::StoreError::Duplicate { .. }) => back(id, "tier"),
        Err(e) => Err(e.into()),
    }
}
