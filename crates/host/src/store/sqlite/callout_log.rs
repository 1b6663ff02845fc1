//! The callout log in SQLite: one row per callout, the newest few kept per registration.

use rusqlite::{Connection, Row, params};

use super::{SqliteHostStore, from_millis, invalid_value, to_millis};
use crate::domain::callout_log::{CalloutOutcome, CalloutRecord};
use crate::domain::{CompanyId, RegistrationId, ServiceKind};
use crate::store::StoreError;
use crate::store::callout_log::CalloutLogStore;

#[async_trait::async_trait]
impl CalloutLogStore for SqliteHostStore {
    async fn record_callout(
        &self,
        registration: RegistrationId,
        record: &CalloutRecord,
        keep: usize,
    ) -> Result<(), StoreError> {
        insert(&mut self.connection(), registration, record, keep)
    }

    async fn recent_callouts(
        &self,
        company: CompanyId,
        registration: RegistrationId,
        limit: usize,
    ) -> Result<Vec<CalloutRecord>, StoreError> {
        recent(&self.connection(), company, registration, limit)
    }
}

fn insert(
    connection: &mut Connection,
    registration: RegistrationId,
    record: &CalloutRecord,
    keep: usize,
) -> Result<(), StoreError> {
    let (result_count, refine_search, failure_kind, error) = match &record.outcome {
        CalloutOutcome::Succeeded {
            results,
            refine_search,
        } => (Some(*results), *refine_search, None, None),
        CalloutOutcome::Failed { kind, detail } => {
            (None, false, Some(kind.as_str()), Some(detail.as_str()))
        }
        CalloutOutcome::InvalidAnswer { rule } => (None, false, None, Some(rule.as_str())),
    };
    let keep = i64::try_from(keep).unwrap_or(i64::MAX);

    let transaction = connection.transaction()?;
    transaction.execute(
        "INSERT INTO callout_log \
         (registration_id, at, service, duration_ms, outcome, result_count, refine_search, failure_kind, error) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            registration.0,
            to_millis(record.at),
            record.service.as_str(),
            i64::try_from(record.duration_ms).unwrap_or(i64::MAX),
            record.outcome.as_str(),
            result_count,
            refine_search,
            failure_kind,
            error
        ],
    )?;
    transaction.execute(
        "DELETE FROM callout_log WHERE registration_id = ?1 AND id NOT IN \
         (SELECT id FROM callout_log WHERE registration_id = ?1 ORDER BY id DESC LIMIT ?2)",
        params![registration.0, keep],
    )?;
    transaction.commit()?;
    Ok(())
}

fn recent(
    connection: &Connection,
    company: CompanyId,
    registration: RegistrationId,
    limit: usize,
) -> Result<Vec<CalloutRecord>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut statement = connection.prepare_cached(
        "SELECT log.at, log.service, log.duration_ms, log.outcome, log.result_count, \
         log.refine_search, log.failure_kind, log.error \
         FROM callout_log AS log JOIN registrations ON registrations.id = log.registration_id \
         WHERE registrations.company_id = ?1 AND log.registration_id = ?2 \
         ORDER BY log.id DESC LIMIT ?3",
    )?;
    let rows = statement.query_map(params![company.0, registration.0, limit], read_row)?;
    let mut records = Vec::new();
    for row in rows {
        records.push(row??);
    }
    Ok(records)
}

/// Reads one row; the outer error is SQLite's, the inner one a stored value the domain rejects.
fn read_row(row: &Row<'_>) -> rusqlite::Result<Result<CalloutRecord, StoreError>> {
    let service: String = row.get(1)?;
    let outcome: String = row.get(3)?;
    let result_count: Option<u32> = row.get(4)?;
    let refine_search: bool = row.get(5)?;
    let failure_kind: Option<String> = row.get(6)?;
    let error: Option<String> = row.get(7)?;
    let duration_ms: i64 = row.get(2)?;

    let Some(service) = ServiceKind::parse(&service) else {
        return Ok(Err(invalid_value("callout_log.service")));
    };
    let outcome = match outcome.as_str() {
        "succeeded" => CalloutOutcome::Succeeded {
            results: result_count.unwrap_or_default(),
            refine_search,
        },
        "failed" => CalloutOutcome::Failed {
            kind: failure_kind.unwrap_or_default(),
            detail: error.unwrap_or_default(),
        },
        "invalid_answer" => CalloutOutcome::InvalidAnswer {
            rule: error.unwrap_or_default(),
        },
        _ => return Ok(Err(invalid_value("callout_log.outcome"))),
    };
    Ok(Ok(CalloutRecord {
        at: from_millis(row.get(0)?),
        service,
        duration_ms: u64::try_from(duration_ms).unwrap_or_default(),
        outcome,
    }))
}
