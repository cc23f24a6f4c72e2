//! OSV 1.7: reading OSV records (JSON or YAML) into the model, and writing them out.
//!
//! The wire types below follow `../shared/data/schemas/osv.schema.json`. Unknown
//! fields are accepted (OSV producers add `database_specific` freely); fields with the
//! wrong shape are errors that name their JSON path.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::model::{
    Affected, Credit, Event, Package, Range, RangeKind, Reference, Severity, SeverityKind, Vulnerability,
};
use crate::ImportError;

/// The OSV schema version the export claims.
pub const SCHEMA_VERSION: &str = "1.7.0";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OsvRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    pub id: String,
    pub modified: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<Timestamp>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub upstream: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<OsvSeverity>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub affected: Vec<OsvAffected>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<OsvReference>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub credits: Vec<OsvCredit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Map<String, Value>>,
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OsvSeverity {
    #[serde(rename = "type")]
    pub kind: String,
    pub score: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OsvPackage {
    pub ecosystem: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OsvAffected {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<OsvPackage>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<OsvSeverity>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<OsvRange>,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem_specific: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OsvRange {
    #[serde(rename = "type")]
    pub kind: RangeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    pub events: Vec<Event>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OsvReference {
    #[serde(rename = "type")]
    pub kind: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OsvCredit {
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub contact: Vec<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

fn path_error<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> ImportError {
    let path = e.path().to_string();
    ImportError::Field {
        // serde_path_to_error writes the document root as `.`.
        path: if path == "." { "record".to_owned() } else { path },
        message: e.inner().to_string(),
    }
}

/// Reads one OSV record from JSON.
pub fn from_json(text: &str) -> Result<Vulnerability, ImportError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let record: OsvRecord = serde_path_to_error::deserialize(&mut de).map_err(path_error)?;
    into_model(record)
}

/// Reads one OSV record from YAML (as the PyPA advisory database writes them).
pub fn from_yaml(text: &str) -> Result<Vulnerability, ImportError> {
    let de = serde_yaml::Deserializer::from_str(text);
    let record: OsvRecord = serde_path_to_error::deserialize(de).map_err(path_error)?;
    into_model(record)
}

fn severity_kind(kind: &str) -> SeverityKind {
    match kind {
        "CVSS_V2" => SeverityKind::CvssV2,
        "CVSS_V3" => SeverityKind::CvssV3,
        "CVSS_V4" => SeverityKind::CvssV4,
        other => SeverityKind::Other(other.to_owned()),
    }
}

fn severity_type(kind: &SeverityKind) -> &str {
    match kind {
        SeverityKind::CvssV2 => "CVSS_V2",
        SeverityKind::CvssV3 => "CVSS_V3",
        SeverityKind::CvssV4 => "CVSS_V4",
        SeverityKind::Other(name) => name,
    }
}

/// Converts a parsed OSV record into the model. CWE ids come from
/// `database_specific.cwe_ids` (the GitHub advisory database's convention), when valid.
pub fn into_model(record: OsvRecord) -> Result<Vulnerability, ImportError> {
    if record.id.trim().is_empty() {
        return Err(ImportError::Field {
            path: "id".to_owned(),
            message: "empty id".to_owned(),
        });
    }
    let mut severity: Vec<Severity> = record
        .severity
        .iter()
        .map(|s| Severity {
            kind: severity_kind(&s.kind),
            vector: s.score.clone(),
        })
        .collect();
    let mut affected = Vec::with_capacity(record.affected.len());
    for (i, a) in record.affected.into_iter().enumerate() {
        let Some(package) = a.package else {
            // OSV allows affected entries without a package (GIT ranges only); the model
            // is per package, so those carry nothing it can hold.
            continue;
        };
        for s in &a.severity {
            let s = Severity {
                kind: severity_kind(&s.kind),
                vector: s.score.clone(),
            };
            if !severity.contains(&s) {
                severity.push(s);
            }
        }
        for (j, r) in a.ranges.iter().enumerate() {
            if r.kind == RangeKind::Git && r.repo.is_none() {
                return Err(ImportError::Field {
                    path: format!("affected[{i}].ranges[{j}].repo"),
                    message: "a GIT range needs its repo".to_owned(),
                });
            }
        }
        let functions = a
            .ecosystem_specific
            .as_ref()
            .and_then(|e| e.pointer("/affects/functions"))
            .and_then(Value::as_array)
            .map(|f| f.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        affected.push(Affected {
            package: Package {
                ecosystem: package.ecosystem,
                name: package.name,
                purl: package.purl,
            },
            ranges: a
                .ranges
                .into_iter()
                .map(|r| Range {
                    kind: r.kind,
                    repo: r.repo,
                    events: r.events,
                })
                .collect(),
            versions: a.versions,
            functions,
        });
    }
    let cwes = record
        .database_specific
        .as_ref()
        .and_then(|d| d.get("cwe_ids"))
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(|v| v.as_str()?.parse().ok()).collect())
        .unwrap_or_default();
    let mut aliases: Vec<String> = Vec::new();
    for alias in record.aliases {
        if alias != record.id && !aliases.contains(&alias) {
            aliases.push(alias);
        }
    }
    Ok(Vulnerability {
        id: record.id,
        aliases,
        related: record.related,
        summary: record.summary,
        details: record.details,
        severity,
        cwes,
        affected,
        references: record
            .references
            .into_iter()
            .map(|r| Reference {
                kind: r.kind,
                url: r.url,
            })
            .collect(),
        credits: record
            .credits
            .into_iter()
            .map(|c| Credit {
                name: c.name,
                contact: c.contact,
                kind: c.kind,
            })
            .collect(),
        statements: Vec::new(),
        published: record.published,
        modified: record.modified,
        withdrawn: record.withdrawn,
    })
}

/// Id prefixes registered with OSV (the schema's `id` pattern, OSV 1.7).
const REGISTERED_PREFIXES: &[&str] = &[
    "ASB-A",
    "PUB-A",
    "ALPINE",
    "ALSA",
    "ALBA",
    "ALEA",
    "AZL",
    "BELL",
    "BIT",
    "CGA",
    "CLEANSTART",
    "CLSA",
    "CURL",
    "CVE",
    "DEBIAN",
    "DHI",
    "DRUPAL",
    "DSA",
    "DLA",
    "ELA",
    "DTSA",
    "ECHO",
    "EEF",
    "FreeBSD",
    "GHSA",
    "GO",
    "GSD",
    "HSEC",
    "JLSEC",
    "KUBE",
    "LBSEC",
    "LSN",
    "MAL",
    "MINI",
    "MGASA",
    "OESA",
    "OSEC",
    "OSV",
    "openSUSE-SU",
    "PHSA",
    "PSF",
    "PYSEC",
    "RHBA",
    "RHEA",
    "RHSA",
    "RLSA",
    "RXSA",
    "RSEC",
    "ROOT",
    "RUSTSEC",
    "SUSE-SU",
    "SUSE-RU",
    "SUSE-FU",
    "SUSE-OU",
    "UBUNTU",
    "USN",
    "V8",
];

/// The id as OSV may carry it: ids of a database registered with OSV as they are,
/// others (Lockstep's own, until its prefix is registered) under the schema's private
/// `x_` prefix.
pub fn osv_id(id: &str) -> String {
    let registered = REGISTERED_PREFIXES
        .iter()
        .any(|p| id.strip_prefix(p).is_some_and(|rest| rest.starts_with('-')));
    if registered || id.starts_with("x_") {
        id.to_owned()
    } else {
        format!("x_{id}")
    }
}

/// The OSV record of a vulnerability.
pub fn record(v: &Vulnerability) -> OsvRecord {
    let mut database_specific = Map::new();
    if !v.cwes.is_empty() {
        database_specific.insert(
            "cwe_ids".to_owned(),
            Value::from(v.cwes.iter().map(ToString::to_string).collect::<Vec<_>>()),
        );
    }
    OsvRecord {
        schema_version: Some(SCHEMA_VERSION.to_owned()),
        id: osv_id(&v.id),
        modified: v.modified,
        published: v.published,
        withdrawn: v.withdrawn,
        aliases: v.aliases.clone(),
        related: v.related.clone(),
        upstream: Vec::new(),
        summary: v.summary.clone(),
        details: v.details.clone(),
        severity: v
            .severity
            .iter()
            .map(|s| OsvSeverity {
                kind: severity_type(&s.kind).to_owned(),
                score: s.vector.clone(),
            })
            .collect(),
        affected: v
            .affected
            .iter()
            .map(|a| OsvAffected {
                package: Some(OsvPackage {
                    ecosystem: a.package.ecosystem.clone(),
                    name: a.package.name.clone(),
                    purl: a.package.purl.clone(),
                }),
                severity: Vec::new(),
                ranges: a
                    .ranges
                    .iter()
                    .map(|r| OsvRange {
                        kind: r.kind,
                        repo: r.repo.clone(),
                        events: r.events.clone(),
                        database_specific: None,
                    })
                    .collect(),
                versions: a.versions.clone(),
                ecosystem_specific: (!a.functions.is_empty())
                    .then(|| serde_json::json!({ "affects": { "functions": a.functions } })),
                database_specific: None,
            })
            .collect(),
        references: v
            .references
            .iter()
            .map(|r| OsvReference {
                kind: r.kind.clone(),
                url: r.url.clone(),
            })
            .collect(),
        credits: v
            .credits
            .iter()
            .map(|c| OsvCredit {
                name: c.name.clone(),
                contact: c.contact.clone(),
                kind: c.kind.clone(),
            })
            .collect(),
        database_specific: (!database_specific.is_empty()).then_some(database_specific),
    }
}

/// The OSV JSON document of a vulnerability.
pub fn to_json(v: &Vulnerability) -> Value {
    serde_json::to_value(record(v)).unwrap_or(Value::Null)
}
