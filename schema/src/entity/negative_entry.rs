use sea_orm::entity::prelude::*;

/// One entry of the negative list (负面清单): a whole dataset (`table_name` and `field` empty)
/// or one field of one table.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "negative_list")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub dataset: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub table_name: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub field: String,
    pub reason: String,
    pub added_at: String,
    pub added_by: String,
}

impl ActiveModelBehavior for ActiveModel {}
