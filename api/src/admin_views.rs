//! The wire format of the admin API (`/api/v1/admin`): releases in every state with their review
//! trail, what they change, upload summaries and validation reports, corrections with their
//! contact, the negative list, tokens and the audit log. Every field documented, with an example;
//! views are built from `schema::workflow` and `schema::import` results. What a release changes
//! is shown as the public release history shows it (`crate::views::ReleaseChanges`,
//! `RecordChange`).

use std::collections::BTreeMap;

use schema::entity::{correction, release};
use schema::workflow::{self, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::Problem;
use crate::views::{RecordChange, ReleaseChanges, ReleaseHistoryEntry};

// ---------------------------------------------------------------------------------------------
// Releases

/// A release in any state: what the public history shows of a release, with the dataset and who
/// took each step of its review.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminRelease {
    /// As in the public history: id, version, state, rows, files, dates, notices, changes.
    #[serde(flatten)]
    pub release: ReleaseHistoryEntry,
    /// The dataset.
    #[schema(example = "relief")]
    pub dataset: String,
    /// Who uploaded it (a token's name; `cli` or `system` for the command line and the shipped data).
    #[schema(example = "王编辑")]
    pub created_by: Option<String>,
    /// Who submitted it for review.
    #[schema(example = "王编辑")]
    pub submitted_by: Option<String>,
    /// When it was submitted (UTC).
    #[schema(example = "2026-11-20T03:00:00Z")]
    pub submitted_at: Option<String>,
    /// Who reviewed it.
    #[schema(example = "李科长")]
    pub reviewed_by: Option<String>,
    /// When it was reviewed (UTC).
    #[schema(example = "2026-11-20T05:00:00Z")]
    pub reviewed_at: Option<String>,
    /// Who published it.
    #[schema(example = "张主任")]
    pub published_by: Option<String>,
    /// The comment it was last sent back with.
    #[schema(example = "第3行城市低保人数与上月公报不符，请核对")]
    pub review_comment: Option<String>,
    /// Who withdrew it.
    #[schema(example = "张主任")]
    pub withdrawn_by: Option<String>,
}

impl From<release::Model> for AdminRelease {
    fn from(r: release::Model) -> Self {
        AdminRelease {
            dataset: r.dataset.clone(),
            created_by: r.created_by.clone(),
            submitted_by: r.submitted_by.clone(),
            submitted_at: r.submitted_at.clone(),
            reviewed_by: r.reviewed_by.clone(),
            reviewed_at: r.reviewed_at.clone(),
            published_by: r.published_by.clone(),
            review_comment: r.review_comment.clone(),
            withdrawn_by: r.withdrawn_by.clone(),
            release: schema::query::ReleaseHistoryView::from(r).into(),
        }
    }
}

/// Releases, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReleaseList {
    /// The releases.
    pub releases: Vec<AdminRelease>,
}

/// A release with a page of what it changes (the first 1000 of each kind per table are kept;
/// the counts in `diff` are exact).
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminReleaseDetail {
    /// The release.
    #[serde(flatten)]
    pub release: AdminRelease,
    /// The records it adds, removes or changes, from `changes_offset` (the counts are in
    /// `changes`).
    pub changed_records: Vec<RecordChange>,
    /// The position of the first change shown.
    #[schema(example = 0)]
    pub changes_offset: u64,
    /// The `changes_offset` of the next page (null: no more).
    #[schema(example = 100)]
    pub next_changes_offset: Option<u64>,
}

// ---------------------------------------------------------------------------------------------
// Uploads

/// A stored upload: a new draft release.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadSummary {
    /// The dataset.
    #[schema(example = "relief")]
    pub dataset: String,
    /// The new release.
    #[schema(example = 7)]
    pub release_id: i64,
    /// Its version within the dataset.
    #[schema(example = 2)]
    pub version: i32,
    /// Always `draft`: it is public once submitted, reviewed and published by three people.
    #[schema(example = "draft")]
    pub state: String,
    /// True for generated data.
    #[schema(example = false)]
    pub synthetic: bool,
    /// Rows stored per table.
    #[schema(example = json!({"relief.stats": 215}))]
    pub rows: BTreeMap<String, u64>,
    /// Rows stored over every table.
    #[schema(example = 215)]
    pub total_rows: u64,
    /// Source documents the rows cite.
    #[schema(example = 31)]
    pub sources: usize,
    /// What was accepted but deserves a look.
    #[schema(example = json!(["第12行：数值单位“万人次”已换算为人次"]))]
    pub warnings: Vec<String>,
    /// What the draft changes against the published release.
    pub diff: ReleaseChanges,
}

impl From<schema::import::ImportSummary> for UploadSummary {
    fn from(s: schema::import::ImportSummary) -> Self {
        let total_rows = s.total_rows();
        UploadSummary {
            dataset: s.dataset,
            release_id: s.release_id,
            version: s.version,
            state: workflow::state::DRAFT.to_string(),
            synthetic: s.synthetic,
            rows: s.rows.into_iter().collect(),
            total_rows,
            sources: s.sources,
            warnings: s.warnings,
            diff: s.diff.into(),
        }
    }
}

/// One problem found in an uploaded file.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadIssue {
    /// The file.
    #[schema(example = "stats.csv")]
    pub file: String,
    /// 1-based row as Excel and WPS number it (the header is row 1); null for the whole file.
    #[schema(example = 3)]
    pub row: Option<u64>,
    /// The column header as written in the file.
    #[schema(example = "数值")]
    pub column: Option<String>,
    /// The cell as written.
    #[schema(example = "一千")]
    pub value: Option<String>,
    /// Stable machine code, e.g. `invalid_number`, `duplicate_key`.
    #[schema(example = "invalid_number")]
    pub code: String,
    /// What is wrong and what is expected.
    #[schema(example = "“一千”不是数字")]
    pub message: String,
}

impl From<schema::import::Issue> for UploadIssue {
    fn from(i: schema::import::Issue) -> Self {
        UploadIssue {
            file: i.file,
            row: i.row,
            column: i.column,
            value: i.value,
            code: i.code.to_string(),
            message: i.message,
        }
    }
}

/// Everything wrong with an upload; nothing was stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationReport {
    /// Problems found, all counted.
    #[schema(example = 2)]
    pub total: usize,
    /// The problems, in file order; the first 10 000 when there are more (`total` counts all).
    pub issues: Vec<UploadIssue>,
    /// What would have been accepted but deserves a look.
    #[schema(example = json!([]))]
    pub warnings: Vec<String>,
}

/// 422 `invalid_upload`: a problem document with the validation report.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadProblem {
    /// The problem.
    #[serde(flatten)]
    pub problem: Problem,
    /// Every issue found.
    pub report: ValidationReport,
}

// ---------------------------------------------------------------------------------------------
// Review steps

/// A reviewer's or publisher's reason for sending a release back to its editor.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SendBack {
    /// What to fix (1–2000 characters).
    #[schema(example = "第3行城市低保人数与上月公报不符，请核对")]
    pub comment: String,
}

/// Why a published release is withdrawn; it stays public in the release history.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Withdraw {
    /// The reason (1–2000 characters).
    #[schema(example = "统计口径调整，数据重新核定后另行发布")]
    pub reason: String,
}

/// The release that supersedes a published one.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Supersede {
    /// A reviewed release of the same dataset (it is published in this one's place), or a
    /// published release of another dataset that replaces it.
    #[schema(example = 9)]
    pub by: i64,
}

// ---------------------------------------------------------------------------------------------
// Corrections

/// A correction as editors see it, with the reporter's contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminCorrection {
    /// Correction id.
    #[schema(example = 4)]
    pub id: i64,
    /// The dataset it is about.
    #[schema(example = "relief")]
    pub dataset: String,
    /// Which record, as the reporter gave it.
    #[schema(example = "/api/v1/relief-stats?region_code=430000&period=2021")]
    pub record: Option<String>,
    /// What the reporter says is wrong.
    #[schema(example = "湖南省2021年农村低保人数与省民政厅公报不一致")]
    pub message: String,
    /// How to reach the reporter (private: shown here only).
    #[schema(example = "reader@example.com")]
    pub contact: Option<String>,
    /// When it was reported (UTC).
    #[schema(example = "2026-11-22T09:00:00Z")]
    pub created_at: String,
    /// `open` or `resolved`.
    #[schema(example = "resolved")]
    pub state: String,
    /// When it was resolved (UTC).
    #[schema(example = "2026-11-23T02:00:00Z")]
    pub resolved_at: Option<String>,
    /// Who resolved it.
    #[schema(example = "王编辑")]
    pub resolved_by: Option<String>,
    /// What was done about it.
    #[schema(example = "已核对原始公报并在第3版更正")]
    pub resolution: Option<String>,
}

impl From<correction::Model> for AdminCorrection {
    fn from(c: correction::Model) -> Self {
        AdminCorrection {
            id: c.id,
            dataset: c.dataset,
            record: c.record,
            message: c.message,
            contact: c.contact,
            created_at: c.created_at,
            state: c.state,
            resolved_at: c.resolved_at,
            resolved_by: c.resolved_by,
            resolution: c.resolution,
        }
    }
}

/// Corrections, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionList {
    /// The corrections.
    pub corrections: Vec<AdminCorrection>,
}

/// What was done about a correction.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Resolve {
    /// The resolution (1–2000 characters).
    #[schema(example = "已核对原始公报并在第3版更正")]
    pub resolution: String,
}

// ---------------------------------------------------------------------------------------------
// Negative list

/// Data not for disclosure: a whole dataset, or one field of one table.
#[derive(Debug, Serialize, ToSchema)]
pub struct NegativeEntry {
    /// What it names: `dataset` or `dataset.table.field` (the path segment that removes it).
    #[schema(example = "registry.organizations.address")]
    pub target: String,
    /// The dataset.
    #[schema(example = "registry")]
    pub dataset: String,
    /// The table (null: the whole dataset).
    #[schema(example = "organizations")]
    pub table: Option<String>,
    /// The field, a column of the data dictionary (null: the whole dataset).
    #[schema(example = "address")]
    pub field: Option<String>,
    /// Why it is withheld.
    #[schema(example = "住所含个人住址，依《个人信息保护法》不予公开")]
    pub reason: String,
    /// When it was added (UTC).
    #[schema(example = "2026-11-20T02:00:00Z")]
    pub added_at: String,
    /// Who added it.
    #[schema(example = "系统管理员")]
    pub added_by: String,
}

impl From<workflow::negative::Entry> for NegativeEntry {
    fn from(e: workflow::negative::Entry) -> Self {
        let target = match (&e.table, &e.field) {
            (Some(t), Some(f)) => format!("{}.{t}.{f}", e.dataset),
            _ => e.dataset.clone(),
        };
        NegativeEntry {
            target,
            dataset: e.dataset,
            table: e.table,
            field: e.field,
            reason: e.reason,
            added_at: e.added_at,
            added_by: e.added_by,
        }
    }
}

/// The negative list.
#[derive(Debug, Serialize, ToSchema)]
pub struct NegativeList {
    /// Every entry, by dataset, table and field.
    pub entries: Vec<NegativeEntry>,
}

/// An entry to put on the negative list.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewNegativeEntry {
    /// `dataset` (the whole dataset) or `dataset.table.field` (one field of the data dictionary).
    #[schema(example = "registry.organizations.address")]
    pub target: String,
    /// Why it is withheld (1–2000 characters).
    #[schema(example = "住所含个人住址，依《个人信息保护法》不予公开")]
    pub reason: String,
}

// ---------------------------------------------------------------------------------------------
// Tokens

/// What a token may do.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleName {
    /// Uploads files, submits drafts, handles corrections.
    Editor,
    /// Reviews submitted releases.
    Reviewer,
    /// Publishes, withdraws and supersedes releases.
    Publisher,
    /// Every step, and tokens, the negative list and the audit log.
    Admin,
}

impl From<Role> for RoleName {
    fn from(r: Role) -> Self {
        match r {
            Role::Editor => RoleName::Editor,
            Role::Reviewer => RoleName::Reviewer,
            Role::Publisher => RoleName::Publisher,
            Role::Admin => RoleName::Admin,
        }
    }
}

impl From<RoleName> for Role {
    fn from(r: RoleName) -> Self {
        match r {
            RoleName::Editor => Role::Editor,
            RoleName::Reviewer => Role::Reviewer,
            RoleName::Publisher => Role::Publisher,
            RoleName::Admin => Role::Admin,
        }
    }
}

/// A token as listed (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct Token {
    /// Token id.
    #[schema(example = 3)]
    pub id: i64,
    /// The person it stands for: the identity the no-self-review rule checks.
    #[schema(example = "李科长")]
    pub name: String,
    /// What it may do.
    pub role: RoleName,
    /// The first characters of the secret, to tell tokens apart.
    #[schema(example = "gk_3f9a1c")]
    pub prefix: String,
    /// When it was created (UTC).
    #[schema(example = "2026-11-20T02:00:00Z")]
    pub created_at: String,
    /// Who created it.
    #[schema(example = "cli")]
    pub created_by: String,
    /// When it was revoked (null: it works).
    #[schema(example = json!(null))]
    pub revoked_at: Option<String>,
}

impl From<workflow::tokens::TokenView> for Token {
    fn from(t: workflow::tokens::TokenView) -> Self {
        Token {
            id: t.id,
            name: t.name,
            role: t.role.into(),
            prefix: t.prefix,
            created_at: t.created_at,
            created_by: t.created_by,
            revoked_at: t.revoked_at,
        }
    }
}

/// Every token, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    /// The tokens.
    pub tokens: Vec<Token>,
}

/// A token to create.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewToken {
    /// The person it is for (1–100 characters).
    #[schema(example = "李科长")]
    pub name: String,
    /// What it may do.
    pub role: RoleName,
}

/// A created token with its secret, shown this once (only its SHA-256 is stored).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    /// The secret, for `Authorization: Bearer …`.
    #[schema(example = "gk_3f9a1c0d5e7b2a4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a2b")]
    pub secret: String,
    /// The token as listed.
    pub token: Token,
}

// ---------------------------------------------------------------------------------------------
// Audit log

/// One entry of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    #[schema(example = 42)]
    pub seq: i64,
    /// When (UTC).
    #[schema(example = "2026-11-21T01:00:00Z")]
    pub at: String,
    /// Who (a token's name; `cli`, `system` or `public`).
    #[schema(example = "张主任")]
    pub actor: String,
    /// What: `release.upload`, `release.submit`, `release.review`, `release.send_back`,
    /// `release.publish`, `release.withdraw`, `release.supersede`, `token.create`,
    /// `token.revoke`, `correction.report`, `correction.resolve`, `negative_list.add`,
    /// `negative_list.remove`.
    #[schema(example = "release.publish")]
    pub action: String,
    /// On what: `release:7`, `token:3`, `correction:4`, `dataset:registry`, `field:…`.
    #[schema(example = "release:7")]
    pub subject: String,
    /// The details of the step.
    #[schema(value_type = Object, example = json!({"dataset": "relief", "version": 2, "supersedes": 3}))]
    pub detail: serde_json::Value,
    /// SHA-256 over the previous entry's hash and this entry's fields.
    #[schema(example = "5d41402abc4b2a76b9719d911017c592ae2b1c3d4e5f60718293a4b5c6d7e8f9")]
    pub hash: String,
}

impl From<workflow::audit::EntryView> for AuditEntry {
    fn from(e: workflow::audit::EntryView) -> Self {
        AuditEntry {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            action: e.action,
            subject: e.subject,
            detail: e.detail,
            hash: e.hash,
        }
    }
}

/// A page of the audit log, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// The entries.
    pub entries: Vec<AuditEntry>,
    /// The `after` of the next page (null: this page is the end of the log for now).
    #[schema(example = 142)]
    pub next_after: Option<i64>,
}

/// The first entry that does not fit the chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditProblem {
    /// The position in the chain where the problem shows.
    #[schema(example = 17)]
    pub seq: i64,
    /// What is wrong there.
    #[schema(example = "entry 17 was altered or moved: its contents do not match its hash")]
    pub message: String,
}

/// Whether the audit log is intact: every entry follows the one before it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditVerdict {
    /// True when no entry was altered, removed or moved.
    #[schema(example = true)]
    pub intact: bool,
    /// Entries checked.
    #[schema(example = 142)]
    pub entries: u64,
    /// The first problem (null: intact).
    pub problem: Option<AuditProblem>,
}

impl From<workflow::audit::Verdict> for AuditVerdict {
    fn from(v: workflow::audit::Verdict) -> Self {
        AuditVerdict {
            intact: v.problem.is_none(),
            entries: v.entries,
            problem: v.problem.map(|p| AuditProblem {
                seq: p.seq,
                message: p.message,
            }),
        }
    }
}
