//! The advisory feature: severity (CVSS vectors scored and CWE ids named by
//! `lockstep-advisory`, each party's proposal, the coordinators' adoption), the case's
//! advisory (revisions, publication, exports). The API (`api::advisories`) and the
//! pages (`advisory_pages`) call these actions; the public routes (`public`) read
//! the editions frozen here at publication.
//!
//! An advisory is built from the case's facts by `lockstep_advisory::build`, a pure
//! function; this module only chooses which facts go in. A draft takes what the
//! viewer may see (`authz`); the public edition takes only what may be public
//! (`lockstep_core::publication`) and is frozen when a coordinator publishes, so
//! anything added or changed later stays private until it is published again.

use std::collections::HashMap;

use axum::http::StatusCode;
use lockstep_advisory::build::{self, CaseFacts, PartyFacts, PartyStatement, RevisionText, VulnerabilityFacts};
use lockstep_advisory::cvss::{CvssVersion, Vector};
use lockstep_advisory::cwe::CweId;
use lockstep_advisory::export::{self, Format};
use lockstep_advisory::{Advisory, Affected, Credit, Package, Revision};
use lockstep_core::authz::CaseAction;
use lockstep_core::publication;
use lockstep_core::{CaseId, ProjectId, Tlp, UserId, VulnerabilityId};
use lockstep_store::{
    audit, AdvisoryRecord, AdvisoryRevision, AuditEvent, Case, NewAdvisoryRevision, Participant, SeverityAdoption,
    SeverityProposal, User, Vulnerability,
};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::authz::{self, CaseAccess};
use crate::{ApiError, ApiResult, App};

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

/// Parses a vector given for a case (v3.0, v3.1 or v4.0), or a 422 naming `field` and
/// the metric.
pub(crate) fn parse_vector(field: &str, vector: &str) -> Result<Vector, ApiError> {
    let parsed = Vector::parse(vector.trim())
        .map_err(|e| ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", field, e.to_string()))?;
    if parsed.version() == CvssVersion::V2 {
        return Err(ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            field,
            "CVSS v2.0 is read for old data only; give a CVSS:3.1/ or CVSS:4.0/ vector",
        ));
    }
    Ok(parsed)
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

/// A party's proposal of its own vector for one vulnerability, with why (the API's
/// request body and the page form's fields).
#[derive(Debug, Clone, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSeverityProposal {
    pub vulnerability_id: VulnerabilityId,
    /// CVSS v3.0, v3.1 or v4.0 vector.
    pub cvss_vector: String,
    pub rationale: String,
    /// For a member of several participating projects: which one speaks.
    #[serde(default)]
    pub project_id: Option<ProjectId>,
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

/// Which party speaks for `user`: the coordinators (None), or the given or only
/// participating project of theirs.
pub(crate) fn party_of(access: &CaseAccess, project: Option<ProjectId>) -> ApiResult<Option<ProjectId>> {
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
    if let Some(reason) = publication::case_publish_blocker(case.phase, case.embargo.state) {
        return Some(reason);
    }
    match advisory {
        None => Some("no advisory revision is written yet".to_owned()),
        Some(a) if a.published_revision.is_some() && a.published_revision == a.current().map(|r| r.number) => {
            Some("the newest revision is already published".to_owned())
        }
        Some(_) => None,
    }
}

pub(crate) async fn advisory_view(app: &App, access: &CaseAccess) -> ApiResult<AdvisoryView> {
    let case = &access.case;
    let advisory = app.store().advisory(case.id).await?;
    // Only those who may read the audit trail see the actions; `authz` decides.
    let security_actions = if access.may(CaseAction::ViewAudit) {
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
    let advisory = draft_advisory(app, access, &record).await?;
    Ok((record.advisory_id, export_json(&advisory, format)?))
}

fn credits(revision: &AdvisoryRevision) -> Vec<Credit> {
    revision
        .credits
        .iter()
        .map(|c| Credit {
            name: c.name.clone(),
            contact: c.contact.clone(),
            kind: c.kind.clone(),
        })
        .collect()
}

fn revision_text(revision: &AdvisoryRevision) -> RevisionText {
    RevisionText {
        title: revision.title.clone(),
        summary: revision.summary.clone(),
        details: revision.details.clone(),
        remediation: revision.remediation.clone(),
        mitigations: revision.mitigations.clone(),
        credits: credits(revision),
        created_at: revision.created_at,
    }
}

/// A stored vulnerability as the advisory builder takes it. Vectors and CWE ids
/// were checked when they were written; one that no longer parses (data older than
/// the checks) is left out rather than published wrong.
fn vulnerability_facts(v: &Vulnerability) -> VulnerabilityFacts {
    VulnerabilityFacts {
        key: v.id.to_string(),
        title: v.title.clone(),
        aliases: v.aliases.clone(),
        cvss: v.cvss_vector.as_deref().and_then(|s| Vector::parse(s).ok()),
        cwe: v.cwe.as_deref().and_then(|c| c.parse().ok()),
        affected: v
            .affected
            .iter()
            .map(|a| Affected {
                package: Package {
                    ecosystem: a.ecosystem.clone(),
                    name: a.name.clone(),
                    purl: None,
                },
                ranges: a.ranges.iter().filter_map(crate::impact::stored_range).collect(),
                versions: a.versions.clone(),
                functions: Vec::new(),
            })
            .collect(),
    }
}

/// Which of a participant's facts go into an edition.
#[derive(Debug, Clone, Copy)]
enum Reader {
    /// Someone read in: statuses as `authz` filtered them, impact statements too.
    ReadIn,
    /// The public: only what the participant agreed to publish.
    Public,
}

async fn party_facts(app: &App, participants: &[Participant], reader: Reader) -> ApiResult<Vec<PartyFacts>> {
    let mut parties = Vec::with_capacity(participants.len());
    for p in participants {
        let (statuses_public, impact_public) = match reader {
            Reader::ReadIn => (true, true),
            Reader::Public => (
                publication::status_may_be_public(p.publishes_status),
                publication::impact_statement_may_be_public(p.publishes_status),
            ),
        };
        if !statuses_public || p.statuses.is_empty() {
            continue;
        }
        let project = app.store().project(p.project_id).await?;
        parties.push(PartyFacts {
            purls: project.purls,
            statements: p
                .statuses
                .iter()
                .map(|s| PartyStatement {
                    vulnerability: s.vulnerability_id.to_string(),
                    status: s.status,
                    justification: s.justification,
                    fixed_version: s.fixed_version.clone(),
                    impact_statement: s.impact_statement.clone().filter(|_| impact_public),
                })
                .collect(),
        });
    }
    Ok(parties)
}

/// The case's advisory as a reader of the case sees it now: the newest revision's
/// text, every revision in the changelog, the advisory's own TLP, the statements
/// `authz` lets the viewer see.
pub(crate) async fn draft_advisory(app: &App, access: &CaseAccess, record: &AdvisoryRecord) -> ApiResult<Advisory> {
    let text = record.current().ok_or_else(|| ApiError::not_found("advisory"))?;
    let participants = authz::visible_participants(access, app.store().participants(access.case.id).await?);
    let vulnerabilities = app.store().vulnerabilities(access.case.id).await?;
    Ok(build::advisory(&CaseFacts {
        advisory_id: record.advisory_id.clone(),
        tlp: record.tlp,
        text: revision_text(text),
        revisions: record
            .revisions
            .iter()
            .map(|r| Revision {
                number: r.number.to_string(),
                date: r.created_at,
                summary: r.changelog.clone(),
            })
            .collect(),
        published: None,
        vulnerabilities: vulnerabilities.iter().map(vulnerability_facts).collect(),
        parties: party_facts(app, &participants, Reader::ReadIn).await?,
    }))
}

/// The public edition of revision `revision`, published at `now`: its text, the
/// changelog of every published revision (this one included), TLP:CLEAR, and of the
/// participants' statements only what they agreed to publish.
async fn public_edition(
    app: &App,
    case: &Case,
    record: &AdvisoryRecord,
    revision: &AdvisoryRevision,
    now: jiff::Timestamp,
) -> ApiResult<Advisory> {
    let mut revisions: Vec<Revision> = record
        .public_revisions()
        .into_iter()
        .filter(|r| r.number != revision.number)
        .filter_map(|r| {
            Some(Revision {
                number: r.number.to_string(),
                date: r.published_at?,
                summary: r.changelog.clone(),
            })
        })
        .collect();
    revisions.push(Revision {
        number: revision.number.to_string(),
        date: now,
        summary: revision.changelog.clone(),
    });
    let participants = app.store().participants(case.id).await?;
    let vulnerabilities = app.store().vulnerabilities(case.id).await?;
    Ok(build::advisory(&CaseFacts {
        advisory_id: record.advisory_id.clone(),
        tlp: Tlp::Clear,
        text: revision_text(revision),
        published: revisions.first().map(|r| r.date),
        revisions,
        vulnerabilities: vulnerabilities.iter().map(vulnerability_facts).collect(),
        parties: party_facts(app, &participants, Reader::Public).await?,
    }))
}

// ---- actions: the API and the pages call these ---------------------------------

/// Sets or clears a vulnerability's CVSS vector and CWE (`None` keeps a field).
pub(crate) async fn set_severity(
    app: &App,
    user: &User,
    case: CaseId,
    vulnerability: VulnerabilityId,
    vector: Option<Option<&str>>,
    cwe: Option<Option<&str>>,
) -> ApiResult<VulnerabilitySeverity> {
    let vector = match vector {
        Some(Some(v)) => Some(Some(parse_vector("cvss_vector", v)?)),
        Some(None) => Some(None),
        None => None,
    };
    let cwe = match cwe {
        Some(Some(c)) => Some(Some(check_cwe("cwe", c)?)),
        Some(None) => Some(None),
        None => None,
    };
    app.store()
        .set_severity(
            user.id,
            app.clock().now(),
            case,
            vulnerability,
            vector.as_ref().map(Option::as_ref),
            cwe,
        )
        .await?;
    let v = app
        .store()
        .vulnerabilities(case)
        .await?
        .into_iter()
        .find(|v| v.id == vulnerability)
        .ok_or_else(|| ApiError::not_found("vulnerability"))?;
    Ok(VulnerabilitySeverity::of(&v))
}

/// The viewer's party proposes its own vector (participants for their project,
/// coordinators for the coordinators).
pub(crate) async fn propose(
    app: &App,
    user: &User,
    access: &CaseAccess,
    new: NewSeverityProposal,
) -> ApiResult<ScoredProposal> {
    let vector = parse_vector("cvss_vector", &new.cvss_vector)?;
    let party = party_of(access, new.project_id)?;
    let proposal = app
        .store()
        .propose_severity(
            user.id,
            app.clock().now(),
            access.case.id,
            party,
            new.vulnerability_id,
            &vector,
            &new.rationale,
        )
        .await?;
    Ok(ScoredProposal {
        proposal,
        cvss: Some(CvssScore::of(&vector)),
        superseded: false,
        adopted: false,
    })
}

/// A coordinator adopts a proposal, saying why.
pub(crate) async fn adopt(
    app: &App,
    user: &User,
    case: CaseId,
    proposal: Uuid,
    rationale: &str,
) -> ApiResult<SeverityAdoption> {
    Ok(app
        .store()
        .adopt_severity(user.id, app.clock().now(), case, proposal, rationale)
        .await?)
}

/// A coordinator writes a new revision (the first creates the advisory). The finders
/// of the reports accepted into the case are credited (`FINDER`) as they asked, unless
/// the revision already names them; an anonymous finder is never named.
pub(crate) async fn revise(
    app: &App,
    user: &User,
    case: CaseId,
    mut new: NewAdvisoryRevision,
) -> ApiResult<AdvisoryRecord> {
    for report in app.store().reports_of_case(case).await? {
        let Some(name) = lockstep_core::intake::credited_name(report.credit, report.credit_name.as_deref()) else {
            continue;
        };
        if !new.credits.iter().any(|c| c.name.trim().eq_ignore_ascii_case(name)) {
            new.credits.push(lockstep_store::AdvisoryCredit {
                name: name.to_owned(),
                kind: Some("FINDER".to_owned()),
                contact: Vec::new(),
            });
        }
    }
    Ok(app
        .store()
        .revise_advisory(user.id, app.clock().now(), case, new)
        .await?)
}

/// Publishes the newest revision: builds its public edition from the case as it is
/// now and freezes it with the revision. The public routes serve only frozen editions.
pub(crate) async fn publish(app: &App, user: &User, access: &CaseAccess) -> ApiResult<AdvisoryRecord> {
    let case = &access.case;
    let now = app.clock().now();
    let record = app.store().advisory(case.id).await?;
    if let Some(reason) = publish_blocker(case, record.as_ref()) {
        return Err(ApiError::new(StatusCode::CONFLICT, "invalid_transition", reason));
    }
    let record = record.ok_or_else(|| ApiError::not_found("advisory"))?;
    let revision = record.current().ok_or_else(|| ApiError::not_found("advisory"))?;
    let edition = public_edition(app, case, &record, revision, now).await?;
    let edition = serde_json::to_value(&edition).map_err(ApiError::internal)?;
    Ok(app
        .store()
        .publish_advisory(user.id, now, case.id, revision.number, edition)
        .await?)
}

/// A public advisory: its id and the frozen edition of its newest published revision.
pub(crate) struct PublicAdvisory {
    pub advisory_id: String,
    pub advisory: Advisory,
}

fn public_advisory(case: &Case, advisory_id: String, edition: Value) -> ApiResult<Option<PublicAdvisory>> {
    // The case must still be out of embargo and disclosed, on every read.
    if !publication::case_may_be_public(case.phase, case.embargo.state) {
        return Ok(None);
    }
    let advisory = serde_json::from_value(edition)
        .map_err(|e| ApiError::internal(format!("stored edition of {advisory_id} does not read: {e}")))?;
    Ok(Some(PublicAdvisory { advisory_id, advisory }))
}

/// The public advisory with this id, or `None`: also for a draft, an advisory whose
/// case is (somehow) back under embargo, and one published before editions were frozen.
pub(crate) async fn published(app: &App, advisory_id: &str) -> ApiResult<Option<PublicAdvisory>> {
    let Some(edition) = app.store().published_edition(advisory_id).await? else {
        return Ok(None);
    };
    let case = app.store().case(edition.case_id).await?;
    public_advisory(&case, edition.advisory_id, edition.edition)
}

/// Every public advisory, newest first.
pub(crate) async fn all_published(app: &App) -> ApiResult<Vec<PublicAdvisory>> {
    let mut out = Vec::new();
    for edition in app.store().published_editions().await? {
        let case = app.store().case(edition.case_id).await?;
        out.extend(public_advisory(&case, edition.advisory_id, edition.edition)?);
    }
    out.sort_by_key(|p| std::cmp::Reverse(p.advisory.current_date()));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_vectors_name_the_metric_and_v2_is_refused() {
        let score_vector = |field: &str, v: &str| parse_vector(field, v).map(|v| CvssScore::of(&v));
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
