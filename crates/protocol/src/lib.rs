//! Messages of the callouts, shared by host and connector: types, strict
//! parsing from bytes, writing to bytes and the length limits of each field.
//! No I/O happens here, so both sides agree on every byte.
//!
//! Parsers drop the literal leading and trailing white space of each field
//! value, because pretty-printing senders indent it, and keep everything
//! else exactly. White space written as a character reference (`&#x20;`) or
//! inside CDATA is kept, and the writers use character references for edge
//! white space, so every value survives a write and a parse.

pub mod attendee;
mod content_type;
pub mod error;
mod field;
pub mod launch;
pub mod limits;
pub mod list;
pub mod notification;
mod xml;

pub use attendee::{
    ATTENDEE_ELEMENTS, Attendee, AttendeeSearchRequest, AttendeeSearchResponse, AttendeeVersion,
};
pub use content_type::is_xml_content_type;
pub use error::{Excerpt, FieldError, ParseError, Rule, WriteError};
pub use launch::{LaunchCredentials, LaunchError, LaunchSource, LaunchV1, LaunchV4};
pub use list::{FetchListRequest, FetchListResponse, ListItem, SearchBy};
pub use notification::{
    EventDateTime, ListedNotification, Notification, NotificationList, ObjectType,
};
