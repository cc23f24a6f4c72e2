//! Handles the notification registry of a project: its contacts (one by one, a CSV
//! import's rows, a security.txt) and its webhooks. Reading is for admins,
//! coordinators and the project's own members; changing it for admins and the
//! project's maintainers (`authz::project_maintainers`): a contact hears of the
//! project's cases, so adding one is reading someone in.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use lockstep_core::{ContactId, ProjectId, WebhookId};
use lockstep_store::{Contact, ContactSource, NewContact, NewWebhook, Webhook};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{Id, Ids, JsonBody};
use crate::auth::Actor;
use crate::error::ErrorBody;
use crate::registry::{self, SecurityTxtContacts};
use crate::{authz, ApiError, ApiResult, App};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_contacts, add_contact))
        .routes(routes!(remove_contact))
        .routes(routes!(import_contacts))
        .routes(routes!(import_security_txt))
        .routes(routes!(list_webhooks, add_webhook))
        .routes(routes!(remove_webhook))
}

/// Handles `GET /api/v1/projects/{project_id}/contacts`.
#[utoipa::path(get, path = "/projects/{project_id}/contacts", tag = "projects", security(("token" = [])),
    params(("project_id" = String, Path)),
    responses((status = 200, body = Vec<Contact>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_contacts(
    State(app): State<App>,
    actor: Actor,
    Id(project): Id<ProjectId>,
) -> ApiResult<Json<Vec<Contact>>> {
    authz::project(&app, actor.require()?, project).await?;
    Ok(Json(app.store().contacts(project).await?))
}

/// Handles `POST /api/v1/projects/{project_id}/contacts`: adds one contact.
#[utoipa::path(post, path = "/projects/{project_id}/contacts", tag = "projects", security(("token" = [])),
    request_body = NewContact, params(("project_id" = String, Path)),
    responses((status = 201, body = Contact), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_contact(
    State(app): State<App>,
    actor: Actor,
    Id(project): Id<ProjectId>,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<Contact>)> {
    let user = actor.require()?;
    authz::project_maintainers(&app, user, project).await?;
    let new: NewContact = body.parse()?;
    check_keys(std::slice::from_ref(&new), "")?;
    let mut added = app
        .store()
        .add_contacts(user.id, app.clock().now(), project, &[new], ContactSource::Api, "")
        .await?;
    let contact = added.pop().ok_or_else(|| ApiError::internal("no contact written"))?;
    Ok((StatusCode::CREATED, Json(contact)))
}

/// Handles `DELETE /api/v1/projects/{project_id}/contacts/{contact_id}`.
#[utoipa::path(delete, path = "/projects/{project_id}/contacts/{contact_id}", tag = "projects", security(("token" = [])),
    params(("project_id" = String, Path), ("contact_id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove_contact(
    State(app): State<App>,
    actor: Actor,
    Ids(project, contact): Ids<ProjectId, ContactId>,
) -> ApiResult<StatusCode> {
    let user = actor.require()?;
    authz::project_maintainers(&app, user, project).await?;
    app.store()
        .remove_contact(user.id, app.clock().now(), project, contact)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks every given OpenPGP key with rPGP: it must read, verify and be able to
/// encrypt, or the answer is a 422 naming `pgp_key` (`contacts[i].pgp_key`).
pub(crate) fn check_keys(contacts: &[NewContact], prefix: &str) -> ApiResult<()> {
    for (i, c) in contacts.iter().enumerate() {
        let Some(key) = c.pgp_key.as_deref().map(str::trim).filter(|k| !k.is_empty()) else {
            continue;
        };
        if let Err(e) = crate::pgp_mime::check_key(key) {
            let field = if prefix.is_empty() {
                "pgp_key".to_owned()
            } else {
                format!("{prefix}[{i}].pgp_key")
            };
            return Err(ApiError::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                &field,
                e.to_string(),
            ));
        }
    }
    Ok(())
}

/// Contacts to import at once (the CLI sends a CSV file's rows).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ContactImport {
    contacts: Vec<NewContact>,
}

/// Handles `POST /api/v1/projects/{project_id}/contacts/import`: adds every contact in
/// one transaction, or none: a bad one names `contacts[i].field`.
#[utoipa::path(post, path = "/projects/{project_id}/contacts/import", tag = "projects", security(("token" = [])),
    request_body = ContactImport, params(("project_id" = String, Path)),
    responses((status = 201, body = Vec<Contact>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import_contacts(
    State(app): State<App>,
    actor: Actor,
    Id(project): Id<ProjectId>,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<Vec<Contact>>)> {
    let user = actor.require()?;
    authz::project_maintainers(&app, user, project).await?;
    let import: ContactImport = body.parse()?;
    check_keys(&import.contacts, "contacts")?;
    let added = app
        .store()
        .add_contacts(
            user.id,
            app.clock().now(),
            project,
            &import.contacts,
            ContactSource::Csv,
            "contacts",
        )
        .await?;
    Ok((StatusCode::CREATED, Json(added)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SecurityTxtBody {
    /// The file's text, as served at `/.well-known/security.txt`.
    text: String,
}

/// What importing a security.txt added, and what it named besides.
#[derive(Debug, Serialize, ToSchema)]
struct SecurityTxtImport {
    added: Vec<Contact>,
    #[serde(flatten)]
    file: SecurityTxtContacts,
}

/// Handles `POST /api/v1/projects/{project_id}/contacts/security-txt`: reads the
/// project's RFC 9116 security.txt into security contacts (its `mailto:` Contacts, in
/// its first preferred language, with its Encryption URI). An expired or malformed
/// file is a 422 naming the line; nothing is added then.
#[utoipa::path(post, path = "/projects/{project_id}/contacts/security-txt", tag = "projects", security(("token" = [])),
    request_body = SecurityTxtBody, params(("project_id" = String, Path)),
    responses((status = 201, body = SecurityTxtImport), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import_security_txt(
    State(app): State<App>,
    actor: Actor,
    Id(project): Id<ProjectId>,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<SecurityTxtImport>)> {
    let user = actor.require()?;
    authz::project_maintainers(&app, user, project).await?;
    let body: SecurityTxtBody = body.parse()?;
    let file = registry::from_security_txt(&body.text, app.clock().now())
        .map_err(|e| ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "text", e.to_string()))?;
    let added = app
        .store()
        .add_contacts(
            user.id,
            app.clock().now(),
            project,
            &file.contacts,
            ContactSource::SecurityTxt,
            "contacts",
        )
        .await?;
    Ok((StatusCode::CREATED, Json(SecurityTxtImport { added, file })))
}

/// Handles `GET /api/v1/projects/{project_id}/webhooks` (never their secrets).
#[utoipa::path(get, path = "/projects/{project_id}/webhooks", tag = "projects", security(("token" = [])),
    params(("project_id" = String, Path)),
    responses((status = 200, body = Vec<Webhook>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_webhooks(
    State(app): State<App>,
    actor: Actor,
    Id(project): Id<ProjectId>,
) -> ApiResult<Json<Vec<Webhook>>> {
    authz::project(&app, actor.require()?, project).await?;
    Ok(Json(app.store().webhooks(project).await?))
}

/// Handles `POST /api/v1/projects/{project_id}/webhooks`: where the project's
/// notifications go as signed JSON (the secret is never shown again).
#[utoipa::path(post, path = "/projects/{project_id}/webhooks", tag = "projects", security(("token" = [])),
    request_body = NewWebhook, params(("project_id" = String, Path)),
    responses((status = 201, body = Webhook), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_webhook(
    State(app): State<App>,
    actor: Actor,
    Id(project): Id<ProjectId>,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<Webhook>)> {
    let user = actor.require()?;
    authz::project_maintainers(&app, user, project).await?;
    let new: NewWebhook = body.parse()?;
    Ok((
        StatusCode::CREATED,
        Json(
            app.store()
                .add_webhook(user.id, app.clock().now(), project, &new)
                .await?,
        ),
    ))
}

/// Handles `DELETE /api/v1/projects/{project_id}/webhooks/{webhook_id}`.
#[utoipa::path(delete, path = "/projects/{project_id}/webhooks/{webhook_id}", tag = "projects", security(("token" = [])),
    params(("project_id" = String, Path), ("webhook_id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove_webhook(
    State(app): State<App>,
    actor: Actor,
    Ids(project, webhook): Ids<ProjectId, WebhookId>,
) -> ApiResult<StatusCode> {
    let user = actor.require()?;
    authz::project_maintainers(&app, user, project).await?;
    app.store()
        .remove_webhook(user.id, app.clock().now(), project, webhook)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
