//! Logging in with a password: the throttle (per account and per client address,
//! counted in the database so that it holds across replicas), the password check off
//! the async workers, and the new session. The login page calls [`attempt`].

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use jiff::{SignedDuration, Timestamp};
use lockstep_store::{LoginAttempt, RecentLoginFailures};

use crate::{auth, ApiError, App};

/// This many failed logins of one account, or from one address, within [`WINDOW`]...
pub const MAX_FAILURES: usize = 10;
/// ...and further logins of it, or from it, are refused unchecked until the oldest of
/// them is older than this.
pub const WINDOW: SignedDuration = SignedDuration::from_mins(15);

/// The client's address as the throttle counts it: the peer address of the TCP
/// connection (`serve` records it), or `unknown` where there is none (tests that call
/// the router directly). An IPv6 client counts by its /64, the block one subscriber
/// usually has, or it could step through addresses at will.
///
/// `X-Forwarded-For` is not read: anyone can send it. Behind a reverse proxy every
/// client has the proxy's address, so the per-address limit then applies to all
/// together; the per-account limit still holds for each account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(pub String);

impl ClientAddress {
    pub fn of(ip: IpAddr) -> Self {
        ClientAddress(match ip.to_canonical() {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(match parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            Some(ConnectInfo(addr)) => ClientAddress::of(addr.ip()),
            None => ClientAddress("unknown".to_owned()),
        })
    }
}

/// How long until a login may be tried again, or None if it may be now: when the
/// account or the address has [`MAX_FAILURES`] failures within the window, until the
/// [`MAX_FAILURES`]th most recent one leaves it (then fewer remain). Rounded up to whole
/// seconds, for `Retry-After`.
pub fn retry_after(failures: &RecentLoginFailures, now: Timestamp) -> Option<u64> {
    [&failures.account, &failures.address]
        .into_iter()
        .filter_map(|newest_first| newest_first.get(MAX_FAILURES - 1))
        .filter_map(|tenth| tenth.checked_add(WINDOW).ok())
        .map(|lifted| lifted.duration_since(now))
        .max()
        .map(|wait| {
            let millis = u64::try_from(wait.as_millis()).unwrap_or(0);
            millis.div_ceil(1000).max(1)
        })
}

/// What a login attempt came to.
#[derive(Debug)]
pub enum Outcome {
    /// The password was right: a new session, by its cookie value.
    LoggedIn { session_secret: String },
    /// Wrong email or password (the two are not told apart).
    Refused,
    /// Too many failures of the account or from the address; nothing was checked.
    Throttled { retry_after_seconds: u64 },
}

/// Tries to log in as `email` with `password` from `address`.
pub async fn attempt(app: &App, email: &str, password: &str, address: &ClientAddress) -> Result<Outcome, ApiError> {
    let now = app.clock().now();
    let account = LoginAttempt::account_key(email);
    let attempt = LoginAttempt {
        account: &account,
        address: &address.0,
    };
    let store = app.store();
    let since = now.checked_sub(WINDOW).map_err(ApiError::internal)?;
    // Two concurrent attempts can both pass this check before either records its
    // failure: the limit can be overshot by the number of attempts in flight at once,
    // which is small; taking the store's write lock around the password check would
    // stall every writer for the length of an argon2 verification.
    let failures = store.recent_login_failures(attempt, since, MAX_FAILURES).await?;
    if let Some(retry_after_seconds) = retry_after(&failures, now) {
        store.record_login_throttled(now, attempt, retry_after_seconds).await?;
        return Ok(Outcome::Throttled { retry_after_seconds });
    }
    let (user, hash) = match store.user_by_email(&account).await? {
        Some((user, hash)) => (Some(user), hash),
        None => (None, None),
    };
    // One argon2 verification whether or not the account exists (without a hash it is
    // against a dummy one), then one write: the same work either way.
    let right = auth::check_password_off_workers(password.to_owned(), hash).await?;
    let user = match user {
        Some(user) if right => user,
        user => {
            store
                .record_login_failure(now, attempt, user.map(|u| u.id), since)
                .await?;
            return Ok(Outcome::Refused);
        }
    };
    let session_secret = auth::random_secret()?;
    let csrf = auth::random_secret()?;
    let ttl = SignedDuration::try_from(app.config().session_ttl).map_err(ApiError::internal)?;
    let expires = now.checked_add(ttl).map_err(ApiError::internal)?;
    store
        .create_session(now, user.id, &auth::secret_hash(&session_secret), &csrf, expires)
        .await?;
    Ok(Outcome::LoggedIn { session_secret })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().expect("test instant")
    }

    #[test]
    fn nine_failures_do_not_throttle() {
        let failures = RecentLoginFailures {
            account: vec![at("2026-11-26T10:00:00Z"); MAX_FAILURES - 1],
            address: vec![],
        };
        assert_eq!(retry_after(&failures, at("2026-11-26T10:00:00Z")), None);
    }

    #[test]
    fn ten_failures_throttle_until_the_tenth_newest_leaves_the_window() {
        let mut account = vec![at("2026-11-26T10:05:00Z"); MAX_FAILURES - 1];
        account.push(at("2026-11-26T10:00:00Z"));
        let failures = RecentLoginFailures {
            account,
            address: vec![],
        };
        // 10:00 + 15 min = 10:15; at 10:06 that is 9 minutes away.
        assert_eq!(retry_after(&failures, at("2026-11-26T10:06:00Z")), Some(540));
    }

    #[test]
    fn the_longer_of_account_and_address_waits_counts() {
        let failures = RecentLoginFailures {
            account: vec![at("2026-11-26T10:00:00Z"); MAX_FAILURES],
            address: vec![at("2026-11-26T10:10:00Z"); MAX_FAILURES],
        };
        assert_eq!(retry_after(&failures, at("2026-11-26T10:10:00Z")), Some(900));
    }

    #[test]
    fn retry_after_rounds_up_to_a_second() {
        let failures = RecentLoginFailures {
            account: vec![at("2026-11-26T10:00:00Z"); MAX_FAILURES],
            address: vec![],
        };
        assert_eq!(retry_after(&failures, at("2026-11-26T10:14:59.999Z")), Some(1));
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        let a = ClientAddress::of("2001:db8:1:2:aaaa::1".parse().expect("ip"));
        let b = ClientAddress::of("2001:db8:1:2:bbbb::2".parse().expect("ip"));
        assert_eq!(a, b);
        assert_eq!(a.0, "2001:db8:1:2::/64");
    }

    #[test]
    fn ipv4_mapped_addresses_count_as_ipv4() {
        let mapped = ClientAddress::of("::ffff:192.0.2.7".parse().expect("ip"));
        assert_eq!(mapped.0, "192.0.2.7");
    }
}
