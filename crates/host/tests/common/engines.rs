//! Test databases on each store engine, as `testing` makes them, that open
//! host stores.

use std::sync::Arc;

use host::store::{HostStore, PostgresHostStore, SqliteHostStore};

/// A database that only this test uses, removed when dropped, and a
/// temporary directory for the test's other files.
pub type TestDatabase = testing::StoreDatabase<HostStores>;

pub struct HostStores;

impl testing::Stores for HostStores {
    const SQLITE_FILE_NAME: &'static str = "host.db";
    const SCHEMA_PREFIX: &'static str = "callouts_test";

    type Store = dyn HostStore;
    type Sqlite = SqliteHostStore;
    type Postgres = PostgresHostStore;

    fn open_sqlite(path: &str) -> SqliteHostStore {
        SqliteHostStore::open(path).expect("open SQLite store")
    }

    async fn open_postgres(url: &str) -> PostgresHostStore {
        PostgresHostStore::open(url)
            .await
            .expect("open PostgreSQL store")
    }

    fn share_sqlite(store: SqliteHostStore) -> Arc<dyn HostStore> {
        Arc::new(store)
    }

    fn share_postgres(store: PostgresHostStore) -> Arc<dyn HostStore> {
        Arc::new(store)
    }
}
