//! Messages of the callouts, shared by host and connector: types, strict
//! parsing from bytes, writing to bytes and the length limits of each field.
//! No I/O happens here, so both sides agree on every byte.

pub mod attendee;
pub mod error;
pub mod list;
mod xml;

pub use attendee::{Attendee, AttendeeSearchRequest, AttendeeSearchResponse, AttendeeVersion};
pub use error::{ParseError, WriteError};
pub use list::{FetchListRequest, FetchListResponse, ListItem, SearchBy};
