//! Recomputing the folded copies of searchable values after the folding rules change.
//!
//! The database's `user_version` records the [`FOLD_VERSION`] its folded
//! columns were computed with; databases written before it was recorded
//! have 0.

use rusqlite::{Connection, TransactionBehavior, params};

use super::StoreError;
use crate::store::pattern::{self, FOLD_VERSION};

/// Brings every folded column up to [`FOLD_VERSION`] in one transaction.
/// The version is read again inside the write transaction, so that of two
/// processes opening the same file only the first refolds it.
pub(super) fn refold_if_outdated(connection: &mut Connection) -> Result<(), StoreError> {
    if user_version(connection)? >= FOLD_VERSION {
        return Ok(());
    }
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version = user_version(&transaction)?;
    if version < FOLD_VERSION {
        let changed = refold_attendees(&transaction)?
            + refold_list_texts(&transaction)?
            + refold_list_codes(&transaction)?;
        transaction.pragma_update(None, "user_version", FOLD_VERSION)?;
        if changed > 0 {
            tracing::info!(
                from = version,
                to = FOLD_VERSION,
                changed,
                "recomputed folded search columns"
            );
        }
    }
    transaction.commit()?;
    Ok(())
}

fn user_version(connection: &Connection) -> Result<u32, StoreError> {
    Ok(connection.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Reads `(id, value, stored fold)` rows and returns those whose fold
/// changed, with the new fold. Rows are collected before any update,
/// because updating a table while a statement scans it is not safe.
fn changed_folds(
    connection: &Connection,
    sql: &str,
) -> Result<Vec<(i64, String, String)>, StoreError> {
    let mut statement = connection.prepare(sql)?;
    let mut rows = statement.query([])?;
    let mut changed = Vec::new();
    while let Some(row) = rows.next()? {
        let value: String = row.get(1)?;
        let stored: String = row.get(2)?;
        let folded = pattern::fold(&value);
        if folded != stored {
            changed.push((row.get(0)?, stored, folded));
        }
    }
    Ok(changed)
}

/// Refolds the attendee columns; like the two functions below, it returns
/// the number of values it changed.
fn refold_attendees(connection: &Connection) -> Result<usize, StoreError> {
    let columns = [
        ("external_id", "external_id_fold"),
        ("first_name", "first_name_fold"),
        ("last_name", "last_name_fold"),
        ("company", "company_fold"),
    ];
    let mut changed = 0;
    for (value, fold) in columns {
        let select = format!("SELECT id, {value}, {fold} FROM attendees");
        let update = format!("UPDATE attendees SET {fold} = ?2 WHERE id = ?1");
        for (id, _, folded) in changed_folds(connection, &select)? {
            connection.execute(&update, params![id, folded])?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// Refolds texts; the update trigger on `text_fold` keeps the trigram
/// index in step.
fn refold_list_texts(connection: &Connection) -> Result<usize, StoreError> {
    let select = "SELECT id, text, text_fold FROM list_item_texts";
    let changed = changed_folds(connection, select)?;
    for (id, _, folded) in &changed {
        connection.execute(
            "UPDATE list_item_texts SET text_fold = ?2, text_reversed = ?3 WHERE id = ?1",
            params![id, folded, pattern::reverse(folded)],
        )?;
    }
    Ok(changed.len())
}

/// Refolds short codes and updates their trigram index by hand, because
/// imports never change a code and so the schema has no update trigger.
fn refold_list_codes(connection: &Connection) -> Result<usize, StoreError> {
    let select = "SELECT id, short_code, code_fold FROM list_items";
    let changed = changed_folds(connection, select)?;
    for (id, stored, folded) in &changed {
        connection.execute(
            "UPDATE list_items SET code_fold = ?2, code_reversed = ?3 WHERE id = ?1",
            params![id, folded, pattern::reverse(folded)],
        )?;
        connection.execute(
            "INSERT INTO list_items_code_trigrams (list_items_code_trigrams, rowid, code_fold)
             VALUES ('delete', ?1, ?2)",
            params![id, stored],
        )?;
        connection.execute(
            "INSERT INTO list_items_code_trigrams (rowid, code_fold) VALUES (?1, ?2)",
            params![id, folded],
        )?;
    }
    Ok(changed.len())
}
