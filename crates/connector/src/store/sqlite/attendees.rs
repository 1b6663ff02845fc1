//! Attendee search and import on SQLite.

use rusqlite::{Connection, OptionalExtension, ToSql, params_from_iter};

use super::TextBytes;
use crate::store::attendee_search::{self, CUSTOM_FIELDS, CUSTOM_SEPARATOR, Criteria};
use crate::store::pattern::{self, Access, Pattern};
use crate::store::{AttendeeQuery, AttendeeRecord, ImportError, ImportSummary, StoreError};
use protocol::Attendee;

const COLUMNS: &str = "external_id, first_name, middle_initial, last_name, suffix, company, \
                       attendee_type_code, title, custom, owner_login_id";

/// Adds `lower <= column < upper` for an indexed field whose pattern has a
/// literal prefix, so SQLite can pick that index.
fn add_range(sql: &mut String, values: &mut Vec<Box<dyn ToSql>>, column: &str, raw: &str) {
    if raw.is_empty() {
        return;
    }
    let pattern = Pattern::begins_with(raw);
    let prefix = match pattern.access() {
        Access::Prefix(prefix) | Access::Exact(prefix) => prefix.to_owned(),
        _ => return,
    };
    values.push(Box::new(prefix.clone()));
    sql.push_str(&format!(" AND {column} >= ?{}", values.len()));
    if let Some(upper) = pattern::prefix_upper_bound(&prefix) {
        values.push(Box::new(TextBytes(upper)));
        sql.push_str(&format!(" AND {column} < ?{}", values.len()));
    }
}

pub(super) fn search(connection: &Connection, query: &AttendeeQuery) -> Result<Vec<Attendee>, StoreError> {
    if query.limit == 0 {
        return Ok(Vec::new());
    }
    let mut sql = format!("SELECT {COLUMNS} FROM attendees WHERE 1 = 1");
    let mut values: Vec<Box<dyn ToSql>> = Vec::new();
    let criteria_fields = &query.criteria;
    add_range(&mut sql, &mut values, "last_name_fold", &criteria_fields.last_name);
    add_range(&mut sql, &mut values, "first_name_fold", &criteria_fields.first_name);
    add_range(&mut sql, &mut values, "company_fold", &criteria_fields.company);
    add_range(&mut sql, &mut values, "external_id_fold", &criteria_fields.external_id);
    if !criteria_fields.attendee_type_code.is_empty() {
        values.push(Box::new(criteria_fields.attendee_type_code.clone()));
        sql.push_str(&format!(" AND attendee_type_code = ?{}", values.len()));
    }
    if let Some(owner) = &query.owner_login_id {
        values.push(Box::new(owner.clone()));
        sql.push_str(&format!(" AND owner_login_id = ?{}", values.len()));
    }

    let criteria = Criteria::new(query);
    let mut statement = connection.prepare_cached(&sql)?;
    let mut rows = statement.query(params_from_iter(values.iter()))?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        let attendee = read_attendee(row)?;
        if criteria.matches(&attendee) {
            found.push(attendee);
            if found.len() >= query.limit {
                break;
            }
        }
    }
    Ok(attendee_search::into_page(found, query.custom_field_count))
}

fn read_attendee(row: &rusqlite::Row<'_>) -> rusqlite::Result<Attendee> {
    let custom: String = row.get(8)?;
    let mut custom: Vec<String> = custom.split(CUSTOM_SEPARATOR).map(str::to_owned).collect();
    custom.resize(CUSTOM_FIELDS, String::new());
    Ok(Attendee {
        external_id: row.get(0)?,
        first_name: row.get(1)?,
        middle_initial: row.get(2)?,
        last_name: row.get(3)?,
        suffix: row.get(4)?,
        company: row.get(5)?,
        attendee_type_code: row.get(6)?,
        title: row.get(7)?,
        custom,
    })
}

pub(super) fn import(connection: &mut Connection, records: &[AttendeeRecord]) -> Result<ImportSummary, ImportError> {
    let transaction = connection.transaction().map_err(StoreError::from)?;
    let mut summary = ImportSummary::default();
    for record in records {
        if upsert(&transaction, record)? {
            summary.inserted += 1;
        } else {
            summary.updated += 1;
        }
    }
    transaction.execute_batch("PRAGMA analysis_limit = 1000; ANALYZE;").map_err(StoreError::from)?;
    transaction.commit().map_err(StoreError::from)?;
    Ok(summary)
}

/// Inserts or replaces one attendee; returns whether it was new.
fn upsert(connection: &Connection, record: &AttendeeRecord) -> Result<bool, StoreError> {
    let attendee = &record.attendee;
    let existing: Option<i64> = connection
        .prepare_cached("SELECT id FROM attendees WHERE external_id = ?1")?
        .query_row([&attendee.external_id], |row| row.get(0))
        .optional()?;
    let mut custom = attendee.custom.clone();
    custom.resize(CUSTOM_FIELDS, String::new());
    let custom = custom.join(&CUSTOM_SEPARATOR.to_string());
    connection
        .prepare_cached(
            "INSERT INTO attendees (external_id, first_name, middle_initial, last_name, suffix,
                 company, attendee_type_code, title, custom, owner_login_id,
                 external_id_fold, first_name_fold, last_name_fold, company_fold)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT (external_id) DO UPDATE SET
                 first_name = excluded.first_name, middle_initial = excluded.middle_initial,
                 last_name = excluded.last_name, suffix = excluded.suffix,
                 company = excluded.company, attendee_type_code = excluded.attendee_type_code,
                 title = excluded.title, custom = excluded.custom,
                 owner_login_id = excluded.owner_login_id,
                 external_id_fold = excluded.external_id_fold,
                 first_name_fold = excluded.first_name_fold,
                 last_name_fold = excluded.last_name_fold, company_fold = excluded.company_fold",
        )?
        .execute(rusqlite::params![
            attendee.external_id,
            attendee.first_name,
            attendee.middle_initial,
            attendee.last_name,
            attendee.suffix,
            attendee.company,
            attendee.attendee_type_code,
            attendee.title,
            custom,
            record.owner_login_id,
            pattern::fold(&attendee.external_id),
            pattern::fold(&attendee.first_name),
            pattern::fold(&attendee.last_name),
            pattern::fold(&attendee.company),
        ])?;
    Ok(existing.is_none())
}
