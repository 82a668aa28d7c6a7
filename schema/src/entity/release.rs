use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "releases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub dataset: String,
    pub version: i32,
    /// draft, published or superseded (the review states come with the publishing workflow).
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
}

impl ActiveModelBehavior for ActiveModel {}
