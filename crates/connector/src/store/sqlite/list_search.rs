//! List search on SQLite: each language pass reads one range of a search table.

use std::sync::Arc;

use rusqlite::{Connection, Row, params};

use super::TextBytes;
use super::catalog::{Catalog, ListInfo};
use super::lists::{find_item_id, normalize_lang};
use super::text_index::{Group, TextIndexes};
use crate::store::pattern::{self, Access, Pattern};
use crate::store::{ListQuery, StoreError};
use protocol::{ListItem, SearchBy};

/// Shortest inner segment the trigram index can look up; shorter "contains"
/// searches scan the parent's items (stopping at the limit).
const TRIGRAM: usize = 3;

/// A found item and the folded value that orders the page.
struct Hit {
    folded: String,
    item: ListItem,
}

/// The snapshot a search reads: a connection in a read transaction, with
/// the list catalog and list version of that transaction.
pub(super) struct Snapshot<'a> {
    pub connection: &'a Connection,
    pub catalog: &'a Catalog,
    pub list_version: i64,
}

/// A query checked against the list catalog.
struct Resolved<'a> {
    list: &'a ListInfo,
    /// Requested language, set only when the list has texts in it and it is
    /// not the default.
    lang: Option<String>,
    pattern: Pattern,
    /// Whether an in-memory text index can serve the query: a text search
    /// in the default language that is not a "contains" search.
    indexable: bool,
}

fn resolve<'a>(catalog: &'a Catalog, query: &ListQuery) -> Result<Resolved<'a>, StoreError> {
    let list = catalog
        .find(&query.list_name)
        .ok_or_else(|| StoreError::ListNotFound(query.list_name.clone()))?;
    let requested = normalize_lang(&query.lang_code);
    let lang =
        (!requested.is_empty() && requested != list.default_lang && list.has_language(&requested))
            .then_some(requested);
    let pattern = Pattern::new(&query.query);
    let indexable = query.search_by == SearchBy::Text
        && lang.is_none()
        && !matches!(pattern.access(), Access::Contains(_));
    Ok(Resolved {
        list,
        lang,
        pattern,
        indexable,
    })
}

/// Searches the first level of a list in its in-memory text index built at
/// `version`, without SQLite. Returns `None` when no index can serve the
/// query, including when the list does not exist, so that the SQLite search
/// reports that.
pub(super) fn search_in_memory(
    catalog: &Catalog,
    version: i64,
    indexes: &TextIndexes,
    query: &ListQuery,
) -> Option<Vec<ListItem>> {
    if !query.parent_long_code.is_empty() {
        return None;
    }
    let resolved = resolve(catalog, query).ok()?;
    if query.limit == 0 {
        return Some(Vec::new());
    }
    if !resolved.indexable {
        return None;
    }
    let index = indexes.find(resolved.list.id, 0, version)?;
    index.search(&resolved.pattern, query.limit)
}

/// Searches a list under one parent. Searches that an in-memory text index
/// can serve use the group's index when one was built at the snapshot's
/// list version, and request one otherwise.
pub(super) fn search(
    snapshot: &Snapshot<'_>,
    indexes: &Arc<TextIndexes>,
    query: &ListQuery,
) -> Result<Vec<ListItem>, StoreError> {
    let connection = snapshot.connection;
    let resolved = resolve(snapshot.catalog, query)?;
    let list = resolved.list;
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

    let pattern = &resolved.pattern;
    if resolved.indexable {
        match indexes.find(list.id, parent_id, snapshot.list_version) {
            Some(index) => {
                if let Some(items) = index.search(pattern, query.limit) {
                    return Ok(items);
                }
            }
            None => {
                let group = Group {
                    list_id: list.id,
                    parent_id,
                    lang: list.default_lang.clone(),
                };
                indexes.request(group, snapshot.list_version);
            }
        }
    }

    let scope = Scope {
        list_id: list.id,
        parent_id,
        default_lang: &list.default_lang,
        lang: resolved.lang.as_deref(),
        limit: query.limit,
    };
    let mut page = match query.search_by {
        SearchBy::Text => search_by_text(connection, &scope, pattern)?,
        SearchBy::Code => search_by_code(connection, &scope, pattern)?,
    };
    page.sort_by(|a, b| a.folded.cmp(&b.folded));
    Ok(page.into_iter().map(|hit| hit.item).collect())
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
) -> Result<Vec<Hit>, StoreError> {
    let mut hits = match scope.lang {
        None => text_hits(connection, scope, pattern, scope.default_lang, None)?,
        Some(lang) => {
            let mut own = text_hits(connection, scope, pattern, lang, None)?;
            let fallback = text_hits(connection, scope, pattern, scope.default_lang, Some(lang))?;
            own.extend(fallback);
            own.sort_by(|a, b| a.folded.cmp(&b.folded));
            own
        }
    };
    hits.truncate(scope.limit);
    Ok(hits)
}

/// Columns every text statement returns, in this order.
const TEXT_COLUMNS: &str = "t.text_fold, t.text, t.long_code, t.short_code";

fn text_hits(
    connection: &Connection,
    scope: &Scope<'_>,
    pattern: &Pattern,
    lang: &str,
    missing_lang: Option<&str>,
) -> Result<Vec<Hit>, StoreError> {
    // Items already covered by the requested language are excluded from the
    // default-language pass; the unique (item_id, lang) index answers it.
    let fallback_filter = if missing_lang.is_some() {
        " AND NOT EXISTS (SELECT 1 FROM list_item_texts own
              WHERE own.item_id = t.item_id AND own.lang = ?5)"
    } else {
        " AND ?5 IS NULL"
    };
    let keys = format!("SELECT {TEXT_COLUMNS} FROM list_text_keys t");
    let reversed_keys = format!("SELECT {TEXT_COLUMNS} FROM list_text_reversed_keys t");
    let scope_filter = "t.list_id = ?1 AND t.parent_id = ?2 AND t.lang = ?3";

    let access = pattern.access();
    let (sql, key, upper): (String, Vec<u8>, Option<Vec<u8>>) = match &access {
        Access::Exact(value) => (
            format!("{keys} WHERE {scope_filter} AND t.text_fold = ?4 AND ?6 IS NULL{fallback_filter}"),
            value.as_bytes().to_vec(),
            None,
        ),
        Access::Prefix(prefix) => {
            range_sql(&keys, scope_filter, "t.text_fold", "?4", "?6", fallback_filter, prefix)
        }
        Access::Suffix(reversed) => {
            range_sql(&reversed_keys, scope_filter, "t.text_reversed", "?4", "?6", fallback_filter, reversed)
        }
        Access::Contains(segment) if segment.chars().count() >= TRIGRAM => (
            // The trigram index stays the outer loop (CROSS JOIN), and its
            // rows are texts, so the codes come from the item row.
            format!(
                "SELECT t.text_fold, t.text, i.long_code, i.short_code FROM list_item_texts_trigrams
                 CROSS JOIN list_item_texts t ON t.id = list_item_texts_trigrams.rowid
                 CROSS JOIN list_items i ON i.id = t.item_id
                 WHERE list_item_texts_trigrams MATCH ?4 AND ?6 IS NULL AND {scope_filter}{fallback_filter}"
            ),
            fts_phrase(segment).into_bytes(),
            None,
        ),
        Access::Contains(segment) => (
            format!("{keys} WHERE {scope_filter} AND instr(t.text_fold, ?4) > 0 AND ?6 IS NULL{fallback_filter}"),
            segment.as_bytes().to_vec(),
            None,
        ),
        Access::All => (
            format!("{keys} WHERE {scope_filter} AND ?4 IS NOT NULL AND ?6 IS NULL{fallback_filter} ORDER BY t.text_fold"),
            Vec::new(),
            None,
        ),
    };

    let parameters = params![
        scope.list_id,
        scope.parent_id,
        lang,
        TextBytes(key),
        missing_lang,
        upper.map(TextBytes),
    ];
    collect_hits(connection, &sql, parameters, pattern, scope.limit, |row| {
        let text = text_column(row, 1)?;
        Ok(ListItem {
            code: text_column(row, 2)?.to_owned(),
            short_code: text_column(row, 3)?.to_owned(),
            text: text.to_owned(),
            match_value: text.to_owned(),
        })
    })
}

/// Runs a search statement whose first column is the folded value, and
/// returns up to `limit` rows that match the pattern, each made into an
/// item by `item`. The pattern is tested only where the statement's access
/// can find values that do not match it.
fn collect_hits(
    connection: &Connection,
    sql: &str,
    parameters: impl rusqlite::Params,
    pattern: &Pattern,
    limit: usize,
    item: impl Fn(&Row<'_>) -> rusqlite::Result<ListItem>,
) -> Result<Vec<Hit>, StoreError> {
    let mut statement = connection.prepare_cached(sql)?;
    let mut rows = statement.query(parameters)?;
    let check = !pattern.access_is_exact();
    let mut hits = Vec::new();
    while let Some(row) = rows.next()? {
        let folded = text_column(row, 0)?;
        if check && !pattern.matches(folded) {
            continue;
        }
        hits.push(Hit {
            folded: folded.to_owned(),
            item: item(row)?,
        });
        if hits.len() >= limit {
            break;
        }
    }
    Ok(hits)
}

/// Borrows a text column from the row, without copying it.
fn text_column<'row>(row: &'row Row<'_>, index: usize) -> rusqlite::Result<&'row str> {
    row.get_ref(index)?.as_str().map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            Box::new(error),
        )
    })
}

/// Builds a range scan `lower <= column < upper` ordered by the column;
/// `lower` and `upper` name the statement's parameters for the bounds.
fn range_sql(
    base: &str,
    scope_filter: &str,
    column: &str,
    lower: &str,
    upper: &str,
    extra_filter: &str,
    prefix: &str,
) -> (String, Vec<u8>, Option<Vec<u8>>) {
    let upper_bound = pattern::prefix_upper_bound(prefix);
    let upper_filter = if upper_bound.is_some() {
        format!(" AND {column} < {upper}")
    } else {
        format!(" AND {upper} IS NULL")
    };
    (
        format!(
            "{base} WHERE {scope_filter} AND {column} >= {lower}{upper_filter}{extra_filter} ORDER BY {column}"
        ),
        prefix.as_bytes().to_vec(),
        upper_bound,
    )
}

/// Quotes a literal as an FTS5 phrase, so no character acts as syntax.
fn fts_phrase(literal: &str) -> String {
    format!("\"{}\"", literal.replace('"', "\"\""))
}

/// Searches short codes, each with its item's text in the requested
/// language or else the default one.
fn search_by_code(
    connection: &Connection,
    scope: &Scope<'_>,
    pattern: &Pattern,
) -> Result<Vec<Hit>, StoreError> {
    // The text comes from the unique (item_id, lang) index of the texts; an
    // item without a text in either language gets an empty one.
    let text = "coalesce(
                    (SELECT t.text FROM list_item_texts t WHERE t.item_id = i.id AND t.lang = ?5),
                    (SELECT t.text FROM list_item_texts t WHERE t.item_id = i.id AND t.lang = ?6),
                    '')";
    let base = format!("SELECT i.code_fold, i.short_code, i.long_code, {text} FROM list_items i");
    let scope_filter = "i.list_id = ?1 AND i.parent_id = ?2";
    let access = pattern.access();
    let (sql, key, upper): (String, Vec<u8>, Option<Vec<u8>>) = match &access {
        Access::Exact(value) => (
            format!("{base} WHERE {scope_filter} AND i.code_fold = ?3 AND ?4 IS NULL"),
            value.as_bytes().to_vec(),
            None,
        ),
        Access::Prefix(prefix) => {
            range_sql(&base, scope_filter, "i.code_fold", "?3", "?4", "", prefix)
        }
        Access::Suffix(reversed) => range_sql(
            &base,
            scope_filter,
            "i.code_reversed",
            "?3",
            "?4",
            "",
            reversed,
        ),
        Access::Contains(segment) if segment.chars().count() >= TRIGRAM => (
            format!(
                "SELECT i.code_fold, i.short_code, i.long_code, {text} FROM list_items_code_trigrams
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
            format!(
                "{base} WHERE {scope_filter} AND ?3 IS NOT NULL AND ?4 IS NULL ORDER BY i.code_fold"
            ),
            Vec::new(),
            None,
        ),
    };

    let parameters = params![
        scope.list_id,
        scope.parent_id,
        TextBytes(key),
        upper.map(TextBytes),
        scope.lang.unwrap_or(scope.default_lang),
        scope.default_lang,
    ];
    collect_hits(connection, &sql, parameters, pattern, scope.limit, |row| {
        let short_code = text_column(row, 1)?;
        Ok(ListItem {
            code: text_column(row, 2)?.to_owned(),
            short_code: short_code.to_owned(),
            text: text_column(row, 3)?.to_owned(),
            match_value: short_code.to_owned(),
        })
    })
}
