//! Corrections (内容纠错) reported by the public: anyone may report one (the API limits their
//! size and rate); editors list and resolve them; the count of open and resolved corrections per
//! dataset is public. The reporter's contact is seen by editors only.

use std::collections::BTreeMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;

use super::{Actor, Result, Step, WorkflowError, audit, authorize, begin_write, now};
use crate::entity::correction;

/// Longest message, in characters.
pub const MAX_MESSAGE: usize = 2000;
/// Longest record reference and contact, in characters.
pub const MAX_FIELD: usize = 200;

/// A correction as reported.
#[derive(Debug, Clone, Default)]
pub struct NewCorrection {
    pub dataset: String,
    /// Which record: a record id, a resource path, a key … as the reporter gives it.
    pub record: Option<String>,
    pub message: String,
    pub contact: Option<String>,
}

/// Report a correction. Checked: the dataset exists, the message is given, every field is
/// within its length.
pub async fn report(db: &DatabaseConnection, c: NewCorrection) -> Result<correction::Model> {
    if crate::catalog::dataset(&c.dataset).is_none() {
        return Err(WorkflowError::NotFound(format!(
            "dataset: there is no dataset {:?}",
            c.dataset
        )));
    }
    let message = super::required_text("message", &c.message, MAX_MESSAGE)?;
    let record = super::optional_text("record", c.record.as_deref(), MAX_FIELD)?;
    let contact = super::optional_text("contact", c.contact.as_deref(), MAX_FIELD)?;
    let txn = begin_write(db).await?;
    let m = correction::ActiveModel {
        dataset: Set(c.dataset.clone()),
        record: Set(record),
        message: Set(message),
        contact: Set(contact),
        created_at: Set(now()),
        state: Set("open".into()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        "public",
        "correction.report",
        &format!("correction:{}", m.id),
        serde_json::json!({"dataset": m.dataset}),
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

/// Corrections, newest first, optionally only open or resolved ones.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    state: Option<&str>,
) -> Result<Vec<correction::Model>> {
    authorize(actor, Step::Corrections)?;
    let mut q = correction::Entity::find();
    if let Some(s) = state {
        if !["open", "resolved"].contains(&s) {
            return Err(WorkflowError::Invalid(format!(
                "state: {s:?} is neither open nor resolved"
            )));
        }
        q = q.filter(correction::Column::State.eq(s));
    }
    Ok(q.order_by_desc(correction::Column::Id).all(db).await?)
}

/// Resolve correction `id` with what was done about it.
pub async fn resolve(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    resolution: &str,
) -> Result<correction::Model> {
    authorize(actor, Step::Corrections)?;
    let resolution = super::required_text("resolution", resolution, MAX_MESSAGE)?;
    let txn = begin_write(db).await?;
    let c = correction::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| WorkflowError::NotFound(format!("no correction {id}")))?;
    if c.state != "open" {
        return Err(WorkflowError::Conflict(format!(
            "correction {id} is already resolved"
        )));
    }
    let mut m: correction::ActiveModel = c.into();
    m.state = Set("resolved".into());
    m.resolved_at = Set(Some(now()));
    m.resolved_by = Set(Some(actor.name.clone()));
    m.resolution = Set(Some(resolution.clone()));
    let c = m.update(&txn).await?;
    audit::append(
        &txn,
        &actor.name,
        "correction.resolve",
        &format!("correction:{id}"),
        serde_json::json!({"dataset": c.dataset, "resolution": resolution}),
    )
    .await?;
    txn.commit().await?;
    Ok(c)
}

/// Open and resolved corrections of a dataset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub open: u64,
    pub resolved: u64,
}

/// The counts of one dataset.
pub async fn counts_of(db: &impl ConnectionTrait, dataset: &str) -> Result<Counts> {
    Ok(grouped(db, Some(dataset))
        .await?
        .remove(dataset)
        .unwrap_or_default())
}

/// The counts of every dataset that has corrections.
pub async fn counts(db: &impl ConnectionTrait) -> Result<BTreeMap<String, Counts>> {
    grouped(db, None).await
}

/// Open and resolved corrections per dataset (of `only`, when given), one statement.
async fn grouped(
    db: &impl ConnectionTrait,
    only: Option<&str>,
) -> Result<BTreeMap<String, Counts>> {
    let mut q = correction::Entity::find()
        .select_only()
        .column(correction::Column::Dataset)
        .column(correction::Column::State)
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .group_by(correction::Column::Dataset)
        .group_by(correction::Column::State);
    if let Some(d) = only {
        q = q.filter(correction::Column::Dataset.eq(d));
    }
    let rows: Vec<(String, String, i64)> = q.into_tuple().all(db).await?;
    let mut out: BTreeMap<String, Counts> = BTreeMap::new();
    for (ds, state, n) in rows {
        let c = out.entry(ds).or_default();
        if state == "open" {
            c.open = n as u64;
        } else {
            c.resolved = n as u64;
        }
    }
    Ok(out)
}
