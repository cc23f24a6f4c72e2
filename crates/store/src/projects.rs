//! Projects: the parties a case can read in, named by their package URLs.

use std::str::FromStr;

use jiff::Timestamp;
use lockstep_core::{ProjectId, UserId};
use serde_json::json;

use crate::accounts::unique;
use crate::rows::{optional, parsed, required};
use crate::{get, AuditEntry, NewProject, Project, Result, Store, StoreError};

/// Checks a package URL with the `packageurl` crate and returns its canonical form.
fn check_purl(index: usize, purl: &str) -> Result<String> {
    packageurl::PackageUrl::from_str(purl.trim())
        .map(|p| p.to_string())
        .map_err(|e| {
            StoreError::invalid(
                &format!("purls[{index}]"),
                format!("`{purl}` is not a package URL: {e}"),
            )
        })
}

/// RFC 9116 `Contact`: an email address (optionally as `mailto:`) or an https URL.
fn check_contact(contact: Option<&str>) -> Result<Option<String>> {
    let Some(contact) = optional("security_contact", contact, 500)? else {
        return Ok(None);
    };
    let ok = contact.starts_with("https://")
        || contact
            .strip_prefix("mailto:")
            .unwrap_or(&contact)
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'));
    if ok {
        Ok(Some(contact))
    } else {
        Err(StoreError::invalid(
            "security_contact",
            format!("`{contact}` is neither an email address nor an https URL"),
        ))
    }
}

impl Store {
    /// Registers a project with its package URLs.
    pub async fn create_project(&self, actor: Option<UserId>, now: Timestamp, new: NewProject) -> Result<Project> {
        let name = required("name", &new.name, 200)?;
        let repository = optional("repository", new.repository.as_deref(), 500)?;
        let security_contact = check_contact(new.security_contact.as_deref())?;
        let mut purls = new
            .purls
            .iter()
            .enumerate()
            .map(|(i, p)| check_purl(i, p))
            .collect::<Result<Vec<_>>>()?;
        purls.sort();
        purls.dedup();
        let project = Project {
            id: ProjectId::new(),
            name,
            repository,
            security_contact,
            purls,
        };
        let mut w = self.write(actor, now).await?;
        sqlx::query(
            "INSERT INTO projects (id, name, repository, security_contact, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(project.id.to_string())
        .bind(&project.name)
        .bind(&project.repository)
        .bind(&project.security_contact)
        .bind(now.as_millisecond())
        .execute(w.conn())
        .await
        .map_err(unique("name", format!("project name {}", project.name)))?;
        for purl in &project.purls {
            sqlx::query("INSERT INTO project_purls (project_id, purl) VALUES ($1, $2)")
                .bind(project.id.to_string())
                .bind(purl)
                .execute(w.conn())
                .await?;
        }
        w.commit(AuditEntry::new(
            "project.create",
            None,
            project.id,
            json!({"name": project.name, "purls": project.purls, "security_contact": project.security_contact}),
        ))
        .await?;
        Ok(project)
    }

    pub async fn project(&self, id: ProjectId) -> Result<Project> {
        self.projects_where("WHERE id = $1", Some(id.to_string()))
            .await?
            .into_iter()
            .next()
            .ok_or(StoreError::NotFound("project"))
    }

    pub async fn list_projects(&self) -> Result<Vec<Project>> {
        self.projects_where("", None).await
    }

    async fn projects_where(&self, filter: &str, arg: Option<String>) -> Result<Vec<Project>> {
        let sql = format!("SELECT id, name, repository, security_contact FROM projects {filter} ORDER BY name");
        let mut q = sqlx::query(&sql);
        if let Some(arg) = &arg {
            q = q.bind(arg);
        }
        let rows = q.fetch_all(self.pool()).await?;
        let purl_sql = format!(
            "SELECT project_id, purl FROM project_purls WHERE project_id IN (SELECT id FROM projects {filter}) ORDER BY purl"
        );
        let mut pq = sqlx::query(&purl_sql);
        if let Some(arg) = &arg {
            pq = pq.bind(arg);
        }
        let purl_rows = pq.fetch_all(self.pool()).await?;
        let mut projects = rows
            .iter()
            .map(|r| {
                Ok(Project {
                    id: parsed(r, "id")?,
                    name: get(r, "name")?,
                    repository: get(r, "repository")?,
                    security_contact: get(r, "security_contact")?,
                    purls: Vec::new(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        for r in &purl_rows {
            let pid: ProjectId = parsed(r, "project_id")?;
            if let Some(p) = projects.iter_mut().find(|p| p.id == pid) {
                p.purls.push(get(r, "purl")?);
            }
        }
        Ok(projects)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_and_contacts_are_checked() {
        assert_eq!(check_purl(0, "pkg:cargo/rustls@0.23").unwrap(), "pkg:cargo/rustls@0.23");
        let err = check_purl(2, "rustls").unwrap_err();
        assert!(err.to_string().starts_with("purls[2]:"), "{err}");
        assert!(check_contact(Some("security@example.org")).unwrap().is_some());
        assert!(check_contact(Some("https://example.org/.well-known/security.txt"))
            .unwrap()
            .is_some());
        assert!(check_contact(Some("call us")).is_err());
        assert_eq!(check_contact(Some("  ")).unwrap(), None);
    }
}
