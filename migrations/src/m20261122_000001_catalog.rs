//! Catalog tables: datasets with their disclosure metadata, the data dictionary, sources,
//! releases, the sources behind each release, regions, and a small key/value table.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn s(name: &str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(s("datasets"))
                .col(ColumnDef::new(s("slug")).string().not_null().primary_key())
                .col(ColumnDef::new(s("title_zh")).string().not_null())
                .col(ColumnDef::new(s("title_en")).string().not_null())
                .col(ColumnDef::new(s("description_zh")).text().not_null())
                .col(ColumnDef::new(s("description_en")).text().not_null())
                .col(ColumnDef::new(s("theme")).string().not_null())
                .col(ColumnDef::new(s("publisher")).string().not_null())
                .col(ColumnDef::new(s("index_number")).string().not_null())
                .col(ColumnDef::new(s("document_number")).string().null())
                .col(ColumnDef::new(s("issued_on")).string().null())
                .col(ColumnDef::new(s("validity")).string().not_null())
                .col(ColumnDef::new(s("superseded_by")).string().null())
                .col(ColumnDef::new(s("update_frequency")).string().not_null())
                .col(ColumnDef::new(s("temporal_coverage")).string().null())
                .col(ColumnDef::new(s("spatial_coverage")).string().null())
                .col(ColumnDef::new(s("licence")).string().not_null())
                .col(ColumnDef::new(s("contact")).string().not_null())
                .col(ColumnDef::new(s("keywords")).text().not_null())
                .col(
                    ColumnDef::new(s("synthetic"))
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(ColumnDef::new(s("current_release_id")).big_integer().null())
                .col(ColumnDef::new(s("updated_at")).string().not_null())
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(s("dictionary_fields"))
                .col(
                    ColumnDef::new(s("id"))
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(s("dataset")).string().not_null())
                .col(ColumnDef::new(s("table_name")).string().not_null())
                .col(ColumnDef::new(s("position")).integer().not_null())
                .col(ColumnDef::new(s("key")).string().not_null())
                .col(ColumnDef::new(s("header")).string().not_null())
                .col(ColumnDef::new(s("kind")).string().not_null())
                .col(ColumnDef::new(s("base_unit")).string().null())
                .col(ColumnDef::new(s("required")).boolean().not_null())
                .col(ColumnDef::new(s("allowed_values")).text().null())
                .col(ColumnDef::new(s("description_zh")).text().not_null())
                .col(ColumnDef::new(s("description_en")).text().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_dictionary_fields")
                .table(s("dictionary_fields"))
                .col(s("dataset"))
                .col(s("table_name"))
                .col(s("key"))
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(s("sources"))
                .col(
                    ColumnDef::new(s("id"))
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(s("fingerprint"))
                        .string()
                        .not_null()
                        .unique_key(),
                )
                .col(ColumnDef::new(s("title")).text().not_null())
                .col(ColumnDef::new(s("url")).text().null())
                .col(ColumnDef::new(s("publisher_date")).text().null())
                .col(ColumnDef::new(s("document_number")).text().null())
                .col(ColumnDef::new(s("grade")).string().null())
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(s("releases"))
                .col(
                    ColumnDef::new(s("id"))
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(s("dataset")).string().not_null())
                .col(ColumnDef::new(s("version")).integer().not_null())
                .col(ColumnDef::new(s("state")).string().not_null())
                .col(ColumnDef::new(s("synthetic")).boolean().not_null())
                .col(ColumnDef::new(s("files")).text().not_null())
                .col(ColumnDef::new(s("row_count")).big_integer().not_null())
                .col(ColumnDef::new(s("row_counts")).text().not_null())
                .col(ColumnDef::new(s("created_at")).string().not_null())
                .col(ColumnDef::new(s("published_at")).string().null())
                .col(ColumnDef::new(s("note")).text().null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_releases_version")
                .table(s("releases"))
                .col(s("dataset"))
                .col(s("version"))
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(s("release_sources"))
                .col(ColumnDef::new(s("release_id")).big_integer().not_null())
                .col(ColumnDef::new(s("source_id")).big_integer().not_null())
                .col(ColumnDef::new(s("rows")).big_integer().not_null())
                .primary_key(Index::create().col(s("release_id")).col(s("source_id")))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(s("regions"))
                .col(ColumnDef::new(s("code")).string().not_null().primary_key())
                .col(ColumnDef::new(s("name")).string().not_null())
                .col(ColumnDef::new(s("level")).string().not_null())
                .col(ColumnDef::new(s("province")).string().not_null())
                .col(ColumnDef::new(s("parent")).string().null())
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(s("meta"))
                .col(ColumnDef::new(s("key")).string().not_null().primary_key())
                .col(ColumnDef::new(s("value")).text().not_null())
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "meta",
            "regions",
            "release_sources",
            "releases",
            "sources",
            "dictionary_fields",
            "datasets",
        ] {
            m.drop_table(Table::drop().table(s(t)).to_owned()).await?;
        }
        Ok(())
    }
}
