//! Client credentials and OAuth 2.0 token pairs in SQLite.

use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;

use super::{SqliteHostStore, from_millis, to_millis};
use crate::domain::{CompanyId, RegistrationId, UserId};
use crate::store::StoreError;
use crate::store::connector_access::{
    AccessGrant, CodeRedemption, ConnectorAccessStore, NewLaunchCode, NewTokenPair,
    RefreshTokenClient, StoredClientCredentials, StoredLaunchCode,
};

const SELECT_CREDENTIALS: &str = "SELECT registration_id, company_id, client_id, secret_hash, created_at FROM client_credentials";

fn credentials(row: &Row<'_>) -> rusqlite::Result<StoredClientCredentials> {
    Ok(StoredClientCredentials {
        registration_id: RegistrationId(row.get(0)?),
        company_id: CompanyId(row.get(1)?),
        client_id: row.get(2)?,
        secret_hash: row.get(3)?,
        created_at: from_millis(row.get(4)?),
    })
}

fn insert_pair(connection: &Connection, pair: &NewTokenPair) -> Result<(), StoreError> {
    connection
        .prepare_cached(
            "INSERT INTO oauth_tokens (access_hash, refresh_hash, registration_id, company_id, \
             access_expires_at, refresh_expires_at, created_at, user_id, code_hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            pair.access_hash,
            pair.refresh_hash,
            pair.registration_id.0,
            pair.company_id.0,
            to_millis(pair.access_expires_at),
            to_millis(pair.refresh_expires_at),
            to_millis(pair.created_at),
            pair.user_id.map(|user| user.0),
            pair.code_hash,
        ])?;
    Ok(())
}

/// Adds the `user_id` and `code_hash` columns to an `oauth_tokens` table
/// created before launch codes existed, then indexes `code_hash`. The schema
/// script cannot do this because SQLite has no `ADD COLUMN IF NOT EXISTS`.
pub(super) fn upgrade_oauth_tokens(connection: &Connection) -> Result<(), StoreError> {
    let columns: Vec<String> = connection
        .prepare("SELECT name FROM pragma_table_info('oauth_tokens')")?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    for (column, definition) in [
        ("user_id", "INTEGER REFERENCES users (id)"),
        ("code_hash", "TEXT"),
    ] {
        if !columns.iter().any(|name| name == column) {
            connection.execute_batch(&format!(
                "ALTER TABLE oauth_tokens ADD COLUMN {column} {definition}"
            ))?;
        }
    }
    connection.execute_batch(
        "CREATE INDEX IF NOT EXISTS oauth_tokens_by_code \
         ON oauth_tokens (code_hash) WHERE code_hash IS NOT NULL",
    )?;
    Ok(())
}

fn delete_code_pairs(connection: &Connection, code_hash: &str) -> Result<usize, StoreError> {
    Ok(connection
        .prepare_cached("DELETE FROM oauth_tokens WHERE code_hash = ?1")?
        .execute(params![code_hash])?)
}

#[async_trait::async_trait]
impl ConnectorAccessStore for SqliteHostStore {
    async fn replace_client_credentials(
        &self,
        credentials: &StoredClientCredentials,
    ) -> Result<(), StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        transaction.execute(
            "DELETE FROM oauth_tokens WHERE registration_id = ?1",
            params![credentials.registration_id.0],
        )?;
        transaction.execute(
            "INSERT INTO client_credentials (registration_id, company_id, client_id, secret_hash, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (registration_id) DO UPDATE SET client_id = excluded.client_id, \
             secret_hash = excluded.secret_hash, created_at = excluded.created_at",
            params![
                credentials.registration_id.0,
                credentials.company_id.0,
                credentials.client_id,
                credentials.secret_hash,
                to_millis(credentials.created_at),
            ],
        )?;
        transaction.commit()?;
        Ok(())
    }

    async fn client_credentials_by_id(
        &self,
        client_id: &str,
    ) -> Result<Option<StoredClientCredentials>, StoreError> {
        Ok(self
            .connection()
            .prepare_cached(&format!("{SELECT_CREDENTIALS} WHERE client_id = ?1"))?
            .query_row(params![client_id], credentials)
            .optional()?)
    }

    async fn client_credentials_of(
        &self,
        registration: RegistrationId,
    ) -> Result<Option<StoredClientCredentials>, StoreError> {
        Ok(self
            .connection()
            .prepare_cached(&format!("{SELECT_CREDENTIALS} WHERE registration_id = ?1"))?
            .query_row(params![registration.0], credentials)
            .optional()?)
    }

    async fn insert_token_pair(&self, pair: &NewTokenPair) -> Result<(), StoreError> {
        insert_pair(&self.connection(), pair)
    }

    async fn access_grant(
        &self,
        access_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<AccessGrant>, StoreError> {
        Ok(self
            .connection()
            .prepare_cached(
                "SELECT registration_id, company_id, user_id FROM oauth_tokens \
                 WHERE access_hash = ?1 AND access_expires_at > ?2",
            )?
            .query_row(params![access_hash, to_millis(now)], |row| {
                Ok(AccessGrant {
                    registration_id: RegistrationId(row.get(0)?),
                    company_id: CompanyId(row.get(1)?),
                    user_id: row.get::<_, Option<i64>>(2)?.map(UserId),
                })
            })
            .optional()?)
    }

    async fn redeem_refresh_token(
        &self,
        refresh_hash: &str,
        now: OffsetDateTime,
        new_pair: &NewTokenPair,
    ) -> Result<Option<AccessGrant>, StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        let deleted = transaction
            .query_row(
                "DELETE FROM oauth_tokens WHERE refresh_hash = ?1 AND registration_id = ?2 \
                 AND refresh_expires_at > ?3 RETURNING user_id, code_hash",
                params![refresh_hash, new_pair.registration_id.0, to_millis(now)],
                |row| {
                    Ok((
                        row.get::<_, Option<i64>>(0)?,
                        row.get::<_, Option<String>>(1)?,
                    ))
                },
            )
            .optional()?;
        let Some((user_id, code_hash)) = deleted else {
            return Ok(None);
        };
        let new_pair = NewTokenPair {
            user_id: user_id.map(UserId),
            code_hash,
            ..new_pair.clone()
        };
        insert_pair(&transaction, &new_pair)?;
        transaction.commit()?;
        Ok(Some(AccessGrant {
            registration_id: new_pair.registration_id,
            company_id: new_pair.company_id,
            user_id: new_pair.user_id,
        }))
    }

    async fn insert_launch_code(&self, code: &NewLaunchCode) -> Result<(), StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        transaction.execute(
            "DELETE FROM launch_codes WHERE expires_at < ?1 AND NOT EXISTS \
             (SELECT 1 FROM oauth_tokens WHERE oauth_tokens.code_hash = launch_codes.code_hash)",
            params![to_millis(code.created_at)],
        )?;
        transaction.execute(
            "INSERT INTO launch_codes (code_hash, user_id, company_id, registration_id, \
             client_id, redirect_url, expires_at, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                code.code_hash,
                code.user_id.0,
                code.company_id.0,
                code.registration_id.0,
                code.client_id,
                code.redirect_url,
                to_millis(code.expires_at),
                to_millis(code.created_at),
            ],
        )?;
        transaction.commit()?;
        Ok(())
    }

    async fn launch_code(&self, code_hash: &str) -> Result<Option<StoredLaunchCode>, StoreError> {
        Ok(self
            .connection()
            .prepare_cached(
                "SELECT user_id, company_id, registration_id, client_id, redirect_url, \
                 expires_at, used_at FROM launch_codes WHERE code_hash = ?1",
            )?
            .query_row(params![code_hash], |row| {
                Ok(StoredLaunchCode {
                    user_id: UserId(row.get(0)?),
                    company_id: CompanyId(row.get(1)?),
                    registration_id: RegistrationId(row.get(2)?),
                    client_id: row.get(3)?,
                    redirect_url: row.get(4)?,
                    expires_at: from_millis(row.get(5)?),
                    used_at: row.get::<_, Option<i64>>(6)?.map(from_millis),
                })
            })
            .optional()?)
    }

    async fn refresh_token_client(
        &self,
        refresh_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<RefreshTokenClient>, StoreError> {
        Ok(self
            .connection()
            .prepare_cached(
                "SELECT oauth_tokens.registration_id, launch_codes.client_id FROM oauth_tokens \
                 LEFT JOIN launch_codes ON launch_codes.code_hash = oauth_tokens.code_hash \
                 WHERE oauth_tokens.refresh_hash = ?1 AND oauth_tokens.refresh_expires_at > ?2",
            )?
            .query_row(params![refresh_hash, to_millis(now)], |row| {
                Ok(RefreshTokenClient {
                    registration_id: RegistrationId(row.get(0)?),
                    launch_client_id: row.get(1)?,
                })
            })
            .optional()?)
    }

    async fn redeem_launch_code(
        &self,
        code_hash: &str,
        now: OffsetDateTime,
        new_pair: &NewTokenPair,
    ) -> Result<CodeRedemption, StoreError> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        let marked = transaction.execute(
            "UPDATE launch_codes SET used_at = ?2 \
             WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
            params![code_hash, to_millis(now)],
        )?;
        let outcome = if marked == 1 {
            insert_pair(&transaction, new_pair)?;
            CodeRedemption::Redeemed
        } else {
            let used = transaction
                .query_row(
                    "SELECT used_at IS NOT NULL FROM launch_codes WHERE code_hash = ?1",
                    params![code_hash],
                    |row| row.get::<_, bool>(0),
                )
                .optional()?;
            if used == Some(true) {
                delete_code_pairs(&transaction, code_hash)?;
                CodeRedemption::Reused
            } else {
                CodeRedemption::Rejected
            }
        };
        transaction.commit()?;
        Ok(outcome)
    }

    async fn revoke_code_tokens(&self, code_hash: &str) -> Result<(), StoreError> {
        delete_code_pairs(&self.connection(), code_hash)?;
        Ok(())
    }
}
