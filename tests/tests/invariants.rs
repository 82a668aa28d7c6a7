//! Invariants of the workspace that are not about data: crate boundaries and docs that must not
//! fall behind the code.

use std::collections::{BTreeSet, HashMap};

/// `schema` must not depend, directly or through another crate, on the web, GraphQL, OpenAPI or
/// template stacks: the domain stays usable from every face.
#[test]
fn schema_does_not_depend_on_the_faces() {
    let lock = std::fs::read_to_string(tests::repo_root().join("Cargo.lock")).expect("Cargo.lock");
    let lock: toml::Value = toml::from_str(&lock).expect("parse Cargo.lock");
    let packages = lock["package"].as_array().expect("packages");
    let mut deps: HashMap<String, Vec<String>> = HashMap::new();
    for p in packages {
        let name = p["name"].as_str().expect("name").to_string();
        let list = p
            .get("dependencies")
            .and_then(|d| d.as_array())
            .map(|d| {
                d.iter()
                    .filter_map(|x| x.as_str())
                    .map(|x| x.split(' ').next().unwrap_or(x).to_string())
                    .collect()
            })
            .unwrap_or_default();
        deps.entry(name).or_default().extend::<Vec<String>>(list);
    }
    let mut seen = BTreeSet::new();
    let mut stack = vec!["schema".to_string()];
    while let Some(n) = stack.pop() {
        if seen.insert(n.clone()) {
            stack.extend(deps.get(&n).cloned().unwrap_or_default());
        }
    }
    assert!(
        seen.contains("sea-orm"),
        "the walk found schema's dependencies"
    );
    for forbidden in [
        "axum",
        "async-graphql",
        "utoipa",
        "minijinja",
        "api",
        "catalog",
    ] {
        assert!(
            !seen.contains(forbidden),
            "schema depends on {forbidden} (directly or transitively)"
        );
    }
}

/// The faces (the API and the static catalog) read through `schema`'s query layer: none builds
/// SQL or sends a statement of its own.
#[test]
fn faces_build_no_sql() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    for face in ["api/src", "catalog/src"] {
        walk(&tests::repo_root().join(face), &mut files);
    }
    assert!(files.len() > 10, "found the faces' sources");
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read");
        for needle in [
            "sea_query",
            "Statement::",
            "execute_unprepared",
            "query_all(",
            "query_one(",
            "SELECT ",
            "INSERT ",
            "UPDATE ",
        ] {
            assert!(
                !text.contains(needle),
                "{} contains `{needle}`: faces read through schema::query and schema::records",
                f.display()
            );
        }
    }
}

/// `migrations` never imports `schema` (migrations are append-only history; the domain moves on).
#[test]
fn migrations_do_not_import_schema() {
    let manifest = std::fs::read_to_string(tests::repo_root().join("migrations/Cargo.toml"))
        .expect("manifest");
    let manifest: toml::Value = toml::from_str(&manifest).expect("parse");
    let deps = manifest["dependencies"].as_table().expect("deps");
    assert!(!deps.contains_key("schema"));
}

/// `docs/import-formats.md` is generated from the descriptors; regenerate with
/// `cargo run -- formats > docs/import-formats.md`.
#[test]
fn import_formats_doc_is_current() {
    let doc = std::fs::read_to_string(tests::repo_root().join("docs/import-formats.md"))
        .unwrap_or_default();
    assert!(
        doc == schema::descriptor::formats_markdown(),
        "docs/import-formats.md is out of date: run `cargo run -- formats > docs/import-formats.md`"
    );
}

/// The README's two commands are the ones CI runs.
#[test]
fn readme_commands_are_what_ci_runs() {
    let readme = std::fs::read_to_string(tests::repo_root().join("README.md")).expect("README.md");
    let ci = std::fs::read_to_string(tests::repo_root().join(".ci/run")).expect(".ci/run");
    assert!(readme.contains("cargo run --release -- serve"));
    assert!(readme.contains("cargo test --workspace"));
    assert!(ci.contains("cargo test --workspace"));
}

/// `openapi.json` is generated from the router itself; regenerate with
/// `cargo run -- openapi > openapi.json`.
#[test]
fn openapi_json_is_current() {
    let committed =
        std::fs::read_to_string(tests::repo_root().join("openapi.json")).unwrap_or_default();
    assert!(
        committed == api::openapi_json(),
        "openapi.json is out of date: run `cargo run -- openapi > openapi.json`"
    );
}

/// `schema.graphql` is the GraphQL schema the server builds; regenerate with
/// `cargo run -- graphql-schema > schema.graphql`.
#[test]
fn schema_graphql_is_current() {
    let committed =
        std::fs::read_to_string(tests::repo_root().join("schema.graphql")).unwrap_or_default();
    let built = api::graphql::sdl();
    assert!(!built.starts_with("# the schema does not build"), "{built}");
    assert!(
        committed == built,
        "schema.graphql is out of date: run `cargo run -- graphql-schema > schema.graphql`"
    );
}

/// Every type, field, argument and enum value of the GraphQL schema is documented, and no
/// amount is a float.
#[test]
fn every_graphql_field_is_documented() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let sdl = api::graphql::sdl();
    let doc = async_graphql::parser::parse_schema(&sdl).expect("the SDL parses");
    let mut missing = Vec::new();
    let mut types = 0;
    for def in &doc.definitions {
        let TypeSystemDefinition::Type(t) = def else {
            continue;
        };
        let t = &t.node;
        types += 1;
        let name = t.name.node.to_string();
        if t.description.is_none() {
            missing.push(name.clone());
        }
        match &t.kind {
            TypeKind::Object(o) => {
                for f in &o.fields {
                    if f.node.description.is_none() {
                        missing.push(format!("{name}.{}", f.node.name.node));
                    }
                    for a in &f.node.arguments {
                        if a.node.description.is_none() {
                            missing
                                .push(format!("{name}.{}({})", f.node.name.node, a.node.name.node));
                        }
                    }
                }
            }
            TypeKind::InputObject(o) => {
                for f in &o.fields {
                    if f.node.description.is_none() {
                        missing.push(format!("{name}.{}", f.node.name.node));
                    }
                }
            }
            TypeKind::Enum(e) => {
                for v in &e.values {
                    if v.node.description.is_none() {
                        missing.push(format!("{name}.{}", v.node.value.node));
                    }
                }
            }
            _ => {}
        }
    }
    assert!(types > 50, "{types} types");
    assert!(missing.is_empty(), "undocumented: {missing:?}");
    assert!(!sdl.contains("Float"), "no Float in the schema");
}

/// Every operation and every schema property of the API is documented.
#[test]
fn every_operation_and_field_is_documented() {
    let spec: serde_json::Value = serde_json::from_str(&api::openapi_json()).expect("json");
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let has_text = op
                .get("description")
                .or(op.get("summary"))
                .and_then(|d| d.as_str())
                .is_some_and(|d| !d.is_empty());
            assert!(has_text, "{method} {path} has no description");
        }
    }
    for (name, schema) in spec["components"]["schemas"].as_object().expect("schemas") {
        for (field, prop) in schema["properties"].as_object().into_iter().flatten() {
            let doc = prop
                .get("description")
                .and_then(|d| d.as_str())
                .is_some_and(|d| !d.is_empty())
                || prop.get("allOf").is_some()
                || prop.get("oneOf").is_some()
                || prop.get("$ref").is_some();
            assert!(doc, "{name}.{field} has no description");
        }
    }
}
