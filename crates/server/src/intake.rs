//! Researcher intake, the feature module both the API (`api/reports.rs`) and the pages
//! (`intake_pages.rs`) call: the disclosure policy and `security.txt`, submitting a
//! report (rate-limited per address, attachments size-limited), the finder's private
//! tracking view, and the coordinators' triage queue and moves.
//!
//! A tracking token is 256 random bits shown once; only its SHA-256 is stored, and a
//! token that matches no report answers exactly like any other unknown token.

use axum::http::{HeaderMap, StatusCode};
use jiff::{SignedDuration, Timestamp};
use lockstep_core::intake::{self as rules, Promise, ReportClock, ReportState};
use lockstep_core::{CaseId, ReportId};
use lockstep_store::{AttachmentInfo, DisclosurePolicy, NewAttachment, NewReport, Report, ReportMessage, ReportMove};
use serde::Serialize;
use utoipa::ToSchema;

use crate::login::ClientAddress;
use crate::{auth, ApiError, ApiResult, App};

/// The largest request body the report routes take (the attachments' own limits are
/// checked after reading, against [`IntakeLimits`]); base64 in JSON adds a third.
pub const MAX_REPORT_BODY_BYTES: usize = 48 * 1024 * 1024;

/// How long a submission counts toward the per-address limit.
pub const SUBMISSION_WINDOW: SignedDuration = SignedDuration::from_hours(1);

/// Limits on what finders may send.
#[derive(Debug, Clone, Copy)]
pub struct IntakeLimits {
    /// Largest attachment, in bytes (413 beyond).
    pub max_attachment_bytes: usize,
    /// Most attachments in one submission.
    pub max_attachments: usize,
    /// Most submissions (reports and finder messages) per address per [`SUBMISSION_WINDOW`].
    pub max_submissions: usize,
}

impl Default for IntakeLimits {
    fn default() -> Self {
        IntakeLimits {
            max_attachment_bytes: 10 * 1024 * 1024,
            max_attachments: 5,
            max_submissions: 10,
        }
    }
}

/// The URL this server is reached at: `--public-url` when set; otherwise from the
/// request's `Host` (only host characters kept), `https` under secure cookies.
pub fn public_base(app: &App, headers: &HeaderMap) -> String {
    if let Some(url) = &app.config().public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host: String = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        .take(255)
        .collect();
    let scheme = if app.config().secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// The `security.txt` served at `/.well-known/security.txt`: the policy's contacts
/// (or the report form), Expires half a year ahead of now, the policy page, itself as
/// Canonical, and the OpenPGP key's URL when one is set.
pub async fn security_txt(app: &App, base: &str) -> ApiResult<String> {
    let policy = app.store().policy().await?;
    let contacts = if policy.contacts.is_empty() {
        vec![format!("{base}/report")]
    } else {
        policy.contacts.clone()
    };
    let expires = app
        .clock()
        .now()
        .checked_add(rules::SECURITY_TXT_LIFETIME)
        .map_err(ApiError::internal)?;
    let policy_url = format!("{base}/security");
    let canonical = format!("{base}/.well-known/security.txt");
    let key_url = format!("{base}/security/openpgp.asc");
    Ok(rules::security_txt(&rules::SecurityTxt {
        contacts: &contacts,
        expires,
        policy: Some(&policy_url),
        canonical: Some(&canonical),
        preferred_languages: Some(&policy.preferred_languages),
        encryption: policy.openpgp_key.as_ref().map(|_| key_url.as_str()),
    }))
}

/// What the finder gets back once: the tracking link's token.
#[derive(Debug, Serialize, ToSchema)]
pub struct Submitted {
    #[schema(value_type = String)]
    pub id: ReportId,
    /// The secret of the tracking link; shown only now, stored only hashed.
    pub token: String,
    pub tracking_url: String,
    pub tracking_api_url: String,
}

/// Refuses too many or too large attachments, naming the field (413 / 422).
fn check_attachments(app: &App, attachments: &[NewAttachment]) -> ApiResult<()> {
    let limits = app.config().intake;
    if attachments.len() > limits.max_attachments {
        return Err(ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "attachments",
            format!("at most {} attachments", limits.max_attachments),
        ));
    }
    for (i, a) in attachments.iter().enumerate() {
        if a.content.len() > limits.max_attachment_bytes {
            return Err(ApiError::field(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                &format!("attachments[{i}]"),
                format!("`{}` is larger than {} bytes", a.filename, limits.max_attachment_bytes),
            ));
        }
    }
    Ok(())
}

/// 429 with `Retry-After` when `address` sent its fill within the window; otherwise
/// the instant up to which older submissions may be forgotten.
async fn check_rate(app: &App, address: &ClientAddress) -> ApiResult<Timestamp> {
    let now = app.clock().now();
    let since = now.checked_sub(SUBMISSION_WINDOW).map_err(ApiError::internal)?;
    let max = app.config().intake.max_submissions;
    let recent = app.store().recent_submissions(&address.0, since, max).await?;
    if let Some(oldest) = recent.get(max.saturating_sub(1)).filter(|_| recent.len() >= max) {
        let free_at = oldest.checked_add(SUBMISSION_WINDOW).map_err(ApiError::internal)?;
        let wait = u64::try_from(free_at.duration_since(now).as_millis()).unwrap_or(0);
        let seconds = wait.div_ceil(1000).max(1);
        return Err(ApiError::too_many(
            format!("too many submissions from this address; try again in {seconds} seconds"),
            seconds,
        ));
    }
    Ok(since)
}

/// Takes a finder's report: checks the rate limit and the attachments, stores it all
/// in one write (or nothing), and returns the tracking token once.
pub async fn submit(
    app: &App,
    base: &str,
    address: &ClientAddress,
    new: NewReport,
    attachments: &[NewAttachment],
) -> ApiResult<Submitted> {
    check_attachments(app, attachments)?;
    let forget_until = check_rate(app, address).await?;
    let token = auth::random_secret()?;
    let report = app
        .store()
        .submit_report(
            app.clock().now(),
            &auth::secret_hash(&token),
            &address.0,
            forget_until,
            new,
            attachments,
        )
        .await?;
    Ok(Submitted {
        id: report.id,
        tracking_url: format!("{base}/reports/track/{token}"),
        tracking_api_url: format!("{base}/api/v1/reports/track/{token}"),
        token,
    })
}

/// What the finder sees by the tracking link: their report, its state, the promises
/// and the thread. Nothing of the case beyond what coordinators wrote to the finder.
#[derive(Debug, Serialize, ToSchema)]
pub struct Tracking {
    pub title: String,
    pub state: ReportState,
    #[schema(value_type = String)]
    pub received_at: Timestamp,
    pub decline_reason: Option<String>,
    /// Whether the coordinators found it repeats a report or a case they know.
    pub duplicate: bool,
    pub promises: Vec<Promise>,
    pub messages: Vec<ReportMessage>,
    pub attachments: Vec<AttachmentInfo>,
}

/// The report a tracking token opens; 404 (always the same) for any other string.
async fn by_token(app: &App, token: &str) -> ApiResult<Report> {
    app.store()
        .report_by_token_hash(&auth::secret_hash(token))
        .await?
        .ok_or_else(|| ApiError::not_found("report"))
}

fn promises_of(policy: &DisclosurePolicy, r: &Report, now: Timestamp) -> Vec<Promise> {
    rules::promises(
        policy.promises,
        ReportClock {
            state: r.state,
            received_at: r.received_at,
            acknowledged_at: r.acknowledged_at,
            decided_at: r.decided_at,
            fixed_at: None,
        },
        now,
    )
}

/// The finder's view of the report behind `token`.
pub async fn tracking(app: &App, token: &str) -> ApiResult<Tracking> {
    let report = by_token(app, token).await?;
    tracking_of(app, report).await
}

/// A finder with an account claims the report behind `token`: it is then listed among
/// their reports (`GET /api/v1/me/reports`). An unknown token is the usual 404.
pub async fn claim(app: &App, user: &lockstep_store::User, token: &str) -> ApiResult<Tracking> {
    by_token(app, token).await?;
    let report = app
        .store()
        .claim_report(user.id, app.clock().now(), &auth::secret_hash(token))
        .await?;
    tracking_of(app, report).await
}

/// The reports `user` claimed, as their finder sees them.
pub async fn claimed(app: &App, user: &lockstep_store::User) -> ApiResult<Vec<Tracking>> {
    let mut out = Vec::new();
    for r in app.store().reports_of_finder(user.id).await? {
        let report = app.store().report(r.id).await?;
        out.push(tracking_of(app, report).await?);
    }
    Ok(out)
}

async fn tracking_of(app: &App, report: Report) -> ApiResult<Tracking> {
    let policy = app.store().policy().await?;
    let messages = app.store().report_messages(report.id).await?;
    Ok(Tracking {
        promises: promises_of(&policy, &report, app.clock().now()),
        title: report.title,
        state: report.state,
        received_at: report.received_at,
        decline_reason: report.decline_reason,
        duplicate: report.state == ReportState::Duplicate,
        messages,
        // The finder's own files; what coordinators attach is theirs to share.
        attachments: report.attachments.into_iter().filter(|a| a.from_finder).collect(),
    })
}

/// The finder adds a message (and files) to the thread, rate-limited like submissions.
pub async fn finder_message(
    app: &App,
    address: &ClientAddress,
    token: &str,
    body: &str,
    attachments: &[NewAttachment],
) -> ApiResult<ReportMessage> {
    let report = by_token(app, token).await?;
    check_attachments(app, attachments)?;
    let forget_until = check_rate(app, address).await?;
    Ok(app
        .store()
        .post_report_message(
            None,
            app.clock().now(),
            report.id,
            body,
            attachments,
            Some((&address.0, forget_until)),
        )
        .await?)
}

/// A report or case the queue suggests a report may repeat.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DuplicateHint {
    /// `report` or `case`.
    pub kind: &'static str,
    pub id: String,
    pub title: String,
}

/// One report in the triage queue, with its age against the promises.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueEntry {
    pub report: Report,
    /// Hours since it was received.
    pub age_hours: i64,
    pub promises: Vec<Promise>,
    pub overdue: bool,
    pub likely_duplicates: Vec<DuplicateHint>,
}

/// The triage queue: open reports first (oldest first), then decided ones (newest
/// first), each with its promises and likely duplicates among the other reports and
/// the cases `user` can see.
pub async fn queue(app: &App, user: &lockstep_store::User) -> ApiResult<Vec<QueueEntry>> {
    let store = app.store();
    let policy = store.policy().await?;
    let reports = store.reports().await?;
    let cases = store.cases_visible_to(user).await?;
    let now = app.clock().now();
    let mut entries: Vec<QueueEntry> = reports
        .iter()
        .map(|r| entry(&policy, r.clone(), &reports, &cases, now))
        .collect();
    entries.sort_by_key(|e| {
        (
            !e.report.state.is_open(),
            if e.report.state.is_open() {
                e.report.received_at.as_millisecond()
            } else {
                -e.report.received_at.as_millisecond()
            },
        )
    });
    Ok(entries)
}

fn entry(
    policy: &DisclosurePolicy,
    report: Report,
    all: &[Report],
    cases: &[lockstep_store::Case],
    now: Timestamp,
) -> QueueEntry {
    let promises = promises_of(policy, &report, now);
    let mut likely_duplicates: Vec<DuplicateHint> = all
        .iter()
        .filter(|o| o.id != report.id && rules::likely_duplicate(&report.package, &report.title, &o.package, &o.title))
        .map(|o| DuplicateHint {
            kind: "report",
            id: o.id.to_string(),
            title: o.title.clone(),
        })
        .collect();
    likely_duplicates.extend(
        cases
            .iter()
            .filter(|c| Some(c.id) != report.case_id && rules::title_similarity(&report.title, &c.title) >= 0.5)
            .map(|c| DuplicateHint {
                kind: "case",
                id: c.id.to_string(),
                title: c.title.clone(),
            }),
    );
    QueueEntry {
        age_hours: now.duration_since(report.received_at).as_hours(),
        overdue: report.state.is_open() && rules::is_overdue(&promises[..2]),
        promises,
        likely_duplicates,
        report,
    }
}

/// One report as a coordinator sees it, with the thread.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportDetail {
    #[serde(flatten)]
    pub entry: QueueEntry,
    pub messages: Vec<ReportMessage>,
}

/// A report for the triage page and `GET /api/v1/reports/{report_id}`.
pub async fn detail(app: &App, user: &lockstep_store::User, id: ReportId) -> ApiResult<ReportDetail> {
    let store = app.store();
    let report = store.report(id).await?;
    let policy = store.policy().await?;
    let all = store.reports().await?;
    let cases = store.cases_visible_to(user).await?;
    let messages = store.report_messages(id).await?;
    Ok(ReportDetail {
        entry: entry(&policy, report, &all, &cases, app.clock().now()),
        messages,
    })
}

/// A coordinator writes to the finder.
pub async fn coordinator_message(
    app: &App,
    user: &lockstep_store::User,
    id: ReportId,
    body: &str,
) -> ApiResult<ReportMessage> {
    app.store().report(id).await?;
    Ok(app
        .store()
        .post_report_message(Some(user.id), app.clock().now(), id, body, &[], None)
        .await?)
}

/// A coordinator moves a report. Accepting into an existing case needs the case to be
/// one the coordinator runs (404 otherwise, as for any case they may not see).
pub async fn move_report(app: &App, user: &lockstep_store::User, id: ReportId, how: ReportMove) -> ApiResult<Report> {
    let existing: Option<CaseId> = match &how {
        ReportMove::Accept { case, .. } => *case,
        ReportMove::Duplicate { of_case, .. } => *of_case,
        _ => None,
    };
    if let Some(case) = existing {
        crate::authz::case(app, user, case, lockstep_core::authz::CaseAction::Edit).await?;
    }
    Ok(app.store().move_report(user.id, app.clock().now(), id, how).await?)
}

/// The attachments of the reports accepted into case `id`, as `user` may see them.
pub async fn case_attachments(
    app: &App,
    user: &lockstep_store::User,
    id: CaseId,
) -> ApiResult<Vec<lockstep_store::CaseAttachment>> {
    let access = crate::authz::case(app, user, id, lockstep_core::authz::CaseAction::View).await?;
    let list = app.store().case_attachments(id).await?;
    Ok(crate::authz::visible_attachments(&access, list))
}

/// One attachment of case `id`'s reports, for download; 404 for one the user may not read.
pub async fn case_attachment(
    app: &App,
    user: &lockstep_store::User,
    id: CaseId,
    sha256: &str,
) -> ApiResult<lockstep_store::Attachment> {
    let access = crate::authz::case(app, user, id, lockstep_core::authz::CaseAction::View).await?;
    let (listed, attachment) = app.store().case_attachment(id, sha256).await?;
    if !crate::authz::may_read_attachment(&access, &listed) {
        return Err(ApiError::not_found("attachment"));
    }
    Ok(attachment)
}

/// A coordinator shares an attachment of case `id`'s reports with its participants.
pub async fn share_attachment(
    app: &App,
    user: &lockstep_store::User,
    id: CaseId,
    sha256: &str,
) -> ApiResult<lockstep_store::CaseAttachment> {
    crate::authz::case(app, user, id, lockstep_core::authz::CaseAction::ShareAttachments).await?;
    Ok(app
        .store()
        .share_attachment(user.id, app.clock().now(), id, sha256)
        .await?)
}

/// The reports a case came from, for the case page of a coordinator who triages
/// reports (links to each report's page); nothing for anyone else.
pub async fn reports_of_case(
    app: &App,
    user: &lockstep_store::User,
    access: &crate::authz::CaseAccess,
) -> ApiResult<Vec<Report>> {
    let triages = crate::authz::global(Some(user), lockstep_core::authz::GlobalAction::TriageReports).is_ok();
    if !(access.coordinates() && triages) {
        return Ok(Vec::new());
    }
    Ok(app.store().reports_of_case(access.case.id).await?)
}
