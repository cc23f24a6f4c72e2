-- Dependency manifests (lockfiles, SBOMs, Debian indexes) a project uploads, and the
-- affected packages of a vulnerability as OSV `affected` entries (JSON).

CREATE TABLE manifests (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    name TEXT NOT NULL,
    format TEXT NOT NULL,
    content TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    package_count BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users(id),
    uploaded_at BIGINT NOT NULL,
    UNIQUE (project_id, name)
);

ALTER TABLE vulnerabilities ADD COLUMN affected TEXT NOT NULL DEFAULT '[]';
