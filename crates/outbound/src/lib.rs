//! The host's HTTPS client for callouts to connectors.
//!
//! [`OutboundClient`] carries Test Connection and every later callout. It
//! parses the origin strictly ([`Origin`]) and rejects non-public addresses
//! unless allowed ([`guard`]). It verifies TLS under the shared callout
//! policy: TLS 1.2 or 1.3 with ECDHE, roots from Mozilla's list plus
//! configured CAs. It sends HTTP Basic credentials, never follows redirects,
//! and bounds every response in time and size. Failures come back as a
//! [`FailureCause`] an administrator can act on.

mod callout;
mod client;
mod config;
mod connect;
mod exchange;
mod failure;
pub mod guard;
mod origin;
mod pool;

pub use callout::{CalloutRequest, CalloutResponse, TestConnectionReport, TlsDetails};
pub use client::OutboundClient;
pub use config::{OutboundConfig, OutboundSetupError};
pub use failure::FailureCause;
pub use origin::{Host, Origin};
