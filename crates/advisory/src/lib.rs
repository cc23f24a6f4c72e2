//! Lockstep's shared vulnerability language and the standard formats it speaks:
//! CVSS scores, CWE names, SSVC decisions, a format-neutral advisory model, exports
//! (OSV, CSAF, OpenVEX, CycloneDX VEX, CVE 5) and imports (OSV, RustSec). No I/O
//! beyond what a caller hands in; the server and the offline CLI call the same functions.

pub mod cvss;
pub mod cwe;
pub mod ssvc;
