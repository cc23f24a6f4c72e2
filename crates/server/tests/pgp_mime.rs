//! PGP/MIME mail checked by GnuPG itself: what Lockstep encrypts to a key GnuPG made,
//! GnuPG decrypts to the very MIME entity that went in.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Stdio};

use lockstep_server::pgp_mime::{encrypt, PgpError};

/// A fresh GnuPG home with one key of `algo` (`default` or `future-default`) for
/// `email`; None (with a note) when gpg is not installed and CI does not demand it.
fn gnupg_key(algo: &str, usage: &str, email: &str) -> Option<(tempdir::Dir, String)> {
    if Command::new("gpg")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_err()
    {
        assert!(
            !lockstep_testkit::require_all(),
            "gpg is not installed but LOCKSTEP_TEST_REQUIRE_ALL is set"
        );
        eprintln!("note: gpg not installed; PGP/MIME round trip not run");
        return None;
    }
    let home = tempdir::Dir::new();
    let gpg = |args: &[&str]| {
        let out = Command::new("gpg")
            .env("GNUPGHOME", home.path())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "gpg {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    gpg(&[
        "--batch",
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        "",
        "--quick-gen-key",
        email,
        algo,
        usage,
        "never",
    ]);
    let key = String::from_utf8(gpg(&["--armor", "--export", email])).unwrap();
    Some((home, key))
}

fn decrypt(home: &Path, armored: &str) -> Vec<u8> {
    let mut child = Command::new("gpg")
        .env("GNUPGHOME", home)
        .args(["--batch", "--decrypt"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), armored.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "gpg --decrypt: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

const INNER: &[u8] = b"Content-Type: text/plain; charset=utf-8\r\n\r\nEmbargoed: heap overflow in inflate()\r\n";

fn round_trip(algo: &str) {
    let Some((home, key)) = gnupg_key(algo, "default", "Maria <maria@zlib.example>") else {
        return;
    };
    let mail = encrypt(&key, INNER).unwrap();
    assert!(mail
        .content_type
        .starts_with("multipart/encrypted; protocol=\"application/pgp-encrypted\""));
    let body = String::from_utf8(mail.body).unwrap();
    assert!(!body.contains("heap overflow"), "the content is in clear: {body}");
    assert!(body.contains("Content-Type: application/pgp-encrypted\r\n") && body.contains("Version: 1\r\n"));
    let start = body.find("-----BEGIN PGP MESSAGE-----").unwrap();
    let end = body.find("-----END PGP MESSAGE-----").unwrap() + "-----END PGP MESSAGE-----".len();
    assert_eq!(decrypt(home.path(), &body[start..end]), INNER);
}

#[test]
fn gnupg_decrypts_what_was_encrypted_to_its_rsa_key() {
    round_trip("default");
}

#[test]
fn gnupg_decrypts_what_was_encrypted_to_its_curve25519_key() {
    round_trip("future-default");
}

#[test]
fn a_key_that_can_only_sign_is_refused() {
    let Some((_home, key)) = gnupg_key("ed25519", "sign", "Signer <s@zlib.example>") else {
        return;
    };
    assert!(matches!(encrypt(&key, INNER), Err(PgpError::NoEncryptionKey)));
}

#[test]
fn text_that_is_no_key_is_refused_naming_why() {
    let e = encrypt(
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----",
        INNER,
    )
    .unwrap_err();
    assert!(matches!(e, PgpError::Key(_)), "{e}");
}

/// A temporary directory removed when dropped.
mod tempdir {
    pub struct Dir(std::path::PathBuf);

    impl Dir {
        pub fn new() -> Dir {
            let path = std::env::temp_dir().join(format!("lockstep-gnupg-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir_all(&path).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).unwrap();
            }
            Dir(path)
        }

        pub fn path(&self) -> &std::path::Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
