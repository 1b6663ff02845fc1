//! List import and item lookup on PostgreSQL.

use std::collections::HashMap;

use sqlx::{PgConnection, PgPool, Row};

use crate::store::pattern;
use crate::store::{ImportError, ImportSummary, ListImport, RowError, StoreError};

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
    Ok(find_item_id(&mut connection, list.id, long_code).await?.is_some())
}

/// Normalizes a language code as stored: trimmed and upper case (`EN`).
pub(super) fn normalize_lang(lang: &str) -> String {
    lang.trim().to_uppercase()
}

/// Imports a list in one transaction; every parent must exist in the file
/// or the database, and every item needs a text in the list's default language.
pub(super) async fn import(pool: &PgPool, import: &ListImport) -> Result<ImportSummary, ImportError> {
    let mut transaction = pool.begin().await.map_err(StoreError::from)?;
    let result = import_and_analyze(&mut transaction, import).await;
    super::finish(transaction, result).await
}

async fn import_and_analyze(
    connection: &mut PgConnection,
    import: &ListImport,
) -> Result<ImportSummary, ImportError> {
    let summary = import_rows(connection, import).await?;
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
    sqlx::query("INSERT INTO lists (name, default_lang) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
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

    let mut ids: HashMap<String, i64> = HashMap::new();
    let mut errors = Vec::new();
    let mut summary = ImportSummary::default();
    let mut first_line: HashMap<i64, u64> = HashMap::new();

    for index in order {
        let row = &import.rows[index];
        let parent_id = if row.parent.is_empty() {
            0
        } else if let Some(&id) = ids.get(&row.parent) {
            id
        } else if let Some(id) = find_item_id(connection, list.id, &row.parent).await? {
            ids.insert(row.parent.clone(), id);
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
        let item_id = upsert_item(connection, list.id, parent_id, &row.code, &long_code).await?;
        ids.insert(long_code, item_id);
        first_line.entry(item_id).or_insert(row.line);

        let lang = row
            .lang
            .as_deref()
            .map(normalize_lang)
            .filter(|lang| !lang.is_empty())
            .unwrap_or_else(|| list.default_lang.clone());
        let text = Text { list_id: list.id, parent_id, item_id, lang: &lang, text: &row.text };
        match upsert_text(connection, &text).await? {
            TextChange::Inserted => summary.inserted += 1,
            TextChange::Updated => summary.updated += 1,
            TextChange::Unchanged => {}
        }
        sqlx::query("INSERT INTO list_languages (list_id, lang) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(list.id)
            .bind(&lang)
            .execute(&mut *connection)
            .await
            .map_err(StoreError::from)?;
    }

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
    if parent.is_empty() { 0 } else { parent.matches('-').count() + 1 }
}

async fn upsert_item(
    connection: &mut PgConnection,
    list_id: i64,
    parent_id: i64,
    code: &str,
    long_code: &str,
) -> Result<i64, StoreError> {
    if let Some(id) = find_item_id(connection, list_id, long_code).await? {
        return Ok(id);
    }
    let folded = pattern::fold(code);
    let reversed = pattern::reverse(&folded);
    let id = sqlx::query_scalar(
        "INSERT INTO list_items (list_id, parent_id, short_code, long_code, code_fold, code_reversed)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(list_id)
    .bind(parent_id)
    .bind(code)
    .bind(long_code)
    .bind(folded)
    .bind(reversed)
    .fetch_one(connection)
    .await?;
    Ok(id)
}

/// One text of an imported row.
struct Text<'a> {
    list_id: i64,
    parent_id: i64,
    item_id: i64,
    lang: &'a str,
    text: &'a str,
}

enum TextChange {
    Inserted,
    Updated,
    Unchanged,
}

async fn upsert_text(connection: &mut PgConnection, text: &Text<'_>) -> Result<TextChange, StoreError> {
    let existing: Option<String> =
        sqlx::query_scalar("SELECT text FROM list_item_texts WHERE item_id = $1 AND lang = $2")
            .bind(text.item_id)
            .bind(text.lang)
            .fetch_optional(&mut *connection)
            .await?;
    let folded = pattern::fold(text.text);
    let reversed = pattern::reverse(&folded);
    match existing {
        Some(current) if current == text.text => Ok(TextChange::Unchanged),
        Some(_) => {
            sqlx::query(
                "UPDATE list_item_texts SET text = $3, text_fold = $4, text_reversed = $5
                 WHERE item_id = $1 AND lang = $2",
            )
            .bind(text.item_id)
            .bind(text.lang)
            .bind(text.text)
            .bind(folded)
            .bind(reversed)
            .execute(connection)
            .await?;
            Ok(TextChange::Updated)
        }
        None => {
            sqlx::query(
                "INSERT INTO list_item_texts
                 (item_id, list_id, parent_id, lang, text, text_fold, text_reversed)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(text.item_id)
            .bind(text.list_id)
            .bind(text.parent_id)
            .bind(text.lang)
            .bind(text.text)
            .bind(folded)
            .bind(reversed)
            .execute(connection)
            .await?;
            Ok(TextChange::Inserted)
        }
    }
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
