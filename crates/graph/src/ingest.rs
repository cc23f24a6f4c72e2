//! Ingestion of lockfiles, SBOMs and Debian indexes into one graph.
//!
//! Each input is parsed completely into an [`Input`] before anything is added
//! to a [`GraphBuilder`], so a malformed input contributes nothing; its error
//! names the file and the line or JSON path.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;

use crate::debian::DebIndex;
use crate::graph::{GraphBuilder, NodeId, NO_LABEL};
use crate::version::{Ecosystem, Requirement};

/// Where in an input something went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A 1-based line.
    Line(usize),
    /// A JSON (or TOML/YAML key) path, e.g. `packages["node_modules/a"].version`.
    JsonPath(String),
    /// The input as a whole.
    Whole,
}

/// An input that could not be ingested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct IngestError {
    /// The input's name.
    pub file: String,
    /// Where.
    pub location: Location,
    /// What.
    pub message: String,
}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Location::Line(l) => write!(f, "{}:{}: {}", self.file, l, self.message),
            Location::JsonPath(p) => write!(f, "{}: at {}: {}", self.file, p, self.message),
            Location::Whole => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// The formats an input can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `Cargo.lock`, versions 1 to 4.
    CargoLock,
    /// npm `package-lock.json` / `npm-shrinkwrap.json`, versions 1 to 3.
    NpmLock,
    /// `poetry.lock`.
    PoetryLock,
    /// `uv.lock`.
    UvLock,
    /// A pinned `requirements.txt`.
    Requirements,
    /// CycloneDX 1.4-1.6 JSON.
    CycloneDx,
    /// SPDX 2.3 JSON.
    Spdx,
    /// A Debian `Packages` index.
    DebianPackages,
}

impl Format {
    /// Guesses the format from the file name, then from the content.
    pub fn detect(name: &str, bytes: &[u8]) -> Option<Format> {
        let base = Path::new(name)
            .file_name()
            .and_then(|s| s.to_str())
            .unwrap_or(name)
            .to_ascii_lowercase();
        match base.as_str() {
            "cargo.lock" => return Some(Format::CargoLock),
            "package-lock.json" | "npm-shrinkwrap.json" => return Some(Format::NpmLock),
            "poetry.lock" => return Some(Format::PoetryLock),
            "uv.lock" => return Some(Format::UvLock),
            "packages" => return Some(Format::DebianPackages),
            _ => {}
        }
        if base.ends_with("_packages") {
            return Some(Format::DebianPackages);
        }
        let head = &bytes[..bytes.len().min(4096)];
        let head = String::from_utf8_lossy(head);
        if base.ends_with(".json") || head.trim_start().starts_with('{') {
            if head.contains("\"bomFormat\"") {
                return Some(Format::CycloneDx);
            }
            if head.contains("\"spdxVersion\"") {
                return Some(Format::Spdx);
            }
            if head.contains("\"lockfileVersion\"") {
                return Some(Format::NpmLock);
            }
            return None;
        }
        if base.ends_with(".txt") || base.ends_with(".in") {
            return Some(Format::Requirements);
        }
        if base.ends_with(".lock") && head.contains("[[package]]") {
            return if head.contains("[metadata]") || head.contains("content-hash") {
                Some(Format::PoetryLock)
            } else if head.contains("requires-python") || head.contains("revision =") {
                Some(Format::UvLock)
            } else {
                Some(Format::CargoLock)
            };
        }
        None
    }
}

/// A package version in an input.
#[derive(Debug, Clone)]
pub struct Package {
    /// Ecosystem.
    pub ecosystem: Ecosystem,
    /// Name (normalized for its ecosystem).
    pub name: String,
    /// Version (empty for a project root that has none).
    pub version: String,
    /// Debian architecture from a `pkg:deb` PURL's `arch` qualifier; empty elsewhere.
    pub qualifier: String,
}

/// A resolved dependency inside an input: indices into [`Inventory::packages`].
#[derive(Debug, Clone)]
pub struct Dependency {
    /// The dependent.
    pub from: usize,
    /// The dependency.
    pub to: usize,
    /// The dependent's requirement as written, if the format records it.
    pub requirement: Option<String>,
}

/// A parsed lockfile or SBOM.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// The input's name.
    pub source: String,
    /// Package versions.
    pub packages: Vec<Package>,
    /// Dependencies between them.
    pub dependencies: Vec<Dependency>,
}

/// A parsed input of any format.
#[derive(Debug, Clone)]
pub enum Input {
    /// A lockfile or SBOM.
    Inventory(Inventory),
    /// A Debian `Packages` index (resolved when the graph is built).
    Debian(DebIndex),
}

impl Input {
    /// Number of package versions in the input.
    pub fn package_count(&self) -> usize {
        match self {
            Input::Inventory(i) => i.packages.len(),
            Input::Debian(d) => d.len(),
        }
    }
}

/// Parses `bytes` in `format`; `source` names the input in errors and in the
/// graph (a path, or an uploaded document's name).
pub fn parse(format: Format, source: &str, bytes: &[u8]) -> Result<Input, IngestError> {
    if format == Format::DebianPackages {
        return crate::debian::parse_packages(source, bytes).map(Input::Debian);
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
        err(source, Location::Line(line), "not UTF-8")
    })?;
    let inv = match format {
        Format::CargoLock => crate::lockfiles::cargo_lock(source, text)?,
        Format::NpmLock => crate::lockfiles::npm_lock(source, text)?,
        Format::PoetryLock => crate::lockfiles::poetry_lock(source, text)?,
        Format::UvLock => crate::lockfiles::uv_lock(source, text)?,
        Format::Requirements => crate::lockfiles::requirements_txt(source, text)?,
        Format::CycloneDx => crate::sbom::cyclonedx(source, text)?,
        Format::Spdx => crate::sbom::spdx(source, text)?,
        Format::DebianPackages => unreachable!("handled above"),
    };
    Ok(Input::Inventory(inv))
}

/// Parses `bytes`, detecting the format from `source` and the content.
pub fn parse_detect(source: &str, bytes: &[u8]) -> Result<Input, IngestError> {
    let format = Format::detect(source, bytes).ok_or_else(|| {
        err(
            source,
            Location::Whole,
            "unknown input format (expected Cargo.lock, package-lock.json, poetry.lock, uv.lock, requirements.txt, CycloneDX or SPDX JSON, or a Debian Packages index)",
        )
    })?;
    parse(format, source, bytes)
}

/// Reads and parses a file.
pub fn read(path: &Path, format: Option<Format>) -> Result<Input, IngestError> {
    let name = path.display().to_string();
    let mut bytes = std::fs::read(path).map_err(|e| err(&name, Location::Whole, e.to_string()))?;
    // apt keeps its lists LZ4-compressed (`/var/lib/apt/lists/*_Packages.lz4`).
    let detect_name = match name.strip_suffix(".lz4") {
        Some(inner) => {
            let mut out = Vec::with_capacity(bytes.len() * 3);
            std::io::Read::read_to_end(&mut lz4_flex::frame::FrameDecoder::new(bytes.as_slice()), &mut out)
                .map_err(|e| err(&name, Location::Whole, format!("not a valid LZ4 frame: {e}")))?;
            bytes = out;
            inner.to_string()
        }
        None => name.clone(),
    };
    let format = format.or_else(|| Format::detect(&detect_name, &bytes));
    if format == Some(Format::DebianPackages) {
        return crate::debian::parse_packages_owned(&name, bytes).map(Input::Debian);
    }
    match format {
        Some(f) => parse(f, &name, &bytes),
        None => parse_detect(&name, &bytes),
    }
}

pub(crate) fn err(file: &str, location: Location, message: impl Into<String>) -> IngestError {
    IngestError {
        file: file.to_string(),
        location,
        message: message.into(),
    }
}

/// Maps a serde_json error (with its path) to an [`IngestError`].
pub(crate) fn json_err(file: &str, e: serde_path_to_error::Error<serde_json::Error>) -> IngestError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    if inner.is_syntax() || inner.is_eof() || path == "." {
        err(file, Location::Line(inner.line()), inner.to_string())
    } else {
        err(file, Location::JsonPath(path), inner.to_string())
    }
}

/// Parses JSON into `T`, errors carrying the line (syntax) or the JSON path.
pub(crate) fn from_json<'de, T: Deserialize<'de>>(file: &str, text: &'de str) -> Result<T, IngestError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| json_err(file, e))
}

/// Parses TOML into `T`, errors carrying the line.
pub(crate) fn from_toml<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, IngestError> {
    toml::from_str(text).map_err(|e| {
        let loc = match e.span() {
            Some(s) => Location::Line(line_of(text, s.start)),
            None => Location::Whole,
        };
        err(file, loc, e.message().to_string())
    })
}

/// The 1-based line of byte offset `at`.
pub(crate) fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Adds a parsed input to `builder`.
pub fn add(builder: &mut GraphBuilder, input: Input) {
    match input {
        Input::Debian(index) => builder.debian.push(index),
        Input::Inventory(inv) => add_inventory(builder, &inv),
    }
}

fn add_inventory(builder: &mut GraphBuilder, inv: &Inventory) {
    let src = builder.source(&inv.source);
    let ids: Vec<NodeId> = inv
        .packages
        .iter()
        .map(|p| builder.node(&p.ecosystem, &p.name, &p.version, &p.qualifier, src))
        .collect();
    let mut labels: HashMap<(usize, &str), u32> = HashMap::new();
    for d in &inv.dependencies {
        let label = match &d.requirement {
            None => NO_LABEL,
            Some(text) => {
                let to = &inv.packages[d.to];
                *labels.entry((d.to, text.as_str())).or_insert_with(|| {
                    let req = Requirement::parse(&to.ecosystem, text).ok();
                    builder.label(&format!("{} {}", to.name, text), req)
                })
            }
        };
        if d.from != d.to {
            builder.edge(ids[d.from], ids[d.to], label);
        }
    }
}

/// Parses uploaded documents (name, bytes), detecting each one's format, and
/// builds one graph. The name is kept as each package version's source, so a
/// caller that names documents after projects gets projects back in
/// [`crate::impact::Hit::sources`]. The first malformed document fails the call.
pub fn graph_from_documents<'a>(
    documents: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Result<crate::graph::Graph, IngestError> {
    let inputs = documents
        .into_iter()
        .map(|(name, bytes)| parse_detect(name, bytes))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(build(inputs))
}

/// Builds one graph from several parsed inputs.
pub fn build(inputs: Vec<Input>) -> crate::graph::Graph {
    let mut b = GraphBuilder::new();
    for i in inputs {
        add(&mut b, i);
    }
    b.build()
}
