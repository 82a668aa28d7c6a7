//! The publishing workflow: the review columns of releases, the changes a release makes against
//! the release it follows, API tokens (only their SHA-256 is kept), the hash-chained audit log,
//! the public's corrections, and the negative list (负面清单) of data not for disclosure.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn s(name: &str) -> Alias {
    Alias::new(name)
}

fn id(name: &str) -> ColumnDef {
    ColumnDef::new(s(name))
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

/// The columns releases gain: who moved the release through review and when, why it was sent
/// back or withdrawn, what superseded it, what it changed, and when its figures were produced.
const RELEASE_COLUMNS: &[(&str, bool)] = &[
    ("created_by", false),
    ("submitted_by", false),
    ("submitted_at", false),
    ("reviewed_by", false),
    ("reviewed_at", false),
    ("published_by", false),
    ("review_comment", true),
    ("withdrawn_at", false),
    ("withdrawn_by", false),
    ("withdrawn_reason", true),
    ("superseded_at", false),
    ("produced_at", false),
    ("diff", true),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, text) in RELEASE_COLUMNS {
            let mut c = ColumnDef::new(s(name));
            if *text {
                c.text();
            } else {
                c.string();
            }
            c.null();
            m.alter_table(Table::alter().table(s("releases")).add_column(c).to_owned())
                .await?;
        }
        for name in ["superseded_by", "base_release_id"] {
            m.alter_table(
                Table::alter()
                    .table(s("releases"))
                    .add_column(ColumnDef::new(s(name)).big_integer().null())
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("ix_releases_state")
                .table(s("releases"))
                .col(s("dataset"))
                .col(s("state"))
                .to_owned(),
        )
        .await?;

        // What a release changed against the release it follows: one row per added, removed or
        // changed record (up to a bound per table; the counts in `releases.diff` are exact).
        m.create_table(
            Table::create()
                .table(s("release_changes"))
                .col(id("id"))
                .col(ColumnDef::new(s("release_id")).big_integer().not_null())
                .col(ColumnDef::new(s("table_name")).string().not_null())
                .col(ColumnDef::new(s("change")).string().not_null())
                .col(ColumnDef::new(s("record_key")).text().not_null())
                .col(ColumnDef::new(s("fields")).text().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_release_changes")
                .table(s("release_changes"))
                .col(s("release_id"))
                .col(s("id"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(s("tokens"))
                .col(id("id"))
                .col(ColumnDef::new(s("name")).string().not_null())
                .col(ColumnDef::new(s("role")).string().not_null())
                .col(ColumnDef::new(s("hash")).string().not_null().unique_key())
                .col(ColumnDef::new(s("prefix")).string().not_null())
                .col(ColumnDef::new(s("created_at")).string().not_null())
                .col(ColumnDef::new(s("created_by")).string().not_null())
                .col(ColumnDef::new(s("revoked_at")).string().null())
                .to_owned(),
        )
        .await?;

        // `seq` is given by the writer (the previous entry's + 1), so two writers racing for the
        // same place collide on the key instead of forking the chain.
        m.create_table(
            Table::create()
                .table(s("audit_log"))
                .col(
                    ColumnDef::new(s("seq"))
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(s("at")).string().not_null())
                .col(ColumnDef::new(s("actor")).string().not_null())
                .col(ColumnDef::new(s("action")).string().not_null())
                .col(ColumnDef::new(s("subject")).string().not_null())
                .col(ColumnDef::new(s("detail")).text().not_null())
                .col(ColumnDef::new(s("prev_hash")).string().not_null())
                .col(ColumnDef::new(s("hash")).string().not_null())
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(s("corrections"))
                .col(id("id"))
                .col(ColumnDef::new(s("dataset")).string().not_null())
                .col(ColumnDef::new(s("record")).text().null())
                .col(ColumnDef::new(s("message")).text().not_null())
                .col(ColumnDef::new(s("contact")).text().null())
                .col(ColumnDef::new(s("created_at")).string().not_null())
                .col(ColumnDef::new(s("state")).string().not_null())
                .col(ColumnDef::new(s("resolved_at")).string().null())
                .col(ColumnDef::new(s("resolved_by")).string().null())
                .col(ColumnDef::new(s("resolution")).text().null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_corrections_dataset")
                .table(s("corrections"))
                .col(s("dataset"))
                .col(s("state"))
                .to_owned(),
        )
        .await?;

        // The negative list: a whole dataset (table_name and field empty) or one field of one
        // table, kept out of every public face.
        m.create_table(
            Table::create()
                .table(s("negative_list"))
                .col(ColumnDef::new(s("dataset")).string().not_null())
                .col(ColumnDef::new(s("table_name")).string().not_null())
                .col(ColumnDef::new(s("field")).string().not_null())
                .col(ColumnDef::new(s("reason")).text().not_null())
                .col(ColumnDef::new(s("added_at")).string().not_null())
                .col(ColumnDef::new(s("added_by")).string().not_null())
                .primary_key(
                    Index::create()
                        .col(s("dataset"))
                        .col(s("table_name"))
                        .col(s("field")),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "negative_list",
            "corrections",
            "audit_log",
            "tokens",
            "release_changes",
        ] {
            m.drop_table(Table::drop().table(s(t)).to_owned()).await?;
        }
        m.drop_index(
            Index::drop()
                .name("ix_releases_state")
                .table(s("releases"))
                .to_owned(),
        )
        .await?;
        let mut names: Vec<&str> = RELEASE_COLUMNS.iter().map(|(n, _)| *n).collect();
        names.extend(["superseded_by", "base_release_id"]);
        for name in names {
            m.alter_table(
                Table::alter()
                    .table(s("releases"))
                    .drop_column(s(name))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
