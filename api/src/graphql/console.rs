//! The GraphQL query console: GraphiQL, vendored in `api/assets/graphiql/` (versions and
//! licences in the README there) and served from the binary, so that it works with no network
//! access and no CDN. The page loads its scripts and styles from `/graphql/assets/{file}` and
//! the example queries from `/graphql/examples.json`; it carries no inline script or style.

use axum::Json;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::{ApiError, ErrorCode};

/// An example query the console offers, also written out in `src/graphql/examples/`.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// The file name without `.graphql`, e.g. `datasets`; unique among the examples.
    pub name: &'static str,
    /// What the query shows, in Chinese and English.
    pub title: &'static str,
    /// The GraphQL document, as in the file.
    pub query: &'static str,
}

/// The example queries, in the order the console lists them.
pub const EXAMPLES: &[Example] = &[
    Example {
        name: "datasets",
        title: "数据集目录 · The catalog",
        query: include_str!("examples/datasets.graphql"),
    },
    Example {
        name: "illegal-organizations",
        title: "非法社会组织名单 · Illegal organizations, newest first",
        query: include_str!("examples/illegal-organizations.graphql"),
    },
    Example {
        name: "relief-series",
        title: "农村低保人数时间序列 · A relief time series",
        query: include_str!("examples/relief-series.graphql"),
    },
    Example {
        name: "relief-aggregate",
        title: "按省份和年度汇总的社会救助 · Relief totals by province and year",
        query: include_str!("examples/relief-aggregate.graphql"),
    },
    Example {
        name: "budget",
        title: "部门预决算 · Budget lines with exact sums",
        query: include_str!("examples/budget.graphql"),
    },
    Example {
        name: "funds",
        title: "专项资金及分配明细 · Funds with their allocations",
        query: include_str!("examples/funds.graphql"),
    },
    Example {
        name: "organization",
        title: "一个社会组织的全部登记信息 · One organization's record",
        query: include_str!("examples/organization.graphql"),
    },
];

/// The console page.
const PAGE: &str = include_str!("../../assets/graphiql/console.html");

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// Vendored files: their names carry no version, so they are cached for a day, not forever.
const VENDORED_CACHE: &str = "public, max-age=86400";
/// gongkai's own files change with any build, so they are revalidated on every load.
const OWN_CACHE: &str = "no-cache";

/// A file under `/graphql/assets/`.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    cache_control: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "react.production.min.js",
        content_type: JS,
        cache_control: VENDORED_CACHE,
        body: include_bytes!("../../assets/graphiql/react.production.min.js"),
    },
    Asset {
        name: "react-dom.production.min.js",
        content_type: JS,
        cache_control: VENDORED_CACHE,
        body: include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    },
    Asset {
        name: "graphiql.min.js",
        content_type: JS,
        cache_control: VENDORED_CACHE,
        body: include_bytes!("../../assets/graphiql/graphiql.min.js"),
    },
    Asset {
        name: "graphiql.min.css",
        content_type: CSS,
        cache_control: VENDORED_CACHE,
        body: include_bytes!("../../assets/graphiql/graphiql.min.css"),
    },
    Asset {
        name: "console.js",
        content_type: JS,
        cache_control: OWN_CACHE,
        body: include_bytes!("../../assets/graphiql/console.js"),
    },
    Asset {
        name: "console.css",
        content_type: CSS,
        cache_control: OWN_CACHE,
        body: include_bytes!("../../assets/graphiql/console.css"),
    },
];

/// The console's HTML page: 200, `text/html; charset=utf-8`, `Cache-Control: no-cache`.
pub fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        PAGE,
    )
        .into_response()
}

/// One of the console's scripts or style sheets, by file name (`GET /graphql/assets/{file}`);
/// an unknown name is a 404 problem.
pub async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == file) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, a.cache_control),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            a.body,
        )
            .into_response(),
        None => {
            ApiError::new(ErrorCode::NotFound, format!("no console asset “{file}”")).into_response()
        }
    }
}

/// The example queries as JSON (`GET /graphql/examples.json`): a list of
/// `{"name", "title", "query"}` in the order of [`EXAMPLES`].
pub async fn examples() -> Json<serde_json::Value> {
    Json(serde_json::Value::Array(
        EXAMPLES
            .iter()
            .map(|e| json!({ "name": e.name, "title": e.title, "query": e.query }))
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    /// The names the page loads from `/graphql/assets/`.
    fn referenced_assets(text: &str) -> Vec<&str> {
        text.split("/graphql/assets/")
            .skip(1)
            .map(|rest| rest.split(['"', '\'']).next().unwrap_or(""))
            .collect()
    }

    #[test]
    fn the_page_loads_only_served_assets_and_no_inline_script() {
        let names = referenced_assets(PAGE);
        assert_eq!(names.len(), 6, "{names:?}");
        for n in names {
            assert!(ASSETS.iter().any(|a| a.name == n), "{n} is not served");
        }
        assert!(!PAGE.contains("<script>"), "inline script");
        assert!(!PAGE.contains("<style"), "inline style");
        assert!(!PAGE.contains("//cdn") && !PAGE.contains("unpkg") && !PAGE.contains("jsdelivr"));
    }

    #[test]
    fn every_asset_is_served_with_its_type() {
        for a in ASSETS {
            assert!(!a.body.is_empty(), "{}", a.name);
            let want = if a.name.ends_with(".js") { JS } else { CSS };
            assert_eq!(a.content_type, want, "{}", a.name);
        }
    }

    #[test]
    fn examples_are_unique_and_not_empty() {
        let mut names: Vec<&str> = EXAMPLES.iter().map(|e| e.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EXAMPLES.len());
        for e in EXAMPLES {
            assert!(e.query.contains('{'), "{}", e.name);
            assert!(e.title.contains(" · "), "{}", e.name);
        }
    }

    #[test]
    fn the_console_reads_the_examples_from_their_route() {
        let js = ASSETS
            .iter()
            .find(|a| a.name == "console.js")
            .map(|a| String::from_utf8_lossy(a.body).into_owned())
            .unwrap_or_default();
        assert!(js.contains("'/graphql/examples.json'"));
        assert!(js.contains("'/graphql'"));
    }

    #[tokio::test]
    async fn assets_examples_and_unknown_names() {
        let res = asset(Path("graphiql.min.css".to_string())).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[header::CONTENT_TYPE], CSS);
        assert_eq!(res.headers()[header::CACHE_CONTROL], VENDORED_CACHE);

        let res = asset(Path("../Cargo.toml".to_string())).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );

        let page = page();
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(
            page.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );

        let Json(list) = examples().await;
        let list = list.as_array().cloned().unwrap_or_default();
        assert_eq!(list.len(), EXAMPLES.len());
        assert_eq!(list[0]["name"], "datasets");
        assert!(
            list[0]["query"]
                .as_str()
                .is_some_and(|q| q.contains("datasets"))
        );
    }
}
