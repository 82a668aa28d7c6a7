//! The catalog standards endpoints on SQLite and PostgreSQL: the DCAT-AP catalog, schema.org
//! datasets, Frictionless data packages and the CKAN Action API subset. (The public validators —
//! frictionless, pyshacl, ckanapi — run against a served gongkai in `checks/standards.sh`.)

use serde_json::{Value, json};
use tests::{TestDb, both};

/// Serve the API for `t` on an ephemeral local port; the server stops with the test's runtime.
async fn serve(t: &TestDb) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = api::AppState::new(t.db.clone());
    tokio::spawn(async move {
        let _ = api::serve(state, listener).await;
    });
    format!("http://{addr}")
}

async fn get(url: &str) -> (u16, String, Value) {
    let r = reqwest::get(url).await.expect("get");
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body: Value = r.json().await.expect("json body");
    (status, ct, body)
}

async fn post(url: &str, body: &Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(url)
        .json(body)
        .send()
        .await
        .expect("post");
    let status = r.status().as_u16();
    (status, r.json().await.expect("json body"))
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x["name"].as_str().expect("name").to_string())
        .collect()
}

async fn dcat_catalog_lists_every_dataset(t: TestDb) {
    gongkai::load_real_data(&t.db).await.expect("real data");
    let base = serve(&t).await;
    let datasets = schema::query::list_datasets(&t.db).await.expect("list");

    // The base URL comes from the request: Host, and https behind a proxy that says so.
    let r = reqwest::Client::new()
        .get(format!("{base}/catalog.jsonld"))
        .header("host", "data.example.test:8443")
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/ld+json");
    let cat: Value = r.json().await.expect("json");
    assert_eq!(cat["@type"], "dcat:Catalog");
    assert_eq!(cat["@id"], "https://data.example.test:8443/catalog.jsonld");
    assert!(cat["@context"]["dcat"].is_string(), "the context is inline");
    let titles = cat["dct:title"].as_array().expect("titles");
    assert!(titles.iter().any(|t| t["@language"] == "zh-Hans"));
    assert!(titles.iter().any(|t| t["@language"] == "en"));
    assert_eq!(cat["dct:publisher"]["@type"], "foaf:Agent");

    let ds = cat["dcat:dataset"].as_array().expect("datasets");
    assert_eq!(ds.len(), datasets.len());
    for (node, d) in ds.iter().zip(&datasets) {
        let page = format!("https://data.example.test:8443/api/v1/datasets/{}", d.slug);
        assert_eq!(node["@id"], page);
        assert_eq!(node["@type"], "dcat:Dataset");
        assert_eq!(node["dct:identifier"], d.index_number, "索引号");
        assert_eq!(node["dct:modified"]["@type"], "xsd:dateTime");
        assert_eq!(node["dct:accrualPeriodicity"]["@type"], "dct:Frequency");
        assert_eq!(node["dcat:contactPoint"]["@type"], "vcard:Kind");
        assert!(
            !node["dcat:keyword"]
                .as_array()
                .expect("keywords")
                .is_empty()
        );
        // Every record table in every format, and the data package.
        let dists = node["dcat:distribution"].as_array().expect("distributions");
        let resources: Vec<_> = schema::records::resources_of(&d.slug).collect();
        assert_eq!(dists.len(), resources.len() * 4 + 1, "{}", d.slug);
        for r in &resources {
            for ext in ["csv", "xlsx", "json", "ndjson"] {
                let url = format!("{page}/{}.{ext}", r.path);
                let dist = dists
                    .iter()
                    .find(|x| x["dcat:downloadURL"]["@id"] == url)
                    .unwrap_or_else(|| panic!("no distribution for {url}"));
                assert_eq!(dist["dcat:accessURL"]["@id"], url);
                assert_eq!(dist["dct:license"]["@type"], "dct:LicenseDocument");
            }
        }
        assert!(
            dists
                .iter()
                .any(|x| x["dcat:downloadURL"]["@id"] == format!("{page}/datapackage.json"))
        );
    }
    // Temporal coverage: the years the rows cover, as typed bounds.
    let relief = ds
        .iter()
        .find(|n| n["dct:identifier"] == "GK-MZ-03-relief")
        .expect("relief");
    assert_eq!(relief["dct:temporal"]["@type"], "dct:PeriodOfTime");
    assert_eq!(
        relief["dct:temporal"]["dcat:startDate"]["@type"],
        "xsd:gYear"
    );
    let detail = schema::query::dataset_detail(&t.db, "relief")
        .await
        .expect("detail")
        .expect("relief");
    let coverage = detail.temporal_coverage.expect("coverage");
    assert_eq!(
        relief["dct:temporal"]["dcat:startDate"]["@value"],
        coverage.split('/').next().unwrap_or_default()
    );

    // The annual reports conform to the 2021 format, with its 文号 and 发文日期.
    let reports = ds
        .iter()
        .find(|n| n["dct:identifier"] == "GK-MZ-05-annual-reports")
        .expect("annual reports");
    assert_eq!(
        reports["dct:conformsTo"]["dct:identifier"],
        "国办公开办函〔2021〕30号"
    );
    assert_eq!(
        reports["dct:conformsTo"]["dct:issued"],
        json!({"@value": "2021-09-26", "@type": "xsd:date"})
    );

    // Without those headers, links use the address the client asked for, over http.
    let (_, _, cat) = get(&format!("{base}/catalog.jsonld")).await;
    assert_eq!(cat["@id"], format!("{base}/catalog.jsonld"));
}

async fn datapackage_lists_the_flat_columns(t: TestDb) {
    gongkai::load_real_data(&t.db).await.expect("real data");
    let base = serve(&t).await;
    for ds in schema::catalog::DATASETS {
        let (status, ct, dp) = get(&format!(
            "{base}/api/v1/datasets/{}/datapackage.json",
            ds.slug
        ))
        .await;
        assert_eq!(status, 200);
        assert!(ct.starts_with("application/json"), "{ct}");
        assert_eq!(dp["profile"], "tabular-data-package");
        assert_eq!(dp["name"], ds.slug);
        assert_eq!(dp["index_number"], ds.index_number);
        assert_eq!(dp["licenses"][0]["name"], "CC-BY-4.0");
        let resources = dp["resources"].as_array().expect("resources");
        let expected: Vec<_> = schema::records::resources_of(ds.slug).collect();
        assert_eq!(resources.len(), expected.len());
        for (res, r) in resources.iter().zip(&expected) {
            assert_eq!(res["name"], r.path);
            // Relative to the descriptor, as frictionless requires.
            assert_eq!(res["path"], format!("{}.csv", r.path));
            assert_eq!(res["encoding"], "utf-8-sig");
            assert_eq!(res["profile"], "tabular-data-resource");
            let fields: Vec<String> = names(&res["schema"]["fields"]);
            let flat: Vec<String> = r.flat_columns().into_iter().map(|c| c.name).collect();
            assert_eq!(fields, flat, "{}", r.path);
            assert_eq!(res["schema"]["primaryKey"], json!(["id"]));
            for (f, c) in res["schema"]["fields"]
                .as_array()
                .expect("fields")
                .iter()
                .zip(r.flat_columns())
            {
                let ty = f["type"].as_str().expect("type");
                match c.field_type {
                    schema::records::FieldType::Fen | schema::records::FieldType::Integer => {
                        assert_eq!(ty, "integer", "{}", c.name)
                    }
                    schema::records::FieldType::Yuan => {
                        assert_eq!(ty, "number", "{}", c.name);
                        assert_eq!(f["decimalChar"], ".");
                    }
                    schema::records::FieldType::Boolean => {
                        assert_eq!(ty, "boolean");
                        assert_eq!(f["trueValues"], json!(["true"]));
                    }
                    schema::records::FieldType::Text => {
                        assert!(ty == "string" || ty == "date", "{}: {ty}", c.name)
                    }
                }
                assert_eq!(
                    f["constraints"]["required"].as_bool().unwrap_or(false),
                    c.required,
                    "{}",
                    c.name
                );
            }
            if r.path == "fund-lines" {
                assert_eq!(
                    res["schema"]["foreignKeys"],
                    json!([{"fields": ["fund_id"], "reference": {"resource": "funds", "fields": ["id"]}}])
                );
            }
        }
    }
    let r = reqwest::get(format!("{base}/api/v1/datasets/nope/datapackage.json"))
        .await
        .expect("get");
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}

async fn schema_org_dataset(t: TestDb) {
    gongkai::load_real_data(&t.db).await.expect("real data");
    let base = serve(&t).await;
    let (status, ct, d) = get(&format!("{base}/api/v1/datasets/relief/dataset.jsonld")).await;
    assert_eq!(status, 200);
    assert_eq!(ct, "application/ld+json");
    assert_eq!(d["@context"], "https://schema.org/");
    assert_eq!(d["@type"], "Dataset");
    assert_eq!(d["name"], "社会救助统计");
    assert_eq!(d["identifier"], "GK-MZ-03-relief");
    assert_eq!(d["license"], "https://creativecommons.org/licenses/by/4.0/");
    let downloads = d["distribution"].as_array().expect("distribution");
    assert_eq!(downloads.len(), 4);
    assert!(downloads.iter().all(|x| x["@type"] == "DataDownload"));
    assert!(downloads.iter().any(|x| x["contentUrl"]
        == format!("{base}/api/v1/datasets/relief/relief-stats.csv")
        && x["encodingFormat"] == "text/csv"));
    assert!(
        d["isBasedOn"]
            .as_array()
            .is_some_and(|s| !s.is_empty() && s[0]["@type"] == "CreativeWork")
    );
    let (status, ct, _) = get(&format!("{base}/api/v1/datasets/nope/dataset.jsonld")).await;
    assert_eq!(status, 404);
    assert_eq!(ct, "application/problem+json");
}

async fn ckan_actions(t: TestDb) {
    gongkai::load_real_data(&t.db).await.expect("real data");
    let base = serve(&t).await;
    let mut slugs: Vec<String> = schema::catalog::DATASETS
        .iter()
        .map(|d| d.slug.to_string())
        .collect();
    slugs.sort();
    for prefix in ["/api/3/action", "/api/action"] {
        let action = |name: &str| format!("{base}{prefix}/{name}");

        // The envelope; GET and POST answer the same.
        let (status, _, list) = get(&action("package_list")).await;
        assert_eq!(status, 200);
        assert_eq!(list["success"], true);
        assert_eq!(
            list["help"],
            format!("{base}/api/3/action/help_show?name=package_list")
        );
        assert_eq!(list["result"], json!(slugs));
        let (status, posted) = post(&action("package_list"), &json!({})).await;
        assert_eq!(status, 200);
        assert_eq!(posted, list);
        let (_, _, page) = get(&action("package_list?limit=2&offset=1")).await;
        assert_eq!(page["result"], json!(slugs[1..3]));

        let (status, _, shown) = get(&action("package_show?id=relief")).await;
        assert_eq!(status, 200);
        let (_, posted) = post(&action("package_show"), &json!({"id": "relief"})).await;
        assert_eq!(posted, shown);
        // `curl -d '{"id": …}'` sends JSON with a form's content type; CKAN reads it as JSON.
        let r = reqwest::Client::new()
            .post(action("package_show"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(r#"{"id": "relief"}"#)
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.expect("json"), shown);
        let p = &shown["result"];
        assert_eq!(p["name"], "relief");
        assert_eq!(p["title"], "社会救助统计");
        assert_eq!(p["type"], "dataset");
        assert_eq!(p["owner_org"], "gongkai");
        assert_eq!(p["organization"]["name"], "gongkai");
        assert_eq!(p["license_id"], "cc-by");
        assert_eq!(p["num_resources"], 5);
        assert!(names(&p["tags"]).contains(&"低保".to_string()));
        let extras: Vec<(String, String)> = p["extras"]
            .as_array()
            .expect("extras")
            .iter()
            .map(|e| {
                (
                    e["key"].as_str().expect("key").to_string(),
                    e["value"].as_str().expect("value").to_string(),
                )
            })
            .collect();
        assert!(extras.contains(&("identifier".into(), "GK-MZ-03-relief".into())));
        assert!(extras.contains(&("validity".into(), "有效".into())));
        let urls: Vec<&str> = p["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .map(|r| r["url"].as_str().expect("url"))
            .collect();
        assert!(urls.contains(&format!("{base}/api/v1/datasets/relief/relief-stats.csv").as_str()));
        assert!(urls.contains(&format!("{base}/api/v1/datasets/relief/datapackage.json").as_str()));
        let (_, _, reports) = get(&action("package_show?id=annual_reports")).await;
        assert!(
            reports["result"]["extras"]
                .as_array()
                .expect("extras")
                .contains(&json!({"key": "document_number", "value": "国办公开办函〔2021〕30号"}))
        );

        // Search: free text, filters, sort, paging, facets.
        let (_, _, s) = get(&action("package_search?q=低保")).await;
        assert_eq!(s["result"]["count"], 1);
        assert_eq!(s["result"]["results"][0]["name"], "relief");
        let (_, posted) = post(&action("package_search"), &json!({"q": "低保"})).await;
        assert_eq!(posted, s);
        let (_, _, s) = get(&action(
            "package_search?q=*:*&fq=organization:gongkai&sort=name%20desc&rows=2&start=1",
        ))
        .await;
        let r = &s["result"];
        assert_eq!(r["count"], 5);
        assert_eq!(
            names(&r["results"]),
            vec![slugs[3].clone(), slugs[2].clone()]
        );
        // As ckanext-harvest pages through a remote CKAN.
        let (_, _, s) = get(&action(
            "package_search?fq=%2Bdataset_type:dataset%20-organization:nobody&sort=id%20asc&rows=100&start=0",
        ))
        .await;
        assert_eq!(names(&s["result"]["results"]), slugs);
        let (_, _, s) = get(&action("package_search?fq=tags:三公经费")).await;
        assert_eq!(names(&s["result"]["results"]), vec!["budgets"]);
        let (_, _, s) = get(&action("package_search?fq=-groups:finance")).await;
        assert_eq!(s["result"]["count"], 3);
        let (_, _, s) = get(&action(
            "package_search?fq=metadata_modified:[2000-01-01T00:00:00Z%20TO%20*]",
        ))
        .await;
        assert_eq!(s["result"]["count"], 5);
        let (_, _, s) = get(&action(
            "package_search?fq=metadata_modified:[*%20TO%202000-01-01T00:00:00Z]",
        ))
        .await;
        assert_eq!(s["result"]["count"], 0);
        let (_, posted) = post(
            &action("package_search"),
            &json!({"rows": 0, "facet.field": ["organization", "groups"]}),
        )
        .await;
        let r = &posted["result"];
        assert_eq!(r["results"], json!([]));
        assert_eq!(r["facets"]["organization"]["gongkai"], 5);
        assert_eq!(r["facets"]["groups"]["finance"], 2);
        assert_eq!(
            r["search_facets"]["organization"]["items"][0],
            json!({"name": "gongkai", "display_name": schema::catalog::PUBLISHERS[0].name_zh, "count": 5})
        );

        // Organizations.
        let (_, _, orgs) = get(&action("organization_list")).await;
        assert_eq!(orgs["result"], json!(["gongkai"]));
        let (_, _, org) = get(&action(
            "organization_show?id=gongkai&include_datasets=true",
        ))
        .await;
        assert_eq!(org["result"]["is_organization"], true);
        assert_eq!(org["result"]["package_count"], 5);
        assert_eq!(org["result"]["packages"].as_array().map(Vec::len), Some(5));
        let (_, _, org) = get(&action("organization_show?id=gongkai")).await;
        assert!(org["result"].get("packages").is_none());

        // Errors, as CKAN answers them.
        let r = reqwest::get(action("nope")).await.expect("get");
        assert_eq!(r.status(), 400);
        let body: Value = r.json().await.expect("json");
        assert_eq!(body, json!("Bad request - Action name not known: nope"));
        let (status, body) = post(&action("package_create"), &json!({"name": "x"})).await;
        assert_eq!(status, 400);
        assert_eq!(
            body,
            json!("Bad request - Action name not known: package_create")
        );

        let (status, _, e) = get(&action("package_show?id=nope")).await;
        assert_eq!(status, 404);
        assert_eq!(e["success"], false);
        assert_eq!(e["error"]["__type"], "Not Found Error");
        assert!(e.get("result").is_none());
        let (status, e) = post(&action("organization_show"), &json!({"id": "nope"})).await;
        assert_eq!(status, 404);
        assert_eq!(e["error"]["__type"], "Not Found Error");

        let (status, _, e) = get(&action("package_show")).await;
        assert_eq!(status, 409);
        assert_eq!(
            e["error"],
            json!({"__type": "Validation Error", "id": ["Missing value"]})
        );
        let (status, e) = post(
            &action("package_search"),
            &json!({"rows": "many", "start": -1, "sort": "colour asc"}),
        )
        .await;
        assert_eq!(status, 409);
        assert_eq!(e["error"]["__type"], "Validation Error");
        assert_eq!(e["error"]["rows"], json!(["Invalid integer"]));
        assert_eq!(e["error"]["start"], json!(["Must be a natural number"]));
        assert!(
            e["error"]["sort"][0]
                .as_str()
                .is_some_and(|m| m.contains("colour"))
        );
        let (status, _, e) = get(&action("package_search?fq=colour:red")).await;
        assert_eq!(status, 409);
        assert_eq!(e["error"]["__type"], "Search Error");

        // A body that is not a JSON object.
        let r = reqwest::Client::new()
            .post(action("package_show"))
            .header("content-type", "application/json")
            .body("[1, 2]")
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 400);
        let body: Value = r.json().await.expect("json");
        assert!(
            body.as_str()
                .is_some_and(|m| m.starts_with("Bad request - JSON Error"))
        );
    }
}

both! {
    dcat_catalog_lists_every_dataset => dcat_catalog_lists_every_dataset;
    datapackage_lists_the_flat_columns => datapackage_lists_the_flat_columns;
    schema_org_dataset => schema_org_dataset;
    ckan_actions => ckan_actions;
}
