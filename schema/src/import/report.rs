//! What an import reports: every problem at once, each with file, row, column, value and reason.

use std::fmt;

use serde::Serialize;

/// One problem found in an import file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub file: String,
    /// 1-based row as Excel and WPS number it; None for a problem with the whole file.
    pub row: Option<u64>,
    /// The column header as written in the file.
    pub column: Option<String>,
    /// The cell as written.
    pub value: Option<String>,
    /// Stable machine code, e.g. `invalid_uscc`, `duplicate_key`.
    pub code: &'static str,
    /// Plain words: what is wrong and what is expected.
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(r) = self.row {
            write!(f, " 第{r}行")?;
        }
        if let Some(c) = &self.column {
            write!(f, " 「{c}」列")?;
        }
        if let Some(v) = &self.value {
            write!(f, " 值“{v}”")?;
        }
        write!(f, "：{} [{}]", self.message, self.code)
    }
}

/// A successful import.
#[derive(Debug, Clone, Serialize)]
pub struct ImportSummary {
    pub dataset: String,
    pub release_id: i64,
    pub version: i32,
    pub synthetic: bool,
    /// Rows stored per table (`registry.organizations` …).
    pub rows: Vec<(String, u64)>,
    pub sources: usize,
    pub warnings: Vec<String>,
    /// What the draft changes against the published release.
    pub diff: crate::workflow::diff::Diff,
}

impl ImportSummary {
    pub fn total_rows(&self) -> u64 {
        self.rows.iter().map(|(_, n)| n).sum()
    }
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The files have errors; `issues` holds the first `MAX_ISSUES`, `total` counts them all.
    #[error("{total} 处错误，未写入任何数据")]
    Invalid {
        issues: Vec<Issue>,
        total: usize,
        warnings: Vec<String>,
    },
    /// The request itself is wrong (unknown dataset, mixing synthetic and real data, …).
    #[error("{0}")]
    Refused(String),
    #[error("数据库错误：{0}")]
    Db(#[from] sea_orm::DbErr),
}

/// How many issues an import keeps in full (all are counted).
pub const MAX_ISSUES: usize = 10_000;
