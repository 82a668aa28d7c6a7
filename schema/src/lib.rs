//! gongkai's domain: dataset descriptors, normalisation and validation, the import pipeline,
//! entities, and the one query layer that REST, GraphQL and the catalog read through.
//!
//! This crate knows nothing of HTTP, GraphQL or templates (a test in `tests/` checks its
//! dependencies).

pub mod catalog;
pub mod descriptor;
pub mod entity;
pub mod import;
pub mod normalize;
pub mod query;
pub mod records;
pub mod region;
pub mod report_format;
pub mod search;
pub mod standards;
pub mod store;
pub mod synthetic;
pub mod uscc;
pub mod workflow;
