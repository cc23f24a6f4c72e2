//! Exports of an [`Advisory`] to CSAF 2.0 (security advisory and VEX profiles),
//! OpenVEX 0.2, CycloneDX 1.6 VEX and CVE JSON 5.1 records; OSV is in [`crate::osv`].
//!
//! Each function returns a `serde_json::Value` that validates against the official
//! schema in `../shared/data/schemas` (checked by `tests/exports_validate.rs`). Output
//! is deterministic: timestamps come from the advisory's revisions, never the clock.

use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;
use lockstep_core::{Justification, Tlp, VexStatus};
use serde_json::{json, Map, Value};

use crate::cvss::{CvssVersion, Vector};
use crate::model::{Advisory, Event, RangeKind, Statement, Vulnerability};

/// The formats a vulnerability or an advisory can be exported to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Osv,
    CsafAdvisory,
    CsafVex,
    OpenVex,
    CycloneDx,
    Cve5,
}

impl Format {
    pub const ALL: &'static [Format] = &[
        Self::Osv,
        Self::CsafAdvisory,
        Self::CsafVex,
        Self::OpenVex,
        Self::CycloneDx,
        Self::Cve5,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Osv => "osv",
            Self::CsafAdvisory => "csaf",
            Self::CsafVex => "csaf-vex",
            Self::OpenVex => "openvex",
            Self::CycloneDx => "cyclonedx",
            Self::Cve5 => "cve5",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an export could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error("{id}: a CVE record needs a CVE id, and no id or alias is one")]
    NoCveId { id: String },
    #[error("{id}: the advisory has no vulnerability")]
    Empty { id: String },
    #[error("{id}: the advisory has no revision, so no release date")]
    NoRevision { id: String },
}

/// One export document per what the format holds: OSV and CVE 5 give one document per
/// vulnerability (CVE 5 only for those with a CVE id, and an error when none has one),
/// the others one per advisory.
pub fn export(advisory: &Advisory, format: Format) -> Result<Vec<(String, Value)>, ExportError> {
    match format {
        Format::Osv => Ok(advisory
            .vulnerabilities
            .iter()
            .map(|v| (v.id.clone(), crate::osv::to_json(v)))
            .collect()),
        Format::Cve5 => {
            // Records for the vulnerabilities that have a CVE id; an error only when none has.
            let with_cve: Vec<&Vulnerability> = advisory
                .vulnerabilities
                .iter()
                .filter(|v| v.cve_id().is_some())
                .collect();
            if with_cve.is_empty() {
                return Err(ExportError::NoCveId {
                    id: advisory.id.clone(),
                });
            }
            with_cve
                .into_iter()
                .map(|v| Ok((v.cve_id().unwrap_or(&v.id).to_owned(), cve5(advisory, v)?)))
                .collect()
        }
        Format::CsafAdvisory => Ok(vec![(
            advisory.id.clone(),
            csaf(advisory, CsafProfile::SecurityAdvisory)?,
        )]),
        Format::CsafVex => Ok(vec![(advisory.id.clone(), csaf(advisory, CsafProfile::Vex)?)]),
        Format::OpenVex => Ok(vec![(advisory.id.clone(), openvex(advisory)?)]),
        Format::CycloneDx => Ok(vec![(advisory.id.clone(), cyclonedx(advisory)?)]),
    }
}

fn dates(advisory: &Advisory) -> Result<(Timestamp, Timestamp), ExportError> {
    match (advisory.initial_date(), advisory.current_date()) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(ExportError::NoRevision {
            id: advisory.id.clone(),
        }),
    }
}

fn non_empty(advisory: &Advisory) -> Result<(), ExportError> {
    if advisory.vulnerabilities.is_empty() {
        return Err(ExportError::Empty {
            id: advisory.id.clone(),
        });
    }
    Ok(())
}

/// The schema objects FIRST defines for a CVSS vector (`cvss-v2.0.json`,
/// `cvss-v3.x.json`, and CVE 5's `cvssV4_0`).
fn cvss_json(vector: &Vector) -> Value {
    let s = vector.scores();
    let mut m = Map::new();
    m.insert("version".into(), json!(s.version.as_str()));
    m.insert("vectorString".into(), json!(vector.as_str()));
    m.insert("baseScore".into(), json!(s.base_score));
    if s.version != CvssVersion::V2 {
        m.insert("baseSeverity".into(), json!(s.base_severity.as_str()));
    }
    if matches!(s.version, CvssVersion::V3_0 | CvssVersion::V3_1) {
        if let (Some(t), Some(r)) = (s.temporal_score, s.temporal_severity) {
            m.insert("temporalScore".into(), json!(t));
            m.insert("temporalSeverity".into(), json!(r.as_str()));
        }
        if let (Some(e), Some(r)) = (s.environmental_score, s.environmental_severity) {
            m.insert("environmentalScore".into(), json!(e));
            m.insert("environmentalSeverity".into(), json!(r.as_str()));
        }
    }
    Value::Object(m)
}

fn description(v: &Vulnerability) -> String {
    v.details
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .map_or_else(|| v.title(), str::to_owned)
}

/// Products of an advisory, numbered in first-seen order, with their statements.
struct Products {
    /// product id (PURL with version) -> (CSAF product id, display name)
    ids: BTreeMap<String, (String, String)>,
    order: Vec<String>,
}

impl Products {
    fn of(advisory: &Advisory) -> Self {
        let mut products = Self {
            ids: BTreeMap::new(),
            order: Vec::new(),
        };
        for v in &advisory.vulnerabilities {
            for s in v.vex_statements() {
                let key = s.product_id();
                if !products.ids.contains_key(&key) {
                    let name = product_name(v, &s);
                    let csaf_id = format!("LOCKSTEP-PID-{}", products.order.len() + 1);
                    products.ids.insert(key.clone(), (csaf_id, name));
                    products.order.push(key);
                }
            }
        }
        products
    }

    fn csaf_id(&self, statement: &Statement) -> String {
        self.ids
            .get(&statement.product_id())
            .map_or_else(String::new, |(id, _)| id.clone())
    }
}

/// A readable product name: `openssl 0.9.0`, or `openssl < 0.9.0` for the affected range.
fn product_name(v: &Vulnerability, s: &Statement) -> String {
    let affected = v
        .affected
        .iter()
        .find(|a| a.package.purl_or_name() == s.product || a.package.purl.as_deref() == Some(&s.product));
    let name = affected.map_or_else(|| s.product.clone(), |a| a.package.name.clone());
    match (&s.version, affected) {
        (Some(version), _) => format!("{name} {version}"),
        (None, Some(a)) if s.status == VexStatus::Affected => {
            let ranges = describe_ranges(a);
            if ranges.is_empty() {
                name
            } else {
                format!("{name} {ranges}")
            }
        }
        _ => name,
    }
}

/// `>= 1.0.0, < 1.2.3; >= 2.0.0` from OSV events (`0.0.0-0`/`0` mean "from the start").
pub(crate) fn describe_ranges(a: &crate::model::Affected) -> String {
    let mut parts = Vec::new();
    for r in a.ranges.iter().filter(|r| r.kind != RangeKind::Git) {
        let mut current: Vec<String> = Vec::new();
        for e in &r.events {
            match e {
                Event::Introduced(v) => {
                    if !current.is_empty() {
                        parts.push(current.join(", "));
                    }
                    current = if v == "0" || v == "0.0.0-0" {
                        Vec::new()
                    } else {
                        vec![format!(">= {v}")]
                    };
                }
                Event::Fixed(v) => {
                    current.push(format!("< {v}"));
                    parts.push(current.join(", "));
                    current.clear();
                }
                Event::LastAffected(v) => {
                    current.push(format!("<= {v}"));
                    parts.push(current.join(", "));
                    current.clear();
                }
                Event::Limit(_) => {}
            }
        }
        if !current.is_empty() {
            parts.push(current.join(", "));
        }
    }
    parts.retain(|p| !p.is_empty());
    if parts.is_empty() && !a.ranges.is_empty() {
        return "(all versions)".to_owned();
    }
    parts.join("; ")
}

/// The CSAF profile of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsafProfile {
    /// `csaf_security_advisory` (CSAF 2.0 section 4.5).
    SecurityAdvisory,
    /// `csaf_vex` (CSAF 2.0 section 4.6).
    Vex,
}

/// CSAF 2.0 predates TLP 2.0: CLEAR is written WHITE and AMBER+STRICT as AMBER (the
/// stricter reading of AMBER+STRICT is kept in the document's distribution text).
fn csaf_tlp(tlp: Tlp) -> &'static str {
    match tlp {
        Tlp::Clear => "WHITE",
        Tlp::Green => "GREEN",
        Tlp::Amber | Tlp::AmberStrict => "AMBER",
        Tlp::Red => "RED",
    }
}

fn csaf_flag(j: Justification) -> &'static str {
    // CSAF 2.0's flag labels are the OpenVEX justifications, one for one.
    match j {
        Justification::ComponentNotPresent => "component_not_present",
        Justification::VulnerableCodeNotPresent => "vulnerable_code_not_present",
        Justification::VulnerableCodeNotInExecutePath => "vulnerable_code_not_in_execute_path",
        Justification::VulnerableCodeCannotBeControlledByAdversary => {
            "vulnerable_code_cannot_be_controlled_by_adversary"
        }
        Justification::InlineMitigationsAlreadyExist => "inline_mitigations_already_exist",
    }
}

/// A CSAF 2.0 document.
pub fn csaf(advisory: &Advisory, profile: CsafProfile) -> Result<Value, ExportError> {
    non_empty(advisory)?;
    let (initial, current) = dates(advisory)?;
    let products = Products::of(advisory);
    let full_product_names: Vec<Value> = products
        .order
        .iter()
        .filter_map(|key| products.ids.get(key).map(|p| (key, p)))
        .map(|(key, (id, name))| {
            let mut product = json!({ "name": name, "product_id": id });
            if key.starts_with("pkg:") {
                product["product_identification_helper"] = json!({ "purl": key });
            }
            product
        })
        .collect();
    let mut vulnerabilities = Vec::new();
    for v in &advisory.vulnerabilities {
        let statements = v.vex_statements();
        let mut status: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        let mut remediations = Vec::new();
        let mut flags = Vec::new();
        let mut threats = Vec::new();
        for s in &statements {
            let pid = products.csaf_id(s);
            let list = match s.status {
                VexStatus::Affected => "known_affected",
                VexStatus::NotAffected => "known_not_affected",
                VexStatus::Fixed => "fixed",
                VexStatus::UnderInvestigation => "under_investigation",
            };
            let entry = status.entry(list).or_default();
            if !entry.contains(&pid) {
                entry.push(pid.clone());
            }
            if s.status == VexStatus::Affected {
                remediations.push(json!({
                    "category": if s.action_statement.is_some() { "vendor_fix" } else { "none_available" },
                    "details": s.action_statement.clone().unwrap_or_else(|| "No remediation is known yet.".to_owned()),
                    "product_ids": [pid.clone()],
                }));
            }
            if s.status == VexStatus::NotAffected {
                if let Some(j) = s.justification {
                    flags.push(json!({ "label": csaf_flag(j), "product_ids": [pid.clone()] }));
                }
                if let Some(impact) = &s.impact_statement {
                    threats.push(json!({ "category": "impact", "details": impact, "product_ids": [pid.clone()] }));
                }
            }
        }
        let mut out = json!({
            "title": v.title(),
            "notes": [{ "category": "description", "text": description(v), "title": "Description" }],
            "product_status": status,
        });
        if let Some(cve) = v.cve_id() {
            out["cve"] = json!(cve);
        }
        let ids: Vec<Value> = v
            .ids()
            .filter(|id| !id.starts_with("CVE-"))
            .map(|id| json!({ "system_name": id.split('-').next().unwrap_or(id), "text": id }))
            .collect();
        if !ids.is_empty() {
            out["ids"] = json!(ids);
        }
        // CSAF 2.0 has one `cwe` per vulnerability; the first is the primary one.
        if let Some(cwe) = v.cwes.first() {
            out["cwe"] = json!({ "id": cwe.to_string(), "name": cwe.name() });
        }
        let affected_pids: Vec<String> = statements
            .iter()
            .filter(|s| s.status == VexStatus::Affected)
            .map(|s| products.csaf_id(s))
            .collect();
        // CSAF 2.0 scores hold CVSS v2 and v3 only; a v4.0 vector has no place here.
        let scores: Vec<Value> = v
            .cvss()
            .iter()
            .filter(|vec| vec.version() != CvssVersion::V4_0 && !affected_pids.is_empty())
            .map(|vec| {
                let key = if vec.version() == CvssVersion::V2 {
                    "cvss_v2"
                } else {
                    "cvss_v3"
                };
                json!({ key: cvss_json(vec), "products": affected_pids })
            })
            .collect();
        if !scores.is_empty() {
            out["scores"] = json!(scores);
        }
        if let Some(mitigation) = advisory.sections.mitigation.as_ref().filter(|m| !m.trim().is_empty()) {
            if !affected_pids.is_empty() {
                remediations
                    .push(json!({ "category": "mitigation", "details": mitigation, "product_ids": affected_pids }));
            }
        }
        if !remediations.is_empty() {
            out["remediations"] = json!(remediations);
        }
        if !flags.is_empty() {
            out["flags"] = json!(flags);
        }
        if !threats.is_empty() {
            out["threats"] = json!(threats);
        }
        let refs: Vec<Value> = v
            .references
            .iter()
            .map(|r| json!({ "url": r.url, "summary": r.kind, "category": "external" }))
            .collect();
        if !refs.is_empty() {
            out["references"] = json!(refs);
        }
        if let Some(published) = v.published {
            out["release_date"] = json!(published.to_string());
        }
        if !v.credits.is_empty() {
            out["acknowledgments"] = json!(v
                .credits
                .iter()
                .map(|c| json!({ "names": [c.name] }))
                .collect::<Vec<_>>());
        }
        vulnerabilities.push(out);
    }
    let category = match profile {
        CsafProfile::SecurityAdvisory => "csaf_security_advisory",
        CsafProfile::Vex => "csaf_vex",
    };
    let summary = advisory
        .vulnerabilities
        .iter()
        .map(|v| format!("{}: {}", v.id, v.title()))
        .collect::<Vec<_>>()
        .join("\n");
    let mut publisher = json!({
        "category": "coordinator",
        "name": advisory.publisher.name,
        "namespace": advisory.publisher.namespace,
    });
    if let Some(contact) = &advisory.publisher.contact {
        publisher["contact_details"] = json!(contact);
    }
    Ok(json!({
        "document": {
            "category": category,
            "csaf_version": "2.0",
            "title": advisory.title,
            "publisher": publisher,
            "distribution": {
                "text": advisory.tlp.label(),
                "tlp": { "label": csaf_tlp(advisory.tlp), "url": "https://www.first.org/tlp/" },
            },
            "notes": document_notes(advisory, summary),
            "tracking": {
                "id": advisory.id,
                "initial_release_date": initial.to_string(),
                "current_release_date": current.to_string(),
                "revision_history": advisory.revisions.iter().map(|r| json!({
                    "date": r.date.to_string(),
                    "number": r.number,
                    "summary": r.summary,
                })).collect::<Vec<_>>(),
                "status": "final",
                "version": advisory.revisions.last().map_or("1", |r| r.number.as_str()),
                "generator": { "engine": { "name": "Lockstep", "version": env!("CARGO_PKG_VERSION") } },
            },
        },
        "product_tree": { "full_product_names": full_product_names },
        "vulnerabilities": vulnerabilities,
    }))
}

/// CSAF document notes from the advisory's layers; the summary defaults to the list
/// of vulnerabilities.
fn document_notes(advisory: &Advisory, default_summary: String) -> Vec<Value> {
    let sections = &advisory.sections;
    let mut notes = vec![json!({
        "category": "summary",
        "title": "Summary",
        "text": sections.summary.clone().unwrap_or(default_summary),
    })];
    let layers = [
        ("details", "Technical details", &sections.details),
        ("general", "Remediation", &sections.remediation),
        ("general", "Mitigation", &sections.mitigation),
    ];
    for (category, title, text) in layers {
        if let Some(text) = text.as_ref().filter(|t| !t.trim().is_empty()) {
            notes.push(json!({ "category": category, "title": title, "text": text }));
        }
    }
    notes
}

/// An OpenVEX 0.2 document: one statement per product statement of each vulnerability.
pub fn openvex(advisory: &Advisory) -> Result<Value, ExportError> {
    non_empty(advisory)?;
    let (_, current) = dates(advisory)?;
    let mut statements = Vec::new();
    for v in &advisory.vulnerabilities {
        for s in v.vex_statements() {
            let mut vulnerability = json!({ "name": v.id, "description": v.title() });
            if !v.aliases.is_empty() {
                vulnerability["aliases"] = json!(v.aliases);
            }
            let mut st = json!({
                "vulnerability": vulnerability,
                "products": [{ "@id": s.product_id(), "identifiers": { "purl": s.product_id() } }],
                "status": s.status.as_str(),
                "timestamp": v.modified.to_string(),
            });
            if !s.product_id().starts_with("pkg:") {
                st["products"] = json!([{ "@id": s.product_id() }]);
            }
            if let Some(j) = s.justification {
                st["justification"] = json!(j.as_str());
            }
            if let Some(i) = &s.impact_statement {
                st["impact_statement"] = json!(i);
            } else if s.status == VexStatus::NotAffected && s.justification.is_none() {
                st["impact_statement"] = json!("Not affected.");
            }
            if let Some(a) = &s.action_statement {
                st["action_statement"] = json!(a);
            }
            statements.push(st);
        }
    }
    let namespace = advisory.publisher.namespace.trim_end_matches('/');
    Ok(json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": format!("{namespace}/vex/{}", advisory.id),
        "author": advisory.publisher.name,
        "role": "Coordinator",
        "timestamp": current.to_string(),
        "version": advisory.revisions.len().max(1),
        "tooling": format!("Lockstep {}", env!("CARGO_PKG_VERSION")),
        "statements": statements,
    }))
}

fn cyclonedx_method(version: CvssVersion) -> &'static str {
    match version {
        CvssVersion::V2 => "CVSSv2",
        CvssVersion::V3_0 => "CVSSv3",
        CvssVersion::V3_1 => "CVSSv31",
        CvssVersion::V4_0 => "CVSSv4",
    }
}

fn cyclonedx_justification(j: Justification) -> &'static str {
    match j {
        Justification::ComponentNotPresent | Justification::VulnerableCodeNotPresent => "code_not_present",
        Justification::VulnerableCodeNotInExecutePath => "code_not_reachable",
        Justification::VulnerableCodeCannotBeControlledByAdversary => "requires_environment",
        Justification::InlineMitigationsAlreadyExist => "protected_by_mitigating_control",
    }
}

/// A CycloneDX 1.6 VEX BOM: the products as components, one vulnerability entry per
/// (vulnerability, product statement), since CycloneDX holds one analysis per entry.
pub fn cyclonedx(advisory: &Advisory) -> Result<Value, ExportError> {
    non_empty(advisory)?;
    let (_, current) = dates(advisory)?;
    let products = Products::of(advisory);
    let components: Vec<Value> = products
        .order
        .iter()
        .filter_map(|key| products.ids.get(key).map(|p| (key, p)))
        .map(|(key, (id, name))| {
            let mut c = json!({ "type": "library", "bom-ref": id, "name": name });
            if key.starts_with("pkg:") {
                c["purl"] = json!(key);
            }
            c
        })
        .collect();
    let mut vulnerabilities = Vec::new();
    for v in &advisory.vulnerabilities {
        let ratings: Vec<Value> = v
            .cvss()
            .iter()
            .map(|vec| {
                let s = vec.scores();
                json!({
                    "method": cyclonedx_method(s.version),
                    "vector": vec.as_str(),
                    "score": s.base_score,
                    "severity": s.base_severity.as_str().to_ascii_lowercase(),
                })
            })
            .collect();
        for s in v.vex_statements() {
            let (state, response) = match s.status {
                VexStatus::Affected => ("exploitable", Some("update")),
                VexStatus::NotAffected => ("not_affected", None),
                VexStatus::Fixed => ("resolved", None),
                VexStatus::UnderInvestigation => ("in_triage", None),
            };
            let mut analysis = json!({ "state": state });
            if let Some(r) = response {
                analysis["response"] = json!([r]);
            }
            if let Some(j) = s.justification {
                analysis["justification"] = json!(cyclonedx_justification(j));
            }
            if let Some(d) = s.impact_statement.as_ref().or(s.action_statement.as_ref()) {
                analysis["detail"] = json!(d);
            }
            let mut affects = json!({ "ref": products.csaf_id(&s) });
            if s.status == VexStatus::Affected && s.version.is_none() {
                let range = v
                    .affected
                    .iter()
                    .find(|a| a.package.purl_or_name() == s.product)
                    .and_then(vers_range);
                if let Some(range) = range {
                    affects["versions"] = json!([{ "range": range, "status": "affected" }]);
                }
            }
            let mut entry = json!({
                "id": v.id,
                "description": v.title(),
                "detail": description(v),
                "affects": [affects],
                "analysis": analysis,
                "updated": v.modified.to_string(),
            });
            if let Some(p) = v.published {
                entry["published"] = json!(p.to_string());
            }
            if !ratings.is_empty() {
                entry["ratings"] = json!(ratings);
            }
            if !v.cwes.is_empty() {
                entry["cwes"] = json!(v.cwes.iter().map(|c| c.number()).collect::<Vec<_>>());
            }
            if !v.aliases.is_empty() {
                entry["references"] = json!(v
                    .aliases
                    .iter()
                    .map(|a| json!({ "id": a, "source": { "name": alias_source(a) } }))
                    .collect::<Vec<_>>());
            }
            if !v.references.is_empty() {
                entry["advisories"] = json!(v.references.iter().map(|r| json!({ "url": r.url })).collect::<Vec<_>>());
            }
            vulnerabilities.push(entry);
        }
    }
    Ok(json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": advisory.revisions.len().max(1),
        "metadata": {
            "timestamp": current.to_string(),
            "tools": { "components": [{ "type": "application", "name": "Lockstep", "version": env!("CARGO_PKG_VERSION") }] },
            // CycloneDX 1.6 has no TLP field; the label travels as a property.
            "properties": [{ "name": "lockstep:tlp", "value": advisory.tlp.label() }],
        },
        "components": components,
        "vulnerabilities": vulnerabilities,
    }))
}

/// The affected versions as a `vers` range (the PURL project's version range
/// specifier, which CycloneDX uses), e.g. `vers:cargo/>=1.0.0|<1.4.2`; `None` for
/// ecosystems without a `vers` scheme and for GIT ranges.
fn vers_range(a: &crate::model::Affected) -> Option<String> {
    let scheme = match a.package.ecosystem.as_str() {
        "crates.io" => "cargo",
        "PyPI" => "pypi",
        "npm" => "npm",
        "Go" => "golang",
        "Maven" => "maven",
        "RubyGems" => "gem",
        "NuGet" => "nuget",
        "Packagist" => "composer",
        e if e.starts_with("Debian") => "deb",
        _ => return None,
    };
    let mut constraints = Vec::new();
    let mut open = false;
    for r in a.ranges.iter().filter(|r| r.kind != RangeKind::Git) {
        for e in &r.events {
            match e {
                Event::Introduced(v) => {
                    open = true;
                    if v != "0" && v != "0.0.0-0" {
                        constraints.push(format!(">={v}"));
                    }
                }
                Event::Fixed(v) | Event::Limit(v) => {
                    open = false;
                    constraints.push(format!("<{v}"));
                }
                Event::LastAffected(v) => {
                    open = false;
                    constraints.push(format!("<={v}"));
                }
            }
        }
    }
    if constraints.is_empty() {
        return open.then(|| format!("vers:{scheme}/*"));
    }
    Some(format!("vers:{scheme}/{}", constraints.join("|")))
}

fn alias_source(id: &str) -> &'static str {
    match id.split('-').next() {
        Some("CVE") => "NVD",
        Some("GHSA") => "GitHub",
        Some("RUSTSEC") => "RustSec",
        Some("PYSEC") => "PyPA",
        _ => "OSV",
    }
}

/// Where an ecosystem's packages are collected, for CVE 5's `collectionURL`.
fn collection_url(ecosystem: &str) -> Option<&'static str> {
    match ecosystem {
        "crates.io" => Some("https://crates.io"),
        "PyPI" => Some("https://pypi.org"),
        "npm" => Some("https://www.npmjs.com"),
        "Go" => Some("https://pkg.go.dev"),
        "Maven" => Some("https://repo.maven.apache.org/maven2"),
        "RubyGems" => Some("https://rubygems.org"),
        "NuGet" => Some("https://www.nuget.org"),
        "Packagist" => Some("https://packagist.org"),
        _ => None,
    }
}

/// The placeholder CNA org id used when the publisher has none (the record is then
/// a draft for a CNA to complete, not something to submit as is).
pub const PLACEHOLDER_ORG_ID: &str = "00000000-0000-4000-8000-000000000000";

/// A CVE JSON 5.1 record (state PUBLISHED, CNA container) for a vulnerability with a
/// CVE id.
pub fn cve5(advisory: &Advisory, v: &Vulnerability) -> Result<Value, ExportError> {
    let cve_id = v.cve_id().ok_or_else(|| ExportError::NoCveId { id: v.id.clone() })?;
    let (_, current) = dates(advisory)?;
    let org_id = advisory.publisher.cna_org_id.as_deref().unwrap_or(PLACEHOLDER_ORG_ID);
    let updated = current.max(v.modified).to_string();
    let mut affected = Vec::new();
    for a in &v.affected {
        let mut versions = Vec::new();
        for r in &a.ranges {
            let version_type = match r.kind {
                RangeKind::Semver => "semver",
                RangeKind::Ecosystem => "custom",
                RangeKind::Git => "git",
            };
            let mut introduced: Option<&str> = None;
            for e in &r.events {
                match e {
                    Event::Introduced(x) => {
                        if let Some(start) = introduced.take() {
                            versions.push(json!({ "version": start, "lessThan": "*", "status": "affected", "versionType": version_type }));
                        }
                        introduced = Some(if x == "0.0.0-0" { "0" } else { x.as_str() });
                    }
                    Event::Fixed(x) | Event::Limit(x) => {
                        let start = introduced.take().unwrap_or("0");
                        versions.push(json!({ "version": start, "lessThan": x, "status": "affected", "versionType": version_type }));
                    }
                    Event::LastAffected(x) => {
                        let start = introduced.take().unwrap_or("0");
                        versions.push(json!({ "version": start, "lessThanOrEqual": x, "status": "affected", "versionType": version_type }));
                    }
                }
            }
            if let Some(start) = introduced {
                versions.push(
                    json!({ "version": start, "lessThan": "*", "status": "affected", "versionType": version_type }),
                );
            }
        }
        for x in &a.versions {
            let entry = json!({ "version": x, "status": "affected" });
            if !versions.contains(&entry) {
                versions.push(entry);
            }
        }
        let mut product = json!({
            "vendor": "n/a",
            "product": a.package.name,
            "packageName": a.package.name,
            "defaultStatus": if versions.is_empty() { "affected" } else { "unaffected" },
        });
        if let Some(url) = collection_url(&a.package.ecosystem) {
            product["collectionURL"] = json!(url);
        }
        if !versions.is_empty() {
            product["versions"] = json!(versions);
        }
        affected.push(product);
    }
    if affected.is_empty() {
        affected.push(json!({ "vendor": "n/a", "product": "n/a", "defaultStatus": "unknown" }));
    }
    // CVE 5 wants unique references; OSV sources often list one URL under two types.
    let mut references: Vec<Value> = Vec::new();
    for r in &v.references {
        let r = json!({ "url": r.url });
        if !references.contains(&r) {
            references.push(r);
        }
    }
    if references.is_empty() {
        references.push(json!({ "url": format!("{}/advisories/{}", advisory.publisher.namespace.trim_end_matches('/'), advisory.id) }));
    }
    let mut cna = json!({
        "providerMetadata": { "orgId": org_id, "shortName": short_name(&advisory.publisher.name), "dateUpdated": updated },
        "title": truncate(&v.title(), 256),
        "descriptions": [{ "lang": "en", "value": truncate(&description(v), 4096) }],
        "affected": affected,
        "references": references,
    });
    if !v.cwes.is_empty() {
        cna["problemTypes"] = json!([{ "descriptions": v.cwes.iter().map(|c| json!({
            "lang": "en",
            "description": format!("{c}: {}", c.name()),
            "cweId": c.to_string(),
            "type": "CWE",
        })).collect::<Vec<_>>() }]);
    }
    let metrics: Vec<Value> = v
        .cvss()
        .iter()
        .map(|vec| {
            let key = match vec.version() {
                CvssVersion::V2 => "cvssV2_0",
                CvssVersion::V3_0 => "cvssV3_0",
                CvssVersion::V3_1 => "cvssV3_1",
                CvssVersion::V4_0 => "cvssV4_0",
            };
            let mut m = cvss_json(vec);
            if vec.version() == CvssVersion::V4_0 {
                // CVE 5's cvssV4_0 follows FIRST's v4 schema: no temporal/environmental keys.
                m = json!({ "version": "4.0", "vectorString": vec.as_str(), "baseScore": vec.base_score(), "baseSeverity": vec.scores().base_severity.as_str() });
            }
            json!({ key: m })
        })
        .collect();
    if !metrics.is_empty() {
        cna["metrics"] = json!(metrics);
    }
    if !v.credits.is_empty() {
        cna["credits"] = json!(v
            .credits
            .iter()
            .map(|c| json!({ "lang": "en", "value": c.name, "type": cve_credit_type(c.kind.as_deref()) }))
            .collect::<Vec<_>>());
    }
    if let Some(p) = v.published {
        cna["datePublic"] = json!(p.to_string());
    }
    let mut meta = json!({
        "cveId": cve_id,
        "assignerOrgId": org_id,
        "assignerShortName": short_name(&advisory.publisher.name),
        "state": "PUBLISHED",
        "dateUpdated": updated,
    });
    if let Some(p) = v.published {
        meta["datePublished"] = json!(p.to_string());
    }
    Ok(json!({
        "dataType": "CVE_RECORD",
        "dataVersion": "5.1",
        "cveMetadata": meta,
        "containers": { "cna": cna },
    }))
}

fn cve_credit_type(kind: Option<&str>) -> &'static str {
    match kind {
        Some("REPORTER") => "reporter",
        Some("ANALYST") => "analyst",
        Some("COORDINATOR") => "coordinator",
        Some("REMEDIATION_DEVELOPER") => "remediation developer",
        Some("REMEDIATION_REVIEWER") => "remediation reviewer",
        Some("REMEDIATION_VERIFIER") => "remediation verifier",
        Some("TOOL") => "tool",
        Some("SPONSOR") => "sponsor",
        Some("OTHER") => "other",
        _ => "finder",
    }
}

/// CVE short names are 2 to 32 characters of letters, digits, `-` and `_`.
fn short_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(32)
        .collect();
    while s.len() < 2 {
        s.push('_');
    }
    s
}

fn truncate(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Affected, Package, Range};

    fn affected(ecosystem: &str, events: Vec<Event>) -> Affected {
        Affected {
            package: Package {
                ecosystem: ecosystem.into(),
                name: "x".into(),
                purl: None,
            },
            ranges: vec![Range {
                kind: RangeKind::Semver,
                repo: None,
                events,
            }],
            versions: vec![],
            functions: vec![],
        }
    }

    #[test]
    fn vers_ranges_from_osv_events() {
        let two = affected(
            "crates.io",
            vec![
                Event::Introduced("0.0.0-0".into()),
                Event::Fixed("0.9.0".into()),
                Event::Introduced("1.0.0".into()),
                Event::LastAffected("1.2.0".into()),
            ],
        );
        assert_eq!(vers_range(&two).as_deref(), Some("vers:cargo/<0.9.0|>=1.0.0|<=1.2.0"));
        let all = affected("PyPI", vec![Event::Introduced("0".into())]);
        assert_eq!(vers_range(&all).as_deref(), Some("vers:pypi/*"));
        assert_eq!(
            vers_range(&affected("Hackage", vec![Event::Introduced("0".into())])),
            None
        );
    }
}
