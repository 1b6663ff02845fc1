//! Messages of the callouts, shared by host and connector: types, strict
//! parsing from bytes, writing to bytes and the length limits of each field.
//! No I/O happens here, so both sides agree on every byte.

pub mod attendee;
pub mod error;
mod field;
pub mod limits;
pub mod list;
mod xml;

pub use attendee::{
    ATTENDEE_ELEMENTS, Attendee, AttendeeSearchRequest, AttendeeSearchResponse, AttendeeVersion,
};
pub use error::{Excerpt, FieldError, ParseError, Rule, WriteError};
pub use list::{FetchListRequest, FetchListResponse, ListItem, SearchBy};
