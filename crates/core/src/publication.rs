//! What may be public, decided in one place: every public route, every export meant
//! for the public, the publish action and the tests ask these functions.

use crate::{EmbargoState, Phase};

/// Whether a case's published advisory may be shown to the public now: its embargo
/// is over (or there never was one) and the case is disclosed or later. Checked on
/// publication and again on every public read.
pub fn case_may_be_public(phase: Phase, embargo: EmbargoState) -> bool {
    matches!(embargo, EmbargoState::Exited | EmbargoState::None) && phase >= Phase::Disclosed
}

/// Why a case's advisory may not be made public now, if anything stops it.
pub fn case_publish_blocker(phase: Phase, embargo: EmbargoState) -> Option<String> {
    if !matches!(embargo, EmbargoState::Exited | EmbargoState::None) {
        return Some(format!("the case's embargo is {embargo}; it must be exited first"));
    }
    if phase < Phase::Disclosed {
        return Some(format!("the case is in {phase}; it must be disclosed first"));
    }
    None
}

/// Whether a participant's status, justification and fixed version may appear in
/// the public edition of an advisory: only where the participant agreed to publish
/// them. Sharing with co-participants is a different choice and grants nothing here;
/// a coordinator who wants a fact public writes it into the advisory's text.
pub fn status_may_be_public(participant_publishes: bool) -> bool {
    participant_publishes
}

/// Whether a participant's free-text impact statement may appear in the public
/// edition: it was written for the people read in, so only when the participant
/// agreed to publish its statuses.
pub fn impact_statement_may_be_public(participant_publishes: bool) -> bool {
    participant_publishes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_disclosed_cases_out_of_embargo_are_public() {
        assert!(case_may_be_public(Phase::Disclosed, EmbargoState::Exited));
        assert!(case_may_be_public(Phase::Closed, EmbargoState::None));
        assert!(!case_may_be_public(Phase::Coordinating, EmbargoState::None));
        assert!(!case_may_be_public(Phase::Disclosed, EmbargoState::Active));
        assert!(case_publish_blocker(Phase::Disclosed, EmbargoState::Revising).is_some());
    }

    #[test]
    fn statuses_are_public_only_by_consent() {
        assert!(!status_may_be_public(false));
        assert!(status_may_be_public(true));
    }
}
