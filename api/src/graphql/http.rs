//! GraphQL over HTTP (the GraphQL-over-HTTP specification, checked by `checks/graphql-http.sh`).
//!
//! | request | answer |
//! | --- | --- |
//! | `POST /graphql`, `Content-Type: application/json` | the result |
//! | `POST` with another or no content type | 415 `unsupported_media_type` |
//! | `GET /graphql?query=…&variables=…&operationName=…` | the result (queries only; a mutation is 405 with `Allow: POST`) |
//! | `GET /graphql` from a browser (`Accept: text/html`, no `query`) | the query console |
//! | parameters of the wrong shape (no `query`, `variables` not an object …) | 400 `invalid_parameter` / `invalid_body` |
//!
//! The answer's media type follows `Accept`: `application/graphql-response+json` when the
//! client prefers it, else `application/json` (also without `Accept`); 406 when it takes
//! neither. A request that fails before running (a document that does not parse or validate,
//! variables that do not fit, a limit) has no `data`, and is 400 with
//! `application/graphql-response+json` but 200 with `application/json`, as the specification
//! asks; a query that ran is 200 with its `data` and any field errors. Every error carries
//! `extensions.code` from the one error table.

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::parser::types::OperationType;
use async_graphql::{Request, Variables};
use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::GraphQl;
use super::catalog::RollupLoader;
use super::limits::Executed;
use super::records::RelatedLoader;
use crate::AppState;
use crate::error::ErrorCode;

/// The media type of GraphQL responses in the GraphQL-over-HTTP specification.
pub const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// The media type of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Media {
    GraphQlResponse,
    Json,
}

impl Media {
    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Media::GraphQlResponse => "application/graphql-response+json; charset=utf-8",
            Media::Json => "application/json; charset=utf-8",
        })
    }
}

/// The media type `Accept` asks for: the quality of each media range, the most specific range
/// deciding. `None`: neither is acceptable.
fn negotiate(headers: &HeaderMap) -> Option<Media> {
    let accept: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if accept.iter().all(|a| a.trim().is_empty()) {
        return Some(Media::Json);
    }
    // (specificity, quality) of the best-matching range for each type.
    let mut gr: Option<(u8, f32)> = None;
    let mut js: Option<(u8, f32)> = None;
    for range in accept.iter().flat_map(|a| a.split(',')) {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .filter_map(|q| q.trim().parse::<f32>().ok())
            .next()
            .unwrap_or(1.0);
        let offer = |slot: &mut Option<(u8, f32)>, specificity: u8| {
            if slot.is_none_or(|(s, _)| specificity > s) {
                *slot = Some((specificity, q));
            }
        };
        match media.as_str() {
            GRAPHQL_RESPONSE => offer(&mut gr, 3),
            "application/json" => offer(&mut js, 3),
            "application/*" | "*/*" => {
                let s = if media == "*/*" { 1 } else { 2 };
                offer(&mut js, s);
            }
            _ => {}
        }
    }
    let q = |s: Option<(u8, f32)>| s.map_or(0.0, |(_, q)| q);
    match (q(gr), q(js)) {
        (g, j) if g > 0.0 && g >= j => Some(Media::GraphQlResponse),
        (_, j) if j > 0.0 => Some(Media::Json),
        _ => None,
    }
}

/// An answer that is only errors (the request did not run).
fn errors(media: Media, status: StatusCode, code: ErrorCode, message: &str) -> Response {
    let body = json!({"errors": [{"message": message, "extensions": {"code": code.as_str()}}]});
    respond(media, status, &body)
}

fn respond(media: Media, status: StatusCode, body: &Value) -> Response {
    let mut r = (status, Body::from(body.to_string())).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, media.content_type());
    r
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/html"))
}

/// The parameters of a request, checked for shape.
struct Params {
    query: String,
    operation_name: Option<String>,
    variables: Option<Map<String, Value>>,
}

fn bad(media: Media, code: ErrorCode, message: &str) -> Response {
    errors(media, StatusCode::BAD_REQUEST, code, message)
}

/// The parameters of a JSON body or a query string (already parsed into JSON values); what is
/// wrong with them otherwise.
fn params(obj: &Map<String, Value>) -> Result<Params, &'static str> {
    let query = match obj.get("query") {
        Some(Value::String(q)) => q.clone(),
        Some(_) => return Err("query: must be a string"),
        None => return Err("query: missing (the GraphQL document)"),
    };
    let operation_name = match obj.get("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err("operationName: must be a string or null"),
    };
    let variables = match obj.get("variables") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(m.clone()),
        Some(_) => return Err("variables: must be an object or null"),
    };
    match obj.get("extensions") {
        None | Some(Value::Null | Value::Object(_)) => {}
        Some(_) => return Err("extensions: must be an object or null"),
    }
    Ok(Params {
        query,
        operation_name,
        variables,
    })
}

/// `GET /graphql`: a query from the URL, or the console for a browser.
pub async fn get(
    State(state): State<AppState>,
    Extension(gql): Extension<Arc<GraphQl>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs: Vec<(String, String)> = raw
        .as_deref()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    if !pairs.iter().any(|(k, _)| k == "query") && accepts_html(&headers) {
        return super::console::page();
    }
    let Some(media) = negotiate(&headers) else {
        return errors(
            Media::Json,
            StatusCode::NOT_ACCEPTABLE,
            ErrorCode::NotAcceptable,
            "Accept: answers are application/graphql-response+json or application/json",
        );
    };
    let mut obj = Map::new();
    for (k, v) in pairs {
        let value = match k.as_str() {
            "variables" | "extensions" => match serde_json::from_str::<Value>(&v) {
                Ok(v) => v,
                Err(e) => {
                    return bad(
                        media,
                        ErrorCode::InvalidParameter,
                        &format!("{k}: not JSON ({e})"),
                    );
                }
            },
            _ => Value::String(v),
        };
        obj.insert(k, value);
    }
    let p = match params(&obj) {
        Ok(p) => p,
        Err(why) => return bad(media, ErrorCode::InvalidParameter, why),
    };
    // Only queries run over GET (a GET must not change anything; and caches may repeat it).
    if let Ok(doc) = async_graphql::parser::parse_query(&p.query) {
        let op = doc.operations.iter().find(|(name, _)| {
            p.operation_name.is_none() || name.map(|n| n.as_str()) == p.operation_name.as_deref()
        });
        if let Some((_, op)) = op
            && op.node.ty != OperationType::Query
        {
            let mut r = errors(
                media,
                StatusCode::METHOD_NOT_ALLOWED,
                ErrorCode::MethodNotAllowed,
                "only queries run over GET; send mutations and subscriptions with POST",
            );
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD, POST"));
            return r;
        }
    }
    execute(state, &gql, media, p).await
}

/// `POST /graphql`: a JSON body `{query, operationName, variables, extensions}`.
pub async fn post(
    State(state): State<AppState>,
    Extension(gql): Extension<Arc<GraphQl>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return errors(
            Media::Json,
            StatusCode::NOT_ACCEPTABLE,
            ErrorCode::NotAcceptable,
            "Accept: answers are application/graphql-response+json or application/json",
        );
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut parts = content_type.split(';');
    let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let charset_ok = parts
        .filter_map(|p| p.trim().strip_prefix("charset="))
        .all(|c| c.trim_matches('"').eq_ignore_ascii_case("utf-8"));
    if essence != "application/json" || !charset_ok {
        return errors(
            media,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "Content-Type: send the request as application/json (UTF-8)",
        );
    }
    if body.is_empty() {
        return bad(
            media,
            ErrorCode::InvalidBody,
            "the body is empty; send {\"query\": \"…\"}",
        );
    }
    let obj = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(m)) => m,
        Ok(_) => {
            return bad(
                media,
                ErrorCode::InvalidBody,
                "the body must be a JSON object {\"query\": \"…\"}",
            );
        }
        Err(e) => {
            return bad(
                media,
                ErrorCode::InvalidBody,
                &format!("the body is not JSON: {e}"),
            );
        }
    };
    match params(&obj) {
        Ok(p) => execute(state, &gql, media, p).await,
        Err(why) => bad(media, ErrorCode::InvalidBody, why),
    }
}

fn answer(media: Media, body: Bytes) -> Response {
    let mut r = (StatusCode::OK, Body::from(body)).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, media.content_type());
    r
}

/// Run a request and answer it (from the answers kept when the same request was answered in
/// the same catalog state).
async fn execute(state: AppState, gql: &GraphQl, media: Media, p: Params) -> Response {
    let kept = if gql.answers.enabled() {
        match gql.answers.state(&state.db).await {
            Ok(catalog) => {
                let key = format!(
                    "{}\u{0}{}\u{0}{}",
                    p.operation_name.as_deref().unwrap_or(""),
                    p.query,
                    p.variables
                        .as_ref()
                        .map(|v| Value::Object(v.clone()).to_string())
                        .unwrap_or_default()
                );
                if let Some(body) = gql.answers.get(&key, &catalog) {
                    return answer(media, body);
                }
                Some((key, catalog))
            }
            Err(e) => {
                tracing::warn!(error = %e, "catalog state not read; answering without the store");
                None
            }
        }
    } else {
        None
    };
    let executed = Executed::default();
    let mut req = Request::new(p.query);
    if let Some(name) = p.operation_name {
        req = req.operation_name(name);
    }
    if let Some(vars) = p.variables {
        req = req.variables(Variables::from_json(Value::Object(vars)));
    }
    let req = req
        .data(DataLoader::new(
            RelatedLoader {
                state: state.clone(),
            },
            tokio::spawn,
        ))
        .data(DataLoader::new(
            RollupLoader {
                state: state.clone(),
            },
            tokio::spawn,
        ))
        .data(executed.clone())
        .data(state);
    let resp = gql.schema.execute(req).await;
    if executed.get() {
        // Ran: the answer as it is (`data`, and any field errors).
        return match serde_json::to_vec(&resp) {
            Ok(bytes) => {
                let bytes = Bytes::from(bytes);
                if let Some((key, catalog)) = kept
                    && resp.errors.is_empty()
                {
                    gql.answers.put(key, catalog, bytes.clone());
                }
                answer(media, bytes)
            }
            Err(e) => {
                tracing::error!(error = %e, "GraphQL answer not serialized");
                errors(
                    media,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorCode::Internal,
                    "internal error",
                )
            }
        };
    }
    // Failed before running: no `data`, and every error gets a code.
    let errs: Vec<Value> = resp
        .errors
        .iter()
        .map(|e| {
            let mut v = serde_json::to_value(e).unwrap_or_default();
            if v["extensions"]["code"].is_null() {
                v["extensions"]["code"] = ErrorCode::InvalidQuery.as_str().into();
            }
            v
        })
        .collect();
    let status = if media == Media::GraphQlResponse {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    respond(media, status, &json!({ "errors": errs }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> Option<Media> {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(v).expect("header"));
        negotiate(&h)
    }

    #[test]
    fn negotiation() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(Media::Json));
        assert_eq!(accept("*/*"), Some(Media::Json));
        assert_eq!(accept("application/json"), Some(Media::Json));
        assert_eq!(accept(GRAPHQL_RESPONSE), Some(Media::GraphQlResponse));
        assert_eq!(
            accept("application/graphql-response+json, application/json;q=0.9"),
            Some(Media::GraphQlResponse)
        );
        assert_eq!(
            accept("application/graphql-response+json;q=0.5, application/json"),
            Some(Media::Json)
        );
        assert_eq!(accept("text/html"), None);
        assert_eq!(accept("application/json;q=0"), None);
    }
}
