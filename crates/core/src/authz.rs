//! The rule table of who may do what. The server works out an actor's relation to a
//! case (from the store) and asks [`decide`]; nothing else in Lockstep decides.
//!
//! Need-to-know: an actor with no relation to a case gets [`Decision::NotFound`] for
//! every action, so the case's existence stays a secret too. An actor who can see a
//! case but may not do something in it gets [`Decision::Forbidden`].

use crate::{GlobalRole, ProjectId};

/// How an actor stands to one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseRelation {
    /// Not read in: the case does not exist for them.
    None,
    /// A member of one or more projects read into the case.
    Participant { projects: Vec<ProjectId> },
    /// One of the case's coordinators.
    Coordinator,
    /// An instance administrator (sees every case).
    Admin,
}

/// Something an actor wants to do with a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseAction {
    View,
    Edit,
    ChangePhase,
    ChangeEmbargo,
    ManageParticipants,
    ManageVulnerabilities,
    PostMessage,
    /// State the status of one's own project (the project must be one of the actor's).
    StateOwnStatus,
    ManageTasks,
    RecordDecision,
    /// Read the case's audit trail.
    ViewAudit,
    /// Write, revise, translate and publish the case's advisory.
    ManageAdvisory,
    /// Propose a CVSS vector of one's own for a vulnerability (severity dispute).
    ProposeSeverity,
    /// See the dependency-graph impact: which registered projects are affected.
    ViewImpact,
    /// See who was notified of what, and each delivery's state.
    ViewNotifications,
    /// Share an attachment of a report accepted into the case with its participants.
    ShareAttachments,
}

/// Something an actor wants to do outside any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlobalAction {
    ListCases,
    OpenCase,
    ListProjects,
    CreateProject,
    ManageUsers,
    /// See the queue of finders' reports, answer them and decide on them.
    TriageReports,
    /// Change the disclosure policy (`/security`, `security.txt`).
    ManagePolicy,
}

/// The answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// The actor can see the case but may not do this.
    Forbidden,
    /// The case does not exist as far as the actor is concerned.
    NotFound,
}

/// The one table of case permissions.
pub fn decide(relation: &CaseRelation, action: CaseAction) -> Decision {
    use CaseAction::*;
    match relation {
        CaseRelation::None => Decision::NotFound,
        CaseRelation::Coordinator | CaseRelation::Admin => Decision::Allow,
        CaseRelation::Participant { .. } => match action {
            View | PostMessage | StateOwnStatus | ProposeSeverity => Decision::Allow,
            Edit
            | ChangePhase
            | ChangeEmbargo
            | ManageParticipants
            | ManageVulnerabilities
            | ManageTasks
            | RecordDecision
            | ViewAudit
            | ManageAdvisory
            | ViewImpact
            | ViewNotifications
            | ShareAttachments => Decision::Forbidden,
        },
    }
}

/// The one table of permissions outside cases. `None` is an anonymous visitor.
pub fn decide_global(role: Option<GlobalRole>, action: GlobalAction) -> Decision {
    use GlobalAction::*;
    match (role, action) {
        (None, _) => Decision::Forbidden,
        (Some(_), ListCases | ListProjects) => Decision::Allow,
        (Some(GlobalRole::Admin | GlobalRole::Coordinator), OpenCase | CreateProject) => Decision::Allow,
        (Some(GlobalRole::Admin), ManageUsers | ManagePolicy) => Decision::Allow,
        (Some(GlobalRole::Admin | GlobalRole::Coordinator), TriageReports) => Decision::Allow,
        (Some(_), _) => Decision::Forbidden,
    }
}

/// Whether a user may add or remove a project's members: admins and the project's
/// own maintainers. Membership reads a user into every case the project is in, so no
/// global role but admin grants it: a global coordinator who joined a project could
/// read cases they do not coordinate.
pub fn may_manage_members(role: GlobalRole, membership: Option<crate::MembershipRole>) -> bool {
    role == GlobalRole::Admin || membership == Some(crate::MembershipRole::Maintainer)
}

/// Whether a user may change a project's own records (its manifests): the
/// project's members, coordinators and admins.
pub fn may_manage_project(role: GlobalRole, is_member: bool) -> bool {
    is_member || matches!(role, GlobalRole::Admin | GlobalRole::Coordinator)
}

/// Who may read a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Everyone read into the case.
    All,
    /// The case's coordinators only.
    Coordinators,
    /// The coordinators and one participating project.
    Project(ProjectId),
}

/// Whether an actor with this relation may read a message with this audience. An
/// author always reads their own messages.
pub fn may_read(relation: &CaseRelation, audience: Audience, is_author: bool) -> bool {
    if is_author {
        return true;
    }
    match relation {
        CaseRelation::None => false,
        CaseRelation::Coordinator | CaseRelation::Admin => true,
        CaseRelation::Participant { projects } => match audience {
            Audience::All => true,
            Audience::Coordinators => false,
            Audience::Project(p) => projects.contains(&p),
        },
    }
}

/// Whether an actor may see a participant's statuses and statement: coordinators
/// always, the participant itself always, the others only if it chose to share.
pub fn may_see_status(relation: &CaseRelation, participant_project: ProjectId, shared: bool) -> bool {
    match relation {
        CaseRelation::None => false,
        CaseRelation::Coordinator | CaseRelation::Admin => true,
        CaseRelation::Participant { projects } => shared || projects.contains(&participant_project),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outsiders_never_learn_a_case_exists() {
        for action in [
            CaseAction::View,
            CaseAction::Edit,
            CaseAction::PostMessage,
            CaseAction::StateOwnStatus,
        ] {
            assert_eq!(decide(&CaseRelation::None, action), Decision::NotFound);
        }
    }

    #[test]
    fn participants_read_and_speak_but_do_not_run_the_case() {
        let p = CaseRelation::Participant {
            projects: vec![ProjectId::new()],
        };
        assert_eq!(decide(&p, CaseAction::View), Decision::Allow);
        assert_eq!(decide(&p, CaseAction::ChangeEmbargo), Decision::Forbidden);
        assert_eq!(
            decide(&CaseRelation::Coordinator, CaseAction::ChangeEmbargo),
            Decision::Allow
        );
    }

    #[test]
    fn message_audiences() {
        let mine = ProjectId::new();
        let other = ProjectId::new();
        let p = CaseRelation::Participant { projects: vec![mine] };
        assert!(may_read(&p, Audience::All, false));
        assert!(!may_read(&p, Audience::Coordinators, false));
        assert!(may_read(&p, Audience::Project(mine), false));
        assert!(!may_read(&p, Audience::Project(other), false));
        assert!(may_read(&p, Audience::Coordinators, true));
        assert!(may_read(&CaseRelation::Coordinator, Audience::Project(other), false));
    }

    #[test]
    fn statuses_are_private_unless_shared() {
        let mine = ProjectId::new();
        let other = ProjectId::new();
        let p = CaseRelation::Participant { projects: vec![mine] };
        assert!(may_see_status(&p, mine, false));
        assert!(!may_see_status(&p, other, false));
        assert!(may_see_status(&p, other, true));
    }

    #[test]
    fn only_admins_and_maintainers_manage_members() {
        use crate::MembershipRole;
        assert!(may_manage_members(GlobalRole::Admin, None));
        assert!(may_manage_members(GlobalRole::Member, Some(MembershipRole::Maintainer)));
        assert!(!may_manage_members(GlobalRole::Coordinator, None));
        assert!(!may_manage_members(GlobalRole::Member, Some(MembershipRole::Liaison)));
    }

    #[test]
    fn global_rules() {
        assert_eq!(decide_global(None, GlobalAction::ListCases), Decision::Forbidden);
        assert_eq!(
            decide_global(Some(GlobalRole::Member), GlobalAction::OpenCase),
            Decision::Forbidden
        );
        assert_eq!(
            decide_global(Some(GlobalRole::Coordinator), GlobalAction::OpenCase),
            Decision::Allow
        );
        assert_eq!(
            decide_global(Some(GlobalRole::Coordinator), GlobalAction::ManageUsers),
            Decision::Forbidden
        );
    }
}
