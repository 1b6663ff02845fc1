//! The expense sandbox: employees' expense reports whose entries fill a list field through Fetch List and pick attendees through Fetch Attendee.
//!
//! - [`values`] and [`model`]: validated fields, reports and entries;
//! - [`sources`]: the lists and attendee types of the company's active services;
//! - [`requests`]: the callout requests built from an entry and a search;
//! - [`callouts`]: the trait through which searches reach connectors;
//! - [`expenses`]: the operations, each checking the employee role and ownership;
//! - [`launch`]: launch field values and the signed URLs of Launch External URL;
//! - [`travel`]: travel requests, whose expected expenses have the fields of entries;
//! - `pages`: the pages under `/expenses` and `/travel`, mounted by [`crate::web::router`].
//!
//! Reports and travel requests go through [`crate::workflow`]; the employee
//! may change one only before submitting it and after it was sent back.

pub mod callouts;
pub mod expenses;
pub mod launch;
pub mod model;
pub(crate) mod pages;
pub mod requests;
pub mod sources;
pub mod travel;
pub mod values;

pub use callouts::ExpenseCallouts;
pub use expenses::{EntryInput, ExpenseError, Expenses};
