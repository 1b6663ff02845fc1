//! The Test Connection call to a connector, behind a trait so that tests can substitute it.

use std::time::{Duration, SystemTime};

/// Path of Test Connection on every connector; it is not configurable per registration.
pub const TEST_CONNECTION_PATH: &str = "/system/v1.0/testconnection";

/// TLS facts of a successful Test Connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsDetails {
    /// Such as `TLSv1_3`.
    pub protocol_version: String,
    /// Such as `TLS13_AES_256_GCM_SHA384`.
    pub cipher_suite: String,
}

/// Why Test Connection failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestFailure {
    /// Short label for logs and clients, such as `unauthorized` or `tls`.
    pub kind: String,
    /// A sentence an administrator can act on.
    pub message: String,
}

/// What one Test Connection found.
#[derive(Debug, Clone)]
pub struct TestConnectionReport {
    pub started_at: SystemTime,
    pub duration: Duration,
    pub outcome: Result<TlsDetails, TestFailure>,
}

/// Sends `GET {origin}{path}` with Basic credentials and reports the outcome.
#[async_trait::async_trait]
pub trait ConnectionTester: Send + Sync + 'static {
    async fn test_connection(
        &self,
        origin: &str,
        path: &str,
        username: &str,
        password: &str,
    ) -> TestConnectionReport;
}
