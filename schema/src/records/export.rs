//! Download encoders: CSV (UTF-8, with a BOM by default so Excel and WPS read Chinese), JSON,
//! NDJSON and XLSX. Each takes rows one at a time and hands back bytes when asked, so a whole table streams
//! in flat memory. Text cells that a spreadsheet would run as a formula (starting with `=`, `+`,
//! `-`, `@`, tab or carriage return) are neutralised; numbers are written untouched.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;

use super::view::{FieldShape, Flat, Record, fields, flat_row, money_mask};
use super::{FlatColumn, Resource, Row};
use crate::query::SourceView;

/// A download format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Json,
    Ndjson,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Csv, Format::Xlsx, Format::Json, Format::Ndjson];

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
        }
    }

    pub fn from_extension(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.extension() == s)
    }

    /// The `Content-Type` of a download: the media type, with the charset for CSV.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            f => f.media_type(),
        }
    }

    /// The media type, without parameters.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Json => "application/json",
            Format::Ndjson => "application/x-ndjson",
        }
    }
}

/// Whether a text cell would be taken for a formula by a spreadsheet.
pub fn looks_like_formula(s: &str) -> bool {
    matches!(
        s.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// A text cell made safe for a spreadsheet: a leading `'` before a formula trigger.
pub fn neutralise(s: &str) -> std::borrow::Cow<'_, str> {
    if looks_like_formula(s) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// The UTF-8 byte order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Encodes rows as CSV (RFC 4180, CRLF line ends, a header of column names).
pub struct CsvEncoder {
    /// Encodes into a buffer that [`CsvEncoder::take`] empties.
    writer: csv::Writer<Vec<u8>>,
    money: Vec<bool>,
    /// Cells per row.
    width: usize,
    /// Room to format one cell.
    scratch: String,
}

impl CsvEncoder {
    /// Starts the file: the BOM (when asked for) and the header.
    pub fn new(columns: &[FlatColumn], money: Vec<bool>, bom: bool) -> CsvEncoder {
        let mut buf = Vec::with_capacity(64 * 1024);
        if bom {
            buf.extend_from_slice(BOM);
        }
        let mut writer = csv_writer(buf);
        let _ = writer.write_record(columns.iter().map(|c| c.name.as_str()));
        CsvEncoder {
            writer,
            money,
            width: columns.len(),
            scratch: String::new(),
        }
    }

    pub fn row(&mut self, row: &Row, sources: &HashMap<i64, SourceView>) {
        let mut flat = Vec::with_capacity(self.width);
        flat_row(&self.money, row, sources, &mut flat);
        // Writing into memory cannot fail. Each cell goes straight into the writer: no String
        // per cell.
        for f in &flat {
            let _ = match f {
                Flat::Null => self.writer.write_field(b""),
                Flat::Text(s) => self.writer.write_field(neutralise(s).as_bytes()),
                Flat::Owned(s) => self.writer.write_field(s.as_bytes()),
                Flat::Int(i) => {
                    self.scratch.clear();
                    let _ = write!(self.scratch, "{i}");
                    self.writer.write_field(self.scratch.as_bytes())
                }
                Flat::Bool(true) => self.writer.write_field(b"true"),
                Flat::Bool(false) => self.writer.write_field(b"false"),
            };
        }
        let _ = self.writer.write_record(None::<&[u8]>);
    }

    /// The bytes encoded so far.
    pub fn take(&mut self) -> Vec<u8> {
        let writer = std::mem::replace(&mut self.writer, csv_writer(Vec::new()));
        // Flushing into memory cannot fail.
        writer.into_inner().unwrap_or_default()
    }
}

fn csv_writer(buf: Vec<u8>) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(buf)
}

/// Encodes rows as a JSON array or as NDJSON (one record per line), in the nested form of the
/// list API.
pub struct JsonEncoder {
    fields: Vec<(String, FieldShape)>,
    ndjson: bool,
    first: bool,
    buf: Vec<u8>,
}

impl JsonEncoder {
    pub fn new(fields: Vec<(String, FieldShape)>, ndjson: bool) -> JsonEncoder {
        let mut buf = Vec::with_capacity(64 * 1024);
        if !ndjson {
            buf.push(b'[');
        }
        JsonEncoder {
            fields,
            ndjson,
            first: true,
            buf,
        }
    }

    pub fn row(&mut self, row: &Row, sources: &HashMap<i64, SourceView>) {
        let v = Record {
            fields: &self.fields,
            row,
            sources,
        };
        if !self.ndjson {
            self.buf
                .extend_from_slice(if self.first { b"\n" } else { b",\n" });
        }
        self.first = false;
        // Writing into memory cannot fail.
        let _ = serde_json::to_writer(&mut self.buf, &v);
        if self.ndjson {
            self.buf.push(b'\n');
        }
    }

    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    /// The closing bytes.
    pub fn finish(mut self) -> Vec<u8> {
        if !self.ndjson {
            self.buf.extend_from_slice(b"\n]\n");
        }
        self.buf
    }
}

/// A text download (CSV, JSON or NDJSON) of one resource, whichever the format.
pub enum TextEncoder {
    Csv(Box<CsvEncoder>),
    Json(JsonEncoder),
}

impl TextEncoder {
    /// The encoder of `format` for rows of `resource` (`None` for XLSX, which is not text).
    pub fn new(resource: &Resource, format: Format, bom: bool) -> Option<TextEncoder> {
        let columns = resource.stored_columns();
        Some(match format {
            Format::Csv => TextEncoder::Csv(Box::new(CsvEncoder::new(
                &resource.flat_columns(),
                money_mask(resource, &columns),
                bom,
            ))),
            Format::Json | Format::Ndjson => TextEncoder::Json(JsonEncoder::new(
                fields(resource, &columns),
                format == Format::Ndjson,
            )),
            Format::Xlsx => return None,
        })
    }

    pub fn row(&mut self, row: &Row, sources: &HashMap<i64, SourceView>) {
        match self {
            TextEncoder::Csv(e) => e.row(row, sources),
            TextEncoder::Json(e) => e.row(row, sources),
        }
    }

    /// The bytes encoded so far.
    pub fn take(&mut self) -> Vec<u8> {
        match self {
            TextEncoder::Csv(e) => e.take(),
            TextEncoder::Json(e) => e.take(),
        }
    }

    /// The last bytes.
    pub fn finish(self) -> Vec<u8> {
        match self {
            TextEncoder::Csv(mut e) => e.take(),
            TextEncoder::Json(e) => e.finish(),
        }
    }
}

/// Largest integer a spreadsheet number holds exactly (2^53); larger ones are written as text.
const EXACT_IN_F64: i64 = 1 << 53;
/// Rows per sheet, the header included.
const SHEET_ROWS: u32 = 1_048_576;

/// Writes rows to an XLSX workbook in constant memory (rows go to temporary files as they come;
/// the archive is assembled at the end). Integers are numbers (exact below 2^53); yuan are text
/// so they stay exact; text starting with a formula trigger gets Excel's quote prefix, so it is
/// shown as written and never evaluated. A table longer than a sheet continues on the next.
pub struct XlsxEncoder {
    workbook: rust_xlsxwriter::Workbook,
    columns: Vec<String>,
    money: Vec<bool>,
    sheet: usize,
    next_row: u32,
    quote: rust_xlsxwriter::Format,
    bold: rust_xlsxwriter::Format,
}

impl XlsxEncoder {
    pub fn new(
        columns: &[FlatColumn],
        money: Vec<bool>,
        tempdir: &std::path::Path,
    ) -> Result<XlsxEncoder, rust_xlsxwriter::XlsxError> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        workbook.set_tempdir(tempdir)?;
        // Deflate level 1: a few percent larger than the default 6, several times faster to
        // write (the national downloads are gigabytes).
        workbook.set_zip_compression_level(1);
        let mut e = XlsxEncoder {
            workbook,
            columns: columns.iter().map(|c| c.name.clone()).collect(),
            money,
            sheet: 0,
            next_row: SHEET_ROWS,
            quote: rust_xlsxwriter::Format::new().set_quote_prefix(),
            bold: rust_xlsxwriter::Format::new().set_bold(),
        };
        e.new_sheet()?;
        Ok(e)
    }

    fn new_sheet(&mut self) -> Result<(), rust_xlsxwriter::XlsxError> {
        let ws = self.workbook.add_worksheet_with_constant_memory()?;
        for (i, name) in self.columns.iter().enumerate() {
            ws.write_string_with_format(0, i as u16, name, &self.bold)?;
        }
        self.sheet += 1;
        self.next_row = 1;
        Ok(())
    }

    pub fn row(
        &mut self,
        row: &Row,
        sources: &HashMap<i64, SourceView>,
    ) -> Result<(), rust_xlsxwriter::XlsxError> {
        let mut flat = Vec::with_capacity(self.columns.len());
        if self.next_row >= SHEET_ROWS {
            self.new_sheet()?;
        }
        let r = self.next_row;
        self.next_row += 1;
        flat_row(&self.money, row, sources, &mut flat);
        let ws = self.workbook.worksheet_from_index(self.sheet - 1)?;
        for (c, f) in flat.iter().enumerate() {
            let c = c as u16;
            match f {
                Flat::Null => {}
                Flat::Text(s) if looks_like_formula(s) => {
                    ws.write_string_with_format(r, c, *s, &self.quote)?;
                }
                Flat::Text(s) => {
                    ws.write_string(r, c, *s)?;
                }
                Flat::Owned(s) => {
                    ws.write_string(r, c, s)?;
                }
                Flat::Int(i) if i.abs() < EXACT_IN_F64 => {
                    ws.write_number(r, c, *i as f64)?;
                }
                Flat::Int(i) => {
                    ws.write_string(r, c, i.to_string())?;
                }
                Flat::Bool(b) => {
                    ws.write_boolean(r, c, *b)?;
                }
            }
        }
        Ok(())
    }

    /// Date the workbook as created at `iso` (`YYYY-MM-DDTHH:MM:SSZ`, or a date), instead of
    /// now, so that the same rows make the same bytes (the static catalog is reproducible).
    pub fn set_created(&mut self, iso: &str) -> Result<(), rust_xlsxwriter::XlsxError> {
        let date = iso.get(..10).unwrap_or(iso);
        let when = rust_xlsxwriter::ExcelDateTime::parse_from_str(date)?;
        self.workbook
            .set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&when));
        Ok(())
    }

    /// Assembles the workbook into `out`.
    pub fn finish<W: Write + std::io::Seek + Send>(
        mut self,
        out: W,
    ) -> Result<(), rust_xlsxwriter::XlsxError> {
        self.workbook.save_to_writer(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_numbers_are_not() {
        assert_eq!(neutralise("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(neutralise("+86"), "'+86");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("@x"), "'@x");
        assert_eq!(neutralise("民政"), "民政");
        let r = crate::records::resource("budget-lines").expect("budget-lines");
        let cols = r.flat_columns();
        let stored = r.stored_columns();
        let money = crate::records::view::money_mask(r, &stored);
        let mut cells: Vec<Cell> = stored.iter().map(|_| Cell::Null).collect();
        let amount = stored
            .iter()
            .position(|c| c.name == "amount")
            .expect("amount");
        cells[amount] = Cell::Int(-12345);
        let dept = stored
            .iter()
            .position(|c| c.name == "department")
            .expect("dept");
        cells[dept] = Cell::Text("=cmd|' /C calc'!A0".into());
        let row = Row {
            id: 1,
            cells,
            source_id: 9,
            row_no: 2,
            extra: None,
        };
        let mut e = CsvEncoder::new(&cols, money, true);
        e.row(&row, &HashMap::new());
        let bytes = e.take();
        assert!(bytes.starts_with(BOM));
        let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
        assert!(text.contains(",-12345,-123.45,"), "{text}");
        assert!(text.contains("'=cmd"), "{text}");
        assert!(text.ends_with("\r\n"));
    }

    use crate::records::Cell;
}
