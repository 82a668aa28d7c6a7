//! A read-only subset of CKAN's Action API (as of CKAN 2.10), so that CKAN clients and harvesters
//! (ckanapi, ckanext-harvest, ckanext-dcat) can read the catalog: `package_list`,
//! `package_show`, `package_search`, `organization_list`, `organization_show`, plus
//! `status_show` and `help_show` (every answer's `help` link points there).
//!
//! A package is a dataset (`name` = slug); an organization is a publisher (发布机构). Parameters
//! come as a JSON object (a POST body, or a GET query string where every value is a string);
//! they are checked the way CKAN checks them, and a bad one is a `Validation Error` naming the
//! field. The HTTP envelope (`help`, `success`, `result`/`error`) is the API's business.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DbErr};
use serde_json::{Map, Value, json};

use super::{Format, Links};
use crate::query::{self, DatasetDetail};

/// The actions served, with the help text `help_show` returns.
pub const ACTIONS: &[(&str, &str)] = &[
    (
        "package_list",
        "Return a list of the names of the site's datasets (packages).\n\n:param limit: if given, the list of datasets will be broken into pages of at most ``limit`` datasets per page and only one page will be returned at a time (optional)\n:type limit: int\n:param offset: when ``limit`` is given, the offset to start returning packages from\n:type offset: int\n\n:rtype: list of strings",
    ),
    (
        "package_show",
        "Return the metadata of a dataset (package) and its resources.\n\n:param id: the id or name of the dataset\n:type id: string\n\n:rtype: dictionary",
    ),
    (
        "package_search",
        "Search for packages satisfying a given search criteria.\n\n:param q: the search query; every term must occur in the title, description, keywords, name, 索引号 or publisher (``*:*`` or empty: everything). ``field:value`` terms, ``-field:value`` to exclude, ``OR`` between alternatives.\n:param fq: a filter query in the same syntax; fields: name, id, title, notes, text, tags, organization, owner_org, groups, res_format, license_id, identifier, metadata_modified, metadata_created (ranges ``[2024-01-01T00:00:00Z TO *]``), dataset_type, type, state, capacity\n:param fq_list: additional filter queries\n:param sort: ``name asc``, ``title_string desc``, ``metadata_modified desc``, ``metadata_created asc`` … (default ``score desc, metadata_modified desc``)\n:param rows: the maximum number of matching rows to return (default 10, at most 1000)\n:param start: the offset in the complete result\n:param facet.field: the fields to facet upon (organization, tags, groups, res_format, license_id)\n:param facet.limit: the maximum number of values per facet (default 50; -1 for all)\n:param facet.mincount: the minimum count a value needs to be shown (default 1)\n\n:returns: ``count``, ``results``, ``facets``, ``search_facets`` and ``sort``\n:rtype: dictionary",
    ),
    (
        "organization_list",
        "Return a list of the names of the site's organizations (publishers).\n\n:param sort: ``name``, ``title`` or ``package_count``, then ``asc`` or ``desc`` (default ``title asc``)\n:param limit: the maximum number of organizations returned (optional)\n:param offset: when ``limit`` is given, the offset to start from\n:param organizations: a list of names of the organizations to return (optional)\n:param all_fields: return organization dictionaries instead of just names (default false)\n\n:rtype: list of strings or dictionaries",
    ),
    (
        "organization_show",
        "Return the details of an organization (publisher).\n\n:param id: the id or name of the organization\n:param include_datasets: include a list of the organization's datasets (default false)\n:param include_dataset_count: include the number of datasets (default true)\n\n:rtype: dictionary",
    ),
    (
        "status_show",
        "Return a dictionary with information about the site's configuration.\n\n:rtype: dictionary",
    ),
    (
        "help_show",
        "Return the help string for a particular API action.\n\n:param name: action function name (e.g. ``package_search``)\n:type name: string\n\n:rtype: string",
    ),
];

/// Whether CKAN clients can call this action here.
pub fn is_action(name: &str) -> bool {
    ACTIONS.iter().any(|(n, _)| *n == name)
}

/// What went wrong, in CKAN's terms.
#[derive(Debug, thiserror::Error)]
pub enum CkanError {
    /// 400 `Bad request - Action name not known: NAME` (CKAN answers a bare JSON string).
    #[error("Action name not known: {0}")]
    UnknownAction(String),
    /// 400 `Bad request - JSON Error: …` (the body is not a JSON object).
    #[error("JSON Error: {0}")]
    BadRequest(String),
    /// 404 `Not Found Error`.
    #[error("{0}")]
    NotFound(String),
    /// 409 `Validation Error`: messages per field.
    #[error("validation error")]
    Validation(BTreeMap<String, Vec<String>>),
    /// 409 `Search Error`: a query this subset cannot answer.
    #[error("Search error: {0}")]
    Search(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl CkanError {
    fn field(field: &str, message: impl Into<String>) -> Self {
        CkanError::Validation(BTreeMap::from([(field.to_string(), vec![message.into()])]))
    }

    /// The `error` object of CKAN's envelope (for every kind but [`CkanError::UnknownAction`]
    /// and [`CkanError::BadRequest`], which CKAN answers with a bare string).
    pub fn error_object(&self) -> Value {
        match self {
            CkanError::NotFound(m) => json!({
                "__type": "Not Found Error",
                "message": if m.is_empty() { "Not found".to_string() } else { format!("Not found: {m}") },
            }),
            CkanError::Validation(fields) => {
                let mut o = Map::new();
                for (k, v) in fields {
                    o.insert(k.clone(), json!(v));
                }
                o.insert("__type".into(), json!("Validation Error"));
                Value::Object(o)
            }
            CkanError::Search(m) => json!({
                "__type": "Search Error",
                "message": format!("Search error: {m}"),
            }),
            CkanError::UnknownAction(_) | CkanError::BadRequest(_) => json!({
                "__type": "Bad Request",
                "message": format!("Bad request - {self}"),
            }),
            CkanError::Db(_) => json!({
                "__type": "Internal Server Error",
                "message": "Internal Server Error",
            }),
        }
    }
}

/// Call an action with its parameters.
pub async fn call(
    db: &impl ConnectionTrait,
    links: &Links,
    action: &str,
    params: &Map<String, Value>,
) -> Result<Value, CkanError> {
    let errors = type_errors(params);
    if !errors.is_empty() && action != "package_search" {
        return Err(CkanError::Validation(errors));
    }
    match action {
        "package_list" => {
            let limit = natural(params, "limit")?;
            let offset = natural(params, "offset")?.unwrap_or(0);
            let mut names: Vec<String> = query::list_datasets(db)
                .await?
                .into_iter()
                .map(|d| d.slug)
                .collect();
            names.sort();
            Ok(json!(page(names, offset, limit)))
        }
        "package_show" => {
            let id = required_string(params, "id")?;
            let d = query::dataset_detail(db, &id)
                .await?
                .ok_or_else(|| CkanError::NotFound(String::new()))?;
            Ok(package(&d, links))
        }
        "package_search" => {
            // Its own checks and the common ones, reported together.
            let p = match SearchParams::parse(params) {
                Ok(p) if errors.is_empty() => p,
                Ok(_) => return Err(CkanError::Validation(errors)),
                Err(CkanError::Validation(more)) => {
                    return Err(CkanError::Validation(merge(errors, more)));
                }
                Err(e) => return Err(e),
            };
            let all = query::dataset_details(db).await?;
            search(&all, &p, links)
        }
        "organization_list" => {
            let all = query::dataset_details(db).await?;
            organization_list(&all, params, links)
        }
        "organization_show" => {
            let id = required_string(params, "id")?;
            let include_datasets = boolean(params, "include_datasets")?.unwrap_or(false);
            let include_count = boolean(params, "include_dataset_count")?.unwrap_or(true);
            let all = query::dataset_details(db).await?;
            let orgs = organizations(&all);
            let org = orgs
                .into_iter()
                .find(|o| o.agent.slug == id)
                .ok_or_else(|| CkanError::NotFound("Group was not found".into()))?;
            let mut v = organization(&org, include_count);
            if include_datasets {
                let packages: Vec<Value> = all
                    .iter()
                    .filter(|d| super::publisher(&d.publisher).slug == org.agent.slug)
                    .map(|d| package(d, links))
                    .collect();
                v["packages"] = json!(packages);
            }
            Ok(v)
        }
        "status_show" => Ok(json!({
            "site_title": "gongkai 民政公开数据目录",
            "site_description": "Data that Chinese civil-affairs departments must disclose, with the source of every figure.",
            "site_url": links.base(),
            "ckan_version": "2.10.0",
            "api_version": 3,
            "locale_default": "zh_Hans_CN",
            "extensions": [],
        })),
        "help_show" => {
            let name = required_string(params, "name")?;
            ACTIONS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, h)| json!(h))
                .ok_or_else(|| CkanError::NotFound("Action function not found".into()))
        }
        other => Err(CkanError::UnknownAction(other.to_string())),
    }
}

/// Messages per field, merged without repeats.
fn merge(
    mut a: BTreeMap<String, Vec<String>>,
    b: BTreeMap<String, Vec<String>>,
) -> BTreeMap<String, Vec<String>> {
    for (k, v) in b {
        let have = a.entry(k).or_default();
        for m in v {
            if !have.contains(&m) {
                have.push(m);
            }
        }
    }
    a
}

/// Every parameter the actions know is checked for its type whichever action is called, so a
/// malformed value is refused even where the action would not read it.
fn type_errors(params: &Map<String, Value>) -> BTreeMap<String, Vec<String>> {
    let mut errors = BTreeMap::new();
    let mut take = |r: Result<(), CkanError>| {
        if let Err(CkanError::Validation(m)) = r {
            errors = merge(std::mem::take(&mut errors), m);
        }
    };
    for key in ["rows", "start", "limit", "offset", "facet.mincount"] {
        take(natural(params, key).map(|_| ()));
    }
    take(integer(params, "facet.limit").map(|_| ()));
    for key in [
        "include_datasets",
        "include_dataset_count",
        "all_fields",
        "facet",
        "include_private",
        "include_drafts",
        "include_deleted",
    ] {
        take(boolean(params, key).map(|_| ()));
    }
    for key in ["facet.field", "fq_list", "organizations"] {
        take(string_list(params, key).map(|_| ()));
    }
    for key in ["id", "name", "q", "fq", "sort"] {
        take(string(params, key).map(|_| ()));
    }
    errors
}

fn page<T>(items: Vec<T>, offset: u64, limit: Option<u64>) -> Vec<T> {
    let it = items.into_iter().skip(offset as usize);
    match limit {
        Some(l) => it.take(l as usize).collect(),
        None => it.collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Parameters, checked as CKAN checks them.

fn scalar(params: &Map<String, Value>, key: &str) -> Option<Value> {
    params.get(key).filter(|v| !v.is_null()).cloned()
}

/// A non-negative integer parameter (a JSON number or a string of digits).
fn natural(params: &Map<String, Value>, key: &str) -> Result<Option<u64>, CkanError> {
    let Some(v) = scalar(params, key) else {
        return Ok(None);
    };
    let n: i64 = match &v {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| CkanError::field(key, "Invalid integer"))?,
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| CkanError::field(key, "Invalid integer"))?,
        _ => return Err(CkanError::field(key, "Invalid integer")),
    };
    u64::try_from(n)
        .map(Some)
        .map_err(|_| CkanError::field(key, "Must be a natural number"))
}

/// An integer parameter that may be negative (`facet.limit: -1`).
fn integer(params: &Map<String, Value>, key: &str) -> Result<Option<i64>, CkanError> {
    match scalar(params, key) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| CkanError::field(key, "Invalid integer")),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| CkanError::field(key, "Invalid integer")),
        Some(_) => Err(CkanError::field(key, "Invalid integer")),
    }
}

/// A boolean parameter: a JSON boolean or `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`.
fn boolean(params: &Map<String, Value>, key: &str) -> Result<Option<bool>, CkanError> {
    match scalar(params, key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(Some(true)),
        Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(Some(false)),
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" | "t" | "y" => Ok(Some(true)),
            "false" | "0" | "no" | "off" | "f" | "n" | "" => Ok(Some(false)),
            _ => Err(CkanError::field(key, "Value must be a boolean")),
        },
        Some(_) => Err(CkanError::field(key, "Value must be a boolean")),
    }
}

/// A string parameter (a number is taken as its text).
fn string(params: &Map<String, Value>, key: &str) -> Result<Option<String>, CkanError> {
    match scalar(params, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(CkanError::field(key, "Must be a string")),
    }
}

fn required_string(params: &Map<String, Value>, key: &str) -> Result<String, CkanError> {
    match string(params, key)? {
        Some(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        _ => Err(CkanError::field(key, "Missing value")),
    }
}

/// A list of strings: a JSON list, or a string holding a JSON list (as GET parameters do).
fn string_list(params: &Map<String, Value>, key: &str) -> Result<Option<Vec<String>>, CkanError> {
    let v = match scalar(params, key) {
        None => return Ok(None),
        Some(Value::String(s)) => {
            if s.trim().is_empty() {
                return Ok(None);
            }
            serde_json::from_str::<Value>(&s).map_err(|_| CkanError::field(key, "Not a list"))?
        }
        Some(v) => v,
    };
    let Value::Array(items) = v else {
        return Err(CkanError::field(key, "Not a list"));
    };
    items
        .into_iter()
        .map(|i| match i {
            Value::String(s) => Ok(s),
            _ => Err(CkanError::field(key, "Not a string")),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

// ---------------------------------------------------------------------------------------------
// Documents.

/// CKAN writes timestamps as naive UTC with microseconds: `2026-11-22T12:00:00.000000`.
fn ckan_time(t: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| {
            d.with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%S%.6f")
                .to_string()
        })
        .unwrap_or_else(|_| t.to_string())
}

fn resource_id(slug: &str, path: &str, ext: &str) -> String {
    format!("{slug}-{path}-{ext}")
}

/// A dataset as a CKAN package dictionary, with the downloads and the data package as its
/// resources, keywords as tags, the theme as a group, and the Chinese disclosure fields as
/// extras (`identifier` = 索引号, `document_number` = 文号, `document_issued` = 发文日期,
/// `validity` = 效力状态).
pub fn package(d: &DatasetDetail, links: &Links) -> Value {
    let slug = &d.slug;
    let created = ckan_time(super::issued(d).unwrap_or(&d.updated_at));
    let modified = ckan_time(super::modified(d));
    let mut resources = Vec::new();
    for r in super::resources(d) {
        for f in Format::ALL {
            let (_, en) = f.describe();
            resources.push(json!({
                "id": resource_id(slug, r.path, f.extension()),
                "package_id": slug,
                "name": format!("{}（{}）", r.title_zh, f.label()),
                "description": format!("{} — {}", r.title_en, en),
                "format": f.label(),
                "mimetype": f.media_type(),
                "url": links.download(slug, r, f),
                "url_type": null,
                "state": "active",
                "created": created,
                "last_modified": modified,
                "metadata_modified": modified,
                "size": null,
                "hash": "",
                "resource_type": null,
                "datastore_active": false,
            }));
        }
    }
    resources.push(json!({
        "id": resource_id(slug, "datapackage", "json"),
        "package_id": slug,
        "name": "datapackage.json",
        "description": "Frictionless Data Package: the fields, types and constraints of every CSV file",
        "format": "JSON",
        "mimetype": "application/json",
        "url": links.datapackage(slug),
        "url_type": null,
        "state": "active",
        "created": created,
        "last_modified": modified,
        "metadata_modified": modified,
        "size": null,
        "hash": "",
        "resource_type": "datapackage",
        "datastore_active": false,
    }));
    for (i, r) in resources.iter_mut().enumerate() {
        r["position"] = json!(i);
    }
    let tags: Vec<Value> = super::keywords(d)
        .iter()
        .map(|k| {
            json!({
                "id": k, "name": k, "display_name": k, "state": "active", "vocabulary_id": null,
            })
        })
        .collect();
    let licence = super::licence(&d.licence);
    let publisher = super::publisher(&d.publisher);
    let org = organization(
        &Organization {
            agent: publisher.clone(),
            package_count: 0,
            created: created.clone(),
        },
        false,
    );
    let mut extras: BTreeMap<&str, String> = BTreeMap::new();
    extras.insert("identifier", d.index_number.clone());
    extras.insert("validity", d.validity.clone());
    extras.insert("frequency", d.update_frequency.clone());
    extras.insert("contact_name", d.contact.clone());
    extras.insert("title_en", d.title_en.clone());
    extras.insert("notes_en", d.description_en.clone());
    extras.insert("synthetic", d.synthetic.to_string());
    extras.insert(
        "theme",
        serde_json::to_string(super::eu_themes(&d.theme)).unwrap_or_default(),
    );
    extras.insert("dcat_landing_page", links.dataset(slug));
    extras.insert("schema_org", links.schema_org(slug));
    if let Some(n) = &d.document_number {
        extras.insert("document_number", n.clone());
    }
    if let Some(on) = &d.issued_on {
        extras.insert("document_issued", on.clone());
    }
    if let Some(by) = &d.superseded_by {
        extras.insert("superseded_by", by.clone());
    }
    if let Some(s) = &d.spatial_coverage {
        extras.insert("spatial_text", s.clone());
        if let Some(c) = super::eu_country(s) {
            extras.insert("spatial_uri", c.into());
        }
    }
    if let Some(t) = &d.temporal_coverage {
        extras.insert("temporal", t.clone());
    }
    json!({
        "id": slug,
        "name": slug,
        "title": d.title_zh,
        "notes": format!("{}\n\n{}", d.description_zh, d.description_en),
        "url": links.dataset(slug),
        "version": d.release.as_ref().map(|r| r.version.to_string()),
        "state": "active",
        "type": "dataset",
        "private": false,
        "isopen": licence.url.is_some(),
        "license_id": licence.ckan,
        "license_title": if licence.url.is_some() { licence.title.to_string() } else { licence.text.clone() },
        "license_url": licence.url,
        "author": publisher.name_zh,
        "author_email": null,
        "maintainer": d.contact,
        "maintainer_email": null,
        "metadata_created": created,
        "metadata_modified": modified,
        "creator_user_id": null,
        "owner_org": publisher.slug,
        "organization": org,
        "num_resources": resources.len(),
        "num_tags": tags.len(),
        "resources": resources,
        "tags": tags,
        "groups": [{
            "id": d.theme, "name": d.theme, "title": d.theme, "display_name": d.theme,
            "description": "", "image_display_url": "",
        }],
        "extras": extras
            .into_iter()
            .map(|(k, v)| json!({ "key": k, "value": v }))
            .collect::<Vec<_>>(),
        "relationships_as_object": [],
        "relationships_as_subject": [],
    })
}

/// A publisher with its datasets counted.
#[derive(Debug, Clone)]
pub struct Organization {
    pub agent: super::Agent,
    pub package_count: usize,
    /// When its first dataset was published (CKAN's timestamp format).
    pub created: String,
}

/// The publishers of these datasets, in order of first appearance.
pub fn organizations(datasets: &[DatasetDetail]) -> Vec<Organization> {
    let mut out: Vec<Organization> = Vec::new();
    for d in datasets {
        let agent = super::publisher(&d.publisher);
        let created = ckan_time(super::issued(d).unwrap_or(&d.updated_at));
        match out.iter_mut().find(|o| o.agent.slug == agent.slug) {
            Some(o) => {
                o.package_count += 1;
                if created < o.created {
                    o.created = created;
                }
            }
            None => out.push(Organization {
                agent,
                package_count: 1,
                created,
            }),
        }
    }
    out
}

/// An organization dictionary.
pub fn organization(o: &Organization, include_count: bool) -> Value {
    let mut v = json!({
        "id": o.agent.slug,
        "name": o.agent.slug,
        "title": o.agent.name_zh,
        "display_name": o.agent.name_zh,
        "description": o.agent.name_en,
        "image_url": "",
        "image_display_url": "",
        "created": o.created,
        "is_organization": true,
        "approval_status": "approved",
        "state": "active",
        "type": "organization",
        "num_followers": 0,
        "extras": [],
        "tags": [],
        "groups": [],
        "users": [],
    });
    if include_count {
        v["package_count"] = json!(o.package_count);
    }
    v
}

fn organization_list(
    datasets: &[DatasetDetail],
    params: &Map<String, Value>,
    _links: &Links,
) -> Result<Value, CkanError> {
    let sort = string(params, "sort")?.unwrap_or_else(|| "title asc".into());
    let limit = natural(params, "limit")?;
    let offset = natural(params, "offset")?.unwrap_or(0);
    let all_fields = boolean(params, "all_fields")?.unwrap_or(false);
    let include_count = boolean(params, "include_dataset_count")?.unwrap_or(true);
    let only = string_list(params, "organizations")?;
    let mut words = sort.split_whitespace();
    let field = words.next().unwrap_or("title").to_string();
    let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => return Err(CkanError::field("sort", "Invalid sort order")),
    };
    let mut orgs = organizations(datasets);
    if let Some(only) = &only {
        orgs.retain(|o| only.contains(&o.agent.slug));
    }
    let cmp = |a: &Organization, b: &Organization| -> Ordering {
        match field.as_str() {
            "name" => a.agent.slug.cmp(&b.agent.slug),
            "package_count" => a.package_count.cmp(&b.package_count),
            _ => a.agent.name_zh.cmp(&b.agent.name_zh),
        }
    };
    if !matches!(field.as_str(), "name" | "title" | "package_count") {
        return Err(CkanError::field(
            "sort",
            format!("Cannot sort by field `{field}`"),
        ));
    }
    orgs.sort_by(|a, b| if desc { cmp(b, a) } else { cmp(a, b) });
    let orgs = page(orgs, offset, limit);
    Ok(if all_fields {
        json!(
            orgs.iter()
                .map(|o| organization(o, include_count))
                .collect::<Vec<_>>()
        )
    } else {
        json!(
            orgs.iter()
                .map(|o| o.agent.slug.clone())
                .collect::<Vec<_>>()
        )
    })
}

// ---------------------------------------------------------------------------------------------
// package_search.

/// The checked parameters of `package_search`.
#[derive(Debug, Clone)]
pub struct SearchParams {
    pub q: String,
    pub fq: Vec<String>,
    pub sort: String,
    pub rows: u64,
    pub start: u64,
    pub facet: bool,
    pub facet_fields: Vec<String>,
    pub facet_limit: i64,
    pub facet_mincount: u64,
}

/// At most this many results per page (CKAN's `ckan.search.rows_max` default).
pub const ROWS_MAX: u64 = 1000;

/// The sort of `package_search` when none is given.
pub const DEFAULT_SORT: &str = "score desc, metadata_modified desc";

impl SearchParams {
    pub fn parse(params: &Map<String, Value>) -> Result<Self, CkanError> {
        let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut take = |r: Result<(), CkanError>| {
            if let Err(CkanError::Validation(m)) = r {
                for (k, v) in m {
                    errors.entry(k).or_default().extend(v);
                }
            }
        };
        let mut p = SearchParams {
            q: String::new(),
            fq: Vec::new(),
            sort: DEFAULT_SORT.into(),
            rows: 10,
            start: 0,
            facet: true,
            facet_fields: Vec::new(),
            facet_limit: 50,
            facet_mincount: 1,
        };
        take(string(params, "q").map(|v| p.q = v.unwrap_or_default()));
        take(string(params, "fq").map(|v| p.fq.extend(v)));
        take(string_list(params, "fq_list").map(|v| p.fq.extend(v.unwrap_or_default())));
        take(string(params, "sort").map(|v| {
            if let Some(s) = v.filter(|s| !s.trim().is_empty()) {
                p.sort = s;
            }
        }));
        take(natural(params, "rows").map(|v| p.rows = v.unwrap_or(10).min(ROWS_MAX)));
        take(natural(params, "start").map(|v| p.start = v.unwrap_or(0)));
        take(boolean(params, "facet").map(|v| p.facet = v.unwrap_or(true)));
        take(string_list(params, "facet.field").map(|v| p.facet_fields = v.unwrap_or_default()));
        take(integer(params, "facet.limit").map(|v| p.facet_limit = v.unwrap_or(50)));
        take(natural(params, "facet.mincount").map(|v| p.facet_mincount = v.unwrap_or(1)));
        for flag in ["include_private", "include_drafts", "include_deleted"] {
            take(boolean(params, flag).map(|_| ()));
        }
        if let Err(e) = sort_keys(&p.sort) {
            take(Err(e));
        }
        if errors.is_empty() {
            Ok(p)
        } else {
            Err(CkanError::Validation(errors))
        }
    }
}

/// The fields `package_search` sorts by, with their direction (`true` = descending).
fn sort_keys(sort: &str) -> Result<Vec<(String, bool)>, CkanError> {
    let mut out = Vec::new();
    for part in sort.split(',') {
        let mut w = part.split_whitespace();
        let Some(field) = w.next() else { continue };
        let desc = match w.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(CkanError::field(
                    "sort",
                    format!("Invalid sort direction `{other}` (asc or desc)"),
                ));
            }
        };
        if !matches!(
            field,
            "score"
                | "id"
                | "name"
                | "title"
                | "title_string"
                | "metadata_modified"
                | "metadata_created"
                | "num_resources"
                | "num_tags"
        ) {
            return Err(CkanError::field(
                "sort",
                format!(
                    "Cannot sort by `{field}` (id, name, title_string, metadata_modified, metadata_created, num_resources, num_tags, score)"
                ),
            ));
        }
        out.push((field.to_string(), desc));
    }
    Ok(out)
}

/// One term of a query: `[+|-]field:value`, `field:[A TO B]`, `"a phrase"` or a word.
#[derive(Debug, Clone, PartialEq)]
enum Term {
    Text(String),
    Field {
        field: String,
        value: String,
    },
    Range {
        field: String,
        from: Option<String>,
        to: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
struct Clause {
    negate: bool,
    term: Term,
}

/// A query as alternatives (`OR`) of clauses that must all hold.
fn parse_query(q: &str) -> Result<Vec<Vec<Clause>>, CkanError> {
    let q = q.trim();
    if q.is_empty() || q == "*:*" || q == "*" {
        return Ok(vec![Vec::new()]);
    }
    // Split into tokens, keeping "quoted phrases" and [ranges] whole.
    let mut tokens: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut quote = false;
    let mut bracket = 0usize;
    for c in q.chars() {
        match c {
            '"' => {
                quote = !quote;
                cur.push(c);
            }
            '[' | '{' if !quote => {
                bracket += 1;
                cur.push(c);
            }
            ']' | '}' if !quote => {
                bracket = bracket.saturating_sub(1);
                cur.push(c);
            }
            c if c.is_whitespace() && !quote && bracket == 0 => {
                if !cur.is_empty() {
                    tokens.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if quote || bracket > 0 {
        return Err(CkanError::Search(format!(
            "unbalanced quote or bracket in `{q}`"
        )));
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    let mut groups = vec![Vec::new()];
    for t in tokens {
        match t.as_str() {
            "AND" | "&&" => continue,
            "OR" | "||" => {
                groups.push(Vec::new());
                continue;
            }
            _ => {}
        }
        let (negate, body) = match t.strip_prefix('-').or_else(|| t.strip_prefix('!')) {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(&t)),
        };
        let unquote = |s: &str| s.trim_matches('"').to_string();
        let term = match body.split_once(':') {
            Some((field, value))
                if !field.is_empty()
                    && field
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') =>
            {
                let field = field.to_string();
                if (value.starts_with('[') || value.starts_with('{'))
                    && (value.ends_with(']') || value.ends_with('}'))
                {
                    let inner = &value[1..value.len() - 1];
                    let (a, b) = inner.split_once(" TO ").ok_or_else(|| {
                        CkanError::Search(format!("a range is `[FROM TO UNTIL]`: `{value}`"))
                    })?;
                    let bound = |s: &str| {
                        let s = s.trim().trim_matches('"');
                        (!(s == "*" || s.starts_with("NOW"))).then(|| s.to_string())
                    };
                    Term::Range {
                        field,
                        from: bound(a),
                        to: bound(b),
                    }
                } else {
                    Term::Field {
                        field,
                        value: unquote(value),
                    }
                }
            }
            _ => Term::Text(unquote(body)),
        };
        if let Some(g) = groups.last_mut() {
            g.push(Clause { negate, term });
        }
    }
    groups.retain(|g| !g.is_empty());
    if groups.is_empty() {
        groups.push(Vec::new());
    }
    Ok(groups)
}

fn fold(s: &str) -> String {
    crate::normalize::fold(s).to_lowercase()
}

/// What a dataset offers for one field of a query.
fn field_values(d: &DatasetDetail, field: &str) -> Result<Vec<String>, CkanError> {
    Ok(match field {
        "name" | "id" => vec![d.slug.clone()],
        "title" | "title_string" => vec![d.title_zh.clone(), d.title_en.clone()],
        "notes" => vec![d.description_zh.clone(), d.description_en.clone()],
        "tags" => super::keywords(d),
        "organization" | "owner_org" => vec![super::publisher(&d.publisher).slug],
        "groups" => vec![d.theme.clone()],
        "res_format" => Format::ALL
            .iter()
            .map(|f| f.label().to_string())
            .chain(["JSON".to_string()])
            .collect(),
        "license_id" => vec![super::licence(&d.licence).ckan.to_string()],
        "identifier" | "index_number" => vec![d.index_number.clone()],
        "metadata_modified" => vec![ckan_time(super::modified(d))],
        "metadata_created" => vec![ckan_time(super::issued(d).unwrap_or(&d.updated_at))],
        "dataset_type" | "type" => vec!["dataset".into()],
        "state" => vec!["active".into()],
        "capacity" => vec!["public".into()],
        other => {
            return Err(CkanError::Search(format!(
                "cannot search the field `{other}`"
            )));
        }
    })
}

/// Whether a field's text matches: exact for names and codes, substring for free text.
fn value_matches(field: &str, have: &str, want: &str) -> bool {
    let want = want.trim_matches('*');
    if want.is_empty() {
        return !have.is_empty();
    }
    match field {
        "title" | "notes" => fold(have).contains(&fold(want)),
        "metadata_modified" | "metadata_created" => have.starts_with(want.trim_end_matches('Z')),
        _ => fold(have) == fold(want),
    }
}

fn clause_matches(d: &DatasetDetail, c: &Clause) -> Result<bool, CkanError> {
    let hit = match &c.term {
        Term::Text(t) => query::dataset_matches_text(d, t),
        Term::Field { field, value } if field == "text" || field == "q" => {
            query::dataset_matches_text(d, value)
        }
        Term::Field { field, value } => field_values(d, field)?
            .iter()
            .any(|h| value_matches(field, h, value)),
        Term::Range { field, from, to } => {
            // Timestamps compare as text once both are CKAN's naive UTC form.
            let norm = |s: &str| ckan_time(s).trim_end_matches('Z').to_string();
            field_values(d, field)?.iter().any(|h| {
                from.as_ref().is_none_or(|f| h.as_str() >= norm(f).as_str())
                    && to.as_ref().is_none_or(|t| h.as_str() <= norm(t).as_str())
            })
        }
    };
    Ok(hit != c.negate)
}

fn matches(d: &DatasetDetail, query: &[Vec<Clause>]) -> Result<bool, CkanError> {
    for group in query {
        let mut all = true;
        for c in group {
            if !clause_matches(d, c)? {
                all = false;
                break;
            }
        }
        if all {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `package_search` over these datasets.
pub fn search(
    datasets: &[DatasetDetail],
    p: &SearchParams,
    links: &Links,
) -> Result<Value, CkanError> {
    let mut queries = vec![parse_query(&p.q)?];
    for fq in &p.fq {
        queries.push(parse_query(fq)?);
    }
    let mut hits: Vec<&DatasetDetail> = Vec::new();
    for d in datasets {
        let mut ok = true;
        for q in &queries {
            if !matches(d, q)? {
                ok = false;
                break;
            }
        }
        if ok {
            hits.push(d);
        }
    }
    let keys = sort_keys(&p.sort)?;
    let key = |d: &DatasetDetail, field: &str| -> (String, usize) {
        match field {
            // A package's id is its name (ckanext-harvest pages with `sort=id asc`).
            "name" | "id" => (d.slug.clone(), 0),
            "title" | "title_string" => (d.title_zh.clone(), 0),
            "metadata_modified" => (ckan_time(super::modified(d)), 0),
            "metadata_created" => (ckan_time(super::issued(d).unwrap_or(&d.updated_at)), 0),
            "num_resources" => (
                String::new(),
                super::resources(d).len() * Format::ALL.len() + 1,
            ),
            "num_tags" => (String::new(), super::keywords(d).len()),
            _ => (String::new(), 0), // score: every hit scores the same
        }
    };
    hits.sort_by(|a, b| {
        for (field, desc) in &keys {
            let o = key(a, field).cmp(&key(b, field));
            let o = if *desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
    let count = hits.len();
    let mut facets = Map::new();
    let mut search_facets = Map::new();
    if p.facet {
        for field in &p.facet_fields {
            let mut counts: BTreeMap<String, (usize, String)> = BTreeMap::new();
            for d in &hits {
                let values: Vec<(String, String)> = match field.as_str() {
                    "organization" | "owner_org" => {
                        let a = super::publisher(&d.publisher);
                        vec![(a.slug, a.name_zh)]
                    }
                    "tags" => super::keywords(d)
                        .into_iter()
                        .map(|k| (k.clone(), k))
                        .collect(),
                    "groups" => vec![(d.theme.clone(), d.theme.clone())],
                    "res_format" => Format::ALL
                        .iter()
                        .map(|f| (f.label().to_string(), f.label().to_string()))
                        .collect(),
                    "license_id" => {
                        let l = super::licence(&d.licence);
                        vec![(l.ckan.to_string(), l.title.to_string())]
                    }
                    _ => Vec::new(),
                };
                for (name, display) in values {
                    counts.entry(name).or_insert((0, display)).0 += 1;
                }
            }
            let mut items: Vec<(String, usize, String)> = counts
                .into_iter()
                .map(|(n, (c, disp))| (n, c, disp))
                .filter(|(_, c, _)| *c as u64 >= p.facet_mincount)
                .collect();
            items.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            if p.facet_limit >= 0 {
                items.truncate(p.facet_limit as usize);
            }
            facets.insert(
                field.clone(),
                Value::Object(
                    items
                        .iter()
                        .map(|(n, c, _)| (n.clone(), json!(c)))
                        .collect(),
                ),
            );
            search_facets.insert(
                field.clone(),
                json!({
                    "title": field,
                    "items": items
                        .iter()
                        .map(|(n, c, disp)| json!({ "name": n, "display_name": disp, "count": c }))
                        .collect::<Vec<_>>(),
                }),
            );
        }
    }
    let results: Vec<Value> = hits
        .into_iter()
        .skip(p.start as usize)
        .take(p.rows as usize)
        .map(|d| package(d, links))
        .collect();
    Ok(json!({
        "count": count,
        "sort": p.sort,
        "facets": facets,
        "search_facets": search_facets,
        "results": results,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_parse_like_solr_filters() {
        let q = parse_query(r#"organization:gongkai -tags:"三公 经费" 低保 OR name:relief"#)
            .expect("parse");
        assert_eq!(q.len(), 2);
        assert_eq!(q[0].len(), 3);
        assert!(q[0][1].negate);
        assert_eq!(
            q[0][1].term,
            Term::Field {
                field: "tags".into(),
                value: "三公 经费".into()
            }
        );
        assert_eq!(q[0][2].term, Term::Text("低保".into()));
        let r = parse_query("metadata_modified:[2024-01-01T00:00:00Z TO NOW]").expect("range");
        assert_eq!(
            r[0][0].term,
            Term::Range {
                field: "metadata_modified".into(),
                from: Some("2024-01-01T00:00:00Z".into()),
                to: None
            }
        );
        assert_eq!(parse_query("*:*").expect("all"), vec![Vec::new()]);
        assert!(matches!(
            parse_query("tags:\"open"),
            Err(CkanError::Search(_))
        ));
    }

    #[test]
    fn parameters_are_checked_per_field() {
        let p: Map<String, Value> = serde_json::from_value(json!({
            "rows": "x", "start": -1, "sort": "colour asc", "facet.field": "organization"
        }))
        .expect("map");
        let Err(CkanError::Validation(e)) = SearchParams::parse(&p) else {
            panic!("expected a validation error");
        };
        assert_eq!(e["rows"], vec!["Invalid integer"]);
        assert_eq!(e["start"], vec!["Must be a natural number"]);
        assert!(e["sort"][0].contains("colour"));
        assert_eq!(e["facet.field"], vec!["Not a list"]);
        let ok: Map<String, Value> =
            serde_json::from_value(json!({ "rows": "5000", "facet.field": "[\"tags\"]" }))
                .expect("map");
        let p = SearchParams::parse(&ok).expect("valid");
        assert_eq!(p.rows, ROWS_MAX);
        assert_eq!(p.facet_fields, vec!["tags"]);
    }

    #[test]
    fn timestamps_are_ckan_style() {
        assert_eq!(
            ckan_time("2026-11-22T12:00:00Z"),
            "2026-11-22T12:00:00.000000"
        );
    }
}
