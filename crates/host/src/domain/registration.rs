//! A registration as stored, its Test Connection result and its audit entries.

use time::OffsetDateTime;

use super::accounts::{CompanyId, UserId};
use super::fields::{CredentialUserName, Description, HostName, RegistrationName};
use super::services::{ServiceKind, Services};
use crate::crypto::SealedPassword;

/// Identifier of a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegistrationId(pub i64);

/// A connector registered by a company.
#[derive(Debug, Clone)]
pub struct Registration {
    pub id: RegistrationId,
    pub company_id: CompanyId,
    pub name: RegistrationName,
    pub description: Description,
    pub host_name: HostName,
    pub user_name: CredentialUserName,
    /// Never leaves the host except in the Basic authentication of a callout.
    pub password: SealedPassword,
    /// Set by a successful Test Connection; cleared when the Host Name,
    /// User Name or Password changes.
    pub verified: bool,
    pub last_test_connection: Option<TestConnectionResult>,
    /// All four services, by kind.
    pub services: Services,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// Incremented by every save, so that concurrent changes are detected.
    pub revision: i64,
}

impl Registration {
    /// Returns whether callouts of this service may be sent: enabled and Verified.
    /// A service stays enabled when the registration loses its Verified
    /// state, but it counts as inactive until a Test Connection succeeds.
    pub fn service_is_active(&self, kind: ServiceKind) -> bool {
        self.verified
            && self
                .services
                .get(&kind)
                .is_some_and(|service| service.enabled)
    }

    /// Returns whether any service is active. A registration without one is
    /// listed as inactive.
    pub fn is_active(&self) -> bool {
        ServiceKind::ALL
            .into_iter()
            .any(|kind| self.service_is_active(kind))
    }
}

/// The outcome of the latest Test Connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestConnectionResult {
    pub at: OffsetDateTime,
    pub duration_ms: u64,
    pub outcome: TestOutcome,
}

/// Success with the negotiated TLS parameters, or the cause of the failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestOutcome {
    Succeeded {
        tls_version: String,
        cipher_suite: String,
    },
    Failed {
        kind: String,
        message: String,
    },
}

impl TestOutcome {
    /// Returns one line for the audit trail.
    pub fn summary(&self) -> String {
        match self {
            TestOutcome::Succeeded {
                tls_version,
                cipher_suite,
            } => format!("succeeded over {tls_version} with {cipher_suite}"),
            TestOutcome::Failed { kind, message } => format!("failed ({kind}): {message}"),
        }
    }
}

/// Kind of change an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    Created,
    Updated,
    ServiceConfigured,
    TestConnection,
    /// A run of Verify services, the conformance suite.
    Verification,
    /// A launch field bound to the registration was created.
    LaunchFieldCreated,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Created => "created",
            AuditAction::Updated => "updated",
            AuditAction::ServiceConfigured => "service_configured",
            AuditAction::TestConnection => "test_connection",
            AuditAction::Verification => "verification",
            AuditAction::LaunchFieldCreated => "launch_field_created",
        }
    }

    pub fn parse(text: &str) -> Option<AuditAction> {
        [
            AuditAction::Created,
            AuditAction::Updated,
            AuditAction::ServiceConfigured,
            AuditAction::TestConnection,
            AuditAction::Verification,
            AuditAction::LaunchFieldCreated,
        ]
        .into_iter()
        .find(|action| action.as_str() == text)
    }
}

/// The text recorded for a changed password, in place of any value.
pub const PASSWORD_CHANGED: &str = "password changed";

/// Record of who did what to a registration, and when. Entries name fields, never
/// their values, so no secret can reach the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: OffsetDateTime,
    pub actor_user_id: UserId,
    pub actor_login: String,
    pub action: AuditAction,
    /// The service configured, for [`AuditAction::ServiceConfigured`].
    pub service: Option<ServiceKind>,
    /// Names of the changed fields or settings; a password change is
    /// recorded as [`PASSWORD_CHANGED`], and a change of the Verified state as `verified`.
    pub changes: Vec<String>,
    /// The Test Connection outcome, for [`AuditAction::TestConnection`], or
    /// the outcome counts of a run, for [`AuditAction::Verification`].
    pub result: Option<String>,
}
