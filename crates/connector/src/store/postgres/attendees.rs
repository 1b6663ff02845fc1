//! Attendee search and import on PostgreSQL.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, Row};

use crate::store::attendee_search::{self, CUSTOM_FIELDS, CUSTOM_SEPARATOR};
use crate::store::pattern::{self, Access, Pattern};
use crate::store::{AttendeeQuery, AttendeeRecord, ImportError, ImportSummary, StoreError};
use protocol::Attendee;

const COLUMNS: &str = "external_id, first_name, middle_initial, last_name, suffix, company, \
                       attendee_type_code, title, custom, owner_login_id";

/// Folded column of each text field of the criteria; only some have an index.
const FOLDED_FIELDS: [(fn(&Attendee) -> &str, &str); 7] = [
    (|a| &a.external_id, "external_id_fold"),
    (|a| &a.first_name, "first_name_fold"),
    (|a| &a.middle_initial, "middle_initial_fold"),
    (|a| &a.last_name, "last_name_fold"),
    (|a| &a.suffix, "suffix_fold"),
    (|a| &a.company, "company_fold"),
    (|a| &a.title, "title_fold"),
];

/// Appends the conditions of a "begins with" criterion on a folded column:
/// a range on the literal prefix, which an index can answer, and `LIKE`
/// when the range alone does not decide the match (a `*` inside the value).
fn push_criterion(sql: &mut QueryBuilder<'_, Postgres>, column: &str, raw: &str) {
    let pattern = Pattern::begins_with(raw);
    if let Access::Prefix(prefix) | Access::Exact(prefix) = pattern.access() {
        sql.push(format!(" AND {column} >= ")).push_bind(prefix.to_owned());
        if let Some(upper) = pattern::prefix_upper_bound_text(prefix) {
            sql.push(format!(" AND {column} < ")).push_bind(upper);
        }
    }
    if !pattern.access_is_exact() {
        sql.push(format!(" AND {column} LIKE ")).push_bind(pattern.to_like());
    }
}

/// Searches attendees. Every criterion is a condition of the statement,
/// so the database returns the first `limit` matches in the order of the
/// page, which is the order that the SQLite store sorts its page in.
pub(super) async fn search(pool: &PgPool, query: &AttendeeQuery) -> Result<Vec<Attendee>, StoreError> {
    if query.limit == 0 {
        return Ok(Vec::new());
    }
    let criteria = &query.criteria;
    let mut sql = QueryBuilder::<Postgres>::new(format!("SELECT {COLUMNS} FROM attendees WHERE TRUE"));
    for (field, column) in FOLDED_FIELDS {
        let value = field(criteria);
        if !value.is_empty() {
            push_criterion(&mut sql, column, value);
        }
    }
    for (index, value) in criteria.custom.iter().enumerate() {
        if !value.is_empty() {
            let column = format!("split_part(custom_fold, chr(31), {})", index + 1);
            let pattern = Pattern::begins_with(value);
            sql.push(format!(" AND {column} LIKE ")).push_bind(pattern.to_like());
        }
    }
    if !criteria.attendee_type_code.is_empty() {
        sql.push(" AND attendee_type_code = ").push_bind(criteria.attendee_type_code.clone());
    }
    if let Some(owner) = &query.owner_login_id {
        sql.push(" AND owner_login_id = ").push_bind(owner.clone());
    }
    sql.push(" ORDER BY last_name_fold, first_name_fold, external_id COLLATE \"C\" LIMIT ")
        .push_bind(i64::try_from(query.limit).unwrap_or(i64::MAX));

    let rows = sql.build().fetch_all(pool).await?;
    let found = rows.iter().map(read_attendee).collect::<Result<Vec<_>, _>>()?;
    Ok(attendee_search::into_page(found, query.custom_field_count))
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
    let result = import_and_analyze(&mut transaction, records).await;
    super::finish(transaction, result).await
}

async fn import_and_analyze(
    connection: &mut PgConnection,
    records: &[AttendeeRecord],
) -> Result<ImportSummary, ImportError> {
    let mut summary = ImportSummary::default();
    for record in records {
        if upsert(connection, record).await? {
            summary.inserted += 1;
        } else {
            summary.updated += 1;
        }
    }
    sqlx::query("ANALYZE attendees")
        .execute(connection)
        .await
        .map_err(StoreError::from)?;
    Ok(summary)
}

/// Inserts or replaces one attendee; returns whether it was new.
async fn upsert(connection: &mut PgConnection, record: &AttendeeRecord) -> Result<bool, StoreError> {
    let attendee = &record.attendee;
    let mut custom = attendee.custom.clone();
    custom.resize(CUSTOM_FIELDS, String::new());
    let custom = custom.join(&CUSTOM_SEPARATOR.to_string());
    // Folding keeps U+001F, so the folded fields stay apart in custom_fold.
    let custom_fold = pattern::fold(&custom);
    // `xmax = 0` holds only for a row this statement inserted, not for one
    // it updated: PostgreSQL's usual way to tell the two apart in an upsert.
    let inserted: bool = sqlx::query_scalar(
        "INSERT INTO attendees (external_id, first_name, middle_initial, last_name, suffix,
             company, attendee_type_code, title, custom, owner_login_id,
             external_id_fold, first_name_fold, middle_initial_fold, last_name_fold,
             suffix_fold, company_fold, title_fold, custom_fold)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
         ON CONFLICT (external_id) DO UPDATE SET
             first_name = excluded.first_name, middle_initial = excluded.middle_initial,
             last_name = excluded.last_name, suffix = excluded.suffix,
             company = excluded.company, attendee_type_code = excluded.attendee_type_code,
             title = excluded.title, custom = excluded.custom,
             owner_login_id = excluded.owner_login_id,
             external_id_fold = excluded.external_id_fold,
             first_name_fold = excluded.first_name_fold,
             middle_initial_fold = excluded.middle_initial_fold,
             last_name_fold = excluded.last_name_fold, suffix_fold = excluded.suffix_fold,
             company_fold = excluded.company_fold, title_fold = excluded.title_fold,
             custom_fold = excluded.custom_fold
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
    .bind(pattern::fold(&attendee.middle_initial))
    .bind(pattern::fold(&attendee.last_name))
    .bind(pattern::fold(&attendee.suffix))
    .bind(pattern::fold(&attendee.company))
    .bind(pattern::fold(&attendee.title))
    .bind(custom_fold)
    .fetch_one(connection)
    .await?;
    Ok(inserted)
}
