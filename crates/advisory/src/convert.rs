//! The offline converter behind `lockstep advisory convert`: files in one format,
//! one export document per advisory out.

use std::path::PathBuf;

use lockstep_core::Tlp;
use serde_json::Value;

use crate::export::{self, ExportError, Format};
use crate::import::{self, FileError, SourceFormat};
use crate::model::{Advisory, Publisher};

/// How to convert.
#[derive(Debug, Clone)]
pub struct ConvertOptions {
    pub publisher: Publisher,
    pub tlp: Tlp,
    /// Merge records that name each other as aliases before exporting.
    pub merge_aliases: bool,
}

impl Default for ConvertOptions {
    fn default() -> Self {
        Self {
            publisher: Publisher::default(),
            tlp: Tlp::Clear,
            merge_aliases: false,
        }
    }
}

/// The documents made, by name (an advisory or vulnerability id), and the records
/// that had no document in the target format (a CVE 5 record needs a CVE id).
#[derive(Debug, Default)]
pub struct Converted {
    pub documents: Vec<(String, Value)>,
    pub skipped: Vec<ExportError>,
}

/// Reads every file (directories walked), then exports each record. Every unreadable
/// file is reported, naming it and what is wrong; then nothing is exported.
pub fn convert(
    paths: &[PathBuf],
    from: SourceFormat,
    to: Format,
    options: &ConvertOptions,
) -> Result<Converted, Vec<FileError>> {
    let files = import::files(paths, from).map_err(|e| vec![e])?;
    let mut records = Vec::with_capacity(files.len());
    let mut errors = Vec::new();
    for file in &files {
        match import::read(file, from) {
            Ok(record) => records.push(record),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if options.merge_aliases {
        records = import::merge_aliases(records);
    }
    let mut out = Converted::default();
    for record in records {
        let advisory = Advisory::from_vulnerability(record, options.publisher.clone(), options.tlp);
        match export::export(&advisory, to) {
            Ok(docs) => out.documents.extend(docs),
            Err(e) => out.skipped.push(e),
        }
    }
    Ok(out)
}
