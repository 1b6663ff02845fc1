//! The last Verify services report of each registration, and the marks of
//! runs in progress, in PostgreSQL.

use conformance::Report;
use sqlx::Row;
use time::OffsetDateTime;

use super::registrations::insert_audit;
use super::{PostgresHostStore, finish, from_millis, to_millis};
use crate::domain::{AuditEntry, CompanyId, RegistrationId, UserId, Verification};
use crate::store::verification::VerificationStore;
use crate::store::{StoreError, invalid_value};

#[async_trait::async_trait]
impl VerificationStore for PostgresHostStore {
    async fn record_verification(
        &self,
        registration: RegistrationId,
        verification: Option<&Verification>,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut transaction = self.pool.begin().await?;
        let result = async {
            if let Some(verification) = verification {
                let report = serde_json::to_string(&verification.report)
                    .map_err(|error| StoreError::Database(Box::new(error)))?;
                sqlx::query(
                    "INSERT INTO registration_verifications \
                     (registration_id, at, duration_ms, actor_user_id, actor_login, report_format, report) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (registration_id) DO UPDATE SET \
                     at = excluded.at, duration_ms = excluded.duration_ms, \
                     actor_user_id = excluded.actor_user_id, actor_login = excluded.actor_login, \
                     report_format = excluded.report_format, report = excluded.report",
                )
                .bind(registration.0)
                .bind(to_millis(verification.at))
                .bind(i64::try_from(verification.duration_ms).unwrap_or(i64::MAX))
                .bind(verification.actor_user_id.0)
                .bind(&verification.actor_login)
                .bind(i64::from(verification.report.format_version))
                .bind(report)
                .execute(&mut *transaction)
                .await?;
            }
            insert_audit(&mut transaction, registration, audit).await
        }
        .await;
        finish(transaction, result).await
    }

    async fn last_verification(
        &self,
        company: CompanyId,
        registration: RegistrationId,
    ) -> Result<Option<Verification>, StoreError> {
        let found = sqlx::query(
            "SELECT verification.at, verification.duration_ms, verification.actor_user_id, \
             verification.actor_login, verification.report \
             FROM registration_verifications AS verification \
             JOIN registrations ON registrations.id = verification.registration_id \
             WHERE registrations.company_id = $1 AND verification.registration_id = $2",
        )
        .bind(company.0)
        .bind(registration.0)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = found else {
            return Ok(None);
        };
        let report: String = row.try_get(4)?;
        let report = Report::from_json(&report)
            .map_err(|_| invalid_value("registration_verifications.report"))?;
        Ok(Some(Verification {
            at: from_millis(row.try_get(0)?),
            duration_ms: u64::try_from(row.try_get::<i64, _>(1)?).unwrap_or_default(),
            actor_user_id: UserId(row.try_get(2)?),
            actor_login: row.try_get(3)?,
            report,
        }))
    }

    async fn start_verification_run(
        &self,
        registration: RegistrationId,
        owner: &str,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        // The conflicting row is locked while the upsert decides, so of two
        // instances starting at once only one sees an expired lease.
        let changed = sqlx::query(
            "INSERT INTO verification_runs (registration_id, owner, lease_until) \
             VALUES ($1, $2, $4) \
             ON CONFLICT (registration_id) DO UPDATE SET \
             owner = excluded.owner, lease_until = excluded.lease_until \
             WHERE verification_runs.lease_until <= $3",
        )
        .bind(registration.0)
        .bind(owner)
        .bind(to_millis(now))
        .bind(to_millis(lease_until))
        .execute(&self.pool)
        .await?;
        Ok(changed.rows_affected() == 1)
    }

    async fn finish_verification_run(
        &self,
        registration: RegistrationId,
        owner: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM verification_runs WHERE registration_id = $1 AND owner = $2")
            .bind(registration.0)
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
