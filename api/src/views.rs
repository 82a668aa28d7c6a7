//! The wire format of the REST API: every field documented, with an example. Views are built
//! from `schema::query` results; handlers never shape data themselves.

use serde::Serialize;
use utoipa::ToSchema;

/// A source document behind the figures of a release.
#[derive(Debug, Serialize, ToSchema)]
pub struct Source {
    /// Stable id of the source.
    #[schema(example = 7)]
    pub id: i64,
    /// Title of the document.
    #[schema(example = "常德市民政局2017年度政府信息公开工作报告")]
    pub title: String,
    /// Where the document was read, when known.
    #[schema(example = "https://mzj.changde.gov.cn/zwgk/public/6617352/3635895181.html")]
    pub url: Option<String>,
    /// Publisher and date as written in the source.
    #[schema(example = "常德市民政局 2018-03-16")]
    pub publisher_date: Option<String>,
    /// Document number (文号), when the source has one.
    #[schema(example = "国办公开办函〔2021〕30号")]
    pub document_number: Option<String>,
    /// A: official government site; B: mainstream media or research institute; C: reprint or no
    /// URL (check against the original); S: synthetic.
    #[schema(example = "A")]
    pub grade: Option<String>,
    /// Rows of the release that cite this source.
    #[schema(example = 18)]
    pub rows: i64,
}

impl From<schema::query::SourceView> for Source {
    fn from(s: schema::query::SourceView) -> Self {
        Source {
            id: s.id,
            title: s.title,
            url: s.url,
            publisher_date: s.publisher_date,
            document_number: s.document_number,
            grade: s.grade,
            rows: s.rows,
        }
    }
}

/// The release a dataset currently publishes.
#[derive(Debug, Serialize, ToSchema)]
pub struct Release {
    /// Release id.
    #[schema(example = 3)]
    pub id: i64,
    /// Version number within the dataset, from 1.
    #[schema(example = 1)]
    pub version: i32,
    /// When it was published (UTC, RFC 3339).
    #[schema(example = "2026-11-22T12:00:00Z")]
    pub published_at: Option<String>,
    /// Rows in the release.
    #[schema(example = 215)]
    pub row_count: i64,
    /// Rows per table.
    #[schema(value_type = Object, example = json!({"relief.stats": 215}))]
    pub row_counts: serde_json::Value,
}

impl From<schema::query::ReleaseView> for Release {
    fn from(r: schema::query::ReleaseView) -> Self {
        Release {
            id: r.id,
            version: r.version,
            published_at: r.published_at,
            row_count: r.row_count,
            row_counts: r.row_counts,
        }
    }
}

/// A dataset in the catalog list.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetSummary {
    /// Stable identifier used in every URL.
    #[schema(example = "relief")]
    pub slug: String,
    /// Title in Simplified Chinese.
    #[schema(example = "社会救助统计")]
    pub title_zh: String,
    /// Title in English.
    #[schema(example = "Social-assistance statistics")]
    pub title_en: String,
    /// Theme.
    #[schema(example = "social-assistance")]
    pub theme: String,
    /// Publisher (发布机构).
    #[schema(example = "gongkai 民政公开数据目录（汇编自各级民政部门公开文件）")]
    pub publisher: String,
    /// Index number (索引号).
    #[schema(example = "GK-MZ-03-relief")]
    pub index_number: String,
    /// Validity (效力状态): 有效 or 废止.
    #[schema(example = "有效")]
    pub validity: String,
    /// True for generated data used in scale tests.
    #[schema(example = false)]
    pub synthetic: bool,
    /// Rows in the current published release (0 when nothing is published).
    #[schema(example = 215)]
    pub row_count: i64,
    /// The current published release.
    pub release: Option<Release>,
    /// Sources of the current release, most cited first.
    pub sources: Vec<Source>,
    /// Years the rows of the current release cover (their reporting periods).
    #[schema(example = json!([2020, 2021]))]
    pub years: Vec<i32>,
    /// Province-level regions with rows in the current release (`000000`: national rows).
    #[schema(example = json!(["000000", "430000"]))]
    pub regions: Vec<String>,
}

impl From<schema::query::DatasetHit> for DatasetSummary {
    fn from(h: schema::query::DatasetHit) -> Self {
        let d = h.summary;
        DatasetSummary {
            years: h.coverage.years,
            regions: h.coverage.regions,
            slug: d.slug,
            title_zh: d.title_zh,
            title_en: d.title_en,
            theme: d.theme,
            publisher: d.publisher,
            index_number: d.index_number,
            validity: d.validity,
            synthetic: d.synthetic,
            row_count: d.row_count,
            release: d.release.map(Into::into),
            sources: d.sources.into_iter().map(Into::into).collect(),
        }
    }
}

/// The catalog: every dataset.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetList {
    /// Datasets matching the query, in catalog order.
    pub datasets: Vec<DatasetSummary>,
    /// How many datasets match.
    #[schema(example = 5)]
    pub total: i64,
    /// Counts of the matching datasets by theme, publisher, year and province.
    pub facets: Facets,
}

/// One value of a facet.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetValue {
    /// The value, as the list's filter takes it.
    #[schema(example = "430000")]
    pub value: String,
    /// A readable name, where the value is a code.
    #[schema(example = "湖南省")]
    pub label: Option<String>,
    /// Matching datasets with this value.
    #[schema(example = 3)]
    pub count: i64,
}

/// Facet counts over the matching datasets, most frequent first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Facets {
    /// By theme.
    pub theme: Vec<FacetValue>,
    /// By publisher (发布机构).
    pub publisher: Vec<FacetValue>,
    /// By year covered.
    pub year: Vec<FacetValue>,
    /// By province covered.
    pub region: Vec<FacetValue>,
}

impl From<schema::query::Facets> for Facets {
    fn from(f: schema::query::Facets) -> Self {
        let conv = |v: Vec<schema::query::FacetValue>| {
            v.into_iter()
                .map(|x| FacetValue {
                    value: x.value,
                    label: x.label,
                    count: x.count,
                })
                .collect()
        };
        Facets {
            theme: conv(f.theme),
            publisher: conv(f.publisher),
            year: conv(f.year),
            region: conv(f.region),
        }
    }
}

/// One field of the data dictionary.
#[derive(Debug, Serialize, ToSchema)]
pub struct Field {
    /// Table of the dataset the field belongs to.
    #[schema(example = "stats")]
    pub table: String,
    /// Position in the table's import format.
    #[schema(example = 7)]
    pub position: i32,
    /// Machine name.
    #[schema(example = "value")]
    pub key: String,
    /// Header as departments write it.
    #[schema(example = "数值")]
    pub header: String,
    /// text, region_code, year, period, date, money_fen, figure, unit, uscc, boolean or enum.
    #[schema(example = "figure")]
    pub kind: String,
    /// Unit the value is stored in, for money and figures.
    #[schema(example = "分")]
    pub base_unit: Option<String>,
    /// Whether every row must have it.
    #[schema(example = true)]
    pub required: bool,
    /// Allowed values of an enumerated field.
    #[schema(example = json!(["户数", "人数"]))]
    pub allowed_values: Vec<String>,
    /// Description in Chinese.
    #[schema(example = "数值，按单位换算为整数；原文照录")]
    pub description_zh: String,
    /// Description in English.
    #[schema(example = "Value, normalised to an integer in the base unit")]
    pub description_en: String,
    /// On the negative list (负面清单, 不予公开): described here, its values never published
    /// (record lists show null, downloads an empty cell).
    #[schema(example = false)]
    pub withheld: bool,
}

/// A release in the public history of a dataset.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReleaseHistoryEntry {
    /// Release id.
    #[schema(example = 3)]
    pub id: i64,
    /// Version number within the dataset.
    #[schema(example = 1)]
    pub version: i32,
    /// `published` (current), `superseded` (效力状态 废止, see `superseded_by`) or `withdrawn`
    /// (its rows are no longer public; `withdrawn_reason` says why).
    #[schema(example = "published")]
    pub state: String,
    /// True for generated data.
    #[schema(example = false)]
    pub synthetic: bool,
    /// Rows in the release.
    #[schema(example = 215)]
    pub row_count: i64,
    /// Rows per table.
    #[schema(value_type = Object, example = json!({"relief.stats": 215}))]
    pub row_counts: serde_json::Value,
    /// The imported files with format, size, SHA-256 and rows.
    #[schema(value_type = Vec<Object>, example = json!([{"name": "stats.csv", "table": "relief.stats", "format": "csv (UTF-8)", "bytes": 91234, "sha256": "9f…", "rows": 215}]))]
    pub files: serde_json::Value,
    /// When the import created it (UTC).
    #[schema(example = "2026-11-22T12:00:00Z")]
    pub created_at: String,
    /// When it was published (UTC).
    #[schema(example = "2026-11-22T12:00:00Z")]
    pub published_at: Option<String>,
    /// A note given on import.
    #[schema(example = "data/real（项目附带的真实公开数据）")]
    pub note: Option<String>,
    /// When its figures were produced (形成日期), as given on upload.
    #[schema(example = "2026-11-20")]
    pub produced_at: Option<String>,
    /// Whether it was published within 3 days of production (China Standard Time calendar
    /// days); null when no production date is recorded.
    #[schema(example = true)]
    pub within_3_days: Option<bool>,
    /// When a later release superseded it (UTC).
    #[schema(example = json!(null))]
    pub superseded_at: Option<String>,
    /// The release that superseded it.
    #[schema(example = json!(null))]
    pub superseded_by: Option<i64>,
    /// When it was withdrawn (UTC).
    #[schema(example = json!(null))]
    pub withdrawn_at: Option<String>,
    /// Why it was withdrawn: the public notice.
    #[schema(example = json!(null))]
    pub withdrawn_reason: Option<String>,
    /// What it changed against the release before it; each changed record with its fields is
    /// at `/api/v1/datasets/{slug}/releases/{id}/changes`.
    pub changes: Option<ReleaseChanges>,
}

impl From<schema::query::ReleaseHistoryView> for ReleaseHistoryEntry {
    fn from(r: schema::query::ReleaseHistoryView) -> Self {
        ReleaseHistoryEntry {
            id: r.id,
            version: r.version,
            state: r.state,
            synthetic: r.synthetic,
            row_count: r.row_count,
            row_counts: r.row_counts,
            files: r.files,
            created_at: r.created_at,
            published_at: r.published_at,
            note: r.note,
            produced_at: r.produced_at,
            within_3_days: r.within_3_days,
            superseded_at: r.superseded_at,
            superseded_by: r.superseded_by,
            withdrawn_at: r.withdrawn_at,
            withdrawn_reason: r.withdrawn_reason,
            changes: r.changes.map(Into::into),
        }
    }
}

/// The counts of what a release changed against the release before it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReleaseChanges {
    /// The release compared against (null: the dataset's first release).
    #[schema(example = 3)]
    pub base_release_id: Option<i64>,
    /// Records added.
    #[schema(example = 12)]
    pub added: u64,
    /// Records removed.
    #[schema(example = 0)]
    pub removed: u64,
    /// Records whose fields changed (matched on the table's key).
    #[schema(example = 2)]
    pub changed: u64,
    /// Records unchanged.
    #[schema(example = 201)]
    pub unchanged: u64,
    /// The same counts per table.
    pub tables: Vec<TableChanges>,
}

/// The counts of one table's changes.
#[derive(Debug, Serialize, ToSchema)]
pub struct TableChanges {
    /// `dataset.table`.
    #[schema(example = "relief.stats")]
    pub table: String,
    /// Records added.
    #[schema(example = 12)]
    pub added: u64,
    /// Records removed.
    #[schema(example = 0)]
    pub removed: u64,
    /// Records changed.
    #[schema(example = 2)]
    pub changed: u64,
    /// Records unchanged.
    #[schema(example = 201)]
    pub unchanged: u64,
}

impl From<schema::workflow::diff::Diff> for ReleaseChanges {
    fn from(d: schema::workflow::diff::Diff) -> Self {
        ReleaseChanges {
            base_release_id: d.base_release_id,
            added: d.added,
            removed: d.removed,
            changed: d.changed,
            unchanged: d.unchanged,
            tables: d
                .tables
                .into_iter()
                .map(|t| TableChanges {
                    table: t.table,
                    added: t.added,
                    removed: t.removed,
                    changed: t.changed,
                    unchanged: t.unchanged,
                })
                .collect(),
        }
    }
}

/// One record a release added, removed or changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordChange {
    /// `dataset.table`.
    #[schema(example = "relief.stats")]
    pub table: String,
    /// `added`, `removed` or `changed`.
    #[schema(example = "changed")]
    pub change: String,
    /// The record's key: `column=value` pairs joined by `; `.
    #[schema(
        example = "region_code=430700; period=2017; programme=农村低保; indicator=人数; group="
    )]
    pub key: String,
    /// For a changed record, each changed field with its old and new value (fields on the
    /// negative list are left out).
    pub fields: Vec<FieldChange>,
}

/// One changed field.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldChange {
    /// The stored column.
    #[schema(example = "value")]
    pub field: String,
    /// The value before.
    #[schema(value_type = Object, example = 52300)]
    pub old: serde_json::Value,
    /// The value after.
    #[schema(value_type = Object, example = 52400)]
    pub new: serde_json::Value,
}

impl From<schema::workflow::diff::Change> for RecordChange {
    fn from(c: schema::workflow::diff::Change) -> Self {
        RecordChange {
            table: c.table,
            change: c.change,
            key: c.key,
            fields: c
                .fields
                .into_iter()
                .map(|f| FieldChange {
                    field: f.field,
                    old: f.old,
                    new: f.new,
                })
                .collect(),
        }
    }
}

/// The changes of a release, a page at a time.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordChanges {
    /// The release.
    #[schema(example = 6)]
    pub release_id: i64,
    /// The records, in order (added, changed, then removed per table; at most 1,000 of each
    /// kind per table are kept, the counts in the release are exact).
    pub changes: Vec<RecordChange>,
    /// The `offset` of the next page, when there is one.
    #[schema(example = json!(null))]
    pub next_offset: Option<u64>,
}

/// How timely a dataset's releases were.
#[derive(Debug, Serialize, ToSchema)]
pub struct Timeliness {
    /// Releases ever published that record when their figures were produced.
    #[schema(example = 4)]
    pub published: u64,
    /// Of those, published within 3 days of production (the rule of the disclosure plans).
    #[schema(example = 3)]
    pub within_3_days: u64,
    /// `within_3_days / published` in percent, one decimal, rounded half up; null when none.
    #[schema(example = "75.0")]
    pub share_percent: Option<String>,
    /// Releases published without a production date (the data shipped with gongkai).
    #[schema(example = 1)]
    pub undated: u64,
}

/// The public's corrections of a dataset.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionCounts {
    /// Reported and not yet resolved.
    #[schema(example = 1)]
    pub open: u64,
    /// Resolved by the department.
    #[schema(example = 4)]
    pub resolved: u64,
}

/// Everything public about one dataset.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetDetail {
    /// Stable identifier.
    #[schema(example = "relief")]
    pub slug: String,
    /// Title in Simplified Chinese.
    #[schema(example = "社会救助统计")]
    pub title_zh: String,
    /// Title in English.
    #[schema(example = "Social-assistance statistics")]
    pub title_en: String,
    /// Description in Simplified Chinese.
    #[schema(example = "城乡低保、特困人员救助供养、临时救助、医疗救助等的户数、人数……")]
    pub description_zh: String,
    /// Description in English.
    #[schema(example = "Households, persons, person-times, standards …")]
    pub description_en: String,
    /// Theme.
    #[schema(example = "social-assistance")]
    pub theme: String,
    /// Publisher (发布机构).
    #[schema(example = "gongkai 民政公开数据目录（汇编自各级民政部门公开文件）")]
    pub publisher: String,
    /// Index number (索引号).
    #[schema(example = "GK-MZ-03-relief")]
    pub index_number: String,
    /// Document number (文号) of the document that orders the disclosure, if any.
    #[schema(example = "国办公开办函〔2021〕30号")]
    pub document_number: Option<String>,
    /// Issue date (发文日期) of that document.
    #[schema(example = "2021-09-26")]
    pub issued_on: Option<String>,
    /// Validity (效力状态): 有效 or 废止.
    #[schema(example = "有效")]
    pub validity: String,
    /// The dataset that supersedes this one, when 废止.
    #[schema(example = json!(null))]
    pub superseded_by: Option<String>,
    /// Update frequency.
    #[schema(example = "monthly")]
    pub update_frequency: String,
    /// Temporal coverage: the catalog's, else the first and last year the rows cover
    /// (`2017/2024`, or one year).
    #[schema(example = "2017/2024")]
    pub temporal_coverage: Option<String>,
    /// Spatial coverage.
    #[schema(example = "中国")]
    pub spatial_coverage: Option<String>,
    /// Licence.
    #[schema(example = "政府信息公开数据；汇编部分 CC BY 4.0")]
    pub licence: String,
    /// Contact point.
    #[schema(example = "gongkai 维护者（内容纠错通道见各数据集页面）")]
    pub contact: String,
    /// Keywords.
    #[schema(example = json!(["低保", "特困"]))]
    pub keywords: Vec<String>,
    /// True for generated data.
    #[schema(example = false)]
    pub synthetic: bool,
    /// When the catalog entry last changed (UTC).
    #[schema(example = "2026-11-22T12:00:00Z")]
    pub updated_at: String,
    /// Rows in the current published release.
    #[schema(example = 215)]
    pub row_count: i64,
    /// The current published release.
    pub release: Option<Release>,
    /// Public release history, newest first.
    pub releases: Vec<ReleaseHistoryEntry>,
    /// The data dictionary of every table of the dataset.
    pub dictionary: Vec<Field>,
    /// Sources of the current release, most cited first.
    pub sources: Vec<Source>,
    /// The share of releases published within 3 days of their figures' production.
    pub timeliness: Timeliness,
    /// The public's corrections (内容纠错) of this dataset.
    pub corrections: CorrectionCounts,
    /// When the whole dataset is on the negative list (负面清单): why. It then has no public
    /// release.
    #[schema(example = json!(null))]
    pub withheld: Option<String>,
}

impl From<schema::query::DatasetDetail> for DatasetDetail {
    fn from(d: schema::query::DatasetDetail) -> Self {
        DatasetDetail {
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
            temporal_coverage: d.temporal_coverage,
            spatial_coverage: d.spatial_coverage,
            licence: d.licence,
            contact: d.contact,
            keywords: d.keywords,
            synthetic: d.synthetic,
            updated_at: d.updated_at,
            row_count: d.row_count,
            release: d.release.map(Into::into),
            releases: d
                .releases
                .into_iter()
                .map(ReleaseHistoryEntry::from)
                .collect(),
            dictionary: d
                .dictionary
                .into_iter()
                .map(|f| Field {
                    table: f.table,
                    position: f.position,
                    key: f.key,
                    header: f.header,
                    kind: f.kind,
                    base_unit: f.base_unit,
                    required: f.required,
                    allowed_values: f.allowed_values,
                    description_zh: f.description_zh,
                    description_en: f.description_en,
                    withheld: f.withheld,
                })
                .collect(),
            sources: d.sources.into_iter().map(Into::into).collect(),
            timeliness: Timeliness {
                published: d.timeliness.published,
                within_3_days: d.timeliness.within_3_days,
                share_percent: d.timeliness.share_percent,
                undated: d.timeliness.undated,
            },
            corrections: CorrectionCounts {
                open: d.corrections.open,
                resolved: d.corrections.resolved,
            },
            withheld: d.withheld,
        }
    }
}

/// The answer of `GET /healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the answer is 200.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// The database behind this server: `sqlite` or `postgres`.
    #[schema(example = "sqlite")]
    pub database: &'static str,
}

/// An amount of money, exact.
#[derive(Debug, Serialize, ToSchema)]
pub struct Money {
    /// The amount in fen (分), an integer.
    #[schema(example = 2452662)]
    pub fen: i64,
    /// The same amount in yuan as an exact decimal string.
    #[schema(example = "24526.62")]
    pub yuan: String,
    /// The amount as the source published it, unit included.
    #[schema(example = "2.452662万元")]
    pub published: Option<String>,
}

/// A figure in its base unit, with its text as published.
#[derive(Debug, Serialize, ToSchema)]
pub struct Figure {
    /// The value as an integer in the base unit.
    #[schema(example = 222200)]
    pub value: i64,
    /// The base unit: persons, households, person_times, fen, yuan_per_person_month, bp (0.01%) ….
    #[schema(example = "persons")]
    pub unit: String,
    /// The figure as the source published it.
    #[schema(example = "22.22万人")]
    pub published: String,
}

/// The source of a row.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordSource {
    /// Source id (see the dataset's sources).
    #[schema(example = 7)]
    pub id: i64,
    /// Title of the source document.
    #[schema(example = "2021年民政事业发展统计公报")]
    pub title: Option<String>,
    /// Where the document was read.
    #[schema(example = "https://www.mca.gov.cn/")]
    pub url: Option<String>,
}

/// An exact sum in one group.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotalsSum {
    /// The summed column.
    #[schema(example = "value")]
    pub measure: String,
    /// `fen` for money, else the figure's base unit.
    #[schema(example = "persons")]
    pub unit: String,
    /// The exact sum as a decimal integer string (it may exceed 64 bits).
    #[schema(example = "3518000")]
    pub total: String,
    /// For money: the sum in yuan as an exact decimal string.
    #[schema(example = json!(null))]
    pub yuan: Option<String>,
    /// Rows with a value for this column.
    #[schema(example = 31)]
    pub count: i64,
}

/// One group of a totals answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotalsGroup {
    /// The group's value of each dimension (and of each figure's unit).
    #[schema(value_type = std::collections::BTreeMap<String, serde_json::Value>, example = json!({"region_code.province": "110000", "value_unit": "persons"}))]
    pub key: serde_json::Map<String, serde_json::Value>,
    /// Rows behind the sums.
    #[schema(example = 12)]
    pub rows: i64,
    /// One exact sum per summed column.
    pub sums: Vec<TotalsSum>,
}

/// Group-by totals of a resource.
#[derive(Debug, Serialize, ToSchema)]
pub struct Totals {
    /// The resource.
    #[schema(example = "relief-stats")]
    pub resource: String,
    /// Its dataset.
    #[schema(example = "relief")]
    pub dataset: String,
    /// The published release summed (null when nothing is published).
    pub release: Option<Release>,
    /// The dimensions, then each figure's unit.
    #[schema(example = json!(["region_code.province", "value_unit"]))]
    pub group_by: Vec<String>,
    /// More groups exist than were returned.
    #[schema(example = false)]
    pub truncated: bool,
    /// The groups, in dimension order.
    pub groups: Vec<TotalsGroup>,
    /// Totals of the whole selection (per unit).
    pub overall: Vec<TotalsGroup>,
}
