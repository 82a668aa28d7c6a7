//! The GraphQL API on SQLite and PostgreSQL: the console's examples run on the real data, a
//! page of organizations with their registry history is a constant number of statements, the
//! limits refuse with their codes, and REST and GraphQL give the same rows and totals.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use tests::{TestDb, both, import_dir, load_synthetic};

async fn serve_state(state: api::AppState) -> String {
    tests::serve_with(state, Default::default()).await
}

async fn serve(t: &TestDb) -> String {
    serve_state(api::AppState::new(t.db.clone())).await
}

/// Serve with these GraphQL limits.
async fn serve_limits(state: api::AppState, graphql: api::graphql::Limits) -> String {
    let config = api::http::Config {
        graphql,
        ..Default::default()
    };
    tests::serve_with(state, config).await
}

/// No answers kept: every query runs.
fn uncached() -> api::graphql::Limits {
    api::graphql::Limits {
        answers_max_age: std::time::Duration::ZERO,
        ..Default::default()
    }
}

/// POST a query; the whole answer.
async fn gql(c: &reqwest::Client, base: &str, query: &str, variables: Value) -> Value {
    let r = c
        .post(format!("{base}/graphql"))
        .header("accept", "application/graphql-response+json")
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .expect("post");
    r.json().await.expect("json")
}

/// POST a query that must succeed; its data.
async fn data(c: &reqwest::Client, base: &str, query: &str) -> Value {
    let v = gql(c, base, query, Value::Null).await;
    assert!(v.get("errors").is_none(), "{query}\n→ {v}");
    v["data"].clone()
}

async fn rest(c: &reqwest::Client, base: &str, path: &str) -> Value {
    let r = c.get(format!("{base}{path}")).send().await.expect("get");
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.expect("json")
}

fn ids(items: &Value) -> Vec<i64> {
    items
        .as_array()
        .expect("array")
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect()
}

fn has_rows(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.iter().any(has_rows),
        Value::Object(m) => m.values().any(has_rows),
        Value::Null => false,
        _ => true,
    }
}

async fn examples_run_on_the_real_data(t: TestDb) {
    gongkai::load_real_data(&t.db).await.expect("real data");
    let base = serve(&t).await;
    let c = reqwest::Client::new();
    let listed = rest(&c, &base, "/graphql/examples.json").await;
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(api::graphql::console::EXAMPLES.len())
    );
    for ex in api::graphql::console::EXAMPLES {
        let v = gql(&c, &base, ex.query, json!({"uscc": "51100000500000595C"})).await;
        assert!(v.get("errors").is_none(), "{}: {v}", ex.name);
        // The real data has no registered organizations (only the illegal ones): the
        // organization example answers null there and is run on synthetic data elsewhere.
        if ex.name != "organization" {
            assert!(has_rows(&v["data"]), "{}: no rows: {v}", ex.name);
        }
    }
    // The console is served to browsers, with its files, from the binary.
    let page = c
        .get(format!("{base}/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("console");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    for asset in ["graphiql.min.js", "react.production.min.js", "console.js"] {
        assert!(html.contains(asset), "the console loads {asset}");
        let r = c
            .get(format!("{base}/graphql/assets/{asset}"))
            .send()
            .await
            .expect("asset");
        assert_eq!(r.status(), 200, "{asset}");
    }
    assert!(!html.contains("https://"), "no CDN");
}

/// A connection of the query counting the statements it runs.
fn counted(db: &sea_orm::DatabaseConnection) -> (sea_orm::DatabaseConnection, Arc<AtomicUsize>) {
    let n = Arc::new(AtomicUsize::new(0));
    let mut db = db.clone();
    let m = n.clone();
    db.set_metric_callback(move |_| {
        m.fetch_add(1, Ordering::SeqCst);
    });
    (db, n)
}

async fn related_rows_load_in_batches(t: TestDb) {
    let _dir = load_synthetic(&t, &["registry", "funds"]).await;
    let (db, statements) = counted(&t.db);
    let base = serve_limits(api::AppState::new(db), uncached()).await;
    let c = reqwest::Client::new();
    let query = |n: u32| {
        format!(
            "{{ organizations(first: {n}, filter: {{hasPenalties: true}}) {{ nodes {{ uscc \
             penalties {{ uscc decisionNumber }} inspections {{ uscc year }} }} }} }}"
        )
    };
    // Warm the release cache, then count.
    data(&c, &base, &query(1)).await;
    let mut seen = Vec::new();
    for n in [10, 100] {
        statements.store(0, Ordering::SeqCst);
        let d = data(&c, &base, &query(n)).await;
        let used = statements.load(Ordering::SeqCst);
        let orgs = d["organizations"]["nodes"]
            .as_array()
            .expect("nodes")
            .clone();
        assert!(
            orgs.len() >= 10,
            "enough organizations with penalties ({})",
            orgs.len()
        );
        for o in &orgs {
            let pen = o["penalties"].as_array().expect("penalties");
            assert!(!pen.is_empty(), "has_penalties: {o}");
            for p in pen
                .iter()
                .chain(o["inspections"].as_array().expect("inspections"))
            {
                assert_eq!(
                    p["uscc"], o["uscc"],
                    "related rows are the organization's own"
                );
            }
        }
        seen.push((orgs.len(), used));
        // Each read of rows is two statements: the dataset's negative list (a handful of rows
        // at most), then the rows themselves.
        assert!(
            used <= 6,
            "a page of {} organizations with penalties and inspections ran {used} statements",
            orgs.len()
        );
    }
    assert_eq!(
        seen[0].1, seen[1].1,
        "statements do not grow with the page: {seen:?}"
    );
    // The time limit answers with its code (related rows wait a millisecond to be batched,
    // so this query cannot finish within one).
    let slow = serve_limits(
        api::AppState::new(t.db.clone()),
        api::graphql::Limits {
            timeout: std::time::Duration::from_millis(1),
            ..uncached()
        },
    )
    .await;
    let v = gql(&c, &slow, &query(100), Value::Null).await;
    assert_eq!(v["errors"][0]["extensions"]["code"], "timeout", "{v}");

    // Funds with their allocations: one read for the funds, one for every fund's lines.
    let funds = "{ funds(first: 50) { nodes { id allocations { fundId amount { fen } } } } }";
    data(&c, &base, funds).await;
    statements.store(0, Ordering::SeqCst);
    let d = data(&c, &base, funds).await;
    let used = statements.load(Ordering::SeqCst);
    assert!(
        used <= 4,
        "50 funds with their allocations ran {used} statements"
    );
    let funds = d["funds"]["nodes"].as_array().expect("funds");
    assert!(
        funds
            .iter()
            .any(|f| !f["allocations"].as_array().expect("a").is_empty())
    );
    for f in funds {
        for a in f["allocations"].as_array().expect("allocations") {
            assert_eq!(a["fundId"], f["id"]);
        }
    }
}

async fn limits_refuse_with_codes(t: TestDb) {
    let base = serve(&t).await;
    let c = reqwest::Client::new();
    let code = |v: &Value| v["errors"][0]["extensions"]["code"].clone();
    let deep = "{ regions { children { children { children { children { children { children { children { children { children { children { children { code } } } } } } } } } } } } }";
    let v = gql(&c, &base, deep, Value::Null).await;
    assert_eq!(code(&v), "query_too_deep", "{v}");
    assert!(v.get("data").is_none());
    let aliases: String = (0..40)
        .map(|i| format!("a{i}: datasets {{ slug }} "))
        .collect();
    let v = gql(&c, &base, &format!("{{ {aliases} }}"), Value::Null).await;
    assert_eq!(code(&v), "too_many_aliases", "{v}");
    let complex = "{ organizations(first: 1000) { nodes { uscc name status orgType regionCode penalties { uscc decisionNumber decidedOn reason authority source { title url } } inspections { uscc year conclusion source { title url } } evaluations { uscc grade source { title } } creditListings { uscc listType } charityFilings { uscc } } } }";
    let v = gql(&c, &base, complex, Value::Null).await;
    assert_eq!(code(&v), "query_too_complex", "{v}");
    // The page size is taken from variables too.
    let v = gql(
        &c,
        &base,
        "query ($n: Int) { budgetLines(first: $n) { totalCount } }",
        json!({"n": 5000}),
    )
    .await;
    assert!(
        code(&v) == "query_too_complex" || code(&v) == "invalid_parameter",
        "{v}"
    );
    let v = gql(
        &c,
        &base,
        "{ budgetLines(first: 1001) { totalCount } }",
        Value::Null,
    )
    .await;
    assert_eq!(code(&v), "invalid_parameter", "{v}");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .expect("m")
            .contains("first")
    );
    let v = gql(&c, &base, "{ nope }", Value::Null).await;
    assert_eq!(code(&v), "invalid_query", "{v}");
    let v = gql(
        &c,
        &base,
        "{ reliefStats(filter: {regionCodeWithin: \"11\"}) { totalCount } }",
        Value::Null,
    )
    .await;
    assert_eq!(code(&v), "invalid_parameter", "{v}");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .expect("m")
            .starts_with("filter.regionCodeWithin"),
        "{v}"
    );
    // Introspection stays on, and is not counted against the limits.
    let v = gql(
        &c,
        &base,
        "{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name } } } } } } } }",
        Value::Null,
    )
    .await;
    assert!(v.get("errors").is_none(), "{v}");
}

/// A REST record list page and the same GraphQL page agree: ids, totals and every money and
/// figure value.
fn same_rows(rest_items: &Value, nodes: &Value, what: &str) {
    assert_eq!(ids(rest_items), ids(nodes), "{what}: ids");
    for (r, g) in rest_items
        .as_array()
        .expect("rest")
        .iter()
        .zip(nodes.as_array().expect("nodes"))
    {
        assert_eq!(r["source"]["id"], g["source"]["id"], "{what}: source");
        assert_eq!(r["row_no"], g["rowNo"], "{what}: row_no");
        for (k, rv) in r.as_object().expect("object") {
            let gk = camel(k);
            let Some(gv) = g.get(&gk) else { continue };
            match rv {
                Value::Object(m) if m.contains_key("fen") => {
                    assert_eq!(
                        rv["fen"].as_i64().map(|f| f.to_string()),
                        gv["fen"].as_str().map(str::to_string),
                        "{what}: {k}"
                    );
                    assert_eq!(rv["yuan"], gv["yuan"], "{what}: {k}");
                }
                Value::Object(m) if m.contains_key("unit") => {
                    assert_eq!(
                        rv["value"].as_i64().map(|f| f.to_string()),
                        gv["value"].as_str().map(str::to_string),
                        "{what}: {k}"
                    );
                    assert_eq!(rv["unit"], gv["unit"], "{what}: {k}");
                }
                Value::Object(_) => {}
                _ => assert_eq!(rv, gv, "{what}: {k}"),
            }
        }
    }
}

fn camel(s: &str) -> String {
    api::graphql::values::camel(s)
}

/// A group as compared: its key, rows, and (measure, unit, total) of each sum.
type Group = (String, i64, Vec<(String, String, String)>);

/// REST totals groups and GraphQL aggregate groups agree exactly.
fn same_groups(rest_groups: &Value, gql_groups: &Value, what: &str) {
    let norm = |groups: &Value| -> Vec<Group> {
        groups
            .as_array()
            .expect("groups")
            .iter()
            .map(|g| {
                let key: BTreeMap<String, Value> = g["key"]
                    .as_object()
                    .expect("key")
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let sums = g["sums"]
                    .as_array()
                    .expect("sums")
                    .iter()
                    .map(|s| {
                        (
                            s["measure"].as_str().unwrap_or_default().to_string(),
                            s["unit"].as_str().unwrap_or_default().to_string(),
                            s["total"].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect();
                (format!("{key:?}"), g["rows"].as_i64().expect("rows"), sums)
            })
            .collect()
    };
    let r = norm(rest_groups);
    assert!(!r.is_empty(), "{what}: no groups");
    assert_eq!(r, norm(gql_groups), "{what}");
}

async fn rest_and_graphql_agree(t: TestDb) {
    let _dir = load_synthetic(&t, &["registry", "budgets", "funds", "relief"]).await;
    let base = serve(&t).await;
    let c = reqwest::Client::new();
    let mut pairs = 0;

    // 1–2. Organizations of a province and type, two pages by cursor.
    let r1 = rest(
        &c,
        &base,
        "/api/v1/organizations?region_code_within=430000&org_type=社会团体&limit=7&sort=-founded_on",
    )
    .await;
    let q = |after: &str| {
        format!(
            "{{ organizations(first: 7, {after} filter: {{regionCodeWithin: \"430000\", orgType: [\"社会团体\"]}}, orderBy: {{field: FOUNDED_ON, direction: DESC}}) \
             {{ totalCount pageInfo {{ endCursor hasNextPage }} nodes {{ id uscc name orgType regionCode foundedOn registeredCapital {{ fen yuan }} source {{ id }} rowNo }} }} }}"
        )
    };
    let g1 = data(&c, &base, &q("")).await;
    assert_eq!(r1["total"], g1["organizations"]["totalCount"]);
    same_rows(
        &r1["items"],
        &g1["organizations"]["nodes"],
        "organizations page 1",
    );
    assert_eq!(
        r1["next_cursor"], g1["organizations"]["pageInfo"]["endCursor"],
        "the cursors are the same"
    );
    pairs += 1;
    let cursor = r1["next_cursor"].as_str().expect("more pages");
    let r2 = rest(
        &c,
        &base,
        &format!(
            "/api/v1/organizations?region_code_within=430000&org_type=社会团体&limit=7&sort=-founded_on&cursor={cursor}"
        ),
    )
    .await;
    let g2 = data(&c, &base, &q(&format!("after: \"{cursor}\","))).await;
    same_rows(
        &r2["items"],
        &g2["organizations"]["nodes"],
        "organizations page 2",
    );
    pairs += 1;

    // 3. Backwards: the last page of an order is the first page of the reverse order.
    let r3 = rest(&c, &base, "/api/v1/budget-lines?limit=15&sort=-amount").await;
    let g3 = data(
        &c,
        &base,
        "{ budgetLines(last: 15, orderBy: {field: AMOUNT}) { pageInfo { hasPreviousPage } nodes { id amount { fen yuan } source { id } rowNo } } }",
    )
    .await;
    let mut reversed = g3["budgetLines"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    reversed.reverse();
    same_rows(
        &r3["items"],
        &Value::Array(reversed),
        "budget lines backwards",
    );
    assert_eq!(g3["budgetLines"]["pageInfo"]["hasPreviousPage"], true);
    pairs += 1;

    // 4. Budget lines of a year with an amount floor, and their exact sums.
    let r4 = rest(
        &c,
        &base,
        "/api/v1/budget-lines?fiscal_year_from=2021&amount_min=100000&limit=50",
    )
    .await;
    let g4 = data(
        &c,
        &base,
        "{ budgetLines(first: 50, filter: {fiscalYearFrom: \"2021\", amountMin: \"100000\"}) { totalCount sums { measure unit total } nodes { id fiscalYear subjectCode amount { fen yuan } source { id } rowNo } } }",
    )
    .await;
    assert_eq!(r4["total"], g4["budgetLines"]["totalCount"]);
    same_rows(&r4["items"], &g4["budgetLines"]["nodes"], "budget lines");
    let t4 = rest(
        &c,
        &base,
        "/api/v1/budget-lines/totals?fiscal_year_from=2021&amount_min=100000",
    )
    .await;
    assert_eq!(
        t4["overall"][0]["sums"][0]["total"], g4["budgetLines"]["sums"][0]["total"],
        "connection sums = REST overall totals"
    );
    pairs += 1;

    // 5. Relief statistics of a period and programme.
    let r5 = rest(
        &c,
        &base,
        "/api/v1/relief-stats?period_from=2021-01&period_to=2021-12&programme=城市低保,农村低保&limit=100",
    )
    .await;
    let g5 = data(
        &c,
        &base,
        "{ reliefStats(first: 100, filter: {periodFrom: \"2021-01\", periodTo: \"2021-12\", programme: [\"城市低保\", \"农村低保\"]}) { totalCount nodes { id regionCode period programme indicator value { value unit published } source { id } rowNo } } }",
    )
    .await;
    assert_eq!(r5["total"], g5["reliefStats"]["totalCount"]);
    same_rows(&r5["items"], &g5["reliefStats"]["nodes"], "relief stats");
    pairs += 1;

    // 6. Group-by totals of budget lines.
    let t6 = rest(
        &c,
        &base,
        "/api/v1/budget-lines/totals?group_by=region_code.province,fiscal_year",
    )
    .await;
    let a6 = data(
        &c,
        &base,
        "{ budgetLinesAggregate(groupBy: [REGION_CODE_PROVINCE, FISCAL_YEAR]) { groupBy truncated groups { key rows sums { measure unit total yuan count } } overall { key rows sums { measure unit total } } } }",
    )
    .await;
    let a6 = &a6["budgetLinesAggregate"];
    assert_eq!(t6["group_by"], a6["groupBy"]);
    same_groups(&t6["groups"], &a6["groups"], "budget totals");
    same_groups(&t6["overall"], &a6["overall"], "budget overall");
    pairs += 1;

    // 7. Group-by totals of relief figures (one group per unit) with a filter.
    let t7 = rest(
        &c,
        &base,
        "/api/v1/relief-stats/totals?group_by=programme,period.year&programme=城市低保,农村低保",
    )
    .await;
    let a7 = data(
        &c,
        &base,
        "{ reliefStatsAggregate(groupBy: [PROGRAMME, PERIOD_YEAR], filter: {programme: [\"城市低保\", \"农村低保\"]}) { groups { key rows sums { measure unit total } } } }",
    )
    .await;
    same_groups(
        &t7["groups"],
        &a7["reliefStatsAggregate"]["groups"],
        "relief totals",
    );
    pairs += 1;

    // 8. One organization with its registry history.
    let with = rest(
        &c,
        &base,
        "/api/v1/organizations?has_penalties=true&limit=1",
    )
    .await;
    let uscc = with["items"][0]["uscc"]
        .as_str()
        .expect("an organization with penalties");
    let r8 = rest(&c, &base, &format!("/api/v1/organizations/{uscc}")).await;
    let g8 = gql(
        &c,
        &base,
        include_str!("../../api/src/graphql/examples/organization.graphql")
            .replace("inspections {", "id inspections { id")
            .replace("evaluations {", "evaluations { id")
            .replace("penalties {", "penalties { id")
            .replace("creditListings {", "creditListings { id")
            .as_str(),
        json!({"uscc": uscc}),
    )
    .await;
    assert!(g8.get("errors").is_none(), "{g8}");
    let o = &g8["data"]["organization"];
    assert_eq!(r8["organization"]["id"], o["id"]);
    for (rk, gk) in [
        ("inspections", "inspections"),
        ("evaluations", "evaluations"),
        ("penalties", "penalties"),
        ("credit_listings", "creditListings"),
    ] {
        assert_eq!(ids(&r8[rk]), ids(&o[gk]), "organization {rk}");
    }
    assert!(!ids(&o["penalties"]).is_empty());
    pairs += 1;

    // 9. Organizations with penalties, and a search.
    let r9 = rest(
        &c,
        &base,
        "/api/v1/organizations?has_penalties=true&limit=50",
    )
    .await;
    let g9 = data(
        &c,
        &base,
        "{ organizations(first: 50, filter: {hasPenalties: true}) { totalCount nodes { id uscc source { id } rowNo } } }",
    )
    .await;
    assert_eq!(r9["total"], g9["organizations"]["totalCount"]);
    same_rows(&r9["items"], &g9["organizations"]["nodes"], "has_penalties");
    pairs += 1;
    let r10 = rest(&c, &base, "/api/v1/organizations?q=养老&limit=30").await;
    let g10 = data(
        &c,
        &base,
        "{ organizations(first: 30, filter: {search: \"养老\"}) { totalCount nodes { id name source { id } rowNo } } }",
    )
    .await;
    assert!(r10["total"].as_i64().expect("total") > 0);
    assert_eq!(r10["total"], g10["organizations"]["totalCount"]);
    same_rows(&r10["items"], &g10["organizations"]["nodes"], "search");
    pairs += 1;

    // 11. A fund's allocations are its fund lines.
    let f = data(
        &c,
        &base,
        "{ funds(first: 5, orderBy: {field: ID, direction: DESC}) { nodes { id total { fen } allocations { id fundId amount { fen yuan } source { id } rowNo } } } }",
    )
    .await;
    for fund in f["funds"]["nodes"].as_array().expect("funds") {
        let id = fund["id"].as_i64().expect("id");
        let r = rest(
            &c,
            &base,
            &format!("/api/v1/fund-lines?fund_id={id}&limit=1000"),
        )
        .await;
        same_rows(&r["items"], &fund["allocations"], "fund allocations");
    }
    pairs += 1;

    // 12. A region's roll-up is the REST filter by region.
    let r12 = rest(
        &c,
        &base,
        "/api/v1/organizations/totals?region_code_within=430000",
    )
    .await;
    let g12 = data(
        &c,
        &base,
        "{ region(code: \"430000\") { rollup(resource: ORGANIZATIONS) { rows } children { code rollup(resource: ORGANIZATIONS) { rows } } } }",
    )
    .await;
    let rows: i64 = r12["overall"]
        .as_array()
        .expect("overall")
        .iter()
        .map(|g| g["rows"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(g12["region"]["rollup"]["rows"].as_i64(), Some(rows));
    let children: i64 = g12["region"]["children"]
        .as_array()
        .expect("children")
        .iter()
        .map(|ch| ch["rollup"]["rows"].as_i64().unwrap_or(0))
        .sum();
    assert!(
        rows > 0 && children > 0 && children <= rows,
        "the children are within their parent: {children} of {rows}"
    );
    pairs += 1;

    assert!(pairs >= 10);
}

async fn answers_are_kept_while_the_releases_stay(t: TestDb) {
    let dir = load_synthetic(&t, &["budgets"]).await;
    let (db, statements) = counted(&t.db);
    let base = serve_limits(
        api::AppState::new(db),
        api::graphql::Limits {
            answers_max_age: std::time::Duration::from_secs(1),
            ..Default::default()
        },
    )
    .await;
    let c = reqwest::Client::new();
    let q = "{ dataset(slug: \"budgets\") { release { version } } budgetLines(first: 3) { totalCount nodes { id } } }";
    let first = data(&c, &base, q).await;
    assert_eq!(first["dataset"]["release"]["version"], 1);
    statements.store(0, Ordering::SeqCst);
    let again = data(&c, &base, q).await;
    assert_eq!(again, first);
    // At most the catalog state is read again (when the first answer took long), never the
    // query's own statements.
    let used = statements.load(Ordering::SeqCst);
    assert!(
        used <= 1,
        "a repeated query is answered from the store: {used} statements"
    );
    // Different variables are a different request.
    let v = gql(
        &c,
        &base,
        "query ($n: Int) { budgetLines(first: $n) { nodes { id } } }",
        json!({"n": 1}),
    )
    .await;
    assert_eq!(
        v["data"]["budgetLines"]["nodes"].as_array().map(Vec::len),
        Some(1)
    );
    // A new release: once the state is read again, the answer is made anew.
    import_dir(&t, "budgets", &dir.path().join("budgets")).await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let after = data(&c, &base, q).await;
    assert_eq!(after["dataset"]["release"]["version"], 2, "{after}");
    assert_ne!(
        after["budgetLines"]["nodes"], first["budgetLines"]["nodes"],
        "rows of the new release"
    );
}

both! {
    answers_are_kept_while_the_releases_stay => answers_are_kept_while_the_releases_stay;
    examples_run_on_the_real_data => examples_run_on_the_real_data;
    related_rows_load_in_batches => related_rows_load_in_batches;
    limits_refuse_with_codes => limits_refuse_with_codes;
    rest_and_graphql_agree => rest_and_graphql_agree;
}
