//! Signed checkpoints of the audit chain. A checkpoint is the chain's head (sequence
//! number and hash) at an instant, signed with an Ed25519 key kept outside the
//! database. Someone with write access to the database can rewrite the whole chain
//! consistently (recomputing every hash), which the chain alone cannot reveal; they
//! cannot sign again the checkpoints taken before, so
//! [`verify_extends`](super::verify_extends) catches them.
//!
//! Keys are PKCS#8 PEM files, the format `openssl genpkey -algorithm ed25519` writes,
//! so they can be made, inspected and kept with ordinary tools. Public keys travel as
//! 64 hex digits (or as a `PUBLIC KEY` PEM).

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::spki::der::zeroize::Zeroizing;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::AuditHead;

/// The format and version marker every checkpoint carries; what it signs depends on it.
pub const FORMAT: &str = "lockstep-audit-checkpoint/1";

/// A key that cannot be read or made.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "not an Ed25519 private key in PKCS#8 PEM (as `lockstep audit keygen` or \
         `openssl genpkey -algorithm ed25519` write it): {0}"
    )]
    PrivateKey(String),
    #[error("not an Ed25519 public key (64 hex digits, or a PEM `PUBLIC KEY`): {0}")]
    PublicKey(String),
    #[error("no randomness from the operating system: {0}")]
    Random(String),
}

/// A checkpoint document that is not one: bad JSON, or a field that cannot be what it
/// should. Says which field.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoint is not a checkpoint document: {0}")]
    Json(String),
    #[error("checkpoint field `{field}`: {message}")]
    Field { field: &'static str, message: String },
}

/// A well-formed checkpoint that does not prove anything: signed by another key, or
/// edited after it was signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Untrusted {
    #[error("the checkpoint was signed by key {found}, not by the trusted key {trusted}")]
    OtherKey { found: PublicKey, trusted: PublicKey },
    #[error(
        "the checkpoint's signature does not verify: the document was changed after it was signed \
         (or signed by a key other than the one it names)"
    )]
    BadSignature,
}

/// The private key that signs checkpoints. Never stored in the database; `Debug`
/// shows only the public half.
pub struct AuditKey(SigningKey);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("AuditKey").field(&self.public_key()).finish()
    }
}

impl AuditKey {
    /// A new random key, from the operating system's generator.
    pub fn generate() -> Result<AuditKey, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::getrandom(seed.as_mut_slice()).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(AuditKey(SigningKey::from_bytes(&seed)))
    }

    /// Reads a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pem(pem: &str) -> Result<AuditKey, KeyError> {
        SigningKey::from_pkcs8_pem(pem.trim())
            .map(AuditKey)
            .map_err(|e| KeyError::PrivateKey(e.to_string()))
    }

    /// The key as PKCS#8 PEM, for the key file.
    pub fn to_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        self.0
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| KeyError::PrivateKey(e.to_string()))
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().to_bytes())
    }

    /// Signs the chain's `head` as it stood at `at` (kept to the second).
    pub fn sign(&self, head: &AuditHead, at: Timestamp) -> Checkpoint {
        let at = Timestamp::from_second(at.as_second()).unwrap_or(at);
        let public_key = self.public_key();
        let signature = self.0.sign(&signed_bytes(head.seq, &head.hash, at, &public_key));
        Checkpoint {
            seq: head.seq,
            hash: head.hash.clone(),
            at,
            public_key,
            signature,
        }
    }
}

/// The public half of an [`AuditKey`]; shown as 64 hex digits. Holds the compressed
/// point (32 bytes, checked to be a valid key when parsed), not the larger expanded
/// form, so that it travels cheaply in errors.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey([u8; 32]);

impl PublicKey {
    /// Reads 64 hex digits (as `lockstep audit keygen` prints them) or a PEM
    /// `PUBLIC KEY` (as `openssl pkey -pubout` writes it).
    pub fn parse(text: &str) -> Result<PublicKey, KeyError> {
        let text = text.trim();
        if text.starts_with("-----BEGIN") {
            return VerifyingKey::from_public_key_pem(text)
                .map(|key| PublicKey(key.to_bytes()))
                .map_err(|e| KeyError::PublicKey(e.to_string()));
        }
        let bytes: [u8; 32] = decode_hex::<32>(text).map_err(KeyError::PublicKey)?;
        VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::PublicKey("not a point on the curve".into()))?;
        Ok(PublicKey(bytes))
    }

    fn verifying_key(&self) -> Option<VerifyingKey> {
        VerifyingKey::from_bytes(&self.0).ok()
    }
}

impl std::fmt::Display for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

/// A signed head of the audit chain, as read from or written to a checkpoint
/// document. Its signature is not yet checked: [`Checkpoint::verify`] does that and
/// gives the [`VerifiedCheckpoint`] the log can be checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    seq: i64,
    hash: String,
    at: Timestamp,
    public_key: PublicKey,
    signature: Signature,
}

/// The document, field by field, as it is stored (JSON).
#[derive(Serialize, Deserialize)]
struct Document {
    format: String,
    seq: i64,
    hash: String,
    at: String,
    public_key: String,
    signature: String,
}

impl Checkpoint {
    /// Reads a checkpoint document, naming the first field that is wrong.
    pub fn parse(json: &str) -> Result<Checkpoint, CheckpointError> {
        let mut json = serde_json::Deserializer::from_str(json);
        let doc: Document = serde_path_to_error::deserialize(&mut json).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            match path.as_str() {
                "." | "?" => CheckpointError::Json(inner.to_string()),
                _ => CheckpointError::Json(format!("field `{path}`: {inner}")),
            }
        })?;
        let field = |field, message: String| CheckpointError::Field { field, message };
        if doc.format != FORMAT {
            return Err(field(
                "format",
                format!(
                    "`{}` is not `{FORMAT}` (made by another program or version?)",
                    doc.format
                ),
            ));
        }
        if doc.seq < 0 {
            return Err(field("seq", format!("{} is negative", doc.seq)));
        }
        let hash: [u8; 32] = decode_hex::<32>(&doc.hash).map_err(|m| field("hash", m))?;
        let at: Timestamp = doc
            .at
            .parse()
            .map_err(|e| field("at", format!("`{}` is not an RFC 3339 instant: {e}", doc.at)))?;
        let public_key = PublicKey::parse(&doc.public_key).map_err(|e| field("public_key", e.to_string()))?;
        let signature: [u8; 64] = decode_hex::<64>(&doc.signature).map_err(|m| field("signature", m))?;
        Ok(Checkpoint {
            seq: doc.seq,
            hash: hex::encode(hash),
            at,
            public_key,
            signature: Signature::from_bytes(&signature),
        })
    }

    /// The document as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        let doc = Document {
            format: FORMAT.to_owned(),
            seq: self.seq,
            hash: self.hash.clone(),
            at: self.at.to_string(),
            public_key: self.public_key.to_string(),
            signature: hex::encode(self.signature.to_bytes()),
        };
        serde_json::to_string_pretty(&doc).expect("a document of strings and integers serializes")
    }

    pub fn seq(&self) -> i64 {
        self.seq
    }

    pub fn hash(&self) -> &str {
        &self.hash
    }

    pub fn at(&self) -> Timestamp {
        self.at
    }

    /// The key the checkpoint says signed it (not yet checked).
    pub fn public_key(&self) -> PublicKey {
        self.public_key
    }

    /// Checks the signature. With `trusted`, the checkpoint must also have been signed
    /// by that key; without it, by the key the document names, which only proves the
    /// document was not edited (anyone can sign a document with a key of their own).
    pub fn verify(&self, trusted: Option<&PublicKey>) -> Result<VerifiedCheckpoint, Untrusted> {
        if let Some(trusted) = trusted.filter(|t| **t != self.public_key) {
            return Err(Untrusted::OtherKey {
                found: self.public_key,
                trusted: *trusted,
            });
        }
        let message = signed_bytes(self.seq, &self.hash, self.at, &self.public_key);
        self.public_key
            .verifying_key()
            .ok_or(Untrusted::BadSignature)?
            .verify_strict(&message, &self.signature)
            .map_err(|_| Untrusted::BadSignature)?;
        Ok(VerifiedCheckpoint(self.clone()))
    }
}

/// A checkpoint whose signature verified; only [`Checkpoint::verify`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCheckpoint(Checkpoint);

impl VerifiedCheckpoint {
    pub fn seq(&self) -> i64 {
        self.0.seq
    }

    pub fn hash(&self) -> &str {
        &self.0.hash
    }

    pub fn at(&self) -> Timestamp {
        self.0.at
    }

    pub fn public_key(&self) -> PublicKey {
        self.0.public_key
    }
}

/// What is signed: the format marker and every field, each length-prefixed (as the
/// chain's own hashes are) so that no two different checkpoints sign the same bytes.
fn signed_bytes(seq: i64, hash: &str, at: Timestamp, public_key: &PublicKey) -> Vec<u8> {
    let mut out = Vec::new();
    for part in [
        FORMAT,
        &seq.to_string(),
        hash,
        &at.as_nanosecond().to_string(),
        &public_key.to_string(),
    ] {
        out.extend_from_slice(&(part.len() as u64).to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out
}

/// `N` bytes from exactly `2 * N` hex digits.
fn decode_hex<const N: usize>(text: &str) -> Result<[u8; N], String> {
    let bytes = hex::decode(text).map_err(|e| format!("`{text}` is not hex: {e}"))?;
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("{} hex digits where {} belong", b.len() * 2, N * 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head() -> AuditHead {
        AuditHead {
            seq: 7,
            hash: "ab".repeat(32),
        }
    }

    fn at() -> Timestamp {
        "2026-11-26T10:00:00Z".parse().expect("a valid instant")
    }

    #[test]
    fn a_signed_checkpoint_reads_back_and_verifies() {
        let key = AuditKey::generate().expect("randomness");
        let json = key.sign(&head(), at()).to_json();
        let checkpoint = Checkpoint::parse(&json).expect("parses");
        let verified = checkpoint.verify(Some(&key.public_key())).expect("verifies");
        assert_eq!((verified.seq(), verified.hash()), (7, head().hash.as_str()));
    }

    #[test]
    fn key_survives_its_pem_file() {
        let key = AuditKey::generate().expect("randomness");
        let pem = key.to_pem().expect("encodes");
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "{}", pem.as_str());
        assert_eq!(
            AuditKey::from_pem(&pem).expect("decodes").public_key(),
            key.public_key()
        );
    }

    #[test]
    fn public_key_reads_back_from_its_hex() {
        let key = AuditKey::generate().expect("randomness").public_key();
        assert_eq!(PublicKey::parse(&key.to_string()).expect("parses"), key);
    }

    #[test]
    fn malformed_signature_names_the_field() {
        let key = AuditKey::generate().expect("randomness");
        let mut doc: serde_json::Value = serde_json::from_str(&key.sign(&head(), at()).to_json()).expect("JSON");
        doc["signature"] = "abcd".into();
        let err = Checkpoint::parse(&doc.to_string()).expect_err("refused");
        assert!(
            matches!(err, CheckpointError::Field { field: "signature", .. }),
            "{err}"
        );
    }

    #[test]
    fn debug_of_a_key_shows_only_the_public_half() {
        let key = AuditKey::generate().expect("randomness");
        let secret = hex::encode(key.0.to_bytes());
        assert!(!format!("{key:?}").contains(&secret));
    }
}
