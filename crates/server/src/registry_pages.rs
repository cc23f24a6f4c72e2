//! The pages of the notification registry: the projects with who hears of their
//! cases, a project's contacts, and the forms that add and remove one. Each form calls
//! the same store function as its API route, authorized by `authz` the same way.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use lockstep_core::authz::GlobalAction;
use lockstep_core::{ContactId, ContactRole, ProjectId};
use lockstep_store::{ContactSource, NewContact};
use minijinja::context;

use crate::api::{Id, Ids};
use crate::auth::Actor;
use crate::web::{check_csrf, field, form, invalid, render, PageResult};
use crate::{authz, App};

/// Handles `GET /projects`: every project, with a link to its contacts where the
/// viewer may read them.
pub async fn projects_page(State(app): State<App>, actor: Actor) -> PageResult {
    let user = authz::global(actor.user(), GlobalAction::ListProjects)?;
    let mut rows = Vec::new();
    for p in app.store().list_projects().await? {
        let may_read = authz::project(&app, user, p.id).await.is_ok();
        rows.push(context! { id => p.id, name => p.name, purls => p.purls,
        security_contact => p.security_contact, may_read => may_read });
    }
    render(&app, "projects.html", &actor, context! { projects => rows })
}

/// Handles `GET /projects/{project_id}/contacts`.
pub async fn contacts_page(State(app): State<App>, actor: Actor, Id(project): Id<ProjectId>) -> PageResult {
    let user = actor.require()?;
    let project = authz::project(&app, user, project).await?;
    let may_change = authz::project_maintainers(&app, user, project.id).await.is_ok();
    let contacts = app.store().contacts(project.id).await?;
    render(
        &app,
        "contacts.html",
        &actor,
        context! { project => project, contacts => contacts, may_change => may_change,
        roles => ContactRole::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>() },
    )
}

/// Handles `POST /projects/{project_id}/contacts` (form): adds one contact.
pub async fn add_contact(State(app): State<App>, actor: Actor, Id(project): Id<ProjectId>, body: Bytes) -> PageResult {
    let user = actor.require()?;
    authz::project_maintainers(&app, user, project).await?;
    let form = form(&body);
    check_csrf(&actor, &form)?;
    let role: ContactRole = field(&form, "role")
        .parse()
        .map_err(|e: lockstep_core::UnknownVariant| invalid("role", e.to_string()))?;
    let new = NewContact {
        email: field(&form, "email").to_owned(),
        name: field(&form, "name").to_owned(),
        role,
        pgp_key: Some(field(&form, "pgp_key").to_owned()),
        language: Some(field(&form, "language").to_owned()),
        encryption_uri: None,
    };
    crate::api::check_keys(std::slice::from_ref(&new), "")?;
    app.store()
        .add_contacts(user.id, app.clock().now(), project, &[new], ContactSource::Api, "")
        .await?;
    Ok(Redirect::to(&format!("/projects/{project}/contacts")).into_response())
}

/// Handles `POST /projects/{project_id}/contacts/{contact_id}/remove` (form).
pub async fn remove_contact(
    State(app): State<App>,
    actor: Actor,
    Ids(project, contact): Ids<ProjectId, ContactId>,
    body: Bytes,
) -> PageResult {
    let user = actor.require()?;
    authz::project_maintainers(&app, user, project).await?;
    check_csrf(&actor, &form(&body))?;
    app.store()
        .remove_contact(user.id, app.clock().now(), project, contact)
        .await?;
    Ok(Redirect::to(&format!("/projects/{project}/contacts")).into_response())
}
