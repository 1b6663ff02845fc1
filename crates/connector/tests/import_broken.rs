//! Broken import files: each error names line, column and rule, and
//! nothing is imported, on a real store of each engine.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::engines::TestDatabase;
use connector::import::{self, CsvSource, ImportFailure};
use connector::store::Store;
use testing::engine_tests;

struct Fixture {
    store: Arc<dyn Store>,
    /// Declared last, so that the stores close before it drops the database.
    database: TestDatabase,
}

async fn fixture(database: TestDatabase) -> Fixture {
    let store = database.open().await;
    Fixture { store, database }
}

fn write_bytes(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write file");
    path
}

/// Imports `bytes` as the list `broken` and returns the row errors.
async fn list_errors(fixture: &Fixture, bytes: &[u8]) -> Vec<String> {
    let path = write_bytes(fixture.database.directory(), "list.csv", bytes);
    let source = CsvSource::open(&path).expect("open");
    let failure = import::import_list(&*fixture.store, source, "broken", "EN")
        .await
        .expect_err("import must fail");
    row_errors(failure)
}

/// Imports `bytes` as attendees and returns the row errors.
async fn attendee_errors(fixture: &Fixture, bytes: &[u8]) -> Vec<String> {
    let path = write_bytes(fixture.database.directory(), "attendees.csv", bytes);
    let source = CsvSource::open(&path).expect("open");
    let failure = import::import_attendees(&*fixture.store, source)
        .await
        .expect_err("import must fail");
    row_errors(failure)
}

fn row_errors(failure: ImportFailure) -> Vec<String> {
    match failure {
        ImportFailure::Invalid(rows) => rows.iter().map(ToString::to_string).collect(),
        other => panic!("expected row errors, got {other}"),
    }
}

async fn list_is_absent(fixture: &Fixture) -> bool {
    let names = fixture.store.list_names().await.expect("list names");
    !names.iter().any(|name| name == "broken")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("compress");
    encoder.finish().expect("finish")
}

async fn list_text_after_closing_quote(database: TestDatabase) {
    let fixture = fixture(database).await;

    let errors = list_errors(&fixture, b"parent,code,text\n,US,\"a\"b\"c\"\n").await;

    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("line 2, column `text`: "),
        "{errors:?}"
    );
    assert!(errors[0].contains("closing quote"), "{errors:?}");
    assert!(list_is_absent(&fixture).await);
}

async fn list_quote_inside_unquoted_field(database: TestDatabase) {
    let fixture = fixture(database).await;

    let errors = list_errors(&fixture, b"parent,code,text\n,US,United States\n,UK,x\"y\n").await;

    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("line 3, column `text`: "),
        "{errors:?}"
    );
    assert!(errors[0].contains("quote"), "{errors:?}");
    assert!(list_is_absent(&fixture).await);
}

async fn list_unterminated_quote(database: TestDatabase) {
    let fixture = fixture(database).await;

    let errors = list_errors(&fixture, b"parent,code,text\n,US,\"United States\n").await;

    let unclosed = errors.iter().find(|error| error.contains("not closed"));
    assert!(
        unclosed.is_some_and(|error| error.starts_with("line 2, column `text`: ")),
        "{errors:?}"
    );
    assert!(list_is_absent(&fixture).await);
}

async fn list_quoting_line_after_quoted_newline(database: TestDatabase) {
    let fixture = fixture(database).await;
    let file = b"parent,code,text\n,US,\"United\nStates\"\n,UK,x\"y\n";

    let errors = list_errors(&fixture, file).await;

    assert!(
        errors
            .iter()
            .any(|error| error.starts_with("line 4, column `text`")),
        "{errors:?}"
    );
}

async fn list_valid_quoting_is_accepted(database: TestDatabase) {
    let fixture = fixture(database).await;
    let file = "\u{feff}\"parent\",code,text\r\n,US,\"say \"\"hi\"\", Sam\"\r\n";
    let path = write_bytes(fixture.database.directory(), "list.csv", file.as_bytes());

    let source = CsvSource::open(&path).expect("open");
    let imported = import::import_list(&*fixture.store, source, "quoted", "EN").await;

    assert!(
        imported.is_ok(),
        "{:?}",
        imported.err().map(|failure| failure.to_string())
    );
}

async fn list_code_with_edge_white_space(database: TestDatabase) {
    let fixture = fixture(database).await;

    let errors = list_errors(&fixture, b"parent,code,text\n, US ,United States\n").await;

    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("line 2, column `code`: "),
        "{errors:?}"
    );
    assert!(errors[0].contains("white space"), "{errors:?}");
    assert!(list_is_absent(&fixture).await);
}

async fn list_text_with_leading_white_space(database: TestDatabase) {
    let fixture = fixture(database).await;

    let errors = list_errors(&fixture, b"parent,code,text\n,US,\tUnited States\n").await;

    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("line 2, column `text`: "),
        "{errors:?}"
    );
}

async fn list_noncharacter_in_text(database: TestDatabase) {
    let fixture = fixture(database).await;

    let errors = list_errors(
        &fixture,
        "parent,code,text\n,US,Bad \u{FFFF} text\n".as_bytes(),
    )
    .await;

    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("line 2, column `text`: "),
        "{errors:?}"
    );
    assert!(errors[0].contains("U+FFFF"), "{errors:?}");
    assert!(list_is_absent(&fixture).await);
}

async fn list_invalid_utf8_names_column(database: TestDatabase) {
    let fixture = fixture(database).await;

    let errors = list_errors(&fixture, b"parent,code,text\n,US,United \xff States\n").await;

    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("line 2, column `text`: "),
        "{errors:?}"
    );
    assert!(errors[0].contains("UTF-8"), "{errors:?}");
}

async fn list_truncated_gzip_names_line(database: TestDatabase) {
    let fixture = fixture(database).await;
    let mut csv = b"parent,code,text\n".to_vec();
    for index in 0..20_000 {
        csv.extend_from_slice(format!(",C{index},Text {index}\n").as_bytes());
    }
    let compressed = gzip(&csv);
    let truncated = &compressed[..compressed.len() / 2];

    let errors = list_errors(&fixture, truncated).await;

    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(!errors[0].starts_with("line 0,"), "{errors:?}");
    assert!(errors[0].contains("ends early"), "{errors:?}");
    assert!(list_is_absent(&fixture).await);
}

async fn attendee_text_after_closing_quote(database: TestDatabase) {
    let fixture = fixture(database).await;

    let errors = attendee_errors(
        &fixture,
        b"ExternalID,FirstName,LastName\nE1,\"Ann\"e,Lee\n",
    )
    .await;

    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("line 2, column `FirstName`: "),
        "{errors:?}"
    );
}

async fn attendee_invalid_utf8_names_column(database: TestDatabase) {
    let fixture = fixture(database).await;

    let errors =
        attendee_errors(&fixture, b"ExternalID,FirstName,LastName\nE1,Ann,L\xffee\n").await;

    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("line 2, column `LastName`: "),
        "{errors:?}"
    );
}

engine_tests!(
    list_text_after_closing_quote,
    list_quote_inside_unquoted_field,
    list_unterminated_quote,
    list_quoting_line_after_quoted_newline,
    list_valid_quoting_is_accepted,
    list_code_with_edge_white_space,
    list_text_with_leading_white_space,
    list_noncharacter_in_text,
    list_invalid_utf8_names_column,
    list_truncated_gzip_names_line,
    attendee_text_after_closing_quote,
    attendee_invalid_utf8_names_column,
);
