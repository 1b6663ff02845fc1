//! The store and CSV import, on a real database of each engine: list and
//! attendee searches, and imports.

mod common;

use std::io::Write;
use std::sync::Arc;

use common::engines::TestDatabase;
use connector::import::{self, CsvSource, ImportFailure};
use connector::store::sqlite::CHANGE_CHECK_INTERVAL;
use connector::store::{AttendeeQuery, ListQuery, Store};
use protocol::{Attendee, SearchBy};
use testing::engine_tests;

const GEO: &str = "parent,code,text,lang
,US,United States,
,DE,Germany,
,DE,Deutschland,DE
US,W,West,
US,E,East,
US-W,CA,California,
US-W,OR,Oregon,
US-W-CA,SF,San Francisco,
US-W-CA,SJ,San Jose,
US-W-CA,SD,San Diego,
US-W-CA,LA,Los Angeles,
US-W-CA,SAC,Sacramento,
US-W-CA,PAS,Pasadena,
US-W-OR,SAL,Salem,
DE,BE,Berlin,
DE,BY,Bavaria,
DE,BY,Bayern,DE
";

const ATTENDEES: &str = "ExternalID,FirstName,MiddleInitial,LastName,Suffix,Company,AttendeeTypeCode,Title,Custom1,Custom14,OwnerLoginID
EXT-0001,John,Q,Doe,,Acme Corporation,BUSGUEST,CFO,,,
EXT-0002,Jane,,Doe,,Globex,BUSGUEST,,,,
EXT-0003,Seán,,O'Brien,,Smith & Sons,BUSGUEST,,,,alice@example.com
EXT-0004,Gregory,,House,,Princeton Plainsboro,HCP,MD,,1234567893,
EXT-0005,Johnny,,Doerr,,Acme Labs,SPOUSE,,blue,,
";

struct Fixture {
    store: Arc<dyn Store>,
    dir_path: std::path::PathBuf,
    /// Declared last, so that the stores close before it drops the database.
    database: TestDatabase,
}

fn write_file(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let mut file = std::fs::File::create(&path).expect("create file");
    file.write_all(text.as_bytes()).expect("write file");
    path
}

async fn fixture(database: TestDatabase) -> Fixture {
    let store = database.open().await;
    let dir_path = database.directory().to_path_buf();
    let geo = write_file(&dir_path, "geo.csv", GEO);
    let attendees = write_file(&dir_path, "attendees.csv", ATTENDEES);
    import::import_list(&*store, CsvSource::open(&geo).expect("open"), "geo", "EN")
        .await
        .expect("import geo");
    import::import_attendees(&*store, CsvSource::open(&attendees).expect("open"))
        .await
        .expect("import attendees");
    Fixture { store, dir_path, database }
}

fn list_query(parent: &str, query: &str, search_by: SearchBy) -> ListQuery {
    ListQuery {
        list_name: "geo".into(),
        parent_long_code: parent.into(),
        query: query.into(),
        search_by,
        lang_code: "EN".into(),
        limit: 100,
    }
}

async fn texts(store: &dyn Store, query: ListQuery) -> Vec<String> {
    store
        .search_list(&query)
        .await
        .expect("search list")
        .into_iter()
        .map(|item| item.text)
        .collect()
}

async fn list_connected_prefix_under_parent(database: TestDatabase) {
    let fixture = fixture(database).await;
    let items = fixture
        .store
        .search_list(&list_query("US-W-CA", "San*", SearchBy::Text))
        .await
        .expect("search");
    let codes: Vec<&str> = items.iter().map(|item| item.code.as_str()).collect();
    assert_eq!(codes, ["US-W-CA-SD", "US-W-CA-SF", "US-W-CA-SJ"]);
    assert_eq!(items[1].short_code, "SF");
    assert_eq!(items[1].text, "San Francisco");
    assert_eq!(items[1].match_value, "San Francisco");
}

async fn list_prefix_is_case_insensitive(database: TestDatabase) {
    let fixture = fixture(database).await;
    let found = texts(&*fixture.store, list_query("US-W-CA", "sAN f*", SearchBy::Text)).await;
    assert_eq!(found, ["San Francisco"]);
}

async fn list_suffix_wildcard(database: TestDatabase) {
    let fixture = fixture(database).await;
    let found = texts(&*fixture.store, list_query("US-W-CA", "*co", SearchBy::Text)).await;
    assert_eq!(found, ["San Francisco"]);
}

async fn list_contains_wildcard_uses_trigrams_and_short_scan(database: TestDatabase) {
    let fixture = fixture(database).await;
    let long = texts(&*fixture.store, list_query("US-W-CA", "*ang*", SearchBy::Text)).await;
    assert_eq!(long, ["Los Angeles"]);
    let short = texts(&*fixture.store, list_query("US-W-CA", "*an*", SearchBy::Text)).await;
    assert_eq!(short, ["Los Angeles", "San Diego", "San Francisco", "San Jose"]);
}

async fn list_exact_without_wildcard(database: TestDatabase) {
    let fixture = fixture(database).await;
    assert_eq!(texts(&*fixture.store, list_query("US-W-CA", "san jose", SearchBy::Text)).await, ["San Jose"]);
    assert!(texts(&*fixture.store, list_query("US-W-CA", "San", SearchBy::Text)).await.is_empty());
}

async fn list_star_alone_returns_all_children(database: TestDatabase) {
    let fixture = fixture(database).await;
    let found = texts(&*fixture.store, list_query("US-W-CA", "*", SearchBy::Text)).await;
    assert_eq!(found.len(), 6);
    let first_level = texts(&*fixture.store, list_query("", "*", SearchBy::Text)).await;
    assert_eq!(first_level, ["Germany", "United States"]);
}

async fn list_search_by_code(database: TestDatabase) {
    let fixture = fixture(database).await;
    let items = fixture
        .store
        .search_list(&list_query("US-W-CA", "S*", SearchBy::Code))
        .await
        .expect("search");
    let codes: Vec<&str> = items.iter().map(|item| item.short_code.as_str()).collect();
    assert_eq!(codes, ["SAC", "SD", "SF", "SJ"]);
    assert_eq!(items[0].match_value, "SAC");
    assert_eq!(items[0].text, "Sacramento");
}

async fn list_limit_respected(database: TestDatabase) {
    let fixture = fixture(database).await;
    let mut query = list_query("US-W-CA", "*", SearchBy::Text);
    query.limit = 2;
    assert_eq!(texts(&*fixture.store, query).await.len(), 2);
}

async fn list_language_falls_back_to_default(database: TestDatabase) {
    let fixture = fixture(database).await;
    let mut query = list_query("DE", "*", SearchBy::Text);
    query.lang_code = "de".into();
    // Bavaria has a German text; Berlin has only the default one.
    assert_eq!(texts(&*fixture.store, query.clone()).await, ["Bayern", "Berlin"]);
    query.lang_code = "FR".into();
    assert_eq!(texts(&*fixture.store, query).await, ["Bavaria", "Berlin"]);
}

async fn list_search_by_code_text_in_language(database: TestDatabase) {
    let fixture = fixture(database).await;
    let mut query = list_query("DE", "B*", SearchBy::Code);
    query.lang_code = "DE".into();

    let found = texts(&*fixture.store, query).await;

    // Bavaria has a German text; Berlin falls back to the default one.
    assert_eq!(found, ["Berlin", "Bayern"]);
}

async fn list_unknown_parent_is_empty(database: TestDatabase) {
    let fixture = fixture(database).await;
    assert!(texts(&*fixture.store, list_query("US-X", "*", SearchBy::Text)).await.is_empty());
}

async fn list_unknown_list_is_an_error(database: TestDatabase) {
    let fixture = fixture(database).await;
    let mut query = list_query("", "*", SearchBy::Text);
    query.list_name = "nope".into();
    assert!(fixture.store.search_list(&query).await.is_err());
}

async fn list_names_include_new_import(database: TestDatabase) {
    let fixture = fixture(database).await;
    let path = write_file(&fixture.dir_path, "colors.csv", "parent,code,text\n,R,Red\n");
    assert!(fixture.store.list_names().await.expect("names").contains(&"geo".to_owned()));

    import::import_list(&*fixture.store, CsvSource::open(&path).expect("open"), "colors", "EN")
        .await
        .expect("import");

    let names = fixture.store.list_names().await.expect("names");
    assert_eq!(names[..], ["geo", "colors"]);
}

/// Opens a second store on the fixture's database, as another process would.
async fn second_store(fixture: &Fixture) -> Arc<dyn Store> {
    fixture.database.open().await
}

async fn list_search_sees_list_imported_elsewhere(database: TestDatabase) {
    let fixture = fixture(database).await;
    let other = second_store(&fixture).await;
    let path = write_file(&fixture.dir_path, "colors.csv", "parent,code,text\n,R,Red\n");
    let mut query = list_query("", "r*", SearchBy::Text);
    query.list_name = "colors".into();
    assert!(fixture.store.search_list(&query).await.is_err());

    import::import_list(&*other, CsvSource::open(&path).expect("open"), "colors", "EN")
        .await
        .expect("import");

    assert_eq!(texts(&*fixture.store, query).await, ["Red"]);
}

async fn list_names_see_import_elsewhere_after_interval(database: TestDatabase) {
    let fixture = fixture(database).await;
    let other = second_store(&fixture).await;
    let path = write_file(&fixture.dir_path, "colors.csv", "parent,code,text\n,R,Red\n");
    assert_eq!(fixture.store.list_names().await.expect("names")[..], ["geo"]);

    import::import_list(&*other, CsvSource::open(&path).expect("open"), "colors", "EN")
        .await
        .expect("import");
    std::thread::sleep(CHANGE_CHECK_INTERVAL);

    let names = fixture.store.list_names().await.expect("names");
    assert_eq!(names[..], ["geo", "colors"]);
}

async fn list_language_imported_elsewhere_is_searched(database: TestDatabase) {
    let fixture = fixture(database).await;
    let other = second_store(&fixture).await;
    let path = write_file(&fixture.dir_path, "french.csv", "parent,code,text,lang\nDE,BY,Bavière,FR\n");
    let mut query = list_query("DE", "*", SearchBy::Text);
    query.lang_code = "FR".into();
    assert_eq!(texts(&*fixture.store, query.clone()).await, ["Bavaria", "Berlin"]);

    import::import_list(&*other, CsvSource::open(&path).expect("open"), "geo", "EN")
        .await
        .expect("import");

    assert_eq!(texts(&*fixture.store, query).await, ["Bavière", "Berlin"]);
}

fn attendee_query(edit: impl FnOnce(&mut Attendee)) -> AttendeeQuery {
    let mut criteria = Attendee {
        custom: vec![String::new(); 25],
        ..Attendee::default()
    };
    edit(&mut criteria);
    AttendeeQuery {
        criteria,
        owner_login_id: None,
        limit: 100,
        custom_field_count: 25,
    }
}

async fn external_ids(store: &dyn Store, query: AttendeeQuery) -> Vec<String> {
    store
        .search_attendees(&query)
        .await
        .expect("search attendees")
        .into_iter()
        .map(|attendee| attendee.external_id)
        .collect()
}

async fn attendee_and_rule_excludes_other_company(database: TestDatabase) {
    let fixture = fixture(database).await;
    let found = external_ids(
        &*fixture.store,
        attendee_query(|a| {
            a.last_name = "Doe".into();
            a.company = "Acme".into();
        }),
    )
    .await;
    assert_eq!(found, ["EXT-0001", "EXT-0005"]);
}

async fn attendee_begins_with_case_insensitive(database: TestDatabase) {
    let fixture = fixture(database).await;
    let found = external_ids(&*fixture.store, attendee_query(|a| a.last_name = "doe".into())).await;
    assert_eq!(found, ["EXT-0002", "EXT-0001", "EXT-0005"]);
}

async fn attendee_wildcard_inside_value(database: TestDatabase) {
    let fixture = fixture(database).await;
    let found = external_ids(&*fixture.store, attendee_query(|a| a.last_name = "O*ien".into())).await;
    assert_eq!(found, ["EXT-0003"]);
}

async fn attendee_type_code_is_exact(database: TestDatabase) {
    let fixture = fixture(database).await;
    let hcp = external_ids(&*fixture.store, attendee_query(|a| a.attendee_type_code = "HCP".into())).await;
    assert_eq!(hcp, ["EXT-0004"]);
    let partial = external_ids(&*fixture.store, attendee_query(|a| a.attendee_type_code = "HC".into())).await;
    assert!(partial.is_empty());
}

async fn attendee_custom_field_criterion(database: TestDatabase) {
    let fixture = fixture(database).await;
    let found = external_ids(&*fixture.store, attendee_query(|a| a.custom[13] = "123456".into())).await;
    assert_eq!(found, ["EXT-0004"]);
}

async fn attendee_owner_scope(database: TestDatabase) {
    let fixture = fixture(database).await;
    let mut query = attendee_query(|_| {});
    query.owner_login_id = Some("alice@example.com".into());
    assert_eq!(external_ids(&*fixture.store, query).await, ["EXT-0003"]);
}

async fn attendee_limit_and_custom_count(database: TestDatabase) {
    let fixture = fixture(database).await;
    let mut query = attendee_query(|a| a.last_name = "D".into());
    query.limit = 1;
    query.custom_field_count = 20;
    let found = fixture.store.search_attendees(&query).await.expect("search");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].custom.len(), 20);
}

async fn attendee_non_ascii_and_entities_survive(database: TestDatabase) {
    let fixture = fixture(database).await;
    let found = fixture
        .store
        .search_attendees(&attendee_query(|a| a.first_name = "SEÁN".into()))
        .await
        .expect("search");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].company, "Smith & Sons");
}

fn rejected(failure: ImportFailure) -> Vec<String> {
    match failure {
        ImportFailure::Invalid(rows) => rows.iter().map(ToString::to_string).collect(),
        other => panic!("expected row errors, got {other}"),
    }
}

async fn import_list_rejects_dash_in_code_and_changes_nothing(database: TestDatabase) {
    let fixture = fixture(database).await;
    let path = write_file(&fixture.dir_path, "bad.csv", "parent,code,text\n,NEW,New item\n,A-B,Bad\n");
    let failure = import::import_list(&*fixture.store, CsvSource::open(&path).expect("open"), "geo", "EN")
        .await
        .expect_err("must fail");
    let errors = rejected(failure);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].starts_with("line 3, column `code`"), "{}", errors[0]);
    let first_level = texts(&*fixture.store, list_query("", "*", SearchBy::Text)).await;
    assert_eq!(first_level, ["Germany", "United States"]);
}

async fn import_list_rejects_missing_parent(database: TestDatabase) {
    let fixture = fixture(database).await;
    let path = write_file(&fixture.dir_path, "orphan.csv", "parent,code,text\nUS-Z,X,Orphan\n");
    let failure = import::import_list(&*fixture.store, CsvSource::open(&path).expect("open"), "geo", "EN")
        .await
        .expect_err("must fail");
    let errors = rejected(failure);
    assert!(errors[0].contains("column `parent`"), "{}", errors[0]);
}

async fn import_list_reports_each_rule(database: TestDatabase) {
    let fixture = fixture(database).await;
    let long_text = "x".repeat(129);
    let text = format!("parent,code,text\n,,Empty code\n,OK,{long_text}\n,OK2,Fine,extra\n");
    let path = write_file(&fixture.dir_path, "rules.csv", &text);
    let failure = import::import_list(&*fixture.store, CsvSource::open(&path).expect("open"), "other", "EN")
        .await
        .expect_err("must fail");
    let errors = rejected(failure);
    assert!(errors.iter().any(|e| e.starts_with("line 2, column `code`: must not be empty")), "{errors:?}");
    assert!(errors.iter().any(|e| e.starts_with("line 3, column `text`: 129 characters")), "{errors:?}");
    assert!(errors.iter().any(|e| e.starts_with("line 4") && e.contains("expected 3 fields")), "{errors:?}");
    assert!(!fixture.store.list_names().await.expect("names").contains(&"other".to_owned()));
}

async fn import_list_upserts_by_code_path(database: TestDatabase) {
    let fixture = fixture(database).await;
    let path = write_file(&fixture.dir_path, "rename.csv", "parent,code,text\nUS-W-CA,SF,San Francisco City\n");
    let summary = import::import_list(&*fixture.store, CsvSource::open(&path).expect("open"), "geo", "EN")
        .await
        .expect("import");
    assert_eq!(summary.updated, 1);
    assert_eq!(summary.inserted, 0);
    let found = texts(&*fixture.store, list_query("US-W-CA", "San F*", SearchBy::Text)).await;
    assert_eq!(found, ["San Francisco City"]);
}

async fn import_list_counts_only_changes(database: TestDatabase) {
    let fixture = fixture(database).await;
    let geo = write_file(&fixture.dir_path, "geo.csv", GEO);
    let french = write_file(&fixture.dir_path, "french.csv", "parent,code,text,lang\nDE,BY,Bavière,FR\n");

    let again = import::import_list(&*fixture.store, CsvSource::open(&geo).expect("open"), "geo", "EN")
        .await
        .expect("import again");
    let added = import::import_list(&*fixture.store, CsvSource::open(&french).expect("open"), "geo", "EN")
        .await
        .expect("import French");

    assert_eq!((again.inserted, again.updated), (0, 0));
    assert_eq!((added.inserted, added.updated), (1, 0));
}

async fn import_list_reads_gzip(database: TestDatabase) {
    let fixture = fixture(database).await;
    let path = fixture.dir_path.join("airports.csv.gz");
    let file = std::fs::File::create(&path).expect("create");
    let mut encoder = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    encoder.write_all(b"parent,code,text\n,SFO,San Francisco International\n").expect("write");
    encoder.finish().expect("finish");
    import::import_list(&*fixture.store, CsvSource::open(&path).expect("open"), "airports", "EN")
        .await
        .expect("import");
    let mut query = list_query("", "SFO", SearchBy::Code);
    query.list_name = "airports".into();
    assert_eq!(texts(&*fixture.store, query).await, ["San Francisco International"]);
}

async fn import_attendees_rejects_response_rules_atomically(database: TestDatabase) {
    let fixture = fixture(database).await;
    let long_id = "X".repeat(33);
    let text = format!(
        "ExternalID,FirstName,LastName\nNEW-1,Ann,Able\n{long_id},Bob,Baker\nNEW-3,,Carter\nNEW-1,Dup,Dupe\n"
    );
    let path = write_file(&fixture.dir_path, "bad-attendees.csv", &text);
    let failure = import::import_attendees(&*fixture.store, CsvSource::open(&path).expect("open"))
        .await
        .expect_err("must fail");
    let errors = rejected(failure);
    assert!(errors.iter().any(|e| e.starts_with("line 3, column `ExternalID`")), "{errors:?}");
    assert!(errors.iter().any(|e| e.starts_with("line 4, column `FirstName`")), "{errors:?}");
    assert!(errors.iter().any(|e| e.starts_with("line 5, column `ExternalID`: duplicate of line 2")), "{errors:?}");
    let found = external_ids(&*fixture.store, attendee_query(|a| a.last_name = "Able".into())).await;
    assert!(found.is_empty());
}

async fn import_attendees_rejects_unknown_column(database: TestDatabase) {
    let fixture = fixture(database).await;
    let path = write_file(&fixture.dir_path, "header.csv", "ExternalID,FirstName,LastName,Nickname\nA,B,C,D\n");
    let failure = import::import_attendees(&*fixture.store, CsvSource::open(&path).expect("open"))
        .await
        .expect_err("must fail");
    let errors = rejected(failure);
    assert!(errors[0].starts_with("line 1, column `Nickname`: unknown column"), "{errors:?}");
}

async fn import_attendees_upserts_by_external_id(database: TestDatabase) {
    let fixture = fixture(database).await;
    let path = write_file(&fixture.dir_path, "update.csv", "ExternalID,FirstName,LastName,Company\nEXT-0002,Jane,Doe,Initech\n");
    let summary = import::import_attendees(&*fixture.store, CsvSource::open(&path).expect("open"))
        .await
        .expect("import");
    assert_eq!(summary.updated, 1);
    let found = fixture
        .store
        .search_attendees(&attendee_query(|a| a.company = "Initech".into()))
        .await
        .expect("search");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].external_id, "EXT-0002");
}

engine_tests!(
    list_connected_prefix_under_parent,
    list_prefix_is_case_insensitive,
    list_suffix_wildcard,
    list_contains_wildcard_uses_trigrams_and_short_scan,
    list_exact_without_wildcard,
    list_star_alone_returns_all_children,
    list_search_by_code,
    list_limit_respected,
    list_language_falls_back_to_default,
    list_search_by_code_text_in_language,
    list_unknown_parent_is_empty,
    list_unknown_list_is_an_error,
    list_names_include_new_import,
    list_search_sees_list_imported_elsewhere,
    list_names_see_import_elsewhere_after_interval,
    list_language_imported_elsewhere_is_searched,
    attendee_and_rule_excludes_other_company,
    attendee_begins_with_case_insensitive,
    attendee_wildcard_inside_value,
    attendee_type_code_is_exact,
    attendee_custom_field_criterion,
    attendee_owner_scope,
    attendee_limit_and_custom_count,
    attendee_non_ascii_and_entities_survive,
    import_list_rejects_dash_in_code_and_changes_nothing,
    import_list_rejects_missing_parent,
    import_list_reports_each_rule,
    import_list_upserts_by_code_path,
    import_list_counts_only_changes,
    import_list_reads_gzip,
    import_attendees_rejects_response_rules_atomically,
    import_attendees_rejects_unknown_column,
    import_attendees_upserts_by_external_id,
);
