//! A database that only one test uses, on either store engine.

use std::path::Path;

use sqlx::Connection;

use crate::{ENGINE_VARIABLE, Engine, POSTGRES_URL_VARIABLE, TestSchema};

/// A database that only this test uses, removed when dropped, and a
/// temporary directory for the test's other files.
pub struct TestDatabase {
    pub engine: Engine,
    /// SQLite file path, or PostgreSQL URL whose connections use the schema.
    location: String,
    directory: tempfile::TempDir,
    /// Dropped with the database, which drops the schema.
    _schema: Option<TestSchema>,
}

impl TestDatabase {
    /// Places a SQLite database at `file_name` in a new temporary directory,
    /// without creating the file.
    pub fn sqlite(file_name: &str) -> TestDatabase {
        let directory = tempfile::tempdir().expect("temporary directory");
        let path = directory.path().join(file_name);
        TestDatabase {
            engine: Engine::Sqlite,
            location: path.to_str().expect("UTF-8 temporary path").to_owned(),
            directory,
            _schema: None,
        }
    }

    /// Creates a schema with a random name starting with `prefix` in the
    /// database that `CALLOUTS_TEST_POSTGRES_URL` names. Without that
    /// variable, prints that the test skips PostgreSQL and returns `None`.
    pub async fn postgres(prefix: &str) -> Option<TestDatabase> {
        let Ok(admin_url) = std::env::var(POSTGRES_URL_VARIABLE) else {
            println!("skipping PostgreSQL: {POSTGRES_URL_VARIABLE} is not set");
            return None;
        };
        Some(Self::postgres_at(&admin_url, prefix).await)
    }

    async fn postgres_at(admin_url: &str, prefix: &str) -> TestDatabase {
        let schema = TestSchema::create(admin_url, prefix).await;
        TestDatabase {
            engine: Engine::Postgres,
            location: schema.url().to_owned(),
            directory: tempfile::tempdir().expect("temporary directory"),
            _schema: Some(schema),
        }
    }

    /// Uses PostgreSQL, as [`Self::postgres`] does, when
    /// `CALLOUTS_TEST_ENGINE` is `postgres`, and then panics without
    /// `CALLOUTS_TEST_POSTGRES_URL`. Uses SQLite, as [`Self::sqlite`] does,
    /// otherwise.
    pub async fn from_environment(file_name: &str, prefix: &str) -> TestDatabase {
        if std::env::var(ENGINE_VARIABLE).is_ok_and(|engine| engine == "postgres") {
            let admin_url = std::env::var(POSTGRES_URL_VARIABLE).unwrap_or_else(|_| {
                panic!("{ENGINE_VARIABLE}=postgres requires {POSTGRES_URL_VARIABLE}")
            });
            Self::postgres_at(&admin_url, prefix).await
        } else {
            Self::sqlite(file_name)
        }
    }

    /// SQLite file path or PostgreSQL URL, as `--db` takes it.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Temporary directory for the test's other files.
    pub fn directory(&self) -> &Path {
        self.directory.path()
    }

    /// Returns every stored byte: the SQLite files in the directory
    /// (database, WAL, shared memory), or every row of every table of the
    /// PostgreSQL schema as JSON text.
    pub async fn dump(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        match self.engine {
            Engine::Sqlite => {
                for entry in std::fs::read_dir(self.directory()).expect("list database directory") {
                    let path = entry.expect("directory entry").path();
                    bytes.extend(std::fs::read(&path).unwrap_or_default());
                }
            }
            Engine::Postgres => {
                let mut connection = self.connect_postgres().await;
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT table_name::text FROM information_schema.tables \
                     WHERE table_schema = current_schema()",
                )
                .fetch_all(&mut connection)
                .await
                .expect("list tables");
                for table in tables {
                    let rows: Option<String> = sqlx::query_scalar(&format!(
                        "SELECT string_agg(row_to_json(t)::text, E'\\n') FROM {table} AS t"
                    ))
                    .fetch_one(&mut connection)
                    .await
                    .expect("read table");
                    bytes.extend(rows.unwrap_or_default().into_bytes());
                }
                let _ = connection.close().await;
            }
        }
        bytes
    }

    /// Runs SQL statements without results, such as a trigger, on the
    /// database outside any store, as an operator or a failing disk would
    /// change it.
    pub async fn execute(&self, sql: &str) {
        match self.engine {
            Engine::Sqlite => {
                let connection = rusqlite::Connection::open(&self.location).expect("open SQLite");
                connection.execute_batch(sql).expect("run SQL");
            }
            Engine::Postgres => {
                let mut connection = self.connect_postgres().await;
                sqlx::raw_sql(sql)
                    .execute(&mut connection)
                    .await
                    .expect("run SQL");
                let _ = connection.close().await;
            }
        }
    }

    /// Returns the integer that `sql`, a query of one value, selects.
    pub async fn query_count(&self, sql: &str) -> i64 {
        match self.engine {
            Engine::Sqlite => {
                let connection = rusqlite::Connection::open(&self.location).expect("open SQLite");
                connection
                    .query_row(sql, [], |row| row.get(0))
                    .expect("run query")
            }
            Engine::Postgres => {
                let mut connection = self.connect_postgres().await;
                let count = sqlx::query_scalar(sql)
                    .fetch_one(&mut connection)
                    .await
                    .expect("run query");
                let _ = connection.close().await;
                count
            }
        }
    }

    async fn connect_postgres(&self) -> sqlx::PgConnection {
        sqlx::PgConnection::connect(&self.location)
            .await
            .expect("connect to the test schema")
    }
}
