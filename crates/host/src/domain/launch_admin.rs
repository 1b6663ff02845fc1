//! Operations on launch fields for administrators: listing and creating
//! them, with the same permission rule as registrations.

use time::OffsetDateTime;

use super::FieldErrors;
use super::accounts::Actor;
use super::launch_fields::{LaunchField, LaunchFieldInput, launch_rules, launch_version};
use super::registration::{AuditAction, Registration, RegistrationId};
use super::registrations::{DomainError, entry, require_manager};
use super::services::ServiceKind;
use crate::store::{HostStore, StoreError};

/// Lists the launch fields of the actor's company.
pub async fn list_launch_fields(
    store: &dyn HostStore,
    actor: &Actor,
) -> Result<Vec<LaunchField>, DomainError> {
    require_manager(actor)?;
    Ok(store.launch_fields(actor.company.id).await?)
}

/// Lists the registrations of the actor's company that a new launch field
/// may name: verified registrations whose launch-external-url service is enabled.
pub async fn launch_registrations(
    store: &dyn HostStore,
    actor: &Actor,
) -> Result<Vec<Registration>, DomainError> {
    require_manager(actor)?;
    let registrations = store.registrations(actor.company.id).await?;
    Ok(registrations
        .into_iter()
        .filter(|registration| launch_version(registration).is_some())
        .collect())
}

/// Creates a launch field and records it in its registration's audit trail.
pub async fn create_launch_field(
    store: &dyn HostStore,
    actor: &Actor,
    input: &LaunchFieldInput,
) -> Result<LaunchField, DomainError> {
    require_manager(actor)?;
    let registration = match input.registration_id {
        Some(id) if id > 0 => {
            store
                .registration(actor.company.id, RegistrationId(id))
                .await?
        }
        _ => None,
    };
    let now = OffsetDateTime::now_utc();
    let field = input
        .parse(actor.company.id, registration.as_ref(), now)
        .map_err(DomainError::Invalid)?;

    let mut audit = entry(actor, now, AuditAction::LaunchFieldCreated, Vec::new());
    audit.service = Some(ServiceKind::LaunchExternalUrl);
    audit.result = Some(format!(
        "launch field {} on {}",
        field.code, field.object_type
    ));
    match store.insert_launch_field(&field, &audit).await {
        Ok(created) => {
            tracing::info!(
                launch_field_id = created.id.0,
                registration_id = created.registration_id.0,
                user_id = actor.user.id.0,
                "launch field created"
            );
            Ok(created)
        }
        Err(StoreError::Duplicate) => {
            let mut errors = FieldErrors::default();
            errors.push("code", launch_rules::CODE_UNIQUE);
            Err(DomainError::Invalid(errors))
        }
        Err(other) => Err(other.into()),
    }
}
