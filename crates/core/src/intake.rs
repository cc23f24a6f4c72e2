//! The researcher's front door, as rules: the states a finder's report moves through,
//! the response-time promises of the disclosure policy and whether each was kept, and
//! the RFC 9116 `security.txt` text. Pure functions; the store persists reports, the
//! server and a future `lockstep` CLI command build `security.txt` with the same code.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::case::InvalidTransition;
use crate::macros::vocabulary;

vocabulary! {
    /// Where a finder's report stands. `accepted` means it became (or joined) a case;
    /// `declined` carries a reason; `duplicate` names the report or case it repeats.
    pub enum ReportState: "report state" {
        Received = "received",
        Acknowledged = "acknowledged",
        Validating = "validating",
        Accepted = "accepted",
        Declined = "declined",
        Duplicate = "duplicate",
    }
}

impl ReportState {
    /// The states a report may move to next. The three decisions are final: a
    /// decision the coordinators want to revisit is a new report or a case.
    pub fn allowed_next(self) -> &'static [ReportState] {
        use ReportState::*;
        match self {
            Received => &[Acknowledged, Validating, Accepted, Declined, Duplicate],
            Acknowledged => &[Validating, Accepted, Declined, Duplicate],
            Validating => &[Accepted, Declined, Duplicate],
            Accepted | Declined | Duplicate => &[],
        }
    }

    /// Moves the report to `to`, or says which moves are allowed.
    pub fn transition(self, to: ReportState) -> Result<ReportState, InvalidTransition> {
        if self.allowed_next().contains(&to) {
            Ok(to)
        } else {
            Err(InvalidTransition {
                what: "report",
                from: self.to_string(),
                to: to.to_string(),
                allowed: self.allowed_next().iter().map(|s| s.to_string()).collect(),
                reason: None,
            })
        }
    }

    /// Whether the coordinators still owe the finder a decision.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ReportState::Received | ReportState::Acknowledged | ReportState::Validating
        )
    }

    /// Whether the report counts as acknowledged (every state after `received`).
    pub fn is_acknowledged(self) -> bool {
        self != ReportState::Received
    }
}

vocabulary! {
    /// How the finder wants to be credited.
    pub enum CreditPreference: "credit preference" {
        Name = "name",
        Handle = "handle",
        Anonymous = "anonymous",
    }
}

vocabulary! {
    /// What the finder knows of the flaw's exposure.
    pub enum Exposure: "exposure" {
        /// Known only to the finder (and now the coordinators).
        Private = "private",
        /// Already public (a talk, a blog post, an issue tracker).
        Public = "public",
        /// Exploited in the wild.
        Exploited = "exploited",
    }
}

/// The name a finder is credited under, if any: never for an anonymous finder, and
/// only a name that is not blank.
pub fn credited_name(preference: CreditPreference, name: Option<&str>) -> Option<&str> {
    match preference {
        CreditPreference::Anonymous => None,
        CreditPreference::Name | CreditPreference::Handle => name.map(str::trim).filter(|n| !n.is_empty()),
    }
}

/// The response times a disclosure policy promises, in days from receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ResponsePromises {
    /// Days until the finder hears that a person has read the report.
    pub acknowledge_days: u32,
    /// Days until a triage decision: accepted, declined or duplicate.
    pub triage_days: u32,
    /// Days until a fix is released, for an accepted report.
    pub fix_days: u32,
}

impl Default for ResponsePromises {
    fn default() -> Self {
        ResponsePromises {
            acknowledge_days: 3,
            triage_days: 10,
            fix_days: 90,
        }
    }
}

vocabulary! {
    /// One promise's standing.
    pub enum PromiseStanding: "promise standing" {
        /// Kept: done before it was due.
        Met = "met",
        /// Done, but after it was due.
        Late = "late",
        /// Not done yet, not due yet.
        Pending = "pending",
        /// Not done and past due.
        Overdue = "overdue",
        /// Does not apply (a fix target for a declined report).
        NotApplicable = "not_applicable",
    }
}

/// One response-time promise for one report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Promise {
    /// `acknowledgement`, `triage decision` or `fix`.
    pub name: &'static str,
    #[schema(value_type = String)]
    pub due_at: Timestamp,
    #[schema(value_type = Option<String>)]
    pub done_at: Option<Timestamp>,
    pub standing: PromiseStanding,
}

/// What a report's promises are measured against.
#[derive(Debug, Clone, Copy)]
pub struct ReportClock {
    pub state: ReportState,
    pub received_at: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    pub decided_at: Option<Timestamp>,
    /// When the fix was released (the case it became was disclosed), if it was.
    pub fixed_at: Option<Timestamp>,
}

fn standing(due: Timestamp, done: Option<Timestamp>, now: Timestamp) -> PromiseStanding {
    match done {
        Some(at) if at <= due => PromiseStanding::Met,
        Some(_) => PromiseStanding::Late,
        None if now > due => PromiseStanding::Overdue,
        None => PromiseStanding::Pending,
    }
}

fn days_after(at: Timestamp, days: u32) -> Timestamp {
    at.checked_add(SignedDuration::from_hours(i64::from(days) * 24))
        .unwrap_or(Timestamp::MAX)
}

/// Each promise of `promises` for a report, and whether it was kept, as of `now`.
pub fn promises(promises: ResponsePromises, report: ReportClock, now: Timestamp) -> Vec<Promise> {
    let ack_due = days_after(report.received_at, promises.acknowledge_days);
    let triage_due = days_after(report.received_at, promises.triage_days);
    let fix_due = days_after(report.received_at, promises.fix_days);
    // A decision acknowledges too: a report declined on the first day was answered.
    let acknowledged = report.acknowledged_at.or(report.decided_at);
    let fix = match report.state {
        ReportState::Declined | ReportState::Duplicate => PromiseStanding::NotApplicable,
        _ => standing(fix_due, report.fixed_at, now),
    };
    vec![
        Promise {
            name: "acknowledgement",
            due_at: ack_due,
            done_at: acknowledged,
            standing: standing(ack_due, acknowledged, now),
        },
        Promise {
            name: "triage decision",
            due_at: triage_due,
            done_at: report.decided_at,
            standing: standing(triage_due, report.decided_at, now),
        },
        Promise {
            name: "fix",
            due_at: fix_due,
            done_at: report.fixed_at,
            standing: fix,
        },
    ]
}

/// Whether any promise of the report is overdue: the triage queue flags it.
pub fn is_overdue(list: &[Promise]) -> bool {
    list.iter().any(|p| p.standing == PromiseStanding::Overdue)
}

/// Words of a title, lowercased, for likely-duplicate suggestions.
fn words(title: &str) -> std::collections::BTreeSet<String> {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 2)
        .map(str::to_lowercase)
        .collect()
}

/// How alike two titles are: the Jaccard index of their words (0.0 to 1.0).
pub fn title_similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (words(a), words(b));
    let union = a.union(&b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(&b).count() as f64 / union as f64
}

/// Whether a report is a likely duplicate of another: the same package (compared
/// without case), or titles that share at least half their words.
pub fn likely_duplicate(package_a: &str, title_a: &str, package_b: &str, title_b: &str) -> bool {
    let same_package = !package_a.trim().is_empty() && package_a.trim().eq_ignore_ascii_case(package_b.trim());
    same_package || title_similarity(title_a, title_b) >= 0.5
}

/// The fields of an RFC 9116 `security.txt`.
#[derive(Debug, Clone)]
pub struct SecurityTxt<'a> {
    /// `Contact:` URIs (`mailto:`, `https:`), in order of preference; at least one.
    pub contacts: &'a [String],
    pub expires: Timestamp,
    /// The disclosure policy's URL.
    pub policy: Option<&'a str>,
    /// Where this file is served (`https://host/.well-known/security.txt`).
    pub canonical: Option<&'a str>,
    /// Language tags, e.g. `en, de`.
    pub preferred_languages: Option<&'a str>,
    /// The URL of the OpenPGP key for encrypted reports.
    pub encryption: Option<&'a str>,
}

/// How far ahead `Expires:` is set: RFC 9116 recommends less than a year.
pub const SECURITY_TXT_LIFETIME: SignedDuration = SignedDuration::from_hours(180 * 24);

/// The `security.txt` text (RFC 9116 section 2.5): one `Field: value` line per field,
/// `Expires` in RFC 3339 UTC to the second. Values never contain a line break: one is
/// replaced by a space, so a policy field cannot inject a field of its own.
pub fn security_txt(f: &SecurityTxt<'_>) -> String {
    let clean = |v: &str| v.replace(['\r', '\n'], " ").trim().to_owned();
    let mut out = String::new();
    let mut line = |name: &str, value: &str| {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(&clean(value));
        out.push('\n');
    };
    for contact in f.contacts {
        line("Contact", contact);
    }
    line(
        "Expires",
        &f.expires.round(jiff::Unit::Second).unwrap_or(f.expires).to_string(),
    );
    if let Some(key) = f.encryption {
        line("Encryption", key);
    }
    if let Some(languages) = f.preferred_languages {
        line("Preferred-Languages", languages);
    }
    if let Some(canonical) = f.canonical {
        line("Canonical", canonical);
    }
    if let Some(policy) = f.policy {
        line("Policy", policy);
    }
    out
}

/// Whether a URI is one `security.txt` may point to: `https:`, or `http:` on this
/// machine (a development server has no TLS).
fn web_uri(value: &str) -> bool {
    value.starts_with("https://")
        || ["http://localhost", "http://127.0.0.1", "http://[::1]"]
            .iter()
            .any(|p| value.starts_with(p))
}

/// What RFC 9116 asks of a `security.txt`, checked: at least one `Contact` (a web URI,
/// `mailto:` or `tel:`), exactly one `Expires`, in the future and (as recommended) at
/// most a year ahead, at most one `Preferred-Languages`, and web URIs for
/// `Canonical`, `Policy` and `Encryption`. Returns the problems found; empty when it
/// validates.
pub fn check_security_txt(text: &str, now: Timestamp) -> Vec<String> {
    // RFC 9116's required rules are the one reader's (`security_txt::parse`), the same
    // that reads projects' files into contacts; the recommendations are checked here.
    let file = match crate::security_txt::parse(text, now) {
        Ok(file) => file,
        Err(e) => return vec![e.to_string()],
    };
    let mut problems = Vec::new();
    for contact in &file.contacts {
        if !(web_uri(contact) || contact.starts_with("mailto:") || contact.starts_with("tel:")) {
            problems.push(format!("Contact {contact} must be https:, mailto: or tel:"));
        }
    }
    for (name, uris) in [
        ("Canonical", &file.canonical),
        ("Policy", &file.policy),
        ("Encryption", &file.encryption),
    ] {
        for uri in uris.iter().filter(|u| !web_uri(u)) {
            problems.push(format!("{name} {uri} must be an https: URI"));
        }
    }
    if file.expires.duration_since(now) > SignedDuration::from_hours(366 * 24) {
        problems.push(format!("Expires {} is more than a year ahead", file.expires));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().expect("test instant")
    }

    #[test]
    fn an_anonymous_finder_is_never_credited_by_name() {
        assert_eq!(credited_name(CreditPreference::Anonymous, Some("Ada")), None);
        assert_eq!(credited_name(CreditPreference::Handle, Some(" @ada ")), Some("@ada"));
        assert_eq!(credited_name(CreditPreference::Name, Some("  ")), None);
    }

    #[test]
    fn decisions_are_final() {
        for done in [ReportState::Accepted, ReportState::Declined, ReportState::Duplicate] {
            let err = done.transition(ReportState::Acknowledged).expect_err("final");
            assert!(err.allowed.is_empty());
        }
    }

    #[test]
    fn a_received_report_may_be_acknowledged_then_accepted() {
        let s = ReportState::Received
            .transition(ReportState::Acknowledged)
            .expect("ack");
        assert_eq!(s.transition(ReportState::Accepted), Ok(ReportState::Accepted));
    }

    #[test]
    fn a_report_cannot_go_back_to_received() {
        let err = ReportState::Validating
            .transition(ReportState::Acknowledged)
            .expect_err("backwards");
        assert_eq!(err.allowed, vec!["accepted", "declined", "duplicate"]);
    }

    fn clock(state: ReportState, ack: Option<&str>, decided: Option<&str>) -> ReportClock {
        ReportClock {
            state,
            received_at: at("2026-11-01T00:00:00Z"),
            acknowledged_at: ack.map(at),
            decided_at: decided.map(at),
            fixed_at: None,
        }
    }

    #[test]
    fn an_unacknowledged_report_is_overdue_after_the_promised_days() {
        let list = promises(
            ResponsePromises::default(),
            clock(ReportState::Received, None, None),
            at("2026-11-05T00:00:00Z"),
        );
        assert_eq!(list[0].standing, PromiseStanding::Overdue);
        assert_eq!(list[1].standing, PromiseStanding::Pending);
        assert!(is_overdue(&list));
    }

    #[test]
    fn an_acknowledgement_in_time_is_met_and_a_late_decision_is_late() {
        let list = promises(
            ResponsePromises::default(),
            clock(
                ReportState::Accepted,
                Some("2026-11-02T00:00:00Z"),
                Some("2026-11-20T00:00:00Z"),
            ),
            at("2026-11-21T00:00:00Z"),
        );
        assert_eq!(list[0].standing, PromiseStanding::Met);
        assert_eq!(list[1].standing, PromiseStanding::Late);
        assert_eq!(list[2].standing, PromiseStanding::Pending);
    }

    #[test]
    fn a_declined_report_promises_no_fix() {
        let list = promises(
            ResponsePromises::default(),
            clock(ReportState::Declined, None, Some("2026-11-02T00:00:00Z")),
            at("2027-06-01T00:00:00Z"),
        );
        assert_eq!(list[0].standing, PromiseStanding::Met, "a decision acknowledges");
        assert_eq!(list[2].standing, PromiseStanding::NotApplicable);
        assert!(!is_overdue(&list));
    }

    #[test]
    fn same_package_or_similar_titles_are_likely_duplicates() {
        assert!(likely_duplicate("zlib", "anything", "ZLIB ", "else"));
        assert!(likely_duplicate(
            "a",
            "Heap overflow in inflate window",
            "b",
            "heap overflow in inflate()"
        ));
        assert!(!likely_duplicate(
            "a",
            "Heap overflow in inflate",
            "b",
            "XSS in login form"
        ));
    }

    fn sample(now: Timestamp) -> String {
        let contacts = ["https://lockstep.example/report".to_owned()];
        security_txt(&SecurityTxt {
            contacts: &contacts,
            expires: now.checked_add(SECURITY_TXT_LIFETIME).expect("in range"),
            policy: Some("https://lockstep.example/security"),
            canonical: Some("https://lockstep.example/.well-known/security.txt"),
            preferred_languages: Some("en, de"),
            encryption: Some("https://lockstep.example/security/openpgp.asc"),
        })
    }

    #[test]
    fn security_txt_validates_against_rfc_9116() {
        let now = at("2026-11-26T10:00:00.123Z");
        let text = sample(now);
        assert_eq!(check_security_txt(&text, now), Vec::<String>::new(), "{text}");
        assert!(text.contains("Expires: 2027-05-25T10:00:00Z\n"), "{text}");
        assert!(text.contains("Canonical: https://lockstep.example/.well-known/security.txt\n"));
        assert!(text.contains("Encryption: https://lockstep.example/security/openpgp.asc\n"));
    }

    #[test]
    fn security_txt_expires_within_a_year() {
        let now = at("2026-11-26T10:00:00Z");
        assert!(check_security_txt(&sample(now), now).is_empty());
        let next_year = at("2027-11-27T10:00:00Z");
        let problems = check_security_txt(&sample(now), next_year);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("expired"), "{problems:?}");
    }

    #[test]
    fn a_security_txt_without_contact_or_expires_does_not_validate() {
        let now = at("2026-11-26T10:00:00Z");
        let problems = check_security_txt("Policy: https://x.example/p\nExpires: 2027-01-01T00:00:00Z\n", now);
        assert!(problems.iter().any(|p| p.contains("no Contact field")), "{problems:?}");
        let problems = check_security_txt("Contact: mailto:a@x.example\n", now);
        assert!(problems.iter().any(|p| p.contains("no Expires field")), "{problems:?}");
    }

    #[test]
    fn line_breaks_in_values_cannot_add_fields() {
        let contacts = ["https://x.example/report\nContact: https://evil.example".to_owned()];
        let text = security_txt(&SecurityTxt {
            contacts: &contacts,
            expires: at("2027-01-01T00:00:00Z"),
            policy: None,
            canonical: None,
            preferred_languages: None,
            encryption: None,
        });
        assert_eq!(text.lines().filter(|l| l.starts_with("Contact:")).count(), 1, "{text}");
    }
}
