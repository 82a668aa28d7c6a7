//! Record resources over HTTP on SQLite and PostgreSQL: filters, stable cursor pages with exact
//! totals, group-by totals checked against the downloaded rows, downloads in every format, and
//! an organization with its registry history.

use std::collections::{BTreeMap, HashSet};

use schema::import::ImportFile;
use serde_json::Value;
use tests::{Files, TestDb, both, load_synthetic};

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

async fn get_json(c: &reqwest::Client, url: &str) -> Value {
    let r = c.get(url).send().await.expect("get");
    assert_eq!(r.status(), 200, "{url}");
    r.json().await.expect("json")
}

async fn walk(c: &reqwest::Client, base: &str, first: &str) -> (i64, Vec<Value>) {
    let mut url = format!("{base}{first}");
    let mut items = Vec::new();
    let mut total = None;
    loop {
        let page = get_json(c, &url).await;
        let t = page["total"].as_i64().expect("total");
        assert_eq!(
            *total.get_or_insert(t),
            t,
            "the total changed between pages"
        );
        items.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next"].as_str() {
            Some(next) => url = format!("{base}{next}"),
            None => break,
        }
    }
    (total.unwrap_or(0), items)
}

async fn pages_walk_the_whole_selection(t: TestDb) {
    let _dir = load_synthetic(&t, &["registry"]).await;
    // The import leaves planner statistics behind, so pages and download batches use the keys.
    let analysed = match t.backend {
        tests::Backend::Sqlite => {
            t.scalar("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'organizations'")
                .await
        }
        tests::Backend::Postgres => {
            t.scalar(
                "SELECT COUNT(*) FROM pg_stat_user_tables WHERE relname = 'organizations' \
                 AND (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL)",
            )
            .await
        }
    };
    assert!(analysed > 0, "no statistics for organizations");
    let base = serve(&t).await;
    let c = reqwest::Client::new();
    let expected = t
        .scalar(
            "SELECT COUNT(*) FROM organizations WHERE org_type = '社会团体' \
             AND region_code >= '430000' AND region_code <= '439999'",
        )
        .await;
    assert!(expected > 10, "the fixture has enough rows ({expected})");
    for sort in ["id", "-founded_on", "name", "-registered_capital"] {
        let (total, items) = walk(
            &c,
            &base,
            &format!(
                "/api/v1/organizations?org_type=社会团体&region_code_within=430000&limit=7&sort={sort}"
            ),
        )
        .await;
        assert_eq!(total, expected, "sort={sort}");
        assert_eq!(items.len() as i64, expected, "sort={sort}: every row once");
        let ids: HashSet<i64> = items
            .iter()
            .map(|i| i["id"].as_i64().expect("id"))
            .collect();
        assert_eq!(ids.len(), items.len(), "sort={sort}: no row twice");
        for i in &items {
            assert_eq!(i["org_type"], "社会团体");
            assert!(i["region_code"].as_str().expect("code").starts_with("43"));
            assert!(i["source"]["title"].as_str().is_some_and(|s| !s.is_empty()));
        }
        // The order holds across pages.
        let key = |v: &Value| -> (String, i64) {
            let k = match sort.trim_start_matches('-') {
                "id" => String::new(),
                "registered_capital" => v["registered_capital"]["fen"]
                    .as_i64()
                    .map(|f| format!("{:020}", f))
                    .unwrap_or_default(),
                col => v[col].as_str().unwrap_or("").to_string(),
            };
            (k, v["id"].as_i64().unwrap_or(0))
        };
        for w in items.windows(2) {
            let (a, b) = (key(&w[0]), key(&w[1]));
            if sort.starts_with('-') {
                assert!(a > b, "sort={sort}: {a:?} before {b:?}");
            } else {
                assert!(a < b, "sort={sort}: {a:?} before {b:?}");
            }
        }
    }
    // Downloads walk the same order in batches of `Walk::BATCH` rows: across batches, with a
    // cap that ends inside one, and from a list's cursor.
    let batch = schema::records::list::Walk::BATCH as usize;
    let n = t.scalar("SELECT COUNT(*) FROM inspections").await as usize;
    assert!(n > 2 * batch, "the fixture spans batches ({n} inspections)");
    let ndjson_ids = |path_and_query: String| {
        let c = c.clone();
        let url = format!("{base}/api/v1/{path_and_query}");
        async move {
            let text = c
                .get(url)
                .send()
                .await
                .expect("get")
                .text()
                .await
                .expect("text");
            text.lines()
                .map(|l| {
                    serde_json::from_str::<Value>(l).expect("line")["id"]
                        .as_i64()
                        .expect("id")
                })
                .collect::<Vec<i64>>()
        }
    };
    for sort in ["id", "-id"] {
        let all = ndjson_ids(format!("inspections.ndjson?sort={sort}")).await;
        assert_eq!(all.len(), n, "sort={sort}: every row");
        let mut sorted = all.clone();
        sorted.sort_unstable();
        if sort == "-id" {
            sorted.reverse();
        }
        assert_eq!(all, sorted, "sort={sort}: in order");
        sorted.dedup();
        assert_eq!(sorted.len(), n, "sort={sort}: no row twice");
        let cap = batch + batch / 2;
        let capped = ndjson_ids(format!("inspections.ndjson?sort={sort}&limit={cap}")).await;
        assert_eq!(capped, all[..cap], "sort={sort}: capped inside a batch");
        let page = get_json(
            &c,
            &format!("{base}/api/v1/inspections?sort={sort}&limit=1000"),
        )
        .await;
        let cursor = page["next_cursor"].as_str().expect("cursor");
        let rest = ndjson_ids(format!(
            "inspections?format=ndjson&sort={sort}&cursor={cursor}"
        ))
        .await;
        assert_eq!(rest, all[1000..], "sort={sort}: from the cursor on");
    }

    // A cursor is tied to its sort; a bad one is a 400 naming the parameter.
    let page = get_json(&c, &format!("{base}/api/v1/organizations?limit=2")).await;
    let cursor = page["next_cursor"].as_str().expect("cursor");
    // A cursor names a page: one from another sort, or made up, names none.
    for q in [
        format!("sort=name&cursor={cursor}"),
        "cursor=00".to_string(),
    ] {
        let r = c
            .get(format!("{base}/api/v1/organizations?{q}"))
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 404, "{q}");
        let p: Value = r.json().await.expect("json");
        assert_eq!(p["code"], "not_found");
        assert!(
            p["detail"].as_str().is_some_and(|d| d.contains("cursor")),
            "{p}"
        );
    }
    for q in [
        "limit=0".to_string(),
        "limit=1001".into(),
        "nope=1".into(),
        "org_type=协会".into(),
        "founded_on_from=2020-13".into(),
        "sort=business_scope".into(),
    ] {
        let r = c
            .get(format!("{base}/api/v1/organizations?{q}"))
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 400, "{q}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let p: Value = r.json().await.expect("json");
        assert_eq!(p["code"], "invalid_parameter");
        let name = q.split('=').next().unwrap_or("");
        let named = if q.contains("cursor=") {
            "cursor"
        } else {
            name
        };
        assert!(
            p["detail"].as_str().is_some_and(|d| d.starts_with(named)),
            "{q}: {p}"
        );
    }
}

async fn organization_filters(t: TestDb) {
    let _dir = load_synthetic(&t, &["registry"]).await;
    let base = serve(&t).await;
    let c = reqwest::Client::new();
    let penalised: HashSet<String> = t
        .texts("SELECT uscc FROM penalties")
        .await
        .into_iter()
        .filter_map(|r| r[0].clone())
        .collect();
    assert!(!penalised.is_empty());
    let (total, items) = walk(
        &c,
        &base,
        "/api/v1/organizations?has_penalties=true&limit=50",
    )
    .await;
    let got: HashSet<String> = items
        .iter()
        .map(|i| i["uscc"].as_str().expect("uscc").to_string())
        .collect();
    assert_eq!(got, penalised);
    assert_eq!(total as usize, penalised.len());
    let all = get_json(&c, &format!("{base}/api/v1/organizations?limit=1")).await;
    let without = get_json(
        &c,
        &format!("{base}/api/v1/organizations?has_penalties=false&limit=1"),
    )
    .await;
    assert_eq!(
        without["total"].as_i64().expect("n") + total,
        all["total"].as_i64().expect("n")
    );

    let listed: HashSet<String> = t
        .texts("SELECT uscc FROM credit_listings WHERE removed_on IS NULL AND list_type = '严重违法失信名单'")
        .await
        .into_iter()
        .filter_map(|r| r[0].clone())
        .collect();
    let (_, items) = walk(
        &c,
        &base,
        "/api/v1/organizations?credit_list=严重违法失信名单&limit=50",
    )
    .await;
    let got: HashSet<String> = items
        .iter()
        .map(|i| i["uscc"].as_str().expect("uscc").to_string())
        .collect();
    assert_eq!(got, listed);

    // Founded range: inclusive of the whole end year.
    let expected = t
        .scalar(
            "SELECT COUNT(*) FROM organizations WHERE founded_on >= '2010' AND founded_on < '2016'",
        )
        .await;
    let p = get_json(
        &c,
        &format!("{base}/api/v1/organizations?founded_on_from=2010&founded_on_to=2015"),
    )
    .await;
    assert_eq!(p["total"].as_i64(), Some(expected));

    // One organization with its registry history.
    let uscc = penalised.iter().next().expect("one");
    let d = get_json(&c, &format!("{base}/api/v1/organizations/{uscc}")).await;
    assert_eq!(d["organization"]["uscc"], uscc.as_str());
    let penalties = d["penalties"].as_array().expect("penalties");
    let n = t
        .scalar(&format!(
            "SELECT COUNT(*) FROM penalties WHERE uscc = '{uscc}'"
        ))
        .await;
    assert_eq!(penalties.len() as i64, n);
    for p in penalties {
        assert_eq!(p["uscc"], uscc.as_str());
        assert!(p["decision_number"].is_string());
    }
    for k in [
        "inspections",
        "evaluations",
        "credit_listings",
        "charity_filings",
    ] {
        assert!(d[k].is_array(), "{k}");
    }
    let r = c
        .get(format!("{base}/api/v1/organizations/51100000MJ0000000X"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 404);
}

async fn budget_and_relief_filters(t: TestDb) {
    gongkai::load_real_data(&t.db).await.expect("real data");
    let base = serve(&t).await;
    let c = reqwest::Client::new();
    let expected = t
        .scalar("SELECT COUNT(*) FROM relief_stats WHERE region_code >= '430000' AND region_code <= '439999' AND programme = '农村低保'")
        .await;
    assert!(expected > 0);
    let p = get_json(
        &c,
        &format!("{base}/api/v1/relief-stats?region_code_within=430000&programme=农村低保"),
    )
    .await;
    assert_eq!(p["total"].as_i64(), Some(expected));
    for i in p["items"].as_array().expect("items") {
        // Figures carry their unit and their text as published.
        assert!(i["value"]["value"].is_i64());
        assert!(i["value"]["published"].is_string());
        assert!(i["value"]["unit"].is_string());
    }
    let expected = t
        .scalar("SELECT COUNT(*) FROM relief_stats WHERE period >= '2019' AND period < '2021'")
        .await;
    let p = get_json(
        &c,
        &format!("{base}/api/v1/relief-stats?period_from=2019&period_to=2020&limit=1"),
    )
    .await;
    assert_eq!(p["total"].as_i64(), Some(expected));

    let expected = t
        .scalar("SELECT COUNT(*) FROM budget_lines WHERE subject_code LIKE '208%' AND fiscal_year = 2021")
        .await;
    let p = get_json(
        &c,
        &format!("{base}/api/v1/budget-lines?subject_code_prefix=208&fiscal_year=2021&limit=1"),
    )
    .await;
    assert_eq!(p["total"].as_i64(), Some(expected));
    let p = get_json(&c, &format!("{base}/api/v1/budget-lines?limit=1")).await;
    let amount = &p["items"][0]["amount"];
    let fen = amount["fen"].as_i64().expect("fen");
    assert_eq!(
        amount["yuan"],
        format!("{}.{:02}", fen / 100, fen % 100).as_str()
    );
    assert!(amount["published"].is_string());
}

/// Sum the downloaded rows in Rust and compare with the totals endpoint.
async fn totals_are_exact(t: TestDb) {
    let _dir = load_synthetic(&t, &["relief", "budgets"]).await;
    let base = serve(&t).await;
    let c = reqwest::Client::new();
    let text = c
        .get(format!(
            "{base}/api/v1/relief-stats.ndjson?programme=农村低保"
        ))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    let mut expected: BTreeMap<(String, String, String), (i128, i64)> = BTreeMap::new();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).expect("ndjson line");
        let province = format!("{}0000", &v["region_code"].as_str().expect("code")[..2]);
        let year = v["period"].as_str().expect("period")[..4].to_string();
        let unit = v["value"]["unit"].as_str().expect("unit").to_string();
        let e = expected.entry((province, year, unit)).or_default();
        e.0 += i128::from(v["value"]["value"].as_i64().expect("value"));
        e.1 += 1;
    }
    assert!(expected.len() > 3);
    let totals = get_json(
        &c,
        &format!(
            "{base}/api/v1/relief-stats/totals?programme=农村低保&group_by=region_code.province,period.year&limit=10000"
        ),
    )
    .await;
    assert_eq!(totals["truncated"], false);
    let mut got = BTreeMap::new();
    for g in totals["groups"].as_array().expect("groups") {
        let k = &g["key"];
        let s = &g["sums"][0];
        got.insert(
            (
                k["region_code.province"].as_str().expect("p").to_string(),
                k["period.year"].as_str().expect("y").to_string(),
                k["value_unit"].as_str().expect("u").to_string(),
            ),
            (
                s["total"]
                    .as_str()
                    .expect("total")
                    .parse::<i128>()
                    .expect("int"),
                g["rows"].as_i64().expect("rows"),
            ),
        );
    }
    assert_eq!(got, expected);

    // Budget amounts by 类 × year, in fen with exact yuan.
    let totals = get_json(
        &c,
        &format!("{base}/api/v1/budget-lines/totals?group_by=subject_code.class,fiscal_year"),
    )
    .await;
    let groups = totals["groups"].as_array().expect("groups");
    assert!(!groups.is_empty());
    let mut rows = 0;
    for g in groups {
        let s = &g["sums"][0];
        assert_eq!(s["unit"], "fen");
        let fen: i128 = s["total"].as_str().expect("t").parse().expect("int");
        let yuan = s["yuan"].as_str().expect("yuan");
        assert_eq!(yuan, format!("{}.{:02}", fen / 100, (fen % 100).abs()));
        rows += g["rows"].as_i64().expect("rows");
    }
    assert_eq!(rows, t.scalar("SELECT COUNT(*) FROM budget_lines").await);
    let r = c
        .get(format!("{base}/api/v1/budget-lines/totals?group_by=amount"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 400);
}

async fn downloads_in_every_format(t: TestDb) {
    // A registry whose text starts like formulas.
    let f = Files::new();
    let a = schema::uscc::compose("51", "430700", "MJA00001").expect("compose");
    let b = schema::uscc::compose("51", "430700", "MJA00002").expect("compose");
    let body = format!(
        "统一社会信用代码,社会组织名称,社会组织类型,登记管理机关,登记状态,注册资金,业务范围\n\
         {a},常德市养老服务协会,社会团体,常德市民政局,正常,3万元,=1+2\n\
         {b},常德市慈善总会,社会团体,常德市民政局,正常,,+86 0736\n"
    );
    let p = f.csv("organizations.csv", &body);
    tests::import_published(
        &t.db,
        "registry",
        &[ImportFile::new(p)],
        tests::test_source(),
    )
    .await
    .expect("import");
    let base = serve(&t).await;
    let c = reqwest::Client::new();

    let r = c
        .get(format!("{base}/api/v1/organizations.csv"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let cd = r.headers()["content-disposition"].to_str().expect("ascii");
    assert!(cd.contains("registry-organizations-release-1.csv"), "{cd}");
    let bytes = r.bytes().await.expect("body");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "BOM by default");
    let text = std::str::from_utf8(&bytes[3..]).expect("utf-8");
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rd
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let columns: Vec<String> = schema::records::resource("organizations")
        .expect("organizations")
        .flat_columns()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(header, columns);
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 2);
    let col = |n: &str| header.iter().position(|h| h == n).expect("column");
    assert_eq!(&rows[0][col("business_scope")], "'=1+2");
    assert_eq!(&rows[1][col("business_scope")], "'+86 0736");
    assert_eq!(&rows[0][col("registered_capital")], "3000000");
    assert_eq!(&rows[0][col("registered_capital_yuan")], "30000.00");
    assert_eq!(&rows[0][col("name")], "常德市养老服务协会");

    let r = c
        .get(format!("{base}/api/v1/organizations?format=csv&bom=false"))
        .send()
        .await
        .expect("get");
    let bytes = r.bytes().await.expect("body");
    assert!(bytes.starts_with(b"id,"), "no BOM when asked");

    // Chinese search: two characters, one character, a full name, a credit code or its prefix.
    for (q, expected) in [
        ("养老", vec![a.as_str()]),
        ("慈", vec![b.as_str()]),
        ("常德市慈善总会", vec![b.as_str()]),
        (a.as_str(), vec![a.as_str()]),
        (&a[..8], vec![a.as_str(), b.as_str()]),
        ("殡葬", vec![]),
    ] {
        let p = get_json(&c, &format!("{base}/api/v1/organizations?q={q}")).await;
        let got: Vec<&str> = p["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|i| i["uscc"].as_str())
            .collect();
        assert_eq!(got, expected, "q={q}");
        assert_eq!(p["total"].as_u64(), Some(expected.len() as u64), "q={q}");
    }

    let json: Value = get_json(&c, &format!("{base}/api/v1/organizations.json")).await;
    assert_eq!(json.as_array().map(Vec::len), Some(2));
    assert_eq!(json[0]["registered_capital"]["published"], "3万元");
    let nd = c
        .get(format!("{base}/api/v1/organizations.ndjson?sort=-id"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    let lines: Vec<Value> = nd
        .lines()
        .map(|l| serde_json::from_str(l).expect("line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["uscc"], b.as_str());

    // XLSX: a real workbook; the text stays text, never a formula.
    let r = c
        .get(format!(
            "{base}/api/v1/datasets/registry/organizations.xlsx"
        ))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.expect("body");
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    use calamine::Reader;
    let sheet = wb.worksheet_range_at(0).expect("sheet").expect("range");
    assert_eq!(sheet.height(), 3);
    let formulas = wb.worksheet_formula("Sheet1").expect("formulas");
    assert!(formulas.used_cells().count() == 0, "no formula cells");
    let cell = sheet
        .get_value((1, col("business_scope") as u32))
        .expect("cell");
    assert_eq!(cell.to_string(), "=1+2");

    for bad in [
        "/api/v1/datasets/registry/nope.csv",
        "/api/v1/datasets/relief/organizations.csv",
        "/api/v1/datasets/registry/organizations.pdf",
    ] {
        let r = c.get(format!("{base}{bad}")).send().await.expect("get");
        assert_eq!(r.status(), 404, "{bad}");
    }
}

async fn datasets_search_and_facets(t: TestDb) {
    gongkai::load_real_data(&t.db).await.expect("real data");
    let base = serve(&t).await;
    let c = reqwest::Client::new();
    let all = get_json(&c, &format!("{base}/api/v1/datasets")).await;
    assert_eq!(all["total"], 5);
    let themes: i64 = all["facets"]["theme"]
        .as_array()
        .expect("theme facet")
        .iter()
        .map(|f| f["count"].as_i64().expect("count"))
        .sum();
    assert_eq!(themes, 5, "every dataset has one theme");
    let hits = get_json(&c, &format!("{base}/api/v1/datasets?q=低保")).await;
    let slugs: Vec<&str> = hits["datasets"]
        .as_array()
        .expect("datasets")
        .iter()
        .filter_map(|d| d["slug"].as_str())
        .collect();
    assert!(slugs.contains(&"relief"), "{slugs:?}");
    assert!(!slugs.contains(&"budgets"), "{slugs:?}");
    let hits = get_json(&c, &format!("{base}/api/v1/datasets?q=budget final")).await;
    assert_eq!(hits["datasets"][0]["slug"], "budgets");
    // Year and province facets come from the rows: every hit covers them.
    let n = t
        .scalar("SELECT COUNT(*) FROM relief_stats WHERE region_code LIKE '43%' AND period LIKE '2017%'")
        .await;
    assert!(n > 0);
    let hits = get_json(
        &c,
        &format!("{base}/api/v1/datasets?region=430000&year=2017"),
    )
    .await;
    let list = hits["datasets"].as_array().expect("datasets");
    assert!(list.iter().any(|d| d["slug"] == "relief"));
    for d in list {
        assert!(
            d["years"]
                .as_array()
                .expect("years")
                .contains(&serde_json::json!(2017))
        );
        assert!(
            d["regions"]
                .as_array()
                .expect("regions")
                .contains(&serde_json::json!("430000"))
        );
    }
    let region = hits["facets"]["region"].as_array().expect("regions");
    let hunan = region
        .iter()
        .find(|f| f["value"] == "430000")
        .expect("hunan");
    assert_eq!(hunan["label"], "湖南省");
    assert_eq!(hunan["count"].as_i64(), Some(list.len() as i64));
    let none = get_json(&c, &format!("{base}/api/v1/datasets?theme=nope")).await;
    assert_eq!(none["total"], 0);
}

both! {
    datasets_search_and_facets => datasets_search_and_facets;
    pages_walk_the_whole_selection => pages_walk_the_whole_selection;
    organization_filters => organization_filters;
    budget_and_relief_filters => budget_and_relief_filters;
    totals_are_exact => totals_are_exact;
    downloads_in_every_format => downloads_in_every_format;
}
