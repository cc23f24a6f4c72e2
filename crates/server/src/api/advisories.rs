//! Handles the severity and advisory routes of a case. Each handler parses,
//! authorizes and calls one action of `crate::advisories`, which the pages call too.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use lockstep_core::authz::CaseAction;
use lockstep_core::{CaseId, VulnerabilityId};
use lockstep_store::{AdvisoryRecord, NewAdvisoryRevision, SeverityAdoption};
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{Id, Ids, JsonBody};
use crate::advisories::{self, AdvisoryView, CaseSeverity, NewSeverityProposal, ScoredProposal, VulnerabilitySeverity};
use crate::auth::Actor;
use crate::error::ErrorBody;
use crate::{authz, ApiResult, App};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(case_severity, set_severity))
        .routes(routes!(propose_severity))
        .routes(routes!(adopt_severity))
        .routes(routes!(show_advisory, revise_advisory))
        .routes(routes!(publish_advisory))
        .routes(routes!(export_advisory))
}

/// Handles `GET /api/v1/cases/{id}/severity`.
#[utoipa::path(get, path = "/cases/{id}/severity", tag = "advisories", security(("token" = [])),
    params(("id" = String, Path)), responses((status = 200, body = CaseSeverity), (status = 404, body = ErrorBody)))]
async fn case_severity(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>) -> ApiResult<Json<CaseSeverity>> {
    authz::case(&app, actor.require()?, id, CaseAction::View).await?;
    Ok(Json(advisories::case_severity_view(&app, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SeverityChange {
    vulnerability_id: VulnerabilityId,
    /// CVSS v3.0, v3.1 or v4.0 vector; null or empty clears it, absent keeps it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    cvss_vector: Option<Option<String>>,
    /// CWE id from MITRE's catalogue, for example `CWE-787`; null or empty clears it,
    /// absent keeps it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    cwe: Option<Option<String>>,
}

/// Tells a field given as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// A given field, trimmed, blank read as null.
fn given(value: &Option<Option<String>>) -> Option<Option<&str>> {
    value
        .as_ref()
        .map(|v| v.as_deref().map(str::trim).filter(|v| !v.is_empty()))
}

/// Handles `POST /api/v1/cases/{id}/severity`: sets or clears a vulnerability's CVSS vector
/// and CWE (a field left out is kept).
#[utoipa::path(post, path = "/cases/{id}/severity", tag = "advisories", security(("token" = [])),
    request_body = SeverityChange, params(("id" = String, Path)),
    responses((status = 200, body = VulnerabilitySeverity), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_severity(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<CaseId>,
    body: JsonBody,
) -> ApiResult<Json<VulnerabilitySeverity>> {
    let user = actor.require()?;
    authz::case(&app, user, id, CaseAction::ManageVulnerabilities).await?;
    let change: SeverityChange = body.parse()?;
    Ok(Json(
        advisories::set_severity(
            &app,
            user,
            id,
            change.vulnerability_id,
            given(&change.cvss_vector),
            given(&change.cwe),
        )
        .await?,
    ))
}

/// Handles `POST /api/v1/cases/{id}/severity/proposals`: a party proposes its own vector
/// with a rationale (participants for their project, coordinators for the coordinators).
#[utoipa::path(post, path = "/cases/{id}/severity/proposals", tag = "advisories", security(("token" = [])),
    request_body = NewSeverityProposal, params(("id" = String, Path)),
    responses((status = 201, body = ScoredProposal), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn propose_severity(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<CaseId>,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<ScoredProposal>)> {
    let user = actor.require()?;
    let access = authz::case(&app, user, id, CaseAction::ProposeSeverity).await?;
    let new: NewSeverityProposal = body.parse()?;
    Ok((
        StatusCode::CREATED,
        Json(advisories::propose(&app, user, &access, new).await?),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Adoption {
    /// Why this vector and not the others.
    rationale: String,
}

/// Handles `POST /api/v1/cases/{id}/severity/proposals/{proposal_id}/adopt`: a coordinator
/// adopts a proposal, recording why; the vulnerability's vector becomes the proposal's.
#[utoipa::path(post, path = "/cases/{id}/severity/proposals/{proposal_id}/adopt", tag = "advisories", security(("token" = [])),
    request_body = Adoption, params(("id" = String, Path), ("proposal_id" = String, Path)),
    responses((status = 201, body = SeverityAdoption), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn adopt_severity(
    State(app): State<App>,
    actor: Actor,
    Ids(id, proposal): Ids<CaseId, Uuid>,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<SeverityAdoption>)> {
    let user = actor.require()?;
    authz::case(&app, user, id, CaseAction::ManageAdvisory).await?;
    let adoption: Adoption = body.parse()?;
    Ok((
        StatusCode::CREATED,
        Json(advisories::adopt(&app, user, id, proposal, &adoption.rationale).await?),
    ))
}

/// Handles `GET /api/v1/cases/{id}/advisory`: the draft and its revisions (everyone read in).
#[utoipa::path(get, path = "/cases/{id}/advisory", tag = "advisories", security(("token" = [])),
    params(("id" = String, Path)), responses((status = 200, body = AdvisoryView), (status = 404, body = ErrorBody)))]
async fn show_advisory(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>) -> ApiResult<Json<AdvisoryView>> {
    let user = actor.require()?;
    let access = authz::case(&app, user, id, CaseAction::View).await?;
    Ok(Json(advisories::advisory_view(&app, &access).await?))
}

/// Handles `PUT /api/v1/cases/{id}/advisory`: writes a new revision (the first creates the
/// advisory); `changelog` says what changed.
#[utoipa::path(put, path = "/cases/{id}/advisory", tag = "advisories", security(("token" = [])),
    request_body = NewAdvisoryRevision, params(("id" = String, Path)),
    responses((status = 200, body = AdvisoryRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn revise_advisory(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<CaseId>,
    body: JsonBody,
) -> ApiResult<Json<AdvisoryRecord>> {
    let user = actor.require()?;
    authz::case(&app, user, id, CaseAction::ManageAdvisory).await?;
    let new: NewAdvisoryRevision = body.parse()?;
    Ok(Json(advisories::revise(&app, user, id, new).await?))
}

/// Handles `POST /api/v1/cases/{id}/advisory/publish`: makes the newest revision public,
/// freezing its public edition. 409 until the embargo is over and the case disclosed.
#[utoipa::path(post, path = "/cases/{id}/advisory/publish", tag = "advisories", security(("token" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = AdvisoryRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn publish_advisory(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>) -> ApiResult<Json<AdvisoryRecord>> {
    let user = actor.require()?;
    let access = authz::case(&app, user, id, CaseAction::ManageAdvisory).await?;
    Ok(Json(advisories::publish(&app, user, &access).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ExportQuery {
    /// `osv` (default), `csaf`, `csaf-vex`, `openvex`, `cyclonedx` or `cve5`.
    #[serde(default)]
    format: Option<String>,
}

/// Handles `GET /api/v1/cases/{id}/advisory/export?format=...`: the draft (or the
/// newest revision) in a standard format, built from the case as the caller may see it.
#[utoipa::path(get, path = "/cases/{id}/advisory/export", tag = "advisories", security(("token" = [])),
    params(("id" = String, Path), ExportQuery),
    responses((status = 200, description = "the document, or an array of them for OSV and CVE 5 with several vulnerabilities", body = Object),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn export_advisory(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<CaseId>,
    Query(query): Query<ExportQuery>,
) -> ApiResult<Json<Value>> {
    let access = authz::case(&app, actor.require()?, id, CaseAction::View).await?;
    let format = advisories::parse_format(query.format.as_deref().unwrap_or("osv"))?;
    Ok(Json(advisories::draft_export(&app, &access, format).await?.1))
}
