//! Normalisation of what real tables contain: full-width characters, thousands separators,
//! units (元/万元/亿元, 人/万人/万户, rates such as 元/人·月), dates and periods.
//!
//! Every function here is exact: numbers are parsed as decimals into integers, never floats.
//! A figure that does not convert to a whole number of its base unit is refused, not rounded.

use chrono::NaiveDate;

/// Fold full-width ASCII (digits, letters, punctuation) and the ideographic space to ASCII,
/// and trim. `２０１７年６月` → `2017年6月`, `１，２３４．５` → `1,234.5`.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' | '\u{00A0}' => ' ',
            '\u{2212}' => '-',
            c => c,
        };
        out.push(c);
    }
    out.trim().to_string()
}

/// An exact decimal: `mantissa × 10^-scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    pub mantissa: i128,
    pub scale: u32,
}

impl Decimal {
    /// Multiply by an integer factor and return the result if it is a whole number.
    pub fn times_exact(self, factor: i128) -> Option<i64> {
        let p = self.mantissa.checked_mul(factor)?;
        let d = 10i128.checked_pow(self.scale)?;
        if p % d != 0 {
            return None;
        }
        i64::try_from(p / d).ok()
    }
}

/// Parse a decimal as written in tables: optional sign, thousands separators (`,` `，` `'` or
/// spaces between digit groups), a decimal point. Full-width input is folded first.
pub fn parse_decimal(s: &str) -> Result<Decimal, String> {
    let f = fold(s);
    if f.is_empty() {
        return Err("空值".into());
    }
    let (neg, body) = match f.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, f.strip_prefix('+').unwrap_or(&f)),
    };
    let (int_part, frac_part) = match body.split_once('.') {
        Some((a, b)) => (a, b),
        None => (body, ""),
    };
    // Thousands separators: only between groups of exactly three digits.
    let groups: Vec<&str> = int_part.split([',', '，', '\'', ' ']).collect();
    if groups.len() > 1 {
        let ok = !groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3);
        if !ok {
            return Err(format!("“{s}”的千分位分隔不正确"));
        }
    }
    let digits: String = groups.concat();
    if digits.is_empty() && frac_part.is_empty() {
        return Err(format!("“{s}”不是数字"));
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(format!("“{s}”不是数字"));
    }
    if digits.len() + frac_part.len() > 30 {
        return Err(format!("“{s}”位数过多"));
    }
    let all = format!("{digits}{frac_part}");
    let mut mantissa: i128 = all.parse().map_err(|_| format!("“{s}”不是数字"))?;
    if neg {
        mantissa = -mantissa;
    }
    Ok(Decimal {
        mantissa,
        scale: frac_part.len() as u32,
    })
}

/// What a unit measures, with its base unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Money, base unit 分 (fen).
    Money,
    Persons,
    Households,
    PersonTimes,
    /// Counts of organizations, cases, items, documents…; the base unit is the counted thing.
    Count(&'static str),
    /// Money per person per month, in fen.
    PerPersonMonth,
    /// Money per person per year, in fen.
    PerPersonYear,
    /// Money per person-time, in fen.
    PerPersonTime,
    /// Money per person, in fen.
    PerPerson,
    /// A percentage, base unit 0.01%.
    Percent,
}

impl Measure {
    /// The base unit the normalised integer is expressed in.
    pub fn base_unit(self) -> &'static str {
        match self {
            Measure::Money => "分",
            Measure::Persons => "人",
            Measure::Households => "户",
            Measure::PersonTimes => "人次",
            Measure::Count(u) => u,
            Measure::PerPersonMonth => "分/人·月",
            Measure::PerPersonYear => "分/人·年",
            Measure::PerPersonTime => "分/人次",
            Measure::PerPerson => "分/人",
            Measure::Percent => "0.01%",
        }
    }

    pub fn is_money(self) -> bool {
        matches!(self, Measure::Money)
    }

    pub fn is_rate(self) -> bool {
        matches!(
            self,
            Measure::PerPersonMonth
                | Measure::PerPersonYear
                | Measure::PerPersonTime
                | Measure::PerPerson
        )
    }
}

/// A recognised unit: what it measures and the factor to its base unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    pub measure: Measure,
    pub factor: i128,
}

const COUNT_UNITS: &[&str] = &[
    "个", "家", "起", "件", "条", "场", "单", "批次", "项", "所", "张", "次",
];

/// Recognise a unit as written (`万元`, `万人`, `元/人·月`, `元／人/月`, `million persons`, `%`).
pub fn unit(s: &str) -> Option<Unit> {
    let f = fold(s);
    let u: String = f
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '・' | '.' | '•' | '∙' | '·' => '·',
            c => c,
        })
        .collect();
    let u = u.trim_start_matches('(').trim_end_matches(')').to_string();
    let lower = f.to_ascii_lowercase();
    let (measure, factor) = match u.as_str() {
        "分" => (Measure::Money, 1),
        "元" => (Measure::Money, 100),
        "千元" => (Measure::Money, 100_000),
        "万元" => (Measure::Money, 1_000_000),
        "亿元" => (Measure::Money, 10_000_000_000),
        "人" => (Measure::Persons, 1),
        "万人" => (Measure::Persons, 10_000),
        "户" => (Measure::Households, 1),
        "万户" => (Measure::Households, 10_000),
        "人次" => (Measure::PersonTimes, 1),
        "万人次" => (Measure::PersonTimes, 10_000),
        "%" => (Measure::Percent, 100),
        "元/人·月" | "元/人/月" | "元/月·人" => (Measure::PerPersonMonth, 100),
        "元/人·年" | "元/人/年" | "元/年·人" => (Measure::PerPersonYear, 100),
        "元/人次" | "元/人·次" => (Measure::PerPersonTime, 100),
        "元/人" => (Measure::PerPerson, 100),
        _ => {
            if let Some(c) = COUNT_UNITS.iter().find(|c| **c == u) {
                (Measure::Count(c), 1)
            } else if let Some(rest) = u.strip_prefix('万')
                && let Some(c) = COUNT_UNITS.iter().find(|c| **c == rest)
            {
                (Measure::Count(c), 10_000)
            } else {
                match lower.trim() {
                    "persons" | "people" => (Measure::Persons, 1),
                    "million persons" | "million people" => (Measure::Persons, 1_000_000),
                    "households" => (Measure::Households, 1),
                    "million households" => (Measure::Households, 1_000_000),
                    "person-times" => (Measure::PersonTimes, 1),
                    "million person-times" => (Measure::PersonTimes, 1_000_000),
                    "yuan" => (Measure::Money, 100),
                    _ => return None,
                }
            }
        }
    };
    Some(Unit { measure, factor })
}

/// Split a cell like `22.22万人` or `24,526.62 万元` into its number and unit text.
pub fn split_number_unit(s: &str) -> (String, String) {
    let f = fold(s);
    let end = f
        .char_indices()
        .find(|(i, c)| {
            !(c.is_ascii_digit()
                || matches!(c, '.' | ',' | '，' | '\'' | '-' | '+' | ' ')
                || (*i == 0 && *c == '-'))
        })
        .map(|(i, _)| i)
        .unwrap_or(f.len());
    (f[..end].trim().to_string(), f[end..].trim().to_string())
}

/// A figure normalised to an integer in its base unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    pub value: i64,
    pub measure: Measure,
    /// The number as published (`22.22`).
    pub number_published: String,
    /// The unit as published (`万人`).
    pub unit_published: String,
}

/// Normalise a value cell and an optional unit cell. The unit may be written in the value cell
/// (`22.22万人`), in the unit cell, or in both (then they must agree); `default_unit` applies when
/// neither gives one.
pub fn figure(value: &str, unit_cell: &str, default_unit: Option<&str>) -> Result<Figure, String> {
    let (number, inline_unit) = split_number_unit(value);
    let unit_cell = fold(unit_cell);
    let unit_text = match (inline_unit.is_empty(), unit_cell.is_empty()) {
        (false, false) => {
            if unit(&inline_unit) != unit(&unit_cell) {
                return Err(format!(
                    "数值中的单位“{inline_unit}”与单位列“{unit_cell}”不一致"
                ));
            }
            inline_unit
        }
        (false, true) => inline_unit,
        (true, false) => unit_cell,
        (true, true) => match default_unit {
            Some(d) => d.to_string(),
            None => return Err("缺少单位".into()),
        },
    };
    let u = unit(&unit_text).ok_or_else(|| format!("无法识别的单位“{unit_text}”"))?;
    let d = parse_decimal(&number)?;
    let v = d.times_exact(u.factor).ok_or_else(|| {
        format!(
            "“{number}{unit_text}”换算为{}不是整数（不得四舍五入）",
            u.measure.base_unit()
        )
    })?;
    Ok(Figure {
        value: v,
        measure: u.measure,
        number_published: number,
        unit_published: unit_text,
    })
}

/// Format fen as exact yuan: `2452662000000` → `"24526620000.00"`.
pub fn fen_to_yuan(fen: impl Into<i128>) -> String {
    let fen: i128 = fen.into();
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// Parse a date as departments write it: `2017-06-19`, `2017/6/19`, `2017.6.19`, `2017年6月19日`,
/// `20170619`, or an ISO date-time (time dropped). Returns `YYYY-MM-DD`.
pub fn date(s: &str) -> Result<String, String> {
    let f = fold(s);
    let bad = || format!("“{s}”不是有效日期（应为 2017-06-19、2017/6/19 或 2017年6月19日）");
    let core = f.split(['T', ' ']).next().unwrap_or("");
    let parts: Vec<&str> = if core.contains('年') {
        core.trim_end_matches('日').split(['年', '月']).collect()
    } else if core.len() == 8 && core.bytes().all(|b| b.is_ascii_digit()) {
        vec![&core[0..4], &core[4..6], &core[6..8]]
    } else {
        core.split(['-', '/', '.']).collect()
    };
    if parts.len() != 3 {
        return Err(bad());
    }
    let y: i32 = parts[0].trim().parse().map_err(|_| bad())?;
    let m: u32 = parts[1].trim().parse().map_err(|_| bad())?;
    let d: u32 = parts[2].trim().parse().map_err(|_| bad())?;
    if !(1949..=2100).contains(&y) {
        return Err(format!("“{s}”的年份不在1949至2100之间"));
    }
    let nd = NaiveDate::from_ymd_opt(y, m, d).ok_or_else(bad)?;
    Ok(nd.format("%Y-%m-%d").to_string())
}

/// Parse a year: `2017`, `2017年`, `2017年度`.
pub fn year(s: &str) -> Result<i32, String> {
    let f = fold(s);
    let t = f.trim_end_matches('度').trim_end_matches('年');
    let y: i32 = t.parse().map_err(|_| format!("“{s}”不是年份"))?;
    if !(1949..=2100).contains(&y) || t.len() != 4 {
        return Err(format!("“{s}”不是1949至2100之间的四位年份"));
    }
    Ok(y)
}

const QUARTERS: &[(&str, u32)] = &[
    ("一", 1),
    ("二", 2),
    ("三", 3),
    ("四", 4),
    ("1", 1),
    ("2", 2),
    ("3", 3),
    ("4", 4),
];

fn single_period(s: &str) -> Result<String, String> {
    let bad =
        || format!("“{s}”不是有效的统计期（应为 2017、2017-Q2、2017-H1、2017-06 或 2018-02-28）");
    let f = s.trim();
    if let Ok(y) = year(f) {
        return Ok(y.to_string());
    }
    // 2017-Q2, 2017Q2, 2017年第二季度
    let upper = f.to_ascii_uppercase();
    if let Some((y, q)) = upper.split_once("-Q").or_else(|| upper.split_once('Q')) {
        let y = year(y).map_err(|_| bad())?;
        let q: u32 = q.parse().map_err(|_| bad())?;
        if (1..=4).contains(&q) {
            return Ok(format!("{y}-Q{q}"));
        }
        return Err(bad());
    }
    if let Some((y, h)) = upper.split_once("-H") {
        let y = year(y).map_err(|_| bad())?;
        return match h {
            "1" | "2" => Ok(format!("{y}-H{h}")),
            _ => Err(bad()),
        };
    }
    if let Some((y, rest)) = f.split_once('年') {
        let y = year(y).map_err(|_| bad())?;
        if let Some(q) = rest.strip_prefix('第').and_then(|r| r.strip_suffix("季度")) {
            let q = QUARTERS
                .iter()
                .find(|(n, _)| *n == q)
                .map(|(_, v)| *v)
                .ok_or_else(bad)?;
            return Ok(format!("{y}-Q{q}"));
        }
        match rest {
            "上半年" => return Ok(format!("{y}-H1")),
            "下半年" => return Ok(format!("{y}-H2")),
            _ => {}
        }
        if let Some(m) = rest
            .strip_suffix('月')
            .or_else(|| rest.strip_suffix("月份"))
        {
            let m: u32 = m.parse().map_err(|_| bad())?;
            if (1..=12).contains(&m) {
                return Ok(format!("{y}-{m:02}"));
            }
            return Err(bad());
        }
        return date(f).map_err(|_| bad());
    }
    let parts: Vec<&str> = f.split(['-', '/', '.']).collect();
    if parts.len() == 2 {
        let y = year(parts[0]).map_err(|_| bad())?;
        let m: u32 = parts[1].parse().map_err(|_| bad())?;
        if (1..=12).contains(&m) {
            return Ok(format!("{y}-{m:02}"));
        }
        return Err(bad());
    }
    date(f).map_err(|_| bad())
}

/// Parse a period: a year, quarter, half year, month, day, or a range `A/B` (also `A至B`, `A—B`
/// between two such periods) whose start does not come after its end.
pub fn period(s: &str) -> Result<String, String> {
    let f = fold(s);
    if f.is_empty() {
        return Err("空值".into());
    }
    let sep = ["/", "至", "—", "～", "~"].iter().find(|sep| {
        f.contains(**sep)
            && f.split(**sep).count() == 2
            && !f.split(**sep).any(|p| p.trim().is_empty())
    });
    // `2017/6/19` is a date, not a range.
    let is_range = match sep {
        Some(&"/") => f.split('/').all(|p| p.len() >= 4),
        Some(_) => true,
        None => false,
    };
    if let (true, Some(sep)) = (is_range, sep) {
        let (a, b) = f.split_once(*sep).unwrap_or((&f, ""));
        let (a, b) = (single_period(a)?, single_period(b)?);
        if a > b {
            return Err(format!("统计期“{s}”的起点晚于终点"));
        }
        return Ok(format!("{a}/{b}"));
    }
    // `2021-2025` as a range of years.
    if let Some((a, b)) = f.split_once('-')
        && a.len() == 4
        && b.len() == 4
        && let (Ok(a), Ok(b)) = (year(a), year(b))
    {
        if a > b {
            return Err(format!("统计期“{s}”的起点晚于终点"));
        }
        return Ok(format!("{a}/{b}"));
    }
    single_period(&f)
}

/// The first year a period covers (`2019-01/2019-05` → 2019).
pub fn period_year(p: &str) -> Option<i32> {
    p.get(..4)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fig(v: &str, u: &str) -> (i64, &'static str) {
        let f = figure(v, u, None).unwrap();
        (f.value, f.measure.base_unit())
    }

    #[test]
    fn full_width_and_separators() {
        assert_eq!(fold("２０１７年６月１９日"), "2017年6月19日");
        assert_eq!(
            parse_decimal("１，２３４．５"),
            Ok(Decimal {
                mantissa: 12345,
                scale: 1
            })
        );
        assert_eq!(
            parse_decimal("24,526.62"),
            Ok(Decimal {
                mantissa: 2452662,
                scale: 2
            })
        );
        assert_eq!(
            parse_decimal("-3.00"),
            Ok(Decimal {
                mantissa: -300,
                scale: 2
            })
        );
        assert!(parse_decimal("1,23,456").is_err());
        assert!(parse_decimal("12a").is_err());
        assert!(parse_decimal("").is_err());
    }

    #[test]
    fn units_to_base() {
        assert_eq!(fig("22.22", "万人"), (222_200, "人"));
        assert_eq!(fig("22.22万人", ""), (222_200, "人"));
        assert_eq!(fig("15.14", "万户"), (151_400, "户"));
        assert_eq!(fig("24526.62", "万元"), (24_526_620_000, "分"));
        assert_eq!(fig("719.3", "亿元"), (7_193_000_000_000, "分"));
        assert_eq!(fig("１２３４．５６", "元"), (123_456, "分"));
        assert_eq!(fig("451.1", "元/人·月"), (45_110, "分/人·月"));
        assert_eq!(fig("12.14", "million persons"), (12_140_000, "人"));
        assert_eq!(fig("49.9", "万个"), (499_000, "个"));
        assert_eq!(fig("82.2", "%"), (8_220, "0.01%"));
        assert_eq!(fig("3", "万元"), (3_000_000, "分"));
    }

    #[test]
    fn inexact_and_conflicting_units_are_refused() {
        assert!(
            figure("1.234", "元", None)
                .unwrap_err()
                .contains("不是整数")
        );
        assert!(
            figure("1.23456", "万人", None)
                .unwrap_err()
                .contains("不是整数")
        );
        assert!(
            figure("22.22万人", "万户", None)
                .unwrap_err()
                .contains("不一致")
        );
        assert!(figure("5", "斤", None).unwrap_err().contains("无法识别"));
        assert!(figure("5", "", None).unwrap_err().contains("缺少单位"));
        assert_eq!(figure("5", "", Some("元")).map(|f| f.value), Ok(500));
    }

    #[test]
    fn yuan_formatting_is_exact() {
        assert_eq!(fen_to_yuan(24_526_620_000i64), "245266200.00");
        assert_eq!(fen_to_yuan(-5), "-0.05");
        assert_eq!(fen_to_yuan(i64::MAX), "92233720368547758.07");
    }

    #[test]
    fn dates() {
        for s in [
            "2017-06-19",
            "2017/6/19",
            "2017年6月19日",
            "２０１７年６月１９日",
            "2017.6.19",
            "20170619",
            "2017-06-19T00:00:00",
        ] {
            assert_eq!(date(s).as_deref(), Ok("2017-06-19"), "{s}");
        }
        assert!(date("2017-02-30").is_err());
        assert!(date("19/06/2017").is_err());
        assert!(date("明天").is_err());
    }

    #[test]
    fn periods() {
        assert_eq!(period("2017").as_deref(), Ok("2017"));
        assert_eq!(period("2017年").as_deref(), Ok("2017"));
        assert_eq!(period("2017-Q2").as_deref(), Ok("2017-Q2"));
        assert_eq!(period("2017年第二季度").as_deref(), Ok("2017-Q2"));
        assert_eq!(period("2024-H1").as_deref(), Ok("2024-H1"));
        assert_eq!(period("2018-02").as_deref(), Ok("2018-02"));
        assert_eq!(period("2018年2月").as_deref(), Ok("2018-02"));
        assert_eq!(period("2018-02-28").as_deref(), Ok("2018-02-28"));
        assert_eq!(period("2017/6/19").as_deref(), Ok("2017-06-19"));
        assert_eq!(period("2019-01/2019-05").as_deref(), Ok("2019-01/2019-05"));
        assert_eq!(period("2021-2025").as_deref(), Ok("2021/2025"));
        assert!(period("2019-05/2019-01").is_err());
        assert!(period("2017-Q5").is_err());
        assert!(period("2017-13").is_err());
    }
}
