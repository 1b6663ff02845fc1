//! The host: companies, users and the registrations of their application connectors.
//!
//! The layers build on each other and nothing below reaches up:
//! - [`domain`]: validated values, permission rules and the operations on
//!   registrations ([`domain::Registrations`]) and accounts ([`domain::accounts`]);
//! - [`store`]: the [`store::HostStore`] trait and its SQLite implementation;
//! - [`dispatch`]: the Fetch Attendee and Fetch List callouts to connectors;
//! - [`workflow`]: the steps of expense reports and travel requests, which
//!   queue Event Notifications, and [`notifications`], which delivers them;
//! - [`verification`]: Verify services, the conformance suite run against a
//!   registration, with its last report kept in the store;
//! - [`connector_access`]: registrations' client credentials and the OAuth
//!   2.0 tokens of the host web services; [`objects`]: the reports and travel
//!   requests those services show connectors, and what connectors record;
//! - [`api`]: the JSON API under `/api/v1`, the notification API and the
//!   host web services, authenticated by bearer tokens;
//! - [`server`]: the listener, `/healthz`, request tracing, and a place to
//!   mount further routers such as admin pages;
//! - [`web`]: the admin pages, with browser sessions, mounted through [`server`];
//! - [`sandbox`]: employees' expense reports, whose entries search through
//!   [`dispatch`], and travel requests, with their pages mounted by [`web`].

pub mod api;
pub mod config;
pub mod connector_access;
pub mod crypto;
pub mod dispatch;
pub mod domain;
pub mod notifications;
pub mod objects;
pub mod public_origin;
pub mod sandbox;
pub mod server;
pub mod store;
pub mod tester;
pub mod verification;
pub mod web;
pub mod workflow;

pub use config::{Config, ConfigError};
pub use connector::Secret;
pub use server::{BoundHost, HostApp, ServeOptions, bind, router, serve};
