//! Registrations, their services and their audit trail in SQLite.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::{from_millis, invalid_value, to_millis};
use crate::crypto::SealedPassword;
use crate::domain::fields::{CredentialUserName, Description, HostName, RegistrationName};
use crate::domain::services::{
    EndpointPath, ServiceConfig, ServiceSettings, Services, default_services,
};
use crate::domain::{
    AuditAction, AuditEntry, CompanyId, Registration, RegistrationId, ServiceKind,
    TestConnectionResult, TestOutcome, UserId,
};
use crate::store::{NewRegistration, StoreError};

const COLUMNS: &str = "id, company_id, name, description, host_name, user_name, sealed_password, \
     verified, last_test_at, last_test_duration_ms, last_test_succeeded, last_test_tls_version, \
     last_test_cipher_suite, last_test_failure_kind, last_test_failure, created_at, updated_at, revision";

pub(super) fn list(
    connection: &Connection,
    company: CompanyId,
) -> Result<Vec<Registration>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM registrations WHERE company_id = ?1 ORDER BY name_key, id"
    ))?;
    let rows = statement
        .query_map([company.0], registration_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|mut registration| {
            registration.services = services(connection, registration.id)?;
            Ok(registration)
        })
        .collect()
}

pub(super) fn get(
    connection: &Connection,
    company: CompanyId,
    id: RegistrationId,
) -> Result<Option<Registration>, StoreError> {
    let found = connection
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM registrations WHERE company_id = ?1 AND id = ?2"
        ))?
        .query_row(params![company.0, id.0], registration_from_row)
        .optional()?;
    found
        .map(|mut registration| {
            registration.services = services(connection, registration.id)?;
            Ok(registration)
        })
        .transpose()
}

pub(super) fn insert(
    connection: &mut Connection,
    registration: &NewRegistration,
    audit: &AuditEntry,
) -> Result<RegistrationId, StoreError> {
    let transaction = connection.transaction()?;
    let created_at = to_millis(registration.created_at);
    transaction.execute(
        "INSERT INTO registrations (company_id, name, name_key, description, host_name, user_name, \
         sealed_password, verified, created_at, updated_at, revision) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?8, 1)",
        params![
            registration.company_id.0,
            registration.name.as_str(),
            registration.name.unique_key(),
            registration.description.as_str(),
            registration.host_name.as_str(),
            registration.user_name.as_str(),
            registration.password.as_bytes(),
            created_at,
        ],
    )?;
    let id = RegistrationId(transaction.last_insert_rowid());
    save_services(&transaction, id, &registration.services)?;
    insert_audit(&transaction, id, audit)?;
    transaction.commit()?;
    Ok(id)
}

pub(super) fn update(
    connection: &mut Connection,
    registration: &Registration,
    expected_revision: i64,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    let transaction = connection.transaction()?;
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
    let changed = transaction.execute(
        "UPDATE registrations SET name = ?3, name_key = ?4, description = ?5, host_name = ?6, \
         user_name = ?7, sealed_password = ?8, verified = ?9, last_test_at = ?10, \
         last_test_duration_ms = ?11, last_test_succeeded = ?12, last_test_tls_version = ?13, \
         last_test_cipher_suite = ?14, last_test_failure_kind = ?15, last_test_failure = ?16, \
         updated_at = ?17, revision = revision + 1 \
         WHERE id = ?1 AND company_id = ?2 AND revision = ?18",
        params![
            registration.id.0,
            registration.company_id.0,
            registration.name.as_str(),
            registration.name.unique_key(),
            registration.description.as_str(),
            registration.host_name.as_str(),
            registration.user_name.as_str(),
            registration.password.as_bytes(),
            registration.verified,
            test.map(|test| to_millis(test.at)),
            test.map(|test| i64::try_from(test.duration_ms).unwrap_or(i64::MAX)),
            succeeded,
            tls_version,
            cipher_suite,
            failure_kind,
            failure,
            to_millis(registration.updated_at),
            expected_revision,
        ],
    )?;
    if changed == 0 {
        return Err(StoreError::Conflict);
    }
    save_services(&transaction, registration.id, &registration.services)?;
    insert_audit(&transaction, registration.id, audit)?;
    transaction.commit()?;
    Ok(())
}

pub(super) fn audit_trail(
    connection: &Connection,
    company: CompanyId,
    id: RegistrationId,
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT audit_entries.at, audit_entries.actor_user_id, audit_entries.actor_login, \
         audit_entries.action, audit_entries.service, audit_entries.changes, audit_entries.result \
         FROM audit_entries JOIN registrations ON registrations.id = audit_entries.registration_id \
         WHERE registrations.company_id = ?1 AND audit_entries.registration_id = ?2 \
         ORDER BY audit_entries.id",
    )?;
    let rows = statement
        .query_map(params![company.0, id.0], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, Option<String>>(4)?,
                row.get::<_, String>(5)?,
                row.get::<_, Option<String>>(6)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(at, user_id, login, action, service, changes, result)| {
            let service = service
                .map(|name| {
                    ServiceKind::parse(&name).ok_or_else(|| invalid_value("audit_entries.service"))
                })
                .transpose()?;
            Ok(AuditEntry {
                at: from_millis(at),
                actor_user_id: UserId(user_id),
                actor_login: login,
                action: AuditAction::parse(&action)
                    .ok_or_else(|| invalid_value("audit_entries.action"))?,
                service,
                changes: serde_json::from_str(&changes)
                    .map_err(|_| invalid_value("audit_entries.changes"))?,
                result,
            })
        })
        .collect()
}

fn registration_from_row(row: &Row<'_>) -> rusqlite::Result<Registration> {
    let test_at: Option<i64> = row.get(8)?;
    let succeeded: Option<bool> = row.get(10)?;
    let last_test_connection = match (test_at, succeeded) {
        (Some(at), Some(succeeded)) => {
            let outcome = if succeeded {
                TestOutcome::Succeeded {
                    tls_version: row.get::<_, Option<String>>(11)?.unwrap_or_default(),
                    cipher_suite: row.get::<_, Option<String>>(12)?.unwrap_or_default(),
                }
            } else {
                TestOutcome::Failed {
                    kind: row.get::<_, Option<String>>(13)?.unwrap_or_default(),
                    message: row.get::<_, Option<String>>(14)?.unwrap_or_default(),
                }
            };
            Some(TestConnectionResult {
                at: from_millis(at),
                duration_ms: row
                    .get::<_, Option<i64>>(9)?
                    .map_or(0, |millis| u64::try_from(millis).unwrap_or(0)),
                outcome,
            })
        }
        _ => None,
    };
    Ok(Registration {
        id: RegistrationId(row.get(0)?),
        company_id: CompanyId(row.get(1)?),
        name: RegistrationName::from_stored(row.get(2)?),
        description: Description::from_stored(row.get(3)?),
        host_name: HostName::from_stored(row.get(4)?),
        user_name: CredentialUserName::from_stored(row.get(5)?),
        password: SealedPassword::from_bytes(row.get(6)?),
        verified: row.get(7)?,
        last_test_connection,
        services: Services::new(),
        created_at: from_millis(row.get(15)?),
        updated_at: from_millis(row.get(16)?),
        revision: row.get(17)?,
    })
}

/// Reads the services of a registration; a kind without a row (added in a
/// later version) gets its default configuration.
fn services(connection: &Connection, id: RegistrationId) -> Result<Services, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT service, enabled, endpoint_path, settings FROM registration_services \
         WHERE registration_id = ?1",
    )?;
    let rows = statement
        .query_map([id.0], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, bool>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;

    let mut services = default_services();
    for (name, enabled, endpoint_path, settings) in rows {
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
                enabled,
                endpoint_path,
                settings,
            },
        );
    }
    Ok(services)
}

fn save_services(
    transaction: &Transaction<'_>,
    id: RegistrationId,
    services: &Services,
) -> Result<(), StoreError> {
    let mut statement = transaction.prepare_cached(
        "INSERT INTO registration_services (registration_id, service, enabled, endpoint_path, settings) \
         VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (registration_id, service) DO UPDATE SET \
         enabled = excluded.enabled, endpoint_path = excluded.endpoint_path, settings = excluded.settings",
    )?;
    for (kind, service) in services {
        let settings = serde_json::to_string(&service.settings)
            .map_err(|error| StoreError::Database(Box::new(error)))?;
        statement.execute(params![
            id.0,
            kind.as_str(),
            service.enabled,
            service.endpoint_path.as_str(),
            settings
        ])?;
    }
    Ok(())
}

pub(super) fn insert_audit(
    transaction: &Transaction<'_>,
    id: RegistrationId,
    entry: &AuditEntry,
) -> Result<(), StoreError> {
    let changes = serde_json::to_string(&entry.changes)
        .map_err(|error| StoreError::Database(Box::new(error)))?;
    transaction.execute(
        "INSERT INTO audit_entries (registration_id, at, actor_user_id, actor_login, action, service, changes, result) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id.0,
            to_millis(entry.at),
            entry.actor_user_id.0,
            entry.actor_login,
            entry.action.as_str(),
            entry.service.map(ServiceKind::as_str),
            changes,
            entry.result,
        ],
    )?;
    Ok(())
}
