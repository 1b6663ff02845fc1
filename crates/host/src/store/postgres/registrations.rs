//! Registrations, their services and their audit trail in PostgreSQL.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};

use super::{from_millis, to_millis};
use crate::crypto::SealedPassword;
use crate::domain::fields::{CredentialUserName, Description, HostName, RegistrationName};
use crate::domain::services::{
    EndpointPath, ServiceConfig, ServiceSettings, Services, default_services,
};
use crate::domain::{
    AuditAction, AuditEntry, CompanyId, Registration, RegistrationId, ServiceKind,
    TestConnectionResult, TestOutcome, UserId,
};
use crate::store::{NewRegistration, StoreError, invalid_value};

const COLUMNS: &str = "id, company_id, name, description, host_name, user_name, sealed_password, \
     verified, last_test_at, last_test_duration_ms, last_test_succeeded, last_test_tls_version, \
     last_test_cipher_suite, last_test_failure_kind, last_test_failure, created_at, updated_at, revision";

pub(super) async fn list(
    pool: &PgPool,
    company: CompanyId,
) -> Result<Vec<Registration>, StoreError> {
    // COLLATE "C" compares bytes, as SQLite does, whatever the database's collation.
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM registrations WHERE company_id = $1 \
         ORDER BY name_key COLLATE \"C\", id"
    ))
    .bind(company.0)
    .fetch_all(pool)
    .await?;
    let mut registrations = Vec::with_capacity(rows.len());
    for row in rows {
        let mut registration = registration_from_row(&row)?;
        registration.services = services(pool, registration.id).await?;
        registrations.push(registration);
    }
    Ok(registrations)
}

pub(super) async fn get(
    pool: &PgPool,
    company: CompanyId,
    id: RegistrationId,
) -> Result<Option<Registration>, StoreError> {
    let found = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM registrations WHERE company_id = $1 AND id = $2"
    ))
    .bind(company.0)
    .bind(id.0)
    .fetch_optional(pool)
    .await?;
    let Some(row) = found else {
        return Ok(None);
    };
    let mut registration = registration_from_row(&row)?;
    registration.services = services(pool, registration.id).await?;
    Ok(Some(registration))
}

pub(super) async fn insert(
    transaction: &mut PgConnection,
    registration: &NewRegistration,
    audit: &AuditEntry,
) -> Result<RegistrationId, StoreError> {
    let created_at = to_millis(registration.created_at);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO registrations (company_id, name, name_key, description, host_name, user_name, \
         sealed_password, verified, created_at, updated_at, revision) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, false, $8, $8, 1) RETURNING id",
    )
    .bind(registration.company_id.0)
    .bind(registration.name.as_str())
    .bind(registration.name.unique_key())
    .bind(registration.description.as_str())
    .bind(registration.host_name.as_str())
    .bind(registration.user_name.as_str())
    .bind(registration.password.as_bytes())
    .bind(created_at)
    .fetch_one(&mut *transaction)
    .await?;
    let id = RegistrationId(id);
    save_services(transaction, id, &registration.services).await?;
    insert_audit(transaction, id, audit).await?;
    Ok(id)
}

pub(super) async fn update(
    transaction: &mut PgConnection,
    registration: &Registration,
    expected_revision: i64,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    let test = registration.last_test_connection.as_ref();
    let (succeeded, tls_version, cipher_suite, failure_kind, failure) =
        match test.map(|test| &test.outcome) {
            Some(TestOutcome::Succeeded {
                tls_version,
                cipher_suite,
            }) => (
                Some(true),
                Some(tls_version),
                Some(cipher_suite),
                None,
                None,
            ),
            Some(TestOutcome::Failed { kind, message }) => {
                (Some(false), None, None, Some(kind), Some(message))
            }
            None => (None, None, None, None, None),
        };
    let changed = sqlx::query(
        "UPDATE registrations SET name = $3, name_key = $4, description = $5, host_name = $6, \
         user_name = $7, sealed_password = $8, verified = $9, last_test_at = $10, \
         last_test_duration_ms = $11, last_test_succeeded = $12, last_test_tls_version = $13, \
         last_test_cipher_suite = $14, last_test_failure_kind = $15, last_test_failure = $16, \
         updated_at = $17, revision = revision + 1 \
         WHERE id = $1 AND company_id = $2 AND revision = $18",
    )
    .bind(registration.id.0)
    .bind(registration.company_id.0)
    .bind(registration.name.as_str())
    .bind(registration.name.unique_key())
    .bind(registration.description.as_str())
    .bind(registration.host_name.as_str())
    .bind(registration.user_name.as_str())
    .bind(registration.password.as_bytes())
    .bind(registration.verified)
    .bind(test.map(|test| to_millis(test.at)))
    .bind(test.map(|test| i64::try_from(test.duration_ms).unwrap_or(i64::MAX)))
    .bind(succeeded)
    .bind(tls_version)
    .bind(cipher_suite)
    .bind(failure_kind)
    .bind(failure)
    .bind(to_millis(registration.updated_at))
    .bind(expected_revision)
    .execute(&mut *transaction)
    .await?;
    if changed.rows_affected() == 0 {
        return Err(StoreError::Conflict);
    }
    save_services(transaction, registration.id, &registration.services).await?;
    insert_audit(transaction, registration.id, audit).await?;
    Ok(())
}

pub(super) async fn audit_trail(
    pool: &PgPool,
    company: CompanyId,
    id: RegistrationId,
) -> Result<Vec<AuditEntry>, StoreError> {
    let rows = sqlx::query(
        "SELECT audit_entries.at, audit_entries.actor_user_id, audit_entries.actor_login, \
         audit_entries.action, audit_entries.service, audit_entries.changes, audit_entries.result \
         FROM audit_entries JOIN registrations ON registrations.id = audit_entries.registration_id \
         WHERE registrations.company_id = $1 AND audit_entries.registration_id = $2 \
         ORDER BY audit_entries.id",
    )
    .bind(company.0)
    .bind(id.0)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let service: Option<String> = row.try_get(4)?;
            let service = service
                .map(|name| {
                    ServiceKind::parse(&name).ok_or_else(|| invalid_value("audit_entries.service"))
                })
                .transpose()?;
            let action: String = row.try_get(3)?;
            let changes: String = row.try_get(5)?;
            Ok(AuditEntry {
                at: from_millis(row.try_get(0)?),
                actor_user_id: UserId(row.try_get(1)?),
                actor_login: row.try_get(2)?,
                action: AuditAction::parse(&action)
                    .ok_or_else(|| invalid_value("audit_entries.action"))?,
                service,
                changes: serde_json::from_str(&changes)
                    .map_err(|_| invalid_value("audit_entries.changes"))?,
                result: row.try_get(6)?,
            })
        })
        .collect()
}

fn registration_from_row(row: &PgRow) -> Result<Registration, StoreError> {
    let test_at: Option<i64> = row.try_get(8)?;
    let succeeded: Option<bool> = row.try_get(10)?;
    let last_test_connection = match (test_at, succeeded) {
        (Some(at), Some(succeeded)) => {
            let outcome = if succeeded {
                TestOutcome::Succeeded {
                    tls_version: row.try_get::<Option<String>, _>(11)?.unwrap_or_default(),
                    cipher_suite: row.try_get::<Option<String>, _>(12)?.unwrap_or_default(),
                }
            } else {
                TestOutcome::Failed {
                    kind: row.try_get::<Option<String>, _>(13)?.unwrap_or_default(),
                    message: row.try_get::<Option<String>, _>(14)?.unwrap_or_default(),
                }
            };
            Some(TestConnectionResult {
                at: from_millis(at),
                duration_ms: row
                    .try_get::<Option<i64>, _>(9)?
                    .map_or(0, |millis| u64::try_from(millis).unwrap_or(0)),
                outcome,
            })
        }
        _ => None,
    };
    Ok(Registration {
        id: RegistrationId(row.try_get(0)?),
        company_id: CompanyId(row.try_get(1)?),
        name: RegistrationName::from_stored(row.try_get(2)?),
        description: Description::from_stored(row.try_get(3)?),
        host_name: HostName::from_stored(row.try_get(4)?),
        user_name: CredentialUserName::from_stored(row.try_get(5)?),
        password: SealedPassword::from_bytes(row.try_get(6)?),
        verified: row.try_get(7)?,
        last_test_connection,
        services: Services::new(),
        created_at: from_millis(row.try_get(15)?),
        updated_at: from_millis(row.try_get(16)?),
        revision: row.try_get(17)?,
    })
}

/// Reads the services of a registration; a kind without a row (added in a
/// later version) gets its default configuration.
async fn services(pool: &PgPool, id: RegistrationId) -> Result<Services, StoreError> {
    let rows = sqlx::query(
        "SELECT service, enabled, endpoint_path, settings FROM registration_services \
         WHERE registration_id = $1",
    )
    .bind(id.0)
    .fetch_all(pool)
    .await?;

    let mut services = default_services();
    for row in rows {
        let name: String = row.try_get(0)?;
        let settings: String = row.try_get(3)?;
        let endpoint_path: String = row.try_get(2)?;
        let kind = ServiceKind::parse(&name)
            .ok_or_else(|| invalid_value("registration_services.service"))?;
        let settings: ServiceSettings = serde_json::from_str(&settings)
            .ok()
            .filter(|settings: &ServiceSettings| settings.kind() == kind)
            .ok_or_else(|| invalid_value("registration_services.settings"))?;
        let endpoint_path = EndpointPath::parse(&endpoint_path)
            .map_err(|_| invalid_value("registration_services.endpoint_path"))?;
        services.insert(
            kind,
            ServiceConfig {
                enabled: row.try_get(1)?,
                endpoint_path,
                settings,
            },
        );
    }
    Ok(services)
}

async fn save_services(
    transaction: &mut PgConnection,
    id: RegistrationId,
    services: &Services,
) -> Result<(), StoreError> {
    for (kind, service) in services {
        let settings = serde_json::to_string(&service.settings)
            .map_err(|error| StoreError::Database(Box::new(error)))?;
        sqlx::query(
            "INSERT INTO registration_services (registration_id, service, enabled, endpoint_path, settings) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (registration_id, service) DO UPDATE SET \
             enabled = excluded.enabled, endpoint_path = excluded.endpoint_path, settings = excluded.settings",
        )
        .bind(id.0)
        .bind(kind.as_str())
        .bind(service.enabled)
        .bind(service.endpoint_path.as_str())
        .bind(settings)
        .execute(&mut *transaction)
        .await?;
    }
    Ok(())
}

pub(super) async fn insert_audit(
    transaction: &mut PgConnection,
    id: RegistrationId,
    entry: &AuditEntry,
) -> Result<(), StoreError> {
    let changes = serde_json::to_string(&entry.changes)
        .map_err(|error| StoreError::Database(Box::new(error)))?;
    sqlx::query(
        "INSERT INTO audit_entries (registration_id, at, actor_user_id, actor_login, action, service, changes, result) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.0)
    .bind(to_millis(entry.at))
    .bind(entry.actor_user_id.0)
    .bind(&entry.actor_login)
    .bind(entry.action.as_str())
    .bind(entry.service.map(ServiceKind::as_str))
    .bind(changes)
    .bind(&entry.result)
    .execute(&mut *transaction)
    .await?;
    Ok(())
}
