//! The application connector: an HTTPS service that responds to callouts from its own store.
//!
//! [`serve`] runs the service for the command line; [`bind`] does the same
//! in two steps, so that tests and benchmarks can listen on port 0 and learn
//! the address before they send requests.

pub mod auth;
pub mod callouts;
mod client_key;
pub mod config;
pub mod import;
pub mod launch;
pub mod metrics;
pub mod notifications;
pub mod server;
pub mod store;

pub use config::{Config, ConfigError, Secret};
pub use server::{BoundConnector, ServeOptions, bind, router, serve};
