//! Who is asking: API tokens (`Authorization: Bearer`), web sessions (an HttpOnly,
//! SameSite cookie plus a CSRF token on every form), and argon2id passwords. Only
//! hashes of tokens and session ids are stored.
//!
//! Which credential a request may carry depends on where it goes: the router strips
//! cookies from API requests and `Authorization` from page requests
//! ([`one_credential_per_surface`]) before any extractor runs, so [`Actor`] only ever
//! sees the one that surface accepts.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use lockstep_store::User;
use sha2::{Digest, Sha256};

use crate::{ApiError, App, Config};

/// The session cookie's name when cookies are not `Secure` (plain HTTP, development).
pub const SESSION_COOKIE: &str = "lockstep_session";
/// The session cookie's name when cookies are `Secure`: the `__Host-` prefix makes the
/// browser accept it only if set over HTTPS by this very host with `Path=/` and no
/// `Domain`, so a sibling subdomain can neither plant nor overwrite a session.
pub const SECURE_SESSION_COOKIE: &str = "__Host-lockstep_session";
/// The login form's double-submit cookie, plain and prefixed likewise.
pub const LOGIN_CSRF_COOKIE: &str = "lockstep_login_csrf";
pub const SECURE_LOGIN_CSRF_COOKIE: &str = "__Host-lockstep_login_csrf";
const TOKEN_PREFIX: &str = "lst_";

/// The session cookie's name under `config`.
pub fn session_cookie_name(config: &Config) -> &'static str {
    if config.secure_cookies {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// The login form's cookie name under `config`.
pub fn login_csrf_cookie_name(config: &Config) -> &'static str {
    if config.secure_cookies {
        SECURE_LOGIN_CSRF_COOKIE
    } else {
        LOGIN_CSRF_COOKIE
    }
}

/// Whether a path belongs to the JSON API.
pub fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Middleware: the API takes `Authorization: Bearer` tokens only, the pages session
/// cookies only. A browser attaches cookies to any cross-site request (a `text/plain`
/// form post needs no CORS preflight), so an API that honoured the session cookie
/// would be a CSRF hole without any CSRF check; and a page that honoured a token would
/// be a form without its CSRF token.
///
/// Why a layer that removes the header, and not two extractors (`ApiActor`,
/// `PageActor`): it runs on the whole router, before routing and before any extractor,
/// and it decides by the request path, which is also what routing decides by. No
/// handler added later, no extractor (`Actor`, `CookieJar`, anything new) and no route
/// registered outside `api::router` (like `/api/v1/openapi.json`) can see the wrong
/// credential, because it is no longer in the request. An extractor split would hold
/// only as long as every new handler picked the right type.
pub async fn one_credential_per_surface(mut req: Request, next: Next) -> Response {
    let strip = if is_api_path(req.uri().path()) {
        COOKIE
    } else {
        AUTHORIZATION
    };
    req.headers_mut().remove(strip);
    next.run(req).await
}

/// A fresh random secret (256 bits), hex-encoded.
pub fn random_secret() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(ApiError::internal)?;
    Ok(hex::encode(bytes))
}

/// A new API token, shown once to its owner.
pub fn new_token() -> Result<String, ApiError> {
    Ok(format!("{TOKEN_PREFIX}{}", random_secret()?))
}

/// How secrets are stored: SHA-256, hex. The secrets are 256-bit random, so a fast
/// hash is enough (a slow one would only slow every request).
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// An argon2id PHC hash of a password. Slow on purpose: call it off the async workers
/// ([`hash_password_off_workers`]).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(ApiError::internal)?;
    let salt = SaltString::encode_b64(&salt).map_err(ApiError::internal)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

/// [`hash_password`] on tokio's blocking pool, so that hashing does not stall the
/// async workers that serve every other request.
pub async fn hash_password_off_workers(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(ApiError::internal)?
}

/// Whether `password` matches a stored hash; a malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// An argon2id hash of a password no account has, with the default parameters (a unit
/// test holds it to them). Checking a login for an email with no account (or with no
/// password) against it costs the same work as checking a real one, so the time an
/// answer takes does not tell which emails have accounts.
const DUMMY_PASSWORD_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$L+MIX2aREPn9Ra5QLrUN0Q$SQxkHCooF2CXHm7WK/tAYrHRcDmjacBv0QJ16lW5aj4";

/// Checks a password on tokio's blocking pool, against the account's hash or, when
/// there is none, against [`DUMMY_PASSWORD_HASH`] (always false then, at the same cost).
pub async fn check_password_off_workers(password: String, hash: Option<String>) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => verify_password(&password, &hash),
        None => {
            verify_password(&password, DUMMY_PASSWORD_HASH);
            false
        }
    })
    .await
    .map_err(ApiError::internal)
}

/// How an actor proved who they are.
#[derive(Debug, Clone)]
pub enum Via {
    Token,
    Session { csrf_token: String, id_hash: String },
}

/// The one asking: anonymous, or a user (by token or session).
#[derive(Debug, Clone)]
pub enum Actor {
    Anonymous,
    User { user: User, via: Via },
}

impl Actor {
    pub fn user(&self) -> Option<&User> {
        match self {
            Actor::Anonymous => None,
            Actor::User { user, .. } => Some(user),
        }
    }

    /// The user, or 401.
    pub fn require(&self) -> Result<&User, ApiError> {
        self.user().ok_or_else(ApiError::unauthenticated)
    }

    /// The session's CSRF token (web pages only).
    pub fn csrf_token(&self) -> Option<&str> {
        match self {
            Actor::User {
                via: Via::Session { csrf_token, .. },
                ..
            } => Some(csrf_token),
            _ => None,
        }
    }
}

impl FromRequestParts<App> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        if let Some(value) = parts.headers.get(AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        "unauthenticated",
                        "Authorization must be `Bearer TOKEN`",
                    )
                })?;
            let user = app
                .store()
                .user_by_token_hash(&secret_hash(token), app.clock().now())
                .await?
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        "unauthenticated",
                        "the API token is unknown, revoked or expired",
                    )
                })?;
            return Ok(Actor::User { user, via: Via::Token });
        }
        let jar = CookieJar::from_headers(&parts.headers);
        if let Some(cookie) = jar.get(session_cookie_name(app.config())) {
            let id_hash = secret_hash(cookie.value());
            if let Some(session) = app.store().session(&id_hash, app.clock().now()).await? {
                return Ok(Actor::User {
                    user: session.user,
                    via: Via::Session {
                        csrf_token: session.csrf_token,
                        id_hash,
                    },
                });
            }
        }
        Ok(Actor::Anonymous)
    }
}

/// A cookie as Lockstep sets them: HttpOnly, SameSite=Lax, Path=/, no Domain, Secure
/// over TLS (which the `__Host-` names require).
pub fn cookie(app: &App, name: &'static str, value: String) -> Cookie<'static> {
    let mut c = Cookie::new(name, value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_path("/");
    c.set_secure(app.config().secure_cookies);
    c
}

/// The cookie that removes cookie `name`: the same attributes, or a browser would not
/// accept it for a `__Host-` cookie.
pub fn removal_cookie(app: &App, name: &'static str) -> Cookie<'static> {
    cookie(app, name, String::new())
}

/// Constant-time comparison of two secrets.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::PasswordHash;
    use argon2::Params;

    use super::*;

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_costs() {
        let dummy = PasswordHash::new(DUMMY_PASSWORD_HASH).expect("the dummy hash parses");
        let real = hash_password("a password of some account").expect("hashing works");
        let real = PasswordHash::new(&real).expect("a fresh hash parses");
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.version, real.version);
        assert_eq!(
            Params::try_from(&dummy).expect("dummy params"),
            Params::try_from(&real).expect("real params")
        );
    }

    #[test]
    fn api_paths_are_those_under_slash_api() {
        assert!(is_api_path("/api/v1/cases"));
        assert!(is_api_path("/api"));
        assert!(!is_api_path("/apiary"));
        assert!(!is_api_path("/cases"));
    }
}
