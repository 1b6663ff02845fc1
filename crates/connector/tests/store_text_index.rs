//! The in-memory list text indexes: searches served from them return what
//! the SQLite search of the same snapshot returns. An index of older lists
//! serves no search after an import through the same store, nor after the
//! change check interval for an import by another process.

use connector::store::sqlite::CHANGE_CHECK_INTERVAL;
use connector::store::{ListImport, ListQuery, ListRow, SqliteStore, Store};
use protocol::{ListItem, SearchBy};

/// Words whose combinations share beginnings, endings and folded forms:
/// case variants, sharp s and its capital, accents and Greek sigma.
const WORDS: [&str; 14] = [
    "Alpha", "alpha", "ALPHA", "Alphabet", "Beta", "Bêta", "Zeta", "Straße", "STRASSE", "Ωmega",
    "Ασία", "ασία", "Port", "port",
];

const PATTERNS: [&str; 20] = [
    "*",
    "a*",
    "alp*",
    "ALPHA*",
    "alpha",
    "Alpha Beta",
    "*a",
    "*ta",
    "*eta",
    "*ASSE",
    "*sse",
    "*ία",
    "p*a",
    "a*a",
    "*l*a",
    "s*",
    "zeta port",
    "*",
    "b*",
    "q*",
];

/// Returns a deterministic mix of two-word texts, with some texts repeated
/// on several items, under the first level and under the item `P`.
fn rows() -> Vec<ListRow> {
    let mut rows = Vec::new();
    let mut seed: u64 = 7;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    rows.push(ListRow {
        line: 1,
        parent: String::new(),
        code: "P".into(),
        text: "Parent".into(),
        lang: None,
    });
    for index in 0..400 {
        let text = format!(
            "{} {}",
            WORDS[next() % WORDS.len()],
            WORDS[next() % WORDS.len()]
        );
        let parent = if index % 4 == 0 { "P" } else { "" };
        rows.push(ListRow {
            line: index as u64 + 2,
            parent: parent.into(),
            code: format!("C{:03}{}", index, ["a", "A", "x"][next() % 3]),
            text,
            lang: None,
        });
    }
    rows
}

fn list_import(rows: Vec<ListRow>) -> ListImport {
    ListImport {
        list_name: "words".into(),
        default_lang: "EN".into(),
        rows,
    }
}

fn query(parent: &str, pattern: &str, limit: usize) -> ListQuery {
    ListQuery {
        list_name: "words".into(),
        parent_long_code: parent.into(),
        query: pattern.into(),
        search_by: SearchBy::Text,
        lang_code: "EN".into(),
        limit,
    }
}

/// Returns every query the tests compare: each pattern, under both parents,
/// at limits that cut pages inside runs of equal texts.
fn queries() -> Vec<ListQuery> {
    let mut queries = Vec::new();
    for parent in ["", "P"] {
        for pattern in PATTERNS {
            for limit in [1, 2, 3, 7, 100] {
                queries.push(query(parent, pattern, limit));
            }
        }
    }
    queries
}

struct Fixture {
    _dir: tempfile::TempDir,
    /// Searches on SQLite only.
    plain: SqliteStore,
    /// Searches with text indexes.
    indexed: SqliteStore,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("connector.db");
    let plain = SqliteStore::open(&path).expect("open store");
    plain.set_text_index_budget(0);
    plain
        .import_list(list_import(rows()))
        .await
        .expect("import");
    let indexed = SqliteStore::open(&path).expect("open second store");
    Fixture {
        _dir: dir,
        plain,
        indexed,
    }
}

async fn search(store: &SqliteStore, query: &ListQuery) -> Vec<ListItem> {
    store.search_list(query).await.expect("search list")
}

/// Runs one search per group, so that the store requests their indexes,
/// and waits until they are built.
async fn build_indexes(store: &SqliteStore) {
    for parent in ["", "P"] {
        search(store, &query(parent, "a*", 1)).await;
    }
    store.wait_for_text_indexes();
}

async fn assert_same_results(fixture: &Fixture) {
    for query in queries() {
        let plain = search(&fixture.plain, &query).await;
        let indexed = search(&fixture.indexed, &query).await;
        assert_eq!(
            indexed, plain,
            "`{}` under `{}` at limit {}",
            query.query, query.parent_long_code, query.limit
        );
    }
}

#[tokio::test]
async fn text_index_built_per_group() {
    let fixture = fixture().await;

    build_indexes(&fixture.indexed).await;

    let stats = fixture.indexed.text_index_stats();
    assert_eq!(stats.groups, 2);
    assert_eq!(stats.texts, 401);
}

#[tokio::test]
async fn text_index_matches_sqlite_search() {
    let fixture = fixture().await;

    build_indexes(&fixture.indexed).await;

    assert_eq!(fixture.indexed.text_index_stats().groups, 2);
    assert_same_results(&fixture).await;
}

#[tokio::test]
async fn text_index_not_used_after_own_import() {
    let fixture = fixture().await;
    build_indexes(&fixture.indexed).await;
    let change = vec![ListRow {
        line: 2,
        parent: String::new(),
        code: "NEW".into(),
        text: "Alpha Aardvark".into(),
        lang: None,
    }];

    fixture
        .indexed
        .import_list(list_import(change))
        .await
        .expect("import");
    let found = search(&fixture.indexed, &query("", "alpha aa*", 100)).await;

    assert_eq!(found.len(), 1);
}

/// Changes two texts, one under `P` and one on the first level, through
/// the other store, and waits until the indexed store must have seen it.
async fn change_texts_elsewhere(fixture: &Fixture) {
    let mut changed = rows();
    changed[1].text = "Omega Aardvark".into();
    changed[2].text = "Alpha Aardvark".into();
    fixture
        .plain
        .import_list(list_import(changed))
        .await
        .expect("import");
    std::thread::sleep(CHANGE_CHECK_INTERVAL);
}

#[tokio::test]
async fn text_index_not_used_after_import_elsewhere() {
    let fixture = fixture().await;
    build_indexes(&fixture.indexed).await;

    change_texts_elsewhere(&fixture).await;

    assert_same_results(&fixture).await;
}

#[tokio::test]
async fn text_index_rebuilt_after_import() {
    let fixture = fixture().await;
    build_indexes(&fixture.indexed).await;
    change_texts_elsewhere(&fixture).await;

    build_indexes(&fixture.indexed).await;

    assert_eq!(fixture.indexed.text_index_stats().groups, 2);
    assert_same_results(&fixture).await;
}

#[tokio::test]
async fn text_index_over_budget_stays_on_sqlite() {
    let fixture = fixture().await;
    fixture.indexed.set_text_index_budget(1000);

    build_indexes(&fixture.indexed).await;

    assert_eq!(fixture.indexed.text_index_stats().groups, 0);
    assert_same_results(&fixture).await;
}
