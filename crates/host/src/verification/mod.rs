//! Verify services: the conformance suite run against a registration's
//! connector, with its stored credentials and the host's own trust settings.
//!
//! A run is bounded by `verification.timeout_secs`, so that it ends within
//! the request that started it. Only one run per registration is in
//! progress at a time, also across host instances sharing the database.
//! A completed run replaces the registration's stored report and appends
//! an audit entry with the outcome counts.

mod in_progress;
mod suite_config;

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::time::Instant;

use crate::config::VerificationConfig;
use crate::crypto::PasswordCipher;
use crate::domain::registrations::require_manager;
use crate::domain::verification::outcome_counts;
use crate::domain::{
    Actor, AuditAction, AuditEntry, DomainError, Registration, RegistrationId, Verification,
};
use crate::store::HostStore;

use in_progress::InProgress;
pub use suite_config::Trust;

/// Runs Verify services and reads the stored reports.
pub struct Verifier {
    store: Arc<dyn HostStore>,
    cipher: Arc<PasswordCipher>,
    trust: Trust,
    limits: VerificationConfig,
    /// Limit on each request of the suite, as on every other callout.
    request_timeout: Duration,
    in_progress: InProgress,
}

impl Verifier {
    /// Builds the verifier. `trust` should be the settings of the client
    /// that sends Test Connection and the search callouts, so that a run
    /// reaches the connector exactly when the host can.
    pub fn new(
        store: Arc<dyn HostStore>,
        cipher: Arc<PasswordCipher>,
        trust: Trust,
        limits: VerificationConfig,
        request_timeout: Duration,
    ) -> Self {
        let in_progress = InProgress::new(Arc::clone(&store), limits.timeout());
        Verifier {
            store,
            cipher,
            trust,
            limits,
            request_timeout,
            in_progress,
        }
    }

    /// Runs the suite against the registration, stores the report in place
    /// of the previous one and returns it. Fails with
    /// [`DomainError::VerificationRunning`] while another run of the same
    /// registration is in progress, and with
    /// [`DomainError::VerificationTimedOut`] when the run exceeds its time
    /// limit. The previous report then stays.
    pub async fn verify(
        &self,
        actor: &Actor,
        id: RegistrationId,
    ) -> Result<Verification, DomainError> {
        require_manager(actor)?;
        let registration = self.load(actor, id).await?;
        let Some(running) = self.in_progress.start(id).await? else {
            tracing::info!(
                registration_id = id.0,
                user_id = actor.user.id.0,
                "verification rejected: another run of this registration is in progress"
            );
            return Err(DomainError::VerificationRunning);
        };
        let result = self.run(actor, &registration).await;
        // Clearing the mark before the response goes out lets the next
        // request, through any instance, start a run at once.
        running.finish().await;
        result
    }

    /// Runs the suite and stores its report; the caller holds the mark of the run.
    async fn run(
        &self,
        actor: &Actor,
        registration: &Registration,
    ) -> Result<Verification, DomainError> {
        let id = registration.id;
        let password = self.cipher.open(&registration.password)?;
        let config = suite_config::check_config(
            registration,
            &password,
            &self.trust,
            &self.limits,
            self.request_timeout,
        );

        let at = OffsetDateTime::now_utc();
        let started = Instant::now();
        let outcome = tokio::time::timeout(self.limits.timeout(), conformance::run(&config)).await;
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);

        let report = match outcome {
            Ok(Ok(report)) => report,
            Ok(Err(error)) => {
                tracing::error!(registration_id = id.0, error = %error, "verification could not start");
                return Err(DomainError::VerificationSetup(error));
            }
            Err(_) => return Err(self.timed_out(actor, registration, duration_ms).await),
        };
        let verification = Verification {
            at,
            duration_ms,
            actor_user_id: actor.user.id,
            actor_login: actor.user.login.clone(),
            report,
        };
        let audit = audit_entry(actor, outcome_counts(&verification.report.summary));
        self.store
            .record_verification(id, Some(&verification), &audit)
            .await?;

        let summary = &verification.report.summary;
        tracing::info!(
            registration_id = id.0,
            user_id = actor.user.id.0,
            passed = verification.report.passed,
            pass = summary.pass,
            warn = summary.warn,
            fail = summary.fail,
            skipped = summary.skipped,
            duration_ms,
            "verification completed"
        );
        // Read back, so that the caller gets the report as stored, with the
        // store's precision of times.
        self.store
            .last_verification(actor.company.id, id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    /// Returns the limits of a run.
    pub fn limits(&self) -> &VerificationConfig {
        &self.limits
    }

    /// Returns the registration's last verification, or `None` before the first.
    pub async fn last(
        &self,
        actor: &Actor,
        id: RegistrationId,
    ) -> Result<Option<Verification>, DomainError> {
        require_manager(actor)?;
        self.load(actor, id).await?;
        Ok(self.store.last_verification(actor.company.id, id).await?)
    }

    /// Records a run that exceeded its limit in the audit trail and the log.
    async fn timed_out(
        &self,
        actor: &Actor,
        registration: &Registration,
        duration_ms: u64,
    ) -> DomainError {
        let seconds = self.limits.timeout_secs;
        let id = registration.id;
        tracing::warn!(
            registration_id = id.0,
            user_id = actor.user.id.0,
            timeout_secs = seconds,
            duration_ms,
            "verification timed out"
        );
        let audit = audit_entry(actor, format!("timed out after {seconds} s"));
        if let Err(error) = self.store.record_verification(id, None, &audit).await {
            return error.into();
        }
        DomainError::VerificationTimedOut { seconds }
    }

    async fn load(&self, actor: &Actor, id: RegistrationId) -> Result<Registration, DomainError> {
        self.store
            .registration(actor.company.id, id)
            .await?
            .ok_or(DomainError::NotFound)
    }
}

fn audit_entry(actor: &Actor, result: String) -> AuditEntry {
    AuditEntry {
        at: OffsetDateTime::now_utc(),
        actor_user_id: actor.user.id,
        actor_login: actor.user.login.clone(),
        action: AuditAction::Verification,
        service: None,
        changes: Vec::new(),
        result: Some(result),
    }
}
