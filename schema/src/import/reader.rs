//! Reading what departments produce: CSV in UTF-8 (with or without BOM), UTF-16 with BOM, or
//! GBK/GB18030 (Excel's default export on Chinese Windows), with comma, tab or semicolon
//! delimiters; and XLSX. Rows are handed over one at a time, so memory does not grow with the file.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

/// One row of a sheet or CSV file: its 1-based row number (the header row is row 1 when it is the
/// first row, as Excel and WPS count) and its cells as text.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub row_no: u64,
    pub cells: Vec<String>,
}

impl RawRow {
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// What was read, for the release record.
#[derive(Debug, Clone, Default)]
pub struct FileInfo {
    /// `csv (UTF-8)`, `csv (GB18030)`, `xlsx` …
    pub format: String,
    pub bytes: u64,
    pub sha256: String,
}

/// Counts bytes and hashes them as they are read.
struct Tap<R> {
    inner: R,
    counter: Arc<AtomicU64>,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Guess the encoding of a CSV file from its first bytes: a BOM decides; otherwise UTF-8 if the
/// sample is valid UTF-8 (a sequence cut at the end of the sample is allowed), else GB18030,
/// which is a superset of GBK and GB2312.
pub fn sniff_encoding(sample: &[u8]) -> &'static encoding_rs::Encoding {
    if let Some((enc, _)) = encoding_rs::Encoding::for_bom(sample) {
        return enc;
    }
    match std::str::from_utf8(sample) {
        Ok(_) => encoding_rs::UTF_8,
        Err(e) if e.error_len().is_none() => encoding_rs::UTF_8,
        Err(_) => encoding_rs::GB18030,
    }
}

fn sniff_delimiter(first_line: &str) -> u8 {
    let count = |c: char| first_line.matches(c).count();
    let (comma, tab, semi) = (count(','), count('\t'), count(';'));
    if tab > comma && tab >= semi {
        b'\t'
    } else if semi > comma {
        b';'
    } else {
        b','
    }
}

/// Read every row of `path`, calling `each` for each; `each` returns false to stop early.
/// `counter` is advanced by the bytes read, for a progress bar.
pub fn read_rows(
    path: &Path,
    counter: Arc<AtomicU64>,
    each: &mut dyn FnMut(RawRow) -> bool,
) -> Result<FileInfo, String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "xlsx" | "xlsm" => read_xlsx(path, counter, each),
        "xls" => Err("不支持旧版 .xls 文件：请在 Excel 或 WPS 中另存为 .xlsx 或 CSV".into()),
        _ => read_csv(path, counter, each),
    }
}

fn read_csv(
    path: &Path,
    counter: Arc<AtomicU64>,
    each: &mut dyn FnMut(RawRow) -> bool,
) -> Result<FileInfo, String> {
    let mut sample = vec![0u8; 64 * 1024];
    let n = {
        let mut f = File::open(path).map_err(|e| format!("无法打开文件：{e}"))?;
        let mut filled = 0;
        loop {
            let k = f
                .read(&mut sample[filled..])
                .map_err(|e| format!("读取失败：{e}"))?;
            if k == 0 {
                break;
            }
            filled += k;
            if filled == sample.len() {
                break;
            }
        }
        filled
    };
    sample.truncate(n);
    let enc = sniff_encoding(&sample);
    let (decoded_sample, _, _) = enc.decode(&sample);
    let first_line = decoded_sample.lines().next().unwrap_or("");
    let delimiter = sniff_delimiter(first_line);

    let file = File::open(path).map_err(|e| format!("无法打开文件：{e}"))?;
    let mut tap = Tap {
        inner: BufReader::with_capacity(256 * 1024, file),
        counter,
        hasher: Sha256::new(),
        bytes: 0,
    };
    let rows_read = {
        let decoder = encoding_rs_io::DecodeReaderBytesBuilder::new()
            .encoding(Some(enc))
            .bom_override(true)
            .build(&mut tap);
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .buffer_capacity(256 * 1024)
            .from_reader(decoder);
        let mut record = csv::StringRecord::new();
        let mut row_no = 0u64;
        loop {
            match rdr.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    row_no += 1;
                    let cells = record.iter().map(str::to_string).collect();
                    if !each(RawRow { row_no, cells }) {
                        break;
                    }
                }
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(row_no + 1);
                    return Err(format!("第{line}行附近的 CSV 格式有误：{e}"));
                }
            }
        }
        row_no
    };
    let _ = rows_read;
    // Drain what is left so the hash covers the whole file even when reading stopped early.
    io::copy(&mut tap, &mut io::sink()).map_err(|e| format!("读取失败：{e}"))?;
    let label = if enc == encoding_rs::UTF_8 {
        if sample.starts_with(&[0xEF, 0xBB, 0xBF]) {
            "csv (UTF-8 with BOM)"
        } else {
            "csv (UTF-8)"
        }
    } else {
        match enc.name() {
            "gb18030" => "csv (GBK/GB18030)",
            "UTF-16LE" => "csv (UTF-16LE)",
            "UTF-16BE" => "csv (UTF-16BE)",
            _ => "csv",
        }
    };
    Ok(FileInfo {
        format: label.into(),
        bytes: tap.bytes,
        sha256: hex::encode(tap.hasher.finalize()),
    })
}

fn cell_text(v: &calamine::DataRef<'_>) -> String {
    use calamine::DataRef;
    match v {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        // Excel stores numbers as binary doubles; the shortest text that reads back as the same
        // double is what Excel shows, and is what the exact decimal parser then reads.
        DataRef::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                format!("{f}")
            }
        }
        DataRef::Int(i) => i.to_string(),
        DataRef::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        DataRef::DateTime(d) => {
            let (y, m, day, h, mi, s, _) = d.to_ymd_hms_milli();
            if h == 0 && mi == 0 && s == 0 {
                format!("{y:04}-{m:02}-{day:02}")
            } else {
                format!("{y:04}-{m:02}-{day:02}T{h:02}:{mi:02}:{s:02}")
            }
        }
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => format!("#{e}"),
    }
}

fn read_xlsx(
    path: &Path,
    counter: Arc<AtomicU64>,
    each: &mut dyn FnMut(RawRow) -> bool,
) -> Result<FileInfo, String> {
    use calamine::{Reader, Xlsx};
    let bytes = std::fs::read(path).map_err(|e| format!("无法打开文件：{e}"))?;
    let sha = hex::encode(Sha256::digest(&bytes));
    let len = bytes.len() as u64;
    let mut book: Xlsx<_> =
        Xlsx::new(io::Cursor::new(bytes)).map_err(|e| format!("不是有效的 XLSX 文件：{e}"))?;
    let sheet = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or("XLSX 文件中没有工作表")?;
    let mut cells = book
        .worksheet_cells_reader(&sheet)
        .map_err(|e| format!("无法读取工作表“{sheet}”：{e}"))?;
    let mut current: Option<(u32, Vec<String>)> = None;
    loop {
        let next = cells
            .next_cell()
            .map_err(|e| format!("工作表“{sheet}”读取失败：{e}"))?;
        let Some(cell) = next else { break };
        let (r, c) = cell.get_position();
        let text = cell_text(cell.get_value());
        if current.as_ref().is_some_and(|(row, _)| *row != r)
            && let Some((row, cells)) = current.take()
            && !each(RawRow {
                row_no: u64::from(row) + 1,
                cells,
            })
        {
            counter.fetch_add(len, Ordering::Relaxed);
            return Ok(FileInfo {
                format: "xlsx".into(),
                bytes: len,
                sha256: sha,
            });
        }
        let entry = current.get_or_insert_with(|| (r, Vec::new()));
        let c = c as usize;
        if entry.1.len() <= c {
            entry.1.resize(c + 1, String::new());
        }
        entry.1[c] = text;
    }
    if let Some((row, cells)) = current.take() {
        each(RawRow {
            row_no: u64::from(row) + 1,
            cells,
        });
    }
    counter.fetch_add(len, Ordering::Relaxed);
    Ok(FileInfo {
        format: "xlsx".into(),
        bytes: len,
        sha256: sha,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_told_apart() {
        let (gbk, _, _) = encoding_rs::GBK.encode("地区代码,数值\n430700,22.22\n");
        assert_eq!(sniff_encoding(&gbk), encoding_rs::GB18030);
        assert_eq!(sniff_encoding("地区代码".as_bytes()), encoding_rs::UTF_8);
        assert_eq!(sniff_encoding(b"\xEF\xBB\xBFabc"), encoding_rs::UTF_8);
        // A UTF-8 sample cut inside a character is still UTF-8.
        let s = "地区代码".as_bytes();
        assert_eq!(sniff_encoding(&s[..s.len() - 1]), encoding_rs::UTF_8);
    }

    #[test]
    fn delimiters() {
        assert_eq!(sniff_delimiter("a\tb\tc"), b'\t');
        assert_eq!(sniff_delimiter("a;b;c"), b';');
        assert_eq!(sniff_delimiter("a,b;c"), b',');
    }
}
