use sea_orm::entity::prelude::*;

/// An API token: only the SHA-256 of its secret is kept.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Whose token it is: the identity the no-self-review rule checks.
    pub name: String,
    pub role: String,
    /// SHA-256 of the secret, hex.
    pub hash: String,
    /// The first characters of the secret, to tell tokens apart in a list.
    pub prefix: String,
    pub created_at: String,
    pub created_by: String,
    pub revoked_at: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
