//! Attendee search and import on PostgreSQL.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, Row};

use crate::store::attendee_search::{self, CUSTOM_FIELDS, CUSTOM_SEPARATOR, FieldReader};
use crate::store::pattern::{self, Access, Pattern};
use crate::store::{AttendeeQuery, AttendeeRecord, ImportError, ImportSummary, StoreError};
use protocol::Attendee;

const COLUMNS: &str = "external_id, first_name, middle_initial, last_name, suffix, company, \
                       attendee_type_code, title, custom, owner_login_id";

/// Folded column of each text field of the criteria. Only some have an index.
const FOLDED_FIELDS: [(FieldReader, &str); 7] = [
    (|a| &a.external_id, "external_id_fold"),
    (|a| &a.first_name, "first_name_fold"),
    (|a| &a.middle_initial, "middle_initial_fold"),
    (|a| &a.last_name, "last_name_fold"),
    (|a| &a.suffix, "suffix_fold"),
    (|a| &a.company, "company_fold"),
    (|a| &a.title, "title_fold"),
];

/// Appends the conditions of a "begins with" criterion on a folded column:
/// a range on the literal prefix, which an index can read, and `LIKE`
/// when the range alone does not decide the match (a `*` inside the value).
fn push_criterion(sql: &mut QueryBuilder<'_, Postgres>, column: &str, raw: &str) {
    let pattern = Pattern::begins_with(raw);
    if let Access::Prefix(prefix) | Access::Exact(prefix) = pattern.access() {
        sql.push(format!(" AND {column} >= "))
            .push_bind(prefix.to_owned());
        if let Some(upper) = pattern::prefix_upper_bound_text(prefix) {
            sql.push(format!(" AND {column} < ")).push_bind(upper);
        }
    }
    if !pattern.access_is_exact() {
        sql.push(format!(" AND {column} LIKE "))
            .push_bind(pattern.to_like());
    }
}

/// Searches attendees. Every criterion is a condition of the statement,
/// so the database returns the first `limit` matches in the order of the
/// page, which is the order that the SQLite store sorts its page in.
pub(super) async fn search(
    pool: &PgPool,
    query: &AttendeeQuery,
) -> Result<Vec<Attendee>, StoreError> {
    if query.limit == 0 {
        return Ok(Vec::new());
    }
    let criteria = &query.criteria;
    let mut sql =
        QueryBuilder::<Postgres>::new(format!("SELECT {COLUMNS} FROM attendees WHERE TRUE"));
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
            sql.push(format!(" AND {column} LIKE "))
                .push_bind(pattern.to_like());
        }
    }
    if !criteria.attendee_type_code.is_empty() {
        sql.push(" AND attendee_type_code = ")
            .push_bind(criteria.attendee_type_code.clone());
    }
    if let Some(owner) = &query.owner_login_id {
        sql.push(" AND owner_login_id = ").push_bind(owner.clone());
    }
    sql.push(" ORDER BY last_name_fold, first_name_fold, external_id COLLATE \"C\" LIMIT ")
        .push_bind(i64::try_from(query.limit).unwrap_or(i64::MAX));

    let rows = sql.build().fetch_all(pool).await?;
    let found = rows
        .iter()
        .map(read_attendee)
        .collect::<Result<Vec<_>, _>>()?;
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

pub(super) async fn import(
    pool: &PgPool,
    records: &[AttendeeRecord],
) -> Result<ImportSummary, ImportError> {
    let mut transaction = pool.begin().await.map_err(StoreError::from)?;
    let result = import_and_analyze(&mut transaction, records).await;
    super::finish(transaction, result).await
}

async fn import_and_analyze(
    connection: &mut PgConnection,
    records: &[AttendeeRecord],
) -> Result<ImportSummary, ImportError> {
    let mut summary = ImportSummary::default();
    for batch in records.chunks(BATCH_ROWS) {
        let inserted = upsert_batch(connection, batch).await?;
        summary.inserted += inserted;
        summary.updated += batch.len() as u64 - inserted;
    }
    sqlx::query("ANALYZE attendees")
        .execute(connection)
        .await
        .map_err(StoreError::from)?;
    Ok(summary)
}

/// Attendees that one statement writes. The statement binds each column as
/// one array, and this bound keeps those arrays to a few megabytes.
const BATCH_ROWS: usize = 2_000;

/// Columns that an import writes, in the order of [`row_values`].
const IMPORTED_COLUMNS: [&str; 18] = [
    "external_id",
    "first_name",
    "middle_initial",
    "last_name",
    "suffix",
    "company",
    "attendee_type_code",
    "title",
    "custom",
    "owner_login_id",
    "external_id_fold",
    "first_name_fold",
    "middle_initial_fold",
    "last_name_fold",
    "suffix_fold",
    "company_fold",
    "title_fold",
    "custom_fold",
];

/// Returns the values of [`IMPORTED_COLUMNS`] for one attendee.
fn row_values(record: &AttendeeRecord) -> [String; 18] {
    let attendee = &record.attendee;
    let mut custom = attendee.custom.clone();
    custom.resize(CUSTOM_FIELDS, String::new());
    let custom = custom.join(&CUSTOM_SEPARATOR.to_string());
    // Folding keeps U+001F, so the folded fields stay apart in custom_fold.
    let custom_fold = pattern::fold(&custom);
    [
        attendee.external_id.clone(),
        attendee.first_name.clone(),
        attendee.middle_initial.clone(),
        attendee.last_name.clone(),
        attendee.suffix.clone(),
        attendee.company.clone(),
        attendee.attendee_type_code.clone(),
        attendee.title.clone(),
        custom,
        record.owner_login_id.clone(),
        pattern::fold(&attendee.external_id),
        pattern::fold(&attendee.first_name),
        pattern::fold(&attendee.middle_initial),
        pattern::fold(&attendee.last_name),
        pattern::fold(&attendee.suffix),
        pattern::fold(&attendee.company),
        pattern::fold(&attendee.title),
        custom_fold,
    ]
}

/// Inserts or replaces attendees by ExternalID, which the import has
/// checked to be unique in the file, and returns how many were new.
async fn upsert_batch(
    connection: &mut PgConnection,
    records: &[AttendeeRecord],
) -> Result<u64, StoreError> {
    let mut columns: Vec<Vec<String>> =
        vec![Vec::with_capacity(records.len()); IMPORTED_COLUMNS.len()];
    for record in records {
        for (column, value) in columns.iter_mut().zip(row_values(record)) {
            column.push(value);
        }
    }

    let names = IMPORTED_COLUMNS.join(", ");
    let arrays: Vec<String> = (1..=IMPORTED_COLUMNS.len())
        .map(|n| format!("${n}::text[]"))
        .collect();
    let updates: Vec<String> = IMPORTED_COLUMNS[1..]
        .iter()
        .map(|name| format!("{name} = excluded.{name}"))
        .collect();
    // `xmax = 0` holds only for a row this statement inserted, not for one
    // it updated: PostgreSQL's usual way to tell the two apart in an upsert.
    let sql = format!(
        "INSERT INTO attendees ({names})
         SELECT {names} FROM UNNEST({arrays}) WITH ORDINALITY AS a({names}, position)
         ORDER BY position
         ON CONFLICT (external_id) DO UPDATE SET {updates}
         RETURNING (xmax = 0)",
        arrays = arrays.join(", "),
        updates = updates.join(", "),
    );
    let mut query = sqlx::query_scalar(&sql);
    for column in &columns {
        query = query.bind(column);
    }
    let inserted: Vec<bool> = query.fetch_all(connection).await?;
    Ok(inserted.iter().filter(|&&is_new| is_new).count() as u64)
}
