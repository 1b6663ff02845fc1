//! List import and item lookup on PostgreSQL.

use std::collections::HashMap;

use sqlx::{PgConnection, PgPool, Row};

use crate::store::pattern;
use crate::store::{ImportError, ImportSummary, ListImport, ListRow, RowError, StoreError};

pub(super) struct ListInfo {
    pub id: i64,
    pub default_lang: String,
}

pub(super) async fn find_list(
    connection: &mut PgConnection,
    name: &str,
) -> Result<Option<ListInfo>, StoreError> {
    let row = sqlx::query("SELECT id, default_lang FROM lists WHERE name = $1")
        .bind(name)
        .fetch_optional(connection)
        .await?;
    match row {
        Some(row) => Ok(Some(ListInfo {
            id: row.try_get(0)?,
            default_lang: row.try_get(1)?,
        })),
        None => Ok(None),
    }
}

pub(super) async fn find_item_id(
    connection: &mut PgConnection,
    list_id: i64,
    long_code: &str,
) -> Result<Option<i64>, StoreError> {
    let id = sqlx::query_scalar("SELECT id FROM list_items WHERE list_id = $1 AND long_code = $2")
        .bind(list_id)
        .bind(long_code)
        .fetch_optional(connection)
        .await?;
    Ok(id)
}

/// Tells whether the list has an item with exactly this long code.
pub(super) async fn item_exists(
    pool: &PgPool,
    list_name: &str,
    long_code: &str,
) -> Result<bool, StoreError> {
    let mut connection = pool.acquire().await?;
    let Some(list) = find_list(&mut connection, list_name).await? else {
        return Err(StoreError::ListNotFound(list_name.to_owned()));
    };
    Ok(find_item_id(&mut connection, list.id, long_code)
        .await?
        .is_some())
}

/// Normalizes a language code as stored: trimmed and upper case (`EN`).
pub(super) fn normalize_lang(lang: &str) -> String {
    lang.trim().to_uppercase()
}

/// Imports a list in one transaction. Every parent must exist in the file
/// or the database, and every item needs a text in the list's default language.
///
pub(super) async fn import(
    pool: &PgPool,
    import: &ListImport,
) -> Result<ImportSummary, ImportError> {
    let mut transaction = pool.begin().await.map_err(StoreError::from)?;
    let result = import_and_analyze(&mut transaction, import).await;
    super::finish(transaction, result).await
}

async fn import_and_analyze(
    connection: &mut PgConnection,
    import: &ListImport,
) -> Result<ImportSummary, ImportError> {
    let summary = import_rows(connection, import).await?;
    // The trigram indexes (migration 2) keep the imported rows in their
    // pending lists, which every search would read in full, so the import
    // merges them into the indexes.
    sqlx::query(
        "SELECT gin_clean_pending_list(index)
         FROM unnest(ARRAY['list_item_texts_by_text_trigrams', 'list_items_by_code_trigrams'])
             AS name, to_regclass(name) AS index
         WHERE index IS NOT NULL",
    )
    .execute(&mut *connection)
    .await
    .map_err(StoreError::from)?;
    // Fresh statistics let the planner pick the search indexes at once,
    // before autovacuum analyzes the tables.
    sqlx::query("ANALYZE list_items, list_item_texts")
        .execute(connection)
        .await
        .map_err(StoreError::from)?;
    Ok(summary)
}

async fn import_rows(
    connection: &mut PgConnection,
    import: &ListImport,
) -> Result<ImportSummary, ImportError> {
    sqlx::query(
        "INSERT INTO lists (name, default_lang) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
    )
    .bind(&import.list_name)
    .bind(normalize_lang(&import.default_lang))
    .execute(&mut *connection)
    .await
    .map_err(StoreError::from)?;
    let list = find_list(connection, &import.list_name)
        .await?
        .ok_or_else(|| StoreError::ListNotFound(import.list_name.clone()))?;

    // Parents before children: a parent's long code has fewer `-` than its
    // children's, so ordering by depth is enough.
    let mut order: Vec<usize> = (0..import.rows.len()).collect();
    order.sort_by_key(|&index| depth(&import.rows[index].parent));

    let mut state = ImportState::default();
    // Rows of one depth only have parents of smaller depths, so each depth
    // is written with a few statements once the depths above it are.
    let levels =
        order.chunk_by(|&a, &b| depth(&import.rows[a].parent) == depth(&import.rows[b].parent));
    for level in levels {
        for batch in level.chunks(BATCH_ROWS) {
            let rows: Vec<&ListRow> = batch.iter().map(|&index| &import.rows[index]).collect();
            import_batch(connection, &list, &rows, &mut state).await?;
        }
    }
    let ImportState {
        mut errors,
        summary,
        first_line,
        ..
    } = state;

    if errors.is_empty() {
        errors.extend(items_without_default_text(connection, &list, &first_line).await?);
    }
    if !errors.is_empty() {
        errors.sort_by_key(|error| error.line);
        return Err(ImportError::Rejected(errors));
    }
    Ok(summary)
}

fn depth(parent: &str) -> usize {
    if parent.is_empty() {
        0
    } else {
        parent.matches('-').count() + 1
    }
}

/// Rows that one statement writes. The statements bind each column as one
/// array, and this bound keeps those arrays to a few megabytes.
const BATCH_ROWS: usize = 5_000;

/// The progress of an import: the ids it found, and its errors and counts so far.
#[derive(Default)]
struct ImportState {
    /// Item id by long code, for the items of the file and their parents.
    ids: HashMap<String, i64>,
    /// First line of the file that names each item.
    first_line: HashMap<i64, u64>,
    errors: Vec<RowError>,
    summary: ImportSummary,
}

/// A row whose parent was found.
struct Resolved<'a> {
    row: &'a ListRow,
    parent_id: i64,
    long_code: String,
    lang: String,
}

/// Writes rows of one depth: their items, texts and languages.
async fn import_batch(
    connection: &mut PgConnection,
    list: &ListInfo,
    rows: &[&ListRow],
    state: &mut ImportState,
) -> Result<(), StoreError> {
    find_parents(connection, list.id, rows, &mut state.ids).await?;
    let mut resolved = Vec::with_capacity(rows.len());
    for &row in rows {
        let parent_id = if row.parent.is_empty() {
            0
        } else if let Some(&id) = state.ids.get(&row.parent) {
            id
        } else {
            state.errors.push(RowError {
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
        let lang = row
            .lang
            .as_deref()
            .map(normalize_lang)
            .filter(|lang| !lang.is_empty())
            .unwrap_or_else(|| list.default_lang.clone());
        resolved.push(Resolved {
            row,
            parent_id,
            long_code,
            lang,
        });
    }
    if resolved.is_empty() {
        return Ok(());
    }

    insert_items(connection, list.id, &resolved, &mut state.ids).await?;
    for item in &resolved {
        let item_id = state.ids[&item.long_code];
        state.first_line.entry(item_id).or_insert(item.row.line);
    }
    let (inserted, updated) = upsert_texts(connection, list.id, &resolved, &state.ids).await?;
    state.summary.inserted += inserted;
    state.summary.updated += updated;

    let mut langs: Vec<&str> = resolved.iter().map(|item| item.lang.as_str()).collect();
    langs.sort_unstable();
    langs.dedup();
    sqlx::query(
        "INSERT INTO list_languages (list_id, lang) SELECT $1, lang FROM UNNEST($2::text[]) AS l(lang)
         ON CONFLICT DO NOTHING",
    )
    .bind(list.id)
    .bind(&langs)
    .execute(connection)
    .await?;
    Ok(())
}

/// Adds the ids of the rows' parents that the file did not name before.
async fn find_parents(
    connection: &mut PgConnection,
    list_id: i64,
    rows: &[&ListRow],
    ids: &mut HashMap<String, i64>,
) -> Result<(), StoreError> {
    let mut unknown: Vec<&str> = rows
        .iter()
        .map(|row| row.parent.as_str())
        .filter(|parent| !parent.is_empty() && !ids.contains_key(*parent))
        .collect();
    unknown.sort_unstable();
    unknown.dedup();
    if unknown.is_empty() {
        return Ok(());
    }
    record_ids(connection, list_id, &unknown, ids).await
}

/// Reads the ids of the list's items with these long codes into `ids`.
async fn record_ids(
    connection: &mut PgConnection,
    list_id: i64,
    long_codes: &[&str],
    ids: &mut HashMap<String, i64>,
) -> Result<(), StoreError> {
    let found = sqlx::query(
        "SELECT long_code, id FROM list_items WHERE list_id = $1 AND long_code = ANY($2)",
    )
    .bind(list_id)
    .bind(long_codes)
    .fetch_all(connection)
    .await?;
    for row in found {
        ids.insert(row.try_get(0)?, row.try_get(1)?);
    }
    Ok(())
}

/// Inserts the items that the list lacks, and records the id of every item
/// of the rows. An existing item keeps its id, as in the SQLite store.
async fn insert_items(
    connection: &mut PgConnection,
    list_id: i64,
    resolved: &[Resolved<'_>],
    ids: &mut HashMap<String, i64>,
) -> Result<(), StoreError> {
    // Rows in several languages name one item several times.
    let mut seen = std::collections::HashSet::new();
    let mut parent_ids = Vec::new();
    let mut short_codes = Vec::new();
    let mut long_codes = Vec::new();
    let mut folds = Vec::new();
    let mut reversed = Vec::new();
    for item in resolved {
        if !seen.insert(item.long_code.as_str()) {
            continue;
        }
        let folded = pattern::fold(&item.row.code);
        reversed.push(pattern::reverse(&folded));
        folds.push(folded);
        parent_ids.push(item.parent_id);
        short_codes.push(item.row.code.as_str());
        long_codes.push(item.long_code.as_str());
    }
    sqlx::query(
        "INSERT INTO list_items (list_id, parent_id, short_code, long_code, code_fold, code_reversed)
         SELECT $1, parent_id, short_code, long_code, code_fold, code_reversed
         FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])
             WITH ORDINALITY AS i(parent_id, short_code, long_code, code_fold, code_reversed, position)
         ORDER BY position
         ON CONFLICT (list_id, long_code) DO NOTHING",
    )
    .bind(list_id)
    .bind(&parent_ids)
    .bind(&short_codes)
    .bind(&long_codes)
    .bind(&folds)
    .bind(&reversed)
    .execute(&mut *connection)
    .await?;
    record_ids(connection, list_id, &long_codes, ids).await
}

/// Inserts or updates the texts of the rows and returns how many it
/// inserted and how many it changed. A text equal to the stored one counts
/// as neither.
async fn upsert_texts(
    connection: &mut PgConnection,
    list_id: i64,
    resolved: &[Resolved<'_>],
    ids: &HashMap<String, i64>,
) -> Result<(u64, u64), StoreError> {
    let mut item_ids = Vec::with_capacity(resolved.len());
    let mut parent_ids = Vec::with_capacity(resolved.len());
    let mut langs = Vec::with_capacity(resolved.len());
    let mut texts = Vec::with_capacity(resolved.len());
    let mut folds = Vec::with_capacity(resolved.len());
    let mut reversed = Vec::with_capacity(resolved.len());
    for item in resolved {
        let folded = pattern::fold(&item.row.text);
        reversed.push(pattern::reverse(&folded));
        folds.push(folded);
        item_ids.push(ids[&item.long_code]);
        parent_ids.push(item.parent_id);
        langs.push(item.lang.as_str());
        texts.push(item.row.text.as_str());
    }

    // `xmax = 0` holds only for a row this statement inserted, not for one
    // it updated. Rows whose text did not change are not updated, so they
    // are not returned.
    let inserted: Vec<bool> = sqlx::query_scalar(
        "INSERT INTO list_item_texts
             (item_id, list_id, parent_id, lang, text, text_fold, text_reversed)
         SELECT item_id, $1, parent_id, lang, text, text_fold, text_reversed
         FROM UNNEST($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[])
             WITH ORDINALITY AS t(item_id, parent_id, lang, text, text_fold, text_reversed, position)
         ORDER BY position
         ON CONFLICT (item_id, lang) DO UPDATE SET
             text = excluded.text, text_fold = excluded.text_fold,
             text_reversed = excluded.text_reversed
         WHERE list_item_texts.text IS DISTINCT FROM excluded.text
         RETURNING (xmax = 0)",
    )
    .bind(list_id)
    .bind(&item_ids)
    .bind(&parent_ids)
    .bind(&langs)
    .bind(&texts)
    .bind(&folds)
    .bind(&reversed)
    .fetch_all(connection)
    .await?;
    let new = inserted.iter().filter(|&&is_new| is_new).count() as u64;
    Ok((new, inserted.len() as u64 - new))
}

async fn items_without_default_text(
    connection: &mut PgConnection,
    list: &ListInfo,
    first_line: &HashMap<i64, u64>,
) -> Result<Vec<RowError>, StoreError> {
    let rows = sqlx::query(
        "SELECT i.id, i.long_code FROM list_items i WHERE i.list_id = $1 AND NOT EXISTS
             (SELECT 1 FROM list_item_texts t WHERE t.item_id = i.id AND t.lang = $2)
         ORDER BY i.id LIMIT 100",
    )
    .bind(list.id)
    .bind(&list.default_lang)
    .fetch_all(connection)
    .await?;
    let mut errors = Vec::new();
    for row in rows {
        let id: i64 = row.try_get(0)?;
        let long_code: String = row.try_get(1)?;
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
