//! Delivery against real peers on loopback: an SMTP server (Python's aiosmtpd, see
//! `lockstep_testkit::SmtpSink`) and an HTTP receiver in the test that checks every
//! webhook signature with its own HMAC-SHA256 (written out here from RFC 2104 over
//! `sha2`, not the `hmac` crate the server uses). Time moves on the fixed clock.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use common::TestApp;
use lockstep_core::notify::MAX_ATTEMPTS;
use lockstep_server::delivery::{self, Deliverer, DeliveryConfig, SmtpSettings};
use lockstep_server::Config;
use lockstep_testkit::{both_backends, GnuPg, SmtpSink};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// A real OpenPGP public key whose secret half was thrown away (for tests that do not
/// decrypt); the mail test makes its own key with GnuPG and decrypts with it.
const KEY: &str = include_str!("fixtures/contact-key.asc");
/// A Standard Webhooks secret: `whsec_` and the key in base64.
const SECRET: &str = "whsec_c2VjcmV0LWtleS1mb3ItdGVzdHM=";
const BASE_URL: &str = "https://lockstep.example";

fn config(smtp: Option<&SmtpSink>) -> Config {
    Config {
        delivery: DeliveryConfig {
            smtp: smtp.map(|s| SmtpSettings::parse(&s.url(), "Lockstep <lockstep@example.org>").unwrap()),
            base_url: BASE_URL.to_owned(),
            ..DeliveryConfig::default()
        },
        ..Config::default()
    }
}

/// HMAC-SHA256 (RFC 2104), independent of the server's implementation.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// What the receiver saw of one POST.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    signature_ok: bool,
    body: Value,
}

/// An HTTP receiver on 127.0.0.1:0 answering every POST with `status`.
async fn receiver(status: StatusCode) -> (String, Arc<Mutex<Vec<Received>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let key = base64::engine::general_purpose::STANDARD
        .decode(SECRET.strip_prefix("whsec_").unwrap())
        .unwrap();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let (log, key) = (log.clone(), key.clone());
            async move {
                let h = |name: &str| headers.get(name).unwrap().to_str().unwrap().to_owned();
                let (id, timestamp) = (h("webhook-id"), h("webhook-timestamp"));
                let mut signed = format!("{id}.{timestamp}.").into_bytes();
                signed.extend_from_slice(&body);
                let expected = format!(
                    "v1,{}",
                    base64::engine::general_purpose::STANDARD.encode(hmac_sha256(&key, &signed))
                );
                log.lock().unwrap().push(Received {
                    id,
                    signature_ok: h("webhook-signature").split(' ').any(|s| s == expected),
                    body: serde_json::from_slice(&body).unwrap(),
                });
                status
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

/// Gives the spare project a security contact, a keyed one, a German consumer list and
/// a webhook at `hook`, and reads it into the case (embargoed: teasers go out).
async fn registry_and_read_in(t: &TestApp, hook: &str) {
    registry_and_read_in_with_key(t, hook, KEY).await
}

async fn registry_and_read_in_with_key(t: &TestApp, hook: &str, key: &str) {
    let project = t.spare_project;
    let contacts = json!({"contacts": [
        {"email": "sec@spare.example", "name": "Security", "role": "security"},
        {"email": "keyed@spare.example", "name": "Keyed", "role": "maintainer", "pgp_key": key},
        {"email": "users@spare.example", "name": "Users", "role": "consumer", "language": "de"},
    ]});
    let path = format!("/api/v1/projects/{project}/contacts/import");
    let (status, body) = t.api("admin", "POST", &path, Some(contacts)).await;
    assert_eq!(status, 201, "{body}");
    let path = format!("/api/v1/projects/{project}/webhooks");
    let (status, body) = t
        .api("admin", "POST", &path, Some(json!({"url": hook, "secret": SECRET})))
        .await;
    assert_eq!(status, 201, "{body}");
    let path = format!("/api/v1/cases/{}/participants", t.case.id);
    let (status, body) = t
        .api("coordinator", "POST", &path, Some(json!({"project_id": project})))
        .await;
    assert_eq!(status, 201, "{body}");
}

async fn disclose(t: &TestApp) {
    for to in ["coordinating", "disclosed"] {
        let path = format!("/api/v1/cases/{}/phase", t.case.id);
        let (status, body) = t.api("coordinator", "POST", &path, Some(json!({"to": to}))).await;
        assert_eq!(status, 200, "{body}");
    }
}

/// Delivers until nothing more is due now.
async fn deliver_all(t: &TestApp) {
    let deliverer = Arc::new(Deliverer::new(t.app.config().delivery.clone()).unwrap());
    while delivery::deliver_due(&t.app, &deliverer).await.unwrap() > 0 {}
}

/// Every delivery of the case as (id, kind, channel, address, content, state, attempts, last_error).
async fn deliveries(t: &TestApp) -> Vec<Value> {
    let path = format!("/api/v1/cases/{}/notifications", t.case.id);
    let (status, list) = t.api("coordinator", "GET", &path, None).await;
    assert_eq!(status, 200, "{list}");
    let mut out = Vec::new();
    for n in list.as_array().unwrap() {
        for d in n["deliveries"].as_array().unwrap() {
            let mut d = d.clone();
            d["kind"] = n["kind"].clone();
            d["tlp"] = n["tlp"].clone();
            d["payload"] = n["payload"].clone();
            out.push(d);
        }
    }
    out
}

/// A header of a raw message (unfolded).
fn header(mail: &str, name: &str) -> Option<String> {
    let head = mail.split("\r\n\r\n").next().unwrap_or(mail);
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
    })
}

/// The text of a single-part message, quoted-printable decoded where it is so.
fn body(mail: &str) -> String {
    let raw = mail.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    if header(mail, "Content-Transfer-Encoding").as_deref() != Some("quoted-printable") {
        return raw.to_owned();
    }
    let joined = raw.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

both_backends!(
    each_mail_arrives_with_its_delivery_id_tlp_label_and_content,
    |backend| async move {
        let Some(sink) = SmtpSink::start() else { return };
        let Some(t) = TestApp::with_config(backend, config(Some(&sink))).await else {
            return;
        };
        let Some(gnupg) = GnuPg::new("Keyed <keyed@spare.example>", "future-default", "default") else {
            return;
        };
        let (hook, _) = receiver(StatusCode::NO_CONTENT).await;
        registry_and_read_in_with_key(&t, &hook, &gnupg.public_key).await;
        disclose(&t).await;
        deliver_all(&t).await;

        let emails: Vec<Value> = deliveries(&t)
            .await
            .into_iter()
            .filter(|d| d["channel"] == "email")
            .collect();
        let mails = sink.messages();
        assert_eq!(mails.len(), emails.len(), "{mails:#?}");
        for d in &emails {
            assert_eq!(d["state"], "sent", "{d}");
            let id = format!("<{}@lockstep>", d["id"].as_str().unwrap());
            let mail = mails
                .iter()
                .find(|m| header(m, "Message-ID").as_deref() == Some(id.as_str()))
                .unwrap_or_else(|| panic!("no mail with Message-ID {id}"));
            assert_eq!(header(mail, "X-Envelope-To").as_deref(), d["address"].as_str());
            let subject = header(mail, "Subject").unwrap();
            let label = format!("[TLP:{}] ", d["tlp"].as_str().unwrap());
            assert!(subject.starts_with(&label), "{subject}");
            let link = format!("{BASE_URL}/cases/{}", t.case.id);
            if d["content"] != "encrypted" {
                assert!(body(mail).contains(&link), "{mail}");
            }
            let payload_strings: Vec<&str> = d["payload"]
                .as_object()
                .unwrap()
                .values()
                .filter_map(Value::as_str)
                .filter(|s| !s.is_empty())
                .collect();
            match d["content"].as_str().unwrap() {
                "full" if d["kind"] == "disclosure" => {
                    assert!(subject.contains(&t.case.title), "{subject}");
                    assert!(body(mail).contains(&t.case.title), "{mail}");
                }
                "full" => {}
                // PGP/MIME: nothing of the payload in clear; GnuPG reads the full text.
                "encrypted" => {
                    let content_type = header(mail, "Content-Type").unwrap();
                    assert!(content_type.starts_with("multipart/encrypted"), "{content_type}");
                    for s in &payload_strings {
                        assert!(!mail.contains(s), "encrypted mail carries `{s}` in clear:\n{mail}");
                    }
                    let plain = String::from_utf8(gnupg.decrypt(mail)).unwrap();
                    assert!(plain.contains(&link), "{plain}");
                    if d["kind"] == "disclosure" {
                        assert!(plain.contains(&t.case.title), "{plain}");
                    }
                }
                // Teasers: nothing of the payload.
                _ => {
                    for s in &payload_strings {
                        assert!(!body(mail).contains(s), "{} carries `{s}`:\n{mail}", d["content"]);
                        assert!(!header(mail, "Subject").unwrap().contains(s), "{mail}");
                    }
                }
            }
        }
        // The German list gets the disclosure in German.
        let users = mails
            .iter()
            .find(|m| header(m, "X-Envelope-To").as_deref() == Some("users@spare.example"))
            .unwrap();
        assert!(header(users, "Subject").unwrap().contains("Offengelegt"), "{users}");
    }
);

both_backends!(
    webhook_deliveries_are_signed_and_carry_content_by_level,
    |backend| async move {
        let Some(t) = TestApp::with_config(backend, config(None)).await else {
            return;
        };
        let (hook, seen) = receiver(StatusCode::OK).await;
        registry_and_read_in(&t, &hook).await;
        disclose(&t).await;
        deliver_all(&t).await;

        let hooks: Vec<Value> = deliveries(&t)
            .await
            .into_iter()
            .filter(|d| d["channel"] == "webhook")
            .collect();
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), hooks.len(), "{seen:#?}");
        for d in &hooks {
            assert_eq!(d["state"], "sent", "{d}");
            let got = seen.iter().find(|r| r.id == d["id"]).unwrap();
            assert!(got.signature_ok, "{got:?}");
            assert_eq!(got.body["id"], d["id"]);
            assert_eq!(got.body["type"], d["kind"]);
            assert_eq!(got.body["tlp"], d["tlp"]);
            assert_eq!(got.body["case"]["id"], t.case.id.to_string());
            assert_eq!(got.body["case"]["url"], format!("{BASE_URL}/cases/{}", t.case.id));
            match d["content"].as_str().unwrap() {
                "full" => assert_eq!(got.body["data"], d["payload"]),
                _ => assert_eq!(got.body["data"], Value::Null),
            }
        }
        assert!(hooks.iter().any(|d| d["content"] == "teaser") && hooks.iter().any(|d| d["content"] == "full"));
    }
);

both_backends!(without_smtp_email_waits_and_webhooks_go_out, |backend| async move {
    let Some(t) = TestApp::with_config(backend, config(None)).await else {
        return;
    };
    let (hook, _) = receiver(StatusCode::OK).await;
    registry_and_read_in(&t, &hook).await;
    deliver_all(&t).await;
    for d in deliveries(&t).await {
        let expected = if d["channel"] == "webhook" { "sent" } else { "pending" };
        assert_eq!(d["state"], expected, "{d}");
        if d["channel"] == "email" {
            assert_eq!(d["attempts"], 0, "{d}");
        }
    }
});

both_backends!(a_failing_webhook_backs_off_then_is_dead, |backend| async move {
    let Some(t) = TestApp::with_config(backend, config(None)).await else {
        return;
    };
    let (hook, seen) = receiver(StatusCode::INTERNAL_SERVER_ERROR).await;
    registry_and_read_in(&t, &hook).await;
    let deliverer = Arc::new(Deliverer::new(t.app.config().delivery.clone()).unwrap());
    for attempt in 1..=MAX_ATTEMPTS {
        assert_eq!(
            delivery::deliver_due(&t.app, &deliverer).await.unwrap(),
            1,
            "attempt {attempt}"
        );
        let d = deliveries(&t)
            .await
            .into_iter()
            .find(|d| d["channel"] == "webhook")
            .unwrap();
        assert_eq!(d["attempts"], attempt, "{d}");
        assert_eq!(d["last_error"], "the webhook answered 500 Internal Server Error", "{d}");
        let wait = i64::try_from(lockstep_core::notify::retry_after_seconds(attempt - 1)).unwrap();
        if attempt < MAX_ATTEMPTS {
            assert_eq!(d["state"], "pending", "{d}");
            // Not before the back-off has passed.
            t.clock.advance(jiff::SignedDuration::from_secs(wait - 1));
            assert_eq!(
                delivery::deliver_due(&t.app, &deliverer).await.unwrap(),
                0,
                "attempt {attempt}"
            );
            t.clock.advance(jiff::SignedDuration::from_secs(1));
        } else {
            assert_eq!(d["state"], "dead", "{d}");
            t.clock.advance(jiff::SignedDuration::from_hours(48));
            assert_eq!(delivery::deliver_due(&t.app, &deliverer).await.unwrap(), 0);
        }
    }
    assert_eq!(seen.lock().unwrap().len(), MAX_ATTEMPTS as usize);
});

both_backends!(a_removed_webhook_is_dead_at_once, |backend| async move {
    let Some(t) = TestApp::with_config(backend, config(None)).await else {
        return;
    };
    let (hook, seen) = receiver(StatusCode::OK).await;
    registry_and_read_in(&t, &hook).await;
    let path = format!("/api/v1/projects/{}/webhooks", t.spare_project);
    let (_, list) = t.api("admin", "GET", &path, None).await;
    let id = list[0]["id"].as_str().unwrap().to_owned();
    let (status, body) = t.api("admin", "DELETE", &format!("{path}/{id}"), None).await;
    assert!(status.is_success(), "{body}");
    deliver_all(&t).await;
    let d = deliveries(&t)
        .await
        .into_iter()
        .find(|d| d["channel"] == "webhook")
        .unwrap();
    assert_eq!(
        (d["state"].as_str(), d["last_error"].as_str()),
        (Some("dead"), Some("the webhook was removed"))
    );
    assert!(seen.lock().unwrap().is_empty());
});

both_backends!(
    a_finder_hears_that_there_is_news_and_nothing_of_the_report,
    |backend| async move {
        let Some(sink) = SmtpSink::start() else { return };
        let Some(t) = TestApp::with_config(backend, config(Some(&sink))).await else {
            return;
        };
        let report = json!({"title": "Heap overflow in inflate", "project": "zlib", "package": "pkg:generic/zlib",
        "versions": "1.3.1", "description": "inflate() writes past the window", "impact": "remote code execution",
        "how_found": "fuzzing", "exposure": "private", "disclosure_plans": "none", "credit": "anonymous",
        "email": "ada@finder.example"});
        let (status, answer) = t.api("anonymous", "POST", "/api/v1/reports", Some(report)).await;
        assert_eq!(status, 201, "{answer}");
        let id = answer["id"].as_str().unwrap().to_owned();
        // Sending a report mails nobody: the form is not a way to make Lockstep mail anyone.
        deliver_all(&t).await;
        assert!(sink.messages().is_empty());
        let (status, answer) = t
            .api(
                "coordinator",
                "POST",
                &format!("/api/v1/reports/{id}/acknowledge"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{answer}");
        deliver_all(&t).await;
        let mails = sink.messages();
        assert_eq!(mails.len(), 1, "{mails:#?}");
        let mail = &mails[0];
        assert_eq!(header(mail, "X-Envelope-To").as_deref(), Some("ada@finder.example"));
        assert!(header(mail, "Subject").unwrap().starts_with("[TLP:AMBER] "), "{mail}");
        for secret in ["Heap overflow", "inflate", "remote code", "zlib"] {
            assert!(!mail.contains(secret), "the mail carries `{secret}`:\n{mail}");
        }
        assert!(body(mail).contains("tracking link"), "{mail}");
        // A coordinator's question is news too.
        let (status, answer) = t
            .api(
                "coordinator",
                "POST",
                &format!("/api/v1/reports/{id}/messages"),
                Some(json!({"body": "Which compiler?"})),
            )
            .await;
        assert_eq!(status, 201, "{answer}");
        deliver_all(&t).await;
        assert_eq!(sink.messages().len(), 2);
    }
);
