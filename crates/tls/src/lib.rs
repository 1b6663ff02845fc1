//! TLS for callouts: development certificate authority and server configuration.
