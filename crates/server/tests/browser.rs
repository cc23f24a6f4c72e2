//! Drives the real web pages in headless Chromium (Debian's `chromium` and
//! `chromium-driver`): log in, open a case, post a message, see it.
//!
//! Runs when chromedriver is found (`LOCKSTEP_TEST_CHROMEDRIVER` or on PATH); under
//! `LOCKSTEP_TEST_REQUIRE_ALL=true` (CI) a missing browser fails the test.

#![allow(clippy::unwrap_used)]

use std::process::Stdio;
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};
use lockstep_core::{Clock, GlobalRole, MembershipRole, ParticipantRole};
use lockstep_server::{admin, App, Config};
use lockstep_store::{Backend, NewCase, NewParticipant, NewProject};

fn chromedriver() -> Option<String> {
    if let Ok(path) = std::env::var("LOCKSTEP_TEST_CHROMEDRIVER") {
        if !path.is_empty() {
            return Some(path);
        }
    }
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(|p| p.to_string())
}

async fn free_port() -> u16 {
    tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until `locator` is on the page; on a time-out, fails showing the page.
async fn wait_for(c: &fantoccini::Client, locator: Locator<'_>, what: &str) {
    if let Err(e) = c.wait().at_most(Duration::from_secs(10)).for_element(locator).await {
        panic!(
            "{what} did not appear ({e}); the page was:\n{}",
            c.source().await.unwrap_or_default()
        );
    }
}

/// Types into the input with this id.
async fn type_into(c: &fantoccini::Client, id: &str, text: &str) {
    c.find(Locator::Id(id)).await.unwrap().send_keys(text).await.unwrap();
}

/// Chooses an option of the select with this id.
async fn choose(c: &fantoccini::Client, id: &str, value: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

/// Clicks the element `css` selects.
async fn click(c: &fantoccini::Client, css: &str) {
    c.find(Locator::Css(css)).await.unwrap().click().await.unwrap();
}

/// Kills chromedriver (and its browser) when the test ends, pass or fail.
struct Driver(std::process::Child);
impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_in_open_a_case_post_a_message_and_see_it() {
    let Some(driver_path) = chromedriver() else {
        assert!(
            !lockstep_testkit::require_all(),
            "chromedriver not found but LOCKSTEP_TEST_REQUIRE_ALL is set"
        );
        eprintln!("note: chromedriver not found; browser test not run");
        return;
    };
    // The app on a real socket, on a fresh SQLite file.
    let store = lockstep_testkit::fresh_store(Backend::Sqlite).await.unwrap();
    let clock = Clock::system();
    let now = clock.now();
    let password = "correct horse battery";
    let maria = admin::create_user(
        &store,
        now,
        "maria@zlib.example",
        "Maria Jensen",
        GlobalRole::Member,
        password,
    )
    .await
    .unwrap();
    let alice = admin::create_user(&store, now, "alice@coord.example", "Alice", GlobalRole::Coordinator, "")
        .await
        .unwrap();
    let project = store
        .create_project(
            None,
            now,
            NewProject {
                name: "zlib".into(),
                repository: None,
                security_contact: None,
                purls: vec![],
            },
        )
        .await
        .unwrap();
    store
        .add_membership(None, now, project.id, maria.id, MembershipRole::Maintainer)
        .await
        .unwrap();
    let case = store
        .create_case(
            alice.id,
            now,
            NewCase {
                title: "Heap overflow in inflate()".into(),
                summary: String::new(),
                tlp: None,
            },
        )
        .await
        .unwrap();
    store
        .add_participant(
            alice.id,
            now,
            case.id,
            NewParticipant {
                project_id: project.id,
                role: ParticipantRole::Upstream,
            },
        )
        .await
        .unwrap();
    let vulnerability = store
        .add_vulnerability(
            alice.id,
            now,
            case.id,
            lockstep_store::NewVulnerability {
                title: "window overflow".into(),
                cwe: None,
                cvss: None,
                aliases: vec![],
                affected: vec![],
            },
        )
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(lockstep_server::serve(
        App::new(store.clone(), clock, Config::default()),
        listener,
    ));

    let port = free_port().await;
    let _driver = Driver(
        std::process::Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let profile = std::env::temp_dir().join(format!("lockstep-chromium-{}", uuid::Uuid::new_v4().simple()));
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage",
                     "--disable-component-update", "--disable-sync", "--no-first-run", format!("--user-data-dir={}", profile.display())]
        }
    });
    let caps = match caps {
        serde_json::Value::Object(map) => map,
        _ => unreachable!(),
    };
    let mut client = None;
    for _ in 0..50 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    let c = client.expect("chromedriver did not start");

    // Unauthenticated visitors land on the login page.
    c.goto(&format!("{base}/cases")).await.unwrap();
    assert!(c.current_url().await.unwrap().as_str().ends_with("/login"));
    // A wrong password is refused with a message.
    type_into(&c, "email", "maria@zlib.example").await;
    type_into(&c, "password", "wrong password!").await;
    click(&c, "button[type=submit]").await;
    let alert = c
        .wait()
        .for_element(Locator::Css("[role=alert]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(alert.contains("Wrong email or password"), "{alert}");
    // The right one logs in and shows the case list.
    c.find(Locator::Id("email")).await.unwrap().clear().await.unwrap();
    type_into(&c, "email", "maria@zlib.example").await;
    type_into(&c, "password", password).await;
    click(&c, "button[type=submit]").await;
    c.wait()
        .for_element(Locator::LinkText("Heap overflow in inflate()"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("body")).await.unwrap();
    assert!(c.current_url().await.unwrap().as_str().contains(&case.id.to_string()));
    let heading = c.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert!(heading.contains("Heap overflow in inflate()"), "{heading}");
    // Post a message and see it in the thread (the old page has a thread too: wait for the new one).
    type_into(&c, "body", "zlib is affected; patch attached for review.").await;
    click(&c, "form[action$='/messages'] button[type=submit]").await;
    let posted = Locator::XPath("//div[@id='messages']//div[@class='body'][contains(., 'patch attached for review')]");
    wait_for(&c, posted, "the message").await;
    let thread = c.find(Locator::Id("messages")).await.unwrap().text().await.unwrap();
    assert!(
        thread.contains("zlib is affected; patch attached for review."),
        "{thread}"
    );
    assert!(thread.contains("Maria Jensen"), "{thread}");
    if let Ok(dir) = std::env::var("LOCKSTEP_TEST_SCREENSHOTS") {
        let png = c.screenshot().await.unwrap();
        std::fs::write(std::path::Path::new(&dir).join("case.png"), png).unwrap();
    }
    // It was stored, by her, through the same function the API uses.
    let messages = store.messages(case.id).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].author_id, maria.id);

    // State zlib's status through the form: fixed in 1.3.2, shared with the others.
    choose(&c, "status", "fixed").await;
    type_into(&c, "fixed-version", "1.3.2").await;
    choose(&c, "share", "yes").await;
    click(&c, "#status-form button[type=submit]").await;
    let stated = Locator::XPath("//table[@id='participants']//td[contains(., 'fixed') and contains(., '1.3.2')]");
    wait_for(&c, stated, "the status").await;
    let participants = store.participants(case.id).await.unwrap();
    assert_eq!(participants[0].statuses[0].vulnerability_id, vulnerability.id);
    assert_eq!(participants[0].statuses[0].fixed_version.as_deref(), Some("1.3.2"));
    assert!(participants[0].shares_status);
    c.close().await.unwrap();
    let _ = std::fs::remove_dir_all(profile);
}

/// Starts chromedriver and a headless Chromium session; None when chromedriver is
/// missing (a failure under `LOCKSTEP_TEST_REQUIRE_ALL`).
async fn browser() -> Option<(Driver, fantoccini::Client, std::path::PathBuf)> {
    let Some(driver_path) = chromedriver() else {
        assert!(
            !lockstep_testkit::require_all(),
            "chromedriver not found but LOCKSTEP_TEST_REQUIRE_ALL is set"
        );
        eprintln!("note: chromedriver not found; browser test not run");
        return None;
    };
    let port = free_port().await;
    let driver = Driver(
        std::process::Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let profile = std::env::temp_dir().join(format!("lockstep-chromium-{}", uuid::Uuid::new_v4().simple()));
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage",
                     "--disable-component-update", "--disable-sync", "--no-first-run", format!("--user-data-dir={}", profile.display())]
        }
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    for _ in 0..50 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => return Some((driver, c, profile)),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("chromedriver did not start");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finder_reports_answers_the_coordinator_and_sees_the_report_accepted() {
    let store = lockstep_testkit::fresh_store(Backend::Sqlite).await.unwrap();
    let clock = Clock::system();
    let password = "correct horse battery";
    admin::create_user(
        &store,
        clock.now(),
        "alice@coord.example",
        "Alice Moreau",
        GlobalRole::Coordinator,
        password,
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(lockstep_server::serve(
        App::new(store.clone(), clock, Config::default()),
        listener,
    ));
    let Some((_driver, c, profile)) = browser().await else {
        return;
    };
    let poc = profile.with_extension("poc.txt");
    std::fs::write(&poc, "inflate(window_bits=8) on crafted input overflows\n").unwrap();

    // The finder, with no account, reports through the form with a proof of concept.
    c.goto(&format!("{base}/report")).await.unwrap();
    type_into(&c, "title", "Heap overflow in inflate with small windows").await;
    type_into(&c, "project", "zlib").await;
    type_into(&c, "package", "pkg:generic/zlib").await;
    type_into(&c, "versions", "1.3.1").await;
    type_into(
        &c,
        "description",
        "inflate() writes past the window when windowBits is 8.",
    )
    .await;
    choose(&c, "exposure", "private").await;
    choose(&c, "credit", "handle").await;
    type_into(&c, "credit_name", "@fuzzy_lynx").await;
    c.find(Locator::Id("attachments"))
        .await
        .unwrap()
        .send_keys(&poc.display().to_string())
        .await
        .unwrap();
    click(&c, "form[action='/report'] button[type=submit]").await;
    wait_for(&c, Locator::Id("tracking-link"), "the tracking link").await;
    click(&c, "#tracking-link").await;
    wait_for(
        &c,
        Locator::XPath("//span[@id='state'][.='received']"),
        "the report's state",
    )
    .await;
    let tracking = c.current_url().await.unwrap().to_string();
    assert!(tracking.starts_with(&format!("{base}/reports/track/")), "{tracking}");
    let reports = store.reports().await.unwrap();
    assert_eq!(reports.len(), 1);
    let report = store.report(reports[0].id).await.unwrap();
    assert_eq!(report.attachments.len(), 1);
    assert_eq!(
        report.attachments[0].filename,
        poc.file_name().unwrap().to_string_lossy()
    );

    // The coordinator logs in, finds it in the queue and asks a question.
    c.goto(&format!("{base}/login")).await.unwrap();
    type_into(&c, "email", "alice@coord.example").await;
    type_into(&c, "password", password).await;
    click(&c, "button[type=submit]").await;
    wait_for(&c, Locator::LinkText("Reports"), "the header").await;
    c.goto(&format!("{base}/reports")).await.unwrap();
    c.wait()
        .for_element(Locator::LinkText("Heap overflow in inflate with small windows"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, Locator::Id("ask-form"), "the report page").await;
    type_into(&c, "body", "Which compiler and flags did you build with?").await;
    click(&c, "#ask-form button[type=submit]").await;
    wait_for(
        &c,
        Locator::XPath("//div[@id='messages']//div[@class='body'][contains(., 'Which compiler')]"),
        "the question",
    )
    .await;

    // The finder reads the question by the link and answers it.
    c.goto(&tracking).await.unwrap();
    wait_for(
        &c,
        Locator::XPath("//div[@id='messages']//div[@class='body'][contains(., 'Which compiler')]"),
        "the question on the tracking page",
    )
    .await;
    type_into(&c, "body", "gcc 14 with -O2, no sanitizers.").await;
    click(&c, "form[action$='/messages'] button[type=submit]").await;
    wait_for(
        &c,
        Locator::XPath("//div[@id='messages']//div[@class='body'][contains(., 'gcc 14')]"),
        "the answer",
    )
    .await;

    // The coordinator sees the answer and accepts the report into a new case.
    c.goto(&format!("{base}/reports/{}", report.id)).await.unwrap();
    wait_for(
        &c,
        Locator::XPath("//div[@id='messages']//div[@class='body'][contains(., 'gcc 14')]"),
        "the answer on the report page",
    )
    .await;
    click(&c, "#accept-form button[type=submit]").await;
    // The report page has messages too: wait for the case page's own address first.
    let mut on_case = false;
    for _ in 0..100 {
        if c.current_url().await.unwrap().as_str().contains("/cases/") {
            on_case = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(on_case, "accepting did not lead to the case page");
    wait_for(&c, Locator::Id("messages"), "the case page").await;
    let heading = c.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert!(
        heading.contains("Heap overflow in inflate with small windows"),
        "{heading}"
    );
    assert!(c.current_url().await.unwrap().as_str().contains("/cases/"));
    let facts = c.find(Locator::Id("messages")).await.unwrap().text().await.unwrap();
    assert!(facts.contains("@fuzzy_lynx"), "{facts}");

    // The finder sees the report accepted, and nothing of the case.
    c.goto(&tracking).await.unwrap();
    wait_for(
        &c,
        Locator::XPath("//span[@id='state'][.='accepted']"),
        "the accepted state",
    )
    .await;
    let page = c.source().await.unwrap();
    let case = store.report(report.id).await.unwrap().case_id.unwrap();
    assert!(!page.contains(&case.to_string()), "the tracking page shows the case");
    c.close().await.unwrap();
    let _ = std::fs::remove_dir_all(profile);
    let _ = std::fs::remove_file(poc);
}
