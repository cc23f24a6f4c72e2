//! Researcher intake over the API: the disclosure policy, submitting a report without
//! an account, the finder's tracking by token, and the coordinators' triage queue.
//! Handlers only; the feature lives in `crate::intake`.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use lockstep_core::authz::GlobalAction;
use lockstep_core::{CaseId, ReportId};
use lockstep_store::{CaseAttachment, DisclosurePolicy, NewAttachment, NewReport, Report, ReportMessage, ReportMove};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{Id, Ids, JsonBody, ReportJsonBody};
use crate::auth::Actor;
use crate::error::ErrorBody;
use crate::intake::{self, QueueEntry, ReportDetail, Submitted, Tracking};
use crate::login::ClientAddress;
use crate::{authz, ApiError, ApiResult, App};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(submit_report))
        .routes(routes!(finder_message))
        .layer(DefaultBodyLimit::max(intake::MAX_REPORT_BODY_BYTES))
        .routes(routes!(list_reports))
        .routes(routes!(get_policy, put_policy))
        .routes(routes!(track))
        .routes(routes!(show_report))
        .routes(routes!(coordinator_message))
        .routes(routes!(acknowledge))
        .routes(routes!(validate))
        .routes(routes!(decline))
        .routes(routes!(duplicate))
        .routes(routes!(accept))
        .routes(routes!(download_attachment))
        .routes(routes!(claim))
        .routes(routes!(list_case_attachments))
        .routes(routes!(download_case_attachment))
        .routes(routes!(share_case_attachment))
        .routes(routes!(my_reports))
}

/// A file in a JSON body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonAttachment {
    pub filename: String,
    #[serde(default)]
    pub content_type: String,
    /// The file, base64 (standard alphabet, padded).
    pub content_base64: String,
}

fn decode(attachments: Vec<JsonAttachment>) -> ApiResult<Vec<NewAttachment>> {
    attachments
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let content = base64::engine::general_purpose::STANDARD
                .decode(a.content_base64.as_bytes())
                .map_err(|e| {
                    ApiError::field(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid_input",
                        &format!("attachments[{i}].content_base64"),
                        format!("not base64: {e}"),
                    )
                })?;
            Ok(NewAttachment {
                filename: a.filename,
                content_type: a.content_type,
                content,
            })
        })
        .collect()
}

/// A report as submitted over the API.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReportSubmission {
    #[serde(flatten)]
    pub report: NewReport,
    #[serde(default)]
    pub attachments: Vec<JsonAttachment>,
}

/// Handles `POST /api/v1/reports`: a finder's report, no account needed. Answers the
/// tracking token once.
#[utoipa::path(post, path = "/reports", tag = "reports", request_body = ReportSubmission,
    responses((status = 201, body = Submitted), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 429, description = "too many submissions from this address; see Retry-After", body = ErrorBody)))]
async fn submit_report(
    State(app): State<App>,
    headers: HeaderMap,
    address: ClientAddress,
    ReportJsonBody(body): ReportJsonBody,
) -> ApiResult<(StatusCode, Json<Submitted>)> {
    let submission: ReportSubmission = body.parse()?;
    let attachments = decode(submission.attachments)?;
    let base = intake::public_base(&app, &headers);
    let submitted = intake::submit(&app, &base, &address, submission.report, &attachments).await?;
    Ok((StatusCode::CREATED, Json(submitted)))
}

/// Handles `GET /api/v1/reports/track/{token}`: the finder's view of their report.
#[utoipa::path(get, path = "/reports/track/{token}", tag = "reports",
    params(("token" = String, Path, description = "the tracking token")),
    responses((status = 200, body = Tracking), (status = 404, body = ErrorBody)))]
async fn track(State(app): State<App>, Id(token): Id<String>) -> ApiResult<Json<Tracking>> {
    Ok(Json(intake::tracking(&app, &token).await?))
}

/// A message in the thread, with optional files.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReportMessage {
    pub body: String,
    #[serde(default)]
    pub attachments: Vec<JsonAttachment>,
}

/// Handles `POST /api/v1/reports/track/{token}/messages`: the finder writes to the coordinators.
#[utoipa::path(post, path = "/reports/track/{token}/messages", tag = "reports", request_body = NewReportMessage,
    params(("token" = String, Path, description = "the tracking token")),
    responses((status = 201, body = ReportMessage), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn finder_message(
    State(app): State<App>,
    address: ClientAddress,
    Id(token): Id<String>,
    ReportJsonBody(body): ReportJsonBody,
) -> ApiResult<(StatusCode, Json<ReportMessage>)> {
    // The token is checked first: a wrong one learns nothing from the body's errors.
    intake::tracking(&app, &token).await?;
    let new: NewReportMessage = body.parse()?;
    let attachments = decode(new.attachments)?;
    let message = intake::finder_message(&app, &address, &token, &new.body, &attachments).await?;
    Ok((StatusCode::CREATED, Json(message)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Claim {
    /// The tracking token of the report's link.
    token: String,
}

/// Handles `POST /api/v1/reports/claim`: a finder with an account claims a report by
/// its tracking token.
#[utoipa::path(post, path = "/reports/claim", tag = "reports", security(("token" = [])), request_body = Claim,
    responses((status = 200, body = Tracking), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn claim(State(app): State<App>, actor: Actor, body: JsonBody) -> ApiResult<Json<Tracking>> {
    let user = actor.require()?;
    let c: Claim = body.parse()?;
    Ok(Json(intake::claim(&app, user, &c.token).await?))
}

/// Handles `GET /api/v1/me/reports`: the reports the caller claimed.
#[utoipa::path(get, path = "/me/reports", tag = "reports", security(("token" = [])),
    responses((status = 200, body = Vec<Tracking>), (status = 401, body = ErrorBody)))]
async fn my_reports(State(app): State<App>, actor: Actor) -> ApiResult<Json<Vec<Tracking>>> {
    let user = actor.require()?;
    Ok(Json(intake::claimed(&app, user).await?))
}

/// Handles `GET /api/v1/policy`: the disclosure policy (public).
#[utoipa::path(get, path = "/policy", tag = "reports", responses((status = 200, body = DisclosurePolicy)))]
async fn get_policy(State(app): State<App>) -> ApiResult<Json<DisclosurePolicy>> {
    Ok(Json(app.store().policy().await?))
}

/// Handles `PUT /api/v1/policy`: admins replace the disclosure policy.
#[utoipa::path(put, path = "/policy", tag = "reports", security(("token" = [])), request_body = DisclosurePolicy,
    responses((status = 200, body = DisclosurePolicy), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_policy(State(app): State<App>, actor: Actor, body: JsonBody) -> ApiResult<Json<DisclosurePolicy>> {
    let user = authz::global(actor.user(), GlobalAction::ManagePolicy)?;
    let policy: DisclosurePolicy = body.parse()?;
    Ok(Json(app.store().set_policy(user.id, app.clock().now(), policy).await?))
}

/// Handles `GET /api/v1/reports`: the triage queue (coordinators).
#[utoipa::path(get, path = "/reports", tag = "reports", security(("token" = [])),
    responses((status = 200, body = Vec<QueueEntry>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_reports(State(app): State<App>, actor: Actor) -> ApiResult<Json<Vec<QueueEntry>>> {
    let user = authz::global(actor.user(), GlobalAction::TriageReports)?;
    Ok(Json(intake::queue(&app, user).await?))
}

/// Handles `GET /api/v1/reports/{report_id}`: one report with its thread (coordinators).
#[utoipa::path(get, path = "/reports/{report_id}", tag = "reports", security(("token" = [])),
    params(("report_id" = String, Path)),
    responses((status = 200, body = ReportDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn show_report(State(app): State<App>, actor: Actor, Id(id): Id<ReportId>) -> ApiResult<Json<ReportDetail>> {
    let user = authz::global(actor.user(), GlobalAction::TriageReports)?;
    Ok(Json(intake::detail(&app, user, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CoordinatorMessage {
    body: String,
}

/// Handles `POST /api/v1/reports/{report_id}/messages`: a coordinator writes to the finder.
#[utoipa::path(post, path = "/reports/{report_id}/messages", tag = "reports", security(("token" = [])),
    request_body = CoordinatorMessage, params(("report_id" = String, Path)),
    responses((status = 201, body = ReportMessage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn coordinator_message(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<ReportId>,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<ReportMessage>)> {
    let user = authz::global(actor.user(), GlobalAction::TriageReports)?;
    let new: CoordinatorMessage = body.parse()?;
    let message = intake::coordinator_message(&app, user, id, &new.body).await?;
    Ok((StatusCode::CREATED, Json(message)))
}

async fn moved(app: &App, actor: &Actor, id: ReportId, how: ReportMove) -> ApiResult<Json<Report>> {
    let user = authz::global(actor.user(), GlobalAction::TriageReports)?;
    Ok(Json(intake::move_report(app, user, id, how).await?))
}

/// Handles `POST /api/v1/reports/{report_id}/acknowledge`: a person has read it.
#[utoipa::path(post, path = "/reports/{report_id}/acknowledge", tag = "reports", security(("token" = [])),
    params(("report_id" = String, Path)),
    responses((status = 200, body = Report), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn acknowledge(State(app): State<App>, actor: Actor, Id(id): Id<ReportId>) -> ApiResult<Json<Report>> {
    moved(&app, &actor, id, ReportMove::Acknowledge).await
}

/// Handles `POST /api/v1/reports/{report_id}/validate`: the coordinators are reproducing it.
#[utoipa::path(post, path = "/reports/{report_id}/validate", tag = "reports", security(("token" = [])),
    params(("report_id" = String, Path)),
    responses((status = 200, body = Report), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn validate(State(app): State<App>, actor: Actor, Id(id): Id<ReportId>) -> ApiResult<Json<Report>> {
    moved(&app, &actor, id, ReportMove::Validate).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Decline {
    reason: String,
}

/// Handles `POST /api/v1/reports/{report_id}/decline`: declined, with the reason the finder sees.
#[utoipa::path(post, path = "/reports/{report_id}/decline", tag = "reports", security(("token" = [])),
    request_body = Decline, params(("report_id" = String, Path)),
    responses((status = 200, body = Report), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn decline(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<ReportId>,
    body: JsonBody,
) -> ApiResult<Json<Report>> {
    authz::global(actor.user(), GlobalAction::TriageReports)?;
    let d: Decline = body.parse()?;
    moved(&app, &actor, id, ReportMove::Decline { reason: d.reason }).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Duplicate {
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    of_report: Option<ReportId>,
    #[serde(default)]
    of_case: Option<CaseId>,
}

/// Handles `POST /api/v1/reports/{report_id}/duplicate`: repeats another report or a case.
#[utoipa::path(post, path = "/reports/{report_id}/duplicate", tag = "reports", security(("token" = [])),
    request_body = Duplicate, params(("report_id" = String, Path)),
    responses((status = 200, body = Report), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn duplicate(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<ReportId>,
    body: JsonBody,
) -> ApiResult<Json<Report>> {
    authz::global(actor.user(), GlobalAction::TriageReports)?;
    let d: Duplicate = body.parse()?;
    moved(
        &app,
        &actor,
        id,
        ReportMove::Duplicate {
            of_report: d.of_report,
            of_case: d.of_case,
        },
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Accept {
    /// An existing case the caller coordinates; without it a new case is opened.
    #[serde(default)]
    case_id: Option<CaseId>,
    /// The new case's title (default: the report's).
    #[serde(default)]
    title: Option<String>,
}

/// Handles `POST /api/v1/reports/{report_id}/accept`: into a new or an existing case; the
/// report's facts, attachments and credit go with it.
#[utoipa::path(post, path = "/reports/{report_id}/accept", tag = "reports", security(("token" = [])),
    request_body = Accept, params(("report_id" = String, Path)),
    responses((status = 200, body = Report), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn accept(State(app): State<App>, actor: Actor, Id(id): Id<ReportId>, body: JsonBody) -> ApiResult<Json<Report>> {
    authz::global(actor.user(), GlobalAction::TriageReports)?;
    let a: Accept = body.parse()?;
    moved(
        &app,
        &actor,
        id,
        ReportMove::Accept {
            case: a.case_id,
            new_case_title: a.title,
        },
    )
    .await
}

/// Handles `GET /api/v1/reports/{report_id}/attachments/{sha256}`: the file, as a download.
#[utoipa::path(get, path = "/reports/{report_id}/attachments/{sha256}", tag = "reports", security(("token" = [])),
    params(("report_id" = String, Path), ("sha256" = String, Path)),
    responses((status = 200, description = "the file, `Content-Disposition: attachment`", content_type = "application/octet-stream"),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn download_attachment(
    State(app): State<App>,
    actor: Actor,
    Ids(id, sha256): Ids<ReportId, String>,
) -> ApiResult<Response> {
    authz::global(actor.user(), GlobalAction::TriageReports)?;
    let attachment = app.store().attachment(id, &sha256).await?;
    Ok(attachment_response(attachment))
}

/// Handles `GET /api/v1/cases/{id}/attachments`: the attachments of the reports accepted
/// into the case; participants see those shared with them.
#[utoipa::path(get, path = "/cases/{id}/attachments", tag = "cases", security(("token" = [])),
    params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = Vec<CaseAttachment>), (status = 404, body = ErrorBody)))]
async fn list_case_attachments(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<CaseId>,
) -> ApiResult<Json<Vec<CaseAttachment>>> {
    let user = actor.require()?;
    Ok(Json(intake::case_attachments(&app, user, id).await?))
}

/// Handles `GET /api/v1/cases/{id}/attachments/{sha256}`: the file, as a download.
#[utoipa::path(get, path = "/cases/{id}/attachments/{sha256}", tag = "cases", security(("token" = [])),
    params(("id" = String, Path, description = "case id"), ("sha256" = String, Path)),
    responses((status = 200, description = "the file, `Content-Disposition: attachment`", content_type = "application/octet-stream"),
              (status = 404, body = ErrorBody)))]
async fn download_case_attachment(
    State(app): State<App>,
    actor: Actor,
    Ids(id, sha256): Ids<CaseId, String>,
) -> ApiResult<Response> {
    let user = actor.require()?;
    Ok(attachment_response(
        intake::case_attachment(&app, user, id, &sha256).await?,
    ))
}

/// Handles `POST /api/v1/cases/{id}/attachments/{sha256}/share`: the case's
/// participants may read it from now on.
#[utoipa::path(post, path = "/cases/{id}/attachments/{sha256}/share", tag = "cases", security(("token" = [])),
    params(("id" = String, Path, description = "case id"), ("sha256" = String, Path)),
    responses((status = 200, body = CaseAttachment), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn share_case_attachment(
    State(app): State<App>,
    actor: Actor,
    Ids(id, sha256): Ids<CaseId, String>,
) -> ApiResult<Json<CaseAttachment>> {
    let user = actor.require()?;
    Ok(Json(intake::share_attachment(&app, user, id, &sha256).await?))
}

/// A stored attachment as a download: never inline, never sniffed (the security
/// headers add `nosniff`), whatever type the finder claimed.
pub(crate) fn attachment_response(a: lockstep_store::Attachment) -> Response {
    use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
    let name: String = a
        .info
        .filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    (
        [
            (CONTENT_TYPE, "application/octet-stream".to_owned()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        a.content,
    )
        .into_response()
}
