//! Test databases on each store engine, as `testing` makes them, that open
//! connector stores.

use std::ops::Deref;
use std::sync::Arc;

use connector::store::{PostgresStore, SqliteStore, Store};
pub use testing::Engine;
use testing::EngineDatabase;

/// A database that only this test uses, removed when dropped, and a
/// temporary directory for the test's other files.
pub struct TestDatabase(testing::TestDatabase);

impl EngineDatabase for TestDatabase {
    const SQLITE_FILE_NAME: &'static str = "connector.db";
    const SCHEMA_PREFIX: &'static str = "connector_test";
}

impl From<testing::TestDatabase> for TestDatabase {
    fn from(database: testing::TestDatabase) -> TestDatabase {
        TestDatabase(database)
    }
}

impl Deref for TestDatabase {
    type Target = testing::TestDatabase;

    fn deref(&self) -> &testing::TestDatabase {
        &self.0
    }
}

impl TestDatabase {
    pub fn sqlite() -> TestDatabase {
        TestDatabase(testing::TestDatabase::sqlite(Self::SQLITE_FILE_NAME))
    }

    /// A schema in the database that `CALLOUTS_TEST_POSTGRES_URL` names, or
    /// `None` when that variable is not set.
    pub async fn postgres() -> Option<TestDatabase> {
        let database = testing::TestDatabase::postgres(Self::SCHEMA_PREFIX).await;
        database.map(TestDatabase)
    }

    /// PostgreSQL when `CALLOUTS_TEST_ENGINE` is `postgres`, so that the
    /// server tests run on it; SQLite otherwise.
    pub async fn from_environment() -> TestDatabase {
        let database =
            testing::TestDatabase::from_environment(Self::SQLITE_FILE_NAME, Self::SCHEMA_PREFIX);
        TestDatabase(database.await)
    }

    /// Opens a store on the database; each call opens another one, as
    /// another connector process or instance would.
    pub async fn open(&self) -> Arc<dyn Store> {
        match self.engine {
            Engine::Sqlite => Arc::new(self.open_sqlite()),
            Engine::Postgres => Arc::new(self.open_postgres().await),
        }
    }

    /// Opens a SQLite store; panics on a PostgreSQL database.
    pub fn open_sqlite(&self) -> SqliteStore {
        assert_eq!(self.engine, Engine::Sqlite, "not a SQLite test database");
        SqliteStore::open(self.location()).expect("open SQLite store")
    }

    /// Opens a PostgreSQL store; panics on a SQLite database.
    pub async fn open_postgres(&self) -> PostgresStore {
        assert_eq!(
            self.engine,
            Engine::Postgres,
            "not a PostgreSQL test database"
        );
        PostgresStore::open(self.location())
            .await
            .expect("open PostgreSQL store")
    }
}
