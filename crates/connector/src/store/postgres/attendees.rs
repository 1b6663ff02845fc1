//! Attendee search and import on PostgreSQL.

use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::{PgConnection, PgPool, Postgres, Row};

use crate::store::attendee_search::{CUSTOM_FIELDS, CUSTOM_SEPARATOR, Criteria};
use crate::store::pattern::{self, Access, Pattern};
use crate::store::{AttendeeQuery, AttendeeRecord, ImportError, ImportSummary, StoreError};
use protocol::Attendee;

const COLUMNS: &str = "external_id, first_name, middle_initial, last_name, suffix, company, \
                       attendee_type_code, title, custom, owner_login_id";

/// A statement under construction and the values of its `$n` parameters.
#[derive(Default)]
struct Statement {
    sql: String,
    values: Vec<String>,
}

impl Statement {
    /// Appends `column OPERATOR $n` for a new parameter `value`.
    fn condition(&mut self, column: &str, operator: &str, value: String) {
        self.values.push(value);
        self.sql.push_str(&format!(" AND {column} {operator} ${}", self.values.len()));
    }

    fn query(&self) -> Query<'_, Postgres, PgArguments> {
        self.values
            .iter()
            .fold(sqlx::query(&self.sql), |query, value| query.bind(value))
    }
}

/// Adds `lower <= column < upper` for an indexed field whose pattern has a
/// literal prefix, so PostgreSQL can pick that index.
fn add_range(statement: &mut Statement, column: &str, raw: &str) {
    if raw.is_empty() {
        return;
    }
    let pattern = Pattern::begins_with(raw);
    let prefix = match pattern.access() {
        Access::Prefix(prefix) | Access::Exact(prefix) => prefix.to_owned(),
        _ => return,
    };
    let upper = pattern::prefix_upper_bound_text(&prefix);
    statement.condition(column, ">=", prefix);
    if let Some(upper) = upper {
        statement.condition(column, "<", upper);
    }
}

pub(super) async fn search(pool: &PgPool, query: &AttendeeQuery) -> Result<Vec<Attendee>, StoreError> {
    if query.limit == 0 {
        return Ok(Vec::new());
    }
    let mut statement = Statement {
        sql: format!("SELECT {COLUMNS} FROM attendees WHERE TRUE"),
        values: Vec::new(),
    };
    let fields = &query.criteria;
    add_range(&mut statement, "last_name_fold", &fields.last_name);
    add_range(&mut statement, "first_name_fold", &fields.first_name);
    add_range(&mut statement, "company_fold", &fields.company);
    add_range(&mut statement, "external_id_fold", &fields.external_id);
    if !fields.attendee_type_code.is_empty() {
        statement.condition("attendee_type_code", "=", fields.attendee_type_code.clone());
    }
    if let Some(owner) = &query.owner_login_id {
        statement.condition("owner_login_id", "=", owner.clone());
    }

    // Rows stream in index order and the first `limit` matches are kept, as
    // in the SQLite store; the page is then sorted the same way.
    let criteria = Criteria::new(query);
    let mut connection = pool.acquire().await?;
    let mut rows = statement.query().fetch(&mut *connection);
    let mut found = Vec::new();
    while let Some(row) = futures_util::TryStreamExt::try_next(&mut rows).await? {
        let attendee = read_attendee(&row)?;
        if criteria.matches(&attendee) {
            found.push(attendee);
            if found.len() >= query.limit {
                break;
            }
        }
    }
    drop(rows);
    Ok(criteria.into_page(found, query.custom_field_count))
}

fn read_attendee(row: &PgRow) -> Result<Attendee, sqlx::Error> {
    let custom: String = row.try_get(8)?;
    let mut custom: Vec<String> = custom.split(CUSTOM_SEPARATOR).map(str::to_owned).collect();
    custom.resize(CUSTOM_FIELDS, String::new());
    Ok(Attendee {
        external_id: row.try_get(0)?,
        first_name: row.try_get(1)?,
        middle_initial: row.try_get(2)?,
        last_name: row.try_get(3)?,
        suffix: row.try_get(4)?,
        company: row.try_get(5)?,
        attendee_type_code: row.try_get(6)?,
        title: row.try_get(7)?,
        custom,
    })
}

pub(super) async fn import(pool: &PgPool, records: &[AttendeeRecord]) -> Result<ImportSummary, ImportError> {
    let mut transaction = pool.begin().await.map_err(StoreError::from)?;
    let mut summary = ImportSummary::default();
    for record in records {
        if upsert(&mut transaction, record).await? {
            summary.inserted += 1;
        } else {
            summary.updated += 1;
        }
    }
    transaction.commit().await.map_err(StoreError::from)?;
    Ok(summary)
}

/// Inserts or replaces one attendee; returns whether it was new.
async fn upsert(connection: &mut PgConnection, record: &AttendeeRecord) -> Result<bool, StoreError> {
    let attendee = &record.attendee;
    let mut custom = attendee.custom.clone();
    custom.resize(CUSTOM_FIELDS, String::new());
    let custom = custom.join(&CUSTOM_SEPARATOR.to_string());
    // `xmax = 0` holds only for a row this statement inserted, not for one
    // it updated: PostgreSQL's usual way to tell the two apart in an upsert.
    let inserted: bool = sqlx::query_scalar(
        "INSERT INTO attendees (external_id, first_name, middle_initial, last_name, suffix,
             company, attendee_type_code, title, custom, owner_login_id,
             external_id_fold, first_name_fold, last_name_fold, company_fold)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (external_id) DO UPDATE SET
             first_name = excluded.first_name, middle_initial = excluded.middle_initial,
             last_name = excluded.last_name, suffix = excluded.suffix,
             company = excluded.company, attendee_type_code = excluded.attendee_type_code,
             title = excluded.title, custom = excluded.custom,
             owner_login_id = excluded.owner_login_id,
             external_id_fold = excluded.external_id_fold,
             first_name_fold = excluded.first_name_fold,
             last_name_fold = excluded.last_name_fold, company_fold = excluded.company_fold
         RETURNING (xmax = 0)",
    )
    .bind(&attendee.external_id)
    .bind(&attendee.first_name)
    .bind(&attendee.middle_initial)
    .bind(&attendee.last_name)
    .bind(&attendee.suffix)
    .bind(&attendee.company)
    .bind(&attendee.attendee_type_code)
    .bind(&attendee.title)
    .bind(custom)
    .bind(&record.owner_login_id)
    .bind(pattern::fold(&attendee.external_id))
    .bind(pattern::fold(&attendee.first_name))
    .bind(pattern::fold(&attendee.last_name))
    .bind(pattern::fold(&attendee.company))
    .fetch_one(connection)
    .await?;
    Ok(inserted)
}
