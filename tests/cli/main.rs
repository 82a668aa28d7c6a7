//! End-to-end tests of the `gongkai` binary: exit codes and messages of `import`, a kill in the
//! middle of an import, `generate` → `import all`, and `serve` on a fresh database.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tests::{Backend, Files, TestDb};

fn gongkai() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gongkai"));
    c.env_remove("GONGKAI_DATABASE_URL").env("RUST_LOG", "warn");
    c
}

const RELIEF_HEAD: &str = "地区代码,地区名称,统计期,期别类型,救助项目,指标,分组,数值,单位\n";

/// A relief file of `n` valid rows (county × month × programme).
fn big_relief_file(files: &Files, n: usize) -> std::path::PathBuf {
    let path = files.path().join("big.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    out.write_all(RELIEF_HEAD.as_bytes()).expect("write");
    let counties: Vec<&str> = schema::region::all()
        .iter()
        .filter(|r| r.level == "县级")
        .map(|r| r.code.as_str())
        .collect();
    let mut written = 0;
    'outer: for year in 2000..2100 {
        for m in 1..=12 {
            for c in &counties {
                writeln!(
                    out,
                    "{c},,{year}-{m:02},month_end,农村低保,人数,,{},人",
                    1000 + written % 5000
                )
                .expect("write");
                written += 1;
                if written == n {
                    break 'outer;
                }
            }
        }
    }
    out.flush().expect("flush");
    path
}

async fn killed_mid_import_leaves_database_unchanged(backend: Backend) {
    let Some(t) = TestDb::new(backend).await else {
        return;
    };
    let files = Files::new();
    let small = files.csv(
        "small.csv",
        &format!("{RELIEF_HEAD}430700,常德市,2017,year_end,农村低保,人数,治理前,22.22,万人\n"),
    );
    let ok = gongkai()
        .args(["--database-url", &t.url, "import", "relief"])
        .arg(&small)
        .args(["--source", "常德市民政局2017年度政府信息公开工作报告"])
        .output()
        .expect("run");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let before = t.fingerprint().await;

    let big = big_relief_file(&files, 600_000);
    let mut child = gongkai()
        .args(["--database-url", &t.url, "import", "relief"])
        .arg(&big)
        .args(["--source", "测试来源"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // Wait until the import is writing (the SQLite write-ahead log grows; PostgreSQL: a moment),
    // then kill it without warning.
    let started = Instant::now();
    let wal = t
        .url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .map(|p| format!("{p}-wal"))
        .unwrap_or_default();
    loop {
        std::thread::sleep(Duration::from_millis(50));
        let writing = match backend {
            Backend::Sqlite => std::fs::metadata(&wal)
                .map(|m| m.len() > 4 * 1024 * 1024)
                .unwrap_or(false),
            Backend::Postgres => started.elapsed() > Duration::from_millis(2500),
        };
        if writing || started.elapsed() > Duration::from_secs(120) {
            break;
        }
    }
    assert!(
        child.try_wait().expect("poll").is_none(),
        "the import finished before it could be killed"
    );
    child.kill().expect("kill");
    child.wait().expect("reap");

    let after = t.fingerprint().await;
    assert_eq!(before, after, "a killed import left a trace");
    if backend == Backend::Sqlite {
        let ok = t.texts("PRAGMA integrity_check").await;
        assert_eq!(ok, vec![vec![Some("ok".to_string())]]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_import_sqlite() {
    killed_mid_import_leaves_database_unchanged(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_import_postgres() {
    killed_mid_import_leaves_database_unchanged(Backend::Postgres).await;
}

#[test]
fn import_errors_exit_non_zero_and_name_row_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}?mode=rwc", dir.path().join("cli.db").display());
    let files = Files::new();
    let bad = files.csv(
        "bad.csv",
        &format!("{RELIEF_HEAD}430700,常德市,2017,year_end,农村低保,人数,,abc,万人\n"),
    );
    let report = dir.path().join("report.json");
    let out = gongkai()
        .args(["--database-url", &db, "import", "relief"])
        .arg(&bad)
        .args(["--source", "来源"])
        .arg("--report")
        .arg(&report)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.csv 第2行 「数值」列 值“abc”"),
        "{stderr}"
    );
    assert!(stderr.contains("共 1 处错误，未写入任何数据。"), "{stderr}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).expect("report")).expect("json");
    assert_eq!(json["ok"], false);
    assert_eq!(json["issues"][0]["row"], 2);
    assert_eq!(json["issues"][0]["column"], "数值");
    assert_eq!(json["issues"][0]["code"], "invalid_number");
}

fn generate_small(out: &Path, seed: &str) {
    let st = gongkai()
        .args(["generate", "--scale", "small", "--seed", seed])
        .arg(out)
        .output()
        .expect("run");
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
}

#[test]
fn generated_data_imports_and_is_marked_synthetic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("synthetic");
    generate_small(&out, "7");
    let db = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("synthetic.db").display()
    );
    let run = gongkai()
        .args(["--database-url", &db, "import", "all"])
        .arg(&out)
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(stdout.matches("合成数据").count(), 5, "{stdout}");
    // The imports are drafts: nothing is public before the three-step review.
    let datasets = || {
        let list = gongkai()
            .args(["--database-url", &db, "datasets"])
            .output()
            .expect("run");
        String::from_utf8_lossy(&list.stdout).into_owned()
    };
    assert!(
        datasets().lines().all(|l| l.contains(" 0 行")),
        "{}",
        datasets()
    );
    review_and_publish_all(&db);
    // Real data may not join it.
    let real = gongkai()
        .args(["--database-url", &db, "load-real"])
        .output()
        .expect("run");
    assert!(!real.status.success());
    let list = gongkai()
        .args(["--database-url", &db, "datasets"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&list.stdout);
    for slug in ["budgets", "funds", "relief", "registry", "annual_reports"] {
        let line = text
            .lines()
            .find(|l| l.starts_with(slug))
            .unwrap_or_else(|| panic!("{slug} in {text}"));
        assert!(!line.contains(" 0 行"), "{line}");
    }
    // The import indexed the organizations: `search` finds a common word and a credit code.
    let search = |q: &str| {
        let run = gongkai()
            .args(["--database-url", &db, "search", q])
            .output()
            .expect("run");
        let text = String::from_utf8_lossy(&run.stdout).into_owned();
        assert!(run.status.success(), "{text}");
        let total: u64 = text
            .lines()
            .find_map(|l| l.strip_prefix("total: "))
            .and_then(|t| t.split('（').next())
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or_else(|| panic!("a total in {text}"));
        (total, text)
    };
    let (n, text) = search("养老");
    assert!(n > 0, "{text}");
    let orgs = std::fs::read_to_string(out.join("registry/organizations.csv")).expect("orgs");
    let row = orgs.lines().nth(1).expect("an organization");
    let mut cells = row.split(',');
    let (code, name) = (cells.next().expect("code"), cells.next().expect("name"));
    let (n, text) = search(code);
    assert_eq!(n, 1, "{text}");
    assert!(text.contains(name), "{text}");
}

/// Run `gongkai` on `db`; (exit code, stdout, stderr).
fn run_on(db: &str, args: &[&str]) -> (i32, String, String) {
    let out = gongkai()
        .args(["--database-url", db])
        .args(args)
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every draft through the review from the command line: three people, three tokens; the
/// wrong role and one's own submission are refused (exit status 2); the audit log verifies.
fn review_and_publish_all(db: &str) {
    let token = |name: &str, role: &str| {
        let (code, out, err) = run_on(db, &["token", "create", "--name", name, "--role", role]);
        assert_eq!(code, 0, "{err}");
        let secret = out.trim().to_string();
        assert!(secret.starts_with("gk_"), "{out}");
        secret
    };
    let editor = token("编辑甲", "editor");
    let reviewer = token("审核乙", "reviewer");
    let publisher = token("发布丙", "publisher");
    // The editor also holds a reviewer's token: still the same person.
    let editor_as_reviewer = token("编辑甲", "reviewer");
    let (_, listed, _) = run_on(db, &["token", "list"]);
    assert!(!listed.contains(&editor), "a token list shows a secret");
    for slug in ["budgets", "funds", "relief", "registry", "annual_reports"] {
        let step = |verb: &str, token: &str| run_on(db, &["release", verb, slug, "--token", token]);
        assert_eq!(step("submit", &editor).0, 0);
        let (code, _, err) = step("review", &editor);
        assert_eq!(code, 2, "an editor may not review: {err}");
        assert!(err.contains("may not review"), "{err}");
        let (code, _, err) = step("review", &editor_as_reviewer);
        assert_eq!(code, 2, "the submitter may not review: {err}");
        assert!(err.contains("submitted release"), "{err}");
        assert_eq!(step("review", &reviewer).0, 0);
        let (code, _, err) = step("publish", &reviewer);
        assert_eq!(code, 2, "{err}");
        let (code, out, err) = step("publish", &publisher);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("published"), "{out}");
    }
    let (code, out, err) = run_on(db, &["audit", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("intact"), "{out}");
}

#[test]
fn generate_is_deterministic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    generate_small(&a, "42");
    generate_small(&b, "42");
    generate_small(&c, "43");
    let manifest = |p: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(p.join("MANIFEST.json")).expect("manifest"))
            .expect("json")
    };
    let (ma, mb, mc) = (manifest(&a), manifest(&b), manifest(&c));
    assert_eq!(ma["files"], mb["files"]);
    assert_ne!(ma["files"], mc["files"]);
    assert_eq!(ma["synthetic"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_loads_real_data_on_a_fresh_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("serve.db").display()
    );
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let mut child = gongkai()
        .args([
            "--database-url",
            &db,
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    let health = loop {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await {
            break r;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(health.status(), 200);
    let body: serde_json::Value = client
        .get(format!("{base}/api/v1/datasets"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let list = body["datasets"].as_array().expect("datasets");
    assert_eq!(list.len(), 5);
    for d in list {
        assert!(d["row_count"].as_i64().unwrap_or(0) > 0, "{d}");
        assert!(!d["sources"].as_array().expect("sources").is_empty(), "{d}");
        assert!(
            d["sources"][0]["title"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
    }
    let missing = client
        .get(format!("{base}/api/v1/nope"))
        .send()
        .await
        .expect("get");
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let _ = child.kill();
    let _ = child.wait();
}
