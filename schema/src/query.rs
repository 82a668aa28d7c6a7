//! The one query layer. REST handlers, GraphQL resolvers and the catalog generator read through
//! these functions; none of them builds SQL. Public reads see only each dataset's current
//! published release.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::entity::{dataset, release, release_source, source};

/// A source document, as shown beside the figures it supports.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SourceView {
    pub id: i64,
    pub title: String,
    pub url: Option<String>,
    pub publisher_date: Option<String>,
    pub document_number: Option<String>,
    pub grade: Option<String>,
    /// Rows of the release that cite this source.
    pub rows: i64,
}

/// The published release a dataset shows.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReleaseView {
    pub id: i64,
    pub version: i32,
    pub published_at: Option<String>,
    pub row_count: i64,
    /// Rows per table, e.g. `{"registry.organizations": 1000}`.
    pub row_counts: serde_json::Value,
}

/// A dataset in the catalog list.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DatasetSummary {
    pub slug: String,
    pub title_zh: String,
    pub title_en: String,
    pub theme: String,
    pub publisher: String,
    pub index_number: String,
    pub validity: String,
    pub synthetic: bool,
    /// Rows in the current published release (0 when nothing is published).
    pub row_count: i64,
    pub release: Option<ReleaseView>,
    pub sources: Vec<SourceView>,
}

/// The current published release of a dataset, if any.
pub async fn current_release(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<release::Model>, DbErr> {
    let Some(ds) = dataset::Entity::find_by_id(slug.to_string())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(id) = ds.current_release_id else {
        return Ok(None);
    };
    release::Entity::find_by_id(id)
        .filter(release::Column::State.eq("published"))
        .one(db)
        .await
}

/// The sources behind a release, most-cited first.
pub async fn release_sources(
    db: &impl ConnectionTrait,
    release_id: i64,
) -> Result<Vec<SourceView>, DbErr> {
    let links = release_source::Entity::find()
        .filter(release_source::Column::ReleaseId.eq(release_id))
        .order_by_desc(release_source::Column::Rows)
        .order_by_asc(release_source::Column::SourceId)
        .all(db)
        .await?;
    let ids: Vec<i64> = links.iter().map(|l| l.source_id).collect();
    let sources = source::Entity::find()
        .filter(source::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(links
        .iter()
        .filter_map(|l| {
            sources
                .iter()
                .find(|s| s.id == l.source_id)
                .map(|s| SourceView {
                    id: s.id,
                    title: s.title.clone(),
                    url: s.url.clone(),
                    publisher_date: s.publisher_date.clone(),
                    document_number: s.document_number.clone(),
                    grade: s.grade.clone(),
                    rows: l.rows,
                })
        })
        .collect())
}

/// Every dataset with its current release, row count and sources.
pub async fn list_datasets(db: &impl ConnectionTrait) -> Result<Vec<DatasetSummary>, DbErr> {
    let datasets = dataset::Entity::find().all(db).await?;
    let order = |slug: &str| {
        crate::catalog::DATASETS
            .iter()
            .position(|d| d.slug == slug)
            .unwrap_or(usize::MAX)
    };
    let mut out = Vec::with_capacity(datasets.len());
    for d in datasets {
        let rel = current_release(db, &d.slug).await?;
        let sources = match &rel {
            Some(r) => release_sources(db, r.id).await?,
            None => Vec::new(),
        };
        out.push(DatasetSummary {
            row_count: rel.as_ref().map(|r| r.row_count).unwrap_or(0),
            release: rel.map(|r| ReleaseView {
                id: r.id,
                version: r.version,
                published_at: r.published_at,
                row_count: r.row_count,
                row_counts: serde_json::from_str(&r.row_counts).unwrap_or(serde_json::Value::Null),
            }),
            slug: d.slug,
            title_zh: d.title_zh,
            title_en: d.title_en,
            theme: d.theme,
            publisher: d.publisher,
            index_number: d.index_number,
            validity: d.validity,
            synthetic: d.synthetic,
            sources,
        });
    }
    out.sort_by_key(|d| order(&d.slug));
    Ok(out)
}
