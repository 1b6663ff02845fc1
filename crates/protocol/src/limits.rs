//! Length and count limits of every message field, with the source of each.
//!
//! Lengths count Unicode scalar values (Rust `char`s), not bytes.

/// Maximum results the host shows. A connector returns no more attendee
/// records or list items than this, whatever MaximumNumberRecords or
/// num-to-return requests (SAP Concur Fetch Attendee and Fetch List
/// documentation). The parsers do not enforce it, because a Fetch Attendee
/// host that receives more shows a "refine your search" message instead.
pub const MAX_RECORDS: usize = 100;

/// Deepest element nesting the reader accepts, root included. The messages
/// need three levels; the margin lets newer senders add nested elements,
/// and the bound keeps hostile documents from costing stack or time.
pub const MAX_DEPTH: usize = 16;

/// Fetch Attendee request fields, from the request table of the SAP Concur
/// Fetch Attendee documentation, unless a constant's doc names another source.
pub mod attendee_request {
    pub const ATTENDEE_TYPE_CODE: usize = 8;
    pub const FIRST_NAME: usize = 50;
    pub const MIDDLE_INITIAL: usize = 1;
    pub const LAST_NAME: usize = 132;
    pub const SUFFIX: usize = 32;
    pub const TITLE: usize = 32;
    pub const COMPANY: usize = 150;
    pub const EXTERNAL_ID: usize = 48;
    /// Custom1 … Custom25.
    pub const CUSTOM: usize = 100;
    /// Project choice: the documentation gives no length for OwnerLoginID;
    /// 128 leaves room for login ids in e-mail form.
    pub const OWNER_LOGIN_ID: usize = 128;
}

/// Fetch Attendee response fields, from the response table of the SAP Concur
/// Fetch Attendee documentation. Where it differs from the request table
/// (ExternalID, Custom21 … Custom25), the response value applies to responses.
pub mod attendee_response {
    pub use super::attendee_request::{
        ATTENDEE_TYPE_CODE, COMPANY, FIRST_NAME, LAST_NAME, MIDDLE_INITIAL, SUFFIX, TITLE,
    };
    pub const EXTERNAL_ID: usize = 32;
    /// Custom1 … Custom20.
    pub const CUSTOM_1_TO_20: usize = 100;
    /// Custom21 … Custom25 (version 2.0 only).
    pub const CUSTOM_21_TO_25: usize = 48;
}

/// Fetch List request fields. The public documentation gives no lengths for
/// Fetch List, so every value here is a project choice: generous for text,
/// and equal to the response limits where a field carries a code.
pub mod list_request {
    /// Matches a response item's code, which it prefixes.
    pub const LONG_CODE: usize = 255;
    /// Matches a response item's short code.
    pub const SHORT_CODE: usize = 32;
    /// Matches a response item's text, which a query searches.
    pub const QUERY: usize = 128;
    pub const LANG_CODE: usize = 8;
    pub const PROTECTED_LIST_KEY: usize = 255;
    pub const LIST_NAME: usize = 255;
    pub const CONNECTOR_VERSION: usize = 255;
    pub const CONFIG_OPTIONS: usize = 255;
    /// One `levelN` value of code-by-level: a short code.
    pub const LEVEL_CODE: usize = 32;
    /// Levels of a connected list.
    pub const MAX_LEVELS: usize = 10;
}

/// Fetch List response item fields; project choices, as for the request.
/// Code, short code and text must be non-empty, match-value may be empty.
pub mod list_response {
    pub const CODE: usize = 255;
    pub const SHORT_CODE: usize = 32;
    pub const TEXT: usize = 128;
    pub const MATCH_VALUE: usize = 128;
}

/// Event Notification fields. The public documentation gives no lengths, so
/// every value here is a project choice, generous enough for the documented
/// examples and bounded so that a stored notification stays small.
pub mod notification {
    /// The documented event types are about 60 characters long.
    pub const EVENT_TYPE: usize = 255;
    /// Object and notification URLs.
    pub const URI: usize = 2048;
    pub const CONTEXT: usize = 4000;
    /// Notifications in one `NotificationList`.
    pub const MAX_LISTED: usize = 10_000;
}
