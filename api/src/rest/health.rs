//! The service's own endpoints: liveness, readiness, metrics. None of them is cached.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use migrations::MigratorTrait;
use serde::Serialize;

use crate::AppState;
use crate::error::{ApiError, ErrorCode, Problem};
use crate::http::{Metrics, PROMETHEUS_TEXT};
use crate::views::Health;

/// How long `/readyz` waits for the database before it says "not ready".
const READY_WAIT: Duration = Duration::from_secs(3);

const NO_STORE: [(header::HeaderName, &str); 1] = [(header::CACHE_CONTROL, "no-store")];

fn backend_name(s: &AppState) -> &'static str {
    match s.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "postgres",
        _ => "sqlite",
    }
}

/// Liveness: the server process runs and answers. It does not ask the database (that is
/// `/readyz`), so an unreachable database never gets a live server restarted.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    responses(
        (status = 200, description = "The server runs", body = Health),
    )
)]
pub async fn healthz(State(s): State<AppState>) -> impl IntoResponse {
    (
        NO_STORE,
        Json(Health {
            status: "ok",
            database: backend_name(&s),
        }),
    )
}

/// The service is ready to serve.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Ready {
    /// Always `ready` when the answer is 200.
    #[schema(example = "ready")]
    pub status: &'static str,
    /// The database behind this server: `sqlite` or `postgres`.
    #[schema(example = "sqlite")]
    pub database: &'static str,
    /// Migrations applied to the database (all that this build carries).
    #[schema(example = 2)]
    pub migrations: usize,
}

/// Readiness: the database answers (within 3 s) and every migration this build carries has
/// been applied. Otherwise 503 `database_unavailable`.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "service",
    responses(
        (status = 200, description = "Ready to serve", body = Ready),
        (status = 503, description = "The database does not answer or is not migrated", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn readyz(State(s): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let expected: Vec<String> = migrations::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    let unavailable = |detail: String| ApiError::new(ErrorCode::DatabaseUnavailable, detail);
    let readiness =
        match tokio::time::timeout(READY_WAIT, schema::store::ready(&s.db, &expected)).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "not ready: the database does not answer");
                return Err(unavailable("the database does not answer".into()));
            }
            Err(_) => {
                return Err(unavailable(format!(
                    "the database did not answer within {} s",
                    READY_WAIT.as_secs()
                )));
            }
        };
    if !readiness.is_ready() {
        return Err(unavailable(format!(
            "migrations not applied: {}",
            readiness.pending.join(", ")
        )));
    }
    Ok((
        NO_STORE,
        Json(Ready {
            status: "ready",
            database: backend_name(&s),
            migrations: readiness.applied,
        }),
    ))
}

/// Prometheus metrics in the text exposition format (version 0.0.4): requests by method, route
/// template and status (`gongkai_http_requests_total`), latency to the response head
/// (`gongkai_http_request_duration_seconds`), requests in flight
/// (`gongkai_http_requests_in_flight`), rows of each dataset's published release
/// (`gongkai_dataset_rows`) and whether the database answered (`gongkai_database_up`).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "service",
    responses(
        (status = 200, description = "The metrics, in the Prometheus text format", body = String, content_type = "text/plain; version=0.0.4"),
    )
)]
pub async fn metrics(
    State(s): State<AppState>,
    Extension(m): Extension<Arc<Metrics>>,
) -> impl IntoResponse {
    match schema::query::list_datasets(&s.db).await {
        Ok(list) => m.set_datasets(Some(list.iter().map(|d| (d.slug.as_str(), d.row_count)))),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: the database does not answer");
            m.set_datasets(None::<[(&str, i64); 0]>);
        }
    }
    (
        [
            (header::CONTENT_TYPE, PROMETHEUS_TEXT),
            (header::CACHE_CONTROL, "no-store"),
        ],
        m.render(),
    )
}
