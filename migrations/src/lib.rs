// `MigrationTrait` declares `&SchemaManager` with an elided lifetime; implementations must match it.
#![allow(elided_lifetimes_in_paths)]

//! gongkai's migrations. Append-only: a shipped migration is never edited; changes come as new
//! migrations. This crate never imports `schema`; a test in `tests/` checks that the tables here
//! hold every column `schema`'s descriptors and entities expect, on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_catalog;
mod m20261122_000002_datasets;
mod m20261122_000003_record_indexes;
mod m20261122_000004_search;
mod m20261123_000005_workflow;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_catalog::Migration),
            Box::new(m20261122_000002_datasets::Migration),
            Box::new(m20261122_000003_record_indexes::Migration),
            Box::new(m20261122_000004_search::Migration),
            Box::new(m20261123_000005_workflow::Migration),
        ]
    }
}
