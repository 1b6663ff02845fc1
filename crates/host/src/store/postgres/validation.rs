//! Exceptions and approved amounts that connectors record, in PostgreSQL.

use sqlx::Row;
use time::OffsetDateTime;

use super::{PostgresHostStore, to_millis};
use crate::domain::RegistrationId;
use crate::store::StoreError;
use crate::store::object_tables::tables;
use crate::store::validation::{ObjectException, ValidationStore};
use crate::workflow::ObjectRef;

#[async_trait::async_trait]
impl ValidationStore for PostgresHostStore {
    async fn insert_exception(
        &self,
        object: ObjectRef,
        exception: &ObjectException,
        registration: RegistrationId,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO object_exceptions (object_type, object_id, entry_id, code, message, \
             registration_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(object.object_type.as_str())
        .bind(object.id)
        .bind(exception.entry_id)
        .bind(&exception.code)
        .bind(&exception.message)
        .bind(registration.0)
        .bind(to_millis(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn exceptions(&self, object: ObjectRef) -> Result<Vec<ObjectException>, StoreError> {
        let rows = sqlx::query(
            "SELECT entry_id, code, message FROM object_exceptions \
             WHERE object_type = $1 AND object_id = $2 ORDER BY id",
        )
        .bind(object.object_type.as_str())
        .bind(object.id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ObjectException {
                    entry_id: row.try_get(0)?,
                    code: row.try_get(1)?,
                    message: row.try_get(2)?,
                })
            })
            .collect()
    }

    async fn set_approved_amount(
        &self,
        object: ObjectRef,
        entry_id: i64,
        cents: i64,
        registration: RegistrationId,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO approved_amounts (object_type, entry_id, amount_cents, registration_id, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (object_type, entry_id) DO UPDATE SET \
             amount_cents = excluded.amount_cents, registration_id = excluded.registration_id, \
             updated_at = excluded.updated_at",
        )
        .bind(object.object_type.as_str())
        .bind(entry_id)
        .bind(cents)
        .bind(registration.0)
        .bind(to_millis(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn approved_amounts(&self, object: ObjectRef) -> Result<Vec<(i64, i64)>, StoreError> {
        let tables = tables(object.object_type);
        // Ordered by entry, the order in which SQLite reads its primary key.
        let rows = sqlx::query(&format!(
            "SELECT a.entry_id, a.amount_cents FROM approved_amounts AS a \
             JOIN {entries} AS e ON e.id = a.entry_id \
             WHERE a.object_type = $1 AND e.{key} = $2 ORDER BY a.entry_id",
            entries = tables.entries,
            key = tables.entries_key,
        ))
        .bind(object.object_type.as_str())
        .bind(object.id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect()
    }
}
