//! OSV affected ranges, evaluated exactly as the OSV schema specifies.
//!
//! A range's events are sorted by version (`introduced: "0"` first) and walked in
//! order: an `introduced` at or below the version makes it affected, a `fixed` at
//! or below makes it unaffected, a `last_affected` strictly below makes it
//! unaffected. `limit` events cut the range: a version at or above every limit is
//! not affected (`limit: "*"` is no limit). A version listed in `versions` is
//! affected whatever the ranges say. `GIT` ranges name commits, not versions, and
//! are skipped.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::version::{Ecosystem, Version, VersionError};

/// An OSV range type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RangeKind {
    /// SemVer 2.0 precedence, whatever the ecosystem.
    #[serde(rename = "SEMVER")]
    Semver,
    /// The ecosystem's own ordering.
    #[serde(rename = "ECOSYSTEM")]
    Ecosystem,
    /// Commit hashes; not evaluated against versions.
    #[serde(rename = "GIT")]
    Git,
}

/// One OSV range event as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// The first affected version (`"0"`: since the beginning).
    Introduced(String),
    /// The first version that is no longer affected.
    Fixed(String),
    /// The last affected version.
    LastAffected(String),
    /// Versions at or above every limit are out of the range.
    Limit(String),
}

impl Event {
    /// The event's version text.
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }
}

/// A range whose event versions are parsed.
#[derive(Debug, Clone)]
pub struct Range {
    kind: RangeKind,
    events: Vec<Event>,
    // Parallel to `events`, sorted by version; `None` is `"0"` (or `"*"` for a limit).
    sorted: Vec<(Event, Option<Version>)>,
}

/// A range or version list that cannot be evaluated, with the JSON path of the
/// offending value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {source}")]
pub struct RangeError {
    /// JSON path of the value, e.g. `affected[0].ranges[1].events[2].fixed`.
    pub path: String,
    /// What is wrong with it.
    pub source: VersionError,
}

impl Range {
    /// Parses a range's events under `ecosystem`; `path` names the range in
    /// errors (e.g. `affected[0].ranges[1]`).
    pub fn new(ecosystem: &Ecosystem, kind: RangeKind, events: Vec<Event>, path: &str) -> Result<Range, RangeError> {
        let mut sorted = Vec::with_capacity(events.len());
        if kind != RangeKind::Git {
            for (i, e) in events.iter().enumerate() {
                let text = e.version();
                let zero = matches!(e, Event::Introduced(v) if v == "0");
                let star = matches!(e, Event::Limit(v) if v == "*");
                let parsed = if zero || star {
                    None
                } else {
                    Some(parse_for(ecosystem, kind, text).map_err(|source| RangeError {
                        path: format!("{path}.events[{i}].{}", event_key(e)),
                        source,
                    })?)
                };
                sorted.push((e.clone(), parsed));
            }
            // Stable: events at the same version keep the author's order.
            sorted.sort_by(|a, b| match (&a.1, &b.1) {
                (None, None) => Ordering::Equal,
                (None, _) => edge_order(&a.0),
                (_, None) => edge_order(&b.0).reverse(),
                (Some(x), Some(y)) => x.compare(y).unwrap_or(Ordering::Equal),
            });
        }
        Ok(Range { kind, events, sorted })
    }

    /// The range type.
    pub fn kind(&self) -> RangeKind {
        self.kind
    }

    /// The events as written.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Whether `version` (parsed for this range's kind) lies in the range.
    fn contains(&self, version: &Version) -> bool {
        if self.kind == RangeKind::Git {
            return false;
        }
        let limits: Vec<&Option<Version>> = self
            .sorted
            .iter()
            .filter(|(e, _)| matches!(e, Event::Limit(_)))
            .map(|(_, v)| v)
            .collect();
        if !limits.is_empty() {
            let below_some = limits.iter().any(|l| match l {
                None => true,
                Some(l) => version.compare(l) == Some(Ordering::Less),
            });
            if !below_some {
                return false;
            }
        }
        let mut affected = false;
        for (event, bound) in &self.sorted {
            let cmp = match bound {
                None => Ordering::Greater,
                Some(b) => match version.compare(b) {
                    Some(o) => o,
                    None => continue,
                },
            };
            match event {
                Event::Introduced(_) if cmp != Ordering::Less => affected = true,
                Event::Fixed(_) if cmp != Ordering::Less => affected = false,
                Event::LastAffected(_) if cmp == Ordering::Greater => affected = false,
                _ => {}
            }
        }
        affected
    }

    /// The `fixed` versions of the range, parsed.
    pub fn fixed_versions(&self) -> impl Iterator<Item = &Version> {
        self.sorted.iter().filter_map(|(e, v)| match (e, v) {
            (Event::Fixed(_), Some(v)) => Some(v),
            _ => None,
        })
    }
}

/// `"0"` sorts before every version; `"*"` after.
fn edge_order(e: &Event) -> Ordering {
    match e {
        Event::Limit(_) => Ordering::Greater,
        _ => Ordering::Less,
    }
}

fn event_key(e: &Event) -> &'static str {
    match e {
        Event::Introduced(_) => "introduced",
        Event::Fixed(_) => "fixed",
        Event::LastAffected(_) => "last_affected",
        Event::Limit(_) => "limit",
    }
}

fn parse_for(ecosystem: &Ecosystem, kind: RangeKind, text: &str) -> Result<Version, VersionError> {
    match kind {
        RangeKind::Semver => Version::parse_semver(text),
        _ => Version::parse(ecosystem, text),
    }
}

/// What an advisory says about one package: its ranges and listed versions.
#[derive(Debug, Clone)]
pub struct Affected {
    ecosystem: Ecosystem,
    name: String,
    ranges: Vec<Range>,
    versions: Vec<String>,
}

impl Affected {
    /// An affected entry for `name` in `ecosystem`.
    pub fn new(ecosystem: Ecosystem, name: &str, ranges: Vec<Range>, versions: Vec<String>) -> Affected {
        let name = ecosystem.normalize_name(name);
        Affected {
            ecosystem,
            name,
            ranges,
            versions,
        }
    }

    /// Every version of `name` is affected.
    pub fn all_versions(ecosystem: Ecosystem, name: &str) -> Affected {
        let range = Range {
            kind: RangeKind::Ecosystem,
            events: vec![Event::Introduced("0".into())],
            sorted: vec![(Event::Introduced("0".into()), None)],
        };
        Affected::new(ecosystem, name, vec![range], Vec::new())
    }

    /// The package's ecosystem.
    pub fn ecosystem(&self) -> &Ecosystem {
        &self.ecosystem
    }

    /// The package's name (normalized for its ecosystem).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The ranges.
    pub fn ranges(&self) -> &[Range] {
        &self.ranges
    }

    /// The explicitly listed versions.
    pub fn versions(&self) -> &[String] {
        &self.versions
    }

    /// Whether `version` (as written) is affected. A version that does not parse
    /// under a range's rules is affected only if it is listed in `versions`.
    pub fn affects(&self, version: &str) -> bool {
        if self.versions.iter().any(|v| v == version) {
            return true;
        }
        let mut semver: Option<Option<Version>> = None;
        let mut eco: Option<Option<Version>> = None;
        for r in &self.ranges {
            let slot = match r.kind {
                RangeKind::Git => continue,
                RangeKind::Semver => &mut semver,
                RangeKind::Ecosystem => &mut eco,
            };
            let parsed = slot.get_or_insert_with(|| parse_for(&self.ecosystem, r.kind, version).ok());
            if let Some(v) = parsed {
                if r.contains(v) {
                    return true;
                }
            }
        }
        // Listed versions written differently (`1.0` vs `1.0.0` in PEP 440).
        if !self.versions.is_empty() {
            if let Ok(v) = Version::parse(&self.ecosystem, version) {
                return self
                    .versions
                    .iter()
                    .any(|l| Version::parse(&self.ecosystem, l).is_ok_and(|l| l.compare(&v) == Some(Ordering::Equal)));
            }
        }
        false
    }

    /// Published fixed versions named by the ranges' `fixed` events.
    pub fn fixed_versions(&self) -> Vec<&Version> {
        self.ranges.iter().flat_map(|r| r.fixed_versions()).collect()
    }
}

/// Parses a range written on the command line: either OSV JSON (a range object
/// `{"type":..,"events":[..]}` or an affected object with `ranges`/`versions`),
/// or the short form `introduced=1.0.0,fixed=1.2.3` (also `last_affected=`,
/// `limit=`, and `versions=1.0.1|1.0.2`).
pub fn parse_cli_range(ecosystem: &Ecosystem, name: &str, text: &str) -> Result<Affected, String> {
    let t = text.trim();
    if t.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(t).map_err(|e| format!("--range: {e}"))?;
        let (ranges, versions) = if value.get("events").is_some() {
            (serde_json::Value::Array(vec![value.clone()]), serde_json::Value::Null)
        } else {
            (
                value.get("ranges").cloned().unwrap_or(serde_json::Value::Null),
                value.get("versions").cloned().unwrap_or(serde_json::Value::Null),
            )
        };
        let ranges: Vec<crate::advisory::OsvRange> = if ranges.is_null() {
            Vec::new()
        } else {
            serde_json::from_value(ranges).map_err(|e| format!("--range: {e}"))?
        };
        let versions: Vec<String> = if versions.is_null() {
            Vec::new()
        } else {
            serde_json::from_value(versions).map_err(|e| format!("--range: {e}"))?
        };
        let mut compiled = Vec::new();
        for (i, r) in ranges.into_iter().enumerate() {
            compiled.push(
                r.compile(ecosystem, &format!("ranges[{i}]"))
                    .map_err(|e| format!("--range: {e}"))?,
            );
        }
        return Ok(Affected::new(ecosystem.clone(), name, compiled, versions));
    }
    let mut events = Vec::new();
    let mut versions = Vec::new();
    for part in t.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part
            .split_once('=')
            .or_else(|| part.split_once(':'))
            .ok_or_else(|| format!("--range: {part:?} is not KEY=VERSION"))?;
        let v = v.trim().to_string();
        match k.trim() {
            "introduced" => events.push(Event::Introduced(v)),
            "fixed" => events.push(Event::Fixed(v)),
            "last_affected" => events.push(Event::LastAffected(v)),
            "limit" => events.push(Event::Limit(v)),
            "versions" => versions.extend(v.split('|').map(|s| s.trim().to_string())),
            other => return Err(format!("--range: unknown event {other:?}")),
        }
    }
    if !events.is_empty() && !events.iter().any(|e| matches!(e, Event::Introduced(_))) {
        events.insert(0, Event::Introduced("0".into()));
    }
    let mut ranges = Vec::new();
    if !events.is_empty() {
        ranges.push(Range::new(ecosystem, RangeKind::Ecosystem, events, "--range").map_err(|e| e.to_string())?);
    }
    Ok(Affected::new(ecosystem.clone(), name, ranges, versions))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(eco: &Ecosystem, kind: RangeKind, events: &[(&str, &str)]) -> Range {
        let events = events
            .iter()
            .map(|(k, v)| match *k {
                "i" => Event::Introduced(v.to_string()),
                "f" => Event::Fixed(v.to_string()),
                "l" => Event::LastAffected(v.to_string()),
                _ => Event::Limit(v.to_string()),
            })
            .collect();
        Range::new(eco, kind, events, "r").unwrap()
    }

    fn affected(eco: Ecosystem, ranges: Vec<Range>, versions: &[&str]) -> Affected {
        Affected::new(eco, "p", ranges, versions.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn introduced_zero_and_fixed() {
        let e = Ecosystem::CratesIo;
        let a = affected(
            e.clone(),
            vec![range(&e, RangeKind::Semver, &[("i", "0"), ("f", "1.2.3")])],
            &[],
        );
        assert!(a.affects("0.0.1"));
        assert!(a.affects("1.2.2"));
        assert!(a.affects("1.2.3-rc.1"), "a pre-release of the fix is below the fix");
        assert!(!a.affects("1.2.3"));
        assert!(!a.affects("2.0.0"));
    }

    #[test]
    fn several_ranges_in_one_entry_and_unsorted_events() {
        let e = Ecosystem::CratesIo;
        let a = affected(
            e.clone(),
            vec![range(
                &e,
                RangeKind::Semver,
                &[("f", "1.0.5"), ("i", "2.0.0"), ("i", "1.0.0"), ("f", "2.1.1")],
            )],
            &[],
        );
        assert!(!a.affects("0.9.0"));
        assert!(a.affects("1.0.4"));
        assert!(!a.affects("1.5.0"));
        assert!(!a.affects("2.0.0-alpha"));
        assert!(a.affects("2.1.0"));
        assert!(!a.affects("2.1.1"));
    }

    #[test]
    fn several_range_objects_in_one_entry_any_one_suffices() {
        let e = Ecosystem::CratesIo;
        let a = affected(
            e.clone(),
            vec![
                range(&e, RangeKind::Semver, &[("i", "0.1.0"), ("f", "0.1.5")]),
                range(&e, RangeKind::Ecosystem, &[("i", "0.3.0-alpha.1"), ("l", "0.3.2")]),
            ],
            &[],
        );
        assert!(a.affects("0.1.4"));
        assert!(!a.affects("0.2.0"));
        assert!(
            a.affects("0.3.0-alpha.2"),
            "pre-releases after an introduced pre-release"
        );
        assert!(a.affects("0.3.2"));
        assert!(!a.affects("0.3.3-rc.1"), "above last_affected, even as a pre-release");
        assert!(!a.affects("not-semver"));
        assert_eq!(a.fixed_versions().len(), 1);
    }

    #[test]
    fn last_affected_is_inclusive() {
        let e = Ecosystem::PyPI;
        let a = affected(
            e.clone(),
            vec![range(&e, RangeKind::Ecosystem, &[("i", "1.0"), ("l", "1.4")])],
            &[],
        );
        assert!(a.affects("1.4"));
        assert!(a.affects("1.4.0"));
        assert!(!a.affects("1.4.post1"));
        assert!(a.affects("1.4rc1"));
        assert!(!a.affects("0.9"));
    }

    #[test]
    fn limit_cuts_the_range() {
        let e = Ecosystem::Npm;
        let a = affected(
            e.clone(),
            vec![range(&e, RangeKind::Semver, &[("i", "1.0.0"), ("lim", "1.5.0")])],
            &[],
        );
        assert!(a.affects("1.4.9"));
        assert!(!a.affects("1.5.0"));
        let star = affected(
            e.clone(),
            vec![range(&e, RangeKind::Semver, &[("i", "1.0.0"), ("lim", "*")])],
            &[],
        );
        assert!(star.affects("9.0.0"));
    }

    #[test]
    fn explicit_versions_and_debian_ordering() {
        let e = Ecosystem::Debian;
        let a = affected(
            e.clone(),
            vec![range(
                &e,
                RangeKind::Ecosystem,
                &[("i", "0"), ("f", "3.0.11-1~deb12u2")],
            )],
            &["4.0-1"],
        );
        assert!(a.affects("3.0.11-1~deb12u1"));
        assert!(!a.affects("3.0.11-1"));
        assert!(a.affects("4.0-1"));
        assert!(!a.affects("4.0-2"));
    }

    #[test]
    fn git_ranges_are_skipped() {
        let e = Ecosystem::CratesIo;
        let a = affected(
            e.clone(),
            vec![range(&e, RangeKind::Git, &[("i", "0"), ("f", "abc123")])],
            &[],
        );
        assert!(!a.affects("1.0.0"));
    }

    #[test]
    fn bad_version_is_reported_with_its_path() {
        let err = Range::new(
            &Ecosystem::CratesIo,
            RangeKind::Semver,
            vec![Event::Introduced("0".into()), Event::Fixed("not.a.version".into())],
            "affected[0].ranges[0]",
        )
        .unwrap_err();
        assert_eq!(err.path, "affected[0].ranges[0].events[1].fixed");
    }

    #[test]
    fn cli_short_form() {
        let a = parse_cli_range(&Ecosystem::CratesIo, "x", "introduced=1.0.0,fixed=1.2.0").unwrap();
        assert!(a.affects("1.1.0"));
        assert!(!a.affects("0.9.0"));
        let b = parse_cli_range(&Ecosystem::CratesIo, "x", "fixed=1.2.0").unwrap();
        assert!(b.affects("0.9.0"));
        let c = parse_cli_range(
            &Ecosystem::CratesIo,
            "x",
            r#"{"type":"SEMVER","events":[{"introduced":"1.0.0"},{"fixed":"1.2.0"}]}"#,
        )
        .unwrap();
        assert!(c.affects("1.1.0"));
        assert!(parse_cli_range(&Ecosystem::CratesIo, "x", "fixed=banana").is_err());
    }
}
