//! The records the store reads and writes, shared with the API as its JSON shapes.

use jiff::{civil::Date, Timestamp};
use lockstep_core::{
    CaseId, DecisionId, Embargo, EmbargoPolicy, GlobalRole, Justification, MembershipRole, MessageId, ParticipantId,
    ParticipantRole, Phase, ProjectId, TaskId, TaskStatus, Tlp, UserId, VexStatus, VulnerabilityId,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A person with an account.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: GlobalRole,
}

/// A party that can be read into a case.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
    pub repository: Option<String>,
    pub security_contact: Option<String>,
    /// Package URLs the project publishes, across ecosystems.
    pub purls: Vec<String>,
}

/// Input for a new project.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    pub name: String,
    #[serde(default)]
    pub repository: Option<String>,
    /// Where security reports go: an email address or an https URL (RFC 9116 `Contact`).
    #[serde(default)]
    pub security_contact: Option<String>,
    #[serde(default)]
    pub purls: Vec<String>,
}

/// A user's membership in a project.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Membership {
    pub project_id: ProjectId,
    pub user_id: UserId,
    pub role: MembershipRole,
}

/// One coordinated effort over one or more vulnerabilities.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Case {
    pub id: CaseId,
    pub title: String,
    pub summary: String,
    pub phase: Phase,
    pub tlp: Tlp,
    pub embargo: Embargo,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

/// Input for a new case.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// TLP label; AMBER by default.
    #[serde(default)]
    pub tlp: Option<Tlp>,
}

/// A proposed or changed embargo.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmbargoChange {
    /// The state to move to (`proposed`, `active`, `revising`, `exited`, `none`).
    pub state: lockstep_core::EmbargoState,
    #[serde(default)]
    pub policy: Option<EmbargoPolicy>,
    /// The public date, an RFC 3339 instant (for example `2026-12-01T14:00:00Z`).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub public_at: Option<Timestamp>,
    /// IANA time zone to show the date in.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// A vulnerability handled in a case.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Vulnerability {
    pub id: VulnerabilityId,
    pub case_id: CaseId,
    pub title: String,
    pub cwe: Option<String>,
    pub cvss_vector: Option<String>,
    /// CVE, GHSA, OSV ids of this flaw.
    pub aliases: Vec<String>,
    /// Affected packages, as OSV `affected` entries.
    pub affected: Vec<AffectedPackage>,
}

/// One affected package, as in OSV: ecosystem and name, ranges of events, and
/// explicit versions. The server checks the ranges with the impact engine before storing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AffectedPackage {
    /// OSV ecosystem: `crates.io`, `npm`, `PyPI`, `Debian`, ...
    pub ecosystem: String,
    pub name: String,
    /// OSV ranges: `{"type": "SEMVER"|"ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2.3"}]}`.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub ranges: Vec<serde_json::Value>,
    #[serde(default)]
    pub versions: Vec<String>,
}

/// A vulnerability to add, parsed at the edge: a vector that scores, a CWE id of
/// MITRE's catalogue, affected packages with typed OSV ranges the impact engine
/// accepted. The API's request shape is the server's.
#[derive(Debug, Clone)]
pub struct NewVulnerability {
    pub title: String,
    pub cwe: Option<lockstep_advisory::cwe::CweId>,
    pub cvss: Option<lockstep_advisory::cvss::Vector>,
    pub aliases: Vec<String>,
    pub affected: Vec<lockstep_advisory::Affected>,
}

impl AffectedPackage {
    /// How a typed affected package is stored and shown: OSV's own shape.
    pub fn of(affected: &lockstep_advisory::Affected) -> AffectedPackage {
        AffectedPackage {
            ecosystem: affected.package.ecosystem.clone(),
            name: affected.package.name.clone(),
            ranges: affected
                .ranges
                .iter()
                .map(|r| {
                    serde_json::to_value(lockstep_advisory::osv::OsvRange {
                        kind: r.kind,
                        repo: r.repo.clone(),
                        events: r.events.clone(),
                        database_specific: None,
                    })
                    .expect("an OSV range is strings and enums: it always serializes")
                })
                .collect(),
            versions: affected.versions.clone(),
        }
    }
}

/// A project read into a case, as the viewer may see it: `statuses` is empty and
/// `statuses_visible` false when the participant does not share with the viewer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Participant {
    pub id: ParticipantId,
    pub project_id: ProjectId,
    pub project_name: String,
    pub role: ParticipantRole,
    /// Whether the other participants may see this participant's statuses.
    pub shares_status: bool,
    /// Whether this participant agreed to have its statuses (status, justification,
    /// fixed version) published in the case's advisory.
    pub publishes_status: bool,
    #[schema(value_type = String, format = DateTime)]
    pub notified_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub first_seen_at: Option<Timestamp>,
    pub statuses_visible: bool,
    pub statuses: Vec<Status>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewParticipant {
    pub project_id: ProjectId,
    #[serde(default = "default_participant_role")]
    pub role: ParticipantRole,
}

fn default_participant_role() -> ParticipantRole {
    ParticipantRole::Downstream
}

/// A participant's statement for one vulnerability (OpenVEX vocabulary).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Status {
    pub vulnerability_id: VulnerabilityId,
    pub status: VexStatus,
    pub justification: Option<Justification>,
    pub impact_statement: Option<String>,
    pub fixed_version: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusStatement {
    pub vulnerability_id: VulnerabilityId,
    pub status: VexStatus,
    #[serde(default)]
    pub justification: Option<Justification>,
    #[serde(default)]
    pub impact_statement: Option<String>,
    #[serde(default)]
    pub fixed_version: Option<String>,
}

/// Who may read a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Everyone read into the case.
    All,
    /// The coordinators only.
    Coordinators,
    /// The coordinators and one project (named by `audience_project_id`).
    Project,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Message {
    pub id: MessageId,
    pub case_id: CaseId,
    pub parent_id: Option<MessageId>,
    pub author_id: UserId,
    pub author_name: String,
    pub audience: Audience,
    pub audience_project_id: Option<ProjectId>,
    pub tlp: Tlp,
    pub body: String,
    /// How deep it sits in its thread: 0 starts a thread; replies nest at most
    /// `lockstep_core::thread::MAX_DEPTH` deep.
    pub depth: i64,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    pub body: String,
    #[serde(default)]
    pub parent_id: Option<MessageId>,
    /// Who may read it: `all` (everyone read in), `coordinators`, or `project` (the
    /// coordinators and the project named by `audience_project_id`). Default: `all`
    /// for a new thread; a reply takes its parent's audience and may only narrow it.
    #[serde(default)]
    pub audience: Option<Audience>,
    #[serde(default)]
    pub audience_project_id: Option<ProjectId>,
    /// TLP label of the message; the case's label by default.
    #[serde(default)]
    pub tlp: Option<Tlp>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Task {
    pub id: TaskId,
    pub case_id: CaseId,
    pub title: String,
    pub owner_id: Option<UserId>,
    #[schema(value_type = Option<String>, format = Date)]
    pub due_on: Option<Date>,
    pub status: TaskStatus,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    pub title: String,
    #[serde(default)]
    pub owner_id: Option<UserId>,
    /// Due date, `YYYY-MM-DD`.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub due_on: Option<Date>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskUpdate {
    pub status: TaskStatus,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Decision {
    pub id: DecisionId,
    pub case_id: CaseId,
    pub title: String,
    pub context: String,
    pub options: String,
    pub outcome: String,
    pub rationale: String,
    pub decided_by: UserId,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDecision {
    pub title: String,
    #[serde(default)]
    pub context: String,
    #[serde(default)]
    pub options: String,
    pub outcome: String,
    #[serde(default)]
    pub rationale: String,
}
