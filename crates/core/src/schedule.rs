//! What the scheduler owes a case at a moment: the embargo ending by itself at its
//! public date, reminders before that date, status updates on the case's cadence,
//! reminders before a task is due, and a nudge to a participant that has not opened
//! the case. Pure: the store runs these over its rows and writes each thing owed once
//! (a mark per case and key), in the transaction that announces it.

use jiff::{SignedDuration, Timestamp};

use crate::EmbargoState;

/// Hours before the public date at which participants are reminded.
pub const PUBLIC_DATE_REMINDERS: [i64; 2] = [72, 24];
/// The status-update cadence of a case that names none, in hours.
pub const DEFAULT_CADENCE_HOURS: i64 = 72;
/// Hours before a task's due date (its start, UTC) at which participants are reminded.
pub const TASK_REMINDER_HOURS: i64 = 24;

/// One thing owed to a case now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// The active embargo's public date has come: it ends by itself.
    EmbargoEnds,
    /// The public date is within this many hours.
    PublicDateSoon { hours: i64 },
    /// The status update of this period of the cadence (periods count from the
    /// case's opening).
    StatusUpdate { period: i64 },
}

impl Due {
    /// The key under which it is written once per case.
    pub fn mark(&self, public_at: Option<Timestamp>) -> String {
        let at = public_at.map(|t| t.as_millisecond()).unwrap_or_default();
        match self {
            // Keyed by the date, so a date moved later gets its own reminders.
            Due::EmbargoEnds => format!("embargo-ends:{at}"),
            Due::PublicDateSoon { hours } => format!("public-date:{hours}h:{at}"),
            Due::StatusUpdate { period } => format!("status:{period}"),
        }
    }
}

/// What a case with this embargo owes at `now`. `cadence_hours` of 0 sends no status
/// updates. Only an active embargo owes anything.
pub fn due(
    now: Timestamp,
    embargo: EmbargoState,
    public_at: Option<Timestamp>,
    opened: Timestamp,
    cadence_hours: i64,
) -> Vec<Due> {
    let mut out = Vec::new();
    if embargo != EmbargoState::Active {
        return out;
    }
    if let Some(at) = public_at {
        if at <= now {
            out.push(Due::EmbargoEnds);
            return out;
        }
        let left = at.duration_since(now);
        // Only the nearest reminder: one that was missed (the server was down) is not
        // sent late next to a nearer one.
        if let Some(hours) = PUBLIC_DATE_REMINDERS
            .iter()
            .rev()
            .find(|h| left <= SignedDuration::from_hours(**h))
        {
            out.push(Due::PublicDateSoon { hours: *hours });
        }
    }
    if cadence_hours > 0 {
        let elapsed_hours = now.duration_since(opened).as_hours();
        let period = elapsed_hours / cadence_hours;
        if period >= 1 {
            out.push(Due::StatusUpdate { period });
        }
    }
    out
}

/// Whether a task due on `due_on` (not done) is to be reminded of at `now`: from a
/// day before its due date on.
pub fn task_reminder_due(now: Timestamp, due_on: jiff::civil::Date) -> bool {
    let Ok(start) = due_on.to_zoned(jiff::tz::TimeZone::UTC) else {
        return false;
    };
    now >= start.timestamp() - SignedDuration::from_hours(TASK_REMINDER_HOURS)
}

/// Whether a participant notified at `notified_at` that has not opened the case is
/// to be nudged at `now`.
pub fn nudge_due(now: Timestamp, notified_at: Timestamp, after_days: i64) -> bool {
    now.duration_since(notified_at) >= SignedDuration::from_hours(24 * after_days)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().expect("instant")
    }

    #[test]
    fn an_active_embargo_ends_at_its_public_date() {
        let d = due(
            at("2026-12-10T14:00:00Z"),
            EmbargoState::Active,
            Some(at("2026-12-10T14:00:00Z")),
            at("2026-12-01T00:00:00Z"),
            72,
        );
        assert_eq!(d, [Due::EmbargoEnds]);
        assert!(due(
            at("2026-12-10T14:00:00Z"),
            EmbargoState::Revising,
            Some(at("2026-12-01T00:00:00Z")),
            at("2026-12-01T00:00:00Z"),
            72
        )
        .is_empty());
    }

    #[test]
    fn reminders_come_72_and_24_hours_before() {
        let public = Some(at("2026-12-10T14:00:00Z"));
        let opened = at("2026-12-09T00:00:00Z");
        assert_eq!(
            due(at("2026-12-07T13:00:00Z"), EmbargoState::Active, public, opened, 0),
            []
        );
        assert_eq!(
            due(at("2026-12-07T15:00:00Z"), EmbargoState::Active, public, opened, 0),
            [Due::PublicDateSoon { hours: 72 }]
        );
        assert_eq!(
            due(at("2026-12-09T15:00:00Z"), EmbargoState::Active, public, opened, 0),
            [Due::PublicDateSoon { hours: 24 }]
        );
    }

    #[test]
    fn status_updates_follow_the_cadence() {
        let opened = at("2026-12-01T00:00:00Z");
        let public = Some(at("2027-02-01T00:00:00Z"));
        assert_eq!(
            due(at("2026-12-03T23:00:00Z"), EmbargoState::Active, public, opened, 72),
            []
        );
        assert_eq!(
            due(at("2026-12-04T01:00:00Z"), EmbargoState::Active, public, opened, 72),
            [Due::StatusUpdate { period: 1 }]
        );
        assert_eq!(
            due(at("2026-12-04T01:00:00Z"), EmbargoState::Active, public, opened, 0),
            []
        );
        assert_ne!(
            Due::StatusUpdate { period: 1 }.mark(public),
            Due::StatusUpdate { period: 2 }.mark(public)
        );
    }

    #[test]
    fn tasks_and_nudges() {
        let due_on: jiff::civil::Date = "2026-12-10".parse().expect("date");
        assert!(!task_reminder_due(at("2026-12-08T23:00:00Z"), due_on));
        assert!(task_reminder_due(at("2026-12-09T00:00:00Z"), due_on));
        assert!(nudge_due(at("2026-12-04T00:00:00Z"), at("2026-12-01T00:00:00Z"), 3));
        assert!(!nudge_due(at("2026-12-03T23:00:00Z"), at("2026-12-01T00:00:00Z"), 3));
    }
}
