//! The audit log: append-only, every state change and token event, each entry carrying the hash
//! of the one before it. `hash = SHA-256(prev_hash, seq, at, actor, action, subject, detail)`
//! (fields joined by a newline), and the first entry's `prev_hash` is 64 zeros. The head (last
//! seq and hash) is kept in `meta` as well, so cutting entries off the end is noticed too.
//! [`verify`] walks the chain and names the first entry that was altered, removed or moved.

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryOrder, Set,
    StreamTrait,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Result, now};
use crate::entity::{audit_entry, meta};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// The `meta` key holding `seq:hash` of the last entry.
const HEAD: &str = "audit_head";

/// The hash of an entry.
pub fn entry_hash(e: &audit_entry::Model) -> String {
    let mut h = Sha256::new();
    for part in [
        e.prev_hash.as_str(),
        &e.seq.to_string(),
        &e.at,
        &e.actor,
        &e.action,
        &e.subject,
        &e.detail,
    ] {
        h.update(part.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

/// Take the audit head's lock: the first write of every workflow transaction, so concurrent
/// steps queue here (a row lock on PostgreSQL, the write lock on SQLite).
pub(crate) async fn lock_head(txn: &DatabaseTransaction) -> Result<()> {
    let mut ins = Query::insert();
    ins.into_table(meta::Entity)
        .columns([meta::Column::Key, meta::Column::Value])
        .values_panic([Expr::val(HEAD), Expr::val(format!("0:{GENESIS}"))])
        .on_conflict(
            OnConflict::column(meta::Column::Key)
                .value(
                    meta::Column::Value,
                    Expr::col((meta::Entity, meta::Column::Value)),
                )
                .to_owned(),
        );
    txn.execute(&ins).await?;
    Ok(())
}

/// The head of the log as stored (`seq:hash`; empty before the first entry).
pub async fn head(db: &impl ConnectionTrait) -> std::result::Result<String, sea_orm::DbErr> {
    Ok(meta::Entity::find_by_id(HEAD.to_string())
        .one(db)
        .await?
        .map(|m| m.value)
        .unwrap_or_default())
}

fn parse_head(v: &str) -> (i64, String) {
    match v.split_once(':') {
        Some((seq, hash)) => (seq.parse().unwrap_or(0), hash.to_string()),
        None => (0, GENESIS.to_string()),
    }
}

/// Append an entry after the head, inside `txn` (which took [`lock_head`] first).
pub(crate) async fn append(
    txn: &DatabaseTransaction,
    actor: &str,
    action: &str,
    subject: &str,
    detail: serde_json::Value,
) -> Result<()> {
    let head = meta::Entity::find_by_id(HEAD.to_string()).one(txn).await?;
    let (seq, prev) = head
        .map(|m| parse_head(&m.value))
        .unwrap_or((0, GENESIS.into()));
    let mut e = audit_entry::Model {
        seq: seq + 1,
        at: now(),
        actor: actor.to_string(),
        action: action.to_string(),
        subject: subject.to_string(),
        detail: detail.to_string(),
        prev_hash: prev,
        hash: String::new(),
    };
    e.hash = entry_hash(&e);
    let head_value = format!("{}:{}", e.seq, e.hash);
    audit_entry::ActiveModel {
        seq: Set(e.seq),
        at: Set(e.at),
        actor: Set(e.actor),
        action: Set(e.action),
        subject: Set(e.subject),
        detail: Set(e.detail),
        prev_hash: Set(e.prev_hash),
        hash: Set(e.hash),
    }
    .insert(txn)
    .await?;
    let mut up = Query::update();
    up.table(meta::Entity)
        .value(meta::Column::Value, head_value)
        .and_where(Expr::col(meta::Column::Key).eq(HEAD));
    txn.execute(&up).await?;
    Ok(())
}

/// An entry as the admin API lists it.
#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: serde_json::Value,
    pub hash: String,
}

/// Entries after `after`, oldest first, at most `limit`.
pub async fn entries(db: &impl ConnectionTrait, after: i64, limit: u64) -> Result<Vec<EntryView>> {
    use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
    Ok(audit_entry::Entity::find()
        .filter(audit_entry::Column::Seq.gt(after))
        .order_by_asc(audit_entry::Column::Seq)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|e| EntryView {
            detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::String(e.detail)),
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            action: e.action,
            subject: e.subject,
            hash: e.hash,
        })
        .collect())
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Entries checked.
    pub entries: u64,
    /// The first problem, naming the entry (`None`: the chain is intact).
    pub problem: Option<Problem>,
}

/// The first entry that does not fit the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The position in the chain where the problem shows.
    pub seq: i64,
    pub message: String,
}

/// Walk the whole log in order and check every link; stop at the first that does not hold.
pub async fn verify<C: ConnectionTrait + StreamTrait>(db: &C) -> Result<Verdict> {
    use futures_util::StreamExt;
    let mut expected_seq = 1i64;
    let mut prev = GENESIS.to_string();
    let mut n = 0u64;
    let bad = |n, seq, message: String| Verdict {
        entries: n,
        problem: Some(Problem { seq, message }),
    };
    {
        let stream = audit_entry::Entity::find()
            .order_by_asc(audit_entry::Column::Seq)
            .stream(db)
            .await?;
        let mut stream = std::pin::pin!(stream);
        while let Some(e) = stream.next().await {
            let e = e?;
            n += 1;
            if e.seq != expected_seq {
                return Ok(bad(
                    n,
                    expected_seq,
                    if e.seq > expected_seq {
                        format!(
                            "entry {expected_seq} is missing (removed): the next entry is {}",
                            e.seq
                        )
                    } else {
                        format!("entry {} appears out of order", e.seq)
                    },
                ));
            }
            if e.prev_hash != prev {
                return Ok(bad(
                    n,
                    e.seq,
                    format!(
                        "entry {} does not follow the entry before it: an entry was altered, removed or moved here",
                        e.seq
                    ),
                ));
            }
            if entry_hash(&e) != e.hash {
                return Ok(bad(
                    n,
                    e.seq,
                    format!(
                        "entry {} was altered or moved: its contents do not match its hash",
                        e.seq
                    ),
                ));
            }
            prev = e.hash;
            expected_seq += 1;
        }
    }
    let last = expected_seq - 1;
    if let Some(head) = meta::Entity::find_by_id(HEAD.to_string()).one(db).await? {
        let (seq, hash) = parse_head(&head.value);
        if seq > last {
            return Ok(bad(
                n,
                last + 1,
                format!(
                    "the log ends at entry {last} but its head says {seq}: entries {}–{seq} were removed",
                    last + 1
                ),
            ));
        }
        if seq == last && hash != prev {
            return Ok(bad(
                n,
                last,
                format!("entry {last} does not match the recorded head of the log"),
            ));
        }
    }
    Ok(Verdict {
        entries: n,
        problem: None,
    })
}
