//! Synthetic data for scale tests (written by `gongkai generate`).
//!
//! [`generate`] writes one CSV import file per table, in the same format departments use (UTF-8,
//! a header row of the descriptor's Chinese headers), plus `MANIFEST.json` with the row count and
//! SHA-256 of every file. Every row carries 来源标题 `gongkai 合成数据（SCALE，种子 SEED）` and
//! 来源等级 `S`, so synthetic rows can never be taken for real ones.
//!
//! The output is a pure function of the scale and the seed: one [`ChaCha8Rng`] stream per file
//! group, no hash-map iteration, no clock, no threads. Rows are streamed to buffered writers (the
//! SHA-256 is computed on the way out), so memory stays flat at national scale: about 30 MB, most
//! of it an 8-byte hash of every organization name given, which keeps names from repeating.
//! National scale takes under 10 s in release mode and writes about 1.8 GB.
//!
//! What the files respect, so that they pass import validation: credit codes built with
//! [`uscc::compose`] (prefix 51/52/53 by type, positions 3–8 the registration authority's region),
//! region codes from [`region::all`], enumerations from [`descriptor`], amounts that convert
//! exactly to integers in their base unit, unique keys, dates in order (founding ≤ penalty, listing
//! ≤ removal, start ≤ end), fund lines whose children never exceed their parent, and the sum rules
//! of the 2021 disclosure annual report tables.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{Datelike, Days, Months, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::descriptor::{self, Table};
use crate::region;
use crate::uscc;

// ---- public API ---------------------------------------------------------------------------

/// How much to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// About a thousandth of national: 1,000 organizations; for tests (well under a second).
    Small,
    /// A national registry and county-level statistics: 1,000,000 organizations, over 5,000,000
    /// relief rows, over 1,000,000 budget lines, over 200,000 fund lines.
    National,
}

impl Scale {
    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Small => "small",
            Scale::National => "national",
        }
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scale {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "small" => Ok(Scale::Small),
            "national" => Ok(Scale::National),
            other => Err(format!("未知的规模“{other}”（应为 small 或 national）")),
        }
    }
}

/// One file written by [`generate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative to the output directory, e.g. `registry/organizations.csv`.
    pub path: PathBuf,
    /// Qualified table name, e.g. `registry.organizations` (what `gongkai import` selects).
    pub table: &'static str,
    /// Data rows (the header row not counted).
    pub rows: u64,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
}

/// What [`generate`] wrote, in import order (organizations before the tables that refer to them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    pub files: Vec<GeneratedFile>,
}

impl Generated {
    pub fn total_rows(&self) -> u64 {
        self.files.iter().map(|f| f.rows).sum()
    }

    pub fn file(&self, table: &str) -> Option<&GeneratedFile> {
        self.files.iter().find(|f| f.table == table)
    }
}

/// The manifest's file name inside the output directory.
pub const MANIFEST: &str = "MANIFEST.json";

/// The 来源标题 every generated row carries.
pub fn source_title(scale: Scale, seed: u64) -> String {
    format!("gongkai 合成数据（{}，种子 {seed}）", scale.as_str())
}

/// Write the synthetic import files for `scale` and `seed` into `out` (created if missing;
/// existing files of the same names are overwritten). `progress(table, rows)` is called every
/// 100,000 rows of a file and once when the file is complete.
pub fn generate(
    scale: Scale,
    seed: u64,
    out: &Path,
    progress: &dyn Fn(&str, u64),
) -> io::Result<Generated> {
    let places = Places::build();
    let plan = Plan::new(scale, &places);
    let title = source_title(scale, seed);
    let ctx = Ctx {
        out,
        title: &title,
        progress,
    };
    for dir in ["budgets", "funds", "relief", "registry", "annual_reports"] {
        fs::create_dir_all(out.join(dir))?;
    }
    let mut files = Vec::with_capacity(FILES.len());
    files.push(budgets(&ctx, &places, &plan, stream(seed, 1))?);
    files.push(funds(&ctx, &places, &plan, stream(seed, 2))?);
    files.push(relief(&ctx, &places, &plan, stream(seed, 3))?);
    files.extend(registry(&ctx, &places, &plan, stream(seed, 4))?);
    files.push(illegal_organizations(
        &ctx,
        &places,
        &plan,
        stream(seed, 5),
    )?);
    files.push(annual_reports(&ctx, &places, &plan, stream(seed, 6))?);

    let manifest = Manifest {
        synthetic: true,
        generator: "gongkai generate",
        scale: scale.as_str(),
        seed,
        files: files
            .iter()
            .map(|f| ManifestFile {
                path: f.path.to_string_lossy().replace('\\', "/"),
                table: f.table,
                rows: f.rows,
                sha256: &f.sha256,
            })
            .collect(),
    };
    let mut json = serde_json::to_vec_pretty(&manifest).map_err(io::Error::other)?;
    json.push(b'\n');
    fs::write(out.join(MANIFEST), json)?;
    Ok(Generated { files })
}

#[derive(Serialize)]
struct Manifest<'a> {
    synthetic: bool,
    generator: &'static str,
    scale: &'static str,
    seed: u64,
    files: Vec<ManifestFile<'a>>,
}

#[derive(Serialize)]
struct ManifestFile<'a> {
    path: String,
    table: &'a str,
    rows: u64,
    sha256: &'a str,
}

/// Every file written, with its table and path, in import order.
pub const FILES: &[(&Table, &str, &str)] = &[
    (
        &descriptor::BUDGET_LINES,
        "budgets.lines",
        "budgets/lines.csv",
    ),
    (&descriptor::FUND_LINES, "funds.lines", "funds/lines.csv"),
    (
        &descriptor::RELIEF_STATS,
        "relief.stats",
        "relief/stats.csv",
    ),
    (
        &descriptor::ORGANIZATIONS,
        "registry.organizations",
        "registry/organizations.csv",
    ),
    (
        &descriptor::INSPECTIONS,
        "registry.inspections",
        "registry/inspections.csv",
    ),
    (
        &descriptor::EVALUATIONS,
        "registry.evaluations",
        "registry/evaluations.csv",
    ),
    (
        &descriptor::PENALTIES,
        "registry.penalties",
        "registry/penalties.csv",
    ),
    (
        &descriptor::CREDIT_LISTINGS,
        "registry.credit_listings",
        "registry/credit_listings.csv",
    ),
    (
        &descriptor::CHARITY_FILINGS,
        "registry.charity_filings",
        "registry/charity_filings.csv",
    ),
    (
        &descriptor::ILLEGAL_ORGANIZATIONS,
        "registry.illegal_organizations",
        "registry/illegal_organizations.csv",
    ),
    (
        &descriptor::REPORT_CELLS,
        "annual_reports.cells",
        "annual_reports/cells.csv",
    ),
];

fn stream(seed: u64, n: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(n);
    rng
}

// ---- writing ------------------------------------------------------------------------------

struct Ctx<'a> {
    out: &'a Path,
    title: &'a str,
    progress: &'a dyn Fn(&str, u64),
}

/// Passes bytes on and hashes them, so the SHA-256 needs no second read.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// One CSV file being written: fields are added in the order of the columns it was opened with;
/// [`Out::end`] adds the source columns and ends the row.
struct Out<'a> {
    table: &'static str,
    rel: &'static str,
    wtr: csv::Writer<HashingWriter<File>>,
    ncols: usize,
    filled: usize,
    rows: u64,
    buf: String,
    title: &'a str,
    progress: &'a dyn Fn(&str, u64),
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

impl<'a> Out<'a> {
    /// Open the file for `table` with the columns named by their descriptor `key`s.
    fn open(ctx: &Ctx<'a>, table: &'static Table, keys: &[&str]) -> io::Result<Self> {
        let qualified_name = table.qualified();
        let &(_, qualified, rel) = FILES
            .iter()
            .find(|(t, _, _)| t.qualified() == qualified_name)
            .ok_or_else(|| invalid(format!("no output file for table {qualified_name}")))?;
        let mut headers: Vec<&'static str> = Vec::with_capacity(keys.len() + 2);
        for key in keys {
            let col = table
                .columns
                .iter()
                .find(|c| c.key == *key)
                .ok_or_else(|| {
                    invalid(format!("table {} has no column {key}", table.qualified()))
                })?;
            headers.push(col.header);
        }
        for key in ["source_title", "source_grade"] {
            let col = descriptor::SOURCE_COLUMNS
                .iter()
                .find(|c| c.key == key)
                .ok_or_else(|| invalid(format!("no source column {key}")))?;
            headers.push(col.header);
        }
        let file = File::create(ctx.out.join(rel))?;
        let mut wtr = csv::WriterBuilder::new()
            .buffer_capacity(1 << 18)
            .from_writer(HashingWriter {
                inner: file,
                hasher: Sha256::new(),
            });
        wtr.write_record(&headers)?;
        Ok(Out {
            table: qualified,
            rel,
            wtr,
            ncols: keys.len(),
            filled: 0,
            rows: 0,
            buf: String::with_capacity(64),
            title: ctx.title,
            progress: ctx.progress,
        })
    }

    /// A text field.
    fn s(&mut self, v: &str) -> io::Result<()> {
        self.wtr.write_field(v)?;
        self.filled += 1;
        Ok(())
    }

    /// A formatted field.
    fn f(&mut self, args: fmt::Arguments<'_>) -> io::Result<()> {
        self.buf.clear();
        self.buf.write_fmt(args).map_err(io::Error::other)?;
        self.wtr.write_field(self.buf.as_bytes())?;
        self.filled += 1;
        Ok(())
    }

    fn end(&mut self) -> io::Result<()> {
        if self.filled != self.ncols {
            return Err(invalid(format!(
                "{}: row {} has {} fields, expected {}",
                self.table,
                self.rows + 1,
                self.filled,
                self.ncols
            )));
        }
        self.wtr.write_field(self.title)?;
        self.wtr.write_field("S")?;
        self.wtr.write_record(None::<&[u8]>)?;
        self.filled = 0;
        self.rows += 1;
        if self.rows.is_multiple_of(100_000) {
            (self.progress)(self.table, self.rows);
        }
        Ok(())
    }

    fn finish(self) -> io::Result<GeneratedFile> {
        let HashingWriter { mut inner, hasher } =
            self.wtr.into_inner().map_err(|e| e.into_error())?;
        inner.flush()?;
        (self.progress)(self.table, self.rows);
        Ok(GeneratedFile {
            path: PathBuf::from(self.rel),
            table: self.table,
            rows: self.rows,
            sha256: hex::encode(hasher.finalize()),
        })
    }
}

// ---- number formats -----------------------------------------------------------------------

/// An amount in hundredths (0.01万元, i.e. 100 元): `12345` → `123.45`, `12300` → `123`.
struct Hundredths(i64);

impl fmt::Display for Hundredths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0.max(0);
        if v % 100 == 0 {
            write!(f, "{}", v / 100)
        } else {
            write!(f, "{}.{:02}", v / 100, v % 100)
        }
    }
}

/// Whole yuan written in 万元, exact, with two to four decimals: `1234500` → `123.45`.
struct WanFromYuan(i64);

impl fmt::Display for WanFromYuan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0.max(0);
        let (int, frac) = (v / 10_000, v % 10_000);
        if frac % 100 == 0 {
            write!(f, "{int}.{:02}", frac / 100)
        } else if frac % 10 == 0 {
            write!(f, "{int}.{:03}", frac / 10)
        } else {
            write!(f, "{int}.{frac:04}")
        }
    }
}

/// Fen written in 元 with two decimals.
struct Yuan2(i64);

impl fmt::Display for Yuan2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0.max(0);
        write!(f, "{}.{:02}", v / 100, v % 100)
    }
}

const CN_NUM: &[&str] = &[
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二",
];

fn cn_ordinal(n: u32) -> String {
    match CN_NUM.get((n as usize).wrapping_sub(1)) {
        Some(s) => (*s).to_string(),
        None => n.to_string(),
    }
}

// ---- dates and random helpers -------------------------------------------------------------

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// The last date any event in the generated data may carry (validity ends may lie later).
fn last_day() -> NaiveDate {
    ymd(2025, 12, 31)
}

fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    if n >= 0 {
        d.checked_add_days(Days::new(n as u64)).unwrap_or(d)
    } else {
        d.checked_sub_days(Days::new(n.unsigned_abs())).unwrap_or(d)
    }
}

/// A uniformly random date in `[a, b]` (`a` when the range is empty).
fn between(rng: &mut ChaCha8Rng, a: NaiveDate, b: NaiveDate) -> NaiveDate {
    if b <= a {
        return a;
    }
    let n = (b - a).num_days();
    add_days(a, rng.random_range(0..=n))
}

fn log_uniform(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    rng.random_range(lo.ln()..hi.ln()).exp()
}

fn pick<'t, T>(rng: &mut ChaCha8Rng, items: &'t [T]) -> &'t T {
    &items[rng.random_range(0..items.len())]
}

fn word(rng: &mut ChaCha8Rng, list: &[&'static str]) -> &'static str {
    list[rng.random_range(0..list.len())]
}

/// Pick an index by integer weights.
fn weighted(rng: &mut ChaCha8Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut x = rng.random_range(0..total.max(1));
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len().saturating_sub(1)
}

// ---- places -------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    National,
    Province,
    Prefecture,
    County,
}

/// A region with the names the generator needs: its full name (`常德市武陵区`), its civil-affairs
/// department (`常德市武陵区民政局`) and finance department.
#[derive(Debug)]
struct Place {
    idx: usize,
    /// The region column (`000000` for the nation).
    code: &'static str,
    /// Positions 3–8 of credit codes it issues (`100000` for the nation).
    uscc_region: &'static str,
    name: &'static str,
    full: String,
    authority: String,
    finance: String,
    level: Level,
    province: &'static str,
    prefecture: &'static str,
}

impl Place {
    /// The region as published in 地区名称 columns.
    fn region_name(&self) -> &str {
        if self.level == Level::National {
            "全国"
        } else {
            &self.full
        }
    }
}

struct Places {
    all: Vec<Place>,
    provinces: Vec<usize>,
    prefectures: Vec<usize>,
    counties: Vec<usize>,
}

const MUNICIPALITIES: &[&str] = &["110000", "120000", "310000", "500000"];
/// Not generated: the code list includes 台湾, 香港 and 澳门, whose civil affairs are not
/// administered through these disclosures.
const EXCLUDED_PROVINCES: &[&str] = &["710000", "810000", "820000"];
const NATIONAL_IDX: usize = 0;

impl Places {
    fn build() -> Places {
        let list = region::all();
        let name_of = |code: &str| -> &'static str {
            region::get(code).map(|r| r.name.as_str()).unwrap_or("")
        };
        let mut all = vec![Place {
            idx: 0,
            code: region::NATION,
            uscc_region: region::NATIONAL_AUTHORITY,
            name: "全国",
            full: "中国".into(),
            authority: "中华人民共和国民政部".into(),
            finance: "财政部".into(),
            level: Level::National,
            province: "",
            prefecture: "",
        }];
        let (mut provinces, mut prefectures, mut counties) = (Vec::new(), Vec::new(), Vec::new());
        for r in list {
            let province: &'static str = if r.level == "省级" {
                r.code.as_str()
            } else {
                r.province.as_str()
            };
            if r.level == "国家" || EXCLUDED_PROVINCES.contains(&province) {
                continue;
            }
            let idx = all.len();
            let municipality = MUNICIPALITIES.contains(&province);
            let (level, full, authority, finance) = match r.level.as_str() {
                "省级" => {
                    let suffix = if municipality { "局" } else { "厅" };
                    (
                        Level::Province,
                        r.name.clone(),
                        format!("{}民政{suffix}", r.name),
                        format!("{}财政{suffix}", r.name),
                    )
                }
                "地级" => (
                    Level::Prefecture,
                    r.name.clone(),
                    format!("{}民政局", r.name),
                    format!("{}财政局", r.name),
                ),
                _ => {
                    let full = if !r.prefecture.is_empty() {
                        format!("{}{}", name_of(&r.prefecture), r.name)
                    } else if municipality {
                        format!("{}{}", name_of(province), r.name)
                    } else {
                        r.name.clone()
                    };
                    let authority = format!("{full}民政局");
                    let finance = format!("{full}财政局");
                    (Level::County, full, authority, finance)
                }
            };
            match level {
                Level::Province => provinces.push(idx),
                Level::Prefecture => prefectures.push(idx),
                _ => counties.push(idx),
            }
            all.push(Place {
                idx,
                code: r.code.as_str(),
                uscc_region: r.code.as_str(),
                name: r.name.as_str(),
                full,
                authority,
                finance,
                level,
                province,
                prefecture: r.prefecture.as_str(),
            });
        }
        Places {
            all,
            provinces,
            prefectures,
            counties,
        }
    }

    fn by_code(&self, code: &str) -> Option<&Place> {
        self.all.iter().find(|p| p.code == code)
    }

    fn counties_of_province<'s>(
        &'s self,
        province: &'s str,
    ) -> impl Iterator<Item = &'s Place> + 's {
        self.counties
            .iter()
            .map(|&i| &self.all[i])
            .filter(move |p| p.province == province)
    }
}

/// `n` indices spread evenly over `0..len`.
fn spread(len: usize, n: usize) -> Vec<usize> {
    (0..n.min(len)).map(|i| i * len / n.max(1)).collect()
}

/// What a scale generates.
struct Plan {
    organizations: u64,
    relief_counties: Vec<usize>,
    relief_years: (i32, i32),
    budget_departments: Vec<usize>,
    budget_years: (i32, i32),
    /// Provinces whose own funds (and their prefectures' and counties') are generated.
    fund_provinces: Vec<usize>,
    fund_years: (i32, i32),
    illegal_organizations: u64,
    report_agencies: Vec<usize>,
    report_years: (i32, i32),
}

impl Plan {
    fn new(scale: Scale, places: &Places) -> Plan {
        match scale {
            Scale::National => {
                let mut departments = vec![NATIONAL_IDX];
                departments.extend(&places.provinces);
                departments.extend(&places.prefectures);
                departments.extend(&places.counties);
                let mut agencies = places.provinces.clone();
                agencies.extend(&places.prefectures);
                Plan {
                    organizations: 1_000_000,
                    relief_counties: places.counties.clone(),
                    relief_years: (2020, 2024),
                    budget_departments: departments,
                    budget_years: (2020, 2025),
                    fund_provinces: places.provinces.clone(),
                    fund_years: (2015, 2025),
                    illegal_organizations: 3_000,
                    report_agencies: agencies,
                    report_years: (2021, 2024),
                }
            }
            Scale::Small => {
                let find = |code: &str, fallback: &[usize]| -> usize {
                    places
                        .by_code(code)
                        .map(|p| p.idx)
                        .or_else(|| fallback.first().copied())
                        .unwrap_or(NATIONAL_IDX)
                };
                let hunan = find("430000", &places.provinces);
                let changde = find("430700", &places.prefectures);
                let wuling = find("430702", &places.counties);
                let ningxia = find("640000", &places.provinces);
                let yinchuan = find("640100", &places.prefectures);
                Plan {
                    organizations: 1_000,
                    relief_counties: spread(places.counties.len(), 8)
                        .into_iter()
                        .map(|i| places.counties[i])
                        .collect(),
                    relief_years: (2023, 2024),
                    budget_departments: vec![hunan, changde, wuling],
                    budget_years: (2020, 2025),
                    fund_provinces: vec![ningxia],
                    fund_years: (2025, 2025),
                    illegal_organizations: 10,
                    report_agencies: vec![hunan, changde, yinchuan],
                    report_years: (2021, 2024),
                }
            }
        }
    }
}

/// Short province names used in document numbers (湘财社〔2024〕12号).
fn province_abbr(code: &str) -> &'static str {
    match code.get(..2).unwrap_or("") {
        "11" => "京",
        "12" => "津",
        "13" => "冀",
        "14" => "晋",
        "15" => "内",
        "21" => "辽",
        "22" => "吉",
        "23" => "黑",
        "31" => "沪",
        "32" => "苏",
        "33" => "浙",
        "34" => "皖",
        "35" => "闽",
        "36" => "赣",
        "37" => "鲁",
        "41" => "豫",
        "42" => "鄂",
        "43" => "湘",
        "44" => "粤",
        "45" => "桂",
        "46" => "琼",
        "50" => "渝",
        "51" => "川",
        "52" => "黔",
        "53" => "云",
        "54" => "藏",
        "61" => "陕",
        "62" => "甘",
        "63" => "青",
        "64" => "宁",
        "65" => "新",
        _ => "",
    }
}

// ---- 1. budgets ---------------------------------------------------------------------------

/// 政府收支分类科目 (functional classification) used by civil-affairs departments, in table
/// order, with each leaf's share of the department's spending in per mille and whether every
/// department has it.
const FUNCTIONAL: &[(&str, &str, u32, bool)] = &[
    ("208", "社会保障和就业支出", 0, true),
    ("20802", "民政管理事务", 0, true),
    ("2080201", "行政运行", 60, true),
    ("2080202", "一般行政管理事务", 20, false),
    ("2080203", "机关服务", 5, false),
    ("2080206", "社会组织管理", 5, false),
    ("2080207", "行政区划和地名管理", 3, false),
    ("2080208", "基层政权建设和社区治理", 20, false),
    ("2080299", "其他民政管理事务支出", 10, false),
    ("20805", "行政事业单位养老支出", 0, true),
    ("2080501", "行政单位离退休", 10, false),
    ("2080502", "事业单位离退休", 10, false),
    ("2080505", "机关事业单位基本养老保险缴费支出", 15, true),
    ("2080506", "机关事业单位职业年金缴费支出", 5, false),
    ("20810", "社会福利", 0, true),
    ("2081001", "儿童福利", 20, false),
    ("2081002", "老年福利", 40, true),
    ("2081003", "康复辅具", 2, false),
    ("2081004", "殡葬", 15, false),
    ("2081005", "社会福利事业单位", 20, false),
    ("2081006", "养老服务", 30, false),
    ("2081099", "其他社会福利支出", 5, false),
    ("20819", "最低生活保障", 0, true),
    ("2081901", "城市最低生活保障金支出", 120, true),
    ("2081902", "农村最低生活保障金支出", 300, true),
    ("20820", "临时救助", 0, true),
    ("2082001", "临时救助支出", 30, true),
    ("2082002", "流浪乞讨人员救助支出", 5, false),
    ("20821", "特困人员救助供养", 0, true),
    ("2082101", "城市特困人员救助供养支出", 20, true),
    ("2082102", "农村特困人员救助供养支出", 100, true),
    ("20825", "其他生活救助", 0, false),
    ("2082501", "其他城市生活救助", 10, false),
    ("2082502", "其他农村生活救助", 10, false),
    ("210", "卫生健康支出", 0, true),
    ("21011", "行政事业单位医疗", 0, true),
    ("2101101", "行政单位医疗", 6, true),
    ("2101102", "事业单位医疗", 4, false),
    ("2101103", "公务员医疗补助", 2, false),
    ("221", "住房保障支出", 0, true),
    ("22102", "住房改革支出", 0, true),
    ("2210201", "住房公积金", 12, true),
    ("2210203", "购房补贴", 3, false),
];

/// 部门预算支出经济分类科目 of the basic-expenditure table.
const ECONOMIC: &[(&str, &str, u32, bool)] = &[
    ("301", "工资福利支出", 0, true),
    ("30101", "基本工资", 180, true),
    ("30102", "津贴补贴", 150, true),
    ("30103", "奖金", 40, false),
    ("30107", "绩效工资", 120, false),
    ("30108", "机关事业单位基本养老保险缴费", 70, true),
    ("30109", "职业年金缴费", 30, false),
    ("30110", "职工基本医疗保险缴费", 40, true),
    ("30113", "住房公积金", 60, true),
    ("302", "商品和服务支出", 0, true),
    ("30201", "办公费", 25, true),
    ("30202", "印刷费", 5, false),
    ("30205", "水费", 4, false),
    ("30206", "电费", 10, false),
    ("30207", "邮电费", 6, false),
    ("30211", "差旅费", 15, true),
    ("30213", "维修（护）费", 10, false),
    ("30215", "会议费", 5, false),
    ("30216", "培训费", 6, false),
    ("30217", "公务接待费", 3, false),
    ("30228", "工会经费", 12, true),
    ("30229", "福利费", 8, false),
    ("30231", "公务用车运行维护费", 10, false),
    ("30299", "其他商品和服务支出", 20, false),
    ("303", "对个人和家庭的补助", 0, true),
    ("30302", "退休费", 80, false),
    ("30305", "生活补助", 30, false),
    ("30307", "医疗费补助", 10, false),
    ("30309", "奖励金", 5, false),
    ("30399", "其他对个人和家庭的补助", 20, false),
];

/// For each subject, the indices of its ancestors (a code's parent is the nearest earlier code
/// that is a prefix of it) and whether it is a leaf.
struct Tree {
    ancestors: Vec<Vec<usize>>,
    leaf: Vec<bool>,
}

impl Tree {
    fn of(subjects: &[(&str, &str, u32, bool)]) -> Tree {
        let n = subjects.len();
        let mut ancestors = vec![Vec::new(); n];
        let mut leaf = vec![true; n];
        for i in 0..n {
            for j in (0..i).rev() {
                if subjects[i].0.starts_with(subjects[j].0) {
                    let mut a = vec![j];
                    a.extend(ancestors[j].iter().copied());
                    ancestors[i] = a;
                    leaf[j] = false;
                    break;
                }
            }
        }
        Tree { ancestors, leaf }
    }
}

fn budgets(
    ctx: &Ctx<'_>,
    places: &Places,
    plan: &Plan,
    mut rng: ChaCha8Rng,
) -> io::Result<GeneratedFile> {
    let mut out = Out::open(
        ctx,
        &descriptor::BUDGET_LINES,
        &[
            "department",
            "region_code",
            "region_name",
            "fiscal_year",
            "stage",
            "document_type",
            "table_name",
            "classification",
            "subject_code",
            "subject_name",
            "amount",
            "unit",
        ],
    )?;
    let functional = Tree::of(FUNCTIONAL);
    let economic = Tree::of(ECONOMIC);
    let mut included = Vec::new();
    let mut visible = Vec::new();
    let mut base = Vec::new();
    let mut amounts = Vec::new();
    for &d in &plan.budget_departments {
        let place = &places.all[d];
        // Annual spending in 0.01万元 (100 元).
        let (lo, hi) = match place.level {
            Level::National => (5.0e7, 2.0e8),
            Level::Province => (1.0e6, 3.0e7),
            Level::Prefecture => (2.0e5, 3.0e6),
            Level::County => (3.0e5, 4.0e6),
        };
        let mut total = log_uniform(&mut rng, lo, hi);
        let with_economic = matches!(
            place.level,
            Level::National | Level::Province | Level::Prefecture
        );
        let basic_share = rng.random_range(0.06..0.15);
        for year in plan.budget_years.0..=plan.budget_years.1 {
            total *= rng.random_range(1.01..1.08);
            let mut stages: Vec<(&str, &str, f64)> = vec![("预算", "部门预算", 0.0)];
            if year < plan.budget_years.1 && rng.random_bool(0.15) {
                stages.push(("调整预算", "部门调整预算", 0.08));
            }
            if year < plan.budget_years.1 {
                stages.push(("决算", "部门决算", 0.15));
            }
            for (subjects, tree, table_name, class, share) in [
                (
                    FUNCTIONAL,
                    &functional,
                    "一般公共预算支出表",
                    "功能分类",
                    1.0,
                ),
                (
                    ECONOMIC,
                    &economic,
                    "一般公共预算基本支出表",
                    "经济分类",
                    basic_share,
                ),
            ] {
                if class == "经济分类" && !with_economic {
                    continue;
                }
                let weight_sum: f64 = subjects.iter().map(|s| f64::from(s.2)).sum();
                included.clear();
                base.clear();
                for (i, s) in subjects.iter().enumerate() {
                    let inc = tree.leaf[i] && (s.3 || rng.random_bool(0.75));
                    included.push(inc);
                    let v = if inc {
                        total * share * f64::from(s.2) / weight_sum * rng.random_range(0.7..1.3)
                    } else {
                        0.0
                    };
                    base.push(v);
                }
                visible.clear();
                visible.resize(subjects.len(), false);
                for i in 0..subjects.len() {
                    if included[i] {
                        visible[i] = true;
                        for &a in &tree.ancestors[i] {
                            visible[a] = true;
                        }
                    }
                }
                for &(stage, document, spread) in &stages {
                    amounts.clear();
                    amounts.resize(subjects.len(), 0i64);
                    for i in 0..subjects.len() {
                        if !included[i] {
                            continue;
                        }
                        let f = if spread > 0.0 {
                            rng.random_range(1.0 - spread..1.0 + spread * 1.3)
                        } else {
                            1.0
                        };
                        let v = (base[i] * f).round().max(0.0) as i64;
                        amounts[i] += v;
                        for &a in &tree.ancestors[i] {
                            amounts[a] += v;
                        }
                    }
                    let grand: i64 = (0..subjects.len())
                        .filter(|i| tree.ancestors[*i].is_empty())
                        .map(|i| amounts[i])
                        .sum();
                    let rows = std::iter::once(("", "合计", grand)).chain(
                        subjects
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| visible[*i])
                            .map(|(i, s)| (s.0, s.1, amounts[i])),
                    );
                    for (code, name, amount) in rows {
                        out.s(&place.authority)?;
                        out.s(place.code)?;
                        out.s(place.region_name())?;
                        out.f(format_args!("{year}"))?;
                        out.s(stage)?;
                        out.s(document)?;
                        out.s(table_name)?;
                        out.s(class)?;
                        out.s(code)?;
                        out.s(name)?;
                        out.f(format_args!("{}", Hundredths(amount)))?;
                        out.s("万元")?;
                        out.end()?;
                    }
                }
            }
        }
    }
    out.finish()
}

// ---- 2. special funds ---------------------------------------------------------------------

struct Fund {
    name: String,
    level: &'static str,
    body: String,
    year: i32,
    document: String,
    principle: &'static str,
}

struct FundLine<'p> {
    place: &'p Place,
    unit: String,
    item: &'static str,
    batch: &'static str,
    date: NaiveDate,
    /// 0.01万元.
    amount: i64,
}

const FUND_KEYS: &[&str] = &[
    "fund_name",
    "level",
    "allocating_body",
    "fiscal_year",
    "document_number",
    "fund_total",
    "principle",
    "recipient_region_code",
    "recipient_region_name",
    "recipient_unit",
    "item",
    "parent_item",
    "amount",
    "unit",
    "batch",
    "allocated_date",
];

const FACTOR_PRINCIPLE: &str =
    "按因素法分配，综合考虑保障对象数量、地方财力状况、绩效评价结果等因素";
const PROJECT_PRINCIPLE: &str = "按项目法分配，对入选试点地区给予定额补助";

/// Write one fund: the top line `合计` (its amount the sum of the lines plus an unallocated
/// reserve, and equal to 资金总额), then the allocation lines with 上级项目 `合计`.
fn write_fund(
    out: &mut Out<'_>,
    rng: &mut ChaCha8Rng,
    fund: &Fund,
    lines: &[FundLine<'_>],
) -> io::Result<()> {
    let allocated: i64 = lines.iter().map(|l| l.amount).sum();
    let reserve = if rng.random_bool(0.3) {
        allocated / 100 * rng.random_range(0..4)
    } else {
        0
    };
    let total = allocated + reserve;
    let common = |out: &mut Out<'_>| -> io::Result<()> {
        out.s(&fund.name)?;
        out.s(fund.level)?;
        out.s(&fund.body)?;
        out.f(format_args!("{}", fund.year))?;
        out.s(&fund.document)?;
        out.f(format_args!("{}", Hundredths(total)))?;
        out.s(fund.principle)
    };
    common(out)?;
    for v in ["", "", "", "合计", ""] {
        out.s(v)?;
    }
    out.f(format_args!("{}", Hundredths(total)))?;
    out.s("万元")?;
    out.s("")?;
    out.s("")?;
    out.end()?;
    for l in lines {
        common(out)?;
        out.s(l.place.code)?;
        out.s(&l.place.full)?;
        out.s(&l.unit)?;
        out.s(l.item)?;
        out.s("合计")?;
        out.f(format_args!("{}", Hundredths(l.amount)))?;
        out.s("万元")?;
        out.s(l.batch)?;
        out.f(format_args!("{}", l.date))?;
        out.end()?;
    }
    Ok(())
}

fn funds(
    ctx: &Ctx<'_>,
    places: &Places,
    plan: &Plan,
    mut rng: ChaCha8Rng,
) -> io::Result<GeneratedFile> {
    let mut out = Out::open(ctx, &descriptor::FUND_LINES, FUND_KEYS)?;
    let rng = &mut rng;
    let (y0, y1) = plan.fund_years;
    let provinces: Vec<&Place> = places.provinces.iter().map(|&i| &places.all[i]).collect();
    let prov_size: Vec<f64> = provinces
        .iter()
        .map(|_| log_uniform(rng, 5.0e6, 1.2e8))
        .collect();
    let mut lines: Vec<FundLine<'_>> = Vec::new();
    let mut doc_no = 0u32;
    let mut next_doc = |rng: &mut ChaCha8Rng, prefix: &str, year: i32| -> String {
        doc_no = doc_no % 400 + rng.random_range(1..6);
        format!("{prefix}财社〔{year}〕{doc_no}号")
    };

    // Central funds, allocated to the provinces.
    for year in y0..=y1 {
        let fund = Fund {
            name: "困难群众救助补助资金".into(),
            level: "中央",
            body: "财政部、民政部".into(),
            year,
            document: next_doc(rng, "", year),
            principle: FACTOR_PRINCIPLE,
        };
        lines.clear();
        let growth = 1.0 + 0.04 * f64::from(year - 2015);
        for (p, size) in provinces.iter().zip(&prov_size) {
            let early = rng.random_range(0.8..0.9);
            for (item, share) in [
                ("城乡低保", 0.62),
                ("特困人员救助供养", 0.22),
                ("临时救助", 0.08),
                ("流浪乞讨人员救助", 0.01),
                ("孤儿基本生活保障", 0.07),
            ] {
                let v = size * growth * share * rng.random_range(0.85..1.15);
                for (batch, date, part) in [
                    (
                        "提前下达",
                        between(rng, ymd(year - 1, 11, 5), ymd(year - 1, 11, 30)),
                        early,
                    ),
                    (
                        "第二批",
                        between(rng, ymd(year, 5, 10), ymd(year, 6, 30)),
                        1.0 - early,
                    ),
                ] {
                    // Central amounts are whole 万元.
                    let amount = ((v * part / 100.0).round() as i64).max(1) * 100;
                    lines.push(FundLine {
                        place: p,
                        unit: String::new(),
                        item,
                        batch,
                        date,
                        amount,
                    });
                }
            }
        }
        write_fund(&mut out, rng, &fund, &lines)?;

        let fund = Fund {
            name: "中央专项彩票公益金支持社会福利事业资金".into(),
            level: "中央",
            body: "财政部、民政部".into(),
            year,
            document: next_doc(rng, "", year),
            principle: FACTOR_PRINCIPLE,
        };
        lines.clear();
        let date = between(rng, ymd(year, 5, 1), ymd(year, 7, 31));
        for (p, size) in provinces.iter().zip(&prov_size) {
            for (item, share) in [("养老服务", 0.6), ("儿童福利", 0.25), ("残疾人福利", 0.15)]
            {
                let v = size * 0.03 * share * rng.random_range(0.8..1.2);
                let amount = ((v / 100.0).round() as i64).max(1) * 100;
                lines.push(FundLine {
                    place: p,
                    unit: String::new(),
                    item,
                    batch: "第一批",
                    date,
                    amount,
                });
            }
        }
        write_fund(&mut out, rng, &fund, &lines)?;

        let pilot = match year {
            2016..=2020 => Some((
                "中央财政支持社区居家养老服务改革试点补助资金",
                "试点补助",
                26..31,
            )),
            2023..=2025 => Some((
                "居家和社区基本养老服务提升行动项目补助资金",
                "项目补助",
                40..61,
            )),
            _ => None,
        };
        if let Some((name, item, count)) = pilot {
            let fund = Fund {
                name: name.into(),
                level: "中央",
                body: "财政部、民政部".into(),
                year,
                document: next_doc(rng, "", year),
                principle: PROJECT_PRINCIPLE,
            };
            lines.clear();
            let k = rng.random_range(count).min(places.prefectures.len());
            let mut chosen = rand::seq::index::sample(rng, places.prefectures.len(), k).into_vec();
            chosen.sort_unstable();
            let date = between(rng, ymd(year, 6, 1), ymd(year, 9, 30));
            for i in chosen {
                let amount = rng.random_range(10..50) * 10_000;
                lines.push(FundLine {
                    place: &places.all[places.prefectures[i]],
                    unit: String::new(),
                    item,
                    batch: "第一批",
                    date,
                    amount,
                });
            }
            write_fund(&mut out, rng, &fund, &lines)?;
        }
    }

    // Provincial, prefectural and county funds in the planned provinces.
    for &pi in &plan.fund_provinces {
        let prov = &places.all[pi];
        let abbr = province_abbr(prov.code);
        let counties: Vec<&Place> = places.counties_of_province(prov.code).collect();
        let prefectures: Vec<&Place> = places
            .prefectures
            .iter()
            .map(|&i| &places.all[i])
            .filter(|p| p.province == prov.code)
            .collect();
        let county_size: Vec<f64> = counties
            .iter()
            .map(|_| log_uniform(rng, 5.0e4, 2.0e6))
            .collect();
        for year in y0..=y1 {
            let growth = 1.0 + 0.04 * f64::from(year - 2015);
            let fund = Fund {
                name: format!("{}困难群众救助补助资金", prov.name),
                level: "省",
                body: format!("{}、{}", prov.finance, prov.authority),
                year,
                document: next_doc(rng, abbr, year),
                principle: FACTOR_PRINCIPLE,
            };
            lines.clear();
            let d1 = between(rng, ymd(year, 1, 10), ymd(year, 3, 31));
            let d2 = between(rng, ymd(year, 7, 1), ymd(year, 9, 30));
            for (c, size) in counties.iter().zip(&county_size) {
                for (item, share) in [
                    ("城乡低保", 0.7),
                    ("特困人员救助供养", 0.22),
                    ("临时救助", 0.08),
                ] {
                    let v = size * growth * share * rng.random_range(0.85..1.15);
                    let first = rng.random_range(0.6..0.8);
                    lines.push(FundLine {
                        place: c,
                        unit: String::new(),
                        item,
                        batch: "第一批",
                        date: d1,
                        amount: (v * first).round() as i64,
                    });
                    lines.push(FundLine {
                        place: c,
                        unit: String::new(),
                        item,
                        batch: "第二批",
                        date: d2,
                        amount: (v * (1.0 - first)).round() as i64,
                    });
                }
            }
            write_fund(&mut out, rng, &fund, &lines)?;

            let fund = Fund {
                name: format!("{}养老服务体系建设补助资金", prov.name),
                level: "省",
                body: format!("{}、{}", prov.finance, prov.authority),
                year,
                document: next_doc(rng, abbr, year),
                principle: FACTOR_PRINCIPLE,
            };
            lines.clear();
            let date = between(rng, ymd(year, 4, 1), ymd(year, 10, 31));
            for p in &prefectures {
                let amount = (log_uniform(rng, 2.0e4, 3.0e5)).round() as i64;
                lines.push(FundLine {
                    place: p,
                    unit: String::new(),
                    item: "养老服务体系建设",
                    batch: "第一批",
                    date,
                    amount,
                });
            }
            write_fund(&mut out, rng, &fund, &lines)?;
        }

        for year in (y1 - 4).max(y0)..=y1 {
            for pref in &prefectures {
                let fund = Fund {
                    name: format!("{}困难群众救助补助资金", pref.name),
                    level: "市",
                    body: format!("{}、{}", pref.finance, pref.authority),
                    year,
                    document: next_doc(
                        rng,
                        pref.name
                            .chars()
                            .next()
                            .map(String::from)
                            .as_deref()
                            .unwrap_or(""),
                        year,
                    ),
                    principle: FACTOR_PRINCIPLE,
                };
                lines.clear();
                let date = between(rng, ymd(year, 2, 1), ymd(year, 11, 30));
                for c in counties.iter().filter(|c| c.prefecture == pref.code) {
                    for item in ["城乡低保", "临时救助"] {
                        let amount = log_uniform(rng, 1.0e4, 5.0e5).round() as i64;
                        lines.push(FundLine {
                            place: c,
                            unit: String::new(),
                            item,
                            batch: "第一批",
                            date,
                            amount,
                        });
                    }
                }
                if !lines.is_empty() {
                    write_fund(&mut out, rng, &fund, &lines)?;
                }
            }
            for c in counties.iter().step_by(5) {
                if year < 2022 {
                    continue;
                }
                let fund = Fund {
                    name: format!("{}特困人员供养服务机构运转经费", c.full),
                    level: "县",
                    body: format!("{}、{}", c.finance, c.authority),
                    year,
                    document: format!(
                        "{}财社〔{year}〕{}号",
                        c.name.chars().next().unwrap_or('县'),
                        rng.random_range(1..60)
                    ),
                    principle: "按供养人数和机构床位数核定",
                };
                lines.clear();
                let date = between(rng, ymd(year, 1, 15), ymd(year, 6, 30));
                let n = rng.random_range(2..6);
                for unit in [
                    "社会福利中心",
                    "第一敬老院",
                    "第二敬老院",
                    "第三敬老院",
                    "光荣院",
                    "救助管理站",
                ]
                .iter()
                .take(n)
                {
                    let amount = log_uniform(rng, 2.0e3, 3.0e4).round() as i64;
                    lines.push(FundLine {
                        place: c,
                        unit: format!("{}{unit}", c.full),
                        item: "运转经费",
                        batch: "第一批",
                        date,
                        amount,
                    });
                }
                write_fund(&mut out, rng, &fund, &lines)?;
            }
        }
    }
    out.finish()
}

// ---- 3. social-assistance statistics ------------------------------------------------------

struct ProvRelief {
    /// 2020 rural dibao standard, 元/人·月.
    rural_std: f64,
    urban_ratio: f64,
    /// Publishes the rural standard per person per year.
    rural_per_year: bool,
    orphan_std: f64,
}

/// Rows of one county and period.
struct Stat<'o, 'a> {
    out: &'o mut Out<'a>,
    code: &'static str,
    period: &'o str,
}

impl Stat<'_, '_> {
    fn row(
        &mut self,
        period_type: &str,
        programme: &str,
        indicator: &str,
        breakdown: &str,
        value: impl fmt::Display,
        unit: &str,
    ) -> io::Result<()> {
        let out = &mut *self.out;
        out.s(self.code)?;
        out.s(self.period)?;
        out.s(period_type)?;
        out.s(programme)?;
        out.s(indicator)?;
        out.s(breakdown)?;
        out.f(format_args!("{value}"))?;
        out.s(unit)?;
        out.end()
    }
}

const ME: &str = "month_end";
const MT: &str = "month_total";

fn relief(
    ctx: &Ctx<'_>,
    places: &Places,
    plan: &Plan,
    mut rng: ChaCha8Rng,
) -> io::Result<GeneratedFile> {
    let mut out = Out::open(
        ctx,
        &descriptor::RELIEF_STATS,
        &[
            "region_code",
            "period",
            "period_type",
            "programme",
            "indicator",
            "breakdown",
            "value",
            "unit",
        ],
    )?;
    let rng = &mut rng;
    let mut prov: BTreeMap<&str, ProvRelief> = BTreeMap::new();
    for &pi in &places.provinces {
        prov.insert(
            places.all[pi].code,
            ProvRelief {
                rural_std: rng.random_range(400.0..760.0),
                urban_ratio: rng.random_range(1.15..1.5),
                rural_per_year: rng.random_bool(0.3),
                orphan_std: rng.random_range(1000.0..1300.0),
            },
        );
    }
    let fallback = ProvRelief {
        rural_std: 500.0,
        urban_ratio: 1.3,
        rural_per_year: false,
        orphan_std: 1100.0,
    };
    let (y0, y1) = plan.relief_years;
    let mut period = String::with_capacity(8);
    for &ci in &plan.relief_counties {
        let c = &places.all[ci];
        let p = prov.get(c.province).unwrap_or(&fallback);
        let district = c.name.ends_with('区');
        // Persons receiving rural and urban dibao (rural 2,000–40,000 in a county).
        let mut rural = if district {
            log_uniform(rng, 200.0, 6000.0)
        } else {
            log_uniform(rng, 2000.0, 40000.0)
        };
        let mut urban = if district {
            log_uniform(rng, 500.0, 15000.0)
        } else {
            log_uniform(rng, 300.0, 5000.0)
        };
        let hh_ratio = rng.random_range(0.55..0.72);
        let female = rng.random_range(0.44..0.52);
        let elderly = rng.random_range(0.25..0.45);
        let adj = rng.random_range(0.95..1.05);
        let mut rural_std = (p.rural_std * adj).round();
        let mut urban_std = (rural_std * p.urban_ratio).round();
        let mut orphan_std = (p.orphan_std * adj).round();
        let mut tekun_urban = log_uniform(rng, 10.0, 400.0);
        let mut tekun_rural = if district {
            log_uniform(rng, 50.0, 600.0)
        } else {
            log_uniform(rng, 300.0, 4000.0)
        };
        let central_share = rng.random_range(0.2..0.45);
        let mut orphans = log_uniform(rng, 10.0, 300.0);
        let orphan_central = rng.random_range(0.1..0.4);
        let temp_scale = log_uniform(rng, 20.0, 600.0);
        let medical_scale = log_uniform(rng, 100.0, 4000.0);
        let vagrant_scale: f64 = rng.random_range(0.0..150.0);
        let institutions = rng.random_range(1..25);
        for year in y0..=y1 {
            if year > y0 {
                rural_std = (rural_std * rng.random_range(1.03..1.08)).round();
                urban_std = (urban_std * rng.random_range(1.03..1.07))
                    .round()
                    .max(rural_std);
                orphan_std = (orphan_std * rng.random_range(1.02..1.05)).round();
            }
            let mut ytd: i64 = 0;
            let mut year_dibao: i64 = 0;
            for month in 1..=12u32 {
                period.clear();
                write!(period, "{year}-{month:02}").map_err(io::Error::other)?;
                let mut s = Stat {
                    out: &mut out,
                    code: c.code,
                    period: &period,
                };
                rural = (rural * rng.random_range(0.988..1.006)).max(50.0);
                urban = (urban * rng.random_range(0.988..1.006)).max(30.0);
                tekun_urban = (tekun_urban * rng.random_range(0.99..1.01)).max(3.0);
                tekun_rural = (tekun_rural * rng.random_range(0.99..1.008)).max(10.0);
                orphans = (orphans * rng.random_range(0.98..1.01)).max(2.0);
                // All expenditure of the month in whole yuan, for 社会救助（合计）.
                let mut month_money: i64 = 0;

                // 城市低保 and 农村低保: households, persons (also women and elderly), standard,
                // average subsidy, expenditure (in whole hundreds of yuan).
                let mut persons_total = 0i64;
                for (prog, persons, std) in [
                    ("城市低保", urban, urban_std),
                    ("农村低保", rural, rural_std),
                ] {
                    let persons = persons.round() as i64;
                    persons_total += persons;
                    let share = |f: f64| ((persons as f64) * f).round() as i64;
                    let subsidy_fen = (std * rng.random_range(0.55..0.8) * 100.0).round() as i64;
                    let money = persons * subsidy_fen / 10_000 * 100;
                    month_money += money;
                    s.row(ME, prog, "户数", "", share(hh_ratio), "户")?;
                    s.row(ME, prog, "人数", "", persons, "人")?;
                    s.row(ME, prog, "人数", "女性", share(female), "人")?;
                    s.row(ME, prog, "人数", "老年人", share(elderly), "人")?;
                    if prog == "农村低保" && p.rural_per_year {
                        s.row(ME, prog, "平均标准", "", (std as i64) * 12, "元/人·年")?;
                    } else {
                        s.row(ME, prog, "平均标准", "", std as i64, "元/人·月")?;
                    }
                    s.row(ME, prog, "平均补助水平", "", Yuan2(subsidy_fen), "元/人·月")?;
                    s.row(MT, prog, "资金支出", "", WanFromYuan(money), "万元")?;
                }
                ytd += month_money;
                year_dibao += month_money;
                s.row(ME, "城乡低保", "人数", "", persons_total, "人")?;
                s.row(
                    "ytd_total",
                    "城乡低保",
                    "资金支出",
                    "",
                    WanFromYuan(ytd),
                    "万元",
                )?;

                // 特困人员救助供养: urban, rural (concentrated and dispersed), total.
                let tu = tekun_urban.round() as i64;
                let tr = tekun_rural.round() as i64;
                let central = ((tr as f64) * central_share).round() as i64;
                let per_person = (rural_std * rng.random_range(1.3..1.6)).round() as i64;
                let tu_money = tu * ((urban_std * 1.4).round() as i64) / 100 * 100;
                let tr_money = tr * per_person / 100 * 100;
                month_money += tu_money + tr_money;
                let (urban_tk, rural_tk) = ("城市特困人员救助供养", "农村特困人员救助供养");
                s.row(ME, urban_tk, "人数", "", tu, "人")?;
                s.row(MT, urban_tk, "资金支出", "", WanFromYuan(tu_money), "万元")?;
                s.row(ME, rural_tk, "人数", "集中供养", central, "人")?;
                s.row(ME, rural_tk, "人数", "分散供养", tr - central, "人")?;
                s.row(ME, rural_tk, "人数", "", tr, "人")?;
                s.row(MT, rural_tk, "资金支出", "", WanFromYuan(tr_money), "万元")?;
                s.row(ME, "特困人员救助供养", "人数", "", tu + tr, "人")?;

                // 临时救助 (expenditure in 元), 医疗救助, 孤儿, 流浪乞讨, and the month's total.
                let temp_cases = (temp_scale * rng.random_range(0.6..1.4)).round() as i64;
                let temp_money = temp_cases * rng.random_range(500..3000);
                month_money += temp_money;
                s.row(MT, "临时救助", "人次", "", temp_cases, "人次")?;
                s.row(MT, "临时救助", "资金支出", "", temp_money, "元")?;
                let med_cases = (medical_scale * rng.random_range(0.6..1.4)).round() as i64;
                let med_money = med_cases * rng.random_range(300..2000) / 100 * 100;
                month_money += med_money;
                s.row(MT, "医疗救助", "人次", "", med_cases, "人次")?;
                s.row(
                    MT,
                    "医疗救助",
                    "资金支出",
                    "",
                    WanFromYuan(med_money),
                    "万元",
                )?;
                let o = orphans.round() as i64;
                let oc = ((o as f64) * orphan_central).round() as i64;
                let orphan = "孤儿基本生活保障";
                s.row(ME, orphan, "人数", "", o, "人")?;
                s.row(ME, orphan, "人数", "集中养育", oc, "人")?;
                s.row(ME, orphan, "人数", "社会散居", o - oc, "人")?;
                s.row(
                    ME,
                    orphan,
                    "平均标准",
                    "社会散居",
                    orphan_std as i64,
                    "元/人·月",
                )?;
                let vagrants = (vagrant_scale * rng.random_range(0.5..1.5)).round() as i64;
                s.row(MT, "流浪乞讨人员救助", "人次", "", vagrants, "人次")?;
                s.row(
                    MT,
                    "社会救助（合计）",
                    "资金支出",
                    "",
                    WanFromYuan(month_money),
                    "万元",
                )?;
            }
            let y = year.to_string();
            let mut s = Stat {
                out: &mut out,
                code: c.code,
                period: &y,
            };
            s.row(
                "year_end",
                "特困人员救助供养",
                "机构数",
                "",
                institutions,
                "个",
            )?;
            let planned =
                ((year_dibao as f64) * rng.random_range(0.95..1.1) / 100.0).round() as i64 * 100;
            s.row(
                "year",
                "城乡低保",
                "计划支出",
                "",
                WanFromYuan(planned),
                "万元",
            )?;
        }
    }
    out.finish()
}

// ---- 4. the registry ----------------------------------------------------------------------

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏",
    "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "段", "雷", "侯", "龙",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "建", "国", "文", "辉", "力", "红", "玉", "兰",
    "志", "新", "春", "海", "云", "林", "斌", "宇", "浩", "凯", "晨", "欣", "怡", "婷", "雪", "琳",
    "鹏", "飞", "波", "宁", "峰", "亮", "成", "福", "生", "龙", "元", "全",
];
const BRANDS: &str = "阳光 爱心 康乐 福寿 夕阳红 春晖 启明 星光 晨曦 博雅 新星 金色年华 幸福 颐和 康宁 仁爱 慈恩 同心 众安 惠民 乐龄 长青 安康 和谐 明德 育才 智慧 小太阳 蓝天 童心 彩虹 希望 博爱 益民 善行 青松 百合 知行 未来 启航 暖阳 馨怡 朝阳 恒爱";
const ROADS: &str = "人民路 解放路 建设路 中山路 新华路 和平路 文化路 胜利路 朝阳路 光明路 滨江路 迎宾大道 育才路 幸福路 康宁路 府前路 东风路 红旗路 五一路 长江路 黄河路 青年路 学府路 振兴路";
const HOMETOWNS: &str =
    "浙江 福建 温州 江西 湖南 四川 河南 安徽 广东 江苏 山东 湖北 潮汕 莆田 晋江";

/// A family of social groups (社会团体): what they are called and what they do.
struct GroupKind {
    weight: u32,
    /// Space-separated.
    fields: &'static str,
    /// Space-separated words that may precede a field (青年书法家协会).
    modifiers: &'static str,
    suffixes: &'static [&'static str],
    /// Supervising unit after the place name, for the county/prefecture and the province level;
    /// empty: none (directly registered).
    supervisor: (&'static str, &'static str),
    scope: &'static str,
}

const GROUP_KINDS: &[GroupKind] = &[
    GroupKind {
        weight: 40,
        fields: "餐饮 物流 电子商务 茶叶 果蔬 建筑业 旅游 文化产业 汽车流通 家政服务 物业管理 房地产 软件 中小企业 个体劳动者 私营企业 养老服务 婴幼儿照护 民宿 农产品流通 食品安全 医药 美容美发 装饰装修 再生资源 人力资源服务 广告 会展 质量 安全生产",
        modifiers: "绿色 智慧 现代 新兴 民营 特色 品牌 诚信 优质 跨境",
        suffixes: &["协会", "行业协会", "促进会", "商会"],
        supervisor: ("", ""),
        scope: "行业自律、政策宣传、业务培训、信息交流、咨询服务、反映会员诉求",
    },
    GroupKind {
        weight: 20,
        fields: "中医药 护理 社会工作 农学 林学 水利 地理 心理 法学 经济 统计 会计 金融 历史 诗词 楹联 民俗 红色文化 教育 老年 儿童发展 康复医学 预防医学 园艺 气象 科普",
        modifiers: "现代 传统 应用 青年 老年 少儿 基础 临床 社区 农村",
        suffixes: &["学会", "研究会"],
        supervisor: ("科学技术协会", "科学技术协会"),
        scope: "学术交流、课题研究、科学普及、人才培养、咨询服务",
    },
    GroupKind {
        weight: 15,
        fields: "书法家 摄影家 美术家 音乐家 作家 舞蹈家 收藏家 集邮 戏剧家 民间文艺家",
        modifiers: "青年 老年 女 少儿 农民 职工 教师 退休",
        suffixes: &["协会"],
        supervisor: ("文学艺术界联合会", "文学艺术界联合会"),
        scope: "组织创作交流、举办展览展演、开展培训、推广普及",
    },
    GroupKind {
        weight: 15,
        fields: "老年人体育 篮球 足球 乒乓球 羽毛球 围棋 象棋 钓鱼 登山 太极拳 门球 健身气功 广场舞 游泳",
        modifiers: "老年 青少年 职工 农民 女子 残疾人 社区 校园",
        suffixes: &["协会", "运动协会"],
        supervisor: ("体育局", "体育局"),
        scope: "组织开展群众性体育活动、举办赛事、培训指导",
    },
    GroupKind {
        weight: 10,
        fields: "老科技工作者 退休教师 志愿者 青年创业 慈善 义工 企业家 女企业家 青年企业家 老年人 残疾人 见义勇为 关心下一代",
        modifiers: "青年 老年 女 社区 农村 城市 退役军人 新时代",
        suffixes: &["协会", "联合会", "促进会"],
        supervisor: ("", ""),
        scope: "联系服务会员、开展公益活动、维护会员合法权益",
    },
];

/// A family of social service organizations (社会服务机构).
struct ServiceKind {
    weight: u32,
    /// Space-separated.
    kinds: &'static str,
    supervisor: (&'static str, &'static str),
    scope: &'static str,
}

const SERVICE_KINDS: &[ServiceKind] = &[
    ServiceKind {
        weight: 25,
        kinds: "幼儿园",
        supervisor: ("教育局", "教育厅"),
        scope: "学前教育（三至六周岁幼儿保育和教育）",
    },
    ServiceKind {
        weight: 20,
        kinds: "培训学校 职业技能培训学校 艺术培训学校 文化培训学校 外语培训学校",
        supervisor: ("教育局", "教育厅"),
        scope: "非学历文化艺术培训、职业技能培训",
    },
    ServiceKind {
        weight: 15,
        kinds: "养老院 敬老院 老年公寓 居家养老服务中心 颐养院 养老服务中心",
        supervisor: ("民政局", "民政厅"),
        scope: "为老年人提供生活照料、康复护理、精神慰藉等养老服务",
    },
    ServiceKind {
        weight: 10,
        kinds: "社会工作服务中心 社会工作服务社 社会工作服务站",
        supervisor: ("民政局", "民政厅"),
        scope: "社会工作服务、社区服务、心理疏导、志愿服务组织与培训",
    },
    ServiceKind {
        weight: 5,
        kinds: "康复中心 残疾人托养中心 儿童康复中心",
        supervisor: ("残疾人联合会", "残疾人联合会"),
        scope: "残疾人康复训练、托养照料、辅助器具适配指导",
    },
    ServiceKind {
        weight: 10,
        kinds: "社区服务中心 志愿服务中心 公益服务中心 邻里互助中心",
        supervisor: ("民政局", "民政厅"),
        scope: "社区公益服务、志愿服务、邻里互助",
    },
    ServiceKind {
        weight: 7,
        kinds: "医院 门诊部 中医诊所 康复医院",
        supervisor: ("卫生健康局", "卫生健康委员会"),
        scope: "预防保健、常见病诊疗、康复医疗",
    },
    ServiceKind {
        weight: 5,
        kinds: "体育俱乐部 篮球俱乐部 文化艺术中心 图书馆 博物馆",
        supervisor: ("文化和旅游局", "文化和旅游厅"),
        scope: "群众文化体育活动、公益展览、阅读推广",
    },
    ServiceKind {
        weight: 3,
        kinds: "经济发展研究院 社会发展研究中心 乡村振兴研究院 城市发展研究所",
        supervisor: ("科学技术局", "科学技术厅"),
        scope: "政策研究、课题调研、咨询服务、学术交流",
    },
];

const FOUNDATION_FIELDS: &str = "慈善 教育 青少年发展 见义勇为 扶贫 乡村振兴 老年事业 儿童 助学 文化发展 医疗救助 妇女发展 生态保护 体育发展 科技创新 社会福利 红色教育";
const PURPOSES: &str = "扶贫济困 助学 医疗救助 养老助老 乡村振兴 灾害救助 助残 儿童关爱 社区发展";

/// Two-character names of kindergartens, care homes, funds (金苗, 春晖).
const BRAND_A: &str = "春 晨 阳 博 雅 金 启 明 星 童 乐 蓝 华 育 英 爱 康 宁 福 安 和 美 嘉 欣 悦 佳 睿 智 德 仁 善 颐 泰 恒 瑞 祥 新 丰 朗 彩 蕙 翰 弘 卓 鸿 沐 晴 舒 馨";
const BRAND_B: &str =
    "苗 光 心 天 园 禾 苑 泽 晖 辰 韵 意 源 益 宁 康 乐 安 和 雅 惠 慧 华 程 航 桥 家 邻 年 寿";
/// Town names (青山镇, 东湖街道), for organizations registered in a county.
const TOWN_A: &str = "东 西 南 北 中 城 新 青 白 石 黄 金 龙 凤 马 杨 高 长 大 小 双 三 太 平 清 永 安 兴 和 红 桃 柳 梅 松 云 竹 花 古 月 上 下";
const TOWN_B: &str =
    "山 河 湖 桥 关 坪 坝 溪 塘 口 店 庄 集 寨 岭 港 湾 田 林 沙 岗 铺 阳 兴 安 水 泉 峰 园 门";

/// Sectors that have their own associations (金融系统书法家协会).
const SECTORS: &str = "教育系统 金融系统 卫生系统 铁路系统 电力系统 邮政系统 税务系统 交通系统 水利系统 农业系统 文化系统 建设系统 国资系统 工会系统 科技系统";

fn words(list: &'static str) -> Vec<&'static str> {
    list.split_whitespace().collect()
}

/// The word lists, split once.
struct Lexicon {
    brands: Vec<&'static str>,
    roads: Vec<&'static str>,
    hometowns: Vec<&'static str>,
    foundation_fields: Vec<&'static str>,
    purposes: Vec<&'static str>,
    group_fields: Vec<Vec<&'static str>>,
    group_modifiers: Vec<Vec<&'static str>>,
    brand_a: Vec<&'static str>,
    brand_b: Vec<&'static str>,
    town_a: Vec<&'static str>,
    town_b: Vec<&'static str>,
    sectors: Vec<&'static str>,
    service_kinds: Vec<Vec<&'static str>>,
}

impl Lexicon {
    fn new() -> Lexicon {
        Lexicon {
            brands: words(BRANDS),
            roads: words(ROADS),
            hometowns: words(HOMETOWNS),
            foundation_fields: words(FOUNDATION_FIELDS),
            purposes: words(PURPOSES),
            group_fields: GROUP_KINDS.iter().map(|g| words(g.fields)).collect(),
            group_modifiers: GROUP_KINDS.iter().map(|g| words(g.modifiers)).collect(),
            brand_a: words(BRAND_A),
            brand_b: words(BRAND_B),
            town_a: words(TOWN_A),
            town_b: words(TOWN_B),
            sectors: words(SECTORS),
            service_kinds: SERVICE_KINDS.iter().map(|k| words(k.kinds)).collect(),
        }
    }
}

impl Lexicon {
    /// A brand: a listed one (夕阳红) or two characters (金苗).
    fn brand(&self, rng: &mut ChaCha8Rng, buf: &mut String) {
        if rng.random_bool(0.4) {
            buf.push_str(word(rng, &self.brands));
        } else {
            let a = *pick(rng, &self.brand_a);
            let mut b = *pick(rng, &self.brand_b);
            if a == b {
                b = "光";
            }
            buf.push_str(a);
            buf.push_str(b);
        }
    }

    fn town(&self, rng: &mut ChaCha8Rng, buf: &mut String) {
        buf.push_str(word(rng, &self.town_a));
        buf.push_str(word(rng, &self.town_b));
        buf.push_str(["镇", "镇", "乡", "街道"][rng.random_range(0..4)]);
    }
}

/// FNV-1a, to remember names already given without keeping them.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum OrgType {
    Group,
    Service,
    Foundation,
}

impl OrgType {
    fn label(self) -> &'static str {
        match self {
            OrgType::Group => "社会团体",
            OrgType::Service => "社会服务机构",
            OrgType::Foundation => "基金会",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            OrgType::Group => "51",
            OrgType::Service => "52",
            OrgType::Foundation => "53",
        }
    }
}

/// Unique organization-code bodies: an affine bijection on `0..31^6` (new-style `MJ` + six
/// characters) and on `0..10^7` (old-style `5` + seven digits, for older organizations).
struct Bodies {
    new_a: u64,
    new_b: u64,
    new_next: u64,
    old_a: u64,
    old_b: u64,
    old_next: u64,
}

const NEW_SPACE: u64 = 31u64.pow(6);
const OLD_SPACE: u64 = 10_000_000;

impl Bodies {
    fn new(rng: &mut ChaCha8Rng) -> Bodies {
        let mut new_a = rng.random_range(1_000_000..NEW_SPACE);
        while new_a % 31 == 0 {
            new_a += 1;
        }
        let mut old_a = rng.random_range(1_000_000..OLD_SPACE);
        while old_a % 2 == 0 || old_a % 5 == 0 {
            old_a += 1;
        }
        Bodies {
            new_a,
            new_b: rng.random_range(0..NEW_SPACE),
            new_next: 0,
            old_a,
            old_b: rng.random_range(0..OLD_SPACE),
            old_next: 0,
        }
    }

    fn next(&mut self, old_style: bool, buf: &mut String) {
        buf.clear();
        if old_style && self.old_next < OLD_SPACE {
            let v = (self.old_a * self.old_next + self.old_b) % OLD_SPACE;
            self.old_next += 1;
            let _ = write!(buf, "5{v:07}");
        } else {
            let mut v = (self.new_a * self.new_next + self.new_b) % NEW_SPACE;
            self.new_next += 1;
            buf.push_str("MJ");
            let mut digits = [b'0'; 6];
            for d in digits.iter_mut().rev() {
                *d = uscc::ALPHABET[(v % 31) as usize];
                v /= 31;
            }
            buf.extend(digits.iter().map(|&b| char::from(b)));
        }
    }
}

const REGISTRY_KEYS: &[&str] = &[
    "uscc",
    "name",
    "org_type",
    "registration_authority",
    "region_code",
    "supervising_unit",
    "legal_representative",
    "registered_capital",
    "capital_unit",
    "founded_on",
    "address",
    "business_scope",
    "status",
    "charity",
    "public_fundraising",
];

struct RegistryOut<'a> {
    orgs: Out<'a>,
    inspections: Out<'a>,
    evaluations: Out<'a>,
    penalties: Out<'a>,
    credit: Out<'a>,
    charity: Out<'a>,
}

fn registry(
    ctx: &Ctx<'_>,
    places: &Places,
    plan: &Plan,
    mut rng: ChaCha8Rng,
) -> io::Result<Vec<GeneratedFile>> {
    let mut w = RegistryOut {
        orgs: Out::open(ctx, &descriptor::ORGANIZATIONS, REGISTRY_KEYS)?,
        inspections: Out::open(
            ctx,
            &descriptor::INSPECTIONS,
            &["uscc", "year", "conclusion", "authority"],
        )?,
        evaluations: Out::open(
            ctx,
            &descriptor::EVALUATIONS,
            &["uscc", "grade", "valid_from", "valid_to", "authority"],
        )?,
        penalties: Out::open(
            ctx,
            &descriptor::PENALTIES,
            &[
                "uscc",
                "decision_number",
                "decided_on",
                "penalty_type",
                "fine",
                "fine_unit",
                "reason",
                "authority",
            ],
        )?,
        credit: Out::open(
            ctx,
            &descriptor::CREDIT_LISTINGS,
            &[
                "uscc",
                "list_type",
                "listed_on",
                "listed_reason",
                "removed_on",
                "removed_reason",
                "authority",
            ],
        )?,
        charity: Out::open(
            ctx,
            &descriptor::CHARITY_FILINGS,
            &[
                "filing_number",
                "filing_type",
                "uscc",
                "title",
                "starts_on",
                "ends_on",
                "purpose",
                "amount",
                "unit",
                "authority",
            ],
        )?,
    };
    let rng = &mut rng;
    let mut bodies = Bodies::new(rng);
    // Penalty decision numbers: a counter per (authority, year).
    const FIRST_YEAR: i32 = 1990;
    let years = (last_day().year() - FIRST_YEAR + 1) as usize;
    let mut decisions = vec![0u32; places.all.len() * years];
    let mut trusts = 0u32;
    let mut body = String::with_capacity(8);
    let lex = Lexicon::new();
    // Hashes of the names given so far (8 bytes an organization), so names do not repeat.
    let mut names: BTreeSet<u64> = BTreeSet::new();
    let mut name = String::with_capacity(64);
    let group_weights: Vec<u32> = GROUP_KINDS.iter().map(|g| g.weight).collect();
    let service_weights: Vec<u32> = SERVICE_KINDS.iter().map(|g| g.weight).collect();
    let first = ymd(FIRST_YEAR, 1, 1);
    let last = last_day();

    for _ in 0..plan.organizations {
        let org_type = match rng.random_range(0..100) {
            0..37 => OrgType::Group,
            37..99 => OrgType::Service,
            _ => OrgType::Foundation,
        };
        let level_weights: &[u32] = match org_type {
            OrgType::Foundation => &[40, 560, 300, 100],
            _ => &[3, 60, 280, 657],
        };
        let place = match weighted(rng, level_weights) {
            0 => &places.all[NATIONAL_IDX],
            1 => &places.all[*pick(rng, &places.provinces)],
            2 => &places.all[*pick(rng, &places.prefectures)],
            _ => &places.all[*pick(rng, &places.counties)],
        };
        // Founding: 1990–2025, more in recent years.
        let u: f64 = rng.random();
        let year = (FIRST_YEAR + (36.0 * u.powf(0.55)) as i32).min(last.year());
        let founded = between(rng, ymd(year, 1, 1), ymd(year, 12, 31))
            .min(last)
            .max(first);
        let (status, ended) = match rng.random_range(0..100) {
            0..93 => ("正常", None),
            93..99 => ("注销", Some(())),
            _ => ("撤销", Some(())),
        };
        let earliest_end = add_days(founded, 365);
        let (status, ended) = match ended {
            Some(()) if earliest_end < last => (status, Some(between(rng, earliest_end, last))),
            _ => ("正常", None),
        };
        bodies.next(founded.year() < 2016 && rng.random_bool(0.6), &mut body);
        let code = uscc::compose(org_type.prefix(), place.uscc_region, &body).ok_or_else(|| {
            invalid(format!(
                "cannot compose a credit code from {} {body}",
                place.uscc_region
            ))
        })?;

        // Name, business scope, supervising unit.
        let prefix = place.full.as_str();
        let provincial = matches!(place.level, Level::Province);
        // The kind decides scope and supervisor; then words are drawn until the name is new.
        let (kind, scope, supervisor) = match org_type {
            OrgType::Group => {
                let gi = weighted(rng, &group_weights);
                let g = &GROUP_KINDS[gi];
                (
                    gi,
                    g.scope,
                    if provincial {
                        g.supervisor.1
                    } else {
                        g.supervisor.0
                    },
                )
            }
            OrgType::Service => {
                let si = weighted(rng, &service_weights);
                let s = &SERVICE_KINDS[si];
                (
                    si,
                    s.scope,
                    if provincial {
                        s.supervisor.1
                    } else {
                        s.supervisor.0
                    },
                )
            }
            OrgType::Foundation => (0, "", ""),
        };
        let county = place.level == Level::County;
        let mut foundation_field = "";
        for attempt in 0..64 {
            name.clear();
            name.push_str(prefix);
            match org_type {
                OrgType::Group => {
                    let g = &GROUP_KINDS[kind];
                    let suffix = *pick(rng, g.suffixes);
                    if suffix == "商会" && rng.random_bool(0.4) {
                        name.push_str(word(rng, &lex.hometowns));
                    } else {
                        if county && (attempt >= 4 || rng.random_bool(0.3)) {
                            lex.town(rng, &mut name);
                        } else if attempt >= 6 {
                            name.push_str(word(rng, &lex.sectors));
                        }
                        if attempt >= 2 || rng.random_bool(0.2) {
                            name.push_str(word(rng, &lex.group_modifiers[kind]));
                        }
                        name.push_str(word(rng, &lex.group_fields[kind]));
                    }
                    name.push_str(suffix);
                }
                OrgType::Service => {
                    if county && (attempt >= 4 || rng.random_bool(0.2)) {
                        lex.town(rng, &mut name);
                    }
                    lex.brand(rng, &mut name);
                    name.push_str(word(rng, &lex.service_kinds[kind]));
                }
                OrgType::Foundation => {
                    foundation_field = *pick(rng, &lex.foundation_fields);
                    if attempt >= 2 || rng.random_bool(0.3) {
                        lex.brand(rng, &mut name);
                        name.push_str("公益基金会");
                    } else {
                        name.push_str(foundation_field);
                        name.push_str("基金会");
                    }
                }
            }
            if names.insert(fnv1a(&name)) {
                break;
            }
        }
        let scope = if org_type == OrgType::Foundation {
            format!("资助{foundation_field}公益项目、开展公益活动、接受社会捐赠")
        } else {
            scope.to_string()
        };
        let supervising = if supervisor.is_empty() || place.level == Level::National {
            String::new()
        } else {
            format!("{prefix}{supervisor}")
        };
        let charity = match org_type {
            OrgType::Foundation => rng.random_bool(0.6),
            _ => rng.random_bool(0.015),
        };
        let fundraising = charity
            && founded < ymd(2023, 1, 1)
            && rng.random_bool(if org_type == OrgType::Foundation {
                0.3
            } else {
                0.1
            });

        // The organization.
        let o = &mut w.orgs;
        o.s(&code)?;
        o.s(&name)?;
        o.s(org_type.label())?;
        o.s(&place.authority)?;
        o.s(place.code)?;
        o.s(&supervising)?;
        o.f(format_args!(
            "{}{}{}",
            pick(rng, SURNAMES),
            pick(rng, GIVEN),
            if rng.random_bool(0.7) {
                *pick(rng, GIVEN)
            } else {
                ""
            }
        ))?;
        let capital_wan: i64 = match org_type {
            OrgType::Group => {
                rng.random_range(3..50) * if place.level == Level::National { 4 } else { 1 }
            }
            OrgType::Service => log_uniform(rng, 3.0, 500.0).round() as i64,
            OrgType::Foundation => log_uniform(rng, 200.0, 5000.0).round() as i64,
        };
        if rng.random_bool(0.1) {
            o.f(format_args!("{}", capital_wan * 10_000))?;
            o.s("元")?;
        } else {
            o.f(format_args!("{capital_wan}"))?;
            o.s("万元")?;
        }
        o.f(format_args!("{founded}"))?;
        let road = *pick(rng, &lex.roads);
        let number = rng.random_range(1..999);
        o.f(format_args!(
            "{}{road}{number}号",
            if place.level == Level::National {
                "北京市东城区"
            } else {
                prefix
            }
        ))?;
        o.s(&scope)?;
        o.s(status)?;
        o.s(if charity { "是" } else { "否" })?;
        o.s(if fundraising { "是" } else { "否" })?;
        o.end()?;

        // Annual inspections, 2021–2024, for years after the founding year and before the end.
        let end_year = ended.map(|d| d.year()).unwrap_or(i32::MAX);
        let last_inspected = (end_year - 1).min(2024);
        for y in 2021.max(founded.year() + 1)..=last_inspected {
            let conclusion = if status == "撤销" && y == last_inspected {
                if rng.random_bool(0.5) {
                    "不合格"
                } else {
                    "未参检"
                }
            } else {
                descriptor::INSPECTION_CONCLUSIONS[weighted(rng, &[82, 7, 3, 8])]
            };
            let i = &mut w.inspections;
            i.s(&code)?;
            i.f(format_args!("{y}"))?;
            i.s(conclusion)?;
            i.s(&place.authority)?;
            i.end()?;
        }

        // Evaluations for a minority (about 8%), some re-evaluated after five years.
        let evaluable_from = add_days(founded, 730).max(ymd(2015, 1, 1));
        let active_until = ended.unwrap_or(last).min(ymd(2024, 12, 31));
        if evaluable_from < active_until && rng.random_bool(0.09) {
            let mut from = between(rng, evaluable_from, active_until);
            loop {
                let to = from
                    .checked_add_months(Months::new(60))
                    .and_then(|d| d.pred_opt())
                    .unwrap_or(from);
                let grade = descriptor::EVALUATION_GRADES[weighted(rng, &[3, 12, 50, 28, 7])];
                let e = &mut w.evaluations;
                e.s(&code)?;
                e.s(grade)?;
                e.f(format_args!("{from}"))?;
                e.f(format_args!("{to}"))?;
                e.s(&place.authority)?;
                e.end()?;
                let next = add_days(to, 1);
                if next > active_until || !rng.random_bool(0.4) {
                    break;
                }
                from = next;
            }
        }

        // Penalties: revocation for revoked organizations, and a lighter penalty for about 0.7%.
        let mut penalties: Vec<(NaiveDate, &str, &str)> = Vec::new();
        if status == "撤销" {
            let d = ended.unwrap_or(last);
            let kinds = match rng.random_range(0..10) {
                0..7 => "撤销登记",
                7..9 => "警告、撤销登记",
                _ => "没收违法所得、撤销登记",
            };
            let reason = *pick(
                rng,
                &[
                    "连续两年不参加年度检查",
                    "未按照章程规定的宗旨和业务范围开展活动，情节严重",
                    "弄虚作假骗取登记",
                ],
            );
            penalties.push((d, kinds, reason));
        }
        let penalty_until = ended.unwrap_or(last);
        let penalty_from = add_days(founded, 180);
        if penalty_from < penalty_until && rng.random_bool(0.007) {
            let d = between(rng, penalty_from, penalty_until);
            let (kinds, reason) = match weighted(rng, &[45, 10, 8, 6, 10, 15, 6]) {
                0 => ("警告", "未按照规定办理变更登记"),
                1 => ("警告、罚款", "违反规定收取费用"),
                2 => ("罚款", "未按照规定接受年度检查且拒不改正"),
                3 => ("警告、没收违法所得", "违反规定设立分支机构并收取费用"),
                4 => ("通报批评", "未按照规定公开信息"),
                5 => ("限期停止活动", "超出章程规定的宗旨和业务范围开展活动"),
                _ => ("责令撤换主要负责人", "负责人违反章程规定，情节严重"),
            };
            penalties.push((d, kinds, reason));
        }
        penalties.sort_by_key(|p| p.0);
        for (d, kinds, reason) in penalties {
            let slot = place.idx * years + ((d.year() - FIRST_YEAR).max(0) as usize).min(years - 1);
            decisions[slot] += 1;
            let n = decisions[slot];
            let p = &mut w.penalties;
            p.s(&code)?;
            let issuer = if place.level == Level::National {
                "民政部"
            } else {
                prefix
            };
            p.f(format_args!("{issuer}民罚字〔{}〕{n}号", d.year()))?;
            p.f(format_args!("{d}"))?;
            p.s(kinds)?;
            if kinds.contains("罚款") {
                p.f(format_args!("{}", rng.random_range(10..2000) * 100))?;
                p.s("元")?;
            } else if kinds.contains("没收违法所得") {
                p.f(format_args!(
                    "{}",
                    Yuan2(rng.random_range(100_000..50_000_000))
                ))?;
                p.s("元")?;
            } else {
                p.s("")?;
                p.s("")?;
            }
            p.s(reason)?;
            p.s(&place.authority)?;
            p.end()?;
        }

        // Credit listings.
        if status == "撤销" && rng.random_bool(0.5) {
            let on = add_days(ended.unwrap_or(last), rng.random_range(0..30)).min(last);
            let removed = add_days(on, 5 * 365 + 2);
            let removed = (removed <= last && rng.random_bool(0.5)).then_some(removed);
            credit_row(
                &mut w.credit,
                &code,
                "严重违法失信名单",
                on,
                "被处以撤销登记的行政处罚",
                removed,
                "列入满五年",
                &place.authority,
            )?;
        }
        let listable_from = add_days(founded, 365).max(ymd(2018, 1, 1));
        let listable_to = ended.unwrap_or(last);
        if listable_from < listable_to && rng.random_bool(0.022) {
            let on = between(rng, listable_from, listable_to);
            let reason = *pick(
                rng,
                &[
                    "未按照规定时限报送年度工作报告",
                    "未按照规定时限参加年度检查",
                    "通过登记的住所无法与社会组织取得联系",
                    "未按照规定时限办理变更登记",
                    "未按照有关规定公开信息",
                ],
            );
            let removed = add_days(on, rng.random_range(30..720));
            let removed = (removed <= last && rng.random_bool(0.5)).then_some(removed);
            credit_row(
                &mut w.credit,
                &code,
                "活动异常名录",
                on,
                reason,
                removed,
                "已按规定履行相关义务，申请移出",
                &place.authority,
            )?;
        }

        // Charity filings: fundraising plans by qualified organizations, trusts by charities.
        if fundraising {
            let from = add_days(founded, 730).max(ymd(2017, 1, 1));
            let n = rng.random_range(1..6);
            for seq in 1..=n {
                if from >= last {
                    break;
                }
                let start = between(rng, from, last);
                let end = add_days(start, rng.random_range(30..730));
                let purpose = *pick(rng, &lex.purposes);
                let c = &mut w.charity;
                c.f(format_args!("{code}{:02}{seq:03}", start.year() % 100))?;
                c.s("公开募捐方案备案")?;
                c.s(&code)?;
                c.f(format_args!(
                    "{}年“{}{purpose}”公开募捐项目",
                    start.year(),
                    pick(rng, &lex.brands)
                ))?;
                c.f(format_args!("{start}"))?;
                c.f(format_args!("{end}"))?;
                c.s(purpose)?;
                c.f(format_args!("{}", rng.random_range(1..500) * 10_000))?;
                c.s("元")?;
                c.s(&place.authority)?;
                c.end()?;
            }
        }
        let trust_from = founded.max(ymd(2016, 9, 1));
        if charity && trust_from < last && rng.random_bool(0.08) {
            trusts += 1;
            let start = between(rng, trust_from, last);
            let purpose = *pick(rng, &lex.purposes);
            let c = &mut w.charity;
            c.f(format_args!("ZX{}{}{trusts:06}", place.code, start.year()))?;
            c.s("慈善信托备案")?;
            c.s(&code)?;
            c.f(format_args!("{}{purpose}慈善信托", pick(rng, &lex.brands)))?;
            c.f(format_args!("{start}"))?;
            if rng.random_bool(0.3) {
                c.s("")?;
            } else {
                let end = start
                    .checked_add_months(Months::new(12 * rng.random_range(1..20)))
                    .unwrap_or(start);
                c.f(format_args!("{end}"))?;
            }
            c.s(purpose)?;
            c.f(format_args!(
                "{}",
                Hundredths(log_uniform(rng, 1_000.0, 300_000.0).round() as i64)
            ))?;
            c.s("万元")?;
            c.s(&place.authority)?;
            c.end()?;
        }
    }
    Ok(vec![
        w.orgs.finish()?,
        w.inspections.finish()?,
        w.evaluations.finish()?,
        w.penalties.finish()?,
        w.credit.finish()?,
        w.charity.finish()?,
    ])
}

#[allow(clippy::too_many_arguments)]
fn credit_row(
    out: &mut Out<'_>,
    code: &str,
    list: &str,
    on: NaiveDate,
    reason: &str,
    removed: Option<NaiveDate>,
    removed_reason: &str,
    authority: &str,
) -> io::Result<()> {
    out.s(code)?;
    out.s(list)?;
    out.f(format_args!("{on}"))?;
    out.s(reason)?;
    match removed {
        Some(d) => {
            out.f(format_args!("{d}"))?;
            out.s(removed_reason)?;
        }
        None => {
            out.s("")?;
            out.s("")?;
        }
    }
    out.s(authority)?;
    out.end()
}

const ILLEGAL_PREFIXES: &str = "中华 中国 国际 全球 世界 亚洲 全国 中外 华夏 一带一路";
const ILLEGAL_FIELDS: &str = "文化交流 美学研究 区块链 养生 国学 书画艺术 企业家 乡村振兴 非遗保护 红色文化 老年健康 教育发展 慈善 公益 健康产业 收藏家 品牌 诚信建设 生态文明 茶文化 孝道文化 易学";
const ILLEGAL_SUFFIXES: &str = "委员会 联合会 协会 研究院 促进会 总会 基金会 商会 发展中心 联盟";

fn illegal_organizations(
    ctx: &Ctx<'_>,
    places: &Places,
    plan: &Plan,
    mut rng: ChaCha8Rng,
) -> io::Result<GeneratedFile> {
    let mut out = Out::open(
        ctx,
        &descriptor::ILLEGAL_ORGANIZATIONS,
        &[
            "name",
            "batch",
            "published_on",
            "publisher",
            "disposal",
            "region_code",
        ],
    )?;
    let rng = &mut rng;
    let (prefixes, fields, suffixes) = (
        words(ILLEGAL_PREFIXES),
        words(ILLEGAL_FIELDS),
        words(ILLEGAL_SUFFIXES),
    );
    let target = plan.illegal_organizations;
    let expected_batches = (target / 15).max(1);
    let start = ymd(2018, 1, 1);
    let span = (last_day() - start).num_days();
    let mut counters: BTreeMap<(usize, i32), u32> = BTreeMap::new();
    let mut written = 0u64;
    let mut k = 0u64;
    while written < target {
        let offset = (k as i64) * span / (expected_batches as i64) + rng.random_range(0..10);
        let date = add_days(start, offset.min(span));
        k += 1;
        let publisher = if rng.random_bool(0.4) {
            NATIONAL_IDX
        } else {
            *pick(rng, &places.provinces)
        };
        let p = &places.all[publisher];
        let n = counters.entry((publisher, date.year())).or_insert(0);
        *n += 1;
        let batch = if publisher == NATIONAL_IDX {
            format!("{}年第{}批", date.year(), cn_ordinal(*n))
        } else {
            format!("{}{}年第{}批", p.name, date.year(), cn_ordinal(*n))
        };
        let size = rng.random_range(5..31).min(target - written);
        let mut names = BTreeSet::new();
        let mut tries = 0;
        while (names.len() as u64) < size && tries < 1000 {
            tries += 1;
            names.insert(format!(
                "{}{}{}",
                pick(rng, &prefixes),
                pick(rng, &fields),
                pick(rng, &suffixes)
            ));
        }
        // Keep the published order random, not alphabetical.
        let mut names: Vec<String> = names.into_iter().collect();
        for i in (1..names.len()).rev() {
            let j = rng.random_range(0..=i);
            names.swap(i, j);
        }
        for name in names {
            out.s(&name)?;
            out.s(&batch)?;
            out.f(format_args!("{date}"))?;
            out.s(if publisher == NATIONAL_IDX {
                "民政部"
            } else {
                &p.authority
            })?;
            let disposal = if publisher == NATIONAL_IDX {
                if rng.random_bool(0.85) {
                    "涉嫌"
                } else {
                    "取缔"
                }
            } else {
                descriptor::DISPOSALS[weighted(rng, &[35, 30, 10, 25])]
            };
            out.s(disposal)?;
            out.s(if publisher == NATIONAL_IDX {
                ""
            } else {
                p.code
            })?;
            out.end()?;
            written += 1;
        }
    }
    out.finish()
}

// ---- 5. disclosure annual reports ---------------------------------------------------------

/// One row of the 2021 report format: table (`表二`), row label, column labels.
pub(crate) struct FormatRow {
    pub table: String,
    pub row: String,
    pub columns: Vec<String>,
}

/// The rows of 表二, 表三 and 表四, from [`crate::report_format`].
pub(crate) fn report_format() -> io::Result<Vec<FormatRow>> {
    Ok(["表二", "表三", "表四"]
        .iter()
        .flat_map(|t| {
            crate::report_format::rows(t)
                .into_iter()
                .map(move |(_, row, columns)| FormatRow {
                    table: t.to_string(),
                    row,
                    columns,
                })
        })
        .collect())
}

fn annual_reports(
    ctx: &Ctx<'_>,
    places: &Places,
    plan: &Plan,
    mut rng: ChaCha8Rng,
) -> io::Result<GeneratedFile> {
    let mut out = Out::open(
        ctx,
        &descriptor::REPORT_CELLS,
        &[
            "agency",
            "region_code",
            "region_name",
            "year",
            "report_table",
            "row_label",
            "column_label",
            "value",
            "unit",
        ],
    )?;
    let rng = &mut rng;
    let format = report_format()?;
    let t2: Vec<&FormatRow> = format.iter().filter(|r| r.table == "表二").collect();
    let t3: Vec<&FormatRow> = format.iter().filter(|r| r.table == "表三").collect();
    let t4: Vec<&FormatRow> = format.iter().filter(|r| r.table == "表四").collect();
    if t3.len() != 25
        || t4.len() != 3
        || t3
            .iter()
            .chain(&t4)
            .any(|r| r.columns.last().map(String::as_str) != Some("总计"))
    {
        return Err(invalid("unexpected 2021 annual report format".into()));
    }
    let applicants = t3[0].columns.len() - 1;
    let mut cells = vec![vec![0i64; applicants]; t3.len()];
    for &ai in &plan.report_agencies {
        let a = &places.all[ai];
        let province = a.level == Level::Province;
        let busy = log_uniform(rng, 5.0, 200.0);
        for year in plan.report_years.0..=plan.report_years.1 {
            let cell = |out: &mut Out<'_>,
                        table: &str,
                        row: &str,
                        column: &str,
                        value: fmt::Arguments<'_>,
                        unit: &str| {
                out.s(&a.authority)?;
                out.s(a.code)?;
                out.s(&a.full)?;
                out.f(format_args!("{year}"))?;
                out.s(table)?;
                out.s(row)?;
                out.s(column)?;
                out.f(value)?;
                out.s(unit)?;
                out.end()
            };
            // 表二: documents, decisions, fees.
            for r in &t2 {
                for (ci, column) in r.columns.iter().enumerate() {
                    if column.contains("万元") {
                        let fee = if rng.random_bool(0.1) {
                            rng.random_range(1..50_000)
                        } else {
                            0
                        };
                        cell(
                            &mut out,
                            "表二",
                            &r.row,
                            column,
                            format_args!("{}", Hundredths(fee)),
                            "万元",
                        )?;
                        continue;
                    }
                    let v: i64 = match (r.row.as_str(), ci) {
                        ("规章", 0) => {
                            if province {
                                rng.random_range(0..3)
                            } else {
                                0
                            }
                        }
                        ("规章", 1) => {
                            if province {
                                rng.random_range(0..2)
                            } else {
                                0
                            }
                        }
                        ("规章", _) => {
                            if province {
                                rng.random_range(3..16)
                            } else {
                                0
                            }
                        }
                        ("行政规范性文件", 0) => rng.random_range(0..9),
                        ("行政规范性文件", 1) => rng.random_range(0..4),
                        ("行政规范性文件", _) => rng.random_range(5..61),
                        ("行政许可", _) => rng.random_range(20..3000),
                        ("行政处罚", _) => rng.random_range(0..41),
                        _ => rng.random_range(0..3),
                    };
                    cell(&mut out, "表二", &r.row, column, format_args!("{v}"), "件")?;
                }
            }
            // 表三: applications by applicant; rows 3–23 are results, row 24 their total,
            // rows 1 + 2 (new + carried in) = row 24 + row 25 (processed + carried out).
            for row in cells.iter_mut() {
                row.iter_mut().for_each(|v| *v = 0);
            }
            for (c, scale) in [1.0, 0.3, 0.05, 0.05, 0.1, 0.1]
                .iter()
                .enumerate()
                .take(applicants)
            {
                for (r, row) in cells.iter_mut().enumerate().take(23).skip(2) {
                    let p: f64 = if r == 2 {
                        0.95
                    } else if matches!(r, 3 | 12 | 13 | 15 | 16) {
                        0.35
                    } else {
                        0.08
                    };
                    if rng.random_bool((p * scale).min(1.0)) {
                        let base = if r == 2 {
                            busy * scale
                        } else {
                            busy * scale * 0.1
                        };
                        row[c] = (base * rng.random_range(0.3..1.5)).round().max(1.0) as i64;
                    }
                }
                cells[23][c] = (2..23).map(|r| cells[r][c]).sum();
                cells[24][c] = if rng.random_bool(0.3) {
                    rng.random_range(0..4)
                } else {
                    0
                };
                cells[1][c] = if rng.random_bool(0.3) {
                    rng.random_range(0..4).min(cells[23][c])
                } else {
                    0
                };
                cells[0][c] = cells[23][c] + cells[24][c] - cells[1][c];
            }
            for (r, fr) in t3.iter().enumerate() {
                for (c, column) in fr.columns.iter().enumerate() {
                    let v = if c < applicants {
                        cells[r][c]
                    } else {
                        cells[r].iter().sum()
                    };
                    cell(&mut out, "表三", &fr.row, column, format_args!("{v}"), "件")?;
                }
            }
            // 表四: review and litigation results.
            for fr in &t4 {
                let results = fr.columns.len() - 1;
                let mut total = 0;
                for (c, column) in fr.columns.iter().enumerate() {
                    let v = if c < results {
                        let v = if rng.random_bool(0.2) {
                            rng.random_range(1..4)
                        } else {
                            0
                        };
                        total += v;
                        v
                    } else {
                        total
                    };
                    cell(&mut out, "表四", &fr.row, column, format_args!("{v}"), "件")?;
                }
            }
        }
    }
    out.finish()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::descriptor::Kind;
    use crate::normalize;
    use std::collections::BTreeMap;

    struct Csv {
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
    }

    impl Csv {
        fn read(dir: &Path, rel: &str) -> Csv {
            let mut rdr = csv::Reader::from_path(dir.join(rel)).unwrap();
            let headers = rdr.headers().unwrap().iter().map(str::to_string).collect();
            let rows = rdr
                .records()
                .map(|r| r.unwrap().iter().map(str::to_string).collect())
                .collect();
            Csv { headers, rows }
        }

        fn idx(&self, header: &str) -> usize {
            self.headers
                .iter()
                .position(|h| h == header)
                .unwrap_or_else(|| panic!("no column {header}"))
        }

        /// The values of the named columns, per row.
        fn cols(&self, headers: &[&str]) -> Vec<Vec<&str>> {
            let idx: Vec<usize> = headers.iter().map(|h| self.idx(h)).collect();
            self.rows
                .iter()
                .map(|r| idx.iter().map(|&i| r[i].as_str()).collect())
                .collect()
        }
    }

    fn generate_small(seed: u64) -> (tempfile::TempDir, Generated) {
        let dir = tempfile::tempdir().unwrap();
        let g = generate(Scale::Small, seed, dir.path(), &|_, _| {}).unwrap();
        (dir, g)
    }

    fn small() -> &'static (tempfile::TempDir, Generated) {
        static SMALL: std::sync::OnceLock<(tempfile::TempDir, Generated)> =
            std::sync::OnceLock::new();
        SMALL.get_or_init(|| generate_small(42))
    }

    fn assert_unique(name: &str, keys: impl IntoIterator<Item = String>) {
        let mut seen = BTreeSet::new();
        for k in keys {
            assert!(seen.insert(k.clone()), "{name}: duplicate key {k}");
        }
    }

    fn fen(value: &str, unit: &str) -> i64 {
        normalize::figure(value, unit, Some("元")).unwrap().value
    }

    #[test]
    fn scale_parses() {
        assert_eq!("small".parse::<Scale>(), Ok(Scale::Small));
        assert_eq!(" National ".parse::<Scale>(), Ok(Scale::National));
        assert!("huge".parse::<Scale>().is_err());
        assert_eq!(Scale::National.to_string(), "national");
    }

    #[test]
    fn files_match_their_descriptors() {
        for (table, qualified, rel) in FILES {
            assert_eq!(table.qualified(), *qualified);
            assert_eq!(format!("{}/{}.csv", table.dataset, table.name), *rel);
        }
    }

    #[test]
    fn place_names_are_unique() {
        let places = Places::build();
        assert_unique("full names", places.all.iter().map(|p| p.full.clone()));
        assert_unique(
            "authorities",
            places.all.iter().map(|p| p.authority.clone()),
        );
        assert_eq!(places.provinces.len(), 31);
        assert_eq!(places.prefectures.len(), 333);
        assert_eq!(places.counties.len(), 2846);
        let wuling = places.by_code("430702").unwrap();
        assert_eq!(wuling.authority, "常德市武陵区民政局");
        assert_eq!(
            places.by_code("110101").unwrap().authority,
            "北京市东城区民政局"
        );
        assert_eq!(places.by_code("430000").unwrap().authority, "湖南省民政厅");
    }

    #[test]
    fn small_is_deterministic_and_seeded() {
        let (dir_a, a) = generate_small(7);
        let (dir_b, b) = generate_small(7);
        let (_dir_c, c) = generate_small(8);
        assert_eq!(a, b);
        assert_eq!(
            fs::read(dir_a.path().join(MANIFEST)).unwrap(),
            fs::read(dir_b.path().join(MANIFEST)).unwrap()
        );
        for (fa, fc) in a.files.iter().zip(&c.files) {
            let bytes = fs::read(dir_a.path().join(&fa.path)).unwrap();
            assert_eq!(
                hex::encode(Sha256::digest(&bytes)),
                fa.sha256,
                "{}",
                fa.table
            );
            assert_eq!(
                bytes,
                fs::read(dir_b.path().join(&fa.path)).unwrap(),
                "{}",
                fa.table
            );
            assert_ne!(
                fa.sha256, fc.sha256,
                "{} does not depend on the seed",
                fa.table
            );
        }
    }

    #[test]
    fn small_row_counts_and_manifest() {
        let (dir, g) = small();
        let rows = |t: &str| g.file(t).unwrap().rows;
        assert_eq!(g.files.len(), FILES.len());
        assert_eq!(rows("registry.organizations"), 1_000);
        assert!(rows("relief.stats") >= 5_000, "{}", rows("relief.stats"));
        assert!(rows("budgets.lines") >= 1_000, "{}", rows("budgets.lines"));
        assert!(rows("funds.lines") >= 200, "{}", rows("funds.lines"));
        assert!(
            rows("registry.inspections") >= 2_000,
            "{}",
            rows("registry.inspections")
        );
        assert_eq!(rows("registry.illegal_organizations"), 10);
        for f in &g.files {
            assert!(f.rows > 0, "{} is empty", f.table);
            assert_eq!(
                Csv::read(dir.path(), &f.path.to_string_lossy()).rows.len() as u64,
                f.rows
            );
        }
        let m: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.path().join(MANIFEST)).unwrap()).unwrap();
        assert_eq!(m["synthetic"], true);
        assert_eq!(m["generator"], "gongkai generate");
        assert_eq!(m["scale"], "small");
        assert_eq!(m["seed"], 42);
        assert_eq!(m["files"].as_array().unwrap().len(), FILES.len());
        assert_eq!(m["files"][3]["path"], "registry/organizations.csv");
        assert_eq!(m["files"][3]["table"], "registry.organizations");
        assert_eq!(m["files"][3]["rows"], 1000);
        assert_eq!(m["files"][3]["sha256"], g.files[3].sha256.as_str());
    }

    /// Every cell obeys its column's kind, as the import validation checks it.
    #[test]
    fn every_cell_passes_the_column_rules() {
        let (dir, _) = small();
        let title = source_title(Scale::Small, 42);
        for (table, _, rel) in FILES {
            let csv = Csv::read(dir.path(), rel);
            let cols: Vec<&descriptor::Column> = csv
                .headers
                .iter()
                .map(|h| {
                    table
                        .all_columns()
                        .find(|c| c.header == h)
                        .unwrap_or_else(|| panic!("{rel}: unknown header {h}"))
                })
                .collect();
            for c in table.columns.iter().filter(|c| c.required) {
                assert!(
                    csv.headers.iter().any(|h| h == c.header),
                    "{rel}: required column {} missing",
                    c.header
                );
            }
            let unit_of = |key: &str| -> Option<usize> {
                let unit_key = match key {
                    "registered_capital" => "capital_unit".to_string(),
                    "fine" => "fine_unit".to_string(),
                    _ => "unit".to_string(),
                };
                cols.iter().position(|c| c.key == unit_key)
            };
            for (n, row) in csv.rows.iter().enumerate() {
                let at = || format!("{rel} row {}", n + 2);
                for (col, v) in cols.iter().zip(row) {
                    if v.is_empty() {
                        assert!(!col.required, "{}: {} is required", at(), col.header);
                        continue;
                    }
                    assert_eq!(
                        v.trim(),
                        v,
                        "{}: {} has surrounding space",
                        at(),
                        col.header
                    );
                    match col.kind {
                        Kind::Region => {
                            region::check(v).unwrap_or_else(|e| panic!("{}: {e}", at()));
                        }
                        Kind::Year => {
                            assert_eq!(normalize::year(v).unwrap().to_string(), *v, "{}", at());
                        }
                        Kind::Period => {
                            assert_eq!(normalize::period(v).as_deref(), Ok(v.as_str()), "{}", at());
                        }
                        Kind::Date => {
                            assert_eq!(normalize::date(v).as_deref(), Ok(v.as_str()), "{}", at());
                        }
                        Kind::Money | Kind::Quantity => {
                            let unit = unit_of(col.key).map(|u| row[u].as_str()).unwrap_or("");
                            assert!(!unit.is_empty(), "{}: {} has no unit", at(), col.header);
                            let f = normalize::figure(v, unit, None)
                                .unwrap_or_else(|e| panic!("{}: {e}", at()));
                            assert!(f.value >= 0, "{}: negative {}", at(), col.header);
                            if col.kind == Kind::Money {
                                assert!(f.measure.is_money(), "{}: {unit} is not money", at());
                            }
                        }
                        Kind::Unit => {
                            assert!(normalize::unit(v).is_some(), "{}: unit {v}", at());
                        }
                        Kind::Uscc => {
                            assert_eq!(uscc::validate(v).as_deref(), Ok(v.as_str()), "{}", at());
                        }
                        Kind::Bool => assert!(v == "是" || v == "否", "{}: {v}", at()),
                        Kind::Enum(values) => {
                            for part in v.split('、') {
                                assert!(
                                    values.contains(&part),
                                    "{}: {} “{v}” not in {values:?}",
                                    at(),
                                    col.header
                                );
                            }
                            if col.key != "penalty_type" {
                                assert!(!v.contains('、'), "{}", at());
                            }
                        }
                        Kind::Text => {}
                    }
                    if col.key == "source_title" {
                        assert_eq!(v, &title);
                    }
                    if col.key == "source_grade" {
                        assert_eq!(v, "S");
                    }
                }
            }
        }
    }

    #[test]
    fn organizations_have_valid_codes_matching_type_and_region() {
        let (dir, _) = small();
        let orgs = Csv::read(dir.path(), "registry/organizations.csv");
        let mut types = BTreeMap::new();
        for r in orgs.cols(&[
            "统一社会信用代码",
            "社会组织类型",
            "地区代码",
            "登记管理机关",
            "社会组织名称",
            "登记状态",
        ]) {
            let (code, kind, region_code) = (r[0], r[1], r[2]);
            assert_eq!(uscc::validate(code).as_deref(), Ok(code));
            let prefix = match kind {
                "社会团体" => "51",
                "社会服务机构" => "52",
                "基金会" => "53",
                other => panic!("type {other}"),
            };
            assert_eq!(&code[..2], prefix, "{code} {kind}");
            let reg = uscc::region_of(code);
            if reg == region::NATIONAL_AUTHORITY {
                assert_eq!(region_code, region::NATION);
                assert_eq!(r[3], "中华人民共和国民政部");
            } else {
                let level = &region::check(reg).unwrap().level;
                assert!(["省级", "地级", "县级"].contains(&level.as_str()), "{code}");
                assert_eq!(region_code, reg);
                assert!(
                    r[3].ends_with("民政局") || r[3].ends_with("民政厅"),
                    "{}",
                    r[3]
                );
            }
            if kind == "基金会" {
                assert!(r[4].ends_with("基金会"), "{}", r[4]);
            }
            *types.entry(kind).or_insert(0) += 1;
        }
        assert_unique(
            "organization names",
            orgs.cols(&["社会组织名称"])
                .into_iter()
                .map(|r| r[0].to_string()),
        );
        assert_unique(
            "organizations",
            orgs.cols(&["统一社会信用代码"])
                .into_iter()
                .map(|r| r[0].to_string()),
        );
        // Roughly 37% social groups, 62% social service organizations.
        assert!((300..450).contains(&types["社会团体"]), "{types:?}");
        assert!((550..700).contains(&types["社会服务机构"]), "{types:?}");
        let active = orgs
            .cols(&["登记状态"])
            .iter()
            .filter(|r| r[0] == "正常")
            .count();
        assert!(active > 850 && active < 1000, "{active}");
    }

    #[test]
    fn registry_keys_are_unique_and_references_hold() {
        let (dir, _) = small();
        let read = |rel: &str| Csv::read(dir.path(), rel);
        let orgs = read("registry/organizations.csv");
        let founded: BTreeMap<String, String> = orgs
            .cols(&["统一社会信用代码", "成立登记日期"])
            .into_iter()
            .map(|r| (r[0].to_string(), r[1].to_string()))
            .collect();

        let inspections = read("registry/inspections.csv");
        assert_unique(
            "inspections",
            inspections
                .cols(&["统一社会信用代码", "年检年度"])
                .into_iter()
                .map(|r| r.join("|")),
        );
        for r in inspections.cols(&["统一社会信用代码", "年检年度"]) {
            assert!(
                r[1] > &founded[r[0]][..4],
                "inspected before founding: {r:?}"
            );
        }

        let evaluations = read("registry/evaluations.csv");
        assert_unique(
            "evaluations",
            evaluations
                .cols(&["统一社会信用代码", "有效期起"])
                .into_iter()
                .map(|r| r.join("|")),
        );
        for r in evaluations.cols(&["统一社会信用代码", "有效期起", "有效期至"]) {
            assert!(r[2] > r[1] && r[1] >= founded[r[0]].as_str(), "{r:?}");
        }

        let penalties = read("registry/penalties.csv");
        assert_unique(
            "penalties",
            penalties
                .cols(&["处罚决定书文号"])
                .into_iter()
                .map(|r| r[0].to_string()),
        );
        for r in penalties.cols(&[
            "统一社会信用代码",
            "处罚决定日期",
            "处罚种类",
            "罚款金额",
            "罚款金额单位",
            "处罚机关",
        ]) {
            assert!(
                r[1] >= founded[r[0]].as_str(),
                "penalty before founding: {r:?}"
            );
            if r[2].split('、').any(|t| t == "罚款") {
                assert!(!r[3].is_empty() && r[4] == "元", "{r:?}");
                assert!(fen(r[3], r[4]) > 0);
            }
            assert!(!r[5].is_empty());
        }

        let credit = read("registry/credit_listings.csv");
        assert_unique(
            "credit",
            credit
                .cols(&["统一社会信用代码", "名单类型", "列入日期"])
                .into_iter()
                .map(|r| r.join("|")),
        );
        for r in credit.cols(&["统一社会信用代码", "列入日期", "移出日期"]) {
            assert!(r[1] >= founded[r[0]].as_str());
            assert!(r[2].is_empty() || r[2] >= r[1], "{r:?}");
        }

        let filings = read("registry/charity_filings.csv");
        assert_unique(
            "filings",
            filings
                .cols(&["备案编号"])
                .into_iter()
                .map(|r| r[0].to_string()),
        );
        for r in filings.cols(&["统一社会信用代码", "起始日期", "截止日期"]) {
            assert!(founded.contains_key(r[0]));
            assert!(r[2].is_empty() || r[2] >= r[1], "{r:?}");
        }
        for (rel, col) in [
            ("registry/inspections.csv", "统一社会信用代码"),
            ("registry/evaluations.csv", "统一社会信用代码"),
            ("registry/penalties.csv", "统一社会信用代码"),
            ("registry/credit_listings.csv", "统一社会信用代码"),
        ] {
            for r in read(rel).cols(&[col]) {
                assert!(founded.contains_key(r[0]), "{rel}: unknown {}", r[0]);
            }
        }

        let illegal = read("registry/illegal_organizations.csv");
        assert_unique(
            "illegal",
            illegal
                .cols(&["名称", "批次"])
                .into_iter()
                .map(|r| r.join("|")),
        );
    }

    #[test]
    fn statistics_keys_are_unique_and_units_fit() {
        let (dir, _) = small();
        let relief = Csv::read(dir.path(), "relief/stats.csv");
        assert_unique(
            "relief",
            relief
                .cols(&["地区代码", "统计期", "期别类型", "救助项目", "指标", "分组"])
                .into_iter()
                .map(|r| r.join("|")),
        );
        for r in relief.cols(&["指标", "单位"]) {
            let ok: &[&str] = match r[0] {
                "户数" => &["户", "万户"],
                "人数" => &["人", "万人"],
                "人次" => &["人次", "万人次"],
                "平均标准" | "平均补助水平" => &["元/人·月", "元/人·年"],
                "资金支出" | "计划支出" => &["元", "万元", "亿元"],
                "机构数" => &["个"],
                other => panic!("indicator {other}"),
            };
            assert!(ok.contains(&r[1]), "{r:?}");
        }
        let budgets = Csv::read(dir.path(), "budgets/lines.csv");
        assert_unique(
            "budgets",
            budgets
                .cols(&[
                    "单位名称",
                    "地区代码",
                    "年度",
                    "阶段",
                    "表名",
                    "分类",
                    "科目编码",
                    "科目名称",
                ])
                .into_iter()
                .map(|r| r.join("|")),
        );
        let funds = Csv::read(dir.path(), "funds/lines.csv");
        assert_unique(
            "funds",
            funds
                .cols(&[
                    "资金名称",
                    "资金级次",
                    "预算年度",
                    "接收地区代码",
                    "接收单位",
                    "项目",
                    "上级项目",
                    "批次",
                ])
                .into_iter()
                .map(|r| r.join("|")),
        );
        let cells = Csv::read(dir.path(), "annual_reports/cells.csv");
        assert_unique(
            "reports",
            cells
                .cols(&["机关", "报告年度", "表", "行", "列"])
                .into_iter()
                .map(|r| r.join("|")),
        );
    }

    #[test]
    fn budget_subjects_add_up() {
        let (dir, _) = small();
        let budgets = Csv::read(dir.path(), "budgets/lines.csv");
        let mut tables: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
        for r in budgets.cols(&[
            "单位名称",
            "年度",
            "阶段",
            "表名",
            "科目编码",
            "金额",
            "单位",
        ]) {
            tables
                .entry(r[..4].join("|"))
                .or_default()
                .push((r[4].to_string(), fen(r[5], r[6])));
        }
        assert!(tables.len() > 20);
        for (key, lines) in &tables {
            let amount = |code: &str| lines.iter().find(|l| l.0 == code).map(|l| l.1);
            let total = amount("").unwrap();
            assert_eq!(
                total,
                lines
                    .iter()
                    .filter(|l| l.0.len() == 3)
                    .map(|l| l.1)
                    .sum::<i64>(),
                "{key}"
            );
            for (code, v) in lines.iter().filter(|l| l.0.len() == 3 || l.0.len() == 5) {
                let children: Vec<i64> = lines
                    .iter()
                    .filter(|l| l.0.len() == code.len() + 2 && l.0.starts_with(code.as_str()))
                    .map(|l| l.1)
                    .collect();
                if !children.is_empty() {
                    assert_eq!(*v, children.iter().sum::<i64>(), "{key} {code}");
                }
            }
            // Every 款 and 项 has its parent.
            for (code, _) in lines.iter().filter(|l| l.0.len() > 3) {
                assert!(
                    amount(&code[..code.len() - 2]).is_some(),
                    "{key}: {code} without parent"
                );
            }
        }
    }

    #[test]
    fn fund_children_do_not_exceed_parents() {
        let (dir, _) = small();
        let funds = Csv::read(dir.path(), "funds/lines.csv");
        let mut by_fund: BTreeMap<String, Vec<Vec<&str>>> = BTreeMap::new();
        for r in funds.cols(&[
            "资金名称",
            "资金级次",
            "预算年度",
            "资金总额",
            "项目",
            "上级项目",
            "金额",
            "单位",
        ]) {
            by_fund.entry(r[..3].join("|")).or_default().push(r);
        }
        assert!(by_fund.len() >= 5, "{}", by_fund.len());
        let levels: BTreeSet<&str> = by_fund.values().map(|l| l[0][1]).collect();
        assert_eq!(levels.len(), 4, "{levels:?}");
        for (fund, lines) in &by_fund {
            let parents: BTreeSet<&str> = lines
                .iter()
                .map(|l| l[5])
                .filter(|p| !p.is_empty())
                .collect();
            for p in parents {
                let children: i64 = lines
                    .iter()
                    .filter(|l| l[5] == p)
                    .map(|l| fen(l[6], l[7]))
                    .sum();
                let parent: i64 = lines
                    .iter()
                    .filter(|l| l[4] == p && l[5] != p)
                    .map(|l| fen(l[6], l[7]))
                    .sum();
                assert!(parent > 0, "{fund}: parent {p} missing");
                assert!(
                    children <= parent,
                    "{fund}: {p} children {children} > {parent}"
                );
            }
            let top: i64 = lines
                .iter()
                .filter(|l| l[5].is_empty())
                .map(|l| fen(l[6], l[7]))
                .sum();
            for l in lines {
                assert!(
                    top <= fen(l[3], l[7]),
                    "{fund}: top-level lines exceed the total"
                );
            }
        }
    }

    #[test]
    fn report_labels_and_sums_hold() {
        let (dir, _) = small();
        let format = report_format().unwrap();
        let cells = Csv::read(dir.path(), "annual_reports/cells.csv");
        // (agency, year, table) → row → column → value
        let mut reports: BTreeMap<String, BTreeMap<String, BTreeMap<String, i64>>> =
            BTreeMap::new();
        for r in cells.cols(&["机关", "报告年度", "表", "行", "列", "数值", "单位"]) {
            let fr = format
                .iter()
                .find(|f| f.table == r[2] && f.row == r[3])
                .unwrap_or_else(|| panic!("row {r:?}"));
            assert!(fr.columns.iter().any(|c| c == r[4]), "column {r:?}");
            let v = normalize::figure(r[5], r[6], None).unwrap().value;
            reports
                .entry(r[..3].join("|"))
                .or_default()
                .entry(r[3].to_string())
                .or_default()
                .insert(r[4].to_string(), v);
        }
        let t3: Vec<&FormatRow> = format.iter().filter(|f| f.table == "表三").collect();
        let mut checked = 0;
        for (key, rows) in &reports {
            let table = key.rsplit('|').next().unwrap();
            let expected: Vec<&FormatRow> = format.iter().filter(|f| f.table == table).collect();
            assert_eq!(rows.len(), expected.len(), "{key}");
            if table == "表三" || table == "表四" {
                for (row, cols) in rows {
                    let total = cols["总计"];
                    let parts: i64 = cols
                        .iter()
                        .filter(|(c, _)| c.as_str() != "总计")
                        .map(|(_, v)| v)
                        .sum();
                    assert_eq!(total, parts, "{key} {row}");
                }
            }
            if table == "表三" {
                for c in &t3[0].columns {
                    let sum: i64 = t3[2..23].iter().map(|f| rows[&f.row][c]).sum();
                    assert_eq!(rows["（七）总计"][c], sum, "{key} {c}");
                    let v = |i: usize| rows[&t3[i].row][c];
                    assert_eq!(
                        v(0) + v(1),
                        v(23) + v(24),
                        "{key} {c}: new + carried in ≠ total + carried out"
                    );
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 3 * 4);
    }
}
