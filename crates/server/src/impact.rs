//! The dependency graph on the server: checking a vulnerability's affected ranges,
//! parsing uploaded manifests, and a case's impact view (which registered projects
//! reach an affected package, by which path, and what fixing takes). The impact
//! engine itself is `lockstep_graph`; the offline `lockstep impact` calls the same
//! functions.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::StatusCode;
use lockstep_core::{CaseId, ProjectId};
use lockstep_graph::advisory::OsvRange;
use lockstep_graph::impact::{Hit, Verdict};
use lockstep_graph::{ingest, Affected, Ecosystem, Graph};
use lockstep_store::{AffectedPackage, NewManifest, Store};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{ApiError, App};

/// Compiles a vulnerability's affected packages; an invalid range is a 422 naming
/// its JSON path (`affected[0].ranges[1].events[0]`).
pub fn check_affected(affected: &[AffectedPackage]) -> Result<Vec<Affected>, ApiError> {
    let invalid = |field: String, message: String| {
        ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", &field, message)
    };
    affected
        .iter()
        .enumerate()
        .map(|(i, a)| {
            if a.name.trim().is_empty() {
                return Err(invalid(format!("affected[{i}].name"), "must not be empty".into()));
            }
            let ecosystem = Ecosystem::from_osv(a.ecosystem.trim());
            let mut ranges = Vec::new();
            for (j, r) in a.ranges.iter().enumerate() {
                let path = format!("affected[{i}].ranges[{j}]");
                let range: OsvRange =
                    serde_json::from_value(r.clone()).map_err(|e| invalid(path.clone(), e.to_string()))?;
                ranges.push(
                    range
                        .compile(&ecosystem, &path)
                        .map_err(|e| invalid(path.clone(), e.to_string()))?,
                );
            }
            Ok(Affected::new(ecosystem, a.name.trim(), ranges, a.versions.clone()))
        })
        .collect()
}

/// Parses a vulnerability's affected packages as given to the API: each range checked
/// by the impact engine against its ecosystem's versions (a 422 naming its JSON path),
/// then typed for the store.
pub fn parse_affected(affected: &[AffectedPackage]) -> Result<Vec<lockstep_advisory::Affected>, ApiError> {
    check_affected(affected)?;
    affected
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let ranges = a
                .ranges
                .iter()
                .enumerate()
                .map(|(j, r)| {
                    stored_range(r).ok_or_else(|| {
                        ApiError::field(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "invalid_input",
                            &format!("affected[{i}].ranges[{j}]"),
                            "not an OSV range: {\"type\": \"SEMVER\"|\"ECOSYSTEM\"|\"GIT\", \"events\": [...]}",
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(lockstep_advisory::Affected {
                package: lockstep_advisory::Package {
                    ecosystem: a.ecosystem.trim().to_owned(),
                    name: a.name.trim().to_owned(),
                    purl: None,
                },
                ranges,
                versions: a.versions.clone(),
                functions: Vec::new(),
            })
        })
        .collect()
}

/// An OSV range as the API takes it and the store keeps it (`{"type", "repo", "events"}`).
pub fn stored_range(value: &serde_json::Value) -> Option<lockstep_advisory::Range> {
    let range: lockstep_advisory::osv::OsvRange = serde_json::from_value(value.clone()).ok()?;
    Some(lockstep_advisory::Range {
        kind: range.kind,
        repo: range.repo,
        events: range.events,
    })
}

/// Parses an uploaded manifest; a malformed one is a 422 naming the file and line
/// (or JSON path), and nothing is stored.
pub fn parse_manifest(name: &str, bytes: &[u8]) -> Result<NewManifest, ApiError> {
    let input = ingest::parse_detect(name, bytes).map_err(|e| {
        ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_manifest",
            "body",
            e.to_string(),
        )
    })?;
    let format = ingest::Format::detect(name, bytes)
        .map(|f| format!("{f:?}"))
        .unwrap_or_default();
    let content = String::from_utf8(bytes.to_vec()).map_err(|_| {
        ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_manifest",
            "body",
            format!("{name}: not UTF-8"),
        )
    })?;
    Ok(NewManifest {
        name: name.to_owned(),
        format,
        content,
        package_count: input.package_count() as i64,
    })
}

/// One dependency path from a project's package to an affected one.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImpactPath {
    /// The affected package (ecosystem and name).
    pub affected: String,
    /// The project's package version that reaches it (its PURL).
    pub purl: String,
    /// Edges to the affected version (1: a direct dependency).
    pub depth: u32,
    /// The path, as PURLs, the project's package first.
    pub path: Vec<String>,
    /// What fixing takes, from `lockstep_graph::impact::Verdict`.
    #[schema(value_type = Object)]
    pub verdict: Verdict,
    /// The manifest it was found in.
    pub manifest: String,
}

/// A registered project the case's vulnerabilities reach.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AffectedProject {
    pub project_id: ProjectId,
    pub project_name: String,
    /// Whether it is already read into the case.
    pub participant: bool,
    /// Whether it publishes the affected package itself (its PURLs name it).
    pub publishes_affected: bool,
    /// Its shortest path, nearest first.
    pub paths: Vec<ImpactPath>,
}

/// A case's impact view.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseImpact {
    /// How many manifests the graph was built from.
    pub manifests: usize,
    /// How many package versions the graph holds.
    pub packages: usize,
    /// Affected projects: the ones not yet read in first, then by shortest depth and name.
    pub projects: Vec<AffectedProject>,
}

/// The graph of every stored manifest, kept between page views: building it means
/// parsing every manifest, so it is rebuilt only when the set of manifests (by
/// project, name and SHA-256) changed.
#[derive(Default)]
pub struct GraphCache(tokio::sync::Mutex<Option<CachedGraph>>);

/// (project, manifest name, SHA-256) of every manifest a graph was built from, the
/// graph, and how many manifests went in.
type CachedGraph = (Vec<(ProjectId, String, String)>, Arc<Graph>, usize);

impl GraphCache {
    /// The graph of the manifests stored now, and how many went in.
    async fn graph(&self, store: &Store) -> Result<(Arc<Graph>, usize), ApiError> {
        let key = store.manifest_hashes().await?;
        // Held while building, so concurrent views wait for one build, not start several.
        let mut cached = self.0.lock().await;
        if let Some((k, graph, n)) = cached.as_ref() {
            if *k == key {
                return Ok((graph.clone(), *n));
            }
        }
        let contents = store.all_manifest_contents().await?;
        let manifests = contents.len();
        // Parsing is CPU work: keep it off the async workers.
        let graph = tokio::task::spawn_blocking(move || {
            let mut inputs = Vec::with_capacity(contents.len());
            for (project, name, content) in &contents {
                // Stored manifests parsed on upload; one that no longer parses (an engine
                // change) is skipped rather than failing the whole view.
                if let Ok(input) = ingest::parse_detect(&format!("{project}/{name}"), content.as_bytes()) {
                    inputs.push(input);
                }
            }
            Arc::new(ingest::build(inputs))
        })
        .await
        .map_err(ApiError::internal)?;
        // A manifest written between reading the key and the contents only makes the
        // next view rebuild once more; the key read first never names newer contents.
        *cached = Some((key, graph.clone(), manifests));
        Ok((graph, manifests))
    }
}

/// Reports which registered projects reach the case's affected packages, on the
/// cached graph of every registered project's manifests.
pub async fn case_impact(app: &App, case: CaseId) -> Result<CaseImpact, ApiError> {
    let store = app.store();
    let vulnerabilities = store.vulnerabilities(case).await?;
    let mut affected = Vec::new();
    for v in &vulnerabilities {
        affected.extend(check_affected(&v.affected)?);
    }
    let projects = store.list_projects().await?;
    let participants = store.participants(case).await?;
    let (graph, manifests) = app.graph_cache().graph(store).await?;
    // The closure is CPU work: keep it off the async workers.
    let hits_by_source = tokio::task::spawn_blocking(move || {
        let packages = graph.node_count();
        let reports: Vec<(String, Vec<Hit>)> = affected
            .iter()
            .map(|a| {
                (
                    format!("{}/{}", a.ecosystem().osv_name(), a.name()),
                    lockstep_graph::impact::report(&graph, a).hits,
                )
            })
            .collect();
        (packages, reports)
    })
    .await
    .map_err(ApiError::internal)?;
    let (packages, reports) = hits_by_source;

    let mut by_project: BTreeMap<ProjectId, Vec<ImpactPath>> = BTreeMap::new();
    for (affected_name, hits) in reports {
        for hit in hits {
            for source in &hit.sources {
                let Some((project, manifest)) = source.split_once('/') else {
                    continue;
                };
                let Ok(project) = project.parse::<ProjectId>() else {
                    continue;
                };
                by_project.entry(project).or_default().push(ImpactPath {
                    affected: affected_name.clone(),
                    purl: hit.purl.clone(),
                    depth: hit.depth,
                    path: hit.path.iter().map(|s| s.purl.clone()).collect(),
                    verdict: hit.verdict.clone(),
                    manifest: manifest.to_owned(),
                });
            }
        }
    }
    let mut out: Vec<AffectedProject> = Vec::new();
    for p in &projects {
        let publishes = vulnerabilities.iter().flat_map(|v| &v.affected).any(|a| {
            let eco = Ecosystem::from_osv(a.ecosystem.trim());
            p.purls.iter().any(|purl| purl_names(purl, eco.purl_type(), &a.name))
        });
        let mut paths = by_project.remove(&p.id).unwrap_or_default();
        if paths.is_empty() && !publishes {
            continue;
        }
        // The project's own packages first (how the project itself reaches the flaw), then
        // nearest first; one path per package version is enough to decide.
        let own = |path: &ImpactPath| p.purls.iter().any(|purl| same_package(purl, &path.purl));
        paths.sort_by(|a, b| (!own(a), a.depth, &a.purl).cmp(&(!own(b), b.depth, &b.purl)));
        paths.dedup_by(|a, b| a.purl == b.purl && a.affected == b.affected);
        out.push(AffectedProject {
            project_id: p.id,
            project_name: p.name.clone(),
            participant: participants.iter().any(|x| x.project_id == p.id),
            publishes_affected: publishes,
            paths,
        });
    }
    let depth = |p: &AffectedProject| p.paths.first().map(|x| x.depth).unwrap_or(0);
    out.sort_by(|a, b| (a.participant, depth(a), &a.project_name).cmp(&(b.participant, depth(b), &b.project_name)));
    Ok(CaseImpact {
        manifests,
        packages,
        projects: out,
    })
}

/// Whether two PURLs name the same package (type, namespace and name; any version).
fn same_package(a: &str, b: &str) -> bool {
    match (a.parse::<packageurl::PackageUrl>(), b.parse::<packageurl::PackageUrl>()) {
        (Ok(a), Ok(b)) => a.ty() == b.ty() && a.namespace() == b.namespace() && a.name() == b.name(),
        _ => false,
    }
}

/// Whether a PURL names package `name` of PURL type `ty` (any version).
fn purl_names(purl: &str, ty: &str, name: &str) -> bool {
    let Ok(p) = purl.parse::<packageurl::PackageUrl>() else {
        return false;
    };
    p.ty() == ty && p.name().eq_ignore_ascii_case(name)
}
