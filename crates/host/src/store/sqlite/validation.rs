//! Exceptions and approved amounts that connectors record, in SQLite.

use rusqlite::params;
use time::OffsetDateTime;

use super::{SqliteHostStore, to_millis};
use crate::domain::RegistrationId;
use crate::store::StoreError;
use crate::store::validation::{ObjectException, ValidationStore};
use crate::workflow::ObjectRef;

#[async_trait::async_trait]
impl ValidationStore for SqliteHostStore {
    async fn insert_exception(
        &self,
        object: ObjectRef,
        exception: &ObjectException,
        registration: RegistrationId,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.connection()
            .prepare_cached(
                "INSERT INTO object_exceptions (object_type, object_id, entry_id, code, message, \
                 registration_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                object.object_type.as_str(),
                object.id,
                exception.entry_id,
                exception.code,
                exception.message,
                registration.0,
                to_millis(at),
            ])?;
        Ok(())
    }

    async fn exceptions(&self, object: ObjectRef) -> Result<Vec<ObjectException>, StoreError> {
        let connection = self.connection();
        let mut statement = connection.prepare_cached(
            "SELECT entry_id, code, message FROM object_exceptions \
             WHERE object_type = ?1 AND object_id = ?2 ORDER BY id",
        )?;
        let rows = statement
            .query_map(params![object.object_type.as_str(), object.id], |row| {
                Ok(ObjectException {
                    entry_id: row.get(0)?,
                    code: row.get(1)?,
                    message: row.get(2)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    async fn set_approved_amount(
        &self,
        object: ObjectRef,
        entry_id: i64,
        cents: i64,
        registration: RegistrationId,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.connection()
            .prepare_cached(
                "INSERT INTO approved_amounts (object_type, entry_id, amount_cents, registration_id, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (object_type, entry_id) DO UPDATE SET \
                 amount_cents = excluded.amount_cents, registration_id = excluded.registration_id, \
                 updated_at = excluded.updated_at",
            )?
            .execute(params![
                object.object_type.as_str(),
                entry_id,
                cents,
                registration.0,
                to_millis(at),
            ])?;
        Ok(())
    }

    async fn approved_amounts(&self, object: ObjectRef) -> Result<Vec<(i64, i64)>, StoreError> {
        let (entries, key) = match object.object_type {
            protocol::ObjectType::ExpenseReport => ("expense_entries", "report_id"),
            protocol::ObjectType::TravelRequest => ("travel_request_expenses", "request_id"),
        };
        let connection = self.connection();
        let mut statement = connection.prepare_cached(&format!(
            "SELECT a.entry_id, a.amount_cents FROM approved_amounts AS a \
             JOIN {entries} AS e ON e.id = a.entry_id \
             WHERE a.object_type = ?1 AND e.{key} = ?2"
        ))?;
        let rows = statement
            .query_map(params![object.object_type.as_str(), object.id], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}
