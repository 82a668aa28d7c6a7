use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sources")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// SHA-256 (hex, first 32 characters) over the source's fields: the same source imported
    /// twice is stored once.
    #[sea_orm(unique)]
    pub fingerprint: String,
    pub title: String,
    pub url: Option<String>,
    pub publisher_date: Option<String>,
    pub document_number: Option<String>,
    /// A, B, C (see the data README) or S (synthetic).
    pub grade: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
