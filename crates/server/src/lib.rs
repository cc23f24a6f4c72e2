//! Lockstep's server: the JSON API under `/api/v1` (with its OpenAPI document), the
//! server-rendered web pages, authentication, and the one place that decides what
//! an actor may see ([`authz`]).

pub mod admin;
mod api;
pub mod auth;
pub mod authz;
mod case_forms;
pub mod demo;
mod error;
pub mod escalation;
mod headers;
pub mod impact;
pub mod login;
mod public;
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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            secure_cookies: false,
            session_ttl: Duration::from_secs(12 * 3600),
        }
    }
}

struct AppInner {
    store: Store,
    clock: Clock,
    config: Config,
    templates: minijinja::Environment<'static>,
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
    public::ROUTES.to_vec()
}

/// Serves the app on `listener` until Ctrl-C. Each request knows its peer's address
/// (the login throttle counts by it).
pub async fn serve(app: App, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
