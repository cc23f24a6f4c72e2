//! Mail to a contact with an OpenPGP key goes as PGP/MIME (RFC 3156): the whole MIME
//! entity (headers and body) encrypted to the contact's key with rPGP, a pure-Rust
//! OpenPGP implementation, inside a `multipart/encrypted` envelope any OpenPGP mail
//! client opens. Nothing of the content stays in clear but the outer headers the
//! caller writes (recipient, a subject that names no detail, the Message-ID).

use pgp::composed::{Deserializable, MessageBuilder, SignedPublicKey};
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use pgp::types::KeyDetails;

/// An encrypted mail body and the `Content-Type` header value that goes with it.
#[derive(Debug, Clone)]
pub struct PgpMime {
    /// `multipart/encrypted; protocol="application/pgp-encrypted"; boundary="..."`.
    pub content_type: String,
    /// The two parts: the version identification and the armored ciphertext, CRLF lines.
    pub body: Vec<u8>,
}

/// Why a message could not be encrypted to a contact's key.
#[derive(Debug, thiserror::Error)]
pub enum PgpError {
    #[error("the contact's OpenPGP key does not read: {0}")]
    Key(String),
    #[error("the contact's OpenPGP key has no valid key that can encrypt")]
    NoEncryptionKey,
    #[error("encrypting failed: {0}")]
    Encrypt(String),
}

/// Reads an armored public key and checks that mail can be encrypted to it: its
/// self-signatures verify and it has a key that can encrypt. The registry calls this
/// before it stores a contact's key, so a bad key is refused when it is given.
pub fn check_key(armored_key: &str) -> Result<(), PgpError> {
    let key = read_key(armored_key)?;
    let can =
        key.public_subkeys.iter().any(|k| k.algorithm().can_encrypt()) || key.primary_key.algorithm().can_encrypt();
    if can {
        Ok(())
    } else {
        Err(PgpError::NoEncryptionKey)
    }
}

fn read_key(armored_key: &str) -> Result<SignedPublicKey, PgpError> {
    let (key, _) = SignedPublicKey::from_string(armored_key).map_err(|e| PgpError::Key(e.to_string()))?;
    key.verify_bindings().map_err(|e| PgpError::Key(e.to_string()))?;
    Ok(key)
}

/// Encrypts `inner_mime`, a complete MIME entity (`Content-Type: text/plain; ...`,
/// a blank line, the body), to the encryption-capable subkey (or else the primary
/// key) of `armored_key`, whose self-signatures must verify.
pub fn encrypt(armored_key: &str, inner_mime: &[u8]) -> Result<PgpMime, PgpError> {
    let key = read_key(armored_key)?;
    let mut rng = rand::thread_rng();
    let mut builder =
        MessageBuilder::from_bytes("", inner_mime.to_vec()).seipd_v1(&mut rng, SymmetricKeyAlgorithm::AES256);
    if let Some(subkey) = key.public_subkeys.iter().find(|k| k.algorithm().can_encrypt()) {
        builder
            .encrypt_to_key(&mut rng, subkey)
            .map_err(|e| PgpError::Encrypt(e.to_string()))?;
    } else if key.primary_key.algorithm().can_encrypt() {
        builder
            .encrypt_to_key(&mut rng, &key.primary_key)
            .map_err(|e| PgpError::Encrypt(e.to_string()))?;
    } else {
        return Err(PgpError::NoEncryptionKey);
    }
    let armored = builder
        .to_armored_string(&mut rng, Default::default())
        .map_err(|e| PgpError::Encrypt(e.to_string()))?;
    let boundary = boundary()?;
    let mut body = String::new();
    body.push_str("This is an OpenPGP/MIME encrypted message (RFC 3156).\r\n");
    body.push_str(&format!("--{boundary}\r\n"));
    body.push_str("Content-Type: application/pgp-encrypted\r\n");
    body.push_str("Content-Description: PGP/MIME version identification\r\n\r\n");
    body.push_str("Version: 1\r\n\r\n");
    body.push_str(&format!("--{boundary}\r\n"));
    body.push_str("Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\n");
    body.push_str("Content-Description: OpenPGP encrypted message\r\n");
    body.push_str("Content-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n");
    for line in armored.lines() {
        body.push_str(line);
        body.push_str("\r\n");
    }
    body.push_str(&format!("\r\n--{boundary}--\r\n"));
    Ok(PgpMime {
        content_type: format!("multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"{boundary}\""),
        body: body.into_bytes(),
    })
}

/// A MIME boundary that cannot occur in the armored text (which has no `=_`).
fn boundary() -> Result<String, PgpError> {
    let mut bytes = [0u8; 12];
    getrandom::getrandom(&mut bytes).map_err(|e| PgpError::Encrypt(e.to_string()))?;
    Ok(format!("=_lockstep_{}", hex::encode(bytes)))
}
