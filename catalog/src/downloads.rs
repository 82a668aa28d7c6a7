//! Every table of every published dataset as files (CSV with a BOM, XLSX, JSON, NDJSON), with
//! each dataset's data package and schema.org description beside them. The encoders are the
//! API's (`schema::records::export`), so a download from a mirror has the same bytes as one from
//! the API (XLSX: dated by the release, not by the build).

use std::collections::BTreeMap;
use std::io::{BufWriter, Read, Write};

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

/// Write every download and each dataset's documents.
pub async fn write_all(
    db: &DatabaseConnection,
    site: &Site,
    datasets: &[DatasetDetail],
) -> Result<Files, BuildError> {
    let cache = ReleaseCache::default();
    let mut files = Files::new();
    for d in datasets {
        let Some(release) = &d.release else { continue };
        let info = cache
            .get(db, release.id)
            .await?
            .ok_or_else(|| BuildError::Invalid(format!("release {} vanished", release.id)))?;
        let created = release.published_at.clone().unwrap_or_default();
        let mut list = Vec::new();
        for r in standards::resources(d) {
            let paths: Vec<(Format, String, String)> = Format::ALL
                .iter()
                .map(|&f| {
                    let file = Links::download_file(r, f);
                    (f, format!("datasets/{}/{file}", d.slug), file)
                })
                .collect();
            write_resource(db, site, r, release.id, &info.sources, &created, &paths).await?;
            for (f, path, file) in paths {
                let (bytes, sha256) = digest(&site.dir().join(&path))?;
                list.push(Download {
                    resource: r.path,
                    title_zh: r.title_zh,
                    title_en: r.title_en,
                    format: f.label(),
                    path,
                    file,
                    bytes,
                    size: human_size(bytes),
                    sha256,
                });
            }
        }
        // The data package and schema.org documents, beside the files they describe.
        let links = documents_links(site, &format!("datasets/{}/x", d.slug));
        let dp = standards::datapackage::datapackage(d, &links);
        site.write(
            &format!("datasets/{}/datapackage.json", d.slug),
            serde_json::to_string_pretty(&dp)?.as_bytes(),
        )?;
        let so = standards::schema_org::dataset(d, &links);
        site.write(
            &format!("datasets/{}/dataset.jsonld", d.slug),
            script_json(&so)?.as_bytes(),
        )?;
        for name in ["datapackage.json", "dataset.jsonld"] {
            let path = format!("datasets/{}/{name}", d.slug);
            let (bytes, sha256) = digest(&site.dir().join(&path))?;
            list.push(Download {
                resource: "",
                title_zh: if name == "datapackage.json" {
                    "数据包描述"
                } else {
                    "schema.org 描述"
                },
                title_en: if name == "datapackage.json" {
                    "Data package"
                } else {
                    "schema.org description"
                },
                format: if name == "datapackage.json" {
                    "JSON"
                } else {
                    "JSON-LD"
                },
                file: name.to_string(),
                path,
                bytes,
                size: human_size(bytes),
                sha256,
            });
        }
        files.insert(d.slug.clone(), list);
    }
    Ok(files)
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

/// Write a resource in every format from one walk over its rows: each row goes to every encoder.
async fn write_resource(
    db: &DatabaseConnection,
    site: &Site,
    r: &Resource,
    release: i64,
    sources: &schema::query::SourcesById,
    created: &str,
    paths: &[(Format, String, String)],
) -> Result<(), BuildError> {
    let columns = r.stored_columns();
    let sort = Sort::by_id();
    let scan = Scan {
        resource: r,
        columns: &columns,
        release: ReleaseRef::Id(release),
        filters: &[],
        sort: &sort,
    };
    let mut text: Vec<(TextEncoder, BufWriter<std::fs::File>, std::path::PathBuf)> = Vec::new();
    let mut xlsx: Option<(XlsxEncoder, std::fs::File)> = None;
    let tmp = tempfile::tempdir_in(site.dir()).map_err(io_at(site.dir()))?;
    for (f, path, _) in paths {
        let full = site.dir().join(path);
        if let Some(p) = full.parent() {
            std::fs::create_dir_all(p).map_err(io_at(p))?;
        }
        let file = std::fs::File::create(&full).map_err(io_at(&full))?;
        match TextEncoder::new(r, *f, true) {
            Some(enc) => text.push((enc, BufWriter::with_capacity(1 << 20, file), full)),
            None => {
                let mut enc =
                    XlsxEncoder::new(&r.flat_columns(), money_mask(r, &columns), tmp.path())?;
                if !created.is_empty() {
                    enc.set_created(created)?;
                }
                xlsx = Some((enc, file));
            }
        }
    }
    let mut walk = Walk::new(scan, None, None);
    loop {
        let n = walk
            .next_batch(db, |row| {
                for (enc, _, _) in &mut text {
                    enc.row(row, sources);
                }
                if let Some((enc, _)) = &mut xlsx {
                    enc.row(row, sources).map_err(XlsxOrQuery::Xlsx)?;
                }
                Ok::<_, XlsxOrQuery>(())
            })
            .await?;
        for (enc, out, full) in &mut text {
            out.write_all(&enc.take()).map_err(io_at(full))?;
        }
        if n == 0 {
            break;
        }
    }
    for (enc, mut out, full) in text {
        out.write_all(&enc.finish()).map_err(io_at(&full))?;
        out.flush().map_err(io_at(&full))?;
    }
    if let Some((enc, file)) = xlsx {
        enc.finish(BufWriter::new(file))?;
    }
    Ok(())
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

/// Size and SHA-256 (hex) of a file.
pub fn digest(path: &std::path::Path) -> Result<(u64, String), BuildError> {
    let mut f = std::fs::File::open(path).map_err(io_at(path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf).map_err(io_at(path))?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((n, hex::encode(h.finalize())))
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
