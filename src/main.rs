//! `gongkai`: one binary, thin subcommands over the workspace crates.

mod admin;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::{Parser, Subcommand};
use gongkai::{DEFAULT_DATABASE_URL, generated_files, load_real_data, open_database};
use indicatif::{ProgressBar, ProgressStyle};
use schema::import::{self, ImportError, ImportFile, ImportOptions, SourceFields};

// The import allocates row values on the reading thread and frees them on SQLite's worker
// thread; glibc's allocator spends a quarter of an import in that traffic, mimalloc a fraction.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// gongkai publishes the data Chinese civil-affairs departments must disclose.
#[derive(Parser)]
#[command(name = "gongkai", version, about)]
struct Cli {
    /// Database URL: `sqlite://PATH?mode=rwc` (embedded, the default), a bare `.db` path, or
    /// `postgres://USER@HOST/DB`.
    #[arg(long, global = true, env = "GONGKAI_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API. Datasets without a published release get the real data shipped with the
    /// project first (unless the database holds synthetic data).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "GONGKAI_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Do not load the real data into an empty database.
        #[arg(long)]
        no_load: bool,
        /// Largest request body in bytes; larger ones get 413 payload_too_large.
        #[arg(long, env = "GONGKAI_BODY_LIMIT", default_value_t = 1024 * 1024)]
        body_limit: usize,
        /// Seconds to produce a response head; beyond it 503 timeout.
        #[arg(long, env = "GONGKAI_REQUEST_TIMEOUT", default_value_t = 30)]
        request_timeout: u64,
        /// Largest uploaded file in bytes (POST /api/v1/admin/datasets/{slug}/uploads); larger
        /// ones get 413 payload_too_large.
        #[arg(long, env = "GONGKAI_UPLOAD_LIMIT", default_value_t = 512 * 1024 * 1024)]
        upload_limit: usize,
        /// Seconds an upload may take to be received, validated and stored; beyond it 503 timeout.
        #[arg(long, env = "GONGKAI_UPLOAD_TIMEOUT", default_value_t = 600)]
        upload_timeout: u64,
        /// Corrections the public may report per client address and hour (POST
        /// /api/v1/corrections); beyond it 429 too_many_requests. 0: no limit.
        #[arg(long, env = "GONGKAI_CORRECTIONS_PER_HOUR", default_value_t = 10)]
        corrections_per_hour: u32,
        /// Milliseconds a repeated GraphQL query may be answered from the answers kept before
        /// the catalog's releases are read again; 0 keeps no answers (every query runs).
        #[arg(long, env = "GONGKAI_GRAPHQL_ANSWERS_MS", default_value_t = 1000)]
        graphql_answers_ms: u64,
        /// The public URL the server is reached at (e.g. https://data.example.org), used in the
        /// links of the catalog documents; by default derived from each request's Host.
        #[arg(long, env = "GONGKAI_PUBLIC_URL")]
        public_url: Option<String>,
    },
    /// Import files into a dataset as one new draft release (all or nothing); it is public once
    /// it has been submitted, reviewed and published (`gongkai release`).
    ///
    /// DATASET is a dataset slug (budgets, funds, relief, registry, annual_reports), or
    /// `DATASET.TABLE` to name the table (e.g. registry.penalties); otherwise each file's table is
    /// found from its header. `all` imports every dataset of a folder written by `generate`.
    Import {
        dataset: String,
        /// CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or XLSX files; with `all`, one folder.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Title of the source document for rows that name no source of their own.
        #[arg(long)]
        source: Option<String>,
        #[arg(long, requires = "source")]
        source_url: Option<String>,
        /// Publisher and date of the source, as written (e.g. "常德市民政局 2018-03-16").
        #[arg(long, requires = "source")]
        source_publisher: Option<String>,
        /// Document number (文号) of the source.
        #[arg(long, requires = "source")]
        source_document_number: Option<String>,
        /// A (official site), B (media or institute), C (reprint), S (synthetic).
        #[arg(long, requires = "source")]
        source_grade: Option<String>,
        /// Write the full report (summary or every error) as JSON to this file.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Upload as the holder of this token (editor or admin); without one the upload is
        /// recorded as the local operator's (`cli`).
        #[arg(long, env = "GONGKAI_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// When the figures were produced (形成日期: 2026-11-20 or RFC 3339), for timeliness;
        /// the upload time when not given.
        #[arg(long)]
        produced_at: Option<String>,
    },
    /// API tokens: create (printed once), list, revoke.
    Token {
        #[command(subcommand)]
        command: admin::TokenCommand,
    },
    /// The review workflow: list releases; submit, review, send back, publish, withdraw,
    /// supersede. RELEASE is a release id, or a dataset slug for its newest release in the state
    /// the step starts from.
    Release {
        /// The acting person's token.
        #[arg(long, global = true, env = "GONGKAI_TOKEN", hide_env_values = true)]
        token: Option<String>,
        #[command(subcommand)]
        command: admin::ReleaseCommand,
    },
    /// The audit log: verify the hash chain, list entries.
    Audit {
        #[command(subcommand)]
        command: admin::AuditCommand,
    },
    /// The public's corrections: list and resolve (editor).
    Corrections {
        #[arg(long, global = true, env = "GONGKAI_TOKEN", hide_env_values = true)]
        token: Option<String>,
        #[command(subcommand)]
        command: admin::CorrectionCommand,
    },
    /// The negative list (负面清单): data kept out of every public face.
    NegativeList {
        #[arg(long, global = true, env = "GONGKAI_TOKEN", hide_env_values = true)]
        token: Option<String>,
        #[command(subcommand)]
        command: admin::NegativeCommand,
    },
    /// Load the real data shipped with the project into the datasets that have none yet.
    LoadReal,
    /// Write synthetic import files for scale tests (marked synthetic; never mix with real data).
    Generate {
        #[arg(long, value_parser = ["small", "national"])]
        scale: String,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        out_dir: PathBuf,
    },
    /// Run pending migrations and sync the catalog metadata.
    Migrate,
    /// List the datasets with their current release and row counts.
    Datasets,
    /// Search the organizations of the current registry release as the query layer does, and
    /// print the total, the first page, the plan and the time of each step.
    Search {
        /// Chinese words, a credit code or the start of one (see docs/search.md).
        query: String,
        /// Rows to show.
        #[arg(long, default_value_t = 20)]
        limit: u64,
        /// Order by relevance instead of import order.
        #[arg(long)]
        relevance: bool,
        /// Always COUNT, even when the index knows the total.
        #[arg(long)]
        sql_count: bool,
        /// Run the search this many times and print the timing of each run and the median (for
        /// benchmarks; the first run reads from a cold cache).
        #[arg(long, default_value_t = 1)]
        repeat: usize,
    },
    /// Print the import formats (every table's columns) as Markdown.
    Formats,
    /// Print the OpenAPI document of the HTTP API (committed as openapi.json).
    Openapi,
    /// Print the GraphQL schema in SDL (committed as schema.graphql).
    GraphqlSchema,
    /// The static catalog: build it, make a signing key, verify a mirror.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Render the published data into a folder of plain files (pages in zh-Hans, zh-Hant and
    /// English, downloads, search index, feeds, SHA256SUMS). The folder is replaced only when
    /// the whole build succeeded. Datasets without a published release get the real data
    /// shipped with the project first, as `serve` does (unless the database holds synthetic data).
    Build {
        /// The folder to write (replaced as a whole).
        #[arg(long)]
        out: std::path::PathBuf,
        /// The site's public address, for the sitemap, the Atom feed and the JSON-LD documents
        /// (pages always link relatively, so the site works under any address).
        #[arg(long, env = "GONGKAI_CATALOG_BASE_URL")]
        base_url: Option<String>,
        /// Sign SHA256SUMS with this Ed25519 key (PKCS#8 PEM, from `catalog keygen`).
        #[arg(long, env = "GONGKAI_CATALOG_SIGN_KEY")]
        sign_key: Option<std::path::PathBuf>,
        /// Rows of each table in a dataset page's preview.
        #[arg(long, default_value_t = 10)]
        preview_rows: u64,
        /// Do not load the real data into an empty database.
        #[arg(long)]
        no_load: bool,
    },
    /// Make an Ed25519 key pair for signing the catalog (secret: PKCS#8 PEM, mode 0600;
    /// public: SPKI PEM, readable by openssl).
    Keygen {
        /// Where to write the secret key (refused if it exists).
        #[arg(long)]
        secret: std::path::PathBuf,
        /// Where to write the public key.
        #[arg(long)]
        public: std::path::PathBuf,
    },
    /// Check a copy of the catalog against its signed SHA256SUMS: report every changed,
    /// missing or extra file. Exit status 0 only when the signature is valid and nothing differs.
    Verify {
        /// The site's folder.
        dir: std::path::PathBuf,
        /// The public key (SPKI PEM).
        #[arg(long)]
        key: std::path::PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

async fn catalog_command(database_url: &str, command: CatalogCommand) -> anyhow::Result<ExitCode> {
    match command {
        CatalogCommand::Build {
            out,
            base_url,
            sign_key,
            preview_rows,
            no_load,
        } => {
            let db = open_database(database_url).await?;
            let synthetic = import::content_kind(&db).await?.as_deref() == Some("synthetic");
            if !no_load
                && !synthetic
                && let Err(e) = load_real_data(&db).await
            {
                print_error(&e);
                anyhow::bail!("载入真实数据失败");
            }
            let opts = catalog::Options {
                base_url,
                sign_key,
                preview_rows,
                ..catalog::Options::new(&out)
            };
            let report = catalog::build(&db, &opts).await?;
            println!(
                "catalog written to {}: {} datasets, {} organizations, {} files, {} bytes{}",
                out.display(),
                report.datasets,
                report.organizations,
                report.files,
                report.bytes,
                if report.signed { ", signed" } else { "" }
            );
            for (step, ms) in &report.steps {
                println!("  {step}: {ms} ms");
            }
            Ok(ExitCode::SUCCESS)
        }
        CatalogCommand::Keygen { secret, public } => {
            catalog::verify::keygen(&secret, &public)?;
            println!(
                "secret key: {}\npublic key: {}",
                secret.display(),
                public.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        CatalogCommand::Verify { dir, key, json } => {
            let key = catalog::verify::load_verifying_key(&key)?;
            let report = catalog::verify::verify(&dir, &key)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{report}");
            }
            Ok(if report.is_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

fn progress_bar() -> (ProgressBar, import::ProgressFn) {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let b = bar.clone();
    let started = Instant::now();
    let cb: import::ProgressFn = Arc::new(move |p: import::Progress| {
        b.set_length(p.bytes_total);
        b.set_position(p.bytes_read);
        let secs = started.elapsed().as_secs_f64().max(0.001);
        b.set_message(format!("{} 行，{:.0} 行/秒", p.rows, p.rows as f64 / secs));
    });
    (bar, cb)
}

/// Peak resident memory of this process (Linux: `VmHWM` in /proc/self/status), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn print_summary(s: &import::ImportSummary, secs: Option<f64>) {
    let rows = s.total_rows();
    let speed = secs
        .map(|t| {
            format!(
                "，用时 {t:.1} 秒（{:.0} 行/秒）",
                rows as f64 / t.max(0.001)
            )
        })
        .unwrap_or_default();
    println!(
        "已导入 {}：第 {} 版（release {}，草稿，待送审），{} 行，{} 个来源{speed}{}",
        s.dataset,
        s.version,
        s.release_id,
        rows,
        s.sources,
        if s.synthetic { "，合成数据" } else { "" }
    );
    for (t, n) in &s.rows {
        println!("  {t}: {n} 行");
    }
    for w in &s.warnings {
        println!("  注意：{w}");
    }
    let d = &s.diff;
    println!(
        "  与已发布版本相比：新增 {}，删除 {}，修改 {}，未变 {}",
        d.added, d.removed, d.changed, d.unchanged
    );
}

fn print_error(e: &ImportError) {
    match e {
        ImportError::Invalid {
            issues,
            total,
            warnings,
        } => {
            for i in issues {
                eprintln!("{i}");
            }
            if *total > issues.len() {
                eprintln!("……另有 {} 处错误未列出", total - issues.len());
            }
            for w in warnings {
                eprintln!("注意：{w}");
            }
            eprintln!("共 {total} 处错误，未写入任何数据。");
        }
        other => eprintln!("导入失败：{other}"),
    }
}

fn report_json(result: &Result<import::ImportSummary, ImportError>) -> serde_json::Value {
    match result {
        Ok(s) => serde_json::json!({ "ok": true, "summary": s }),
        Err(ImportError::Invalid {
            issues,
            total,
            warnings,
        }) => {
            serde_json::json!({ "ok": false, "total": total, "issues": issues, "warnings": warnings })
        }
        Err(e) => serde_json::json!({ "ok": false, "error": e.to_string() }),
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Generate {
            scale,
            seed,
            out_dir,
        } => {
            let scale: schema::synthetic::Scale =
                scale.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
            let started = Instant::now();
            let bar = ProgressBar::new_spinner();
            let generated = schema::synthetic::generate(scale, seed, &out_dir, &|what, rows| {
                bar.set_message(format!("{what}: {rows}"));
                bar.tick();
            })?;
            bar.finish_and_clear();
            for f in &generated.files {
                println!("{} ({}): {} 行", f.path.display(), f.table, f.rows);
            }
            println!(
                "用时 {:.1} 秒，写入 {}",
                started.elapsed().as_secs_f64(),
                out_dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Openapi => {
            print!("{}", api::openapi_json());
            Ok(ExitCode::SUCCESS)
        }
        Command::Catalog { command } => catalog_command(&cli.database_url, command).await,
        Command::GraphqlSchema => {
            print!("{}", api::graphql::sdl());
            Ok(ExitCode::SUCCESS)
        }
        Command::Formats => {
            print!("{}", schema::descriptor::formats_markdown());
            Ok(ExitCode::SUCCESS)
        }
        Command::Search {
            query,
            limit,
            relevance,
            sql_count,
            repeat,
        } => {
            let db = open_database(&cli.database_url).await?;
            let Some(rel) = schema::query::current_release(&db, "registry").await? else {
                println!("登记数据集没有已发布的版本。");
                return Ok(ExitCode::FAILURE);
            };
            let order = if relevance {
                schema::search::SearchOrder::Relevance
            } else {
                schema::search::SearchOrder::Id
            };
            let mut runs: Vec<f64> = Vec::new();
            let mut last = None;
            for _ in 0..repeat.max(1) {
                let started = Instant::now();
                let page = match schema::search::search_organizations(
                    &db, rel.id, &query, limit, order, !sql_count,
                )
                .await
                {
                    Ok(Some(p)) => p,
                    Ok(None) => {
                        println!("搜索词为空。");
                        return Ok(ExitCode::FAILURE);
                    }
                    Err(e) => {
                        eprintln!("搜索失败：{e}");
                        return Ok(ExitCode::FAILURE);
                    }
                };
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                let [b, c, p] = page.micros.map(|u| u as f64 / 1000.0);
                println!(
                    "run {}: {ms:.2} ms (condition {b:.2}, count {c:.2}, page {p:.2})",
                    runs.len() + 1
                );
                runs.push(ms);
                last = Some(page);
            }
            if let Some(page) = last {
                println!("plan: {}", page.plan);
                println!(
                    "total: {}{}",
                    page.total,
                    if page.total_from_index {
                        "（取自索引）"
                    } else {
                        ""
                    }
                );
                for h in &page.hits {
                    println!("{}  {}", h.uscc, h.name);
                }
            }
            runs.sort_by(f64::total_cmp);
            println!(
                "median: {:.2} ms over {} runs",
                runs[runs.len() / 2],
                runs.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Token { command } => {
            let db = open_database(&cli.database_url).await?;
            admin::token(&db, command).await
        }
        Command::Release { token, command } => {
            let db = open_database(&cli.database_url).await?;
            admin::release(&db, token.as_deref(), command).await
        }
        Command::Audit { command } => {
            let db = open_database(&cli.database_url).await?;
            admin::audit(&db, command).await
        }
        Command::Corrections { token, command } => {
            let db = open_database(&cli.database_url).await?;
            admin::corrections(&db, token.as_deref(), command).await
        }
        Command::NegativeList { token, command } => {
            let db = open_database(&cli.database_url).await?;
            admin::negative_list(&db, token.as_deref(), command).await
        }
        Command::Migrate => {
            open_database(&cli.database_url).await?;
            println!("数据库已迁移到最新版本。");
            Ok(ExitCode::SUCCESS)
        }
        Command::Datasets => {
            let db = open_database(&cli.database_url).await?;
            for d in schema::query::list_datasets(&db).await? {
                println!("{:<16} {:>10} 行  {}", d.slug, d.row_count, d.title_zh);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::LoadReal => {
            let db = open_database(&cli.database_url).await?;
            match load_real_data(&db).await {
                Ok(list) => {
                    for s in &list {
                        print_summary(s, None);
                    }
                    if list.is_empty() {
                        println!("每个数据集都已有已发布的数据，未载入。");
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    print_error(&e);
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Serve {
            bind,
            no_load,
            body_limit,
            request_timeout,
            upload_limit,
            upload_timeout,
            corrections_per_hour,
            graphql_answers_ms,
            public_url,
        } => {
            if let Some(url) = &public_url {
                api::base_url::set_public_url(url).map_err(anyhow::Error::msg)?;
            }
            let db = open_database(&cli.database_url).await?;
            let synthetic = import::content_kind(&db).await?.as_deref() == Some("synthetic");
            if !no_load && !synthetic {
                match load_real_data(&db).await {
                    Ok(loaded) if !loaded.is_empty() => {
                        tracing::info!(
                            datasets = loaded.len(),
                            "loaded the real data shipped with gongkai"
                        );
                    }
                    Ok(_) => {}
                    Err(e) => {
                        print_error(&e);
                        anyhow::bail!("载入真实数据失败");
                    }
                }
            }
            let listener = tokio::net::TcpListener::bind(&bind).await?;
            println!("gongkai serving on http://{}", listener.local_addr()?);
            let config = api::http::Config {
                body_limit,
                request_timeout: std::time::Duration::from_secs(request_timeout),
                upload_limit,
                upload_timeout: std::time::Duration::from_secs(upload_timeout),
                corrections_per_hour,
                graphql: api::graphql::Limits {
                    answers_max_age: std::time::Duration::from_millis(graphql_answers_ms),
                    ..Default::default()
                },
                ..Default::default()
            };
            api::serve_with(api::AppState::new(db), &config, listener).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            dataset,
            files,
            source,
            source_url,
            source_publisher,
            source_document_number,
            source_grade,
            report,
            token,
            produced_at,
        } => {
            let db = open_database(&cli.database_url).await?;
            let uploader = match token.as_deref() {
                Some(t) => {
                    let a = admin::actor(&db, Some(t)).await?;
                    schema::workflow::authorize(&a, schema::workflow::Step::Upload)?;
                    Some(a.name)
                }
                None => None,
            };
            let default_source = source.map(|title| SourceFields {
                title,
                url: source_url,
                publisher_date: source_publisher,
                document_number: source_document_number,
                grade: source_grade,
            });
            let jobs: Vec<(String, Vec<ImportFile>)> = if dataset == "all" {
                let [dir] = files.as_slice() else {
                    anyhow::bail!("`import all` takes one folder")
                };
                let found = generated_files(dir);
                if found.is_empty() {
                    anyhow::bail!(
                        "{} 中没有数据集子目录（budgets/、registry/ …）",
                        dir.display()
                    );
                }
                found.into_iter().map(|(d, f)| (d.to_string(), f)).collect()
            } else {
                let (slug, table) = match dataset.split_once('.') {
                    Some((d, _)) => {
                        let t = schema::descriptor::table(&dataset)
                            .ok_or_else(|| anyhow::anyhow!("没有表“{dataset}”"))?;
                        (d.to_string(), Some(t))
                    }
                    None => (dataset.clone(), None),
                };
                vec![(
                    slug,
                    files
                        .into_iter()
                        .map(|path| ImportFile { path, table })
                        .collect(),
                )]
            };
            let mut reports = Vec::new();
            let mut ok = true;
            for (slug, files) in jobs {
                let (bar, cb) = progress_bar();
                let opts = ImportOptions {
                    source: default_source.clone(),
                    progress: Some(cb),
                    actor: uploader.clone(),
                    produced_at: produced_at.clone(),
                    ..Default::default()
                };
                let started = Instant::now();
                let result = import::import(&db, &slug, &files, opts).await;
                bar.finish_and_clear();
                match &result {
                    Ok(s) => print_summary(s, Some(started.elapsed().as_secs_f64())),
                    Err(e) => {
                        ok = false;
                        print_error(e);
                    }
                }
                reports.push(report_json(&result));
                if result.is_err() {
                    break;
                }
            }
            if let Some(mib) = peak_rss_mib() {
                println!("峰值内存（peak RSS）：{mib:.1} MiB");
            }
            if let Some(path) = report {
                let body = if reports.len() == 1 {
                    reports.remove(0)
                } else {
                    serde_json::Value::Array(reports)
                };
                std::fs::write(path, serde_json::to_vec_pretty(&body)?)?;
            }
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e:#}");
            admin::exit_of(&e).unwrap_or(ExitCode::FAILURE)
        }
    }
}
