//! Projects and their members.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use lockstep_core::authz::GlobalAction;
use lockstep_core::{MembershipRole, ProjectId, UserId};
use lockstep_store::{Membership, NewProject, Project};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{Id, Ids, JsonBody};
use crate::auth::Actor;
use crate::error::ErrorBody;
use crate::{authz, ApiResult, App};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_projects, create_project))
        .routes(routes!(add_member))
        .routes(routes!(remove_member))
}

/// Handles `GET /api/v1/projects`.
#[utoipa::path(get, path = "/projects", tag = "projects", security(("token" = [])),
    responses((status = 200, body = Vec<Project>), (status = 401, body = ErrorBody)))]
async fn list_projects(State(app): State<App>, actor: Actor) -> ApiResult<Json<Vec<Project>>> {
    authz::global(actor.user(), GlobalAction::ListProjects)?;
    Ok(Json(app.store().list_projects().await?))
}

/// Handles `POST /api/v1/projects`: registers a project with its package URLs.
#[utoipa::path(post, path = "/projects", tag = "projects", security(("token" = [])), request_body = NewProject,
    responses((status = 201, body = Project), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_project(
    State(app): State<App>,
    actor: Actor,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<Project>)> {
    let user = authz::global(actor.user(), GlobalAction::CreateProject)?;
    let new: NewProject = body.parse()?;
    Ok((
        StatusCode::CREATED,
        Json(
            app.store()
                .create_project(Some(user.id), app.clock().now(), new)
                .await?,
        ),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewMember {
    user_id: UserId,
    role: MembershipRole,
}

/// Handles `POST /api/v1/projects/{project_id}/members`: adds a user to a project
/// (admins and the project's maintainers). The user is then read into every case the
/// project is in; each of those cases' audit trails records it.
#[utoipa::path(post, path = "/projects/{project_id}/members", tag = "projects", security(("token" = [])), request_body = NewMember,
    params(("project_id" = String, Path)),
    responses((status = 201, body = Membership), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_member(
    State(app): State<App>,
    actor: Actor,
    Id(project): Id<ProjectId>,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<Membership>)> {
    let user = actor.require()?;
    authz::project_maintainers(&app, user, project).await?;
    let new: NewMember = body.parse()?;
    let m = app
        .store()
        .add_membership(Some(user.id), app.clock().now(), project, new.user_id, new.role)
        .await?;
    Ok((StatusCode::CREATED, Json(m)))
}

/// Handles `DELETE /api/v1/projects/{project_id}/members/{user_id}`: removes a user from
/// a project (admins and the project's maintainers); from the next request on, none of
/// their tokens or sessions reads the project's cases.
#[utoipa::path(delete, path = "/projects/{project_id}/members/{user_id}", tag = "projects", security(("token" = [])),
    params(("project_id" = String, Path), ("user_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove_member(
    State(app): State<App>,
    actor: Actor,
    Ids(project, member): Ids<ProjectId, UserId>,
) -> ApiResult<StatusCode> {
    let user = actor.require()?;
    authz::project_maintainers(&app, user, project).await?;
    app.store()
        .remove_membership(Some(user.id), app.clock().now(), project, member)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
