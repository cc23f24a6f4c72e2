//! The demo: seeds an empty database with a realistic embargoed case, so a newcomer
//! sees Lockstep at work after one command.

use jiff::{SignedDuration, Timestamp};
use lockstep_core::{
    ContactRole, EmbargoPolicy, EmbargoState, GlobalRole, Justification, MembershipRole, ParticipantRole, Phase,
    TaskStatus, Tlp, VexStatus,
};
use lockstep_store::{
    EmbargoChange, NewCase, NewDecision, NewMessage, NewParticipant, NewProject, NewTask, NewVulnerability,
    StatusStatement, Store,
};

use crate::admin;

/// The coordinator the demo suggests logging in as.
pub const DEMO_COORDINATOR: &str = "alice@coord.example";

/// The demo's accounts: email, display name, role. They all share one password, made
/// anew at every start.
const ACCOUNTS: [(&str, &str, GlobalRole); 6] = [
    ("admin@lockstep.example", "Instance Admin", GlobalRole::Admin),
    (DEMO_COORDINATOR, "Alice Moreau (coordinator)", GlobalRole::Coordinator),
    ("maria@zlib.example", "Maria Jensen (zlib)", GlobalRole::Member),
    ("ravi@flate2.example", "Ravi Iyer (flate2)", GlobalRole::Member),
    (
        "dana@debian.example",
        "Dana Weiss (Debian security)",
        GlobalRole::Member,
    ),
    ("omar@outside.example", "Omar Haddad (not read in)", GlobalRole::Member),
];

/// How to log in to the demo this time.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// The password every demo account now has.
    pub password: String,
    /// Whether the database was empty and has just been seeded (else it was the demo's
    /// database from an earlier start, and only the password changed).
    pub seeded: bool,
}

/// Readies the database for the demo and returns the password to log in with. An
/// empty database is seeded; one that already holds the demo's accounts (an earlier
/// start) keeps its data and gets a new password. The password is random at every
/// start, never a constant: a demo left listening is not open to anyone who has read
/// the source. A database with other users but none of the demo's is refused.
pub async fn start(store: &Store, now: Timestamp) -> anyhow::Result<DemoLogin> {
    let password = new_password()?;
    if store.list_users().await?.is_empty() {
        seed(store, now, &password).await?;
        return Ok(DemoLogin { password, seeded: true });
    }
    let mut found = 0;
    for (email, _, _) in ACCOUNTS {
        if store.user_by_email(email).await?.is_some() {
            admin::set_password(store, now, email, &password).await?;
            found += 1;
        }
    }
    if found == 0 {
        anyhow::bail!(
            "this database has users but none of the demo's; the demo runs on an empty database or its own \
             (use `lockstep serve` for a real one)"
        );
    }
    Ok(DemoLogin {
        password,
        seeded: false,
    })
}

/// A new random password: 20 characters in four groups (100 bits), from letters and
/// digits that cannot be mistaken for each other.
pub fn new_password() -> anyhow::Result<String> {
    const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    getrandom::getrandom(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness from the operating system: {e}"))?;
    let mut password = String::with_capacity(23);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 5 == 0 {
            password.push('-');
        }
        // 256 is a multiple of 32, so every character is equally likely.
        password.push(char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]));
    }
    Ok(password)
}

const FLATE2_LOCK: &str = r#"version = 3

[[package]]
name = "flate2"
version = "1.0.30"
dependencies = [
 "crc32fast",
 "libz-sys",
]

[[package]]
name = "crc32fast"
version = "1.4.2"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "libz-sys"
version = "1.1.20"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

const IMAGE_LOCK: &str = r#"version = 3

[[package]]
name = "image"
version = "0.25.1"
dependencies = [
 "png",
]

[[package]]
name = "png"
version = "0.17.13"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "flate2",
]

[[package]]
name = "flate2"
version = "1.0.30"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "libz-sys",
]

[[package]]
name = "libz-sys"
version = "1.1.20"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

/// Seeds an empty database with the demo's accounts, all with `password`, and its case.
async fn seed(store: &Store, now: Timestamp, password: &str) -> anyhow::Result<()> {
    // The case was opened a day and a half ago, so its history lies in the past.
    let public_base = now;
    let now = now.checked_sub(SignedDuration::from_hours(36)).unwrap_or(now);
    let mut users = Vec::with_capacity(ACCOUNTS.len());
    for (email, name, role) in ACCOUNTS {
        users.push(admin::create_user(store, now, email, name, role, password).await?);
    }
    let [_admin, alice, maria, ravi, dana, _omar] =
        <[_; 6]>::try_from(users).expect("one user per entry of ACCOUNTS, which has six");

    let project = |name: &str, repo: &str, contact: &str, purls: &[&str]| NewProject {
        name: name.into(),
        repository: Some(repo.into()),
        security_contact: Some(contact.into()),
        purls: purls.iter().map(|p| p.to_string()).collect(),
    };
    let zlib = store
        .create_project(
            Some(alice.id),
            now,
            project(
                "zlib",
                "https://github.com/madler/zlib",
                "security@zlib.example",
                &["pkg:generic/zlib"],
            ),
        )
        .await?;
    let flate2 = store
        .create_project(
            Some(alice.id),
            now,
            project(
                "flate2",
                "https://github.com/rust-lang/flate2-rs",
                "security@flate2.example",
                &["pkg:cargo/flate2"],
            ),
        )
        .await?;
    let debian = store
        .create_project(
            Some(alice.id),
            now,
            project(
                "Debian",
                "https://salsa.debian.org/security-tracker-team",
                "https://www.debian.org/security/",
                &["pkg:deb/debian/zlib1g", "pkg:deb/debian/libpng16-16"],
            ),
        )
        .await?;
    store
        .create_project(
            Some(alice.id),
            now,
            project(
                "libpng",
                "https://github.com/pnggroup/libpng",
                "security@libpng.example",
                &["pkg:generic/libpng"],
            ),
        )
        .await?;
    let image = store
        .create_project(
            Some(alice.id),
            now,
            project(
                "image-rs",
                "https://github.com/image-rs/image",
                "security@image-rs.example",
                &["pkg:cargo/image", "pkg:cargo/png"],
            ),
        )
        .await?;
    // Two projects' lockfiles, so the case's impact view has something to show: flate2
    // is read in already; image-rs reaches libz-sys through png and flate2 and is not.
    for (project, user, lockfile) in [(flate2.id, ravi.id, FLATE2_LOCK), (image.id, alice.id, IMAGE_LOCK)] {
        let manifest = crate::impact::parse_manifest("Cargo.lock", lockfile.as_bytes())
            .map_err(|e| anyhow::anyhow!(e.detail.message))?;
        store
            .put_manifest(user, now, project, manifest, lockstep_store::ManifestQuota::default())
            .await?;
    }
    for (p, u) in [(zlib.id, maria.id), (flate2.id, ravi.id), (debian.id, dana.id)] {
        store
            .add_membership(Some(alice.id), now, p, u, MembershipRole::SecurityContact)
            .await?;
    }
    // Who hears of each project's cases: security teams at once (they get only "there
    // is news" while the case is embargoed, having no OpenPGP key here), Debian's
    // users' list only once the case is disclosed.
    let contact = |email: &str, name: &str, role| lockstep_store::NewContact {
        email: email.into(),
        name: name.into(),
        role,
        pgp_key: None,
        language: None,
        encryption_uri: None,
    };
    for (p, contacts) in [
        (
            zlib.id,
            vec![contact("security@zlib.example", "zlib security", ContactRole::Security)],
        ),
        (
            flate2.id,
            vec![contact(
                "maintainers@flate2.example",
                "flate2 maintainers",
                ContactRole::Maintainer,
            )],
        ),
        (
            debian.id,
            vec![
                contact(
                    "team@security.debian.example",
                    "Debian security team",
                    ContactRole::Security,
                ),
                contact(
                    "announce@lists.debian.example",
                    "debian-security-announce",
                    ContactRole::Consumer,
                ),
            ],
        ),
    ] {
        store
            .add_contacts(alice.id, now, p, &contacts, lockstep_store::ContactSource::Api, "")
            .await?;
    }

    let case = store
        .create_case(
            alice.id,
            now,
            NewCase {
                title: "Heap overflow in inflate() window copy".into(),
                summary: "A crafted deflate stream makes inflate() copy past the end of the sliding window when \
                          the window size is changed mid-stream. Reported privately by a researcher with a \
                          proof of concept; reachable from any decoder of untrusted compressed data."
                    .into(),
                tlp: Some(Tlp::Amber),
            },
        )
        .await?;
    store.change_phase(alice.id, now, case.id, Phase::Coordinating).await?;
    let days = |n: i64| {
        public_base
            .checked_add(SignedDuration::from_hours(24 * n))
            .unwrap_or(public_base)
    };
    // Ten days from now at 14:00 UTC.
    let public_at = Timestamp::from_second(days(10).as_second() / 86_400 * 86_400 + 14 * 3600)?;
    store
        .change_embargo(
            alice.id,
            now,
            case.id,
            EmbargoChange {
                state: EmbargoState::Proposed,
                policy: Some(EmbargoPolicy::Distros14),
                public_at: Some(public_at),
                time_zone: Some("Europe/Berlin".into()),
            },
        )
        .await?;
    store
        .change_embargo(
            alice.id,
            now,
            case.id,
            EmbargoChange {
                state: EmbargoState::Active,
                policy: None,
                public_at: None,
                time_zone: None,
            },
        )
        .await?;
    let vuln = store
        .add_vulnerability(
            alice.id,
            now,
            case.id,
            NewVulnerability {
                title: "inflate() writes past the window after a window-size change".into(),
                cwe: Some("CWE-122".parse()?),
                cvss: Some(lockstep_advisory::cvss::Vector::parse(
                    "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H",
                )?),
                aliases: vec!["CVE-2026-0001 (demo)".into()],
                affected: vec![lockstep_advisory::Affected {
                    package: lockstep_advisory::Package {
                        ecosystem: "crates.io".into(),
                        name: "libz-sys".into(),
                        purl: None,
                    },
                    ranges: vec![lockstep_advisory::Range {
                        kind: lockstep_advisory::RangeKind::Semver,
                        repo: None,
                        events: vec![
                            lockstep_advisory::Event::Introduced("0".into()),
                            lockstep_advisory::Event::Fixed("1.1.21".into()),
                        ],
                    }],
                    versions: vec![],
                    functions: vec![],
                }],
            },
        )
        .await?;
    for (p, role) in [
        (zlib.id, ParticipantRole::Upstream),
        (flate2.id, ParticipantRole::Downstream),
        (debian.id, ParticipantRole::Distributor),
    ] {
        store
            .add_participant(alice.id, now, case.id, NewParticipant { project_id: p, role })
            .await?;
    }
    let later = |hours: i64| now.checked_add(SignedDuration::from_hours(hours)).unwrap_or(now);
    let state = |status, justification, fixed: Option<&str>| StatusStatement {
        vulnerability_id: vuln.id,
        status,
        justification,
        impact_statement: None,
        fixed_version: fixed.map(str::to_owned),
    };
    store
        .state_status(
            maria.id,
            later(2),
            case.id,
            zlib.id,
            state(VexStatus::Affected, None, None),
        )
        .await?;
    store.set_sharing(maria.id, later(2), case.id, zlib.id, true).await?;
    store
        .state_status(
            ravi.id,
            later(5),
            case.id,
            flate2.id,
            state(VexStatus::UnderInvestigation, None, None),
        )
        .await?;
    store
        .state_status(
            dana.id,
            later(6),
            case.id,
            debian.id,
            state(
                VexStatus::NotAffected,
                Some(Justification::VulnerableCodeNotPresent),
                None,
            ),
        )
        .await?;

    let message = |body: &str| NewMessage {
        body: body.into(),
        parent_id: None,
        audience: Some(lockstep_store::Audience::All),
        audience_project_id: None,
        tlp: None,
    };
    let first = store
        .post_message(alice.id, later(1), &case, message("Welcome, all. The report and PoC are attached to the case; please confirm whether your releases are affected by Friday."))
        .await?;
    store
        .post_message(
            maria.id,
            later(3),
            &case,
            NewMessage {
                parent_id: Some(first.id),
                ..message("Confirmed upstream. A fix is ready for review; we can ship 1.3.2 on the public date.")
            },
        )
        .await?;
    store
        .post_message(
            alice.id,
            later(4),
            &case,
            NewMessage {
                audience: Some(lockstep_store::Audience::Coordinators),
                ..message("Coordinators only: the finder asks to be credited as 'K. Tanaka'.")
            },
        )
        .await?;

    let task = |title: &str, owner, n: i64| NewTask {
        title: title.into(),
        owner_id: Some(owner),
        due_on: Some(days(n).to_zoned(jiff::tz::TimeZone::UTC).date()),
    };
    store
        .create_task(alice.id, now, case.id, task("Review the upstream patch", maria.id, 3))
        .await?;
    let t = store
        .create_task(
            alice.id,
            now,
            case.id,
            task("Confirm flate2's bundled zlib version", ravi.id, 4),
        )
        .await?;
    store
        .update_task(alice.id, later(8), case.id, t.id, TaskStatus::InProgress)
        .await?;
    store
        .create_task(alice.id, now, case.id, task("Draft the advisory", alice.id, 8))
        .await?;
    store
        .record_decision(
            alice.id,
            later(7),
            case.id,
            NewDecision {
                title: "Embargo under the distros 14-day policy".into(),
                context: "Remote heap corruption in a ubiquitous library; no sign of exploitation.".into(),
                options: "7 days; 14 days; 90 days".into(),
                outcome: "14 days, public date 14:00 UTC".into(),
                rationale: "Enough time for distributions to build and test; short enough to limit leak risk.".into(),
            },
        )
        .await?;
    seed_report(store, later(20)).await
}

/// A finder's report waiting in the triage queue, received a few hours before now. Its
/// tracking token is random and thrown away: the demo's finder is nobody.
async fn seed_report(store: &Store, received: Timestamp) -> anyhow::Result<()> {
    let token = crate::auth::random_secret().map_err(|e| anyhow::anyhow!("{}", e.detail.message))?;
    let report = lockstep_store::NewReport {
        title: "Out-of-bounds read in flate2's GzDecoder header parsing".into(),
        project: "flate2".into(),
        package: "pkg:cargo/flate2".into(),
        versions: "1.0.30 and earlier".into(),
        description:
            "A gzip header with FEXTRA set and a length past the buffer makes GzDecoder read 2 bytes beyond it.".into(),
        impact: "A crash (denial of service) when decompressing untrusted input.".into(),
        how_found: "cargo-fuzz on the gz decoder, 40 minutes in.".into(),
        exposure: lockstep_core::Exposure::Private,
        disclosure_plans: "A blog post once a fix is out; no date yet.".into(),
        credit: lockstep_core::CreditPreference::Handle,
        credit_name: Some("@fuzzy_lynx".into()),
        email: None,
    };
    let poc = lockstep_store::NewAttachment {
        filename: "crash-gz-header.bin".into(),
        content_type: "application/octet-stream".into(),
        content: vec![0x1f, 0x8b, 0x08, 0x04, 0, 0, 0, 0, 0, 0xff, 0xff, 0x7f],
    };
    store
        .submit_report(
            received,
            &crate::auth::secret_hash(&token),
            "demo",
            received,
            report,
            &[poc],
        )
        .await?;
    Ok(())
}
