//! Test support: a fresh, isolated store on SQLite (a new file) or PostgreSQL (a new
//! schema), and [`both_backends!`], which runs one test body on each.
//!
//! PostgreSQL runs when `LOCKSTEP_TEST_POSTGRES_URL` is set; when it is not, the
//! PostgreSQL variant prints a note and passes, unless `LOCKSTEP_TEST_REQUIRE_ALL=true`
//! (CI), where a missing back end fails the run instead of hiding.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use lockstep_store::{Backend, Store};
use sqlx::{AnyConnection, Connection, Executor};

/// Whether CI demands every real component (PostgreSQL, Chromium) be present.
pub fn require_all() -> bool {
    std::env::var("LOCKSTEP_TEST_REQUIRE_ALL").is_ok_and(|v| v == "true" || v == "1")
}

/// A database URL for a fresh, empty database on `backend`, or None when PostgreSQL
/// is not configured (and not required).
pub async fn fresh_database_url(backend: Backend) -> Option<String> {
    // Tests open their own connections to these URLs (to tamper with the audit log).
    sqlx::any::install_default_drivers();
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join("lockstep-tests");
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(format!("{}.sqlite", uuid::Uuid::new_v4().simple()));
            Some(format!("sqlite://{}", path.display()))
        }
        Backend::Postgres => {
            let Ok(base) = std::env::var("LOCKSTEP_TEST_POSTGRES_URL") else {
                assert!(
                    !require_all(),
                    "LOCKSTEP_TEST_POSTGRES_URL is not set but LOCKSTEP_TEST_REQUIRE_ALL is"
                );
                eprintln!("note: LOCKSTEP_TEST_POSTGRES_URL not set; PostgreSQL variant not run");
                return None;
            };
            let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
            let mut conn = AnyConnection::connect(&base)
                .await
                .expect("connect to LOCKSTEP_TEST_POSTGRES_URL");
            conn.execute(format!("CREATE SCHEMA {schema}").as_str()).await.unwrap();
            conn.close().await.unwrap();
            let sep = if base.contains('?') { '&' } else { '?' };
            Some(format!("{base}{sep}options=-c%20search_path%3D{schema}"))
        }
    }
}

/// A fresh store on `backend`, migrated and empty.
pub async fn fresh_store(backend: Backend) -> Option<Store> {
    let url = fresh_database_url(backend).await?;
    Some(Store::connect(&url).await.expect("open fresh store"))
}

/// Runs one async test body on SQLite and on PostgreSQL:
///
/// ```text
/// both_backends!(audit_chain_detects_edits, |backend| async move { ... });
/// ```
/// expands to a module `audit_chain_detects_edits` with tests `sqlite` and `postgres`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)(lockstep_store::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)(lockstep_store::Backend::Postgres).await
            }
        }
    };
}
