//! CVSS vectors (v2.0 for old data, v3.0, v3.1, v4.0): strict parsing and scoring.
//!
//! Parsing is ours and strict: every component is checked against the metric table of
//! its version below (known metric, allowed value, no duplicates, every base metric
//! present), so that an error always names the metric.
//!
//! Scoring: v2.0 and v4.0 are delegated to the RustSec `cvss` crate (v4.0 there is the
//! macrovector lookup table and interpolation of the FIRST specification's reference
//! calculator). v3.x is scored here, by the equations of the v3.0 and v3.1
//! specifications: the crate rounds v3.0 scores with `ceil(x * 10) / 10` on floats,
//! which turns 4.6000000000000005 into 4.7 where the specification's "smallest number,
//! to one decimal place, equal to or higher than its input" is 4.6.
//! `tests/cvss_cross_check.rs` compares every score with Red Hat's independent Python
//! implementation on thousands of vectors.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// A CVSS version this module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CvssVersion {
    #[serde(rename = "2.0")]
    V2,
    #[serde(rename = "3.0")]
    V3_0,
    #[serde(rename = "3.1")]
    V3_1,
    #[serde(rename = "4.0")]
    V4_0,
}

impl CvssVersion {
    /// The version as FIRST writes it: `2.0`, `3.0`, `3.1`, `4.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2 => "2.0",
            Self::V3_0 => "3.0",
            Self::V3_1 => "3.1",
            Self::V4_0 => "4.0",
        }
    }
}

impl fmt::Display for CvssVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The qualitative severity rating of a score (CVSS v3.x/v4.0 section "Qualitative
/// Severity Rating Scale"; for v2.0 the NVD bands Low/Medium/High).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Rating {
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl Rating {
    /// The rating for a v3.x or v4.0 score.
    pub fn of_score(score: f64) -> Self {
        if score < 0.1 {
            Self::None
        } else if score < 4.0 {
            Self::Low
        } else if score < 7.0 {
            Self::Medium
        } else if score < 9.0 {
            Self::High
        } else {
            Self::Critical
        }
    }

    /// The rating for a v2.0 score (NVD's bands; v2.0 itself has no rating scale).
    pub fn of_v2_score(score: f64) -> Self {
        if score < 4.0 {
            Self::Low
        } else if score < 7.0 {
            Self::Medium
        } else {
            Self::High
        }
    }

    /// `NONE`, `LOW`, `MEDIUM`, `HIGH` or `CRITICAL`, as CSAF, CVE 5 and OSV tools spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "NONE",
            Self::Low => "LOW",
            Self::Medium => "MEDIUM",
            Self::High => "HIGH",
            Self::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is wrong with a vector string; each variant names the metric or component.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CvssError {
    #[error("empty CVSS vector")]
    Empty,
    #[error("unsupported CVSS version prefix `{0}`; expected CVSS:3.0, CVSS:3.1, CVSS:4.0 or a v2.0 vector")]
    Version(String),
    #[error("malformed component `{0}`; expected METRIC:VALUE")]
    Malformed(String),
    #[error("unknown CVSS {version} metric `{metric}`")]
    UnknownMetric { version: CvssVersion, metric: String },
    #[error("CVSS {version} metric {metric} has invalid value `{value}`; expected one of: {expected}")]
    InvalidValue {
        version: CvssVersion,
        metric: &'static str,
        value: String,
        expected: String,
    },
    #[error("CVSS {version} metric {metric} appears twice")]
    Duplicate { version: CvssVersion, metric: &'static str },
    #[error("CVSS {version} base metric {metric} is missing")]
    Missing { version: CvssVersion, metric: &'static str },
    #[error("CVSS {version} metric {metric} is out of order: it must come after {after}")]
    Order {
        version: CvssVersion,
        metric: &'static str,
        after: &'static str,
    },
    /// The scoring library refused a vector our tables accepted (should not happen).
    #[error("CVSS {version} vector rejected by the scorer: {message}")]
    Scorer { version: CvssVersion, message: String },
}

/// One metric of a version's table: its abbreviation, its allowed values, and whether
/// it is a mandatory base metric.
struct Metric {
    name: &'static str,
    values: &'static [&'static str],
    mandatory: bool,
}

const fn m(name: &'static str, values: &'static [&'static str], mandatory: bool) -> Metric {
    Metric {
        name,
        values,
        mandatory,
    }
}

const CIA3: &[&str] = &["H", "L", "N"];
const MCIA3: &[&str] = &["X", "H", "L", "N"];
const REQ: &[&str] = &["X", "H", "M", "L"];

/// CVSS v3.0/v3.1 specification, table "Base, Temporal and Environmental Vectors".
const V3_METRICS: &[Metric] = &[
    m("AV", &["N", "A", "L", "P"], true),
    m("AC", &["L", "H"], true),
    m("PR", &["N", "L", "H"], true),
    m("UI", &["N", "R"], true),
    m("S", &["U", "C"], true),
    m("C", CIA3, true),
    m("I", CIA3, true),
    m("A", CIA3, true),
    m("E", &["X", "H", "F", "P", "U"], false),
    m("RL", &["X", "U", "W", "T", "O"], false),
    m("RC", &["X", "C", "R", "U"], false),
    m("CR", REQ, false),
    m("IR", REQ, false),
    m("AR", REQ, false),
    m("MAV", &["X", "N", "A", "L", "P"], false),
    m("MAC", &["X", "L", "H"], false),
    m("MPR", &["X", "N", "L", "H"], false),
    m("MUI", &["X", "N", "R"], false),
    m("MS", &["X", "U", "C"], false),
    m("MC", MCIA3, false),
    m("MI", MCIA3, false),
    m("MA", MCIA3, false),
];

/// CVSS v4.0 specification, table 23 ("Vector string"), in its mandated order.
const V4_METRICS: &[Metric] = &[
    m("AV", &["N", "A", "L", "P"], true),
    m("AC", &["L", "H"], true),
    m("AT", &["N", "P"], true),
    m("PR", &["N", "L", "H"], true),
    m("UI", &["N", "P", "A"], true),
    m("VC", CIA3, true),
    m("VI", CIA3, true),
    m("VA", CIA3, true),
    m("SC", CIA3, true),
    m("SI", CIA3, true),
    m("SA", CIA3, true),
    m("E", &["X", "A", "P", "U"], false),
    m("CR", REQ, false),
    m("IR", REQ, false),
    m("AR", REQ, false),
    m("MAV", &["X", "N", "A", "L", "P"], false),
    m("MAC", &["X", "L", "H"], false),
    m("MAT", &["X", "N", "P"], false),
    m("MPR", &["X", "N", "L", "H"], false),
    m("MUI", &["X", "N", "P", "A"], false),
    m("MVC", MCIA3, false),
    m("MVI", MCIA3, false),
    m("MVA", MCIA3, false),
    m("MSC", MCIA3, false),
    m("MSI", &["X", "S", "H", "L", "N"], false),
    m("MSA", &["X", "S", "H", "L", "N"], false),
    m("S", &["X", "N", "P"], false),
    m("AU", &["X", "N", "Y"], false),
    m("R", &["X", "A", "U", "I"], false),
    m("V", &["X", "D", "C"], false),
    m("RE", &["X", "L", "M", "H"], false),
    m("U", &["X", "Clear", "Green", "Amber", "Red"], false),
];

const CIA2: &[&str] = &["N", "P", "C"];
const REQ2: &[&str] = &["L", "M", "H", "ND"];

/// CVSS v2.0 guide, section 2.4 ("Base, Temporal, Environmental Vectors").
const V2_METRICS: &[Metric] = &[
    m("AV", &["L", "A", "N"], true),
    m("AC", &["H", "M", "L"], true),
    m("Au", &["M", "S", "N"], true),
    m("C", CIA2, true),
    m("I", CIA2, true),
    m("A", CIA2, true),
    m("E", &["U", "POC", "F", "H", "ND"], false),
    m("RL", &["OF", "TF", "W", "U", "ND"], false),
    m("RC", &["UC", "UR", "C", "ND"], false),
    m("CDP", &["N", "L", "LM", "MH", "H", "ND"], false),
    m("TD", &["N", "L", "M", "H", "ND"], false),
    m("CR", REQ2, false),
    m("IR", REQ2, false),
    m("AR", REQ2, false),
];

#[derive(Debug, Clone, PartialEq)]
enum Parsed {
    V2(cvss::v2::Vector),
    V3 { minor: u8, metrics: Vec<(String, String)> },
    V4(cvss::v4::Vector),
}

/// A CVSS vector that passed strict parsing. `Display` gives it back as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Vector {
    version: CvssVersion,
    text: String,
    parsed: Parsed,
}

/// The scores of a vector. For v2.0 and v3.x, `temporal` and `environmental` are always
/// computed (with Not Defined metrics they equal the base score, as the equations say);
/// v4.0 has one score, whose `nomenclature` says which groups it reflects.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scores {
    pub version: CvssVersion,
    pub vector: String,
    pub base_score: f64,
    pub base_severity: Rating,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporal_score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporal_severity: Option<Rating>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environmental_score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environmental_severity: Option<Rating>,
    /// v4.0 only: `CVSS-B`, `CVSS-BT`, `CVSS-BE` or `CVSS-BTE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nomenclature: Option<String>,
}

impl Vector {
    /// Parses a vector strictly. v3.x/v4.0 need their `CVSS:3.x/` or `CVSS:4.0/` prefix;
    /// a vector without prefix is read as v2.0 (optionally in parentheses, as NVD wrote
    /// them, or with a `CVSS:2.0/` prefix).
    pub fn parse(input: &str) -> Result<Self, CvssError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(CvssError::Empty);
        }
        let (version, body) = if let Some(rest) = text.strip_prefix("CVSS:") {
            let (ver, body) = rest.split_once('/').unwrap_or((rest, ""));
            let version = match ver {
                "3.0" => CvssVersion::V3_0,
                "3.1" => CvssVersion::V3_1,
                "4.0" => CvssVersion::V4_0,
                "2.0" => CvssVersion::V2,
                _ => return Err(CvssError::Version(format!("CVSS:{ver}"))),
            };
            (version, body)
        } else {
            let body = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')).unwrap_or(text);
            if !body.contains(':') || body.starts_with("CVSS") {
                return Err(CvssError::Version(text.to_owned()));
            }
            (CvssVersion::V2, body)
        };
        let table = match version {
            CvssVersion::V2 => V2_METRICS,
            CvssVersion::V3_0 | CvssVersion::V3_1 => V3_METRICS,
            CvssVersion::V4_0 => V4_METRICS,
        };
        check_components(version, table, body)?;
        let scorer_err = |e: cvss::Error| CvssError::Scorer {
            version,
            message: e.to_string(),
        };
        let parsed = match version {
            CvssVersion::V2 => Parsed::V2(body.parse().map_err(scorer_err)?),
            CvssVersion::V3_0 | CvssVersion::V3_1 => Parsed::V3 {
                minor: u8::from(version == CvssVersion::V3_1),
                metrics: body
                    .split('/')
                    .filter_map(|c| c.split_once(':'))
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
            },
            CvssVersion::V4_0 => Parsed::V4(text.parse().map_err(scorer_err)?),
        };
        Ok(Self {
            version,
            text: text.to_owned(),
            parsed,
        })
    }

    pub fn version(&self) -> CvssVersion {
        self.version
    }

    /// The vector as it was given (trimmed).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The metrics as written, in the vector's order: `("AV", "N")`, ...
    pub fn metrics(&self) -> Vec<(&str, &str)> {
        let body = match self.text.strip_prefix("CVSS:") {
            Some(rest) => rest.split_once('/').map_or("", |(_, body)| body),
            None => self.text.trim_start_matches('(').trim_end_matches(')'),
        };
        body.split('/').filter_map(|c| c.split_once(':')).collect()
    }

    /// The base score (for v4.0: the score of all metrics given).
    pub fn base_score(&self) -> f64 {
        self.scores().base_score
    }

    /// Every score of the vector with its rating.
    pub fn scores(&self) -> Scores {
        let mut scores = Scores {
            version: self.version,
            vector: self.text.clone(),
            base_score: 0.0,
            base_severity: Rating::None,
            temporal_score: None,
            temporal_severity: None,
            environmental_score: None,
            environmental_severity: None,
            nomenclature: None,
        };
        match &self.parsed {
            Parsed::V2(v) => {
                let (b, t, e) = (
                    v.score().value(),
                    v.temporal_score().value(),
                    v.environmental_score().value(),
                );
                scores.base_score = b;
                scores.base_severity = Rating::of_v2_score(b);
                scores.temporal_score = Some(t);
                scores.temporal_severity = Some(Rating::of_v2_score(t));
                scores.environmental_score = Some(e);
                scores.environmental_severity = Some(Rating::of_v2_score(e));
            }
            Parsed::V3 { minor, metrics } => {
                let (b, t, e) = v3::scores(*minor, metrics);
                scores.base_score = b;
                scores.base_severity = Rating::of_score(b);
                scores.temporal_score = Some(t);
                scores.temporal_severity = Some(Rating::of_score(t));
                scores.environmental_score = Some(e);
                scores.environmental_severity = Some(Rating::of_score(e));
            }
            Parsed::V4(v) => {
                let score = v.score().value();
                scores.base_score = score;
                scores.base_severity = Rating::of_score(score);
                scores.nomenclature = Some(v.nomenclature().to_string());
            }
        }
        scores
    }
}

fn check_components(version: CvssVersion, table: &[Metric], body: &str) -> Result<(), CvssError> {
    let mut seen = vec![false; table.len()];
    let mut last_index: Option<usize> = None;
    for component in body.split('/') {
        let Some((name, value)) = component.split_once(':') else {
            return Err(CvssError::Malformed(component.to_owned()));
        };
        let Some(index) = table.iter().position(|metric| metric.name == name) else {
            return Err(CvssError::UnknownMetric {
                version,
                metric: name.to_owned(),
            });
        };
        let metric = &table[index];
        if seen[index] {
            return Err(CvssError::Duplicate {
                version,
                metric: metric.name,
            });
        }
        seen[index] = true;
        if !metric.values.contains(&value) {
            return Err(CvssError::InvalidValue {
                version,
                metric: metric.name,
                value: value.to_owned(),
                expected: metric.values.join(", "),
            });
        }
        // CVSS v4.0 mandates the order of its table; v2.0 and v3.x allow any order.
        if version == CvssVersion::V4_0 {
            if let Some(last) = last_index.filter(|&last| last > index) {
                return Err(CvssError::Order {
                    version,
                    metric: metric.name,
                    after: table[last].name,
                });
            }
        }
        last_index = Some(index);
    }
    if let Some(metric) = table
        .iter()
        .zip(&seen)
        .find(|(metric, seen)| metric.mandatory && !**seen)
    {
        return Err(CvssError::Missing {
            version,
            metric: metric.0.name,
        });
    }
    Ok(())
}

/// One metric on which two proposed vectors disagree; `X` stands for a metric left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetricDifference {
    pub metric: &'static str,
    pub left: String,
    pub right: String,
}

/// Where two parties' vectors for one vulnerability disagree, metric by metric in the
/// specification's order (for a severity dispute shown side by side). `None` when the
/// versions differ, since their metrics are not the same.
pub fn differences(left: &Vector, right: &Vector) -> Option<Vec<MetricDifference>> {
    let same_family = matches!(
        (left.version, right.version),
        (
            CvssVersion::V3_0 | CvssVersion::V3_1,
            CvssVersion::V3_0 | CvssVersion::V3_1
        )
    ) || left.version == right.version;
    if !same_family {
        return None;
    }
    let table = match left.version {
        CvssVersion::V2 => V2_METRICS,
        CvssVersion::V3_0 | CvssVersion::V3_1 => V3_METRICS,
        CvssVersion::V4_0 => V4_METRICS,
    };
    let (l, r) = (left.metrics(), right.metrics());
    let value = |metrics: &[(&str, &str)], name: &str| {
        metrics
            .iter()
            .find(|(k, _)| *k == name)
            .map_or_else(|| "X".to_owned(), |(_, v)| (*v).to_owned())
    };
    Some(
        table
            .iter()
            .map(|m| MetricDifference {
                metric: m.name,
                left: value(&l, m.name),
                right: value(&r, m.name),
            })
            .filter(|d| d.left != d.right)
            .collect(),
    )
}

/// The CVSS v3.0 and v3.1 equations (v3.1 specification section 7, v3.0 section 8).
mod v3 {
    /// Looks a metric up; an absent optional metric is `X` (Not Defined).
    fn get<'a>(metrics: &'a [(String, String)], name: &str) -> &'a str {
        metrics.iter().find(|(k, _)| k == name).map_or("X", |(_, v)| v.as_str())
    }

    /// A modified base metric, falling back to the base metric when Not Defined.
    fn modified<'a>(metrics: &'a [(String, String)], name: &str) -> &'a str {
        match get(metrics, &format!("M{name}")) {
            "X" => get(metrics, name),
            v => v,
        }
    }

    fn av(v: &str) -> f64 {
        match v {
            "N" => 0.85,
            "A" => 0.62,
            "L" => 0.55,
            _ => 0.2,
        }
    }
    fn ac(v: &str) -> f64 {
        if v == "L" {
            0.77
        } else {
            0.44
        }
    }
    fn pr(v: &str, scope_changed: bool) -> f64 {
        match (v, scope_changed) {
            ("N", _) => 0.85,
            ("L", false) => 0.62,
            ("L", true) => 0.68,
            (_, false) => 0.27,
            (_, true) => 0.5,
        }
    }
    fn ui(v: &str) -> f64 {
        if v == "N" {
            0.85
        } else {
            0.62
        }
    }
    fn cia(v: &str) -> f64 {
        match v {
            "H" => 0.56,
            "L" => 0.22,
            _ => 0.0,
        }
    }
    fn requirement(v: &str) -> f64 {
        match v {
            "H" => 1.5,
            "L" => 0.5,
            _ => 1.0,
        }
    }
    fn temporal_factor(m: &[(String, String)]) -> f64 {
        let e = match get(m, "E") {
            "F" => 0.97,
            "P" => 0.94,
            "U" => 0.91,
            _ => 1.0,
        };
        let rl = match get(m, "RL") {
            "W" => 0.97,
            "T" => 0.96,
            "O" => 0.95,
            _ => 1.0,
        };
        let rc = match get(m, "RC") {
            "R" => 0.96,
            "U" => 0.92,
            _ => 1.0,
        };
        e * rl * rc
    }

    /// Roundup of the v3.1 specification, appendix A. It computes the same function
    /// as v3.0's "round up to one decimal", without the floating-point error that
    /// v3.1 introduced it to avoid, so both versions use it.
    pub(super) fn roundup(input: f64) -> f64 {
        let int_input = (input * 100_000.0).round() as i64;
        if int_input % 10_000 == 0 {
            int_input as f64 / 100_000.0
        } else {
            ((int_input / 10_000) + 1) as f64 / 10.0
        }
    }

    /// Base, temporal and environmental scores.
    pub(super) fn scores(minor: u8, m: &[(String, String)]) -> (f64, f64, f64) {
        let changed = get(m, "S") == "C";
        let iss = 1.0 - (1.0 - cia(get(m, "C"))) * (1.0 - cia(get(m, "I"))) * (1.0 - cia(get(m, "A")));
        let impact = if changed {
            7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
        } else {
            6.42 * iss
        };
        let exploitability = 8.22 * av(get(m, "AV")) * ac(get(m, "AC")) * pr(get(m, "PR"), changed) * ui(get(m, "UI"));
        let base = if impact <= 0.0 {
            0.0
        } else if changed {
            roundup((1.08 * (impact + exploitability)).min(10.0))
        } else {
            roundup((impact + exploitability).min(10.0))
        };
        let temporal = roundup(base * temporal_factor(m));

        let m_changed = modified(m, "S") == "C";
        let miss = (1.0
            - (1.0 - requirement(get(m, "CR")) * cia(modified(m, "C")))
                * (1.0 - requirement(get(m, "IR")) * cia(modified(m, "I")))
                * (1.0 - requirement(get(m, "AR")) * cia(modified(m, "A"))))
        .min(0.915);
        let m_impact = match (m_changed, minor) {
            (false, _) => 6.42 * miss,
            (true, 0) => 7.52 * (miss - 0.029) - 3.25 * (miss - 0.02).powi(15),
            (true, _) => 7.52 * (miss - 0.029) - 3.25 * (miss * 0.9731 - 0.02).powi(13),
        };
        let m_exploitability = 8.22
            * av(modified(m, "AV"))
            * ac(modified(m, "AC"))
            * pr(modified(m, "PR"), m_changed)
            * ui(modified(m, "UI"));
        let environmental = if m_impact <= 0.0 {
            0.0
        } else {
            let factor = if m_changed { 1.08 } else { 1.0 };
            roundup(roundup((factor * (m_impact + m_exploitability)).min(10.0)) * temporal_factor(m))
        };
        (base, temporal, environmental)
    }
}

impl Serialize for Vector {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for Vector {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl FromStr for Vector {
    type Err = CvssError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Vector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_a_v31_vector_with_all_groups() {
        let v = Vector::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C/CR:H/MAV:L").unwrap();
        let s = v.scores();
        assert_eq!(s.version, CvssVersion::V3_1);
        assert_eq!(s.base_score, 9.8);
        assert_eq!(s.base_severity, Rating::Critical);
        assert_eq!(s.temporal_score, Some(8.8));
        assert_eq!(s.environmental_score, Some(7.6));
    }

    #[test]
    fn scores_v4_and_v2() {
        let v = Vector::parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").unwrap();
        assert_eq!(v.base_score(), 9.3);
        assert_eq!(v.scores().nomenclature.as_deref(), Some("CVSS-B"));
        let v2 = Vector::parse("AV:N/AC:L/Au:N/C:P/I:P/A:P").unwrap();
        assert_eq!(v2.version(), CvssVersion::V2);
        assert_eq!(v2.base_score(), 7.5);
        assert_eq!(v2.scores().base_severity, Rating::High);
    }

    #[test]
    fn differences_between_two_proposals() {
        let vendor = Vector::parse("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
        let finder = Vector::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P").unwrap();
        let diff = differences(&vendor, &finder).unwrap();
        let pairs: Vec<(&str, &str, &str)> = diff
            .iter()
            .map(|d| (d.metric, d.left.as_str(), d.right.as_str()))
            .collect();
        assert_eq!(pairs, [("AC", "H", "L"), ("E", "X", "P")]);
        let v4 = Vector::parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").unwrap();
        assert_eq!(differences(&vendor, &v4), None);
        assert_eq!(v4.metrics()[2], ("AT", "N"));
    }

    #[test]
    fn errors_name_the_metric() {
        let err = |s: &str| Vector::parse(s).unwrap_err().to_string();
        assert!(err("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").contains("metric AV has invalid value `X`"));
        assert!(err("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H").contains("base metric A is missing"));
        assert!(err("CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").contains("metric AV appears twice"));
        assert!(err("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1").contains("metric `ZZ`"));
        assert!(err("CVSS:3.2/AV:N").contains("CVSS:3.2"));
        assert!(err("CVSS:3.1/AV:N/AC").contains("malformed component `AC`"));
        assert!(err("CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").contains("AV is out of order"));
        assert!(err("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N").contains("SA is missing"));
        assert_eq!(Vector::parse(" ").unwrap_err(), CvssError::Empty);
        let json: Result<Vector, _> = serde_json::from_str("\"CVSS:3.1/AV:N\"");
        assert!(json.unwrap_err().to_string().contains("base metric AC is missing"));
    }
}
