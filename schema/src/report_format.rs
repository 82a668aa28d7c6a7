//! The row and column structure of 表二, 表三 and 表四 of the 2021 format of the government
//! information disclosure annual report (国办公开办函〔2021〕30号), compiled in from
//! `data/reference/gov_info_annual_report_format_2021.csv`.

use std::sync::OnceLock;

const CSV: &str = include_str!("../../data/reference/gov_info_annual_report_format_2021.csv");

/// (table, row order, row label, columns)
type FormatRow = (String, usize, String, Vec<String>);

fn all() -> &'static [FormatRow] {
    static ROWS: OnceLock<Vec<FormatRow>> = OnceLock::new();
    ROWS.get_or_init(|| {
        let mut rdr = csv::Reader::from_reader(CSV.as_bytes());
        rdr.records()
            .filter_map(Result::ok)
            .filter_map(|r| {
                let table = r.get(0)?.split_whitespace().next()?.to_string();
                let order = r.get(2)?.parse().ok()?;
                let label = r.get(3)?.to_string();
                let cols = r.get(4)?.split('|').map(str::to_string).collect();
                Some((table, order, label, cols))
            })
            .collect()
    })
}

/// The rows of one table (`表二`, `表三`, `表四`): (order, label, columns).
pub fn rows(table: &str) -> Vec<(usize, String, Vec<String>)> {
    all()
        .iter()
        .filter(|(t, ..)| t == table)
        .map(|(_, o, l, c)| (*o, l.clone(), c.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn format_is_loaded() {
        assert_eq!(super::rows("表二").len(), 6);
        assert_eq!(super::rows("表三").len(), 25);
        assert_eq!(super::rows("表四").len(), 3);
        assert_eq!(super::rows("表三")[0].2.len(), 7);
        assert_eq!(
            super::rows("表四")[0].2.last().map(String::as_str),
            Some("总计")
        );
    }
}
