//! The case-side pages of severity and the advisory (`/cases/{id}/advisory`) and their
//! forms. Access is the case's, decided in `authz` like every other case page; each
//! form calls the same action of `crate::advisories` as its API route.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect};
use lockstep_core::authz::CaseAction;
use lockstep_core::{CaseId, Tlp, VulnerabilityId};
use lockstep_store::{AdvisoryCredit, NewAdvisoryRevision};
use minijinja::context;

use crate::advisories::{self, advisory_view, case_severity_view, draft_export, parse_format, NewSeverityProposal};
use crate::api::Id;
use crate::auth::Actor;
use crate::web::{check_csrf, field, form, invalid, when, PageResult};
use crate::{authz, ApiError, App};

/// Handles `GET /cases/{id}/advisory`: scores, proposals side by side, the draft.
pub async fn advisory_page(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>) -> PageResult {
    let user = actor.require()?;
    let access = authz::case(&app, user, id, CaseAction::View).await?;
    let severity = case_severity_view(&app, id).await?;
    let advisory = advisory_view(&app, &access).await?;
    let published_at = advisory
        .advisory
        .as_ref()
        .and_then(|a| a.published())
        .and_then(|r| r.published_at)
        .map(when);
    let changelog: Vec<minijinja::Value> = advisory
        .advisory
        .iter()
        .flat_map(|a| a.revisions.iter().rev())
        .map(|r| {
            context! { number => r.number, date => when(r.created_at), changelog => r.changelog,
            published => r.published_at.map(when) }
        })
        .collect();
    let proposals: Vec<minijinja::Value> = severity
        .proposals
        .iter()
        .map(|p| {
            context! { id => p.proposal.id.to_string(), vulnerability_id => p.proposal.vulnerability_id.to_string(),
            party => p.proposal.party, by => p.proposal.proposed_by_name, at => when(p.proposal.created_at),
            vector => p.proposal.cvss_vector, cvss => p.cvss, rationale => p.proposal.rationale,
            superseded => p.superseded, adopted => p.adopted }
        })
        .collect();
    let adoptions: Vec<minijinja::Value> = severity
        .adoptions
        .iter()
        .map(|a| {
            context! { vulnerability_id => a.vulnerability_id.to_string(), vector => a.cvss_vector,
            by => a.adopted_by_name, at => when(a.created_at), rationale => a.rationale }
        })
        .collect();
    let actions: Option<Vec<minijinja::Value>> = advisory.security_actions.as_ref().map(|actions| {
        actions
            .iter()
            .map(|a| {
                context! { at => when(a.at), actor => a.actor, action => a.action, revision => a.revision }
            })
            .collect()
    });
    let html = app
        .0
        .templates
        .get_template("advisory.html")
        .and_then(|t| {
            t.render(context! {
                user => user, csrf => actor.csrf_token(), case => access.case,
                coordinates => access.coordinates(), vulnerabilities => severity.vulnerabilities,
                proposals => proposals, adoptions => adoptions, advisory => advisory.advisory,
                current => advisory.advisory.as_ref().and_then(|a| a.current().cloned()),
                status => advisory.status, publish_blocker => advisory.publish_blocker,
                public_url => advisory.public_url, published_at => published_at, changelog => changelog,
                tlps => Tlp::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
                security_actions => actions,
            })
        })
        .map_err(ApiError::internal)?;
    Ok(Html(html).into_response())
}

/// Handles `POST /cases/{id}/severity/proposals` (form): the viewer's party proposes a vector.
pub async fn propose_severity(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>, body: Bytes) -> PageResult {
    let user = actor.require()?;
    let access = authz::case(&app, user, id, CaseAction::ProposeSeverity).await?;
    let form = form(&body);
    check_csrf(&actor, &form)?;
    let vulnerability_id: VulnerabilityId = field(&form, "vulnerability_id")
        .parse()
        .map_err(|_| invalid("vulnerability_id", "choose a vulnerability"))?;
    let new = NewSeverityProposal {
        vulnerability_id,
        cvss_vector: field(&form, "cvss_vector").to_owned(),
        rationale: field(&form, "rationale").to_owned(),
        project_id: None,
    };
    advisories::propose(&app, user, &access, new).await?;
    Ok(Redirect::to(&format!("/cases/{id}/advisory#proposals")).into_response())
}

/// Handles `POST /cases/{id}/severity/adopt` (form): a coordinator adopts a proposal.
pub async fn adopt_severity(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>, body: Bytes) -> PageResult {
    let user = actor.require()?;
    authz::case(&app, user, id, CaseAction::ManageAdvisory).await?;
    let form = form(&body);
    check_csrf(&actor, &form)?;
    let proposal: uuid::Uuid = field(&form, "proposal_id")
        .parse()
        .map_err(|_| invalid("proposal_id", "choose a proposal"))?;
    advisories::adopt(&app, user, id, proposal, field(&form, "rationale")).await?;
    Ok(Redirect::to(&format!("/cases/{id}/advisory#proposals")).into_response())
}

#[derive(serde::Deserialize)]
pub struct DownloadQuery {
    #[serde(default)]
    format: Option<String>,
}

/// Handles `GET /cases/{id}/advisory/export?format=...`: the same export as the API's,
/// as a download for people with a session.
pub async fn download_export(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<CaseId>,
    Query(query): Query<DownloadQuery>,
) -> PageResult {
    let user = actor.require()?;
    let access = authz::case(&app, user, id, CaseAction::View).await?;
    let format = parse_format(query.format.as_deref().unwrap_or("osv"))?;
    let (advisory_id, doc) = draft_export(&app, &access, format).await?;
    let body = serde_json::to_string_pretty(&doc).map_err(ApiError::internal)?;
    let disposition = format!("attachment; filename=\"{advisory_id}.{format}.json\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// Credits as the form takes them: one per line, `Name` or `Name (KIND)`.
fn parse_credits(text: &str) -> Vec<AdvisoryCredit> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| match line.strip_suffix(')').and_then(|l| l.rsplit_once(" (")) {
            Some((name, kind)) => AdvisoryCredit {
                name: name.trim().to_owned(),
                kind: Some(kind.trim().replace(' ', "_")),
                contact: Vec::new(),
            },
            None => AdvisoryCredit {
                name: line.to_owned(),
                kind: None,
                contact: Vec::new(),
            },
        })
        .collect()
}

/// Handles `POST /cases/{id}/advisory` (form): a coordinator writes a new revision. The
/// form always asks what changed (prefilled `Initial draft.` for the first one).
pub async fn revise_advisory(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>, body: Bytes) -> PageResult {
    let user = actor.require()?;
    authz::case(&app, user, id, CaseAction::ManageAdvisory).await?;
    let form = form(&body);
    check_csrf(&actor, &form)?;
    if field(&form, "changelog").trim().is_empty() {
        return Err(invalid("changelog", "say what this revision changes").into());
    }
    let tlp = match field(&form, "tlp") {
        "" => None,
        t => Some(t.parse::<Tlp>().map_err(|e| invalid("tlp", e.to_string()))?),
    };
    let new = NewAdvisoryRevision {
        title: field(&form, "title").to_owned(),
        summary: field(&form, "summary").to_owned(),
        details: field(&form, "details").to_owned(),
        remediation: field(&form, "remediation").to_owned(),
        mitigations: field(&form, "mitigations").to_owned(),
        credits: parse_credits(field(&form, "credits")),
        changelog: field(&form, "changelog").to_owned(),
        tlp,
    };
    advisories::revise(&app, user, id, new).await?;
    Ok(Redirect::to(&format!("/cases/{id}/advisory#advisory")).into_response())
}

/// Handles `POST /cases/{id}/advisory/publish` (form): publishes the newest revision.
pub async fn publish_advisory(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>, body: Bytes) -> PageResult {
    let user = actor.require()?;
    let access = authz::case(&app, user, id, CaseAction::ManageAdvisory).await?;
    check_csrf(&actor, &form(&body))?;
    advisories::publish(&app, user, &access).await?;
    Ok(Redirect::to(&format!("/cases/{id}/advisory")).into_response())
}
