use sea_orm::entity::prelude::*;

/// A correction (内容纠错) reported by the public.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "corrections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub dataset: String,
    pub record: Option<String>,
    pub message: String,
    /// Private: seen by editors only.
    pub contact: Option<String>,
    pub created_at: String,
    /// open or resolved.
    pub state: String,
    pub resolved_at: Option<String>,
    pub resolved_by: Option<String>,
    pub resolution: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
