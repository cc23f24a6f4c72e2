//! What a case holds: vulnerabilities, participants and their statuses, messages,
//! tasks, decisions, and the case's audit trail.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use lockstep_core::authz::CaseAction;
use lockstep_core::{CaseId, ProjectId, TaskId};
use lockstep_store::{
    audit, AffectedPackage, AuditEvent, Decision, Message, NewDecision, NewMessage, NewParticipant, NewTask,
    NewVulnerability, Participant, StatusStatement, Task, TaskUpdate, Vulnerability,
};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{Id, Ids, JsonBody};
use crate::auth::Actor;
use crate::error::ErrorBody;
use crate::{authz, ApiResult, App};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_vulnerabilities, add_vulnerability))
        .routes(routes!(list_participants, add_participant))
        .routes(routes!(state_status))
        .routes(routes!(set_sharing))
        .routes(routes!(set_publishing))
        .routes(routes!(remove_participant))
        .routes(routes!(list_messages, post_message))
        .routes(routes!(list_tasks, create_task))
        .routes(routes!(update_task))
        .routes(routes!(list_decisions, record_decision))
        .routes(routes!(case_audit))
        .routes(routes!(case_notifications))
}

/// Handles `GET /api/v1/cases/{id}/vulnerabilities`.
#[utoipa::path(get, path = "/cases/{id}/vulnerabilities", tag = "cases", security(("token" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Vec<Vulnerability>), (status = 404, body = ErrorBody)))]
async fn list_vulnerabilities(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<CaseId>,
) -> ApiResult<Json<Vec<Vulnerability>>> {
    authz::case(&app, actor.require()?, id, CaseAction::View).await?;
    Ok(Json(app.store().vulnerabilities(id).await?))
}

/// A vulnerability as the API takes it; parsed into the store's typed
/// `NewVulnerability` (a vector that scores, a known CWE, checked OSV ranges).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewVulnerability)]
struct NewVulnerabilityBody {
    title: String,
    /// CWE id from MITRE's catalogue, for example `CWE-79`.
    #[serde(default)]
    cwe: Option<String>,
    /// CVSS v3.0, v3.1 or v4.0 vector.
    #[serde(default)]
    cvss_vector: Option<String>,
    /// CVE, GHSA, OSV ids of this flaw.
    #[serde(default)]
    aliases: Vec<String>,
    /// Affected packages, as OSV `affected` entries.
    #[serde(default)]
    affected: Vec<AffectedPackage>,
}

impl NewVulnerabilityBody {
    fn parse(self) -> ApiResult<NewVulnerability> {
        let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        Ok(NewVulnerability {
            cvss: given(&self.cvss_vector)
                .map(|v| crate::advisories::parse_vector("cvss_vector", &v))
                .transpose()?,
            cwe: given(&self.cwe)
                .map(|c| crate::advisories::check_cwe("cwe", &c))
                .transpose()?,
            affected: crate::impact::parse_affected(&self.affected)?,
            title: self.title,
            aliases: self.aliases,
        })
    }
}

/// Handles `POST /api/v1/cases/{id}/vulnerabilities`.
#[utoipa::path(post, path = "/cases/{id}/vulnerabilities", tag = "cases", security(("token" = [])), request_body = NewVulnerabilityBody,
    params(("id" = String, Path)), responses((status = 201, body = Vulnerability), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_vulnerability(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<CaseId>,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<Vulnerability>)> {
    let user = actor.require()?;
    authz::case(&app, user, id, CaseAction::ManageVulnerabilities).await?;
    let new = body.parse::<NewVulnerabilityBody>()?.parse()?;
    let v = app
        .store()
        .add_vulnerability(user.id, app.clock().now(), id, new)
        .await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// Handles `GET /api/v1/cases/{id}/participants`: names always; statuses as the caller may see them.
#[utoipa::path(get, path = "/cases/{id}/participants", tag = "cases", security(("token" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Vec<Participant>), (status = 404, body = ErrorBody)))]
async fn list_participants(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<CaseId>,
) -> ApiResult<Json<Vec<Participant>>> {
    let access = authz::case(&app, actor.require()?, id, CaseAction::View).await?;
    Ok(Json(authz::visible_participants(
        &access,
        app.store().participants(id).await?,
    )))
}

/// Handles `POST /api/v1/cases/{id}/participants`: reads a project into the case.
#[utoipa::path(post, path = "/cases/{id}/participants", tag = "cases", security(("token" = [])), request_body = NewParticipant,
    params(("id" = String, Path)), responses((status = 201, body = Vec<Participant>), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn add_participant(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<CaseId>,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<Vec<Participant>>)> {
    let user = actor.require()?;
    let access = authz::case(&app, user, id, CaseAction::ManageParticipants).await?;
    let new: NewParticipant = body.parse()?;
    app.store().add_participant(user.id, app.clock().now(), id, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(authz::visible_participants(
            &access,
            app.store().participants(id).await?,
        )),
    ))
}

/// Handles `POST /api/v1/cases/{id}/participants/{project_id}/statuses`: a project states
/// its status for one vulnerability (OpenVEX vocabulary).
#[utoipa::path(post, path = "/cases/{id}/participants/{project_id}/statuses", tag = "cases", security(("token" = [])),
    request_body = StatusStatement, params(("id" = String, Path), ("project_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn state_status(
    State(app): State<App>,
    actor: Actor,
    Ids(id, project): Ids<CaseId, ProjectId>,
    body: JsonBody,
) -> ApiResult<StatusCode> {
    let user = actor.require()?;
    authz::case_for_project(&app, user, id, project).await?;
    app.store()
        .state_status(user.id, app.clock().now(), id, project, body.parse()?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Sharing {
    /// Whether the other participants may see this project's statuses.
    share: bool,
}

/// Handles `POST /api/v1/cases/{id}/participants/{project_id}/sharing`.
#[utoipa::path(post, path = "/cases/{id}/participants/{project_id}/sharing", tag = "cases", security(("token" = [])),
    request_body = Sharing, params(("id" = String, Path), ("project_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn set_sharing(
    State(app): State<App>,
    actor: Actor,
    Ids(id, project): Ids<CaseId, ProjectId>,
    body: JsonBody,
) -> ApiResult<StatusCode> {
    let user = actor.require()?;
    authz::case_for_project(&app, user, id, project).await?;
    let sharing: Sharing = body.parse()?;
    app.store()
        .set_sharing(user.id, app.clock().now(), id, project, sharing.share)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Publishing {
    /// Whether this project's statuses (status, justification, fixed version) may
    /// appear in the case's published advisory. Separate from `sharing`.
    publish: bool,
}

/// Handles `POST /api/v1/cases/{id}/participants/{project_id}/publication`: the
/// participant itself agrees (or no longer agrees) to have its statuses published in
/// the advisory's next published edition. Coordinators may not agree for it (403).
#[utoipa::path(post, path = "/cases/{id}/participants/{project_id}/publication", tag = "cases", security(("token" = [])),
    request_body = Publishing, params(("id" = String, Path), ("project_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_publishing(
    State(app): State<App>,
    actor: Actor,
    Ids(id, project): Ids<CaseId, ProjectId>,
    body: JsonBody,
) -> ApiResult<StatusCode> {
    let user = actor.require()?;
    authz::participant_itself(&app, user, id, project).await?;
    let publishing: Publishing = body.parse()?;
    app.store()
        .set_publishing(user.id, app.clock().now(), id, project, publishing.publish)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Handles `DELETE /api/v1/cases/{id}/participants/{project_id}`: takes a project out
/// of the case; its members no longer see the case (404), by token or session.
#[utoipa::path(delete, path = "/cases/{id}/participants/{project_id}", tag = "cases", security(("token" = [])),
    params(("id" = String, Path), ("project_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn remove_participant(
    State(app): State<App>,
    actor: Actor,
    Ids(id, project): Ids<CaseId, ProjectId>,
) -> ApiResult<StatusCode> {
    let user = actor.require()?;
    authz::case(&app, user, id, CaseAction::ManageParticipants).await?;
    app.store()
        .remove_participant(user.id, app.clock().now(), id, project)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Handles `GET /api/v1/cases/{id}/messages`: the messages the caller may read.
#[utoipa::path(get, path = "/cases/{id}/messages", tag = "cases", security(("token" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Vec<Message>), (status = 404, body = ErrorBody)))]
async fn list_messages(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>) -> ApiResult<Json<Vec<Message>>> {
    let user = actor.require()?;
    let access = authz::case(&app, user, id, CaseAction::View).await?;
    Ok(Json(authz::visible_messages(
        &access,
        user,
        app.store().messages(id).await?,
    )))
}

/// Handles `POST /api/v1/cases/{id}/messages`.
#[utoipa::path(post, path = "/cases/{id}/messages", tag = "cases", security(("token" = [])), request_body = NewMessage,
    params(("id" = String, Path)), responses((status = 201, body = Message), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn post_message(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<CaseId>,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<Message>)> {
    let user = actor.require()?;
    let access = authz::case(&app, user, id, CaseAction::PostMessage).await?;
    let new: NewMessage = body.parse()?;
    let message = app
        .store()
        .post_message(user.id, app.clock().now(), &access.case, new)
        .await?;
    Ok((StatusCode::CREATED, Json(message)))
}

/// Handles `GET /api/v1/cases/{id}/tasks`.
#[utoipa::path(get, path = "/cases/{id}/tasks", tag = "cases", security(("token" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Vec<Task>), (status = 404, body = ErrorBody)))]
async fn list_tasks(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>) -> ApiResult<Json<Vec<Task>>> {
    authz::case(&app, actor.require()?, id, CaseAction::View).await?;
    Ok(Json(app.store().tasks(id).await?))
}

/// Handles `POST /api/v1/cases/{id}/tasks`.
#[utoipa::path(post, path = "/cases/{id}/tasks", tag = "cases", security(("token" = [])), request_body = NewTask,
    params(("id" = String, Path)), responses((status = 201, body = Task), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_task(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<CaseId>,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<Task>)> {
    let user = actor.require()?;
    authz::case(&app, user, id, CaseAction::ManageTasks).await?;
    let new: NewTask = body.parse()?;
    Ok((
        StatusCode::CREATED,
        Json(app.store().create_task(user.id, app.clock().now(), id, new).await?),
    ))
}

/// Handles `PATCH /api/v1/cases/{id}/tasks/{task_id}`: changes a task's status.
#[utoipa::path(patch, path = "/cases/{id}/tasks/{task_id}", tag = "cases", security(("token" = [])), request_body = TaskUpdate,
    params(("id" = String, Path), ("task_id" = String, Path)),
    responses((status = 200, body = Task), (status = 404, body = ErrorBody)))]
async fn update_task(
    State(app): State<App>,
    actor: Actor,
    Ids(id, task): Ids<CaseId, TaskId>,
    body: JsonBody,
) -> ApiResult<Json<Task>> {
    let user = actor.require()?;
    authz::case(&app, user, id, CaseAction::ManageTasks).await?;
    let update: TaskUpdate = body.parse()?;
    Ok(Json(
        app.store()
            .update_task(user.id, app.clock().now(), id, task, update.status)
            .await?,
    ))
}

/// Handles `GET /api/v1/cases/{id}/decisions`.
#[utoipa::path(get, path = "/cases/{id}/decisions", tag = "cases", security(("token" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Vec<Decision>), (status = 404, body = ErrorBody)))]
async fn list_decisions(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>) -> ApiResult<Json<Vec<Decision>>> {
    authz::case(&app, actor.require()?, id, CaseAction::View).await?;
    Ok(Json(app.store().decisions(id).await?))
}

/// Handles `POST /api/v1/cases/{id}/decisions`: records a decision with its rationale.
#[utoipa::path(post, path = "/cases/{id}/decisions", tag = "cases", security(("token" = [])), request_body = NewDecision,
    params(("id" = String, Path)), responses((status = 201, body = Decision), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn record_decision(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<CaseId>,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<Decision>)> {
    let user = actor.require()?;
    authz::case(&app, user, id, CaseAction::RecordDecision).await?;
    let new: NewDecision = body.parse()?;
    Ok((
        StatusCode::CREATED,
        Json(app.store().record_decision(user.id, app.clock().now(), id, new).await?),
    ))
}

/// Handles `GET /api/v1/cases/{id}/audit`: the case's audit trail (coordinators).
#[utoipa::path(get, path = "/cases/{id}/audit", tag = "cases", security(("token" = [])),
    params(("id" = String, Path)), responses((status = 200, body = Vec<AuditEvent>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn case_audit(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>) -> ApiResult<Json<Vec<AuditEvent>>> {
    authz::case(&app, actor.require()?, id, CaseAction::ViewAudit).await?;
    Ok(Json(audit::case_events(app.store(), id).await?))
}

/// Handles `GET /api/v1/cases/{id}/notifications`: who was told what, newest first,
/// with each delivery's channel, content (full, encrypted or teaser) and state
/// (coordinators).
#[utoipa::path(get, path = "/cases/{id}/notifications", tag = "cases", security(("token" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<lockstep_store::Notification>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn case_notifications(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<CaseId>,
) -> ApiResult<Json<Vec<lockstep_store::Notification>>> {
    authz::case(&app, actor.require()?, id, CaseAction::ViewNotifications).await?;
    Ok(Json(app.store().case_notifications(id).await?))
}
