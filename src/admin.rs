//! The command-line face of the publishing workflow: tokens, the review steps, the audit log,
//! corrections and the negative list. Every step is `schema::workflow`'s, as in the admin API;
//! the review steps act as the person whose token is given (`--token` or `GONGKAI_TOKEN`).

use std::process::ExitCode;

use clap::Subcommand;
use schema::workflow::{self, Actor, Role, WorkflowError, negative, state, tokens};
use sea_orm::DatabaseConnection;

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once (only its hash is stored).
    Create {
        /// Whose token it is: the person's name, the identity no-self-review is checked on.
        #[arg(long)]
        name: String,
        /// editor, reviewer, publisher or admin.
        #[arg(long)]
        role: String,
    },
    /// List the tokens (never their secrets).
    List,
    /// Revoke a token: it stops working at once.
    Revoke { id: i64 },
}

#[derive(Subcommand)]
pub enum ReleaseCommand {
    /// List releases, newest first.
    List {
        #[arg(long)]
        dataset: Option<String>,
        /// draft, submitted, reviewed, published, superseded or withdrawn.
        #[arg(long)]
        state: Option<String>,
    },
    /// Show one release with its review trail and what it changed.
    Show { release: String },
    /// Submit a draft for review (editor).
    Submit { release: String },
    /// Review a submitted release (reviewer; not who submitted it).
    Review { release: String },
    /// Send a submitted or reviewed release back to draft (reviewer or publisher).
    SendBack {
        release: String,
        #[arg(long)]
        comment: String,
    },
    /// Publish a reviewed release (publisher; not who submitted or reviewed it).
    Publish { release: String },
    /// Withdraw a published release; the reason stays public.
    Withdraw {
        release: String,
        #[arg(long)]
        reason: String,
    },
    /// Supersede a published release by another (a reviewed release of the same dataset,
    /// published in its place, or a published release of another dataset).
    Supersede {
        release: String,
        #[arg(long)]
        by: i64,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; name the first entry altered, removed or moved. Exit status 1 when
    /// the chain is broken.
    Verify,
    /// Print entries, oldest first.
    List {
        #[arg(long, default_value_t = 0)]
        after: i64,
        #[arg(long, default_value_t = 100)]
        limit: u64,
    },
}

#[derive(Subcommand)]
pub enum CorrectionCommand {
    /// List corrections, newest first (editor).
    List {
        /// open or resolved.
        #[arg(long)]
        state: Option<String>,
    },
    /// Resolve a correction with what was done (editor).
    Resolve {
        id: i64,
        #[arg(long)]
        resolution: String,
    },
}

#[derive(Subcommand)]
pub enum NegativeCommand {
    /// Print the negative list.
    List,
    /// Withhold a dataset (`registry`) or a field (`registry.organizations.address`) (admin).
    Add {
        target: String,
        #[arg(long)]
        reason: String,
    },
    /// Take an entry off the negative list (admin).
    Remove { target: String },
}

/// The actor of a token given on the command line.
pub async fn actor(db: &DatabaseConnection, token: Option<&str>) -> anyhow::Result<Actor> {
    let Some(t) = token else {
        anyhow::bail!("this step needs a token: --token or GONGKAI_TOKEN (gongkai token create)");
    };
    Ok(workflow::tokens::authenticate(db, t).await?)
}

fn release_json(r: &schema::entity::release::Model) -> serde_json::Value {
    serde_json::json!({
        "id": r.id, "dataset": r.dataset, "version": r.version, "state": r.state,
        "rows": r.row_count, "created_at": r.created_at, "created_by": r.created_by,
        "submitted_by": r.submitted_by, "reviewed_by": r.reviewed_by,
        "published_by": r.published_by, "published_at": r.published_at,
        "review_comment": r.review_comment, "withdrawn_reason": r.withdrawn_reason,
        "superseded_by": r.superseded_by, "produced_at": r.produced_at,
        "diff": workflow::diff::of(r),
    })
}

fn print_release(r: &schema::entity::release::Model) {
    println!(
        "release {}  {} 第 {} 版  {}  {} 行  上传 {} {}",
        r.id,
        r.dataset,
        r.version,
        r.state,
        r.row_count,
        r.created_by.as_deref().unwrap_or("-"),
        r.created_at
    );
}

/// A release named by id, or by dataset: the newest release of that dataset in `from`.
async fn target(db: &DatabaseConnection, s: &str, from: &str) -> anyhow::Result<i64> {
    if let Ok(id) = s.parse::<i64>() {
        return Ok(id);
    }
    Ok(workflow::latest_in_state(db, s, from).await?.id)
}

pub async fn token(db: &DatabaseConnection, cmd: TokenCommand) -> anyhow::Result<ExitCode> {
    let me = Actor::local();
    match cmd {
        TokenCommand::Create { name, role } => {
            let (secret, t) = tokens::create(db, &me, &name, Role::parse(&role)?).await?;
            eprintln!(
                "token {} for {} ({}) — shown once, keep it safe:",
                t.id,
                t.name,
                t.role.as_str()
            );
            println!("{secret}");
        }
        TokenCommand::List => {
            for t in tokens::list(db, &me).await? {
                println!(
                    "{:>4}  {:<10} {:<20} {}…  created {} by {}{}",
                    t.id,
                    t.role.as_str(),
                    t.name,
                    t.prefix,
                    t.created_at,
                    t.created_by,
                    t.revoked_at
                        .map(|r| format!("  REVOKED {r}"))
                        .unwrap_or_default()
                );
            }
        }
        TokenCommand::Revoke { id } => {
            let t = tokens::revoke(db, &me, id).await?;
            println!("token {} ({}) revoked", t.id, t.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn release(
    db: &DatabaseConnection,
    token: Option<&str>,
    cmd: ReleaseCommand,
) -> anyhow::Result<ExitCode> {
    let r = match cmd {
        ReleaseCommand::List { dataset, state } => {
            let states: Vec<&str> = state.as_deref().into_iter().collect();
            if let Some(s) = states.first()
                && !state::ALL.contains(s)
            {
                anyhow::bail!("unknown state {s}: one of {}", state::ALL.join(", "));
            }
            for r in workflow::releases(db, dataset.as_deref(), &states).await? {
                print_release(&r);
            }
            return Ok(ExitCode::SUCCESS);
        }
        ReleaseCommand::Show { release } => {
            let id = match release.parse::<i64>() {
                Ok(id) => id,
                Err(_) => workflow::releases(db, Some(&release), &[])
                    .await?
                    .first()
                    .map(|r| r.id)
                    .ok_or_else(|| anyhow::anyhow!("{release} has no release"))?,
            };
            let r = workflow::release(db, id).await?;
            println!("{}", serde_json::to_string_pretty(&release_json(&r))?);
            return Ok(ExitCode::SUCCESS);
        }
        ReleaseCommand::Submit { release } => {
            let a = actor(db, token).await?;
            let id = target(db, &release, state::DRAFT).await?;
            workflow::submit(db, &a, id).await?
        }
        ReleaseCommand::Review { release } => {
            let a = actor(db, token).await?;
            let id = target(db, &release, state::SUBMITTED).await?;
            workflow::review(db, &a, id).await?
        }
        ReleaseCommand::SendBack { release, comment } => {
            let a = actor(db, token).await?;
            let id = match target(db, &release, state::SUBMITTED).await {
                Ok(id) => id,
                Err(_) => target(db, &release, state::REVIEWED).await?,
            };
            workflow::send_back(db, &a, id, &comment).await?
        }
        ReleaseCommand::Publish { release } => {
            let a = actor(db, token).await?;
            let id = target(db, &release, state::REVIEWED).await?;
            workflow::publish(db, &a, id).await?
        }
        ReleaseCommand::Withdraw { release, reason } => {
            let a = actor(db, token).await?;
            let id = target(db, &release, state::PUBLISHED).await?;
            workflow::withdraw(db, &a, id, &reason).await?
        }
        ReleaseCommand::Supersede { release, by } => {
            let a = actor(db, token).await?;
            let id = target(db, &release, state::PUBLISHED).await?;
            workflow::supersede(db, &a, id, by).await?
        }
    };
    print_release(&r);
    Ok(ExitCode::SUCCESS)
}

pub async fn audit(db: &DatabaseConnection, cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::Verify => {
            let v = workflow::audit::verify(db).await?;
            match v.problem {
                None => {
                    println!("audit log intact: {} entries", v.entries);
                    Ok(ExitCode::SUCCESS)
                }
                Some(p) => {
                    eprintln!("audit log broken at entry {}: {}", p.seq, p.message);
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        AuditCommand::List { after, limit } => {
            for e in workflow::audit::entries(db, after, limit).await? {
                println!(
                    "{:>6}  {}  {:<12} {:<22} {:<18} {}",
                    e.seq, e.at, e.actor, e.action, e.subject, e.detail
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub async fn corrections(
    db: &DatabaseConnection,
    token: Option<&str>,
    cmd: CorrectionCommand,
) -> anyhow::Result<ExitCode> {
    let a = actor(db, token).await?;
    match cmd {
        CorrectionCommand::List { state } => {
            for c in workflow::corrections::list(db, &a, state.as_deref()).await? {
                println!(
                    "{:>5}  {:<8} {:<14} {}  {}  {}",
                    c.id,
                    c.state,
                    c.dataset,
                    c.created_at,
                    c.record.as_deref().unwrap_or("-"),
                    c.message
                );
            }
        }
        CorrectionCommand::Resolve { id, resolution } => {
            let c = workflow::corrections::resolve(db, &a, id, &resolution).await?;
            println!("correction {} resolved", c.id);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn negative_list(
    db: &DatabaseConnection,
    token: Option<&str>,
    cmd: NegativeCommand,
) -> anyhow::Result<ExitCode> {
    match cmd {
        NegativeCommand::List => {
            for e in negative::load(db).await?.entries {
                println!(
                    "{}{}  {}  ({} {})",
                    e.dataset,
                    match (&e.table, &e.field) {
                        (Some(t), Some(f)) => format!(".{t}.{f}"),
                        _ => String::new(),
                    },
                    e.reason,
                    e.added_by,
                    e.added_at
                );
            }
        }
        NegativeCommand::Add { target, reason } => {
            let a = actor(db, token).await?;
            let t = negative::Target::parse(&target)?;
            negative::add(db, &a, &t, &reason).await?;
            println!("{target} is on the negative list");
        }
        NegativeCommand::Remove { target } => {
            let a = actor(db, token).await?;
            let t = negative::Target::parse(&target)?;
            negative::remove(db, &a, &t).await?;
            println!("{target} is off the negative list");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Exit status of a refused step: 2 for authentication and permission, 1 otherwise.
pub fn exit_of(e: &anyhow::Error) -> Option<ExitCode> {
    match e.downcast_ref::<WorkflowError>()? {
        WorkflowError::Unauthenticated(_)
        | WorkflowError::Forbidden(_)
        | WorkflowError::SelfReview(_) => Some(ExitCode::from(2)),
        _ => Some(ExitCode::FAILURE),
    }
}
