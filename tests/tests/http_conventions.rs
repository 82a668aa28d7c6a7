//! The HTTP conventions of every response (`api::http`): request ids, compression, CORS,
//! conditional GET, limits, problem documents for framework errors, `/readyz`, `/metrics`.
//! Served on 127.0.0.1 by a real listener; on SQLite and PostgreSQL where the database matters.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::routing::get;
use reqwest::header::{HeaderMap, HeaderValue};
use schema::import::{ImportFile, ImportOptions, SourceFields};
use sea_orm::ConnectionTrait;
use sha2::{Digest, Sha256};
use tests::{Backend, Files, TestDb, both};

// ---------------------------------------------------------------------------------------------
// Helpers

/// Serve `app` on an ephemeral local port; the server stops with the test's runtime.
async fn serve_app(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// Serve the real router for `t`, with the default limits.
async fn serve(t: &TestDb) -> String {
    serve_app(api::router(api::AppState::new(t.db.clone()))).await
}

/// A client that asks for no compression unless a test says so (reqwest is built without its
/// decoders here, so what it gets is what the server sent).
fn client() -> reqwest::Client {
    reqwest::Client::new()
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name)
        .map(|v| v.to_str().expect("ascii header"))
        .unwrap_or("")
}

/// Check a problem document: status, content type, stable code, and the request id of the
/// response in the body.
async fn problem(r: reqwest::Response, status: u16, code: &str) -> serde_json::Value {
    assert_eq!(r.status().as_u16(), status, "status");
    assert_eq!(
        header(r.headers(), "content-type"),
        "application/problem+json"
    );
    let request_id = header(r.headers(), "x-request-id").to_string();
    assert!(!request_id.is_empty(), "no request id on the error");
    let p: serde_json::Value = r.json().await.expect("problem json");
    assert_eq!(p["code"], code, "{p}");
    assert_eq!(p["status"], status, "{p}");
    assert_eq!(p["request_id"], request_id.as_str(), "{p}");
    assert!(
        p["type"]
            .as_str()
            .is_some_and(|t| t.ends_with(&format!("/{code}"))),
        "{p}"
    );
    assert!(p["detail"].as_str().is_some_and(|d| !d.is_empty()), "{p}");
    p
}

fn source() -> ImportOptions {
    ImportOptions {
        source: Some(SourceFields {
            title: "HTTP 约定测试来源".into(),
            url: Some("https://example.gov.cn/http".into()),
            publisher_date: None,
            document_number: None,
            grade: None,
        }),
        synthetic: Some(false),
        ..Default::default()
    }
}

/// Publish a new release of `relief` with one row.
async fn import_relief(t: &TestDb, persons: &str) {
    let f = Files::new();
    let p = f.csv(
        "relief.csv",
        &format!(
            "地区代码,地区名称,统计期,期别类型,救助项目,指标,分组,数值,单位\n\
             430700,常德市,2017,year_end,农村低保,人数,,{persons},万人\n"
        ),
    );
    tests::import_published(&t.db, "relief", &[ImportFile::new(p)], source())
        .await
        .expect("import relief");
}

/// The HTTP-date of the latest `published_at` in the database, read directly.
async fn latest_publication(t: &TestDb) -> String {
    let rows = t
        .texts("SELECT MAX(published_at) FROM releases WHERE published_at IS NOT NULL")
        .await;
    let text = rows[0][0].clone().expect("a published release");
    let at = chrono::NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%SZ").expect("time");
    at.and_utc().format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

fn unbrotli(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(b, 4096)
        .read_to_end(&mut out)
        .expect("valid brotli");
    out
}

/// Bytes that do not compress, from a seed (xorshift).
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Request id

#[tokio::test]
async fn request_id_is_echoed_or_generated() {
    let t = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    let base = serve(&t).await;
    let c = client();

    let r = c
        .get(format!("{base}/healthz"))
        .header("x-request-id", "trace-42.a:b")
        .send()
        .await
        .expect("get");
    assert_eq!(header(r.headers(), "x-request-id"), "trace-42.a:b");

    // None sent: one is generated (a UUID), different for each request.
    let mut seen = Vec::new();
    for _ in 0..2 {
        let r = c.get(format!("{base}/healthz")).send().await.expect("get");
        let id = header(r.headers(), "x-request-id").to_string();
        assert_eq!(id.len(), 36, "{id}");
        assert_eq!(id.matches('-').count(), 4, "{id}");
        seen.push(id);
    }
    assert_ne!(seen[0], seen[1]);

    // Not sane (spaces, too long): replaced, not echoed.
    for bad in ["two words", &"x".repeat(200)] {
        let r = c
            .get(format!("{base}/healthz"))
            .header("x-request-id", bad)
            .send()
            .await
            .expect("get");
        let id = header(r.headers(), "x-request-id");
        assert_ne!(id, bad);
        assert_eq!(id.len(), 36, "{id}");
    }

    // Errors carry it in the problem document too.
    let r = c
        .get(format!("{base}/no/such/thing"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .expect("get");
    let p = problem(r, 404, "not_found").await;
    assert_eq!(p["request_id"], "abc-123");
    let r = c
        .get(format!("{base}/api/v1/datasets/nope"))
        .header("x-request-id", "abc-124")
        .send()
        .await
        .expect("get");
    let p = problem(r, 404, "not_found").await;
    assert_eq!(p["request_id"], "abc-124");
}

// ---------------------------------------------------------------------------------------------
// Compression

async fn compression(t: TestDb) {
    gongkai::load_real_data(&t.db).await.expect("real data");
    let base = serve(&t).await;
    let c = client();
    let url = format!("{base}/api/v1/datasets");

    let plain = c.get(&url).send().await.expect("get");
    assert_eq!(plain.status(), 200);
    assert!(plain.headers().get("content-encoding").is_none());
    let strong = header(plain.headers(), "etag").to_string();
    assert!(strong.starts_with('"'), "{strong}");
    let plain = plain.bytes().await.expect("body").to_vec();
    let json: serde_json::Value = serde_json::from_slice(&plain).expect("json");
    assert_eq!(json["datasets"].as_array().map(Vec::len), Some(5));

    for (encoding, decode) in [
        ("gzip", gunzip as fn(&[u8]) -> Vec<u8>),
        ("br", unbrotli as fn(&[u8]) -> Vec<u8>),
    ] {
        let r = c
            .get(&url)
            .header("accept-encoding", encoding)
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 200);
        assert_eq!(header(r.headers(), "content-encoding"), encoding);
        assert!(
            header(r.headers(), "vary")
                .to_ascii_lowercase()
                .contains("accept-encoding")
        );
        // The tag of the compressed bytes is the weak form of the content's tag.
        assert_eq!(header(r.headers(), "etag"), format!("W/{strong}"));
        let body = r.bytes().await.expect("body");
        assert!(body.len() < plain.len() / 2, "{encoding} did not compress");
        assert_eq!(decode(&body), plain, "{encoding} decodes to the same JSON");
    }

    // Both offered: one of them is chosen and it decodes.
    let r = c
        .get(&url)
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .expect("get");
    let enc = header(r.headers(), "content-encoding").to_string();
    let body = r.bytes().await.expect("body");
    let decoded = match enc.as_str() {
        "br" => unbrotli(&body),
        "gzip" => gunzip(&body),
        other => panic!("unexpected encoding {other:?}"),
    };
    assert_eq!(decoded, plain);

    // Revalidating the weak tag of the compressed body answers 304 with that same tag.
    let r = c
        .get(&url)
        .header("accept-encoding", "gzip")
        .header("if-none-match", format!("W/{strong}"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 304);
    assert_eq!(header(r.headers(), "etag"), format!("W/{strong}"));
}

/// A streamed body is compressed as it goes: the first bytes reach the client while the
/// handler has not finished, and nothing computes an ETag over it. A handler's own ETag on a
/// stream is honoured with a 304 without the stream being read.
#[tokio::test]
async fn streamed_bodies_stay_streamed() {
    let t = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    let gate = Arc::new(tokio::sync::Notify::new());
    let polled = Arc::new(AtomicBool::new(false));
    const HALF: usize = 512 * 1024;
    let expected: Vec<u8> = noise(7, 2 * HALF);

    let (g, p, data) = (gate.clone(), polled.clone(), expected.clone());
    let app = axum::Router::<api::AppState>::new().route(
        "/api/v1/download",
        get(move || {
            let (gate, polled, data) = (g.clone(), p.clone(), data.clone());
            async move {
                // Chunks of 64 KiB; after the first half the stream waits for the test.
                let chunks: Vec<Vec<u8>> = data.chunks(64 * 1024).map(<[u8]>::to_vec).collect();
                let stream = futures_util::stream::unfold(
                    (0usize, chunks, gate, polled),
                    |(i, chunks, gate, polled)| async move {
                        polled.store(true, Ordering::SeqCst);
                        if i >= chunks.len() {
                            return None;
                        }
                        if i * 64 * 1024 == HALF {
                            gate.notified().await;
                        }
                        let chunk = axum::body::Bytes::from(chunks[i].clone());
                        Some((
                            Ok::<_, std::io::Error>(chunk),
                            (i + 1, chunks, gate, polled),
                        ))
                    },
                );
                (
                    [
                        ("content-type", "application/octet-stream"),
                        ("etag", "\"release-1-all\""),
                    ],
                    axum::body::Body::from_stream(stream),
                )
            }
        }),
    );
    let state = api::AppState::new(t.db.clone());
    let base = serve_app(api::http::apply(app, state, &api::http::Config::default())).await;
    let c = client();
    let url = format!("{base}/api/v1/download");

    // The handler's ETag matches: 304 at once, the stream is never read.
    let r = c
        .get(&url)
        .header("if-none-match", "\"other\", \"release-1-all\"")
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 304);
    assert_eq!(header(r.headers(), "etag"), "\"release-1-all\"");
    assert!(r.bytes().await.expect("body").is_empty());
    assert!(
        !polled.load(Ordering::SeqCst),
        "the stream was read for a 304"
    );

    for encoding in ["gzip", "br", "identity"] {
        let mut r = c
            .get(&url)
            .header("accept-encoding", encoding)
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 200);
        assert!(r.headers().get("content-length").is_none(), "{encoding}");
        let etag = header(r.headers(), "etag");
        if encoding == "identity" {
            assert!(r.headers().get("content-encoding").is_none());
            assert_eq!(etag, "\"release-1-all\"");
        } else {
            assert_eq!(header(r.headers(), "content-encoding"), encoding);
            assert_eq!(etag, "W/\"release-1-all\"");
        }
        // Bytes arrive while the handler still holds back the second half.
        let first = tokio::time::timeout(Duration::from_secs(10), r.chunk())
            .await
            .unwrap_or_else(|_| panic!("{encoding}: nothing arrived before the stream ended"))
            .expect("chunk")
            .expect("some bytes");
        assert!(!first.is_empty());
        let mut body = first.to_vec();
        gate.notify_one();
        while let Some(chunk) = r.chunk().await.expect("chunk") {
            body.extend_from_slice(&chunk);
        }
        let decoded = match encoding {
            "gzip" => gunzip(&body),
            "br" => unbrotli(&body),
            _ => body,
        };
        assert_eq!(decoded.len(), expected.len(), "{encoding}");
        assert!(decoded == expected, "{encoding}: the bytes differ");
    }
}

// ---------------------------------------------------------------------------------------------
// CORS

#[tokio::test]
async fn cors_is_open_for_reads() {
    let t = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    let base = serve(&t).await;
    let c = client();
    let origin = "https://journalist.example";

    // Preflight of a read.
    let r = c
        .request(reqwest::Method::OPTIONS, format!("{base}/api/v1/datasets"))
        .header("origin", origin)
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "if-none-match")
        .send()
        .await
        .expect("preflight");
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(header(r.headers(), "access-control-allow-origin"), "*");
    let methods = header(r.headers(), "access-control-allow-methods").to_string();
    for m in ["GET", "HEAD", "OPTIONS"] {
        assert!(methods.contains(m), "{methods}");
    }
    assert!(
        !methods.contains("POST"),
        "POST is only for the CKAN API: {methods}"
    );
    assert!(
        header(r.headers(), "access-control-allow-headers")
            .to_ascii_lowercase()
            .contains("if-none-match")
    );

    // Preflight of a CKAN action POST with a JSON body.
    for path in ["/api/3/action/package_search", "/api/action/package_list"] {
        let r = c
            .request(reqwest::Method::OPTIONS, format!("{base}{path}"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
            .await
            .expect("preflight");
        assert!(r.status().is_success(), "{path}: {}", r.status());
        assert_eq!(header(r.headers(), "access-control-allow-origin"), "*");
        assert!(
            header(r.headers(), "access-control-allow-methods").contains("POST"),
            "{path}"
        );
        assert!(
            header(r.headers(), "access-control-allow-headers")
                .to_ascii_lowercase()
                .contains("content-type")
        );
    }

    // A simple GET: allowed from anywhere, with the headers a page needs exposed.
    let r = c
        .get(format!("{base}/api/v1/datasets"))
        .header("origin", origin)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    assert_eq!(header(r.headers(), "access-control-allow-origin"), "*");
    let exposed = header(r.headers(), "access-control-expose-headers").to_ascii_lowercase();
    for h in [
        "etag",
        "last-modified",
        "content-disposition",
        "x-request-id",
        "link",
    ] {
        assert!(exposed.contains(h), "{h} not exposed: {exposed}");
    }
    // Errors are readable cross-origin too.
    let r = c
        .get(format!("{base}/api/v1/datasets/nope"))
        .header("origin", origin)
        .send()
        .await
        .expect("get");
    assert_eq!(header(r.headers(), "access-control-allow-origin"), "*");
}

// ---------------------------------------------------------------------------------------------
// Conditional GET

async fn etag_and_304(t: TestDb) {
    gongkai::load_real_data(&t.db).await.expect("real data");
    let base = serve(&t).await;
    let c = client();
    let url = format!("{base}/api/v1/datasets/relief");

    let r = c.get(&url).send().await.expect("get");
    assert_eq!(r.status(), 200);
    let etag = header(r.headers(), "etag").to_string();
    assert_eq!(etag.len(), 66, "quoted SHA-256 hex: {etag}");
    assert!(etag.starts_with('"') && etag.ends_with('"'));
    assert!(etag[1..65].chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(header(r.headers(), "cache-control"), "public, max-age=60");
    let body = r.bytes().await.expect("body");
    // The tag is the SHA-256 of exactly these bytes.
    assert_eq!(etag, format!("\"{}\"", hex::encode(Sha256::digest(&body))));
    let again = c.get(&url).send().await.expect("get");
    assert_eq!(
        header(again.headers(), "etag"),
        etag,
        "stable across requests"
    );
    assert_eq!(again.bytes().await.expect("body"), body);

    for (inm, expect) in [
        (etag.clone(), 304),
        (format!("W/{etag}"), 304),
        (format!("\"nope\", {etag}"), 304),
        ("*".to_string(), 304),
        ("\"nope\"".to_string(), 200),
    ] {
        let r = c
            .get(&url)
            .header("if-none-match", &inm)
            .send()
            .await
            .expect("get");
        assert_eq!(r.status().as_u16(), expect, "If-None-Match: {inm}");
        if expect == 304 {
            assert_eq!(header(r.headers(), "etag"), inm_tag(&inm, &etag));
            assert_eq!(header(r.headers(), "cache-control"), "public, max-age=60");
            assert!(r.headers().get("content-type").is_none());
            assert!(r.bytes().await.expect("body").is_empty());
        }
    }
    // HEAD: the same validators, and 304 too.
    let r = c.head(&url).send().await.expect("head");
    assert_eq!(r.status(), 200);
    assert_eq!(header(r.headers(), "etag"), etag);
    let r = c
        .head(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("head");
    assert_eq!(r.status(), 304);

    // Errors get no validators.
    let r = c
        .get(format!("{base}/api/v1/datasets/nope"))
        .header("if-none-match", "*")
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 404);
    assert!(r.headers().get("etag").is_none());

    // A new release changes the representation and its tag; the old tag no longer matches.
    let list = format!("{base}/api/v1/datasets");
    let before = c.get(&list).send().await.expect("get");
    let list_etag = header(before.headers(), "etag").to_string();
    import_relief(&t, "1.5").await;
    let r = c
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("get");
    assert_eq!(
        r.status(),
        200,
        "a new release must not be answered with 304"
    );
    assert_ne!(header(r.headers(), "etag"), etag);
    let d: serde_json::Value = r.json().await.expect("json");
    assert_eq!(d["release"]["version"], 2);
    let r = c
        .get(&list)
        .header("if-none-match", &list_etag)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    assert_ne!(header(r.headers(), "etag"), list_etag);
}

/// The tag a 304 carries: the weak form when the client revalidated the weak form.
fn inm_tag(inm: &str, etag: &str) -> String {
    if inm.contains(&format!("W/{etag}")) {
        format!("W/{etag}")
    } else {
        etag.to_string()
    }
}

async fn last_modified(t: TestDb) {
    gongkai::load_real_data(&t.db).await.expect("real data");
    let base = serve(&t).await;
    let c = client();
    let url = format!("{base}/api/v1/datasets");

    let r = c.get(&url).send().await.expect("get");
    let lm = header(r.headers(), "last-modified").to_string();
    assert_eq!(
        lm,
        latest_publication(&t).await,
        "Last-Modified is the latest publication"
    );
    let etag = header(r.headers(), "etag").to_string();
    // Only the catalog's reads carry it.
    let r = c
        .get(format!("{base}/openapi.json"))
        .send()
        .await
        .expect("get");
    assert!(r.headers().get("last-modified").is_none());

    let ims = |since: &str| {
        let mut h = HeaderMap::new();
        h.insert(
            "if-modified-since",
            HeaderValue::from_str(since).expect("date"),
        );
        h
    };
    let r = c.get(&url).headers(ims(&lm)).send().await.expect("get");
    assert_eq!(r.status(), 304, "not modified since Last-Modified");
    assert_eq!(header(r.headers(), "last-modified"), lm);
    let r = c
        .get(&url)
        .headers(ims("Tue, 01 Jan 2019 00:00:00 GMT"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200, "modified since 2019");
    // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2), either way.
    let r = c
        .get(&url)
        .headers(ims(&lm))
        .header("if-none-match", "\"other\"")
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    let r = c
        .get(&url)
        .headers(ims("Tue, 01 Jan 2019 00:00:00 GMT"))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 304);

    // A record list states when its own dataset was published, not the whole catalog.
    let mut other = None;
    for path in ["budget-lines", "funds", "organizations"] {
        let r = c
            .get(format!("{base}/api/v1/{path}?limit=1"))
            .send()
            .await
            .expect("get");
        let lm = r
            .headers()
            .get("last-modified")
            .map(|v| v.to_str().expect("text").to_string());
        let body: serde_json::Value = r.json().await.expect("json");
        if !body["release"].is_null() {
            other = Some((path, lm.expect("a published list has Last-Modified")));
            break;
        }
    }
    let (other_path, other_lm) = other.expect("real data publishes a dataset beside relief");
    let list_lm = |path: &'static str| {
        let c = c.clone();
        let url = format!("{base}/api/v1/{path}?limit=1");
        async move {
            let r = c.get(url).send().await.expect("get");
            assert_eq!(r.status(), 200);
            header(r.headers(), "last-modified").to_string()
        }
    };

    // A new release moves Last-Modified (times have one-second precision).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    import_relief(&t, "2.5").await;
    let r = c.get(&url).headers(ims(&lm)).send().await.expect("get");
    assert_eq!(r.status(), 200, "modified by the new release");
    let newer = header(r.headers(), "last-modified").to_string();
    assert_ne!(newer, lm);
    assert_eq!(newer, latest_publication(&t).await);
    assert_eq!(
        list_lm("relief-stats").await,
        newer,
        "relief was just published"
    );
    assert_eq!(
        list_lm(other_path).await,
        other_lm,
        "{other_path} did not change with relief's release"
    );
    let r = c
        .get(format!("{base}/api/v1/{other_path}?limit=1"))
        .headers(ims(&other_lm))
        .send()
        .await
        .expect("get");
    assert_eq!(
        r.status(),
        304,
        "{other_path} not modified since its own publication"
    );
}

// ---------------------------------------------------------------------------------------------
// Limits and framework errors

#[tokio::test]
async fn body_limit_and_method_not_allowed() {
    let t = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    let base = serve(&t).await;
    let c = client();
    let url = format!("{base}/api/v1/datasets");

    let r = c.post(&url).body("{}").send().await.expect("post");
    let allow = header(r.headers(), "allow").to_string();
    problem(r, 405, "method_not_allowed").await;
    assert!(allow.contains("GET"), "Allow: {allow}");

    let r = c
        .post(&url)
        .body(vec![b'x'; 2 * 1024 * 1024])
        .send()
        .await
        .expect("post");
    let p = problem(r, 413, "payload_too_large").await;
    assert!(
        p["detail"].as_str().is_some_and(|d| d.contains("1048576")),
        "{p}"
    );
    // Also where the route would read the body (a CKAN-style POST path that is not there).
    let r = c
        .post(format!("{base}/api/3/action/package_show"))
        .header("content-type", "application/json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await
        .expect("post");
    problem(r, 413, "payload_too_large").await;
}

#[derive(serde::Deserialize)]
struct Paging {
    #[allow(dead_code)]
    limit: u32,
}

#[tokio::test]
async fn bad_parameters_are_problems() {
    let t = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    let app = axum::Router::<api::AppState>::new()
        .route(
            "/api/v1/raw",
            get(|_: axum::extract::Query<Paging>| async { "ok" }),
        )
        .route(
            "/api/v1/wrapped",
            get(|_: api::error::Query<Paging>| async { "ok" }),
        )
        .route(
            "/api/v1/raw/{year}",
            get(|_: axum::extract::Path<u16>| async { "ok" }),
        )
        .route(
            "/api/v1/wrapped/{year}",
            get(|_: api::error::Path<u16>| async { "ok" }),
        );
    let state = api::AppState::new(t.db.clone());
    let base = serve_app(api::http::apply(app, state, &api::http::Config::default())).await;
    let c = client();

    // Axum's own extractors (the framework's plain-text rejection, rewritten) and gongkai's
    // wrappers (a problem from the start) say the same thing.
    for kind in ["raw", "wrapped"] {
        let r = c
            .get(format!("{base}/api/v1/{kind}?limit=ten"))
            .send()
            .await
            .expect("get");
        let p = problem(r, 400, "invalid_parameter").await;
        let detail = p["detail"].as_str().unwrap_or("");
        assert!(detail.contains("limit"), "{kind}: {detail}");

        let r = c
            .get(format!("{base}/api/v1/{kind}"))
            .send()
            .await
            .expect("get");
        let p = problem(r, 400, "invalid_parameter").await;
        assert!(
            p["detail"].as_str().is_some_and(|d| d.contains("limit")),
            "{kind}: {p}"
        );

        let r = c
            .get(format!("{base}/api/v1/{kind}/twenty"))
            .send()
            .await
            .expect("get");
        let p = problem(r, 400, "invalid_parameter").await;
        let detail = p["detail"].as_str().unwrap_or("");
        assert!(
            detail.contains("year") && detail.contains("twenty"),
            "{kind}: {detail}"
        );

        let r = c
            .get(format!("{base}/api/v1/{kind}?limit=10"))
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 200);
    }
}

#[tokio::test]
async fn slow_requests_time_out() {
    let t = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    let app = axum::Router::<api::AppState>::new().route(
        "/api/v1/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            "late"
        }),
    );
    let config = api::http::Config {
        request_timeout: Duration::from_millis(300),
        ..Default::default()
    };
    let state = api::AppState::new(t.db.clone());
    let base = serve_app(api::http::apply(app, state, &config)).await;
    let started = std::time::Instant::now();
    let r = client()
        .get(format!("{base}/api/v1/slow"))
        .send()
        .await
        .expect("get");
    assert!(started.elapsed() < Duration::from_secs(10));
    let p = problem(r, 503, "timeout").await;
    assert!(
        p["detail"].as_str().is_some_and(|d| d.contains("300 ms")),
        "{p}"
    );
}

// ---------------------------------------------------------------------------------------------
// Health, readiness, metrics

async fn readiness(t: TestDb) {
    let base = serve(&t).await;
    let c = client();
    let r = c.get(format!("{base}/readyz")).send().await.expect("get");
    assert_eq!(r.status(), 200);
    assert_eq!(header(r.headers(), "cache-control"), "no-store");
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["status"], "ready");
    let migrations = t.scalar("SELECT COUNT(*) FROM seaql_migrations").await;
    assert_eq!(body["migrations"], migrations);
    assert_eq!(
        body["database"],
        match t.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    );

    // A migration this build carries is missing: not ready, and the detail names it.
    let last = t
        .texts("SELECT version FROM seaql_migrations ORDER BY version DESC")
        .await[0][0]
        .clone()
        .expect("a migration");
    t.db.execute_unprepared(&format!(
        "DELETE FROM seaql_migrations WHERE version = '{last}'"
    ))
    .await
    .expect("forget a migration");
    let r = c.get(format!("{base}/readyz")).send().await.expect("get");
    let p = problem(r, 503, "database_unavailable").await;
    assert!(
        p["detail"].as_str().is_some_and(|d| d.contains(&last)),
        "{p}"
    );

    // The pool is closed: not ready; but the server is alive.
    t.db.clone().close().await.expect("close");
    let r = c.get(format!("{base}/readyz")).send().await.expect("get");
    problem(r, 503, "database_unavailable").await;
    let r = c.get(format!("{base}/healthz")).send().await.expect("get");
    assert_eq!(r.status(), 200);
    assert_eq!(header(r.headers(), "cache-control"), "no-store");
}

/// A server whose PostgreSQL refuses connections starts (the pool is lazy), is alive, and is
/// not ready.
#[tokio::test]
async fn readiness_without_a_database_server() {
    let mut opts = sea_orm::ConnectOptions::new("postgres://postgres@127.0.0.1:9/nothing");
    opts.connect_lazy(true)
        .acquire_timeout(Duration::from_secs(1))
        .connect_timeout(Duration::from_secs(1))
        .sqlx_logging(false);
    let db = sea_orm::Database::connect(opts).await.expect("lazy pool");
    let base = serve_app(api::router(api::AppState::new(db))).await;
    let c = client();
    let started = std::time::Instant::now();
    let r = c.get(format!("{base}/readyz")).send().await.expect("get");
    problem(r, 503, "database_unavailable").await;
    assert!(started.elapsed() < Duration::from_secs(10));
    let r = c.get(format!("{base}/healthz")).send().await.expect("get");
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["database"], "postgres");
    // The metrics still answer, and say the database is down.
    let text = c
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(text.contains("gongkai_database_up 0"), "{text}");
}

/// One sample of the Prometheus text format.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: std::collections::BTreeMap<String, String>,
    value: f64,
}

impl Sample {
    fn label(&self, k: &str) -> Option<&str> {
        self.labels.get(k).map(String::as_str)
    }
}

/// A strict reader of the Prometheus text exposition format 0.0.4: `# HELP`/`# TYPE` lines,
/// then samples `name{label="value",…} number` whose names belong to the declared family
/// (`_bucket`, `_sum`, `_count` for histograms), label values with their escapes (`\\`, `\"`,
/// `\n`). Anything else fails the test.
fn parse_exposition(text: &str) -> Vec<Sample> {
    fn is_name(s: &str) -> bool {
        !s.is_empty()
            && !s.starts_with(|c: char| c.is_ascii_digit())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    }
    let mut types: std::collections::HashMap<String, String> = Default::default();
    let mut out = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap_or("");
            assert!(is_name(name), "{line}");
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
            assert!(is_name(name), "{line}");
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{line}"
            );
            assert!(
                types.insert(name.to_string(), kind.to_string()).is_none(),
                "twice: {line}"
            );
            continue;
        }
        assert!(!line.starts_with('#'), "unexpected comment: {line}");
        let name_end = line.find(['{', ' ']).expect("a value");
        let name = &line[..name_end];
        assert!(is_name(name), "{line}");
        let mut rest = &line[name_end..];
        let mut labels = std::collections::BTreeMap::new();
        if let Some(body) = rest.strip_prefix('{') {
            let mut chars = body.char_indices().peekable();
            loop {
                let (start, c) = chars.next().expect("unterminated labels");
                if c == '}' {
                    rest = &body[start + 1..];
                    break;
                }
                if c == ',' {
                    continue;
                }
                let eq = body[start..].find('=').expect("label =") + start;
                let key = &body[start..eq];
                assert!(is_name(key), "{line}");
                while chars.peek().is_some_and(|&(i, _)| i <= eq) {
                    chars.next();
                }
                assert_eq!(chars.next().map(|(_, c)| c), Some('"'), "{line}");
                let mut value = String::new();
                loop {
                    match chars.next().expect("unterminated label value") {
                        (_, '"') => break,
                        (_, '\\') => match chars.next().expect("escape").1 {
                            'n' => value.push('\n'),
                            c @ ('\\' | '"') => value.push(c),
                            other => panic!("bad escape \\{other} in {line}"),
                        },
                        (_, c) => value.push(c),
                    }
                }
                assert!(labels.insert(key.to_string(), value).is_none(), "{line}");
            }
        }
        let value = rest.trim_start_matches(' ');
        assert!(!value.contains(' '), "a timestamp or garbage: {line}");
        let value = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("bad value: {line}")),
        };
        let family = [
            name.strip_suffix("_bucket"),
            name.strip_suffix("_sum"),
            name.strip_suffix("_count"),
        ]
        .into_iter()
        .flatten()
        .find(|f| types.get(*f).is_some_and(|k| k == "histogram"))
        .unwrap_or(name);
        assert!(types.contains_key(family), "no TYPE for {name}");
        if name.ends_with("_bucket") && family != name {
            assert!(labels.contains_key("le"), "{line}");
        }
        out.push(Sample {
            name: name.to_string(),
            labels,
            value,
        });
    }
    out
}

async fn metrics(t: TestDb) {
    gongkai::load_real_data(&t.db).await.expect("real data");
    let base = serve(&t).await;
    let c = client();
    for _ in 0..3 {
        let r = c
            .get(format!("{base}/api/v1/datasets/relief"))
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 200);
    }
    let r = c
        .get(format!("{base}/api/v1/datasets/nope"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 404);
    let r = c
        .get(format!("{base}/some/random/path-123"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 404);

    let r = c.get(format!("{base}/metrics")).send().await.expect("get");
    assert_eq!(r.status(), 200);
    assert_eq!(
        header(r.headers(), "content-type"),
        "text/plain; version=0.0.4"
    );
    assert_eq!(header(r.headers(), "cache-control"), "no-store");
    assert!(r.headers().get("etag").is_none());
    let text = r.text().await.expect("text");
    let samples = parse_exposition(&text);
    let find = |name: &str, labels: &[(&str, &str)]| -> Vec<&Sample> {
        samples
            .iter()
            .filter(|s| s.name == name && labels.iter().all(|(k, v)| s.label(k) == Some(*v)))
            .collect()
    };
    let count = |route: &str, status: &str| -> f64 {
        find(
            "gongkai_http_requests_total",
            &[("method", "GET"), ("route", route), ("status", status)],
        )
        .iter()
        .map(|s| s.value)
        .sum()
    };
    // Labelled by the route template, never by the raw path.
    assert_eq!(count("/api/v1/datasets/{slug}", "200"), 3.0, "{text}");
    assert_eq!(count("/api/v1/datasets/{slug}", "404"), 1.0, "{text}");
    assert_eq!(count("unmatched", "404"), 1.0, "{text}");
    for s in &samples {
        if let Some(route) = s.label("route") {
            assert!(
                !route.contains("relief") && !route.contains("nope") && !route.contains("path-123"),
                "a raw path became a label: {s:?}"
            );
        }
    }

    let route = [("method", "GET"), ("route", "/api/v1/datasets/{slug}")];
    let inf = find("gongkai_http_request_duration_seconds_bucket", &route)
        .into_iter()
        .find(|s| s.label("le") == Some("+Inf"))
        .expect("latency histogram");
    assert_eq!(inf.value, 4.0);
    let n = find("gongkai_http_request_duration_seconds_count", &route);
    assert_eq!(n.first().map(|s| s.value), Some(4.0));
    let in_flight = find("gongkai_http_requests_in_flight", &[]);
    // The scrape itself is in flight.
    assert!(in_flight.first().is_some_and(|s| s.value >= 1.0), "{text}");

    // Rows per dataset, as the query layer counts them.
    let datasets = schema::query::list_datasets(&t.db).await.expect("list");
    assert_eq!(datasets.len(), 5);
    for d in &datasets {
        let rows = find("gongkai_dataset_rows", &[("dataset", d.slug.as_str())]);
        assert_eq!(
            rows.first().map(|s| s.value),
            Some(d.row_count as f64),
            "{}",
            d.slug
        );
    }
    assert!(text.contains("gongkai_database_up 1"));
}

both! {
    compression => compression;
    etag_and_304 => etag_and_304;
    last_modified => last_modified;
    readiness => readiness;
    metrics => metrics;
}
