//! Client credentials, OAuth 2.0 token pairs and launch codes in PostgreSQL.
//!
//! Redeeming a launch code or a refresh token changes its row with one
//! conditional statement. Of two instances redeeming the same one at once,
//! the second waits for the first's row lock, then finds the condition
//! false on the row the first committed, so each redeems at most once.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use time::OffsetDateTime;

use super::{PostgresHostStore, finish, from_millis, to_millis};
use crate::domain::{CompanyId, RegistrationId, UserId};
use crate::store::StoreError;
use crate::store::connector_access::{
    AccessGrant, CodeRedemption, ConnectorAccessStore, NewLaunchCode, NewTokenPair,
    RefreshTokenClient, StoredClientCredentials, StoredLaunchCode,
};

const SELECT_CREDENTIALS: &str = "SELECT registration_id, company_id, client_id, secret_hash, created_at FROM client_credentials";

fn credentials(row: &PgRow) -> Result<StoredClientCredentials, StoreError> {
    Ok(StoredClientCredentials {
        registration_id: RegistrationId(row.try_get(0)?),
        company_id: CompanyId(row.try_get(1)?),
        client_id: row.try_get(2)?,
        secret_hash: row.try_get(3)?,
        created_at: from_millis(row.try_get(4)?),
    })
}

async fn insert_pair(connection: &mut PgConnection, pair: &NewTokenPair) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO oauth_tokens (access_hash, refresh_hash, registration_id, company_id, \
         access_expires_at, refresh_expires_at, created_at, user_id, code_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&pair.access_hash)
    .bind(&pair.refresh_hash)
    .bind(pair.registration_id.0)
    .bind(pair.company_id.0)
    .bind(to_millis(pair.access_expires_at))
    .bind(to_millis(pair.refresh_expires_at))
    .bind(to_millis(pair.created_at))
    .bind(pair.user_id.map(|user| user.0))
    .bind(&pair.code_hash)
    .execute(connection)
    .await?;
    Ok(())
}

async fn delete_code_pairs(
    connection: &mut PgConnection,
    code_hash: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM oauth_tokens WHERE code_hash = $1")
        .bind(code_hash)
        .execute(connection)
        .await?;
    Ok(())
}

#[async_trait::async_trait]
impl ConnectorAccessStore for PostgresHostStore {
    async fn replace_client_credentials(
        &self,
        credentials: &StoredClientCredentials,
    ) -> Result<(), StoreError> {
        let mut transaction = self.pool.begin().await?;
        let result = replace_credentials(&mut transaction, credentials).await;
        finish(transaction, result).await
    }

    async fn client_credentials_by_id(
        &self,
        client_id: &str,
    ) -> Result<Option<StoredClientCredentials>, StoreError> {
        let row = sqlx::query(&format!("{SELECT_CREDENTIALS} WHERE client_id = $1"))
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(credentials).transpose()
    }

    async fn client_credentials_of(
        &self,
        registration: RegistrationId,
    ) -> Result<Option<StoredClientCredentials>, StoreError> {
        let row = sqlx::query(&format!("{SELECT_CREDENTIALS} WHERE registration_id = $1"))
            .bind(registration.0)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(credentials).transpose()
    }

    async fn insert_token_pair(&self, pair: &NewTokenPair) -> Result<(), StoreError> {
        let mut connection = self.pool.acquire().await?;
        insert_pair(&mut connection, pair).await
    }

    async fn access_grant(
        &self,
        access_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<AccessGrant>, StoreError> {
        let row = sqlx::query(
            "SELECT registration_id, company_id, user_id FROM oauth_tokens \
             WHERE access_hash = $1 AND access_expires_at > $2",
        )
        .bind(access_hash)
        .bind(to_millis(now))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(AccessGrant {
                registration_id: RegistrationId(row.try_get(0)?),
                company_id: CompanyId(row.try_get(1)?),
                user_id: row.try_get::<Option<i64>, _>(2)?.map(UserId),
            })
        })
        .transpose()
    }

    async fn redeem_refresh_token(
        &self,
        refresh_hash: &str,
        now: OffsetDateTime,
        new_pair: &NewTokenPair,
    ) -> Result<Option<AccessGrant>, StoreError> {
        let mut transaction = self.pool.begin().await?;
        let result = redeem_refresh(&mut transaction, refresh_hash, now, new_pair).await;
        finish(transaction, result).await
    }

    async fn insert_launch_code(&self, code: &NewLaunchCode) -> Result<(), StoreError> {
        let mut transaction = self.pool.begin().await?;
        let result = insert_code(&mut transaction, code).await;
        finish(transaction, result).await
    }

    async fn launch_code(&self, code_hash: &str) -> Result<Option<StoredLaunchCode>, StoreError> {
        let row = sqlx::query(
            "SELECT user_id, company_id, registration_id, client_id, redirect_url, \
             expires_at, used_at FROM launch_codes WHERE code_hash = $1",
        )
        .bind(code_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(StoredLaunchCode {
                user_id: UserId(row.try_get(0)?),
                company_id: CompanyId(row.try_get(1)?),
                registration_id: RegistrationId(row.try_get(2)?),
                client_id: row.try_get(3)?,
                redirect_url: row.try_get(4)?,
                expires_at: from_millis(row.try_get(5)?),
                used_at: row.try_get::<Option<i64>, _>(6)?.map(from_millis),
            })
        })
        .transpose()
    }

    async fn refresh_token_client(
        &self,
        refresh_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<RefreshTokenClient>, StoreError> {
        let row = sqlx::query(
            "SELECT oauth_tokens.registration_id, launch_codes.client_id FROM oauth_tokens \
             LEFT JOIN launch_codes ON launch_codes.code_hash = oauth_tokens.code_hash \
             WHERE oauth_tokens.refresh_hash = $1 AND oauth_tokens.refresh_expires_at > $2",
        )
        .bind(refresh_hash)
        .bind(to_millis(now))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(RefreshTokenClient {
                registration_id: RegistrationId(row.try_get(0)?),
                launch_client_id: row.try_get(1)?,
            })
        })
        .transpose()
    }

    async fn redeem_launch_code(
        &self,
        code_hash: &str,
        now: OffsetDateTime,
        new_pair: &NewTokenPair,
    ) -> Result<CodeRedemption, StoreError> {
        let mut transaction = self.pool.begin().await?;
        let result = redeem_code(&mut transaction, code_hash, now, new_pair).await;
        finish(transaction, result).await
    }

    async fn revoke_code_tokens(&self, code_hash: &str) -> Result<(), StoreError> {
        let mut connection = self.pool.acquire().await?;
        delete_code_pairs(&mut connection, code_hash).await
    }
}

async fn replace_credentials(
    transaction: &mut PgConnection,
    credentials: &StoredClientCredentials,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM oauth_tokens WHERE registration_id = $1")
        .bind(credentials.registration_id.0)
        .execute(&mut *transaction)
        .await?;
    sqlx::query(
        "INSERT INTO client_credentials (registration_id, company_id, client_id, secret_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (registration_id) DO UPDATE SET client_id = excluded.client_id, \
         secret_hash = excluded.secret_hash, created_at = excluded.created_at",
    )
    .bind(credentials.registration_id.0)
    .bind(credentials.company_id.0)
    .bind(&credentials.client_id)
    .bind(&credentials.secret_hash)
    .bind(to_millis(credentials.created_at))
    .execute(&mut *transaction)
    .await?;
    Ok(())
}

async fn redeem_refresh(
    transaction: &mut PgConnection,
    refresh_hash: &str,
    now: OffsetDateTime,
    new_pair: &NewTokenPair,
) -> Result<Option<AccessGrant>, StoreError> {
    let deleted = sqlx::query(
        "DELETE FROM oauth_tokens WHERE refresh_hash = $1 AND registration_id = $2 \
         AND refresh_expires_at > $3 RETURNING user_id, code_hash",
    )
    .bind(refresh_hash)
    .bind(new_pair.registration_id.0)
    .bind(to_millis(now))
    .fetch_optional(&mut *transaction)
    .await?;
    let Some(row) = deleted else {
        return Ok(None);
    };
    let new_pair = NewTokenPair {
        user_id: row.try_get::<Option<i64>, _>(0)?.map(UserId),
        code_hash: row.try_get(1)?,
        ..new_pair.clone()
    };
    insert_pair(transaction, &new_pair).await?;
    Ok(Some(AccessGrant {
        registration_id: new_pair.registration_id,
        company_id: new_pair.company_id,
        user_id: new_pair.user_id,
    }))
}

async fn insert_code(
    transaction: &mut PgConnection,
    code: &NewLaunchCode,
) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM launch_codes WHERE expires_at < $1 AND NOT EXISTS \
         (SELECT 1 FROM oauth_tokens WHERE oauth_tokens.code_hash = launch_codes.code_hash)",
    )
    .bind(to_millis(code.created_at))
    .execute(&mut *transaction)
    .await?;
    sqlx::query(
        "INSERT INTO launch_codes (code_hash, user_id, company_id, registration_id, \
         client_id, redirect_url, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&code.code_hash)
    .bind(code.user_id.0)
    .bind(code.company_id.0)
    .bind(code.registration_id.0)
    .bind(&code.client_id)
    .bind(&code.redirect_url)
    .bind(to_millis(code.expires_at))
    .bind(to_millis(code.created_at))
    .execute(&mut *transaction)
    .await?;
    Ok(())
}

async fn redeem_code(
    transaction: &mut PgConnection,
    code_hash: &str,
    now: OffsetDateTime,
    new_pair: &NewTokenPair,
) -> Result<CodeRedemption, StoreError> {
    let marked = sqlx::query(
        "UPDATE launch_codes SET used_at = $2 \
         WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(code_hash)
    .bind(to_millis(now))
    .execute(&mut *transaction)
    .await?;
    if marked.rows_affected() == 1 {
        insert_pair(transaction, new_pair).await?;
        return Ok(CodeRedemption::Redeemed);
    }
    let used: Option<bool> =
        sqlx::query_scalar("SELECT used_at IS NOT NULL FROM launch_codes WHERE code_hash = $1")
            .bind(code_hash)
            .fetch_optional(&mut *transaction)
            .await?;
    if used == Some(true) {
        delete_code_pairs(transaction, code_hash).await?;
        Ok(CodeRedemption::Reused)
    } else {
        Ok(CodeRedemption::Rejected)
    }
}
