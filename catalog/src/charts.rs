//! Charts as inline SVG, drawn at build time from the query layer's exact totals: bars for
//! totals by category, lines for series over time. Coordinates are whole numbers computed with
//! integer arithmetic (no floats touch a figure); every chart has a title, a description and the
//! table of its figures beside it, so it reads without sight and without the picture.

use std::fmt::Write;

use serde::Serialize;

use crate::site::escape as esc;

/// One figure of a chart: its label and its exact value in the chart's unit.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub label: String,
    pub value: i128,
    /// The value as people read it (`1,234.56`), in the chart's display unit.
    pub display: String,
}

/// A series of a line chart: a name and one value per x label (None: no figure).
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<i128>>,
    pub displays: Vec<String>,
}

/// A chart ready for a template: the SVG markup and the figures behind it.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    pub id: String,
    pub title: String,
    pub unit: String,
    pub svg: String,
    /// Column headings of the figures table (the first is the category or period).
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Where the figures come from, e.g. "relief-stats: region_code=000000, indicator=人数".
    pub note: String,
}

const PALETTE: [&str; 6] = [
    "#1f5fa8", "#b3261e", "#2e7d32", "#6a3fa0", "#8a5a00", "#00695c",
];

/// `v * len / max`, rounded down, for v in 0..=max (0 when max is 0).
fn scale(v: i128, max: i128, len: i128) -> i128 {
    if max <= 0 || v <= 0 {
        0
    } else {
        v.min(max) * len / max
    }
}

/// A horizontal bar chart (one bar per point, in the given order).
pub fn bars(id: &str, title: &str, desc: &str, points: &[Point]) -> String {
    let label_w = 260i128;
    let bar_w = 420i128;
    let row_h = 28i128;
    let width = label_w + bar_w + 150;
    let height = row_h * points.len() as i128 + 16;
    let max = points.iter().map(|p| p.value).max().unwrap_or(0);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{id}-t {id}-d"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(desc)
    );
    for (i, p) in points.iter().enumerate() {
        let y = 8 + row_h * i as i128;
        let w = scale(p.value, max, bar_w).max(if p.value > 0 { 1 } else { 0 });
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text><rect x="{label_w}" y="{}" width="{w}" height="{}" fill="{}"/><text x="{}" y="{}" class="chart-value">{}</text>"#,
            label_w - 8,
            y + 18,
            esc(&truncate(&p.label, 18)),
            y + 4,
            row_h - 8,
            PALETTE[0],
            label_w + w + 6,
            y + 18,
            esc(&p.display),
        );
    }
    s.push_str("</svg>");
    s
}

/// A line chart of several series over the same x labels.
pub fn lines(id: &str, title: &str, desc: &str, xs: &[String], series: &[Series]) -> String {
    let left = 90i128;
    let plot_w = 600i128;
    let plot_h = 260i128;
    let top = 16i128;
    let legend_h = 24 * series.len() as i128;
    let width = left + plot_w + 40;
    let height = top + plot_h + 40 + legend_h;
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied())
        .max()
        .unwrap_or(0);
    let n = xs.len() as i128;
    let x_at = |i: usize| {
        if n <= 1 {
            left + plot_w / 2
        } else {
            left + plot_w * i as i128 / (n - 1)
        }
    };
    let y_at = |v: i128| top + plot_h - scale(v, max, plot_h);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{id}-t {id}-d"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(desc)
    );
    let _ = write!(
        s,
        r##"<line x1="{left}" y1="{}" x2="{}" y2="{}" stroke="#444"/><line x1="{left}" y1="{top}" x2="{left}" y2="{}" stroke="#444"/>"##,
        top + plot_h,
        left + plot_w,
        top + plot_h,
        top + plot_h
    );
    // x labels: at most 12, evenly spaced.
    let step = xs.len().div_ceil(12).max(1);
    for (i, x) in xs.iter().enumerate() {
        if i.is_multiple_of(step) || i + 1 == xs.len() {
            let _ = write!(
                s,
                r#"<text x="{}" y="{}" text-anchor="middle" class="chart-label">{}</text>"#,
                x_at(i),
                top + plot_h + 20,
                esc(x)
            );
        }
    }
    for (k, se) in series.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        let mut d = String::new();
        let mut pen_up = true;
        for (i, v) in se.values.iter().enumerate() {
            match v {
                Some(v) => {
                    let _ = write!(
                        d,
                        "{}{} {}",
                        if pen_up { "M" } else { " L" },
                        x_at(i),
                        y_at(*v)
                    );
                    pen_up = false;
                }
                None => pen_up = true,
            }
        }
        let _ = write!(
            s,
            r#"<path d="{d}" fill="none" stroke="{color}" stroke-width="3"/>"#
        );
        for (i, v) in se.values.iter().enumerate() {
            if let Some(v) = v {
                let _ = write!(
                    s,
                    r#"<circle cx="{}" cy="{}" r="4" fill="{color}"/>"#,
                    x_at(i),
                    y_at(*v)
                );
            }
        }
        let ly = top + plot_h + 40 + 24 * k as i128;
        let _ = write!(
            s,
            r#"<rect x="{left}" y="{}" width="16" height="16" fill="{color}"/><text x="{}" y="{}" class="chart-label">{}</text>"#,
            ly - 12,
            left + 24,
            ly + 1,
            esc(&se.name)
        );
    }
    s.push_str("</svg>");
    s
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// Digits grouped by thousands: `1234567` → `1,234,567`.
pub fn group_digits(v: i128) -> String {
    let neg = v < 0;
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if neg { format!("-{out}") } else { out }
}

/// Fen as yuan with thousands separators: `123456` → `1,234.56`.
pub fn yuan(fen: i128) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", group_digits((a / 100) as i128), a % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_exact() {
        assert_eq!(group_digits(1234567), "1,234,567");
        assert_eq!(group_digits(-12), "-12");
        assert_eq!(yuan(123456), "1,234.56");
        assert_eq!(yuan(-5), "-0.05");
        assert_eq!(scale(5, 10, 100), 50);
        assert_eq!(scale(0, 0, 100), 0);
    }

    #[test]
    fn svg_names_itself() {
        let p = vec![Point {
            label: "a<b".into(),
            value: 10,
            display: "10".into(),
        }];
        let s = bars("c1", "T&", "D", &p);
        assert!(s.contains("role=\"img\""));
        assert!(s.contains("a&lt;b"));
        assert!(s.contains("<title id=\"c1-t\">T&amp;</title>"));
    }
}
