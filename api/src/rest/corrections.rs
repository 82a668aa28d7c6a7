//! Corrections (内容纠错) from the public: anyone may report one, from any origin (CORS allows
//! POST here), within a small body (16 KiB, `crate::http`) and a rate per client address
//! ([`crate::http::RateLimiter`]); the counts of open and resolved corrections per dataset are
//! public. Editors list and resolve them through the admin API, which alone shows the contact.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, Problem, body_error};
use crate::http::client_key;
use crate::views::CorrectionCounts;

/// A correction to report.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCorrection {
    /// The dataset it is about.
    #[schema(example = "relief")]
    pub dataset: String,
    /// Which record: a record id, a resource path, a key … as you can name it (at most 200
    /// characters).
    #[serde(default)]
    #[schema(
        max_length = 200,
        example = "/api/v1/relief-stats?region_code=430000&period=2021"
    )]
    pub record: Option<String>,
    /// What is wrong, and what the right figure is if you know it (1–2000 characters, some of
    /// them not spaces or control characters).
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "[^\\s\\u0000-\\u001F\\u007F]",
        example = "湖南省2021年农村低保人数与省民政厅公报不一致"
    )]
    pub message: String,
    /// How to reach you if the editors have a question (at most 200 characters); seen by the
    /// editors only, never shown publicly.
    #[serde(default)]
    #[schema(max_length = 200, example = "reader@example.com")]
    pub contact: Option<String>,
}

/// A correction as received (the contact is never echoed).
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionReceipt {
    /// Correction id.
    #[schema(example = 4)]
    pub id: i64,
    /// The dataset it is about.
    #[schema(example = "relief")]
    pub dataset: String,
    /// Always `open`: the editors will resolve it.
    #[schema(example = "open")]
    pub state: String,
    /// When it was received (UTC).
    #[schema(example = "2026-11-22T09:00:00Z")]
    pub created_at: String,
}

/// Counts per dataset slug, every dataset of the catalog included.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"relief": {"open": 1, "resolved": 3}, "budgets": {"open": 0, "resolved": 0}}))]
pub struct CorrectionCountsByDataset(pub BTreeMap<String, CorrectionCounts>);

/// The peer address of the connection, when the server was started with it
/// (`api::serve_with`); a router called without a listener has none.
type Peer = Option<Extension<ConnectInfo<SocketAddr>>>;

/// Report a correction of a dataset's figures. Anyone may, from any origin; the body is at most
/// 16 KiB, and each client address may report a limited number per hour (429 with
/// `Retry-After` beyond it). The contact is seen by the editors only.
#[utoipa::path(
    post,
    path = "/corrections",
    tag = "corrections",
    request_body(content = NewCorrection, description = "The correction"),
    responses(
        (status = 201, description = "Received, `open`", body = CorrectionReceipt),
        (status = 400, description = "The body is malformed, the message missing, or a field too long (`invalid_body`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No dataset has this slug (`not_found`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 16 KiB (`payload_too_large`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON (`unsupported_media_type`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "This address has reported too many corrections within the hour (`too_many_requests`)", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until another correction is accepted"))),
    )
)]
pub async fn report(
    State(s): State<AppState>,
    peer: Peer,
    body: Result<crate::error::Json<NewCorrection>, ApiError>,
) -> Result<(StatusCode, Json<CorrectionReceipt>), ApiError> {
    let client = client_key(peer.map(|Extension(ConnectInfo(a))| a.ip()));
    if let Err(wait) = s.corrections.check(client, Instant::now()) {
        return Err(ApiError::too_many_requests(
            format!("too many corrections from this address; try again in {wait} seconds"),
            wait,
        ));
    }
    let crate::error::Json(b) = body?;
    let c = schema::workflow::corrections::report(
        &s.db,
        schema::workflow::corrections::NewCorrection {
            dataset: b.dataset,
            record: b.record,
            message: b.message,
            contact: b.contact,
        },
    )
    .await
    .map_err(body_error)?;
    Ok((
        StatusCode::CREATED,
        Json(CorrectionReceipt {
            id: c.id,
            dataset: c.dataset,
            state: c.state,
            created_at: c.created_at,
        }),
    ))
}

/// How many corrections of each dataset are open and how many resolved.
#[utoipa::path(
    get,
    path = "/corrections/counts",
    tag = "corrections",
    responses(
        (status = 200, description = "Counts per dataset", body = CorrectionCountsByDataset),
    )
)]
pub async fn counts(
    State(s): State<AppState>,
) -> Result<Json<CorrectionCountsByDataset>, ApiError> {
    let mut out: BTreeMap<String, CorrectionCounts> = schema::catalog::DATASETS
        .iter()
        .map(|d| {
            (
                d.slug.to_string(),
                CorrectionCounts {
                    open: 0,
                    resolved: 0,
                },
            )
        })
        .collect();
    for (dataset, c) in schema::workflow::corrections::counts(&s.db).await? {
        out.insert(
            dataset,
            CorrectionCounts {
                open: c.open,
                resolved: c.resolved,
            },
        );
    }
    Ok(Json(CorrectionCountsByDataset(out)))
}
