-- The notification registry: who must be told about a project's cases, and where its
-- webhooks are. Shared dialect only; one file for both back ends.

-- A person or list address of a project, by role (security, maintainer, liaison,
-- consumer), with an optional ASCII-armored OpenPGP public key and language tag.
-- source: `api`, `csv` or `security.txt`; encryption_uri: where a security.txt said
-- the key is published (fetched by the delivery worker, not here).
CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    pgp_key TEXT,
    language TEXT,
    encryption_uri TEXT,
    source TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (project_id, email)
);
CREATE INDEX contacts_project ON contacts(project_id);

-- A project's webhook: where JSON notifications go, signed with the secret (Standard
-- Webhooks). The secret must be kept to sign with, so it is stored as given and never
-- shown again after it is set.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhooks_project ON webhooks(project_id);
