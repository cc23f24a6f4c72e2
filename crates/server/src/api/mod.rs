//! The JSON API under `/api/v1`. Each handler parses, authorizes (in `authz`),
//! calls one store function and renders. Bodies are parsed only after the actor is
//! authorized, so an outsider learns nothing from validation errors either. The API
//! takes `Authorization: Bearer` tokens only (the router strips cookies from its
//! requests: `auth::one_credential_per_surface`) and JSON bodies only ([`JsonBody`]),
//! except uploads of files ([`RawBody`]).

mod account;
pub(crate) mod advisories;
mod cases;
mod contacts;
mod escalation;
mod items;
mod manifests;
mod projects;
pub(crate) mod reports;

pub use cases::{case_detail, CaseDetail};
pub(crate) use contacts::check_keys;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::{ApiError, App};

#[derive(OpenApi)]
#[openapi(
    info(title = "Lockstep API", description = "Coordinated security disclosure across interdependent open-source projects."),
    modifiers(&TokenAuth),
    tags((name = "cases"), (name = "advisories"), (name = "projects"), (name = "account"), (name = "reports"))
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
        .merge(contacts::routes())
        .merge(escalation::routes())
        .merge(items::routes())
        .merge(projects::routes())
        .merge(manifests::routes())
        .merge(account::routes())
        .merge(reports::routes());
    let mut api = OpenApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", v1);
    document_unsupported_media_type(api.get_openapi_mut());
    api
}

/// Adds the 415 answer to every operation that takes a JSON body, so that a route added
/// tomorrow documents it without anyone remembering to.
fn document_unsupported_media_type(openapi: &mut utoipa::openapi::OpenApi) {
    let operations = openapi.paths.paths.values_mut().flat_map(|item| {
        [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
    });
    for op in operations {
        if takes_json(op) {
            let response = ResponseBuilder::new()
                .description("the body is not JSON (`Content-Type: application/json`, `application/*+json`)")
                .content(
                    "application/json",
                    utoipa::openapi::ContentBuilder::new()
                        .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("ErrorBody"))))
                        .build(),
                )
                .build();
            op.responses.responses.insert("415".to_owned(), RefOr::T(response));
        }
    }
}

fn takes_json(op: &Operation) -> bool {
    op.request_body
        .as_ref()
        .is_some_and(|body| body.content.keys().any(|ct| is_json(ct)))
}

/// Whether a `Content-Type` names JSON: `application/json` or `application/*+json`,
/// with parameters allowed, and a charset, if any, UTF-8 (the only one JSON has).
pub fn is_json(content_type: &str) -> bool {
    let mut parts = content_type.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let json = essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|sub| sub.len() > "+json".len() && sub.ends_with("+json"));
    let charset_ok = parts.all(|param| match param.split_once('=') {
        Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
            value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        }
        _ => true,
    });
    json && charset_ok
}

/// Reads a request body up to the route's size limit; too large is 413.
async fn read_body<S: Send + Sync>(req: Request, state: &S, limit: usize) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the request body is larger than {limit} bytes"),
            )
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text())
        }
    })
}

/// A JSON body, read but not yet parsed: handlers call [`JsonBody::parse`] after
/// authorization. Errors name the field by its JSON path. A body that is not sent as
/// JSON (see [`is_json`]) is 415, also decided in `parse`, after authorization: an
/// anonymous caller learns that it must log in before it learns how to send a body.
pub struct JsonBody {
    bytes: Bytes,
    /// The `Content-Type` sent, if it does not name JSON.
    not_json: Option<String>,
}

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        JsonBody::read(req, state, crate::MAX_BODY_BYTES).await
    }
}

/// A [`JsonBody`] on a route whose body limit is that of finders' reports
/// ([`crate::intake::MAX_REPORT_BODY_BYTES`]: attachments travel base64 in the JSON).
pub struct ReportJsonBody(pub JsonBody);

impl<S: Send + Sync> FromRequest<S> for ReportJsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        JsonBody::read(req, state, crate::intake::MAX_REPORT_BODY_BYTES)
            .await
            .map(ReportJsonBody)
    }
}

impl JsonBody {
    /// Reads the body; `limit` is the route's `DefaultBodyLimit`, named in the 413.
    async fn read<S: Send + Sync>(req: Request, state: &S, limit: usize) -> Result<Self, ApiError> {
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let not_json = match content_type {
            Some(ct) if is_json(&ct) => None,
            Some(ct) => Some(ct),
            None => Some("none".to_owned()),
        };
        let bytes = read_body(req, state, limit).await?;
        Ok(JsonBody { bytes, not_json })
    }
}

impl JsonBody {
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        if let Some(content_type) = &self.not_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!("the body must be JSON sent as `Content-Type: application/json`, not `{content_type}`"),
            ));
        }
        let de = &mut serde_json::Deserializer::from_slice(&self.bytes);
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

/// A file uploaded as the raw body, of any content type (a Cargo.lock is TOML, a
/// requirements.txt text, an SBOM JSON), up to [`crate::MAX_MANIFEST_BYTES`]; the
/// route sets that limit with `DefaultBodyLimit`.
pub struct RawBody(Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        read_body(req, state, crate::MAX_MANIFEST_BYTES).await.map(RawBody)
    }
}

impl RawBody {
    /// The body as sent.
    pub fn raw(&self) -> &[u8] {
        &self.0
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

#[cfg(test)]
mod tests {
    use super::is_json;

    #[test]
    fn json_content_types_are_json() {
        for ct in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=\"UTF-8\"",
            "application/merge-patch+json",
            "application/vnd.lockstep+json; charset=utf-8",
        ] {
            assert!(is_json(ct), "{ct}");
        }
    }

    #[test]
    fn other_content_types_are_not_json() {
        for ct in [
            "text/plain",
            "text/plain; charset=utf-8",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/+json",
            "text/json+json",
            "application/json; charset=latin1",
            "",
        ] {
            assert!(!is_json(ct), "{ct}");
        }
    }
}
