//! The HTTP API against a real listener on 127.0.0.1, on SQLite and PostgreSQL.

use tests::{TestDb, both};

/// Serve the API for `t` on an ephemeral local port; the server stops with the test's runtime.
async fn serve(t: &TestDb) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = api::AppState::new(t.db.clone());
    tokio::spawn(async move {
        let _ = axum_serve(state, listener).await;
    });
    format!("http://{addr}")
}

async fn axum_serve(
    state: api::AppState,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    api::serve(state, listener).await
}

async fn dataset_detail(t: TestDb) {
    gongkai::load_real_data(&t.db).await.expect("real data");
    let base = serve(&t).await;
    let c = reqwest::Client::new();
    let r = c
        .get(format!("{base}/api/v1/datasets/relief"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    let d: serde_json::Value = r.json().await.expect("json");
    assert_eq!(d["slug"], "relief");
    assert_eq!(d["title_zh"], "社会救助统计");
    assert_eq!(d["index_number"], "GK-MZ-03-relief");
    assert_eq!(d["validity"], "有效");
    assert_eq!(d["row_count"], 215);
    assert_eq!(d["release"]["version"], 1);
    let releases = d["releases"].as_array().expect("releases");
    assert_eq!(releases.len(), 1);
    assert_eq!(releases[0]["state"], "published");
    assert_eq!(releases[0]["files"][0]["table"], "relief.stats");
    assert_eq!(
        releases[0]["files"][0]["sha256"].as_str().map(str::len),
        Some(64)
    );
    let dictionary = d["dictionary"].as_array().expect("dictionary");
    let value = dictionary
        .iter()
        .find(|f| f["key"] == "value")
        .expect("value field");
    assert_eq!(value["header"], "数值");
    assert_eq!(value["kind"], "figure");
    let programme = dictionary
        .iter()
        .find(|f| f["key"] == "programme")
        .expect("programme field");
    assert!(
        programme["allowed_values"]
            .as_array()
            .is_some_and(|v| v.iter().any(|x| x == "农村低保"))
    );
    let sources = d["sources"].as_array().expect("sources");
    assert!(!sources.is_empty());
    let cited: i64 = sources
        .iter()
        .map(|s| s["rows"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(
        cited, 215,
        "every row of the release cites exactly one source"
    );

    // The annual-report dataset carries the 文号 and 发文日期 of the 2021 format.
    let d: serde_json::Value = c
        .get(format!("{base}/api/v1/datasets/annual_reports"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(d["document_number"], "国办公开办函〔2021〕30号");
    assert_eq!(d["issued_on"], "2021-09-26");

    let r = c
        .get(format!("{base}/api/v1/datasets/nope"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let p: serde_json::Value = r.json().await.expect("json");
    assert_eq!(p["code"], "not_found");
    assert_eq!(p["status"], 404);
}

async fn openapi_and_docs_are_served(t: TestDb) {
    let base = serve(&t).await;
    let c = reqwest::Client::new();
    let spec: serde_json::Value = c
        .get(format!("{base}/openapi.json"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let committed: serde_json::Value = serde_json::from_str(&api::openapi_json()).expect("json");
    assert_eq!(spec, committed);
    let r = c.get(format!("{base}/docs/")).send().await.expect("get");
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("html");
    assert!(html.contains("swagger-ui"), "{html}");
    // Served from the binary: the page loads nothing from another host.
    for tag in html
        .split('<')
        .filter(|t| t.starts_with("script") || t.starts_with("link"))
    {
        assert!(
            !tag.contains("http://") && !tag.contains("https://"),
            "external asset: <{tag}"
        );
    }
    let js = c
        .get(format!("{base}/docs/swagger-ui-bundle.js"))
        .send()
        .await
        .expect("get");
    assert_eq!(js.status(), 200);
    let init = c
        .get(format!("{base}/docs/swagger-initializer.js"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("js");
    assert!(init.contains("/openapi.json"), "{init}");
}

/// Servers starting together on one database each bring the catalog tables up to date without
/// tripping over the other.
async fn servers_start_together(t: TestDb) {
    let opened =
        futures_util::future::join_all((0..4).map(|_| gongkai::open_database(&t.url))).await;
    for o in opened {
        o.expect("open while others open");
    }
    let fields = t.scalar("SELECT COUNT(*) FROM dictionary_fields").await;
    let expected: usize = schema::descriptor::TABLES
        .iter()
        .map(|t| t.all_columns().count())
        .sum();
    assert_eq!(fields, expected as i64, "one dictionary, not two");
}

both! {
    servers_start_together => servers_start_together;
    dataset_detail => dataset_detail;
    openapi_and_docs_are_served => openapi_and_docs_are_served;
}
