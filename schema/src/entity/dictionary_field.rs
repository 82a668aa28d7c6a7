use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dictionary_fields")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub dataset: String,
    pub table_name: String,
    pub position: i32,
    pub key: String,
    pub header: String,
    pub kind: String,
    pub base_unit: Option<String>,
    pub required: bool,
    /// JSON array of the allowed values of an enumerated field.
    pub allowed_values: Option<String>,
    pub description_zh: String,
    pub description_en: String,
}

impl ActiveModelBehavior for ActiveModel {}
