-- Researcher intake: the disclosure policy, finders' reports with their tracking-token
-- hashes, the thread between finder and coordinators, content-addressed attachments,
-- and submission counts for the per-address rate limit. Shared dialect only (TEXT,
-- BIGINT): one file for both back ends.

-- At most one row (id = 1); without it the built-in default policy applies.
CREATE TABLE disclosure_policy (
    id BIGINT PRIMARY KEY,
    -- JSON array of Contact URIs for security.txt; empty: the report form's URL.
    contacts TEXT NOT NULL,
    scope TEXT NOT NULL,
    how_to_report TEXT NOT NULL,
    acknowledge_days BIGINT NOT NULL,
    triage_days BIGINT NOT NULL,
    fix_days BIGINT NOT NULL,
    safe_harbor TEXT NOT NULL,
    embargo_policy TEXT NOT NULL,
    -- ASCII-armored OpenPGP public key, or NULL.
    openpgp_key TEXT,
    preferred_languages TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    -- SHA-256 of the tracking token; the token itself is shown once and never stored.
    token_hash TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    title TEXT NOT NULL,
    project TEXT NOT NULL,
    package TEXT NOT NULL,
    versions TEXT NOT NULL,
    description TEXT NOT NULL,
    impact TEXT NOT NULL,
    how_found TEXT NOT NULL,
    exposure TEXT NOT NULL,
    disclosure_plans TEXT NOT NULL,
    credit TEXT NOT NULL,
    credit_name TEXT,
    email TEXT,
    -- The account that claimed the report by its link, if any.
    finder_id TEXT REFERENCES users(id),
    decline_reason TEXT,
    duplicate_of_report TEXT REFERENCES reports(id),
    duplicate_of_case TEXT REFERENCES cases(id),
    case_id TEXT REFERENCES cases(id),
    received_at BIGINT NOT NULL,
    acknowledged_at BIGINT,
    decided_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX reports_by_state ON reports (state, received_at);
CREATE INDEX reports_by_case ON reports (case_id);

-- The thread between the finder (author_id NULL) and the coordinators.
CREATE TABLE report_messages (
    id TEXT PRIMARY KEY,
    report_id TEXT NOT NULL REFERENCES reports(id),
    author_id TEXT REFERENCES users(id),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    seq BIGINT NOT NULL
);
CREATE INDEX report_messages_by_report ON report_messages (report_id, seq);

-- Attachment contents, once per SHA-256 (hex), base64 in TEXT so that one column type
-- serves both back ends; size is the decoded length.
CREATE TABLE attachments (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    content TEXT NOT NULL
);

-- Which report (and which message of its thread, if any) carries which attachment.
CREATE TABLE report_attachments (
    report_id TEXT NOT NULL REFERENCES reports(id),
    sha256 TEXT NOT NULL REFERENCES attachments(sha256),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    message_id TEXT REFERENCES report_messages(id),
    from_finder BIGINT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (report_id, sha256)
);

-- Submissions (reports and finder messages) per client address, for the rate limit;
-- rows older than the window are purged on each submission.
CREATE TABLE report_submissions (
    id TEXT PRIMARY KEY,
    address TEXT NOT NULL,
    submitted_at BIGINT NOT NULL
);
CREATE INDEX report_submissions_by_address ON report_submissions (address, submitted_at);

-- Attachments of reports accepted into a case that a coordinator shared with the
-- case's participants (coordinators read every attachment of the case's reports).
CREATE TABLE case_attachments (
    case_id TEXT NOT NULL REFERENCES cases(id),
    sha256 TEXT NOT NULL REFERENCES attachments(sha256),
    shared_by TEXT NOT NULL REFERENCES users(id),
    shared_at BIGINT NOT NULL,
    PRIMARY KEY (case_id, sha256)
);
