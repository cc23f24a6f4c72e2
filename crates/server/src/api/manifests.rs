//! Dependency manifests of projects, and the case impact view built from them.

use axum::extract::{DefaultBodyLimit, State};
use axum::Json;
use lockstep_core::authz::CaseAction;
use lockstep_core::{CaseId, ProjectId};
use lockstep_store::Manifest;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{Id, Ids, RawBody};
use crate::auth::Actor;
use crate::error::ErrorBody;
use crate::impact::{self, CaseImpact};
use crate::{authz, ApiResult, App};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(put_manifest))
        .layer(DefaultBodyLimit::max(crate::MAX_MANIFEST_BYTES))
        .routes(routes!(list_manifests))
        .routes(routes!(case_impact))
}

/// Handles `PUT /api/v1/projects/{project_id}/manifests/{name}`: uploads a lockfile,
/// SBOM or Debian index as the raw body; it is parsed first and stored only if it parses.
#[utoipa::path(put, path = "/projects/{project_id}/manifests/{name}", tag = "projects", security(("token" = [])),
    request_body(content = String, description = "the file as is: Cargo.lock, package-lock.json, poetry.lock, uv.lock, requirements.txt, CycloneDX or SPDX JSON, Debian Packages", content_type = "application/octet-stream"),
    params(("project_id" = String, Path), ("name" = String, Path, description = "file name, for example Cargo.lock")),
    responses((status = 200, body = Manifest), (status = 403, body = ErrorBody), (status = 413, description = "larger than the upload limit, or beyond the project's manifest quota (count or bytes)", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_manifest(
    State(app): State<App>,
    actor: Actor,
    Ids(project, name): Ids<ProjectId, String>,
    body: RawBody,
) -> ApiResult<Json<Manifest>> {
    let user = actor.require()?;
    authz::project(&app, user, project).await?;
    // Parsing a large lockfile or index is CPU work: keep it off the async workers.
    let bytes = body.raw().to_vec();
    let new = tokio::task::spawn_blocking(move || impact::parse_manifest(&name, &bytes))
        .await
        .map_err(crate::ApiError::internal)??;
    Ok(Json(
        app.store()
            .put_manifest(user.id, app.clock().now(), project, new, app.config().manifest_quota)
            .await?,
    ))
}

/// Handles `GET /api/v1/projects/{project_id}/manifests`.
#[utoipa::path(get, path = "/projects/{project_id}/manifests", tag = "projects", security(("token" = [])),
    params(("project_id" = String, Path)),
    responses((status = 200, body = Vec<Manifest>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_manifests(
    State(app): State<App>,
    actor: Actor,
    Id(project): Id<ProjectId>,
) -> ApiResult<Json<Vec<Manifest>>> {
    authz::project(&app, actor.require()?, project).await?;
    Ok(Json(app.store().manifests(project).await?))
}

/// Handles `GET /api/v1/cases/{id}/impact`: which registered projects reach the case's
/// affected packages, by which path, and what fixing takes (coordinators).
#[utoipa::path(get, path = "/cases/{id}/impact", tag = "cases", security(("token" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = CaseImpact), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn case_impact(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>) -> ApiResult<Json<CaseImpact>> {
    authz::case(&app, actor.require()?, id, CaseAction::ViewImpact).await?;
    Ok(Json(impact::case_impact(&app, id).await?))
}
