//! sea-orm entities of the catalog tables. The data tables are read and written through their
//! descriptors ([`crate::descriptor`]); a test checks both against the migrations.

pub mod dataset;
pub mod dictionary_field;
pub mod meta;
pub mod region;
pub mod release;
pub mod release_source;
pub mod source;
