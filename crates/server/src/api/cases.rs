//! Cases: list, open, show, and move through phases and the embargo.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use lockstep_core::authz::{CaseAction, GlobalAction};
use lockstep_core::{CaseId, Phase};
use lockstep_store::{Case, EmbargoChange, NewCase, Participant, Vulnerability};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{Id, JsonBody};
use crate::auth::Actor;
use crate::error::ErrorBody;
use crate::{authz, ApiResult, App};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_cases, create_case))
        .routes(routes!(show_case))
        .routes(routes!(change_phase))
        .routes(routes!(change_embargo))
        .routes(routes!(me))
        .routes(routes!(show_cadence, set_cadence))
}

/// A person as others in a case see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonRef {
    pub id: lockstep_core::UserId,
    pub name: String,
}

/// A case with what it holds, as the viewer may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDetail {
    pub case: Case,
    /// The public date in its time zone, for people.
    pub embargo_display: Option<String>,
    pub coordinators: Vec<PersonRef>,
    pub vulnerabilities: Vec<Vulnerability>,
    pub participants: Vec<Participant>,
    /// How the viewer stands to the case: `admin`, `coordinator` or `participant`.
    pub your_role: String,
    /// Escalation triggers, SSVC decision points and the case's tier.
    pub escalation: crate::escalation::Escalation,
}

/// Loads everything a case page shows, filtered for the viewer; also notes a
/// participant's first look. The web page calls this too.
pub async fn case_detail(
    app: &App,
    actor: &lockstep_store::User,
    id: CaseId,
) -> ApiResult<(CaseDetail, authz::CaseAccess)> {
    let access = authz::case(app, actor, id, CaseAction::View).await?;
    if !access.own_projects().is_empty() {
        app.store()
            .mark_seen(actor.id, app.clock().now(), id, access.own_projects())
            .await?;
    }
    let store = app.store();
    let coordinators = store
        .case_coordinators(id)
        .await?
        .into_iter()
        .map(|u| PersonRef { id: u.id, name: u.name })
        .collect();
    let participants = authz::visible_participants(&access, store.participants(id).await?);
    let your_role = match access.relation {
        lockstep_core::authz::CaseRelation::Admin => "admin",
        lockstep_core::authz::CaseRelation::Coordinator => "coordinator",
        _ => "participant",
    };
    let vulnerabilities = store.vulnerabilities(id).await?;
    let escalation = crate::escalation::escalation_with(store, id, &vulnerabilities).await?;
    let detail = CaseDetail {
        embargo_display: access.case.embargo.public_at_display(),
        case: access.case.clone(),
        coordinators,
        vulnerabilities,
        participants,
        your_role: your_role.into(),
        escalation,
    };
    Ok((detail, access))
}

/// Handles `GET /api/v1/cases`: the cases the caller may see.
#[utoipa::path(get, path = "/cases", tag = "cases", security(("token" = [])),
    responses((status = 200, body = Vec<Case>), (status = 401, body = ErrorBody)))]
async fn list_cases(State(app): State<App>, actor: Actor) -> ApiResult<Json<Vec<Case>>> {
    let user = authz::global(actor.user(), GlobalAction::ListCases)?;
    Ok(Json(app.store().cases_visible_to(user).await?))
}

/// Handles `POST /api/v1/cases`: opens a case in triage; the caller coordinates it.
#[utoipa::path(post, path = "/cases", tag = "cases", security(("token" = [])), request_body = NewCase,
    responses((status = 201, body = Case), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_case(State(app): State<App>, actor: Actor, body: JsonBody) -> ApiResult<(StatusCode, Json<Case>)> {
    let user = authz::global(actor.user(), GlobalAction::OpenCase)?;
    let new: NewCase = body.parse()?;
    let case = app.store().create_case(user.id, app.clock().now(), new).await?;
    Ok((StatusCode::CREATED, Json(case)))
}

/// Handles `GET /api/v1/cases/{id}`.
#[utoipa::path(get, path = "/cases/{id}", tag = "cases", security(("token" = [])),
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = CaseDetail), (status = 404, body = ErrorBody)))]
async fn show_case(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>) -> ApiResult<Json<CaseDetail>> {
    let user = actor.require()?;
    Ok(Json(case_detail(&app, user, id).await?.0))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PhaseChange {
    to: Phase,
}

/// Handles `POST /api/v1/cases/{id}/phase`: moves the case; 409 lists the allowed next phases.
#[utoipa::path(post, path = "/cases/{id}/phase", tag = "cases", security(("token" = [])), request_body = PhaseChange,
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = Case), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn change_phase(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<CaseId>,
    body: JsonBody,
) -> ApiResult<Json<Case>> {
    let user = actor.require()?;
    authz::case(&app, user, id, CaseAction::ChangePhase).await?;
    let change: PhaseChange = body.parse()?;
    Ok(Json(
        app.store()
            .change_phase(user.id, app.clock().now(), id, change.to)
            .await?,
    ))
}

/// Handles `POST /api/v1/cases/{id}/embargo`: proposes, accepts, revises or ends the embargo.
#[utoipa::path(post, path = "/cases/{id}/embargo", tag = "cases", security(("token" = [])), request_body = EmbargoChange,
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = Case), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn change_embargo(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<CaseId>,
    body: JsonBody,
) -> ApiResult<Json<Case>> {
    let user = actor.require()?;
    authz::case(&app, user, id, CaseAction::ChangeEmbargo).await?;
    let change: EmbargoChange = body.parse()?;
    Ok(Json(
        app.store()
            .change_embargo(user.id, app.clock().now(), id, change)
            .await?,
    ))
}

/// Handles `GET /api/v1/me`: who the token belongs to.
#[utoipa::path(get, path = "/me", tag = "account", security(("token" = [])),
    responses((status = 200, body = lockstep_store::User), (status = 401, body = ErrorBody)))]
async fn me(actor: Actor) -> ApiResult<Json<lockstep_store::User>> {
    Ok(Json(actor.require()?.clone()))
}

/// Handles `GET /api/v1/cases/{id}/cadence`: how often participants get a status
/// update while the embargo is active.
#[utoipa::path(get, path = "/cases/{id}/cadence", tag = "cases", security(("token" = [])),
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = lockstep_store::StatusCadence), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn show_cadence(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<CaseId>,
) -> ApiResult<Json<lockstep_store::StatusCadence>> {
    authz::case(&app, actor.require()?, id, CaseAction::View).await?;
    Ok(Json(app.store().status_cadence(id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CadenceChange {
    /// Hours between status updates while the embargo is active (0 to 720; 0: none).
    status_every_hours: i64,
}

/// Handles `PUT /api/v1/cases/{id}/cadence`: sets the status-update cadence (coordinators).
#[utoipa::path(put, path = "/cases/{id}/cadence", tag = "cases", security(("token" = [])), request_body = CadenceChange,
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = lockstep_store::StatusCadence), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_cadence(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<CaseId>,
    body: JsonBody,
) -> ApiResult<Json<lockstep_store::StatusCadence>> {
    let user = actor.require()?;
    authz::case(&app, user, id, CaseAction::Edit).await?;
    let change: CadenceChange = body.parse()?;
    Ok(Json(
        app.store()
            .set_status_cadence(user.id, app.clock().now(), id, change.status_every_hours)
            .await?,
    ))
}
