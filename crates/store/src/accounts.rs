//! Users, API tokens, web sessions and project memberships. Secrets never reach the
//! store: it keeps only hashes the server computed.

use jiff::Timestamp;
use lockstep_core::{GlobalRole, MembershipRole, ProjectId, TokenId, UserId};
use serde_json::json;
use sqlx::any::AnyRow;

use crate::rows::{instant, instant_opt, parsed, required};
use crate::{get, AuditEntry, Membership, Result, Store, StoreError, User};

/// Input for a new user; `password_hash` is an argon2id PHC string (or none for
/// token-only accounts).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: GlobalRole,
    pub password_hash: Option<String>,
}

/// An API token as its owner sees it: never the secret, nor its hash.
#[derive(Debug, Clone)]
pub struct ApiToken {
    pub id: TokenId,
    pub user_id: UserId,
    pub label: String,
    pub created_at: Timestamp,
    /// None: the token does not expire.
    pub expires_at: Option<Timestamp>,
}

/// A live web session.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub user: User,
    pub csrf_token: String,
}

pub(crate) fn user_from_row(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: parsed(row, "id")?,
        email: get(row, "email")?,
        name: get(row, "name")?,
        role: parsed(row, "role")?,
    })
}

/// Maps a unique-constraint violation to a `Duplicate` error naming the field.
pub(crate) fn unique(field: &'static str, what: String) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate {
            field: field.to_owned(),
            message: format!("{what} is already taken"),
        },
        _ => StoreError::Database(e),
    }
}

fn check_email(email: &str) -> Result<String> {
    let email = required("email", email, 320)?;
    match email.split_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() && !email.contains(char::is_whitespace) => {
            Ok(email.to_lowercase())
        }
        _ => Err(StoreError::invalid(
            "email",
            format!("`{email}` is not an email address"),
        )),
    }
}

impl Store {
    /// Creates a user account.
    pub async fn create_user(&self, actor: Option<UserId>, now: Timestamp, new: NewUser) -> Result<User> {
        let email = check_email(&new.email)?;
        let name = required("name", &new.name, 200)?;
        let user = User {
            id: UserId::new(),
            email,
            name,
            role: new.role,
        };
        let mut w = self.write(actor, now).await?;
        sqlx::query(
            "INSERT INTO users (id, email, name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(user.id.to_string())
        .bind(&user.email)
        .bind(&user.name)
        .bind(user.role.as_str())
        .bind(new.password_hash)
        .bind(now.as_millisecond())
        .execute(w.conn())
        .await
        .map_err(unique("email", format!("email {}", user.email)))?;
        w.commit(AuditEntry::new(
            "user.create",
            None,
            user.id,
            json!({"email": user.email, "name": user.name, "role": user.role}),
        ))
        .await?;
        Ok(user)
    }

    /// Replaces a user's password hash (None: token-only from now on) and ends their web
    /// sessions, so that whoever knew the old password is logged out.
    pub async fn set_password_hash(
        &self,
        actor: Option<UserId>,
        now: Timestamp,
        user: UserId,
        password_hash: Option<String>,
    ) -> Result<()> {
        let mut w = self.write(actor, now).await?;
        let changed = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user.to_string())
            .execute(w.conn())
            .await?
            .rows_affected();
        if changed == 0 {
            // Dropping `w` rolls the transaction back: nothing was written.
            return Err(StoreError::NotFound("user"));
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.to_string())
            .execute(w.conn())
            .await?;
        w.commit(AuditEntry::new("user.password", None, user, json!({}))).await
    }

    /// A user and their password hash, by email (case-insensitive).
    pub async fn user_by_email(&self, email: &str) -> Result<Option<(User, Option<String>)>> {
        let row = sqlx::query("SELECT id, email, name, role, password_hash FROM users WHERE email = $1")
            .bind(email.trim().to_lowercase())
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| Ok((user_from_row(&r)?, get(&r, "password_hash")?)))
            .transpose()
    }

    pub async fn user(&self, id: UserId) -> Result<User> {
        let row = sqlx::query("SELECT id, email, name, role FROM users WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        user_from_row(&row)
    }

    pub async fn list_users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query("SELECT id, email, name, role FROM users ORDER BY email")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// Stores an API token's hash under a label; it is refused from `expires_at` on
    /// (None: never).
    pub async fn create_token(
        &self,
        actor: Option<UserId>,
        now: Timestamp,
        user: UserId,
        label: &str,
        token_hash: &str,
        expires_at: Option<Timestamp>,
    ) -> Result<TokenId> {
        let label = required("label", label, 200)?;
        if expires_at.is_some_and(|at| at <= now) {
            return Err(StoreError::invalid("expires_at", "must be in the future"));
        }
        let id = TokenId::new();
        let mut w = self.write(actor, now).await?;
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, label, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.to_string())
        .bind(user.to_string())
        .bind(&label)
        .bind(token_hash)
        .bind(now.as_millisecond())
        .bind(expires_at.map(|at| at.as_millisecond()))
        .execute(w.conn())
        .await?;
        w.commit(AuditEntry::new(
            "token.create",
            None,
            id,
            json!({"user": user, "label": label, "expires_at": expires_at}),
        ))
        .await?;
        Ok(id)
    }

    /// The user a live API token (by hash) belongs to: None for an unknown, revoked or
    /// expired one.
    pub async fn user_by_token_hash(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.name, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND (t.expires_at IS NULL OR t.expires_at > $2)",
        )
        .bind(token_hash)
        .bind(now.as_millisecond())
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// A user's API tokens, oldest first, expired ones included (their owner may want to
    /// see and revoke them).
    pub async fn tokens_of(&self, user: UserId) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(
            "SELECT id, user_id, label, created_at, expires_at FROM api_tokens WHERE user_id = $1 \
             ORDER BY created_at, id",
        )
        .bind(user.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiToken {
                    id: parsed(r, "id")?,
                    user_id: parsed(r, "user_id")?,
                    label: get(r, "label")?,
                    created_at: instant(r, "created_at")?,
                    expires_at: instant_opt(r, "expires_at")?,
                })
            })
            .collect()
    }

    /// Revokes one of `user`'s own API tokens; it is refused from the next request on.
    /// Another user's token is `NotFound`, exactly like one that does not exist.
    pub async fn revoke_token(&self, user: UserId, now: Timestamp, token: TokenId) -> Result<()> {
        let mut w = self.write(Some(user), now).await?;
        let revoked = sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2 RETURNING label")
            .bind(token.to_string())
            .bind(user.to_string())
            .fetch_optional(w.conn())
            .await?;
        // Dropping `w` rolls the transaction back: nothing was written.
        let Some(row) = revoked else {
            return Err(StoreError::NotFound("token"));
        };
        let label: String = get(&row, "label")?;
        w.commit(AuditEntry::new(
            "token.revoke",
            None,
            token,
            json!({"user": user, "label": label}),
        ))
        .await
    }

    /// Records a login: a session (by the hash of its cookie value) with its CSRF token.
    /// In the same write it purges every expired session (so the table holds live
    /// sessions and those expired since the last login, nothing older) and forgets the
    /// account's failed logins (not the address's: an attacker who owns one account must
    /// not reset the counter of the address they guess from).
    pub async fn create_session(
        &self,
        now: Timestamp,
        user: UserId,
        id_hash: &str,
        csrf_token: &str,
        expires_at: Timestamp,
    ) -> Result<()> {
        let mut w = self.write(Some(user), now).await?;
        let purged = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now.as_millisecond())
            .execute(w.conn())
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM login_failures WHERE account = (SELECT email FROM users WHERE id = $1)")
            .bind(user.to_string())
            .execute(w.conn())
            .await?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id_hash)
        .bind(user.to_string())
        .bind(csrf_token)
        .bind(now.as_millisecond())
        .bind(expires_at.as_millisecond())
        .execute(w.conn())
        .await?;
        w.commit(AuditEntry::new(
            "session.login",
            None,
            user,
            json!({"expired_sessions_purged": purged}),
        ))
        .await
    }

    /// The live session with this cookie hash, if it has not expired.
    pub async fn session(&self, id_hash: &str, now: Timestamp) -> Result<Option<SessionInfo>> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.name, u.role, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2",
        )
        .bind(id_hash)
        .bind(now.as_millisecond())
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(SessionInfo {
                user: user_from_row(&r)?,
                csrf_token: get(&r, "csrf_token")?,
            })
        })
        .transpose()
    }

    /// Ends a session (logout).
    pub async fn delete_session(&self, user: UserId, now: Timestamp, id_hash: &str) -> Result<()> {
        let mut w = self.write(Some(user), now).await?;
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(w.conn())
            .await?;
        w.commit(AuditEntry::new("session.logout", None, user, json!({}))).await
    }

    /// Ends every session of `user` (log out everywhere); returns how many there were.
    pub async fn end_sessions(&self, user: UserId, now: Timestamp) -> Result<u64> {
        let mut w = self.write(Some(user), now).await?;
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.to_string())
            .execute(w.conn())
            .await?
            .rows_affected();
        w.commit(AuditEntry::new(
            "session.logout_everywhere",
            None,
            user,
            json!({"sessions": ended}),
        ))
        .await?;
        Ok(ended)
    }

    /// Adds a user to a project. Membership reads the user into every case the
    /// project is read into, so each of those cases gets its own audit event (its
    /// coordinators see who joined, in the case's trail).
    pub async fn add_membership(
        &self,
        actor: Option<UserId>,
        now: Timestamp,
        project: ProjectId,
        user: UserId,
        role: MembershipRole,
    ) -> Result<Membership> {
        let joining = self.user(user).await?;
        self.project(project).await?;
        let mut w = self.write(actor, now).await?;
        sqlx::query("INSERT INTO memberships (project_id, user_id, role) VALUES ($1, $2, $3)")
            .bind(project.to_string())
            .bind(user.to_string())
            .bind(role.as_str())
            .execute(w.conn())
            .await
            .map_err(unique("user_id", "membership".to_owned()))?;
        let detail = json!({"project": project, "user": user, "user_name": joining.name, "role": role});
        let cases = project_cases(w.conn(), project).await?;
        w.commit_all(
            AuditEntry::new("membership.add", None, project, detail.clone()),
            cases
                .into_iter()
                .map(|case| AuditEntry::new("membership.add", Some(case), project, detail.clone()))
                .collect(),
        )
        .await?;
        Ok(Membership {
            project_id: project,
            user_id: user,
            role,
        })
    }

    /// Removes a user from a project; from then on they read none of the project's
    /// cases (every token and session of theirs included: access is decided on each
    /// request from the memberships). Audited on every case the project is read into.
    pub async fn remove_membership(
        &self,
        actor: Option<UserId>,
        now: Timestamp,
        project: ProjectId,
        user: UserId,
    ) -> Result<()> {
        let mut w = self.write(actor, now).await?;
        let removed = sqlx::query("DELETE FROM memberships WHERE project_id = $1 AND user_id = $2")
            .bind(project.to_string())
            .bind(user.to_string())
            .execute(w.conn())
            .await?
            .rows_affected();
        if removed == 0 {
            return Err(StoreError::NotFound("membership"));
        }
        let detail = json!({"project": project, "user": user});
        let cases = project_cases(w.conn(), project).await?;
        w.commit_all(
            AuditEntry::new("membership.remove", None, project, detail.clone()),
            cases
                .into_iter()
                .map(|case| AuditEntry::new("membership.remove", Some(case), project, detail.clone()))
                .collect(),
        )
        .await
    }

    /// A user's role in a project, if they are a member.
    pub async fn membership_role(&self, project: ProjectId, user: UserId) -> Result<Option<MembershipRole>> {
        let row = sqlx::query("SELECT role FROM memberships WHERE project_id = $1 AND user_id = $2")
            .bind(project.to_string())
            .bind(user.to_string())
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| parsed(&r, "role")).transpose()
    }

    /// A project's members with their roles.
    pub async fn project_members(&self, project: ProjectId) -> Result<Vec<Membership>> {
        let rows =
            sqlx::query("SELECT project_id, user_id, role FROM memberships WHERE project_id = $1 ORDER BY user_id")
                .bind(project.to_string())
                .fetch_all(self.pool())
                .await?;
        rows.iter()
            .map(|r| {
                Ok(Membership {
                    project_id: parsed(r, "project_id")?,
                    user_id: parsed(r, "user_id")?,
                    role: parsed(r, "role")?,
                })
            })
            .collect()
    }

    /// The projects a user belongs to.
    pub async fn user_projects(&self, user: UserId) -> Result<Vec<ProjectId>> {
        let rows = sqlx::query("SELECT project_id FROM memberships WHERE user_id = $1")
            .bind(user.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| parsed(r, "project_id")).collect()
    }
}

/// The cases a project is read into, inside a write's transaction.
async fn project_cases(conn: &mut sqlx::AnyConnection, project: ProjectId) -> Result<Vec<lockstep_core::CaseId>> {
    let rows = sqlx::query("SELECT case_id FROM participants WHERE project_id = $1 ORDER BY case_id")
        .bind(project.to_string())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(|r| parsed(r, "case_id")).collect()
}
