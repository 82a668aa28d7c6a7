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

impl From<release::Model> for ReleaseView {
    fn from(r: release::Model) -> Self {
        ReleaseView {
            id: r.id,
            version: r.version,
            published_at: r.published_at,
            row_count: r.row_count,
            row_counts: serde_json::from_str(&r.row_counts).unwrap_or(serde_json::Value::Null),
        }
    }
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

/// The current published release of a dataset, if any (one query).
pub async fn current_release(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<release::Model>, DbErr> {
    use sea_orm::QuerySelect;
    release::Entity::find()
        .filter(release::Column::Id.in_subquery(current_release_id_query(slug)))
        .filter(release::Column::State.eq("published"))
        .limit(1)
        .one(db)
        .await
}

/// The id of a dataset's current published release, as a subquery (NULL when there is none),
/// so that one statement can find the release and read its rows.
pub(crate) fn current_release_id_query(slug: &str) -> sea_orm::sea_query::SelectStatement {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
    Query::select()
        .column((Alias::new("r"), release::Column::Id))
        .from_as(release::Entity, Alias::new("r"))
        .inner_join(
            dataset::Entity,
            Expr::col((dataset::Entity, dataset::Column::CurrentReleaseId))
                .equals((Alias::new("r"), release::Column::Id)),
        )
        .and_where(Expr::col((dataset::Entity, dataset::Column::Slug)).eq(slug))
        .and_where(Expr::col((Alias::new("r"), release::Column::State)).eq("published"))
        // A dataset on the negative list has no public release.
        .and_where(Expr::exists(crate::workflow::negative::dataset_entry(slug)).not())
        .to_owned()
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

/// The sources of a release by id.
pub type SourcesById = std::collections::HashMap<i64, SourceView>;

/// The sources of a release, by id.
pub async fn sources_by_id(
    db: &impl ConnectionTrait,
    release_id: i64,
) -> Result<SourcesById, DbErr> {
    Ok(release_sources(db, release_id)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect())
}

/// No sources (what rows of no release cite).
pub fn no_sources() -> &'static SourcesById {
    static NONE: std::sync::LazyLock<SourcesById> = std::sync::LazyLock::new(SourcesById::new);
    &NONE
}

/// A published release as readers see it, with its sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseInfo {
    pub release: ReleaseView,
    pub sources: SourcesById,
}

type ReleaseMap = std::collections::HashMap<i64, std::sync::Arc<ReleaseInfo>>;

/// Published releases with their sources, read once per release. What is kept never changes
/// once a release is published (a new import makes a new release; the state may move on to
/// superseded, which is not kept), so a cached entry stays true. One cache serves one
/// database: hold it beside the connection (the API keeps it in its state).
#[derive(Debug, Default)]
pub struct ReleaseCache {
    by_id: std::sync::Mutex<ReleaseMap>,
}

impl ReleaseCache {
    /// Releases kept; past this the cache starts again (releases are few; this bounds memory).
    const CAPACITY: usize = 256;

    /// The release `id` with its sources, from the cache or read from the database (`None`:
    /// no such release).
    pub async fn get(
        &self,
        db: &impl ConnectionTrait,
        id: i64,
    ) -> Result<Option<std::sync::Arc<ReleaseInfo>>, DbErr> {
        if let Some(hit) = self.lock().get(&id) {
            return Ok(Some(hit.clone()));
        }
        match release::Entity::find_by_id(id).one(db).await? {
            Some(r) => self.of(db, r).await.map(Some),
            None => Ok(None),
        }
    }

    /// `release` with its sources, from the cache or read from the database. Only published
    /// releases are kept (one under review may still change).
    pub async fn of(
        &self,
        db: &impl ConnectionTrait,
        release: release::Model,
    ) -> Result<std::sync::Arc<ReleaseInfo>, DbErr> {
        if let Some(hit) = self.lock().get(&release.id) {
            return Ok(hit.clone());
        }
        let sources = sources_by_id(db, release.id).await?;
        let keep = release.state == "published";
        let info = std::sync::Arc::new(ReleaseInfo {
            release: release.into(),
            sources,
        });
        if keep {
            let mut map = self.lock();
            if map.len() >= Self::CAPACITY {
                map.clear();
            }
            map.insert(info.release.id, info.clone());
        }
        Ok(info)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ReleaseMap> {
        // Insert and clear are single calls, so a lock poisoned by a panic elsewhere still
        // guards a whole map.
        self.by_id
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
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
            release: rel.map(ReleaseView::from),
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

/// One field of a dataset's data dictionary.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldView {
    /// The table the field belongs to, e.g. `organizations`.
    pub table: String,
    pub position: i32,
    pub key: String,
    /// The Chinese header departments write.
    pub header: String,
    pub kind: String,
    pub base_unit: Option<String>,
    pub required: bool,
    pub allowed_values: Vec<String>,
    pub description_zh: String,
    pub description_en: String,
    /// On the negative list (不予公开): described here, its values never published.
    pub withheld: bool,
}

/// A release in a dataset's public history: every release ever published (drafts and releases
/// under review are not public). A withdrawn release stays here with its reason.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReleaseHistoryView {
    pub id: i64,
    pub version: i32,
    /// `published` (the current one), `superseded` or `withdrawn`.
    pub state: String,
    pub synthetic: bool,
    pub row_count: i64,
    pub row_counts: serde_json::Value,
    /// The imported files: name, table, format, bytes, sha256, rows.
    pub files: serde_json::Value,
    pub created_at: String,
    pub published_at: Option<String>,
    pub note: Option<String>,
    /// When its figures were produced (形成日期).
    pub produced_at: Option<String>,
    /// Published within 3 days of production (`None`: no production date).
    pub within_3_days: Option<bool>,
    pub superseded_at: Option<String>,
    /// The release that superseded it (效力状态 废止).
    pub superseded_by: Option<i64>,
    pub withdrawn_at: Option<String>,
    /// Why it was withdrawn (public).
    pub withdrawn_reason: Option<String>,
    /// What it changed against the release before it (counts; details at its changes).
    pub changes: Option<crate::workflow::diff::Diff>,
}

impl From<release::Model> for ReleaseHistoryView {
    fn from(r: release::Model) -> Self {
        ReleaseHistoryView {
            within_3_days: crate::workflow::timeliness::timely(&r),
            changes: crate::workflow::diff::of(&r),
            id: r.id,
            version: r.version,
            state: r.state,
            synthetic: r.synthetic,
            row_count: r.row_count,
            row_counts: serde_json::from_str(&r.row_counts).unwrap_or(serde_json::Value::Null),
            files: serde_json::from_str(&r.files).unwrap_or(serde_json::Value::Null),
            created_at: r.created_at,
            published_at: r.published_at,
            note: r.note,
            produced_at: r.produced_at,
            superseded_at: r.superseded_at,
            superseded_by: r.superseded_by,
            withdrawn_at: r.withdrawn_at,
            withdrawn_reason: r.withdrawn_reason,
        }
    }
}

/// The states of releases in the public history: every release that was ever published.
pub const PUBLIC_STATES: [&str; 3] = ["published", "superseded", "withdrawn"];

/// Everything public about one dataset: catalog metadata, the current release, the release
/// history, the data dictionary and the sources of the current release.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DatasetDetail {
    pub slug: String,
    pub title_zh: String,
    pub title_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub theme: String,
    pub publisher: String,
    pub index_number: String,
    pub document_number: Option<String>,
    pub issued_on: Option<String>,
    pub validity: String,
    pub superseded_by: Option<String>,
    pub update_frequency: String,
    pub temporal_coverage: Option<String>,
    pub spatial_coverage: Option<String>,
    pub licence: String,
    pub contact: String,
    pub keywords: Vec<String>,
    pub synthetic: bool,
    pub updated_at: String,
    pub row_count: i64,
    pub release: Option<ReleaseView>,
    pub releases: Vec<ReleaseHistoryView>,
    pub dictionary: Vec<FieldView>,
    pub sources: Vec<SourceView>,
    /// The share of releases published within 3 days of their figures' production.
    pub timeliness: crate::workflow::timeliness::Timeliness,
    /// The public's corrections of this dataset: open and resolved.
    pub corrections: crate::workflow::corrections::Counts,
    /// Why the whole dataset is on the negative list (不予公开), when it is: then it has no
    /// public release.
    pub withheld: Option<String>,
}

/// One dataset with everything public about it, or None for an unknown slug.
pub async fn dataset_detail(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<DatasetDetail>, DbErr> {
    use crate::entity::dictionary_field;
    let Some(d) = dataset::Entity::find_by_id(slug.to_string())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let current = current_release(db, slug).await?;
    let sources = match &current {
        Some(r) => release_sources(db, r.id).await?,
        None => Vec::new(),
    };
    let history = release::Entity::find()
        .filter(release::Column::Dataset.eq(slug))
        .filter(release::Column::State.is_in(PUBLIC_STATES))
        .order_by_desc(release::Column::Version)
        .all(db)
        .await?;
    let timeliness = crate::workflow::timeliness::of(&history);
    let releases = history.into_iter().map(ReleaseHistoryView::from).collect();
    let negative = crate::workflow::negative::load_for(db, slug).await?;
    let withheld = negative
        .entries
        .iter()
        .find(|e| e.table.is_none())
        .map(|e| e.reason.clone());
    let corrections = crate::workflow::corrections::counts_of(db, slug)
        .await
        .map_err(|e| match e {
            crate::workflow::WorkflowError::Db(e) => e,
            other => DbErr::Custom(other.to_string()),
        })?;
    let dictionary = dictionary_field::Entity::find()
        .filter(dictionary_field::Column::Dataset.eq(slug))
        .order_by_asc(dictionary_field::Column::TableName)
        .order_by_asc(dictionary_field::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|f| FieldView {
            withheld: negative.field(slug, &f.table_name, &f.key),
            table: f.table_name,
            position: f.position,
            key: f.key,
            header: f.header,
            kind: f.kind,
            base_unit: f.base_unit,
            required: f.required,
            allowed_values: f
                .allowed_values
                .and_then(|v| serde_json::from_str(&v).ok())
                .unwrap_or_default(),
            description_zh: f.description_zh,
            description_en: f.description_en,
        })
        .collect();
    // The catalog's own temporal coverage, else the years the current release's rows cover.
    let temporal_coverage = match (d.temporal_coverage, &current) {
        (Some(t), _) => Some(t),
        (None, Some(r)) => {
            let years = coverage(db, r).await?.years;
            match (years.first(), years.last()) {
                (Some(a), Some(b)) if a == b => Some(a.to_string()),
                (Some(a), Some(b)) => Some(format!("{a}/{b}")),
                _ => None,
            }
        }
        (None, None) => None,
    };
    Ok(Some(DatasetDetail {
        row_count: current.as_ref().map(|r| r.row_count).unwrap_or(0),
        release: current.map(ReleaseView::from),
        keywords: serde_json::from_str(&d.keywords).unwrap_or_default(),
        slug: d.slug,
        title_zh: d.title_zh,
        title_en: d.title_en,
        description_zh: d.description_zh,
        description_en: d.description_en,
        theme: d.theme,
        publisher: d.publisher,
        index_number: d.index_number,
        document_number: d.document_number,
        issued_on: d.issued_on,
        validity: d.validity,
        superseded_by: d.superseded_by,
        update_frequency: d.update_frequency,
        temporal_coverage,
        spatial_coverage: d.spatial_coverage,
        licence: d.licence,
        contact: d.contact,
        synthetic: d.synthetic,
        updated_at: d.updated_at,
        releases,
        dictionary,
        sources,
        timeliness,
        corrections,
        withheld,
    }))
}

/// The records a publicly listed release of `slug` changed (added, removed, changed with their
/// fields), `limit` after `offset`; `None` when the dataset has no such public release (drafts,
/// releases under review and withdrawn releases show no changes). Fields on the negative list
/// are left out, and a record whose key holds one is named by `（不予公开）`.
pub async fn release_changes(
    db: &impl ConnectionTrait,
    slug: &str,
    release_id: i64,
    offset: u64,
    limit: u64,
) -> Result<Option<Vec<crate::workflow::diff::Change>>, DbErr> {
    let Some(r) = release::Entity::find_by_id(release_id).one(db).await? else {
        return Ok(None);
    };
    let negative = crate::workflow::negative::load_for(db, slug).await?;
    if r.dataset != slug
        || !["published", "superseded"].contains(&r.state.as_str())
        || negative.dataset(slug)
    {
        return Ok(None);
    }
    let changes = crate::workflow::diff::changes(db, release_id, offset, limit)
        .await
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    // The withheld stored columns of the dataset's tables, as (`dataset.table`, column), once.
    let withheld: std::collections::HashSet<(String, String)> = crate::records::resources_of(slug)
        .flat_map(|r| {
            r.stored_columns()
                .into_iter()
                .filter(|col| negative.field(slug, r.table_name, &col.key))
                .map(move |col| (r.qualified(), col.name))
        })
        .collect();
    Ok(Some(
        changes
            .into_iter()
            .map(|mut c| {
                let hidden = |col: &str| withheld.contains(&(c.table.clone(), col.to_string()));
                let key_withheld = c
                    .key
                    .split("; ")
                    .any(|kv| kv.split_once('=').is_some_and(|(col, _)| hidden(col)));
                c.fields.retain(|f| !hidden(&f.field));
                if key_withheld {
                    c.key = "（不予公开）".into();
                }
                c
            })
            .collect(),
    ))
}

/// The years and provinces a release's rows cover, for the catalog's facets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    pub years: Vec<i32>,
    /// Province-level codes (`000000` for national rows).
    pub regions: Vec<String>,
}

/// The column that dates a row of a table (its reporting period), if it has one: the first year
/// or period column, else the first required date.
fn reference_period(r: &crate::records::Resource) -> Option<crate::records::StoredColumn> {
    use crate::descriptor::Kind;
    let cols = r.stored_columns();
    cols.iter()
        .find(|c| c.name == c.key && matches!(c.kind, Some(Kind::Year | Kind::Period)))
        .or_else(|| {
            cols.iter()
                .find(|c| c.name == c.key && c.kind == Some(Kind::Date) && c.required)
        })
        .or_else(|| cols.iter().find(|c| c.name == "fiscal_year"))
        .cloned()
}

/// The years and provinces of a published release. Releases never change once published, so
/// the answer is kept per release id for the life of the process.
pub async fn coverage(
    db: &impl ConnectionTrait,
    release: &release::Model,
) -> Result<Coverage, DbErr> {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
    use std::collections::{BTreeSet, HashMap};
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<i64, Coverage>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Ok(c) = cache.lock()
        && let Some(hit) = c.get(&release.id)
    {
        return Ok(hit.clone());
    }
    let mut years = BTreeSet::new();
    let mut regions = BTreeSet::new();
    for r in crate::records::resources_of(&release.dataset) {
        let from = || {
            let mut q = Query::select();
            q.from(Alias::new(r.db_table))
                .and_where(Expr::col(Alias::new("release_id")).eq(release.id))
                .distinct();
            q
        };
        if let Some(c) = reference_period(r) {
            let mut q = from();
            q.expr(Expr::cust(format!(
                "substr(CAST({} AS TEXT), 1, 4)",
                c.name
            )));
            for row in db
                .query_all_raw(db.get_database_backend().build(&q))
                .await?
            {
                if let Ok(Some(y)) = row.try_get_by_index::<Option<String>>(0)
                    && let Ok(y) = y.parse::<i32>()
                {
                    years.insert(y);
                }
            }
        }
        for c in r.stored_columns() {
            if c.kind != Some(crate::descriptor::Kind::Region) {
                continue;
            }
            let mut q = from();
            q.expr(Expr::cust(format!("substr({}, 1, 2)", c.name)));
            for row in db
                .query_all_raw(db.get_database_backend().build(&q))
                .await?
            {
                if let Ok(Some(p)) = row.try_get_by_index::<Option<String>>(0) {
                    regions.insert(format!("{p}0000"));
                }
            }
        }
    }
    let out = Coverage {
        years: years.into_iter().collect(),
        regions: regions.into_iter().collect(),
    };
    if let Ok(mut c) = cache.lock() {
        c.insert(release.id, out.clone());
    }
    Ok(out)
}

/// Filters of the dataset list. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct DatasetQuery {
    /// Words to find in titles, descriptions and keywords (Chinese or English).
    pub q: Option<String>,
    pub theme: Option<String>,
    pub publisher: Option<String>,
    pub year: Option<i32>,
    /// A province-level code: datasets with rows in it.
    pub region: Option<String>,
}

/// One value of a facet and how many datasets have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetValue {
    pub value: String,
    pub label: Option<String>,
    pub count: i64,
}

/// Counts of the matching datasets by theme, publisher, year and province.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    pub theme: Vec<FacetValue>,
    pub publisher: Vec<FacetValue>,
    pub year: Vec<FacetValue>,
    pub region: Vec<FacetValue>,
}

/// A dataset in a search: its summary and what its rows cover.
#[derive(Debug, Clone)]
pub struct DatasetHit {
    pub summary: DatasetSummary,
    pub coverage: Coverage,
}

/// Whether every term of `q` occurs in one of the haystacks, by the rules of the organization
/// search (`crate::search`), so datasets, organizations and the static catalog match alike.
pub fn text_matches(haystacks: &[&str], q: &str) -> bool {
    crate::search::texts_match(haystacks, q)
}

/// The datasets matching a query (every word of `q` in a title, description or keyword; theme,
/// publisher, year and province exactly), with facet counts over the matches.
pub async fn search_datasets(
    db: &impl ConnectionTrait,
    query: &DatasetQuery,
) -> Result<(Vec<DatasetHit>, Facets), DbErr> {
    let mut hits = Vec::new();
    for summary in list_datasets(db).await? {
        let meta = crate::catalog::dataset(&summary.slug);
        if let Some(q) = query.q.as_deref().filter(|q| !q.trim().is_empty()) {
            let mut hay: Vec<&str> = vec![&summary.title_zh, &summary.title_en];
            if let Some(m) = meta {
                hay.extend([m.description_zh, m.description_en]);
                hay.extend(m.keywords.iter().copied());
            }
            if !text_matches(&hay, q) {
                continue;
            }
        }
        if query.theme.as_ref().is_some_and(|t| *t != summary.theme)
            || query
                .publisher
                .as_ref()
                .is_some_and(|p| *p != summary.publisher)
        {
            continue;
        }
        let coverage = match current_release(db, &summary.slug).await? {
            Some(r) => coverage(db, &r).await?,
            None => Coverage::default(),
        };
        if query.year.is_some_and(|y| !coverage.years.contains(&y))
            || query
                .region
                .as_ref()
                .is_some_and(|r| !coverage.regions.contains(r))
        {
            continue;
        }
        hits.push(DatasetHit { summary, coverage });
    }
    let mut facets = Facets::default();
    let count = |list: &mut Vec<FacetValue>, value: String, label: Option<String>| match list
        .iter_mut()
        .find(|f| f.value == value)
    {
        Some(f) => f.count += 1,
        None => list.push(FacetValue {
            value,
            label,
            count: 1,
        }),
    };
    for h in &hits {
        count(&mut facets.theme, h.summary.theme.clone(), None);
        count(&mut facets.publisher, h.summary.publisher.clone(), None);
        for y in &h.coverage.years {
            count(&mut facets.year, y.to_string(), None);
        }
        for r in &h.coverage.regions {
            let label = crate::region::get(r).map(|x| x.name.clone());
            count(&mut facets.region, r.clone(), label);
        }
    }
    for list in [
        &mut facets.theme,
        &mut facets.publisher,
        &mut facets.year,
        &mut facets.region,
    ] {
        list.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
    }
    Ok((hits, facets))
}

/// When the public catalog last changed: the latest `published_at` of any release, or the
/// latest entry of the audit log when later (a withdrawal, a correction, a change to the
/// negative list change public answers too) (`YYYY-MM-DDTHH:MM:SSZ`, UTC), or None before the
/// first publication. The HTTP layer sends it as `Last-Modified` on the catalog's reads; it is
/// read afresh for every request, never cached.
pub async fn catalog_updated_at(db: &impl ConnectionTrait) -> Result<Option<String>, DbErr> {
    use crate::entity::audit_entry;
    use sea_orm::QuerySelect;
    use sea_orm::sea_query::{Expr, ExprTrait};
    let latest: Option<Option<String>> = release::Entity::find()
        .select_only()
        .expr(Expr::col(release::Column::PublishedAt).max())
        .into_tuple()
        .one(db)
        .await?;
    let Some(published) = latest.flatten() else {
        return Ok(None);
    };
    let logged: Option<Option<String>> = audit_entry::Entity::find()
        .select_only()
        .expr(Expr::col(audit_entry::Column::At).max())
        .into_tuple()
        .one(db)
        .await?;
    // Both are `YYYY-MM-DDTHH:MM:SSZ`: text order is time order.
    Ok(Some(match logged.flatten() {
        Some(l) if l > published => l,
        _ => published,
    }))
}

/// What every public answer is read from: each dataset's slug, current release and last
/// change, in slug order, and last the head of the audit log (every workflow change — a
/// withdrawal, a correction, the negative list — appends to it). Two equal states answer every
/// query alike (published releases never change), so an answer kept with the state it was read
/// in stays true while the state does.
pub type CatalogState = Vec<(String, Option<i64>, String)>;

/// The catalog's state now (two small statements).
pub async fn catalog_state(db: &impl ConnectionTrait) -> Result<CatalogState, DbErr> {
    use sea_orm::QuerySelect;
    let mut state: CatalogState = dataset::Entity::find()
        .select_only()
        .column(dataset::Column::Slug)
        .column(dataset::Column::CurrentReleaseId)
        .column(dataset::Column::UpdatedAt)
        .order_by_asc(dataset::Column::Slug)
        .into_tuple()
        .all(db)
        .await?;
    let head = crate::workflow::audit::head(db).await?;
    state.push(("audit log".into(), None, head));
    Ok(state)
}

/// Every dataset with everything public about it, in catalog order.
pub async fn dataset_details(db: &impl ConnectionTrait) -> Result<Vec<DatasetDetail>, DbErr> {
    let mut out = Vec::new();
    for d in list_datasets(db).await? {
        if let Some(detail) = dataset_detail(db, &d.slug).await? {
            out.push(detail);
        }
    }
    Ok(out)
}

/// Whether a dataset matches a free-text query as [`search_datasets`] matches one (see
/// [`text_matches`]), also finding its slug, 索引号 and publisher.
pub fn dataset_matches_text(d: &DatasetDetail, q: &str) -> bool {
    let mut hay: Vec<&str> = vec![
        &d.title_zh,
        &d.title_en,
        &d.description_zh,
        &d.description_en,
        &d.slug,
        &d.index_number,
        &d.publisher,
    ];
    hay.extend(d.keywords.iter().map(String::as_str));
    text_matches(&hay, q)
}
