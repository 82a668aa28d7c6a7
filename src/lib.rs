//! The `gongkai` binary's library half: opening a database (connect, migrate, sync the catalog)
//! and loading the real data shipped with the project. The subcommands in `main.rs` are thin
//! wrappers over this, `schema`, `api` and `catalog`.

use std::path::Path;

use migrations::{Migrator, MigratorTrait};
use schema::import::{self, ImportFile, ImportOptions, ImportSummary};
use sea_orm::{DatabaseConnection, DbErr};

/// The default database: an embedded SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://gongkai.db?mode=rwc";

/// Connect, run pending migrations and write the catalog metadata.
pub async fn open_database(url: &str) -> Result<DatabaseConnection, DbErr> {
    let db = schema::store::connect(url).await?;
    Migrator::up(&db, None).await?;
    schema::store::sync_catalog(&db).await?;
    // Organizations imported before the search index existed get indexed once.
    schema::search::ensure_indexed(&db).await?;
    Ok(db)
}

/// The real data shipped with the project (`data/real/`), compiled in so that the binary serves
/// it from anywhere: (dataset, file name, contents).
pub const REAL_DATA: &[(&str, &str, &[u8])] = &[
    (
        "budgets",
        "lines.csv",
        include_bytes!("../data/real/budgets/lines.csv"),
    ),
    (
        "funds",
        "lines.csv",
        include_bytes!("../data/real/funds/lines.csv"),
    ),
    (
        "relief",
        "stats.csv",
        include_bytes!("../data/real/relief/stats.csv"),
    ),
    (
        "registry",
        "illegal_organizations.csv",
        include_bytes!("../data/real/registry/illegal_organizations.csv"),
    ),
    (
        "registry",
        "statistics.csv",
        include_bytes!("../data/real/registry/statistics.csv"),
    ),
    (
        "annual_reports",
        "cells.csv",
        include_bytes!("../data/real/annual_reports/cells.csv"),
    ),
];

/// Import the shipped real data, one published release per dataset.
pub async fn load_real_data(
    db: &DatabaseConnection,
) -> Result<Vec<ImportSummary>, import::ImportError> {
    if import::content_kind(db).await?.as_deref() == Some("synthetic") {
        return Err(import::ImportError::Refused(
            "此数据库载有合成数据，不能载入真实数据：请使用另一个数据库（--database-url）".into(),
        ));
    }
    let dir =
        tempfile::tempdir().map_err(|e| import::ImportError::Refused(format!("临时目录：{e}")))?;
    let mut out = Vec::new();
    for ds in schema::catalog::DATASETS {
        if schema::query::current_release(db, ds.slug).await?.is_some() {
            continue;
        }
        let mut files = Vec::new();
        for (slug, name, bytes) in REAL_DATA.iter().filter(|(s, ..)| *s == ds.slug) {
            let sub = dir.path().join(slug);
            std::fs::create_dir_all(&sub)
                .map_err(|e| import::ImportError::Refused(e.to_string()))?;
            let path = sub.join(name);
            std::fs::write(&path, bytes)
                .map_err(|e| import::ImportError::Refused(e.to_string()))?;
            files.push(ImportFile::new(path));
        }
        if files.is_empty() {
            continue;
        }
        let opts = ImportOptions {
            synthetic: Some(false),
            note: Some("data/real（项目附带的真实公开数据）".into()),
            ..Default::default()
        };
        let summary = import::import(db, ds.slug, &files, opts).await?;
        // The shipped data is already published by its departments (each row names its source
        // document): it is published without a second review, and the audit log says so.
        schema::workflow::publish_shipped(
            db,
            summary.release_id,
            "data/real: figures already published by their departments, each row with its source document",
        )
        .await
        .map_err(|e| match e {
            schema::workflow::WorkflowError::Db(e) => import::ImportError::Db(e),
            other => import::ImportError::Refused(other.to_string()),
        })?;
        out.push(summary);
    }
    Ok(out)
}

/// Files of a folder written by `gongkai generate`, grouped by dataset, in catalog order.
pub fn generated_files(dir: &Path) -> Vec<(&'static str, Vec<ImportFile>)> {
    schema::catalog::DATASETS
        .iter()
        .filter_map(|d| {
            let sub = dir.join(d.slug);
            let mut files: Vec<ImportFile> = std::fs::read_dir(&sub)
                .ok()?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "csv" || e == "xlsx"))
                .map(ImportFile::new)
                .collect();
            files.sort_by(|a, b| a.path.cmp(&b.path));
            (!files.is_empty()).then_some((d.slug, files))
        })
        .collect()
}
