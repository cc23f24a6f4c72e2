//! Severity and advisories on a case: CVSS vectors scored and CWE ids named by
//! `lockstep-advisory`, severity disputes (each party proposes, a coordinator adopts),
//! the advisory's revisions and publication, and exports to OSV, CSAF, OpenVEX,
//! CycloneDX and CVE 5 built from the case. The public pages (`crate::public`) build
//! their advisories with [`case_advisory`] too, so a draft and its published form
//! never differ by code path.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use lockstep_advisory::cvss::{CvssVersion, Vector};
use lockstep_advisory::cwe::CweId;
use lockstep_advisory::export::{self, Format};
use lockstep_advisory::{
    Advisory, Affected, Credit, Event, Package, Publisher, Range, RangeKind, Revision, Sections, Severity,
};
use lockstep_core::authz::CaseAction;
use lockstep_core::{CaseId, EmbargoState, Phase, Tlp, UserId, VexStatus, VulnerabilityId};
use lockstep_store::{
    audit, AdvisoryRecord, AuditEvent, Case, NewAdvisoryRevision, NewSeverityProposal, Participant, SeverityAdoption,
    SeverityProposal, User, Vulnerability,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{Id, Ids, JsonBody};
use crate::auth::Actor;
use crate::authz::{self, CaseAccess};
use crate::error::ErrorBody;
use crate::{ApiError, ApiResult, App};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(case_severity, set_severity))
        .routes(routes!(propose_severity))
        .routes(routes!(adopt_severity))
        .routes(routes!(show_advisory, revise_advisory))
        .routes(routes!(publish_advisory))
        .routes(routes!(export_advisory))
}

// ---- severity -------------------------------------------------------------------

/// A CVSS vector's score, as `lockstep-advisory` computes it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CvssScore {
    /// `3.0`, `3.1` or `4.0`.
    pub version: String,
    pub vector: String,
    pub base_score: f64,
    /// `NONE`, `LOW`, `MEDIUM`, `HIGH` or `CRITICAL`.
    pub rating: String,
    /// v3.x temporal score, when the vector has temporal metrics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporal_score: Option<f64>,
    /// v3.x environmental score, when the vector has environmental metrics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environmental_score: Option<f64>,
}

impl CvssScore {
    fn of(vector: &Vector) -> Self {
        let s = vector.scores();
        CvssScore {
            version: s.version.as_str().to_owned(),
            vector: vector.as_str().to_owned(),
            base_score: s.base_score,
            rating: s.base_severity.as_str().to_owned(),
            temporal_score: s.temporal_score,
            environmental_score: s.environmental_score,
        }
    }
}

/// Parses and scores a vector given for a case, or a 422 naming `field` and the metric.
pub(crate) fn score_vector(field: &str, vector: &str) -> Result<CvssScore, ApiError> {
    let parsed = Vector::parse(vector)
        .map_err(|e| ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", field, e.to_string()))?;
    if parsed.version() == CvssVersion::V2 {
        return Err(ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            field,
            "CVSS v2.0 is read for old data only; give a CVSS:3.1/ or CVSS:4.0/ vector",
        ));
    }
    Ok(CvssScore::of(&parsed))
}

/// Validates a CWE id against MITRE's catalogue, or a 422 naming `field`.
pub(crate) fn check_cwe(field: &str, cwe: &str) -> Result<CweId, ApiError> {
    cwe.trim()
        .parse::<CweId>()
        .map_err(|e| ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", field, e.to_string()))
}

/// A vulnerability's severity as shown: the vector scored, the CWE named.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VulnerabilitySeverity {
    pub vulnerability_id: VulnerabilityId,
    pub title: String,
    pub cvss_vector: Option<String>,
    pub cvss: Option<CvssScore>,
    /// Why a stored vector does not score (data written before vectors were checked).
    pub cvss_error: Option<String>,
    pub cwe: Option<String>,
    /// The weakness's name in MITRE's CWE catalogue.
    pub cwe_name: Option<String>,
}

impl VulnerabilitySeverity {
    pub(crate) fn of(v: &Vulnerability) -> Self {
        let (cvss, cvss_error) = match v.cvss_vector.as_deref().map(Vector::parse) {
            None => (None, None),
            Some(Ok(vector)) => (Some(CvssScore::of(&vector)), None),
            Some(Err(e)) => (None, Some(e.to_string())),
        };
        let cwe_name = v
            .cwe
            .as_deref()
            .and_then(|c| c.parse::<CweId>().ok())
            .map(|c| c.name().to_owned());
        VulnerabilitySeverity {
            vulnerability_id: v.id,
            title: v.title.clone(),
            cvss_vector: v.cvss_vector.clone(),
            cvss,
            cvss_error,
            cwe: v.cwe.clone(),
            cwe_name,
        }
    }
}

/// A party's proposal with its score.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScoredProposal {
    #[serde(flatten)]
    pub proposal: SeverityProposal,
    pub cvss: Option<CvssScore>,
    /// Whether a newer proposal of the same party for the same vulnerability replaced it.
    pub superseded: bool,
    /// Whether this is the proposal a coordinator adopted last for its vulnerability.
    pub adopted: bool,
}

/// The severity of a case: every vulnerability scored, the parties' proposals side by
/// side, and which proposals the coordinators adopted and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseSeverity {
    pub vulnerabilities: Vec<VulnerabilitySeverity>,
    pub proposals: Vec<ScoredProposal>,
    pub adoptions: Vec<SeverityAdoption>,
}

/// Loads a case's severity view; the web page calls this too.
pub(crate) async fn case_severity_view(app: &App, id: CaseId) -> ApiResult<CaseSeverity> {
    let store = app.store();
    let vulnerabilities = store.vulnerabilities(id).await?;
    let proposals = store.severity_proposals(id).await?;
    let adoptions = store.severity_adoptions(id).await?;
    let scored = proposals
        .iter()
        .enumerate()
        .map(|(i, p)| {
            // The store lists them in the order they were made.
            let superseded = proposals[i + 1..]
                .iter()
                .any(|q| q.vulnerability_id == p.vulnerability_id && q.party_project_id == p.party_project_id);
            let adopted = adoptions
                .iter()
                .rev()
                .find(|a| a.vulnerability_id == p.vulnerability_id)
                .is_some_and(|a| a.proposal_id == p.id);
            ScoredProposal {
                proposal: p.clone(),
                cvss: Vector::parse(&p.cvss_vector).ok().map(|v| CvssScore::of(&v)),
                superseded,
                adopted,
            }
        })
        .collect();
    Ok(CaseSeverity {
        vulnerabilities: vulnerabilities.iter().map(VulnerabilitySeverity::of).collect(),
        proposals: scored,
        adoptions,
    })
}

/// Handles `GET /api/v1/cases/{id}/severity`.
#[utoipa::path(get, path = "/cases/{id}/severity", tag = "advisories", security(("token" = [])),
    params(("id" = String, Path)), responses((status = 200, body = CaseSeverity), (status = 404, body = ErrorBody)))]
async fn case_severity(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>) -> ApiResult<Json<CaseSeverity>> {
    authz::case(&app, actor.require()?, id, CaseAction::View).await?;
    Ok(Json(case_severity_view(&app, id).await?))
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
/// A vector that does not parse is a 422 naming the metric; an unknown CWE id a 422 too.
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
    let vector = match given(&change.cvss_vector) {
        Some(Some(v)) => Some(Some(score_vector("cvss_vector", v)?.vector)),
        Some(None) => Some(None),
        None => None,
    };
    let cwe = match given(&change.cwe) {
        Some(Some(c)) => Some(Some(check_cwe("cwe", c)?.to_string())),
        Some(None) => Some(None),
        None => None,
    };
    app.store()
        .set_severity(
            user.id,
            app.clock().now(),
            id,
            change.vulnerability_id,
            vector.as_ref().map(Option::as_deref),
            cwe.as_ref().map(Option::as_deref),
        )
        .await?;
    let v = app
        .store()
        .vulnerabilities(id)
        .await?
        .into_iter()
        .find(|v| v.id == change.vulnerability_id)
        .ok_or_else(|| ApiError::not_found("vulnerability"))?;
    Ok(Json(VulnerabilitySeverity::of(&v)))
}

/// Which party speaks for `user`: the coordinators (None), or the given or only
/// participating project of theirs.
pub(crate) fn party_of(
    access: &CaseAccess,
    project: Option<lockstep_core::ProjectId>,
) -> ApiResult<Option<lockstep_core::ProjectId>> {
    if access.coordinates() {
        return Ok(None);
    }
    let own = access.own_projects();
    match project {
        Some(p) if own.contains(&p) => Ok(Some(p)),
        Some(_) => Err(ApiError::forbidden("you may only propose for your own project")),
        None => own
            .first()
            .copied()
            .map(Some)
            .ok_or_else(|| ApiError::forbidden("you are not a participant of this case")),
    }
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
    let mut new: NewSeverityProposal = body.parse()?;
    let score = score_vector("cvss_vector", &new.cvss_vector)?;
    new.cvss_vector = score.vector.clone();
    let party = party_of(&access, new.project_id)?;
    let proposal = app
        .store()
        .propose_severity(user.id, app.clock().now(), id, party, &new)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ScoredProposal {
            proposal,
            cvss: Some(score),
            superseded: false,
            adopted: false,
        }),
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
    let adopted = app
        .store()
        .adopt_severity(user.id, app.clock().now(), id, proposal, &adoption.rationale)
        .await?;
    Ok((StatusCode::CREATED, Json(adopted)))
}

// ---- advisory -------------------------------------------------------------------

/// Where an advisory stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AdvisoryStatus {
    /// No revision written yet.
    None,
    /// Written, not public.
    Draft,
    /// Public (its newest revision may be a draft of an update).
    Published,
}

/// One security action of the case (an audit event) and the advisory revision it
/// belongs to: the first revision written after it, `None` while no revision has
/// reflected it yet.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SecurityAction {
    pub seq: i64,
    #[schema(value_type = String, format = DateTime)]
    pub at: jiff::Timestamp,
    pub actor: Option<String>,
    pub action: String,
    pub revision: Option<i64>,
}

/// Links each of a case's audit events (in `seq` order) to the advisory revision it
/// belongs to. The `advisory.revise` events carry their revision number and close it.
pub(crate) fn security_actions(events: &[AuditEvent], names: &HashMap<UserId, String>) -> Vec<SecurityAction> {
    let mut out: Vec<SecurityAction> = Vec::with_capacity(events.len());
    let mut open = 0;
    for e in events {
        out.push(SecurityAction {
            seq: e.seq,
            at: e.at,
            actor: e.actor_id.and_then(|a| names.get(&a).cloned()),
            action: e.action.clone(),
            revision: None,
        });
        if e.action == "advisory.revise" {
            let revision = serde_json::from_str::<Value>(&e.detail)
                .ok()
                .and_then(|d| d["revision"].as_i64());
            for a in &mut out[open..] {
                a.revision = revision;
            }
            open = out.len();
        }
    }
    out
}

/// A case's advisory as its readers see it, with whether it may be published now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdvisoryView {
    pub status: AdvisoryStatus,
    pub advisory: Option<AdvisoryRecord>,
    /// The case's security actions with the revision each belongs to (for those who
    /// may read the case's audit trail; absent for participants).
    pub security_actions: Option<Vec<SecurityAction>>,
    /// Why it cannot be published now (embargo, phase, nothing new to publish).
    pub publish_blocker: Option<String>,
    /// Where the public reads it, once published.
    pub public_url: Option<String>,
}

/// Why the case's advisory may not be made public now, if anything stops it.
pub(crate) fn publish_blocker(case: &Case, advisory: Option<&AdvisoryRecord>) -> Option<String> {
    if !matches!(case.embargo.state, EmbargoState::Exited | EmbargoState::None) {
        return Some(format!(
            "the case's embargo is {}; it must be exited first",
            case.embargo.state
        ));
    }
    if case.phase < Phase::Disclosed {
        return Some(format!("the case is in {}; it must be disclosed first", case.phase));
    }
    match advisory {
        None => Some("no advisory revision is written yet".to_owned()),
        Some(a) if a.published_revision.is_some() && a.published_revision == a.current().map(|r| r.number) => {
            Some("the newest revision is already published".to_owned())
        }
        Some(_) => None,
    }
}

/// Whether the public may see the case's published advisory: the embargo is over and
/// the case disclosed (checked again on every public read, not only when publishing).
pub(crate) fn case_is_public(case: &Case) -> bool {
    matches!(case.embargo.state, EmbargoState::Exited | EmbargoState::None) && case.phase >= Phase::Disclosed
}

pub(crate) async fn advisory_view(app: &App, user: &User, access: &CaseAccess) -> ApiResult<AdvisoryView> {
    let case = &access.case;
    let advisory = app.store().advisory(case.id).await?;
    // Only those who may read the audit trail see the actions; `authz` decides.
    let security_actions = if authz::case(app, user, case.id, CaseAction::ViewAudit).await.is_ok() {
        let names: HashMap<UserId, String> = app
            .store()
            .list_users()
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        Some(security_actions(
            &audit::case_events(app.store(), case.id).await?,
            &names,
        ))
    } else {
        None
    };
    let status = match &advisory {
        None => AdvisoryStatus::None,
        Some(a) if a.published_revision.is_some() => AdvisoryStatus::Published,
        Some(_) => AdvisoryStatus::Draft,
    };
    Ok(AdvisoryView {
        status,
        security_actions,
        publish_blocker: publish_blocker(case, advisory.as_ref()),
        public_url: advisory
            .as_ref()
            .filter(|a| a.published_revision.is_some())
            .map(|a| format!("/advisories/{}", a.advisory_id)),
        advisory,
    })
}

/// Handles `GET /api/v1/cases/{id}/advisory`: the draft and its revisions (everyone read in).
#[utoipa::path(get, path = "/cases/{id}/advisory", tag = "advisories", security(("token" = [])),
    params(("id" = String, Path)), responses((status = 200, body = AdvisoryView), (status = 404, body = ErrorBody)))]
async fn show_advisory(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>) -> ApiResult<Json<AdvisoryView>> {
    let user = actor.require()?;
    let access = authz::case(&app, user, id, CaseAction::View).await?;
    Ok(Json(advisory_view(&app, user, &access).await?))
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
    Ok(Json(
        app.store().revise_advisory(user.id, app.clock().now(), id, new).await?,
    ))
}

/// Handles `POST /api/v1/cases/{id}/advisory/publish`: makes the newest revision public.
/// 409 until the embargo is over and the case disclosed.
#[utoipa::path(post, path = "/cases/{id}/advisory/publish", tag = "advisories", security(("token" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = AdvisoryRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn publish_advisory(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>) -> ApiResult<Json<AdvisoryRecord>> {
    let user = actor.require()?;
    authz::case(&app, user, id, CaseAction::ManageAdvisory).await?;
    Ok(Json(
        app.store().publish_advisory(user.id, app.clock().now(), id).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ExportQuery {
    /// `osv` (default), `csaf`, `csaf-vex`, `openvex`, `cyclonedx` or `cve5`.
    #[serde(default)]
    format: Option<String>,
}

/// Parses an export format name as the API and CLI spell it.
pub(crate) fn parse_format(name: &str) -> Result<Format, ApiError> {
    Format::ALL.iter().copied().find(|f| f.as_str() == name).ok_or_else(|| {
        ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "format",
            format!(
                "unknown format `{name}`; expected one of: {}",
                Format::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ")
            ),
        )
    })
}

/// Runs an exporter; one document is returned as itself, several (OSV and CVE 5 give
/// one per vulnerability) as an array. CVE 5 records are made for the vulnerabilities that have a CVE id only.
pub(crate) fn export_json(advisory: &Advisory, format: Format) -> ApiResult<Value> {
    let filtered;
    let advisory = if format == Format::Cve5 {
        let mut a = advisory.clone();
        a.vulnerabilities.retain(|v| v.cve_id().is_some());
        if a.vulnerabilities.is_empty() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "cannot_export",
                "a CVE 5 record needs a vulnerability with a CVE id (as an alias), and none has one",
            ));
        }
        filtered = a;
        &filtered
    } else {
        advisory
    };
    let mut docs = export::export(advisory, format)
        .map_err(|e| ApiError::new(StatusCode::CONFLICT, "cannot_export", e.to_string()))?;
    Ok(if docs.len() == 1 {
        docs.remove(0).1
    } else {
        Value::Array(docs.into_iter().map(|(_, d)| d).collect())
    })
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
    let format = parse_format(query.format.as_deref().unwrap_or("osv"))?;
    Ok(Json(draft_export(&app, &access, format).await?.1))
}

/// The case's advisory in `format`, as the viewer may see it (statements filtered by
/// `authz`); with the advisory's id. The web page's download calls this too.
pub(crate) async fn draft_export(app: &App, access: &CaseAccess, format: Format) -> ApiResult<(String, Value)> {
    let id = access.case.id;
    let record = app.store().advisory(id).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::CONFLICT,
            "cannot_export",
            "the case has no advisory yet; write a revision first",
        )
    })?;
    let participants = authz::visible_participants(access, app.store().participants(id).await?);
    let advisory = case_advisory(app, &access.case, &record, participants, Edition::Draft).await?;
    Ok((record.advisory_id, export_json(&advisory, format)?))
}

/// Which form of an advisory to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edition {
    /// Every revision, the newest one's text, the advisory's own TLP.
    Draft,
    /// Published revisions only, dated when published, the published one's text, TLP:CLEAR.
    Public,
}

/// The OSV ecosystem of a PURL type, where OSV names one.
fn ecosystem_of(purl_type: &str) -> Option<&'static str> {
    Some(match purl_type {
        "cargo" => "crates.io",
        "npm" => "npm",
        "pypi" => "PyPI",
        "golang" => "Go",
        "maven" => "Maven",
        "gem" => "RubyGems",
        "nuget" => "NuGet",
        "composer" => "Packagist",
        "hex" => "Hex",
        "pub" => "Pub",
        "deb" => "Debian",
        "swift" => "SwiftURL",
        "hackage" => "Hackage",
        "cran" => "CRAN",
        _ => return None,
    })
}

/// A package from a PURL (`pkg:TYPE/NAMESPACE/NAME@VERSION`), without its version.
fn package_of(purl: &str) -> Option<Package> {
    let rest = purl.strip_prefix("pkg:")?;
    let rest = rest.split(['?', '#']).next()?;
    let rest = rest.split('@').next()?;
    let (kind, path) = rest.split_once('/')?;
    let ecosystem = ecosystem_of(&kind.to_ascii_lowercase())?;
    let name = match ecosystem {
        // Namespaced ecosystems name the package with its namespace.
        "Maven" => path.replacen('/', ":", 1),
        "npm" => path.replace("%40", "@"),
        "Go" | "Packagist" => path.to_owned(),
        _ => path.rsplit('/').next()?.to_owned(),
    };
    Some(Package {
        ecosystem: ecosystem.to_owned(),
        name,
        purl: Some(format!("pkg:{rest}")),
    })
}

/// An OSV range as stored on a vulnerability (`{"type", "repo", "events"}`).
fn range_of(value: &Value) -> Option<Range> {
    let kind = match value.get("type")?.as_str()? {
        "SEMVER" => RangeKind::Semver,
        "ECOSYSTEM" => RangeKind::Ecosystem,
        "GIT" => RangeKind::Git,
        _ => return None,
    };
    let events: Vec<Event> = serde_json::from_value(value.get("events")?.clone()).ok()?;
    Some(Range {
        kind,
        repo: value.get("repo").and_then(Value::as_str).map(str::to_owned),
        events,
    })
}

fn nonblank(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// The section texts of a revision as one Markdown document, for formats with one
/// free-text field (OSV `details`, CVE 5 descriptions).
fn details_text(rev: &lockstep_store::AdvisoryRevision) -> String {
    let mut out = Vec::new();
    for (heading, text) in [
        ("Summary", &rev.summary),
        ("Details", &rev.details),
        ("Remediation", &rev.remediation),
        ("Mitigations", &rev.mitigations),
    ] {
        if !text.trim().is_empty() {
            out.push(format!("## {heading}\n\n{}", text.trim()));
        }
    }
    out.join("\n\n")
}

/// Builds the format-neutral advisory of a case: its vulnerabilities (scored vectors,
/// CWE ids, OSV ranges), the participants' statements (as VEX statements and as
/// affected/fixed versions of their packages) and the advisory's sections, credits
/// and changelog. `participants` are already filtered for whoever will read it.
pub(crate) async fn case_advisory(
    app: &App,
    case: &Case,
    record: &AdvisoryRecord,
    participants: Vec<Participant>,
    edition: Edition,
) -> ApiResult<Advisory> {
    let revisions: Vec<Revision> = match edition {
        Edition::Draft => record
            .revisions
            .iter()
            .map(|r| Revision {
                number: r.number.to_string(),
                date: r.created_at,
                summary: r.changelog.clone(),
            })
            .collect(),
        Edition::Public => record
            .public_revisions()
            .into_iter()
            .filter_map(|r| {
                Some(Revision {
                    number: r.number.to_string(),
                    date: r.published_at?,
                    summary: r.changelog.clone(),
                })
            })
            .collect(),
    };
    let text = match edition {
        Edition::Draft => record.current(),
        Edition::Public => record.published(),
    }
    .ok_or_else(|| ApiError::not_found("advisory"))?;
    let store = app.store();
    let mut packages = Vec::new();
    for p in &participants {
        let project = store.project(p.project_id).await?;
        packages.push((p, project.purls));
    }
    let vulnerabilities = store.vulnerabilities(case.id).await?;
    let published = revisions.first().map(|r| r.date);
    let modified = revisions.last().map_or(text.created_at, |r| r.date);
    let many = vulnerabilities.len() > 1;
    let mut out = Vec::with_capacity(vulnerabilities.len());
    for (i, v) in vulnerabilities.iter().enumerate() {
        // The first vulnerability carries the advisory's own id, the later ones `-2`,
        // `-3`, ...: vulnerabilities are only ever added, in order, so a published id
        // never changes when another vulnerability joins the case.
        let id = match i {
            0 => record.advisory_id.clone(),
            _ => format!("{}-{}", record.advisory_id, i + 1),
        };
        let mut vuln = lockstep_advisory::Vulnerability::new(id, modified);
        vuln.aliases = v.aliases.clone();
        vuln.summary = Some(if many { v.title.clone() } else { text.title.clone() });
        vuln.details = Some(details_text(text)).filter(|d| !d.is_empty());
        vuln.severity = v
            .cvss_vector
            .as_deref()
            .and_then(|s| Vector::parse(s).ok())
            .map(|vector| vec![Severity::from_vector(&vector)])
            .unwrap_or_default();
        vuln.cwes = v.cwe.as_deref().and_then(|c| c.parse().ok()).into_iter().collect();
        vuln.affected = v
            .affected
            .iter()
            .map(|a| Affected {
                package: Package {
                    ecosystem: a.ecosystem.clone(),
                    name: a.name.clone(),
                    purl: None,
                },
                ranges: a.ranges.iter().filter_map(range_of).collect(),
                versions: a.versions.clone(),
                functions: Vec::new(),
            })
            .collect();
        for (participant, purls) in &packages {
            let Some(status) = participant.statuses.iter().find(|s| s.vulnerability_id == v.id) else {
                continue;
            };
            for purl in purls {
                let Some(package) = package_of(purl) else { continue };
                vuln.statements.push(lockstep_advisory::Statement {
                    product: package.purl.clone().unwrap_or_else(|| purl.clone()),
                    version: status.fixed_version.clone(),
                    status: status.status,
                    justification: status.justification,
                    // Free text a participant wrote for the people read in: public only
                    // if it shares its statuses (the status and fixed version always are).
                    impact_statement: status
                        .impact_statement
                        .clone()
                        .filter(|_| edition == Edition::Draft || participant.shares_status),
                    action_statement: match (status.status, &status.fixed_version) {
                        (VexStatus::Affected, _) => Some(if text.remediation.trim().is_empty() {
                            "No fixed version is known yet; see the advisory's mitigations.".to_owned()
                        } else {
                            text.remediation.trim().to_owned()
                        }),
                        _ => None,
                    },
                });
                let affected = matches!(status.status, VexStatus::Affected | VexStatus::Fixed);
                let known = vuln
                    .affected
                    .iter()
                    .any(|a| a.package.ecosystem == package.ecosystem && a.package.name == package.name);
                if affected && !known {
                    let mut events = vec![Event::Introduced("0".to_owned())];
                    if let Some(fixed) = &status.fixed_version {
                        events.push(Event::Fixed(fixed.clone()));
                    }
                    vuln.affected.push(Affected {
                        package,
                        ranges: vec![Range {
                            kind: RangeKind::Ecosystem,
                            repo: None,
                            events,
                        }],
                        versions: Vec::new(),
                        functions: Vec::new(),
                    });
                }
            }
        }
        vuln.credits = text
            .credits
            .iter()
            .map(|c| Credit {
                name: c.name.clone(),
                contact: c.contact.clone(),
                kind: c.kind.clone(),
            })
            .collect();
        vuln.published = published.filter(|_| edition == Edition::Public);
        out.push(vuln);
    }
    Ok(Advisory {
        id: record.advisory_id.clone(),
        title: text.title.clone(),
        publisher: Publisher::default(),
        tlp: match edition {
            Edition::Draft => record.tlp,
            Edition::Public => Tlp::Clear,
        },
        sections: Sections {
            summary: nonblank(&text.summary),
            details: nonblank(&text.details),
            remediation: nonblank(&text.remediation),
            mitigation: nonblank(&text.mitigations),
        },
        revisions,
        vulnerabilities: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_become_osv_packages() {
        let p = package_of("pkg:cargo/libfoo@1.2.3").expect("cargo purl");
        assert_eq!((p.ecosystem.as_str(), p.name.as_str()), ("crates.io", "libfoo"));
        assert_eq!(p.purl.as_deref(), Some("pkg:cargo/libfoo"));
        let p = package_of("pkg:npm/%40scope/pkg").expect("npm purl");
        assert_eq!(p.name, "@scope/pkg");
        let p = package_of("pkg:maven/org.example/lib").expect("maven purl");
        assert_eq!(p.name, "org.example:lib");
        assert!(package_of("pkg:unknownkind/x").is_none());
        assert!(package_of("not a purl").is_none());
    }

    #[test]
    fn bad_vectors_name_the_metric_and_v2_is_refused() {
        let e = score_vector("cvss_vector", "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap_err();
        assert!(e.detail.message.contains("AV"), "{}", e.detail.message);
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(score_vector("cvss_vector", "AV:N/AC:L/Au:N/C:P/I:P/A:P").is_err());
        let s = score_vector("cvss_vector", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
        assert_eq!(
            (s.version.as_str(), s.base_score, s.rating.as_str()),
            ("3.1", 9.8, "CRITICAL")
        );
        assert!(check_cwe("cwe", "CWE-99999").is_err());
        assert_eq!(check_cwe("cwe", "cwe-79").unwrap().to_string(), "CWE-79");
    }
}
