//! The audit trail of one registration.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use super::{Layout, display_time, registration_of, render, service_label};
use crate::domain::{AuditAction, AuditEntry};
use crate::web::WebState;
use crate::web::errors::PageError;
use crate::web::session::Manager;

/// One entry as the page shows it.
struct EntryRow {
    at: String,
    login: String,
    action: String,
    changes: String,
    result: String,
}

impl From<&AuditEntry> for EntryRow {
    fn from(entry: &AuditEntry) -> Self {
        let action = match (entry.action, entry.service) {
            (AuditAction::Created, _) => "Created".to_owned(),
            (AuditAction::Updated, _) => "Modified".to_owned(),
            (AuditAction::ServiceConfigured, Some(kind)) => {
                format!("Configured {}", service_label(kind))
            }
            (AuditAction::ServiceConfigured, None) => "Configured a service".to_owned(),
            (AuditAction::TestConnection, _) => "Test Connection".to_owned(),
            (AuditAction::Verification, _) => "Verify services".to_owned(),
            (AuditAction::LaunchFieldCreated, _) => "Created a launch field".to_owned(),
        };
        EntryRow {
            at: display_time(entry.at),
            login: entry.actor_login.clone(),
            action,
            changes: entry.changes.join(", "),
            result: entry.result.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    id: i64,
    name: String,
    entries: Vec<EntryRow>,
}

/// `GET /registrations/{id}/audit`: who changed what, oldest first.
pub(crate) async fn show(
    State(state): State<WebState>,
    Manager(signed_in): Manager,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let registration = registration_of(&state, &signed_in.actor, &id).await?;
    let entries = state
        .registrations
        .audit_trail(&signed_in.actor, registration.id)
        .await?;

    let page = AuditPage {
        layout: Layout::signed_in(&format!("Audit trail: {}", registration.name), &signed_in),
        id: registration.id.0,
        name: registration.name.to_string(),
        entries: entries.iter().map(EntryRow::from).collect(),
    };
    Ok(render(&page))
}
