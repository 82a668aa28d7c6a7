//! What a release changed against the release it follows: per table the records added, removed
//! and changed (matched on the table's key, the columns that identify a record in a release),
//! exact counts in `releases.diff` and, for the first [`DETAIL_LIMIT`] of each kind per table,
//! one `release_changes` row naming the record and, when changed, each field with its old and
//! new value. Taken when the release is imported and again when it is published, if the
//! published release it was taken against is no longer the current one.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, StreamTrait,
};
use serde::{Deserialize, Serialize};

use super::Result;
use crate::entity::{release, release_change};
use crate::records::list::{ReleaseRef, Scan, Walk};
use crate::records::{Cell, Resource, Row, Sort, StoredColumn};

/// Detail rows kept per table and kind of change; the counts are always exact.
pub const DETAIL_LIMIT: usize = 1000;

/// The counts of one table's changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableDiff {
    /// `dataset.table`.
    pub table: String,
    pub added: u64,
    pub removed: u64,
    pub changed: u64,
    pub unchanged: u64,
}

/// What a release changed, as stored in `releases.diff`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diff {
    /// The published release compared against (`None`: the dataset's first release, so every
    /// record is added).
    pub base_release_id: Option<i64>,
    pub added: u64,
    pub removed: u64,
    pub changed: u64,
    pub unchanged: u64,
    pub tables: Vec<TableDiff>,
}

/// One changed field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub old: serde_json::Value,
    pub new: serde_json::Value,
}

/// One record added, removed or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub table: String,
    /// added, removed or changed.
    pub change: String,
    /// The record's key: `column=value` pairs joined by `; `.
    pub key: String,
    pub fields: Vec<FieldChange>,
}

fn hash128(parts: impl Fn(&mut std::collections::hash_map::DefaultHasher)) -> u128 {
    let mut a = std::collections::hash_map::DefaultHasher::new();
    let mut b = std::collections::hash_map::DefaultHasher::new();
    0xa5u8.hash(&mut b);
    parts(&mut a);
    parts(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

/// How the records of one table are matched and compared.
struct Shape {
    columns: Vec<StoredColumn>,
    /// Indexes of the key columns.
    key: Vec<usize>,
    /// Indexes of the compared columns (all but links to other rows of the same release).
    compared: Vec<usize>,
}

impl Shape {
    fn of(resource: &Resource) -> Option<Shape> {
        let t = resource.descriptor?;
        let columns = resource.stored_columns();
        let key = t
            .key
            .iter()
            .filter_map(|k| columns.iter().position(|c| c.name == *k))
            .collect();
        let compared = (0..columns.len())
            .filter(|i| columns[*i].name != "fund_id")
            .collect();
        Some(Shape {
            columns,
            key,
            compared,
        })
    }

    fn key_hash(&self, row: &Row) -> u128 {
        hash128(|h| {
            for i in &self.key {
                row.cells[*i].hash(h);
            }
        })
    }

    fn value_hash(&self, row: &Row) -> u128 {
        hash128(|h| {
            for i in &self.compared {
                row.cells[*i].hash(h);
            }
        })
    }

    fn key_text(&self, row: &Row) -> String {
        self.key
            .iter()
            .map(|i| format!("{}={}", self.columns[*i].name, cell_text(&row.cells[*i])))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn field_changes(&self, old: &[Cell], new: &[Cell]) -> Vec<FieldChange> {
        self.compared
            .iter()
            .filter(|i| old[**i] != new[**i])
            .map(|i| FieldChange {
                field: self.columns[*i].name.clone(),
                old: old[*i].to_json(),
                new: new[*i].to_json(),
            })
            .collect()
    }
}

fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Null => String::new(),
        Cell::Text(s) => s.clone(),
        Cell::Int(i) => i.to_string(),
        Cell::Bool(b) => b.to_string(),
    }
}

/// Every row of `resource` in release `id`, in id order.
async fn walk<C: ConnectionTrait + StreamTrait>(
    db: &C,
    resource: &Resource,
    columns: &[StoredColumn],
    id: i64,
    mut each: impl FnMut(&Row),
) -> Result<()> {
    let sort = Sort::by_id();
    let scan = Scan {
        resource,
        columns,
        release: ReleaseRef::Id(id),
        filters: &[],
        sort: &sort,
    };
    let mut w = Walk::unredacted(scan);
    while w
        .next_batch(db, |r| {
            each(r);
            Ok::<(), super::WorkflowError>(())
        })
        .await?
        > 0
    {}
    Ok(())
}

/// Compare one table of `release_id` with `base`; the counts, and the detail rows to keep.
async fn table_diff<C: ConnectionTrait + StreamTrait>(
    db: &C,
    resource: &Resource,
    shape: &Shape,
    release_id: i64,
    base: Option<i64>,
) -> Result<(TableDiff, Vec<Change>)> {
    let table = resource.qualified();
    let mut d = TableDiff {
        table: table.clone(),
        ..Default::default()
    };
    let mut old: HashMap<u128, u128> = HashMap::new();
    if let Some(b) = base {
        walk(db, resource, &shape.columns, b, |r| {
            old.insert(shape.key_hash(r), shape.value_hash(r));
        })
        .await?;
    }
    let mut details = Vec::new();
    // Changed records whose fields are to be shown: key hash → (new cells, position in details).
    let mut changed: HashMap<u128, (Vec<Cell>, usize)> = HashMap::new();
    let mut added = 0usize;
    walk(db, resource, &shape.columns, release_id, |r| {
        let k = shape.key_hash(r);
        match old.remove(&k) {
            None => {
                d.added += 1;
                if added < DETAIL_LIMIT {
                    added += 1;
                    details.push(Change {
                        table: table.clone(),
                        change: "added".into(),
                        key: shape.key_text(r),
                        fields: Vec::new(),
                    });
                }
            }
            Some(v) if v != shape.value_hash(r) => {
                d.changed += 1;
                if changed.len() < DETAIL_LIMIT {
                    details.push(Change {
                        table: table.clone(),
                        change: "changed".into(),
                        key: shape.key_text(r),
                        fields: Vec::new(),
                    });
                    changed.insert(k, (r.cells.clone(), details.len() - 1));
                }
            }
            Some(_) => d.unchanged += 1,
        }
    })
    .await?;
    d.removed = old.len() as u64;
    // The old values of the changed records, and the keys of the removed ones: one more pass.
    if let Some(b) = base
        && (!changed.is_empty() || !old.is_empty())
    {
        let removed: HashSet<u128> = old.keys().copied().collect();
        let mut removed_details = Vec::new();
        walk(db, resource, &shape.columns, b, |r| {
            let k = shape.key_hash(r);
            if let Some((new, at)) = changed.get(&k) {
                details[*at].fields = shape.field_changes(&r.cells, new);
            } else if removed.contains(&k) && removed_details.len() < DETAIL_LIMIT {
                removed_details.push(Change {
                    table: table.clone(),
                    change: "removed".into(),
                    key: shape.key_text(r),
                    fields: Vec::new(),
                });
            }
        })
        .await?;
        details.extend(removed_details);
    }
    Ok((d, details))
}

/// Compare release `rel` with `base` (a published release of the same dataset, or none), store
/// the counts on the release and the detail rows beside it (replacing any taken before).
pub(crate) async fn record(
    txn: &DatabaseTransaction,
    rel: &release::Model,
    base: Option<i64>,
) -> Result<Diff> {
    release_change::Entity::delete_many()
        .filter(release_change::Column::ReleaseId.eq(rel.id))
        .exec(txn)
        .await?;
    let mut diff = Diff {
        base_release_id: base,
        ..Default::default()
    };
    for resource in crate::records::resources_of(&rel.dataset) {
        let Some(shape) = Shape::of(resource) else {
            continue;
        };
        let (t, details) = table_diff(txn, resource, &shape, rel.id, base).await?;
        diff.added += t.added;
        diff.removed += t.removed;
        diff.changed += t.changed;
        diff.unchanged += t.unchanged;
        diff.tables.push(t);
        for chunk in details.chunks(200) {
            let rows: Vec<release_change::ActiveModel> = chunk
                .iter()
                .map(|c| release_change::ActiveModel {
                    release_id: Set(rel.id),
                    table_name: Set(c.table.clone()),
                    change: Set(c.change.clone()),
                    record_key: Set(c.key.clone()),
                    fields: Set(serde_json::to_string(&c.fields).unwrap_or_else(|_| "[]".into())),
                    ..Default::default()
                })
                .collect();
            release_change::Entity::insert_many(rows).exec(txn).await?;
        }
    }
    let mut m: release::ActiveModel = rel.clone().into();
    m.diff = Set(Some(
        serde_json::to_string(&diff).unwrap_or_else(|_| "{}".into()),
    ));
    m.base_release_id = Set(base);
    m.update(txn).await?;
    Ok(diff)
}

/// The stored counts of a release's changes (`None`: not taken).
pub fn of(rel: &release::Model) -> Option<Diff> {
    rel.diff
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
}

/// The detail rows of a release's changes, in order, at most `limit` after `offset`.
pub async fn changes(
    db: &impl ConnectionTrait,
    release_id: i64,
    offset: u64,
    limit: u64,
) -> Result<Vec<Change>> {
    Ok(release_change::Entity::find()
        .filter(release_change::Column::ReleaseId.eq(release_id))
        .order_by_asc(release_change::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|c| Change {
            table: c.table_name,
            change: c.change,
            key: c.record_key,
            fields: serde_json::from_str(&c.fields).unwrap_or_default(),
        })
        .collect())
}
