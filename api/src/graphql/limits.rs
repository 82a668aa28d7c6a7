//! Hard limits on a GraphQL query, checked before it runs (depth, aliases, complexity) and
//! while it runs (time). Each rejection is an error with a stable code from the one error
//! table (`crate::error::ErrorCode`).
//!
//! Complexity estimates the rows and fields an answer can hold: every field costs 1, and the
//! fields under a list are multiplied by how many items it can have — `first`/`last` of a
//! connection (20 when neither is given), `limit` of an aggregate, and
//! [`RELATED_ESTIMATE`] for the rows related to a row (an organization's penalties, say).
//! Introspection (`__schema`, `__type`) is not counted: it reads only the schema.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{
    Name, Response, ServerError, ServerResult, ValidationResult, Value, Variables,
};

use crate::error::ErrorCode;

/// Items assumed under a list of related rows (an organization's penalties, a fund's
/// allocations) when estimating complexity.
pub const RELATED_ESTIMATE: u64 = 5;

/// The limits of one query.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Deepest nesting of fields (introspection aside). Default 12.
    pub max_depth: usize,
    /// Most aliased fields. Default 30.
    pub max_aliases: usize,
    /// Largest complexity (see the module documentation). Default 250,000: a page of 1,000
    /// organizations with a dozen fields and three related lists.
    pub max_complexity: u64,
    /// Time to run the query; past it the answer is an error with code `timeout`. Default 10 s.
    pub timeout: Duration,
    /// How long a repeated query may be answered from the answers kept, before the catalog's
    /// state is read again (see `answers`); zero keeps no answers. Default 1 s.
    pub answers_max_age: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 12,
            max_aliases: 30,
            max_complexity: 250_000,
            timeout: Duration::from_secs(10),
            answers_max_age: Duration::from_secs(1),
        }
    }
}

/// Set by the extension when the query passed every check and started to run: an answer
/// without it is a request error (no `data`).
#[derive(Debug, Clone, Default)]
pub struct Executed(pub Arc<AtomicBool>);

impl Executed {
    pub fn get(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// A request error with a code.
pub fn server_error(code: ErrorCode, message: impl Into<String>) -> ServerError {
    let mut e = ServerError::new(message, None);
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", code.as_str());
    e.extensions = Some(ext);
    e
}

/// Documents that passed the limits and validation, by their text and variables: the same
/// request is parsed, checked and validated once (the schema does not change while serving).
#[derive(Default)]
pub struct Prepared {
    docs: Mutex<HashMap<String, (ExecutableDocument, ValidationResult)>>,
}

impl Prepared {
    /// Documents kept; past this the cache starts again.
    const CAPACITY: usize = 512;
    /// Longest query text kept (longer ones are prepared every time).
    const MAX_KEY: usize = 16 * 1024;

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, (ExecutableDocument, ValidationResult)>> {
        self.docs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The extension enforcing [`Limits`], and keeping prepared documents.
pub struct LimitsExtension {
    pub limits: Limits,
    /// Root fields that are connections or aggregates (multiplied by their page size).
    pub lists: Arc<HashSet<String>>,
    /// Fields that list related rows.
    pub related: Arc<HashSet<String>>,
    pub prepared: Arc<Prepared>,
}

impl ExtensionFactory for LimitsExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Checker {
            limits: self.limits.clone(),
            lists: self.lists.clone(),
            related: self.related.clone(),
            prepared: self.prepared.clone(),
            this: Mutex::new(This::default()),
        })
    }
}

/// What one request's checker knows of its document.
#[derive(Default)]
enum This {
    #[default]
    Unknown,
    /// Prepared before: validation gives this result again.
    Cached(ValidationResult),
    /// New: kept once it validates.
    New(String, ExecutableDocument),
}

struct Checker {
    limits: Limits,
    lists: Arc<HashSet<String>>,
    related: Arc<HashSet<String>>,
    prepared: Arc<Prepared>,
    this: Mutex<This>,
}

impl Checker {
    fn this(&self) -> std::sync::MutexGuard<'_, This> {
        self.this
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// What a selection set costs.
#[derive(Debug, Default, Clone, Copy)]
struct Cost {
    depth: usize,
    aliases: usize,
    complexity: u64,
}

struct Walk<'a> {
    doc: &'a ExecutableDocument,
    vars: &'a Variables,
    checker: &'a Checker,
}

impl Walk<'_> {
    fn int_arg(&self, field: &async_graphql::parser::types::Field, name: &str) -> Option<u64> {
        let (_, v) = field.arguments.iter().find(|(n, _)| n.node == name)?;
        let v = v
            .node
            .clone()
            .into_const_with(|var| self.vars.get(&var).cloned().ok_or(()))
            .ok()?;
        match v {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    fn multiplier(&self, field: &async_graphql::parser::types::Field) -> u64 {
        let name = field.name.node.as_str();
        if self.checker.lists.contains(name) {
            if name.ends_with("Aggregate") {
                return self.int_arg(field, "limit").unwrap_or(1000);
            }
            return self
                .int_arg(field, "first")
                .or_else(|| self.int_arg(field, "last"))
                .unwrap_or(crate::graphql::records::DEFAULT_PAGE);
        }
        if self.checker.related.contains(name) {
            return RELATED_ESTIMATE;
        }
        1
    }

    fn set(&self, set: &SelectionSet, seen: &mut Vec<Name>) -> Cost {
        let mut total = Cost::default();
        for sel in &set.items {
            let c = match &sel.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    if f.name.node.starts_with("__") {
                        continue;
                    }
                    let inner = self.set(&f.selection_set.node, seen);
                    let m = self.multiplier(f);
                    Cost {
                        depth: inner.depth + 1,
                        aliases: inner.aliases + usize::from(f.alias.is_some()),
                        complexity: 1u64.saturating_add(m.saturating_mul(inner.complexity)),
                    }
                }
                Selection::FragmentSpread(s) => {
                    let name = &s.node.fragment_name.node;
                    // A fragment spread inside itself is refused by validation; here it just
                    // stops the walk.
                    if seen.contains(name) {
                        continue;
                    }
                    let Some(frag) = self.doc.fragments.get(name) else {
                        continue;
                    };
                    seen.push(name.clone());
                    let c = self.set(&frag.node.selection_set.node, seen);
                    seen.pop();
                    c
                }
                Selection::InlineFragment(i) => self.set(&i.node.selection_set.node, seen),
            };
            total.depth = total.depth.max(c.depth);
            total.aliases = total.aliases.saturating_add(c.aliases);
            total.complexity = total.complexity.saturating_add(c.complexity);
        }
        total
    }
}

impl Checker {
    fn check(&self, doc: &ExecutableDocument, vars: &Variables) -> ServerResult<()> {
        let walk = Walk {
            doc,
            vars,
            checker: self,
        };
        for (_, op) in doc.operations.iter() {
            let c = walk.set(&op.node.selection_set.node, &mut Vec::new());
            let l = &self.limits;
            if c.depth > l.max_depth {
                return Err(server_error(
                    ErrorCode::QueryTooDeep,
                    format!(
                        "the query nests fields {} deep; at most {} are allowed",
                        c.depth, l.max_depth
                    ),
                ));
            }
            if c.aliases > l.max_aliases {
                return Err(server_error(
                    ErrorCode::TooManyAliases,
                    format!(
                        "the query has {} aliases; at most {} are allowed",
                        c.aliases, l.max_aliases
                    ),
                ));
            }
            if c.complexity > l.max_complexity {
                return Err(server_error(
                    ErrorCode::QueryTooComplex,
                    format!(
                        "the query's complexity is {}; at most {} is allowed (fields count 1 each, times the page size of the lists they are under: ask for smaller pages or fewer fields)",
                        c.complexity, l.max_complexity
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for Checker {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let key = (query.len() <= Prepared::MAX_KEY).then(|| {
            format!(
                "{query}\u{0}{}",
                serde_json::to_string(variables).unwrap_or_default()
            )
        });
        if let Some(k) = &key
            && let Some((doc, valid)) = self.prepared.lock().get(k)
        {
            *self.this() = This::Cached(*valid);
            return Ok(doc.clone());
        }
        let doc = next.run(ctx, query, variables).await?;
        self.check(&doc, variables)?;
        if let Some(k) = key {
            *self.this() = This::New(k, doc.clone());
        }
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let this = std::mem::take(&mut *self.this());
        if let This::Cached(v) = this {
            return Ok(v);
        }
        let result = next.run(ctx).await;
        if let (Ok(v), This::New(key, doc)) = (&result, this) {
            let mut docs = self.prepared.lock();
            if docs.len() >= Prepared::CAPACITY {
                docs.clear();
            }
            docs.insert(key, (doc, *v));
        }
        result
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let Some(e) = ctx.data_opt::<Executed>() {
            e.0.store(true, Ordering::SeqCst);
        }
        match tokio::time::timeout(self.limits.timeout, next.run(ctx, operation_name)).await {
            Ok(r) => r,
            Err(_) => Response::from_errors(vec![server_error(
                ErrorCode::Timeout,
                format!(
                    "the query did not finish within {} s; ask for less (smaller pages, narrower filters)",
                    self.limits.timeout.as_secs_f64()
                ),
            )]),
        }
    }
}
