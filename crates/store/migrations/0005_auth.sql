-- Authentication: failed logins (kept in the database, not in a process, so that the
-- login throttle holds across replicas), API token expiry, and the indexes that ending
-- every session of a user and purging expired sessions use. Shared dialect only.

CREATE TABLE login_failures (
    id TEXT PRIMARY KEY,
    -- The email as typed, trimmed and lowercased: unknown accounts are throttled too.
    account TEXT NOT NULL,
    -- The client's address (an IPv6 client's /64), or `unknown`.
    address TEXT NOT NULL,
    failed_at BIGINT NOT NULL
);
CREATE INDEX login_failures_by_account ON login_failures (account, failed_at);
CREATE INDEX login_failures_by_address ON login_failures (address, failed_at);

-- NULL: the token does not expire.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
