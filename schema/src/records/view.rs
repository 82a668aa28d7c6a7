//! A record as readers see it: nested JSON (figures with their unit and their text as published,
//! the source beside every row) and the flat form of the CSV/XLSX downloads.

use std::collections::HashMap;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use super::list::{Cell, Row};
use super::{Resource, StoredColumn, is_money};
use crate::descriptor::Kind;
use crate::normalize::fen_to_yuan;
use crate::query::SourceView;

/// The shape of one public field of a nested record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldShape {
    /// A plain value of one stored column.
    Plain(usize),
    /// Money: fen, exact yuan, and the text as published (when stored).
    Money {
        fen: usize,
        published: Option<usize>,
    },
    /// A figure: value in its base unit, the unit, the text as published.
    Figure {
        value: usize,
        unit: usize,
        published: usize,
    },
}

/// The fields of a nested record, by name, with the stored columns they come from.
pub fn fields(resource: &Resource, columns: &[StoredColumn]) -> Vec<(String, FieldShape)> {
    let mut out: Vec<(String, FieldShape)> = Vec::new();
    let find = |name: &str| columns.iter().position(|c| c.name == name);
    for (i, c) in columns.iter().enumerate() {
        if is_money(resource, c) {
            out.push((
                c.name.clone(),
                FieldShape::Money {
                    fen: i,
                    published: find(&format!("{}_published", c.name)),
                },
            ));
            continue;
        }
        match c.kind {
            Some(Kind::Money) => {} // the `_published` half of money, shown with it
            None if c.name.ends_with("_published")
                && find(&c.key).is_some_and(|k| is_money(resource, &columns[k])) => {}
            Some(Kind::Quantity) if c.name == c.key => out.push((
                c.name.clone(),
                FieldShape::Figure {
                    value: i,
                    unit: find(&format!("{}_unit", c.key)).unwrap_or(i),
                    published: find(&format!("{}_published", c.key)).unwrap_or(i),
                },
            )),
            Some(Kind::Quantity) => {}
            _ => out.push((c.name.clone(), FieldShape::Plain(i))),
        }
    }
    out
}

fn cell(row: &Row, i: usize) -> &Cell {
    row.cells.get(i).unwrap_or(&Cell::Null)
}

/// A record as nested JSON: plain fields, money as `{fen, yuan, published}`, figures as
/// `{value, unit, published}`, then `source` (id, title, url), `row_no` and `extra`.
pub fn record_json(
    fields: &[(String, FieldShape)],
    row: &Row,
    sources: &HashMap<i64, SourceView>,
) -> Value {
    serde_json::to_value(Record {
        fields,
        row,
        sources,
    })
    .unwrap_or(Value::Null)
}

/// A record borrowed for serializing straight to the wire in the form of [`record_json`]
/// (pages and downloads write it without building a `Value` first).
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub fields: &'a [(String, FieldShape)],
    pub row: &'a Row,
    pub sources: &'a HashMap<i64, SourceView>,
}

impl Serialize for Cell {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Null => s.serialize_none(),
            Cell::Text(t) => s.serialize_str(t),
            Cell::Int(i) => s.serialize_i64(*i),
            Cell::Bool(b) => s.serialize_bool(*b),
        }
    }
}

/// Money: `{fen, yuan, published}`.
struct MoneyField<'a> {
    fen: i64,
    published: Option<&'a Cell>,
}

impl Serialize for MoneyField<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("fen", &self.fen)?;
        m.serialize_entry("yuan", &fen_to_yuan(self.fen))?;
        m.serialize_entry("published", &self.published)?;
        m.end()
    }
}

/// A figure: `{value, unit, published}`.
struct FigureField<'a>(&'a Cell, &'a Cell, &'a Cell);

impl Serialize for FigureField<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("value", self.0)?;
        m.serialize_entry("unit", self.1)?;
        m.serialize_entry("published", self.2)?;
        m.end()
    }
}

/// The source of a row: `{id, title, url}`.
struct SourceField<'a>(i64, Option<&'a SourceView>);

impl Serialize for SourceField<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("id", &self.0)?;
        m.serialize_entry("title", &self.1.map(|v| v.title.as_str()))?;
        m.serialize_entry("url", &self.1.and_then(|v| v.url.as_deref()))?;
        m.end()
    }
}

impl Serialize for Record<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let row = self.row;
        let mut m = s.serialize_map(Some(self.fields.len() + 4))?;
        m.serialize_entry("id", &row.id)?;
        for (name, shape) in self.fields {
            match shape {
                FieldShape::Plain(i) => m.serialize_entry(name, cell(row, *i))?,
                FieldShape::Money { fen, published } => match cell(row, *fen) {
                    Cell::Int(f) => m.serialize_entry(
                        name,
                        &MoneyField {
                            fen: *f,
                            published: published.map(|p| cell(row, p)),
                        },
                    )?,
                    _ => m.serialize_entry(name, &Cell::Null)?,
                },
                FieldShape::Figure {
                    value,
                    unit,
                    published,
                } => m.serialize_entry(
                    name,
                    &FigureField(cell(row, *value), cell(row, *unit), cell(row, *published)),
                )?,
            }
        }
        m.serialize_entry(
            "source",
            &SourceField(row.source_id, self.sources.get(&row.source_id)),
        )?;
        m.serialize_entry("row_no", &row.row_no)?;
        // Columns outside the format, kept as JSON text at import.
        let extra: Option<Value> = row
            .extra
            .as_deref()
            .and_then(|e| serde_json::from_str(e).ok());
        m.serialize_entry("extra", &extra)?;
        m.end()
    }
}

/// One cell of a flat record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flat<'a> {
    Null,
    Text(&'a str),
    Owned(String),
    Int(i64),
    Bool(bool),
}

/// A record as the cells of [`Resource::flat_columns`], in order.
pub fn flat_row<'a>(
    money: &[bool],
    row: &'a Row,
    sources: &'a HashMap<i64, SourceView>,
    out: &mut Vec<Flat<'a>>,
) {
    out.clear();
    out.push(Flat::Int(row.id));
    for (i, c) in row.cells.iter().enumerate() {
        out.push(match c {
            Cell::Null => Flat::Null,
            Cell::Text(s) => Flat::Text(s),
            Cell::Int(v) => Flat::Int(*v),
            Cell::Bool(b) => Flat::Bool(*b),
        });
        if money.get(i).copied().unwrap_or(false) {
            out.push(match c {
                Cell::Int(f) => Flat::Owned(fen_to_yuan(*f)),
                _ => Flat::Null,
            });
        }
    }
    let source = sources.get(&row.source_id);
    out.push(Flat::Int(row.source_id));
    out.push(source.map(|s| Flat::Text(&s.title)).unwrap_or(Flat::Null));
    out.push(
        source
            .and_then(|s| s.url.as_deref())
            .map(Flat::Text)
            .unwrap_or(Flat::Null),
    );
    out.push(Flat::Int(row.row_no));
    out.push(row.extra.as_deref().map(Flat::Text).unwrap_or(Flat::Null));
}

/// Which stored columns are money in fen (each is followed by its yuan in the flat form).
pub fn money_mask(resource: &Resource, columns: &[StoredColumn]) -> Vec<bool> {
    columns.iter().map(|c| is_money(resource, c)).collect()
}
