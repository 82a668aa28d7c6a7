//! The publishing workflow (三审): every import makes a draft release; an editor submits it, a
//! reviewer reviews it, a publisher publishes it, and no one reviews or publishes a release they
//! submitted or reviewed (checked on the acting person's name, not on the role). A reviewer or
//! publisher can send a release back with a comment; a published release can be withdrawn (the
//! reason stays public) or superseded (it then points to its successor).
//!
//! Publishing is one transaction: the dataset's `current_release_id` moves to the new release
//! and the old one becomes `superseded`. Public reads find the current release and its rows in
//! one statement, so a reader sees the old release or the new one, never a mix.
//!
//! Every state change and token event is appended to the audit log ([`audit`]) in the same
//! transaction as the change itself.

pub mod audit;
pub mod corrections;
pub mod diff;
pub mod negative;
pub mod timeliness;
pub mod tokens;

use crate::entity::{dataset, meta, release};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};

pub use tokens::{Actor, Role};

/// Why a workflow step was refused. Each maps to one HTTP status and error code in the API.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// No token, or a token that is unknown or revoked (401).
    #[error("{0}")]
    Unauthenticated(String),
    /// The token's role may not take this step (403).
    #[error("{0}")]
    Forbidden(String),
    /// The person would review or publish their own work (403).
    #[error("{0}")]
    SelfReview(String),
    /// No such release, token or correction (404).
    #[error("{0}")]
    NotFound(String),
    /// The release is not in a state this step starts from (409).
    #[error("{0}")]
    Conflict(String),
    /// A value given is missing or malformed (400).
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

pub type Result<T> = std::result::Result<T, WorkflowError>;

/// The states of a release.
pub mod state {
    pub const DRAFT: &str = "draft";
    pub const SUBMITTED: &str = "submitted";
    pub const REVIEWED: &str = "reviewed";
    pub const PUBLISHED: &str = "published";
    pub const SUPERSEDED: &str = "superseded";
    pub const WITHDRAWN: &str = "withdrawn";
    /// Every state, in workflow order.
    pub const ALL: [&str; 6] = [DRAFT, SUBMITTED, REVIEWED, PUBLISHED, SUPERSEDED, WITHDRAWN];
}

/// A workflow step, with the roles that may take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Upload,
    Submit,
    Review,
    SendBack,
    Publish,
    Withdraw,
    Supersede,
    /// Read drafts, releases under review and data on the negative list.
    ReadUnpublished,
    /// List and resolve the public's corrections.
    Corrections,
    /// Edit the negative list.
    NegativeList,
    /// Create, list and revoke tokens; read the audit log.
    Tokens,
}

impl Step {
    /// The roles that may take the step (an admin may take every step).
    pub fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Step::Upload | Step::Submit | Step::Corrections => &[Editor, Admin],
            Step::Review => &[Reviewer, Admin],
            Step::SendBack => &[Reviewer, Publisher, Admin],
            Step::Publish | Step::Withdraw | Step::Supersede => &[Publisher, Admin],
            Step::ReadUnpublished => &[Editor, Reviewer, Publisher, Admin],
            Step::NegativeList | Step::Tokens => &[Admin],
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Upload => "upload",
            Step::Submit => "submit",
            Step::Review => "review",
            Step::SendBack => "send back",
            Step::Publish => "publish",
            Step::Withdraw => "withdraw",
            Step::Supersede => "supersede",
            Step::ReadUnpublished => "read unpublished data",
            Step::Corrections => "handle corrections",
            Step::NegativeList => "edit the negative list",
            Step::Tokens => "manage tokens and read the audit log",
        }
    }
}

/// Refuse `actor` unless its role may take `step`.
pub fn authorize(actor: &Actor, step: Step) -> Result<()> {
    if step.roles().contains(&actor.role) {
        return Ok(());
    }
    let roles: Vec<&str> = step.roles().iter().map(|r| r.as_str()).collect();
    Err(WorkflowError::Forbidden(format!(
        "role {} may not {}; it takes one of: {}",
        actor.role.as_str(),
        step.as_str(),
        roles.join(", ")
    )))
}

pub(crate) fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Begin a transaction that will write: the first statement takes the write lock (SQLite) and
/// locks the audit head (both), so concurrent steps run one after another instead of failing
/// half-way or forking the audit chain.
pub(crate) async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction> {
    let txn = db.begin().await?;
    audit::lock_head(&txn).await?;
    Ok(txn)
}

/// A release by id, or 404.
pub async fn release(db: &impl ConnectionTrait, id: i64) -> Result<release::Model> {
    release::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| WorkflowError::NotFound(format!("no release {id}")))
}

/// Releases, newest first, optionally of one dataset and in some states.
pub async fn releases(
    db: &impl ConnectionTrait,
    dataset: Option<&str>,
    states: &[&str],
) -> Result<Vec<release::Model>> {
    let mut q = release::Entity::find();
    if let Some(d) = dataset {
        q = q.filter(release::Column::Dataset.eq(d));
    }
    if !states.is_empty() {
        q = q.filter(release::Column::State.is_in(states.iter().copied()));
    }
    Ok(q.order_by_desc(release::Column::Id).all(db).await?)
}

/// The newest release of `dataset` in `state`, for the CLI's `--dataset` shorthand.
pub async fn latest_in_state(
    db: &impl ConnectionTrait,
    dataset: &str,
    state: &str,
) -> Result<release::Model> {
    releases(db, Some(dataset), &[state])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            WorkflowError::NotFound(format!("{dataset} has no release in state {state}"))
        })
}

/// Move release `id` from one of `from` to `to`, setting `set` columns, or refuse with 409 when
/// another step moved it first. The condition on the state makes the check and the change one
/// statement.
async fn transition(
    txn: &DatabaseTransaction,
    rel: &release::Model,
    from: &[&str],
    to: &str,
    set: Vec<(release::Column, sea_orm::Value)>,
) -> Result<()> {
    let mut up = Query::update();
    up.table(release::Entity)
        .value(release::Column::State, to)
        .and_where(Expr::col(release::Column::Id).eq(rel.id))
        .and_where(Expr::col(release::Column::State).is_in(from.iter().copied()));
    for (c, v) in set {
        up.value(c, v);
    }
    let res = txn.execute(&up).await?;
    if res.rows_affected() != 1 {
        return Err(WorkflowError::Conflict(format!(
            "release {} is {}, not {}",
            rel.id,
            rel.state,
            from.join(" or ")
        )));
    }
    Ok(())
}

fn check_state(rel: &release::Model, from: &[&str], step: Step) -> Result<()> {
    if from.contains(&rel.state.as_str()) {
        return Ok(());
    }
    Err(WorkflowError::Conflict(format!(
        "release {} ({} v{}) is {}: only a release that is {} can be {}",
        rel.id,
        rel.dataset,
        rel.version,
        rel.state,
        from.join(" or "),
        match step {
            Step::Submit => "submitted",
            Step::Review => "reviewed",
            Step::SendBack => "sent back",
            Step::Publish => "published",
            Step::Withdraw => "withdrawn",
            Step::Supersede => "superseded",
            _ => "changed",
        }
    )))
}

fn subject(rel: &release::Model) -> String {
    format!("release:{}", rel.id)
}

fn text(v: &str) -> sea_orm::Value {
    v.to_string().into()
}

/// Submit a draft for review.
pub async fn submit(db: &DatabaseConnection, actor: &Actor, id: i64) -> Result<release::Model> {
    authorize(actor, Step::Submit)?;
    let txn = begin_write(db).await?;
    let rel = release(&txn, id).await?;
    check_state(&rel, &[state::DRAFT], Step::Submit)?;
    transition(
        &txn,
        &rel,
        &[state::DRAFT],
        state::SUBMITTED,
        vec![
            (release::Column::SubmittedBy, text(&actor.name)),
            (release::Column::SubmittedAt, text(&now())),
        ],
    )
    .await?;
    audit::append(
        &txn,
        &actor.name,
        "release.submit",
        &subject(&rel),
        serde_json::json!({"dataset": rel.dataset, "version": rel.version}),
    )
    .await?;
    txn.commit().await?;
    release(db, id).await
}

/// Review a submitted release (the second step). Not by the person who submitted it.
pub async fn review(db: &DatabaseConnection, actor: &Actor, id: i64) -> Result<release::Model> {
    authorize(actor, Step::Review)?;
    let txn = begin_write(db).await?;
    let rel = release(&txn, id).await?;
    check_state(&rel, &[state::SUBMITTED], Step::Review)?;
    if rel.submitted_by.as_deref() == Some(actor.name.as_str()) {
        return Err(WorkflowError::SelfReview(format!(
            "{} submitted release {id} and may not review it",
            actor.name
        )));
    }
    transition(
        &txn,
        &rel,
        &[state::SUBMITTED],
        state::REVIEWED,
        vec![
            (release::Column::ReviewedBy, text(&actor.name)),
            (release::Column::ReviewedAt, text(&now())),
        ],
    )
    .await?;
    audit::append(
        &txn,
        &actor.name,
        "release.review",
        &subject(&rel),
        serde_json::json!({"dataset": rel.dataset, "version": rel.version}),
    )
    .await?;
    txn.commit().await?;
    release(db, id).await
}

/// Send a submitted or reviewed release back to draft with a comment.
pub async fn send_back(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    comment: &str,
) -> Result<release::Model> {
    authorize(actor, Step::SendBack)?;
    let comment = required_text("comment", comment, 2000)?;
    let txn = begin_write(db).await?;
    let rel = release(&txn, id).await?;
    let from = [state::SUBMITTED, state::REVIEWED];
    check_state(&rel, &from, Step::SendBack)?;
    transition(
        &txn,
        &rel,
        &from,
        state::DRAFT,
        vec![
            (release::Column::ReviewComment, text(&comment)),
            (release::Column::SubmittedBy, sea_orm::Value::String(None)),
            (release::Column::SubmittedAt, sea_orm::Value::String(None)),
            (release::Column::ReviewedBy, sea_orm::Value::String(None)),
            (release::Column::ReviewedAt, sea_orm::Value::String(None)),
        ],
    )
    .await?;
    audit::append(
        &txn,
        &actor.name,
        "release.send_back",
        &subject(&rel),
        serde_json::json!({"dataset": rel.dataset, "version": rel.version, "from": rel.state, "comment": comment}),
    )
    .await?;
    txn.commit().await?;
    release(db, id).await
}

fn check_not_own(actor: &Actor, rel: &release::Model) -> Result<()> {
    let own = [rel.submitted_by.as_deref(), rel.reviewed_by.as_deref()];
    if own.contains(&Some(actor.name.as_str())) {
        return Err(WorkflowError::SelfReview(format!(
            "{} submitted or reviewed release {} and may not publish it",
            actor.name, rel.id
        )));
    }
    Ok(())
}

/// Publish a reviewed release: not by the person who submitted or reviewed it. The dataset's
/// previous release becomes `superseded`, pointing to this one; both in one transaction.
pub async fn publish(db: &DatabaseConnection, actor: &Actor, id: i64) -> Result<release::Model> {
    authorize(actor, Step::Publish)?;
    let txn = begin_write(db).await?;
    let rel = release(&txn, id).await?;
    check_state(&rel, &[state::REVIEWED], Step::Publish)?;
    check_not_own(actor, &rel)?;
    make_current(
        &txn,
        &actor.name,
        &rel,
        state::REVIEWED,
        serde_json::Value::Null,
    )
    .await?;
    txn.commit().await?;
    release(db, id).await
}

/// Publish a release without review: only for the data shipped with gongkai (`data/real/`),
/// which its departments have already published; the audit log says so. When those figures
/// were produced is not known here, so the release records no production date (timeliness
/// counts it as undated).
pub async fn publish_shipped(
    db: &DatabaseConnection,
    id: i64,
    why: &str,
) -> Result<release::Model> {
    let txn = begin_write(db).await?;
    let rel = release(&txn, id).await?;
    check_state(&rel, &[state::DRAFT], Step::Publish)?;
    let mut undated: release::ActiveModel = rel.clone().into();
    undated.produced_at = Set(None);
    let rel = undated.update(&txn).await?;
    make_current(
        &txn,
        "system",
        &rel,
        state::DRAFT,
        serde_json::json!({"without_review": why}),
    )
    .await?;
    txn.commit().await?;
    release(db, id).await
}

/// Make `rel` (in state `from`) the dataset's published release, superseding the current one,
/// and log it. The diff is taken again when the release it was taken against is no longer the
/// current one.
async fn make_current(
    txn: &DatabaseTransaction,
    actor: &str,
    rel: &release::Model,
    from: &str,
    note: serde_json::Value,
) -> Result<()> {
    let ds = dataset::Entity::find_by_id(rel.dataset.clone())
        .one(txn)
        .await?
        .ok_or_else(|| WorkflowError::NotFound(format!("no dataset {}", rel.dataset)))?;
    let at = now();
    let previous = match ds.current_release_id {
        Some(p) => release::Entity::find_by_id(p)
            .one(txn)
            .await?
            .filter(|r| r.state == state::PUBLISHED),
        None => None,
    };
    if let Some(prev) = &previous {
        transition(
            txn,
            prev,
            &[state::PUBLISHED],
            state::SUPERSEDED,
            vec![
                (release::Column::SupersededBy, rel.id.into()),
                (release::Column::SupersededAt, text(&at)),
            ],
        )
        .await?;
    }
    let base = previous.as_ref().map(|p| p.id);
    if base != rel.base_release_id || rel.diff.is_none() {
        diff::record(txn, rel, base).await?;
    }
    transition(
        txn,
        rel,
        &[from],
        state::PUBLISHED,
        vec![
            (release::Column::PublishedBy, text(actor)),
            (release::Column::PublishedAt, text(&at)),
        ],
    )
    .await?;
    let kind = if rel.synthetic { "synthetic" } else { "real" };
    let mut ds: dataset::ActiveModel = ds.into();
    ds.current_release_id = Set(Some(rel.id));
    ds.synthetic = Set(rel.synthetic);
    ds.updated_at = Set(at);
    ds.update(txn).await?;
    meta::Entity::delete_by_id("content".to_string())
        .exec(txn)
        .await?;
    meta::ActiveModel {
        key: Set("content".into()),
        value: Set(kind.into()),
    }
    .insert(txn)
    .await?;
    let mut detail = serde_json::json!({
        "dataset": rel.dataset, "version": rel.version, "supersedes": base,
    });
    if !serde_json::Value::is_null(&note) {
        detail["note"] = note;
    }
    audit::append(txn, actor, "release.publish", &subject(rel), detail).await?;
    Ok(())
}

/// Withdraw a published (or superseded) release. Its rows leave every public face; the notice
/// with its reason stays in the release history.
pub async fn withdraw(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    reason: &str,
) -> Result<release::Model> {
    authorize(actor, Step::Withdraw)?;
    let reason = required_text("reason", reason, 2000)?;
    let txn = begin_write(db).await?;
    let rel = release(&txn, id).await?;
    let from = [state::PUBLISHED, state::SUPERSEDED];
    check_state(&rel, &from, Step::Withdraw)?;
    let at = now();
    transition(
        &txn,
        &rel,
        &from,
        state::WITHDRAWN,
        vec![
            (release::Column::WithdrawnAt, text(&at)),
            (release::Column::WithdrawnBy, text(&actor.name)),
            (release::Column::WithdrawnReason, text(&reason)),
        ],
    )
    .await?;
    clear_current(&txn, &rel, &at).await?;
    audit::append(
        &txn,
        &actor.name,
        "release.withdraw",
        &subject(&rel),
        serde_json::json!({"dataset": rel.dataset, "version": rel.version, "from": rel.state, "reason": reason}),
    )
    .await?;
    txn.commit().await?;
    release(db, id).await
}

/// When `rel` is its dataset's current release, leave the dataset with none.
async fn clear_current(txn: &DatabaseTransaction, rel: &release::Model, at: &str) -> Result<()> {
    let mut up = Query::update();
    up.table(dataset::Entity)
        .value(
            dataset::Column::CurrentReleaseId,
            sea_orm::Value::BigInt(None),
        )
        .value(dataset::Column::UpdatedAt, at)
        .and_where(Expr::col(dataset::Column::Slug).eq(rel.dataset.as_str()))
        .and_where(Expr::col(dataset::Column::CurrentReleaseId).eq(rel.id));
    txn.execute(&up).await?;
    Ok(())
}

/// Supersede the published release `id` by `by` (效力状态 废止, pointing to `by`): a reviewed
/// release of the same dataset, which is published in its place (the publishing rules apply), or
/// a published release of another dataset that replaces this one.
pub async fn supersede(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    by: i64,
) -> Result<release::Model> {
    authorize(actor, Step::Supersede)?;
    if id == by {
        return Err(WorkflowError::Invalid(
            "a release cannot supersede itself".into(),
        ));
    }
    let txn = begin_write(db).await?;
    let rel = release(&txn, id).await?;
    check_state(&rel, &[state::PUBLISHED], Step::Supersede)?;
    let successor = release(&txn, by).await?;
    if successor.dataset == rel.dataset {
        if successor.state != state::REVIEWED {
            return Err(WorkflowError::Conflict(format!(
                "release {by} is {}: a release of the same dataset supersedes this one by being published, so it must be reviewed",
                successor.state
            )));
        }
        check_not_own(actor, &successor)?;
        make_current(
            &txn,
            &actor.name,
            &successor,
            state::REVIEWED,
            serde_json::json!({"superseding": id}),
        )
        .await?;
    } else {
        if successor.state != state::PUBLISHED {
            return Err(WorkflowError::Conflict(format!(
                "release {by} of {} is {}: a release of another dataset must be published to supersede this one",
                successor.dataset, successor.state
            )));
        }
        let at = now();
        transition(
            &txn,
            &rel,
            &[state::PUBLISHED],
            state::SUPERSEDED,
            vec![
                (release::Column::SupersededBy, by.into()),
                (release::Column::SupersededAt, text(&at)),
            ],
        )
        .await?;
        clear_current(&txn, &rel, &at).await?;
        audit::append(
            &txn,
            &actor.name,
            "release.supersede",
            &subject(&rel),
            serde_json::json!({"dataset": rel.dataset, "version": rel.version, "by": by, "by_dataset": successor.dataset}),
        )
        .await?;
    }
    txn.commit().await?;
    release(db, id).await
}

/// Log an import that made a draft (called inside the import's transaction).
pub(crate) async fn log_upload(
    txn: &DatabaseTransaction,
    actor: &str,
    rel: &release::Model,
    rows: u64,
) -> Result<()> {
    audit::append(
        txn,
        actor,
        "release.upload",
        &subject(rel),
        serde_json::json!({"dataset": rel.dataset, "version": rel.version, "rows": rows}),
    )
    .await
}

/// `value` cleaned as [`optional_text`], refused when nothing is left.
pub(crate) fn required_text(name: &str, value: &str, max: usize) -> Result<String> {
    optional_text(name, Some(value), max)?
        .ok_or_else(|| WorkflowError::Invalid(format!("{name} is required")))
}

/// `value` without control characters (line breaks and tabs kept) and trimmed (empty: none),
/// refused when over `max` characters.
pub(crate) fn optional_text(name: &str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    let Some(v) = value else {
        return Ok(None);
    };
    let clean: String = v
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t' | '\r'))
        .collect();
    let v = clean.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let n = v.chars().count();
    if n > max {
        return Err(WorkflowError::Invalid(format!(
            "{name} has {n} characters; at most {max} are accepted"
        )));
    }
    Ok(Some(v.to_string()))
}

impl From<crate::records::QueryError> for WorkflowError {
    fn from(e: crate::records::QueryError) -> Self {
        match e {
            crate::records::QueryError::Db(e) => WorkflowError::Db(e),
            other => WorkflowError::Invalid(other.to_string()),
        }
    }
}
