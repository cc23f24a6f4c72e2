//! What a delivery says, as pure functions of the claimed delivery: the email (subject
//! and text from the Fluent templates in `lockstep_advisory::notice`, in the contact's
//! language) and the webhook's JSON body. No I/O here.
//!
//! How much goes out is the delivery's `Content`, decided when it was enqueued:
//! `full` is the rendered text; `teaser` only that there is news and the link to the
//! case; `encrypted` the full text as PGP/MIME to the contact's key, under the
//! teaser's subject, so nothing of the content is readable outside the encryption.

use std::time::{Duration, SystemTime};

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::Message;
use lockstep_advisory::notice::{self, Notice};
use lockstep_core::notify::Content;
use lockstep_core::CaseId;
use lockstep_store::ClaimedDelivery;
use serde_json::{json, Value};
use uuid::Uuid;

/// The link to a case: `{base_url}/cases/{case_id}` (the base URL alone for a
/// notification of no case).
pub fn case_url(base_url: &str, case: Option<CaseId>) -> String {
    let base = base_url.trim_end_matches('/');
    match case {
        Some(id) => format!("{base}/cases/{id}"),
        None => base.to_owned(),
    }
}

/// The email's Message-ID: the delivery id, the idempotency key, so that a delivery
/// sent again after a crash carries the same Message-ID and receivers can drop the
/// repeat.
pub fn message_id(delivery: Uuid) -> String {
    format!("<{delivery}@lockstep>")
}

fn locale(d: &ClaimedDelivery) -> &str {
    d.language.as_deref().unwrap_or("en")
}

/// The subject and text of an email delivery, by its content level.
pub fn email_text(d: &ClaimedDelivery, base_url: &str) -> Notice {
    if d.kind == lockstep_core::notify::NotificationKind::ReportUpdate {
        // A finder's mail: only that there is news (`notify::finder_delivery`).
        return notice::report_teaser(locale(d), d.tlp, base_url.trim_end_matches('/'));
    }
    let url = case_url(base_url, d.case_id);
    match d.content {
        Content::Full => notice::notification(locale(d), d.kind, d.tlp, &d.payload, &url),
        Content::Teaser => notice::teaser(locale(d), d.tlp, &url),
        Content::Encrypted => encrypted_body(d, base_url),
    }
}

/// What can be read of an `encrypted` delivery without the key: the teaser (its
/// subject is the mail's subject; the full text travels encrypted, see [`email`]).
fn encrypted_body(d: &ClaimedDelivery, base_url: &str) -> Notice {
    notice::teaser(locale(d), d.tlp, &case_url(base_url, d.case_id))
}

/// The full text of a delivery as one MIME entity (CRLF lines), the plaintext that is
/// encrypted to the contact's key: its own subject first, then the body.
fn inner_mime(full: &Notice) -> Vec<u8> {
    let mut text = String::from("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
    text.push_str(&full.subject);
    text.push_str("\r\n\r\n");
    for line in full.body.lines() {
        text.push_str(line);
        text.push_str("\r\n");
    }
    text.into_bytes()
}

/// Why an email could not be built; no retry mends it.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("`{0}` is not an email address")]
    Address(String),
    #[error("building the email: {0}")]
    Build(String),
    #[error("encrypting to the contact's key: {0}")]
    Encrypt(String),
}

/// The email of a delivery, from `from`. Its Message-ID is [`message_id`] and its Date
/// the notification's creation, so a resend is the same message.
pub fn email(d: &ClaimedDelivery, from: &Mailbox, base_url: &str) -> Result<Message, EmailError> {
    let to_address = d.address.parse().map_err(|_| EmailError::Address(d.address.clone()))?;
    let name = Some(d.name.clone()).filter(|n| !n.trim().is_empty());
    let text = email_text(d, base_url);
    let millis = u64::try_from(d.created_at.as_millisecond()).unwrap_or(0);
    let builder = Message::builder()
        .from(from.clone())
        .to(Mailbox::new(name, to_address))
        .subject(text.subject)
        .message_id(Some(message_id(d.id)))
        .date(SystemTime::UNIX_EPOCH + Duration::from_millis(millis));
    if d.content != Content::Encrypted {
        return builder
            .header(ContentType::TEXT_PLAIN)
            .body(text.body)
            .map_err(|e| EmailError::Build(e.to_string()));
    }
    // PGP/MIME (RFC 3156): the full text, encrypted to the key the delivery was
    // decided with; never in clear. A delivery without its key is not sent at all.
    let key = d
        .pgp_key
        .as_deref()
        .ok_or_else(|| EmailError::Encrypt("the delivery has no key".to_owned()))?;
    let full = notice::notification(locale(d), d.kind, d.tlp, &d.payload, &case_url(base_url, d.case_id));
    let encrypted =
        crate::pgp_mime::encrypt(key, &inner_mime(&full)).map_err(|e| EmailError::Encrypt(e.to_string()))?;
    let content_type = ContentType::parse(&encrypted.content_type).map_err(|e| EmailError::Build(e.to_string()))?;
    builder
        .header(content_type)
        .body(encrypted.body)
        .map_err(|e| EmailError::Build(e.to_string()))
}

/// The webhook's JSON body: `{"type", "id", "case": {"id", "url"}, "tlp", "data"}`,
/// `data` the event's payload for `full` content and `null` otherwise (a teaser).
pub fn webhook_body(d: &ClaimedDelivery, base_url: &str) -> Vec<u8> {
    let data = match d.content {
        Content::Full => d.payload.clone(),
        Content::Teaser | Content::Encrypted => Value::Null,
    };
    let body = json!({
        "type": d.kind,
        "id": d.id,
        "case": {"id": d.case_id, "url": case_url(base_url, d.case_id)},
        "tlp": d.tlp,
        "data": data,
    });
    // A `Value` always serializes.
    serde_json::to_vec(&body).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use lockstep_core::notify::NotificationKind;
    use lockstep_core::Tlp;

    fn delivery(content: Content, channel: &str) -> ClaimedDelivery {
        ClaimedDelivery {
            id: Uuid::new_v4(),
            notification_id: Uuid::new_v4(),
            case_id: Some(CaseId::new()),
            kind: NotificationKind::Message,
            tlp: Tlp::Amber,
            payload: json!({"message": "m-1", "author": "Ada Lovelace", "body": "The overflow is in frob_parse"}),
            created_at: "2026-11-26T10:00:00Z".parse().unwrap(),
            channel: channel.to_owned(),
            address: if channel == "email" {
                "sec@frob.example".into()
            } else {
                "https://h.example/in".into()
            },
            name: "Frob Security".into(),
            content,
            pgp_key: None,
            language: Some("de".into()),
            attempts: 0,
            webhook_secret: None,
        }
    }

    /// Every string value in the payload (its keys are the shape every event of the
    /// kind shares, such as `message`, which is also the kind's name).
    fn strings(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
            Value::Object(map) => map.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }

    #[test]
    fn a_teaser_contains_nothing_of_the_payload() {
        for content in [Content::Teaser, Content::Encrypted] {
            let mut d = delivery(content, "email");
            if content == Content::Encrypted {
                d.pgp_key = Some(include_str!("../../tests/fixtures/contact-key.asc").to_owned());
            }
            let mail = String::from_utf8(
                email(&d, &"l@x.example".parse().unwrap(), "https://l.example")
                    .unwrap()
                    .formatted(),
            )
            .unwrap();
            let hook = String::from_utf8(webhook_body(&delivery(content, "webhook"), "https://l.example")).unwrap();
            let mut payload = Vec::new();
            strings(&d.payload, &mut payload);
            for s in payload {
                assert!(!mail.contains(&s), "{content:?} mail carries `{s}`:\n{mail}");
                assert!(!hook.contains(&s), "{content:?} webhook carries `{s}`: {hook}");
            }
            if content == Content::Encrypted {
                assert!(mail.contains("multipart/encrypted"), "{mail}");
            } else {
                assert!(mail.contains(&format!("/cases/{}", d.case_id.unwrap())), "{mail}");
            }
            assert!(mail.contains("Subject: [TLP:AMBER]"), "{mail}");
        }
    }

    #[test]
    fn an_encrypted_delivery_without_its_key_is_not_sent() {
        let d = delivery(Content::Encrypted, "email");
        assert!(matches!(
            email(&d, &"l@x.example".parse().unwrap(), "https://l.example"),
            Err(EmailError::Encrypt(_))
        ));
    }

    #[test]
    fn full_mail_has_the_text_the_tlp_label_and_the_delivery_as_message_id() {
        let d = delivery(Content::Full, "email");
        let mail = email(&d, &"l@x.example".parse().unwrap(), "https://l.example/").unwrap();
        let text = String::from_utf8(mail.formatted()).unwrap();
        assert!(text.contains(&format!("Message-ID: <{}@lockstep>", d.id)), "{text}");
        assert!(
            text.contains("Subject: [TLP:AMBER] Neue Nachricht von Ada Lovelace"),
            "{text}"
        );
        assert!(text.contains("The overflow is in frob_parse"), "{text}");
    }

    #[test]
    fn webhook_body_has_the_documented_shape() {
        let d = delivery(Content::Full, "webhook");
        let body: Value = serde_json::from_slice(&webhook_body(&d, "https://l.example")).unwrap();
        let case = d.case_id.unwrap();
        assert_eq!(
            body,
            json!({"type": "message", "id": d.id, "case": {"id": case, "url": format!("https://l.example/cases/{case}")},
                   "tlp": "AMBER", "data": d.payload})
        );
    }
}
