//! Dependency manifests a project uploads (lockfiles, SBOMs, Debian indexes). The
//! server parses them with the impact engine before they are stored, so what is here
//! always parses; uploading a manifest with a name already used replaces it.

use jiff::Timestamp;
use lockstep_core::{ProjectId, UserId};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::rows::{instant, parsed, required};
use crate::{get, AuditEntry, Result, Store, StoreError};

/// A stored manifest, without its content.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Manifest {
    pub id: uuid::Uuid,
    pub project_id: ProjectId,
    /// The file name it was uploaded as, for example `Cargo.lock`.
    pub name: String,
    /// The format the impact engine recognised.
    pub format: String,
    /// SHA-256 of the content.
    pub sha256: String,
    pub package_count: i64,
    #[schema(value_type = String, format = DateTime)]
    pub uploaded_at: Timestamp,
}

/// A manifest to store: already parsed by the caller, who reports its format and size.
#[derive(Debug, Clone)]
pub struct NewManifest {
    pub name: String,
    pub format: String,
    pub content: String,
    pub package_count: i64,
}

/// How much one project may upload: manifests kept and their total size in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManifestQuota {
    pub max_count: i64,
    pub max_bytes: i64,
}

impl Default for ManifestQuota {
    fn default() -> Self {
        ManifestQuota {
            max_count: 100,
            max_bytes: 256 * 1024 * 1024,
        }
    }
}

impl Store {
    /// Stores (or replaces, by name) a project's manifest, within the project's quota
    /// (checked in the same transaction, so concurrent uploads cannot both slip under it).
    pub async fn put_manifest(
        &self,
        actor: UserId,
        now: Timestamp,
        project: ProjectId,
        new: NewManifest,
        quota: ManifestQuota,
    ) -> Result<Manifest> {
        let name = required("name", &new.name, 200)?;
        let manifest = Manifest {
            id: uuid::Uuid::new_v4(),
            project_id: project,
            name,
            format: new.format,
            sha256: hex::encode(Sha256::digest(new.content.as_bytes())),
            package_count: new.package_count,
            uploaded_at: now,
        };
        let mut w = self.write(Some(actor), now).await?;
        // What the project keeps besides the manifest this one replaces.
        let kept = sqlx::query(
            "SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(content)), 0) AS bytes FROM manifests \
             WHERE project_id = $1 AND name <> $2",
        )
        .bind(project.to_string())
        .bind(&manifest.name)
        .fetch_one(w.conn())
        .await?;
        let (count, bytes): (i64, i64) = (get(&kept, "n")?, get(&kept, "bytes")?);
        let size = i64::try_from(new.content.len()).unwrap_or(i64::MAX);
        if count + 1 > quota.max_count {
            return Err(StoreError::QuotaExceeded(format!(
                "the project keeps {count} manifests, its quota is {}; remove one or replace one by name",
                quota.max_count
            )));
        }
        if bytes.saturating_add(size) > quota.max_bytes {
            return Err(StoreError::QuotaExceeded(format!(
                "the project's manifests would take {} bytes, its quota is {} bytes",
                bytes.saturating_add(size),
                quota.max_bytes
            )));
        }
        sqlx::query("DELETE FROM manifests WHERE project_id = $1 AND name = $2")
            .bind(project.to_string())
            .bind(&manifest.name)
            .execute(w.conn())
            .await?;
        sqlx::query(
            "INSERT INTO manifests (id, project_id, name, format, content, sha256, package_count, uploaded_by, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(manifest.id.to_string())
        .bind(project.to_string())
        .bind(&manifest.name)
        .bind(&manifest.format)
        .bind(&new.content)
        .bind(&manifest.sha256)
        .bind(manifest.package_count)
        .bind(actor.to_string())
        .bind(now.as_millisecond())
        .execute(w.conn())
        .await?;
        w.commit(AuditEntry::new(
            "manifest.put",
            None,
            manifest.id,
            json!({"project": project, "name": manifest.name, "format": manifest.format, "sha256": manifest.sha256,
                   "packages": manifest.package_count}),
        ))
        .await?;
        Ok(manifest)
    }

    /// A project's manifests (without content), by name.
    pub async fn manifests(&self, project: ProjectId) -> Result<Vec<Manifest>> {
        let rows = sqlx::query(
            "SELECT id, project_id, name, format, sha256, package_count, uploaded_at FROM manifests \
             WHERE project_id = $1 ORDER BY name",
        )
        .bind(project.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Manifest {
                    id: parsed(r, "id")?,
                    project_id: parsed(r, "project_id")?,
                    name: get(r, "name")?,
                    format: get(r, "format")?,
                    sha256: get(r, "sha256")?,
                    package_count: get(r, "package_count")?,
                    uploaded_at: instant(r, "uploaded_at")?,
                })
            })
            .collect()
    }

    /// Every manifest's project, name and SHA-256, without content: what a cached
    /// graph is keyed by.
    pub async fn manifest_hashes(&self) -> Result<Vec<(ProjectId, String, String)>> {
        let rows = sqlx::query("SELECT project_id, name, sha256 FROM manifests ORDER BY project_id, name")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((parsed(r, "project_id")?, get(r, "name")?, get(r, "sha256")?)))
            .collect()
    }

    /// Every manifest of every project with its content: the input of a case's impact view.
    pub async fn all_manifest_contents(&self) -> Result<Vec<(ProjectId, String, String)>> {
        let rows = sqlx::query("SELECT project_id, name, content FROM manifests ORDER BY project_id, name")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((parsed(r, "project_id")?, get(r, "name")?, get(r, "content")?)))
            .collect()
    }
}
