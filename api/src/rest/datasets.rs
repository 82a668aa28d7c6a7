use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::error::{ApiError, ErrorCode, Problem};
use crate::views::{DatasetDetail, DatasetList, RecordChanges};

/// Filters of the catalog list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Words to find in titles, descriptions and keywords (every word must occur).
    #[param(example = "低保", min_length = 1, max_length = 100)]
    pub q: Option<String>,
    /// Only this theme.
    #[param(example = "social-assistance")]
    pub theme: Option<String>,
    /// Only this publisher (发布机构).
    pub publisher: Option<String>,
    /// Only datasets with rows for this year.
    #[param(example = 2021, minimum = 1949, maximum = 2100)]
    pub year: Option<i32>,
    /// Only datasets with rows in this province (a province-level code, `000000` for national rows).
    #[param(example = "430000", pattern = "^[0-9]{2}0000$")]
    pub region: Option<String>,
}

/// The catalog: datasets with their current release, row count, sources and coverage, searchable
/// and faceted by theme, publisher, year and province.
#[utoipa::path(
    get,
    path = "/datasets",
    tag = "datasets",
    params(ListParams),
    responses(
        (status = 200, description = "The matching datasets with facet counts", body = DatasetList),
        (status = 400, description = "A parameter is malformed", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(s): State<AppState>,
    Query(p): Query<ListParams>,
) -> Result<Json<DatasetList>, ApiError> {
    if let Some(y) = p.year
        && !(1949..=2100).contains(&y)
    {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("year: {y} is not from 1949 to 2100"),
        ));
    }
    if let Some(r) = &p.region
        && !(r.len() == 6 && r.ends_with("0000") && r.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("region: “{r}” is not a province-level code such as 430000"),
        ));
    }
    if let Some(q) = &p.q
        && (q.is_empty() || q.chars().count() > 100)
    {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            "q: from 1 to 100 characters",
        ));
    }
    let query = schema::query::DatasetQuery {
        q: p.q,
        theme: p.theme,
        publisher: p.publisher,
        year: p.year,
        region: p.region,
    };
    let (hits, facets) = schema::query::search_datasets(&s.db, &query).await?;
    Ok(Json(DatasetList {
        total: hits.len() as i64,
        datasets: hits.into_iter().map(Into::into).collect(),
        facets: facets.into(),
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

/// Which page of a release's changes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesParams {
    /// Changes to skip.
    #[param(minimum = 0, example = 0)]
    #[serde(default)]
    offset: u64,
    /// Changes per page (1–1000).
    #[param(minimum = 1, maximum = 1000, example = 100)]
    #[serde(default = "default_changes_limit")]
    limit: u64,
}

fn default_changes_limit() -> u64 {
    100
}

/// What a published or superseded release changed against the release before it: each record
/// added, removed or changed, with the changed fields' old and new values (fields on the
/// negative list left out). The counts are in the dataset's release history.
#[utoipa::path(
    get,
    path = "/datasets/{slug}/releases/{id}/changes",
    tag = "datasets",
    params(
        ("slug" = String, Path, description = "Dataset identifier", example = "relief"),
        ("id" = i64, Path, description = "Release id (from the dataset's release history)", example = 6),
        ChangesParams
    ),
    responses(
        (status = 200, description = "A page of the release's changes", body = RecordChanges),
        (status = 400, description = "A parameter is malformed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The dataset has no published or superseded release with this id", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn changes(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, i64)>,
    Query(p): Query<ChangesParams>,
) -> Result<Json<RecordChanges>, ApiError> {
    if !(1..=1000).contains(&p.limit) {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            "limit: between 1 and 1000",
        ));
    }
    let page = schema::query::release_changes(&s.db, &slug, id, p.offset, p.limit + 1)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!("{slug} has no published or superseded release {id}"),
            )
        })?;
    let more = page.len() as u64 > p.limit;
    Ok(Json(RecordChanges {
        release_id: id,
        next_offset: more.then_some(p.offset + p.limit),
        changes: page
            .into_iter()
            .take(p.limit as usize)
            .map(Into::into)
            .collect(),
    }))
}
