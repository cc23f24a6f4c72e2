//! Who hears what, when: the tiers of notification and the TLP and embargo rules
//! every delivery obeys. The store asks [`delivery`] for each recipient when it writes
//! a notification to the outbox, in the transaction of the event it announces; the
//! delivery workers only carry out what was decided here.

use crate::macros::vocabulary;
use crate::{ContactRole, Tlp};

vocabulary! {
    /// What a notification announces.
    pub enum NotificationKind: "notification kind" {
        /// The project was read into a case.
        ReadIn = "read_in",
        /// A message was posted to the people it names.
        Message = "message",
        /// The case moved: phase, embargo, a vulnerability added.
        CaseChange = "case_change",
        /// The case was disclosed: the notice consumers wait for.
        Disclosure = "disclosure",
        /// The case's advisory was published (or revised and published again).
        AdvisoryPublished = "advisory_published",
        /// A scheduled reminder (a task or the public date coming up).
        Reminder = "reminder",
        /// A scheduled status update on the case's cadence.
        StatusUpdate = "status_update",
        /// A participant notified days ago has not opened the case.
        Nudge = "nudge",
        /// News on a finder's own report (acknowledged, a question, a decision).
        ReportUpdate = "report_update",
    }
}

vocabulary! {
    /// How much of a notification a recipient gets.
    pub enum Content: "notification content" {
        /// Everything, in clear.
        Full = "full",
        /// Everything, encrypted to the recipient's OpenPGP key.
        Encrypted = "encrypted",
        /// Only that there is news, with a link to the case: no content at all.
        Teaser = "teaser",
    }
}

vocabulary! {
    /// Where a delivery stands. A delivery being sent is `pending` with a claim (a
    /// lease until a moment); a worker that dies mid-send leaves the claim to expire,
    /// and another sends it again with the same idempotency key.
    pub enum DeliveryState: "delivery state" {
        Pending = "pending",
        Sent = "sent",
        /// Failed `MAX_ATTEMPTS` times; a person must look.
        Dead = "dead",
    }
}

/// Where a delivery goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Email to a project's contact, who may have an OpenPGP key.
    Email { role: ContactRole, has_key: bool },
    /// A project's webhook (a machine; never a named person).
    Webhook,
}

/// Whether this kind is public news: the notice consumers hear, once a case is out.
fn is_public_news(kind: NotificationKind) -> bool {
    matches!(kind, NotificationKind::Disclosure | NotificationKind::AdvisoryPublished)
}

/// What a recipient on `channel` gets of a notification of `kind`, on a case labelled
/// `tlp`, while the case is (`embargoed`) or is not yet public; `None`: nothing.
///
/// - Consumer contacts hear nothing before the case is disclosed, and then only the
///   disclosure and the advisory notice.
/// - TLP:RED goes only to named people: never to a webhook, nor to a consumer
///   contact (consumers are the lists and downstream audiences).
/// - While embargoed, email carries content only encrypted; a contact without a key
///   gets the teaser, and so does a webhook.
/// - Where a contact has a key, mail to it is always encrypted.
pub fn delivery(kind: NotificationKind, channel: Channel, tlp: Tlp, embargoed: bool) -> Option<Content> {
    let consumer = matches!(
        channel,
        Channel::Email {
            role: ContactRole::Consumer,
            ..
        }
    );
    if consumer && (embargoed || !is_public_news(kind)) {
        return None;
    }
    if tlp == Tlp::Red && (consumer || channel == Channel::Webhook) {
        return None;
    }
    Some(match channel {
        Channel::Email { has_key: true, .. } => Content::Encrypted,
        Channel::Email { has_key: false, .. } | Channel::Webhook if embargoed => Content::Teaser,
        Channel::Email { has_key: false, .. } | Channel::Webhook => Content::Full,
    })
}

/// What a finder gets of news on their report: only that there is news, to be read
/// on the report's tracking page. The mail cannot link it (the tracking token is kept
/// only hashed), and a report's content does not travel in clear mail.
pub fn finder_delivery() -> Content {
    Content::Teaser
}

/// How long to wait before attempt `attempts + 1` of a delivery that failed
/// `attempts` times: doubling from 30 seconds, at most 6 hours.
pub fn retry_after_seconds(attempts: u32) -> u64 {
    30u64.saturating_mul(1u64 << attempts.min(20)).min(6 * 3600)
}

/// After this many failed attempts a delivery is dead (a person must look).
pub const MAX_ATTEMPTS: u32 = 12;

#[cfg(test)]
mod tests {
    use super::*;

    const SECURITY: Channel = Channel::Email {
        role: ContactRole::Security,
        has_key: false,
    };
    const SECURITY_WITH_KEY: Channel = Channel::Email {
        role: ContactRole::Security,
        has_key: true,
    };
    const CONSUMER: Channel = Channel::Email {
        role: ContactRole::Consumer,
        has_key: false,
    };

    #[test]
    fn consumers_hear_only_public_news_after_disclosure() {
        assert_eq!(delivery(NotificationKind::ReadIn, CONSUMER, Tlp::Clear, false), None);
        assert_eq!(delivery(NotificationKind::Disclosure, CONSUMER, Tlp::Amber, true), None);
        assert_eq!(
            delivery(NotificationKind::Disclosure, CONSUMER, Tlp::Clear, false),
            Some(Content::Full)
        );
    }

    #[test]
    fn embargoed_content_goes_only_encrypted() {
        assert_eq!(
            delivery(NotificationKind::Message, SECURITY, Tlp::Amber, true),
            Some(Content::Teaser)
        );
        assert_eq!(
            delivery(NotificationKind::Message, SECURITY_WITH_KEY, Tlp::Amber, true),
            Some(Content::Encrypted)
        );
        assert_eq!(
            delivery(NotificationKind::Message, Channel::Webhook, Tlp::Amber, true),
            Some(Content::Teaser)
        );
        assert_eq!(
            delivery(NotificationKind::Message, SECURITY, Tlp::Amber, false),
            Some(Content::Full)
        );
    }

    #[test]
    fn red_reaches_no_webhook_and_no_list() {
        assert_eq!(
            delivery(NotificationKind::CaseChange, Channel::Webhook, Tlp::Red, false),
            None
        );
        assert_eq!(delivery(NotificationKind::Disclosure, CONSUMER, Tlp::Red, false), None);
        assert_eq!(
            delivery(NotificationKind::CaseChange, SECURITY_WITH_KEY, Tlp::Red, true),
            Some(Content::Encrypted)
        );
    }

    #[test]
    fn retries_back_off_to_a_ceiling() {
        assert_eq!(retry_after_seconds(0), 30);
        assert_eq!(retry_after_seconds(1), 60);
        assert_eq!(retry_after_seconds(30), 6 * 3600);
    }
}
