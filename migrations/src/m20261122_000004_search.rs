//! The organization search index (see `docs/search.md` and `schema/src/search.rs`).
//!
//! `search_postings` holds the posting lists of a release: per term (a CJK character bigram, a
//! lone CJK character, or a run of ASCII letters and digits, all folded) the number of
//! organizations of the release that contain it, and their ids as JSON arrays of integers in
//! ascending order, split into chunks of at most 8192 ids (rows `chunk` 0, 1, …). The query
//! layer expands the array inside SQL (`json_each` on SQLite, `json_array_elements_text` on
//! PostgreSQL), so a search is one SQL condition on `organizations`.
//!
//! `search_indexes` records that a release has been indexed, with its counts: a release without a
//! row here has no index yet (and is indexed when the database is opened).
//!
//! On PostgreSQL the term column uses the "C" collation, so that a prefix range
//! (`term >= 'ngo' AND term < 'ngp'`) is byte order, as it is on SQLite.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(name: &str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut term = ColumnDef::new(a("term"));
        term.text().not_null();
        if m.get_database_backend() == DbBackend::Postgres {
            term.extra("COLLATE \"C\"");
        }
        m.create_table(
            Table::create()
                .table(a("search_postings"))
                .col(ColumnDef::new(a("release_id")).big_integer().not_null())
                .col(term)
                .col(ColumnDef::new(a("chunk")).integer().not_null())
                .col(ColumnDef::new(a("doc_count")).big_integer().not_null())
                .col(ColumnDef::new(a("org_ids")).text().not_null())
                .primary_key(
                    Index::create()
                        .col(a("release_id"))
                        .col(a("term"))
                        .col(a("chunk")),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("search_indexes"))
                .col(
                    ColumnDef::new(a("release_id"))
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(a("documents")).big_integer().not_null())
                .col(ColumnDef::new(a("terms")).big_integer().not_null())
                .col(ColumnDef::new(a("postings")).big_integer().not_null())
                .col(ColumnDef::new(a("built_at")).string().not_null())
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["search_indexes", "search_postings"] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}
