//! The application connector service and its store.

pub mod store;
