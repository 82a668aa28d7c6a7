//! REST handlers. Each one extracts, calls `schema::query`, maps to a view, and responds.

pub mod ckan;
pub mod datasets;
pub mod health;
pub mod records;
pub mod records_doc;
pub mod standards;
