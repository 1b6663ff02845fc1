//! Companies, users, roles and API tokens in PostgreSQL.

use std::collections::BTreeSet;

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};
use time::OffsetDateTime;

use super::to_millis;
use crate::domain::{Actor, Company, CompanyId, Edition, Role, User, UserId};
use crate::store::invalid_value;
use crate::store::{NewCompany, NewUser, StoreError, UserCredentials};

pub(super) async fn insert_company(
    pool: &PgPool,
    company: &NewCompany,
) -> Result<Company, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO companies (name, edition, development_partner, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(&company.name)
    .bind(company.edition.as_str())
    .bind(company.development_partner)
    .bind(to_millis(company.created_at))
    .fetch_one(pool)
    .await?;
    Ok(Company {
        id: CompanyId(id),
        name: company.name.clone(),
        edition: company.edition,
        development_partner: company.development_partner,
    })
}

pub(super) async fn company_by_name(
    pool: &PgPool,
    name: &str,
) -> Result<Option<Company>, StoreError> {
    let found =
        sqlx::query("SELECT id, name, edition, development_partner FROM companies WHERE name = $1")
            .bind(name)
            .fetch_optional(pool)
            .await?;
    found
        .map(|row| {
            let edition: String = row.try_get(2)?;
            Ok(Company {
                id: CompanyId(row.try_get(0)?),
                name: row.try_get(1)?,
                edition: Edition::parse(&edition)
                    .ok_or_else(|| invalid_value("companies.edition"))?,
                development_partner: row.try_get(3)?,
            })
        })
        .transpose()
}

pub(super) async fn insert_user(
    transaction: &mut PgConnection,
    user: &NewUser,
) -> Result<User, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (company_id, login, password_hash, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user.company_id.0)
    .bind(&user.login)
    .bind(&user.password_hash)
    .bind(to_millis(user.created_at))
    .fetch_one(&mut *transaction)
    .await?;
    for role in &user.roles {
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(id)
            .bind(role.as_str())
            .execute(&mut *transaction)
            .await?;
    }
    Ok(User {
        id: UserId(id),
        company_id: user.company_id,
        login: user.login.clone(),
        roles: user.roles.clone(),
    })
}

/// Columns of the user and company, joined, as `actor_from_row` reads them.
const ACTOR_COLUMNS: &str = "users.id, users.company_id, users.login, companies.name, \
     companies.edition, companies.development_partner, users.password_hash";

pub(super) async fn user_by_login(
    pool: &PgPool,
    login: &str,
) -> Result<Option<UserCredentials>, StoreError> {
    let found = sqlx::query(&format!(
        "SELECT {ACTOR_COLUMNS} FROM users JOIN companies ON companies.id = users.company_id \
         WHERE users.login = $1"
    ))
    .bind(login)
    .fetch_optional(pool)
    .await?;
    let Some(row) = found else {
        return Ok(None);
    };
    let (actor, password_hash) = actor_from_row(&row)?;
    Ok(Some(UserCredentials {
        actor: with_roles(pool, actor).await?,
        password_hash,
    }))
}

pub(super) async fn actor_by_user_id(
    pool: &PgPool,
    user: UserId,
) -> Result<Option<Actor>, StoreError> {
    let found = sqlx::query(&format!(
        "SELECT {ACTOR_COLUMNS} FROM users JOIN companies ON companies.id = users.company_id \
         WHERE users.id = $1"
    ))
    .bind(user.0)
    .fetch_optional(pool)
    .await?;
    match found {
        Some(row) => Ok(Some(with_roles(pool, actor_from_row(&row)?.0).await?)),
        None => Ok(None),
    }
}

pub(super) async fn insert_api_token(
    pool: &PgPool,
    user: UserId,
    token_hash: &str,
    created_at: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES ($1, $2, $3)")
        .bind(token_hash)
        .bind(user.0)
        .bind(to_millis(created_at))
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn actor_by_token_hash(
    pool: &PgPool,
    token_hash: &str,
) -> Result<Option<Actor>, StoreError> {
    let found = sqlx::query(&format!(
        "SELECT {ACTOR_COLUMNS} FROM api_tokens \
         JOIN users ON users.id = api_tokens.user_id \
         JOIN companies ON companies.id = users.company_id \
         WHERE api_tokens.token_hash = $1"
    ))
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    match found {
        Some(row) => Ok(Some(with_roles(pool, actor_from_row(&row)?.0).await?)),
        None => Ok(None),
    }
}

/// Reads an actor without roles, and the password hash.
fn actor_from_row(row: &PgRow) -> Result<(Actor, String), StoreError> {
    let edition: String = row.try_get(4)?;
    let edition = Edition::parse(&edition).ok_or_else(|| invalid_value("companies.edition"))?;
    let company_id = CompanyId(row.try_get(1)?);
    let actor = Actor {
        user: User {
            id: UserId(row.try_get(0)?),
            company_id,
            login: row.try_get(2)?,
            roles: BTreeSet::new(),
        },
        company: Company {
            id: company_id,
            name: row.try_get(3)?,
            edition,
            development_partner: row.try_get(5)?,
        },
    };
    Ok((actor, row.try_get(6)?))
}

async fn with_roles(pool: &PgPool, mut actor: Actor) -> Result<Actor, StoreError> {
    let names: Vec<String> = sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1")
        .bind(actor.user.id.0)
        .fetch_all(pool)
        .await?;
    for name in names {
        let role = Role::parse(&name).ok_or_else(|| invalid_value("user_roles.role"))?;
        actor.user.roles.insert(role);
    }
    Ok(actor)
}
