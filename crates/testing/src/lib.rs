//! Test databases on each store engine, for the workspace's tests: a
//! SQLite file in a temporary directory, or a fresh schema in the
//! PostgreSQL database that `CALLOUTS_TEST_POSTGRES_URL` names, such as
//! `postgres://postgres@127.0.0.1:5432/test`.
//!
//! The crate depends on no store. Each crate's tests implement [`Stores`]
//! for their own stores and use a [`StoreDatabase`] of them.

mod database;
mod schema;
mod stores;

pub use database::TestDatabase;
pub use schema::TestSchema;
pub use stores::{StoreDatabase, Stores, run_on_postgres, run_on_sqlite};

/// Names the PostgreSQL database that tests create their schemas in.
pub const POSTGRES_URL_VARIABLE: &str = "CALLOUTS_TEST_POSTGRES_URL";

/// Engine choice: `postgres` makes [`TestDatabase::from_environment`] use
/// PostgreSQL, so that the tests of whole servers run on it. Any other
/// value, or none, means SQLite.
pub const ENGINE_VARIABLE: &str = "CALLOUTS_TEST_ENGINE";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Defines, for each named async function taking a [`StoreDatabase`], a
/// module of the same name with two tests: `sqlite`, and `postgres`, which
/// prints that it skips when `CALLOUTS_TEST_POSTGRES_URL` is not set.
#[macro_export]
macro_rules! engine_tests {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                $crate::run_on_sqlite(super::$name).await;
            }

            #[tokio::test]
            async fn postgres() {
                $crate::run_on_postgres(super::$name).await;
            }
        }
    )+};
}
