//! Support for gongkai's end-to-end tests: a database per test on SQLite or PostgreSQL, file
//! fixtures, and small query helpers. Every suite that touches the database runs on both.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests use: `GONGKAI_TEST_POSTGRES_URL`, default the local trust server.
pub fn postgres_admin_url() -> String {
    std::env::var("GONGKAI_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Say something the test harness does not capture (it captures `print!`, not direct writes).
pub fn say(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{msg}");
}

/// A fresh, migrated database for one test. PostgreSQL databases are dropped afterwards.
pub struct TestDb {
    pub db: DatabaseConnection,
    pub url: String,
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Whether the PostgreSQL server answers, asked once per test binary: a TCP probe first (a
/// refused port fails at once instead of waiting out the pool's retries), then a real connection.
async fn postgres_reachable() -> bool {
    static REACHABLE: tokio::sync::OnceCell<bool> = tokio::sync::OnceCell::const_new();
    *REACHABLE
        .get_or_init(|| async {
            let url = postgres_admin_url();
            let authority = url
                .split("://")
                .nth(1)
                .unwrap_or("")
                .split('/')
                .next()
                .unwrap_or("");
            let host_port = authority.rsplit('@').next().unwrap_or("");
            let addr = if host_port.contains(':') {
                host_port.to_string()
            } else {
                format!("{host_port}:5432")
            };
            let probe = std::net::ToSocketAddrs::to_socket_addrs(&addr)
                .ok()
                .and_then(|mut a| a.next())
                .map(|a| {
                    std::net::TcpStream::connect_timeout(&a, std::time::Duration::from_secs(2))
                        .is_ok()
                })
                .unwrap_or(false);
            if !probe {
                return false;
            }
            match sea_orm::Database::connect(url).await {
                Ok(db) => db.ping().await.is_ok(),
                Err(_) => false,
            }
        })
        .await
}

impl TestDb {
    /// A new database on `backend`, or None when PostgreSQL is not reachable (the test is then
    /// skipped, loudly; with `GONGKAI_REQUIRE_POSTGRES=1`, as in CI, it fails instead).
    pub async fn new(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("tempdir");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
                let db = gongkai::open_database(&url)
                    .await
                    .expect("migrate SQLite test database");
                Some(TestDb {
                    db,
                    url,
                    backend,
                    _dir: Some(dir),
                    pg_name: None,
                })
            }
            Backend::Postgres => {
                if !postgres_reachable().await {
                    if std::env::var("GONGKAI_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
                        panic!(
                            "PostgreSQL at {} is not reachable and GONGKAI_REQUIRE_POSTGRES=1",
                            postgres_admin_url()
                        );
                    }
                    say(&format!(
                        "\nSKIPPED (PostgreSQL not reachable at {}): this PostgreSQL test did not run",
                        postgres_admin_url()
                    ));
                    return None;
                }
                let name = format!(
                    "gk_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst)
                );
                let admin = sea_orm::Database::connect(postgres_admin_url())
                    .await
                    .expect("connect PostgreSQL");
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
                    .await
                    .expect("drop old test database");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                let base = postgres_admin_url();
                let url = match base.rfind('/') {
                    Some(i) => format!("{}/{name}", &base[..i]),
                    None => base,
                };
                let db = gongkai::open_database(&url)
                    .await
                    .expect("migrate PostgreSQL test database");
                Some(TestDb {
                    db,
                    url,
                    backend,
                    _dir: None,
                    pg_name: Some(name),
                })
            }
        }
    }

    /// One integer from a query.
    pub async fn scalar(&self, sql: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                self.db.get_database_backend(),
                sql.to_string(),
            ))
            .await
            .expect("query")
            .expect("a row");
        row.try_get_by_index::<i64>(0)
            .or_else(|_| row.try_get_by_index::<i32>(0).map(i64::from))
            .expect("an integer")
    }

    /// Rows of text columns from a query.
    pub async fn texts(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        let rows = self
            .db
            .query_all_raw(Statement::from_string(
                self.db.get_database_backend(),
                sql.to_string(),
            ))
            .await
            .expect("query");
        rows.iter()
            .map(|r| {
                let mut out = Vec::new();
                let mut i = 0;
                while let Ok(v) = r.try_get_by_index::<Option<String>>(i) {
                    out.push(v);
                    i += 1;
                }
                out
            })
            .collect()
    }

    /// Every row of every data and catalog table, for "unchanged" checks.
    pub async fn fingerprint(&self) -> Vec<(String, i64)> {
        let mut out = Vec::new();
        for t in [
            "releases",
            "sources",
            "release_sources",
            "meta",
            "funds",
            "budget_lines",
            "fund_lines",
            "relief_stats",
            "organizations",
            "inspections",
            "evaluations",
            "penalties",
            "credit_listings",
            "charity_filings",
            "illegal_organizations",
            "org_stats",
            "report_cells",
            "search_postings",
            "search_indexes",
        ] {
            out.push((
                t.to_string(),
                self.scalar(&format!("SELECT COUNT(*) FROM {t}")).await,
            ));
        }
        let cur = self
            .texts("SELECT slug, CAST(current_release_id AS TEXT) FROM datasets ORDER BY slug")
            .await;
        for r in cur {
            out.push((format!("{:?}", r), 0));
        }
        out
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            let url = postgres_admin_url();
            // Drop on a thread of its own: Drop may run inside a runtime.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    let admin = sea_orm::Database::connect(url).await.ok()?;
                    admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await
                        .ok()
                })
            })
            .join();
        }
    }
}

/// A folder for fixture files of one test.
pub struct Files {
    pub dir: tempfile::TempDir,
}

impl Default for Files {
    fn default() -> Self {
        Self::new()
    }
}

impl Files {
    pub fn new() -> Self {
        Files {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// Write a UTF-8 CSV file.
    pub fn csv(&self, name: &str, body: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, body).expect("write fixture");
        p
    }

    /// Write raw bytes.
    pub fn bytes(&self, name: &str, body: &[u8]) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, body).expect("write fixture");
        p
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// The repository root (for data/ and the built binary).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The `gongkai` binary built alongside the tests.
pub fn gongkai_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // target/<profile>/deps/<test> → target/<profile>/gongkai
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    dir.join(format!("gongkai{}", std::env::consts::EXE_SUFFIX))
}

/// The source every test import cites.
pub fn test_source() -> schema::import::ImportOptions {
    schema::import::ImportOptions {
        source: Some(schema::import::SourceFields {
            title: "测试来源文件".into(),
            url: Some("https://example.gov.cn/doc".into()),
            publisher_date: None,
            document_number: None,
            grade: Some("A".into()),
        }),
        ..Default::default()
    }
}

/// Generate the small synthetic data (seed 3) and import the given datasets; the files stay in
/// the returned directory (for importing again).
pub async fn load_synthetic(t: &TestDb, datasets: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    schema::synthetic::generate(schema::synthetic::Scale::Small, 3, dir.path(), &|_, _| {})
        .expect("generate");
    for d in datasets {
        import_dir(t, d, &dir.path().join(d)).await;
    }
    dir
}

/// Import every file of `dir` as one release of `dataset`, organizations first (the tables
/// that refer to them check the references).
pub async fn import_dir(t: &TestDb, dataset: &str, dir: &Path) {
    let mut files: Vec<schema::import::ImportFile> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| schema::import::ImportFile::new(e.expect("entry").path()))
        .collect();
    files.sort_by_key(|f| {
        let name = f.path.file_name().map(|n| n.to_string_lossy().to_string());
        (name.as_deref() != Some("organizations.csv"), name)
    });
    let summary = schema::import::import(&t.db, dataset, &files, test_source())
        .await
        .expect("import");
    publish_release(&t.db, summary.release_id).await;
}

/// The three people of a test review: an editor, a reviewer and a publisher.
pub async fn reviewers(db: &sea_orm::DatabaseConnection) -> [schema::workflow::Actor; 3] {
    use schema::workflow::{Actor, Role, tokens};
    let mut out = Vec::new();
    for (name, role) in [
        ("测试编辑", Role::Editor),
        ("测试审核", Role::Reviewer),
        ("测试发布", Role::Publisher),
    ] {
        let (secret, _) = tokens::create(db, &Actor::local(), name, role)
            .await
            .expect("token");
        out.push(tokens::authenticate(db, &secret).await.expect("actor"));
    }
    let [e, r, p] = <[Actor; 3]>::try_from(out).expect("three actors");
    [e, r, p]
}

/// Take a draft through the three-step review to publication (three different people).
pub async fn publish_release(db: &sea_orm::DatabaseConnection, release_id: i64) {
    use schema::workflow;
    let [editor, reviewer, publisher] = reviewers(db).await;
    workflow::submit(db, &editor, release_id)
        .await
        .expect("submit");
    workflow::review(db, &reviewer, release_id)
        .await
        .expect("review");
    workflow::publish(db, &publisher, release_id)
        .await
        .expect("publish");
}

/// Import and publish (through the review) in one step: the summary of the import.
pub async fn import_published(
    db: &sea_orm::DatabaseConnection,
    dataset: &str,
    files: &[schema::import::ImportFile],
    opts: schema::import::ImportOptions,
) -> Result<schema::import::ImportSummary, schema::import::ImportError> {
    let s = schema::import::import(db, dataset, files, opts).await?;
    publish_release(db, s.release_id).await;
    Ok(s)
}

/// Serve `state` with `config` on a free loopback port; the base URL.
pub async fn serve_with(state: api::AppState, config: api::http::Config) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = api::serve_with(state, &config, listener).await;
    });
    format!("http://{addr}")
}

/// Run each case on SQLite and PostgreSQL: `both!(name => path::to::case);` makes
/// `name_sqlite` and `name_postgres` tests.
#[macro_export]
macro_rules! both {
    ($($name:ident => $case:ident;)*) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(db) = $crate::TestDb::new($crate::Backend::Sqlite).await {
                        super::$case(db).await;
                    }
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(db) = $crate::TestDb::new($crate::Backend::Postgres).await {
                        super::$case(db).await;
                    }
                }
            )*
        }
    };
}
