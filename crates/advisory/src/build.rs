//! Building the format-neutral advisory of a case from its facts: a pure function
//! over plain inputs, so the server (drafts, exports, the frozen public edition) and
//! tests build advisories the same way. Which facts go in (the viewer's draft, or
//! only what may be public) is the caller's decision, made by the rules in
//! `lockstep_core::authz` and `lockstep_core::publication`.

use jiff::Timestamp;
use lockstep_core::{Justification, Tlp, VexStatus};

use crate::cvss::Vector;
use crate::cwe::CweId;
use crate::{Advisory, Affected, Credit, Event, Package, Publisher, Range, RangeKind, Revision, Sections, Severity};

/// The text of the advisory revision the edition shows.
#[derive(Debug, Clone)]
pub struct RevisionText {
    pub title: String,
    pub summary: String,
    pub details: String,
    pub remediation: String,
    pub mitigations: String,
    pub credits: Vec<Credit>,
    pub created_at: Timestamp,
}

/// One vulnerability of the case, already checked: a parsed vector, a known CWE.
#[derive(Debug, Clone)]
pub struct VulnerabilityFacts {
    /// The case's own id of the vulnerability; statements refer to it.
    pub key: String,
    pub title: String,
    pub aliases: Vec<String>,
    pub cvss: Option<Vector>,
    pub cwe: Option<CweId>,
    pub affected: Vec<Affected>,
}

/// What one participant states about one vulnerability.
#[derive(Debug, Clone)]
pub struct PartyStatement {
    /// [`VulnerabilityFacts::key`] of the vulnerability.
    pub vulnerability: String,
    pub status: VexStatus,
    pub justification: Option<Justification>,
    pub fixed_version: Option<String>,
    /// Free text for the people read in; the caller leaves it out where it may not go.
    pub impact_statement: Option<String>,
}

/// A participant as the edition speaks for it: its packages and its statements.
#[derive(Debug, Clone)]
pub struct PartyFacts {
    /// The project's package URLs.
    pub purls: Vec<String>,
    pub statements: Vec<PartyStatement>,
}

/// Everything an edition of a case's advisory is built from.
#[derive(Debug, Clone)]
pub struct CaseFacts {
    pub advisory_id: String,
    pub tlp: Tlp,
    pub text: RevisionText,
    /// The changelog the edition shows, oldest first (drafts: every revision;
    /// public editions: the published ones, dated when published).
    pub revisions: Vec<Revision>,
    /// When the advisory was first published (public editions only).
    pub published: Option<Timestamp>,
    /// In the order they joined the case: the first keeps the advisory's id, later
    /// ones `{id}-2`, `{id}-3`, ... so a published id never moves.
    pub vulnerabilities: Vec<VulnerabilityFacts>,
    pub parties: Vec<PartyFacts>,
}

/// The OSV ecosystem of a PURL type, where OSV names one.
pub fn osv_ecosystem(purl_type: &str) -> Option<&'static str> {
    Some(match purl_type {
        "cargo" => "crates.io",
        "npm" => "npm",
        "pypi" => "PyPI",
        "golang" => "Go",
        "maven" => "Maven",
        "gem" => "RubyGems",
        "nuget" => "NuGet",
        "composer" => "Packagist",
        "hex" => "Hex",
        "pub" => "Pub",
        "deb" => "Debian",
        "swift" => "SwiftURL",
        "hackage" => "Hackage",
        "cran" => "CRAN",
        _ => return None,
    })
}

impl Package {
    /// A package from a PURL (`pkg:TYPE/NAMESPACE/NAME@VERSION`), without its
    /// version; `None` for a PURL whose type OSV does not name.
    pub fn from_purl(purl: &str) -> Option<Package> {
        let rest = purl.strip_prefix("pkg:")?;
        let rest = rest.split(['?', '#']).next()?;
        let rest = rest.split('@').next()?;
        let (kind, path) = rest.split_once('/')?;
        let ecosystem = osv_ecosystem(&kind.to_ascii_lowercase())?;
        let name = match ecosystem {
            // Namespaced ecosystems name the package with its namespace.
            "Maven" => path.replacen('/', ":", 1),
            "npm" => path.replace("%40", "@"),
            "Go" | "Packagist" => path.to_owned(),
            _ => path.rsplit('/').next()?.to_owned(),
        };
        Some(Package {
            ecosystem: ecosystem.to_owned(),
            name,
            purl: Some(format!("pkg:{rest}")),
        })
    }
}

fn nonblank(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// The section texts as one Markdown document, for formats with one free-text
/// field (OSV `details`, CVE 5 descriptions).
fn details_text(text: &RevisionText) -> String {
    let mut out = Vec::new();
    for (heading, body) in [
        ("Summary", &text.summary),
        ("Details", &text.details),
        ("Remediation", &text.remediation),
        ("Mitigations", &text.mitigations),
    ] {
        if !body.trim().is_empty() {
            out.push(format!("## {heading}\n\n{}", body.trim()));
        }
    }
    out.join("\n\n")
}

/// Builds the advisory: each vulnerability with its severity, weakness and affected
/// ranges; each party's statements as VEX statements on its packages (and, for an
/// affected or fixed package the ranges do not name yet, an affected entry); the
/// sections, credits and changelog of the revision.
pub fn advisory(facts: &CaseFacts) -> Advisory {
    let text = &facts.text;
    let modified = facts.revisions.last().map_or(text.created_at, |r| r.date);
    let many = facts.vulnerabilities.len() > 1;
    let packages: Vec<(&PartyFacts, Vec<Package>)> = facts
        .parties
        .iter()
        .map(|p| (p, p.purls.iter().filter_map(|u| Package::from_purl(u)).collect()))
        .collect();
    let vulnerabilities = facts
        .vulnerabilities
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let id = match i {
                0 => facts.advisory_id.clone(),
                _ => format!("{}-{}", facts.advisory_id, i + 1),
            };
            let mut vuln = crate::Vulnerability::new(id, modified);
            vuln.aliases = v.aliases.clone();
            vuln.summary = Some(if many { v.title.clone() } else { text.title.clone() });
            vuln.details = Some(details_text(text)).filter(|d| !d.is_empty());
            vuln.severity = v.cvss.iter().map(Severity::from_vector).collect();
            vuln.cwes = v.cwe.into_iter().collect();
            vuln.affected = v.affected.clone();
            for (party, party_packages) in &packages {
                let Some(status) = party.statements.iter().find(|s| s.vulnerability == v.key) else {
                    continue;
                };
                for package in party_packages {
                    vuln.statements.push(crate::Statement {
                        product: package.purl_or_name(),
                        version: status.fixed_version.clone(),
                        status: status.status,
                        justification: status.justification,
                        impact_statement: status.impact_statement.clone(),
                        action_statement: match status.status {
                            VexStatus::Affected => Some(nonblank(&text.remediation).unwrap_or_else(|| {
                                "No fixed version is known yet; see the advisory's mitigations.".to_owned()
                            })),
                            _ => None,
                        },
                    });
                    let affected = matches!(status.status, VexStatus::Affected | VexStatus::Fixed);
                    let known = vuln
                        .affected
                        .iter()
                        .any(|a| a.package.ecosystem == package.ecosystem && a.package.name == package.name);
                    if affected && !known {
                        let mut events = vec![Event::Introduced("0".to_owned())];
                        if let Some(fixed) = &status.fixed_version {
                            events.push(Event::Fixed(fixed.clone()));
                        }
                        vuln.affected.push(Affected {
                            package: package.clone(),
                            ranges: vec![Range {
                                kind: RangeKind::Ecosystem,
                                repo: None,
                                events,
                            }],
                            versions: Vec::new(),
                            functions: Vec::new(),
                        });
                    }
                }
            }
            vuln.credits = text.credits.clone();
            vuln.published = facts.published;
            vuln
        })
        .collect();
    Advisory {
        id: facts.advisory_id.clone(),
        title: text.title.clone(),
        publisher: Publisher::default(),
        tlp: facts.tlp,
        sections: Sections {
            summary: nonblank(&text.summary),
            details: nonblank(&text.details),
            remediation: nonblank(&text.remediation),
            mitigation: nonblank(&text.mitigations),
        },
        revisions: facts.revisions.clone(),
        vulnerabilities,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_become_osv_packages() {
        let p = Package::from_purl("pkg:cargo/libfoo@1.2.3").expect("cargo purl");
        assert_eq!((p.ecosystem.as_str(), p.name.as_str()), ("crates.io", "libfoo"));
        assert_eq!(p.purl.as_deref(), Some("pkg:cargo/libfoo"));
        assert_eq!(
            Package::from_purl("pkg:npm/%40scope/pkg").expect("npm").name,
            "@scope/pkg"
        );
        assert_eq!(
            Package::from_purl("pkg:maven/org.example/lib").expect("maven").name,
            "org.example:lib"
        );
        assert!(Package::from_purl("pkg:unknownkind/x").is_none());
        assert!(Package::from_purl("not a purl").is_none());
    }

    fn facts() -> CaseFacts {
        let at: Timestamp = "2026-11-01T00:00:00Z".parse().expect("instant");
        CaseFacts {
            advisory_id: "LOCKSTEP-2222-3333-4444".into(),
            tlp: Tlp::Clear,
            text: RevisionText {
                title: "Overflow".into(),
                summary: "s".into(),
                details: String::new(),
                remediation: "Upgrade to 1.2.4.".into(),
                mitigations: String::new(),
                credits: Vec::new(),
                created_at: at,
            },
            revisions: Vec::new(),
            published: None,
            vulnerabilities: vec![
                VulnerabilityFacts {
                    key: "v1".into(),
                    title: "first".into(),
                    aliases: vec!["CVE-2026-1".into()],
                    cvss: None,
                    cwe: None,
                    affected: Vec::new(),
                },
                VulnerabilityFacts {
                    key: "v2".into(),
                    title: "second".into(),
                    aliases: Vec::new(),
                    cvss: None,
                    cwe: None,
                    affected: Vec::new(),
                },
            ],
            parties: vec![PartyFacts {
                purls: vec!["pkg:cargo/libfoo".into()],
                statements: vec![PartyStatement {
                    vulnerability: "v2".into(),
                    status: VexStatus::Fixed,
                    justification: None,
                    fixed_version: Some("1.2.4".into()),
                    impact_statement: None,
                }],
            }],
        }
    }

    #[test]
    fn later_vulnerabilities_get_numbered_ids() {
        let a = advisory(&facts());
        let ids: Vec<&str> = a.vulnerabilities.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["LOCKSTEP-2222-3333-4444", "LOCKSTEP-2222-3333-4444-2"]);
    }

    #[test]
    fn a_fixed_statement_names_the_package_as_affected_until_the_fix() {
        let a = advisory(&facts());
        assert!(a.vulnerabilities[0].affected.is_empty());
        let affected = &a.vulnerabilities[1].affected;
        assert_eq!(affected.len(), 1);
        assert_eq!(affected[0].package.name, "libfoo");
        assert_eq!(affected[0].fixed_versions(), ["1.2.4"]);
    }
}
