//! Indexes for the public record filters: organizations by type and region (the registry's most
//! common list), by status and authority, relief statistics by programme, fund lines by
//! recipient region. Every index leads with `release_id`, since public reads see one release.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: &[(&str, &str, &[&str])] = &[
    (
        "ix_organizations_release_type_region",
        "organizations",
        &["release_id", "org_type", "region_code"],
    ),
    (
        "ix_organizations_release_region",
        "organizations",
        &["release_id", "region_code"],
    ),
    (
        "ix_organizations_release_authority",
        "organizations",
        &["release_id", "registration_authority"],
    ),
    (
        "ix_relief_stats_release_programme",
        "relief_stats",
        &["release_id", "programme", "indicator"],
    ),
    (
        "ix_fund_lines_release_recipient",
        "fund_lines",
        &["release_id", "recipient_region_code"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, cols) in INDEXES {
            let mut i = Index::create();
            i.name(*name).table(Alias::new(*table));
            for c in *cols {
                i.col(Alias::new(*c));
            }
            m.create_index(i.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            m.drop_index(
                Index::drop()
                    .name(*name)
                    .table(Alias::new(*table))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
