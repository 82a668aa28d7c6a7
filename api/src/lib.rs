//! gongkai's HTTP server. The router is built with utoipa-axum from the same calls that document
//! it, so a route cannot be served undocumented; `openapi.json` at the repository root is that
//! document, and a test fails when it drifts. Handlers are thin: extract, call `schema::query`
//! (or `schema::workflow` for the admin API), map to a view, respond. None of them builds SQL.

pub mod admin_views;
pub mod auth;
pub mod base_url;
pub mod error;
pub mod graphql;
pub mod http;
pub mod rest;
pub mod views;

use std::net::SocketAddr;

use axum::Router;
use sea_orm::DatabaseConnection;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

pub use error::{ApiError, ErrorCode};

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// Published releases with their sources, read once per release.
    pub releases: std::sync::Arc<schema::query::ReleaseCache>,
    /// Largest uploaded file, in bytes (`http::Config::upload_limit`, set by [`http::apply`]).
    pub upload_limit: usize,
    /// Public corrections per client address (`http::Config::corrections_per_hour`, set by
    /// [`http::apply`]).
    pub corrections: std::sync::Arc<http::RateLimiter>,
}

impl AppState {
    /// The state of a server reading `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        let config = http::Config::default();
        AppState {
            db,
            releases: Default::default(),
            upload_limit: config.upload_limit,
            corrections: std::sync::Arc::new(http::RateLimiter::per_hour(
                config.corrections_per_hour,
            )),
        }
    }
}

/// The bearer token scheme of the admin API, in `components.securitySchemes`.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let scheme = SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("gk_ and 48 hex digits")
                .description(Some(
                    "An API token (`Authorization: Bearer gk_…`), created by an admin (`POST /api/v1/admin/tokens` or `gongkai token create`). It carries a person's name, the identity the no-self-review rule checks, and one role: editor, reviewer, publisher or admin.",
                ))
                .build(),
        );
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(auth::BEARER, scheme);
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "gongkai",
        description = "Open data of Chinese civil-affairs departments: budgets and final accounts, special subsidy funds, social-assistance statistics, the social-organization registry and disclosure annual reports. Every figure carries its source and its text as published; money is exact (fen).",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    components(schemas(
        views::Money,
        views::Figure,
        views::RecordSource,
        views::Totals,
        views::TotalsGroup,
        views::TotalsSum,
        views::Release,
        error::Problem
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "datasets", description = "The catalog of datasets and their metadata"),
        (name = "records", description = "The rows of every dataset: filtered lists with cursor pages and exact totals, group-by totals, and uncapped downloads"),
        (name = "service", description = "Health, readiness and metrics of the service"),
        (name = "standards", description = "The catalog as DCAT-AP 3, schema.org and Frictionless data packages"),
        (name = "ckan", description = "A read-only subset of CKAN's Action API for CKAN clients and harvesters"),
        (name = "corrections", description = "Corrections (内容纠错) the public reports on a dataset's figures, and how many are open and resolved"),
        (name = "admin", description = "The publishing workflow (三审: an editor uploads and submits, a reviewer reviews, a publisher publishes; no one reviews or publishes their own work), corrections, the negative list, tokens and the audit log. Every operation takes a bearer token; answers are never cached (`Cache-Control: no-store`) and not offered to other origins (no CORS)")
    )
)]
struct ApiDoc;

/// The documented routes, before they are split into a router and its OpenAPI document.
fn documented() -> OpenApiRouter<AppState> {
    let mut v1 = OpenApiRouter::new()
        .routes(routes!(rest::datasets::list))
        .routes(routes!(rest::datasets::show))
        .routes(routes!(rest::datasets::changes))
        .routes(routes!(rest::standards::schema_org))
        .routes(routes!(rest::standards::datapackage))
        .routes(routes!(rest::corrections::report))
        .routes(routes!(rest::corrections::counts));
    for r in rest::records_doc::routes() {
        v1 = v1.routes(r);
    }
    let v1 = v1.nest("/admin", rest::admin::routes());
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(rest::health::healthz))
        .routes(routes!(rest::health::readyz))
        .routes(routes!(rest::health::metrics))
        .routes(routes!(rest::standards::catalog))
        .routes(routes!(rest::ckan::get_v3, rest::ckan::post_v3))
        .routes(routes!(rest::ckan::get, rest::ckan::post))
        .nest("/api/v1", v1)
}

/// The OpenAPI document of the API, as committed in `openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented().into_openapi()
}

/// `openapi.json` as committed: pretty JSON with a final newline.
pub fn openapi_json() -> String {
    let mut s = openapi().to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}

async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such resource")
}

/// The router with every route and layer; `/openapi.json` and the Swagger UI at `/docs` are served
/// from the binary (no CDN).
pub fn router(state: AppState) -> Router {
    router_with(state, &http::Config::default())
}

/// [`router`] with the given limits; the HTTP conventions (request id, compression, CORS,
/// conditional GET, problems, limits, metrics) are the layers of [`http::apply`].
pub fn router_with(state: AppState, config: &http::Config) -> Router {
    let (routes, spec) = documented().split_for_parts();
    let mut app = routes.merge(SwaggerUi::new("/docs").url("/openapi.json", spec));
    match graphql::routes(&config.graphql) {
        Ok(g) => app = app.merge(g),
        Err(e) => tracing::error!(error = %e, "the GraphQL schema does not build; /graphql is off"),
    }
    let app = app.fallback(not_found);
    http::apply(app, state, config)
}

/// Serve until ctrl-c or SIGTERM.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    serve_with(state, &http::Config::default(), listener).await
}

/// [`serve`] with the given limits.
pub async fn serve_with(
    state: AppState,
    config: &http::Config,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    let addr: Option<SocketAddr> = listener.local_addr().ok();
    tracing::info!(?addr, "serving");
    // The peer address reaches the handlers (`ConnectInfo`), for the rate limit of corrections.
    axum::serve(
        listener,
        router_with(state, config).into_make_service_with_connect_info::<SocketAddr>(),
    )
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
