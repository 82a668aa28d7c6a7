//! The root fields beside the record connections: the catalog (`datasets`, `dataset`,
//! `sources`), the region tree with roll-ups, one organization with its registry history,
//! relief time series and disclosure annual reports.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::dynamic::{Field, FieldFuture, FieldValue, Object, ResolverContext, TypeRef};
use async_graphql::{Name, Value};
use schema::descriptor::Kind;
use schema::records::aggregate::{self, Sum};
use schema::records::list::{Cell, Sort};
use schema::records::{Filter, ListRequest};

use super::records::{Info, filter_by, info, infos, read_filter, rows};
use super::values::{
    arg, enum_type, error, fail, from_json_camel, object, opt_str, screaming, source_value,
    sums_value, value_object,
};
use crate::AppState;
use crate::error::ErrorCode;

fn nn(t: &str) -> TypeRef {
    TypeRef::named_nn(t)
}
fn n(t: &str) -> TypeRef {
    TypeRef::named(t)
}

// ---------------------------------------------------------------------------------------------
// Datasets and sources

fn dataset_value(d: &schema::query::DatasetDetail) -> Value {
    let mut v = from_json_camel(serde_json::to_value(d).unwrap_or_default());
    if let Value::Object(m) = &mut v {
        if let Some(Value::List(sources)) = m.get_mut("sources") {
            for s in sources {
                if let Value::Object(s) = s {
                    s.insert(Name::new("dataset"), Value::String(d.slug.clone()));
                }
            }
        }
        let tables: Vec<Value> = schema::records::resources_of(&d.slug)
            .filter_map(|r| info(r.path))
            .map(|i| {
                object([
                    ("resource", Value::String(i.resource.path.to_string())),
                    ("field", Value::String(i.field_name.clone())),
                    ("type", Value::String(i.type_name.clone())),
                    ("titleZh", Value::String(i.resource.title_zh.to_string())),
                    ("titleEn", Value::String(i.resource.title_en.to_string())),
                ])
            })
            .collect();
        m.insert(Name::new("tables"), Value::List(tables));
    }
    v
}

fn catalog_types() -> Vec<Object> {
    let s = TypeRef::STRING;
    vec![
        value_object(
            "Dataset",
            "A dataset of the catalog (数据集) with its metadata as the government-information disclosure rules require.",
            &[
                ("slug", nn(s), "Short name, e.g. `registry`."),
                ("titleZh", nn(s), "Title in Chinese (标题)."),
                ("titleEn", nn(s), "Title in English."),
                ("descriptionZh", nn(s), "Description in Chinese (摘要)."),
                ("descriptionEn", nn(s), "Description in English."),
                ("theme", nn(s), "Theme (主题分类)."),
                ("publisher", nn(s), "Publishing body (发布机构)."),
                ("indexNumber", nn(s), "Index number (索引号)."),
                ("documentNumber", n(s), "Document number (文号)."),
                ("issuedOn", n(s), "Date issued (发文日期)."),
                (
                    "validity",
                    nn(s),
                    "Validity (效力状态): 有效, 失效 or 废止.",
                ),
                (
                    "supersededBy",
                    n(s),
                    "The dataset that replaces it (when no longer valid).",
                ),
                ("updateFrequency", nn(s), "Update frequency (更新频率)."),
                ("temporalCoverage", n(s), "Period covered (时间范围)."),
                ("spatialCoverage", n(s), "Area covered (地域范围)."),
                ("licence", nn(s), "Licence of the data (许可)."),
                ("contact", nn(s), "Contact point (联系方式)."),
                (
                    "keywords",
                    TypeRef::named_nn_list_nn(s),
                    "Keywords (关键词).",
                ),
                (
                    "synthetic",
                    nn(TypeRef::BOOLEAN),
                    "Whether the data is synthetic (for tests and benchmarks), not real.",
                ),
                (
                    "updatedAt",
                    nn(s),
                    "When the metadata or data last changed (UTC).",
                ),
                (
                    "rowCount",
                    nn(TypeRef::INT),
                    "Rows in the current release, all tables.",
                ),
                (
                    "release",
                    n("Release"),
                    "The current published release (null when nothing is published).",
                ),
                (
                    "sources",
                    TypeRef::named_nn_list_nn("Source"),
                    "Source documents of the current release (来源文件).",
                ),
                (
                    "dictionary",
                    TypeRef::named_nn_list_nn("DictionaryField"),
                    "The data dictionary (数据字典): every field of every table, as departments write it.",
                ),
                (
                    "tables",
                    TypeRef::named_nn_list_nn("DatasetTable"),
                    "The tables of the dataset and where to read them.",
                ),
                (
                    "releases",
                    TypeRef::named_nn_list_nn("ReleaseHistoryEntry"),
                    "The public release history, newest first: every release ever published, a withdrawn one with its reason.",
                ),
                (
                    "timeliness",
                    nn("Timeliness"),
                    "The share of releases published within 3 days of their figures' production.",
                ),
                (
                    "corrections",
                    nn("CorrectionCounts"),
                    "The public's corrections (内容纠错) of this dataset.",
                ),
                (
                    "withheld",
                    n(s),
                    "Why the whole dataset is on the negative list (负面清单), when it is; it then has no public release.",
                ),
            ],
        ),
        value_object(
            "ReleaseHistoryEntry",
            "A release in a dataset's public history.",
            &[
                ("id", nn(TypeRef::INT), "Release id."),
                ("version", nn(TypeRef::INT), "Version within the dataset."),
                (
                    "state",
                    nn(s),
                    "`published` (current), `superseded` (效力状态 废止) or `withdrawn` (its rows are no longer public).",
                ),
                (
                    "synthetic",
                    nn(TypeRef::BOOLEAN),
                    "Whether the data is synthetic.",
                ),
                ("rowCount", nn(TypeRef::INT), "Rows in the release."),
                ("createdAt", nn(s), "When it was uploaded (UTC)."),
                ("publishedAt", n(s), "When it was published (UTC)."),
                ("note", n(s), "A note given on upload."),
                (
                    "producedAt",
                    n(s),
                    "When its figures were produced (形成日期).",
                ),
                (
                    "within3Days",
                    n(TypeRef::BOOLEAN),
                    "Whether it was published within 3 days of production (null: no production date).",
                ),
                (
                    "supersededAt",
                    n(s),
                    "When a later release superseded it (UTC).",
                ),
                (
                    "supersededBy",
                    n(TypeRef::INT),
                    "The release that superseded it.",
                ),
                ("withdrawnAt", n(s), "When it was withdrawn (UTC)."),
                (
                    "withdrawnReason",
                    n(s),
                    "Why it was withdrawn: the public notice.",
                ),
                (
                    "changes",
                    n("ReleaseChanges"),
                    "What it changed against the release before it (records per table: `releaseChanges` lists them).",
                ),
            ],
        ),
        value_object(
            "ReleaseChanges",
            "The counts of what a release changed against the release before it.",
            &[
                (
                    "baseReleaseId",
                    n(TypeRef::INT),
                    "The release compared against (null: the first release).",
                ),
                ("added", nn(TypeRef::INT), "Records added."),
                ("removed", nn(TypeRef::INT), "Records removed."),
                ("changed", nn(TypeRef::INT), "Records whose fields changed."),
                ("unchanged", nn(TypeRef::INT), "Records unchanged."),
                (
                    "tables",
                    TypeRef::named_nn_list_nn("TableChanges"),
                    "The same counts per table.",
                ),
            ],
        ),
        value_object(
            "TableChanges",
            "The counts of one table's changes.",
            &[
                ("table", nn(s), "`dataset.table`."),
                ("added", nn(TypeRef::INT), "Records added."),
                ("removed", nn(TypeRef::INT), "Records removed."),
                ("changed", nn(TypeRef::INT), "Records changed."),
                ("unchanged", nn(TypeRef::INT), "Records unchanged."),
            ],
        ),
        value_object(
            "RecordChange",
            "One record a release added, removed or changed.",
            &[
                ("table", nn(s), "`dataset.table`."),
                ("change", nn(s), "`added`, `removed` or `changed`."),
                (
                    "key",
                    nn(s),
                    "The record's key: `column=value` pairs joined by `; `.",
                ),
                (
                    "fields",
                    TypeRef::named_nn_list_nn("FieldChange"),
                    "For a changed record, each changed field (fields on the negative list left out).",
                ),
            ],
        ),
        value_object(
            "FieldChange",
            "One changed field with its old and new value.",
            &[
                ("field", nn(s), "The stored column."),
                ("old", n("JSON"), "The value before."),
                ("new", n("JSON"), "The value after."),
            ],
        ),
        value_object(
            "Timeliness",
            "How timely a dataset's releases were (the disclosure plans ask for 3 days).",
            &[
                (
                    "published",
                    nn(TypeRef::INT),
                    "Releases ever published that record when their figures were produced.",
                ),
                (
                    "within3Days",
                    nn(TypeRef::INT),
                    "Of those, published within 3 days of production.",
                ),
                (
                    "sharePercent",
                    n(s),
                    "The share in percent, one decimal (null when none).",
                ),
                (
                    "undated",
                    nn(TypeRef::INT),
                    "Releases published without a production date.",
                ),
            ],
        ),
        value_object(
            "CorrectionCounts",
            "The public's corrections of a dataset.",
            &[
                ("open", nn(TypeRef::INT), "Reported and not yet resolved."),
                ("resolved", nn(TypeRef::INT), "Resolved by the department."),
            ],
        ),
        value_object(
            "DatasetTable",
            "A table of a dataset: its REST resource and its GraphQL connection.",
            &[
                (
                    "resource",
                    nn(s),
                    "The REST resource (`/api/v1/{resource}`).",
                ),
                (
                    "field",
                    nn(s),
                    "The root connection field in GraphQL, e.g. `organizations`.",
                ),
                (
                    "type",
                    nn(s),
                    "The GraphQL type of a row, e.g. `Organization`.",
                ),
                ("titleZh", nn(s), "Title in Chinese."),
                ("titleEn", nn(s), "Title in English."),
            ],
        ),
        value_object(
            "DictionaryField",
            "One field of a dataset's data dictionary (数据字典).",
            &[
                ("table", nn(s), "The table, e.g. `organizations`."),
                (
                    "position",
                    nn(TypeRef::INT),
                    "Position in the table, from 1.",
                ),
                ("key", nn(s), "Machine name."),
                (
                    "header",
                    nn(s),
                    "The Chinese column header departments write (表头).",
                ),
                (
                    "kind",
                    nn(s),
                    "What it holds: text, money, quantity, region, date …",
                ),
                ("baseUnit", n(s), "Base unit of a figure."),
                (
                    "required",
                    nn(TypeRef::BOOLEAN),
                    "Whether every row must have it.",
                ),
                (
                    "allowedValues",
                    TypeRef::named_nn_list_nn(s),
                    "The values it may take, when a code list.",
                ),
                ("descriptionZh", nn(s), "Description in Chinese."),
                ("descriptionEn", nn(s), "Description in English."),
                (
                    "withheld",
                    nn(TypeRef::BOOLEAN),
                    "On the negative list (不予公开): described, its values never published (null in every row).",
                ),
            ],
        ),
    ]
}

fn release_changes_field() -> Field {
    Field::new(
        "releaseChanges",
        TypeRef::named_list_nn("RecordChange"),
        |ctx: ResolverContext<'_>| {
            FieldFuture::new(async move {
                let state = ctx.data::<AppState>()?;
                let slug = ctx.args.try_get("dataset")?.string()?;
                let id = ctx.args.try_get("release")?.i64()?;
                let offset = match ctx.args.get("offset") {
                    Some(v) if !v.is_null() => v.u64()?,
                    _ => 0,
                };
                let limit = match ctx.args.get("limit") {
                    Some(v) if !v.is_null() => v.u64()?,
                    _ => 100,
                };
                if !(1..=1000).contains(&limit) {
                    return Err(async_graphql::Error::new("limit: between 1 and 1000"));
                }
                let page = schema::query::release_changes(&state.db, slug, id, offset, limit)
                    .await
                    .map_err(fail)?;
                Ok(page.map(|changes| {
                    FieldValue::value(Value::List(
                        changes
                            .into_iter()
                            .map(|c| from_json_camel(serde_json::to_value(c).unwrap_or_default()))
                            .collect(),
                    ))
                }))
            })
        },
    )
    .description("The records a published or superseded release changed against the release before it, with the changed fields (REST: `/api/v1/datasets/{slug}/releases/{id}/changes`); null when the dataset has no such public release.")
    .argument(arg("dataset", nn(TypeRef::STRING), "The dataset's slug."))
    .argument(arg("release", nn(TypeRef::INT), "The release id (from `releases`)."))
    .argument(arg("offset", n(TypeRef::INT), "Changes to skip (default 0)."))
    .argument(arg("limit", n(TypeRef::INT), "Changes to return, 1–1000 (default 100)."))
}

fn datasets_field() -> Field {
    Field::new(
        "datasets",
        TypeRef::named_nn_list_nn("Dataset"),
        |ctx: ResolverContext<'_>| {
            FieldFuture::new(async move {
                let state = ctx.data::<AppState>()?;
                let all = schema::query::dataset_details(&state.db)
                    .await
                    .map_err(fail)?;
                Ok(Some(FieldValue::value(Value::List(
                    all.iter().map(dataset_value).collect(),
                ))))
            })
        },
    )
    .description(
        "Every dataset of the catalog (数据集目录), in catalog order (REST: `/api/v1/datasets`).",
    )
}

fn dataset_field() -> Field {
    Field::new("dataset", n("Dataset"), |ctx: ResolverContext<'_>| {
        FieldFuture::new(async move {
            let state = ctx.data::<AppState>()?;
            let slug = ctx.args.try_get("slug")?.string()?;
            let d = schema::query::dataset_detail(&state.db, slug)
                .await
                .map_err(fail)?;
            Ok(d.map(|d| FieldValue::value(dataset_value(&d))))
        })
    })
    .description("One dataset by its slug, or null (REST: `/api/v1/datasets/{slug}`).")
    .argument(arg(
        "slug",
        nn(TypeRef::STRING),
        "The dataset's slug, e.g. `registry`.",
    ))
}

fn sources_field() -> Field {
    Field::new(
        "sources",
        TypeRef::named_nn_list_nn("Source"),
        |ctx: ResolverContext<'_>| {
            FieldFuture::new(async move {
                let state = ctx.data::<AppState>()?;
                let only = match ctx.args.get("dataset") {
                    Some(v) if !v.is_null() => Some(v.string()?.to_string()),
                    _ => None,
                };
                let all = schema::query::list_datasets(&state.db)
                    .await
                    .map_err(fail)?;
                let out: Vec<Value> = all
                    .iter()
                    .filter(|d| only.as_deref().is_none_or(|s| s == d.slug))
                    .flat_map(|d| d.sources.iter().map(|s| source_value(s, Some(&d.slug))))
                    .collect();
                Ok(Some(FieldValue::value(Value::List(out))))
            })
        },
    )
    .description(
        "The source documents (来源文件) of every dataset's current release, or of one dataset.",
    )
    .argument(arg(
        "dataset",
        n(TypeRef::STRING),
        "Only this dataset's sources.",
    ))
}

// ---------------------------------------------------------------------------------------------
// Regions

fn region_value(r: &schema::region::Region) -> Value {
    object([
        ("code", Value::String(r.code.clone())),
        ("name", Value::String(r.name.clone())),
        ("level", Value::String(r.level.clone())),
        ("parentCode", opt_str(r.parent())),
    ])
}

fn children_of(code: &str) -> Vec<Value> {
    schema::region::all()
        .iter()
        .filter(|r| r.parent() == Some(code))
        .map(region_value)
        .collect()
}

/// The record resources with a region column, and that column.
fn regional() -> Vec<(&'static Arc<Info>, String)> {
    infos()
        .iter()
        .filter_map(|i| {
            i.columns
                .iter()
                .find(|c| c.kind == Some(Kind::Region) && c.name == c.key)
                .map(|c| (i, c.name.clone()))
        })
        .collect()
}

/// One region's roll-up in one resource.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RollupKey {
    pub resource: &'static str,
    pub code: String,
}

/// Rows and exact sums within regions, batched: every region of one level in one grouped
/// total (`aggregate::totals` by province, prefecture or county), so a tree of regions with
/// their roll-ups costs a statement per level, not one per region.
pub struct RollupLoader {
    pub state: AppState,
}

impl Loader<RollupKey> for RollupLoader {
    type Value = Arc<(i64, Vec<Sum>)>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[RollupKey],
    ) -> Result<HashMap<RollupKey, Self::Value>, Self::Error> {
        let regional = regional();
        let mut levels: HashMap<(&'static str, usize), Vec<String>> = HashMap::new();
        for k in keys {
            let len = schema::records::filter::region_prefix(&k.code).len();
            levels
                .entry((k.resource, len))
                .or_default()
                .push(k.code.clone());
        }
        let mut out = HashMap::new();
        for ((path, len), codes) in levels {
            let Some((info, column)) = regional.iter().find(|(i, _)| i.resource.path == path)
            else {
                continue;
            };
            let dim = match len {
                0 => None,
                2 => Some(format!("{column}.province")),
                4 => Some(format!("{column}.prefecture")),
                _ => Some(column.clone()),
            };
            let dims = match &dim {
                Some(d) => aggregate::parse_group_by(info.resource, d).map_err(fail)?,
                None => Vec::new(),
            };
            let filters = [Filter::Within(column.clone(), String::new())];
            let t = aggregate::totals(&self.state.db, info.resource, &filters, &dims, 100_000)
                .await
                .map_err(fail)?;
            // One group per region (the units of figures merged back).
            let keep = usize::from(dim.is_some());
            let mut by_code: HashMap<String, aggregate::Group> = HashMap::new();
            for g in aggregate::regroup(&t.groups, keep) {
                let code = match g.key.first() {
                    None => schema::region::NATION.to_string(),
                    Some(Cell::Text(c)) => c.clone(),
                    Some(_) => continue,
                };
                by_code.insert(code, g);
            }
            for code in codes {
                let (rows, sums) = by_code
                    .remove(&code)
                    .map_or((0, Vec::new()), |g| (g.rows, g.sums));
                out.insert(
                    RollupKey {
                        resource: path,
                        code,
                    },
                    Arc::new((rows, sums)),
                );
            }
        }
        Ok(out)
    }
}

fn region_types() -> (Object, async_graphql::dynamic::Enum) {
    let items: Vec<(String, String)> = regional()
        .iter()
        .map(|(i, c)| {
            (
                screaming(i.resource.path),
                format!("{} (by `{c}`)", i.describe()),
            )
        })
        .collect();
    let resources = enum_type(
        "RegionalResource",
        "The record resources that have a region, for roll-ups.",
        &items,
    );
    let region = Object::new("Region")
        .description("A region of GB/T 2260 (行政区划), as a tree from the nation (000000) down to counties.")
        .field(super::values::value_field("code", nn(TypeRef::STRING), "Six-digit GB/T 2260 code (行政区划代码)."))
        .field(super::values::value_field("name", nn(TypeRef::STRING), "Name (名称)."))
        .field(super::values::value_field("level", nn(TypeRef::STRING), "Level (级别): 国家, 省级, 地级 or 县级."))
        .field(super::values::value_field("parentCode", n(TypeRef::STRING), "Code of the enclosing region (null for the nation)."))
        .field(
            Field::new("children", TypeRef::named_nn_list_nn("Region"), |ctx: ResolverContext<'_>| {
                let code = match ctx.parent_value.as_value() {
                    Some(Value::Object(m)) => m.get("code").and_then(|v| match v {
                        Value::String(s) => Some(s.clone()),
                        _ => None,
                    }),
                    _ => None,
                };
                FieldFuture::from_value(Some(Value::List(
                    code.map(|c| children_of(&c)).unwrap_or_default(),
                )))
            })
            .description("The regions directly under this one."),
        )
        .field(
            Field::new("rollup", nn("RegionRollup"), |ctx: ResolverContext<'_>| {
                FieldFuture::new(async move {
                    let code = match ctx.parent_value.as_value() {
                        Some(Value::Object(m)) => match m.get("code") {
                            Some(Value::String(s)) => s.clone(),
                            _ => return Ok(None),
                        },
                        _ => return Ok(None),
                    };
                    let which = ctx.args.try_get("resource")?.enum_name()?.to_string();
                    let Some((info, _)) = regional()
                        .into_iter()
                        .find(|(i, _)| screaming(i.resource.path) == which)
                    else {
                        return Err(error(ErrorCode::InvalidParameter, format!("resource: {which}")));
                    };
                    let loader = ctx.data::<DataLoader<RollupLoader>>()?;
                    let got = loader
                        .load_one(RollupKey {
                            resource: info.resource.path,
                            code: code.clone(),
                        })
                        .await?
                        .unwrap_or_default();
                    Ok(Some(FieldValue::value(object([
                        ("resource", Value::String(info.resource.path.to_string())),
                        ("code", Value::String(code)),
                        ("rows", Value::from(got.0)),
                        ("sums", sums_value(&got.1)),
                    ]))))
                })
            })
            .description("Rows of a resource within this region and everything under it, with exact sums (汇总): the same as filtering REST by `region_code_within`.")
            .argument(arg("resource", nn("RegionalResource"), "The resource to roll up.")),
        );
    (region, resources)
}

fn rollup_type() -> Object {
    value_object(
        "RegionRollup",
        "A resource's rows within a region and under it, with exact sums.",
        &[
            ("resource", nn(TypeRef::STRING), "The record resource."),
            ("code", nn(TypeRef::STRING), "The region."),
            ("rows", nn(TypeRef::INT), "Rows within the region."),
            (
                "sums",
                TypeRef::named_nn_list_nn("Sum"),
                "Exact sums of every measure within the region.",
            ),
        ],
    )
}

fn regions_field() -> Field {
    Field::new(
        "regions",
        TypeRef::named_nn_list_nn("Region"),
        |ctx: ResolverContext<'_>| {
            FieldFuture::new(async move {
                let parent = match ctx.args.get("parent") {
                    Some(v) if !v.is_null() => v.string()?.to_string(),
                    _ => schema::region::NATION.to_string(),
                };
                if schema::region::get(&parent).is_none() {
                    return Err(error(
                        ErrorCode::InvalidParameter,
                        format!("parent: “{parent}” is not a GB/T 2260 region code"),
                    ));
                }
                Ok(Some(FieldValue::value(Value::List(children_of(&parent)))))
            })
        },
    )
    .description(
        "The regions directly under `parent` (default: the provinces), each a tree with roll-ups.",
    )
    .argument(arg(
        "parent",
        n(TypeRef::STRING),
        "A six-digit region code; default 000000 (the nation).",
    ))
}

fn region_field() -> Field {
    Field::new("region", n("Region"), |ctx: ResolverContext<'_>| {
        let code = ctx
            .args
            .get("code")
            .and_then(|v| v.string().ok().map(str::to_string));
        FieldFuture::from_value(code.and_then(|c| schema::region::get(&c)).map(region_value))
    })
    .description("One region by its GB/T 2260 code, or null.")
    .argument(arg(
        "code",
        nn(TypeRef::STRING),
        "Six-digit code, e.g. 110000; 000000 is the nation.",
    ))
}

// ---------------------------------------------------------------------------------------------
// One organization, relief series, disclosure reports

fn organization_field() -> Option<Field> {
    let info = info("organizations")?.clone();
    Some(
        Field::new("organization", n(&info.type_name), move |ctx: ResolverContext<'_>| {
            let info = info.clone();
            FieldFuture::new(async move {
                let state = ctx.data::<AppState>()?;
                let code = ctx.args.try_get("uscc")?.string()?.trim().to_uppercase();
                let req = ListRequest {
                    count: false,
                    ..ListRequest::new(vec![Filter::TextIn("uscc".into(), vec![code])], Sort::by_id(), 1)
                };
                let page = schema::records::list(&state.db, &state.releases, info.resource, &req)
                    .await
                    .map_err(fail)?;
                if page.rows.is_empty() {
                    return Ok(None);
                }
                let rows = Arc::new(super::records::Rows {
                    info: info.clone(),
                    rows: Arc::new(page.rows),
                    release: page.release,
                    sort: page.sort,
                });
                Ok(rows.nodes().next().map(FieldValue::owned_any))
            })
        })
        .description("One social organization by its unified social credit code (统一社会信用代码), with its inspections, evaluations, penalties, credit listings and charity filings; null when not registered (REST: `/api/v1/organizations/{uscc}`).")
        .argument(arg("uscc", nn(TypeRef::STRING), "The 18-character credit code.")),
    )
}

fn parent_text(ctx: &ResolverContext<'_>, key: &str) -> Option<String> {
    match ctx.parent_value.as_value() {
        Some(Value::Object(m)) => match m.get(key) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        },
        _ => None,
    }
}

fn relief_series() -> Option<(Field, Object)> {
    let stats = info("relief-stats")?.clone();
    let series = Object::new("ReliefSeries")
        .description("A time series of one social-assistance indicator (社会救助统计) in one region and programme, in period order.")
        .field(super::values::value_field("region", nn("Region"), "The region."))
        .field(super::values::value_field("programme", nn(TypeRef::STRING), "The programme (救助项目), e.g. 城市低保."))
        .field(super::values::value_field("indicator", nn(TypeRef::STRING), "The indicator (指标), e.g. 保障人数."))
        .field({
            let stats = stats.clone();
            Field::new(
                "points",
                TypeRef::named_nn_list_nn(&stats.type_name),
                move |ctx: ResolverContext<'_>| {
                    let stats = stats.clone();
                    FieldFuture::new(async move {
                        let region = parent_text(&ctx, "regionCode").unwrap_or_default();
                        let programme = parent_text(&ctx, "programme").unwrap_or_default();
                        let indicator = parent_text(&ctx, "indicator").unwrap_or_default();
                        let filters = vec![
                            filter_by(&stats, "region_code", &[&region], "region")?,
                            filter_by(&stats, "programme", &[&programme], "programme")?,
                            filter_by(&stats, "indicator", &[&indicator], "indicator")?,
                        ];
                        let sort = Sort::parse(stats.resource, "period").map_err(fail)?;
                        rows(&ctx, &stats, filters, sort, super::records::MAX_PAGE)
                            .await
                            .map(Some)
                    })
                },
            )
            .description("The figures, one per period and breakdown, in period order (at most 1000).")
        });
    let field = Field::new("reliefSeries", nn("ReliefSeries"), move |ctx: ResolverContext<'_>| {
        let stats = stats.clone();
        FieldFuture::new(async move {
            let region = ctx.args.try_get("region")?.string()?.to_string();
            let programme = ctx.args.try_get("programme")?.string()?.to_string();
            let indicator = ctx.args.try_get("indicator")?.string()?.to_string();
            // Checked as the filters check them, so a bad value is named before any read.
            filter_by(&stats, "region_code", &[&region], "region")?;
            filter_by(&stats, "programme", &[&programme], "programme")?;
            filter_by(&stats, "indicator", &[&indicator], "indicator")?;
            let r = schema::region::get(&region).ok_or_else(|| {
                error(
                    ErrorCode::InvalidParameter,
                    format!("region: “{region}” is not a GB/T 2260 region code"),
                )
            })?;
            Ok(Some(FieldValue::value(object([
                ("region", region_value(r)),
                ("regionCode", Value::String(region)),
                ("programme", Value::String(programme)),
                ("indicator", Value::String(indicator)),
            ]))))
        })
    })
    .description("A social-assistance time series (社会救助时间序列): one indicator of one programme in one region, period by period.")
    .argument(arg("region", nn(TypeRef::STRING), "Six-digit region code, e.g. 110000."))
    .argument(arg("programme", nn(TypeRef::STRING), "The programme (救助项目), e.g. 城市低保."))
    .argument(arg("indicator", nn(TypeRef::STRING), "The indicator (指标), e.g. 保障人数."));
    Some((field, series))
}

fn disclosure_reports() -> Option<(Field, Object)> {
    let cells = info("annual-report-cells")?.clone();
    let report = Object::new("DisclosureReport")
        .description("A government-information disclosure annual report (政府信息公开工作年度报告) of one agency and year, as its figures.")
        .field(super::values::value_field("agency", nn(TypeRef::STRING), "The reporting agency (报告机关)."))
        .field(super::values::value_field("regionCode", n(TypeRef::STRING), "The agency's region (GB/T 2260)."))
        .field(super::values::value_field("year", nn(TypeRef::INT), "The year reported on (年度)."))
        .field(super::values::value_field("cellCount", nn(TypeRef::INT), "Figures in the report."))
        .field({
            let cells = cells.clone();
            Field::new(
                "cells",
                TypeRef::named_nn_list_nn(&cells.type_name),
                move |ctx: ResolverContext<'_>| {
                    let cells = cells.clone();
                    FieldFuture::new(async move {
                        let agency = parent_text(&ctx, "agency").unwrap_or_default();
                        let year = parent_text(&ctx, "year").unwrap_or_default();
                        let mut filters = vec![
                            filter_by(&cells, "agency", &[&agency], "agency")?,
                            filter_by(&cells, "year", &[&year], "year")?,
                        ];
                        if let Some(r) = parent_text(&ctx, "regionCode") {
                            filters.push(filter_by(&cells, "region_code", &[&r], "regionCode")?);
                        }
                        rows(&ctx, &cells, filters, Sort::by_id(), super::records::MAX_PAGE)
                            .await
                            .map(Some)
                    })
                },
            )
            .description("The report's figures (表二 to 表五), in the order of the report (at most 1000).")
        });
    let field = Field::new(
        "disclosureReports",
        TypeRef::named_nn_list_nn("DisclosureReport"),
        move |ctx: ResolverContext<'_>| {
            let cells = cells.clone();
            FieldFuture::new(async move {
                let state = ctx.data::<AppState>()?;
                let filters = read_filter(&cells, &ctx)?;
                let dims = aggregate::parse_group_by(cells.resource, "agency,region_code,year")
                    .map_err(fail)?;
                let t = aggregate::totals(&state.db, cells.resource, &filters, &dims, 10_000)
                    .await
                    .map_err(fail)?;
                // Figures in different units are separate groups of one report: merge them.
                let reports = aggregate::regroup(&t.groups, 3);
                let value = |c: Option<&Cell>| match c {
                    Some(Cell::Text(s)) => Value::String(s.clone()),
                    Some(Cell::Int(i)) => Value::from(*i),
                    _ => Value::Null,
                };
                Ok(Some(FieldValue::value(Value::List(
                    reports
                        .iter()
                        .map(|r| {
                            object([
                                ("agency", value(r.key.first())),
                                ("regionCode", value(r.key.get(1))),
                                ("year", value(r.key.get(2))),
                                ("cellCount", Value::from(r.rows)),
                            ])
                        })
                        .collect(),
                ))))
            })
        },
    )
    .description("Disclosure annual reports (政府信息公开工作年度报告), one per agency and year, each with its figures.")
    .argument(arg(
        "filter",
        n(&format!("{}Filter", cells_type_name())),
        "Only reports with figures matching these filters (e.g. a year, a region).",
    ));
    Some((field, report))
}

fn cells_type_name() -> String {
    info("annual-report-cells")
        .map(|i| i.type_name.clone())
        .unwrap_or_default()
}

/// The types and root fields of this module.
pub struct Parts {
    pub objects: Vec<Object>,
    pub enums: Vec<async_graphql::dynamic::Enum>,
    pub root_fields: Vec<Field>,
}

pub fn parts() -> Parts {
    let mut objects = catalog_types();
    let (region, regional_enum) = region_types();
    objects.push(region);
    objects.push(rollup_type());
    let mut root_fields = vec![
        datasets_field(),
        dataset_field(),
        release_changes_field(),
        sources_field(),
        regions_field(),
        region_field(),
    ];
    root_fields.extend(organization_field());
    if let Some((f, o)) = relief_series() {
        root_fields.push(f);
        objects.push(o);
    }
    if let Some((f, o)) = disclosure_reports() {
        root_fields.push(f);
        objects.push(o);
    }
    Parts {
        objects,
        enums: vec![regional_enum],
        root_fields,
    }
}
