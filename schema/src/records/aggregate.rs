//! Group-by totals, exact: sums of money in fen and of figures in their base unit (never across
//! units: a figure's unit is always one of the groups), with the count of rows behind each total.

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};

use super::filter::{Filter, condition};
use super::list::{Cell, get_int};
use super::{QueryError, Resource, StoredColumn, is_money};
use crate::descriptor::{Kind, Stored};
use crate::query::{ReleaseView, current_release};

/// A way to group rows.
#[derive(Debug, Clone)]
pub struct Dimension {
    /// As written in `group_by`, e.g. `region_code.province`.
    pub name: String,
    pub description: String,
    /// SQL over the resource's own columns (never user text).
    sql: String,
    stored: Stored,
}

/// A summed column.
#[derive(Debug, Clone)]
pub struct Measure {
    pub name: String,
    /// `fen` for money; otherwise the figure's unit column.
    pub unit_column: Option<String>,
}

/// Subject-code levels of the government revenue and expenditure classification.
const SUBJECT_LEVELS: &[(&str, usize, &str)] = &[
    ("class", 3, "类 (the first 3 digits)"),
    ("section", 5, "款 (the first 5 digits)"),
    ("item", 7, "项 (the first 7 digits)"),
];

impl Resource {
    /// Every dimension `group_by` accepts.
    pub fn dimensions(&self) -> Vec<Dimension> {
        let mut out = Vec::new();
        for c in self.stored_columns() {
            if c.name != c.key || is_money(self, &c) {
                continue;
            }
            let plain = |desc: String| Dimension {
                name: c.name.clone(),
                description: desc,
                sql: c.name.clone(),
                stored: c.stored,
            };
            match c.kind {
                Some(Kind::Money | Kind::Quantity) => {}
                Some(Kind::Region) => {
                    out.push(plain(format!("{} (code)", c.description_en)));
                    out.push(Dimension {
                        name: format!("{}.province", c.name),
                        description: format!("{}: its province (省级 code)", c.description_en),
                        sql: format!("substr({}, 1, 2) || '0000'", c.name),
                        stored: Stored::Text,
                    });
                    out.push(Dimension {
                        name: format!("{}.prefecture", c.name),
                        description: format!("{}: its prefecture (地级 code)", c.description_en),
                        sql: format!("substr({}, 1, 4) || '00'", c.name),
                        stored: Stored::Text,
                    });
                }
                Some(Kind::Period | Kind::Date) => {
                    out.push(plain(c.description_en.clone()));
                    out.push(Dimension {
                        name: format!("{}.year", c.name),
                        description: format!("{}: its (first) year", c.description_en),
                        sql: format!("substr({}, 1, 4)", c.name),
                        stored: Stored::Text,
                    });
                }
                Some(Kind::Text)
                    if super::filter::FREE_TEXT.contains(&c.name.as_str())
                        || c.name == "name"
                        || c.name == "decision_number"
                        || c.name == "filing_number" => {}
                _ if c.name == "subject_code" => {
                    out.push(plain(c.description_en.clone()));
                    for (suffix, len, what) in SUBJECT_LEVELS {
                        out.push(Dimension {
                            name: format!("{}.{suffix}", c.name),
                            description: format!("{}: {what}", c.description_en),
                            sql: format!("substr({}, 1, {len})", c.name),
                            stored: Stored::Text,
                        });
                    }
                }
                _ if c.stored == Stored::Bool || c.kind.is_some() => {
                    out.push(plain(c.description_en.clone()))
                }
                None if c.stored == Stored::Text
                    && !super::filter::FREE_TEXT.contains(&c.name.as_str()) =>
                {
                    out.push(plain(c.description_en.clone()))
                }
                _ => {}
            }
        }
        out
    }

    /// The columns totals sum: money (fen) and figures (base unit).
    pub fn measures(&self) -> Vec<Measure> {
        let cols = self.stored_columns();
        cols.iter()
            .filter(|c| c.name == c.key)
            .filter_map(|c| {
                if is_money(self, c) {
                    Some(Measure {
                        name: c.name.clone(),
                        unit_column: None,
                    })
                } else if c.kind == Some(Kind::Quantity) {
                    Some(Measure {
                        name: c.name.clone(),
                        unit_column: Some(format!("{}_unit", c.name)),
                    })
                } else {
                    None
                }
            })
            .collect()
    }
}

/// One sum in a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sum {
    pub measure: String,
    /// `fen`, or the figure's base unit.
    pub unit: String,
    /// The exact sum (an integer that may exceed 64 bits).
    pub total: i128,
    /// Rows with a value for this measure.
    pub count: i64,
}

/// One group: its key (one value per dimension), its row count and its sums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub key: Vec<Cell>,
    pub rows: i64,
    pub sums: Vec<Sum>,
}

/// Totals of a resource in its current release.
#[derive(Debug, Clone)]
pub struct Totals {
    pub release: Option<ReleaseView>,
    pub group_by: Vec<String>,
    pub groups: Vec<Group>,
    /// More groups exist than were returned (raise `limit` or narrow the filters).
    pub truncated: bool,
}

/// Most dimensions one request may group by.
pub const MAX_DIMENSIONS: usize = 4;

/// Parse `group_by` (comma-separated dimension names).
pub fn parse_group_by(resource: &Resource, s: &str) -> Result<Vec<Dimension>, QueryError> {
    let all = resource.dimensions();
    let bad = |m: String| QueryError::InvalidParameter {
        parameter: "group_by".into(),
        message: m,
    };
    let mut out: Vec<Dimension> = Vec::new();
    for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let d = all.iter().find(|d| d.name == name).ok_or_else(|| {
            bad(format!(
                "cannot group by “{name}”; dimensions: {}",
                all.iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        if !out.iter().any(|o| o.name == d.name) {
            out.push(d.clone());
        }
    }
    if out.len() > MAX_DIMENSIONS {
        return Err(bad(format!("at most {MAX_DIMENSIONS} dimensions")));
    }
    Ok(out)
}

/// Exact totals of the rows matching the filters, grouped by the dimensions (and by each
/// figure's unit), at most `limit` groups in dimension order.
pub async fn totals(
    db: &impl ConnectionTrait,
    resource: &Resource,
    filters: &[Filter],
    dims: &[Dimension],
    limit: u64,
) -> Result<Totals, QueryError> {
    let columns: Vec<StoredColumn> =
        super::list::public_columns(db, resource, &resource.stored_columns()).await?;
    super::list::check_disclosed(resource, &columns, filters, None)?;
    // Withheld figures are not summed, and withheld columns not grouped by.
    let withheld = |name: &str| columns.iter().any(|c| c.withheld && c.name == name);
    if let Some(d) = dims
        .iter()
        .find(|d| withheld(d.name.split('.').next().unwrap_or(&d.name)))
    {
        return Err(QueryError::InvalidParameter {
            parameter: "group_by".into(),
            message: format!(
                "{} of {} is on the negative list (不予公开): it cannot be grouped by",
                d.name, resource.path
            ),
        });
    }
    let measures: Vec<_> = resource
        .measures()
        .into_iter()
        .filter(|m| !withheld(&m.name))
        .collect();
    // A figure's unit is always grouped by, so figures in different units are never added up.
    let mut dims: Vec<Dimension> = dims.to_vec();
    for m in &measures {
        if let Some(u) = &m.unit_column
            && !dims.iter().any(|d| &d.sql == u)
            && columns.iter().any(|c| &c.name == u)
        {
            dims.push(Dimension {
                name: u.clone(),
                description: String::new(),
                sql: u.clone(),
                stored: Stored::Text,
            });
        }
    }
    let group_by = dims.iter().map(|d| d.name.clone()).collect();
    let Some(release) = current_release(db, resource.dataset).await? else {
        return Ok(Totals {
            release: None,
            group_by,
            groups: Vec::new(),
            truncated: false,
        });
    };
    let filters = super::filter::resolve(db, release.id, filters.to_vec()).await?;
    let mut q = Query::select();
    for (i, d) in dims.iter().enumerate() {
        q.expr_as(Expr::cust(d.sql.clone()), Alias::new(format!("d{i}")));
    }
    q.expr(Expr::cust("COUNT(*)"));
    for m in &measures {
        q.expr(Expr::cust(format!("CAST(SUM({}) AS TEXT)", m.name)));
        q.expr(Expr::col(Alias::new(&m.name)).count());
    }
    q.from(Alias::new(resource.db_table))
        .cond_where(condition(release.id, &filters));
    for d in &dims {
        q.add_group_by([Expr::cust(d.sql.clone())]);
    }
    for (i, _) in dims.iter().enumerate() {
        q.order_by(Alias::new(format!("d{i}")), Order::Asc);
    }
    q.limit(limit + 1);
    let stmt = db.get_database_backend().build(&q);
    let rows = db.query_all_raw(stmt).await?;
    let mut groups = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut key = Vec::with_capacity(dims.len());
        for (i, d) in dims.iter().enumerate() {
            key.push(match d.stored {
                Stored::Text => r
                    .try_get_by_index::<Option<String>>(i)?
                    .map(Cell::Text)
                    .unwrap_or(Cell::Null),
                Stored::Bool => r
                    .try_get_by_index::<Option<bool>>(i)
                    .or_else(|_| get_int(r, i).map(|v| v.map(|v| v != 0)))?
                    .map(Cell::Bool)
                    .unwrap_or(Cell::Null),
                Stored::Int | Stored::BigInt => get_int(r, i)?.map(Cell::Int).unwrap_or(Cell::Null),
            });
        }
        let n = dims.len();
        let rows_behind = get_int(r, n)?.unwrap_or(0);
        let mut sums = Vec::with_capacity(measures.len());
        for (j, m) in measures.iter().enumerate() {
            let text = r.try_get_by_index::<Option<String>>(n + 1 + 2 * j)?;
            let total = match text.as_deref() {
                None => 0,
                Some(t) => t.trim().parse::<i128>().map_err(|_| {
                    sea_orm::DbErr::Custom(format!("sum of {} is not an integer: {t}", m.name))
                })?,
            };
            let count = get_int(r, n + 2 + 2 * j)?.unwrap_or(0);
            let unit = match &m.unit_column {
                None => "fen".to_string(),
                Some(u) => dims
                    .iter()
                    .position(|d| &d.sql == u)
                    .and_then(|i| match &key[i] {
                        Cell::Text(t) => Some(t.clone()),
                        _ => None,
                    })
                    .unwrap_or_default(),
            };
            sums.push(Sum {
                measure: m.name.clone(),
                unit,
                total,
                count,
            });
        }
        groups.push(Group {
            key,
            rows: rows_behind,
            sums,
        });
    }
    let truncated = groups.len() as u64 > limit;
    groups.truncate(limit as usize);
    Ok(Totals {
        release: Some(release.into()),
        group_by,
        groups,
        truncated,
    })
}

/// Groups merged on their first `keep` dimensions: rows added up, sums of the same measure
/// and unit added up. Totals always group by the unit of figures too; this gives the totals
/// of coarser groups (`keep` 0: the whole selection) without another statement. The order of
/// first appearance is kept.
pub fn regroup(groups: &[Group], keep: usize) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for g in groups {
        let key: Vec<Cell> = g.key.iter().take(keep).cloned().collect();
        let at = match out.iter().position(|o| o.key == key) {
            Some(i) => i,
            None => {
                out.push(Group {
                    key,
                    rows: 0,
                    sums: Vec::new(),
                });
                out.len() - 1
            }
        };
        let merged = &mut out[at];
        merged.rows += g.rows;
        for s in &g.sums {
            match merged
                .sums
                .iter_mut()
                .find(|o| o.measure == s.measure && o.unit == s.unit)
            {
                Some(o) => {
                    o.total += s.total;
                    o.count += s.count;
                }
                None => merged.sums.push(s.clone()),
            }
        }
    }
    out
}
