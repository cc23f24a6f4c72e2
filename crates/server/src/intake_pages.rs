//! The intake's pages: the disclosure policy (`/security`) and `security.txt`, the
//! report form (no account, no JavaScript, multipart for attachments), the finder's
//! tracking page, the coordinators' triage queue and report page, and the admins'
//! policy form. Every action calls `crate::intake`, as the API does.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Router;
use axum_extra::extract::cookie::CookieJar;
use lockstep_core::authz::GlobalAction;
use lockstep_core::intake::{CreditPreference, Exposure, ResponsePromises};
use lockstep_core::ReportId;
use lockstep_store::{DisclosurePolicy, NewAttachment, NewReport, ReportMove};
use minijinja::context;

use crate::api::{Id, Ids};
use crate::auth::{self, Actor};
use crate::intake;
use crate::login::ClientAddress;
use crate::web::{check_csrf, field, form, invalid, render, when, PageResult, WebError};
use crate::{authz, ApiError, App};

/// Declares a group of routes once: the router and the (method, path) list the
/// route-by-role test walks come from the same lines.
macro_rules! intake_routes {
    ($list:ident, $router:ident, $($method:ident $path:literal => $handler:ident),+ $(,)?) => {
        pub const $list: &[(&str, &str)] = &[$((stringify!($method), $path)),+];
        pub fn $router() -> Router<App> {
            Router::new()$(.route($path, axum::routing::$method($handler)))+
        }
    };
}

// The same for every visitor and public by purpose: caches may keep them a minute
// (`headers::may_be_cached`). They render no user and no form token; a changed policy
// shows within that minute.
intake_routes! { CACHEABLE_ROUTES, cacheable_routes,
    get "/security" => security_page,
    get "/.well-known/security.txt" => security_txt,
    get "/security/openpgp.asc" => openpgp_key,
}

// No login, but never cached: the form carries a per-visitor token, and a tracking
// page is private to whoever holds its link.
intake_routes! { PUBLIC_ROUTES, public_routes,
    get "/report" => report_form,
    post "/report" => submit_report,
    get "/reports/track/{token}" => track_page,
    post "/reports/track/{token}/messages" => finder_message,
}

pub fn cacheable_router() -> Router<App> {
    cacheable_routes()
}

pub fn public_router() -> Router<App> {
    public_routes().layer(DefaultBodyLimit::max(intake::MAX_REPORT_BODY_BYTES))
}

fn policy_context(p: &DisclosurePolicy) -> minijinja::Value {
    context! { scope => p.scope, how_to_report => p.how_to_report, safe_harbor => p.safe_harbor,
    embargo_policy => p.embargo_policy, has_key => p.openpgp_key.is_some(), promises => p.promises,
    contacts => p.contacts, preferred_languages => p.preferred_languages, openpgp_key => p.openpgp_key }
}

/// Handles `GET /security`: the disclosure policy.
async fn security_page(State(app): State<App>) -> PageResult {
    let policy = app.store().policy().await?;
    render(
        &app,
        "security.html",
        &Actor::Anonymous,
        context! { policy => policy_context(&policy) },
    )
}

/// Handles `GET /.well-known/security.txt` (RFC 9116).
async fn security_txt(State(app): State<App>, headers: HeaderMap) -> Result<Response, WebError> {
    let base = intake::public_base(&app, &headers);
    let text = intake::security_txt(&app, &base).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response())
}

/// Handles `GET /security/openpgp.asc`: the key for encrypted reports, 404 without one.
async fn openpgp_key(State(app): State<App>) -> Result<Response, WebError> {
    let key = app
        .store()
        .policy()
        .await?
        .openpgp_key
        .ok_or_else(|| ApiError::not_found("key"))?;
    Ok(([(header::CONTENT_TYPE, "application/pgp-keys")], key).into_response())
}

fn form_page(
    app: &App,
    jar: CookieJar,
    values: &HashMap<String, String>,
    error: Option<&str>,
) -> Result<(CookieJar, Response), WebError> {
    let token = auth::random_secret()?;
    let page = render(
        app,
        "report.html",
        &Actor::Anonymous,
        context! { form_token => token, v => values, error => error,
        exposures => Exposure::ALL.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
        credits => CreditPreference::ALL.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
        max_bytes => app.config().intake.max_attachment_bytes, max_files => app.config().intake.max_attachments },
    )?;
    let name = auth::login_csrf_cookie_name(app.config());
    Ok((jar.add(auth::cookie(app, name, token)), page))
}

/// Handles `GET /report`: the report form, with a fresh double-submit token.
async fn report_form(State(app): State<App>, jar: CookieJar) -> Result<(CookieJar, Response), WebError> {
    form_page(&app, jar, &HashMap::new(), None)
}

/// The fields and files of a multipart form. Files come from `attachments` inputs; an
/// empty file input (nothing chosen) is skipped.
async fn read_multipart(mut multipart: Multipart) -> Result<(HashMap<String, String>, Vec<NewAttachment>), ApiError> {
    let mut fields = HashMap::new();
    let mut files = Vec::new();
    let too_large_or_bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::field(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "attachments",
                e.body_text(),
            )
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text())
        }
    };
    while let Some(f) = multipart.next_field().await.map_err(too_large_or_bad)? {
        let name = f.name().unwrap_or_default().to_owned();
        if name == "attachments" {
            let filename = f.file_name().unwrap_or_default().to_owned();
            let content_type = f.content_type().unwrap_or_default().to_owned();
            let content = f.bytes().await.map_err(too_large_or_bad)?;
            if filename.is_empty() && content.is_empty() {
                continue;
            }
            files.push(NewAttachment {
                filename,
                content_type,
                content: content.to_vec(),
            });
        } else {
            let text = f.text().await.map_err(too_large_or_bad)?;
            fields.insert(name, text);
        }
    }
    Ok((fields, files))
}

fn multipart_or_415(
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Multipart, ApiError> {
    multipart.map_err(|_| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the form must be sent as multipart/form-data",
        )
    })
}

/// The report the form describes; a bad choice is a 422 naming the field.
fn new_report(v: &HashMap<String, String>) -> Result<NewReport, ApiError> {
    let exposure = field(v, "exposure")
        .parse::<Exposure>()
        .map_err(|e| invalid("exposure", e.to_string()))?;
    let credit = field(v, "credit")
        .parse::<CreditPreference>()
        .map_err(|e| invalid("credit", e.to_string()))?;
    let text = |name: &str| field(v, name).to_owned();
    Ok(NewReport {
        title: text("title"),
        project: text("project"),
        package: text("package"),
        versions: text("versions"),
        description: text("description"),
        impact: text("impact"),
        how_found: text("how_found"),
        exposure,
        disclosure_plans: text("disclosure_plans"),
        credit,
        credit_name: Some(text("credit_name")),
        email: Some(text("email")),
    })
}

/// Handles `POST /report`: stores the report and shows the tracking link once.
async fn submit_report(
    State(app): State<App>,
    jar: CookieJar,
    headers: HeaderMap,
    address: ClientAddress,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(CookieJar, Response), WebError> {
    // Double-submit check, before the body is read: the form's token must match its cookie.
    let cookie_name = auth::login_csrf_cookie_name(app.config());
    let cookie_token = jar.get(cookie_name).map(|c| c.value().to_owned()).unwrap_or_default();
    if cookie_token.is_empty() {
        return Err(ApiError::forbidden("the report form is stale; reload the page").into());
    }
    let (values, files) = read_multipart(multipart_or_415(multipart)?).await?;
    if !auth::same_secret(&cookie_token, field(&values, "csrf")) {
        return Err(ApiError::forbidden("the report form is stale; reload the page").into());
    }
    // The honeypot: hidden from people (and labelled "leave empty"), filled by bots.
    if !field(&values, "website").is_empty() {
        return Err(invalid("website", "leave this field empty").into());
    }
    let refused = |jar: CookieJar, e: ApiError| -> Result<(CookieJar, Response), WebError> {
        if e.status.is_client_error() && e.status != StatusCode::TOO_MANY_REQUESTS {
            let (jar, page) = form_page(&app, jar, &values, Some(&e.detail.message))?;
            Ok((jar, (e.status, page).into_response()))
        } else {
            Err(e.into())
        }
    };
    let new = match new_report(&values) {
        Ok(new) => new,
        Err(e) => return refused(jar, e),
    };
    let base = intake::public_base(&app, &headers);
    match intake::submit(&app, &base, &address, new, &files).await {
        Ok(submitted) => {
            let jar = jar.remove(auth::removal_cookie(&app, cookie_name));
            let page = render(
                &app,
                "report_sent.html",
                &Actor::Anonymous,
                context! { tracking_url => submitted.tracking_url, token => submitted.token },
            )?;
            Ok((jar, (StatusCode::CREATED, page).into_response()))
        }
        Err(e) => refused(jar, e),
    }
}

/// Handles `GET /reports/track/{token}`: the finder's tracking page.
async fn track_page(State(app): State<App>, Id(token): Id<String>) -> PageResult {
    let t = intake::tracking(&app, &token).await?;
    let promises: Vec<minijinja::Value> = t
        .promises
        .iter()
        .map(|p| context! { name => p.name, due => when(p.due_at), done => p.done_at.map(when), standing => p.standing.as_str() })
        .collect();
    let messages: Vec<minijinja::Value> = t
        .messages
        .iter()
        .map(|m| context! { from_finder => m.from_finder, author => m.author_name, at => when(m.created_at), body => m.body })
        .collect();
    render(
        &app,
        "track.html",
        &Actor::Anonymous,
        context! { token => token, t => t, received => when(t.received_at), promises => promises, messages => messages },
    )
}

/// Handles `POST /reports/track/{token}/messages`: the finder answers. No CSRF token:
/// the tracking token in the URL is a secret another site cannot know.
async fn finder_message(
    State(app): State<App>,
    address: ClientAddress,
    Id(token): Id<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    intake::tracking(&app, &token).await?;
    let (values, files) = read_multipart(multipart_or_415(multipart)?).await?;
    intake::finder_message(&app, &address, &token, field(&values, "body"), &files).await?;
    Ok(Redirect::to(&format!("/reports/track/{token}#thread")).into_response())
}

/// Handles `GET /reports`: the coordinators' triage queue.
pub(crate) async fn reports_page(State(app): State<App>, actor: Actor) -> PageResult {
    let user = authz::global(actor.user(), GlobalAction::TriageReports)?;
    let entries = intake::queue(&app, user).await?;
    let rows: Vec<minijinja::Value> = entries
        .iter()
        .map(|e| {
            context! { id => e.report.id, title => e.report.title, package => e.report.package, project => e.report.project,
            state => e.report.state.as_str(), received => when(e.report.received_at), age_hours => e.age_hours,
            overdue => e.overdue, duplicates => e.likely_duplicates.len(),
            promises => e.promises.iter().take(2).map(|p| context! { name => p.name, standing => p.standing.as_str(), due => when(p.due_at) }).collect::<Vec<_>>() }
        })
        .collect();
    render(&app, "reports.html", &actor, context! { rows => rows })
}

/// Handles `GET /reports/{report_id}`: one report, its thread and the triage forms.
pub(crate) async fn report_page(State(app): State<App>, actor: Actor, Id(id): Id<ReportId>) -> PageResult {
    let user = authz::global(actor.user(), GlobalAction::TriageReports)?;
    let d = intake::detail(&app, user, id).await?;
    let r = &d.entry.report;
    let messages: Vec<minijinja::Value> = d
        .messages
        .iter()
        .map(|m| context! { from_finder => m.from_finder, author => m.author_name, at => when(m.created_at), body => m.body })
        .collect();
    let promises: Vec<minijinja::Value> = d
        .entry
        .promises
        .iter()
        .map(|p| context! { name => p.name, due => when(p.due_at), done => p.done_at.map(when), standing => p.standing.as_str() })
        .collect();
    let cases: Vec<minijinja::Value> = app
        .store()
        .cases_visible_to(user)
        .await?
        .into_iter()
        .map(|c| context! { id => c.id, title => c.title })
        .collect();
    render(
        &app,
        "report_triage.html",
        &actor,
        context! { r => r, received => when(r.received_at), overdue => d.entry.overdue, promises => promises,
        messages => messages, duplicates => d.entry.likely_duplicates, cases => cases,
        next => r.state.allowed_next().iter().map(|s| s.as_str()).collect::<Vec<_>>() },
    )
}

/// Handles `POST /reports/{report_id}/messages`: a coordinator writes to the finder.
pub(crate) async fn report_message(
    State(app): State<App>,
    actor: Actor,
    Id(id): Id<ReportId>,
    body: Bytes,
) -> PageResult {
    let user = authz::global(actor.user(), GlobalAction::TriageReports)?;
    let form = form(&body);
    check_csrf(&actor, &form)?;
    intake::coordinator_message(&app, user, id, field(&form, "body")).await?;
    Ok(Redirect::to(&format!("/reports/{id}#thread")).into_response())
}

fn optional_id<T: std::str::FromStr>(form: &HashMap<String, String>, name: &str) -> Result<Option<T>, ApiError> {
    match field(form, name).trim() {
        "" => Ok(None),
        v => v.parse().map(Some).map_err(|_| invalid(name, "not an id")),
    }
}

/// Handles `POST /reports/{report_id}/move`: acknowledge, validate, decline, duplicate
/// or accept, as the form's `action` says.
pub(crate) async fn report_move(State(app): State<App>, actor: Actor, Id(id): Id<ReportId>, body: Bytes) -> PageResult {
    let user = authz::global(actor.user(), GlobalAction::TriageReports)?;
    let form = form(&body);
    check_csrf(&actor, &form)?;
    let how = match field(&form, "action") {
        "acknowledge" => ReportMove::Acknowledge,
        "validate" => ReportMove::Validate,
        "decline" => ReportMove::Decline {
            reason: field(&form, "reason").to_owned(),
        },
        "duplicate" => ReportMove::Duplicate {
            of_report: optional_id(&form, "of_report")?,
            of_case: optional_id(&form, "of_case")?,
        },
        "accept" => ReportMove::Accept {
            case: optional_id(&form, "case_id")?,
            new_case_title: Some(field(&form, "title").trim().to_owned()).filter(|t| !t.is_empty()),
        },
        other => return Err(invalid("action", format!("unknown action `{other}`")).into()),
    };
    let report = intake::move_report(&app, user, id, how).await?;
    Ok(match report.case_id {
        Some(case) if report.state == lockstep_core::ReportState::Accepted => {
            Redirect::to(&format!("/cases/{case}")).into_response()
        }
        _ => Redirect::to(&format!("/reports/{id}")).into_response(),
    })
}

/// Handles `GET /reports/{report_id}/attachments/{sha256}`: a download for coordinators.
pub(crate) async fn report_attachment(
    State(app): State<App>,
    actor: Actor,
    Ids(id, sha256): Ids<ReportId, String>,
) -> Result<Response, WebError> {
    authz::global(actor.user(), GlobalAction::TriageReports)?;
    let attachment = app.store().attachment(id, &sha256).await?;
    Ok(crate::api::reports::attachment_response(attachment))
}

/// Handles `GET /cases/{id}/attachments/{sha256}`: a download for those who may read it.
pub(crate) async fn case_attachment(
    State(app): State<App>,
    actor: Actor,
    Ids(id, sha256): Ids<lockstep_core::CaseId, String>,
) -> Result<Response, WebError> {
    let user = actor.require()?;
    let attachment = intake::case_attachment(&app, user, id, &sha256).await?;
    Ok(crate::api::reports::attachment_response(attachment))
}

/// Handles `POST /cases/{id}/attachments/{sha256}/share`: shares it with the participants.
pub(crate) async fn share_case_attachment(
    State(app): State<App>,
    actor: Actor,
    Ids(id, sha256): Ids<lockstep_core::CaseId, String>,
    body: Bytes,
) -> PageResult {
    let user = actor.require()?;
    crate::authz::case(&app, user, id, lockstep_core::authz::CaseAction::ShareAttachments).await?;
    check_csrf(&actor, &form(&body))?;
    intake::share_attachment(&app, user, id, &sha256).await?;
    Ok(Redirect::to(&format!("/cases/{id}#attachments")).into_response())
}

/// Handles `GET /admin/policy`: the policy form (admins).
pub(crate) async fn policy_page(State(app): State<App>, actor: Actor) -> PageResult {
    authz::global(actor.user(), GlobalAction::ManagePolicy)?;
    let policy = app.store().policy().await?;
    render(
        &app,
        "policy.html",
        &actor,
        context! { p => policy_context(&policy), error => None::<String> },
    )
}

fn days(form: &HashMap<String, String>, name: &str) -> Result<u32, ApiError> {
    field(form, name)
        .trim()
        .parse()
        .map_err(|_| invalid(name, "a whole number of days"))
}

/// Handles `POST /admin/policy`: saves the policy (admins).
pub(crate) async fn save_policy(State(app): State<App>, actor: Actor, body: Bytes) -> PageResult {
    let user = authz::global(actor.user(), GlobalAction::ManagePolicy)?;
    let form = form(&body);
    check_csrf(&actor, &form)?;
    let policy = DisclosurePolicy {
        contacts: field(&form, "contacts")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        scope: field(&form, "scope").to_owned(),
        how_to_report: field(&form, "how_to_report").to_owned(),
        promises: ResponsePromises {
            acknowledge_days: days(&form, "acknowledge_days")?,
            triage_days: days(&form, "triage_days")?,
            fix_days: days(&form, "fix_days")?,
        },
        safe_harbor: field(&form, "safe_harbor").to_owned(),
        embargo_policy: field(&form, "embargo_policy").to_owned(),
        openpgp_key: Some(field(&form, "openpgp_key").trim().to_owned()).filter(|k| !k.is_empty()),
        preferred_languages: field(&form, "preferred_languages").to_owned(),
    };
    app.store().set_policy(user.id, app.clock().now(), policy).await?;
    Ok(Redirect::to("/security").into_response())
}
