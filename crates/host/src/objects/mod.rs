//! Reports and travel requests as the host web services show them to
//! connectors, and what connectors record on them.
//!
//! - [`document`]: the object with its entries, exceptions and approved amounts;
//! - [`xml`]: its XML form (the JSON form is its `serde` serialization);
//! - [`records`]: exceptions and approved amounts a connector adds.

pub mod document;
pub mod records;
pub mod xml;

pub use document::{ObjectDocument, load_document};
pub use records::{NewException, RecordError, add_exception, set_approved_amount};
