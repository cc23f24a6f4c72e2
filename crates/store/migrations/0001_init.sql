-- Lockstep's first schema. It uses only the dialect SQLite and PostgreSQL share
-- (TEXT, BIGINT, PRIMARY KEY, REFERENCES, UNIQUE), so one file serves both back ends;
-- a migration that needs a dialect's own syntax gets a file per back end.
-- Instants are BIGINT milliseconds since the Unix epoch, UTC. Flags are BIGINT 0/1.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    label TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    repository TEXT,
    security_contact TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE project_purls (
    project_id TEXT NOT NULL REFERENCES projects(id),
    purl TEXT NOT NULL,
    PRIMARY KEY (project_id, purl)
);

CREATE TABLE memberships (
    project_id TEXT NOT NULL REFERENCES projects(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    PRIMARY KEY (project_id, user_id)
);

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    phase TEXT NOT NULL,
    tlp TEXT NOT NULL,
    embargo_state TEXT NOT NULL,
    embargo_policy TEXT NOT NULL,
    embargo_public_at BIGINT,
    embargo_time_zone TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE case_coordinators (
    case_id TEXT NOT NULL REFERENCES cases(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (case_id, user_id)
);

CREATE TABLE vulnerabilities (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    title TEXT NOT NULL,
    cwe TEXT,
    cvss_vector TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX vulnerabilities_case ON vulnerabilities(case_id);

CREATE TABLE vulnerability_aliases (
    vulnerability_id TEXT NOT NULL REFERENCES vulnerabilities(id),
    alias TEXT NOT NULL,
    PRIMARY KEY (vulnerability_id, alias)
);

CREATE TABLE participants (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    project_id TEXT NOT NULL REFERENCES projects(id),
    role TEXT NOT NULL,
    shares_status BIGINT NOT NULL,
    notified_at BIGINT NOT NULL,
    first_seen_at BIGINT,
    UNIQUE (case_id, project_id)
);

CREATE TABLE participant_statuses (
    participant_id TEXT NOT NULL REFERENCES participants(id),
    vulnerability_id TEXT NOT NULL REFERENCES vulnerabilities(id),
    status TEXT NOT NULL,
    justification TEXT,
    impact_statement TEXT,
    fixed_version TEXT,
    updated_by TEXT NOT NULL REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (participant_id, vulnerability_id)
);

CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    parent_id TEXT REFERENCES messages(id),
    author_id TEXT NOT NULL REFERENCES users(id),
    audience TEXT NOT NULL,
    audience_project_id TEXT REFERENCES projects(id),
    tlp TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX messages_case ON messages(case_id, created_at);

CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    title TEXT NOT NULL,
    owner_id TEXT REFERENCES users(id),
    due_on TEXT,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE decisions (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    title TEXT NOT NULL,
    context TEXT NOT NULL,
    options TEXT NOT NULL,
    outcome TEXT NOT NULL,
    rationale TEXT NOT NULL,
    decided_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);

-- The audit chain: audit_head holds the last sequence number and hash; every write
-- transaction updates it first, which serializes writers on both back ends.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    case_id TEXT,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_case ON audit_events(case_id);
