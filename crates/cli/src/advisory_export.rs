//! `lockstep advisory export`: a case's advisory, fetched from the server over the API,
//! in OSV, CSAF 2.0, OpenVEX, CycloneDX VEX or CVE 5 (the server builds it with the
//! same exporters as `lockstep advisory convert`).

use std::io::Write;
use std::process::ExitCode;

use serde_json::Value;

/// The formats the server exports a case's advisory to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Osv,
    /// CSAF 2.0, security advisory profile.
    Csaf,
    /// CSAF 2.0, VEX profile.
    CsafVex,
    Openvex,
    Cyclonedx,
    /// CVE JSON 5.1 records, for the vulnerabilities that have a CVE id.
    Cve5,
}

impl ExportFormat {
    /// The name the API takes (`GET /api/v1/cases/{id}/advisory/export?format=...`).
    fn api_name(self) -> &'static str {
        use lockstep_advisory::export::Format;
        match self {
            Self::Osv => Format::Osv,
            Self::Csaf => Format::CsafAdvisory,
            Self::CsafVex => Format::CsafVex,
            Self::Openvex => Format::OpenVex,
            Self::Cyclonedx => Format::CycloneDx,
            Self::Cve5 => Format::Cve5,
        }
        .as_str()
    }
}

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Writes one JSON document per line on stdout (OSV and CVE 5: one per vulnerability).\nParticipants get the draft as they may see it; coordinators get every participant's statement.\nExit codes: 0 exported, 2 usage error or the server refused (no such case, no advisory yet, no CVE id)."
)]
pub struct ExportArgs {
    /// The case whose advisory to export.
    #[arg(long = "case", value_name = "ID")]
    pub case: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "osv")]
    pub format: ExportFormat,
    /// Lockstep server URL.
    #[arg(long, env = "LOCKSTEP_SERVER", default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// API token (from `lockstep admin create-token`).
    #[arg(long, env = "LOCKSTEP_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

/// Fetches the export: the documents, one per element.
pub fn fetch(args: &ExportArgs) -> anyhow::Result<Vec<Value>> {
    let path = format!("/cases/{}/advisory/export?format={}", args.case, args.format.api_name());
    Ok(match crate::client::get(&args.server, args.token.as_deref(), &path)? {
        Value::Array(docs) => docs,
        doc => vec![doc],
    })
}

pub fn run(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let docs = fetch(&args)?;
    let mut stdout = std::io::stdout().lock();
    for doc in &docs {
        let mut line = serde_json::to_vec(doc)?;
        line.push(b'\n');
        match stdout.write_all(&line) {
            // A reader that stops early (`| head`) is not an error.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
            result => result?,
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockstep_core::{Clock, GlobalRole};
    use lockstep_server::{admin, App, Config};
    use lockstep_store::{Backend, NewAdvisoryRevision, NewCase, NewVulnerability};

    /// A real server on a free port with one case whose advisory is drafted; returns
    /// its URL, a coordinator's token and the case id. The server runs on its own
    /// thread until the test process ends.
    fn server() -> (String, String, String) {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async move {
                let store = lockstep_testkit::fresh_store(Backend::Sqlite).await.unwrap();
                let clock = Clock::system();
                let now = clock.now();
                let user = admin::create_user(&store, now, "c@example.org", "c", GlobalRole::Coordinator, "")
                    .await
                    .unwrap();
                let token = admin::create_token(&store, now, "c@example.org", "t").await.unwrap();
                let new_case = NewCase {
                    title: "flaw".into(),
                    summary: String::new(),
                    tlp: None,
                };
                let case = store.create_case(user.id, now, new_case).await.unwrap();
                let vulnerability = NewVulnerability {
                    title: "overflow".into(),
                    cwe: Some("CWE-787".parse().unwrap()),
                    cvss: Some(
                        lockstep_advisory::cvss::Vector::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap(),
                    ),
                    aliases: vec![],
                    affected: vec![],
                };
                store
                    .add_vulnerability(user.id, now, case.id, vulnerability)
                    .await
                    .unwrap();
                let revision = NewAdvisoryRevision {
                    title: "libfoo: overflow".into(),
                    summary: "Upgrade.".into(),
                    details: String::new(),
                    remediation: String::new(),
                    mitigations: String::new(),
                    credits: vec![],
                    changelog: String::new(),
                    tlp: None,
                };
                store.revise_advisory(user.id, now, case.id, revision).await.unwrap();
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let url = format!("http://{}", listener.local_addr().unwrap());
                tx.send((url, token, case.id.to_string())).unwrap();
                let app = App::new(store, clock, Config::default());
                lockstep_server::serve(app, listener).await.unwrap();
            });
        });
        rx.recv().unwrap()
    }

    #[test]
    fn exports_a_case_advisory_over_the_api() {
        let (server, token, case) = server();
        let args = |format| ExportArgs {
            case: case.clone(),
            format,
            server: server.clone(),
            token: Some(token.clone()),
        };
        let docs = fetch(&args(ExportFormat::Osv)).unwrap();
        assert_eq!(docs.len(), 1);
        assert!(
            docs[0]["id"].as_str().unwrap().starts_with("x_LOCKSTEP-"),
            "{}",
            docs[0]
        );
        assert_eq!(docs[0]["severity"][0]["type"], "CVSS_V3");
        let docs = fetch(&args(ExportFormat::Csaf)).unwrap();
        assert_eq!(docs[0]["document"]["category"], "csaf_security_advisory");
        let docs = fetch(&args(ExportFormat::Openvex)).unwrap();
        assert!(docs[0]["@context"].as_str().unwrap().contains("openvex"), "{}", docs[0]);
        // No CVE id: the server says why.
        let err = fetch(&args(ExportFormat::Cve5)).unwrap_err().to_string();
        assert!(err.contains("409") && err.contains("CVE id"), "{err}");
        let mut missing = args(ExportFormat::Osv);
        missing.case = "00000000-0000-4000-8000-000000000000".into();
        assert!(fetch(&missing).unwrap_err().to_string().contains("404"));
        let mut anonymous = args(ExportFormat::Osv);
        anonymous.token = None;
        assert!(fetch(&anonymous).unwrap_err().to_string().contains("--token"));
    }
}
