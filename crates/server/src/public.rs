//! The routes that need no login: the public face of published advisories, an HTML
//! list and page per advisory, an Atom feed, and each vulnerability's OSV record at a
//! stable URL. They serve only the edition frozen when a coordinator published it
//! (`crate::advisories::publish`), and only while its case is out of embargo and
//! disclosed (checked on every read); anything else answers exactly as an advisory
//! that does not exist.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::{Json, Router};
use lockstep_advisory::cvss::Vector;
use lockstep_advisory::{Advisory, Event};
use lockstep_core::case::display_in_zone;
use minijinja::context;
use serde::Serialize;

use crate::advisories::{all_published, published, PublicAdvisory};
use crate::web::WebError;
use crate::{ApiError, ApiResult, App};

/// Declares the public routes once: the router and the list the route-by-role test
/// walks come from the same lines.
macro_rules! public_routes {
    ($($method:ident $path:literal => $handler:ident),+ $(,)?) => {
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),+];
        pub fn router() -> Router<App> {
            Router::new()$(.route($path, axum::routing::$method($handler)))+
        }
    };
}

public_routes! {
    get "/advisories" => advisories_page,
    get "/advisories/feed.atom" => atom_feed,
    get "/advisories/{advisory_id}" => advisory_page,
    get "/advisories/{advisory_id}/osv.json" => osv_json,
}

fn when(at: jiff::Timestamp) -> String {
    display_in_zone(at, "UTC")
}

#[derive(Serialize)]
struct ListRow {
    id: String,
    title: String,
    rating: Option<String>,
    published: Option<String>,
    updated: Option<String>,
}

fn worst_rating(advisory: &Advisory) -> Option<String> {
    advisory
        .vulnerabilities
        .iter()
        .flat_map(|v| v.cvss())
        .map(|v| v.scores().base_severity)
        .max()
        .map(|r| r.as_str().to_owned())
}

fn render(app: &App, name: &str, ctx: minijinja::Value) -> Result<Response, WebError> {
    let html = app
        .0
        .templates
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(ApiError::internal)?;
    Ok(Html(html).into_response())
}

/// Handles `GET /advisories`: every published advisory.
async fn advisories_page(State(app): State<App>) -> Result<Response, WebError> {
    let rows: Vec<ListRow> = all_published(&app)
        .await?
        .into_iter()
        .map(|p| ListRow {
            rating: worst_rating(&p.advisory),
            published: p.advisory.initial_date().map(when),
            updated: p.advisory.current_date().map(when),
            title: p.advisory.title,
            id: p.advisory_id,
        })
        .collect();
    render(&app, "public_list.html", context! { advisories => rows })
}

/// One vulnerability of a public advisory, ready for the page.
#[derive(Serialize)]
struct VulnView {
    id: String,
    title: String,
    aliases: Vec<String>,
    cvss: Vec<minijinja::Value>,
    cwes: Vec<minijinja::Value>,
    affected: Vec<minijinja::Value>,
    statements: Vec<minijinja::Value>,
}

fn events_text(events: &[Event]) -> String {
    events
        .iter()
        .map(|e| match e {
            Event::Introduced(v) if v == "0" => "introduced in the first version".to_owned(),
            Event::Introduced(v) => format!("introduced in {v}"),
            Event::Fixed(v) => format!("fixed in {v}"),
            Event::LastAffected(v) => format!("last affected {v}"),
            Event::Limit(v) => format!("limit {v}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn vuln_views(advisory: &Advisory) -> Vec<VulnView> {
    advisory
        .vulnerabilities
        .iter()
        .map(|v| VulnView {
            id: v.id.clone(),
            title: v.title(),
            aliases: v.aliases.clone(),
            cvss: v
                .cvss()
                .iter()
                .map(|vector: &Vector| {
                    let s = vector.scores();
                    context! { version => s.version.as_str(), score => format!("{:.1}", s.base_score),
                    rating => s.base_severity.as_str(), vector => vector.as_str() }
                })
                .collect(),
            cwes: v
                .cwes
                .iter()
                .map(|c| context! { id => c.to_string(), name => c.name() })
                .collect(),
            affected: v
                .affected
                .iter()
                .map(|a| {
                    let ranges: Vec<String> = a.ranges.iter().map(|r| events_text(&r.events)).collect();
                    context! { ecosystem => a.package.ecosystem, name => a.package.name,
                    ranges => ranges, versions => a.versions, fixed => a.fixed_versions() }
                })
                .collect(),
            statements: v
                .vex_statements()
                .iter()
                .map(|s| {
                    context! { product => s.product_id(), status => s.status.as_str(),
                    justification => s.justification.map(|j| j.as_str()), impact => s.impact_statement,
                    action => s.action_statement }
                })
                .collect(),
        })
        .collect()
}

/// Handles `GET /advisories/{advisory_id}`: one published advisory.
async fn advisory_page(State(app): State<App>, Path(id): Path<String>) -> Result<Response, WebError> {
    let p = published(&app, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("advisory"))?;
    let changelog: Vec<minijinja::Value> = p
        .advisory
        .revisions
        .iter()
        .rev()
        .map(|r| context! { number => r.number, date => when(r.date), summary => r.summary })
        .collect();
    let credits: Vec<minijinja::Value> = p
        .advisory
        .vulnerabilities
        .first()
        .map(|v| {
            v.credits
                .iter()
                .map(|c| context! { name => c.name, kind => c.kind })
                .collect()
        })
        .unwrap_or_default();
    let a = &p.advisory;
    render(
        &app,
        "public_advisory.html",
        context! {
            id => p.advisory_id, title => a.title, tlp => a.tlp.as_str(),
            published => a.initial_date().map(when), updated => a.current_date().map(when),
            revision => a.revisions.last().map(|r| r.number.clone()),
            summary => a.sections.summary, details => a.sections.details,
            remediation => a.sections.remediation, mitigation => a.sections.mitigation,
            vulnerabilities => vuln_views(a), credits => credits, changelog => changelog,
            rating => worst_rating(a),
        },
    )
}

/// Handles `GET /advisories/{advisory_id}/osv.json`: the OSV record of a published
/// advisory's vulnerability. The first vulnerability's record is under the advisory's
/// own id, later ones under `{advisory_id}-2`, `{advisory_id}-3`, ...
async fn osv_json(State(app): State<App>, Path(id): Path<String>) -> ApiResult<Response> {
    // `{advisory_id}` itself, or `{advisory_id}-N` for a later vulnerability.
    let advisory = match published(&app, &id).await? {
        Some(p) => Some(p),
        None => match id.rsplit_once('-') {
            Some((base, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => published(&app, base).await?,
            _ => None,
        },
    };
    let vulnerability = advisory
        .as_ref()
        .and_then(|p| p.advisory.vulnerabilities.iter().find(|v| v.id == id))
        .ok_or_else(|| ApiError::not_found("advisory"))?;
    Ok(Json(lockstep_advisory::osv::to_json(vulnerability)).into_response())
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// The Atom feed document of these advisories (RFC 4287).
fn atom(advisories: &[PublicAdvisory], now: jiff::Timestamp) -> String {
    let updated = advisories
        .iter()
        .filter_map(|p| p.advisory.current_date())
        .max()
        .unwrap_or(now);
    let mut xml =
        String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    xml.push_str("  <title>Lockstep security advisories</title>\n");
    xml.push_str("  <id>urn:lockstep:advisories</id>\n");
    xml.push_str(&format!("  <updated>{updated}</updated>\n"));
    xml.push_str("  <author><name>Lockstep</name></author>\n");
    xml.push_str("  <link rel=\"self\" type=\"application/atom+xml\" href=\"/advisories/feed.atom\"/>\n");
    xml.push_str("  <link rel=\"alternate\" type=\"text/html\" href=\"/advisories\"/>\n");
    for p in advisories {
        let a = &p.advisory;
        let id = xml_escape(&p.advisory_id);
        let summary = a.sections.summary.clone().unwrap_or_else(|| a.title.clone());
        xml.push_str("  <entry>\n");
        xml.push_str(&format!("    <id>urn:lockstep:advisory:{id}</id>\n"));
        xml.push_str(&format!("    <title>{}: {}</title>\n", id, xml_escape(&a.title)));
        if let Some(published) = a.initial_date() {
            xml.push_str(&format!("    <published>{published}</published>\n"));
        }
        xml.push_str(&format!(
            "    <updated>{}</updated>\n",
            a.current_date().unwrap_or(updated)
        ));
        xml.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"/advisories/{id}\"/>\n"
        ));
        for v in &a.vulnerabilities {
            xml.push_str(&format!(
                "    <link rel=\"related\" type=\"application/json\" href=\"/advisories/{}/osv.json\"/>\n",
                xml_escape(&v.id)
            ));
        }
        if let Some(rating) = worst_rating(a) {
            xml.push_str(&format!(
                "    <category term=\"{rating}\" label=\"CVSS rating {rating}\"/>\n"
            ));
        }
        xml.push_str(&format!("    <summary>{}</summary>\n", xml_escape(&summary)));
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}

/// Handles `GET /advisories/feed.atom`: the published advisories as an Atom feed.
async fn atom_feed(State(app): State<App>) -> ApiResult<Response> {
    let advisories = all_published(&app).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        atom(&advisories, app.clock().now()),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_is_escaped_and_control_characters_dropped() {
        assert_eq!(xml_escape("a<b>&\"c'\u{1}\n"), "a&lt;b&gt;&amp;&quot;c&apos;\n");
    }

    #[test]
    fn range_events_read_as_words() {
        let events = [Event::Introduced("0".into()), Event::Fixed("1.2.3".into())];
        assert_eq!(events_text(&events), "introduced in the first version, fixed in 1.2.3");
    }
}
