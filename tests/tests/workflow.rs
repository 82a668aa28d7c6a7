//! The publishing workflow end to end on SQLite and PostgreSQL: the review rules, withdrawal,
//! diffs and timeliness, the audit log's hash chain, readers during a publish, and the negative
//! list on every public face (REST, downloads, GraphQL, the static catalog).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use schema::import::{self, ImportFile, ImportOptions};
use schema::workflow::{self, Actor, Role, WorkflowError, tokens};
use serde_json::{Value, json};
use tests::{Files, TestDb, both};

const RELIEF_HEAD: &str =
    "地区代码,地区名称,统计期,期别类型,救助项目,指标,分组,数值,单位,原指标名称\n";

/// A relief file: one row per (county, programme), value `base + i`, and a distinctive
/// original indicator name per row.
fn relief_csv(files: &Files, name: &str, rows: usize, base: i64) -> std::path::PathBuf {
    let counties: Vec<&str> = schema::region::all()
        .iter()
        .filter(|r| r.level == "县级")
        .map(|r| r.code.as_str())
        .take(rows)
        .collect();
    let mut body = RELIEF_HEAD.to_string();
    for (i, c) in counties.iter().enumerate() {
        body.push_str(&format!(
            "{c},,2024,year_end,农村低保,人数,,{},人,原指标第{i}号\n",
            base + i as i64
        ));
    }
    files.csv(name, &body)
}

fn opts(produced_at: Option<&str>) -> ImportOptions {
    ImportOptions {
        produced_at: produced_at.map(str::to_string),
        ..tests::test_source()
    }
}

async fn draft(t: &TestDb, path: &Path, produced_at: Option<&str>) -> i64 {
    import::import(&t.db, "relief", &[ImportFile::new(path)], opts(produced_at))
        .await
        .expect("import")
        .release_id
}

async fn person(t: &TestDb, name: &str, role: Role) -> Actor {
    let (secret, _) = tokens::create(&t.db, &Actor::local(), name, role)
        .await
        .expect("token");
    tokens::authenticate(&t.db, &secret).await.expect("actor")
}

async fn serve(t: &TestDb) -> String {
    tests::serve_with(api::AppState::new(t.db.clone()), Default::default()).await
}

async fn get_json(base: &str, path: &str) -> Value {
    let r = reqwest::get(format!("{base}{path}")).await.expect("get");
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.expect("json")
}

async fn get_text(base: &str, path: &str) -> (u16, String) {
    let r = reqwest::get(format!("{base}{path}")).await.expect("get");
    let status = r.status().as_u16();
    (status, r.text().await.expect("text"))
}

async fn gql(base: &str, query: &str) -> Value {
    reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json")
}

fn public_values(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["value"]["value"].as_i64().expect("value"))
        .collect()
}

// ---------------------------------------------------------------------------------------------

async fn review_rules(t: TestDb) {
    let f = Files::new();
    let editor = person(&t, "编辑甲", Role::Editor).await;
    let reviewer = person(&t, "审核乙", Role::Reviewer).await;
    let publisher = person(&t, "发布丙", Role::Publisher).await;
    // The same people holding admin tokens: identity, not role, decides.
    let editor_admin = person(&t, "编辑甲", Role::Admin).await;
    let reviewer_admin = person(&t, "审核乙", Role::Admin).await;

    let v1 = draft(&t, &relief_csv(&f, "a.csv", 20, 1000), None).await;
    assert!(
        schema::query::current_release(&t.db, "relief")
            .await
            .expect("q")
            .is_none(),
        "an import is a draft, not public"
    );
    assert!(matches!(
        workflow::review(&t.db, &reviewer, v1).await,
        Err(WorkflowError::Conflict(_))
    ));
    assert!(matches!(
        workflow::submit(&t.db, &reviewer, v1).await,
        Err(WorkflowError::Forbidden(_))
    ));
    workflow::submit(&t.db, &editor, v1).await.expect("submit");
    for own in [&editor, &editor_admin] {
        assert!(
            matches!(
                workflow::review(&t.db, own, v1).await,
                Err(WorkflowError::Forbidden(_) | WorkflowError::SelfReview(_))
            ),
            "{} reviewed their own submission",
            own.name
        );
    }
    assert!(matches!(
        workflow::review(&t.db, &editor_admin, v1).await,
        Err(WorkflowError::SelfReview(_))
    ));
    workflow::review(&t.db, &reviewer, v1)
        .await
        .expect("review");
    assert!(matches!(
        workflow::publish(&t.db, &reviewer, v1).await,
        Err(WorkflowError::Forbidden(_))
    ));
    for own in [&editor_admin, &reviewer_admin] {
        assert!(
            matches!(
                workflow::publish(&t.db, own, v1).await,
                Err(WorkflowError::SelfReview(_))
            ),
            "{} published what they submitted or reviewed",
            own.name
        );
    }
    // Sent back with a comment: a draft again, the trail cleared.
    let back = workflow::send_back(&t.db, &publisher, v1, "第 3 行数值待核实")
        .await
        .expect("send back");
    assert_eq!(back.state, "draft");
    assert_eq!(back.review_comment.as_deref(), Some("第 3 行数值待核实"));
    assert_eq!(back.submitted_by, None);
    assert!(matches!(
        workflow::send_back(&t.db, &publisher, v1, "  ").await,
        Err(WorkflowError::Invalid(_))
    ));
    workflow::submit(&t.db, &editor, v1).await.expect("submit");
    workflow::review(&t.db, &reviewer, v1)
        .await
        .expect("review");
    let p = workflow::publish(&t.db, &publisher, v1)
        .await
        .expect("publish");
    assert_eq!(p.state, "published");
    assert_eq!(p.published_by.as_deref(), Some("发布丙"));
    assert!(matches!(
        workflow::publish(&t.db, &publisher, v1).await,
        Err(WorkflowError::Conflict(_))
    ));

    // A second release published supersedes the first, which points to it.
    let v2 = draft(&t, &relief_csv(&f, "b.csv", 20, 2000), None).await;
    workflow::submit(&t.db, &editor, v2).await.expect("submit");
    workflow::review(&t.db, &reviewer, v2)
        .await
        .expect("review");
    // Supersede by a release that is not reviewed yet: refused.
    let v3 = draft(&t, &relief_csv(&f, "c.csv", 20, 3000), None).await;
    assert!(matches!(
        workflow::supersede(&t.db, &publisher, v1, v3).await,
        Err(WorkflowError::Conflict(_))
    ));
    workflow::supersede(&t.db, &publisher, v1, v2)
        .await
        .expect("supersede");
    let old = workflow::release(&t.db, v1).await.expect("v1");
    assert_eq!(old.state, "superseded");
    assert_eq!(old.superseded_by, Some(v2));
    let current = schema::query::current_release(&t.db, "relief")
        .await
        .expect("q")
        .expect("current");
    assert_eq!(current.id, v2);
    // Superseded by a release of another dataset: the dataset has no current release, and the
    // history says what replaced it.
    let reg = tests::import_published(
        &t.db,
        "registry",
        &[ImportFile::new(
            tests::repo_root().join("data/real/registry/statistics.csv"),
        )],
        tests::test_source(),
    )
    .await
    .expect("registry")
    .release_id;
    workflow::supersede(&t.db, &publisher, v2, reg)
        .await
        .expect("supersede by another dataset");
    assert!(
        schema::query::current_release(&t.db, "relief")
            .await
            .expect("q")
            .is_none()
    );
    let d = schema::query::dataset_detail(&t.db, "relief")
        .await
        .expect("q")
        .expect("relief");
    let h2 = d.releases.iter().find(|r| r.id == v2).expect("v2 listed");
    assert_eq!(
        (h2.state.as_str(), h2.superseded_by),
        ("superseded", Some(reg))
    );
    assert!(
        d.releases.iter().all(|r| r.id != v3),
        "a draft is in the public history"
    );
}

// ---------------------------------------------------------------------------------------------

async fn withdrawn_release_leaves_every_face(t: TestDb) {
    gongkai::load_real_data(&t.db).await.expect("real data");
    let f = Files::new();
    let v2 = draft(&t, &relief_csv(&f, "v2.csv", 30, 7_770_000), None).await;
    tests::publish_release(&t.db, v2).await;
    let base = serve(&t).await;
    let page = get_json(&base, "/api/v1/relief-stats?limit=1000").await;
    assert_eq!(page["release"]["id"], v2);
    assert_eq!(page["total"], 30);
    let publisher = person(&t, "公开办", Role::Publisher).await;
    let reason = "第 2 版数值有误，已撤回核实";
    assert!(matches!(
        workflow::withdraw(&t.db, &publisher, v2, "").await,
        Err(WorkflowError::Invalid(_))
    ));
    workflow::withdraw(&t.db, &publisher, v2, reason)
        .await
        .expect("withdraw");

    // REST: no rows, no totals, empty downloads.
    let page = get_json(&base, "/api/v1/relief-stats?limit=1000").await;
    assert_eq!(page["total"], 0, "{page}");
    assert!(page["release"].is_null());
    let (_, csv) = get_text(&base, "/api/v1/relief-stats.csv").await;
    assert!(!csv.contains("7770000") && !csv.contains("777"), "{csv}");
    let (_, nd) = get_text(&base, "/api/v1/relief-stats.ndjson").await;
    assert!(nd.trim().is_empty(), "{nd}");
    // The notice stays, with its reason.
    let d = get_json(&base, "/api/v1/datasets/relief").await;
    assert!(d["release"].is_null());
    let h = d["releases"]
        .as_array()
        .expect("releases")
        .iter()
        .find(|r| r["id"] == v2)
        .expect("the withdrawn release stays in the history");
    assert_eq!(h["state"], "withdrawn");
    assert_eq!(h["withdrawn_reason"], reason);
    let (status, _) = get_text(
        &base,
        &format!("/api/v1/datasets/relief/releases/{v2}/changes"),
    )
    .await;
    assert_eq!(status, 404, "a withdrawn release's changes are not public");
    // GraphQL: no rows, the notice in the history.
    let g = gql(
        &base,
        r#"{ reliefStats(first: 100) { totalCount edges { node { value { value } } } }
            dataset(slug: "relief") { release { id } releases { id state withdrawnReason } } }"#,
    )
    .await;
    assert!(g.get("errors").is_none(), "{g}");
    assert_eq!(g["data"]["reliefStats"]["totalCount"], 0, "{g}");
    assert!(g["data"]["dataset"]["release"].is_null());
    assert!(
        g["data"]["dataset"]["releases"]
            .as_array()
            .expect("list")
            .iter()
            .any(|r| r["state"] == "withdrawn" && r["withdrawnReason"] == reason),
        "{g}"
    );
    // The static catalog: the notice on the page, none of the rows anywhere.
    let tmp = tempfile::tempdir().expect("tmp");
    catalog::build(&t.db, &catalog::Options::new(tmp.path().join("site")))
        .await
        .expect("build");
    let site = site_texts(&tmp.path().join("site"));
    let page = &site["datasets/relief/index.html"];
    assert!(page.contains(reason), "the notice is on the dataset page");
    assert!(page.contains("已撤回"));
    for (name, text) in &site {
        assert!(
            !text.contains("7770000") && !text.contains("7,770,000"),
            "{name} shows a withdrawn row"
        );
    }
}

// ---------------------------------------------------------------------------------------------

/// Every file of a built site as text: XLSX cells joined, gzip unpacked.
fn site_texts(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let name = p
                .strip_prefix(root)
                .expect("under")
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(&p).expect("read");
            out.insert(name.clone(), text_of(&name, &bytes));
        }
    }
    out
}

fn text_of(name: &str, bytes: &[u8]) -> String {
    if name.ends_with(".xlsx") {
        use calamine::Reader;
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
        let mut text = String::new();
        for sheet in wb.sheet_names() {
            if let Ok(range) = wb.worksheet_range(&sheet) {
                for row in range.rows() {
                    for c in row {
                        text.push_str(&c.to_string());
                        text.push('\t');
                    }
                    text.push('\n');
                }
            }
        }
        return text;
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut s = Vec::new();
        if flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut s)
            .is_ok()
        {
            return String::from_utf8_lossy(&s).into_owned();
        }
    }
    String::from_utf8_lossy(bytes).into_owned()
}

// ---------------------------------------------------------------------------------------------

async fn diffs_and_timeliness(t: TestDb) {
    let f = Files::new();
    let today = chrono::Utc::now().date_naive();
    let two_days_ago = (today - chrono::Duration::days(2)).to_string();
    let ten_days_ago = (today - chrono::Duration::days(10)).to_string();
    // v1: 20 rows. v2: rows 0–17 of v1, row 3's value changed, plus 2 rows new (20 of 22 counties).
    let v1 = draft(&t, &relief_csv(&f, "v1.csv", 20, 1000), Some(&two_days_ago)).await;
    tests::publish_release(&t.db, v1).await;
    let mut body = std::fs::read_to_string(relief_csv(&f, "v2src.csv", 22, 1000)).expect("read");
    let lines: Vec<String> = body.lines().map(str::to_string).collect();
    let mut kept: Vec<String> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        // Row i is at line i + 1; drop rows 18 and 19, change row 3.
        if i == 19 || i == 20 {
            continue;
        }
        if i == 4 {
            kept.push(l.replace(",1003,人,", ",1503,人,"));
        } else {
            kept.push(l.clone());
        }
    }
    body = kept.join("\n") + "\n";
    let summary = import::import(
        &t.db,
        "relief",
        &[ImportFile::new(f.csv("v2.csv", &body))],
        opts(Some(&ten_days_ago)),
    )
    .await
    .expect("v2");
    let d = &summary.diff;
    assert_eq!(d.base_release_id, Some(v1));
    assert_eq!(
        (d.added, d.removed, d.changed, d.unchanged),
        (2, 2, 1, 17),
        "{d:?}"
    );
    tests::publish_release(&t.db, summary.release_id).await;
    let v2 = summary.release_id;

    let base = serve(&t).await;
    let ch = get_json(
        &base,
        &format!("/api/v1/datasets/relief/releases/{v2}/changes?limit=10"),
    )
    .await;
    let changes = ch["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 5, "{ch}");
    let changed = changes
        .iter()
        .find(|c| c["change"] == "changed")
        .expect("a changed record");
    assert_eq!(
        changed["fields"],
        json!([
            {"field": "value", "old": 1003, "new": 1503},
            {"field": "value_published", "old": "1003", "new": "1503"}
        ]),
        "{changed}"
    );
    assert!(
        changed["key"]
            .as_str()
            .expect("key")
            .contains("period=2024")
    );
    assert_eq!(changes.iter().filter(|c| c["change"] == "added").count(), 2);
    assert_eq!(
        changes.iter().filter(|c| c["change"] == "removed").count(),
        2
    );
    // Paged.
    let p1 = get_json(
        &base,
        &format!("/api/v1/datasets/relief/releases/{v2}/changes?limit=3"),
    )
    .await;
    assert_eq!(p1["next_offset"], 3);

    // Timeliness: v1 within 3 days, v2 not (10 days): 1 of 2, 50.0%.
    let detail = get_json(&base, "/api/v1/datasets/relief").await;
    assert_eq!(
        detail["timeliness"],
        json!({"published": 2, "within_3_days": 1, "share_percent": "50.0", "undated": 0})
    );
    let hist = detail["releases"].as_array().expect("history");
    let h2 = hist.iter().find(|r| r["id"] == v2).expect("v2");
    assert_eq!(h2["within_3_days"], false);
    assert_eq!(h2["changes"]["changed"], 1);
    assert_eq!(h2["produced_at"], ten_days_ago.as_str());

    // GraphQL gives the same.
    let g = gql(
        &base,
        &format!(
            r#"{{ dataset(slug: "relief") {{ timeliness {{ published within3Days sharePercent }}
                  releases {{ id within3Days changes {{ added removed changed unchanged }} }} }}
                releaseChanges(dataset: "relief", release: {v2}, limit: 10) {{ change key fields {{ field old new }} }} }}"#
        ),
    )
    .await;
    assert!(g.get("errors").is_none(), "{g}");
    assert_eq!(
        g["data"]["dataset"]["timeliness"],
        json!({"published": 2, "within3Days": 1, "sharePercent": "50.0"})
    );
    assert_eq!(
        g["data"]["releaseChanges"].as_array().map(Vec::len),
        Some(5)
    );

    // The catalog's dataset page shows the changes.
    let tmp = tempfile::tempdir().expect("tmp");
    catalog::build(&t.db, &catalog::Options::new(tmp.path().join("site")))
        .await
        .expect("build");
    let page =
        std::fs::read_to_string(tmp.path().join("site/datasets/relief/index.html")).expect("page");
    assert!(
        page.contains("新增 2 条，删除 2 条，修改 1 条，未变 17 条"),
        "changes summary"
    );
    assert!(page.contains("value: 1003 → 1503"), "the changed field");
    assert!(page.contains("1/2（50.0%）"), "timeliness");

    // A production date in the future is refused, and so is nonsense.
    for bad in ["2999-01-01", "昨天"] {
        let r = import::import(
            &t.db,
            "relief",
            &[ImportFile::new(relief_csv(&f, "x.csv", 2, 1))],
            opts(Some(bad)),
        )
        .await;
        assert!(r.is_err(), "{bad} accepted");
    }
}

// ---------------------------------------------------------------------------------------------

async fn exec(t: &TestDb, sql: &str) {
    use sea_orm::ConnectionTrait;
    t.db.execute_unprepared(sql).await.expect(sql);
}

async fn audit_tampering_is_detected(t: TestDb) {
    let f = Files::new();
    for i in 0..3 {
        let v = draft(&t, &relief_csv(&f, &format!("{i}.csv"), 5, 100 * i), None).await;
        tests::publish_release(&t.db, v).await;
    }
    let intact = workflow::audit::verify(&t.db).await.expect("verify");
    assert!(intact.problem.is_none(), "{intact:?}");
    let n = intact.entries as i64;
    assert!(n > 10, "{n} entries");
    let first_bad = |v: workflow::audit::Verdict| v.problem.map(|p| p.seq);

    // Edit an entry.
    let row = t
        .texts("SELECT detail FROM audit_log WHERE seq = 5")
        .await
        .remove(0)
        .remove(0)
        .expect("detail");
    exec(
        &t,
        "UPDATE audit_log SET detail = '{\"dataset\":\"relief\"}' WHERE seq = 5",
    )
    .await;
    let v = workflow::audit::verify(&t.db).await.expect("verify");
    assert_eq!(first_bad(v.clone()), Some(5), "{v:?}");
    exec(
        &t,
        &format!(
            "UPDATE audit_log SET detail = '{}' WHERE seq = 5",
            row.replace('\'', "''")
        ),
    )
    .await;
    assert!(
        workflow::audit::verify(&t.db)
            .await
            .expect("verify")
            .problem
            .is_none()
    );
    // Change who did it.
    let actor = t
        .texts("SELECT actor FROM audit_log WHERE seq = 7")
        .await
        .remove(0)
        .remove(0)
        .expect("actor");
    exec(&t, "UPDATE audit_log SET actor = '别人' WHERE seq = 7").await;
    assert_eq!(
        first_bad(workflow::audit::verify(&t.db).await.expect("verify")),
        Some(7)
    );
    exec(
        &t,
        &format!("UPDATE audit_log SET actor = '{actor}' WHERE seq = 7"),
    )
    .await;
    assert!(
        workflow::audit::verify(&t.db)
            .await
            .expect("verify")
            .problem
            .is_none()
    );

    // Reorder: entries 3 and 4 swap places.
    exec(&t, "UPDATE audit_log SET seq = -3 WHERE seq = 3").await;
    exec(&t, "UPDATE audit_log SET seq = 3 WHERE seq = 4").await;
    exec(&t, "UPDATE audit_log SET seq = 4 WHERE seq = -3").await;
    let v = workflow::audit::verify(&t.db).await.expect("verify");
    assert_eq!(first_bad(v.clone()), Some(3), "{v:?}");

    // Delete an entry in the middle.
    exec(&t, "DELETE FROM audit_log WHERE seq = 2").await;
    let v = workflow::audit::verify(&t.db).await.expect("verify");
    assert_eq!(first_bad(v.clone()), Some(2), "{v:?}");
    assert!(
        v.problem
            .as_ref()
            .is_some_and(|p| p.message.contains("missing")),
        "{v:?}"
    );
}

async fn audit_truncation_is_detected(t: TestDb) {
    let f = Files::new();
    let v = draft(&t, &relief_csv(&f, "a.csv", 5, 1), None).await;
    tests::publish_release(&t.db, v).await;
    let n = workflow::audit::verify(&t.db)
        .await
        .expect("verify")
        .entries as i64;
    // Cut the last two entries off: the chain that is left is consistent, the head is not.
    exec(&t, &format!("DELETE FROM audit_log WHERE seq >= {}", n - 1)).await;
    let v = workflow::audit::verify(&t.db).await.expect("verify");
    let p = v.problem.expect("truncation noticed");
    assert_eq!(p.seq, n - 1, "{p:?}");
    assert!(p.message.contains("removed"), "{p:?}");
}

// ---------------------------------------------------------------------------------------------

async fn concurrent_readers_never_see_a_mix(t: TestDb) {
    let f = Files::new();
    const ROWS: usize = 200;
    let a = relief_csv(&f, "a.csv", ROWS, 1_000);
    let b = relief_csv(&f, "b.csv", ROWS, 500_000);
    let sum = |base: i64| (0..ROWS as i64).map(|i| base + i).sum::<i64>();
    let (sum_a, sum_b) = (sum(1_000), sum(500_000));
    let first = draft(&t, &a, None).await;
    tests::publish_release(&t.db, first).await;
    let base = serve(&t).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..3 {
        let (base, stop) = (base.clone(), stop.clone());
        readers.push(tokio::spawn(async move {
            let c = reqwest::Client::new();
            let mut seen = 0u32;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let page: Value = c
                    .get(format!("{base}/api/v1/relief-stats?limit=1000"))
                    .send()
                    .await
                    .expect("get")
                    .json()
                    .await
                    .expect("json");
                let values = public_values(&page);
                assert_eq!(values.len(), ROWS, "a page of a partly published release");
                assert_eq!(page["total"], ROWS as i64);
                let s: i64 = values.iter().sum();
                // Odd versions hold file A, even versions file B.
                let version = page["release"]["version"].as_i64().expect("version");
                let expected = if version % 2 == 1 { sum_a } else { sum_b };
                assert_eq!(
                    s, expected,
                    "rows of version {version} mixed with another release's"
                );
                seen += 1;
            }
            seen
        }));
    }
    for i in 0..6 {
        let file = if i % 2 == 0 { &b } else { &a };
        let v = draft(&t, file, None).await;
        tests::publish_release(&t.db, v).await;
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut total = 0;
    for r in readers {
        total += r.await.expect("a reader saw a mixed state");
    }
    assert!(
        total > 6,
        "the readers read while publishing ({total} reads)"
    );
    let last = schema::query::current_release(&t.db, "relief")
        .await
        .expect("q")
        .expect("current");
    assert_eq!(last.version, 7);
}

// ---------------------------------------------------------------------------------------------

/// Every public text of the service and the catalog, keyed by where it came from.
async fn public_texts(t: &TestDb, base: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for path in [
        "/api/v1/relief-stats?limit=1000",
        "/api/v1/relief-stats.csv",
        "/api/v1/relief-stats.json",
        "/api/v1/relief-stats.ndjson",
        "/api/v1/illegal-organizations?limit=1000",
        "/api/v1/illegal-organizations.csv",
        "/api/v1/datasets/relief",
        "/api/v1/datasets/registry",
        "/api/3/action/package_show?id=relief",
        "/api/3/action/package_show?id=registry",
    ] {
        let (_, text) = get_text(base, path).await;
        out.insert(path.to_string(), text);
    }
    let r = reqwest::get(format!("{base}/api/v1/relief-stats.xlsx"))
        .await
        .expect("xlsx");
    out.insert(
        "/api/v1/relief-stats.xlsx".into(),
        text_of("x.xlsx", &r.bytes().await.expect("bytes")),
    );
    let g = gql(
        base,
        r#"{ reliefStats(first: 1000) { edges { node { indicatorPublished value { value } } } }
            illegalOrganizations(first: 100) { edges { node { name } } } }"#,
    )
    .await;
    out.insert("graphql".into(), g.to_string());
    let tmp = tempfile::tempdir().expect("tmp");
    catalog::build(&t.db, &catalog::Options::new(tmp.path().join("site")))
        .await
        .expect("build");
    for (name, text) in site_texts(&tmp.path().join("site")) {
        out.insert(format!("catalog/{name}"), text);
    }
    out
}

fn holding<'a>(texts: &'a BTreeMap<String, String>, needle: &str) -> Vec<&'a str> {
    texts
        .iter()
        .filter(|(_, v)| v.contains(needle))
        .map(|(k, _)| k.as_str())
        .collect()
}

async fn negative_list_never_leaves(t: TestDb) {
    gongkai::load_real_data(&t.db).await.expect("real data");
    let f = Files::new();
    let v = draft(&t, &relief_csv(&f, "r.csv", 12, 4242), None).await;
    tests::publish_release(&t.db, v).await;
    let base = serve(&t).await;
    // A field's values and a dataset's rows, before: on every face (so the check can fail).
    let field_value = "原指标第7号";
    let org_name = "中国美学研究会";
    let before = public_texts(&t, &base).await;
    for needle in [field_value, org_name] {
        let faces = holding(&before, needle);
        for face in [
            "/api/v1/relief-stats?limit=1000",
            "/api/v1/relief-stats.csv",
            "/api/v1/relief-stats.json",
            "/api/v1/relief-stats.ndjson",
            "/api/v1/relief-stats.xlsx",
            "/api/v1/illegal-organizations?limit=1000",
            "/api/v1/illegal-organizations.csv",
            "graphql",
        ] {
            if (needle == org_name) == face.contains("illegal") || face == "graphql" {
                assert!(faces.contains(&face), "{needle} not on {face} before");
            }
        }
        assert!(
            faces.iter().any(|f| f.starts_with("catalog/")),
            "{needle} not in the catalog before"
        );
    }

    let admin = person(&t, "管理员", Role::Admin).await;
    let editor = person(&t, "编辑", Role::Editor).await;
    let field = workflow::negative::Target::parse("relief.stats.indicator_published").expect("t");
    assert!(matches!(
        workflow::negative::add(&t.db, &editor, &field, "含内部口径").await,
        Err(WorkflowError::Forbidden(_))
    ));
    workflow::negative::add(&t.db, &admin, &field, "含内部口径")
        .await
        .expect("withhold a field");
    let whole = workflow::negative::Target::parse("registry").expect("t");
    workflow::negative::add(&t.db, &admin, &whole, "名单待复核")
        .await
        .expect("withhold a dataset");
    assert!(workflow::negative::Target::parse("relief.stats.no_such").is_err());
    // GraphQL gives a kept answer again while the catalog's state is what it was, checked at
    // most once a second: past that second, every answer is read anew.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    let after = public_texts(&t, &base).await;
    for needle in [field_value, org_name] {
        assert_eq!(
            holding(&after, needle),
            Vec::<&str>::new(),
            "{needle} left through these faces"
        );
    }
    // The rest of the rows are still public; the withheld field is null, described as such.
    let page = get_json(&base, "/api/v1/relief-stats?limit=1000").await;
    assert_eq!(public_values(&page).len(), 12);
    assert!(
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|i| i["indicator_published"].is_null())
    );
    let d = get_json(&base, "/api/v1/datasets/relief").await;
    let fields = d["dictionary"].as_array().expect("dictionary");
    assert!(
        fields
            .iter()
            .any(|f| f["key"] == "indicator_published" && f["withheld"] == true)
    );
    let r = get_json(&base, "/api/v1/datasets/registry").await;
    assert_eq!(r["withheld"], "名单待复核");
    assert!(r["release"].is_null());
    // Sorting on a withheld field would tell its values: refused.
    let (status, body) = get_text(&base, "/api/v1/relief-stats?sort=indicator_published").await;
    assert_eq!(status, 400, "{body}");
    // Editors still see it.
    let rows = t
        .scalar(&format!(
            "SELECT COUNT(*) FROM relief_stats WHERE release_id = {v} AND indicator_published = '{field_value}'"
        ))
        .await;
    assert_eq!(rows, 1, "the withheld value is still stored");
    // A required field withheld: REST gives null, GraphQL (where the field cannot be null) an
    // error that says why, and neither the value.
    let required = workflow::negative::Target::parse("relief.stats.programme").expect("t");
    workflow::negative::add(&t.db, &admin, &required, "口径调整中")
        .await
        .expect("withhold a required field");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let page = get_json(&base, "/api/v1/relief-stats?limit=5").await;
    assert!(page["items"][0]["programme"].is_null(), "{page}");
    let g = gql(
        &base,
        "{ reliefStats(first: 5) { edges { node { id programme } } } }",
    )
    .await;
    assert_eq!(g["errors"][0]["extensions"]["code"], "forbidden", "{g}");
    assert!(!g.to_string().contains("农村低保"), "{g}");
    workflow::negative::remove(&t.db, &admin, &required)
        .await
        .expect("remove");
    // Off the list: public again.
    workflow::negative::remove(&t.db, &admin, &field)
        .await
        .expect("remove");
    let (_, csv) = get_text(&base, "/api/v1/relief-stats.csv").await;
    assert!(csv.contains(field_value));
}

both! {
    review_rules => review_rules;
    withdrawn_release_leaves_every_face => withdrawn_release_leaves_every_face;
    diffs_and_timeliness => diffs_and_timeliness;
    audit_tampering_is_detected => audit_tampering_is_detected;
    audit_truncation_is_detected => audit_truncation_is_detected;
    concurrent_readers_never_see_a_mix => concurrent_readers_never_see_a_mix;
    negative_list_never_leaves => negative_list_never_leaves;
}
