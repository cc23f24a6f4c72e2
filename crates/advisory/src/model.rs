//! The format-neutral advisory model: what Lockstep knows about a vulnerability and an
//! advisory, independent of OSV, CSAF, OpenVEX, CycloneDX or CVE 5. Imports fill it,
//! exports read it, and the server fills it from its database.

use jiff::Timestamp;
use lockstep_core::{Justification, Tlp, VexStatus};
use serde::{Deserialize, Serialize};

use crate::cvss::{CvssError, Vector};
use crate::cwe::CweId;

/// A published or draft advisory: one document about one or more vulnerabilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// The document's own id (for example `LOCKSTEP-2026-0001`, or the vulnerability's
    /// id when an advisory is made from one imported record).
    pub id: String,
    pub title: String,
    pub publisher: Publisher,
    pub tlp: Tlp,
    /// The layered text: a summary for decision makers, details for engineers,
    /// remediation and mitigations for administrators.
    #[serde(default)]
    pub sections: Sections,
    /// Oldest first; the last one is the current revision.
    pub revisions: Vec<Revision>,
    pub vulnerabilities: Vec<Vulnerability>,
}

/// Who publishes the advisory. CSAF requires a namespace URL; OpenVEX uses it for `@id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publisher {
    pub name: String,
    /// A URL that names the publisher, for example `https://lockstep.example`.
    pub namespace: String,
    pub contact: Option<String>,
    /// The CVE Program org id (a UUID) when the publisher is a CNA; CVE 5 records need one.
    pub cna_org_id: Option<String>,
}

impl Default for Publisher {
    fn default() -> Self {
        Self {
            name: "Lockstep".to_owned(),
            namespace: "https://lockstep.invalid".to_owned(),
            contact: None,
            cna_org_id: None,
        }
    }
}

/// The layers of an advisory's text, each for its reader. Empty layers are left out
/// of exports and notices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sections {
    /// For decision makers: what is affected, how bad it is, what to do.
    pub summary: Option<String>,
    /// For engineers: how the flaw works and where it is.
    pub details: Option<String>,
    /// For administrators: the steps that remove the flaw (upgrade to ...).
    pub remediation: Option<String>,
    /// For administrators: what reduces the risk until the fix is applied.
    pub mitigation: Option<String>,
}

/// One entry of an advisory's changelog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    /// A version number such as `1` or `1.2.0`.
    pub number: String,
    pub date: Timestamp,
    pub summary: String,
}

impl Advisory {
    /// An advisory about one vulnerability, as the offline converter makes them: the
    /// title is its summary, its dates give the first and the current revision.
    pub fn from_vulnerability(vulnerability: Vulnerability, publisher: Publisher, tlp: Tlp) -> Self {
        let published = vulnerability.published.unwrap_or(vulnerability.modified);
        let mut revisions = vec![Revision {
            number: "1".to_owned(),
            date: published,
            summary: "Initial release.".to_owned(),
        }];
        if vulnerability.modified > published {
            revisions.push(Revision {
                number: "2".to_owned(),
                date: vulnerability.modified,
                summary: "Updated.".to_owned(),
            });
        }
        Self {
            id: vulnerability.id.clone(),
            title: vulnerability.title(),
            publisher,
            tlp,
            sections: Sections::default(),
            revisions,
            vulnerabilities: vec![vulnerability],
        }
    }

    /// When the first revision was released.
    pub fn initial_date(&self) -> Option<Timestamp> {
        self.revisions.first().map(|r| r.date)
    }

    /// When the current revision was released.
    pub fn current_date(&self) -> Option<Timestamp> {
        self.revisions.last().map(|r| r.date)
    }
}

/// One flaw, under its primary id and its aliases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vulnerability {
    pub id: String,
    /// Other ids of the same flaw (CVE, GHSA, RUSTSEC, PYSEC, ...), without `id`.
    pub aliases: Vec<String>,
    /// Ids of different but related flaws.
    pub related: Vec<String>,
    pub summary: Option<String>,
    pub details: Option<String>,
    pub severity: Vec<Severity>,
    pub cwes: Vec<CweId>,
    pub affected: Vec<Affected>,
    pub references: Vec<Reference>,
    pub credits: Vec<Credit>,
    /// What each product says about this vulnerability (VEX). When empty, exports derive
    /// statements from `affected` (see [`Vulnerability::vex_statements`]).
    pub statements: Vec<Statement>,
    pub published: Option<Timestamp>,
    pub modified: Timestamp,
    pub withdrawn: Option<Timestamp>,
}

impl Vulnerability {
    /// An empty record with this id, modified at `modified`.
    pub fn new(id: impl Into<String>, modified: Timestamp) -> Self {
        Self {
            id: id.into(),
            aliases: Vec::new(),
            related: Vec::new(),
            summary: None,
            details: None,
            severity: Vec::new(),
            cwes: Vec::new(),
            affected: Vec::new(),
            references: Vec::new(),
            credits: Vec::new(),
            statements: Vec::new(),
            published: None,
            modified,
            withdrawn: None,
        }
    }

    /// The CVE id, if the record or one of its aliases is one.
    pub fn cve_id(&self) -> Option<&str> {
        std::iter::once(&self.id)
            .chain(&self.aliases)
            .map(String::as_str)
            .find(|id| id.starts_with("CVE-"))
    }

    /// Every id of the flaw, primary first.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }

    /// A one-line title: the summary, else the first line of the details, else the id.
    pub fn title(&self) -> String {
        self.summary
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| {
                self.details
                    .as_deref()
                    .and_then(|d| d.lines().find(|l| !l.trim().is_empty()))
            })
            .map_or_else(|| self.id.clone(), |s| s.trim().to_owned())
    }

    /// The CVSS vectors that parse, best version first (4.0, 3.1, 3.0, 2.0).
    pub fn cvss(&self) -> Vec<Vector> {
        let mut vectors: Vec<Vector> = self.severity.iter().filter_map(|s| s.cvss()?.ok()).collect();
        vectors.sort_by_key(|v| std::cmp::Reverse(v.version() as u8));
        vectors
    }

    /// The VEX statements: the explicit ones, or else, per affected package, `affected`
    /// for the package and `fixed` for each version that fixes it.
    pub fn vex_statements(&self) -> Vec<Statement> {
        if !self.statements.is_empty() {
            return self.statements.clone();
        }
        let mut out = Vec::new();
        for affected in &self.affected {
            let product = affected.package.purl_or_name();
            out.push(Statement {
                product: product.clone(),
                version: None,
                status: VexStatus::Affected,
                justification: None,
                impact_statement: None,
                action_statement: Some(match affected.fixed_versions().as_slice() {
                    [] => "No fixed version is known; remove the package or mitigate.".to_owned(),
                    fixed => format!("Upgrade to {}.", fixed.join(" or ")),
                }),
            });
            for fixed in affected.fixed_versions() {
                out.push(Statement {
                    product: product.clone(),
                    version: Some(fixed.to_owned()),
                    status: VexStatus::Fixed,
                    justification: None,
                    impact_statement: None,
                    action_statement: None,
                });
            }
        }
        out
    }
}

/// A severity vector as given; parse it with [`Severity::cvss`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Severity {
    pub kind: SeverityKind,
    pub vector: String,
}

/// The scoring system of a [`Severity`] (OSV's `severity[].type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SeverityKind {
    CvssV2,
    CvssV3,
    CvssV4,
    /// Another system (OSV knows `Ubuntu`); kept as its name.
    Other(String),
}

impl Severity {
    /// The parsed CVSS vector, or `None` when the kind is not CVSS.
    pub fn cvss(&self) -> Option<Result<Vector, CvssError>> {
        match self.kind {
            SeverityKind::Other(_) => None,
            _ => Some(Vector::parse(&self.vector)),
        }
    }

    /// A CVSS severity of the vector's own version.
    pub fn from_vector(vector: &Vector) -> Self {
        use crate::cvss::CvssVersion::*;
        let kind = match vector.version() {
            V2 => SeverityKind::CvssV2,
            V3_0 | V3_1 => SeverityKind::CvssV3,
            V4_0 => SeverityKind::CvssV4,
        };
        Self {
            kind,
            vector: vector.as_str().to_owned(),
        }
    }
}

/// A package in an ecosystem, with its PURL when known.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Package {
    /// The OSV ecosystem name: `crates.io`, `PyPI`, `npm`, `Debian:12`, ...
    pub ecosystem: String,
    pub name: String,
    pub purl: Option<String>,
}

impl Package {
    /// The PURL, or `ecosystem/name` when there is none.
    pub fn purl_or_name(&self) -> String {
        self.purl
            .clone()
            .unwrap_or_else(|| format!("{}/{}", self.ecosystem, self.name))
    }
}

/// A package's affected versions, as OSV ranges and/or enumerated versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    pub package: Package,
    pub ranges: Vec<Range>,
    pub versions: Vec<String>,
    /// Affected functions or symbols (RustSec's `affected.functions`), when known.
    pub functions: Vec<String>,
}

impl Affected {
    /// The versions that fix the flaw: every `fixed` event of a SEMVER or ECOSYSTEM range.
    pub fn fixed_versions(&self) -> Vec<&str> {
        self.ranges
            .iter()
            .filter(|r| r.kind != RangeKind::Git)
            .flat_map(|r| &r.events)
            .filter_map(|e| match e {
                Event::Fixed(v) => Some(v.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// An OSV range: events on one ordering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    pub kind: RangeKind,
    /// The repository, for `Git` ranges.
    pub repo: Option<String>,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RangeKind {
    Semver,
    Ecosystem,
    Git,
}

/// An OSV range event. Written as OSV writes it (`{"fixed": "1.2.3"}`); read through
/// [`RawEvent`] because YAML readers map externally tagged enums to YAML tags.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", try_from = "RawEvent")]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

/// An OSV event object as read: exactly one of its keys must be set.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    introduced: Option<Scalar>,
    fixed: Option<Scalar>,
    last_affected: Option<Scalar>,
    limit: Option<Scalar>,
}

/// A version as YAML may type it: unquoted `0` is a number there.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Integer(i64),
}

impl Scalar {
    fn into_string(self) -> String {
        match self {
            Self::Text(s) => s,
            Self::Integer(i) => i.to_string(),
        }
    }
}

impl TryFrom<RawEvent> for Event {
    type Error = String;

    fn try_from(raw: RawEvent) -> Result<Self, Self::Error> {
        match (raw.introduced, raw.fixed, raw.last_affected, raw.limit) {
            (Some(v), None, None, None) => Ok(Self::Introduced(v.into_string())),
            (None, Some(v), None, None) => Ok(Self::Fixed(v.into_string())),
            (None, None, Some(v), None) => Ok(Self::LastAffected(v.into_string())),
            (None, None, None, Some(v)) => Ok(Self::Limit(v.into_string())),
            _ => Err("an event has exactly one of introduced, fixed, last_affected, limit".to_owned()),
        }
    }
}

/// A link, typed with OSV's reference types (`ADVISORY`, `FIX`, `REPORT`, `WEB`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub kind: String,
    pub url: String,
}

/// Someone credited for the finding or the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    pub name: String,
    pub contact: Vec<String>,
    /// OSV's credit type: `FINDER`, `REPORTER`, `REMEDIATION_DEVELOPER`, ...
    pub kind: Option<String>,
}

/// What one product (a PURL, optionally at a version) says about the vulnerability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// A PURL, without version.
    pub product: String,
    /// The version the statement is about; `None` means every version.
    pub version: Option<String>,
    pub status: VexStatus,
    pub justification: Option<Justification>,
    pub impact_statement: Option<String>,
    pub action_statement: Option<String>,
}

impl Statement {
    /// The product with its version, as a PURL (`pkg:cargo/foo@1.2.3`).
    pub fn product_id(&self) -> String {
        match &self.version {
            Some(v) if !self.product.contains('@') => format!("{}@{}", self.product, v),
            _ => self.product.clone(),
        }
    }
}
