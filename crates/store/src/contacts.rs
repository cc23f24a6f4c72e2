//! The notification registry: a project's contacts (who hears what, by role) and its
//! webhooks. The store checks every field and names it; a batch (a CSV import, a
//! security.txt) is written in one transaction or not at all.

use jiff::Timestamp;
use lockstep_core::{ContactId, ContactRole, ProjectId, UserId, WebhookId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::any::AnyRow;
use utoipa::ToSchema;

use crate::accounts::unique;
use crate::rows::{instant, mail_address, optional, parsed, required};
use crate::{get, AuditEntry, Result, Store, StoreError};

/// The longest OpenPGP key block accepted, in bytes.
const MAX_PGP_KEY: usize = 64 * 1024;

/// Where a contact came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactSource {
    Api,
    Csv,
    SecurityTxt,
}

impl ContactSource {
    fn as_str(self) -> &'static str {
        match self {
            ContactSource::Api => "api",
            ContactSource::Csv => "csv",
            ContactSource::SecurityTxt => "security.txt",
        }
    }
}

/// A contact of a project.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Contact {
    pub id: ContactId,
    pub project_id: ProjectId,
    pub email: String,
    pub name: String,
    pub role: ContactRole,
    /// The ASCII-armored OpenPGP public key mail to this contact is encrypted to.
    pub pgp_key: Option<String>,
    /// Language tag of the notifications (BCP 47, for example `de`).
    pub language: Option<String>,
    /// Where the project's security.txt says its key is published.
    pub encryption_uri: Option<String>,
    /// `api`, `csv` or `security.txt`.
    pub source: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// A contact to add.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    pub email: String,
    pub name: String,
    /// `security`, `maintainer`, `liaison` or `consumer`.
    pub role: ContactRole,
    /// ASCII-armored OpenPGP public key (`-----BEGIN PGP PUBLIC KEY BLOCK-----`).
    #[serde(default)]
    pub pgp_key: Option<String>,
    /// Language tag (BCP 47), for example `en` or `de-AT`.
    #[serde(default)]
    pub language: Option<String>,
    /// Where the key is published (from a security.txt `Encryption` field).
    #[serde(skip)]
    pub encryption_uri: Option<String>,
}

/// A project's webhook, as shown: never its secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Webhook {
    pub id: WebhookId,
    pub project_id: ProjectId,
    pub url: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// A webhook to add: where to send, and the secret its deliveries are signed with.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// `https://` (or `http://` for a receiver on this machine or network).
    pub url: String,
    /// The shared secret the receiver verifies signatures with (16 to 512 characters).
    pub secret: String,
}

/// A contact's fields, checked; `at` prefixes the field names (`contacts[3].`).
fn check_contact(at: &str, new: &NewContact) -> Result<NewContact> {
    let field = |f: &str| format!("{at}{f}");
    let email = mail_address(&field("email"), &new.email)?;
    let pgp_key = match optional(&field("pgp_key"), new.pgp_key.as_deref(), MAX_PGP_KEY)? {
        None => None,
        Some(key) => {
            let armored = key.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----")
                && key.ends_with("-----END PGP PUBLIC KEY BLOCK-----");
            if !armored {
                return Err(StoreError::invalid(
                    &field("pgp_key"),
                    "not an ASCII-armored OpenPGP public key (-----BEGIN PGP PUBLIC KEY BLOCK----- ... -----END PGP PUBLIC KEY BLOCK-----)",
                ));
            }
            Some(key)
        }
    };
    let language = match optional(&field("language"), new.language.as_deref(), 35)? {
        None => None,
        Some(tag) => Some(
            tag.parse::<unic_langid::LanguageIdentifier>()
                .map_err(|_| StoreError::invalid(&field("language"), format!("`{tag}` is not a language tag")))?
                .to_string(),
        ),
    };
    Ok(NewContact {
        email,
        name: required(&field("name"), &new.name, 200)?,
        role: new.role,
        pgp_key,
        language,
        encryption_uri: optional(&field("encryption_uri"), new.encryption_uri.as_deref(), 500)?,
    })
}

fn contact_from_row(row: &AnyRow) -> Result<Contact> {
    Ok(Contact {
        id: parsed(row, "id")?,
        project_id: parsed(row, "project_id")?,
        email: get(row, "email")?,
        name: get(row, "name")?,
        role: parsed(row, "role")?,
        pgp_key: get(row, "pgp_key")?,
        language: get(row, "language")?,
        encryption_uri: get(row, "encryption_uri")?,
        source: get(row, "source")?,
        created_at: instant(row, "created_at")?,
    })
}

const CONTACT_COLUMNS: &str =
    "id, project_id, email, name, role, pgp_key, language, encryption_uri, source, created_at";

impl Store {
    /// Adds contacts to a project in one transaction: every one is written, or none
    /// (a bad field or an email the project already has names `{prefix}[i].field`).
    pub async fn add_contacts(
        &self,
        actor: UserId,
        now: Timestamp,
        project: ProjectId,
        new: &[NewContact],
        source: ContactSource,
        prefix: &str,
    ) -> Result<Vec<Contact>> {
        self.project(project).await?;
        let mut checked = Vec::with_capacity(new.len());
        for (i, c) in new.iter().enumerate() {
            let at = if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}[{i}].")
            };
            let c = check_contact(&at, c)?;
            if checked.iter().any(|d: &NewContact| d.email == c.email) {
                return Err(StoreError::Duplicate {
                    field: format!("{at}email"),
                    message: format!("{} appears twice", c.email),
                });
            }
            checked.push(c);
        }
        let mut w = self.write(Some(actor), now).await?;
        let existing: Vec<String> = sqlx::query("SELECT email FROM contacts WHERE project_id = $1")
            .bind(project.to_string())
            .fetch_all(w.conn())
            .await?
            .iter()
            .map(|r| get(r, "email"))
            .collect::<Result<_>>()?;
        if let Some((i, c)) = checked.iter().enumerate().find(|(_, c)| existing.contains(&c.email)) {
            let at = if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}[{i}].")
            };
            return Err(StoreError::Duplicate {
                field: format!("{at}email"),
                message: format!("the project already has the contact {}", c.email),
            });
        }
        let mut out = Vec::with_capacity(checked.len());
        for c in checked {
            let contact = Contact {
                id: ContactId::new(),
                project_id: project,
                email: c.email,
                name: c.name,
                role: c.role,
                pgp_key: c.pgp_key,
                language: c.language,
                encryption_uri: c.encryption_uri,
                source: source.as_str().to_owned(),
                created_at: now,
            };
            sqlx::query(&format!(
                "INSERT INTO contacts ({CONTACT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            ))
            .bind(contact.id.to_string())
            .bind(project.to_string())
            .bind(&contact.email)
            .bind(&contact.name)
            .bind(contact.role.as_str())
            .bind(&contact.pgp_key)
            .bind(&contact.language)
            .bind(&contact.encryption_uri)
            .bind(&contact.source)
            .bind(now.as_millisecond())
            .execute(w.conn())
            .await
            .map_err(unique("email", format!("contact {}", contact.email)))?;
            out.push(contact);
        }
        let summary: Vec<_> = out
            .iter()
            .map(|c| json!({"id": c.id, "email": c.email, "role": c.role, "encrypted": c.pgp_key.is_some()}))
            .collect();
        w.commit(AuditEntry::new(
            "contact.add",
            None,
            project,
            json!({"source": source.as_str(), "contacts": summary}),
        ))
        .await?;
        Ok(out)
    }

    /// A project's contacts, by role and email.
    pub async fn contacts(&self, project: ProjectId) -> Result<Vec<Contact>> {
        let rows = sqlx::query(&format!(
            "SELECT {CONTACT_COLUMNS} FROM contacts WHERE project_id = $1 ORDER BY role, email"
        ))
        .bind(project.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(contact_from_row).collect()
    }

    /// Removes one of a project's contacts.
    pub async fn remove_contact(&self, actor: UserId, now: Timestamp, project: ProjectId, id: ContactId) -> Result<()> {
        let mut w = self.write(Some(actor), now).await?;
        let removed = sqlx::query("DELETE FROM contacts WHERE id = $1 AND project_id = $2")
            .bind(id.to_string())
            .bind(project.to_string())
            .execute(w.conn())
            .await?
            .rows_affected();
        if removed == 0 {
            return Err(StoreError::NotFound("contact"));
        }
        w.commit(AuditEntry::new("contact.remove", None, project, json!({"contact": id})))
            .await
    }

    /// Adds a webhook to a project.
    pub async fn add_webhook(
        &self,
        actor: UserId,
        now: Timestamp,
        project: ProjectId,
        new: &NewWebhook,
    ) -> Result<Webhook> {
        self.project(project).await?;
        let url = required("url", &new.url, 2000)?;
        let well_formed = ["https://", "http://"].iter().any(|scheme| {
            url.get(..scheme.len()).is_some_and(|p| p.eq_ignore_ascii_case(scheme)) && url.len() > scheme.len()
        }) && !url.contains(char::is_whitespace);
        if !well_formed {
            return Err(StoreError::invalid("url", format!("`{url}` is not an http(s) URL")));
        }
        let secret = new.secret.trim();
        if !(16..=512).contains(&secret.chars().count()) {
            return Err(StoreError::invalid("secret", "must be 16 to 512 characters"));
        }
        let hook = Webhook {
            id: WebhookId::new(),
            project_id: project,
            url,
            created_at: now,
        };
        let mut w = self.write(Some(actor), now).await?;
        sqlx::query("INSERT INTO webhooks (id, project_id, url, secret, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(hook.id.to_string())
            .bind(project.to_string())
            .bind(&hook.url)
            .bind(secret)
            .bind(now.as_millisecond())
            .execute(w.conn())
            .await?;
        // The secret stays out of the audit log.
        w.commit(AuditEntry::new(
            "webhook.add",
            None,
            project,
            json!({"webhook": hook.id, "url": hook.url}),
        ))
        .await?;
        Ok(hook)
    }

    /// A project's webhooks (without their secrets).
    pub async fn webhooks(&self, project: ProjectId) -> Result<Vec<Webhook>> {
        let rows =
            sqlx::query("SELECT id, project_id, url, created_at FROM webhooks WHERE project_id = $1 ORDER BY url")
                .bind(project.to_string())
                .fetch_all(self.pool())
                .await?;
        rows.iter()
            .map(|r| {
                Ok(Webhook {
                    id: parsed(r, "id")?,
                    project_id: parsed(r, "project_id")?,
                    url: get(r, "url")?,
                    created_at: instant(r, "created_at")?,
                })
            })
            .collect()
    }

    /// Removes one of a project's webhooks.
    pub async fn remove_webhook(&self, actor: UserId, now: Timestamp, project: ProjectId, id: WebhookId) -> Result<()> {
        let mut w = self.write(Some(actor), now).await?;
        let removed = sqlx::query("DELETE FROM webhooks WHERE id = $1 AND project_id = $2")
            .bind(id.to_string())
            .bind(project.to_string())
            .execute(w.conn())
            .await?
            .rows_affected();
        if removed == 0 {
            return Err(StoreError::NotFound("webhook"));
        }
        w.commit(AuditEntry::new("webhook.remove", None, project, json!({"webhook": id})))
            .await
    }
}
