//! `callouts connector migrate`, and the connector commands on a
//! PostgreSQL URL. The PostgreSQL test skips when
//! `CALLOUTS_TEST_POSTGRES_URL` is not set.

mod common;

use common::*;
use sqlx::Connection;

const POSTGRES_URL_VARIABLE: &str = "CALLOUTS_TEST_POSTGRES_URL";

#[test]
fn migrate_sqlite_prints_schema_version() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = dir.path().join("connector.db");

    let first = succeed(callouts().args(["connector", "migrate", "--db"]).arg(&db));
    let again = succeed(callouts().args(["connector", "migrate", "--db"]).arg(&db));

    assert!(
        stdout(&first).contains(": schema version 1"),
        "{}",
        stdout(&first)
    );
    assert!(
        stdout(&again).contains(": schema version 1"),
        "{}",
        stdout(&again)
    );
    assert!(db.exists());
}

#[test]
fn migrate_unreachable_postgres_hides_password() {
    // Nothing listens on port 1 of loopback, so the connection is refused.
    let url = "postgres://app:s3cret-password@127.0.0.1:1/callouts";

    let output = run(callouts().args(["connector", "migrate", "--db", url]));

    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("127.0.0.1:1/callouts"), "{message}");
    assert!(message.contains("refused"), "{message}");
    assert!(!message.contains("s3cret-password"), "{message}");
}

/// Runs SQL on the PostgreSQL test database.
fn execute(admin_url: &str, sql: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("build runtime");
    runtime.block_on(async {
        let mut connection = sqlx::PgConnection::connect(admin_url)
            .await
            .expect("connect");
        sqlx::raw_sql(sql)
            .execute(&mut connection)
            .await
            .expect("run SQL");
        connection.close().await.expect("close");
    });
}

/// Drops the test schema even when the test fails.
struct Schema<'a> {
    admin_url: &'a str,
    name: String,
}

impl Drop for Schema<'_> {
    fn drop(&mut self) {
        execute(
            self.admin_url,
            &format!("DROP SCHEMA {} CASCADE", self.name),
        );
    }
}

#[test]
fn connector_commands_accept_postgres_url() {
    let Ok(admin_url) = std::env::var(POSTGRES_URL_VARIABLE) else {
        println!("skipping PostgreSQL: {POSTGRES_URL_VARIABLE} is not set");
        return;
    };
    let name = format!("connector_test_{}", uuid::Uuid::new_v4().simple());
    execute(&admin_url, &format!("CREATE SCHEMA {name}"));
    let _schema = Schema {
        admin_url: &admin_url,
        name: name.clone(),
    };
    let separator = if admin_url.contains('?') { '&' } else { '?' };
    let url = format!("{admin_url}{separator}options=-c%20search_path%3D{name}");
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = write(
        dir.path(),
        "geo.csv",
        "parent,code,text\n,US,United States\n",
    );

    let migrated = succeed(callouts().args(["connector", "migrate", "--db", &url]));
    let imported = succeed(
        callouts()
            .args(["connector", "import", "list", "--name", "geo", "--db", &url])
            .arg(&file),
    );
    let listed = succeed(callouts().args(["connector", "notifications", "list", "--db", &url]));

    assert!(
        stdout(&migrated).contains(": schema version 2"),
        "{}",
        stdout(&migrated)
    );
    assert!(
        stdout(&imported).contains("1 inserted, 0 updated"),
        "{}",
        stdout(&imported)
    );
    assert!(
        stdout(&listed).starts_with("ID\tSTATUS"),
        "{}",
        stdout(&listed)
    );
}
