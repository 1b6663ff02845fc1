//! The last Verify services report of each registration in SQLite: one row per registration.

use conformance::Report;
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use super::registrations::insert_audit;
use super::{SqliteHostStore, from_millis, invalid_value, to_millis};
use crate::domain::{AuditEntry, CompanyId, RegistrationId, UserId, Verification};
use crate::store::StoreError;
use crate::store::verification::VerificationStore;

#[async_trait::async_trait]
impl VerificationStore for SqliteHostStore {
    async fn record_verification(
        &self,
        registration: RegistrationId,
        verification: Option<&Verification>,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        record(&mut self.connection(), registration, verification, audit)
    }

    async fn last_verification(
        &self,
        company: CompanyId,
        registration: RegistrationId,
    ) -> Result<Option<Verification>, StoreError> {
        last(&self.connection(), company, registration)
    }

    async fn start_verification_run(
        &self,
        registration: RegistrationId,
        owner: &str,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let changed = self.connection().execute(
            "INSERT INTO verification_runs (registration_id, owner, lease_until) \
             VALUES (?1, ?2, ?4) \
             ON CONFLICT (registration_id) DO UPDATE SET \
             owner = excluded.owner, lease_until = excluded.lease_until \
             WHERE verification_runs.lease_until <= ?3",
            params![registration.0, owner, to_millis(now), to_millis(lease_until)],
        )?;
        Ok(changed == 1)
    }

    async fn finish_verification_run(
        &self,
        registration: RegistrationId,
        owner: &str,
    ) -> Result<(), StoreError> {
        self.connection().execute(
            "DELETE FROM verification_runs WHERE registration_id = ?1 AND owner = ?2",
            params![registration.0, owner],
        )?;
        Ok(())
    }
}

fn record(
    connection: &mut Connection,
    registration: RegistrationId,
    verification: Option<&Verification>,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    let transaction = connection.transaction()?;
    if let Some(verification) = verification {
        let report = serde_json::to_string(&verification.report)
            .map_err(|error| StoreError::Database(Box::new(error)))?;
        transaction.execute(
            "INSERT INTO registration_verifications \
             (registration_id, at, duration_ms, actor_user_id, actor_login, report_format, report) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
             ON CONFLICT (registration_id) DO UPDATE SET \
             at = excluded.at, duration_ms = excluded.duration_ms, \
             actor_user_id = excluded.actor_user_id, actor_login = excluded.actor_login, \
             report_format = excluded.report_format, report = excluded.report",
            params![
                registration.0,
                to_millis(verification.at),
                i64::try_from(verification.duration_ms).unwrap_or(i64::MAX),
                verification.actor_user_id.0,
                verification.actor_login,
                verification.report.format_version,
                report,
            ],
        )?;
    }
    insert_audit(&transaction, registration, audit)?;
    transaction.commit()?;
    Ok(())
}

fn last(
    connection: &Connection,
    company: CompanyId,
    registration: RegistrationId,
) -> Result<Option<Verification>, StoreError> {
    let row = connection
        .prepare_cached(
            "SELECT verification.at, verification.duration_ms, verification.actor_user_id, \
             verification.actor_login, verification.report \
             FROM registration_verifications AS verification \
             JOIN registrations ON registrations.id = verification.registration_id \
             WHERE registrations.company_id = ?1 AND verification.registration_id = ?2",
        )?
        .query_row(params![company.0, registration.0], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
            ))
        })
        .optional()?;
    let Some((at, duration_ms, actor_user_id, actor_login, report)) = row else {
        return Ok(None);
    };
    let report = Report::from_json(&report)
        .map_err(|_| invalid_value("registration_verifications.report"))?;
    Ok(Some(Verification {
        at: from_millis(at),
        duration_ms: u64::try_from(duration_ms).unwrap_or_default(),
        actor_user_id: UserId(actor_user_id),
        actor_login,
        report,
    }))
}
