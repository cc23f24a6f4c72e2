//! Test support: a fresh, isolated store on SQLite (a new file) or PostgreSQL (a new
//! schema), and [`both_backends!`], which runs one test body on each.
//!
//! PostgreSQL runs when `LOCKSTEP_TEST_POSTGRES_URL` is set; when it is not, the
//! PostgreSQL variant prints a note and passes, unless `LOCKSTEP_TEST_REQUIRE_ALL=true`
//! (CI), where a missing back end fails the run instead of hiding.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use lockstep_store::{Backend, Store};
use sqlx::{AnyConnection, Connection, Executor};

/// Whether CI demands every real component (PostgreSQL, Chromium, aiosmtpd) be present.
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

/// A real SMTP server on loopback (Python's aiosmtpd, `smtp_sink.py` beside this
/// crate) writing each message it accepts to a fresh directory. Stopped, and its
/// directory removed, when dropped.
pub struct SmtpSink {
    child: std::process::Child,
    port: u16,
    dir: std::path::PathBuf,
}

/// The path of the sink's script, for the benchmark and for tests that run it alone.
pub const SMTP_SINK_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/smtp_sink.py");

impl SmtpSink {
    /// Starts a sink, or None (with a note) when Python's aiosmtpd is not installed
    /// and `LOCKSTEP_TEST_REQUIRE_ALL` is not set; with it set, a missing aiosmtpd fails.
    pub fn start() -> Option<SmtpSink> {
        use std::io::BufRead;
        let available = std::process::Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !available {
            assert!(
                !require_all(),
                "Python's aiosmtpd is missing (python3 -m pip install aiosmtpd) but LOCKSTEP_TEST_REQUIRE_ALL is set"
            );
            eprintln!("note: Python's aiosmtpd not installed; SMTP test not run");
            return None;
        }
        let dir = std::env::temp_dir()
            .join("lockstep-tests")
            .join(format!("smtp-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut child = std::process::Command::new("python3")
            .arg(SMTP_SINK_SCRIPT)
            .arg(&dir)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start python3 smtp_sink.py");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .strip_prefix("ready ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("smtp_sink.py said `{line}`"));
        Some(SmtpSink { child, port, dir })
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in the order received (each starting with its
    /// `X-Envelope-To:` line).
    pub fn messages(&self) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A GnuPG home of its own with one key, to check what Lockstep encrypts with GnuPG
/// itself. Removed when dropped.
pub struct GnuPg {
    home: std::path::PathBuf,
    /// The key's ASCII-armored public half.
    pub public_key: String,
}

impl GnuPg {
    /// A fresh home with one key for `user_id` (`algo`: `default`, `future-default`,
    /// `ed25519`, ...; `usage`: `default`, `sign`, ...), or None (with a note) when
    /// gpg is not installed and CI does not demand it.
    pub fn new(user_id: &str, algo: &str, usage: &str) -> Option<GnuPg> {
        use std::process::{Command, Stdio};
        if Command::new("gpg")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_err()
        {
            assert!(
                !require_all(),
                "gpg is not installed but LOCKSTEP_TEST_REQUIRE_ALL is set"
            );
            eprintln!("note: gpg not installed; what is encrypted is not checked");
            return None;
        }
        let home = std::env::temp_dir().join(format!("lockstep-gnupg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&home).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        let mut gpg = GnuPg {
            home,
            public_key: String::new(),
        };
        gpg.run(
            &[
                "--batch",
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                "",
                "--quick-gen-key",
                user_id,
                algo,
                usage,
                "never",
            ],
            None,
        );
        gpg.public_key = String::from_utf8(gpg.run(&["--armor", "--export", user_id], None)).unwrap();
        Some(gpg)
    }

    fn run(&self, args: &[&str], stdin: Option<&[u8]>) -> Vec<u8> {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let mut child = Command::new("gpg")
            .env("GNUPGHOME", &self.home)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(bytes) = stdin {
            input.write_all(bytes).unwrap();
        }
        drop(input);
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "gpg {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Decrypts the first armored OpenPGP message in `text` (a mail, a MIME body).
    pub fn decrypt(&self, text: &str) -> Vec<u8> {
        const BEGIN: &str = "-----BEGIN PGP MESSAGE-----";
        const END: &str = "-----END PGP MESSAGE-----";
        let start = text.find(BEGIN).expect("an armored OpenPGP message");
        let end = text[start..].find(END).expect("its end") + start + END.len();
        self.run(
            &["--batch", "--decrypt"],
            Some(text[start..end].replace("\r\n", "\n").as_bytes()),
        )
    }
}

impl Drop for GnuPg {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.home);
    }
}
