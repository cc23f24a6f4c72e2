//! Lockstep's impact engine: who depends on an affected package, exactly and fast.
//!
//! - [`version`]: each ecosystem's own version ordering and requirement syntax.
//! - [`osv`]: OSV ranges evaluated as the OSV schema specifies.
//! - [`ingest`]: lockfiles, SBOMs and Debian indexes, every package named by its PURL.
//! - [`graph`]: the compact graph (interned strings, reverse compressed rows).
//! - [`impact`]: reverse closure with shortest paths, depth and fix verdicts.
//! - [`advisory`]: advisory directories (RustSec, OSV JSON/YAML) and scanning.
//!
//! The server and the CLI call the same functions:
//!
//! ```no_run
//! use lockstep_graph::{ingest, impact, osv::Affected, version::Ecosystem};
//! let input = ingest::parse_detect("Cargo.lock", b"version = 4\n").unwrap();
//! let graph = ingest::build(vec![input]);
//! let report = impact::report(&graph, &Affected::all_versions(Ecosystem::CratesIo, "openssl"));
//! for hit in &report.hits {
//!     println!("{} at depth {}", hit.purl, hit.depth);
//! }
//! ```

pub mod advisory;
pub mod debian;
pub mod graph;
pub mod impact;
pub mod ingest;
pub mod lockfiles;
pub mod osv;
pub mod purl;
pub mod sbom;
pub mod synthetic;
pub mod version;

pub use graph::{Graph, GraphBuilder, NodeId};
pub use ingest::{Format, IngestError, Input, Location};
pub use osv::Affected;
pub use version::Ecosystem;
