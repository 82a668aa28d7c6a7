//! The one error type of the HTTP API. Every error is answered as `application/problem+json`
//! with a stable `code` from [`ErrorCode`]; the GraphQL API uses the same codes. Internal
//! details are logged, never sent.
//!
//! Errors raised by the framework rather than by a handler (an unknown path, a method the route
//! does not have, a body over the limit, a malformed query string or path segment, a request
//! that runs out of time) are turned into the same problem documents by [`crate::http`], which
//! also writes the request id into every problem.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, MatchedPath};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Stable error codes, one table for every face of the API. The HTTP status of each code is
/// [`ErrorCode::status`]; a code never changes its status.
///
/// | code | status | when |
/// | --- | --- | --- |
/// | `invalid_parameter` | 400 | a query parameter or path segment is malformed (the detail names it) |
/// | `invalid_body` | 400 | the request body is not well-formed or not of the expected shape |
/// | `invalid_query` | 400 | a GraphQL document does not parse or does not validate against the schema, or its variables do not fit |
/// | `query_too_deep` | 400 | a GraphQL query nests fields deeper than the limit |
/// | `too_many_aliases` | 400 | a GraphQL query has more aliases than the limit |
/// | `query_too_complex` | 400 | a GraphQL query's estimated size is over the limit |
/// | `unauthenticated` | 401 | an admin route without a token, or with a malformed, unknown or revoked one (see `WWW-Authenticate`) |
/// | `forbidden` | 403 | the token's role may not take this step |
/// | `self_review` | 403 | the step would have someone review or publish their own work (identity is the token's name, not its role) |
/// | `not_found` | 404 | no such resource |
/// | `method_not_allowed` | 405 | the resource exists but not with this method (see `Allow`) |
/// | `not_acceptable` | 406 | no media type the client accepts can carry the answer |
/// | `conflict` | 409 | the release (token, correction, entry) is not in the state this step starts from |
/// | `payload_too_large` | 413 | the request body exceeds the configured limit |
/// | `unsupported_media_type` | 415 | the request body has a content type the route does not read |
/// | `invalid_upload` | 422 | an uploaded file failed validation; the problem's `report` lists every issue, and nothing was stored |
/// | `too_many_requests` | 429 | too many requests from this client address; retry after `Retry-After` seconds |
/// | `internal` | 500 | anything else; details are in the server log under the request id |
/// | `database_unavailable` | 503 | the database cannot be reached, or its migrations are not applied |
/// | `timeout` | 503 | no response could be produced within the request time limit; retrying may succeed |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: a parameter is malformed.
    InvalidParameter,
    /// 400: the request body is malformed.
    InvalidBody,
    /// 400: a GraphQL document does not parse or validate, or its variables do not fit.
    InvalidQuery,
    /// 400: a GraphQL query nests too deep.
    QueryTooDeep,
    /// 400: a GraphQL query has too many aliases.
    TooManyAliases,
    /// 400: a GraphQL query is too complex.
    QueryTooComplex,
    /// 401: no token, or a malformed, unknown or revoked one.
    Unauthenticated,
    /// 403: the token's role may not take this step.
    Forbidden,
    /// 403: the step would review or publish the actor's own work.
    SelfReview,
    /// 404: no such resource.
    NotFound,
    /// 405: the resource does not answer this method.
    MethodNotAllowed,
    /// 406: no acceptable media type.
    NotAcceptable,
    /// 409: not in the state the step starts from.
    Conflict,
    /// 413: the request body is over the limit.
    PayloadTooLarge,
    /// 415: the request body has a content type the route does not read.
    UnsupportedMediaType,
    /// 422: an uploaded file failed validation (the problem carries the report).
    InvalidUpload,
    /// 429: too many requests from this client; see `Retry-After`.
    TooManyRequests,
    /// 500: anything else; details are in the server log under the request id.
    Internal,
    /// 503: the database cannot be reached (or is not migrated).
    DatabaseUnavailable,
    /// 503: the request ran out of time. 503 rather than 504 (reserved for gateways) or 408
    /// (which says the *client* was slow to send): the server could not answer in time, and a
    /// retry may succeed.
    Timeout,
}

impl ErrorCode {
    /// Every code, in the order of the table above.
    pub const ALL: [ErrorCode; 20] = [
        ErrorCode::InvalidParameter,
        ErrorCode::InvalidBody,
        ErrorCode::InvalidQuery,
        ErrorCode::QueryTooDeep,
        ErrorCode::TooManyAliases,
        ErrorCode::QueryTooComplex,
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::SelfReview,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::NotAcceptable,
        ErrorCode::Conflict,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::InvalidUpload,
        ErrorCode::TooManyRequests,
        ErrorCode::Internal,
        ErrorCode::DatabaseUnavailable,
        ErrorCode::Timeout,
    ];

    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::InvalidParameter
            | ErrorCode::InvalidBody
            | ErrorCode::InvalidQuery
            | ErrorCode::QueryTooDeep
            | ErrorCode::TooManyAliases
            | ErrorCode::QueryTooComplex => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden | ErrorCode::SelfReview => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::InvalidUpload => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::DatabaseUnavailable | ErrorCode::Timeout => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidParameter => "invalid_parameter",
            ErrorCode::InvalidBody => "invalid_body",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::QueryTooDeep => "query_too_deep",
            ErrorCode::TooManyAliases => "too_many_aliases",
            ErrorCode::QueryTooComplex => "query_too_complex",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::SelfReview => "self_review",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::NotAcceptable => "not_acceptable",
            ErrorCode::Conflict => "conflict",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::InvalidUpload => "invalid_upload",
            ErrorCode::TooManyRequests => "too_many_requests",
            ErrorCode::Internal => "internal",
            ErrorCode::DatabaseUnavailable => "database_unavailable",
            ErrorCode::Timeout => "timeout",
        }
    }
}

/// An API error: a code and a message safe to show, and what some codes add: members of the
/// problem document (an upload's validation `report`) and response headers (`WWW-Authenticate`,
/// `Retry-After`).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// What a few errors add (boxed: most have none, and errors travel in every `Result`).
    pub extra: Option<Box<Extra>>,
}

/// Further members of an error's problem document, and headers sent with it.
#[derive(Debug, Default)]
pub struct Extra {
    pub members: serde_json::Map<String, serde_json::Value>,
    pub headers: HeaderMap,
}

/// The challenge of a 401 (RFC 6750 §3): the scheme and realm; `error="invalid_token"` when a
/// token was given but refused.
pub const BEARER_CHALLENGE: &str = "Bearer realm=\"gongkai\"";

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            extra: None,
        }
    }

    fn extra_mut(&mut self) -> &mut Extra {
        self.extra.get_or_insert_with(Default::default)
    }

    /// Add a member to the problem document (never one of its standard members).
    pub fn with_member(mut self, name: &str, value: impl Serialize) -> Self {
        match serde_json::to_value(value) {
            Ok(v) => {
                self.extra_mut().members.insert(name.to_string(), v);
            }
            Err(e) => tracing::error!(error = %e, member = name, "problem member not serialized"),
        }
        self
    }

    /// Send a header with the problem.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.extra_mut().headers.insert(name, value);
        self
    }

    /// 429 `too_many_requests`, retry after `seconds`.
    pub fn too_many_requests(message: impl Into<String>, seconds: u64) -> Self {
        ApiError::new(ErrorCode::TooManyRequests, message)
            .with_header(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)))
    }
}

/// A workflow step refused: 401, 403 (`forbidden` or `self_review`), 404, 409, or 400
/// `invalid_parameter` for a value that is missing or malformed (handlers whose values come in
/// the body use [`body_error`]); database errors as every other route answers them.
impl From<schema::workflow::WorkflowError> for ApiError {
    fn from(e: schema::workflow::WorkflowError) -> Self {
        workflow_error(e, ErrorCode::InvalidParameter)
    }
}

/// A workflow error whose invalid values came in the request body: 400 `invalid_body`.
pub fn body_error(e: schema::workflow::WorkflowError) -> ApiError {
    workflow_error(e, ErrorCode::InvalidBody)
}

fn workflow_error(e: schema::workflow::WorkflowError, invalid: ErrorCode) -> ApiError {
    use schema::workflow::WorkflowError as W;
    match e {
        W::Unauthenticated(m) => ApiError::new(ErrorCode::Unauthenticated, m),
        W::Forbidden(m) => ApiError::new(ErrorCode::Forbidden, m),
        W::SelfReview(m) => ApiError::new(ErrorCode::SelfReview, m),
        W::NotFound(m) => ApiError::new(ErrorCode::NotFound, m),
        W::Conflict(m) => ApiError::new(ErrorCode::Conflict, m),
        W::Invalid(m) => ApiError::new(invalid, m),
        W::Db(e) => e.into(),
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

/// A malformed query string: 400 `invalid_parameter`, naming the parameter (axum reports the
/// path of the field that failed, e.g. `limit: invalid digit found in string`).
impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::new(
            ErrorCode::InvalidParameter,
            framework_detail(ErrorCode::InvalidParameter, &r.body_text()),
        )
    }
}

/// A malformed path segment: 400 `invalid_parameter`; anything else about the path (a route
/// wired to the wrong extractor) is an internal error. [`Path`] also names the segment when
/// the route has only one.
impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        path_rejection(r, None)
    }
}

fn path_rejection(r: PathRejection, template: Option<&str>) -> ApiError {
    if r.status().is_server_error() {
        tracing::error!(rejection = %r.body_text(), "path extractor misconfigured");
        return ApiError::new(ErrorCode::Internal, "internal error");
    }
    ApiError::new(
        ErrorCode::InvalidParameter,
        path_detail(&r.body_text(), template),
    )
}

/// The detail of a malformed path segment. Axum names the segment when it deserializes a
/// struct or several values, not for a single value; then the route template (`/x/{year}`)
/// supplies the name.
pub(crate) fn path_detail(text: &str, template: Option<&str>) -> String {
    let rest = text.trim();
    let rest = rest.strip_prefix("Invalid URL: ").unwrap_or(rest);
    let params: Vec<&str> = template
        .map(|t| {
            t.split('/')
                .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
                .map(|p| p.trim_start_matches('*'))
                .collect()
        })
        .unwrap_or_default();
    match params.as_slice() {
        [only] if !rest.contains(&format!("`{only}`")) => {
            format!("invalid path parameter `{only}`: {rest}")
        }
        _ => format!("invalid path parameter: {rest}"),
    }
}

/// A JSON body that cannot be read: 415 without a JSON content type, 413 over the limit,
/// 400 `invalid_body` otherwise.
impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let code = match r.status() {
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
            StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
            _ => ErrorCode::InvalidBody,
        };
        ApiError::new(code, framework_detail(code, &r.body_text()))
    }
}

/// The detail of an error the framework raised, from its plain-text message: the words that
/// name the field are kept, the framework's own phrasing is not.
pub(crate) fn framework_detail(code: ErrorCode, text: &str) -> String {
    let text = text.trim();
    match code {
        ErrorCode::InvalidParameter => {
            if let Some(rest) = text.strip_prefix("Failed to deserialize query string: ") {
                format!("invalid query parameter: {rest}")
            } else if text.starts_with("Invalid URL: ") {
                path_detail(text, None)
            } else if text.is_empty() {
                "a parameter is malformed".to_string()
            } else {
                text.to_string()
            }
        }
        ErrorCode::InvalidBody | ErrorCode::UnsupportedMediaType if !text.is_empty() => {
            text.to_string()
        }
        ErrorCode::InvalidBody => "the request body is malformed".to_string(),
        ErrorCode::UnsupportedMediaType => "unsupported content type".to_string(),
        ErrorCode::NotFound => "no such resource".to_string(),
        ErrorCode::MethodNotAllowed => {
            "this resource does not answer this method (see the Allow header)".to_string()
        }
        ErrorCode::PayloadTooLarge => "the request body is too large".to_string(),
        ErrorCode::Timeout => "no response within the time limit".to_string(),
        ErrorCode::DatabaseUnavailable => "the database is not available".to_string(),
        ErrorCode::Internal => "internal error".to_string(),
        ErrorCode::NotAcceptable => "no acceptable media type".to_string(),
        ErrorCode::Unauthenticated => "a valid token is required".to_string(),
        ErrorCode::Forbidden => "this token may not take this step".to_string(),
        ErrorCode::SelfReview => "no one reviews or publishes their own work".to_string(),
        ErrorCode::Conflict => "not in a state this step starts from".to_string(),
        ErrorCode::InvalidUpload => "the uploaded file failed validation".to_string(),
        ErrorCode::TooManyRequests => "too many requests; try again later".to_string(),
        ErrorCode::InvalidQuery
        | ErrorCode::QueryTooDeep
        | ErrorCode::TooManyAliases
        | ErrorCode::QueryTooComplex => "the GraphQL query was refused".to_string(),
    }
}

/// `axum::extract::Query` whose rejection is a problem document (400 `invalid_parameter`).
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// `axum::extract::Path` whose rejection is a problem document (400 `invalid_parameter`,
/// naming the segment).
#[derive(Debug, Clone, Copy)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(r) => {
                let template = parts
                    .extensions
                    .get::<MatchedPath>()
                    .map(MatchedPath::as_str);
                Err(path_rejection(r, template))
            }
        }
    }
}

/// `axum::Json` as a request body whose rejection is a problem document.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

/// An error as `application/problem+json` (RFC 9457), with gongkai's stable `code`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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
    /// The id of the request (also in the `X-Request-Id` header): quote it when reporting a
    /// problem; the server log holds the details under it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "0b6f6c0e-6a4d-4d3c-9a51-2f0d3b0c9e1a")]
    pub request_id: Option<String>,
    /// Members some problems add (`invalid_upload`: `report`); documented with those responses.
    #[serde(flatten)]
    #[schema(ignore)]
    pub members: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        let status = code.status();
        Problem {
            r#type: format!("https://gongkai.invalid/errors/{}", code.as_str()),
            title: status.canonical_reason().unwrap_or("error").to_string(),
            status: status.as_u16(),
            code: code.as_str().to_string(),
            detail: detail.into(),
            request_id: None,
            members: Default::default(),
        }
    }

    /// The response: status from the code, the JSON body, and the problem itself in the
    /// response extensions so that the HTTP layer can add the request id.
    pub fn into_response_with_status(self, status: StatusCode) -> Response {
        let json = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            json,
        )
            .into_response();
        res.extensions_mut().insert(self);
        res
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        self.into_response_with_status(status)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut problem = Problem::new(self.code, self.message);
        let extra = self.extra.map(|e| *e).unwrap_or_default();
        problem.members = extra.members;
        let mut res = problem.into_response();
        res.headers_mut().extend(extra.headers);
        if self.code == ErrorCode::Unauthenticated
            && !res.headers().contains_key(header::WWW_AUTHENTICATE)
        {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(BEARER_CHALLENGE),
            );
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_own_name_and_an_error_status() {
        let mut names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        for c in ErrorCode::ALL {
            assert!(
                c.status().is_client_error() || c.status().is_server_error(),
                "{c:?}"
            );
            // serde and as_str agree.
            assert_eq!(
                serde_json::to_value(c).ok(),
                Some(serde_json::Value::from(c.as_str()))
            );
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn path_details_name_the_segment() {
        let text = "Invalid URL: Cannot parse `twenty` to a `u16`";
        assert_eq!(
            path_detail(text, Some("/api/v1/x/{year}")),
            "invalid path parameter `year`: Cannot parse `twenty` to a `u16`"
        );
        assert_eq!(
            path_detail(text, None),
            "invalid path parameter: Cannot parse `twenty` to a `u16`"
        );
        let keyed = "Invalid URL: Cannot parse `year` with value `x` to a `u16`";
        assert_eq!(
            path_detail(keyed, Some("/x/{year}")),
            "invalid path parameter: Cannot parse `year` with value `x` to a `u16`"
        );
    }

    #[test]
    fn the_table_in_the_docs_matches_the_code() {
        let src = include_str!("error.rs");
        for c in ErrorCode::ALL {
            let row = format!("/// | `{}` | {} |", c.as_str(), c.status().as_u16());
            assert!(src.contains(&row), "no table row {row}");
        }
    }
}
