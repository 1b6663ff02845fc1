//! The host web services that connectors call: the token endpoint, the
//! objects named by notifications' `ObjectURI` and the decisions on them,
//! and the items that Launch External URL launches name by `item_url`. Administrators generate a registration's client
//! credentials under `/api/v1`.
//!
//! Errors of the token endpoint and of the object calls have the body
//! `{"error": "<code>", "error_description": "<field and rule>"}`.

mod caller;
mod credentials;
mod decisions;
mod error;
mod items;
mod objects;
mod token;

use axum::http::Method;
use axum::routing::{get, post, put};

use super::Endpoint;

pub use error::ServiceError;

/// Path of the token endpoint.
pub const TOKEN_PATH: &str = "/oauth2/v0/token";

/// Returns every route of the web services.
pub(super) fn endpoints() -> Vec<Endpoint> {
    const REPORT: &str = "/api/expense/v1/reports/{id}";
    const REQUEST: &str = "/api/travel/v1/requests/{id}";
    vec![
        Endpoint::new(
            Method::POST,
            "/api/v1/connectors/{id}/client-credentials",
            post(credentials::generate),
        ),
        Endpoint::new(Method::POST, TOKEN_PATH, post(token::token)),
        Endpoint::new(Method::GET, REPORT, get(objects::get_object::<false>)),
        Endpoint::new(Method::GET, REQUEST, get(objects::get_object::<true>)),
        Endpoint::new(
            Method::POST,
            "/api/expense/v1/reports/{id}/workflow",
            post(decisions::workflow::<false>),
        ),
        Endpoint::new(
            Method::POST,
            "/api/travel/v1/requests/{id}/workflow",
            post(decisions::workflow::<true>),
        ),
        Endpoint::new(
            Method::POST,
            "/api/expense/v1/reports/{id}/exceptions",
            post(decisions::exceptions::<false>),
        ),
        Endpoint::new(
            Method::POST,
            "/api/travel/v1/requests/{id}/exceptions",
            post(decisions::exceptions::<true>),
        ),
        Endpoint::new(
            Method::PUT,
            "/api/expense/v1/reports/{id}/entries/{entry_id}/approved-amount",
            put(decisions::approved_amount::<false>),
        ),
        Endpoint::new(
            Method::PUT,
            "/api/travel/v1/requests/{id}/entries/{entry_id}/approved-amount",
            put(decisions::approved_amount::<true>),
        ),
        Endpoint::new(
            Method::GET,
            "/api/expense/v1/items/reports/{id}",
            get(items::get_item::<{ items::HEADER }>),
        ),
        Endpoint::new(
            Method::GET,
            "/api/expense/v1/items/entries/{id}",
            get(items::get_item::<{ items::ENTRY }>),
        ),
        Endpoint::new(
            Method::GET,
            "/api/expense/v1/items/allocations/{id}",
            get(items::get_item::<{ items::ALLOCATION }>),
        ),
        Endpoint::new(
            Method::PUT,
            "/api/expense/v1/items/reports/{id}/custom-fields/{code}",
            put(items::put_custom_field::<{ items::HEADER }>),
        ),
        Endpoint::new(
            Method::PUT,
            "/api/expense/v1/items/entries/{id}/custom-fields/{code}",
            put(items::put_custom_field::<{ items::ENTRY }>),
        ),
        Endpoint::new(
            Method::PUT,
            "/api/expense/v1/items/allocations/{id}/custom-fields/{code}",
            put(items::put_custom_field::<{ items::ALLOCATION }>),
        ),
    ]
}
