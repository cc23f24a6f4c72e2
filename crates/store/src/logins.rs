//! Failed logins, per account and per address, for the login throttle. They live in
//! the database rather than in a process so that the throttle holds across replicas.
//! The store only records and counts; the server decides when to throttle.

use jiff::Timestamp;
use lockstep_core::UserId;
use serde_json::json;

use crate::rows::ts;
use crate::{get, AuditEntry, Result, Store};

/// Who is trying to log in: the account named and the client's address.
#[derive(Debug, Clone, Copy)]
pub struct LoginAttempt<'a> {
    /// The email as typed, trimmed and lowercased ([`LoginAttempt::account_key`]);
    /// an email with no account is counted like any other.
    pub account: &'a str,
    /// The client's address, or `unknown` when the server does not know it.
    pub address: &'a str,
}

impl LoginAttempt<'_> {
    /// The account key of an email as typed: how failures are counted and how
    /// `users.email` is stored (trimmed, lowercased), capped in length so that a
    /// megabyte-long "email" is not stored as is.
    pub fn account_key(email: &str) -> String {
        email.trim().to_lowercase().chars().take(320).collect()
    }
}

/// The most recent failed logins since some instant, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecentLoginFailures {
    pub account: Vec<Timestamp>,
    pub address: Vec<Timestamp>,
}

impl Store {
    /// The failed logins of the attempt's account and of its address after `since`,
    /// newest first, at most `limit` of each.
    pub async fn recent_login_failures(
        &self,
        attempt: LoginAttempt<'_>,
        since: Timestamp,
        limit: usize,
    ) -> Result<RecentLoginFailures> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut out = RecentLoginFailures::default();
        for (sql, value, into) in [
            (
                "SELECT failed_at FROM login_failures WHERE account = $1 AND failed_at > $2 \
                 ORDER BY failed_at DESC LIMIT $3",
                attempt.account,
                &mut out.account,
            ),
            (
                "SELECT failed_at FROM login_failures WHERE address = $1 AND failed_at > $2 \
                 ORDER BY failed_at DESC LIMIT $3",
                attempt.address,
                &mut out.address,
            ),
        ] {
            let rows = sqlx::query(sql)
                .bind(value)
                .bind(since.as_millisecond())
                .bind(limit)
                .fetch_all(self.pool())
                .await?;
            for row in &rows {
                into.push(ts(get(row, "failed_at")?)?);
            }
        }
        Ok(out)
    }

    /// Records a failed login (audited as `session.login_failed`; the password is never
    /// passed here), and forgets failures from `forget_until` and before: they no longer
    /// count, so the table stays as small as the throttle's window.
    pub async fn record_login_failure(
        &self,
        now: Timestamp,
        attempt: LoginAttempt<'_>,
        user: Option<UserId>,
        forget_until: Timestamp,
    ) -> Result<()> {
        let mut w = self.write(None, now).await?;
        sqlx::query("DELETE FROM login_failures WHERE failed_at <= $1")
            .bind(forget_until.as_millisecond())
            .execute(w.conn())
            .await?;
        sqlx::query("INSERT INTO login_failures (id, account, address, failed_at) VALUES ($1, $2, $3, $4)")
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(attempt.account)
            .bind(attempt.address)
            .bind(now.as_millisecond())
            .execute(w.conn())
            .await?;
        w.commit(AuditEntry::new(
            "session.login_failed",
            None,
            attempt.account,
            json!({"address": attempt.address, "user": user}),
        ))
        .await
    }

    /// Records that a login was refused unchecked because its account or address is
    /// throttled (audited as `session.login_throttled`). It does not count as a
    /// failure: otherwise someone hammering an account would keep its owner out for good.
    pub async fn record_login_throttled(
        &self,
        now: Timestamp,
        attempt: LoginAttempt<'_>,
        retry_after_seconds: u64,
    ) -> Result<()> {
        let w = self.write(None, now).await?;
        w.commit(AuditEntry::new(
            "session.login_throttled",
            None,
            attempt.account,
            json!({"address": attempt.address, "retry_after_seconds": retry_after_seconds}),
        ))
        .await
    }
}
