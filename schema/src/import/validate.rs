//! Validation: header matching, cell parsing and every rule of the import. Runs row by row on the
//! reading thread; keeps only what cross-row rules need (key hashes, fund sums, report cells).

use std::collections::{BTreeMap, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};

use sea_orm::Value;

use super::reader::RawRow;
use super::report::Issue;
use crate::descriptor::{self, Column, Kind, Table};
use crate::normalize::{self, Measure};
use crate::{region, uscc};

/// Fold a header for matching: full-width folded, spaces and `*` dropped, a trailing bracket
/// (`金额（万元）`) split off and returned as a hint (often the unit).
pub fn normalize_header(h: &str) -> (String, Option<String>) {
    let f: String = normalize::fold(h)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '*')
        .collect();
    for (open, close) in [('（', '）'), ('(', ')'), ('[', ']'), ('【', '】')] {
        if f.ends_with(close)
            && let Some(i) = f.rfind(open)
            && i > 0
        {
            let inner = f[i + open.len_utf8()..f.len() - close.len_utf8()].to_string();
            return (f[..i].to_string(), Some(inner));
        }
    }
    (f, None)
}

fn header_matches(col: &Column, h: &str) -> bool {
    let norm = |s: &str| normalize_header(s).0;
    h == col.key || h == norm(col.header) || col.aliases.iter().any(|a| h == norm(a))
}

/// How the columns of one file map to a table.
#[derive(Debug, Clone)]
pub struct HeaderMap {
    pub table: &'static Table,
    /// Row number of the header row.
    pub header_row: u64,
    /// For each descriptor column of the table and then each source column: the file column.
    pub own: Vec<Option<usize>>,
    pub source: Vec<Option<usize>>,
    /// A unit written in the header's bracket, per own column (`金额（万元）`).
    pub unit_hint: Vec<Option<String>>,
    /// Columns of the file that no descriptor column takes: (index, header as written).
    pub extra: Vec<(usize, String)>,
    /// Headers as written, per file column.
    pub headers: Vec<String>,
    /// Position of the table in [`descriptor::TABLES`].
    pub table_idx: usize,
    /// Where each descriptor column's first stored value sits in a parsed row's values
    /// (after `fund_id` for fund lines); computed once per file, not per row.
    pub value_pos: Vec<usize>,
}

impl HeaderMap {
    /// The header as written for the column with this key (or the descriptor's header).
    pub fn header_for(&self, key: &str) -> String {
        self.table
            .columns
            .iter()
            .position(|c| c.key == key)
            .map(|i| self.header_of(i))
            .unwrap_or_else(|| key.to_string())
    }

    /// The header as written for an own column.
    pub fn header_of(&self, own_idx: usize) -> String {
        self.own[own_idx]
            .and_then(|i| self.headers.get(i).cloned())
            .unwrap_or_else(|| self.table.columns[own_idx].header.to_string())
    }
}

fn try_map(table: &'static Table, row: &RawRow) -> (HeaderMap, Vec<&'static str>, usize) {
    let mut own = vec![None; table.columns.len()];
    let mut source = vec![None; descriptor::SOURCE_COLUMNS.len()];
    let mut unit_hint = vec![None; table.columns.len()];
    let mut extra = Vec::new();
    let mut matched = 0;
    for (i, raw) in row.cells.iter().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let (h, hint) = normalize_header(raw);
        if let Some(ci) = table
            .columns
            .iter()
            .position(|c| header_matches(c, &h))
            .filter(|ci| own[*ci].is_none())
        {
            own[ci] = Some(i);
            unit_hint[ci] = hint.filter(|u| normalize::unit(u).is_some());
            matched += 1;
        } else if let Some(si) = descriptor::SOURCE_COLUMNS
            .iter()
            .position(|c| header_matches(c, &h))
            .filter(|si| source[*si].is_none())
        {
            source[si] = Some(i);
        } else {
            // Try the whole header, bracket included, before giving up (e.g. `金额（万元）` as alias).
            let full = normalize_header(raw).0
                + &normalize_header(raw)
                    .1
                    .map(|b| format!("（{b}）"))
                    .unwrap_or_default();
            if let Some(ci) = table
                .columns
                .iter()
                .position(|c| header_matches(c, &full))
                .filter(|ci| own[*ci].is_none())
            {
                own[ci] = Some(i);
                matched += 1;
            } else {
                extra.push((i, raw.trim().to_string()));
            }
        }
    }
    let missing: Vec<&'static str> = table
        .columns
        .iter()
        .zip(&own)
        .filter(|(c, o)| c.required && o.is_none())
        .map(|(c, _)| c.header)
        .collect();
    let mut value_pos = Vec::with_capacity(table.columns.len());
    let mut pos = usize::from(table.db_table == "fund_lines");
    for c in table.columns {
        value_pos.push(pos);
        pos += c.stored().len();
    }
    let map = HeaderMap {
        table,
        header_row: row.row_no,
        own,
        source,
        unit_hint,
        extra,
        headers: row.cells.iter().map(|c| c.trim().to_string()).collect(),
        table_idx: descriptor::table_index(table),
        value_pos,
    };
    (map, missing, matched)
}

/// Find the header row (among the first rows: departments often put a title above it) and the
/// table it belongs to, among `candidates`.
pub fn detect_header(
    candidates: &[&'static Table],
    first_rows: &[RawRow],
) -> Result<HeaderMap, String> {
    let mut best: Option<(HeaderMap, Vec<&'static str>, usize)> = None;
    for row in first_rows.iter().filter(|r| !r.is_blank()) {
        for t in candidates {
            let (map, missing, matched) = try_map(t, row);
            let better = match &best {
                None => true,
                Some((_, bm, bmatched)) => {
                    (missing.is_empty() && !bm.is_empty())
                        || (missing.is_empty() == bm.is_empty() && matched > *bmatched)
                }
            };
            if better {
                best = Some((map, missing, matched));
            }
        }
    }
    match best {
        Some((map, missing, _)) if missing.is_empty() => Ok(map),
        Some((map, missing, matched)) if matched > 0 => Err(format!(
            "第{}行看来是“{}”的表头，但缺少必填列：{}",
            map.header_row,
            map.table.title_zh,
            missing.join("、")
        )),
        _ => {
            let names: Vec<String> = candidates
                .iter()
                .map(|t| {
                    let req: Vec<&str> = t
                        .columns
                        .iter()
                        .filter(|c| c.required)
                        .map(|c| c.header)
                        .collect();
                    format!("{}（{}）", t.title_zh, req.join("、"))
                })
                .collect();
            Err(format!(
                "在前{}行中找不到表头。应有以下表格之一的必填列：{}",
                first_rows.len(),
                names.join("；")
            ))
        }
    }
}

/// Headers that name personal data, refused in social-assistance imports.
const PERSONAL_HEADERS: &[&str] = &[
    "姓名",
    "名字",
    "户主",
    "申请人",
    "救助对象",
    "身份证",
    "证件号",
    "公民身份号码",
    "联系电话",
    "手机",
    "电话",
    "联系方式",
    "家庭住址",
    "银行账号",
    "银行卡号",
];

fn personal_header(h: &str) -> bool {
    let (n, _) = normalize_header(h);
    let lower = n.to_ascii_lowercase();
    PERSONAL_HEADERS.iter().any(|p| n.contains(p))
        || ["name", "idcard", "id_number", "phone", "mobile"]
            .iter()
            .any(|p| lower == *p)
}

/// A resident ID number (18 characters with a valid GB 11643 check, or 15 digits of the old
/// format) or a mainland mobile number standing as a token in the cell.
fn personal_value(cell: &str) -> Option<&'static str> {
    let f = normalize::fold(cell);
    let bytes = f.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                j += 1;
            }
            let with_x = j < bytes.len() && (bytes[j] == b'X' || bytes[j] == b'x') && j - i == 17;
            let end = if with_x { j + 1 } else { j };
            let standalone = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
            let run = &f[i..end];
            if standalone {
                if run.len() == 18 && id_check(run) {
                    return Some("居民身份证号码");
                }
                if run.len() == 11 && run.starts_with('1') && matches!(bytes[i + 1], b'3'..=b'9') {
                    return Some("手机号码");
                }
            }
            i = end;
        } else {
            i += 1;
        }
    }
    None
}

fn id_check(id: &str) -> bool {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: &[u8; 11] = b"10X98765432";
    let b = id.as_bytes();
    let mut sum = 0;
    for (k, w) in W.iter().enumerate() {
        if !b[k].is_ascii_digit() {
            return false;
        }
        sum += u32::from(b[k] - b'0') * w;
    }
    let month = &id[10..12];
    let day = &id[12..14];
    let date_ok = ("01".."13").contains(&month) && ("01".."32").contains(&day);
    date_ok && b[17].to_ascii_uppercase() == C[(sum % 11) as usize]
}

/// Source fields of a row (or of the import's default source).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SourceFields {
    pub title: String,
    pub url: Option<String>,
    pub publisher_date: Option<String>,
    pub document_number: Option<String>,
    pub grade: Option<String>,
}

impl SourceFields {
    /// The stable fingerprint under which the source is stored once.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for part in [
            Some(self.title.as_str()),
            self.url.as_deref(),
            self.publisher_date.as_deref(),
            self.document_number.as_deref(),
            self.grade.as_deref(),
        ] {
            h.update(part.unwrap_or("").as_bytes());
            h.update([0x1f]);
        }
        hex::encode(&h.finalize()[..16])
    }
}

/// Attributes of a special fund, taken from its first line.
#[derive(Debug, Clone)]
pub struct FundAttrs {
    pub values: Vec<Value>,
    pub source: u32,
    pub row_no: u64,
}

/// A validated row ready to store.
#[derive(Debug, Clone)]
pub struct ParsedRow {
    /// Index into [`descriptor::TABLES`].
    pub table: usize,
    pub row_no: u64,
    /// The stored columns in [`Table::stored_columns`] order; for fund lines, `fund_id` holds the
    /// local fund index until the writer swaps in the database id.
    pub values: Vec<Value>,
    /// Local source index (see [`Event::Source`]).
    pub source: u32,
    pub extra: Option<String>,
}

/// What the validating thread tells the writer.
#[derive(Debug)]
pub enum Event {
    Source(u32, SourceFields),
    Fund(u32, FundAttrs),
    Rows(Vec<ParsedRow>),
    Issues(Vec<Issue>),
}

#[derive(Default)]
struct FundState {
    index: u32,
    first_row: u64,
    document_number: Option<String>,
    principle: Option<String>,
    total: Option<i64>,
    lines: i64,
    top_total: i64,
    /// Sum of the lines whose item is X (and whose parent is not X itself).
    item_amount: BTreeMap<String, i64>,
    /// Sum of the lines whose parent is X, and the first such row.
    children: BTreeMap<String, (i64, u64)>,
}

/// The cells of one report's 表三 and 表四: (table, row order, column) → (value, row).
type ReportCells = BTreeMap<(String, usize, usize), (i64, u64)>;

/// One import's validation state.
pub struct Validator {
    pub file: String,
    default_source: Option<SourceFields>,
    today: String,
    sources: HashMap<SourceFields, u32>,
    /// Per table: the hash of each row's key → its row number (128 bits, so a false duplicate
    /// is practically impossible; 24 bytes an entry).
    keys: HashMap<usize, HashMap<[u64; 2], u32>>,
    /// Whether organizations are part of this import; then every reference to a credit code is
    /// checked against their keys (the organizations' key is the credit code alone).
    orgs_imported: bool,
    funds: BTreeMap<String, FundState>,
    /// (agency, year) → (table, row order, column) → (value, row).
    report: BTreeMap<(String, i32), ReportCells>,
    pub issues: Vec<Issue>,
    pub warnings: Vec<String>,
    pub rows_ok: HashMap<usize, u64>,
}

fn hash128(parts: &[&str]) -> [u64; 2] {
    let mut a = DefaultHasher::new();
    let mut b = DefaultHasher::new();
    0x9e37_79b9u32.hash(&mut b);
    for p in parts {
        p.hash(&mut a);
        p.hash(&mut b);
    }
    [a.finish(), b.finish()]
}

fn text(v: &str) -> Value {
    Value::from(v.to_string())
}

/// The cell as published, stored beside a normalised date, period or year only where it differs
/// (`2017年6月19日` beside `2017-06-19`; nothing beside a cell that was already canonical).
fn as_published(raw: &str, canonical: &str) -> Value {
    Value::from((raw != canonical).then(|| raw.to_string()))
}

fn opt_text(v: Option<String>) -> Value {
    Value::from(v)
}

/// Canonical values of enumerations as departments write them.
fn enum_alias(allowed: &'static [&'static str], v: &str) -> Option<&'static str> {
    let folded: String = normalize::fold(v)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let direct = allowed;
    let same = |a: &str| a == folded || normalize::fold(a) == folded;
    if let Some(v) = direct.iter().find(|a| same(a)) {
        return Some(v);
    }
    let alias = match folded.as_str() {
        "民办非企业单位" | "民非" | "社会服务机构（民办非企业单位）" => {
            "社会服务机构"
        }
        "社团" => "社会团体",
        "存续" | "有效" => "正常",
        "中央级" => "中央",
        "省级" => "省",
        "市级" | "地级" => "市",
        "县级" | "县区" | "区县" => "县",
        "AAAAA" | "5A级" => "5A",
        "AAAA" | "4A级" => "4A",
        "AAA" | "3A级" => "3A",
        "AA" | "2A级" => "2A",
        "A" | "1A级" => "1A",
        "未参加年检" | "未年检" => "未参检",
        "异常名录" | "活动异常名录名单" => "活动异常名录",
        "严重违法失信名单名录" => "严重违法失信名单",
        "撤销" if allowed == descriptor::PENALTY_TYPES => "撤销登记",
        "函件" => return None,
        other => other,
    };
    direct.iter().find(|a| **a == alias).copied()
}

impl Validator {
    pub fn new(default_source: Option<SourceFields>, orgs_imported: bool) -> Self {
        Validator {
            file: String::new(),
            default_source,
            today: chrono::Local::now()
                .date_naive()
                .format("%Y-%m-%d")
                .to_string(),
            sources: HashMap::new(),
            keys: HashMap::new(),
            orgs_imported,
            funds: BTreeMap::new(),
            report: BTreeMap::new(),
            issues: Vec::new(),
            warnings: Vec::new(),
            rows_ok: HashMap::new(),
        }
    }

    fn issue(
        &mut self,
        row: Option<u64>,
        column: Option<String>,
        value: Option<&str>,
        code: &'static str,
        msg: String,
    ) {
        self.issues.push(Issue {
            file: self.file.clone(),
            row,
            column,
            value: value.map(|v| v.chars().take(200).collect()),
            code,
            message: msg,
        });
    }

    /// Checks on the header row alone: personal-data columns in social-assistance files.
    pub fn check_header(&mut self, map: &HeaderMap) {
        if map.table.dataset == "relief" {
            for (i, h) in map.headers.iter().enumerate() {
                if !h.is_empty() && personal_header(h) && !map.own.contains(&Some(i)) {
                    self.issue(
                        Some(map.header_row),
                        Some(h.clone()),
                        None,
                        "personal_data",
                        format!("社会救助数据只公开汇总数，“{h}”列含有个人信息（姓名、身份证号码、电话等），不予导入。请删除此列后重新导入"),
                    );
                }
            }
        }
        if !map.extra.is_empty() {
            let names: Vec<&str> = map.extra.iter().map(|(_, h)| h.as_str()).collect();
            self.warnings.push(format!(
                "{}：以下列不属于“{}”的格式，原样保存在每行的附加信息中：{}",
                self.file,
                map.table.title_zh,
                names.join("、")
            ));
        }
    }

    /// Register a source and return its local index, with the event to send when it is new.
    fn source_index(&mut self, f: SourceFields) -> (u32, Option<Event>) {
        if let Some(i) = self.sources.get(&f) {
            return (*i, None);
        }
        let i = self.sources.len() as u32;
        self.sources.insert(f.clone(), i);
        (i, Some(Event::Source(i, f)))
    }

    /// Validate one data row. Returns the parsed row (or None when it has errors) and any events
    /// (new sources, new funds) to send before it.
    pub fn row(&mut self, map: &HeaderMap, raw: &RawRow) -> (Option<ParsedRow>, Vec<Event>) {
        let table = map.table;
        let table_idx = map.table_idx;
        let errors_before = self.issues.len();
        let row_no = raw.row_no;
        let cell = |idx: Option<usize>| -> &str {
            idx.and_then(|i| raw.cells.get(i))
                .map(|s| s.trim())
                .unwrap_or("")
        };
        let mut events = Vec::new();

        if table.dataset == "relief" {
            for (i, c) in raw.cells.iter().enumerate() {
                if let Some(kind) = personal_value(c) {
                    let h = map.headers.get(i).cloned().unwrap_or_default();
                    self.issue(
                        Some(row_no),
                        Some(h),
                        Some(c),
                        "personal_data",
                        format!("社会救助数据不得含个人信息：此格像是{kind}。请去除后重新导入"),
                    );
                }
            }
        }

        // Unit column text per table (shared by the money/figure columns that use it).
        let unit_col_for = |key: &str| -> Option<usize> {
            let unit_key = match (table.db_table, key) {
                ("organizations", _) => "capital_unit",
                ("penalties", _) => "fine_unit",
                _ => "unit",
            };
            table.columns.iter().position(|c| c.key == unit_key)
        };

        let mut values: Vec<Value> = Vec::new();
        if table.db_table == "fund_lines" {
            values.push(Value::from(0i64)); // fund_id, filled below
        }
        // Parsed scalar values by key, for the table rules.
        let mut texts: HashMap<&'static str, String> = HashMap::new();
        let mut amounts: HashMap<&'static str, (i64, Measure)> = HashMap::new();
        let mut resolved_units: HashMap<usize, String> = HashMap::new();

        for (ci, col) in table.columns.iter().enumerate() {
            let raw_value = cell(map.own[ci]);
            if raw_value.is_empty() {
                if col.required && !(table.db_table == "organizations" && col.key == "region_code")
                {
                    self.issue(
                        Some(row_no),
                        Some(map.header_of(ci)),
                        None,
                        "required",
                        "必填项为空".into(),
                    );
                }
                match col.kind {
                    Kind::Year => {
                        values.push(Value::Int(None));
                        values.push(Value::String(None));
                    }
                    Kind::Period | Kind::Date => {
                        values.push(Value::String(None));
                        values.push(Value::String(None));
                    }
                    Kind::Bool => values.push(Value::Bool(None)),
                    Kind::Money => {
                        values.push(Value::BigInt(None));
                        values.push(Value::String(None));
                    }
                    Kind::Quantity => {
                        values.push(Value::BigInt(None));
                        values.push(Value::String(None));
                        values.push(Value::String(None));
                    }
                    Kind::Unit => values.push(Value::String(None)), // replaced below if resolved
                    _ => values.push(Value::String(None)),
                }
                continue;
            }
            let bad = |this: &mut Self, code: &'static str, msg: String| {
                this.issue(
                    Some(row_no),
                    Some(map.header_of(ci)),
                    Some(raw_value),
                    code,
                    msg,
                );
            };
            match col.kind {
                Kind::Text => {
                    texts.insert(col.key, raw_value.to_string());
                    values.push(text(raw_value));
                }
                Kind::Region => {
                    let code = normalize::fold(raw_value);
                    match region::check(&code) {
                        Ok(_) => {
                            texts.insert(col.key, code.clone());
                            values.push(text(&code));
                        }
                        Err(e) => {
                            bad(self, "invalid_region", e);
                            values.push(Value::String(None));
                        }
                    }
                }
                Kind::Year => match normalize::year(raw_value) {
                    Ok(y) => {
                        let canonical = y.to_string();
                        values.push(Value::from(y));
                        values.push(as_published(raw_value, &canonical));
                        texts.insert(col.key, canonical);
                    }
                    Err(e) => {
                        bad(self, "invalid_year", e);
                        values.push(Value::Int(None));
                        values.push(Value::String(None));
                    }
                },
                Kind::Period | Kind::Date => {
                    let (parsed, code) = if col.kind == Kind::Period {
                        (normalize::period(raw_value), "invalid_period")
                    } else {
                        (normalize::date(raw_value), "invalid_date")
                    };
                    match parsed {
                        Ok(p) => {
                            values.push(text(&p));
                            values.push(as_published(raw_value, &p));
                            texts.insert(col.key, p);
                        }
                        Err(e) => {
                            bad(self, code, e);
                            values.push(Value::String(None));
                            values.push(Value::String(None));
                        }
                    }
                }
                Kind::Money | Kind::Quantity => {
                    let unit_idx = unit_col_for(col.key);
                    let unit_cell = unit_idx.map(|u| cell(map.own[u])).unwrap_or("");
                    let default = map.unit_hint[ci]
                        .clone()
                        .or_else(|| (col.kind == Kind::Money).then(|| "元".to_string()));
                    match normalize::figure(raw_value, unit_cell, default.as_deref()) {
                        Ok(fig) if col.kind == Kind::Money && !fig.measure.is_money() => {
                            bad(
                                self,
                                "invalid_unit",
                                format!(
                                    "金额的单位应为元、万元或亿元，此处为“{}”",
                                    fig.unit_published
                                ),
                            );
                            values.push(Value::BigInt(None));
                            values.push(Value::String(None));
                        }
                        Ok(fig) => {
                            if let Some(u) = unit_idx {
                                resolved_units.insert(u, fig.unit_published.clone());
                            }
                            amounts.insert(col.key, (fig.value, fig.measure));
                            values.push(Value::from(fig.value));
                            if col.kind == Kind::Quantity {
                                values.push(text(fig.measure.base_unit()));
                            }
                            values.push(text(raw_value));
                        }
                        Err(e) => {
                            bad(self, "invalid_number", e);
                            values.push(Value::BigInt(None));
                            if col.kind == Kind::Quantity {
                                values.push(Value::String(None));
                            }
                            values.push(Value::String(None));
                        }
                    }
                }
                Kind::Unit => {
                    // Resolved after the figures of the row; keep the position.
                    values.push(text(&normalize::fold(raw_value)));
                }
                Kind::Uscc => match uscc::validate(raw_value) {
                    Ok(code) => {
                        texts.insert(col.key, code.clone());
                        values.push(text(&code));
                    }
                    Err(e) => {
                        bad(self, "invalid_uscc", e.to_string());
                        values.push(Value::String(None));
                    }
                },
                Kind::Bool => {
                    let b = match normalize::fold(raw_value).to_ascii_lowercase().as_str() {
                        "是" | "有" | "y" | "yes" | "true" | "1" | "√" => Some(true),
                        "否" | "无" | "n" | "no" | "false" | "0" => Some(false),
                        _ => None,
                    };
                    if b.is_none() {
                        bad(self, "invalid_bool", "应为“是”或“否”".into());
                    }
                    values.push(Value::Bool(b));
                }
                Kind::Enum(allowed) => {
                    let canonical = if allowed == descriptor::PENALTY_TYPES {
                        let parts: Vec<&str> = raw_value
                            .split(['、', ',', '，', ';', '；', '/'])
                            .map(str::trim)
                            .filter(|p| !p.is_empty())
                            .collect();
                        let mapped: Vec<Option<&str>> =
                            parts.iter().map(|p| enum_alias(allowed, p)).collect();
                        if mapped.iter().all(Option::is_some) && !mapped.is_empty() {
                            let mut vals: Vec<&str> = mapped.into_iter().flatten().collect();
                            vals.sort_by_key(|v| allowed.iter().position(|a| a == v));
                            vals.dedup();
                            Some(vals.join("、"))
                        } else {
                            None
                        }
                    } else {
                        enum_alias(allowed, raw_value).map(str::to_string)
                    };
                    match canonical {
                        Some(v) => {
                            texts.insert(col.key, v.clone());
                            values.push(text(&v));
                        }
                        None => {
                            bad(
                                self,
                                "invalid_enum",
                                format!("不是允许的值。允许的值：{}", allowed.join("、")),
                            );
                            values.push(Value::String(None));
                        }
                    }
                }
            }
        }
        // Unit columns hold the unit as published, wherever it was written.
        for (u, unit) in resolved_units {
            values[map.value_pos[u]] = text(&unit);
        }

        // Source of the row.
        let src_cell = |key: &str| -> Option<String> {
            let i = descriptor::SOURCE_COLUMNS
                .iter()
                .position(|c| c.key == key)?;
            let v = cell(map.source[i]);
            (!v.is_empty()).then(|| v.to_string())
        };
        let mut src = SourceFields {
            title: src_cell("source_title").unwrap_or_default(),
            url: src_cell("source_url"),
            publisher_date: src_cell("source_publisher_date"),
            document_number: src_cell("source_document_number"),
            grade: src_cell("source_grade"),
        };
        if src.title.is_empty()
            && let Some(combined) = src_cell("source")
        {
            let mut parts = combined.split('|').map(|p| p.trim().to_string());
            src.title = parts.next().unwrap_or_default();
            src.url = src.url.or_else(|| parts.next().filter(|p| !p.is_empty()));
            src.publisher_date = src
                .publisher_date
                .or_else(|| parts.next().filter(|p| !p.is_empty()));
        }
        if let Some(g) = &src.grade
            && !descriptor::SOURCE_GRADES.contains(&g.as_str())
        {
            let h = map.source[5].and_then(|i| map.headers.get(i).cloned());
            self.issue(
                Some(row_no),
                h,
                Some(g),
                "invalid_enum",
                "来源等级应为 A、B、C 或 S".into(),
            );
        }
        if src.title.is_empty() {
            match &self.default_source {
                Some(d) => src = d.clone(),
                None => self.issue(
                    Some(row_no),
                    Some("来源标题".into()),
                    None,
                    "missing_source",
                    "本行没有来源：来源标题为空，导入时也未用 --source 指定来源。每个数字都须有来源".into(),
                ),
            }
        }
        let (source, ev) = self.source_index(src);
        events.extend(ev);

        self.table_rules(
            table,
            map,
            raw,
            &texts,
            &amounts,
            &mut values,
            &mut events,
            source,
        );

        // Duplicate keys.
        if self.issues.len() == errors_before {
            let parts: Vec<&str> = table
                .key
                .iter()
                .map(|k| texts.get(k).map(String::as_str).unwrap_or(""))
                .collect();
            let h = hash128(&parts);
            let seen = self.keys.entry(table_idx).or_default();
            if let Some(first) = seen.get(&h) {
                let cols: Vec<&str> = table
                    .key
                    .iter()
                    .filter_map(|k| table.column(k))
                    .map(|c| c.header)
                    .collect();
                let first = *first;
                self.issue(
                    Some(row_no),
                    Some(cols.join("+")),
                    Some(&parts.join(" / ")),
                    "duplicate_key",
                    format!("与第{first}行重复：{}相同的行只能有一行", cols.join("、")),
                );
            } else {
                seen.insert(h, u32::try_from(row_no).unwrap_or(u32::MAX));
            }
        }

        if self.issues.len() > errors_before {
            return (None, events);
        }
        let extra = if map.extra.is_empty() {
            None
        } else {
            let m: BTreeMap<&str, &str> = map
                .extra
                .iter()
                .filter_map(|(i, h)| {
                    raw.cells
                        .get(*i)
                        .map(|v| (h.as_str(), v.trim()))
                        .filter(|(_, v)| !v.is_empty())
                })
                .collect();
            (!m.is_empty()).then(|| serde_json::to_string(&m).unwrap_or_default())
        };
        *self.rows_ok.entry(table_idx).or_default() += 1;
        (
            Some(ParsedRow {
                table: table_idx,
                row_no,
                values,
                source,
                extra,
            }),
            events,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn table_rules(
        &mut self,
        table: &'static Table,
        map: &HeaderMap,
        raw: &RawRow,
        texts: &HashMap<&'static str, String>,
        amounts: &HashMap<&'static str, (i64, Measure)>,
        values: &mut [Value],
        events: &mut Vec<Event>,
        source: u32,
    ) {
        let row_no = raw.row_no;
        let hdr = |key: &str| map.header_for(key);
        let t = |k: &str| texts.get(k).map(String::as_str);

        // Amounts and figures may not be negative, except in an adjusted budget.
        for (k, (v, _)) in amounts {
            let adjusted = table.db_table == "budget_lines" && t("stage") == Some("调整预算");
            if *v < 0 && !adjusted {
                let h = hdr(k);
                self.issue(
                    Some(row_no),
                    Some(h),
                    None,
                    "negative_amount",
                    "金额或数值不得为负数".into(),
                );
            }
        }
        let not_future = |this: &mut Self, key: &str| {
            if let Some(d) = t(key)
                && d > this.today.as_str()
            {
                this.issue(
                    Some(row_no),
                    Some(hdr(key)),
                    Some(d),
                    "future_date",
                    "日期不得晚于今天".into(),
                );
            }
        };
        let order = |this: &mut Self, a: &str, b: &str, strict: bool| {
            if let (Some(x), Some(y)) = (t(a), t(b))
                && (y < x || (strict && y == x))
            {
                this.issue(
                    Some(row_no),
                    Some(hdr(b)),
                    Some(y),
                    "date_order",
                    format!("“{}”不得早于“{}”（{x}）", hdr(b), hdr(a)),
                );
            }
        };
        let org_ref = |this: &mut Self| {
            let org_table = descriptor::table_index(&descriptor::ORGANIZATIONS);
            if let (true, Some(code)) = (this.orgs_imported, t("uscc"))
                && !this
                    .keys
                    .get(&org_table)
                    .is_some_and(|k| k.contains_key(&hash128(&[code])))
            {
                this.issue(
                    Some(row_no),
                    Some(hdr("uscc")),
                    Some(code),
                    "unknown_organization",
                    "该统一社会信用代码不在本次导入的社会组织登记信息中".into(),
                );
            }
        };

        match table.db_table {
            "budget_lines" => {
                if let Some(code) = t("subject_code")
                    && !(code.bytes().all(|b| b.is_ascii_digit())
                        && matches!(code.len(), 3 | 5 | 7))
                {
                    self.issue(
                        Some(row_no),
                        Some(hdr("subject_code")),
                        Some(code),
                        "invalid_subject_code",
                        "科目编码应为3位（类）、5位（款）或7位（项）数字".into(),
                    );
                }
            }
            "relief_stats" => {
                if let (Some(ind), Some((_, m))) = (t("indicator"), amounts.get("value")) {
                    let ok = match ind {
                        "户数" => *m == Measure::Households,
                        "人数" => *m == Measure::Persons,
                        "人次" => *m == Measure::PersonTimes,
                        "平均标准" | "平均补助水平" => m.is_rate(),
                        "资金支出" | "计划支出" => m.is_money(),
                        "机构数" => matches!(m, Measure::Count(_)),
                        _ => true,
                    };
                    if !ok {
                        self.issue(
                            Some(row_no),
                            Some(hdr("unit")),
                            Some(m.base_unit()),
                            "unit_mismatch",
                            format!("指标“{ind}”与单位不符（换算后为{}）", m.base_unit()),
                        );
                    }
                }
            }
            "organizations" => {
                if let Some(code) = t("uscc") {
                    let b = code.as_bytes();
                    if b[0] != b'5' {
                        self.issue(
                            Some(row_no),
                            Some(hdr("uscc")),
                            Some(code),
                            "uscc_not_civil_affairs",
                            "社会组织的统一社会信用代码第1位应为5（民政部门登记）".into(),
                        );
                    } else if let Some(ty) = t("org_type") {
                        let expected = match b[1] {
                            b'1' => Some("社会团体"),
                            b'2' => Some("社会服务机构"),
                            b'3' => Some("基金会"),
                            b'9' => None,
                            _ => Some(""),
                        };
                        if let Some(e) = expected.filter(|e| *e != ty) {
                            let what = if e.is_empty() {
                                "不是社会组织的机构类别".to_string()
                            } else {
                                format!("表示{e}")
                            };
                            self.issue(
                                Some(row_no),
                                Some(hdr("uscc")),
                                Some(code),
                                "uscc_type_mismatch",
                                format!(
                                    "信用代码第2位“{}”{what}，与社会组织类型“{ty}”不符",
                                    char::from(b[1])
                                ),
                            );
                        }
                    }
                    let reg = uscc::region_of(code);
                    if reg != region::NATIONAL_AUTHORITY && region::get(reg).is_none() {
                        self.issue(
                            Some(row_no),
                            Some(hdr("uscc")),
                            Some(code),
                            "invalid_region",
                            format!("信用代码第3至8位“{reg}”不是 GB/T 2260 地区代码"),
                        );
                    }
                    if t("region_code").is_none() {
                        let derived = if reg == region::NATIONAL_AUTHORITY {
                            region::NATION
                        } else {
                            reg
                        };
                        if let Some(i) = table.columns.iter().position(|c| c.key == "region_code") {
                            values[map.value_pos[i]] = text(derived);
                        }
                    }
                }
                not_future(self, "founded_on");
            }
            "inspections" | "credit_listings" | "evaluations" | "charity_filings" => {
                org_ref(self);
                match table.db_table {
                    "credit_listings" => {
                        order(self, "listed_on", "removed_on", false);
                        not_future(self, "listed_on");
                    }
                    "evaluations" => order(self, "valid_from", "valid_to", true),
                    "charity_filings" => order(self, "starts_on", "ends_on", false),
                    _ => {}
                }
            }
            "penalties" => {
                org_ref(self);
                not_future(self, "decided_on");
                if let Some(types) = t("penalty_type")
                    && types.contains("罚款")
                    && !amounts.contains_key("fine")
                {
                    self.issue(
                        Some(row_no),
                        Some(hdr("fine")),
                        None,
                        "fine_missing",
                        "处罚种类含罚款，须填写罚款金额".into(),
                    );
                }
            }
            "report_cells" => self.report_cell(map, row_no, texts, amounts),
            "fund_lines" => self.fund_line(map, row_no, texts, amounts, values, events, source),
            _ => {}
        }
    }

    fn report_cell(
        &mut self,
        map: &HeaderMap,
        row_no: u64,
        texts: &HashMap<&'static str, String>,
        amounts: &HashMap<&'static str, (i64, Measure)>,
    ) {
        let hdr = |key: &str| map.header_for(key);
        let (Some(tab), Some(row_label)) = (texts.get("report_table"), texts.get("row_label"))
        else {
            return;
        };
        if tab == "其他" {
            return;
        }
        let format = crate::report_format::rows(tab);
        let Some((order, columns)) = format
            .iter()
            .find(|(_, label, _)| label == row_label)
            .map(|(o, _, c)| (*o, c.clone()))
        else {
            let labels: Vec<String> = format.iter().map(|(_, l, _)| l.clone()).collect();
            self.issue(
                Some(row_no),
                Some(hdr("row_label")),
                Some(row_label),
                "invalid_report_row",
                format!("{tab}没有此行。{tab}的行：{}", labels.join("；")),
            );
            return;
        };
        let col = texts.get("column_label").map(String::as_str).unwrap_or("");
        let Some(ci) = columns.iter().position(|c| c == col) else {
            self.issue(
                Some(row_no),
                Some(hdr("column_label")),
                Some(col),
                "invalid_report_column",
                format!("{tab}“{row_label}”行没有此列。应为：{}", columns.join("；")),
            );
            return;
        };
        let (Some(agency), Some(year)) = (
            texts.get("agency"),
            texts.get("year").and_then(|y| y.parse::<i32>().ok()),
        ) else {
            return;
        };
        if let Some((v, _)) = amounts.get("value") {
            self.report
                .entry((agency.clone(), year))
                .or_default()
                .insert((tab.clone(), order, ci), (*v, row_no));
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn fund_line(
        &mut self,
        map: &HeaderMap,
        row_no: u64,
        texts: &HashMap<&'static str, String>,
        amounts: &HashMap<&'static str, (i64, Measure)>,
        values: &mut [Value],
        events: &mut Vec<Event>,
        source: u32,
    ) {
        let hdr = |key: &str| map.header_for(key);
        let t = |k: &str| texts.get(k).cloned();
        let (Some(name), Some(level), Some(year)) = (t("fund_name"), t("level"), t("fiscal_year"))
        else {
            return;
        };
        let key = format!("{name}\u{1f}{level}\u{1f}{year}");
        let n = self.funds.len() as u32;
        let is_new = !self.funds.contains_key(&key);
        let fund = self.funds.entry(key).or_insert_with(|| FundState {
            index: n,
            first_row: row_no,
            ..Default::default()
        });
        let mut conflicts = Vec::new();
        for (k, slot) in [
            ("document_number", &mut fund.document_number),
            ("principle", &mut fund.principle),
        ] {
            if let Some(v) = t(k) {
                match slot {
                    Some(prev) if *prev != v => conflicts.push((k, v, prev.clone())),
                    Some(_) => {}
                    None => *slot = Some(v),
                }
            }
        }
        if let Some((total, _)) = amounts.get("fund_total") {
            match fund.total {
                Some(prev) if prev != *total => {
                    conflicts.push(("fund_total", total.to_string(), prev.to_string()))
                }
                _ => fund.total = Some(*total),
            }
        }
        let amount = amounts.get("amount").map(|(v, _)| *v).unwrap_or(0);
        let item = t("item").unwrap_or_default();
        let parent = t("parent_item");
        fund.lines += 1;
        match &parent {
            None => fund.top_total += amount,
            Some(p) => {
                let e = fund.children.entry(p.clone()).or_insert((0, row_no));
                e.0 += amount;
            }
        }
        if parent.as_deref() != Some(item.as_str()) {
            *fund.item_amount.entry(item).or_default() += amount;
        }
        let index = fund.index;
        let first_row = fund.first_row;
        for (k, v, prev) in conflicts {
            self.issue(Some(row_no), Some(hdr(k)), Some(&v), "fund_inconsistent",
                format!("同一专项资金（{name}，{level}，{year}）各行的“{}”应一致：第{first_row}行起为“{prev}”", hdr(k)));
        }
        values[0] = Value::from(i64::from(index));
        if is_new {
            // The fund's own row: name, level, allocating body, year, document number, principle.
            let fund_values = vec![
                text(&name),
                text(&level),
                text(&t("allocating_body").unwrap_or_default()),
                text(&year),
                opt_text(t("document_number")),
                opt_text(t("principle")),
            ];
            events.push(Event::Fund(
                index,
                FundAttrs {
                    values: fund_values,
                    source,
                    row_no,
                },
            ));
        }
    }

    /// Cross-row rules, after the last row: fund sums and report sums.
    pub fn finish(&mut self) -> Vec<(u32, Option<i64>, i64, i64)> {
        let mut out = Vec::new();
        let funds = std::mem::take(&mut self.funds);
        for (key, f) in &funds {
            let name = key.replace('\u{1f}', "，");
            for (parent, (sum, first_row)) in &f.children {
                match f.item_amount.get(parent) {
                    Some(parent_amount) if sum > parent_amount => self.issue(
                        Some(*first_row),
                        Some("上级项目".into()),
                        Some(parent),
                        "fund_over_allocated",
                        format!(
                            "专项资金（{name}）中“{parent}”的下级项目合计{}元，超过该项目金额{}元",
                            normalize::fen_to_yuan(*sum),
                            normalize::fen_to_yuan(*parent_amount)
                        ),
                    ),
                    Some(_) => {}
                    None => self.issue(
                        Some(*first_row),
                        Some("上级项目".into()),
                        Some(parent),
                        "fund_unknown_parent",
                        format!("专项资金（{name}）中没有名为“{parent}”的项目"),
                    ),
                }
            }
            if let Some(total) = f.total
                && f.top_total > total
            {
                self.issue(
                    Some(f.first_row),
                    Some("资金总额".into()),
                    Some(&normalize::fen_to_yuan(total)),
                    "fund_over_allocated",
                    format!(
                        "专项资金（{name}）顶层明细合计{}元，超过资金总额{}元",
                        normalize::fen_to_yuan(f.top_total),
                        normalize::fen_to_yuan(total)
                    ),
                );
            }
            out.push((f.index, f.total, f.lines, f.top_total));
        }
        self.funds = funds;

        let report = std::mem::take(&mut self.report);
        for ((agency, year), cells) in &report {
            let get = |tab: &str, r: usize, c: usize| cells.get(&(tab.to_string(), r, c)).copied();
            for tab in ["表三", "表四"] {
                let format = crate::report_format::rows(tab);
                let ncols = format.first().map(|(_, _, c)| c.len()).unwrap_or(0);
                let total_col = ncols.saturating_sub(1);
                // Each row: 总计 = the sum of the other columns.
                for (order, label, _) in &format {
                    if let Some((total, row)) = get(tab, *order, total_col) {
                        let parts: Vec<Option<(i64, u64)>> =
                            (0..total_col).map(|c| get(tab, *order, c)).collect();
                        if parts.iter().all(Option::is_some) {
                            let sum: i64 = parts.iter().flatten().map(|(v, _)| v).sum();
                            if sum != total {
                                self.issue(Some(row), Some("数值".into()), Some(&total.to_string()), "report_sum",
                                    format!("{agency}{year}年报告{tab}“{label}”行：总计{total}不等于各列之和{sum}"));
                            }
                        }
                    }
                }
                // 表三 （七）总计 = rows 3–23, per column.
                if tab == "表三"
                    && let Some((total_order, _, _)) =
                        format.iter().find(|(_, l, _)| l == "（七）总计")
                {
                    for c in 0..ncols {
                        if let Some((total, row)) = get(tab, *total_order, c) {
                            let parts: Vec<Option<(i64, u64)>> =
                                (3..=23).map(|r| get(tab, r, c)).collect();
                            if parts.iter().all(Option::is_some) {
                                let sum: i64 = parts.iter().flatten().map(|(v, _)| v).sum();
                                if sum != total {
                                    let col = &format[0].2[c];
                                    self.issue(Some(row), Some("数值".into()), Some(&total.to_string()), "report_sum",
                                        format!("{agency}{year}年报告表三“（七）总计”行“{col}”列：{total}不等于第三部分各行之和{sum}"));
                                }
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_fold() {
        assert_eq!(
            normalize_header(" 金额（万元） "),
            ("金额".to_string(), Some("万元".to_string()))
        );
        assert_eq!(
            normalize_header("*统一社会信用代码"),
            ("统一社会信用代码".to_string(), None)
        );
        assert_eq!(
            normalize_header("地区　代码"),
            ("地区代码".to_string(), None)
        );
    }

    #[test]
    fn personal_data_is_recognised() {
        assert!(personal_header("户主姓名"));
        assert!(personal_header("身份证号码"));
        assert!(personal_header("联系电话"));
        assert!(!personal_header("地区名称"));
        // 11010519491231002X is the specimen number printed in GB 11643.
        assert_eq!(personal_value("11010519491231002X"), Some("居民身份证号码"));
        assert_eq!(
            personal_value("电话13812345678"),
            Some("手机号码"),
            "a phone number after words is still personal data"
        );
        assert_eq!(personal_value("13812345678"), Some("手机号码"));
        assert_eq!(personal_value("222200"), None);
        assert_eq!(personal_value("2452662000000000"), None);
    }

    #[test]
    fn enum_aliases() {
        assert_eq!(
            enum_alias(descriptor::ORG_TYPES, "民办非企业单位"),
            Some("社会服务机构")
        );
        assert_eq!(
            enum_alias(descriptor::EVALUATION_GRADES, "AAAAA"),
            Some("5A")
        );
        assert_eq!(enum_alias(descriptor::FUND_LEVELS, "县区"), Some("县"));
        assert_eq!(enum_alias(descriptor::INSPECTION_CONCLUSIONS, "优秀"), None);
    }
}
