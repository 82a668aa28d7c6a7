//! The catalog as DCAT-AP 3 in JSON-LD: a `dcat:Catalog` with every dataset, each with one
//! `dcat:Distribution` per record resource and format, plus its data package.
//!
//! The `@context` is inline (prefixes only), so reading the document fetches nothing. Checked
//! against the DCAT-AP 3.0.1 SHACL shapes (`checks/standards.sh`).

use serde_json::{Value, json};

use super::{Agent, Format, Links};
use crate::query::DatasetDetail;

/// The JSON-LD context: the prefixes the documents use.
pub fn context() -> Value {
    json!({
        "dcat": "http://www.w3.org/ns/dcat#",
        "dct": "http://purl.org/dc/terms/",
        "dcatap": "http://data.europa.eu/r5r/",
        "foaf": "http://xmlns.com/foaf/0.1/",
        "vcard": "http://www.w3.org/2006/vcard/ns#",
        "adms": "http://www.w3.org/ns/adms#",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "xsd": "http://www.w3.org/2001/XMLSchema#"
    })
}

const ZH: &str = "zh-Hans";
const EN: &str = "en";

fn lang(value: &str, tag: &str) -> Value {
    json!({ "@value": value, "@language": tag })
}

/// A text in Chinese and, when there is one, English.
fn zh_en(zh: &str, en: &str) -> Value {
    if en.is_empty() {
        json!([lang(zh, ZH)])
    } else {
        json!([lang(zh, ZH), lang(en, EN)])
    }
}

fn iri(id: &str) -> Value {
    json!({ "@id": id })
}

/// An IRI with the class DCAT-AP expects of it (so that the range shapes hold without loading
/// the vocabularies).
fn typed(id: &str, class: &str) -> Value {
    json!({ "@id": id, "@type": class })
}

/// A concept of a controlled vocabulary, with its label.
fn concept(id: &str, zh: &str, en: &str) -> Value {
    json!({ "@id": id, "@type": "skos:Concept", "skos:prefLabel": zh_en(zh, en) })
}

/// The labels of the EU data themes the catalog uses.
fn theme(id: &str) -> Value {
    let (zh, en) = match id.rsplit('/').next().unwrap_or("") {
        "ECON" => ("经济和金融", "Economy and finance"),
        "GOVE" => ("政府和公共部门", "Government and public sector"),
        "SOCI" => ("人口和社会", "Population and society"),
        other => (other, other),
    };
    concept(id, zh, en)
}

/// Planned availability of the downloads: stable URLs.
fn availability() -> Value {
    concept(
        "http://publications.europa.eu/resource/authority/planned-availability/STABLE",
        "稳定",
        "stable",
    )
}

fn china() -> Value {
    json!({
        "@id": "http://publications.europa.eu/resource/authority/country/CHN",
        "@type": "dct:Location",
        "skos:prefLabel": zh_en("中国", "China"),
    })
}

/// A date (`YYYY-MM-DD`) or date-time (`…T…Z`) as a typed literal.
fn date(value: &str) -> Value {
    let t = if value.contains('T') {
        "xsd:dateTime"
    } else {
        "xsd:date"
    };
    json!({ "@value": value, "@type": t })
}

/// A publisher as a `foaf:Agent` (a blank node named after its slug, so the catalog and its
/// datasets share it).
fn agent(a: &Agent) -> Value {
    json!({
        "@id": format!("_:publisher-{}", a.slug),
        "@type": "foaf:Agent",
        "foaf:name": zh_en(&a.name_zh, &a.name_en),
    })
}

fn languages() -> Value {
    json!([typed(
        "http://publications.europa.eu/resource/authority/language/ZHO",
        "dct:LinguisticSystem"
    )])
}

/// A contact point: the maintainer's name and a page to reach them from.
fn contact(name: &str, page: &str) -> Value {
    json!({
        "@type": "vcard:Kind",
        "vcard:fn": lang(name, ZH),
        "vcard:hasURL": iri(page),
    })
}

/// The licence of every distribution, as a `dct:LicenseDocument`.
fn licence(text: &str) -> Value {
    let l = super::licence(text);
    let mut node = json!({
        "@type": "dct:LicenseDocument",
        "rdfs:label": [lang(&l.text, ZH), lang(l.title, EN)],
    });
    if l.url.is_some() {
        node["dct:type"] = concept(
            "http://purl.org/adms/licencetype/Attribution",
            "署名",
            "Attribution",
        );
    }
    if let Some(eu) = l.eu {
        node["@id"] = json!(eu);
    }
    if let Some(url) = l.url {
        node["rdfs:seeAlso"] = iri(url);
    }
    node
}

/// The whole catalog: every dataset with its distributions, the REST API as a data service.
pub fn catalog(datasets: &[DatasetDetail], links: &Links) -> Value {
    let publisher = super::catalog_publisher();
    let modified = datasets.iter().map(super::modified).max();
    let issued = datasets.iter().filter_map(super::issued).min();
    let mut cat = json!({
        "@context": context(),
        "@id": links.catalog(),
        "@type": "dcat:Catalog",
        "dct:title": zh_en("gongkai 民政公开数据目录", "gongkai: civil-affairs open data"),
        "dct:description": zh_en(
            "各级民政部门依法主动公开的数据：部门预算和决算、财政专项资金分配、社会救助统计、社会组织登记信息、政府信息公开工作年度报告。每个数字都附有来源文件和原文。",
            "Data that Chinese civil-affairs departments must disclose: budgets and final accounts, special subsidy fund allocations, social-assistance statistics, the social-organization registry and disclosure annual reports. Every figure carries its source document and its text as published."
        ),
        "dct:publisher": agent(&publisher),
        "foaf:homepage": typed(&links.home(), "foaf:Document"),
        "dct:language": languages(),
        "dct:spatial": china(),
        "dcat:themeTaxonomy": {
            "@id": "http://publications.europa.eu/resource/authority/data-theme",
            "@type": "skos:ConceptScheme",
            "dct:title": zh_en("数据主题", "Data theme"),
        },
        "dcat:dataset": datasets.iter().map(|d| dataset(d, links)).collect::<Vec<_>>(),
        "dcat:service": if links.has_api() { vec![json!({
            "@id": links.api(),
            "@type": "dcat:DataService",
            "dct:title": zh_en("gongkai REST API", "gongkai REST API"),
            "dct:description": zh_en(
                "列出、筛选、分页、汇总和下载各数据集的记录；OpenAPI 文档描述每个操作",
                "List, filter, page, total and download the records of every dataset; the OpenAPI document describes every operation"
            ),
            "dcat:endpointURL": iri(&links.api()),
            "dcat:endpointDescription": iri(&links.openapi()),
            "dct:conformsTo": typed("https://spec.openapis.org/oas/v3.1.0", "dct:Standard"),
            "dct:publisher": agent(&publisher),
            "dcat:contactPoint": contact(&datasets.first().map(|d| d.contact.clone()).unwrap_or_default(), &links.home()),
            "dcat:keyword": [lang("开放数据", ZH), lang("open data", EN), lang("API", EN)],
            "dcat:theme": [theme("http://publications.europa.eu/resource/authority/data-theme/GOVE")],
            "dcat:servesDataset": datasets.iter().map(|d| iri(&links.dataset(&d.slug))).collect::<Vec<_>>(),
        })] } else { Vec::new() },
    });
    // The catalog's licence, when all its datasets share one.
    if let Some(first) = datasets.first()
        && datasets.iter().all(|d| d.licence == first.licence)
    {
        cat["dct:license"] = licence(&first.licence);
    }
    if let Some(m) = modified {
        cat["dct:modified"] = date(m);
    }
    if let Some(i) = issued {
        cat["dct:issued"] = date(i);
    }
    cat
}

/// One dataset as a `dcat:Dataset` node (without `@context`).
pub fn dataset(d: &DatasetDetail, links: &Links) -> Value {
    let slug = &d.slug;
    let page = links.dataset(slug);
    let mut node = json!({
        "@id": page,
        "@type": "dcat:Dataset",
        "dct:title": zh_en(&d.title_zh, &d.title_en),
        "dct:description": zh_en(&d.description_zh, &d.description_en),
        "dct:identifier": d.index_number,
        "dcat:keyword": super::keywords(d)
            .iter()
            .map(|k| lang(k, if super::is_chinese(k) { ZH } else { EN }))
            .collect::<Vec<_>>(),
        "dcat:theme": super::eu_themes(&d.theme).iter().map(|t| theme(t)).collect::<Vec<_>>(),
        "dct:publisher": agent(&super::publisher(&d.publisher)),
        "dcat:contactPoint": contact(&d.contact, &page),
        "dct:modified": date(super::modified(d)),
        "dct:language": languages(),
        "dcat:landingPage": typed(&page, "foaf:Document"),
        "dcat:distribution": distributions(d, links),
    });
    if let Some(i) = super::issued(d) {
        node["dct:issued"] = date(i);
    }
    if let Some(r) = &d.release {
        node["dcat:version"] = json!(r.version.to_string());
    }
    if let Some(f) = super::eu_frequency(&d.update_frequency) {
        node["dct:accrualPeriodicity"] = typed(f, "dct:Frequency");
    }
    if let Some(s) = &d.spatial_coverage {
        node["dct:spatial"] = match super::eu_country(s) {
            Some(_) => china(),
            None => json!({ "@type": "dct:Location", "skos:prefLabel": lang(s, ZH) }),
        };
    }
    if let Some((start, end)) = d
        .temporal_coverage
        .as_deref()
        .and_then(super::temporal_bounds)
    {
        let mut period = json!({ "@type": "dct:PeriodOfTime" });
        if let Some((v, t)) = start {
            period["dcat:startDate"] = json!({ "@value": v, "@type": t });
        }
        if let Some((v, t)) = end {
            period["dcat:endDate"] = json!({ "@value": v, "@type": t });
        }
        node["dct:temporal"] = period;
    }
    // The document that orders the disclosure and fixes its format (文号, 发文日期).
    if let Some(n) = &d.document_number {
        let mut standard = json!({
            "@type": "dct:Standard",
            "dct:identifier": n,
            "rdfs:label": lang(n, ZH),
        });
        if let Some(on) = &d.issued_on {
            standard["dct:issued"] = date(on);
        }
        node["dct:conformsTo"] = standard;
    }
    if let Some(by) = &d.superseded_by {
        node["dct:isReplacedBy"] = iri(&links.dataset(by));
    }
    // The source documents behind the figures.
    let pages: Vec<Value> = d
        .sources
        .iter()
        .filter_map(|s| {
            s.url.as_ref().map(|u| {
                json!({
                    "@id": u,
                    "@type": "foaf:Document",
                    "dct:title": lang(&s.title, ZH),
                })
            })
        })
        .collect();
    if !pages.is_empty() {
        node["foaf:page"] = json!(pages);
    }
    node
}

/// The distributions of a dataset: every record resource in every download format, and the
/// data package that describes the CSV files.
fn distributions(d: &DatasetDetail, links: &Links) -> Vec<Value> {
    let slug = &d.slug;
    let page = links.dataset(slug);
    let modified = super::modified(d);
    let mut out = Vec::new();
    for r in super::resources(d) {
        for &f in links.formats() {
            let url = links.download(slug, r, f);
            let (fzh, fen) = f.describe();
            let mut dist = json!({
                "@id": format!("{page}#{}-{}", r.path, f.extension()),
                "@type": "dcat:Distribution",
                "dct:title": zh_en(
                    &format!("{}（{}）", r.title_zh, f.label()),
                    &format!("{} ({})", r.title_en, f.label()),
                ),
                "dct:description": zh_en(fzh, fen),
                "dcat:accessURL": iri(&url),
                "dcat:downloadURL": iri(&url),
                "dct:license": licence(&d.licence),
                "dcatap:availability": availability(),
                "dct:modified": date(modified),
            });
            if let Some(t) = f.eu_file_type() {
                dist["dct:format"] = typed(t, "dct:MediaTypeOrExtent");
            }
            if let Some(m) = f.iana() {
                dist["dcat:mediaType"] = typed(&m, "dct:MediaType");
            }
            if f == Format::Csv {
                // The data package holds the CSV's Table Schema.
                dist["dct:conformsTo"] = typed(&links.datapackage(slug), "dct:Standard");
            }
            out.push(dist);
        }
    }
    let dp = links.datapackage(slug);
    out.push(json!({
        "@id": format!("{page}#datapackage"),
        "@type": "dcat:Distribution",
        "dct:title": zh_en("数据包描述（Frictionless Data Package）", "Frictionless Data Package descriptor"),
        "dct:description": zh_en(
            "描述各 CSV 文件的字段、类型和约束的 datapackage.json",
            "datapackage.json: the fields, types and constraints of every CSV file"
        ),
        "dcat:accessURL": iri(&dp),
        "dcat:downloadURL": iri(&dp),
        "dct:format": typed("http://publications.europa.eu/resource/authority/file-type/JSON", "dct:MediaTypeOrExtent"),
        "dcat:mediaType": typed("https://www.iana.org/assignments/media-types/application/json", "dct:MediaType"),
        "dct:conformsTo": typed("https://specs.frictionlessdata.io/data-package/", "dct:Standard"),
        "dct:license": licence(&d.licence),
        "dcatap:availability": availability(),
        "dct:modified": date(modified),
    }));
    out
}
