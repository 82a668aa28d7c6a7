//! The GraphQL API at `/graphql`: the same data as REST, through the same query layer.
//!
//! The schema is built at start from the record descriptors (`records`: a row type, a Relay
//! connection with typed filter and order, and an aggregate for every resource) and the
//! catalog (`catalog`: datasets, sources, regions, one organization, relief series,
//! disclosure reports). Related rows load in batches (`DataLoader`s over
//! `schema::records::list::by_keys`), so a page of rows with their related rows is a constant
//! number of statements. `limits` bounds every query; `answers` keeps answers to repeated
//! queries while the releases they read stay current; `http` speaks GraphQL over HTTP;
//! `console` serves the query console. `schema.graphql` at the repository root is
//! [`sdl`], and a test fails when it drifts.

pub mod answers;
pub mod catalog;
pub mod console;
pub mod http;
pub mod limits;
pub mod records;
pub mod values;

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::dynamic::{Object, Schema, SchemaError};
use axum::Router;
use axum::routing::get;

pub use limits::Limits;

use crate::AppState;

/// The built schema and the answers kept, shared by the handlers.
pub struct GraphQl {
    pub schema: Schema,
    pub answers: answers::Answers,
}

/// The schema with the given limits.
pub fn build(limits: &Limits) -> Result<Schema, SchemaError> {
    let records = records::parts();
    let catalog = catalog::parts();
    let mut query = Object::new("Query").description(
        "gongkai: the data Chinese civil-affairs departments must disclose (民政信息公开) — budgets and final accounts, special subsidy funds, social-assistance statistics, the social-organization registry and disclosure annual reports. Every figure is exact and carries its source.",
    );
    let mut lists = HashSet::new();
    for f in catalog.root_fields.into_iter().chain(records.root_fields) {
        query = query.field(f);
    }
    for i in records::infos() {
        lists.insert(i.field_name.clone());
        lists.insert(format!("{}Aggregate", i.field_name));
    }
    let mut related: HashSet<String> = schema::records::ORGANIZATION_RELATED
        .iter()
        .map(|p| values::camel(p))
        .collect();
    related.extend(
        [
            "allocations",
            "points",
            "cells",
            "children",
            "datasets",
            "sources",
            "regions",
        ]
        .map(String::from),
    );
    let mut b = Schema::build("Query", None, None)
        .register(query)
        .register(values::order_direction())
        .extension(limits::LimitsExtension {
            limits: limits.clone(),
            lists: Arc::new(lists),
            related: Arc::new(related),
            prepared: Default::default(),
        });
    for s in values::scalars() {
        b = b.register(s);
    }
    for o in values::shared_types()
        .into_iter()
        .chain(records.objects)
        .chain(catalog.objects)
    {
        b = b.register(o);
    }
    for i in records.inputs {
        b = b.register(i);
    }
    for e in records.enums.into_iter().chain(catalog.enums) {
        b = b.register(e);
    }
    b.finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    match build(&Limits::default()) {
        Ok(s) => {
            let mut out = s.sdl();
            if !out.ends_with('\n') {
                out.push('\n');
            }
            out
        }
        Err(e) => format!("# the schema does not build: {e}\n"),
    }
}

/// The GraphQL routes: `/graphql` (GET, POST; the console for browsers) and the console's
/// files.
pub fn routes(limits: &Limits) -> Result<Router<AppState>, SchemaError> {
    let gql = Arc::new(GraphQl {
        schema: build(limits)?,
        answers: answers::Answers::new(limits.answers_max_age),
    });
    Ok(Router::new()
        .route("/graphql", get(http::get).post(http::post))
        .route("/graphql/assets/{file}", get(console::asset))
        .route("/graphql/examples.json", get(console::examples))
        .layer(axum::Extension(gql)))
}
