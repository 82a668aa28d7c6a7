//! The record resources in GraphQL: for each resource of `schema::records::RESOURCES`, an
//! object type of its rows, a Relay connection with a typed filter, an order, cursors and an
//! exact count, and for every resource with figures an aggregate. Everything is built from
//! the same descriptors as REST, and reads through the same query layer
//! (`schema::records::list`, `aggregate::totals`), so the two faces cannot disagree.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::dynamic::{
    Field, FieldFuture, FieldValue, InputObject, InputValue, Object, ResolverContext, TypeRef,
};
use async_graphql::{Name, Value};
use schema::descriptor::Stored;
use schema::query::{ReleaseInfo, SourcesById};
use schema::records::aggregate::{self, Dimension};
use schema::records::list::{Cell, Cursor, ListRequest, Row, Sort, by_keys, cursor_after};
use schema::records::view::{FieldShape, fields};
use schema::records::{
    Filter, FilterDef, FilterOp, ParamType, RELATED_LIMIT, Resource, StoredColumn, parse_filter,
};

use super::values::{
    BIG_INT, JSON, aggregate_value, arg, camel, enum_type, error, fail, object, pascal,
    release_value, screaming, source_value, sums_value,
};
use crate::AppState;
use crate::error::ErrorCode;

/// Most rows per page (as in REST).
pub const MAX_PAGE: u64 = crate::rest::records::MAX_LIMIT;
/// Rows per page unless `first` or `last` says otherwise (as in REST).
pub const DEFAULT_PAGE: u64 = crate::rest::records::DEFAULT_LIMIT;

/// What the schema needs to know about one resource.
#[derive(Debug)]
pub struct Info {
    pub resource: &'static Resource,
    pub columns: Vec<StoredColumn>,
    pub fields: Vec<(String, FieldShape)>,
    pub filters: Vec<FilterDef>,
    pub dimensions: Vec<Dimension>,
    pub has_measures: bool,
    /// The object type of a row, e.g. `Organization`.
    pub type_name: String,
    /// The root field of the connection, e.g. `organizations`.
    pub field_name: String,
}

impl Info {
    pub fn new(resource: &'static Resource) -> Info {
        let columns = resource.stored_columns();
        let fields = fields(resource, &columns);
        let plural = pascal(resource.path);
        let type_name = if let Some(stem) = plural.strip_suffix("ies") {
            format!("{stem}y")
        } else {
            plural.strip_suffix('s').unwrap_or(&plural).to_string()
        };
        Info {
            resource,
            filters: resource.filter_defs(),
            dimensions: resource.dimensions(),
            has_measures: !resource.measures().is_empty(),
            columns,
            fields,
            type_name,
            field_name: camel(resource.path),
        }
    }

    fn filter_type(&self) -> String {
        format!("{}Filter", self.type_name)
    }
    fn order_type(&self) -> String {
        format!("{}Order", self.type_name)
    }
    fn order_field_type(&self) -> String {
        format!("{}OrderField", self.type_name)
    }
    fn connection_type(&self) -> String {
        format!("{}Connection", self.type_name)
    }
    fn edge_type(&self) -> String {
        format!("{}Edge", self.type_name)
    }
    fn dimension_type(&self) -> String {
        format!("{}Dimension", self.type_name)
    }
    /// `Title (标题)`.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.resource.title_en, self.resource.title_zh)
    }
}

/// Every resource's schema information, built once.
pub fn infos() -> &'static [Arc<Info>] {
    static ALL: std::sync::OnceLock<Vec<Arc<Info>>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        schema::records::RESOURCES
            .iter()
            .map(|r| Arc::new(Info::new(r)))
            .collect()
    })
}

/// The information of the resource at `path`.
pub fn info(path: &str) -> Option<&'static Arc<Info>> {
    infos().iter().find(|i| i.resource.path == path)
}

/// The GraphQL name of a filter parameter (`q` is `search`).
fn filter_field_name(def: &FilterDef) -> String {
    if def.op == FilterOp::Search {
        "search".into()
    } else {
        camel(&def.name)
    }
}

// ---------------------------------------------------------------------------------------------
// Rows

/// Rows read together (a page, the related rows of one parent), shared by their nodes.
#[derive(Debug)]
pub struct Rows {
    pub info: Arc<Info>,
    pub rows: Arc<Vec<Row>>,
    /// The release the rows belong to (`None`: nothing published, and no rows).
    pub release: Option<Arc<ReleaseInfo>>,
    /// The order they were read in (for their cursors).
    pub sort: Sort,
}

impl Rows {
    /// Every row as a node.
    pub fn nodes(self: &Arc<Self>) -> impl Iterator<Item = Node> + '_ {
        (0..self.rows.len()).map(|index| Node {
            rows: self.clone(),
            index,
        })
    }

    fn sources(&self) -> &SourcesById {
        self.release
            .as_ref()
            .map_or(schema::query::no_sources(), |r| &r.sources)
    }
}

/// A row in a response. Its fields are made from the stored cells only when a query selects
/// them.
#[derive(Debug, Clone)]
pub struct Node {
    pub rows: Arc<Rows>,
    pub index: usize,
}

impl Node {
    fn row(&self) -> Option<&Row> {
        self.rows.rows.get(self.index)
    }

    fn release_id(&self) -> i64 {
        self.rows.release.as_ref().map_or(0, |r| r.release.id)
    }

    fn cursor(&self) -> String {
        self.row()
            .map(|r| cursor_after(&self.rows.sort, &self.rows.info.columns, r).encode())
            .unwrap_or_default()
    }
}

fn cell_value(c: &Cell) -> Value {
    match c {
        Cell::Null => Value::Null,
        Cell::Text(s) => Value::String(s.clone()),
        Cell::Int(i) => Value::from(*i),
        Cell::Bool(b) => Value::Boolean(*b),
    }
}

fn cell_text(c: &Cell) -> Value {
    match c {
        Cell::Null => Value::Null,
        Cell::Text(s) => Value::String(s.clone()),
        Cell::Int(i) => Value::String(i.to_string()),
        Cell::Bool(b) => Value::String(b.to_string()),
    }
}

/// What a field of a row shows.
#[derive(Debug, Clone)]
enum Part {
    Id,
    Shape(FieldShape),
    Source,
    RowNo,
    Extra,
}

/// The value of one field of a row.
fn part_value(part: &Part, node: &Node) -> Value {
    let Some(row) = node.row() else {
        return Value::Null;
    };
    let cell = |i: usize| row.cells.get(i).unwrap_or(&Cell::Null);
    match part {
        Part::Id => Value::from(row.id),
        Part::RowNo => Value::from(row.row_no),
        Part::Shape(FieldShape::Plain(i)) => cell_value(cell(*i)),
        Part::Shape(FieldShape::Money { fen, published }) => match cell(*fen) {
            Cell::Int(f) => object([
                ("fen", Value::String(f.to_string())),
                ("yuan", Value::String(schema::normalize::fen_to_yuan(*f))),
                (
                    "published",
                    published.map_or(Value::Null, |p| cell_value(cell(p))),
                ),
            ]),
            _ => Value::Null,
        },
        Part::Shape(FieldShape::Figure {
            value,
            unit,
            published,
        }) => object([
            ("value", cell_text(cell(*value))),
            ("unit", cell_value(cell(*unit))),
            ("published", cell_value(cell(*published))),
        ]),
        Part::Source => node
            .rows
            .sources()
            .get(&row.source_id)
            .map_or(Value::Null, |s| {
                source_value(s, Some(node.rows.info.resource.dataset))
            }),
        Part::Extra => row
            .extra
            .as_deref()
            .and_then(|e| serde_json::from_str::<serde_json::Value>(e).ok())
            .and_then(|v| Value::from_json(v).ok())
            .unwrap_or(Value::Null),
    }
}

/// Rows as a list of nodes.
fn node_list<'a>(rows: Rows) -> FieldValue<'a> {
    let rows = Arc::new(rows);
    FieldValue::list(rows.nodes().map(FieldValue::owned_any).collect::<Vec<_>>())
}

/// A field of a row, made from its [`Node`].
fn node_field(name: &str, ty: TypeRef, description: &str, part: Part) -> Field {
    // A required field is null only when it is on the negative list: say so rather than fail
    // as an internal error.
    let required = matches!(ty, TypeRef::NonNull(_));
    let field = name.to_string();
    Field::new(name, ty, move |ctx: ResolverContext<'_>| {
        let v = ctx
            .parent_value
            .downcast_ref::<Node>()
            .map(|n| part_value(&part, n))
            .filter(|v| *v != Value::Null);
        if v.is_none() && required && ctx.parent_value.downcast_ref::<Node>().is_some() {
            let message = format!("{field} is on the negative list (不予公开)");
            return FieldFuture::new(async move {
                Err::<Option<FieldValue<'_>>, _>(error(ErrorCode::Forbidden, message))
            });
        }
        FieldFuture::from_value(v)
    })
    .description(description)
}

/// The object type of a resource's rows (without related fields).
fn record_type(info: &Info) -> Object {
    let mut o = Object::new(&info.type_name)
        .description(format!(
            "{}: one row, with its figures as published and its source.",
            info.describe()
        ))
        .field(node_field(
            "id",
            TypeRef::named_nn(TypeRef::INT),
            "Record id (记录编号), unique within the dataset's release; the same as REST's `id`.",
            Part::Id,
        ));
    for (name, shape) in &info.fields {
        let (i, ty) = match shape {
            FieldShape::Plain(i) => {
                let c = &info.columns[*i];
                let t = match c.stored {
                    Stored::Text => TypeRef::STRING,
                    Stored::Int | Stored::BigInt => TypeRef::INT,
                    Stored::Bool => TypeRef::BOOLEAN,
                };
                (
                    *i,
                    if c.required {
                        TypeRef::named_nn(t)
                    } else {
                        TypeRef::named(t)
                    },
                )
            }
            FieldShape::Money { fen, .. } => {
                let c = &info.columns[*fen];
                (
                    *fen,
                    if c.required {
                        TypeRef::named_nn("Money")
                    } else {
                        TypeRef::named("Money")
                    },
                )
            }
            FieldShape::Figure { value, .. } => (*value, TypeRef::named_nn("Figure")),
        };
        let c = &info.columns[i];
        o = o.field(node_field(
            &camel(name),
            ty,
            &format!("{} ({})", c.description_en, c.description_zh),
            Part::Shape(shape.clone()),
        ));
    }
    o.field(node_field(
        "source",
        TypeRef::named_nn("Source"),
        "The source document of the row (来源文件).",
        Part::Source,
    ))
    .field(node_field(
        "rowNo",
        TypeRef::named_nn(TypeRef::INT),
        "Row number in the imported file (导入文件行号).",
        Part::RowNo,
    ))
    .field(node_field(
        "extra",
        TypeRef::named(JSON),
        "Columns of the imported file outside the format (格式以外的列), as a JSON object.",
        Part::Extra,
    ))
}

// ---------------------------------------------------------------------------------------------
// Related rows, batched

/// Rows of `resource` whose `column` is `key`, in one release.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RelatedKey {
    pub resource: &'static str,
    pub column: &'static str,
    pub release: i64,
    pub key: Cell,
}

/// Loads related rows for many keys with one statement per table and release
/// (`schema::records::list::by_keys`): a page of organizations with their penalties is three
/// statements, not one per organization.
pub struct RelatedLoader {
    pub state: AppState,
}

impl Loader<RelatedKey> for RelatedLoader {
    type Value = Arc<Vec<Row>>;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[RelatedKey],
    ) -> Result<HashMap<RelatedKey, Self::Value>, Self::Error> {
        let mut groups: HashMap<(&'static str, &'static str, i64), Vec<Cell>> = HashMap::new();
        for k in keys {
            groups
                .entry((k.resource, k.column, k.release))
                .or_default()
                .push(k.key.clone());
        }
        let mut out = HashMap::with_capacity(keys.len());
        for ((path, column, release), cells) in groups {
            let Some(info) = info(path) else { continue };
            let mut found = by_keys(
                &self.state.db,
                info.resource,
                &info.columns,
                release,
                column,
                &cells,
                RELATED_LIMIT,
            )
            .await
            .map_err(fail)?;
            for key in cells {
                let rows = found.remove(&key).unwrap_or_default();
                out.insert(
                    RelatedKey {
                        resource: path,
                        column,
                        release,
                        key,
                    },
                    Arc::new(rows),
                );
            }
        }
        Ok(out)
    }
}

/// A list field of rows related to the parent row: those of `path` whose `column` holds the
/// parent's `parent_key`.
fn related_field(
    name: &str,
    path: &'static str,
    column: &'static str,
    parent_key: &'static str,
    description: &str,
) -> Option<Field> {
    let target = info(path)?.clone();
    Some(
        Field::new(
            name,
            TypeRef::named_nn_list_nn(&target.type_name),
            move |ctx: ResolverContext<'_>| {
                let target = target.clone();
                FieldFuture::new(async move {
                    let node = ctx.parent_value.try_downcast_ref::<Node>()?;
                    let key = match (parent_key, node.row()) {
                        ("id", Some(row)) => Cell::Int(row.id),
                        (column, Some(row)) => node
                            .rows
                            .info
                            .columns
                            .iter()
                            .position(|c| c.name == column)
                            .and_then(|i| row.cells.get(i).cloned())
                            .unwrap_or(Cell::Null),
                        (_, None) => Cell::Null,
                    };
                    if key == Cell::Null {
                        return Ok(Some(FieldValue::list(Vec::<FieldValue<'_>>::new())));
                    }
                    let loader = ctx.data::<DataLoader<RelatedLoader>>()?;
                    let rows = loader
                        .load_one(RelatedKey {
                            resource: target.resource.path,
                            column,
                            release: node.release_id(),
                            key,
                        })
                        .await?
                        .unwrap_or_default();
                    // Related rows are of the parent's release.
                    Ok(Some(node_list(Rows {
                        info: target,
                        rows,
                        release: node.rows.release.clone(),
                        sort: Sort::by_id(),
                    })))
                })
            },
        )
        .description(description),
    )
}

/// The related fields of a resource's rows: an organization's registry history, a fund's
/// allocation lines.
fn related_fields(info: &Info) -> Vec<Field> {
    let mut out = Vec::new();
    match info.resource.path {
        "organizations" => {
            for path in schema::records::ORGANIZATION_RELATED {
                let Some(r) = schema::records::resource(path) else {
                    continue;
                };
                out.extend(related_field(
                    &camel(path),
                    r.path,
                    "uscc",
                    "uscc",
                    &format!(
                        "{} ({}) of this organization, in import order (at most {RELATED_LIMIT}).",
                        r.title_en, r.title_zh
                    ),
                ));
            }
        }
        "funds" => out.extend(related_field(
            "allocations",
            "fund-lines",
            "fund_id",
            "id",
            &format!(
                "The fund's allocation lines (分配明细), in import order (at most {RELATED_LIMIT})."
            ),
        )),
        _ => {}
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Filters, order, pages

fn filter_input(info: &Info) -> InputObject {
    let mut o = InputObject::new(info.filter_type()).description(format!(
        "Filters of {}: every given filter must hold (AND); a list matches any of its values. The same filters as REST's query parameters.",
        info.describe()
    ));
    for def in &info.filters {
        let ty = match (def.op, def.param_type) {
            (FilterOp::Min | FilterOp::Max, _) => TypeRef::named(BIG_INT),
            (_, ParamType::Boolean) => TypeRef::named(TypeRef::BOOLEAN),
            (FilterOp::Eq, ParamType::Integer) => TypeRef::named_nn_list(TypeRef::INT),
            (FilterOp::Eq, ParamType::String) => TypeRef::named_nn_list(TypeRef::STRING),
            _ => TypeRef::named(TypeRef::STRING),
        };
        let mut desc = def.description.clone();
        if let Some(allowed) = &def.allowed
            && !desc.contains(&allowed.join(", "))
        {
            desc.push_str(&format!(" (one of {})", allowed.join(", ")));
        }
        desc.push_str(&format!(" Example: {}.", def.example));
        o = o.field(InputValue::new(filter_field_name(def), ty).description(desc));
    }
    o
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Boolean(b) => Some(b.to_string()),
        Value::Enum(e) => Some(e.to_string()),
        _ => None,
    }
}

/// The filters of the `filter` argument, checked by the query layer's own parser.
pub fn read_filter(info: &Info, ctx: &ResolverContext<'_>) -> async_graphql::Result<Vec<Filter>> {
    let Some(arg) = ctx.args.get("filter") else {
        return Ok(Vec::new());
    };
    let obj = match arg.as_value() {
        Value::Null => return Ok(Vec::new()),
        Value::Object(m) => m,
        _ => return Err(error(ErrorCode::InvalidParameter, "filter: not an object")),
    };
    let mut out = Vec::new();
    for (name, value) in obj {
        if *value == Value::Null {
            continue;
        }
        let param = format!("filter.{name}");
        let Some(def) = info
            .filters
            .iter()
            .find(|d| filter_field_name(d) == name.as_str())
        else {
            return Err(error(
                ErrorCode::InvalidParameter,
                format!("{param}: unknown filter"),
            ));
        };
        let values: Vec<String> = match value {
            Value::List(items) => items.iter().filter_map(text_of).collect(),
            v => text_of(v).into_iter().collect(),
        };
        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
        out.push(parse_filter(info.resource, def, &refs, &param).map_err(fail)?);
    }
    Ok(out)
}

fn order_types(info: &Info) -> (InputObject, async_graphql::dynamic::Enum) {
    let items: Vec<(String, String)> = Sort::sortable(info.resource)
        .into_iter()
        .map(|c| {
            let d = info
                .columns
                .iter()
                .find(|x| x.name == c)
                .map(|x| format!("{} ({})", x.description_en, x.description_zh))
                .unwrap_or_else(|| match c.as_str() {
                    "id" => "Record id: import order.".into(),
                    _ => "Row number in the imported file.".into(),
                });
            (screaming(&c), d)
        })
        .collect();
    let fields = enum_type(
        &info.order_field_type(),
        &format!("What {} can be ordered by.", info.describe()),
        &items,
    );
    let input = InputObject::new(info.order_type())
        .description(format!(
            "The order of {}: one field, then id in the same direction.",
            info.describe()
        ))
        .field(
            InputValue::new("field", TypeRef::named_nn(info.order_field_type()))
                .description("The field to order by."),
        )
        .field(
            InputValue::new("direction", TypeRef::named_nn("OrderDirection"))
                .default_value(Value::Enum(Name::new("ASC")))
                .description("Ascending or descending."),
        );
    (input, fields)
}

fn read_order(info: &Info, ctx: &ResolverContext<'_>) -> async_graphql::Result<Sort> {
    let Some(arg) = ctx.args.get("orderBy") else {
        return Ok(Sort::by_id());
    };
    let Value::Object(m) = arg.as_value() else {
        return Ok(Sort::by_id());
    };
    let field = m.get("field").and_then(text_of).unwrap_or_default();
    let desc = m.get("direction").and_then(text_of).as_deref() == Some("DESC");
    let column = Sort::sortable(info.resource)
        .into_iter()
        .find(|c| screaming(c) == field)
        .ok_or_else(|| {
            error(
                ErrorCode::InvalidParameter,
                format!("orderBy.field: cannot order by {field}"),
            )
        })?;
    Sort::parse(
        info.resource,
        &format!("{}{column}", if desc { "-" } else { "" }),
    )
    .map_err(fail)
}

fn int_arg(ctx: &ResolverContext<'_>, name: &str) -> async_graphql::Result<Option<i64>> {
    match ctx.args.get(name) {
        None => Ok(None),
        Some(v) if v.is_null() => Ok(None),
        Some(v) => Ok(Some(v.i64()?)),
    }
}

fn str_arg<'a>(ctx: &'a ResolverContext<'_>, name: &str) -> async_graphql::Result<Option<&'a str>> {
    match ctx.args.get(name) {
        None => Ok(None),
        Some(v) if v.is_null() => Ok(None),
        Some(v) => Ok(Some(v.string()?)),
    }
}

/// `first`/`after`/`last`/`before` as a page request.
struct PageArgs {
    limit: u64,
    backward: bool,
    cursor: Option<Cursor>,
}

fn page_args(ctx: &ResolverContext<'_>, sort: &Sort) -> async_graphql::Result<PageArgs> {
    let bad = |m: String| error(ErrorCode::InvalidParameter, m);
    let first = int_arg(ctx, "first")?;
    let last = int_arg(ctx, "last")?;
    let after = str_arg(ctx, "after")?;
    let before = str_arg(ctx, "before")?;
    let size = |name: &str, n: i64| -> async_graphql::Result<u64> {
        if n < 0 || n as u64 > MAX_PAGE {
            Err(bad(format!(
                "{name}: {n} is not 0 to {MAX_PAGE} (rows per page; REST's downloads have no cap)"
            )))
        } else {
            Ok(n as u64)
        }
    };
    let (limit, backward) = match (first, last) {
        (Some(_), Some(_)) => return Err(bad("first, last: give one of them".into())),
        (Some(n), None) => (size("first", n)?, false),
        (None, Some(n)) => (size("last", n)?, true),
        (None, None) => (DEFAULT_PAGE, before.is_some()),
    };
    let cursor_text = match (backward, after, before) {
        (false, a, None) => a.map(|c| ("after", c)),
        (true, None, b) => b.map(|c| ("before", c)),
        _ => {
            return Err(bad(
                "after, before: page forwards with first/after or backwards with last/before"
                    .into(),
            ));
        }
    };
    let cursor = match cursor_text {
        Some((name, c)) => Some(Cursor::decode(c, sort).map_err(|e| {
            bad(format!(
                "{name}: {}",
                match e {
                    schema::records::QueryError::InvalidParameter { message, .. } => message,
                    other => other.to_string(),
                }
            ))
        })?),
        None => None,
    };
    Ok(PageArgs {
        limit,
        backward,
        cursor,
    })
}

/// A page in a response.
struct Conn {
    info: Arc<Info>,
    rows: Arc<Rows>,
    total: Option<i64>,
    page_info: Value,
    release: Value,
    filters: Vec<Filter>,
}

async fn connection<'a>(
    info: Arc<Info>,
    ctx: ResolverContext<'a>,
) -> async_graphql::Result<Option<FieldValue<'a>>> {
    let state = ctx.data::<AppState>()?;
    let filters = read_filter(&info, &ctx)?;
    let sort = read_order(&info, &ctx)?;
    let args = page_args(&ctx, &sort)?;
    let count = ctx.look_ahead().field("totalCount").exists();
    let had_cursor = args.cursor.is_some();
    let req = ListRequest {
        cursor: args.cursor,
        backward: args.backward,
        count,
        ..ListRequest::new(filters.clone(), sort, args.limit)
    };
    let page = schema::records::list(&state.db, &state.releases, info.resource, &req)
        .await
        .map_err(fail)?;
    let (next, previous) = if args.backward {
        (had_cursor, page.has_more)
    } else {
        (page.has_more, had_cursor)
    };
    let release = page
        .release
        .as_ref()
        .map_or(Value::Null, |r| release_value(&r.release));
    let rows = Arc::new(Rows {
        info: info.clone(),
        rows: Arc::new(page.rows),
        release: page.release,
        sort: page.sort,
    });
    let mut nodes = rows.nodes();
    let first = nodes.next();
    let last = nodes.last().or_else(|| first.clone());
    let page_info = object([
        ("hasNextPage", Value::Boolean(next)),
        ("hasPreviousPage", Value::Boolean(previous)),
        (
            "startCursor",
            first.map_or(Value::Null, |n| Value::String(n.cursor())),
        ),
        (
            "endCursor",
            last.map_or(Value::Null, |n| Value::String(n.cursor())),
        ),
    ]);
    Ok(Some(FieldValue::owned_any(Conn {
        info,
        rows,
        total: page.total,
        page_info,
        release,
        filters,
    })))
}

fn conn_field(
    name: &str,
    ty: TypeRef,
    description: &str,
    get: for<'a> fn(&'a Conn) -> async_graphql::Result<Option<FieldValue<'a>>>,
) -> Field {
    Field::new(name, ty, move |ctx: ResolverContext<'_>| {
        FieldFuture::new(async move {
            let c = ctx.parent_value.try_downcast_ref::<Conn>()?;
            get(c)
        })
    })
    .description(description)
}

fn connection_types(info: &Info) -> (Object, Object) {
    let mut conn = Object::new(info.connection_type())
        .description(format!(
            "A page of {} (Relay cursor connection), with the exact count of the whole selection.",
            info.describe()
        ))
        .field(conn_field(
            "totalCount",
            TypeRef::named_nn(TypeRef::INT),
            "Rows matching the filter in the whole release (总数), exact; counted only when asked for.",
            |c| {
                c.total
                    .map(|t| Some(FieldValue::value(t)))
                    .ok_or_else(|| error(ErrorCode::Internal, "the count was not read"))
            },
        ))
        .field(conn_field(
            "pageInfo",
            TypeRef::named_nn("PageInfo"),
            "Where the page sits in the selection.",
            |c| Ok(Some(FieldValue::value(c.page_info.clone()))),
        ))
        .field(conn_field(
            "edges",
            TypeRef::named_nn_list_nn(info.edge_type()),
            "The rows of the page with their cursors.",
            |c| {
                Ok(Some(FieldValue::list(
                    c.rows.nodes().map(FieldValue::owned_any).collect::<Vec<_>>(),
                )))
            },
        ))
        .field(conn_field(
            "nodes",
            TypeRef::named_nn_list_nn(&info.type_name),
            "The rows of the page.",
            |c| {
                Ok(Some(FieldValue::list(
                    c.rows.nodes().map(FieldValue::owned_any).collect::<Vec<_>>(),
                )))
            },
        ))
        .field(conn_field(
            "release",
            TypeRef::named("Release"),
            "The release the rows belong to (null when nothing is published).",
            |c| {
                Ok(match &c.release {
                    Value::Null => None,
                    v => Some(FieldValue::value(v.clone())),
                })
            },
        ));
    if info.has_measures {
        conn = conn.field(
            Field::new(
                "sums",
                TypeRef::named_nn_list_nn("Sum"),
                |ctx: ResolverContext<'_>| {
                    FieldFuture::new(async move {
                        let c = ctx.parent_value.try_downcast_ref::<Conn>()?;
                        let state = ctx.data::<AppState>()?;
                        let t = aggregate::totals(
                            &state.db,
                            c.info.resource,
                            &c.filters,
                            &[],
                            1000,
                        )
                        .await
                        .map_err(fail)?;
                        let whole = aggregate::regroup(&t.groups, 0);
                        let sums = whole.first().map_or(&[][..], |g| &g.sums[..]);
                        Ok(Some(FieldValue::value(sums_value(sums))))
                    })
                },
            )
            .description(
                "Exact sums (合计) of every measure over the whole selection (all pages): money in fen, figures per unit. Read only when asked for.",
            ),
        );
    }
    let edge = Object::new(info.edge_type())
        .description(format!("A row of {} with its cursor.", info.describe()))
        .field(
            Field::new(
                "cursor",
                TypeRef::named_nn(TypeRef::STRING),
                |ctx: ResolverContext<'_>| {
                    FieldFuture::new(async move {
                        let e = ctx.parent_value.try_downcast_ref::<Node>()?;
                        Ok(Some(FieldValue::value(e.cursor())))
                    })
                },
            )
            .description("The cursor after this row (for `after`, or `before` from the next row)."),
        )
        .field(
            Field::new(
                "node",
                TypeRef::named_nn(&info.type_name),
                |ctx: ResolverContext<'_>| {
                    FieldFuture::new(async move {
                        let e = ctx.parent_value.try_downcast_ref::<Node>()?;
                        Ok(Some(FieldValue::owned_any(e.clone())))
                    })
                },
            )
            .description("The row."),
        );
    (conn, edge)
}

fn connection_field(info: &Arc<Info>) -> Field {
    let i = info.clone();
    Field::new(
        &info.field_name,
        TypeRef::named_nn(info.connection_type()),
        move |ctx: ResolverContext<'_>| {
            let i = i.clone();
            FieldFuture::new(connection(i, ctx))
        },
    )
    .description(format!(
        "{}: filtered, ordered cursor pages with the exact count (REST: `/api/v1/{}`).",
        info.describe(),
        info.resource.path
    ))
    .argument(arg(
        "filter",
        TypeRef::named(info.filter_type()),
        "Only rows matching every given filter.",
    ))
    .argument(arg(
        "orderBy",
        TypeRef::named(info.order_type()),
        "The order (default: import order, by id).",
    ))
    .argument(arg(
        "first",
        TypeRef::named(TypeRef::INT),
        &format!("Rows of the page, reading forwards (0 to {MAX_PAGE}; default {DEFAULT_PAGE})."),
    ))
    .argument(arg(
        "after",
        TypeRef::named(TypeRef::STRING),
        "Start after this cursor (an `endCursor` or REST `next_cursor` of the same order).",
    ))
    .argument(arg(
        "last",
        TypeRef::named(TypeRef::INT),
        &format!(
            "Rows of the page, reading backwards from the end or from `before` (0 to {MAX_PAGE})."
        ),
    ))
    .argument(arg(
        "before",
        TypeRef::named(TypeRef::STRING),
        "End before this cursor (with `last`).",
    ))
}

// ---------------------------------------------------------------------------------------------
// Aggregates

/// Most groups an aggregate returns (as REST's `/totals`).
pub const MAX_GROUPS: i64 = 10_000;

fn aggregate_field(info: &Arc<Info>) -> Field {
    let i = info.clone();
    Field::new(
        format!("{}Aggregate", info.field_name),
        TypeRef::named_nn("Aggregate"),
        move |ctx: ResolverContext<'_>| {
            let info = i.clone();
            FieldFuture::new(async move {
                let state = ctx.data::<AppState>()?;
                let filters = read_filter(&info, &ctx)?;
                let mut names = Vec::new();
                if let Some(v) = ctx.args.get("groupBy")
                    && !v.is_null()
                {
                    for item in v.list()?.iter() {
                        let e = item.enum_name()?;
                        let d = info
                            .dimensions
                            .iter()
                            .find(|d| screaming(&d.name) == e)
                            .ok_or_else(|| {
                                error(ErrorCode::InvalidParameter, format!("groupBy: {e}"))
                            })?;
                        names.push(d.name.clone());
                    }
                }
                let limit = int_arg(&ctx, "limit")?.unwrap_or(1000);
                if !(1..=MAX_GROUPS).contains(&limit) {
                    return Err(error(
                        ErrorCode::InvalidParameter,
                        format!("limit: {limit} is not 1 to {MAX_GROUPS}"),
                    ));
                }
                let dims = aggregate::parse_group_by(info.resource, &names.join(","))
                    .map_err(|e| fail(rename_param(e, "group_by", "groupBy")))?;
                let t = aggregate::totals(&state.db, info.resource, &filters, &dims, limit as u64)
                    .await
                    .map_err(fail)?;
                let overall = aggregate::totals(&state.db, info.resource, &filters, &[], 1000)
                    .await
                    .map_err(fail)?;
                Ok(Some(FieldValue::value(aggregate_value(
                    info.resource.path,
                    &t,
                    &overall,
                ))))
            })
        },
    )
    .description(format!(
        "Group-by totals of {} (分组合计), exact; the same numbers as REST's `/api/v1/{}/totals`.",
        info.describe(),
        info.resource.path
    ))
    .argument(
        arg(
            "groupBy",
            TypeRef::named_nn_list(info.dimension_type()),
            &format!(
                "The dimensions to group by, at most {}; none gives the overall totals.",
                aggregate::MAX_DIMENSIONS
            ),
        )
        .default_value(Value::List(Vec::new())),
    )
    .argument(arg(
        "filter",
        TypeRef::named(info.filter_type()),
        "Only rows matching every given filter.",
    ))
    .argument(
        arg(
            "limit",
            TypeRef::named(TypeRef::INT),
            &format!("Most groups returned (1 to {MAX_GROUPS})."),
        )
        .default_value(Value::from(1000)),
    )
}

fn rename_param(
    e: schema::records::QueryError,
    from: &str,
    to: &str,
) -> schema::records::QueryError {
    match e {
        schema::records::QueryError::InvalidParameter { parameter, message } => {
            schema::records::QueryError::InvalidParameter {
                parameter: if parameter == from {
                    to.to_string()
                } else {
                    parameter
                },
                message,
            }
        }
        other => other,
    }
}

fn dimension_enum(info: &Info) -> async_graphql::dynamic::Enum {
    let items: Vec<(String, String)> = info
        .dimensions
        .iter()
        .map(|d| {
            (
                screaming(&d.name),
                format!("`{}`: {}", d.name, d.description),
            )
        })
        .collect();
    enum_type(
        &info.dimension_type(),
        &format!("What {} can be grouped by.", info.describe()),
        &items,
    )
}

// ---------------------------------------------------------------------------------------------
// Assembly

/// The types and root fields of every record resource.
pub struct Parts {
    pub objects: Vec<Object>,
    pub inputs: Vec<InputObject>,
    pub enums: Vec<async_graphql::dynamic::Enum>,
    pub root_fields: Vec<Field>,
}

/// Every record resource's types and root fields.
pub fn parts() -> Parts {
    let mut p = Parts {
        objects: Vec::new(),
        inputs: Vec::new(),
        enums: Vec::new(),
        root_fields: Vec::new(),
    };
    for info in infos() {
        let mut record = record_type(info);
        for f in related_fields(info) {
            record = record.field(f);
        }
        p.objects.push(record);
        let (conn, edge) = connection_types(info);
        p.objects.push(conn);
        p.objects.push(edge);
        p.inputs.push(filter_input(info));
        let (order, order_fields) = order_types(info);
        p.inputs.push(order);
        p.enums.push(order_fields);
        p.root_fields.push(connection_field(info));
        if info.has_measures {
            p.enums.push(dimension_enum(info));
            p.root_fields.push(aggregate_field(info));
        }
    }
    p
}

/// Rows of a resource matching filters, at most `limit` in `sort` order, as a list of nodes
/// (series and reports).
pub async fn rows<'a>(
    ctx: &ResolverContext<'_>,
    info: &Arc<Info>,
    filters: Vec<Filter>,
    sort: Sort,
    limit: u64,
) -> async_graphql::Result<FieldValue<'a>> {
    let state = ctx.data::<AppState>()?;
    let req = ListRequest {
        count: false,
        ..ListRequest::new(filters, sort, limit)
    };
    let page = schema::records::list(&state.db, &state.releases, info.resource, &req)
        .await
        .map_err(fail)?;
    Ok(node_list(Rows {
        info: info.clone(),
        rows: Arc::new(page.rows),
        release: page.release,
        sort: page.sort,
    }))
}

/// One filter of a resource by its REST parameter name, parsed as REST and GraphQL parse it.
pub fn filter_by(
    info: &Info,
    param: &str,
    values: &[&str],
    graphql_name: &str,
) -> async_graphql::Result<Filter> {
    let def = info
        .filters
        .iter()
        .find(|d| d.name == param)
        .ok_or_else(|| error(ErrorCode::Internal, format!("no filter {param}")))?;
    parse_filter(info.resource, def, values, graphql_name).map_err(fail)
}
