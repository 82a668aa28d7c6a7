use axum::Json;
use axum::extract::{Path, State};

use crate::AppState;
use crate::error::{ApiError, ErrorCode, Problem};
use crate::views::{DatasetDetail, DatasetList};

/// Every dataset with its current release, row count and sources.
#[utoipa::path(
    get,
    path = "/datasets",
    tag = "datasets",
    responses((status = 200, description = "The catalog", body = DatasetList))
)]
pub async fn list(State(s): State<AppState>) -> Result<Json<DatasetList>, ApiError> {
    let datasets = schema::query::list_datasets(&s.db).await?;
    Ok(Json(DatasetList {
        datasets: datasets.into_iter().map(Into::into).collect(),
    }))
}

/// One dataset: catalog metadata (索引号, 文号, 发布机构, 发文日期, 效力状态 …), data dictionary,
/// sources of the current release, and the public release history.
#[utoipa::path(
    get,
    path = "/datasets/{slug}",
    tag = "datasets",
    params(("slug" = String, Path, description = "Dataset identifier", example = "relief")),
    responses(
        (status = 200, description = "The dataset", body = DatasetDetail),
        (status = 404, description = "No dataset has this slug", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn show(
    State(s): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<DatasetDetail>, ApiError> {
    let detail = schema::query::dataset_detail(&s.db, &slug)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no dataset named “{slug}”")))?;
    Ok(Json(detail.into()))
}
