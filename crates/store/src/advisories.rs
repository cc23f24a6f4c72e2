//! Severity disputes and advisories: parties' CVSS proposals and the coordinator's
//! adoption of one, and a case's advisory with its revisions and publication. Vectors
//! and CWE ids come in parsed (`lockstep_advisory::cvss::Vector`, `cwe::CweId`); the
//! store checks lengths, and the server decides who may call these functions.

use jiff::Timestamp;
use lockstep_advisory::cvss::Vector;
use lockstep_advisory::cwe::CweId;
use lockstep_core::{CaseId, EmbargoState, InvalidTransition, Phase, ProjectId, Tlp, UserId, VulnerabilityId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::any::AnyRow;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::rows::{instant, instant_opt, optional, parsed, parsed_opt, required};
use crate::{get, Addressees, Announcement, AuditEntry, Result, Store, StoreError};
use lockstep_core::notify::NotificationKind;

/// The longest rationale, section or changelog entry accepted, in characters.
const LONG_TEXT: usize = 20_000;

/// One party's CVSS vector for one vulnerability, with why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SeverityProposal {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub case_id: CaseId,
    pub vulnerability_id: VulnerabilityId,
    /// The participating project that proposes it; `None` for the coordinators.
    pub party_project_id: Option<ProjectId>,
    /// The project's name, or `coordinators`.
    pub party: String,
    pub proposed_by: UserId,
    pub proposed_by_name: String,
    pub cvss_vector: String,
    pub rationale: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// A coordinator's adoption of one proposal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SeverityAdoption {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub case_id: CaseId,
    pub vulnerability_id: VulnerabilityId,
    #[schema(value_type = String, format = Uuid)]
    pub proposal_id: Uuid,
    pub cvss_vector: String,
    pub rationale: String,
    pub adopted_by: UserId,
    pub adopted_by_name: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// Someone credited in an advisory (OSV's credit types: `FINDER`, `REPORTER`,
/// `REMEDIATION_DEVELOPER`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvisoryCredit {
    pub name: String,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub contact: Vec<String>,
}

/// One revision of an advisory: its layered sections and changelog entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdvisoryRevision {
    pub number: i64,
    pub title: String,
    /// For decision makers: what it is, who is affected, how bad, what to do.
    pub summary: String,
    /// For engineers: the technical details.
    pub details: String,
    /// For administrators: the remediation steps.
    pub remediation: String,
    /// For administrators: mitigations when one cannot upgrade yet.
    pub mitigations: String,
    pub credits: Vec<AdvisoryCredit>,
    /// What changed in this revision.
    pub changelog: String,
    pub author_id: UserId,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// When this revision was made public; `None` for a draft.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub published_at: Option<Timestamp>,
}

/// A case's advisory with every revision, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdvisoryRecord {
    pub case_id: CaseId,
    /// The public id, for example `LOCKSTEP-2m7q-9cvx-wh4f`: random, so a draft's id
    /// says nothing about how many advisories are embargoed.
    pub advisory_id: String,
    pub tlp: Tlp,
    /// The revision the public sees; `None` while the advisory is a draft.
    pub published_revision: Option<i64>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
    pub revisions: Vec<AdvisoryRevision>,
}

impl AdvisoryRecord {
    /// The newest revision (the draft being worked on, or the published one).
    pub fn current(&self) -> Option<&AdvisoryRevision> {
        self.revisions.last()
    }

    /// The revision the public sees, if any.
    pub fn published(&self) -> Option<&AdvisoryRevision> {
        let n = self.published_revision?;
        self.revisions.iter().find(|r| r.number == n)
    }

    /// The revisions the public sees: every published one, oldest first.
    pub fn public_revisions(&self) -> Vec<&AdvisoryRevision> {
        self.revisions.iter().filter(|r| r.published_at.is_some()).collect()
    }
}

/// The public edition of an advisory, frozen when it was published.
#[derive(Debug, Clone)]
pub struct PublishedEdition {
    pub case_id: CaseId,
    pub advisory_id: String,
    /// The format-neutral advisory (`lockstep_advisory::Advisory`) as JSON.
    pub edition: serde_json::Value,
}

/// Input for a new revision of a case's advisory (the first one creates it).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdvisoryRevision {
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub details: String,
    #[serde(default)]
    pub remediation: String,
    #[serde(default)]
    pub mitigations: String,
    #[serde(default)]
    pub credits: Vec<AdvisoryCredit>,
    /// What changed, for the changelog. `Initial draft.` for a first revision without one.
    #[serde(default)]
    pub changelog: String,
    /// TLP of the advisory; unchanged (or the case's label for a new one) when absent.
    #[serde(default)]
    pub tlp: Option<Tlp>,
}

/// GHSA's alphabet: no vowels or look-alikes, so ids spell no words and read aloud.
const ID_ALPHABET: &[u8] = b"23456789cfghjmpqrvwx";

fn new_advisory_id() -> String {
    let bytes = Uuid::new_v4().into_bytes();
    let mut out = String::from("LOCKSTEP");
    for (i, b) in bytes.iter().take(12).enumerate() {
        if i % 4 == 0 {
            out.push('-');
        }
        out.push(char::from(ID_ALPHABET[usize::from(*b) % ID_ALPHABET.len()]));
    }
    out
}

fn proposal_from_row(row: &AnyRow) -> Result<SeverityProposal> {
    let party_project_id: Option<ProjectId> = parsed_opt(row, "party_project_id")?;
    Ok(SeverityProposal {
        id: parsed(row, "id")?,
        case_id: parsed(row, "case_id")?,
        vulnerability_id: parsed(row, "vulnerability_id")?,
        party: get::<Option<String>>(row, "party_name")?.unwrap_or_else(|| "coordinators".to_owned()),
        party_project_id,
        proposed_by: parsed(row, "proposed_by")?,
        proposed_by_name: get(row, "proposed_by_name")?,
        cvss_vector: get(row, "cvss_vector")?,
        rationale: get(row, "rationale")?,
        created_at: instant(row, "created_at")?,
    })
}

const PROPOSALS: &str = "SELECT s.id, s.case_id, s.vulnerability_id, s.party_project_id, p.name AS party_name, \
     s.proposed_by, u.name AS proposed_by_name, s.cvss_vector, s.rationale, s.created_at \
     FROM severity_proposals s JOIN users u ON u.id = s.proposed_by LEFT JOIN projects p ON p.id = s.party_project_id";

fn revision_from_row(row: &AnyRow) -> Result<AdvisoryRevision> {
    let credits: String = get(row, "credits")?;
    Ok(AdvisoryRevision {
        number: get(row, "number")?,
        title: get(row, "title")?,
        summary: get(row, "summary")?,
        details: get(row, "details")?,
        remediation: get(row, "remediation")?,
        mitigations: get(row, "mitigations")?,
        credits: serde_json::from_str(&credits).map_err(|e| StoreError::Corrupt(format!("credits: {e}")))?,
        changelog: get(row, "changelog")?,
        author_id: parsed(row, "author_id")?,
        created_at: instant(row, "created_at")?,
        published_at: instant_opt(row, "published_at")?,
    })
}

fn check_credits(credits: &[AdvisoryCredit]) -> Result<Vec<AdvisoryCredit>> {
    credits
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let kind = optional(&format!("credits[{i}].kind"), c.kind.as_deref(), 40)?.map(|k| k.to_uppercase());
            if let Some(k) = &kind {
                if !k.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
                    return Err(StoreError::invalid(
                        &format!("credits[{i}].kind"),
                        format!("`{k}` is not a credit type like FINDER or REMEDIATION_DEVELOPER"),
                    ));
                }
            }
            let contact = c
                .contact
                .iter()
                .enumerate()
                .map(|(j, v)| required(&format!("credits[{i}].contact[{j}]"), v, 300))
                .collect::<Result<Vec<_>>>()?;
            Ok(AdvisoryCredit {
                name: required(&format!("credits[{i}].name"), &c.name, 200)?,
                kind,
                contact,
            })
        })
        .collect()
}

/// Free text that may be empty, trimmed and bounded.
fn text(field: &str, value: &str) -> Result<String> {
    Ok(optional(field, Some(value), LONG_TEXT)?.unwrap_or_default())
}

impl Store {
    async fn check_vulnerability(&self, case: CaseId, vulnerability: VulnerabilityId) -> Result<()> {
        let found = sqlx::query("SELECT id FROM vulnerabilities WHERE id = $1 AND case_id = $2")
            .bind(vulnerability.to_string())
            .bind(case.to_string())
            .fetch_optional(self.pool())
            .await?;
        match found {
            Some(_) => Ok(()),
            None => Err(StoreError::invalid(
                "vulnerability_id",
                "no such vulnerability in this case",
            )),
        }
    }

    /// Changes a vulnerability's CVSS vector and/or CWE id: `None` keeps the stored
    /// value, `Some(None)` clears it, `Some(Some(..))` sets it. Both come parsed: a
    /// vector that scores, a CWE id of MITRE's catalogue.
    pub async fn set_severity(
        &self,
        actor: UserId,
        now: Timestamp,
        case: CaseId,
        vulnerability: VulnerabilityId,
        cvss_vector: Option<Option<&Vector>>,
        cwe: Option<Option<CweId>>,
    ) -> Result<()> {
        let cvss_vector = cvss_vector.map(|v| v.map(|v| v.as_str().to_owned()));
        let cwe = cwe.map(|c| c.map(|c| c.to_string()));
        self.check_vulnerability(case, vulnerability).await?;
        let mut w = self.write(Some(actor), now).await?;
        sqlx::query(
            "UPDATE vulnerabilities SET cvss_vector = CASE WHEN $1 = 1 THEN $2 ELSE cvss_vector END, \
             cwe = CASE WHEN $3 = 1 THEN $4 ELSE cwe END WHERE id = $5 AND case_id = $6",
        )
        .bind(i64::from(cvss_vector.is_some()))
        .bind(cvss_vector.clone().flatten())
        .bind(i64::from(cwe.is_some()))
        .bind(cwe.clone().flatten())
        .bind(vulnerability.to_string())
        .bind(case.to_string())
        .execute(w.conn())
        .await?;
        let row = sqlx::query("SELECT cvss_vector, cwe FROM vulnerabilities WHERE id = $1")
            .bind(vulnerability.to_string())
            .fetch_one(w.conn())
            .await?;
        let (stored_vector, stored_cwe): (Option<String>, Option<String>) =
            (get(&row, "cvss_vector")?, get(&row, "cwe")?);
        w.commit(AuditEntry::new(
            "vulnerability.severity",
            Some(case),
            vulnerability,
            json!({"cvss_vector": stored_vector, "cwe": stored_cwe}),
        ))
        .await
    }

    /// Records a party's own vector (parsed: it scores) for a vulnerability, with why.
    /// `party` is the participating project that speaks, or `None` for the coordinators.
    #[allow(clippy::too_many_arguments)]
    pub async fn propose_severity(
        &self,
        actor: UserId,
        now: Timestamp,
        case: CaseId,
        party: Option<ProjectId>,
        vulnerability: VulnerabilityId,
        vector: &Vector,
        rationale: &str,
    ) -> Result<SeverityProposal> {
        let vector = vector.as_str().to_owned();
        let rationale = required("rationale", rationale, LONG_TEXT)?;
        self.check_vulnerability(case, vulnerability).await?;
        let id = Uuid::new_v4();
        let mut w = self.write(Some(actor), now).await?;
        sqlx::query(
            "INSERT INTO severity_proposals (id, case_id, vulnerability_id, party_project_id, proposed_by, cvss_vector, \
             rationale, created_at, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id.to_string())
        .bind(case.to_string())
        .bind(vulnerability.to_string())
        .bind(party.map(|p| p.to_string()))
        .bind(actor.to_string())
        .bind(&vector)
        .bind(&rationale)
        .bind(now.as_millisecond())
        .bind(w.seq)
        .execute(w.conn())
        .await?;
        w.commit(AuditEntry::new(
            "severity.propose",
            Some(case),
            id,
            json!({"vulnerability": vulnerability, "party_project": party, "cvss_vector": vector,
                   "rationale": rationale}),
        ))
        .await?;
        self.severity_proposal(case, id).await
    }

    /// One proposal of a case.
    pub async fn severity_proposal(&self, case: CaseId, id: Uuid) -> Result<SeverityProposal> {
        let row = sqlx::query(&format!("{PROPOSALS} WHERE s.case_id = $1 AND s.id = $2"))
            .bind(case.to_string())
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound("severity proposal"))?;
        proposal_from_row(&row)
    }

    /// Every proposal of a case, in the order they were made.
    pub async fn severity_proposals(&self, case: CaseId) -> Result<Vec<SeverityProposal>> {
        sqlx::query(&format!("{PROPOSALS} WHERE s.case_id = $1 ORDER BY s.seq"))
            .bind(case.to_string())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(proposal_from_row)
            .collect()
    }

    /// Adopts a proposal: records which and why, and sets the vulnerability's vector to it.
    pub async fn adopt_severity(
        &self,
        actor: UserId,
        now: Timestamp,
        case: CaseId,
        proposal: Uuid,
        rationale: &str,
    ) -> Result<SeverityAdoption> {
        let rationale = required("rationale", rationale, LONG_TEXT)?;
        let p = self.severity_proposal(case, proposal).await?;
        let id = Uuid::new_v4();
        let mut w = self.write(Some(actor), now).await?;
        sqlx::query(
            "INSERT INTO severity_adoptions (id, case_id, vulnerability_id, proposal_id, cvss_vector, rationale, \
             adopted_by, created_at, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id.to_string())
        .bind(case.to_string())
        .bind(p.vulnerability_id.to_string())
        .bind(p.id.to_string())
        .bind(&p.cvss_vector)
        .bind(&rationale)
        .bind(actor.to_string())
        .bind(now.as_millisecond())
        .bind(w.seq)
        .execute(w.conn())
        .await?;
        sqlx::query("UPDATE vulnerabilities SET cvss_vector = $1 WHERE id = $2 AND case_id = $3")
            .bind(&p.cvss_vector)
            .bind(p.vulnerability_id.to_string())
            .bind(case.to_string())
            .execute(w.conn())
            .await?;
        w.commit(AuditEntry::new(
            "severity.adopt",
            Some(case),
            id,
            json!({"vulnerability": p.vulnerability_id, "proposal": p.id, "party": p.party,
                   "cvss_vector": p.cvss_vector, "rationale": rationale}),
        ))
        .await?;
        let adopted_by_name = self.user(actor).await?.name;
        Ok(SeverityAdoption {
            id,
            case_id: case,
            vulnerability_id: p.vulnerability_id,
            proposal_id: p.id,
            cvss_vector: p.cvss_vector,
            rationale,
            adopted_by: actor,
            adopted_by_name,
            created_at: now,
        })
    }

    /// Every adoption of a case, in the order they were made.
    pub async fn severity_adoptions(&self, case: CaseId) -> Result<Vec<SeverityAdoption>> {
        let rows = sqlx::query(
            "SELECT a.id, a.case_id, a.vulnerability_id, a.proposal_id, a.cvss_vector, a.rationale, a.adopted_by, \
             u.name AS adopted_by_name, a.created_at FROM severity_adoptions a JOIN users u ON u.id = a.adopted_by \
             WHERE a.case_id = $1 ORDER BY a.seq",
        )
        .bind(case.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SeverityAdoption {
                    id: parsed(r, "id")?,
                    case_id: parsed(r, "case_id")?,
                    vulnerability_id: parsed(r, "vulnerability_id")?,
                    proposal_id: parsed(r, "proposal_id")?,
                    cvss_vector: get(r, "cvss_vector")?,
                    rationale: get(r, "rationale")?,
                    adopted_by: parsed(r, "adopted_by")?,
                    adopted_by_name: get(r, "adopted_by_name")?,
                    created_at: instant(r, "created_at")?,
                })
            })
            .collect()
    }

    /// Writes a new revision of the case's advisory, creating the advisory (with a
    /// fresh random id and, unless given, the case's TLP) on the first one.
    pub async fn revise_advisory(
        &self,
        actor: UserId,
        now: Timestamp,
        case: CaseId,
        new: NewAdvisoryRevision,
    ) -> Result<AdvisoryRecord> {
        let title = required("title", &new.title, 300)?;
        let summary = text("summary", &new.summary)?;
        let details = text("details", &new.details)?;
        let remediation = text("remediation", &new.remediation)?;
        let mitigations = text("mitigations", &new.mitigations)?;
        let credits = check_credits(&new.credits)?;
        let credits_json =
            serde_json::to_string(&credits).map_err(|e| StoreError::invalid("credits", e.to_string()))?;
        let changelog = text("changelog", &new.changelog)?;
        let case_tlp = self.case(case).await?.tlp;
        let mut w = self.write(Some(actor), now).await?;
        // Read the last number inside the write: writers are serialized by `write`.
        let last = sqlx::query("SELECT advisory_id, tlp FROM advisories WHERE case_id = $1")
            .bind(case.to_string())
            .fetch_optional(w.conn())
            .await?;
        // Decided inside the write, so two first drafts at once cannot both be "initial".
        let changelog = match (changelog, &last) {
            (c, _) if !c.is_empty() => c,
            (_, None) => "Initial draft.".to_owned(),
            (_, Some(_)) => return Err(StoreError::invalid("changelog", "say what this revision changes")),
        };
        let (advisory_id, tlp) = match last {
            Some(row) => {
                let tlp: Tlp = parsed(&row, "tlp")?;
                let tlp = new.tlp.unwrap_or(tlp);
                sqlx::query("UPDATE advisories SET tlp = $1, updated_at = $2 WHERE case_id = $3")
                    .bind(tlp.as_str())
                    .bind(now.as_millisecond())
                    .bind(case.to_string())
                    .execute(w.conn())
                    .await?;
                (get::<String>(&row, "advisory_id")?, tlp)
            }
            None => {
                let id = new_advisory_id();
                let tlp = new.tlp.unwrap_or(case_tlp);
                sqlx::query(
                    "INSERT INTO advisories (case_id, advisory_id, tlp, published_revision, created_at, updated_at) \
                     VALUES ($1, $2, $3, NULL, $4, $4)",
                )
                .bind(case.to_string())
                .bind(&id)
                .bind(tlp.as_str())
                .bind(now.as_millisecond())
                .execute(w.conn())
                .await?;
                (id, tlp)
            }
        };
        let number: i64 = {
            let row = sqlx::query("SELECT COALESCE(MAX(number), 0) AS n FROM advisory_revisions WHERE case_id = $1")
                .bind(case.to_string())
                .fetch_one(w.conn())
                .await?;
            get::<i64>(&row, "n")? + 1
        };
        sqlx::query(
            "INSERT INTO advisory_revisions (case_id, number, title, summary, details, remediation, mitigations, credits, \
             changelog, author_id, created_at, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL)",
        )
        .bind(case.to_string())
        .bind(number)
        .bind(&title)
        .bind(&summary)
        .bind(&details)
        .bind(&remediation)
        .bind(&mitigations)
        .bind(&credits_json)
        .bind(&changelog)
        .bind(actor.to_string())
        .bind(now.as_millisecond())
        .execute(w.conn())
        .await?;
        w.commit(AuditEntry::new(
            "advisory.revise",
            Some(case),
            &advisory_id,
            json!({"revision": number, "tlp": tlp, "title": title, "changelog": changelog}),
        ))
        .await?;
        self.advisory(case).await?.ok_or(StoreError::NotFound("advisory"))
    }

    /// Publishes revision `revision` (which must be the newest) with its public
    /// `edition`, frozen: the public routes serve that edition and nothing read live.
    /// Only when `lockstep_core::publication` says the case may be public; otherwise a
    /// transition error saying why. Publishing makes the advisory TLP:CLEAR.
    pub async fn publish_advisory(
        &self,
        actor: UserId,
        now: Timestamp,
        case: CaseId,
        revision: i64,
        edition: serde_json::Value,
    ) -> Result<AdvisoryRecord> {
        let mut w = self.write(Some(actor), now).await?;
        let case_row = sqlx::query("SELECT phase, embargo_state FROM cases WHERE id = $1")
            .bind(case.to_string())
            .fetch_optional(w.conn())
            .await?
            .ok_or(StoreError::NotFound("case"))?;
        let phase: Phase = parsed(&case_row, "phase")?;
        let embargo: EmbargoState = parsed(&case_row, "embargo_state")?;
        let row = sqlx::query(
            "SELECT a.advisory_id, a.published_revision, (SELECT MAX(number) FROM advisory_revisions r \
             WHERE r.case_id = a.case_id) AS last FROM advisories a WHERE a.case_id = $1",
        )
        .bind(case.to_string())
        .fetch_optional(w.conn())
        .await?;
        let refuse = |reason: &str| {
            StoreError::Transition(InvalidTransition {
                what: "advisory",
                from: "draft".to_owned(),
                to: "published".to_owned(),
                allowed: Vec::new(),
                reason: Some(reason.to_owned()),
            })
        };
        let Some(row) = row else {
            return Err(refuse("the case has no advisory yet; write a revision first"));
        };
        if let Some(reason) = lockstep_core::publication::case_publish_blocker(phase, embargo) {
            return Err(refuse(&reason));
        }
        let advisory_id: String = get(&row, "advisory_id")?;
        let last: i64 = get(&row, "last")?;
        let published: Option<i64> = get(&row, "published_revision")?;
        if published == Some(last) {
            return Err(refuse(&format!(
                "revision {last} is already published; write a new revision"
            )));
        }
        if revision != last {
            return Err(refuse(&format!(
                "revision {last} was written meanwhile; review it and publish again"
            )));
        }
        sqlx::query("UPDATE advisory_revisions SET published_at = $1, edition = $2 WHERE case_id = $3 AND number = $4")
            .bind(now.as_millisecond())
            .bind(edition.to_string())
            .bind(case.to_string())
            .bind(last)
            .execute(w.conn())
            .await?;
        sqlx::query("UPDATE advisories SET published_revision = $1, tlp = $2, updated_at = $3 WHERE case_id = $4")
            .bind(last)
            .bind(Tlp::Clear.as_str())
            .bind(now.as_millisecond())
            .bind(case.to_string())
            .execute(w.conn())
            .await?;
        w.notify(Announcement::new(
            case,
            NotificationKind::AdvisoryPublished,
            Addressees::Participants,
            json!({"advisory": advisory_id, "revision": last}),
        ))
        .await?;
        w.commit(AuditEntry::new(
            "advisory.publish",
            Some(case),
            &advisory_id,
            json!({"revision": last, "tlp": Tlp::Clear}),
        ))
        .await?;
        self.advisory(case).await?.ok_or(StoreError::NotFound("advisory"))
    }

    /// The case's advisory with every revision, or `None` when none is written yet.
    pub async fn advisory(&self, case: CaseId) -> Result<Option<AdvisoryRecord>> {
        let row = sqlx::query(
            "SELECT case_id, advisory_id, tlp, published_revision, created_at, updated_at FROM advisories WHERE case_id = $1",
        )
        .bind(case.to_string())
        .fetch_optional(self.pool())
        .await?;
        match row {
            None => Ok(None),
            Some(row) => self.advisory_from_row(&row).await.map(Some),
        }
    }

    async fn advisory_from_row(&self, row: &AnyRow) -> Result<AdvisoryRecord> {
        let case_id: CaseId = parsed(row, "case_id")?;
        let revisions = sqlx::query(
            "SELECT number, title, summary, details, remediation, mitigations, credits, changelog, author_id, created_at, \
             published_at FROM advisory_revisions WHERE case_id = $1 ORDER BY number",
        )
        .bind(case_id.to_string())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(revision_from_row)
        .collect::<Result<Vec<_>>>()?;
        Ok(AdvisoryRecord {
            case_id,
            advisory_id: get(row, "advisory_id")?,
            tlp: parsed(row, "tlp")?,
            published_revision: get(row, "published_revision")?,
            created_at: instant(row, "created_at")?,
            updated_at: instant(row, "updated_at")?,
            revisions,
        })
    }

    /// The frozen public edition of every published advisory (of its newest
    /// published revision). The server still checks each case's phase and embargo.
    pub async fn published_editions(&self) -> Result<Vec<PublishedEdition>> {
        self.editions_where("", None).await
    }

    /// The frozen public edition of the advisory with this public id, or `None` (a
    /// draft, or a revision published before editions were frozen).
    pub async fn published_edition(&self, advisory_id: &str) -> Result<Option<PublishedEdition>> {
        Ok(self
            .editions_where("AND a.advisory_id = $1", Some(advisory_id))
            .await?
            .into_iter()
            .next())
    }

    async fn editions_where(&self, filter: &str, arg: Option<&str>) -> Result<Vec<PublishedEdition>> {
        let sql = format!(
            "SELECT a.case_id, a.advisory_id, r.edition FROM advisories a JOIN advisory_revisions r \
             ON r.case_id = a.case_id AND r.number = a.published_revision \
             WHERE r.edition IS NOT NULL {filter} ORDER BY a.updated_at DESC, a.advisory_id"
        );
        let mut q = sqlx::query(&sql);
        if let Some(arg) = arg {
            q = q.bind(arg.to_owned());
        }
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(|row| {
                let advisory_id: String = get(row, "advisory_id")?;
                let text: String = get(row, "edition")?;
                Ok(PublishedEdition {
                    case_id: parsed(row, "case_id")?,
                    edition: serde_json::from_str(&text)
                        .map_err(|e| StoreError::Corrupt(format!("edition of {advisory_id}: {e}")))?,
                    advisory_id,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advisory_ids_are_random_and_shaped_like_ghsa() {
        let a = new_advisory_id();
        let b = new_advisory_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), "LOCKSTEP-xxxx-xxxx-xxxx".len(), "{a}");
        assert!(a.starts_with("LOCKSTEP-"), "{a}");
        assert!(a[9..].bytes().all(|c| c == b'-' || ID_ALPHABET.contains(&c)), "{a}");
    }
}
