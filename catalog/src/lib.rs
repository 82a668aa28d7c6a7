//! The static catalog: `gongkai catalog build` renders the published data into a folder of plain
//! files that any web server, object store or USB stick can host, searchable in the browser and
//! checksummed so a mirror can prove it is unaltered.
//!
//! The build is a list of steps ([`build`]); each reads through `schema`'s query layer (no SQL
//! here) and writes into a temporary folder beside the output, which is swapped in only when
//! every step succeeded, so a failed build never leaves half a site.

pub mod charts;
mod downloads;
mod feeds;
pub mod i18n;
mod pages;
mod registry;
pub mod search;
mod site;
pub mod verify;

use std::path::{Path, PathBuf};
use std::time::Instant;

use sea_orm::DatabaseConnection;
use serde::Serialize;

pub use registry::{BUCKETS, org_bucket, org_href};
pub use site::Site;

/// What to build, and where.
#[derive(Debug, Clone)]
pub struct Options {
    /// The folder the site is written to (replaced as a whole when the build succeeds).
    pub out: PathBuf,
    /// The public address of the site (e.g. `https://data.example.org/catalog`), used where a
    /// standard wants absolute URLs (sitemap, Atom feed, JSON-LD). Pages always link relatively.
    pub base_url: Option<String>,
    /// Sign `SHA256SUMS` with this Ed25519 key (PKCS#8 PEM, from `gongkai catalog keygen`).
    pub sign_key: Option<PathBuf>,
    /// Rows of each table shown in a dataset page's preview.
    pub preview_rows: u64,
}

impl Options {
    /// Defaults for a site written to `out`.
    pub fn new(out: impl Into<PathBuf>) -> Options {
        Options {
            out: out.into(),
            base_url: None,
            sign_key: None,
            preview_rows: 10,
        }
    }
}

/// What a build wrote.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub datasets: usize,
    pub organizations: u64,
    pub files: u64,
    pub bytes: u64,
    pub signed: bool,
    /// Milliseconds per step, in order.
    pub steps: Vec<(String, u128)>,
}

/// Why a build failed. Nothing is left behind: the output folder is as it was.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Query(#[from] schema::records::QueryError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("template {0}")]
    Template(#[from] minijinja::Error),
    #[error("XLSX: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Sign(#[from] verify::VerifyError),
    #[error("{0}")]
    Invalid(String),
}

/// An I/O error with the path it happened at.
pub(crate) fn io_at(path: &Path) -> impl FnOnce(std::io::Error) -> BuildError + '_ {
    move |source| BuildError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Build the whole site from the published data in `db`.
pub async fn build(db: &DatabaseConnection, opts: &Options) -> Result<Report, BuildError> {
    let key = match &opts.sign_key {
        Some(p) => Some(verify::load_signing_key(p)?),
        None => None,
    };
    let base_url = match &opts.base_url {
        Some(u) if !(u.starts_with("https://") || u.starts_with("http://")) => {
            return Err(BuildError::Invalid(format!(
                "--base-url {u}: an absolute http(s) URL is needed"
            )));
        }
        Some(u) => Some(u.trim_end_matches('/').to_string()),
        None => None,
    };
    let out = absolute(&opts.out)?;
    let parent = out
        .parent()
        .ok_or_else(|| BuildError::Invalid(format!("{}: no parent folder", out.display())))?
        .to_path_buf();
    std::fs::create_dir_all(&parent).map_err(io_at(&parent))?;
    let tmp = tempfile::Builder::new()
        .prefix(".gongkai-catalog-")
        .tempdir_in(&parent)
        .map_err(io_at(&parent))?;
    let mut site = Site::new(tmp.path(), base_url, opts.preview_rows)?;
    let mut report = Report::default();
    let mut step =
        |name: &str, t: Instant| report.steps.push((name.into(), t.elapsed().as_millis()));

    // 1. What is public: every dataset with a current release (its data), and the datasets
    // whose releases were all withdrawn or superseded (a page with the notices, no data).
    let t = Instant::now();
    let public = pages::public(db).await?;
    let datasets: Vec<_> = public
        .iter()
        .filter(|d| d.release.is_some())
        .cloned()
        .collect();
    step("read the catalog", t);

    // 2. Downloads (CSV with BOM, XLSX, JSON) and each dataset's documents, and
    // 3. the registry's organization pages and its search index, side by side.
    let t = Instant::now();
    let (files, organizations) = tokio::join!(
        downloads::write_all(db, &site, &datasets),
        registry::write(db, &site)
    );
    let (files, organizations) = (files?, organizations?);
    step("downloads, organization pages and registry index", t);

    // 4. Pages in every language: home, dataset list and filters, dataset pages, search, 404.
    let t = Instant::now();
    pages::write_all(db, &mut site, &public, &files).await?;
    step("pages", t);

    // 5. The dataset search index.
    let t = Instant::now();
    pages::write_dataset_index(&site, &datasets)?;
    step("dataset index", t);

    // 6. Catalog documents: DCAT-AP, data.json, Atom feed, sitemap, robots.txt.
    let t = Instant::now();
    feeds::write_all(&site, &datasets)?;
    step("catalog documents", t);

    // 7. Static assets.
    site.write_assets()?;

    // 8. Checksums of every file, signed.
    let t = Instant::now();
    let sums = verify::write_sums(tmp.path())?;
    if let Some(key) = &key {
        verify::sign(tmp.path(), key)?;
    }
    step("checksums", t);

    // 9. Swap the new site in.
    swap_in(tmp, &out)?;
    report.datasets = datasets.len();
    report.organizations = organizations;
    report.files = sums.files + 1 + u64::from(key.is_some());
    report.bytes = sums.bytes;
    report.signed = key.is_some();
    Ok(report)
}

fn absolute(p: &Path) -> Result<PathBuf, BuildError> {
    if p.is_absolute() {
        Ok(p.to_path_buf())
    } else {
        let cwd = std::env::current_dir().map_err(io_at(p))?;
        Ok(cwd.join(p))
    }
}

/// Put the finished temporary folder where the site goes: the old site (if any) is moved aside,
/// the new one renamed into place, the old one removed. Both renames are within one folder.
fn swap_in(tmp: tempfile::TempDir, out: &Path) -> Result<(), BuildError> {
    let new = tmp.keep();
    // A temporary folder is private (0700); a site is for everyone to read.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&new, std::fs::Permissions::from_mode(0o755))
            .map_err(io_at(&new))?;
    }
    let mut old = None;
    if out.exists() {
        if !out.is_dir() {
            let _ = std::fs::remove_dir_all(&new);
            return Err(BuildError::Invalid(format!(
                "{}: exists and is not a folder",
                out.display()
            )));
        }
        let aside = out.with_file_name(format!(
            ".{}.old-{}",
            out.file_name().and_then(|n| n.to_str()).unwrap_or("site"),
            std::process::id()
        ));
        std::fs::rename(out, &aside).map_err(io_at(out))?;
        old = Some(aside);
    }
    if let Err(e) = std::fs::rename(&new, out) {
        if let Some(o) = &old {
            let _ = std::fs::rename(o, out);
        }
        let _ = std::fs::remove_dir_all(&new);
        return Err(io_at(out)(e));
    }
    if let Some(o) = old {
        std::fs::remove_dir_all(&o).map_err(io_at(&o))?;
    }
    Ok(())
}
