//! Lockstep's domain: the words coordinators and participants use, and the rules
//! that hold between them. Nothing here does I/O; the store persists these types and
//! the server renders them.

mod macros;

pub mod authz;
pub mod case;
pub mod clock;
pub mod ids;
pub mod intake;
pub mod notify;
pub mod publication;
pub mod roles;
pub mod schedule;
pub mod security_txt;
pub mod thread;
pub mod tlp;
pub mod vex;

pub use case::{Embargo, EmbargoPolicy, EmbargoState, InvalidTransition, Phase, Trigger};
pub use clock::Clock;
pub use ids::{
    CaseId, ContactId, DecisionId, MessageId, ParticipantId, ProjectId, ReportId, ReportMessageId, TaskId, TokenId,
    UserId, VulnerabilityId, WebhookId,
};
pub use intake::{CreditPreference, Exposure, ReportState};
pub use roles::{ContactRole, GlobalRole, MembershipRole, ParticipantRole};
pub use tlp::Tlp;
pub use vex::{Justification, VexStatus};

/// A value in a closed vocabulary that was not one of its words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{value}`; expected one of: {expected}")]
pub struct UnknownVariant {
    pub kind: &'static str,
    pub value: String,
    pub expected: String,
}

mod task {
    use crate::macros::vocabulary;

    vocabulary! {
        /// Where a task stands.
        pub enum TaskStatus: "task status" {
            Open = "open",
            InProgress = "in_progress",
            Done = "done",
        }
    }
}
pub use task::TaskStatus;
