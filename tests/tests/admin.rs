//! The admin API (`/api/v1/admin`) and public corrections over HTTP, on SQLite and PostgreSQL:
//! every admin endpoint's token and role checks (from one table that must cover every admin
//! path of the OpenAPI document), the no-self-review rule on the token's name, the publishing
//! workflow from upload to withdrawal as the public sees it, uploads (limits, formats, the
//! validation report), corrections with their body limit and rate limit, tokens, the negative
//! list and the audit log.

use std::collections::BTreeSet;

use reqwest::Method;
use reqwest::header::HeaderMap;
use schema::import::{ImportFile, ImportOptions};
use schema::workflow::{Actor, Role, tokens};
use serde_json::{Value, json};
use tests::{TestDb, both};

const RELIEF: &str = "data/real/relief/stats.csv";

/// The real relief statistics file.
fn relief_csv() -> String {
    std::fs::read_to_string(tests::repo_root().join(RELIEF)).expect("relief csv")
}

/// `csv` with the cell of `row` (numbered as Excel does: the header is row 1) under the header
/// `column` set to `value`.
fn with_cell(csv: &str, row: usize, column: &str, value: &str) -> String {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv.as_bytes());
    let mut records: Vec<csv::StringRecord> = rdr.records().map(|r| r.expect("record")).collect();
    let col = records[0].iter().position(|h| h == column).expect("column");
    let mut cells: Vec<String> = records[row - 1].iter().map(str::to_string).collect();
    cells[col] = value.to_string();
    records[row - 1] = csv::StringRecord::from(cells);
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in &records {
        w.write_record(r).expect("write");
    }
    String::from_utf8(w.into_inner().expect("csv")).expect("utf-8")
}

/// Publish the real relief statistics through the three-step review: the release id.
async fn publish_relief(t: &TestDb) -> i64 {
    tests::import_published(
        &t.db,
        "relief",
        &[ImportFile::new(tests::repo_root().join(RELIEF))],
        ImportOptions::default(),
    )
    .await
    .expect("import relief")
    .release_id
}

/// A token's secret for `name` with `role`, created at the command line.
async fn token(t: &TestDb, name: &str, role: Role) -> String {
    tokens::create(&t.db, &Actor::local(), name, role)
        .await
        .expect("token")
        .0
}

struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

impl Reply {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Assert a problem with `status` and `code`; the problem.
    #[track_caller]
    fn problem(&self, status: u16, code: &str) -> &Value {
        assert_eq!(
            (self.status, self.body["code"].as_str()),
            (status, Some(code)),
            "{}",
            self.body
        );
        assert_eq!(self.header("content-type"), "application/problem+json");
        assert_eq!(self.body["status"], status);
        &self.body
    }

    #[track_caller]
    fn ok(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "{}", self.body);
        &self.body
    }
}

struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    async fn new(t: &TestDb, config: api::http::Config) -> Api {
        Api {
            base: tests::serve_with(api::AppState::new(t.db.clone()), config).await,
            http: reqwest::Client::new(),
        }
    }

    async fn reply(r: reqwest::Response) -> Reply {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let bytes = r.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    /// A request with an `Authorization` header as given (`None`: none).
    async fn raw(
        &self,
        method: Method,
        path: &str,
        authorization: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("origin", "https://elsewhere.example");
        if let Some(a) = authorization {
            req = req.header("authorization", a);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        Api::reply(req.send().await.expect("send")).await
    }

    async fn call(&self, method: Method, path: &str, token: &str, body: Option<&Value>) -> Reply {
        self.raw(method, path, Some(&format!("Bearer {token}")), body)
            .await
    }

    async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, token, None).await
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::POST, path, token, Some(&body)).await
    }

    /// Upload `bytes` to `path` (with its query), with a content type if given.
    async fn upload(
        &self,
        path: &str,
        token: &str,
        bytes: Vec<u8>,
        content_type: Option<&str>,
    ) -> Reply {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .body(bytes);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        Api::reply(req.send().await.expect("upload")).await
    }

    async fn public(&self, path: &str) -> Reply {
        Api::reply(
            self.http
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .expect("get"),
        )
        .await
    }
}

// ---------------------------------------------------------------------------------------------
// Every endpoint: token and role

/// An admin endpoint: its method and path template as documented, a path to call it at (ids
/// that do not exist, so allowed calls change nothing), a body, and the roles that may call it.
struct Endpoint {
    method: Method,
    template: &'static str,
    path: &'static str,
    body: Option<Value>,
    roles: &'static [Role],
}

const ANY: &[Role] = &Role::ALL;
const EDITOR: &[Role] = &[Role::Editor, Role::Admin];
const REVIEWER: &[Role] = &[Role::Reviewer, Role::Admin];
const SEND_BACK: &[Role] = &[Role::Reviewer, Role::Publisher, Role::Admin];
const PUBLISHER: &[Role] = &[Role::Publisher, Role::Admin];
const ADMIN: &[Role] = &[Role::Admin];

fn endpoints() -> Vec<Endpoint> {
    let e = |method: Method,
             template: &'static str,
             path: &'static str,
             body: Option<Value>,
             roles: &'static [Role]| Endpoint {
        method,
        template,
        path,
        body,
        roles,
    };
    vec![
        e(
            Method::POST,
            "/api/v1/admin/datasets/{slug}/uploads",
            "/api/v1/admin/datasets/relief/uploads",
            None,
            EDITOR,
        ),
        e(
            Method::GET,
            "/api/v1/admin/releases",
            "/api/v1/admin/releases",
            None,
            ANY,
        ),
        e(
            Method::GET,
            "/api/v1/admin/releases/{id}",
            "/api/v1/admin/releases/999999",
            None,
            ANY,
        ),
        e(
            Method::POST,
            "/api/v1/admin/releases/{id}/submit",
            "/api/v1/admin/releases/999999/submit",
            None,
            EDITOR,
        ),
        e(
            Method::POST,
            "/api/v1/admin/releases/{id}/review",
            "/api/v1/admin/releases/999999/review",
            None,
            REVIEWER,
        ),
        e(
            Method::POST,
            "/api/v1/admin/releases/{id}/send-back",
            "/api/v1/admin/releases/999999/send-back",
            Some(json!({"comment": "请核对"})),
            SEND_BACK,
        ),
        e(
            Method::POST,
            "/api/v1/admin/releases/{id}/publish",
            "/api/v1/admin/releases/999999/publish",
            None,
            PUBLISHER,
        ),
        e(
            Method::POST,
            "/api/v1/admin/releases/{id}/withdraw",
            "/api/v1/admin/releases/999999/withdraw",
            Some(json!({"reason": "口径调整"})),
            PUBLISHER,
        ),
        e(
            Method::POST,
            "/api/v1/admin/releases/{id}/supersede",
            "/api/v1/admin/releases/999999/supersede",
            Some(json!({"by": 999998})),
            PUBLISHER,
        ),
        e(
            Method::GET,
            "/api/v1/admin/corrections",
            "/api/v1/admin/corrections",
            None,
            EDITOR,
        ),
        e(
            Method::POST,
            "/api/v1/admin/corrections/{id}/resolve",
            "/api/v1/admin/corrections/999999/resolve",
            Some(json!({"resolution": "已更正"})),
            EDITOR,
        ),
        e(
            Method::GET,
            "/api/v1/admin/negative-list",
            "/api/v1/admin/negative-list",
            None,
            ANY,
        ),
        e(
            Method::POST,
            "/api/v1/admin/negative-list",
            "/api/v1/admin/negative-list",
            Some(json!({"target": "no_such_dataset", "reason": "x"})),
            ADMIN,
        ),
        e(
            Method::DELETE,
            "/api/v1/admin/negative-list/{target}",
            "/api/v1/admin/negative-list/registry",
            None,
            ADMIN,
        ),
        e(
            Method::GET,
            "/api/v1/admin/tokens",
            "/api/v1/admin/tokens",
            None,
            ADMIN,
        ),
        e(
            Method::POST,
            "/api/v1/admin/tokens",
            "/api/v1/admin/tokens",
            Some(json!({"name": " ", "role": "editor"})),
            ADMIN,
        ),
        e(
            Method::POST,
            "/api/v1/admin/tokens/{id}/revoke",
            "/api/v1/admin/tokens/999999/revoke",
            None,
            ADMIN,
        ),
        e(
            Method::GET,
            "/api/v1/admin/audit",
            "/api/v1/admin/audit",
            None,
            ADMIN,
        ),
        e(
            Method::GET,
            "/api/v1/admin/audit/verify",
            "/api/v1/admin/audit/verify",
            None,
            ADMIN,
        ),
    ]
}

/// The table names every admin operation of the OpenAPI document, so an endpoint added without
/// a row here fails this test.
#[test]
fn the_table_covers_every_admin_operation() {
    let spec: Value = serde_json::from_str(&api::openapi_json()).expect("json");
    let mut documented = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        if !path.starts_with("/api/v1/admin") {
            continue;
        }
        for (method, op) in item.as_object().expect("item") {
            documented.insert((method.to_ascii_uppercase(), path.clone()));
            assert!(
                op["security"]
                    .as_array()
                    .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some())),
                "{method} {path} is not marked with the bearer scheme"
            );
            assert!(
                op["responses"].get("401").is_some(),
                "{method} {path} does not document 401"
            );
        }
    }
    let tested: BTreeSet<(String, String)> = endpoints()
        .iter()
        .map(|e| (e.method.as_str().to_string(), e.template.to_string()))
        .collect();
    for e in endpoints()
        .iter()
        .filter(|e| e.roles.len() < Role::ALL.len())
    {
        let method = e.method.as_str().to_ascii_lowercase();
        assert!(
            spec["paths"][e.template][&method]["responses"]
                .get("403")
                .is_some(),
            "{method} {} does not document 403",
            e.template
        );
    }
    assert_eq!(documented, tested, "every admin operation has a row");
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

async fn every_endpoint_checks_token_and_role(t: TestDb) {
    publish_relief(&t).await;
    let api = Api::new(&t, Default::default()).await;
    let mut by_role = Vec::new();
    for role in Role::ALL {
        by_role.push((
            role,
            token(&t, &format!("测试{}", role.as_str()), role).await,
        ));
    }
    let revoked = token(&t, "离职人员", Role::Admin).await;
    let id = tokens::list(&t.db, &Actor::local())
        .await
        .expect("tokens")
        .into_iter()
        .find(|v| v.name == "离职人员")
        .expect("revoked token")
        .id;
    tokens::revoke(&t.db, &Actor::local(), id)
        .await
        .expect("revoke");
    let unknown = format!("gk_{}", "0".repeat(48));

    for e in endpoints() {
        let what = format!("{} {}", e.method, e.path);
        // 401 before anything: no header, a malformed one, garbage, unknown and revoked tokens.
        for auth in [
            None,
            Some("Basic dXNlcjpwYXNz".to_string()),
            Some("Bearer".to_string()),
            Some("Bearer not a token".to_string()),
            Some("Bearer garbage".to_string()),
            Some(format!("Bearer {unknown}")),
            Some(format!("Bearer {revoked}")),
        ] {
            let r = api
                .raw(e.method.clone(), e.path, auth.as_deref(), e.body.as_ref())
                .await;
            r.problem(401, "unauthenticated");
            assert!(
                r.header("www-authenticate").starts_with("Bearer"),
                "{what} {auth:?}: {:?}",
                r.headers
            );
            assert_eq!(r.header("cache-control"), "no-store", "{what}");
            assert!(
                !r.headers.contains_key("access-control-allow-origin"),
                "{what}: no CORS on the admin API"
            );
            assert!(
                r.body["request_id"].is_string(),
                "{what}: problems carry the request id"
            );
        }
        // 403 for a role that may not take the step, before the (missing) release is looked up.
        for (role, secret) in &by_role {
            let r = api
                .call(e.method.clone(), e.path, secret, e.body.as_ref())
                .await;
            if e.roles.contains(role) {
                assert!(
                    ![401, 403].contains(&r.status),
                    "{what} as {}: {} {}",
                    role.as_str(),
                    r.status,
                    r.body
                );
                if e.method == Method::GET && !e.path.ends_with("999999") {
                    r.ok(200);
                }
            } else {
                let p = r.problem(403, "forbidden");
                assert!(
                    p["detail"]
                        .as_str()
                        .is_some_and(|d| d.contains(role.as_str())),
                    "{what}: {p}"
                );
            }
            assert_eq!(r.header("cache-control"), "no-store", "{what}");
            assert!(r.headers.get("etag").is_none(), "{what}: no validators");
            assert!(!r.headers.contains_key("access-control-allow-origin"));
        }
    }

    // A preflight from another origin is not answered with CORS headers either.
    let r = api
        .http
        .request(
            Method::OPTIONS,
            format!("{}/api/v1/admin/releases", api.base),
        )
        .header("origin", "https://elsewhere.example")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .expect("preflight");
    assert!(!r.headers().contains_key("access-control-allow-origin"));
}

// ---------------------------------------------------------------------------------------------
// No self-review

async fn no_one_reviews_or_publishes_their_own_work(t: TestDb) {
    publish_relief(&t).await;
    let api = Api::new(&t, Default::default()).await;
    let editor = token(&t, "王编辑", Role::Editor).await;
    let reviewer = token(&t, "李科长", Role::Reviewer).await;
    let publisher = token(&t, "张主任", Role::Publisher).await;
    // The same people holding admin tokens: identity is the name, not the role.
    let editor_admin = token(&t, "王编辑", Role::Admin).await;
    let reviewer_admin = token(&t, "李科长", Role::Admin).await;

    let csv = with_cell(&relief_csv(), 2, "数值", "958.4");
    let up = api
        .upload(
            "/api/v1/admin/datasets/relief/uploads?filename=stats.csv",
            &editor,
            csv.into_bytes(),
            Some("text/csv"),
        )
        .await;
    let id = up.ok(201)["release_id"].as_i64().expect("id");
    let path = |step: &str| format!("/api/v1/admin/releases/{id}/{step}");

    api.post(&path("submit"), &editor, json!({})).await.ok(200);
    // The submitter may not review, even with an admin token.
    let p = api.post(&path("review"), &editor_admin, json!({})).await;
    let p = p.problem(403, "self_review");
    assert!(
        p["detail"].as_str().is_some_and(|d| d.contains("王编辑")),
        "{p}"
    );
    api.post(&path("review"), &reviewer, json!({}))
        .await
        .ok(200);
    // Neither the submitter nor the reviewer may publish, whatever token they hold.
    for who in [&editor_admin, &reviewer_admin] {
        api.post(&path("publish"), who, json!({}))
            .await
            .problem(403, "self_review");
    }
    // Nothing moved.
    let r = api
        .get(&format!("/api/v1/admin/releases/{id}"), &reviewer)
        .await;
    assert_eq!(r.ok(200)["state"], "reviewed");
    let r = api.post(&path("publish"), &publisher, json!({})).await;
    let rel = r.ok(200);
    assert_eq!(rel["state"], "published");
    assert_eq!(
        (
            rel["submitted_by"].as_str(),
            rel["reviewed_by"].as_str(),
            rel["published_by"].as_str()
        ),
        (Some("王编辑"), Some("李科长"), Some("张主任"))
    );
}

// ---------------------------------------------------------------------------------------------
// The workflow as the public sees it

/// The public list of relief statistics: (release id or null, total).
async fn public_relief(api: &Api) -> (Value, i64) {
    let r = api.public("/api/v1/relief-stats?limit=1").await;
    let b = r.ok(200);
    (
        b["release"]["id"].clone(),
        b["total"].as_i64().expect("total"),
    )
}

/// The published text of the national urban-dibao households of 2015 (row 2 of the file).
async fn households_2015(api: &Api) -> Option<String> {
    let r = api
        .public(
            "/api/v1/relief-stats?region_code=000000&period=2015&period_type=year_end&programme=城市低保&indicator=户数",
        )
        .await;
    let b = r.ok(200);
    b["items"][0]["value"]["published"]
        .as_str()
        .map(str::to_string)
}

async fn publishing_workflow(t: TestDb) {
    let first = publish_relief(&t).await;
    let api = Api::new(&t, Default::default()).await;
    let editor = token(&t, "王编辑", Role::Editor).await;
    let reviewer = token(&t, "李科长", Role::Reviewer).await;
    let publisher = token(&t, "张主任", Role::Publisher).await;
    let count = |b: &Value| b["releases"].as_array().map(Vec::len).unwrap_or(0);
    let before = api
        .get("/api/v1/admin/releases?dataset=relief", &editor)
        .await;
    assert_eq!(count(before.ok(200)), 1);
    assert_eq!(public_relief(&api).await, (json!(first), 215));
    assert_eq!(households_2015(&api).await.as_deref(), Some("957.4"));

    // An invalid file: 422 with every error's row and column, and no new release.
    let mut bad = with_cell(&relief_csv(), 3, "数值", "一千七");
    bad = with_cell(&bad, 5, "地区代码", "99999X");
    let r = api
        .upload(
            "/api/v1/admin/datasets/relief/uploads?filename=stats.csv",
            &editor,
            bad.into_bytes(),
            Some("text/csv; charset=utf-8"),
        )
        .await;
    let p = r.problem(422, "invalid_upload");
    assert!(p["request_id"].is_string(), "{p}");
    let report = &p["report"];
    let issues = report["issues"].as_array().expect("issues");
    assert_eq!(report["total"].as_u64(), Some(issues.len() as u64));
    assert!(issues.len() >= 2, "{report}");
    for (row, column, value) in [(3, "数值", "一千七"), (5, "地区代码", "99999X")] {
        let i = issues
            .iter()
            .find(|i| i["row"] == row && i["column"] == column)
            .unwrap_or_else(|| panic!("no issue at row {row} {column}: {report}"));
        assert_eq!(i["file"], "stats.csv");
        assert_eq!(i["value"], value);
        assert!(i["code"].as_str().is_some_and(|c| !c.is_empty()));
        assert!(i["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let after = api
        .get("/api/v1/admin/releases?dataset=relief", &editor)
        .await;
    assert_eq!(count(after.ok(200)), 1, "no release for an invalid file");

    // A valid one: a draft, not public.
    let csv = with_cell(&relief_csv(), 2, "数值", "958.4");
    let r = api
        .upload(
            "/api/v1/admin/datasets/relief/uploads?filename=stats.csv&produced_at=2026-11-20",
            &editor,
            csv.clone().into_bytes(),
            Some("text/csv"),
        )
        .await;
    let s = r.ok(201);
    let second = s["release_id"].as_i64().expect("id");
    assert_eq!(
        r.header("location"),
        format!("/api/v1/admin/releases/{second}")
    );
    assert_eq!(s["state"], "draft");
    assert_eq!(s["version"], 2);
    assert_eq!(s["rows"]["relief.stats"], 215);
    assert_eq!(s["total_rows"], 215);
    assert_eq!(
        (
            &s["diff"]["changed"],
            &s["diff"]["unchanged"],
            &s["diff"]["added"]
        ),
        (&json!(1), &json!(214), &json!(0))
    );
    assert_eq!(s["diff"]["base_release_id"], first);
    assert_eq!(public_relief(&api).await, (json!(first), 215));
    assert_eq!(households_2015(&api).await.as_deref(), Some("957.4"));

    // Every role reads the draft with its trail and its changes.
    let d = api
        .get(&format!("/api/v1/admin/releases/{second}"), &reviewer)
        .await;
    let d = d.ok(200);
    assert_eq!(d["created_by"], "王编辑");
    assert_eq!(
        d["produced_at"].as_str().map(|p| &p[..10]),
        Some("2026-11-20")
    );
    let changes = d["changed_records"].as_array().expect("changed records");
    assert_eq!(d["changes"]["changed"], 1, "{d}");
    assert_eq!(changes.len(), 1, "{d}");
    assert_eq!(changes[0]["change"], "changed");
    let fields = changes[0]["fields"].as_array().expect("fields");
    assert!(!fields.is_empty(), "{d}");
    assert!(fields.iter().all(|f| f["old"] != f["new"]), "{d}");
    let drafts = api
        .get("/api/v1/admin/releases?state=draft", &publisher)
        .await;
    assert_eq!(drafts.ok(200)["releases"][0]["id"], second);
    api.get("/api/v1/admin/releases?state=nonsense", &publisher)
        .await
        .problem(400, "invalid_parameter");

    // Conflicts: a draft cannot be reviewed or published.
    let step = |id: i64, s: &str| format!("/api/v1/admin/releases/{id}/{s}");
    api.post(&step(second, "publish"), &publisher, json!({}))
        .await
        .problem(409, "conflict");
    api.post(&step(second, "review"), &reviewer, json!({}))
        .await
        .problem(409, "conflict");

    // Submit → review → publish by three people.
    assert_eq!(
        api.post(&step(second, "submit"), &editor, json!({}))
            .await
            .ok(200)["state"],
        "submitted"
    );
    assert_eq!(
        api.post(&step(second, "review"), &reviewer, json!({}))
            .await
            .ok(200)["state"],
        "reviewed"
    );
    assert_eq!(public_relief(&api).await, (json!(first), 215));
    let r = api
        .post(&step(second, "publish"), &publisher, json!({}))
        .await;
    assert_eq!(r.ok(200)["state"], "published");
    assert_eq!(public_relief(&api).await, (json!(second), 215));
    assert_eq!(households_2015(&api).await.as_deref(), Some("958.4"));
    api.post(&step(second, "publish"), &publisher, json!({}))
        .await
        .problem(409, "conflict");
    let old = api
        .get(&format!("/api/v1/admin/releases/{first}"), &editor)
        .await;
    assert_eq!(old.ok(200)["state"], "superseded");
    assert_eq!(old.body["superseded_by"], second);

    // Send back with a comment: a draft again, the comment kept, the trail cleared.
    let third = api
        .upload(
            "/api/v1/admin/datasets/relief/uploads?filename=stats.csv",
            &editor,
            with_cell(&csv, 2, "数值", "959.4").into_bytes(),
            Some("text/csv"),
        )
        .await;
    let third = third.ok(201)["release_id"].as_i64().expect("id");
    api.post(&step(third, "submit"), &editor, json!({}))
        .await
        .ok(200);
    api.post(&step(third, "send-back"), &reviewer, json!({"comment": ""}))
        .await
        .problem(400, "invalid_body");
    api.post(&step(third, "send-back"), &reviewer, json!({"note": "x"}))
        .await
        .problem(400, "invalid_body");
    let r = api
        .post(
            &step(third, "send-back"),
            &reviewer,
            json!({"comment": "第2行户数与公报不符，请核对"}),
        )
        .await;
    let back = r.ok(200);
    assert_eq!(back["state"], "draft");
    assert_eq!(back["review_comment"], "第2行户数与公报不符，请核对");
    assert_eq!(back["submitted_by"], Value::Null);
    api.post(&step(third, "publish"), &publisher, json!({}))
        .await
        .problem(409, "conflict");
    assert_eq!(public_relief(&api).await, (json!(second), 215));

    // Withdraw with a reason: the rows leave the public list; the history keeps the notice.
    api.post(&step(second, "withdraw"), &publisher, json!({}))
        .await
        .problem(400, "invalid_body");
    let reason = "统计口径调整，数据重新核定后另行发布";
    let r = api
        .post(
            &step(second, "withdraw"),
            &publisher,
            json!({"reason": reason}),
        )
        .await;
    let w = r.ok(200);
    assert_eq!(w["state"], "withdrawn");
    assert_eq!(w["withdrawn_reason"], reason);
    assert_eq!(w["withdrawn_by"], "张主任");
    let (release, total) = public_relief(&api).await;
    assert_eq!((release, total), (Value::Null, 0));
    assert_eq!(households_2015(&api).await, None);
    let detail = api.public("/api/v1/datasets/relief").await;
    let history = detail.ok(200)["releases"].as_array().expect("history");
    let withdrawn = history
        .iter()
        .find(|r| r["id"] == second)
        .unwrap_or_else(|| {
            panic!("the withdrawn release is not in the public history: {history:?}")
        });
    assert_eq!(withdrawn["state"], "withdrawn");
    assert_eq!(withdrawn["withdrawn_reason"], reason);
    assert!(
        history.iter().all(|r| r["id"] != third),
        "drafts are not public"
    );
    api.post(
        &step(second, "withdraw"),
        &publisher,
        json!({"reason": reason}),
    )
    .await
    .problem(409, "conflict");

    // Every step is in the audit log, and the chain holds.
    let admin = token(&t, "系统管理员", Role::Admin).await;
    let log = api.get("/api/v1/admin/audit?limit=1000", &admin).await;
    let actions: Vec<String> = log.ok(200)["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["subject"] == format!("release:{second}"))
        .map(|e| {
            format!(
                "{} {}",
                e["actor"].as_str().unwrap_or(""),
                e["action"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            "王编辑 release.upload",
            "王编辑 release.submit",
            "李科长 release.review",
            "张主任 release.publish",
            "张主任 release.withdraw",
        ]
    );
    let v = api.get("/api/v1/admin/audit/verify", &admin).await;
    assert_eq!(v.ok(200)["intact"], true, "{}", v.body);
    assert!(v.body["entries"].as_u64().is_some_and(|n| n >= 10));
    // Pages follow on.
    let p1 = api.get("/api/v1/admin/audit?limit=2", &admin).await;
    let next = p1.ok(200)["next_after"].as_i64().expect("next page");
    assert_eq!(next, 2);
    let p2 = api
        .get(&format!("/api/v1/admin/audit?after={next}&limit=2"), &admin)
        .await;
    assert_eq!(p2.ok(200)["entries"][0]["seq"], 3);
}

// ---------------------------------------------------------------------------------------------
// Uploads: limits and formats

/// POST `body` with `Transfer-Encoding: chunked` (no length up front) over a plain connection,
/// reading while writing; the answer as text (status line, headers, body).
async fn chunked_upload(base: &str, path: &str, token: &str, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://").to_string();
    let stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let (mut rd, mut wr) = stream.into_split();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let mut out = head.into_bytes();
    for chunk in body.chunks(8192) {
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    let writer = tokio::spawn(async move {
        for piece in out.chunks(4096) {
            // The server may answer and close before the whole body is sent.
            if wr.write_all(piece).await.is_err() {
                break;
            }
        }
        let _ = wr.flush().await;
        wr
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match rd.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    let _ = writer.await;
    String::from_utf8_lossy(&answer).into_owned()
}

async fn uploads(t: TestDb) {
    publish_relief(&t).await;
    // A body limit far below the file's size: uploads have their own limit.
    let config = api::http::Config {
        body_limit: 4096,
        upload_limit: 200 * 1024,
        ..Default::default()
    };
    let api = Api::new(&t, config).await;
    let editor = token(&t, "王编辑", Role::Editor).await;
    let csv = with_cell(&relief_csv(), 2, "数值", "958.4");
    assert!(csv.len() > 4096 * 10);

    // GBK, named by the filename parameter.
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&csv);
    assert!(!unmappable);
    let r = api
        .upload(
            "/api/v1/admin/datasets/relief/uploads?filename=%E6%95%91%E5%8A%A9.csv&table=relief.stats",
            &editor,
            gbk.into_owned(),
            Some("application/vnd.ms-excel"),
        )
        .await;
    let id = r.ok(201)["release_id"].as_i64().expect("id");
    let rel = api
        .get(&format!("/api/v1/admin/releases/{id}"), &editor)
        .await;
    let file = &rel.ok(200)["files"][0];
    assert_eq!(file["name"], "救助.csv");
    assert!(
        file["format"].as_str().is_some_and(|f| f.contains("GB")),
        "{file}"
    );

    // XLSX, told by its content type (no filename).
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv.as_bytes());
    for (r, rec) in rdr.records().enumerate() {
        for (c, cell) in rec.expect("record").iter().enumerate() {
            ws.write_string(r as u32, c as u16, cell).expect("write");
        }
    }
    let xlsx = wb.save_to_buffer().expect("xlsx");
    let r = api
        .upload(
            "/api/v1/admin/datasets/relief/uploads?table=stats",
            &editor,
            xlsx.clone(),
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
        .await;
    let id = r.ok(201)["release_id"].as_i64().expect("id");
    let rel = api
        .get(&format!("/api/v1/admin/releases/{id}"), &editor)
        .await;
    assert_eq!(rel.ok(200)["files"][0]["format"], "xlsx");
    // …or by its first bytes.
    let r = api
        .upload(
            "/api/v1/admin/datasets/relief/uploads",
            &editor,
            xlsx,
            Some("application/octet-stream"),
        )
        .await;
    r.ok(201);

    // Over the upload limit: 413, whether it says so up front or not.
    let big = csv.repeat(2).into_bytes();
    assert!(big.len() > 200 * 1024);
    let r = api
        .upload(
            "/api/v1/admin/datasets/relief/uploads?filename=big.csv",
            &editor,
            big.clone(),
            Some("text/csv"),
        )
        .await;
    let p = r.problem(413, "payload_too_large");
    assert!(
        p["detail"].as_str().is_some_and(|d| d.contains("204800")),
        "{p}"
    );
    let head = chunked_upload(
        &api.base,
        "/api/v1/admin/datasets/relief/uploads?filename=big.csv",
        &editor,
        &big,
    )
    .await;
    assert!(
        head.starts_with("HTTP/1.1 413") && head.contains("payload_too_large"),
        "{head}"
    );

    // Refusals before the file is read.
    let path = "/api/v1/admin/datasets/relief/uploads";
    api.upload(path, &editor, Vec::new(), Some("text/csv"))
        .await
        .problem(400, "invalid_body");
    api.upload(
        "/api/v1/admin/datasets/nope/uploads",
        &editor,
        b"x".to_vec(),
        None,
    )
    .await
    .problem(404, "not_found");
    api.upload(
        &format!("{path}?table=registry.organizations"),
        &editor,
        b"x".to_vec(),
        None,
    )
    .await
    .problem(400, "invalid_parameter");
    api.upload(
        &format!("{path}?produced_at=yesterday"),
        &editor,
        csv.clone().into_bytes(),
        Some("text/csv"),
    )
    .await
    .problem(400, "invalid_parameter");
    api.upload(
        path,
        &editor,
        b"--x\r\n".to_vec(),
        Some("multipart/form-data; boundary=x"),
    )
    .await
    .problem(415, "unsupported_media_type");
    // A file that is not a table at all.
    let r = api
        .upload(
            &format!("{path}?filename=notes.txt"),
            &editor,
            "这不是报表\n".as_bytes().to_vec(),
            None,
        )
        .await;
    let p = r.problem(422, "invalid_upload");
    assert_eq!(p["report"]["issues"][0]["file"], "notes.txt");
    assert_eq!(p["report"]["issues"][0]["row"], Value::Null);

    // The global limit still holds elsewhere.
    let admin = token(&t, "系统管理员", Role::Admin).await;
    let r = api
        .post(
            "/api/v1/admin/tokens",
            &admin,
            json!({"name": "x".repeat(5000), "role": "editor"}),
        )
        .await;
    r.problem(413, "payload_too_large");
}

// ---------------------------------------------------------------------------------------------
// Corrections

async fn corrections(t: TestDb) {
    let config = api::http::Config {
        corrections_per_hour: 4,
        ..Default::default()
    };
    let api = Api::new(&t, config).await;
    let post = |body: Value| {
        api.http
            .post(format!("{}/api/v1/corrections", api.base))
            .header("origin", "https://reader.example")
            .json(&body)
            .send()
    };

    // 1: received; the contact is not echoed.
    let r = Api::reply(
        post(json!({
            "dataset": "relief",
            "record": "/api/v1/relief-stats?region_code=430000&period=2021",
            "message": "湖南省2021年农村低保人数与省民政厅公报不一致",
            "contact": "reader@example.com"
        }))
        .await
        .expect("post"),
    )
    .await;
    let c = r.ok(201);
    assert_eq!(c["dataset"], "relief");
    assert_eq!(c["state"], "open");
    assert!(c["id"].is_i64() && c["created_at"].is_string());
    assert!(!r.body.to_string().contains("reader@example.com"));
    assert_eq!(r.header("access-control-allow-origin"), "*");
    let first = c["id"].as_i64().expect("id");
    // 2, 3: refused, and counted.
    let r = Api::reply(post(json!({"dataset": "relief"})).await.expect("post")).await;
    let p = r.problem(400, "invalid_body");
    assert!(
        p["detail"].as_str().is_some_and(|d| d.contains("message")),
        "{p}"
    );
    let r = Api::reply(
        post(json!({"dataset": "nope", "message": "x"}))
            .await
            .expect("post"),
    )
    .await;
    r.problem(404, "not_found");
    // Over 16 KiB: 413, not counted.
    let r = Api::reply(
        post(json!({"dataset": "relief", "message": "长".repeat(6000)}))
            .await
            .expect("post"),
    )
    .await;
    let p = r.problem(413, "payload_too_large");
    assert!(
        p["detail"].as_str().is_some_and(|d| d.contains("16384")),
        "{p}"
    );
    // Too long a field (under the body limit): 400 with the message.
    let r = Api::reply(
        post(json!({"dataset": "relief", "message": "x".repeat(2001)}))
            .await
            .expect("post"),
    )
    .await;
    r.problem(400, "invalid_body");
    // 4 was that one; 5 is past the limit.
    let r = Api::reply(
        post(json!({"dataset": "relief", "message": "第二条"}))
            .await
            .expect("post"),
    )
    .await;
    r.problem(429, "too_many_requests");
    let wait: u64 = r
        .header("retry-after")
        .parse()
        .expect("Retry-After seconds");
    assert!((1..=3600).contains(&wait), "{wait}");
    // Another address has its own allowance.
    let other = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .expect("client");
    let r = other
        .post(format!("{}/api/v1/corrections", api.base))
        .json(&json!({"dataset": "budgets", "message": "2021年决算数与公开文件不符"}))
        .send()
        .await;
    match r {
        Ok(r) => {
            Api::reply(r).await.ok(201);
        }
        // Some systems route only 127.0.0.1 on the loopback interface.
        Err(e) => tests::say(&format!("skipped the second address: {e}")),
    }
    // Preflight from any origin allows the POST.
    let r = api
        .http
        .request(Method::OPTIONS, format!("{}/api/v1/corrections", api.base))
        .header("origin", "https://reader.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .expect("preflight");
    assert!(r.status().is_success());
    assert_eq!(
        r.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("*")
    );

    // Editors list (with the contact) and resolve.
    let editor = token(&t, "王编辑", Role::Editor).await;
    let list = api
        .get("/api/v1/admin/corrections?state=open", &editor)
        .await;
    let open = list.ok(200)["corrections"]
        .as_array()
        .expect("list")
        .clone();
    let mine = open
        .iter()
        .find(|c| c["id"] == first)
        .expect("the first correction");
    assert_eq!(mine["contact"], "reader@example.com");
    assert_eq!(mine["state"], "open");
    api.get("/api/v1/admin/corrections?state=closed", &editor)
        .await
        .problem(400, "invalid_parameter");
    let resolve = format!("/api/v1/admin/corrections/{first}/resolve");
    api.post(&resolve, &editor, json!({"resolution": ""}))
        .await
        .problem(400, "invalid_body");
    let r = api
        .post(
            &resolve,
            &editor,
            json!({"resolution": "已核对原始公报并在第3版更正"}),
        )
        .await;
    let done = r.ok(200);
    assert_eq!(done["state"], "resolved");
    assert_eq!(done["resolved_by"], "王编辑");
    api.post(&resolve, &editor, json!({"resolution": "again"}))
        .await
        .problem(409, "conflict");
    let resolved = api
        .get("/api/v1/admin/corrections?state=resolved", &editor)
        .await;
    assert_eq!(resolved.ok(200)["corrections"][0]["id"], first);

    // The public counts.
    let reply = api.public("/api/v1/corrections/counts").await;
    // Counts change with every report, not with publications: revalidated by ETag only.
    assert!(reply.headers.get("last-modified").is_none());
    assert!(reply.headers.get("etag").is_some());
    let counts = reply.ok(200);
    assert_eq!(counts["relief"], json!({"open": 0, "resolved": 1}));
    assert!(counts["registry"].is_object(), "every dataset is listed");
    let expected_budgets = if open.iter().any(|c| c["dataset"] == "budgets") {
        1
    } else {
        0
    };
    assert_eq!(counts["budgets"]["open"], expected_budgets);
}

// ---------------------------------------------------------------------------------------------
// Tokens and the negative list

async fn tokens_and_negative_list(t: TestDb) {
    let api = Api::new(&t, Default::default()).await;
    let admin = token(&t, "系统管理员", Role::Admin).await;

    let r = api
        .post(
            "/api/v1/admin/tokens",
            &admin,
            json!({"name": "李科长", "role": "reviewer"}),
        )
        .await;
    let created = r.ok(201);
    let secret = created["secret"].as_str().expect("secret").to_string();
    assert!(secret.starts_with("gk_") && secret.len() == 51, "{secret}");
    assert_eq!(created["token"]["role"], "reviewer");
    assert_eq!(created["token"]["created_by"], "系统管理员");
    let id = created["token"]["id"].as_i64().expect("id");
    api.post(
        "/api/v1/admin/tokens",
        &admin,
        json!({"name": "x", "role": "boss"}),
    )
    .await
    .problem(400, "invalid_body");
    let list = api.get("/api/v1/admin/tokens", &admin).await;
    let listed = list.ok(200).to_string();
    assert!(listed.contains("李科长"));
    assert!(!listed.contains(&secret), "secrets are never listed");
    // The new token works until it is revoked.
    api.get("/api/v1/admin/releases", &secret).await.ok(200);
    let r = api
        .post(
            &format!("/api/v1/admin/tokens/{id}/revoke"),
            &admin,
            json!({}),
        )
        .await;
    assert!(r.ok(200)["revoked_at"].is_string());
    api.get("/api/v1/admin/releases", &secret)
        .await
        .problem(401, "unauthenticated");
    api.post(
        &format!("/api/v1/admin/tokens/{id}/revoke"),
        &admin,
        json!({}),
    )
    .await
    .problem(409, "conflict");

    // The negative list.
    let target = "registry.organizations.address";
    let reason = "住所含个人住址，不予公开";
    let r = api
        .post(
            "/api/v1/admin/negative-list",
            &admin,
            json!({"target": target, "reason": reason}),
        )
        .await;
    let e = r.ok(201);
    assert_eq!(
        (&e["target"], &e["table"], &e["field"]),
        (&json!(target), &json!("organizations"), &json!("address"))
    );
    api.post(
        "/api/v1/admin/negative-list",
        &admin,
        json!({"target": target, "reason": reason}),
    )
    .await
    .problem(409, "conflict");
    api.post(
        "/api/v1/admin/negative-list",
        &admin,
        json!({"target": "registry.organizations.nope", "reason": reason}),
    )
    .await
    .problem(400, "invalid_body");
    let editor = token(&t, "王编辑", Role::Editor).await;
    let list = api.get("/api/v1/admin/negative-list", &editor).await;
    assert_eq!(list.ok(200)["entries"][0]["target"], target);
    assert_eq!(list.body["entries"][0]["added_by"], "系统管理员");
    let del = api
        .call(
            Method::DELETE,
            &format!("/api/v1/admin/negative-list/{target}"),
            &admin,
            None,
        )
        .await;
    assert_eq!(del.status, 204);
    let again = api
        .call(
            Method::DELETE,
            &format!("/api/v1/admin/negative-list/{target}"),
            &admin,
            None,
        )
        .await;
    again.problem(404, "not_found");
    let bad = api
        .call(
            Method::DELETE,
            "/api/v1/admin/negative-list/a.b",
            &admin,
            None,
        )
        .await;
    bad.problem(400, "invalid_parameter");
}

both! {
    every_endpoint_checks_token_and_role => every_endpoint_checks_token_and_role;
    no_one_reviews_or_publishes_their_own_work => no_one_reviews_or_publishes_their_own_work;
    publishing_workflow => publishing_workflow;
    uploads => uploads;
    corrections => corrections;
    tokens_and_negative_list => tokens_and_negative_list;
}
