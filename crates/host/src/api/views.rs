//! JSON shapes of registrations, services, Test Connection results, audit
//! entries, verifications and launch fields.
//!
//! No view has a password member: the sealed password stays in the store.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::domain::launch_fields::LaunchField;
use crate::domain::services::{LaunchVersion, ServiceConfig, ServiceSettings};
use crate::domain::{AuditEntry, Registration, TestConnectionResult, TestOutcome, Verification};

/// A registration as the API returns it.
#[derive(Debug, Serialize)]
pub struct RegistrationView {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub host_name: String,
    pub user_name: String,
    pub verified: bool,
    /// Whether any service is active (enabled on a Verified registration).
    pub active: bool,
    pub last_test_connection: Option<TestConnectionView>,
    pub services: BTreeMap<&'static str, Value>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Registration> for RegistrationView {
    fn from(registration: &Registration) -> Self {
        let services = registration
            .services
            .iter()
            .map(|(kind, service)| {
                let active = registration.service_is_active(*kind);
                (kind.as_str(), service_view(service, active))
            })
            .collect();
        RegistrationView {
            id: registration.id.0,
            name: registration.name.to_string(),
            description: registration.description.to_string(),
            host_name: registration.host_name.to_string(),
            user_name: registration.user_name.to_string(),
            verified: registration.verified,
            active: registration.is_active(),
            last_test_connection: registration
                .last_test_connection
                .as_ref()
                .map(TestConnectionView::from),
            services,
            created_at: timestamp(registration.created_at),
            updated_at: timestamp(registration.updated_at),
        }
    }
}

/// The latest Test Connection of a registration.
#[derive(Debug, Serialize)]
pub struct TestConnectionView {
    pub at: String,
    pub duration_ms: u64,
    pub succeeded: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cipher_suite: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_kind: Option<String>,
    /// Cause of the failure, in a sentence an administrator can act on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

impl From<&TestConnectionResult> for TestConnectionView {
    fn from(result: &TestConnectionResult) -> Self {
        let mut view = TestConnectionView {
            at: timestamp(result.at),
            duration_ms: result.duration_ms,
            succeeded: false,
            tls_version: None,
            cipher_suite: None,
            failure_kind: None,
            failure: None,
        };
        match &result.outcome {
            TestOutcome::Succeeded {
                tls_version,
                cipher_suite,
            } => {
                view.succeeded = true;
                view.tls_version = Some(tls_version.clone());
                view.cipher_suite = Some(cipher_suite.clone());
            }
            TestOutcome::Failed { kind, message } => {
                view.failure_kind = Some(kind.clone());
                view.failure = Some(message.clone());
            }
        }
        view
    }
}

/// Builds the JSON of a service: `enabled` is the stored check box, `active` whether it counts
/// (enabled on a Verified registration), then the service's own settings.
fn service_view(service: &ServiceConfig, active: bool) -> Value {
    let mut view = json!({
        "enabled": service.enabled,
        "active": active,
        "endpoint_path": service.endpoint_path.as_str(),
    });
    let settings = match &service.settings {
        ServiceSettings::FetchAttendee { attendee_types } => json!({
            "attendee_types": attendee_types.iter().map(|code| code.as_str()).collect::<Vec<_>>(),
        }),
        ServiceSettings::FetchList { lists } => json!({ "lists": lists }),
        ServiceSettings::EventNotification { workflow_steps } => {
            json!({ "workflow_steps": workflow_steps })
        }
        ServiceSettings::LaunchExternalUrl { version, oauth } => {
            let mut settings = json!({ "version": version.as_str() });
            if let (LaunchVersion::V4, Some(oauth)) = (version, oauth) {
                settings["oauth_client_id"] = json!(oauth.client_id);
                settings["redirect_url"] = json!(oauth.redirect_url);
            }
            settings
        }
    };
    if let (Value::Object(view), Value::Object(settings)) = (&mut view, settings) {
        view.extend(settings);
    }
    view
}

/// One audit entry.
#[derive(Debug, Serialize)]
pub struct AuditEntryView {
    pub at: String,
    /// Login of the user who acted.
    pub actor: String,
    pub action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<&'static str>,
    pub changes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
}

impl From<&AuditEntry> for AuditEntryView {
    fn from(entry: &AuditEntry) -> Self {
        AuditEntryView {
            at: timestamp(entry.at),
            actor: entry.actor_login.clone(),
            action: entry.action.as_str(),
            service: entry.service.map(|kind| kind.as_str()),
            changes: entry.changes.clone(),
            result: entry.result.clone(),
        }
    }
}

/// The last run of Verify services.
#[derive(Debug, Serialize)]
pub struct VerificationView<'a> {
    /// When the run started.
    pub at: String,
    pub duration_ms: u64,
    /// Login of the user who started the run.
    pub actor: &'a str,
    /// The conformance checker's report, as `callouts check --format json` writes it.
    pub report: &'a conformance::Report,
}

impl<'a> From<&'a Verification> for VerificationView<'a> {
    fn from(verification: &'a Verification) -> Self {
        VerificationView {
            at: timestamp(verification.at),
            duration_ms: verification.duration_ms,
            actor: &verification.actor_login,
            report: &verification.report,
        }
    }
}

/// A launch field as the API returns it.
#[derive(Debug, Serialize)]
pub struct LaunchFieldView {
    pub id: i64,
    pub registration_id: i64,
    pub code: String,
    pub label: String,
    pub object_type: &'static str,
    pub multiline: bool,
    pub popup_width: u16,
    pub popup_height: u16,
    pub created_at: String,
}

impl From<&LaunchField> for LaunchFieldView {
    fn from(field: &LaunchField) -> Self {
        LaunchFieldView {
            id: field.id.0,
            registration_id: field.registration_id.0,
            code: field.code.clone(),
            label: field.label.clone(),
            object_type: field.object_type.as_str(),
            multiline: field.multiline,
            popup_width: field.popup_width,
            popup_height: field.popup_height,
            created_at: timestamp(field.created_at),
        }
    }
}

/// RFC 3339 in UTC, such as `2025-01-31T09:30:00.123Z`.
fn timestamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}
