//! The one error type of the HTTP API. Every error is answered as `application/problem+json`
//! with a stable `code` from [`ErrorCode`]; the GraphQL API uses the same codes. Internal
//! details are logged, never sent.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Stable error codes, one table for every face of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 404: no such resource.
    NotFound,
    /// 400: a parameter is malformed.
    InvalidParameter,
    /// 503: the database cannot be reached.
    DatabaseUnavailable,
    /// 500: anything else; details are in the server log under the request id.
    Internal,
}

impl ErrorCode {
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::InvalidParameter => StatusCode::BAD_REQUEST,
            ErrorCode::DatabaseUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "not_found",
            ErrorCode::InvalidParameter => "invalid_parameter",
            ErrorCode::DatabaseUnavailable => "database_unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

/// An API error: a code and a message safe to show.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        tracing::error!(error = %e, "database error");
        match e {
            sea_orm::DbErr::Conn(_) | sea_orm::DbErr::ConnectionAcquire(_) => ApiError::new(
                ErrorCode::DatabaseUnavailable,
                "the database is not available",
            ),
            _ => ApiError::new(ErrorCode::Internal, "internal error"),
        }
    }
}

/// An error as `application/problem+json` (RFC 9457), with gongkai's stable `code`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of error.
    #[schema(example = "https://gongkai.invalid/errors/not_found")]
    pub r#type: String,
    /// The HTTP reason phrase.
    #[schema(example = "Not Found")]
    pub title: String,
    /// The HTTP status.
    #[schema(example = 404)]
    pub status: u16,
    /// Stable error code, the same in REST and GraphQL.
    #[schema(example = "not_found")]
    pub code: String,
    /// What went wrong, in words safe to show.
    #[schema(example = "no dataset named “x”")]
    pub detail: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.code.status();
        let body = Problem {
            r#type: format!("https://gongkai.invalid/errors/{}", self.code.as_str()),
            title: status.canonical_reason().unwrap_or("error").to_string(),
            status: status.as_u16(),
            code: self.code.as_str().to_string(),
            detail: self.message,
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            json,
        )
            .into_response()
    }
}
