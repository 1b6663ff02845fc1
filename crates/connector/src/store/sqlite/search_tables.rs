//! Creating the list search tables, and filling them in databases written before they existed.

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

const SEARCH_TABLES: &str = include_str!("search_tables.sql");

/// Indexes of earlier versions that the search tables replace. Searches no
/// longer read them, and each one costs time on every import.
const REPLACED_INDEXES: [&str; 4] = [
    "list_item_texts_by_text",
    "list_item_texts_by_text_reversed",
    "list_items_by_code",
    "list_items_by_code_reversed",
];

const FILL_TEXT_KEYS: &str = "
    INSERT INTO list_text_keys
        (list_id, parent_id, lang, text_fold, text_id, item_id, text, short_code, long_code)
    SELECT t.list_id, t.parent_id, t.lang, t.text_fold, t.id, t.item_id, t.text,
           i.short_code, i.long_code
    FROM list_item_texts t JOIN list_items i ON i.id = t.item_id
    ORDER BY t.list_id, t.parent_id, t.lang, t.text_fold, t.id";

const FILL_TEXT_REVERSED_KEYS: &str = "
    INSERT INTO list_text_reversed_keys
        (list_id, parent_id, lang, text_reversed, text_id, item_id, text_fold, text,
         short_code, long_code)
    SELECT t.list_id, t.parent_id, t.lang, t.text_reversed, t.id, t.item_id, t.text_fold,
           t.text, i.short_code, i.long_code
    FROM list_item_texts t JOIN list_items i ON i.id = t.item_id
    ORDER BY t.list_id, t.parent_id, t.lang, t.text_reversed, t.id";

/// Creates the search tables, their triggers and the code indexes when the
/// database has no search tables yet, and fills them from the list tables,
/// all in one transaction. A new database gets empty tables. Their presence
/// is checked again inside the write transaction, so that of two processes
/// opening the same file only the first creates them.
pub(super) fn create_if_missing(connection: &mut Connection) -> Result<(), StoreError> {
    if exist(connection)? {
        return Ok(());
    }
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if !exist(&transaction)? {
        transaction.execute_batch(SEARCH_TABLES)?;
        // Inserting in key order appends to the B-trees instead of
        // splitting pages all over them.
        let texts = transaction.execute(FILL_TEXT_KEYS, [])?;
        transaction.execute(FILL_TEXT_REVERSED_KEYS, [])?;
        for index in REPLACED_INDEXES {
            transaction.execute_batch(&format!("DROP INDEX IF EXISTS {index};"))?;
        }
        if texts > 0 {
            tracing::info!(texts, "built the list search tables from the stored lists");
        }
    }
    transaction.commit()?;
    Ok(())
}

fn exist(connection: &Connection) -> Result<bool, StoreError> {
    let mut statement = connection
        .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'list_text_keys'")?;
    Ok(statement.exists([])?)
}
