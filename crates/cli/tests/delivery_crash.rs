//! A `lockstep serve` killed (SIGKILL) halfway through a disclosure's fan-out to a
//! few thousand consumer contacts, then started again: every recipient gets the
//! message, and a message sent twice is one that was in flight at the kill and carries
//! the same Message-ID both times (the delivery id, the idempotency key). And two
//! `serve` processes on one database share a fan-out without sending anything twice.
//! Both back ends, a real SMTP server (aiosmtpd) on loopback.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lockstep_core::{ContactRole, GlobalRole, ParticipantRole, Phase};
use lockstep_store::{ContactSource, NewCase, NewContact, NewParticipant, NewProject, NewUser, Store};
use lockstep_testkit::{both_backends, fresh_database_url, SmtpSink};
use sqlx::{AnyConnection, Connection, Row};

const RECIPIENTS: usize = 2000;

/// A disclosed case whose one participant has `n` consumer contacts: `n` deliveries.
async fn seed(url: &str, n: usize) {
    let store = Store::connect(url).await.unwrap();
    let now = jiff::Timestamp::now();
    let user = store
        .create_user(
            None,
            now,
            NewUser {
                email: "coordinator@example.org".into(),
                name: "Coordinator".into(),
                role: GlobalRole::Coordinator,
                password_hash: None,
            },
        )
        .await
        .unwrap();
    let project = store
        .create_project(
            None,
            now,
            NewProject {
                name: "libfanout".into(),
                repository: None,
                security_contact: None,
                purls: vec!["pkg:cargo/libfanout".into()],
            },
        )
        .await
        .unwrap();
    let contacts: Vec<NewContact> = (0..n)
        .map(|i| NewContact {
            email: format!("user{i:05}@consumers.example"),
            name: format!("User {i}"),
            role: ContactRole::Consumer,
            pgp_key: None,
            language: None,
            encryption_uri: None,
        })
        .collect();
    store
        .add_contacts(user.id, now, project.id, &contacts, ContactSource::Api, "contacts")
        .await
        .unwrap();
    let case = store
        .create_case(
            user.id,
            now,
            NewCase {
                title: "Heap overflow in libfanout".into(),
                summary: String::new(),
                tlp: None,
            },
        )
        .await
        .unwrap();
    store
        .add_participant(
            user.id,
            now,
            case.id,
            NewParticipant {
                project_id: project.id,
                role: ParticipantRole::Upstream,
            },
        )
        .await
        .unwrap();
    for to in [Phase::Coordinating, Phase::Disclosed] {
        store.change_phase(user.id, now, case.id, to).await.unwrap();
    }
}

/// `lockstep serve` delivering to `smtp`; a claim holds for `lease` seconds.
fn serve(url: &str, smtp: &str, lease: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(["serve", "--database", url, "--listen", "127.0.0.1:0", "--smtp", smtp])
        .args(["--delivery-lease", lease, "--base-url", "https://lockstep.example"])
        .env_remove("LOCKSTEP_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// (delivery id, address, state, claimed) of every delivery.
async fn deliveries(url: &str) -> Vec<(String, String, String, bool)> {
    let mut conn = AnyConnection::connect(url).await.unwrap();
    let rows = sqlx::query("SELECT id, address, state, claimed_until FROM deliveries")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    rows.iter()
        .map(|r| {
            (
                r.get::<String, _>("id"),
                r.get::<String, _>("address"),
                r.get::<String, _>("state"),
                r.get::<Option<i64>, _>("claimed_until").is_some(),
            )
        })
        .collect()
}

fn header(mail: &str, name: &str) -> String {
    let head = mail.split("\r\n\r\n").next().unwrap_or(mail);
    head.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("no {name} in {mail}"))
}

async fn wait_until(what: &str, deadline: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

both_backends!(
    a_killed_server_resends_only_what_was_in_flight_under_the_same_message_id,
    |backend| async move {
        let Some(sink) = SmtpSink::start() else { return };
        let Some(url) = fresh_database_url(backend).await else {
            return;
        };
        seed(&url, RECIPIENTS).await;
        assert_eq!(deliveries(&url).await.len(), RECIPIENTS);

        // A short lease, so that the restart picks up the dead process's claims soon.
        let mut first = serve(&url, &sink.url(), "2");
        // Not a multiple of the batch (100): the kill lands while a batch is in flight.
        wait_until("half the mail is out", Duration::from_secs(40), || {
            sink.messages().len() >= RECIPIENTS / 2 + 37
        })
        .await;
        first.kill().unwrap(); // SIGKILL
        first.wait().unwrap();
        let at_kill = deliveries(&url).await;
        let in_flight: BTreeSet<String> = at_kill
            .iter()
            .filter(|(_, _, state, claimed)| state == "pending" && *claimed)
            .map(|(id, ..)| format!("<{id}@lockstep>"))
            .collect();
        let sent_at_kill = at_kill.iter().filter(|d| d.2 == "sent").count();
        assert!(sent_at_kill < RECIPIENTS, "the kill came after the last mail");

        let mut second = serve(&url, &sink.url(), "2");
        let start = Instant::now();
        loop {
            let all = deliveries(&url).await;
            if all.iter().all(|d| d.2 == "sent") {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(40),
                "not all sent after the restart"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        second.kill().unwrap();
        second.wait().unwrap();

        let expected: BTreeMap<String, String> = deliveries(&url)
            .await
            .into_iter()
            .map(|(id, address, ..)| (address, format!("<{id}@lockstep>")))
            .collect();
        let mut received: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for mail in sink.messages() {
            received
                .entry(header(&mail, "X-Envelope-To"))
                .or_default()
                .push(header(&mail, "Message-ID"));
        }
        assert_eq!(
            received.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "every recipient, and nobody else"
        );
        let mut repeats = 0;
        for (address, ids) in &received {
            let id = &expected[address];
            assert!(ids.iter().all(|got| got == id), "{address} got {ids:?}, expected {id}");
            if ids.len() > 1 {
                repeats += 1;
                assert!(
                    in_flight.contains(id),
                    "{address} got {id} twice but it was not in flight at the kill"
                );
            }
        }
        eprintln!(
            "{} recipients; {sent_at_kill} recorded sent at the kill, {} in flight, {repeats} sent twice",
            expected.len(),
            in_flight.len()
        );
    }
);

both_backends!(
    two_servers_share_a_fan_out_and_send_each_mail_once,
    |backend| async move {
        let Some(sink) = SmtpSink::start() else { return };
        let Some(url) = fresh_database_url(backend).await else {
            return;
        };
        seed(&url, RECIPIENTS).await;
        let mut servers = [serve(&url, &sink.url(), "60"), serve(&url, &sink.url(), "60")];
        let start = Instant::now();
        while !deliveries(&url).await.iter().all(|d| d.2 == "sent") {
            assert!(start.elapsed() < Duration::from_secs(40), "not all sent");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        for server in &mut servers {
            server.kill().unwrap();
            server.wait().unwrap();
        }
        let mails = sink.messages();
        let ids: BTreeSet<String> = mails.iter().map(|m| header(m, "Message-ID")).collect();
        assert_eq!(
            (mails.len(), ids.len()),
            (RECIPIENTS, RECIPIENTS),
            "each mail exactly once"
        );
    }
);

both_backends!(
    ctrl_c_finishes_the_batch_in_hand_and_leaves_nothing_in_flight,
    |backend| async move {
        let Some(sink) = SmtpSink::start() else { return };
        let Some(url) = fresh_database_url(backend).await else {
            return;
        };
        seed(&url, RECIPIENTS).await;
        let mut server = serve(&url, &sink.url(), "60");
        wait_until("some mail is out", Duration::from_secs(40), || {
            sink.messages().len() >= 337
        })
        .await;
        let interrupted = Command::new("kill")
            .args(["-INT", &server.id().to_string()])
            .status()
            .unwrap();
        assert!(interrupted.success());
        assert!(server.wait().unwrap().success());
        let after = deliveries(&url).await;
        let sent = after.iter().filter(|d| d.2 == "sent").count();
        assert!(sent < RECIPIENTS, "the interrupt came after the last mail");
        assert!(
            after.iter().all(|(_, _, state, claimed)| state == "sent" || !*claimed),
            "a delivery is still claimed after a graceful stop"
        );
        assert_eq!(sink.messages().len(), sent, "every mail sent is recorded, and no other");
    }
);
