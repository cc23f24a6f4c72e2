//! What a case holds: vulnerabilities, participants and their statuses, messages,
//! tasks and decisions. Lists return everything; the server filters them by what the
//! viewer may see.

use jiff::Timestamp;
use lockstep_core::authz as rules;
use lockstep_core::notify::NotificationKind;
use lockstep_core::thread;
use lockstep_core::vex::check_statement;
use lockstep_core::{
    CaseId, DecisionId, MessageId, ParticipantId, ProjectId, TaskId, TaskStatus, UserId, VulnerabilityId,
};
use serde_json::json;
use sqlx::any::AnyRow;

use crate::accounts::unique;
use crate::rows::{instant, instant_opt, optional, parsed, parsed_opt, required};
use crate::{
    get, Addressees, AffectedPackage, Announcement, Audience, AuditEntry, Case, Decision, Message, NewDecision,
    NewMessage, NewParticipant, NewTask, NewVulnerability, Participant, Result, Status, StatusStatement, Store,
    StoreError, Task, Vulnerability,
};

fn message_from_row(row: &AnyRow) -> Result<Message> {
    let audience = match get::<String>(row, "audience")?.as_str() {
        "all" => Audience::All,
        "coordinators" => Audience::Coordinators,
        "project" => Audience::Project,
        other => return Err(StoreError::Corrupt(format!("audience `{other}`"))),
    };
    Ok(Message {
        id: parsed(row, "id")?,
        case_id: parsed(row, "case_id")?,
        parent_id: parsed_opt(row, "parent_id")?,
        author_id: parsed(row, "author_id")?,
        author_name: get(row, "author_name")?,
        audience,
        audience_project_id: parsed_opt(row, "audience_project_id")?,
        tlp: parsed(row, "tlp")?,
        body: get(row, "body")?,
        depth: get(row, "depth")?,
        created_at: instant(row, "created_at")?,
    })
}

/// A stored audience as core's rules see it.
fn audience_of(stored: &str, project: Option<ProjectId>) -> Result<rules::Audience> {
    match (stored, project) {
        ("all", _) => Ok(rules::Audience::All),
        ("coordinators", _) => Ok(rules::Audience::Coordinators),
        ("project", Some(p)) => Ok(rules::Audience::Project(p)),
        (other, _) => Err(StoreError::Corrupt(format!("audience `{other}`"))),
    }
}

fn task_from_row(row: &AnyRow) -> Result<Task> {
    Ok(Task {
        id: parsed(row, "id")?,
        case_id: parsed(row, "case_id")?,
        title: get(row, "title")?,
        owner_id: parsed_opt(row, "owner_id")?,
        due_on: parsed_opt(row, "due_on")?,
        status: parsed(row, "status")?,
    })
}

impl Store {
    /// Adds a vulnerability to a case.
    pub async fn add_vulnerability(
        &self,
        actor: UserId,
        now: Timestamp,
        case: CaseId,
        new: NewVulnerability,
    ) -> Result<Vulnerability> {
        let mut aliases: Vec<String> = Vec::new();
        for (i, alias) in new.aliases.iter().enumerate() {
            let alias = required(&format!("aliases[{i}]"), alias, 100)?;
            if !aliases.contains(&alias) {
                aliases.push(alias);
            }
        }
        let v = Vulnerability {
            id: VulnerabilityId::new(),
            case_id: case,
            title: required("title", &new.title, 300)?,
            cwe: new.cwe.map(|c| c.to_string()),
            cvss_vector: new.cvss.as_ref().map(|v| v.as_str().to_owned()),
            aliases,
            affected: new.affected.iter().map(AffectedPackage::of).collect(),
        };
        let affected =
            serde_json::to_string(&v.affected).map_err(|e| StoreError::invalid("affected", e.to_string()))?;
        let mut w = self.write(Some(actor), now).await?;
        sqlx::query("INSERT INTO vulnerabilities (id, case_id, title, cwe, cvss_vector, affected, created_at, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(v.id.to_string())
            .bind(case.to_string())
            .bind(&v.title)
            .bind(&v.cwe)
            .bind(&v.cvss_vector)
            .bind(&affected)
            .bind(now.as_millisecond())
            .bind(w.seq)
            .execute(w.conn())
            .await?;
        for alias in &v.aliases {
            sqlx::query("INSERT INTO vulnerability_aliases (vulnerability_id, alias) VALUES ($1, $2)")
                .bind(v.id.to_string())
                .bind(alias)
                .execute(w.conn())
                .await?;
        }
        w.notify(Announcement::new(
            case,
            NotificationKind::CaseChange,
            Addressees::Participants,
            json!({"change": "vulnerability", "title": v.title, "aliases": v.aliases}),
        ))
        .await?;
        w.commit(AuditEntry::new(
            "vulnerability.add",
            Some(case),
            v.id,
            json!({"title": v.title, "cwe": v.cwe, "cvss_vector": v.cvss_vector, "aliases": v.aliases, "affected": v.affected}),
        ))
        .await?;
        Ok(v)
    }

    pub async fn vulnerabilities(&self, case: CaseId) -> Result<Vec<Vulnerability>> {
        let rows = sqlx::query("SELECT id, case_id, title, cwe, cvss_vector, affected FROM vulnerabilities WHERE case_id = $1 ORDER BY seq, created_at, id")
            .bind(case.to_string())
            .fetch_all(self.pool())
            .await?;
        let alias_rows = sqlx::query(
            "SELECT a.vulnerability_id, a.alias FROM vulnerability_aliases a JOIN vulnerabilities v ON v.id = a.vulnerability_id \
             WHERE v.case_id = $1 ORDER BY a.alias",
        )
        .bind(case.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut vulns = rows
            .iter()
            .map(|r| {
                Ok(Vulnerability {
                    id: parsed(r, "id")?,
                    case_id: parsed(r, "case_id")?,
                    title: get(r, "title")?,
                    cwe: get(r, "cwe")?,
                    cvss_vector: get(r, "cvss_vector")?,
                    aliases: Vec::new(),
                    affected: {
                        let text: String = get(r, "affected")?;
                        serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("affected: {e}")))?
                    },
                })
            })
            .collect::<Result<Vec<_>>>()?;
        for r in &alias_rows {
            let id: VulnerabilityId = parsed(r, "vulnerability_id")?;
            if let Some(v) = vulns.iter_mut().find(|v| v.id == id) {
                v.aliases.push(get(r, "alias")?);
            }
        }
        Ok(vulns)
    }

    /// Reads a project into a case.
    pub async fn add_participant(
        &self,
        actor: UserId,
        now: Timestamp,
        case: CaseId,
        new: NewParticipant,
    ) -> Result<ParticipantId> {
        let project = match self.project(new.project_id).await {
            Err(StoreError::NotFound(_)) => return Err(StoreError::invalid("project_id", "no such project")),
            other => other?,
        };
        let id = ParticipantId::new();
        let mut w = self.write(Some(actor), now).await?;
        sqlx::query(
            "INSERT INTO participants (id, case_id, project_id, role, shares_status, notified_at) VALUES ($1, $2, $3, $4, 0, $5)",
        )
        .bind(id.to_string())
        .bind(case.to_string())
        .bind(project.id.to_string())
        .bind(new.role.as_str())
        .bind(now.as_millisecond())
        .execute(w.conn())
        .await
        .map_err(unique("project_id", format!("{} as participant", project.name)))?;
        w.notify(Announcement::new(
            case,
            NotificationKind::ReadIn,
            Addressees::Project(project.id),
            json!({"project": project.name, "role": new.role}),
        ))
        .await?;
        w.commit(AuditEntry::new(
            "participant.add",
            Some(case),
            id,
            json!({"project": project.id, "project_name": project.name, "role": new.role}),
        ))
        .await?;
        Ok(id)
    }

    /// Every participant of a case with all statuses (unfiltered).
    pub async fn participants(&self, case: CaseId) -> Result<Vec<Participant>> {
        let rows = sqlx::query(
            "SELECT p.id, p.project_id, pr.name AS project_name, p.role, p.shares_status, p.publishes_status, p.notified_at, p.first_seen_at \
             FROM participants p JOIN projects pr ON pr.id = p.project_id WHERE p.case_id = $1 ORDER BY pr.name",
        )
        .bind(case.to_string())
        .fetch_all(self.pool())
        .await?;
        let status_rows = sqlx::query(
            "SELECT s.participant_id, s.vulnerability_id, s.status, s.justification, s.impact_statement, s.fixed_version, s.updated_at \
             FROM participant_statuses s JOIN participants p ON p.id = s.participant_id WHERE p.case_id = $1",
        )
        .bind(case.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut participants = rows
            .iter()
            .map(|r| {
                Ok(Participant {
                    id: parsed(r, "id")?,
                    project_id: parsed(r, "project_id")?,
                    project_name: get(r, "project_name")?,
                    role: parsed(r, "role")?,
                    shares_status: get::<i64>(r, "shares_status")? != 0,
                    publishes_status: get::<i64>(r, "publishes_status")? != 0,
                    notified_at: instant(r, "notified_at")?,
                    first_seen_at: instant_opt(r, "first_seen_at")?,
                    statuses_visible: true,
                    statuses: Vec::new(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        for r in &status_rows {
            let pid: ParticipantId = parsed(r, "participant_id")?;
            if let Some(p) = participants.iter_mut().find(|p| p.id == pid) {
                p.statuses.push(Status {
                    vulnerability_id: parsed(r, "vulnerability_id")?,
                    status: parsed(r, "status")?,
                    justification: parsed_opt(r, "justification")?,
                    impact_statement: get(r, "impact_statement")?,
                    fixed_version: get(r, "fixed_version")?,
                    updated_at: instant(r, "updated_at")?,
                });
            }
        }
        Ok(participants)
    }

    /// Records a project's statement for one vulnerability (replacing its last one).
    pub async fn state_status(
        &self,
        actor: UserId,
        now: Timestamp,
        case: CaseId,
        project: ProjectId,
        s: StatusStatement,
    ) -> Result<()> {
        let impact = optional("impact_statement", s.impact_statement.as_deref(), 5000)?;
        let fixed = optional("fixed_version", s.fixed_version.as_deref(), 100)?;
        check_statement(s.status, s.justification, impact.as_deref(), fixed.as_deref())
            .map_err(|e| StoreError::invalid(e.field, e.message))?;
        let participant = self.participant_id(case, project).await?;
        if !self
            .vulnerabilities(case)
            .await?
            .iter()
            .any(|v| v.id == s.vulnerability_id)
        {
            return Err(StoreError::invalid(
                "vulnerability_id",
                "no such vulnerability in this case",
            ));
        }
        let mut w = self.write(Some(actor), now).await?;
        sqlx::query("DELETE FROM participant_statuses WHERE participant_id = $1 AND vulnerability_id = $2")
            .bind(participant.to_string())
            .bind(s.vulnerability_id.to_string())
            .execute(w.conn())
            .await?;
        sqlx::query(
            "INSERT INTO participant_statuses (participant_id, vulnerability_id, status, justification, impact_statement, \
             fixed_version, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(participant.to_string())
        .bind(s.vulnerability_id.to_string())
        .bind(s.status.as_str())
        .bind(s.justification.map(|j| j.as_str()))
        .bind(&impact)
        .bind(&fixed)
        .bind(actor.to_string())
        .bind(now.as_millisecond())
        .execute(w.conn())
        .await?;
        w.commit(AuditEntry::new(
            "status.state",
            Some(case),
            participant,
            json!({"vulnerability": s.vulnerability_id, "status": s.status, "justification": s.justification,
                   "impact_statement": impact, "fixed_version": fixed}),
        ))
        .await
    }

    /// Whether a participant shares its statuses with the other participants.
    pub async fn set_sharing(
        &self,
        actor: UserId,
        now: Timestamp,
        case: CaseId,
        project: ProjectId,
        share: bool,
    ) -> Result<()> {
        let participant = self.participant_id(case, project).await?;
        let mut w = self.write(Some(actor), now).await?;
        sqlx::query("UPDATE participants SET shares_status = $1 WHERE id = $2")
            .bind(i64::from(share))
            .bind(participant.to_string())
            .execute(w.conn())
            .await?;
        w.commit(AuditEntry::new(
            "participant.sharing",
            Some(case),
            participant,
            json!({"shares_status": share}),
        ))
        .await
    }

    /// Whether a participant agrees to have its statuses (status, justification,
    /// fixed version) published in the case's advisory. Separate from sharing them
    /// with the other participants.
    pub async fn set_publishing(
        &self,
        actor: UserId,
        now: Timestamp,
        case: CaseId,
        project: ProjectId,
        publish: bool,
    ) -> Result<()> {
        let participant = self.participant_id(case, project).await?;
        let mut w = self.write(Some(actor), now).await?;
        sqlx::query("UPDATE participants SET publishes_status = $1 WHERE id = $2")
            .bind(i64::from(publish))
            .bind(participant.to_string())
            .execute(w.conn())
            .await?;
        w.commit(AuditEntry::new(
            "participant.publishing",
            Some(case),
            participant,
            json!({"publishes_status": publish}),
        ))
        .await
    }

    /// Takes a project out of a case: its members no longer read the case, and its
    /// statuses go with it (the audit trail keeps what they were).
    pub async fn remove_participant(
        &self,
        actor: UserId,
        now: Timestamp,
        case: CaseId,
        project: ProjectId,
    ) -> Result<()> {
        let participant = self.participant_id(case, project).await?;
        let mut w = self.write(Some(actor), now).await?;
        sqlx::query("DELETE FROM participant_statuses WHERE participant_id = $1")
            .bind(participant.to_string())
            .execute(w.conn())
            .await?;
        sqlx::query("DELETE FROM participants WHERE id = $1")
            .bind(participant.to_string())
            .execute(w.conn())
            .await?;
        w.commit(AuditEntry::new(
            "participant.remove",
            Some(case),
            participant,
            json!({"project": project}),
        ))
        .await
    }

    /// Notes when a participant first looked at the case (once; later looks change nothing).
    pub async fn mark_seen(&self, actor: UserId, now: Timestamp, case: CaseId, projects: &[ProjectId]) -> Result<()> {
        for project in projects {
            let participant = self.participant_id(case, *project).await?;
            let unseen = sqlx::query("SELECT 1 AS one FROM participants WHERE id = $1 AND first_seen_at IS NULL")
                .bind(participant.to_string())
                .fetch_optional(self.pool())
                .await?
                .is_some();
            if !unseen {
                continue;
            }
            let mut w = self.write(Some(actor), now).await?;
            sqlx::query("UPDATE participants SET first_seen_at = $1 WHERE id = $2 AND first_seen_at IS NULL")
                .bind(now.as_millisecond())
                .bind(participant.to_string())
                .execute(w.conn())
                .await?;
            w.commit(AuditEntry::new("participant.seen", Some(case), participant, json!({})))
                .await?;
        }
        Ok(())
    }

    async fn participant_id(&self, case: CaseId, project: ProjectId) -> Result<ParticipantId> {
        let row = sqlx::query("SELECT id FROM participants WHERE case_id = $1 AND project_id = $2")
            .bind(case.to_string())
            .bind(project.to_string())
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::invalid("project_id", "this project is not a participant of the case"))?;
        parsed(&row, "id")
    }

    /// Posts a message to a case's thread. A reply nests at most
    /// `thread::MAX_DEPTH` deep and never reaches more people than its parent: it
    /// takes the parent's audience unless it asks for a narrower one.
    pub async fn post_message(&self, actor: UserId, now: Timestamp, case: &Case, new: NewMessage) -> Result<Message> {
        let body = required("body", &new.body, 100_000)?;
        let requested = match (new.audience, new.audience_project_id) {
            (Some(Audience::Project), None) => {
                return Err(StoreError::invalid(
                    "audience_project_id",
                    "audience `project` names the project",
                ))
            }
            (Some(Audience::Project), Some(p)) => {
                self.participant_id(case.id, p).await.map_err(|_| {
                    StoreError::invalid("audience_project_id", "that project is not a participant of the case")
                })?;
                Some(rules::Audience::Project(p))
            }
            (_, Some(_)) => {
                return Err(StoreError::invalid(
                    "audience_project_id",
                    "only audience `project` names a project",
                ))
            }
            (Some(Audience::All), None) => Some(rules::Audience::All),
            (Some(Audience::Coordinators), None) => Some(rules::Audience::Coordinators),
            (None, None) => None,
        };
        let (audience, depth) = match new.parent_id {
            None => (requested.unwrap_or(rules::Audience::All), 0),
            Some(parent) => {
                let row = sqlx::query(
                    "SELECT audience, audience_project_id, depth FROM messages WHERE id = $1 AND case_id = $2",
                )
                .bind(parent.to_string())
                .bind(case.id.to_string())
                .fetch_optional(self.pool())
                .await?
                .ok_or_else(|| StoreError::invalid("parent_id", "no such message in this case"))?;
                let parent_audience = audience_of(
                    &get::<String>(&row, "audience")?,
                    parsed_opt(&row, "audience_project_id")?,
                )?;
                let depth = thread::reply_depth(get(&row, "depth")?)
                    .map_err(|e| StoreError::invalid("parent_id", e.to_string()))?;
                let audience = thread::reply_audience(parent_audience, requested)
                    .map_err(|e| StoreError::invalid("audience", e.to_string()))?;
                (audience, depth)
            }
        };
        let (audience, audience_project_id) = match audience {
            rules::Audience::All => (Audience::All, None),
            rules::Audience::Coordinators => (Audience::Coordinators, None),
            rules::Audience::Project(p) => (Audience::Project, Some(p)),
        };
        let author = self.user(actor).await?;
        let message = Message {
            id: MessageId::new(),
            case_id: case.id,
            parent_id: new.parent_id,
            author_id: actor,
            author_name: author.name,
            audience,
            audience_project_id,
            tlp: new.tlp.unwrap_or(case.tlp),
            body,
            depth,
            created_at: now,
        };
        let audience = match message.audience {
            Audience::All => "all",
            Audience::Coordinators => "coordinators",
            Audience::Project => "project",
        };
        let mut w = self.write(Some(actor), now).await?;
        sqlx::query(
            "INSERT INTO messages (id, case_id, parent_id, author_id, audience, audience_project_id, tlp, body, depth, \
             created_at, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(message.id.to_string())
        .bind(case.id.to_string())
        .bind(message.parent_id.map(|p| p.to_string()))
        .bind(actor.to_string())
        .bind(audience)
        .bind(message.audience_project_id.map(|p| p.to_string()))
        .bind(message.tlp.as_str())
        .bind(&message.body)
        .bind(depth)
        .bind(now.as_millisecond())
        .bind(w.seq)
        .execute(w.conn())
        .await?;
        let to = match message.audience {
            Audience::All => Some(Addressees::Participants),
            Audience::Project => message.audience_project_id.map(Addressees::Project),
            // Messages to the coordinators reach no participant.
            Audience::Coordinators => None,
        };
        if let Some(to) = to {
            let mut a = Announcement::new(
                case.id,
                NotificationKind::Message,
                to,
                json!({"message": message.id, "author": message.author_name, "body": message.body}),
            );
            a.tlp = Some(message.tlp);
            w.notify(a).await?;
        }
        w.commit(AuditEntry::new(
            "message.post",
            Some(case.id),
            message.id,
            json!({"audience": message.audience, "audience_project": message.audience_project_id, "tlp": message.tlp}),
        ))
        .await?;
        Ok(message)
    }

    /// Every message of a case, oldest first (unfiltered).
    pub async fn messages(&self, case: CaseId) -> Result<Vec<Message>> {
        let rows = sqlx::query(
            "SELECT m.id, m.case_id, m.parent_id, m.author_id, u.name AS author_name, m.audience, m.audience_project_id, \
             m.tlp, m.body, m.depth, m.created_at FROM messages m JOIN users u ON u.id = m.author_id \
             WHERE m.case_id = $1 ORDER BY m.created_at, m.seq, m.id",
        )
        .bind(case.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(message_from_row).collect()
    }

    pub async fn create_task(&self, actor: UserId, now: Timestamp, case: CaseId, new: NewTask) -> Result<Task> {
        let task = Task {
            id: TaskId::new(),
            case_id: case,
            title: required("title", &new.title, 300)?,
            owner_id: new.owner_id,
            due_on: new.due_on,
            status: TaskStatus::Open,
        };
        if let Some(owner) = task.owner_id {
            self.user(owner)
                .await
                .map_err(|_| StoreError::invalid("owner_id", "no such user"))?;
        }
        let mut w = self.write(Some(actor), now).await?;
        sqlx::query(
            "INSERT INTO tasks (id, case_id, title, owner_id, due_on, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(task.id.to_string())
        .bind(case.to_string())
        .bind(&task.title)
        .bind(task.owner_id.map(|o| o.to_string()))
        .bind(task.due_on.map(|d| d.to_string()))
        .bind(task.status.as_str())
        .bind(now.as_millisecond())
        .execute(w.conn())
        .await?;
        w.commit(AuditEntry::new(
            "task.create",
            Some(case),
            task.id,
            json!({"title": task.title, "owner": task.owner_id, "due_on": task.due_on}),
        ))
        .await?;
        Ok(task)
    }

    pub async fn update_task(
        &self,
        actor: UserId,
        now: Timestamp,
        case: CaseId,
        id: TaskId,
        status: TaskStatus,
    ) -> Result<Task> {
        let mut w = self.write(Some(actor), now).await?;
        let done = sqlx::query("UPDATE tasks SET status = $1, updated_at = $2 WHERE id = $3 AND case_id = $4")
            .bind(status.as_str())
            .bind(now.as_millisecond())
            .bind(id.to_string())
            .bind(case.to_string())
            .execute(w.conn())
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound("task"));
        }
        w.commit(AuditEntry::new(
            "task.update",
            Some(case),
            id,
            json!({"status": status}),
        ))
        .await?;
        self.tasks(case)
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(StoreError::NotFound("task"))
    }

    pub async fn tasks(&self, case: CaseId) -> Result<Vec<Task>> {
        let rows = sqlx::query(
            "SELECT id, case_id, title, owner_id, due_on, status FROM tasks WHERE case_id = $1 ORDER BY created_at, id",
        )
        .bind(case.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(task_from_row).collect()
    }

    pub async fn record_decision(
        &self,
        actor: UserId,
        now: Timestamp,
        case: CaseId,
        new: NewDecision,
    ) -> Result<Decision> {
        let d = Decision {
            id: DecisionId::new(),
            case_id: case,
            title: required("title", &new.title, 300)?,
            context: new.context.trim().to_owned(),
            options: new.options.trim().to_owned(),
            outcome: required("outcome", &new.outcome, 10_000)?,
            rationale: new.rationale.trim().to_owned(),
            decided_by: actor,
            created_at: now,
        };
        let mut w = self.write(Some(actor), now).await?;
        sqlx::query(
            "INSERT INTO decisions (id, case_id, title, context, options, outcome, rationale, decided_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(d.id.to_string())
        .bind(case.to_string())
        .bind(&d.title)
        .bind(&d.context)
        .bind(&d.options)
        .bind(&d.outcome)
        .bind(&d.rationale)
        .bind(actor.to_string())
        .bind(now.as_millisecond())
        .execute(w.conn())
        .await?;
        w.commit(AuditEntry::new(
            "decision.record",
            Some(case),
            d.id,
            json!({"title": d.title, "outcome": d.outcome}),
        ))
        .await?;
        Ok(d)
    }

    pub async fn decisions(&self, case: CaseId) -> Result<Vec<Decision>> {
        let rows = sqlx::query(
            "SELECT id, case_id, title, context, options, outcome, rationale, decided_by, created_at FROM decisions \
             WHERE case_id = $1 ORDER BY created_at, id",
        )
        .bind(case.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Decision {
                    id: parsed(r, "id")?,
                    case_id: parsed(r, "case_id")?,
                    title: get(r, "title")?,
                    context: get(r, "context")?,
                    options: get(r, "options")?,
                    outcome: get(r, "outcome")?,
                    rationale: get(r, "rationale")?,
                    decided_by: parsed(r, "decided_by")?,
                    created_at: instant(r, "created_at")?,
                })
            })
            .collect()
    }
}
