//! The catalog in the standards that other tools read: DCAT-AP 3 (JSON-LD), schema.org `Dataset`,
//! Frictionless `datapackage.json`, and CKAN's Action API documents.
//!
//! Every document is a pure function of the query layer's views ([`DatasetDetail`]) and of a
//! [`Links`] value that says where things live. The API passes a base URL derived from the
//! request; the static catalog passes its own. Nothing here knows HTTP.

pub mod ckan;
pub mod datapackage;
pub mod dcat;
pub mod schema_org;

use crate::query::DatasetDetail;
use crate::records::{self, Resource};

/// Where the documents and downloads of a catalog live, under one base URL (no trailing slash),
/// in the API's layout: `{base}/catalog.jsonld`, `{base}/api/v1/datasets/{slug}`,
/// `{base}/api/v1/datasets/{slug}/{resource}.{csv|xlsx|json|ndjson}`, and so on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    base: String,
    layout: Layout,
}

/// How a catalog lays out its documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// The API server: `{base}/api/v1/datasets/{slug}/…`, with the REST API beside the catalog.
    Api,
    /// The static catalog: `{base}/datasets/{slug}/index.html` and its files beside it; no API.
    Static,
}

impl Links {
    /// Links under `base`, e.g. `https://data.example.org` (a trailing `/` is dropped).
    pub fn new(base: impl Into<String>) -> Self {
        let mut base = base.into();
        while base.ends_with('/') {
            base.pop();
        }
        Links {
            base,
            layout: Layout::Api,
        }
    }

    /// Links of the static catalog under `base`: an absolute URL, or a relative path from the
    /// document to the site's root (`..`), so a mirror works under any address.
    pub fn static_site(base: impl Into<String>) -> Self {
        Links {
            layout: Layout::Static,
            ..Links::new(base)
        }
    }

    /// The download formats this catalog offers: every one on the API; CSV, XLSX and JSON in the
    /// static catalog (NDJSON is the API's streaming form).
    pub fn formats(&self) -> &'static [Format] {
        match self.layout {
            Layout::Api => &Format::ALL,
            Layout::Static => &[Format::Csv, Format::Xlsx, Format::Json],
        }
    }

    /// Whether the catalog has the REST API beside it (the static catalog has none).
    pub fn has_api(&self) -> bool {
        self.layout == Layout::Api
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The home page of the catalog.
    pub fn home(&self) -> String {
        match self.layout {
            Layout::Api => format!("{}/", self.base),
            Layout::Static => format!("{}/index.html", self.base),
        }
    }

    /// The DCAT-AP catalog.
    pub fn catalog(&self) -> String {
        format!("{}/catalog.jsonld", self.base)
    }

    /// The REST API's root.
    pub fn api(&self) -> String {
        format!("{}/api/v1", self.base)
    }

    /// The OpenAPI document of the REST API.
    pub fn openapi(&self) -> String {
        format!("{}/openapi.json", self.base)
    }

    /// A dataset's page (its metadata, data dictionary and sources); also its IRI.
    pub fn dataset(&self, slug: &str) -> String {
        match self.layout {
            Layout::Api => format!("{}/api/v1/datasets/{slug}", self.base),
            Layout::Static => format!("{}/datasets/{slug}/index.html", self.base),
        }
    }

    /// The folder of a dataset's files (its downloads and documents).
    fn dataset_files(&self, slug: &str) -> String {
        match self.layout {
            Layout::Api => self.dataset(slug),
            Layout::Static => format!("{}/datasets/{slug}", self.base),
        }
    }

    /// A dataset's schema.org description.
    pub fn schema_org(&self, slug: &str) -> String {
        format!("{}/dataset.jsonld", self.dataset_files(slug))
    }

    /// A dataset's Frictionless data package.
    pub fn datapackage(&self, slug: &str) -> String {
        format!("{}/datapackage.json", self.dataset_files(slug))
    }

    /// A whole record resource of a dataset in one format.
    pub fn download(&self, slug: &str, resource: &Resource, format: Format) -> String {
        format!(
            "{}/{}",
            self.dataset_files(slug),
            Self::download_file(resource, format)
        )
    }

    /// The file name of a download, relative to the dataset's URL: `organizations.csv`.
    pub fn download_file(resource: &Resource, format: Format) -> String {
        format!("{}.{}", resource.path, format.extension())
    }

    /// A CKAN action.
    pub fn ckan_action(&self, name: &str) -> String {
        format!("{}/api/3/action/{name}", self.base)
    }
}

/// The download formats of the record resources (defined with their encoders); the catalog
/// standards add how each is named in CKAN, IANA and the EU file-type vocabulary.
pub use crate::records::export::Format;

impl Format {
    /// The name CKAN and people use: `CSV`, `XLSX`, `JSON`, `NDJSON`.
    pub fn label(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Xlsx => "XLSX",
            Format::Json => "JSON",
            Format::Ndjson => "NDJSON",
        }
    }

    /// The media type's page in IANA's registry, when it is registered there.
    pub fn iana(self) -> Option<String> {
        match self {
            Format::Ndjson => None,
            f => Some(format!(
                "https://www.iana.org/assignments/media-types/{}",
                f.media_type()
            )),
        }
    }

    /// The format in the EU file-type vocabulary (DCAT-AP's `dct:format`), when it has one.
    pub fn eu_file_type(self) -> Option<&'static str> {
        match self {
            Format::Csv => Some("http://publications.europa.eu/resource/authority/file-type/CSV"),
            Format::Xlsx => Some("http://publications.europa.eu/resource/authority/file-type/XLSX"),
            Format::Json => Some("http://publications.europa.eu/resource/authority/file-type/JSON"),
            Format::Ndjson => None,
        }
    }

    /// What the download holds, in Chinese and English.
    pub fn describe(self) -> (&'static str, &'static str) {
        match self {
            Format::Csv => (
                "CSV（UTF-8，默认带 BOM，可用 Excel/WPS 直接打开；?bom=false 不带 BOM）",
                "CSV (UTF-8 with a BOM by default so that Excel and WPS open it; ?bom=false for none)",
            ),
            Format::Xlsx => ("Excel 工作簿（XLSX）", "Excel workbook (XLSX)"),
            Format::Json => ("JSON", "JSON"),
            Format::Ndjson => (
                "NDJSON（每行一条 JSON 记录）",
                "NDJSON (one JSON record per line)",
            ),
        }
    }
}

/// A publisher as an agent: a stable slug (the CKAN organization name) and its names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub slug: String,
    pub name_zh: String,
    /// Empty when the catalog does not know an English name.
    pub name_en: String,
}

/// The publisher of this name: one listed in [`crate::catalog::PUBLISHERS`], or else one whose
/// slug is `org-` and the first 12 hex digits of the SHA-256 of the name (stable across runs and
/// databases).
pub fn publisher(name: &str) -> Agent {
    if let Some(p) = crate::catalog::PUBLISHERS
        .iter()
        .find(|p| p.name_zh == name)
    {
        return Agent {
            slug: p.slug.into(),
            name_zh: p.name_zh.into(),
            name_en: p.name_en.into(),
        };
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(name.as_bytes());
    Agent {
        slug: format!("org-{}", &hex::encode(digest)[..12]),
        name_zh: name.to_string(),
        name_en: String::new(),
    }
}

/// The publisher of the catalog itself.
pub fn catalog_publisher() -> Agent {
    crate::catalog::PUBLISHERS
        .first()
        .map(|p| publisher(p.name_zh))
        .unwrap_or_else(|| publisher("gongkai"))
}

/// A licence, recognised from the catalog's licence text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Licence {
    /// SPDX identifier (`CC-BY-4.0`), or `other`.
    pub spdx: &'static str,
    /// CKAN's licence id (`cc-by`), or `other-at`.
    pub ckan: &'static str,
    /// The licence's name.
    pub title: &'static str,
    /// The licence's text on the web.
    pub url: Option<&'static str>,
    /// The licence in the EU licence vocabulary (DCAT-AP).
    pub eu: Option<&'static str>,
    /// The catalog's own words, e.g. `政府信息公开数据；汇编部分 CC BY 4.0`.
    pub text: String,
}

/// The licence a catalog text names. Texts that name CC BY 4.0 map to it; anything else is
/// "other" with the text kept.
pub fn licence(text: &str) -> Licence {
    let folded: String = crate::normalize::fold(text)
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '.')
        .collect();
    if folded.contains("ccby4.0") {
        Licence {
            spdx: "CC-BY-4.0",
            ckan: "cc-by",
            title: "Creative Commons Attribution 4.0 International",
            url: Some("https://creativecommons.org/licenses/by/4.0/"),
            eu: Some("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"),
            text: text.to_string(),
        }
    } else {
        Licence {
            spdx: "other",
            ckan: "other-at",
            title: "Other (Attribution)",
            url: None,
            eu: None,
            text: text.to_string(),
        }
    }
}

/// When the dataset was first published here: the oldest public release's publication time.
pub fn issued(d: &DatasetDetail) -> Option<&str> {
    d.releases
        .iter()
        .filter_map(|r| r.published_at.as_deref())
        .min()
}

/// When the dataset last changed: its current release's publication time, else the catalog
/// entry's.
pub fn modified(d: &DatasetDetail) -> &str {
    d.release
        .as_ref()
        .and_then(|r| r.published_at.as_deref())
        .unwrap_or(&d.updated_at)
}

/// The record resources (downloads) of a dataset, in catalog order.
pub fn resources(d: &DatasetDetail) -> Vec<&'static Resource> {
    records::resources_of(&d.slug).collect()
}

/// Themes in the EU data-theme vocabulary for the catalog's own theme names.
pub fn eu_themes(theme: &str) -> &'static [&'static str] {
    match theme {
        "finance" => &[
            "http://publications.europa.eu/resource/authority/data-theme/ECON",
            "http://publications.europa.eu/resource/authority/data-theme/GOVE",
        ],
        "social-assistance" | "social-organizations" => {
            &["http://publications.europa.eu/resource/authority/data-theme/SOCI"]
        }
        "transparency" => &["http://publications.europa.eu/resource/authority/data-theme/GOVE"],
        _ => &[],
    }
}

/// The update frequency in the EU frequency vocabulary.
pub fn eu_frequency(frequency: &str) -> Option<&'static str> {
    Some(match frequency {
        "annual" => "http://publications.europa.eu/resource/authority/frequency/ANNUAL",
        "semiannual" => "http://publications.europa.eu/resource/authority/frequency/ANNUAL_2",
        "quarterly" => "http://publications.europa.eu/resource/authority/frequency/QUARTERLY",
        "monthly" => "http://publications.europa.eu/resource/authority/frequency/MONTHLY",
        "weekly" => "http://publications.europa.eu/resource/authority/frequency/WEEKLY",
        "daily" => "http://publications.europa.eu/resource/authority/frequency/DAILY",
        "continuous" => "http://publications.europa.eu/resource/authority/frequency/UPDATE_CONT",
        "irregular" => "http://publications.europa.eu/resource/authority/frequency/IRREG",
        "never" => "http://publications.europa.eu/resource/authority/frequency/NEVER",
        _ => return None,
    })
}

/// The spatial coverage as a country in the EU country vocabulary, when it is the whole country.
pub fn eu_country(spatial: &str) -> Option<&'static str> {
    matches!(spatial.trim(), "中国" | "全国" | "中华人民共和国" | "China")
        .then_some("http://publications.europa.eu/resource/authority/country/CHN")
}

/// A bound of a temporal coverage: the value and its XSD type (`xsd:gYear`, `xsd:gYearMonth`,
/// `xsd:date`).
pub type TypedDate = (String, &'static str);

/// A temporal coverage written `START/END` (each `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; either side
/// may be empty), as typed bounds.
pub fn temporal_bounds(coverage: &str) -> Option<(Option<TypedDate>, Option<TypedDate>)> {
    let typed = |s: &str| -> Option<TypedDate> {
        let s = s.trim();
        let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
        let parts: Vec<&str> = s.split('-').collect();
        match parts.as_slice() {
            [y] if digits(y, 4) => Some((s.to_string(), "xsd:gYear")),
            [y, m] if digits(y, 4) && digits(m, 2) => Some((s.to_string(), "xsd:gYearMonth")),
            [y, m, d] if digits(y, 4) && digits(m, 2) && digits(d, 2) => {
                Some((s.to_string(), "xsd:date"))
            }
            _ => None,
        }
    };
    let (a, b) = match coverage.split_once('/') {
        Some((a, b)) => (a, b),
        None => (coverage, coverage),
    };
    let start = if a.trim().is_empty() {
        None
    } else {
        Some(typed(a)?)
    };
    let end = if b.trim().is_empty() {
        None
    } else {
        Some(typed(b)?)
    };
    (start.is_some() || end.is_some()).then_some((start, end))
}

/// Whether a text is Chinese (holds a CJK ideograph): decides a keyword's language tag.
pub fn is_chinese(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
    })
}

/// A dataset's keywords, with the marks of synthetic data added when it is synthetic.
pub fn keywords(d: &DatasetDetail) -> Vec<String> {
    let mut out = d.keywords.clone();
    if d.synthetic {
        out.push("合成数据".into());
        out.push("synthetic data".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_drop_a_trailing_slash() {
        let l = Links::new("http://x.test/");
        assert_eq!(l.catalog(), "http://x.test/catalog.jsonld");
        assert_eq!(
            l.datapackage("relief"),
            "http://x.test/api/v1/datasets/relief/datapackage.json"
        );
        let r = records::resource("organizations").expect("resource");
        assert_eq!(
            l.download("registry", r, Format::Csv),
            "http://x.test/api/v1/datasets/registry/organizations.csv"
        );
    }

    #[test]
    fn publishers_have_stable_slugs() {
        assert_eq!(
            publisher(crate::catalog::PUBLISHERS[0].name_zh).slug,
            "gongkai"
        );
        let a = publisher("某市民政局");
        assert_eq!(a, publisher("某市民政局"));
        assert!(
            a.slug.starts_with("org-") && a.slug.len() == 16,
            "{}",
            a.slug
        );
        assert_ne!(a.slug, publisher("某县民政局").slug);
    }

    #[test]
    fn licences_are_recognised() {
        assert_eq!(
            licence("政府信息公开数据；汇编部分 CC BY 4.0").spdx,
            "CC-BY-4.0"
        );
        assert_eq!(licence("ＣＣ－ＢＹ　４．０").spdx, "CC-BY-4.0");
        assert_eq!(licence("保留所有权利").spdx, "other");
    }

    #[test]
    fn temporal_coverage_is_typed() {
        assert_eq!(
            temporal_bounds("2017/2024-06"),
            Some((
                Some(("2017".into(), "xsd:gYear")),
                Some(("2024-06".into(), "xsd:gYearMonth"))
            ))
        );
        assert_eq!(
            temporal_bounds("2018-02-28/"),
            Some((Some(("2018-02-28".into(), "xsd:date")), None))
        );
        assert_eq!(temporal_bounds("近年"), None);
    }
}
