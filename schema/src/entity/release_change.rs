use sea_orm::entity::prelude::*;

/// One record a release added, removed or changed against the release it follows.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "release_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub release_id: i64,
    pub table_name: String,
    /// added, removed or changed.
    pub change: String,
    /// The record's key, as `column=value` pairs joined by `; `.
    pub record_key: String,
    /// JSON array of the changed fields: `{"field", "old", "new"}` (empty unless changed).
    pub fields: String,
}

impl ActiveModelBehavior for ActiveModel {}
