//! Every table of every published dataset as files (CSV with a BOM, XLSX, JSON, NDJSON), with
//! each dataset's data package and schema.org description beside them. The encoders are the
//! API's (`schema::records::export`), so a download from a mirror has the same bytes as one from
//! the API (XLSX: dated by the release, not by the build).

use std::collections::BTreeMap;

use std::io::{BufWriter, Write};

use schema::query::{DatasetDetail, ReleaseCache};
use schema::records::export::{Format, TextEncoder, XlsxEncoder};
use schema::records::list::{ReleaseRef, Scan, Sort, Walk};
use schema::records::view::money_mask;
use schema::records::{QueryError, Resource};
use schema::standards::{self, Links};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::site::{Site, script_json};
use crate::{BuildError, io_at};

/// One download as the dataset page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Download {
    pub resource: &'static str,
    pub title_zh: &'static str,
    pub title_en: &'static str,
    pub format: &'static str,
    /// Path in the site, e.g. `datasets/relief/relief-stats.csv`.
    pub path: String,
    pub file: String,
    pub bytes: u64,
    pub size: String,
    pub sha256: String,
}

/// The downloads of each dataset, by slug.
pub type Files = BTreeMap<String, Vec<Download>>;

/// One table to write in every format.
struct Job {
    slug: String,
    resource: &'static Resource,
    release: i64,
    info: std::sync::Arc<schema::query::ReleaseInfo>,
    created: String,
    rows: i64,
}

/// Write every download and each dataset's documents. Tables are written on every core at
/// once, the largest first; each file's size and SHA-256 are taken as it is written.
pub async fn write_all(
    db: &DatabaseConnection,
    site: &Site,
    datasets: &[DatasetDetail],
) -> Result<Files, BuildError> {
    let cache = ReleaseCache::default();
    let mut jobs = Vec::new();
    for d in datasets {
        let Some(release) = &d.release else { continue };
        let info = cache
            .get(db, release.id)
            .await?
            .ok_or_else(|| BuildError::Invalid(format!("release {} vanished", release.id)))?;
        for r in standards::resources(d) {
            jobs.push(Job {
                slug: d.slug.clone(),
                resource: r,
                release: release.id,
                info: info.clone(),
                created: release.published_at.clone().unwrap_or_default(),
                rows: release
                    .row_counts
                    .get(r.qualified())
                    .and_then(serde_json::Value::as_i64)
                    .unwrap_or(0),
            });
        }
    }
    // Largest first, so the last table to finish is a small one.
    jobs.sort_by(|a, b| {
        b.rows
            .cmp(&a.rows)
            .then(a.resource.path.cmp(b.resource.path))
    });
    let lanes = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4);
    let mut written: BTreeMap<String, Download> = BTreeMap::new();
    let mut set = tokio::task::JoinSet::new();
    let mut queue = jobs.into_iter();
    loop {
        while set.len() < lanes {
            let Some(job) = queue.next() else { break };
            let db = db.clone();
            let dir = site.dir().to_path_buf();
            set.spawn(async move { write_resource(&db, &dir, job).await });
        }
        let Some(done) = set.join_next().await else {
            break;
        };
        let done =
            done.map_err(|e| BuildError::Invalid(format!("a download task failed: {e}")))??;
        for d in done {
            written.insert(d.path.clone(), d);
        }
    }
    let mut files = Files::new();
    for d in datasets {
        if d.release.is_none() {
            continue;
        }
        let mut list = Vec::new();
        for r in standards::resources(d) {
            for &f in STATIC_FORMATS {
                let path = format!("datasets/{}/{}", d.slug, Links::download_file(r, f));
                if let Some(x) = written.remove(&path) {
                    list.push(x);
                }
            }
        }
        // The data package and schema.org documents, beside the files they describe.
        let links = documents_links(site, &format!("datasets/{}/x", d.slug));
        let dp = standards::datapackage::datapackage(d, &links);
        let so = standards::schema_org::dataset(d, &links);
        for (name, body, zh, en, format) in [
            (
                "datapackage.json",
                serde_json::to_string_pretty(&dp)?,
                "数据包描述",
                "Data package",
                "JSON",
            ),
            (
                "dataset.jsonld",
                script_json(&so)?,
                "schema.org 描述",
                "schema.org description",
                "JSON-LD",
            ),
        ] {
            let path = format!("datasets/{}/{name}", d.slug);
            site.write(&path, body.as_bytes())?;
            let bytes = body.len() as u64;
            list.push(Download {
                resource: "",
                title_zh: zh,
                title_en: en,
                format,
                file: name.to_string(),
                path,
                bytes,
                size: human_size(bytes),
                sha256: hex::encode(Sha256::digest(body.as_bytes())),
            });
        }
        files.insert(d.slug.clone(), list);
    }
    Ok(files)
}

/// The formats the static catalog offers (as its `Links` say).
const STATIC_FORMATS: &[Format] = &[Format::Csv, Format::Xlsx, Format::Json];

/// A writer that hashes and counts what passes through it.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The links the standards documents of the file at `file` (a path in the site) carry: absolute
/// under the site's address when it is known, else relative to the document.
pub fn documents_links(site: &Site, file: &str) -> Links {
    match &site.base_url {
        Some(b) => Links::static_site(b.clone()),
        None => {
            let up = crate::site::up(file);
            Links::static_site(if up.is_empty() {
                ".".to_string()
            } else {
                up.trim_end_matches('/').to_string()
            })
        }
    }
}

/// Write a table in every format from one walk over its rows: each row goes to every encoder.
async fn write_resource(
    db: &DatabaseConnection,
    dir: &std::path::Path,
    job: Job,
) -> Result<Vec<Download>, BuildError> {
    let r = job.resource;
    let sources = &job.info.sources;
    let columns = r.stored_columns();
    let sort = Sort::by_id();
    let scan = Scan {
        resource: r,
        columns: &columns,
        release: ReleaseRef::Id(job.release),
        filters: &[],
        sort: &sort,
    };
    type Out = BufWriter<Hashing<std::fs::File>>;
    let mut text: Vec<(TextEncoder, Out, Format, String)> = Vec::new();
    let mut xlsx: Option<(XlsxEncoder, std::fs::File, String)> = None;
    let tmp = tempfile::tempdir_in(dir).map_err(io_at(dir))?;
    for &f in STATIC_FORMATS {
        let path = format!("datasets/{}/{}", job.slug, Links::download_file(r, f));
        let full = dir.join(&path);
        if let Some(p) = full.parent() {
            std::fs::create_dir_all(p).map_err(io_at(p))?;
        }
        let file = std::fs::File::create(&full).map_err(io_at(&full))?;
        match TextEncoder::new(r, f, true) {
            Some(enc) => {
                let out = BufWriter::with_capacity(
                    1 << 20,
                    Hashing {
                        inner: file,
                        hash: Sha256::new(),
                        bytes: 0,
                    },
                );
                text.push((enc, out, f, path));
            }
            None => {
                let mut enc =
                    XlsxEncoder::new(&r.flat_columns(), money_mask(r, &columns), tmp.path())?;
                if !job.created.is_empty() {
                    enc.set_created(&job.created)?;
                }
                xlsx = Some((enc, file, path));
            }
        }
    }
    let mut walk = Walk::new(scan, None, None);
    loop {
        let n = walk
            .next_batch(db, |row| {
                for (enc, _, _, _) in &mut text {
                    enc.row(row, sources);
                }
                if let Some((enc, _, _)) = &mut xlsx {
                    enc.row(row, sources).map_err(XlsxOrQuery::Xlsx)?;
                }
                Ok::<_, XlsxOrQuery>(())
            })
            .await?;
        for (enc, out, _, path) in &mut text {
            out.write_all(&enc.take())
                .map_err(io_at(&dir.join(&*path)))?;
        }
        if n == 0 {
            break;
        }
    }
    let mut done = Vec::new();
    let entry = |f: Format, path: String, bytes: u64, sha256: String| Download {
        resource: r.path,
        title_zh: r.title_zh,
        title_en: r.title_en,
        format: f.label(),
        file: Links::download_file(r, f),
        path,
        bytes,
        size: human_size(bytes),
        sha256,
    };
    for (enc, mut out, f, path) in text {
        let full = dir.join(&path);
        out.write_all(&enc.finish()).map_err(io_at(&full))?;
        let h = out.into_inner().map_err(|e| io_at(&full)(e.into_error()))?;
        done.push(entry(f, path, h.bytes, hex::encode(h.hash.finalize())));
    }
    if let Some((enc, file, path)) = xlsx {
        enc.finish(BufWriter::new(file))?;
        let full = dir.join(&path);
        let (bytes, sha256) = crate::verify::file_digest(&full).map_err(io_at(&full))?;
        done.push(entry(Format::Xlsx, path, bytes, sha256));
    }
    Ok(done)
}

/// An error of the XLSX walk: the encoder's or the query's.
enum XlsxOrQuery {
    Xlsx(rust_xlsxwriter::XlsxError),
    Query(QueryError),
}

impl From<QueryError> for XlsxOrQuery {
    fn from(e: QueryError) -> Self {
        XlsxOrQuery::Query(e)
    }
}

impl From<XlsxOrQuery> for BuildError {
    fn from(e: XlsxOrQuery) -> Self {
        match e {
            XlsxOrQuery::Xlsx(e) => BuildError::Xlsx(e),
            XlsxOrQuery::Query(e) => BuildError::Query(e),
        }
    }
}

/// Bytes as people read them: `812 B`, `14.2 KB`, `3.1 MB` (KB = 1,000 bytes; integer arithmetic).
pub fn human_size(b: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if b < 1000 {
        return format!("{b} B");
    }
    let mut unit = 0;
    let mut scale = 1000u64;
    while unit + 1 < UNITS.len() && b >= scale * 1000 {
        scale *= 1000;
        unit += 1;
    }
    let tenths = (b * 10 + scale / 2) / scale;
    format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::human_size;

    #[test]
    fn sizes() {
        assert_eq!(human_size(812), "812 B");
        assert_eq!(human_size(14_200), "14.2 KB");
        assert_eq!(human_size(3_100_000), "3.1 MB");
    }
}
