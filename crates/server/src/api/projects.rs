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

use super::{Id, JsonBody};
use crate::auth::Actor;
use crate::error::ErrorBody;
use crate::{authz, ApiResult, App};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_projects, create_project))
        .routes(routes!(add_member))
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

/// Handles `POST /api/v1/projects/{project_id}/members`: adds a user to a project.
#[utoipa::path(post, path = "/projects/{project_id}/members", tag = "projects", security(("token" = [])), request_body = NewMember,
    params(("project_id" = String, Path)),
    responses((status = 201, body = Membership), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn add_member(
    State(app): State<App>,
    actor: Actor,
    Id(project): Id<ProjectId>,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<Membership>)> {
    let user = authz::global(actor.user(), GlobalAction::CreateProject)?;
    let new: NewMember = body.parse()?;
    let m = app
        .store()
        .add_membership(Some(user.id), app.clock().now(), project, new.user_id, new.role)
        .await?;
    Ok((StatusCode::CREATED, Json(m)))
}
