//! List search and import on SQLite.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::TextBytes;

use crate::store::pattern::{self, Access, Pattern};
use crate::store::{
    ImportError, ImportSummary, ListImport, ListQuery, RowError, StoreError,
};
use protocol::{ListItem, SearchBy};

/// Shortest inner segment the trigram index can look up; shorter "contains"
/// searches scan the parent's items (stopping at the limit).
const TRIGRAM: usize = 3;

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

fn find_item_id(
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

fn has_language(connection: &Connection, list_id: i64, lang: &str) -> Result<bool, StoreError> {
    let mut statement = connection
        .prepare_cached("SELECT 1 FROM list_languages WHERE list_id = ?1 AND lang = ?2")?;
    Ok(statement.exists(params![list_id, lang])?)
}

/// Normalizes a language code as stored: trimmed and upper case (`EN`).
pub(crate) fn normalize_lang(lang: &str) -> String {
    lang.trim().to_uppercase()
}

/// A candidate row: the folded value the pattern is tested against, the key
/// pages are ordered by, and the codes of the item it belongs to.
struct Candidate {
    folded: String,
    text: String,
    long_code: String,
    short_code: String,
}

pub(super) fn search(connection: &Connection, query: &ListQuery) -> Result<Vec<ListItem>, StoreError> {
    let list = find_list(connection, &query.list_name)?
        .ok_or_else(|| StoreError::ListNotFound(query.list_name.clone()))?;
    if query.limit == 0 {
        return Ok(Vec::new());
    }
    let parent_id = if query.parent_long_code.is_empty() {
        0
    } else {
        match find_item_id(connection, list.id, &query.parent_long_code)? {
            Some(id) => id,
            None => return Ok(Vec::new()),
        }
    };

    let requested = normalize_lang(&query.lang_code);
    let lang = if !requested.is_empty()
        && requested != list.default_lang
        && has_language(connection, list.id, &requested)?
    {
        Some(requested)
    } else {
        None
    };

    let pattern = Pattern::new(&query.query);
    let scope = Scope {
        list_id: list.id,
        parent_id,
        default_lang: &list.default_lang,
        lang: lang.as_deref(),
        limit: query.limit,
    };
    let mut page = match query.search_by {
        SearchBy::Text => search_by_text(connection, &scope, &pattern)?,
        SearchBy::Code => search_by_code(connection, &scope, &pattern)?,
    };
    page.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(page.into_iter().map(|(_, item)| item).collect())
}

struct Scope<'a> {
    list_id: i64,
    parent_id: i64,
    default_lang: &'a str,
    /// Requested language, set only when the list has texts in it and it is
    /// not the default. Items without a text in it fall back to the default.
    lang: Option<&'a str>,
    limit: usize,
}

/// Searches texts: in the requested language, and in the default language
/// for items that have no text in the requested one.
fn search_by_text(
    connection: &Connection,
    scope: &Scope<'_>,
    pattern: &Pattern,
) -> Result<Vec<(String, ListItem)>, StoreError> {
    let mut candidates = match scope.lang {
        None => text_candidates(connection, scope, pattern, scope.default_lang, None)?,
        Some(lang) => {
            let mut own = text_candidates(connection, scope, pattern, lang, None)?;
            let fallback =
                text_candidates(connection, scope, pattern, scope.default_lang, Some(lang))?;
            own.extend(fallback);
            own.sort_by(|a, b| a.folded.cmp(&b.folded));
            own.truncate(scope.limit);
            own
        }
    };
    candidates.truncate(scope.limit);

    let mut page = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        let item = ListItem {
            code: candidate.long_code,
            short_code: candidate.short_code,
            match_value: candidate.text.clone(),
            text: candidate.text,
        };
        page.push((candidate.folded, item));
    }
    Ok(page)
}

fn text_candidates(
    connection: &Connection,
    scope: &Scope<'_>,
    pattern: &Pattern,
    lang: &str,
    missing_lang: Option<&str>,
) -> Result<Vec<Candidate>, StoreError> {
    // Items already covered by the requested language are excluded from the
    // default-language pass.
    let fallback_filter = if missing_lang.is_some() {
        " AND NOT EXISTS (SELECT 1 FROM list_item_texts own
              WHERE own.item_id = t.item_id AND own.lang = ?5)"
    } else {
        " AND ?5 IS NULL"
    };
    // The codes come from the same statement, with the texts as the outer
    // loop (CROSS JOIN), instead of one more query per returned item.
    let columns = "t.text_fold, t.text, i.long_code, i.short_code";
    let item_join = "CROSS JOIN list_items i ON i.id = t.item_id";
    let base = format!("SELECT {columns} FROM list_item_texts t {item_join}");
    let base = base.as_str();
    let scope_filter = "t.list_id = ?1 AND t.parent_id = ?2 AND t.lang = ?3";

    let access = pattern.access();
    let (sql, key, upper): (String, Vec<u8>, Option<Vec<u8>>) = match &access {
        Access::Exact(value) => (
            format!("{base} WHERE {scope_filter} AND t.text_fold = ?4 AND ?6 IS NULL{fallback_filter}"),
            value.as_bytes().to_vec(),
            None,
        ),
        Access::Prefix(prefix) => range_sql(base, scope_filter, "t.text_fold", fallback_filter, prefix.as_bytes()),
        Access::Suffix(reversed) => {
            range_sql(base, scope_filter, "t.text_reversed", fallback_filter, reversed.as_bytes())
        }
        Access::Contains(segment) if segment.chars().count() >= TRIGRAM => (
            // CROSS JOIN keeps the trigram index as the outer loop.
            format!(
                "SELECT {columns} FROM list_item_texts_trigrams
                 CROSS JOIN list_item_texts t ON t.id = list_item_texts_trigrams.rowid
                 {item_join}
                 WHERE list_item_texts_trigrams MATCH ?4 AND ?6 IS NULL AND {scope_filter}{fallback_filter}"
            ),
            fts_phrase(segment).into_bytes(),
            None,
        ),
        Access::Contains(segment) => (
            format!("{base} WHERE {scope_filter} AND instr(t.text_fold, ?4) > 0 AND ?6 IS NULL{fallback_filter}"),
            segment.as_bytes().to_vec(),
            None,
        ),
        Access::All => (
            format!("{base} WHERE {scope_filter} AND ?4 IS NOT NULL AND ?6 IS NULL{fallback_filter} ORDER BY t.text_fold"),
            Vec::new(),
            None,
        ),
    };

    let mut statement = connection.prepare_cached(&sql)?;
    let upper_param = upper.map(TextBytes);
    let mut rows = statement.query(params![
        scope.list_id,
        scope.parent_id,
        lang,
        TextBytes(key),
        missing_lang,
        upper_param,
    ])?;
    let mut candidates = Vec::new();
    while let Some(row) = rows.next()? {
        let folded: String = row.get(0)?;
        if !pattern.matches(&folded) {
            continue;
        }
        candidates.push(Candidate {
            folded,
            text: row.get(1)?,
            long_code: row.get(2)?,
            short_code: row.get(3)?,
        });
        if candidates.len() >= scope.limit {
            break;
        }
    }
    Ok(candidates)
}

/// Builds a range scan `lower <= column < upper` ordered by the column.
fn range_sql(
    base: &str,
    scope_filter: &str,
    column: &str,
    fallback_filter: &str,
    lower: &[u8],
) -> (String, Vec<u8>, Option<Vec<u8>>) {
    let upper = pattern::prefix_upper_bound(std::str::from_utf8(lower).unwrap_or_default());
    let upper_filter = if upper.is_some() { format!(" AND {column} < ?6") } else { " AND ?6 IS NULL".to_owned() };
    (
        format!("{base} WHERE {scope_filter} AND {column} >= ?4{upper_filter}{fallback_filter} ORDER BY {column}"),
        lower.to_vec(),
        upper,
    )
}

/// Quotes a literal as an FTS5 phrase, so no character acts as syntax.
fn fts_phrase(literal: &str) -> String {
    format!("\"{}\"", literal.replace('"', "\"\""))
}

/// Searches short codes, then attaches each item's text in the requested
/// language or the default.
fn search_by_code(
    connection: &Connection,
    scope: &Scope<'_>,
    pattern: &Pattern,
) -> Result<Vec<(String, ListItem)>, StoreError> {
    let base = "SELECT i.id, i.code_fold, i.short_code, i.long_code FROM list_items i";
    let scope_filter = "i.list_id = ?1 AND i.parent_id = ?2";
    let access = pattern.access();
    let (sql, key, upper): (String, Vec<u8>, Option<Vec<u8>>) = match &access {
        Access::Exact(value) => (
            format!("{base} WHERE {scope_filter} AND i.code_fold = ?3 AND ?4 IS NULL"),
            value.as_bytes().to_vec(),
            None,
        ),
        Access::Prefix(prefix) => code_range_sql(base, scope_filter, "i.code_fold", prefix.as_bytes()),
        Access::Suffix(reversed) => code_range_sql(base, scope_filter, "i.code_reversed", reversed.as_bytes()),
        Access::Contains(segment) if segment.chars().count() >= TRIGRAM => (
            format!(
                "SELECT i.id, i.code_fold, i.short_code, i.long_code FROM list_items_code_trigrams
                 CROSS JOIN list_items i ON i.id = list_items_code_trigrams.rowid
                 WHERE list_items_code_trigrams MATCH ?3 AND ?4 IS NULL AND {scope_filter}"
            ),
            fts_phrase(segment).into_bytes(),
            None,
        ),
        Access::Contains(segment) => (
            format!("{base} WHERE {scope_filter} AND instr(i.code_fold, ?3) > 0 AND ?4 IS NULL"),
            segment.as_bytes().to_vec(),
            None,
        ),
        Access::All => (
            format!("{base} WHERE {scope_filter} AND ?3 IS NOT NULL AND ?4 IS NULL ORDER BY i.code_fold"),
            Vec::new(),
            None,
        ),
    };

    let mut found = Vec::new();
    {
        let mut statement = connection.prepare_cached(&sql)?;
        let upper_param = upper.map(TextBytes);
        let mut rows = statement.query(params![
            scope.list_id,
            scope.parent_id,
            TextBytes(key),
            upper_param,
        ])?;
        while let Some(row) = rows.next()? {
            let folded: String = row.get(1)?;
            if !pattern.matches(&folded) {
                continue;
            }
            found.push((row.get::<_, i64>(0)?, folded, row.get::<_, String>(2)?, row.get::<_, String>(3)?));
            if found.len() >= scope.limit {
                break;
            }
        }
    }

    let mut page = Vec::with_capacity(found.len());
    for (item_id, folded, short_code, long_code) in found {
        let text = item_text(connection, item_id, scope)?;
        let item = ListItem {
            code: long_code,
            match_value: short_code.clone(),
            short_code,
            text,
        };
        page.push((folded, item));
    }
    Ok(page)
}

fn code_range_sql(base: &str, scope_filter: &str, column: &str, lower: &[u8]) -> (String, Vec<u8>, Option<Vec<u8>>) {
    let upper = pattern::prefix_upper_bound(std::str::from_utf8(lower).unwrap_or_default());
    let upper_filter = if upper.is_some() { format!(" AND {column} < ?4") } else { " AND ?4 IS NULL".to_owned() };
    (
        format!("{base} WHERE {scope_filter} AND {column} >= ?3{upper_filter} ORDER BY {column}"),
        lower.to_vec(),
        upper,
    )
}

fn item_text(connection: &Connection, item_id: i64, scope: &Scope<'_>) -> Result<String, StoreError> {
    let mut statement = connection.prepare_cached(
        "SELECT text FROM list_item_texts WHERE item_id = ?1 AND lang IN (?2, ?3)
         ORDER BY lang = ?2 DESC LIMIT 1",
    )?;
    let preferred = scope.lang.unwrap_or(scope.default_lang);
    let text = statement
        .query_row(params![item_id, preferred, scope.default_lang], |row| row.get(0))
        .optional()?;
    Ok(text.unwrap_or_default())
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
