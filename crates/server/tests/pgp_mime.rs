//! PGP/MIME mail checked by GnuPG itself: what Lockstep encrypts to a key GnuPG made,
//! GnuPG decrypts to the very MIME entity that went in.

#![allow(clippy::unwrap_used)]

use lockstep_server::pgp_mime::{encrypt, PgpError};
use lockstep_testkit::GnuPg;

const INNER: &[u8] = b"Content-Type: text/plain; charset=utf-8\r\n\r\nEmbargoed: heap overflow in inflate()\r\n";

fn round_trip(algo: &str) {
    let Some(gnupg) = GnuPg::new("Maria <maria@zlib.example>", algo, "default") else {
        return;
    };
    let mail = encrypt(&gnupg.public_key, INNER).unwrap();
    assert!(mail
        .content_type
        .starts_with("multipart/encrypted; protocol=\"application/pgp-encrypted\""));
    let body = String::from_utf8(mail.body).unwrap();
    assert!(!body.contains("heap overflow"), "the content is in clear: {body}");
    assert!(body.contains("Content-Type: application/pgp-encrypted\r\n") && body.contains("Version: 1\r\n"));
    assert_eq!(gnupg.decrypt(&body), INNER);
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
    let Some(gnupg) = GnuPg::new("Signer <s@zlib.example>", "ed25519", "sign") else {
        return;
    };
    assert!(matches!(
        encrypt(&gnupg.public_key, INNER),
        Err(PgpError::NoEncryptionKey)
    ));
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
