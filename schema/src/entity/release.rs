use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "releases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub dataset: String,
    pub version: i32,
    /// draft, submitted, reviewed, published, superseded or withdrawn (see `crate::workflow`).
    pub state: String,
    pub synthetic: bool,
    /// JSON array of the imported files: name, table, rows, sha256.
    pub files: String,
    pub row_count: i64,
    /// JSON object: rows per table.
    pub row_counts: String,
    pub created_at: String,
    pub published_at: Option<String>,
    pub note: Option<String>,
    /// Who uploaded it (a token's name, or `cli` / `system`).
    pub created_by: Option<String>,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub published_by: Option<String>,
    /// The comment it was last sent back with.
    pub review_comment: Option<String>,
    pub withdrawn_at: Option<String>,
    pub withdrawn_by: Option<String>,
    /// Public: why it was withdrawn.
    pub withdrawn_reason: Option<String>,
    pub superseded_at: Option<String>,
    /// The release that superseded it.
    pub superseded_by: Option<i64>,
    /// The published release its diff is against.
    pub base_release_id: Option<i64>,
    /// When its figures were produced (形成日期), for timeliness.
    pub produced_at: Option<String>,
    /// JSON: the counts of what it changed against `base_release_id` (see `crate::workflow::Diff`).
    pub diff: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
