//! TLS for callouts: development certificate authority, and the server and client configurations.
//!
//! Both configurations use [`crypto_provider`], the ring provider restricted
//! to TLS 1.2 and 1.3 with ECDHE key exchange, passed explicitly so a
//! process-wide default provider never applies.

pub mod client;
pub mod dev_ca;
mod error;
mod pem;
mod policy;
pub mod server;

pub use error::{Error, Result};
pub use policy::{PROTOCOL_VERSIONS, crypto_provider};
