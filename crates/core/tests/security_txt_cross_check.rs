//! Lockstep's reading and writing of RFC 9116 checked against an independent
//! validator: the Digital Trust Center's `sectxt` (PyPI), run on the same files. Both
//! must accept and refuse the same ones, and the file Lockstep serves must pass it.

#![allow(clippy::unwrap_used)]

use std::process::Command;

use lockstep_core::intake::{self, SecurityTxt, SECURITY_TXT_LIFETIME};
use lockstep_core::security_txt;

const FILES: &[&str] = &[
    "Contact: mailto:security@example.org\nExpires: 2030-01-01T00:00:00.000Z\n",
    "# comment\nContact: https://example.org/report\nContact: mailto:a@example.org\nExpires: 2030-01-01T00:00:00.000Z\nPreferred-Languages: en, de\nEncryption: https://example.org/key.asc\nPolicy: https://example.org/policy\n",
    "Contact: mailto:security@example.org\nExpires: 2020-01-01T00:00:00.000Z\n",
    "Expires: 2030-01-01T00:00:00.000Z\n",
    "Contact: mailto:security@example.org\n",
    "Contact: mailto:security@example.org\nExpires: soon\n",
    "Contact: mailto:security@example.org\nExpires: 2030-01-01T00:00:00.000Z\nExpires: 2030-02-01T00:00:00.000Z\n",
    "Contact: mailto:security@example.org\nExpires: 2030-01-01T00:00:00.000Z\nthis is prose\n",
];

/// sectxt's verdict on each file, or None when Python or sectxt is not installed.
fn sectxt_verdicts(files: &[String]) -> Option<Vec<bool>> {
    let script = "import json, sys\nfrom sectxt import Parser\nfiles = json.load(sys.stdin)\n\
                  print(json.dumps([Parser(f.encode()).is_valid() for f in files]))\n";
    let child = Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = child else { return None };
    let input = serde_json::to_vec(files).unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &input).unwrap();
    let out = child.wait_with_output().unwrap();
    if !out.status.success() {
        eprintln!("sectxt: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

fn skip_without_sectxt() {
    let required = std::env::var("LOCKSTEP_TEST_REQUIRE_ALL").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !required,
        "python3 with sectxt is not installed but LOCKSTEP_TEST_REQUIRE_ALL is set"
    );
    eprintln!("note: sectxt not installed (python3 -m pip install sectxt); cross-check not run");
}

#[test]
fn the_security_txt_lockstep_serves_passes_sectxt() {
    let now = jiff::Timestamp::now();
    let contacts = [
        "https://lockstep.example/report".to_owned(),
        "mailto:security@lockstep.example".to_owned(),
    ];
    let served = intake::security_txt(&SecurityTxt {
        contacts: &contacts,
        expires: now.checked_add(SECURITY_TXT_LIFETIME).unwrap(),
        policy: Some("https://lockstep.example/security"),
        canonical: Some("https://lockstep.example/.well-known/security.txt"),
        preferred_languages: Some("en, de"),
        encryption: Some("https://lockstep.example/security/openpgp.asc"),
    });
    let Some(verdicts) = sectxt_verdicts(std::slice::from_ref(&served)) else {
        skip_without_sectxt();
        return;
    };
    assert_eq!(verdicts, [true], "sectxt refuses what Lockstep serves:\n{served}");
    assert!(security_txt::parse(&served, now).is_ok());
}

#[test]
fn lockstep_and_sectxt_accept_and_refuse_the_same_files() {
    let files: Vec<String> = FILES.iter().map(|f| f.to_string()).collect();
    let Some(theirs) = sectxt_verdicts(&files) else {
        let required = std::env::var("LOCKSTEP_TEST_REQUIRE_ALL").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !required,
            "python3 with sectxt is not installed but LOCKSTEP_TEST_REQUIRE_ALL is set"
        );
        eprintln!("note: sectxt not installed (python3 -m pip install sectxt); cross-check not run");
        return;
    };
    let now = jiff::Timestamp::now();
    for (file, theirs) in FILES.iter().zip(theirs) {
        let ours = security_txt::parse(file, now);
        assert_eq!(
            ours.is_ok(),
            theirs,
            "{file:?}: ours {ours:?}, sectxt says valid={theirs}"
        );
    }
}
