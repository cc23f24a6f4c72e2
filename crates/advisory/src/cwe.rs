//! CWE identifiers, validated and named from MITRE's CWE 4.14 catalogue.
//!
//! `data/cwe-4.14-names.tsv` (id, status, name) is the union of the research view
//! (CWE-1000) and the software-development view (CWE-699) CSVs in
//! `../shared/data/cwe`, embedded so that the binary works anywhere; the test
//! `cwe_table_matches_the_official_csv` keeps it equal to the CSVs. CWE is © The MITRE
//! Corporation, used under its terms of use (`data/CWE-NOTICE`).

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

/// The catalogue version the names come from.
pub const CWE_VERSION: &str = "4.14";

const TABLE: &str = include_str!("../data/cwe-4.14-names.tsv");

/// One weakness of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weakness {
    pub id: u32,
    /// MITRE's status: `Stable`, `Draft` or `Incomplete`.
    pub status: &'static str,
    pub name: &'static str,
}

fn table() -> &'static [Weakness] {
    static PARSED: OnceLock<Vec<Weakness>> = OnceLock::new();
    PARSED.get_or_init(|| {
        TABLE
            .lines()
            .filter_map(|line| {
                let mut cols = line.splitn(3, '\t');
                let id = cols.next()?.parse().ok()?;
                Some(Weakness {
                    id,
                    status: cols.next()?,
                    name: cols.next()?,
                })
            })
            .collect()
    })
}

/// Every weakness of the catalogue, by ascending id.
pub fn all() -> &'static [Weakness] {
    table()
}

/// The weakness with this number, if the catalogue has it.
pub fn lookup(id: u32) -> Option<&'static Weakness> {
    let table = table();
    table.binary_search_by_key(&id, |w| w.id).ok().map(|i| &table[i])
}

/// A CWE id that names a weakness of the catalogue, such as `CWE-79`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CweId(u32);

/// Why a string is not a known CWE id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CweError {
    #[error("`{0}` is not a CWE id; expected CWE-<number>, for example CWE-79")]
    Syntax(String),
    #[error("CWE-{0} is not a weakness in CWE {CWE_VERSION} (research or software-development view)")]
    Unknown(u32),
}

impl CweId {
    /// Validates a number against the catalogue.
    pub fn new(id: u32) -> Result<Self, CweError> {
        lookup(id).map(|_| Self(id)).ok_or(CweError::Unknown(id))
    }

    pub fn number(self) -> u32 {
        self.0
    }

    /// The weakness's name, for example "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')".
    pub fn name(self) -> &'static str {
        lookup(self.0).map_or("", |w| w.name)
    }
}

impl FromStr for CweId {
    type Err = CweError;

    /// Accepts `CWE-79` (any case); nothing else.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s
            .get(..4)
            .filter(|p| p.eq_ignore_ascii_case("CWE-"))
            .and_then(|_| s.get(4..))
            .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| CweError::Syntax(s.to_owned()))?;
        let id = digits.parse().map_err(|_| CweError::Syntax(s.to_owned()))?;
        Self::new(id)
    }
}

impl fmt::Display for CweId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CWE-{}", self.0)
    }
}

impl serde::Serialize for CweId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for CweId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_and_names() {
        let xss: CweId = "CWE-79".parse().unwrap();
        assert!(xss.name().contains("Cross-site Scripting"), "{}", xss.name());
        assert_eq!(xss.to_string(), "CWE-79");
        assert_eq!("cwe-416".parse::<CweId>().unwrap().name(), "Use After Free");
        assert_eq!("CWE-99999".parse::<CweId>(), Err(CweError::Unknown(99999)));
        assert!(matches!("79".parse::<CweId>(), Err(CweError::Syntax(_))));
        assert!(matches!("CWE-".parse::<CweId>(), Err(CweError::Syntax(_))));
        assert!(matches!("CWE-7a".parse::<CweId>(), Err(CweError::Syntax(_))));
        assert!(matches!("CWE-٣".parse::<CweId>(), Err(CweError::Syntax(_))));
        assert_eq!(all().len(), 938);
    }
}
