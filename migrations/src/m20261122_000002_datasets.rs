//! The five datasets' tables. Every data row carries `release_id` (the release it belongs to),
//! `source_id` (no figure without a source), `row_no` (its row in the imported file) and `extra`
//! (source columns the format has no place for, kept verbatim as JSON). Money is integer fen
//! beside the text as published; other figures are integers in a base unit beside the text as
//! published.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(name: &str) -> Alias {
    Alias::new(name)
}

/// A column of a data table.
enum C {
    /// Text, required.
    T(&'static str),
    /// Text, optional.
    To(&'static str),
    /// Boolean, optional.
    Bo(&'static str),
    /// Money: `name` (fen) and `name_published`; required or not.
    M(&'static str, bool),
    /// A figure: `name`, `name_unit` (base unit) and `name_published`, required.
    Q(&'static str),
    /// Big integer, required (a reference).
    Ref(&'static str),
    /// A year, required: `name` (integer) and `name_published` (the cell where it was not canonical).
    Y(&'static str),
    /// A date or period: `name` (canonical text) and `name_published`; required or not.
    P(&'static str, bool),
}

fn data_table(name: &str, cols: &[C]) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(a(name))
        .col(
            ColumnDef::new(a("id"))
                .big_integer()
                .not_null()
                .auto_increment()
                .primary_key(),
        )
        .col(ColumnDef::new(a("release_id")).big_integer().not_null())
        .col(ColumnDef::new(a("source_id")).big_integer().not_null())
        .col(ColumnDef::new(a("row_no")).big_integer().not_null());
    for c in cols {
        match c {
            C::T(n) => {
                t.col(ColumnDef::new(a(n)).text().not_null());
            }
            C::To(n) => {
                t.col(ColumnDef::new(a(n)).text().null());
            }
            C::Bo(n) => {
                t.col(ColumnDef::new(a(n)).boolean().null());
            }
            C::Ref(n) => {
                t.col(ColumnDef::new(a(n)).big_integer().not_null());
            }
            C::Y(n) => {
                t.col(ColumnDef::new(a(n)).integer().not_null())
                    .col(ColumnDef::new(a(&format!("{n}_published"))).text().null());
            }
            C::P(n, required) => {
                let mut v = ColumnDef::new(a(n));
                v.text();
                if *required {
                    v.not_null();
                } else {
                    v.null();
                }
                t.col(v)
                    .col(ColumnDef::new(a(&format!("{n}_published"))).text().null());
            }
            C::M(n, required) => {
                let mut v = ColumnDef::new(a(n));
                v.big_integer();
                let mut p = ColumnDef::new(a(&format!("{n}_published")));
                p.text();
                if *required {
                    v.not_null();
                    p.not_null();
                } else {
                    v.null();
                    p.null();
                }
                t.col(v).col(p);
            }
            C::Q(n) => {
                t.col(ColumnDef::new(a(n)).big_integer().not_null())
                    .col(ColumnDef::new(a(&format!("{n}_unit"))).text().not_null())
                    .col(
                        ColumnDef::new(a(&format!("{n}_published")))
                            .text()
                            .not_null(),
                    );
            }
        }
    }
    t.col(ColumnDef::new(a("extra")).text().null());
    t.to_owned()
}

fn index(name: &str, table: &str, cols: &[&str], unique: bool) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(a(table));
    for c in cols {
        i.col(a(c));
    }
    if unique {
        i.unique();
    }
    i.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use C::*;
        let tables: Vec<TableCreateStatement> = vec![
            data_table(
                "budget_lines",
                &[
                    T("department"),
                    T("region_code"),
                    To("region_name"),
                    Y("fiscal_year"),
                    T("stage"),
                    To("document_type"),
                    T("table_name"),
                    To("classification"),
                    To("subject_code"),
                    T("subject_name"),
                    M("amount", true),
                    To("unit"),
                    To("note"),
                ],
            ),
            data_table(
                "funds",
                &[
                    T("fund_name"),
                    T("level"),
                    T("allocating_body"),
                    T("fiscal_year"),
                    To("document_number"),
                    To("principle"),
                    M("total", false),
                    Ref("line_count"),
                    Ref("top_lines_total"),
                ],
            ),
            data_table(
                "fund_lines",
                &[
                    Ref("fund_id"),
                    T("fund_name"),
                    T("level"),
                    T("allocating_body"),
                    P("fiscal_year", true),
                    To("document_number"),
                    M("fund_total", false),
                    To("principle"),
                    To("recipient_region_code"),
                    To("recipient_region_name"),
                    To("recipient_unit"),
                    T("item"),
                    To("parent_item"),
                    M("amount", true),
                    To("unit"),
                    To("batch"),
                    P("allocated_date", false),
                    To("qualifier"),
                    To("note"),
                ],
            ),
            data_table(
                "relief_stats",
                &[
                    T("region_code"),
                    To("region_name"),
                    P("period", true),
                    T("period_type"),
                    T("programme"),
                    T("indicator"),
                    To("breakdown"),
                    Q("value"),
                    To("unit"),
                    To("qualifier"),
                    To("indicator_published"),
                    To("stated_change"),
                    To("note"),
                ],
            ),
            data_table(
                "organizations",
                &[
                    T("uscc"),
                    T("name"),
                    T("org_type"),
                    T("registration_authority"),
                    T("region_code"),
                    To("supervising_unit"),
                    To("legal_representative"),
                    M("registered_capital", false),
                    To("capital_unit"),
                    P("founded_on", false),
                    To("address"),
                    To("business_scope"),
                    T("status"),
                    Bo("charity"),
                    Bo("public_fundraising"),
                ],
            ),
            data_table(
                "inspections",
                &[
                    T("uscc"),
                    Y("year"),
                    T("conclusion"),
                    To("authority"),
                    To("note"),
                ],
            ),
            data_table(
                "evaluations",
                &[
                    T("uscc"),
                    T("grade"),
                    P("valid_from", true),
                    P("valid_to", false),
                    To("authority"),
                    To("note"),
                ],
            ),
            data_table(
                "penalties",
                &[
                    T("uscc"),
                    T("decision_number"),
                    P("decided_on", true),
                    T("penalty_type"),
                    M("fine", false),
                    To("fine_unit"),
                    To("reason"),
                    T("authority"),
                ],
            ),
            data_table(
                "credit_listings",
                &[
                    T("uscc"),
                    T("list_type"),
                    P("listed_on", true),
                    To("listed_reason"),
                    P("removed_on", false),
                    To("removed_reason"),
                    T("authority"),
                ],
            ),
            data_table(
                "charity_filings",
                &[
                    T("filing_number"),
                    T("filing_type"),
                    T("uscc"),
                    T("title"),
                    P("starts_on", false),
                    P("ends_on", false),
                    To("purpose"),
                    M("amount", false),
                    To("unit"),
                    T("authority"),
                ],
            ),
            data_table(
                "illegal_organizations",
                &[
                    T("name"),
                    T("batch"),
                    P("published_on", true),
                    T("publisher"),
                    T("disposal"),
                    To("region_code"),
                    To("note"),
                ],
            ),
            data_table(
                "org_stats",
                &[
                    T("region_code"),
                    To("region_name"),
                    P("period", true),
                    T("period_type"),
                    T("org_type"),
                    T("indicator"),
                    Q("value"),
                    To("unit"),
                    To("qualifier"),
                    To("note"),
                ],
            ),
            data_table(
                "report_cells",
                &[
                    T("agency"),
                    T("region_code"),
                    To("region_name"),
                    Y("year"),
                    T("report_table"),
                    T("row_label"),
                    To("column_label"),
                    Q("value"),
                    To("unit"),
                    To("qualifier"),
                    To("note"),
                ],
            ),
        ];
        for t in tables {
            m.create_table(t).await?;
        }
        let indexes = [
            index(
                "ix_budget_lines_release",
                "budget_lines",
                &["release_id", "fiscal_year", "region_code"],
                false,
            ),
            index("ix_funds_release", "funds", &["release_id"], false),
            index(
                "ix_fund_lines_release",
                "fund_lines",
                &["release_id", "fund_id"],
                false,
            ),
            index(
                "ix_relief_stats_release",
                "relief_stats",
                &["release_id", "region_code", "period"],
                false,
            ),
            index(
                "ux_organizations_release_uscc",
                "organizations",
                &["release_id", "uscc"],
                true,
            ),
            index(
                "ix_inspections_release_uscc",
                "inspections",
                &["release_id", "uscc"],
                false,
            ),
            index(
                "ix_evaluations_release_uscc",
                "evaluations",
                &["release_id", "uscc"],
                false,
            ),
            index(
                "ix_penalties_release_uscc",
                "penalties",
                &["release_id", "uscc"],
                false,
            ),
            index(
                "ix_credit_listings_release_uscc",
                "credit_listings",
                &["release_id", "uscc"],
                false,
            ),
            index(
                "ix_charity_filings_release_uscc",
                "charity_filings",
                &["release_id", "uscc"],
                false,
            ),
            index(
                "ix_illegal_organizations_release",
                "illegal_organizations",
                &["release_id"],
                false,
            ),
            index(
                "ix_org_stats_release",
                "org_stats",
                &["release_id", "region_code"],
                false,
            ),
            index(
                "ix_report_cells_release",
                "report_cells",
                &["release_id", "agency", "year"],
                false,
            ),
        ];
        for i in indexes {
            m.create_index(i).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "report_cells",
            "org_stats",
            "illegal_organizations",
            "charity_filings",
            "credit_listings",
            "penalties",
            "evaluations",
            "inspections",
            "organizations",
            "relief_stats",
            "fund_lines",
            "funds",
            "budget_lines",
        ] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}
