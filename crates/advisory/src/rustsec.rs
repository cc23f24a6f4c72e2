//! The RustSec advisory format (TOML front matter in a Markdown file) read into the model.
//!
//! The conversion follows what the RustSec project publishes as OSV (the `rustsec`
//! crate's `osv` module): RustSec records the versions that are *not* affected
//! (`patched`, `unaffected`) as Cargo version requirements; OSV wants the affected
//! ones, so the unaffected intervals are sorted and their gaps become
//! `introduced`/`fixed` events, with `0.0.0-0` for "from the start" and `x.y.(z+1)-0`
//! for the version right after an inclusive bound. The test
//! `rustsec_to_osv_agrees_with_published_osv_real_data` holds it to the published files.

use jiff::Timestamp;
use semver::{Comparator, Op, Prerelease, Version, VersionReq};
use serde::Deserialize;

use crate::model::{Affected, Event, Package, Range, RangeKind, Reference, Severity, Vulnerability};
use crate::ImportError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Front {
    advisory: Meta,
    #[serde(default)]
    affected: Option<AffectedMeta>,
    #[serde(default)]
    versions: VersionsMeta,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Meta {
    id: String,
    package: String,
    date: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    related: Vec<String>,
    #[serde(default)]
    cvss: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    informational: Option<String>,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    license: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    expect_deleted: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
struct AffectedMeta {
    #[serde(default)]
    functions: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default)]
    os: Vec<String>,
    #[serde(default)]
    arch: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
struct VersionsMeta {
    #[serde(default)]
    patched: Vec<String>,
    #[serde(default)]
    unaffected: Vec<String>,
}

fn field(path: impl Into<String>, message: impl Into<String>) -> ImportError {
    ImportError::Field {
        path: path.into(),
        message: message.into(),
    }
}

/// A RustSec date (`2020-12-21`) as RustSec's OSV export writes it: noon UTC.
fn date(path: &str, value: &str) -> Result<Timestamp, ImportError> {
    format!("{value}T12:00:00Z")
        .parse()
        .map_err(|e| field(path, format!("`{value}` is not a date (YYYY-MM-DD): {e}")))
}

/// Reads one RustSec advisory (the whole `.md` file).
pub fn from_markdown(text: &str) -> Result<Vulnerability, ImportError> {
    let rest = text
        .strip_prefix("```toml")
        .ok_or_else(|| field("front matter", "the file must start with ```toml"))?;
    let end = rest
        .find("\n```")
        .ok_or_else(|| field("front matter", "no closing ``` after the TOML front matter"))?;
    let front: Front = {
        let de = toml::Deserializer::parse(&rest[..end]).map_err(|e| field("front matter", e.to_string()))?;
        serde_path_to_error::deserialize(de).map_err(|e| field(e.path().to_string(), e.inner().to_string()))?
    };
    let markdown = rest[end + 4..].trim_start();
    let markdown = markdown
        .strip_prefix("# ")
        .ok_or_else(|| field("markdown", "expected a `# title` line after the front matter"))?;
    let (title, description) = markdown.split_once('\n').unwrap_or((markdown, ""));
    let meta = front.advisory;

    let mut ranges_out = Vec::new();
    for (start, end) in affected_ranges(&front.versions)? {
        ranges_out.push(Event::Introduced(
            start.map_or_else(|| "0.0.0-0".to_owned(), |v| v.to_string()),
        ));
        if let Some(end) = end {
            ranges_out.push(Event::Fixed(end.to_string()));
        }
    }

    let mut references = vec![
        Reference {
            kind: "PACKAGE".to_owned(),
            url: format!("https://crates.io/crates/{}", meta.package),
        },
        Reference {
            kind: "ADVISORY".to_owned(),
            url: format!("https://rustsec.org/advisories/{}.html", meta.id),
        },
    ];
    for url in meta.url.iter().chain(&meta.references) {
        references.push(Reference {
            kind: guess_url_kind(url).to_owned(),
            url: url.clone(),
        });
    }
    let severity = match &meta.cvss {
        Some(vector) => {
            let parsed = crate::cvss::Vector::parse(vector).map_err(|e| field("advisory.cvss", e.to_string()))?;
            vec![Severity::from_vector(&parsed)]
        }
        None => Vec::new(),
    };
    let published = date("advisory.date", &meta.date)?;
    let withdrawn = meta
        .withdrawn
        .as_deref()
        .map(|d| date("advisory.withdrawn", d))
        .transpose()?;
    let affected_meta = front.affected.unwrap_or_default();
    let _ = (
        &meta.informational,
        &meta.categories,
        &meta.keywords,
        &meta.license,
        &meta.source,
    );
    let _ = (meta.expect_deleted, &affected_meta.os, &affected_meta.arch);

    let mut v = Vulnerability::new(meta.id.clone(), published);
    v.aliases = meta.aliases;
    v.related = meta.related;
    v.summary = Some(title.trim_end().to_owned());
    v.details = Some(description.trim().to_owned());
    v.severity = severity;
    v.affected = vec![Affected {
        package: Package {
            ecosystem: "crates.io".to_owned(),
            name: meta.package.clone(),
            purl: Some(format!("pkg:cargo/{}", meta.package)),
        },
        ranges: vec![Range {
            kind: RangeKind::Semver,
            repo: None,
            events: ranges_out,
        }],
        versions: Vec::new(),
        functions: affected_meta.functions.into_keys().collect(),
    }];
    v.references = references;
    v.published = Some(published);
    v.withdrawn = withdrawn;
    Ok(v)
}

/// RustSec's own classification of reference URLs in its OSV export.
fn guess_url_kind(url: &str) -> &'static str {
    if (url.contains("://github.com/") || url.contains("://gitlab.")) && url.contains("/issues/") {
        "REPORT"
    } else if url.contains("/advisories/") || url.contains("://www.cve.org/") {
        "ADVISORY"
    } else if url.contains("://crates.io/crates/") {
        "PACKAGE"
    } else {
        "WEB"
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Bound {
    Unbounded,
    Exclusive(Version),
    Inclusive(Version),
}

impl Bound {
    fn version(&self) -> Option<&Version> {
        match self {
            Self::Unbounded => None,
            Self::Exclusive(v) | Self::Inclusive(v) => Some(v),
        }
    }

    /// Whether `self` as a start is at or before `end`.
    fn at_or_before(&self, end: &Self) -> bool {
        match (self.version(), end.version()) {
            (None, _) | (_, None) => true,
            (Some(s), Some(e)) if s < e => true,
            _ => matches!((self, end), (Self::Inclusive(s), Self::Inclusive(e)) if s == e),
        }
    }
}

fn comparator_version(c: &Comparator) -> Version {
    Version {
        major: c.major,
        minor: c.minor.unwrap_or(0),
        patch: c.patch.unwrap_or(0),
        pre: c.pre.clone(),
        build: Default::default(),
    }
}

fn with_pre_zero(mut v: Version) -> Version {
    v.pre = Prerelease::new("0").unwrap_or(Prerelease::EMPTY);
    v
}

/// The smallest version above `v` in SemVer precedence, as RustSec writes it.
fn increment(v: &Version) -> Version {
    let mut v = v.clone();
    v.build = Default::default();
    if v.pre.is_empty() {
        v.patch += 1;
        with_pre_zero(v)
    } else {
        let pre = format!("{}.0", v.pre);
        v.pre = Prerelease::new(&pre).unwrap_or(v.pre);
        v
    }
}

/// One unaffected interval from a version requirement.
fn unaffected_range(path: &str, text: &str) -> Result<(Bound, Bound), ImportError> {
    let req = VersionReq::parse(text).map_err(|e| field(path, format!("`{text}`: {e}")))?;
    let bad = |msg: &str| field(path, format!("`{text}`: {msg}"));
    if req.comparators.len() > 2 {
        return Err(bad("more than two comparators"));
    }
    let (mut start, mut end) = (Bound::Unbounded, Bound::Unbounded);
    let alone = req.comparators.len() == 1;
    for c in &req.comparators {
        let v = comparator_version(c);
        match c.op {
            Op::Greater | Op::GreaterEq if start != Bound::Unbounded => return Err(bad("two lower bounds")),
            Op::Less | Op::LessEq if end != Bound::Unbounded => return Err(bad("two upper bounds")),
            Op::Greater => start = Bound::Exclusive(v),
            Op::GreaterEq => start = Bound::Inclusive(v),
            Op::Less => end = Bound::Exclusive(v),
            Op::LessEq => end = Bound::Inclusive(v),
            Op::Exact | Op::Caret | Op::Tilde if !alone => return Err(bad("=, ^ and ~ must stand alone")),
            Op::Exact => {
                start = Bound::Inclusive(v.clone());
                end = Bound::Inclusive(v);
            }
            Op::Caret => {
                let upper = if v.major == 0 {
                    match (c.minor, c.patch) {
                        (Some(0), Some(patch)) => Version::new(0, 0, patch + 1),
                        (Some(minor), _) => Version::new(0, minor + 1, 0),
                        _ => Version::new(1, 0, 0),
                    }
                } else {
                    Version::new(v.major + 1, 0, 0)
                };
                start = Bound::Inclusive(v);
                end = Bound::Exclusive(with_pre_zero(upper));
            }
            Op::Tilde => {
                let upper = match c.minor {
                    Some(minor) => Version::new(c.major, minor + 1, 0),
                    None => Version::new(c.major + 1, 0, 0),
                };
                start = Bound::Inclusive(v);
                end = Bound::Exclusive(with_pre_zero(upper));
            }
            _ => return Err(bad("unsupported operator")),
        }
    }
    if !start.at_or_before(&end) {
        return Err(bad("the lower bound is above the upper bound"));
    }
    Ok((start, end))
}

type Interval = (Option<Version>, Option<Version>);

/// The affected intervals `[introduced, fixed)` between the unaffected ones.
fn affected_ranges(versions: &VersionsMeta) -> Result<Vec<Interval>, ImportError> {
    let mut unaffected = Vec::new();
    for (i, req) in versions.unaffected.iter().enumerate() {
        unaffected.push(unaffected_range(&format!("versions.unaffected[{i}]"), req)?);
    }
    for (i, req) in versions.patched.iter().enumerate() {
        unaffected.push(unaffected_range(&format!("versions.patched[{i}]"), req)?);
    }
    if unaffected.is_empty() {
        return Ok(vec![(None, None)]);
    }
    for (i, a) in unaffected.iter().enumerate() {
        for b in &unaffected[i + 1..] {
            if a.0.at_or_before(&b.1) && b.0.at_or_before(&a.1) {
                return Err(field("versions", "patched and unaffected ranges overlap"));
            }
        }
    }
    unaffected.sort_by(|a, b| match (a.0.version(), b.0.version()) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, _) => std::cmp::Ordering::Less,
        (_, None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(y),
    });
    let mut out = Vec::new();
    match &unaffected[0].0 {
        Bound::Unbounded => {}
        Bound::Exclusive(v) => out.push((None, Some(increment(v)))),
        Bound::Inclusive(v) => out.push((None, Some(v.clone()))),
    }
    for pair in unaffected.windows(2) {
        let start = match &pair[0].1 {
            Bound::Exclusive(v) => v.clone(),
            Bound::Inclusive(v) => increment(v),
            Bound::Unbounded => return Err(field("versions", "an unbounded range is not the last one")),
        };
        let end = match &pair[1].0 {
            Bound::Exclusive(v) => increment(v),
            Bound::Inclusive(v) => v.clone(),
            Bound::Unbounded => return Err(field("versions", "an unbounded range is not the first one")),
        };
        out.push((Some(start), Some(end)));
    }
    match unaffected.last().map(|r| &r.1) {
        Some(Bound::Exclusive(v)) => out.push((Some(v.clone()), None)),
        Some(Bound::Inclusive(v)) => out.push((Some(increment(v)), None)),
        _ => {}
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"```toml
[advisory]
id = "RUSTSEC-2099-0001"
package = "demo"
date = "2099-01-02"
aliases = ["CVE-2099-1"]
cvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"

[versions]
patched = [">= 1.2.3, < 2.0.0", "^2.1.0"]
unaffected = ["< 0.5"]
```

# Demo flaw

It breaks.
"#;

    #[test]
    fn converts_ranges_like_rustsec() {
        let v = from_markdown(MINIMAL).unwrap();
        assert_eq!(v.summary.as_deref(), Some("Demo flaw"));
        assert_eq!(v.details.as_deref(), Some("It breaks."));
        let events: Vec<String> = v.affected[0].ranges[0]
            .events
            .iter()
            .map(|e| format!("{e:?}"))
            .collect();
        assert_eq!(
            events,
            [
                "Introduced(\"0.5.0\")",
                "Fixed(\"1.2.3\")",
                "Introduced(\"2.0.0\")",
                "Fixed(\"2.1.0\")",
                "Introduced(\"3.0.0-0\")"
            ]
        );
    }

    #[test]
    fn errors_name_the_field() {
        let err = |s: &str| from_markdown(s).unwrap_err().to_string();
        assert!(err("# no front matter").contains("```toml"));
        assert!(err(&MINIMAL.replace("^2.1.0", "^2.x.0")).contains("versions.patched[1]"));
        assert!(err(&MINIMAL.replace("date = \"2099-01-02\"", "date = \"soon\"")).contains("advisory.date"));
        assert!(err(&MINIMAL.replace("A:H", "A:Q")).contains("metric A"));
        assert!(err(&MINIMAL.replace("package = \"demo\"\n", "")).contains("package"));
        assert!(err(&MINIMAL.replace("< 0.5", ">= 1.5")).contains("overlap"));
    }
}
