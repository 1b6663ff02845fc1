//! The Test Connection call to a connector, behind a trait so that tests can substitute it.

use std::time::{Duration, SystemTime};

use crate::config::OutboundConfig;

/// Path of Test Connection on every connector; it is not configurable per registration.
pub const TEST_CONNECTION_PATH: &str = "/system/v1.0/testconnection";

/// TLS facts of a successful Test Connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsDetails {
    /// Such as `TLSv1.3`.
    pub protocol_version: String,
    /// Such as `TLS13_AES_256_GCM_SHA384`.
    pub cipher_suite: String,
}

/// Cause of a failed Test Connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestFailure {
    /// Short label for logs and clients, such as `unauthorized` or `tls`.
    pub kind: String,
    /// A sentence an administrator can act on.
    pub message: String,
}

/// Outcome of one Test Connection.
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

    /// Returns the outbound client behind this tester, if any, so that the
    /// other callouts share its connections, trusted CAs and address guard.
    fn outbound_client(&self) -> Option<outbound::OutboundClient> {
        None
    }
}

/// Builds the production tester: the outbound HTTPS client with the
/// configured limits, trusting `extra_trusted_ca_pems` besides Mozilla's
/// roots. `allow_private_addresses` lets registrations point at loopback
/// and private networks, for demonstrations and tests only.
pub fn outbound_tester(
    limits: &OutboundConfig,
    extra_trusted_ca_pems: Vec<Vec<u8>>,
    allow_private_addresses: bool,
) -> Result<outbound::OutboundClient, outbound::OutboundSetupError> {
    outbound::OutboundClient::new(outbound::OutboundConfig {
        extra_trusted_ca_pems,
        allow_private_addresses,
        connect_timeout: limits.connect_timeout(),
        total_timeout: limits.total_timeout(),
        max_response_bytes: limits.max_response_bytes,
    })
}

#[async_trait::async_trait]
impl ConnectionTester for outbound::OutboundClient {
    async fn test_connection(
        &self,
        origin: &str,
        path: &str,
        username: &str,
        password: &str,
    ) -> TestConnectionReport {
        let report =
            outbound::OutboundClient::test_connection(self, origin, path, username, password).await;
        TestConnectionReport {
            started_at: report.started_at,
            duration: report.duration,
            outcome: report
                .outcome
                .map(|tls| TlsDetails {
                    protocol_version: tls.protocol_version,
                    cipher_suite: tls.cipher_suite,
                })
                .map_err(|cause| TestFailure {
                    kind: cause.kind().to_owned(),
                    message: cause.to_string(),
                }),
        }
    }

    fn outbound_client(&self) -> Option<outbound::OutboundClient> {
        Some(self.clone())
    }
}
