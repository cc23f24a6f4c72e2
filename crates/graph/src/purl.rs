//! Package URLs: every package version in a graph is named by its PURL.

use std::str::FromStr;

use packageurl::PackageUrl;

use crate::version::Ecosystem;

/// Formats the PURL of a package version. Scoped npm names (`@scope/name`) and
/// other `namespace/name` forms put the part before the last `/` in the
/// namespace; Debian packages get the `debian` namespace and an `arch` qualifier.
pub fn format(eco: &Ecosystem, name: &str, version: &str, qualifier: &str) -> String {
    let ty = eco.purl_type();
    let (namespace, short) = match eco {
        Ecosystem::Debian => (Some("debian"), name),
        _ => match name.rsplit_once('/') {
            Some((ns, n)) if !ns.is_empty() && !n.is_empty() => (Some(ns), n),
            _ => (None, name),
        },
    };
    let Ok(mut purl) = PackageUrl::new(ty, short) else {
        return format!("pkg:{ty}/{name}@{version}");
    };
    if let Some(ns) = namespace {
        let _ = purl.with_namespace(ns);
    }
    if !version.is_empty() {
        let _ = purl.with_version(version);
    }
    if !qualifier.is_empty() {
        let _ = purl.add_qualifier("arch", qualifier);
    }
    purl.to_string()
}

/// The parts of a PURL a graph keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurlParts {
    /// Ecosystem from the PURL type.
    pub ecosystem: Ecosystem,
    /// Name, with the namespace in front for npm scopes and non-Debian types.
    pub name: String,
    /// Version (empty if none).
    pub version: String,
    /// Debian architecture (empty if none).
    pub qualifier: String,
}

/// Parses a PURL into the parts a graph keeps.
pub fn parse(text: &str) -> Result<PurlParts, String> {
    let purl = PackageUrl::from_str(text).map_err(|e| format!("invalid PURL {text:?}: {e}"))?;
    let ecosystem = Ecosystem::from_purl_type(purl.ty());
    let name = match (purl.namespace(), &ecosystem) {
        (Some(ns), e) if *e != Ecosystem::Debian => format!("{ns}/{}", purl.name()),
        _ => purl.name().to_string(),
    };
    let name = ecosystem.normalize_name(&name);
    Ok(PurlParts {
        ecosystem,
        name,
        version: purl.version().unwrap_or_default().to_string(),
        qualifier: purl.qualifiers().get("arch").map(|s| s.to_string()).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_each_ecosystem() {
        assert_eq!(
            format(&Ecosystem::CratesIo, "serde", "1.0.0", ""),
            "pkg:cargo/serde@1.0.0"
        );
        assert_eq!(
            format(&Ecosystem::Npm, "@babel/core", "7.0.0", ""),
            "pkg:npm/%40babel/core@7.0.0"
        );
        assert_eq!(
            format(&Ecosystem::Debian, "libssl3", "3.0.11-1~deb12u2", "amd64"),
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64"
        );
        let p = parse("pkg:npm/%40babel/core@7.0.0").unwrap();
        assert_eq!((p.name.as_str(), p.version.as_str()), ("@babel/core", "7.0.0"));
        let d = parse("pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64").unwrap();
        assert_eq!((d.name.as_str(), d.qualifier.as_str()), ("libssl3", "amd64"));
        assert_eq!(parse("pkg:pypi/Django_Rest@1.0").unwrap().name, "django-rest");
        assert!(parse("not a purl").is_err());
    }
}
