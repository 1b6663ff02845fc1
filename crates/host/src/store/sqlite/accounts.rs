//! Companies, users, roles and API tokens in SQLite.

use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;

use super::{invalid_value, to_millis};
use crate::domain::{Actor, Company, CompanyId, Edition, Role, User, UserId};
use crate::store::{NewCompany, NewUser, StoreError, UserCredentials};

pub(super) fn insert_company(
    connection: &Connection,
    company: &NewCompany,
) -> Result<Company, StoreError> {
    connection.execute(
        "INSERT INTO companies (name, edition, development_partner, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            company.name,
            company.edition.as_str(),
            company.development_partner,
            to_millis(company.created_at)
        ],
    )?;
    Ok(Company {
        id: CompanyId(connection.last_insert_rowid()),
        name: company.name.clone(),
        edition: company.edition,
        development_partner: company.development_partner,
    })
}

pub(super) fn company_by_name(
    connection: &Connection,
    name: &str,
) -> Result<Option<Company>, StoreError> {
    let found = connection
        .prepare_cached(
            "SELECT id, name, edition, development_partner FROM companies WHERE name = ?1",
        )?
        .query_row([name], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, bool>(3)?,
            ))
        })
        .optional()?;
    found
        .map(|(id, name, edition, development_partner)| {
            Ok(Company {
                id: CompanyId(id),
                name,
                edition: Edition::parse(&edition)
                    .ok_or_else(|| invalid_value("companies.edition"))?,
                development_partner,
            })
        })
        .transpose()
}

pub(super) fn insert_user(connection: &mut Connection, user: &NewUser) -> Result<User, StoreError> {
    let transaction = connection.transaction()?;
    transaction.execute(
        "INSERT INTO users (company_id, login, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            user.company_id.0,
            user.login,
            user.password_hash,
            to_millis(user.created_at)
        ],
    )?;
    let id = UserId(transaction.last_insert_rowid());
    for role in &user.roles {
        transaction.execute(
            "INSERT INTO user_roles (user_id, role) VALUES (?1, ?2)",
            params![id.0, role.as_str()],
        )?;
    }
    transaction.commit()?;
    Ok(User {
        id,
        company_id: user.company_id,
        login: user.login.clone(),
        roles: user.roles.clone(),
    })
}

/// Columns of the user and company, joined, as `actor_from_row` reads them.
const ACTOR_COLUMNS: &str = "users.id, users.company_id, users.login, companies.name, \
     companies.edition, companies.development_partner, users.password_hash";

pub(super) fn user_by_login(
    connection: &Connection,
    login: &str,
) -> Result<Option<UserCredentials>, StoreError> {
    let found = connection
        .prepare_cached(&format!(
            "SELECT {ACTOR_COLUMNS} FROM users JOIN companies ON companies.id = users.company_id \
             WHERE users.login = ?1"
        ))?
        .query_row([login], actor_from_row)
        .optional()?;
    match found {
        Some((actor, password_hash)) => {
            let actor = with_roles(connection, actor?)?;
            Ok(Some(UserCredentials {
                actor,
                password_hash,
            }))
        }
        None => Ok(None),
    }
}

pub(super) fn actor_by_user_id(
    connection: &Connection,
    user: UserId,
) -> Result<Option<Actor>, StoreError> {
    let found = connection
        .prepare_cached(&format!(
            "SELECT {ACTOR_COLUMNS} FROM users JOIN companies ON companies.id = users.company_id \
             WHERE users.id = ?1"
        ))?
        .query_row([user.0], actor_from_row)
        .optional()?;
    found
        .map(|(actor, _)| with_roles(connection, actor?))
        .transpose()
}

pub(super) fn insert_api_token(
    connection: &Connection,
    user: UserId,
    token_hash: &str,
    created_at: OffsetDateTime,
) -> Result<(), StoreError> {
    connection.execute(
        "INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES (?1, ?2, ?3)",
        params![token_hash, user.0, to_millis(created_at)],
    )?;
    Ok(())
}

pub(super) fn actor_by_token_hash(
    connection: &Connection,
    token_hash: &str,
) -> Result<Option<Actor>, StoreError> {
    let found = connection
        .prepare_cached(&format!(
            "SELECT {ACTOR_COLUMNS} FROM api_tokens \
             JOIN users ON users.id = api_tokens.user_id \
             JOIN companies ON companies.id = users.company_id \
             WHERE api_tokens.token_hash = ?1"
        ))?
        .query_row([token_hash], actor_from_row)
        .optional()?;
    found
        .map(|(actor, _)| with_roles(connection, actor?))
        .transpose()
}

/// Reads an actor without roles, and the password hash.
#[allow(clippy::type_complexity)]
fn actor_from_row(row: &Row<'_>) -> rusqlite::Result<(Result<Actor, StoreError>, String)> {
    let edition: String = row.get(4)?;
    let company_id = CompanyId(row.get(1)?);
    let actor = match Edition::parse(&edition) {
        Some(edition) => Ok(Actor {
            user: User {
                id: UserId(row.get(0)?),
                company_id,
                login: row.get(2)?,
                roles: BTreeSet::new(),
            },
            company: Company {
                id: company_id,
                name: row.get(3)?,
                edition,
                development_partner: row.get(5)?,
            },
        }),
        None => Err(invalid_value("companies.edition")),
    };
    Ok((actor, row.get(6)?))
}

fn with_roles(connection: &Connection, mut actor: Actor) -> Result<Actor, StoreError> {
    let mut statement =
        connection.prepare_cached("SELECT role FROM user_roles WHERE user_id = ?1")?;
    let names = statement
        .query_map([actor.user.id.0], |row| row.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    for name in names {
        let role = Role::parse(&name).ok_or_else(|| invalid_value("user_roles.role"))?;
        actor.user.roles.insert(role);
    }
    Ok(actor)
}
