//! The one place that decides what an actor may see and do. It works out the actor's
//! relation to a case from the store and asks the rule table in
//! `lockstep_core::authz`; handlers call these functions and nothing else decides.
//! A case the actor is not read into is 404, exactly like a case that does not exist.

use lockstep_core::authz::{self as rules, CaseAction, CaseRelation, Decision, GlobalAction};
use lockstep_core::{CaseId, ProjectId};
use lockstep_store::{Audience, Case, Message, Participant, User};

use crate::{ApiError, App};

/// A case the actor may act on, with how they stand to it.
#[derive(Debug, Clone)]
pub struct CaseAccess {
    pub case: Case,
    pub relation: CaseRelation,
}

impl CaseAccess {
    /// Whether the actor runs the case (coordinator or admin).
    pub fn coordinates(&self) -> bool {
        matches!(self.relation, CaseRelation::Coordinator | CaseRelation::Admin)
    }

    /// Whether the actor may also do `action` on this case: the rule table asked
    /// with the relation already worked out, without asking the store again.
    pub fn may(&self, action: CaseAction) -> bool {
        rules::decide(&self.relation, action) == Decision::Allow
    }

    /// The actor's own projects in the case (empty for coordinators).
    pub fn own_projects(&self) -> &[ProjectId] {
        match &self.relation {
            CaseRelation::Participant { projects } => projects,
            _ => &[],
        }
    }
}

fn verdict(decision: Decision, action_text: &str) -> Result<(), ApiError> {
    match decision {
        Decision::Allow => Ok(()),
        Decision::NotFound => Err(ApiError::not_found("case")),
        Decision::Forbidden => Err(ApiError::forbidden(format!("you may not {action_text}"))),
    }
}

/// Checks that `user` may do `action` on case `id`.
pub async fn case(app: &App, user: &User, id: CaseId, action: CaseAction) -> Result<CaseAccess, ApiError> {
    let (case, relation) = app.store().case_relation(id, user).await?;
    verdict(
        rules::decide(&relation, action),
        &format!("{action:?} on this case").to_lowercase(),
    )?;
    let case = case.ok_or_else(|| ApiError::not_found("case"))?;
    Ok(CaseAccess { case, relation })
}

/// Checks that `user` may state the status of `project` in the case: coordinators for
/// any participant, participants for their own projects only.
pub async fn case_for_project(app: &App, user: &User, id: CaseId, project: ProjectId) -> Result<CaseAccess, ApiError> {
    let access = case(app, user, id, CaseAction::StateOwnStatus).await?;
    if access.coordinates() || access.own_projects().contains(&project) {
        Ok(access)
    } else {
        Err(ApiError::forbidden("you may only state the status of your own project"))
    }
}

/// Checks that `user` speaks for `project` in the case as the participant itself
/// (a member of it), for choices only a participant may make, such as agreeing to
/// publish its statuses. Coordinators see the case but may not (403).
pub async fn participant_itself(
    app: &App,
    user: &User,
    id: CaseId,
    project: ProjectId,
) -> Result<CaseAccess, ApiError> {
    let access = case(app, user, id, CaseAction::StateOwnStatus).await?;
    if access.own_projects().contains(&project) {
        Ok(access)
    } else {
        Err(ApiError::forbidden("only the participant itself may make this choice"))
    }
}

/// Checks that `user` may change who hears of project `id`'s cases: its members, its
/// contacts and webhooks. Admins and the project's maintainers may; a global
/// coordinator may not, since a member reads every case the project is in and a
/// contact is told of them. Projects are not secret, so a refusal is 403.
pub async fn project_maintainers(app: &App, user: &User, id: ProjectId) -> Result<lockstep_store::Project, ApiError> {
    let project = app.store().project(id).await?;
    let membership = app.store().membership_role(id, user.id).await?;
    if rules::may_manage_members(user.role, membership) {
        Ok(project)
    } else {
        Err(ApiError::forbidden(
            "only admins and the project's maintainers may change who hears of its cases",
        ))
    }
}

/// Checks an action outside cases. Anonymous visitors get 401.
pub fn global(user: Option<&User>, action: GlobalAction) -> Result<&User, ApiError> {
    let user = user.ok_or_else(ApiError::unauthenticated)?;
    verdict(
        rules::decide_global(Some(user.role), action),
        &format!("{action:?}").to_lowercase(),
    )?;
    Ok(user)
}

/// Checks that `user` may manage project `id`'s own records (its manifests).
/// Projects are not secret (every user can list them), so a refusal is 403.
pub async fn project(app: &App, user: &User, id: ProjectId) -> Result<lockstep_store::Project, ApiError> {
    let project = app.store().project(id).await?;
    let member = app.store().user_projects(user.id).await?.contains(&id);
    if rules::may_manage_project(user.role, member) {
        Ok(project)
    } else {
        Err(ApiError::forbidden(
            "only the project's members and coordinators may do this",
        ))
    }
}

/// The messages of a case the actor may read.
pub fn visible_messages(access: &CaseAccess, user: &User, messages: Vec<Message>) -> Vec<Message> {
    messages
        .into_iter()
        .filter(|m| {
            let audience = match (m.audience, m.audience_project_id) {
                (Audience::All, _) => rules::Audience::All,
                (Audience::Project, Some(p)) => rules::Audience::Project(p),
                _ => rules::Audience::Coordinators,
            };
            rules::may_read(&access.relation, audience, m.author_id == user.id)
        })
        .collect()
}

/// The participants as the actor may see them: names always, statuses only where
/// the rules allow (own project, shared, or coordinator).
pub fn visible_participants(access: &CaseAccess, participants: Vec<Participant>) -> Vec<Participant> {
    participants
        .into_iter()
        .map(|mut p| {
            if !rules::may_see_status(&access.relation, p.project_id, p.shares_status) {
                p.statuses_visible = false;
                p.statuses.clear();
            }
            p
        })
        .collect()
}

/// The attachments of a case's reports the actor may read: all for those who run the
/// case, only the shared ones for participants.
pub fn visible_attachments(
    access: &CaseAccess,
    attachments: Vec<lockstep_store::CaseAttachment>,
) -> Vec<lockstep_store::CaseAttachment> {
    attachments
        .into_iter()
        .filter(|a| may_read_attachment(access, a))
        .collect()
}

/// Whether the actor may read one attachment of a case's reports. One they may not is
/// answered like one that does not exist (404).
pub fn may_read_attachment(access: &CaseAccess, attachment: &lockstep_store::CaseAttachment) -> bool {
    attachment.shared || access.coordinates()
}
