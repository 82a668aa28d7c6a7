//! One dataset as a Frictionless Tabular Data Package (`datapackage.json`): one resource per
//! record table, whose `path` is the whole-table CSV download *relative to the descriptor*
//! (`organizations.csv` beside `…/datasets/registry/datapackage.json`), and whose Table Schema
//! lists exactly [`Resource::flat_columns`].
//!
//! The CSV downloads are UTF-8 with a BOM (so Excel and WPS read the Chinese right): the
//! resources say `"encoding": "utf-8-sig"`, which Frictionless reads cleanly.

use serde_json::{Map, Value, json};

use super::{Format, Links};
use crate::descriptor::Kind;
use crate::query::DatasetDetail;
use crate::records::{FieldType, Resource};

/// The encoding the CSV downloads are written in, by default.
pub const CSV_ENCODING: &str = "utf-8-sig";

fn both(zh: &str, en: &str) -> String {
    if en.is_empty() {
        zh.to_string()
    } else {
        format!("{zh} ({en})")
    }
}

/// The data package of a dataset.
pub fn datapackage(d: &DatasetDetail, links: &Links) -> Value {
    let licence = super::licence(&d.licence);
    let mut lic = json!({ "name": licence.spdx, "title": licence.text });
    if let Some(u) = licence.url {
        lic["path"] = json!(u);
    }
    let publisher = super::publisher(&d.publisher);
    let sources: Vec<Value> = d
        .sources
        .iter()
        .map(|s| {
            let mut v = json!({ "title": s.title });
            if let Some(u) = &s.url {
                v["path"] = json!(u);
            }
            v
        })
        .collect();
    let mut dp = json!({
        "profile": "tabular-data-package",
        "name": d.slug,
        "id": links.dataset(&d.slug),
        "title": both(&d.title_zh, &d.title_en),
        "description": format!("{}\n\n{}", d.description_zh, d.description_en),
        "homepage": links.dataset(&d.slug),
        "keywords": super::keywords(d),
        "licenses": [lic],
        "contributors": [{
            "title": both(&publisher.name_zh, &publisher.name_en),
            "role": "publisher",
        }],
        "resources": super::resources(d).into_iter().map(|r| resource(r, d)).collect::<Vec<_>>(),
    });
    // Custom properties (allowed by the spec): what Chinese disclosure catalogs record.
    dp["index_number"] = json!(d.index_number);
    if let Some(n) = &d.document_number {
        dp["document_number"] = json!(n);
    }
    dp["validity"] = json!(d.validity);
    if !sources.is_empty() {
        dp["sources"] = json!(sources);
    }
    if let Some(r) = &d.release {
        dp["version"] = json!(r.version.to_string());
    }
    if let Some(i) = super::issued(d) {
        dp["created"] = json!(i);
    }
    dp
}

/// One record table as a tabular data resource.
fn resource(r: &Resource, d: &DatasetDetail) -> Value {
    let (fzh, fen) = Format::Csv.describe();
    json!({
        "name": r.path,
        "path": Links::download_file(r, Format::Csv),
        "profile": "tabular-data-resource",
        "title": both(r.title_zh, r.title_en),
        "description": format!("{}：{}\n\n{}: {}", d.title_zh, fzh, d.title_en, fen),
        "format": "csv",
        "mediatype": Format::Csv.media_type(),
        "encoding": CSV_ENCODING,
        "dialect": {
            "delimiter": ",",
            "lineTerminator": "\r\n",
            "quoteChar": "\"",
            "doubleQuote": true,
            "header": true,
        },
        "schema": table_schema(r),
    })
}

/// The Table Schema of a record resource: its flat columns with types and constraints, `id` as
/// primary key, and `fund-lines.fund_id` → `funds.id`.
pub fn table_schema(r: &Resource) -> Value {
    let stored = r.stored_columns();
    let fields: Vec<Value> = r
        .flat_columns()
        .into_iter()
        .map(|c| {
            let mut f = Map::new();
            f.insert("name".into(), json!(c.name));
            f.insert("title".into(), json!(c.description_zh));
            f.insert("description".into(), json!(c.description_en));
            let mut constraints = Map::new();
            // The descriptor kind of a column's main value (not of its `_published` text).
            let kind = stored
                .iter()
                .find(|s| s.name == c.name && s.name == s.key)
                .and_then(|s| s.kind);
            match c.field_type {
                FieldType::Integer | FieldType::Fen => {
                    f.insert("type".into(), json!("integer"));
                }
                FieldType::Yuan => {
                    f.insert("type".into(), json!("number"));
                    f.insert("decimalChar".into(), json!("."));
                }
                FieldType::Boolean => {
                    f.insert("type".into(), json!("boolean"));
                    f.insert("trueValues".into(), json!(["true"]));
                    f.insert("falseValues".into(), json!(["false"]));
                }
                FieldType::Text => match kind {
                    Some(Kind::Date) => {
                        f.insert("type".into(), json!("date"));
                    }
                    // Penalties may combine types, joined by 、 in the statutory order.
                    Some(Kind::Enum(values)) if values == crate::descriptor::PENALTY_TYPES => {
                        f.insert("type".into(), json!("string"));
                        let one = format!(
                            "({})",
                            values
                                .iter()
                                .map(|v| regex_escape(v))
                                .collect::<Vec<_>>()
                                .join("|")
                        );
                        constraints.insert("pattern".into(), json!(format!("{one}(、{one})*")));
                    }
                    Some(Kind::Enum(values)) => {
                        f.insert("type".into(), json!("string"));
                        constraints.insert("enum".into(), json!(values));
                    }
                    Some(Kind::Region) => {
                        f.insert("type".into(), json!("string"));
                        constraints.insert("pattern".into(), json!("[0-9]{6}"));
                    }
                    Some(Kind::Uscc) => {
                        f.insert("type".into(), json!("string"));
                        constraints.insert(
                            "pattern".into(),
                            json!("[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}"),
                        );
                    }
                    _ => {
                        f.insert("type".into(), json!("string"));
                    }
                },
            }
            if c.required {
                constraints.insert("required".into(), json!(true));
            }
            if !constraints.is_empty() {
                f.insert("constraints".into(), Value::Object(constraints));
            }
            Value::Object(f)
        })
        .collect();
    let mut schema = json!({
        "fields": fields,
        "primaryKey": ["id"],
        "missingValues": [""],
    });
    if r.db_table == "fund_lines" {
        schema["foreignKeys"] = json!([{
            "fields": ["fund_id"],
            "reference": { "resource": "funds", "fields": ["id"] },
        }]);
    }
    schema
}

/// A literal text as a regular expression (XML Schema and Python syntax alike).
fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.^$|?*+()[]{}-".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
