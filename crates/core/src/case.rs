//! The case lifecycle: phases (ISO/IEC 29147 / 30111) and the embargo, each one state
//! machine. The store and the handlers never set a phase or an embargo state
//! directly; they ask these functions, which say no with the allowed next states.

use jiff::{tz::TimeZone, Timestamp};

use crate::macros::vocabulary;

vocabulary! {
    /// Where a case stands. `triage` is receipt and verification, `coordinating` is
    /// remediation under embargo, `disclosed` is release, `deploying` is
    /// post-release roll-out, `closed` is the end.
    pub enum Phase: "phase" {
        Triage = "triage",
        Coordinating = "coordinating",
        Disclosed = "disclosed",
        Deploying = "deploying",
        Closed = "closed",
    }
}

vocabulary! {
    /// The embargo's state. `revising` means a change of the public date is proposed
    /// while the current one still holds.
    pub enum EmbargoState: "embargo state" {
        None = "none",
        Proposed = "proposed",
        Active = "active",
        Revising = "revising",
        Exited = "exited",
    }
}

vocabulary! {
    /// A named bound on how long an embargo may last.
    pub enum EmbargoPolicy: "embargo policy" {
        /// The common 90-day default.
        Default90 = "default-90",
        /// The Linux distros list's 14-day maximum.
        Distros14 = "distros-14",
        /// Exploited in the wild: 7 days.
        Exploited7 = "exploited-7",
    }
}

vocabulary! {
    /// An escalation trigger recorded on a case: each raises its SSVC decision points
    /// (and so its tier).
    pub enum Trigger: "escalation trigger" {
        /// A proof of concept or exploit is public.
        ExploitPublic = "exploit_public",
        /// Attacks have been observed in the wild.
        AttacksObserved = "attacks_observed",
        /// A vulnerability of the case is rated critical.
        CriticalRating = "critical_rating",
        /// The flaw is listed in CISA's Known Exploited Vulnerabilities catalogue.
        KevListed = "kev_listed",
    }
}

/// SSVC "Exploitation" as the triggers imply it: `active` once attacks are seen or
/// the flaw is KEV-listed, `public poc` once an exploit is public, else `none`.
pub fn exploitation(triggers: &[Trigger]) -> &'static str {
    if triggers
        .iter()
        .any(|t| matches!(t, Trigger::AttacksObserved | Trigger::KevListed))
    {
        "active"
    } else if triggers.contains(&Trigger::ExploitPublic) {
        "public poc"
    } else {
        "none"
    }
}

/// SSVC "Technical Impact" as the triggers imply it: a critical rating stands for
/// total control of the affected component (CVSS critical needs high impact on all of
/// confidentiality, integrity and availability, or nearly), anything else partial.
pub fn technical_impact(triggers: &[Trigger]) -> &'static str {
    if triggers.contains(&Trigger::CriticalRating) {
        "total"
    } else {
        "partial"
    }
}

impl EmbargoPolicy {
    /// The longest embargo the policy allows, in days from when it is set.
    pub fn max_days(self) -> i64 {
        match self {
            EmbargoPolicy::Default90 => 90,
            EmbargoPolicy::Distros14 => 14,
            EmbargoPolicy::Exploited7 => 7,
        }
    }
}

/// A transition the state machine does not allow, with what it would allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot move {what} from `{from}` to `{to}`{}{}", reason_text(.reason), allowed_text(.allowed))]
pub struct InvalidTransition {
    pub what: &'static str,
    pub from: String,
    pub to: String,
    pub allowed: Vec<String>,
    /// Why, when the rule is more than the table (for example an active embargo).
    pub reason: Option<String>,
}

fn reason_text(reason: &Option<String>) -> String {
    reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default()
}

fn allowed_text(allowed: &[String]) -> String {
    if allowed.is_empty() {
        "; no transition is allowed from here".into()
    } else {
        format!("; allowed next: {}", allowed.join(", "))
    }
}

impl Phase {
    /// The phases a case may move to next.
    pub fn allowed_next(self) -> &'static [Phase] {
        use Phase::*;
        match self {
            Triage => &[Coordinating, Closed],
            Coordinating => &[Disclosed, Closed],
            Disclosed => &[Deploying, Closed],
            Deploying => &[Closed],
            Closed => &[],
        }
    }

    /// Moves the case to `to`, given the embargo it is under. A case is disclosed
    /// only once its embargo has exited (or it never had one): disclosure while the
    /// embargo holds would break the promise made to every participant.
    pub fn transition(self, to: Phase, embargo: EmbargoState) -> Result<Phase, InvalidTransition> {
        let error = |reason: Option<String>| InvalidTransition {
            what: "phase",
            from: self.to_string(),
            to: to.to_string(),
            allowed: self.allowed_next().iter().map(|p| p.to_string()).collect(),
            reason,
        };
        if !self.allowed_next().contains(&to) {
            return Err(error(None));
        }
        if to == Phase::Disclosed && !matches!(embargo, EmbargoState::None | EmbargoState::Exited) {
            return Err(error(Some(format!(
                "the embargo is `{embargo}`: exit it before disclosing"
            ))));
        }
        Ok(to)
    }
}

impl EmbargoState {
    /// The embargo states reachable from this one.
    pub fn allowed_next(self) -> &'static [EmbargoState] {
        use EmbargoState::*;
        match self {
            None => &[Proposed],
            Proposed => &[Active, None],
            Active => &[Revising, Exited],
            Revising => &[Active, Exited],
            Exited => &[],
        }
    }

    /// Checks one step of the embargo state machine.
    pub fn transition(self, to: EmbargoState) -> Result<EmbargoState, InvalidTransition> {
        if self.allowed_next().contains(&to) {
            Ok(to)
        } else {
            Err(InvalidTransition {
                what: "embargo",
                from: self.to_string(),
                to: to.to_string(),
                allowed: self.allowed_next().iter().map(|s| s.to_string()).collect(),
                reason: None,
            })
        }
    }

    /// Whether the case's contents are still under embargo.
    pub fn is_embargoed(self) -> bool {
        matches!(
            self,
            EmbargoState::Proposed | EmbargoState::Active | EmbargoState::Revising
        )
    }
}

/// An embargo as set on a case: its state, its policy, the public date (an instant
/// in UTC) and the time zone the coordinator chose to show it in.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Embargo {
    pub state: EmbargoState,
    pub policy: EmbargoPolicy,
    /// The public date, an instant in UTC (RFC 3339).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub public_at: Option<Timestamp>,
    /// IANA time zone the date is shown in, for example `Europe/Berlin`.
    pub time_zone: String,
}

/// Why an embargo date was refused, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct EmbargoError {
    pub field: &'static str,
    pub message: String,
}

impl Embargo {
    /// No embargo, shown in UTC.
    pub fn none() -> Self {
        Embargo {
            state: EmbargoState::None,
            policy: EmbargoPolicy::Default90,
            public_at: None,
            time_zone: "UTC".into(),
        }
    }

    /// Checks a proposed public date against the policy: in the future, and no
    /// further from `now` than the policy allows. The time zone must be a real IANA
    /// zone, since every page shows the date in it.
    pub fn check_date(
        policy: EmbargoPolicy,
        public_at: Timestamp,
        time_zone: &str,
        now: Timestamp,
    ) -> Result<(), EmbargoError> {
        if TimeZone::get(time_zone).is_err() {
            return Err(EmbargoError {
                field: "time_zone",
                message: format!("`{time_zone}` is not an IANA time zone (for example Europe/Berlin or UTC)"),
            });
        }
        if public_at <= now {
            return Err(EmbargoError {
                field: "public_at",
                message: format!("{public_at} is not in the future"),
            });
        }
        let days = (public_at.as_second() - now.as_second()) as f64 / 86_400.0;
        if days > policy.max_days() as f64 {
            return Err(EmbargoError {
                field: "public_at",
                message: format!(
                    "{public_at} is {days:.1} days away; policy `{policy}` allows at most {} days",
                    policy.max_days()
                ),
            });
        }
        Ok(())
    }

    /// The public date as people read it: in the embargo's time zone, with the zone
    /// named, and the UTC instant beside it.
    pub fn public_at_display(&self) -> Option<String> {
        let at = self.public_at?;
        Some(display_in_zone(at, &self.time_zone))
    }
}

/// Formats an instant in a time zone, naming the zone and, unless it is UTC, the
/// UTC instant too: `2026-12-01 15:00 CET (Europe/Berlin) = 2026-12-01 14:00 UTC`.
pub fn display_in_zone(at: Timestamp, time_zone: &str) -> String {
    let utc = at.strftime("%Y-%m-%d %H:%M UTC").to_string();
    match TimeZone::get(time_zone) {
        Ok(tz) if time_zone != "UTC" => {
            let zoned = at.to_zoned(tz);
            format!("{} ({time_zone}) = {utc}", zoned.strftime("%Y-%m-%d %H:%M %Z"))
        }
        _ => utc,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_phase_pair_follows_the_table() {
        for from in Phase::ALL {
            for to in Phase::ALL {
                let result = from.transition(*to, EmbargoState::None);
                assert_eq!(result.is_ok(), from.allowed_next().contains(to), "{from} -> {to}");
                if let Err(e) = result {
                    assert_eq!(
                        e.allowed,
                        from.allowed_next().iter().map(|p| p.to_string()).collect::<Vec<_>>()
                    );
                }
            }
        }
    }

    #[test]
    fn disclosure_waits_for_the_embargo() {
        let err = Phase::Coordinating
            .transition(Phase::Disclosed, EmbargoState::Active)
            .unwrap_err();
        assert!(err.reason.unwrap().contains("exit it"));
        assert_eq!(
            Phase::Coordinating.transition(Phase::Disclosed, EmbargoState::Exited),
            Ok(Phase::Disclosed)
        );
    }

    #[test]
    fn embargo_machine() {
        assert!(EmbargoState::None.transition(EmbargoState::Active).is_err());
        assert_eq!(
            EmbargoState::Proposed.transition(EmbargoState::Active),
            Ok(EmbargoState::Active)
        );
        let err = EmbargoState::Exited.transition(EmbargoState::Active).unwrap_err();
        assert!(err.to_string().contains("no transition"), "{err}");
    }

    #[test]
    fn policy_bounds_the_date() {
        let now: Timestamp = "2026-11-26T00:00:00Z".parse().unwrap();
        let in_10_days: Timestamp = "2026-12-06T00:00:00Z".parse().unwrap();
        let in_20_days: Timestamp = "2026-12-16T00:00:00Z".parse().unwrap();
        assert!(Embargo::check_date(EmbargoPolicy::Distros14, in_10_days, "Europe/Berlin", now).is_ok());
        let err = Embargo::check_date(EmbargoPolicy::Distros14, in_20_days, "UTC", now).unwrap_err();
        assert_eq!(err.field, "public_at");
        assert!(err.message.contains("14 days"), "{}", err.message);
        assert_eq!(
            Embargo::check_date(EmbargoPolicy::Default90, now, "UTC", now)
                .unwrap_err()
                .field,
            "public_at"
        );
        assert_eq!(
            Embargo::check_date(EmbargoPolicy::Default90, in_10_days, "Mars/Olympus", now)
                .unwrap_err()
                .field,
            "time_zone"
        );
    }

    #[test]
    fn triggers_raise_the_decision_points() {
        assert_eq!(exploitation(&[]), "none");
        assert_eq!(exploitation(&[Trigger::ExploitPublic]), "public poc");
        assert_eq!(exploitation(&[Trigger::ExploitPublic, Trigger::KevListed]), "active");
        assert_eq!(exploitation(&[Trigger::AttacksObserved]), "active");
        assert_eq!(technical_impact(&[Trigger::KevListed]), "partial");
        assert_eq!(technical_impact(&[Trigger::CriticalRating]), "total");
    }

    #[test]
    fn dates_show_their_zone() {
        let at: Timestamp = "2026-12-01T14:00:00Z".parse().unwrap();
        assert_eq!(display_in_zone(at, "UTC"), "2026-12-01 14:00 UTC");
        assert_eq!(
            display_in_zone(at, "Europe/Berlin"),
            "2026-12-01 15:00 CET (Europe/Berlin) = 2026-12-01 14:00 UTC"
        );
    }
}
