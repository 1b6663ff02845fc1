//! Operations on registrations, each checking the permission rule and the company first.

use std::sync::Arc;
use std::time::UNIX_EPOCH;

use connector::Secret;
use time::OffsetDateTime;

use super::accounts::Actor;
use super::fields::{
    CredentialPassword, CredentialUserName, Description, FieldErrors, HostName, RegistrationName,
    rules,
};
use super::registration::{
    AuditAction, AuditEntry, PASSWORD_CHANGED, Registration, RegistrationId, TestConnectionResult,
    TestOutcome,
};
use super::services::{ServiceInput, ServiceKind, default_services};
use crate::crypto::{OpenError, PasswordCipher};
use crate::store::{HostStore, NewRegistration, StoreError};
use crate::tester::{ConnectionTester, TEST_CONNECTION_PATH};

/// Reason an operation on registrations did not happen.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The actor's roles do not allow managing registrations.
    #[error("your roles do not allow managing connector registrations")]
    Forbidden,
    /// No registration with this id in the actor's company; registrations
    /// of other companies are reported the same way.
    #[error("registration not found")]
    NotFound,
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// Another change was saved between reading and writing the registration.
    #[error("the registration was changed by another request; reload it and try again")]
    Conflict,
    /// Verify services is already running for this registration.
    #[error(
        "a verification of this registration is already running; wait for it to finish, then reload"
    )]
    VerificationRunning,
    /// Verify services did not finish within `verification.timeout_secs`.
    #[error(
        "the verification did not finish within {seconds} seconds, so no report was stored; \
         the connector may be slow or unreachable, and Test Connection shows whether it responds"
    )]
    VerificationTimedOut { seconds: u64 },
    /// The conformance suite rejected the settings built from the registration.
    #[error("the verification could not start")]
    VerificationSetup(#[source] conformance::ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Decrypt(#[from] OpenError),
}

/// Registration fields as entered. For a new registration every field but
/// the description is required; for a change, `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct RegistrationInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub host_name: Option<String>,
    pub user_name: Option<String>,
    pub password: Option<Secret>,
}

/// The registrations of every company, reached through an [`Actor`].
pub struct Registrations {
    store: Arc<dyn HostStore>,
    cipher: Arc<PasswordCipher>,
    tester: Arc<dyn ConnectionTester>,
}

impl Registrations {
    pub fn new(
        store: Arc<dyn HostStore>,
        cipher: Arc<PasswordCipher>,
        tester: Arc<dyn ConnectionTester>,
    ) -> Self {
        Registrations {
            store,
            cipher,
            tester,
        }
    }

    /// Lists the registrations of the actor's company, by name.
    pub async fn list(&self, actor: &Actor) -> Result<Vec<Registration>, DomainError> {
        require_manager(actor)?;
        Ok(self.store.registrations(actor.company.id).await?)
    }

    /// Returns one registration of the actor's company.
    pub async fn get(
        &self,
        actor: &Actor,
        id: RegistrationId,
    ) -> Result<Registration, DomainError> {
        require_manager(actor)?;
        self.load(actor, id).await
    }

    /// Creates a registration, unverified, with all services disabled at their default paths.
    pub async fn create(
        &self,
        actor: &Actor,
        input: &RegistrationInput,
    ) -> Result<Registration, DomainError> {
        require_manager(actor)?;

        let mut errors = FieldErrors::default();
        let name = required(
            &mut errors,
            "name",
            input.name.as_deref(),
            RegistrationName::parse,
        );
        let description = match &input.description {
            Some(text) => errors.check("description", Description::parse(text)),
            None => Some(Description::empty()),
        };
        let host_name = required(
            &mut errors,
            "host_name",
            input.host_name.as_deref(),
            HostName::parse,
        );
        let user_name = required(
            &mut errors,
            "user_name",
            input.user_name.as_deref(),
            CredentialUserName::parse,
        );
        let password = required(
            &mut errors,
            "password",
            input.password.as_ref(),
            CredentialPassword::parse,
        );
        let (Some(name), Some(description), Some(host_name), Some(user_name), Some(password)) =
            (name, description, host_name, user_name, password)
        else {
            return Err(DomainError::Invalid(errors));
        };

        let now = OffsetDateTime::now_utc();
        let registration = NewRegistration {
            company_id: actor.company.id,
            name,
            description,
            host_name,
            user_name,
            password: self.cipher.seal(password.secret()),
            services: default_services(),
            created_at: now,
        };
        let audit = entry(
            actor,
            now,
            AuditAction::Created,
            fields(&["name", "description", "host_name", "user_name", "password"]),
        );
        let id = match self.store.insert_registration(&registration, &audit).await {
            Err(StoreError::Duplicate) => return Err(name_taken()),
            other => other?,
        };
        tracing::info!(
            registration_id = id.0,
            company_id = actor.company.id.0,
            user_id = actor.user.id.0,
            "registration created"
        );
        self.load(actor, id).await
    }

    /// Changes the given fields. A different Host Name, User Name or
    /// Password makes the registration unverified; enabled services stay
    /// enabled but count as inactive until a Test Connection succeeds.
    pub async fn update(
        &self,
        actor: &Actor,
        id: RegistrationId,
        input: &RegistrationInput,
    ) -> Result<Registration, DomainError> {
        require_manager(actor)?;
        let mut errors = FieldErrors::default();
        let name = optional(
            &mut errors,
            "name",
            input.name.as_deref(),
            RegistrationName::parse,
        );
        let description = optional(
            &mut errors,
            "description",
            input.description.as_deref(),
            Description::parse,
        );
        let host_name = optional(
            &mut errors,
            "host_name",
            input.host_name.as_deref(),
            HostName::parse,
        );
        let user_name = optional(
            &mut errors,
            "user_name",
            input.user_name.as_deref(),
            CredentialUserName::parse,
        );
        let password = optional(
            &mut errors,
            "password",
            input.password.as_ref(),
            CredentialPassword::parse,
        );
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors));
        }

        let stored = self.load(actor, id).await?;
        let mut registration = stored.clone();
        let mut changes = Vec::new();
        let mut credentials_changed = false;
        if let Some(name) = name.filter(|name| *name != stored.name) {
            registration.name = name;
            changes.push("name".to_owned());
        }
        if let Some(description) =
            description.filter(|description| *description != stored.description)
        {
            registration.description = description;
            changes.push("description".to_owned());
        }
        if let Some(host_name) = host_name.filter(|host_name| *host_name != stored.host_name) {
            registration.host_name = host_name;
            changes.push("host_name".to_owned());
            credentials_changed = true;
        }
        if let Some(user_name) = user_name.filter(|user_name| *user_name != stored.user_name) {
            registration.user_name = user_name;
            changes.push("user_name".to_owned());
            credentials_changed = true;
        }
        if let Some(password) = password {
            // A stored password that no longer opens counts as different.
            let unchanged = self
                .cipher
                .open(&stored.password)
                .is_ok_and(|current| current == *password.secret());
            if !unchanged {
                registration.password = self.cipher.seal(password.secret());
                changes.push(PASSWORD_CHANGED.to_owned());
                credentials_changed = true;
            }
        }
        if changes.is_empty() {
            return Ok(stored);
        }
        if credentials_changed && registration.verified {
            registration.verified = false;
            changes.push("verified".to_owned());
        }

        let now = OffsetDateTime::now_utc();
        registration.updated_at = now;
        let audit = entry(actor, now, AuditAction::Updated, changes);
        self.save(&registration, stored.revision, &audit).await?;
        tracing::info!(registration_id = id.0, user_id = actor.user.id.0, changes = ?audit.changes, "registration updated");
        self.load(actor, id).await
    }

    /// Replaces the configuration of one service. Enabling a service that
    /// was disabled requires a Verified registration; a service already
    /// enabled may keep its flag while its other settings change.
    pub async fn configure_service(
        &self,
        actor: &Actor,
        id: RegistrationId,
        kind: ServiceKind,
        input: &ServiceInput,
    ) -> Result<Registration, DomainError> {
        require_manager(actor)?;
        let stored = self.load(actor, id).await?;
        let previous = stored
            .services
            .get(&kind)
            .cloned()
            .unwrap_or_else(|| kind.default_config());

        let mut errors = match input.parse(kind) {
            Ok(_) => FieldErrors::default(),
            Err(errors) => errors,
        };
        if input.enabled && !previous.enabled && !stored.verified {
            errors.push("enabled", rules::ENABLE_UNVERIFIED);
        }
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors));
        }
        let config = input.parse(kind).map_err(DomainError::Invalid)?;

        let changes = config.changes_from(&previous);
        if changes.is_empty() {
            return Ok(stored);
        }
        let mut registration = stored.clone();
        registration.services.insert(kind, config);
        let now = OffsetDateTime::now_utc();
        registration.updated_at = now;
        let mut audit = entry(actor, now, AuditAction::ServiceConfigured, changes);
        audit.service = Some(kind);
        self.save(&registration, stored.revision, &audit).await?;
        tracing::info!(registration_id = id.0, user_id = actor.user.id.0, service = kind.as_str(), changes = ?audit.changes, "service configured");
        self.load(actor, id).await
    }

    /// Runs Test Connection against the registration's Host Name with its
    /// credentials, stores the result, and marks the registration Verified
    /// on success (unverified on failure).
    pub async fn test_connection(
        &self,
        actor: &Actor,
        id: RegistrationId,
    ) -> Result<Registration, DomainError> {
        require_manager(actor)?;
        let stored = self.load(actor, id).await?;
        let password = self.cipher.open(&stored.password)?;

        let report = self
            .tester
            .test_connection(
                stored.host_name.as_str(),
                TEST_CONNECTION_PATH,
                stored.user_name.as_str(),
                password.expose(),
            )
            .await;
        let outcome = match report.outcome {
            Ok(tls) => TestOutcome::Succeeded {
                tls_version: tls.protocol_version,
                cipher_suite: tls.cipher_suite,
            },
            Err(failure) => TestOutcome::Failed {
                kind: failure.kind,
                message: redact(&failure.message, password.expose()),
            },
        };
        let succeeded = matches!(outcome, TestOutcome::Succeeded { .. });
        let started_at = report
            .started_at
            .duration_since(UNIX_EPOCH)
            .ok()
            .and_then(|since| {
                OffsetDateTime::from_unix_timestamp_nanos(since.as_nanos() as i128).ok()
            })
            .unwrap_or_else(OffsetDateTime::now_utc);
        let result = TestConnectionResult {
            at: started_at,
            duration_ms: u64::try_from(report.duration.as_millis()).unwrap_or(u64::MAX),
            outcome,
        };

        let mut registration = stored.clone();
        let mut changes = Vec::new();
        if registration.verified != succeeded {
            registration.verified = succeeded;
            changes.push("verified".to_owned());
        }
        let now = OffsetDateTime::now_utc();
        let mut audit = entry(actor, now, AuditAction::TestConnection, changes);
        audit.result = Some(result.outcome.summary());
        registration.last_test_connection = Some(result);
        registration.updated_at = now;
        // A change of the credentials during the call makes this result
        // meaningless; the revision check refuses to store it.
        self.save(&registration, stored.revision, &audit).await?;
        tracing::info!(
            registration_id = id.0,
            user_id = actor.user.id.0,
            succeeded,
            duration_ms = report.duration.as_millis() as u64,
            "test connection completed"
        );
        self.load(actor, id).await
    }

    /// Returns the audit trail of one registration, oldest entry first.
    pub async fn audit_trail(
        &self,
        actor: &Actor,
        id: RegistrationId,
    ) -> Result<Vec<AuditEntry>, DomainError> {
        require_manager(actor)?;
        self.load(actor, id).await?;
        Ok(self.store.audit_trail(actor.company.id, id).await?)
    }

    async fn load(&self, actor: &Actor, id: RegistrationId) -> Result<Registration, DomainError> {
        self.store
            .registration(actor.company.id, id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    async fn save(
        &self,
        registration: &Registration,
        expected_revision: i64,
        audit: &AuditEntry,
    ) -> Result<(), DomainError> {
        match self
            .store
            .update_registration(registration, expected_revision, audit)
            .await
        {
            Ok(()) => Ok(()),
            Err(StoreError::Duplicate) => Err(name_taken()),
            Err(StoreError::Conflict) => Err(DomainError::Conflict),
            Err(error) => Err(error.into()),
        }
    }
}

pub(crate) fn require_manager(actor: &Actor) -> Result<(), DomainError> {
    if actor.may_manage_registrations() {
        Ok(())
    } else {
        Err(DomainError::Forbidden)
    }
}

fn name_taken() -> DomainError {
    let mut errors = FieldErrors::default();
    errors.push("name", rules::NAME_UNIQUE);
    DomainError::Invalid(errors)
}

fn required<I: ?Sized, T>(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&I>,
    parse: impl FnOnce(&I) -> Result<T, &'static str>,
) -> Option<T> {
    match value {
        Some(value) => errors.check(field, parse(value)),
        None => {
            errors.push(field, rules::REQUIRED);
            None
        }
    }
}

fn optional<I: ?Sized, T>(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&I>,
    parse: impl FnOnce(&I) -> Result<T, &'static str>,
) -> Option<T> {
    value.and_then(|value| errors.check(field, parse(value)))
}

fn fields(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

pub(crate) fn entry(
    actor: &Actor,
    at: OffsetDateTime,
    action: AuditAction,
    changes: Vec<String>,
) -> AuditEntry {
    AuditEntry {
        at,
        actor_user_id: actor.user.id,
        actor_login: actor.user.login.clone(),
        action,
        service: None,
        changes,
        result: None,
    }
}

/// Removes the password from a failure sentence, should a connector or
/// a lower layer ever echo it.
pub(crate) fn redact(message: &str, password: &str) -> String {
    if password.is_empty() {
        return message.to_owned();
    }
    message.replace(password, "[redacted]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_removes_password() {
        assert_eq!(
            redact("rejected secret-password-1 here", "secret-password-1"),
            "rejected [redacted] here"
        );
    }
}
