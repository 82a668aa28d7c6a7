//! The catalog for machines: DCAT-AP JSON-LD (`catalog.jsonld`), Project Open Data's
//! `data.json`, an Atom feed of releases (`feed.xml`), `sitemap.xml` and `robots.txt`.
//! Every date is the data's own (releases' publication times), never the build's, so building
//! twice from the same data gives the same bytes.

use std::fmt::Write;

use schema::query::DatasetDetail;
use schema::standards::{self, Links};
use serde_json::{Value, json};

use crate::BuildError;
use crate::downloads::documents_links;
use crate::i18n::Lang;
use crate::site::Site;
use crate::site::escape as esc;

/// Write every catalog document.
pub fn write_all(site: &Site, datasets: &[DatasetDetail]) -> Result<(), BuildError> {
    let links = documents_links(site, "catalog.jsonld");
    let dcat = standards::dcat::catalog(datasets, &links);
    site.write(
        "catalog.jsonld",
        serde_json::to_string_pretty(&dcat)?.as_bytes(),
    )?;
    site.write(
        "data.json",
        serde_json::to_string_pretty(&data_json(datasets, &links))?.as_bytes(),
    )?;
    site.write("feed.xml", atom(site, datasets).as_bytes())?;
    site.write("sitemap.xml", sitemap(site).as_bytes())?;
    let mut robots = String::from("User-agent: *\nAllow: /\n");
    if let Some(b) = &site.base_url {
        let _ = writeln!(robots, "Sitemap: {b}/sitemap.xml");
    }
    site.write("robots.txt", robots.as_bytes())?;
    Ok(())
}

/// An address in the site: absolute under the base URL, else the path itself.
fn url(site: &Site, path: &str) -> String {
    match &site.base_url {
        Some(b) => format!("{b}/{path}"),
        None => path.to_string(),
    }
}

/// The latest publication time of the catalog (the feed's `updated`).
fn latest(datasets: &[DatasetDetail]) -> String {
    datasets
        .iter()
        .flat_map(|d| d.releases.iter().filter_map(|r| r.published_at.clone()))
        .max()
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}

/// Atom 1.0: one entry per published release of every dataset, newest first.
fn atom(site: &Site, datasets: &[DatasetDetail]) -> String {
    let mut entries: Vec<(String, &DatasetDetail, &schema::query::ReleaseHistoryView)> = datasets
        .iter()
        .flat_map(|d| {
            d.releases
                .iter()
                .filter_map(move |r| r.published_at.clone().map(|p| (p, d, r)))
        })
        .collect();
    entries.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.slug.cmp(&b.1.slug)));
    let mut s = String::new();
    s.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    s.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-Hans\">\n");
    let _ = writeln!(s, "  <title>{}</title>", esc(&Lang::ZhHans.t("site_name")));
    let _ = writeln!(
        s,
        "  <subtitle>{}</subtitle>",
        esc(&Lang::ZhHans.t("latest"))
    );
    let _ = writeln!(s, "  <id>{}</id>", esc(&feed_id(site)));
    let _ = writeln!(s, "  <updated>{}</updated>", latest(datasets));
    let _ = writeln!(
        s,
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        esc(&url(site, "index.html"))
    );
    let _ = writeln!(
        s,
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
        esc(&url(site, "feed.xml"))
    );
    let _ = writeln!(
        s,
        "  <author><name>{}</name></author>",
        esc(&Lang::ZhHans.t("site_name"))
    );
    for (published, d, r) in entries {
        let _ = writeln!(s, "  <entry>");
        let _ = writeln!(
            s,
            "    <title>{} · 第 {} 版 / version {}</title>",
            esc(&d.title_zh),
            r.version,
            r.version
        );
        let _ = writeln!(
            s,
            "    <id>urn:gongkai:release:{}:{}</id>",
            esc(&d.slug),
            r.version
        );
        let _ = writeln!(s, "    <published>{published}</published>");
        let _ = writeln!(s, "    <updated>{published}</updated>");
        let _ = writeln!(
            s,
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
            esc(&url(site, &format!("datasets/{}/index.html", d.slug)))
        );
        let _ = writeln!(
            s,
            "    <summary>{}（{} 行，{}）。{} ({} rows, {}).</summary>",
            esc(&d.title_zh),
            r.row_count,
            esc(&Lang::ZhHans.t(&format!("state_{}", r.state))),
            esc(&d.title_en),
            r.row_count,
            esc(&Lang::En.t(&format!("state_{}", r.state))),
        );
        let _ = writeln!(s, "  </entry>");
    }
    s.push_str("</feed>\n");
    s
}

fn feed_id(site: &Site) -> String {
    match &site.base_url {
        Some(b) => format!("{b}/feed.xml"),
        None => "urn:gongkai:catalog".into(),
    }
}

/// Every HTML page, with its other languages as `xhtml:link` alternates.
fn sitemap(site: &Site) -> String {
    let pages = site.pages();
    let mut s = String::new();
    s.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    s.push_str("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n");
    for (file, lang) in &pages {
        if file.ends_with("404.html") {
            continue;
        }
        let neutral = file.strip_prefix(lang.prefix()).unwrap_or(file);
        let _ = writeln!(s, "  <url>\n    <loc>{}</loc>", esc(&url(site, file)));
        if !neutral.starts_with("org/") {
            for l in Lang::ALL {
                let _ = writeln!(
                    s,
                    "    <xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
                    l.tag(),
                    esc(&url(site, &format!("{}{neutral}", l.prefix())))
                );
            }
        }
        s.push_str("  </url>\n");
    }
    s.push_str("</urlset>\n");
    s
}

/// Project Open Data's catalog (`data.json`, schema v1.1), which many portals harvest.
fn data_json(datasets: &[DatasetDetail], links: &Links) -> Value {
    let list: Vec<Value> = datasets
        .iter()
        .map(|d| {
            let publisher = standards::publisher(&d.publisher);
            let licence = standards::licence(&d.licence);
            let mut distribution = Vec::new();
            for r in standards::resources(d) {
                for &f in links.formats() {
                    distribution.push(json!({
                        "@type": "dcat:Distribution",
                        "title": format!("{} ({})", r.title_en, f.label()),
                        "downloadURL": links.download(&d.slug, r, f),
                        "mediaType": f.media_type(),
                        "format": f.label(),
                    }));
                }
            }
            distribution.push(json!({
                "@type": "dcat:Distribution",
                "title": "Frictionless data package",
                "downloadURL": links.datapackage(&d.slug),
                "mediaType": "application/json",
                "format": "datapackage.json",
                "conformsTo": "https://specs.frictionlessdata.io/data-package/",
            }));
            let mut v = json!({
                "@type": "dcat:Dataset",
                "title": format!("{} ({})", d.title_zh, d.title_en),
                "description": format!("{}\n\n{}", d.description_zh, d.description_en),
                "keyword": standards::keywords(d),
                "modified": standards::modified(d),
                "publisher": { "@type": "org:Organization", "name": publisher.name_zh },
                "contactPoint": { "@type": "vcard:Contact", "fn": d.contact },
                "identifier": d.index_number,
                "accessLevel": "public",
                "landingPage": links.dataset(&d.slug),
                "language": ["zh-CN", "en"],
                "distribution": distribution,
            });
            if let Some(u) = licence.url {
                v["license"] = json!(u);
            }
            if let Some(i) = standards::issued(d) {
                v["issued"] = json!(i);
            }
            if let Some(s) = &d.spatial_coverage {
                v["spatial"] = json!(s);
            }
            if let Some(t) = &d.temporal_coverage {
                v["temporal"] = json!(t);
            }
            v
        })
        .collect();
    json!({
        "@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
        "@type": "dcat:Catalog",
        "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
        "describedBy": "https://project-open-data.cio.gov/v1.1/schema/catalog.json",
        "dataset": list,
    })
}
