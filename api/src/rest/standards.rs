//! The catalog in other standards: DCAT-AP 3 (JSON-LD), schema.org `Dataset` (JSON-LD) and
//! Frictionless `datapackage.json`. The documents are built by `schema::standards`; these
//! handlers load the views, pass the base URL, and answer with the right media type.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::base_url::BaseUrl;
use crate::error::{ApiError, ErrorCode, Problem};

/// The media type of JSON-LD.
pub const JSON_LD: &str = "application/ld+json";

fn json_ld(v: serde_json::Value) -> Response {
    (
        [(header::CONTENT_TYPE, JSON_LD)],
        serde_json::to_vec(&v).unwrap_or_default(),
    )
        .into_response()
}

async fn detail(s: &AppState, slug: &str) -> Result<schema::query::DatasetDetail, ApiError> {
    schema::query::dataset_detail(&s.db, slug)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no dataset named “{slug}”")))
}

/// The whole catalog as DCAT-AP 3 in JSON-LD: a `dcat:Catalog` with every dataset (索引号 as
/// `dct:identifier`, themes, keywords, coverage, frequency, contact point, publisher) and its
/// distributions (every record table as CSV, XLSX, JSON and NDJSON, and the data package). The
/// `@context` is inline, so reading it fetches nothing.
#[utoipa::path(
    get,
    path = "/catalog.jsonld",
    tag = "standards",
    responses(
        (status = 200, description = "The DCAT-AP 3 catalog", body = serde_json::Value, content_type = "application/ld+json"),
    )
)]
pub async fn catalog(State(s): State<AppState>, base: BaseUrl) -> Result<Response, ApiError> {
    let all = schema::query::dataset_details(&s.db).await?;
    Ok(json_ld(schema::standards::dcat::catalog(
        &all,
        &base.links(),
    )))
}

/// One dataset as a schema.org `Dataset` in JSON-LD (for dataset search engines): names,
/// description, 索引号, keywords, licence, publisher, dates, coverage, downloads, variables and
/// source documents.
#[utoipa::path(
    get,
    path = "/datasets/{slug}/dataset.jsonld",
    tag = "standards",
    params(("slug" = String, Path, description = "Dataset identifier", example = "relief")),
    responses(
        (status = 200, description = "The schema.org Dataset", body = serde_json::Value, content_type = "application/ld+json"),
        (status = 404, description = "No dataset has this slug", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn schema_org(
    State(s): State<AppState>,
    base: BaseUrl,
    Path(slug): Path<String>,
) -> Result<Response, ApiError> {
    let d = detail(&s, &slug).await?;
    Ok(json_ld(schema::standards::schema_org::dataset(
        &d,
        &base.links(),
    )))
}

/// One dataset as a Frictionless Tabular Data Package: one resource per record table, its `path`
/// the whole-table CSV download relative to this document (`organizations.csv`), its Table
/// Schema the CSV's columns with types, constraints, primary and foreign keys.
#[utoipa::path(
    get,
    path = "/datasets/{slug}/datapackage.json",
    tag = "standards",
    params(("slug" = String, Path, description = "Dataset identifier", example = "relief")),
    responses(
        (status = 200, description = "The data package descriptor", body = serde_json::Value),
        (status = 404, description = "No dataset has this slug", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn datapackage(
    State(s): State<AppState>,
    base: BaseUrl,
    Path(slug): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let d = detail(&s, &slug).await?;
    Ok(Json(schema::standards::datapackage::datapackage(
        &d,
        &base.links(),
    )))
}
