//! One dataset as a schema.org `Dataset` in JSON-LD (what search engines' dataset search reads):
//! names, description, identifier (索引号), keywords, licence, publisher, dates, coverage, the
//! downloads as `DataDownload`s, the data dictionary as `variableMeasured`, and the source
//! documents as `isBasedOn`. Nothing else is embedded.

use serde_json::{Value, json};

use super::Links;
use crate::query::DatasetDetail;

pub fn dataset(d: &DatasetDetail, links: &Links) -> Value {
    let slug = &d.slug;
    let page = links.dataset(slug);
    let publisher = super::publisher(&d.publisher);
    let mut org = json!({ "@type": "Organization", "name": publisher.name_zh });
    if !publisher.name_en.is_empty() {
        org["alternateName"] = json!(publisher.name_en);
    }
    let licence = super::licence(&d.licence);
    let mut distribution = Vec::new();
    for r in super::resources(d) {
        for &f in links.formats() {
            distribution.push(json!({
                "@type": "DataDownload",
                "name": format!("{}（{}）", r.title_zh, f.label()),
                "encodingFormat": f.media_type(),
                "contentUrl": links.download(slug, r, f),
            }));
        }
    }
    let variables: Vec<Value> = d
        .dictionary
        .iter()
        .map(|f| {
            let mut v = json!({
                "@type": "PropertyValue",
                "name": format!("{}.{}", f.table, f.key),
                "alternateName": f.header,
                "description": format!("{} / {}", f.description_zh, f.description_en),
            });
            if let Some(u) = &f.base_unit {
                v["unitText"] = json!(u);
            }
            v
        })
        .collect();
    let sources: Vec<Value> = d
        .sources
        .iter()
        .map(|s| {
            let mut w = json!({ "@type": "CreativeWork", "name": s.title });
            if let Some(u) = &s.url {
                w["url"] = json!(u);
            }
            w
        })
        .collect();
    let mut doc = json!({
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": page,
        "url": page,
        "name": d.title_zh,
        "alternateName": d.title_en,
        "description": format!("{}\n\n{}", d.description_zh, d.description_en),
        "identifier": d.index_number,
        "keywords": super::keywords(d),
        "inLanguage": "zh-Hans",
        "isAccessibleForFree": true,
        "license": licence.url.unwrap_or(&licence.text),
        "creator": org.clone(),
        "publisher": org,
        "dateModified": super::modified(d),
        "distribution": distribution,
        "variableMeasured": variables,
        "includedInDataCatalog": {
            "@type": "DataCatalog",
            "name": "gongkai 民政公开数据目录",
            "url": links.catalog(),
        },
        "subjectOf": {
            "@type": "DigitalDocument",
            "name": "datapackage.json",
            "encodingFormat": "application/json",
            "url": links.datapackage(slug),
        },
    });
    if let Some(i) = super::issued(d) {
        doc["datePublished"] = json!(i);
    }
    if let Some(r) = &d.release {
        doc["version"] = json!(r.version.to_string());
    }
    if let Some(s) = &d.spatial_coverage {
        doc["spatialCoverage"] = json!({ "@type": "Place", "name": s });
    }
    if let Some(t) = &d.temporal_coverage {
        doc["temporalCoverage"] = json!(t);
    }
    if !sources.is_empty() {
        doc["isBasedOn"] = json!(sources);
    }
    doc
}
