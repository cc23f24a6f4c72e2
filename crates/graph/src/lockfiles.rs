//! Lockfile parsers: `Cargo.lock`, npm `package-lock.json`, `poetry.lock`,
//! `uv.lock` and pinned `requirements.txt`.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use toml::Spanned;

use crate::ingest::{err, from_json, from_toml, line_of, Dependency, IngestError, Inventory, Location, Package};
use crate::version::{Ecosystem, Version};

#[derive(Deserialize)]
struct CargoLock {
    #[serde(default)]
    package: Vec<CargoPackage>,
}

#[derive(Deserialize)]
struct CargoPackage {
    name: String,
    version: Spanned<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    dependencies: Vec<Spanned<String>>,
}

/// `Cargo.lock`, versions 1 to 4. Dependencies are `name`, `name version` or
/// `name version (source)`; workspace members (no `source`) are the roots.
/// Cargo.lock records no requirements, so verdicts on its edges are unknown.
pub fn cargo_lock(source: &str, text: &str) -> Result<Inventory, IngestError> {
    let lock: CargoLock = from_toml(source, text)?;
    let eco = Ecosystem::CratesIo;
    let mut inv = Inventory {
        source: source.to_string(),
        ..Default::default()
    };
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in lock.package.iter().enumerate() {
        if semver::Version::parse(p.version.get_ref()).is_err() {
            return Err(err(
                source,
                Location::Line(line_of(text, p.version.span().start)),
                format!("invalid version {:?} of {}", p.version.get_ref(), p.name),
            ));
        }
        inv.packages.push(Package {
            ecosystem: eco.clone(),
            name: p.name.clone(),
            version: p.version.get_ref().clone(),
            qualifier: String::new(),
        });
        by_name.entry(p.name.as_str()).or_default().push(i);
    }
    for (i, p) in lock.package.iter().enumerate() {
        for d in &p.dependencies {
            let spec = d.get_ref();
            let mut parts = spec.splitn(3, ' ');
            let name = parts.next().unwrap_or_default();
            let version = parts.next();
            let dep_source = parts.next().map(|s| s.trim_start_matches('(').trim_end_matches(')'));
            let cands = by_name.get(name).map(Vec::as_slice).unwrap_or(&[]);
            let found: Vec<usize> = cands
                .iter()
                .copied()
                .filter(|&c| version.is_none_or(|v| lock.package[c].version.get_ref() == v))
                .filter(|&c| dep_source.is_none_or(|s| lock.package[c].source.as_deref() == Some(s)))
                .collect();
            let to = match found.as_slice() {
                [one] => *one,
                [] => {
                    return Err(err(
                        source,
                        Location::Line(line_of(text, d.span().start)),
                        format!("dependency {spec:?} of {} is not in the lockfile", p.name),
                    ))
                }
                _ => {
                    return Err(err(
                        source,
                        Location::Line(line_of(text, d.span().start)),
                        format!("dependency {spec:?} of {} is ambiguous", p.name),
                    ))
                }
            };
            inv.dependencies.push(Dependency {
                from: i,
                to,
                requirement: None,
            });
        }
    }
    Ok(inv)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NpmLock {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    lockfile_version: u32,
    #[serde(default)]
    packages: Option<BTreeMap<String, NpmPackage>>,
    #[serde(default)]
    dependencies: Option<BTreeMap<String, NpmV1Dep>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NpmPackage {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    link: bool,
    #[serde(default)]
    resolved: Option<String>,
    #[serde(default)]
    dependencies: BTreeMap<String, String>,
    #[serde(default)]
    optional_dependencies: BTreeMap<String, String>,
    #[serde(default)]
    peer_dependencies: BTreeMap<String, String>,
    #[serde(default)]
    dev_dependencies: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct NpmV1Dep {
    version: String,
    #[serde(default)]
    requires: BTreeMap<String, String>,
    #[serde(default)]
    dependencies: BTreeMap<String, NpmV1Dep>,
}

/// npm `package-lock.json` v1 (nested `dependencies` with `requires`) and v2/v3
/// (`packages` keyed by `node_modules` path). Each dependency resolves the way
/// Node does: the nearest `node_modules` up the tree. Requirements are the
/// dependent's own ranges.
pub fn npm_lock(source: &str, text: &str) -> Result<Inventory, IngestError> {
    let lock: NpmLock = from_json(source, text)?;
    if !(1..=3).contains(&lock.lockfile_version) {
        return Err(err(
            source,
            Location::JsonPath("lockfileVersion".into()),
            format!("unsupported lockfileVersion {} (1 to 3)", lock.lockfile_version),
        ));
    }
    let eco = Ecosystem::Npm;
    let mut inv = Inventory {
        source: source.to_string(),
        ..Default::default()
    };
    if let Some(packages) = &lock.packages {
        // Path of each entry -> index; links point to their target path.
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut entries: Vec<(&str, &NpmPackage)> = Vec::new();
        for (path, p) in packages {
            if p.link {
                continue;
            }
            let name = match path.rfind("node_modules/") {
                Some(i) => path[i + "node_modules/".len()..].to_string(),
                None => p
                    .name
                    .clone()
                    .or_else(|| lock.name.clone())
                    .unwrap_or_else(|| "(root)".into()),
            };
            let version = p.version.clone().unwrap_or_default();
            if !path.is_empty() && path.contains("node_modules/") && Version::parse(&eco, &version).is_err() {
                return Err(err(
                    source,
                    Location::JsonPath(format!("packages[{path:?}].version")),
                    format!("invalid version {version:?}"),
                ));
            }
            index.insert(path.as_str(), inv.packages.len());
            entries.push((path.as_str(), p));
            inv.packages.push(Package {
                ecosystem: eco.clone(),
                name,
                version,
                qualifier: String::new(),
            });
        }
        // Links: `node_modules/x` -> `packages/x` (workspaces).
        for (path, p) in packages {
            if p.link {
                if let Some(target) = p.resolved.as_deref().and_then(|r| index.get(r).copied()) {
                    index.insert(path.as_str(), target);
                }
            }
        }
        for (i, (path, p)) in entries.iter().enumerate() {
            let deps = p
                .dependencies
                .iter()
                .chain(&p.optional_dependencies)
                .chain(&p.peer_dependencies)
                .chain(if path.is_empty() || !path.contains("node_modules/") {
                    p.dev_dependencies.iter()
                } else {
                    Default::default()
                });
            for (dep, range) in deps {
                if let Some(to) = resolve_node(&index, path, dep) {
                    inv.dependencies.push(Dependency {
                        from: i,
                        to,
                        requirement: Some(range.clone()),
                    });
                }
            }
        }
        return Ok(inv);
    }
    // v1: a nested tree.
    let root_name = lock.name.clone().unwrap_or_else(|| "(root)".into());
    inv.packages.push(Package {
        ecosystem: eco.clone(),
        name: root_name,
        version: lock.version.clone().unwrap_or_default(),
        qualifier: String::new(),
    });
    let Some(deps) = &lock.dependencies else {
        return Ok(inv);
    };
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut stack: Vec<(String, &str, &NpmV1Dep, String)> = Vec::new();
    for (name, d) in deps {
        stack.push((
            format!("node_modules/{name}"),
            name,
            d,
            format!("dependencies[{name:?}]"),
        ));
    }
    let mut flat: Vec<(String, &NpmV1Dep)> = Vec::new();
    while let Some((path, name, d, json)) = stack.pop() {
        if Version::parse(&eco, &d.version).is_err() && !d.version.contains(':') {
            return Err(err(
                source,
                Location::JsonPath(format!("{json}.version")),
                format!("invalid version {:?}", d.version),
            ));
        }
        index.insert(path.clone(), inv.packages.len());
        inv.packages.push(Package {
            ecosystem: eco.clone(),
            name: name.to_string(),
            version: d.version.clone(),
            qualifier: String::new(),
        });
        for (n, child) in &d.dependencies {
            stack.push((
                format!("{path}/node_modules/{n}"),
                n,
                child,
                format!("{json}.dependencies[{n:?}]"),
            ));
        }
        flat.push((path, d));
    }
    let index_ref: HashMap<&str, usize> = index.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    for (path, d) in &flat {
        let from = index[path.as_str()];
        for (dep, range) in &d.requires {
            if let Some(to) = resolve_node(&index_ref, path, dep) {
                inv.dependencies.push(Dependency {
                    from,
                    to,
                    requirement: Some(range.clone()),
                });
            }
        }
    }
    // The root depends on every top-level entry.
    for name in deps.keys() {
        if let Some(&to) = index_ref.get(format!("node_modules/{name}").as_str()) {
            inv.dependencies.push(Dependency {
                from: 0,
                to,
                requirement: None,
            });
        }
    }
    Ok(inv)
}

/// Node's lookup: `<path>/node_modules/<dep>`, then each ancestor's.
fn resolve_node(index: &HashMap<&str, usize>, path: &str, dep: &str) -> Option<usize> {
    let mut base = path.to_string();
    loop {
        let candidate = if base.is_empty() {
            format!("node_modules/{dep}")
        } else {
            format!("{base}/node_modules/{dep}")
        };
        if let Some(&i) = index.get(candidate.as_str()) {
            return Some(i);
        }
        if base.is_empty() {
            return None;
        }
        base = match base.rfind("/node_modules/") {
            Some(i) => base[..i].to_string(),
            None => String::new(),
        };
    }
}

#[derive(Deserialize)]
struct PoetryLock {
    #[serde(default)]
    package: Vec<PoetryPackage>,
}

#[derive(Deserialize)]
struct PoetryPackage {
    name: String,
    version: Spanned<String>,
    #[serde(default)]
    dependencies: BTreeMap<String, PoetryDep>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum PoetryDep {
    Plain(String),
    Table {
        #[serde(default)]
        version: Option<String>,
    },
    Many(Vec<PoetryDepTable>),
}

#[derive(Deserialize)]
struct PoetryDepTable {
    #[serde(default)]
    version: Option<String>,
}

/// `poetry.lock`. Poetry's own constraint syntax (`^1.2`, `~1.2`, `*`) is
/// rewritten to PEP 440 specifiers. The lockfile does not name the project: the
/// caller may add one with [`with_project`].
pub fn poetry_lock(source: &str, text: &str) -> Result<Inventory, IngestError> {
    let lock: PoetryLock = from_toml(source, text)?;
    let eco = Ecosystem::PyPI;
    let mut inv = Inventory {
        source: source.to_string(),
        ..Default::default()
    };
    let mut by_name = HashMap::new();
    for (i, p) in lock.package.iter().enumerate() {
        if Version::parse(&eco, p.version.get_ref()).is_err() {
            return Err(err(
                source,
                Location::Line(line_of(text, p.version.span().start)),
                format!("invalid version {:?} of {}", p.version.get_ref(), p.name),
            ));
        }
        let name = eco.normalize_name(&p.name);
        by_name.insert(name.clone(), i);
        inv.packages.push(Package {
            ecosystem: eco.clone(),
            name,
            version: p.version.get_ref().clone(),
            qualifier: String::new(),
        });
    }
    for (i, p) in lock.package.iter().enumerate() {
        for (dep, spec) in &p.dependencies {
            let Some(&to) = by_name.get(&eco.normalize_name(dep)) else {
                continue; // an extra or a marker-excluded dependency
            };
            let constraint = match spec {
                PoetryDep::Plain(s) => Some(s.clone()),
                PoetryDep::Table { version } => version.clone(),
                PoetryDep::Many(v) => v.first().and_then(|t| t.version.clone()),
            };
            inv.dependencies.push(Dependency {
                from: i,
                to,
                requirement: constraint.and_then(|c| poetry_to_pep440(&c)),
            });
        }
    }
    Ok(inv)
}

/// Rewrites a Poetry constraint to PEP 440 (`None` for "any version").
pub fn poetry_to_pep440(c: &str) -> Option<String> {
    let mut out = Vec::new();
    for part in c.split(',') {
        let p = part.trim();
        if p.is_empty() || p == "*" {
            continue;
        }
        if let Some(v) = p.strip_prefix('^') {
            let nums: Vec<u64> = v.trim().split('.').map(|x| x.parse().unwrap_or(0)).collect();
            let upper = match nums.iter().position(|&n| n != 0) {
                Some(i) if i < nums.len() => bump(&nums, i),
                _ => bump(&nums, nums.len().saturating_sub(1)),
            };
            out.push(format!(">={},<{}", v.trim(), upper));
        } else if let Some(v) = p.strip_prefix("~=") {
            out.push(format!("~={}", v.trim()));
        } else if let Some(v) = p.strip_prefix('~') {
            let nums: Vec<u64> = v.trim().split('.').map(|x| x.parse().unwrap_or(0)).collect();
            let i = if nums.len() >= 2 { 1 } else { 0 };
            out.push(format!(">={},<{}", v.trim(), bump(&nums, i)));
        } else if p.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            out.push(format!("=={p}"));
        } else {
            out.push(p.to_string());
        }
    }
    (!out.is_empty()).then(|| out.join(","))
}

fn bump(nums: &[u64], i: usize) -> String {
    let mut v: Vec<u64> = nums[..=i.min(nums.len().saturating_sub(1))].to_vec();
    if let Some(last) = v.last_mut() {
        *last += 1;
    }
    v.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(".")
}

#[derive(Deserialize)]
struct UvLock {
    #[serde(default)]
    package: Vec<UvPackage>,
}

#[derive(Deserialize)]
struct UvPackage {
    name: String,
    #[serde(default)]
    version: Option<Spanned<String>>,
    #[serde(default)]
    source: Option<toml::Table>,
    #[serde(default)]
    dependencies: Vec<UvDep>,
    #[serde(default, rename = "optional-dependencies")]
    optional_dependencies: BTreeMap<String, Vec<UvDep>>,
    #[serde(default, rename = "dev-dependencies")]
    dev_dependencies: BTreeMap<String, Vec<UvDep>>,
    #[serde(default)]
    metadata: Option<UvMetadata>,
}

#[derive(Deserialize)]
struct UvDep {
    name: String,
    #[serde(default)]
    version: Option<String>,
}

#[derive(Deserialize)]
struct UvMetadata {
    #[serde(default, rename = "requires-dist")]
    requires_dist: Vec<UvRequires>,
}

#[derive(Deserialize)]
struct UvRequires {
    name: String,
    #[serde(default)]
    specifier: Option<String>,
}

/// `uv.lock`: packages with `dependencies` by name (and version when the name
/// is ambiguous); the project's own requirements come from
/// `metadata.requires-dist`.
pub fn uv_lock(source: &str, text: &str) -> Result<Inventory, IngestError> {
    let lock: UvLock = from_toml(source, text)?;
    let eco = Ecosystem::PyPI;
    let mut inv = Inventory {
        source: source.to_string(),
        ..Default::default()
    };
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in lock.package.iter().enumerate() {
        let version = p.version.as_ref().map(|v| v.get_ref().clone()).unwrap_or_default();
        if let Some(v) = &p.version {
            if Version::parse(&eco, v.get_ref()).is_err() {
                return Err(err(
                    source,
                    Location::Line(line_of(text, v.span().start)),
                    format!("invalid version {:?} of {}", v.get_ref(), p.name),
                ));
            }
        }
        let name = eco.normalize_name(&p.name);
        by_name.entry(name.clone()).or_default().push(i);
        inv.packages.push(Package {
            ecosystem: eco.clone(),
            name,
            version,
            qualifier: String::new(),
        });
        let _ = &p.source;
    }
    for (i, p) in lock.package.iter().enumerate() {
        let reqs: HashMap<String, String> = p
            .metadata
            .iter()
            .flat_map(|m| &m.requires_dist)
            .filter_map(|r| r.specifier.clone().map(|s| (eco.normalize_name(&r.name), s)))
            .collect();
        let all = p
            .dependencies
            .iter()
            .chain(p.optional_dependencies.values().flatten())
            .chain(p.dev_dependencies.values().flatten());
        for d in all {
            let n = eco.normalize_name(&d.name);
            let cands = by_name.get(&n).map(Vec::as_slice).unwrap_or(&[]);
            let to = cands
                .iter()
                .copied()
                .find(|&c| d.version.as_ref().is_none_or(|v| inv.packages[c].version == *v));
            if let Some(to) = to {
                inv.dependencies.push(Dependency {
                    from: i,
                    to,
                    requirement: reqs.get(&n).cloned(),
                });
            }
        }
    }
    Ok(inv)
}

/// A pinned `requirements.txt`: `name[extras]==version [; marker] [--hash ...]`
/// per line, `\` continuations, comments and option lines (`-r`, `--index-url`)
/// skipped. An unpinned requirement is an error: its version is unknown.
pub fn requirements_txt(source: &str, text: &str) -> Result<Inventory, IngestError> {
    let eco = Ecosystem::PyPI;
    let mut inv = Inventory {
        source: source.to_string(),
        ..Default::default()
    };
    let mut logical = String::new();
    let mut start_line = 0;
    for (i, raw) in text.lines().enumerate() {
        if logical.is_empty() {
            start_line = i + 1;
        }
        let line = raw.split(" #").next().unwrap_or_default();
        let line = if line.trim_start().starts_with('#') { "" } else { line };
        if let Some(cont) = line.trim_end().strip_suffix('\\') {
            logical.push_str(cont);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        let entry = std::mem::take(&mut logical);
        let entry = entry.trim();
        if entry.is_empty() || entry.starts_with('-') {
            continue;
        }
        let spec = entry.split(';').next().unwrap_or_default();
        let spec = spec.split(" --").next().unwrap_or_default().trim();
        let Some((name, version)) = spec.split_once("===").or_else(|| spec.split_once("==")) else {
            return Err(err(
                source,
                Location::Line(start_line),
                format!("{spec:?} is not pinned with =="),
            ));
        };
        let name = name.split('[').next().unwrap_or_default().trim();
        let version = version.trim();
        if name.is_empty() || Version::parse(&eco, version).is_err() {
            return Err(err(
                source,
                Location::Line(start_line),
                format!("invalid pinned requirement {spec:?}"),
            ));
        }
        inv.packages.push(Package {
            ecosystem: eco.clone(),
            name: eco.normalize_name(name),
            version: version.to_string(),
            qualifier: String::new(),
        });
    }
    Ok(inv)
}

/// Adds a project root named `name` that depends on every package no other
/// package of the inventory depends on (for formats that do not name the
/// project: `poetry.lock`, `requirements.txt`, some SBOMs).
pub fn with_project(mut inv: Inventory, ecosystem: Ecosystem, name: &str) -> Inventory {
    let mut depended = vec![false; inv.packages.len()];
    for d in &inv.dependencies {
        depended[d.to] = true;
    }
    let root = inv.packages.len();
    inv.packages.push(Package {
        ecosystem,
        name: name.to_string(),
        version: String::new(),
        qualifier: String::new(),
    });
    for (i, is_dep) in depended.into_iter().enumerate() {
        if !is_dep {
            inv.dependencies.push(Dependency {
                from: root,
                to: i,
                requirement: None,
            });
        }
    }
    inv
}
