//! Attendee search and import on SQLite.

use rusqlite::{Connection, OptionalExtension, ToSql, params_from_iter};

use super::TextBytes;
use crate::store::pattern::{self, Access, Pattern};
use crate::store::{AttendeeQuery, AttendeeRecord, ImportError, ImportSummary, StoreError};
use protocol::Attendee;

/// Separator of the custom fields in their one column; a control character
/// that XML 1.0 text cannot carry, and that imports reject.
pub(crate) const CUSTOM_SEPARATOR: char = '\u{1f}';

/// Number of custom fields stored per attendee (the v2.0 count).
pub(crate) const CUSTOM_FIELDS: usize = 25;

const COLUMNS: &str = "external_id, first_name, middle_initial, last_name, suffix, company, \
                       attendee_type_code, title, custom, owner_login_id";

/// One criterion tested on each candidate, with the value it reads.
struct Criterion {
    pattern: Pattern,
    field: fn(&Attendee) -> &str,
    custom_index: Option<usize>,
}

impl Criterion {
    fn matches(&self, attendee: &Attendee) -> bool {
        let value = match self.custom_index {
            Some(index) => attendee.custom.get(index).map(String::as_str).unwrap_or(""),
            None => (self.field)(attendee),
        };
        self.pattern.matches(&pattern::fold(value))
    }
}

fn criteria(query: &AttendeeQuery) -> Vec<Criterion> {
    let fields: [(&str, fn(&Attendee) -> &str); 7] = [
        (&query.criteria.external_id, |a| &a.external_id),
        (&query.criteria.first_name, |a| &a.first_name),
        (&query.criteria.middle_initial, |a| &a.middle_initial),
        (&query.criteria.last_name, |a| &a.last_name),
        (&query.criteria.suffix, |a| &a.suffix),
        (&query.criteria.company, |a| &a.company),
        (&query.criteria.title, |a| &a.title),
    ];
    let mut criteria: Vec<Criterion> = fields
        .into_iter()
        .filter(|(value, _)| !value.is_empty())
        .map(|(value, field)| Criterion {
            pattern: Pattern::begins_with(value),
            field,
            custom_index: None,
        })
        .collect();
    for (index, value) in query.criteria.custom.iter().enumerate() {
        if !value.is_empty() {
            criteria.push(Criterion {
                pattern: Pattern::begins_with(value),
                field: |a| &a.external_id,
                custom_index: Some(index),
            });
        }
    }
    criteria
}

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

    let criteria = criteria(query);
    let mut statement = connection.prepare_cached(&sql)?;
    let mut rows = statement.query(params_from_iter(values.iter()))?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        let attendee = read_attendee(row)?;
        if criteria.iter().all(|criterion| criterion.matches(&attendee)) {
            found.push(attendee);
            if found.len() >= query.limit {
                break;
            }
        }
    }
    // Folding allocates, so each attendee's key is folded once instead of at
    // every comparison.
    found.sort_by_cached_key(|attendee| {
        (
            pattern::fold(&attendee.last_name),
            pattern::fold(&attendee.first_name),
            attendee.external_id.clone(),
        )
    });
    for attendee in &mut found {
        attendee.custom.truncate(query.custom_field_count);
    }
    Ok(found)
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
