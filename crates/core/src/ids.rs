//! Typed identifiers. Ids are random (UUID v4), never sequential: a sequential case
//! number would let an outsider count embargoed cases.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($($name:ident),+) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            /// A fresh random id.
            pub fn new() -> Self {
                Self(uuid::Uuid::new_v4())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }
    )+};
}

id_type!(
    CaseId,
    UserId,
    ProjectId,
    VulnerabilityId,
    ParticipantId,
    MessageId,
    TaskId,
    DecisionId
);

// API tokens are named by id in `lockstep token revoke ID`; like every id, random.
id_type!(TokenId);

// The notification registry: a project's contacts and webhooks.
id_type!(ContactId, WebhookId);
// A finder's report; random like every id, so the queue's size stays private.
id_type!(ReportId, ReportMessageId);
