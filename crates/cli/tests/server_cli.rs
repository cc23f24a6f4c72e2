//! The `lockstep` binary end to end, on both back ends: seeding and the demo's
//! printed login, `audit verify` on an intact and a tampered log, signed audit
//! checkpoints, admin commands, the API client commands against a running
//! `lockstep serve`, and the warning for serving beyond loopback without Secure cookies.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use lockstep_testkit::{both_backends, fresh_database_url};
use sqlx::{AnyConnection, Connection, Executor};

fn lockstep(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lockstep"));
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.env_remove("LOCKSTEP_DATABASE_URL")
        .env_remove("LOCKSTEP_TOKEN")
        .env_remove("LOCKSTEP_SERVER");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        // The command may exit before reading (a usage error); a broken pipe is fine then.
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

both_backends!(audit_verify_exit_codes, |backend| async move {
    let Some(url) = fresh_database_url(backend).await else {
        return;
    };
    let out = lockstep(&["demo", "--seed-only", "--database", &url], None, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let out = lockstep(&["audit", "verify", "--database", &url], None, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("intact"), "{}", text(&out));

    let mut conn = AnyConnection::connect(&url).await.unwrap();
    conn.execute("UPDATE audit_events SET detail = '{}' WHERE seq = 7")
        .await
        .unwrap();
    conn.close().await.unwrap();
    let out = lockstep(&["audit", "verify", "--database", &url, "--format", "json"], None, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["first_bad"]["seq"], 7, "{report}");
});

both_backends!(admin_and_client_commands, |backend| async move {
    let Some(url) = fresh_database_url(backend).await else {
        return;
    };
    let out = lockstep(
        &[
            "admin",
            "create-user",
            "--email",
            "c@example.org",
            "--name",
            "Coordinator",
            "--role",
            "coordinator",
        ],
        Some("a long enough password\n"),
        &[("LOCKSTEP_DATABASE_URL", &url)],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = lockstep(
        &[
            "admin",
            "create-user",
            "--email",
            "c@example.org",
            "--name",
            "Again",
            "--role",
            "member",
        ],
        Some("\n"),
        &[("LOCKSTEP_DATABASE_URL", &url)],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("email"), "{}", text(&out));
    let out = lockstep(
        &[
            "admin",
            "create-user",
            "--email",
            "x@example.org",
            "--name",
            "X",
            "--role",
            "overlord",
        ],
        Some("\n"),
        &[("LOCKSTEP_DATABASE_URL", &url)],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = lockstep(
        &["admin", "create-token", "--email", "c@example.org", "--name", "laptop"],
        None,
        &[("LOCKSTEP_DATABASE_URL", &url)],
    );
    assert!(out.status.success(), "{}", text(&out));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(
        token.starts_with("lst_") && !token.contains(char::is_whitespace),
        "{token}"
    );

    let port = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(["serve", "--database", &url, "--listen", &listen])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server_url = format!("http://{listen}");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(&listen).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let env = [
        ("LOCKSTEP_SERVER", server_url.as_str()),
        ("LOCKSTEP_TOKEN", token.as_str()),
    ];
    let out = lockstep(
        &["case", "new", "--title", "Flaw from the CLI", "--format", "json"],
        None,
        &env,
    );
    assert!(out.status.success(), "{}", text(&out));
    let case: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let out = lockstep(&["case", "list", "--format", "json"], None, &env);
    let cases: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cases[0]["title"], "Flaw from the CLI");
    let out = lockstep(&["case", "show", case["id"].as_str().unwrap()], None, &env);
    assert!(text(&out).contains("Flaw from the CLI"), "{}", text(&out));
    let out = lockstep(&["case", "show", "00000000-0000-4000-8000-000000000000"], None, &env);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("404"), "{}", text(&out));
    let out = lockstep(
        &["project", "new", "--name", "zlib", "--purl", "pkg:generic/zlib"],
        None,
        &env,
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = lockstep(&["project", "list"], None, &env);
    assert!(text(&out).contains("pkg:generic/zlib"), "{}", text(&out));
    let out = lockstep(&["project", "list", "--format", "json"], None, &env);
    let projects: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let project = projects[0]["id"].as_str().unwrap().to_owned();
    // Upload this workspace's own Cargo.lock; a malformed one is refused, naming the line.
    let lock = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock");
    let out = lockstep(
        &["project", "upload", "--project", &project, lock, "--format", "json"],
        None,
        &env,
    );
    assert!(out.status.success(), "{}", text(&out));
    let stored: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(stored[0]["package_count"].as_i64().unwrap() > 100, "{stored}");
    let dir = std::env::temp_dir().join(format!("lockstep-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("Cargo.lock");
    std::fs::write(&bad, "version = 3\n[[package]]\nname = \"x\"\nversion = 1.0\n").unwrap();
    let out = lockstep(
        &["project", "upload", "--project", &project, bad.to_str().unwrap()],
        None,
        &env,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("Cargo.lock:4"), "{}", text(&out));
    let out = lockstep(&["case", "impact", case["id"].as_str().unwrap()], None, &env);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("from 1 manifests"), "{}", text(&out));
    let out = lockstep(
        &["case", "list"],
        None,
        &[
            ("LOCKSTEP_SERVER", server_url.as_str()),
            ("LOCKSTEP_TOKEN", "lst_wrong"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("401"), "{}", text(&out));
    server.kill().unwrap();
    server.wait().unwrap();
});

/// The password `demo` printed ("Log in as ... with password P").
fn printed_password(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("Log in as "))
        .unwrap_or_else(|| panic!("no login printed: {}", text(out)));
    line.rsplit(' ').next().unwrap().to_owned()
}

async fn logs_in(url: &str, email: &str, password: &str) -> bool {
    let store = lockstep_store::Store::connect(url).await.unwrap();
    let found = store.user_by_email(email).await.unwrap();
    store.close().await;
    matches!(found, Some((_, Some(hash))) if lockstep_server::auth::verify_password(password, &hash))
}

both_backends!(demo_prints_a_password_that_logs_in, |backend| async move {
    let Some(url) = fresh_database_url(backend).await else {
        return;
    };
    let out = lockstep(&["demo", "--seed-only", "--database", &url], None, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(logs_in(&url, "alice@coord.example", &printed_password(&out)).await);
});

both_backends!(
    demo_started_again_prints_a_new_password_that_logs_in,
    |backend| async move {
        let Some(url) = fresh_database_url(backend).await else {
            return;
        };
        let first = lockstep(&["demo", "--seed-only", "--database", &url], None, &[]);
        let second = lockstep(&["demo", "--seed-only", "--database", &url], None, &[]);
        assert!(second.status.success(), "{}", text(&second));
        assert_ne!(printed_password(&first), printed_password(&second));
        assert!(logs_in(&url, "maria@zlib.example", &printed_password(&second)).await);
    }
);

/// A scratch directory for key and checkpoint files.
fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lockstep-cli-audit-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{}-{nanos}", std::process::id())
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Seeds the demo, makes a key and takes a checkpoint; returns (key file, public key, checkpoint file).
fn seeded_with_checkpoint(url: &str, dir: &Path) -> (PathBuf, String, PathBuf) {
    let out = lockstep(&["demo", "--seed-only", "--database", url], None, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let key = dir.join("audit.key");
    let out = lockstep(&["audit", "keygen", "--out", path(&key)], None, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let public_key = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let checkpoint = dir.join("checkpoint.json");
    let out = lockstep(
        &["audit", "checkpoint", "--database", url, "--out", path(&checkpoint)],
        None,
        &[("LOCKSTEP_AUDIT_KEY", path(&key))],
    );
    assert!(out.status.success(), "{}", text(&out));
    (key, public_key, checkpoint)
}

fn verify_with(url: &str, checkpoint: &Path, public_key: &str) -> Output {
    lockstep(
        &[
            "audit",
            "verify",
            "--database",
            url,
            "--checkpoint",
            path(checkpoint),
            "--public-key",
            public_key,
        ],
        None,
        &[],
    )
}

#[cfg(unix)]
#[test]
fn audit_keygen_writes_a_key_only_its_owner_reads_and_never_overwrites_it() {
    use std::os::unix::fs::PermissionsExt;
    let key = scratch().join("audit.key");
    let out = lockstep(&["audit", "keygen", "--out", path(&key)], None, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    let before = std::fs::read(&key).unwrap();
    let out = lockstep(&["audit", "keygen", "--out", path(&key)], None, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(std::fs::read(&key).unwrap(), before);
}

both_backends!(
    audit_verify_with_checkpoint_after_more_writes_exits_0,
    |backend| async move {
        let Some(url) = fresh_database_url(backend).await else {
            return;
        };
        let dir = scratch();
        let (_, public_key, checkpoint) = seeded_with_checkpoint(&url, &dir);
        let out = lockstep(
            &[
                "admin",
                "create-user",
                "--email",
                "new@example.org",
                "--name",
                "New",
                "--role",
                "member",
            ],
            Some("\n"),
            &[("LOCKSTEP_DATABASE_URL", &url)],
        );
        assert!(out.status.success(), "{}", text(&out));
        let out = verify_with(&url, &checkpoint, &public_key);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(text(&out).contains("extends the checkpoint"), "{}", text(&out));
    }
);

both_backends!(
    audit_verify_of_a_log_cut_back_below_its_checkpoint_exits_1_naming_the_event,
    |backend| async move {
        let Some(url) = fresh_database_url(backend).await else {
            return;
        };
        let dir = scratch();
        let (_, public_key, checkpoint) = seeded_with_checkpoint(&url, &dir);
        // A consistent shorter chain: the plain check cannot tell, the checkpoint can.
        let mut conn = AnyConnection::connect(&url).await.unwrap();
        conn.execute("DELETE FROM audit_events WHERE seq > 10").await.unwrap();
        conn.execute(
            "UPDATE audit_head SET seq = 10, hash = (SELECT hash FROM audit_events WHERE seq = 10) WHERE id = 1",
        )
        .await
        .unwrap();
        conn.close().await.unwrap();
        let out = lockstep(&["audit", "verify", "--database", &url], None, &[]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let out = verify_with(&url, &checkpoint, &public_key);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(text(&out).contains("BROKEN at event 11"), "{}", text(&out));
    }
);

both_backends!(
    audit_verify_with_a_checkpoint_of_another_key_exits_1,
    |backend| async move {
        let Some(url) = fresh_database_url(backend).await else {
            return;
        };
        let dir = scratch();
        let (_, _, checkpoint) = seeded_with_checkpoint(&url, &dir);
        let out = lockstep(&["audit", "keygen", "--out", path(&dir.join("other.key"))], None, &[]);
        let other_public_key = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        let out = verify_with(&url, &checkpoint, &other_public_key);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(text(&out).contains("NOT TRUSTED"), "{}", text(&out));
    }
);

both_backends!(
    audit_verify_with_a_malformed_checkpoint_exits_2_naming_the_field,
    |backend| async move {
        let Some(url) = fresh_database_url(backend).await else {
            return;
        };
        let dir = scratch();
        let (_, public_key, checkpoint) = seeded_with_checkpoint(&url, &dir);
        let mut doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&checkpoint).unwrap()).unwrap();
        doc["seq"] = "forty-two".into();
        std::fs::write(&checkpoint, doc.to_string()).unwrap();
        let out = verify_with(&url, &checkpoint, &public_key);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(text(&out).contains("seq"), "{}", text(&out));
    }
);

both_backends!(audit_checkpoint_with_an_unreadable_key_exits_2, |backend| async move {
    let Some(url) = fresh_database_url(backend).await else {
        return;
    };
    let key = scratch().join("not-a-key.pem");
    std::fs::write(&key, "hello\n").unwrap();
    let out = lockstep(
        &["audit", "checkpoint", "--database", &url, "--key", path(&key)],
        None,
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("not-a-key.pem"), "{}", text(&out));
    assert!(out.stdout.is_empty(), "{}", text(&out));
});

/// Starts `serve` on `listen` (port 0: any free one) and returns its stderr up to the
/// line saying where it listens.
fn serve_stderr_until_listening(listen: &str) -> String {
    let url = format!("sqlite://{}", path(&scratch().join("serve.sqlite")));
    let mut server = Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(["serve", "--database", &url, "--listen", listen])
        .env_remove("LOCKSTEP_SECURE_COOKIES")
        .env("LOCKSTEP_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut seen = String::new();
    for line in BufReader::new(server.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("Lockstep listening on") {
            break;
        }
    }
    server.kill().unwrap();
    server.wait().unwrap();
    seen
}

#[test]
fn serve_beyond_loopback_without_secure_cookies_warns() {
    let stderr = serve_stderr_until_listening("0.0.0.0:0");
    assert!(stderr.contains("warning: listening on 0.0.0.0:"), "{stderr}");
    assert!(stderr.contains("--secure-cookies"), "{stderr}");
}

#[test]
fn serve_on_loopback_does_not_warn() {
    let stderr = serve_stderr_until_listening("127.0.0.1:0");
    assert!(stderr.contains("Lockstep listening on"), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
}
/// `lockstep serve` on a free port of this machine; killed when dropped, pass or fail.
struct Server {
    child: std::process::Child,
    url: String,
}

impl Server {
    async fn start(database: &str) -> Server {
        let port = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let listen = format!("127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_lockstep"))
            .args(["serve", "--database", database, "--listen", &listen])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(&listen).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Server {
            child,
            url: format!("http://{listen}"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

both_backends!(token_commands_list_and_revoke_your_tokens, |backend| async move {
    let Some(url) = fresh_database_url(backend).await else {
        return;
    };
    let db = [("LOCKSTEP_DATABASE_URL", url.as_str())];
    let out = lockstep(
        &[
            "admin",
            "create-user",
            "--email",
            "m@example.org",
            "--name",
            "M",
            "--role",
            "member",
        ],
        Some("\n"),
        &db,
    );
    assert!(out.status.success(), "{}", text(&out));
    let create_token = |args: &[&str]| {
        let mut all = vec!["admin", "create-token", "--email", "m@example.org"];
        all.extend_from_slice(args);
        let out = lockstep(&all, None, &db);
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let laptop = create_token(&["--name", "laptop"]);
    create_token(&["--name", "ci", "--expires-in", "30"]);
    let out = lockstep(
        &[
            "admin",
            "create-token",
            "--email",
            "m@example.org",
            "--name",
            "x",
            "--expires-in",
            "0",
        ],
        None,
        &db,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));

    let server = Server::start(&url).await;
    let env = [
        ("LOCKSTEP_SERVER", server.url.as_str()),
        ("LOCKSTEP_TOKEN", laptop.as_str()),
    ];
    let out = lockstep(&["token", "list", "--format", "json"], None, &env);
    assert!(out.status.success(), "{}", text(&out));
    let tokens: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let by_label = |label: &str| tokens.as_array().unwrap().iter().find(|t| t["label"] == label).cloned();
    assert!(by_label("laptop").unwrap()["expires_at"].is_null(), "{tokens}");
    let ci = by_label("ci").unwrap();
    assert!(ci["expires_at"].is_string(), "{tokens}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&laptop));
    let out = lockstep(&["token", "list"], None, &env);
    assert!(
        text(&out).contains("laptop") && text(&out).contains("EXPIRES"),
        "{}",
        text(&out)
    );

    let out = lockstep(&["token", "revoke", ci["id"].as_str().unwrap()], None, &env);
    assert!(out.status.success(), "{}", text(&out));
    let out = lockstep(&["token", "list", "--format", "json"], None, &env);
    let tokens: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(tokens.as_array().unwrap().len(), 1, "{tokens}");
    let out = lockstep(&["token", "revoke", ci["id"].as_str().unwrap()], None, &env);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("404"), "{}", text(&out));
});

both_backends!(
    contacts_import_takes_a_whole_csv_or_names_the_bad_line,
    |backend| async move {
        let Some(url) = fresh_database_url(backend).await else {
            return;
        };
        let db = [("LOCKSTEP_DATABASE_URL", url.as_str())];
        let out = lockstep(
            &[
                "admin",
                "create-user",
                "--email",
                "root@example.org",
                "--name",
                "Root",
                "--role",
                "admin",
            ],
            Some("\n"),
            &db,
        );
        assert!(out.status.success(), "{}", text(&out));
        let out = lockstep(
            &["admin", "create-token", "--email", "root@example.org", "--name", "t"],
            None,
            &db,
        );
        let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        let server = Server::start(&url).await;
        let env = [
            ("LOCKSTEP_SERVER", server.url.as_str()),
            ("LOCKSTEP_TOKEN", token.as_str()),
        ];
        let out = lockstep(
            &[
                "project",
                "new",
                "--name",
                "zlib",
                "--purl",
                "pkg:generic/zlib",
                "--format",
                "json",
            ],
            None,
            &env,
        );
        assert!(out.status.success(), "{}", text(&out));
        let project: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let project = project["id"].as_str().unwrap().to_owned();
        let dir = std::env::temp_dir().join(format!("lockstep-contacts-{}", uuid_like()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("bad.csv");
        std::fs::write(
            &bad,
            "email,name,role\nsec@zlib.example,Security,security\nusers@zlib.example,Users,everyone\n",
        )
        .unwrap();
        let out = lockstep(
            &["project", "contacts", "import", "--project", &project, path(&bad)],
            None,
            &env,
        );
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(text(&out).contains("line 3"), "{}", text(&out));
        let list = |env: &[(&str, &str)]| {
            let out = lockstep(
                &["project", "contacts", "list", "--project", &project, "--format", "json"],
                None,
                env,
            );
            assert!(out.status.success(), "{}", text(&out));
            serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
        };
        assert_eq!(list(&env), serde_json::json!([]), "a refused import wrote something");
        let good = dir.join("good.csv");
        std::fs::write(
            &good,
            "email,name,role\nsec@zlib.example,Security,security\nusers@zlib.example,Users,consumer\n",
        )
        .unwrap();
        let out = lockstep(
            &["project", "contacts", "import", "--project", &project, path(&good)],
            None,
            &env,
        );
        assert!(out.status.success(), "{}", text(&out));
        assert_eq!(list(&env).as_array().unwrap().len(), 2);
    }
);

#[test]
fn a_bad_smtp_url_is_a_usage_error_that_hides_its_password() {
    let dir = std::env::temp_dir().join(format!("lockstep-smtp-{}", std::process::id()));
    let db = format!("sqlite://{}/never.sqlite", dir.display());
    let out = lockstep(
        &[
            "serve",
            "--database",
            &db,
            "--smtp",
            "http://mailer:hunter2@relay.example",
        ],
        None,
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--smtp"), "{}", text(&out));
    assert!(!text(&out).contains("hunter2"), "{}", text(&out));
    assert!(!dir.exists(), "the database was opened before the flags were checked");
}
