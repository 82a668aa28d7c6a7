//! Chinese search over organizations: segmentation, the index, and the query condition.
//!
//! The algorithm is specified in `docs/search.md`, which also carries a JavaScript version of the
//! segmentation for the static catalog; `docs/search-vectors.json` holds test vectors that this
//! module and the JavaScript version must both reproduce. In short:
//!
//! * **Folding**: full-width ASCII (U+FF01–U+FF5E) → ASCII, ideographic space U+3000 → space, then
//!   ASCII upper case → lower case. Nothing else changes (no simplified/traditional mapping).
//! * **Runs**: maximal runs of Han characters, and maximal runs of ASCII letters and digits;
//!   every other character separates.
//! * **Index tokens** of a text: each Han run of two or more characters gives its overlapping
//!   bigrams, a Han run of one character gives that character, an ASCII run gives itself.
//! * **Query terms**: the runs of the folded query. An organization matches when every term
//!   occurs in its name or its business scope: a Han term as a substring, an ASCII term as the
//!   start of an ASCII run (`ngo` matches `NGO发展中心` and `NGOs`, not `bingo`). A query that looks
//!   like a credit code or a prefix of one (4–18 characters of the credit-code alphabet) also
//!   matches organizations whose code starts with it.
//!
//! The index (`search_postings`, migration `m20261122_000004_search`) maps each (release, token)
//! to the ids of the organizations whose name or business scope contains the token, as a JSON
//! array that SQL expands. A query reads the document counts of its tokens, takes the rarest
//! posting list as candidates, and verifies Han terms with `LIKE` on the row, so that bigrams that
//! occur apart (`慈善` in `慈…善`) never count as a match.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Func, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Value};

/// Longest query, in characters after folding, that the search accepts.
pub const MAX_QUERY_CHARS: usize = 100;
/// Most distinct terms a query may have.
pub const MAX_TERMS: usize = 8;
/// Organizations read per batch when a release is indexed.
const INDEX_BATCH: u64 = 5_000;
/// Ids per row of `search_postings` (about 64 KB of JSON for a national registry): long posting
/// lists are split into chunks, so no single value is large to write, store or parse.
pub const CHUNK_IDS: usize = 8192;
/// Rows in one multi-row INSERT of postings (one statement shape, prepared once).
const INSERT_ROWS: usize = 32;

/// Why a query cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// Every term is a single Han character: the index has no entry for it (see `docs/search.md`).
    #[error("搜索词太短：请至少输入两个汉字或一个字母数字词")]
    TooShort,
    #[error("搜索词太长：最多 {MAX_QUERY_CHARS} 个字符、{MAX_TERMS} 个词")]
    TooLong,
    #[error(transparent)]
    Db(#[from] DbErr),
}

// ---- segmentation ------------------------------------------------------------------------------

/// Fold one character: full-width ASCII → ASCII, U+3000 → space, A–Z → a–z.
pub fn fold_char(c: char) -> char {
    let u = c as u32;
    let c = match u {
        0xFF01..=0xFF5E => char::from_u32(u - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    };
    c.to_ascii_lowercase()
}

/// The folded form of a text.
pub fn fold(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

/// Whether `c` is a Han character: U+3007 (〇), CJK Unified Ideographs and Extension A
/// (U+3400–U+4DBF, U+4E00–U+9FFF), CJK Compatibility Ideographs (U+F900–U+FAFF), and the
/// supplementary ideographic planes (U+20000–U+323AF, Extensions B–H).
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3007 | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x323AF)
}

/// Whether `c` (already folded) is an ASCII letter or digit.
fn is_alnum(c: char) -> bool {
    c.is_ascii_digit() || c.is_ascii_lowercase()
}

/// The kind of a run of characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// Han characters.
    Han,
    /// ASCII letters and digits (folded to lower case).
    Alnum,
}

impl RunKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Han => "han",
            RunKind::Alnum => "alnum",
        }
    }
}

fn kind_of(c: char) -> Option<RunKind> {
    if is_han(c) {
        Some(RunKind::Han)
    } else if is_alnum(c) {
        Some(RunKind::Alnum)
    } else {
        None
    }
}

/// Call `f` with every run of a folded text, as (kind, slice of `folded`).
fn for_each_run<'a>(folded: &'a str, mut f: impl FnMut(RunKind, &'a str)) {
    let mut start = 0usize;
    let mut kind: Option<RunKind> = None;
    for (i, c) in folded.char_indices() {
        let k = kind_of(c);
        if k != kind {
            if let Some(prev) = kind {
                f(prev, &folded[start..i]);
            }
            start = i;
            kind = k;
        }
    }
    if let Some(prev) = kind {
        f(prev, &folded[start..]);
    }
}

/// Call `f` with every index token of a folded text, in order, repeats included.
fn for_each_token<'a>(folded: &'a str, mut f: impl FnMut(&'a str)) {
    for_each_run(folded, |kind, run| match kind {
        RunKind::Alnum => f(run),
        RunKind::Han => {
            // Overlapping bigrams; a run of one character is its own token.
            let mut prev: Option<usize> = None;
            for (i, c) in run.char_indices() {
                if let Some(p) = prev {
                    f(&run[p..i + c.len_utf8()]);
                }
                prev = Some(i);
            }
            if prev == Some(0) {
                f(run);
            }
        }
    });
}

/// The index tokens of a text, in order of first occurrence, each once.
pub fn tokens(text: &str) -> Vec<String> {
    let folded = fold(text);
    let mut out: Vec<String> = Vec::new();
    for_each_token(&folded, |t| {
        if !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    });
    out
}

/// One term of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub kind: RunKind,
    /// Folded.
    pub text: String,
}

impl Term {
    /// The number of characters.
    pub fn chars(&self) -> usize {
        self.text.chars().count()
    }

    /// The bigrams of a Han term of two or more characters (empty otherwise).
    pub fn bigrams(&self) -> Vec<String> {
        if self.kind != RunKind::Han || self.chars() < 2 {
            return Vec::new();
        }
        let mut out = Vec::new();
        for_each_token(&self.text, |t| out.push(t.to_string()));
        out
    }
}

/// The terms of a query: the runs of the folded query, in order, each once.
pub fn query_terms(q: &str) -> Vec<Term> {
    let folded = fold(q);
    let mut out: Vec<Term> = Vec::new();
    for_each_run(&folded, |kind, run| {
        if !out.iter().any(|t| t.text == run) {
            out.push(Term {
                kind,
                text: run.to_string(),
            });
        }
    });
    out
}

/// The credit-code alphabet of GB 32100 (digits and capitals without I, O, Z, S, V).
const USCC_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// The credit-code prefix a query stands for, if any: the folded, trimmed query in capitals, when
/// it is 4 to 18 characters of the credit-code alphabet.
pub fn uscc_prefix(q: &str) -> Option<String> {
    let p = fold(q).trim().to_ascii_uppercase();
    let n = p.chars().count();
    ((4..=18).contains(&n) && p.chars().all(|c| USCC_ALPHABET.contains(c))).then_some(p)
}

/// Whether one term occurs in one folded field.
fn term_in(term: &Term, folded: &str) -> bool {
    match term.kind {
        RunKind::Han => folded.contains(term.text.as_str()),
        RunKind::Alnum => {
            let mut hit = false;
            for_each_run(folded, |k, run| {
                hit |= k == RunKind::Alnum && run.starts_with(term.text.as_str());
            });
            hit
        }
    }
}

/// Whether every term occurs in at least one of the fields.
fn fields_match(fields: &[&str], terms: &[Term]) -> bool {
    let folded: Vec<String> = fields.iter().map(|f| fold(f)).collect();
    terms.iter().all(|t| folded.iter().any(|f| term_in(t, f)))
}

/// Whether `text` matches `q` with the semantics of the organization search (every term of `q`
/// occurs in `text`, Han terms as substrings, ASCII terms as the start of an ASCII run), for
/// searching texts in memory (dataset titles and descriptions). An empty query matches
/// everything. Unlike the database search, single-character queries are allowed here.
pub fn text_matches(text: &str, q: &str) -> bool {
    texts_match(&[text], q)
}

/// [`text_matches`] over several fields: every term of `q` occurs in one of them.
pub fn texts_match(texts: &[&str], q: &str) -> bool {
    let terms = query_terms(q);
    terms.is_empty() || fields_match(texts, &terms)
}

/// Whether an organization matches `q`, in memory, with exactly the semantics of
/// [`organization_search`] (which the test suite checks against this).
pub fn organization_matches(uscc: &str, name: &str, scope: Option<&str>, q: &str) -> bool {
    if uscc_prefix(q).is_some_and(|p| uscc.starts_with(&p)) {
        return true;
    }
    let terms = query_terms(q);
    if terms.is_empty() {
        return true;
    }
    let mut fields = vec![name];
    fields.extend(scope);
    fields_match(&fields, &terms)
}

// ---- the index ---------------------------------------------------------------------------------

/// The ids of the documents that contain one token: zigzag varint deltas.
#[derive(Default)]
struct Postings {
    count: u64,
    last: i64,
    bytes: Vec<u8>,
}

impl Postings {
    fn push(&mut self, id: i64) {
        let d = id.wrapping_sub(self.last);
        self.last = id;
        self.count += 1;
        // Grow by a quarter, not double: a national registry holds tens of millions of
        // postings, and doubling leaves a third of the memory unused on average.
        if self.bytes.capacity() - self.bytes.len() < 10 {
            self.bytes
                .reserve_exact((self.bytes.capacity() / 4).max(16));
        }
        let mut z = ((d << 1) ^ (d >> 63)) as u64;
        loop {
            let b = (z & 0x7f) as u8;
            z >>= 7;
            if z == 0 {
                self.bytes.push(b);
                break;
            }
            self.bytes.push(b | 0x80);
        }
    }

    /// Call `f` with every id, in the order pushed.
    fn for_each(&self, mut f: impl FnMut(i64)) {
        let (mut z, mut shift, mut last) = (0u64, 0u32, 0i64);
        for &b in &self.bytes {
            z |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                let d = ((z >> 1) as i64) ^ -((z & 1) as i64);
                last = last.wrapping_add(d);
                f(last);
                z = 0;
                shift = 0;
            } else {
                shift += 7;
            }
        }
    }

    /// The ids, ascending, each once.
    fn ids(&self) -> Vec<i64> {
        let mut out = Vec::with_capacity(self.count as usize);
        self.for_each(|id| out.push(id));
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Builds the postings of one release in memory.
#[derive(Default)]
pub struct IndexBuilder {
    postings: FxHashMap<Box<str>, Postings>,
    documents: u64,
    total: u64,
    folded: (String, String),
}

impl IndexBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add one organization: the tokens of its name and business scope.
    pub fn add(&mut self, id: i64, name: &str, scope: Option<&str>) {
        self.documents += 1;
        let (a, b) = &mut self.folded;
        a.clear();
        a.extend(name.chars().map(fold_char));
        b.clear();
        b.extend(scope.unwrap_or("").chars().map(fold_char));
        let mut toks: Vec<&str> = Vec::with_capacity(64);
        for_each_token(a, |t| toks.push(t));
        for_each_token(b, |t| toks.push(t));
        toks.sort_unstable();
        toks.dedup();
        self.total += toks.len() as u64;
        for t in toks {
            match self.postings.get_mut(t) {
                Some(p) => p.push(id),
                None => {
                    let mut p = Postings::default();
                    p.push(id);
                    self.postings.insert(t.into(), p);
                }
            }
        }
    }

    /// Organizations added.
    pub fn documents(&self) -> u64 {
        self.documents
    }

    /// Distinct tokens.
    pub fn terms(&self) -> u64 {
        self.postings.len() as u64
    }

    /// (token, organization) pairs.
    pub fn postings(&self) -> u64 {
        self.total
    }
}

/// What indexing a release produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexStats {
    pub release_id: i64,
    pub documents: u64,
    pub terms: u64,
    pub postings: u64,
}

fn org(col: &str) -> (Alias, Alias) {
    (Alias::new("organizations"), Alias::new(col))
}

/// One organization to index: id, name, business scope.
type Doc = (i64, String, Option<String>);
/// One row of `search_postings`: token, chunk, the token's document count, ids as a JSON array.
type PostingRow = (String, i64, i64, String);

/// Index the organizations of a release (replacing any earlier index of it). Runs inside the
/// import transaction, so the index and the rows are stored together or not at all.
///
/// The postings are built on one blocking thread, fed with batches of rows and then handing
/// back the rows of `search_postings` one by one: tokenizing runs beside the database reads, and
/// the postings are allocated and freed by one thread (a builder that follows the async task
/// from worker thread to worker thread leaves freed memory behind in each thread's heap).
pub async fn index_release(
    db: &impl ConnectionTrait,
    release_id: i64,
) -> Result<IndexStats, DbErr> {
    let (doc_tx, mut doc_rx) = tokio::sync::mpsc::channel::<Vec<Doc>>(2);
    let (row_tx, mut row_rx) = tokio::sync::mpsc::channel::<PostingRow>(4);
    let worker = tokio::task::spawn_blocking(move || {
        let mut builder = IndexBuilder::new();
        while let Some(batch) = doc_rx.blocking_recv() {
            for (id, name, scope) in batch {
                builder.add(id, &name, scope.as_deref());
            }
        }
        let counts = (builder.documents(), builder.terms(), builder.postings());
        let mut terms: Vec<(Box<str>, Postings)> = builder.postings.into_iter().collect();
        terms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        'terms: for (term, p) in terms {
            let ids = p.ids();
            drop(p);
            let n = ids.len() as i64;
            for (chunk, part) in ids.chunks(CHUNK_IDS).enumerate() {
                let mut json = String::with_capacity(part.len() * 8 + 2);
                json.push('[');
                for (i, id) in part.iter().enumerate() {
                    if i > 0 {
                        json.push(',');
                    }
                    json.push_str(&id.to_string());
                }
                json.push(']');
                if row_tx
                    .blocking_send((term.to_string(), chunk as i64, n, json))
                    .is_err()
                {
                    break 'terms;
                }
            }
        }
        counts
    });

    // Ids of a release's rows, scanned by primary key in batches (a range on the key, so no
    // database can choose a worse plan); rows of other releases in the range are skipped.
    let bounds = db
        .query_one(
            Query::select()
                .expr(Expr::col(Alias::new("id")).min())
                .expr(Expr::col(Alias::new("id")).max())
                .from(Alias::new("organizations"))
                .and_where(Expr::col(Alias::new("release_id")).eq(release_id)),
        )
        .await?;
    let (lo, hi) = match bounds {
        Some(r) => (
            r.try_get_by_index::<Option<i64>>(0)?,
            r.try_get_by_index::<Option<i64>>(1)?,
        ),
        None => (None, None),
    };
    if let (Some(lo), Some(hi)) = (lo, hi) {
        let mut after = lo - 1;
        while after < hi {
            let rows = db
                .query_all(
                    Query::select()
                        .columns([
                            Alias::new("id"),
                            Alias::new("release_id"),
                            Alias::new("name"),
                            Alias::new("business_scope"),
                        ])
                        .from(Alias::new("organizations"))
                        .and_where(Expr::col(Alias::new("id")).gt(after))
                        .and_where(Expr::col(Alias::new("id")).lte(hi))
                        .order_by(Alias::new("id"), sea_orm::Order::Asc)
                        .limit(INDEX_BATCH),
                )
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.try_get::<i64>("", "id")?;
            let mut batch = Vec::with_capacity(rows.len());
            for r in &rows {
                if r.try_get::<i64>("", "release_id")? != release_id {
                    continue;
                }
                batch.push((
                    r.try_get("", "id")?,
                    r.try_get("", "name")?,
                    r.try_get("", "business_scope")?,
                ));
            }
            if doc_tx.send(batch).await.is_err() {
                break;
            }
        }
    }
    drop(doc_tx);

    for t in ["search_postings", "search_indexes"] {
        db.execute(
            Query::delete()
                .from_table(Alias::new(t))
                .and_where(Expr::col(Alias::new("release_id")).eq(release_id)),
        )
        .await?;
    }
    let cols = [
        Alias::new("release_id"),
        Alias::new("term"),
        Alias::new("chunk"),
        Alias::new("doc_count"),
        Alias::new("org_ids"),
    ];
    let mut pending: Vec<PostingRow> = Vec::with_capacity(INSERT_ROWS);
    loop {
        let next = row_rx.recv().await;
        let done = next.is_none();
        pending.extend(next);
        if pending.len() == INSERT_ROWS || (done && !pending.is_empty()) {
            let mut insert = Query::insert();
            insert
                .into_table(Alias::new("search_postings"))
                .columns(cols.clone());
            for (term, chunk, n, json) in pending.drain(..) {
                insert
                    .values([
                        Expr::val(release_id),
                        Expr::val(term),
                        Expr::val(chunk),
                        Expr::val(n),
                        Expr::val(json),
                    ])
                    .map_err(|e| DbErr::Custom(e.to_string()))?;
            }
            db.execute(&insert).await?;
        }
        if done {
            break;
        }
    }
    let (documents, terms, postings) = worker
        .await
        .map_err(|e| DbErr::Custom(format!("search index thread: {e}")))?;
    let stats = IndexStats {
        release_id,
        documents,
        terms,
        postings,
    };
    db.execute(
        Query::insert()
            .into_table(Alias::new("search_indexes"))
            .columns([
                Alias::new("release_id"),
                Alias::new("documents"),
                Alias::new("terms"),
                Alias::new("postings"),
                Alias::new("built_at"),
            ])
            .values([
                Expr::val(release_id),
                Expr::val(stats.documents as i64),
                Expr::val(stats.terms as i64),
                Expr::val(stats.postings as i64),
                Expr::val(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            ])
            .map_err(|e| DbErr::Custom(e.to_string()))?,
    )
    .await?;
    // Planner statistics are refreshed by the caller once the index is in place (see
    // `crate::store::refresh_statistics`).
    Ok(stats)
}

/// The index row of a release, if it has been indexed.
pub async fn index_stats(
    db: &impl ConnectionTrait,
    release_id: i64,
) -> Result<Option<IndexStats>, DbErr> {
    let row = db
        .query_one(
            Query::select()
                .columns([
                    Alias::new("documents"),
                    Alias::new("terms"),
                    Alias::new("postings"),
                ])
                .from(Alias::new("search_indexes"))
                .and_where(Expr::col(Alias::new("release_id")).eq(release_id)),
        )
        .await?;
    row.map(|r| {
        Ok(IndexStats {
            release_id,
            documents: r.try_get::<i64>("", "documents")? as u64,
            terms: r.try_get::<i64>("", "terms")? as u64,
            postings: r.try_get::<i64>("", "postings")? as u64,
        })
    })
    .transpose()
}

/// Index the current registry release if it has no index yet (a database whose organizations
/// were imported before the index existed). Returns what was built, if anything.
pub async fn ensure_indexed(db: &impl ConnectionTrait) -> Result<Option<IndexStats>, DbErr> {
    let Some(rel) = crate::query::current_release(db, "registry").await? else {
        return Ok(None);
    };
    if index_stats(db, rel.id).await?.is_some() {
        return Ok(None);
    }
    let stats = index_release(db, rel.id).await?;
    crate::store::refresh_statistics(db, &["organizations", "search_postings"]).await;
    Ok(Some(stats))
}

// ---- the query ---------------------------------------------------------------------------------

/// A search over the organizations of one release, ready to be ANDed into a query
/// `SELECT … FROM organizations WHERE release_id = ? AND …`.
#[derive(Debug, Clone)]
pub struct OrgSearch {
    /// The condition; it names columns as `"organizations"."…"`.
    pub condition: Condition,
    /// The number of matching organizations of the release, when the index knows it without
    /// looking at rows (a single two-character Han term or a single ASCII word, or nothing can
    /// match). Valid only when the search is the query's only filter besides the release.
    pub exact_count: Option<u64>,
    /// How the condition was built, for logs and benchmarks: the posting lists used as
    /// candidates (token and size) and the terms verified by `LIKE`.
    pub plan: String,
}

/// A posting set a query needs: one token, or every ASCII token with a prefix.
#[derive(Debug, Clone)]
enum Piece {
    Token(String),
    Prefix(String),
}

/// `id IN (ids of the postings)` for one piece.
fn postings_in(backend: DbBackend, release_id: i64, piece: &Piece) -> SimpleExpr {
    let ph = |n: usize| match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_string(),
    };
    let head = match backend {
        // `= ANY(ARRAY(…))`: PostgreSQL then walks the primary key in id order over the array
        // and stops at the page's LIMIT (an `IN (subquery)` semi-join visits every candidate
        // before sorting: 640 ms instead of 30 ms for 养老 on 1M organizations).
        DbBackend::Postgres => format!(
            "\"organizations\".\"id\" = ANY(ARRAY(SELECT CAST(j.value AS BIGINT) \
             FROM \"search_postings\" AS p, \
             json_array_elements_text(CAST(p.\"org_ids\" AS json)) AS j(value) \
             WHERE p.\"release_id\" = {} AND ",
            ph(1)
        ),
        _ => format!(
            "\"organizations\".\"id\" IN (SELECT j.value FROM \"search_postings\" AS p, \
             json_each(p.\"org_ids\") AS j WHERE p.\"release_id\" = {} AND ",
            ph(1)
        ),
    };
    let close = if backend == DbBackend::Postgres {
        "))"
    } else {
        ")"
    };
    match piece {
        Piece::Token(t) => Expr::cust_with_values(
            format!("{head}p.\"term\" = {}{close}", ph(2)),
            [Value::from(release_id), Value::from(t.clone())],
        ),
        Piece::Prefix(t) => Expr::cust_with_values(
            format!(
                "{head}p.\"term\" >= {} AND p.\"term\" < {}{close}",
                ph(2),
                ph(3)
            ),
            [
                Value::from(release_id),
                Value::from(t.clone()),
                Value::from(prefix_end(t)),
            ],
        ),
    }
}

/// The least string greater than every string that starts with `p` (an ASCII-alphanumeric
/// prefix): `p` with its last byte incremented.
fn prefix_end(p: &str) -> String {
    let mut b = p.as_bytes().to_vec();
    if let Some(last) = b.last_mut() {
        *last += 1;
    }
    String::from_utf8(b).unwrap_or_else(|_| p.to_string())
}

/// `name LIKE '%t%' OR business_scope LIKE '%t%'`: a Han term in either field. Han terms hold
/// no LIKE wildcards, and Han characters are the same in the stored and the folded text.
fn han_in_fields(t: &str) -> SimpleExpr {
    let pat = format!("%{t}%");
    Expr::col(org("name"))
        .like(pat.clone())
        .or(Expr::col(org("business_scope")).like(pat))
}

fn never() -> SimpleExpr {
    Expr::val(1).eq(0)
}

/// Document counts of tokens in a release.
async fn token_counts(
    db: &impl ConnectionTrait,
    release_id: i64,
    tokens: &[String],
) -> Result<HashMap<String, u64>, DbErr> {
    if tokens.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = db
        .query_all(
            Query::select()
                .columns([Alias::new("term"), Alias::new("doc_count")])
                .from(Alias::new("search_postings"))
                .and_where(Expr::col(Alias::new("release_id")).eq(release_id))
                .and_where(Expr::col(Alias::new("chunk")).eq(0))
                .and_where(Expr::col(Alias::new("term")).is_in(tokens.iter().cloned())),
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<String>("", "term")?,
                r.try_get::<i64>("", "doc_count")? as u64,
            ))
        })
        .collect()
}

/// (tokens, total of their document counts) of the ASCII tokens that start with `p`.
async fn prefix_counts(
    db: &impl ConnectionTrait,
    release_id: i64,
    p: &str,
) -> Result<(u64, u64), DbErr> {
    let row = db
        .query_one(
            Query::select()
                .expr(Expr::col(Alias::new("term")).count())
                .expr(Expr::col(Alias::new("doc_count")).sum())
                .from(Alias::new("search_postings"))
                .and_where(Expr::col(Alias::new("release_id")).eq(release_id))
                .and_where(Expr::col(Alias::new("chunk")).eq(0))
                .and_where(Expr::col(Alias::new("term")).gte(p))
                .and_where(Expr::col(Alias::new("term")).lt(prefix_end(p))),
        )
        .await?;
    let Some(r) = row else { return Ok((0, 0)) };
    let n = r.try_get_by_index::<i64>(0)?;
    // SUM is an integer on SQLite and a numeric on PostgreSQL.
    let total = r
        .try_get_by_index::<Option<i64>>(1)
        .or_else(|_| {
            r.try_get_by_index::<Option<sea_orm::prelude::Decimal>>(1)
                .map(|d| d.and_then(|d| i64::try_from(d).ok()))
        })
        .unwrap_or(None)
        .unwrap_or(0);
    Ok((n as u64, total as u64))
}

/// The search of `q` over the organizations of release `release_id`, or None when `q` has
/// nothing to search for (empty after folding). See the module documentation and
/// `docs/search.md` for what matches.
pub async fn organization_search(
    db: &impl ConnectionTrait,
    release_id: i64,
    q: &str,
) -> Result<Option<OrgSearch>, SearchError> {
    let terms = query_terms(q);
    if terms.is_empty() {
        return Ok(None);
    }
    if fold(q).trim().chars().count() > MAX_QUERY_CHARS || terms.len() > MAX_TERMS {
        return Err(SearchError::TooLong);
    }
    let backend = db.get_database_backend();
    let uscc = uscc_prefix(q);
    let uscc_branch = uscc.as_ref().map(|p| {
        Condition::all()
            .add(Expr::col(org("release_id")).eq(release_id))
            .add(Expr::col(org("uscc")).gte(p.clone()))
            .add(Expr::col(org("uscc")).lt(prefix_end(p)))
    });

    // What the index can answer: the bigrams of Han terms, and ASCII prefixes.
    let bigrams: Vec<String> = terms.iter().flat_map(Term::bigrams).collect();
    let prefixes: Vec<&Term> = terms.iter().filter(|t| t.kind == RunKind::Alnum).collect();
    if bigrams.is_empty() && prefixes.is_empty() {
        return Err(SearchError::TooShort);
    }
    let counts = token_counts(db, release_id, &bigrams).await?;
    // Candidate sets with their sizes; a missing token means nothing matches.
    let mut sets: Vec<(Piece, u64, bool)> = Vec::new();
    let mut impossible = bigrams.iter().any(|b| !counts.contains_key(b));
    for t in &prefixes {
        let (n, total) = prefix_counts(db, release_id, &t.text).await?;
        if n == 0 {
            impossible = true;
        }
        // Exact count only when one token carries the prefix.
        sets.push((Piece::Prefix(t.text.clone()), total, n == 1));
    }
    let text_branch = if impossible {
        None
    } else {
        let mut cond = Condition::all();
        let mut plan = Vec::new();
        // Every ASCII term is a posting set (LIKE cannot check "start of a run").
        for (piece, n, _) in &sets {
            cond = cond.add(postings_in(backend, release_id, piece));
            plan.push(format!("{piece:?}={n}"));
        }
        // The rarest bigram as candidates, unless an ASCII set is already smaller.
        let rarest = bigrams
            .iter()
            .filter_map(|b| counts.get(b).map(|n| (b, *n)))
            .min_by_key(|(b, n)| (*n, (*b).clone()));
        let smallest_set = sets.iter().map(|(_, n, _)| *n).min();
        let mut driver: Option<&String> = None;
        if let Some((b, n)) = rarest
            && smallest_set.is_none_or(|s| n < s)
        {
            cond = cond.add(postings_in(backend, release_id, &Piece::Token(b.clone())));
            plan.push(format!("Token({b:?})={n}"));
            driver = Some(b);
        }
        // Han terms are verified on the row, except a two-character term whose bigram is the
        // candidate set itself.
        for t in terms.iter().filter(|t| t.kind == RunKind::Han) {
            if t.chars() == 2 && driver == Some(&t.text) {
                continue;
            }
            cond = cond.add(han_in_fields(&t.text));
            plan.push(format!("LIKE {:?}", t.text));
        }
        Some((cond, plan.join(" AND ")))
    };

    let exact_count = if uscc_branch.is_some() {
        None
    } else if text_branch.is_none() {
        Some(0)
    } else if terms.len() == 1 {
        let t = &terms[0];
        match t.kind {
            RunKind::Han if t.chars() == 2 => counts.get(&t.text).copied(),
            RunKind::Alnum => sets.first().and_then(|(_, n, single)| single.then_some(*n)),
            RunKind::Han => None,
        }
    } else {
        None
    };
    let mut plan = Vec::new();
    let mut any = Condition::any();
    if let Some(u) = uscc_branch {
        plan.push(format!("uscc prefix {:?}", uscc.unwrap_or_default()));
        any = any.add(u);
    }
    if let Some((c, p)) = text_branch {
        plan.push(p);
        any = any.add(c);
    }
    let condition = if any.is_empty() {
        plan.push("nothing can match".into());
        Condition::all().add(never())
    } else {
        any
    };
    Ok(Some(OrgSearch {
        condition,
        exact_count,
        plan: plan.join(" OR "),
    }))
}

/// An ordering expression for search results, lower first: 0 when the name is the query (or
/// the code is), 1 when every term occurs in the name, 2 otherwise (found in the business
/// scope). None for an empty query. It is evaluated on every matching row, so ordering by it
/// costs a sort of all matches (see `bench/README.md`); add `LENGTH(name), id` as tie-breaks.
/// ASCII terms are checked here as substrings of the lower-cased name, which is close enough
/// for ordering.
pub fn relevance(q: &str) -> Option<SimpleExpr> {
    let terms = query_terms(q);
    if terms.is_empty() {
        return None;
    }
    let exact = Expr::col(org("name"))
        .eq(q.trim())
        .or(Expr::col(org("uscc")).eq(q.trim().to_ascii_uppercase()));
    let mut in_name = Condition::all();
    for t in &terms {
        let pat = format!("%{}%", t.text);
        in_name = in_name.add(match t.kind {
            RunKind::Han => Expr::col(org("name")).like(pat),
            RunKind::Alnum => Expr::expr(Func::lower(Expr::col(org("name")))).like(pat),
        });
    }
    Some(Expr::case(exact, 0).case(in_name, 1).finally(2).into())
}

/// One organization found by a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgHit {
    pub id: i64,
    pub uscc: String,
    pub name: String,
}

/// How a page of search results is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchOrder {
    /// By id (import order): the index gives ids in this order, so a page costs little.
    Id,
    /// By [`relevance`], then name length, then id: every match is ranked before the page.
    Relevance,
}

/// A page of search results with the exact total, and what each step cost.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub total: u64,
    /// Whether the total came from the index ([`OrgSearch::exact_count`]) instead of a COUNT.
    pub total_from_index: bool,
    pub hits: Vec<OrgHit>,
    pub plan: String,
    /// Microseconds spent building the condition, counting, and reading the page.
    pub micros: [u64; 3],
}

/// Search the organizations of a release and return one page with the exact total: the
/// reference composition of [`organization_search`] with the list query (count, then page),
/// used by `gongkai search` and `bench/search.sh`. With `index_count`, a total the index knows
/// is used instead of a COUNT.
pub async fn search_organizations(
    db: &impl ConnectionTrait,
    release_id: i64,
    q: &str,
    limit: u64,
    order: SearchOrder,
    index_count: bool,
) -> Result<Option<SearchPage>, SearchError> {
    let t0 = std::time::Instant::now();
    let Some(s) = organization_search(db, release_id, q).await? else {
        return Ok(None);
    };
    let t1 = std::time::Instant::now();
    let base = || {
        let mut sel = Query::select();
        sel.from(Alias::new("organizations"))
            .and_where(Expr::col(org("release_id")).eq(release_id))
            .cond_where(s.condition.clone());
        sel
    };
    let (total, from_index) = match s.exact_count {
        Some(n) if index_count => (n, true),
        _ => {
            let row = db
                .query_one(base().expr(Expr::col(org("id")).count()))
                .await?;
            let n = match row {
                Some(r) => r.try_get_by_index::<i64>(0)?,
                None => 0,
            };
            (n as u64, false)
        }
    };
    let t2 = std::time::Instant::now();
    let mut sel = base();
    sel.columns([org("id"), org("uscc"), org("name")])
        .limit(limit);
    match order {
        SearchOrder::Id => {
            sel.order_by(org("id"), sea_orm::Order::Asc);
        }
        SearchOrder::Relevance => {
            if let Some(r) = relevance(q) {
                sel.order_by_expr(r, sea_orm::Order::Asc);
            }
            sel.order_by_expr(
                Func::char_length(Expr::col(org("name"))).into(),
                sea_orm::Order::Asc,
            )
            .order_by(org("id"), sea_orm::Order::Asc);
        }
    }
    let rows = db.query_all(&sel).await?;
    let hits = rows
        .iter()
        .map(|r| {
            Ok(OrgHit {
                id: r.try_get("", "id")?,
                uscc: r.try_get("", "uscc")?,
                name: r.try_get("", "name")?,
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    let t3 = std::time::Instant::now();
    let us = |a: std::time::Instant, b: std::time::Instant| (b - a).as_micros() as u64;
    Ok(Some(SearchPage {
        total,
        total_from_index: from_index,
        hits,
        plan: s.plan,
        micros: [us(t0, t1), us(t1, t2), us(t2, t3)],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding() {
        assert_eq!(fold("ＮＧＯ发展中心　Ａ１"), "ngo发展中心 a1");
        assert_eq!(fold("（常德）"), "(常德)");
    }

    #[test]
    fn tokens_of_names() {
        assert_eq!(
            tokens("常德市慈善总会"),
            ["常德", "德市", "市慈", "慈善", "善总", "总会"]
        );
        assert_eq!(tokens("5A级"), ["5a", "级"]);
        assert_eq!(tokens("养老、助残"), ["养老", "助残"]);
        assert_eq!(tokens("老、老"), ["老"]);
        assert_eq!(tokens("NGO-ngo"), ["ngo"]);
        assert!(tokens("，。、 ").is_empty());
    }

    #[test]
    fn query_semantics() {
        assert!(text_matches("常德市慈善总会", "慈善"));
        assert!(!text_matches("慈爱与善良", "慈善"));
        assert!(text_matches("某某NGO发展中心", "ｎｇｏ"));
        assert!(!text_matches("bingo俱乐部", "ngo"));
        assert!(text_matches("养老服务中心", "养老　服务"));
        assert!(text_matches("anything", "  ，"));
        assert!(organization_matches(
            "51430700MJA000014X",
            "常德市老年协会",
            None,
            "51430700"
        ));
        assert!(!organization_matches(
            "51430700MJA000014X",
            "常德市老年协会",
            None,
            "5143 慈善"
        ));
    }

    #[test]
    fn uscc_prefixes() {
        assert_eq!(uscc_prefix(" 5143 "), Some("5143".into()));
        assert_eq!(uscc_prefix("５１４３ｍｊ"), Some("5143MJ".into()));
        assert_eq!(uscc_prefix("514"), None);
        assert_eq!(uscc_prefix("51OI"), None);
        assert_eq!(uscc_prefix("5143 0700"), None);
    }

    #[test]
    fn postings_round_trip() {
        let mut p = Postings::default();
        for id in [3, 7, 7, 1_000_000, 1_000_001, 2] {
            p.push(id);
        }
        assert_eq!(p.ids(), vec![2, 3, 7, 1_000_000, 1_000_001]);
        let mut q = Postings::default();
        for id in 1..=10_000 {
            q.push(id * 97);
        }
        assert_eq!(q.ids(), (1..=10_000).map(|i| i * 97).collect::<Vec<i64>>());
        assert!(q.bytes.capacity() < q.bytes.len() * 5 / 4 + 32);
    }
}
