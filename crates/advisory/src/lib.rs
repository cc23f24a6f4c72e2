//! Lockstep's shared vulnerability language and the standard formats it speaks:
//! CVSS scores, CWE names, SSVC decisions, a format-neutral advisory model, notices in
//! the reader's language (Fluent), exports
//! (OSV, CSAF, OpenVEX, CycloneDX VEX, CVE 5) and imports (OSV, RustSec). The only
//! I/O is reading the files `import` and `convert` are given; the server and the
//! offline CLI call the same functions.
//!
//! ```
//! use lockstep_advisory::export::{self, Format};
//! use lockstep_advisory::{cvss::Vector, Advisory, Publisher, Severity, Vulnerability};
//! use lockstep_core::Tlp;
//!
//! let vector = Vector::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")?;
//! assert_eq!(vector.scores().base_score, 9.8);
//!
//! let mut flaw = Vulnerability::new("GHSA-aaaa-bbbb-cccc", "2026-03-01T12:00:00Z".parse()?);
//! flaw.aliases.push("CVE-2026-1".into());
//! flaw.severity.push(Severity::from_vector(&vector));
//! let advisory = Advisory::from_vulnerability(flaw, Publisher::default(), Tlp::Clear);
//! for format in Format::ALL {
//!     let documents = export::export(&advisory, *format)?; // (name, serde_json::Value) pairs
//!     assert_eq!(documents.len(), 1);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod build;
pub mod convert;
pub mod cvss;
pub mod cwe;
pub mod export;
pub mod import;
pub mod model;
pub mod notice;
pub mod osv;
pub mod rustsec;
pub mod ssvc;

pub use model::{
    Advisory, Affected, Credit, Event, Package, Publisher, Range, RangeKind, Reference, Revision, Sections, Severity,
    SeverityKind, Statement, Vulnerability,
};

/// What is wrong with an imported document, naming the field (a JSON/TOML path).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: {message}")]
    Field { path: String, message: String },
}
