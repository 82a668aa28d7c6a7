//! The admin API (`/api/v1/admin`): the publishing workflow over HTTP. Every handler takes the
//! bearer token first ([`Auth`]: 401 before anything else), then checks that the token's role
//! may take the step (403 `forbidden`), and only then reads its parameters and body and calls
//! `schema::workflow` (or `schema::import` for uploads), whose refusals come back as 404, 409,
//! 403 `self_review` or 400. Answers are `Cache-Control: no-store` and carry no CORS headers
//! (`crate::http`).

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use schema::workflow::{self, Step, authorize};
use serde::Deserialize;
use tokio::io::AsyncWriteExt;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::admin_views::{
    AdminCorrection, AdminRelease, AdminReleaseDetail, AuditEntry, AuditPage, AuditVerdict,
    CorrectionList, CreatedToken, NegativeEntry, NegativeList, NewNegativeEntry, NewToken,
    ReleaseList, Resolve, SendBack, Supersede, Token, TokenList, UploadIssue, UploadProblem,
    UploadSummary, ValidationReport, Withdraw,
};
use crate::auth::Auth;
use crate::error::{ApiError, ErrorCode, Path, Problem, Query, body_error};
use crate::views::RecordChange;

/// A request body, read after the role is checked.
type JsonBody<T> = Result<crate::error::Json<T>, ApiError>;
/// Path parameters, read after the role is checked.
type PathParam<T> = Result<Path<T>, ApiError>;
/// Query parameters, read after the role is checked.
type QueryParams<T> = Result<Query<T>, ApiError>;

/// The admin routes, relative to `/api/v1/admin`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload))
        .routes(routes!(releases))
        .routes(routes!(release))
        .routes(routes!(submit))
        .routes(routes!(review))
        .routes(routes!(send_back))
        .routes(routes!(publish))
        .routes(routes!(withdraw))
        .routes(routes!(supersede))
        .routes(routes!(corrections))
        .routes(routes!(resolve_correction))
        .routes(routes!(negative_list, add_negative))
        .routes(routes!(remove_negative))
        .routes(routes!(tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(audit))
        .routes(routes!(verify_audit))
}

// ---------------------------------------------------------------------------------------------
// Uploads

/// The uploaded file, sent as the request body itself (not a form).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct UploadFile(pub Vec<u8>);

/// What an upload is, beside the file in the body.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// The table the file holds, `TABLE` or `DATASET.TABLE`; by default found from its header row.
    #[param(example = "relief.stats")]
    pub table: Option<String>,
    /// When the figures were produced (形成日期: `2026-11-20` or RFC 3339), for timeliness; the
    /// upload time when not given.
    #[param(example = "2026-11-20")]
    pub produced_at: Option<String>,
    /// The file's name, kept in the release's file list; its extension (`.csv`, `.xlsx`) tells
    /// the format, else the `Content-Type`, else the file's first bytes.
    #[param(example = "stats.csv")]
    pub filename: Option<String>,
    /// A note stored on the release.
    #[param(example = "2026年第三季度")]
    pub note: Option<String>,
    /// The source document of rows that name none themselves: its title.
    #[param(example = "2026年第三季度社会服务统计数据")]
    pub source: Option<String>,
    /// The source document's URL.
    #[param(example = "https://www.mca.gov.cn/n156/n2679/index.html")]
    pub source_url: Option<String>,
    /// The source document's publisher and date as written.
    #[param(example = "民政部 2026-11-20")]
    pub source_publisher: Option<String>,
    /// The source document's number (文号).
    #[param(example = "民发〔2026〕12号")]
    pub source_document_number: Option<String>,
    /// The source's grade: A official site, B mainstream media or research institute, C reprint.
    #[param(example = "A")]
    pub source_grade: Option<String>,
}

/// Formats the reader tells apart by extension.
const EXTENSIONS: [&str; 6] = ["csv", "txt", "tsv", "xlsx", "xlsm", "xls"];

/// The extension the format of a media type has, if it names one.
fn extension_of_media_type(content_type: &str) -> Option<&'static str> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "text/csv" | "application/csv" | "text/plain" | "text/tab-separated-values" => Some("csv"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => Some("xlsx"),
        "application/vnd.ms-excel.sheet.macroenabled.12" => Some("xlsm"),
        // Windows browsers send CSV files as application/vnd.ms-excel too: look at the bytes.
        _ => None,
    }
}

/// The extension of a file's first bytes: a ZIP container is XLSX, an OLE compound file is the
/// old XLS (which the reader refuses with a helpful message), anything else is read as CSV.
fn extension_of_bytes(head: &[u8]) -> &'static str {
    if head.starts_with(b"PK\x03\x04") {
        "xlsx"
    } else if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        "xls"
    } else {
        "csv"
    }
}

/// The name the uploaded file is stored under for the import (and shown in the release's file
/// list): the last component of `filename` with only safe characters, and an extension the
/// reader knows, from the name, else the media type, else the bytes.
pub fn upload_name(filename: Option<&str>, content_type: Option<&str>, head: &[u8]) -> String {
    let given = filename
        .unwrap_or("")
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("");
    let mut name: String = given
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_.() ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(120)
        .collect();
    name = name.trim().trim_start_matches('.').to_string();
    let known = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .filter(|e| EXTENSIONS.contains(&e.as_str()));
    if name.is_empty() {
        name = "upload".into();
    }
    if known.is_none() {
        let ext = content_type
            .and_then(extension_of_media_type)
            .unwrap_or_else(|| extension_of_bytes(head));
        name = format!("{name}.{ext}");
    }
    name
}

fn internal(what: &str, e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "{what}");
    ApiError::new(ErrorCode::Internal, "internal error")
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("the uploaded file is larger than the limit of {limit} bytes"),
    )
}

/// Upload a file as a new draft release of a dataset: a CSV file (UTF-8, UTF-16 with BOM, or
/// GBK/GB18030; comma, tab or semicolon) or an XLSX workbook, sent as the request body. It is
/// validated in full (every rule of the import formats) and stored in one transaction, or not at
/// all: a file with errors answers 422 `invalid_upload` with every issue (file, row, column,
/// value, code, message) and creates no release. The draft is public once an editor has
/// submitted it, a reviewer reviewed it and a publisher published it. Role: editor or admin.
#[utoipa::path(
    post,
    path = "/datasets/{slug}/uploads",
    tag = "admin",
    security(("bearer" = [])),
    params(
        ("slug" = String, Path, description = "The dataset", example = "relief"),
        UploadParams
    ),
    request_body(
        description = "The file itself. Its format is told by `filename`'s extension, else the Content-Type, else its first bytes.",
        content(
            (UploadFile = "text/csv"),
            (UploadFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (UploadFile = "application/octet-stream")
        )
    ),
    responses(
        (status = 201, description = "Stored as a new draft release", body = UploadSummary,
            headers(("Location" = String, description = "The new release: /api/v1/admin/releases/{id}"))),
        (status = 400, description = "A parameter is malformed (`invalid_parameter`, e.g. an unknown table or a malformed produced_at), or the body is empty (`invalid_body`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a malformed, unknown or revoked one (`unauthenticated`)", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"gongkai\"`"))),
        (status = 403, description = "The token's role may not upload (`forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No dataset has this slug", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is larger than the upload limit (`payload_too_large`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is a form or JSON, not the file itself (`unsupported_media_type`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file failed validation (`invalid_upload`); nothing was stored. The problem's `report` lists every issue", body = UploadProblem, content_type = "application/problem+json"),
    )
)]
pub async fn upload(
    State(s): State<AppState>,
    Auth(actor): Auth,
    slug: PathParam<String>,
    params: QueryParams<UploadParams>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    authorize(&actor, Step::Upload)?;
    let Path(slug) = slug?;
    if schema::catalog::dataset(&slug).is_none() {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            format!("no dataset named “{slug}”"),
        ));
    }
    let Query(p) = params?;
    let table = match p.table.as_deref() {
        None => None,
        Some(t) => {
            let tables = schema::descriptor::tables_of(&slug);
            let found = tables
                .iter()
                .copied()
                .find(|d| d.name == t || d.qualified() == t);
            if found.is_none() {
                let names: Vec<String> = tables.iter().map(|d| d.qualified()).collect();
                return Err(ApiError::new(
                    ErrorCode::InvalidParameter,
                    format!(
                        "table: {slug} has no table “{t}”; its tables: {}",
                        names.join(", ")
                    ),
                ));
            }
            found
        }
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if let Some(ct) = &content_type {
        let essence = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if essence.starts_with("multipart/")
            || essence == "application/x-www-form-urlencoded"
            || essence == "application/json"
        {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                format!("the body is {essence}: send the file itself as the body (CSV or XLSX)"),
            ));
        }
    }
    let limit = s.upload_limit;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large(limit));
    }

    // Stream the body to a file of its own folder, then name it so the reader knows the format.
    let dir = tempfile::Builder::new()
        .prefix("gongkai-upload-")
        .tempdir()
        .map_err(|e| internal("upload folder", e))?;
    let raw = dir.path().join("body");
    let mut file = tokio::fs::File::create(&raw)
        .await
        .map_err(|e| internal("upload file", e))?;
    let mut received = 0usize;
    let mut head = Vec::with_capacity(8);
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            tracing::warn!(error = %e, "upload interrupted");
            ApiError::new(
                ErrorCode::InvalidBody,
                "the upload was interrupted before the whole file arrived",
            )
        })?;
        received += chunk.len();
        if received > limit {
            return Err(too_large(limit));
        }
        if head.len() < 8 {
            let take = (8 - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| internal("upload write", e))?;
    }
    file.flush()
        .await
        .map_err(|e| internal("upload flush", e))?;
    drop(file);
    if received == 0 {
        return Err(ApiError::new(
            ErrorCode::InvalidBody,
            "the body is empty: send the file itself as the body",
        ));
    }
    let name = upload_name(p.filename.as_deref(), content_type.as_deref(), &head);
    let path = dir.path().join(&name);
    tokio::fs::rename(&raw, &path)
        .await
        .map_err(|e| internal("upload rename", e))?;

    let source = p.source.map(|title| schema::import::SourceFields {
        title,
        url: p.source_url,
        publisher_date: p.source_publisher,
        document_number: p.source_document_number,
        grade: p.source_grade,
    });
    let opts = schema::import::ImportOptions {
        source,
        // Files uploaded by a department are its real figures.
        synthetic: Some(false),
        note: p.note,
        actor: Some(actor.name.clone()),
        produced_at: p.produced_at,
        ..Default::default()
    };
    let files = [schema::import::ImportFile { path, table }];
    let summary = match schema::import::import(&s.db, &slug, &files, opts).await {
        Ok(summary) => summary,
        Err(schema::import::ImportError::Invalid {
            issues,
            total,
            warnings,
        }) => {
            let report = ValidationReport {
                total,
                issues: issues.into_iter().map(UploadIssue::from).collect(),
                warnings,
            };
            return Err(ApiError::new(
                ErrorCode::InvalidUpload,
                format!("{total} problem(s) in the file; nothing was stored"),
            )
            .with_member("report", report));
        }
        Err(schema::import::ImportError::Refused(m)) => {
            return Err(ApiError::new(ErrorCode::InvalidParameter, m));
        }
        Err(schema::import::ImportError::Db(e)) => return Err(e.into()),
    };
    drop(dir);
    let location = HeaderValue::from_str(&format!("/api/v1/admin/releases/{}", summary.release_id))
        .map_err(|e| internal("location", e))?;
    let view = UploadSummary::from(summary);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(view),
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Releases

/// Filters of the release list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReleaseParams {
    /// Only this dataset.
    #[param(example = "relief")]
    pub dataset: Option<String>,
    /// Only releases in these states (comma-separated): `draft`, `submitted`, `reviewed`,
    /// `published`, `superseded`, `withdrawn`.
    #[param(example = "submitted,reviewed")]
    pub state: Option<String>,
}

/// Every release, drafts and releases under review included, newest first, with its review
/// trail (who uploaded, submitted, reviewed, published or withdrew it, and when), the comment it
/// was last sent back with, and what it changes. Role: any.
#[utoipa::path(
    get,
    path = "/releases",
    tag = "admin",
    security(("bearer" = [])),
    params(ReleaseParams),
    responses(
        (status = 200, description = "The releases", body = ReleaseList),
        (status = 400, description = "A parameter is malformed (`invalid_parameter`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a malformed, unknown or revoked one (`unauthenticated`)", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"gongkai\"`"))),
    )
)]
pub async fn releases(
    State(s): State<AppState>,
    Auth(actor): Auth,
    params: QueryParams<ReleaseParams>,
) -> Result<Json<ReleaseList>, ApiError> {
    authorize(&actor, Step::ReadUnpublished)?;
    let Query(p) = params?;
    if let Some(d) = &p.dataset
        && schema::catalog::dataset(d).is_none()
    {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("dataset: there is no dataset “{d}”"),
        ));
    }
    let states: Vec<&str> = p
        .state
        .as_deref()
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if let Some(bad) = states.iter().find(|s| !workflow::state::ALL.contains(s)) {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!(
                "state: “{bad}” is not one of {}",
                workflow::state::ALL.join(", ")
            ),
        ));
    }
    let list = workflow::releases(&s.db, p.dataset.as_deref(), &states).await?;
    Ok(Json(ReleaseList {
        releases: list.into_iter().map(AdminRelease::from).collect(),
    }))
}

/// Which changes of a release to show.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangeParams {
    /// Skip this many changes.
    #[param(example = 0, minimum = 0)]
    pub changes_offset: Option<u64>,
    /// Changes to show, 1 to 1000 (default 100).
    #[param(example = 100, minimum = 1, maximum = 1000)]
    pub changes_limit: Option<u64>,
}

/// One release in any state with its review trail and a page of the records it adds, removes
/// and changes (each changed field with its old and new value). Role: any.
#[utoipa::path(
    get,
    path = "/releases/{id}",
    tag = "admin",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Release id", example = 7),
        ChangeParams
    ),
    responses(
        (status = 200, description = "The release", body = AdminReleaseDetail),
        (status = 400, description = "A parameter is malformed (`invalid_parameter`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a malformed, unknown or revoked one (`unauthenticated`)", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"gongkai\"`"))),
        (status = 404, description = "No release has this id", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn release(
    State(s): State<AppState>,
    Auth(actor): Auth,
    id: PathParam<i64>,
    params: QueryParams<ChangeParams>,
) -> Result<Json<AdminReleaseDetail>, ApiError> {
    authorize(&actor, Step::ReadUnpublished)?;
    let Path(id) = id?;
    let Query(p) = params?;
    let offset = p.changes_offset.unwrap_or(0);
    let limit = p.changes_limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("changes_limit: {limit} is not from 1 to 1000"),
        ));
    }
    let rel = workflow::release(&s.db, id).await?;
    let mut changes = workflow::diff::changes(&s.db, id, offset, limit + 1).await?;
    let more = changes.len() as u64 > limit;
    changes.truncate(limit as usize);
    Ok(Json(AdminReleaseDetail {
        release: rel.into(),
        changed_records: changes.into_iter().map(RecordChange::from).collect(),
        changes_offset: offset,
        next_changes_offset: more.then_some(offset + limit),
    }))
}

/// Submit a draft for review. Role: editor or admin.
#[utoipa::path(
    post,
    path = "/releases/{id}/submit",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Release id", example = 7)),
    responses(
        (status = 200, description = "The release, now `submitted`", body = AdminRelease),
        (status = 401, description = "No token, or a malformed, unknown or revoked one (`unauthenticated`)", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"gongkai\"`"))),
        (status = 403, description = "The token's role may not submit (`forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No release has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The release is not a draft (`conflict`)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn submit(
    State(s): State<AppState>,
    Auth(actor): Auth,
    id: PathParam<i64>,
) -> Result<Json<AdminRelease>, ApiError> {
    authorize(&actor, Step::Submit)?;
    let Path(id) = id?;
    Ok(Json(workflow::submit(&s.db, &actor, id).await?.into()))
}

/// Review a submitted release (the second of three steps): not by the person who submitted it.
/// Role: reviewer or admin.
#[utoipa::path(
    post,
    path = "/releases/{id}/review",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Release id", example = 7)),
    responses(
        (status = 200, description = "The release, now `reviewed`", body = AdminRelease),
        (status = 401, description = "No token, or a malformed, unknown or revoked one (`unauthenticated`)", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"gongkai\"`"))),
        (status = 403, description = "The token's role may not review (`forbidden`), or its holder submitted the release (`self_review`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No release has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The release is not submitted (`conflict`)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn review(
    State(s): State<AppState>,
    Auth(actor): Auth,
    id: PathParam<i64>,
) -> Result<Json<AdminRelease>, ApiError> {
    authorize(&actor, Step::Review)?;
    let Path(id) = id?;
    Ok(Json(workflow::review(&s.db, &actor, id).await?.into()))
}

/// Send a submitted or reviewed release back to draft, with a comment for its editor. Role:
/// reviewer, publisher or admin.
#[utoipa::path(
    post,
    path = "/releases/{id}/send-back",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Release id", example = 7)),
    request_body(content = SendBack, description = "What to fix"),
    responses(
        (status = 200, description = "The release, now a `draft` again with the comment", body = AdminRelease),
        (status = 400, description = "The body is malformed or the comment empty or too long (`invalid_body`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a malformed, unknown or revoked one (`unauthenticated`)", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"gongkai\"`"))),
        (status = 403, description = "The token's role may not send releases back (`forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No release has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The release is neither submitted nor reviewed (`conflict`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON (`unsupported_media_type`)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn send_back(
    State(s): State<AppState>,
    Auth(actor): Auth,
    id: PathParam<i64>,
    body: JsonBody<SendBack>,
) -> Result<Json<AdminRelease>, ApiError> {
    authorize(&actor, Step::SendBack)?;
    let Path(id) = id?;
    let crate::error::Json(b) = body?;
    let rel = workflow::send_back(&s.db, &actor, id, &b.comment)
        .await
        .map_err(body_error)?;
    Ok(Json(rel.into()))
}

/// Publish a reviewed release (the third step): not by the person who submitted or reviewed it.
/// It becomes the dataset's current release and the previous one `superseded`, at once. Role:
/// publisher or admin.
#[utoipa::path(
    post,
    path = "/releases/{id}/publish",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Release id", example = 7)),
    responses(
        (status = 200, description = "The release, now `published`", body = AdminRelease),
        (status = 401, description = "No token, or a malformed, unknown or revoked one (`unauthenticated`)", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"gongkai\"`"))),
        (status = 403, description = "The token's role may not publish (`forbidden`), or its holder submitted or reviewed the release (`self_review`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No release has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The release is not reviewed (`conflict`)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn publish(
    State(s): State<AppState>,
    Auth(actor): Auth,
    id: PathParam<i64>,
) -> Result<Json<AdminRelease>, ApiError> {
    authorize(&actor, Step::Publish)?;
    let Path(id) = id?;
    Ok(Json(workflow::publish(&s.db, &actor, id).await?.into()))
}

/// Withdraw a published or superseded release: its rows leave every public face at once; the
/// release stays in the public history with the reason. Role: publisher or admin.
#[utoipa::path(
    post,
    path = "/releases/{id}/withdraw",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Release id", example = 7)),
    request_body(content = Withdraw, description = "Why it is withdrawn"),
    responses(
        (status = 200, description = "The release, now `withdrawn`", body = AdminRelease),
        (status = 400, description = "The body is malformed or the reason empty or too long (`invalid_body`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a malformed, unknown or revoked one (`unauthenticated`)", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"gongkai\"`"))),
        (status = 403, description = "The token's role may not withdraw (`forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No release has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The release is neither published nor superseded (`conflict`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON (`unsupported_media_type`)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn withdraw(
    State(s): State<AppState>,
    Auth(actor): Auth,
    id: PathParam<i64>,
    body: JsonBody<Withdraw>,
) -> Result<Json<AdminRelease>, ApiError> {
    authorize(&actor, Step::Withdraw)?;
    let Path(id) = id?;
    let crate::error::Json(b) = body?;
    let rel = workflow::withdraw(&s.db, &actor, id, &b.reason)
        .await
        .map_err(body_error)?;
    Ok(Json(rel.into()))
}

/// Supersede a published release (效力状态 废止): by a reviewed release of the same dataset,
/// which is published in its place (not by whoever submitted or reviewed that one), or by a
/// published release of another dataset that replaces it. Role: publisher or admin.
#[utoipa::path(
    post,
    path = "/releases/{id}/supersede",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The published release to supersede", example = 3)),
    request_body(content = Supersede, description = "The release that supersedes it"),
    responses(
        (status = 200, description = "The release, now `superseded`", body = AdminRelease),
        (status = 400, description = "The body is malformed, or names the release itself (`invalid_body`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a malformed, unknown or revoked one (`unauthenticated`)", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"gongkai\"`"))),
        (status = 403, description = "The token's role may not supersede (`forbidden`), or its holder submitted or reviewed the successor (`self_review`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No release has this id, or none the successor's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The release is not published, or the successor not in a state to supersede it (`conflict`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON (`unsupported_media_type`)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn supersede(
    State(s): State<AppState>,
    Auth(actor): Auth,
    id: PathParam<i64>,
    body: JsonBody<Supersede>,
) -> Result<Json<AdminRelease>, ApiError> {
    authorize(&actor, Step::Supersede)?;
    let Path(id) = id?;
    let crate::error::Json(b) = body?;
    let rel = workflow::supersede(&s.db, &actor, id, b.by)
        .await
        .map_err(body_error)?;
    Ok(Json(rel.into()))
}

// ---------------------------------------------------------------------------------------------
// Corrections

/// Filter of the corrections list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CorrectionParams {
    /// Only `open` or only `resolved` corrections.
    #[param(example = "open")]
    pub state: Option<String>,
}

/// The corrections the public reported, newest first, with the reporter's contact (shown here
/// only). Role: editor or admin.
#[utoipa::path(
    get,
    path = "/corrections",
    tag = "admin",
    security(("bearer" = [])),
    params(CorrectionParams),
    responses(
        (status = 200, description = "The corrections", body = CorrectionList),
        (status = 400, description = "`state` is neither open nor resolved (`invalid_parameter`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a malformed, unknown or revoked one (`unauthenticated`)", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"gongkai\"`"))),
        (status = 403, description = "The token's role may not handle corrections (`forbidden`)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn corrections(
    State(s): State<AppState>,
    Auth(actor): Auth,
    params: QueryParams<CorrectionParams>,
) -> Result<Json<CorrectionList>, ApiError> {
    authorize(&actor, Step::Corrections)?;
    let Query(p) = params?;
    let list = workflow::corrections::list(&s.db, &actor, p.state.as_deref()).await?;
    Ok(Json(CorrectionList {
        corrections: list.into_iter().map(AdminCorrection::from).collect(),
    }))
}

/// Resolve an open correction with what was done about it. Role: editor or admin.
#[utoipa::path(
    post,
    path = "/corrections/{id}/resolve",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Correction id", example = 4)),
    request_body(content = Resolve, description = "What was done"),
    responses(
        (status = 200, description = "The correction, now `resolved`", body = AdminCorrection),
        (status = 400, description = "The body is malformed or the resolution empty or too long (`invalid_body`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a malformed, unknown or revoked one (`unauthenticated`)", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"gongkai\"`"))),
        (status = 403, description = "The token's role may not handle corrections (`forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No correction has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The correction is already resolved (`conflict`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON (`unsupported_media_type`)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn resolve_correction(
    State(s): State<AppState>,
    Auth(actor): Auth,
    id: PathParam<i64>,
    body: JsonBody<Resolve>,
) -> Result<Json<AdminCorrection>, ApiError> {
    authorize(&actor, Step::Corrections)?;
    let Path(id) = id?;
    let crate::error::Json(b) = body?;
    let c = workflow::corrections::resolve(&s.db, &actor, id, &b.resolution)
        .await
        .map_err(body_error)?;
    Ok(Json(c.into()))
}

// ---------------------------------------------------------------------------------------------
// Negative list

/// The negative list (负面清单): datasets and fields not for disclosure. They stay stored, but no
/// public face shows them (a withheld field reads as null). Role: any.
#[utoipa::path(
    get,
    path = "/negative-list",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The negative list", body = NegativeList),
        (status = 401, description = "No token, or a malformed, unknown or revoked one (`unauthenticated`)", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"gongkai\"`"))),
    )
)]
pub async fn negative_list(
    State(s): State<AppState>,
    Auth(actor): Auth,
) -> Result<Json<NegativeList>, ApiError> {
    authorize(&actor, Step::ReadUnpublished)?;
    let list = workflow::negative::load(&s.db).await?;
    Ok(Json(NegativeList {
        entries: list.entries.into_iter().map(NegativeEntry::from).collect(),
    }))
}

/// Put a dataset or one field of the data dictionary on the negative list; it leaves every
/// public face at once. Role: admin.
#[utoipa::path(
    post,
    path = "/negative-list",
    tag = "admin",
    security(("bearer" = [])),
    request_body(content = NewNegativeEntry, description = "What to withhold and why"),
    responses(
        (status = 201, description = "The entry added", body = NegativeEntry),
        (status = 400, description = "The body is malformed, the target names no dataset or dictionary field, or the reason is empty (`invalid_body`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a malformed, unknown or revoked one (`unauthenticated`)", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"gongkai\"`"))),
        (status = 403, description = "The token's role may not edit the negative list (`forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It is on the list already (`conflict`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON (`unsupported_media_type`)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add_negative(
    State(s): State<AppState>,
    Auth(actor): Auth,
    body: JsonBody<NewNegativeEntry>,
) -> Result<(StatusCode, Json<NegativeEntry>), ApiError> {
    authorize(&actor, Step::NegativeList)?;
    let crate::error::Json(b) = body?;
    let target = workflow::negative::Target::parse(&b.target).map_err(body_error)?;
    let entry = workflow::negative::add(&s.db, &actor, &target, &b.reason)
        .await
        .map_err(body_error)?;
    Ok((StatusCode::CREATED, Json(entry.into())))
}

/// Take a dataset or field off the negative list. Role: admin.
#[utoipa::path(
    delete,
    path = "/negative-list/{target}",
    tag = "admin",
    security(("bearer" = [])),
    params(("target" = String, Path, description = "`dataset` or `dataset.table.field`", example = "registry.organizations.address")),
    responses(
        (status = 204, description = "Taken off the list"),
        (status = 400, description = "The target names no dataset or dictionary field (`invalid_parameter`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a malformed, unknown or revoked one (`unauthenticated`)", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"gongkai\"`"))),
        (status = 403, description = "The token's role may not edit the negative list (`forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "It is not on the list", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn remove_negative(
    State(s): State<AppState>,
    Auth(actor): Auth,
    target: PathParam<String>,
) -> Result<StatusCode, ApiError> {
    authorize(&actor, Step::NegativeList)?;
    let Path(target) = target?;
    let target = workflow::negative::Target::parse(&target)?;
    workflow::negative::remove(&s.db, &actor, &target).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------------
// Tokens

/// Every token, newest first (never a secret). Role: admin.
#[utoipa::path(
    get,
    path = "/tokens",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The tokens", body = TokenList),
        (status = 401, description = "No token, or a malformed, unknown or revoked one (`unauthenticated`)", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"gongkai\"`"))),
        (status = 403, description = "The token's role may not manage tokens (`forbidden`)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn tokens(
    State(s): State<AppState>,
    Auth(actor): Auth,
) -> Result<Json<TokenList>, ApiError> {
    authorize(&actor, Step::Tokens)?;
    let list = workflow::tokens::list(&s.db, &actor).await?;
    Ok(Json(TokenList {
        tokens: list.into_iter().map(Token::from).collect(),
    }))
}

/// Create a token for a person with a role. The secret is in this answer only; only its SHA-256
/// is stored. Role: admin.
#[utoipa::path(
    post,
    path = "/tokens",
    tag = "admin",
    security(("bearer" = [])),
    request_body(content = NewToken, description = "Whose token and what it may do"),
    responses(
        (status = 201, description = "The token and its secret, shown once", body = CreatedToken),
        (status = 400, description = "The body is malformed, the name empty or too long, or the role unknown (`invalid_body`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a malformed, unknown or revoked one (`unauthenticated`)", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"gongkai\"`"))),
        (status = 403, description = "The token's role may not manage tokens (`forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON (`unsupported_media_type`)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_token(
    State(s): State<AppState>,
    Auth(actor): Auth,
    body: JsonBody<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    authorize(&actor, Step::Tokens)?;
    let crate::error::Json(b) = body?;
    let (secret, token) = workflow::tokens::create(&s.db, &actor, &b.name, b.role.into())
        .await
        .map_err(body_error)?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            secret,
            token: token.into(),
        }),
    ))
}

/// Revoke a token: it stops working at once. Role: admin.
#[utoipa::path(
    post,
    path = "/tokens/{id}/revoke",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Token id", example = 3)),
    responses(
        (status = 200, description = "The token, revoked", body = Token),
        (status = 401, description = "No token, or a malformed, unknown or revoked one (`unauthenticated`)", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"gongkai\"`"))),
        (status = 403, description = "The token's role may not manage tokens (`forbidden`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No token has this id", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The token is already revoked (`conflict`)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn revoke_token(
    State(s): State<AppState>,
    Auth(actor): Auth,
    id: PathParam<i64>,
) -> Result<Json<Token>, ApiError> {
    authorize(&actor, Step::Tokens)?;
    let Path(id) = id?;
    Ok(Json(
        workflow::tokens::revoke(&s.db, &actor, id).await?.into(),
    ))
}

// ---------------------------------------------------------------------------------------------
// Audit log

/// Which entries of the audit log to show.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Entries after this position (default 0: from the first).
    #[param(example = 0, minimum = 0)]
    pub after: Option<i64>,
    /// Entries to show, 1 to 1000 (default 100).
    #[param(example = 100, minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
}

/// The audit log, oldest first: every state change, token event, correction and negative-list
/// edit, each entry carrying the hash of the one before it. Role: admin.
#[utoipa::path(
    get,
    path = "/audit",
    tag = "admin",
    security(("bearer" = [])),
    params(AuditParams),
    responses(
        (status = 200, description = "A page of entries", body = AuditPage),
        (status = 400, description = "A parameter is malformed (`invalid_parameter`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or a malformed, unknown or revoked one (`unauthenticated`)", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"gongkai\"`"))),
        (status = 403, description = "The token's role may not read the audit log (`forbidden`)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn audit(
    State(s): State<AppState>,
    Auth(actor): Auth,
    params: QueryParams<AuditParams>,
) -> Result<Json<AuditPage>, ApiError> {
    authorize(&actor, Step::Tokens)?;
    let Query(p) = params?;
    let after = p.after.unwrap_or(0);
    let limit = p.limit.unwrap_or(100);
    if after < 0 {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("after: {after} is negative"),
        ));
    }
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("limit: {limit} is not from 1 to 1000"),
        ));
    }
    let mut entries = workflow::audit::entries(&s.db, after, limit + 1).await?;
    let more = entries.len() as u64 > limit;
    entries.truncate(limit as usize);
    let next_after = more.then(|| entries.last().map(|e| e.seq)).flatten();
    Ok(Json(AuditPage {
        entries: entries.into_iter().map(AuditEntry::from).collect(),
        next_after,
    }))
}

/// Walk the whole audit log and check every link of its hash chain and its recorded head; name
/// the first entry that was altered, removed or moved. Role: admin.
#[utoipa::path(
    get,
    path = "/audit/verify",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The verdict", body = AuditVerdict),
        (status = 401, description = "No token, or a malformed, unknown or revoked one (`unauthenticated`)", body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"gongkai\"`"))),
        (status = 403, description = "The token's role may not read the audit log (`forbidden`)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn verify_audit(
    State(s): State<AppState>,
    Auth(actor): Auth,
) -> Result<Json<AuditVerdict>, ApiError> {
    authorize(&actor, Step::Tokens)?;
    Ok(Json(workflow::audit::verify(&s.db).await?.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_names() {
        assert_eq!(upload_name(Some("stats.csv"), None, b"a,b"), "stats.csv");
        assert_eq!(
            upload_name(Some("C:\\Users\\王\\表格.XLSX"), None, b""),
            "表格.XLSX"
        );
        assert_eq!(
            upload_name(Some("../../etc/passwd"), Some("text/csv"), b""),
            "passwd.csv"
        );
        assert_eq!(upload_name(Some(".."), None, b"x"), "upload.csv");
        assert_eq!(
            upload_name(
                None,
                Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                b""
            ),
            "upload.xlsx"
        );
        assert_eq!(
            upload_name(None, Some("application/vnd.ms-excel"), b"PK\x03\x04"),
            "upload.xlsx"
        );
        assert_eq!(
            upload_name(Some("a b;c.csv"), None, b""),
            "a b_c.csv",
            "unsafe characters are replaced"
        );
        assert_eq!(
            upload_name(
                None,
                Some("application/octet-stream"),
                &[0xD0, 0xCF, 0x11, 0xE0]
            ),
            "upload.xls"
        );
    }
}
