//! Test databases that open one crate's stores.

use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

use crate::{Engine, TestDatabase};

/// The stores of one crate, which a [`StoreDatabase`] opens.
pub trait Stores {
    /// The SQLite file's name in its temporary directory.
    const SQLITE_FILE_NAME: &'static str;
    /// The start of the PostgreSQL schema's name.
    const SCHEMA_PREFIX: &'static str;

    /// The trait object that both stores implement, such as `dyn Store`.
    type Store: ?Sized;
    type Sqlite;
    type Postgres;

    /// Opens a SQLite store on the file at `path`, and panics when that fails.
    fn open_sqlite(path: &str) -> Self::Sqlite;
    /// Opens a PostgreSQL store at `url`, and panics when that fails.
    fn open_postgres(url: &str) -> impl Future<Output = Self::Postgres>;
    fn share_sqlite(store: Self::Sqlite) -> Arc<Self::Store>;
    fn share_postgres(store: Self::Postgres) -> Arc<Self::Store>;
}

/// A [`TestDatabase`] that opens the stores `S`.
pub struct StoreDatabase<S> {
    database: TestDatabase,
    stores: PhantomData<fn() -> S>,
}

impl<S: Stores> StoreDatabase<S> {
    fn new(database: TestDatabase) -> StoreDatabase<S> {
        StoreDatabase {
            database,
            stores: PhantomData,
        }
    }

    /// Places a SQLite database in a new temporary directory, as
    /// [`TestDatabase::sqlite`] does.
    pub fn sqlite() -> StoreDatabase<S> {
        Self::new(TestDatabase::sqlite(S::SQLITE_FILE_NAME))
    }

    /// Creates a PostgreSQL schema, as [`TestDatabase::postgres`] does, or
    /// returns `None` without `CALLOUTS_TEST_POSTGRES_URL`.
    pub async fn postgres() -> Option<StoreDatabase<S>> {
        let database = TestDatabase::postgres(S::SCHEMA_PREFIX).await;
        database.map(Self::new)
    }

    /// Uses the engine that `CALLOUTS_TEST_ENGINE` chooses, as
    /// [`TestDatabase::from_environment`] does.
    pub async fn from_environment() -> StoreDatabase<S> {
        let database = TestDatabase::from_environment(S::SQLITE_FILE_NAME, S::SCHEMA_PREFIX);
        Self::new(database.await)
    }

    /// Opens a store on the database. Each call opens another one, as
    /// another process or instance would.
    pub async fn open(&self) -> Arc<S::Store> {
        match self.engine {
            Engine::Sqlite => S::share_sqlite(self.open_sqlite()),
            Engine::Postgres => S::share_postgres(self.open_postgres().await),
        }
    }

    /// Opens a SQLite store, and panics on a PostgreSQL database.
    pub fn open_sqlite(&self) -> S::Sqlite {
        assert_eq!(self.engine, Engine::Sqlite, "not a SQLite test database");
        S::open_sqlite(self.location())
    }

    /// Opens a PostgreSQL store, and panics on a SQLite database.
    pub async fn open_postgres(&self) -> S::Postgres {
        assert_eq!(
            self.engine,
            Engine::Postgres,
            "not a PostgreSQL test database"
        );
        S::open_postgres(self.location()).await
    }
}

impl<S> Deref for StoreDatabase<S> {
    type Target = TestDatabase;

    fn deref(&self) -> &TestDatabase {
        &self.database
    }
}

/// Runs `test` on a new SQLite database.
pub async fn run_on_sqlite<S, F>(test: impl FnOnce(StoreDatabase<S>) -> F)
where
    S: Stores,
    F: Future<Output = ()>,
{
    test(StoreDatabase::sqlite()).await;
}

/// Runs `test` on a new PostgreSQL schema, or prints that it skips when
/// `CALLOUTS_TEST_POSTGRES_URL` is not set.
pub async fn run_on_postgres<S, F>(test: impl FnOnce(StoreDatabase<S>) -> F)
where
    S: Stores,
    F: Future<Output = ()>,
{
    if let Some(database) = StoreDatabase::postgres().await {
        test(database).await;
    }
}
