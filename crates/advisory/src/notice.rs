//! Plain-text notices in the reader's language, through Fluent: the advisory notice,
//! the embargoed pre-notification, coordinators' status updates and status-change alerts.
//!
//! Messages live in `locales/<lang>/notice.ftl`, embedded. A message missing from the
//! reader's language falls back to English and is listed in [`Notice::fallbacks`]; a
//! message missing everywhere is shown as `{message-id}` in the text, never dropped,
//! so a gap in a translation is visible to whoever reads or reviews the notice.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use jiff::Timestamp;
use unic_langid::LanguageIdentifier;

use lockstep_core::notify::NotificationKind;
use lockstep_core::{Tlp, VexStatus};
use serde_json::Value;

use crate::model::{Advisory, Vulnerability};

/// The languages with a translation, English first (the fallback).
pub const LOCALES: &[&str] = &["en", "de"];

const SOURCES: &[(&str, &str)] = &[
    ("en", include_str!("../locales/en/notice.ftl")),
    ("de", include_str!("../locales/de/notice.ftl")),
];

/// Which notice to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    /// The public advisory notice, sent when the advisory is published.
    AdvisoryNotice,
    /// The pre-notification to participants read into an embargoed case.
    EmbargoedPrenotification {
        /// When the embargo ends (shown in UTC, with its time zone).
        embargo_end: Timestamp,
    },
}

/// A rendered notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The language actually used for the bulk of the text.
    pub locale: String,
    pub subject: String,
    pub body: String,
    /// Message ids that were not in the requested language and came from English (or,
    /// when missing there too, are shown as `{id}`).
    pub fallbacks: Vec<String>,
}

/// Writes a notice about `advisory` in `locale` (`en`, `de`, `de-AT`, ...; unknown
/// languages get English, with every message listed as a fallback).
pub fn render(template: Template, locale: &str, advisory: &Advisory) -> Notice {
    render_from(SOURCES, template, locale, advisory)
}

/// A bundle per language; a resource with syntax errors keeps what parsed (the
/// embedded files are checked by the tests).
fn bundle(lang: &str, source: &str) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = lang.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new(vec![id]);
    // Notices are plain text: no Unicode isolation marks around placeables.
    bundle.set_use_isolating(false);
    let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, _)| partial);
    // Duplicate ids are the only error here; the first definition wins.
    let _ = bundle.add_resource(resource);
    bundle
}

thread_local! {
    /// The embedded languages' bundles, parsed once per thread: a fan-out renders
    /// thousands of notices, and parsing the files each time was most of the work.
    static BUNDLES: RefCell<HashMap<String, Rc<FluentBundle<FluentResource>>>> = RefCell::new(HashMap::new());
}

fn cached_bundle(lang: &str, source: &str) -> Rc<FluentBundle<FluentResource>> {
    BUNDLES.with(|cache| {
        cache
            .borrow_mut()
            .entry(lang.to_owned())
            .or_insert_with(|| Rc::new(bundle(lang, source)))
            .clone()
    })
}

struct Writer {
    primary: Option<Rc<FluentBundle<FluentResource>>>,
    english: Option<Rc<FluentBundle<FluentResource>>>,
    fallbacks: Vec<String>,
}

impl Writer {
    fn message(&mut self, id: &str, args: &[(&str, String)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (k, v) in args {
            fluent_args.set(*k, FluentValue::from(v.as_str()));
        }
        let format = |bundle: &FluentBundle<FluentResource>| {
            let pattern = bundle.get_message(id)?.value()?;
            let mut errors = Vec::new();
            Some(
                bundle
                    .format_pattern(pattern, Some(&fluent_args), &mut errors)
                    .into_owned(),
            )
        };
        if let Some(text) = self.primary.as_deref().and_then(format) {
            return text;
        }
        self.fallbacks.push(id.to_owned());
        self.english
            .as_deref()
            .and_then(format)
            .unwrap_or_else(|| format!("{{{id}}}"))
    }
}

/// A writer for `locale` and the language it actually writes in.
fn writer(sources: &[(&str, &str)], locale: &str) -> (Writer, String) {
    let language = locale.split(['-', '_']).next().unwrap_or(locale).to_ascii_lowercase();
    let find = |lang: &str| {
        let &(l, s) = sources.iter().find(|(l, _)| *l == lang)?;
        Some(if std::ptr::eq(sources, SOURCES) {
            cached_bundle(l, s)
        } else {
            Rc::new(bundle(l, s))
        })
    };
    let primary = if language == "en" { None } else { find(&language) };
    let used = if primary.is_some() { language } else { "en".to_owned() };
    let mut w = Writer {
        primary: primary.or_else(|| find("en")),
        english: find("en"),
        fallbacks: Vec::new(),
    };
    if !locale.is_empty() && used == "en" && !locale.to_ascii_lowercase().starts_with("en") {
        // The whole notice is in English because the language has no translation.
        w.fallbacks.push(format!("locale:{locale}"));
    }
    (w, used)
}

/// A participant's VEX status changed for a product: the alert to the coordinators
/// (and to the participants it shares its status with).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange<'a> {
    pub advisory_id: &'a str,
    pub vulnerability: &'a str,
    pub participant: &'a str,
    pub product: &'a str,
    /// `None` when the participant had said nothing before ("unknown").
    pub old: Option<VexStatus>,
    pub new: VexStatus,
    pub tlp: Tlp,
}

fn status_word(w: &mut Writer, status: Option<VexStatus>) -> String {
    let id = match status {
        None => "status-unknown",
        Some(VexStatus::Affected) => "status-affected",
        Some(VexStatus::NotAffected) => "status-not-affected",
        Some(VexStatus::Fixed) => "status-fixed",
        Some(VexStatus::UnderInvestigation) => "status-under-investigation",
    };
    w.message(id, &[])
}

/// The status-change alert in `locale`.
pub fn status_change(locale: &str, change: &StatusChange<'_>) -> Notice {
    let (mut w, used) = writer(SOURCES, locale);
    let new = status_word(&mut w, Some(change.new));
    let old = status_word(&mut w, change.old);
    let subject = w.message(
        "status-change-subject",
        &[
            ("tlp", change.tlp.label()),
            ("id", change.advisory_id.to_owned()),
            ("participant", change.participant.to_owned()),
            ("status", new.clone()),
            ("product", change.product.to_owned()),
        ],
    );
    let line = w.message(
        "status-change-body",
        &[
            ("participant", change.participant.to_owned()),
            ("vulnerability", change.vulnerability.to_owned()),
            ("product", change.product.to_owned()),
            ("old", old),
            ("new", new),
        ],
    );
    let distribution = w.message("notice-distribution", &[("tlp", change.tlp.label())]);
    Notice {
        locale: used,
        subject,
        body: format!("{line}\n\n{distribution}\n"),
        fallbacks: w.fallbacks,
    }
}

/// A status update from the coordinators on an advisory's case, in `locale`; `text`
/// is the coordinators' own words and is not translated.
pub fn status_update(locale: &str, advisory: &Advisory, text: &str) -> Notice {
    let (mut w, used) = writer(SOURCES, locale);
    let subject = w.message(
        "status-update-subject",
        &[("tlp", advisory.tlp.label()), ("id", advisory.id.clone())],
    );
    let intro = w.message("status-update-intro", &[("title", advisory.title.clone())]);
    let distribution = w.message("notice-distribution", &[("tlp", advisory.tlp.label())]);
    Notice {
        locale: used,
        subject,
        body: format!("{intro}\n\n{}\n\n{distribution}\n", text.trim()),
        fallbacks: w.fallbacks,
    }
}

/// A payload field as text: a string as it is, a number or boolean printed, anything
/// else (missing, null, a list) empty.
fn field(payload: &Value, key: &str) -> String {
    match payload.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// The e-mail of a case's event in `locale`, rendered from the `payload` the event
/// wrote to the outbox (see `lockstep_store::outbox`); `case_url` is the link to the
/// case. Every subject starts with the TLP label.
pub fn notification(locale: &str, kind: NotificationKind, tlp: Tlp, payload: &Value, case_url: &str) -> Notice {
    let (mut w, used) = writer(SOURCES, locale);
    let tlp_label = tlp.label();
    let f = |key: &str| field(payload, key);
    let (subject, mut lines) = match kind {
        NotificationKind::ReadIn => {
            let args = [
                ("project", f("project")),
                ("role", f("role")),
                ("tlp", tlp_label.clone()),
            ];
            (
                w.message("read-in-subject", &args),
                vec![w.message("read-in-body", &args)],
            )
        }
        NotificationKind::Message => {
            let args = [("author", f("author")), ("tlp", tlp_label.clone())];
            let intro = w.message("message-body", &args);
            (
                w.message("message-subject", &args),
                vec![intro, String::new(), f("body").trim().to_owned()],
            )
        }
        NotificationKind::CaseChange => {
            let subject = w.message("case-change-subject", &[("tlp", tlp_label.clone())]);
            let mut lines = Vec::new();
            match f("change").as_str() {
                "phase" => lines.push(w.message("case-change-phase", &[("from", f("from")), ("to", f("to"))])),
                "embargo" => {
                    lines.push(w.message("case-change-embargo", &[("from", f("from")), ("to", f("to"))]));
                    if !f("public_at").is_empty() {
                        lines.push(w.message(
                            "case-change-public-at",
                            &[("date", f("public_at")), ("zone", f("time_zone"))],
                        ));
                    }
                }
                "vulnerability" => lines.push(w.message("case-change-vulnerability", &[("title", f("title"))])),
                _ => lines.push(w.message("case-change-other", &[])),
            }
            (subject, lines)
        }
        NotificationKind::Disclosure => {
            let args = [("title", f("title")), ("tlp", tlp_label.clone())];
            (
                w.message("disclosure-subject", &args),
                vec![w.message("disclosure-body", &args)],
            )
        }
        NotificationKind::AdvisoryPublished => {
            let args = [
                ("advisory", f("advisory")),
                ("revision", f("revision")),
                ("tlp", tlp_label.clone()),
            ];
            (
                w.message("advisory-published-subject", &args),
                vec![w.message("advisory-published-body", &args)],
            )
        }
        NotificationKind::ReportUpdate => (
            w.message("report-update-subject", &[("tlp", tlp_label.clone())]),
            vec![w.message("report-update-body", &[])],
        ),
        NotificationKind::Reminder | NotificationKind::StatusUpdate | NotificationKind::Nudge => {
            let (subject_id, body_id) = match kind {
                NotificationKind::Reminder => ("reminder-subject", "reminder-body"),
                NotificationKind::StatusUpdate => {
                    ("status-update-notification-subject", "status-update-notification-body")
                }
                _ => ("nudge-subject", "nudge-body"),
            };
            let mut lines = vec![w.message(body_id, &[])];
            // The coordinators' own words, when the event carries them; not translated.
            let text = f("text");
            if !text.trim().is_empty() {
                lines.push(String::new());
                lines.push(text.trim().to_owned());
            }
            (w.message(subject_id, &[("tlp", tlp_label.clone())]), lines)
        }
    };
    lines.push(String::new());
    lines.push(w.message("notification-footer", &[("url", case_url.to_owned())]));
    lines.push(w.message("notice-distribution", &[("tlp", tlp_label)]));
    Notice {
        locale: used,
        subject,
        body: lines.join("\n") + "\n",
        fallbacks: w.fallbacks,
    }
}

/// The teaser in `locale`: only that there is news on a case, and the link to it.
/// It takes no payload, so it cannot carry any of the event's content.
/// What a finder's mail says of news on their report: only that there is news, and
/// where to read it (their private tracking link, which the mail cannot carry).
pub fn report_teaser(locale: &str, tlp: Tlp, site_url: &str) -> Notice {
    let (mut w, used) = writer(SOURCES, locale);
    let subject = w.message("report-update-subject", &[("tlp", tlp.label())]);
    let body = [
        w.message("report-update-body", &[]),
        String::new(),
        w.message("report-update-footer", &[("url", site_url.to_owned())]),
    ];
    Notice {
        locale: used,
        subject,
        body: body.join("\n") + "\n",
        fallbacks: w.fallbacks,
    }
}

pub fn teaser(locale: &str, tlp: Tlp, case_url: &str) -> Notice {
    let (mut w, used) = writer(SOURCES, locale);
    let subject = w.message("teaser-subject", &[("tlp", tlp.label())]);
    let body = [
        w.message("teaser-body", &[]),
        String::new(),
        w.message("notification-footer", &[("url", case_url.to_owned())]),
        w.message("notice-distribution", &[("tlp", tlp.label())]),
    ];
    Notice {
        locale: used,
        subject,
        body: body.join("\n") + "\n",
        fallbacks: w.fallbacks,
    }
}

fn render_from(sources: &[(&str, &str)], template: Template, locale: &str, advisory: &Advisory) -> Notice {
    let (mut w, used) = writer(sources, locale);

    let tlp = advisory.tlp.label();
    let title = advisory.title.clone();
    let subject = match template {
        Template::AdvisoryNotice => w.message(
            "notice-subject",
            &[
                ("tlp", tlp.clone()),
                ("id", advisory.id.clone()),
                ("title", title.clone()),
            ],
        ),
        Template::EmbargoedPrenotification { .. } => w.message(
            "prenotice-subject",
            &[
                ("tlp", tlp.clone()),
                ("id", advisory.id.clone()),
                ("title", title.clone()),
            ],
        ),
    };
    let mut body = Vec::new();
    if let Template::EmbargoedPrenotification { embargo_end } = template {
        let date = embargo_end.strftime("%Y-%m-%d %H:%M UTC").to_string();
        body.push(w.message("prenotice-embargo", &[("date", date)]));
        body.push(w.message("prenotice-need-to-know", &[]));
        body.push(String::new());
    }
    body.push(w.message("notice-heading", &[("id", advisory.id.clone())]));
    body.push(w.message("notice-title", &[("title", title)]));
    let sections = &advisory.sections;
    let layers = [
        ("notice-section-summary", &sections.summary),
        ("notice-section-details", &sections.details),
        ("notice-section-remediation", &sections.remediation),
        ("notice-section-mitigation", &sections.mitigation),
    ];
    for (heading, text) in layers {
        if let Some(text) = text.as_ref().filter(|t| !t.trim().is_empty()) {
            body.push(String::new());
            body.push(w.message(heading, &[]));
            body.push(text.trim().to_owned());
        }
    }
    for v in &advisory.vulnerabilities {
        body.push(String::new());
        vulnerability_lines(&mut w, v, &mut body);
    }
    body.push(String::new());
    if matches!(template, Template::EmbargoedPrenotification { .. }) {
        body.push(w.message("prenotice-reply", &[]));
    }
    body.push(w.message("notice-distribution", &[("tlp", tlp)]));
    Notice {
        locale: used,
        subject,
        body: body.join("\n") + "\n",
        fallbacks: w.fallbacks,
    }
}

fn vulnerability_lines(w: &mut Writer, v: &Vulnerability, body: &mut Vec<String>) {
    body.push(format!("{}: {}", v.id, v.title()));
    if !v.aliases.is_empty() {
        body.push(w.message("notice-aliases", &[("aliases", v.aliases.join(", "))]));
    }
    match v.cvss().first() {
        Some(vector) => {
            let s = vector.scores();
            body.push(w.message(
                "notice-severity",
                &[
                    ("rating", s.base_severity.to_string()),
                    ("score", format!("{:.1}", s.base_score)),
                    ("version", s.version.to_string()),
                ],
            ));
        }
        None => body.push(w.message("notice-severity-unknown", &[])),
    }
    for cwe in &v.cwes {
        body.push(w.message("notice-weakness", &[("cwe", format!("{cwe} {}", cwe.name()))]));
    }
    for a in &v.affected {
        let ranges = crate::export::describe_ranges(a);
        body.push(w.message(
            "notice-affected",
            &[("package", a.package.name.clone()), ("versions", ranges)],
        ));
        let fixed = a.fixed_versions();
        if fixed.is_empty() {
            body.push(w.message("notice-no-fix", &[]));
        } else {
            body.push(w.message("notice-fixed", &[("versions", fixed.join(", "))]));
        }
    }
    if !v.credits.is_empty() {
        let names: Vec<&str> = v.credits.iter().map(|c| c.name.as_str()).collect();
        body.push(w.message("notice-credits", &[("names", names.join(", "))]));
    }
    if !v.references.is_empty() {
        body.push(w.message("notice-references", &[]));
        for r in &v.references {
            body.push(format!("  {}", r.url));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Affected, Event, Package, Publisher, Range, RangeKind};

    fn advisory() -> Advisory {
        let mut v = Vulnerability::new("RUSTSEC-2099-0001", "2099-01-02T00:00:00Z".parse().unwrap());
        v.summary = Some("Overflow in frob".into());
        v.aliases = vec!["CVE-2099-1".into()];
        v.affected = vec![Affected {
            package: Package {
                ecosystem: "crates.io".into(),
                name: "frob".into(),
                purl: Some("pkg:cargo/frob".into()),
            },
            ranges: vec![Range {
                kind: RangeKind::Semver,
                repo: None,
                events: vec![Event::Introduced("0.0.0-0".into())],
            }],
            versions: vec![],
            functions: vec![],
        }];
        Advisory::from_vulnerability(v, Publisher::default(), Tlp::AmberStrict)
    }

    #[test]
    fn english_and_german_notices() {
        let en = render(Template::AdvisoryNotice, "en", &advisory());
        assert_eq!(
            en.subject,
            "[TLP:AMBER+STRICT] Security advisory RUSTSEC-2099-0001: Overflow in frob"
        );
        assert!(en.body.contains("No fixed version is available yet."), "{}", en.body);
        assert!(en.fallbacks.is_empty());
        insta::assert_snapshot!("advisory_notice_en", en.body);
        let de = render(
            Template::EmbargoedPrenotification {
                embargo_end: "2099-02-01T16:00:00Z".parse().unwrap(),
            },
            "de-AT",
            &advisory(),
        );
        assert_eq!(de.locale, "de");
        assert!(de.subject.contains("Vorabinformation unter EMBARGO"), "{}", de.subject);
        assert!(
            de.body.contains("bis 2099-02-01 16:00 UTC unter Embargo"),
            "{}",
            de.body
        );
        assert!(de.fallbacks.is_empty(), "{:?}", de.fallbacks);
    }

    #[test]
    fn status_change_and_update() {
        let change = StatusChange {
            advisory_id: "LOCKSTEP-2099-0001",
            vulnerability: "CVE-2099-1",
            participant: "frob-cli",
            product: "pkg:cargo/frob-cli",
            old: None,
            new: VexStatus::NotAffected,
            tlp: Tlp::Amber,
        };
        let en = status_change("en", &change);
        assert_eq!(
            en.subject,
            "[TLP:AMBER] LOCKSTEP-2099-0001: frob-cli is now not affected for pkg:cargo/frob-cli"
        );
        assert!(
            en.body.starts_with(
                "frob-cli changed its status for CVE-2099-1 on pkg:cargo/frob-cli from unknown to not affected."
            ),
            "{}",
            en.body
        );
        let de = status_change("de", &change);
        assert!(de.body.contains("von unbekannt zu nicht betroffen"), "{}", de.body);
        assert!(de.fallbacks.is_empty(), "{:?}", de.fallbacks);
        let update = status_update("de", &advisory(), "Der Fix ist fertig.");
        assert!(update.subject.contains("Statusmeldung"), "{}", update.subject);
        assert!(update.body.contains("Der Fix ist fertig."), "{}", update.body);
    }

    #[test]
    fn notifications_carry_the_tlp_label_and_the_payload_in_each_language() {
        let payload = serde_json::json!({"author": "Ada", "body": "The patch is ready."});
        let en = notification(
            "en",
            NotificationKind::Message,
            Tlp::Amber,
            &payload,
            "https://l.example/cases/1",
        );
        assert_eq!(en.subject, "[TLP:AMBER] New message from Ada");
        assert!(en.body.contains("The patch is ready."), "{}", en.body);
        assert!(
            en.body.contains("Open the case: https://l.example/cases/1"),
            "{}",
            en.body
        );
        let de = notification("de-DE", NotificationKind::Message, Tlp::Amber, &payload, "u");
        assert_eq!(de.subject, "[TLP:AMBER] Neue Nachricht von Ada");
        assert!(de.fallbacks.is_empty(), "{:?}", de.fallbacks);
        for kind in NotificationKind::ALL {
            let n = notification("de", *kind, Tlp::Green, &serde_json::json!({}), "u");
            assert!(n.subject.starts_with("[TLP:GREEN] "), "{kind:?}: {}", n.subject);
            assert!(n.fallbacks.is_empty(), "{kind:?}: {:?}", n.fallbacks);
        }
    }

    #[test]
    fn a_teaser_says_only_that_there_is_news() {
        let t = teaser("en", Tlp::Red, "https://l.example/cases/7");
        assert_eq!(t.subject, "[TLP:RED] News on a Lockstep case");
        assert_eq!(
            t.body,
            "There is news on a case you take part in. Log in to read it.\n\nOpen the case: https://l.example/cases/7\nDistribution: TLP:RED\n"
        );
    }

    #[test]
    fn every_english_message_is_translated() {
        let ids: Vec<&str> = SOURCES[0]
            .1
            .lines()
            .filter_map(|l| l.split_once(" = ").map(|(id, _)| id))
            .filter(|id| !id.starts_with('#'))
            .collect();
        assert!(ids.len() >= 15, "{ids:?}");
        for (lang, source) in SOURCES {
            let b = bundle(lang, source);
            for id in &ids {
                assert!(b.has_message(id), "{lang} lacks {id}");
            }
            // Every file parses without errors.
            assert!(FluentResource::try_new((*source).to_owned()).is_ok(), "{lang}");
        }
    }

    #[test]
    fn a_missing_message_falls_back_visibly() {
        let de_without = SOURCES[1].1.replace("notice-no-fix =", "removed-no-fix =");
        let sources = [("en", SOURCES[0].1), ("de", de_without.as_str())];
        let notice = render_from(&sources, Template::AdvisoryNotice, "de", &advisory());
        assert_eq!(notice.fallbacks, ["notice-no-fix"]);
        assert!(notice.body.contains("Betroffen: frob"), "{}", notice.body);
        assert!(
            notice.body.contains("No fixed version is available yet."),
            "{}",
            notice.body
        );

        // Missing in English too: the id shows in the text.
        let en_without = SOURCES[0].1.replace("notice-no-fix =", "removed-no-fix =");
        let sources = [("en", en_without.as_str()), ("de", de_without.as_str())];
        let notice = render_from(&sources, Template::AdvisoryNotice, "de", &advisory());
        assert!(notice.body.contains("{notice-no-fix}"), "{}", notice.body);

        // A language without translation: English, and the fallback says so.
        let fr = render(Template::AdvisoryNotice, "fr", &advisory());
        assert_eq!(fr.locale, "en");
        assert_eq!(fr.fallbacks, ["locale:fr"]);
    }
}
