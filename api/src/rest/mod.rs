//! REST handlers. Each one extracts, calls `schema::query` (the admin API and corrections:
//! `schema::workflow`), maps to a view, and responds.

pub mod admin;
pub mod ckan;
pub mod corrections;
pub mod datasets;
pub mod health;
pub mod records;
pub mod records_doc;
pub mod standards;
