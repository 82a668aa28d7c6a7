//! The negative list (负面清单): data the dictionary marks as not for disclosure, a whole dataset
//! or one field of one table. It stays stored and editors see it through the admin API, but it
//! never leaves through a public face: a withheld dataset has no public release (so no rows,
//! totals, downloads or catalog pages of data), and a withheld field is read as NULL by every
//! public record query (`records::public_columns`), and cannot be filtered, sorted, grouped,
//! summed or searched on.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    ModelTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

use super::{Actor, Result, Step, WorkflowError, audit, authorize, begin_write, now};
use crate::entity::negative_entry;

/// One entry, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub dataset: String,
    /// The table (`None`: the whole dataset).
    pub table: Option<String>,
    /// The field: a column of the data dictionary (`None`: the whole dataset).
    pub field: Option<String>,
    pub reason: String,
    pub added_at: String,
    pub added_by: String,
}

impl From<negative_entry::Model> for Entry {
    fn from(m: negative_entry::Model) -> Self {
        let opt = |s: String| (!s.is_empty()).then_some(s);
        Entry {
            dataset: m.dataset,
            table: opt(m.table_name),
            field: opt(m.field),
            reason: m.reason,
            added_at: m.added_at,
            added_by: m.added_by,
        }
    }
}

/// The whole list, read at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NegativeList {
    pub entries: Vec<Entry>,
}

impl NegativeList {
    /// Is the whole dataset withheld?
    pub fn dataset(&self, dataset: &str) -> bool {
        self.entries
            .iter()
            .any(|e| e.dataset == dataset && e.table.is_none())
    }

    /// Is field `key` (a dictionary column key) of `dataset.table` withheld?
    pub fn field(&self, dataset: &str, table: &str, key: &str) -> bool {
        self.entries.iter().any(|e| {
            e.dataset == dataset
                && (e.table.is_none()
                    || (e.table.as_deref() == Some(table) && e.field.as_deref() == Some(key)))
        })
    }
}

/// The negative list.
pub async fn load(db: &impl ConnectionTrait) -> std::result::Result<NegativeList, DbErr> {
    Ok(NegativeList {
        entries: negative_entry::Entity::find()
            .order_by_asc(negative_entry::Column::Dataset)
            .order_by_asc(negative_entry::Column::TableName)
            .order_by_asc(negative_entry::Column::Field)
            .all(db)
            .await?
            .into_iter()
            .map(Entry::from)
            .collect(),
    })
}

/// The entries of one dataset (one small statement).
pub async fn load_for(
    db: &impl ConnectionTrait,
    dataset: &str,
) -> std::result::Result<NegativeList, DbErr> {
    Ok(NegativeList {
        entries: negative_entry::Entity::find()
            .filter(negative_entry::Column::Dataset.eq(dataset))
            .all(db)
            .await?
            .into_iter()
            .map(Entry::from)
            .collect(),
    })
}

/// The entry that withholds the whole of `dataset`, as a subquery (for `NOT EXISTS`).
pub(crate) fn dataset_entry(dataset: &str) -> sea_orm::sea_query::SelectStatement {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    Query::select()
        .expr(Expr::val(1))
        .from(negative_entry::Entity)
        .and_where(Expr::col(negative_entry::Column::Dataset).eq(dataset))
        .and_where(Expr::col(negative_entry::Column::TableName).eq(""))
        .to_owned()
}

/// What an entry names: `dataset`, or `dataset.table.field`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub dataset: String,
    pub table: String,
    pub field: String,
}

impl Target {
    /// Parse and check `dataset` or `dataset.table.field` against the catalog and dictionary.
    pub fn parse(s: &str) -> Result<Target> {
        let parts: Vec<&str> = s.trim().split('.').collect();
        let bad = |m: String| WorkflowError::Invalid(m);
        let dataset = parts[0];
        if crate::catalog::dataset(dataset).is_none() {
            return Err(bad(format!("there is no dataset {dataset:?}")));
        }
        match parts.as_slice() {
            [_] => Ok(Target {
                dataset: dataset.into(),
                table: String::new(),
                field: String::new(),
            }),
            [_, table, field] => {
                let resource = crate::records::resources_of(dataset)
                    .find(|r| r.table_name == *table)
                    .ok_or_else(|| bad(format!("dataset {dataset} has no table {table:?}")))?;
                if !resource.stored_columns().iter().any(|c| c.key == *field) {
                    return Err(bad(format!(
                        "table {dataset}.{table} has no field {field:?} in its data dictionary"
                    )));
                }
                Ok(Target {
                    dataset: dataset.into(),
                    table: (*table).into(),
                    field: (*field).into(),
                })
            }
            _ => Err(bad(format!(
                "{s:?}: name a dataset (`registry`) or a field (`registry.organizations.address`)"
            ))),
        }
    }
}

/// Put `target` on the negative list.
pub async fn add(
    db: &DatabaseConnection,
    actor: &Actor,
    target: &Target,
    reason: &str,
) -> Result<Entry> {
    authorize(actor, Step::NegativeList)?;
    let reason = super::required_text("reason", reason, 2000)?;
    let txn = begin_write(db).await?;
    let key = (
        target.dataset.clone(),
        target.table.clone(),
        target.field.clone(),
    );
    if negative_entry::Entity::find_by_id(key)
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(WorkflowError::Conflict(
            "it is on the negative list already".into(),
        ));
    }
    let m = negative_entry::ActiveModel {
        dataset: Set(target.dataset.clone()),
        table_name: Set(target.table.clone()),
        field: Set(target.field.clone()),
        reason: Set(reason.clone()),
        added_at: Set(now()),
        added_by: Set(actor.name.clone()),
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        &actor.name,
        "negative_list.add",
        &subject(target),
        serde_json::json!({"reason": reason}),
    )
    .await?;
    txn.commit().await?;
    Ok(m.into())
}

/// Take `target` off the negative list.
pub async fn remove(db: &DatabaseConnection, actor: &Actor, target: &Target) -> Result<()> {
    authorize(actor, Step::NegativeList)?;
    let txn = begin_write(db).await?;
    let key = (
        target.dataset.clone(),
        target.table.clone(),
        target.field.clone(),
    );
    let m = negative_entry::Entity::find_by_id(key)
        .one(&txn)
        .await?
        .ok_or_else(|| {
            WorkflowError::NotFound(format!("{} is not on the negative list", subject(target)))
        })?;
    m.delete(&txn).await?;
    audit::append(
        &txn,
        &actor.name,
        "negative_list.remove",
        &subject(target),
        serde_json::json!({}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn subject(t: &Target) -> String {
    if t.table.is_empty() {
        format!("dataset:{}", t.dataset)
    } else {
        format!("field:{}.{}.{}", t.dataset, t.table, t.field)
    }
}
