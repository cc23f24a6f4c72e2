//! SSVC decisions, driven by CERT/CC's official decision tables.
//!
//! The tables in `data/ssvc/` are copies of `../shared/data/ssvc/csv` (MIT-style
//! licence beside them), embedded so that the binary works anywhere; the tests check
//! each copy equals the official file and that every row of it decides as it says.
//! A decision is looked up, not re-derived: the tables are the specification.
//! Intermediate decision points (Utility, Public Safety Impact, Human Impact) that a
//! caller does not give are computed from their own tables when their inputs are given.

use std::fmt;
use std::sync::OnceLock;

/// The decision tables Lockstep knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TableId {
    /// CISA's coordinator tree 2.0.3: Track, Track*, Attend, Act.
    CisaCoordinator,
    /// Coordinator triage 1.0.0: decline, track, coordinate.
    CoordinatorTriage,
    /// Coordinator publish 1.0.0: publish, do not publish.
    CoordinatorPublish,
    /// Supplier patch development priority 1.0.0: defer, scheduled, out-of-cycle, immediate.
    SupplierPatchDevelopment,
    /// Deployer patch application priority 1.0.0: defer, scheduled, out-of-cycle, immediate.
    DeployerPatchApplication,
    /// Human Impact 1.0.0 (from Safety Impact and Mission Impact).
    HumanImpact,
    /// Public Safety Impact 1.0.0 (from Safety Impact).
    PublicSafetyImpact,
    /// Utility 1.0.0 (from Automatable and Value Density).
    Utility,
}

impl TableId {
    pub const ALL: &'static [TableId] = &[
        Self::CisaCoordinator,
        Self::CoordinatorTriage,
        Self::CoordinatorPublish,
        Self::SupplierPatchDevelopment,
        Self::DeployerPatchApplication,
        Self::HumanImpact,
        Self::PublicSafetyImpact,
        Self::Utility,
    ];

    /// The official file name of the table (under `csv/cisa` or `csv/ssvc`).
    pub fn file_name(self) -> &'static str {
        match self {
            Self::CisaCoordinator => "cisa_coordinator_2_0_3.csv",
            Self::CoordinatorTriage => "coordinator_triage_1_0_0.csv",
            Self::CoordinatorPublish => "coordinator_publish_decision_table_1_0_0.csv",
            Self::SupplierPatchDevelopment => "supplier_patch_development_priority_1_0_0.csv",
            Self::DeployerPatchApplication => "deployer_patch_application_priority_1_0_0.csv",
            Self::HumanImpact => "human_impact_1_0_0.csv",
            Self::PublicSafetyImpact => "public_safety_impact_1_0_0.csv",
            Self::Utility => "utility_1_0_0.csv",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Self::CisaCoordinator => include_str!("../data/ssvc/cisa_coordinator_2_0_3.csv"),
            Self::CoordinatorTriage => include_str!("../data/ssvc/coordinator_triage_1_0_0.csv"),
            Self::CoordinatorPublish => include_str!("../data/ssvc/coordinator_publish_decision_table_1_0_0.csv"),
            Self::SupplierPatchDevelopment => {
                include_str!("../data/ssvc/supplier_patch_development_priority_1_0_0.csv")
            }
            Self::DeployerPatchApplication => {
                include_str!("../data/ssvc/deployer_patch_application_priority_1_0_0.csv")
            }
            Self::HumanImpact => include_str!("../data/ssvc/human_impact_1_0_0.csv"),
            Self::PublicSafetyImpact => include_str!("../data/ssvc/public_safety_impact_1_0_0.csv"),
            Self::Utility => include_str!("../data/ssvc/utility_1_0_0.csv"),
        }
    }

    /// The parsed table.
    pub fn table(self) -> &'static DecisionTable {
        static TABLES: OnceLock<Vec<DecisionTable>> = OnceLock::new();
        let tables = TABLES.get_or_init(|| TableId::ALL.iter().map(|id| DecisionTable::parse(*id)).collect());
        let index = TableId::ALL.iter().position(|id| *id == self).unwrap_or(0);
        &tables[index]
    }
}

/// A decision point's name and version as the table header gives them, for example
/// `Exploitation` `1.1.0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionPoint {
    pub name: String,
    pub version: String,
}

/// One official decision table: input decision points, the outcome, and every row.
#[derive(Debug, Clone)]
pub struct DecisionTable {
    pub id: TableId,
    pub inputs: Vec<DecisionPoint>,
    pub outcome: DecisionPoint,
    rows: Vec<(Vec<String>, String)>,
}

/// Why no decision could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SsvcError {
    #[error("decision point `{point}` is missing (needed by {table:?})")]
    Missing { table: TableId, point: String },
    #[error("decision point `{point}` has no value `{value}`; expected one of: {expected}")]
    Value {
        point: String,
        value: String,
        expected: String,
    },
    #[error("decision point `{0}` is not used by any table")]
    UnknownPoint(String),
}

fn split_header(header: &str) -> DecisionPoint {
    // "CISA Levels v1.1.0 (cisa)" -> ("CISA Levels", "1.1.0")
    let header = header.split(" (").next().unwrap_or(header).trim();
    match header.rsplit_once(" v") {
        Some((name, version)) if version.starts_with(|c: char| c.is_ascii_digit()) => DecisionPoint {
            name: name.to_owned(),
            version: version.to_owned(),
        },
        _ => DecisionPoint {
            name: header.to_owned(),
            version: String::new(),
        },
    }
}

impl DecisionTable {
    /// Parses an embedded table. The embedded files are fixed at build time and
    /// checked by the tests, so a malformed row is skipped, never a panic.
    fn parse(id: TableId) -> Self {
        let mut reader = csv::Reader::from_reader(id.source().as_bytes());
        let headers: Vec<DecisionPoint> = reader
            .headers()
            .map(|h| h.iter().skip(1).map(split_header).collect())
            .unwrap_or_default();
        let (inputs, outcome) = match headers.split_last() {
            Some((outcome, inputs)) => (inputs.to_vec(), outcome.clone()),
            None => (Vec::new(), split_header("")),
        };
        let rows = reader
            .records()
            .filter_map(Result::ok)
            .filter(|r| r.len() == inputs.len() + 2)
            .map(|r| {
                let values: Vec<String> = r.iter().skip(1).map(str::to_owned).collect();
                let (outcome, inputs) = values
                    .split_last()
                    .map_or((String::new(), &[][..]), |(o, i)| (o.clone(), i));
                (inputs.to_vec(), outcome)
            })
            .collect();
        Self {
            id,
            inputs,
            outcome,
            rows,
        }
    }

    /// Every row: input values in the order of `inputs`, and the outcome.
    pub fn rows(&self) -> impl Iterator<Item = (&[String], &str)> {
        self.rows.iter().map(|(i, o)| (i.as_slice(), o.as_str()))
    }

    /// The values a decision point takes in this table (inputs or the outcome).
    pub fn values(&self, point: &str) -> Vec<&str> {
        let mut values: Vec<&str> = if self.outcome.name == point {
            self.rows.iter().map(|(_, o)| o.as_str()).collect()
        } else if let Some(i) = self.inputs.iter().position(|p| p.name == point) {
            self.rows.iter().map(|(v, _)| v[i].as_str()).collect()
        } else {
            Vec::new()
        };
        let mut seen = std::collections::HashSet::new();
        values.retain(|v| seen.insert(*v));
        values
    }

    /// Decides from decision point values given by name (`("Exploitation", "active")`).
    /// Inputs that are themselves the outcome of another table are computed from that
    /// table when not given.
    pub fn decide(&self, given: &[(&str, &str)]) -> Result<&str, SsvcError> {
        for (point, _) in given {
            if !TableId::ALL.iter().any(|t| {
                let t = t.table();
                t.outcome.name == *point || t.inputs.iter().any(|p| p.name == *point)
            }) {
                return Err(SsvcError::UnknownPoint((*point).to_owned()));
            }
        }
        let mut values = Vec::with_capacity(self.inputs.len());
        for point in &self.inputs {
            let value = match given.iter().find(|(name, _)| *name == point.name) {
                Some((_, value)) => (*value).to_owned(),
                None => match TableId::ALL
                    .iter()
                    .map(|t| t.table())
                    .find(|t| t.outcome.name == point.name)
                {
                    Some(sub) if sub.id != self.id => sub.decide(given)?.to_owned(),
                    _ => {
                        return Err(SsvcError::Missing {
                            table: self.id,
                            point: point.name.clone(),
                        })
                    }
                },
            };
            let allowed = self.values(&point.name);
            if !allowed.contains(&value.as_str()) {
                return Err(SsvcError::Value {
                    point: point.name.clone(),
                    value,
                    expected: allowed.join(", "),
                });
            }
            values.push(value);
        }
        self.rows
            .iter()
            .find(|(row, _)| *row == values)
            .map(|(_, outcome)| outcome.as_str())
            .ok_or_else(|| SsvcError::Missing {
                table: self.id,
                point: self.outcome.name.clone(),
            })
    }
}

/// CISA's coordinator decision (SSVC CISA tree 2.0.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum CisaLevel {
    #[serde(rename = "track")]
    Track,
    #[serde(rename = "track*")]
    TrackStar,
    #[serde(rename = "attend")]
    Attend,
    #[serde(rename = "act")]
    Act,
}

impl CisaLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Track => "track",
            Self::TrackStar => "track*",
            Self::Attend => "attend",
            Self::Act => "act",
        }
    }
}

impl fmt::Display for CisaLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // CISA writes the levels capitalised: Track, Track*, Attend, Act.
        let s = self.as_str();
        let mut chars = s.chars();
        if let Some(first) = chars.next() {
            write!(f, "{}{}", first.to_ascii_uppercase(), chars.as_str())?;
        }
        Ok(())
    }
}

/// The inputs of CISA's coordinator tree, in the tables' own words:
/// exploitation `none|public poc|active`, automatable `no|yes`, technical impact
/// `partial|total`, mission and well-being impact `low|medium|high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CisaInputs<'a> {
    pub exploitation: &'a str,
    pub automatable: &'a str,
    pub technical_impact: &'a str,
    pub mission_and_well_being: &'a str,
}

/// Track, Track*, Attend or Act for a vulnerability.
pub fn cisa_decision(inputs: CisaInputs<'_>) -> Result<CisaLevel, SsvcError> {
    let outcome = TableId::CisaCoordinator.table().decide(&[
        ("Exploitation", inputs.exploitation),
        ("Automatable", inputs.automatable),
        ("Technical Impact", inputs.technical_impact),
        ("Mission and Well-Being Impact", inputs.mission_and_well_being),
    ])?;
    match outcome {
        "track" => Ok(CisaLevel::Track),
        "track*" => Ok(CisaLevel::TrackStar),
        "attend" => Ok(CisaLevel::Attend),
        _ => Ok(CisaLevel::Act),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cisa_examples() {
        let level = |e, a, t, m| {
            cisa_decision(CisaInputs {
                exploitation: e,
                automatable: a,
                technical_impact: t,
                mission_and_well_being: m,
            })
        };
        assert_eq!(level("none", "no", "partial", "low"), Ok(CisaLevel::Track));
        assert_eq!(level("active", "yes", "total", "high"), Ok(CisaLevel::Act));
        assert_eq!(CisaLevel::TrackStar.to_string(), "Track*");
        let err = level("sometimes", "no", "partial", "low").unwrap_err();
        assert!(err.to_string().contains("public poc"), "{err}");
    }

    #[test]
    fn intermediate_points_are_computed() {
        // Supplier tree needs Utility and Public Safety Impact; give their inputs instead.
        let supplier = TableId::SupplierPatchDevelopment.table();
        let direct = supplier.decide(&[
            ("Exploitation", "active"),
            ("Utility", "super effective"),
            ("Technical Impact", "total"),
            ("Public Safety Impact", "significant"),
        ]);
        let derived = supplier.decide(&[
            ("Exploitation", "active"),
            ("Automatable", "yes"),
            ("Value Density", "concentrated"),
            ("Technical Impact", "total"),
            ("Safety Impact", "catastrophic"),
        ]);
        assert_eq!(direct, Ok("immediate"));
        assert_eq!(derived, direct);
        assert!(matches!(
            supplier.decide(&[("Exploitation", "active")]),
            Err(SsvcError::Missing { .. })
        ));
        assert!(matches!(
            supplier.decide(&[("Colour", "red")]),
            Err(SsvcError::UnknownPoint(_))
        ));
    }
}
