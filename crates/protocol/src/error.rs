//! Errors of parsing and writing callout messages.
