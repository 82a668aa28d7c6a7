//! API tokens: `gk_` and 48 hex digits of a cryptographically secure random number, shown once
//! when created; only their SHA-256 is stored. A token carries a person's name (the identity the
//! no-self-review rule checks) and one role.

use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Result, Step, WorkflowError, audit, authorize, begin_write, now};
use crate::entity::token;

/// What a token may do (see [`Step::roles`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Uploads files, submits drafts, handles corrections.
    Editor,
    /// Reviews submitted releases (the department head's step).
    Reviewer,
    /// Publishes, withdraws and supersedes releases (the disclosure office's step).
    Publisher,
    /// Every step, and tokens, the negative list and the audit log.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Editor, Role::Reviewer, Role::Publisher, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Editor => "editor",
            Role::Reviewer => "reviewer",
            Role::Publisher => "publisher",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                WorkflowError::Invalid(format!(
                    "unknown role {s:?}: one of editor, reviewer, publisher, admin"
                ))
            })
    }
}

/// Who takes a step: a person's name and the role of the token they used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub role: Role,
    /// The token used (`None`: the local command line, which manages tokens).
    pub token_id: Option<i64>,
}

impl Actor {
    /// The operator at the command line of the server's machine, who creates and revokes tokens.
    pub fn local() -> Actor {
        Actor {
            name: "cli".into(),
            role: Role::Admin,
            token_id: None,
        }
    }
}

/// A token as listed (never its secret).
#[derive(Debug, Clone, Serialize)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// The first characters of the secret.
    pub prefix: String,
    pub created_at: String,
    pub created_by: String,
    pub revoked_at: Option<String>,
}

impl TryFrom<token::Model> for TokenView {
    type Error = WorkflowError;
    fn try_from(t: token::Model) -> Result<Self> {
        Ok(TokenView {
            id: t.id,
            name: t.name,
            role: Role::parse(&t.role)?,
            prefix: t.prefix,
            created_at: t.created_at,
            created_by: t.created_by,
            revoked_at: t.revoked_at,
        })
    }
}

fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Create a token for `name` with `role`: the secret (shown once) and the token as listed.
pub async fn create(
    db: &DatabaseConnection,
    by: &Actor,
    name: &str,
    role: Role,
) -> Result<(String, TokenView)> {
    authorize(by, Step::Tokens)?;
    let name = super::required_text("name", name, 100)?;
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("gk_{}", hex::encode(bytes));
    let txn = begin_write(db).await?;
    let t = token::ActiveModel {
        name: Set(name.clone()),
        role: Set(role.as_str().into()),
        hash: Set(digest(&secret)),
        prefix: Set(secret[..9].to_string()),
        created_at: Set(now()),
        created_by: Set(by.name.clone()),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        &by.name,
        "token.create",
        &format!("token:{}", t.id),
        serde_json::json!({"name": name, "role": role.as_str(), "prefix": t.prefix}),
    )
    .await?;
    txn.commit().await?;
    Ok((secret, t.try_into()?))
}

/// Every token, newest first.
pub async fn list(db: &DatabaseConnection, by: &Actor) -> Result<Vec<TokenView>> {
    authorize(by, Step::Tokens)?;
    token::Entity::find()
        .order_by_desc(token::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(TokenView::try_from)
        .collect()
}

/// Revoke token `id`: it stops working at once.
pub async fn revoke(db: &DatabaseConnection, by: &Actor, id: i64) -> Result<TokenView> {
    authorize(by, Step::Tokens)?;
    let txn = begin_write(db).await?;
    let t = token::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| WorkflowError::NotFound(format!("no token {id}")))?;
    if t.revoked_at.is_some() {
        return Err(WorkflowError::Conflict(format!(
            "token {id} is already revoked"
        )));
    }
    let mut m: token::ActiveModel = t.clone().into();
    m.revoked_at = Set(Some(now()));
    let t = m.update(&txn).await?;
    audit::append(
        &txn,
        &by.name,
        "token.revoke",
        &format!("token:{id}"),
        serde_json::json!({"name": t.name, "role": t.role, "prefix": t.prefix}),
    )
    .await?;
    txn.commit().await?;
    t.try_into()
}

/// The actor a secret stands for, or 401: unknown and revoked tokens are refused alike.
pub async fn authenticate(db: &DatabaseConnection, secret: &str) -> Result<Actor> {
    let refused = || WorkflowError::Unauthenticated("the token is unknown or revoked".into());
    if !secret.starts_with("gk_") || secret.len() > 100 {
        return Err(refused());
    }
    let t = token::Entity::find()
        .filter(token::Column::Hash.eq(digest(secret)))
        .one(db)
        .await?
        .filter(|t| t.revoked_at.is_none())
        .ok_or_else(refused)?;
    Ok(Actor {
        name: t.name,
        role: Role::parse(&t.role)?,
        token_id: Some(t.id),
    })
}
