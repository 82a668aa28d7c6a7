//! Typed filters of a record resource. Every resource gets the filters its columns' kinds call
//! for (see [`Resource::filter_defs`]); REST turns query parameters into [`Filter`]s with
//! [`parse_params`], GraphQL builds them from its input types. Unknown parameters and bad values
//! are errors that name the parameter.

use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Query};

use super::{QueryError, Resource, StoredColumn};
use crate::descriptor::{CREDIT_LISTS, Kind, Stored};

/// The value type of a filter parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    String,
    Integer,
    Boolean,
}

/// What a filter does with its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    /// One of the given values (comma-separated).
    Eq,
    /// A region and every region under it.
    Within,
    /// Starts with.
    Prefix,
    /// At least.
    Min,
    /// At most.
    Max,
    /// A period or date on or after (a year, `YYYY-MM` or a date).
    From,
    /// A period or date up to the end of (a year, `YYYY-MM` or a date).
    To,
    /// Organizations with (or without) penalties.
    HasPenalties,
    /// Organizations currently on a credit list.
    CreditList,
    /// Chinese full-text search over names and business scope, or a credit code.
    Search,
}

/// A filter a resource accepts, for parsing and for the API documentation.
#[derive(Debug, Clone)]
pub struct FilterDef {
    /// The parameter name, e.g. `region_code_within`.
    pub name: String,
    /// The stored column it applies to.
    pub column: String,
    pub op: FilterOp,
    pub param_type: ParamType,
    pub allowed: Option<Vec<String>>,
    pub description: String,
    pub example: String,
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    TextIn(String, Vec<String>),
    IntIn(String, Vec<i64>),
    Bool(String, bool),
    /// A region code and its descendants: the code's significant prefix.
    Within(String, String),
    Prefix(String, String),
    IntMin(String, i64),
    IntMax(String, i64),
    /// Canonical text on or after.
    TextFrom(String, String),
    /// Canonical text before (exclusive: the bound after the given one).
    TextBefore(String, String),
    HasPenalties(bool),
    /// On this list now (`None`: on any list).
    CreditList(Option<String>),
    Search(String),
    /// A search resolved against the release's index (see [`resolve`]).
    Matches(Matches),
}

impl Filter {
    /// The stored columns whose values the filter looks at (searches look at the organization's
    /// name, business scope and credit code).
    pub fn columns(&self) -> Vec<&str> {
        match self {
            Filter::TextIn(c, _)
            | Filter::IntIn(c, _)
            | Filter::Bool(c, _)
            | Filter::Within(c, _)
            | Filter::Prefix(c, _)
            | Filter::IntMin(c, _)
            | Filter::IntMax(c, _)
            | Filter::TextFrom(c, _)
            | Filter::TextBefore(c, _) => vec![c.as_str()],
            Filter::Search(_) | Filter::Matches(_) => vec!["name", "business_scope", "uscc"],
            Filter::HasPenalties(_) | Filter::CreditList(_) => Vec::new(),
        }
    }
}

/// The condition of a resolved search.
#[derive(Debug, Clone)]
pub struct Matches(pub Condition);

impl PartialEq for Matches {
    fn eq(&self, _: &Self) -> bool {
        false
    }
}

/// Resolve searches against the release's search index (`crate::search`); other filters are
/// returned as they are.
pub async fn resolve(
    db: &impl sea_orm::ConnectionTrait,
    release_id: i64,
    filters: Vec<Filter>,
) -> Result<Vec<Filter>, QueryError> {
    let mut out = Vec::with_capacity(filters.len());
    for f in filters {
        out.push(match f {
            Filter::Search(q) => match crate::search::organization_search(db, release_id, &q).await
            {
                Ok(Some(s)) => Filter::Matches(Matches(s.condition)),
                Ok(None) => continue,
                Err(crate::search::SearchError::Db(e)) => return Err(e.into()),
                // One Han character has no index entry, and more terms than the index plan takes
                // are refused by it: look for the text in the rows themselves.
                Err(crate::search::SearchError::TooShort | crate::search::SearchError::TooLong) => {
                    Filter::Search(q)
                }
            },
            other => other,
        });
    }
    Ok(out)
}

/// Columns of free text that get no equality filter.
pub(crate) const FREE_TEXT: &[&str] = &[
    "note",
    "business_scope",
    "address",
    "reason",
    "purpose",
    "principle",
    "listed_reason",
    "removed_reason",
    "stated_change",
    "qualifier",
    "title",
    "indicator_published",
    "legal_representative",
];

/// Text columns that are hierarchical codes and so also get a prefix filter.
const PREFIX_COLUMNS: &[&str] = &["subject_code"];

fn example_for(c: &StoredColumn) -> String {
    match c.kind {
        Some(Kind::Region) => "110000".into(),
        Some(Kind::Year) => "2021".into(),
        Some(Kind::Period) => "2021".into(),
        Some(Kind::Date) => "2021-06-30".into(),
        Some(Kind::Enum(v)) => v.first().copied().unwrap_or("").into(),
        Some(Kind::Bool) => "true".into(),
        Some(Kind::Uscc) => "51100000500000595C".into(),
        Some(Kind::Money) => "100000".into(),
        Some(Kind::Quantity) => "1000".into(),
        _ => match c.stored {
            Stored::Int | Stored::BigInt => "1".into(),
            Stored::Bool => "true".into(),
            Stored::Text => match c.name.as_str() {
                "subject_code" => "2081901".into(),
                "fiscal_year" => "2021".into(),
                _ => "民政".into(),
            },
        },
    }
}

impl Resource {
    /// Every filter the resource accepts, in column order.
    pub fn filter_defs(&self) -> Vec<FilterDef> {
        let mut out = Vec::new();
        let mut push = |c: &StoredColumn, suffix: &str, op, t, allowed, desc: String| {
            out.push(FilterDef {
                name: format!("{}{suffix}", c.name),
                column: c.name.clone(),
                op,
                param_type: t,
                allowed,
                description: desc,
                example: example_for(c),
            });
        };
        for c in self.stored_columns() {
            if c.name != c.key && c.name != "fund_id" {
                continue; // `_published`, `_unit`: shown, not filtered
            }
            let what = format!("{} ({})", c.description_en, c.description_zh);
            match (c.kind, c.stored) {
                (Some(Kind::Region), _) => {
                    push(
                        &c,
                        "",
                        FilterOp::Eq,
                        ParamType::String,
                        None,
                        format!("{what}: exactly these GB/T 2260 codes, comma-separated"),
                    );
                    push(
                        &c,
                        "_within",
                        FilterOp::Within,
                        ParamType::String,
                        None,
                        format!(
                            "{what}: this region and every region under it (a province code takes its prefectures and counties)"
                        ),
                    );
                }
                (Some(Kind::Year | Kind::Period | Kind::Date), _) => {
                    let int = c.stored != Stored::Text;
                    push(
                        &c,
                        "",
                        FilterOp::Eq,
                        if int {
                            ParamType::Integer
                        } else {
                            ParamType::String
                        },
                        None,
                        format!("{what}: exactly these values, comma-separated"),
                    );
                    push(
                        &c,
                        "_from",
                        FilterOp::From,
                        ParamType::String,
                        None,
                        format!("{what}: on or after this year, month (YYYY-MM) or date"),
                    );
                    push(
                        &c,
                        "_to",
                        FilterOp::To,
                        ParamType::String,
                        None,
                        format!("{what}: up to the end of this year, month (YYYY-MM) or date"),
                    );
                }
                (Some(Kind::Money | Kind::Quantity), _) => {
                    let unit = if c.kind == Some(Kind::Money) {
                        "fen"
                    } else {
                        "the base unit"
                    };
                    push(
                        &c,
                        "_min",
                        FilterOp::Min,
                        ParamType::Integer,
                        None,
                        format!("{what}: at least this, in {unit}"),
                    );
                    push(
                        &c,
                        "_max",
                        FilterOp::Max,
                        ParamType::Integer,
                        None,
                        format!("{what}: at most this, in {unit}"),
                    );
                }
                (Some(Kind::Bool), _) | (None, Stored::Bool) => push(
                    &c,
                    "",
                    FilterOp::Eq,
                    ParamType::Boolean,
                    None,
                    format!("{what}: true or false"),
                ),
                (Some(Kind::Enum(values)), _) => push(
                    &c,
                    "",
                    FilterOp::Eq,
                    ParamType::String,
                    Some(values.iter().map(|v| v.to_string()).collect()),
                    format!(
                        "{what}: one or more of {}, comma-separated",
                        values.join(", ")
                    ),
                ),
                (_, Stored::Int | Stored::BigInt) => {
                    push(
                        &c,
                        "",
                        FilterOp::Eq,
                        ParamType::Integer,
                        None,
                        format!("{what}: exactly these values, comma-separated"),
                    );
                }
                _ if FREE_TEXT.contains(&c.name.as_str()) => {}
                _ => {
                    push(
                        &c,
                        "",
                        FilterOp::Eq,
                        ParamType::String,
                        None,
                        format!("{what}: exactly these values, comma-separated"),
                    );
                    if PREFIX_COLUMNS.contains(&c.name.as_str()) {
                        push(
                            &c,
                            "_prefix",
                            FilterOp::Prefix,
                            ParamType::String,
                            None,
                            format!(
                                "{what}: codes starting with this (e.g. 208 for 类, 20819 for 款)"
                            ),
                        );
                    }
                }
            }
        }
        out.push(FilterDef {
            name: "source_id".into(),
            column: "source_id".into(),
            op: FilterOp::Eq,
            param_type: ParamType::Integer,
            allowed: None,
            description: "Rows citing these sources (ids from the dataset's sources), comma-separated".into(),
            example: "1".into(),
        });
        if self.db_table == "organizations" {
            out.push(FilterDef {
                name: "q".into(),
                column: "name".into(),
                op: FilterOp::Search,
                param_type: ParamType::String,
                allowed: None,
                description: "Search names and business scope (Chinese, two characters or more), or a credit code or its prefix".into(),
                example: "养老".into(),
            });
            out.push(FilterDef {
                name: "has_penalties".into(),
                column: "uscc".into(),
                op: FilterOp::HasPenalties,
                param_type: ParamType::Boolean,
                allowed: None,
                description:
                    "Organizations with (true) or without (false) an administrative penalty".into(),
                example: "true".into(),
            });
            let mut lists: Vec<String> = CREDIT_LISTS.iter().map(|s| s.to_string()).collect();
            lists.push("any".into());
            out.push(FilterDef {
                name: "credit_list".into(),
                column: "uscc".into(),
                op: FilterOp::CreditList,
                param_type: ParamType::String,
                allowed: Some(lists),
                description: "Organizations currently on this credit list (not removed): 活动异常名录, 严重违法失信名单, or any".into(),
                example: "严重违法失信名单".into(),
            });
        }
        out
    }
}

fn bad(param: &str, why: impl Into<String>) -> QueryError {
    QueryError::InvalidParameter {
        parameter: param.to_string(),
        message: why.into(),
    }
}

fn parse_bool(param: &str, v: &str) -> Result<bool, QueryError> {
    match v {
        "true" | "1" | "yes" | "是" => Ok(true),
        "false" | "0" | "no" | "否" => Ok(false),
        _ => Err(bad(param, format!("“{v}” is not true or false"))),
    }
}

fn parse_int(param: &str, v: &str) -> Result<i64, QueryError> {
    v.trim()
        .parse()
        .map_err(|_| bad(param, format!("“{v}” is not an integer")))
}

/// The significant prefix of a region code: `110000` → `11`, `110100` → `1101`.
pub fn region_prefix(code: &str) -> &str {
    if code == crate::region::NATION {
        return "";
    }
    let mut p = code;
    while p.len() > 2 && p.ends_with("00") {
        p = &p[..p.len() - 2];
    }
    p
}

/// A period bound `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, checked.
fn period_bound(param: &str, v: &str) -> Result<String, QueryError> {
    let v = v.trim();
    let ok = match v.len() {
        4 => v.parse::<u32>().is_ok(),
        7 => {
            v.as_bytes()[4] == b'-'
                && v[..4].parse::<u32>().is_ok()
                && matches!(v[5..].parse::<u32>(), Ok(1..=12))
        }
        10 => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok() && v.as_bytes()[4] == b'-',
        _ => false,
    };
    if ok {
        Ok(v.to_string())
    } else {
        Err(bad(
            param,
            format!("“{v}” is not a year (2021), month (2021-06) or date (2021-06-30)"),
        ))
    }
}

/// The first bound after everything that starts with `v`: `2021` → `2022`, `2021-12` → `2022-01`,
/// `2021-06-30` → `2021-07-01`.
fn bound_after(v: &str) -> String {
    let y: i32 = v.get(..4).and_then(|s| s.parse().ok()).unwrap_or(9999);
    match v.len() {
        4 => format!("{:04}", y + 1),
        7 => {
            let m: u32 = v[5..].parse().unwrap_or(12);
            if m >= 12 {
                format!("{:04}-01", y + 1)
            } else {
                format!("{y:04}-{:02}", m + 1)
            }
        }
        _ => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.succ_opt())
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| format!("{:04}", y + 1)),
    }
}

/// Parameters every list takes besides filters.
pub const RESERVED: &[&str] = &["limit", "cursor", "sort", "format", "bom"];

/// Turn query parameters into filters. Reserved parameters (paging, sorting, format) are skipped;
/// an unknown parameter or a bad value is an error naming the parameter. A list filter takes
/// its values comma-separated.
pub fn parse_params(
    resource: &Resource,
    params: &[(String, String)],
) -> Result<Vec<Filter>, QueryError> {
    let defs = resource.filter_defs();
    let mut out = Vec::new();
    for (name, value) in params {
        if RESERVED.contains(&name.as_str()) {
            continue;
        }
        let Some(def) = defs.iter().find(|d| &d.name == name) else {
            return Err(bad(
                name,
                format!(
                    "unknown parameter for {}; accepted: {}",
                    resource.path,
                    defs.iter()
                        .map(|d| d.name.as_str())
                        .chain(RESERVED.iter().copied())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        };
        let value = value.trim();
        if value.is_empty() {
            return Err(bad(name, "empty value"));
        }
        let values: Vec<&str> = if def.takes_list() {
            value.split(',').map(str::trim).collect()
        } else {
            vec![value]
        };
        out.push(parse_filter(resource, def, &values, name)?);
    }
    Ok(out)
}

impl FilterDef {
    /// Whether the filter takes several values (any of them matches).
    pub fn takes_list(&self) -> bool {
        self.op == FilterOp::Eq && self.param_type != ParamType::Boolean
    }
}

/// One filter from its definition and its values (one, or several for a list filter), as
/// given by any face: REST splits a parameter on commas, GraphQL passes a list. Errors name
/// `param`, the name the caller used.
pub fn parse_filter(
    resource: &Resource,
    def: &FilterDef,
    values: &[&str],
    param: &str,
) -> Result<Filter, QueryError> {
    let name = param;
    let col = def.column.clone();
    if values.is_empty() {
        return Err(bad(name, "no value"));
    }
    if !def.takes_list() && values.len() > 1 {
        return Err(bad(name, "takes one value"));
    }
    if values.len() > MAX_VALUES {
        return Err(bad(name, format!("at most {MAX_VALUES} values")));
    }
    // An empty item of a list matches nothing (as `a,,b` always did); a filter of one value
    // needs one.
    let value = values[0].trim();
    if !def.takes_list() && value.is_empty() {
        return Err(bad(name, "empty value"));
    }
    Ok(match def.op {
        FilterOp::Eq => match def.param_type {
            ParamType::Boolean => Filter::Bool(col, parse_bool(name, value)?),
            ParamType::Integer => Filter::IntIn(
                col,
                values
                    .iter()
                    .map(|v| parse_int(name, v))
                    .collect::<Result<_, _>>()?,
            ),
            ParamType::String => {
                let values: Vec<String> = values.iter().map(|v| v.trim().to_string()).collect();
                if let Some(allowed) = &def.allowed
                    && let Some(v) = values.iter().find(|v| !allowed.contains(v))
                {
                    return Err(bad(
                        name,
                        format!("“{v}” is not one of {}", allowed.join(", ")),
                    ));
                }
                Filter::TextIn(col, values)
            }
        },
        FilterOp::Within => {
            // Any well-formed code: one outside the code list simply matches nothing.
            if value.len() != 6 || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(
                    name,
                    format!("“{value}” is not a six-digit region code"),
                ));
            }
            Filter::Within(col, region_prefix(value).to_string())
        }
        FilterOp::Prefix => Filter::Prefix(col, value.to_string()),
        FilterOp::Min => Filter::IntMin(col, parse_int(name, value)?),
        FilterOp::Max => Filter::IntMax(col, parse_int(name, value)?),
        FilterOp::From | FilterOp::To => {
            let b = period_bound(name, value)?;
            let year_column = resource
                .stored_columns()
                .iter()
                .any(|c| c.name == col && c.stored != Stored::Text);
            match (def.op, year_column) {
                (FilterOp::From, true) => Filter::IntMin(col, parse_int(name, &b[..4])?),
                (_, true) => Filter::IntMax(col, parse_int(name, &b[..4])?),
                (FilterOp::From, false) => Filter::TextFrom(col, b),
                (_, false) => Filter::TextBefore(col, bound_after(&b)),
            }
        }
        FilterOp::HasPenalties => Filter::HasPenalties(parse_bool(name, value)?),
        FilterOp::CreditList => {
            if value == "any" {
                Filter::CreditList(None)
            } else if CREDIT_LISTS.contains(&value) {
                Filter::CreditList(Some(value.to_string()))
            } else {
                return Err(bad(
                    name,
                    format!("“{value}” is not one of {}, any", CREDIT_LISTS.join(", ")),
                ));
            }
        }
        FilterOp::Search => {
            if value.chars().count() > 100 {
                return Err(bad(name, "longer than 100 characters"));
            }
            Filter::Search(value.to_string())
        }
    })
}

/// Most values one list filter takes.
pub const MAX_VALUES: usize = 1000;

fn col(name: &str) -> Expr {
    Expr::col(Alias::new(name))
}

/// The SQL condition of the filters on a resource's table inside one release.
pub(crate) fn condition(release_id: impl Into<Expr>, filters: &[Filter]) -> Condition {
    let release_id: Expr = release_id.into();
    let mut c = Condition::all().add(col("release_id").eq(release_id.clone()));
    for f in filters {
        c = c.add(match f {
            Filter::TextIn(k, v) => col(k).is_in(v.iter().cloned()),
            Filter::IntIn(k, v) => col(k).is_in(v.iter().copied()),
            Filter::Bool(k, v) => col(k).eq(*v),
            Filter::Within(k, p) if p.is_empty() => col(k).is_not_null(),
            Filter::Within(k, p) => {
                // A range on the code, so an index on it is used: `11` → [110000, 119999].
                let lo = format!("{p:0<6}");
                let hi = format!("{p:9<6}");
                col(k).gte(lo).and(col(k).lte(hi))
            }
            Filter::Prefix(k, p) => col(k).like(
                sea_orm::sea_query::LikeExpr::new(format!("{}%", super::like_escape(p)))
                    .escape('\\'),
            ),
            Filter::IntMin(k, v) => col(k).gte(*v),
            Filter::IntMax(k, v) => col(k).lte(*v),
            Filter::TextFrom(k, v) => col(k).gte(v.clone()),
            Filter::TextBefore(k, v) => col(k).lt(v.clone()),
            Filter::HasPenalties(has) => {
                let sub = Query::select()
                    .column(Alias::new("uscc"))
                    .from(Alias::new("penalties"))
                    .and_where(col("release_id").eq(release_id.clone()))
                    .to_owned();
                if *has {
                    col("uscc").in_subquery(sub)
                } else {
                    col("uscc").not_in_subquery(sub)
                }
            }
            Filter::CreditList(list) => {
                let mut sub = Query::select();
                sub.column(Alias::new("uscc"))
                    .from(Alias::new("credit_listings"))
                    .and_where(col("release_id").eq(release_id.clone()))
                    .and_where(col("removed_on").is_null());
                if let Some(l) = list {
                    sub.and_where(col("list_type").eq(l.clone()));
                }
                col("uscc").in_subquery(sub.to_owned())
            }
            Filter::Search(q) => super::search_condition(q),
            Filter::Matches(Matches(c)) => c.clone().into(),
        });
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::resource;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn filters_fit_each_resource() {
        let names = |r: &str| -> Vec<String> {
            resource(r)
                .expect("resource")
                .filter_defs()
                .into_iter()
                .map(|d| d.name)
                .collect()
        };
        let b = names("budget-lines");
        for n in [
            "fiscal_year",
            "fiscal_year_from",
            "stage",
            "region_code_within",
            "subject_code_prefix",
            "amount_min",
        ] {
            assert!(b.contains(&n.to_string()), "budget-lines lacks {n}");
        }
        let o = names("organizations");
        for n in [
            "org_type",
            "status",
            "registration_authority",
            "region_code_within",
            "founded_on_from",
            "founded_on_to",
            "has_penalties",
            "credit_list",
            "q",
        ] {
            assert!(o.contains(&n.to_string()), "organizations lacks {n}");
        }
        let r = names("relief-stats");
        for n in [
            "region_code_within",
            "period_from",
            "period_to",
            "programme",
            "indicator",
        ] {
            assert!(r.contains(&n.to_string()), "relief-stats lacks {n}");
        }
        assert!(!o.contains(&"business_scope".to_string()));
    }

    #[test]
    fn params_parse_or_name_the_bad_one() {
        let r = resource("relief-stats").expect("relief");
        let f = parse_params(
            r,
            &p(&[
                ("region_code_within", "110000"),
                ("period_to", "2021-12"),
                ("programme", "农村低保,城市低保"),
                ("limit", "5"),
            ]),
        )
        .expect("valid");
        assert_eq!(
            f,
            vec![
                Filter::Within("region_code".into(), "11".into()),
                Filter::TextBefore("period".into(), "2022-01".into()),
                Filter::TextIn(
                    "programme".into(),
                    vec!["农村低保".into(), "城市低保".into()]
                ),
            ]
        );
        for (k, v) in [
            ("nope", "1"),
            ("region_code_within", "99999"),
            ("programme", "低保"),
            ("period_from", "2021-13"),
            ("value_min", "1.5"),
        ] {
            match parse_params(r, &p(&[(k, v)])) {
                Err(QueryError::InvalidParameter { parameter, .. }) => assert_eq!(parameter, k),
                other => panic!("{k}={v}: {other:?}"),
            }
        }
        let b = resource("budget-lines").expect("budgets");
        assert_eq!(
            parse_params(b, &p(&[("fiscal_year_from", "2020")])).expect("ok"),
            vec![Filter::IntMin("fiscal_year".into(), 2020)]
        );
    }

    #[test]
    fn bounds() {
        assert_eq!(bound_after("2021"), "2022");
        assert_eq!(bound_after("2021-12"), "2022-01");
        assert_eq!(bound_after("2021-02-28"), "2021-03-01");
        assert_eq!(region_prefix("110000"), "11");
        assert_eq!(region_prefix("110100"), "1101");
        assert_eq!(region_prefix("110105"), "110105");
        assert_eq!(region_prefix("000000"), "");
    }
}
