//! The JSON API under `/api/v1`. Each handler parses, authorizes (in `authz`),
//! calls one store function and renders. Bodies are parsed only after the actor is
//! authorized, so an outsider learns nothing from validation errors either.

pub(crate) mod advisories;
mod cases;
mod escalation;
mod items;
mod manifests;
mod projects;

pub use cases::{case_detail, CaseDetail};

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::{ApiError, App};

#[derive(OpenApi)]
#[openapi(
    info(title = "Lockstep API", description = "Coordinated security disclosure across interdependent open-source projects."),
    modifiers(&TokenAuth),
    tags((name = "cases"), (name = "advisories"), (name = "projects"), (name = "account"))
)]
struct ApiDoc;

struct TokenAuth;

impl Modify for TokenAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every API route, collected with its OpenAPI description.
pub fn router() -> OpenApiRouter<App> {
    let v1 = OpenApiRouter::new()
        .merge(advisories::routes())
        .merge(cases::routes())
        .merge(escalation::routes())
        .merge(items::routes())
        .merge(projects::routes())
        .merge(manifests::routes());
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", v1)
}

/// A JSON body, read but not yet parsed: handlers call [`JsonBody::parse`] after
/// authorization. Errors name the field by its JSON path.
pub struct JsonBody(Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!("the request body is larger than {} bytes", crate::MAX_BODY_BYTES),
                )
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text())
            }
        })?;
        Ok(JsonBody(bytes))
    }
}

impl JsonBody {
    /// The body as sent, for uploads that are not JSON.
    pub fn raw(&self) -> &[u8] {
        &self.0
    }

    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let de = &mut serde_json::Deserializer::from_slice(&self.0);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "malformed_json",
                    format!("the body is not valid JSON: {inner}"),
                )
            } else {
                let field = if path == "." { "body".to_owned() } else { path };
                ApiError::field(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_input",
                    &field,
                    strip_position(&inner.to_string()),
                )
            }
        })
    }
}

/// serde_json appends " at line 1 column 20"; the field path already says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// A path id; one that does not parse is simply not found.
pub struct Id<T>(pub T);

impl<T, S> FromRequestParts<S> for Id<T>
where
    T: std::str::FromStr + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) = axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found("resource"))?;
        raw.parse().map(Id).map_err(|_| ApiError::not_found("resource"))
    }
}

/// Two path ids, e.g. `/cases/{id}/tasks/{task_id}`.
pub struct Ids<A, B>(pub A, pub B);

impl<A, B, S> FromRequestParts<S> for Ids<A, B>
where
    A: std::str::FromStr + Send,
    B: std::str::FromStr + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path((a, b)) = axum::extract::Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found("resource"))?;
        match (a.parse(), b.parse()) {
            (Ok(a), Ok(b)) => Ok(Ids(a, b)),
            _ => Err(ApiError::not_found("resource")),
        }
    }
}
