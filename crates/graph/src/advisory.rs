//! Advisories read from a directory (RustSec Markdown, OSV JSON, OSV YAML) and
//! matched against ingested packages, as `cargo audit` and `osv-scanner` do.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ingest::{IngestError, Location};
use crate::osv::{Affected, Event, Range, RangeError, RangeKind};
use crate::version::{Ecosystem, Version};

/// An OSV record, as much of it as scanning needs.
#[derive(Debug, Clone, Deserialize)]
pub struct OsvRecord {
    /// The advisory id.
    pub id: String,
    /// Other ids of the same advisory (CVE, GHSA...).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// One-line summary.
    #[serde(default)]
    pub summary: Option<String>,
    /// Longer description.
    #[serde(default)]
    pub details: Option<String>,
    /// Set when the advisory was withdrawn.
    #[serde(default)]
    pub withdrawn: Option<String>,
    /// The affected packages.
    #[serde(default)]
    pub affected: Vec<OsvAffected>,
}

/// One `affected[]` entry of an OSV record.
#[derive(Debug, Clone, Deserialize)]
pub struct OsvAffected {
    /// The package.
    #[serde(default)]
    pub package: Option<OsvPackage>,
    /// Ranges.
    #[serde(default)]
    pub ranges: Vec<OsvRange>,
    /// Explicitly affected versions.
    #[serde(default)]
    pub versions: Vec<String>,
    /// RustSec puts `informational` here.
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

/// An OSV package reference.
#[derive(Debug, Clone, Deserialize)]
pub struct OsvPackage {
    /// Ecosystem name, e.g. `crates.io`.
    pub ecosystem: String,
    /// Package name.
    pub name: String,
}

/// An OSV range as written.
#[derive(Debug, Clone, Deserialize)]
pub struct OsvRange {
    /// `SEMVER`, `ECOSYSTEM` or `GIT`.
    #[serde(rename = "type")]
    pub kind: RangeKind,
    /// Events.
    #[serde(default)]
    pub events: Vec<OsvEvent>,
}

/// An OSV event as written: exactly one field is set.
#[derive(Debug, Clone, Deserialize)]
pub struct OsvEvent {
    introduced: Option<String>,
    fixed: Option<String>,
    last_affected: Option<String>,
    limit: Option<String>,
}

impl OsvRange {
    /// Parses the range's versions under `ecosystem`; `path` locates it in errors.
    pub fn compile(self, ecosystem: &Ecosystem, path: &str) -> Result<Range, RangeError> {
        let events = self
            .events
            .into_iter()
            .filter_map(|e| {
                e.introduced
                    .map(Event::Introduced)
                    .or(e.fixed.map(Event::Fixed))
                    .or(e.last_affected.map(Event::LastAffected))
                    .or(e.limit.map(Event::Limit))
            })
            .collect();
        Range::new(ecosystem, self.kind, events, path)
    }
}

/// How an advisory decides whether a version is affected.
#[derive(Debug, Clone)]
pub enum Rule {
    /// OSV ranges and versions.
    Osv(Affected),
    /// RustSec's `[versions]`: affected unless some `patched` or `unaffected`
    /// requirement matches (Cargo's requirement semantics, as `cargo audit`).
    Rustsec {
        /// Package name.
        name: String,
        /// Requirements of fixed versions.
        patched: Vec<semver::VersionReq>,
        /// Requirements of versions never affected.
        unaffected: Vec<semver::VersionReq>,
    },
}

impl Rule {
    /// The ecosystem of the package.
    pub fn ecosystem(&self) -> &Ecosystem {
        match self {
            Rule::Osv(a) => a.ecosystem(),
            Rule::Rustsec { .. } => &Ecosystem::CratesIo,
        }
    }

    /// The package name (normalized).
    pub fn name(&self) -> &str {
        match self {
            Rule::Osv(a) => a.name(),
            Rule::Rustsec { name, .. } => name,
        }
    }

    /// Whether `version` is affected.
    pub fn affects(&self, version: &str) -> bool {
        match self {
            Rule::Osv(a) => a.affects(version),
            Rule::Rustsec {
                patched, unaffected, ..
            } => match semver::Version::parse(version) {
                Ok(v) => !patched.iter().chain(unaffected).any(|r| r.matches(&v)),
                Err(_) => false,
            },
        }
    }

    /// How to fix, as text: fixed versions or patched requirements.
    pub fn fixed_text(&self) -> Vec<String> {
        match self {
            Rule::Osv(a) => a.fixed_versions().into_iter().map(|v| v.to_string()).collect(),
            Rule::Rustsec { patched, .. } => patched.iter().map(|r| r.to_string()).collect(),
        }
    }

    /// Whether `version` is a fixed version (for verdicts): unaffected and
    /// named by the rule.
    pub fn fixed_versions(&self) -> Vec<Version> {
        match self {
            Rule::Osv(a) => a.fixed_versions().into_iter().cloned().collect(),
            Rule::Rustsec { patched, .. } => patched
                .iter()
                .filter_map(|r| {
                    r.comparators.first().and_then(|c| {
                        let v = semver::Version::new(c.major, c.minor.unwrap_or(0), c.patch.unwrap_or(0));
                        r.matches(&v).then_some(Version::Semver(v))
                    })
                })
                .collect(),
        }
    }
}

/// An advisory loaded from a file.
#[derive(Debug, Clone)]
pub struct Advisory {
    /// Its id (`RUSTSEC-2021-0001`, `PYSEC-...`, `GHSA-...`).
    pub id: String,
    /// Other ids.
    pub aliases: Vec<String>,
    /// Summary or title.
    pub summary: String,
    /// `Some` for informational advisories (`unmaintained`, `unsound`, `notice`).
    pub informational: Option<String>,
    /// Withdrawn advisories are loaded but never reported.
    pub withdrawn: bool,
    /// The affected packages.
    pub rules: Vec<Rule>,
    /// The file it came from.
    pub source: PathBuf,
}

fn ierr(path: &Path, location: Location, message: impl Into<String>) -> IngestError {
    IngestError {
        file: path.display().to_string(),
        location,
        message: message.into(),
    }
}

/// Parses an OSV record from JSON text.
pub fn parse_osv_json(path: &Path, text: &str) -> Result<Advisory, IngestError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    let record: OsvRecord = serde_path_to_error::deserialize(de).map_err(|e| {
        let inner = e.inner();
        let loc = if e.path().to_string() == "." {
            Location::Line(inner.line())
        } else {
            Location::JsonPath(e.path().to_string())
        };
        ierr(path, loc, inner.to_string())
    })?;
    from_osv(path, record)
}

/// Parses an OSV record from YAML text.
pub fn parse_osv_yaml(path: &Path, text: &str) -> Result<Advisory, IngestError> {
    let record: OsvRecord = serde_yaml::from_str(text).map_err(|e| {
        let loc = e
            .location()
            .map(|l| Location::Line(l.line()))
            .unwrap_or(Location::Whole);
        ierr(path, loc, e.to_string())
    })?;
    from_osv(path, record)
}

fn from_osv(path: &Path, record: OsvRecord) -> Result<Advisory, IngestError> {
    let mut rules = Vec::new();
    let mut informational = None;
    for (i, a) in record.affected.into_iter().enumerate() {
        if let Some(info) = a
            .database_specific
            .as_ref()
            .and_then(|d| d.get("informational"))
            .and_then(|v| v.as_str())
        {
            informational = Some(info.to_string());
        }
        let Some(pkg) = a.package else { continue };
        let eco = Ecosystem::from_osv(&pkg.ecosystem);
        let mut ranges = Vec::new();
        for (j, r) in a.ranges.into_iter().enumerate() {
            let range = r
                .compile(&eco, &format!("affected[{i}].ranges[{j}]"))
                .map_err(|e| ierr(path, Location::JsonPath(e.path.clone()), e.source.to_string()))?;
            ranges.push(range);
        }
        rules.push(Rule::Osv(Affected::new(eco, &pkg.name, ranges, a.versions)));
    }
    Ok(Advisory {
        summary: record
            .summary
            .or_else(|| record.details.map(|d| d.lines().next().unwrap_or_default().to_string()))
            .unwrap_or_default(),
        id: record.id,
        aliases: record.aliases,
        informational,
        withdrawn: record.withdrawn.is_some(),
        rules,
        source: path.to_path_buf(),
    })
}

#[derive(Deserialize)]
struct RustsecFront {
    advisory: RustsecAdvisory,
    #[serde(default)]
    versions: RustsecVersions,
}

#[derive(Deserialize)]
struct RustsecAdvisory {
    id: String,
    package: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    informational: Option<String>,
    #[serde(default)]
    withdrawn: Option<toml::Value>,
}

#[derive(Deserialize, Default)]
struct RustsecVersions {
    #[serde(default)]
    patched: Vec<String>,
    #[serde(default)]
    unaffected: Vec<String>,
}

/// Parses a RustSec advisory: TOML front matter in a ```` ```toml ```` fence,
/// then Markdown whose first heading is the title.
pub fn parse_rustsec_md(path: &Path, text: &str) -> Result<Advisory, IngestError> {
    let start = text
        .find("```toml")
        .ok_or_else(|| ierr(path, Location::Line(1), "no ```toml front matter"))?;
    let body_start = start + "```toml".len();
    let end_rel = text[body_start..]
        .find("\n```")
        .ok_or_else(|| ierr(path, Location::Whole, "unterminated ```toml front matter"))?;
    let toml_text = &text[body_start..body_start + end_rel];
    let first_line = text[..body_start].matches('\n').count() + 1;
    let front: RustsecFront = toml::from_str(toml_text).map_err(|e| {
        let line = e
            .span()
            .map(|s| first_line + toml_text[..s.start.min(toml_text.len())].matches('\n').count())
            .unwrap_or(first_line);
        ierr(path, Location::Line(line), e.message().to_string())
    })?;
    let parse_reqs = |reqs: &[String], key: &str| -> Result<Vec<semver::VersionReq>, IngestError> {
        reqs.iter()
            .enumerate()
            .map(|(i, r)| {
                semver::VersionReq::parse(r)
                    .map_err(|e| ierr(path, Location::JsonPath(format!("versions.{key}[{i}]")), e.to_string()))
            })
            .collect()
    };
    let patched = parse_reqs(&front.versions.patched, "patched")?;
    let unaffected = parse_reqs(&front.versions.unaffected, "unaffected")?;
    let rest = &text[body_start + end_rel + 4..];
    let summary = rest
        .lines()
        .find_map(|l| l.strip_prefix("# "))
        .unwrap_or_default()
        .trim()
        .to_string();
    Ok(Advisory {
        id: front.advisory.id,
        aliases: front.advisory.aliases,
        summary,
        informational: front.advisory.informational.map(|s| s.trim().to_string()),
        withdrawn: front.advisory.withdrawn.is_some(),
        rules: vec![Rule::Rustsec {
            name: front.advisory.package,
            patched,
            unaffected,
        }],
        source: path.to_path_buf(),
    })
}

/// Reads one advisory file by its extension (`.md`, `.json`, `.yaml`/`.yml`);
/// `Ok(None)` for files of other kinds.
pub fn load_file(path: &Path) -> Result<Option<Advisory>, IngestError> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
    if !matches!(ext, "md" | "json" | "yaml" | "yml") {
        return Ok(None);
    }
    let text = std::fs::read_to_string(path).map_err(|e| ierr(path, Location::Whole, e.to_string()))?;
    match ext {
        "md" => {
            if !text.contains("```toml") {
                return Ok(None); // README.md and friends
            }
            parse_rustsec_md(path, &text).map(Some)
        }
        "json" => parse_osv_json(path, &text).map(Some),
        _ => parse_osv_yaml(path, &text).map(Some),
    }
}

/// Advisories indexed by (ecosystem, package name).
#[derive(Debug, Default)]
pub struct AdvisoryDb {
    advisories: Vec<Advisory>,
    rejected: Vec<IngestError>,
    by_package: HashMap<(Ecosystem, String), Vec<(u32, u32)>>,
}

impl AdvisoryDb {
    /// Indexes `advisories`.
    pub fn new(advisories: Vec<Advisory>) -> AdvisoryDb {
        let mut by_package: HashMap<(Ecosystem, String), Vec<(u32, u32)>> = HashMap::new();
        for (i, a) in advisories.iter().enumerate() {
            for (j, r) in a.rules.iter().enumerate() {
                by_package
                    .entry((r.ecosystem().clone(), r.name().to_string()))
                    .or_default()
                    .push((i as u32, j as u32));
            }
        }
        AdvisoryDb {
            advisories,
            rejected: Vec::new(),
            by_package,
        }
    }

    /// Loads every advisory under `dir` (recursively; files of other kinds and
    /// dot-directories are skipped). Files are parsed on all cores. A malformed
    /// advisory is left out whole and listed in [`AdvisoryDb::rejected`]; only
    /// an unreadable directory is an error.
    pub fn load_dir(dir: &Path) -> Result<AdvisoryDb, IngestError> {
        let mut files = Vec::new();
        collect_files(dir, &mut files)?;
        files.sort();
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .max(1);
        let chunk = files.len().div_ceil(threads).max(1);
        type Part = (Vec<Advisory>, Vec<IngestError>);
        let results: Vec<Result<Part, IngestError>> = std::thread::scope(|s| {
            let handles: Vec<_> = files
                .chunks(chunk)
                .map(|part| {
                    s.spawn(move || {
                        let (mut ok, mut bad) = (Vec::new(), Vec::new());
                        for f in part {
                            match load_file(f) {
                                Ok(Some(a)) => ok.push(a),
                                Ok(None) => {}
                                Err(e) => bad.push(e),
                            }
                        }
                        (ok, bad)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .map_err(|_| ierr(dir, Location::Whole, "advisory loader thread panicked"))
                })
                .collect()
        });
        let (mut all, mut rejected) = (Vec::new(), Vec::new());
        for r in results {
            let (ok, bad) = r?;
            all.extend(ok);
            rejected.extend(bad);
        }
        let mut db = AdvisoryDb::new(all);
        db.rejected = rejected;
        Ok(db)
    }

    /// Advisory files left out because they are malformed.
    pub fn rejected(&self) -> &[IngestError] {
        &self.rejected
    }

    /// All advisories, withdrawn ones included.
    pub fn advisories(&self) -> &[Advisory] {
        &self.advisories
    }

    /// Advisories that apply to `version` of `name` in `ecosystem`, withdrawn
    /// ones left out, de-duplicated by alias.
    pub fn matches<'a>(&'a self, ecosystem: &Ecosystem, name: &str, version: &str) -> Vec<(&'a Advisory, &'a Rule)> {
        let key = (ecosystem.clone(), ecosystem.normalize_name(name));
        let Some(list) = self.by_package.get(&key) else {
            return Vec::new();
        };
        let mut seen: HashSet<&str> = HashSet::new();
        let mut out = Vec::new();
        for &(i, j) in list {
            let adv = &self.advisories[i as usize];
            let rule = &adv.rules[j as usize];
            if adv.withdrawn || !rule.affects(version) {
                continue;
            }
            if seen.contains(adv.id.as_str()) || adv.aliases.iter().any(|a| seen.contains(a.as_str())) {
                continue;
            }
            seen.insert(&adv.id);
            seen.extend(adv.aliases.iter().map(String::as_str));
            out.push((adv, rule));
        }
        out
    }
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), IngestError> {
    let entries = std::fs::read_dir(dir).map_err(|e| ierr(dir, Location::Whole, e.to_string()))?;
    for entry in entries {
        let entry = entry.map_err(|e| ierr(dir, Location::Whole, e.to_string()))?;
        let path = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let ft = entry
            .file_type()
            .map_err(|e| ierr(&path, Location::Whole, e.to_string()))?;
        if ft.is_dir() {
            collect_files(&path, out)?;
        } else if ft.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

/// One package version matched by one advisory.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Advisory id.
    pub id: String,
    /// Aliases.
    pub aliases: Vec<String>,
    /// Summary.
    pub summary: String,
    /// `None` for vulnerabilities; the kind of an informational advisory.
    pub informational: Option<String>,
    /// Package PURL.
    pub purl: String,
    /// Package name.
    pub package: String,
    /// Installed version.
    pub version: String,
    /// Fixed versions (OSV) or patched requirements (RustSec).
    pub fixed: Vec<String>,
    /// Inputs the package came from.
    pub sources: Vec<String>,
}

/// Matches every package version of `graph` against `db`. Findings are sorted by
/// package, version and advisory id.
pub fn scan(graph: &crate::graph::Graph, db: &AdvisoryDb) -> Vec<Finding> {
    let mut out = Vec::new();
    for node in graph.nodes() {
        let eco = graph.ecosystem(node);
        let name = graph.name(node);
        let version = graph.version(node);
        if version.is_empty() {
            continue;
        }
        for (adv, rule) in db.matches(eco, name, version) {
            out.push(Finding {
                id: adv.id.clone(),
                aliases: adv.aliases.clone(),
                summary: adv.summary.clone(),
                informational: adv.informational.clone(),
                purl: graph.purl(node),
                package: name.to_string(),
                version: version.to_string(),
                fixed: rule.fixed_text(),
                sources: graph.sources(node).iter().map(|s| s.to_string()).collect(),
            });
        }
    }
    out.sort_by(|a, b| (&a.package, &a.version, &a.id).cmp(&(&b.package, &b.version, &b.id)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustsec_front_matter_error_names_the_line() {
        let text = "```toml\n[advisory]\nid = \"RUSTSEC-0\"\npackage = 3\n```\n# T\n";
        let err = parse_rustsec_md(Path::new("x.md"), text).unwrap_err();
        assert_eq!(err.file, "x.md");
        assert!(matches!(err.location, Location::Line(2..=4)), "{err}");
    }

    #[test]
    fn osv_json_error_names_the_json_path() {
        let text = r#"{"id":"X","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"fixed":"nope"}]}]}]}"#;
        let err = parse_osv_json(Path::new("x.json"), text).unwrap_err();
        assert_eq!(
            err.location,
            Location::JsonPath("affected[0].ranges[0].events[0].fixed".into())
        );
        let err = parse_osv_json(
            Path::new("x.json"),
            r#"{"id":"X","affected":[{"ranges":[{"type":"BOGUS"}]}]}"#,
        )
        .unwrap_err();
        assert!(
            matches!(err.location, Location::JsonPath(ref p) if p.starts_with("affected[0].ranges[0]")),
            "{err}"
        );
    }
}
