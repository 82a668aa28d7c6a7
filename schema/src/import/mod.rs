//! The import: files → validation → one transaction → a draft release of the dataset.
//!
//! A reading thread decodes and validates the files row by row and hands validated rows to the
//! writer over a bounded channel, so memory stays flat however long the file. The writer stores
//! rows inside one transaction; at the first error it stops writing but keeps collecting errors,
//! and at the end rolls back. Either every row of every file is stored and the draft release
//! with its diff is recorded, or nothing is: a crash or kill mid-import leaves the database as it was.

pub mod reader;
pub mod report;
pub mod validate;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait, Value,
};
use sea_orm::{DbBackend, Statement};

pub use report::{ImportError, ImportSummary, Issue, MAX_ISSUES};
pub use validate::SourceFields;
use validate::{Event, HeaderMap, ParsedRow, Validator};

use crate::descriptor::{self, Table};
use crate::entity::{dataset, meta, release, release_source, source};

/// SQLite page cache during an import, in KiB.
const IMPORT_CACHE_KIB: u32 = 32 * 1024;
/// SQLite's default page cache, restored when the import ends.
const DEFAULT_CACHE: &str = "PRAGMA cache_size = -2000";

/// Progress of a running import, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub bytes_read: u64,
    pub bytes_total: u64,
    pub rows: u64,
}

pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// How to import.
#[derive(Clone, Default)]
pub struct ImportOptions {
    /// The source of rows that name none themselves.
    pub source: Option<SourceFields>,
    /// Whether the files are synthetic; None: synthetic when a `MANIFEST.json` written by
    /// `gongkai generate` lies beside the files (or one folder up).
    pub synthetic: Option<bool>,
    pub progress: Option<ProgressFn>,
    /// A note stored on the release.
    pub note: Option<String>,
    /// Who uploads (a token's name; `cli` when not given), recorded on the release and in the
    /// audit log.
    pub actor: Option<String>,
    /// When the figures were produced (形成日期: `2026-11-20` or RFC 3339); the upload time when
    /// not given. For timeliness (`crate::workflow::timeliness`).
    pub produced_at: Option<String>,
}

/// One file to import, optionally with its table (otherwise found from its header).
#[derive(Debug, Clone)]
pub struct ImportFile {
    pub path: PathBuf,
    pub table: Option<&'static Table>,
}

impl ImportFile {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        ImportFile {
            path: path.into(),
            table: None,
        }
    }
}

/// True when a `MANIFEST.json` of `gongkai generate` marks the folder of `path` (or its parent) synthetic.
pub fn is_synthetic_file(path: &Path) -> bool {
    path.ancestors().skip(1).take(2).any(|dir| {
        std::fs::read_to_string(dir.join("MANIFEST.json"))
            .ok()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
            .and_then(|v| v.get("synthetic").and_then(serde_json::Value::as_bool))
            .unwrap_or(false)
    })
}

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// What the reading thread returns when it is done.
struct ReadOutcome {
    files: Vec<serde_json::Value>,
    warnings: Vec<String>,
    /// (local fund index, total, lines, top-level total)
    funds: Vec<(u32, Option<i64>, i64, i64)>,
}

/// Read and validate every file on the current (blocking) thread, sending events to the writer.
fn read_and_validate(
    dataset: &str,
    files: &[ImportFile],
    default_source: Option<SourceFields>,
    tx: &tokio::sync::mpsc::Sender<Event>,
    bytes: Arc<AtomicU64>,
    rows: Arc<AtomicU64>,
    progress: Option<(ProgressFn, u64)>,
) -> ReadOutcome {
    let send = |e: Event| tx.blocking_send(e).is_ok();
    let candidates = descriptor::tables_of(dataset);
    // First pass: the header of every file, so files can be taken in table order
    // (organizations before the tables that refer to them).
    let mut planned: Vec<(usize, &ImportFile, HeaderMap)> = Vec::new();
    let mut early = Vec::new();
    for f in files {
        let cands: Vec<&'static Table> = match f.table {
            Some(t) => vec![t],
            None => candidates.clone(),
        };
        let mut first = Vec::new();
        let res = reader::read_rows(&f.path, Arc::new(AtomicU64::new(0)), &mut |r| {
            first.push(r);
            first.len() < 20
        });
        let name = display_name(&f.path);
        match res.and_then(|_| validate::detect_header(&cands, &first)) {
            Ok(map) => {
                let order = descriptor::table_index(map.table);
                planned.push((order, f, map));
            }
            Err(msg) => early.push(Issue {
                file: name,
                row: None,
                column: None,
                value: None,
                code: "bad_file",
                message: msg,
            }),
        }
    }
    planned.sort_by_key(|(order, ..)| *order);
    let orgs_imported = planned
        .iter()
        .any(|(_, _, m)| m.table.db_table == "organizations");
    let mut v = Validator::new(default_source, orgs_imported);
    if !early.is_empty() {
        send(Event::Issues(early));
    }

    let mut file_records = Vec::new();
    let mut batch: Vec<ParsedRow> = Vec::with_capacity(1024);
    for (_, f, map) in &planned {
        v.file = display_name(&f.path);
        v.check_header(map);
        let mut count = 0u64;
        let mut seen = 0u64;
        let res = reader::read_rows(&f.path, bytes.clone(), &mut |raw| {
            if raw.row_no <= map.header_row || raw.is_blank() {
                return true;
            }
            seen += 1;
            let (parsed, events) = v.row(map, &raw);
            for e in events {
                if !send(e) {
                    return false;
                }
            }
            if !v.issues.is_empty() {
                let issues = std::mem::take(&mut v.issues);
                if !send(Event::Issues(issues)) {
                    return false;
                }
            }
            if let Some(p) = parsed {
                count += 1;
                batch.push(p);
                if batch.len() >= 1000
                    && !send(Event::Rows(std::mem::replace(
                        &mut batch,
                        Vec::with_capacity(1024),
                    )))
                {
                    return false;
                }
            }
            let n = rows.fetch_add(1, Ordering::Relaxed) + 1;
            if let Some((cb, total)) = &progress
                && n.is_multiple_of(10_000)
            {
                cb(Progress {
                    bytes_read: bytes.load(Ordering::Relaxed),
                    bytes_total: *total,
                    rows: n,
                });
            }
            true
        });
        match res {
            Ok(info) => {
                if seen == 0 {
                    v.issues.push(Issue {
                        file: v.file.clone(),
                        row: None,
                        column: None,
                        value: None,
                        code: "empty_file",
                        message: "文件在表头之后没有数据行".into(),
                    });
                }
                file_records.push(serde_json::json!({
                    "name": v.file, "table": map.table.qualified(), "format": info.format,
                    "bytes": info.bytes, "sha256": info.sha256, "rows": count,
                }));
            }
            Err(msg) => v.issues.push(Issue {
                file: v.file.clone(),
                row: None,
                column: None,
                value: None,
                code: "bad_file",
                message: msg,
            }),
        }
    }
    if !batch.is_empty() {
        send(Event::Rows(batch));
    }
    let funds = v.finish();
    if !v.issues.is_empty() {
        send(Event::Issues(std::mem::take(&mut v.issues)));
    }
    ReadOutcome {
        files: file_records,
        warnings: std::mem::take(&mut v.warnings),
        funds,
    }
}

/// Buffers rows per table and writes them in multi-row INSERTs.
struct Writer {
    release_id: i64,
    buffers: HashMap<usize, Vec<ParsedRow>>,
    source_ids: HashMap<u32, i64>,
    fund_ids: HashMap<u32, i64>,
    rows_per_source: BTreeMap<i64, i64>,
    rows_per_table: BTreeMap<usize, u64>,
    /// INSERT statements by (table, rows).
    sql: HashMap<(usize, usize), String>,
}

impl Writer {
    fn batch_size(table: &Table) -> usize {
        let cols = table.stored_columns().len() + 4;
        (30_000 / cols).clamp(1, 1000)
    }

    async fn push(
        &mut self,
        txn: &DatabaseTransaction,
        row: ParsedRow,
    ) -> Result<(), sea_orm::DbErr> {
        let t = row.table;
        let buf = self.buffers.entry(t).or_default();
        buf.push(row);
        if buf.len() >= Self::batch_size(descriptor::TABLES[t]) {
            self.flush(txn, t).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, txn: &DatabaseTransaction, t: usize) -> Result<(), sea_orm::DbErr> {
        let rows = std::mem::take(self.buffers.entry(t).or_default());
        if rows.is_empty() {
            return Ok(());
        }
        let table = descriptor::TABLES[t];
        let backend = txn.get_database_backend();
        let n = rows.len();
        let sql = self
            .sql
            .entry((t, n))
            .or_insert_with(|| insert_sql(backend, table, n))
            .clone();
        let mut values: Vec<Value> = Vec::with_capacity(n * (table.stored_columns().len() + 4));
        for r in rows {
            let source_id = *self.source_ids.get(&r.source).unwrap_or(&0);
            *self.rows_per_source.entry(source_id).or_default() += 1;
            values.push(Value::from(self.release_id));
            values.push(Value::from(source_id));
            values.push(Value::from(r.row_no as i64));
            let mut vals = r.values.into_iter();
            if table.db_table == "fund_lines"
                && let Some(Value::BigInt(Some(local))) = vals.next()
            {
                values.push(Value::from(
                    *self.fund_ids.get(&(local as u32)).unwrap_or(&0),
                ));
            }
            values.extend(vals);
            values.push(Value::from(r.extra));
        }
        txn.execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
        *self.rows_per_table.entry(t).or_default() += n as u64;
        Ok(())
    }
}

/// A multi-row INSERT for `rows` rows of `table`, with placeholders. Built once per table and
/// batch size, so a long import binds values instead of re-rendering SQL.
fn insert_sql(backend: DbBackend, table: &Table, rows: usize) -> String {
    let mut cols: Vec<String> = ["release_id", "source_id", "row_no"]
        .iter()
        .map(|c| c.to_string())
        .collect();
    cols.extend(table.stored_columns().into_iter().map(|(c, _)| c));
    cols.push("extra".into());
    let quoted: Vec<String> = cols.iter().map(|c| format!("\"{c}\"")).collect();
    let mut sql = format!(
        "INSERT INTO \"{}\" ({}) VALUES ",
        table.db_table,
        quoted.join(", ")
    );
    let mut p = 0usize;
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..cols.len() {
            if c > 0 {
                sql.push(',');
            }
            p += 1;
            match backend {
                DbBackend::Postgres => {
                    sql.push('$');
                    sql.push_str(&p.to_string());
                }
                _ => sql.push('?'),
            }
        }
        sql.push(')');
    }
    sql
}

async fn resolve_source(
    txn: &DatabaseTransaction,
    f: &SourceFields,
) -> Result<i64, sea_orm::DbErr> {
    let fp = f.fingerprint();
    if let Some(s) = source::Entity::find()
        .filter(source::Column::Fingerprint.eq(fp.clone()))
        .one(txn)
        .await?
    {
        return Ok(s.id);
    }
    let m = source::ActiveModel {
        fingerprint: Set(fp),
        title: Set(f.title.clone()),
        url: Set(f.url.clone()),
        publisher_date: Set(f.publisher_date.clone()),
        document_number: Set(f.document_number.clone()),
        grade: Set(f.grade.clone()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(m.id)
}

async fn insert_fund(
    txn: &DatabaseTransaction,
    release_id: i64,
    source_id: i64,
    attrs: validate::FundAttrs,
) -> Result<i64, sea_orm::DbErr> {
    let cols = [
        "release_id",
        "source_id",
        "row_no",
        "fund_name",
        "level",
        "allocating_body",
        "fiscal_year",
        "document_number",
        "principle",
        "line_count",
        "top_lines_total",
    ];
    let mut vals: Vec<Expr> = vec![
        Expr::val(release_id),
        Expr::val(source_id),
        Expr::val(attrs.row_no as i64),
    ];
    vals.extend(attrs.values.into_iter().map(Expr::val));
    vals.push(Expr::val(0i64));
    vals.push(Expr::val(0i64));
    let mut stmt = Query::insert();
    stmt.into_table(Alias::new("funds"))
        .columns(cols.iter().map(|c| Alias::new(*c)))
        .values(vals)
        .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?
        .returning_col(Alias::new("id"));
    let row = txn
        .query_one(&stmt)
        .await?
        .ok_or_else(|| sea_orm::DbErr::Custom("no id returned".into()))?;
    row.try_get::<i64>("", "id")
}

/// The kind of content a database holds: real data or synthetic data, never both.
pub async fn content_kind(db: &impl ConnectionTrait) -> Result<Option<String>, sea_orm::DbErr> {
    Ok(meta::Entity::find_by_id("content".to_string())
        .one(db)
        .await?
        .map(|m| m.value))
}

/// Import `files` into `dataset` as one new draft release, with what it changes against the
/// published release; nothing is public until the draft has passed review
/// (`crate::workflow`). All or nothing.
pub async fn import(
    db: &DatabaseConnection,
    dataset_slug: &str,
    files: &[ImportFile],
    opts: ImportOptions,
) -> Result<ImportSummary, ImportError> {
    if crate::catalog::dataset(dataset_slug).is_none() {
        let slugs: Vec<&str> = crate::catalog::DATASETS.iter().map(|d| d.slug).collect();
        return Err(ImportError::Refused(format!(
            "没有数据集“{dataset_slug}”。数据集：{}",
            slugs.join("、")
        )));
    }
    if files.is_empty() {
        return Err(ImportError::Refused("没有要导入的文件".into()));
    }
    for f in files {
        if !f.path.is_file() {
            return Err(ImportError::Refused(format!(
                "找不到文件：{}",
                f.path.display()
            )));
        }
        if let Some(t) = f.table
            && t.dataset != dataset_slug
        {
            return Err(ImportError::Refused(format!(
                "表“{}”不属于数据集“{dataset_slug}”",
                t.qualified()
            )));
        }
    }
    let synthetic = match opts.synthetic {
        Some(s) => s,
        None => {
            let marks: Vec<bool> = files.iter().map(|f| is_synthetic_file(&f.path)).collect();
            if marks.iter().any(|m| *m) && !marks.iter().all(|m| *m) {
                return Err(ImportError::Refused(
                    "一次导入不能同时含合成数据文件和真实数据文件".into(),
                ));
            }
            marks[0]
        }
    };
    let kind = if synthetic { "synthetic" } else { "real" };
    if let Some(existing) = content_kind(db).await?
        && existing != kind
    {
        return Err(ImportError::Refused(if synthetic {
            "此数据库载有真实数据，不能导入合成数据：合成数据请导入另一个数据库（--database-url）"
                .into()
        } else {
            "此数据库载有合成数据，不能导入真实数据：请使用另一个数据库（--database-url）".into()
        }));
    }

    let actor = opts.actor.clone().unwrap_or_else(|| "cli".into());
    let produced_at = match &opts.produced_at {
        Some(p) => crate::workflow::timeliness::parse_produced(p)
            .map_err(|e| ImportError::Refused(e.to_string()))?,
        None => now(),
    };
    let bytes_total: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(&f.path).ok())
        .map(|m| m.len())
        .sum();
    let bytes = Arc::new(AtomicU64::new(0));
    let rows = Arc::new(AtomicU64::new(0));
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Event>(4);
    let reader = {
        let (files, slug, src) = (
            files.to_vec(),
            dataset_slug.to_string(),
            opts.source.clone(),
        );
        let (bytes, rows) = (bytes.clone(), rows.clone());
        let progress = opts.progress.clone().map(|p| (p, bytes_total));
        tokio::task::spawn_blocking(move || {
            read_and_validate(&slug, &files, src, &tx, bytes, rows, progress)
        })
    };

    let txn = db.begin().await?;
    let sqlite = txn.get_database_backend() == DbBackend::Sqlite;
    if sqlite {
        // Index pages of a large release are written in key order, not file order: give SQLite a
        // page cache that holds them (the default 2 MB makes it re-read pages from the OS).
        txn.execute_unprepared(&format!("PRAGMA cache_size = -{IMPORT_CACHE_KIB}"))
            .await?;
    }
    let version = release::Entity::find()
        .filter(release::Column::Dataset.eq(dataset_slug))
        .order_by_desc(release::Column::Version)
        .one(&txn)
        .await?
        .map(|r| r.version + 1)
        .unwrap_or(1);
    let rel = release::ActiveModel {
        dataset: Set(dataset_slug.to_string()),
        version: Set(version),
        state: Set("draft".into()),
        synthetic: Set(synthetic),
        files: Set("[]".into()),
        row_count: Set(0),
        row_counts: Set("{}".into()),
        created_at: Set(now()),
        published_at: Set(None),
        note: Set(opts.note.clone()),
        created_by: Set(Some(actor.clone())),
        produced_at: Set(Some(produced_at.clone())),
        ..Default::default()
    }
    .insert(&txn)
    .await?;

    let mut w = Writer {
        release_id: rel.id,
        buffers: HashMap::new(),
        source_ids: HashMap::new(),
        fund_ids: HashMap::new(),
        rows_per_source: BTreeMap::new(),
        rows_per_table: BTreeMap::new(),
        sql: HashMap::new(),
    };
    let mut issues: Vec<Issue> = Vec::new();
    let mut total_issues = 0usize;
    let mut pending_sources: HashMap<u32, SourceFields> = HashMap::new();
    while let Some(ev) = rx.recv().await {
        match ev {
            Event::Issues(v) => {
                total_issues += v.len();
                let room = MAX_ISSUES.saturating_sub(issues.len());
                issues.extend(v.into_iter().take(room));
            }
            // Once the files are known to be bad nothing more is written; validation goes on so
            // that every error is reported at once.
            _ if total_issues > 0 => {}
            Event::Source(i, f) => {
                pending_sources.insert(i, f);
            }
            Event::Fund(i, attrs) => {
                let sid = match w.source_ids.get(&attrs.source) {
                    Some(id) => *id,
                    None => {
                        let f = pending_sources.remove(&attrs.source).unwrap_or_default();
                        let id = resolve_source(&txn, &f).await?;
                        w.source_ids.insert(attrs.source, id);
                        id
                    }
                };
                let id = insert_fund(&txn, rel.id, sid, attrs).await?;
                w.fund_ids.insert(i, id);
            }
            Event::Rows(batch) => {
                for r in batch {
                    if let std::collections::hash_map::Entry::Vacant(e) =
                        w.source_ids.entry(r.source)
                    {
                        let f = pending_sources.remove(&r.source).unwrap_or_default();
                        e.insert(resolve_source(&txn, &f).await?);
                    }
                    w.push(&txn, r).await?;
                }
            }
        }
    }
    let outcome = reader
        .await
        .map_err(|e| ImportError::Refused(format!("读取线程异常结束：{e}")))?;
    if total_issues > 0 {
        if sqlite {
            txn.execute_unprepared(DEFAULT_CACHE).await?;
        }
        txn.rollback().await?;
        return Err(ImportError::Invalid {
            issues,
            total: total_issues,
            warnings: outcome.warnings,
        });
    }
    let tables: Vec<usize> = w.buffers.keys().copied().collect();
    for t in tables {
        w.flush(&txn, t).await?;
    }

    // The search index of the registry's organizations, in the same transaction.
    if dataset_slug == "registry" {
        crate::search::index_release(&txn, rel.id).await?;
    }

    // Fund totals, now that every line is known.
    for (local, total, lines, top) in &outcome.funds {
        if let Some(id) = w.fund_ids.get(local) {
            let mut up = Query::update();
            up.table(Alias::new("funds"))
                .value(Alias::new("total"), *total)
                .value(
                    Alias::new("total_published"),
                    total.map(crate::normalize::fen_to_yuan),
                )
                .value(Alias::new("line_count"), *lines)
                .value(Alias::new("top_lines_total"), *top)
                .and_where(Expr::col(Alias::new("id")).eq(*id));
            txn.execute(&up).await?;
        }
    }
    for (sid, n) in &w.rows_per_source {
        release_source::ActiveModel {
            release_id: Set(rel.id),
            source_id: Set(*sid),
            rows: Set(*n),
        }
        .insert(&txn)
        .await?;
    }
    let rows_by_name: Vec<(String, u64)> = w
        .rows_per_table
        .iter()
        .map(|(t, n)| (descriptor::TABLES[*t].qualified(), *n))
        .collect();
    let total: u64 = rows_by_name.iter().map(|(_, n)| n).sum();
    let counts: BTreeMap<&str, u64> = rows_by_name.iter().map(|(k, v)| (k.as_str(), *v)).collect();

    // The release stays a draft: nothing is public until it has passed review
    // (`crate::workflow`). What it changes against the published release is taken now.
    let Some(ds) = dataset::Entity::find_by_id(dataset_slug.to_string())
        .one(&txn)
        .await?
    else {
        return Err(ImportError::Refused(format!(
            "数据集“{dataset_slug}”未登记：请先运行迁移"
        )));
    };
    let rel = release::ActiveModel {
        id: Set(rel.id),
        files: Set(serde_json::to_string(&outcome.files).unwrap_or_else(|_| "[]".into())),
        row_count: Set(total as i64),
        row_counts: Set(serde_json::to_string(&counts).unwrap_or_else(|_| "{}".into())),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    // Against the release the dataset publishes now (on the negative list or not).
    let base = match ds.current_release_id {
        Some(id) => release::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .filter(|r| r.state == crate::workflow::state::PUBLISHED)
            .map(|r| r.id),
        None => None,
    };
    let diff = crate::workflow::diff::record(&txn, &rel, base)
        .await
        .map_err(workflow_error)?;
    meta::Entity::delete_by_id("content".to_string())
        .exec(&txn)
        .await?;
    meta::ActiveModel {
        key: Set("content".into()),
        value: Set(kind.into()),
    }
    .insert(&txn)
    .await?;
    crate::workflow::audit::lock_head(&txn)
        .await
        .map_err(workflow_error)?;
    crate::workflow::log_upload(&txn, &actor, &rel, total)
        .await
        .map_err(workflow_error)?;
    txn.commit().await?;
    let mut tables: Vec<&str> = crate::records::resources_of(dataset_slug)
        .map(|r| r.db_table)
        .collect();
    if dataset_slug == "registry" {
        tables.push("search_postings");
    }
    crate::store::refresh_statistics(db, &tables).await;

    Ok(ImportSummary {
        dataset: dataset_slug.to_string(),
        release_id: rel.id,
        version,
        synthetic,
        rows: rows_by_name,
        sources: w.source_ids.len(),
        warnings: outcome.warnings,
        diff,
    })
}

fn workflow_error(e: crate::workflow::WorkflowError) -> ImportError {
    match e {
        crate::workflow::WorkflowError::Db(e) => ImportError::Db(e),
        other => ImportError::Refused(other.to_string()),
    }
}
