//! Opening the database and keeping the catalog tables in step with the descriptors.

use std::time::Duration;

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, Set, TransactionTrait,
};

use crate::catalog;
use crate::descriptor::{self, Kind};
use crate::entity::{dataset, dictionary_field, region};

/// Connect to `url`: `sqlite://PATH?mode=rwc` (or a bare path ending in `.db`), `sqlite::memory:`,
/// or `postgres://…`. SQLite files use WAL, so readers are not blocked by an import.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let url = normalize_url(url);
    let mut opts = ConnectOptions::new(url.clone());
    // A pooled connection is checked with a round trip only after a while idle: checking at
    // every acquire cost a second round trip per query.
    opts.sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(30))
        .test_before_acquire_if_idle_for(Duration::from_secs(30));
    if url.starts_with("sqlite:") {
        let memory = url.contains(":memory:");
        // An in-memory database lives in one connection.
        opts.max_connections(if memory { 1 } else { 8 })
            .min_connections(1);
        opts.map_sqlx_sqlite_opts(move |o| {
            use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
            let o = o
                .busy_timeout(Duration::from_secs(30))
                .synchronous(SqliteSynchronous::Normal);
            if memory {
                o
            } else {
                o.journal_mode(SqliteJournalMode::Wal)
                    .create_if_missing(true)
            }
        });
    } else {
        opts.max_connections(10);
    }
    Database::connect(opts).await
}

/// Accept a bare file path as a SQLite URL.
pub fn normalize_url(url: &str) -> String {
    if url.contains("://") || url.starts_with("sqlite:") {
        if url.starts_with("sqlite://") && !url.contains(":memory:") && !url.contains("mode=") {
            return format!("{url}?mode=rwc");
        }
        return url.to_string();
    }
    format!("sqlite://{url}?mode=rwc")
}

/// Key of the PostgreSQL advisory lock held while the catalog tables are rewritten.
const SYNC_LOCK: i64 = 0x0067_6f6e_676b_6169; // "gongkai"

/// Write the catalog metadata, the data dictionary and the region list into the database.
/// Idempotent: run at every start after the migrations. A dataset's release pointer is kept.
/// One transaction; servers starting together on one database take turns (an advisory lock on
/// PostgreSQL, the write lock on SQLite), so none sees the other's half-written dictionary.
pub async fn sync_catalog(db: &DatabaseConnection) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({SYNC_LOCK})"))
            .await?;
    }
    write_catalog(&txn).await?;
    txn.commit().await
}

async fn write_catalog(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    for d in catalog::DATASETS {
        let model = dataset::ActiveModel {
            slug: Set(d.slug.into()),
            title_zh: Set(d.title_zh.into()),
            title_en: Set(d.title_en.into()),
            description_zh: Set(d.description_zh.into()),
            description_en: Set(d.description_en.into()),
            theme: Set(d.theme.into()),
            publisher: Set(d.publisher.into()),
            index_number: Set(d.index_number.into()),
            document_number: Set(d.document_number.map(Into::into)),
            issued_on: Set(d.issued_on.map(Into::into)),
            validity: Set(d.validity.into()),
            superseded_by: Set(None),
            update_frequency: Set(d.update_frequency.into()),
            temporal_coverage: Set(None),
            spatial_coverage: Set(Some(d.spatial_coverage.into())),
            licence: Set(d.licence.into()),
            contact: Set(d.contact.into()),
            keywords: Set(serde_json::to_string(d.keywords).unwrap_or_else(|_| "[]".into())),
            synthetic: Set(false),
            current_release_id: Set(None),
            updated_at: Set(now.clone()),
        };
        dataset::Entity::insert(model)
            .on_conflict(
                OnConflict::column(dataset::Column::Slug)
                    .update_columns([
                        dataset::Column::TitleZh,
                        dataset::Column::TitleEn,
                        dataset::Column::DescriptionZh,
                        dataset::Column::DescriptionEn,
                        dataset::Column::Theme,
                        dataset::Column::Publisher,
                        dataset::Column::IndexNumber,
                        dataset::Column::DocumentNumber,
                        dataset::Column::IssuedOn,
                        dataset::Column::UpdateFrequency,
                        dataset::Column::SpatialCoverage,
                        dataset::Column::Licence,
                        dataset::Column::Contact,
                        dataset::Column::Keywords,
                    ])
                    .to_owned(),
            )
            .exec(db)
            .await?;
    }

    // The data dictionary is rewritten from the descriptors.
    dictionary_field::Entity::delete_many().exec(db).await?;
    let mut fields = Vec::new();
    for t in descriptor::TABLES {
        for (pos, c) in t.all_columns().enumerate() {
            let base_unit = match c.kind {
                Kind::Money => Some("分".to_string()),
                Kind::Quantity => Some("随单位换算：人、户、人次、分、个…".to_string()),
                _ => None,
            };
            let allowed = match c.kind {
                Kind::Enum(v) => Some(serde_json::to_string(v).unwrap_or_default()),
                _ => None,
            };
            fields.push(dictionary_field::ActiveModel {
                dataset: Set(t.dataset.into()),
                table_name: Set(t.name.into()),
                position: Set(pos as i32),
                key: Set(c.key.into()),
                header: Set(c.header.into()),
                kind: Set(kind_name(c.kind).into()),
                base_unit: Set(base_unit),
                required: Set(c.required),
                allowed_values: Set(allowed),
                description_zh: Set(c.description_zh.into()),
                description_en: Set(c.description_en.into()),
                ..Default::default()
            });
        }
    }
    for chunk in fields.chunks(200) {
        dictionary_field::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }

    if region::Entity::find().count(db).await? == 0 {
        let rows: Vec<region::ActiveModel> = crate::region::all()
            .iter()
            .map(|r| region::ActiveModel {
                code: Set(r.code.clone()),
                name: Set(r.name.clone()),
                level: Set(r.level.clone()),
                province: Set(r.province.clone()),
                parent: Set(r.parent().map(str::to_string)),
            })
            .collect();
        for chunk in rows.chunks(500) {
            region::Entity::insert_many(chunk.to_vec()).exec(db).await?;
        }
    }
    Ok(())
}

/// The name of a column kind in the data dictionary.
pub fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Text => "text",
        Kind::Region => "region_code",
        Kind::Year => "year",
        Kind::Period => "period",
        Kind::Date => "date",
        Kind::Money => "money_fen",
        Kind::Quantity => "figure",
        Kind::Unit => "unit",
        Kind::Uscc => "uscc",
        Kind::Bool => "boolean",
        Kind::Enum(_) => "enum",
    }
}

/// Whether the database can serve: it answers, and every migration the server was built with
/// has been applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    /// Migrations recorded as applied in the database.
    pub applied: usize,
    /// Expected migrations the database has not applied, in the order given.
    pub pending: Vec<String>,
}

impl Readiness {
    pub fn is_ready(&self) -> bool {
        self.pending.is_empty()
    }
}

/// Ask the database which migrations it has applied (sea-orm-migration's `seaql_migrations`
/// table) and compare with `expected`, the names of the migrations this build carries (the
/// caller passes them: `migrations` and `schema` do not import each other). An error means the
/// database does not answer, or has never been migrated.
pub async fn ready(db: &impl ConnectionTrait, expected: &[String]) -> Result<Readiness, DbErr> {
    use sea_orm::sea_query::{Alias, Query};
    let select = Query::select()
        .column(Alias::new("version"))
        .from(Alias::new("seaql_migrations"))
        .to_owned();
    let rows = db.query_all(&select).await?;
    let applied: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String>("", "version"))
        .collect::<Result<_, _>>()?;
    let pending = expected
        .iter()
        .filter(|name| !applied.contains(name))
        .cloned()
        .collect();
    Ok(Readiness {
        applied: applied.len(),
        pending,
    })
}

/// Refresh the planner's statistics of tables after they were filled. Without them SQLite may
/// walk a secondary index of a whole release to answer `id > ? ORDER BY id` (a download batch)
/// or a search's few ids: 25 times slower on a million rows. A failure here only costs speed, so
/// it is logged, not returned.
pub async fn refresh_statistics(db: &impl ConnectionTrait, tables: &[&str]) {
    for t in tables {
        if let Err(e) = db.execute_unprepared(&format!("ANALYZE {t}")).await {
            tracing::warn!(table = t, error = %e, "could not refresh statistics");
        }
    }
}
