//! The callout log in PostgreSQL: one row per callout, the newest few kept per registration.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use super::{PostgresHostStore, finish, from_millis, to_millis};
use crate::domain::callout_log::{CalloutOutcome, CalloutRecord};
use crate::domain::{CompanyId, RegistrationId, ServiceKind};
use crate::store::callout_log::CalloutLogStore;
use crate::store::{StoreError, invalid_value};

#[async_trait::async_trait]
impl CalloutLogStore for PostgresHostStore {
    async fn record_callout(
        &self,
        registration: RegistrationId,
        record: &CalloutRecord,
        keep: usize,
    ) -> Result<(), StoreError> {
        let mut transaction = self.pool.begin().await?;
        let result = insert(&mut transaction, registration, record, keep).await;
        finish(transaction, result).await
    }

    async fn recent_callouts(
        &self,
        company: CompanyId,
        registration: RegistrationId,
        limit: usize,
    ) -> Result<Vec<CalloutRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT log.at, log.service, log.duration_ms, log.outcome, log.result_count, \
             log.refine_search, log.failure_kind, log.error \
             FROM callout_log AS log JOIN registrations ON registrations.id = log.registration_id \
             WHERE registrations.company_id = $1 AND log.registration_id = $2 \
             ORDER BY log.id DESC LIMIT $3",
        )
        .bind(company.0)
        .bind(registration.0)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(read_row).collect()
    }
}

async fn insert(
    transaction: &mut PgConnection,
    registration: RegistrationId,
    record: &CalloutRecord,
    keep: usize,
) -> Result<(), StoreError> {
    let (result_count, refine_search, failure_kind, error) = match &record.outcome {
        CalloutOutcome::Succeeded {
            results,
            refine_search,
        } => (Some(i64::from(*results)), *refine_search, None, None),
        CalloutOutcome::Failed { kind, detail } => {
            (None, false, Some(kind.as_str()), Some(detail.as_str()))
        }
        CalloutOutcome::InvalidAnswer { rule } => (None, false, None, Some(rule.as_str())),
    };
    sqlx::query(
        "INSERT INTO callout_log \
         (registration_id, at, service, duration_ms, outcome, result_count, refine_search, failure_kind, error) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(registration.0)
    .bind(to_millis(record.at))
    .bind(record.service.as_str())
    .bind(i64::try_from(record.duration_ms).unwrap_or(i64::MAX))
    .bind(record.outcome.as_str())
    .bind(result_count)
    .bind(refine_search)
    .bind(failure_kind)
    .bind(error)
    .execute(&mut *transaction)
    .await?;
    sqlx::query(
        "DELETE FROM callout_log WHERE registration_id = $1 AND id NOT IN \
         (SELECT id FROM callout_log WHERE registration_id = $1 ORDER BY id DESC LIMIT $2)",
    )
    .bind(registration.0)
    .bind(i64::try_from(keep).unwrap_or(i64::MAX))
    .execute(&mut *transaction)
    .await?;
    Ok(())
}

fn read_row(row: &PgRow) -> Result<CalloutRecord, StoreError> {
    let service: String = row.try_get(1)?;
    let outcome: String = row.try_get(3)?;
    let result_count: Option<i64> = row.try_get(4)?;
    let failure_kind: Option<String> = row.try_get(6)?;
    let error: Option<String> = row.try_get(7)?;
    let duration_ms: i64 = row.try_get(2)?;

    let service =
        ServiceKind::parse(&service).ok_or_else(|| invalid_value("callout_log.service"))?;
    let outcome = match outcome.as_str() {
        "succeeded" => CalloutOutcome::Succeeded {
            results: result_count
                .map(u32::try_from)
                .transpose()
                .map_err(|_| invalid_value("callout_log.result_count"))?
                .unwrap_or_default(),
            refine_search: row.try_get(5)?,
        },
        "failed" => CalloutOutcome::Failed {
            kind: failure_kind.unwrap_or_default(),
            detail: error.unwrap_or_default(),
        },
        "invalid_answer" => CalloutOutcome::InvalidAnswer {
            rule: error.unwrap_or_default(),
        },
        _ => return Err(invalid_value("callout_log.outcome")),
    };
    Ok(CalloutRecord {
        at: from_millis(row.try_get(0)?),
        service,
        duration_ms: u64::try_from(duration_ms).unwrap_or_default(),
        outcome,
    })
}
