//! SBOM parsers: CycloneDX 1.4-1.6 JSON (components and dependencies) and SPDX
//! 2.3 JSON (packages and relationships). Packages are identified by their PURL;
//! a component without one keeps its name under the `generic` type.

use std::collections::HashMap;

use serde::Deserialize;

use crate::ingest::{err, from_json, Dependency, IngestError, Inventory, Location, Package};
use crate::version::Ecosystem;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bom {
    bom_format: String,
    spec_version: String,
    #[serde(default)]
    metadata: Option<BomMetadata>,
    #[serde(default)]
    components: Vec<Component>,
    #[serde(default)]
    dependencies: Vec<BomDependency>,
}

#[derive(Deserialize)]
struct BomMetadata {
    #[serde(default)]
    component: Option<Component>,
}

#[derive(Deserialize)]
struct Component {
    #[serde(default, rename = "bom-ref")]
    bom_ref: Option<String>,
    name: String,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    purl: Option<String>,
    #[serde(default)]
    components: Vec<Component>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BomDependency {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(default)]
    depends_on: Vec<String>,
}

fn package_of(
    purl: Option<&str>,
    name: &str,
    version: Option<&str>,
    source: &str,
    at: &str,
) -> Result<Package, IngestError> {
    if let Some(p) = purl {
        let parts = crate::purl::parse(p).map_err(|m| err(source, Location::JsonPath(at.to_string()), m))?;
        return Ok(Package {
            ecosystem: parts.ecosystem,
            name: parts.name,
            version: if parts.version.is_empty() {
                version.unwrap_or_default().to_string()
            } else {
                parts.version
            },
            qualifier: parts.qualifier,
        });
    }
    Ok(Package {
        ecosystem: Ecosystem::Other("generic".into()),
        name: name.to_string(),
        version: version.unwrap_or_default().to_string(),
        qualifier: String::new(),
    })
}

/// CycloneDX JSON, spec versions 1.4 to 1.6.
pub fn cyclonedx(source: &str, text: &str) -> Result<Inventory, IngestError> {
    let bom: Bom = from_json(source, text)?;
    if bom.bom_format != "CycloneDX" {
        return Err(err(
            source,
            Location::JsonPath("bomFormat".into()),
            "not a CycloneDX BOM",
        ));
    }
    if !matches!(bom.spec_version.as_str(), "1.4" | "1.5" | "1.6") {
        return Err(err(
            source,
            Location::JsonPath("specVersion".into()),
            format!("unsupported CycloneDX version {} (1.4 to 1.6)", bom.spec_version),
        ));
    }
    let mut inv = Inventory {
        source: source.to_string(),
        ..Default::default()
    };
    let mut refs: HashMap<String, usize> = HashMap::new();
    let mut stack: Vec<(&Component, String)> = Vec::new();
    if let Some(c) = bom.metadata.as_ref().and_then(|m| m.component.as_ref()) {
        stack.push((c, "metadata.component".into()));
    }
    for (i, c) in bom.components.iter().enumerate().rev() {
        stack.push((c, format!("components[{i}]")));
    }
    while let Some((c, at)) = stack.pop() {
        let name = match &c.group {
            Some(g) if !g.is_empty() && c.purl.is_none() => format!("{g}/{}", c.name),
            _ => c.name.clone(),
        };
        let pkg = package_of(
            c.purl.as_deref(),
            &name,
            c.version.as_deref(),
            source,
            &format!("{at}.purl"),
        )?;
        let idx = inv.packages.len();
        inv.packages.push(pkg);
        if let Some(r) = c.bom_ref.clone().or_else(|| c.purl.clone()) {
            refs.insert(r, idx);
        }
        for (j, child) in c.components.iter().enumerate().rev() {
            stack.push((child, format!("{at}.components[{j}]")));
        }
    }
    for (i, d) in bom.dependencies.iter().enumerate() {
        let Some(&from) = refs.get(&d.reference) else {
            return Err(err(
                source,
                Location::JsonPath(format!("dependencies[{i}].ref")),
                format!("unknown bom-ref {:?}", d.reference),
            ));
        };
        for (j, t) in d.depends_on.iter().enumerate() {
            let Some(&to) = refs.get(t) else {
                return Err(err(
                    source,
                    Location::JsonPath(format!("dependencies[{i}].dependsOn[{j}]")),
                    format!("unknown bom-ref {t:?}"),
                ));
            };
            inv.dependencies.push(Dependency {
                from,
                to,
                requirement: None,
            });
        }
    }
    Ok(inv)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpdxDoc {
    spdx_version: String,
    #[serde(default)]
    packages: Vec<SpdxPackage>,
    #[serde(default)]
    relationships: Vec<SpdxRelationship>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpdxPackage {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    name: String,
    #[serde(default)]
    version_info: Option<String>,
    #[serde(default)]
    external_refs: Vec<SpdxRef>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpdxRef {
    reference_type: String,
    reference_locator: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpdxRelationship {
    spdx_element_id: String,
    relationship_type: String,
    related_spdx_element: String,
}

/// SPDX 2.3 JSON: `DEPENDS_ON`, `DEPENDENCY_OF`, `CONTAINS` and the
/// `*_DEPENDENCY_OF` family become edges; other relationships are ignored.
pub fn spdx(source: &str, text: &str) -> Result<Inventory, IngestError> {
    let doc: SpdxDoc = from_json(source, text)?;
    if !doc.spdx_version.starts_with("SPDX-2.") {
        return Err(err(
            source,
            Location::JsonPath("spdxVersion".into()),
            format!("unsupported SPDX version {}", doc.spdx_version),
        ));
    }
    let mut inv = Inventory {
        source: source.to_string(),
        ..Default::default()
    };
    let mut ids: HashMap<&str, usize> = HashMap::new();
    for (i, p) in doc.packages.iter().enumerate() {
        let purl = p
            .external_refs
            .iter()
            .position(|r| r.reference_type == "purl")
            .map(|j| (j, p.external_refs[j].reference_locator.as_str()));
        let at = match purl {
            Some((j, _)) => format!("packages[{i}].externalRefs[{j}].referenceLocator"),
            None => format!("packages[{i}]"),
        };
        let pkg = package_of(purl.map(|p| p.1), &p.name, p.version_info.as_deref(), source, &at)?;
        ids.insert(p.spdx_id.as_str(), inv.packages.len());
        inv.packages.push(pkg);
    }
    for (i, r) in doc.relationships.iter().enumerate() {
        let t = r.relationship_type.as_str();
        let forward = matches!(t, "DEPENDS_ON" | "CONTAINS");
        let backward = t == "DEPENDENCY_OF" || t.ends_with("_DEPENDENCY_OF") || t == "CONTAINED_BY";
        if !forward && !backward {
            continue;
        }
        // Files, snippets, the document and NOASSERTION are not packages.
        let (Some(&a), Some(&b)) = (
            ids.get(r.spdx_element_id.as_str()),
            ids.get(r.related_spdx_element.as_str()),
        ) else {
            let _ = i;
            continue;
        };
        let (from, to) = if forward { (a, b) } else { (b, a) };
        inv.dependencies.push(Dependency {
            from,
            to,
            requirement: None,
        });
    }
    Ok(inv)
}
