-- Severity disputes and advisories. Shared dialect only (TEXT, BIGINT), one file for
-- both back ends; instants are BIGINT milliseconds UTC.

-- A party's own CVSS vector for one vulnerability, with its rationale. The party is a
-- participating project (party_project_id) or the coordinators (NULL). Kept forever:
-- a newer proposal of the same party supersedes the older one on the page.
CREATE TABLE severity_proposals (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    vulnerability_id TEXT NOT NULL REFERENCES vulnerabilities(id),
    party_project_id TEXT REFERENCES projects(id),
    proposed_by TEXT NOT NULL REFERENCES users(id),
    cvss_vector TEXT NOT NULL,
    rationale TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- The audit sequence number of the write: orders proposals made in the same millisecond.
    seq BIGINT NOT NULL
);
CREATE INDEX severity_proposals_case ON severity_proposals(case_id, seq);

-- Which proposal a coordinator adopted, and why; adopting sets the vulnerability's vector.
CREATE TABLE severity_adoptions (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    vulnerability_id TEXT NOT NULL REFERENCES vulnerabilities(id),
    proposal_id TEXT NOT NULL REFERENCES severity_proposals(id),
    cvss_vector TEXT NOT NULL,
    rationale TEXT NOT NULL,
    adopted_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    seq BIGINT NOT NULL
);
CREATE INDEX severity_adoptions_case ON severity_adoptions(case_id, seq);

-- One advisory per case. advisory_id is random (never a counter: drafts exist during
-- embargoes). published_revision is the revision the public sees; NULL until published.
CREATE TABLE advisories (
    case_id TEXT PRIMARY KEY REFERENCES cases(id),
    advisory_id TEXT NOT NULL UNIQUE,
    tlp TEXT NOT NULL,
    published_revision BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Every revision of an advisory, with its changelog entry and layered sections.
-- credits is a JSON array of {name, kind, contact}.
CREATE TABLE advisory_revisions (
    case_id TEXT NOT NULL REFERENCES advisories(case_id),
    number BIGINT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    details TEXT NOT NULL,
    remediation TEXT NOT NULL,
    mitigations TEXT NOT NULL,
    credits TEXT NOT NULL,
    changelog TEXT NOT NULL,
    author_id TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    published_at BIGINT,
    PRIMARY KEY (case_id, number)
);
