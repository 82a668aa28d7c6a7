use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "datasets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub slug: String,
    pub title_zh: String,
    pub title_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub theme: String,
    pub publisher: String,
    pub index_number: String,
    pub document_number: Option<String>,
    pub issued_on: Option<String>,
    pub validity: String,
    pub superseded_by: Option<String>,
    pub update_frequency: String,
    pub temporal_coverage: Option<String>,
    pub spatial_coverage: Option<String>,
    pub licence: String,
    pub contact: String,
    /// JSON array of keywords.
    pub keywords: String,
    pub synthetic: bool,
    pub current_release_id: Option<i64>,
    pub updated_at: String,
}

impl ActiveModelBehavior for ActiveModel {}
