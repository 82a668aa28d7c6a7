//! CKAN's Action API (a read-only subset) at `/api/3/action/{name}` and `/api/action/{name}`, so
//! that CKAN clients and harvesters read gongkai. Parameters come from the query string (GET),
//! or a JSON object (or a form) in the body (POST); the actions themselves are
//! `schema::standards::ckan`. Answers use CKAN's envelope, `{"help", "success", "result"}`, and
//! CKAN's error bodies — a foreign protocol, so not problem+json — except when the database
//! fails, which answers as every other route does.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::base_url::BaseUrl;
use crate::error::{ApiError, Problem};
use schema::standards::ckan::{self, CkanError};

/// The actions served.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(clippy::enum_variant_names)]
pub enum CkanAction {
    PackageList,
    PackageShow,
    PackageSearch,
    OrganizationList,
    OrganizationShow,
    StatusShow,
    HelpShow,
}

/// CKAN's answer when the action succeeded.
#[derive(Debug, Serialize, ToSchema)]
pub struct CkanSuccess {
    /// Where the action's documentation is (`help_show`).
    #[schema(example = "http://127.0.0.1:8080/api/3/action/help_show?name=package_list")]
    pub help: String,
    /// Always true here.
    #[schema(example = true)]
    pub success: bool,
    /// The action's result: a list of names (`package_list`, `organization_list`), a package or
    /// organization dictionary, or a search result (`count`, `results`, `facets`,
    /// `search_facets`, `sort`).
    #[schema(example = json!(["annual_reports", "budgets", "funds", "registry", "relief"]))]
    pub result: Value,
}

/// CKAN's answer when the action failed.
#[derive(Debug, Serialize, ToSchema)]
pub struct CkanFailure {
    /// Where the action's documentation is (`help_show`).
    #[schema(example = "http://127.0.0.1:8080/api/3/action/help_show?name=package_show")]
    pub help: String,
    /// Always false here.
    #[schema(example = false)]
    pub success: bool,
    /// What went wrong.
    #[schema(value_type = CkanErrorBody)]
    pub error: Value,
}

/// CKAN's error object. A `Validation Error` carries a list of messages per parameter instead
/// of a `message`, e.g. `{"__type": "Validation Error", "rows": ["Invalid integer"]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CkanErrorBody {
    /// `Not Found Error`, `Validation Error` or `Search Error`.
    #[serde(rename = "__type")]
    #[schema(example = "Not Found Error")]
    pub kind: String,
    /// What went wrong, for every type but `Validation Error`.
    #[schema(example = "Not found")]
    pub message: Option<String>,
}

/// The parameters of the actions, in the query string of a GET (a POST sends the same as a JSON
/// object). Each action reads its own and ignores the rest.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CkanParams {
    /// `package_show`, `organization_show`: the name (or id) of the dataset or organization.
    #[param(example = "relief")]
    pub id: Option<String>,
    /// `package_search`: words that must all occur (title, description, keywords, 索引号,
    /// publisher), `field:value` terms, `-` to exclude, `OR` between alternatives; `*:*` for all.
    #[param(example = "低保")]
    pub q: Option<String>,
    /// `package_search`: a filter in the same syntax, e.g. `organization:gongkai`, `tags:低保`,
    /// `metadata_modified:[2024-01-01T00:00:00Z TO *]`.
    #[param(example = "organization:gongkai")]
    pub fq: Option<String>,
    /// `package_search`: `name asc`, `title_string desc`, `metadata_modified desc`, …;
    /// `organization_list`: `name`, `title` or `package_count` with `asc`/`desc`.
    #[param(example = "name asc")]
    pub sort: Option<String>,
    /// `package_search`: results per page (default 10, at most 1000).
    #[param(example = 10)]
    pub rows: Option<u64>,
    /// `package_search`: offset of the first result.
    #[param(example = 0)]
    pub start: Option<u64>,
    /// `package_list`, `organization_list`: page size.
    #[param(example = 100)]
    pub limit: Option<u64>,
    /// `package_list`, `organization_list`: offset.
    #[param(example = 0)]
    pub offset: Option<u64>,
    /// `package_search`: a JSON list of fields to count values of: `organization`, `tags`,
    /// `groups`, `res_format`, `license_id`.
    #[serde(rename = "facet.field")]
    #[param(example = "[\"organization\", \"tags\"]")]
    pub facet_field: Option<String>,
    /// `package_search`: values per facet (default 50, `-1` for all).
    #[serde(rename = "facet.limit")]
    #[param(example = 50)]
    pub facet_limit: Option<i64>,
    /// `package_search`: the least count a facet value needs (default 1).
    #[serde(rename = "facet.mincount")]
    #[param(example = 1)]
    pub facet_mincount: Option<u64>,
    /// `organization_show`: include the organization's datasets (default false).
    #[param(example = true)]
    pub include_datasets: Option<bool>,
    /// `organization_show`, `organization_list`: include the number of datasets (default true).
    #[param(example = true)]
    pub include_dataset_count: Option<bool>,
    /// `organization_list`: dictionaries instead of names (default false).
    #[param(example = false)]
    pub all_fields: Option<bool>,
}

/// The parameters of a call: a query string's pairs (a repeated key becomes a list), as CKAN
/// reads them.
fn query_params(raw: Option<&str>) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        let v = Value::String(v.into_owned());
        match out.get_mut(k.as_ref()) {
            Some(Value::Array(list)) => list.push(v),
            Some(first) => {
                let prev = first.take();
                *first = Value::Array(vec![prev, v]);
            }
            None => {
                out.insert(k.into_owned(), v);
            }
        }
    }
    out
}

/// The parameters of a POST: a JSON object or a form in the body; the query string when the
/// body is empty.
fn body_params(
    headers: &HeaderMap,
    raw_query: Option<&str>,
    body: &[u8],
) -> Result<Map<String, Value>, CkanError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(query_params(raw_query));
    }
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if form {
        let fields = query_params(std::str::from_utf8(body).ok());
        // As CKAN does: a form whose only field has an empty value (or `1`) is a JSON body sent
        // with a form's content type (`curl -d '{"id": …}'`).
        let mut it = fields.iter();
        if let (Some((k, Value::String(v))), None) = (it.next(), it.next())
            && (v.is_empty() || v == "1")
            && k.trim_start().starts_with('{')
        {
            return match serde_json::from_str::<Value>(k) {
                Ok(Value::Object(m)) => Ok(m),
                _ => Err(CkanError::BadRequest(format!(
                    "Error decoding JSON data: {k}"
                ))),
            };
        }
        return Ok(fields);
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(Value::Null) => Ok(Map::new()),
        Ok(other) => Err(CkanError::BadRequest(format!(
            "Request data JSON decoded to {other} but it needs to be a dictionary."
        ))),
        Err(e) => Err(CkanError::BadRequest(format!(
            "Error decoding JSON data: {e}"
        ))),
    }
}

fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
        serde_json::to_vec(body).unwrap_or_default(),
    )
        .into_response()
}

/// Run an action and answer in CKAN's envelope.
async fn answer(
    s: &AppState,
    base: &BaseUrl,
    name: &str,
    params: Result<Map<String, Value>, CkanError>,
) -> Result<Response, ApiError> {
    if !ckan::is_action(name) {
        let e = CkanError::UnknownAction(name.to_string());
        return Ok(json_response(
            StatusCode::BAD_REQUEST,
            &format!("Bad request - {e}"),
        ));
    }
    let params = match params {
        Ok(p) => p,
        Err(e) => {
            return Ok(json_response(
                StatusCode::BAD_REQUEST,
                &format!("Bad request - {e}"),
            ));
        }
    };
    let links = base.links();
    let help = format!("{}?name={name}", links.ckan_action("help_show"));
    match ckan::call(&s.db, &links, name, &params).await {
        Ok(result) => Ok(json_response(
            StatusCode::OK,
            &CkanSuccess {
                help,
                success: true,
                result,
            },
        )),
        Err(CkanError::Db(e)) => Err(e.into()),
        Err(e) => {
            let status = match e {
                CkanError::NotFound(_) => StatusCode::NOT_FOUND,
                CkanError::Validation(_) | CkanError::Search(_) => StatusCode::CONFLICT,
                _ => StatusCode::BAD_REQUEST,
            };
            Ok(json_response(
                status,
                &CkanFailure {
                    help,
                    success: false,
                    error: e.error_object(),
                },
            ))
        }
    }
}

/// CKAN action (GET): `package_list`, `package_show`, `package_search`, `organization_list`,
/// `organization_show`, `status_show` or `help_show`, with its parameters in the query string.
/// Any other name answers CKAN's 400 `"Bad request - Action name not known: NAME"`.
#[utoipa::path(
    get,
    path = "/api/3/action/{name}",
    tag = "ckan",
    params(("name" = inline(CkanAction), Path, description = "The action"), CkanParams),
    responses(
        (status = 200, description = "The action's result in CKAN's envelope", body = CkanSuccess),
        (status = 400, description = "Unknown action: CKAN's bare message", body = String, content_type = "application/json"),
        (status = 404, description = "No dataset or organization has this id (`Not Found Error`)", body = CkanFailure),
        (status = 409, description = "A parameter is invalid (`Validation Error`, messages per field) or the query cannot be answered (`Search Error`)", body = CkanFailure),
        (status = 503, description = "The database is not available", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_v3(
    State(s): State<AppState>,
    base: BaseUrl,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    answer(&s, &base, &name, Ok(query_params(q.as_deref()))).await
}

/// CKAN action (POST): the same actions with their parameters as a JSON object in the body (as
/// ckanapi sends them), or as a form; an empty body reads the query string.
#[utoipa::path(
    post,
    path = "/api/3/action/{name}",
    tag = "ckan",
    params(("name" = inline(CkanAction), Path, description = "The action")),
    request_body(content = Option<std::collections::HashMap<String, Value>>, content_type = "application/json", description = "The action's parameters (see the GET form), e.g. `{\"id\": \"relief\"}`"),
    responses(
        (status = 200, description = "The action's result in CKAN's envelope", body = CkanSuccess),
        (status = 400, description = "Unknown action, or a body that is not a JSON object: CKAN's bare message", body = String, content_type = "application/json"),
        (status = 404, description = "No dataset or organization has this id (`Not Found Error`)", body = CkanFailure),
        (status = 409, description = "A parameter is invalid (`Validation Error`, messages per field) or the query cannot be answered (`Search Error`)", body = CkanFailure),
        (status = 503, description = "The database is not available", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn post_v3(
    State(s): State<AppState>,
    base: BaseUrl,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    answer(&s, &base, &name, body_params(&headers, q.as_deref(), &body)).await
}

/// CKAN action (GET) without the API version in the path, as ckanapi calls it; the same as
/// `/api/3/action/{name}`.
#[utoipa::path(
    get,
    path = "/api/action/{name}",
    tag = "ckan",
    params(("name" = inline(CkanAction), Path, description = "The action"), CkanParams),
    responses(
        (status = 200, description = "The action's result in CKAN's envelope", body = CkanSuccess),
        (status = 400, description = "Unknown action: CKAN's bare message", body = String, content_type = "application/json"),
        (status = 404, description = "No dataset or organization has this id (`Not Found Error`)", body = CkanFailure),
        (status = 409, description = "A parameter is invalid (`Validation Error`, messages per field) or the query cannot be answered (`Search Error`)", body = CkanFailure),
        (status = 503, description = "The database is not available", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    state: State<AppState>,
    base: BaseUrl,
    name: Path<String>,
    q: RawQuery,
) -> Result<Response, ApiError> {
    get_v3(state, base, name, q).await
}

/// CKAN action (POST) without the API version in the path, as ckanapi calls it; the same as
/// `/api/3/action/{name}`.
#[utoipa::path(
    post,
    path = "/api/action/{name}",
    tag = "ckan",
    params(("name" = inline(CkanAction), Path, description = "The action")),
    request_body(content = Option<std::collections::HashMap<String, Value>>, content_type = "application/json", description = "The action's parameters (see the GET form), e.g. `{\"id\": \"relief\"}`"),
    responses(
        (status = 200, description = "The action's result in CKAN's envelope", body = CkanSuccess),
        (status = 400, description = "Unknown action, or a body that is not a JSON object: CKAN's bare message", body = String, content_type = "application/json"),
        (status = 404, description = "No dataset or organization has this id (`Not Found Error`)", body = CkanFailure),
        (status = 409, description = "A parameter is invalid (`Validation Error`, messages per field) or the query cannot be answered (`Search Error`)", body = CkanFailure),
        (status = 503, description = "The database is not available", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn post(
    state: State<AppState>,
    base: BaseUrl,
    name: Path<String>,
    q: RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    post_v3(state, base, name, q, headers, body).await
}
