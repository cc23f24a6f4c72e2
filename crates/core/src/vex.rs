//! A participant's status for one vulnerability, in the OpenVEX vocabulary.

use crate::macros::vocabulary;

vocabulary! {
    /// OpenVEX status. A participant that has said nothing yet has no status at all
    /// (shown as "unknown"); it is not a word of the vocabulary.
    pub enum VexStatus: "VEX status" {
        UnderInvestigation = "under_investigation",
        Affected = "affected",
        NotAffected = "not_affected",
        Fixed = "fixed",
    }
}

vocabulary! {
    /// OpenVEX justification for `not_affected`.
    pub enum Justification: "justification" {
        ComponentNotPresent = "component_not_present",
        VulnerableCodeNotPresent = "vulnerable_code_not_present",
        VulnerableCodeNotInExecutePath = "vulnerable_code_not_in_execute_path",
        VulnerableCodeCannotBeControlledByAdversary = "vulnerable_code_cannot_be_controlled_by_adversary",
        InlineMitigationsAlreadyExist = "inline_mitigations_already_exist",
    }
}

/// What is wrong with a status statement, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct StatementError {
    pub field: &'static str,
    pub message: &'static str,
}

/// Checks a statement against OpenVEX's rules: `not_affected` needs a justification
/// or an impact statement, `fixed` names the version that fixes it, and a
/// justification only goes with `not_affected`.
pub fn check_statement(
    status: VexStatus,
    justification: Option<Justification>,
    impact_statement: Option<&str>,
    fixed_version: Option<&str>,
) -> Result<(), StatementError> {
    let blank = |s: Option<&str>| s.is_none_or(|s| s.trim().is_empty());
    match status {
        VexStatus::NotAffected if justification.is_none() && blank(impact_statement) => Err(StatementError {
            field: "justification",
            message: "not_affected needs a justification or an impact statement",
        }),
        VexStatus::Fixed if blank(fixed_version) => Err(StatementError {
            field: "fixed_version",
            message: "fixed needs the version that fixes it",
        }),
        s if s != VexStatus::NotAffected && justification.is_some() => Err(StatementError {
            field: "justification",
            message: "a justification is only given with not_affected",
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openvex_rules() {
        assert!(check_statement(VexStatus::Affected, None, None, None).is_ok());
        assert_eq!(
            check_statement(VexStatus::NotAffected, None, Some("  "), None)
                .unwrap_err()
                .field,
            "justification"
        );
        assert!(check_statement(
            VexStatus::NotAffected,
            Some(Justification::ComponentNotPresent),
            None,
            None
        )
        .is_ok());
        assert!(check_statement(
            VexStatus::NotAffected,
            None,
            Some("we never parse untrusted input"),
            None
        )
        .is_ok());
        assert_eq!(
            check_statement(VexStatus::Fixed, None, None, None).unwrap_err().field,
            "fixed_version"
        );
        assert!(check_statement(VexStatus::Fixed, None, None, Some("1.2.3")).is_ok());
        assert_eq!(
            check_statement(
                VexStatus::Affected,
                Some(Justification::ComponentNotPresent),
                None,
                None
            )
            .unwrap_err()
            .field,
            "justification"
        );
    }

    #[test]
    fn serde_uses_openvex_spelling() {
        assert_eq!(
            serde_json::to_string(&VexStatus::NotAffected).unwrap(),
            "\"not_affected\""
        );
        assert!(serde_json::from_str::<VexStatus>("\"unknown\"").is_err());
    }
}
