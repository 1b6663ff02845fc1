//! Index use of list searches on PostgreSQL: "begins with" and "ends with"
//! searches on a list of some thousand items read an index range, and
//! "contains" searches the trigram index, not the whole table. The tests
//! skip when `CALLOUTS_TEST_POSTGRES_URL` is not set.

mod common;

use common::engines::TestDatabase;
use connector::store::{ListImport, ListQuery, ListRow, PostgresStore, Store};
use protocol::SearchBy;

const ITEMS: usize = 6_000;

/// Opens a store with the list `cities` of [`ITEMS`] first-level items,
/// whose codes and texts differ at both ends. The PostgreSQL store writes
/// them in two batches.
async fn store_with_list() -> Option<(TestDatabase, PostgresStore)> {
    let database = TestDatabase::postgres().await?;
    let store = database.open_postgres().await;
    let rows = (0..ITEMS)
        .map(|index| ListRow {
            line: index as u64 + 2,
            parent: String::new(),
            code: format!("C{index:05}X"),
            text: format!("City {index:05} Town"),
            lang: None,
        })
        .collect();
    let import = ListImport {
        list_name: "cities".to_owned(),
        default_lang: "EN".to_owned(),
        rows,
    };
    store.import_list(import).await.expect("import cities");
    Some((database, store))
}

fn query(text: &str, search_by: SearchBy) -> ListQuery {
    ListQuery {
        list_name: "cities".to_owned(),
        parent_long_code: String::new(),
        query: text.to_owned(),
        search_by,
        lang_code: "EN".to_owned(),
        limit: 25,
    }
}

/// Asserts that the plan reads the named index and scans no table in full.
fn assert_uses_index(plan: &str, index: &str) {
    assert!(
        plan.contains(index),
        "the plan does not use {index}:\n{plan}"
    );
    assert!(
        !plan.contains("Seq Scan"),
        "the plan scans a whole table:\n{plan}"
    );
}

#[tokio::test]
async fn text_prefix_search_uses_text_index() {
    let Some((_database, store)) = store_with_list().await else {
        return;
    };

    let plan = store
        .explain_search_list(&query("city 012*", SearchBy::Text))
        .await
        .unwrap();
    let found = store
        .search_list(&query("city 012*", SearchBy::Text))
        .await
        .unwrap();

    assert_uses_index(&plan, "list_item_texts_by_text ");
    assert_eq!(found.len(), 25);
    assert_eq!(found[0].text, "City 01200 Town");
}

#[tokio::test]
async fn text_suffix_search_uses_reversed_index() {
    let Some((_database, store)) = store_with_list().await else {
        return;
    };

    let plan = store
        .explain_search_list(&query("*0042 town", SearchBy::Text))
        .await
        .unwrap();
    let found = store
        .search_list(&query("*0042 town", SearchBy::Text))
        .await
        .unwrap();

    assert_uses_index(&plan, "list_item_texts_by_text_reversed");
    let texts: Vec<&str> = found.iter().map(|item| item.text.as_str()).collect();
    assert_eq!(texts, ["City 00042 Town"]);
}

#[tokio::test]
async fn code_prefix_search_uses_code_index() {
    let Some((_database, store)) = store_with_list().await else {
        return;
    };

    let plan = store
        .explain_search_list(&query("c0299*", SearchBy::Code))
        .await
        .unwrap();
    let found = store
        .search_list(&query("c0299*", SearchBy::Code))
        .await
        .unwrap();

    assert_uses_index(&plan, "list_items_by_code ");
    assert_eq!(found.len(), 10);
}

#[tokio::test]
async fn code_suffix_search_uses_reversed_index() {
    let Some((_database, store)) = store_with_list().await else {
        return;
    };

    let plan = store
        .explain_search_list(&query("*2999x", SearchBy::Code))
        .await
        .unwrap();
    let found = store
        .search_list(&query("*2999x", SearchBy::Code))
        .await
        .unwrap();

    assert_uses_index(&plan, "list_items_by_code_reversed");
    let codes: Vec<&str> = found.iter().map(|item| item.short_code.as_str()).collect();
    assert_eq!(codes, ["C02999X"]);
}

#[tokio::test]
async fn text_contains_search_uses_trigram_index() {
    let Some((_database, store)) = store_with_list().await else {
        return;
    };

    let plan = store
        .explain_search_list(&query("*0042*", SearchBy::Text))
        .await
        .unwrap();
    let found = store
        .search_list(&query("*0042*", SearchBy::Text))
        .await
        .unwrap();

    assert_uses_index(&plan, "list_item_texts_by_text_trigrams");
    let texts: Vec<&str> = found.iter().map(|item| item.text.as_str()).collect();
    let mut expected = vec!["City 00042 Town".to_owned()];
    expected.extend((0..10).map(|last| format!("City 0042{last} Town")));
    assert_eq!(texts, expected);
}

#[tokio::test]
async fn code_contains_search_uses_trigram_index() {
    let Some((_database, store)) = store_with_list().await else {
        return;
    };

    let plan = store
        .explain_search_list(&query("*0042*", SearchBy::Code))
        .await
        .unwrap();
    let found = store
        .search_list(&query("*0042*", SearchBy::Code))
        .await
        .unwrap();

    assert_uses_index(&plan, "list_items_by_code_trigrams");
    let codes: Vec<&str> = found.iter().map(|item| item.short_code.as_str()).collect();
    let mut expected = vec!["C00042X".to_owned()];
    expected.extend((0..10).map(|last| format!("C0042{last}X")));
    assert_eq!(codes, expected);
}

/// A database without the pg_trgm extension gets no trigram indexes; the
/// store opens and imports all the same, and "contains" finds the same items.
#[tokio::test]
async fn contains_search_works_without_trigram_indexes() {
    let Some((database, store)) = store_with_list().await else {
        return;
    };
    let with_index = store
        .search_list(&query("*0042*", SearchBy::Text))
        .await
        .unwrap();
    sqlx::raw_sql(
        "DROP INDEX list_item_texts_by_text_trigrams;
         DROP INDEX list_items_by_code_trigrams",
    )
    .execute(store.pool())
    .await
    .unwrap();
    store.close().await;

    let reopened = database.open_postgres().await;
    let towns = ListImport {
        list_name: "towns".to_owned(),
        default_lang: "EN".to_owned(),
        rows: vec![ListRow {
            line: 2,
            parent: String::new(),
            code: "T1".to_owned(),
            text: "Town 00042".to_owned(),
            lang: None,
        }],
    };
    reopened.import_list(towns).await.expect("import towns");
    let plan = reopened
        .explain_search_list(&query("*0042*", SearchBy::Text))
        .await
        .unwrap();
    let without_index = reopened
        .search_list(&query("*0042*", SearchBy::Text))
        .await
        .unwrap();

    assert!(!plan.contains("trigrams"), "{plan}");
    assert_eq!(without_index, with_index);
    assert_eq!(without_index.len(), 11);
}
