//! Test databases on each store engine: a SQLite file in a temporary
//! directory, or a fresh schema in the PostgreSQL database that
//! `CALLOUTS_TEST_POSTGRES_URL` names, such as
//! `postgres://postgres@127.0.0.1:5432/test`.

use std::path::Path;
use std::sync::Arc;

use host::store::{HostStore, PostgresHostStore, SqliteHostStore};
use sqlx::Connection;

/// Names the PostgreSQL database that tests create their schemas in.
pub const POSTGRES_URL_VARIABLE: &str = "CALLOUTS_TEST_POSTGRES_URL";

/// `postgres` makes [`TestDatabase::from_environment`], and so every test
/// host, use PostgreSQL; anything else, or no value, SQLite.
pub const ENGINE_VARIABLE: &str = "CALLOUTS_TEST_ENGINE";

/// Defines, for each named async function taking a [`TestDatabase`], a
/// module of the same name with two tests: `sqlite`, and `postgres`, which
/// prints that it skips when `CALLOUTS_TEST_POSTGRES_URL` is not set.
#[macro_export]
macro_rules! engine_tests {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::common::engines::TestDatabase::sqlite()).await;
            }

            #[tokio::test]
            async fn postgres() {
                if let Some(database) = $crate::common::engines::TestDatabase::postgres().await {
                    super::$name(database).await;
                }
            }
        }
    )+};
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A database that only this test uses, removed when dropped, and a
/// temporary directory for the test's other files.
pub struct TestDatabase {
    pub engine: Engine,
    /// SQLite file path, or PostgreSQL URL whose connections use the schema.
    location: String,
    directory: tempfile::TempDir,
    schema: Option<Schema>,
}

impl TestDatabase {
    pub fn sqlite() -> TestDatabase {
        let directory = tempfile::tempdir().expect("temporary directory");
        let path = directory.path().join("host.db");
        TestDatabase {
            engine: Engine::Sqlite,
            location: path.to_str().expect("UTF-8 temporary path").to_owned(),
            directory,
            schema: None,
        }
    }

    /// Creates a schema with a random name in the database that
    /// `CALLOUTS_TEST_POSTGRES_URL` names. Without that variable, prints
    /// that the test skips PostgreSQL and returns `None`.
    pub async fn postgres() -> Option<TestDatabase> {
        let Ok(admin_url) = std::env::var(POSTGRES_URL_VARIABLE) else {
            println!("skipping PostgreSQL: {POSTGRES_URL_VARIABLE} is not set");
            return None;
        };
        Some(Self::postgres_at(admin_url).await)
    }

    async fn postgres_at(admin_url: String) -> TestDatabase {
        let name = format!("callouts_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|error| panic!("connect to {POSTGRES_URL_VARIABLE}: {error}"));
        sqlx::query(&format!("CREATE SCHEMA {name}"))
            .execute(&mut admin)
            .await
            .expect("create test schema");
        let _ = admin.close().await;

        let mut url = url::Url::parse(&admin_url).expect("valid PostgreSQL URL");
        url.query_pairs_mut()
            .append_pair("options", &format!("-c search_path={name}"))
            // Names this test's connections, so that dropping the schema
            // can end the ones a still running host keeps open.
            .append_pair("application_name", &name);
        TestDatabase {
            engine: Engine::Postgres,
            location: url.to_string(),
            directory: tempfile::tempdir().expect("temporary directory"),
            schema: Some(Schema { admin_url, name }),
        }
    }

    /// Uses PostgreSQL when `CALLOUTS_TEST_ENGINE` is `postgres`, and then
    /// requires `CALLOUTS_TEST_POSTGRES_URL`; SQLite otherwise.
    pub async fn from_environment() -> TestDatabase {
        if std::env::var(ENGINE_VARIABLE).is_ok_and(|engine| engine == "postgres") {
            let admin_url = std::env::var(POSTGRES_URL_VARIABLE).unwrap_or_else(|_| {
                panic!("{ENGINE_VARIABLE}=postgres requires {POSTGRES_URL_VARIABLE}")
            });
            Self::postgres_at(admin_url).await
        } else {
            Self::sqlite()
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

    /// Opens a store on the database; each call opens another one, as
    /// another host process or instance would.
    pub async fn open(&self) -> Arc<dyn HostStore> {
        match self.engine {
            Engine::Sqlite => Arc::new(self.open_sqlite()),
            Engine::Postgres => Arc::new(self.open_postgres().await),
        }
    }

    /// Opens a SQLite store; panics on a PostgreSQL database.
    pub fn open_sqlite(&self) -> SqliteHostStore {
        assert_eq!(self.engine, Engine::Sqlite, "not a SQLite test database");
        SqliteHostStore::open(&self.location).expect("open SQLite store")
    }

    /// Opens a PostgreSQL store; panics on a SQLite database.
    pub async fn open_postgres(&self) -> PostgresHostStore {
        assert_eq!(
            self.engine,
            Engine::Postgres,
            "not a PostgreSQL test database"
        );
        PostgresHostStore::open(&self.location)
            .await
            .expect("open PostgreSQL store")
    }
}

impl TestDatabase {
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
            }
        }
        bytes
    }

    /// Runs SQL statements without results, such as a trigger, on the database.
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
                sqlx::query_scalar(sql)
                    .fetch_one(&mut connection)
                    .await
                    .expect("run query")
            }
        }
    }

    async fn connect_postgres(&self) -> sqlx::PgConnection {
        sqlx::PgConnection::connect(&self.location)
            .await
            .expect("connect to the test schema")
    }
}

/// A test schema, dropped with everything in it when the test ends.
struct Schema {
    admin_url: String,
    name: String,
}

impl Drop for Schema {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let statement = format!("DROP SCHEMA {} CASCADE", self.name);
        let name = self.name.clone();
        // Drop cannot await, and the test's runtime may be the current
        // thread, so a thread with its own runtime runs the statement.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
                // A connection that a failed test left inside a transaction
                // may hold locks; fail rather than wait for them forever.
                sqlx::query("SET lock_timeout = '10s'")
                    .execute(&mut admin)
                    .await?;
                // The test's runtime is blocked in this drop, so a host task
                // inside a transaction would keep its locks until the
                // timeout. Only this test's connections carry the name.
                sqlx::query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE application_name = $1 AND pid <> pg_backend_pid()",
                )
                .bind(&name)
                .execute(&mut admin)
                .await?;
                sqlx::query(&statement).execute(&mut admin).await?;
                admin.close().await?;
                Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("failed to drop test schema {}: {error}", self.name),
            Err(_) => eprintln!(
                "failed to drop test schema {}: the thread panicked",
                self.name
            ),
        }
    }
}
