//! The `lockstep` binary end to end, on both back ends: seeding, `audit verify` on an
//! intact and a tampered log, admin commands, and the API client commands against a
//! running `lockstep serve`.

#![allow(clippy::unwrap_used)]

use std::io::Write;
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
