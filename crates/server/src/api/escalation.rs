//! Escalation triggers and the case's SSVC tier.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use lockstep_core::authz::CaseAction;
use lockstep_core::CaseId;
use lockstep_store::{NewTrigger, SsvcJudgement, TriggerRecord};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{Id, JsonBody};
use crate::auth::Actor;
use crate::error::ErrorBody;
use crate::escalation::{self, Escalation};
use crate::{authz, ApiResult, App};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(show_escalation))
        .routes(routes!(record_trigger))
        .routes(routes!(set_ssvc))
}

/// Handles `GET /api/v1/cases/{id}/escalation`: triggers, SSVC decision points and tier.
#[utoipa::path(get, path = "/cases/{id}/escalation", tag = "cases", security(("token" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Escalation), (status = 404, body = ErrorBody)))]
async fn show_escalation(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>) -> ApiResult<Json<Escalation>> {
    authz::case(&app, actor.require()?, id, CaseAction::View).await?;
    Ok(Json(escalation::escalation(app.store(), id).await?))
}

/// Handles `POST /api/v1/cases/{id}/triggers`: records an escalation trigger
/// (`exploit_public`, `attacks_observed`, `critical_rating`, `kev_listed`).
#[utoipa::path(post, path = "/cases/{id}/triggers", tag = "cases", security(("token" = [])), request_body = NewTrigger,
    params(("id" = String, Path)),
    responses((status = 201, body = TriggerRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn record_trigger(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<CaseId>,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<TriggerRecord>)> {
    let user = actor.require()?;
    authz::case(&app, user, id, CaseAction::Edit).await?;
    let new: NewTrigger = body.parse()?;
    Ok((
        StatusCode::CREATED,
        Json(app.store().record_trigger(user.id, app.clock().now(), id, new).await?),
    ))
}

/// Handles `PUT /api/v1/cases/{id}/ssvc`: the coordinators' judgement of Automatable
/// and Mission and Well-Being Impact.
#[utoipa::path(put, path = "/cases/{id}/ssvc", tag = "cases", security(("token" = [])), request_body = SsvcJudgement,
    params(("id" = String, Path)),
    responses((status = 200, body = Escalation), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_ssvc(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<CaseId>,
    body: JsonBody,
) -> ApiResult<Json<Escalation>> {
    let user = actor.require()?;
    authz::case(&app, user, id, CaseAction::Edit).await?;
    let judgement: SsvcJudgement = body.parse()?;
    app.store().set_ssvc(user.id, app.clock().now(), id, judgement).await?;
    Ok(Json(escalation::escalation(app.store(), id).await?))
}
