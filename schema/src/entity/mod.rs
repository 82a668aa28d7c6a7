//! sea-orm entities of the catalog tables. The data tables are read and written through their
//! descriptors ([`crate::descriptor`]); a test checks both against the migrations.

pub mod audit_entry;
pub mod correction;
pub mod dataset;
pub mod dictionary_field;
pub mod meta;
pub mod negative_entry;
pub mod region;
pub mod release;
pub mod release_change;
pub mod release_source;
pub mod source;
pub mod token;
