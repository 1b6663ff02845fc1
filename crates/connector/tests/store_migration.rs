//! Opening a database written before the list search tables existed: the
//! store builds them from the stored lists, and searches find the same items.

use connector::store::pattern::{FOLD_VERSION, fold, reverse};
use connector::store::{ListImport, ListQuery, ListRow, SqliteStore, Store};
use protocol::SearchBy;
use rusqlite::{Connection, params};

/// The list tables, indexes and triggers as the store created them before
/// the search tables, without the attendee tables, which did not change.
const OLD_LIST_SCHEMA: &str = "
CREATE TABLE lists (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    default_lang TEXT NOT NULL
);
CREATE TABLE list_items (
    id INTEGER PRIMARY KEY,
    list_id INTEGER NOT NULL REFERENCES lists(id),
    parent_id INTEGER NOT NULL,
    short_code TEXT NOT NULL,
    long_code TEXT NOT NULL,
    code_fold TEXT NOT NULL,
    code_reversed TEXT NOT NULL,
    UNIQUE (list_id, long_code)
);
CREATE INDEX list_items_by_code ON list_items (list_id, parent_id, code_fold);
CREATE INDEX list_items_by_code_reversed ON list_items (list_id, parent_id, code_reversed);
CREATE TABLE list_languages (
    list_id INTEGER NOT NULL REFERENCES lists(id),
    lang TEXT NOT NULL,
    PRIMARY KEY (list_id, lang)
);
CREATE TABLE list_item_texts (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES list_items(id),
    list_id INTEGER NOT NULL,
    parent_id INTEGER NOT NULL,
    lang TEXT NOT NULL,
    text TEXT NOT NULL,
    text_fold TEXT NOT NULL,
    text_reversed TEXT NOT NULL,
    UNIQUE (item_id, lang)
);
CREATE INDEX list_item_texts_by_text ON list_item_texts (list_id, parent_id, lang, text_fold);
CREATE INDEX list_item_texts_by_text_reversed
    ON list_item_texts (list_id, parent_id, lang, text_reversed);
CREATE VIRTUAL TABLE list_item_texts_trigrams USING fts5 (
    text_fold, content = 'list_item_texts', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER list_item_texts_trigrams_insert AFTER INSERT ON list_item_texts BEGIN
    INSERT INTO list_item_texts_trigrams (rowid, text_fold) VALUES (new.id, new.text_fold);
END;
CREATE TRIGGER list_item_texts_trigrams_update AFTER UPDATE OF text_fold ON list_item_texts BEGIN
    INSERT INTO list_item_texts_trigrams (list_item_texts_trigrams, rowid, text_fold)
        VALUES ('delete', old.id, old.text_fold);
    INSERT INTO list_item_texts_trigrams (rowid, text_fold) VALUES (new.id, new.text_fold);
END;
CREATE VIRTUAL TABLE list_items_code_trigrams USING fts5 (
    code_fold, content = 'list_items', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER list_items_code_trigrams_insert AFTER INSERT ON list_items BEGIN
    INSERT INTO list_items_code_trigrams (rowid, code_fold) VALUES (new.id, new.code_fold);
END;
";

/// Items of the list `geo` as (item id, parent id, short code, long code),
/// and texts as (item id, language, text).
const ITEMS: [(i64, i64, &str, &str); 6] = [
    (1, 0, "US", "US"),
    (2, 0, "DE", "DE"),
    (3, 1, "CA", "US-CA"),
    (4, 1, "CO", "US-CO"),
    (5, 1, "NY", "US-NY"),
    (6, 2, "BY", "DE-BY"),
];
const TEXTS: [(i64, &str, &str); 8] = [
    (1, "EN", "United States"),
    (2, "EN", "Germany"),
    (2, "DE", "Deutschland"),
    (3, "EN", "California"),
    (4, "EN", "Colorado"),
    (5, "EN", "New York"),
    (6, "EN", "Bavaria"),
    (6, "DE", "Bayern"),
];

/// Writes the list `geo` into a new database with the old schema, the way
/// the old import stored it.
fn write_old_database(path: &std::path::Path) {
    let connection = Connection::open(path).expect("create database");
    connection
        .execute_batch(OLD_LIST_SCHEMA)
        .expect("old schema");
    connection
        .pragma_update(None, "user_version", FOLD_VERSION)
        .expect("fold version");
    connection
        .execute(
            "INSERT INTO lists (id, name, default_lang) VALUES (1, 'geo', 'EN')",
            [],
        )
        .expect("insert list");
    for (id, parent_id, short_code, long_code) in ITEMS {
        let folded = fold(short_code);
        connection
            .execute(
                "INSERT INTO list_items
                 (id, list_id, parent_id, short_code, long_code, code_fold, code_reversed)
                 VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    id,
                    parent_id,
                    short_code,
                    long_code,
                    folded,
                    reverse(&folded)
                ],
            )
            .expect("insert item");
    }
    for (item_id, lang, text) in TEXTS {
        let parent_id = ITEMS
            .iter()
            .find(|item| item.0 == item_id)
            .map(|item| item.1)
            .expect("item of text");
        let folded = fold(text);
        connection
            .execute(
                "INSERT INTO list_item_texts
                 (item_id, list_id, parent_id, lang, text, text_fold, text_reversed)
                 VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6)",
                params![item_id, parent_id, lang, text, folded, reverse(&folded)],
            )
            .expect("insert text");
        connection
            .execute(
                "INSERT OR IGNORE INTO list_languages (list_id, lang) VALUES (1, ?1)",
                [lang],
            )
            .expect("insert language");
    }
}

struct Fixture {
    dir: tempfile::TempDir,
    store: SqliteStore,
}

fn open_old_database() -> Fixture {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("connector.db");
    write_old_database(&path);
    let store = SqliteStore::open(&path).expect("open old database");
    Fixture { dir, store }
}

fn query(parent: &str, pattern: &str, search_by: SearchBy, lang: &str) -> ListQuery {
    ListQuery {
        list_name: "geo".into(),
        parent_long_code: parent.into(),
        query: pattern.into(),
        search_by,
        lang_code: lang.into(),
        limit: 100,
    }
}

async fn texts(store: &SqliteStore, query: ListQuery) -> Vec<String> {
    let items = store.search_list(&query).await.expect("search list");
    items.into_iter().map(|item| item.text).collect()
}

fn schema_has(store: &SqliteStore, name: &str) -> bool {
    let connection = Connection::open(store.path()).expect("open database");
    connection
        .prepare("SELECT 1 FROM sqlite_schema WHERE name = ?1")
        .and_then(|mut statement| statement.exists([name]))
        .expect("read schema")
}

#[tokio::test]
async fn migrated_prefix_search() {
    let fixture = open_old_database();

    let found = texts(&fixture.store, query("US", "c*", SearchBy::Text, "EN")).await;

    assert_eq!(found, ["California", "Colorado"]);
}

#[tokio::test]
async fn migrated_suffix_search() {
    let fixture = open_old_database();

    let found = texts(&fixture.store, query("US", "*ADO", SearchBy::Text, "EN")).await;

    assert_eq!(found, ["Colorado"]);
}

#[tokio::test]
async fn migrated_items_keep_codes() {
    let fixture = open_old_database();

    let items = fixture
        .store
        .search_list(&query("US", "new york", SearchBy::Text, "EN"))
        .await
        .expect("search list");

    assert_eq!(items.len(), 1);
    assert_eq!(items[0].code, "US-NY");
    assert_eq!(items[0].short_code, "NY");
}

#[tokio::test]
async fn migrated_contains_search() {
    let fixture = open_old_database();

    let found = texts(&fixture.store, query("US", "*lifor*", SearchBy::Text, "EN")).await;

    assert_eq!(found, ["California"]);
}

#[tokio::test]
async fn migrated_code_suffix_search() {
    let fixture = open_old_database();

    let found = texts(&fixture.store, query("US", "*o", SearchBy::Code, "EN")).await;

    assert_eq!(found, ["Colorado"]);
}

#[tokio::test]
async fn migrated_language_fallback() {
    let fixture = open_old_database();

    let first_level = texts(&fixture.store, query("", "*", SearchBy::Text, "de")).await;
    let second_level = texts(&fixture.store, query("DE", "b*", SearchBy::Text, "DE")).await;

    assert_eq!(first_level, ["Deutschland", "United States"]);
    assert_eq!(second_level, ["Bayern"]);
}

#[tokio::test]
async fn migrated_database_takes_imports() {
    let fixture = open_old_database();
    let import = ListImport {
        list_name: "geo".into(),
        default_lang: "EN".into(),
        rows: vec![ListRow {
            line: 2,
            parent: "US".into(),
            code: "CT".into(),
            text: "Connecticut".into(),
            lang: None,
        }],
    };

    fixture.store.import_list(import).await.expect("import");
    let found = texts(&fixture.store, query("US", "co*", SearchBy::Text, "EN")).await;

    assert_eq!(found, ["Colorado", "Connecticut"]);
}

#[tokio::test]
async fn migration_drops_replaced_indexes() {
    let fixture = open_old_database();

    for index in [
        "list_item_texts_by_text",
        "list_item_texts_by_text_reversed",
        "list_items_by_code",
        "list_items_by_code_reversed",
    ] {
        assert!(
            !schema_has(&fixture.store, index),
            "index {index} is still there"
        );
    }
}

#[tokio::test]
async fn migration_runs_once() {
    let fixture = open_old_database();
    let path = fixture.dir.path().join("connector.db");
    drop(fixture.store);

    let reopened = SqliteStore::open(&path).expect("reopen");
    let found = texts(&reopened, query("US", "c*", SearchBy::Text, "EN")).await;

    assert_eq!(found, ["California", "Colorado"]);
}

#[tokio::test]
async fn old_database_gets_schema_version_1() {
    let fixture = open_old_database();

    let version = fixture.store.schema_version().expect("schema version");

    assert_eq!(version, 1);
    assert!(schema_has(&fixture.store, "schema_migrations"));
    assert!(schema_has(&fixture.store, "notifications"));
}

#[tokio::test]
async fn newer_schema_version_is_rejected() {
    let fixture = open_old_database();
    let path = fixture.dir.path().join("connector.db");
    drop(fixture.store);
    let connection = Connection::open(&path).expect("open database");
    connection
        .execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 0)",
            [],
        )
        .expect("record a future version");

    let error = SqliteStore::open(&path).err().expect("opening must fail");

    let cause = std::error::Error::source(&error).map(ToString::to_string);
    let message = format!("{error}: {}", cause.unwrap_or_default());
    assert!(message.contains("schema version 99"), "{message}");
}
