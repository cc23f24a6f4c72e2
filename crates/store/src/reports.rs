//! Researcher intake: the disclosure policy, finders' reports (found by the SHA-256 of
//! their tracking token, never by the token), the thread between finder and
//! coordinators, content-addressed attachments, and submission counts for the
//! per-address rate limit. Every state change goes through
//! `lockstep_core::intake::ReportState::transition` and is audited.

use base64::Engine;
use jiff::Timestamp;
use lockstep_core::intake::{CreditPreference, Exposure, ReportState, ResponsePromises};
use lockstep_core::{CaseId, ReportId, ReportMessageId, UserId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use utoipa::ToSchema;

use crate::rows::{instant, instant_opt, mail_address, optional, parsed, parsed_opt, required, ts};
use crate::{get, AuditEntry, NewCase, Result, Store, StoreError};

/// The disclosure policy an admin configures: what `/security` and `security.txt` say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisclosurePolicy {
    /// `Contact:` URIs for security.txt (`mailto:`, `https:`); empty: the report form.
    #[serde(default)]
    pub contacts: Vec<String>,
    /// The projects and packages the policy covers.
    pub scope: String,
    pub how_to_report: String,
    pub promises: ResponsePromises,
    pub safe_harbor: String,
    /// How long reports stay under embargo, and when the finder may publish.
    pub embargo_policy: String,
    /// An ASCII-armored OpenPGP public key for encrypted reports.
    #[serde(default)]
    pub openpgp_key: Option<String>,
    /// Language tags for security.txt, e.g. `en, de`.
    pub preferred_languages: String,
}

impl Default for DisclosurePolicy {
    fn default() -> Self {
        DisclosurePolicy {
            contacts: Vec::new(),
            scope: "Every project and package coordinated on this instance.".into(),
            how_to_report: "Use the report form; no account is needed. Include the affected versions and a proof of concept if you have one.".into(),
            promises: ResponsePromises::default(),
            safe_harbor: "We will not pursue or support legal action against research done in good faith under this policy.".into(),
            embargo_policy: "Fixes are coordinated under embargo for at most 90 days (7 days when exploited in the wild); we agree the public date with you.".into(),
            openpgp_key: None,
            preferred_languages: "en".into(),
        }
    }
}

/// What a finder submits.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    pub title: String,
    pub project: String,
    #[serde(default)]
    pub package: String,
    #[serde(default)]
    pub versions: String,
    pub description: String,
    #[serde(default)]
    pub impact: String,
    #[serde(default)]
    pub how_found: String,
    pub exposure: Exposure,
    #[serde(default)]
    pub disclosure_plans: String,
    pub credit: CreditPreference,
    /// The name or handle to credit (required unless anonymous).
    #[serde(default)]
    pub credit_name: Option<String>,
    /// Where coordinators may write (optional; the tracking link works without it).
    #[serde(default)]
    pub email: Option<String>,
}

/// A file attached to a report or a message of its thread.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// An attachment as listed: never its content.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AttachmentInfo {
    /// SHA-256 of the content, hex: its name in the store.
    pub sha256: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub from_finder: bool,
    #[schema(value_type = String)]
    pub added_at: Timestamp,
}

/// An attachment with its content, for download.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub info: AttachmentInfo,
    pub content: Vec<u8>,
}

/// A finder's report as coordinators see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    #[schema(value_type = String)]
    pub id: ReportId,
    pub state: ReportState,
    pub title: String,
    pub project: String,
    pub package: String,
    pub versions: String,
    pub description: String,
    pub impact: String,
    pub how_found: String,
    pub exposure: Exposure,
    pub disclosure_plans: String,
    pub credit: CreditPreference,
    pub credit_name: Option<String>,
    pub email: Option<String>,
    #[schema(value_type = Option<String>)]
    pub finder_id: Option<UserId>,
    pub decline_reason: Option<String>,
    #[schema(value_type = Option<String>)]
    pub duplicate_of_report: Option<ReportId>,
    #[schema(value_type = Option<String>)]
    pub duplicate_of_case: Option<CaseId>,
    #[schema(value_type = Option<String>)]
    pub case_id: Option<CaseId>,
    #[schema(value_type = String)]
    pub received_at: Timestamp,
    #[schema(value_type = Option<String>)]
    pub acknowledged_at: Option<Timestamp>,
    #[schema(value_type = Option<String>)]
    pub decided_at: Option<Timestamp>,
    pub attachments: Vec<AttachmentInfo>,
}

/// A message of the thread between the finder and the coordinators.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportMessage {
    #[schema(value_type = String)]
    pub id: ReportMessageId,
    pub from_finder: bool,
    /// The coordinator's name; None for the finder.
    pub author_name: Option<String>,
    pub body: String,
    #[schema(value_type = String)]
    pub created_at: Timestamp,
}

/// An attachment of a report accepted into a case, as the case lists it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CaseAttachment {
    #[serde(flatten)]
    pub info: AttachmentInfo,
    #[schema(value_type = String)]
    pub report_id: ReportId,
    /// Whether the case's participants may read it (coordinators always may).
    pub shared: bool,
}

/// A coordinator's move on a report.
#[derive(Debug, Clone)]
pub enum ReportMove {
    Acknowledge,
    Validate,
    Decline {
        reason: String,
    },
    /// Repeats another report or an existing case (exactly one).
    Duplicate {
        of_report: Option<ReportId>,
        of_case: Option<CaseId>,
    },
    /// Into an existing case, or a new one with this title.
    Accept {
        case: Option<CaseId>,
        new_case_title: Option<String>,
    },
}

const REPORT_COLUMNS: &str = "id, state, title, project, package, versions, description, impact, how_found, exposure, \
     disclosure_plans, credit, credit_name, email, finder_id, decline_reason, duplicate_of_report, duplicate_of_case, \
     case_id, received_at, acknowledged_at, decided_at";

fn report_from_row(row: &AnyRow) -> Result<Report> {
    Ok(Report {
        id: parsed(row, "id")?,
        state: parsed(row, "state")?,
        title: get(row, "title")?,
        project: get(row, "project")?,
        package: get(row, "package")?,
        versions: get(row, "versions")?,
        description: get(row, "description")?,
        impact: get(row, "impact")?,
        how_found: get(row, "how_found")?,
        exposure: parsed(row, "exposure")?,
        disclosure_plans: get(row, "disclosure_plans")?,
        credit: parsed(row, "credit")?,
        credit_name: get(row, "credit_name")?,
        email: get(row, "email")?,
        finder_id: parsed_opt(row, "finder_id")?,
        decline_reason: get(row, "decline_reason")?,
        duplicate_of_report: parsed_opt(row, "duplicate_of_report")?,
        duplicate_of_case: parsed_opt(row, "duplicate_of_case")?,
        case_id: parsed_opt(row, "case_id")?,
        received_at: instant(row, "received_at")?,
        acknowledged_at: instant_opt(row, "acknowledged_at")?,
        decided_at: instant_opt(row, "decided_at")?,
        attachments: Vec::new(),
    })
}

fn days(field: &str, value: u32) -> Result<i64> {
    if value == 0 || value > 3650 {
        return Err(StoreError::invalid(field, "must be between 1 and 3650 days"));
    }
    Ok(i64::from(value))
}

fn stored_days(row: &AnyRow, col: &str) -> Result<u32> {
    let v: i64 = get(row, col)?;
    u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("{col} {v}")))
}

/// Checks a new report's fields, naming the first bad one.
fn checked(new: NewReport) -> Result<NewReport> {
    let credit_name = optional("credit_name", new.credit_name.as_deref(), 200)?;
    if new.credit != CreditPreference::Anonymous && credit_name.is_none() {
        return Err(StoreError::invalid(
            "credit_name",
            "give the name or handle to credit, or choose anonymous",
        ));
    }
    let email = optional("email", new.email.as_deref(), 320)?
        .map(|e| mail_address("email", &e))
        .transpose()?;
    Ok(NewReport {
        title: required("title", &new.title, 300)?,
        project: required("project", &new.project, 200)?,
        package: new.package.trim().chars().take(300).collect(),
        versions: new.versions.trim().chars().take(500).collect(),
        description: required("description", &new.description, 100_000)?,
        impact: optional("impact", Some(&new.impact), 20_000)?.unwrap_or_default(),
        how_found: optional("how_found", Some(&new.how_found), 20_000)?.unwrap_or_default(),
        exposure: new.exposure,
        disclosure_plans: optional("disclosure_plans", Some(&new.disclosure_plans), 20_000)?.unwrap_or_default(),
        credit: new.credit,
        credit_name: if new.credit == CreditPreference::Anonymous {
            None
        } else {
            credit_name
        },
        email,
    })
}

/// The attachments' names checked, each with its hash.
fn hashed(attachments: &[NewAttachment]) -> Result<Vec<(String, &NewAttachment, String, String)>> {
    attachments
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let filename = required(&format!("attachments[{i}].filename"), &a.filename, 200)?
                .replace(['/', '\\', '"', '\r', '\n'], "_");
            let content_type = if a.content_type.trim().is_empty() {
                "application/octet-stream".to_owned()
            } else {
                required(&format!("attachments[{i}].content_type"), &a.content_type, 200)?
            };
            Ok((hex::encode(Sha256::digest(&a.content)), a, filename, content_type))
        })
        .collect()
}

impl Store {
    /// The disclosure policy: the stored one, or the default before an admin set one.
    pub async fn policy(&self) -> Result<DisclosurePolicy> {
        let Some(row) = sqlx::query(
            "SELECT contacts, scope, how_to_report, acknowledge_days, triage_days, fix_days, safe_harbor, \
             embargo_policy, openpgp_key, preferred_languages FROM disclosure_policy WHERE id = 1",
        )
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(DisclosurePolicy::default());
        };
        let contacts: String = get(&row, "contacts")?;
        Ok(DisclosurePolicy {
            contacts: serde_json::from_str(&contacts).map_err(|e| StoreError::Corrupt(format!("contacts: {e}")))?,
            scope: get(&row, "scope")?,
            how_to_report: get(&row, "how_to_report")?,
            promises: ResponsePromises {
                acknowledge_days: stored_days(&row, "acknowledge_days")?,
                triage_days: stored_days(&row, "triage_days")?,
                fix_days: stored_days(&row, "fix_days")?,
            },
            safe_harbor: get(&row, "safe_harbor")?,
            embargo_policy: get(&row, "embargo_policy")?,
            openpgp_key: get(&row, "openpgp_key")?,
            preferred_languages: get(&row, "preferred_languages")?,
        })
    }

    /// Replaces the disclosure policy (audited as `policy.set`).
    pub async fn set_policy(&self, actor: UserId, now: Timestamp, p: DisclosurePolicy) -> Result<DisclosurePolicy> {
        let contacts = p
            .contacts
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let c = required(&format!("contacts[{i}]"), c, 300)?;
                if c.starts_with("mailto:") || c.starts_with("https://") || c.starts_with("tel:") {
                    Ok(c)
                } else {
                    Err(StoreError::invalid(
                        &format!("contacts[{i}]"),
                        "must be a mailto:, https: or tel: URI",
                    ))
                }
            })
            .collect::<Result<Vec<_>>>()?;
        let key = optional("openpgp_key", p.openpgp_key.as_deref(), 100_000)?;
        if key
            .as_deref()
            .is_some_and(|k| !k.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"))
        {
            return Err(StoreError::invalid(
                "openpgp_key",
                "must be an ASCII-armored public key (-----BEGIN PGP PUBLIC KEY BLOCK-----)",
            ));
        }
        let languages = required("preferred_languages", &p.preferred_languages, 100)?;
        if !languages
            .split(',')
            .all(|t| !t.trim().is_empty() && t.trim().chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        {
            return Err(StoreError::invalid(
                "preferred_languages",
                "language tags separated by commas, e.g. `en, de`",
            ));
        }
        let policy = DisclosurePolicy {
            contacts,
            scope: required("scope", &p.scope, 20_000)?,
            how_to_report: required("how_to_report", &p.how_to_report, 20_000)?,
            promises: p.promises,
            safe_harbor: required("safe_harbor", &p.safe_harbor, 20_000)?,
            embargo_policy: required("embargo_policy", &p.embargo_policy, 20_000)?,
            openpgp_key: key,
            preferred_languages: languages,
        };
        let ack = days("promises.acknowledge_days", policy.promises.acknowledge_days)?;
        let triage = days("promises.triage_days", policy.promises.triage_days)?;
        let fix = days("promises.fix_days", policy.promises.fix_days)?;
        let contacts_json = serde_json::to_string(&policy.contacts).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut w = self.write(Some(actor), now).await?;
        sqlx::query("DELETE FROM disclosure_policy").execute(w.conn()).await?;
        sqlx::query(
            "INSERT INTO disclosure_policy (id, contacts, scope, how_to_report, acknowledge_days, triage_days, fix_days, \
             safe_harbor, embargo_policy, openpgp_key, preferred_languages, updated_at) \
             VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&contacts_json)
        .bind(&policy.scope)
        .bind(&policy.how_to_report)
        .bind(ack)
        .bind(triage)
        .bind(fix)
        .bind(&policy.safe_harbor)
        .bind(&policy.embargo_policy)
        .bind(&policy.openpgp_key)
        .bind(&policy.preferred_languages)
        .bind(now.as_millisecond())
        .execute(w.conn())
        .await?;
        w.commit(AuditEntry::new(
            "policy.set",
            None,
            "disclosure_policy",
            json!({"promises": policy.promises, "contacts": policy.contacts, "openpgp_key": policy.openpgp_key.is_some()}),
        ))
        .await?;
        Ok(policy)
    }

    /// The submissions (reports and finder messages) from `address` after `since`,
    /// newest first, at most `limit`.
    pub async fn recent_submissions(&self, address: &str, since: Timestamp, limit: usize) -> Result<Vec<Timestamp>> {
        let rows = sqlx::query(
            "SELECT submitted_at FROM report_submissions WHERE address = $1 AND submitted_at > $2 \
             ORDER BY submitted_at DESC LIMIT $3",
        )
        .bind(address)
        .bind(since.as_millisecond())
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| ts(get(r, "submitted_at")?)).collect()
    }

    /// Counts a submission from `address` and forgets those at or before `forget_until`.
    async fn count_submission(w: &mut crate::WriteTx, address: &str, forget_until: Timestamp) -> Result<()> {
        sqlx::query("DELETE FROM report_submissions WHERE submitted_at <= $1")
            .bind(forget_until.as_millisecond())
            .execute(w.conn())
            .await?;
        sqlx::query("INSERT INTO report_submissions (id, address, submitted_at) VALUES ($1, $2, $3)")
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(address)
            .bind(w.now().as_millisecond())
            .execute(w.conn())
            .await?;
        Ok(())
    }

    /// Stores attachments (content once per hash) and links them to the report.
    async fn attach(
        w: &mut crate::WriteTx,
        report: ReportId,
        message: Option<ReportMessageId>,
        from_finder: bool,
        attachments: &[NewAttachment],
    ) -> Result<Vec<String>> {
        let mut hashes = Vec::new();
        for (sha, a, filename, content_type) in hashed(attachments)? {
            let exists = sqlx::query("SELECT 1 AS one FROM attachments WHERE sha256 = $1")
                .bind(&sha)
                .fetch_optional(w.conn())
                .await?
                .is_some();
            if !exists {
                sqlx::query("INSERT INTO attachments (sha256, size, content) VALUES ($1, $2, $3)")
                    .bind(&sha)
                    .bind(i64::try_from(a.content.len()).unwrap_or(i64::MAX))
                    .bind(base64::engine::general_purpose::STANDARD.encode(&a.content))
                    .execute(w.conn())
                    .await?;
            }
            let linked = sqlx::query("SELECT 1 AS one FROM report_attachments WHERE report_id = $1 AND sha256 = $2")
                .bind(report.to_string())
                .bind(&sha)
                .fetch_optional(w.conn())
                .await?
                .is_some();
            if !linked {
                sqlx::query(
                    "INSERT INTO report_attachments (report_id, sha256, filename, content_type, message_id, from_finder, added_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(report.to_string())
                .bind(&sha)
                .bind(&filename)
                .bind(&content_type)
                .bind(message.map(|m| m.to_string()))
                .bind(i64::from(from_finder))
                .bind(w.now().as_millisecond())
                .execute(w.conn())
                .await?;
            }
            hashes.push(sha);
        }
        Ok(hashes)
    }

    /// Stores a finder's report with its attachments, in one write: the report, its
    /// token's hash, the attachments and the submission count, or nothing (audited as
    /// `report.submit`).
    pub async fn submit_report(
        &self,
        now: Timestamp,
        token_hash: &str,
        address: &str,
        forget_until: Timestamp,
        new: NewReport,
        attachments: &[NewAttachment],
    ) -> Result<Report> {
        let new = checked(new)?;
        hashed(attachments)?;
        let id = ReportId::new();
        let mut w = self.write(None, now).await?;
        sqlx::query(
            "INSERT INTO reports (id, token_hash, state, title, project, package, versions, description, impact, \
             how_found, exposure, disclosure_plans, credit, credit_name, email, received_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        )
        .bind(id.to_string())
        .bind(token_hash)
        .bind(ReportState::Received.as_str())
        .bind(&new.title)
        .bind(&new.project)
        .bind(&new.package)
        .bind(&new.versions)
        .bind(&new.description)
        .bind(&new.impact)
        .bind(&new.how_found)
        .bind(new.exposure.as_str())
        .bind(&new.disclosure_plans)
        .bind(new.credit.as_str())
        .bind(&new.credit_name)
        .bind(&new.email)
        .bind(now.as_millisecond())
        .bind(now.as_millisecond())
        .execute(w.conn())
        .await?;
        let hashes = Self::attach(&mut w, id, None, true, attachments).await?;
        Self::count_submission(&mut w, address, forget_until).await?;
        w.commit(AuditEntry::new(
            "report.submit",
            None,
            id,
            json!({"address": address, "exposure": new.exposure, "attachments": hashes}),
        ))
        .await?;
        self.report(id).await
    }

    /// A report by id, with its attachments.
    pub async fn report(&self, id: ReportId) -> Result<Report> {
        let row = sqlx::query(&format!("SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound("report"))?;
        let mut report = report_from_row(&row)?;
        report.attachments = self.attachments_of(id).await?;
        Ok(report)
    }

    /// The report whose tracking token hashes to `token_hash`, if any.
    pub async fn report_by_token_hash(&self, token_hash: &str) -> Result<Option<Report>> {
        let row = sqlx::query("SELECT id FROM reports WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(self.pool())
            .await?;
        match row {
            Some(row) => Ok(Some(self.report(parsed(&row, "id")?).await?)),
            None => Ok(None),
        }
    }

    /// Every report, newest first, without attachments (the queue lists them).
    pub async fn reports(&self) -> Result<Vec<Report>> {
        let rows = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports ORDER BY received_at DESC, id"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(report_from_row).collect()
    }

    /// The reports claimed by `user`, newest first.
    pub async fn reports_of_finder(&self, user: UserId) -> Result<Vec<Report>> {
        let rows = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE finder_id = $1 ORDER BY received_at DESC, id"
        ))
        .bind(user.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(report_from_row).collect()
    }

    /// The reports accepted into a case.
    pub async fn reports_of_case(&self, case: CaseId) -> Result<Vec<Report>> {
        let rows = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE case_id = $1 ORDER BY received_at, id"
        ))
        .bind(case.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(report_from_row).collect()
    }

    async fn attachments_of(&self, id: ReportId) -> Result<Vec<AttachmentInfo>> {
        let rows = sqlx::query(
            "SELECT ra.sha256, ra.filename, ra.content_type, ra.from_finder, ra.added_at, a.size \
             FROM report_attachments ra JOIN attachments a ON a.sha256 = ra.sha256 \
             WHERE ra.report_id = $1 ORDER BY ra.added_at, ra.filename",
        )
        .bind(id.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AttachmentInfo {
                    sha256: get(r, "sha256")?,
                    filename: get(r, "filename")?,
                    content_type: get(r, "content_type")?,
                    size: get(r, "size")?,
                    from_finder: get::<i64>(r, "from_finder")? != 0,
                    added_at: instant(r, "added_at")?,
                })
            })
            .collect()
    }

    /// One attachment of a report, with its content; NotFound unless the report has it.
    pub async fn attachment(&self, report: ReportId, sha256: &str) -> Result<Attachment> {
        let info = self
            .attachments_of(report)
            .await?
            .into_iter()
            .find(|a| a.sha256 == sha256)
            .ok_or(StoreError::NotFound("attachment"))?;
        let row = sqlx::query("SELECT content FROM attachments WHERE sha256 = $1")
            .bind(sha256)
            .fetch_one(self.pool())
            .await?;
        let content: String = get(&row, "content")?;
        let content = base64::engine::general_purpose::STANDARD
            .decode(content)
            .map_err(|e| StoreError::Corrupt(format!("attachment {sha256}: {e}")))?;
        Ok(Attachment { info, content })
    }

    /// The thread between the finder and the coordinators, oldest first.
    pub async fn report_messages(&self, id: ReportId) -> Result<Vec<ReportMessage>> {
        let rows = sqlx::query(
            "SELECT m.id, m.author_id, u.name, m.body, m.created_at FROM report_messages m \
             LEFT JOIN users u ON u.id = m.author_id WHERE m.report_id = $1 ORDER BY m.seq",
        )
        .bind(id.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let author: Option<String> = get(r, "author_id")?;
                Ok(ReportMessage {
                    id: parsed(r, "id")?,
                    from_finder: author.is_none(),
                    author_name: get(r, "name")?,
                    body: get(r, "body")?,
                    created_at: instant(r, "created_at")?,
                })
            })
            .collect()
    }

    /// Adds a message to a report's thread: from a coordinator (`author` Some) or from
    /// the finder (None; then `address` counts toward the rate limit). Audited as
    /// `report.message`.
    pub async fn post_report_message(
        &self,
        author: Option<UserId>,
        now: Timestamp,
        report: ReportId,
        body: &str,
        attachments: &[NewAttachment],
        finder_address: Option<(&str, Timestamp)>,
    ) -> Result<ReportMessage> {
        let body = required("body", body, 100_000)?;
        hashed(attachments)?;
        let id = ReportMessageId::new();
        let mut w = self.write(author, now).await?;
        let seq = w.seq;
        sqlx::query(
            "INSERT INTO report_messages (id, report_id, author_id, body, created_at, seq) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.to_string())
        .bind(report.to_string())
        .bind(author.map(|a| a.to_string()))
        .bind(&body)
        .bind(now.as_millisecond())
        .bind(seq)
        .execute(w.conn())
        .await?;
        let hashes = Self::attach(&mut w, report, Some(id), author.is_none(), attachments).await?;
        if let Some((address, forget_until)) = finder_address {
            Self::count_submission(&mut w, address, forget_until).await?;
        }
        if author.is_some() {
            // A coordinator wrote to the finder: tell them, if they left an address.
            let row = sqlx::query("SELECT email FROM reports WHERE id = $1")
                .bind(report.to_string())
                .fetch_optional(w.conn())
                .await?;
            if let Some(email) = row.map(|r| get::<Option<String>>(&r, "email")).transpose()?.flatten() {
                w.notify_finder(report, &email).await?;
            }
        }
        w.commit(AuditEntry::new(
            "report.message",
            None,
            report,
            json!({"message": id, "from_finder": author.is_none(), "attachments": hashes}),
        ))
        .await?;
        let author_name = match author {
            Some(a) => Some(self.user(a).await?.name),
            None => None,
        };
        Ok(ReportMessage {
            id,
            from_finder: author.is_none(),
            author_name,
            body,
            created_at: now,
        })
    }

    /// A finder with an account claims the report whose token hashes to `token_hash`
    /// (audited as `report.claim`). NotFound for an unknown token.
    pub async fn claim_report(&self, user: UserId, now: Timestamp, token_hash: &str) -> Result<Report> {
        let report = self
            .report_by_token_hash(token_hash)
            .await?
            .ok_or(StoreError::NotFound("report"))?;
        let mut w = self.write(Some(user), now).await?;
        sqlx::query("UPDATE reports SET finder_id = $1, updated_at = $2 WHERE id = $3")
            .bind(user.to_string())
            .bind(now.as_millisecond())
            .bind(report.id.to_string())
            .execute(w.conn())
            .await?;
        w.commit(AuditEntry::new("report.claim", None, report.id, json!({"user": user})))
            .await?;
        self.report(report.id).await
    }

    /// A coordinator moves a report: acknowledge, validate, decline, duplicate or
    /// accept, each through `ReportState::transition` (409 otherwise). Accepting opens
    /// the new case (or checks the existing one) and writes the report's facts into
    /// it as a coordinators-only message, in the same write. Audited as `report.move`
    /// (and `case.create` for a new case, in the case's own trail).
    pub async fn move_report(&self, actor: UserId, now: Timestamp, id: ReportId, how: ReportMove) -> Result<Report> {
        let report = self.report(id).await?;
        let to = match &how {
            ReportMove::Acknowledge => ReportState::Acknowledged,
            ReportMove::Validate => ReportState::Validating,
            ReportMove::Decline { .. } => ReportState::Declined,
            ReportMove::Duplicate { .. } => ReportState::Duplicate,
            ReportMove::Accept { .. } => ReportState::Accepted,
        };
        report.state.transition(to)?;
        let mut reason = None;
        let mut dup_report = None;
        let mut dup_case = None;
        match &how {
            ReportMove::Decline { reason: r } => reason = Some(required("reason", r, 20_000)?),
            ReportMove::Duplicate { of_report, of_case } => match (of_report, of_case) {
                (Some(r), None) if *r != id => {
                    self.report(*r)
                        .await
                        .map_err(|_| StoreError::invalid("of_report", "no such report"))?;
                    dup_report = Some(*r);
                }
                (Some(_), None) => return Err(StoreError::invalid("of_report", "a report cannot repeat itself")),
                (None, Some(c)) => {
                    self.case(*c)
                        .await
                        .map_err(|_| StoreError::invalid("of_case", "no such case"))?;
                    dup_case = Some(*c);
                }
                _ => {
                    return Err(StoreError::invalid(
                        "of_report",
                        "name exactly one of of_report and of_case",
                    ))
                }
            },
            _ => {}
        }
        let mut w = self.write(Some(actor), now).await?;
        let mut more = Vec::new();
        let mut case_id = None;
        if let ReportMove::Accept { case, new_case_title } = &how {
            let case = match case {
                Some(c) => self.case(*c).await?,
                None => {
                    let title = new_case_title.clone().unwrap_or_else(|| report.title.clone());
                    let case = crate::cases::insert_case(
                        w.conn(),
                        actor,
                        now,
                        NewCase {
                            title,
                            summary: report.description.chars().take(2_000).collect(),
                            tlp: None,
                        },
                    )
                    .await?;
                    more.push(AuditEntry::new(
                        "case.create",
                        Some(case.id),
                        case.id,
                        json!({"title": case.title, "tlp": case.tlp, "from_report": id}),
                    ));
                    case
                }
            };
            sqlx::query(
                "INSERT INTO messages (id, case_id, parent_id, author_id, audience, audience_project_id, tlp, body, \
                 depth, created_at, seq) VALUES ($1, $2, NULL, $3, 'coordinators', NULL, $4, $5, 0, $6, $7)",
            )
            .bind(lockstep_core::MessageId::new().to_string())
            .bind(case.id.to_string())
            .bind(actor.to_string())
            .bind(case.tlp.as_str())
            .bind(facts(&report))
            .bind(now.as_millisecond())
            .bind(w.seq)
            .execute(w.conn())
            .await?;
            more.push(AuditEntry::new(
                "report.accepted_into",
                Some(case.id),
                id,
                json!({"report": id, "credit": report.credit, "credit_name": report.credit_name}),
            ));
            case_id = Some(case.id);
        }
        let acknowledged = report.acknowledged_at.unwrap_or(now);
        let decided = (!to.is_open()).then_some(now);
        sqlx::query(
            "UPDATE reports SET state = $1, acknowledged_at = $2, decided_at = $3, decline_reason = $4, \
             duplicate_of_report = $5, duplicate_of_case = $6, case_id = $7, updated_at = $8 WHERE id = $9",
        )
        .bind(to.as_str())
        .bind(acknowledged.as_millisecond())
        .bind(decided.map(|d| d.as_millisecond()))
        .bind(&reason)
        .bind(dup_report.map(|r| r.to_string()))
        .bind(dup_case.map(|c| c.to_string()))
        .bind(case_id.map(|c| c.to_string()))
        .bind(now.as_millisecond())
        .bind(id.to_string())
        .execute(w.conn())
        .await?;
        // The finder hears that there is news, when they left an address.
        if let Some(email) = report.email.as_deref() {
            w.notify_finder(id, email).await?;
        }
        w.commit_all(
            AuditEntry::new(
                "report.move",
                None,
                id,
                json!({"from": report.state, "to": to, "reason": reason, "duplicate_of_report": dup_report,
                       "duplicate_of_case": dup_case, "case": case_id}),
            ),
            more,
        )
        .await?;
        self.report(id).await
    }
}

impl Store {
    /// The attachments of the reports accepted into `case`, oldest first, each with
    /// whether it is shared with the participants (the server filters).
    pub async fn case_attachments(&self, case: CaseId) -> Result<Vec<CaseAttachment>> {
        let shared: Vec<String> = sqlx::query("SELECT sha256 FROM case_attachments WHERE case_id = $1")
            .bind(case.to_string())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| get(r, "sha256"))
            .collect::<Result<_>>()?;
        let mut out = Vec::new();
        for report in self.reports_of_case(case).await? {
            for info in self.attachments_of(report.id).await? {
                if out.iter().any(|a: &CaseAttachment| a.info.sha256 == info.sha256) {
                    continue;
                }
                out.push(CaseAttachment {
                    shared: shared.contains(&info.sha256),
                    report_id: report.id,
                    info,
                });
            }
        }
        Ok(out)
    }

    /// One attachment of the case's reports with its content; NotFound unless one of
    /// the reports accepted into `case` has it.
    pub async fn case_attachment(&self, case: CaseId, sha256: &str) -> Result<(CaseAttachment, Attachment)> {
        let listed = self
            .case_attachments(case)
            .await?
            .into_iter()
            .find(|a| a.info.sha256 == sha256)
            .ok_or(StoreError::NotFound("attachment"))?;
        let attachment = self.attachment(listed.report_id, sha256).await?;
        Ok((listed, attachment))
    }

    /// Shares an attachment of the case's reports with its participants (audited as
    /// `attachment.share` in the case's trail). Sharing it again changes nothing.
    pub async fn share_attachment(
        &self,
        actor: UserId,
        now: Timestamp,
        case: CaseId,
        sha256: &str,
    ) -> Result<CaseAttachment> {
        let (listed, _) = self.case_attachment(case, sha256).await?;
        if listed.shared {
            return Ok(listed);
        }
        let mut w = self.write(Some(actor), now).await?;
        sqlx::query("INSERT INTO case_attachments (case_id, sha256, shared_by, shared_at) VALUES ($1, $2, $3, $4)")
            .bind(case.to_string())
            .bind(sha256)
            .bind(actor.to_string())
            .bind(now.as_millisecond())
            .execute(w.conn())
            .await?;
        w.commit(AuditEntry::new(
            "attachment.share",
            Some(case),
            sha256,
            json!({"report": listed.report_id, "filename": listed.info.filename}),
        ))
        .await?;
        Ok(CaseAttachment { shared: true, ..listed })
    }
}

/// The report's facts as the coordinators' first message in the case it became.
fn facts(r: &Report) -> String {
    let credit = match lockstep_core::intake::credited_name(r.credit, r.credit_name.as_deref()) {
        None => "anonymous".to_owned(),
        Some(name) => format!("{name} ({})", r.credit),
    };
    let attachments: Vec<String> = r
        .attachments
        .iter()
        .map(|a| format!("{} ({} bytes, sha256 {})", a.filename, a.size, a.sha256))
        .collect();
    format!(
        "From report {id}: {title}\n\nProject: {project}\nPackage: {package}\nVersions: {versions}\n\
         Exposure: {exposure}\nCredit: {credit}\n\nDescription:\n{description}\n\nImpact:\n{impact}\n\n\
         How it was found:\n{how_found}\n\nThe finder's disclosure plans:\n{plans}\n\nAttachments: {attachments}",
        id = r.id,
        title = r.title,
        project = r.project,
        package = r.package,
        versions = r.versions,
        exposure = r.exposure,
        description = r.description,
        impact = r.impact,
        how_found = r.how_found,
        plans = r.disclosure_plans,
        attachments = if attachments.is_empty() {
            "none".to_owned()
        } else {
            attachments.join("; ")
        },
    )
}
