//! The site being written: its folder, its templates, and the paths and chrome every page shares.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use minijinja::Environment;
use serde::Serialize;

use crate::i18n::Lang;
use crate::{BuildError, io_at};

/// The templates, compiled into the binary.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("home.html", include_str!("../templates/home.html")),
    ("list.html", include_str!("../templates/list.html")),
    ("dataset.html", include_str!("../templates/dataset.html")),
    ("search.html", include_str!("../templates/search.html")),
    ("org.html", include_str!("../templates/org.html")),
    ("404.html", include_str!("../templates/404.html")),
    ("macros.html", include_str!("../templates/macros.html")),
];

/// The static assets, compiled into the binary, by their path in the site.
pub const ASSETS: &[(&str, &str)] = &[
    ("static/site.css", include_str!("../static/site.css")),
    ("static/site.js", include_str!("../static/site.js")),
    ("static/search.js", include_str!("../static/search.js")),
];

/// The site being built.
pub struct Site {
    dir: PathBuf,
    /// The public address, when given (no trailing `/`).
    pub base_url: Option<String>,
    pub preview_rows: u64,
    env: Environment<'static>,
    /// HTML pages written, by their path in the site (for the sitemap), with their language.
    pages: Mutex<Vec<(String, Lang)>>,
}

/// A link to the same page in another language.
#[derive(Debug, Serialize)]
pub struct LangLink {
    pub tag: &'static str,
    pub name: &'static str,
    pub href: String,
    pub current: bool,
}

/// What every page's frame needs: language, UI strings, where the root is, language links.
#[derive(Debug, Serialize)]
pub struct Chrome {
    pub lang: &'static str,
    pub t: std::collections::BTreeMap<&'static str, String>,
    /// From this page to the site's root (`../../`, or `""` at the root).
    pub root: String,
    /// From this page to its language's root (`root` + `en/`).
    pub home: String,
    pub langs: Vec<LangLink>,
    pub title: String,
    /// This page's absolute URL, when the site's address is known.
    pub canonical: Option<String>,
}

impl Site {
    pub fn new(
        dir: &Path,
        base_url: Option<String>,
        preview_rows: u64,
    ) -> Result<Site, BuildError> {
        let mut env = Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()?,
        );
        for (name, src) in TEMPLATES {
            env.add_template(name, src)?;
        }
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_formatter(html_formatter);
        env.add_filter("fmt", |s: String, n: minijinja::Value| {
            s.replace("{n}", &n.to_string())
        });
        Ok(Site {
            dir: dir.to_path_buf(),
            base_url,
            preview_rows,
            env,
            pages: Mutex::new(Vec::new()),
        })
    }

    /// The site's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Write a file at `rel` (a `/`-separated path in the site), creating folders.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), BuildError> {
        let path = self.dir.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).map_err(io_at(p))?;
        }
        std::fs::write(&path, bytes).map_err(io_at(&path))
    }

    /// The frame of the page at `path` (language-neutral, e.g. `datasets/relief/index.html`) in
    /// `lang`, titled `title`.
    pub fn chrome(&self, lang: Lang, path: &str, title: &str) -> Chrome {
        let file = format!("{}{path}", lang.prefix());
        let root = up(&file);
        Chrome {
            lang: lang.tag(),
            t: lang.strings(),
            home: format!("{root}{}", lang.prefix()),
            langs: Lang::ALL
                .iter()
                .map(|l| LangLink {
                    tag: l.tag(),
                    name: l.name(),
                    href: format!("{root}{}{path}", l.prefix()),
                    current: *l == lang,
                })
                .collect(),
            canonical: self.base_url.as_ref().map(|b| format!("{b}/{file}")),
            root,
            title: title.to_string(),
        }
    }

    /// Render `template` with the page frame and `page`, and write it at the page's path in
    /// `lang`'s folder.
    pub fn page<T: Serialize>(
        &self,
        template: &str,
        lang: Lang,
        path: &str,
        title: &str,
        page: &T,
    ) -> Result<(), BuildError> {
        let chrome = self.chrome(lang, path, title);
        let html = self.render(template, &chrome, page)?;
        let file = format!("{}{path}", lang.prefix());
        self.write(&file, html.as_bytes())?;
        self.pages
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((file, lang));
        Ok(())
    }

    /// Render `template` with a frame and page context.
    pub fn render<T: Serialize>(
        &self,
        template: &str,
        chrome: &Chrome,
        page: &T,
    ) -> Result<String, BuildError> {
        let tmpl = self.env.get_template(template)?;
        Ok(tmpl.render(minijinja::context! {
            c => minijinja::value::Serde(chrome),
            p => minijinja::value::Serde(page),
        })?)
    }

    /// Record a page written by other means (the organization pages).
    pub fn add_page(&self, file: String, lang: Lang) {
        self.pages
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((file, lang));
    }

    /// Every HTML page written so far, sorted by path.
    pub fn pages(&self) -> Vec<(String, Lang)> {
        let mut v = self
            .pages
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        v.sort();
        v
    }

    /// Copy the stylesheet and scripts into the site.
    pub fn write_assets(&self) -> Result<(), BuildError> {
        for (path, body) in ASSETS {
            self.write(path, body.as_bytes())?;
        }
        Ok(())
    }
}

/// Text for HTML or XML (text or a quoted attribute): `&`, `<`, `>`, `"` and `'` escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text into HTML: `&`, `<`, `>`, `"` and `'` escaped, nothing else (minijinja's default also
/// escapes `/`, which makes every relative link `..&#x2f;..&#x2f;`).
fn html_formatter(
    out: &mut minijinja::Output<'_>,
    state: &mut minijinja::State<'_, '_>,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    if !matches!(state.auto_escape(), minijinja::AutoEscape::Html) || value.is_safe() {
        return minijinja::escape_formatter(out, state, value);
    }
    let text = if value.is_undefined() || value.is_none() {
        String::new()
    } else {
        value.to_string()
    };
    let escaped = escape(&text);
    out.write_str(&escaped)
        .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
}

/// From the file at `file` (a path in the site) back to the root: `../` per folder.
pub fn up(file: &str) -> String {
    "../".repeat(file.matches('/').count())
}

/// JSON for a `<script type="application/ld+json">`: `</` cannot close the element.
pub fn script_json(v: &serde_json::Value) -> Result<String, BuildError> {
    Ok(serde_json::to_string_pretty(v)?.replace("</", "<\\/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_roots() {
        assert_eq!(up("index.html"), "");
        assert_eq!(up("en/datasets/relief/index.html"), "../../../");
    }
}
