//! Lockstep's server: the JSON API under `/api/v1` (with its OpenAPI document), the
//! server-rendered web pages, authentication, and the one place that decides what
//! an actor may see ([`authz`]).

pub mod admin;
mod advisories;
mod advisory_pages;
mod api;
pub mod auth;
pub mod authz;
mod case_forms;
pub mod delivery;
pub mod demo;
mod error;
pub mod escalation;
mod headers;
pub mod impact;
pub mod intake;
mod intake_pages;
pub mod login;
pub mod pgp_mime;
mod public;
mod registry;
mod registry_pages;
mod scheduler;
mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn;
use axum::routing::get;
use axum::Router;
use lockstep_core::Clock;
use lockstep_store::Store;

pub use error::{ApiError, ApiResult};
pub use headers::CONTENT_SECURITY_POLICY;

/// The largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// The largest manifest (lockfile, SBOM, Debian index) accepted, in bytes.
pub const MAX_MANIFEST_BYTES: usize = 64 * 1024 * 1024;

/// Settings the server runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Mark cookies `Secure` (set when served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// How long a web session lasts.
    pub session_ttl: Duration,
    /// How many manifests, and how many bytes of them, one project may keep.
    pub manifest_quota: lockstep_store::ManifestQuota,
    /// How often the scheduler runs (`None`: never, for tests that drive it).
    pub schedule_every: Option<Duration>,
    /// How many days a participant may leave a case unopened before it is nudged.
    pub nudge_after_days: i64,
    /// The URL finders reach this server at (security.txt's Canonical, tracking
    /// links); None: taken from each request's `Host`.
    pub public_url: Option<String>,
    /// Limits on finders' submissions and attachments.
    pub intake: intake::IntakeLimits,
    /// How notifications are delivered (the mail relay, the links' base URL).
    pub delivery: delivery::DeliveryConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            secure_cookies: false,
            session_ttl: Duration::from_secs(12 * 3600),
            manifest_quota: lockstep_store::ManifestQuota::default(),
            schedule_every: Some(Duration::from_secs(60)),
            nudge_after_days: 3,
            public_url: None,
            intake: intake::IntakeLimits::default(),
            delivery: delivery::DeliveryConfig::default(),
        }
    }
}

struct AppInner {
    store: Store,
    clock: Clock,
    config: Config,
    templates: minijinja::Environment<'static>,
    /// The dependency graph of every registered manifest, keyed by their hashes: the
    /// impact view rebuilds it only when a manifest changed.
    graph_cache: impact::GraphCache,
}

/// What every handler is given; cheap to clone.
#[derive(Clone)]
pub struct App(Arc<AppInner>);

impl App {
    pub fn new(store: Store, clock: Clock, config: Config) -> Self {
        App(Arc::new(AppInner {
            store,
            clock,
            config,
            templates: web::templates(),
            graph_cache: impact::GraphCache::default(),
        }))
    }

    pub fn store(&self) -> &Store {
        &self.0.store
    }

    pub fn clock(&self) -> &Clock {
        &self.0.clock
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    pub(crate) fn graph_cache(&self) -> &impact::GraphCache {
        &self.0.graph_cache
    }
}

/// The whole application: API, OpenAPI document, web pages, health check.
pub fn router(app: App) -> Router {
    let (api, openapi) = api::router().split_for_parts();
    let openapi = Arc::new(openapi);
    let openapi_doc = Router::new().route(
        "/api/v1/openapi.json",
        get(move || {
            let doc = openapi.clone();
            async move { axum::Json(doc.as_ref().clone()) }
        }),
    );
    Router::new()
        .merge(api)
        .merge(openapi_doc.layer(from_fn(headers::may_be_cached)))
        // Not cacheable: a cache must not answer for a server that is down.
        .route("/healthz", get(|| async { "ok" }))
        .merge(web::router())
        .merge(public::router().layer(from_fn(headers::may_be_cached)))
        .merge(intake_pages::cacheable_router().layer(from_fn(headers::may_be_cached)))
        .merge(intake_pages::public_router())
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(from_fn(auth::one_credential_per_surface))
        .layer(from_fn(headers::security_headers))
        .with_state(app)
}

/// The OpenAPI document of the API, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::router().split_for_parts().1
}

/// The web routes as (method, path) pairs, for the route-by-role test.
pub fn web_routes() -> Vec<(&'static str, &'static str)> {
    web::ROUTES.to_vec()
}

/// The public advisory routes (no login) as (method, path) pairs, for the route-by-role test.
pub fn public_routes() -> Vec<(&'static str, &'static str)> {
    public::ROUTES
        .iter()
        .chain(intake_pages::CACHEABLE_ROUTES)
        .chain(intake_pages::PUBLIC_ROUTES)
        .copied()
        .collect()
}

/// Whether a listening address (`HOST:PORT`, `[V6]:PORT`, or a bare host) reaches only
/// this machine: 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z), or `localhost`. Anything
/// else, 0.0.0.0 and :: included, is reachable from elsewhere, where session cookies
/// without `Secure` would travel in clear text. Host names other than `localhost` are
/// not resolved and count as beyond loopback.
pub fn is_loopback(listen: &str) -> bool {
    use std::net::{IpAddr, SocketAddr};
    let loopback_ip = |ip: IpAddr| match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    };
    if let Ok(addr) = listen.parse::<SocketAddr>() {
        return loopback_ip(addr.ip());
    }
    if let Ok(ip) = listen.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        return loopback_ip(ip);
    }
    let host = match listen.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => listen,
    };
    host.eq_ignore_ascii_case("localhost")
}

/// Serves the app on `listener` until Ctrl-C, with the delivery worker beside it. Each
/// request knows its peer's address (the login throttle counts by it). On Ctrl-C the
/// worker claims nothing more and finishes the batch in hand.
pub async fn serve(app: App, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    if let Some(every) = app.config().schedule_every {
        tokio::spawn(scheduler::run(app.clone(), every, app.config().nudge_after_days));
    }
    let deliverer = delivery::Deliverer::new(app.config().delivery.clone())?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = delivery::spawn(app.clone(), deliverer, stopped);
    let served = axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    let _ = stop.send(true);
    if let Err(e) = worker.await {
        tracing::error!("the delivery worker ended abnormally: {e}");
    }
    served?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn loopback_addresses_are_told_from_the_rest() {
        for addr in [
            "127.0.0.1:8080",
            "127.1.2.3:80",
            "[::1]:8080",
            "::1",
            "[::ffff:127.0.0.1]:8080",
            "localhost:8080",
            "LOCALHOST",
        ] {
            assert!(is_loopback(addr), "{addr} is loopback");
        }
        for addr in [
            "0.0.0.0:8080",
            "[::]:8080",
            "192.168.1.5:8080",
            "10.0.0.1:443",
            "[2001:db8::1]:8080",
            "lockstep.example.org:8080",
            "localhost.example.org:8080",
        ] {
            assert!(!is_loopback(addr), "{addr} is beyond loopback");
        }
    }
}
