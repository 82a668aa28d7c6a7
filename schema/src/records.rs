//! Public record resources: the tables a reader can list, filter, page, total and download.
//!
//! Every importable table (see [`crate::descriptor`]) is one resource, plus the derived `funds`
//! table. A resource's public columns come from its descriptor, so the REST API, the downloads,
//! the Frictionless data package, GraphQL and the static catalog all show the same fields.

pub mod aggregate;
pub mod export;
pub mod filter;
pub mod list;
pub mod view;

pub use filter::{Filter, FilterDef, FilterOp, ParamType, parse_filter, parse_params};
pub use list::{Cell, Cursor, ListRequest, Page, Row, Sort, list};

use sea_orm::DbErr;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, LikeExpr};

use crate::descriptor::{self, Kind, Stored, Table};

/// Why a record query failed.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// A parameter the caller gave is unknown or has a bad value.
    #[error("{parameter}: {message}")]
    InvalidParameter { parameter: String, message: String },
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Escape `%`, `_` and `\` for a LIKE pattern with `\` as escape.
pub(crate) fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Organizations whose name or business scope contains the query, or whose credit code starts
/// with it.
pub(crate) fn search_condition(q: &str) -> Expr {
    let q = crate::normalize::fold(q);
    let contains = format!("%{}%", like_escape(&q));
    let col = |n: &str| Expr::col(Alias::new(n));
    col("name")
        .like(LikeExpr::new(contains.clone()).escape('\\'))
        .or(col("business_scope").like(LikeExpr::new(contains).escape('\\')))
        .or(col("uscc")
            .like(LikeExpr::new(format!("{}%", like_escape(&q.to_uppercase()))).escape('\\')))
}

/// What a public column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    Integer,
    Boolean,
    /// Exact money: integer fen.
    Fen,
    /// Money in yuan as an exact decimal string with two places (downloads only; derived from fen).
    Yuan,
}

/// One column of a flat record (a CSV/XLSX column, a data-package field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlatColumn {
    pub name: String,
    pub field_type: FieldType,
    pub required: bool,
    pub description_zh: String,
    pub description_en: String,
}

/// A public record resource.
#[derive(Debug, Clone, Copy)]
pub struct Resource {
    /// The URL segment, e.g. `organizations` (`/api/v1/organizations`).
    pub path: &'static str,
    /// The dataset the rows belong to.
    pub dataset: &'static str,
    /// The table's machine name inside the dataset, e.g. `organizations`, `lines`.
    pub table_name: &'static str,
    pub db_table: &'static str,
    pub title_zh: &'static str,
    pub title_en: &'static str,
    /// The import descriptor; `None` for derived tables (`funds`).
    pub descriptor: Option<&'static Table>,
}

/// The derived table of funds: one row per fund, built on import from its allocation lines.
pub const FUND_COLUMNS: &[(&str, Stored, bool, &str, &str)] = &[
    (
        "fund_name",
        Stored::Text,
        true,
        "资金名称",
        "Name of the fund",
    ),
    (
        "level",
        Stored::Text,
        true,
        "资金层级",
        "Level (中央/省/市/县)",
    ),
    (
        "allocating_body",
        Stored::Text,
        true,
        "分配单位",
        "Allocating body",
    ),
    ("fiscal_year", Stored::Text, true, "年度", "Fiscal year"),
    (
        "document_number",
        Stored::Text,
        false,
        "文号",
        "Document number of the allocation",
    ),
    (
        "principle",
        Stored::Text,
        false,
        "分配原则",
        "Allocation principle",
    ),
    (
        "total",
        Stored::BigInt,
        false,
        "资金总额（分）",
        "Total of the fund in fen",
    ),
    (
        "total_published",
        Stored::Text,
        false,
        "资金总额（原文）",
        "Total of the fund as published",
    ),
    (
        "line_count",
        Stored::BigInt,
        true,
        "分配明细行数",
        "Number of allocation lines",
    ),
    (
        "top_lines_total",
        Stored::BigInt,
        true,
        "一级明细合计（分）",
        "Sum of the top-level allocation lines in fen",
    ),
];

pub const RESOURCES: &[Resource] = &[
    Resource {
        path: "budget-lines",
        dataset: "budgets",
        table_name: "lines",
        db_table: "budget_lines",
        title_zh: "部门预决算明细",
        title_en: "Budget and final-account lines",
        descriptor: Some(&descriptor::BUDGET_LINES),
    },
    Resource {
        path: "funds",
        dataset: "funds",
        table_name: "funds",
        db_table: "funds",
        title_zh: "专项资金",
        title_en: "Special subsidy funds",
        descriptor: None,
    },
    Resource {
        path: "fund-lines",
        dataset: "funds",
        table_name: "lines",
        db_table: "fund_lines",
        title_zh: "专项资金分配明细",
        title_en: "Special subsidy fund allocation lines",
        descriptor: Some(&descriptor::FUND_LINES),
    },
    Resource {
        path: "relief-stats",
        dataset: "relief",
        table_name: "stats",
        db_table: "relief_stats",
        title_zh: "社会救助统计",
        title_en: "Social-assistance statistics",
        descriptor: Some(&descriptor::RELIEF_STATS),
    },
    Resource {
        path: "organizations",
        dataset: "registry",
        table_name: "organizations",
        db_table: "organizations",
        title_zh: "社会组织",
        title_en: "Social organizations",
        descriptor: Some(&descriptor::ORGANIZATIONS),
    },
    Resource {
        path: "inspections",
        dataset: "registry",
        table_name: "inspections",
        db_table: "inspections",
        title_zh: "年检结论",
        title_en: "Annual inspections",
        descriptor: Some(&descriptor::INSPECTIONS),
    },
    Resource {
        path: "evaluations",
        dataset: "registry",
        table_name: "evaluations",
        db_table: "evaluations",
        title_zh: "评估等级",
        title_en: "Evaluation grades",
        descriptor: Some(&descriptor::EVALUATIONS),
    },
    Resource {
        path: "penalties",
        dataset: "registry",
        table_name: "penalties",
        db_table: "penalties",
        title_zh: "行政处罚",
        title_en: "Administrative penalties",
        descriptor: Some(&descriptor::PENALTIES),
    },
    Resource {
        path: "credit-listings",
        dataset: "registry",
        table_name: "credit_listings",
        db_table: "credit_listings",
        title_zh: "信用名单",
        title_en: "Credit listings",
        descriptor: Some(&descriptor::CREDIT_LISTINGS),
    },
    Resource {
        path: "charity-filings",
        dataset: "registry",
        table_name: "charity_filings",
        db_table: "charity_filings",
        title_zh: "慈善备案",
        title_en: "Charity filings",
        descriptor: Some(&descriptor::CHARITY_FILINGS),
    },
    Resource {
        path: "illegal-organizations",
        dataset: "registry",
        table_name: "illegal_organizations",
        db_table: "illegal_organizations",
        title_zh: "非法社会组织名单",
        title_en: "Illegal and suspected illegal organizations",
        descriptor: Some(&descriptor::ILLEGAL_ORGANIZATIONS),
    },
    Resource {
        path: "organization-statistics",
        dataset: "registry",
        table_name: "statistics",
        db_table: "org_stats",
        title_zh: "社会组织统计",
        title_en: "Social-organization statistics",
        descriptor: Some(&descriptor::ORG_STATS),
    },
    Resource {
        path: "annual-report-cells",
        dataset: "annual_reports",
        table_name: "cells",
        db_table: "report_cells",
        title_zh: "政府信息公开年度报告数据",
        title_en: "Disclosure annual report cells",
        descriptor: Some(&descriptor::REPORT_CELLS),
    },
];

/// Find a resource by its URL segment.
pub fn resource(path: &str) -> Option<&'static Resource> {
    RESOURCES.iter().find(|r| r.path == path)
}

/// The resources of one dataset, in catalog order.
pub fn resources_of(dataset: &str) -> impl Iterator<Item = &'static Resource> {
    RESOURCES.iter().filter(move |r| r.dataset == dataset)
}

/// A stored column of a resource, with what it means.
#[derive(Debug, Clone)]
pub struct StoredColumn {
    pub name: String,
    pub stored: Stored,
    pub required: bool,
    /// The descriptor kind it comes from (`None` for derived tables).
    pub kind: Option<Kind>,
    /// The descriptor column key it belongs to, e.g. `amount` for `amount_published`.
    pub key: String,
    pub description_zh: String,
    pub description_en: String,
    /// On the negative list: public record queries read it as NULL and refuse to filter, sort,
    /// group or sum on it (see [`list::public_columns`]).
    pub withheld: bool,
}

impl Resource {
    /// `dataset.table`, e.g. `registry.organizations`.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.dataset, self.table_name)
    }

    /// The stored data columns, in table order (without `id`, `release_id`, `source_id`,
    /// `row_no`, `extra`).
    pub fn stored_columns(&self) -> Vec<StoredColumn> {
        let Some(t) = self.descriptor else {
            return FUND_COLUMNS
                .iter()
                .map(|(n, s, req, zh, en)| StoredColumn {
                    name: (*n).to_string(),
                    stored: *s,
                    required: *req,
                    kind: None,
                    key: n.trim_end_matches("_published").to_string(),
                    description_zh: (*zh).to_string(),
                    description_en: (*en).to_string(),
                    withheld: false,
                })
                .collect();
        };
        let mut out = Vec::new();
        if t.db_table == "fund_lines" {
            out.push(StoredColumn {
                name: "fund_id".into(),
                stored: Stored::BigInt,
                required: true,
                kind: None,
                key: "fund_id".into(),
                description_zh: "所属资金（funds 表的 id）".into(),
                description_en: "The fund the line belongs to (id in funds)".into(),
                withheld: false,
            });
        }
        for c in t.columns {
            for (i, (name, stored)) in c.stored().into_iter().enumerate() {
                let (zh, en) = match (c.kind, i) {
                    (_, 0) => (c.description_zh.to_string(), c.description_en.to_string()),
                    (Kind::Quantity, 1) => (
                        format!("{}：基本单位", c.description_zh),
                        format!("{}: base unit", c.description_en),
                    ),
                    _ => (
                        format!("{}：原文", c.description_zh),
                        format!("{}: as published", c.description_en),
                    ),
                };
                // The main value of a column is required when the column is; the published
                // text of a figure always exists with it, a normalised date's only where it
                // differed.
                let required = match (c.kind, i) {
                    (_, 0) => c.required,
                    (Kind::Money, 1) => c.required,
                    (Kind::Quantity, _) => c.required,
                    _ => false,
                };
                out.push(StoredColumn {
                    name,
                    stored,
                    required,
                    kind: Some(c.kind),
                    key: c.key.to_string(),
                    description_zh: zh,
                    description_en: en,
                    withheld: false,
                });
            }
        }
        out
    }

    /// The columns of a flat record, as in the CSV and XLSX downloads and the data package:
    /// `id`, the stored columns (a money column in fen is followed by `NAME_yuan`, the same
    /// amount in yuan as an exact decimal), then `source_id`, `source_title`, `source_url`,
    /// `row_no` and `extra` (columns of the imported file the format has no place for, as JSON).
    pub fn flat_columns(&self) -> Vec<FlatColumn> {
        let mut out = vec![FlatColumn {
            name: "id".into(),
            field_type: FieldType::Integer,
            required: true,
            description_zh: "记录编号（在本数据集的发布版本中唯一）".into(),
            description_en: "Record id (unique within the dataset's release)".into(),
        }];
        for c in self.stored_columns() {
            let money = is_money(self, &c);
            out.push(FlatColumn {
                name: c.name.clone(),
                field_type: match c.stored {
                    Stored::Text => FieldType::Text,
                    Stored::Bool => FieldType::Boolean,
                    Stored::Int | Stored::BigInt if money => FieldType::Fen,
                    Stored::Int | Stored::BigInt => FieldType::Integer,
                },
                required: c.required,
                description_zh: if money {
                    format!("{}（分）", c.description_zh)
                } else {
                    c.description_zh.clone()
                },
                description_en: if money {
                    format!("{} (fen)", c.description_en)
                } else {
                    c.description_en.clone()
                },
            });
            if money {
                out.push(FlatColumn {
                    name: format!("{}_yuan", c.name),
                    field_type: FieldType::Yuan,
                    required: c.required,
                    description_zh: format!("{}（元，精确小数）", c.description_zh),
                    description_en: format!("{} (yuan, exact decimal)", c.description_en),
                });
            }
        }
        for (name, t, req, zh, en) in [
            (
                "source_id",
                FieldType::Integer,
                true,
                "来源编号",
                "Source id (see the dataset's sources)",
            ),
            (
                "source_title",
                FieldType::Text,
                true,
                "来源文件标题",
                "Title of the source document",
            ),
            (
                "source_url",
                FieldType::Text,
                false,
                "来源文件网址",
                "URL of the source document",
            ),
            (
                "row_no",
                FieldType::Integer,
                true,
                "在导入文件中的行号",
                "Row number in the imported file",
            ),
            (
                "extra",
                FieldType::Text,
                false,
                "导入文件中格式以外的列（JSON）",
                "Columns of the imported file outside the format, as JSON",
            ),
        ] {
            out.push(FlatColumn {
                name: name.into(),
                field_type: t,
                required: req,
                description_zh: zh.into(),
                description_en: en.into(),
            });
        }
        out
    }
}

/// Whether a stored column holds money in fen.
fn is_money(r: &Resource, c: &StoredColumn) -> bool {
    match c.kind {
        Some(Kind::Money) => c.name == c.key,
        None => r.descriptor.is_none() && matches!(c.name.as_str(), "total" | "top_lines_total"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_a_resource() {
        for t in descriptor::TABLES {
            assert!(
                RESOURCES
                    .iter()
                    .any(|r| r.descriptor.map(|d| d.db_table) == Some(t.db_table)),
                "{} has no resource",
                t.qualified()
            );
        }
    }

    #[test]
    fn flat_columns_follow_the_stored_ones() {
        let r = resource("budget-lines").expect("budget-lines");
        let names: Vec<String> = r.flat_columns().into_iter().map(|c| c.name).collect();
        let i = names.iter().position(|n| n == "amount").expect("amount");
        assert_eq!(names[i + 1], "amount_yuan");
        assert_eq!(names[i + 2], "amount_published");
        assert_eq!(names[0], "id");
        assert_eq!(names.last().map(String::as_str), Some("extra"));
        let stored = r.descriptor.expect("descriptor").stored_columns();
        assert_eq!(names.len(), stored.len() + 1 + 1 + 5);
    }
}

/// An organization with everything the registry publishes about it.
#[derive(Debug, Clone)]
pub struct OrganizationDetail {
    pub release: crate::query::ReleaseView,
    pub organization: Row,
    /// The related tables (inspections, evaluations, penalties, credit listings, charity
    /// filings), each with its rows for this organization in import order.
    pub related: Vec<(&'static Resource, Vec<Row>)>,
    pub sources: std::collections::HashMap<i64, crate::query::SourceView>,
}

/// The tables that refer to an organization by its credit code.
pub const ORGANIZATION_RELATED: &[&str] = &[
    "inspections",
    "evaluations",
    "penalties",
    "credit-listings",
    "charity-filings",
];

/// Most related rows returned per table (the downloads have them all).
pub const RELATED_LIMIT: u64 = 1000;

/// One organization by credit code, with its inspections, evaluations, penalties, credit listings
/// and charity filings, in the registry's current release.
pub async fn organization(
    db: &impl sea_orm::ConnectionTrait,
    uscc: &str,
) -> Result<Option<OrganizationDetail>, QueryError> {
    let Some(orgs) = resource("organizations") else {
        return Ok(None);
    };
    let Some(release) = crate::query::current_release(db, orgs.dataset).await? else {
        return Ok(None);
    };
    let by_code = [Filter::TextIn("uscc".into(), vec![uscc.to_string()])];
    let sort = Sort::by_id();
    let columns = orgs.stored_columns();
    let scan = list::Scan {
        resource: orgs,
        columns: &columns,
        release: list::ReleaseRef::Id(release.id),
        filters: &by_code,
        sort: &sort,
    };
    let mut found = list::fetch(db, &scan, None, 1).await?;
    let Some(organization) = found.pop() else {
        return Ok(None);
    };
    let mut related = Vec::new();
    let key = [Cell::Text(uscc.to_string())];
    for path in ORGANIZATION_RELATED {
        let Some(r) = resource(path) else { continue };
        let columns = r.stored_columns();
        let mut rows =
            list::by_keys(db, r, &columns, release.id, "uscc", &key, RELATED_LIMIT).await?;
        related.push((r, rows.remove(&key[0]).unwrap_or_default()));
    }
    let sources = crate::query::sources_by_id(db, release.id).await?;
    Ok(Some(OrganizationDetail {
        release: release.into(),
        organization,
        related,
        sources,
    }))
}
