//! Ecosystems and their own version orderings and requirement syntaxes.
//!
//! Each ecosystem compares by its own rules through a well-kept crate: `semver`
//! (Cargo's rules), `nodejs-semver` (npm), `pep440_rs` (PyPI) and `debversion`
//! (dpkg). The Debian index hot path uses [`dpkg_cmp`], a zero-allocation
//! comparison that a test checks against `debversion` on every version of the
//! real bookworm index, and against `dpkg --compare-versions` itself where the
//! two differ (`debversion` orders `0.9+ds0` above `0.9+ds`; dpkg does not).

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A package ecosystem, named as OSV names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Ecosystem {
    /// crates.io (`pkg:cargo`), SemVer with Cargo's rules.
    #[serde(rename = "crates.io")]
    CratesIo,
    /// npm (`pkg:npm`), node-semver.
    #[serde(rename = "npm")]
    Npm,
    /// PyPI (`pkg:pypi`), PEP 440.
    #[serde(rename = "PyPI")]
    PyPI,
    /// Debian (`pkg:deb/debian`), dpkg ordering.
    #[serde(rename = "Debian")]
    Debian,
    /// Anything else: versions compare only for equality.
    #[serde(untagged)]
    Other(String),
}

impl Ecosystem {
    /// Parses an OSV ecosystem name (`crates.io`, `npm`, `PyPI`, `Debian`, `Debian:12`).
    pub fn from_osv(name: &str) -> Ecosystem {
        let base = name.split(':').next().unwrap_or(name);
        match base {
            "crates.io" => Ecosystem::CratesIo,
            "npm" => Ecosystem::Npm,
            "PyPI" => Ecosystem::PyPI,
            "Debian" => Ecosystem::Debian,
            _ => Ecosystem::Other(name.to_string()),
        }
    }

    /// Maps a PURL type (`cargo`, `npm`, `pypi`, `deb`) to its ecosystem.
    pub fn from_purl_type(ty: &str) -> Ecosystem {
        match ty {
            "cargo" => Ecosystem::CratesIo,
            "npm" => Ecosystem::Npm,
            "pypi" => Ecosystem::PyPI,
            "deb" => Ecosystem::Debian,
            other => Ecosystem::Other(other.to_string()),
        }
    }

    /// The OSV name of the ecosystem.
    pub fn osv_name(&self) -> &str {
        match self {
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Debian => "Debian",
            Ecosystem::Other(s) => s,
        }
    }

    /// The PURL type of the ecosystem.
    pub fn purl_type(&self) -> &str {
        match self {
            Ecosystem::CratesIo => "cargo",
            Ecosystem::Npm => "npm",
            Ecosystem::PyPI => "pypi",
            Ecosystem::Debian => "deb",
            Ecosystem::Other(s) => s,
        }
    }

    /// Canonical form of a package name in this ecosystem (PEP 503 for PyPI).
    pub fn normalize_name(&self, name: &str) -> String {
        match self {
            Ecosystem::PyPI => {
                let mut out = String::with_capacity(name.len());
                let mut last_sep = false;
                for c in name.chars() {
                    if c == '-' || c == '_' || c == '.' {
                        if !last_sep {
                            out.push('-');
                        }
                        last_sep = true;
                    } else {
                        out.extend(c.to_lowercase());
                        last_sep = false;
                    }
                }
                out
            }
            _ => name.to_string(),
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.osv_name())
    }
}

/// A version that failed to parse under its ecosystem's rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {ecosystem} version {text:?}: {reason}")]
pub struct VersionError {
    /// The ecosystem whose rules rejected it.
    pub ecosystem: Ecosystem,
    /// The text as given.
    pub text: String,
    /// Why it was rejected.
    pub reason: String,
}

/// A version parsed under one ecosystem's rules.
#[derive(Debug, Clone)]
pub enum Version {
    /// SemVer 2.0 as Cargo reads it.
    Semver(semver::Version),
    /// npm's semver.
    Npm(nodejs_semver::Version),
    /// PEP 440.
    Pep440(pep440_rs::Version),
    /// A dpkg version, kept as text and compared by [`dpkg_cmp`].
    Deb(DebVersion),
    /// A version of an ecosystem whose ordering we do not know: equality only.
    Opaque(String),
}

/// A dpkg version, validated by `debversion` and compared without allocating.
#[derive(Debug, Clone)]
pub struct DebVersion(String);

impl DebVersion {
    /// Validates `text` as a dpkg version.
    pub fn parse(text: &str) -> Result<DebVersion, VersionError> {
        debversion::Version::from_str(text).map_err(|e| VersionError {
            ecosystem: Ecosystem::Debian,
            text: text.to_string(),
            reason: e.to_string(),
        })?;
        Ok(DebVersion(text.to_string()))
    }

    /// The version as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Version {
    /// Parses `text` by the rules of `ecosystem`.
    pub fn parse(ecosystem: &Ecosystem, text: &str) -> Result<Version, VersionError> {
        let err = |reason: String| VersionError {
            ecosystem: ecosystem.clone(),
            text: text.to_string(),
            reason,
        };
        match ecosystem {
            Ecosystem::CratesIo => semver::Version::parse(text)
                .map(Version::Semver)
                .map_err(|e| err(e.to_string())),
            Ecosystem::Npm => nodejs_semver::Version::parse(text)
                .map(Version::Npm)
                .map_err(|e| err(e.to_string())),
            Ecosystem::PyPI => pep440_rs::Version::from_str(text)
                .map(Version::Pep440)
                .map_err(|e| err(e.to_string())),
            Ecosystem::Debian => DebVersion::parse(text).map(Version::Deb),
            Ecosystem::Other(_) => Ok(Version::Opaque(text.to_string())),
        }
    }

    /// Parses `text` as plain SemVer 2.0 (OSV's `SEMVER` range type). A leading
    /// `v` is tolerated, as OSV's own tooling does.
    pub fn parse_semver(text: &str) -> Result<Version, VersionError> {
        let t = text.strip_prefix('v').unwrap_or(text);
        semver::Version::parse(t)
            .map(Version::Semver)
            .map_err(|e| VersionError {
                ecosystem: Ecosystem::Other("SEMVER".into()),
                text: text.to_string(),
                reason: e.to_string(),
            })
    }

    /// Compares two versions of the same kind; `None` across kinds or when the
    /// ecosystem has no known ordering and the versions differ.
    pub fn compare(&self, other: &Version) -> Option<Ordering> {
        match (self, other) {
            (Version::Semver(a), Version::Semver(b)) => Some(cmp_semver(a, b)),
            (Version::Npm(a), Version::Npm(b)) => Some(a.cmp(b)),
            (Version::Pep440(a), Version::Pep440(b)) => Some(a.cmp(b)),
            (Version::Deb(a), Version::Deb(b)) => Some(dpkg_cmp(&a.0, &b.0)),
            (Version::Opaque(a), Version::Opaque(b)) if a == b => Some(Ordering::Equal),
            _ => None,
        }
    }
}

/// SemVer precedence: build metadata does not take part (semver's `Ord` breaks
/// ties on it, which precedence forbids).
fn cmp_semver(a: &semver::Version, b: &semver::Version) -> Ordering {
    (a.major, a.minor, a.patch)
        .cmp(&(b.major, b.minor, b.patch))
        .then_with(|| a.pre.cmp(&b.pre))
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Semver(v) => v.fmt(f),
            Version::Npm(v) => v.fmt(f),
            Version::Pep440(v) => v.fmt(f),
            Version::Deb(v) => f.write_str(&v.0),
            Version::Opaque(v) => f.write_str(v),
        }
    }
}

/// dpkg's version comparison (`verrevcmp` over epoch, upstream, revision),
/// without allocating: the Debian index compares hundreds of thousands of
/// constraint versions, and `debversion` parses each with a regex.
pub fn dpkg_cmp(a: &str, b: &str) -> Ordering {
    let (ea, ua, ra) = split_deb(a);
    let (eb, ub, rb) = split_deb(b);
    ea.cmp(&eb)
        .then_with(|| verrevcmp(ua.as_bytes(), ub.as_bytes()))
        .then_with(|| verrevcmp(ra.as_bytes(), rb.as_bytes()))
}

fn split_deb(v: &str) -> (u64, &str, &str) {
    let (epoch, rest) = match v.find(':') {
        Some(i) => (v[..i].parse::<u64>().unwrap_or(0), &v[i + 1..]),
        None => (0, v),
    };
    match rest.rfind('-') {
        Some(i) => (epoch, &rest[..i], &rest[i + 1..]),
        None => (epoch, rest, ""),
    }
}

fn order(c: u8) -> i32 {
    if c.is_ascii_digit() {
        0
    } else if c.is_ascii_alphabetic() {
        c as i32
    } else if c == b'~' {
        -1
    } else if c != 0 {
        c as i32 + 256
    } else {
        0
    }
}

fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let mut first_diff = 0;
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = if i < a.len() { order(a[i]) } else { 0 };
            let bc = if j < b.len() { order(b[j]) } else { 0 };
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        while i < a.len() && a[i].is_ascii_digit() && j < b.len() && b[j].is_ascii_digit() {
            if first_diff == 0 {
                first_diff = a[i] as i32 - b[j] as i32;
            }
            i += 1;
            j += 1;
        }
        if i < a.len() && a[i].is_ascii_digit() {
            return Ordering::Greater;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != 0 {
            return first_diff.cmp(&0);
        }
    }
    Ordering::Equal
}

/// A dependent's own constraint on a dependency, in its ecosystem's syntax.
#[derive(Debug, Clone)]
pub enum Requirement {
    /// Cargo's requirement syntax (`^1.2`, `>=1, <2`).
    Cargo(semver::VersionReq),
    /// npm's range syntax (`^1.2.3 || 2.x`).
    Npm(nodejs_semver::Range),
    /// PEP 440 specifiers (`>=1.0,<2`).
    Pep440(pep440_rs::VersionSpecifiers),
    /// A dpkg relation (`>= 3.0.0`).
    Deb(DebRelation, String),
    /// Exactly this version (a lockfile pin with no range recorded).
    Exact(String),
}

/// A dpkg version relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DebRelation {
    /// `<<`
    Less,
    /// `<=` (and the obsolete `<`)
    LessEq,
    /// `=`
    Eq,
    /// `>=` (and the obsolete `>`)
    GreaterEq,
    /// `>>`
    Greater,
}

impl DebRelation {
    /// Parses a dpkg relation operator.
    pub fn parse(op: &str) -> Option<DebRelation> {
        Some(match op {
            "<<" => DebRelation::Less,
            "<=" | "<" => DebRelation::LessEq,
            "=" => DebRelation::Eq,
            ">=" | ">" => DebRelation::GreaterEq,
            ">>" => DebRelation::Greater,
            _ => return None,
        })
    }

    /// Whether `version` stands in this relation to `to`.
    pub fn holds(self, version: &str, to: &str) -> bool {
        let o = dpkg_cmp(version, to);
        match self {
            DebRelation::Less => o == Ordering::Less,
            DebRelation::LessEq => o != Ordering::Greater,
            DebRelation::Eq => o == Ordering::Equal,
            DebRelation::GreaterEq => o != Ordering::Less,
            DebRelation::Greater => o == Ordering::Greater,
        }
    }

    /// The operator as dpkg writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            DebRelation::Less => "<<",
            DebRelation::LessEq => "<=",
            DebRelation::Eq => "=",
            DebRelation::GreaterEq => ">=",
            DebRelation::Greater => ">>",
        }
    }
}

impl Requirement {
    /// Parses a requirement in `ecosystem`'s syntax.
    pub fn parse(ecosystem: &Ecosystem, text: &str) -> Result<Requirement, VersionError> {
        let err = |reason: String| VersionError {
            ecosystem: ecosystem.clone(),
            text: text.to_string(),
            reason,
        };
        match ecosystem {
            Ecosystem::CratesIo => semver::VersionReq::parse(text)
                .map(Requirement::Cargo)
                .map_err(|e| err(e.to_string())),
            Ecosystem::Npm => nodejs_semver::Range::parse(text)
                .map(Requirement::Npm)
                .map_err(|e| err(e.to_string())),
            Ecosystem::PyPI => pep440_rs::VersionSpecifiers::from_str(text)
                .map(Requirement::Pep440)
                .map_err(|e| err(e.to_string())),
            Ecosystem::Debian => {
                let t = text.trim();
                let op_len = t.find(|c: char| !"<>=".contains(c)).unwrap_or(t.len());
                let rel = DebRelation::parse(&t[..op_len]).ok_or_else(|| err("unknown relation".into()))?;
                Ok(Requirement::Deb(rel, t[op_len..].trim().to_string()))
            }
            Ecosystem::Other(_) => Ok(Requirement::Exact(text.to_string())),
        }
    }

    /// Whether `version` satisfies the requirement; `None` when the version is of
    /// another kind than the requirement.
    pub fn matches(&self, version: &Version) -> Option<bool> {
        match (self, version) {
            (Requirement::Cargo(r), Version::Semver(v)) => Some(r.matches(v)),
            (Requirement::Npm(r), Version::Npm(v)) => Some(r.satisfies(v)),
            (Requirement::Pep440(r), Version::Pep440(v)) => Some(r.contains(v)),
            (Requirement::Deb(rel, to), Version::Deb(v)) => Some(rel.holds(v.as_str(), to)),
            (Requirement::Exact(e), v) => Some(e == &v.to_string()),
            _ => None,
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Requirement::Cargo(r) => r.fmt(f),
            Requirement::Npm(r) => r.fmt(f),
            Requirement::Pep440(r) => r.fmt(f),
            Requirement::Deb(rel, v) => write!(f, "{} {}", rel.as_str(), v),
            Requirement::Exact(v) => write!(f, "={v}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_ordering_follows_policy() {
        let ordered = [
            "~~", "~~a", "~", "", "1", "1.0~rc1", "1.0", "1.0-1", "1.0-1+b1", "1.0a", "1.0+dfsg", "1.1", "1:0.1",
        ];
        for w in ordered.windows(2) {
            assert_eq!(dpkg_cmp(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
            assert_eq!(dpkg_cmp(w[1], w[0]), Ordering::Greater);
        }
        assert_eq!(dpkg_cmp("1.01", "1.1"), Ordering::Equal);
        assert_eq!(dpkg_cmp("0:1.0", "1.0"), Ordering::Equal);
        assert_eq!(dpkg_cmp("3.0.11-1~deb12u2", "3.0.11-1"), Ordering::Less);
    }

    #[test]
    fn semver_precedence_ignores_build_metadata() {
        let a = Version::parse(&Ecosystem::CratesIo, "1.0.0+a").unwrap();
        let b = Version::parse(&Ecosystem::CratesIo, "1.0.0+b").unwrap();
        assert_eq!(a.compare(&b), Some(Ordering::Equal));
        let pre = Version::parse(&Ecosystem::CratesIo, "1.0.0-alpha.1").unwrap();
        assert_eq!(pre.compare(&a), Some(Ordering::Less));
    }

    #[test]
    fn pep440_and_npm_orderings() {
        let p = |s| Version::parse(&Ecosystem::PyPI, s).unwrap();
        assert_eq!(p("1.0rc1").compare(&p("1.0")), Some(Ordering::Less));
        assert_eq!(p("1.0.post1").compare(&p("1.0")), Some(Ordering::Greater));
        assert_eq!(p("1.0").compare(&p("1.0.0")), Some(Ordering::Equal));
        let n = |s| Version::parse(&Ecosystem::Npm, s).unwrap();
        assert_eq!(n("1.2.3-beta").compare(&n("1.2.3")), Some(Ordering::Less));
        let r = Requirement::parse(&Ecosystem::Npm, "^1.2.0 || 3.x").unwrap();
        assert_eq!(r.matches(&n("1.9.0")), Some(true));
        assert_eq!(r.matches(&n("2.0.0")), Some(false));
        assert_eq!(r.matches(&n("3.1.0")), Some(true));
    }

    #[test]
    fn pypi_names_normalize() {
        assert_eq!(Ecosystem::PyPI.normalize_name("Foo_Bar.baz"), "foo-bar-baz");
    }
}
