//! The server-rendered web pages: plain HTML forms that work without JavaScript,
//! each form carrying a CSRF token. Page handlers call the same functions as the
//! API handlers; they differ only in how they render.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Router;
use axum_extra::extract::cookie::CookieJar;
use lockstep_advisory::cvss::Vector;
use lockstep_core::authz::{CaseAction, GlobalAction};
use lockstep_core::case::display_in_zone;
use lockstep_core::{CaseId, Tlp};
use lockstep_store::{Audience, Message, NewCase, NewMessage, User};
use minijinja::context;
use serde::Serialize;

use crate::advisory_pages::{
    adopt_severity, advisory_page, download_export, propose_severity, publish_advisory, revise_advisory,
};
use crate::api::Id;
use crate::auth::{self, Actor};
use crate::case_forms::{change_embargo, change_phase, record_trigger, state_status};
use crate::intake_pages::{
    case_attachment, policy_page, report_attachment, report_message, report_move, report_page, reports_page,
    save_policy, share_case_attachment,
};
use crate::login::{self, ClientAddress, Outcome};
use crate::registry_pages::{add_contact, contacts_page, projects_page, remove_contact};
use crate::{authz, ApiError, App};

/// Declares the web routes once: the router and the (method, path) list the
/// route-by-role test walks come from the same lines.
macro_rules! web_routes {
    ($($method:ident $path:literal => $handler:ident),+ $(,)?) => {
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),+];
        pub fn router() -> Router<App> {
            Router::new()$(.route($path, axum::routing::$method($handler)))+
        }
    };
}

web_routes! {
    get "/" => home,
    get "/login" => login_page,
    post "/login" => login,
    post "/logout" => logout,
    post "/logout-everywhere" => logout_everywhere,
    get "/cases" => cases_page,
    get "/cases/new" => new_case_page,
    post "/cases" => create_case,
    get "/cases/{id}" => case_page,
    post "/cases/{id}/messages" => post_message,
    get "/cases/{id}/advisory" => advisory_page,
    post "/cases/{id}/severity/proposals" => propose_severity,
    post "/cases/{id}/severity/adopt" => adopt_severity,
    post "/cases/{id}/advisory" => revise_advisory,
    get "/cases/{id}/advisory/export" => download_export,
    post "/cases/{id}/advisory/publish" => publish_advisory,
    post "/cases/{id}/participants" => read_in,
    post "/cases/{id}/status" => state_status,
    post "/cases/{id}/phase" => change_phase,
    post "/cases/{id}/embargo" => change_embargo,
    post "/cases/{id}/triggers" => record_trigger,
    get "/projects" => projects_page,
    get "/projects/{project_id}/contacts" => contacts_page,
    post "/projects/{project_id}/contacts" => add_contact,
    post "/projects/{project_id}/contacts/{contact_id}/remove" => remove_contact,
    get "/cases/{id}/attachments/{sha256}" => case_attachment,
    post "/cases/{id}/attachments/{sha256}/share" => share_case_attachment,
    get "/reports" => reports_page,
    get "/reports/{report_id}" => report_page,
    post "/reports/{report_id}/messages" => report_message,
    post "/reports/{report_id}/move" => report_move,
    get "/reports/{report_id}/attachments/{sha256}" => report_attachment,
    get "/admin/policy" => policy_page,
    post "/admin/policy" => save_policy,
}

pub fn templates() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    for (name, source) in [
        ("base.html", include_str!("../templates/base.html")),
        ("login.html", include_str!("../templates/login.html")),
        ("cases.html", include_str!("../templates/cases.html")),
        ("new_case.html", include_str!("../templates/new_case.html")),
        ("case.html", include_str!("../templates/case.html")),
        ("projects.html", include_str!("../templates/projects.html")),
        ("contacts.html", include_str!("../templates/contacts.html")),
        ("error.html", include_str!("../templates/error.html")),
        ("security.html", include_str!("../templates/security.html")),
        ("report.html", include_str!("../templates/report.html")),
        ("report_sent.html", include_str!("../templates/report_sent.html")),
        ("track.html", include_str!("../templates/track.html")),
        ("reports.html", include_str!("../templates/reports.html")),
        ("report_triage.html", include_str!("../templates/report_triage.html")),
        ("policy.html", include_str!("../templates/policy.html")),
        ("public_list.html", include_str!("../templates/public_list.html")),
        (
            "advisory_section.html",
            include_str!("../templates/advisory_section.html"),
        ),
        ("advisory.html", include_str!("../templates/advisory.html")),
        (
            "public_advisory.html",
            include_str!("../templates/public_advisory.html"),
        ),
    ] {
        env.add_template(name, source).expect("built-in templates parse");
    }
    add_filters(&mut env);
    env
}

/// Template filters for severity: `{{ vector|cvss_summary }}` gives "CVSS 3.1 · 9.8
/// CRITICAL" (or why the vector does not score), `{{ cwe|cwe_name }}` the weakness's name.
pub(crate) fn add_filters(env: &mut minijinja::Environment<'static>) {
    env.add_filter("cvss_summary", |vector: Option<String>| -> String {
        match vector.as_deref().map(Vector::parse) {
            None => String::new(),
            Some(Ok(v)) => {
                let s = v.scores();
                format!(
                    "CVSS {} · {:.1} {}",
                    s.version.as_str(),
                    s.base_score,
                    s.base_severity.as_str()
                )
            }
            Some(Err(e)) => format!("does not score: {e}"),
        }
    });
    env.add_filter("cwe_name", |cwe: Option<String>| -> String {
        cwe.and_then(|c| c.parse::<lockstep_advisory::cwe::CweId>().ok())
            .map(|c| c.name().to_owned())
            .unwrap_or_default()
    });
}

/// A page that could not be shown: rendered as an HTML error page, or a redirect to
/// the login page for anonymous visitors.
pub struct WebError(pub ApiError);

impl From<ApiError> for WebError {
    fn from(e: ApiError) -> Self {
        WebError(e)
    }
}

impl From<lockstep_store::StoreError> for WebError {
    fn from(e: lockstep_store::StoreError) -> Self {
        WebError(e.into())
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if self.0.status == StatusCode::UNAUTHORIZED {
            return Redirect::to("/login").into_response();
        }
        let body = templates()
            .get_template("error.html")
            .and_then(|t| t.render(context! { status => self.0.status.as_u16(), message => self.0.detail.message }))
            .unwrap_or_else(|_| "error".to_owned());
        let mut response = (self.0.status, Html(body)).into_response();
        if let Some(seconds) = self.0.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(seconds));
        }
        response
    }
}

pub(crate) type PageResult = Result<Response, WebError>;

pub(crate) fn render(app: &App, name: &str, actor: &Actor, ctx: minijinja::Value) -> PageResult {
    let user = actor.user();
    let base = context! {
        user => user,
        csrf => actor.csrf_token(),
        can_open_case => user.is_some_and(|u| authz::global(Some(u), GlobalAction::OpenCase).is_ok()),
    };
    let html = app
        .0
        .templates
        .get_template(name)
        .and_then(|t| t.render(context! { ..base, ..ctx }))
        .map_err(ApiError::internal)?;
    Ok(Html(html).into_response())
}

pub(crate) fn form(body: &Bytes) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// Every state-changing form must carry the session's CSRF token.
pub(crate) fn check_csrf(actor: &Actor, form: &HashMap<String, String>) -> Result<(), WebError> {
    let expected = actor.csrf_token().ok_or_else(ApiError::unauthenticated)?;
    match form.get("csrf") {
        Some(given) if auth::same_secret(given, expected) => Ok(()),
        _ => Err(ApiError::forbidden("the form's CSRF token is missing or stale; reload the page").into()),
    }
}

/// A form field, or "" when absent.
pub(crate) fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map(String::as_str).unwrap_or_default()
}

/// A 422 naming the form field.
pub(crate) fn invalid(name: &str, message: impl Into<String>) -> ApiError {
    ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", name, message)
}

/// An instant as pages show it.
pub(crate) fn when(at: jiff::Timestamp) -> String {
    display_in_zone(at, "UTC")
}

async fn home() -> Redirect {
    Redirect::to("/cases")
}

async fn login_page(State(app): State<App>, jar: CookieJar, actor: Actor) -> Result<(CookieJar, Response), WebError> {
    if actor.user().is_some() {
        return Ok((jar, Redirect::to("/cases").into_response()));
    }
    login_form(&app, jar, "", None)
}

/// The login page with a fresh double-submit token in its form and cookie.
fn login_form(app: &App, jar: CookieJar, email: &str, error: Option<&str>) -> Result<(CookieJar, Response), WebError> {
    let token = auth::random_secret()?;
    let page = render(
        app,
        "login.html",
        &Actor::Anonymous,
        context! { login_csrf => token, email => email, error => error },
    )?;
    let name = auth::login_csrf_cookie_name(app.config());
    Ok((jar.add(auth::cookie(app, name, token)), page))
}

/// Handles `POST /login`: the password check, throttled per account and per address.
async fn login(
    State(app): State<App>,
    jar: CookieJar,
    address: ClientAddress,
    body: Bytes,
) -> Result<(CookieJar, Response), WebError> {
    let form = form(&body);
    let csrf_cookie = auth::login_csrf_cookie_name(app.config());
    // Double-submit check: the login form's token must match its cookie.
    let cookie_token = jar.get(csrf_cookie).map(|c| c.value().to_owned()).unwrap_or_default();
    let form_token = form.get("csrf").cloned().unwrap_or_default();
    if cookie_token.is_empty() || !auth::same_secret(&cookie_token, &form_token) {
        return Err(ApiError::forbidden("the login form is stale; reload the page").into());
    }
    let email = form.get("email").map(String::as_str).unwrap_or_default();
    let password = form.get("password").map(String::as_str).unwrap_or_default();
    match login::attempt(&app, email, password, &address).await? {
        Outcome::LoggedIn { session_secret } => {
            let jar = jar.remove(auth::removal_cookie(&app, csrf_cookie)).add(auth::cookie(
                &app,
                auth::session_cookie_name(app.config()),
                session_secret,
            ));
            Ok((jar, Redirect::to("/cases").into_response()))
        }
        Outcome::Refused => {
            let (jar, page) = login_form(&app, jar, email, Some("Wrong email or password."))?;
            Ok((jar, (StatusCode::UNAUTHORIZED, page).into_response()))
        }
        Outcome::Throttled { retry_after_seconds } => {
            let minutes = retry_after_seconds.div_ceil(60);
            let message = format!(
                "Too many failed logins for this account or from this address. Try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            );
            let (jar, page) = login_form(&app, jar, email, Some(&message))?;
            let retry_after = [(axum::http::header::RETRY_AFTER, retry_after_seconds.to_string())];
            Ok((jar, (StatusCode::TOO_MANY_REQUESTS, retry_after, page).into_response()))
        }
    }
}

/// Handles `POST /logout`: ends this session.
async fn logout(
    State(app): State<App>,
    jar: CookieJar,
    actor: Actor,
    body: Bytes,
) -> Result<(CookieJar, Redirect), WebError> {
    check_csrf(&actor, &form(&body))?;
    if let Actor::User {
        user,
        via: auth::Via::Session { id_hash, .. },
    } = &actor
    {
        app.store().delete_session(user.id, app.clock().now(), id_hash).await?;
    }
    let cookie = auth::removal_cookie(&app, auth::session_cookie_name(app.config()));
    Ok((jar.remove(cookie), Redirect::to("/login")))
}

/// Handles `POST /logout-everywhere`: ends every session of the user, this one too
/// (a lost laptop, a shared computer).
async fn logout_everywhere(
    State(app): State<App>,
    jar: CookieJar,
    actor: Actor,
    body: Bytes,
) -> Result<(CookieJar, Redirect), WebError> {
    check_csrf(&actor, &form(&body))?;
    let user = actor.require()?;
    app.store().end_sessions(user.id, app.clock().now()).await?;
    let cookie = auth::removal_cookie(&app, auth::session_cookie_name(app.config()));
    Ok((jar.remove(cookie), Redirect::to("/login")))
}

#[derive(Serialize)]
struct CaseRow {
    id: CaseId,
    title: String,
    phase: String,
    embargo_state: String,
    public_at: Option<String>,
    tlp: String,
}

async fn cases_page(State(app): State<App>, actor: Actor) -> PageResult {
    let user = authz::global(actor.user(), GlobalAction::ListCases)?;
    let cases: Vec<CaseRow> = app
        .store()
        .cases_visible_to(user)
        .await?
        .into_iter()
        .map(|c| CaseRow {
            id: c.id,
            title: c.title.clone(),
            phase: c.phase.to_string(),
            embargo_state: c.embargo.state.to_string(),
            public_at: c.embargo.public_at_display(),
            tlp: c.tlp.to_string(),
        })
        .collect();
    render(&app, "cases.html", &actor, context! { cases => cases })
}

fn tlp_words() -> Vec<&'static str> {
    Tlp::ALL.iter().map(|t| t.as_str()).collect()
}

async fn new_case_page(State(app): State<App>, actor: Actor) -> PageResult {
    authz::global(actor.user(), GlobalAction::OpenCase)?;
    render(
        &app,
        "new_case.html",
        &actor,
        context! { tlps => tlp_words(), title => "", summary => "" },
    )
}

async fn create_case(State(app): State<App>, actor: Actor, body: Bytes) -> PageResult {
    let user = authz::global(actor.user(), GlobalAction::OpenCase)?;
    let form = form(&body);
    check_csrf(&actor, &form)?;
    let title = form.get("title").cloned().unwrap_or_default();
    let summary = form.get("summary").cloned().unwrap_or_default();
    let tlp = match form.get("tlp").map(|t| t.parse::<Tlp>()) {
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => {
            return Err(ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "tlp", e.to_string()).into())
        }
        None => None,
    };
    match app
        .store()
        .create_case(
            user.id,
            app.clock().now(),
            NewCase {
                title: title.clone(),
                summary: summary.clone(),
                tlp,
            },
        )
        .await
    {
        Ok(case) => Ok(Redirect::to(&format!("/cases/{}", case.id)).into_response()),
        Err(lockstep_store::StoreError::Invalid { field, message }) => {
            let page = render(
                &app,
                "new_case.html",
                &actor,
                context! { tlps => tlp_words(), title => title, summary => summary, error => format!("{field}: {message}") },
            )?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize)]
struct MessageView {
    id: lockstep_core::MessageId,
    author: String,
    at: String,
    audience: String,
    tlp: String,
    body: String,
    depth: usize,
}

/// Orders messages as threads: each reply right after its parent, indented (the
/// indent stops growing at 6). Iterative, with an explicit stack: a thread of any
/// depth (older data may predate the depth cap) renders without deep recursion.
fn threaded(messages: &[Message]) -> Vec<MessageView> {
    use std::collections::HashMap;
    let visible: std::collections::HashSet<_> = messages.iter().map(|m| m.id).collect();
    // Children by parent, in posting order; replies whose parent the viewer cannot
    // see are shown as roots.
    let mut children: HashMap<Option<lockstep_core::MessageId>, Vec<&Message>> = HashMap::new();
    for m in messages {
        let parent = m.parent_id.filter(|p| visible.contains(p));
        children.entry(parent).or_default().push(m);
    }
    let mut out = Vec::with_capacity(messages.len());
    let mut stack: Vec<(&Message, usize)> = children
        .get(&None)
        .map(|roots| roots.iter().rev().map(|m| (*m, 0)).collect())
        .unwrap_or_default();
    while let Some((m, depth)) = stack.pop() {
        out.push(MessageView {
            id: m.id,
            author: m.author_name.clone(),
            at: when(m.created_at),
            audience: match m.audience {
                Audience::All => "everyone".into(),
                Audience::Coordinators => "coordinators".into(),
                Audience::Project => "one project".into(),
            },
            tlp: m.tlp.to_string(),
            body: m.body.clone(),
            depth: depth.min(6),
        });
        if let Some(replies) = children.get(&Some(m.id)) {
            stack.extend(replies.iter().rev().map(|r| (*r, depth + 1)));
        }
    }
    out
}

async fn case_page(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>) -> PageResult {
    let user: &User = actor.require()?;
    let (detail, access) = crate::api::case_detail(&app, user, id).await?;
    let messages = authz::visible_messages(&access, user, app.store().messages(id).await?);
    let vuln_title = |vid| {
        detail
            .vulnerabilities
            .iter()
            .find(|v| v.id == vid)
            .map(|v| v.title.clone())
            .unwrap_or_default()
    };
    let participants: Vec<minijinja::Value> = detail
        .participants
        .iter()
        .map(|p| {
            let statuses: Vec<minijinja::Value> = p
                .statuses
                .iter()
                .map(|s| {
                    context! { status => s.status.as_str(), vulnerability => vuln_title(s.vulnerability_id),
                    fixed_version => s.fixed_version, justification => s.justification.map(|j| j.as_str()) }
                })
                .collect();
            context! { name => p.project_name, role => p.role.as_str(), notified => when(p.notified_at),
            first_seen => p.first_seen_at.map(when), visible => p.statuses_visible, statuses => statuses }
        })
        .collect();
    let users = app.store().list_users().await?;
    let tasks: Vec<minijinja::Value> = app
        .store()
        .tasks(id)
        .await?
        .into_iter()
        .map(|t| {
            let owner = t.owner_id.and_then(|o| users.iter().find(|u| u.id == o)).map(|u| u.name.clone());
            context! { title => t.title, owner => owner, due_on => t.due_on.map(|d| d.to_string()), status => t.status.as_str() }
        })
        .collect();
    let forms = case_forms_context(&detail, &access);
    let read_in_changes = if access.coordinates() {
        Some(read_in_changes(&app, id, &users).await?)
    } else {
        None
    };
    // Who was told what, and whether it reached them: for those who may see it.
    let notifications = if access.may(CaseAction::ViewNotifications) {
        let list: Vec<minijinja::Value> = app
            .store()
            .case_notifications(id)
            .await?
            .into_iter()
            .take(50)
            .map(|n| {
                let deliveries: Vec<minijinja::Value> = n
                    .deliveries
                    .iter()
                    .map(|d| {
                        context! { channel => d.channel, address => d.address, content => d.content.as_str(),
                        state => d.state.as_str(), attempts => d.attempts, error => d.last_error,
                        sent => d.sent_at.map(when) }
                    })
                    .collect();
                context! { kind => n.kind.as_str().replace('_', " "), at => when(n.created_at), tlp => n.tlp.as_str(),
                embargoed => n.embargoed, deliveries => deliveries }
            })
            .collect();
        Some(list)
    } else {
        None
    };
    // The impact view is for the people who decide whom to read in.
    let impact = if access.may(CaseAction::ViewImpact) {
        Some(crate::impact::case_impact(&app, id).await?)
    } else {
        None
    };
    let attachments = crate::intake::case_attachments(&app, user, id).await?;
    let from_reports: Vec<minijinja::Value> = crate::intake::reports_of_case(&app, user, &access)
        .await?
        .into_iter()
        .map(|r| context! { id => r.id, title => r.title, received => when(r.received_at) })
        .collect();
    render(
        &app,
        "case.html",
        &actor,
        context! { d => detail, opened => when(access.case.created_at), participants => participants,
        tasks => tasks, messages => threaded(&messages), impact => impact, forms => forms,
        read_in_changes => read_in_changes, attachments => attachments, from_reports => from_reports,
        notifications => notifications },
    )
}

/// Who was read into or out of the case, and how, newest first: projects joining or
/// leaving it, and people joining or leaving a participating project (which reads
/// them in or out too). From the case's own audit trail; for its coordinators.
async fn read_in_changes(app: &App, case: CaseId, users: &[User]) -> Result<Vec<minijinja::Value>, WebError> {
    let name = |id: &serde_json::Value| {
        id.as_str()
            .and_then(|id| users.iter().find(|u| u.id.to_string() == id))
            .map(|u| u.name.clone())
            .unwrap_or_else(|| "someone".to_owned())
    };
    let projects = app.store().list_projects().await?;
    let project = |id: &serde_json::Value| {
        id.as_str()
            .and_then(|id| projects.iter().find(|p| p.id.to_string() == id))
            .map(|p| p.name.clone())
            .unwrap_or_else(|| "a project".to_owned())
    };
    let events = lockstep_store::audit::case_events(app.store(), case).await?;
    Ok(events
        .iter()
        .rev()
        .filter_map(|e| {
            let d: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
            let what = match e.action.as_str() {
                "membership.add" => format!(
                    "{} joined {} as {}, and so reads this case",
                    name(&d["user"]),
                    project(&d["project"]),
                    d["role"].as_str().unwrap_or("member")
                ),
                "membership.remove" => format!("{} left {}", name(&d["user"]), project(&d["project"])),
                "participant.add" => format!("{} was read in", project(&d["project"])),
                "participant.remove" => format!("{} was taken out", project(&d["project"])),
                _ => return None,
            };
            Some(context! { at => when(e.at), by => e.actor_id.map(|a| name(&serde_json::json!(a.to_string()))), what => what })
        })
        .collect())
}

/// What the case page's forms offer the viewer: only the moves they may make.
fn case_forms_context(detail: &crate::api::CaseDetail, access: &authz::CaseAccess) -> minijinja::Value {
    use lockstep_core::{EmbargoPolicy, Justification, Trigger, VexStatus};
    let own_projects: Vec<minijinja::Value> = detail
        .participants
        .iter()
        .filter(|p| access.own_projects().contains(&p.project_id))
        .map(|p| context! { id => p.project_id, name => p.project_name, shares => p.shares_status, publishes => p.publishes_status })
        .collect();
    let case = &detail.case;
    context! {
        coordinates => access.coordinates(),
        own_projects => own_projects,
        vulnerabilities => detail.vulnerabilities.iter().map(|v| context! { id => v.id, title => v.title }).collect::<Vec<_>>(),
        statuses => VexStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        justifications => Justification::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        next_phases => case.phase.allowed_next().iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        next_embargo => case.embargo.state.allowed_next().iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        policies => EmbargoPolicy::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        triggers => Trigger::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        time_zone => case.embargo.time_zone,
    }
}

/// Reads a project into the case from the impact view.
async fn read_in(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>, body: Bytes) -> PageResult {
    let user = actor.require()?;
    authz::case(&app, user, id, CaseAction::ManageParticipants).await?;
    let form = form(&body);
    check_csrf(&actor, &form)?;
    let project = form.get("project_id").and_then(|p| p.parse().ok()).ok_or_else(|| {
        ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "project_id",
            "not a project id",
        )
    })?;
    let new = lockstep_store::NewParticipant {
        project_id: project,
        role: lockstep_core::ParticipantRole::Downstream,
    };
    match app.store().add_participant(user.id, app.clock().now(), id, new).await {
        // Already read in (a second click, another coordinator): nothing to do.
        Ok(_) | Err(lockstep_store::StoreError::Duplicate { .. }) => {
            Ok(Redirect::to(&format!("/cases/{id}#participants")).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn post_message(State(app): State<App>, actor: Actor, Id(id): Id<CaseId>, body: Bytes) -> PageResult {
    let user = actor.require()?;
    let access = authz::case(&app, user, id, CaseAction::PostMessage).await?;
    let form = form(&body);
    check_csrf(&actor, &form)?;
    // A reply takes its parent's audience unless the form narrows it (the store
    // refuses a wider one); a new thread reaches everyone unless it says otherwise.
    let audience = match field(&form, "audience") {
        "" => None,
        "coordinators" => Some(Audience::Coordinators),
        "all" => Some(Audience::All),
        other => return Err(invalid("audience", format!("unknown audience `{other}`")).into()),
    };
    let parent_id = match form.get("parent_id").map(|p| p.trim()).filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => Some(p.parse().map_err(|_| {
            ApiError::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                "parent_id",
                "not a message id",
            )
        })?),
    };
    let new = NewMessage {
        body: form.get("body").cloned().unwrap_or_default(),
        parent_id,
        audience,
        audience_project_id: None,
        tlp: None,
    };
    app.store()
        .post_message(user.id, app.clock().now(), &access.case, new)
        .await?;
    Ok(Redirect::to(&format!("/cases/{id}#messages")).into_response())
}
