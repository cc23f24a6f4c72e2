//! The caller's own account: their API tokens (listed without secrets, revoked) and
//! their web sessions (ended everywhere at once).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use jiff::Timestamp;
use lockstep_core::TokenId;
use lockstep_store::ApiToken;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::Id;
use crate::auth::Actor;
use crate::error::ErrorBody;
use crate::{ApiResult, App};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens))
        .routes(routes!(revoke_token))
        .routes(routes!(end_sessions))
}

/// An API token as its owner sees it: never the secret, nor its hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: TokenId,
    pub label: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// When the token stops working; null: never.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
}

impl From<ApiToken> for TokenView {
    fn from(t: ApiToken) -> Self {
        TokenView {
            id: t.id,
            label: t.label,
            created_at: t.created_at,
            expires_at: t.expires_at,
        }
    }
}

/// Handles `GET /api/v1/me/tokens`: the caller's API tokens, expired ones included.
#[utoipa::path(get, path = "/me/tokens", tag = "account", security(("token" = [])),
    responses((status = 200, body = Vec<TokenView>), (status = 401, body = ErrorBody)))]
async fn list_tokens(State(app): State<App>, actor: Actor) -> ApiResult<Json<Vec<TokenView>>> {
    let user = actor.require()?;
    let tokens = app.store().tokens_of(user.id).await?;
    Ok(Json(tokens.into_iter().map(TokenView::from).collect()))
}

/// Handles `DELETE /api/v1/me/tokens/{token_id}`: revokes one of the caller's tokens
/// (the one in use too); it answers 401 from the next request on. Another user's
/// token is 404, like one that does not exist.
#[utoipa::path(delete, path = "/me/tokens/{token_id}", tag = "account", security(("token" = [])),
    params(("token_id" = String, Path, description = "token id, from `GET /me/tokens`")),
    responses((status = 204, description = "revoked"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_token(State(app): State<App>, actor: Actor, Id(token): Id<TokenId>) -> ApiResult<StatusCode> {
    let user = actor.require()?;
    app.store().revoke_token(user.id, app.clock().now(), token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Handles `DELETE /api/v1/me/sessions`: ends every web session of the caller, on
/// every device. API tokens are not touched (revoke them one by one).
#[utoipa::path(delete, path = "/me/sessions", tag = "account", security(("token" = [])),
    responses((status = 204, description = "every session ended"), (status = 401, body = ErrorBody)))]
async fn end_sessions(State(app): State<App>, actor: Actor) -> ApiResult<StatusCode> {
    let user = actor.require()?;
    app.store().end_sessions(user.id, app.clock().now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
