//! Listing records: filters, a stable sort, cursor pages and exact totals, all inside the
//! dataset's current published release. Downloads walk the same pages to the end.

use std::sync::Arc;

use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Func, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, QueryResult};
use serde_json::json;

use super::filter::{Filter, condition};
use super::{QueryError, Resource, StoredColumn};
use crate::descriptor::Stored;
use crate::query::{ReleaseCache, ReleaseInfo, SourcesById, current_release, no_sources};

/// One stored value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Cell {
    Null,
    Text(String),
    Int(i64),
    Bool(bool),
}

impl Cell {
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Cell::Null => serde_json::Value::Null,
            Cell::Text(s) => json!(s),
            Cell::Int(i) => json!(i),
            Cell::Bool(b) => json!(b),
        }
    }

    fn from_json(v: &serde_json::Value) -> Option<Cell> {
        Some(match v {
            serde_json::Value::Null => Cell::Null,
            serde_json::Value::String(s) => Cell::Text(s.clone()),
            serde_json::Value::Number(n) => Cell::Int(n.as_i64()?),
            serde_json::Value::Bool(b) => Cell::Bool(*b),
            _ => return None,
        })
    }
}

/// One record as stored: its id, the resource's stored columns in order, and its provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub id: i64,
    pub cells: Vec<Cell>,
    pub source_id: i64,
    pub row_no: i64,
    /// Columns of the imported file outside the format, as JSON text.
    pub extra: Option<String>,
}

/// The order of a list: one column, ascending or descending, then the id in the same direction
/// (so the order is total and pages are stable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    pub column: String,
    pub descending: bool,
    stored: Stored,
    nullable: bool,
}

impl Sort {
    /// Import order (by id).
    pub fn by_id() -> Sort {
        Sort {
            column: "id".into(),
            descending: false,
            stored: Stored::BigInt,
            nullable: false,
        }
    }

    /// `name` or `-name` (descending). Sortable: `id`, `row_no` and every column that has a
    /// filter of its own (not the `_published` texts).
    pub fn parse(resource: &Resource, s: &str) -> Result<Sort, QueryError> {
        let (descending, name) = match s.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, s),
        };
        if name == "id" || name == "row_no" {
            return Ok(Sort {
                column: name.into(),
                descending,
                stored: Stored::BigInt,
                nullable: false,
            });
        }
        let cols = resource.stored_columns();
        match cols.iter().find(|c| c.name == name && sortable(c)) {
            Some(c) if c.stored != Stored::Bool => Ok(Sort {
                column: c.name.clone(),
                descending,
                stored: c.stored,
                nullable: !c.required,
            }),
            _ => Err(QueryError::InvalidParameter {
                parameter: "sort".into(),
                message: format!(
                    "cannot sort by “{name}”; sortable: {}",
                    Self::sortable(resource).join(", ")
                ),
            }),
        }
    }

    /// The columns a resource can be sorted by.
    pub fn sortable(resource: &Resource) -> Vec<String> {
        let mut out = vec!["id".to_string(), "row_no".to_string()];
        out.extend(
            resource
                .stored_columns()
                .into_iter()
                .filter(|c| sortable(c) && c.stored != Stored::Bool)
                .map(|c| c.name),
        );
        out
    }

    /// The same order the other way round (pages read backwards walk it).
    pub fn reversed(&self) -> Sort {
        Sort {
            descending: !self.descending,
            ..self.clone()
        }
    }

    /// The text form, as written in `?sort=`.
    pub fn spec(&self) -> String {
        format!("{}{}", if self.descending { "-" } else { "" }, self.column)
    }

    /// The expression sorted on: the column, with NULL mapped below every value so that keyset
    /// comparisons hold.
    fn expr(&self) -> Expr {
        let c = Expr::col(Alias::new(&self.column));
        if !self.nullable {
            return c;
        }
        match self.stored {
            Stored::Text => Func::coalesce([c, Expr::val("")]).into(),
            _ => Func::coalesce([c, Expr::val(i64::MIN)]).into(),
        }
    }

    fn null_value(&self) -> Cell {
        match self.stored {
            Stored::Text => Cell::Text(String::new()),
            _ => Cell::Int(i64::MIN),
        }
    }
}

/// A column that can be sorted on: a value of its own (not a `_published` text), not free text.
fn sortable(c: &StoredColumn) -> bool {
    (c.name == c.key || c.name == "fund_id") && !super::filter::FREE_TEXT.contains(&c.name.as_str())
}

/// Where a page ends: the sort value and id of its last row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub sort: String,
    pub value: Cell,
    pub id: i64,
}

impl Cursor {
    /// Opaque text for `?cursor=`.
    pub fn encode(&self) -> String {
        hex::encode(json!([self.sort, self.value.to_json(), self.id]).to_string())
    }

    pub fn decode(s: &str, sort: &Sort) -> Result<Cursor, QueryError> {
        let bad = |m: &str| QueryError::InvalidParameter {
            parameter: "cursor".into(),
            message: m.into(),
        };
        let bytes = hex::decode(s).map_err(|_| bad("not a cursor from this API"))?;
        let v: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|_| bad("not a cursor from this API"))?;
        let (Some(spec), Some(value), Some(id)) = (
            v.get(0).and_then(|x| x.as_str()),
            v.get(1).and_then(Cell::from_json),
            v.get(2).and_then(|x| x.as_i64()),
        ) else {
            return Err(bad("not a cursor from this API"));
        };
        if spec != sort.spec() {
            return Err(bad(&format!(
                "this cursor belongs to sort={spec}, not sort={}",
                sort.spec()
            )));
        }
        Ok(Cursor {
            sort: spec.into(),
            value,
            id,
        })
    }
}

/// A page of records.
#[derive(Debug, Clone)]
pub struct Page {
    /// The release the rows belong to, with its sources (`None`: nothing is published yet).
    pub release: Option<Arc<ReleaseInfo>>,
    pub columns: Vec<StoredColumn>,
    pub rows: Vec<Row>,
    /// Rows matching the filters in the whole release (`None` when not asked for).
    pub total: Option<i64>,
    /// Present when more rows follow (reading forwards).
    pub next_cursor: Option<String>,
    /// More rows follow in the direction read: after the page forwards, before it backwards.
    pub has_more: bool,
    pub sort: Sort,
}

impl Page {
    /// The sources the rows cite, by id.
    pub fn sources(&self) -> &SourcesById {
        self.release.as_ref().map_or(no_sources(), |r| &r.sources)
    }
}

/// What to list.
#[derive(Debug, Clone)]
pub struct ListRequest {
    pub filters: Vec<Filter>,
    pub sort: Sort,
    pub limit: u64,
    /// Forwards: the rows after this one; backwards: the rows before it.
    pub cursor: Option<Cursor>,
    /// Read backwards: the last `limit` rows before the cursor (or of the whole selection),
    /// still returned in the sort order.
    pub backward: bool,
    /// Count the whole selection too.
    pub count: bool,
}

impl ListRequest {
    /// The first page (forwards, counted) of a selection.
    pub fn new(filters: Vec<Filter>, sort: Sort, limit: u64) -> ListRequest {
        ListRequest {
            filters,
            sort,
            limit,
            cursor: None,
            backward: false,
            count: true,
        }
    }
}

fn cell_json_value(c: &Cell) -> sea_orm::Value {
    match c {
        Cell::Null => sea_orm::Value::String(None),
        Cell::Text(s) => s.clone().into(),
        Cell::Int(i) => (*i).into(),
        Cell::Bool(b) => (*b).into(),
    }
}

/// The row's columns from the resource's table; a withheld column is read as a typed NULL, so
/// its values never leave the database.
fn select(resource: &Resource, columns: &[StoredColumn]) -> SelectStatement {
    let mut q = Query::select();
    q.column(Alias::new("id"));
    for c in columns {
        if c.withheld {
            let ty = match c.stored {
                Stored::Text => "TEXT",
                Stored::Int | Stored::BigInt => "BIGINT",
                Stored::Bool => "BOOLEAN",
            };
            q.expr_as(
                Expr::cust(format!("CAST(NULL AS {ty})")),
                Alias::new(&c.name),
            );
        } else {
            q.column(Alias::new(&c.name));
        }
    }
    q.columns([
        Alias::new("source_id"),
        Alias::new("row_no"),
        Alias::new("extra"),
    ])
    .from(Alias::new(resource.db_table));
    q
}

/// `columns` as public queries read them: those on the negative list marked withheld (one small
/// statement). Every public read in this module calls it, so no face can forget it.
pub async fn public_columns(
    db: &impl ConnectionTrait,
    resource: &Resource,
    columns: &[StoredColumn],
) -> Result<Vec<StoredColumn>, QueryError> {
    let list = crate::workflow::negative::load_for(db, resource.dataset).await?;
    Ok(columns
        .iter()
        .map(|c| StoredColumn {
            withheld: list.field(resource.dataset, resource.table_name, &c.key),
            ..c.clone()
        })
        .collect())
}

/// Refuse filters and sorts on withheld columns: their answers would tell the values.
pub(crate) fn check_disclosed(
    resource: &Resource,
    columns: &[StoredColumn],
    filters: &[Filter],
    sort: Option<&Sort>,
) -> Result<(), QueryError> {
    let withheld = |name: &str| columns.iter().any(|c| c.withheld && c.name == name);
    let mut used: Vec<&str> = filters.iter().flat_map(Filter::columns).collect();
    if let Some(s) = sort {
        used.push(s.column.as_str());
    }
    match used.into_iter().find(|n| withheld(n)) {
        Some(n) => Err(QueryError::InvalidParameter {
            parameter: n.to_string(),
            message: format!(
                "{n} of {} is on the negative list (不予公开): it cannot be filtered, sorted or searched on",
                resource.path
            ),
        }),
        None => Ok(()),
    }
}

/// The columns a [`Row`] is decoded from, in order.
fn row_columns(columns: &[StoredColumn]) -> Vec<Alias> {
    let mut out = Vec::with_capacity(columns.len() + 4);
    out.push(Alias::new("id"));
    out.extend(columns.iter().map(|c| Alias::new(&c.name)));
    out.extend([
        Alias::new("source_id"),
        Alias::new("row_no"),
        Alias::new("extra"),
    ]);
    out
}

/// Rows of one release whose `column` holds one of `keys`, at most `per_key` of each key in
/// import order, grouped by key: one statement for any number of keys (the batched lookup
/// behind "each organization with its penalties"). Keys with no rows are absent.
pub async fn by_keys(
    db: &impl ConnectionTrait,
    resource: &Resource,
    columns: &[StoredColumn],
    release_id: i64,
    column: &str,
    keys: &[Cell],
    per_key: u64,
) -> Result<std::collections::HashMap<Cell, Vec<Row>>, QueryError> {
    let mut out: std::collections::HashMap<Cell, Vec<Row>> = std::collections::HashMap::new();
    let Some(at) = columns.iter().position(|c| c.name == column) else {
        return Err(QueryError::InvalidParameter {
            parameter: column.into(),
            message: format!("{} has no column {column}", resource.path),
        });
    };
    let columns = &public_columns(db, resource, columns).await?[..];
    if keys.is_empty() || columns[at].withheld {
        return Ok(out);
    }
    let values: Vec<sea_orm::Value> = keys.iter().map(cell_json_value).collect();
    let mut inner = select(resource, columns);
    // The column name comes from the descriptors, never from the caller.
    inner
        .expr_as(
            Expr::cust(format!(
                "ROW_NUMBER() OVER (PARTITION BY {column} ORDER BY id)"
            )),
            Alias::new("gk_rn"),
        )
        .and_where(Expr::col(Alias::new("release_id")).eq(release_id))
        .and_where(Expr::col(Alias::new(column)).is_in(values));
    let q = Query::select()
        .columns(row_columns(columns))
        .from_subquery(inner, Alias::new("gk_keyed"))
        .and_where(Expr::col(Alias::new("gk_rn")).lte(per_key))
        .order_by(Alias::new(column), Order::Asc)
        .order_by(Alias::new("id"), Order::Asc)
        .to_owned();
    let stmt = db.get_database_backend().build(&q);
    for r in db.query_all_raw(stmt).await? {
        let row = decode(&r, columns)?;
        let key = row.cells.get(at).cloned().unwrap_or(Cell::Null);
        out.entry(key).or_default().push(row);
    }
    Ok(out)
}

pub(crate) fn get_int(r: &QueryResult, i: usize) -> Result<Option<i64>, sea_orm::DbErr> {
    r.try_get_by_index::<Option<i64>>(i).or_else(|_| {
        r.try_get_by_index::<Option<i32>>(i)
            .map(|v| v.map(i64::from))
    })
}

fn decode(r: &QueryResult, columns: &[StoredColumn]) -> Result<Row, sea_orm::DbErr> {
    if let Some(row) = r.try_as_sqlite_row() {
        return decode_sqlite(row, columns);
    }
    let id = get_int(r, 0)?.unwrap_or_default();
    let mut cells = Vec::with_capacity(columns.len());
    for (i, c) in columns.iter().enumerate() {
        let i = i + 1;
        let cell = match c.stored {
            Stored::Text => r.try_get_by_index::<Option<String>>(i)?.map(Cell::Text),
            Stored::Int | Stored::BigInt => get_int(r, i)?.map(Cell::Int),
            Stored::Bool => r
                .try_get_by_index::<Option<bool>>(i)
                .or_else(|_| get_int(r, i).map(|v| v.map(|v| v != 0)))?
                .map(Cell::Bool),
        };
        cells.push(cell.unwrap_or(Cell::Null));
    }
    let n = columns.len();
    Ok(Row {
        id,
        cells,
        source_id: get_int(r, n + 1)?.unwrap_or_default(),
        row_no: get_int(r, n + 2)?.unwrap_or_default(),
        extra: r.try_get_by_index::<Option<String>>(n + 3)?,
    })
}

/// [`decode`] for SQLite, reading each value as what it is stored as: a download decodes
/// every cell of the table, and the generic path spent more time checking types than reading.
fn decode_sqlite(
    row: &sea_orm::sqlx::sqlite::SqliteRow,
    columns: &[StoredColumn],
) -> Result<Row, sea_orm::DbErr> {
    use sea_orm::sqlx::sqlite::{Sqlite, SqliteValueRef};
    use sea_orm::sqlx::{Decode, Row as _, ValueRef as _};
    let bad =
        |i: usize, e: &dyn std::fmt::Display| sea_orm::DbErr::Type(format!("column {i}: {e}"));
    let raw = |i: usize| -> Result<SqliteValueRef<'_>, sea_orm::DbErr> {
        row.try_get_raw(i).map_err(|e| bad(i, &e))
    };
    let int = |i: usize| -> Result<Option<i64>, sea_orm::DbErr> {
        let v = raw(i)?;
        if v.is_null() {
            return Ok(None);
        }
        <i64 as Decode<'_, Sqlite>>::decode(v)
            .map(Some)
            .map_err(|e| bad(i, &e))
    };
    let mut cells = Vec::with_capacity(columns.len());
    for (i, c) in columns.iter().enumerate() {
        let i = i + 1;
        let v = raw(i)?;
        cells.push(if v.is_null() {
            Cell::Null
        } else {
            match c.stored {
                Stored::Text => Cell::Text(
                    <&str as Decode<'_, Sqlite>>::decode(v)
                        .map_err(|e| bad(i, &e))?
                        .to_owned(),
                ),
                Stored::Int | Stored::BigInt => {
                    Cell::Int(<i64 as Decode<'_, Sqlite>>::decode(v).map_err(|e| bad(i, &e))?)
                }
                Stored::Bool => {
                    Cell::Bool(<i64 as Decode<'_, Sqlite>>::decode(v).map_err(|e| bad(i, &e))? != 0)
                }
            }
        });
    }
    let n = columns.len();
    let extra = {
        let v = raw(n + 3)?;
        if v.is_null() {
            None
        } else {
            Some(
                <&str as Decode<'_, Sqlite>>::decode(v)
                    .map_err(|e| bad(n + 3, &e))?
                    .to_owned(),
            )
        }
    };
    Ok(Row {
        id: int(0)?.unwrap_or_default(),
        cells,
        source_id: int(n + 1)?.unwrap_or_default(),
        row_no: int(n + 2)?.unwrap_or_default(),
        extra,
    })
}

/// The release a scan reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseRef<'a> {
    /// This release.
    Id(i64),
    /// The current published release of this dataset, found by the statement that reads the
    /// rows (so the rows and the release are of one snapshot).
    CurrentOf(&'a str),
}

impl ReleaseRef<'_> {
    fn expr(self) -> Expr {
        match self {
            ReleaseRef::Id(id) => Expr::val(id),
            ReleaseRef::CurrentOf(slug) => Expr::SubQuery(
                None,
                Box::new(crate::query::current_release_id_query(slug).into()),
            ),
        }
    }
}

/// What a scan reads: rows of one resource in one release matching filters, in an order.
#[derive(Debug, Clone, Copy)]
pub struct Scan<'a> {
    pub resource: &'a Resource,
    /// The resource's stored columns (`Resource::stored_columns`).
    pub columns: &'a [StoredColumn],
    pub release: ReleaseRef<'a>,
    pub filters: &'a [Filter],
    pub sort: &'a Sort,
}

/// Rows of a scan after the cursor, in the sort order, at most `limit`.
pub async fn fetch(
    db: &impl ConnectionTrait,
    scan: &Scan<'_>,
    after: Option<&Cursor>,
    limit: u64,
) -> Result<Vec<Row>, QueryError> {
    let public = public_columns(db, scan.resource, scan.columns).await?;
    let scan = Scan {
        columns: &public,
        ..*scan
    };
    Ok(fetch_counted(db, &scan, after, limit, Extras::default())
        .await?
        .0)
}

/// What [`fetch_counted`] reads besides the rows.
#[derive(Debug, Clone, Copy, Default)]
struct Extras {
    /// The count of every row of the scan, the cursor aside.
    count: bool,
    /// The release the rows belong to.
    release: bool,
}

/// What [`fetch_counted`] read besides the rows.
struct Counted {
    /// Rows of the whole scan, the cursor aside (when asked for).
    total: Option<i64>,
    /// The release the rows belong to (when asked for).
    release_id: i64,
}

/// [`fetch`], and the count of every row of the scan (cursor aside) and the release read, as
/// asked, in the same statement: columns holding an uncorrelated subquery, which SQLite and
/// PostgreSQL evaluate once, and the rows' own `release_id`. `None` when no row came back (the
/// count then needs a statement of its own).
async fn fetch_counted(
    db: &impl ConnectionTrait,
    scan: &Scan<'_>,
    after: Option<&Cursor>,
    limit: u64,
    extras: Extras,
) -> Result<(Vec<Row>, Option<Counted>), QueryError> {
    // The scan's columns are the public ones (see `public_columns`), marked by the caller.
    check_disclosed(scan.resource, scan.columns, scan.filters, Some(scan.sort))?;
    let columns = scan.columns;
    let q = page_query(scan, after, limit, extras);
    let stmt = db.get_database_backend().build(&q);
    let rows = db.query_all_raw(stmt).await?;
    let base = columns.len() + 4;
    let count = match rows.first() {
        Some(r) if extras.count || extras.release => Some(Counted {
            total: if extras.count {
                Some(get_int(r, base)?.unwrap_or(0))
            } else {
                None
            },
            release_id: if extras.release {
                get_int(r, base + usize::from(extras.count))?.unwrap_or(0)
            } else {
                0
            },
        }),
        _ => None,
    };
    let rows = rows
        .iter()
        .map(|r| decode(r, columns))
        .collect::<Result<_, _>>()?;
    Ok((rows, count))
}

/// Every row of a scan in the sort order, for downloads: keyset batches of [`Walk::BATCH`]
/// rows (the connection goes back to the pool between batches), each streamed from the
/// database row by row, so memory does not grow with the batch or the table.
#[derive(Debug)]
pub struct Walk<'a> {
    scan: Scan<'a>,
    after: Option<Cursor>,
    /// Rows still to give (`None`: all).
    left: Option<u64>,
    /// The columns as read: the public ones (see [`public_columns`]), found before the first
    /// batch; given from the start for a walk of what editors see.
    read: Option<Vec<StoredColumn>>,
}

impl<'a> Walk<'a> {
    /// Rows per statement.
    pub const BATCH: u64 = 1000;

    /// A walk from the start, or after `start` (a list's cursor), of at most `cap` rows.
    pub fn new(scan: Scan<'a>, start: Option<Cursor>, cap: Option<u64>) -> Walk<'a> {
        Walk {
            scan,
            after: start,
            left: cap,
            read: None,
        }
    }

    /// A walk of every column, negative list included: what editors see of a release (the
    /// admin API, diffs). Never for a public face.
    pub fn unredacted(scan: Scan<'a>) -> Walk<'a> {
        Walk {
            read: Some(scan.columns.to_vec()),
            ..Walk::new(scan, None, None)
        }
    }

    /// Hand the next batch to `each`, a row at a time; the number of rows given (0 at the end).
    pub async fn next_batch<C, E>(
        &mut self,
        db: &C,
        mut each: impl FnMut(&Row) -> Result<(), E>,
    ) -> Result<u64, E>
    where
        C: ConnectionTrait + sea_orm::StreamTrait,
        E: From<QueryError>,
    {
        use futures_util::StreamExt;
        let n = self.left.map_or(Self::BATCH, |l| Ord::min(l, Self::BATCH));
        if n == 0 {
            return Ok(0);
        }
        if self.read.is_none() {
            let public = public_columns(db, self.scan.resource, self.scan.columns).await?;
            check_disclosed(
                self.scan.resource,
                &public,
                self.scan.filters,
                Some(self.scan.sort),
            )?;
            self.read = Some(public);
        }
        let read = self.read.as_deref().unwrap_or(self.scan.columns);
        let scan = Scan {
            columns: read,
            ..self.scan
        };
        let stmt = ConnectionTrait::get_database_backend(db).build(&page_query(
            &scan,
            self.after.as_ref(),
            n,
            Extras::default(),
        ));
        let stream = db.stream_raw(stmt).await.map_err(|e| E::from(e.into()))?;
        let mut stream = std::pin::pin!(stream);
        let mut given = 0u64;
        let mut last = None;
        while let Some(r) = stream.next().await {
            let row = r
                .and_then(|r| decode(&r, self.scan.columns))
                .map_err(|e| E::from(e.into()))?;
            each(&row)?;
            given += 1;
            last = Some(row);
        }
        if let Some(row) = last {
            self.after = Some(cursor_after(self.scan.sort, self.scan.columns, &row));
        }
        if let Some(l) = &mut self.left {
            *l -= given;
        }
        Ok(given)
    }
}

/// The statement of a page: the scan's rows after the cursor, in order, at most `limit`; with
/// `extras`, more columns (see [`fetch_counted`]).
fn page_query(
    scan: &Scan<'_>,
    after: Option<&Cursor>,
    limit: u64,
    extras: Extras,
) -> SelectStatement {
    let Scan {
        resource,
        columns,
        release,
        filters,
        sort,
    } = *scan;
    let mut q = select(resource, columns);
    if extras.count {
        q.expr(Expr::SubQuery(
            None,
            Box::new(count_query(resource, release, filters).into()),
        ));
    }
    if extras.release {
        q.column(Alias::new("release_id"));
    }
    let mut cond = condition(release.expr(), filters);
    if let Some(c) = after {
        let v = match &c.value {
            Cell::Null => cell_json_value(&sort.null_value()),
            other => cell_json_value(other),
        };
        let id = Expr::col(Alias::new("id"));
        let keyset = if sort.column == "id" {
            if sort.descending {
                Condition::all().add(id.lt(c.id))
            } else {
                Condition::all().add(id.gt(c.id))
            }
        } else if sort.descending {
            Condition::any()
                .add(sort.expr().lt(v.clone()))
                .add(sort.expr().eq(v).and(id.lt(c.id)))
        } else {
            Condition::any()
                .add(sort.expr().gt(v.clone()))
                .add(sort.expr().eq(v).and(id.gt(c.id)))
        };
        cond = cond.add(keyset);
    }
    let order = if sort.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    q.cond_where(cond);
    if sort.column != "id" {
        q.order_by_expr(sort.expr(), order.clone());
    }
    q.order_by(Alias::new("id"), order).limit(limit);
    q
}

/// Rows of one release matching the filters, exactly.
pub async fn count(
    db: &impl ConnectionTrait,
    resource: &Resource,
    release_id: i64,
    filters: &[Filter],
) -> Result<i64, QueryError> {
    let public = public_columns(db, resource, &resource.stored_columns()).await?;
    check_disclosed(resource, &public, filters, None)?;
    let stmt = db.get_database_backend().build(&count_query(
        resource,
        ReleaseRef::Id(release_id),
        filters,
    ));
    let row = db.query_one_raw(stmt).await?;
    Ok(match row {
        Some(r) => get_int(&r, 0)?.unwrap_or(0),
        None => 0,
    })
}

fn count_query(
    resource: &Resource,
    release: ReleaseRef<'_>,
    filters: &[Filter],
) -> SelectStatement {
    Query::select()
        .expr(Expr::col(Alias::new("id")).count())
        .from(Alias::new(resource.db_table))
        .cond_where(condition(release.expr(), filters))
        .to_owned()
}

/// The cursor after a row, for a sort.
pub fn cursor_after(sort: &Sort, columns: &[StoredColumn], row: &Row) -> Cursor {
    let value = match sort.column.as_str() {
        "id" => Cell::Int(row.id),
        "row_no" => Cell::Int(row.row_no),
        name => columns
            .iter()
            .position(|c| c.name == name)
            .and_then(|i| row.cells.get(i).cloned())
            .unwrap_or(Cell::Null),
    };
    Cursor {
        sort: sort.spec(),
        value,
        id: row.id,
    }
}

/// One page of a resource in its dataset's current release, with the exact total when asked.
/// One statement finds the release and reads the page with its total when the release is
/// cached and no search needs the release's index first.
pub async fn list(
    db: &impl ConnectionTrait,
    releases: &ReleaseCache,
    resource: &Resource,
    req: &ListRequest,
) -> Result<Page, QueryError> {
    // The public columns, read once: the page says which are withheld.
    let columns = public_columns(db, resource, &resource.stored_columns()).await?;
    // Backwards, the scan runs the other way from the cursor; the page is turned round after.
    let order = if req.backward {
        req.sort.reversed()
    } else {
        req.sort.clone()
    };
    let page = |release: Arc<ReleaseInfo>, rows: Vec<Row>, total: Option<i64>| {
        page_of(req, &columns, Some(release), rows, total)
    };
    let extras = Extras {
        count: req.count,
        release: true,
    };
    // Searches are resolved against the release's index: that needs the release first.
    if !req.filters.iter().any(|f| matches!(f, Filter::Search(_))) {
        let scan = Scan {
            resource,
            columns: &columns,
            release: ReleaseRef::CurrentOf(resource.dataset),
            filters: &req.filters,
            sort: &order,
        };
        let (rows, counted) =
            fetch_counted(db, &scan, req.cursor.as_ref(), req.limit + 1, extras).await?;
        if let Some(c) = counted
            && let Some(release) = releases.get(db, c.release_id).await?
        {
            return Ok(page(release, rows, c.total));
        }
        // No row on this page: nothing matches, the cursor is past the end, or nothing is
        // published. Read the release, then the page again, so the answer is of one release.
    }
    let Some(release) = current_release(db, resource.dataset).await? else {
        let total = req.count.then_some(0);
        return Ok(page_of(req, &columns, None, Vec::new(), total));
    };
    let release = releases.of(db, release).await?;
    let id = release.release.id;
    let filters = super::filter::resolve(db, id, req.filters.clone()).await?;
    let scan = Scan {
        resource,
        columns: &columns,
        release: ReleaseRef::Id(id),
        filters: &filters,
        sort: &order,
    };
    let extras = Extras {
        count: req.count,
        release: false,
    };
    let (rows, counted) =
        fetch_counted(db, &scan, req.cursor.as_ref(), req.limit + 1, extras).await?;
    let total = match counted {
        Some(c) => c.total,
        None if !req.count => None,
        None if req.cursor.is_none() => Some(0),
        None => Some(count(db, resource, id, &filters).await?),
    };
    Ok(page(release, rows, total))
}

/// A page from the rows read (one more than the limit when more follow), in the sort order.
fn page_of(
    req: &ListRequest,
    columns: &[StoredColumn],
    release: Option<Arc<ReleaseInfo>>,
    mut rows: Vec<Row>,
    total: Option<i64>,
) -> Page {
    let more = rows.len() as u64 > req.limit;
    rows.truncate(req.limit as usize);
    if req.backward {
        rows.reverse();
    }
    let next_cursor = match (more && !req.backward, rows.last()) {
        (true, Some(last)) => Some(cursor_after(&req.sort, columns, last).encode()),
        _ => None,
    };
    Page {
        columns: columns.to_vec(),
        rows,
        total,
        next_cursor,
        has_more: more,
        sort: req.sort.clone(),
        release,
    }
}
