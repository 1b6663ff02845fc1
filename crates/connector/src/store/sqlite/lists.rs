//! List import on SQLite.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};

use crate::store::pattern;
use crate::store::{ImportError, ImportSummary, ListImport, RowError, StoreError};

struct ListInfo {
    id: i64,
    default_lang: String,
}

fn find_list(connection: &Connection, name: &str) -> Result<Option<ListInfo>, StoreError> {
    let mut statement =
        connection.prepare_cached("SELECT id, default_lang FROM lists WHERE name = ?1")?;
    let list = statement
        .query_row([name], |row| {
            Ok(ListInfo {
                id: row.get(0)?,
                default_lang: row.get(1)?,
            })
        })
        .optional()?;
    Ok(list)
}

pub(super) fn find_item_id(
    connection: &Connection,
    list_id: i64,
    long_code: &str,
) -> Result<Option<i64>, StoreError> {
    let mut statement = connection
        .prepare_cached("SELECT id FROM list_items WHERE list_id = ?1 AND long_code = ?2")?;
    Ok(statement
        .query_row(params![list_id, long_code], |row| row.get(0))
        .optional()?)
}

/// Normalizes a language code as stored: trimmed and upper case (`EN`).
pub(super) fn normalize_lang(lang: &str) -> String {
    lang.trim().to_uppercase()
}

/// Imports a list; every parent must exist in the file or the database, and
/// every item needs a text in the list's default language.
pub(super) fn import(connection: &mut Connection, import: &ListImport) -> Result<ImportSummary, ImportError> {
    let transaction = connection.transaction().map_err(StoreError::from)?;
    let summary = import_rows(&transaction, import)?;
    transaction.execute_batch("PRAGMA analysis_limit = 1000; ANALYZE;").map_err(StoreError::from)?;
    transaction.commit().map_err(StoreError::from)?;
    Ok(summary)
}

fn import_rows(connection: &Connection, import: &ListImport) -> Result<ImportSummary, ImportError> {
    connection
        .execute(
            "INSERT INTO lists (name, default_lang) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
            params![import.list_name, normalize_lang(&import.default_lang)],
        )
        .map_err(StoreError::from)?;
    let list = find_list(connection, &import.list_name)?
        .ok_or_else(|| StoreError::ListNotFound(import.list_name.clone()))?;

    // Parents before children: a parent's long code has fewer `-` than its
    // children's, so ordering by depth is enough.
    let mut order: Vec<usize> = (0..import.rows.len()).collect();
    order.sort_by_key(|&index| depth(&import.rows[index].parent));

    let mut ids: HashMap<String, (i64, i64)> = HashMap::new();
    let mut errors = Vec::new();
    let mut summary = ImportSummary::default();
    let mut first_line: HashMap<i64, u64> = HashMap::new();

    for index in order {
        let row = &import.rows[index];
        let parent_id = if row.parent.is_empty() {
            0
        } else if let Some(&(id, _)) = ids.get(&row.parent) {
            id
        } else if let Some(id) = find_item_id(connection, list.id, &row.parent)? {
            ids.insert(row.parent.clone(), (id, 0));
            id
        } else {
            errors.push(RowError {
                line: row.line,
                column: "parent".into(),
                rule: format!("parent `{}` is not in the file or the list", row.parent),
            });
            continue;
        };
        let long_code = if row.parent.is_empty() {
            row.code.clone()
        } else {
            format!("{}-{}", row.parent, row.code)
        };
        let item_id = upsert_item(connection, list.id, parent_id, &row.code, &long_code)?;
        ids.insert(long_code, (item_id, parent_id));
        first_line.entry(item_id).or_insert(row.line);

        let lang = row
            .lang
            .as_deref()
            .map(normalize_lang)
            .filter(|lang| !lang.is_empty())
            .unwrap_or_else(|| list.default_lang.clone());
        match upsert_text(connection, list.id, parent_id, item_id, &lang, &row.text)? {
            TextChange::Inserted => summary.inserted += 1,
            TextChange::Updated => summary.updated += 1,
            TextChange::Unchanged => {}
        }
        connection
            .prepare_cached("INSERT OR IGNORE INTO list_languages (list_id, lang) VALUES (?1, ?2)")
            .and_then(|mut statement| statement.execute(params![list.id, lang]))
            .map_err(StoreError::from)?;
    }

    if errors.is_empty() {
        errors.extend(items_without_default_text(connection, &list, &first_line)?);
    }
    if !errors.is_empty() {
        errors.sort_by_key(|error| error.line);
        return Err(ImportError::Rejected(errors));
    }
    Ok(summary)
}

fn depth(parent: &str) -> usize {
    if parent.is_empty() { 0 } else { parent.matches('-').count() + 1 }
}

fn upsert_item(
    connection: &Connection,
    list_id: i64,
    parent_id: i64,
    code: &str,
    long_code: &str,
) -> Result<i64, StoreError> {
    if let Some(id) = find_item_id(connection, list_id, long_code)? {
        return Ok(id);
    }
    let folded = pattern::fold(code);
    let reversed = pattern::reverse(&folded);
    let mut statement = connection.prepare_cached(
        "INSERT INTO list_items (list_id, parent_id, short_code, long_code, code_fold, code_reversed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    statement.execute(params![list_id, parent_id, code, long_code, folded, reversed])?;
    Ok(connection.last_insert_rowid())
}

enum TextChange {
    Inserted,
    Updated,
    Unchanged,
}

fn upsert_text(
    connection: &Connection,
    list_id: i64,
    parent_id: i64,
    item_id: i64,
    lang: &str,
    text: &str,
) -> Result<TextChange, StoreError> {
    let existing: Option<String> = connection
        .prepare_cached("SELECT text FROM list_item_texts WHERE item_id = ?1 AND lang = ?2")?
        .query_row(params![item_id, lang], |row| row.get(0))
        .optional()?;
    let folded = pattern::fold(text);
    let reversed = pattern::reverse(&folded);
    match existing {
        Some(current) if current == text => Ok(TextChange::Unchanged),
        Some(_) => {
            connection
                .prepare_cached(
                    "UPDATE list_item_texts SET text = ?3, text_fold = ?4, text_reversed = ?5
                     WHERE item_id = ?1 AND lang = ?2",
                )?
                .execute(params![item_id, lang, text, folded, reversed])?;
            Ok(TextChange::Updated)
        }
        None => {
            connection
                .prepare_cached(
                    "INSERT INTO list_item_texts
                     (item_id, list_id, parent_id, lang, text, text_fold, text_reversed)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![item_id, list_id, parent_id, lang, text, folded, reversed])?;
            Ok(TextChange::Inserted)
        }
    }
}

fn items_without_default_text(
    connection: &Connection,
    list: &ListInfo,
    first_line: &HashMap<i64, u64>,
) -> Result<Vec<RowError>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT i.id, i.long_code FROM list_items i WHERE i.list_id = ?1 AND NOT EXISTS
             (SELECT 1 FROM list_item_texts t WHERE t.item_id = i.id AND t.lang = ?2)
         LIMIT 100",
    )?;
    let rows = statement.query_map(params![list.id, list.default_lang], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
    })?;
    let mut errors = Vec::new();
    for row in rows {
        let (id, long_code) = row?;
        errors.push(RowError {
            line: first_line.get(&id).copied().unwrap_or(0),
            column: "lang".into(),
            rule: format!(
                "item `{long_code}` has no text in the list's default language {}",
                list.default_lang
            ),
        });
    }
    Ok(errors)
}
