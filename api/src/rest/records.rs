//! Record resources: lists with typed filters, cursor pages and exact totals; group-by totals;
//! downloads (CSV, XLSX, JSON, NDJSON) streamed with no cap; an organization with its registry
//! history. One generic handler per kind serves every resource of `schema::records::RESOURCES`;
//! `super::records_doc` documents each route from the same descriptors.

use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use schema::query::{ReleaseInfo, SourcesById, current_release};
use schema::records::aggregate::{self, Totals};
use schema::records::export::{Format, TextEncoder, XlsxEncoder};
use schema::records::list::{ReleaseRef, Scan, Walk};
use schema::records::view::{FieldShape, Record, fields, money_mask, record_json};
use schema::records::{Cursor, Filter, ListRequest, QueryError, Resource, Row, Sort, parse_params};
use serde_json::Value;
use sha2::Digest;

use crate::AppState;
use crate::error::{ApiError, ErrorCode};
use crate::views::{self, Release};

/// Query parameters as given, in order (filters may repeat).
pub type Params = Vec<(String, String)>;

/// Rows per page unless `limit` says otherwise.
pub const DEFAULT_LIMIT: u64 = 20;
/// Most rows per page (downloads have no cap).
pub const MAX_LIMIT: u64 = 1000;
/// Largest `limit` a download takes (2^53 - 1, the largest integer every JSON client reads exactly).
pub const MAX_CAP: u64 = (1 << 53) - 1;

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> Self {
        match e {
            QueryError::InvalidParameter { parameter, message } => ApiError::new(
                ErrorCode::InvalidParameter,
                format!("{parameter}: {message}"),
            ),
            QueryError::Db(e) => e.into(),
        }
    }
}

fn invalid(parameter: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidParameter,
        format!("{parameter}: {message}"),
    )
}

/// Paging, sorting and format parameters.
struct Options {
    limit: Option<u64>,
    cursor: Option<String>,
    sort: Sort,
    format: Option<Format>,
    bom: bool,
}

fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn parse_options(resource: &Resource, params: &Params) -> Result<Options, ApiError> {
    let limit = match param(params, "limit") {
        None => None,
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if (1..=MAX_CAP).contains(&n) => Some(n),
            _ => {
                return Err(invalid(
                    "limit",
                    format!("“{v}” is not an integer from 1 to {MAX_CAP}"),
                ));
            }
        },
    };
    let sort = match param(params, "sort") {
        None => Sort::by_id(),
        Some(s) => Sort::parse(resource, s.trim())?,
    };
    let format =
        match param(params, "format") {
            None => None,
            Some(f) => Some(Format::from_extension(f.trim()).ok_or_else(|| {
                invalid("format", format!("“{f}” is not csv, xlsx, json or ndjson"))
            })?),
        };
    let bom = match param(params, "bom") {
        None => true,
        Some("true" | "1" | "yes") => true,
        Some("false" | "0" | "no") => false,
        Some(v) => return Err(invalid("bom", format!("“{v}” is not true or false"))),
    };
    Ok(Options {
        limit,
        cursor: param(params, "cursor").map(str::to_string),
        sort,
        format,
        bom,
    })
}

/// The `?…` of a link to the next page: the request's parameters with the new cursor.
fn next_query(params: &Params, cursor: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter().filter(|(k, _)| k != "cursor"))
        .append_pair("cursor", cursor)
        .finish()
}

/// `GET /api/v1/{resource}`: a page of records, or the whole selection as a download when
/// `format` is given.
pub async fn list(
    resource: &'static Resource,
    s: AppState,
    params: Params,
) -> Result<Response, ApiError> {
    let opts = parse_options(resource, &params)?;
    let filters = parse_params(resource, &params)?;
    let limit = opts.limit.unwrap_or(DEFAULT_LIMIT);
    if limit > MAX_LIMIT {
        return Err(invalid(
            "limit",
            format!("at most {MAX_LIMIT} per page; the downloads (.csv, .json …) have no cap"),
        ));
    }
    // A cursor names a page; one this API did not hand out (or for another sort) names none.
    let cursor = match &opts.cursor {
        Some(c) => Some(Cursor::decode(c, &opts.sort).map_err(|e| {
            ApiError::new(
                ErrorCode::NotFound,
                format!("{e}; cursors come from next_cursor of a page with the same sort"),
            )
        })?),
        None => None,
    };
    if let Some(format) = opts.format {
        // With a cursor, the download starts after that page.
        return download(resource, s, filters, opts, format, &params, cursor).await;
    }
    let page = schema::records::list(
        &s.db,
        &s.releases,
        resource,
        &ListRequest {
            cursor,
            ..ListRequest::new(filters, opts.sort, limit)
        },
    )
    .await?;
    let f = fields(resource, &page.columns);
    let next = page
        .next_cursor
        .as_ref()
        .map(|c| format!("/api/v1/{}?{}", resource.path, next_query(&params, c)));
    // A page with fields on the negative list states no time: when they were withheld is not
    // the release's publication, and a cache must not keep their values past it.
    let last_modified = page
        .release
        .as_ref()
        .filter(|_| !page.columns.iter().any(|c| c.withheld))
        .and_then(|r| r.release.published_at.as_deref())
        .and_then(crate::http::published_time);
    let body = PageBody {
        resource: resource.path,
        dataset: resource.dataset,
        release: page
            .release
            .as_ref()
            .map(|r| Release::from(r.release.clone())),
        total: page.total.unwrap_or_default(),
        limit,
        sort: page.sort.spec(),
        next_cursor: page.next_cursor.as_deref(),
        next: next.as_deref(),
        items: Items {
            fields: &f,
            rows: &page.rows,
            sources: page.sources(),
        },
    };
    let mut resp = Json(body).into_response();
    if let Some(t) = last_modified {
        headers::HeaderMapExt::typed_insert(resp.headers_mut(), headers::LastModified::from(t));
    }
    if let Some(next) = next
        && let Ok(v) = HeaderValue::from_str(&format!("<{next}>; rel=\"next\""))
    {
        resp.headers_mut().insert(header::LINK, v);
    }
    Ok(resp)
}

/// Whether the route `template` is a record list, which sends `Last-Modified` of its own: the
/// publication of the dataset's release it read. That is when its answer last changed (a
/// release of another dataset changes nothing in it), and it comes from the statement that
/// found the release, so it never runs ahead of the rows.
pub fn states_last_modified(template: &str) -> bool {
    template
        .strip_prefix("/api/v1/")
        .and_then(schema::records::resource)
        .is_some()
}

/// A page as it goes on the wire (documented per resource by `records_doc::page_schema`),
/// serialized straight from the rows.
#[derive(serde::Serialize)]
struct PageBody<'a> {
    resource: &'a str,
    dataset: &'a str,
    release: Option<Release>,
    total: i64,
    limit: u64,
    sort: String,
    next_cursor: Option<&'a str>,
    next: Option<&'a str>,
    items: Items<'a>,
}

/// The records of a page.
struct Items<'a> {
    fields: &'a [(String, FieldShape)],
    rows: &'a [Row],
    sources: &'a SourcesById,
}

impl serde::Serialize for Items<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.rows.iter().map(|row| Record {
            fields: self.fields,
            row,
            sources: self.sources,
        }))
    }
}

/// `GET /api/v1/{resource}.{csv,xlsx,json,ndjson}`.
pub async fn download_as(
    resource: &'static Resource,
    format: Format,
    s: AppState,
    params: Params,
) -> Result<Response, ApiError> {
    let opts = parse_options(resource, &params)?;
    if opts.cursor.is_some() {
        return Err(invalid(
            "cursor",
            "downloads are whole; use the list endpoint to page",
        ));
    }
    let filters = parse_params(resource, &params)?;
    download(resource, s, filters, opts, format, &params, None).await
}

/// `GET /api/v1/datasets/{slug}/{file}`: a whole table of a dataset, e.g. `organizations.csv`
/// (the files a data package lists).
pub async fn dataset_file(
    State(s): State<AppState>,
    Path((slug, file)): Path<(String, String)>,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    let not_found = || {
        ApiError::new(
            ErrorCode::NotFound,
            format!("dataset “{slug}” has no file “{file}”"),
        )
    };
    let (stem, ext) = file.rsplit_once('.').ok_or_else(not_found)?;
    let format = Format::from_extension(ext).ok_or_else(not_found)?;
    let resource = schema::records::resource(stem)
        .filter(|r| r.dataset == slug)
        .ok_or_else(not_found)?;
    if let Some((k, _)) = params.iter().find(|(k, _)| k != "bom") {
        return Err(invalid(
            k,
            "whole-table files take only bom; filter on /api/v1/{resource}",
        ));
    }
    let opts = parse_options(resource, &params)?;
    download(resource, s, Vec::new(), opts, format, &params, None).await
}

fn etag(release_id: i64, format: Format, params: &Params, path: &str) -> String {
    let mut h = sha2::Sha256::new();
    h.update(path.as_bytes());
    h.update(format.extension().as_bytes());
    for (k, v) in params {
        h.update(k.as_bytes());
        h.update([0]);
        h.update(v.as_bytes());
        h.update([0]);
    }
    let digest = h.finalize();
    format!("\"r{release_id}-{}\"", hex::encode(&digest[..8]))
}

/// Stream the whole selection in a format. Rows are read in batches along the sort order and
/// encoded as they come, so memory stays flat whatever the size; there is no cap.
async fn download(
    resource: &'static Resource,
    s: AppState,
    filters: Vec<Filter>,
    opts: Options,
    format: Format,
    params: &Params,
    start: Option<Cursor>,
) -> Result<Response, ApiError> {
    let release = match current_release(&s.db, resource.dataset).await? {
        Some(r) => Some(s.releases.of(&s.db, r).await?),
        None => None,
    };
    let (release_id, version) = release
        .as_ref()
        .map(|r| (r.release.id, r.release.version))
        .unwrap_or((0, 0));
    let filename = format!(
        "{}-{}-release-{version}.{}",
        resource.dataset,
        resource.path,
        format.extension()
    );
    let filters = match &release {
        Some(r) => schema::records::filter::resolve(&s.db, r.release.id, filters).await?,
        None => filters,
    };
    let job = Job {
        db: s.db.clone(),
        resource,
        release,
        filters,
        sort: opts.sort,
        cap: opts.limit,
        start,
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(2);
    match format {
        Format::Csv | Format::Json | Format::Ndjson => {
            let bom = opts.bom;
            tokio::spawn(async move {
                if let Err(e) = job.stream_text(format, bom, &tx).await {
                    tracing::error!(error = %e, "download failed");
                    let _ = tx.send(Err(std::io::Error::other("download failed"))).await;
                }
            });
        }
        Format::Xlsx => {
            let handle = tokio::runtime::Handle::current();
            tokio::task::spawn_blocking(move || {
                if let Err(e) = job.write_xlsx(&handle, &tx) {
                    tracing::error!(error = %e, "download failed");
                    let _ = tx.blocking_send(Err(std::io::Error::other("download failed")));
                }
            });
        }
    }
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    let disposition = format!("attachment; filename=\"{filename}\"; filename*=UTF-8''{filename}");
    let mut resp = Response::new(Body::from_stream(stream));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&etag(release_id, format, params, resource.path)) {
        h.insert(header::ETAG, v);
    }
    Ok(resp)
}

/// A download in progress.
struct Job {
    db: sea_orm::DatabaseConnection,
    resource: &'static Resource,
    /// The release read, with its sources (`None`: nothing published).
    release: Option<Arc<ReleaseInfo>>,
    filters: Vec<Filter>,
    sort: Sort,
    cap: Option<u64>,
    /// Start after this row (a list's cursor).
    start: Option<Cursor>,
}

type Tx = tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>;

impl Job {
    fn sources(&self) -> &SourcesById {
        self.release
            .as_ref()
            .map_or(schema::query::no_sources(), |r| &r.sources)
    }

    /// Every row of the download, from the start or the list's cursor (`None`: nothing is
    /// published).
    fn walk<'a>(&'a self, columns: &'a [schema::records::StoredColumn]) -> Option<Walk<'a>> {
        let release = self.release.as_ref()?;
        let scan = Scan {
            resource: self.resource,
            columns,
            release: ReleaseRef::Id(release.release.id),
            filters: &self.filters,
            sort: &self.sort,
        };
        Some(Walk::new(scan, self.start.clone(), self.cap))
    }

    async fn stream_text(&self, format: Format, bom: bool, tx: &Tx) -> Result<(), QueryError> {
        let Some(mut enc) = TextEncoder::new(self.resource, format, bom) else {
            return Ok(()); // not a text format: write_xlsx serves it
        };
        let columns = self.resource.stored_columns();
        let sources = self.sources();
        if let Some(mut walk) = self.walk(&columns) {
            while walk
                .next_batch(&self.db, |row| {
                    enc.row(row, sources);
                    Ok::<_, QueryError>(())
                })
                .await?
                > 0
            {
                if tx.send(Ok(Bytes::from(enc.take()))).await.is_err() {
                    return Ok(()); // the client went away
                }
            }
        }
        let _ = tx.send(Ok(Bytes::from(enc.finish()))).await;
        Ok(())
    }

    fn write_xlsx(&self, rt: &tokio::runtime::Handle, tx: &Tx) -> Result<(), anyhow_like::Error> {
        use std::io::{Read, Seek};
        let columns = self.resource.stored_columns();
        let dir = tempfile::tempdir()?;
        let mut enc = XlsxEncoder::new(
            &self.resource.flat_columns(),
            money_mask(self.resource, &columns),
            dir.path(),
        )?;
        let sources = self.sources();
        if let Some(mut walk) = self.walk(&columns) {
            while rt.block_on(walk.next_batch(&self.db, |row| {
                enc.row(row, sources).map_err(anyhow_like::Error::from)
            }))? > 0
            {
                if tx.is_closed() {
                    return Ok(());
                }
            }
        }
        let mut file = tempfile::tempfile_in(dir.path())?;
        enc.finish(&mut file)?;
        file.rewind()?;
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            if tx
                .blocking_send(Ok(Bytes::copy_from_slice(&buf[..n])))
                .is_err()
            {
                break;
            }
        }
        Ok(())
    }
}

/// Errors of the XLSX writer, collapsed for the log.
mod anyhow_like {
    #[derive(Debug, thiserror::Error)]
    pub enum Error {
        #[error(transparent)]
        Io(#[from] std::io::Error),
        #[error(transparent)]
        Xlsx(#[from] rust_xlsxwriter::XlsxError),
        #[error(transparent)]
        Query(#[from] schema::records::QueryError),
    }
}

/// `GET /api/v1/{resource}/totals`: exact sums grouped by the requested dimensions.
pub async fn totals(
    resource: &'static Resource,
    s: AppState,
    params: Params,
) -> Result<Json<views::Totals>, ApiError> {
    let mut limit = 1000u64;
    let mut group_by = String::new();
    let mut rest: Params = Vec::new();
    for (k, v) in &params {
        match k.as_str() {
            "group_by" => group_by = v.clone(),
            "limit" => {
                limit = match v.trim().parse::<u64>() {
                    Ok(n) if (1..=10_000).contains(&n) => n,
                    _ => return Err(invalid("limit", format!("“{v}” is not 1 to 10000"))),
                }
            }
            "sort" | "cursor" | "format" | "bom" => {
                return Err(invalid(k, "not a parameter of totals"));
            }
            _ => rest.push((k.clone(), v.clone())),
        }
    }
    let dims = aggregate::parse_group_by(resource, &group_by)?;
    let filters = parse_params(resource, &rest)?;
    let t = aggregate::totals(&s.db, resource, &filters, &dims, limit).await?;
    let overall = aggregate::totals(&s.db, resource, &filters, &[], 1000).await?;
    Ok(Json(views::Totals {
        resource: resource.path.to_string(),
        dataset: resource.dataset.to_string(),
        groups: groups_view(&t),
        overall: groups_view(&overall),
        release: t.release.map(Release::from),
        group_by: t.group_by,
        truncated: t.truncated,
    }))
}

/// The groups of a totals answer as their wire view.
fn groups_view(t: &Totals) -> Vec<views::TotalsGroup> {
    t.groups
        .iter()
        .map(|g| views::TotalsGroup {
            key: t
                .group_by
                .iter()
                .zip(&g.key)
                .map(|(d, c)| (d.clone(), c.to_json()))
                .collect(),
            rows: g.rows,
            sums: g
                .sums
                .iter()
                .map(|s| views::TotalsSum {
                    measure: s.measure.clone(),
                    unit: s.unit.clone(),
                    total: s.total.to_string(),
                    yuan: (s.unit == "fen").then(|| schema::normalize::fen_to_yuan(s.total)),
                    count: s.count,
                })
                .collect(),
        })
        .collect()
}

/// `GET /api/v1/organizations/{uscc}`.
pub async fn organization(
    State(s): State<AppState>,
    Path(uscc): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let code = uscc.trim().to_uppercase();
    let not_found = || {
        ApiError::new(
            ErrorCode::NotFound,
            format!("no organization with credit code “{uscc}”"),
        )
    };
    let d = schema::records::organization(&s.db, &code)
        .await?
        .ok_or_else(not_found)?;
    let Some(orgs) = schema::records::resource("organizations") else {
        return Err(not_found());
    };
    let mut body = serde_json::Map::new();
    body.insert(
        "release".into(),
        serde_json::to_value(Release::from(d.release)).unwrap_or(Value::Null),
    );
    body.insert(
        "organization".into(),
        record_json(
            &fields(orgs, &orgs.stored_columns()),
            &d.organization,
            &d.sources,
        ),
    );
    for (r, rows) in &d.related {
        let f = fields(r, &r.stored_columns());
        body.insert(
            r.path.replace('-', "_"),
            Value::Array(
                rows.iter()
                    .map(|row| record_json(&f, row, &d.sources))
                    .collect(),
            ),
        );
    }
    Ok(Json(Value::Object(body)))
}
