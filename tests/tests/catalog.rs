//! The static catalog on SQLite and PostgreSQL: what `gongkai catalog build` writes from the real
//! data and from a synthetic registry. Every relative link resolves, nothing is fetched from
//! another host, downloads are the API's bytes, a build is reproducible and signed, and a failed
//! build leaves the previous site as it was. (The browser, accessibility and HTML checks run in
//! `checks/catalog.sh`.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use tests::{TestDb, both};

both! {
    real_data_site => real_data_site;
    registry_pages => registry_pages;
    failed_build_keeps_the_old_site => failed_build_keeps_the_old_site;
}

/// Every file of a site, by its path relative to the root.
fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .expect("under root")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// The values of `attr="…"` in an HTML text.
fn attrs<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let pat = format!(" {attr}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&pat) {
        rest = &rest[i + pat.len()..];
        if let Some(j) = rest.find('"') {
            out.push(&rest[..j]);
            rest = &rest[j..];
        }
    }
    out
}

/// Resolve a relative link from the page at `from` (a path in the site).
fn resolve(from: &str, link: &str) -> String {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for seg in link.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// Check every link of every page: relative links resolve to files of the site (and their
/// fragment to an id in that file); nothing is loaded from elsewhere. Returns the pages checked.
fn check_links(site: &BTreeMap<String, Vec<u8>>) -> usize {
    let mut ids: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let pages: Vec<(&String, String)> = site
        .iter()
        .filter(|(k, _)| k.ends_with(".html"))
        .map(|(k, v)| (k, String::from_utf8(v.clone()).expect("utf-8 page")))
        .collect();
    for (k, html) in &pages {
        ids.insert(
            k.as_str(),
            attrs(html, "id").into_iter().map(String::from).collect(),
        );
    }
    for (k, html) in &pages {
        assert!(html.starts_with("<!DOCTYPE html>"), "{k}: no doctype");
        // Things the browser loads by itself: stylesheets, scripts, images.
        for src in attrs(html, "src") {
            assert!(
                !src.contains("://") && !src.starts_with("//"),
                "{k}: loads {src} from elsewhere"
            );
        }
        for link in html.split("<link ").skip(1) {
            let tag = format!(" {link}");
            let href = attrs(&tag, "href").first().copied().unwrap_or("");
            if link.contains("rel=\"stylesheet\"")
                || link.contains("rel=\"preload\"")
                || link.contains("rel=\"icon\"")
            {
                assert!(!href.contains("://"), "{k}: loads {href} from elsewhere");
            }
        }
        for href in attrs(html, "href") {
            if href.starts_with("http://")
                || href.starts_with("https://")
                || href.starts_with("mailto:")
            {
                continue; // links out (source documents), never loaded by the page
            }
            assert!(
                !href.starts_with('/'),
                "{k}: root-relative link {href} breaks under a sub-path"
            );
            let (path, frag) = match href.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (href, None),
            };
            let target = if path.is_empty() {
                k.to_string()
            } else {
                resolve(k, path)
            };
            if path.ends_with('/') {
                assert!(
                    site.keys().any(|f| f.starts_with(&target)),
                    "{k}: folder link {href} leads nowhere"
                );
                continue;
            }
            assert!(
                site.contains_key(&target),
                "{k}: broken link {href} (→ {target})"
            );
            if let Some(f) = frag.filter(|f| !f.is_empty())
                && let Some(t) = ids.get(target.as_str())
            {
                assert!(t.contains(f), "{k}: {href}: no element #{f} in {target}");
            }
        }
    }
    let css = String::from_utf8(site["static/site.css"].clone()).expect("css");
    assert!(
        !css.contains("://") && !css.contains("@import"),
        "the stylesheet loads from elsewhere"
    );
    pages.len()
}

fn build_opts(out: &Path) -> catalog::Options {
    catalog::Options::new(out)
}

async fn real_data_site(t: TestDb) {
    gongkai::load_real_data(&t.db).await.expect("real data");
    let tmp = tempfile::tempdir().expect("tempdir");
    let keys = tmp.path().join("keys");
    std::fs::create_dir_all(&keys).expect("keys");
    catalog::verify::keygen(&keys.join("secret.pem"), &keys.join("public.pem")).expect("keygen");
    let out = tmp.path().join("site");
    let opts = catalog::Options {
        sign_key: Some(keys.join("secret.pem")),
        ..build_opts(&out)
    };
    let report = catalog::build(&t.db, &opts).await.expect("build");
    assert_eq!(report.datasets, 5);
    assert!(report.signed);
    let site = files(&out);
    assert_eq!(
        report.files as usize,
        site.len(),
        "the report counts every file"
    );

    // Pages: every dataset in every language, with its language declared.
    for slug in ["budgets", "funds", "relief", "registry", "annual_reports"] {
        for (prefix, lang) in [("", "zh-Hans"), ("zh-Hant/", "zh-Hant"), ("en/", "en")] {
            let page = format!("{prefix}datasets/{slug}/index.html");
            let html = String::from_utf8(
                site.get(&page)
                    .unwrap_or_else(|| panic!("{page} missing"))
                    .clone(),
            )
            .expect("utf-8");
            assert!(
                html.contains(&format!("<html lang=\"{lang}\">")),
                "{page}: lang"
            );
            assert!(
                html.contains("application/ld+json"),
                "{page}: schema.org JSON-LD"
            );
            for other in ["zh-Hans", "zh-Hant", "en"] {
                assert!(
                    html.contains(&format!("hreflang=\"{other}\"")),
                    "{page}: switch to {other}"
                );
            }
        }
    }
    let en = String::from_utf8(site["en/datasets/relief/index.html"].clone()).expect("utf-8");
    assert!(en.contains("Social-assistance statistics") || en.contains("Social assistance"));
    let hant =
        String::from_utf8(site["zh-Hant/datasets/relief/index.html"].clone()).expect("utf-8");
    assert!(
        hant.contains("數據"),
        "zh-Hant pages are in Traditional characters"
    );
    // Charts drawn at build time for relief, budgets and funds.
    for slug in ["relief", "budgets", "funds"] {
        let html =
            String::from_utf8(site[&format!("datasets/{slug}/index.html")].clone()).expect("utf-8");
        assert!(
            html.contains("<svg") && html.contains("role=\"img\""),
            "{slug}: a chart"
        );
    }
    let checked = check_links(&site);
    assert!(checked > 60, "{checked} pages");
    for f in [
        "sitemap.xml",
        "robots.txt",
        "feed.xml",
        "catalog.jsonld",
        "data.json",
        "404.html",
        "SHA256SUMS",
        "SHA256SUMS.sig",
        "search/index.html",
    ] {
        assert!(site.contains_key(f), "{f} missing");
    }
    let feed = String::from_utf8(site["feed.xml"].clone()).expect("utf-8");
    assert_eq!(
        feed.matches("<entry>").count(),
        5,
        "one entry per published release"
    );

    // Downloads: the API's bytes, with the size and SHA-256 the page shows.
    let base = tests::serve_with(api::AppState::new(t.db.clone()), Default::default()).await;
    let relief_page = String::from_utf8(site["datasets/relief/index.html"].clone()).expect("utf-8");
    for (slug, file) in [
        ("relief", "relief-stats.csv"),
        ("relief", "relief-stats.json"),
        ("budgets", "budget-lines.csv"),
        ("funds", "fund-lines.json"),
        ("funds", "funds.csv"),
    ] {
        let ours = &site[&format!("datasets/{slug}/{file}")];
        let api = reqwest::get(format!("{base}/api/v1/datasets/{slug}/{file}"))
            .await
            .expect("get")
            .bytes()
            .await
            .expect("body");
        assert_eq!(
            ours.as_slice(),
            api.as_ref(),
            "{slug}/{file} differs from the API's"
        );
        if file.ends_with(".csv") {
            assert!(ours.starts_with(&[0xEF, 0xBB, 0xBF]), "{file}: BOM");
        }
    }
    let csv = &site["datasets/relief/relief-stats.csv"];
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(csv))
    };
    assert!(
        relief_page.contains(&sha),
        "the page shows the CSV's SHA-256"
    );
    assert!(relief_page.contains("download=\"relief-stats.csv\""));

    // Verifiable: the signature holds; a changed, a missing and an extra file are each reported.
    let public = catalog::verify::load_verifying_key(&keys.join("public.pem")).expect("public key");
    let ok = catalog::verify::verify(&out, &public).expect("verify");
    assert!(ok.is_ok(), "{ok}");
    let sums = String::from_utf8(site["SHA256SUMS"].clone()).expect("utf-8");
    assert_eq!(
        sums.lines().count(),
        site.len() - 2,
        "SHA256SUMS lists every other file"
    );

    // Reproducible: built again from the same data, every byte is the same.
    let again = tmp.path().join("again");
    catalog::build(
        &t.db,
        &catalog::Options {
            sign_key: Some(keys.join("secret.pem")),
            ..build_opts(&again)
        },
    )
    .await
    .expect("build again");
    let second = files(&again);
    assert_eq!(
        site.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>()
    );
    for (k, v) in &site {
        assert!(v == &second[k], "{k} differs between two builds");
    }

    std::fs::write(out.join("index.html"), b"altered").expect("alter");
    std::fs::remove_file(out.join("robots.txt")).expect("remove");
    std::fs::write(out.join("extra.html"), b"x").expect("add");
    let bad = catalog::verify::verify(&out, &public).expect("verify");
    assert!(!bad.is_ok());
    assert_eq!(bad.changed, vec!["index.html".to_string()]);
    assert_eq!(bad.missing, vec!["robots.txt".to_string()]);
    assert_eq!(bad.extra, vec!["extra.html".to_string()]);
}

async fn registry_pages(t: TestDb) {
    let _data = tests::load_synthetic(&t, &["registry"]).await;
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("site");
    let report = catalog::build(&t.db, &build_opts(&out))
        .await
        .expect("build");
    let orgs = t.texts("SELECT uscc, name FROM organizations").await;
    assert!(!orgs.is_empty());
    assert_eq!(report.organizations as usize, orgs.len());
    let site = files(&out);
    // Every organization on the page of its bucket, under its credit code.
    for row in &orgs {
        let (Some(uscc), Some(name)) = (&row[0], &row[1]) else {
            panic!("null uscc/name")
        };
        let href = catalog::org_href(uscc);
        let (page, frag) = href.split_once('#').expect("fragment");
        assert_eq!(frag, uscc);
        let html = String::from_utf8(
            site.get(page)
                .unwrap_or_else(|| panic!("{page} missing"))
                .clone(),
        )
        .expect("utf-8");
        assert!(
            html.contains(&format!("<article id=\"{uscc}\"")),
            "{uscc} not on {page}"
        );
        let shown = name
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&#34;");
        assert!(
            html.contains(&shown) || html.contains(name.as_str()),
            "{name} not on {page}"
        );
    }
    let org_pages = site.keys().filter(|k| k.starts_with("org/")).count();
    assert!(org_pages <= catalog::BUCKETS as usize);
    assert!(
        site.keys().any(|k| k.starts_with("search/registry/")),
        "the registry index"
    );
    check_links(&site);
}

async fn failed_build_keeps_the_old_site(t: TestDb) {
    gongkai::load_real_data(&t.db).await.expect("real data");
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("site");
    catalog::build(&t.db, &build_opts(&out))
        .await
        .expect("build");
    let before = files(&out);
    // A table the downloads read goes away mid-way: the build fails after writing part of the
    // new site.
    t.db.execute_unprepared("DROP TABLE illegal_organizations")
        .await
        .expect("drop");
    let err = catalog::build(&t.db, &build_opts(&out)).await;
    assert!(err.is_err(), "the build must fail");
    assert_eq!(files(&out), before, "the old site is untouched");
    let leftovers: Vec<PathBuf> = std::fs::read_dir(tmp.path())
        .expect("read_dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p != &out)
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary folders left: {leftovers:?}"
    );
}

use sea_orm::ConnectionTrait;
