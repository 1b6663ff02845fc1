//! The application connector service and its store.
