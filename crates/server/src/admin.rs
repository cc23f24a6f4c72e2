//! Administration done from the command line against the database directly:
//! creating users, setting passwords and creating API tokens.

use lockstep_core::GlobalRole;
use lockstep_store::{NewUser, Store, User};

use crate::auth;

/// Creates a user; `password` may be empty for a token-only account.
pub async fn create_user(
    store: &Store,
    now: jiff::Timestamp,
    email: &str,
    name: &str,
    role: GlobalRole,
    password: &str,
) -> anyhow::Result<User> {
    let password_hash = password_hash(password).await?;
    let user = store
        .create_user(
            None,
            now,
            NewUser {
                email: email.into(),
                name: name.into(),
                role,
                password_hash,
            },
        )
        .await?;
    Ok(user)
}

/// Gives the user with `email` a new password (empty: token-only) and ends their web
/// sessions.
pub async fn set_password(store: &Store, now: jiff::Timestamp, email: &str, password: &str) -> anyhow::Result<User> {
    let (user, _) = store
        .user_by_email(email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("email: no user {email}"))?;
    store
        .set_password_hash(None, now, user.id, password_hash(password).await?)
        .await?;
    Ok(user)
}

/// The stored form of a password; none for an empty one (token-only accounts).
async fn password_hash(password: &str) -> anyhow::Result<Option<String>> {
    if password.is_empty() {
        return Ok(None);
    }
    if password.chars().count() < 12 {
        anyhow::bail!("password: must be at least 12 characters");
    }
    Ok(Some(
        auth::hash_password_off_workers(password.to_owned())
            .await
            .map_err(|e| anyhow::anyhow!(e.detail.message))?,
    ))
}

/// Creates an API token for the user with `email` that does not expire, and returns
/// it (shown once; only its hash is kept).
pub async fn create_token(store: &Store, now: jiff::Timestamp, email: &str, label: &str) -> anyhow::Result<String> {
    create_token_expiring(store, now, email, label, None).await
}

/// Creates an API token for the user with `email`, refused from `expires_at` on (None:
/// never), and returns it (shown once; only its hash is kept).
pub async fn create_token_expiring(
    store: &Store,
    now: jiff::Timestamp,
    email: &str,
    label: &str,
    expires_at: Option<jiff::Timestamp>,
) -> anyhow::Result<String> {
    let (user, _) = store
        .user_by_email(email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("email: no user {email}"))?;
    let token = auth::new_token().map_err(|e| anyhow::anyhow!(e.detail.message))?;
    store
        .create_token(None, now, user.id, label, &auth::secret_hash(&token), expires_at)
        .await?;
    Ok(token)
}
