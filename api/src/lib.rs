//! gongkai's HTTP server. Handlers are thin: extract, call `schema::query`, map to a view,
//! respond. None of them builds SQL.

pub mod error;

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::{ApiError, ErrorCode};

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
}

/// The answer of `GET /healthz`.
#[derive(Serialize)]
pub struct Health {
    pub status: &'static str,
    pub database: &'static str,
}

async fn healthz(State(s): State<AppState>) -> Result<Json<Health>, ApiError> {
    s.db.ping().await?;
    let database = match s.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "postgres",
        sea_orm::DbBackend::Sqlite => "sqlite",
        _ => "other",
    };
    Ok(Json(Health {
        status: "ok",
        database,
    }))
}

/// The answer of `GET /api/v1/datasets`.
#[derive(Serialize)]
pub struct DatasetList {
    pub datasets: Vec<schema::query::DatasetSummary>,
}

async fn datasets(State(s): State<AppState>) -> Result<Json<DatasetList>, ApiError> {
    let datasets = schema::query::list_datasets(&s.db).await?;
    Ok(Json(DatasetList { datasets }))
}

async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such resource")
}

/// The router with every route and layer.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/datasets", get(datasets))
        .fallback(not_found)
        .with_state(state)
        .layer(TraceLayer::new_for_http())
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(60),
        ))
}

/// Serve until ctrl-c or SIGTERM.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let addr: Option<SocketAddr> = listener.local_addr().ok();
    tracing::info!(?addr, "serving");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown())
        .await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
