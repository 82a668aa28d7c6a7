//! The HTTP conventions every response follows, as layers around the router.
//!
//! From the outside in:
//!
//! | layer | what it does |
//! | --- | --- |
//! | request id | keeps a sane incoming `X-Request-Id` (≤ 128 characters of `A–Z a–z 0–9 - _ . : ; = + / @`), else makes a UUID; echoes it on every response |
//! | trace | one span per request with method, path, route template and request id |
//! | metrics | counts by method, route template and status; latency histogram; requests in flight |
//! | CORS | any origin; `GET`, `HEAD`, `OPTIONS`, and `POST` on GraphQL (`/graphql`), the CKAN action API (`/api/3/action/*`, `/api/action/*`) and public corrections (`/api/v1/corrections`); exposes `ETag`, `Last-Modified`, `Content-Disposition`, `X-Request-Id`, `Link`. None on the admin API (`/api/v1/admin/*`): no other origin calls it |
//! | validator strength | an `ETag` on a compressed body is marked weak (`W/`): it names the content, not these bytes |
//! | compression | gzip or br, as the client asks; streamed bodies stay streamed (and are fused, see `Fused`) |
//! | conditional GET | `ETag` (the handler's, or SHA-256 of a bounded body), `Last-Modified` (the catalog's last publication) on `/api/*`, `Cache-Control`, and `304 Not Modified` |
//! | private | every admin answer (`/api/v1/admin/*`), errors included, is `Cache-Control: no-store`, so it is neither cached nor given validators |
//! | problems | every error is `application/problem+json` with a stable code and the request id |
//! | time limit | no response head within the limit → 503 `timeout` (uploads have their own, longer limit) |
//! | body limit | a request body over the route's limit → 413 `payload_too_large`: `body_limit`, 16 KiB for public corrections; an upload reads its body itself, up to `upload_limit` |
//!
//! Public corrections are also limited per client address ([`RateLimiter`]): past
//! `corrections_per_hour`, 429 `too_many_requests` with `Retry-After`.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use headers::{ETag, HeaderMapExt, IfModifiedSince, IfNoneMatch, LastModified};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};
use tower::{Layer, ServiceExt};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowHeaders, AllowMethods, Any, CorsLayer, ExposeHeaders};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::AppState;
use crate::error::{ApiError, ErrorCode, Problem, framework_detail, path_detail};

/// The request id header.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Where the admin API lives.
pub const ADMIN_PREFIX: &str = "/api/v1/admin";
/// The route template of uploads, which read their body themselves (up to `upload_limit`).
pub const UPLOAD_ROUTE: &str = "/api/v1/admin/datasets/{slug}/uploads";
/// The route of public corrections: POST from any origin, small bodies.
pub const CORRECTIONS_ROUTE: &str = "/api/v1/corrections";
/// The route of the public counts of corrections, which change with every report.
pub const CORRECTION_COUNTS_ROUTE: &str = "/api/v1/corrections/counts";
/// Largest body of a public correction, in bytes.
pub const CORRECTION_BODY_LIMIT: usize = 16 * 1024;

/// The content type of the Prometheus text exposition format served at `/metrics`.
pub const PROMETHEUS_TEXT: &str = prometheus::TEXT_FORMAT;

/// Limits and cache policy of the HTTP layer. `gongkai serve` takes the limits from
/// `--body-limit`, `--request-timeout`, `--upload-limit`, `--upload-timeout` and
/// `--corrections-per-hour`.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest request body, in bytes; larger ones get 413 `payload_too_large`. Default 1 MiB.
    pub body_limit: usize,
    /// Time from the request to the response head; beyond it 503 `timeout`. Default 30 s. A
    /// streamed download that has started is not cut off.
    pub request_timeout: Duration,
    /// Largest uploaded file (the body of `POST /api/v1/admin/datasets/{slug}/uploads`), in
    /// bytes; larger ones get 413 `payload_too_large`. Default 512 MiB.
    pub upload_limit: usize,
    /// Time an upload may take, from the request to the response head (receiving the file,
    /// validating and storing it); beyond it 503 `timeout`. Default 10 minutes.
    pub upload_timeout: Duration,
    /// Corrections the public may report per client address and hour; beyond it 429
    /// `too_many_requests`. 0: no limit. Default 10.
    pub corrections_per_hour: u32,
    /// Largest body buffered to compute an `ETag`; larger ones, and bodies of unknown length
    /// (streams), pass through untouched. Default 8 MiB.
    pub etag_max_body: usize,
    /// `Cache-Control: public, max-age=…` of successful reads that set no policy of their own.
    /// Default 60 s.
    pub max_age: u32,
    /// The limits of a GraphQL query (depth, aliases, complexity, time).
    pub graphql: crate::graphql::Limits,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            body_limit: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            upload_limit: 512 * 1024 * 1024,
            upload_timeout: Duration::from_secs(600),
            corrections_per_hour: 10,
            etag_max_body: 8 * 1024 * 1024,
            max_age: 60,
            graphql: Default::default(),
        }
    }
}

/// Apply every layer of the HTTP conventions to `app` and give it its state. The `/metrics`
/// handler finds the metrics of this router as an `Extension<Arc<Metrics>>`.
pub fn apply(app: Router<AppState>, state: AppState, config: &Config) -> Router {
    let state = AppState {
        upload_limit: config.upload_limit,
        corrections: Arc::new(RateLimiter::per_hour(config.corrections_per_hour)),
        ..state
    };
    let config_state = Arc::new(config.clone());
    let metrics = Arc::new(Metrics::new());
    let conditional_state = Arc::new(Conditional {
        db: state.db.clone(),
        etag_max_body: config.etag_max_body,
        cache_control: HeaderValue::from_str(&format!("public, max-age={}", config.max_age))
            .unwrap_or(HeaderValue::from_static("public, max-age=60")),
    });
    let cors_state = Arc::new(Cors::new());
    // `Router::layer` wraps each route (so the matched route template is known to the layers);
    // the last layer added is the outermost.
    app.layer(middleware::from_fn_with_state(
        config_state.clone(),
        body_limit,
    ))
    .layer(DefaultBodyLimit::max(config.body_limit))
    .layer(middleware::from_fn_with_state(
        config_state.clone(),
        time_limit,
    ))
    .layer(middleware::from_fn_with_state(config_state, problems))
    .layer(middleware::from_fn(private))
    .layer(middleware::from_fn_with_state(
        conditional_state,
        conditional,
    ))
    .layer(middleware::map_response(fuse_streamed_body))
    .layer(CompressionLayer::new())
    .layer(middleware::map_response(weaken_etag_of_encoded))
    .layer(middleware::from_fn_with_state(cors_state, cors))
    .layer(middleware::from_fn_with_state(metrics.clone(), measure))
    .layer(TraceLayer::new_for_http().make_span_with(request_span))
    .layer(PropagateRequestIdLayer::new(X_REQUEST_ID))
    .layer(SetRequestIdLayer::new(X_REQUEST_ID, MakeRequestUuid))
    .layer(middleware::map_request(drop_insane_request_id))
    .layer(Extension(metrics))
    .with_state(state)
}

// ---------------------------------------------------------------------------------------------
// Request id and tracing

/// Whether an incoming request id is fit to log and echo.
fn sane_request_id(v: &HeaderValue) -> bool {
    let b = v.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"-_.:;=+/@".contains(c))
}

/// An incoming request id that is not sane is dropped, so that one is generated instead.
async fn drop_insane_request_id(mut req: Request) -> Request {
    let insane = req
        .headers()
        .get_all(&X_REQUEST_ID)
        .iter()
        .enumerate()
        .any(|(i, v)| i > 0 || !sane_request_id(v));
    if insane {
        req.headers_mut().remove(&X_REQUEST_ID);
    }
    req
}

fn request_span(req: &Request) -> tracing::Span {
    let id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
        .unwrap_or("");
    tracing::info_span!(
        "request",
        method = %req.method(),
        path = %req.uri().path(),
        route,
        request_id = id,
    )
}

fn request_id_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

// ---------------------------------------------------------------------------------------------
// Metrics

/// The Prometheus metrics of one router.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    in_flight: IntGauge,
    dataset_rows: IntGaugeVec,
    database_up: IntGauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        // The metric definitions are constants; a failure here is a programming error caught by
        // every test that serves a request, so fall back to unregistered metrics rather than
        // panic.
        let requests = IntCounterVec::new(
            Opts::new(
                "gongkai_http_requests_total",
                "HTTP requests answered, by method, route template and status.",
            ),
            &["method", "route", "status"],
        )
        .unwrap_or_else(|_| unreachable_metric());
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "gongkai_http_request_duration_seconds",
                "Time from the request to the response head, by method and route template.",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
            ]),
            &["method", "route"],
        )
        .unwrap_or_else(|_| unreachable_metric());
        let in_flight = IntGauge::new(
            "gongkai_http_requests_in_flight",
            "HTTP requests being handled (until the response head is sent).",
        )
        .unwrap_or_else(|_| unreachable_metric());
        let dataset_rows = IntGaugeVec::new(
            Opts::new(
                "gongkai_dataset_rows",
                "Rows in the current published release of each dataset.",
            ),
            &["dataset"],
        )
        .unwrap_or_else(|_| unreachable_metric());
        let database_up = IntGauge::new(
            "gongkai_database_up",
            "1 when the database answered the last scrape, else 0.",
        )
        .unwrap_or_else(|_| unreachable_metric());
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(duration.clone()),
            Box::new(in_flight.clone()),
            Box::new(dataset_rows.clone()),
            Box::new(database_up.clone()),
        ] {
            if let Err(e) = registry.register(c) {
                tracing::error!(error = %e, "metric not registered");
            }
        }
        Metrics {
            registry,
            requests,
            duration,
            in_flight,
            dataset_rows,
            database_up,
        }
    }

    /// Record the rows of every dataset's current release (from `schema::query::list_datasets`),
    /// or that the database did not answer.
    pub fn set_datasets<'a>(&self, datasets: Option<impl IntoIterator<Item = (&'a str, i64)>>) {
        match datasets {
            Some(list) => {
                self.database_up.set(1);
                for (slug, rows) in list {
                    self.dataset_rows.with_label_values(&[slug]).set(rows);
                }
            }
            None => self.database_up.set(0),
        }
    }

    /// Every metric in the Prometheus text exposition format, version 0.0.4.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::error!(error = %e, "metrics not encoded");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

/// Metric constructors only fail on invalid names or label sets, which are constants above.
fn unreachable_metric<T>() -> T {
    unreachable!("invalid metric definition")
}

/// Methods as metric labels: the standard ones by name, anything else as `other`, so that a
/// client cannot grow the label set.
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

struct InFlight(IntGauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

async fn measure(State(m): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let method = method_label(req.method());
    // The route template, never the raw path: the label set stays bounded.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    m.in_flight.inc();
    let _in_flight = InFlight(m.in_flight.clone());
    let started = Instant::now();
    let res = next.run(req).await;
    m.duration
        .with_label_values(&[method, &route])
        .observe(started.elapsed().as_secs_f64());
    m.requests
        .with_label_values(&[method, &route, res.status().as_str()])
        .inc();
    res
}

// ---------------------------------------------------------------------------------------------
// CORS

struct Cors {
    read: CorsLayer,
    /// Routes that read with POST too (GraphQL, CKAN actions).
    post: CorsLayer,
}

impl Cors {
    fn new() -> Self {
        let base = CorsLayer::new()
            .allow_origin(Any)
            .allow_headers(AllowHeaders::list([
                header::CONTENT_TYPE,
                header::IF_NONE_MATCH,
                header::IF_MODIFIED_SINCE,
                X_REQUEST_ID,
            ]))
            .expose_headers(ExposeHeaders::list([
                header::ETAG,
                header::LAST_MODIFIED,
                header::CONTENT_DISPOSITION,
                X_REQUEST_ID,
                header::LINK,
            ]))
            .max_age(Duration::from_secs(86_400));
        Cors {
            read: base.clone().allow_methods(AllowMethods::list([
                Method::GET,
                Method::HEAD,
                Method::OPTIONS,
            ])),
            post: base.allow_methods(AllowMethods::list([
                Method::GET,
                Method::HEAD,
                Method::OPTIONS,
                Method::POST,
            ])),
        }
    }
}

/// Whether a path takes POST from any origin: GraphQL and the CKAN action API (CKAN clients
/// call it with POST), which read with it, and public corrections.
fn reads_with_post(path: &str) -> bool {
    path == "/graphql"
        || path.starts_with("/api/3/action/")
        || path.starts_with("/api/action/")
        || path == CORRECTIONS_ROUTE
}

/// Whether a path is the admin API: authenticated, never cached, not for other origins.
pub fn is_private(path: &str) -> bool {
    path == ADMIN_PREFIX
        || path
            .strip_prefix(ADMIN_PREFIX)
            .is_some_and(|rest| rest.starts_with('/'))
}

async fn cors(State(c): State<Arc<Cors>>, req: Request, next: Next) -> Response {
    if is_private(req.uri().path()) {
        return next.run(req).await;
    }
    let layer = if reads_with_post(req.uri().path()) {
        &c.post
    } else {
        &c.read
    };
    match layer.layer(next).oneshot(req).await {
        Ok(res) => res.into_response(),
        Err(never) => match never {},
    }
}

// ---------------------------------------------------------------------------------------------
// Conditional GET

struct Conditional {
    db: DatabaseConnection,
    etag_max_body: usize,
    cache_control: HeaderValue,
}

/// The catalog's last change as a time, for `Last-Modified`. Read before the handler runs: if
/// a release is published while the handler reads, the time sent is the older one, so the next
/// conditional request fetches the new data instead of keeping a stale copy.
async fn catalog_last_modified(db: &DatabaseConnection) -> Option<SystemTime> {
    let text = match schema::query::catalog_updated_at(db).await {
        Ok(t) => t?,
        Err(e) => {
            tracing::warn!(error = %e, "catalog_updated_at failed; no Last-Modified");
            return None;
        }
    };
    published_time(&text)
}

/// A stored publication time (`2026-11-22T08:00:00Z`) as a time.
pub(crate) fn published_time(text: &str) -> Option<SystemTime> {
    let t = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%SZ").ok()?;
    Some(SystemTime::from(t.and_utc()))
}

fn no_store(headers: &HeaderMap) -> bool {
    has_token(headers, header::CACHE_CONTROL, "no-store")
}

/// Whether a comma-separated header (over all its lines) lists `token`, in any case.
fn has_token(headers: &HeaderMap, name: HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
}

async fn conditional(State(c): State<Arc<Conditional>>, req: Request, next: Next) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return next.run(req).await;
    }
    let if_none_match_raw = req
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let has_if_none_match = req.headers().contains_key(header::IF_NONE_MATCH);
    let if_none_match = req.headers().typed_get::<IfNoneMatch>();
    let if_modified_since = req.headers().typed_get::<IfModifiedSince>();
    // A record list states its own (the publication of the release it read, in the same
    // snapshot as its rows), so the catalog's is not read for it. Correction counts change
    // with every report, not with publications, and the admin API is never cached: neither
    // is dated by the catalog (their ETag still serves revalidation).
    let route = route_of(&req);
    let own = route.is_some_and(crate::rest::records::states_last_modified);
    let undated = route == Some(CORRECTION_COUNTS_ROUTE) || is_private(req.uri().path());
    let catalog_updated = if req.uri().path().starts_with("/api/") && !own && !undated {
        catalog_last_modified(&c.db).await
    } else {
        None
    };

    let mut res = next.run(req).await;
    if res.status() != StatusCode::OK || no_store(res.headers()) {
        return res;
    }
    let headers = res.headers_mut();
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, c.cache_control.clone());
    }
    if let Some(t) = catalog_updated
        && !headers.contains_key(header::LAST_MODIFIED)
    {
        headers.typed_insert(LastModified::from(t));
    }

    // The handler's ETag (a streamed download sets one) is kept and its body never buffered;
    // otherwise a bounded body is hashed.
    let mut etag = res.headers().typed_get::<ETag>();
    if etag.is_none() && !res.headers().contains_key(header::ETAG) {
        let bounded = http_body::Body::size_hint(res.body())
            .upper()
            .is_some_and(|n| n <= c.etag_max_body as u64);
        if bounded {
            let (mut parts, body) = res.into_parts();
            let bytes = match axum::body::to_bytes(body, c.etag_max_body).await {
                Ok(b) => b,
                Err(e) => {
                    tracing::error!(error = %e, "response body failed");
                    return ApiError::new(ErrorCode::Internal, "internal error").into_response();
                }
            };
            let tag = format!("\"{}\"", hex::encode(Sha256::digest(&bytes)));
            if let Ok(v) = HeaderValue::from_str(&tag) {
                parts.headers.insert(header::ETAG, v);
            }
            etag = tag.parse::<ETag>().ok();
            res = Response::from_parts(parts, Body::from(bytes));
        }
    }

    // RFC 9110 §13.2.2: If-None-Match first; If-Modified-Since only without it.
    let not_modified = if has_if_none_match {
        match (&if_none_match, &etag) {
            (Some(inm), Some(tag)) => !inm.precondition_passes(tag),
            (_, None) => if_none_match_raw.trim() == "*",
            (None, Some(_)) => false,
        }
    } else if let Some(ims) = if_modified_since {
        res.headers()
            .typed_get::<LastModified>()
            .is_some_and(|lm| !ims.is_modified(lm.into()))
    } else {
        false
    };
    if not_modified {
        not_modified_response(res, &if_none_match_raw)
    } else {
        res
    }
}

/// `304 Not Modified` with the validators and caching headers of the 200 it stands for, and no
/// body. When the client revalidates the weak form of the tag (what it got with a compressed
/// body), the 304 carries that form, as the 200 to the same request would have.
fn not_modified_response(res: Response, if_none_match: &str) -> Response {
    let (mut parts, _) = res.into_parts();
    parts.status = StatusCode::NOT_MODIFIED;
    for h in [
        header::CONTENT_LENGTH,
        header::CONTENT_TYPE,
        header::CONTENT_DISPOSITION,
        header::CONTENT_ENCODING,
    ] {
        parts.headers.remove(h);
    }
    // The 200 varies with Accept-Encoding (the compression layer says so on bodies it
    // compresses); so does the 304 that stands for it.
    let varies = has_token(&parts.headers, header::VARY, "accept-encoding");
    if !varies {
        parts
            .headers
            .append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if let Some(tag) = parts
        .headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        && !tag.starts_with("W/")
        && if_none_match.contains(&format!("W/{tag}"))
        && let Ok(v) = HeaderValue::from_str(&format!("W/{tag}"))
    {
        parts.headers.insert(header::ETAG, v);
    }
    Response::from_parts(parts, Body::empty())
}

/// A strong `ETag` names exact bytes; after compression the bytes differ, so the tag becomes
/// weak (RFC 9110 §8.8.1). If-None-Match compares weakly, so revalidation still matches.
async fn weaken_etag_of_encoded(mut res: Response) -> Response {
    if res.headers().contains_key(header::CONTENT_ENCODING)
        && let Some(tag) = res.headers().get(header::ETAG).cloned()
        && !tag.as_bytes().starts_with(b"W/")
    {
        let mut weak = b"W/".to_vec();
        weak.extend_from_slice(tag.as_bytes());
        if let Ok(v) = HeaderValue::from_bytes(&weak) {
            res.headers_mut().insert(header::ETAG, v);
        }
    }
    res
}

/// A body that, once it has ended, stays ended. tower-http 0.7's compression polls a body
/// again after it has returned `None` (tower-rs/tower-http#732), which panics in streams that
/// are not fused, such as `futures::stream::unfold` behind `Body::from_stream`. Bodies of
/// known length are left as they are.
struct Fused {
    inner: Body,
    done: bool,
}

impl http_body::Body for Fused {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        if self.done {
            return std::task::Poll::Ready(None);
        }
        let frame = std::task::ready!(std::pin::Pin::new(&mut self.inner).poll_frame(cx));
        if frame.is_none() {
            self.done = true;
        }
        std::task::Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

async fn fuse_streamed_body(res: Response) -> Response {
    if http_body::Body::size_hint(res.body()).exact().is_some() {
        return res;
    }
    res.map(|inner| Body::new(Fused { inner, done: false }))
}

// ---------------------------------------------------------------------------------------------
// Problems, time limit

/// The error statuses the framework answers on its own, and their codes.
fn framework_code(status: StatusCode) -> Option<ErrorCode> {
    Some(match status {
        StatusCode::BAD_REQUEST => ErrorCode::InvalidParameter,
        StatusCode::NOT_FOUND => ErrorCode::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
        StatusCode::UNPROCESSABLE_ENTITY => ErrorCode::InvalidBody,
        StatusCode::INTERNAL_SERVER_ERROR => ErrorCode::Internal,
        _ => return None,
    })
}

/// Whether an error response is the framework's own (plain text or empty), as opposed to a
/// foreign protocol's error document (GraphQL, CKAN), which is left as it is.
fn is_framework_error(res: &Response) -> bool {
    match res.headers().get(header::CONTENT_TYPE) {
        None => true,
        Some(ct) => ct.as_bytes().starts_with(b"text/plain"),
    }
}

/// Every problem gets the request id; every error the framework answers in plain text (or
/// with no body) becomes a problem document.
async fn problems(State(config): State<Arc<Config>>, req: Request, next: Next) -> Response {
    let request_id = request_id_of(req.headers());
    let method = req.method().clone();
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let res = next.run(req).await;
    if let Some(problem) = res.extensions().get::<Problem>().cloned() {
        if problem.request_id.is_some() || request_id.is_none() {
            return res;
        }
        let (mut parts, _) = res.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        let status = parts.status;
        let mut problem = problem;
        problem.request_id = request_id;
        let fresh = problem.into_response_with_status(status);
        let (fresh_parts, body) = fresh.into_parts();
        parts.extensions.extend(fresh_parts.extensions);
        return Response::from_parts(parts, body);
    }
    let status = res.status();
    let Some(code) = framework_code(status) else {
        return res;
    };
    if !is_framework_error(&res) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    // The framework's messages are short; read at most 16 KiB of them.
    let text = axum::body::to_bytes(body, 16 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let detail = match code {
        ErrorCode::MethodNotAllowed => {
            format!("this resource does not answer {method} (see the Allow header)")
        }
        ErrorCode::PayloadTooLarge => format!(
            "the request body is larger than the limit of {} bytes",
            body_limit_of(&config, template.as_deref()).unwrap_or(config.body_limit)
        ),
        ErrorCode::Internal => {
            tracing::error!(detail = %text, "internal error in the framework");
            framework_detail(code, "")
        }
        ErrorCode::InvalidParameter if text.starts_with("Invalid URL: ") => {
            path_detail(&text, template.as_deref())
        }
        _ => framework_detail(code, &text),
    };
    let mut problem = Problem::new(code, detail);
    problem.request_id = request_id;
    let fresh = problem.into_response();
    for h in [header::CONTENT_LENGTH, header::CONTENT_TYPE] {
        parts.headers.remove(h);
    }
    let (fresh_parts, body) = fresh.into_parts();
    parts.status = fresh_parts.status;
    parts.headers.extend(fresh_parts.headers);
    parts.extensions.extend(fresh_parts.extensions);
    Response::from_parts(parts, body)
}

/// The route template of a request (known inside the router's layers).
fn route_of(req: &Request) -> Option<&str> {
    req.extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
}

/// The body limit of a route: 16 KiB for public corrections, none for uploads (the handler
/// streams the file to disk and stops at `upload_limit` itself), `body_limit` for the rest.
fn body_limit_of(config: &Config, route: Option<&str>) -> Option<usize> {
    match route {
        Some(UPLOAD_ROUTE) => None,
        Some(CORRECTIONS_ROUTE) => Some(CORRECTION_BODY_LIMIT.min(config.body_limit)),
        _ => Some(config.body_limit),
    }
}

async fn body_limit(State(config): State<Arc<Config>>, req: Request, next: Next) -> Response {
    let Some(limit) = body_limit_of(&config, route_of(&req)) else {
        return next.run(req).await;
    };
    let inner = next.map_request(|r: Request<_>| r.map(Body::new));
    match RequestBodyLimitLayer::new(limit)
        .layer(inner)
        .oneshot(req)
        .await
    {
        Ok(res) => res.into_response(),
        Err(never) => match never {},
    }
}

/// Every admin answer, errors included, is `Cache-Control: no-store`.
async fn private(req: Request, next: Next) -> Response {
    let admin = is_private(req.uri().path());
    let mut res = next.run(req).await;
    if admin {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

async fn time_limit(State(config): State<Arc<Config>>, req: Request, next: Next) -> Response {
    let limit = if route_of(&req) == Some(UPLOAD_ROUTE) {
        config.upload_timeout.max(config.request_timeout)
    } else {
        config.request_timeout
    };
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(limit_ms = limit.as_millis() as u64, "request timed out");
            ApiError::new(
                ErrorCode::Timeout,
                format!(
                    "no response within the limit of {} ms; try again later",
                    limit.as_millis()
                ),
            )
            .into_response()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rate limit

/// A client as the rate limit counts it: an IPv4 address, or the /64 network of an IPv6 address
/// (one subscriber's prefix: a client could otherwise take a fresh address per request);
/// `None` when the peer address is not known (a router called without a listener), which all
/// such requests share.
pub fn client_key(addr: Option<std::net::IpAddr>) -> Option<std::net::IpAddr> {
    use std::net::{IpAddr, Ipv6Addr};
    Some(match addr? {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    })
}

/// At most `per_hour` requests per client within any hour, in memory (GCRA, the generic cell
/// rate algorithm: a token bucket of `per_hour` tokens refilled one every `3600 / per_hour`
/// seconds, kept as one instant per client, the time its bucket will be full again). A client
/// whose bucket is full again is forgotten; at most [`RateLimiter::MAX_CLIENTS`] clients are
/// remembered, and when as many are busy the one closest to a full bucket is forgotten first.
/// Counts are per server process and start again when it restarts.
#[derive(Debug)]
pub struct RateLimiter {
    per_hour: u32,
    clients: std::sync::Mutex<std::collections::HashMap<Option<std::net::IpAddr>, Instant>>,
}

impl RateLimiter {
    /// Most clients remembered at once.
    pub const MAX_CLIENTS: usize = 65_536;

    /// A limit of `per_hour` requests per client (0: no limit).
    pub fn per_hour(per_hour: u32) -> Self {
        RateLimiter {
            per_hour,
            clients: Default::default(),
        }
    }

    /// Count a request of `client` (see [`client_key`]) at `now`: `Ok`, or `Err(seconds)` to
    /// wait until the next one is accepted.
    pub fn check(&self, client: Option<std::net::IpAddr>, now: Instant) -> Result<(), u64> {
        if self.per_hour == 0 {
            return Ok(());
        }
        let interval = Duration::from_secs(3600) / self.per_hour;
        // A full bucket holds `per_hour` tokens: `per_hour - 1` intervals ahead of now.
        let burst = interval * (self.per_hour - 1);
        let mut clients = match self.clients.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        let full_at = clients.get(&client).copied().unwrap_or(now).max(now);
        if full_at > now + burst {
            let wait = full_at - (now + burst);
            return Err(wait.as_secs() + u64::from(wait.subsec_nanos() > 0));
        }
        if !clients.contains_key(&client) && clients.len() >= Self::MAX_CLIENTS {
            clients.retain(|_, t| *t > now);
            if clients.len() >= Self::MAX_CLIENTS
                && let Some(k) = clients.iter().min_by_key(|(_, t)| **t).map(|(k, _)| *k)
            {
                clients.remove(&k);
            }
        }
        clients.insert(client, full_at + interval);
        Ok(())
    }

    /// Clients remembered now.
    pub fn clients(&self) -> usize {
        match self.clients.lock() {
            Ok(c) => c.len(),
            Err(poisoned) => poisoned.into_inner().len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids() {
        for ok in [
            "abc",
            "0b6f6c0e-6a4d-4d3c-9a51-2f0d3b0c9e1a",
            "Root=1-5759e988;Parent=53995c3f",
        ] {
            assert!(sane_request_id(&HeaderValue::from_static(ok)), "{ok}");
        }
        let long = "a".repeat(129);
        for bad in ["", "has space", "引号", long.as_str()] {
            let v = HeaderValue::from_bytes(bad.as_bytes()).expect("header value");
            assert!(!sane_request_id(&v), "{bad}");
        }
    }

    #[test]
    fn ckan_paths() {
        assert!(reads_with_post("/api/3/action/package_show"));
        assert!(reads_with_post("/api/action/package_list"));
        assert!(reads_with_post("/graphql"));
        assert!(!reads_with_post("/api/v1/datasets"));
        assert!(!reads_with_post("/api/3/actionx"));
        assert!(!reads_with_post("/graphql/assets/x.js"));
        assert!(reads_with_post("/api/v1/corrections"));
        assert!(!reads_with_post("/api/v1/corrections/counts"));
    }

    #[test]
    fn admin_paths() {
        assert!(is_private("/api/v1/admin"));
        assert!(is_private("/api/v1/admin/releases/3"));
        assert!(!is_private("/api/v1/administrations"));
        assert!(!is_private("/api/v1/datasets"));
    }

    #[test]
    fn rate_limit() {
        use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
        let l = RateLimiter::per_hour(3);
        let t0 = Instant::now();
        let a = client_key(Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))));
        let b = client_key(Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2))));
        for _ in 0..3 {
            assert_eq!(l.check(a, t0), Ok(()));
        }
        // The fourth waits for one token: 20 minutes.
        assert_eq!(l.check(a, t0), Err(1200));
        assert_eq!(l.check(a, t0 + Duration::from_secs(1199)), Err(1));
        assert_eq!(l.check(b, t0), Ok(()), "another address has its own bucket");
        assert_eq!(l.check(a, t0 + Duration::from_secs(1200)), Ok(()));
        assert_eq!(l.check(a, t0 + Duration::from_secs(1200)), Err(1200));
        // An IPv6 /64 is one client; the unknown address is one client too.
        let v6 = |last| {
            client_key(Some(IpAddr::V6(Ipv6Addr::new(
                0x2001, 0xdb8, 0, 1, 0, 0, 0, last,
            ))))
        };
        assert_eq!(v6(1), v6(2));
        let mapped = IpAddr::V6(Ipv4Addr::new(192, 0, 2, 1).to_ipv6_mapped());
        assert_eq!(client_key(Some(mapped)), a);
        assert_eq!(client_key(None), None);
        // Full buckets are forgotten when room is needed; 0 is no limit.
        assert!(l.clients() <= 2);
        assert_eq!(RateLimiter::per_hour(0).check(a, t0), Ok(()));
    }

    #[test]
    fn metrics_render_as_prometheus_text() {
        let m = Metrics::new();
        m.requests
            .with_label_values(&["GET", "/api/v1/datasets", "200"])
            .inc();
        m.duration
            .with_label_values(&["GET", "/api/v1/datasets"])
            .observe(0.003);
        m.set_datasets(Some([("relief", 215_i64)]));
        let text = m.render();
        assert!(
            text.contains(
                "gongkai_http_requests_total{method=\"GET\",route=\"/api/v1/datasets\",status=\"200\"} 1"
            ),
            "{text}"
        );
        assert!(text.contains("gongkai_dataset_rows{dataset=\"relief\"} 215"));
        assert!(text.contains("# TYPE gongkai_http_request_duration_seconds histogram"));
        assert!(text.contains(
            "gongkai_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/datasets\",le=\"0.005\"} 1"
        ));
    }
}
