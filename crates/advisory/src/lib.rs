//! Lockstep's shared vulnerability language and the standard formats it speaks:
//! CVSS scores, CWE names, SSVC decisions, a format-neutral advisory model, notices in
//! the reader's language (Fluent), exports
//! (OSV, CSAF, OpenVEX, CycloneDX VEX, CVE 5) and imports (OSV, RustSec). The only
//! I/O is reading the files `import` and `convert` are given; the server and the
//! offline CLI call the same functions.

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
