//! Test Connection: the host checks the host name and the credentials.

/// Responds `200` with a short `text/plain` body. The authentication
/// middleware has already checked the credentials, which is all the host
/// wants to learn.
pub(crate) async fn test_connection() -> &'static str {
    "connection OK\n"
}
