//! The registry's organizations: a permanent address for every one of them, within a bounded
//! number of files. An organization lives on the page of its bucket, a fixed function of its
//! credit code (FNV-1a over the code's bytes, modulo [`BUCKETS`]), at `org/{bucket:04x}.html#{USCC}`:
//! the address never depends on what else is in the registry, and a national registry of a
//! million organizations takes at most 8,192 pages. The registry search index is written here too,
//! from the same rows.

use std::collections::HashMap;

use schema::query::ReleaseCache;
use schema::records::list::{ReleaseRef, Row, Scan, Sort, Walk};
use schema::records::view::{Flat, flat_row, money_mask};
use schema::records::{FieldType, QueryError, Resource};
use sea_orm::DatabaseConnection;
use serde::Serialize;

use crate::BuildError;
use crate::i18n::Lang;
use crate::search::{OrgEntry, RegistryIndex};
use crate::site::{LangLink, Site};

/// How many pages the organizations are spread over.
pub const BUCKETS: u32 = 8192;

/// The bucket of a credit code: FNV-1a (32-bit) over its UTF-8 bytes, modulo [`BUCKETS`].
pub fn org_bucket(uscc: &str) -> u32 {
    crate::search::fnv1a32(uscc) % BUCKETS
}

/// The permanent address of an organization, relative to the site's root.
pub fn org_href(uscc: &str) -> String {
    format!("org/{:04x}.html#{uscc}", org_bucket(uscc))
}

/// A table's columns as a page shows them: which flat cells, under which labels.
#[derive(Debug, Clone, Serialize)]
struct Columns {
    title_zh: &'static str,
    title_en: &'static str,
    labels: Vec<String>,
    #[serde(skip)]
    keep: Vec<usize>,
}

impl Columns {
    /// The flat columns worth showing: not the row id, the fen twin of a yuan figure, the
    /// source's id or the row number (the source's title and link are shown).
    fn of(r: &'static Resource, related: bool) -> Columns {
        let flat = r.flat_columns();
        let mut keep = Vec::new();
        let mut labels = Vec::new();
        for (i, c) in flat.iter().enumerate() {
            let hidden = matches!(
                c.name.as_str(),
                "id" | "source_id" | "row_no" | "extra" | "source_url"
            ) || c.field_type == FieldType::Fen
                || c.name.ends_with("_published")
                // A related row's credit code is its organization's, shown above it.
                || (related && c.name == "uscc");
            if !hidden {
                keep.push(i);
                labels.push(label(r, &c.name, &c.description_zh));
            }
        }
        Columns {
            title_zh: r.title_zh,
            title_en: r.title_en,
            labels,
            keep,
        }
    }

    fn cells(&self, flat: &[Flat<'_>]) -> Vec<String> {
        self.keep
            .iter()
            .map(|&i| flat_text(flat.get(i), ("是", "否")))
            .collect()
    }
}

/// A flat cell as text; `yes_no` names the two booleans.
pub(crate) fn flat_text(cell: Option<&Flat<'_>>, yes_no: (&str, &str)) -> String {
    match cell {
        Some(Flat::Text(s)) => (*s).to_string(),
        Some(Flat::Owned(s)) => s.clone(),
        Some(Flat::Int(v)) => v.to_string(),
        Some(Flat::Bool(b)) => if *b { yes_no.0 } else { yes_no.1 }.to_string(),
        Some(Flat::Null) | None => String::new(),
    }
}

/// A column's label: the header departments write (`统一社会信用代码`), else its description.
fn label(r: &Resource, name: &str, description: &str) -> String {
    let key = name.strip_suffix("_yuan").unwrap_or(name);
    if name == "source_title" {
        return "来源文件".into();
    }
    r.descriptor
        .and_then(|t| t.columns.iter().find(|c| c.key == key))
        .map(|c| c.header.to_string())
        .unwrap_or_else(|| description.to_string())
}

/// One organization on its page.
#[derive(Debug, Serialize)]
struct Card {
    uscc: String,
    name: String,
    cells: Vec<String>,
    source_title: String,
    source_url: Option<String>,
    /// Rows of each related table (by the table's index in the page's `related`).
    related: Vec<Vec<Vec<String>>>,
}

#[derive(Serialize)]
struct OrgPage<'a> {
    bucket: String,
    columns: &'a Columns,
    related: &'a [Columns],
    orgs: &'a [Card],
    registry_href: String,
}

/// Write every organization's page and the registry search index; the number of organizations.
/// With no organizations published, the index is written empty (search still finds datasets).
pub async fn write(db: &DatabaseConnection, site: &Site) -> Result<u64, BuildError> {
    let n = write_pages(db, site).await?;
    if n == 0 {
        let dir = site.dir().join("search/registry");
        RegistryIndex::new()
            .write(&dir)
            .map_err(crate::io_at(&dir))?;
    }
    Ok(n)
}

async fn write_pages(db: &DatabaseConnection, site: &Site) -> Result<u64, BuildError> {
    let Some(orgs_r) = schema::records::resource("organizations") else {
        return Ok(0);
    };
    let Some(release) = schema::query::current_release(db, orgs_r.dataset).await? else {
        return Ok(0);
    };
    let cache = ReleaseCache::default();
    let info = cache
        .get(db, release.id)
        .await?
        .ok_or_else(|| BuildError::Invalid(format!("release {} vanished", release.id)))?;
    let sources = &info.sources;
    let columns = Columns::of(orgs_r, false);
    let stored = orgs_r.stored_columns();
    let money = money_mask(orgs_r, &stored);
    let uscc_at = stored.iter().position(|c| c.name == "uscc");
    let name_at = stored.iter().position(|c| c.name == "name");
    let (Some(uscc_at), Some(name_at)) = (uscc_at, name_at) else {
        return Err(BuildError::Invalid(
            "organizations lack uscc or name".into(),
        ));
    };

    // Every organization, grouped by bucket.
    let mut buckets: Vec<Vec<Card>> = (0..BUCKETS).map(|_| Vec::new()).collect();
    let mut at: HashMap<String, (u32, u32)> = HashMap::new();
    let sort = Sort::by_id();
    walk(db, orgs_r, &stored, release.id, &sort, |row| {
        let text = |i: usize| match row.cells.get(i) {
            Some(schema::records::list::Cell::Text(s)) => s.clone(),
            _ => String::new(),
        };
        let uscc = text(uscc_at);
        let name = text(name_at);
        let mut flat = Vec::with_capacity(columns.labels.len() + 8);
        flat_row(&money, row, sources, &mut flat);
        let source = sources.get(&row.source_id);
        let b = org_bucket(&uscc);
        let list = &mut buckets[b as usize];
        at.insert(uscc.clone(), (b, list.len() as u32));
        list.push(Card {
            cells: columns.cells(&flat),
            source_title: source.map(|s| s.title.clone()).unwrap_or_default(),
            source_url: source.and_then(|s| s.url.clone()),
            related: Vec::new(),
            uscc,
            name,
        });
    })
    .await?;
    let count = at.len() as u64;
    if count == 0 {
        return Ok(0);
    }

    // Their inspections, evaluations, penalties, credit listings and charity filings.
    let related: Vec<&'static Resource> = schema::records::resources_of(orgs_r.dataset)
        .filter(|r| r.path != orgs_r.path)
        .filter(|r| r.stored_columns().iter().any(|c| c.name == "uscc"))
        .collect();
    let related_cols: Vec<Columns> = related.iter().map(|r| Columns::of(r, true)).collect();
    for list in &mut buckets {
        for card in list {
            card.related = vec![Vec::new(); related.len()];
        }
    }
    // The same dataset, so the same release as the organizations.
    for (k, r) in related.iter().enumerate() {
        let stored = r.stored_columns();
        let money = money_mask(r, &stored);
        let Some(key_at) = stored.iter().position(|c| c.name == "uscc") else {
            continue;
        };
        let cols = &related_cols[k];
        walk(db, r, &stored, release.id, &sort, |row| {
            let Some(schema::records::list::Cell::Text(u)) = row.cells.get(key_at) else {
                return;
            };
            if let Some(&(b, i)) = at.get(u) {
                let mut flat = Vec::with_capacity(cols.labels.len() + 8);
                flat_row(&money, row, sources, &mut flat);
                buckets[b as usize][i as usize].related[k].push(cols.cells(&flat));
            }
        })
        .await?;
    }
    drop(at);

    // The search index, in credit-code order.
    let mut entries: Vec<OrgEntry> = buckets
        .iter()
        .flatten()
        .map(|c| OrgEntry {
            href: org_href(&c.uscc),
            uscc: c.uscc.clone(),
            name: c.name.clone(),
        })
        .collect();
    entries.sort_by(|a, b| a.uscc.cmp(&b.uscc));
    let mut index = RegistryIndex::new();
    for e in entries {
        index.add(e);
    }
    index
        .write(&site.dir().join("search/registry"))
        .map_err(crate::io_at(&site.dir().join("search/registry")))?;

    // The pages, on both cores.
    for list in &mut buckets {
        list.sort_by(|a, b| a.uscc.cmp(&b.uscc));
    }
    let work: Vec<(u32, &Vec<Card>)> = buckets
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(b, l)| (b as u32, l))
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(4);
    let chunk = work.len().div_ceil(threads).max(1);
    std::thread::scope(|s| -> Result<(), BuildError> {
        let handles: Vec<_> = work
            .chunks(chunk)
            .map(|part| {
                let columns = &columns;
                let related_cols = &related_cols;
                s.spawn(move || -> Result<(), BuildError> {
                    for (b, list) in part {
                        write_page(site, *b, list, columns, related_cols)?;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join()
                .map_err(|_| BuildError::Invalid("a page-writing thread panicked".into()))??;
        }
        Ok(())
    })?;
    Ok(count)
}

fn write_page(
    site: &Site,
    b: u32,
    orgs: &[Card],
    columns: &Columns,
    related: &[Columns],
) -> Result<(), BuildError> {
    let lang = Lang::ZhHans;
    let path = format!("org/{b:04x}.html");
    let bucket = format!("{b:04x}");
    let title = lang.t("org_page_title").replace("{b}", &bucket);
    let mut chrome = site.chrome(lang, &path, &title);
    // The page itself is in Chinese (names are as registered); the switch leads to the
    // registry's dataset page in the other languages.
    chrome.langs = Lang::ALL
        .iter()
        .map(|l| LangLink {
            tag: l.tag(),
            name: l.name(),
            href: if *l == lang {
                format!("{}{path}", chrome.root)
            } else {
                format!("{}{}datasets/registry/index.html", chrome.root, l.prefix())
            },
            current: *l == lang,
        })
        .collect();
    let page = OrgPage {
        registry_href: format!("{}datasets/registry/index.html", chrome.root),
        bucket,
        columns,
        related,
        orgs,
    };
    let html = site.render("org.html", &chrome, &page)?;
    site.write(&path, html.as_bytes())?;
    site.add_page(path, lang);
    Ok(())
}

/// Every row of a resource's release, in id order, handed to `each`.
async fn walk(
    db: &DatabaseConnection,
    r: &Resource,
    stored: &[schema::records::StoredColumn],
    release: i64,
    sort: &Sort,
    mut each: impl FnMut(&Row),
) -> Result<(), BuildError> {
    let scan = Scan {
        resource: r,
        columns: stored,
        release: ReleaseRef::Id(release),
        filters: &[],
        sort,
    };
    let mut w = Walk::new(scan, None, None);
    while w
        .next_batch(db, |row| {
            each(row);
            Ok::<_, QueryError>(())
        })
        .await?
        > 0
    {}
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_fixed() {
        // FNV-1a test vector: "a" → 0xe40c292c.
        let mut h: u32 = 0x811c_9dc5;
        h ^= u32::from(b'a');
        h = h.wrapping_mul(0x0100_0193);
        assert_eq!(h, 0xe40c_292c);
        assert_eq!(org_bucket("a"), 0xe40c_292c % BUCKETS);
        assert!(org_href("51110000MJ0000000X").starts_with("org/"));
    }
}
