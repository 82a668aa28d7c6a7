use axum::Json;
use axum::extract::State;

use crate::AppState;
use crate::error::{ApiError, Problem};
use crate::views::Health;

/// Liveness and database reachability.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    responses(
        (status = 200, description = "The server runs and its database answers", body = Health),
        (status = 503, description = "The database is not available", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn healthz(State(s): State<AppState>) -> Result<Json<Health>, ApiError> {
    s.db.ping().await?;
    let database = match s.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "postgres",
        _ => "sqlite",
    };
    Ok(Json(Health {
        status: "ok",
        database,
    }))
}
