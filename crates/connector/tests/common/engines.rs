//! Test databases on each store engine, as `testing` makes them, that open
//! connector stores.

use std::sync::Arc;

use connector::store::{PostgresStore, SqliteStore, Store};

/// A database that only this test uses, removed when dropped, and a
/// temporary directory for the test's other files.
pub type TestDatabase = testing::StoreDatabase<ConnectorStores>;

pub struct ConnectorStores;

impl testing::Stores for ConnectorStores {
    const SQLITE_FILE_NAME: &'static str = "connector.db";
    const SCHEMA_PREFIX: &'static str = "connector_test";

    type Store = dyn Store;
    type Sqlite = SqliteStore;
    type Postgres = PostgresStore;

    fn open_sqlite(path: &str) -> SqliteStore {
        SqliteStore::open(path).expect("open SQLite store")
    }

    async fn open_postgres(url: &str) -> PostgresStore {
        PostgresStore::open(url)
            .await
            .expect("open PostgreSQL store")
    }

    fn share_sqlite(store: SqliteStore) -> Arc<dyn Store> {
        Arc::new(store)
    }

    fn share_postgres(store: PostgresStore) -> Arc<dyn Store> {
        Arc::new(store)
    }
}
