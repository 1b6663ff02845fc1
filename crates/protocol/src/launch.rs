//! Launch External URL: the query string with which the host opens a window
//! on the connector, in version 1 (HMAC-SHA1) and version 4 (HMAC-SHA256),
//! its signature, and the connector's strict reading and verification of it.
//!
//! Both versions sign a plain concatenation of decoded parameter values with
//! the connector's user name and password and the nonce, keyed by the
//! lowercased user name followed by the password, and carry the signature
//! in Base64. The order of query parameters does not matter.

mod query;
mod signature;
mod v1;
mod v4;

pub use signature::LaunchCredentials;
pub use v1::LaunchV1;
pub use v4::{LaunchSource, LaunchV4};

/// A launch query that the connector rejects, naming the check that failed
/// and never a secret or the expected signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LaunchError {
    #[error("parameter `{0}` is missing")]
    Missing(&'static str),
    #[error("parameter `{0}` appears more than once")]
    Duplicate(&'static str),
    #[error("parameter `{name}` is invalid: {rule}")]
    Invalid {
        name: &'static str,
        rule: &'static str,
    },
    #[error("the query string is longer than {max} bytes")]
    TooLong { max: usize },
    #[error("parameter `signature` is not valid Base64")]
    SignatureEncoding,
    #[error("the signature does not match the parameters and the connector's credentials")]
    SignatureMismatch,
}

/// Maximum length of a query string, in bytes. The parameters are short
/// values and one item URL, so 8 KiB leaves a wide margin.
pub const MAX_QUERY_BYTES: usize = 8192;
