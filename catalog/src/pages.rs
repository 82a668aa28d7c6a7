//! The pages in every language: home, dataset list (and one page per filter value, so filtering
//! works without JavaScript), one page per dataset, search, and 404. Each page's context is a
//! plain view made here from the query layer's views; the templates only lay it out.

use std::collections::BTreeMap;

use schema::query::{DatasetDetail, DatasetQuery, ReleaseCache};
use schema::records::FieldType;
use schema::records::aggregate::{Totals, parse_group_by, totals};
use schema::records::filter::parse_params;
use schema::records::list::{ListRequest, Sort};
use schema::records::view::{flat_row, money_mask};
use sea_orm::DatabaseConnection;
use serde::Serialize;

use crate::BuildError;
use crate::charts::{self, Chart, Point, Series};
use crate::downloads::{Download, Files, documents_links};
use crate::i18n::Lang;
use crate::search::{DatasetEntry, write_dataset_index as write_index};
use crate::site::{Site, script_json};

/// Every dataset with a public release history, in catalog order: those with a published
/// release, and those whose releases were all withdrawn or superseded (their pages keep the
/// notices; they have no data, downloads or documents).
pub async fn public(db: &DatabaseConnection) -> Result<Vec<DatasetDetail>, BuildError> {
    Ok(schema::query::dataset_details(db)
        .await?
        .into_iter()
        .filter(|d| d.release.is_some() || !d.releases.is_empty())
        .collect())
}

/// A dataset in a list.
#[derive(Debug, Serialize)]
struct Card {
    slug: String,
    href: String,
    title: String,
    description: String,
    theme: String,
    publisher: String,
    rows: i64,
    published_at: String,
    version: i32,
    synthetic: bool,
}

/// A filter value with its page.
#[derive(Debug, Serialize)]
struct FacetLink {
    label: String,
    count: i64,
    href: String,
    current: bool,
}

#[derive(Debug, Serialize)]
struct Facet {
    title: String,
    values: Vec<FacetLink>,
}

#[derive(Serialize)]
struct ListPage {
    cards: Vec<Card>,
    facets: Vec<Facet>,
    /// The filter this page applies, if any.
    active: Option<String>,
    all_href: String,
}

#[derive(Serialize)]
struct HomePage {
    themes: Vec<FacetLink>,
    latest: Vec<Card>,
    cards: Vec<Card>,
}

#[derive(Serialize)]
struct Row2 {
    label: String,
    value: String,
}

#[derive(Serialize)]
struct Preview {
    title: String,
    head: Vec<String>,
    rows: Vec<Vec<String>>,
    total: i64,
}

#[derive(Serialize)]
struct DatasetPage<'a> {
    d: &'a DatasetDetail,
    title: String,
    description: String,
    meta: Vec<Row2>,
    keywords: Vec<String>,
    dictionary: Vec<Vec<String>>,
    releases: Vec<Vec<String>>,
    /// Public notices of withdrawn releases.
    notices: Vec<String>,
    /// What the current release changed: a summary line and the first records.
    changes_summary: Option<String>,
    changes: &'a [Change],
    previews: &'a [Preview],
    preview_rows: u64,
    charts: &'a [Chart],
    downloads: Vec<DownloadRow<'a>>,
    jsonld: String,
    files_href: String,
}

#[derive(Serialize)]
struct DownloadRow<'a> {
    title: String,
    d: &'a Download,
}

/// What a dataset page shows whatever its language: previews, charts, and the first records
/// the current release changed.
struct Extras {
    previews: Vec<Preview>,
    charts: Vec<(String, Vec<Chart>)>,
    changes: Vec<Change>,
}

/// Records the current release's changes section shows; the rest are in the API.
const CHANGES_SHOWN: u64 = 50;

/// One record the current release changed, as the page shows it.
#[derive(Serialize)]
struct Change {
    table: String,
    change: String,
    key: String,
    fields: String,
}

/// Write every page in every language.
pub async fn write_all(
    db: &DatabaseConnection,
    site: &mut Site,
    datasets: &[DatasetDetail],
    files: &Files,
) -> Result<(), BuildError> {
    let (hits, facets) = schema::query::search_datasets(db, &DatasetQuery::default()).await?;
    // Years and provinces of each dataset, for the filters.
    let coverage: BTreeMap<String, schema::query::Coverage> = hits
        .into_iter()
        .map(|h| (h.summary.slug.clone(), h.coverage))
        .collect();
    let mut extras = BTreeMap::new();
    for d in datasets {
        extras.insert(d.slug.clone(), extras_of(db, site, d).await?);
    }
    for lang in Lang::ALL {
        // Filters: theme, publisher, year, region, each value a page of its own.
        let mut filters: Vec<(String, String, String, Vec<String>)> = Vec::new(); // (facet title, label, file, slugs)
        let theme_vals: Vec<String> = facets.theme.iter().map(|f| f.value.clone()).collect();
        for v in &theme_vals {
            filters.push((
                lang.t("filter_theme"),
                lang.t(&format!("theme_{v}")),
                format!("datasets/theme-{v}.html"),
                datasets
                    .iter()
                    .filter(|d| &d.theme == v)
                    .map(|d| d.slug.clone())
                    .collect(),
            ));
        }
        for (i, f) in facets.publisher.iter().enumerate() {
            filters.push((
                lang.t("filter_publisher"),
                publisher_name(lang, &f.value),
                format!("datasets/publisher-{}.html", i + 1),
                datasets
                    .iter()
                    .filter(|d| d.publisher == f.value)
                    .map(|d| d.slug.clone())
                    .collect(),
            ));
        }
        let mut years: Vec<&schema::query::FacetValue> = facets.year.iter().collect();
        years.sort_by(|a, b| b.value.cmp(&a.value));
        for f in years {
            let y: i32 = f.value.parse().unwrap_or_default();
            filters.push((
                lang.t("filter_year"),
                f.value.clone(),
                format!("datasets/year-{}.html", f.value),
                coverage
                    .iter()
                    .filter(|(_, c)| c.years.contains(&y))
                    .map(|(s, _)| s.clone())
                    .collect(),
            ));
        }
        let mut regions: Vec<&schema::query::FacetValue> = facets.region.iter().collect();
        regions.sort_by(|a, b| a.value.cmp(&b.value));
        for f in regions {
            let label = f.label.clone().unwrap_or_else(|| f.value.clone());
            filters.push((
                lang.t("filter_region"),
                if lang == Lang::En {
                    format!("{label} ({})", f.value)
                } else {
                    lang.zh(&label)
                },
                format!("datasets/region-{}.html", f.value),
                coverage
                    .iter()
                    .filter(|(_, c)| c.regions.contains(&f.value))
                    .map(|(s, _)| s.clone())
                    .collect(),
            ));
        }
        let facet_links = |here: &str, current: Option<&str>| -> Vec<Facet> {
            let root = crate::site::up(&format!("{}{here}", lang.prefix()));
            let mut out: Vec<Facet> = Vec::new();
            for (title, label, file, slugs) in &filters {
                let link = FacetLink {
                    label: label.clone(),
                    count: slugs.len() as i64,
                    href: format!("{root}{}{file}", lang.prefix()),
                    current: current == Some(file.as_str()),
                };
                match out.iter_mut().find(|f| &f.title == title) {
                    Some(f) => f.values.push(link),
                    None => out.push(Facet {
                        title: title.clone(),
                        values: vec![link],
                    }),
                }
            }
            out
        };
        let list_path = "datasets/index.html";
        let list_root = crate::site::up(&format!("{}{list_path}", lang.prefix()));
        site.page(
            "list.html",
            lang,
            list_path,
            &lang.t("datasets_title"),
            &ListPage {
                cards: datasets.iter().map(|d| card(lang, d, &list_root)).collect(),
                facets: facet_links(list_path, None),
                active: None,
                all_href: format!("{list_root}{}{list_path}", lang.prefix()),
            },
        )?;
        for (title, label, file, slugs) in &filters {
            let keep: Vec<&DatasetDetail> = datasets
                .iter()
                .filter(|d| slugs.contains(&d.slug))
                .collect();
            site.page(
                "list.html",
                lang,
                file,
                &format!("{} · {title}: {label}", lang.t("datasets_title")),
                &ListPage {
                    cards: keep.iter().map(|d| card(lang, d, &list_root)).collect(),
                    facets: facet_links(file, Some(file)),
                    active: Some(format!("{title}: {label}")),
                    all_href: format!("{list_root}{}{list_path}", lang.prefix()),
                },
            )?;
        }

        // Home.
        let home_root = crate::site::up(&format!("{}index.html", lang.prefix()));
        let mut latest: Vec<&DatasetDetail> = datasets.iter().collect();
        latest.sort_by(|a, b| {
            let pa = a.release.as_ref().and_then(|r| r.published_at.clone());
            let pb = b.release.as_ref().and_then(|r| r.published_at.clone());
            pb.cmp(&pa).then(a.slug.cmp(&b.slug))
        });
        let themes = facet_links("index.html", None)
            .into_iter()
            .next()
            .map(|f| f.values)
            .unwrap_or_default();
        site.page(
            "home.html",
            lang,
            "index.html",
            &lang.t("site_name"),
            &HomePage {
                themes,
                latest: latest
                    .iter()
                    .take(5)
                    .map(|d| card(lang, d, &home_root))
                    .collect(),
                cards: datasets.iter().map(|d| card(lang, d, &home_root)).collect(),
            },
        )?;

        // Dataset pages.
        for d in datasets {
            let path = format!("datasets/{}/index.html", d.slug);
            let ex = &extras[&d.slug];
            let charts = ex
                .charts
                .iter()
                .find(|(l, _)| l == lang.tag())
                .map(|(_, c)| c.as_slice())
                .unwrap_or(&[]);
            let page = dataset_page(site, lang, d, &path, ex, charts, files.get(&d.slug))?;
            site.page("dataset.html", lang, &path, &page.title.clone(), &page)?;
        }

        // Search and 404.
        site.page(
            "search.html",
            lang,
            "search/index.html",
            &lang.t("search_title"),
            &(),
        )?;
        site.page(
            "404.html",
            lang,
            "404.html",
            &lang.t("not_found_title"),
            &(),
        )?;
    }
    Ok(())
}

/// A dataset as a list shows it, linked from a page whose root is `root`.
fn card(lang: Lang, d: &DatasetDetail, root: &str) -> Card {
    Card {
        slug: d.slug.clone(),
        href: format!("{root}{}datasets/{}/index.html", lang.prefix(), d.slug),
        title: lang.pick(&d.title_zh, &d.title_en),
        description: lang.pick(&d.description_zh, &d.description_en),
        theme: lang.t(&format!("theme_{}", d.theme)),
        publisher: publisher_name(lang, &d.publisher),
        rows: d.row_count,
        published_at: d
            .release
            .as_ref()
            .and_then(|r| r.published_at.clone())
            .unwrap_or_default(),
        version: d.release.as_ref().map_or(0, |r| r.version),
        synthetic: d.synthetic,
    }
}

fn dataset_page<'a>(
    site: &Site,
    lang: Lang,
    d: &'a DatasetDetail,
    path: &str,
    extras: &'a Extras,
    charts: &'a [Chart],
    downloads: Option<&'a Vec<Download>>,
) -> Result<DatasetPage<'a>, BuildError> {
    let previews = &extras.previews;
    let file = format!("{}{path}", lang.prefix());
    let root = crate::site::up(&file);
    let opt = |v: &Option<String>| {
        v.as_deref()
            .map(|s| lang.zh(s))
            .unwrap_or_else(|| "—".into())
    };
    let freq_key = format!("freq_{}", d.update_frequency);
    let freq = if crate::i18n::has(&freq_key) {
        lang.t(&freq_key)
    } else {
        d.update_frequency.clone()
    };
    let mut meta = vec![
        Row2 {
            label: lang.t("index_number"),
            value: d.index_number.clone(),
        },
        Row2 {
            label: lang.t("document_number"),
            value: opt(&d.document_number),
        },
        Row2 {
            label: lang.t("publisher"),
            value: publisher_name(lang, &d.publisher),
        },
        Row2 {
            label: lang.t("issued_on"),
            value: opt(&d.issued_on),
        },
        Row2 {
            label: lang.t("validity"),
            value: validity(lang, &d.validity),
        },
        Row2 {
            label: lang.t("superseded_by"),
            value: opt(&d.superseded_by),
        },
        Row2 {
            label: lang.t("theme"),
            value: lang.t(&format!("theme_{}", d.theme)),
        },
        Row2 {
            label: lang.t("update_frequency"),
            value: freq,
        },
        Row2 {
            label: lang.t("temporal_coverage"),
            value: opt(&d.temporal_coverage),
        },
        Row2 {
            label: lang.t("spatial_coverage"),
            value: opt(&d.spatial_coverage),
        },
        Row2 {
            label: lang.t("licence"),
            value: lang.zh(&d.licence),
        },
        Row2 {
            label: lang.t("contact"),
            value: lang.zh(&d.contact),
        },
        Row2 {
            label: lang.t("version"),
            value: d
                .release
                .as_ref()
                .map_or("—".into(), |r| r.version.to_string()),
        },
        Row2 {
            label: lang.t("published_at"),
            value: d
                .release
                .as_ref()
                .and_then(|r| r.published_at.clone())
                .unwrap_or_else(|| "—".into()),
        },
        Row2 {
            label: lang.t("timeliness"),
            value: match &d.timeliness.share_percent {
                Some(p) => lang
                    .t("timeliness_value")
                    .replace("{a}", &d.timeliness.within_3_days.to_string())
                    .replace("{b}", &d.timeliness.published.to_string())
                    .replace("{p}", p),
                None => "—".into(),
            },
        },
        Row2 {
            label: lang.t("corrections"),
            value: lang
                .t("corrections_value")
                .replace("{open}", &d.corrections.open.to_string())
                .replace("{resolved}", &d.corrections.resolved.to_string()),
        },
    ];
    if let Some(reason) = &d.withheld {
        meta.push(Row2 {
            label: lang.t("disclosure"),
            value: format!("{}：{}", lang.t("withheld"), lang.zh(reason)),
        });
    }
    let dictionary = d
        .dictionary
        .iter()
        .map(|f| {
            vec![
                f.table.clone(),
                f.key.clone(),
                lang.zh(&f.header),
                f.kind.clone(),
                f.base_unit.clone().unwrap_or_default(),
                if f.required {
                    lang.t("yes")
                } else {
                    lang.t("no")
                },
                lang.pick(&f.description_zh, &f.description_en),
                if f.withheld {
                    lang.t("withheld")
                } else {
                    lang.t("disclosed")
                },
            ]
        })
        .collect();
    let version_of = |id: i64| {
        d.releases
            .iter()
            .find(|r| r.id == id)
            .map_or(id.to_string(), |r| r.version.to_string())
    };
    let releases = d
        .releases
        .iter()
        .map(|r| {
            let notice = match (&r.withdrawn_reason, r.superseded_by) {
                (Some(reason), _) => lang
                    .t("withdrawn_notice")
                    .replace("{at}", r.withdrawn_at.as_deref().unwrap_or(""))
                    .replace("{reason}", &lang.zh(reason)),
                (None, Some(by)) => lang.t("superseded_notice").replace("{v}", &version_of(by)),
                (None, None) => lang.zh(r.note.as_deref().unwrap_or_default()),
            };
            vec![
                r.version.to_string(),
                lang.t(&format!("state_{}", r.state)),
                r.published_at.clone().unwrap_or_default(),
                charts::group_digits(i128::from(r.row_count)),
                r.changes.as_ref().map_or(String::new(), |c| {
                    format!("+{} −{} ~{}", c.added, c.removed, c.changed)
                }),
                match r.within_3_days {
                    Some(true) => lang.t("yes"),
                    Some(false) => lang.t("no"),
                    None => "—".into(),
                },
                notice,
            ]
        })
        .collect();
    let notices = d
        .releases
        .iter()
        .filter_map(|r| {
            let reason = r.withdrawn_reason.as_deref()?;
            Some(
                lang.t("withdrawn_banner")
                    .replace("{v}", &r.version.to_string())
                    .replace("{at}", r.withdrawn_at.as_deref().unwrap_or(""))
                    .replace("{reason}", &lang.zh(reason)),
            )
        })
        .collect();
    let changes_summary = d
        .release
        .as_ref()
        .and_then(|cur| d.releases.iter().find(|r| r.id == cur.id))
        .and_then(|r| r.changes.as_ref())
        .map(|c| {
            lang.t("changes_value")
                .replace("{added}", &c.added.to_string())
                .replace("{removed}", &c.removed.to_string())
                .replace("{changed}", &c.changed.to_string())
                .replace("{unchanged}", &c.unchanged.to_string())
        });
    let links = documents_links(site, &file);
    // The schema.org document describes downloads: only for a dataset that has some.
    let jsonld = match &d.release {
        Some(_) => script_json(&schema::standards::schema_org::dataset(d, &links))?,
        None => String::new(),
    };
    let downloads = downloads
        .map(|v| {
            v.iter()
                .map(|x| DownloadRow {
                    title: format!("{} · {}", lang.pick(x.title_zh, x.title_en), x.format),
                    d: x,
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(DatasetPage {
        title: lang.pick(&d.title_zh, &d.title_en),
        description: lang.pick(&d.description_zh, &d.description_en),
        meta,
        keywords: d.keywords.iter().map(|k| lang.zh(k)).collect(),
        dictionary,
        releases,
        notices,
        changes_summary,
        changes: &extras.changes,
        previews,
        preview_rows: site.preview_rows,
        charts,
        downloads,
        jsonld,
        files_href: format!("{root}datasets/{}/", d.slug),
        d,
    })
}

/// A publisher's name in `lang` (its English name where the catalog knows one).
fn publisher_name(lang: Lang, name: &str) -> String {
    let p = schema::standards::publisher(name);
    if p.name_en.is_empty() {
        lang.zh(&p.name_zh)
    } else {
        lang.pick(&p.name_zh, &p.name_en)
    }
}

fn validity(lang: Lang, v: &str) -> String {
    match (lang, v) {
        (Lang::En, "有效") => "In force (有效)".into(),
        (Lang::En, "废止") => "Repealed (废止)".into(),
        (l, v) => l.zh(v),
    }
}

/// Previews and charts of a dataset (figures are the same in every language; labels differ).
async fn extras_of(
    db: &DatabaseConnection,
    site: &Site,
    d: &DatasetDetail,
) -> Result<Extras, BuildError> {
    let cache = ReleaseCache::default();
    let mut previews = Vec::new();
    for r in schema::standards::resources(d) {
        let req = ListRequest::new(Vec::new(), Sort::by_id(), site.preview_rows);
        let page = schema::records::list::list(db, &cache, r, &req).await?;
        let flat_cols = r.flat_columns();
        let keep: Vec<usize> = flat_cols
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.field_type != FieldType::Fen && !matches!(c.name.as_str(), "source_url" | "extra")
            })
            .map(|(i, _)| i)
            .collect();
        let money = money_mask(r, &page.columns);
        let mut flat = Vec::new();
        let rows = page
            .rows
            .iter()
            .map(|row| {
                flat_row(&money, row, page.sources(), &mut flat);
                keep.iter()
                    .map(|&i| crate::registry::flat_text(flat.get(i), ("true", "false")))
                    .collect()
            })
            .collect();
        previews.push(Preview {
            title: format!("{} · {}", r.title_zh, r.title_en),
            head: keep.iter().map(|&i| flat_cols[i].name.clone()).collect(),
            rows,
            total: page.total.unwrap_or_default(),
        });
    }
    // The chart's totals are read once; each language only labels them.
    let mut charts = Vec::new();
    if let Some(spec) = chart_spec(&d.slug)
        && let Some(t) = grouped(db, spec.resource, spec.params, spec.group_by).await?
    {
        for lang in Lang::ALL {
            charts.push((lang.tag().to_string(), chart_of(lang, spec, &t)));
        }
    }
    let changes = match &d.release {
        Some(r) => schema::query::release_changes(db, &d.slug, r.id, 0, CHANGES_SHOWN)
            .await?
            .unwrap_or_default(),
        None => Vec::new(),
    }
    .into_iter()
    .map(|c| Change {
        table: c.table,
        change: c.change,
        key: c.key,
        fields: c
            .fields
            .iter()
            .map(|f| format!("{}: {} → {}", f.field, f.old, f.new))
            .collect::<Vec<_>>()
            .join("; "),
    })
    .collect();
    Ok(Extras {
        previews,
        charts,
        changes,
    })
}

/// Totals of a resource, grouped and filtered by REST's own parameter syntax.
async fn grouped(
    db: &DatabaseConnection,
    path: &str,
    params: &[(&str, &str)],
    group_by: &str,
) -> Result<Option<Totals>, BuildError> {
    let Some(r) = schema::records::resource(path) else {
        return Ok(None);
    };
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let filters = parse_params(r, &params)?;
    let dims = parse_group_by(r, group_by)?;
    Ok(Some(totals(db, r, &filters, &dims, 10_000).await?))
}

fn key_text(c: &schema::records::list::Cell) -> String {
    match c {
        schema::records::list::Cell::Text(s) => s.clone(),
        schema::records::list::Cell::Int(i) => i.to_string(),
        schema::records::list::Cell::Bool(b) => b.to_string(),
        schema::records::list::Cell::Null => "—".into(),
    }
}

/// The chart of a dataset: which totals it draws.
#[derive(Debug, Clone, Copy)]
struct ChartSpec {
    id: &'static str,
    title_key: &'static str,
    resource: &'static str,
    params: &'static [(&'static str, &'static str)],
    group_by: &'static str,
    /// What the chart shows, in Chinese and English.
    desc: (&'static str, &'static str),
    kind: ChartKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChartKind {
    /// Lines: the first key is the x axis, the second names the series.
    Series,
    /// Bars of money (fen), the largest first, at most this many.
    Bars(usize),
    /// Bars of money by province code, named from the region list.
    ProvinceBars(usize),
}

/// The charts the issue names: relief series over time, budgets by subject, funds by region.
fn chart_spec(slug: &str) -> Option<&'static ChartSpec> {
    const SPECS: &[(&str, ChartSpec)] = &[
        (
            "relief",
            ChartSpec {
                id: "chart-relief",
                title_key: "chart_relief",
                resource: "relief-stats",
                params: &[("region_code", "000000"), ("indicator", "人数")],
                group_by: "period,programme",
                desc: (
                    "全国，指标“人数”，按统计期和救助项目",
                    "National, indicator 人数 (persons), by period and programme",
                ),
                kind: ChartKind::Series,
            },
        ),
        (
            "budgets",
            ChartSpec {
                id: "chart-budget",
                title_key: "chart_budget",
                resource: "budget-lines",
                params: &[],
                group_by: "subject_code.class",
                desc: (
                    "所有已发布的预决算行按功能分类科目“类”（科目编码前 3 位）合计，单位：元",
                    "All published lines summed by functional subject class (first 3 digits of the code), in yuan",
                ),
                kind: ChartKind::Bars(12),
            },
        ),
        (
            "funds",
            ChartSpec {
                id: "chart-funds",
                title_key: "chart_funds",
                resource: "fund-lines",
                params: &[],
                group_by: "recipient_region_code.province",
                desc: (
                    "专项资金分配明细按接收地区所在省级行政区合计（含合计行），单位：元",
                    "Allocation lines summed by the recipient's province (total lines included), in yuan",
                ),
                kind: ChartKind::ProvinceBars(15),
            },
        ),
    ];
    SPECS.iter().find(|(s, _)| *s == slug).map(|(_, c)| c)
}

impl ChartSpec {
    /// The query behind the chart, as the REST API writes it.
    fn note(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!(
            "{}/totals?{}group_by={}",
            self.resource,
            params.iter().map(|p| format!("{p}&")).collect::<String>(),
            self.group_by
        )
    }
}

/// The chart of `spec` over its totals, labelled in `lang` (empty when there is nothing to draw).
fn chart_of(lang: Lang, spec: &ChartSpec, t: &Totals) -> Vec<Chart> {
    let desc = lang.pick(spec.desc.0, spec.desc.1);
    let title = lang.t(spec.title_key);
    let chart = match spec.kind {
        ChartKind::Series => series_chart(lang, spec, t, title, desc),
        ChartKind::Bars(keep) | ChartKind::ProvinceBars(keep) => {
            let province = matches!(spec.kind, ChartKind::ProvinceBars(_));
            let mut points: Vec<Point> = t
                .groups
                .iter()
                .filter_map(|g| {
                    let s = g.sums.iter().find(|s| s.unit == "fen")?;
                    let key = g.key.first().map(key_text).unwrap_or_default();
                    let label = if province {
                        let name = schema::region::get(&key)
                            .map(|r| r.name.clone())
                            .unwrap_or(key);
                        lang.zh(&name)
                    } else {
                        key
                    };
                    Some(Point {
                        label,
                        value: s.total,
                        display: charts::yuan(s.total),
                    })
                })
                .collect();
            points.sort_by(|a, b| b.value.cmp(&a.value).then(a.label.cmp(&b.label)));
            points.truncate(keep);
            (!points.is_empty()).then(|| {
                let unit = lang.pick("元", "yuan");
                Chart {
                    id: spec.id.into(),
                    svg: charts::bars(spec.id, &title, &desc, &points),
                    title,
                    head: vec![lang.pick("类别", "Category"), unit.clone()],
                    rows: points
                        .iter()
                        .map(|p| vec![p.label.clone(), p.display.clone()])
                        .collect(),
                    unit,
                    note: spec.note(),
                }
            })
        }
    };
    chart.into_iter().collect()
}

/// Lines over the first key (sorted), one per value of the second.
fn series_chart(
    lang: Lang,
    spec: &ChartSpec,
    t: &Totals,
    title: String,
    desc: String,
) -> Option<Chart> {
    let mut xs: Vec<String> = Vec::new();
    let mut by_name: BTreeMap<String, BTreeMap<String, i128>> = BTreeMap::new();
    let mut unit = String::new();
    for g in &t.groups {
        let (Some(x), Some(name), Some(s)) = (g.key.first(), g.key.get(1), g.sums.first()) else {
            continue;
        };
        let x = key_text(x);
        if !xs.contains(&x) {
            xs.push(x.clone());
        }
        unit = s.unit.clone();
        by_name
            .entry(key_text(name))
            .or_default()
            .insert(x, s.total);
    }
    if xs.is_empty() {
        return None;
    }
    xs.sort();
    let series: Vec<Series> = by_name
        .iter()
        .map(|(name, vals)| Series {
            name: lang.zh(name),
            values: xs.iter().map(|x| vals.get(x).copied()).collect(),
            displays: xs
                .iter()
                .map(|x| {
                    vals.get(x)
                        .map(|v| charts::group_digits(*v))
                        .unwrap_or_default()
                })
                .collect(),
        })
        .collect();
    let names: Vec<String> = series.iter().map(|s| s.name.clone()).collect();
    let desc = format!("{desc} ({unit}): {}", names.join(", "));
    let mut head = vec![lang.t("filter_year")];
    head.extend(names);
    let rows = xs
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let mut r = vec![x.clone()];
            r.extend(series.iter().map(|s| s.displays[i].clone()));
            r
        })
        .collect();
    Some(Chart {
        id: spec.id.into(),
        svg: charts::lines(spec.id, &title, &desc, &xs, &series),
        title,
        unit,
        head,
        rows,
        note: spec.note(),
    })
}

/// The dataset search index: every dataset in every language.
pub fn write_dataset_index(site: &Site, datasets: &[DatasetDetail]) -> Result<(), BuildError> {
    let mut entries = Vec::new();
    for lang in Lang::ALL {
        for d in datasets {
            let mut fields = Vec::new();
            for f in &d.dictionary {
                fields.push(lang.zh(&f.header));
                fields.push(f.key.clone());
                fields.push(lang.pick(&f.description_zh, &f.description_en));
            }
            entries.push(DatasetEntry {
                lang: lang.tag().to_string(),
                href: format!("{}datasets/{}/index.html", lang.prefix(), d.slug),
                title: lang.pick(&d.title_zh, &d.title_en),
                description: lang.pick(&d.description_zh, &d.description_en),
                fields,
                keywords: d.keywords.iter().map(|k| lang.zh(k)).collect(),
            });
        }
    }
    let dir = site.dir().join("search/datasets");
    write_index(&entries, &dir).map_err(crate::io_at(&dir))?;
    Ok(())
}
