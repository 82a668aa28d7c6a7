//! Scalars, shared object types and the small builders every GraphQL type is made of.
//!
//! Most objects are plain values: the resolver of a field returns an object [`Value`] and the
//! fields of its type read their keys from it ([`value_field`]). Only records (which resolve
//! related rows) and connections (which resolve sums lazily) carry Rust state of their own.

use async_graphql::dynamic::{
    Enum, EnumItem, Field, FieldFuture, InputValue, Object, ResolverContext, Scalar, TypeRef,
};
use async_graphql::indexmap::IndexMap;
use async_graphql::{ErrorExtensions, Name, Value};

use crate::error::{ApiError, ErrorCode};

/// An integer of any size, as a decimal string (`"123456789012345678"`): money in fen, figures
/// in their base unit and exact sums, which may exceed what a JSON number keeps exactly. As
/// input it also takes a JSON integer.
pub const BIG_INT: &str = "BigInt";
/// An exact decimal number as a string (`"1234.50"`): amounts in yuan. Never a float.
pub const DECIMAL: &str = "Decimal";
/// Any JSON value (the `extra` columns of an imported file, the key of a group).
pub const JSON: &str = "JSON";

fn is_integer_text(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.len() <= 40 && digits.bytes().all(|b| b.is_ascii_digit())
}

fn is_decimal_text(s: &str) -> bool {
    let (int, frac) = s.split_once('.').unwrap_or((s, "0"));
    is_integer_text(int) && !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit())
}

/// The custom scalars.
pub fn scalars() -> Vec<Scalar> {
    vec![
        Scalar::new(BIG_INT)
            .description(
                "An integer of any size as a decimal string, e.g. \"123456789012345678\" (money in fen 分, figures in their base unit, exact sums). Input also takes a JSON integer.",
            )
            .validator(|v| match v {
                Value::String(s) => is_integer_text(s),
                Value::Number(n) => n.is_i64() || n.is_u64(),
                _ => false,
            }),
        Scalar::new(DECIMAL)
            .description(
                "An exact decimal number as a string, e.g. \"1234.50\" (amounts in yuan 元). Never a float.",
            )
            .validator(|v| matches!(v, Value::String(s) if is_decimal_text(s))),
        Scalar::new(JSON).description("Any JSON value."),
    ]
}

/// An error with its stable code (the codes of the REST API's error table) in
/// `extensions.code`.
pub fn error(code: ErrorCode, message: impl Into<String>) -> async_graphql::Error {
    let message = message.into();
    async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code.as_str()))
}

/// Any error of the query layer, as a GraphQL error with its code (the same code REST
/// answers with).
pub fn fail(e: impl Into<ApiError>) -> async_graphql::Error {
    let e: ApiError = e.into();
    error(e.code, e.message)
}

/// `snake_case` → `camelCase`.
pub fn camel(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut up = false;
    for ch in s.chars() {
        if ch == '_' || ch == '-' || ch == '.' {
            up = true;
        } else if up {
            out.extend(ch.to_uppercase());
            up = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// `snake_case`, `kebab-case` or `dotted.name` → `SCREAMING_CASE` (an enum value).
pub fn screaming(s: &str) -> String {
    s.replace(['.', '-'], "_").to_uppercase()
}

/// `kebab-case` → `PascalCase`.
pub fn pascal(s: &str) -> String {
    let c = camel(s);
    let mut chars = c.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A JSON value as a GraphQL value, object keys in camelCase.
pub fn from_json_camel(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (Name::new(camel(&k)), from_json_camel(v)))
                .collect(),
        ),
        serde_json::Value::Array(a) => Value::List(a.into_iter().map(from_json_camel).collect()),
        other => Value::from_json(other).unwrap_or(Value::Null),
    }
}

/// An object value from `(key, value)` pairs.
pub fn object<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Object(
        pairs
            .into_iter()
            .map(|(k, v)| (Name::new(k), v))
            .collect::<IndexMap<_, _>>(),
    )
}

/// A string or null.
pub fn opt_str(s: Option<&str>) -> Value {
    s.map_or(Value::Null, |s| Value::String(s.to_string()))
}

/// A field whose value is the key `name` of the parent's object value.
pub fn value_field(name: &str, ty: impl Into<TypeRef>, description: &str) -> Field {
    let key = Name::new(name);
    Field::new(name, ty, move |ctx: ResolverContext<'_>| {
        let v = match ctx.parent_value.as_value() {
            Some(Value::Object(m)) => m.get(&key).cloned(),
            _ => None,
        };
        FieldFuture::from_value(v.filter(|v| *v != Value::Null))
    })
    .description(description)
}

/// An object type of [`value_field`]s: `(name, type, description)`.
pub fn value_object(name: &str, description: &str, fields: &[(&str, TypeRef, &str)]) -> Object {
    let mut o = Object::new(name).description(description);
    for (n, t, d) in fields {
        o = o.field(value_field(n, t.clone(), d));
    }
    o
}

/// An enum type from `(value, description)` pairs.
pub fn enum_type(name: &str, description: &str, items: &[(String, String)]) -> Enum {
    let mut e = Enum::new(name).description(description);
    for (v, d) in items {
        e = e.item(EnumItem::new(v.as_str()).description(d.as_str()));
    }
    e
}

/// An argument with a description.
pub fn arg(name: &str, ty: impl Into<TypeRef>, description: &str) -> InputValue {
    InputValue::new(name, ty).description(description)
}

fn nn(t: &str) -> TypeRef {
    TypeRef::named_nn(t)
}

fn n(t: &str) -> TypeRef {
    TypeRef::named(t)
}

fn list_nn(t: &str) -> TypeRef {
    TypeRef::named_nn_list_nn(t)
}

/// The object types every part of the schema shares: money, figures, sources, releases, page
/// info, sums and aggregates.
pub fn shared_types() -> Vec<Object> {
    vec![
        value_object(
            "Money",
            "An amount of money (金额), exact: in fen (分), in yuan (元) and as the department published it.",
            &[
                ("fen", nn(BIG_INT), "The amount in fen (分), exact."),
                (
                    "yuan",
                    nn(DECIMAL),
                    "The same amount in yuan (元) as an exact decimal with two places.",
                ),
                (
                    "published",
                    n(TypeRef::STRING),
                    "The text as published (原文), e.g. \"1,234.5万元\".",
                ),
            ],
        ),
        value_object(
            "Figure",
            "A statistical figure (统计数) in its base unit (persons, households, person-times or 0.01%), with the text as published.",
            &[
                ("value", n(BIG_INT), "The figure in its base unit, exact."),
                (
                    "unit",
                    n(TypeRef::STRING),
                    "The base unit (基本单位), e.g. 人, 户, 人次.",
                ),
                (
                    "published",
                    n(TypeRef::STRING),
                    "The text as published (原文).",
                ),
            ],
        ),
        value_object(
            "Source",
            "A source document (来源文件) that figures cite. Every row links to one.",
            &[
                ("id", nn(TypeRef::INT), "Source id, as in a row's source."),
                (
                    "dataset",
                    n(TypeRef::STRING),
                    "The dataset whose current release cites it (in `sources`).",
                ),
                (
                    "title",
                    nn(TypeRef::STRING),
                    "Title of the document (来源文件标题).",
                ),
                (
                    "url",
                    n(TypeRef::STRING),
                    "Where the document is published (网址).",
                ),
                (
                    "publisherDate",
                    n(TypeRef::STRING),
                    "Date of the document (发文日期).",
                ),
                (
                    "documentNumber",
                    n(TypeRef::STRING),
                    "Document number (文号).",
                ),
                (
                    "grade",
                    n(TypeRef::STRING),
                    "Source grade: A (the department's own publication), B (another government body), C (press or secondary).",
                ),
                ("rows", n(TypeRef::INT), "Rows of the release that cite it."),
            ],
        ),
        value_object(
            "Release",
            "A published release (发布版本) of a dataset: public reads see only the current one.",
            &[
                ("id", nn(TypeRef::INT), "Release id."),
                (
                    "version",
                    nn(TypeRef::INT),
                    "Version number within the dataset, from 1.",
                ),
                (
                    "publishedAt",
                    n(TypeRef::STRING),
                    "When it was published (UTC, RFC 3339).",
                ),
                (
                    "rowCount",
                    nn(TypeRef::INT),
                    "Rows in the release, all tables.",
                ),
            ],
        ),
        value_object(
            "PageInfo",
            "Where a page sits in its selection (Relay cursor connections).",
            &[
                (
                    "hasNextPage",
                    nn(TypeRef::BOOLEAN),
                    "More rows follow the page (reading forwards); when reading backwards, whether rows exist after `before`.",
                ),
                (
                    "hasPreviousPage",
                    nn(TypeRef::BOOLEAN),
                    "More rows precede the page (reading backwards); when reading forwards, whether the page started after a cursor.",
                ),
                (
                    "startCursor",
                    n(TypeRef::STRING),
                    "Cursor of the first row of the page.",
                ),
                (
                    "endCursor",
                    n(TypeRef::STRING),
                    "Cursor of the last row of the page: pass it as `after` for the next page (the same cursor as REST's `next_cursor`).",
                ),
            ],
        ),
        value_object(
            "Sum",
            "An exact sum (合计) of one measure over a selection or a group.",
            &[
                (
                    "measure",
                    nn(TypeRef::STRING),
                    "The summed field, e.g. `amount` or `value`.",
                ),
                (
                    "unit",
                    nn(TypeRef::STRING),
                    "`fen` (分) for money, else the figure's base unit; figures in different units are never added together.",
                ),
                ("total", nn(BIG_INT), "The exact sum, in the unit."),
                (
                    "yuan",
                    n(DECIMAL),
                    "For money, the sum in yuan (元), exact.",
                ),
                (
                    "count",
                    nn(TypeRef::INT),
                    "Rows with a value for the measure.",
                ),
            ],
        ),
        value_object(
            "AggregateGroup",
            "One group of an aggregate: its key, how many rows it has and their exact sums.",
            &[
                (
                    "key",
                    nn(JSON),
                    "The group's value of each dimension, e.g. {\"region_code.province\": \"110000\", \"period.year\": \"2021\"} (a figure's unit is always one of the dimensions).",
                ),
                ("rows", nn(TypeRef::INT), "Rows in the group."),
                (
                    "sums",
                    list_nn("Sum"),
                    "Exact sums of every measure in the group.",
                ),
            ],
        ),
        value_object(
            "Aggregate",
            "Group-by totals (分组合计) of a selection, exact: the same numbers as REST's `/totals`.",
            &[
                (
                    "resource",
                    nn(TypeRef::STRING),
                    "The record resource, as in REST (`/api/v1/{resource}`).",
                ),
                (
                    "groupBy",
                    TypeRef::named_nn_list_nn(TypeRef::STRING),
                    "The dimensions grouped by, in order, including the units of figures.",
                ),
                (
                    "groups",
                    list_nn("AggregateGroup"),
                    "The groups, ordered by their key.",
                ),
                (
                    "overall",
                    list_nn("AggregateGroup"),
                    "The whole selection (one group per unit of figures).",
                ),
                (
                    "truncated",
                    nn(TypeRef::BOOLEAN),
                    "More groups exist than `limit` allowed.",
                ),
                (
                    "release",
                    n("Release"),
                    "The release read (null when nothing is published).",
                ),
            ],
        ),
    ]
}

/// The `OrderDirection` enum.
pub fn order_direction() -> Enum {
    enum_type(
        "OrderDirection",
        "Sort direction; ties are broken by id in the same direction, so pages are stable.",
        &[
            ("ASC".into(), "Ascending (升序).".into()),
            ("DESC".into(), "Descending (降序).".into()),
        ],
    )
}

/// A release as a value of the `Release` type.
pub fn release_value(r: &schema::query::ReleaseView) -> Value {
    object([
        ("id", Value::from(r.id)),
        ("version", Value::from(r.version)),
        ("publishedAt", opt_str(r.published_at.as_deref())),
        ("rowCount", Value::from(r.row_count)),
    ])
}

/// A source as a value of the `Source` type.
pub fn source_value(s: &schema::query::SourceView, dataset: Option<&str>) -> Value {
    object([
        ("id", Value::from(s.id)),
        ("dataset", opt_str(dataset)),
        ("title", Value::String(s.title.clone())),
        ("url", opt_str(s.url.as_deref())),
        ("publisherDate", opt_str(s.publisher_date.as_deref())),
        ("documentNumber", opt_str(s.document_number.as_deref())),
        ("grade", opt_str(s.grade.as_deref())),
        ("rows", Value::from(s.rows)),
    ])
}

/// Sums as values of the `Sum` type.
pub fn sums_value(sums: &[schema::records::aggregate::Sum]) -> Value {
    Value::List(
        sums.iter()
            .map(|s| {
                object([
                    ("measure", Value::String(s.measure.clone())),
                    ("unit", Value::String(s.unit.clone())),
                    ("total", Value::String(s.total.to_string())),
                    (
                        "yuan",
                        if s.unit == "fen" {
                            Value::String(schema::normalize::fen_to_yuan(s.total))
                        } else {
                            Value::Null
                        },
                    ),
                    ("count", Value::from(s.count)),
                ])
            })
            .collect(),
    )
}

/// Totals as a value of the `Aggregate` type (`overall`: the same selection ungrouped).
pub fn aggregate_value(
    resource: &str,
    t: &schema::records::aggregate::Totals,
    overall: &schema::records::aggregate::Totals,
) -> Value {
    let groups = |t: &schema::records::aggregate::Totals| {
        Value::List(
            t.groups
                .iter()
                .map(|g| {
                    let key: serde_json::Map<String, serde_json::Value> = t
                        .group_by
                        .iter()
                        .zip(&g.key)
                        .map(|(d, c)| (d.clone(), c.to_json()))
                        .collect();
                    object([
                        (
                            "key",
                            Value::from_json(serde_json::Value::Object(key)).unwrap_or(Value::Null),
                        ),
                        ("rows", Value::from(g.rows)),
                        ("sums", sums_value(&g.sums)),
                    ])
                })
                .collect(),
        )
    };
    object([
        ("resource", Value::String(resource.to_string())),
        (
            "groupBy",
            Value::List(
                t.group_by
                    .iter()
                    .map(|d| Value::String(d.clone()))
                    .collect(),
            ),
        ),
        ("groups", groups(t)),
        ("overall", groups(overall)),
        ("truncated", Value::Boolean(t.truncated)),
        (
            "release",
            t.release.as_ref().map_or(Value::Null, release_value),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(camel("region_code_within"), "regionCodeWithin");
        assert_eq!(camel("region_code.province"), "regionCodeProvince");
        assert_eq!(pascal("credit-listings"), "CreditListings");
        assert_eq!(screaming("region_code.province"), "REGION_CODE_PROVINCE");
        assert!(is_integer_text("-12"));
        assert!(!is_integer_text("1.5"));
        assert!(is_decimal_text("12.50"));
        assert!(!is_decimal_text("12."));
    }
}
