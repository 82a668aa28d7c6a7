//! The base URL the API's documents link to (DCAT, schema.org, data packages, CKAN): the
//! configured public URL (`gongkai serve --public-url`, `GONGKAI_PUBLIC_URL`) when there is one,
//! else derived from the request — its `Host` (or HTTP/2 authority), `https` when
//! `X-Forwarded-Proto: https`, else `http`. This is the only place that decides it.

use std::convert::Infallible;
use std::sync::OnceLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri, header};

static PUBLIC_URL: OnceLock<String> = OnceLock::new();

/// Set the public URL for the life of the process (once; later calls are refused). It must be an
/// absolute `http` or `https` URL; a trailing `/` is dropped.
pub fn set_public_url(url: &str) -> Result<(), String> {
    let url = url.trim().trim_end_matches('/');
    let ok = ["http://", "https://"].iter().any(|p| {
        url.strip_prefix(p)
            .is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace))
    });
    if !ok {
        return Err(format!(
            "the public URL must start with http:// or https://: “{url}”"
        ));
    }
    PUBLIC_URL
        .set(url.to_string())
        .map_err(|_| "the public URL is already set".to_string())
}

/// The configured public URL, if any.
pub fn public_url() -> Option<&'static str> {
    PUBLIC_URL.get().map(String::as_str)
}

/// Whether a host (with an optional port) is safe to put in a URL: letters, digits, `.-_:`, and
/// the brackets of an IPv6 literal.
fn sane_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 255
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']'))
}

/// The base URL for a request: `configured`, else `SCHEME://HOST` from the request.
pub fn derive(configured: Option<&str>, headers: &HeaderMap, uri: &Uri) -> String {
    if let Some(c) = configured {
        return c.trim_end_matches('/').to_string();
    }
    let host = uri
        .authority()
        .map(|a| a.as_str().to_string())
        .or_else(|| {
            headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_string)
        })
        .filter(|h| sane_host(h))
        .unwrap_or_else(|| "localhost".into());
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}

/// The base URL of the request being answered (an extractor).
#[derive(Debug, Clone)]
pub struct BaseUrl(pub String);

impl BaseUrl {
    /// Where the standards documents and downloads live under this base.
    pub fn links(&self) -> schema::standards::Links {
        schema::standards::Links::new(self.0.clone())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for BaseUrl {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(BaseUrl(derive(public_url(), &parts.headers, &parts.uri)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn derived_from_host_and_forwarded_proto() {
        let uri: Uri = "/catalog.jsonld".parse().expect("uri");
        assert_eq!(
            derive(None, &headers(&[("host", "data.test:8080")]), &uri),
            "http://data.test:8080"
        );
        assert_eq!(
            derive(
                None,
                &headers(&[("host", "data.test"), ("x-forwarded-proto", "https, http")]),
                &uri
            ),
            "https://data.test"
        );
        assert_eq!(
            derive(None, &headers(&[("host", "evil.test/<x>")]), &uri),
            "http://localhost"
        );
        assert_eq!(
            derive(
                Some("https://gongkai.example.org/"),
                &headers(&[("host", "x")]),
                &uri
            ),
            "https://gongkai.example.org"
        );
    }
}
